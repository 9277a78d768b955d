//! `waiver_approval` (rule `waiver.approved`): a waiver that a pull request adds, or
//! extends to a later expiry, counts only once a member of the pack's `waiver_approvers`
//! team (`[pack] waiver_approvers = "@org/sre"`) has approved the pull request at its head
//! commit. Until then it waives nothing, and the finding says who must approve. Without it,
//! a pull request could add a waiver and pass its own gate with nobody's approval. A waiver
//! already on the base branch, unchanged or shortened, needs no new approval. Outside a
//! pull request, without a token or without `waiver_approvers`, the rule is skipped and
//! says why. Evidence: GitHub's reviews and team memberships. Takes no parameters.

use super::{no_params, read_waivers, Builtin, Context, Failure, Outcome, Spec, Waiver};
use crate::facts::approval::Approval;
use crate::facts::{Gathered, Unavailable};

pub const SPEC: Spec = Spec {
    name: "waiver_approval",
    summary: "a waiver a pull request adds or extends counts once a member of `[pack] waiver_approvers` approved it (GitHub evidence; no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(WaiverApproval))
}

#[derive(Debug)]
struct WaiverApproval;

/// What the approval evidence says of one waiver.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    /// On the base branch already, with the same or an earlier expiry.
    Existing,
    /// Added or extended, and approved by these members of the team.
    Approved(Vec<String>),
    /// Added or extended, and not approved by a member of the team: why, in words.
    Unapproved(String),
    /// The approvals could not be read.
    Unverified(Unavailable),
    /// No approvals are read here (outside a pull request, no token, no team).
    NotJudged(String),
}

/// The standing of `waiver` given the approval facts.
#[must_use]
pub fn standing(waiver: &Waiver, approval: &Gathered<Approval>) -> Standing {
    let approval = match approval {
        Gathered::Known(approval) => approval,
        Gathered::NotConfigured(why) => return Standing::NotJudged(why.clone()),
        Gathered::Unavailable(why) => return Standing::Unverified(why.clone()),
    };
    let Some(rule) = &waiver.rule else {
        return Standing::Existing;
    };
    let change = match approval.base_waivers.get(rule) {
        None => "is new".to_owned(),
        Some(before) => match (before, waiver.expires) {
            (Some(before), Some(now)) if now <= *before => return Standing::Existing,
            (Some(before), _) => format!("is extended from {before}"),
            (None, _) => "gains an expiry".to_owned(),
        },
    };
    let pull_request = &approval.pull_request;
    if !pull_request.members.is_empty() {
        return Standing::Approved(pull_request.members.clone());
    }
    let others = if pull_request.others.is_empty() {
        String::new()
    } else {
        format!(
            " (approved by {}, who {} not in {})",
            pull_request.others.join(", "),
            if pull_request.others.len() == 1 {
                "is"
            } else {
                "are"
            },
            pull_request.team
        )
    };
    Standing::Unapproved(format!(
        "the waiver of `{rule}` {change} in pull request #{} and waives nothing until a member of {} approves the pull request at its head commit{others}",
        pull_request.number, pull_request.team
    ))
}

impl Builtin for WaiverApproval {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            approval: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let waivers = read_waivers(cx.manifest);
        let mut failures = Vec::new();
        let mut approved = Vec::new();
        let mut existing = 0;
        for waiver in &waivers {
            let key = format!("waiver[{}]", waiver.index);
            match standing(waiver, &cx.facts.approval) {
                Standing::NotJudged(why) => {
                    return Outcome::skip(format!("waiver approvals are not read: {why}"))
                }
                Standing::Existing => existing += 1,
                Standing::Approved(by) => approved.push(by.join(", ")),
                Standing::Unapproved(message) => {
                    failures.push(Failure::new(message, key, waiver.span_of("rule")));
                }
                Standing::Unverified(why) => {
                    failures.push(Failure::unverified(&why, key, waiver.span_of("rule")));
                }
            }
        }
        if waivers.is_empty() {
            if let Gathered::NotConfigured(why) = &cx.facts.approval {
                return Outcome::skip(format!("waiver approvals are not read: {why}"));
            }
        }
        let passed = match (approved.first(), existing) {
            (None, 0) => "no waivers to approve".to_owned(),
            (None, n) => format!("{n} waiver(s), all on the base branch already"),
            (Some(by), _) => format!(
                "{} new or extended waiver(s), approved by {by}",
                approved.len()
            ),
        };
        Outcome::fail(failures, passed)
    }
}
