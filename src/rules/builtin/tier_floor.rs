//! `tier_floor`: an SLO is at least its tier's floor. A tier-1 service promising 99% is
//! allowed more than seven hours of failure a month, which is not what tier 1 means to
//! the people who depend on it. Defaults: tier 1 99.9, tier 2 99.5, tier 3 99.0; tiers
//! without a floor pass. A service without a tier is held to the strictest floor.
//!
//! Parameters (`with`): `floors`, a table of tier to floor (`floors = { "1" = 99.95 }`).

use std::collections::BTreeMap;

use super::{params, percent, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::Node;

pub const SPEC: Spec = Spec {
    name: "tier_floor",
    summary: "each SLO target is at least its tier's floor; with floors = { \"1\" = 99.9, ... }",
    build,
};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    floors: Option<BTreeMap<String, f64>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    let floors = match p.floors {
        None => BTreeMap::from([(1, 99.9), (2, 99.5), (3, 99.0)]),
        Some(table) => table
            .into_iter()
            .map(|(tier, floor)| {
                let tier: i64 = tier
                    .parse()
                    .map_err(|_| format!("floors: `{tier}` is not a tier number"))?;
                if !(0.0..100.0).contains(&floor) {
                    return Err(format!(
                        "floors: tier {tier}'s floor {floor} is not a percentage below 100"
                    ));
                }
                Ok((tier, floor))
            })
            .collect::<Result<_, String>>()?,
    };
    Ok(Box::new(TierFloor { floors }))
}

#[derive(Debug)]
struct TierFloor {
    floors: BTreeMap<i64, f64>,
}

impl Builtin for TierFloor {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let (floor, whose) = match cx.service.tier {
            Some(tier) => match self.floors.get(&tier) {
                Some(floor) => (*floor, format!("tier {tier}")),
                None => return Outcome::pass(format!("tier {tier} has no SLO floor")),
            },
            None => match self.floors.iter().max_by(|a, b| a.1.total_cmp(b.1)) {
                Some((tier, floor)) => (
                    *floor,
                    format!("tier {tier} (the strictest, as no tier is declared)"),
                ),
                None => return Outcome::pass("no floors configured"),
            },
        };
        let mut failures = Vec::new();
        let mut count = 0;
        for (index, slo) in cx
            .manifest
            .root
            .get("slo")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(target_node) = slo.get("target") else {
                continue;
            };
            let Some(target) = target_node.as_f64() else {
                continue;
            };
            count += 1;
            if target < floor {
                let name = slo.get("name").and_then(Node::as_str).unwrap_or("unnamed");
                failures.push(Failure::new(
                    format!(
                        "SLO \"{name}\" targets {}, below the floor of {whose}, {}",
                        percent(target),
                        percent(floor)
                    ),
                    format!("slo[{index}].target"),
                    target_node.span,
                ));
            }
        }
        Outcome::fail(
            failures,
            format!(
                "{count} SLO target(s) at or above the floor of {whose}, {}",
                percent(floor)
            ),
        )
    }
}
