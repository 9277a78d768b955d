//! Deploy evidence: the labels of the pull request a deploy ships and who applied them. An
//! error-budget freeze lets reliability and security fixes through; the label that says a
//! change is one counts only when a member of the error budget's owner team applied it.

use std::collections::BTreeMap;
use std::sync::Mutex;

pub use crate::facts::labels::{AppliedLabel, Labels};
use crate::facts::{Gathered, Unavailable};
use crate::github;
use crate::manifest::Manifest;

/// Reads the labels once per owner team, when the run is a deploy in GitHub Actions with a
/// token.
#[derive(Debug)]
pub struct Gatherer {
    /// Why nothing is read, when nothing is.
    off: Option<String>,
    /// In GitLab CI the labels are the merge request's, read through GitLab's API.
    gitlab: bool,
    by_team: Mutex<BTreeMap<String, Gathered<Labels>>>,
}

impl Gatherer {
    /// Nothing to read, for `why`.
    #[must_use]
    pub fn not_configured(why: &str) -> Self {
        Self {
            off: Some(why.to_owned()),
            gitlab: false,
            by_team: Mutex::default(),
        }
    }

    /// Reads labels for a deploy run; elsewhere says why not.
    #[must_use]
    pub fn for_deploy(deploy: bool) -> Self {
        if deploy && crate::gitlab::context::in_gitlab_ci() {
            return Self {
                off: None,
                gitlab: true,
                by_team: Mutex::default(),
            };
        }
        let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let has_token = std::env::var("GITHUB_TOKEN").is_ok_and(|t| !t.trim().is_empty());
        let off = if !deploy {
            Some("the run is not a deploy")
        } else if !in_actions {
            Some("not in GitHub Actions, where the deploy's pull request and its labels are read")
        } else if !has_token {
            Some("no GITHUB_TOKEN to read the pull request's labels")
        } else {
            None
        };
        Self {
            off: off.map(str::to_owned),
            gitlab: false,
            by_team: Mutex::default(),
        }
    }

    /// The labels for the manifest's `error_budget.owner`.
    pub fn facts(&self, manifest: &Manifest) -> Gathered<Labels> {
        if let Some(why) = &self.off {
            return Gathered::NotConfigured(why.clone());
        }
        let Some(team) = manifest
            .root
            .pointer("error_budget.owner")
            .and_then(crate::manifest::Node::as_str)
            .map(str::trim)
            .filter(|t| t.starts_with('@') && t.contains('/'))
        else {
            return Gathered::NotConfigured(
                "`error_budget.owner` names no GitHub team (@org/team) to apply the labels"
                    .to_owned(),
            );
        };
        let mut by_team = match self.by_team.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        by_team
            .entry(team.to_owned())
            .or_insert_with(|| {
                if self.gitlab {
                    crate::gitlab::deploy_labels(team)
                } else {
                    read(team)
                }
            })
            .clone()
    }
}

fn read(team: &str) -> Gathered<Labels> {
    let cx = match github::context::Context::from_env() {
        Ok(cx) => cx,
        Err(err) => return Gathered::NotConfigured(err.to_string()),
    };
    match github::deploy_labels(&cx, team) {
        Ok(Some((pull_request, labels))) => Gathered::Known(Labels {
            pull_request,
            team: team.to_owned(),
            labels,
        }),
        Ok(None) => {
            Gathered::NotConfigured("no pull request is known for the deployed commit".to_owned())
        }
        Err(err) => Gathered::Unavailable(Unavailable::live(
            "GitHub's API",
            github::redact(&err.to_string()),
        )),
    }
}
