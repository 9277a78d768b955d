//! Rule authoring as a pack's authors meet it: `prr rules lint` reports every problem of
//! every file in one run with true counts, `rules lint` and `rules test` agree on the exit
//! code of a pack that does not load, a rule that requires and asserts one key reports a
//! missing key once, and a rule without a level is named rather than hidden behind "the
//! highest" level.

use std::path::Path;
use std::process::{Command, Output};

const AS_OF: &str = "2026-11-21";

fn prr(dir: &Path, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("prr runs")
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

#[test]
fn lint_reports_every_problem_of_every_file_in_one_run() {
    // A copy outside the repository: the places read `lint-pack/...` wherever it runs.
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("lint-pack");
    std::fs::create_dir(&pack).unwrap();
    for entry in std::fs::read_dir(fixtures().join("lint-pack")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, pack.join(path.file_name().unwrap())).unwrap();
    }
    let out = prr(
        dir.path(),
        &["rules", "lint", "lint-pack", "--as-of", AS_OF],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Three files: a missing remediation and failing example (a.toml), a bad regex, a rule
    // without a level and a rule without examples (b.toml), a syntax error (c.toml).
    for expected in [
        "lint-pack/a.toml:1:1: error: rule `docs.runbook` has no remediation",
        "lint-pack/a.toml:1:1: error: rule `docs.runbook` has no failing example",
        "lint-pack/b.toml:6:48: error: `matches` is not a valid regular expression",
        "lint-pack/b.toml:1:1: warning: rule `oncall.rotation` has no `level`, and the pack has levels (bronze, silver)",
        "lint-pack/b.toml:16:1: error: rule `oncall.escalation` has no passing example",
        "lint-pack/b.toml:16:1: error: rule `oncall.escalation` has no failing example",
        "lint-pack/c.toml:3:14: error: invalid basic string",
        "3 rules linted (lint-pack/c.toml does not parse: its rules are not counted): 6 errors, 1 warning",
    ] {
        assert!(text.contains(expected), "wanted {expected:?} in:\n{text}");
    }
    assert_eq!(text.lines().count(), 8, "{text}");
    // The pack does not load (a syntax error, a bad regex): exit 2, as `rules test` says.
    assert_eq!(out.status.code(), Some(2), "{text}");
    let test = prr(
        dir.path(),
        &["rules", "test", "lint-pack", "--as-of", AS_OF],
    );
    assert_eq!(test.status.code(), Some(2));
    let err = String::from_utf8_lossy(&test.stderr);
    assert!(err.contains("lint-pack/c.toml:3:14"), "{err}");
    assert!(err.contains("lint-pack/b.toml:6:48"), "{err}");
}

#[test]
fn lint_and_test_agree_on_a_rule_that_does_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.toml"),
        "[[rule]]\nid = \"x.bad\"\ntitle = \"t\"\nrationale = \"r\"\nremediation = \"m\"\nassert = { path = \"service.name\", matches = \"(\" }\n",
    )
    .unwrap();
    let lint = prr(
        dir.path(),
        &["rules", "lint", "rules.toml", "--as-of", AS_OF],
    );
    let test = prr(
        dir.path(),
        &["rules", "test", "rules.toml", "--as-of", AS_OF],
    );
    let check = prr(
        dir.path(),
        &["check", "--rules", "rules.toml", "--as-of", AS_OF],
    );
    assert_eq!(lint.status.code(), Some(2));
    assert_eq!(test.status.code(), Some(2));
    assert_eq!(check.status.code(), Some(2));
    let lint_text = String::from_utf8_lossy(&lint.stdout);
    // Its documentation is judged too, from the rule as written.
    assert!(
        lint_text.contains("rule `x.bad` has no passing example"),
        "{lint_text}"
    );
    assert!(
        lint_text.contains("1 rule linted: 3 errors, 0 warnings"),
        "{lint_text}"
    );
}

const SERVICE: &str =
    "[service]\nname = \"x\"\ntier = 1\nlifecycle = \"production\"\nowner = \"@acme/x\"\n";

#[test]
fn require_and_assert_on_one_key_report_a_missing_key_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.toml"),
        "[[rule]]\nid = \"docs.runbook-https\"\ntitle = \"The runbook is served over HTTPS\"\nrationale = \"r\"\nremediation = \"m\"\nall = [ { require = [\"docs.runbook\"] }, { assert = { path = \"docs.runbook\", matches = \"^https://\" } } ]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("prr.toml"), SERVICE).unwrap();
    let judge = || {
        let out = prr(
            dir.path(),
            &[
                "check",
                "--rules",
                "rules.toml",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let report = judge();
    let failed: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "docs.runbook-https" && r["status"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(report["summary"]["failed"], 1);

    // Present but not HTTPS: the assertion alone fails, once.
    std::fs::write(
        dir.path().join("prr.toml"),
        format!("{SERVICE}[docs]\nrunbook = \"http://wiki\"\n"),
    )
    .unwrap();
    let report = judge();
    assert_eq!(report["summary"]["failed"], 1, "{report:#}");
}

#[test]
fn a_failing_rule_without_a_level_is_named_beside_the_highest_level() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    std::fs::write(
        pack.join("pack.toml"),
        "[pack]\nname = \"acme\"\nlevels = [\"bronze\", \"silver\"]\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("rules.toml"),
        "[[rule]]\nid = \"service.owner\"\ntitle = \"An owner\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = \"bronze\"\nrequire = [\"service.owner\"]\n\n[[rule]]\nid = \"docs.runbook\"\ntitle = \"A runbook\"\nrationale = \"r\"\nremediation = \"m\"\nrequire = [\"docs.runbook\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("prr.toml"), SERVICE).unwrap();
    let out = prr(dir.path(), &["check", "--rules", "pack", "--as-of", AS_OF]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("prr: FAIL"), "{text}");
    assert!(!text.contains("(the highest)"), "{text}");
    assert!(
        text.contains(
            "level silver, the highest, but the gate fails on rules that belong to no level: docs.runbook"
        ),
        "{text}"
    );
    let lint = prr(dir.path(), &["rules", "lint", "pack", "--as-of", AS_OF]);
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(
        text.contains("warning: rule `docs.runbook` has no `level`, and the pack has levels"),
        "{text}"
    );
}
