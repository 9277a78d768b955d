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
            None => Err(Unavailable {
                source: self.source.clone(),
                reason: "the query was not asked".to_owned(),
            }),
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

/// Every query one manifest's SLIs make (see [`queries_of`]).
pub fn asked_queries(manifest: &Manifest) -> Vec<String> {
    sli_queries(manifest)
        .into_iter()
        // An SLO without a window prr can read has no budget: its burn rates are not asked.
        .filter(|query| query.asked.is_some())
        .flat_map(|query| {
            let burns = BURN_HOURS.map(|hours| query.over_hours(hours));
            let coverage = query.coverage();
            query
                .asked
                .into_iter()
                .chain(burns.into_iter().flatten())
                .chain(coverage)
        })
        .collect()
}

/// The spans burn rates are measured over, in hours (the SRE workbook's multiwindow
/// alerting: 1 h and 6 h).
pub const BURN_HOURS: [u32; 2] = [1, 6];

/// How many slices of its window a total query is read over to find where the data starts:
/// a slice of 28 days is one day, long enough to hold two samples of even a sparse scrape.
const COVERAGE_SLICES: f64 = 28.0;

impl SliQuery<'_> {
    /// The query over the last `hours` instead of the SLO's window.
    #[must_use]
    pub fn over_hours(&self, hours: u32) -> Option<String> {
        self.written
            .as_str()
            .map(|text| text.replace(WINDOW, &format!("{hours}h")))
    }

    /// For a total query: how many seconds of the window the data covers. The query is
    /// read over slices of the window (a day of a 28-day window) at every quarter slice
    /// across the window, and the earliest that has a value marks where the data starts;
    /// the slice is added back, so that the figure errs towards "covered" and a full window
    /// is never reported as short. `increase()` over a range that starts before the data
    /// counts what exists; this says how much that was.
    #[must_use]
    pub fn coverage(&self) -> Option<String> {
        if self.events != Events::Total {
            return None;
        }
        let days = self.window_days?;
        let slice_seconds = (days * 86_400.0 / COVERAGE_SLICES).round().max(60.0);
        let slice = format!("{slice_seconds}s");
        let step = format!("{}s", (slice_seconds / 4.0).round());
        let sliced = self.written.as_str()?.replace(WINDOW, &slice);
        Some(format!(
            "time() - min_over_time(timestamp({sliced})[{}:{step}]) + {slice_seconds}",
            duration(days)
        ))
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
        let queries = asked_queries(manifest)
            .into_iter()
            .map(|asked| {
                let answer = match (self.rejected.get(&asked), self.queries.get(&asked)) {
                    (Some(why), _) => Answer::Rejected(why.clone()),
                    (None, values) => Answer::Series(
                        values
                            .into_iter()
                            .flatten()
                            .map(|value| Sample {
                                labels: BTreeMap::new(),
                                value: *value,
                            })
                            .collect(),
                    ),
                };
                (asked, Ok(answer))
            })
            .collect();
        Readings {
            source: "prometheus (the example's facts)".to_owned(),
            alerts: Ok(Arc::new(alerts)),
            queries,
        }
    }
}
