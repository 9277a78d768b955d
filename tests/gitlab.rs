//! GitLab: `prr check --publish` in a GitLab CI/CD job against a mock of GitLab's REST API
//! (wiremock), with its faults; the merge-request note's safety; the deploy labels of the
//! merged merge request; and the default `--base` of a merge request pipeline.
//!
//! Every request is checked for the method, path and body GitLab documents:
//! - users API, the current user: `GET /user`
//!   <https://docs.gitlab.com/api/users/#get-the-current-user>;
//! - notes API, merge requests: `GET /projects/:id/merge_requests/:merge_request_iid/notes`
//!   (`sort`, `order_by`, `per_page`, `page`), `POST` there with `body`, and
//!   `PUT /projects/:id/merge_requests/:merge_request_iid/notes/:note_id` with `body`
//!   <https://docs.gitlab.com/api/notes/#merge-requests>;
//! - commits API: `GET /projects/:id/repository/commits/:sha/merge_requests`
//!   <https://docs.gitlab.com/api/commits/#list-merge-requests-associated-with-a-commit>,
//!   whose items are merge requests as the merge requests API describes them (`iid`,
//!   `state` opened/merged, `sha`, `merge_commit_sha`, `squash_commit_sha`, `labels`)
//!   <https://docs.gitlab.com/api/merge_requests/#list-merge-requests>;
//! - resource label events: `GET /projects/:id/merge_requests/:merge_request_iid/resource_label_events`
//!   <https://docs.gitlab.com/api/resource_label_events/>;
//! - group members: `GET /groups/:id/members/all/:user_id`
//!   <https://docs.gitlab.com/api/members/>;
//! - authentication with the `PRIVATE-TOKEN` header <https://docs.gitlab.com/api/rest/authentication/>,
//!   and rate limits answered with 429 and `Retry-After` <https://docs.gitlab.com/security/rate_limits/>.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, Request, ResponseTemplate};

#[path = "common/browser.rs"]
#[allow(dead_code)] // the markdown renderer only
mod browser;
mod common;
#[path = "common/mock_api.rs"]
mod mock_api;

use mock_api::Api;

const TOKEN: &str = "glpat-Never0Shown1Anywhere2";
const JOB_TOKEN: &str = "glcbt-JobToken0Never1Shown";
const PROJECT: u64 = 42;
const IID: u64 = 7;
const BOT: u64 = 99;
const SHA: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const NOTES: &str = "/api/v4/projects/42/merge_requests/7/notes";

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}/prr.toml")),
    )
    .expect("the example")
}

struct Job {
    api: Api,
    dir: tempfile::TempDir,
    vars: Vec<(&'static str, String)>,
}

impl Job {
    /// A merge request pipeline of project 42, merge request !7, with PRR_GITLAB_TOKEN.
    fn new() -> Self {
        let api = Api::start();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let vars = vec![
            ("GITLAB_CI", "true".to_owned()),
            ("CI", "true".to_owned()),
            ("CI_API_V4_URL", format!("{}/api/v4", api.uri())),
            ("CI_PROJECT_ID", PROJECT.to_string()),
            ("CI_MERGE_REQUEST_IID", IID.to_string()),
            ("CI_COMMIT_SHA", SHA.to_owned()),
            ("CI_JOB_TOKEN", JOB_TOKEN.to_owned()),
            ("PRR_GITLAB_TOKEN", TOKEN.to_owned()),
            ("PRR_GITLAB_BACKOFF_MS", "10".to_owned()),
            ("PRR_GITLAB_TIMEOUT", "20".to_owned()),
        ];
        Self { api, dir, vars }
    }

    fn without(mut self, name: &str) -> Self {
        self.vars.retain(|(k, _)| *k != name);
        self
    }

    fn mount(&self, mock: Mock) {
        self.api.mount(mock);
    }

    /// `prr check --publish` of `manifest`, with nothing of this machine's CI context.
    fn check(&self, manifest: &str, extra: &[&str]) -> Output {
        std::fs::write(self.dir.path().join("prr.toml"), manifest).unwrap();
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
        command
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .args(["check", "--manifest", "prr.toml", "--as-of", common::AS_OF])
            .args(["--format", "json=report.json", "--publish"])
            .args(extra);
        for (k, v) in &self.vars {
            command.env(k, v);
        }
        let out = command.output().expect("prr runs");
        let all = format!("{}{}", common::stdout(&out), common::stderr(&out));
        assert!(!all.contains(TOKEN) && !all.contains(JOB_TOKEN), "{all}");
        out
    }

    fn requests(&self) -> Vec<Request> {
        self.api.requests()
    }

    fn of(&self, verb: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.method.as_str() == verb)
            .collect()
    }
}

fn the_user() -> Mock {
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": BOT, "username": "prr-bot"})),
        )
}

fn notes(list: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
}

fn creates(id: u64) -> Mock {
    Mock::given(method("POST"))
        .and(path(NOTES))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": id})))
}

fn updates(id: u64) -> Mock {
    Mock::given(method("PUT"))
        .and(path(format!("{NOTES}/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": id})))
}

fn body_of(request: &Request) -> String {
    let json: Value = serde_json::from_slice(&request.body).expect("a JSON body");
    // The notes API takes `body` and nothing else prr needs.
    assert_eq!(
        json.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["body".to_owned()]),
        "{json}"
    );
    json["body"].as_str().expect("body is a string").to_owned()
}

fn marker_in(body: &str) -> String {
    body.lines().next().unwrap().to_owned()
}

/// Every request carried the token in `PRIVATE-TOKEN` and asked for JSON; a body is JSON.
fn assert_authenticated(job: &Job) {
    for request in job.requests() {
        assert_eq!(
            request
                .headers
                .get("private-token")
                .and_then(|v| v.to_str().ok()),
            Some(TOKEN),
            "{} {}",
            request.method,
            request.url
        );
        if !request.body.is_empty() {
            assert_eq!(
                request
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
        }
    }
}

#[test]
fn a_failing_gate_creates_the_note_and_a_later_run_updates_it() {
    let job = Job::new();
    job.mount(the_user());
    job.mount(notes(json!([])));
    job.mount(creates(501));
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("wrote a note on merge request !7 (note 501)"));
    let gets: Vec<String> = job
        .of("GET")
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(gets, ["/api/v4/user", NOTES]);
    let list = &job.of("GET")[1];
    let query: Vec<(String, String)> = list
        .url
        .query_pairs()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    for pair in [
        ("sort", "asc"),
        ("order_by", "created_at"),
        ("per_page", "100"),
        ("page", "1"),
    ] {
        assert!(
            query.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{query:?}"
        );
    }
    let posts = job.of("POST");
    assert_eq!(posts.len(), 1);
    let body = body_of(&posts[0]);
    assert!(body.starts_with("<!-- prr-gate:"), "{body}");
    assert!(body.contains("capacity.plan"), "{body}");
    assert_authenticated(&job);

    // The next run finds prr's note (written by the token's user) and updates it in place.
    let marker = marker_in(&body);
    let job2 = Job::new();
    job2.mount(the_user());
    job2.mount(notes(json!([
        {"id": 400, "body": "a human's note", "author": {"id": 5}, "system": false},
        {"id": 501, "body": format!("{marker}\nold"), "author": {"id": BOT}, "system": false}
    ])));
    job2.mount(updates(501));
    let out = job2.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(job2.of("POST").is_empty());
    let puts = job2.of("PUT");
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].url.path(), format!("{NOTES}/501"));
    assert_eq!(marker_in(&body_of(&puts[0])), marker);
    assert_authenticated(&job2);
}

#[test]
fn a_passing_gate_writes_no_note_but_turns_an_existing_one_green() {
    let job = Job::new();
    job.mount(the_user());
    job.mount(notes(json!([])));
    let out = job.check(&common::ready(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(job.of("POST").is_empty() && job.of("PUT").is_empty());
    assert!(common::stderr(&out).contains("the gate passed and there was none to update"));

    let marker = {
        let first = Job::new();
        first.mount(the_user());
        first.mount(notes(json!([])));
        first.mount(creates(1));
        first.check(&common::ready(), &["--comment", "always"]);
        marker_in(&body_of(&first.of("POST")[0]))
    };
    let job = Job::new();
    job.mount(the_user());
    job.mount(notes(
        json!([{"id": 77, "body": format!("{marker}\nred"), "author": {"id": BOT}}]),
    ));
    job.mount(updates(77));
    let out = job.check(&common::ready(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let body = body_of(&job.of("PUT")[0]);
    assert!(body.contains("pass"), "{body}");
}

#[test]
fn a_marked_note_by_someone_else_or_a_system_note_is_not_prr_s() {
    let marker = {
        let first = Job::new();
        first.mount(the_user());
        first.mount(notes(json!([])));
        first.mount(creates(1));
        first.check(&example("unready"), &[]);
        marker_in(&body_of(&first.of("POST")[0]))
    };
    let job = Job::new();
    job.mount(the_user());
    job.mount(notes(json!([
        {"id": 10, "body": format!("{marker}\npasted"), "author": {"id": 5}},
        {"id": 11, "body": format!("{marker}\nsystem"), "author": {"id": BOT}, "system": true}
    ])));
    job.mount(creates(12));
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(job.of("PUT").is_empty(), "someone else's note was edited");
    assert_eq!(job.of("POST").len(), 1);
}

#[test]
fn the_note_is_found_on_a_later_page() {
    let marker = {
        let first = Job::new();
        first.mount(the_user());
        first.mount(notes(json!([])));
        first.mount(creates(1));
        first.check(&example("unready"), &[]);
        marker_in(&body_of(&first.of("POST")[0]))
    };
    let job = Job::new();
    job.mount(the_user());
    let page = |n: u64, next: &str, items: Value| {
        Mock::given(method("GET"))
            .and(path(NOTES))
            .and(wiremock::matchers::query_param("page", n.to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-next-page", next)
                    .set_body_json(items),
            )
    };
    let others: Vec<Value> = (0..100)
        .map(|i| json!({"id": 1000 + i, "body": "lgtm", "author": {"id": 5}}))
        .collect();
    job.mount(page(1, "2", Value::Array(others)));
    job.mount(page(
        2,
        "",
        json!([{"id": 2024, "body": format!("{marker}\n"), "author": {"id": BOT}}]),
    ));
    job.mount(updates(2024));
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(job.of("PUT").len(), 1);
    assert!(job.of("POST").is_empty());
}

#[test]
fn a_branch_pipeline_finds_the_open_merge_request_of_its_commit() {
    let job = Job::new().without("CI_MERGE_REQUEST_IID");
    job.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/api/v4/projects/42/repository/commits/{SHA}/merge_requests"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"iid": 3, "state": "merged", "sha": "0".repeat(40)},
                {"iid": 7, "state": "opened", "sha": SHA}
            ]))),
    );
    job.mount(the_user());
    job.mount(notes(json!([])));
    job.mount(creates(5));
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert_eq!(job.of("POST").len(), 1);
    assert_eq!(job.of("POST")[0].url.path(), NOTES);
}

#[test]
fn without_prr_s_token_nothing_is_published_and_the_verdict_stands() {
    // Only the job token: it cannot write notes, and prr says so in one line.
    let job = Job::new().without("PRR_GITLAB_TOKEN");
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let warnings: Vec<String> = common::stderr(&out)
        .lines()
        .filter(|l| l.contains("publishing"))
        .map(str::to_owned)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("only CI_JOB_TOKEN is set"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("PRR_GITLAB_TOKEN"));
    assert!(job.requests().is_empty());

    let job = Job::new()
        .without("PRR_GITLAB_TOKEN")
        .without("CI_JOB_TOKEN");
    let out = job.check(&common::ready(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(common::stderr(&out).contains("PRR_GITLAB_TOKEN is not set"));
    assert!(job.requests().is_empty());
    // --publish-strict makes the missing publication an error.
    let out = job.check(&common::ready(), &["--publish-strict"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A fault on one endpoint: the verdict's exit code stays, stderr says what and why.
fn with_fault(endpoint: Mock, manifest: &str, rest: Vec<Mock>) -> (Job, Output) {
    let job = Job::new();
    job.mount(endpoint);
    for mock in rest {
        job.mount(mock);
    }
    let out = job.check(manifest, &[]);
    (job, out)
}

#[test]
fn a_revoked_token_is_named_and_changes_nothing() {
    let (job, out) = with_fault(
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(json!({"message": "401 Unauthorized"})),
            ),
        &example("unready"),
        vec![],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = common::stderr(&out);
    assert!(
        err.contains("GitLab refused the token (401 Unauthorized"),
        "{err}"
    );
    // A 401 is not retried.
    assert_eq!(job.requests().len(), 1);
}

#[test]
fn a_token_without_the_right_to_write_is_named() {
    let (job, out) = with_fault(
        Mock::given(method("POST")).and(path(NOTES)).respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"message": "403 Forbidden"})),
        ),
        &example("unready"),
        vec![the_user(), notes(json!([]))],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("403 Forbidden: it needs the api scope"));
    assert_eq!(job.of("POST").len(), 1, "a 403 is not retried");
}

#[test]
fn a_merge_request_that_is_gone_is_a_warning_not_a_failure_of_the_gate() {
    let (_job, out) = with_fault(
        Mock::given(method("GET")).and(path(NOTES)).respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})),
        ),
        &common::ready(),
        vec![the_user()],
    );
    assert_eq!(out.status.code(), Some(0));
    let err = common::stderr(&out);
    assert!(err.contains("merge request !7: not found (404"), "{err}");
}

#[test]
fn a_rate_limit_is_waited_out_as_retry_after_asks() {
    let job = Job::new();
    job.mount(the_user());
    job.mount(notes(json!([])));
    job.mount(
        Mock::given(method("POST"))
            .and(path(NOTES))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "1")
                    .set_body_json(json!({"message": "Retry later"})),
            )
            .up_to_n_times(1),
    );
    job.mount(creates(9));
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::stderr(&out).contains("(note 9)"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(job.of("POST").len(), 2);
    // Before the retry, prr looked again for a note an attempt whose answer was lost made.
    assert_eq!(
        job.of("GET")
            .iter()
            .filter(|r| r.url.path() == NOTES)
            .count(),
        2
    );
}

#[test]
fn server_errors_are_retried_and_then_given_up_on() {
    let job = Job::new();
    job.mount(
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(2),
    );
    job.mount(the_user());
    job.mount(notes(json!([])));
    job.mount(creates(3));
    let out = job.check(&example("unready"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(job.of("POST").len(), 1, "exactly one note");

    let (job, out) = with_fault(
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(ResponseTemplate::new(503).set_body_string("down")),
        &example("unready"),
        vec![],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::stderr(&out).contains("gave up after 5 attempts"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(job.requests().len(), 5);
}

#[test]
fn the_note_neutralises_mentions_quick_actions_and_html() {
    let job = Job::new();
    job.mount(the_user());
    job.mount(notes(json!([])));
    job.mount(creates(1));
    // A person as owner (ownership.team quotes it) with a line break and GitLab's specials.
    let hostile = "owner = \"@jane\\n/merge\\n/approve\\n  /label ~shipped\\n<img src=x onerror=alert(1)><script>alert(2)</script>@all\"";
    let manifest = common::ready().replacen("owner = \"@acme/payments\"", hostile, 1);
    assert_ne!(manifest, common::ready());
    let out = job.check(&manifest, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let body = body_of(&job.of("POST")[0]);
    assert!(body.contains("jane"), "the finding is there: {body}");
    for line in body.lines() {
        assert!(
            !line.trim_start().starts_with('/'),
            "a line GitLab would run as a quick action: {line:?}"
        );
    }
    for mention in ["@jane", "@all", "@acme"] {
        assert!(!body.contains(mention), "{mention} would notify: {body}");
    }
    // HTML: escaped as text or inside code spans, so rendered as CommonMark with GitHub's
    // extensions (GitLab Flavored Markdown is CommonMark with the same extensions) no
    // element comes of it. The markdown's own `<details>` stays.
    if let Some(cmark) = browser::cmark_gfm() {
        let html = browser::gfm_to_html(&cmark, &body);
        for element in ["<img", "<script"] {
            assert!(!html.contains(element), "{element} became HTML: {html}");
        }
        assert!(html.contains("&lt;img src=x"), "{html}");
        assert!(!html.contains("@jane") && !html.contains("@all"), "{html}");
    }
}

// The deploy: the merged merge request's labels through the commits, label-events and
// group-members APIs, with a spent budget (wiremock standing in for Prometheus).

const PACK: &str = "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[override.\"slo.budget-remaining\"]\nenforce_after = 2026-01-01\n";

fn spent_budget(prometheus: &Api) {
    let vector = |value: &str| {
        json!({"status": "success", "data": {"resultType": "vector",
            "result": [{"metric": {}, "value": [1_764_000_000, value]}]}})
    };
    for (query, value) in [
        ("sum(increase(ok[28d]))", "998000"),
        ("sum(increase(all[28d]))", "1000000"),
    ] {
        prometheus.mount(
            Mock::given(method("GET"))
                .and(path("/api/v1/query"))
                .and(wiremock::matchers::query_param("query", query))
                .respond_with(ResponseTemplate::new(200).set_body_json(vector(value))),
        );
    }
    prometheus.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/query"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"status": "success", "data": {"resultType": "vector", "result": []}}),
            )),
    );
}

fn deploy(job: &Job, member: bool) -> (Output, Value) {
    let prometheus = Api::start();
    spent_budget(&prometheus);
    job.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/api/v4/projects/42/repository/commits/{SHA}/merge_requests"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"iid": 6, "state": "opened", "sha": "b".repeat(40)},
                {"iid": 7, "state": "merged", "sha": "c".repeat(40), "merge_commit_sha": SHA,
                 "labels": ["reliability-fix"]}
            ]))),
    );
    job.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v4/projects/42/merge_requests/7/resource_label_events",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"id": 1, "action": "add", "label": {"id": 3, "name": "reliability-fix"},
                 "user": {"id": 11, "username": "ana"}, "resource_type": "MergeRequest"},
                {"id": 2, "action": "add", "label": {"id": 4, "name": "security-fix"},
                 "user": {"id": 12, "username": "bo"}, "resource_type": "MergeRequest"},
                {"id": 3, "action": "remove", "label": {"id": 4, "name": "security-fix"},
                 "user": {"id": 12, "username": "bo"}, "resource_type": "MergeRequest"}
            ]))),
    );
    let (status, body) = if member {
        (
            200,
            json!({"id": 11, "username": "ana", "state": "active", "access_level": 30}),
        )
    } else {
        (404, json!({"message": "404 Not found"}))
    };
    job.mount(
        Mock::given(method("GET"))
            .and(path_regex(
                r"^/api/v4/groups/acme%2Fpayments-product/members/all/11$",
            ))
            .respond_with(ResponseTemplate::new(status).set_body_json(body)),
    );
    let sli = "window = \"28d\"\n[slo.sli]\ngood = 'sum(increase(ok[{{window}}]))'\ntotal = 'sum(increase(all[{{window}}]))'\n";
    let manifest = common::ready().replace("window = \"28d\"\n", sli);
    std::fs::create_dir_all(job.dir.path().join("pack")).unwrap();
    std::fs::write(job.dir.path().join("pack/pack.toml"), PACK).unwrap();
    std::fs::write(job.dir.path().join("prr.toml"), manifest).unwrap();
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
    command
        .current_dir(job.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", job.dir.path())
        .args([
            "check",
            "--manifest",
            "prr.toml",
            "--rules",
            "pack",
            "--deploy",
        ])
        .args(["--as-of", common::AS_OF, "--format", "json"])
        .args(["--prometheus", &prometheus.uri()]);
    for (k, v) in &job.vars {
        command.env(k, v);
    }
    let out = command.output().expect("prr runs");
    assert!(!common::stdout(&out).contains(TOKEN));
    let report: Value = serde_json::from_str(&common::stdout(&out))
        .unwrap_or_else(|err| panic!("{err}: {}", common::stderr(&out)));
    (out, report)
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
fn a_deploy_ships_through_the_freeze_with_the_owner_group_s_label_on_the_merged_merge_request() {
    // A pipeline on the default branch after the merge: no merge request variables.
    let job = Job::new().without("CI_MERGE_REQUEST_IID");
    let (out, report) = deploy(&job, true);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let results = budget_results(&report);
    assert!(!results.is_empty());
    for result in results {
        assert_eq!(result["status"], "waived", "{result:#}");
        let reason = result["waiver"]["reason"].as_str().unwrap();
        assert!(
            reason.contains("#7 is labelled `reliability-fix` by ana"),
            "{reason}"
        );
    }
    let paths: Vec<String> = job
        .of("GET")
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            format!("/api/v4/projects/42/repository/commits/{SHA}/merge_requests"),
            "/api/v4/projects/42/merge_requests/7/resource_label_events".to_owned(),
            "/api/v4/groups/acme%2Fpayments-product/members/all/11".to_owned(),
        ]
    );
    assert_authenticated(&job);
}

#[test]
fn a_label_by_someone_outside_the_group_does_not_ship_a_deploy() {
    let job = Job::new().without("CI_MERGE_REQUEST_IID");
    let (out, report) = deploy(&job, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(budget_results(&report)
        .iter()
        .all(|r| r["status"] == "fail"));
}

#[test]
fn a_merge_request_pipeline_compares_with_its_diff_base_by_default() {
    let repo = common::Repo::new();
    let base = repo.commit("prr.toml", &common::ready(), "base");
    let head = repo.commit(
        "prr.toml",
        &common::without(&common::ready(), "runbook ="),
        "drop the runbook",
    );
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
    repo.env(&mut command);
    let out = command
        .current_dir(&repo.work)
        .env("GITLAB_CI", "true")
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
        .env("CI_COMMIT_SHA", &head)
        .args([
            "check",
            "--as-of",
            common::AS_OF,
            "--format",
            "json",
            "--fail-on",
            "new",
        ])
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let report: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(report["base"]["commit"], base.as_str());
    assert_eq!(report["base"]["new"], 1, "{:#}", report["base"]);
}

/// The inputs a template's `spec` declares, in order (the keys under `spec: inputs:`).
fn inputs_of(template: &str) -> Vec<String> {
    let spec = template.split("\n---\n").next().unwrap_or_default();
    let inputs = spec.split("\n  inputs:\n").nth(1).unwrap_or_default();
    inputs
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.strip_suffix(':'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_component_mirrors_the_action_s_inputs_and_its_catalog_less_twin_runs_the_same_job() {
    let read = |name: &str| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
    };
    let component = read("templates/prr.yml");
    let twin = read("gitlab-ci/prr.yml");
    let action = read("action.yml");
    let inputs = inputs_of(&component);
    for name in ["manifest", "rules", "fail-on", "deploy", "note"] {
        assert!(inputs.contains(&name.to_owned()), "{name} in {inputs:?}");
        if name != "note" {
            assert!(
                action.contains(&format!("\n  {name}:\n")),
                "action.yml has no {name}"
            );
        }
    }
    // The twin has the same inputs, and `ref` for the tag it was included at.
    let mut twin_inputs = inputs_of(&twin);
    twin_inputs.retain(|i| i != "ref");
    assert_eq!(inputs, twin_inputs);
    assert!(component.contains("\n  component: [sha, reference]\n"));
    assert!(!twin.contains("component.") && !twin.contains("  component:"));
    // The jobs are the same but for where the component's commit comes from.
    let job = |template: &str| -> Vec<String> {
        template
            .split("\n---\n")
            .nth(1)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("PRR_COMPONENT_REF"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(job(&component), job(&twin));
    assert!(job(&component).len() > 40);
}
