//! `prr fleet github:ORG` against wiremock answering GitHub's GraphQL API as GitHub does:
//! an organisation's repositories 100 to a page along an opaque cursor, each with the
//! blobs its query asks for (`object(expression: "HEAD:prr.toml")`), a rate limit as a
//! 200 with `RATE_LIMITED` errors or a 403 secondary limit, a timeout as a 502, and an
//! unknown organisation as `NOT_FOUND`. The requests are counted from what wiremock
//! received, and the cursors asked for are read from their bodies.

#[path = "common/mock_api.rs"]
mod mock_api;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use mock_api::Api;

const TOKEN: &str = "ghp_fleetTestToken0123456789abcdef";
const AS_OF: &str = "2026-11-20";

/// Repository `i` of the generated organisation `acme` (`svc-00000` ...): a prr.toml
/// every 100th, a prr.json every 100th from 50, archived every 1000th from 999, and a few
/// that cannot be judged; the rest have no manifest.
fn repository(i: usize) -> Value {
    let name = format!("svc-{i:05}");
    let blob = |text: &str| json!({"byteSize": text.len(), "isBinary": false, "isTruncated": false, "text": text});
    let toml = || blob(&toml_manifest(&name));
    let json_manifest = || {
        blob(
            &json!({"service": {"name": name, "tier": 3, "lifecycle": "production", "owner": "@acme/json-team"}})
                .to_string(),
        )
    };
    let (toml, json) = match i {
        7 => (toml(), json_manifest()),
        13 => (
            json!({"byteSize": 2048, "isBinary": true, "isTruncated": false, "text": null}),
            Value::Null,
        ),
        17 => (
            json!({"byteSize": 3 * 1024 * 1024, "isBinary": false, "isTruncated": false, "text": null}),
            Value::Null,
        ),
        19 => (blob("[service\nname = \"broken\"\n"), Value::Null),
        // A directory named prr.toml: the query's `... on Blob` selects nothing of it.
        23 => (json!({}), Value::Null),
        _ if i % 100 == 0 => (toml(), Value::Null),
        _ if i % 100 == 50 => (Value::Null, json_manifest()),
        _ => (Value::Null, Value::Null),
    };
    json!({
        "nameWithOwner": format!("acme/{name}"),
        "isArchived": i % 1000 == 999,
        "toml": toml,
        "json": json,
    })
}

/// A complete manifest (the small fleet's ledger) renamed.
fn toml_manifest(name: &str) -> String {
    let ledger = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleet/small/ledger/prr.toml"),
    )
    .expect("the ledger manifest");
    ledger.replacen("name = \"ledger\"", &format!("name = \"{name}\""), 1)
}

/// What one request asked for.
#[derive(Clone, Debug)]
struct Asked {
    login: String,
    after: Option<String>,
    first: u64,
    at: Instant,
}

/// The organisation as GitHub's GraphQL API serves it. `faults` answer a cursor's first
/// request instead of the page (a 502, a rate limit), once each.
struct Organisation {
    repositories: Vec<Value>,
    faults: Mutex<BTreeMap<String, ResponseTemplate>>,
    asked: Arc<Mutex<Vec<Asked>>>,
}

/// The cursor before the first page.
const START: &str = "(start)";

fn cursor(index: usize) -> String {
    // Opaque as GitHub's are: prr must pass it back, never compute it.
    format!("Y3Vyc29yOnYyOpK5{index:08}")
}

fn index_of(cursor: &str) -> Option<usize> {
    cursor.strip_prefix("Y3Vyc29yOnYyOpK5")?.parse().ok()
}

impl Respond for Organisation {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let variables = &body["variables"];
        let after = variables["after"].as_str().map(str::to_owned);
        let login = variables["login"].as_str().unwrap_or_default().to_owned();
        self.asked.lock().unwrap().push(Asked {
            login: login.clone(),
            after: after.clone(),
            first: variables["first"].as_u64().unwrap_or(0),
            at: Instant::now(),
        });
        let key = after.clone().unwrap_or_else(|| START.to_owned());
        if let Some(fault) = self.faults.lock().unwrap().remove(&key) {
            return fault;
        }
        if login != "acme" {
            return ResponseTemplate::new(200).set_body_json(json!({
                "data": {"organization": null, "rateLimit": null},
                "errors": [{
                    "type": "NOT_FOUND",
                    "path": ["organization"],
                    "locations": [{"line": 5, "column": 3}],
                    "message": format!("Could not resolve to an Organization with the login of '{login}'."),
                }],
            }));
        }
        let first = usize::try_from(variables["first"].as_u64().unwrap_or(0)).unwrap_or(0);
        let start = match after.as_deref() {
            None => 0,
            Some(cursor) => match index_of(cursor) {
                Some(index) => index,
                None => {
                    return ResponseTemplate::new(200).set_body_json(json!({
                        "data": null,
                        "errors": [{"message": format!("`{cursor}` does not appear to be a valid cursor.")}],
                    }))
                }
            },
        };
        let end = (start + first.min(100)).min(self.repositories.len());
        ResponseTemplate::new(200)
            .insert_header("x-ratelimit-resource", "graphql")
            .insert_header("x-ratelimit-remaining", "4900")
            .set_body_json(json!({
                "data": {
                    "organization": {"repositories": {
                        "pageInfo": {"hasNextPage": end < self.repositories.len(), "endCursor": cursor(end)},
                        "nodes": self.repositories[start..end],
                    }},
                    "rateLimit": {"cost": 1, "remaining": 4900, "resetAt": "2026-11-20T12:00:00Z"},
                }
            }))
    }
}

/// wiremock serving `count` repositories at `at` (the GraphQL path), with `faults`.
struct Github {
    api: Api,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl Github {
    fn start(count: usize, at: &str, faults: Vec<(Option<String>, ResponseTemplate)>) -> Self {
        let api = Api::start();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let organisation = Organisation {
            repositories: (0..count).map(repository).collect(),
            faults: Mutex::new(
                faults
                    .into_iter()
                    .map(|(after, fault)| (after.unwrap_or_else(|| START.to_owned()), fault))
                    .collect(),
            ),
            asked: Arc::clone(&asked),
        };
        api.mount(
            Mock::given(method("POST"))
                .and(path(at))
                .respond_with(organisation),
        );
        Self { api, asked }
    }

    fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }

    fn cursors(&self) -> Vec<Option<String>> {
        self.asked().into_iter().map(|a| a.after).collect()
    }
}

/// `prr fleet` with the mock as GitHub; the formats go to files in `out`.
fn fleet(api_url: &str, args: &[&str], out: &Path) -> std::process::Output {
    Command::cargo_bin("prr")
        .expect("the prr binary is built")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_GRAPHQL_URL")
        .env_remove("GITHUB_TOKEN")
        .env("GITHUB_API_URL", api_url)
        .env("PRR_FLEET_TOKEN", TOKEN)
        .env("PRR_GITHUB_BACKOFF_MS", "10")
        .env("PRR_GITHUB_TIMEOUT", "60")
        .arg("fleet")
        .args(args)
        .args(["--as-of", AS_OF])
        .arg("--format")
        .arg(format!("json={}", out.join("fleet.json").display()))
        .arg("--format")
        .arg(format!("markdown={}", out.join("fleet.md").display()))
        .arg("--format")
        .arg(format!("html={}", out.join("fleet.html").display()))
        .arg("--format")
        .arg(format!("csv={}", out.join("fleet.csv").display()))
        .output()
        .expect("prr runs")
}

fn succeeded(output: &std::process::Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).expect("the format was written")
}

fn report(out: &Path) -> Value {
    serde_json::from_str(&read(out, "fleet.json")).expect("the fleet report is JSON")
}

/// The rows by source.
fn rows(report: &Value) -> BTreeMap<String, Value> {
    report["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|row| {
            (
                row["source"].as_str().expect("source").to_owned(),
                row.clone(),
            )
        })
        .collect()
}

/// The repository a row comes from (`acme/svc-00100/prr.toml` -> `acme/svc-00100`).
fn repository_of(source: &str) -> &str {
    source
        .strip_suffix("/prr.toml")
        .or_else(|| source.strip_suffix("/prr.json"))
        .unwrap_or(source)
}

/// Neither the token nor any part of its secret reaches an output.
fn token_absent(output: &std::process::Output, out: &Path) {
    let mut texts = vec![
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ];
    for file in ["fleet.json", "fleet.md", "fleet.html", "fleet.csv"] {
        texts.push(std::fs::read_to_string(out.join(file)).unwrap_or_default());
    }
    for text in texts {
        assert!(!text.contains(TOKEN), "the token leaked: {text:.300}");
        assert!(!text.contains(&TOKEN[4..20]), "part of the token leaked");
    }
}

#[test]
fn ten_thousand_repositories_cost_one_request_per_hundred_and_each_is_listed() {
    let github = Github::start(10_000, "/graphql", Vec::new());
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = fleet(&github.api.uri(), &["github:acme"], out.path());
    succeeded(&output);
    token_absent(&output, out.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "github:acme: 9990 repositories (10 archived ones left out) in 100 GraphQL requests"
        ),
        "{stderr}"
    );

    // Counted from what the server received: one request per page of 100.
    let requests = github.api.requests();
    assert!(requests.len() <= 120, "{} requests", requests.len());
    assert_eq!(requests.len(), 100);
    let first = &requests[0];
    assert_eq!(first.url.path(), "/graphql");
    let authorization = first
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(authorization.ends_with(TOKEN), "{authorization}");
    let body: Value = serde_json::from_slice(&first.body).expect("a GraphQL request");
    let query = body["query"].as_str().expect("the query");
    assert!(query.contains("isArchived: false"), "{query}");
    assert_eq!(body["variables"]["first"], 100);
    assert_eq!(body["variables"]["login"], "acme");
    // Each page is asked for from the cursor the one before it ended with.
    let expected: Vec<Option<String>> = std::iter::once(None)
        .chain((1..100).map(|page| Some(cursor(page * 100))))
        .collect();
    assert_eq!(github.cursors(), expected);
    assert!(github
        .asked()
        .iter()
        .all(|a| a.login == "acme" && a.first == 100));

    // Every repository but the ten archived ones has a row.
    let report = report(out.path());
    let rows = rows(&report);
    let listed: BTreeSet<&str> = rows.keys().map(|s| repository_of(s)).collect();
    let wanted: BTreeSet<String> = (0..10_000)
        .filter(|i| i % 1000 != 999)
        .map(|i| format!("acme/svc-{i:05}"))
        .collect();
    assert_eq!(
        listed,
        wanted.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert_eq!(rows.len(), 9_990);
    assert!(
        !rows.contains_key("acme/svc-00999"),
        "archived, so not listed"
    );

    // 100 prr.toml and 100 prr.json at the head (svc-00000's among them), less the
    // archived none of them is; five odd ones; the rest have no manifest.
    let summary = &report["summary"];
    assert_eq!(summary["services"], 9_990);
    assert_eq!(summary["errors"], 4, "{summary}");
    assert_eq!(summary["no_manifest"], 9_990 - 200 - 4);
    assert_eq!(
        summary["passing"].as_u64().unwrap() + summary["failing"].as_u64().unwrap(),
        200
    );
    let judged = &rows["acme/svc-00100/prr.toml"];
    assert_eq!(judged["status"], "judged");
    assert_eq!(judged["name"], "svc-00100");
    assert_eq!(judged["team"], "@acme/ledger");
    assert_eq!(rows["acme/svc-00150/prr.json"]["team"], "@acme/json-team");
    assert_eq!(rows["acme/svc-00001"]["status"], "no_manifest");
    assert_eq!(rows["acme/svc-00023"]["status"], "no_manifest");

    // What cannot be judged is a row of its own, said as a local file's would be.
    let message = |source: &str| {
        assert_eq!(rows[source]["status"], "error", "{source}");
        rows[source]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        message("acme/svc-00007"),
        "acme/svc-00007: both prr.toml and prr.json are in the directory `acme/svc-00007`; keep one"
    );
    assert!(message("acme/svc-00013/prr.toml").contains("a binary file"));
    let large = message("acme/svc-00017/prr.toml");
    assert!(
        large.contains("3145728") && large.contains("1048576"),
        "{large}"
    );
    let broken = message("acme/svc-00019/prr.toml");
    assert!(broken.starts_with("acme/svc-00019/prr.toml:1:"), "{broken}");

    // Every format lists the repositories without a manifest, counted and named.
    let markdown = read(out.path(), "fleet.md");
    assert!(
        markdown.contains("9786 without a manifest"),
        "{markdown:.400}"
    );
    assert!(markdown.contains("### Without a manifest"));
    assert!(markdown.contains("9786 repositories have no prr.toml or prr.json: `acme/svc-00001`"));
    assert!(markdown.contains("and 9686 more in the HTML, CSV and JSON reports."));
    assert!(markdown.len() < 65_536, "{} characters", markdown.len());
    let html = read(out.path(), "fleet.html");
    assert!(html.contains("<ul id=\"no-manifest\">"));
    assert_eq!(html.matches("<li>acme/svc-").count(), 9_786);
    let csv = read(out.path(), "fleet.csv");
    assert_eq!(csv.matches(",no manifest,").count(), 9_786);
    assert!(csv.contains("svc-00100,acme/svc-00100/prr.toml,@acme/ledger,"));
}

#[test]
fn a_502_mid_way_resumes_at_the_cursor_it_stopped_at_with_a_lighter_page_on_enterprise_server() {
    // A timeout as GitHub gives it: a 502 with an HTML page. Enterprise Server's API at
    // /api/v3 answers GraphQL at /api/graphql.
    let timeout = ResponseTemplate::new(502)
        .insert_header("content-type", "text/html")
        .set_body_string("<html><body><h1>502 Bad Gateway</h1>We couldn't respond to your request in time.</body></html>");
    let github = Github::start(500, "/api/graphql", vec![(Some(cursor(300)), timeout)]);
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = fleet(
        &format!("{}/api/v3", github.api.uri()),
        &["github:acme"],
        out.path(),
    );
    succeeded(&output);
    // The fourth page is asked for again from its own cursor, never from the start, and
    // for half as many repositories; the page after it for 100 again.
    let asked: Vec<(Option<String>, u64)> = github
        .asked()
        .into_iter()
        .map(|a| (a.after, a.first))
        .collect();
    assert_eq!(
        asked,
        vec![
            (None, 100),
            (Some(cursor(100)), 100),
            (Some(cursor(200)), 100),
            (Some(cursor(300)), 100),
            (Some(cursor(300)), 50),
            (Some(cursor(350)), 100),
            (Some(cursor(450)), 100),
        ]
    );
    let rows = rows(&report(out.path()));
    assert_eq!(rows.len(), 500);
    assert!(rows.contains_key("acme/svc-00499"));
    assert!(rows.contains_key("acme/svc-00300/prr.toml"));
    assert!(rows.contains_key("acme/svc-00350/prr.json"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("github:acme: 500 repositories in 7 GraphQL requests"),
        "{stderr}"
    );
}

#[test]
fn rate_limits_wait_as_github_asks_and_the_listing_goes_on() {
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 1;
    // The primary limit used up: 200, a RATE_LIMITED error, and the reset in the headers.
    let used_up = ResponseTemplate::new(200)
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", reset.to_string().as_str())
        .set_body_json(json!({
            "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
        }));
    // A secondary limit: 403 with retry-after.
    let secondary = ResponseTemplate::new(403)
        .insert_header("retry-after", "1")
        .set_body_json(json!({
            "documentation_url": "https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits",
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        }));
    let github = Github::start(
        300,
        "/graphql",
        vec![(Some(cursor(100)), used_up), (Some(cursor(200)), secondary)],
    );
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = fleet(&github.api.uri(), &["github:acme"], out.path());
    succeeded(&output);
    let asked = github.asked();
    let cursors: Vec<Option<String>> = asked.iter().map(|a| a.after.clone()).collect();
    assert_eq!(
        cursors,
        vec![
            None,
            Some(cursor(100)),
            Some(cursor(100)),
            Some(cursor(200)),
            Some(cursor(200)),
        ]
    );
    // The waits are the ones GitHub asked for (at least a second each), not the 10 ms
    // backoff the test sets.
    for retry in [2, 4] {
        let waited = asked[retry].at - asked[retry - 1].at;
        assert!(waited >= Duration::from_millis(900), "{waited:?}");
    }
    assert_eq!(rows(&report(out.path())).len(), 300);
}

#[test]
fn a_graphql_error_is_exit_2_naming_the_organisation_and_writes_no_report() {
    let github = Github::start(300, "/graphql", Vec::new());
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = fleet(&github.api.uri(), &["github:nope"], out.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("github:nope"), "{stderr}");
    assert!(
        stderr
            .contains("NOT_FOUND: Could not resolve to an Organization with the login of 'nope'."),
        "{stderr}"
    );
    assert!(!out.path().join("fleet.json").exists());
    token_absent(&output, out.path());
    assert_eq!(
        github.asked().len(),
        1,
        "an error that is no rate limit is not retried"
    );

    // An error on a later page ends the listing too: never a fleet short of repositories.
    let broken = ResponseTemplate::new(200).set_body_json(json!({
        "data": null,
        "errors": [{"message": "Something went wrong while executing your query. This may be the result of a timeout."}]
    }));
    let github = Github::start(300, "/graphql", vec![(Some(cursor(200)), broken)]);
    let output = fleet(&github.api.uri(), &["github:acme"], out.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("github:acme") && stderr.contains("Something went wrong"),
        "{stderr}"
    );
    assert!(!out.path().join("fleet.json").exists());
}

#[test]
fn without_a_token_nothing_is_asked_and_the_message_says_which_variable() {
    let github = Github::start(100, "/graphql", Vec::new());
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = Command::cargo_bin("prr")
        .expect("the prr binary is built")
        .env_remove("GITHUB_TOKEN")
        .env_remove("PRR_FLEET_TOKEN")
        .env_remove("GITHUB_GRAPHQL_URL")
        .env("GITHUB_API_URL", github.api.uri())
        .args(["fleet", "github:acme", "--as-of", AS_OF])
        .current_dir(out.path())
        .output()
        .expect("prr runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PRR_FLEET_TOKEN"));
    assert!(github.asked().is_empty());
    for bad in ["github:", "github:acme/payments"] {
        let output = Command::cargo_bin("prr")
            .expect("the prr binary is built")
            .env("PRR_FLEET_TOKEN", TOKEN)
            .env("GITHUB_API_URL", github.api.uri())
            .args(["fleet", bad, "--as-of", AS_OF])
            .output()
            .expect("prr runs");
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("github:ORG"));
    }
}

#[test]
fn an_organisation_mixes_with_local_checkouts_and_reports_and_shards_split_it_by_name() {
    let github = Github::start(300, "/graphql", Vec::new());
    let out = tempfile::tempdir().expect("a temporary directory");
    let reports = out.path().join("reports");
    std::fs::create_dir(&reports).expect("a reports directory");
    let check = Command::cargo_bin("prr")
        .expect("the prr binary is built")
        .args([
            "check",
            "--manifest",
            "examples/ready/prr.toml",
            "--as-of",
            AS_OF,
        ])
        .arg("--format")
        .arg(format!("json={}", reports.join("ready.json").display()))
        .output()
        .expect("prr runs");
    assert_eq!(check.status.code(), Some(0));
    let reports_dir = reports.display().to_string();
    let output = fleet(
        &github.api.uri(),
        &["github:acme", "tests/fixtures/fleet/small", &reports_dir],
        out.path(),
    );
    succeeded(&output);
    let whole = rows(&report(out.path()));
    // 300 repositories, the small fleet's 6 checkouts, and the report's one service.
    assert_eq!(whole.len(), 300 + 6 + 1);
    assert!(whole.contains_key("tests/fixtures/fleet/small/ledger/prr.toml"));
    assert!(whole
        .keys()
        .any(|s| s.ends_with("ready.json: examples/ready/prr.toml")));
    assert!(whole.contains_key("acme/svc-00200/prr.toml"));

    // Two shards: every repository in exactly one, whatever it holds.
    let mut seen: Vec<String> = Vec::new();
    for shard in ["1/2", "2/2"] {
        let output = fleet(
            &github.api.uri(),
            &["github:acme", "--shard", shard],
            out.path(),
        );
        succeeded(&output);
        let part = rows(&report(out.path()));
        assert!(
            !part.is_empty() && part.len() < 300,
            "{shard}: {}",
            part.len()
        );
        seen.extend(part.keys().map(|s| repository_of(s).to_owned()));
    }
    seen.sort();
    let all: Vec<String> = (0..300).map(|i| format!("acme/svc-{i:05}")).collect();
    assert_eq!(seen, all);
}

/// A GraphQL endpoint that answers every request with `page(first, after)`.
fn hostile(page: impl Fn(u64, Option<&str>) -> Value + Send + Sync + 'static) -> Api {
    let api = Api::start();
    api.mount(
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(move |request: &Request| {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let first = body["variables"]["first"].as_u64().unwrap_or(0);
                let after = body["variables"]["after"].as_str();
                ResponseTemplate::new(200).set_body_json(json!({
                    "data": {"organization": {"repositories": page(first, after)}}
                }))
            }),
    );
    api
}

/// Ends in exit 2 naming the reason, writes no report, and asked at most `requests` times.
fn refused(api: &Api, args: &[&str], reason: &str, requests: usize) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = fleet(&api.uri(), args, out.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("github:acme"), "{stderr}");
    assert!(stderr.contains(reason), "{reason}: {stderr}");
    assert!(!out.path().join("fleet.json").exists());
    let asked = api.requests().len();
    assert!(asked <= requests, "{asked} requests for: {reason}");
}

fn names(from: usize, count: usize) -> Vec<Value> {
    (from..from + count)
        .map(|i| json!({"nameWithOwner": format!("acme/svc-{i:05}"), "isArchived": false, "toml": null, "json": null}))
        .collect()
}

#[test]
fn a_cursor_that_alternates_is_a_loop_and_exit_2_after_two_pages() {
    // A, B, A, B ...: each page new rows, so a listing that only compares a cursor with
    // the one before would follow it for ever.
    let api = hostile(|first, after| {
        let (next, from) = match after {
            Some("A") => ("B", 100),
            Some(_) => ("A", 200),
            None => ("A", 0),
        };
        json!({
            "pageInfo": {"hasNextPage": true, "endCursor": next},
            "nodes": names(from, usize::try_from(first).unwrap_or(0).min(100)),
        })
    });
    refused(
        &api,
        &["github:acme"],
        "came back to a cursor it gave before (\"A\")",
        3,
    );
}

#[test]
fn a_page_larger_than_asked_for_is_exit_2_before_its_rows_are_read() {
    let api = hostile(|_, _| {
        json!({
            "pageInfo": {"hasNextPage": false, "endCursor": null},
            "nodes": names(0, 10_000),
        })
    });
    refused(
        &api,
        &["github:acme"],
        "GitHub answered with 10000 repositories in a page of 100 asked for",
        1,
    );
}

#[test]
fn a_repository_listed_twice_or_under_a_name_github_forbids_is_exit_2() {
    let api = hostile(|_, after| {
        let (nodes, more) = match after {
            None => (names(0, 100), true),
            _ => (names(99, 2), false),
        };
        json!({"pageInfo": {"hasNextPage": more, "endCursor": "next"}, "nodes": nodes})
    });
    refused(
        &api,
        &["github:acme"],
        "GitHub listed acme/svc-00099 twice",
        2,
    );

    for bad in ["../../x", "acme/../../x", "acme/pay\u{7}", "other/pay"] {
        let name = bad.to_owned();
        let api = hostile(move |_, _| {
            json!({
                "pageInfo": {"hasNextPage": false, "endCursor": null},
                "nodes": [{"nameWithOwner": name, "isArchived": false, "toml": null, "json": null}],
            })
        });
        refused(
            &api,
            &["github:acme"],
            "which is not the name of a repository of acme",
            1,
        );
    }
}

#[test]
fn the_total_of_repositories_is_bounded() {
    let github = Github::start(1_000, "/graphql", Vec::new());
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = Command::cargo_bin("prr")
        .expect("the prr binary is built")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_GRAPHQL_URL")
        .env_remove("GITHUB_TOKEN")
        .env("GITHUB_API_URL", github.api.uri())
        .env("PRR_FLEET_TOKEN", TOKEN)
        .env("PRR_FLEET_MAX_REPOSITORIES", "250")
        .args(["fleet", "github:acme", "--as-of", AS_OF, "--format"])
        .arg(format!("json={}", out.path().join("fleet.json").display()))
        .output()
        .expect("prr runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than 250 repositories"), "{stderr}");
    assert!(!out.path().join("fleet.json").exists());
    assert_eq!(
        github.asked().len(),
        3,
        "it stops on the page that crosses the bound"
    );
}
