//! `budget_remaining` (rule `slo.budget-remaining`): a deploy of a service whose error
//! budget is spent, under the policy `freeze-features`, is blocked: feature releases stop
//! until the budget recovers. Reliability and security fixes still ship: a deploy whose pull
//! request carries one of the `labels` (applied by a member of the error budget's owner
//! team) passes, shown as waived with the label. Under the policy `review` the same finding
//! is a warning; under `none` the rule passes and says the budget is not enforced. A
//! manifest `[[waiver]]` cannot waive it: the freeze is the point. Evidence: the live
//! budget from Prometheus (`[slo.sli]`), and the deploy's labels from GitHub.
//!
//! A budget that cannot be read (Prometheus down, slow or answering nonsense; NaN, an
//! infinity, a negative count, more good than total, no series) is "could not verify" and
//! counts as a spent one would (PRODUCT.md decision 18): under freeze-features it blocks the
//! deploy unless the pack sets `deploy_on_unavailable = "warn"`, and the same fix labels let
//! a fix through; under review it is a warning; under none it is said in the pass.
//!
//! Parameters (`with`): `threshold` (the remaining share at or below which a budget is
//! exhausted, default 0), `labels` (default `reliability-fix`, `security-fix`).

use super::{params, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::budget::LiveBudget;
use crate::facts::Gathered;
use crate::manifest::Node;
use crate::rules::Severity;

pub const SPEC: Spec = Spec {
    name: "budget_remaining",
    summary: "a deploy under freeze-features is blocked while an SLO's live error budget is spent (Prometheus evidence); with threshold, labels",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    threshold: Option<f64>,
    labels: Option<Vec<String>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    let threshold = p.threshold.unwrap_or(0.0);
    if !threshold.is_finite() || !(-10.0..=1.0).contains(&threshold) {
        return Err(format!(
            "threshold: {threshold} is not a share of the budget (at most 1.0)"
        ));
    }
    Ok(Box::new(BudgetRemaining {
        threshold,
        labels: super::fix_labels(p.labels),
    }))
}

#[derive(Debug)]
struct BudgetRemaining {
    threshold: f64,
    labels: Vec<String>,
}

impl Builtin for BudgetRemaining {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            prometheus: true,
            labels: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let root = &cx.manifest.root;
        let policy = root
            .pointer("error_budget.policy")
            .and_then(Node::as_str)
            .unwrap_or("");
        let slos = root.get("slo").and_then(Node::as_array).unwrap_or_default();
        let name = |index: usize| {
            slos.get(index)
                .and_then(|s| s.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("unnamed")
                .to_owned()
        };
        let span = |index: usize| {
            slos.get(index)
                .map_or(crate::source::Span::START, |s| s.span)
        };
        let with_sli: Vec<usize> = slos
            .iter()
            .enumerate()
            .filter(|(_, s)| s.get("sli").is_some())
            .map(|(i, _)| i)
            .collect();
        if with_sli.is_empty() {
            return Outcome::skip("no SLO declares `[slo.sli]`, so no budget can be measured");
        }
        let readings = match &cx.facts.prometheus {
            Gathered::Known(readings) => readings,
            Gathered::NotConfigured(why) => return Outcome::skip(why.clone()),
            Gathered::Unavailable(why) => {
                let mut failures = Vec::new();
                let mut unread = Vec::new();
                for i in &with_sli {
                    let failure = self.unverifiable(
                        cx,
                        &name(*i),
                        why,
                        format!("slo[{i}]"),
                        span(*i),
                        policy,
                    );
                    match failure {
                        Some(failure) => failures.push(failure),
                        None => unread.push(format!("{}: {why}", name(*i))),
                    }
                }
                return Outcome::fail(
                    failures,
                    format!(
                        "the budget is not enforced (policy none); {}",
                        unread.join("; ")
                    ),
                );
            }
        };
        let budgets = crate::facts::budget::of_manifest(cx.manifest, readings);
        let mut figures = Vec::new();
        let mut failures = Vec::new();
        for (index, budget) in &budgets {
            let key = format!("slo[{index}]");
            let slo = name(*index);
            match budget {
                Err(problems) => {
                    // Every problem, after the source named once.
                    let why = crate::facts::Unavailable::live(
                        readings.source.clone(),
                        problems.join("; "),
                    );
                    match self.unverifiable(cx, &slo, &why, key, span(*index), policy) {
                        Some(failure) => failures.push(failure),
                        None => figures.push(format!("{slo}: {why}")),
                    }
                }
                Ok(budget) if budget.exhausted(self.threshold) && policy != "none" => {
                    failures.push(self.spent(cx, &slo, budget, key, span(*index), policy));
                }
                Ok(budget) => figures.push(format!("{slo}: {}", budget.sentence())),
            }
        }
        let passed = if policy == "none" {
            format!(
                "the budget is not enforced (policy none); {}",
                figures.join("; ")
            )
        } else {
            format!("budget left: {}", figures.join("; "))
        };
        Outcome::fail(failures, passed)
    }
}

impl BudgetRemaining {
    /// The finding for a budget nobody could read: a spent one's weight, and its
    /// exception. `None` under the policy none, which enforces nothing.
    fn unverifiable(
        &self,
        cx: &Context<'_>,
        slo: &str,
        why: &crate::facts::Unavailable,
        key: String,
        span: crate::source::Span,
        policy: &str,
    ) -> Option<Failure> {
        let what = match policy {
            "none" => return None,
            "freeze-features" => "a feature deploy waits until it can be read, as it would for a spent budget (the pack's `deploy_on_unavailable`); reliability and security fixes still ship with their label",
            _ => "the policy asks for a review before more risk is taken",
        };
        let mut failure = Failure::unverified(why, key, span);
        failure.message = format!(
            "{}; the error budget of SLO \"{slo}\" cannot be read: {what}",
            failure.message
        );
        if policy != "freeze-features" {
            failure = failure.at_most(Severity::Warning);
        }
        failure.exception = self.exception(cx);
        Some(failure)
    }

    /// The fix label that lets this deploy through a freeze, applied by a member of the
    /// owner team, as the reason of the exception.
    fn exception(&self, cx: &Context<'_>) -> Option<String> {
        super::fix_exception(cx, &self.labels)
    }

    fn spent(
        &self,
        cx: &Context<'_>,
        slo: &str,
        budget: &LiveBudget,
        key: String,
        span: crate::source::Span,
        policy: &str,
    ) -> Failure {
        let window_days = cx
            .manifest
            .root
            .get("slo")
            .and_then(Node::as_array)
            .and_then(|slos| {
                slos.iter()
                    .find(|s| s.get("name").and_then(Node::as_str) == Some(slo))
            })
            .and_then(|s| s.get("window"))
            .and_then(Node::as_str)
            .and_then(super::window_days)
            .unwrap_or(30.0);
        let recovery = budget.recovers_in_days(window_days).map_or_else(
            || "it does not recover at the current burn rate".to_owned(),
            |days| format!("at the current 6 h burn rate it recovers in about {days:.1} days"),
        );
        let what = if policy == "freeze-features" {
            "the policy freeze-features stops feature deploys until it recovers; reliability and security fixes still ship with their label"
        } else {
            "the policy asks for a review before more risk is taken"
        };
        let mut failure = Failure::new(
            format!(
                "the error budget of SLO \"{slo}\" is spent: {}; {recovery}; {what}",
                budget.sentence()
            ),
            key,
            span,
        );
        if policy != "freeze-features" {
            failure = failure.at_most(Severity::Warning);
        }
        failure.exception = self.exception(cx);
        failure
    }
}
