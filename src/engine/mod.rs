//! The engine: applicability, evaluation, waivers, grace periods. Pure and synchronous:
//! a manifest and a compiled rule set in, findings out; the date is given, never read.

pub mod check;
pub mod examples;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::facts::{Facts, Needs, Origin, Repository};
use crate::manifest::{Manifest, Service};
use crate::rules::builtin::{self, read_waivers, Context, SloBudget, Standing, WaiverCheck};
use crate::rules::{OnUnavailable, Rule, RuleSet, Severity, When, UNWAIVABLE};
use crate::source::{SourceFile, Span};

/// What became of a rule (or one of its findings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Waived,
    Skipped,
}

/// The waiver that turned a failure into `waived`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverInfo {
    pub reason: String,
    pub ticket: String,
    pub expires: String,
}

/// One result: a passing or skipped rule, or one finding of a failing rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub status: Status,
    /// The effective severity: lowered to warning while `enforce_after` is ahead.
    pub severity: Severity,
    pub message: String,
    /// The logical path the finding is about (`dependency[1].owner`).
    pub key: Option<String>,
    pub span: Option<Span>,
    pub waiver: Option<WaiverInfo>,
    /// The rule could not check the claim: its evidence source gave no usable answer.
    pub unverified: bool,
    /// Another place the finding is about (see `Failure::related`).
    pub related: Option<Span>,
}

impl Finding {
    /// A rule that did not run, and why.
    fn skipped(rule: &Rule, reason: &str) -> Self {
        Self {
            rule: rule.id.clone(),
            status: Status::Skipped,
            severity: rule.severity,
            message: format!("skipped: {reason}"),
            key: None,
            span: None,
            waiver: None,
            unverified: false,
            related: None,
        }
    }
}

/// The findings for one manifest.
#[derive(Debug)]
pub struct Evaluation {
    pub service: Service,
    pub findings: Vec<Finding>,
    pub slos: Vec<SloBudget>,
    /// The manifest's other files (see `Manifest::files`), which findings' spans may point
    /// into: the report needs them to turn those spans into lines and columns.
    pub files: Vec<Arc<SourceFile>>,
}

/// Judges one manifest by every enabled rule of the set, as of `as_of`, with no evidence:
/// the rules that need some are skipped.
#[must_use]
pub fn evaluate(manifest: &Manifest, rules: &RuleSet, as_of: Date) -> Evaluation {
    let facts = Facts::none("no evidence was gathered for this run");
    evaluate_with(manifest, rules, as_of, &facts, None)
}

/// Judges one manifest by every enabled rule of the set, as of `as_of`, with the facts the
/// evidence stage gathered for it.
#[must_use]
pub fn evaluate_with_facts(
    manifest: &Manifest,
    rules: &RuleSet,
    as_of: Date,
    facts: &Facts,
) -> Evaluation {
    evaluate_with(manifest, rules, as_of, facts, None)
}

/// Judges one manifest by one rule only (a rule's `[[rule.test]]` examples). Waivers of
/// other rules are not judged stale, since those rules did not run.
#[must_use]
pub fn evaluate_rule(
    manifest: &Manifest,
    rules: &RuleSet,
    as_of: Date,
    facts: &Facts,
    rule: &str,
) -> Evaluation {
    evaluate_with(manifest, rules, as_of, facts, Some(rule))
}

fn evaluate_with(
    manifest: &Manifest,
    rules: &RuleSet,
    as_of: Date,
    facts: &Facts,
    only: Option<&str>,
) -> Evaluation {
    // Arrays past their limit are cut first: what follows is linear in the limit, not in
    // whatever a file under the size limit can hold.
    let limited = crate::manifest::limits::limited(manifest, &rules.max_items);
    let manifest = limited.as_ref().unwrap_or(manifest);
    let service = manifest.service();
    let rule_ids = rules.ids();
    let cx = Context {
        manifest,
        service: &service,
        as_of,
        rule_ids: &rule_ids,
        waiver_max_days: rules.waiver_max_days,
        facts,
    };
    let waivers = read_waivers(manifest);
    let approvals_needed = approvals_enforced(rules, as_of);
    let mut valid: BTreeMap<&str, &builtin::Waiver> = BTreeMap::new();
    for waiver in &waivers {
        if let Some(rule) = waiver.rule.as_deref() {
            if WaiverCheck::problems(waiver, &cx).is_empty()
                && (!approvals_needed || counts_without_more_approval(waiver, facts, rules))
            {
                valid.entry(rule).or_insert(waiver);
            }
        }
    }
    let mut findings = Vec::new();
    let mut used = BTreeMap::new();
    let mut ran = std::collections::BTreeSet::new();
    let selected = rules
        .rules
        .iter()
        .filter(|r| only.map_or(r.enabled, |id| r.id == id));
    for rule in selected {
        ran.insert(rule.id.as_str());
        if let Some(reason) = not_applicable(&rule.when, &service, facts.deploy) {
            findings.push(Finding::skipped(rule, &reason));
            continue;
        }
        let outcome = check::evaluate(&rule.check, &cx);
        if let Some(reason) = outcome.skipped {
            findings.push(Finding::skipped(rule, &reason));
            continue;
        }
        if outcome.failures.is_empty() {
            let message = if outcome.passed.is_empty() {
                format!("{} holds", rule.title)
            } else {
                outcome.passed
            };
            findings.push(Finding {
                rule: rule.id.clone(),
                status: Status::Pass,
                severity: rule.severity,
                message,
                key: None,
                span: None,
                waiver: None,
                unverified: false,
                related: None,
            });
            continue;
        }
        let waiver = (!UNWAIVABLE.contains(&rule.id.as_str()))
            .then(|| valid.get(rule.id.as_str()))
            .flatten();
        if waiver.is_some() {
            used.insert(rule.id.as_str(), ());
        }
        let (severity, grace) = effective_severity(rule, as_of);
        for failure in outcome.failures {
            let mut message = failure.message;
            // A claim a live source could not check blocks only when the pack says so for
            // this kind of run; the pull request's own files that could not be read never
            // soften (decision 19).
            let softened = failure.unverified
                && failure.origin == Origin::Live
                && unavailable_policy(rules, facts.deploy) == OnUnavailable::Warn;
            let severity = if softened {
                Severity::Warning.min(severity)
            } else {
                message.push_str(&grace);
                severity
            };
            let severity = failure.at_most.map_or(severity, |most| most.min(severity));
            // An exception the evidence grants (a fix label on a frozen deploy) waives this
            // finding as a manifest waiver would, saying why.
            let granted = failure.exception.map(|reason| WaiverInfo {
                reason,
                ticket: String::new(),
                expires: String::new(),
            });
            let waiver = granted.or_else(|| {
                waiver.map(|w| WaiverInfo {
                    reason: w.reason.clone().unwrap_or_default(),
                    ticket: w.ticket.clone().unwrap_or_default(),
                    expires: w.expires.map(|d| d.to_string()).unwrap_or_default(),
                })
            });
            findings.push(Finding {
                rule: rule.id.clone(),
                status: if waiver.is_some() {
                    Status::Waived
                } else {
                    Status::Fail
                },
                severity,
                message,
                key: Some(failure.key),
                span: Some(failure.span),
                waiver,
                unverified: failure.unverified,
                related: failure.related,
            });
        }
    }
    // A valid waiver whose rule did not fail is stale: it hides nothing and should go.
    for (rule, waiver) in &valid {
        if used.contains_key(rule) || !ran.contains(rule) || !ran.contains("waiver.valid") {
            continue;
        }
        findings.push(Finding {
            rule: "waiver.valid".to_owned(),
            status: Status::Fail,
            severity: Severity::Warning,
            message: format!("the waiver of `{rule}` is stale: the rule does not fail for this service; remove the waiver"),
            key: Some(format!("waiver[{}]", waiver.index)),
            span: Some(waiver.span),
            waiver: None,
            unverified: false,
            related: None,
        });
    }
    if ran.contains("manifest.schema") {
        one_finding_per_todo(manifest, rules, &mut findings);
    }
    findings.sort_by(|a, b| {
        let at = |f: &Finding| f.span.map(|s| (s.file, s.start));
        (&a.rule, at(a)).cmp(&(&b.rule, at(b)))
    });
    // A rule that passed and also has a stale-waiver warning reports only the warning.
    let failing: std::collections::BTreeSet<String> = findings
        .iter()
        .filter(|f| f.status != Status::Pass)
        .map(|f| f.rule.clone())
        .collect();
    findings.retain(|f| f.status != Status::Pass || !failing.contains(&f.rule));
    // Findings in keyed arrays are known by the element's name, not its index (Decision 16).
    for key in findings.iter_mut().filter_map(|f| f.key.as_mut()) {
        if let Some(keyed) = crate::manifest::path::keyed(&manifest.root, key) {
            *key = keyed;
        }
    }
    let mut slos = builtin::slo_budgets(&manifest.root);
    live_budgets(manifest, facts, &mut slos);
    Evaluation {
        slos,
        service,
        findings,
        files: manifest.files.clone(),
    }
}

/// Each SLO's live budget from the facts, or why there is none.
fn live_budgets(manifest: &Manifest, facts: &Facts, slos: &mut [SloBudget]) {
    use crate::facts::Gathered;
    let declares_sli = |index: usize| {
        manifest
            .root
            .get("slo")
            .and_then(crate::manifest::Node::as_array)
            .and_then(|items| items.get(index))
            .is_some_and(|slo| slo.get("sli").is_some())
    };
    match &facts.prometheus {
        Gathered::Known(readings) => {
            for (index, live) in crate::facts::budget::of_manifest(manifest, readings) {
                if let Some(slo) = slos.get_mut(index) {
                    match live {
                        Ok(live) => slo.live = Some(live),
                        // Every problem, once, after the source named once.
                        Err(problems) => {
                            let why = crate::facts::Unavailable::live(
                                readings.source.clone(),
                                problems.join("; "),
                            );
                            slo.live_unavailable = Some(why.to_string());
                        }
                    }
                }
            }
        }
        Gathered::NotConfigured(why) => {
            for (index, slo) in slos.iter_mut().enumerate() {
                if declares_sli(index) {
                    slo.live_unavailable = Some(why.clone());
                }
            }
        }
        Gathered::Unavailable(why) => {
            for (index, slo) in slos.iter_mut().enumerate() {
                if declares_sli(index) {
                    slo.live_unavailable = Some(why.to_string());
                }
            }
        }
    }
    for (index, slo) in slos.iter_mut().enumerate() {
        if slo.live.is_none() && slo.live_unavailable.is_none() && !declares_sli(index) {
            slo.live_unavailable = Some(crate::facts::budget::NO_SLI.to_owned());
        }
    }
}

/// What a claim a live source could not check does to this run: `[pack]
/// deploy_on_unavailable` (default `fail`) on a deploy, `on_unavailable` (default `warn`)
/// otherwise (decision 18). A deploy fails closed: an outage must not ship what a spent
/// budget would have stopped.
#[must_use]
pub fn unavailable_policy(rules: &RuleSet, deploy: bool) -> OnUnavailable {
    if deploy {
        rules.deploy_on_unavailable
    } else {
        rules.on_unavailable
    }
}

/// Whether waivers a pull request adds or extends need approval to count: the rule
/// `waiver.approved` runs and its grace period is over (until then it only warns, so that
/// upgrading never turns a gate red).
fn approvals_enforced(rules: &RuleSet, as_of: Date) -> bool {
    rules
        .get("waiver.approved")
        .is_some_and(|rule| rule.enabled && rule.enforce_after.is_none_or(|from| as_of >= from))
}

/// Whether a waiver counts as far as approval goes: on the base branch already, approved,
/// or not judged here; one whose approvals could not be read counts only under
/// `on_unavailable = "warn"`.
fn counts_without_more_approval(waiver: &builtin::Waiver, facts: &Facts, rules: &RuleSet) -> bool {
    match builtin::standing(waiver, &facts.approval) {
        Standing::Existing | Standing::Approved(_) | Standing::NotJudged(_) => true,
        Standing::Unapproved(_) => false,
        Standing::Unverified(_) => unavailable_policy(rules, facts.deploy) == OnUnavailable::Warn,
    }
}

/// One finding per TODO placeholder, so that `prr init` and `prr check` agree. A TODO in a
/// typed field breaks the schema and the rule that needs the value fails on it too: the
/// rule's finding, which says what the value is for, is the one kept. A TODO that no rule
/// reports (a key this service's rules do not ask for) is a `manifest.schema` warning: a
/// placeholder never passes unseen, and a manifest that passed before still passes.
fn one_finding_per_todo(manifest: &Manifest, rules: &RuleSet, findings: &mut Vec<Finding>) {
    let mut todos = BTreeMap::new();
    manifest.root.todos("", &mut todos);
    if todos.is_empty() {
        return;
    }
    let claimed: std::collections::BTreeSet<Span> = findings
        .iter()
        .filter(|f| {
            f.rule != "manifest.schema" && matches!(f.status, Status::Fail | Status::Waived)
        })
        .filter_map(|f| f.span)
        .filter(|span| todos.contains_key(span))
        .collect();
    findings.retain(|f| {
        f.rule != "manifest.schema" || f.span.is_none_or(|span| !claimed.contains(&span))
    });
    let reported: std::collections::BTreeSet<Span> = findings
        .iter()
        .filter(|f| f.rule == "manifest.schema" && f.status == Status::Fail)
        .filter_map(|f| f.span)
        .collect();
    let Some(rule) = rules.get("manifest.schema") else {
        return;
    };
    for (span, key) in todos {
        if claimed.contains(&span) || reported.contains(&span) {
            continue;
        }
        findings.push(Finding {
            rule: rule.id.clone(),
            status: Status::Fail,
            severity: Severity::Warning,
            message: format!(
                "`{key}` is still a TODO: fill it in, or remove the line if this service does not need it"
            ),
            key: Some(key),
            span: Some(span),
            waiver: None,
            unverified: false,
            related: None,
        });
    }
    // Every failure of the schema was a TODO another rule reports: the schema itself holds.
    if !findings.iter().any(|f| f.rule == "manifest.schema") {
        findings.push(Finding {
            rule: rule.id.clone(),
            status: Status::Pass,
            severity: rule.severity,
            message: "the manifest meets the manifest schema but for TODOs, which the rules that need them report".to_owned(),
            key: None,
            span: None,
            waiver: None,
            unverified: false,
            related: None,
        });
    }
}

/// A rule's severity as of a date, and the note a grace period adds to its findings.
#[must_use]
pub fn effective_severity(rule: &Rule, as_of: Date) -> (Severity, String) {
    match rule.enforce_after {
        Some(from) if as_of < from && rule.severity == Severity::Error => {
            let days = builtin::days_between(as_of, from);
            let unit = if days == 1 { "day" } else { "days" };
            (
                Severity::Warning,
                format!(" (blocking from {from}, in {days} {unit})"),
            )
        }
        _ => (rule.severity, String::new()),
    }
}

/// The enabled rules that apply to `manifest` in a run that is a deploy or not.
fn applicable<'a>(
    manifest: &'a Manifest,
    rules: &'a RuleSet,
    deploy: bool,
) -> impl Iterator<Item = &'a Rule> + 'a {
    let service = manifest.service();
    rules
        .rules
        .iter()
        .filter(move |rule| rule.enabled && not_applicable(&rule.when, &service, deploy).is_none())
}

/// What the rules that apply to `manifest` read beyond it: the evidence stage gathers that
/// and nothing else.
#[must_use]
pub fn needs(manifest: &Manifest, rules: &RuleSet, deploy: bool) -> Needs {
    let mut needs = Needs::default();
    for rule in applicable(manifest, rules, deploy) {
        for check in rule.check.builtins() {
            needs.add(&check.needs());
        }
    }
    needs
}

/// The repository files (from the root) that the rules applying to `manifest` read because
/// the manifest names them, as `repository` resolves them from its directory.
#[must_use]
pub fn named_paths(
    manifest: &Manifest,
    rules: &RuleSet,
    deploy: bool,
    repository: &Repository,
) -> Vec<String> {
    let mut paths: Vec<String> = applicable(manifest, rules, deploy)
        .flat_map(|rule| rule.check.builtins())
        .flat_map(|check| check.named_paths(manifest, repository))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Why a rule does not apply to a service, naming the `when` key; `None` when it applies.
/// A service without a tier or lifecycle gets the rules conditioned on them (the strictest
/// reading); the schema reports the missing field.
#[must_use]
pub fn not_applicable(when: &When, service: &Service, deploy: bool) -> Option<String> {
    match (when.deploy, deploy) {
        (Some(true), false) => {
            return Some(
                "`when.deploy` is true; this run is not a deploy (`prr check --deploy`)".to_owned(),
            )
        }
        (Some(false), true) => {
            return Some("`when.deploy` is false; this run is a deploy".to_owned())
        }
        _ => {}
    }
    if let (Some(tiers), Some(tier)) = (&when.tier, service.tier) {
        if !tiers.contains(&tier) {
            let list: Vec<String> = tiers.iter().map(ToString::to_string).collect();
            return Some(format!(
                "`when.tier` is {}; this service is tier {tier}",
                list.join(", ")
            ));
        }
    }
    if let (Some(lifecycles), Some(lifecycle)) = (&when.lifecycle, &service.lifecycle) {
        if !lifecycles.contains(lifecycle) {
            return Some(format!(
                "`when.lifecycle` is {}; this service is {lifecycle}",
                lifecycles.join(", ")
            ));
        }
    }
    if let Some(labels) = &when.labels {
        if !labels.iter().any(|l| service.labels.contains(l)) {
            return Some(format!(
                "`when.labels` is {}; this service has none of them",
                labels.join(", ")
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Gathered, Unavailable};
    use crate::rules::RulesSource;

    fn judged(facts: &Facts, rule: &str) -> Vec<Finding> {
        let rules = crate::rules::load(&[RulesSource::Builtin], std::path::Path::new("."))
            .expect("the built-in pack");
        let manifest = Manifest::from_text(
            "prr.toml",
            "[service]\nname = \"api\"\ntier = 1\nlifecycle = \"production\"\n[error_budget]\npolicy = \"freeze-features\"\n[[slo]]\nname = \"a\"\ntarget = 99.9\nwindow = \"28d\"\n[slo.sli]\ngood = 'sum(increase(ok[{{window}}]))'\ntotal = 'sum(increase(all[{{window}}]))'\n",
        )
        .expect("a manifest");
        let as_of: Date = "2027-06-01".parse().expect("a date");
        evaluate_with_facts(&manifest, &rules, as_of, facts)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// Decision 19: the pull request's own files that could not be read fail the rules that
    /// need them at their severity; only a live source's outage is softened by
    /// `on_unavailable = "warn"` (the default).
    #[test]
    fn unreadable_repository_evidence_is_never_softened_but_a_live_outage_is() {
        let mut facts = Facts::none("only the repository");
        facts.repository = Gathered::Unavailable(Unavailable::own(
            "the working tree",
            "past the evidence stage's byte budget",
        ));
        let own = judged(&facts, "security.non-root");
        assert!(!own.is_empty());
        for finding in &own {
            assert_eq!(finding.status, Status::Fail);
            assert!(finding.unverified);
            assert_eq!(finding.severity, Severity::Error, "{}", finding.message);
        }
        facts.repository = Gathered::Unavailable(Unavailable::live("a mirror", "HTTP 503"));
        for finding in judged(&facts, "security.non-root") {
            assert_eq!(finding.severity, Severity::Warning, "{}", finding.message);
        }
    }

    /// Decision 18: the same outage warns on a pull request and blocks a deploy.
    #[test]
    fn a_deploy_follows_deploy_on_unavailable_and_a_pull_request_on_unavailable() {
        let mut facts = Facts::none("only Prometheus");
        facts.prometheus =
            Gathered::Unavailable(Unavailable::live("prometheus at http://x", "HTTP 503"));
        for finding in judged(&facts, "slo.sli") {
            assert!(finding.unverified);
            assert_eq!(finding.severity, Severity::Warning);
        }
        facts.deploy = true;
        let deploy = judged(&facts, "slo.budget-remaining");
        assert_eq!(deploy.len(), 1);
        assert_eq!(deploy[0].severity, Severity::Error);
        assert_eq!(deploy[0].status, Status::Fail);
        assert_eq!(
            deploy[0].message.matches("could not verify").count(),
            1,
            "{}",
            deploy[0].message
        );
    }
}
