//! `prr init`: writes a commented `prr.toml` for a new service. Values not given are asked
//! for on a terminal, and left as visible TODOs otherwise; an existing manifest is never
//! overwritten without `--force`.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, write_file, write_stderr, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::manifest::{Manifest, FILE_NAMES};
use crate::toolkit::init::{is_valid_name, template, Answers};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The service's name (default on a terminal: the directory's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// 1 critical, 2 important, 3 standard, 4 experimental.
    #[arg(long, value_name = "TIER", value_parser = clap::value_parser!(u8).range(1..=4))]
    pub tier: Option<u8>,
    /// The owning team: "@org/team" or "team:<name>" (never a person).
    #[arg(long, value_name = "TEAM")]
    pub owner: Option<String>,
    /// Overwrite an existing manifest.
    #[arg(long)]
    pub force: bool,
    /// The directory to write `prr.toml` in (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub path: PathBuf,
}

/// Runs `prr init`.
///
/// # Errors
/// A manifest is already there (without `--force`), or the file cannot be written (exit 2).
pub fn run(args: &InitArgs) -> Result<u8, Error> {
    let target = args.path.join("prr.toml");
    if !args.force {
        if let Some(existing) = FILE_NAMES
            .iter()
            .map(|name| args.path.join(name))
            .find(|p| p.exists())
        {
            return Err(Diagnostic::file(
                existing.display().to_string(),
                "a manifest is already here; prr init does not overwrite it",
            )
            .with_help("edit it, or run `prr init --force` to replace it")
            .into());
        }
    }
    if let Some(name) = &args.name {
        if !is_valid_name(name) {
            return Err(Error::Usage(format!(
                "--name `{name}`: a service name starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`"
            )));
        }
    }
    let mut answers = Answers {
        name: args.name.clone(),
        tier: args.tier,
        owner: args.owner.clone(),
    };
    if std::io::stdin().is_terminal() {
        ask(&mut answers, &args.path);
    }
    let text = template(&answers);
    write_file(&target, &text)?;
    // Counted as `prr check` sees them: values, not the comments that mention TODOs.
    let mut todos = std::collections::BTreeMap::new();
    if let Ok(manifest) = Manifest::from_text("prr.toml", &text) {
        manifest.root.todos("", &mut todos);
    }
    let todos = todos.len();
    write_stdout(&format!(
        "wrote {}: fill in its {todos} TODOs, then run `prr check`\n",
        target.display()
    ));
    Ok(exit::PASS)
}

/// Asks for each value not given; an empty answer takes the default shown, or leaves a TODO.
fn ask(answers: &mut Answers, dir: &Path) {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut prompt = |question: &str| -> Option<String> {
        write_stderr(question);
        lines
            .next()
            .and_then(Result::ok)
            .map(|line| line.trim().to_owned())
            .filter(|line| !line.is_empty())
    };
    if answers.name.is_none() {
        let default = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| is_valid_name(n));
        let shown = default.as_deref().unwrap_or("leave a TODO");
        answers.name = prompt(&format!("service name [{shown}]: "))
            .filter(|n| is_valid_name(n))
            .or(default);
    }
    if answers.tier.is_none() {
        answers.tier =
            prompt("tier: 1 critical, 2 important, 3 standard, 4 experimental [leave a TODO]: ")
                .and_then(|t| t.parse().ok())
                .filter(|t| (1..=4).contains(t));
    }
    if answers.owner.is_none() {
        answers.owner = prompt("owning team, @org/team or team:<name> [leave a TODO]: ");
    }
}
