//! The deploy view of a report (`prr budget`): each SLO's live error budget, or why there
//! are no figures, then what decides the deploy. It judges nothing: the report is the
//! pipeline's for `prr check --deploy`, and so are the verdict and the exit code, whatever
//! the ids of the rules that decided them. What it says about budgets (spent, could not
//! verify) it reads from the SLOs' figures and the findings' own flags, each said only when
//! the report shows it.

use serde_json::{json, Value};

use crate::engine::Status;
use crate::report::{inert, Report, ResultEntry, ServiceReport, SloEntry, Verdict};
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

/// An SLO as the verdict names it: `availability (search)`.
fn slo_label(service: &ServiceReport, slo: &SloEntry) -> String {
    format!(
        "{} ({})",
        inert(slo.name.clone().unwrap_or_else(|| "unnamed SLO".to_owned())),
        inert(
            service
                .service
                .name
                .clone()
                .unwrap_or_else(|| service.manifest.clone())
        )
    )
}

/// The SLOs (`availability (search)`) for which `what` holds.
fn slos_where(report: &Report, what: impl Fn(&SloEntry) -> bool) -> Vec<String> {
    report
        .services
        .iter()
        .flat_map(|service| {
            service
                .slos
                .iter()
                .filter(|slo| what(slo))
                .map(move |slo| slo_label(service, slo))
        })
        .collect()
}

/// The SLOs whose live budget is spent (nothing left), as the figures say.
fn spent(report: &Report) -> Vec<String> {
    slos_where(report, |slo| {
        slo.live.as_ref().is_some_and(|live| live.remaining <= 0.0)
    })
}

/// The SLOs that declare how they are measured but have no figures because the source
/// could not give them (not those without `[slo.sli]` or without a configured server).
fn unread(report: &Report) -> Vec<String> {
    slos_where(report, |slo| {
        slo.live.is_none()
            && slo
                .live_unavailable
                .as_deref()
                .is_some_and(|why| why.starts_with("could not verify"))
    })
}

/// The line for one SLO: its name, then its figures or the reason there are none.
fn slo_line(slo: &SloEntry) -> String {
    let name = inert(slo.name.clone().unwrap_or_else(|| "unnamed SLO".to_owned()));
    match (&slo.live, &slo.live_unavailable) {
        (Some(live), _) => {
            let covered = live.covered_share.map_or_else(
                || "how much of the window the data covers is not known".to_owned(),
                |share| {
                    format!(
                        "data over {}% of the window",
                        crate::facts::budget::share_percent(share)
                    )
                },
            );
            format!("{name}: {}; {covered}", inert(live.sentence()))
        }
        (None, Some(why)) => format!("{name}: no live figures: {}", inert(why.clone())),
        (None, None) => format!("{name}: no live figures (no reason was recorded)"),
    }
}

/// The closing line: allowed or blocked, and what is spent or could not be verified, each
/// said only when the report shows it.
fn verdict_line(report: &Report) -> String {
    let blocked = blocking(report).count();
    let unverified_blocking = blocking(report).filter(|r| r.unverified).count();
    let spent = spent(report);
    let unread = unread(report);
    let mut parts = Vec::new();
    if !spent.is_empty() {
        parts.push(format!("error budget spent: {}", spent.join(", ")));
    }
    if !unread.is_empty() {
        parts.push(format!(
            "could not verify the budget of {}",
            unread.join(", ")
        ));
    }
    let details = if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join("; "))
    };
    match Deploy::of(report) {
        Deploy::Allowed if parts.is_empty() => "prr: deploy allowed: nothing blocks it".to_owned(),
        Deploy::Allowed => format!("prr: deploy allowed: nothing blocks it{details} (not blocking)"),
        Deploy::Blocked => format!("prr: deploy blocked by {blocked} finding(s){details}"),
        Deploy::Unverified => format!(
            "prr: deploy blocked by {blocked} finding(s), {unverified_blocking} of them could not verify{details}"
        ),
        Deploy::Error => "prr: nothing could be judged".to_owned(),
    }
}

/// The terminal text: one block per service, one line per SLO, then the verdict line.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    if let Some(at) = report
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .find_map(|slo| slo.live.as_ref()?.at.clone())
    {
        out.push_str(&format!(
            "live figures at {}, one instant for every query\n",
            inert(at)
        ));
    }
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
            out.push_str(&format!("  {}\n", slo_line(slo)));
            for note in slo.live.iter().flat_map(|l| &l.notes) {
                out.push_str(&format!("    note: {}\n", inert(note.clone())));
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
        for result in report.results.iter().filter(|r| {
            *r.manifest == *service.manifest && r.status == Status::Waived && r.unverified
        }) {
            let reason = result.waiver.as_ref().map_or("", |w| w.reason.as_str());
            out.push_str(&format!(
                "  let through: {}: {} ({reason})\n",
                result.rule, result.message
            ));
        }
    }
    for diagnostic in &report.diagnostics {
        out.push_str(&format!("  error: {}\n", diagnostic.message));
    }
    out.push_str(&verdict_line(report));
    out.push('\n');
    out
}

/// The same facts as JSON: each service's SLOs with their live figures or the reason there
/// are none, the blocking findings, what is spent and what could not be verified, and the
/// deploy's fate with the verdict line.
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
                "lines": s.slos.iter().map(slo_line).collect::<Vec<_>>(),
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
        "summary": verdict_line(report),
        "spent": spent(report),
        "could_not_verify": unread(report),
        "services": services,
        "blocking": blocking,
    })
}
