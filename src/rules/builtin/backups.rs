//! `backups`: every datastore the service declares is backed up, a restore has been
//! tested recently, and the team has said how much data it may lose (RPO) and how long a
//! restore may take (RTO). A backup that was never restored is a hope, not a backup: the
//! restore is what fails on the day it is needed (wrong credentials, a missing key, a
//! restore that takes ten hours). A datastore marked `ephemeral = true` (a cache whose
//! contents are rebuilt from elsewhere) needs none of this.
//!
//! For the tiers in `rto_within_budget` (tier 1 unless set), the RTO must fit in the error
//! budget: an RTO longer than the minutes of failure the strictest SLO allows in a month
//! means a single restore spends more than the whole budget.
//!
//! No `[[datastore]]` passes: there is nothing to back up.
//! Parameters (`with`): `days` (how old the restore test may be, default 183),
//! `rto_within_budget` (the tiers whose RTO must fit in a month's error budget, default `[1]`).

use jiff::{SpanRelativeTo, Unit};

use super::{
    budget_minutes, date_of, days, days_between, params, percent, Builtin, Context, Failure,
    Outcome, Spec,
};
use crate::manifest::{format_number, Node};

pub const SPEC: Spec = Spec {
    name: "backups",
    summary: "each datastore has backups, a restore tested within `days`, an RPO and an RTO (within a month's error budget for the tiers in rto_within_budget); with days, rto_within_budget",
    build,
};

/// The days of a month, as the error budget counts them.
const MONTH: &str = "month";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    days: Option<i64>,
    rto_within_budget: Option<Vec<i64>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    let days = p.days.unwrap_or(183);
    if days < 0 {
        return Err(format!("days must be 0 or more, got {days}"));
    }
    Ok(Box::new(Backups {
        days,
        rto_within_budget: p.rto_within_budget.unwrap_or_else(|| vec![1]),
    }))
}

#[derive(Debug)]
struct Backups {
    days: i64,
    rto_within_budget: Vec<i64>,
}

/// A recovery objective in minutes: "15m", "4h", "1h30m", "1d" (a day is 24 hours).
#[must_use]
pub fn duration_minutes(text: &str) -> Option<f64> {
    let span: jiff::Span = text.trim().parse().ok()?;
    span.total((Unit::Minute, SpanRelativeTo::days_are_24_hours()))
        .ok()
        .filter(|minutes| *minutes >= 0.0)
}

/// The SLO whose monthly budget is smallest: its name and that budget in minutes.
fn tightest_monthly_budget(root: &Node) -> Option<(String, f64, f64)> {
    super::slo_budgets(root)
        .into_iter()
        .filter_map(|slo| {
            let target = slo.target?;
            let minutes = budget_minutes(target, MONTH)?;
            Some((
                slo.name.unwrap_or_else(|| "unnamed SLO".to_owned()),
                target,
                minutes,
            ))
        })
        .min_by(|a, b| a.2.total_cmp(&b.2))
}

impl Builtin for Backups {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let root = &cx.manifest.root;
        let stores = root
            .get("datastore")
            .and_then(Node::as_array)
            .unwrap_or_default();
        let budget = cx
            .service
            .tier
            .filter(|tier| self.rto_within_budget.contains(tier))
            .and_then(|_| tightest_monthly_budget(root));
        let mut failures = Vec::new();
        let mut held = Vec::new();
        let mut ephemeral = Vec::new();
        for (index, store) in stores.iter().enumerate() {
            let name = store
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("unnamed datastore");
            if store.get("ephemeral").and_then(Node::as_bool) == Some(true) {
                ephemeral.push(name);
                continue;
            }
            let key = |field: &str| format!("datastore[{index}].{field}");
            let before = failures.len();
            let mut missing = |field: &str, fix: &str| {
                let value = store.get(field);
                if value.is_some_and(Node::is_present) {
                    return false;
                }
                failures.push(Failure::new(
                    format!(
                        "datastore `{name}`: `{field}` is {}: {fix}",
                        Node::absence(value)
                    ),
                    key(field),
                    value.map_or(store.span, |v| v.span),
                ));
                true
            };
            missing("backups", "link how it is backed up (schedule, retention)");
            let no_rpo = missing(
                "rpo",
                "say how much data it may lose, such as rpo = \"15m\"",
            );
            let no_rto = missing(
                "rto",
                "say how long a restore may take, such as rto = \"1h\"",
            );
            let no_test = missing(
                "restore_tested",
                "restore a backup, check it, and record the date",
            );
            if !no_test {
                if let Some(failure) = self.restore_test(cx, name, &key("restore_tested"), store) {
                    failures.push(failure);
                }
            }
            if !no_rpo {
                if let Some(failure) = unreadable(store, "rpo", name, &key("rpo")) {
                    failures.push(failure);
                }
            }
            if !no_rto {
                if let Some(failure) = unreadable(store, "rto", name, &key("rto")) {
                    failures.push(failure);
                } else if let Some(failure) =
                    self.rto_beyond_budget(store, name, &key("rto"), budget.as_ref())
                {
                    failures.push(failure);
                }
            }
            if failures.len() == before {
                held.push(format!(
                    "`{name}` is backed up, restore tested, RPO and RTO set"
                ));
            }
        }
        if stores.is_empty() {
            return Outcome::pass("no datastore declared: nothing to back up");
        }
        if !ephemeral.is_empty() {
            held.push(format!(
                "{} ephemeral (no backups needed)",
                ephemeral
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Outcome::fail(failures, held.join("; "))
    }
}

impl Backups {
    /// The restore test is a date, not in the future, at most `days` old.
    fn restore_test(
        &self,
        cx: &Context<'_>,
        name: &str,
        key: &str,
        store: &Node,
    ) -> Option<Failure> {
        let node = store.get("restore_tested")?;
        let Some(date) = date_of(node) else {
            return Some(Failure::new(
                format!(
                    "datastore `{name}`: `restore_tested` is {}, not a date (YYYY-MM-DD)",
                    node.describe()
                ),
                key,
                node.span,
            ));
        };
        let age = days_between(date, cx.as_of);
        let message = if age < 0 {
            format!(
                "datastore `{name}`: the restore test is dated {date}, {} in the future: a typo?",
                days(-age)
            )
        } else if age > self.days {
            format!(
                "datastore `{name}`: the last restore test was {date}, {} ago (limit {}): restore a backup again and record the date",
                days(age),
                self.days
            )
        } else {
            return None;
        };
        Some(Failure::new(message, key, node.span))
    }

    /// Tier 1: one restore must not spend more than a month's error budget.
    fn rto_beyond_budget(
        &self,
        store: &Node,
        name: &str,
        key: &str,
        budget: Option<&(String, f64, f64)>,
    ) -> Option<Failure> {
        let (slo, target, allowed) = budget?;
        let node = store.get("rto")?;
        let rto = duration_minutes(node.as_str()?)?;
        (rto > *allowed).then(|| {
            Failure::new(
                format!(
                    "datastore `{name}`: an RTO of {} ({} minutes) is longer than the {} minutes a month that SLO `{slo}` ({}) allows: one restore spends the whole budget; restore faster (a standby, point-in-time recovery) or revisit the SLO",
                    node.as_str().unwrap_or_default(),
                    format_number(rto),
                    format_number((allowed * 10.0).round() / 10.0),
                    percent(*target),
                ),
                key,
                node.span,
            )
        })
    }
}

/// An RPO or RTO that is not a duration prr can read.
fn unreadable(store: &Node, field: &str, name: &str, key: &str) -> Option<Failure> {
    let node = store.get(field)?;
    if node.as_str().and_then(duration_minutes).is_some() {
        return None;
    }
    Some(Failure::new(
        format!(
            "datastore `{name}`: `{field}` is {}, not a duration such as \"15m\", \"4h\" or \"1d\"",
            node.describe()
        ),
        key,
        node.span,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration_minutes("15m"), Some(15.0));
        assert_eq!(duration_minutes("4h"), Some(240.0));
        assert_eq!(duration_minutes("1h30m"), Some(90.0));
        assert_eq!(duration_minutes("1d"), Some(1440.0));
        assert_eq!(duration_minutes("0s"), Some(0.0));
        assert_eq!(duration_minutes("soon"), None);
        assert_eq!(duration_minutes(""), None);
    }
}
