//! The exceptions an error-budget freeze allows, end to end: a deploy of a service whose
//! budget is spent (wiremock standing in for Prometheus) from a pull request whose labels,
//! and who applied them, come from GitHub's issue-events and team-membership APIs
//! (wiremock too).

use std::process::{Command, Output};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;

const TOKEN: &str = "ghs_Labels0Token1Never2Shown";

/// The built-in pack with the budget rule enforced already (it warns until 2027-02-01).
const PACK: &str = "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[override.\"slo.budget-remaining\"]\nenforce_after = 2026-01-01\n";

struct Deploy {
    runtime: tokio::runtime::Runtime,
    github: MockServer,
    prometheus: MockServer,
    dir: tempfile::TempDir,
}

/// A vector answer of the Prometheus HTTP API with one sample.
fn vector(value: &str) -> Value {
    json!({"status": "success", "data": {"resultType": "vector",
        "result": [{"metric": {}, "value": [1_764_000_000, value]}]}})
}

fn deploy() -> Deploy {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let github = runtime.block_on(MockServer::start());
    let prometheus = runtime.block_on(MockServer::start());
    // 2,000 bad requests of 1,000,000: the budget of both SLOs of the ready example is spent.
    for (query, value) in [
        ("sum(increase(ok[28d]))", "998000"),
        ("sum(increase(all[28d]))", "1000000"),
    ] {
        runtime.block_on(
            Mock::given(method("GET"))
                .and(path("/api/v1/query"))
                .and(query_param("query", query))
                .respond_with(ResponseTemplate::new(200).set_body_json(vector(value)))
                .mount(&prometheus),
        );
    }
    // The burn-rate queries have no data: no traffic in the last hours.
    runtime.block_on(
        Mock::given(method("GET"))
            .and(path("/api/v1/query"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"status": "success", "data": {"resultType": "vector", "result": []}}),
            ))
            .mount(&prometheus),
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sli = "window = \"28d\"\n[slo.sli]\ngood = 'sum(increase(ok[{{window}}]))'\ntotal = 'sum(increase(all[{{window}}]))'\n";
    let manifest = common::ready().replace("window = \"28d\"\n", sli);
    std::fs::write(dir.path().join("prr.toml"), manifest).unwrap();
    std::fs::create_dir_all(dir.path().join("pack")).unwrap();
    std::fs::write(dir.path().join("pack/pack.toml"), PACK).unwrap();
    Deploy {
        runtime,
        github,
        prometheus,
        dir,
    }
}

impl Deploy {
    fn labelled(&self, label: &str, by: &str, member: bool) {
        let events = json!([
            {"event": "labeled", "label": {"name": label}, "actor": {"login": by}},
            {"event": "assigned", "actor": {"login": "someone"}}
        ]);
        self.runtime.block_on(
            Mock::given(method("GET"))
                .and(path("/repos/acme/payments/issues/7/events"))
                .respond_with(ResponseTemplate::new(200).set_body_json(events))
                .mount(&self.github),
        );
        let (status, body) = if member {
            (200, json!({"state": "active", "role": "member"}))
        } else {
            (404, json!({"message": "Not Found"}))
        };
        self.runtime.block_on(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/orgs/acme/teams/payments-product/memberships/{by}"
                )))
                .respond_with(ResponseTemplate::new(status).set_body_json(body))
                .mount(&self.github),
        );
    }

    fn check(&self) -> (Output, Value) {
        let event = json!({"number": 7, "pull_request": {"number": 7,
            "head": {"sha": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"}}});
        let event_path = self.dir.path().join("event.json");
        std::fs::write(&event_path, event.to_string()).unwrap();
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
        command
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.github.uri())
            .env("GITHUB_REPOSITORY", "acme/payments")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_TOKEN", TOKEN)
            .env("PRR_GITHUB_BACKOFF_MS", "10")
            .env("PRR_GITHUB_TIMEOUT", "10")
            .env_remove("PRR_PROMETHEUS_URL")
            .args([
                "check",
                "--manifest",
                "prr.toml",
                "--rules",
                "pack",
                "--deploy",
            ])
            .args(["--as-of", common::AS_OF, "--format", "json"])
            .args(["--prometheus", &self.prometheus.uri()]);
        let out = command.output().expect("prr runs");
        assert!(!common::stdout(&out).contains(TOKEN));
        let report = serde_json::from_str(&common::stdout(&out)).unwrap_or_else(|err| {
            panic!(
                "{err}: {}{}",
                common::stdout(&out),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out, report)
    }
}

fn budget_results(report: &Value) -> Vec<&Value> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "slo.budget-remaining")
        .collect()
}

#[test]
fn a_reliability_fix_labelled_by_the_owner_team_ships_through_the_freeze() {
    let deploy = deploy();
    deploy.labelled("reliability-fix", "ana", true);
    let (out, report) = deploy.check();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let results = budget_results(&report);
    assert_eq!(results.len(), 2, "{results:#?}");
    for result in results {
        assert_eq!(result["status"], "waived");
        let reason = result["waiver"]["reason"].as_str().unwrap();
        assert!(
            reason
                .contains("labelled `reliability-fix` by ana, a member of @acme/payments-product"),
            "{reason}"
        );
    }
}

#[test]
fn the_label_applied_by_someone_outside_the_team_does_not_count() {
    let deploy = deploy();
    deploy.labelled("reliability-fix", "bo", false);
    let (out, report) = deploy.check();
    assert_eq!(out.status.code(), Some(1));
    assert!(budget_results(&report)
        .iter()
        .all(|r| r["status"] == "fail"));
}

#[test]
fn an_unrelated_label_does_not_count() {
    let deploy = deploy();
    deploy.labelled("documentation", "ana", true);
    let (out, report) = deploy.check();
    assert_eq!(out.status.code(), Some(1));
    let results = budget_results(&report);
    assert!(results.iter().all(|r| r["status"] == "fail"));
    assert!(results[0]["message"]
        .as_str()
        .unwrap()
        .contains("freeze-features stops feature deploys"));
}
