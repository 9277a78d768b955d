//! Facts: the plain data the rules read. What the repository holds, what the pack's
//! Prometheus answered, who approved a pull request, the labels of a deploy, the incident
//! records and the live error budgets, gathered by the evidence stage before the engine
//! runs and handed to it as data.
//!
//! Nothing here does I/O or knows where a fact came from: a rule's `[[rule.test]]` examples
//! give the same facts inline, so every rule is tested offline. This module imports nothing
//! above the manifest.

pub mod approval;
pub mod budget;
pub mod dockerfile;
pub mod incident;
pub mod kubernetes;
pub mod labels;
pub mod prometheus;
mod quarter;
pub mod repository;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

pub use quarter::Quarter;
pub use repository::{Repository, Snapshot};

use crate::manifest::Manifest;

/// What a rule reads beyond the manifest: the evidence stage gathers, for each manifest,
/// only what the rules that apply to it need.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Files read by path from the repository root (CODEOWNERS, Dependabot's configuration).
    pub root_files: std::collections::BTreeSet<&'static str>,
    /// The files of the manifest's directory and below (Dockerfiles, Kubernetes YAML,
    /// package manifests).
    pub service_tree: bool,
    /// The files the manifest names (relative paths, same-repository links).
    pub named_files: bool,
    /// What the pack's Prometheus holds.
    pub prometheus: bool,
    /// A pull request's approvals.
    pub approval: bool,
    /// A deploy's pull-request labels.
    pub labels: bool,
    /// The incident records the pack names.
    pub incidents: bool,
}

impl Needs {
    /// Files from the root, by path.
    #[must_use]
    pub fn root_files(files: &[&'static str]) -> Self {
        Self {
            root_files: files.iter().copied().collect(),
            ..Self::default()
        }
    }

    /// Whether any of it is the repository's.
    #[must_use]
    pub fn reads_repository(&self) -> bool {
        !self.root_files.is_empty() || self.service_tree || self.named_files
    }

    /// Both needs together.
    pub fn add(&mut self, other: &Self) {
        self.root_files.extend(other.root_files.iter().copied());
        self.service_tree |= other.service_tree;
        self.named_files |= other.named_files;
        self.prometheus |= other.prometheus;
        self.approval |= other.approval;
        self.labels |= other.labels;
        self.incidents |= other.incidents;
    }
}

/// Everything the evidence stage learned for one manifest.
#[derive(Clone, Debug)]
pub struct Facts {
    /// The manifest's repository: its files, and the texts of those rules read.
    pub repository: Gathered<Repository>,
    /// What the pack's Prometheus holds of the manifest's claims (alerting rules, SLIs).
    pub prometheus: Gathered<prometheus::Readings>,
    /// Who approved the pull request, and the manifest's waivers at its base.
    pub approval: Gathered<approval::Approval>,
    /// The run is a deploy (`prr check --deploy`): deploy-only rules apply.
    pub deploy: bool,
    /// The labels of the deploy's pull request and who applied them, for the exceptions an
    /// error-budget freeze allows.
    pub labels: Gathered<labels::Labels>,
    /// The incident records the pack names, for every manifest of the run.
    pub incidents: Gathered<Arc<incident::Incidents>>,
}

impl Facts {
    /// No evidence at all: every evidence rule is skipped, and says `why`.
    #[must_use]
    pub fn none(why: &str) -> Self {
        Self {
            repository: Gathered::NotConfigured(why.to_owned()),
            prometheus: Gathered::NotConfigured(why.to_owned()),
            approval: Gathered::NotConfigured(why.to_owned()),
            deploy: false,
            labels: Gathered::NotConfigured(why.to_owned()),
            incidents: Gathered::NotConfigured(why.to_owned()),
        }
    }
}

/// What a source gave.
#[derive(Clone, Debug)]
pub enum Gathered<T> {
    /// The facts, as the source gave them.
    Known(T),
    /// Nothing asked: no source configured, or not in a context that has one. The rules that
    /// need it are skipped with this reason.
    NotConfigured(String),
    /// The source was asked and gave no usable answer.
    Unavailable(Unavailable),
}

impl<T> Gathered<T> {
    /// The facts when known.
    #[must_use]
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known(facts) => Some(facts),
            _ => None,
        }
    }
}

/// Why a source could not answer: shown as "could not verify: SOURCE: REASON".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable {
    /// The source, as people know it (`prometheus at http://127.0.0.1:9090`), never with a
    /// credential.
    pub source: String,
    /// What went wrong (`HTTP 503`, `no answer within 5 s`).
    pub reason: String,
    /// Whose data it is: the engine lets the pack's `on_unavailable` soften only what a
    /// live source failed to say, never what the pull request's own files failed to show.
    pub origin: Origin,
}

/// Where a fact that could not be had comes from (PRODUCT.md decision 19).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A live source outside the pull request's control: Prometheus, GitHub's approvals
    /// and labels, PagerDuty. An outage there is nobody's fault in the pull request; the
    /// pack's `on_unavailable` (`deploy_on_unavailable` on a deploy) decides.
    Live,
    /// The pull request's own data: its repository's files (and the incident files it
    /// holds). What cannot be read within the bounds fails the rules that need it, at their
    /// severity: a pull request must not turn a red gate green by being hard to read.
    PullRequest,
}

impl Unavailable {
    /// A live source gave no usable answer.
    #[must_use]
    pub fn live(source: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            reason: reason.into(),
            origin: Origin::Live,
        }
    }

    /// The pull request's own data could not be read within the bounds.
    #[must_use]
    pub fn own(source: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            reason: reason.into(),
            origin: Origin::PullRequest,
        }
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not verify: {}: {}", self.source, self.reason)
    }
}

/// What the evidence stage did not finish within its time bound, for every claim that
/// waited on it.
#[must_use]
pub fn unfinished(source: &str, bound: Duration) -> Unavailable {
    Unavailable::live(
        source,
        format!(
            "not finished within the evidence stage's time bound of {} s",
            bound.as_secs_f64()
        ),
    )
}

/// `[rule.test.facts]`: the evidence an example is judged with, given inline, so that every
/// evidence rule is tested offline. Without it, the rules that need evidence are skipped.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestFacts {
    /// The repository's files, by path from its root, and their texts. The example
    /// manifest is `example.prr.toml` at the root.
    pub files: Option<BTreeMap<String, String>>,
    /// `OWNER/REPO`: the GitHub repository the files are in (for same-repository links).
    pub repository: Option<String>,
    /// The pull request's approvals and the manifest's waivers at its base.
    pub approval: Option<TestApproval>,
    /// The example is judged as a deploy.
    #[serde(default)]
    pub deploy: bool,
    /// Sources that gave no usable answer, and why (`{ repository = "timed out" }`, also
    /// `approval`): the rules that need them say "could not verify".
    #[serde(default)]
    pub unavailable: BTreeMap<String, String>,
    /// What the pack's Prometheus holds: alerting rules, and what queries return.
    pub prometheus: Option<prometheus::TestFacts>,
    /// The labels of the deploy's pull request and who applied them.
    pub labels: Option<TestLabels>,
    /// Incident records, as the text of an incident file in CSV (with its header); also
    /// `unavailable = { incidents = "..." }`.
    pub incidents: Option<String>,
}

/// `[rule.test.facts.labels]`: the labels of a deploy's pull request.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestLabels {
    /// The team asked about (the error budget's owner).
    pub team: String,
    /// The pull request's number (default 1).
    pub pull_request: Option<u64>,
    /// Each label, who applied it, and whether they are a member of the team.
    #[serde(default)]
    pub applied: Vec<TestLabel>,
}

/// One label of `[rule.test.facts.labels]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestLabel {
    pub name: String,
    pub by: String,
    #[serde(default)]
    pub member: bool,
}

/// `[rule.test.facts.approval]`: a pull request's approvals.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestApproval {
    /// The approvers' team (`@acme/sre`).
    pub team: String,
    /// The pull request's number (default 1).
    pub number: Option<u64>,
    /// Approvers at the head commit who are members of the team.
    #[serde(default)]
    pub members: Vec<String>,
    /// Approvers at the head commit who are not.
    #[serde(default)]
    pub others: Vec<String>,
    /// The manifest's waivers at the base, by rule, with their expiry (`YYYY-MM-DD`, or
    /// `""` for none).
    #[serde(default)]
    pub base_waivers: BTreeMap<String, String>,
}

impl TestFacts {
    /// The facts of an example, its files registered in its manifest.
    #[must_use]
    pub fn facts(&self, manifest: &mut Manifest) -> Facts {
        let mut facts = Facts::none("the example gives no facts of this kind");
        facts.deploy = self.deploy;
        if let Some(files) = &self.files {
            let snapshot = Snapshot::from_texts(files, self.repository.clone());
            if let Some(repository) = snapshot.for_manifest(manifest) {
                facts.repository = Gathered::Known(repository);
            }
        }
        if let Some(labels) = &self.labels {
            facts.labels = Gathered::Known(labels::Labels {
                pull_request: labels.pull_request.unwrap_or(1),
                team: labels.team.clone(),
                labels: labels
                    .applied
                    .iter()
                    .map(|l| labels::AppliedLabel {
                        name: l.name.clone(),
                        by: l.by.clone(),
                        member: l.member,
                    })
                    .collect(),
            });
        }
        if let Some(prometheus) = &self.prometheus {
            facts.prometheus = Gathered::Known(prometheus.readings(manifest));
        }
        if let Some(reason) = self.unavailable.get("prometheus") {
            facts.prometheus = Gathered::Unavailable(Unavailable::live(
                "prometheus (the example's facts)",
                reason.clone(),
            ));
        }
        if let Some(approval) = &self.approval {
            facts.approval = Gathered::Known(approval::Approval {
                pull_request: std::sync::Arc::new(approval::PullRequest {
                    team: approval.team.clone(),
                    number: approval.number.unwrap_or(1),
                    members: approval.members.clone(),
                    others: approval.others.clone(),
                }),
                base_waivers: approval
                    .base_waivers
                    .iter()
                    .map(|(rule, expires)| (rule.clone(), expires.parse().ok()))
                    .collect(),
            });
        }
        if let Some(reason) = self.unavailable.get("approval") {
            facts.approval =
                Gathered::Unavailable(Unavailable::live("GitHub's API", reason.clone()));
        }
        if let Some(text) = &self.incidents {
            let file = crate::source::SourceFile::new("example-incidents.csv", text.clone());
            facts.incidents = match incident::read_source(Arc::new(file)) {
                Ok(records) => Gathered::Known(Arc::new(incident::Incidents {
                    source: "the example's incidents".to_owned(),
                    left_out: records.left_out.len(),
                    records: records.incidents,
                })),
                Err(err) => Gathered::Unavailable(Unavailable::own(
                    "the example's incidents",
                    err.to_string(),
                )),
            };
        }
        if let Some(reason) = self.unavailable.get("incidents") {
            facts.incidents = Gathered::Unavailable(Unavailable::own(
                "the incident records (the example's facts)",
                reason.clone(),
            ));
        }
        if let Some(reason) = self.unavailable.get("repository") {
            facts.repository =
                Gathered::Unavailable(Unavailable::own("the repository", reason.clone()));
        }
        facts
    }
}
