//! The `prr.toml` that `prr init` writes for a new service: every key the built-in pack
//! asks for, commented, with each value it cannot know left as a visible `TODO` string.
//! A TODO is never present (see [`Node::is_todo`](crate::manifest::Node::is_todo)), so
//! `prr check` on a fresh file fails on the TODO lines and nowhere else.

use std::fmt::Write as _;

use crate::manifest::model::SCHEMA_ID;

/// What `prr init` was told (or asked for on a terminal); the rest are TODOs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    pub name: Option<String>,
    pub tier: Option<u8>,
    pub owner: Option<String>,
    /// What the `#:schema` line names: a path relative to the manifest (a copy of the schema
    /// kept in the repository, for editors and taplo offline); the published URL without it.
    pub schema: Option<String>,
    /// `prr init --from`: the catalog-info file the manifest imports, and the keys it gives.
    pub catalog: Option<Catalog>,
}

/// A Backstage catalog file a new manifest imports (`[import] backstage`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Its path relative to the manifest, with `/`.
    pub path: String,
    /// The manifest keys it gives (`service.owner`, `docs.runbook`): left out of the
    /// template, so that each fact has one place.
    pub gives: std::collections::BTreeSet<String>,
}

/// A value as TOML writes it: a string quoted and escaped.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn or_todo(value: Option<&str>, todo: &str) -> String {
    value.map_or_else(|| quoted(&format!("TODO: {todo}")), quoted)
}

/// Whether `name` is a service name the schema accepts.
#[must_use]
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// The commented manifest.
#[must_use]
pub fn template(answers: &Answers) -> String {
    let name = or_todo(answers.name.as_deref(), "the service's name");
    let tier = answers.tier.map_or_else(
        || quoted("TODO: 1 critical, 2 important, 3 standard, 4 experimental"),
        |t| t.to_string(),
    );
    let owner = or_todo(
        answers.owner.as_deref(),
        "the owning team, \"@org/team\" or \"team:<name>\" (never a person)",
    );
    let schema = answers.schema.as_deref().unwrap_or(SCHEMA_ID);
    let gives = |key: &str| {
        answers
            .catalog
            .as_ref()
            .is_some_and(|c| c.gives.contains(key))
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"#:schema {schema}
# The Production Readiness Review manifest of this service, judged by `prr check`.
# Every "TODO: ..." is a value to fill in: until it is, `prr check` fails on its line.
# `prr explain RULE_ID` says why a rule asks for a value; keys: `prr schema manifest`.
"#
    );
    if let Some(catalog) = &answers.catalog {
        let given: Vec<&str> = catalog.gives.iter().map(String::as_str).collect();
        let _ = write!(
            out,
            "\n# What the catalog already says is read from it, not written again here:\n# {}.\n[import]\nbackstage = {}\n",
            given.join(", "),
            quoted(&catalog.path)
        );
    }
    out.push_str("\n[service]\n");
    // A name given on the command line stays: it picks the catalog's Component.
    if !gives("service.name") || answers.name.is_some() {
        let _ = writeln!(out, "name = {name}");
    }
    let _ = writeln!(
        out,
        "tier = {tier}  # 1 critical, 2 important, 3 standard, 4 experimental"
    );
    if !gives("service.lifecycle") {
        out.push_str(
            "lifecycle = \"production\"  # experimental | beta | production | deprecated\n",
        );
    }
    if !gives("service.owner") {
        let _ = writeln!(out, "owner = {owner}");
    }
    if !gives("service.description") {
        out.push_str("# description = \"what the service does\"\n");
    }
    out.push_str("# product_owner = \"@org/product-team\"\n# labels = [\"pci\"]\n");
    if gives("docs.runbook") {
        out.push_str(&BODY.replace(
            "runbook = \"TODO: link the runbook (a URL or a path in this repository)\"\n",
            "# runbook: from the catalog's links\n",
        ));
    } else {
        out.push_str(BODY);
    }
    out
}

/// Everything after `[service]`: the same for every service until its team fills it in.
const BODY: &str = r#"
[oncall]
rotation = "TODO: link the on-call schedule (https://...)"
escalation = "TODO: link the escalation policy (https://...)"

[docs]
runbook = "TODO: link the runbook (a URL or a path in this repository)"
# architecture = "docs/architecture.md"

# What users experience, the target, and the window it is measured over. One [[slo]] each.
[[slo]]
name = "availability"
# indicator = "share of non-5xx responses at the load balancer"  # what is measured
target = "TODO: a percentage such as 99.9 (at least the tier's floor)"
window = "TODO: 28d | week | month | quarter | year"

[error_budget]
policy = "TODO: freeze-features | review | none"
owner = "TODO: the team that enforces the budget (@org/team)"

[monitoring.golden_signals]  # an alert or dashboard URL for each signal
latency = "TODO: link the latency alert or dashboard"
traffic = "TODO: link the traffic alert or dashboard"
errors = "TODO: link the errors alert or dashboard"
saturation = "TODO: link the saturation alert or dashboard"

[observability]
tracing = "TODO: link where the service's traces are searched"
logs = "TODO: link where the service's logs are searched"
structured_logs = "TODO: true once every log line is JSON (or logfmt) with the request id"
error_tracking = "TODO: link the error tracker's project (Sentry, Rollbar...)"

# One [[dependency]] per service or store this one calls:
# [[dependency]]
# name = "ledger-db"
# critical = true
# sla = 99.99
# owner = "@org/dba"
# timeout_ms = 200
# retries = 1
# fallback = "queue writes and replay"

# One [[datastore]] per database, bucket or queue that holds the service's data:
# [[datastore]]
# name = "payments-db"
# kind = "postgresql"
# backups = "https://wiki.example/payments/backups"  # how it is backed up
# restore_tested = 2026-10-08                        # the last restore that was checked
# rpo = "5m"                                         # how much data may be lost
# rto = "15m"                                        # how long a restore may take
# ephemeral = true                                   # instead: a cache rebuilt from elsewhere

[release]
strategy = "TODO: canary | blue-green | rolling | recreate"
rollback = "TODO: automated, or link the rollback procedure"
# feature_flags = true

[testing]
unit = "TODO: true once unit tests run in CI"
integration = "TODO: true once integration tests run in CI"
system = "TODO: true once system (end-to-end) tests run"

[incidents]
tracker = "TODO: link the incident tracker"
postmortems = "TODO: link where postmortems are kept"

[capacity]
plan = "TODO: link the capacity plan"
load_tested = "TODO: date of the last load test, YYYY-MM-DD (unquoted)"

[toil]
backlog = "TODO: link the toil backlog"

[security]
secrets = "TODO: where secrets live: vault | aws-secrets-manager | gcp-secret-manager | azure-key-vault | external-secrets | sealed-secrets | sops | other-manager"

[reviews]  # when each review last happened: TOML dates, unquoted
prr = "TODO: date of the last production readiness review, YYYY-MM-DD (unquoted)"
mttr_mttf = "TODO: date of the last MTTR/MTTF review, YYYY-MM-DD (unquoted)"
dependencies = "TODO: date of the last critical-dependency review, YYYY-MM-DD (unquoted)"
toil = "TODO: date of the last toil review, YYYY-MM-DD (unquoted)"
security = "TODO: date of the last security review, YYYY-MM-DD (unquoted)"

# An exception to a rule, with a reason, a ticket and an expiry at most 90 days out:
# [[waiver]]
# rule = "release.progressive"
# reason = "canary needs the load balancer migration"
# expires = 2027-01-31
# ticket = "https://tracker/PLAT-1"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;

    #[test]
    fn the_template_parses_with_and_without_answers() {
        for answers in [
            Answers::default(),
            Answers {
                name: Some("pay\"ments".to_owned()),
                tier: Some(1),
                owner: Some("@acme/payments".to_owned()),
                schema: Some(".prr/manifest.schema.json".to_owned()),
                catalog: None,
            },
            Answers {
                tier: Some(2),
                catalog: Some(Catalog {
                    path: "catalog-info.yaml".to_owned(),
                    gives: ["service.name", "service.owner", "docs.runbook"]
                        .map(str::to_owned)
                        .into(),
                }),
                ..Answers::default()
            },
        ] {
            let text = template(&answers);
            let manifest = Manifest::from_text("prr.toml", &text);
            assert!(manifest.is_ok(), "{text}");
        }
    }

    #[test]
    fn names_follow_the_schema() {
        assert!(is_valid_name("payments-api.v2"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name(""));
    }
}
