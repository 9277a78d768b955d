//! The dependency graph across services. A dependency whose name is another judged
//! service's is that service: fan-in, single points of failure (a critical dependency of
//! at least N tier-1/2 services, none of which has a fallback for it) and SLO chains (a
//! consumer that assumes more of a provider than the provider's own SLO).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{RowStatus, ServiceRow};
use crate::manifest::format_number;

/// How many tier-1/2 services must hang on a dependency without a fallback before it is
/// a single point of failure, unless `--spof-threshold` says otherwise.
pub const DEFAULT_SPOF_THRESHOLD: usize = 3;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// Consumer to provider, for every dependency that is a judged service.
    pub edges: Vec<Edge>,
    /// Each provider with its consumers' count, most depended-on first.
    pub fan_in: Vec<FanIn>,
    pub spof_threshold: usize,
    pub spofs: Vec<Spof>,
    pub slo_chains: Vec<ChainFinding>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub critical: bool,
    pub fallback: bool,
    /// What the consumer assumes of the provider: its `sla` for it, else the provider's
    /// own SLO.
    pub assumed: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanIn {
    pub service: String,
    pub consumers: usize,
}

/// A single point of failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spof {
    pub service: String,
    pub team: String,
    /// The tier-1/2 services that depend on it critically with no fallback.
    pub consumers: Vec<String>,
    pub message: String,
}

/// A consumer that assumes more than anyone promised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainFinding {
    pub consumer: String,
    pub provider: String,
    /// The consumer's `sla` for the provider.
    pub assumed: f64,
    /// The provider's highest SLO target; null when it declares none.
    pub provider_slo: Option<f64>,
    pub message: String,
}

impl Graph {
    /// The graph of the judged rows.
    #[must_use]
    pub fn build(rows: &[ServiceRow], spof_threshold: usize) -> Self {
        let judged: Vec<&ServiceRow> = rows
            .iter()
            .filter(|r| r.status == RowStatus::Judged && r.name.is_some())
            .collect();
        let mut by_name: BTreeMap<&str, &ServiceRow> = BTreeMap::new();
        for row in &judged {
            if let Some(name) = &row.name {
                by_name.entry(name).or_insert(row);
            }
        }
        let provider_slo = |row: &ServiceRow| {
            row.slos
                .iter()
                .map(|s| s.target)
                .fold(None, |best: Option<f64>, t| {
                    Some(best.map_or(t, |b| b.max(t)))
                })
        };
        let mut edges = Vec::new();
        let mut consumers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut hard: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut slo_chains = Vec::new();
        for row in &judged {
            let consumer = row.label();
            for dep in &row.dependencies {
                let Some(provider) = by_name.get(dep.name.as_str()) else {
                    continue;
                };
                if provider.name.as_deref() == row.name.as_deref() {
                    continue;
                }
                let own = provider_slo(provider);
                edges.push(Edge {
                    from: consumer.to_owned(),
                    to: dep.name.clone(),
                    critical: dep.critical,
                    fallback: dep.fallback,
                    assumed: dep.sla.or(own),
                });
                let list = consumers.entry(dep.name.as_str()).or_default();
                if !list.contains(&consumer) {
                    list.push(consumer);
                }
                if dep.critical && !dep.fallback && matches!(row.tier, Some(1 | 2)) {
                    hard.entry(dep.name.as_str()).or_default().push(consumer);
                }
                if let Some(assumed) = dep.sla {
                    if own.is_none_or(|own| assumed > own) {
                        let message = match own {
                            Some(own) => format!(
                                "{consumer} assumes {}% of {}, whose own SLO is {}%",
                                format_number(assumed),
                                dep.name,
                                format_number(own)
                            ),
                            None => format!(
                                "{consumer} assumes {}% of {}, which declares no SLO",
                                format_number(assumed),
                                dep.name
                            ),
                        };
                        slo_chains.push(ChainFinding {
                            consumer: consumer.to_owned(),
                            provider: dep.name.clone(),
                            assumed,
                            provider_slo: own,
                            message,
                        });
                    }
                }
            }
        }
        let mut fan_in: Vec<FanIn> = consumers
            .iter()
            .map(|(service, list)| FanIn {
                service: (*service).to_owned(),
                consumers: list.len(),
            })
            .collect();
        fan_in.sort_by(|a, b| {
            b.consumers
                .cmp(&a.consumers)
                .then(a.service.cmp(&b.service))
        });
        let spofs = hard
            .into_iter()
            .filter(|(_, list)| list.len() >= spof_threshold.max(1))
            .map(|(service, list)| {
                let team = by_name
                    .get(service)
                    .map_or(super::NO_TEAM, |r| r.team_name())
                    .to_owned();
                Spof {
                    message: format!(
                        "{service} is a critical dependency of {} tier-1/2 services, none with a fallback: {}",
                        list.len(),
                        list.join(", ")
                    ),
                    service: service.to_owned(),
                    team,
                    consumers: list.into_iter().map(str::to_owned).collect(),
                }
            })
            .collect();
        Self {
            edges,
            fan_in,
            spof_threshold,
            spofs,
            slo_chains,
        }
    }

    /// The edges worth drawing: those into the `limit` most depended-on services.
    #[must_use]
    pub fn drawn(&self, limit: usize) -> Vec<&Edge> {
        let top: Vec<&str> = self
            .fan_in
            .iter()
            .take(limit)
            .map(|f| f.service.as_str())
            .collect();
        self.edges
            .iter()
            .filter(|e| top.contains(&e.to.as_str()))
            .collect()
    }
}
