//! The `Report` model, built from evaluations, and one renderer per format. The JSON form
//! (version 1) holds everything every other format needs: `prr publish` renders from it
//! alone. Renderers never judge.

pub mod diff;
pub mod github;
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub name: Option<String>,
    pub tier: Option<i64>,
    pub lifecycle: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloEntry {
    pub name: Option<String>,
    pub target: Option<f64>,
    pub window: Option<String>,
    pub budget_minutes: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceReport {
    pub manifest: String,
    pub service: ServiceInfo,
    pub verdict: Verdict,
    pub summary: Summary,
    pub slos: Vec<SloEntry>,
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
    /// The logical path in the manifest (`dependency[1].owner`): how a finding is matched
    /// across runs, never by line.
    pub key: Option<String>,
    pub waiver: Option<WaiverInfo>,
    /// With `--base`: whether a failure is `new` (this change introduced it) or `existing`;
    /// null for other results and without a base.
    pub change: Option<Change>,
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
            message: d.message.clone(),
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
        }
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

impl Report {
    /// Builds the report for every manifest judged with `rules` as of `as_of`.
    #[must_use]
    pub fn build(judged: Vec<Judged<'_>>, rules: &RuleSet, as_of: &str, fail_on: FailOn) -> Self {
        let mut services = Vec::new();
        let mut results = Vec::new();
        let mut diagnostics = Vec::new();
        let texts: BTreeMap<&str, [Arc<str>; 4]> = rules
            .rules
            .iter()
            .map(|r| {
                let text = |t: &str| Arc::<str>::from(t);
                (
                    r.id.as_str(),
                    [
                        text(&r.id),
                        text(&r.title),
                        text(&r.category),
                        text(&r.remediation),
                    ],
                )
            })
            .collect();
        for item in judged {
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
                        let entry = ResultEntry {
                            manifest: Arc::clone(&manifest),
                            title,
                            category,
                            remediation,
                            rule,
                            severity: finding.severity,
                            status: finding.status,
                            message: finding.message,
                            location: finding.span.and_then(|span| {
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
                            }),
                            key: finding.key,
                            waiver: finding.waiver,
                            change: None,
                        };
                        summary.count(&entry);
                        mine.push(entry);
                    }
                    services.push(ServiceReport {
                        verdict: verdict_of(&mine, fail_on),
                        service: service_info(&evaluation.service),
                        manifest: manifest.to_string(),
                        summary,
                        slos: evaluation
                            .slos
                            .into_iter()
                            .map(|s| SloEntry {
                                name: s.name,
                                target: s.target,
                                window: s.window,
                                budget_minutes: s
                                    .budget_minutes
                                    .map(|m| (m * 1000.0).round() / 1000.0),
                            })
                            .collect(),
                    });
                    results.extend(mine);
                }
                Judged::Unjudged {
                    manifest,
                    diagnostics: found,
                } => {
                    diagnostics.extend(found.iter().map(DiagnosticEntry::from));
                    services.push(ServiceReport {
                        manifest,
                        service: ServiceInfo {
                            name: None,
                            tier: None,
                            lifecycle: None,
                        },
                        verdict: Verdict::Error,
                        summary: Summary::default(),
                        slos: Vec::new(),
                    });
                }
            }
        }
        results.sort_by(|a, b| {
            let at = |r: &ResultEntry| {
                r.location
                    .as_ref()
                    .map(|l| (l.path.clone(), l.line, l.column))
            };
            (&a.manifest, &a.rule, at(a)).cmp(&(&b.manifest, &b.rule, at(b)))
        });
        let mut summary = Summary::default();
        results.iter().for_each(|r| summary.count(r));
        let verdict = overall_verdict(&services, &diagnostics);
        let ran: std::collections::BTreeSet<&str> = results.iter().map(|r| &*r.rule).collect();
        Self {
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
                })
                .collect(),
            results,
            diagnostics,
            base: None,
        }
    }

    /// How many results block the gate, per manifest: one pass over the results, whatever
    /// the number of services.
    #[must_use]
    pub fn blocking_by_manifest(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for result in self.results.iter().filter(|r| self.blocks(r)) {
            *counts.entry(&*result.manifest).or_default() += 1;
        }
        counts
    }

    /// Recomputes every verdict from the results (after they were classified against a base).
    fn refresh_verdicts(&mut self) {
        let blocking: std::collections::BTreeSet<String> = self
            .blocking_by_manifest()
            .into_keys()
            .map(str::to_owned)
            .collect();
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

fn service_info(service: &Service) -> ServiceInfo {
    ServiceInfo {
        name: service.name.clone(),
        tier: service.tier,
        lifecycle: service.lifecycle.clone(),
    }
}
