//! The review pack's formats: markdown, JSON and a self-contained HTML page whose trend
//! chart is an inline SVG drawn here (no image service, no script, no outside file).

use std::fmt::Write as _;

use super::figures::{Figures, Spread};
use super::toil::{Toil, ToilFigures};
use super::{Review, TeamReview};

/// The JSON format (version 1): the [`Review`] as it is.
#[must_use]
pub fn json(review: &Review) -> String {
    let mut text = serde_json::to_string_pretty(review).unwrap_or_default();
    text.push('\n');
    text
}

/// Minutes as a person reads them: `42 min`, `3.5 h`, `2.1 d`.
#[must_use]
pub fn duration(minutes: f64) -> String {
    if minutes < 60.0 {
        format!("{minutes:.0} min")
    } else if minutes < 48.0 * 60.0 {
        format!("{:.1} h", minutes / 60.0)
    } else {
        format!("{:.1} d", minutes / 1440.0)
    }
}

fn spread(value: Option<Spread>) -> (String, String) {
    value.map_or_else(
        || ("–".to_owned(), "–".to_owned()),
        |s| (duration(s.mean_minutes), duration(s.median_minutes)),
    )
}

fn mttf(value: Option<f64>) -> String {
    value.map_or_else(|| "no failure".to_owned(), |h| duration(h * 60.0))
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |p| format!("{p:+.0}%"))
}

fn severities(figures: &Figures) -> String {
    if figures.by_severity.is_empty() {
        return "–".to_owned();
    }
    figures
        .by_severity
        .iter()
        .map(|(severity, count)| format!("{severity}: {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line of a figures table: quarter or service, incidents, severities, MTTR mean and
/// median, MTTD mean and median, MTTF.
fn figure_cells(label: &str, f: &Figures) -> [String; 8] {
    let (mttr_mean, mttr_median) = spread(f.mttr);
    let (mttd_mean, mttd_median) = spread(f.mttd);
    [
        label.to_owned(),
        f.incidents.to_string(),
        severities(f),
        mttr_mean,
        mttr_median,
        mttd_mean,
        mttd_median,
        mttf(f.mttf_hours),
    ]
}

const FIGURE_HEADER: [&str; 8] = [
    "",
    "Incidents",
    "By severity",
    "MTTR mean",
    "MTTR median",
    "MTTD mean",
    "MTTD median",
    "MTTF",
];

/// A table cell's text: no line breaks, no control characters, `|` escaped.
fn cell(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|")
}

fn markdown_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// The review pack in markdown: one section per team.
#[must_use]
pub fn markdown(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Quarterly review {}\n", review.quarter);
    let _ = writeln!(
        out,
        "As of {}. {} incident records used, {} left out (each listed at the end). Figures are per service and per team, never per person.\n",
        review.as_of,
        review.incidents_used,
        review.left_out.len()
    );
    for team in &review.teams {
        markdown_team(&mut out, team);
    }
    if !review.unknown_services.is_empty() {
        let _ = writeln!(
            out,
            "## Services with incidents but no manifest\n\n{}\n",
            review
                .unknown_services
                .iter()
                .map(|s| format!("`{}`", cell(s)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !review.left_out.is_empty() {
        let _ = writeln!(out, "## Records left out\n");
        for problem in &review.left_out {
            let _ = writeln!(out, "- {}", cell(problem));
        }
        out.push('\n');
    }
    out
}

fn markdown_team(out: &mut String, team: &TeamReview) {
    let _ = writeln!(out, "## Team {}\n", cell(&team.team));
    let _ = writeln!(out, "### MTTR and MTTF, {}\n", team.figures.quarter);
    let mut rows: Vec<Vec<String>> = vec![figure_cells("Team", &team.figures).to_vec()];
    rows.extend(
        team.services
            .iter()
            .map(|s| figure_cells(&s.service, &s.figures).to_vec()),
    );
    markdown_table(out, &FIGURE_HEADER, &rows);
    let _ = writeln!(
        out,
        "Against the previous quarter: median MTTR {}, MTTF {}.\n",
        percent(team.mttr_median_change_percent),
        percent(team.mttf_change_percent)
    );
    let _ = writeln!(out, "### Trend\n");
    let trend: Vec<Vec<String>> = team
        .trend
        .iter()
        .map(|f| figure_cells(&f.quarter.to_string(), f).to_vec())
        .collect();
    let mut header = FIGURE_HEADER;
    header[0] = "Quarter";
    markdown_table(out, &header, &trend);
    let _ = writeln!(out, "### Toil\n");
    if let Some(rows) = toil_rows(&team.toil, |url| {
        format!("<{}>", url.replace(['<', '>'], ""))
    }) {
        markdown_table(out, &TOIL_HEADER, &rows);
    }
    if !team.toil.services_without_backlog.is_empty() {
        let _ = writeln!(
            out,
            "{} (`toil.backlog`): {}.\n",
            without_backlog(&team.toil),
            cell(&team.toil.services_without_backlog.join(", "))
        );
    }
    let _ = writeln!(out, "### Overdue reviews\n");
    if team.overdue_reviews.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let rows: Vec<Vec<String>> = team
            .overdue_reviews
            .iter()
            .map(|o| {
                vec![
                    o.service.clone(),
                    o.review.clone(),
                    o.last
                        .clone()
                        .unwrap_or_else(|| "never recorded".to_owned()),
                    o.due.clone().unwrap_or_else(|| "now".to_owned()),
                ]
            })
            .collect();
        markdown_table(out, &["Service", "Review", "Last", "Due"], &rows);
    }
    let _ = writeln!(out, "### Postmortems\n");
    if team.postmortems.is_empty() {
        let _ = writeln!(out, "No incident of the quarter needs one.\n");
    } else {
        let rows: Vec<Vec<String>> = team
            .postmortems
            .iter()
            .map(|p| {
                vec![
                    p.incident.clone(),
                    p.service.clone(),
                    p.severity.clone(),
                    p.started.clone(),
                    p.link.as_deref().map_or_else(
                        || "**missing**".to_owned(),
                        |l| format!("<{}>", l.replace(['<', '>'], "")),
                    ),
                ]
            })
            .collect();
        markdown_table(
            out,
            &["Incident", "Service", "Severity", "Started", "Postmortem"],
            &rows,
        );
    }
}

const TOIL_HEADER: [&str; 5] = ["Backlog", "Services", "Opened", "Closed", "Open at end"];

/// How the services without a backlog are introduced.
fn without_backlog(toil: &Toil) -> &'static str {
    if toil.backlogs.is_empty() {
        "No service of the team names a toil backlog"
    } else {
        "Without a toil backlog"
    }
}

/// The quarter's toil: one row per backlog (its link made by `link`), and the team's sum
/// when there are several; `None` when the team names no backlog.
fn toil_rows(toil: &Toil, link: impl Fn(&str) -> String) -> Option<Vec<Vec<String>>> {
    if toil.backlogs.is_empty() {
        return None;
    }
    let counts = |figures: Option<ToilFigures>, why: &str| match figures {
        Some(f) => [
            f.opened.to_string(),
            f.closed.to_string(),
            f.open_at_end.to_string(),
        ],
        None => [why.to_owned(), String::new(), String::new()],
    };
    let mut rows: Vec<Vec<String>> = toil
        .backlogs
        .iter()
        .map(|backlog| {
            let mut row = vec![link(&backlog.url), backlog.services.join(", ")];
            row.extend(counts(
                backlog.figures,
                "figures not available (not a GitHub repository's issues)",
            ));
            row
        })
        .collect();
    if toil.backlogs.len() > 1 {
        let mut row = vec!["Team".to_owned(), String::new()];
        row.extend(counts(
            toil.total,
            "figures not available (a backlog above has none)",
        ));
        rows.push(row);
    }
    Some(rows)
}

/// Text made safe inside HTML (elements and quoted attributes).
fn esc(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The review pack as one self-contained HTML page.
#[must_use]
pub fn html(review: &Review) -> String {
    let mut out = String::new();
    let title = format!("Quarterly review {}", review.quarter);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p>As of {}. {} incident records used, {} left out. Figures are per service and per team, never per person.</p>\n",
        esc(&title),
        esc(&title),
        esc(&review.as_of),
        review.incidents_used,
        review.left_out.len()
    );
    for team in &review.teams {
        html_team(&mut out, team);
    }
    if !review.unknown_services.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Services with incidents but no manifest</h2>\n<p>{}</p>",
            esc(&review.unknown_services.join(", "))
        );
    }
    if !review.left_out.is_empty() {
        let _ = writeln!(out, "<h2>Records left out</h2>\n<ul>");
        for problem in &review.left_out {
            let _ = writeln!(out, "<li>{}</li>", esc(problem));
        }
        let _ = writeln!(out, "</ul>");
    }
    out.push_str("</body>\n</html>\n");
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}section.team{border-top:2px solid #444;margin-top:2em}.missing{color:#b00;font-weight:bold}svg text{font-size:12px}";

fn html_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table>\n<tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            // Cells arrive as text, or as markup already built from escaped text.
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn escaped_cells(cells: [String; 8]) -> Vec<String> {
    cells.iter().map(|c| esc(c)).collect()
}

fn html_team(out: &mut String, team: &TeamReview) {
    let _ = writeln!(
        out,
        "<section class=\"team\">\n<h2>Team {}</h2>\n<h3>MTTR and MTTF, {}</h3>",
        esc(&team.team),
        team.figures.quarter
    );
    let mut rows = vec![escaped_cells(figure_cells("Team", &team.figures))];
    rows.extend(
        team.services
            .iter()
            .map(|s| escaped_cells(figure_cells(&s.service, &s.figures))),
    );
    html_table(out, &FIGURE_HEADER, &rows);
    let _ = writeln!(
        out,
        "<p>Against the previous quarter: median MTTR {}, MTTF {}.</p>\n<h3>Trend</h3>",
        percent(team.mttr_median_change_percent),
        percent(team.mttf_change_percent)
    );
    out.push_str(&trend_chart(&team.team, &team.trend));
    let trend: Vec<Vec<String>> = team
        .trend
        .iter()
        .map(|f| escaped_cells(figure_cells(&f.quarter.to_string(), f)))
        .collect();
    let mut header = FIGURE_HEADER;
    header[0] = "Quarter";
    html_table(out, &header, &trend);
    let _ = writeln!(out, "<h3>Toil</h3>");
    let link = |url: &str| {
        if url.starts_with("https://") || url.starts_with("http://") {
            format!("<a href=\"{}\">{}</a>", esc(url), esc(url))
        } else {
            esc(url)
        }
    };
    let escaped = |rows: Vec<Vec<String>>| {
        rows.into_iter()
            .map(|row| {
                // The first cell is markup already (the link); the others are text.
                row.into_iter()
                    .enumerate()
                    .map(|(i, c)| if i == 0 { c } else { esc(&c) })
                    .collect()
            })
            .collect::<Vec<Vec<String>>>()
    };
    if let Some(rows) = toil_rows(&team.toil, link) {
        html_table(out, &TOIL_HEADER, &escaped(rows));
    }
    if !team.toil.services_without_backlog.is_empty() {
        let _ = writeln!(
            out,
            "<p>{} (<code>toil.backlog</code>): {}.</p>",
            without_backlog(&team.toil),
            esc(&team.toil.services_without_backlog.join(", "))
        );
    }
    let _ = writeln!(out, "<h3>Overdue reviews</h3>");
    if team.overdue_reviews.is_empty() {
        let _ = writeln!(out, "<p>None.</p>");
    } else {
        let rows: Vec<Vec<String>> = team
            .overdue_reviews
            .iter()
            .map(|o| {
                vec![
                    esc(&o.service),
                    esc(&o.review),
                    esc(o.last.as_deref().unwrap_or("never recorded")),
                    esc(o.due.as_deref().unwrap_or("now")),
                ]
            })
            .collect();
        html_table(out, &["Service", "Review", "Last", "Due"], &rows);
    }
    let _ = writeln!(out, "<h3>Postmortems</h3>");
    if team.postmortems.is_empty() {
        let _ = writeln!(out, "<p>No incident of the quarter needs one.</p>");
    } else {
        let rows: Vec<Vec<String>> = team
            .postmortems
            .iter()
            .map(|p| {
                let link = match p.link.as_deref() {
                    // Only web links become links: a `javascript:` URL stays text.
                    Some(l) if l.starts_with("https://") || l.starts_with("http://") => {
                        format!("<a href=\"{}\">{}</a>", esc(l), esc(l))
                    }
                    Some(l) => esc(l),
                    None => "<span class=\"missing\">missing</span>".to_owned(),
                };
                vec![
                    esc(&p.incident),
                    esc(&p.service),
                    esc(&p.severity),
                    esc(&p.started),
                    link,
                ]
            })
            .collect();
        html_table(
            out,
            &["Incident", "Service", "Severity", "Started", "Postmortem"],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

const CHART_WIDTH: f64 = 640.0;
const CHART_HEIGHT: f64 = 240.0;
const MARGIN: f64 = 48.0;

/// The trend chart: incidents per quarter as bars, median MTTR as a line (hours, right
/// axis), one point per quarter.
#[must_use]
pub fn trend_chart(team: &str, trend: &[Figures]) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg class=\"trend-chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{CHART_HEIGHT}\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" data-team=\"{}\">\n<title>Incidents and median MTTR per quarter, team {}</title>",
        esc(team),
        esc(team)
    );
    let plot_w = CHART_WIDTH - 2.0 * MARGIN;
    let plot_h = CHART_HEIGHT - 2.0 * MARGIN;
    let bottom = CHART_HEIGHT - MARGIN;
    let _ = writeln!(
        svg,
        "<line x1=\"{MARGIN}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#444\"/>",
        CHART_WIDTH - MARGIN
    );
    #[allow(clippy::cast_precision_loss)] // a handful of quarters and incidents
    let max_count = trend.iter().map(|f| f.incidents).max().unwrap_or(0).max(1) as f64;
    let medians: Vec<Option<f64>> = trend
        .iter()
        .map(|f| f.mttr.map(|s| s.median_minutes / 60.0))
        .collect();
    let max_hours = medians
        .iter()
        .flatten()
        .copied()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    #[allow(clippy::cast_precision_loss)]
    let slot = plot_w / trend.len().max(1) as f64;
    let mut points = Vec::new();
    for (index, figures) in trend.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = MARGIN + slot * index as f64;
        #[allow(clippy::cast_precision_loss)]
        let bar = plot_h * figures.incidents as f64 / max_count;
        let _ = writeln!(
            svg,
            "<rect class=\"incidents\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\" fill=\"#9ab\" data-quarter=\"{}\" data-incidents=\"{}\"><title>{}: {} incidents</title></rect>",
            x + slot * 0.2,
            bottom - bar,
            slot * 0.6,
            figures.quarter,
            figures.incidents,
            figures.quarter,
            figures.incidents
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x + slot / 2.0,
            bottom + 16.0,
            figures.quarter
        );
        if let Some(hours) = medians[index] {
            points.push((x + slot / 2.0, bottom - plot_h * hours / max_hours, hours));
        }
    }
    if !points.is_empty() {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline class=\"mttr-median\" points=\"{}\" fill=\"none\" stroke=\"#c33\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        for (x, y, hours) in &points {
            let _ = writeln!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#c33\"><title>median MTTR {}</title></circle>",
                duration(hours * 60.0)
            );
        }
    }
    let _ = writeln!(
        svg,
        "<text x=\"{MARGIN}\" y=\"{:.1}\">bars: incidents (max {max_count:.0})</text>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#c33\">line: median MTTR (max {})</text>\n</svg>",
        MARGIN - 16.0,
        CHART_WIDTH - MARGIN,
        MARGIN - 16.0,
        duration(max_hours * 60.0)
    );
    svg
}
