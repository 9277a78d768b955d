//! Code actions on a manifest's findings: the remediation's snippet inserted where it
//! belongs, a `[[waiver]]` for the rule, and a misspelt key replaced by the suggestion. Each
//! edits the TOML with toml_edit, so the user's comments and formatting stay as written.

use std::collections::HashMap;

use jiff::civil::Date;
use lsp_types::{CodeAction, CodeActionKind, Diagnostic, Range, TextEdit, Uri, WorkspaceEdit};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

use super::analysis::{Analysis, Finding};
use super::text::{edit_between, Encoding, Lines};
use crate::rules::UNWAIVABLE;

/// What a waiver added from the editor says until its author fills it in: a TODO, which
/// `prr check` reports (as it reports `prr init`'s) until it is replaced.
pub const REASON_PLACEHOLDER: &str = "TODO: why this rule cannot be met yet";
pub const TICKET_PLACEHOLDER: &str = "TODO: the ticket of the work that will remove this waiver";

/// The code actions for the findings of `analysis` within `range` of the document.
#[must_use]
pub fn actions(
    uri: &Uri,
    text: &str,
    is_toml: bool,
    analysis: &Analysis,
    range: Range,
    encoding: Encoding,
) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    for (finding, diagnostic) in analysis
        .findings
        .iter()
        .zip(&analysis.diagnostics)
        .filter(|(f, _)| overlaps(f.range, range))
    {
        let mut offer = |title: String, new_text: Option<String>| {
            if let Some(new_text) = new_text.filter(|new| new != text) {
                actions.push(action(
                    uri,
                    title,
                    edit_between(text, &new_text, encoding),
                    diagnostic,
                ));
            }
        };
        if let Some(suggestion) = did_you_mean(&finding.message) {
            offer(
                format!("Replace `{}` with `{}`", suggestion.0, suggestion.1),
                replace_key(text, finding, &suggestion, encoding),
            );
        }
        if !is_toml {
            continue;
        }
        if let Some(doc) = analysis
            .rules
            .as_ref()
            .and_then(|rules| rules.rules.get(&finding.rule))
        {
            offer(
                format!("Insert the remediation of {}", finding.rule),
                with_remediation(text, &doc.remediation, finding.key.as_deref()),
            );
        }
        if !UNWAIVABLE.contains(&finding.rule.as_str()) {
            if let (Some(rules), Some(as_of)) = (&analysis.rules, analysis.as_of) {
                let expires = as_of
                    .checked_add(jiff::Span::new().days(rules.waiver_max_days.clamp(0, 3650)))
                    .unwrap_or(as_of);
                offer(
                    format!("Waive {} until {expires} (add a [[waiver]])", finding.rule),
                    with_waiver(text, &finding.rule, expires),
                );
            }
        }
    }
    actions
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start.line <= b.end.line && b.start.line <= a.end.line
}

fn action(uri: &Uri, title: String, edit: TextEdit, diagnostic: &Diagnostic) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    }
}

/// The misspelt key and the suggestion of a schema finding ("unknown key `service.owmer`
/// (did you mean `service.owner`?)"), each as its last segment.
fn did_you_mean(message: &str) -> Option<(String, String)> {
    let unknown = message.strip_prefix("unknown key `")?;
    let (wrong, rest) = unknown.split_once('`')?;
    let suggested = rest.split_once("did you mean `")?.1.split_once('`')?.0;
    let last = |key: &str| key.rsplit('.').next().unwrap_or(key).to_owned();
    Some((last(wrong), last(suggested)))
}

/// The text with the misspelt key at the finding's place replaced.
fn replace_key(
    text: &str,
    finding: &Finding,
    (wrong, right): &(String, String),
    encoding: Encoding,
) -> Option<String> {
    let lines = Lines::new(text, encoding);
    let start = lines.offset(finding.range.start);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let at = start + text[start..line_end].find(wrong.as_str())?;
    let mut new_text = text.to_owned();
    new_text.replace_range(at..at + wrong.len(), right);
    Some(new_text)
}

/// The TOML snippet of a remediation: its first paragraph that starts with a table header
/// and parses as TOML.
fn snippet(remediation: &str) -> Option<DocumentMut> {
    remediation
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| paragraph.starts_with('['))
        .find_map(|paragraph| paragraph.parse::<DocumentMut>().ok())
}

/// The text with what the remediation's snippet has and the manifest lacks added: a missing
/// table whole, missing keys into the table (or the array element the finding names).
/// `None` when the snippet adds nothing.
#[must_use]
pub fn with_remediation(text: &str, remediation: &str, key: Option<&str>) -> Option<String> {
    let snippet = snippet(remediation)?;
    let mut doc: DocumentMut = text.parse().ok()?;
    let element = key.and_then(element_of);
    if merge(doc.as_table_mut(), snippet.as_table(), element.as_ref()) {
        Some(doc.to_string())
    } else {
        None
    }
}

/// The array element a finding's key names: `dependency[name=ledger-db]...` or
/// `slo[0]...`.
#[derive(Debug, PartialEq, Eq)]
enum Element {
    Named(String, String),
    Index(usize),
}

fn element_of(key: &str) -> Option<(String, Element)> {
    let (array, rest) = key.split_once('[')?;
    let inside = rest.split_once(']')?.0;
    let element = match inside.split_once('=') {
        Some((field, value)) => Element::Named(field.to_owned(), value.to_owned()),
        None => Element::Index(inside.parse().ok()?),
    };
    Some((array.to_owned(), element))
}

/// The manifest's top-level keys in the schema's order: where a new table belongs.
fn schema_order() -> &'static [String] {
    static ORDER: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ORDER.get_or_init(|| {
        crate::manifest::model::manifest_schema()["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    })
}

/// The last place in the document that a table (and the tables under it) takes.
fn last_position(item: &Item) -> Option<isize> {
    match item {
        Item::Table(table) => table
            .iter()
            .filter_map(|(_, child)| last_position(child))
            .chain(table.position())
            .max(),
        Item::ArrayOfTables(array) => array
            .iter()
            .flat_map(|table| {
                table
                    .iter()
                    .filter_map(|(_, child)| last_position(child))
                    .chain(table.position())
            })
            .max(),
        _ => None,
    }
}

/// A table of the snippet made new: laid out as a table of its own (a blank line before its
/// header), at `position` in the document, its sub-tables after it.
fn placed(item: &Item, position: Option<isize>) -> Item {
    let mut item = item.clone();
    let place = |table: &mut Table| {
        *table.decor_mut() = toml_edit::Decor::default();
        table.set_position(position);
    };
    match &mut item {
        Item::Table(table) => place(table),
        Item::ArrayOfTables(array) => array.iter_mut().for_each(place),
        _ => {}
    }
    item
}

/// Where a new top-level table `key` goes: after the tables the schema lists before it.
fn position_for(doc: &Table, key: &str) -> Option<isize> {
    let order = schema_order();
    let rank = order.iter().position(|k| k == key)?;
    let before = doc
        .iter()
        .filter(|(k, _)| order.iter().position(|o| o == k).is_some_and(|r| r < rank))
        .filter_map(|(_, item)| last_position(item))
        .max();
    before.or_else(|| {
        doc.iter()
            .filter_map(|(_, item)| last_position(item))
            .min()
            .map(|first| first - 1)
    })
}

fn merge(target: &mut Table, snippet: &Table, element: Option<&(String, Element)>) -> bool {
    merge_at(target, snippet, element, true)
}

fn merge_at(
    target: &mut Table,
    snippet: &Table,
    element: Option<&(String, Element)>,
    root: bool,
) -> bool {
    let mut changed = false;
    for (key, item) in snippet {
        match (target.get_mut(key), item) {
            (None, _) => {
                let position = if root {
                    position_for(target, key)
                } else {
                    None
                };
                target.insert(key, placed(item, position));
                changed = true;
            }
            (Some(Item::Table(existing)), Item::Table(wanted)) => {
                changed |= merge_at(existing, wanted, None, false);
            }
            (Some(Item::ArrayOfTables(existing)), Item::ArrayOfTables(wanted)) => {
                let Some(wanted) = wanted.get(0) else {
                    continue;
                };
                let chosen = element
                    .filter(|(array, _)| array == key)
                    .and_then(|(_, which)| match which {
                        Element::Named(field, value) => existing.iter().position(|t| {
                            t.get(field).and_then(Item::as_str) == Some(value.as_str())
                        }),
                        Element::Index(index) => (*index < existing.len()).then_some(*index),
                    });
                if let Some(index) = chosen {
                    if let Some(table) = existing.get_mut(index) {
                        let mut wanted = wanted.clone();
                        wanted.remove("name");
                        changed |= merge_at(table, &wanted, None, false);
                    }
                } else if existing.is_empty() {
                    existing.push(wanted.clone());
                    changed = true;
                }
            }
            _ => {}
        }
    }
    changed
}

/// The text with a `[[waiver]]` for `rule` added after the others (or at the end), with
/// placeholders for its reason and ticket.
#[must_use]
pub fn with_waiver(text: &str, rule: &str, expires: Date) -> Option<String> {
    let mut doc: DocumentMut = text.parse().ok()?;
    let mut waiver = Table::new();
    waiver.insert("rule", toml_edit::value(rule));
    waiver.insert("reason", toml_edit::value(REASON_PLACEHOLDER));
    waiver.insert("ticket", toml_edit::value(TICKET_PLACEHOLDER));
    let date = toml_edit::Date {
        year: u16::try_from(expires.year()).ok()?,
        month: u8::try_from(expires.month()).ok()?,
        day: u8::try_from(expires.day()).ok()?,
    };
    waiver.insert(
        "expires",
        toml_edit::value(toml_edit::Datetime {
            date: Some(date),
            time: None,
            offset: None,
        }),
    );
    match doc.get_mut("waiver") {
        None => {
            let mut waivers = ArrayOfTables::new();
            waivers.push(waiver);
            doc.insert("waiver", Item::ArrayOfTables(waivers));
        }
        Some(Item::ArrayOfTables(waivers)) => waivers.push(waiver),
        Some(_) => return None,
    }
    let mut new_text = doc.to_string();
    if !text.ends_with('\n') {
        // toml_edit keeps the text as it was; a waiver appended after a last line without
        // its line break starts on a line of its own.
        new_text = new_text.replacen(text, &format!("{text}\n"), 1);
    }
    Some(new_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "# the payments API\n[service]\nname = \"pay\"   # short\ntier = 1\n\n[[dependency]]\nname = \"db\"\ncritical = true\n\n[[dependency]]\nname = \"queue\"\ncritical = true\n";

    #[test]
    fn a_missing_table_is_added_whole_and_comments_stay() {
        let remediation =
            "Link it:\n\n[oncall]\nrotation = \"https://x\"\nescalation = \"https://y\"\n";
        let new = with_remediation(MANIFEST, remediation, Some("oncall.rotation")).unwrap();
        assert!(new.starts_with("# the payments API\n[service]\nname = \"pay\"   # short\n"));
        assert!(
            new.contains("tier = 1\n\n[oncall]\nrotation = \"https://x\"\nescalation = \"https://y\"\n\n[[dependency]]"),
            "{new}"
        );
    }

    #[test]
    fn missing_keys_go_into_the_element_the_finding_names() {
        let remediation = "Set them:\n\n[[dependency]]\nname = \"ledger\"\ncritical = true\ntimeout_ms = 200\nretries = 1\n";
        let new = with_remediation(
            MANIFEST,
            remediation,
            Some("dependency[name=queue].timeout_ms"),
        )
        .unwrap();
        assert!(
            new.contains("name = \"queue\"\ncritical = true\ntimeout_ms = 200\nretries = 1"),
            "{new}"
        );
        assert_eq!(new.matches("timeout_ms").count(), 1);
        assert!(new.contains("name = \"pay\"   # short"));
        // Nothing to add: no action.
        assert_eq!(
            with_remediation(&new, remediation, Some("dependency[name=queue].timeout_ms")),
            None
        );
    }

    #[test]
    fn a_waiver_is_appended_with_placeholders() {
        let new = with_waiver(
            MANIFEST,
            "release.progressive",
            jiff::civil::date(2027, 2, 19),
        )
        .unwrap();
        assert!(new.starts_with(MANIFEST), "{new}");
        assert!(new.ends_with(&format!(
            "[[waiver]]\nrule = \"release.progressive\"\nreason = \"{REASON_PLACEHOLDER}\"\nticket = \"{TICKET_PLACEHOLDER}\"\nexpires = 2027-02-19\n"
        )), "{new}");
    }

    #[test]
    fn did_you_mean_reads_the_schema_message() {
        assert_eq!(
            did_you_mean("unknown key `service.owmer` (did you mean `service.owner`?)"),
            Some(("owmer".to_owned(), "owner".to_owned()))
        );
        assert_eq!(
            did_you_mean("unknown key `colour`; organisation extensions go under [x]"),
            None
        );
    }
}
