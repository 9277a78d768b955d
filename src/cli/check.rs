//! `prr check`: judge manifests, render the report in every format asked for, exit with
//! the verdict.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use clap::Args;

use super::{exit, write_file, write_stdout};
use crate::diagnostic::Error;
use crate::pipeline;
use crate::report::markdown;
use crate::report::{github, gitlab, human, json, junit, sarif, FailOn, Report, Verdict};

#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// A manifest file, or a directory searched for every prr.toml/prr.json below it
    /// (repeatable). Default: the manifest at the repository root.
    #[arg(long, value_name = "FILE|DIR")]
    pub manifest: Vec<PathBuf>,
    /// A rule pack directory, a rule file, `builtin`, or `github:OWNER/REPO/PATH@REF` (a
    /// trusted pack at a pinned ref; repeatable). Default: the built-in pack.
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<String>,
    /// Output format, optionally to a file: human, json, sarif, junit, markdown, github,
    /// gitlab (repeatable, e.g. `--format human --format sarif=prr.sarif`). Default: human.
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub format: Vec<FormatArg>,
    /// The file for the one --format given without `=FILE`.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Judge dates as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// What blocks the gate: error (default), warning, or new (only failures at severity
    /// error that the change introduced; needs a base).
    #[arg(long, value_name = "LEVEL", default_value = "error")]
    pub fail_on: FailOn,
    /// Also fail every service below this maturity level (one of the pack's `levels`,
    /// e.g. silver).
    #[arg(long, value_name = "LEVEL")]
    pub min_level: Option<String>,
    /// Also judge the manifests as they were at REF (read through git, nothing checked
    /// out) and mark each failure new or existing, and what the change fixed. In a GitHub
    /// Actions pull request it defaults to the pull request's base commit, in a GitLab merge
    /// request pipeline to CI_MERGE_REQUEST_DIFF_BASE_SHA.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Judge the manifests as committed in REV (read through git) instead of the working
    /// tree; the pre-push hook judges the commit being pushed this way.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// The Prometheus to check alerts and SLIs against, for a local run: overrides the URL
    /// the pack's `[source.prometheus]` reads from its environment variable (the token
    /// still comes from the pack's `token_env`).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// No live source is asked (the pre-push hook's runs): the rules that need one are
    /// skipped, saying so.
    #[arg(skip)]
    pub offline: bool,
    /// On the terminal, only the verdict's line when the gate passes with nothing to warn
    /// about (the pre-push hook's way: the whole report only when there is something to read).
    #[arg(long, short)]
    pub quiet: bool,
    /// The run is a deploy: deploy-only rules apply (`slo.budget-remaining` blocks a deploy
    /// of a service whose error budget is spent under `freeze-features`).
    #[arg(long)]
    pub deploy: bool,
    /// Publish the verdict to GitHub (pull-request comment, check run, job summary), or in
    /// GitLab CI to the merge request (one note).
    #[arg(long)]
    pub publish: bool,
    #[command(flatten)]
    pub publish_options: super::publish::PublishArgs,
}

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    /// The pull-request comment body.
    Markdown,
    /// Workflow commands (annotations); also appends the Markdown report to the job summary.
    Github,
    /// GitLab's Code Quality report (`artifacts:reports:codequality`).
    Gitlab,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            "sarif" => Ok(Self::Sarif),
            "junit" => Ok(Self::Junit),
            "markdown" => Ok(Self::Markdown),
            "github" => Ok(Self::Github),
            "gitlab" => Ok(Self::Gitlab),
            other => Err(format!(
                "unknown format `{other}`; the formats are human, json, sarif, junit, markdown, github, gitlab"
            )),
        }
    }
}

/// `FORMAT` or `FORMAT=FILE` with this command's formats.
pub type FormatArg = super::FormatArg<Format>;

/// Runs `prr check`: the library's pipeline (rules → manifests → evidence → engine →
/// report), then every format asked for, then publishing.
///
/// # Errors
/// The rules, the arguments or an output file are unusable (exit 2).
pub fn run(args: &CheckArgs) -> Result<u8, Error> {
    let outputs = outputs(args)?;
    let root = pipeline::repository_root();
    refuse_outputs_over_inputs(args, &outputs, &root)?;
    let mut options = args.options();
    // Only the human report's code frames read the files' texts after judging.
    options.texts = outputs.iter().any(|(format, _)| *format == Format::Human);
    let run = pipeline::run(&options).map_err(|failed| match failed {
        Ok(unusable) => unjudged_rules(args, &outputs, unusable.as_of, unusable.error),
        Err(error) => error,
    })?;
    for warning in &run.warnings {
        super::write_stderr(&format!("prr: warning: {warning}\n"));
    }
    let report = &run.report;
    render(args, &outputs, report, &run.judgement)?;
    let code = exit::of(report.verdict);
    if !args.publish {
        // The process ends with this command, and its memory with it: freeing a monorepo's
        // hundreds of thousands of results one by one first would only delay the exit code.
        std::mem::forget(run);
        return Ok(code);
    }
    let json_path = outputs
        .iter()
        .find_map(|(f, file)| (*f == Format::Json).then_some(file.as_ref()).flatten())
        .map(|p| p.display().to_string());
    Ok(super::gitlab::publish_either(
        report,
        &args.publish_options,
        json_path,
        code,
    ))
}

impl CheckArgs {
    /// The pipeline's options these arguments stand for.
    #[must_use]
    pub fn options(&self) -> pipeline::Options {
        pipeline::Options {
            manifests: self.manifest.clone(),
            rules: self.rules.clone(),
            as_of: self.as_of,
            fail_on: self.fail_on,
            min_level: self.min_level.clone(),
            base: self.base.clone(),
            rev: self.rev.clone(),
            prometheus: self.prometheus.clone(),
            offline: self.offline,
            deploy: self.deploy,
            texts: true,
        }
    }
}

/// Renders the report in every format asked for, to its file or the terminal.
fn render(
    args: &CheckArgs,
    outputs: &[(Format, Option<PathBuf>)],
    report: &Report,
    judgement: &pipeline::Judgement,
) -> Result<(), Error> {
    // The files' texts are kept only for the human report's code frames.
    let wants_frames = outputs.iter().any(|(f, _)| *f == Format::Human);
    let sources: human::Sources = if wants_frames {
        judgement
            .manifests
            .iter()
            .chain(&judgement.others)
            .map(|source| (source.name.clone(), Arc::clone(source)))
            .collect()
    } else {
        human::Sources::new()
    };
    // The terminal report already lists them; otherwise stderr is where they show.
    let human_on_terminal = outputs
        .iter()
        .any(|(f, file)| *f == Format::Human && file.is_none());
    let diagnostics = judgement.diagnostics();
    if !diagnostics.is_empty() && !human_on_terminal {
        super::write_stderr(&human::render_diagnostics(
            &diagnostics,
            super::stderr_color(),
        ));
    }
    for (format, file) in outputs {
        // The JSON of a large monorepo runs to hundreds of megabytes: it is streamed to its
        // file rather than built as one string first.
        if let (Format::Json, Some(path)) = (format, file) {
            super::write_atomically(path, |out| json::write_to(report, out))?;
            continue;
        }
        if *format == Format::Github {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                append_step_summary(Path::new(&path), report)?;
            }
        }
        let text = render_data(*format, report).unwrap_or_else(|| {
            let color = file.is_none() && super::stdout_color();
            let text = human::render(report, &sources, color);
            let clean = report.verdict == Verdict::Pass
                && report.summary.failed + report.summary.warnings == 0;
            if args.quiet && clean && file.is_none() {
                text.lines()
                    .next()
                    .map(|line| format!("{line}\n"))
                    .unwrap_or_default()
            } else {
                text
            }
        });
        deliver(file.as_ref(), &text)?;
    }
    Ok(())
}

/// Appends the Markdown report to the job summary, within what room GitHub leaves in it
/// (1 MiB a step, counting what earlier commands of the step wrote).
fn append_step_summary(path: &Path, report: &Report) -> Result<(), Error> {
    let io_error = |source| Error::Io {
        context: format!("cannot append to the job summary {}", path.display()),
        source,
    };
    let used =
        std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
    let room = markdown::MAX_STEP_SUMMARY_BYTES.saturating_sub(used + 1);
    let text = markdown::render(
        report,
        &markdown::Options {
            links: crate::github::context::links_from_env(),
            max_bytes: room,
        },
    );
    if text.len() > room {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_error)?;
    file.write_all(format!("\n{text}").as_bytes())
        .map_err(io_error)
}

/// The rules cannot be loaded: nothing can be judged. The report files asked for are still
/// written, with verdict "error" and the diagnostics, and still published, so that a
/// pipeline or a pull request shows why rather than nothing; the diagnostics also go to
/// stderr (exit 2).
fn unjudged_rules(
    args: &CheckArgs,
    outputs: &[(Format, Option<PathBuf>)],
    as_of: jiff::civil::Date,
    err: Error,
) -> Error {
    let report = Report::unjudged(&err.diagnostics(), &as_of.to_string(), args.fail_on);
    for (format, file) in outputs {
        // `human` has no share here: the terminal's is the diagnostics, printed by `main`.
        if let Some(text) = render_data(*format, &report) {
            if let Err(write_error) = deliver(file.as_ref(), &text) {
                return write_error;
            }
        }
    }
    if args.publish {
        // The exit code is 2 whatever publishing gives.
        let _ = super::gitlab::publish_either(&report, &args.publish_options, None, exit::ERROR);
    }
    err
}

/// The text of every format but `human` (which needs the files' texts and the terminal);
/// `None` for `human`.
fn render_data(format: Format, report: &Report) -> Option<String> {
    Some(match format {
        Format::Human => return None,
        Format::Json => json::render(report),
        Format::Sarif => {
            let (log, left_out) = sarif::render_noting(report);
            if let Some(note) = left_out {
                super::write_stderr(&format!("prr: {note}\n"));
            }
            log
        }
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(
            report,
            &markdown::Options {
                links: crate::github::context::links_from_env(),
                ..markdown::Options::default()
            },
        ),
        Format::Github => github::render(report),
        Format::Gitlab => gitlab::render(report),
    })
}

/// Writes a rendered report to its file, or to stdout.
fn deliver(file: Option<&PathBuf>, text: &str) -> Result<(), Error> {
    match file {
        Some(path) => write_file(path, text),
        None => {
            write_stdout(text);
            Ok(())
        }
    }
}

/// Each format with its destination (`None`: stdout).
fn outputs(args: &CheckArgs) -> Result<Vec<(Format, Option<PathBuf>)>, Error> {
    let formats = if args.format.is_empty() {
        vec![FormatArg {
            format: Format::Human,
            file: None,
        }]
    } else {
        args.format.clone()
    };
    let bare = formats.iter().filter(|f| f.file.is_none()).count();
    if args.output.is_some() && bare != 1 {
        return Err(Error::Usage(format!(
            "--output applies to the one --format without `=FILE`, and there are {bare}"
        )));
    }
    if bare > 1 {
        return Err(Error::Usage(
            "only one --format may write to the terminal; give the others a file (`--format json=prr.json`)".to_owned(),
        ));
    }
    let outputs: Vec<(Format, Option<PathBuf>)> = formats
        .into_iter()
        .map(|f| (f.format, f.file.or_else(|| args.output.clone())))
        .collect();
    let mut files: Vec<&PathBuf> = outputs
        .iter()
        .filter_map(|(_, file)| file.as_ref())
        .collect();
    files.sort();
    if let Some(pair) = files.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Error::Usage(format!(
            "two formats would write {}; give each its own file",
            pair[0].display()
        )));
    }
    Ok(outputs)
}

/// A report written over a manifest or a rule file would destroy what it judged: an output
/// path that is an input (a manifest, a rule file, a directory being read) is refused.
fn refuse_outputs_over_inputs(
    args: &CheckArgs,
    outputs: &[(Format, Option<PathBuf>)],
    root: &Path,
) -> Result<(), Error> {
    let existing: Vec<(PathBuf, &PathBuf)> = outputs
        .iter()
        .filter_map(|(_, file)| file.as_ref())
        .filter_map(|file| where_it_goes(file).map(|real| (real, file)))
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    // A file written into a rule pack's directory would be read as part of the pack.
    for rules in args.rules.iter().map(PathBuf::from).filter(|p| p.is_dir()) {
        let Ok(real) = std::fs::canonicalize(&rules) else {
            continue;
        };
        if let Some((_, file)) = existing.iter().find(|(out, _)| out.starts_with(&real)) {
            return Err(Error::Usage(format!(
                "{} is inside the rule pack {}: a report written there would replace a rule file or be read as one; choose another file",
                file.display(),
                rules.display()
            )));
        }
    }
    let mut inputs: Vec<PathBuf> = args.manifest.clone();
    inputs.extend(args.rules.iter().map(PathBuf::from));
    if args.manifest.is_empty() && args.rev.is_none() {
        // The manifest at the root is the run's one input.
        inputs.extend(
            crate::manifest::FILE_NAMES
                .iter()
                .map(|name| root.join(name)),
        );
    }
    for input in inputs {
        let Ok(real) = std::fs::canonicalize(&input) else {
            continue;
        };
        // A directory is searched (in the working tree): a manifest below it is an input
        // too. Only the outputs are looked at, not every manifest of a monorepo.
        let searched = args.rev.is_none() && real.is_dir();
        let replaces = |out: &Path| {
            *out == real
                || (searched
                    && out.starts_with(&real)
                    && out
                        .file_name()
                        .is_some_and(crate::manifest::is_manifest_name)
                    && out.is_file())
        };
        if let Some((_, file)) = existing.iter().find(|(out, _)| replaces(out)) {
            return Err(Error::Usage(format!(
                "{} is an input of this run ({}): a report written there would replace it; choose another file",
                file.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// The real path an output file has, or would have once written.
fn where_it_goes(file: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(file).ok().or_else(|| {
        let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = std::fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()?;
        Some(dir.join(file.file_name()?))
    })
}
