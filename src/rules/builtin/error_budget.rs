//! `error_budget`: every SLO has an error budget, and someone decides what happens when it
//! is spent. An SLO without a budget policy is a number nobody acts on; with one, the product
//! owner and the team agree in advance that a spent budget stops feature releases (or
//! triggers a review). The finding states each SLO's budget in minutes per window, so the
//! team sees what its target allows: 99.99% is about 13 minutes a quarter, 52.6 a year.
//!
//! Fails when `error_budget.policy` or `error_budget.owner` is missing.
//! Parameters (`with`): `require_owner` (default true).

use super::{params, percent, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::{format_number, Node};

pub const SPEC: Spec = Spec {
    name: "error_budget",
    summary: "an error-budget policy and owner exist; states each SLO's budget in minutes; with require_owner",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    require_owner: Option<bool>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    Ok(Box::new(ErrorBudget {
        require_owner: p.require_owner.unwrap_or(true),
    }))
}

#[derive(Debug)]
struct ErrorBudget {
    require_owner: bool,
}

/// One SLO's budget: what its target allows over its window.
#[derive(Clone, Debug, PartialEq)]
pub struct SloBudget {
    pub name: Option<String>,
    pub target: Option<f64>,
    pub window: Option<String>,
    pub budget_minutes: Option<f64>,
    /// The live budget, when the evidence stage measured it.
    pub live: Option<crate::facts::budget::LiveBudget>,
    /// Why there are no live figures, when there are none.
    pub live_unavailable: Option<String>,
}

impl SloBudget {
    /// "availability: 99.95% over 28d allows 20.2 minutes".
    #[must_use]
    pub fn sentence(&self) -> Option<String> {
        let minutes = self.budget_minutes?;
        Some(format!(
            "{}: {} over {} allows {} minutes of failure",
            self.name.as_deref().unwrap_or("unnamed SLO"),
            percent(self.target?),
            self.window.as_deref()?,
            format_number((minutes * 10.0).round() / 10.0),
        ))
    }
}

pub use crate::manifest::window_days;

/// The minutes of failure a target (percent) allows over a window.
#[must_use]
pub fn budget_minutes(target: f64, window: &str) -> Option<f64> {
    let days = window_days(window)?;
    (target > 0.0 && target < 100.0).then(|| (100.0 - target) / 100.0 * days * 24.0 * 60.0)
}

/// Every SLO of a manifest, with its budget where target and window allow one.
#[must_use]
pub fn slo_budgets(root: &Node) -> Vec<SloBudget> {
    root.get("slo")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .map(|slo| {
            let target = slo
                .get("target")
                .and_then(Node::as_f64)
                .filter(|t| t.is_finite());
            let window = slo.get("window").and_then(Node::as_str).map(str::to_owned);
            SloBudget {
                name: slo.get("name").and_then(Node::as_str).map(str::to_owned),
                budget_minutes: target
                    .zip(window.as_deref())
                    .and_then(|(t, w)| budget_minutes(t, w)),
                target,
                window,
                live: None,
                live_unavailable: None,
            }
        })
        .collect()
}

impl Builtin for ErrorBudget {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let root = &cx.manifest.root;
        let budgets: Vec<String> = slo_budgets(root)
            .iter()
            .filter_map(SloBudget::sentence)
            .collect();
        let budgets = if budgets.is_empty() {
            "no SLO with a target and window to budget".to_owned()
        } else {
            budgets.join("; ")
        };
        let table = root.get("error_budget");
        // A missing value points where it would go: the end of the table, or after
        // `[service]` when the table is missing too.
        let anchor = table.map_or_else(|| root.missing_anchor(true), Node::end_of_table);
        let mut failures = Vec::new();
        let mut fields = vec![(
            "policy",
            "decide what a spent budget stops (policy = \"freeze-features\")",
        )];
        if self.require_owner {
            fields.push(("owner", "name the team that enforces it"));
        }
        for (field, fix) in fields {
            let value = table.and_then(|t| t.get(field));
            if !value.is_some_and(Node::is_present) {
                // An empty or TODO value is pointed at itself; a missing one at its table.
                failures.push(Failure::new(
                    format!(
                        "`error_budget.{field}` is {}: {fix}. Budgets: {budgets}",
                        Node::absence(value)
                    ),
                    format!("error_budget.{field}"),
                    value.map_or(anchor, |v| v.span),
                ));
            }
        }
        Outcome::fail(
            failures,
            format!("error-budget policy and owner set; {budgets}"),
        )
    }
}
