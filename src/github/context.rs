//! Where a run is: the repository, the event that started the workflow, the pull request
//! and head commit it concerns, read from the variables GitHub Actions sets.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::Error;

/// The API of github.com, used when `GITHUB_API_URL` is unset.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Where a pull request number comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullRequest {
    /// The event names it.
    Number(u64),
    /// A fork's `workflow_run`: GitHub leaves `pull_requests` empty, so the number is
    /// found through the API from the head commit.
    ByCommit,
    /// The event concerns no pull request (`push`, `workflow_dispatch`).
    None,
}

/// The run's context, as GitHub Actions describes it.
#[derive(Clone, Debug)]
pub struct Context {
    pub api_url: String,
    pub owner: String,
    pub repo: String,
    pub event_name: String,
    pub pull_request: PullRequest,
    /// The commit the check run goes on: from the event, `GITHUB_SHA` only for `push`.
    pub head_sha: Option<String>,
    /// Identifies this run's check run, so that a retried create finds its own.
    pub run_id: Option<String>,
}

/// Where lines can be linked, from the variables GitHub Actions sets; `None` elsewhere.
/// Lines are linked at the head commit the event names (for a pull request, `GITHUB_SHA`
/// is a merge commit that the reader never sees), else at `GITHUB_SHA`.
pub fn links_from_env() -> Option<crate::report::markdown::Links> {
    let var = |name| std::env::var(name).unwrap_or_default();
    let head = Context::from_env()
        .ok()
        .and_then(|cx| cx.head_sha)
        .unwrap_or_else(|| var("GITHUB_SHA"));
    crate::report::markdown::Links::new(&var("GITHUB_SERVER_URL"), &var("GITHUB_REPOSITORY"), &head)
}

impl Context {
    /// Reads the context from the process environment.
    ///
    /// # Errors
    /// `GITHUB_REPOSITORY` is missing or malformed, or the event file cannot be read.
    pub fn from_env() -> Result<Self, Error> {
        let vars: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("GITHUB_"))
            .collect();
        let event = match vars.get("GITHUB_EVENT_PATH").filter(|p| !p.is_empty()) {
            Some(path) => read_event(Path::new(path))?,
            None => Value::Null,
        };
        Self::from_parts(&vars, &event)
    }

    /// The context from the variables and the event payload (testable without a process).
    ///
    /// # Errors
    /// `GITHUB_REPOSITORY` is missing or not `OWNER/REPO`.
    pub fn from_parts(vars: &BTreeMap<String, String>, event: &Value) -> Result<Self, Error> {
        let var = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();
        let repository = var("GITHUB_REPOSITORY").ok_or_else(|| {
            Error::Context(
                "GITHUB_REPOSITORY is not set: --publish runs inside GitHub Actions".to_owned(),
            )
        })?;
        let (owner, repo) = split_repository(&repository)?;
        let event_name = var("GITHUB_EVENT_NAME").unwrap_or_default();
        let str_at = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
        let (pull_request, head_sha) = match event_name.as_str() {
            "pull_request" | "pull_request_target" => (
                event
                    .pointer("/pull_request/number")
                    .or_else(|| event.get("number"))
                    .and_then(Value::as_u64)
                    .map_or(PullRequest::None, PullRequest::Number),
                str_at("/pull_request/head/sha").map(str::to_owned),
            ),
            "workflow_run" => {
                let number = event
                    .pointer("/workflow_run/pull_requests/0/number")
                    .and_then(Value::as_u64);
                let from_pull_request = str_at("/workflow_run/event")
                    .is_some_and(|e| e == "pull_request" || e == "pull_request_target");
                let pull_request = match number {
                    Some(n) => PullRequest::Number(n),
                    None if from_pull_request => PullRequest::ByCommit,
                    None => PullRequest::None,
                };
                (
                    pull_request,
                    str_at("/workflow_run/head_sha").map(str::to_owned),
                )
            }
            "push" => (PullRequest::None, var("GITHUB_SHA")),
            // workflow_dispatch and the rest: no pull request, and no head commit the
            // event vouches for (Decision 11), so no check run either.
            _ => (PullRequest::None, None),
        };
        let run_id = var("GITHUB_RUN_ID").map(|id| match var("GITHUB_RUN_ATTEMPT") {
            Some(attempt) => format!("{id}-{attempt}"),
            None => id,
        });
        Ok(Self {
            api_url: var("GITHUB_API_URL")
                .unwrap_or_else(|| DEFAULT_API_URL.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            owner,
            repo,
            event_name,
            pull_request,
            head_sha: head_sha.filter(|sha| is_sha(sha)),
            run_id,
        })
    }
}

impl Context {
    /// Whether this job may write to a pull request whose own job wrote the report it is
    /// given (`workflow_run`, `pull_request_target`): such a report is untrusted, and the
    /// job judges the head commit itself. In a `pull_request` job the pull request's code
    /// already runs with the job's token, so judging again there would protect nothing.
    #[must_use]
    pub fn judges_for_a_pull_request(&self) -> bool {
        matches!(
            self.event_name.as_str(),
            "workflow_run" | "pull_request_target"
        ) && self.pull_request != PullRequest::None
    }
}

/// `OWNER/REPO`, each part safe to put in a URL path.
///
/// # Errors
/// Not two non-empty parts of letters, digits, `-`, `_` and `.`.
pub fn split_repository(text: &str) -> Result<(String, String), Error> {
    let valid = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match text.split_once('/') {
        Some((owner, repo)) if valid(owner) && valid(repo) => {
            Ok((owner.to_owned(), repo.to_owned()))
        }
        _ => Err(Error::Context(format!(
            "`{text}` is not a repository (OWNER/REPO)"
        ))),
    }
}

/// A commit id: 40 (SHA-1) or 64 (SHA-256) hex digits. Anything else in an event is not
/// put into a URL.
pub fn is_sha(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn read_event(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Error::Context(format!(
            "cannot read the event payload {}: {err}",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|err| {
        Error::Context(format!(
            "the event payload {} is not JSON: {err}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn pull_request_takes_number_and_head_sha_from_the_event() {
        let event =
            serde_json::json!({"number": 7, "pull_request": {"number": 7, "head": {"sha": SHA}}});
        let cx = Context::from_parts(
            &vars(&[
                ("GITHUB_REPOSITORY", "acme/payments"),
                ("GITHUB_EVENT_NAME", "pull_request"),
                ("GITHUB_SHA", "ffffffffffffffffffffffffffffffffffffffff"),
            ]),
            &event,
        )
        .unwrap();
        assert_eq!(cx.pull_request, PullRequest::Number(7));
        assert_eq!(cx.head_sha.as_deref(), Some(SHA));
        assert_eq!(cx.api_url, DEFAULT_API_URL);
    }

    #[test]
    fn fork_workflow_run_is_found_by_commit() {
        let event = serde_json::json!({"workflow_run": {"event": "pull_request", "head_sha": SHA, "pull_requests": []}});
        let cx = Context::from_parts(
            &vars(&[
                ("GITHUB_REPOSITORY", "acme/payments"),
                ("GITHUB_EVENT_NAME", "workflow_run"),
                ("GITHUB_API_URL", "https://ghes.acme.dev/api/v3/"),
            ]),
            &event,
        )
        .unwrap();
        assert_eq!(cx.pull_request, PullRequest::ByCommit);
        assert_eq!(cx.head_sha.as_deref(), Some(SHA));
        assert_eq!(cx.api_url, "https://ghes.acme.dev/api/v3");
    }

    #[test]
    fn push_uses_github_sha_and_dispatch_has_no_head() {
        let base = [("GITHUB_REPOSITORY", "acme/payments"), ("GITHUB_SHA", SHA)];
        let mut push = vars(&base);
        push.insert("GITHUB_EVENT_NAME".into(), "push".into());
        let cx = Context::from_parts(&push, &Value::Null).unwrap();
        assert_eq!(cx.head_sha.as_deref(), Some(SHA));
        let mut dispatch = vars(&base);
        dispatch.insert("GITHUB_EVENT_NAME".into(), "workflow_dispatch".into());
        let cx = Context::from_parts(&dispatch, &Value::Null).unwrap();
        assert_eq!(cx.head_sha, None);
        assert_eq!(cx.pull_request, PullRequest::None);
    }

    #[test]
    fn a_repository_must_be_owner_slash_repo() {
        assert!(split_repository("acme").is_err());
        assert!(split_repository("acme/../x").is_err());
        assert!(split_repository("acme/pay ments").is_err());
        assert!(split_repository("acme/payments").is_ok());
    }
}
