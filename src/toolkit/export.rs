//! `prr export openslo|backstage`: the manifest's facts written in the formats `[import]`
//! reads, so that a team can move its source of truth either way. Each field is written
//! as the import maps it back (`docs/interop.md`): exporting and importing again gives
//! the same document, and the same judgement.
//!
//! YAML is written by saphyr's emitter, which quotes and escapes, not by hand.

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};

use crate::manifest::import::{backstage, openslo, Settings};
use crate::manifest::Node;

fn text(value: &str) -> Yaml<'static> {
    Yaml::Value(Scalar::String(value.to_owned().into()))
}

fn number(value: f64) -> Yaml<'static> {
    Yaml::Value(Scalar::FloatingPoint(value.into()))
}

fn map(entries: Vec<(&str, Yaml<'static>)>) -> Yaml<'static> {
    let mut mapping = Mapping::new();
    for (key, value) in entries {
        mapping.insert(text(key), value);
    }
    Yaml::Mapping(mapping)
}

/// The documents, each after `---`, as one text.
fn documents(docs: &[Yaml<'static>]) -> String {
    let mut out = String::new();
    for doc in docs {
        let mut emitter = YamlEmitter::new(&mut out);
        // Writing to a String cannot fail.
        let _ = emitter.dump(doc);
        out.push('\n');
    }
    out
}

fn str_at<'a>(node: &'a Node, dotted: &str) -> Option<&'a str> {
    node.pointer(dotted).and_then(Node::as_str)
}

/// The manifest's SLOs as OpenSLO v1 `kind: SLO` documents: the indicator inline, as a
/// Prometheus `ratioMetric` where `[slo.sli]` gives its queries.
#[must_use]
pub fn openslo(root: &Node) -> String {
    let service = str_at(root, "service.name");
    let slos = root.get("slo").and_then(Node::as_array).unwrap_or_default();
    let mut docs = Vec::new();
    for slo in slos {
        let Some(name) = str_at(slo, "name") else {
            continue;
        };
        let mut spec = Vec::new();
        if let Some(indicator) = str_at(slo, "indicator") {
            spec.push(("description", text(indicator)));
        }
        if let Some(service) = service {
            spec.push(("service", text(service)));
        }
        if let (Some(good), Some(total)) = (str_at(slo, "sli.good"), str_at(slo, "sli.total")) {
            let source = |query: &str| {
                map(vec![(
                    "metricSource",
                    map(vec![
                        ("type", text("Prometheus")),
                        ("spec", map(vec![("query", text(query))])),
                    ]),
                )])
            };
            spec.push((
                "indicator",
                map(vec![
                    (
                        "metadata",
                        map(vec![("name", text(&format!("{name}-sli")))]),
                    ),
                    (
                        "spec",
                        map(vec![(
                            "ratioMetric",
                            map(vec![
                                ("counter", Yaml::Value(Scalar::Boolean(true))),
                                ("good", source(good)),
                                ("total", source(total)),
                            ]),
                        )]),
                    ),
                ]),
            ));
        }
        if let Some(window) = str_at(slo, "window").and_then(time_window) {
            spec.push(("timeWindow", Yaml::Sequence(vec![window])));
        }
        spec.push(("budgetingMethod", text("Occurrences")));
        if let Some(target) = slo.get("target").and_then(Node::as_f64) {
            // A fraction, as OpenSLO writes it, rounded past float noise (99.95 / 100).
            let fraction = (target / 100.0 * 1e12).round() / 1e12;
            spec.push((
                "objectives",
                Yaml::Sequence(vec![map(vec![("target", number(fraction))])]),
            ));
        }
        docs.push(map(vec![
            ("apiVersion", text(openslo::API_VERSION)),
            ("kind", text("SLO")),
            ("metadata", map(vec![("name", text(name))])),
            ("spec", map(spec)),
        ]));
    }
    documents(&docs)
}

/// prr's window as an OpenSLO `timeWindow` entry: `Nd` rolling; week, month, quarter and
/// year as calendar windows (which the import reads back as the same word).
fn time_window(window: &str) -> Option<Yaml<'static>> {
    let calendar = |duration: &str, start: &str| {
        map(vec![
            ("duration", text(duration)),
            ("isRolling", Yaml::Value(Scalar::Boolean(false))),
            (
                "calendar",
                map(vec![("startTime", text(start)), ("timeZone", text("UTC"))]),
            ),
        ])
    };
    match window {
        // 2024-01-01 is a Monday: the start of a week, a month, a quarter and a year.
        "week" => Some(calendar("1w", "2024-01-01 00:00:00")),
        "month" => Some(calendar("1M", "2024-01-01 00:00:00")),
        "quarter" => Some(calendar("1Q", "2024-01-01 00:00:00")),
        "year" => Some(calendar("1Y", "2024-01-01 00:00:00")),
        days if days.ends_with('d') => Some(map(vec![
            ("duration", text(days)),
            ("isRolling", Yaml::Value(Scalar::Boolean(true))),
        ])),
        _ => None,
    }
}

/// The catalog-info fields prr knows, as a Backstage `kind: Component`: the owner written
/// back as the group the pack's `[import.backstage]` maps to it.
#[must_use]
pub fn backstage(root: &Node, settings: &Settings) -> String {
    let mut metadata = vec![(
        "name",
        text(str_at(root, "service.name").unwrap_or("TODO-service-name")),
    )];
    if let Some(description) = str_at(root, "service.description") {
        metadata.push(("description", text(description)));
    }
    let mut links = Vec::new();
    if let Some(runbook) = str_at(root, "docs.runbook") {
        links.push(map(vec![
            ("url", text(runbook)),
            ("title", text("Runbook")),
            ("type", text("runbook")),
        ]));
    }
    for dashboard in root
        .pointer("monitoring.dashboards")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
    {
        links.push(map(vec![
            ("url", text(dashboard)),
            ("title", text("Dashboard")),
            ("type", text("dashboard")),
        ]));
    }
    if !links.is_empty() {
        metadata.push(("links", Yaml::Sequence(links)));
    }
    let mut spec = vec![("type", text("service"))];
    if let Some(lifecycle) = str_at(root, "service.lifecycle") {
        spec.push(("lifecycle", text(lifecycle)));
    }
    if let Some(owner) = str_at(root, "service.owner") {
        spec.push(("owner", text(&group_of(owner, settings))));
    }
    let depends_on: Vec<Yaml<'static>> = root
        .get("dependency")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| str_at(d, "name"))
        .map(|name| text(&format!("component:{name}")))
        .collect();
    if !depends_on.is_empty() {
        spec.push(("dependsOn", Yaml::Sequence(depends_on)));
    }
    documents(&[map(vec![
        ("apiVersion", text("backstage.io/v1alpha1")),
        ("kind", text("Component")),
        ("metadata", map(metadata)),
        ("spec", map(spec)),
    ])])
}

/// The Backstage group whose handle `owner` is, by the pack's table or format; the owner
/// as written when neither gives it.
fn group_of(owner: &str, settings: &Settings) -> String {
    if let Some((group, _)) = settings.owners.iter().find(|(_, handle)| *handle == owner) {
        let (_, name, _) = backstage::entity_name(group);
        return format!("group:{name}");
    }
    let (prefix, suffix) = settings
        .owner_format
        .split_once("{name}")
        .unwrap_or((settings.owner_format.as_str(), ""));
    owner
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .filter(|name| !name.is_empty() && !prefix.contains('{'))
        .map_or_else(|| owner.to_owned(), |name| format!("group:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_go_back_to_their_group() {
        let mut settings = Settings::default();
        assert_eq!(group_of("team:payments", &settings), "group:payments");
        settings.owner_format = "@acme/{name}".to_owned();
        assert_eq!(group_of("@acme/payments", &settings), "group:payments");
        settings
            .owners
            .insert("group:default/risk".to_owned(), "@acme/fraud".to_owned());
        assert_eq!(group_of("@acme/fraud", &settings), "group:risk");
        assert_eq!(group_of("team:x", &settings), "team:x");
    }
}
