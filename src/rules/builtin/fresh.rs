//! `fresh`: a date is recent. Reviews that are never redone stop describing the service:
//! a PRR is redone at least every two years, MTTR/MTTF and toil reviews every quarter,
//! critical-dependency reviews every six months, and a load test older than a year says
//! little about today's traffic. Missing fails; a date in the future is a typo and fails;
//! exactly `days` old passes.
//!
//! Parameters (`with`): `path` (the date, such as `reviews.prr`), `days` (the most days old
//! it may be), `what` (how the message names it, default the path), `incident_figures`
//! (when `true` and the pack names incident records, the message also says the last full
//! quarter whose records hold an incident of the service: the quarter a review can look at).

use super::{date_of, days, params, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::path::Path;

pub const SPEC: Spec = Spec {
    name: "fresh",
    summary: "a date is at most `days` old and not in the future; with path, days, what",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    path: String,
    days: i64,
    what: Option<String>,
    #[serde(default)]
    incident_figures: bool,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    if p.days < 0 {
        return Err(format!("days must be 0 or more, got {}", p.days));
    }
    let path: Path = p
        .path
        .parse()
        .map_err(|e: crate::manifest::path::PathError| e.to_string())?;
    Ok(Box::new(Fresh {
        what: p.what.unwrap_or_else(|| format!("`{}`", p.path)),
        path,
        days: p.days,
        incident_figures: p.incident_figures,
    }))
}

#[derive(Debug)]
struct Fresh {
    path: Path,
    days: i64,
    what: String,
    incident_figures: bool,
}

impl Fresh {
    /// What the incident records say about the figures a review can look at, when asked
    /// for and known: `; incident figures exist up to 2026Q3 (...)`.
    fn figures_note(&self, cx: &Context<'_>) -> String {
        if !self.incident_figures {
            return String::new();
        }
        let crate::facts::Gathered::Known(incidents) = &cx.facts.incidents else {
            return String::new();
        };
        let Some(service) = cx.service.name.as_deref() else {
            return String::new();
        };
        let last_full = crate::facts::Quarter::last_full(cx.as_of);
        let (_, end) = last_full.bounds();
        let latest = incidents
            .records
            .iter()
            .filter(|i| i.service == service && i.started < end)
            .map(|i| i.started)
            .max();
        match latest {
            Some(started) => {
                let date = started.to_zoned(jiff::tz::TimeZone::UTC).date();
                let quarter = crate::facts::Quarter::of(date);
                format!(
                    "; incident figures exist up to {quarter} (the service's latest incident in {} started then): `prr review quarterly --quarter {quarter}`",
                    incidents.source
                )
            }
            None => format!(
                "; {} holds no incident of `{service}` up to {last_full}",
                incidents.source
            ),
        }
    }
}

impl Builtin for Fresh {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            incidents: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let mut outcome = self.judge(cx);
        let note = self.figures_note(cx);
        if !note.is_empty() {
            for failure in &mut outcome.failures {
                if !failure.unverified {
                    failure.message.push_str(&note);
                }
            }
            if !outcome.passed.is_empty() {
                outcome.passed.push_str(&note);
            }
        }
        outcome
    }
}

impl Fresh {
    fn judge(&self, cx: &Context<'_>) -> Outcome {
        let mut failures = Vec::new();
        let mut held = Vec::new();
        for hit in self.path.resolve(&cx.manifest.root) {
            let Some(node) = hit.node.filter(|n| n.is_present()) else {
                failures.push(Failure::new(
                    format!(
                        "{} is {}: record its date in `{}`",
                        self.what,
                        crate::manifest::Node::absence(hit.node),
                        hit.key
                    ),
                    hit.key,
                    hit.anchor,
                ));
                continue;
            };
            let Some(date) = date_of(node) else {
                failures.push(Failure::new(
                    format!(
                        "{} is {}, not a date (YYYY-MM-DD)",
                        self.what,
                        node.describe()
                    ),
                    hit.key,
                    node.span,
                ));
                continue;
            };
            let age = days_between(date, cx.as_of);
            if age < 0 {
                failures.push(Failure::new(
                    format!(
                        "{} is {date}, {} in the future: a typo?",
                        self.what,
                        days(-age)
                    ),
                    hit.key,
                    node.span,
                ));
            } else if age > self.days {
                // The last day it passed was `days` after it; it has been overdue since the next.
                let due = date
                    .checked_add(jiff::Span::new().days(self.days + 1))
                    .unwrap_or(date);
                failures.push(Failure::new(
                    format!(
                        "{} was {date}, {} ago (limit {}): overdue since {due}",
                        self.what,
                        days(age),
                        self.days
                    ),
                    hit.key,
                    node.span,
                ));
            } else {
                held.push(format!(
                    "{} {date} is {age} days old (limit {})",
                    self.what, self.days
                ));
            }
        }
        Outcome::fail(failures, held.join("; "))
    }
}

/// Whole days from `from` to `to` (negative when `from` is later).
#[must_use]
pub fn days_between(from: jiff::civil::Date, to: jiff::civil::Date) -> i64 {
    from.until((jiff::Unit::Day, to))
        .map_or(0, |span| i64::from(span.get_days()))
}
