//! JSON Schema validation of a manifest, with each violation mapped back to its line and
//! told in words a person understands. Used by `manifest.schema` (the published schema) and
//! by rules of kind `schema`.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;

use crate::manifest::{Manifest, Node};
use crate::source::Span;

/// The published manifest schema, as committed in `schemas/`.
pub const MANIFEST_SCHEMA: &str = include_str!("../../schemas/manifest.schema.json");

/// How the published schema says a top-level key is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopLevel {
    /// A table: `[docs]`.
    Table,
    /// An array of tables: `[[slo]]`.
    ArrayOfTables,
    /// A plain value, written before the first table.
    Value,
}

/// The manifest's top-level keys, in the published schema's order, and how each is
/// written: the one list the messages that name tables are made from.
#[must_use]
pub fn top_level() -> &'static [(String, TopLevel)] {
    static KEYS: std::sync::OnceLock<Vec<(String, TopLevel)>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let schema: Json = serde_json::from_str(MANIFEST_SCHEMA).unwrap_or_default();
        schema
            .get("properties")
            .and_then(Json::as_object)
            .map(|properties| {
                properties
                    .iter()
                    .filter(|(name, _)| !name.starts_with('$'))
                    .map(|(name, def)| {
                        let kind = match def.get("type").and_then(Json::as_str) {
                            Some("object") => TopLevel::Table,
                            Some("array")
                                if def.pointer("/items/type").and_then(Json::as_str)
                                    == Some("object") =>
                            {
                                TopLevel::ArrayOfTables
                            }
                            _ => TopLevel::Value,
                        };
                        (name.clone(), kind)
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The tables a manifest may have, from the published schema (`x` last: the
/// organisation's extensions), as `[service]`, `[[slo]]`, ...
#[must_use]
pub fn known_tables() -> String {
    top_level()
        .iter()
        .filter_map(|(name, kind)| match kind {
            TopLevel::Table => Some(format!("[{name}]")),
            TopLevel::ArrayOfTables => Some(format!("[[{name}]]")),
            TopLevel::Value => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A schema compiled once per run, with its own text kept for wording messages.
#[derive(Debug)]
pub struct CompiledSchema {
    validator: Validator,
    schema: Json,
    /// The published manifest schema: its `maxItems` are the default array limits, which
    /// the engine enforces itself with the pack's values (`crate::manifest::limits`).
    limits_arrays: bool,
}

/// One way a manifest breaks a schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The logical path (`slo[0].target`), or the parent table for a missing or unknown key.
    pub key: String,
    pub span: Span,
    pub message: String,
}

impl CompiledSchema {
    /// Compiles a schema (draft 2020-12 unless it says otherwise), with `format` validated
    /// and `pattern` run on the linear-time `regex` engine.
    ///
    /// # Errors
    /// The schema is not a valid JSON Schema; the message says why.
    pub fn compile(schema: Json) -> Result<Self, String> {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .with_pattern_options(jsonschema::PatternOptions::regex())
            .build(&schema)
            .map_err(|err| err.to_string())?;
        Ok(Self {
            validator,
            schema,
            limits_arrays: false,
        })
    }

    /// The published manifest schema.
    ///
    /// # Panics
    /// Never at run time: a test compiles the embedded schema.
    #[must_use]
    pub fn manifest() -> Self {
        let schema = serde_json::from_str(MANIFEST_SCHEMA).expect("embedded schema is JSON");
        Self {
            limits_arrays: true,
            ..Self::compile(schema).expect("embedded schema compiles")
        }
    }

    /// Every violation, in document order.
    #[must_use]
    pub fn validate(&self, manifest: &Manifest) -> Vec<Violation> {
        let mut violations: Vec<Violation> = self
            .validator
            .iter_errors(&manifest.json)
            .flat_map(|error| self.explain(manifest, &error))
            .collect();
        violations.sort_by(|a, b| (a.span, &a.key).cmp(&(b.span, &b.key)));
        violations.dedup();
        violations
    }

    fn explain(&self, manifest: &Manifest, error: &ValidationError<'_>) -> Vec<Violation> {
        if self.limits_arrays && matches!(error.kind(), ValidationErrorKind::MaxItems { .. }) {
            // Said once, with the pack's limit, by the engine's cut (`manifest.cuts`).
            return Vec::new();
        }
        let segments = pointer_segments(error.instance_path().as_str());
        let (node, key) = locate(&manifest.root, &segments);
        let span = node.map_or(Span::START, |n| n.span);
        let got = node.map_or_else(|| describe_json(error.instance()), Node::describe);
        let rule = self.subschema(error.schema_path().as_str());
        let expected = rule.map_or_else(|| "valid".to_owned(), describe_schema);
        let shown = if key.is_empty() {
            "the manifest".to_owned()
        } else {
            format!("`{key}`")
        };
        let single = |message: String| {
            vec![Violation {
                key: key.clone(),
                span,
                message,
            }]
        };
        let placeholder = node.is_some_and(Node::is_todo)
            && !matches!(
                error.kind(),
                ValidationErrorKind::AdditionalProperties { .. }
                    | ValidationErrorKind::UnevaluatedProperties { .. }
                    | ValidationErrorKind::Required { .. }
            );
        if placeholder {
            return single(format!("{shown} is still a TODO: {expected}"));
        }
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                // One index for all the unknown keys of the table: a table of thousands of
                // unknown keys stays linear.
                let entries = node.map(Node::entry_index).unwrap_or_default();
                let tables = std::cell::OnceCell::new();
                let known = rule
                    .and_then(|r| r.get("properties"))
                    .and_then(Json::as_object)
                    .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>())
                    .unwrap_or_default();
                unexpected
                    .iter()
                    .map(|name| {
                        let key_span = entries.entry(name).map_or(span, |(k, _)| k.span);
                        let full = join(&key, name);
                        let mut message = format!("unknown key `{full}`");
                        if let Some(best) = closest(name, &known) {
                            message.push_str(&format!(" (did you mean `{}`?)", join(&key, best)));
                        } else if key.is_empty() && self.limits_arrays {
                            message.push_str(&format!(
                                "; the manifest's tables are {}; organisation extensions go under [x]",
                                tables.get_or_init(known_tables)
                            ));
                        } else if key.is_empty() {
                            message.push_str("; organisation extensions go under [x]");
                        }
                        Violation {
                            key: full,
                            span: key_span,
                            message,
                        }
                    })
                    .collect()
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let field = rule
                    .and_then(|r| r.pointer(&format!("/properties/{name}")))
                    .map(describe_schema);
                let mut message = format!("`{}` is required", join(&key, name));
                if let Some(field) = field {
                    message.push_str(&format!(": {field}"));
                }
                // Where the key would go: the end of its table (after `[service]` for a
                // missing table).
                vec![Violation {
                    key: join(&key, name),
                    span: node.map_or(span, |n| n.missing_anchor(key.is_empty())),
                    message,
                }]
            }
            ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => {
                single(format!("{shown} must be {expected}; got {got}"))
            }
            ValidationErrorKind::Format { format } if format == "date" => single(format!(
                "{shown} must be a date (YYYY-MM-DD) that exists, got {got}"
            )),
            ValidationErrorKind::MinLength { limit: 1 } => {
                single(format!("{shown} must not be empty"))
            }
            ValidationErrorKind::UniqueItems => single(format!("{shown} lists a value twice")),
            _ => single(format!("{shown} must be {expected}, got {got}")),
        }
    }

    /// The schema object holding the keyword that failed.
    fn subschema(&self, schema_path: &str) -> Option<&Json> {
        let mut segments = pointer_segments(schema_path);
        segments.pop();
        segments
            .iter()
            .try_fold(&self.schema, |node, segment| match node {
                Json::Object(map) => map.get(segment.as_str()),
                Json::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            })
    }
}

/// What a schema asks for, in words: its description when it has one, else its type and bounds.
/// What JSON Schema cannot see: in a TOML manifest a waiver's `expires` must be a TOML
/// date. The conversion to JSON turns dates into strings, so a quoted "2026-12-01" would
/// pass the schema and extend a waiver as if it were a date.
#[must_use]
pub fn quoted_dates(manifest: &Manifest) -> Vec<Violation> {
    if crate::manifest::Format::from_name(&manifest.source.name) == crate::manifest::Format::Json {
        return Vec::new();
    }
    manifest
        .root
        .get("waiver")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(index, waiver)| {
            let expires = waiver.get("expires")?;
            let crate::manifest::Value::String(text) = &expires.value else {
                return None;
            };
            Some(Violation {
                key: format!("waiver[{index}].expires"),
                span: expires.span,
                message: format!(
                    "`waiver[{index}].expires` must be a TOML date, written without quotes (expires = 2026-12-01), got the string {}",
                    describe_json(&Json::String(text.clone()))
                ),
            })
        })
        .collect()
}

fn describe_schema(schema: &Json) -> String {
    if let Some(description) = schema.get("description").and_then(Json::as_str) {
        return description.to_owned();
    }
    if let Some(options) = schema.get("enum").and_then(Json::as_array) {
        let options: Vec<String> = options.iter().map(ToString::to_string).collect();
        return format!("one of {}", options.join(", "));
    }
    let kind = match schema.get("type").and_then(Json::as_str) {
        Some("integer") => "a whole number",
        Some("number") => "a number",
        Some("string") => "a string",
        Some("boolean") => "true or false",
        Some("array") => "an array",
        Some("object") => "a table",
        _ => "valid",
    };
    let low = schema
        .get("minimum")
        .or_else(|| schema.get("exclusiveMinimum"));
    let high = schema
        .get("maximum")
        .or_else(|| schema.get("exclusiveMaximum"));
    match (low, high) {
        (Some(low), Some(high)) => format!("{kind} between {low} and {high}"),
        (Some(low), None) => format!("{kind} of at least {low}"),
        (None, Some(high)) => format!("{kind} of at most {high}"),
        (None, None) => kind.to_owned(),
    }
}

fn describe_json(value: &Json) -> String {
    match value {
        Json::String(s) => format!("{s:?}"),
        Json::Array(items) => format!("an array of {}", items.len()),
        Json::Object(_) => "a table".to_owned(),
        other => other.to_string(),
    }
}

/// The node at a JSON pointer, and its logical path (`slo[0].target`).
fn locate<'a>(root: &'a Node, segments: &[String]) -> (Option<&'a Node>, String) {
    let mut node = Some(root);
    let mut key = String::new();
    for segment in segments {
        let is_array = node.and_then(Node::as_array).is_some();
        match segment.parse::<usize>() {
            Ok(index) if is_array => {
                node = node
                    .and_then(Node::as_array)
                    .and_then(|items| items.get(index));
                key.push_str(&format!("[{index}]"));
            }
            _ => {
                node = node.and_then(|n| n.get(segment));
                key = join(&key, segment);
            }
        }
    }
    (node, key)
}

fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The known name nearest to a typo, when one is near enough to be meant.
#[must_use]
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), *candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violations(text: &str) -> Vec<Violation> {
        let manifest = Manifest::from_text("prr.toml", text).unwrap();
        CompiledSchema::manifest().validate(&manifest)
    }

    const SERVICE: &str = "[service]\nname = \"api\"\ntier = 1\nlifecycle = \"production\"\n";

    #[test]
    fn a_valid_manifest_has_no_violations() {
        assert_eq!(violations(SERVICE), []);
    }

    #[test]
    fn wrong_type_names_path_bounds_and_value() {
        let found = violations(&format!(
            "{SERVICE}\n[[slo]]\nname = \"a\"\ntarget = \"high\"\n"
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "slo[0].target");
        assert!(
            found[0]
                .message
                .contains("`slo[0].target` must be a percentage between 0 and 100")
                && found[0].message.ends_with("got \"high\""),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let found = violations(&format!(
            "{SERVICE}owmer = \"@a/b\"\n\n[oncal]\nrotation = \"x\"\n"
        ));
        let messages: Vec<&str> = found.iter().map(|v| v.message.as_str()).collect();
        assert!(
            messages.contains(&"unknown key `service.owmer` (did you mean `service.owner`?)"),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"unknown key `oncal` (did you mean `oncall`?)"),
            "{messages:?}"
        );
    }

    #[test]
    fn nan_inf_and_bad_dates_fail() {
        let found = violations(&format!(
            "{SERVICE}\n[[slo]]\ntarget = nan\n\n[reviews]\nprr = \"2026-02-30\"\n"
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].message.ends_with("got nan"),
            "{}",
            found[0].message
        );
        assert!(
            found[1].message.contains("must be a date"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn missing_tier_is_required() {
        let found = violations("[service]\nname = \"api\"\nlifecycle = \"beta\"\n");
        assert_eq!(found[0].key, "service.tier");
        assert!(
            found[0].message.starts_with("`service.tier` is required"),
            "{}",
            found[0].message
        );
    }
}
