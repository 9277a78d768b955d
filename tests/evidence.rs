//! Repository evidence through the command line: the files a manifest points at, and the
//! CODEOWNERS line that assigns it, read from the working tree or from a commit.

use serde_json::Value;

mod common;
use common::{ready, stdout, Repo, AS_OF};

/// The results of one rule in a JSON report of `prr check` run in `repo`.
fn results(repo: &Repo, rule: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["check", "--as-of", AS_OF, "--format", "json"];
    args.extend(extra);
    let out = repo.prr(&args);
    let report: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|err| panic!("{err}: {}", stdout(&out)));
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == rule)
        .cloned()
        .collect()
}

fn statuses(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn with_runbook_path() -> String {
    ready().replace(
        "runbook = \"https://wiki.acme.dev/payments/runbook\"",
        "runbook = \"docs/runbook.md\"",
    )
}

#[test]
fn a_missing_runbook_file_fails_at_its_line_and_a_present_one_passes() {
    let repo = Repo::new();
    repo.commit("prr.toml", &with_runbook_path(), "runbook by path");
    let missing = results(&repo, "docs.files-exist", &[]);
    assert_eq!(statuses(&missing), ["fail"], "{missing:#?}");
    let message = missing[0]["message"].as_str().unwrap();
    assert!(
        message.contains("names docs/runbook.md, which is not in the working tree"),
        "{message}"
    );
    assert_eq!(missing[0]["location"]["line"], 18);
    assert_eq!(missing[0]["key"], "docs.runbook");

    repo.write("docs/runbook.md", "");
    let empty = results(&repo, "docs.files-exist", &[]);
    assert!(empty[0]["message"]
        .as_str()
        .unwrap()
        .contains("which is empty"));

    repo.write("docs/runbook.md", "# Payments runbook\n");
    let present = results(&repo, "docs.files-exist", &[]);
    assert_eq!(statuses(&present), ["pass"], "{present:#?}");
    assert!(present[0]["message"]
        .as_str()
        .unwrap()
        .contains("docs/runbook.md"));
}

#[test]
fn the_commit_under_rev_is_what_counts_not_the_working_tree() {
    let repo = Repo::new();
    repo.write("docs/runbook.md", "# Payments runbook\n");
    repo.commit("prr.toml", &with_runbook_path(), "runbook and manifest");
    std::fs::remove_file(repo.work.join("docs/runbook.md")).expect("removed");
    assert_eq!(statuses(&results(&repo, "docs.files-exist", &[])), ["fail"]);
    let at_head = results(&repo, "docs.files-exist", &["--rev", "HEAD"]);
    assert_eq!(statuses(&at_head), ["pass"], "{at_head:#?}");
    assert!(at_head[0]["message"].as_str().unwrap().contains("commit "));
}

#[test]
fn a_link_into_the_same_github_repository_is_checked_as_a_path() {
    let repo = Repo::new();
    repo.git(&[
        "remote",
        "set-url",
        "origin",
        "git@github.com:acme/payments.git",
    ]);
    let manifest = ready().replace(
        "architecture = \"https://wiki.acme.dev/payments/design\"",
        "architecture = \"https://github.com/acme/payments/blob/main/docs/design.md\"",
    );
    repo.commit("prr.toml", &manifest, "design by link");
    let found = results(&repo, "docs.files-exist", &[]);
    assert_eq!(statuses(&found), ["fail"], "{found:#?}");
    assert_eq!(found[0]["key"], "docs.architecture");
}

fn codeowners(lines: &str) -> Vec<Value> {
    let repo = Repo::new();
    repo.write(".github/CODEOWNERS", lines);
    repo.commit("services/pay/prr.toml", &ready(), "the service");
    results(
        &repo,
        "ownership.codeowners",
        &["--manifest", "services/pay"],
    )
}

#[test]
fn codeowners_naming_the_owning_team_passes() {
    let found = codeowners("* @acme/platform\n/services/pay/ @acme/payments\n");
    assert_eq!(statuses(&found), ["pass"], "{found:#?}");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains(".github/CODEOWNERS line 2"));
}

#[test]
fn codeowners_naming_another_team_fails_at_the_deciding_line() {
    let found = codeowners("/services/pay/ @acme/payments\n*.toml @acme/platform\n");
    assert_eq!(statuses(&found), ["fail"], "{found:#?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("(`*.toml`) assigns it to @acme/platform"),
        "{message}"
    );
    assert_eq!(found[0]["location"]["path"], ".github/CODEOWNERS");
    assert_eq!(found[0]["location"]["line"], 2);
}

#[test]
fn codeowners_with_no_matching_line_fails() {
    let found = codeowners("/docs/ @acme/tech-writers\n");
    assert_eq!(statuses(&found), ["fail"], "{found:#?}");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("no line of .github/CODEOWNERS matches services/pay/prr.toml"));
    assert_eq!(found[0]["location"]["path"], "services/pay/prr.toml");
}

#[test]
fn until_it_is_enforced_a_repository_finding_warns_and_the_gate_passes() {
    let found = codeowners("* @acme/platform\n");
    assert_eq!(found[0]["severity"], "warning");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("blocking from 2027-02-01"));
}
