//! The fleet view: many services judged with one pack and reported on together. A
//! service's row is made from its manifest (through the engine and the report model, as
//! `prr check` makes them) or read from a JSON report that its own CI wrote; everything
//! else (roll-ups, the dependency graph, the review calendar, the rollout preview) is
//! derived from the rows alone, so that shard reports merge by concatenating rows.

pub mod calendar;
pub mod graph;
pub mod preview;
pub mod render;

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::engine::Status;
use crate::evidence::Evidence;
use crate::manifest::Manifest;
use crate::report::{FailOn, Report, ServiceReport, Tool, Verdict};
use crate::rules::{RuleSet, Severity};

/// The fleet report's format version (its own, not the check report's).
pub const VERSION: u32 = 1;

/// What `prr fleet --format json` writes and `prr fleet merge` reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FleetReport {
    /// Always "fleet": tells this report from a check report.
    pub kind: String,
    pub version: u32,
    pub tool: Tool,
    pub as_of: String,
    /// The pack's maturity levels, lowest first.
    pub levels: Vec<String>,
    /// The packs that judged the fleet (`name version`).
    pub packs: Vec<String>,
    /// The shard this report covers (`--shard K/N`); null for the whole fleet.
    pub shard: Option<Shard>,
    pub summary: FleetSummary,
    /// One row per service, by name then source.
    pub services: Vec<ServiceRow>,
    pub teams: Vec<TeamRollup>,
    pub categories: Vec<CategoryRollup>,
    pub graph: graph::Graph,
    /// Reviews overdue or due within 30 days, by due date.
    pub calendar: Vec<calendar::ReviewDue>,
    /// The rollout preview (`--candidate`); null without one.
    pub preview: Option<preview::Preview>,
    /// Each team then and now (`--compare`); null without a comparison.
    pub trend: Option<Vec<TeamTrend>>,
}

/// `--shard K/N`: the K-th of N deterministic parts of the fleet (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not K/N with 1 <= K <= N (e.g. 2/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl Shard {
    /// Whether a source (a directory, a repository) falls in this shard. The split hashes
    /// the source's name (FNV-1a), so it depends on nothing but the name: every shard
    /// job of a matrix agrees on it without talking to the others.
    #[must_use]
    pub fn holds(&self, name: &str) -> bool {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash % u64::from(self.count) == u64::from(self.index - 1)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSummary {
    pub services: usize,
    pub passing: usize,
    pub failing: usize,
    /// Manifests or reports that could not be judged.
    pub errors: usize,
    /// Repositories without a manifest.
    pub no_manifest: usize,
}

/// How a row came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Judged from its manifest, or read from its report.
    Judged,
    /// The repository has no `prr.toml` or `prr.json`.
    NoManifest,
    /// The manifest or report could not be judged (see `message`).
    Error,
}

/// A category's state for one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoryState {
    Pass,
    /// Failures that do not block (warnings, notes, grace periods).
    Warn,
    Fail,
}

/// One service's scorecard, and what the fleet-wide views need of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceRow {
    pub name: Option<String>,
    /// The manifest, the report file, or the repository the row comes from.
    pub source: String,
    pub status: RowStatus,
    /// Why the row could not be judged; null otherwise.
    pub message: Option<String>,
    /// The owning team (`service.owner`).
    pub team: Option<String>,
    pub tier: Option<i64>,
    pub lifecycle: Option<String>,
    pub verdict: Option<Verdict>,
    pub level: Option<String>,
    /// The level above, and the rules in its way.
    pub next_level: Option<crate::report::NextLevel>,
    /// Each category with a result: pass, warn or fail.
    pub categories: BTreeMap<String, CategoryState>,
    /// Blocking findings.
    pub blocking: usize,
    /// The rules with blocking findings, by id.
    pub blocking_rules: Vec<String>,
    pub warnings: usize,
    /// The governance reviews that are overdue or missing (`prr`, `mttr_mttf`, ...).
    pub overdue_reviews: Vec<String>,
    /// When each review last happened (from a manifest; null from a report).
    pub reviews: Option<BTreeMap<String, Option<String>>>,
    pub slos: Vec<SloTarget>,
    pub dependencies: Vec<DependencyRow>,
    /// Rules that the candidate pack would fail while this service passes today.
    pub candidate: Vec<preview::CandidateChange>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloTarget {
    pub name: Option<String>,
    pub target: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DependencyRow {
    pub name: String,
    pub critical: bool,
    pub sla: Option<f64>,
    /// A mitigation is declared (`fallback`).
    pub fallback: bool,
}

/// One team across the fleet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamRollup {
    pub team: String,
    pub services: usize,
    /// The level every judged service of the team reached (the lowest); null when one
    /// reached none.
    pub level: Option<String>,
    /// How many services reached each level ("none" for no level).
    pub levels: BTreeMap<String, usize>,
    pub failing: usize,
    pub blocking: usize,
    pub overdue_reviews: usize,
}

/// One category across the fleet: how many services pass, warn and fail it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRollup {
    pub category: String,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
}

/// A team then (`--compare`) and now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamTrend {
    pub team: String,
    pub level_then: Option<String>,
    pub level_now: Option<String>,
    pub failing_then: usize,
    pub failing_now: usize,
    pub blocking_then: usize,
    pub blocking_now: usize,
}

/// The team of rows without an owner.
pub const NO_TEAM: &str = "(no team)";

/// What a row's judgement needs besides the manifest.
pub struct Judge<'a> {
    pub rules: &'a RuleSet,
    pub candidate: Option<&'a RuleSet>,
    pub as_of: Date,
    /// The evidence stage of the run, as `prr check` gathers it: each service's own
    /// repository, and the live sources the pack configures.
    pub evidence: &'a Evidence,
}

impl Judge<'_> {
    /// Judges one manifest through the pipeline's stages, as `prr check` does.
    #[must_use]
    pub fn manifest(&self, manifest: &mut Manifest) -> ServiceRow {
        let report = self.report(manifest, self.rules);
        let mut row = match report.services.first() {
            Some(service) => row_of(&report, service),
            None => ServiceRow::unjudged(&manifest.source.name, "nothing was judged"),
        };
        let applicable: Vec<&str> = calendar::REVIEWS
            .iter()
            .map(|review| review.rule)
            .filter(|rule| {
                report.services.first().is_some_and(|service| {
                    rule_status(&report, service, rule).is_some_and(|s| s != Status::Skipped)
                })
            })
            .collect();
        fill_from_manifest(&mut row, &manifest.json, &applicable);
        if let Some(candidate) = self.candidate {
            if row.verdict == Some(Verdict::Pass) {
                let next = self.report(manifest, candidate);
                row.candidate = preview::changes(&report, &next, candidate, self.as_of);
            }
        }
        row
    }

    fn report(&self, manifest: &mut Manifest, rules: &RuleSet) -> Report {
        crate::pipeline::judge::report_of(manifest, rules, self.as_of, self.evidence, FailOn::Error)
    }
}

impl ServiceRow {
    /// A row for a source that could not be judged.
    #[must_use]
    pub fn unjudged(source: &str, message: &str) -> Self {
        Self::empty(source, RowStatus::Error, Some(message.to_owned()))
    }

    /// A row for a repository without a manifest.
    #[must_use]
    pub fn no_manifest(source: &str) -> Self {
        Self::empty(source, RowStatus::NoManifest, None)
    }

    fn empty(source: &str, status: RowStatus, message: Option<String>) -> Self {
        Self {
            name: None,
            source: source.to_owned(),
            status,
            message,
            team: None,
            tier: None,
            lifecycle: None,
            verdict: None,
            level: None,
            next_level: None,
            categories: BTreeMap::new(),
            blocking: 0,
            blocking_rules: Vec::new(),
            warnings: 0,
            overdue_reviews: Vec::new(),
            reviews: None,
            slos: Vec::new(),
            dependencies: Vec::new(),
            candidate: Vec::new(),
        }
    }

    /// The team, or [`NO_TEAM`].
    #[must_use]
    pub fn team_name(&self) -> &str {
        self.team.as_deref().unwrap_or(NO_TEAM)
    }

    /// The name, or the source when the service has none.
    #[must_use]
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.source)
    }
}

/// The rows of a check report (a JSON artifact of a service's own CI), one per service.
/// Reports carry no dependencies or review dates: such rows count in the scorecards and
/// roll-ups, not in the graph or the calendar.
#[must_use]
pub fn rows_of_report(report: &Report, source: &str) -> Vec<ServiceRow> {
    report
        .services
        .iter()
        .map(|service| {
            if service.verdict == Verdict::Error {
                let mut row = ServiceRow::unjudged(
                    &format!("{source}: {}", service.manifest),
                    "the report says this manifest could not be judged",
                );
                row.name.clone_from(&service.service.name);
                return row;
            }
            let mut row = row_of(report, service);
            row.source = format!("{source}: {}", service.manifest);
            row
        })
        .collect()
}

/// A service's row from a report (the results of its manifest only).
fn row_of(report: &Report, service: &ServiceReport) -> ServiceRow {
    let mut row = ServiceRow::empty(&service.manifest, RowStatus::Judged, None);
    row.name.clone_from(&service.service.name);
    row.team.clone_from(&service.service.owner);
    row.tier = service.service.tier;
    row.lifecycle.clone_from(&service.service.lifecycle);
    row.verdict = Some(service.verdict);
    row.level.clone_from(&service.level);
    row.next_level.clone_from(&service.next_level);
    for result in report
        .results
        .iter()
        .filter(|r| *r.manifest == *service.manifest)
    {
        let state = match result.status {
            Status::Skipped => continue,
            Status::Pass | Status::Waived => CategoryState::Pass,
            Status::Fail if report.blocks(result) => {
                row.blocking += 1;
                if !row.blocking_rules.iter().any(|id| **id == *result.rule) {
                    row.blocking_rules.push(result.rule.to_string());
                }
                CategoryState::Fail
            }
            Status::Fail => {
                row.warnings += 1;
                CategoryState::Warn
            }
        };
        let entry = row
            .categories
            .entry(result.category.to_string())
            .or_insert(state);
        *entry = (*entry).max(state);
    }
    // The engine judged the reviews: a review is overdue exactly when its rule fails.
    row.overdue_reviews = calendar::REVIEWS
        .iter()
        .filter(|review| rule_status(report, service, review.rule) == Some(Status::Fail))
        .map(|review| review.key.to_owned())
        .collect();
    row.slos = service
        .slos
        .iter()
        .filter_map(|slo| {
            slo.target.map(|target| SloTarget {
                name: slo.name.clone(),
                target,
            })
        })
        .collect();
    row
}

/// A rule's worst outcome for one service (a failure outweighs the rest); `None` when the
/// rule did not run.
fn rule_status(report: &Report, service: &ServiceReport, rule: &str) -> Option<Status> {
    report
        .results
        .iter()
        .filter(|r| *r.manifest == *service.manifest && *r.rule == *rule)
        .map(|r| r.status)
        .max_by_key(|status| *status == Status::Fail)
}

/// What the graph and the calendar need from the manifest itself. The calendar holds the
/// reviews whose rules apply to the service.
fn fill_from_manifest(row: &mut ServiceRow, json: &Json, applicable: &[&str]) {
    let text = |value: &Json| value.as_str().map(str::to_owned);
    if let Some(deps) = json.get("dependency").and_then(Json::as_array) {
        row.dependencies = deps
            .iter()
            .filter_map(|dep| {
                Some(DependencyRow {
                    name: text(dep.get("name")?)?,
                    critical: dep.get("critical").and_then(Json::as_bool) == Some(true),
                    sla: dep.get("sla").and_then(Json::as_f64),
                    fallback: dep
                        .get("fallback")
                        .and_then(Json::as_str)
                        .is_some_and(|f| !f.trim().is_empty()),
                })
            })
            .collect();
    }
    let reviews = json.get("reviews");
    let dates: BTreeMap<String, Option<String>> = calendar::REVIEWS
        .iter()
        .filter(|review| applicable.contains(&review.rule))
        .map(|review| {
            let date = reviews
                .and_then(|r| r.get(review.key))
                .and_then(Json::as_str)
                .map(str::to_owned);
            (review.key.to_owned(), date)
        })
        .collect();
    row.reviews = Some(dates);
}

impl FleetReport {
    /// Derives every view from the rows.
    #[must_use]
    pub fn build(mut rows: Vec<ServiceRow>, meta: Meta, spof_threshold: usize) -> Self {
        rows.sort_by(|a, b| (a.label(), &a.source).cmp(&(b.label(), &b.source)));
        let as_of = meta.as_of;
        let mut summary = FleetSummary {
            services: rows.len(),
            ..FleetSummary::default()
        };
        for row in &rows {
            match (row.status, row.verdict) {
                (RowStatus::NoManifest, _) => summary.no_manifest += 1,
                (RowStatus::Error, _) | (_, Some(Verdict::Error) | None) => summary.errors += 1,
                (_, Some(Verdict::Pass)) => summary.passing += 1,
                (_, Some(Verdict::Fail)) => summary.failing += 1,
            }
        }
        let teams = team_rollups(&rows, &meta.levels);
        let categories = category_rollups(&rows);
        let graph = graph::Graph::build(&rows, spof_threshold);
        let calendar = calendar::due_reviews(&rows, as_of);
        let preview = meta.candidate.then(|| preview::Preview::build(&rows));
        Self {
            kind: "fleet".to_owned(),
            version: VERSION,
            tool: Tool::this(),
            as_of: as_of.to_string(),
            levels: meta.levels,
            packs: meta.packs,
            shard: meta.shard,
            summary,
            services: rows,
            teams,
            categories,
            graph,
            calendar,
            preview,
            trend: None,
        }
    }

    /// Adds each team's trend against an earlier fleet report.
    pub fn compare_with(&mut self, earlier: &FleetReport) {
        let then: BTreeMap<&str, &TeamRollup> =
            earlier.teams.iter().map(|t| (t.team.as_str(), t)).collect();
        let now: BTreeMap<&str, &TeamRollup> =
            self.teams.iter().map(|t| (t.team.as_str(), t)).collect();
        let mut names: Vec<&str> = then.keys().chain(now.keys()).copied().collect();
        names.sort_unstable();
        names.dedup();
        let trend = names
            .into_iter()
            .map(|team| {
                let (a, b) = (then.get(team), now.get(team));
                TeamTrend {
                    team: team.to_owned(),
                    level_then: a.and_then(|t| t.level.clone()),
                    level_now: b.and_then(|t| t.level.clone()),
                    failing_then: a.map_or(0, |t| t.failing),
                    failing_now: b.map_or(0, |t| t.failing),
                    blocking_then: a.map_or(0, |t| t.blocking),
                    blocking_now: b.map_or(0, |t| t.blocking),
                }
            })
            .collect();
        self.trend = Some(trend);
    }

    /// Combines shard reports (`prr fleet merge`): the rows of all, every view derived
    /// again. The shards must agree on the date and the levels.
    ///
    /// # Errors
    /// The reports were made on different dates or with different levels.
    pub fn merge(reports: Vec<FleetReport>, spof_threshold: usize) -> Result<Self, String> {
        let Some(first) = reports.first() else {
            return Err("no fleet reports to merge".to_owned());
        };
        let (as_of, levels, packs) = (
            first.as_of.clone(),
            first.levels.clone(),
            first.packs.clone(),
        );
        let candidate = reports.iter().any(|r| r.preview.is_some());
        let mut rows = Vec::new();
        for report in reports {
            if report.as_of != as_of {
                return Err(format!(
                    "the shards were judged on different days ({as_of} and {}); run them with the same --as-of",
                    report.as_of
                ));
            }
            if report.levels != levels {
                return Err("the shards were judged with packs of different levels".to_owned());
            }
            rows.extend(report.services);
        }
        let date: Date = as_of
            .parse()
            .map_err(|_| format!("`{as_of}` is not a date"))?;
        Ok(Self::build(
            rows,
            Meta {
                as_of: date,
                levels,
                packs,
                shard: None,
                candidate,
            },
            spof_threshold,
        ))
    }
}

/// What the fleet report says besides the rows.
pub struct Meta {
    pub as_of: Date,
    pub levels: Vec<String>,
    pub packs: Vec<String>,
    pub shard: Option<Shard>,
    /// A candidate pack was given: the report has a rollout preview.
    pub candidate: bool,
}

fn team_rollups(rows: &[ServiceRow], levels: &[String]) -> Vec<TeamRollup> {
    let mut teams: BTreeMap<&str, TeamRollup> = BTreeMap::new();
    let rank = |level: Option<&str>| level.and_then(|l| levels.iter().position(|x| x == l));
    for row in rows.iter().filter(|r| r.status != RowStatus::NoManifest) {
        let team = teams.entry(row.team_name()).or_insert_with(|| TeamRollup {
            team: row.team_name().to_owned(),
            services: 0,
            level: levels.last().cloned(),
            levels: BTreeMap::new(),
            failing: 0,
            blocking: 0,
            overdue_reviews: 0,
        });
        team.services += 1;
        *team
            .levels
            .entry(row.level.clone().unwrap_or_else(|| "none".to_owned()))
            .or_default() += 1;
        if row.verdict != Some(Verdict::Pass) {
            team.failing += 1;
        }
        team.blocking += row.blocking;
        team.overdue_reviews += row.overdue_reviews.len();
        if rank(row.level.as_deref()) < rank(team.level.as_deref()) {
            team.level.clone_from(&row.level);
        }
    }
    teams.into_values().collect()
}

fn category_rollups(rows: &[ServiceRow]) -> Vec<CategoryRollup> {
    let mut categories: BTreeMap<&str, CategoryRollup> = BTreeMap::new();
    for row in rows {
        for (category, state) in &row.categories {
            let entry = categories
                .entry(category)
                .or_insert_with(|| CategoryRollup {
                    category: category.clone(),
                    pass: 0,
                    warn: 0,
                    fail: 0,
                });
            match state {
                CategoryState::Pass => entry.pass += 1,
                CategoryState::Warn => entry.warn += 1,
                CategoryState::Fail => entry.fail += 1,
            }
        }
    }
    categories.into_values().collect()
}

/// Whether a rule blocks at its own severity once its grace period ends.
#[must_use]
pub fn blocks_eventually(rules: &RuleSet, rule: &str) -> bool {
    rules
        .get(rule)
        .is_some_and(|r| r.enabled && r.severity == Severity::Error)
}
