//! The `Report` model, built from evaluations, and one renderer per format. The JSON form
//! (version 1) holds everything every other format needs: `prr publish` renders from it
//! alone. Renderers never judge.

pub mod diff;
pub mod escape;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::engine::{Evaluation, Status, WaiverInfo};
use crate::manifest::{file_of, Service};
use crate::rules::{RuleSet, Severity};
use crate::source::{FileId, SourceFile};
pub use diff::{Base, BaseSide, Change};

/// The JSON report's format version.
pub const VERSION: u32 = 1;

/// Characters escaped when a relative path becomes a URI reference (SARIF artifact
/// locations, links to lines): everything but unreserved characters and `/`.
const PATH_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'(')
    .add(b')')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Text that came from a user's file, made inert for terminals and CI logs: every control
/// character (ESC, CR, LF, BEL, ...) is written as its Rust escape (`\u{1b}`). A value can
/// then neither move the cursor, clear the screen or draw a hyperlink in a terminal that
/// renders ANSI, nor start a line of its own, which a CI runner would obey as a workflow
/// command (`::stop-commands::`). Every format renders from the report, so one place does it.
#[must_use]
pub fn inert(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// How many findings of one rule in one manifest any format lists; the rest are counted
/// (`unlisted`), so that no report is larger than a small multiple of its input however
/// many findings a flood of keys makes.
pub const MAX_LISTED: usize = 100;

/// Findings of one rule in one manifest past [`MAX_LISTED`], counted rather than listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlisted {
    pub manifest: String,
    pub rule: String,
    /// How many findings were left out of `results`.
    pub count: usize,
    /// How many of those block the gate.
    pub blocking: usize,
    /// Those findings counted as the report's `summary` counts results, so that the
    /// summary still adds up with the listed results.
    pub summary: Summary,
}

impl Unlisted {
    /// The sentence every format says it with.
    #[must_use]
    pub fn sentence(&self) -> String {
        format!(
            "{} more finding{} of {} in {} not listed (each format lists the first {MAX_LISTED})",
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.rule,
            self.manifest
        )
    }
}

/// How many findings alike (one manifest, one rule, one key pattern) a report for people
/// shows before it counts the rest.
pub const SHOWN_ALIKE: usize = 5;

/// A key with every element reference made `[*]`: `dependency[name=a].owner` and
/// `dependency[3].owner` are both `dependency[*].owner`.
#[must_use]
pub fn key_pattern(key: Option<&str>) -> String {
    let mut pattern = String::new();
    let mut depth = 0usize;
    for c in key.unwrap_or("").chars() {
        match c {
            '[' => {
                if depth == 0 {
                    pattern.push_str("[*]");
                }
                depth += 1;
            }
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => pattern.push(c),
            _ => {}
        }
    }
    pattern
}

/// Counts findings alike within one run of a rule's findings in one manifest, so that the
/// human and Markdown reports of thousands of similar elements stay a few lines long: the
/// first [`SHOWN_ALIKE`] of each key pattern are shown, the rest counted. One map lookup a
/// finding keeps rendering linear in the number of findings.
#[derive(Debug, Default)]
pub struct Alike {
    /// Per key pattern: findings seen, findings shown.
    patterns: BTreeMap<String, (usize, usize)>,
}

impl Alike {
    /// Counts `result`; whether to show it: among the first of its pattern, or `anyway`.
    pub fn count(&mut self, result: &ResultEntry, anyway: bool) -> bool {
        let (seen, shown) = self
            .patterns
            .entry(key_pattern(result.key.as_deref()))
            .or_default();
        *seen += 1;
        let show = *seen <= SHOWN_ALIKE || anyway;
        if show {
            *shown += 1;
        }
        show
    }

    /// The patterns with findings left unshown, with how many; the count starts over.
    pub fn hidden(&mut self) -> Vec<(String, usize)> {
        std::mem::take(&mut self.patterns)
            .into_iter()
            .filter(|(_, (seen, shown))| seen > shown)
            .map(|(pattern, (seen, shown))| (pattern, seen - shown))
            .collect()
    }
}

/// Whether `result` is the last of its run (one rule in one manifest) in a list in report
/// order.
#[must_use]
pub fn ends_run(result: &ResultEntry, next: Option<&&ResultEntry>) -> bool {
    next.is_none_or(|next| next.rule != result.rule || next.manifest != result.manifest)
}

/// A report path (relative, with `/`) as a relative URI reference.
#[must_use]
pub fn uri_path(path: &str) -> String {
    utf8_percent_encode(path, PATH_ESCAPES).to_string()
}

/// What blocks the gate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Failures at severity error (the default).
    #[default]
    Error,
    /// Failures at any severity (error, warning or note: what the summary counts as
    /// failed or warnings).
    Warning,
    /// New failures at severity error (needs a base to compare with).
    New,
}

impl FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "error" => Ok(Self::Error),
            "warning" => Ok(Self::Warning),
            "new" => Ok(Self::New),
            other => Err(format!("`{other}` is not error, warning or new")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// A manifest or the rules could not be judged.
    Error,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This program, as reports name it.
    #[must_use]
    pub fn this() -> Self {
        Self {
            name: "prr".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Counts of results: `failed` are failures at effective severity error, `warnings`
/// failures at warning or note.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub waived: usize,
    pub skipped: usize,
}

impl Summary {
    fn count(&mut self, result: &ResultEntry) {
        match result.status {
            Status::Pass => self.passed += 1,
            Status::Waived => self.waived += 1,
            Status::Skipped => self.skipped += 1,
            Status::Fail if result.severity == Severity::Error => self.failed += 1,
            Status::Fail => self.warnings += 1,
        }
    }

    fn add(&mut self, other: &Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.warnings += other.warnings;
        self.waived += other.waived;
        self.skipped += other.skipped;
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub name: Option<String>,
    pub tier: Option<i64>,
    pub lifecycle: Option<String>,
    /// The owning team, as `service.owner` gives it (the fleet view groups by it).
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloEntry {
    pub name: Option<String>,
    pub target: Option<f64>,
    pub window: Option<String>,
    pub budget_minutes: Option<f64>,
    /// The live budget from Prometheus (`[slo.sli]`): attainment, consumed and remaining,
    /// burn rates; null without that evidence. Added in 0.2.0.
    #[serde(default)]
    pub live: Option<crate::facts::budget::LiveBudget>,
    /// Why there are no live figures (no `[slo.sli]`, no Prometheus configured, or what
    /// went wrong asking it); null when there are. Added in 0.2.0.
    #[serde(default)]
    pub live_unavailable: Option<String>,
}

impl SloEntry {
    /// Whether the SLO says how it is measured (`[slo.sli]`): then its figures, or why
    /// there are none, are worth saying wherever its budget is shown.
    #[must_use]
    pub fn measured(&self) -> bool {
        self.live.is_some()
            || self
                .live_unavailable
                .as_deref()
                .is_some_and(|why| why != crate::facts::budget::NO_SLI)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceReport {
    pub manifest: String,
    pub service: ServiceInfo,
    pub verdict: Verdict,
    pub summary: Summary,
    pub slos: Vec<SloEntry>,
    /// The highest maturity level reached; null when the pack defines no levels, when no
    /// level is reached, or when the manifest could not be judged.
    #[serde(default)]
    pub level: Option<String>,
    /// The next level up and the rules that stand in its way; null at the top level.
    #[serde(default)]
    pub next_level: Option<NextLevel>,
}

/// The level above the one a service reached, and what it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextLevel {
    pub level: String,
    /// The rules at that level or below that fail, by id.
    pub needs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The file, relative to the repository root.
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// The texts every result of a rule (and every result of a manifest) shares are shared
/// (`Arc<str>`), not copied: a monorepo of thousands of services has hundreds of thousands
/// of results.
pub struct ResultEntry {
    pub manifest: Arc<str>,
    pub rule: Arc<str>,
    pub title: Arc<str>,
    pub category: Arc<str>,
    /// The effective severity (lowered while a grace period runs).
    pub severity: Severity,
    pub status: Status,
    pub message: String,
    pub remediation: Arc<str>,
    pub location: Option<Location>,
    /// The logical path in the manifest: how a finding is matched across runs, never by
    /// line. Elements of `dependency` and `slo` are named by `name`, of `waiver` by `rule`
    /// (`dependency[name=ledger-db].owner`), so moving one keeps its findings' identity;
    /// other arrays, and elements without their key, by index (`labels[2]`).
    pub key: Option<String>,
    pub waiver: Option<Box<WaiverInfo>>,
    /// With `--base`: whether a failure is `new` (this change introduced it) or `existing`;
    /// null for other results and without a base.
    pub change: Option<Change>,
    /// The rule could not check the claim (its evidence source gave no usable answer; the
    /// message says "could not verify" and why): a failure, never a pass. Added in 0.2.0;
    /// reports written before it read as `false`.
    #[serde(default)]
    pub unverified: bool,
    /// Another place the finding is about (a fact `import.consistent` found given
    /// differently there); null for most. Added in 0.2.0; earlier reports read as null.
    #[serde(default)]
    pub related: Option<Box<Location>>,
}

impl ResultEntry {
    /// The finding's identity across runs: a hex SHA-256 of manifest, rule and logical key,
    /// never of a line number, so an edit above a finding does not make it a new one
    /// (SARIF `partialFingerprints`, comparisons with `--base`).
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        for (i, part) in [&*self.manifest, &*self.rule]
            .into_iter()
            .chain(self.key.as_deref())
            .enumerate()
        {
            if i > 0 {
                hasher.update([0]);
            }
            hasher.update(part.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// What the report says of each rule that ran (for SARIF's rule table, docs links).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub rationale: String,
    pub remediation: String,
    pub docs: Option<String>,
    pub enforce_after: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
}

/// A problem that stopped a file from being judged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticEntry {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl From<&Diagnostic> for DiagnosticEntry {
    fn from(d: &Diagnostic) -> Self {
        let at = d.position();
        Self {
            file: d.file.clone(),
            line: at.map(|a| a.line),
            column: at.map(|a| a.column),
            message: inert(d.message.clone()),
            help: d.help.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub as_of: String,
    pub fail_on: FailOn,
    pub verdict: Verdict,
    pub summary: Summary,
    pub services: Vec<ServiceReport>,
    pub results: Vec<ResultEntry>,
    pub rules: Vec<RuleInfo>,
    pub diagnostics: Vec<DiagnosticEntry>,
    /// The comparison with `--base`; null without one.
    pub base: Option<Base>,
    /// The pack's maturity levels, lowest first.
    #[serde(default)]
    pub levels: Vec<String>,
    /// The level every service must reach (`--min-level`); null when not asked.
    #[serde(default)]
    pub min_level: Option<String>,
    /// Findings counted but not listed in `results`: past [`MAX_LISTED`] of one rule in one
    /// manifest. Added in 0.2.0; empty in most reports, and read as empty from earlier ones.
    #[serde(default)]
    pub unlisted: Vec<Unlisted>,
}

impl Report {
    /// The report of a run that could judge nothing (the rules could not be loaded):
    /// verdict "error", no results, the diagnostics.
    #[must_use]
    pub fn unjudged(diagnostics: &[Diagnostic], as_of: &str, fail_on: FailOn) -> Self {
        Self {
            version: VERSION,
            tool: Tool::this(),
            as_of: as_of.to_owned(),
            fail_on,
            verdict: Verdict::Error,
            summary: Summary::default(),
            services: Vec::new(),
            results: Vec::new(),
            rules: Vec::new(),
            diagnostics: diagnostics.iter().map(DiagnosticEntry::from).collect(),
            base: None,
            levels: Vec::new(),
            min_level: None,
            unlisted: Vec::new(),
        }
    }

    /// Whether some rule has more than [`MAX_LISTED`] findings in one manifest. A finished
    /// report's results are sorted by manifest and rule, so each pair's findings are one
    /// run of them; any other order is counted pair by pair.
    fn over_listing_limit(&self) -> bool {
        if self
            .results
            .is_sorted_by(|a, b| (&a.manifest, &a.rule) <= (&b.manifest, &b.rule))
        {
            return self
                .results
                .chunk_by(|a, b| a.manifest == b.manifest && a.rule == b.rule)
                .any(|run| run.len() > MAX_LISTED);
        }
        let mut counts: std::collections::HashMap<(&str, &str), usize> =
            std::collections::HashMap::new();
        self.results.iter().any(|result| {
            let count = counts.entry((&result.manifest, &result.rule)).or_default();
            *count += 1;
            *count > MAX_LISTED
        })
    }

    /// The report as every format lists it: at most [`MAX_LISTED`] findings of one rule in
    /// one manifest (the first, in report order), the rest counted in `unlisted` with how
    /// many of them block. Borrowed when nothing is over the cap (the common case).
    #[must_use]
    pub fn listed(&self) -> std::borrow::Cow<'_, Report> {
        if !self.over_listing_limit() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut seen: std::collections::HashMap<(&str, &str), usize> =
            std::collections::HashMap::new();
        let mut left: BTreeMap<(String, String), (usize, usize, Summary)> = self
            .unlisted
            .iter()
            .map(|u| {
                (
                    (u.manifest.clone(), u.rule.clone()),
                    (u.count, u.blocking, u.summary),
                )
            })
            .collect();
        let mut results = Vec::new();
        for result in &self.results {
            let count = seen.entry((&result.manifest, &result.rule)).or_default();
            *count += 1;
            if *count <= MAX_LISTED {
                results.push(result.clone());
            } else {
                let tally = left
                    .entry((result.manifest.to_string(), result.rule.to_string()))
                    .or_default();
                tally.0 += 1;
                tally.1 += usize::from(self.blocks(result));
                tally.2.count(result);
            }
        }
        let unlisted = left
            .into_iter()
            .map(|((manifest, rule), (count, blocking, summary))| Unlisted {
                manifest,
                rule,
                count,
                blocking,
                summary,
            })
            .collect();
        std::borrow::Cow::Owned(Report {
            results,
            unlisted,
            ..self.without_results()
        })
    }

    /// A copy of everything but the results (the JSON writer renders those on its own).
    pub(crate) fn without_results(&self) -> Report {
        Report {
            version: self.version,
            tool: self.tool.clone(),
            as_of: self.as_of.clone(),
            fail_on: self.fail_on,
            verdict: self.verdict,
            summary: self.summary,
            services: self.services.clone(),
            results: Vec::new(),
            rules: self.rules.clone(),
            diagnostics: self.diagnostics.clone(),
            base: self.base.clone(),
            levels: self.levels.clone(),
            min_level: self.min_level.clone(),
            unlisted: self.unlisted.clone(),
        }
    }

    /// How many findings block the gate, the unlisted ones included.
    #[must_use]
    pub fn blocking_count(&self) -> usize {
        self.results.iter().filter(|r| self.blocks(r)).count()
            + self.unlisted.iter().map(|u| u.blocking).sum::<usize>()
    }
}

/// One manifest's outcome as the report builder receives it.
pub enum Judged<'a> {
    Evaluated {
        source: &'a Arc<SourceFile>,
        evaluation: Evaluation,
    },
    /// The manifest could not be read or parsed.
    Unjudged {
        manifest: String,
        diagnostics: Vec<Diagnostic>,
    },
}

/// A report built manifest by manifest: each judgement becomes its service and results as
/// soon as it is made, so that a run of thousands of manifests never holds every
/// evaluation and every result at once.
#[derive(Debug)]
pub struct Builder {
    as_of: String,
    /// Each rule's id, title, category and remediation, shared by its results.
    texts: BTreeMap<String, [Arc<str>; 4]>,
    services: Vec<ServiceReport>,
    /// Where each service's results are in `results` (the verdicts wait for `fail_on`).
    ranges: Vec<std::ops::Range<usize>>,
    results: Vec<ResultEntry>,
    diagnostics: Vec<DiagnosticEntry>,
}

impl Builder {
    /// A report of manifests judged with `rules` as of `as_of`.
    #[must_use]
    pub fn new(rules: &RuleSet, as_of: &str) -> Self {
        let texts = rules
            .rules
            .iter()
            .map(|r| {
                let text = |t: &str| Arc::<str>::from(t);
                (
                    r.id.clone(),
                    [
                        text(&r.id),
                        text(&r.title),
                        text(&r.category),
                        text(&r.remediation),
                    ],
                )
            })
            .collect();
        Self {
            as_of: as_of.to_owned(),
            texts,
            services: Vec::new(),
            ranges: Vec::new(),
            results: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Room for the results of `manifests` more manifests judged with `rules` (about one
    /// result a rule each), so that the results of a large run are not copied from one
    /// buffer to the next, twice as large, as they grow.
    pub fn reserve(&mut self, manifests: usize, rules: &RuleSet) {
        let per_manifest = rules.rules.iter().filter(|r| r.enabled).count() + 2;
        self.results.reserve(manifests.saturating_mul(per_manifest));
        self.services.reserve(manifests);
        self.ranges.reserve(manifests);
    }

    /// An empty builder for part of the same run (the manifests one worker judges), to be
    /// appended to this one in order (see [`Builder::append`]).
    #[must_use]
    pub fn part(&self) -> Self {
        Self {
            as_of: self.as_of.clone(),
            texts: self.texts.clone(),
            services: Vec::new(),
            ranges: Vec::new(),
            results: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Adds the outcomes of `part` (of the same run), after those added so far.
    pub fn append(&mut self, part: Self) {
        let offset = self.results.len();
        self.services.extend(part.services);
        self.ranges.extend(
            part.ranges
                .into_iter()
                .map(|range| range.start + offset..range.end + offset),
        );
        self.results.extend(part.results);
        self.diagnostics.extend(part.diagnostics);
    }

    /// Adds one manifest's outcome.
    pub fn add(&mut self, item: Judged<'_>, rules: &RuleSet) {
        let texts = &self.texts;
        let as_of = self.as_of.as_str();
        let start = self.results.len();
        match item {
            Judged::Evaluated { source, evaluation } => {
                let manifest: Arc<str> = Arc::from(source.name.as_str());
                let mut summary = Summary::default();
                let mut mine = Vec::new();
                for finding in evaluation.findings {
                    let [rule, title, category, remediation] = texts
                        .get(finding.rule.as_str())
                        .cloned()
                        .unwrap_or_else(|| {
                            [
                                Arc::from(finding.rule.as_str()),
                                Arc::from(""),
                                Arc::from(""),
                                Arc::from(""),
                            ]
                        });
                    let locate = |span: crate::source::Span| {
                        let file = file_of(source, &evaluation.files, span.file)?;
                        let at = file.line_col(span.start);
                        Some(Location {
                            path: if span.file == FileId::MANIFEST {
                                Arc::clone(&manifest)
                            } else {
                                Arc::from(file.name.as_str())
                            },
                            line: at.line,
                            column: at.column,
                        })
                    };
                    let entry = ResultEntry {
                        manifest: Arc::clone(&manifest),
                        title,
                        category,
                        remediation,
                        rule,
                        severity: finding.severity,
                        status: finding.status,
                        message: inert(finding.message),
                        location: finding.span.and_then(locate),
                        related: finding.related.and_then(locate).map(Box::new),
                        key: finding.key.map(inert),
                        waiver: finding.waiver.map(|w| {
                            Box::new(WaiverInfo {
                                reason: inert(w.reason),
                                ticket: inert(w.ticket),
                                expires: inert(w.expires),
                            })
                        }),
                        change: None,
                        unverified: finding.unverified,
                    };
                    summary.count(&entry);
                    mine.push(entry);
                }
                let (level, next_level) = level_of(&mine, rules, as_of.parse().ok());
                self.services.push(ServiceReport {
                    level,
                    next_level,
                    // Set when the report is finished, with `fail_on`.
                    verdict: Verdict::Pass,
                    service: service_info(&evaluation.service),
                    manifest: manifest.to_string(),
                    summary,
                    slos: evaluation
                        .slos
                        .into_iter()
                        .map(|s| SloEntry {
                            name: s.name.map(inert),
                            target: s.target,
                            window: s.window,
                            budget_minutes: s.budget_minutes.map(|m| (m * 1000.0).round() / 1000.0),
                            live: s.live,
                            live_unavailable: s.live_unavailable.map(inert),
                        })
                        .collect(),
                });
                self.results.extend(mine);
            }
            Judged::Unjudged {
                manifest,
                diagnostics: found,
            } => {
                self.diagnostics
                    .extend(found.iter().map(DiagnosticEntry::from));
                self.services.push(ServiceReport {
                    manifest,
                    service: ServiceInfo {
                        name: None,
                        tier: None,
                        lifecycle: None,
                        owner: None,
                    },
                    verdict: Verdict::Error,
                    summary: Summary::default(),
                    slos: Vec::new(),
                    level: None,
                    next_level: None,
                });
            }
        }
        self.ranges.push(start..self.results.len());
    }

    /// The report, its verdicts judged by `fail_on`.
    #[must_use]
    pub fn finish(self, rules: &RuleSet, fail_on: FailOn) -> Report {
        let Self {
            as_of,
            mut services,
            ranges,
            mut results,
            diagnostics,
            ..
        } = self;
        for (service, range) in services.iter_mut().zip(ranges) {
            if service.verdict != Verdict::Error {
                service.verdict = verdict_of(&results[range], fail_on);
            }
        }
        let as_of = as_of.as_str();
        results.sort_by(|a, b| {
            fn at(r: &ResultEntry) -> Option<(&str, usize, usize)> {
                r.location.as_ref().map(|l| (&*l.path, l.line, l.column))
            }
            // Results share their manifest's and their rule's text: the same text is equal
            // without reading it.
            fn text(a: &Arc<str>, b: &Arc<str>) -> std::cmp::Ordering {
                if Arc::ptr_eq(a, b) {
                    std::cmp::Ordering::Equal
                } else {
                    a.cmp(b)
                }
            }
            text(&a.manifest, &b.manifest)
                .then_with(|| text(&a.rule, &b.rule))
                .then_with(|| at(a).cmp(&at(b)))
        });
        let mut summary = Summary::default();
        results.iter().for_each(|r| summary.count(r));
        let verdict = overall_verdict(&services, &diagnostics);
        let ran: std::collections::BTreeSet<&str> = results.iter().map(|r| &*r.rule).collect();
        Report {
            version: VERSION,
            tool: Tool::this(),
            as_of: as_of.to_owned(),
            fail_on,
            verdict,
            summary,
            services,
            rules: rules
                .rules
                .iter()
                .filter(|r| ran.contains(r.id.as_str()))
                .map(|r| RuleInfo {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    severity: r.severity,
                    category: r.category.clone(),
                    rationale: r.rationale.clone(),
                    remediation: r.remediation.clone(),
                    docs: r.docs.clone(),
                    enforce_after: r.enforce_after.map(|d| d.to_string()),
                    level: r.level.clone(),
                })
                .collect(),
            results,
            diagnostics,
            base: None,
            levels: rules.levels.clone(),
            min_level: None,
            unlisted: Vec::new(),
        }
    }
}

impl Report {
    /// Builds the report for every manifest judged with `rules` as of `as_of`.
    #[must_use]
    pub fn build(judged: Vec<Judged<'_>>, rules: &RuleSet, as_of: &str, fail_on: FailOn) -> Self {
        let mut builder = Builder::new(rules, as_of);
        for item in judged {
            builder.add(item, rules);
        }
        builder.finish(rules, fail_on)
    }

    /// How many results block the gate, per manifest: one pass over the results, whatever
    /// the number of services.
    #[must_use]
    pub fn blocking_by_manifest(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for result in self.results.iter().filter(|r| self.blocks(r)) {
            *counts.entry(&*result.manifest).or_default() += 1;
        }
        for unlisted in self.unlisted.iter().filter(|u| u.blocking > 0) {
            *counts.entry(unlisted.manifest.as_str()).or_default() += unlisted.blocking;
        }
        counts
    }

    /// Recomputes every verdict from the results (after they were classified against a base).
    fn refresh_verdicts(&mut self) {
        let mut blocking: std::collections::BTreeSet<String> = self
            .blocking_by_manifest()
            .into_keys()
            .map(str::to_owned)
            .collect();
        blocking.extend(
            self.services
                .iter()
                .filter(|s| self.below_min_level(s))
                .map(|s| s.manifest.clone()),
        );
        for service in &mut self.services {
            if service.verdict != Verdict::Error {
                let blocked = blocking.contains(&service.manifest);
                service.verdict = if blocked {
                    Verdict::Fail
                } else {
                    Verdict::Pass
                };
            }
        }
        self.verdict = overall_verdict(&self.services, &self.diagnostics);
    }

    /// Gates on maturity: every judged service below `level` fails (`--min-level`).
    ///
    /// # Errors
    /// `level` is not one of the pack's levels.
    pub fn require_level(&mut self, level: &str) -> Result<(), String> {
        if !self.levels.iter().any(|l| l == level) {
            return Err(if self.levels.is_empty() {
                format!("--min-level {level}: the rule pack defines no levels")
            } else {
                format!(
                    "--min-level {level}: the pack's levels are {}",
                    self.levels.join(", ")
                )
            });
        }
        self.min_level = Some(level.to_owned());
        let below: Vec<usize> = (0..self.services.len())
            .filter(|&i| self.below_min_level(&self.services[i]))
            .collect();
        for i in below {
            if self.services[i].verdict == Verdict::Pass {
                self.services[i].verdict = Verdict::Fail;
            }
        }
        self.verdict = overall_verdict(&self.services, &self.diagnostics);
        Ok(())
    }

    /// Whether a service stays below the level `--min-level` asks for.
    #[must_use]
    pub fn below_min_level(&self, service: &ServiceReport) -> bool {
        let Some(required) = &self.min_level else {
            return false;
        };
        let rank = |name: &str| self.levels.iter().position(|l| l == name);
        service.verdict != Verdict::Error
            && match (service.level.as_deref().and_then(rank), rank(required)) {
                (Some(reached), Some(required)) => reached < required,
                (None, Some(_)) => true,
                (_, None) => false,
            }
    }

    /// The maturity level a service reached, in words, with what the next level needs
    /// (`level silver; gold needs capacity.plan, toil.backlog`); `None` when the pack has
    /// no levels or the service could not be judged.
    #[must_use]
    pub fn level_sentence(&self, service: &ServiceReport) -> Option<String> {
        let results: Vec<&ResultEntry> = self
            .results
            .iter()
            .filter(|r| *r.manifest == *service.manifest)
            .collect();
        self.level_sentence_of(service, &results)
    }

    /// [`Report::level_sentence`] with the service's results already at hand (a renderer of
    /// many services groups them once: [`Report::results_by_manifest`]).
    #[must_use]
    pub fn level_sentence_of(
        &self,
        service: &ServiceReport,
        results: &[&ResultEntry],
    ) -> Option<String> {
        if self.levels.is_empty() || service.verdict == Verdict::Error {
            return None;
        }
        let mut text = format!("level {}", service.level.as_deref().unwrap_or("none"));
        match &service.next_level {
            Some(next) => {
                text.push_str(&format!("; {} needs {}", next.level, next.needs.join(", ")))
            }
            None => {
                // A blocking failure of a rule that belongs to no level costs no level: say
                // so, rather than "the highest" beside a failed gate.
                let outside = self.failing_outside_levels(results);
                if service.verdict == Verdict::Fail && !outside.is_empty() {
                    text.push_str(&format!(
                        ", the highest, but the gate fails on rules that belong to no level: {}",
                        outside.join(", ")
                    ));
                } else {
                    text.push_str(" (the highest)");
                }
            }
        }
        if self.below_min_level(service) {
            if let Some(required) = &self.min_level {
                text.push_str(&format!("; below the required {required}"));
            }
        }
        Some(text)
    }

    /// The rules without a `level` that fail at severity error among one service's
    /// `results`.
    fn failing_outside_levels<'a>(&'a self, results: &[&'a ResultEntry]) -> Vec<&'a str> {
        let mut ids: Vec<&str> = results
            .iter()
            .filter(|r| r.status == Status::Fail && r.severity == Severity::Error)
            .filter(|r| {
                self.rules
                    .iter()
                    .any(|rule| *rule.id == *r.rule && rule.level.is_none())
            })
            .map(|r| &*r.rule)
            .collect();
        ids.dedup();
        ids
    }

    /// Where a report's own parts disagree: its summaries and verdicts recomputed from its
    /// results. A report that prr did not make in this process (an artifact) is published
    /// only when this finds nothing, so an edited verdict or count cannot reach a check run.
    #[must_use]
    pub fn disagreements(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut recomputed = self.clone();
        recomputed.refresh_verdicts();
        let mut summary = Summary::default();
        let mut by_manifest: BTreeMap<&str, Summary> = BTreeMap::new();
        for result in &self.results {
            summary.count(result);
            by_manifest
                .entry(&result.manifest)
                .or_default()
                .count(result);
        }
        // Findings counted but not listed (past MAX_LISTED) still count.
        for unlisted in &self.unlisted {
            summary.add(&unlisted.summary);
            by_manifest
                .entry(&unlisted.manifest)
                .or_default()
                .add(&unlisted.summary);
        }
        if summary != self.summary {
            problems.push(format!(
                "its summary says {}, its results count {}",
                summary_text(&self.summary),
                summary_text(&summary)
            ));
        }
        for (service, again) in self.services.iter().zip(&recomputed.services) {
            let counted = by_manifest
                .remove(service.manifest.as_str())
                .unwrap_or_default();
            if counted != service.summary {
                problems.push(format!(
                    "{}: its summary says {}, its results count {}",
                    escape::quoted(&service.manifest),
                    summary_text(&service.summary),
                    summary_text(&counted)
                ));
            }
            if again.verdict != service.verdict {
                problems.push(format!(
                    "{}: its verdict is {}, its results make it {}",
                    escape::quoted(&service.manifest),
                    service.verdict,
                    again.verdict
                ));
            }
        }
        for manifest in by_manifest.keys() {
            problems.push(format!(
                "results for {}, which it lists no service for",
                escape::quoted(manifest)
            ));
        }
        if recomputed.verdict != self.verdict {
            problems.push(format!(
                "its verdict is {}, its results make it {}",
                self.verdict, recomputed.verdict
            ));
        }
        problems
    }

    /// Whether a result blocks the gate under this report's `fail_on`.
    #[must_use]
    pub fn blocks(&self, result: &ResultEntry) -> bool {
        blocks(result, self.fail_on)
    }

    /// The report's services by manifest, for renderers that group.
    #[must_use]
    pub fn results_by_manifest(&self) -> BTreeMap<&str, Vec<&ResultEntry>> {
        let mut map: BTreeMap<&str, Vec<&ResultEntry>> = BTreeMap::new();
        for result in &self.results {
            map.entry(&*result.manifest).or_default().push(result);
        }
        map
    }
}

fn summary_text(s: &Summary) -> String {
    format!(
        "{} passed, {} failed, {} warnings, {} waived, {} skipped",
        s.passed, s.failed, s.warnings, s.waived, s.skipped
    )
}

fn blocks(result: &ResultEntry, fail_on: FailOn) -> bool {
    result.status == Status::Fail
        && match fail_on {
            FailOn::Error => result.severity == Severity::Error,
            FailOn::New => result.severity == Severity::Error && result.change == Some(Change::New),
            // Everything the summary counts as a warning, notes included.
            FailOn::Warning => true,
        }
}

fn overall_verdict(services: &[ServiceReport], diagnostics: &[DiagnosticEntry]) -> Verdict {
    if services.iter().any(|s| s.verdict == Verdict::Error)
        || services.is_empty() && !diagnostics.is_empty()
    {
        Verdict::Error
    } else if services.iter().any(|s| s.verdict == Verdict::Fail) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}

fn verdict_of(results: &[ResultEntry], fail_on: FailOn) -> Verdict {
    if results.iter().any(|r| blocks(r, fail_on)) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}

/// The highest level whose rules (at it and below) all pass, are waived or are skipped, and
/// what the next one needs. Rules without a level count towards none.
fn level_of(
    results: &[ResultEntry],
    rules: &RuleSet,
    as_of: Option<jiff::civil::Date>,
) -> (Option<String>, Option<NextLevel>) {
    if rules.levels.is_empty() {
        return (None, None);
    }
    // For each level, the failing rules that belong to it.
    let mut failing: Vec<Vec<String>> = vec![Vec::new(); rules.levels.len()];
    for result in results.iter().filter(|r| r.status == Status::Fail) {
        let Some(rule) = rules.get(&result.rule) else {
            continue;
        };
        // A rule in its grace period, and a claim that could not be verified under
        // `on_unavailable = "warn"`, do not cost a level: upgrading prr, or a monitoring
        // outage, never lowers a service's level.
        let in_grace = rule
            .enforce_after
            .zip(as_of)
            .is_some_and(|(from, today)| today < from);
        if in_grace || (result.unverified && result.severity < rule.severity) {
            continue;
        }
        let rank = rule
            .level
            .as_deref()
            .and_then(|level| rules.level_rank(level));
        if let Some(rank) = rank {
            if !failing[rank].iter().any(|id| **id == *result.rule) {
                failing[rank].push(result.rule.to_string());
            }
        }
    }
    let reached = failing.iter().take_while(|ids| ids.is_empty()).count();
    let level = reached.checked_sub(1).map(|i| rules.levels[i].clone());
    let next = rules.levels.get(reached).map(|next| NextLevel {
        level: next.clone(),
        needs: failing
            .iter()
            .take(reached + 1)
            .flatten()
            .cloned()
            .collect(),
    });
    (level, next)
}

fn service_info(service: &Service) -> ServiceInfo {
    ServiceInfo {
        name: service.name.clone().map(inert),
        tier: service.tier,
        lifecycle: service.lifecycle.clone().map(inert),
        owner: service.owner.clone().map(inert),
    }
}
