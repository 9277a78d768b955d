//! The labels of the pull request a deploy ships, and who applied them: the exceptions an
//! error-budget freeze allows.

/// The labels of a deploy's pull request, for one owner team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labels {
    pub pull_request: u64,
    /// The team asked about (`error_budget.owner`).
    pub team: String,
    pub labels: Vec<AppliedLabel>,
}

/// A label on a pull request, who applied it, and whether they belong to a team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedLabel {
    pub name: String,
    /// Who applied it last (the issue-events API's `actor`).
    pub by: String,
    /// Whether `by` is an active member of the team asked about.
    pub member: bool,
}
