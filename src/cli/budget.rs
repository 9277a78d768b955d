//! `prr budget`: `prr check --deploy` read through the deploy view. The same pipeline, the
//! same evidence (the pack's Prometheus, or `--prometheus URL`) and the same exit code; only
//! the rendering is the budget's: each SLO's attainment, budget left, burn rates and how
//! much of the window the data covers, all at the run's one instant, and what decides the
//! deploy. A budget that cannot be verified blocks a feature deploy as a spent one does
//! (`[pack] deploy_on_unavailable`, default `fail`).

use std::path::PathBuf;

use clap::Args;

use super::{exit, write_stdout};
use crate::budget;
use crate::diagnostic::Error;
use crate::pipeline::{self, Options};

#[derive(Clone, Debug, Args)]
pub struct BudgetArgs {
    /// A manifest file, or a directory searched for every prr.toml/prr.json below it
    /// (repeatable). Default: the manifest at the repository root.
    #[arg(long, value_name = "FILE|DIR")]
    pub manifest: Vec<PathBuf>,
    /// The rule pack whose `[source.prometheus]` names the server (as `prr check`).
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<String>,
    /// The Prometheus HTTP API's base URL, for a local run (overrides the pack's).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Judge dates as of this day instead of today (UTC); live data is always now.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// `human` (the default) or `json` (the same facts: the services' SLOs with their live
    /// figures or every reason there are none, the blocking findings, the SLOs whose budget
    /// is spent or could not be verified, and the deploy's fate with its closing line).
    #[arg(long, value_name = "FORMAT", default_value = "human")]
    pub format: String,
}

/// Runs `prr budget`.
///
/// # Errors
/// The rules or manifests are unusable (exit 2).
pub fn run(args: &BudgetArgs) -> Result<u8, Error> {
    if !matches!(args.format.as_str(), "human" | "json") {
        return Err(Error::Usage(format!(
            "unknown format `{}`; prr budget writes human or json",
            args.format
        )));
    }
    let options = Options {
        manifests: args.manifest.clone(),
        rules: args.rules.clone(),
        as_of: args.as_of,
        prometheus: args.prometheus.clone(),
        deploy: true,
        ..Options::default()
    };
    let run = pipeline::run(&options).map_err(|failed| match failed {
        Ok(unusable) => unusable.error,
        Err(error) => error,
    })?;
    let report = &run.report;
    if args.format == "json" {
        let text = serde_json::to_string_pretty(&budget::json(report)).unwrap_or_default();
        write_stdout(&format!("{text}\n"));
    } else {
        write_stdout(&budget::render(report));
    }
    Ok(exit::of(report.verdict))
}
