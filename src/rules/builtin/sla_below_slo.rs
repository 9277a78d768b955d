//! `sla_below_slo`: the external promise (SLA) is no stronger than the internal objective
//! (SLO) it rests on. The SLO is the early warning; if the SLA is tighter, customers are owed
//! credits before the team's own alarms ever fire. Equal values pass.
//!
//! The SLO compared is `sla.slo` when given, else the only SLO, else the one named
//! `availability`; otherwise the check fails and asks for `sla.slo`. No `[sla]`, no finding.
//! Takes no parameters.

use super::{no_params, percent, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::Node;

pub const SPEC: Spec = Spec {
    name: "sla_below_slo",
    summary: "an SLA promises no more than the SLO it rests on (no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(SlaBelowSlo))
}

#[derive(Debug)]
struct SlaBelowSlo;

/// The SLO an SLA rests on, with its index, or why none can be chosen.
fn chosen_slo<'a>(sla: &Node, slos: &'a [Node]) -> Result<(usize, &'a Node), String> {
    let named = |name: &str| {
        slos.iter()
            .enumerate()
            .find(|(_, slo)| slo.get("name").and_then(Node::as_str) == Some(name))
    };
    if let Some(name) = sla.get("slo").and_then(Node::as_str) {
        return named(name)
            .ok_or_else(|| format!("`sla.slo` names \"{name}\", but no SLO has that name"));
    }
    match slos {
        [] => Err("an SLA is declared but no SLO: add the [[slo]] it rests on".to_owned()),
        [only] => Ok((0, only)),
        _ => named("availability").ok_or_else(|| {
            "there are several SLOs and none is named \"availability\": set `sla.slo` to the one the SLA rests on"
                .to_owned()
        }),
    }
}

impl Builtin for SlaBelowSlo {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let root = &cx.manifest.root;
        let Some(sla) = root.get("sla") else {
            return Outcome::pass("no SLA declared");
        };
        let Some(sla_target) = sla.get("target").and_then(Node::as_f64) else {
            return Outcome::pass("the SLA states no target");
        };
        let slos = root.get("slo").and_then(Node::as_array).unwrap_or_default();
        let (index, slo) = match chosen_slo(sla, slos) {
            Ok(found) => found,
            Err(message) => {
                let span = sla.get("slo").map_or(sla.span, |n| n.span);
                return Outcome::fail(vec![Failure::new(message, "sla.slo", span)], "");
            }
        };
        let name = slo.get("name").and_then(Node::as_str).unwrap_or("unnamed");
        let Some(slo_target) = slo.get("target").and_then(Node::as_f64) else {
            return Outcome::pass(format!("SLO \"{name}\" has no target to compare with"));
        };
        let target_span = sla.get("target").map_or(sla.span, |n| n.span);
        if sla_target > slo_target {
            return Outcome::fail(
                vec![Failure::new(
                    format!(
                        "the SLA promises {} but the SLO \"{name}\" (slo[{index}]) it rests on targets only {}: lower the SLA or raise the SLO",
                        percent(sla_target),
                        percent(slo_target)
                    ),
                    "sla.target",
                    target_span,
                )],
                "",
            );
        }
        Outcome::pass(format!(
            "the SLA's {} is within the SLO \"{name}\" of {}",
            percent(sla_target),
            percent(slo_target)
        ))
    }
}
