//! `prr check --format`: several formats in one run, the GitHub job summary, and the
//! message for a format that does not exist.

use assert_cmd::Command;
use predicates::prelude::*;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn check() -> Command {
    let mut cmd = Command::cargo_bin("prr").expect("the binary is built");
    cmd.args([
        "check",
        "--manifest",
        "tests/fixtures/mixed/prr.toml",
        "--rules",
        "tests/fixtures/pack",
        "--as-of",
        "2026-11-21",
    ]);
    for var in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn one_run_writes_every_format_asked_for() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = |name: &str| dir.path().join(name);
    let mut cmd = check();
    cmd.arg("--format").arg("human");
    for (format, name) in [
        ("json", "prr.json"),
        ("sarif", "prr.sarif"),
        ("junit", "prr.xml"),
        ("markdown", "prr.md"),
        ("github", "prr.github"),
    ] {
        cmd.arg("--format")
            .arg(format!("{format}={}", file(name).display()));
    }
    cmd.assert()
        .code(1)
        .stdout(predicate::str::starts_with("prr: FAIL"));
    let read = |name: &str| std::fs::read_to_string(file(name)).expect("the file was written");
    assert!(read("prr.json").contains("\"version\": 1"));
    assert!(read("prr.sarif").contains("\"version\": \"2.1.0\""));
    assert!(read("prr.xml").starts_with("<?xml"));
    assert!(read("prr.md").starts_with("## ❌"));
    assert!(read("prr.github").starts_with("::error "));
}

#[test]
fn github_appends_the_markdown_report_to_the_job_summary() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# An earlier step\n").expect("written");
    check()
        .args(["--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/orders")
        .env("GITHUB_SHA", SHA)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "::error file=tests/fixtures/mixed/prr.toml,line=10,col=9,title=ownership.team%3A",
        ));
    let text = std::fs::read_to_string(&summary).expect("the summary");
    assert!(
        text.starts_with("# An earlier step\n"),
        "appended, not replaced"
    );
    assert!(text.contains("## ❌ Production readiness"));
    assert!(text.contains(&format!(
        "(https://github.com/acme/orders/blob/{SHA}/tests/fixtures/mixed/prr.toml#L10)"
    )));
}

#[test]
fn an_unknown_format_lists_the_formats() {
    check()
        .args(["--format", "yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the formats are human, json, sarif, junit, markdown, github",
        ));
}
