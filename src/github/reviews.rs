//! Who approved a pull request at its head commit, and which of them belong to the team
//! that approves waivers: evidence for `waiver.approved`, read through the reviews API and
//! the team-membership API.

use std::collections::BTreeMap;

use http::Method;
use serde_json::Value;

use super::client::Client;
use super::{encode, Error};

/// The approvals of a pull request that count for a team.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Approvals {
    /// Approvers at the head commit who are active members of the team.
    pub members: Vec<String>,
    /// Approvers at the head commit who are not.
    pub others: Vec<String>,
}

/// Each reviewer's standing approval at `head`: a reviewer's latest review that approves or
/// requests changes decides (a comment changes nothing), and an approval of an older commit
/// does not count for the head.
fn approvers_at(reviews: &[Value], head: &str) -> Vec<String> {
    let mut latest: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for review in reviews {
        let state = review.get("state").and_then(Value::as_str).unwrap_or("");
        if !matches!(state, "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED") {
            continue;
        }
        let Some(login) = review.pointer("/user/login").and_then(Value::as_str) else {
            continue;
        };
        let commit = review
            .get("commit_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        // The API lists reviews oldest first: a later one replaces an earlier one.
        latest.insert(login.to_owned(), (state, commit));
    }
    latest
        .into_iter()
        .filter(|(_, (state, commit))| *state == "APPROVED" && *commit == head)
        .map(|(login, _)| login)
        .collect()
}

/// The approvals of pull request `number` at `head` that count for `team` (`@org/slug`).
///
/// # Errors
/// GitHub refused or could not be reached, or `team` is not `@org/slug`.
pub async fn approvals(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
    head: &str,
    team: &str,
) -> Result<Approvals, Error> {
    let (org, slug) = team
        .trim_start_matches('@')
        .split_once('/')
        .filter(|(org, slug)| !org.is_empty() && !slug.is_empty() && !slug.contains('/'))
        .ok_or_else(|| {
            Error::Context(format!(
                "`[pack] waiver_approvers` is \"{team}\": name a team as @org/team"
            ))
        })?;
    let what = format!("reading the reviews of pull request #{number}");
    let mut reviews = Vec::new();
    client
        .find_in_pages(
            &what,
            &format!("/repos/{owner}/{repo}/pulls/{number}/reviews?per_page=100"),
            |page| {
                reviews.extend(page.iter().cloned());
                None::<()>
            },
        )
        .await?;
    let mut approvals = Approvals::default();
    for login in approvers_at(&reviews, head) {
        let what = format!("asking whether {login} is a member of {team}");
        let path = format!(
            "/orgs/{}/teams/{}/memberships/{}",
            encode(org, false),
            encode(slug, false),
            encode(&login, false)
        );
        let member = match client.request(&what, &Method::GET, &path, None).await {
            Ok(response) => {
                response.json(&what)?.get("state").and_then(Value::as_str) == Some("active")
            }
            Err(Error::Status { status: 404, .. }) => false,
            Err(err) => return Err(err),
        };
        if member {
            approvals.members.push(login);
        } else {
            approvals.others.push(login);
        }
    }
    Ok(approvals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_review_at_the_head_decides() {
        let review = |login: &str, state: &str, commit: &str| serde_json::json!({"user": {"login": login}, "state": state, "commit_id": commit});
        let reviews = [
            review("ana", "APPROVED", "head"),
            review("bo", "APPROVED", "old"),
            review("cy", "APPROVED", "head"),
            review("cy", "CHANGES_REQUESTED", "head"),
            review("di", "APPROVED", "head"),
            review("di", "COMMENTED", "head"),
        ];
        assert_eq!(approvers_at(&reviews, "head"), ["ana", "di"]);
    }
}
