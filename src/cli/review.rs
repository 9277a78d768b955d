//! `prr review quarterly`: the blameless MTTR/MTTF review pack of a quarter, per team.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Subcommand};

use super::{exit, repository_root, write_file, write_stderr, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::evidence;
use crate::manifest::Manifest;
use crate::review::{self, incident, render, toil, Quarter, Records, ServiceInfo};
use crate::source::display_name;

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: ReviewCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The blameless MTTR/MTTF review of a quarter: figures per service and per team, the
    /// trend, overdue reviews and postmortem links.
    Quarterly(QuarterlyArgs),
}

#[derive(Debug, Args)]
pub struct QuarterlyArgs {
    /// An incident file: CSV with a header, a JSON array, or a saved PagerDuty incident
    /// list; `github:OWNER/REPO`, the issues with the incident label; or `pagerduty:`
    /// (`pagerduty:SERVICE_ID,...`), PagerDuty's REST API as the pack's `[source.pagerduty]`
    /// configures it (repeatable; see docs/reviews.md).
    #[arg(long, value_name = "SOURCE", required = true)]
    pub incidents: Vec<String>,
    /// The label of incident issues, for `--incidents github:OWNER/REPO`.
    #[arg(long, value_name = "LABEL", default_value = "incident")]
    pub incident_label: String,
    /// The label of toil issues in a `toil.backlog` that is a GitHub repository URL naming
    /// no label (`https://github.com/OWNER/REPO/labels/LABEL` names its own).
    #[arg(long, value_name = "LABEL", default_value = crate::review::toil::DEFAULT_LABEL)]
    pub toil_label: String,
    /// A manifest, or a directory searched for every prr.toml/prr.json below it: which
    /// services there are and their teams (`service.owner`). Repeatable; default: the
    /// manifest at the repository root.
    #[arg(long, value_name = "FILE|DIR")]
    pub manifest: Vec<PathBuf>,
    /// The rule pack whose `[source.pagerduty]` names PagerDuty's API and token variable
    /// (as `prr check --rules`; default the built-in pack).
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<String>,
    /// The quarter reviewed, such as 2026Q3. Default: the last full quarter.
    #[arg(long, value_name = "YYYYQN")]
    pub quarter: Option<Quarter>,
    /// Output format, optionally to a file: markdown, json, html (repeatable, e.g.
    /// `--format markdown --format html=review.html`). Default: markdown.
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub format: Vec<FormatArg>,
    /// Judge overdue reviews (and the default quarter) as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// `off` reads no toil backlog and leaves the toil figures out (no network for them).
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = ["on", "off"])]
    pub toil: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Html,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "markdown" => Ok(Self::Markdown),
            "json" => Ok(Self::Json),
            "html" => Ok(Self::Html),
            other => Err(format!(
                "unknown format `{other}`; the formats are markdown, json, html"
            )),
        }
    }
}

/// `FORMAT` or `FORMAT=FILE` with this command's formats.
pub type FormatArg = super::FormatArg<Format>;

/// Runs `prr review`.
///
/// # Errors
/// Bad arguments, or no incident source could be read (exit 2). Anything else that
/// cannot be read (one of several incident sources, a manifest, a toil backlog) is named
/// at the top of the pack and on stderr, and the pack is written.
pub fn run(args: &ReviewArgs) -> Result<u8, Error> {
    match &args.command {
        ReviewCommand::Quarterly(args) => quarterly(args),
    }
}

fn quarterly(args: &QuarterlyArgs) -> Result<u8, Error> {
    let formats = if args.format.is_empty() {
        vec![FormatArg {
            format: Format::Markdown,
            file: None,
        }]
    } else {
        args.format.clone()
    };
    if formats.iter().filter(|f| f.file.is_none()).count() > 1 {
        return Err(Error::Usage(
            "only one --format may write to the terminal; give the others a file (`--format html=review.html`)".to_owned(),
        ));
    }
    let root = repository_root();
    let as_of = args.as_of.unwrap_or_else(super::today);
    let quarter = args.quarter.unwrap_or_else(|| Quarter::last_full(as_of));
    // What could not be read, one sentence each, in the order met.
    let mut problems: Vec<String> = Vec::new();
    let mut services = Vec::new();
    for path in crate::pipeline::manifest_paths(&args.manifest, &root)? {
        let name = display_name(&path, &root);
        match Manifest::load(&path, &name) {
            Ok(manifest) => services.extend(ServiceInfo::from_manifest(&manifest)),
            // As the fleet does: the manifest is listed with its diagnostics (which name
            // file:line:column), and the other services are reviewed.
            Err(err) => problems.push(format!(
                "manifest not read, its services are not reviewed: {err}"
            )),
        }
    }
    let mut records = Records::default();
    let mut sources_read = 0;
    let mut last_error = None;
    // The pack's `[source.pagerduty]`, loaded when a source needs it.
    let mut pagerduty: Option<Option<evidence::pagerduty::SourceDef>> = None;
    for source in &args.incidents {
        match read_source(args, source, quarter, &root, &mut pagerduty) {
            Ok(read) => {
                records.extend(read);
                sources_read += 1;
            }
            Err(err) => {
                problems.push(format!("incident source {source} not read: {err}"));
                last_error = Some(err);
            }
        }
    }
    if sources_read == 0 {
        if let (1, Some(err)) = (args.incidents.len(), last_error) {
            // One source, unreadable: its own diagnostic, with its place and help.
            return Err(err);
        }
        return Err(Error::Usage(format!(
            "no incident source could be read, so there is no review to write:\n{}",
            problems.join("\n")
        )));
    }
    records.keep_until(as_of);
    for problem in &records.left_out {
        write_stderr(&format!("warning: {problem}\n"));
    }
    let toil_listings = if args.toil == "off" {
        toil::Listings {
            skipped: true,
            ..toil::Listings::default()
        }
    } else {
        toil_listings(&services, &args.toil_label)
    };
    let review = review::review(
        &records,
        &services,
        quarter,
        as_of,
        &toil_listings,
        &problems,
    );
    for problem in &review.unavailable {
        write_stderr(&format!("warning: {}\n", one_line(problem)));
    }
    for output in formats {
        let text = match output.format {
            Format::Markdown => render::markdown(&review),
            Format::Json => render::json(&review),
            Format::Html => render::html(&review),
        };
        match &output.file {
            Some(path) => write_file(path, &text)?,
            None => write_stdout(&text),
        }
    }
    Ok(exit::PASS)
}

/// A problem on one line of stderr (a manifest's diagnostics may span several).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The records of one `--incidents` source.
fn read_source(
    args: &QuarterlyArgs,
    source: &str,
    quarter: Quarter,
    root: &std::path::Path,
    pagerduty: &mut Option<Option<evidence::pagerduty::SourceDef>>,
) -> Result<Records, Error> {
    if let Some(repo) = source.strip_prefix("github:") {
        let issues = crate::github::incidents::list(
            repo,
            &args.incident_label,
            "listing the incident issues",
        )
        .map_err(|err| {
            Diagnostic::file(
                source,
                format!(
                    "cannot read the incident issues: {}",
                    crate::github::redact(&err.to_string())
                ),
            )
            .with_help("check OWNER/REPO, and that GITHUB_TOKEN may read its issues")
        })?;
        let mut records = Records::default();
        records.extend(incident::from_github_issues(repo, &issues));
        return Ok(records);
    }
    if let Some(services) = source.strip_prefix("pagerduty:") {
        if pagerduty.is_none() {
            let sources = crate::pipeline::rules_sources(&args.rules)?;
            *pagerduty = Some(crate::rules::load(&sources, root)?.pagerduty);
        }
        let def = pagerduty.as_ref().and_then(Option::as_ref);
        let service_ids: Vec<String> = services
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let quarters = review::figures::series(quarter, review::TREND_QUARTERS);
        let incidents = evidence::pagerduty::config(def)
            .and_then(|config| evidence::pagerduty::incidents(&config, &service_ids, &quarters))
            .map_err(|fault| {
                Diagnostic::file(source, format!("cannot read the PagerDuty incidents: {fault}"))
                    .with_help("check the pack's [source.pagerduty] (url_env, token_env) and that the token may read incidents")
            })?;
        let mut records = Records::default();
        records.extend(incident::from_pagerduty(&incidents));
        return Ok(records);
    }
    let path = PathBuf::from(source);
    let mut records = Records::default();
    records.extend(incident::read_file(&path, &display_name(&path, root))?);
    Ok(records)
}

/// Every distinct GitHub toil backlog of the services, listed once. A listing that cannot
/// be read leaves that backlog without figures, and says why: no figures are better than
/// a zero that was never counted, and the rest of the review is still worth writing.
fn toil_listings(services: &[ServiceInfo], label: &str) -> toil::Listings {
    let enterprise_host = std::env::var("GITHUB_SERVER_URL").ok().and_then(|url| {
        url.trim()
            .strip_prefix("https://")
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned())
            .filter(|host| !host.is_empty())
    });
    let mut listings = toil::Listings {
        label: label.to_owned(),
        enterprise_host,
        ..toil::Listings::default()
    };
    for service in services {
        let Some(url) = service.toil_backlog.as_deref() else {
            continue;
        };
        let Some(backlog) = listings.resolve(url) else {
            continue;
        };
        if listings.issues.contains_key(&backlog) || listings.unreadable.contains_key(&backlog) {
            continue;
        }
        let issues = match crate::github::incidents::list(
            &backlog.repo,
            &backlog.label,
            "listing the toil issues",
        ) {
            Ok(issues) => issues,
            Err(err) => {
                listings.unreadable.insert(
                    backlog.clone(),
                    format!(
                        "{} (the issues of {} labelled `{}`, from `toil.backlog` in {}; check the backlog and that GITHUB_TOKEN may read its issues)",
                        crate::github::redact(&err.to_string()),
                        backlog.repo,
                        backlog.label,
                        service.manifest
                    ),
                );
                continue;
            }
        };
        let (read, unreadable) = toil::from_github_issues(&issues);
        if unreadable > 0 {
            write_stderr(&format!(
                "warning: {unreadable} issue(s) of the toil backlog {url} have no readable created_at and are not counted\n"
            ));
        }
        listings.issues.insert(backlog, read);
    }
    listings
}
