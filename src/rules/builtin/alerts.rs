//! `alerts`: each alerting rule that `[monitoring.alerts]` names (one per golden signal:
//! `latency = "PaymentsLatencyHigh"`) exists in the pack's Prometheus as an alerting rule
//! (`GET /api/v1/rules?type=alert`). A golden signal whose alert was renamed, deleted or
//! never deployed pages nobody, however well the manifest reads.
//!
//! A missing alert is a finding at the line that names it. An alert whose `runbook_url`
//! annotation differs from `docs.runbook` is a warning: the page an engineer gets at 3 am
//! should open the runbook the service declares. Without a configured Prometheus the rule
//! is skipped, saying how to configure one; a server that gives no usable answer makes
//! every claim "could not verify", never a pass.
//!
//! On a deploy, a claim Prometheus could not verify does not stop a fix whose pull request
//! a member of the error budget's owner team labelled with one of `labels` (decision 18):
//! the finding shows as waived with the label.
//!
//! Parameters (`with`): `table` (default `monitoring.alerts`), `runbook` (the manifest path
//! the annotation is compared with, default `docs.runbook`), `labels` (default
//! `reliability-fix`, `security-fix`).

use super::{params, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::Gathered;
use crate::manifest::Node;
use crate::rules::Severity;

pub const SPEC: Spec = Spec {
    name: "alerts",
    summary: "each alerting rule [monitoring.alerts] names exists in Prometheus, its runbook_url matching docs.runbook; with table, runbook",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    table: Option<String>,
    runbook: Option<String>,
    labels: Option<Vec<String>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    Ok(Box::new(Alerts {
        table: p.table.unwrap_or_else(|| "monitoring.alerts".to_owned()),
        runbook: p.runbook.unwrap_or_else(|| "docs.runbook".to_owned()),
        labels: super::fix_labels(p.labels),
    }))
}

#[derive(Debug)]
struct Alerts {
    table: String,
    runbook: String,
    labels: Vec<String>,
}

impl Builtin for Alerts {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            prometheus: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        super::let_fixes_through(self.judge(cx), cx, &self.labels)
    }
}

impl Alerts {
    fn judge(&self, cx: &Context<'_>) -> Outcome {
        let Some(table) = cx.manifest.root.pointer(&self.table) else {
            return Outcome::skip(format!(
                "the manifest names no alerting rules (`[{}]`)",
                self.table
            ));
        };
        let named: Vec<(&str, &Node, &str)> = match &table.value {
            crate::manifest::Value::Table(entries) => entries
                .iter()
                .filter_map(|(key, node)| {
                    node.as_str()
                        .map(|name| (key.name.as_str(), node, name.trim()))
                })
                .filter(|(_, _, name)| !name.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        if named.is_empty() {
            return Outcome::skip(format!(
                "the manifest names no alerting rules (`[{}]`)",
                self.table
            ));
        }
        let evidence = match &cx.facts.prometheus {
            Gathered::NotConfigured(why) => return Outcome::skip(why.clone()),
            Gathered::Unavailable(why) => {
                return Outcome::fail(
                    vec![Failure::unverified(why, self.table.clone(), table.span)],
                    String::new(),
                )
            }
            Gathered::Known(evidence) => evidence,
        };
        let loaded = match &evidence.alerts {
            Ok(loaded) => loaded,
            Err(why) => {
                return Outcome::fail(
                    vec![Failure::unverified(why, self.table.clone(), table.span)],
                    String::new(),
                )
            }
        };
        let runbook = cx
            .manifest
            .root
            .pointer(&self.runbook)
            .and_then(Node::as_str)
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let mut failures = Vec::new();
        for (signal, node, name) in &named {
            let key = format!("{}.{signal}", self.table);
            let Some(alert) = loaded.get(*name) else {
                let nearest = loaded
                    .keys()
                    .map(|known| (strsim::jaro_winkler(known, name), known))
                    .filter(|(score, _)| *score > 0.85)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, known)| format!(" (did you mean `{known}`?)"))
                    .unwrap_or_default();
                failures.push(Failure::new(
                    format!(
                        "no alerting rule `{name}` for {signal}: Prometheus has {} alerting rules, none of that name{nearest}",
                        loaded.len()
                    ),
                    key,
                    node.span,
                ));
                continue;
            };
            if let (Some(annotation), Some(runbook)) = (alert.runbook_url.as_deref(), runbook) {
                if !same_runbook(annotation, runbook) {
                    failures.push(
                        Failure::new(
                            format!(
                                "the alert `{name}` links its runbook_url to `{annotation}`, but `{}` is `{runbook}`: the page should open the service's runbook",
                                self.runbook
                            ),
                            key,
                            node.span,
                        )
                        .at_most(Severity::Warning),
                    );
                }
            }
        }
        let names: Vec<String> = named
            .iter()
            .map(|(signal, _, name)| format!("{signal} `{name}`"))
            .collect();
        Outcome::fail(
            failures,
            format!("the alerting rules exist: {}", names.join(", ")),
        )
    }
}

/// Whether an alert's `runbook_url` and the manifest's runbook name the same document: the
/// same URL (a trailing `/` aside), or a URL ending in the manifest's relative path.
fn same_runbook(annotation: &str, runbook: &str) -> bool {
    let annotation = annotation.trim().trim_end_matches('/');
    let runbook = runbook.trim().trim_end_matches('/');
    if annotation == runbook {
        return true;
    }
    let relative = runbook.trim_start_matches("./");
    !runbook.contains("://") && annotation.ends_with(&format!("/{relative}"))
}

#[cfg(test)]
mod tests {
    use super::same_runbook;

    #[test]
    fn runbooks_match_as_documents() {
        assert!(same_runbook(
            "https://wiki.acme.dev/runbook/",
            "https://wiki.acme.dev/runbook"
        ));
        assert!(same_runbook(
            "https://github.com/acme/pay/blob/main/docs/runbook.md",
            "./docs/runbook.md"
        ));
        assert!(!same_runbook(
            "https://wiki.acme.dev/old-runbook",
            "https://wiki.acme.dev/runbook"
        ));
        assert!(!same_runbook(
            "https://x.dev/docs/runbook.md",
            "https://y.dev/docs/runbook.md"
        ));
    }
}
