//! Rule packs: the rule-file model, loading with spans, pack composition (`extends`,
//! `override`), the embedded default pack, and rules compiled once per run.

pub mod builtin;
pub mod compile;
pub mod load;
pub mod model;
pub mod sources;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use jiff::civil::Date;

pub use load::{load, load_partial, Loaded, RulesSource};
pub use model::{Expect, OnUnavailable, Severity};

use crate::manifest::path::Path;
use crate::manifest::schema::CompiledSchema;
use crate::manifest::Format;

/// The rules that always run: they cannot be disabled, lowered or waived.
pub const MANDATORY: [&str; 2] = ["manifest.schema", "waiver.valid"];

/// Rules no manifest can waive: the mandatory ones, the approval a waiver itself needs (a
/// waiver of it would approve itself), and the error-budget freeze.
pub const UNWAIVABLE: [&str; 4] = [
    "manifest.schema",
    "waiver.valid",
    "waiver.approved",
    // The freeze is the point; the exceptions it allows are labels, not waivers.
    "slo.budget-remaining",
];

/// How far ahead a waiver may expire unless a pack says otherwise.
pub const DEFAULT_WAIVER_MAX_DAYS: i64 = 90;

/// The regex crate's error without its multi-line drawing of the pattern (the code frame
/// already shows where).
#[must_use]
pub fn regex_problem(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map_or_else(
            || text.clone(),
            |line| line.trim().trim_start_matches("error: ").to_owned(),
        )
}

/// Every rule in force for a run, compiled once, in id order.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub waiver_max_days: i64,
    /// The maturity levels, lowest first (empty when the pack defines none).
    pub levels: Vec<String>,
    /// The packs loaded, outermost first (`name version`).
    pub packs: Vec<String>,
    /// How many elements each limited array of a manifest may have before the rest go
    /// unjudged (`crate::manifest::limits`), with the packs' `max_items`.
    pub max_items: std::collections::BTreeMap<String, usize>,
    /// The checklist items the packs named leave out, with why (`[[pack.omitted]]`).
    pub omitted: Vec<model::OmittedDef>,
    /// Whether a claim that could not be verified blocks (`[pack] on_unavailable`).
    pub on_unavailable: OnUnavailable,
    /// The same on a deploy (`[pack] deploy_on_unavailable`, default `fail`).
    pub deploy_on_unavailable: OnUnavailable,
    /// `[pack] waiver_approvers`: the team that approves new waivers.
    pub waiver_approvers: Option<String>,
    /// `[source.prometheus]`: where the Prometheus evidence comes from.
    pub prometheus: Option<sources::PrometheusSource>,
    /// `[source.pagerduty]`: where PagerDuty's REST API and its token are.
    pub pagerduty: Option<sources::PagerDutySource>,
    /// `[source.incidents]`: the incident files the rules read.
    pub incidents: Option<sources::IncidentsSource>,
    /// `[import.*]`: how the manifests' imports map to the pack's conventions.
    pub imports: crate::manifest::import::Settings,
}

impl RuleSet {
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// Where a level stands among the set's levels (0 the lowest).
    #[must_use]
    pub fn level_rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == level)
    }

    /// Every id a waiver may name: the rules of the set, enabled or not.
    #[must_use]
    pub fn ids(&self) -> BTreeSet<&str> {
        self.rules.iter().map(|rule| rule.id.as_str()).collect()
    }
}

/// One rule, ready to evaluate.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub when: When,
    pub rationale: String,
    pub remediation: String,
    pub docs: Option<String>,
    /// The checklist items the rule answers (documentation only).
    pub answers: Vec<String>,
    pub enforce_after: Option<Date>,
    /// The maturity level, one of the set's `levels`.
    pub level: Option<String>,
    pub enabled: bool,
    pub check: Check,
    pub tests: Vec<RuleTest>,
    pub origin: Origin,
    /// What overrides changed, each with the `pack.toml` that did it.
    pub overridden: Vec<String>,
}

/// Where a rule is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub pack: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Applicability: every key set must match (AND); a list matches any of its values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct When {
    pub tier: Option<Vec<i64>>,
    pub lifecycle: Option<Vec<String>>,
    pub labels: Option<Vec<String>>,
    /// Only on deploys (`true`), or never on them (`false`).
    pub deploy: Option<bool>,
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(tiers) = &self.tier {
            let tiers: Vec<String> = tiers.iter().map(ToString::to_string).collect();
            parts.push(format!("tier {}", tiers.join(", ")));
        }
        if let Some(lifecycles) = &self.lifecycle {
            parts.push(format!("lifecycle {}", lifecycles.join(", ")));
        }
        if let Some(labels) = &self.labels {
            parts.push(format!("label {}", labels.join(", ")));
        }
        match self.deploy {
            Some(true) => parts.push("deploys only".to_owned()),
            Some(false) => parts.push("not on deploys".to_owned()),
            None => {}
        }
        if parts.is_empty() {
            f.write_str("always")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// A rule's check, compiled: regexes and schemas are built here, once.
#[derive(Debug)]
pub enum Check {
    Require(Vec<Path>),
    Assert(Assertion),
    Schema(Arc<CompiledSchema>),
    Builtin(Box<dyn builtin::Builtin>),
    All(Vec<Check>),
    Any(Vec<Check>),
}

impl Check {
    /// Every native check this one is, or is composed of.
    pub fn builtins(&self) -> Vec<&dyn builtin::Builtin> {
        match self {
            Self::Builtin(check) => vec![check.as_ref()],
            Self::All(checks) | Self::Any(checks) => {
                checks.iter().flat_map(Self::builtins).collect()
            }
            Self::Require(_) | Self::Assert(_) | Self::Schema(_) => Vec::new(),
        }
    }
}

/// `assert = { path = ..., <operators> }`.
#[derive(Debug)]
pub struct Assertion {
    pub path: Path,
    pub ops: Vec<Op>,
    pub optional: bool,
}

#[derive(Debug)]
pub enum Op {
    Min(f64),
    Max(f64),
    OneOf(Vec<serde_json::Value>),
    Matches(regex::Regex),
    Equals(serde_json::Value),
    MaxAgeDays(i64),
}

/// A `[[rule.test]]` example.
#[derive(Clone, Debug)]
pub struct RuleTest {
    pub name: String,
    pub expect: Expect,
    pub manifest: String,
    pub format: Format,
    pub as_of: Option<Date>,
    /// The evidence the example is judged with.
    pub facts: crate::facts::TestFacts,
    /// Where the example is written (`file:line` of its `manifest`).
    pub origin: Origin,
}
