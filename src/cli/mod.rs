//! The command line: clap definitions and the wiring of each command. `main.rs` only maps
//! the outcome to an exit code.

mod budget;
mod check;
mod explain;
mod export;
mod fleet;
mod gitlab;
mod hook;
mod init;
mod lsp;
mod man;
mod publish;
mod review;
mod rules;
mod schema;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::diagnostic::Error;
use crate::report::human;

/// Exit codes: the contract with pipelines and hooks.
pub mod exit {
    /// The gate passed.
    pub const PASS: u8 = 0;
    /// The gate failed: a blocking finding.
    pub const FAIL: u8 = 1;
    /// The tool could not judge (unreadable input, bad arguments).
    pub const ERROR: u8 = 2;

    /// The exit code of a verdict.
    #[must_use]
    pub fn of(verdict: crate::report::Verdict) -> u8 {
        match verdict {
            crate::report::Verdict::Pass => PASS,
            crate::report::Verdict::Fail => FAIL,
            crate::report::Verdict::Error => ERROR,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "prr",
    version,
    about = "A production-readiness gate: judges a service's PRR manifest (prr.toml) against a rule pack",
    after_help = "Exit codes: 0 the gate passed, 1 the gate failed, 2 prr could not judge."
)]
pub struct Cli {
    /// Colours on the terminal: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE
    /// or FORCE_COLOR force them, e.g. in a CI log that renders ANSI), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// The `--color` of this run, set once at start.
static COLOR: std::sync::OnceLock<ColorWhen> = std::sync::OnceLock::new();

/// Whether colours go to a stream that is (or is not) a terminal: `--color`, then the
/// conventions (NO_COLOR wins over CLICOLOR_FORCE and FORCE_COLOR), then the terminal.
fn color_for(is_terminal: bool) -> bool {
    let set = |name: &str| {
        std::env::var(name)
            .ok()
            .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
    };
    match COLOR.get().copied().unwrap_or(ColorWhen::Auto) {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else {
                set("CLICOLOR_FORCE") || set("FORCE_COLOR") || is_terminal
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge one or more manifests and report the verdict.
    Check(check::CheckArgs),
    /// Can we ship? `prr check --deploy` read for the error budgets, with its exit code
    Budget(budget::BudgetArgs),
    /// Install or remove the git pre-push hook that runs the gate on the commit being pushed.
    Hook(hook::HookArgs),
    /// Explain a rule: why it matters, how to fix it, where it is defined.
    Explain(explain::ExplainArgs),
    /// Write a commented prr.toml for a new service.
    Init(init::InitArgs),
    /// Write the manifest's facts as OpenSLO SLOs or a Backstage catalog-info Component
    /// (the files `[import]` reads).
    Export(export::ExportArgs),
    /// A rule pack's authors' tools: list, test, lint, doc.
    Rules(rules::RulesArgs),
    /// Print a JSON Schema: of the manifest, or of rule files and pack.toml.
    Schema(schema::SchemaArgs),
    /// The language server (LSP on stdin and stdout): `prr check`'s findings in the editor.
    Lsp(lsp::LspArgs),
    /// Publish a JSON report to the pull request (a later, privileged job's step).
    Publish(publish::PublishCommand),
    /// The quarterly reviews from data: blameless MTTR/MTTF figures per team.
    Review(review::ReviewArgs),
    /// Judge many services with one pack: scorecards, levels, a rollout preview, the
    /// dependency graph and the review calendar.
    Fleet(fleet::FleetArgs),
    /// Print a shell completion script: `prr completions bash > /etc/bash_completion.d/prr`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff): `prr man check | man -l -`; `--out-dir` writes them all.
    Man(man::ManArgs),
}

/// `FORMAT` or `FORMAT=FILE`, for any command's set of formats.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatArg<F> {
    pub format: F,
    pub file: Option<PathBuf>,
}

impl<F: FromStr<Err = String>> FromStr for FormatArg<F> {
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

/// Parses the arguments, runs the command, and returns the exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::ERROR
            } else {
                exit::PASS
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let _ = COLOR.set(cli.color);
    let outcome = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Budget(args) => budget::run(&args),
        Command::Hook(args) => hook::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Schema(args) => Ok(schema::run(&args)),
        Command::Lsp(args) => lsp::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Review(args) => review::run(&args),
        Command::Fleet(args) => fleet::run(&args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "prr", &mut out);
            write_stdout(&String::from_utf8_lossy(&out));
            Ok(exit::PASS)
        }
        Command::Man(args) => man::run(&args),
    };
    match outcome {
        Ok(_) if STDOUT_FAILED.load(std::sync::atomic::Ordering::Relaxed) => {
            ExitCode::from(exit::ERROR)
        }
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            print_error(&err);
            ExitCode::from(exit::ERROR)
        }
    }
}

/// Writes what stopped a command (exit 2) to stderr.
fn print_error(err: &Error) {
    write_stderr(&human::render_diagnostics(
        &err.diagnostics(),
        stderr_color(),
    ));
}

/// Whether colour goes to stdout (`--color`, NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR, a terminal).
#[must_use]
pub fn stdout_color() -> bool {
    color_for(std::io::stdout().is_terminal())
}

fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Set when stdout could not take what was written (a full disk or device): the run then
/// ends with exit 2, since whoever reads the report did not get it.
static STDOUT_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to stdout; a closed pipe (`prr check | head`) is not a crash, and any other write
/// error is said on stderr once and makes the exit code 2.
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe
            && !STDOUT_FAILED.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            write_stderr(&format!(
                "error: cannot write the report to stdout: {err}\n"
            ));
        }
    }
}

pub fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Writes a file, naming it in the error.
///
/// # Errors
/// The file cannot be written.
pub fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    write_atomically(path, |out| out.write_all(text.as_bytes()))
}

/// Writes a file whole or not at all: into a temporary file beside it, then renamed over
/// it, so an interrupted run never leaves half a report where the last good one was. The
/// one function every command writes its output files with.
///
/// Only a regular file (or nothing) is replaced that way. Anything else at `path` (a device
/// such as `/dev/null`, a FIFO, `/dev/stdout`, a symlink) is written straight through:
/// renaming over it would put a regular file in its place, and a `--format json=/dev/null`
/// run as root would take the machine's `/dev/null` away.
///
/// # Errors
/// The file cannot be written; the error names it.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let error = |source| Error::Io {
        context: format!("cannot write {}", path.display()),
        source,
    };
    let replaceable = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata.file_type().is_file(),
        Err(err) => err.kind() == std::io::ErrorKind::NotFound,
    };
    if !replaceable {
        // No truncation asked of a device or a FIFO (it has no length); a symlink's
        // target, when a regular file, is truncated by the open like any file.
        let through = std::fs::OpenOptions::new()
            .write(true)
            .truncate(std::fs::metadata(path).is_ok_and(|m| m.is_file()))
            .open(path)
            .and_then(|mut file| {
                write(&mut file)?;
                file.flush()
            });
        return through.map_err(error);
    }
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("report"),
        std::ffi::OsStr::to_os_string,
    );
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(&name);
    temporary_name.push(format!(".prr-{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        write(&mut file)?;
        file.flush()
    });
    if let Err(err) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(error(err));
    }
    Ok(())
}

pub use crate::pipeline::{repository_root, today};

/// Parses `YYYY-MM-DD` for `--as-of`.
///
/// # Errors
/// Not a real calendar date.
pub fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    text.parse::<jiff::civil::Date>()
        .ok()
        .filter(|_| ok)
        .ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)"))
}
