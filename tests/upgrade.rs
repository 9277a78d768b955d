//! Upgrading never turns a gate red: the rules the built-in pack had at its first release are
//! the only ones that may block without a grace period, and every manifest that passed
//! before still passes (and every one that failed still fails).

use assert_cmd::Command;
use jiff::civil::Date;
use prr_gate::rules::{self, RulesSource, Severity};

/// The built-in pack of the first release (0.1): these may block at once.
const FIRST_RELEASE: [&str; 23] = [
    "capacity.plan",
    "dependencies.critical-mitigation",
    "dependencies.resilience",
    "docs.runbook",
    "incidents.tracking",
    "manifest.schema",
    "monitoring.golden-signals",
    "oncall.rotation",
    "ownership.team",
    "release.progressive",
    "release.rollback",
    "review.dependencies-fresh",
    "review.mttr-mttf-fresh",
    "review.prr-fresh",
    "review.toil-fresh",
    "slo.achievable",
    "slo.defined",
    "slo.error-budget-policy",
    "slo.sla-below-slo",
    "slo.target-for-tier",
    "testing.levels",
    "toil.backlog",
    "waiver.valid",
];

/// Rules that run only with a source no earlier release had (a pack's
/// `[source.prometheus]`) or only in a mode it lacked (`--deploy`): no gate that was green
/// can turn red by upgrading, so they block at once (decision 14's exception; decision 18).
const NEW_MODE_OR_SOURCE: [&str; 3] = ["monitoring.alerts", "slo.budget-remaining", "slo.sli"];

/// The next release's date as planned; a new rule blocks no earlier than 60 days after it.
const NEXT_RELEASE: &str = "2026-12-01";

#[test]
fn every_rule_added_since_the_first_release_has_a_grace_period() {
    let set = rules::load(&[RulesSource::Builtin], std::path::Path::new("."))
        .expect("the built-in pack loads");
    let release: Date = NEXT_RELEASE.parse().unwrap();
    let earliest = release.checked_add(jiff::Span::new().days(60)).unwrap();
    let mut added = 0;
    for rule in &set.rules {
        if NEW_MODE_OR_SOURCE.contains(&rule.id.as_str()) {
            // Each reads Prometheus, which a pack without `[source.prometheus]` never asks:
            // the exception holds only while that stays true.
            assert!(
                rule.check.builtins().iter().any(|b| b.needs().prometheus),
                "{} is listed as needing a new source, but reads no Prometheus",
                rule.id
            );
            assert_eq!(rule.enforce_after, None, "{} blocks at once", rule.id);
            continue;
        }
        if FIRST_RELEASE.contains(&rule.id.as_str()) || rule.severity != Severity::Error {
            continue;
        }
        added += 1;
        assert!(
            rule.enforce_after.is_some_and(|from| from >= earliest),
            "{} is new since the first release: it needs `enforce_after` on or after {earliest} \
             (60 days after the {release} release), not {:?}",
            rule.id,
            rule.enforce_after
        );
    }
    assert!(
        added >= 6,
        "only {added} rules added: is the list above stale?"
    );
}

/// Each manifest and the exit code it had before the pack grew, judged on the same day.
const BASELINE: [(&str, i32); 7] = [
    ("examples/experimental", 0),
    ("examples/monorepo/services/checkout", 0),
    ("examples/ready", 0),
    ("tests/fixtures/ready", 0),
    ("examples/monorepo/services/search", 1),
    ("examples/unready", 1),
    ("tests/fixtures/mixed", 1),
];

/// `prr check --manifest MANIFEST --as-of 2026-11-21 EXTRA...`.
fn check(manifest: &str, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("prr")
        .expect("the prr binary is built")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .args(["check", "--manifest", manifest, "--as-of", "2026-11-21"])
        .args(extra)
        .output()
        .expect("prr runs")
}

#[test]
fn every_manifest_keeps_its_verdict() {
    for (manifest, code) in BASELINE {
        let out = check(manifest, &[]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{manifest}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn a_manifest_from_before_the_upgrade_keeps_its_level() {
    // tests/fixtures/ready declares none of the keys the new rules ask for: they fail as
    // warnings, and the service stays at the level it had.
    let out = check("tests/fixtures/ready", &["--min-level", "gold"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("level gold"), "{stdout}");
    assert!(stdout.contains("blocking from 2027-02-01"), "{stdout}");
}
