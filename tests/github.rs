//! Publishing to GitHub, against a local wiremock server standing in for the API: the
//! binary runs as it would in Actions, with `GITHUB_*` pointing at the mock.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghs_Distinctive0Token1For2Leak3Tests4";
const SHA: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const AS_OF: &str = "2026-11-21";
/// Who the workflow's own token comments as (`GET /user` refuses such a token).
const BOT: &str = "github-actions[bot]";
const UNREADY: &str = "examples/unready/prr.toml";
const READY: &str = "examples/ready/prr.toml";
/// `prr check` of `manifest`, as of the pinned date.
fn judge(manifest: &str) -> [&str; 5] {
    ["check", "--manifest", manifest, "--as-of", AS_OF]
}

/// `prr check --publish` of the example that fails the gate.
const CHECK_UNREADY: [&str; 6] = [
    "check",
    "--manifest",
    UNREADY,
    "--as-of",
    AS_OF,
    "--publish",
];

/// The mock server and the runtime it runs on (kept alive while the binary runs).
struct Api {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    dir: tempfile::TempDir,
}

impl Api {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime.block_on(MockServer::start());
        Self {
            runtime,
            server,
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    fn reset(&self) {
        self.runtime.block_on(self.server.reset());
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `prr` with the environment of an Actions job for `event_name` with `event`.
    fn prr(&self, event_name: &str, event: &Value) -> Command {
        let event_path = self.file("event.json");
        std::fs::write(&event_path, event.to_string()).expect("the event is written");
        let mut cmd = Command::cargo_bin("prr").expect("the prr binary is built");
        for name in [
            "GITHUB_SHA",
            "PRR_RULES_TOKEN",
            "INPUT_TOKEN",
            "PRR_COMMENT",
            "GITHUB_RUN_ATTEMPT",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.server.uri())
            .env("GITHUB_REPOSITORY", "acme/payments")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_RUN_ID", "99")
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("PRR_GITHUB_BACKOFF_MS", "10")
            .env("PRR_GITHUB_TIMEOUT", "20");
        cmd
    }

    fn check(&self, manifest: &str) -> Output {
        self.prr("pull_request", &pull_request_event())
            .args(judge(manifest))
            .arg("--publish")
            .output()
            .expect("prr runs")
    }

    fn of(&self, verb: &str, suffix: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(suffix))
            .collect()
    }
}

fn pull_request_event() -> Value {
    json!({"action": "opened", "number": 7, "pull_request": {"number": 7, "head": {"sha": SHA}}})
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn marker(manifest: &str) -> String {
    prr_gate::github::comment::marker(&[manifest.to_owned()])
}

fn no_comments() -> Mock {
    listed(json!([]))
}

/// The pull request's comments list as `comments`.
fn listed(comments: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/repos/acme/payments/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comments))
}

/// Comment `id` may be updated.
fn comment_updates(api: &Api, id: u64) {
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("/repos/acme/payments/issues/comments/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": id}))),
    );
}

/// A comment on pull request 7 is created as `id`.
fn comment_creates(api: &Api, id: u64) {
    api.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/payments/issues/7/comments"))
            .respond_with(created(id)),
    );
}

fn created(id: u64) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({"id": id}))
}

fn check_runs_ok(api: &Api) {
    api.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/payments/check-runs"))
            .respond_with(created(555)),
    );
    api.mount(
        Mock::given(method("PATCH"))
            .and(path("/repos/acme/payments/check-runs/555"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 555}))),
    );
}

#[test]
fn a_failing_gate_creates_the_comment_and_a_later_run_updates_it() {
    let api = Api::start();
    api.mount(no_comments());
    comment_creates(&api, 1001);
    check_runs_ok(&api);
    let first = api.check(UNREADY);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let posted = api.of("POST", "/issues/7/comments");
    assert_eq!(posted.len(), 1);
    let body = body_of(&posted[0])["body"]
        .as_str()
        .expect("a body")
        .to_owned();
    assert!(body.starts_with(&marker(UNREADY)), "{body}");
    assert!(body.contains("the gate failed"), "{body}");
    let auth = posted[0].headers.get("authorization").expect("authorized");
    assert_eq!(auth.to_str().ok(), Some(format!("Bearer {TOKEN}").as_str()));

    // The gate is fixed: the next run finds the comment and updates it in place, green.
    api.reset();
    api.mount(listed(json!([
        {"id": 1000, "body": "LGTM", "user": {"login": "reviewer"}},
        {"id": 1001, "body": body, "user": {"login": BOT}},
    ])));
    comment_updates(&api, 1001);
    check_runs_ok(&api);
    // The head commit now holds a ready manifest: `prr publish` judges it itself (an
    // artifact never decides), and the artifact says the same.
    head_holds(
        &api,
        &[(
            UNREADY,
            std::fs::read_to_string(READY).expect("the example"),
        )],
    );
    let report = passing_report_for(&api, UNREADY);
    let again = api
        .prr("pull_request", &pull_request_event())
        .args(["publish", "--manifest", UNREADY, "--as-of", AS_OF])
        .arg(&report)
        .output()
        .expect("prr runs");
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(api.of("POST", "/issues/7/comments").is_empty());
    let patched = api.of("PATCH", "/issues/comments/1001");
    assert_eq!(patched.len(), 1);
    let new_body = body_of(&patched[0])["body"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(new_body.starts_with(&marker(UNREADY)));
    assert!(new_body.contains("the gate passed"), "{new_body}");
    assert!(!new_body.contains("the gate failed"), "{new_body}");
}

/// A report for `manifest` whose findings are all fixed: the same manifest set, green.
fn passing_report_for(api: &Api, manifest: &str) -> PathBuf {
    let mut report = report_of(api, READY);
    report["services"][0]["manifest"] = json!(manifest);
    for result in report["results"].as_array_mut().into_iter().flatten() {
        result["manifest"] = json!(manifest);
    }
    let path = api.file("passing.json");
    std::fs::write(&path, report.to_string()).expect("written");
    path
}

fn report_of(api: &Api, manifest: &str) -> Value {
    let out = api.file("report.json");
    let status = Command::cargo_bin("prr")
        .expect("built")
        .env("NO_COLOR", "1")
        .args(judge(manifest))
        .arg("--format")
        .arg(format!("json={}", out.display()))
        .output()
        .expect("prr runs");
    assert!(status.status.code().is_some_and(|c| c <= 1));
    serde_json::from_str(&std::fs::read_to_string(&out).expect("a report")).expect("JSON")
}

#[test]
fn the_marker_is_found_on_page_three_of_250_comments() {
    let api = Api::start();
    let page = |from: u64, count: u64| -> Vec<Value> {
        (from..from + count)
            .map(|id| json!({"id": id, "body": format!("comment {id}")}))
            .collect()
    };
    let link = |n: u32| {
        format!(
            "<{}/repositories/1/issues/7/comments?per_page=100&page={n}>; rel=\"next\", <{}/repositories/1/issues/7/comments?per_page=100&page=3>; rel=\"last\"",
            api.server.uri(),
            api.server.uri()
        )
    };
    let comments = "/repos/acme/payments/issues/7/comments";
    api.mount(
        Mock::given(method("GET"))
            .and(path(comments))
            .and(query_param_is_missing("page"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(page(1, 100))
                    .insert_header("link", link(2).as_str()),
            ),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/1/issues/7/comments"))
            .and(query_param("page", "2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(page(101, 100))
                    .insert_header("link", link(3).as_str()),
            ),
    );
    let mut last = page(201, 50);
    last[17] = json!({"id": 218, "body": format!("{}\nold verdict", marker(UNREADY)), "user": {"login": BOT}});
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/1/issues/7/comments"))
            .and(query_param("page", "3"))
            .respond_with(ResponseTemplate::new(200).set_body_json(last)),
    );
    comment_updates(&api, 218);
    check_runs_ok(&api);
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(api.of("GET", "/comments").len(), 3);
    assert_eq!(api.of("PATCH", "/issues/comments/218").len(), 1);
    assert!(api.of("POST", "/comments").is_empty(), "no second comment");
}

#[test]
fn one_hundred_twenty_findings_take_three_annotation_requests() {
    let api = Api::start();
    // The unready example with critical dependencies that name no owner, SLA, timeout or
    // retries: a finding of each rule for each.
    let mut manifest = std::fs::read_to_string(UNREADY).expect("the example");
    for i in 0..30 {
        manifest.push_str(&format!(
            "\n[[dependency]]\nname = \"extra-{i}\"\ncritical = true\n"
        ));
    }
    let big = api.file("big/prr.toml");
    std::fs::create_dir_all(big.parent().expect("a directory")).expect("created");
    std::fs::write(&big, manifest).expect("written");
    let json = api.file("big.json");
    api.mount(no_comments());
    comment_creates(&api, 1);
    check_runs_ok(&api);
    let out = api
        .prr("pull_request", &pull_request_event())
        .args(["check", "--manifest"])
        .arg(&big)
        .args(["--as-of", AS_OF, "--publish", "--format"])
        .arg(format!("json={}", json.display()))
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("a report")).expect("JSON");
    let located = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "fail" && !r["location"].is_null())
        .count();
    assert!(located > 100, "{located} findings");
    let created_ = api.of("POST", "/check-runs");
    let updated = api.of("PATCH", "/check-runs/555");
    assert_eq!(created_.len() + updated.len(), located.div_ceil(50));
    let counts: Vec<usize> = created_
        .iter()
        .chain(&updated)
        .map(|r| {
            body_of(r)["output"]["annotations"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    let mut expected = vec![50; located / 50];
    if located % 50 != 0 {
        expected.push(located % 50);
    }
    assert_eq!(counts, expected);
    let first = body_of(&created_[0]);
    assert_eq!(first["head_sha"], SHA);
    assert_eq!(first["name"], "prr");
    assert_eq!(first["conclusion"], "failure");
    assert_eq!(
        first["output"]["annotations"][0]["annotation_level"],
        "failure"
    );
}

#[test]
fn a_read_only_token_falls_back_to_annotations_and_keeps_the_verdict() {
    let api = Api::start();
    let refused = ResponseTemplate::new(403)
        .set_body_json(json!({"message": "Resource not accessible by integration"}));
    api.mount(no_comments());
    api.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/payments/issues/7/comments"))
            .respond_with(refused.clone()),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/payments/check-runs"))
            .respond_with(refused),
    );
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let errors = stdout.lines().filter(|l| l.starts_with("::error ")).count();
    let warnings = stdout
        .lines()
        .filter(|l| l.starts_with("::warning "))
        .count();
    assert_eq!(errors, 10, "{stdout}");
    assert!(warnings <= 10);
    assert!(stdout.contains("::error file=examples/unready/prr.toml,line="));
    assert!(stdout.contains("::notice title=prr%3A "), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(stderr.contains("workflow_run") && stderr.contains("docs/github-actions.md"));
    let summary = std::fs::read_to_string(api.file("summary.md")).expect("a job summary");
    assert!(summary.contains("the gate failed"));
    let outputs = std::fs::read_to_string(api.file("output")).expect("outputs");
    assert!(outputs.starts_with("verdict<<"), "{outputs}");
    assert!(outputs.contains("\nfail\n"));
}

#[test]
fn a_502_then_success_creates_exactly_one_comment() {
    let api = Api::start();
    api.mount(no_comments());
    let comments = "/repos/acme/payments/issues/7/comments";
    api.mount(
        Mock::given(method("POST"))
            .and(path(comments))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(comments))
            .respond_with(created(3))
            .with_priority(2),
    );
    check_runs_ok(&api);
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(api.of("POST", "/issues/7/comments").len(), 2);
    // Before the retry, it looked again for a comment the lost attempt may have made.
    assert_eq!(api.of("GET", "/issues/7/comments").len(), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("commented on pull request #7"));
}

#[test]
fn a_create_whose_answer_was_lost_is_not_made_twice() {
    let api = Api::start();
    let comments = "/repos/acme/payments/issues/7/comments";
    api.mount(no_comments().up_to_n_times(1).with_priority(1));
    // The 502 came after GitHub had made the comment: the next listing shows it.
    api.mount(
        Mock::given(method("GET"))
            .and(path(comments))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([{"id": 4, "body": format!("{}\n...", marker(UNREADY)), "user": {"login": BOT}}])),
            )
            .with_priority(2),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(comments))
            .respond_with(ResponseTemplate::new(502)),
    );
    comment_updates(&api, 4);
    check_runs_ok(&api);
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(api.of("POST", "/issues/7/comments").len(), 1);
    assert_eq!(api.of("PATCH", "/issues/comments/4").len(), 1);
}

#[test]
fn a_secondary_rate_limit_is_waited_out() {
    let api = Api::start();
    api.mount(no_comments());
    comment_creates(&api, 1);
    api.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/payments/check-runs"))
            .respond_with(
                ResponseTemplate::new(403)
                    .insert_header("retry-after", "1")
                    .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/payments/commits/{SHA}/check-runs"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"total_count": 0, "check_runs": []})),
            ),
    );
    check_runs_ok(&api);
    let started = Instant::now();
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "retry-after was not honoured"
    );
    assert_eq!(api.of("POST", "/check-runs").len(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("check run `prr`"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn publish_strict_turns_a_failure_to_publish_into_exit_2() {
    let api = Api::start();
    api.mount(Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)));
    api.mount(Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)));
    let out = api.check(UNREADY);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failure to publish keeps the verdict: {}",
        text(&out)
    );
    let strict = api
        .prr("pull_request", &pull_request_event())
        .args(CHECK_UNREADY)
        .arg("--publish-strict")
        .output()
        .expect("prr runs");
    assert_eq!(strict.status.code(), Some(2), "{}", text(&strict));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("gave up after"));
}

#[test]
fn the_token_never_appears_in_any_output() {
    let api = Api::start();
    // A server that echoes the token back in its error message, on every call.
    let echo = ResponseTemplate::new(422).set_body_json(json!({
        "message": format!("Validation Failed for token {TOKEN}"),
        "errors": [{"message": format!("Bearer {TOKEN} is not allowed here")}],
    }));
    api.mount(Mock::given(method("GET")).respond_with(echo.clone()));
    api.mount(Mock::given(method("POST")).respond_with(echo));
    let mut everything = String::new();
    for args in [
        CHECK_UNREADY.to_vec(),
        vec![
            "check",
            "--manifest",
            READY,
            "--as-of",
            AS_OF,
            "--rules",
            "github:acme/rules/pack@v1",
        ],
    ] {
        let out = api
            .prr("pull_request", &pull_request_event())
            .env("PRR_RULES_TOKEN", TOKEN)
            .args(&args)
            .output()
            .expect("prr runs");
        everything.push_str(&text(&out));
    }
    // A connection refused, and a token that is not a header value.
    for (variable, value) in [
        ("GITHUB_API_URL", "http://127.0.0.1:9".to_owned()),
        ("GITHUB_TOKEN", format!("{TOKEN}\u{7}")),
    ] {
        let out = api
            .prr("pull_request", &pull_request_event())
            .env(variable, value)
            .args(CHECK_UNREADY)
            .output()
            .expect("prr runs");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        everything.push_str(&text(&out));
    }
    for name in ["summary.md", "output"] {
        everything.push_str(&std::fs::read_to_string(api.file(name)).unwrap_or_default());
    }
    // The calls were made with the token, and their errors reached the output...
    assert!(api.requests().iter().any(|r| r
        .headers
        .get("authorization")
        .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains(TOKEN)))));
    assert!(
        everything.contains("Validation Failed for token ***"),
        "{everything}"
    );
    // ...but the token never did.
    assert!(!everything.contains(TOKEN), "{everything}");
    assert!(!everything.contains(&TOKEN[4..20]), "{everything}");
}

#[test]
fn the_token_is_in_no_report_format() {
    let api = Api::start();
    // Every call fails, so every error path runs with the token in the environment.
    api.mount(Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)));
    api.mount(Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)));
    let formats = ["json", "sarif", "junit", "markdown", "github"];
    let mut args: Vec<String> = CHECK_UNREADY.iter().map(|s| (*s).to_owned()).collect();
    args.extend(["--format".to_owned(), "human".to_owned()]);
    for format in formats {
        args.push("--format".to_owned());
        args.push(format!(
            "{format}={}",
            api.file(&format!("report.{format}")).display()
        ));
    }
    let out = api
        .prr("pull_request", &pull_request_event())
        .env("PRR_RULES_TOKEN", TOKEN)
        .env("PRR_GITHUB_TIMEOUT", "2")
        .args(&args)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let mut everything = text(&out);
    for format in formats {
        let written =
            std::fs::read_to_string(api.file(&format!("report.{format}"))).expect("written");
        assert!(!written.is_empty(), "{format}");
        everything.push_str(&written);
    }
    for name in ["summary.md", "output"] {
        everything.push_str(&std::fs::read_to_string(api.file(name)).unwrap_or_default());
    }
    assert!(
        everything.contains("publishing"),
        "the publish errors were reported: {everything}"
    );
    assert!(!everything.contains(TOKEN), "{everything}");
    assert!(!everything.contains(&TOKEN[4..20]), "{everything}");
}

/// The summaries of a report whose results were edited, counted again as prr counts them
/// (a report that disagrees with itself is not published).
fn recount(report: &mut Value) {
    let mut summary = json!({"passed": 0, "failed": 0, "warnings": 0, "waived": 0, "skipped": 0});
    for result in report["results"].as_array().into_iter().flatten() {
        let field = match (result["status"].as_str(), result["severity"].as_str()) {
            (Some("pass"), _) => "passed",
            (Some("waived"), _) => "waived",
            (Some("skipped"), _) => "skipped",
            (_, Some("error")) => "failed",
            _ => "warnings",
        };
        summary[field] = json!(summary[field].as_u64().unwrap_or(0) + 1);
    }
    report["summary"] = summary.clone();
    report["services"][0]["summary"] = summary;
}

/// The repository at the head commit holds `files` (path, text): the tree listing and the
/// contents API answer as GitHub does.
fn head_holds(api: &Api, files: &[(&str, String)]) {
    let tree: Vec<Value> = files
        .iter()
        .map(|(p, _)| json!({"path": p, "type": "blob", "mode": "100644"}))
        .chain([json!({"path": "README.md", "type": "blob"})])
        .collect();
    head_at(api, SHA, &tree, files);
}

/// The commit `sha` lists `tree` (git/trees entries) and serves the contents of `files`.
fn head_at<S: AsRef<str>>(api: &Api, sha: &str, tree: &[Value], files: &[(S, String)]) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/payments/git/trees/{sha}")))
            .and(query_param("recursive", "1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"sha": sha, "tree": tree, "truncated": false})),
            ),
    );
    for (name, text) in files {
        let name = name.as_ref();
        api.mount(
            Mock::given(method("GET"))
                .and(path(format!("/repos/acme/payments/contents/{name}")))
                .and(query_param("ref", sha))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "type": "file", "name": name, "path": name, "encoding": "base64",
                    "content": base64::engine::general_purpose::STANDARD.encode(text),
                }))),
        );
    }
}

fn fork_run_event() -> Value {
    json!({"action": "completed", "workflow_run": {
        "event": "pull_request", "head_sha": SHA, "pull_requests": [],
        "head_repository": {"full_name": "stranger/payments"}}})
}

fn fork_pull_request(api: &Api) {
    fork_pull_request_among(
        api,
        &json!([{"number": 42, "state": "open", "head": {"sha": SHA}}]),
    );
}

/// A fork's pull request 42, found among `pulls` by the head commit, with no comments yet.
fn fork_pull_request_among(api: &Api, pulls: &Value) {
    fork_pull_request_at(api, SHA, pulls);
}

/// As [`fork_pull_request_among`], for the head commit `sha`.
fn fork_pull_request_at(api: &Api, sha: &str, pulls: &Value) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/payments/commits/{sha}/pulls")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pulls)),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/payments/issues/42/comments"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/payments/issues/42/comments"))
            .respond_with(created(9)),
    );
    check_runs_ok(api);
}

/// `prr publish` of `artifact` in the privileged job of a fork's pull request whose head
/// holds the unready example: the check run's body and the comment's, and the output.
fn publish_in_the_privileged_job(artifact: &Value) -> (Value, String, Output) {
    let api = Api::start();
    head_holds(
        &api,
        &[(
            UNREADY,
            std::fs::read_to_string(UNREADY).expect("the example"),
        )],
    );
    fork_pull_request(&api);
    let report = api.file("artifact.json");
    std::fs::write(&report, artifact.to_string()).expect("written");
    let out = api
        .prr("workflow_run", &fork_run_event())
        .args(["publish", "--manifest", "examples", "--as-of", AS_OF])
        .arg(&report)
        .output()
        .expect("prr runs");
    let runs = api.of("POST", "/check-runs");
    assert_eq!(runs.len(), 1, "{}", text(&out));
    let comments = api.of("POST", "/issues/42/comments");
    assert_eq!(comments.len(), 1, "{}", text(&out));
    let comment = body_of(&comments[0])["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (body_of(&runs[0]), comment, out)
}

#[test]
fn a_forged_verdict_publishes_the_privileged_judgement() {
    let mut forged = report_of(&Api::start(), UNREADY);
    forged["verdict"] = json!("pass");
    forged["services"][0]["verdict"] = json!("pass");
    let (run, comment, out) = publish_in_the_privileged_job(&forged);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(run["conclusion"], "failure");
    assert_eq!(run["head_sha"], SHA);
    assert!(
        comment.contains("the report from the pull request's job does not match"),
        "{comment}"
    );
    assert!(comment.contains("its verdict is pass, this judgement's is fail"));
    assert!(text(&out).contains("the report from the pull request's job does not match"));
}

#[test]
fn deleted_failures_are_found_and_the_judgement_still_fails() {
    let mut forged = report_of(&Api::start(), UNREADY);
    let kept: Vec<Value> = forged["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] != "fail")
        .cloned()
        .collect();
    forged["results"] = json!(kept);
    recount(&mut forged);
    forged["verdict"] = json!("pass");
    forged["services"][0]["verdict"] = json!("pass");
    let (run, comment, out) = publish_in_the_privileged_job(&forged);
    assert_eq!(run["conclusion"], "failure", "{}", text(&out));
    assert!(
        run["output"]["annotations"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "the deleted findings are annotated again"
    );
    assert!(
        comment.contains("the report from the pull request's job does not match"),
        "{comment}"
    );
    assert!(comment.contains("only this judgement has"), "{comment}");
}

#[test]
fn an_honest_artifact_publishes_without_a_mismatch_note() {
    let honest = report_of(&Api::start(), UNREADY);
    let (run, comment, out) = publish_in_the_privileged_job(&honest);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(run["conclusion"], "failure");
    assert!(!comment.contains("does not match"), "{comment}");
    assert!(text(&out).contains("matches the judgement of the head commit"));
}

#[test]
fn a_report_that_disagrees_with_itself_is_never_published() {
    let api = Api::start();
    let mut edited = report_of(&api, UNREADY);
    edited["verdict"] = json!("pass");
    let report = api.file("edited.json");
    std::fs::write(&report, edited.to_string()).expect("written");
    // Where there is no head commit to judge, it is refused.
    let out = Command::cargo_bin("prr")
        .expect("built")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_EVENT_PATH")
        .arg("publish")
        .arg(&report)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("disagrees with itself"),
        "{}",
        text(&out)
    );
    assert!(api.requests().is_empty(), "nothing was posted");
    // In a job, prr judges the head commit and publishes that, naming the disagreement.
    head_holds(
        &api,
        &[(
            UNREADY,
            std::fs::read_to_string(UNREADY).expect("the example"),
        )],
    );
    api.mount(no_comments());
    comment_creates(&api, 1);
    check_runs_ok(&api);
    let out = api
        .prr("pull_request", &pull_request_event())
        .args(["publish", "--manifest", UNREADY, "--as-of", AS_OF])
        .arg(&report)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = api.of("POST", "/check-runs");
    assert_eq!(body_of(&runs[0])["conclusion"], "failure");
    let comments = api.of("POST", "/issues/7/comments");
    let body = body_of(&comments[0])["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(body.contains("disagrees with itself"), "{body}");
}

#[test]
fn unreachable_head_contents_never_publish_the_artifact_s_pass() {
    let api = Api::start();
    fork_pull_request(&api);
    let report = api.file("artifact.json");
    std::fs::write(&report, report_of(&api, READY).to_string()).expect("written");
    let out = api
        .prr("workflow_run", &fork_run_event())
        .args(["publish", "--as-of", AS_OF])
        .arg(&report)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("cannot read the manifests at the head commit"));
    let runs = api.of("POST", "/check-runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(body_of(&runs[0])["conclusion"], "failure");
}

#[test]
fn a_fork_workflow_run_finds_its_pull_request_by_commit() {
    let api = Api::start();
    head_holds(
        &api,
        &[(
            UNREADY,
            std::fs::read_to_string(UNREADY).expect("the example"),
        )],
    );
    let report = api.file("fork.json");
    std::fs::write(&report, report_of(&api, UNREADY).to_string()).expect("written");
    fork_pull_request_among(
        &api,
        &json!([
            {"number": 12, "state": "closed", "head": {"sha": "0000000000000000000000000000000000000000"}},
            {"number": 42, "state": "open", "head": {"sha": SHA}},
        ]),
    );
    let event = json!({"action": "completed", "workflow_run": {
        "event": "pull_request", "head_sha": SHA, "pull_requests": [],
        "head_repository": {"full_name": "stranger/payments"}}});
    let out = api
        .prr("workflow_run", &event)
        .env("GITHUB_SHA", "ffffffffffffffffffffffffffffffffffffffff")
        .args(["publish", "--manifest", UNREADY, "--as-of", AS_OF])
        .arg(&report)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(api.of("POST", "/issues/42/comments").len(), 1);
    let run = body_of(&api.of("POST", "/check-runs")[0]);
    assert_eq!(run["head_sha"], SHA, "the run's head, not GITHUB_SHA");
}

#[test]
fn rules_come_from_a_pinned_ref_through_the_contents_api() {
    let api = Api::start();
    let rules_token = "ghp_RulesReaderToken0123456789";
    let file = |name: &str, text: &str| {
        json!({"type": "file", "name": name, "path": format!("packs/acme/{name}"),
               "encoding": "base64",
               "content": base64::engine::general_purpose::STANDARD.encode(text)})
    };
    let contents = |p: &str| {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/prr-rules/contents/{p}")))
            .and(query_param("ref", "v3.1.0"))
    };
    api.mount(
        contents("packs/acme").respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"type": "file", "name": "pack.toml", "path": "packs/acme/pack.toml"},
            {"type": "file", "name": "README.md", "path": "packs/acme/README.md"},
            {"type": "dir", "name": "extra", "path": "packs/acme/extra"},
        ]))),
    );
    api.mount(contents("packs/acme/pack.toml").respond_with(
        ResponseTemplate::new(200).set_body_json(file(
            "pack.toml",
            "[pack]\nname = \"acme\"\nversion = \"3.1.0\"\nextends = [\"builtin\"]\n",
        )),
    ));
    api.mount(
        contents("packs/acme/extra").respond_with(ResponseTemplate::new(200).set_body_json(
            json!([
                {"type": "file", "name": "cost.toml", "path": "packs/acme/extra/cost.toml"},
            ]),
        )),
    );
    api.mount(contents("packs/acme/extra/cost.toml").respond_with(ResponseTemplate::new(200).set_body_json(
        file("cost.toml", "[[rule]]\nid = \"acme.cost-centre\"\ntitle = \"A cost centre is named\"\nseverity = \"warning\"\ncategory = \"ownership\"\nrequire = [\"x.cost_centre\"]\nrationale = \"Spend needs an owner.\"\nremediation = \"Add [x] cost_centre.\"\n"),
    )));
    let out = api
        .prr("pull_request", &pull_request_event())
        .env("PRR_RULES_TOKEN", rules_token)
        .args([
            "check",
            "--manifest",
            READY,
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ])
        .args(["--rules", "github:acme/prr-rules/packs/acme@v3.1.0"])
        .output()
        .expect("prr runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(
        report["results"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["rule"] == "acme.cost-centre")),
        "{}",
        text(&out)
    );
    let requests = api.requests();
    assert_eq!(requests.len(), 4, "README.md is not fetched");
    assert!(requests.iter().all(|r| r
        .headers
        .get("authorization")
        .is_some_and(|v| v.to_str().ok() == Some(&format!("Bearer {rules_token}")))));
}

#[test]
fn without_a_token_the_gate_still_reports_through_workflow_commands() {
    let api = Api::start();
    let out = api
        .prr("pull_request", &pull_request_event())
        .env_remove("GITHUB_TOKEN")
        .args(CHECK_UNREADY)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("::error file="));
    assert!(api.requests().is_empty());
}

#[test]
fn the_documented_workflows_are_the_linted_files() {
    let doc = std::fs::read_to_string("docs/github-actions.md").expect("the guide");
    let mut checked = 0;
    for entry in std::fs::read_dir("docs/workflows").expect("the workflows") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let file = std::fs::read_to_string(&path).expect("a workflow");
        let link = format!("[`workflows/{name}`](workflows/{name}):\n\n```yaml\n");
        let start = doc.find(&link).map(|at| at + link.len());
        let block = start.and_then(|s| doc[s..].find("\n```").map(|end| &doc[s..=s + end]));
        assert_eq!(
            block,
            Some(file.as_str()),
            "docs/github-actions.md shows {name} as it is"
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn enterprise_server_is_reached_through_its_api_url() {
    let api = Api::start();
    let base = "/api/v3/repos/acme/payments";
    let next = format!(
        "<{}/api/v3/repositories/1/issues/7/comments?page=2>; rel=\"next\"",
        api.server.uri()
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{base}/issues/7/comments")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([]))
                    .insert_header("link", next.as_str()),
            ),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/api/v3/repositories/1/issues/7/comments"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{base}/issues/7/comments")))
            .respond_with(created(5)),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{base}/check-runs")))
            .respond_with(created(6)),
    );
    let out = api
        .prr("pull_request", &pull_request_event())
        .env("GITHUB_API_URL", format!("{}/api/v3/", api.server.uri()))
        .args(CHECK_UNREADY)
        .arg("--publish-strict")
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        api.of("GET", "/comments").len(),
        2,
        "the next page, under /api/v3"
    );
    assert_eq!(
        api.of("POST", "/api/v3/repos/acme/payments/issues/7/comments")
            .len(),
        1
    );
    assert_eq!(
        api.of("POST", "/api/v3/repos/acme/payments/check-runs")
            .len(),
        1
    );
}

#[test]
fn a_github_pack_with_an_empty_listing_exits_2() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/prr-rules/contents/packs/acme"))
            .and(query_param("ref", "v3.1.0"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    let out = api
        .prr("pull_request", &pull_request_event())
        .args(judge(READY))
        .args(["--rules", "github:acme/prr-rules/packs/acme@v3.1.0"])
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("github:acme/prr-rules/packs/acme@v3.1.0") && said.contains("no rule files"),
        "{said}"
    );
    assert!(!said.contains("passed"), "{said}");
}

#[test]
fn a_marker_comment_by_someone_else_is_left_alone_and_prr_writes_its_own() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET")).and(path("/user")).respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        ),
    );
    api.mount(listed(json!([
        {"id": 66, "body": format!("{}\nprr: PASS (honest)", marker(UNREADY)), "user": {"login": "mallory"}},
    ])));
    comment_updates(&api, 66);
    comment_creates(&api, 1002);
    check_runs_ok(&api);
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        api.of("PATCH", "/issues/comments/66").is_empty(),
        "mallory's comment is not touched"
    );
    assert_eq!(
        api.of("POST", "/issues/7/comments").len(),
        1,
        "prr comments itself"
    );
    assert!(!text(&out).contains("mallory"), "{}", text(&out));
    assert!(
        !text(&out).contains("66"),
        "nothing is said of the other comment: {}",
        text(&out)
    );
}

#[test]
fn a_personal_token_finds_the_comments_of_its_own_user() {
    let api = Api::start();
    api.mount(Mock::given(method("GET")).and(path("/user")).respond_with(
        ResponseTemplate::new(200).set_body_json(json!({"login": "acme-prr-bot", "id": 5})),
    ));
    api.mount(listed(json!([
        {"id": 70, "body": format!("{}\nold", marker(UNREADY)), "user": {"login": BOT}},
        {"id": 71, "body": format!("{}\nold", marker(UNREADY)), "user": {"login": "acme-prr-bot"}},
    ])));
    comment_updates(&api, 71);
    check_runs_ok(&api);
    let out = api.check(UNREADY);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        api.of("PATCH", "/issues/comments/71").len(),
        1,
        "{}",
        text(&out)
    );
    assert!(api.of("PATCH", "/issues/comments/70").is_empty());
    assert!(api.of("POST", "/issues/7/comments").is_empty());
    assert_eq!(api.of("GET", "/user").len(), 1, "looked up once");
}

/// A server on loopback that answers every request with `head` and then `body` chunks
/// from `chunk` until the client hangs up or `max_bytes` are sent; returns its address and
/// the bytes of body it managed to send, per connection.
fn endless_server(
    head: &'static str,
    chunk: Vec<u8>,
    max_bytes: usize,
) -> (String, std::sync::mpsc::Receiver<usize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = format!("http://{}", listener.local_addr().expect("an address"));
    let (sent_tx, sent_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let chunk = chunk.clone();
            let sent_tx = sent_tx.clone();
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut byte = [0u8; 1];
                while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    request.push(byte[0]);
                }
                let mut sent = 0;
                if stream.write_all(head.as_bytes()).is_ok() {
                    while sent < max_bytes && stream.write_all(&chunk).is_ok() {
                        sent += chunk.len();
                    }
                }
                let _ = sent_tx.send(sent);
                if max_bytes == 0 {
                    // Keep the connection open, the rest of the body never coming.
                    std::thread::sleep(Duration::from_secs(30));
                }
            });
        }
    });
    (address, sent_rx)
}

#[test]
fn an_endless_answer_is_refused_without_being_read_whole() {
    // Chunked, 1 MiB a chunk, up to 2 GiB: far more than prr may read.
    let mut chunk = format!("{:x}\r\n", 1 << 20).into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', 1 << 20));
    chunk.extend(b"\r\n");
    let (url, sent) = endless_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        chunk,
        2 << 30,
    );
    let api = Api::start();
    let out = api
        .prr("pull_request", &pull_request_event())
        .env("GITHUB_API_URL", &url)
        .env("PRR_GITHUB_MAX_BODY_BYTES", "4194304")
        .args(CHECK_UNREADY)
        .arg("--publish-strict")
        .output()
        .expect("prr runs");
    let said = text(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an oversize answer is a publish fault: {said}"
    );
    assert!(said.contains("over the limit of 4194304 bytes"), "{said}");
    let first = sent
        .recv_timeout(Duration::from_secs(60))
        .expect("the server saw prr hang up");
    assert!(
        first < 64 << 20,
        "prr stopped reading soon after the limit: {first} bytes were sent"
    );
}

#[test]
fn an_answer_declared_too_large_is_refused_before_its_body() {
    // 100 MB declared; ten bytes sent, then nothing: reading it whole would wait for ever.
    let (url, _sent) = endless_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n[        ",
        Vec::new(),
        0,
    );
    let api = Api::start();
    let out = api
        .prr("pull_request", &pull_request_event())
        .env("GITHUB_API_URL", &url)
        .args(CHECK_UNREADY)
        .output()
        .expect("prr runs");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "the verdict stands: {said}");
    assert!(
        said.contains("the answer is 100000000 bytes, over the limit of 33554432 bytes"),
        "{said}"
    );
}

/// `name` holds `text` at commit `sha` (the contents API only).
fn file_at(api: &Api, sha: &str, name: &str, text: &str) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/payments/contents/{name}")))
            .and(query_param("ref", sha))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "type": "file", "name": name, "path": name, "encoding": "base64",
                "content": base64::engine::general_purpose::STANDARD.encode(text),
            }))),
    );
}

#[test]
fn fail_on_new_in_the_privileged_job_judges_the_base_commit_too() {
    const BASE: &str = "b1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    let unready = std::fs::read_to_string(UNREADY).expect("the example");
    // The pull request adds a dependency owned by a person: one new ownership.team failure.
    let broken = format!("{unready}\n[[dependency]]\nname = \"extra\"\nowner = \"eve@acme.dev\"\n");
    for (head, conclusion, new) in [(&unready, "success", 0), (&broken, "failure", 1)] {
        let api = Api::start();
        fork_pull_request(&api);
        api.mount(
            Mock::given(method("GET"))
                .and(path("/repos/acme/payments/pulls/42"))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    json!({"number": 42, "base": {"sha": BASE}, "head": {"sha": SHA}}),
                )),
        );
        file_at(&api, SHA, UNREADY, head);
        file_at(&api, BASE, UNREADY, &unready);
        let out = api
            .prr("workflow_run", &fork_run_event())
            .args([
                "publish",
                "--manifest",
                UNREADY,
                "--as-of",
                AS_OF,
                "--fail-on",
                "new",
            ])
            .output()
            .expect("prr runs");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let runs = api.of("POST", "/check-runs");
        assert_eq!(runs.len(), 1, "{}", text(&out));
        let run = body_of(&runs[0]);
        assert_eq!(run["conclusion"], conclusion, "{}", text(&out));
        let summary = run["output"]["summary"].as_str().unwrap_or_default();
        assert!(summary.contains(&format!("introduces {new}")), "{summary}");
    }
}

#[test]
fn the_privileged_judgement_reads_the_heads_imports_through_the_api() {
    let dir = "tests/fixtures/imports/payments";
    let manifest = format!("{dir}/prr.toml");
    let honest = report_of(&Api::start(), &manifest);
    let api = Api::start();
    let files: Vec<(String, String)> = [
        "prr.toml",
        "catalog-info.yaml",
        "slo/slis.yaml",
        "slo/availability.yaml",
        "slo/latency.yaml",
        "slo/monthly.yaml",
        "slos/payments.yml",
    ]
    .iter()
    .map(|f| {
        let path = format!("{dir}/{f}");
        let text = std::fs::read_to_string(&path).expect("a fixture");
        (path, text)
    })
    .collect();
    let borrowed: Vec<(&str, String)> =
        files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    head_holds(&api, &borrowed);
    fork_pull_request(&api);
    let report = api.file("artifact.json");
    std::fs::write(&report, honest.to_string()).expect("written");
    let out = api
        .prr("workflow_run", &fork_run_event())
        .args(["publish", "--manifest", dir, "--as-of", AS_OF])
        .arg(&report)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The same judgement as the job's, imports included: the tier floor fails in the
    // sloth file, and the annotation points there.
    assert!(
        text(&out).contains("matches the judgement of the head commit"),
        "{}",
        text(&out)
    );
    let runs = api.of("POST", "/check-runs");
    let annotations = body_of(&runs[0])["output"]["annotations"].to_string();
    assert!(
        annotations.contains(&format!("{dir}/slos/payments.yml")),
        "{annotations}"
    );
}

/// The privileged job's judgement of the head is `prr check --rev` of that commit
/// (decision 17): one road, whether the head is read through git or through GitHub's API.
/// A commit with the unready example, a Dockerfile that runs as root beside it and a
/// CODEOWNERS is judged both ways, after the repository rules' grace date: the check run's
/// conclusion is the check's verdict, and its annotations are the check's failures, rule for
/// rule and line for line.
#[test]
fn the_privileged_judgement_is_check_at_the_head_commit() {
    let repo = tempfile::tempdir().expect("a temporary directory");
    let git = |args: &[&str]| -> String {
        let out = std::process::Command::new("git")
            .current_dir(repo.path())
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let files: Vec<(&str, String)> = vec![
        (
            UNREADY,
            std::fs::read_to_string(UNREADY).expect("the example"),
        ),
        (
            "examples/unready/Dockerfile",
            "FROM debian:12-slim\nUSER root\nCMD [\"api\"]\n".to_owned(),
        ),
        (
            ".github/CODEOWNERS",
            "/examples/ready/ @acme/payments\n".to_owned(),
        ),
    ];
    git(&["init", "-q"]);
    for (name, text) in &files {
        let path = repo.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("created");
        std::fs::write(path, text).expect("written");
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "head"]);
    let sha = git(&["rev-parse", "HEAD"]);
    let as_of = "2027-03-01";

    let check = std::process::Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env("GITHUB_REPOSITORY", "acme/payments")
        .args([
            "check",
            "--rev",
            &sha,
            "--manifest",
            "examples",
            "--as-of",
            as_of,
        ])
        .args(["--format", "json"])
        .output()
        .expect("prr runs");
    let checked: Value = serde_json::from_str(&text_of_stdout(&check)).expect("a JSON report");
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));

    let api = Api::start();
    let tree: Vec<Value> = files
        .iter()
        .map(|(p, _)| json!({"path": p, "type": "blob", "mode": "100644", "size": 10}))
        .collect();
    head_at(&api, &sha, &tree, &files);
    fork_pull_request_at(
        &api,
        &sha,
        &json!([{"number": 42, "state": "open", "head": {"sha": sha}}]),
    );
    let artifact = api.file("artifact.json");
    std::fs::write(&artifact, checked.to_string()).expect("written");
    let event = json!({"action": "completed", "workflow_run": {
        "event": "pull_request", "head_sha": sha, "pull_requests": [],
        "head_repository": {"full_name": "stranger/payments"}}});
    let out = api
        .prr("workflow_run", &event)
        .args(["publish", "--manifest", "examples", "--as-of", as_of])
        .arg(&artifact)
        .output()
        .expect("prr runs");
    let runs = api.of("POST", "/check-runs");
    assert_eq!(runs.len(), 1, "{}", text(&out));
    let run = body_of(&runs[0]);
    assert_eq!(run["head_sha"], sha.as_str());
    assert_eq!(run["conclusion"], "failure", "{}", text(&out));
    assert!(
        text(&out).contains("matches the judgement of the head commit"),
        "{}",
        text(&out)
    );

    let annotated: std::collections::BTreeSet<(String, u64, String)> = run["output"]["annotations"]
        .as_array()
        .expect("annotations")
        .iter()
        .map(|a| {
            let title = a["title"].as_str().unwrap_or_default();
            let rule = title.split(':').next().unwrap_or_default().to_owned();
            (
                a["path"].as_str().unwrap_or_default().to_owned(),
                a["start_line"].as_u64().unwrap_or(0),
                rule,
            )
        })
        .collect();
    let failed: std::collections::BTreeSet<(String, u64, String)> = checked["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "fail" && !r["location"].is_null())
        .map(|r| {
            (
                r["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                r["location"]["line"].as_u64().unwrap_or(0).max(1),
                r["rule"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(annotated, failed);
    // The repository rules ran on both roads: the Dockerfile's root user and the CODEOWNERS
    // that does not cover the manifest.
    let rules: Vec<&str> = failed.iter().map(|(_, _, rule)| rule.as_str()).collect();
    assert!(rules.contains(&"security.non-root"), "{rules:?}");
    assert!(rules.contains(&"ownership.codeowners"), "{rules:?}");
}

fn text_of_stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A head commit that fails `security.non-root`, with the trusted pack enforcing it now.
fn non_root_head(api: &Api, padding: usize) -> (PathBuf, Vec<(String, String)>) {
    let mut files = vec![
        (
            "examples/ready/prr.toml".to_owned(),
            std::fs::read_to_string(READY).expect("the example"),
        ),
        (
            "examples/ready/Dockerfile".to_owned(),
            "FROM debian:12-slim\nUSER root\nCMD [\"api\"]\n".to_owned(),
        ),
    ];
    let mut tree: Vec<Value> = files
        .iter()
        .map(|(p, _)| json!({"path": p, "type": "blob", "mode": "100644", "size": 40}))
        .collect();
    // Padding: small Kubernetes YAML in the service's directory, listed in the tree.
    for i in 0..padding {
        tree.push(json!({"path": format!("examples/ready/k8s/cm-{i:05}.yaml"),
            "type": "blob", "mode": "100644", "size": 40}));
    }
    for i in 0..padding.min(3) {
        files.push((
            format!("examples/ready/k8s/cm-{i:05}.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n"),
        ));
    }
    head_at(api, SHA, &tree, &files);
    let pack = api.file("pack");
    std::fs::create_dir_all(&pack).expect("created");
    std::fs::write(
        pack.join("pack.toml"),
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n[override.\"security.non-root\"]\nenforce_after = 2026-01-01\n",
    )
    .expect("written");
    fork_pull_request(api);
    (pack, files)
}

fn publish_head_with(api: &Api, pack: &Path, event: &Value, artifact: &Path) -> (Value, Output) {
    let out = api
        .prr("workflow_run", event)
        .args([
            "publish",
            "--manifest",
            "examples/ready",
            "--as-of",
            AS_OF,
            "--rules",
        ])
        .arg(pack)
        .arg(artifact)
        .output()
        .expect("prr runs");
    let runs = api.of("POST", "/check-runs");
    assert_eq!(runs.len(), 1, "{}", text(&out));
    (body_of(&runs[0]), out)
}

/// A fork cannot turn the privileged verdict green by padding its tree: the repository
/// rules of a head that fails one still fail, padded or not, and the padding costs no
/// request beyond the one listing.
#[test]
fn padding_the_tree_never_turns_the_privileged_verdict_green() {
    for padding in [0, 3000] {
        let api = Api::start();
        let (pack, _) = non_root_head(&api, padding);
        let artifact = api.file("artifact.json");
        std::fs::write(&artifact, report_of(&api, READY).to_string()).expect("written");
        let (run, out) = publish_head_with(&api, &pack, &fork_run_event(), &artifact);
        assert_eq!(
            run["conclusion"],
            "failure",
            "padding {padding}: {}",
            text(&out)
        );
        let annotated: Vec<String> = run["output"]["annotations"]
            .as_array()
            .expect("annotations")
            .iter()
            .filter(|a| a["annotation_level"] == "failure")
            .map(|a| a["title"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(
            annotated.iter().any(|t| t.starts_with("security.non-root")),
            "padding {padding}: {annotated:?}"
        );
        let contents = api
            .of("GET", "")
            .into_iter()
            .filter(|r| r.url.path().contains("/contents/"))
            .count();
        assert!(contents <= 4, "padding {padding}: {contents} file reads");
    }
}

/// A `workflow_run` triggered by another event (a review) is judged like any other: the
/// forged artifact's pass is never published.
#[test]
fn a_workflow_run_of_a_review_publishes_the_head_s_own_verdict() {
    let api = Api::start();
    let (pack, _) = non_root_head(&api, 0);
    let mut forged = report_of(&api, READY);
    forged["verdict"] = json!("pass");
    let artifact = api.file("artifact.json");
    std::fs::write(&artifact, forged.to_string()).expect("written");
    let event = json!({"action": "completed", "workflow_run": {
        "event": "pull_request_review", "head_sha": SHA,
        "pull_requests": [{"number": 42, "head": {"sha": SHA}}],
        "head_repository": {"full_name": "stranger/payments"}}});
    let (run, out) = publish_head_with(&api, &pack, &event, &artifact);
    assert_eq!(run["conclusion"], "failure", "{}", text(&out));
    assert_eq!(run["head_sha"], SHA);
}

/// An artifact that cannot be read (not JSON, another version, over the size limit) leaves
/// the privileged verdict in place: the head is judged and published, and the note says
/// the artifact could not be read. The oversized one is read no further than the limit.
#[test]
fn an_unreadable_artifact_still_gets_the_privileged_verdict() {
    let oversized = {
        let mut text = String::from("{\"version\": 1, \"pad\": \"");
        text.push_str(&"x".repeat(3 * 1024 * 1024));
        text.push_str("\"}");
        text
    };
    for (what, content) in [
        (
            "not JSON",
            "::error::all checks passed\n<img src=x>".to_owned(),
        ),
        ("another version", "{\"version\": 99}".to_owned()),
        ("oversized", oversized),
    ] {
        let api = Api::start();
        let (pack, _) = non_root_head(&api, 0);
        let artifact = api.file("artifact.json");
        std::fs::write(&artifact, content).expect("written");
        let (run, out) = publish_head_with(&api, &pack, &fork_run_event(), &artifact);
        assert_eq!(run["conclusion"], "failure", "{what}: {}", text(&out));
        let comments = api.of("POST", "/issues/42/comments");
        let body = body_of(&comments[0])["body"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            body.contains("the report artifact could not be read"),
            "{what}: {body}"
        );
        assert!(!body.contains("<img"), "{what}: {body}");
        for line in String::from_utf8_lossy(&out.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&out.stderr).lines())
        {
            assert!(
                !line.starts_with("::error::all"),
                "{what}: a forged workflow command reached the log: {line}"
            );
        }
    }
}

/// A forged artifact whose manifest names carry workflow commands, Markdown and mentions:
/// the privileged judgement is published, the names reach the log and the comment
/// neutralised, and no line of the job's output is a command prr did not write.
#[test]
fn a_forged_artifact_s_strings_are_neutralised() {
    let api = Api::start();
    let (pack, _) = non_root_head(&api, 0);
    let hostile = "x\n::add-mask::secret\n::stop-commands::t0k\n> ✅ all checks passed <img src=x onerror=alert(1)> @acme/everyone [click](https://evil.example)";
    let mut forged = report_of(&api, READY);
    forged["services"][0]["manifest"] = json!(hostile);
    for result in forged["results"].as_array_mut().into_iter().flatten() {
        result["manifest"] = json!(hostile);
    }
    let artifact = api.file("artifact.json");
    std::fs::write(&artifact, forged.to_string()).expect("written");
    let (run, out) = publish_head_with(&api, &pack, &fork_run_event(), &artifact);
    assert_eq!(run["conclusion"], "failure", "{}", text(&out));
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
    {
        if let Some(command) = line.trim_start().strip_prefix("::") {
            // prr's own annotations of the trusted judgement, and nothing else.
            assert!(
                ["error ", "warning ", "notice "]
                    .iter()
                    .any(|c| command.starts_with(c))
                    && command.contains("file=examples/ready/"),
                "a command prr did not write reached the log: {line}"
            );
        }
    }
    let comments = api.of("POST", "/issues/42/comments");
    let body = body_of(&comments[0])["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(body.contains("does not match"), "{body}");
    assert!(!body.contains("<img"), "{body}");
    assert!(!body.contains("@acme/everyone"), "{body}");
    assert!(!body.contains("](https://evil"), "{body}");
    assert!(
        !body
            .lines()
            .any(|l| l.starts_with("> ✅") || l.starts_with("::")),
        "a forged line broke out of the note: {body}"
    );
}
