//! `achievable`: an SLO is no higher than its hard critical dependencies allow together.
//! A service that needs every one of its hard dependencies up can be no more available than
//! the product of their availabilities: two dependencies at 99.9% and 99.95% cap it at about
//! 99.85%, whatever the service itself does. A dependency with a `fallback` is not hard: the
//! service degrades instead of failing. A critical dependency without `sla` is left out of
//! the product and named in the message. Equal values pass.
//! Takes no parameters.

use super::{no_params, percent, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::Node;

pub const SPEC: Spec = Spec {
    name: "achievable",
    summary:
        "each SLO is within the product of its hard critical dependencies' SLAs (no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(Achievable))
}

#[derive(Debug)]
struct Achievable;

/// Relative slack for float comparison, so that an SLO exactly equal to the product passes.
const EPSILON: f64 = 1e-9;

impl Builtin for Achievable {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let root = &cx.manifest.root;
        let mut hard = Vec::new();
        let mut unknown = Vec::new();
        for dep in root
            .get("dependency")
            .and_then(Node::as_array)
            .unwrap_or_default()
        {
            let critical = dep.get("critical").and_then(Node::as_bool) == Some(true);
            let mitigated = dep.get("fallback").is_some_and(Node::is_present);
            if !critical || mitigated {
                continue;
            }
            let name = dep
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("unnamed")
                .to_owned();
            match dep.get("sla").and_then(Node::as_f64) {
                Some(sla) => hard.push((name, sla)),
                None => unknown.push(name),
            }
        }
        let ceiling = hard.iter().map(|(_, sla)| sla / 100.0).product::<f64>() * 100.0;
        let product = hard
            .iter()
            .map(|(name, sla)| format!("{name} {}", percent(*sla)))
            .collect::<Vec<_>>()
            .join(" x ");
        let unknown_note = if unknown.is_empty() {
            String::new()
        } else {
            format!(" ({} left out: no SLA)", unknown.join(", "))
        };
        let mut failures = Vec::new();
        let mut held = Vec::new();
        for (index, slo) in root
            .get("slo")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(target) = slo.get("target").and_then(Node::as_f64) else {
                continue;
            };
            let name = slo.get("name").and_then(Node::as_str).unwrap_or("unnamed");
            if hard.is_empty() {
                held.push(format!(
                    "SLO \"{name}\" has no hard critical dependency to cap it{unknown_note}"
                ));
            } else if target > ceiling + EPSILON {
                failures.push(Failure::new(
                    format!(
                        "{} SLO \"{name}\", but {product} allow at most {}{unknown_note}: add a fallback to a dependency, or lower the SLO",
                        percent(target),
                        percent(floor_to_thousandth(ceiling))
                    ),
                    format!("slo[{index}].target"),
                    slo.get("target").map_or(slo.span, |n| n.span),
                ));
            } else {
                held.push(format!(
                    "{} SLO \"{name}\" is within {} ({product}){unknown_note}",
                    percent(target),
                    percent(ceiling)
                ));
            }
        }
        if held.is_empty() && failures.is_empty() {
            held.push("no SLO with a target".to_owned());
        }
        Outcome::fail(failures, held.join("; "))
    }
}

/// The ceiling as shown: cut (never rounded up) to three decimals, so that the message
/// never overstates what the dependencies allow.
fn floor_to_thousandth(value: f64) -> f64 {
    (value * 1000.0 + EPSILON).floor() / 1000.0
}
