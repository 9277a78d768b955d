//! The fleet report for people and spreadsheets: Markdown (an issue or a discussion),
//! one self-contained HTML file (no external assets; tables sorted by a small script of
//! our own; the graph as inline SVG), CSV, and the calendar as iCalendar. Renderers never
//! judge: everything they show is in the [`FleetReport`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::graph::Edge;
use super::{calendar, CategoryState, FleetReport, RowStatus, ServiceRow};
use crate::report::markdown::{cell, code};
use crate::report::Verdict;

/// Services listed in the Markdown (an issue comment holds at most 65,536 characters);
/// the HTML, CSV and JSON list them all.
const MARKDOWN_SERVICES: usize = 25;
/// Repositories without a manifest named in the Markdown.
const MARKDOWN_BARE: usize = 100;
/// Reviews listed in the Markdown calendar.
const MARKDOWN_REVIEWS: usize = 30;
/// The most depended-on services whose edges are drawn.
const DRAWN_PROVIDERS: usize = 25;
/// The most edges drawn (a graph of thousands of edges is unreadable, and Mermaid in a
/// comment has to fit in it).
const DRAWN_EDGES: usize = 100;
/// Findings of each kind (single points of failure, SLO chains) listed in the Markdown.
const MARKDOWN_FINDINGS: usize = 20;

fn categories(report: &FleetReport) -> Vec<&str> {
    report
        .categories
        .iter()
        .map(|c| c.category.as_str())
        .collect()
}

fn state_mark(state: Option<&CategoryState>) -> &'static str {
    match state {
        Some(CategoryState::Pass) => "pass",
        Some(CategoryState::Warn) => "warn",
        Some(CategoryState::Fail) => "fail",
        None => "-",
    }
}

fn verdict_text(row: &ServiceRow) -> &'static str {
    match (row.status, row.verdict) {
        (RowStatus::NoManifest, _) => "no manifest",
        (RowStatus::Error, _) | (_, Some(Verdict::Error) | None) => "error",
        (_, Some(Verdict::Pass)) => "pass",
        (_, Some(Verdict::Fail)) => "fail",
    }
}

fn headline(report: &FleetReport) -> String {
    let s = &report.summary;
    let mut line = format!(
        "{} services: {} pass, {} fail, {} could not be judged, {} without a manifest (as of {})",
        s.services, s.passing, s.failing, s.errors, s.no_manifest, report.as_of
    );
    if let Some(shard) = report.shard {
        let _ = write!(line, "; shard {}/{}", shard.index, shard.count);
    }
    line
}

/// The rows of services: every row but a repository's without a manifest.
fn service_rows(report: &FleetReport) -> impl Iterator<Item = &ServiceRow> {
    report
        .services
        .iter()
        .filter(|r| r.status != RowStatus::NoManifest)
}

/// The repositories without a manifest, by source.
fn without_manifest(report: &FleetReport) -> Vec<&str> {
    report
        .services
        .iter()
        .filter(|r| r.status == RowStatus::NoManifest)
        .map(|r| r.source.as_str())
        .collect()
}

/// Failing services first, most blocking findings first; then those that could not be
/// judged; then the passing ones; by name within each.
fn rows_by_need(report: &FleetReport) -> Vec<&ServiceRow> {
    let mut rows: Vec<&ServiceRow> = service_rows(report).collect();
    rows.sort_by_key(|r| {
        let rank = match verdict_text(r) {
            "fail" => 0,
            "error" => 1,
            _ => 2,
        };
        (rank, std::cmp::Reverse(r.blocking))
    });
    rows
}

/// How many judged services reached each level, "none" last; empty without levels.
fn level_counts(report: &FleetReport) -> Vec<(String, usize)> {
    if report.levels.is_empty() {
        return Vec::new();
    }
    let judged: Vec<&ServiceRow> = service_rows(report)
        .filter(|r| r.status == RowStatus::Judged)
        .collect();
    report
        .levels
        .iter()
        .map(|level| {
            let n = judged
                .iter()
                .filter(|r| r.level.as_deref() == Some(level.as_str()))
                .count();
            (level.clone(), n)
        })
        .chain([(
            "none".to_owned(),
            judged.iter().filter(|r| r.level.is_none()).count(),
        )])
        .collect()
}

/// The summary that opens the report, one sentence each, the same in every format.
fn summary_lines(report: &FleetReport) -> Vec<String> {
    let mut lines = Vec::new();
    let counts = level_counts(report);
    if !counts.is_empty() {
        let parts: Vec<String> = counts.iter().map(|(l, n)| format!("{l} {n}")).collect();
        lines.push(format!("Levels reached: {}.", parts.join(", ")));
    }
    let failing: Vec<&ServiceRow> = service_rows(report)
        .filter(|r| verdict_text(r) == "fail")
        .collect();
    let blocking: usize = failing.iter().map(|r| r.blocking).sum();
    if failing.is_empty() {
        lines.push("No service fails the gate.".to_owned());
    } else {
        let mut worst: Vec<&&ServiceRow> = failing.iter().collect();
        worst.sort_by_key(|r| std::cmp::Reverse(r.blocking));
        let names: Vec<String> = worst
            .iter()
            .take(5)
            .map(|r| format!("{} ({})", r.label(), r.blocking))
            .collect();
        lines.push(format!(
            "{} failing with {}; most: {}.",
            plural(failing.len(), "service", "services"),
            plural(blocking, "blocking finding", "blocking findings"),
            names.join(", ")
        ));
    }
    let errors = service_rows(report)
        .filter(|r| verdict_text(r) == "error")
        .count();
    if errors > 0 {
        lines.push(format!(
            "{} could not be judged: the reason is on its row.",
            plural(errors, "service", "services")
        ));
    }
    lines
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the next level needs, in words: `gold: rule, rule`; the highest says so.
fn next_level_text(report: &FleetReport, row: &ServiceRow) -> String {
    if report.levels.is_empty() || row.status != RowStatus::Judged {
        return String::new();
    }
    match &row.next_level {
        Some(next) => format!("{}: {}", next.level, next.needs.join(", ")),
        None => "highest level reached".to_owned(),
    }
}

/// Why a row is not green: the reason it could not be judged, or its blocking rules.
fn reason_text(row: &ServiceRow) -> String {
    match verdict_text(row) {
        "error" => format!(
            "could not be judged: {}",
            row.message.as_deref().unwrap_or("no reason recorded")
        ),
        "fail" if !row.blocking_rules.is_empty() => {
            format!("blocked by {}", row.blocking_rules.join(", "))
        }
        _ => String::new(),
    }
}

const SERVICE_HEADER: [&str; 9] = [
    "Service",
    "Team",
    "Tier",
    "Verdict",
    "Level",
    "Next level needs",
    "Blocking",
    "Why not green",
    "Overdue reviews",
];

const NO_DEPENDENCY: &str = "No dependency between judged services.";

/// What the graph found about single points of failure, when there are none.
fn no_spof(report: &FleetReport) -> String {
    format!(
        "No single point of failure (a critical dependency of {} or more tier-1/2 services with no fallback).",
        report.graph.spof_threshold
    )
}

const CALENDAR_LEAD: &str =
    "Overdue, due within 30 days, or dated in the future (a typo prr check fails).";

/// A name as a Mermaid node label: quotes and brackets would end it.
fn mermaid_label(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '[' | ']' | '(' | ')' | '{' | '}' | '<' | '>' | '|' | '`' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The graph as Mermaid: the edges into the most depended-on services, single points of
/// failure outlined.
#[must_use]
pub fn mermaid(report: &FleetReport) -> Option<String> {
    let edges: Vec<&Edge> = report
        .graph
        .drawn(DRAWN_PROVIDERS)
        .into_iter()
        .take(DRAWN_EDGES)
        .collect();
    if edges.is_empty() {
        return None;
    }
    let nodes = node_ids(&edges);
    let mut out = String::from("```mermaid\ngraph LR\n");
    for (name, id) in &nodes {
        let _ = writeln!(out, "  {id}[\"{}\"]", mermaid_label(name));
    }
    for edge in &edges {
        let arrow = if edge.critical && !edge.fallback {
            "==>"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  {} {arrow} {}",
            nodes[edge.from.as_str()],
            nodes[edge.to.as_str()]
        );
    }
    for spof in &report.graph.spofs {
        if let Some(id) = nodes.get(spof.service.as_str()) {
            let _ = writeln!(out, "  style {id} stroke:#d00,stroke-width:3px");
        }
    }
    out.push_str("```\n");
    Some(out)
}

fn node_ids<'a>(edges: &[&'a Edge]) -> std::collections::BTreeMap<&'a str, String> {
    let names: BTreeSet<&str> = edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, format!("s{i}")))
        .collect()
}

/// The fleet report as Markdown: the summary, the services by need, then the roll-ups.
#[must_use]
pub fn markdown(report: &FleetReport) -> String {
    let mut out = format!("## Fleet readiness\n\n{}\n", headline(report));
    out.push_str("\n### Summary\n\n");
    for line in summary_lines(report) {
        let _ = writeln!(out, "- {}", cell(&line));
    }
    let _ = write!(
        out,
        "\n### Services\n\nFailing services first, most blocking findings first.\n\n| {} |\n|",
        SERVICE_HEADER.join(" | ")
    );
    out.push_str(" --- | --- | ---: | --- | --- | --- | ---: | --- | --- |\n");
    let rows = rows_by_need(report);
    for row in rows.iter().take(MARKDOWN_SERVICES) {
        let level = match row.level.as_deref() {
            Some(level) => format!("**{}**", cell(level)),
            None if report.levels.is_empty() || row.status != RowStatus::Judged => String::new(),
            None => "none".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            code(row.label()),
            cell(row.team_name()),
            row.tier.map_or_else(String::new, |t| t.to_string()),
            verdict_text(row),
            level,
            cell(&next_level_text(report, row)),
            row.blocking,
            cell(&reason_text(row)),
            cell(&row.overdue_reviews.join(", "))
        );
    }
    if rows.len() > MARKDOWN_SERVICES {
        let _ = writeln!(
            out,
            "\n{} more services in the HTML report (failing ones are listed first).",
            rows.len() - MARKDOWN_SERVICES
        );
    }
    let levels = &report.levels;
    out.push_str("\n### Teams\n\n| Team | Services | Level |");
    for level in levels {
        let _ = write!(out, " {} |", cell(level));
    }
    out.push_str(" none | Failing | Blocking | Overdue reviews |\n| --- | ---: | --- |");
    out.push_str(&" ---: |".repeat(levels.len() + 4));
    out.push('\n');
    for team in &report.teams {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            cell(&team.team),
            team.services,
            team.level.as_deref().unwrap_or("none")
        );
        for level in levels.iter().map(String::as_str).chain(["none"]) {
            let _ = write!(out, " {} |", team.levels.get(level).copied().unwrap_or(0));
        }
        let _ = writeln!(
            out,
            " {} | {} | {} |",
            team.failing, team.blocking, team.overdue_reviews
        );
    }
    let _ = write!(out, "\n### Review calendar\n\n{CALENDAR_LEAD}\n\n| Due | State | Team | Service | Review | Last held |\n| --- | --- | --- | --- | --- | --- |\n");
    for due in report.calendar.iter().take(MARKDOWN_REVIEWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            due.due,
            cell(&due.state()),
            cell(&due.team),
            cell(&due.service),
            calendar::title(&due.review),
            cell(due.last.as_deref().unwrap_or("never"))
        );
    }
    if report.calendar.len() > MARKDOWN_REVIEWS {
        let _ = writeln!(
            out,
            "\n{} more in the HTML report and the calendar file.",
            report.calendar.len() - MARKDOWN_REVIEWS
        );
    }
    let graph = &report.graph;
    out.push_str("\n### Dependencies across services\n\n");
    if graph.drawn(DRAWN_PROVIDERS).is_empty() {
        let _ = writeln!(out, "{NO_DEPENDENCY}");
    }
    if graph.spofs.is_empty() {
        let _ = writeln!(out, "{}", no_spof(report));
    } else {
        out.push_str("Single points of failure:\n\n");
        for spof in &graph.spofs {
            let _ = writeln!(
                out,
                "- {} (owned by {})",
                cell(&spof.message),
                cell(&spof.team)
            );
        }
    }
    if !graph.slo_chains.is_empty() {
        out.push_str("\nSLO chains (assumed, never promised):\n\n");
        for chain in graph.slo_chains.iter().take(MARKDOWN_FINDINGS) {
            let _ = writeln!(out, "- {}", cell(&chain.message));
        }
        more(&mut out, graph.slo_chains.len());
    }
    if let Some(diagram) = mermaid(report) {
        out.push('\n');
        out.push_str(&diagram);
    }
    if let Some(preview) = &report.preview {
        let _ = writeln!(
            out,
            "\n### Rollout preview\n\n{} services that pass today would fail with the candidate pack.",
            preview.services_blocked
        );
        for rule in &preview.rules {
            let _ = writeln!(
                out,
                "\n#### {}: blocks from {}\n\nWould fail: {}; already covered by a waiver: {}.\n",
                code(&rule.rule),
                rule.from,
                rule.failing,
                rule.waived
            );
            for team in &rule.teams {
                let names: Vec<String> = team.services.iter().map(|s| code(s)).collect();
                let _ = writeln!(out, "- {}: {}", cell(&team.team), names.join(", "));
            }
        }
    }
    if let Some(trend) = &report.trend {
        out.push_str("\n### Trend\n\n| Team | Level then | Level now | Failing then | Failing now | Blocking then | Blocking now |\n| --- | --- | --- | ---: | ---: | ---: | ---: |\n");
        for t in trend {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&t.team),
                t.level_then.as_deref().unwrap_or("none"),
                t.level_now.as_deref().unwrap_or("none"),
                t.failing_then,
                t.failing_now,
                t.blocking_then,
                t.blocking_now
            );
        }
    }
    out.push_str(
        "\n### Categories\n\n| Category | Pass | Warn | Fail |\n| --- | ---: | ---: | ---: |\n",
    );
    for c in &report.categories {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&c.category),
            c.pass,
            c.warn,
            c.fail
        );
    }
    let bare = without_manifest(report);
    if !bare.is_empty() {
        let names: Vec<String> = bare.iter().take(MARKDOWN_BARE).map(|s| code(s)).collect();
        let _ = write!(
            out,
            "\n### Without a manifest\n\n{} repositories have no prr.toml or prr.json: {}",
            bare.len(),
            names.join(", ")
        );
        if bare.len() > MARKDOWN_BARE {
            let _ = write!(
                out,
                ", and {} more in the HTML, CSV and JSON reports",
                bare.len() - MARKDOWN_BARE
            );
        }
        out.push_str(".\n");
    }
    out
}

/// Says how many findings the Markdown left out.
fn more(out: &mut String, total: usize) {
    if total > MARKDOWN_FINDINGS {
        let _ = writeln!(
            out,
            "- and {} more in the HTML and JSON reports",
            total - MARKDOWN_FINDINGS
        );
    }
}

/// The scorecard as CSV: one row per service, one column per category.
///
/// # Errors
/// Never in practice: the writer writes to memory.
pub fn csv(report: &FleetReport) -> Result<String, csv::Error> {
    let cats = categories(report);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "service",
        "source",
        "team",
        "tier",
        "lifecycle",
        "verdict",
        "level",
        "blocking",
        "warnings",
        "overdue_reviews",
        "blocking_rules",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(cats.iter().map(|c| format!("category:{c}")));
    writer.write_record(&header)?;
    for row in &report.services {
        let mut record = vec![
            spreadsheet_safe(row.name.as_deref().unwrap_or("")),
            spreadsheet_safe(&row.source),
            spreadsheet_safe(row.team.as_deref().unwrap_or("")),
            row.tier.map_or_else(String::new, |t| t.to_string()),
            spreadsheet_safe(row.lifecycle.as_deref().unwrap_or("")),
            verdict_text(row).to_owned(),
            row.level.clone().unwrap_or_default(),
            row.blocking.to_string(),
            row.warnings.to_string(),
            row.overdue_reviews.join(" "),
            row.blocking_rules.join(" "),
        ];
        record.extend(
            cats.iter()
                .map(|c| state_mark(row.categories.get(*c)).to_owned()),
        );
        writer.write_record(&record)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-` first, or a tab or carriage
/// return) is prefixed with `'`, as OWASP advises for CSV files opened in spreadsheets.
fn spreadsheet_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
td{overflow-wrap:break-word;max-width:24em}#summary{font-size:15px}#summary li{margin:.2em 0}\
.badge{display:inline-block;white-space:nowrap;padding:0 .6em;border-radius:1em;font-size:12px;font-weight:600;background:#e4e4e4;color:#333}\
.badge.level-1{background:#e8d3b0;color:#5a3b00}.badge.level-2{background:#dfe3e8;color:#333}.badge.level-3{background:#f5e08a;color:#5a4800}\
th{background:#f0f0f0;cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:' \\25B2'}\
th[aria-sort=descending]::after{content:' \\25BC'}.pass{color:#070}.fail{color:#b00;font-weight:bold}\
.warn{color:#a60}svg text{font:11px sans-serif}";

/// Sorts a table by the clicked column (numbers as numbers), ascending then descending.
const SCRIPT: &str = r"document.querySelectorAll('table.sortable th').forEach(function(th,col){
th.addEventListener('click',function(){
var table=th.closest('table'),body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var asc=th.getAttribute('aria-sort')!=='ascending';
table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
rows.sort(function(a,b){var x=a.cells[col].textContent,y=b.cells[col].textContent;
var nx=parseFloat(x),ny=parseFloat(y);
var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
rows.forEach(function(r){body.appendChild(r);});});});";

/// A sortable table inside a box that scrolls sideways, so that a wide table never
/// widens the page. A cell is `(text, class)`; a class starting with `badge` wraps the
/// text in a badge instead of classing the cell.
fn html_table(out: &mut String, id: &str, header: &[String], rows: &[Vec<(String, &str)>]) {
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"sortable\" id=\"{}\"><thead><tr>",
        attr(id)
    );
    for h in header {
        let _ = write!(out, "<th>{}</th>", text(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (value, class) in row {
            if class.starts_with("badge") {
                let _ = write!(
                    out,
                    "<td><span class=\"{class}\">{}</span></td>",
                    text(value)
                );
            } else if class.is_empty() {
                let _ = write!(out, "<td>{}</td>", text(value));
            } else {
                let _ = write!(out, "<td class=\"{class}\">{}</td>", text(value));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn plain(value: impl ToString) -> (String, &'static str) {
    (value.to_string(), "")
}

/// The graph as inline SVG: consumers on the left, the most depended-on providers on the
/// right, an edge for each dependency; single points of failure in red.
#[must_use]
pub fn svg(report: &FleetReport) -> String {
    let edges: Vec<&Edge> = report
        .graph
        .drawn(DRAWN_PROVIDERS)
        .into_iter()
        .take(DRAWN_EDGES)
        .collect();
    if edges.is_empty() {
        return format!("<p>{NO_DEPENDENCY}</p>\n");
    }
    let providers: Vec<&str> = report
        .graph
        .fan_in
        .iter()
        .take(DRAWN_PROVIDERS)
        .map(|f| f.service.as_str())
        .collect();
    let consumers: Vec<&str> = edges
        .iter()
        .map(|e| e.from.as_str())
        .filter(|c| !providers.contains(c))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let row_height = 18;
    let height = (consumers.len().max(providers.len()) + 1) * row_height;
    let y = |i: usize| (i + 1) * row_height;
    let spof: BTreeSet<&str> = report
        .graph
        .spofs
        .iter()
        .map(|s| s.service.as_str())
        .collect();
    let place = |name: &str| {
        providers
            .iter()
            .position(|p| *p == name)
            .map(|i| (560, y(i)))
            .or_else(|| {
                consumers
                    .iter()
                    .position(|c| *c == name)
                    .map(|i| (240, y(i)))
            })
    };
    let mut out = format!(
        "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"{height}\" role=\"img\" aria-label=\"dependency graph\">\n"
    );
    for edge in &edges {
        if let (Some((x1, y1)), Some((x2, y2))) = (place(&edge.from), place(&edge.to)) {
            let hard = edge.critical && !edge.fallback;
            let _ = writeln!(
                out,
                "<line class=\"edge\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{}\" stroke-width=\"{}\"><title>{} depends on {}</title></line>",
                if hard { "#555" } else { "#bbb" },
                if hard { 1.5 } else { 1.0 },
                text(&edge.from),
                text(&edge.to)
            );
        }
    }
    for (i, name) in consumers.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text class=\"node\" x=\"235\" y=\"{}\" text-anchor=\"end\">{}</text>",
            y(i) + 4,
            text(name)
        );
    }
    for (i, name) in providers.iter().enumerate() {
        let color = if spof.contains(name) { "#d00" } else { "#036" };
        let _ = writeln!(
            out,
            "<circle cx=\"560\" cy=\"{}\" r=\"5\" fill=\"{color}\"/><text class=\"node provider\" x=\"570\" y=\"{}\" fill=\"{color}\">{}</text>",
            y(i),
            y(i) + 4,
            text(name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A level's badge class: its rank among the pack's levels (1 the lowest), for colour.
fn badge(report: &FleetReport, level: Option<&str>) -> &'static str {
    match level.and_then(|l| report.levels.iter().position(|x| x == l)) {
        Some(0) => "badge level-1",
        Some(1) => "badge level-2",
        Some(_) => "badge level-3",
        None => "badge",
    }
}

/// The fleet report as one self-contained HTML page, in the Markdown's order and words.
#[must_use]
pub fn html(report: &FleetReport) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>Fleet readiness</title>\n");
    let _ = write!(out, "<style>{STYLE}</style></head><body>\n<h1>Fleet readiness</h1>\n<p id=\"headline\">{}</p>\n", text(&headline(report)));
    out.push_str("<h2>Summary</h2>\n<ul id=\"summary\">\n");
    for line in summary_lines(report) {
        let _ = writeln!(out, "<li>{}</li>", text(&line));
    }
    out.push_str("</ul>\n");

    out.push_str(
        "<h2>Services</h2>\n<p>Failing services first, most blocking findings first.</p>\n",
    );
    let header: Vec<String> = SERVICE_HEADER.map(String::from).to_vec();
    let rows: Vec<Vec<(String, &str)>> = rows_by_need(report)
        .into_iter()
        .map(|row| {
            let verdict = verdict_text(row);
            let level = match row.level.as_deref() {
                Some(level) => (level.to_owned(), badge(report, Some(level))),
                None if report.levels.is_empty() || row.status != RowStatus::Judged => plain(""),
                None => ("none".to_owned(), "badge"),
            };
            vec![
                plain(row.label()),
                plain(row.team_name()),
                plain(row.tier.map_or_else(String::new, |t| t.to_string())),
                (
                    verdict.to_owned(),
                    if verdict == "pass" { "pass" } else { "fail" },
                ),
                level,
                plain(next_level_text(report, row)),
                plain(row.blocking),
                (
                    reason_text(row),
                    if verdict == "error" { "reason" } else { "" },
                ),
                plain(row.overdue_reviews.join(", ")),
            ]
        })
        .collect();
    html_table(&mut out, "services", &header, &rows);

    out.push_str("<h2>Teams</h2>\n");
    let mut header: Vec<String> = vec!["Team".into(), "Services".into(), "Level".into()];
    header.extend(report.levels.iter().cloned());
    header.extend(["none", "Failing", "Blocking", "Overdue reviews"].map(String::from));
    let rows: Vec<Vec<(String, &str)>> = report
        .teams
        .iter()
        .map(|t| {
            let mut row = vec![
                plain(&t.team),
                plain(t.services),
                plain(t.level.as_deref().unwrap_or("none")),
            ];
            for level in report.levels.iter().map(String::as_str).chain(["none"]) {
                row.push(plain(t.levels.get(level).copied().unwrap_or(0)));
            }
            row.extend([
                plain(t.failing),
                plain(t.blocking),
                plain(t.overdue_reviews),
            ]);
            row
        })
        .collect();
    html_table(&mut out, "teams", &header, &rows);

    let _ = writeln!(
        out,
        "<h2>Review calendar</h2>\n<p>{}</p>",
        text(CALENDAR_LEAD)
    );
    let rows: Vec<Vec<(String, &str)>> = report
        .calendar
        .iter()
        .map(|d| {
            vec![
                plain(&d.due),
                (d.state(), if d.overdue || d.future { "fail" } else { "" }),
                plain(&d.team),
                plain(&d.service),
                plain(calendar::title(&d.review)),
                plain(d.last.as_deref().unwrap_or("never")),
            ]
        })
        .collect();
    html_table(
        &mut out,
        "calendar",
        &["Due", "State", "Team", "Service", "Review", "Last held"].map(String::from),
        &rows,
    );

    out.push_str("<h2>Dependencies across services</h2>\n");
    out.push_str(&svg(report));
    if report.graph.spofs.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", text(&no_spof(report)));
    } else {
        out.push_str("<h3>Single points of failure</h3>\n<ul id=\"spofs\">\n");
        for spof in &report.graph.spofs {
            let _ = writeln!(
                out,
                "<li>{} (owned by {})</li>",
                text(&spof.message),
                text(&spof.team)
            );
        }
        out.push_str("</ul>\n");
    }
    if !report.graph.slo_chains.is_empty() {
        out.push_str("<h3>SLO chains (assumed, never promised)</h3>\n<ul id=\"slo-chains\">\n");
        for chain in &report.graph.slo_chains {
            let _ = writeln!(out, "<li>{}</li>", text(&chain.message));
        }
        out.push_str("</ul>\n");
    }

    if let Some(preview) = &report.preview {
        let _ = writeln!(
            out,
            "<h2>Rollout preview</h2>\n<p id=\"preview-summary\">{} services that pass today would fail with the candidate pack.</p>",
            preview.services_blocked
        );
        let rows: Vec<Vec<(String, &str)>> = preview
            .rules
            .iter()
            .flat_map(|rule| {
                rule.teams.iter().map(move |team| {
                    vec![
                        plain(&rule.rule),
                        plain(&rule.from),
                        plain(&team.team),
                        plain(team.services.len()),
                        plain(team.services.join(", ")),
                    ]
                })
            })
            .collect();
        html_table(
            &mut out,
            "preview",
            &["Rule", "Blocks from", "Team", "Services", "Which"].map(String::from),
            &rows,
        );
        let rows: Vec<Vec<(String, &str)>> = preview
            .rules
            .iter()
            .map(|r| vec![plain(&r.rule), plain(r.failing), plain(r.waived)])
            .collect();
        html_table(
            &mut out,
            "preview-rules",
            &["Rule", "Would fail", "Already covered by a waiver"].map(String::from),
            &rows,
        );
    }

    if let Some(trend) = &report.trend {
        out.push_str("<h2>Trend</h2>\n");
        let rows: Vec<Vec<(String, &str)>> = trend
            .iter()
            .map(|t| {
                vec![
                    plain(&t.team),
                    plain(t.level_then.as_deref().unwrap_or("none")),
                    plain(t.level_now.as_deref().unwrap_or("none")),
                    plain(t.failing_then),
                    plain(t.failing_now),
                    plain(t.blocking_then),
                    plain(t.blocking_now),
                ]
            })
            .collect();
        html_table(
            &mut out,
            "trend",
            &[
                "Team",
                "Level then",
                "Level now",
                "Failing then",
                "Failing now",
                "Blocking then",
                "Blocking now",
            ]
            .map(String::from),
            &rows,
        );
    }

    out.push_str("<h2>Categories</h2>\n");
    let rows: Vec<Vec<(String, &str)>> = report
        .categories
        .iter()
        .map(|c| {
            vec![
                plain(&c.category),
                plain(c.pass),
                plain(c.warn),
                plain(c.fail),
            ]
        })
        .collect();
    html_table(
        &mut out,
        "categories",
        &["Category", "Pass", "Warn", "Fail"].map(String::from),
        &rows,
    );

    let bare = without_manifest(report);
    if !bare.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Without a manifest</h2>\n<p>{} repositories have no prr.toml or prr.json.</p>\n<ul id=\"no-manifest\">",
            bare.len()
        );
        for name in bare {
            let _ = writeln!(out, "<li>{}</li>", text(name));
        }
        out.push_str("</ul>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{DependencyRow, Meta, ServiceRow, SloTarget};

    fn hostile_fleet() -> FleetReport {
        let mut provider = ServiceRow::no_manifest("a");
        provider.status = RowStatus::Judged;
        provider.verdict = Some(Verdict::Pass);
        provider.name = Some("<script>alert(1)</script>".to_owned());
        provider.team = Some("=HYPERLINK(\"x\")".to_owned());
        provider.slos = vec![SloTarget {
            name: None,
            target: 99.0,
        }];
        let mut consumer = ServiceRow::no_manifest("b");
        consumer.status = RowStatus::Judged;
        consumer.verdict = Some(Verdict::Pass);
        consumer.name = Some("b\"] --> x[\"".to_owned());
        consumer.dependencies = vec![DependencyRow {
            name: "<script>alert(1)</script>".to_owned(),
            critical: true,
            sla: Some(99.9),
            fallback: false,
        }];
        FleetReport::build(
            vec![provider, consumer],
            Meta {
                as_of: jiff::civil::date(2026, 11, 20),
                levels: Vec::new(),
                packs: Vec::new(),
                shard: None,
                candidate: false,
            },
            3,
        )
    }

    #[test]
    fn names_are_inert_in_html_mermaid_and_csv() {
        let report = hostile_fleet();
        assert_eq!(report.graph.slo_chains.len(), 1);
        let html = html(&report);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let mermaid = mermaid(&report).expect("a graph");
        assert!(mermaid.lines().all(|l| l.matches('"').count() % 2 == 0));
        let csv = csv(&report).expect("CSV");
        assert!(csv.contains("'=HYPERLINK"));
    }
}
