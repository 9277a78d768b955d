//! The evidence stage: what the world says about a manifest's claims, gathered before the
//! engine and handed to it as data.
//!
//! files → manifest + rules → **evidence** → engine → report → renderer / publisher.
//!
//! The engine stays pure: a native check reads [`Facts`] from its `Context` the way it reads
//! the manifest, and a rule's `[[rule.test]]` examples supply facts inline. Live sources are
//! configured by the rule pack, never by the manifest that a pull request can edit. Each
//! source's facts are [`Gathered`]: known, not configured (the rules that need them are
//! skipped, saying why), or unavailable (the rules say "could not verify", never pass).

pub mod approval;
pub mod deploy;
pub mod dockerfile;
pub mod incidents;
pub mod kubernetes;
pub mod pagerduty;
pub mod prometheus;
pub mod repository;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Deserialize;

pub use repository::{Repository, Snapshot};

use crate::manifest::Manifest;

/// How long the whole stage may take unless the pack says otherwise: a gate in a deploy
/// pipeline waits for it.
pub const DEFAULT_TIME_BOUND: Duration = Duration::from_secs(10);

/// The evidence stage of one run: what it gathered once (the repository's listing) and the
/// deadline by which every live source must have answered.
#[derive(Debug)]
pub struct Evidence {
    repository: Gathered<Snapshot>,
    /// The pack's Prometheus, asked per manifest (`[source.prometheus]`, `--prometheus`).
    prometheus: Arc<prometheus::Gatherer>,
    /// The pull request's approvals, for waivers it adds or extends.
    pub approval: approval::Gatherer,
    /// The run is a deploy.
    pub deploy: bool,
    /// The deploy's pull request labels.
    pub labels: deploy::Gatherer,
    /// The incident records the pack names (`[source.incidents]`), read once per run.
    pub incidents: Gathered<Arc<incidents::Incidents>>,
    /// When the stage's time bound runs out: a source still asking then is unavailable.
    pub deadline: Instant,
}

/// Where the evidence stage reads the repository.
#[derive(Clone, Copy, Debug)]
pub enum Tree<'a> {
    /// The working tree under the repository root.
    Working(&'a Path),
    /// A commit (`--rev`, the pre-push hook, the base of a comparison), read through git.
    Commit(&'a crate::git::Repo, &'a str),
}

impl Evidence {
    /// The repository as read (through GitHub's API, say), when it could be: where a
    /// manifest read alongside it finds its `[import]` files.
    #[must_use]
    pub fn snapshot(&self) -> Option<&Snapshot> {
        match &self.repository {
            Gathered::Known(snapshot) => Some(snapshot),
            _ => None,
        }
    }

    /// Gathers what a run needs once: the repository's files from `tree`, within
    /// `bound` (the whole stage's).
    #[must_use]
    pub fn gather(tree: Tree<'_>, bound: Duration) -> Self {
        let deadline = Instant::now() + bound;
        let repository = match tree {
            Tree::Working(root) => Snapshot::working_tree(root),
            Tree::Commit(repo, commit) => Snapshot::commit(repo, commit),
        };
        Self {
            repository: match repository {
                Ok(snapshot) => Gathered::Known(snapshot),
                Err(why) => Gathered::Unavailable(why),
            },
            approval: approval::Gatherer::not_configured("no pull request was read"),
            deploy: false,
            labels: deploy::Gatherer::not_configured("the run is not a deploy"),
            incidents: Gathered::NotConfigured(incidents::NOT_CONFIGURED.to_owned()),
            deadline,
            prometheus: Arc::new(prometheus::Gatherer::none(prometheus::NOT_CONFIGURED)),
        }
    }

    /// The evidence of a repository read elsewhere (see [`Snapshot::from_listing`]), or
    /// why it could not be read.
    #[must_use]
    pub fn of_snapshot(repository: Result<Snapshot, Unavailable>, bound: Duration) -> Self {
        Self {
            repository: match repository {
                Ok(snapshot) => Gathered::Known(snapshot),
                Err(why) => Gathered::Unavailable(why),
            },
            approval: approval::Gatherer::not_configured("no pull request was read"),
            deploy: false,
            labels: deploy::Gatherer::not_configured("the run is not a deploy"),
            incidents: Gathered::NotConfigured(incidents::NOT_CONFIGURED.to_owned()),
            deadline: Instant::now() + bound,
            prometheus: Arc::new(prometheus::Gatherer::none(prometheus::NOT_CONFIGURED)),
        }
    }

    /// No evidence: every evidence rule is skipped, and says `why`.
    #[must_use]
    pub fn none(why: &str) -> Self {
        Self {
            repository: Gathered::NotConfigured(why.to_owned()),
            approval: approval::Gatherer::not_configured(why),
            deploy: false,
            labels: deploy::Gatherer::not_configured("the run is not a deploy"),
            incidents: Gathered::NotConfigured(why.to_owned()),
            deadline: Instant::now(),
            prometheus: Arc::new(prometheus::Gatherer::none(why)),
        }
    }

    /// The same evidence, with the Prometheus the pack (or `--prometheus`) names.
    #[must_use]
    pub fn with_prometheus(self, prometheus: Arc<prometheus::Gatherer>) -> Self {
        Self { prometheus, ..self }
    }

    /// The Prometheus this evidence asks, to be shared with the base side of a comparison:
    /// live data is the same for both sides, so a claim it contradicts on both is not new.
    #[must_use]
    pub fn prometheus(&self) -> Arc<prometheus::Gatherer> {
        Arc::clone(&self.prometheus)
    }

    /// The facts for one manifest; the files its findings may point into are registered
    /// in it.
    #[must_use]
    pub fn facts(&self, manifest: &mut Manifest) -> Facts {
        let repository = match &self.repository {
            Gathered::Known(snapshot) => match snapshot.for_manifest(manifest) {
                Some(repository) => Gathered::Known(repository),
                None => {
                    Gathered::NotConfigured("the manifest is outside the repository".to_owned())
                }
            },
            Gathered::NotConfigured(why) => Gathered::NotConfigured(why.clone()),
            Gathered::Unavailable(why) => Gathered::Unavailable(why.clone()),
        };
        let prometheus = self.prometheus.facts(manifest, self.deadline);
        Facts {
            repository,
            prometheus,
            approval: self.approval.facts(manifest),
            deploy: self.deploy,
            labels: self.labels.facts(manifest),
            incidents: self.incidents.clone(),
        }
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
    pub labels: Gathered<deploy::Labels>,
    /// The incident records the pack names, for every manifest of the run.
    pub incidents: Gathered<Arc<incidents::Incidents>>,
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
    Unavailable {
        source: source.to_owned(),
        reason: format!(
            "not finished within the evidence stage's time bound of {} s",
            bound.as_secs_f64()
        ),
    }
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
            facts.labels = Gathered::Known(deploy::Labels {
                pull_request: labels.pull_request.unwrap_or(1),
                team: labels.team.clone(),
                labels: labels
                    .applied
                    .iter()
                    .map(|l| crate::github::reviews::AppliedLabel {
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
            facts.prometheus = Gathered::Unavailable(Unavailable {
                source: "prometheus (the example's facts)".to_owned(),
                reason: reason.clone(),
            });
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
            facts.approval = Gathered::Unavailable(Unavailable {
                source: "GitHub's API".to_owned(),
                reason: reason.clone(),
            });
        }
        if let Some(text) = &self.incidents {
            let file = crate::source::SourceFile::new("example-incidents.csv", text.clone());
            facts.incidents = match crate::review::incident::read_source(Arc::new(file)) {
                Ok(records) => Gathered::Known(Arc::new(incidents::Incidents {
                    source: "the example's incidents".to_owned(),
                    left_out: records.left_out.len(),
                    records: records.incidents,
                })),
                Err(err) => Gathered::Unavailable(Unavailable {
                    source: "the example's incidents".to_owned(),
                    reason: err.to_string(),
                }),
            };
        }
        if let Some(reason) = self.unavailable.get("incidents") {
            facts.incidents = Gathered::Unavailable(Unavailable {
                source: "the incident records (the example's facts)".to_owned(),
                reason: reason.clone(),
            });
        }
        if let Some(reason) = self.unavailable.get("repository") {
            facts.repository = Gathered::Unavailable(Unavailable {
                source: "the repository".to_owned(),
                reason: reason.clone(),
            });
        }
        facts
    }
}

/// The value of the environment variable a pack's `[source.*]` names (a URL or a token),
/// trimmed; `None` when it is unset or blank, which counts as not configured.
pub(crate) fn setting_from_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
