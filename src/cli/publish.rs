//! `prr publish REPORT.json` and the `--publish` half of `prr check`: the verdict on the
//! pull request. The network work is the `github` module's; this is the wiring.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::{exit, write_stderr, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::evidence::{approval, Evidence, Snapshot, Unavailable, DEFAULT_TIME_BOUND};
use crate::github::{self, CommentMode};
use crate::manifest::Manifest;
use crate::report::{diff, escape, json, markdown, BaseSide, FailOn, Report, Verdict};
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
    /// A report written by `prr check --format json=FILE` in another job. It is read as
    /// data, never run. In a privileged job (`workflow_run`, `pull_request_target`) it
    /// decides nothing: prr judges the manifests at the head commit itself and only
    /// compares the report with that judgement.
    #[arg(value_name = "REPORT.json")]
    pub report: Option<PathBuf>,
    /// In a privileged job: the manifests to judge at the head commit (files or
    /// directories, relative to the repository root); default the root's.
    #[arg(long, value_name = "PATH")]
    pub manifest: Vec<String>,
    /// In a privileged job: the trusted rules (`github:OWNER/REPO/PATH@REF`, `builtin`, or a
    /// path in this job's checkout of the default branch); default the built-in pack.
    #[arg(long, value_name = "PACK")]
    pub rules: Vec<String>,
    /// In a privileged job: judge dates as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// In a privileged job: what blocks the gate, error (default), warning, or new (only
    /// failures the pull request introduced, judged against its base commit).
    #[arg(long, value_name = "LEVEL", default_value = "error")]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub options: PublishArgs,
}

/// What every log line about the artifact starts with.
pub const MISMATCH: &str = "the report from the pull request's job does not match";

/// Runs `prr publish`: exit 0 once the judgement is delivered (the check run carries the
/// verdict; this job's own status need not repeat it), 2 when the report is unreadable or
/// disagrees with itself, when the head commit cannot be judged, or, with
/// `--publish-strict`, when the judgement could not be delivered.
///
/// # Errors
/// The report cannot be read, is not a version-1 JSON report, or its parts disagree; in a
/// privileged job, the manifests at the head commit or the rules cannot be had.
pub fn run(args: &PublishCommand) -> Result<u8, Error> {
    let artifact = args.report.as_deref().map(read_report);
    // Wherever there is a head commit to publish on, prr judges it itself (decision 15):
    // in a privileged job of any triggering event, and in every other job too. The
    // artifact is only compared with that judgement.
    let Some(cx) = github::Context::from_env()
        .ok()
        .filter(|cx| cx.head_sha.is_some())
    else {
        let Some(artifact) = artifact else {
            return Err(Error::Usage(
                "outside a GitHub Actions job with a head commit, name the report to publish (`prr publish prr-report.json`)".to_owned(),
            ));
        };
        let (report, name) = artifact?;
        refuse_disagreement(&report, &name)?;
        return Ok(publish(&report, &args.options, Some(name), exit::PASS));
    };
    let as_of = args.as_of.unwrap_or_else(super::today);
    let trusted = match judge_head(&cx, args, as_of) {
        Ok(report) => report,
        Err(err) => {
            // Nothing could be judged: the pull request shows why (verdict "error"), and
            // the artifact's verdict is not published in its place.
            let report = Report::unjudged(&err.diagnostics(), &as_of.to_string(), args.fail_on);
            let _ = publish(&report, &args.options, None, exit::ERROR);
            return Err(err);
        }
    };
    let mut body = markdown_body(&trusted);
    if let Some(artifact) = &artifact {
        let (differences, name) = match artifact {
            Ok((report, name)) => {
                let mut differences = diff::mismatch(&trusted, report);
                let disagreements = report.disagreements();
                if !disagreements.is_empty() {
                    differences.push(format!(
                        "it disagrees with itself: {}",
                        disagreements.join("; ")
                    ));
                }
                (differences, name.clone())
            }
            Err(err) => (
                vec![format!("the report artifact could not be read: {err}")],
                args.report
                    .as_deref()
                    .map_or_else(String::new, |p| p.display().to_string()),
            ),
        };
        if differences.is_empty() {
            write_stderr(&format!(
                "prr: {name} matches the judgement of the head commit\n"
            ));
        } else {
            let mut log = format!("prr: warning: {MISMATCH} ({name}); this job's judgement of the head commit is published:\n");
            let mut note = format!("> [!WARNING]\n> **{MISMATCH}.** This is prr's own judgement of the head commit; the report uploaded by the pull request's job differs:\n");
            for line in &differences {
                // The differences name what the artifact says: text the pull request controls.
                let _ = writeln!(log, "prr:   {}", escape::log_line(line));
                let _ = writeln!(note, "> - {}", escape::markdown(line));
            }
            write_stderr(&log);
            body = format!("{note}\n{body}");
        }
    }
    Ok(publish_body(
        &trusted,
        &body,
        &args.options,
        None,
        exit::PASS,
    ))
}

/// Reads a JSON report, no further than the size limit: an artifact of 100 MB is refused
/// after 1 MiB, not read whole first.
fn read_report(path: &Path) -> Result<(Report, String), Error> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let io_error = |source| Error::Io {
        context: format!("cannot read the report {name}"),
        source,
    };
    let limit = max_file_bytes();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit + 1).read_to_end(&mut bytes))
        .map_err(io_error)?;
    let text = text_from_bytes(bytes, &name, max_file_bytes())?.text;
    let report = json::parse(&text).map_err(|err| {
        Diagnostic::file(&name, format!("not a prr JSON report: {err}"))
            .with_help("write one with `prr check --format json=prr-report.json`")
    })?;
    Ok((report, name))
}

/// Refuses a report whose summaries or verdicts disagree with its own results (an edited
/// artifact): prr renders it only as it would have made it.
fn refuse_disagreement(report: &Report, name: &str) -> Result<(), Error> {
    let disagreements = report.disagreements();
    if !disagreements.is_empty() {
        return Err(Diagnostic::file(
            name,
            format!(
                "the report disagrees with itself, so it is not published: {}",
                disagreements.join("; ")
            ),
        )
        .with_help("publish a report exactly as `prr check --format json=FILE` wrote it")
        .into());
    }
    Ok(())
}

/// The privileged judgement: the manifests at the head commit, read through the API as
/// data, judged with the trusted rules.
fn judge_head(
    cx: &github::Context,
    args: &PublishCommand,
    as_of: jiff::civil::Date,
) -> Result<Report, Error> {
    let rules = crate::pipeline::load_rules(&args.rules, &super::repository_root())?;
    let (sha, files) = github::head_manifests(cx, &args.manifest).map_err(|err| {
        Diagnostic::file(
            args.manifest.first().map_or("prr.toml", String::as_str),
            format!(
                "cannot read the manifests at the head commit: {}",
                github::redact(&err.to_string())
            ),
        )
    })?;
    // The repository evidence at the head commit, read the same way: as data; and the
    // approvals waivers the pull request adds need, against the manifests at its base.
    // The trusted pack's Prometheus, shared with the base side (live data answers for now).
    let prometheus = std::sync::Arc::new(crate::evidence::prometheus::Gatherer::new(
        rules.prometheus.as_ref(),
        None,
        DEFAULT_TIME_BOUND,
    ));
    let dirs = directories(files.iter().map(|(name, _)| name.as_str()));
    let mut evidence =
        api_evidence(cx, &sha, &dirs).with_prometheus(std::sync::Arc::clone(&prometheus));
    if rules.incidents.is_some() {
        evidence.incidents = crate::evidence::Gathered::NotConfigured(
            "the publishing job reads the head commit through GitHub's API and not its incident files; `prr check` reads them from the tree it judges".to_owned(),
        );
    }
    if let Some(team) = rules.waiver_approvers.as_deref() {
        let names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
        let base = github::base_manifests(cx, &names).ok().map(|(_, files)| {
            approval::Base::Given(
                files
                    .into_iter()
                    .map(|(name, bytes)| (name, bytes.ok()))
                    .collect(),
            )
        });
        evidence.approval = approval::Gatherer::gather(Some(team), base);
    }
    let mut report = judge_files(files, &sha, &rules, as_of, args.fail_on, &evidence);
    if args.fail_on == FailOn::New {
        // Only what the pull request introduced blocks: the same manifests at its base
        // commit, read the same way, judged with the same rules and date.
        let names: Vec<String> = report.services.iter().map(|s| s.manifest.clone()).collect();
        let (base_sha, base_files) = github::base_manifests(cx, &names).map_err(|err| {
            Diagnostic::file(
                names.first().map_or("prr.toml", String::as_str),
                format!(
                    "--fail-on new: cannot read the manifests at the pull request's base commit: {}",
                    github::redact(&err.to_string())
                ),
            )
        })?;
        let evidence = api_evidence(cx, &base_sha, &dirs).with_prometheus(prometheus);
        let base = judge_files(
            base_files,
            &base_sha,
            &rules,
            as_of,
            FailOn::Error,
            &evidence,
        );
        let judged_there: Vec<&str> = base
            .services
            .iter()
            .filter(|s| s.verdict != Verdict::Error)
            .map(|s| s.manifest.as_str())
            .collect();
        let missing = names
            .iter()
            .filter(|name| !judged_there.contains(&name.as_str()))
            .cloned()
            .collect();
        report.compare_with(BaseSide {
            reference: "the pull request's base".to_owned(),
            missing,
            commit: base_sha,
            results: base.results,
        });
    }
    Ok(report)
}

/// The directories of the manifests named (from the root, `""` the root).
fn directories<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut dirs: Vec<String> = names
        .map(|name| name.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The repository evidence at `sha` for the manifests in `dirs`, read through the API as
/// data (or why it could not be).
fn api_evidence(cx: &github::Context, sha: &str, dirs: &[String]) -> Evidence {
    let short = sha.get(..12).unwrap_or(sha);
    let snapshot = github::head_repository(cx, sha, dirs)
        .map(|(files, texts)| {
            Snapshot::from_listing(
                format!("commit {short}"),
                Some(format!("{}/{}", cx.owner, cx.repo)),
                files,
                texts,
            )
        })
        // The head's files are the pull request's own data (decision 19).
        .map_err(|err| {
            Unavailable::own(
                format!("GitHub's API at commit {short}"),
                github::redact(&err.to_string()),
            )
        });
    Evidence::of_snapshot(snapshot, DEFAULT_TIME_BOUND)
}

/// Judges manifests read at `sha` (a file that could not be had is reported like an
/// unreadable one).
fn judge_files(
    files: Vec<github::head::HeadFile>,
    sha: &str,
    rules: &crate::rules::RuleSet,
    as_of: jiff::civil::Date,
    fail_on: FailOn,
    evidence: &Evidence,
) -> Report {
    let short = sha.get(..12).unwrap_or(sha);
    let manifests = files.into_iter().map(|(name, bytes)| {
        let parsed = bytes
            .map_err(|why| Error::from(Diagnostic::file(&name, format!("{why} ({short})"))))
            .and_then(|bytes| Ok(text_from_bytes(bytes, &name, max_file_bytes())?))
            .and_then(|source| Ok(Manifest::parse(Arc::new(source))?))
            .and_then(|mut manifest| {
                // Imports come from the same commit, read the same way; without its files
                // a manifest that imports cannot be judged (rather than judged on half).
                let none = std::collections::BTreeMap::new();
                let files: &dyn crate::manifest::import::Files = match evidence.snapshot() {
                    Some(snapshot) => snapshot,
                    None => &none,
                };
                crate::manifest::import::resolve(&mut manifest, files, &rules.imports)?;
                Ok(manifest)
            });
        (name, parsed)
    });
    crate::pipeline::judge(manifests, rules, as_of, evidence).report(rules, as_of, fail_on)
}

/// Publishes after `prr check`: the exit code stays the verdict's, unless publishing
/// failed under `--publish-strict`.
#[must_use]
pub fn publish(report: &Report, args: &PublishArgs, report_path: Option<String>, code: u8) -> u8 {
    publish_body(report, &markdown_body(report), args, report_path, code)
}

/// [`publish`] with the markdown body given (the privileged judgement adds a note to it).
fn publish_body(
    report: &Report,
    body: &str,
    args: &PublishArgs,
    report_path: Option<String>,
    code: u8,
) -> u8 {
    let options = github::Options {
        comment: args.comment,
        check_run: (!args.no_check_run).then(|| args.check_run.clone()),
        summary: !args.no_summary,
        report_path,
    };
    let published = github::publish(report, body, &options);
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

/// The comment, check-run summary and job summary body: the Markdown report, with links to
/// lines at the pull request's head commit.
fn markdown_body(report: &Report) -> String {
    let options = markdown::Options {
        links: crate::github::context::links_from_env(),
        ..markdown::Options::default()
    };
    markdown::render(report, &options)
}
