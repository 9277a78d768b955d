//! `prr fleet`: judge many services with one pack and report on all of them together;
//! `prr fleet merge`: combine the reports of shards.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::{exit, repository_root, write_file, write_stderr, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::fleet::graph::DEFAULT_SPOF_THRESHOLD;
use crate::fleet::{self, calendar, render, FleetReport, Judge, Meta, ServiceRow, Shard};
use crate::manifest::{self, Manifest};
use crate::report::Report;
use crate::source::{display_name, max_file_bytes, read_text, text_from_bytes, ReadError};
use crate::{github, rules};

#[derive(Clone, Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: Option<FleetCommand>,
    /// Where the services are (repeatable, mixable): a directory searched for every
    /// prr.toml/prr.json below it; `github:ORG`, every non-archived repository of an
    /// organisation (its manifest at the default branch's head, read through GitHub's
    /// GraphQL API with PRR_FLEET_TOKEN or GITHUB_TOKEN); or a directory of JSON reports
    /// that `prr check --format json` wrote.
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,
    /// The rule pack the fleet is judged with, as `prr check --rules`. Default: the
    /// built-in pack.
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<String>,
    /// A candidate pack: preview whom it would block that passes today, and when.
    #[arg(long, value_name = "PACK")]
    pub candidate: Vec<String>,
    /// An earlier fleet report (JSON): each team's level and failures then and now.
    #[arg(long, value_name = "REPORT")]
    pub compare: Option<PathBuf>,
    /// Judge only the K-th of N deterministic parts of the fleet (e.g. 2/8); combine the
    /// parts' JSON reports with `prr fleet merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Judge dates as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
}

#[derive(Clone, Debug, Args)]
pub struct OutputArgs {
    /// Output format, optionally to a file: markdown (default), json, html, csv, ics (the
    /// review calendar); repeatable, e.g. `--format html=fleet.html --format json=fleet.json`.
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub format: Vec<FormatArg>,
    /// A service that at least this many tier-1/2 services depend on critically, with no
    /// fallback, is a single point of failure.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SPOF_THRESHOLD)]
    pub spof_threshold: usize,
}

#[derive(Clone, Debug, Subcommand)]
pub enum FleetCommand {
    /// Combine the JSON reports of `prr fleet --shard K/N` into one fleet report.
    Merge(MergeArgs),
}

#[derive(Clone, Debug, Args)]
pub struct MergeArgs {
    /// The shards' fleet reports (JSON).
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// An earlier fleet report (JSON) to compare with.
    #[arg(long, value_name = "REPORT")]
    pub compare: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The fleet report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Html,
    Csv,
    Ics,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "markdown" => Ok(Self::Markdown),
            "html" => Ok(Self::Html),
            "csv" => Ok(Self::Csv),
            "ics" => Ok(Self::Ics),
            other => Err(format!(
                "unknown format `{other}`; the fleet formats are json, markdown, html, csv, ics"
            )),
        }
    }
}

/// `FORMAT` or `FORMAT=FILE` with this command's formats.
pub type FormatArg = super::FormatArg<Format>;

/// Runs `prr fleet`.
///
/// # Errors
/// The rules, a source or the arguments are unusable, or an output cannot be written
/// (exit 2). A manifest or report that cannot be judged is a row of its own, not an error.
pub fn run(args: &FleetArgs) -> Result<u8, Error> {
    if let Some(FleetCommand::Merge(merge)) = &args.command {
        return run_merge(merge);
    }
    check_outputs(&args.output.format)?;
    let root = repository_root();
    let as_of = args.as_of.unwrap_or_else(super::today);
    let rules = crate::pipeline::load_rules(&args.rules, &root)?;
    let candidate = if args.candidate.is_empty() {
        None
    } else {
        Some(crate::pipeline::load_rules(&args.candidate, &root)?)
    };
    let earlier = args.compare.as_deref().map(read_fleet_report).transpose()?;
    // The evidence stage as `prr check` runs it: each service's own repository, and the
    // live sources the pack configures.
    let evidence = crate::pipeline::gather_evidence(
        &crate::pipeline::Options::default(),
        &root,
        None,
        None,
        &rules,
    );
    let judge = Judge {
        rules: &rules,
        candidate: candidate.as_ref(),
        as_of,
        evidence: &evidence,
    };
    let mut rows = Vec::new();
    for source in &args.sources {
        rows.extend(rows_of_source(source, &root, &judge, args.shard)?);
    }
    let mut report = FleetReport::build(
        rows,
        Meta {
            as_of,
            levels: rules.levels.clone(),
            packs: rules.packs.clone(),
            shard: args.shard,
            candidate: candidate.is_some(),
        },
        args.output.spof_threshold,
    );
    if let Some(earlier) = &earlier {
        report.compare_with(earlier);
    }
    deliver(&report, &args.output.format)?;
    Ok(exit::PASS)
}

fn run_merge(args: &MergeArgs) -> Result<u8, Error> {
    check_outputs(&args.output.format)?;
    let reports = args
        .reports
        .iter()
        .map(|path| read_fleet_report(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut report =
        FleetReport::merge(reports, args.output.spof_threshold).map_err(Error::Usage)?;
    if let Some(path) = &args.compare {
        report.compare_with(&read_fleet_report(path)?);
    }
    deliver(&report, &args.output.format)?;
    Ok(exit::PASS)
}

/// The rows of one source: `github:ORG`, a directory of manifests, or a directory of JSON
/// reports.
fn rows_of_source(
    source: &str,
    root: &Path,
    judge: &Judge<'_>,
    shard: Option<Shard>,
) -> Result<Vec<ServiceRow>, Error> {
    if let Some(org) = source.strip_prefix("github:") {
        return rows_of_organisation(source, org, judge, shard);
    }
    let dir = PathBuf::from(source);
    let shown = display_name(&dir, root);
    if !dir.is_dir() {
        return Err(Diagnostic::file(
            shown,
            "not a directory; a fleet source is a directory of checkouts or of JSON reports",
        )
        .into());
    }
    let in_shard = |name: &str| shard.is_none_or(|s| s.holds(name));
    let manifests = manifest::discover(&dir, root)?;
    if !manifests.is_empty() {
        return Ok(manifests
            .iter()
            .map(|path| (path, display_name(path, root)))
            .filter(|(_, name)| in_shard(name))
            .map(
                |(path, name)| match load_with_imports(path, &name, root, judge.rules) {
                    Ok(mut manifest) => judge.manifest(&mut manifest),
                    Err(err) => ServiceRow::unjudged(&name, &err.to_string()),
                },
            )
            .collect());
    }
    let reports = json_files(&dir);
    if reports.is_empty() {
        return Err(Diagnostic::file(
            shown,
            "no prr.toml, prr.json or JSON report below this directory",
        )
        .into());
    }
    let mut rows = Vec::new();
    for path in reports {
        let name = display_name(&path, root);
        if !in_shard(&name) {
            continue;
        }
        match read_report(&path, &name) {
            Ok(report) => rows.extend(fleet::rows_of_report(&report, &name)),
            Err(message) => rows.push(ServiceRow::unjudged(&name, &message)),
        }
    }
    Ok(rows)
}

/// The rows of `github:ORG`: one per non-archived repository (the shard split keys on
/// its `OWNER/NAME`), each judged as its page arrives. A manifest is judged as a local
/// one is, shown as `OWNER/NAME/prr.toml`; a repository without one is listed as such.
fn rows_of_organisation(
    source: &str,
    org: &str,
    judge: &Judge<'_>,
    shard: Option<Shard>,
) -> Result<Vec<ServiceRow>, Error> {
    let login_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
    if org.is_empty() || !org.chars().all(login_char) {
        return Err(Error::Usage(format!(
            "`{source}` is not `github:ORG` with an organisation's login (letters, digits and `-`), such as `github:acme`"
        )));
    }
    let mut rows = Vec::new();
    let listing = github::fleet::list(org, |repo| {
        if shard.is_none_or(|s| s.holds(&repo.name)) {
            rows.push(row_of_repository(repo, judge));
        }
    })
    .map_err(|err| {
        Diagnostic::file(
            source,
            format!(
                "cannot list the organisation's repositories: {}",
                github::redact(&err.to_string())
            ),
        )
        .with_help("check the organisation's login, and that PRR_FLEET_TOKEN (or GITHUB_TOKEN) may read its repositories and their contents")
    })?;
    let archived = if listing.archived > 0 {
        format!(" ({} archived ones left out)", listing.archived)
    } else {
        String::new()
    };
    write_stderr(&format!(
        "{source}: {} repositories{archived} in {} GraphQL requests\n",
        listing.repositories, listing.requests
    ));
    Ok(rows)
}

fn row_of_repository(repo: github::fleet::Repository, judge: &Judge<'_>) -> ServiceRow {
    match (repo.toml, repo.json) {
        (None, None) => ServiceRow::no_manifest(&repo.name),
        (Some(_), Some(_)) => {
            ServiceRow::unjudged(&repo.name, &manifest::both_formats(&repo.name).to_string())
        }
        (Some(blob), None) => row_of_blob(&format!("{}/prr.toml", repo.name), blob, judge),
        (None, Some(blob)) => row_of_blob(&format!("{}/prr.json", repo.name), blob, judge),
    }
}

/// A manifest read through the API, held to the limits a local file is.
fn row_of_blob(name: &str, blob: github::fleet::Blob, judge: &Judge<'_>) -> ServiceRow {
    let limit = max_file_bytes();
    if blob.byte_size > limit {
        let err = Error::from(ReadError::TooLarge {
            name: name.to_owned(),
            size: blob.byte_size,
            limit,
        });
        return ServiceRow::unjudged(name, &err.to_string());
    }
    let text = match blob.text {
        Some(text) if !blob.is_truncated => text,
        _ => {
            let why = if blob.is_binary == Some(true) {
                "a binary file"
            } else {
                "GitHub's GraphQL API gives no text for it"
            };
            return ServiceRow::unjudged(
                name,
                &format!(
                    "{name}: {why} ({} bytes); a manifest is UTF-8 text",
                    blob.byte_size
                ),
            );
        }
    };
    let parsed = text_from_bytes(text.into_bytes(), name, limit)
        .map_err(Error::from)
        .and_then(|source| Ok(Manifest::parse(Arc::new(source))?));
    match parsed {
        Ok(mut manifest) => judge.manifest(&mut manifest),
        Err(err) => ServiceRow::unjudged(name, &err.to_string()),
    }
}

/// Every `*.json` file below a directory, in name order.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A check report, or why it is not one (with its line and column).
fn read_report(path: &Path, name: &str) -> Result<Report, String> {
    let source = read_text(path, name).map_err(|err| Diagnostic::from(&err).to_string())?;
    serde_json::from_str::<Report>(&source.text).map_err(|err| {
        format!(
            "{name}:{}:{}: not a prr check report (JSON): {err}",
            err.line(),
            err.column()
        )
    })
}

/// How large a fleet report may be: one for 10,000 services is about 18 MB, far over the
/// manifests' limit.
const MAX_FLEET_REPORT_BYTES: u64 = 1 << 30;

/// An earlier fleet report (`--compare`, `prr fleet merge`).
fn read_fleet_report(path: &Path) -> Result<FleetReport, Error> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let io_error = |source| Error::Io {
        context: format!("cannot read {name}"),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(io_error)?
        .take(MAX_FLEET_REPORT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io_error)?;
    if text.len() as u64 > MAX_FLEET_REPORT_BYTES {
        return Err(Diagnostic::file(&name, "over 1 GiB: not a fleet report").into());
    }
    let report: FleetReport = serde_json::from_str(&text).map_err(|err| {
        let mut diagnostic = Diagnostic::file(
            &name,
            format!("not a prr fleet report (JSON, `prr fleet --format json`): {err}"),
        );
        diagnostic.fixed_position = Some(crate::source::LineCol {
            line: err.line(),
            column: err.column(),
        });
        diagnostic
    })?;
    if report.kind != "fleet" || report.version != fleet::VERSION {
        return Err(Diagnostic::file(
            &name,
            format!(
                "a fleet report of kind `{}` version {}; this prr reads kind `fleet` version {}",
                report.kind,
                report.version,
                fleet::VERSION
            ),
        )
        .into());
    }
    Ok(report)
}

fn check_outputs(formats: &[FormatArg]) -> Result<(), Error> {
    let bare = formats.iter().filter(|f| f.file.is_none()).count();
    if bare > 1 {
        return Err(Error::Usage(
            "only one --format may write to the terminal; give the others a file (`--format html=fleet.html`)".to_owned(),
        ));
    }
    let mut files: Vec<&PathBuf> = formats.iter().filter_map(|f| f.file.as_ref()).collect();
    files.sort();
    if let Some(pair) = files.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Error::Usage(format!(
            "two formats would write {}; give each its own file",
            pair[0].display()
        )));
    }
    Ok(())
}

fn deliver(report: &FleetReport, formats: &[FormatArg]) -> Result<(), Error> {
    let default = [FormatArg {
        format: Format::Markdown,
        file: None,
    }];
    let formats = if formats.is_empty() {
        &default[..]
    } else {
        formats
    };
    for arg in formats {
        let text = match arg.format {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(report).map_err(|err| {
                    Error::Usage(format!("cannot write the fleet report as JSON: {err}"))
                })?;
                text.push('\n');
                text
            }
            Format::Markdown => render::markdown(report),
            Format::Html => render::html(report),
            Format::Csv => render::csv(report)
                .map_err(|err| Error::Usage(format!("cannot write the CSV: {err}")))?,
            Format::Ics => {
                let as_of = report.as_of.parse().unwrap_or_else(|_| super::today());
                calendar::to_ics(&report.calendar, as_of)
            }
        };
        match &arg.file {
            Some(path) => write_file(path, &text)?,
            None => write_stdout(&text),
        }
    }
    Ok(())
}

/// A fleet's manifest with its `[import]` files, read from the checkout it is in.
fn load_with_imports(
    path: &std::path::Path,
    name: &str,
    root: &std::path::Path,
    rules: &rules::RuleSet,
) -> Result<Manifest, Error> {
    let mut manifest = Manifest::load(path, name)?;
    crate::manifest::import::resolve(
        &mut manifest,
        &crate::manifest::import::WorkingTree { root },
        &rules.imports,
    )?;
    Ok(manifest)
}
