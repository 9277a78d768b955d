//! Backstage's `catalog-info.yaml` (descriptor format `backstage.io/v1alpha1`): the
//! service's Component, read into `[service]`, `[[dependency]]`, `[docs]`,
//! `[monitoring]` and `[oncall]`. A file may hold several entities (`---`); the Component
//! named by the manifest's `service.name` is the one read, or the only Component.

use std::sync::Arc;

use super::{entry, string, table, text_at, Imported, Read, Settings};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Node, Value};
use crate::source::SourceFile;

/// The kinds of Backstage's catalog.
pub const KINDS: [&str; 9] = [
    "Component",
    "API",
    "Group",
    "User",
    "Resource",
    "System",
    "Domain",
    "Location",
    "Template",
];

/// The annotation that names the PagerDuty service paging for the Component.
pub const PAGERDUTY_SERVICE: &str = "pagerduty.com/service-id";

/// The manifest keys the Component brings.
///
/// # Errors
/// An entity of an unknown kind, no Component (or none named `service_name`), several
/// Components and no `service.name` to choose.
pub fn map(
    reads: &[Read],
    manifest: &Arc<SourceFile>,
    service_name: Option<&str>,
    settings: &Settings,
) -> Result<Imported, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut components = Vec::new();
    for read in reads {
        for document in &read.documents {
            match super::kind_of(read, document, "Backstage catalog", &KINDS) {
                Ok("Component") => components.push((read, document)),
                Ok(_) => {}
                Err(problem) => problems.push(problem),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let named_at = reads.first().map(|r| r.named_at).unwrap_or_default();
    let names: Vec<&str> = components
        .iter()
        .filter_map(|(_, doc)| text_at(doc, "metadata.name").map(|(n, _)| n))
        .collect();
    let chosen = match service_name {
        Some(wanted) => components
            .iter()
            .find(|(_, doc)| text_at(doc, "metadata.name").map(|(n, _)| n) == Some(wanted)),
        None if components.len() == 1 => components.first(),
        None => None,
    };
    let Some((_, component)) = chosen else {
        let message = match (service_name, components.len()) {
            (_, 0) => "the catalog file has no `kind: Component`; import the file that describes this service".to_owned(),
            (Some(wanted), _) => format!(
                "the catalog file has no Component named `{wanted}` (`service.name`); it has {}",
                names.join(", ")
            ),
            (None, _) => format!(
                "the catalog file has several Components ({}); set `service.name` to the one this manifest is about",
                names.join(", ")
            ),
        };
        return Err(vec![Diagnostic::at(manifest, named_at, message)]);
    };
    Ok(component_keys(component, settings))
}

fn component_keys(component: &Node, settings: &Settings) -> Imported {
    let mut imported = Imported::default();
    let mut service = Vec::new();
    if let Some((name, span)) = text_at(component, "metadata.name") {
        service.push(("name", string(name, span)));
    }
    if let Some((description, span)) = text_at(component, "metadata.description") {
        service.push(("description", string(description.trim(), span)));
    }
    if let Some((owner, span)) = text_at(component, "spec.owner") {
        service.push(("owner", string(owner_handle(owner, settings), span)));
    }
    if let Some((lifecycle, span)) = text_at(component, "spec.lifecycle") {
        service.push(("lifecycle", string(lifecycle, span)));
    }
    if !service.is_empty() {
        let span = component.get("metadata").map_or(component.span, |m| m.span);
        imported
            .entries
            .push(entry("service", table(service, span)));
    }
    let depends_on = component
        .pointer("spec.dependsOn")
        .and_then(Node::as_array)
        .unwrap_or_default();
    let dependencies: Vec<Node> = depends_on
        .iter()
        .filter_map(|node| {
            let reference = node.as_str()?;
            Some(table(
                vec![("name", string(entity_name(reference).1, node.span))],
                node.span,
            ))
        })
        .collect();
    if let Some(first) = dependencies.first() {
        let span = first.span;
        imported.entries.push(entry(
            "dependency",
            Node::new(Value::Array(dependencies), span),
        ));
    }
    let links = component
        .pointer("metadata.links")
        .and_then(Node::as_array)
        .unwrap_or_default();
    let mut runbook = None;
    let mut dashboards = Vec::new();
    for link in links {
        let Some((url, span)) = text_at(link, "url") else {
            continue;
        };
        let says = |word: &str| {
            ["title", "type", "icon"].iter().any(|key| {
                text_at(link, key).is_some_and(|(text, _)| text.to_lowercase().contains(word))
            })
        };
        if says("runbook") && runbook.is_none() {
            runbook = Some(string(url, span));
        } else if says("dashboard") {
            dashboards.push(string(url, span));
        }
    }
    if let Some(runbook) = runbook {
        let span = runbook.span;
        imported
            .entries
            .push(entry("docs", table(vec![("runbook", runbook)], span)));
    }
    if let Some(first) = dashboards.first() {
        let span = first.span;
        imported.entries.push(entry(
            "monitoring",
            table(
                vec![("dashboards", Node::new(Value::Array(dashboards), span))],
                span,
            ),
        ));
    }
    let annotations = component.pointer("metadata.annotations");
    if let Some(service_id) = annotations.and_then(|a| a.get(PAGERDUTY_SERVICE)) {
        if let (Some(id), Some(base)) = (service_id.as_str(), &settings.pagerduty_url) {
            let rotation = format!("{}/service-directory/{id}", base.trim_end_matches('/'));
            imported.entries.push(entry(
                "oncall",
                table(
                    vec![("rotation", string(rotation, service_id.span))],
                    service_id.span,
                ),
            ));
        } else {
            imported.notes.push(super::Note {
                message: format!(
                    "the annotation `{PAGERDUTY_SERVICE}` is not read as `oncall.rotation` without the pack's `[import.backstage] pagerduty_url`"
                ),
                span: service_id.span,
            });
        }
    }
    imported
}

/// An entity reference's kind, namespace and name: `group:default/payments`,
/// `group:payments` and `payments` all name the group `payments`.
#[must_use]
pub fn entity_name(reference: &str) -> (Option<&str>, &str, Option<&str>) {
    let (kind, rest) = match reference.split_once(':') {
        Some((kind, rest)) => (Some(kind), rest),
        None => (None, reference),
    };
    let (namespace, name) = match rest.split_once('/') {
        Some((namespace, name)) => (Some(namespace), name),
        None => (None, rest),
    };
    (kind, name, namespace)
}

/// The owner as `service.owner` says it: a group through the pack's table or format; a
/// user (a person) as Backstage wrote it, for `ownership.team` to refuse.
#[must_use]
pub fn owner_handle(reference: &str, settings: &Settings) -> String {
    let (kind, name, namespace) = entity_name(reference.trim());
    // A user is a person; a handle (`@org/team`) is already what the manifest writes.
    if reference.trim().starts_with('@') || kind.is_some_and(|k| !k.eq_ignore_ascii_case("group")) {
        return reference.trim().to_owned();
    }
    if let Some(handle) = settings
        .owners
        .get(reference.trim())
        .or_else(|| settings.owners.get(name))
    {
        return handle.clone();
    }
    settings
        .owner_format
        .replace("{name}", name)
        .replace("{namespace}", namespace.unwrap_or("default"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_references_become_the_packs_team_handle() {
        let mut settings = Settings::default();
        for reference in ["group:default/payments", "group:payments", "payments"] {
            assert_eq!(owner_handle(reference, &settings), "team:payments");
        }
        settings.owner_format = "@acme/{name}".to_owned();
        settings
            .owners
            .insert("risk".to_owned(), "@acme/fraud-and-risk".to_owned());
        assert_eq!(
            owner_handle("group:default/payments", &settings),
            "@acme/payments"
        );
        assert_eq!(
            owner_handle("group:risk", &settings),
            "@acme/fraud-and-risk"
        );
        // A person stays a person, so that ownership.team can say so.
        assert_eq!(
            owner_handle("user:default/jdoe", &settings),
            "user:default/jdoe"
        );
        assert_eq!(entity_name("resource:default/ledger-db").1, "ledger-db");
        assert_eq!(
            owner_handle("@acme/payments", &Settings::default()),
            "@acme/payments"
        );
    }
}
