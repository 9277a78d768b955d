//! `waivers` (rule `waiver.valid`): every `[[waiver]]` is one a reviewer can stand behind:
//! it names a known rule, gives a reason and a ticket, has not expired (it is valid through
//! its `expires` day), and expires within the pack's `waiver_max_days` (90 unless set).
//! A waiver is a dated, tracked exception, not a way to switch a rule off. An invalid waiver
//! waives nothing. `manifest.schema` and `waiver.valid` cannot be waived.
//! Takes no parameters (the limit is `[pack] waiver_max_days`).

use jiff::civil::Date;

use super::{date_of, days, days_between, no_params, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::{Manifest, Node};
use crate::source::Span;

pub const SPEC: Spec = Spec {
    name: "waivers",
    summary: "every waiver names a known rule, has a reason and ticket, and expires within the limit (no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(Waivers))
}

#[derive(Debug)]
struct Waivers;

/// A `[[waiver]]` as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiver {
    pub index: usize,
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
    pub expires: Option<Date>,
    /// The `expires` text when it is not a date.
    pub expires_text: Option<String>,
    pub span: Span,
    /// Where each field present is written, so that a problem points at its own line.
    pub fields: Vec<(&'static str, Span)>,
}

impl Waiver {
    /// The span of `field` when it is written, else of the whole waiver.
    #[must_use]
    pub fn span_of(&self, field: &str) -> Span {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map_or(self.span, |(_, span)| *span)
    }
}

/// The waivers of a manifest, in order.
#[must_use]
pub fn read_waivers(manifest: &Manifest) -> Vec<Waiver> {
    let text = |node: &Node, key: &str| {
        node.get(key)
            .and_then(Node::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    // A TOML manifest writes dates as TOML dates; a quoted "2026-12-01" is a string, a
    // `manifest.schema` finding, and no expiry. (JSON has no dates: there it is the string.)
    let dates_are_strings =
        crate::manifest::Format::from_name(&manifest.source.name) == crate::manifest::Format::Json;
    let expiry = |node: &Node| {
        node.get("expires")
            .filter(|n| dates_are_strings || matches!(n.value, crate::manifest::Value::Datetime(_)))
            .and_then(date_of)
    };
    manifest
        .root
        .get("waiver")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, node)| Waiver {
            index,
            // Exactly as written: " release.progressive " names no rule.
            rule: node
                .get("rule")
                .and_then(Node::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned),
            reason: text(node, "reason"),
            ticket: text(node, "ticket"),
            expires: expiry(node),
            expires_text: node.get("expires").map(Node::describe),
            span: node.span,
            fields: ["rule", "reason", "ticket", "expires"]
                .into_iter()
                .filter_map(|field| node.get(field).map(|n| (field, n.span)))
                .collect(),
        })
        .collect()
}

/// The judgement of one waiver.
pub struct WaiverCheck;

impl WaiverCheck {
    /// Every reason the waiver is invalid; empty when it is valid.
    #[must_use]
    pub fn problems(waiver: &Waiver, cx: &Context<'_>) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        match waiver.rule.as_deref() {
            None => problems.push((
                "rule",
                "names no rule: set `rule` to the id it waives".to_owned(),
            )),
            Some(rule) if crate::rules::UNWAIVABLE.contains(&rule) => {
                problems.push(("rule", format!("waives `{rule}`, which cannot be waived")));
            }
            Some(rule) if !cx.rule_ids.contains(rule) => {
                let known: Vec<&str> = cx.rule_ids.iter().copied().collect();
                let hint = crate::manifest::schema::closest(rule, &known)
                    .map(|near| format!(" (did you mean `{near}`?)"))
                    .unwrap_or_default();
                problems.push((
                    "rule",
                    format!("names a rule that is not in this pack{hint}"),
                ));
            }
            Some(_) => {}
        }
        if waiver.reason.is_none() {
            problems.push((
                "reason",
                "has no reason: say why the rule cannot be met yet".to_owned(),
            ));
        }
        if waiver.ticket.is_none() {
            problems.push((
                "ticket",
                "has no ticket: link the work that will remove it".to_owned(),
            ));
        }
        match waiver.expires {
            None => problems.push((
                "expires",
                match &waiver.expires_text {
                    Some(text) if text.trim_matches('"').parse::<Date>().is_ok() => format!(
                        "expires on the string {text}, not a TOML date: write it without quotes"
                    ),
                    Some(text) => format!("expires {text}, which is not a date (YYYY-MM-DD)"),
                    None => "has no expiry: set `expires` to a date".to_owned(),
                },
            )),
            Some(expires) => {
                let left = days_between(cx.as_of, expires);
                if left < 0 {
                    problems.push((
                        "expires",
                        format!("expired on {expires}, {} ago", days(-left)),
                    ));
                } else if left > cx.waiver_max_days {
                    problems.push((
                        "expires",
                        format!(
                            "expires {expires}, {} ahead, beyond the limit of {}",
                            days(left),
                            days(cx.waiver_max_days)
                        ),
                    ));
                }
            }
        }
        problems
    }
}

impl Builtin for Waivers {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let waivers = read_waivers(cx.manifest);
        let failures: Vec<Failure> = waivers
            .iter()
            .flat_map(|waiver| {
                let what = match &waiver.rule {
                    Some(rule) => format!("the waiver of `{rule}`"),
                    None => format!("waiver[{}]", waiver.index),
                };
                WaiverCheck::problems(waiver, cx)
                    .into_iter()
                    .map(move |(field, problem)| {
                        Failure::new(
                            format!("{what} {problem}"),
                            format!("waiver[{}]", waiver.index),
                            waiver.span_of(field),
                        )
                    })
            })
            .collect();
        let passed = if waivers.is_empty() {
            "no waivers".to_owned()
        } else {
            format!("{} waiver(s), all valid", waivers.len())
        };
        Outcome::fail(failures, passed)
    }
}
