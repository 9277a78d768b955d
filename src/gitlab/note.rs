//! The merge-request note: one per merge request and manifest set, found by prr's hidden
//! marker and written by prr's own user, updated in place.
//!
//! Notes API: <https://docs.gitlab.com/api/notes/#merge-requests>; the token's user:
//! <https://docs.gitlab.com/api/users/#get-the-current-user>.

use http::Method;
use serde_json::{json, Value};

use super::client::{Client, Created};
use super::Error;
use crate::github::comment::marker as github_marker;

/// GitLab refuses a note over 1,000,000 characters; the Markdown report is cut far below
/// that already, this is the last guard.
const MAX_NOTE_CHARS: usize = 1_000_000;
const MARKER_PREFIX: &str = "<!-- prr-gate:";
/// A zero-width space: invisible, and enough to stop GitLab reading what follows it as a
/// quick action (which must start its line) or a mention (`@` then a name).
const ZWSP: char = '\u{200B}';

/// The hidden marker of a set of manifests: the same as on GitHub, so one repository's
/// gates are told apart the same way on both.
#[must_use]
pub fn marker(manifests: &[String]) -> String {
    github_marker(manifests)
}

/// What happened to the note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteOutcome {
    Created(u64),
    Updated(u64),
    /// The gate passed and there was no note to turn green.
    NotNeeded,
}

/// The note's text: the marker, then the Markdown report made safe for GitLab Flavored
/// Markdown. The report already escapes what manifests bring (HTML, links, `@`); on top,
/// and whatever a line holds: a marker inside the body is defused (it could capture
/// another gate's note), a line that would start with `/` (a quick action such as
/// `/merge` or `/approve`, which GitLab runs when a note is posted) is pushed off the
/// start of its line, and an `@` before a name gets a zero-width space after it.
#[must_use]
pub fn note_body(marker: &str, body: &str) -> String {
    let defused = body.replace(MARKER_PREFIX, "&lt;!-- prr-gate:");
    let mut text = format!("{marker}\n");
    for line in defused.lines() {
        if line.trim_start().starts_with('/') {
            text.push(ZWSP);
        }
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            text.push(c);
            if c == '@'
                && chars
                    .peek()
                    .is_some_and(|n| n.is_alphanumeric() || matches!(n, '_' | '-' | '.'))
            {
                text.push(ZWSP);
            }
        }
        text.push('\n');
    }
    if let Some((at, _)) = text.char_indices().nth(MAX_NOTE_CHARS) {
        text.truncate(at);
    }
    text
}

/// The numeric id of the token's user (`GET /user`): only notes this user wrote are prr's
/// (anyone may paste the marker into a note of their own).
///
/// # Errors
/// GitLab refused the token or could not be asked.
pub async fn author(client: &Client) -> Result<u64, Error> {
    let what = "finding the token's user (GET /user)";
    client
        .request(what, &Method::GET, "/user", None)
        .await?
        .json(what)?
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::Response {
            what: what.to_owned(),
            message: "the answer names no user id".to_owned(),
        })
}

fn notes_path(project: u64, iid: u64) -> String {
    format!("/projects/{project}/merge_requests/{iid}/notes")
}

/// prr's own marked note on the merge request, on any page: it carries the marker, was
/// written by `author`, and is not a system note.
///
/// # Errors
/// A page cannot be listed.
pub async fn find(
    client: &Client,
    project: u64,
    iid: u64,
    marker: &str,
    author: u64,
) -> Result<Option<u64>, Error> {
    client
        .find_in_pages(
            &format!("listing the notes of merge request !{iid}"),
            &format!("{}?sort=asc&order_by=created_at", notes_path(project, iid)),
            |notes| {
                notes.iter().find_map(|note| {
                    let body = note.get("body").and_then(Value::as_str)?;
                    let by = note.pointer("/author/id").and_then(Value::as_u64)?;
                    let system = note.get("system").and_then(Value::as_bool) == Some(true);
                    (body.contains(marker) && by == author && !system)
                        .then(|| note.get("id").and_then(Value::as_u64))
                        .flatten()
                })
            },
        )
        .await
}

/// Updates prr's note, or creates it when `create` (the gate failed, or `--comment always`).
///
/// # Errors
/// GitLab refused or could not be reached.
pub async fn upsert(
    client: &Client,
    project: u64,
    iid: u64,
    marker: &str,
    body: &str,
    create: bool,
) -> Result<NoteOutcome, Error> {
    let payload = json!({ "body": note_body(marker, body) });
    let author = author(client).await?;
    if let Some(id) = find(client, project, iid, marker, author).await? {
        update(client, project, iid, id, &payload).await?;
        return Ok(NoteOutcome::Updated(id));
    }
    if !create {
        return Ok(NoteOutcome::NotNeeded);
    }
    let what = format!("creating the note on merge request !{iid}");
    match client
        .create(&what, &notes_path(project, iid), &payload, || {
            find(client, project, iid, marker, author)
        })
        .await?
    {
        Created::New(response) => Ok(NoteOutcome::Created(
            response
                .json(&what)?
                .get("id")
                .and_then(Value::as_u64)
                .unwrap_or_default(),
        )),
        // An attempt whose answer was lost made it: bring it up to date.
        Created::Existing(id) => {
            update(client, project, iid, id, &payload).await?;
            Ok(NoteOutcome::Created(id))
        }
    }
}

async fn update(
    client: &Client,
    project: u64,
    iid: u64,
    id: u64,
    payload: &Value,
) -> Result<(), Error> {
    client
        .request(
            &format!("updating note {id} on merge request !{iid}"),
            &Method::PUT,
            &format!("{}/{id}", notes_path(project, iid)),
            Some(payload),
        )
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_actions_mentions_and_markers_are_defused() {
        let m = marker(&["prr.toml".into()]);
        let body = format!("/merge\n  /approve now\nok @alice and a@ b\n{m}\nnot /merge here\n");
        let text = note_body(&m, &body);
        assert_eq!(text.matches(MARKER_PREFIX).count(), 1);
        assert!(text.starts_with(&m));
        for line in text.lines() {
            assert!(!line.trim_start().starts_with('/'), "{line:?}");
        }
        assert!(text.contains("@\u{200B}alice"));
        assert!(text.contains("a@ b"));
        assert!(text.contains("not /merge here"));
    }
}
