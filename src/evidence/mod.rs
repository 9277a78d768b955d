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
pub mod incidents;
pub mod pagerduty;
pub mod prometheus;
pub mod repository;
pub mod walk;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::facts::{Facts, Gathered, Repository, Snapshot, Unavailable};

use crate::manifest::Manifest;
use crate::rules::RuleSet;

/// How long the whole stage may take unless the pack says otherwise: a gate in a deploy
/// pipeline waits for it.
pub const DEFAULT_TIME_BOUND: Duration = Duration::from_secs(10);

/// The evidence stage of one run: where each source is read, and the deadline by which
/// every source must have answered.
#[derive(Debug)]
pub struct Evidence {
    /// The repository: each manifest's own in the working tree, or a commit listed once.
    repository: repository::Gatherer,
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
    /// The working tree: each manifest's own repository, found from its directory.
    Working,
    /// A commit (`--rev`, the pre-push hook, the base of a comparison), read through git.
    Commit(&'a crate::git::Repo, &'a str),
}

impl Evidence {
    /// The repository as listed in one piece (a commit, or through GitHub's API), when it
    /// could be: where a manifest read alongside it finds its `[import]` files.
    #[must_use]
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.repository.snapshot()
    }

    /// The stage of a run reading the repository from `tree`, within `bound` (the whole
    /// stage's). Nothing is read until a manifest asks.
    #[must_use]
    pub fn gather(tree: Tree<'_>, bound: Duration) -> Self {
        let repository = match tree {
            Tree::Working => repository::Gatherer::working_tree(),
            Tree::Commit(repo, commit) => repository::Gatherer::commit(repo, commit),
        };
        Self::with(repository, Instant::now() + bound)
    }

    /// The evidence of a repository read elsewhere (see [`Snapshot::from_listing`]), or
    /// why it could not be read.
    #[must_use]
    pub fn of_snapshot(repository: Result<Snapshot, Unavailable>, bound: Duration) -> Self {
        Self::with(
            repository::Gatherer::given(repository),
            Instant::now() + bound,
        )
    }

    /// No evidence: every evidence rule is skipped, and says `why`.
    #[must_use]
    pub fn none(why: &str) -> Self {
        let mut evidence = Self::with(repository::Gatherer::none(why), Instant::now());
        evidence.approval = approval::Gatherer::not_configured(why);
        evidence.incidents = Gathered::NotConfigured(why.to_owned());
        evidence.prometheus = Arc::new(prometheus::Gatherer::none(why));
        evidence
    }

    fn with(repository: repository::Gatherer, deadline: Instant) -> Self {
        Self {
            repository,
            approval: approval::Gatherer::not_configured("no pull request was read"),
            deploy: false,
            labels: deploy::Gatherer::not_configured("the run is not a deploy"),
            incidents: Gathered::NotConfigured(incidents::NOT_CONFIGURED.to_owned()),
            deadline,
            prometheus: Arc::new(prometheus::Gatherer::none(prometheus::NOT_CONFIGURED)),
        }
    }

    /// The same evidence, reading the repository within `budget` (shared with the imports of
    /// the run's manifests).
    #[must_use]
    pub fn with_read_budget(mut self, budget: Arc<crate::source::ReadBudget>) -> Self {
        self.repository.set_budget(budget);
        self
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

    /// The facts for one manifest, as far as the rules of `rules` that apply to it read
    /// them; the files its findings may point into are registered in it.
    #[must_use]
    pub fn facts(&self, manifest: &mut Manifest, rules: &RuleSet) -> Facts {
        let needs = crate::engine::needs(manifest, rules, self.deploy);
        let deploy = self.deploy;
        let named = |manifest: &Manifest, repository: &Repository| {
            crate::engine::named_paths(manifest, rules, deploy, repository)
        };
        let path = manifest.path.clone();
        let repository =
            self.repository
                .facts(manifest, path.as_deref(), &needs, &named, self.deadline);
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

/// The value of the environment variable a pack's `[source.*]` names (a URL or a token),
/// trimmed; `None` when it is unset or blank, which counts as not configured.
pub(crate) fn setting_from_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
