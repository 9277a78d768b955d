//! `prr review quarterly --incidents github:OWNER/REPO`: incident issues read through the
//! REST issues listing, against wiremock standing in for GitHub (three pages linked by
//! `Link: rel="next"`), with a bad issue reported by its number and the people named in
//! the issues never reaching an output.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

#[path = "common/mock_api.rs"]
mod mock_api;
use mock_api::Api;

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

/// GitHub's issue listing and `prr review quarterly` over it.
trait IssuesApi {
    fn three_pages(&self, pages: [Vec<Value>; 3]);
    fn review(&self, extra: &[&str]) -> (Option<i32>, String, String, String, String);
}

impl IssuesApi for Api {
    /// Three pages: the first at the documented path, the others where `next` points.
    fn three_pages(&self, pages: [Vec<Value>; 3]) {
        let link = |n: u32| {
            format!(
                "<{uri}/repositories/9/issues?labels=incident&state=all&per_page=100&page={n}>; rel=\"next\", <{uri}/repositories/9/issues?labels=incident&state=all&per_page=100&page=3>; rel=\"last\"",
                uri = self.uri()
            )
        };
        let [first, second, third] = pages;
        self.mount(
            Mock::given(method("GET"))
                .and(path("/repos/acme/ops/issues"))
                .and(query_param("labels", "incident"))
                .and(query_param("state", "all"))
                .and(query_param("per_page", "100"))
                .and(query_param_is_missing("page"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(first)
                        .insert_header("link", link(2).as_str()),
                ),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/repositories/9/issues"))
                .and(query_param("page", "2"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(second)
                        .insert_header("link", link(3).as_str()),
                ),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/repositories/9/issues"))
                .and(query_param("page", "3"))
                .respond_with(ResponseTemplate::new(200).set_body_json(third)),
        );
    }

    /// `prr review quarterly` of 2026Q3 over `github:acme/ops`, every format to a file:
    /// (exit code, markdown, html, json, stdout and stderr).
    fn review(&self, extra: &[&str]) -> (Option<i32>, String, String, String, String) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = Command::cargo_bin("prr")
            .expect("the prr binary is built")
            .current_dir(dir.path())
            .env_remove("PRR_RULES_TOKEN")
            .env("NO_COLOR", "1")
            .env("GITHUB_API_URL", self.uri())
            .env("GITHUB_TOKEN", TOKEN)
            .env("PRR_GITHUB_BACKOFF_MS", "10")
            .env("PRR_GITHUB_TIMEOUT", "20")
            .args([
                "review",
                "quarterly",
                "--quarter",
                "2026Q3",
                "--as-of",
                "2026-11-21",
                "--incidents",
                "github:acme/ops",
            ])
            .arg("--manifest")
            .arg(fixtures().join("services"))
            .args([
                "--format",
                "markdown=r.md",
                "--format",
                "html=r.html",
                "--format",
                "json=r.json",
            ])
            .args(extra)
            .output()
            .expect("prr runs");
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
        (
            out.status.code(),
            read("r.md"),
            read("r.html"),
            read("r.json"),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
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
