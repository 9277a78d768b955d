//! The manifest as typed structs: the source of `schemas/manifest.schema.json`.
//!
//! The engine reads the spanned [`Node`](super::Node) tree, never these types: they exist so
//! that the published schema is generated from code (`prr schema manifest`) and a test can
//! tell when the committed file is stale. Each `description` below is also what a
//! `manifest.schema` message says a value must be ("`slo[0].target` must be a percentage
//! between 0 and 100"), so the notes on these types are plain comments: a doc comment would
//! become a description.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

/// Where the published schema says it lives.
pub const SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/prr-gate/prr-gate/v0.2.0/schemas/manifest.schema.json";

// Scalar values: each with its JSON Schema written out, so that bounds and wording stay exact.
macro_rules! scalar {
    ($name:ident, $inner:ty, $schema:tt) => {
        #[derive(Debug, Clone)]
        pub struct $name(pub $inner);

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

scalar!(ServiceName, String, {
    "type": "string",
    "minLength": 1,
    "description": "the service's name",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"
});
scalar!(Tier, i64, {
    "type": "integer",
    "minimum": 1,
    "maximum": 4,
    "description": "1 critical, 2 important, 3 standard, 4 experimental"
});
scalar!(Team, String, {
    "type": "string",
    "minLength": 1,
    "description": "a team: a GitHub team handle (\"@org/team\") or \"team:<name>\""
});
scalar!(ImportPath, String, {
    "type": "string",
    "minLength": 1,
    "description": "a path or glob, relative to the manifest"
});
scalar!(Label, String, {
    "type": "string",
    "minLength": 1,
    "description": "a label"
});
scalar!(Link, String, {
    "type": "string",
    "minLength": 1,
    "description": "a URL, or a path in the repository"
});
scalar!(Percent, f64, {
    "type": "number",
    "exclusiveMinimum": 0,
    "exclusiveMaximum": 100,
    "description": "a percentage between 0 and 100, such as 99.9"
});
scalar!(Window, String, {
    "type": "string",
    "pattern": "^([1-9][0-9]{0,3}d|week|month|quarter|year)$",
    "description": "a window: \"<N>d\" (such as \"28d\"), \"week\", \"month\", \"quarter\" or \"year\""
});
scalar!(DependencySla, f64, {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": 100,
    "description": "a percentage between 0 and 100, such as 99.95"
});
scalar!(TimeoutMs, i64, {
    "type": "integer",
    "minimum": 1,
    "maximum": 3_600_000,
    "description": "a whole number of milliseconds, at least 1"
});
scalar!(Retries, i64, {
    "type": "integer",
    "minimum": 0,
    "maximum": 100,
    "description": "a whole number of retries, 0 or more"
});
// A duration as people write them for recovery objectives: "15m", "4h", "1h30m", "0s".
scalar!(Duration, String, {
    "type": "string",
    "pattern": "^[0-9]{1,5}(d|h|m|s)([0-9]{1,5}(h|m|s)){0,2}$",
    "description": "a duration such as \"15m\", \"4h\", \"1h30m\" or \"1d\" (d, h, m, s)"
});
scalar!(Flag, bool, {
    "type": "boolean",
    "description": "true or false"
});
// Prometheus checks an alerting rule's name as a metric name (rulefmt).
scalar!(AlertName, String, {
    "type": "string",
    "pattern": "^[A-Za-z_:][A-Za-z0-9_:]*$",
    "description": "the name of an alerting rule, such as \"PaymentsLatencyHigh\""
});
scalar!(EventQuery, String, {
    "type": "string",
    "pattern": "\\{\\{window\\}\\}",
    "description": "a PromQL expression counting events over `{{window}}`, such as 'sum(increase(http_requests_total{job=\"pay\"}[{{window}}]))'"
});
// A TOML date; the manifest's JSON view keeps it as its ISO string.
scalar!(Date, String, {
    "type": "string",
    "format": "date",
    "description": "a date, YYYY-MM-DD (a TOML date)"
});

// `prr.toml`: a service's Production Readiness Review manifest.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "prr.toml: a service's Production Readiness Review manifest",
    extend("$id" = SCHEMA_ID)
)]
pub struct Manifest {
    // The `#:schema` line of editors, when a JSON manifest spells it as a key.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    #[schemars(
        description = "files the service already keeps (Backstage catalog-info, OpenSLO, sloth), read as part of this manifest; paths relative to it, inside the repository"
    )]
    pub import: Option<Import>,
    #[schemars(description = "what the service is, how critical, and which team owns it")]
    pub service: Option<ServiceTable>,
    pub oncall: Option<Oncall>,
    pub docs: Option<Docs>,
    // Array limits: crate::manifest::limits (a pack may change them; a test keeps both equal).
    #[schemars(description = "service level objectives", length(max = 100))]
    pub slo: Option<Vec<Slo>>,
    pub error_budget: Option<ErrorBudget>,
    pub sla: Option<Sla>,
    pub monitoring: Option<Monitoring>,
    #[schemars(description = "where the service's traces, logs and errors are seen")]
    pub observability: Option<Observability>,
    #[schemars(length(max = 300))]
    pub dependency: Option<Vec<Dependency>>,
    #[schemars(
        description = "the stores that hold the service's data, with their backups and recovery objectives",
        length(max = 100)
    )]
    pub datastore: Option<Vec<Datastore>>,
    pub release: Option<Release>,
    pub testing: Option<Testing>,
    pub incidents: Option<Incidents>,
    pub capacity: Option<Capacity>,
    pub toil: Option<Toil>,
    pub security: Option<Security>,
    pub reviews: Option<Reviews>,
    #[schemars(length(max = 100))]
    pub waiver: Option<Vec<Waiver>>,
    #[schemars(description = "organisation extensions: anything goes here")]
    pub x: Option<Map<String, Value>>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceTable {
    pub name: ServiceName,
    pub description: Option<String>,
    pub tier: Tier,
    #[schemars(description = "experimental, beta, production or deprecated")]
    pub lifecycle: Lifecycle,
    pub owner: Option<Team>,
    pub product_owner: Option<Team>,
    #[schemars(extend("uniqueItems" = true), length(max = 100))]
    pub labels: Option<Vec<Label>>,
    pub repository: Option<Link>,
}

// `[import]`: each path or glob relative to the manifest (src/manifest/import).
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Import {
    #[schemars(
        length(min = 1),
        description = "the Backstage catalog-info.yaml whose Component is this service"
    )]
    pub backstage: Option<String>,
    #[schemars(description = "OpenSLO v1 files (paths or globs) with the service's SLOs and SLIs")]
    pub openslo: Option<Vec<ImportPath>>,
    #[schemars(description = "sloth specs (paths or globs) with the service's SLOs")]
    pub sloth: Option<Vec<ImportPath>>,
}

#[derive(Debug, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Experimental,
    Beta,
    Production,
    Deprecated,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oncall {
    pub rotation: Option<Link>,
    pub escalation: Option<Link>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub runbook: Option<Link>,
    pub architecture: Option<Link>,
    pub api: Option<Link>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    #[schemars(
        length(min = 1),
        description = "the SLO's name, such as \"availability\""
    )]
    pub name: Option<String>,
    #[schemars(length(min = 1), description = "what is measured (the SLI)")]
    pub indicator: Option<String>,
    pub target: Option<Percent>,
    pub window: Option<Window>,
    pub sli: Option<Sli>,
}

// How the SLO is measured: good and total event counts (OpenSLO's `ratioMetric`), with
// `{{window}}` filled in by prr.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sli {
    pub good: EventQuery,
    pub total: EventQuery,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBudget {
    #[schemars(description = "freeze-features, review or none")]
    pub policy: Option<BudgetPolicy>,
    pub owner: Option<Team>,
}

#[derive(Debug, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetPolicy {
    FreezeFeatures,
    Review,
    None,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub target: Option<Percent>,
    pub window: Option<Window>,
    #[schemars(length(min = 1), description = "the name of the SLO the SLA rests on")]
    pub slo: Option<String>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    #[schemars(length(max = 100))]
    pub dashboards: Option<Vec<Link>>,
    pub golden_signals: Option<GoldenSignals>,
    pub alerts: Option<Alerts>,
}

// The alerting rule (in Prometheus) that covers each golden signal.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    pub latency: Option<AlertName>,
    pub traffic: Option<AlertName>,
    pub errors: Option<AlertName>,
    pub saturation: Option<AlertName>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldenSignals {
    pub latency: Option<Link>,
    pub traffic: Option<Link>,
    pub errors: Option<Link>,
    pub saturation: Option<Link>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observability {
    #[schemars(description = "where the service's distributed traces are searched: a URL")]
    pub tracing: Option<Link>,
    #[schemars(description = "where the service's logs are searched: a URL")]
    pub logs: Option<Link>,
    #[schemars(
        description = "true when every log line is structured (JSON or logfmt) and carries the request or trace id"
    )]
    pub structured_logs: Option<bool>,
    #[schemars(
        description = "where the service's errors are grouped and alerted on (Sentry, Rollbar...): a URL"
    )]
    pub error_tracking: Option<Link>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Datastore {
    #[schemars(length(min = 1), description = "the datastore's name")]
    pub name: String,
    #[schemars(
        length(min = 1),
        description = "what it is, such as \"postgresql\", \"redis\" or \"s3\""
    )]
    pub kind: Option<String>,
    #[schemars(
        description = "true when its contents can be rebuilt from elsewhere (a cache): no backups needed"
    )]
    pub ephemeral: Option<bool>,
    #[schemars(description = "how it is backed up (schedule, retention): a URL or a path")]
    pub backups: Option<Link>,
    #[schemars(
        description = "the date a backup was last restored and the restore checked, YYYY-MM-DD (a TOML date)"
    )]
    pub restore_tested: Option<Date>,
    #[schemars(
        description = "the recovery point objective: how much data may be lost, such as \"15m\""
    )]
    pub rpo: Option<Duration>,
    #[schemars(
        description = "the recovery time objective: how long a restore may take, such as \"1h\""
    )]
    pub rto: Option<Duration>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    #[schemars(length(min = 1), description = "the dependency's name")]
    pub name: String,
    pub description: Option<String>,
    pub critical: Option<Flag>,
    pub sla: Option<DependencySla>,
    pub owner: Option<Team>,
    pub timeout_ms: Option<TimeoutMs>,
    pub retries: Option<Retries>,
    #[schemars(
        length(min = 1),
        description = "what the service does when the dependency fails"
    )]
    pub fallback: Option<String>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    #[schemars(description = "canary, blue-green, rolling or recreate")]
    pub strategy: Option<ReleaseStrategy>,
    #[schemars(
        length(min = 1),
        description = "\"automated\", or the URL of a documented rollback procedure"
    )]
    pub rollback: Option<String>,
    pub feature_flags: Option<Flag>,
}

#[derive(Debug, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseStrategy {
    Canary,
    BlueGreen,
    Rolling,
    Recreate,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Testing {
    pub unit: Option<Flag>,
    pub integration: Option<Flag>,
    pub system: Option<Flag>,
    pub load: Option<Flag>,
    pub chaos: Option<Flag>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incidents {
    pub tracker: Option<Link>,
    pub postmortems: Option<Link>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    pub plan: Option<Link>,
    pub load_tested: Option<Date>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Toil {
    pub backlog: Option<Link>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    #[schemars(
        description = "where the service's secrets live: vault, aws-secrets-manager, gcp-secret-manager, azure-key-vault, external-secrets, sealed-secrets, sops, other-manager, ci-variables or repository"
    )]
    pub secrets: Option<SecretStore>,
}

// Where secrets live. The last two are here so that a team can say the truth and see the
// rule fail, rather than be unable to write it down.
#[derive(Debug, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SecretStore {
    Vault,
    AwsSecretsManager,
    GcpSecretManager,
    AzureKeyVault,
    ExternalSecrets,
    SealedSecrets,
    Sops,
    OtherManager,
    CiVariables,
    Repository,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reviews {
    pub prr: Option<Date>,
    pub mttr_mttf: Option<Date>,
    pub dependencies: Option<Date>,
    pub toil: Option<Date>,
    #[schemars(
        description = "the date of the last security review (threat model, authentication, data handling), YYYY-MM-DD (a TOML date)"
    )]
    pub security: Option<Date>,
}

#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    #[schemars(
        length(min = 1),
        regex(pattern = r"^\S(.*\S)?$"),
        description = "the id of the rule waived, such as \"release.progressive\" (exactly: no spaces around it)"
    )]
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub expires: Option<Date>,
    pub ticket: Option<String>,
}

/// The manifest's JSON Schema, generated from the types above: what `prr schema manifest`
/// prints and `schemas/manifest.schema.json` holds.
#[must_use]
pub fn manifest_schema() -> Value {
    generate::<Manifest>(true)
}

/// The JSON Schema (draft 2020-12) of `T`. Every subschema is inlined when `inline` (so that
/// a validation error's schema path leads to the keyword's own object, which the messages
/// read), and no value may be null: an `Option` field is one that may be left out, and
/// neither TOML nor a manifest has a null.
#[must_use]
pub fn generate<T: JsonSchema>(inline: bool) -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|settings| settings.inline_subschemas = inline)
        .with_transform(schemars::transform::RecursiveTransform(forbid_null))
        .into_generator();
    generator.root_schema_for::<T>().to_value()
}

/// How a generated schema is committed: pretty JSON and a final newline.
#[must_use]
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Takes back the null that schemars allows for an `Option`.
fn forbid_null(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".to_owned(), only);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    let nullable = object
        .get("anyOf")
        .and_then(Value::as_array)
        .filter(|options| options.len() == 2 && options.iter().any(is_null))
        .and_then(|options| options.iter().find(|v| !is_null(v)).cloned());
    if let Some(Value::Object(inner)) = nullable {
        object.remove("anyOf");
        for (key, value) in inner {
            object.entry(key).or_insert(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_manifest_schema_is_generated_from_the_types() {
        let generated = to_text(&manifest_schema());
        assert!(
            generated == super::super::schema::MANIFEST_SCHEMA,
            "schemas/manifest.schema.json is stale; regenerate it with \
             `cargo run -- schema manifest > schemas/manifest.schema.json`"
        );
    }
}
