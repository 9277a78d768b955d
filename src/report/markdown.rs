//! `--format markdown`: the pull-request comment body (and the job summary). The verdict
//! first, in one line; the services with each SLO's error budget; a table of blocking
//! failures; then warnings, waivers, passed and skipped rules in collapsed sections.
//!
//! Two promises hold whatever the report holds. The text stays within a size limit
//! (a comment under GitHub's 65,536 characters): rows that do not fit are left out and
//! counted, and the text says where to find them all. And manifest values, which messages
//! quote, are made inert: they cannot open HTML, links or @-mentions, nor break a table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{ends_run, uri_path, Alike, Report, ResultEntry, ServiceReport, Verdict};
use crate::engine::Status;
use crate::manifest::format_number;

/// The most a pull-request comment may hold: GitHub refuses 65,536 characters or more.
pub const MAX_COMMENT_BYTES: usize = 65_535;

/// The most a job summary may hold: GitHub refuses a step summary over 1 MiB.
pub const MAX_STEP_SUMMARY_BYTES: usize = 1024 * 1024;

/// Room kept for the note on what was left out, and the footer.
const RESERVE: usize = 1024;

/// A cell quotes at most this many characters of one text (a message, a reason).
const MAX_CELL_CHARS: usize = 500;

/// Where a finding's line can be linked: a repository and the commit judged. The caller
/// reads them (in Actions, from `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and the commit);
/// the renderer reads no environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    /// `https://github.com`, or a GitHub Enterprise Server's address.
    pub server_url: String,
    /// `owner/name`.
    pub repository: String,
    /// The commit whose files the report judged.
    pub commit: String,
}

impl Links {
    /// Links when all three parts are known and not blank.
    #[must_use]
    pub fn new(server_url: &str, repository: &str, commit: &str) -> Option<Self> {
        let parts = [server_url, repository, commit].map(str::trim);
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        Some(Self {
            server_url: parts[0].trim_end_matches('/').to_owned(),
            repository: parts[1].to_owned(),
            commit: parts[2].to_owned(),
        })
    }

    /// The web address of one line of a file in the repository at the commit.
    #[must_use]
    pub fn line(&self, path: &str, line: usize) -> String {
        format!(
            "{}/{}/blob/{}/{}#L{line}",
            self.server_url,
            self.repository,
            self.commit,
            uri_path(path)
        )
    }
}

/// How to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Where lines can be linked; without it, places are shown as `path:line:column`.
    pub links: Option<Links>,
    /// The most bytes the text may hold (so as many characters, at most).
    pub max_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            links: None,
            max_bytes: MAX_COMMENT_BYTES,
        }
    }
}

/// The report as Markdown for a pull-request comment; the same report and options give the
/// same bytes.
///
/// Sections come in the order they matter, and that is also the order in which they keep
/// their rows when space runs out: the verdict, what could not be judged, the blocking
/// failures (grouped by service when there are several), how to fix them, the warnings,
/// then the services table (whose passing services collapse into one line before a
/// failing one is dropped), waivers, passed and skipped rules.
#[must_use]
pub fn render(report: &Report, options: &Options) -> String {
    let listed = report.listed();
    let report = &*listed;
    let blocking: Vec<&ResultEntry> = report.results.iter().filter(|r| report.blocks(r)).collect();
    let several = report.services.len() > 1;
    let mut out = headline(report, report.blocking_count());
    let warnings: Vec<&ResultEntry> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && !report.blocks(r))
        .collect();
    let names: Option<BTreeMap<&str, &ServiceReport>> = several.then(|| {
        report
            .services
            .iter()
            .map(|s| (s.manifest.as_str(), s))
            .collect()
    });
    let by_service = if several { "| Service " } else { "" };
    let under_service = if several { "| --- " } else { "" };
    let sections = vec![
        diagnostics(report),
        Heading::open("Blocking failures", "blocking failures").section(
            &format!("{by_service}| Rule | What is missing | Where |\n{under_service}| --- | --- | --- |\n"),
            finding_rows(&blocking, options, names.as_ref(), 3, |r| {
                format!("| {} | {}{} |", code(&r.rule), new_tag(r), cell(&r.message))
            }),
        ),
        remediations(&blocking),
        Heading::collapsed("Warnings", "warnings").section(
            &format!("{by_service}| Rule | Severity | Finding | Where |\n{under_service}| --- | --- | --- | --- |\n"),
            finding_rows(&warnings, options, names.as_ref(), 4, |r| {
                format!(
                    "| {} | {} | {}{} |",
                    code(&r.rule),
                    r.severity,
                    new_tag(r),
                    cell(&r.message)
                )
            }),
        ),
        services(report),
        waivers(report, options),
        outcomes(report, Status::Pass, several),
        outcomes(report, Status::Skipped, several),
    ];
    let footer = format!(
        "\n<sub>Judged by {} {} as of {}.</sub>\n",
        plain(&report.tool.name),
        plain(&report.tool.version),
        report.as_of
    );
    let limit = options.max_bytes.saturating_sub(RESERVE + footer.len());
    let mut left_out = Vec::new();
    let mut full = out.len() > limit;
    for section in sections {
        let missing = section.write_within(&mut out, limit, &mut full);
        if missing > 0 {
            left_out.push(format!("{missing} {}", section.label));
        }
    }
    let unlisted: usize = report.unlisted.iter().map(|u| u.count).sum();
    if unlisted > 0 {
        let _ = write!(
            out,
            "\n> [!NOTE]\n> {unlisted} more {} not listed: each format lists the first {} findings of one rule in one manifest and counts the rest (the JSON report's `unlisted`).\n",
            plural(unlisted, "finding is", "findings are"),
            super::MAX_LISTED
        );
    }
    if !left_out.is_empty() {
        let _ = write!(
            out,
            "\n> [!NOTE]\n> Left out to stay under {} characters: {}. Every result is in the JSON report (`prr check --format json`), and in the job summary up to its 1 MiB.\n",
            options.max_bytes + 1,
            left_out.join(", ")
        );
    }
    out.push_str(&footer);
    out
}

/// A line of a section, and how many things (findings, services) it stands for: a row of
/// findings alike stands for all it counts.
struct Row {
    text: String,
    stands_for: usize,
}

impl Row {
    fn one(text: String) -> Self {
        Self {
            text,
            stands_for: 1,
        }
    }
}

/// One part of the text: an opening, rows (which may be left out past the limit), a
/// closing. A section without rows is not written at all.
struct Section {
    label: &'static str,
    open: String,
    rows: Vec<Row>,
    close: String,
    /// Shorter rows that say the same, written instead when `rows` do not all fit.
    shorter: Option<Vec<Row>>,
}

impl Section {
    fn new(label: &'static str, open: String, rows: Vec<Row>, close: &str) -> Self {
        Self {
            label,
            open,
            rows,
            close: close.to_owned(),
            shorter: None,
        }
    }

    /// Appends the opening and as many rows as fit within `limit` (with the closing);
    /// once one row does not fit, no later row is written either. Returns how many things
    /// the rows left out stood for.
    fn write_within(&self, out: &mut String, limit: usize, full: &mut bool) -> usize {
        let all: usize = self.rows.iter().map(|r| r.text.len() + 1).sum();
        let rows = match &self.shorter {
            Some(shorter) if out.len() + self.open.len() + all + self.close.len() > limit => {
                shorter
            }
            _ => &self.rows,
        };
        let mut written = 0;
        let mut missing = 0;
        for row in rows {
            let open = if written == 0 { self.open.len() } else { 0 };
            if *full || out.len() + open + row.text.len() + 1 + self.close.len() > limit {
                *full = true;
                missing += row.stands_for;
                continue;
            }
            if written == 0 {
                out.push_str(&self.open);
            }
            out.push_str(&row.text);
            out.push('\n');
            written += 1;
        }
        if written > 0 {
            out.push_str(&self.close);
        }
        missing
    }
}

/// How a section opens: a heading, or a collapsed `<details>` for what matters less.
struct Heading {
    title: &'static str,
    label: &'static str,
    collapsed: bool,
}

impl Heading {
    fn open(title: &'static str, label: &'static str) -> Self {
        Self {
            title,
            label,
            collapsed: false,
        }
    }

    fn collapsed(title: &'static str, label: &'static str) -> Self {
        Self {
            title,
            label,
            collapsed: true,
        }
    }

    /// The section: this heading with the row count, then `header` (a table's head).
    fn section(&self, header: &str, rows: Vec<Row>) -> Section {
        let (title, n) = (self.title, rows.iter().map(|r| r.stands_for).sum::<usize>());
        if self.collapsed {
            Section::new(
                self.label,
                format!("\n<details><summary>{title} ({n})</summary>\n\n{header}"),
                rows,
                "\n</details>\n",
            )
        } else {
            Section::new(
                self.label,
                format!("\n### {title} ({n})\n\n{header}"),
                rows,
                "",
            )
        }
    }
}

/// New findings are marked in bold, so that a reviewer sees what this change broke.
fn new_tag(result: &ResultEntry) -> &'static str {
    if super::diff::tag(result).is_empty() {
        ""
    } else {
        "**new:** "
    }
}

fn headline(report: &Report, blocking: usize) -> String {
    let s = &report.summary;
    let verdict = match report.verdict {
        Verdict::Pass => "✅ Production readiness: the gate passed".to_owned(),
        Verdict::Fail => format!(
            "❌ Production readiness: the gate failed with {blocking} blocking {}",
            plural(blocking, "finding", "findings")
        ),
        Verdict::Error => "⚠️ Production readiness: a manifest could not be judged".to_owned(),
    };
    let change = report
        .base
        .as_ref()
        .map(|base| {
            let mut text = format!("\n{}.\n", capitalise(&plain(&base.sentence())));
            if !base.fixed_results.is_empty() {
                let fixed: Vec<String> = base.fixed_results.iter().map(|r| code(&r.rule)).collect();
                let _ = writeln!(text, "Fixed: {}.", fixed.join(", "));
            }
            text
        })
        .unwrap_or_default();
    // With several services, how they fare in one line: it stays when the table cannot.
    let fleet = if report.services.len() > 1 {
        let count = |v: Verdict| report.services.iter().filter(|s| s.verdict == v).count();
        format!(
            "\n{} services: {} pass, {} fail, {} could not be judged.\n",
            report.services.len(),
            count(Verdict::Pass),
            count(Verdict::Fail),
            count(Verdict::Error)
        )
    } else {
        String::new()
    };
    format!(
        "## {verdict}\n{change}{fleet}\n{} failed, {} {}, {} passed, {} waived, {} skipped, as of {}.\n",
        s.failed,
        s.warnings,
        plural(s.warnings, "warning", "warnings"),
        s.passed,
        s.waived,
        s.skipped,
        report.as_of,
    )
}

/// The services table: one row each, with each SLO's error budget. When the rows do not all
/// fit, the passing services become one line ("412 services pass") and the others keep
/// their rows.
fn services(report: &Report) -> Section {
    let by_manifest = report.results_by_manifest();
    let with_levels = !report.levels.is_empty();
    let row = |service: &ServiceReport| {
        let results = by_manifest
            .get(service.manifest.as_str())
            .map_or(&[][..], Vec::as_slice);
        let blocking = results.iter().filter(|r| report.blocks(r)).count();
        let warnings = results
            .iter()
            .filter(|r| r.status == Status::Fail && !report.blocks(r))
            .count();
        let level = if with_levels {
            format!(
                " {} |",
                cell(
                    &report
                        .level_sentence_of(service, results)
                        .unwrap_or_default()
                )
            )
        } else {
            String::new()
        };
        Row::one(format!(
            "| {} | {} | {} | {blocking} | {warnings} |{level} {} |",
            service_cell(service),
            code(&service.manifest),
            match service.verdict {
                Verdict::Pass => "✅ pass",
                Verdict::Fail => "❌ fail",
                Verdict::Error => "⚠️ error",
            },
            budgets(service),
        ))
    };
    let rows = report.services.iter().map(row).collect();
    let passing = report
        .services
        .iter()
        .filter(|s| s.verdict == Verdict::Pass)
        .count();
    let mut shorter = Vec::new();
    if passing > 0 {
        let empty = if with_levels { " |" } else { "" };
        shorter.push(Row {
            text: format!(
                "| **{passing} {} pass** | | ✅ pass | 0 | | {empty} |",
                plural(passing, "service", "services")
            ),
            stands_for: passing,
        });
    }
    shorter.extend(
        report
            .services
            .iter()
            .filter(|s| s.verdict != Verdict::Pass)
            .map(row),
    );
    let header = if with_levels {
        "| Service | Manifest | Verdict | Blocking | Warnings | Level | Error budget |\n| --- | --- | --- | ---: | ---: | --- | --- |\n"
    } else {
        "| Service | Manifest | Verdict | Blocking | Warnings | Error budget |\n| --- | --- | --- | ---: | ---: | --- |\n"
    };
    let mut section = Heading::open("Services", "services").section(header, rows);
    section.shorter = Some(shorter);
    section
}

/// A service's name in bold, as a cell names it.
fn service_name(service: &ServiceReport) -> String {
    let name = service
        .service
        .name
        .as_deref()
        .map_or_else(|| "(unnamed)".to_owned(), plain);
    format!("**{name}**")
}

fn service_cell(service: &ServiceReport) -> String {
    let info = &service.service;
    let name = service_name(service);
    let tier = info
        .tier
        .map_or_else(|| "no tier".to_owned(), |t| format!("tier {t}"));
    let lifecycle = info
        .lifecycle
        .as_deref()
        .map_or_else(|| "no lifecycle".to_owned(), plain);
    format!("{name}<br>{tier}, {lifecycle}")
}

/// Each SLO's error budget: the minutes of failure its target allows per window.
fn budgets(service: &ServiceReport) -> String {
    let lines: Vec<String> = service
        .slos
        .iter()
        .filter_map(|slo| {
            let (target, window, minutes) =
                (slo.target?, slo.window.as_deref()?, slo.budget_minutes?);
            let mut line = format!(
                "{}: {}% over {} allows {} min",
                plain(slo.name.as_deref().unwrap_or("slo")),
                format_number(target),
                plain(window),
                format_number((minutes * 10.0).round() / 10.0),
            );
            if let Some(live) = &slo.live {
                line.push_str("<br>");
                line.push_str(&budget_bar(live));
            } else if let Some(why) = slo.live_unavailable.as_deref().filter(|_| slo.measured()) {
                // As `prr budget` and the terminal say it: no figures, and every reason.
                line.push_str("<br>no live figures: ");
                line.push_str(&plain(why));
            }
            Some(line)
        })
        .collect();
    if lines.is_empty() {
        "none declared".to_owned()
    } else {
        lines.join("<br>")
    }
}

/// The live budget as a bar of ten cells (what is left filled), with the figures beside
/// it: "`▓▓▓▓▓▓░░░░` 62% left, 12.5 of 20.2 min; burn 0.4x (1 h), 0.6x (6 h)". Text, so it
/// renders the same in a comment, a job summary and a terminal.
fn budget_bar(live: &crate::facts::budget::LiveBudget) -> String {
    let left = live.remaining.clamp(0.0, 1.0);
    // To the nearest tenth: live counts are estimates (`increase()` extrapolates), and a
    // budget 79.99% left reads as the eight tenths it is. `left` is within 0..=1.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let filled = (left * 10.0).round() as usize;
    let bar: String = "▓".repeat(filled) + &"░".repeat(10 - filled);
    let round = |x: f64| format_number((x * 10.0).round() / 10.0);
    let burn = |rate: Option<f64>, unmeasured: Option<&String>, over: &str| match (rate, unmeasured)
    {
        (Some(r), _) => format!("{}x ({over})", round(r)),
        (None, Some(why)) => format!("not measured ({over}: {})", plain(why)),
        (None, None) => format!("no traffic ({over})"),
    };
    // A budget is spent at zero, whatever the bar's rounding shows.
    let bar = if live.remaining <= 0.0 {
        "░".repeat(10)
    } else {
        bar
    };
    let state = if live.remaining <= 0.0 {
        format!("spent ({}% consumed)", round(live.consumed * 100.0))
    } else {
        format!("{}% left", round(live.remaining * 100.0))
    };
    let mut text = format!(
        "`{bar}` {state}, {} of {} min; burn {}, {}",
        round(live.remaining_minutes),
        round(live.budget_minutes),
        burn(live.burn_rate_1h, live.burn_1h_unmeasured.as_ref(), "1 h"),
        burn(live.burn_rate_6h, live.burn_6h_unmeasured.as_ref(), "6 h"),
    );
    // No traffic, or data younger than the window: the bar alone would mislead.
    for note in &live.notes {
        text.push_str("; ");
        text.push_str(&plain(note));
    }
    text
}

fn diagnostics(report: &Report) -> Section {
    let rows = report
        .diagnostics
        .iter()
        .map(|d| {
            let place = match (d.line, d.column) {
                (Some(line), Some(column)) => format!("{}:{line}:{column}", d.file),
                _ => d.file.clone(),
            };
            let help = d
                .help
                .as_deref()
                .map(|h| format!("<br>{}", cell(h)))
                .unwrap_or_default();
            Row::one(format!("| {} | {}{help} |", code(&place), cell(&d.message)))
        })
        .collect();
    Heading::open(
        "Could not judge",
        "problems that stopped a manifest from being judged",
    )
    .section("| Where | Problem |\n| --- | --- |\n", rows)
}

/// Table rows of findings, each ending with where the finding is.
fn rows(
    results: &[&ResultEntry],
    options: &Options,
    row: impl Fn(&ResultEntry) -> String,
) -> Vec<Row> {
    results
        .iter()
        .map(|r| Row::one(format!("{} {} |", row(r), place(r, options.links.as_ref()))))
        .collect()
}

/// Table rows of failures, as [`rows`], with findings alike (one manifest, one rule, one
/// key pattern) shown a few at a time and then counted in one row of `columns` cells, so
/// that thousands of similar elements give a few rows, not a comment full of one rule.
/// With `services` (several in the report), a first column names the service at the first
/// row of each.
fn finding_rows<'a>(
    results: &[&'a ResultEntry],
    options: &Options,
    services: Option<&BTreeMap<&str, &ServiceReport>>,
    columns: usize,
    row: impl Fn(&ResultEntry) -> String,
) -> Vec<Row> {
    let mut alike = Alike::default();
    let mut out = Vec::new();
    let mut previous: Option<&'a str> = None;
    for (i, &result) in results.iter().enumerate() {
        let lead = |previous: &mut Option<&'a str>| match services {
            None => String::new(),
            Some(_) if *previous == Some(&*result.manifest) => "| ".to_owned(),
            Some(services) => {
                *previous = Some(&result.manifest);
                services.get(&*result.manifest).map_or_else(
                    || format!("| {} ", code(&result.manifest)),
                    |s| format!("| {} ", service_name(s)),
                )
            }
        };
        if alike.count(result, false) {
            out.push(Row::one(format!(
                "{}{} {} |",
                lead(&mut previous),
                row(result),
                place(result, options.links.as_ref())
            )));
        }
        if ends_run(result, results.get(i + 1)) {
            for (pattern, hidden) in alike.hidden() {
                out.push(Row {
                    text: format!(
                        "{}| {} |{} … and {hidden} more like this at {} | {} |",
                        lead(&mut previous),
                        code(&result.rule),
                        " |".repeat(columns.saturating_sub(3)),
                        code(&pattern),
                        code(&result.manifest)
                    ),
                    stands_for: hidden,
                });
            }
        }
    }
    out
}

/// How to fix each rule with a blocking failure, once per rule, in fenced blocks (the
/// remediation holds TOML examples; a fence keeps whatever it says from being markup).
fn remediations(blocking: &[&ResultEntry]) -> Section {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let rows = blocking
        .iter()
        .filter(|r| !r.remediation.trim().is_empty() && seen.insert(&r.rule))
        .map(|r| {
            let fence = "`".repeat(longest_run(&r.remediation, '`').max(2) + 1);
            Row::one(format!(
                "{}\n\n{fence}text\n{}\n{fence}",
                code(&r.rule),
                r.remediation.trim_end()
            ))
        })
        .collect::<Vec<_>>();
    Heading::collapsed("How to fix", "remediations").section("", rows)
}

fn waivers(report: &Report, options: &Options) -> Section {
    let waived: Vec<&ResultEntry> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Waived)
        .collect();
    Heading::collapsed("Waivers", "waived findings").section(
        "| Rule | Finding | Reason | Expires | Ticket | Where |\n| --- | --- | --- | --- | --- | --- |\n",
        rows(&waived, options, |r| {
            let (reason, expires, ticket) = r.waiver.as_ref().map_or_else(
                || (String::new(), String::new(), String::new()),
                |w| (cell(&w.reason), cell(&w.expires), cell(&w.ticket)),
            );
            format!(
                "| {} | {} | {reason} | {expires} | {ticket} |",
                code(&r.rule),
                cell(&r.message)
            )
        }),
    )
}

/// Passed or skipped rules: one row each, with what held or why the rule did not apply.
fn outcomes(report: &Report, status: Status, several: bool) -> Section {
    let (heading, what) = match status {
        Status::Skipped => (Heading::collapsed("Skipped", "skipped rules"), "Why"),
        _ => (Heading::collapsed("Passed", "passed rules"), "Result"),
    };
    let rows = report
        .results
        .iter()
        .filter(|r| r.status == status)
        .map(|r| {
            let manifest = if several {
                format!(" {} |", code(&r.manifest))
            } else {
                String::new()
            };
            Row::one(format!(
                "| {} |{manifest} {} |",
                code(&r.rule),
                cell(&r.message)
            ))
        })
        .collect();
    let header = if several {
        format!("| Rule | Manifest | {what} |\n| --- | --- | --- |\n")
    } else {
        format!("| Rule | {what} |\n| --- | --- |\n")
    };
    heading.section(&header, rows)
}

/// Where a finding is: a link to the line when the repository is known.
fn place(result: &ResultEntry, links: Option<&Links>) -> String {
    match (&result.location, links) {
        (Some(l), Some(links)) => format!(
            "[{}]({})",
            plain(&format!("{}:{}", l.path, l.line)),
            links.line(&l.path, l.line)
        ),
        (Some(l), None) => code(&format!("{}:{}:{}", l.path, l.line, l.column)),
        (None, _) => code(&result.manifest),
    }
}

/// A name as inline code in a table cell, or escaped text when it holds a backtick.
pub(crate) fn code(text: &str) -> String {
    if text.contains('`') || text.trim().is_empty() {
        plain(text)
    } else {
        format!("`{}`", code_content(text))
    }
}

/// User text for a table cell. Messages mark keys and values with backticks: paired
/// backticks stay code spans (inert by nature), the rest is escaped as plain text.
pub(crate) fn cell(text: &str) -> String {
    let text = shorten(text);
    let parts: Vec<&str> = text.split('`').collect();
    // With an odd number of backticks the last one pairs with nothing: it stays literal.
    let unpaired = if parts.len() % 2 == 0 {
        parts.len() - 1
    } else {
        parts.len()
    };
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && i < unpaired {
            if part.trim().is_empty() {
                let _ = write!(out, "\\`{}\\`", plain(part));
            } else {
                let _ = write!(out, "`{}`", code_content(part));
            }
        } else {
            if i == unpaired {
                out.push_str("\\`");
            }
            out.push_str(&plain(part));
        }
    }
    out
}

/// The inside of a code span in a table cell: a pipe would still end the cell unless
/// escaped, and a line break would end the row.
fn code_content(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => "\\|".to_owned(),
            c if c.is_control() => " ".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// Text made inert, by the one Markdown escaping path ([`super::escape::markdown`]).
fn plain(text: &str) -> String {
    super::escape::markdown(text)
}

/// At most [`MAX_CELL_CHARS`] characters, with an ellipsis when cut.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

fn longest_run(text: &str, of: char) -> usize {
    text.split(|c| c != of).map(str::len).max().unwrap_or(0)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_code_spans_and_escape_the_rest() {
        assert_eq!(
            cell("`a|b` is \"<script>\" | [x](y) @team"),
            "`a\\|b` is \"\\<script\\>\" \\| \\[x\\](y) @&#8203;team"
        );
        assert_eq!(cell("one ` unpaired"), "one \\` unpaired");
        assert_eq!(cell("`a` and `b` then `c"), "`a` and `b` then \\`c");
        assert_eq!(cell("line\nbreak\r|"), "line break \\|");
        assert_eq!(cell("empty `` span"), "empty \\`\\` span");
    }

    #[test]
    fn long_text_is_shortened() {
        let text = "x".repeat(MAX_CELL_CHARS + 10);
        let shown = cell(&text);
        assert_eq!(shown.chars().count(), MAX_CELL_CHARS + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn links_need_all_three_parts_and_encode_the_path() {
        assert_eq!(Links::new("https://github.com", "", "abc"), None);
        let links = Links::new("https://ghe.acme.dev/", "acme/api", "abc").expect("links");
        assert_eq!(
            links.line("svc a/prr (1).toml", 7),
            "https://ghe.acme.dev/acme/api/blob/abc/svc%20a/prr%20%281%29.toml#L7"
        );
    }

    #[test]
    fn fences_outrun_the_backticks_they_hold() {
        assert_eq!(longest_run("a ```` b `` c", '`'), 4);
        assert_eq!(longest_run("none", '`'), 0);
    }
}
