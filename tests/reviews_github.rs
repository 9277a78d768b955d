//! `prr review quarterly --incidents github:OWNER/REPO`: incident issues read through the
//! REST issues listing, against wiremock standing in for GitHub (three pages linked by
//! `Link: rel="next"`), with a bad issue reported by its number and the people named in
//! the issues never reaching an output.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

#[path = "common/mock.rs"]
mod mock;
use mock::{review_quarterly, MockApi, ReviewRun};

const TOKEN: &str = "ghs_reviewsTestToken0123456789";

/// People the issues name (their author, assignees, and the body outside the front
/// matter): none may reach an output.
const PEOPLE: [&str; 4] = [
    "grace-hopper",
    "Grace Hopper",
    "linus.t@example.com",
    "ada-lovelace",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reviews")
}

/// An issue of the listing as GitHub gives it, people and all.
fn issue(number: u64, front_matter: &str) -> Value {
    json!({
        "number": number,
        "state": "closed",
        "title": format!("Incident {number}, handled by Grace Hopper"),
        "created_at": "2026-08-01T09:00:00Z",
        "closed_at": "2026-08-01T11:00:00Z",
        "user": {"login": "grace-hopper", "email": "linus.t@example.com"},
        "assignee": {"login": "ada-lovelace"},
        "assignees": [{"login": "ada-lovelace"}, {"login": "grace-hopper"}],
        "labels": [{"name": "incident"}],
        "body": format!("---\n{front_matter}---\nPaged Grace Hopper (linus.t@example.com); @ada-lovelace mitigated.\n"),
    })
}

/// `started` and `resolved` of an incident of payments-api on 2026-07-DD.
fn timed(day: u32, minutes: u32) -> String {
    format!(
        "service: payments-api\nseverity: SEV2\nstarted: 2026-07-{day:02}T10:00:00Z\ndetected: 2026-07-{day:02}T10:05:00Z\nresolved: 2026-07-{day:02}T{:02}:{:02}:00Z\n",
        10 + minutes / 60,
        minutes % 60
    )
}

/// The mock API, and what these tests do with it.
struct Api(MockApi);

impl std::ops::Deref for Api {
    type Target = MockApi;
    fn deref(&self) -> &MockApi {
        &self.0
    }
}

impl Api {
    fn start() -> Self {
        Self(MockApi::start())
    }

    /// Three pages of the incident listing of acme/ops.
    fn three_pages(&self, pages: [Vec<Value>; 3]) {
        self.pages("acme/ops", "incident", 9, pages);
    }

    /// The pages of `repo`'s issues with `label`: the first at the documented path, the
    /// others where `next` points (under the repository's id, as GitHub links them).
    fn pages<const N: usize>(&self, repo: &str, label: &str, id: u32, pages: [Vec<Value>; N]) {
        let link = |n: usize| {
            format!(
                "<{uri}/repositories/{id}/issues?labels={label}&state=all&per_page=100&page={n}>; rel=\"next\", <{uri}/repositories/{id}/issues?labels={label}&state=all&per_page=100&page={N}>; rel=\"last\"",
                uri = self.server.uri()
            )
        };
        for (index, page) in pages.into_iter().enumerate() {
            let number = index + 1;
            let mut answer = ResponseTemplate::new(200).set_body_json(page);
            if number < N {
                answer = answer.insert_header("link", link(number + 1).as_str());
            }
            let mock = if number == 1 {
                Mock::given(method("GET"))
                    .and(path(format!("/repos/{repo}/issues")))
                    .and(query_param("labels", label))
                    .and(query_param("state", "all"))
                    .and(query_param("per_page", "100"))
                    .and(query_param_is_missing("page"))
            } else {
                Mock::given(method("GET"))
                    .and(path(format!("/repositories/{id}/issues")))
                    .and(query_param("page", number.to_string()))
            };
            self.mount(mock.respond_with(answer));
        }
    }

    /// `prr review quarterly` of 2026Q3 over `github:acme/ops` and `extra`.
    fn review(&self, extra: &[&str]) -> ReviewRun {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut command = Command::cargo_bin("prr").expect("the prr binary is built");
        command
            .env_remove("PRR_RULES_TOKEN")
            .env("GITHUB_API_URL", self.server.uri())
            .env("GITHUB_TOKEN", TOKEN)
            .env("PRR_GITHUB_BACKOFF_MS", "10")
            .env("PRR_GITHUB_TIMEOUT", "20");
        let mut args = vec!["--incidents", "github:acme/ops"];
        args.extend_from_slice(extra);
        review_quarterly(command, dir.path(), &args)
    }
}

#[test]
fn three_pages_of_issues_make_the_figures_and_a_bad_issue_is_reported_by_number() {
    let api = Api::start();
    // Resolve − start: 60, 120 and 240 minutes (page 1, 2, 3); #42 resolved before it
    // started; #43 has no front matter; #50 is a pull request, which the listing includes.
    let mut pull_request = issue(50, &timed(9, 999));
    pull_request["pull_request"] = json!({"url": "https://example.invalid/pulls/50"});
    let mut bad = issue(
        42,
        "service: payments-api\nseverity: SEV1\nstarted: 2026-07-20T10:00:00Z\nresolved: 2026-07-20T09:00:00Z\n",
    );
    bad["state"] = json!("closed");
    let mut unstructured = issue(43, "");
    unstructured["body"] = json!("The database fell over. Grace Hopper was paged.");
    api.three_pages([
        vec![issue(1, &timed(3, 60)), pull_request],
        vec![issue(2, &timed(10, 120)), bad],
        vec![issue(3, &timed(17, 240)), unstructured],
    ]);
    let (code, markdown, html, json, terminal) = api.review(&[]);
    assert_eq!(code, Some(0), "{terminal}");

    let listed = api.requests();
    assert_eq!(listed.len(), 3, "one request per page");
    assert!(listed.iter().all(|r| r.method.as_str() == "GET"));

    assert!(
        terminal.contains("github:acme/ops#42: resolved before it started"),
        "{terminal}"
    );
    assert!(
        terminal.contains("github:acme/ops#43: the issue body has no front matter"),
        "{terminal}"
    );
    assert!(
        !terminal.contains("#50"),
        "a pull request is no incident: {terminal}"
    );

    let review: Value = serde_json::from_str(&json).expect("the JSON review");
    assert_eq!(review["incidents_used"], 3);
    assert_eq!(review["left_out"].as_array().map(Vec::len), Some(2));
    let payments = review["teams"]
        .as_array()
        .and_then(|teams| teams.iter().find(|t| t["team"] == "@acme/payments"))
        .expect("the payments team");
    // Three incidents of 60, 120 and 240 minutes: mean 140, median 120; each detected
    // after 5 minutes.
    assert_eq!(payments["figures"]["incidents"], 3);
    assert_eq!(payments["figures"]["mttr"]["mean_minutes"], 140.0);
    assert_eq!(payments["figures"]["mttr"]["median_minutes"], 120.0);
    assert_eq!(payments["figures"]["mttd"]["median_minutes"], 5.0);

    for (format, text) in [
        ("markdown", &markdown),
        ("html", &html),
        ("json", &json),
        ("terminal", &terminal),
    ] {
        assert!(
            !text.is_empty() || format == "terminal",
            "{format} is empty"
        );
        for person in PEOPLE.iter().chain([&"Grace", &"Hopper", &TOKEN]) {
            assert!(!text.contains(person), "{format} names `{person}`");
        }
    }
}

#[test]
fn the_label_flag_and_the_fallback_to_created_and_closed() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/ops/issues"))
            .and(query_param("labels", "sev page"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([issue(
                7,
                "service: ledger\nseverity: SEV1\npostmortem: https://example.com/pm/7\n"
            )]))),
    );
    let (code, markdown, _, json, terminal) = api.review(&["--incident-label", "sev page"]);
    assert_eq!(code, Some(0), "{terminal}");
    let review: Value = serde_json::from_str(&json).expect("the JSON review");
    assert_eq!(review["incidents_used"], 1, "{terminal}");
    // created_at 09:00 to closed_at 11:00: 120 minutes.
    let payments = review["teams"]
        .as_array()
        .and_then(|teams| teams.iter().find(|t| t["team"] == "@acme/payments"))
        .expect("the payments team");
    assert_eq!(payments["figures"]["mttr"]["mean_minutes"], 120.0);
    assert!(markdown.contains("https://example.com/pm/7"));
    assert!(markdown.contains("github:acme/ops#7"));
}

#[test]
fn an_unreachable_listing_is_exit_2_and_never_shows_the_token() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/ops/issues"))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
            ),
    );
    let (code, _, _, _, terminal) = api.review(&[]);
    assert_eq!(code, Some(2), "{terminal}");
    assert!(
        terminal.contains("github:acme/ops")
            && terminal.contains("cannot read the incident issues"),
        "{terminal}"
    );
    assert!(!terminal.contains(TOKEN));
}

/// A toil issue of the listing, with the people GitHub's answer names.
fn toil_issue(number: u64, created: &str, closed: Option<&str>) -> Value {
    let mut issue = issue(number, "");
    issue["title"] = json!(format!(
        "Toil: rotate certificates by hand, says Grace Hopper"
    ));
    issue["created_at"] = json!(created);
    issue["closed_at"] = json!(closed);
    issue["state"] = json!(if closed.is_some() { "closed" } else { "open" });
    issue["body"] = json!("Grace Hopper (linus.t@example.com) does this weekly.");
    issue
}

#[test]
fn toil_figures_come_from_every_page_of_each_github_backlog_once() {
    let api = Api::start();
    api.pages("acme/ops", "incident", 9, [vec![]]);
    // acme/platform, label `toil` (named in the URL), shared by deployer and builder: listed
    // once. Against 2026Q3 (07-01 to 10-01):
    //   #1 05-01 → 07-10: closed during the quarter;
    //   #2 08-01, open: opened, open at the end;
    //   #3 09-01 → 09-02: opened and closed;
    //   #4 09-30 23:00 → 10-01 00:00: opened, and open at the end (closed at the next
    //      quarter's first instant);
    //   #5 10-02, open: after the quarter, nothing;
    //   #6 03-01 → 04-01: before it, nothing; #7 a pull request: skipped.
    // Opened 3 (#2, #3, #4), closed 2 (#1, #3), open at the end 2 (#2, #4).
    let mut pull_request = toil_issue(7, "2026-08-01T00:00:00Z", None);
    pull_request["pull_request"] = json!({"url": "https://example.invalid/pulls/7"});
    api.pages(
        "acme/platform",
        "toil",
        11,
        [
            vec![
                toil_issue(1, "2026-05-01T00:00:00Z", Some("2026-07-10T00:00:00Z")),
                toil_issue(2, "2026-08-01T00:00:00Z", None),
                pull_request,
            ],
            vec![
                toil_issue(3, "2026-09-01T00:00:00Z", Some("2026-09-02T00:00:00Z")),
                toil_issue(4, "2026-09-30T23:00:00Z", Some("2026-10-01T00:00:00Z")),
            ],
            vec![
                toil_issue(5, "2026-10-02T00:00:00Z", None),
                toil_issue(6, "2026-03-01T00:00:00Z", Some("2026-04-01T00:00:00Z")),
            ],
        ],
    );
    // acme/runner's issues URL names no label: `--toil-label chore` is used. #1 opened
    // before the quarter and still open: open at the end only.
    api.pages(
        "acme/runner",
        "chore",
        12,
        [vec![toil_issue(1, "2026-06-01T00:00:00Z", None)]],
    );
    let toil = fixtures().join("toil");
    let (code, markdown, html, json, terminal) = api.review(&[
        "--manifest",
        toil.to_str().expect("a UTF-8 path"),
        "--toil-label",
        "chore",
    ]);
    assert_eq!(code, Some(0), "{terminal}");

    let toil_requests: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.url.to_string())
        .filter(|u| u.contains("platform") || u.contains("runner") || u.contains("/repositories/1"))
        .collect();
    assert_eq!(
        toil_requests.len(),
        4,
        "three pages and one: {toil_requests:?}"
    );

    let review: Value = serde_json::from_str(&json).expect("the JSON review");
    let team = |name: &str| {
        review["teams"]
            .as_array()
            .and_then(|teams| teams.iter().find(|t| t["team"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("team {name}"))
    };
    let platform = team("@acme/platform")["toil"].clone();
    let backlogs = platform["backlogs"].as_array().expect("backlogs");
    assert_eq!(backlogs.len(), 2, "{platform}");
    assert_eq!(backlogs[0]["repository"], "acme/platform");
    assert_eq!(backlogs[0]["services"], json!(["builder", "deployer"]));
    assert_eq!(
        backlogs[0]["figures"],
        json!({"opened": 3, "closed": 2, "open_at_end": 2})
    );
    assert_eq!(backlogs[1]["label"], "chore");
    assert_eq!(
        backlogs[1]["figures"],
        json!({"opened": 0, "closed": 0, "open_at_end": 1})
    );
    assert_eq!(
        platform["total"],
        json!({"opened": 3, "closed": 2, "open_at_end": 3})
    );
    // A backlog that is not a GitHub repository's issues has no figures, never zeros.
    let data = team("@acme/data")["toil"].clone();
    assert_eq!(data["backlogs"][0]["figures"], Value::Null, "{data}");
    assert_eq!(data["total"], Value::Null);
    // Platform has an overdue review: its section has the toil table. Data is quiet: its
    // backlog is a row of the quiet teams' table.
    for (format, text) in [("markdown", &markdown), ("html", &html)] {
        assert!(text.contains("Open at end"), "{format}");
        assert!(
            text.contains("figures not available (not a GitHub repository"),
            "{format}"
        );
        assert!(text.contains("acme.atlassian.net/issues/"), "{format}");
    }
    assert!(markdown.contains("| Team |  | 3 | 2 | 3 |"), "{markdown}");
    for (format, text) in [
        ("markdown", &markdown),
        ("html", &html),
        ("json", &json),
        ("terminal", &terminal),
    ] {
        for person in PEOPLE.iter().chain([&"Grace", &"Hopper", &TOKEN]) {
            assert!(!text.contains(person), "{format} names `{person}`");
        }
    }
}

#[test]
fn an_unreadable_toil_backlog_is_named_and_the_pack_still_written() {
    let api = Api::start();
    api.pages("acme/ops", "incident", 9, [vec![]]);
    api.pages("acme/runner", "toil", 12, [vec![]]);
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/platform/issues"))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
            ),
    );
    let toil = fixtures().join("toil");
    let (code, markdown, _, json, terminal) =
        api.review(&["--manifest", toil.to_str().expect("a UTF-8 path")]);
    assert_eq!(code, Some(0), "{terminal}");
    for text in [&terminal, &markdown] {
        assert!(
            text.contains("toil figures not available for builder, deployer: listing the toil issues: GitHub answered 404: Not Found"),
            "{text}"
        );
    }
    // A 404 is an answer: it is not asked again.
    assert_eq!(
        api.requests()
            .iter()
            .filter(|r| r.url.path() == "/repos/acme/platform/issues")
            .count(),
        1
    );
    let review: Value = serde_json::from_str(&json).expect("the JSON review");
    assert_eq!(review["unavailable"].as_array().map(Vec::len), Some(1));
    assert!(!terminal.contains(TOKEN) && !markdown.contains(TOKEN));
}
