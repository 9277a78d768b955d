//! `golden_signals`: each of the four golden signals (latency, traffic, errors, saturation)
//! has an alert or a dashboard. They are what tells an on-call engineer that users are
//! hurting, and which way; a service that watches fewer finds out from its users.
//! One finding per missing signal.
//!
//! Parameters (`with`): `signals` (default the four), `table` (default
//! `monitoring.golden_signals`).

use super::{params, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::Node;

pub const SPEC: Spec = Spec {
    name: "golden_signals",
    summary: "latency, traffic, errors and saturation each have an alert or dashboard; with signals, table",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    signals: Option<Vec<String>>,
    table: Option<String>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    let signals = p.signals.unwrap_or_else(|| {
        ["latency", "traffic", "errors", "saturation"]
            .map(str::to_owned)
            .to_vec()
    });
    if signals.is_empty() {
        return Err("signals must name at least one signal".to_owned());
    }
    Ok(Box::new(GoldenSignals {
        signals,
        table: p
            .table
            .unwrap_or_else(|| "monitoring.golden_signals".to_owned()),
    }))
}

#[derive(Debug)]
struct GoldenSignals {
    signals: Vec<String>,
    table: String,
}

impl Builtin for GoldenSignals {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let table = cx.manifest.root.pointer(&self.table);
        let anchor = cx.manifest.anchor(&self.table);
        let failures: Vec<Failure> = self
            .signals
            .iter()
            .filter_map(|signal| {
                let value = table.and_then(|t| t.get(signal));
                (!value.is_some_and(Node::is_present)).then(|| {
                    // An empty or TODO value is pointed at itself; a missing one at its table.
                    Failure::new(
                        if value.is_some_and(Node::is_todo) {
                            format!(
                                "`{}.{signal}` is still a TODO: set it to the URL of the {signal} alert or dashboard",
                                self.table
                            )
                        } else {
                            format!(
                                "no alert or dashboard for {signal}: set `{}.{signal}` to its URL",
                                self.table
                            )
                        },
                        format!("{}.{signal}", self.table),
                        value.map_or(anchor, |v| v.span),
                    )
                })
            })
            .collect();
        Outcome::fail(
            failures,
            format!(
                "all {} golden signals have an alert or dashboard",
                self.signals.len()
            ),
        )
    }
}
