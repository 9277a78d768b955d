//! Backstage's `catalog-info.yaml` (descriptor format `backstage.io/v1alpha1`): the
//! service's Component, read into `[service]`, `[[dependency]]`, `[docs]`,
//! `[monitoring]` and `[oncall]`. A file may hold several entities (`---`); the Component
//! named by the manifest's `service.name` is the one read, or the only Component.

use std::sync::Arc;

use super::{entry, string, table, text_at, Imported, KeptComponent, Read, Settings};
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
        // Backstage compares entity names without regard to case.
        Some(wanted) => components.iter().find(|(_, doc)| {
            text_at(doc, "metadata.name").is_some_and(|(n, _)| n.eq_ignore_ascii_case(wanted))
        }),
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
    let mut kept = KeptComponent {
        namespace: text_at(component, "metadata.namespace").map(|(n, _)| n.to_owned()),
        kind: text_at(component, "spec.type").map(|(t, _)| t.to_owned()),
        system: text_at(component, "spec.system").map(|(s, _)| s.to_owned()),
        ..KeptComponent::default()
    };
    // References inside an entity default to the entity's own namespace.
    let namespace = kept
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let mut service = Vec::new();
    if let Some((name, span)) = text_at(component, "metadata.name") {
        service.push(("name", string(name, span)));
    }
    if let Some((description, span)) = text_at(component, "metadata.description") {
        service.push(("description", string(description.trim(), span)));
    }
    if let Some((owner, span)) = text_at(component, "spec.owner") {
        let handle = owner_handle_in(owner, &namespace, settings);
        kept.owner = Some((owner.to_owned(), handle.clone()));
        service.push(("owner", string(handle, span)));
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
            let name = EntityRef::parse(reference, None, &namespace)
                .map_or_else(|| reference.to_owned(), |r| r.name);
            kept.depends_on.push((reference.to_owned(), name.clone()));
            Some(table(vec![("name", string(name, node.span))], node.span))
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
    imported.kept.component = Some(kept);
    imported
}

/// The namespace of an entity, or of a reference, that names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// An entity reference as Backstage's catalog model reads one (`parseEntityRef`):
/// `[<kind>:][<namespace>/]<name>`, the kind and namespace taken from context when left
/// out. References are compared without regard to case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityRef {
    pub kind: Option<String>,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    /// Reads `reference`: a `/` before the first `:` makes the rest the name, as in
    /// Backstage. `None` when a part is empty.
    #[must_use]
    pub fn parse(
        reference: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Option<Self> {
        let reference = reference.trim();
        let slash = reference.find('/');
        let colon = reference.find(':').filter(|c| slash.is_none_or(|s| *c < s));
        let kind = colon.map(|c| &reference[..c]);
        let after_kind = colon.map_or(0, |c| c + 1);
        let namespace = slash.map(|s| &reference[after_kind..s]);
        let name = &reference[slash.map_or(after_kind, |s| s + 1)..];
        if kind == Some("") || namespace == Some("") || name.is_empty() {
            return None;
        }
        Some(Self {
            kind: kind.or(default_kind).map(str::to_owned),
            namespace: namespace.unwrap_or(default_namespace).to_owned(),
            name: name.to_owned(),
        })
    }

    /// The reference in Backstage's full form, lower case: the key two references that
    /// name one entity share.
    #[must_use]
    pub fn key(&self) -> String {
        format!(
            "{}:{}/{}",
            self.kind.as_deref().unwrap_or_default(),
            self.namespace,
            self.name
        )
        .to_lowercase()
    }

    /// Whether the entity's kind is `kind`, in any case.
    #[must_use]
    pub fn is(&self, kind: &str) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case(kind))
    }
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
    owner_handle_in(reference, DEFAULT_NAMESPACE, settings)
}

/// [`owner_handle`] for a Component of `namespace`, which its references default to.
/// Every spelling of one group (`team-a`, `default/team-a`, `Group:default/Team-A`) gives
/// one handle: the group's name goes into the format in lower case, as Backstage compares.
#[must_use]
pub fn owner_handle_in(reference: &str, namespace: &str, settings: &Settings) -> String {
    let written = reference.trim();
    // A handle (`@org/team`) is already what the manifest writes.
    if written.starts_with('@') {
        return written.to_owned();
    }
    let Some(group) = EntityRef::parse(written, Some("group"), namespace) else {
        return written.to_owned();
    };
    // A user is a person, kept as written for ownership.team to say so.
    if !group.is("group") {
        return written.to_owned();
    }
    if let Some(handle) = table_handle(&group, settings) {
        return handle.to_owned();
    }
    settings
        .owner_format
        .replace("{name}", &group.name.to_lowercase())
        .replace("{namespace}", &group.namespace.to_lowercase())
}

/// The handle the pack's `owners` table gives a group: by reference (any spelling), else
/// by a key that is a bare name.
fn table_handle<'a>(group: &EntityRef, settings: &'a Settings) -> Option<&'a str> {
    let key = group.key();
    let by_reference = settings.owners.iter().find(|(written, _)| {
        EntityRef::parse(written, Some("group"), DEFAULT_NAMESPACE).is_some_and(|r| r.key() == key)
    });
    by_reference
        .or_else(|| {
            settings.owners.iter().find(|(written, _)| {
                !written.contains([':', '/']) && written.eq_ignore_ascii_case(&group.name)
            })
        })
        .map(|(_, handle)| handle.as_str())
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

    #[test]
    fn every_spelling_of_one_group_is_one_owner() {
        let mut settings = Settings {
            owner_format: "@acme/{name}".to_owned(),
            ..Settings::default()
        };
        settings
            .owners
            .insert("group:default/team-a".to_owned(), "@acme/alpha".to_owned());
        for spelling in [
            "team-a",
            "default/team-a",
            "group:team-a",
            "Group:default/team-a",
            "group:Default/Team-A",
            "TEAM-A",
        ] {
            assert_eq!(
                owner_handle(spelling, &settings),
                "@acme/alpha",
                "{spelling}"
            );
        }
        // Another namespace is another group.
        assert_eq!(owner_handle("group:ops/team-a", &settings), "@acme/team-a");
        assert_eq!(
            owner_handle("group:Default/Team-B", &settings),
            "@acme/team-b"
        );
        // A Component's references default to its own namespace.
        assert_eq!(
            owner_handle_in("team-a", "alternative", &settings),
            "@acme/team-a"
        );
        assert_eq!(
            owner_handle_in("default/team-a", "alternative", &settings),
            "@acme/alpha"
        );
        assert_eq!(owner_handle("User:guest", &settings), "User:guest");
    }

    #[test]
    fn references_are_read_as_backstage_reads_them() {
        let parsed = EntityRef::parse("resource:artists-db", None, "default");
        assert_eq!(
            parsed.map(|r| (r.kind, r.namespace, r.name)),
            Some((
                Some("resource".to_owned()),
                "default".to_owned(),
                "artists-db".to_owned()
            ))
        );
        // A `/` before the `:` leaves no kind.
        let parsed = EntityRef::parse("ns/a:b", Some("group"), "default");
        assert_eq!(parsed.map(|r| r.key()), Some("group:ns/a:b".to_owned()));
        assert_eq!(EntityRef::parse(":x", None, "default"), None);
        assert_eq!(EntityRef::parse("a/", None, "default"), None);
    }
}
