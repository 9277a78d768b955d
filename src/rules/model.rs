//! Rule files and `pack.toml` as written: the serde model, with spans where an error must
//! point into the file. Unknown keys are refused everywhere (typos must not pass silently).

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use toml::Spanned;

/// How much a failing rule matters.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: shown; blocks only with `--fail-on warning`.
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
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFileDef {
    /// The rules of the file.
    #[serde(default)]
    #[schemars(with = "Vec<RuleDef>")]
    pub rule: Vec<Spanned<RuleDef>>,
}

// The check fields are [`CheckDef`]'s, written out again because serde's `flatten` works
// with neither `deny_unknown_fields` nor `Spanned` (and both are needed: typos must fail,
// and errors must point at their line).
/// One `[[rule]]` as written.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// The stable public id, `category.name`: waivers, overrides and docs refer to it.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// One line: what holds when the rule passes.
    pub title: Option<String>,
    /// What a failure does: error blocks, warning and note do not (error unless set).
    pub severity: Option<Severity>,
    /// The category (the id's first part unless set).
    pub category: Option<String>,
    /// Which services the rule applies to (every key must match; a list matches any value).
    #[schemars(with = "Option<WhenDef>")]
    pub when: Option<Spanned<WhenDef>>,
    /// Why the rule matters.
    pub rationale: Option<String>,
    /// What to write to pass, with an example.
    pub remediation: Option<String>,
    /// A page with more about the rule (shown as the SARIF `helpUri`).
    pub docs: Option<String>,
    /// The items of published checklists (or of the organisation's own) that the rule
    /// answers, for its documentation: "Mercari pre-production, Security: Non-root user".
    #[serde(default)]
    pub answers: Vec<String>,
    /// The rule is a warning until this date, then blocks at its severity.
    #[schemars(with = "Option<TomlDate>")]
    pub enforce_after: Option<Spanned<toml::value::Datetime>>,
    /// `false`: the rule is available but off until a pack enables it
    /// (`[override."id"] enabled = true`). On unless set.
    pub enabled: Option<bool>,
    /// The maturity level the rule belongs to: one of the pack's `levels`. A service
    /// reaches a level when every applicable rule at that level and below passes or is
    /// waived.
    #[schemars(with = "Option<String>")]
    pub level: Option<Spanned<String>>,
    /// Check: each path present and not empty.
    #[schemars(with = "Option<Vec<String>>")]
    pub require: Option<Vec<Spanned<String>>>,
    /// Check: the value at one path meets operators.
    #[schemars(with = "Option<AssertDef>")]
    pub assert: Option<Spanned<AssertDef>>,
    /// Check: a JSON Schema the manifest must meet.
    #[schemars(with = "Option<Json>")]
    pub schema: Option<Spanned<toml::Value>>,
    /// Check: a JSON Schema file, relative to the rule file.
    #[schemars(with = "Option<String>")]
    pub schema_file: Option<Spanned<String>>,
    /// Check: a native check by name.
    #[schemars(with = "Option<String>")]
    pub builtin: Option<Spanned<String>>,
    /// The parameters of the `builtin` check.
    #[schemars(with = "Option<Map<String, Json>>")]
    pub with: Option<Spanned<toml::Table>>,
    /// Check: every one of these checks holds.
    #[schemars(with = "Option<Vec<CheckDef>>")]
    pub all: Option<Spanned<Vec<Spanned<CheckDef>>>>,
    /// Check: at least one of these checks holds.
    #[schemars(with = "Option<Vec<CheckDef>>")]
    pub any: Option<Spanned<Vec<Spanned<CheckDef>>>>,
    /// Examples that `prr rules test` runs.
    #[serde(default)]
    #[schemars(with = "Vec<RuleTestDef>")]
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
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    #[schemars(with = "Option<Vec<String>>")]
    pub require: Option<Vec<Spanned<String>>>,
    #[schemars(with = "Option<AssertDef>")]
    pub assert: Option<Spanned<AssertDef>>,
    #[schemars(with = "Option<Json>")]
    pub schema: Option<Spanned<toml::Value>>,
    #[schemars(with = "Option<String>")]
    pub schema_file: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub builtin: Option<Spanned<String>>,
    #[schemars(with = "Option<Map<String, Json>>")]
    pub with: Option<Spanned<toml::Table>>,
    #[schemars(with = "Option<Vec<CheckDef>>")]
    pub all: Option<Spanned<Vec<Spanned<CheckDef>>>>,
    #[schemars(with = "Option<Vec<CheckDef>>")]
    pub any: Option<Spanned<Vec<Spanned<CheckDef>>>>,
}

/// `assert = { path = "...", min = ..., ... }`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssertDef {
    /// The path judged (`slo[*].target`).
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// The value is at least this number.
    pub min: Option<f64>,
    /// The value is at most this number.
    pub max: Option<f64>,
    /// The value is one of these.
    #[schemars(with = "Option<Vec<Json>>")]
    pub one_of: Option<Vec<toml::Value>>,
    /// The value matches this regular expression.
    #[schemars(with = "Option<String>")]
    pub matches: Option<Spanned<String>>,
    /// The value equals this one.
    #[schemars(with = "Option<Json>")]
    pub equals: Option<toml::Value>,
    /// The value is a date at most this many days old.
    pub max_age_days: Option<i64>,
    /// A missing value passes (only values that are there are judged).
    #[serde(default)]
    pub optional: bool,
}

/// `when = { tier = [...], lifecycle = [...], labels = [...] }`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhenDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<OneOrMany<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<OneOrMany<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<OneOrMany<String>>,
    /// `true`: only when the run is a deploy (`prr check --deploy`, the Action's `deploy`
    /// input); `false`: never then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<bool>,
}

/// A value or a list of values: `tier = 1` reads as `tier = [1]`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, JsonSchema)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTestDef {
    /// What the example shows, as failures name it.
    pub name: String,
    /// The outcome the rule must give the example.
    pub expect: Expect,
    /// The example manifest's text.
    #[schemars(with = "String")]
    pub manifest: Spanned<String>,
    /// The date the example is judged on (pins dated examples so they do not go stale).
    #[schemars(with = "Option<TomlDate>")]
    pub as_of: Option<Spanned<toml::value::Datetime>>,
    /// `toml` (the default) or `json`.
    pub format: Option<String>,
    /// The evidence the example is judged with (repository files, unavailable sources).
    pub facts: Option<crate::facts::TestFacts>,
}

/// `pack.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackFileDef {
    pub pack: PackDef,
    /// Changes to rules this pack inherits, by rule id.
    #[serde(default, rename = "override")]
    #[schemars(with = "BTreeMap<String, OverrideDef>")]
    pub overrides: BTreeMap<String, Spanned<OverrideDef>>,
    /// The live sources of evidence the pack's rules read (`[source.prometheus]`): set by
    /// the pack, never by a manifest.
    #[serde(default)]
    pub source: SourcesDef,
    /// How the manifests' `[import]` files map to the pack's conventions.
    #[serde(default)]
    pub import: ImportsDef,
}

/// `[import.*]` in `pack.toml`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportsDef {
    /// Backstage's `catalog-info.yaml`.
    pub backstage: Option<BackstageDef>,
}

/// `[import.backstage]`: how a Backstage group becomes `service.owner`, and on-call.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackstageDef {
    /// The team handle of a group, with `{name}` (and `{namespace}`) the group's:
    /// `"@acme/{name}"`. Default `"team:{name}"`.
    pub owner_format: Option<String>,
    /// Handles of groups the format does not give, by group name or reference
    /// (`"group:default/risk" = "@acme/fraud"`).
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// The organisation's PagerDuty address (`"https://acme.pagerduty.com"`): with it, the
    /// annotation `pagerduty.com/service-id` becomes `oncall.rotation`.
    pub pagerduty_url: Option<String>,
}

/// `[source.*]` in `pack.toml`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourcesDef {
    /// A server with the Prometheus HTTP API, for `monitoring.alerts` and `slo.sli`.
    pub prometheus: Option<crate::rules::sources::PrometheusSource>,
    /// PagerDuty's REST API, for `prr review quarterly --incidents pagerduty:`.
    pub pagerduty: Option<crate::rules::sources::PagerDutySource>,
    /// Incident files in the repository, for `incidents.postmortem`.
    pub incidents: Option<crate::rules::sources::IncidentsSource>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackDef {
    /// The pack's name, shown in reports.
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    /// Packs whose rules this one inherits: "builtin", or a path relative to this file.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub extends: Vec<Spanned<String>>,
    /// How far ahead a waiver may expire (90 days unless set).
    #[schemars(with = "Option<u32>")]
    pub waiver_max_days: Option<Spanned<i64>>,
    /// The maturity levels, lowest first (`["bronze", "silver", "gold"]`); rules name
    /// theirs with `level`. The outermost pack that sets them decides.
    #[schemars(with = "Option<Vec<String>>")]
    pub levels: Option<Spanned<Vec<String>>>,
    /// How many elements a manifest's array may have before the rest go unjudged, by path
    /// (`dependency`, `datastore`, `slo`, `waiver`, `service.labels`,
    /// `monitoring.dashboards`): the defaults are 300, 100, 100, 100, 100 and 100.
    #[serde(default)]
    pub max_items: BTreeMap<String, usize>,
    /// Items of the checklists the pack follows that it deliberately does not check, each
    /// with the reason: `prr rules doc` lists them, so that a gap reads as a decision.
    #[serde(default)]
    pub omitted: Vec<OmittedDef>,
    /// Whether a claim that could not be verified (its evidence source timed out, failed or
    /// answered nonsense) blocks: `warn` (the default) or `fail`.
    pub on_unavailable: Option<OnUnavailable>,
    /// The same for a deploy (`prr check --deploy`, `prr budget`): `fail` (the default) or
    /// `warn`. A deploy fails closed: a budget nobody could read blocks a feature deploy
    /// as a spent one does, and the fix labels still let fixes through.
    pub deploy_on_unavailable: Option<OnUnavailable>,
    /// The team whose approval a waiver added or extended by a pull request needs
    /// (`@org/sre`); without it such a waiver waives nothing.
    pub waiver_approvers: Option<String>,
}

/// `[[pack.omitted]]`: a checklist item the pack leaves out, and why.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OmittedDef {
    /// The item, with the checklist it comes from.
    pub item: String,
    /// Why the pack does not check it.
    pub why: String,
}

/// What a claim that could not be verified does to the gate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnUnavailable {
    /// A warning: the claim is reported as unverified, and the gate does not block on it.
    #[default]
    Warn,
    /// A failure at the rule's severity.
    Fail,
}

/// `[override."rule.id"]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideDef {
    pub severity: Option<Severity>,
    /// `false` turns the rule off.
    pub enabled: Option<bool>,
    /// The rule is a warning until this date, then blocks at its severity.
    #[schemars(with = "Option<TomlDate>")]
    pub enforce_after: Option<Spanned<toml::value::Datetime>>,
    /// Replaces the rule's applicability.
    #[schemars(with = "Option<WhenDef>")]
    pub when: Option<Spanned<WhenDef>>,
    /// Merged into the parameters of the rule's builtin check.
    #[schemars(with = "Option<Map<String, Json>>")]
    pub with: Option<Spanned<toml::Table>>,
}

/// A TOML date (`2027-01-01`), as the rules schema describes it.
pub struct TomlDate;

impl JsonSchema for TomlDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "description": "a date, YYYY-MM-DD (a TOML date)"
        })
    }
}

/// A rule file (`[[rule]]` tables) or a pack's `pack.toml` (`[pack]`, `[override."<id>"]`):
/// what `schemas/rules.schema.json` describes.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(
    title = "prr rule file or pack.toml",
    extend("$id" = RULES_SCHEMA_ID)
)]
// Never built: only its schema is generated, so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum RulesFile {
    Rules(RuleFileDef),
    Pack(Box<PackFileDef>),
}

/// Where the published rules schema says it lives.
pub const RULES_SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/prr-gate/prr-gate/v0.2.0/schemas/rules.schema.json";

/// The JSON Schema of rule files and `pack.toml`, generated from the types above: what
/// `prr schema rules` prints and `schemas/rules.schema.json` holds.
#[must_use]
pub fn rules_schema() -> Json {
    crate::manifest::model::generate::<RulesFile>(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_rules_schema_is_generated_from_the_types() {
        let generated = crate::manifest::model::to_text(&rules_schema());
        let committed = include_str!("../../schemas/rules.schema.json");
        assert!(
            generated == committed,
            "schemas/rules.schema.json is stale; regenerate it with \
             `cargo run -- schema rules > schemas/rules.schema.json`"
        );
    }
}
