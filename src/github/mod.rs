//! GitHub: the CI context, the client, the sticky comment, the check run, the job summary
//! and step outputs, and trusted rule packs. The only module that does network I/O; it
//! runs its own current-thread tokio runtime so that the rest of the crate stays
//! synchronous.
//!
//! A failure here never changes the verdict: [`publish`] reports what it could not do as
//! warnings, and the caller decides (`--publish-strict`) whether that is an error.

pub mod actions;
pub mod checks;
pub mod client;
pub mod comment;
pub mod context;
pub mod fleet;
pub mod head;
pub mod incidents;
pub mod reviews;
pub mod rules;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use comment::CommentMode;
pub use context::{Context, PullRequest};

use crate::report::{Report, Verdict};

/// Everything that can go wrong talking to GitHub. Every message has been through
/// [`redact`]: no token reaches an error chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Context(String),
    #[error("{what}: GitHub refused (403 Forbidden): {message}")]
    Forbidden { what: String, message: String },
    #[error("{what}: GitHub answered {status}: {message}")]
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
    #[error("{what}: out of time (PRR_GITHUB_TIMEOUT)")]
    OutOfTime { what: String },
    #[error("{what}: {message}")]
    Response { what: String, message: String },
    #[error("{0}")]
    Runner(String),
}

/// The environment variables that may hold a token.
const TOKEN_VARIABLES: [&str; 4] = [
    "GITHUB_TOKEN",
    "PRR_RULES_TOKEN",
    "PRR_FLEET_TOKEN",
    "INPUT_TOKEN",
];

/// `text` with every token this process knows of replaced by `***`. Octocrab's and
/// hyper's errors can carry URLs and request details; whatever is shown passes here first.
#[must_use]
pub fn redact(text: &str) -> String {
    redact_variables(text, &TOKEN_VARIABLES)
}

/// `text` with the value of each of the environment variables `names` replaced by `***`
/// (GitLab's publisher redacts its own tokens the same way).
#[must_use]
pub fn redact_variables(text: &str, names: &[&str]) -> String {
    let mut out = text.to_owned();
    for name in names {
        if let Ok(token) = std::env::var(name) {
            let token = token.trim();
            // A very short "token" would redact ordinary words; it is no secret anyway.
            if token.len() >= 8 {
                out = out.replace(token, "***");
            }
        }
    }
    out
}

/// Percent-encodes a URL path segment or query value (`/` kept when `keep_slash`).
#[must_use]
pub fn encode(text: &str, keep_slash: bool) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What to publish, besides the report.
#[derive(Clone, Debug)]
pub struct Options {
    pub comment: CommentMode,
    /// The check run's name; `None`: no check run.
    pub check_run: Option<String>,
    /// Whether to append to the job summary.
    pub summary: bool,
    /// The JSON report's path, for the `report` step output.
    pub report_path: Option<String>,
}

/// What publishing did and did not do.
#[derive(Debug, Default)]
pub struct Published {
    /// What was done, one line each, for the log.
    pub done: Vec<String>,
    /// What could not be done, one line each.
    pub warnings: Vec<String>,
    /// Whether something that should have reached GitHub did not (for `--publish-strict`).
    /// The 403 fallback of a fork's read-only token is not such a failure: it is the
    /// documented way such a run reports.
    pub failed: bool,
    /// Workflow commands to print to stdout (the fallback annotations), or empty.
    pub workflow_commands: String,
}

/// The warning that names the fix when the token cannot write (a fork's pull request).
pub const READ_ONLY_FIX: &str = "the token cannot write to this pull request (403: a pull request from a fork gets a read-only GITHUB_TOKEN), so the findings are shown as annotations and in the job summary instead. To get the comment and the check run, run `prr check --format json=prr-report.json` in the pull_request workflow, upload the report as an artifact, and run `prr publish prr-report.json` from a workflow_run workflow with `checks: write` and `pull-requests: write`: see docs/github-actions.md";

/// Publishes the report: job summary and step outputs, the sticky comment, the check run;
/// falls back to workflow-command annotations when the token may not write.
#[must_use]
pub fn publish(report: &Report, markdown: &str, options: &Options) -> Published {
    let mut published = Published::default();
    runner_files(report, markdown, options, &mut published);
    let context = match Context::from_env() {
        Ok(context) => context,
        Err(err) => {
            published.warnings.push(redact(&err.to_string()));
            published.failed = true;
            return published;
        }
    };
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        published.warnings.push(
            "GITHUB_TOKEN is not set: no comment and no check run (pass `token: ${{ github.token }}` or set GITHUB_TOKEN)".to_owned(),
        );
        published.failed = true;
        published.workflow_commands = crate::report::github::render(report);
        return published;
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            published
                .warnings
                .push(format!("cannot start the HTTP runtime: {err}"));
            published.failed = true;
            return published;
        }
    };
    let forbidden = runtime.block_on(post(
        report,
        markdown,
        options,
        &context,
        &token,
        &mut published,
    ));
    if forbidden {
        published.warnings.push(READ_ONLY_FIX.to_owned());
        published.workflow_commands = crate::report::github::render(report);
    }
    published
}

/// The job summary and step outputs: files on the runner, no token needed.
fn runner_files(report: &Report, markdown: &str, options: &Options, published: &mut Published) {
    let path_of = |name: &str| {
        std::env::var_os(name)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    };
    if options.summary {
        if let Some(path) = path_of("GITHUB_STEP_SUMMARY") {
            match actions::append_summary(&path, markdown) {
                Ok(()) => published.done.push("wrote the job summary".to_owned()),
                Err(err) => {
                    published.warnings.push(err.to_string());
                    published.failed = true;
                }
            }
        }
    }
    if let Some(path) = path_of("GITHUB_OUTPUT") {
        let outputs = [
            ("verdict", report.verdict.to_string()),
            ("failed", report.summary.failed.to_string()),
            ("warnings", report.summary.warnings.to_string()),
            ("report", options.report_path.clone().unwrap_or_default()),
        ];
        if let Err(err) = actions::set_outputs(&path, &outputs) {
            published.warnings.push(err.to_string());
            published.failed = true;
        }
    }
}

/// The API calls. Returns whether GitHub refused the token (403) somewhere.
async fn post(
    report: &Report,
    markdown: &str,
    options: &Options,
    cx: &Context,
    token: &str,
    published: &mut Published,
) -> bool {
    let mut forbidden = false;
    let mut note = |result: Result<String, Error>, published: &mut Published| match result {
        Ok(done) => published.done.push(done),
        Err(Error::Forbidden { .. }) => forbidden = true,
        Err(err) => {
            published.warnings.push(redact(&err.to_string()));
            published.failed = true;
        }
    };
    let client = match client::Client::new(&cx.api_url, Some(token), client::Timing::from_env()) {
        Ok(client) => client,
        Err(err) => {
            note(Err(err), published);
            return forbidden;
        }
    };
    let (owner, repo) = (cx.owner.as_str(), cx.repo.as_str());

    if options.comment != CommentMode::Never {
        let number = match cx.pull_request {
            PullRequest::Number(n) => Ok(Some(n)),
            PullRequest::ByCommit => match &cx.head_sha {
                Some(sha) => pull_request_of(&client, owner, repo, sha).await,
                None => Ok(None),
            },
            PullRequest::None => Ok(None),
        };
        match number {
            Ok(Some(number)) => {
                let marker = comment::marker(
                    &report
                        .services
                        .iter()
                        .map(|s| s.manifest.clone())
                        .collect::<Vec<_>>(),
                );
                let create =
                    options.comment == CommentMode::Always || report.verdict != Verdict::Pass;
                let outcome =
                    comment::upsert(&client, owner, repo, number, &marker, markdown, create)
                        .await
                        .map(|outcome| match outcome {
                            comment::CommentOutcome::Created(id) => {
                                format!("commented on pull request #{number} (comment {id})")
                            }
                            comment::CommentOutcome::Updated(id) => {
                                format!("updated the comment on pull request #{number} (comment {id})")
                            }
                            comment::CommentOutcome::NotNeeded => format!(
                                "no comment on pull request #{number}: the gate passed and there was none to update"
                            ),
                        });
                note(outcome, published);
            }
            Ok(None) => published.done.push(format!(
                "no pull request for this {} event: no comment",
                if cx.event_name.is_empty() {
                    "unknown"
                } else {
                    &cx.event_name
                }
            )),
            Err(err) => note(Err(err), published),
        }
    }

    if let Some(name) = &options.check_run {
        match &cx.head_sha {
            Some(sha) => {
                let external_id = format!("{}:{}", cx.run_id.as_deref().unwrap_or("local"), name);
                let run = checks::CheckRun {
                    name,
                    head_sha: sha,
                    external_id: &external_id,
                    conclusion: checks::conclusion(report),
                    title: checks::title(report),
                    summary: markdown,
                    annotations: checks::annotations(report),
                };
                let count = run.annotations.len();
                let outcome = checks::publish(&client, owner, repo, &run).await.map(|id| {
                    format!("check run `{name}` on {sha} (id {id}, {count} annotations)")
                });
                note(outcome, published);
            }
            None => published.done.push(format!(
                "no head commit for this {} event: no check run",
                if cx.event_name.is_empty() {
                    "unknown"
                } else {
                    &cx.event_name
                }
            )),
        }
    }
    forbidden
}

/// The pull requests GitHub associates with commit `sha`.
async fn pulls_of_commit(
    client: &client::Client,
    owner: &str,
    repo: &str,
    sha: &str,
    what: &str,
) -> Result<serde_json::Value, Error> {
    let path = format!("/repos/{owner}/{repo}/commits/{sha}/pulls?per_page=100");
    client
        .request(what, &http::Method::GET, &path, None)
        .await?
        .json(what)
}

/// A fork's `workflow_run` names no pull request: the open one whose head is `sha`.
async fn pull_request_of(
    client: &client::Client,
    owner: &str,
    repo: &str,
    sha: &str,
) -> Result<Option<u64>, Error> {
    let what = "finding the pull request of the head commit";
    let json = pulls_of_commit(client, owner, repo, sha, what).await?;
    let pulls = json.as_array().map(Vec::as_slice).unwrap_or_default();
    let number = |p: &serde_json::Value| p.get("number").and_then(serde_json::Value::as_u64);
    let head_is = |p: &&serde_json::Value| {
        p.pointer("/head/sha").and_then(serde_json::Value::as_str) == Some(sha)
    };
    let open =
        |p: &&serde_json::Value| p.get("state").and_then(serde_json::Value::as_str) == Some("open");
    Ok(pulls
        .iter()
        .find(|p| head_is(p) && open(p))
        .or_else(|| pulls.iter().find(open))
        .and_then(number))
}

/// Reads the manifests at the head commit of the run's pull request through the API
/// (`given`: the `--manifest` values; none: the root's), for the privileged job to judge
/// itself. Returns the commit and each manifest's bytes (or why a manifest has none).
///
/// # Errors
/// No head commit, no token, or the files cannot be had: nothing can be judged.
pub fn head_manifests(
    cx: &Context,
    given: &[String],
) -> Result<(String, Vec<head::HeadFile>), Error> {
    let sha = cx.head_sha.clone().ok_or_else(|| {
        Error::Context(format!(
            "the {} event names no head commit to judge",
            cx.event_name
        ))
    })?;
    with_client(cx, |client| async move {
        let files = head::manifests(&client, &cx.owner, &cx.repo, &sha, given).await?;
        Ok((sha, files))
    })
}

/// The repository at the head commit, for the evidence stage of the privileged judgement:
/// every file with its size, and the texts rules read.
///
/// # Errors
/// The listing or a file cannot be had.
pub fn head_repository(cx: &Context, sha: &str, dirs: &[String]) -> Result<head::Listing, Error> {
    with_client(cx, |client| async move {
        head::repository(&client, &cx.owner, &cx.repo, sha, dirs).await
    })
}

/// The run's pull request and its approvals at the head commit that count for `team`;
/// `None` when the run has no pull request (or none can be found from its head commit).
///
/// # Errors
/// GitHub refused or could not be reached.
pub fn pull_request_approvals(
    cx: &Context,
    team: &str,
) -> Result<Option<(u64, reviews::Approvals)>, Error> {
    let Some(head) = cx.head_sha.clone() else {
        return Ok(None);
    };
    with_client(cx, |client| async move {
        let (owner, repo) = (cx.owner.as_str(), cx.repo.as_str());
        let number = match cx.pull_request {
            PullRequest::Number(n) => Some(n),
            PullRequest::ByCommit => pull_request_of(&client, owner, repo, &head).await?,
            PullRequest::None => None,
        };
        let Some(number) = number else {
            return Ok(None);
        };
        let approvals = reviews::approvals(&client, owner, repo, number, &head, team).await?;
        Ok(Some((number, approvals)))
    })
}

/// The labels of the pull request a deploy ships, each with whether whoever applied it
/// belongs to `team`: the run's pull request, or on a push the pull request that made the
/// commit (merged, so closed). `None` when there is none.
///
/// # Errors
/// GitHub refused or could not be reached.
pub fn deploy_labels(
    cx: &Context,
    team: &str,
) -> Result<Option<(u64, Vec<reviews::AppliedLabel>)>, Error> {
    let Some(head) = cx.head_sha.clone() else {
        return Ok(None);
    };
    with_client(cx, |client| async move {
        let (owner, repo) = (cx.owner.as_str(), cx.repo.as_str());
        let number = match cx.pull_request {
            PullRequest::Number(n) => Some(n),
            PullRequest::ByCommit => pull_request_of(&client, owner, repo, &head).await?,
            PullRequest::None => merged_pull_request_of(&client, owner, repo, &head).await?,
        };
        let Some(number) = number else {
            return Ok(None);
        };
        let labels = reviews::labels(&client, owner, repo, number, team).await?;
        Ok(Some((number, labels)))
    })
}

/// The pull request whose merge made commit `sha` (a push to the default branch).
async fn merged_pull_request_of(
    client: &client::Client,
    owner: &str,
    repo: &str,
    sha: &str,
) -> Result<Option<u64>, Error> {
    let what = "finding the pull request that made the commit";
    let json = pulls_of_commit(client, owner, repo, sha, what).await?;
    let pulls = json.as_array().map(Vec::as_slice).unwrap_or_default();
    let merged_as = |p: &&serde_json::Value| {
        p.get("merge_commit_sha")
            .and_then(serde_json::Value::as_str)
            == Some(sha)
    };
    Ok(pulls
        .iter()
        .find(merged_as)
        .or_else(|| pulls.first())
        .and_then(|p| p.get("number").and_then(serde_json::Value::as_u64)))
}

/// The same manifests at the pull request's base commit (`--fail-on new` in the privileged
/// job): the base commit from the pull request itself, each manifest read by SHA.
///
/// # Errors
/// The pull request or a file cannot be had.
pub fn base_manifests(
    cx: &Context,
    names: &[String],
) -> Result<(String, Vec<head::HeadFile>), Error> {
    with_client(cx, |client| async move {
        let (owner, repo) = (cx.owner.as_str(), cx.repo.as_str());
        let number = match (&cx.pull_request, &cx.head_sha) {
            (PullRequest::Number(n), _) => Some(*n),
            (PullRequest::ByCommit, Some(sha)) => {
                pull_request_of(&client, owner, repo, sha).await?
            }
            _ => None,
        }
        .ok_or_else(|| Error::Context("no pull request to find the base commit of".to_owned()))?;
        let what = format!("reading pull request #{number}");
        let pull = client
            .request(
                &what,
                &http::Method::GET,
                &format!("/repos/{owner}/{repo}/pulls/{number}"),
                None,
            )
            .await?
            .json(&what)?;
        let base = pull
            .pointer("/base/sha")
            .and_then(serde_json::Value::as_str)
            .filter(|sha| context::is_sha(sha))
            .ok_or_else(|| Error::Response {
                what: what.clone(),
                message: "it names no base commit".to_owned(),
            })?
            .to_owned();
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let bytes = head::file(&client, owner, repo, &base, name).await?;
            files.push((name.clone(), bytes));
        }
        Ok((base, files))
    })
}

/// Runs `work` with a client for the run's API and `GITHUB_TOKEN`, on a runtime of its own.
fn with_client<'a, T, F, Fut>(cx: &'a Context, work: F) -> Result<T, Error>
where
    F: FnOnce(client::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>> + 'a,
{
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Context(
                "GITHUB_TOKEN is not set: the manifests cannot be read through the API".to_owned(),
            )
        })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Context(format!("cannot start the HTTP runtime: {err}")))?;
    runtime.block_on(async {
        let client = client::Client::new(&cx.api_url, Some(&token), client::Timing::from_env())?;
        work(client).await
    })
}

/// Fetches a trusted rule pack (`OWNER/REPO/PATH@REF`, what follows `github:`), with
/// `PRR_RULES_TOKEN` when set (a pack in another private repository), else `GITHUB_TOKEN`,
/// else none (a public repository).
///
/// # Errors
/// The spec is malformed, or the pack cannot be fetched.
pub fn fetch_rules(spec: &str) -> Result<(String, BTreeMap<String, String>), Error> {
    let spec = rules::PackSpec::parse(spec)?;
    let token = ["PRR_RULES_TOKEN", "GITHUB_TOKEN"].iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    });
    with_env_client(token.as_deref(), |client| async move {
        let files = rules::fetch(&client, &spec).await?;
        Ok((spec.label(), files))
    })
}

/// The API's URL: `GITHUB_API_URL`, or github.com's when unset.
fn env_api_url() -> String {
    std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| context::DEFAULT_API_URL.to_owned())
}

/// Runs `work` with a client for `GITHUB_API_URL` (github.com's API when unset), with
/// `token` when given, on a runtime of its own: for reads outside an Actions job's
/// context (a rule pack, an incident listing).
///
/// # Errors
/// The runtime or the client cannot be made, or `work` fails.
pub(crate) fn with_env_client<T, F, Fut>(token: Option<&str>, work: F) -> Result<T, Error>
where
    F: FnOnce(client::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    with_client_at(&env_api_url(), token, client::Timing::from_env(), work)
}

/// Runs `work` with a client for the API at `base_url`, on a runtime of its own.
///
/// # Errors
/// The runtime or the client cannot be made, or `work` fails.
pub(crate) fn with_client_at<T, F, Fut>(
    base_url: &str,
    token: Option<&str>,
    timing: client::Timing,
    work: F,
) -> Result<T, Error>
where
    F: FnOnce(client::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Context(format!("cannot start the HTTP runtime: {err}")))?;
    runtime.block_on(async {
        let client = client::Client::new(base_url.trim_end_matches('/'), token, timing)?;
        work(client).await
    })
}
