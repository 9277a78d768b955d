//! Rule files and `pack.toml` as written: the serde model, with spans where an error must
//! point into the file. Unknown keys are refused everywhere (typos must not pass silently).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// How much a failing rule matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: shown, never blocks.
    Note,
    /// Shown; blocks only with `--fail-on warning`.
    Warning,
    /// Blocks the gate.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Note => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// A rule file: `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileDef {
    #[serde(default)]
    pub rule: Vec<Spanned<RuleDef>>,
}

/// One `[[rule]]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub category: Option<String>,
    pub when: Option<Spanned<WhenDef>>,
    pub rationale: Option<String>,
    pub remediation: Option<String>,
    /// A page with more about the rule (shown as the SARIF `helpUri`).
    pub docs: Option<String>,
    pub enforce_after: Option<Spanned<toml::value::Datetime>>,
    pub require: Option<Vec<Spanned<String>>>,
    pub assert: Option<Spanned<AssertDef>>,
    pub schema: Option<Spanned<toml::Value>>,
    pub schema_file: Option<Spanned<String>>,
    pub builtin: Option<Spanned<String>>,
    pub with: Option<Spanned<toml::Table>>,
    pub all: Option<Spanned<Vec<Spanned<CheckDef>>>>,
    pub any: Option<Spanned<Vec<Spanned<CheckDef>>>>,
    #[serde(default)]
    pub test: Vec<Spanned<RuleTestDef>>,
}

impl RuleDef {
    /// The check fields of the rule, as one [`CheckDef`].
    #[must_use]
    pub fn check(&self) -> CheckDef {
        CheckDef {
            require: self.require.clone(),
            assert: self.assert.clone(),
            schema: self.schema.clone(),
            schema_file: self.schema_file.clone(),
            builtin: self.builtin.clone(),
            with: self.with.clone(),
            all: self.all.clone(),
            any: self.any.clone(),
        }
    }
}

/// The check of a rule, or of a member of `all = [...]` / `any = [...]`: exactly one kind is set.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    pub require: Option<Vec<Spanned<String>>>,
    pub assert: Option<Spanned<AssertDef>>,
    pub schema: Option<Spanned<toml::Value>>,
    pub schema_file: Option<Spanned<String>>,
    pub builtin: Option<Spanned<String>>,
    pub with: Option<Spanned<toml::Table>>,
    pub all: Option<Spanned<Vec<Spanned<CheckDef>>>>,
    pub any: Option<Spanned<Vec<Spanned<CheckDef>>>>,
}

/// `assert = { path = "...", min = ..., ... }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertDef {
    pub path: Spanned<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub one_of: Option<Vec<toml::Value>>,
    pub matches: Option<Spanned<String>>,
    pub equals: Option<toml::Value>,
    pub max_age_days: Option<i64>,
    /// A missing value passes (only values that are there are judged).
    #[serde(default)]
    pub optional: bool,
}

/// `when = { tier = [...], lifecycle = [...], labels = [...] }`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WhenDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<OneOrMany<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<OneOrMany<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<OneOrMany<String>>,
}

/// A value or a list of values: `tier = 1` reads as `tier = [1]`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    #[must_use]
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            Self::One(value) => vec![value.clone()],
            Self::Many(values) => values.clone(),
        }
    }
}

/// What a rule example expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Pass,
    Fail,
    Skip,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Skip => "skip",
        })
    }
}

/// `[[rule.test]]`: an example manifest and the outcome the rule must give it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTestDef {
    pub name: String,
    pub expect: Expect,
    pub manifest: Spanned<String>,
    /// The date the example is judged on (pins dated examples so they do not go stale).
    pub as_of: Option<Spanned<toml::value::Datetime>>,
    /// `toml` (the default) or `json`.
    pub format: Option<String>,
}

/// `pack.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFileDef {
    pub pack: PackDef,
    #[serde(default, rename = "override")]
    pub overrides: BTreeMap<String, Spanned<OverrideDef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackDef {
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub extends: Vec<Spanned<String>>,
    /// How far ahead a waiver may expire (90 days unless set).
    pub waiver_max_days: Option<Spanned<i64>>,
}

/// `[override."rule.id"]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideDef {
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    pub enforce_after: Option<Spanned<toml::value::Datetime>>,
    pub when: Option<Spanned<WhenDef>>,
    pub with: Option<Spanned<toml::Table>>,
}
