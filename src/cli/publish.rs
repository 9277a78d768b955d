//! `prr publish REPORT.json` and the `--publish` half of `prr check`: the verdict on the
//! pull request. The network work is the `github` module's; this is the wiring.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{exit, write_stderr, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::github::{self, CommentMode};
use crate::report::{json, markdown, Report};
use crate::rules::RulesSource;
use crate::source::{max_file_bytes, text_from_bytes};

/// How the verdict is published (shared by `check --publish` and `publish`).
#[derive(Debug, Args, Clone)]
pub struct PublishArgs {
    /// The pull-request comment: auto (created when the gate fails, an existing one always
    /// updated), always, or never.
    #[arg(long, value_name = "MODE", default_value = "auto", env = "PRR_COMMENT")]
    pub comment: CommentMode,
    /// The check run's name.
    #[arg(long, value_name = "NAME", default_value = "prr")]
    pub check_run: String,
    /// Make no check run.
    #[arg(long)]
    pub no_check_run: bool,
    /// Do not append to the job summary.
    #[arg(long)]
    pub no_summary: bool,
    /// A failure to publish is an error (exit 2) instead of a warning.
    #[arg(long)]
    pub publish_strict: bool,
}

#[derive(Debug, Args)]
pub struct PublishCommand {
    /// A report written by `prr check --format json=FILE` (perhaps in another job: it is
    /// read as data, never run).
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    #[command(flatten)]
    pub options: PublishArgs,
}

/// Runs `prr publish`: exit 0 once the report is delivered (the check run carries the
/// verdict; this job's own status need not repeat it), 2 when the report is unreadable or,
/// with `--publish-strict`, when it could not be delivered.
///
/// # Errors
/// The report cannot be read or is not a version-1 JSON report.
pub fn run(args: &PublishCommand) -> Result<u8, Error> {
    let name = args.report.display().to_string();
    let bytes = std::fs::read(&args.report).map_err(|source| Error::Io {
        context: format!("cannot read the report {name}"),
        source,
    })?;
    let text = text_from_bytes(bytes, &name, max_file_bytes())?.text;
    let report = json::parse(&text).map_err(|err| {
        Diagnostic::file(&name, format!("not a prr JSON report: {err}"))
            .with_help("write one with `prr check --format json=prr-report.json`")
    })?;
    Ok(publish(&report, &args.options, Some(name), exit::PASS))
}

/// Publishes after `prr check`: the exit code stays the verdict's, unless publishing
/// failed under `--publish-strict`.
#[must_use]
pub fn publish(report: &Report, args: &PublishArgs, report_path: Option<String>, code: u8) -> u8 {
    let options = github::Options {
        comment: args.comment,
        check_run: (!args.no_check_run).then(|| args.check_run.clone()),
        summary: !args.no_summary,
        report_path,
    };
    let published = github::publish(report, &markdown_body(report), &options);
    write_stdout(&published.workflow_commands);
    let mut log = String::new();
    for line in &published.done {
        let _ = writeln!(log, "prr: {line}");
    }
    for line in &published.warnings {
        let _ = writeln!(log, "prr: warning: publishing: {line}");
    }
    write_stderr(&github::redact(&log));
    if published.failed && args.publish_strict {
        exit::ERROR
    } else {
        code
    }
}

/// Each `--rules` value as a source; `github:OWNER/REPO/PATH@REF` is fetched here.
///
/// # Errors
/// A `github:` pack cannot be fetched (exit 2: the rules cannot be had).
pub fn rules_sources(given: &[String]) -> Result<Vec<RulesSource>, Error> {
    given
        .iter()
        .map(|r| {
            if r == "builtin" {
                Ok(RulesSource::Builtin)
            } else if let Some(spec) = r.strip_prefix("github:") {
                let (label, files) = github::fetch_rules(spec).map_err(|err| {
                    Diagnostic::file(r, format!("cannot fetch the rules: {err}"))
                        .with_help("check the path and ref, and that PRR_RULES_TOKEN (or GITHUB_TOKEN) may read that repository")
                })?;
                Ok(RulesSource::Files { label, files })
            } else {
                Ok(RulesSource::Path(PathBuf::from(r)))
            }
        })
        .collect()
}

/// The comment, check-run summary and job summary body: the Markdown report, with links to
/// lines at the pull request's head commit.
fn markdown_body(report: &Report) -> String {
    let options = markdown::Options {
        links: crate::github::context::links_from_env(),
        ..markdown::Options::default()
    };
    markdown::render(report, &options)
}
