//! The Prometheus evidence against a real Prometheus (Debian's package): backfilled request
//! counters and alerting rules, read by prr's own client.

#[path = "common/prometheus.rs"]
mod prometheus;

mod common;

use std::process::Command;
use std::time::Duration;

use prometheus::{Prometheus, Traffic};
use prr_gate::evidence::prometheus::{Answer, Client, Config};
use serde_json::Value;

fn client(server: &Prometheus) -> Client {
    Client::new(&Config {
        url: server.url(),
        token: None,
        timeout: Duration::from_secs(10),
    })
    .expect("a client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn the_client_reads_alerting_rules_and_backfilled_counters() {
    let Some(server) =
        Prometheus::start(&[Traffic::new("payments", 999, 1)], &["payments.rules.yml"])
    else {
        return;
    };
    let prom = client(&server);
    runtime().block_on(async {
        let alerts = prom.alert_rules().await.expect("the rules");
        // The recording rule in the same group is not an alert.
        assert_eq!(
            alerts.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "PaymentsErrorsHigh",
                "PaymentsLatencyHigh",
                "PaymentsSaturationHigh",
                "PaymentsTrafficLow"
            ]
        );
        assert_eq!(
            alerts["PaymentsErrorsHigh"].runbook_url.as_deref(),
            Some("https://wiki.acme.dev/payments/old-runbook")
        );
        assert_eq!(alerts["PaymentsTrafficLow"].runbook_url, None);

        let value = |answer: Answer| match answer {
            Answer::Series(series) if series.len() == 1 => series[0].value,
            other => panic!("expected one series, got {other:?}"),
        };
        // 999 good and 1 bad request a minute: good / total is 0.999 over any window the
        // data covers, whatever increase() extrapolates at the window's edges (it does so
        // for both series alike: they share their sample times), to float rounding.
        let good = value(
            prom.query(r#"sum(increase(http_requests_total{job="payments",code!~"5.."}[28d]))"#)
                .await
                .expect("an answer"),
        );
        let total = value(
            prom.query(r#"sum(increase(http_requests_total{job="payments"}[28d]))"#)
                .await
                .expect("an answer"),
        );
        assert!(total > 0.0);
        assert!((good / total - 0.999).abs() < 1e-6, "{good} / {total}");

        let nothing = prom
            .query(r#"sum(increase(http_requests_total{job="nobody"}[28d]))"#)
            .await
            .expect("an answer");
        assert_eq!(nothing, Answer::Series(Vec::new()));

        match prom.query("sum(increase(http_requests_total[28d]").await {
            Ok(Answer::Rejected(why)) => assert!(why.contains("parse error"), "{why}"),
            other => panic!("expected a refused query, got {other:?}"),
        }
    });
}

/// `prr check` of `tests/fixtures/prometheus/prr.toml` with `args`, from a directory of
/// its own; the JSON report's results of the Prometheus rules.
fn check(args: &[&str]) -> (i32, Vec<Value>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let manifest = fixture("prr.toml");
    std::fs::write(dir.path().join("prr.toml"), manifest).expect("the manifest is written");
    let out = Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(dir.path())
        .env_remove("PRR_PROMETHEUS_URL")
        .env_remove("PRR_PROMETHEUS_TOKEN")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .expect("prr runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{err}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    let results = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == "monitoring.alerts" || r["rule"] == "slo.sli")
        .cloned()
        .collect();
    (out.status.code().unwrap_or(-1), results)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/prometheus")
            .join(name),
    )
    .expect("the fixture")
}

/// The line of the fixture manifest that holds `text`.
fn line_of(text: &str) -> u64 {
    let manifest = fixture("prr.toml");
    let index = manifest
        .lines()
        .position(|line| line.contains(text))
        .unwrap_or_else(|| panic!("no line holds {text}"));
    index as u64 + 1
}

/// (rule, key, status, severity) of each result.
fn summary(results: &[Value]) -> Vec<(String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    results
        .iter()
        .map(|r| {
            (
                text(&r["rule"]),
                text(&r["key"]),
                text(&r["status"]),
                text(&r["severity"]),
            )
        })
        .collect()
}

#[test]
fn prr_check_judges_alerts_and_slis_against_a_real_prometheus() {
    let Some(server) =
        Prometheus::start(&[Traffic::new("payments", 999, 1)], &["payments.rules.yml"])
    else {
        return;
    };
    let url = server.url();

    // After the rules' grace period: their findings weigh what the rules say.
    let (_, results) = check(&["--as-of", "2027-03-01", "--prometheus", &url]);
    let by_key = |key: &str| {
        results
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("no result for {key}: {results:#?}"))
    };
    assert_eq!(
        summary(&results),
        [
            s(
                "monitoring.alerts",
                "monitoring.alerts.traffic",
                "fail",
                "error"
            ),
            s(
                "monitoring.alerts",
                "monitoring.alerts.errors",
                "fail",
                "warning"
            ),
            s("slo.sli", "slo[name=latency].sli.good", "fail", "error"),
        ],
        "{results:#?}"
    );
    // The missing alert, at the line that names it, with the name it probably meant.
    let traffic = by_key("monitoring.alerts.traffic");
    assert_eq!(
        traffic["location"]["line"],
        line_of("traffic = \"PaymentsTraficLow\"")
    );
    let message = traffic["message"].as_str().unwrap();
    assert!(
        message.contains("no alerting rule `PaymentsTraficLow`"),
        "{message}"
    );
    assert!(
        message.contains("did you mean `PaymentsTrafficLow`?"),
        "{message}"
    );
    // The alert whose runbook link differs: a warning at its line.
    let errors = by_key("monitoring.alerts.errors");
    assert_eq!(
        errors["location"]["line"],
        line_of("errors = \"PaymentsErrorsHigh\"")
    );
    assert!(errors["message"]
        .as_str()
        .unwrap()
        .contains("https://wiki.acme.dev/payments/old-runbook"));
    // The SLI query that returns nothing, at its line.
    let latency = by_key("slo[name=latency].sli.good");
    assert_eq!(latency["location"]["line"], line_of("le=\"0.3\""));
    assert!(latency["message"]
        .as_str()
        .unwrap()
        .contains("returns nothing over 28d"));
    assert!(results.iter().all(|r| r["unverified"] == false));

    // Compared with a base that makes the same claims, Prometheus contradicts them on both
    // sides (it answers for now): nothing is new, and `--fail-on new` lets the change pass.
    let repo = common::Repo::new();
    repo.commit("prr.toml", &fixture("prr.toml"), "the manifest");
    repo.commit("README.md", "unrelated\n", "an unrelated change");
    let out = repo.prr(&[
        "check",
        "--format",
        "json",
        "--as-of",
        "2027-03-01",
        "--prometheus",
        &url,
        "--base",
        "HEAD~1",
        "--fail-on",
        "new",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes: Vec<(&str, &str)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "monitoring.alerts" || r["rule"] == "slo.sli")
        .map(|r| {
            (
                r["key"].as_str().unwrap_or("-"),
                r["change"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("monitoring.alerts.traffic", "existing"),
            ("monitoring.alerts.errors", "existing"),
            ("slo[name=latency].sli.good", "existing"),
        ]
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));

    // The typo corrected, the latency SLI fixed and docs.runbook moved to the link only
    // PaymentsErrorsHigh carries: slo.sli passes with each SLO's attainment, and the two
    // alerts that link the other runbook are warnings, never errors.
    let fixed = fixture("prr.toml")
        .replace("PaymentsTraficLow", "PaymentsTrafficLow")
        .replace(
            "http_request_duration_seconds_bucket{job=\"payments\",le=\"0.3\"}",
            "http_requests_total{job=\"payments\",code!~\"5..\"}",
        )
        .replace(
            "https://wiki.acme.dev/payments/runbook",
            "https://wiki.acme.dev/payments/old-runbook",
        );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prr.toml"), fixed).unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args([
            "check",
            "--format",
            "json",
            "--as-of",
            "2027-03-01",
            "--prometheus",
            &url,
        ])
        .current_dir(dir.path())
        .env_remove("PRR_PROMETHEUS_URL")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "monitoring.alerts" || r["rule"] == "slo.sli")
        .collect();
    assert_eq!(mine.len(), 3, "{mine:#?}");
    for result in &mine {
        let warned_runbook = result["key"] == "monitoring.alerts.latency"
            || result["key"] == "monitoring.alerts.saturation";
        if warned_runbook {
            // latency and saturation link the current runbook; the manifest now names the old one
            assert_eq!(result["severity"], "warning");
        } else {
            assert_eq!(result["status"], "pass", "{result:#?}");
        }
    }
    let sli = mine.iter().find(|r| r["rule"] == "slo.sli").unwrap();
    assert!(
        sli["message"]
            .as_str()
            .unwrap()
            .contains("availability 99.9% over 28d, latency 99.9% over 28d"),
        "{sli:#?}"
    );
}

fn s(rule: &str, key: &str, status: &str, severity: &str) -> (String, String, String, String) {
    (
        rule.to_owned(),
        key.to_owned(),
        status.to_owned(),
        severity.to_owned(),
    )
}

#[test]
fn without_a_prometheus_the_rules_are_skipped_saying_how_to_configure_one() {
    let (_, results) = check(&["--as-of", "2026-11-21"]);
    assert_eq!(
        summary(&results),
        [
            s("monitoring.alerts", "-", "skipped", "error"),
            s("slo.sli", "-", "skipped", "error"),
        ]
    );
    for result in &results {
        let message = result["message"].as_str().unwrap();
        assert!(message.contains("no Prometheus is configured"), "{message}");
        assert!(message.contains("--prometheus URL"), "{message}");
    }
}
