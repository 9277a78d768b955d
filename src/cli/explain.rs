//! `prr explain RULE_ID`: everything about one rule of a pack.

use clap::Args;

use super::rules::{load_strict, PackArg};
use super::{exit, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::manifest::schema::closest;
use crate::toolkit::reference;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's id, such as `oncall.rotation`.
    #[arg(value_name = "RULE_ID")]
    pub rule: String,
    /// A rule pack directory, a rule file, or `builtin` (the default).
    #[arg(long, value_name = "PATH", default_value = "builtin")]
    pub rules: String,
}

/// Runs `prr explain`.
///
/// # Errors
/// The pack cannot be loaded, or has no rule of that id (exit 2).
pub fn run(args: &ExplainArgs) -> Result<u8, Error> {
    let loaded = load_strict(&PackArg {
        path: args.rules.clone(),
    })?;
    let Some(rule) = loaded.rules.get(&args.rule) else {
        let known: Vec<&str> = loaded.rules.rules.iter().map(|r| r.id.as_str()).collect();
        let help = closest(&args.rule, &known).map_or_else(
            || "`prr rules list` shows every rule of the pack".to_owned(),
            |near| format!("did you mean `{near}`?"),
        );
        return Err(Diagnostic::file(
            "prr explain",
            format!(
                "no rule `{}` in {}",
                args.rule,
                loaded.rules.packs.join(", ")
            ),
        )
        .with_help(help)
        .into());
    };
    write_stdout(&reference::explain(rule));
    Ok(exit::PASS)
}
