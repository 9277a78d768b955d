//! The sticky pull-request comment: one per pull request and manifest set, found by a
//! hidden marker, updated in place.

use std::str::FromStr;

use http::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::client::{Client, Created};
use super::Error;

/// GitHub refuses an issue comment over 65,536 characters.
const MAX_COMMENT_CHARS: usize = 65_536;
const MARKER_PREFIX: &str = "<!-- prr-gate:";

/// When the comment is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommentMode {
    /// Created when the gate fails; an existing one is always updated, so a failure
    /// fixed later turns it green instead of leaving it red.
    #[default]
    Auto,
    /// Created and updated on every run.
    Always,
    /// Never written.
    Never,
}

impl FromStr for CommentMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" | "on-failure" | "true" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            "never" | "off" | "false" => Ok(Self::Never),
            other => Err(format!("`{other}` is not auto, always or never")),
        }
    }
}

/// What happened to the comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommentOutcome {
    Created(u64),
    Updated(u64),
    /// The gate passed and there was no comment to turn green.
    NotNeeded,
}

/// The hidden marker for a set of manifests: two gates in one repository (two manifest
/// sets) keep two comments, and the same set finds its own whatever the order given.
#[must_use]
pub fn marker(manifests: &[String]) -> String {
    let mut sorted: Vec<&str> = manifests.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let digest = Sha256::digest(sorted.join("\n").as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{MARKER_PREFIX}{hex} -->")
}

/// The comment's text: the marker first, then the body, which may come from an untrusted
/// report, so a marker inside it is defused (it could otherwise capture another gate's
/// comment), and the whole is cut to what GitHub accepts.
#[must_use]
pub fn comment_body(marker: &str, body: &str) -> String {
    let defused = body.replace(MARKER_PREFIX, "&lt;!-- prr-gate:");
    let mut text = format!("{marker}\n{defused}");
    truncate(&mut text, MAX_COMMENT_CHARS);
    text
}

/// Cuts `text` to at most `max` characters, saying so at the end.
pub fn truncate(text: &mut String, max: usize) {
    const CUT: &str = "\n\n_(cut to fit GitHub's limit; the job summary has the rest)_\n";
    if text.chars().count() <= max {
        return;
    }
    let keep = max.saturating_sub(CUT.chars().count());
    if let Some((at, _)) = text.char_indices().nth(keep) {
        text.truncate(at);
    }
    text.push_str(CUT);
}

/// Who writes the comment when `GITHUB_TOKEN` is the workflow's own token (an installation
/// token, for which `GET /user` is refused).
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The login prr comments as: the token's user (`GET /user`), or, for a token that is no
/// user's (the workflow's `GITHUB_TOKEN`, refused there with 403), `github-actions[bot]`.
/// Looked up once per run; only comments by this login are prr's (Decision 16).
///
/// # Errors
/// GitHub could not be asked (no answer, 5xx after retries): which comment is prr's cannot
/// be known.
pub async fn author(client: &Client) -> Result<String, Error> {
    let what = "finding who the token comments as";
    match client.request(what, &Method::GET, "/user", None).await {
        Ok(response) => response
            .json(what)?
            .get("login")
            .and_then(Value::as_str)
            .filter(|login| !login.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::Response {
                what: what.to_owned(),
                message: "the answer names no login".to_owned(),
            }),
        Err(Error::Forbidden { .. } | Error::Status { .. }) => Ok(ACTIONS_BOT.to_owned()),
        Err(err) => Err(err),
    }
}

/// Finds prr's own marked comment on every page of the pull request's comments: one that
/// carries the marker and was written by `author`. A marked comment by anyone else is
/// ignored (anyone may paste the marker).
///
/// # Errors
/// A page cannot be listed.
pub async fn find(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
    marker: &str,
    author: &str,
) -> Result<Option<u64>, Error> {
    let path = format!("/repos/{owner}/{repo}/issues/{number}/comments?per_page=100");
    client
        .find_in_pages("listing the pull request's comments", &path, |items| {
            items.iter().find_map(|comment| {
                let body = comment.get("body").and_then(Value::as_str)?;
                let login = comment.pointer("/user/login").and_then(Value::as_str)?;
                (body.contains(marker) && login.eq_ignore_ascii_case(author))
                    .then(|| comment.get("id").and_then(Value::as_u64))
                    .flatten()
            })
        })
        .await
}

/// Updates the marked comment, or creates it when the mode and the verdict call for one.
///
/// # Errors
/// GitHub refused or could not be reached.
pub async fn upsert(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
    marker: &str,
    body: &str,
    create: bool,
) -> Result<CommentOutcome, Error> {
    let payload = json!({ "body": comment_body(marker, body) });
    let author = author(client).await?;
    if let Some(id) = find(client, owner, repo, number, marker, &author).await? {
        update(client, owner, repo, id, &payload).await?;
        return Ok(CommentOutcome::Updated(id));
    }
    if !create {
        return Ok(CommentOutcome::NotNeeded);
    }
    let path = format!("/repos/{owner}/{repo}/issues/{number}/comments");
    let what = "creating the pull request comment";
    match client
        .create(what, &path, &payload, || {
            find(client, owner, repo, number, marker, &author)
        })
        .await?
    {
        Created::New(response) => {
            let id = response
                .json(what)?
                .get("id")
                .and_then(Value::as_u64)
                .unwrap_or_default();
            Ok(CommentOutcome::Created(id))
        }
        // An attempt whose answer was lost made it: bring it up to date.
        Created::Existing(id) => {
            update(client, owner, repo, id, &payload).await?;
            Ok(CommentOutcome::Created(id))
        }
    }
}

async fn update(
    client: &Client,
    owner: &str,
    repo: &str,
    id: u64,
    payload: &Value,
) -> Result<(), Error> {
    client
        .request(
            "updating the pull request comment",
            &Method::PATCH,
            &format!("/repos/{owner}/{repo}/issues/comments/{id}"),
            Some(payload),
        )
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_the_set_whatever_the_order() {
        let a = marker(&["b/prr.toml".into(), "a/prr.toml".into()]);
        let b = marker(&[
            "a/prr.toml".into(),
            "b/prr.toml".into(),
            "a/prr.toml".into(),
        ]);
        assert_eq!(a, b);
        assert_ne!(a, marker(&["a/prr.toml".into()]));
        assert!(a.starts_with("<!-- prr-gate:") && a.ends_with(" -->"));
    }

    #[test]
    fn a_marker_inside_the_body_is_defused_and_the_body_fits() {
        let m = marker(&["prr.toml".into()]);
        let body = format!("{m}\n{}", "é".repeat(70_000));
        let text = comment_body(&m, &body);
        assert_eq!(text.matches(MARKER_PREFIX).count(), 1);
        assert!(text.chars().count() <= MAX_COMMENT_CHARS);
    }
}
