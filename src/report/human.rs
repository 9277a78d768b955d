//! The terminal report: the verdict first, then each blocking failure with its rule id,
//! message, a code frame with a caret at the manifest line, and the remediation; then
//! warnings and waivers; then one line of counts.

use std::collections::BTreeMap;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as Frame, Label, Severity as FrameSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};

use super::{ends_run, Alike, Change, Report, ResultEntry, Verdict};
use crate::diagnostic::Diagnostic;
use crate::engine::Status;
use crate::rules::Severity;
use crate::source::SourceFile;

/// The texts of the files findings point into, by the name the report uses.
pub type Sources = BTreeMap<String, Arc<SourceFile>>;

/// Renders the report; `color` adds ANSI colours (only on a terminal, never with `NO_COLOR`).
#[must_use]
pub fn render(report: &Report, sources: &Sources, color: bool) -> String {
    let listed = report.listed();
    let report = &*listed;
    let mut out = Painter::new(sources, color);
    out.headline(report);
    if !report.diagnostics.is_empty() {
        out.line("");
        for d in &report.diagnostics {
            let place = match (d.line, d.column) {
                (Some(line), Some(column)) => format!("{}:{line}:{column}", d.file),
                _ => d.file.clone(),
            };
            let mut text = format!("error: {place}: {}", d.message);
            if let Some(help) = &d.help {
                text.push_str(&format!("\n  = help: {help}"));
            }
            out.line(&text);
        }
    }
    let blocking: Vec<&ResultEntry> = report.results.iter().filter(|r| report.blocks(r)).collect();
    let warnings: Vec<&ResultEntry> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && !report.blocks(r))
        .collect();
    out.findings(&blocking, |_| FrameSeverity::Error);
    out.findings(&warnings, |result| {
        if result.severity == Severity::Note {
            FrameSeverity::Note
        } else {
            FrameSeverity::Warning
        }
    });
    if !report.unlisted.is_empty() {
        out.line("");
        for unlisted in &report.unlisted {
            out.line(&format!("note: {}", unlisted.sentence()));
        }
    }
    let waived: Vec<&ResultEntry> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Waived)
        .collect();
    if !waived.is_empty() {
        out.line("");
        out.line("waived (not blocking):");
        for r in waived {
            let (expires, reason, ticket) = r.waiver.as_ref().map_or(("", "", ""), |w| {
                (w.expires.as_str(), w.reason.as_str(), w.ticket.as_str())
            });
            out.line(&format!(
                "  {} at {}, waived until {expires}",
                r.rule,
                place(r)
            ));
            out.line(&format!("    why: {reason}; ticket: {ticket}"));
            out.line(&format!("    finding: {}", r.message));
        }
    }
    if let Some(base) = report.base.as_ref().filter(|b| !b.fixed_results.is_empty()) {
        out.line("");
        out.line(&format!(
            "fixed by this change (failing at {}):",
            base.reference
        ));
        for r in &base.fixed_results {
            out.line(&format!("  {} {}: {}", r.rule, place(r), r.message));
        }
    }
    out.line("");
    let s = &report.summary;
    out.line(&format!(
        "{} failed, {} warnings, {} passed, {} waived, {} skipped (as of {})",
        s.failed, s.warnings, s.passed, s.waived, s.skipped, report.as_of
    ));
    out.finish()
}

/// Renders diagnostics that stopped a run (exit 2), each with a code frame when the text
/// is known.
#[must_use]
pub fn render_diagnostics(diagnostics: &[Diagnostic], color: bool) -> String {
    let sources = Sources::new();
    let mut out = Painter::new(&sources, color);
    for d in diagnostics {
        // A diagnostic can quote a value from the file it is about.
        let message = super::inert(d.message.clone());
        match (&d.source, d.span) {
            (Some(source), Some(span)) => {
                let file = out.file_id(source);
                let mut frame =
                    Frame::error()
                        .with_message(&message)
                        .with_labels(vec![Label::primary(
                            file,
                            caret(source, span.start, span.end),
                        )]);
                if let Some(help) = &d.help {
                    frame = frame.with_notes(vec![format!("help: {help}")]);
                }
                out.emit(&frame);
            }
            _ => {
                let place = d
                    .position()
                    .map_or_else(|| d.file.clone(), |at| format!("{}:{at}", d.file));
                let mut text = format!("error: {place}: {message}");
                if let Some(help) = &d.help {
                    text.push_str(&format!("\n  = help: {help}"));
                }
                out.line(&text);
            }
        }
    }
    out.finish()
}

fn place(result: &ResultEntry) -> String {
    result.location.as_ref().map_or_else(
        || result.manifest.to_string(),
        |l| format!("{}:{}:{}", l.path, l.line, l.column),
    )
}

/// The part of a span a caret goes under: its first line only (a table's span covers the
/// whole table), at least one character, and never a line break (drawn as two lines).
fn caret(source: &SourceFile, start: usize, end: usize) -> std::ops::Range<usize> {
    let text = &source.text;
    let start = start.min(text.len());
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if line_end == start {
        return start..start;
    }
    let first = text[start..].chars().next().map_or(0, char::len_utf8);
    start..end.clamp(start + first, line_end)
}

struct Painter<'a> {
    sources: &'a Sources,
    files: SimpleFiles<String, String>,
    ids: BTreeMap<String, usize>,
    color: bool,
    config: Config,
    text: String,
}

impl<'a> Painter<'a> {
    fn new(sources: &'a Sources, color: bool) -> Self {
        Self {
            sources,
            files: SimpleFiles::new(),
            ids: BTreeMap::new(),
            color,
            config: Config::default(),
            text: String::new(),
        }
    }

    fn line(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push('\n');
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn headline(&mut self, report: &Report) {
        let s = &report.summary;
        let head = match report.verdict {
            Verdict::Pass => self.paint("PASS", "1;32"),
            Verdict::Fail => self.paint("FAIL", "1;31"),
            Verdict::Error => self.paint("ERROR", "1;31"),
        };
        let what = match report.verdict {
            Verdict::Pass => "the gate passed".to_owned(),
            Verdict::Fail => format!(
                "the gate failed: {} blocking finding(s)",
                report.blocking_count()
            ),
            Verdict::Error => "a manifest could not be judged".to_owned(),
        };
        self.line(&format!("prr: {head}: {what}, {} warning(s)", s.warnings));
        if let Some(base) = &report.base {
            self.line(&format!("  {}", base.sentence()));
            if !base.missing.is_empty() {
                self.line(&format!(
                    "  not at {} (every failure is new): {}",
                    base.reference,
                    base.missing.join(", ")
                ));
            }
        }
        let blocking = report.blocking_by_manifest();
        let by_manifest = report.results_by_manifest();
        for service in &report.services {
            if service.verdict == Verdict::Error {
                let error = self.paint("error", "31");
                self.line(&format!(
                    "  {error} {}: could not be judged",
                    service.manifest
                ));
                continue;
            }
            let name = service.service.name.as_deref().unwrap_or("(unnamed)");
            let tier = service
                .service
                .tier
                .map_or_else(|| "no tier".to_owned(), |t| format!("tier {t}"));
            let lifecycle = service
                .service
                .lifecycle
                .as_deref()
                .unwrap_or("no lifecycle");
            self.line(&format!(
                "  {} {name} ({}, {tier}, {lifecycle}): {} blocking, {} warning(s)",
                match service.verdict {
                    Verdict::Pass => self.paint("pass", "32"),
                    Verdict::Fail => self.paint("fail", "31"),
                    Verdict::Error => self.paint("error", "31"),
                },
                service.manifest,
                blocking
                    .get(service.manifest.as_str())
                    .copied()
                    .unwrap_or(0),
                service.summary.warnings,
            ));
            let results = by_manifest
                .get(service.manifest.as_str())
                .map_or(&[][..], Vec::as_slice);
            if let Some(level) = report.level_sentence_of(service, results) {
                self.line(&format!("      {level}"));
            }
            for slo in &service.slos {
                if let (Some(target), Some(window), Some(minutes)) =
                    (slo.target, &slo.window, slo.budget_minutes)
                {
                    self.line(&format!(
                        "      error budget {}: {target}% over {window} allows {} minutes",
                        slo.name.as_deref().unwrap_or("slo"),
                        crate::manifest::format_number((minutes * 10.0).round() / 10.0),
                    ));
                }
                if let Some(live) = &slo.live {
                    self.line(&format!("        live: {}", super::inert(live.sentence())));
                    for note in &live.notes {
                        self.line(&format!("        note: {}", super::inert(note.clone())));
                    }
                } else if let Some(why) = slo.live_unavailable.as_deref().filter(|_| slo.measured())
                {
                    // As `prr budget` says it: no figures, and every reason.
                    self.line(&format!(
                        "        live: no figures: {}",
                        super::inert(why.to_owned())
                    ));
                }
            }
        }
    }

    fn file_id(&mut self, source: &SourceFile) -> usize {
        if let Some(id) = self.ids.get(&source.name) {
            return *id;
        }
        let id = self.files.add(source.name.clone(), source.text.clone());
        self.ids.insert(source.name.clone(), id);
        id
    }

    fn emit(&mut self, frame: &Frame<usize>) {
        self.text.push('\n');
        if self.color {
            let mut buffer = termcolor::Buffer::ansi();
            if term::emit_to_write_style(&mut buffer, &self.config, &self.files, frame).is_ok() {
                self.text
                    .push_str(&String::from_utf8_lossy(buffer.as_slice()));
            }
        } else if let Ok(text) = term::emit_into_string(&self.config, &self.files, frame) {
            self.text.push_str(&text);
        }
    }

    /// Findings in report order, with the remediation once per rule, under its last finding.
    /// Findings alike (one manifest, one rule, one key pattern such as
    /// `dependency[*].owner`) are shown [`super::SHOWN_ALIKE`] at a time and then counted, so a file
    /// of thousands of similar elements gives a report of a few lines, not thousands of frames.
    fn findings(
        &mut self,
        list: &[&ResultEntry],
        severity_of: impl Fn(&ResultEntry) -> FrameSeverity,
    ) {
        let mut alike = Alike::default();
        for (i, result) in list.iter().enumerate() {
            let next = list.get(i + 1);
            let last_of_rule = next.is_none_or(|next| next.rule != result.rule);
            let end_of_run = ends_run(result, next);
            if alike.count(result, end_of_run) {
                self.finding(result, severity_of(result), last_of_rule);
            }
            if end_of_run {
                for (pattern, hidden) in alike.hidden() {
                    self.line(&format!(
                        "  ... and {hidden} more like this: {} at `{pattern}` in {}",
                        result.rule, result.manifest
                    ));
                }
            }
        }
    }

    fn finding(&mut self, result: &ResultEntry, severity: FrameSeverity, with_fix: bool) {
        // An error that does not block is one `--fail-on new` lets through: say why.
        let tag = match result.change {
            Some(Change::New) => "[new] ",
            Some(Change::Existing)
                if result.severity == Severity::Error && severity != FrameSeverity::Error =>
            {
                "[existing] "
            }
            _ => "",
        };
        let message = format!("{tag}{}", result.message);
        let mut frame = Frame::new(severity)
            .with_code(result.rule.clone())
            .with_message(message);
        // The finding's own file: the manifest, or the file a fact came from (an import).
        let shown = result
            .location
            .as_ref()
            .map_or(&result.manifest, |l| &l.path);
        let source = self.sources.get(&**shown).cloned();
        match (&result.location, source) {
            (Some(location), Some(source)) => {
                let file = self.file_id(&source);
                let offset = offset_of(&source, location.line, location.column);
                let label = Label::primary(file, caret(&source, offset, offset + 1))
                    .with_message(result.title.clone());
                frame = frame.with_labels(vec![label]);
            }
            (Some(_), None) | (None, _) => {
                frame = frame.with_notes(vec![format!("in {}", place(result))]);
            }
        }
        if with_fix && !result.remediation.trim().is_empty() {
            let mut notes = frame.notes.clone();
            notes.push(format!("fix: {}", result.remediation.trim_end()));
            frame = frame.with_notes(notes);
        }
        self.emit(&frame);
    }

    fn finish(self) -> String {
        self.text
    }
}

/// The byte offset of a 1-based line and character column, from the file's cached line
/// starts: thousands of findings in one file cost a binary search each, not a rescan.
fn offset_of(source: &SourceFile, line: usize, column: usize) -> usize {
    source.offset(line, column)
}
