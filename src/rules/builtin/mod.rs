//! Native checks: the ones that need real logic (arithmetic, dates, cross-references).
//! One file each; each file's doc comment is its documentation; each is registered by one
//! line in [`REGISTRY`]. A rule uses one with `builtin = "<name>"` and `with = { ... }`.

use std::collections::BTreeSet;
use std::fmt::Debug;

use jiff::civil::Date;
use serde::de::DeserializeOwned;

use crate::facts::{Facts, Needs, Repository, Unavailable};
use crate::manifest::{Manifest, Service};
use crate::source::Span;

mod achievable;
mod alerts;
mod backups;
mod budget_remaining;
mod codeowners;
mod dependency_updates;
mod error_budget;
mod files_exist;
mod fresh;
mod golden_signals;
mod import_consistent;
mod kubernetes;
mod manifest_schema;
mod non_root;
mod postmortem;
mod sla_below_slo;
mod sli;
mod team_owner;
mod tier_floor;
mod waiver_approval;
mod waivers;

pub use error_budget::{budget_minutes, slo_budgets, window_days, SloBudget};
pub use fresh::days_between;
pub use waiver_approval::{standing, Standing};
pub use waivers::{read_waivers, Waiver, WaiverCheck};

/// Every native check, by name. Adding one is one line here and one file beside this one.
pub const REGISTRY: &[Spec] = &[
    achievable::SPEC,
    budget_remaining::SPEC,
    alerts::SPEC,
    backups::SPEC,
    codeowners::SPEC,
    dependency_updates::SPEC,
    error_budget::SPEC,
    files_exist::SPEC,
    fresh::SPEC,
    golden_signals::SPEC,
    import_consistent::SPEC,
    kubernetes::SPEC,
    manifest_schema::SPEC,
    non_root::SPEC,
    postmortem::SPEC,
    sla_below_slo::SPEC,
    sli::SPEC,
    team_owner::SPEC,
    tier_floor::SPEC,
    waiver_approval::SPEC,
    waivers::SPEC,
];

/// A native check's entry in the registry.
pub struct Spec {
    pub name: &'static str,
    /// One line: what it checks and the parameters it takes.
    pub summary: &'static str,
    /// Builds the check from its `with` table (once per run).
    pub build: fn(&toml::Table) -> Result<Box<dyn Builtin>, String>,
}

/// The registry entry named `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Spec> {
    REGISTRY.iter().find(|spec| spec.name == name)
}

/// A native check, built once per run and evaluated per manifest.
pub trait Builtin: Debug + Send + Sync {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome;

    /// What the check reads beyond the manifest, for the evidence stage to gather (nothing,
    /// unless it says so).
    fn needs(&self) -> Needs {
        Needs::default()
    }

    /// The repository files (from the root) this check reads for `manifest` beyond its
    /// `needs`: the paths the manifest names, resolved from its directory in `repository`.
    fn named_paths(&self, _manifest: &Manifest, _repository: &Repository) -> Vec<String> {
        Vec::new()
    }
}

/// What a native check may read.
pub struct Context<'a> {
    pub manifest: &'a Manifest,
    pub service: &'a Service,
    pub as_of: Date,
    /// Every rule id of the run (for waivers).
    pub rule_ids: &'a BTreeSet<&'a str>,
    pub waiver_max_days: i64,
    /// What the evidence stage learned about the manifest's claims.
    pub facts: &'a Facts,
}

/// A check's verdict on one manifest: its failures, or what held.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub failures: Vec<Failure>,
    /// Said when there is no failure: what held ("all 4 golden signals are covered").
    pub passed: String,
    /// The check could not run (the evidence it needs was not gathered): the rule is
    /// skipped with this reason.
    pub skipped: Option<String>,
}

impl Outcome {
    #[must_use]
    pub fn pass(message: impl Into<String>) -> Self {
        Self {
            failures: Vec::new(),
            passed: message.into(),
            skipped: None,
        }
    }

    /// The rule does not run, for `reason` (say, no source configured for its evidence).
    #[must_use]
    pub fn skip(reason: impl Into<String>) -> Self {
        Self {
            skipped: Some(reason.into()),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn fail(failures: Vec<Failure>, passed: impl Into<String>) -> Self {
        Self {
            failures,
            passed: passed.into(),
            skipped: None,
        }
    }
}

/// One finding of a failing check.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub message: String,
    /// The logical path it is about (`dependency[1].owner`).
    pub key: String,
    pub span: Span,
    /// The claim could not be checked (its source gave no usable answer): never a pass, and
    /// the pack's `on_unavailable` decides whether it blocks.
    pub unverified: bool,
    /// Whose data could not be had, when `unverified`: only a live source's outage may be
    /// softened by the pack (decision 19).
    pub origin: crate::facts::Origin,
    /// The most this finding weighs, whatever the rule's severity: a rule's lesser
    /// findings (an alert's runbook link that differs) are warnings beside its errors.
    pub at_most: Option<crate::rules::Severity>,
    /// An exception the evidence grants (a fix label on a deploy): the finding shows as
    /// waived, with this reason.
    pub exception: Option<String>,
    /// Another place the finding is about (the same fact given elsewhere): SARIF's
    /// `relatedLocations`, JSON's `related`.
    pub related: Option<Span>,
}

impl Failure {
    #[must_use]
    pub fn new(message: impl Into<String>, key: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            key: key.into(),
            span,
            unverified: false,
            origin: crate::facts::Origin::Live,
            at_most: None,
            exception: None,
            related: None,
        }
    }

    /// The finding is also about `span`, another place.
    #[must_use]
    pub fn related_to(self, span: Span) -> Self {
        Self {
            related: Some(span),
            ..self
        }
    }

    /// The finding weighs at most `severity`.
    #[must_use]
    pub fn at_most(self, severity: crate::rules::Severity) -> Self {
        Self {
            at_most: Some(severity),
            ..self
        }
    }

    /// The claim at `key` could not be checked, because its source was unavailable.
    #[must_use]
    pub fn unverified(why: &Unavailable, key: impl Into<String>, span: Span) -> Self {
        Self {
            unverified: true,
            origin: why.origin,
            ..Self::new(why.to_string(), key, span)
        }
    }
}

/// The labels that let a fix through an error-budget freeze, and through a deploy whose
/// Prometheus claims could not be verified, unless a rule's `labels` says otherwise.
pub const FIX_LABELS: [&str; 2] = ["reliability-fix", "security-fix"];

/// The rule's fix labels: its `labels` parameter, else [`FIX_LABELS`].
#[must_use]
pub fn fix_labels(given: Option<Vec<String>>) -> Vec<String> {
    given.unwrap_or_else(|| FIX_LABELS.map(str::to_owned).to_vec())
}

/// The exception a deploy's pull request earns with one of `labels`, applied by a member of
/// the error budget's owner team, as its reason; `None` when there is none (and on every
/// run that is not a deploy: labels are read only for deploys).
#[must_use]
pub fn fix_exception(cx: &Context<'_>, labels: &[String]) -> Option<String> {
    let crate::facts::Gathered::Known(applied) = &cx.facts.labels else {
        return None;
    };
    let label = applied
        .labels
        .iter()
        .find(|l| l.member && labels.contains(&l.name))?;
    Some(format!(
        "pull request #{} is labelled `{}` by {}, a member of {}: a fix the freeze lets through",
        applied.pull_request, label.name, label.by, applied.team
    ))
}

/// On a deploy, a claim a live source could not verify does not stop a labelled fix
/// (decision 18): each such failure carries the exception. Failures the evidence proves
/// (a missing alert, a typo in a query) keep blocking.
#[must_use]
pub fn let_fixes_through(mut outcome: Outcome, cx: &Context<'_>, labels: &[String]) -> Outcome {
    if let Some(reason) = fix_exception(cx, labels) {
        for failure in outcome
            .failures
            .iter_mut()
            .filter(|f| f.unverified && f.origin == crate::facts::Origin::Live)
        {
            failure.exception.get_or_insert_with(|| reason.clone());
        }
    }
    outcome
}

/// Reads a check's `with` table into its parameters, refusing unknown keys.
///
/// # Errors
/// The table does not fit the parameters; the message names the offending key.
pub fn params<T: DeserializeOwned>(with: &toml::Table) -> Result<T, String> {
    toml::Value::Table(with.clone())
        .try_into()
        .map_err(|err: toml::de::Error| err.message().to_owned())
}

/// The repository's files, for a check that reads them; else the check's outcome: skipped
/// when they were not read, "could not verify" (at `key`, `span`) when they could not be.
///
/// # Errors
/// The outcome to return: the repository is not known.
pub fn repository<'a>(
    cx: &'a Context<'_>,
    key: &str,
    span: Span,
) -> Result<&'a crate::facts::Repository, Outcome> {
    match &cx.facts.repository {
        crate::facts::Gathered::Known(repository) => Ok(repository),
        crate::facts::Gathered::NotConfigured(why) => Err(Outcome::skip(format!(
            "the repository's files were not read ({why})"
        ))),
        crate::facts::Gathered::Unavailable(why) => {
            Err(Outcome::fail(vec![Failure::unverified(why, key, span)], ""))
        }
    }
}

/// "Could not verify" for a file of the repository whose text could not be read.
#[must_use]
pub fn unreadable_file(path: &str, span: Span) -> Failure {
    let why = Unavailable::own(path, "it cannot be read as text");
    Failure::unverified(&why, path, span)
}

/// Refuses any parameter, for the checks that take none.
///
/// # Errors
/// The table names a parameter.
pub fn no_params(with: &toml::Table) -> Result<(), String> {
    match with.keys().next() {
        Some(key) => Err(format!("unknown parameter `{key}`: this check takes none")),
        None => Ok(()),
    }
}

/// A date in the manifest, read from a TOML date or an ISO string.
#[must_use]
pub fn date_of(node: &crate::manifest::Node) -> Option<Date> {
    node.as_str().and_then(|text| text.parse().ok())
}

/// "1 day", "41 days".
#[must_use]
pub fn days(n: i64) -> String {
    if n.abs() == 1 {
        format!("{n} day")
    } else {
        format!("{n} days")
    }
}

/// A percentage as people write it: `99.95%`.
#[must_use]
pub fn percent(value: f64) -> String {
    let rounded = (value * 10_000.0).round() / 10_000.0;
    format!("{}%", crate::manifest::format_number(rounded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_documented() {
        let mut names = BTreeSet::new();
        for spec in REGISTRY {
            assert!(names.insert(spec.name), "{} registered twice", spec.name);
            assert!(!spec.summary.is_empty(), "{} has no summary", spec.name);
        }
    }

    #[test]
    fn checks_without_parameters_refuse_any() {
        let with: toml::Table = toml::from_str("days = 3").unwrap();
        for name in ["achievable", "manifest_schema", "sla_below_slo", "waivers"] {
            let err = (find(name).unwrap().build)(&with).unwrap_err();
            assert_eq!(err, "unknown parameter `days`: this check takes none");
        }
    }

    #[test]
    fn every_builtin_builds_with_its_defaults() {
        for spec in REGISTRY {
            let built = (spec.build)(&toml::Table::new());
            // `fresh` needs its `path` and `days`; every other check has defaults for all.
            assert_eq!(built.is_ok(), spec.name != "fresh", "{}", spec.name);
        }
    }
}
