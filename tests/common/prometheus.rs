//! A real Prometheus for the tests (Debian's `prometheus` package, with `promtool`): a TSDB
//! backfilled from OpenMetrics text holding 28 days of request counters, the alerting
//! rules of `tests/fixtures/prometheus/`, served on a free loopback port and killed on drop.
//!
//! Without the binaries the tests that need them are skipped with a message, except under
//! `PRR_REQUIRE_TOOLS=1` (set by `.ci/run`), where a missing Prometheus is a failure: a
//! check that needs a real server must never pass by not running (tools.rs).
//!
//! Include it with `#[path = "common/prometheus.rs"] mod prometheus;`.

#![allow(dead_code)] // each test file uses part of it

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

// A test that includes this file and others sharing the guard loads tools.rs once for
// each: one small module, not worth a second way of including it.
#[allow(clippy::duplicate_mod)]
#[path = "tools.rs"]
mod tools;

/// How far back the counters reach: the longest window the tests query (28 days) and a day
/// more, so that a 28-day range is full.
pub const DAYS: u64 = 29;
/// The recent past, sampled densely (every `DENSE_STEP`): enough for 1 h and 6 h burn rates.
pub const DENSE_HOURS: u64 = 24;
pub const DENSE_STEP: u64 = 300;
/// Older samples are 12 hours apart. `promtool` (2.42) writes one block per two hours of data
/// and reads its whole input once per block; sparse history keeps that to some 80 blocks
/// instead of 350, and a counter's increase over 28 days is the same either way.
pub const SPARSE_STEP: u64 = 12 * 3600;

/// One service's request counters: `http_requests_total{job, code="200"}` and
/// `{job, code="500"}`, growing by a fixed number of requests per minute, so that
/// good / total is exactly `good_per_minute / (good_per_minute + bad_per_minute)`.
#[derive(Clone, Debug)]
pub struct Traffic {
    pub job: String,
    pub good_per_minute: u64,
    pub bad_per_minute: u64,
    /// How many days back the counters reach (at most `DAYS`): a younger service.
    pub days: u64,
}

impl Traffic {
    pub fn new(job: &str, good_per_minute: u64, bad_per_minute: u64) -> Self {
        Self {
            job: job.to_owned(),
            good_per_minute,
            bad_per_minute,
            days: DAYS,
        }
    }

    /// A service whose counters start `days` ago.
    pub fn since_days(self, days: u64) -> Self {
        Self { days, ..self }
    }
}

/// The sample times, oldest first, ending at `end` (seconds since the epoch).
pub fn sample_times(end: u64) -> Vec<u64> {
    let start = end - DAYS * 86_400;
    let dense_from = end - DENSE_HOURS * 3600;
    let mut times: Vec<u64> = (0..)
        .map(|i| start + i * SPARSE_STEP)
        .take_while(|t| *t < dense_from)
        .collect();
    times.extend(
        (0..)
            .map(|i| dense_from + i * DENSE_STEP)
            .take_while(|t| *t <= end),
    );
    times
}

/// OpenMetrics text for the services' counters, each series' samples in time order.
pub fn openmetrics(services: &[Traffic], end: u64) -> String {
    let times = sample_times(end);
    let start = times[0];
    let mut text =
        String::from("# HELP http_requests Requests served.\n# TYPE http_requests counter\n");
    for service in services {
        for (code, per_minute) in [
            ("200", service.good_per_minute),
            ("500", service.bad_per_minute),
        ] {
            let born = end - service.days * 86_400;
            let first = times.iter().copied().find(|t| *t >= born).unwrap_or(start);
            for t in times.iter().filter(|t| **t >= first) {
                let value = (t - first) / 60 * per_minute;
                writeln!(
                    text,
                    "http_requests_total{{job=\"{}\",code=\"{code}\"}} {value} {t}",
                    service.job
                )
                .unwrap();
            }
        }
    }
    text.push_str("# EOF\n");
    text
}

/// Whether the tests that need Prometheus can run here: `None` when they can, else the
/// reason they are skipped. Panics under `PRR_REQUIRE_TOOLS=1` (`.ci/run`), where skipping
/// would pass silently.
pub fn unavailable() -> Option<String> {
    let missing: Vec<&str> = ["prometheus", "promtool"]
        .into_iter()
        .filter(|tool| which(tool).is_none())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let why = format!(
        "{} not installed (Debian: apt-get install prometheus)",
        missing.join(" and ")
    );
    tools::missing(&why);
    Some(why)
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(tool))
            .find(|candidate| candidate.is_file())
    })
}

/// A running Prometheus, killed when dropped.
pub struct Prometheus {
    child: Child,
    _dir: TempDir,
    pub port: u16,
    /// When the backfilled data ends (seconds since the epoch).
    pub end: u64,
    log: PathBuf,
}

impl Prometheus {
    /// Backfills `services` and starts Prometheus with the rule files `rule_files` (paths
    /// relative to `tests/fixtures/prometheus/`). `None` (with a skip message) when
    /// Prometheus is not installed outside CI.
    pub fn start(services: &[Traffic], rule_files: &[&str]) -> Option<Self> {
        if unavailable().is_some() {
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let end = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 60
            * 60;
        let input = dir.path().join("counters.om");
        std::fs::write(&input, openmetrics(services, end)).unwrap();
        let data = dir.path().join("data");
        let out = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
            .arg(&input)
            .arg(&data)
            .output()
            .expect("promtool runs");
        assert!(
            out.status.success(),
            "promtool tsdb create-blocks-from openmetrics: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prometheus");
        let mut config = String::from("global:\n  evaluation_interval: 1m\nrule_files:\n");
        for file in rule_files {
            writeln!(
                config,
                "  - {:?}",
                fixtures.join(file).display().to_string()
            )
            .unwrap();
        }
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        // The backfilled blocks reach 29 days back: a retention as long as the default
        // (15 days) would delete half of them at start.
        let server = Self::spawn(dir, &config_file, end, "3650d");
        server.wait_until_ready(rule_files.len());
        Some(server)
    }

    /// Runs `prometheus` with `config_file` and its TSDB in `dir`, on a free loopback port.
    fn spawn(dir: TempDir, config_file: &Path, end: u64, retention: &str) -> Self {
        let data = dir.path().join("data");
        let log = dir.path().join("prometheus.log");
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--storage.tsdb.retention.time={retention}"))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("prometheus starts");
        Self {
            child,
            _dir: dir,
            port,
            end,
            log,
        }
    }

    /// Starts Prometheus with an empty TSDB, scraping `targets` (`127.0.0.1:PORT`) every
    /// second, the targets' own `job` labels kept (`honor_labels`). `None` (with a skip
    /// message) when Prometheus is not installed outside CI.
    pub fn scraping(targets: &[String]) -> Option<Self> {
        if unavailable().is_some() {
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let list: Vec<String> = targets.iter().map(|t| format!("{t:?}")).collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    honor_labels: true\n    static_configs:\n      - targets: [{}]\n",
            list.join(", ")
        );
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        let end = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let server = Self::spawn(dir, &config_file, end, "1d");
        server.wait_until_ready(0);
        Some(server)
    }

    /// The server's log so far, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until the server answers `/-/ready` and has loaded every rule group file.
    fn wait_until_ready(&self, rule_files: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = get(self.port, "/-/ready").is_some_and(|(status, _)| status == 200)
                && get(self.port, "/api/v1/rules").is_some_and(|(status, body)| {
                    status == 200 && body.matches("\"file\":").count() >= rule_files
                });
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "prometheus did not become ready in 60 s: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// An instant query's raw JSON answer, for tests that check the data itself.
    pub fn query(&self, promql: &str) -> String {
        let encoded: String = promql
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let (status, body) =
            get(self.port, &format!("/api/v1/query?query={encoded}")).expect("prometheus answers");
        assert_eq!(status, 200, "{body}");
        body
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// A plain HTTP/1.0 GET on loopback: the status and the body, `None` when nobody answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split_whitespace().nth(1)?.parse().ok()?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Some((status, body))
}
