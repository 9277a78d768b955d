//! sloth specs: the plain `version: "prometheus/v1"` file and the Kubernetes resource
//! (`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`, the same under
//! `spec`). Each of `slos[]` becomes an `[[slo]]`: `objective` its target, the event
//! queries its `[slo.sli]` (good counted as `(total) - (errors)`), sloth's `{{.window}}`
//! written as prr's `{{window}}`. sloth's specs carry no window: sloth's default, 30 days,
//! is the SLO's window unless the manifest says another.

use super::openslo::WINDOW;
use super::{problem, string, table, text_at, with_slos, Imported, KeptSlo, Note, Read};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Node, Value};

/// The plain spec's `version`.
pub const VERSION: &str = "prometheus/v1";
/// The Kubernetes resource's `apiVersion` and `kind`.
pub const API_VERSION: &str = "sloth.slok.dev/v1";
pub const KIND: &str = "PrometheusServiceLevel";
/// sloth's SLO period when none is configured.
pub const DEFAULT_WINDOW: &str = "30d";

/// The `[[slo]]` tables of every sloth spec; when the manifest names its service, a spec
/// of another `service` is left out, with a note.
///
/// # Errors
/// A document that is neither form of a sloth spec.
pub fn map(reads: &[Read], service_name: Option<&str>) -> Result<Imported, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut imported = Imported::default();
    let mut items = Vec::new();
    for read in reads {
        for document in &read.documents {
            let Some(spec) = spec_of(document) else {
                let span = document
                    .get("kind")
                    .or_else(|| document.get("version"))
                    .map_or(document.span, |n| n.span);
                let found = document
                    .get("kind")
                    .or_else(|| document.get("version"))
                    .map_or_else(|| "neither".to_owned(), Node::describe);
                problems.push(problem(
                    &read.source,
                    span,
                    format!(
                        "not a sloth spec: expected `version: \"{VERSION}\"`, or `apiVersion: {API_VERSION}` with `kind: {KIND}`; found {found}"
                    ),
                ));
                continue;
            };
            let slos = spec
                .get("slos")
                .and_then(Node::as_array)
                .unwrap_or_default();
            let service = text_at(spec, "service");
            if let (Some(wanted), Some((service, span))) = (service_name, service) {
                if service != wanted {
                    let names: Vec<&str> = slos
                        .iter()
                        .filter_map(|slo| text_at(slo, "name").map(|(n, _)| n))
                        .collect();
                    imported.notes.push(Note {
                        message: format!(
                            "the sloth spec of service `{service}`, not `{wanted}`, is left out (SLO{} {})",
                            if names.len() == 1 { "" } else { "s" },
                            names.join(", ")
                        ),
                        span,
                    });
                    continue;
                }
            }
            let service = service.map(|(s, _)| s.to_owned());
            for slo in slos {
                if let Some(item) = one(slo, service.as_deref(), &mut imported) {
                    items.push(item);
                }
            }
        }
    }
    with_slos(imported, items, problems)
}

/// The table holding `service` and `slos`: the document, or the resource's `spec`.
fn spec_of(document: &Node) -> Option<&Node> {
    if document.get("version").and_then(Node::as_str) == Some(VERSION) {
        return Some(document);
    }
    let resource = document.get("apiVersion").and_then(Node::as_str) == Some(API_VERSION)
        && document.get("kind").and_then(Node::as_str) == Some(KIND);
    resource.then(|| document.get("spec")).flatten()
}

fn one(slo: &Node, service: Option<&str>, imported: &mut Imported) -> Option<Node> {
    let (name, name_span) = text_at(slo, "name")?;
    let kept = KeptSlo {
        service: service.map(str::to_owned),
        // sloth's SLOs are ratios of events over the period.
        budgeting_method: Some("Occurrences".to_owned()),
        ..KeptSlo::default()
    };
    let mut fields = vec![("name", string(name, name_span))];
    if let Some((description, span)) = text_at(slo, "description") {
        fields.push(("indicator", string(description.trim(), span)));
    }
    if let Some(objective) = slo.get("objective") {
        if let Some(value) = objective.as_f64() {
            fields.push(("target", Node::new(Value::Float(value), objective.span)));
        }
    }
    fields.push(("window", string(DEFAULT_WINDOW, name_span)));
    imported.implied.push(format!("slo[name={name}].window"));
    let sli = slo.get("sli");
    let events = sli.and_then(|s| s.get("events"));
    let query = |camel: &str, snake: &str| {
        let node = events?.get(camel).or_else(|| events?.get(snake))?;
        Some((window_placeholder(node.as_str()?.trim()), node.span))
    };
    match (
        query("errorQuery", "error_query"),
        query("totalQuery", "total_query"),
    ) {
        (Some((errors, errors_span)), Some((total, total_span)))
            if errors.contains(WINDOW) && total.contains(WINDOW) =>
        {
            fields.push((
                "sli",
                table(
                    vec![
                        (
                            "good",
                            string(format!("({total}) - ({errors})"), errors_span),
                        ),
                        ("total", string(total, total_span)),
                    ],
                    events.map_or(name_span, |e| e.span),
                ),
            ));
        }
        (Some((_, span)), Some(_)) => {
            imported.notes.push(Note {
                message: format!("sloth SLO `{name}`'s queries do not write `{{{{.window}}}}` where the range goes: kept, not judged"),
                span,
            });
        }
        _ => {
            if let Some(other) = sli.and_then(|s| s.get("raw").or_else(|| s.get("plugin"))) {
                imported.notes.push(Note {
                    message: format!("sloth SLO `{name}`'s SLI is not an events pair (errorQuery/totalQuery): kept, not judged"),
                    span: other.span,
                });
            }
        }
    }
    imported.kept.slos.insert(name.to_owned(), kept);
    Some(table(fields, slo.span))
}

/// sloth's `{{.window}}` (with or without spaces) as prr's `{{window}}`.
#[must_use]
pub fn window_placeholder(query: &str) -> String {
    let re = regex::Regex::new(r"\{\{\s*\.window\s*\}\}").ok();
    match re {
        Some(re) => re.replace_all(query, "{{window}}").into_owned(),
        None => query.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_placeholder_is_written_as_prrs() {
        assert_eq!(
            super::window_placeholder("sum(rate(x[{{.window}}])) / sum(rate(y[{{ .window }}]))"),
            "sum(rate(x[{{window}}])) / sum(rate(y[{{window}}]))"
        );
    }
}
