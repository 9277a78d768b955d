//! The deploy view of a report (`prr budget`): each SLO's live error budget, or why there
//! are no figures, then what decides the deploy. It judges nothing: the report is the
//! pipeline's for `prr check --deploy`, and so are the verdict and the exit code, whatever
//! the ids of the rules that decided them.

use serde_json::{json, Value};

use crate::engine::Status;
use crate::report::{inert, Report, ResultEntry, Verdict};
use crate::rules::Severity;

/// What a deploy run's report says about shipping, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deploy {
    Allowed,
    /// A blocking finding stops it; none of them is a claim that could not be verified.
    Blocked,
    /// Blocked, and at least one blocking finding is a claim that could not be verified.
    Unverified,
    /// Nothing could be judged.
    Error,
}

impl Deploy {
    /// The deploy's fate as the report's verdict and its blocking findings say.
    #[must_use]
    pub fn of(report: &Report) -> Self {
        match report.verdict {
            Verdict::Pass => Self::Allowed,
            Verdict::Error => Self::Error,
            Verdict::Fail if blocking(report).any(|r| r.unverified) => Self::Unverified,
            Verdict::Fail => Self::Blocked,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Blocked => "blocked",
            Self::Unverified => "blocked: could not verify",
            Self::Error => "not judged",
        }
    }
}

/// The findings that block the deploy.
fn blocking(report: &Report) -> impl Iterator<Item = &ResultEntry> {
    report.results.iter().filter(|r| report.blocks(r))
}

/// The terminal text: one block per service, one line per SLO, then the verdict line.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for service in &report.services {
        let name = service.service.name.as_deref().unwrap_or("unnamed service");
        out.push_str(&format!(
            "{} ({})\n",
            inert(name.to_owned()),
            service.manifest
        ));
        if service.slos.is_empty() {
            out.push_str("  no SLO declared\n");
        }
        for slo in &service.slos {
            let slo_name = slo.name.as_deref().unwrap_or("unnamed SLO");
            match (&slo.live, &slo.live_unavailable) {
                (Some(live), _) => out.push_str(&format!("  {slo_name}: {}\n", live.sentence())),
                (None, Some(why)) => {
                    out.push_str(&format!("  {slo_name}: no live figures: {why}\n"));
                }
                (None, None) => out.push_str(&format!("  {slo_name}: no live figures\n")),
            }
            for note in slo.live.iter().flat_map(|l| &l.notes) {
                out.push_str(&format!("    note: {note}\n"));
            }
        }
        for result in report
            .results
            .iter()
            .filter(|r| *r.manifest == *service.manifest && r.status == Status::Fail)
        {
            let what = if report.blocks(result) {
                "blocks the deploy"
            } else if result.severity == Severity::Error {
                "would block"
            } else {
                "warning"
            };
            out.push_str(&format!("  {what}: {}: {}\n", result.rule, result.message));
        }
    }
    for diagnostic in &report.diagnostics {
        out.push_str(&format!("  error: {}\n", diagnostic.message));
    }
    let blocked = blocking(report).count();
    let verdict = match Deploy::of(report) {
        Deploy::Allowed => "prr: deploy allowed: nothing blocks it".to_owned(),
        Deploy::Blocked => format!("prr: deploy blocked by {blocked} finding(s)"),
        Deploy::Unverified => format!(
            "prr: deploy blocked by {blocked} finding(s), among them a claim that could not be verified"
        ),
        Deploy::Error => "prr: nothing could be judged".to_owned(),
    };
    out.push_str(&verdict);
    out.push('\n');
    out
}

/// The same facts as JSON: each service's SLOs with their live figures or the reason there
/// are none, the blocking findings, and the deploy's fate.
#[must_use]
pub fn json(report: &Report) -> Value {
    let services: Vec<Value> = report
        .services
        .iter()
        .map(|s| {
            json!({
                "manifest": s.manifest,
                "service": s.service,
                "verdict": s.verdict,
                "slos": s.slos,
            })
        })
        .collect();
    let blocking: Vec<Value> = blocking(report)
        .map(|r| {
            json!({
                "manifest": r.manifest,
                "rule": r.rule,
                "message": r.message,
                "unverified": r.unverified,
            })
        })
        .collect();
    json!({
        "as_of": report.as_of,
        "verdict": report.verdict,
        "deploy": Deploy::of(report).word(),
        "services": services,
        "blocking": blocking,
    })
}
