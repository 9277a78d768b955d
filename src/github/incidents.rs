//! The labelled issues the quarterly review reads: incident issues for
//! `prr review quarterly --incidents github:OWNER/REPO`, and the toil backlog's issues.
//! Every issue with the label, open or closed, through the issues listing
//! (`GET /repos/{owner}/{repo}/issues?labels=LABEL&state=all&per_page=100`), page after
//! page. What an issue says is read by `review::incident::from_github_issues` and
//! `review::toil::from_github_issues`.

use serde_json::Value;

use super::{encode, Error};

/// `OWNER/REPO` split, or why it is not one.
///
/// # Errors
/// Not two non-empty segments.
pub fn parse_repo(spec: &str) -> Result<(String, String), Error> {
    match spec.split_once('/') {
        Some((owner, repo)) if !owner.is_empty() && !repo.is_empty() && !repo.contains('/') => {
            Ok((owner.to_owned(), repo.to_owned()))
        }
        _ => Err(Error::Context(format!(
            "`github:{spec}` is not `github:OWNER/REPO`"
        ))),
    }
}

/// Every issue (pull requests included: the caller skips them) of `OWNER/REPO` with
/// `label`, with `GITHUB_TOKEN` when set (a public repository needs none), at
/// `GITHUB_API_URL` (default GitHub's). `what` names the listing in errors.
///
/// # Errors
/// The spec is malformed, or a page cannot be had.
pub fn list(spec: &str, label: &str, what: &str) -> Result<Vec<Value>, Error> {
    let (owner, repo) = parse_repo(spec)?;
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    super::with_env_client(token.as_deref(), |client| async move {
        let first = format!(
            "/repos/{}/{}/issues?labels={}&state=all&per_page=100",
            encode(&owner, false),
            encode(&repo, false),
            encode(label, false),
        );
        let mut issues = Vec::new();
        client
            .find_in_pages::<()>(what, &first, |page| {
                issues.extend_from_slice(page);
                None
            })
            .await?;
        Ok(issues)
    })
}
