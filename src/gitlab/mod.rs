//! GitLab: the CI/CD context, a REST client, the merge-request note, and the labels a
//! deploy's merge request carries. A publisher beside `github`, reading the same report:
//! the verdict is never decided here, and a failure here never changes it.
//!
//! The Code Quality report (`--format gitlab`, `report::gitlab`) needs none of this: it is
//! a file GitLab reads from the job's artifacts, with no token.

pub mod client;
pub mod context;
pub mod labels;
pub mod note;

pub use context::{Context, Token};

use crate::facts::labels::Labels;
use crate::facts::{Gathered, Unavailable};
use crate::github::CommentMode;
use crate::report::{Report, Verdict};

/// Everything that can go wrong talking to GitLab. Every message has been through
/// [`redact`]: no token reaches an error chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Context(String),
    #[error("{what}: GitLab refused the token (401 Unauthorized: expired, revoked, or not a token of this instance): {message}")]
    Unauthorized { what: String, message: String },
    #[error("{what}: the token may not do this (403 Forbidden: it needs the api scope and at least the Reporter role in the project): {message}")]
    Forbidden { what: String, message: String },
    #[error("{what}: not found (404: gone, or the token cannot see it): {message}")]
    NotFound { what: String, message: String },
    #[error("{what}: GitLab answered {status}: {message}")]
    Status {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: gave up after {attempts} attempts: {last}")]
    GaveUp {
        what: String,
        attempts: u32,
        last: String,
    },
    #[error("{what}: {message}")]
    Transport { what: String, message: String },
    #[error("{what}: {message}")]
    Response { what: String, message: String },
}

/// The environment variables that may hold a GitLab token.
const TOKEN_VARIABLES: [&str; 2] = ["PRR_GITLAB_TOKEN", "CI_JOB_TOKEN"];

/// `text` with every GitLab token this process knows of replaced by `***`.
#[must_use]
pub fn redact(text: &str) -> String {
    crate::github::redact_variables(text, &TOKEN_VARIABLES)
}

/// What publishing did and did not do.
#[derive(Debug, Default)]
pub struct Published {
    /// What was done, one line each, for the log.
    pub done: Vec<String>,
    /// What could not be done, one line each.
    pub warnings: Vec<String>,
    /// Whether something that should have reached GitLab did not (for `--publish-strict`).
    pub failed: bool,
}

impl Published {
    fn warn(&mut self, line: String) {
        self.warnings.push(redact(&line));
        self.failed = true;
    }
}

/// Keeps the merge request's note up to date: created when the gate fails (or with
/// `--comment always`), an existing one always updated, so a failure fixed later turns it
/// green. `markdown` is the report's Markdown.
#[must_use]
pub fn publish(report: &Report, markdown: &str, mode: CommentMode) -> Published {
    let mut published = Published::default();
    if mode == CommentMode::Never {
        published
            .done
            .push("no merge-request note (--comment never)".to_owned());
        return published;
    }
    let cx = match Context::from_env() {
        Ok(cx) => cx,
        Err(err) => {
            published.warn(err.to_string());
            return published;
        }
    };
    let token = match Token::from_env() {
        Token::Api(token) => token,
        missing => {
            if let Some(why) = missing.missing("write a merge-request note") {
                published.warn(format!(
                    "{why}; no note (the Code Quality report, --format gitlab, needs no token)"
                ));
            }
            return published;
        }
    };
    let manifests: Vec<String> = report.services.iter().map(|s| s.manifest.clone()).collect();
    let marker = note::marker(&manifests);
    let create = mode == CommentMode::Always || report.verdict != Verdict::Pass;
    let (cx, marker) = (&cx, &marker);
    let outcome = run(cx, &token, |client| async move {
        let iid = match (cx.merge_request, &cx.commit) {
            (Some(iid), _) => Some(iid),
            (None, Some(sha)) => labels::open_merge_request_of(&client, cx.project, sha).await?,
            (None, None) => None,
        };
        let Some(iid) = iid else {
            return Ok(None);
        };
        note::upsert(&client, cx.project, iid, marker, markdown, create)
            .await
            .map(|outcome| Some((iid, outcome)))
    });
    match outcome {
        Ok(Some((iid, note::NoteOutcome::Created(id)))) => published
            .done
            .push(format!("wrote a note on merge request !{iid} (note {id})")),
        Ok(Some((iid, note::NoteOutcome::Updated(id)))) => published
            .done
            .push(format!("updated the note on merge request !{iid} (note {id})")),
        Ok(Some((iid, note::NoteOutcome::NotNeeded))) => published.done.push(format!(
            "no note on merge request !{iid}: the gate passed and there was none to update"
        )),
        Ok(None) => published.done.push(
            "no merge request for this pipeline (no CI_MERGE_REQUEST_IID, and no open merge request has this commit as its head): no note".to_owned(),
        ),
        Err(err) => published.warn(err.to_string()),
    }
    published
}

/// The labels of the merge request a deploy ships, for the error budget's owner `team`:
/// the pipeline's merge request, else the merged one that made the commit. As facts for
/// the engine; a GitLab that cannot be asked leaves them unavailable, never granted.
#[must_use]
pub fn deploy_labels(team: &str) -> Gathered<Labels> {
    let cx = match Context::from_env() {
        Ok(cx) => cx,
        Err(err) => return Gathered::NotConfigured(err.to_string()),
    };
    let token = match Token::from_env() {
        Token::Api(token) => token,
        missing => {
            return Gathered::NotConfigured(
                missing
                    .missing("read the merge request's labels")
                    .unwrap_or_default(),
            )
        }
    };
    let cx = &cx;
    let read = run(cx, &token, |client| async move {
        let iid = match (cx.merge_request, &cx.commit) {
            (Some(iid), _) => Some(iid),
            (None, Some(sha)) => labels::merged_merge_request_of(&client, cx.project, sha).await?,
            (None, None) => None,
        };
        let Some(iid) = iid else {
            return Ok(None);
        };
        let applied = labels::labels(&client, cx.project, iid, team).await?;
        Ok(Some((iid, applied)))
    });
    match read {
        Ok(Some((iid, labels))) => Gathered::Known(Labels {
            pull_request: iid,
            team: team.to_owned(),
            labels,
        }),
        Ok(None) => {
            Gathered::NotConfigured("no merge request is known for the deployed commit".to_owned())
        }
        Err(err) => {
            Gathered::Unavailable(Unavailable::live("GitLab's API", redact(&err.to_string())))
        }
    }
}

/// Runs `work` with a client for the job's API and `token`, on a runtime of its own (the
/// rest of the crate is synchronous).
fn run<'a, T, F, Fut>(cx: &'a Context, token: &str, work: F) -> Result<T, Error>
where
    F: FnOnce(client::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>> + 'a,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Context(format!("cannot start the HTTP runtime: {err}")))?;
    runtime.block_on(async {
        let client = client::Client::new(&cx.api_url, token, client::Timing::from_env())?;
        work(client).await
    })
}
