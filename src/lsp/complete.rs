//! Completion in a TOML manifest from the manifest schema shipped in the binary (never
//! fetched): table names, the keys of the table the cursor is in, a key's enum values, and
//! the rule ids of the pack inside `[[waiver]]`.

use lsp_types::{CompletionItem, CompletionItemKind, Documentation};
use serde_json::Value;

/// The completions at a place: `before` is the text of the line up to the cursor, `above`
/// the lines above it (for the table the cursor is in); `rule_ids` complete `rule` in a
/// waiver.
#[must_use]
pub fn complete(
    schema: &Value,
    above: &[&str],
    before: &str,
    rule_ids: &[(&str, &str)],
) -> Vec<CompletionItem> {
    let trimmed = before.trim_start();
    if let Some(header) = trimmed.strip_prefix('[') {
        let header = header.trim_start_matches('[');
        return tables(schema, "", 0)
            .into_iter()
            .filter(|(name, _)| name.starts_with(header.trim()))
            .map(|(name, description)| item(name, description, CompletionItemKind::MODULE))
            .collect();
    }
    let table = current_table(above);
    let Some(object) = at_path(schema, &table) else {
        return Vec::new();
    };
    if let Some((key, value)) = trimmed.split_once('=') {
        let key = key.trim().trim_matches('"');
        let typed = value.trim_start();
        let quoted = typed.starts_with('"');
        if table == ["waiver"] && key == "rule" {
            return rule_ids
                .iter()
                .map(|(id, title)| {
                    let mut item = item(
                        id.to_string(),
                        Some(title.to_string()),
                        CompletionItemKind::REFERENCE,
                    );
                    item.insert_text = Some(if quoted {
                        (*id).to_owned()
                    } else {
                        format!("\"{id}\"")
                    });
                    item
                })
                .collect();
        }
        let Some(property) = properties(object).and_then(|p| p.get(key)) else {
            return Vec::new();
        };
        return values(property)
            .into_iter()
            .map(|value| {
                let (label, insert) = match &value {
                    Value::String(s) if quoted => (s.clone(), s.clone()),
                    Value::String(s) => (s.clone(), format!("\"{s}\"")),
                    other => (other.to_string(), other.to_string()),
                };
                let mut item = item(
                    label,
                    description(property),
                    CompletionItemKind::ENUM_MEMBER,
                );
                item.insert_text = Some(insert);
                item
            })
            .collect();
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Vec::new();
    }
    properties(object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.starts_with(trimmed) && name.as_str() != "$schema")
        .filter(|(_, property)| !is_table(property))
        .map(|(name, property)| {
            let mut item = item(
                name.clone(),
                description(property),
                CompletionItemKind::PROPERTY,
            );
            item.insert_text = Some(format!("{name} = "));
            item
        })
        .collect()
}

fn item(label: String, detail: Option<String>, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        label,
        kind: Some(kind),
        documentation: detail.clone().map(Documentation::String),
        detail,
        ..CompletionItem::default()
    }
}

/// The table the cursor is in: the last header above it (`[[slo]]` is `slo`, `[slo.sli]`
/// is `slo.sli`).
fn current_table(above: &[&str]) -> Vec<String> {
    above
        .iter()
        .rev()
        .map(|line| line.trim())
        .find(|line| line.starts_with('['))
        .map(|header| {
            header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .split('.')
                .map(|s| s.trim().trim_matches('"').to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The object schema at a table path: an array's items stand for its elements.
fn at_path<'a>(schema: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut node = object_of(schema)?;
    for segment in path {
        node = object_of(properties(node)?.get(segment)?)?;
    }
    Some(node)
}

/// The object a schema describes: itself, an array's items, or a branch of `anyOf`/`oneOf`.
fn object_of(schema: &Value) -> Option<&Value> {
    if schema.get("properties").is_some() {
        return Some(schema);
    }
    if let Some(items) = schema.get("items") {
        return object_of(items);
    }
    ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(object_of)
}

fn properties(schema: &Value) -> Option<&serde_json::Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

fn is_table(schema: &Value) -> bool {
    object_of(schema).is_some()
}

fn description(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Every table name below `prefix`, with its description (`monitoring.golden_signals`).
fn tables(schema: &Value, prefix: &str, depth: usize) -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    let Some(properties) = object_of(schema).and_then(properties) else {
        return found;
    };
    for (name, property) in properties {
        if !is_table(property) {
            continue;
        }
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        found.push((full.clone(), description(property)));
        if depth < 2 {
            found.extend(tables(property, &full, depth + 1));
        }
    }
    found
}

/// The values a property may take, when they are few: an enum, a boolean, a small integer
/// range.
fn values(schema: &Value) -> Vec<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.clone();
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"boolean") {
        return vec![Value::Bool(true), Value::Bool(false)];
    }
    if types.contains(&"integer") {
        let bound = |k: &str| schema.get(k).and_then(Value::as_i64);
        if let (Some(min), Some(max)) = (bound("minimum"), bound("maximum")) {
            if max - min < 10 {
                return (min..=max).map(Value::from).collect();
            }
        }
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .flat_map(|branch| {
            branch
                .get("const")
                .cloned()
                .map_or_else(|| values(branch), |c| vec![c])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::model::manifest_schema;

    fn labels(items: &[CompletionItem]) -> Vec<&str> {
        items.iter().map(|i| i.label.as_str()).collect()
    }

    #[test]
    fn keys_values_tables_and_rule_ids_complete() {
        let schema = manifest_schema();
        let keys = complete(&schema, &["[service]", "name = \"a\""], "li", &[]);
        assert_eq!(labels(&keys), ["lifecycle"]);
        let values = complete(&schema, &["[service]"], "lifecycle = ", &[]);
        assert_eq!(
            labels(&values),
            ["experimental", "beta", "production", "deprecated"]
        );
        assert_eq!(values[0].insert_text.as_deref(), Some("\"experimental\""));
        let tiers = complete(&schema, &["[service]"], "tier = ", &[]);
        assert_eq!(labels(&tiers), ["1", "2", "3", "4"]);
        let strategies = complete(&schema, &["[release]"], "strategy = \"", &[]);
        assert!(labels(&strategies).contains(&"blue-green"));
        let tables = complete(&schema, &[], "[monitoring.g", &[]);
        assert_eq!(labels(&tables), ["monitoring.golden_signals"]);
        let ids = complete(
            &schema,
            &["[[waiver]]"],
            "rule = ",
            &[("oncall.rotation", "An on-call rotation")],
        );
        assert_eq!(labels(&ids), ["oncall.rotation"]);
        let slo = complete(&schema, &["[[slo]]"], "", &[]);
        assert!(labels(&slo).contains(&"target"), "{:?}", labels(&slo));
    }
}
