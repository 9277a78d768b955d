//! The Prometheus client against faults a real server will not produce on demand, with
//! wiremock standing in for it: each is a fault with the source and the reason, never an
//! answer, and never a panic.

use std::time::{Duration, Instant};

use prr_gate::evidence::prometheus::{self, Answer, Client, Config, Token};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(url: &str, timeout: Duration) -> Client {
    Client::new(&Config {
        url: url.to_owned(),
        token: Some(Token::new("prom-secret-token-1234".to_owned())),
        timeout,
    })
    .expect("a client")
}

async fn serve(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_server_error_is_a_fault_naming_the_status() {
    let server = serve(ResponseTemplate::new(503).set_body_string("overloaded")).await;
    let prom = client(&server.uri(), Duration::from_secs(5));
    let fault = prom.alert_rules().await.expect_err("a 503 is no answer");
    assert_eq!(fault.0, "HTTP 503");
    let fault = prom.query("up").await.expect_err("a 503 is no answer");
    assert_eq!(fault.0, "HTTP 503");
    assert_eq!(prom.source(), format!("prometheus at {}", server.uri()));
}

#[tokio::test]
async fn a_hang_past_the_timeout_is_a_fault_in_time() {
    let server = serve(
        ResponseTemplate::new(200)
            .set_body_json(json!({"status": "success", "data": {"groups": []}}))
            .set_delay(Duration::from_secs(30)),
    )
    .await;
    let prom = client(&server.uri(), Duration::from_millis(300));
    let started = Instant::now();
    let fault = prom.alert_rules().await.expect_err("no answer in time");
    assert_eq!(fault.0, "no answer within 0.3 s");
    // Not a timing assertion: the call returned at all, long before the server would answer.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn malformed_json_is_a_fault() {
    let server =
        serve(ResponseTemplate::new(200).set_body_string("{\"status\": \"success\", \"da")).await;
    let prom = client(&server.uri(), Duration::from_secs(5));
    let fault = prom.alert_rules().await.expect_err("nonsense is no answer");
    assert!(
        fault
            .0
            .starts_with("the answer is not the Prometheus API's JSON"),
        "{fault}"
    );
    let fault = prom.query("up").await.expect_err("nonsense is no answer");
    assert!(fault
        .0
        .starts_with("the answer is not the Prometheus API's JSON"));
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    // The other host answers a perfectly good rules list: reaching it would be the bug.
    let elsewhere = serve(ResponseTemplate::new(200).set_body_json(json!({
        "status": "success",
        "data": {"groups": [{"name": "g", "file": "f", "rules": [
            {"name": "PaymentsLatencyHigh", "type": "alerting", "annotations": {}}
        ]}]}
    })))
    .await;
    let redirect_to = elsewhere.uri().replace("127.0.0.1", "localhost");
    let server = serve(ResponseTemplate::new(302).insert_header(
        "location",
        format!("{redirect_to}/api/v1/rules?type=alert").as_str(),
    ))
    .await;
    let prom = client(&server.uri(), Duration::from_secs(5));
    let fault = prom
        .alert_rules()
        .await
        .expect_err("a redirect is no answer");
    assert!(
        fault
            .0
            .starts_with("HTTP 302: a redirect to localhost, not followed"),
        "{fault}"
    );
    assert!(elsewhere
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
}

#[tokio::test]
async fn a_server_nobody_runs_is_a_fault() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let prom = client(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
    let fault = prom.query("up").await.expect_err("nobody answers");
    assert!(fault.0.starts_with("cannot reach the server"), "{fault}");
}

#[tokio::test]
async fn the_token_goes_as_a_bearer_header_and_never_into_a_fault() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/prefix/api/v1/query"))
        .and(query_param("query", "sum(up{job=\"pay\"})"))
        .and(header("authorization", "Bearer prom-secret-token-1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1.0, "3"]}]}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "status": "error", "errorType": "internal", "error": "boom"
        })))
        .mount(&server)
        .await;
    let prom = client(&format!("{}/prefix/", server.uri()), Duration::from_secs(5));
    match prom.query("sum(up{job=\"pay\"})").await {
        Ok(Answer::Series(series)) => {
            assert_eq!(series.len(), 1);
            assert!((series[0].value - 3.0).abs() < f64::EPSILON);
        }
        other => panic!("expected one series, got {other:?}"),
    }
    let fault = prom.alert_rules().await.expect_err("a 500 is no answer");
    assert_eq!(fault.0, "HTTP 500: boom");
    assert!(!format!("{fault:?} {prom:?}").contains("prom-secret-token"));
}

#[tokio::test]
async fn credentials_in_the_url_are_sent_and_never_shown() {
    let server = serve(ResponseTemplate::new(503)).await;
    let url = server
        .uri()
        .replace("http://", "http://reader:hunter2-secret@");
    let prom = Client::new(&Config {
        url,
        token: None,
        timeout: Duration::from_secs(5),
    })
    .expect("a client");
    assert_eq!(prom.source(), format!("prometheus at {}", server.uri()));
    let fault = prom.query("up").await.expect_err("a 503");
    assert!(!fault.0.contains("hunter2"));
    let requests = server.received_requests().await.unwrap_or_default();
    let sent = requests[0]
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // base64("reader:hunter2-secret")
    assert_eq!(sent, "Basic cmVhZGVyOmh1bnRlcjItc2VjcmV0");
}

#[tokio::test]
async fn gathering_stops_at_the_stages_bound_and_says_what_it_did_not_finish() {
    // The server answers the rules at once and hangs on every query; each request alone is
    // allowed 30 s, the whole gathering 500 ms.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/rules"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": {"groups": [{"name": "g", "file": "f", "rules": [
                {"name": "PaymentsLatencyHigh", "type": "alerting",
                 "annotations": {"runbook_url": "https://wiki/runbook"}},
                {"name": "job:rate5m", "type": "recording"}
            ]}]}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    let prom = client(&server.uri(), Duration::from_secs(30));
    let queries: std::collections::BTreeSet<String> = (0..20)
        .map(|i| format!("sum(increase(q{i}[28d]))"))
        .collect();
    let bound = Duration::from_millis(500);
    let started = Instant::now();
    let gathering = prometheus::gather(
        &prom,
        queries.clone(),
        tokio::time::Instant::now() + bound,
        bound,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(30));
    let alerts = gathering.alerts.expect("the rules came back in time");
    assert_eq!(alerts.keys().collect::<Vec<_>>(), ["PaymentsLatencyHigh"]);
    assert_eq!(gathering.answers.len(), 20);
    for query in &queries {
        let why = gathering.answers[query].as_ref().expect_err("unfinished");
        assert_eq!(
            why.to_string(),
            format!(
                "could not verify: prometheus at {}: not finished within the evidence stage's time bound of 0.5 s",
                server.uri()
            )
        );
    }
}

/// The ready service, naming its alerts and measuring its availability SLO in PromQL.
fn manifest() -> String {
    let ready = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ready/prr.toml"),
    )
    .expect("the ready fixture");
    let sli = "target = 99.95\nwindow = \"28d\"\n[slo.sli]\n\
               good = 'sum(increase(http_requests_total{job=\"payments\",code!~\"5..\"}[{{window}}]))'\n\
               total = 'sum(increase(http_requests_total{job=\"payments\"}[{{window}}]))'\n";
    let with_sli = ready.replacen("target = 99.95\nwindow = \"28d\"\n", sli, 1);
    assert_ne!(with_sli, ready, "the fixture's availability SLO moved");
    with_sli + "\n[monitoring.alerts]\nlatency = \"PaymentsLatencyHigh\"\nerrors = \"PaymentsErrorsHigh\"\n"
}

/// A pack that extends the built-in one, names its Prometheus by environment variable, and
/// enforces the two Prometheus rules already (no grace period), so that a blocking finding
/// shows in the exit code.
fn pack(on_unavailable: &str) -> String {
    format!(
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\non_unavailable = \"{on_unavailable}\"\n\
         [source.prometheus]\nurl_env = \"ACME_PROMETHEUS_URL\"\ntoken_env = \"ACME_PROMETHEUS_TOKEN\"\ntimeout_ms = 300\n\
         [override.\"monitoring.alerts\"]\nenforce_after = 2026-01-01\n\
         [override.\"slo.sli\"]\nenforce_after = 2026-01-01\n"
    )
}

const TOKEN: &str = "acme-prometheus-token-0123456789";

/// `prr check` of [`manifest`] with [`pack`], against `url`: the exit code, the results of
/// the Prometheus rules, and everything prr printed.
fn check(url: &str, on_unavailable: &str) -> (i32, Vec<serde_json::Value>, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("prr.toml"), manifest()).unwrap();
    std::fs::create_dir(dir.path().join("pack")).unwrap();
    std::fs::write(dir.path().join("pack/pack.toml"), pack(on_unavailable)).unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args(["check", "--rules", "pack", "--as-of", "2026-11-21"])
        .args(["--format", "json=report.json", "--format", "human"])
        .current_dir(dir.path())
        .env("ACME_PROMETHEUS_URL", url)
        .env("ACME_PROMETHEUS_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .env_remove("PRR_PROMETHEUS_URL")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .expect("prr runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let json = std::fs::read_to_string(dir.path().join("report.json"))
        .unwrap_or_else(|_| panic!("no report: {printed}"));
    let report: serde_json::Value = serde_json::from_str(&json).expect("a JSON report");
    let results = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == "monitoring.alerts" || r["rule"] == "slo.sli")
        .cloned()
        .collect();
    (out.status.code().unwrap_or(-1), results, printed + &json)
}

/// Each claim of the manifest, unverified, saying why; the verdict as the pack decides.
async fn assert_unverified(server: &MockServer, reason: &str) {
    for (on_unavailable, code, severity) in [("warn", 0, "warning"), ("fail", 1, "error")] {
        let (exit, results, printed) = check(&server.uri(), on_unavailable);
        assert_eq!(exit, code, "on_unavailable = {on_unavailable}: {printed}");
        // One for the alerts table, one for each of the two SLI queries: none passes.
        assert_eq!(results.len(), 3, "{results:#?}");
        for result in &results {
            assert_eq!(result["status"], "fail", "{result:#?}");
            assert_eq!(result["severity"], severity, "{result:#?}");
            assert_eq!(result["unverified"], true, "{result:#?}");
            let message = result["message"].as_str().unwrap_or_default();
            let expected = format!("could not verify: prometheus at {}: {reason}", server.uri());
            assert!(message.starts_with(&expected), "{message}");
        }
        assert!(printed.contains("could not verify"));
        assert!(!printed.contains(TOKEN), "the token was printed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn through_prr_check_a_server_error_cannot_verify_and_the_pack_decides() {
    let server = serve(ResponseTemplate::new(503)).await;
    assert_unverified(&server, "HTTP 503").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn through_prr_check_a_hang_cannot_verify_and_the_pack_decides() {
    let server = serve(ResponseTemplate::new(200).set_delay(Duration::from_secs(20))).await;
    assert_unverified(&server, "no answer within 0.3 s").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn through_prr_check_malformed_json_cannot_verify_and_the_pack_decides() {
    let server = serve(ResponseTemplate::new(200).set_body_string("[1, 2")).await;
    assert_unverified(&server, "the answer is not the Prometheus API's JSON").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn through_prr_check_a_redirect_elsewhere_cannot_verify_and_the_pack_decides() {
    let server = serve(
        ResponseTemplate::new(307).insert_header("location", "http://localhost:1/api/v1/rules"),
    )
    .await;
    assert_unverified(&server, "HTTP 307: a redirect to localhost, not followed").await;
}
