//! `--format gitlab`: GitLab's Code Quality report, checked against what GitLab documents
//! for a custom tool's report (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>):
//! a JSON array of objects, each with
//! - `description` (a string),
//! - `check_name` (a string: the check or rule),
//! - `fingerprint` (a string, unique, that identifies the finding between pipelines),
//! - `severity`, one of `info`, `minor`, `major`, `critical`, `blocker`,
//! - `location.path` (relative to the repository root, no `./`) and
//!   `location.lines.begin` (an integer line).
//!
//! and for a stable fingerprint: the same across runs, across a moved line, and equal to
//! the key `--base` and SARIF's `partialFingerprints` use.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

const SEVERITIES: [&str; 5] = ["info", "minor", "major", "critical", "blocker"];

fn prr(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .expect("prr runs")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The report of `manifest` (relative to the repository root) as JSON, after checking it
/// against GitLab's documented fields.
fn code_quality(dir: &Path, manifest: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["check", "--manifest", manifest, "--as-of", common::AS_OF];
    args.extend(["--format", "gitlab"]);
    args.extend(extra);
    let out = prr(dir, &args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        common::stderr(&out)
    );
    let report: Value = serde_json::from_str(&common::stdout(&out)).expect("JSON");
    valid(dir, &report)
}

/// Every issue has the fields GitLab requires, of the types and values it documents.
fn valid(dir: &Path, report: &Value) -> Vec<Value> {
    let issues = report
        .as_array()
        .expect("the report is a JSON array")
        .clone();
    let mut fingerprints = BTreeSet::new();
    for issue in &issues {
        let text = |pointer: &str| {
            issue
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{pointer} is not a string: {issue:#}"))
        };
        assert!(!text("/description").trim().is_empty(), "{issue:#}");
        assert!(!text("/check_name").is_empty(), "{issue:#}");
        assert!(
            fingerprints.insert(text("/fingerprint").to_owned()),
            "a fingerprint twice: {issue:#}"
        );
        assert!(SEVERITIES.contains(&text("/severity")), "{issue:#}");
        let path = text("/location/path");
        assert!(
            !path.starts_with('/') && !path.starts_with("./") && !path.contains('\\'),
            "{path}"
        );
        assert!(
            dir.join(path).is_file(),
            "{path} is no file of the repository"
        );
        let line = issue
            .pointer("/location/lines/begin")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("location.lines.begin is not an integer: {issue:#}"));
        let lines = std::fs::read_to_string(dir.join(path))
            .unwrap()
            .lines()
            .count() as u64;
        assert!((1..=lines.max(1)).contains(&line), "{path}:{line}");
    }
    issues
}

#[test]
fn the_unready_example_gives_one_issue_per_failure_with_gitlab_s_fields() {
    let issues = code_quality(root(), "examples/unready", &[]);
    let out = prr(
        root(),
        &[
            "check",
            "--manifest",
            "examples/unready",
            "--as-of",
            common::AS_OF,
            "--format",
            "json",
        ],
    );
    let report: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let failures: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .collect();
    assert_eq!(issues.len(), failures.len());
    for (issue, failure) in issues.iter().zip(&failures) {
        assert_eq!(issue["check_name"], failure["rule"]);
        assert_eq!(issue["location"]["path"], failure["location"]["path"]);
        assert_eq!(
            issue["location"]["lines"]["begin"],
            failure["location"]["line"]
        );
        let description = issue["description"].as_str().unwrap();
        assert!(description.contains(failure["message"].as_str().unwrap()));
        // What blocks the gate is critical; a warning minor.
        let expected = match failure["severity"].as_str().unwrap() {
            "error" => "critical",
            "warning" => "minor",
            _ => "info",
        };
        assert_eq!(issue["severity"], expected, "{issue:#}");
    }
    assert!(issues.iter().any(|i| i["severity"] == "critical"));
    assert!(issues.iter().any(|i| i["severity"] == "minor"));
}

#[test]
fn a_passing_service_has_nothing_critical_and_fail_on_warning_makes_warnings_critical() {
    let issues = code_quality(root(), "examples/ready", &[]);
    assert!(
        issues.iter().all(|i| i["severity"] != "critical"),
        "{issues:#?}"
    );
    let strict = code_quality(root(), "examples/ready", &["--fail-on", "warning"]);
    assert_eq!(issues.len(), strict.len());
    assert!(
        strict.iter().all(|i| i["severity"] == "critical"),
        "{strict:#?}"
    );
}

#[test]
fn the_fingerprint_is_the_base_key_and_sarif_s_and_holds_across_runs_and_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let unready = std::fs::read_to_string(root().join("examples/unready/prr.toml")).unwrap();
    std::fs::write(dir.path().join("prr.toml"), &unready).unwrap();
    let first = code_quality(dir.path(), "prr.toml", &[]);
    let second = code_quality(dir.path(), "prr.toml", &[]);
    assert_eq!(first, second, "two runs, two reports");

    // SARIF's partialFingerprints carry the same key (with the occurrence number).
    let out = prr(
        dir.path(),
        &[
            "check",
            "--manifest",
            "prr.toml",
            "--as-of",
            common::AS_OF,
            "--format",
            "sarif",
        ],
    );
    let sarif: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let sarif_keys: BTreeSet<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| {
            r["partialFingerprints"]["prrFinding/v1"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .filter_map(|key| key.strip_suffix(":1").map(str::to_owned))
        .collect();
    let firsts: BTreeSet<String> = first
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_owned())
        .filter(|f| sarif_keys.contains(f))
        .collect();
    assert!(!firsts.is_empty());
    assert_eq!(
        firsts.len(),
        sarif_keys.len(),
        "every first occurrence has SARIF's key"
    );

    // Lines moved: five comment lines above everything. Same fingerprints, other lines.
    let moved = format!("# moved\n# moved\n# moved\n# moved\n# moved\n{unready}");
    std::fs::write(dir.path().join("prr.toml"), moved).unwrap();
    let after = code_quality(dir.path(), "prr.toml", &[]);
    let prints = |issues: &[Value]| -> Vec<(String, String)> {
        issues
            .iter()
            .map(|i| (i["check_name"].to_string(), i["fingerprint"].to_string()))
            .collect()
    };
    assert_eq!(prints(&first), prints(&after));
    for (before, after) in first.iter().zip(&after) {
        assert_eq!(
            after["location"]["lines"]["begin"].as_u64().unwrap(),
            before["location"]["lines"]["begin"].as_u64().unwrap() + 5
        );
    }

    // A new finding (the rotation dropped) gets a fingerprint of its own; the old ones
    // keep theirs.
    let worse = common::without(&unready, "rotation =");
    std::fs::write(dir.path().join("prr.toml"), worse).unwrap();
    let more = code_quality(dir.path(), "prr.toml", &[]);
    let old: BTreeSet<String> = first.iter().map(|i| i["fingerprint"].to_string()).collect();
    let new: BTreeSet<String> = more.iter().map(|i| i["fingerprint"].to_string()).collect();
    assert!(
        new.is_superset(&old),
        "an old finding changed its fingerprint"
    );
    assert!(
        new.len() > old.len(),
        "the new finding has no fingerprint of its own"
    );
}

#[test]
fn a_finding_on_an_imported_slo_points_into_the_imported_file() {
    let issues = code_quality(root(), "tests/fixtures/imports/payments", &[]);
    let floor = issues
        .iter()
        .find(|i| i["check_name"] == "slo.target-for-tier")
        .expect("the tier floor fails");
    assert_eq!(
        floor["location"]["path"],
        "tests/fixtures/imports/payments/slos/payments.yml"
    );
    assert_eq!(floor["location"]["lines"]["begin"], 19);
}

#[test]
fn a_manifest_that_cannot_be_judged_is_a_blocker_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prr.toml"),
        "[service]\nname = \"x\"\ntier = \n",
    )
    .unwrap();
    let out = prr(
        dir.path(),
        &[
            "check",
            "--manifest",
            "prr.toml",
            "--as-of",
            common::AS_OF,
            "--format",
            "gitlab=cq.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cq.json")).unwrap())
            .unwrap();
    let issues = valid(dir.path(), &report);
    assert_eq!(issues.len(), 1, "{report:#}");
    assert_eq!(issues[0]["severity"], "blocker");
    assert_eq!(issues[0]["check_name"], "prr.could-not-judge");
    assert_eq!(issues[0]["location"]["path"], "prr.toml");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 3);
}
