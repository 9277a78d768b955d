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

/// Outside text for markdown: incident fields come from PagerDuty or GitHub issues, and
/// team and service names from manifests. HTML, mentions, links and images are made inert
/// (the gate's own escaping: backslashes, a zero-width space after `@`), line breaks
/// become spaces.
fn cell(text: &str) -> String {
    crate::report::markdown::cell(text)
}

/// A name as inline code (inert), or escaped text when it holds a backtick.
fn code(text: &str) -> String {
    crate::report::markdown::code(text)
}

/// Whether a link may be shown as one: only web addresses, and only those a markdown
/// autolink cannot be broken out of. A `javascript:` URL, or anything else, stays text.
fn is_web_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
}

/// A link in markdown: an autolink for a web address, inert text for anything else.
fn markdown_link(url: &str) -> String {
    if is_web_link(url) {
        format!("<{url}>")
    } else {
        cell(url)
    }
}

/// A table whose cells are already markdown (escaped where they hold outside text).
fn markdown_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// Figure cells for markdown: the label escaped, the figures are prr's own text.
fn markdown_figures(label: &str, f: &Figures) -> Vec<String> {
    let mut cells = figure_cells(label, f).to_vec();
    cells[0] = cell(&cells[0]);
    cells[2] = cell(&cells[2]);
    cells
}

/// What MTTF means, wherever it is shown.
pub const MTTF_DEFINITION: &str = "MTTF is the mean operating time between failures: the service-hours of the quarter (every service counted, all quarter long) minus the hours down, divided by the incidents. \"no failure\" means no incident to measure between.";

/// The opening line of the pack.
fn opening(review: &Review) -> String {
    format!(
        "As of {}. {} incident records used, {} left out (each listed at the end). Figures are per service and per team, never per person.",
        review.as_of,
        review.incidents_used,
        review.left_out.len()
    )
}

/// The sentence that heads the list of what could not be read.
const UNAVAILABLE_LEAD: &str =
    "Parts of this review could not be read; the figures below leave them out:";

/// The team's need in one line: what makes it come where it does.
fn need_line(team: &TeamReview) -> String {
    format!(
        "{} in {}, {} severe without a postmortem, {} overdue.",
        count(team.figures.incidents, "incident", "incidents"),
        team.figures.quarter,
        team.missing_postmortems(),
        count(team.overdue_reviews.len(), "review", "reviews")
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn change_line(mttr: Option<f64>, mttf: Option<f64>) -> String {
    format!(
        "Against the previous quarter: median MTTR {}, MTTF {}.",
        percent(mttr),
        percent(mttf)
    )
}

/// The quiet teams' sentence.
fn quiet_lead(review: &Review) -> String {
    format!(
        "No incident, no severe incident without a postmortem and no overdue review in {}:",
        review.quarter
    )
}

const UNOWNED_LEAD: &str = "No manifest names these services, so no team reviews them: add a manifest with `service.owner`, and write the postmortems.";

/// The review pack in markdown: what could not be read, the organisation, then the teams
/// by need, the quiet ones folded into one list.
#[must_use]
pub fn markdown(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Quarterly review {}\n", review.quarter);
    let _ = writeln!(out, "{}\n", opening(review));
    if !review.unavailable.is_empty() {
        let _ = writeln!(out, "> [!WARNING]\n> **{UNAVAILABLE_LEAD}**\n>");
        for problem in &review.unavailable {
            let _ = writeln!(out, "> - {}", cell(problem));
        }
        out.push('\n');
    }
    markdown_organisation(&mut out, review);
    if !review.unowned_without_postmortem.is_empty() {
        let _ = writeln!(
            out,
            "## Severe incidents without a postmortem or a team\n\n**{}**\n",
            cell(UNOWNED_LEAD)
        );
        let rows: Vec<Vec<String>> = review
            .unowned_without_postmortem
            .iter()
            .map(|p| {
                vec![
                    code(&p.incident),
                    code(&p.service),
                    cell(&p.severity),
                    cell(&p.started),
                    "**missing**".to_owned(),
                ]
            })
            .collect();
        markdown_table(&mut out, &POSTMORTEM_HEADER, &rows);
    }
    for team in review.teams.iter().filter(|t| !t.is_quiet()) {
        markdown_team(&mut out, team);
    }
    let quiet: Vec<&TeamReview> = review.teams.iter().filter(|t| t.is_quiet()).collect();
    if !quiet.is_empty() {
        let _ = writeln!(out, "## Quiet teams\n\n{}\n", quiet_lead(review));
        let rows: Vec<Vec<String>> = quiet
            .iter()
            .map(|t| {
                vec![
                    cell(&t.team),
                    t.services
                        .iter()
                        .map(|s| code(&s.service))
                        .collect::<Vec<_>>()
                        .join(", "),
                    quiet_toil_cell(review, t, markdown_link, cell),
                ]
            })
            .collect();
        markdown_table(&mut out, &QUIET_HEADER, &rows);
    }
    if !review.unknown_services.is_empty() {
        let _ = writeln!(
            out,
            "## Services with incidents but no manifest\n\n{}\n",
            review
                .unknown_services
                .iter()
                .map(|s| code(s))
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

/// The organisation's trend table: every service, one row per quarter, oldest first.
const TREND_HEADER: [&str; 8] = [
    "Quarter (all services)",
    "Incidents",
    "By severity",
    "MTTR mean",
    "MTTR median",
    "MTTD mean",
    "MTTD median",
    "MTTF",
];

/// A quarter's row label: the reviewed one says so.
fn trend_label(f: &Figures, review: &Review) -> String {
    if f.quarter == review.quarter {
        format!("{} (reviewed)", f.quarter)
    } else {
        f.quarter.to_string()
    }
}

const QUIET_HEADER: [&str; 3] = ["Team", "Services", "Toil backlogs"];
const POSTMORTEM_HEADER: [&str; 5] = ["Incident", "Service", "Severity", "Started", "Postmortem"];
const ATTENTION_HEADER: [&str; 4] = [
    "Team",
    "Incidents",
    "Severe without a postmortem",
    "Overdue reviews",
];

/// A quiet team's toil in one cell: each backlog (its URL, for the format to link) with
/// its counts or why it has none; or why there is nothing to show.
fn quiet_toil(review: &Review, team: &TeamReview) -> Result<Vec<(String, String)>, &'static str> {
    if !review.toil_read {
        return Err("not read (--toil off)");
    }
    if team.toil.backlogs.is_empty() {
        return Err("no service names a backlog");
    }
    Ok(team
        .toil
        .backlogs
        .iter()
        .map(|b| {
            let text = match (b.figures, &b.unavailable) {
                (Some(f), _) => format!(
                    "{} opened, {} closed, {} open at end",
                    f.opened, f.closed, f.open_at_end
                ),
                (None, Some(_)) => {
                    "figures not available (could not be read, see the top)".to_owned()
                }
                (None, None) => {
                    "figures not available (not a GitHub repository's issues)".to_owned()
                }
            };
            (b.url.clone(), text)
        })
        .collect())
}

/// [`quiet_toil`] in a format: `link` makes a URL markup, `text` escapes the rest.
fn quiet_toil_cell(
    review: &Review,
    team: &TeamReview,
    link: impl Fn(&str) -> String,
    text: impl Fn(&str) -> String,
) -> String {
    match quiet_toil(review, team) {
        Ok(parts) => parts
            .iter()
            .map(|(url, counts)| format!("{}: {}", link(url), text(counts)))
            .collect::<Vec<_>>()
            .join("; "),
        Err(why) => text(why),
    }
}

fn markdown_organisation(out: &mut String, review: &Review) {
    let org = &review.organisation;
    let _ = writeln!(out, "## Organisation, {}\n", review.quarter);
    let rows: Vec<Vec<String>> = org
        .trend
        .iter()
        .map(|f| markdown_figures(&trend_label(f, review), f))
        .collect();
    markdown_table(out, &TREND_HEADER, &rows);
    let _ = writeln!(
        out,
        "{}\n\n{MTTF_DEFINITION}\n",
        change_line(org.mttr_median_change_percent, org.mttf_change_percent)
    );
    let _ = writeln!(out, "### Teams that need attention\n");
    if org.attention.is_empty() {
        let _ = writeln!(out, "None: every team is quiet.\n");
    } else {
        let rows: Vec<Vec<String>> = review
            .teams
            .iter()
            .filter(|t| !t.is_quiet())
            .map(|t| {
                vec![
                    cell(&t.team),
                    t.figures.incidents.to_string(),
                    t.missing_postmortems().to_string(),
                    t.overdue_reviews.len().to_string(),
                ]
            })
            .collect();
        markdown_table(out, &ATTENTION_HEADER, &rows);
    }
}

fn markdown_team(out: &mut String, team: &TeamReview) {
    let _ = writeln!(out, "## Team {}\n", cell(&team.team));
    let _ = writeln!(out, "{}\n", need_line(team));
    let _ = writeln!(out, "### MTTR and MTTF, {}\n", team.figures.quarter);
    let mut rows: Vec<Vec<String>> = vec![markdown_figures("Team", &team.figures)];
    rows.extend(team.services.iter().map(|s| {
        let mut cells = markdown_figures(&s.service, &s.figures);
        cells[0] = code(&s.service);
        cells
    }));
    markdown_table(out, &FIGURE_HEADER, &rows);
    let _ = writeln!(
        out,
        "{}\n\n{MTTF_DEFINITION}\n",
        change_line(team.mttr_median_change_percent, team.mttf_change_percent)
    );
    let _ = writeln!(out, "### Postmortems\n");
    if team.postmortems.is_empty() {
        let _ = writeln!(out, "No incident of the quarter needs one.\n");
    } else {
        let rows: Vec<Vec<String>> = team
            .postmortems
            .iter()
            .map(|p| {
                vec![
                    code(&p.incident),
                    code(&p.service),
                    cell(&p.severity),
                    cell(&p.started),
                    p.link
                        .as_deref()
                        .map_or_else(|| "**missing**".to_owned(), markdown_link),
                ]
            })
            .collect();
        markdown_table(out, &POSTMORTEM_HEADER, &rows);
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
                    code(&o.service),
                    code(&o.review),
                    o.last
                        .clone()
                        .unwrap_or_else(|| "never recorded".to_owned()),
                    o.due.clone().unwrap_or_else(|| "now".to_owned()),
                ]
            })
            .collect();
        markdown_table(out, &["Service", "Review", "Last", "Due"], &rows);
    }
    let _ = writeln!(out, "### Trend\n");
    let trend: Vec<Vec<String>> = team
        .trend
        .iter()
        .map(|f| markdown_figures(&f.quarter.to_string(), f))
        .collect();
    let mut header = FIGURE_HEADER;
    header[0] = "Quarter";
    markdown_table(out, &header, &trend);
    let _ = writeln!(out, "### Toil\n");
    if let Some(rows) = toil_rows(&team.toil, markdown_link) {
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .map(|(i, c)| if i == 0 { c } else { cell(&c) })
                    .collect()
            })
            .collect();
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
            let why = backlog.unavailable.as_ref().map_or_else(
                || "figures not available (not a GitHub repository's issues)".to_owned(),
                |why| format!("figures not available: {why}"),
            );
            row.extend(counts(backlog.figures, &why));
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

/// A link in HTML: an anchor for a web address, escaped text for anything else.
fn html_link(url: &str) -> String {
    if is_web_link(url) {
        format!("<a href=\"{}\">{}</a>", esc(url), esc(url))
    } else {
        esc(url)
    }
}

/// The review pack as one self-contained HTML page, in the markdown's order and words.
#[must_use]
pub fn html(review: &Review) -> String {
    let mut out = String::new();
    let title = format!("Quarterly review {}", review.quarter);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p>{}</p>\n",
        esc(&title),
        esc(&title),
        esc(&opening(review)),
    );
    if !review.unavailable.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"unavailable\" class=\"warning\">\n<p><strong>{}</strong></p>\n<ul>",
            esc(UNAVAILABLE_LEAD)
        );
        for problem in &review.unavailable {
            let _ = writeln!(out, "<li>{}</li>", esc(problem));
        }
        out.push_str("</ul>\n</section>\n");
    }
    html_organisation(&mut out, review);
    if !review.unowned_without_postmortem.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"unowned\" class=\"warning\">\n<h2>Severe incidents without a postmortem or a team</h2>\n<p><strong>No manifest names these services, so no team reviews them: add a manifest with <code>service.owner</code>, and write the postmortems.</strong></p>"
        );
        let rows: Vec<Vec<String>> = review
            .unowned_without_postmortem
            .iter()
            .map(|p| {
                vec![
                    esc(&p.incident),
                    esc(&p.service),
                    esc(&p.severity),
                    esc(&p.started),
                    "<span class=\"missing\">missing</span>".to_owned(),
                ]
            })
            .collect();
        html_table(&mut out, &POSTMORTEM_HEADER, &rows);
        out.push_str("</section>\n");
    }
    for team in review.teams.iter().filter(|t| !t.is_quiet()) {
        html_team(&mut out, team);
    }
    let quiet: Vec<&TeamReview> = review.teams.iter().filter(|t| t.is_quiet()).collect();
    if !quiet.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"quiet\">\n<h2>Quiet teams</h2>\n<p>{}</p>",
            esc(&quiet_lead(review))
        );
        let rows: Vec<Vec<String>> = quiet
            .iter()
            .map(|t| {
                vec![
                    esc(&t.team),
                    esc(&t
                        .services
                        .iter()
                        .map(|s| s.service.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")),
                    quiet_toil_cell(review, t, html_link, esc),
                ]
            })
            .collect();
        html_table(&mut out, &QUIET_HEADER, &rows);
        out.push_str("</section>\n");
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

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1180px;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:.8em 0;display:block;overflow-x:auto;max-width:100%}\
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;white-space:nowrap}th{background:#f3f3f3}\
th:first-child,td:first-child{text-align:left}td:nth-child(3){white-space:normal;text-align:left;min-width:10em}\
section.team{border-top:2px solid #444;margin-top:2em}\
.missing{color:#b00;font-weight:bold}.need{font-size:1.05em;font-weight:600}\
.warning{border-left:5px solid #c60;background:#fff6e5;padding:.4em 1em;margin:1em 0}\
#unowned{border-left-color:#b00;background:#fdecec}\
.definition{color:#555;font-size:.9em}.charts{display:flex;flex-wrap:wrap;gap:1em}\
svg text{font-size:12px;fill:#333}";

fn html_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table>\n<tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            // Cells arrive as markup already built from escaped text.
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn escaped_cells(cells: [String; 8]) -> Vec<String> {
    cells.iter().map(|c| esc(c)).collect()
}

fn html_organisation(out: &mut String, review: &Review) {
    let org = &review.organisation;
    let _ = writeln!(
        out,
        "<section id=\"organisation\">\n<h2>Organisation, {}</h2>",
        review.quarter
    );
    let rows: Vec<Vec<String>> = org
        .trend
        .iter()
        .map(|f| escaped_cells(figure_cells(&trend_label(f, review), f)))
        .collect();
    html_table(out, &TREND_HEADER, &rows);
    let _ = writeln!(
        out,
        "<p>{}</p>\n<p class=\"definition\">{}</p>",
        esc(&change_line(
            org.mttr_median_change_percent,
            org.mttf_change_percent
        )),
        esc(MTTF_DEFINITION)
    );
    out.push_str(&charts("All services", &org.trend));
    let _ = writeln!(out, "<h3>Teams that need attention</h3>");
    if org.attention.is_empty() {
        let _ = writeln!(out, "<p>None: every team is quiet.</p>");
    } else {
        let rows: Vec<Vec<String>> = review
            .teams
            .iter()
            .filter(|t| !t.is_quiet())
            .map(|t| {
                vec![
                    format!("<a href=\"#team-{}\">{}</a>", anchor(&t.team), esc(&t.team)),
                    t.figures.incidents.to_string(),
                    t.missing_postmortems().to_string(),
                    t.overdue_reviews.len().to_string(),
                ]
            })
            .collect();
        html_table(out, &ATTENTION_HEADER, &rows);
    }
    out.push_str("</section>\n");
}

/// A team's name as an `id`: letters and digits kept, everything else `-`.
fn anchor(team: &str) -> String {
    team.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn html_team(out: &mut String, team: &TeamReview) {
    let _ = writeln!(
        out,
        "<section class=\"team\" id=\"team-{}\" data-incidents=\"{}\">\n<h2>Team {}</h2>\n<p class=\"need\">{}</p>\n<h3>MTTR and MTTF, {}</h3>",
        anchor(&team.team),
        team.figures.incidents,
        esc(&team.team),
        esc(&need_line(team)),
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
        "<p>{}</p>\n<p class=\"definition\">{}</p>",
        esc(&change_line(
            team.mttr_median_change_percent,
            team.mttf_change_percent
        )),
        esc(MTTF_DEFINITION)
    );
    let _ = writeln!(out, "<h3>Postmortems</h3>");
    if team.postmortems.is_empty() {
        let _ = writeln!(out, "<p>No incident of the quarter needs one.</p>");
    } else {
        let rows: Vec<Vec<String>> = team
            .postmortems
            .iter()
            .map(|p| {
                vec![
                    esc(&p.incident),
                    esc(&p.service),
                    esc(&p.severity),
                    esc(&p.started),
                    p.link.as_deref().map_or_else(
                        || "<span class=\"missing\">missing</span>".to_owned(),
                        html_link,
                    ),
                ]
            })
            .collect();
        html_table(out, &POSTMORTEM_HEADER, &rows);
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
    let _ = writeln!(out, "<h3>Trend</h3>");
    out.push_str(&charts(&team.team, &team.trend));
    let trend: Vec<Vec<String>> = team
        .trend
        .iter()
        .map(|f| escaped_cells(figure_cells(&f.quarter.to_string(), f)))
        .collect();
    let mut header = FIGURE_HEADER;
    header[0] = "Quarter";
    html_table(out, &header, &trend);
    let _ = writeln!(out, "<h3>Toil</h3>");
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
    if let Some(rows) = toil_rows(&team.toil, html_link) {
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
    out.push_str("</section>\n");
}

const CHART_WIDTH: f64 = 460.0;
const CHART_HEIGHT: f64 = 230.0;
/// Room for the y axis' ticks and title on the left, the quarters and the x axis'
/// title below.
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 52.0;

/// A round top for an axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

/// The two trend charts of a team (or of the organisation): incidents per quarter, and
/// the median MTTR per quarter, each on its own labelled scale.
#[must_use]
pub fn charts(team: &str, trend: &[Figures]) -> String {
    #[allow(clippy::cast_precision_loss)] // a handful of incidents
    let incidents: Vec<Option<f64>> = trend.iter().map(|f| Some(f.incidents as f64)).collect();
    let medians: Vec<Option<f64>> = trend
        .iter()
        .map(|f| f.mttr.map(|s| s.median_minutes / 60.0))
        .collect();
    let quarters: Vec<String> = trend.iter().map(|f| f.quarter.to_string()).collect();
    let mut out = String::from("<div class=\"charts\">\n");
    out.push_str(&chart(&Chart {
        class: "trend-chart incidents-chart",
        title: &format!("Incidents per quarter, {team}"),
        y_title: "incidents",
        quarters: &quarters,
        values: &incidents,
        bars: true,
        show: &|v| format!("{v:.0}"),
        integer: true,
    }));
    out.push_str(&chart(&Chart {
        class: "trend-chart mttr-chart",
        title: &format!("Median MTTR per quarter, {team}"),
        y_title: "median MTTR (hours)",
        quarters: &quarters,
        values: &medians,
        bars: false,
        show: &|h| duration(h * 60.0),
        integer: false,
    }));
    out.push_str("</div>\n");
    out
}

struct Chart<'a> {
    class: &'a str,
    title: &'a str,
    y_title: &'a str,
    quarters: &'a [String],
    /// One value per quarter; `None` where there is none (no incident: no MTTR).
    values: &'a [Option<f64>],
    /// Bars, else a line through points.
    bars: bool,
    /// A value as its tooltip shows it.
    show: &'a dyn Fn(f64) -> String,
    /// Whether the axis counts (whole ticks).
    integer: bool,
}

fn chart(c: &Chart<'_>) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg class=\"{}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{CHART_HEIGHT}\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\">\n<title>{}</title>\n<text x=\"{LEFT}\" y=\"16\" font-weight=\"bold\">{}</text>",
        c.class,
        esc(c.title),
        esc(c.title)
    );
    let plot_w = CHART_WIDTH - LEFT - RIGHT;
    let plot_h = CHART_HEIGHT - TOP - BOTTOM;
    let bottom = CHART_HEIGHT - BOTTOM;
    let max = c.values.iter().flatten().copied().fold(0.0_f64, f64::max);
    let top = if c.integer {
        nice_top(max.max(5.0))
    } else {
        nice_top(max)
    };
    // The y axis: its line, four ticks with their values, and its title.
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#444\"/>\n<line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#444\"/>",
        CHART_WIDTH - RIGHT
    );
    // Ticks at round values: a top of 1 or 5 (times a power of ten) in fifths, of 2 in
    // quarters.
    let leading = top / 10f64.powf(top.log10().floor());
    let steps: u8 = if (leading - 2.0).abs() < 1e-9 { 4 } else { 5 };
    for step in 0..=steps {
        let value = top * f64::from(step) / f64::from(steps);
        let y = bottom - plot_h * f64::from(step) / f64::from(steps);
        let label = if c.integer || value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            LEFT,
            CHART_WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let middle = TOP + plot_h / 2.0;
    let _ = writeln!(
        svg,
        "<text class=\"axis-title\" x=\"14\" y=\"{middle:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {middle:.1})\">{}</text>\n<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">quarter</text>",
        esc(c.y_title),
        LEFT + plot_w / 2.0,
        CHART_HEIGHT - 8.0
    );
    #[allow(clippy::cast_precision_loss)]
    let slot = plot_w / c.quarters.len().max(1) as f64;
    let mut points = Vec::new();
    for (index, quarter) in c.quarters.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = LEFT + slot * index as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{quarter}</text>",
            x + slot / 2.0,
            bottom + 16.0,
        );
        let Some(value) = c.values.get(index).copied().flatten() else {
            continue;
        };
        let height = plot_h * value / top;
        if c.bars {
            let _ = writeln!(
                svg,
                "<rect class=\"incidents\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"#6a8caf\" data-quarter=\"{quarter}\" data-value=\"{value}\"><title>{quarter}: {}</title></rect>",
                x + slot * 0.25,
                bottom - height,
                slot * 0.5,
                (c.show)(value)
            );
        } else {
            points.push((x + slot / 2.0, bottom - height, value, quarter));
        }
    }
    if !points.is_empty() {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline class=\"mttr-median\" points=\"{}\" fill=\"none\" stroke=\"#c33\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        for (x, y, value, quarter) in &points {
            let _ = writeln!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#c33\"><title>{quarter}: {}</title></circle>",
                (c.show)(*value)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}
