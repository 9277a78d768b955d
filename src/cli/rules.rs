//! `prr rules list|test|lint|doc [PATH]`: the rule pack's authors' commands.

use clap::{Args, Subcommand};

use super::{exit, repository_root, write_stdout};
use crate::diagnostic::Error;
use crate::engine::examples::{self, ExampleResult};
use crate::rules::{load_partial, Loaded, RulesSource};
use crate::toolkit::{lint, reference};

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// The pack a command reads.
#[derive(Debug, Args)]
pub struct PackArg {
    /// A rule pack directory, a rule file, or `builtin` (the default).
    #[arg(value_name = "PATH", default_value = "builtin")]
    pub path: String,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules of a pack: id, severity, category, where it applies, source.
    List(PackArg),
    /// Run every `[[rule.test]]` example of a pack; exit 1 if any fails.
    Test(TestArgs),
    /// Check a pack's own rules: ids, documentation, examples, dates, levels; every problem
    /// of every file at once. Exit 1 on an error, 2 when the pack does not load (as `test`).
    Lint(LintArgs),
    /// Print the Markdown reference of a pack (`docs/rules.md` for the built-in one).
    Doc(PackArg),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub pack: PackArg,
    /// Only the pack's own rules, not those it inherits through `extends`.
    #[arg(long)]
    pub own: bool,
    /// Judge examples without `as_of` as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub pack: PackArg,
    /// Judge `enforce_after` dates as of this day instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
}

/// Runs `prr rules ...`.
///
/// # Errors
/// The pack cannot be loaded (exit 2), with every problem found.
pub fn run(args: &RulesArgs) -> Result<u8, Error> {
    match &args.command {
        RulesCommand::List(pack) => {
            let loaded = load_strict(pack)?;
            write_stdout(&reference::list(&loaded.rules));
            Ok(exit::PASS)
        }
        RulesCommand::Doc(pack) => {
            let loaded = load_strict(pack)?;
            write_stdout(&reference::markdown(&loaded.rules));
            Ok(exit::PASS)
        }
        RulesCommand::Test(test) => run_tests(test),
        RulesCommand::Lint(args) => run_lint(args),
    }
}

fn load(pack: &PackArg) -> Loaded {
    load_partial(&[RulesSource::from_arg(&pack.path)], &repository_root())
}

/// The pack, or every problem that keeps it from loading whole.
pub(super) fn load_strict(pack: &PackArg) -> Result<Loaded, Error> {
    let loaded = load(pack);
    if loaded.diagnostics.is_empty() {
        Ok(loaded)
    } else {
        Err(Error::Diagnostics(loaded.diagnostics))
    }
}

fn run_tests(args: &TestArgs) -> Result<u8, Error> {
    let loaded = load_strict(&args.pack)?;
    let today = args.as_of.unwrap_or_else(super::today);
    let results = examples::run(&loaded.rules, today, |rule| {
        !loaded.is_implicit(rule) && (!args.own || loaded.is_own(rule))
    });
    let failed: Vec<&ExampleResult<'_>> = results.iter().filter(|r| !r.passed()).collect();
    let mut out = String::new();
    for result in &failed {
        out.push_str(&describe_failure(result));
    }
    if !failed.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!(
        "{} passed, {} failed\n",
        results.len() - failed.len(),
        failed.len()
    ));
    write_stdout(&out);
    Ok(if failed.is_empty() {
        exit::PASS
    } else {
        exit::FAIL
    })
}

/// One failing example: where it is, what it expected, what the rule said.
fn describe_failure(result: &ExampleResult<'_>) -> String {
    let test = result.test;
    let actual = result.actual.map_or_else(
        || "the example manifest could not be parsed".to_owned(),
        |a| a.to_string(),
    );
    let mut out = format!(
        "FAIL {} example \"{}\" ({}:{})\n  expected: {}\n  actual:   {actual}\n",
        result.rule.id, test.name, test.origin.file, test.origin.line, test.expect
    );
    for message in &result.messages {
        out.push_str(&format!("  message:  {message}\n"));
    }
    out
}

fn run_lint(args: &LintArgs) -> Result<u8, Error> {
    let loaded = load(&args.pack);
    let today = args.as_of.unwrap_or_else(super::today);
    // Every problem of every file, in one run: a file that does not parse hides nothing
    // in the others.
    let findings = lint::lint(&loaded, today);
    if findings.is_empty() && loaded.unreadable {
        // Nothing to list beside it: the pack itself cannot be read.
        return Err(Error::Diagnostics(loaded.diagnostics));
    }
    let errors = findings
        .iter()
        .filter(|f| f.level == lint::Level::Error)
        .count();
    let mut out = String::new();
    for finding in &findings {
        out.push_str(&format!("{finding}\n"));
    }
    let own = lint::own_rules(&loaded).count();
    let unparsed = match loaded.unparsed.len() {
        0 => String::new(),
        1 => format!(
            " ({} does not parse: its rules are not counted)",
            loaded.unparsed[0]
        ),
        n => format!(" ({n} files do not parse: their rules are not counted)"),
    };
    out.push_str(&format!(
        "{own} {} linted{unparsed}: {errors} {}, {} {}\n",
        plural(own, "rule", "rules"),
        plural(errors, "error", "errors"),
        findings.len() - errors,
        plural(findings.len() - errors, "warning", "warnings"),
    ));
    write_stdout(&out);
    // A problem that keeps the pack from loading is exit 2, as `prr check` and
    // `prr rules test` give for it; a pack that loads with lint errors is exit 1.
    Ok(if !loaded.diagnostics.is_empty() {
        exit::ERROR
    } else if errors == 0 {
        exit::PASS
    } else {
        exit::FAIL
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}
