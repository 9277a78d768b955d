//! `waiver.approved` end to end: a pull request that adds a waiver, judged by `prr check` in
//! its GitHub Actions job, with GitHub's reviews and team memberships served by wiremock.

use std::process::{Command, Output};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{ready, stdout, Repo, AS_OF};

const TOKEN: &str = "ghs_Approval0Token1Never2Shown";

/// The platform team's pack: the built-in rules, waivers approved by @acme/sre, and the
/// approval enforced already (it is a warning until 2027-02-01 otherwise).
const PACK: &str = r#"[pack]
name = "acme"
extends = ["builtin"]
waiver_approvers = "@acme/sre"

[override."waiver.approved"]
enforce_after = 2026-01-01
"#;

struct PullRequest {
    repo: Repo,
    base: String,
    head: String,
    runtime: tokio::runtime::Runtime,
    server: MockServer,
}

/// A repository whose base commit has the ready manifest with `base_manifest`, and whose
/// head commit has the ready manifest (which waives `release.progressive`).
fn pull_request(base_manifest: &str) -> PullRequest {
    let repo = Repo::new();
    repo.write(".prr/pack.toml", PACK);
    let base = repo.commit("prr.toml", base_manifest, "the base");
    let head = repo.commit("prr.toml", &ready(), "waive release.progressive");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let server = runtime.block_on(MockServer::start());
    PullRequest {
        repo,
        base,
        head,
        runtime,
        server,
    }
}

fn without_the_waiver() -> String {
    let text = ready();
    let cut = text
        .find("[[waiver]]")
        .expect("the ready example has a waiver");
    text[..cut].to_owned()
}

impl PullRequest {
    fn reviews(&self, reviews: Value) {
        let mock = Mock::given(method("GET"))
            .and(path("/repos/acme/payments/pulls/7/reviews"))
            .respond_with(ResponseTemplate::new(200).set_body_json(reviews));
        self.runtime.block_on(mock.mount(&self.server));
    }

    fn member(&self, login: &str, status: u16) {
        let body = if status == 200 {
            json!({"state": "active", "role": "member"})
        } else {
            json!({"message": "Not Found"})
        };
        let mock = Mock::given(method("GET"))
            .and(path(format!("/orgs/acme/teams/sre/memberships/{login}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(body));
        self.runtime.block_on(mock.mount(&self.server));
    }

    fn approved_by(&self, login: &str) -> Value {
        json!([{"user": {"login": login}, "state": "APPROVED", "commit_id": self.head}])
    }

    fn check(&self) -> (Output, Value) {
        let event = json!({
            "number": 7,
            "pull_request": {"number": 7, "head": {"sha": self.head}, "base": {"sha": self.base}}
        });
        let event_path = self.repo.work.join("../event.json");
        std::fs::write(&event_path, event.to_string()).expect("the event is written");
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
        command.current_dir(&self.repo.work);
        self.repo.env(&mut command);
        command
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.server.uri())
            .env("GITHUB_REPOSITORY", "acme/payments")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_TOKEN", TOKEN)
            .env("PRR_GITHUB_BACKOFF_MS", "10")
            .env("PRR_GITHUB_TIMEOUT", "10")
            .args([
                "check", "--rules", ".prr", "--as-of", AS_OF, "--format", "json",
            ]);
        let out = command.output().expect("prr runs");
        assert!(!stdout(&out).contains(TOKEN));
        let report = serde_json::from_str(&stdout(&out)).unwrap_or_else(|err| {
            panic!(
                "{err}: {}{}",
                stdout(&out),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out, report)
    }
}

fn results<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == rule)
        .collect()
}

#[test]
fn a_new_waiver_without_approval_waives_nothing_and_says_who_must_approve() {
    let pr = pull_request(&without_the_waiver());
    pr.reviews(json!([]));
    let (out, report) = pr.check();
    assert_eq!(out.status.code(), Some(1));
    let approval = results(&report, "waiver.approved");
    assert_eq!(approval[0]["status"], "fail");
    let message = approval[0]["message"].as_str().unwrap();
    assert!(
        message.contains("the waiver of `release.progressive` is new in pull request #7 and waives nothing until a member of @acme/sre approves"),
        "{message}"
    );
    assert_eq!(results(&report, "release.progressive")[0]["status"], "fail");
}

#[test]
fn an_approval_by_a_member_of_the_team_makes_it_count() {
    let pr = pull_request(&without_the_waiver());
    pr.reviews(pr.approved_by("ana"));
    pr.member("ana", 200);
    let (out, report) = pr.check();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(
        results(&report, "release.progressive")[0]["status"],
        "waived"
    );
    let approval = results(&report, "waiver.approved");
    assert!(approval[0]["message"]
        .as_str()
        .unwrap()
        .contains("approved by ana"));
}

#[test]
fn an_approval_by_someone_outside_the_team_does_not() {
    let pr = pull_request(&without_the_waiver());
    pr.reviews(pr.approved_by("bo"));
    pr.member("bo", 404);
    let (out, report) = pr.check();
    assert_eq!(out.status.code(), Some(1));
    let message = results(&report, "waiver.approved")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("(approved by bo, who is not in @acme/sre)"),
        "{message}"
    );
}

#[test]
fn an_approval_of_an_older_commit_does_not_count_for_the_head() {
    let pr = pull_request(&without_the_waiver());
    pr.reviews(json!([{"user": {"login": "ana"}, "state": "APPROVED", "commit_id": pr.base}]));
    pr.member("ana", 200);
    let (out, report) = pr.check();
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    // Judged, not crashed: the waiver waits for an approval of the head, and so the rule
    // it would waive fails.
    let approval = results(&report, "waiver.approved");
    assert_eq!(approval[0]["status"], "fail", "{report:#}");
    let message = approval[0]["message"].as_str().unwrap();
    assert!(
        message.contains("the waiver of `release.progressive` is new in pull request #7 and waives nothing until a member of @acme/sre approves"),
        "{message}"
    );
    assert!(!message.contains("approved by ana"), "{message}");
    assert_eq!(results(&report, "release.progressive")[0]["status"], "fail");
}

#[test]
fn a_waiver_already_on_the_base_branch_needs_no_new_approval() {
    let pr = pull_request(&format!("# the waiver was here before\n{}", ready()));
    pr.reviews(json!([]));
    let (out, report) = pr.check();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(
        results(&report, "release.progressive")[0]["status"],
        "waived"
    );
}

#[test]
fn reviews_that_cannot_be_read_are_no_approval() {
    let pr = pull_request(&without_the_waiver());
    let mock = Mock::given(method("GET"))
        .and(path("/repos/acme/payments/pulls/7/reviews"))
        .respond_with(ResponseTemplate::new(502));
    pr.runtime.block_on(mock.mount(&pr.server));
    let (_, report) = pr.check();
    let approval = results(&report, "waiver.approved");
    assert_eq!(approval[0]["unverified"], true, "{approval:#?}");
    assert!(approval[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("could not verify: GitHub's API"));
}
