//! Waiver approval evidence: a waiver that a pull request adds or extends counts only once a
//! member of the pack's `waiver_approvers` team has approved the pull request at its head
//! commit. Gathered in a GitHub Actions pull request, with the token the publish step
//! already has; elsewhere the rule is skipped, and says why.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;

pub use crate::facts::approval::{Approval, PullRequest};
use crate::facts::{Gathered, Unavailable};
use crate::git::Repo;
use crate::github;
use crate::manifest::Manifest;
use crate::rules::builtin::read_waivers;
use crate::source::{max_file_bytes, text_from_bytes};

/// Where the manifests are read as they were at the pull request's base.
#[derive(Debug)]
pub enum Base {
    /// Through git (`prr check` in the pull request's job).
    Git { repo: Repo, commit: String },
    /// Read already, through the API (the privileged publishing job): each manifest's
    /// bytes, or `None` when it is not at the base.
    Given(BTreeMap<String, Option<Vec<u8>>>),
}

impl Base {
    /// The waivers of the manifest named `name` at the base, by rule and expiry.
    fn waivers(&self, name: &str) -> Result<BTreeMap<String, Option<Date>>, Unavailable> {
        let bytes = match self {
            Self::Git { repo, commit } => repo
                .read_files(commit, &[name.to_owned()])
                .map_err(|err| {
                    Unavailable::live(
                        "git",
                        format!("cannot read {name} at the base commit: {err}"),
                    )
                })?
                .pop()
                .flatten(),
            Self::Given(files) => files.get(name).cloned().flatten(),
        };
        let Some(bytes) = bytes else {
            return Ok(BTreeMap::new());
        };
        // A manifest that cannot be parsed at the base waived nothing there.
        let parsed = text_from_bytes(bytes, name, max_file_bytes())
            .ok()
            .and_then(|text| Manifest::parse(Arc::new(text)).ok());
        Ok(parsed
            .map(|manifest| {
                read_waivers(&manifest)
                    .into_iter()
                    .filter_map(|w| Some((w.rule?, w.expires)))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// The pull request's approvals for `team`, gathered once per run.
#[derive(Debug)]
pub struct Gatherer {
    pull_request: Gathered<Arc<PullRequest>>,
    base: Option<Base>,
}

impl Gatherer {
    /// Nothing to gather, for `why`.
    #[must_use]
    pub fn not_configured(why: &str) -> Self {
        Self {
            pull_request: Gathered::NotConfigured(why.to_owned()),
            base: None,
        }
    }

    /// Reads the approvals of the run's pull request, when there is one, the pack names an
    /// approvers' team, and a token is at hand; `base` reads the manifests at the pull
    /// request's base (`None`: it could not be had).
    #[must_use]
    pub fn gather(team: Option<&str>, base: Option<Base>) -> Self {
        let Some(team) = team else {
            return Self::not_configured("the pack names no `[pack] waiver_approvers` team");
        };
        let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let cx = in_actions
            .then(github::context::Context::from_env)
            .and_then(Result::ok)
            .filter(|cx| cx.pull_request != github::context::PullRequest::None);
        let Some(cx) = cx else {
            return Self::not_configured(
                "not in a GitHub Actions pull request, where approvals are read",
            );
        };
        if std::env::var("GITHUB_TOKEN").map_or(true, |t| t.trim().is_empty()) {
            return Self::not_configured("no GITHUB_TOKEN to read the pull request's reviews");
        }
        let Some(base) = base else {
            return Self {
                pull_request: Gathered::Unavailable(Unavailable::live(
                    "git",
                    "the manifests at the pull request's base commit cannot be read (in a shallow checkout, fetch it: `fetch-depth: 0`)",
                )),
                base: None,
            };
        };
        let pull_request = match github::pull_request_approvals(&cx, team) {
            Ok(Some((number, approvals))) => Gathered::Known(Arc::new(PullRequest {
                team: team.to_owned(),
                number,
                members: approvals.members,
                others: approvals.others,
            })),
            Ok(None) => Gathered::NotConfigured(
                "the run's pull request could not be found from its head commit".to_owned(),
            ),
            Err(err) => Gathered::Unavailable(Unavailable::live(
                "GitHub's API",
                github::redact(&err.to_string()),
            )),
        };
        Self {
            pull_request,
            base: Some(base),
        }
    }

    /// The approval facts of one manifest.
    #[must_use]
    pub fn facts(&self, manifest: &Manifest) -> Gathered<Approval> {
        let pull_request = match &self.pull_request {
            Gathered::Known(pull_request) => pull_request,
            Gathered::NotConfigured(why) => return Gathered::NotConfigured(why.clone()),
            Gathered::Unavailable(why) => return Gathered::Unavailable(why.clone()),
        };
        let Some(base) = &self.base else {
            return Gathered::NotConfigured("no base to compare the waivers with".to_owned());
        };
        match base.waivers(&manifest.source.name) {
            Ok(base_waivers) => Gathered::Known(Approval {
                pull_request: Arc::clone(pull_request),
                base_waivers,
            }),
            Err(why) => Gathered::Unavailable(why),
        }
    }
}
