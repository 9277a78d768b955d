//! The deploy gate against live data: Debian's Prometheus scraping, every second, a small
//! exporter this test serves on loopback, whose request counters grow in real time. The
//! backfilled tests (tests/budget.rs) hold still; here samples land while prr asks, which
//! is where answers taken at different instants disagree (good above total, burn rates
//! that move between runs). Every query of a run is evaluated at one instant, and good and
//! total are read together, so every run must give the same verdict.
//!
//! Three services, each counting `http_requests_total{job, code}` per second:
//!
//! - `healthy`: 9,999 good and 1 bad a second: 99.99% against the ready example's 99.95%
//!   (availability) spends a fifth of the budget, against 99.9% (latency) a tenth. The
//!   deploy is allowed.
//! - `burning`: 990 good and 10 bad: 99% is twenty budgets of 99.95% and ten of 99.9%.
//!   Spent, under freeze-features: the deploy is blocked.
//! - `quiet`: 500 good and no errors at all (no `code="500"` series, as client libraries
//!   create a label only on first use). Nothing spent: allowed.

#[path = "common/prometheus.rs"]
mod prometheus;

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use prometheus::Prometheus;
use serde_json::Value;

/// Requests a second per service: (job, good, bad).
const SERVICES: [(&str, u64, u64); 3] = [
    ("healthy", 9_999, 1),
    ("burning", 990, 10),
    ("quiet", 500, 0),
];

/// How many times each command runs.
const RUNS: usize = 6;

/// Serves `/metrics` on a free loopback port from a thread: each counter is its rate times
/// the seconds since the exporter started, so it grows between any two scrapes.
fn start_exporter() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("its address").to_string();
    let started = Instant::now();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            // Read the request head; its content does not matter.
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let seconds = started.elapsed().as_secs_f64();
            let mut body = String::from(
                "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n",
            );
            for (job, good, bad) in SERVICES {
                for (code, rate) in [("200", good), ("500", bad)] {
                    if rate == 0 {
                        continue;
                    }
                    // Whole requests, as a real counter counts them.
                    let count = (seconds * rate as f64).floor();
                    body.push_str(&format!(
                        "http_requests_total{{job=\"{job}\",code=\"{code}\"}} {count}\n"
                    ));
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}

/// The ready example as `job`, its 28-day SLOs measured from the exporter's counters,
/// under freeze-features.
fn manifest(job: &str) -> String {
    let sli = format!(
        "[slo.sli]\ngood = 'sum(increase(http_requests_total{{job=\"{job}\",code!~\"5..\"}}[{{{{window}}}}]))'\ntotal = 'sum(increase(http_requests_total{{job=\"{job}\"}}[{{{{window}}}}]))'\n"
    );
    common::ready()
        .replace("name = \"payments-api\"", &format!("name = \"{job}\""))
        .replace("window = \"28d\"\n", &format!("window = \"28d\"\n{sli}"))
}

fn prr(dir: &Path, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("PRR_PROMETHEUS_URL")
        .args(args)
        .output()
        .expect("prr runs")
}

/// Waits until every service's counters have two samples, enough for `increase()`.
fn wait_for_data(server: &Prometheus) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for (job, _, _) in SERVICES {
        loop {
            let answer = server.query(&format!(
                "sum(increase(http_requests_total{{job=\"{job}\"}}[1m]))"
            ));
            let parsed: Value = serde_json::from_str(&answer).unwrap_or_default();
            if parsed["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no data for {job} after 60 s: {answer}\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Each service's verdict in a report (`services[].service.name` -> `verdict`).
fn verdicts(report: &Value) -> BTreeMap<String, String> {
    report["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| {
            (
                s["service"]["name"].as_str().unwrap_or_default().to_owned(),
                s["verdict"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn live_counters_give_the_same_verdict_every_run_and_both_commands_agree() {
    let exporter = start_exporter();
    let Some(server) = Prometheus::scraping(&[exporter]) else {
        return;
    };
    wait_for_data(&server);
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (job, _, _) in SERVICES {
        std::fs::create_dir_all(dir.path().join(job)).unwrap();
        std::fs::write(dir.path().join(job).join("prr.toml"), manifest(job)).unwrap();
    }
    let url = server.url();
    let args = |command: &'static [&'static str]| -> Vec<String> {
        let mut args: Vec<String> = command.iter().map(|s| (*s).to_owned()).collect();
        for (job, _, _) in SERVICES {
            args.extend(["--manifest".to_owned(), job.to_owned()]);
        }
        args.extend(
            [
                "--as-of",
                common::AS_OF,
                "--prometheus",
                &url,
                "--format",
                "json",
            ]
            .map(str::to_owned),
        );
        args
    };
    let check_args = args(&["check", "--deploy"]);
    let budget_args = args(&["budget"]);
    let expected: BTreeMap<String, String> =
        [("burning", "fail"), ("healthy", "pass"), ("quiet", "pass")]
            .map(|(name, verdict)| (name.to_owned(), verdict.to_owned()))
            .into_iter()
            .collect();
    for run in 0..RUNS {
        let as_str: Vec<&str> = check_args.iter().map(String::as_str).collect();
        let check = prr(dir.path(), &as_str);
        let as_str: Vec<&str> = budget_args.iter().map(String::as_str).collect();
        let budget = prr(dir.path(), &as_str);
        let (check_text, budget_text) = (common::stdout(&check), common::stdout(&budget));
        for text in [&check_text, &budget_text] {
            assert!(
                !text.contains("could not verify"),
                "run {run}: {text}\n{}",
                common::stderr(&check)
            );
        }
        let check_report: Value = serde_json::from_str(&check_text)
            .unwrap_or_else(|err| panic!("run {run}: {err}: {}", common::stderr(&check)));
        let budget_view: Value = serde_json::from_str(&budget_text)
            .unwrap_or_else(|err| panic!("run {run}: {err}: {}", common::stderr(&budget)));

        // The same verdict per service on every run...
        assert_eq!(
            verdicts(&check_report),
            expected,
            "run {run}: {check_report:#}"
        );
        // ...and the two commands agree on it, on the exit code and on what blocks.
        assert_eq!(
            verdicts(&budget_view),
            expected,
            "run {run}: {budget_view:#}"
        );
        assert_eq!(check.status.code(), Some(1), "run {run}");
        assert_eq!(budget.status.code(), check.status.code(), "run {run}");
        assert_eq!(budget_view["verdict"], check_report["verdict"], "run {run}");
        let blocking: Vec<&Value> = budget_view["blocking"].as_array().unwrap().iter().collect();
        assert!(
            blocking.iter().all(|b| b["manifest"]
                .as_str()
                .unwrap_or_default()
                .starts_with("burning")),
            "run {run}: {blocking:#?}"
        );
        assert!(!blocking.is_empty(), "run {run}");
        // The view says "spent" of the burning service only, and nothing could not be
        // verified.
        let spent: Vec<&str> = budget_view["spent"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            !spent.is_empty() && spent.iter().all(|s| s.contains("(burning)")),
            "{spent:?}"
        );
        assert_eq!(budget_view["could_not_verify"], serde_json::json!([]));

        // Every SLO with an SLI has figures, from one instant, and says how little of the
        // 28 days the data covers.
        for service in check_report["services"].as_array().unwrap() {
            let name = service["service"]["name"].as_str().unwrap_or_default();
            for slo in service["slos"].as_array().unwrap() {
                if slo["window"] != "28d" {
                    continue;
                }
                let live = &slo["live"];
                assert!(live.is_object(), "run {run} {name}: {slo:#}");
                assert!(live["at"].is_string(), "{live:#}");
                let covered = live["covered_days"].as_f64().expect("covered_days");
                assert!(covered < 1.0, "run {run} {name}: {covered}");
                let consumed = live["consumed"].as_f64().unwrap();
                // All the data is younger than an hour: the window, 6 h and 1 h read the
                // same samples at the same instant, so both burn rates equal the share of
                // the budget consumed, exactly (queries at different instants drift apart).
                for burn in ["burn_rate_1h", "burn_rate_6h"] {
                    let rate = live[burn].as_f64().unwrap_or(f64::NAN);
                    assert!(
                        (rate - consumed).abs() <= 1e-9 * consumed.abs().max(1.0),
                        "run {run} {name}: {burn} {rate} against consumed {consumed}"
                    );
                }
                match name {
                    // 0.01% bad of a 0.05% or 0.1% budget; the counters' whole-request
                    // steps and increase()'s extrapolation move it a little.
                    "healthy" => assert!((0.05..0.5).contains(&consumed), "{live:#}"),
                    "burning" => assert!(consumed > 5.0, "{live:#}"),
                    _ => assert!(consumed.abs() < 1e-9, "{live:#}"),
                }
                assert!(
                    live["notes"].as_array().unwrap().iter().any(|n| n
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("the data covers about")),
                    "{live:#}"
                );
            }
        }
    }
    // The human view names each SLO with its figures and closes with the verdict.
    let as_str: Vec<&str> = budget_args
        .iter()
        .map(String::as_str)
        .take_while(|a| *a != "--format")
        .collect();
    let human = common::stdout(&prr(dir.path(), &as_str));
    assert!(human.starts_with("live figures at "), "{human}");
    assert!(human.contains("  availability: 99.99% good;"), "{human}");
    let last = human.lines().last().unwrap_or_default();
    assert!(last.starts_with("prr: deploy blocked by "), "{last}");
    assert!(
        last.contains("error budget spent: availability (burning)"),
        "{last}"
    );
    assert!(
        !last.contains("healthy") && !last.contains("quiet"),
        "{last}"
    );
}
