//! The exceptions an error-budget freeze allows, end to end: a deploy of a service whose
//! budget is spent (wiremock standing in for Prometheus) from a pull request whose labels,
//! and who applied them, come from GitHub's issue-events and team-membership APIs
//! (wiremock too). A budget nobody can read (NaN, an infinity, a slow answer, a 5xx)
//! blocks a deploy under the defaults as a spent one does, and the same label lets a fix
//! through (decision 18).

use std::process::{Command, Output};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;

const TOKEN: &str = "ghs_Labels0Token1Never2Shown";

/// A pack that extends the built-in one and changes nothing: the defaults decide
/// (`deploy_on_unavailable = "fail"`).
const PACK: &str = "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n";

const GOOD: &str = "sum(increase(ok[28d]))";
const TOTAL: &str = "sum(increase(all[28d]))";

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

/// The answer to good and total asked together: each half labelled, as Prometheus answers
/// `label_replace(...) or label_replace(...)`.
fn halves(good: &str, total: &str) -> Value {
    json!({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"prr_events": "good"}, "value": [1_764_000_000, good]},
        {"metric": {"prr_events": "total"}, "value": [1_764_000_000, total]}
    ]}})
}

/// What the stand-in Prometheus answers.
#[derive(Clone, Copy)]
enum Server {
    /// 2,000 bad requests of 1,000,000: the budget of both SLOs of the ready example is
    /// spent; the burn-rate queries have no data.
    Spent,
    /// Every count is this value (`NaN`, `+Inf`), as the server writes it.
    Counts(&'static str),
    /// Every answer comes after the client's 5-second timeout.
    Slow,
    /// Every answer is HTTP 503.
    Down,
}

fn deploy(server: Server) -> Deploy {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let github = runtime.block_on(MockServer::start());
    let prometheus = runtime.block_on(MockServer::start());
    let together = prr_gate::facts::prometheus::together(GOOD, TOTAL);
    let mount = |query: Option<&str>, response: ResponseTemplate| {
        let mock = Mock::given(method("GET")).and(path("/api/v1/query"));
        let mock = match query {
            Some(query) => mock.and(query_param("query", query)),
            None => mock,
        };
        runtime.block_on(mock.respond_with(response).mount(&prometheus));
    };
    let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
    let empty = json!({"status": "success", "data": {"resultType": "vector", "result": []}});
    match server {
        Server::Spent => {
            mount(Some(&together), ok(halves("998000", "1000000")));
            mount(Some(GOOD), ok(vector("998000")));
            mount(Some(TOTAL), ok(vector("1000000")));
            mount(None, ok(empty));
        }
        Server::Counts(value) => {
            mount(Some(&together), ok(halves(value, value)));
            mount(None, ok(vector(value)));
        }
        Server::Slow => mount(None, ok(empty).set_delay(std::time::Duration::from_secs(8))),
        Server::Down => mount(
            None,
            ResponseTemplate::new(503).set_body_string("upstream unavailable"),
        ),
    }
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

    /// The pull request carries no label at all.
    fn unlabelled(&self) {
        self.runtime.block_on(
            Mock::given(method("GET"))
                .and(path("/repos/acme/payments/issues/7/events"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
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
    let deploy = deploy(Server::Spent);
    deploy.labelled("reliability-fix", "ana", true);
    let (out, report) = deploy.check();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    // Every query of the run was evaluated at one instant: the same `time` parameter.
    let requests = deploy
        .runtime
        .block_on(deploy.prometheus.received_requests())
        .expect("wiremock records requests");
    let times: std::collections::BTreeSet<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v1/query")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(key, _)| key == "time")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert!(requests.len() >= 9, "{}", requests.len());
    assert_eq!(times.len(), 1, "{times:?}");
    assert!(
        times
            .iter()
            .all(|t| t.parse::<f64>().is_ok_and(|t| t > 1.7e9)),
        "{times:?}"
    );
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
    let deploy = deploy(Server::Spent);
    deploy.labelled("reliability-fix", "bo", false);
    let (out, report) = deploy.check();
    assert_eq!(out.status.code(), Some(1));
    assert!(budget_results(&report)
        .iter()
        .all(|r| r["status"] == "fail"));
}

#[test]
fn an_unrelated_label_does_not_count() {
    let deploy = deploy(Server::Spent);
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

/// The Prometheus results of a deploy: the budget's and the SLIs'.
fn prometheus_results(report: &Value) -> Vec<&Value> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "slo.budget-remaining" || r["rule"] == "slo.sli")
        .filter(|r| r["status"] != "pass")
        .collect()
}

/// Under the defaults, the deploy is blocked and the budget is "could not verify", naming
/// `named`; with a reliability-fix label from the owner team it ships, every claim that
/// could not be verified shown as let through.
fn fails_closed_and_lets_fixes_through(server: Server, named: &str) {
    let blocked = deploy(server);
    blocked.unlabelled();
    let (out, report) = blocked.check();
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let results = budget_results(&report);
    assert_eq!(results.len(), 2, "{results:#?}");
    for result in &results {
        assert_eq!(result["status"], "fail", "{result:#}");
        assert_eq!(result["severity"], "error", "{result:#}");
        assert_eq!(result["unverified"], true, "{result:#}");
        let message = result["message"].as_str().unwrap();
        assert!(
            message.starts_with("could not verify: prometheus at "),
            "{message}"
        );
        assert_eq!(message.matches("could not verify").count(), 1, "{message}");
        assert!(message.contains(named), "{named}: {message}");
        assert!(!message.contains("no traffic"), "{message}");
    }
    // The SLOs say why they have no figures, and NaN is never read as no traffic.
    for slo in report["services"][0]["slos"].as_array().unwrap() {
        if slo["name"] != "latency" && slo["name"] != "availability" {
            continue;
        }
        assert!(slo["live"].is_null(), "{slo:#}");
        let why = slo["live_unavailable"].as_str().unwrap();
        assert!(why.starts_with("could not verify: prometheus at "), "{why}");
        assert!(why.contains(named), "{named}: {why}");
    }

    let fix = deploy(server);
    fix.labelled("reliability-fix", "ana", true);
    let (out, report) = fix.check();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let results = prometheus_results(&report);
    assert!(results.len() >= 2, "{results:#?}");
    for result in results {
        assert_eq!(result["status"], "waived", "{result:#}");
        assert_eq!(result["unverified"], true, "{result:#}");
        let reason = result["waiver"]["reason"].as_str().unwrap();
        assert!(
            reason.contains("labelled `reliability-fix` by ana"),
            "{reason}"
        );
    }
}

#[test]
fn nan_counts_block_a_deploy_and_a_fix_still_ships() {
    fails_closed_and_lets_fixes_through(Server::Counts("NaN"), "is NaN, not a number");
}

#[test]
fn infinite_counts_block_a_deploy_and_a_fix_still_ships() {
    fails_closed_and_lets_fixes_through(Server::Counts("+Inf"), "is +infinite");
}

#[test]
fn a_slow_prometheus_blocks_a_deploy_and_a_fix_still_ships() {
    fails_closed_and_lets_fixes_through(Server::Slow, "no answer within 5 s");
}

#[test]
fn a_prometheus_answering_5xx_blocks_a_deploy_and_a_fix_still_ships() {
    fails_closed_and_lets_fixes_through(Server::Down, "HTTP 503");
}
