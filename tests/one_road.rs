//! One road to a verdict (PRODUCT.md decision 17): commands that answer the same question
//! answer it the same way. Each test judges one fixture several ways and compares.
//!
//! - `prr fleet` rows against `prr check` per service, on a monorepo with Dockerfiles,
//!   Kubernetes YAML, CODEOWNERS and package manifests, before and after the grace date of
//!   the repository rules;
//! - `prr check` from outside the repository against `prr check` from inside it: the
//!   repository evidence is the manifest's own, wherever the command runs.
//!
//! `prr budget` against `prr check --deploy` (a real Prometheus) is in `tests/budget.rs`;
//! the privileged publish judgement against `prr check --rev` is in `tests/github.rs`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/repos");

/// Before the repository rules' grace date (2027-02-01), and after it.
const DATES: [&str; 2] = [common::AS_OF, "2027-03-01"];

fn prr(dir: &Path, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(args)
        .output()
        .expect("prr runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&common::stdout(out))
        .unwrap_or_else(|err| panic!("{err}: {}{}", common::stdout(out), common::stderr(out)))
}

fn copy(from: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("a directory")).expect("created");
    std::fs::copy(Path::new(FIXTURES).join(from), to).expect("copied");
}

/// A monorepo in a git repository: `services/pay` (a Dockerfile that runs as root,
/// Kubernetes YAML without a readiness probe, a package.json, assigned in CODEOWNERS) and
/// `services/search` (a Dockerfile with a non-root user, a package.json, not in CODEOWNERS).
/// No Dependabot or Renovate configuration.
fn monorepo(root: &Path) {
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .current_dir(root)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    let ready = common::ready();
    let pay = root.join("services/pay");
    std::fs::create_dir_all(&pay).expect("created");
    std::fs::write(pay.join("prr.toml"), &ready).expect("written");
    copy("user-root/Dockerfile", &pay.join("Dockerfile"));
    copy(
        "readiness-missing/deploy/k8s.yaml",
        &pay.join("deploy/k8s.yaml"),
    );
    std::fs::write(pay.join("package.json"), "{\"name\": \"pay\"}\n").expect("written");
    let search = root.join("services/search");
    std::fs::create_dir_all(&search).expect("created");
    std::fs::write(
        search.join("prr.toml"),
        ready
            .replace("name = \"payments-api\"", "name = \"search\"")
            .replacen("owner = \"@acme/payments\"", "owner = \"@acme/search\"", 1),
    )
    .expect("written");
    copy("user-10001/Dockerfile", &search.join("Dockerfile"));
    std::fs::write(search.join("package.json"), "{\"name\": \"search\"}\n").expect("written");
    std::fs::create_dir_all(root.join(".github")).expect("created");
    std::fs::write(
        root.join(".github/CODEOWNERS"),
        "* @acme/platform\n/services/pay/ @acme/payments\n",
    )
    .expect("written");
}

/// What a row and a check both say of one service.
#[derive(Debug, PartialEq)]
struct Said {
    verdict: String,
    blocking: usize,
    blocking_rules: Vec<String>,
    warnings: usize,
}

fn said_by_check(report: &Value) -> Said {
    let results = report["results"].as_array().expect("results");
    let blocking: Vec<&Value> = results
        .iter()
        .filter(|r| r["status"] == "fail" && r["severity"] == "error")
        .collect();
    let mut blocking_rules: Vec<String> = blocking
        .iter()
        .map(|r| r["rule"].as_str().unwrap_or_default().to_owned())
        .collect();
    blocking_rules.sort();
    blocking_rules.dedup();
    Said {
        verdict: report["verdict"].as_str().unwrap_or_default().to_owned(),
        blocking: blocking.len(),
        blocking_rules,
        warnings: report["summary"]["warnings"].as_u64().unwrap_or(0) as usize,
    }
}

fn said_by_row(row: &Value) -> Said {
    let mut blocking_rules: Vec<String> = row["blocking_rules"]
        .as_array()
        .expect("blocking_rules")
        .iter()
        .map(|r| r.as_str().unwrap_or_default().to_owned())
        .collect();
    blocking_rules.sort();
    Said {
        verdict: row["verdict"].as_str().unwrap_or_default().to_owned(),
        blocking: row["blocking"].as_u64().unwrap_or(0) as usize,
        blocking_rules,
        warnings: row["warnings"].as_u64().unwrap_or(0) as usize,
    }
}

#[test]
fn every_fleet_row_is_that_service_s_check() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    monorepo(root);
    for as_of in DATES {
        let fleet = prr(
            root,
            &["fleet", "services", "--as-of", as_of, "--format", "json"],
        );
        assert_eq!(fleet.status.code(), Some(0), "{}", common::stderr(&fleet));
        let fleet = json_of(&fleet);
        let rows: BTreeMap<String, &Value> = fleet["services"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| (row["source"].as_str().unwrap_or_default().to_owned(), row))
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        let mut by_service = BTreeMap::new();
        for service in ["services/pay", "services/search"] {
            let manifest = format!("{service}/prr.toml");
            let out = prr(
                root,
                &[
                    "check",
                    "--manifest",
                    &manifest,
                    "--as-of",
                    as_of,
                    "--format",
                    "json",
                ],
            );
            let check = json_of(&out);
            let said = said_by_check(&check);
            let expected_code = if said.verdict == "pass" { 0 } else { 1 };
            assert_eq!(out.status.code(), Some(expected_code), "{manifest} {as_of}");
            let row = rows
                .get(&manifest)
                .unwrap_or_else(|| panic!("no row for {manifest}"));
            assert_eq!(said_by_row(row), said, "{manifest} as of {as_of}");
            by_service.insert(service, check);
        }
        // The repository rules did run, in both: the comparison is not of two silences.
        let pay = &by_service["services/pay"];
        let status = |report: &Value, rule: &str| -> Vec<(String, String)> {
            report["results"]
                .as_array()
                .expect("results")
                .iter()
                .filter(|r| r["rule"] == rule)
                .map(|r| {
                    (
                        r["status"].as_str().unwrap_or_default().to_owned(),
                        r["severity"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        };
        let expected = if as_of == common::AS_OF {
            "warning"
        } else {
            "error"
        };
        for rule in [
            "security.non-root",
            "resilience.health-checks",
            "maintenance.dependency-updates",
        ] {
            assert!(
                status(pay, rule).contains(&("fail".to_owned(), expected.to_owned())),
                "{rule} as of {as_of}: {:?}",
                status(pay, rule)
            );
        }
        assert_eq!(
            status(pay, "ownership.codeowners")[0].0,
            "pass",
            "CODEOWNERS assigns services/pay to its team"
        );
        let search = &by_service["services/search"];
        assert_eq!(status(search, "security.non-root")[0].0, "pass");
        assert_eq!(status(search, "ownership.codeowners")[0].0, "fail");
    }
}

/// The repository evidence is the manifest's own: `prr check` run from a directory outside
/// the repository judges the same, and a directory of unrelated files beside the working
/// directory is never read.
#[test]
fn the_repository_is_found_from_the_manifest_not_the_working_directory() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("created");
    monorepo(&repo);
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("junk")).expect("created");
    // A CODEOWNERS and a Dockerfile where the command runs: not the manifest's repository.
    std::fs::create_dir_all(elsewhere.join(".github")).expect("created");
    std::fs::write(elsewhere.join(".github/CODEOWNERS"), "* @acme/search\n").expect("written");
    std::fs::write(elsewhere.join("junk/Dockerfile"), "FROM scratch\nUSER 0\n").expect("written");
    for service in ["services/pay", "services/search"] {
        let inside = prr(
            &repo,
            &[
                "check",
                "--manifest",
                &format!("{service}/prr.toml"),
                "--as-of",
                "2027-03-01",
                "--format",
                "json",
            ],
        );
        let outside_path = repo.join(service).join("prr.toml");
        let outside = prr(
            &elsewhere,
            &[
                "check",
                "--manifest",
                outside_path.to_str().expect("a UTF-8 path"),
                "--as-of",
                "2027-03-01",
                "--format",
                "json",
            ],
        );
        assert_eq!(inside.status.code(), outside.status.code(), "{service}");
        let rules_of = |report: &Value| -> Vec<(String, String, String)> {
            report["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| {
                    (
                        r["rule"].as_str().unwrap_or_default().to_owned(),
                        r["status"].as_str().unwrap_or_default().to_owned(),
                        r["severity"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        };
        assert_eq!(
            rules_of(&json_of(&inside)),
            rules_of(&json_of(&outside)),
            "{service}: judged from inside and from outside the repository"
        );
    }
}

/// Outside any git repository, nothing beyond the manifest's own directory is read: it
/// stands for the repository, and the CODEOWNERS and Dockerfile beside it are not its.
#[test]
fn outside_a_repository_only_the_manifest_s_directory_is_read() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let service = dir.path().join("svc");
    std::fs::create_dir_all(&service).expect("created");
    std::fs::write(service.join("prr.toml"), common::ready()).expect("written");
    copy("user-root/Dockerfile", &service.join("Dockerfile"));
    // Beside the service, not below it: never read.
    copy("user-root/Dockerfile", &dir.path().join("Dockerfile"));
    std::fs::create_dir_all(dir.path().join(".github")).expect("created");
    std::fs::write(dir.path().join(".github/CODEOWNERS"), "* @acme/payments\n").expect("written");
    let out = prr(
        &service,
        &[
            "check",
            "--manifest",
            "prr.toml",
            "--as-of",
            "2027-03-01",
            "--format",
            "json",
        ],
    );
    let report = json_of(&out);
    let result = |rule: &str| -> Value {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["rule"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("no result for {rule}"))
    };
    let codeowners = result("ownership.codeowners");
    assert_eq!(codeowners["status"], "fail", "{codeowners}");
    assert!(
        codeowners["message"]
            .as_str()
            .is_some_and(|m| m.contains("has no CODEOWNERS file")),
        "{codeowners}"
    );
    // The service's own Dockerfile is read; the one beside it is not.
    let non_root = result("security.non-root");
    assert_eq!(non_root["status"], "fail", "{non_root}");
    assert_eq!(non_root["location"]["path"], "Dockerfile", "{non_root}");
}
