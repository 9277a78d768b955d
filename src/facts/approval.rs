//! Who approved a pull request, and the manifest's waivers at its base: what
//! `waiver.approved` reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;

/// Who approved the pull request, for the approvers' team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    /// The approvers' team (`@org/sre`).
    pub team: String,
    pub number: u64,
    /// Approvers at the head commit who are members of the team.
    pub members: Vec<String>,
    /// Approvers at the head commit who are not.
    pub others: Vec<String>,
}

/// The approval facts of one manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub pull_request: Arc<PullRequest>,
    /// The manifest's waivers at the pull request's base, by rule, with their expiry; empty
    /// when the manifest is new there.
    pub base_waivers: BTreeMap<String, Option<Date>>,
}
