//! Who approved a pull request at its head commit, and which of them belong to the team
//! that approves waivers (evidence for `waiver.approved`); which labels a pull request
//! carries and who applied them (the exceptions an error-budget freeze allows). Read
//! through the reviews, issue-events and team-membership APIs.

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
    team_parts(team)?;
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
        let member = is_member(client, team, &login).await?;
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

pub use crate::facts::labels::AppliedLabel;

/// Each label still on the pull request and who applied it last: a label removed later does
/// not count, and one applied again counts for whoever applied it again.
fn labels_applied(events: &[Value]) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for event in events {
        let Some(name) = event.pointer("/label/name").and_then(Value::as_str) else {
            continue;
        };
        match event.get("event").and_then(Value::as_str) {
            Some("labeled") => {
                let by = event
                    .pointer("/actor/login")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                labels.insert(name.to_owned(), by.to_owned());
            }
            Some("unlabeled") => {
                labels.remove(name);
            }
            _ => {}
        }
    }
    labels
}

/// The labels of pull request `number` (by the issue-events API, oldest first), each with
/// whether whoever applied it is a member of `team` (`@org/slug`).
///
/// # Errors
/// GitHub refused or could not be reached, or `team` is not `@org/slug`.
pub async fn labels(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
    team: &str,
) -> Result<Vec<AppliedLabel>, Error> {
    let what = format!("reading the label events of pull request #{number}");
    let mut events = Vec::new();
    client
        .find_in_pages(
            &what,
            &format!("/repos/{owner}/{repo}/issues/{number}/events?per_page=100"),
            |page| {
                events.extend(page.iter().cloned());
                None::<()>
            },
        )
        .await?;
    let mut applied = Vec::new();
    let mut known: BTreeMap<String, bool> = BTreeMap::new();
    for (name, by) in labels_applied(&events) {
        let member = match known.get(&by) {
            Some(member) => *member,
            None => {
                let member = is_member(client, team, &by).await?;
                known.insert(by.clone(), member);
                member
            }
        };
        applied.push(AppliedLabel { name, by, member });
    }
    Ok(applied)
}

/// Whether `login` is an active member of `team` (`@org/slug`); a 404 is "no".
async fn is_member(client: &Client, team: &str, login: &str) -> Result<bool, Error> {
    let (org, slug) = team_parts(team)?;
    let what = format!("asking whether {login} is a member of {team}");
    let path = format!(
        "/orgs/{}/teams/{}/memberships/{}",
        encode(org, false),
        encode(slug, false),
        encode(login, false)
    );
    match client.request(&what, &Method::GET, &path, None).await {
        Ok(response) => {
            Ok(response.json(&what)?.get("state").and_then(Value::as_str) == Some("active"))
        }
        Err(Error::Status { status: 404, .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

/// `@org/slug` as its parts.
fn team_parts(team: &str) -> Result<(&str, &str), Error> {
    team.trim_start_matches('@')
        .split_once('/')
        .filter(|(org, slug)| !org.is_empty() && !slug.is_empty() && !slug.contains('/'))
        .ok_or_else(|| Error::Context(format!("\"{team}\" is not a team: name it as @org/team")))
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn a_label_removed_later_does_not_count_and_the_last_applier_does() {
        let event = |kind: &str, name: &str, by: &str| serde_json::json!({"event": kind, "label": {"name": name}, "actor": {"login": by}});
        let events = [
            event("labeled", "reliability-fix", "ana"),
            event("labeled", "security-fix", "bo"),
            event("unlabeled", "security-fix", "bo"),
            event("labeled", "reliability-fix", "cy"),
            serde_json::json!({"event": "assigned", "actor": {"login": "di"}}),
        ];
        let applied = labels_applied(&events);
        assert_eq!(applied.len(), 1);
        assert_eq!(applied["reliability-fix"], "cy");
    }
}
