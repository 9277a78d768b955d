//! What the pack's Prometheus said about a manifest's claims, as plain data: the alerting
//! rules loaded and the answers to the SLI queries, and the queries themselves as they are
//! built from the manifest (`{{window}}` filled in). The evidence stage asks the server;
//! the rules read these.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Unavailable;
use crate::manifest::{Manifest, Node};

/// One alerting rule loaded in the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertRule {
    /// Its `runbook_url` annotation, when it has one.
    pub runbook_url: Option<String>,
}

/// One series of an instant query's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The series' labels (empty for an aggregate such as `sum(...)`).
    pub labels: BTreeMap<String, String>,
    /// Its value now (`NaN` when the expression had no data to work on).
    pub value: f64,
}

/// What the server said to a query.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// The series the query returned (none, one, or several).
    Series(Vec<Sample>),
    /// The server refused the query itself (a syntax error, an unknown function): the
    /// manifest's fault, not the server's.
    Rejected(String),
}

/// What Prometheus said about one manifest's claims: the facts `monitoring.alerts` and
/// `slo.sli` judge.
#[derive(Clone, Debug)]
pub struct Readings {
    /// The server, as shown (`prometheus at http://127.0.0.1:9090`).
    pub source: String,
    /// The one instant every query of the run was evaluated at (the `time` parameter of the
    /// instant-query API), so that no figure depends on when each query arrived; `None`
    /// for an example's facts.
    pub at: Option<jiff::Timestamp>,
    /// Every alerting rule the server has loaded, by name, or why they could not be read.
    /// Shared: every manifest of a run reads the same list.
    pub alerts: Result<Arc<BTreeMap<String, AlertRule>>, Unavailable>,
    /// Each query the manifest's SLIs make (`{{window}}` filled in), and what came back.
    pub queries: BTreeMap<String, Result<Answer, Unavailable>>,
}

impl Readings {
    /// What the server said to `query`; a query nobody asked is unavailable (it should not
    /// happen: the stage asks every query [`sli_queries`] finds).
    ///
    /// # Errors
    /// The server gave no usable answer to it.
    pub fn answer(&self, query: &str) -> Result<&Answer, Unavailable> {
        match self.queries.get(query) {
            Some(Ok(answer)) => Ok(answer),
            Some(Err(why)) => Err(why.clone()),
            None => Err(Unavailable::live(
                self.source.clone(),
                "the query was not asked",
            )),
        }
    }
}

/// Good or total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Events {
    Good,
    Total,
}

impl Events {
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Total => "total",
        }
    }
}

/// One query of an SLO's `[slo.sli]`, as written and as asked.
#[derive(Clone, Debug)]
pub struct SliQuery<'a> {
    /// The SLO's index in `slo`.
    pub slo: usize,
    pub events: Events,
    /// The query as the manifest writes it (the node carries its place).
    pub written: &'a Node,
    /// The query as asked, `{{window}}` filled with the SLO's window; `None` when the SLO
    /// has no window prr can read (the schema says why).
    pub asked: Option<String>,
    /// The window in days.
    pub window_days: Option<f64>,
}

/// The place-holder an SLI query writes for its range (as sloth writes `{{.window}}`).
pub const WINDOW: &str = "{{window}}";

/// The good and total queries of every SLO that declares `sli`, in manifest order.
#[must_use]
pub fn sli_queries(manifest: &Manifest) -> Vec<SliQuery<'_>> {
    let Some(slos) = manifest.root.get("slo").and_then(Node::as_array) else {
        return Vec::new();
    };
    let mut queries = Vec::new();
    for (index, slo) in slos.iter().enumerate() {
        let Some(sli) = slo.get("sli") else { continue };
        let window_days = slo
            .get("window")
            .and_then(Node::as_str)
            .and_then(crate::manifest::window_days);
        for events in [Events::Good, Events::Total] {
            if let Some(written) = sli.get(events.key()) {
                if let Some(text) = written.as_str() {
                    queries.push(SliQuery {
                        slo: index,
                        events,
                        written,
                        asked: window_days.map(|days| fill(text, days)),
                        window_days,
                    });
                }
            }
        }
    }
    queries
}

/// `template` with every `{{window}}` replaced by a PromQL duration of `days`.
#[must_use]
pub fn fill(template: &str, days: f64) -> String {
    template.replace(WINDOW, &duration(days))
}

/// A PromQL duration: whole days as `28d`, else whole minutes (a month, 30.4375 days, is
/// `43830m`), which every server of the API parses.
#[must_use]
pub fn duration(days: f64) -> String {
    if days.fract() == 0.0 {
        format!("{days}d")
    } else {
        format!("{}m", (days * 1440.0).round())
    }
}

/// Every query the manifests' SLIs make, each once: over each SLO's window, and over the
/// last 1 and 6 hours for its burn rates.
#[must_use]
pub fn queries_of<'a>(
    manifests: impl IntoIterator<Item = &'a Manifest>,
) -> std::collections::BTreeSet<String> {
    manifests.into_iter().flat_map(asked_queries).collect()
}

/// Every query one manifest's SLIs make (see [`queries_of`]): each good and total query
/// over its window (what `slo.sli` judges, line by line), and for each SLO with both, good
/// and total together over the window, 1 h and 6 h (what the budget is computed from), and
/// how much of the window the data covers.
pub fn asked_queries(manifest: &Manifest) -> Vec<String> {
    let queries = sli_queries(manifest);
    // An SLO without a window prr can read has no budget: nothing else is asked for it.
    let mut asked: Vec<String> = queries.iter().filter_map(|q| q.asked.clone()).collect();
    for pair in pairs(&queries) {
        if pair.window_days().is_none() {
            continue;
        }
        asked.extend(pair.together_over_window());
        asked.extend(
            BURN_HOURS
                .iter()
                .filter_map(|hours| pair.together_over_hours(*hours)),
        );
        asked.extend(pair.total.coverage().into_iter().map(|look| look.query));
    }
    asked
}

/// The label the query that asks good and total together puts on each half.
pub const EVENTS_LABEL: &str = "prr_events";

/// Good and total asked in one query: `label_replace(GOOD, "prr_events", "good", "", "") or
/// label_replace(TOTAL, "prr_events", "total", "", "")`. One query reads one snapshot of
/// the data, so a sample that lands between two queries cannot make good exceed total, as
/// it can when each is asked alone even at the same `time` (a scrape is appended while the
/// queries run).
#[must_use]
pub fn together(good: &str, total: &str) -> String {
    format!(
        "label_replace({good}, \"{EVENTS_LABEL}\", \"good\", \"\", \"\") or label_replace({total}, \"{EVENTS_LABEL}\", \"total\", \"\", \"\")"
    )
}

/// An SLO's good and total queries.
#[derive(Clone, Debug)]
pub struct Pair<'a> {
    pub slo: usize,
    pub good: SliQuery<'a>,
    pub total: SliQuery<'a>,
}

/// The SLOs that declare both a good and a total query, in manifest order.
#[must_use]
pub fn pairs<'a>(queries: &[SliQuery<'a>]) -> Vec<Pair<'a>> {
    let mut found = Vec::new();
    for good in queries.iter().filter(|q| q.events == Events::Good) {
        if let Some(total) = queries
            .iter()
            .find(|q| q.slo == good.slo && q.events == Events::Total)
        {
            found.push(Pair {
                slo: good.slo,
                good: good.clone(),
                total: total.clone(),
            });
        }
    }
    found
}

impl Pair<'_> {
    /// The SLO's window in days, when prr can read it.
    #[must_use]
    pub fn window_days(&self) -> Option<f64> {
        self.good.window_days
    }

    /// Good and total together over the SLO's window.
    #[must_use]
    pub fn together_over_window(&self) -> Option<String> {
        Some(together(
            self.good.asked.as_deref()?,
            self.total.asked.as_deref()?,
        ))
    }

    /// Good and total together over the last `hours`.
    #[must_use]
    pub fn together_over_hours(&self, hours: u32) -> Option<String> {
        Some(together(
            &self.good.over_hours(hours)?,
            &self.total.over_hours(hours)?,
        ))
    }
}

/// The spans burn rates are measured over, in hours (the SRE workbook's multiwindow
/// alerting: 1 h and 6 h).
pub const BURN_HOURS: [u32; 2] = [1, 6];

/// How many slices of its range a total query is read over to find where the data starts
/// (see [`Look`]): a slice of 28 days is one day, long enough to hold two samples of even a
/// sparse scrape.
const COVERAGE_SLICES: f64 = 28.0;
/// The shortest slice: two samples of a 30-second scrape.
const MIN_SLICE_SECONDS: f64 = 60.0;
/// How many finer looks follow the first, each over the last two slices of the one before:
/// 28 days, 2 days, 3.4 hours, 15 minutes.
const COVERAGE_LEVELS: usize = 4;

impl SliQuery<'_> {
    /// The query over the last `hours` instead of the SLO's window.
    #[must_use]
    pub fn over_hours(&self, hours: u32) -> Option<String> {
        self.written
            .as_str()
            .map(|text| text.replace(WINDOW, &format!("{hours}h")))
    }

    /// For a total query: the looks that say how many seconds of the window the data
    /// covers, widest first (see [`Look`]). Each is asked as its own query, at the run's
    /// instant; [`Look::choose`] reads their answers.
    #[must_use]
    pub fn coverage(&self) -> Vec<Look> {
        if self.events != Events::Total {
            return Vec::new();
        }
        let (Some(days), Some(written)) = (self.window_days, self.written.as_str()) else {
            return Vec::new();
        };
        let mut range = (days * 86_400.0).round();
        let mut looks: Vec<Look> = Vec::new();
        for _ in 0..COVERAGE_LEVELS {
            let slice = (range / COVERAGE_SLICES).round().max(MIN_SLICE_SECONDS);
            let step = (slice / 4.0).round();
            let sliced = written.replace(WINDOW, &format!("{slice}s"));
            looks.push(Look {
                query: format!(
                    "time() - min_over_time(timestamp({sliced})[{range}s:{step}s]) + {slice}"
                ),
                range,
                slice,
                step,
            });
            let next = 2.0 * slice;
            if slice <= MIN_SLICE_SECONDS || next >= range {
                // Data younger than every step still has the slice that ends now.
                if let Some(finest) = looks.last_mut() {
                    finest.query = format!(
                        "({}) or (time() - timestamp({sliced}) + {slice})",
                        finest.query
                    );
                }
                break;
            }
            range = next;
        }
        looks
    }
}

/// One look at where an SLO's data starts: the total query read over short slices (a day
/// of a 28-day window) at every quarter slice across `range` (a subquery); the earliest
/// slice with a value marks where the data starts, and the slice is added back, so that
/// the figure errs towards "covered" and a full window is never reported as short.
/// `increase()` over a range that starts before the data counts what exists; this says how
/// much that was.
///
/// A subquery's steps are aligned to the epoch, not to now, and a slice holds two samples
/// only where the data is dense enough, so one look is not enough: data younger than the
/// last step falls in no step, and a gap in old data looks like a start. The range is read
/// again, finer, over the last two slices of the look before, down to a minute's slice,
/// each look asked alone (at the run's one instant) and chosen in [`Look::choose`].
#[derive(Clone, Debug, PartialEq)]
pub struct Look {
    /// The query: seconds from the earliest slice with data to now, plus the slice.
    pub query: String,
    pub range: f64,
    pub slice: f64,
    pub step: f64,
}

impl Look {
    /// The seconds of data, from the looks' answers (widest first; `None` where a look
    /// had no value): the finest look that the wider ones leave room for and that sees the
    /// data start inside its own range (after its first step). A look with no value is
    /// passed over: the data is younger than its step, or its slices too short for the
    /// scrape.
    #[must_use]
    pub fn choose(looks: &[(Self, Option<f64>)]) -> Option<f64> {
        let mut best: Option<f64> = None;
        for (index, (look, seconds)) in looks.iter().enumerate() {
            // The wider look's estimate errs by up to a slice and a step towards covered:
            // a finer look is believed only when the data may start inside its range.
            if index > 0 {
                if let (Some(best), Some((wider, _))) = (best, looks.get(index - 1)) {
                    if best > 3.0 * wider.slice + wider.step {
                        break;
                    }
                }
            }
            let Some(seconds) = seconds.filter(|s| s.is_finite() && *s > 0.0) else {
                continue;
            };
            if index == 0 || seconds < look.range - look.step + look.slice {
                best = Some(seconds);
            } else {
                // This look's range is full of data: the wider estimate stands.
                break;
            }
        }
        best
    }
}

/// `[rule.test.facts.prometheus]`: what the server holds, for an example judged offline.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestFacts {
    /// The alerting rules loaded, by name.
    #[serde(default)]
    pub alerts: Vec<String>,
    /// Their `runbook_url` annotations, by alert name.
    #[serde(default)]
    pub runbooks: BTreeMap<String, String>,
    /// What queries return, as asked (`{{window}}` filled in: `[28d]`): one value per
    /// series, `[]` for none. Any other query returns no series.
    #[serde(default)]
    pub queries: BTreeMap<String, Vec<f64>>,
    /// Queries the server refuses, and its message.
    #[serde(default)]
    pub rejected: BTreeMap<String, String>,
}

impl TestFacts {
    /// What the example's server answers to `asked`, each series labelled `prr_events =
    /// events` when `events` is not empty.
    fn answer(&self, asked: &str, events: &str) -> Answer {
        if let Some(why) = self.rejected.get(asked) {
            return Answer::Rejected(why.clone());
        }
        let labels: BTreeMap<String, String> = if events.is_empty() {
            BTreeMap::new()
        } else {
            BTreeMap::from([(EVENTS_LABEL.to_owned(), events.to_owned())])
        };
        Answer::Series(
            self.queries
                .get(asked)
                .into_iter()
                .flatten()
                .map(|value| Sample {
                    labels: labels.clone(),
                    value: *value,
                })
                .collect(),
        )
    }

    /// The evidence these facts describe, for `manifest`'s queries.
    #[must_use]
    pub fn readings(&self, manifest: &Manifest) -> Readings {
        let alerts = self
            .alerts
            .iter()
            .map(|name| {
                let runbook_url = self.runbooks.get(name).cloned();
                (name.clone(), AlertRule { runbook_url })
            })
            .collect();
        // The queries that ask good and total together answer what their halves answer,
        // each half labelled, as the server would.
        let sli = sli_queries(manifest);
        let mut halves = BTreeMap::new();
        for pair in pairs(&sli) {
            let spans = [(pair.good.asked.clone(), pair.total.asked.clone())]
                .into_iter()
                .chain(BURN_HOURS.map(|h| (pair.good.over_hours(h), pair.total.over_hours(h))));
            for (good, total) in spans {
                if let (Some(good), Some(total)) = (good, total) {
                    halves.insert(together(&good, &total), (good, total));
                }
            }
        }
        let queries = asked_queries(manifest)
            .into_iter()
            .map(|asked| {
                let answer = match halves.get(&asked) {
                    Some((good, total)) => {
                        match (self.answer(good, "good"), self.answer(total, "total")) {
                            (Answer::Rejected(why), _) | (_, Answer::Rejected(why)) => {
                                Answer::Rejected(why)
                            }
                            (Answer::Series(mut good), Answer::Series(total)) => {
                                good.extend(total);
                                Answer::Series(good)
                            }
                        }
                    }
                    None => self.answer(&asked, ""),
                };
                (asked, Ok(answer))
            })
            .collect();
        Readings {
            source: "prometheus (the example's facts)".to_owned(),
            at: None,
            alerts: Ok(Arc::new(alerts)),
            queries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn looks_of(days: &str) -> Vec<Look> {
        let manifest = Manifest::from_text(
            "prr.toml",
            &format!(
                "[[slo]]\nname = \"a\"\nwindow = \"{days}\"\n[slo.sli]\ngood = 'sum(increase(ok[{{{{window}}}}]))'\ntotal = 'sum(increase(all[{{{{window}}}}]))'\n"
            ),
        )
        .unwrap();
        let queries = sli_queries(&manifest);
        queries[1].coverage()
    }

    #[test]
    fn coverage_is_looked_at_finer_and_finer_down_to_a_minute() {
        let looks = looks_of("28d");
        let shape: Vec<(f64, f64, f64)> =
            looks.iter().map(|l| (l.range, l.slice, l.step)).collect();
        assert_eq!(
            shape,
            [
                (2_419_200.0, 86_400.0, 21_600.0),
                (172_800.0, 6_171.0, 1_543.0),
                (12_342.0, 441.0, 110.0),
                (882.0, 60.0, 15.0)
            ]
        );
        assert_eq!(
            looks[0].query,
            "time() - min_over_time(timestamp(sum(increase(all[86400s])))[2419200s:21600s]) + 86400"
        );
        // The finest also reads the slice that ends now: data younger than every step.
        assert!(looks[3]
            .query
            .ends_with(" or (time() - timestamp(sum(increase(all[60s]))) + 60)"));
        // A one-day window stops at a minute's slice too.
        assert_eq!(looks_of("1d").last().map(|l| l.slice), Some(60.0));
    }

    #[test]
    fn the_finest_look_that_sees_the_start_is_chosen() {
        let looks = looks_of("28d");
        let with = |answers: [Option<f64>; 4]| -> Vec<(Look, Option<f64>)> {
            looks.iter().cloned().zip(answers).collect()
        };
        // 10.5 days of data, sparse before the last day: the finer looks see a start where
        // the dense samples begin, a day ago, but the widest leaves them no room.
        let old = Look::choose(&with([
            Some(907_200.0),
            Some(92_000.0),
            Some(12_000.0),
            None,
        ]));
        assert_eq!(old, Some(907_200.0));
        // Five minutes of data at a 1 s scrape: no 6 h or 26 min step since it started; the
        // 110 s steps see it from the third on, the 15 s steps from the twentieth.
        let young = Look::choose(&with([None, None, Some(771.0), Some(360.0)]));
        assert_eq!(young, Some(360.0));
        // Data older than the finest look's range: the 3.4 h look's figure stands.
        let hours = Look::choose(&with([None, Some(8_000.0), Some(3_000.0), Some(942.0)]));
        assert_eq!(hours, Some(3_000.0));
        // A full window.
        let full = Look::choose(&with([Some(2_500_000.0), Some(178_000.0), None, None]));
        assert_eq!(full, Some(2_500_000.0));
        assert_eq!(Look::choose(&with([None, None, None, None])), None);
    }

    #[test]
    fn good_and_total_are_asked_together_each_half_labelled() {
        assert_eq!(
            together("sum(a)", "sum(b)"),
            "label_replace(sum(a), \"prr_events\", \"good\", \"\", \"\") or label_replace(sum(b), \"prr_events\", \"total\", \"\", \"\")"
        );
    }
}
