//! The labels of the merge request a deploy ships, and who applied each: the exceptions an
//! error-budget freeze lets through, as on GitHub. Read through:
//!
//! - the merge requests of a commit, `GET /projects/:id/repository/commits/:sha/merge_requests`
//!   (<https://docs.gitlab.com/api/commits/#list-merge-requests-associated-with-a-commit>);
//! - the label events of a merge request, `GET /projects/:id/merge_requests/:iid/resource_label_events`
//!   (<https://docs.gitlab.com/api/resource_label_events/#list-project-merge-request-label-events>);
//! - whether a user belongs to a group, inherited membership included,
//!   `GET /groups/:id/members/all/:user_id`
//!   (<https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members>).

use std::collections::BTreeMap;

use http::Method;
use serde_json::Value;

use super::client::Client;
use super::Error;
use crate::github::reviews::AppliedLabel;

/// The merge requests GitLab associates with commit `sha`.
async fn merge_requests_of(client: &Client, project: u64, sha: &str) -> Result<Vec<Value>, Error> {
    let what = format!("finding the merge requests of commit {sha}");
    let mut found = Vec::new();
    client
        .find_in_pages(
            &what,
            &format!("/projects/{project}/repository/commits/{sha}/merge_requests"),
            |page| {
                found.extend(page.iter().cloned());
                None::<()>
            },
        )
        .await?;
    Ok(found)
}

/// The merge request whose merge made commit `sha` (a pipeline on the default branch
/// after the merge): the merged one whose merge or squash commit is `sha`, else the
/// first merged one.
///
/// # Errors
/// GitLab refused or could not be reached.
pub async fn merged_merge_request_of(
    client: &Client,
    project: u64,
    sha: &str,
) -> Result<Option<u64>, Error> {
    let requests = merge_requests_of(client, project, sha).await?;
    let merged = |mr: &&Value| mr.get("state").and_then(Value::as_str) == Some("merged");
    let made_it = |mr: &&Value| {
        ["merge_commit_sha", "squash_commit_sha"]
            .iter()
            .any(|k| mr.get(*k).and_then(Value::as_str) == Some(sha))
    };
    Ok(requests
        .iter()
        .filter(merged)
        .find(made_it)
        .or_else(|| requests.iter().find(merged))
        .and_then(|mr| mr.get("iid").and_then(Value::as_u64)))
}

/// The open merge request whose head is `sha` (a branch pipeline, which GitLab runs
/// without `CI_MERGE_REQUEST_IID`).
///
/// # Errors
/// GitLab refused or could not be reached.
pub async fn open_merge_request_of(
    client: &Client,
    project: u64,
    sha: &str,
) -> Result<Option<u64>, Error> {
    let requests = merge_requests_of(client, project, sha).await?;
    Ok(requests
        .iter()
        .find(|mr| {
            mr.get("state").and_then(Value::as_str) == Some("opened")
                && mr.get("sha").and_then(Value::as_str) == Some(sha)
        })
        .and_then(|mr| mr.get("iid").and_then(Value::as_u64)))
}

/// Each label still on the merge request, with the id and username of whoever added it
/// last: a label removed later does not count; one added again counts for whoever added it
/// again. Events come oldest first.
fn labels_applied(events: &[Value]) -> BTreeMap<String, (u64, String)> {
    let mut labels = BTreeMap::new();
    for event in events {
        let Some(name) = event.pointer("/label/name").and_then(Value::as_str) else {
            continue;
        };
        match event.get("action").and_then(Value::as_str) {
            Some("add") => {
                let id = event.pointer("/user/id").and_then(Value::as_u64);
                let username = event
                    .pointer("/user/username")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match id {
                    Some(id) => labels.insert(name.to_owned(), (id, username.to_owned())),
                    // A label added by a user since deleted: nobody's, so no member's.
                    None => labels.remove(name),
                };
            }
            Some("remove") => {
                labels.remove(name);
            }
            _ => {}
        }
    }
    labels
}

/// The labels of merge request `iid`, each with whether whoever applied it belongs to the
/// group `team` names (`@group/subgroup`, the manifest's `error_budget.owner`).
///
/// # Errors
/// GitLab refused or could not be reached, or `team` names no group.
pub async fn labels(
    client: &Client,
    project: u64,
    iid: u64,
    team: &str,
) -> Result<Vec<AppliedLabel>, Error> {
    let group = team.trim().trim_start_matches('@');
    if group.is_empty() || group.contains(char::is_whitespace) {
        return Err(Error::Context(format!(
            "\"{team}\" is not a GitLab group: name it as @group/subgroup"
        )));
    }
    let what = format!("reading the label events of merge request !{iid}");
    let mut events = Vec::new();
    client
        .find_in_pages(
            &what,
            &format!("/projects/{project}/merge_requests/{iid}/resource_label_events"),
            |page| {
                events.extend(page.iter().cloned());
                None::<()>
            },
        )
        .await?;
    let mut applied = Vec::new();
    let mut known: BTreeMap<u64, bool> = BTreeMap::new();
    for (name, (id, by)) in labels_applied(&events) {
        let member = match known.get(&id) {
            Some(member) => *member,
            None => {
                let member = is_member(client, group, id, &by).await?;
                known.insert(id, member);
                member
            }
        };
        applied.push(AppliedLabel { name, by, member });
    }
    Ok(applied)
}

/// Whether user `id` is an active member of `group` (its full path), directly or through a
/// parent group; a 404 is "no".
async fn is_member(client: &Client, group: &str, id: u64, username: &str) -> Result<bool, Error> {
    let what = format!("asking whether {username} is a member of {group}");
    let path = format!(
        "/groups/{}/members/all/{id}",
        crate::github::encode(group, false)
    );
    match client.request(&what, &Method::GET, &path, None).await {
        Ok(response) => Ok(response
            .json(&what)?
            .get("state")
            .and_then(Value::as_str)
            .is_none_or(|state| state == "active")),
        Err(Error::NotFound { .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_removed_later_does_not_count_and_the_last_adder_does() {
        let event = |action: &str, name: &str, id: u64, by: &str| serde_json::json!({"action": action, "label": {"name": name}, "user": {"id": id, "username": by}});
        let events = [
            event("add", "reliability-fix", 1, "ana"),
            event("add", "security-fix", 2, "bo"),
            event("remove", "security-fix", 2, "bo"),
            event("add", "reliability-fix", 3, "cy"),
            serde_json::json!({"action": "add", "label": null, "user": {"id": 4}}),
        ];
        let applied = labels_applied(&events);
        assert_eq!(applied.len(), 1);
        assert_eq!(applied["reliability-fix"], (3, "cy".to_owned()));
    }
}
