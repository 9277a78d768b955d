//! The rollout preview (`--candidate`): whom a new pack would block, and when. For each
//! rule whose result would change, the services that pass today and would fail, grouped
//! by team; the day the rule starts blocking; how many a waiver already covers.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{RowStatus, ServiceRow};
use crate::engine::Status;
use crate::report::Report;
use crate::rules::RuleSet;

/// A rule the candidate pack fails (or waives) on a service that passes today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateChange {
    pub rule: String,
    /// The day it starts blocking: its `enforce_after`, or the day judged.
    pub from: String,
    /// A waiver in the manifest already covers it: it will not block.
    pub waived: bool,
}

/// One rule of the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChange {
    pub rule: String,
    pub from: String,
    /// Services that would fail (waived ones not counted).
    pub failing: usize,
    /// Services whose failure a waiver already covers.
    pub waived: usize,
    /// The services that would fail, by owning team.
    pub teams: Vec<TeamChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChange {
    pub team: String,
    pub services: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Services that pass today and would fail with the candidate pack.
    pub services_blocked: usize,
    pub rules: Vec<RuleChange>,
}

/// Each rule's worst outcome in a one-service report: a failure outweighs a waiver,
/// which outweighs a pass.
fn outcomes(report: &Report) -> BTreeMap<&str, Status> {
    let weight = |s: Status| match s {
        Status::Fail => 3,
        Status::Waived => 2,
        Status::Pass => 1,
        Status::Skipped => 0,
    };
    let mut map: BTreeMap<&str, Status> = BTreeMap::new();
    for result in &report.results {
        let entry = map.entry(&result.rule).or_insert(result.status);
        if weight(result.status) > weight(*entry) {
            *entry = result.status;
        }
    }
    map
}

/// What changes for one service between today's judgement and the candidate's. Only
/// rules that block at their own severity count: a rule written as a warning never
/// blocks anyone, and a grace period only postpones the day.
#[must_use]
pub fn changes(
    today: &Report,
    candidate: &Report,
    rules: &RuleSet,
    as_of: Date,
) -> Vec<CandidateChange> {
    let before = outcomes(today);
    let after = outcomes(candidate);
    after
        .into_iter()
        .filter(|(rule, status)| {
            let was = before.get(rule).copied();
            match status {
                Status::Fail => was != Some(Status::Fail),
                Status::Waived => !matches!(was, Some(Status::Fail | Status::Waived)),
                Status::Pass | Status::Skipped => false,
            }
        })
        .filter(|(rule, _)| super::blocks_eventually(rules, rule))
        .map(|(rule, status)| {
            let from = rules
                .get(rule)
                .and_then(|r| r.enforce_after)
                .filter(|d| *d > as_of)
                .unwrap_or(as_of);
            CandidateChange {
                rule: rule.to_owned(),
                from: from.to_string(),
                waived: status == Status::Waived,
            }
        })
        .collect()
}

/// A rule's preview while rows are read: its first day, the waived count, and the failing
/// services by team.
type Pending<'a> = (String, usize, BTreeMap<&'a str, Vec<String>>);

impl Preview {
    /// The preview from the rows' candidate changes.
    #[must_use]
    pub fn build(rows: &[ServiceRow]) -> Self {
        let mut rules: BTreeMap<&str, Pending<'_>> = BTreeMap::new();
        let mut services_blocked = 0;
        for row in rows.iter().filter(|r| r.status == RowStatus::Judged) {
            if row.candidate.iter().any(|c| !c.waived) {
                services_blocked += 1;
            }
            for change in &row.candidate {
                let entry = rules
                    .entry(&change.rule)
                    .or_insert_with(|| (change.from.clone(), 0, BTreeMap::new()));
                if change.waived {
                    entry.1 += 1;
                } else {
                    entry
                        .2
                        .entry(row.team_name())
                        .or_default()
                        .push(row.label().to_owned());
                }
            }
        }
        Self {
            services_blocked,
            rules: rules
                .into_iter()
                .map(|(rule, (from, waived, teams))| RuleChange {
                    rule: rule.to_owned(),
                    from,
                    failing: teams.values().map(Vec::len).sum(),
                    waived,
                    teams: teams
                        .into_iter()
                        .map(|(team, services)| TeamChange {
                            team: team.to_owned(),
                            services,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
