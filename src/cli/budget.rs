//! `prr budget`: the live error budgets alone, for a person asking "can we ship?". The same
//! evidence as `prr check --deploy` (the pack's Prometheus, or `--prometheus URL`), printed as
//! one block per service: each SLO's attainment, budget left and burn rates, and whether a
//! deploy would pass `slo.budget-remaining`. Exit 0 when it would, 1 when a spent budget
//! blocks it, 2 when nothing can be judged.

use std::path::PathBuf;

use clap::Args;

use super::check::{self, CheckArgs};
use super::{exit, write_stdout};
use crate::diagnostic::Error;
use crate::engine::Status;
use crate::report::{inert, Report};
use crate::rules::Severity;

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
    /// `human` (the default) or `json` (the services' `slos[]` with their live figures).
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
    let report = check::deploy_report(&as_check(args)?)?;
    let blocked = report.results.iter().any(|r| {
        &*r.rule == "slo.budget-remaining"
            && r.status == Status::Fail
            && r.severity == Severity::Error
    });
    if args.format == "json" {
        let services: Vec<serde_json::Value> = report
            .services
            .iter()
            .map(|s| serde_json::json!({"manifest": s.manifest, "service": s.service, "slos": s.slos}))
            .collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "as_of": report.as_of,
            "deploy": if blocked { "blocked" } else { "allowed" },
            "services": services,
        }))
        .unwrap_or_default();
        write_stdout(&format!("{text}\n"));
    } else {
        write_stdout(&render(&report, blocked));
    }
    Ok(if blocked { exit::FAIL } else { exit::PASS })
}

/// The `prr check --deploy` these arguments stand for, with `check`'s own defaults.
fn as_check(args: &BudgetArgs) -> Result<CheckArgs, Error> {
    #[derive(clap::Parser)]
    struct Check {
        #[command(flatten)]
        args: CheckArgs,
    }
    let mut argv = vec!["prr budget".to_owned(), "--deploy".to_owned()];
    for manifest in &args.manifest {
        argv.push("--manifest".to_owned());
        argv.push(manifest.display().to_string());
    }
    for rules in &args.rules {
        argv.push("--rules".to_owned());
        argv.push(rules.clone());
    }
    if let Some(url) = &args.prometheus {
        argv.push("--prometheus".to_owned());
        argv.push(url.clone());
    }
    <Check as clap::Parser>::try_parse_from(argv)
        .map(|check| check.args)
        .map_err(|err| Error::Usage(err.to_string()))
}

fn render(report: &Report, blocked: bool) -> String {
    let mut out = String::new();
    for service in &report.services {
        let name = service.service.name.as_deref().unwrap_or("unnamed service");
        out.push_str(&format!(
            "{} ({})\n",
            inert(name.to_owned()),
            service.manifest
        ));
        for slo in &service.slos {
            let slo_name = slo.name.as_deref().unwrap_or("slo");
            match &slo.live {
                Some(live) => out.push_str(&format!("  {slo_name}: {}\n", live.sentence())),
                None => out.push_str(&format!("  {slo_name}: no live figures\n")),
            }
            for note in slo.live.iter().flat_map(|l| &l.notes) {
                out.push_str(&format!("    note: {note}\n"));
            }
        }
        for result in report
            .results
            .iter()
            .filter(|r| *r.manifest == *service.manifest && &*r.rule == "slo.budget-remaining")
        {
            let verdict = match (result.status, result.severity) {
                (Status::Fail, Severity::Error) => "deploy blocked",
                (Status::Fail, _) => "deploy allowed, with a warning",
                (Status::Waived, _) => "deploy allowed by an exception",
                (Status::Skipped, _) => "not judged",
                (Status::Pass, _) => "deploy allowed",
            };
            out.push_str(&format!("  {verdict}: {}\n", result.message));
        }
    }
    out.push_str(if blocked {
        "prr: a spent error budget blocks feature deploys\n"
    } else {
        "prr: no spent error budget blocks a deploy\n"
    });
    out
}
