//! The judging done off the loop: a manifest's text taken down the pipeline (the same road
//! as `prr check`) and its report turned into diagnostics; a pack's files linted and their
//! examples run, as `prr rules lint` and `prr rules test` do.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};

use super::config::Config;
use super::text::{uri_of, Encoding, Lines};
use crate::engine::{examples, Status};
use crate::pipeline::{self, document};
use crate::report::{Report, ResultEntry};
use crate::rules::{self, RuleSet, RulesSource, Severity};
use crate::source::{display_name, SourceFile};
use crate::toolkit::{lint, reference};

/// Where the built-in pack's rules are documented: `docs/rules.md` of the release.
const BUILTIN_REFERENCE: &str = "https://github.com/prr-gate/prr-gate/blob/main/docs/rules.md";

/// What kind of file a document is, for the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `prr.toml` or `prr.json`: judged as `prr check` judges it.
    Manifest,
    /// `pack.toml` or a rule file beside it: linted and its examples run.
    Pack,
    /// Any other file (an imported YAML file, CODEOWNERS): shows the findings that point
    /// into it.
    Other,
}

impl Kind {
    #[must_use]
    pub fn of(path: &Path) -> Self {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if crate::manifest::FILE_NAMES.contains(&name) {
            return Self::Manifest;
        }
        let in_pack = path
            .parent()
            .is_some_and(|dir| dir.join("pack.toml").is_file());
        if name == "pack.toml" || (in_pack && name.ends_with(".toml")) {
            Self::Pack
        } else {
            Self::Other
        }
    }
}

/// One document to judge, as it was at one version.
pub struct Job {
    pub uri: Uri,
    pub version: i32,
    /// The configuration's generation: a result judged under an older one is dropped.
    pub generation: u64,
    pub kind: Kind,
    pub path: PathBuf,
    pub text: Arc<str>,
    /// The repository root (as `prr check` finds it from the file).
    pub root: PathBuf,
    /// The workspace folder holding the file: relative `rules` paths start there.
    pub folder: PathBuf,
    pub config: Config,
    pub encoding: Encoding,
}

/// A job's result.
pub struct Outcome {
    pub uri: Uri,
    pub version: i32,
    pub generation: u64,
    pub analysis: Analysis,
}

/// What the server knows of a document once judged.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// The document's own diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics for other files (imports, CODEOWNERS), shown when they are open.
    pub others: Vec<(Uri, Vec<Diagnostic>)>,
    /// The findings located in the document, for hover and code actions.
    pub findings: Vec<Finding>,
    /// The rules it was judged with.
    pub rules: Option<Arc<RulesView>>,
    pub as_of: Option<Date>,
    /// The report itself (the manifest's findings, every status), as `prr check` has it.
    pub report: Option<Report>,
}

/// A finding in the document: where, which rule, what it says.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: String,
    pub range: Range,
    pub message: String,
    pub key: Option<String>,
}

/// What the server shows of the rules a document was judged with.
#[derive(Debug, Default)]
pub struct RulesView {
    pub rules: BTreeMap<String, RuleDoc>,
    pub waiver_max_days: i64,
}

/// One rule as hover and completion show it.
#[derive(Debug)]
pub struct RuleDoc {
    pub title: String,
    /// `prr explain`'s text.
    pub explain: String,
    pub pack: String,
    pub remediation: String,
    /// The rule's reference page.
    pub url: Option<String>,
}

impl RulesView {
    fn of(rules: &RuleSet) -> Self {
        Self {
            waiver_max_days: rules.waiver_max_days,
            rules: rules
                .rules
                .iter()
                .map(|rule| {
                    (
                        rule.id.clone(),
                        RuleDoc {
                            title: rule.title.clone(),
                            explain: reference::explain(rule),
                            pack: rule.origin.pack.clone(),
                            remediation: rule.remediation.clone(),
                            url: rule.docs.clone().or_else(|| {
                                (rule.origin.pack == "builtin")
                                    .then(|| format!("{BUILTIN_REFERENCE}#{}", anchor(&rule.id)))
                            }),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The anchor GitHub gives the heading "`oncall.rotation`" of a Markdown page.
fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// A pack loaded, with what the server shows of it.
type Pack = (RuleSet, Arc<RulesView>);

/// The judging thread's state: the rule packs loaded, by root and sources, until the pack
/// changes (`epoch`).
#[derive(Default)]
pub struct Worker {
    epoch: u64,
    packs: HashMap<(PathBuf, Vec<String>), Result<Pack, String>>,
}

impl Worker {
    /// Judges one job; `epoch` counts the changes of the packs seen so far.
    pub fn run(&mut self, job: &Job, epoch: u64) -> Analysis {
        if epoch != self.epoch {
            self.packs.clear();
            self.epoch = epoch;
        }
        match job.kind {
            Kind::Manifest => self.manifest(job),
            Kind::Pack => pack(job),
            Kind::Other => Analysis::default(),
        }
    }

    fn manifest(&mut self, job: &Job) -> Analysis {
        let sources: Vec<String> = job
            .config
            .rules
            .iter()
            .map(|source| resolve_source(source, &job.folder))
            .collect();
        let loaded = self
            .packs
            .entry((job.root.clone(), sources.clone()))
            .or_insert_with(|| {
                pipeline::load_rules(&sources, &job.root)
                    .map(|rules| {
                        let view = Arc::new(RulesView::of(&rules));
                        (rules, view)
                    })
                    .map_err(|err| err.to_string())
            });
        let (rules, view) = match loaded {
            Ok((rules, view)) => (rules, Arc::clone(view)),
            Err(why) => {
                return Analysis {
                    diagnostics: vec![plain(
                        Range::default(),
                        DiagnosticSeverity::ERROR,
                        format!("the rules could not be loaded, so nothing was judged: {why}"),
                    )],
                    ..Analysis::default()
                }
            }
        };
        let as_of = job.config.as_of.unwrap_or_else(pipeline::today);
        let run = document::judge_text(
            &job.path,
            &job.text,
            &job.root,
            rules,
            as_of,
            job.config.deploy,
            job.config.base.as_deref(),
        );
        let mut analysis = diagnostics_of(
            &run.report,
            &display_name(&job.path, &job.root),
            &job.text,
            &run.judgement.others,
            &view,
            &job.root,
            job.encoding,
        );
        // What the run could not do (a base that cannot be read) is said where it is seen.
        for warning in &run.warnings {
            analysis.diagnostics.push(plain(
                Range::default(),
                DiagnosticSeverity::WARNING,
                warning.clone(),
            ));
        }
        analysis.rules = Some(view);
        analysis.as_of = Some(as_of);
        analysis.report = Some(run.report);
        analysis
    }
}

/// A `rules` entry of the configuration as `--rules` would take it from the folder.
fn resolve_source(source: &str, folder: &Path) -> String {
    if source == "builtin" || source.starts_with("github:") || Path::new(source).is_absolute() {
        source.to_owned()
    } else {
        folder.join(source).to_string_lossy().into_owned()
    }
}

/// The report's findings for the manifest named `name` (whose text is `text`), as
/// diagnostics: on the manifest, and on the other files they point into.
#[must_use]
pub fn diagnostics_of(
    report: &Report,
    name: &str,
    text: &str,
    others: &[Arc<SourceFile>],
    view: &RulesView,
    root: &Path,
    encoding: Encoding,
) -> Analysis {
    let lines = Lines::new(text, encoding);
    let other_lines: HashMap<&str, Lines<'_>> = others
        .iter()
        .map(|file| (file.name.as_str(), Lines::new(&file.text, encoding)))
        .collect();
    let mut analysis = Analysis::default();
    let mut elsewhere: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for result in report
        .results
        .iter()
        .filter(|r| &*r.manifest == name && r.status == Status::Fail)
    {
        let mut diagnostic = finding_diagnostic(result, report, view);
        match &result.location {
            Some(at) if &*at.path == name => {
                diagnostic.range = lines.token_range(at.line, at.column);
            }
            Some(at) => {
                let path = at.path.to_string();
                let range = other_lines
                    .get(path.as_str())
                    .map_or_else(Range::default, |l| l.token_range(at.line, at.column));
                let mut there = diagnostic.clone();
                there.range = range;
                elsewhere.entry(path.clone()).or_default().push(there);
                diagnostic.range = key_range(&lines, result.key.as_deref());
                diagnostic.message = format!("{} ({path}:{})", diagnostic.message, at.line);
                if let Some(uri) = uri_of(&root.join(&path)) {
                    diagnostic.related_information = Some(vec![DiagnosticRelatedInformation {
                        location: Location::new(uri, range),
                        message: format!("{}: the finding is here", result.rule),
                    }]);
                }
            }
            None => diagnostic.range = key_range(&lines, result.key.as_deref()),
        }
        if let Some(related) = &result.related {
            let range = if &*related.path == name {
                Some(lines.token_range(related.line, related.column))
            } else {
                other_lines
                    .get(&*related.path)
                    .map(|l| l.token_range(related.line, related.column))
            };
            if let (Some(range), Some(uri)) = (range, uri_of(&root.join(&*related.path))) {
                diagnostic
                    .related_information
                    .get_or_insert_with(Vec::new)
                    .push(DiagnosticRelatedInformation {
                        location: Location::new(uri, range),
                        message: "also given here".to_owned(),
                    });
            }
        }
        analysis.findings.push(Finding {
            rule: result.rule.to_string(),
            range: diagnostic.range,
            message: result.message.clone(),
            key: result.key.clone(),
        });
        analysis.diagnostics.push(diagnostic);
    }
    for problem in &report.diagnostics {
        let mut message = problem.message.clone();
        if let Some(help) = &problem.help {
            message = format!("{message}\nhelp: {help}");
        }
        let at = |lines: &Lines<'_>| match (problem.line, problem.column) {
            (Some(line), Some(column)) => lines.token_range(line, column),
            _ => Range::default(),
        };
        if problem.file == name {
            let diagnostic = plain(at(&lines), DiagnosticSeverity::ERROR, message);
            analysis.diagnostics.push(diagnostic);
        } else {
            let range = other_lines.get(problem.file.as_str()).map_or_else(
                || {
                    Range::new(
                        Position::new(problem.line.unwrap_or(1).saturating_sub(1) as u32, 0),
                        Position::new(problem.line.unwrap_or(1).saturating_sub(1) as u32, 0),
                    )
                },
                at,
            );
            elsewhere
                .entry(problem.file.clone())
                .or_default()
                .push(plain(range, DiagnosticSeverity::ERROR, message.clone()));
            analysis.diagnostics.push(plain(
                Range::default(),
                DiagnosticSeverity::ERROR,
                format!("{}: {message}", problem.file),
            ));
        }
    }
    analysis.others = elsewhere
        .into_iter()
        .filter_map(|(path, diagnostics)| Some((uri_of(&root.join(path))?, diagnostics)))
        .collect();
    analysis
}

/// A failing result as a diagnostic (its range set by the caller).
fn finding_diagnostic(result: &ResultEntry, report: &Report, view: &RulesView) -> Diagnostic {
    let declared = report.rules.iter().find(|r| r.id == *result.rule);
    let mut message = result.message.clone();
    if let Some(info) = declared {
        let in_grace = info.severity != result.severity
            && info
                .enforce_after
                .as_deref()
                .is_some_and(|from| from > report.as_of.as_str());
        if in_grace {
            if let Some(from) = &info.enforce_after {
                message = format!("{message} (blocking from {from})");
            }
        }
    }
    // With a base configured, as `prr check --base` marks them.
    match result.change {
        Some(crate::report::diff::Change::New) => message = format!("[new] {message}"),
        Some(crate::report::diff::Change::Existing) => {
            message = format!("[existing] {message}");
        }
        _ => {}
    }
    let code_description = view
        .rules
        .get(&*result.rule)
        .and_then(|doc| doc.url.as_deref())
        .and_then(|url| url.parse::<Uri>().ok())
        .map(|href| CodeDescription { href });
    Diagnostic {
        range: Range::default(),
        severity: Some(match result.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(result.rule.to_string())),
        code_description,
        source: Some("prr".to_owned()),
        message,
        related_information: None,
        tags: None,
        data: None,
    }
}

fn plain(range: Range, severity: DiagnosticSeverity, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        source: Some("prr".to_owned()),
        message,
        ..Diagnostic::default()
    }
}

/// Where the key of a finding (`service.owner`, `dependency[name=db].sla`) is written in a
/// TOML manifest: its line, else its table's header, else the first line. For findings
/// whose place is in another file, and those without one.
fn key_range(lines: &Lines<'_>, key: Option<&str>) -> Range {
    let segments: Vec<String> = key
        .unwrap_or("")
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s).to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut table = String::new();
    let header_of = |wanted: &str| -> Option<usize> {
        (0..lines.count()).find(|&i| {
            let line = lines.line(i).trim();
            line.trim_start_matches('[').trim_end_matches(']').trim() == wanted
                && line.starts_with('[')
        })
    };
    for depth in (1..=segments.len()).rev() {
        let wanted_table = segments[..depth - 1].join(".");
        let leaf = &segments[depth - 1];
        for i in 0..lines.count() {
            let line = lines.line(i).trim();
            if line.starts_with('[') {
                table = line
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .trim()
                    .to_owned();
                continue;
            }
            let is_key = line
                .strip_prefix(leaf.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with('='));
            if table == wanted_table && is_key {
                let start = lines.start(i) + lines.line(i).find(leaf.as_str()).unwrap_or(0);
                return lines.range(start, start + leaf.len());
            }
        }
        table.clear();
        if let Some(i) = header_of(&segments[..depth].join(".")) {
            return lines.range(lines.start(i), lines.start(i) + lines.line(i).len());
        }
    }
    Range::default()
}

/// A pack file: the problems of loading the pack, `prr rules lint`'s findings, and the
/// pack's own examples that do not give what they expect, each on its file's line.
fn pack(job: &Job) -> Analysis {
    let Some(dir) = job.path.parent() else {
        return Analysis::default();
    };
    let loaded = rules::load_partial(&[RulesSource::Path(dir.to_path_buf())], &job.root);
    let today = job.config.as_of.unwrap_or_else(pipeline::today);
    let lines = Lines::new(&job.text, job.encoding);
    let here = |file: &str| same_file(file, &job.path, &job.root, dir);
    let line_range = |line: usize, column: usize| lines.token_range(line.max(1), column.max(1));
    let mut diagnostics = Vec::new();
    for problem in &loaded.diagnostics {
        if !here(&problem.file) {
            continue;
        }
        let range = problem
            .position()
            .map_or_else(Range::default, |at| line_range(at.line, at.column));
        let mut message = problem.message.clone();
        if let Some(help) = &problem.help {
            message = format!("{message}\nhelp: {help}");
        }
        diagnostics.push(plain(range, DiagnosticSeverity::ERROR, message));
    }
    for finding in lint::lint(&loaded, today) {
        if !here(&finding.file) {
            continue;
        }
        let severity = match finding.level {
            lint::Level::Error => DiagnosticSeverity::ERROR,
            lint::Level::Warning => DiagnosticSeverity::WARNING,
        };
        let mut diagnostic = plain(
            line_range(finding.line, finding.column),
            severity,
            finding.message.clone(),
        );
        diagnostic.code = Some(NumberOrString::String("rules lint".to_owned()));
        diagnostics.push(diagnostic);
    }
    let results = examples::run(&loaded.rules, today, |rule| {
        loaded.is_own(rule) && !loaded.is_implicit(rule)
    });
    for result in results.iter().filter(|r| !r.passed()) {
        let origin = &result.test.origin;
        if !here(&origin.file) {
            continue;
        }
        let actual = result
            .actual
            .map_or_else(|| "could not be parsed".to_owned(), |a| a.to_string());
        let mut message = format!(
            "example \"{}\" of {} expects {}, the rule gave {actual}",
            result.test.name, result.rule.id, result.test.expect
        );
        for said in &result.messages {
            message.push_str(&format!("\n{said}"));
        }
        let mut diagnostic = plain(
            line_range(origin.line, origin.column),
            DiagnosticSeverity::ERROR,
            message,
        );
        diagnostic.code = Some(NumberOrString::String("rules test".to_owned()));
        diagnostics.push(diagnostic);
    }
    Analysis {
        diagnostics,
        ..Analysis::default()
    }
}

/// Whether a file name as the pack loader gives it is the document's file.
fn same_file(name: &str, path: &Path, root: &Path, dir: &Path) -> bool {
    let named = Path::new(name);
    [named.to_path_buf(), root.join(named), dir.join(named)]
        .iter()
        .any(|candidate| candidate == path)
        || (named.is_relative() && named.file_name() == path.file_name() && path.ends_with(named))
}
