//! `sli`: each SLO that declares how it is measured (`[slo.sli]`, good and total event
//! counts in PromQL, OpenSLO's `ratioMetric`) has queries that return data: exactly one
//! series with a value, over the SLO's window (`{{window}}`, filled in by prr), from the
//! pack's Prometheus, evaluated now. A query that returns nothing measures nothing: a typo
//! in a metric name or a label reads as a perfect SLO on every dashboard built on it.
//!
//! Findings, at the query's line: a query that returns no series, no number (NaN), an
//! infinity or a negative count, several series (aggregate them, `sum(...)`), a query the
//! server refuses, and good events that outnumber the total. Good and total are compared as
//! one query reads them together (one snapshot of the data, at the run's one instant), so
//! a scrape landing between two requests cannot make a healthy SLI look broken. Without a configured Prometheus the rule is skipped, saying
//! how to configure one; a server that gives no usable answer makes each query "could not
//! verify", never a pass. The pass names each SLO's attainment over its window.
//!
//! NaN or an infinity is no count: the server answered, but nothing the budget could use,
//! so the query "could not verify" (the pack's `on_unavailable` decides, and on a deploy
//! `deploy_on_unavailable`). On a deploy, a claim that could not be verified does not stop
//! a fix whose pull request a member of the error budget's owner team labelled with one of
//! `labels` (decision 18).
//!
//! Parameters (`with`): `labels` (default `reliability-fix`, `security-fix`).

use super::{params, percent, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::prometheus::{pairs, sli_queries, Answer, Events, SliQuery, EVENTS_LABEL};
use crate::facts::Gathered;
use crate::manifest::Node;

pub const SPEC: Spec = Spec {
    name: "sli",
    summary: "each [slo.sli]'s good and total queries return one series with data over the SLO's window in Prometheus",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    labels: Option<Vec<String>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    Ok(Box::new(Sli {
        labels: super::fix_labels(p.labels),
    }))
}

#[derive(Debug)]
struct Sli {
    labels: Vec<String>,
}

impl Builtin for Sli {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            prometheus: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        super::let_fixes_through(judge(cx), cx, &self.labels)
    }
}

fn judge(cx: &Context<'_>) -> Outcome {
    {
        let queries = sli_queries(cx.manifest);
        if queries.is_empty() {
            return Outcome::skip("no SLO declares how it is measured (`[slo.sli]`)");
        }
        let evidence = match &cx.facts.prometheus {
            Gathered::NotConfigured(why) => return Outcome::skip(why.clone()),
            Gathered::Unavailable(why) => {
                let failures = queries
                    .iter()
                    .map(|q| Failure::unverified(why, key(q), q.written.span))
                    .collect();
                return Outcome::fail(failures, String::new());
            }
            Gathered::Known(evidence) => evidence,
        };
        let mut failures = Vec::new();
        // Per SLO: (good, total) values of the queries that returned one.
        let mut values: std::collections::BTreeMap<usize, [Option<f64>; 2]> =
            std::collections::BTreeMap::new();
        let mut windows = std::collections::BTreeMap::new();
        for query in &queries {
            let Some(asked) = &query.asked else {
                failures.push(Failure::new(
                    format!(
                        "`{}` cannot be asked: `slo[{}].window` is missing or not a window prr reads, so `{{{{window}}}}` has no value",
                        key(query),
                        query.slo
                    ),
                    key(query),
                    query.written.span,
                ));
                continue;
            };
            let window = query.window_days.map(crate::facts::prometheus::duration);
            windows.insert(query.slo, window.clone().unwrap_or_default());
            let over = window.map(|w| format!(" over {w}")).unwrap_or_default();
            match evidence.answer(asked) {
                Err(why) => failures.push(Failure::unverified(&why, key(query), query.written.span)),
                Ok(Answer::Rejected(why)) => failures.push(Failure::new(
                    format!("Prometheus refused `{}`: {why}", key(query)),
                    key(query),
                    query.written.span,
                )),
                Ok(Answer::Series(series)) => match series.as_slice() {
                    [] => failures.push(Failure::new(
                        format!(
                            "`{}` returns nothing{over}: no series matches (check the metric name and labels against what Prometheus holds)",
                            key(query)
                        ),
                        key(query),
                        query.written.span,
                    )),
                    // No number is no count: could not verify, never no traffic.
                    [one] if !one.value.is_finite() => {
                        let what = if one.value.is_nan() {
                            "NaN, not a number".to_owned()
                        } else {
                            format!("{}Inf, not a count", if one.value > 0.0 { "+" } else { "-" })
                        };
                        let why = crate::facts::Unavailable::live(
                            evidence.source.clone(),
                            format!("`{}` returns {what}{over}", key(query)),
                        );
                        failures.push(Failure::unverified(&why, key(query), query.written.span));
                    }
                    [one] if one.value < 0.0 => failures.push(Failure::new(
                        format!(
                            "`{}` returns a negative count{over} ({}): count with increase(), which handles counter resets",
                            key(query),
                            number(one.value)
                        ),
                        key(query),
                        query.written.span,
                    )),
                    [one] => {
                        let slot = usize::from(query.events == Events::Total);
                        values.entry(query.slo).or_default()[slot] = Some(one.value);
                    }
                    many => failures.push(Failure::new(
                        format!(
                            "`{}` returns {} series{over}, where one is expected: aggregate them (`sum(...)`)",
                            key(query),
                            many.len()
                        ),
                        key(query),
                        query.written.span,
                    )),
                },
            }
        }
        // Good and total as one query read them together, where the server answered it:
        // the comparison below must not depend on when each request arrived.
        for pair in pairs(&queries) {
            let Some(together) = pair.together_over_window() else {
                continue;
            };
            let Ok(Answer::Series(series)) = evidence.answer(&together) else {
                continue;
            };
            let half = |events: &str| {
                let values: Vec<f64> = series
                    .iter()
                    .filter(|s| s.labels.get(EVENTS_LABEL).map(String::as_str) == Some(events))
                    .map(|s| s.value)
                    .collect();
                match values.as_slice() {
                    [one] if one.is_finite() => Some(*one),
                    _ => None,
                }
            };
            if let (Some(good), Some(total), Some(slot)) =
                (half("good"), half("total"), values.get_mut(&pair.slo))
            {
                if slot[0].is_some() && slot[1].is_some() {
                    *slot = [Some(good), Some(total)];
                }
            }
        }
        let mut attained = Vec::new();
        for (slo, [good, total]) in &values {
            let (Some(good), Some(total)) = (good, total) else {
                continue;
            };
            let name = slo_name(cx, *slo);
            let window = windows.get(slo).cloned().unwrap_or_default();
            if *good > *total * (1.0 + 1e-9) {
                if let Some(written) = queries
                    .iter()
                    .find(|q| q.slo == *slo && q.events == Events::Good)
                {
                    failures.push(Failure::new(
                        format!(
                            "the good events of `{name}` ({}) outnumber its total ({}) over {window}: the queries do not count the same requests",
                            number(*good),
                            number(*total)
                        ),
                        key(written),
                        written.written.span,
                    ));
                }
            } else if *total > 0.0 {
                attained.push(format!(
                    "{name} {} over {window}",
                    percent(good / total * 100.0)
                ));
            } else {
                attained.push(format!("{name}: no events over {window}"));
            }
        }
        Outcome::fail(
            failures,
            format!("every SLI returns data: {}", attained.join(", ")),
        )
    }
}

/// `slo[0].sli.good`.
fn key(query: &SliQuery<'_>) -> String {
    format!("slo[{}].sli.{}", query.slo, query.events.key())
}

/// The SLO's name, else its place.
fn slo_name(cx: &Context<'_>, index: usize) -> String {
    cx.manifest
        .root
        .get("slo")
        .and_then(Node::as_array)
        .and_then(|slos| slos.get(index))
        .and_then(|slo| slo.get("name"))
        .and_then(Node::as_str)
        .map_or_else(|| format!("slo[{index}]"), str::to_owned)
}

/// An event count as people read it: whole when it is, else to two decimals.
fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value}")
    } else {
        format!("{value:.2}")
    }
}
