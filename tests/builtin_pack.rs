//! The built-in pack: every rule documented and exemplified, every example holding.

use std::collections::BTreeSet;

use prr_gate::engine::examples;
use prr_gate::rules::{self, Expect, RulesSource};

fn builtin() -> rules::RuleSet {
    rules::load(&[RulesSource::Builtin], std::path::Path::new("."))
        .expect("the built-in pack loads")
}

#[test]
fn every_example_of_the_builtin_pack_holds() {
    let set = builtin();
    let today = "2026-11-21".parse().unwrap();
    let results = examples::run(&set, today, |_| true);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "{} / {}: expected {}, got {:?}: {:?}",
                r.rule.id, r.test.name, r.test.expect, r.actual, r.messages
            )
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(results.len() >= 2 * set.rules.len());
}

#[test]
fn every_rule_is_documented_with_a_passing_and_a_failing_example() {
    let set = builtin();
    let reference = prr_gate::toolkit::reference::markdown(&set);
    for rule in &set.rules {
        assert!(
            rule.id.split_once('.').is_some(),
            "{}: id is category.name",
            rule.id
        );
        assert!(
            !rule.title.is_empty() && rule.title != rule.id,
            "{}: title",
            rule.id
        );
        assert!(rule.rationale.len() > 80, "{}: rationale", rule.id);
        // An example to copy: the manifest's TOML, or for a repository rule the file to
        // write (a Dockerfile, Kubernetes YAML), fenced as code in the reference.
        let section = reference
            .split(&format!("\n## `{}`\n", rule.id))
            .nth(1)
            .and_then(|s| s.split("\n## `").next())
            .unwrap_or_default();
        let how_to_fix = section.split("### How to fix").nth(1).unwrap_or_default();
        assert!(
            how_to_fix.contains("\n```"),
            "{}: remediation shows an example",
            rule.id
        );
        let expects: BTreeSet<_> = rule.tests.iter().map(|t| format!("{}", t.expect)).collect();
        assert!(
            expects.contains(&Expect::Pass.to_string()),
            "{}: a passing example",
            rule.id
        );
        assert!(
            expects.contains(&Expect::Fail.to_string()),
            "{}: a failing example",
            rule.id
        );
    }
}

#[test]
fn the_builtin_pack_holds_every_public_rule_id() {
    let set = builtin();
    let ids: BTreeSet<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    for id in [
        "manifest.schema",
        "ownership.team",
        "oncall.rotation",
        "docs.runbook",
        "slo.defined",
        "slo.target-for-tier",
        "slo.error-budget-policy",
        "slo.sla-below-slo",
        "slo.achievable",
        "monitoring.golden-signals",
        "dependencies.critical-mitigation",
        "dependencies.resilience",
        "release.rollback",
        "release.progressive",
        "testing.levels",
        "incidents.tracking",
        "capacity.plan",
        "toil.backlog",
        "review.prr-fresh",
        "review.mttr-mttf-fresh",
        "review.dependencies-fresh",
        "review.toil-fresh",
        "waiver.valid",
        "observability.tracing",
        "observability.logs",
        "observability.error-tracking",
        "security.review-fresh",
        "security.secrets",
        "data.backups",
        "security.non-root",
        "resilience.health-checks",
        "resilience.resources",
        "availability.disruption-budget",
        "maintenance.dependency-updates",
    ] {
        assert!(ids.contains(id), "missing {id}");
    }
}
