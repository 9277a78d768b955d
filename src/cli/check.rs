//! `prr check`: judge manifests, render the report in every format asked for, exit with
//! the verdict.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use clap::Args;

use super::{exit, repository_root, write_file, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::engine;
use crate::manifest::{self, Manifest};
use crate::report::{human, json, FailOn, Judged, Report, Verdict};
use crate::rules;
use crate::source::display_name;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A manifest file, or a directory searched for every prr.toml/prr.json below it
    /// (repeatable). Default: the manifest at the repository root.
    #[arg(long, value_name = "FILE|DIR")]
    pub manifest: Vec<PathBuf>,
    /// A rule pack directory, a rule file, or `builtin` (repeatable). Default: the built-in pack.
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<String>,
    /// Output format, optionally to a file: human, json (repeatable, e.g.
    /// `--format human --format json=prr.json`). Default: human.
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub format: Vec<FormatArg>,
    /// The file for the one --format given without `=FILE`.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Judge dates as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// What blocks the gate: error (default) or warning.
    #[arg(long, value_name = "LEVEL", default_value = "error")]
    pub fail_on: FailOn,
    /// Publish the verdict to GitHub (pull-request comment, check run, job summary).
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
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "unknown format `{other}`; the formats are human, json"
            )),
        }
    }
}

/// `FORMAT` or `FORMAT=FILE`.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatArg {
    pub format: Format,
    pub file: Option<PathBuf>,
}

impl FromStr for FormatArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, file) = match s.split_once('=') {
            Some((format, file)) if !file.is_empty() => (format, Some(PathBuf::from(file))),
            Some(_) => return Err(format!("`{s}`: a file name must follow `=`")),
            None => (s, None),
        };
        Ok(Self {
            format: format.parse()?,
            file,
        })
    }
}

/// Runs `prr check`.
///
/// # Errors
/// The rules, the arguments or an output file are unusable (exit 2).
pub fn run(args: &CheckArgs) -> Result<u8, Error> {
    if args.fail_on == FailOn::New {
        return Err(Error::Usage(
            "--fail-on new needs --base REF to compare with".to_owned(),
        ));
    }
    let outputs = outputs(args)?;
    let root = repository_root();
    let as_of = args.as_of.unwrap_or_else(super::today);
    let sources = super::publish::rules_sources(&args.rules)?;
    let rules = rules::load(&sources, &root)?;
    let paths = manifest_paths(&args.manifest, &root)?;

    let mut loaded = Vec::new();
    let mut unjudged = Vec::new();
    for path in &paths {
        let name = display_name(path, &root);
        match Manifest::load(path, &name) {
            Ok(manifest) => loaded.push(manifest),
            Err(err) => unjudged.push((name, err.diagnostics())),
        }
    }
    let mut judged: Vec<Judged<'_>> = loaded
        .iter()
        .map(|m| Judged::Evaluated {
            source: &m.source,
            evaluation: engine::evaluate(m, &rules, as_of),
        })
        .collect();
    let mut all_diagnostics: Vec<Diagnostic> = Vec::new();
    for (manifest, diagnostics) in unjudged {
        all_diagnostics.extend(diagnostics.iter().cloned());
        judged.push(Judged::Unjudged {
            manifest,
            diagnostics,
        });
    }
    let report = Report::build(judged, &rules, &as_of.to_string(), args.fail_on);
    let sources: human::Sources = loaded
        .iter()
        .map(|m| (m.source.name.clone(), Arc::clone(&m.source)))
        .collect();

    // The terminal report already lists them; otherwise stderr is where they show.
    let human_on_terminal = outputs
        .iter()
        .any(|(f, file)| *f == Format::Human && file.is_none());
    if !all_diagnostics.is_empty() && !human_on_terminal {
        super::write_stderr(&human::render_diagnostics(
            &all_diagnostics,
            super::stderr_color(),
        ));
    }
    for (format, file) in &outputs {
        let color = file.is_none() && super::stdout_color();
        let text = match format {
            Format::Human => human::render(&report, &sources, color),
            Format::Json => json::render(&report),
        };
        match file {
            Some(path) => write_file(path, &text)?,
            None => write_stdout(&text),
        }
    }
    let code = match report.verdict {
        Verdict::Pass => exit::PASS,
        Verdict::Fail => exit::FAIL,
        Verdict::Error => exit::ERROR,
    };
    if !args.publish {
        return Ok(code);
    }
    let json_path = outputs
        .iter()
        .find_map(|(f, file)| (*f == Format::Json).then_some(file.as_ref()).flatten())
        .map(|p| p.display().to_string());
    Ok(super::publish::publish(
        &report,
        &args.publish_options,
        json_path,
        code,
    ))
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
    Ok(formats
        .into_iter()
        .map(|f| (f.format, f.file.or_else(|| args.output.clone())))
        .collect())
}

/// The manifests named, or the one at the repository root.
fn manifest_paths(given: &[PathBuf], root: &std::path::Path) -> Result<Vec<PathBuf>, Error> {
    if given.is_empty() {
        return match manifest::in_directory(root, &display_name(root, root))? {
            Some(path) => Ok(vec![path]),
            None => Err(Diagnostic::file(
                display_name(&root.join("prr.toml"), root),
                "no prr.toml or prr.json at the repository root",
            )
            .with_help("name one with --manifest, or write one with `prr init`")
            .into()),
        };
    }
    let mut paths = Vec::new();
    for path in given {
        if path.is_dir() {
            let found = manifest::discover(path, root)?;
            if found.is_empty() {
                return Err(Diagnostic::file(
                    display_name(path, root),
                    "no prr.toml or prr.json below this directory",
                )
                .into());
            }
            paths.extend(found);
        } else {
            paths.push(path.clone());
        }
    }
    paths.dedup();
    Ok(paths)
}
