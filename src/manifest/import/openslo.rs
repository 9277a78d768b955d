//! OpenSLO v1 (`apiVersion: openslo/v1`): each `kind: SLO` becomes an `[[slo]]`, its
//! indicator inline (`spec.indicator`) or referenced (`spec.indicatorRef`, a `kind: SLI`
//! among the imported files). A `ratioMetric` of Prometheus queries becomes `[slo.sli]`;
//! what prr cannot judge (a `thresholdMetric`, timeslice budgeting) is kept with a note.

use std::collections::BTreeMap;

use super::{problem, string, table, text_at, with_slos, Imported, KeptSlo, Note, Read};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Node, Value};
use crate::source::Span;

/// The kinds of OpenSLO v1.
pub const KINDS: [&str; 7] = [
    "SLO",
    "SLI",
    "Service",
    "DataSource",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
];

/// The placeholder prr fills with the SLO's window in `[slo.sli]` queries.
pub const WINDOW: &str = "{{window}}";

/// The `apiVersion` read.
pub const API_VERSION: &str = "openslo/v1";

/// The `[[slo]]` tables of the SLOs of every OpenSLO file (those of another `spec.service`
/// than `service_name` are left out, with a note).
///
/// # Errors
/// A document of another version or an unknown kind, an `indicatorRef` to no SLI.
pub fn map(reads: &[Read], service_name: Option<&str>) -> Result<Imported, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut slis: BTreeMap<&str, &Node> = BTreeMap::new();
    let mut slos = Vec::new();
    for read in reads {
        for document in objects(read, &mut problems) {
            let version = document.get("apiVersion");
            if version.and_then(Node::as_str) != Some(API_VERSION) {
                let span = version.map_or(document.span, |v| v.span);
                problems.push(problem(
                    &read.source,
                    span,
                    format!(
                        "prr reads OpenSLO v1 (`apiVersion: {API_VERSION}`), not {}",
                        version.map_or_else(
                            || "a document without `apiVersion`".to_owned(),
                            Node::describe
                        )
                    ),
                ));
                continue;
            }
            match super::kind_of(read, document, "OpenSLO", &KINDS) {
                Ok("SLO") => slos.push((read, document)),
                Ok("SLI") => {
                    if let Some((name, _)) = text_at(document, "metadata.name") {
                        slis.insert(name, document);
                    }
                }
                Ok(_) => {}
                Err(problem) => problems.push(problem),
            }
        }
    }
    let mut imported = Imported::default();
    let mut items = Vec::new();
    for (read, slo) in slos {
        let Some((name, name_span)) = text_at(slo, "metadata.name") else {
            problems.push(problem(
                &read.source,
                slo.span,
                "an SLO without `metadata.name`",
            ));
            continue;
        };
        if let (Some(wanted), Some((service, span))) = (service_name, text_at(slo, "spec.service"))
        {
            if service != wanted {
                imported.notes.push(Note {
                    message: format!(
                        "SLO `{name}` is of service `{service}`, not `{wanted}`: left out"
                    ),
                    span,
                });
                continue;
            }
        }
        let spec = slo.get("spec");
        let indicator = match (
            spec.and_then(|s| s.get("indicator")),
            spec.and_then(|s| s.get("indicatorRef")),
        ) {
            (Some(inline), _) => Some(inline),
            (None, Some(reference)) => {
                let found = reference.as_str().and_then(|r| slis.get(r).copied());
                if found.is_none() {
                    problems.push(problem(
                        &read.source,
                        reference.span,
                        format!(
                            "`indicatorRef: {}` names no `kind: SLI` among the imported OpenSLO files; import the file that defines it",
                            reference.describe()
                        ),
                    ));
                    continue;
                }
                found
            }
            (None, None) => None,
        };
        let mut fields = vec![("name", string(name, name_span))];
        let mut notes = Vec::new();
        let mut kept = KeptSlo {
            service: text_at(slo, "spec.service").map(|(s, _)| s.to_owned()),
            budgeting_method: text_at(slo, "spec.budgetingMethod").map(|(m, _)| m.to_owned()),
            objectives: spec
                .and_then(|s| s.get("objectives"))
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .map(Node::to_json)
                .collect(),
            ..KeptSlo::default()
        };
        let description = spec
            .and_then(|s| text_at(s, "description"))
            .or_else(|| indicator.and_then(|i| text_at(i, "spec.description")))
            .or_else(|| indicator.and_then(|i| text_at(i, "metadata.displayName")))
            .or_else(|| text_at(slo, "metadata.displayName"));
        if let Some((text, span)) = description {
            fields.push(("indicator", string(text.trim(), span)));
        }
        if let Some(target) = target(spec) {
            fields.push(("target", target));
        }
        if let Some(objectives) = spec
            .and_then(|s| s.get("objectives"))
            .and_then(Node::as_array)
        {
            if objectives.len() > 1 {
                notes.push(Note {
                    message: format!(
                        "SLO `{name}` has {} objectives: the first is judged",
                        objectives.len()
                    ),
                    span: objectives[1].span,
                });
            }
            if let Some(threshold) = objectives
                .first()
                .and_then(|o| o.get("op").or_else(|| o.get("value")))
            {
                notes.push(Note {
                    message: format!("SLO `{name}`'s objective is a threshold (`op`/`value`): its target is judged, the threshold is not"),
                    span: threshold.span,
                });
            }
        }
        let first_window = spec
            .and_then(|s| s.get("timeWindow"))
            .and_then(Node::as_array)
            .and_then(<[Node]>::first);
        let judged_window = noted(window(spec), name, &mut notes).map(|window| {
            let text = window.as_str().map(str::to_owned);
            fields.push(("window", window));
            text
        });
        kept.time_window = first_window.map(|w| (w.to_json(), judged_window.flatten()));
        if let Some(method) = spec.and_then(|s| s.get("budgetingMethod")) {
            if method
                .as_str()
                .is_some_and(|m| m.to_ascii_lowercase().contains("timeslices"))
            {
                notes.push(Note {
                    message: format!("SLO `{name}` budgets by {}: prr judges its target as a share of events, not of time slices", method.describe()),
                    span: method.span,
                });
            }
        }
        if let Some(indicator) = indicator {
            let queries = noted(sli(indicator), name, &mut notes).and_then(|sli| {
                let pair = sli
                    .get("good")
                    .and_then(Node::as_str)
                    .zip(sli.get("total").and_then(Node::as_str))
                    .map(|(g, t)| (g.to_owned(), t.to_owned()));
                fields.push(("sli", sli));
                pair
            });
            kept.indicator = Some((inline(indicator), queries));
        }
        imported.notes.extend(notes);
        imported.kept.slos.insert(name.to_owned(), kept);
        items.push(table(fields, slo.span));
    }
    with_slos(imported, items, problems)
}

/// The objects of an OpenSLO file, as go-sdk's decoder reads them: each YAML document is
/// one object, or a sequence of objects (`- apiVersion: openslo/v1`), and a file may mix
/// both across its `---` documents. An empty document is nothing.
fn objects<'a>(read: &'a Read, problems: &mut Vec<Diagnostic>) -> Vec<&'a Node> {
    let mut out = Vec::new();
    for document in &read.documents {
        match &document.value {
            Value::Array(items) => {
                for item in items {
                    if matches!(item.value, Value::Table(_)) {
                        out.push(item);
                    } else {
                        problems.push(problem(
                            &read.source,
                            item.span,
                            format!(
                                "an OpenSLO list holds objects (`- apiVersion: {API_VERSION}`), not {}",
                                item.describe()
                            ),
                        ));
                    }
                }
            }
            Value::Null => {}
            _ => out.push(document),
        }
    }
    out
}

/// What a mapping of SLO `name` found, its note kept when it found something prr does not
/// judge.
fn noted(found: Result<Option<Node>, Note>, name: &str, notes: &mut Vec<Note>) -> Option<Node> {
    found
        .map_err(|note| {
            notes.push(Note {
                message: format!("SLO `{name}`: {}", note.message),
                span: note.span,
            });
        })
        .ok()
        .flatten()
}

/// An indicator as OpenSLO writes it inline (`metadata` and `spec`): a referenced
/// `kind: SLI` without its `apiVersion` and `kind`.
fn inline(indicator: &Node) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for key in ["metadata", "spec"] {
        if let Some(node) = indicator.get(key) {
            out.insert(key.to_owned(), node.to_json());
        }
    }
    serde_json::Value::Object(out)
}

/// `objectives[0].target` (a fraction) or `targetPercent`, as a percentage.
fn target(spec: Option<&Node>) -> Option<Node> {
    let objective = spec?.get("objectives")?.as_array()?.first()?;
    if let Some(percent) = objective.get("targetPercent") {
        return Some(Node::new(Value::Float(percent.as_f64()?), percent.span));
    }
    let fraction = objective.get("target")?;
    // 0.999 * 100 is 99.899999...: rounded to what anyone writes.
    let percent = (fraction.as_f64()? * 100.0 * 1e9).round() / 1e9;
    Some(Node::new(Value::Float(percent), fraction.span))
}

/// `timeWindow[0]` as prr's window: `28d`, `2w` (14 days), `1M` (a month), a calendar
/// `1w`/`1M`/`1Q`/`1Y` (week, month, quarter, year).
fn window(spec: Option<&Node>) -> Result<Option<Node>, Note> {
    let Some(first) = spec
        .and_then(|s| s.get("timeWindow"))
        .and_then(Node::as_array)
        .and_then(<[Node]>::first)
    else {
        return Ok(None);
    };
    let Some(duration) = first.get("duration") else {
        return Ok(None);
    };
    let text = duration.as_str().unwrap_or_default().trim();
    let unit = text.chars().last().unwrap_or(' ');
    let count: Option<u32> = text[..text.len().saturating_sub(unit.len_utf8())]
        .parse()
        .ok();
    let calendar = first.get("isRolling").and_then(Node::as_bool) == Some(false);
    let window = match (count, unit) {
        (Some(n @ 1..=9999), 'd') => Some(format!("{n}d")),
        (Some(1), 'w') if calendar => Some("week".to_owned()),
        (Some(n @ 1..=1428), 'w') => Some(format!("{}d", n * 7)),
        (Some(1), 'M') => Some("month".to_owned()),
        (Some(1), 'Q') => Some("quarter".to_owned()),
        (Some(1), 'Y') => Some("year".to_owned()),
        _ => None,
    };
    match window {
        Some(window) => Ok(Some(string(window, duration.span))),
        None => Err(Note {
            message: format!(
                "its window {} is not one prr judges (days, weeks, 1M, 1Q, 1Y): left out",
                duration.describe()
            ),
            span: duration.span,
        }),
    }
}

/// `[slo.sli]` from a Prometheus `ratioMetric`: `good`/`total`, or `bad`/`total` with good
/// counted as `(total) - (bad)`. `None` for an indicator with neither (a note explains).
fn sli(indicator: &Node) -> Result<Option<Node>, Note> {
    let spec = indicator.get("spec").unwrap_or(indicator);
    if let Some(threshold) = spec.get("thresholdMetric") {
        return Err(Note {
            message: "its indicator is a `thresholdMetric`: kept, not judged (prr judges good/total ratios)".to_owned(),
            span: threshold.span,
        });
    }
    let Some(ratio) = spec.get("ratioMetric") else {
        return Ok(None);
    };
    let query = |key: &str| -> Result<Option<(String, Span)>, Note> {
        let Some(side) = ratio.get(key) else {
            return Ok(None);
        };
        let source = side.get("metricSource").unwrap_or(side);
        let kind = source.get("type").and_then(Node::as_str).unwrap_or("");
        if !kind.eq_ignore_ascii_case("prometheus") {
            return Err(Note {
                message: format!("its `{key}` metric source is not Prometheus: kept, not judged"),
                span: source.span,
            });
        }
        let spec = source.get("spec");
        let found = spec
            .and_then(|s| s.get("query").or_else(|| s.get("promql")))
            .and_then(|q| Some((q.as_str()?.trim().to_owned(), q.span)));
        found.map(Some).ok_or_else(|| Note {
            message: format!("its `{key}` metric source has no `spec.query`: kept, not judged"),
            span: source.span,
        })
    };
    let total = query("total")?;
    let good = query("good")?;
    let bad = query("bad")?;
    // OpenSLO has no window placeholder: a query without prr's `{{window}}` measures a
    // range prr cannot set, so it is kept as written and not judged.
    if let Some((_, span)) = [&good, &bad, &total]
        .into_iter()
        .flatten()
        .find(|(query, _)| !query.contains(WINDOW))
    {
        return Err(Note {
            message: format!(
                "its Prometheus queries do not write `{WINDOW}` where the range goes: kept, not judged (prr fills `{WINDOW}` with the SLO's window to measure it)"
            ),
            span: *span,
        });
    }
    let (good, total) = match (good, bad, total) {
        (Some(good), _, Some(total)) => (good, total),
        (None, Some((bad, span)), Some(total)) => {
            ((format!("({}) - ({bad})", total.0), span), total)
        }
        _ => {
            return Err(Note {
                message: "its `ratioMetric` has no `total` with `good` or `bad`: kept, not judged"
                    .to_owned(),
                span: ratio.span,
            })
        }
    };
    Ok(Some(table(
        vec![
            ("good", string(good.0, good.1)),
            ("total", string(total.0, total.1)),
        ],
        ratio.span,
    )))
}
