//! `prr check --base REF`: failures classified as new or existing, and what a change fixed,
//! by judging the base's manifests read through git.

mod common;

use common::{ready, stderr, stdout, without, Repo, AS_OF};
use serde_json::Value;

/// Two commits: the first lacks a runbook and a toil backlog; the second adds the runbook,
/// drops the escalation policy, and pushes every line down (lines do not matter).
fn fix_one_break_another() -> (Repo, String) {
    let repo = Repo::new();
    let before = without(&without(&ready(), "runbook ="), "backlog =");
    let base = repo.commit("prr.toml", &before, "no runbook, no toil backlog");
    let after = format!(
        "# moved down\n# by three\n# lines\n{}",
        without(&without(&ready(), "escalation ="), "backlog =")
    );
    repo.commit(
        "prr.toml",
        &after,
        "add the runbook, drop the escalation policy",
    );
    (repo, base)
}

fn json(repo: &Repo, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check", "--as-of", AS_OF, "--format", "json"];
    all.extend(args);
    let out = repo.prr(&all);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|err| panic!("{err}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code(), report)
}

/// `(rule, change)` of every result that has a change.
fn changes(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["change"].is_null())
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                r["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn the_json_report_classifies_a_fix_and_a_break() {
    let (repo, base) = fix_one_break_another();
    let (code, report) = json(&repo, &["--base", "HEAD~1"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        changes(&report),
        pairs(&[("oncall.rotation", "new"), ("toil.backlog", "existing")])
    );
    let b = &report["base"];
    assert_eq!(b["ref"], "HEAD~1");
    assert_eq!(b["commit"], base.as_str());
    assert_eq!(
        (
            b["new"].as_u64(),
            b["existing"].as_u64(),
            b["fixed"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(b["missing"], serde_json::json!([]));
    let fixed = b["fixed_results"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["rule"], "docs.runbook");
    assert_eq!(fixed[0]["change"], "fixed");
    // Every result carries the key, null when it does not apply.
    for result in report["results"].as_array().unwrap() {
        assert!(result.get("change").is_some(), "{result}");
        if result["status"] != "fail" {
            assert!(result["change"].is_null(), "{result}");
        }
    }
}

#[test]
fn the_human_report_says_what_the_change_fixed_and_introduced() {
    let (repo, _) = fix_one_break_another();
    let out = repo.prr(&["check", "--as-of", AS_OF, "--base", "HEAD~1"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("compared with HEAD~1 (")
            && text.contains("this change fixes 1 and introduces 1 (1 failing already)"),
        "{text}"
    );
    assert!(
        text.contains("error[oncall.rotation]: [new] `oncall.escalation` is missing"),
        "{text}"
    );
    assert!(
        text.contains("error[toil.backlog]: `toil.backlog` is missing"),
        "{text}"
    );
    assert!(
        text.contains("fixed by this change (failing at HEAD~1):\n  docs.runbook prr.toml:"),
        "{text}"
    );
}

#[test]
fn fail_on_new_blocks_only_on_what_the_change_broke() {
    let (repo, _) = fix_one_break_another();
    let (code, report) = json(&repo, &["--base", "HEAD~1", "--fail-on", "new"]);
    assert_eq!(code, Some(1));
    assert_eq!(report["verdict"], "fail");
    let out = repo.prr(&[
        "check",
        "--as-of",
        AS_OF,
        "--base",
        "HEAD~1",
        "--fail-on",
        "new",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("the gate failed: 1 blocking finding(s)"),
        "{text}"
    );
    assert!(text.contains("error[oncall.rotation]: [new]"), "{text}");
    assert!(text.contains("warning[toil.backlog]: [existing]"), "{text}");

    // A change that breaks nothing passes, though old failures remain.
    let now = std::fs::read_to_string(repo.work.join("prr.toml")).unwrap();
    repo.commit(
        "prr.toml",
        &now.replace("Card payment", "Card-payment"),
        "reword",
    );
    let (code, report) = json(&repo, &["--base", "HEAD~1", "--fail-on", "new"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["verdict"], "pass");
    assert_eq!(
        changes(&report),
        pairs(&[
            ("oncall.rotation", "existing"),
            ("toil.backlog", "existing")
        ])
    );
    let (code, _) = json(&repo, &["--base", "HEAD~1"]);
    assert_eq!(code, Some(1), "without --fail-on new every error blocks");
}

#[test]
fn a_manifest_absent_at_the_base_makes_every_failure_new() {
    let repo = Repo::new();
    repo.commit("README.md", "# a service\n", "start");
    repo.commit("prr.toml", &without(&ready(), "runbook ="), "the manifest");
    let (code, report) = json(&repo, &["--base", "HEAD~1", "--fail-on", "new"]);
    assert_eq!(code, Some(1));
    assert_eq!(changes(&report), pairs(&[("docs.runbook", "new")]));
    assert_eq!(report["base"]["missing"], serde_json::json!(["prr.toml"]));
}

#[test]
fn a_base_that_cannot_be_read_is_an_error() {
    let (repo, _) = fix_one_break_another();
    let out = repo.prr(&["check", "--as-of", AS_OF, "--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`no-such-branch` is not a commit"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn fail_on_new_without_a_base_is_refused() {
    let (repo, _) = fix_one_break_another();
    let out = repo.prr(&["check", "--as-of", AS_OF, "--fail-on", "new"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--base"), "{}", stderr(&out));
}

#[test]
fn without_a_base_the_report_says_null() {
    let (repo, _) = fix_one_break_another();
    let (code, report) = json(&repo, &[]);
    assert_eq!(code, Some(1));
    assert!(report["base"].is_null());
    assert!(report["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["change"].is_null()));
}

#[test]
fn in_a_github_pull_request_the_base_defaults_to_its_base_commit() {
    let (repo, base) = fix_one_break_another();
    let event = repo.work.join("../event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request": {{"base": {{"sha": "{base}"}}, "head": {{"sha": "x"}}}}}}"#),
    )
    .unwrap();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("prr"));
    command
        .args([
            "check",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--fail-on",
            "new",
        ])
        .current_dir(&repo.work);
    repo.env(&mut command);
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event);
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["base"]["commit"], base.as_str());
    assert_eq!(report["base"]["new"], 1);
}

#[test]
fn rev_judges_a_commit_without_checking_it_out() {
    let (repo, _) = fix_one_break_another();
    let (code, report) = json(&repo, &["--rev", "HEAD~1"]);
    assert_eq!(code, Some(1));
    let failing: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["docs.runbook", "toil.backlog"]);
    // The working tree is untouched.
    assert!(repo.git(&["status", "--porcelain"]).is_empty());
}

#[test]
fn rev_searches_a_directory_in_the_commit() {
    let repo = Repo::new();
    repo.commit("services/a/prr.toml", &ready(), "a");
    repo.commit("services/b/prr.toml", &without(&ready(), "runbook ="), "b");
    std::fs::remove_dir_all(repo.work.join("services/b")).unwrap();
    let (code, report) = json(&repo, &["--rev", "HEAD", "--manifest", "services"]);
    assert_eq!(code, Some(1));
    let manifests: Vec<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["manifest"].as_str().unwrap())
        .collect();
    assert_eq!(manifests, ["services/a/prr.toml", "services/b/prr.toml"]);
}

#[test]
fn every_format_shows_what_the_change_introduced() {
    let (repo, _) = fix_one_break_another();
    let run = |format: &str| {
        let out = repo.prr(&[
            "check", "--as-of", AS_OF, "--base", "HEAD~1", "--format", format,
        ]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        stdout(&out)
    };
    let markdown = run("markdown");
    assert!(
        markdown.contains("this change fixes 1 and introduces 1 (1 failing already)"),
        "{markdown}"
    );
    assert!(markdown.contains("Fixed: `docs.runbook`."), "{markdown}");
    assert!(
        markdown.contains("| `oncall.rotation` | **new:** `oncall.escalation` is missing: add `escalation` to `[oncall]` |"),
        "{markdown}"
    );
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let states: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["baselineState"].as_str().unwrap_or("none").to_owned(),
            )
        })
        .collect();
    // The waived finding is neither new nor existing: the waiver is shown on its own, after
    // the blocking findings.
    assert_eq!(
        states,
        pairs(&[
            ("oncall.rotation", "new"),
            ("toil.backlog", "unchanged"),
            ("release.progressive", "none")
        ])
    );
    assert!(run("github").contains("title=[new] oncall.rotation%3A"));
    assert!(run("junit").contains(
        "message=\"[new] `oncall.escalation` is missing: add `escalation` to `[oncall]`\""
    ));
}

#[test]
fn a_warning_that_becomes_an_error_at_the_same_key_is_new() {
    let repo = Repo::new();
    // A stale waiver (the runbook rule passes): a warning at waiver[rule=docs.runbook].
    let stale = format!(
        "{}\n[[waiver]]\nrule = \"docs.runbook\"\nreason = \"r\"\nexpires = 2026-12-01\nticket = \"T-1\"\n",
        ready()
    );
    repo.commit("prr.toml", &stale, "a stale waiver");
    // The same waiver with a typo in its rule: an error, where the warning was.
    repo.commit(
        "prr.toml",
        &stale.replace("rule = \"docs.runbook\"", "rule = \"docs.runbok\""),
        "a typo",
    );
    let (code, report) = json(&repo, &["--base", "HEAD~1", "--fail-on", "new"]);
    assert_eq!(code, Some(1), "the new error blocks: {report}");
    let waiver: Vec<(&str, &str, &str)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "waiver.valid" && r["status"] == "fail")
        .map(|r| {
            (
                r["severity"].as_str().unwrap(),
                r["change"].as_str().unwrap(),
                r["key"].as_str().unwrap(),
            )
        })
        .collect();
    // Waivers are known by the rule they name: the typo makes it another waiver.
    assert_eq!(waiver, [("error", "new", "waiver[rule=docs.runbok]")]);
    assert_eq!(report["base"]["fixed"], 1, "the warning is gone");
}

/// The results of `rule` as (key, change), in report order.
fn keyed_changes(report: &Value, rule: &str) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == rule && r["status"] == "fail")
        .map(|r| {
            (
                r["key"].as_str().unwrap_or_default().to_owned(),
                r["change"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The SARIF fingerprint of the result at logical location `key`.
fn sarif_fingerprint(repo: &Repo, rev: &str, key: &str) -> String {
    let out = repo.prr(&["check", "--as-of", AS_OF, "--rev", rev, "--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|err| panic!("{err}: {}{}", stdout(&out), stderr(&out)));
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == key)
        .map(|r| r["partialFingerprints"].to_string())
        .unwrap_or_else(|| panic!("no result at {key}"))
}

#[test]
fn a_dependency_inserted_first_is_new_and_the_moved_one_stays_existing() {
    let repo = Repo::new();
    // At the base, fraud-score (the second dependency) is owned by a person.
    let before = ready().replace("owner = \"@acme/risk\"", "owner = \"alice@acme.dev\"");
    assert_ne!(before, ready());
    repo.commit("prr.toml", &before, "fraud-score owned by a person");
    // The change inserts a dependency at the top, also owned by a person: every index
    // below it moves by one.
    let inserted =
        "[[dependency]]\nname = \"session-cache\"\ncritical = false\nowner = \"bob@acme.dev\"\n\n";
    let at = before.find("[[dependency]]").expect("a dependency");
    let after = format!("{}{inserted}{}", &before[..at], &before[at..]);
    repo.commit("prr.toml", &after, "a cache owned by a person, first");
    let (code, report) = json(&repo, &["--base", "HEAD~1", "--fail-on", "new"]);
    assert_eq!(
        keyed_changes(&report, "ownership.team"),
        pairs(&[
            ("dependency[name=session-cache].owner", "new"),
            ("dependency[name=fraud-score].owner", "existing"),
        ])
    );
    assert_eq!(code, Some(1), "the inserted finding is new, so it blocks");
    assert_eq!(
        sarif_fingerprint(&repo, "HEAD~1", "dependency[name=fraud-score].owner"),
        sarif_fingerprint(&repo, "HEAD", "dependency[name=fraud-score].owner"),
        "the moved finding keeps its fingerprint"
    );
}

#[test]
fn a_waiver_inserted_first_does_not_take_over_the_findings_of_the_one_it_displaced() {
    let repo = Repo::new();
    let untracked = |rule: &str| {
        format!("[[waiver]]\nrule = \"{rule}\"\nreason = \"later\"\nexpires = 2026-12-01\n\n")
    };
    // At the base, a waiver without a ticket (a waiver.valid failure at waiver[0]).
    let base = format!("{}{}", ready(), untracked("docs.runbook"));
    repo.commit("prr.toml", &base, "a waiver without a ticket");
    // The change puts another waiver without a ticket first: by index it would sit where
    // the old one was and pass for it.
    let at = base.find("[[waiver]]").expect("a waiver");
    let after = format!(
        "{}{}{}",
        &base[..at],
        untracked("toil.backlog"),
        &base[at..]
    );
    repo.commit("prr.toml", &after, "another, first");
    let (code, report) = json(&repo, &["--base", "HEAD~1", "--fail-on", "new"]);
    let changes = keyed_changes(&report, "waiver.valid");
    assert!(
        changes.contains(&("waiver[rule=toil.backlog]".to_owned(), "new".to_owned())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(
            "waiver[rule=docs.runbook]".to_owned(),
            "existing".to_owned()
        )),
        "{changes:?}"
    );
    assert_eq!(code, Some(1));
}
