//! TOML and JSON into the [`Node`] model, keeping spans. The conversion is the project's
//! own (not serde's) because no serde data model keeps a span for every key and value, dates
//! must stay ISO strings, and NaN or inf must reach the schema rather than vanish.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::manifest::document::{Key, Node, Value};
use crate::source::{SourceFile, Span};

/// Deeper nesting than this is refused before parsing: no manifest or rule file needs it,
/// and a recursive parser must not be handed 10,000 levels.
pub const MAX_NESTING: usize = 64;

/// The formats a manifest may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// JSON for a `.json` file, TOML for everything else.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        if name.to_ascii_lowercase().ends_with(".json") {
            Self::Json
        } else {
            Self::Toml
        }
    }
}

/// Parses a file into its document tree.
///
/// # Errors
/// A syntax error, a duplicate key or nesting deeper than [`MAX_NESTING`], each with its place.
pub fn parse(source: &Arc<SourceFile>, format: Format) -> Result<Node, Diagnostic> {
    if let Some(offset) = too_deep(&source.text, format) {
        return Err(Diagnostic::at(
            source,
            Span::new(offset, offset + 1),
            format!("nesting deeper than {MAX_NESTING} levels; a manifest needs a handful"),
        ));
    }
    match format {
        Format::Toml => parse_toml(source),
        Format::Json => parse_json(source),
    }
}

fn parse_toml(source: &Arc<SourceFile>) -> Result<Node, Diagnostic> {
    let table = toml::de::DeTable::parse(&source.text).map_err(|err| {
        let span = err.span().map_or(Span::START, Span::from);
        Diagnostic::at(source, span, toml_message(&err))
    })?;
    let mut root = from_toml_table(table.into_inner());
    // The root has no place of its own: findings about a missing table point at line 1.
    root.span = Span::START;
    Ok(root)
}

/// TOML's own message, less its code frame (ours is drawn by the renderer).
#[must_use]
pub fn toml_message(err: &toml::de::Error) -> String {
    let message = err.message().trim();
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("TOML syntax: {}{}", first.to_lowercase(), chars.as_str()),
        None => "TOML syntax error".to_owned(),
    }
}

fn from_toml_table(table: toml::de::DeTable<'_>) -> Node {
    let entries = table
        .into_iter()
        .map(|(key, value)| {
            let key_span = Span::from(key.span());
            let key = Key {
                name: key.into_inner().into_owned(),
                span: key_span,
            };
            (key, from_toml_value(value))
        })
        .collect();
    Node::new(Value::Table(entries), Span::START)
}

fn from_toml_value(value: toml::Spanned<toml::de::DeValue<'_>>) -> Node {
    use toml::de::DeValue;
    let span = Span::from(value.span());
    let value = match value.into_inner() {
        DeValue::String(s) => Value::String(s.into_owned()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            // Out of i64 range: keep it as a float so that the schema's range check speaks.
            Err(_) => Value::Float(i.as_str().parse().unwrap_or(f64::INFINITY)),
        },
        DeValue::Float(f) => Value::Float(parse_toml_float(f.as_str())),
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(items) => Value::Array(items.into_iter().map(from_toml_value).collect()),
        DeValue::Table(table) => {
            let mut node = from_toml_table(table);
            node.span = span;
            return node;
        }
    };
    Node::new(value, span)
}

fn parse_toml_float(text: &str) -> f64 {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    match cleaned.trim_start_matches(['+', '-']) {
        "nan" => f64::NAN,
        "inf" if cleaned.starts_with('-') => f64::NEG_INFINITY,
        "inf" => f64::INFINITY,
        _ => cleaned.parse().unwrap_or(f64::NAN),
    }
}

fn parse_json(source: &Arc<SourceFile>) -> Result<Node, Diagnostic> {
    let mut root = parse_json_value(source)?;
    if !matches!(root.value, Value::Table(_)) {
        return Err(Diagnostic::at(
            source,
            root.span,
            "the manifest must be a JSON object with tables such as \"service\"",
        ));
    }
    root.span = Span::START;
    Ok(root)
}

/// Any JSON document with its spans, within the nesting limit (an incident file is an
/// array, which a manifest may not be).
///
/// # Errors
/// A syntax error, or nesting too deep, with its place.
pub fn parse_json_value(source: &Arc<SourceFile>) -> Result<Node, Diagnostic> {
    if let Some(offset) = too_deep(&source.text, Format::Json) {
        return Err(Diagnostic::at(
            source,
            Span::new(offset, offset + 1),
            format!("nesting deeper than {MAX_NESTING} levels"),
        ));
    }
    // serde_json is the strict judge of JSON syntax (and names line and column);
    // jsonc-parser then gives the spans serde_json does not keep.
    if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&source.text) {
        let offset = offset_of(&source.text, err.line(), err.column());
        let message = err.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(head, _)| head);
        return Err(Diagnostic::at(
            source,
            Span::new(offset, offset),
            format!("JSON syntax: {message}"),
        ));
    }
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..Default::default()
    };
    let parsed =
        jsonc_parser::parse_to_ast(&source.text, &Default::default(), &options).map_err(|err| {
            let range = err.range();
            Diagnostic::at(
                source,
                Span::new(range.start, range.end),
                format!("JSON syntax: {}", err.kind()),
            )
        })?;
    let Some(value) = parsed.value else {
        return Err(Diagnostic::at(
            source,
            Span::START,
            "JSON: no value in the file",
        ));
    };
    from_json_value(source, &value)
}

fn from_json_value(
    source: &Arc<SourceFile>,
    value: &jsonc_parser::ast::Value<'_>,
) -> Result<Node, Diagnostic> {
    use jsonc_parser::ast::Value as J;
    use jsonc_parser::common::Ranged;
    let range = value.range();
    let span = Span::new(range.start, range.end);
    let value = match value {
        J::NullKeyword(_) => Value::Null,
        J::BooleanLit(b) => Value::Bool(b.value),
        J::StringLit(s) => Value::String(s.value.to_string()),
        J::NumberLit(n) => match n.value.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Float(n.value.parse().unwrap_or(f64::INFINITY)),
        },
        J::Array(array) => Value::Array(
            array
                .elements
                .iter()
                .map(|element| from_json_value(source, element))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(object) => {
            let mut entries: Vec<(Key, Node)> = Vec::with_capacity(object.properties.len());
            for property in &object.properties {
                let name = property.name.as_str().to_owned();
                let key_range = property.name.range();
                let key_span = Span::new(key_range.start, key_range.end);
                if let Some((first, _)) = entries.iter().find(|(key, _)| key.name == name) {
                    let first = source.line_col(first.span.start);
                    return Err(Diagnostic::at(
                        source,
                        key_span,
                        format!(
                            "duplicate key \"{name}\" (first defined at line {})",
                            first.line
                        ),
                    )
                    .with_help("keep one of the two"));
                }
                let node = from_json_value(source, &property.value)?;
                entries.push((
                    Key {
                        name,
                        span: key_span,
                    },
                    node,
                ));
            }
            Value::Table(entries)
        }
    };
    Ok(Node::new(value, span))
}

/// The byte offset of a 1-based line and column as serde_json counts them (column in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// The offset of the first bracket nested deeper than [`MAX_NESTING`], skipping strings
/// and comments; `None` when the file is shallow enough.
fn too_deep(text: &str, format: Format) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' if format == Format::Toml => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let escapes = quote == b'"';
                let triple = format == Format::Toml && bytes[i..].starts_with(&[quote; 3]);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if escapes && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple && bytes[i..].starts_with(&[quote; 3]) {
                        i += 2;
                        break;
                    }
                    if !triple && (bytes[i] == quote || bytes[i] == b'\n') {
                        break;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml(text: &str) -> (Arc<SourceFile>, Node) {
        let source = Arc::new(SourceFile::new("prr.toml", text));
        let node = parse(&source, Format::Toml).unwrap();
        (source, node)
    }

    #[test]
    fn toml_spans_map_to_lines() {
        let (source, root) =
            toml("[service]\nname = \"api\"\ntier = 1\n\n[[slo]]\ntarget = 99.9\n");
        let tier = root.pointer("service.tier").unwrap();
        assert_eq!(source.line_col(tier.span.start).line, 3);
        assert_eq!(source.line_col(tier.span.start).column, 8);
        let slo = &root.get("slo").unwrap().as_array().unwrap()[0];
        assert_eq!(
            source.line_col(slo.get("target").unwrap().span.start).line,
            6
        );
        assert_eq!(root.span, Span::START);
    }

    #[test]
    fn json_spans_map_to_lines() {
        let source = Arc::new(SourceFile::new(
            "prr.json",
            "{\n  \"service\": {\n    \"tier\": 2\n  }\n}\n",
        ));
        let root = parse(&source, Format::Json).unwrap();
        let tier = root.pointer("service.tier").unwrap();
        assert_eq!(source.line_col(tier.span.start).line, 3);
        assert_eq!(source.line_col(tier.span.start).column, 13);
        assert_eq!(tier.as_i64(), Some(2));
    }

    #[test]
    fn dates_stay_iso_and_nan_survives() {
        let (_, root) = toml("[r]\nprr = 2025-06-01\nt = nan\nu = -inf\n");
        assert_eq!(root.pointer("r.prr").unwrap().to_json(), "2025-06-01");
        assert_eq!(root.pointer("r.t").unwrap().to_json(), "nan");
        assert_eq!(root.pointer("r.u").unwrap().to_json(), "-inf");
    }

    #[test]
    fn syntax_errors_have_places() {
        let source = Arc::new(SourceFile::new("prr.toml", "[service]\nname = \n"));
        let err = parse(&source, Format::Toml).unwrap_err();
        assert_eq!(err.position().unwrap().line, 2);
        let source = Arc::new(SourceFile::new("prr.json", "{\n  \"a\": 1,\n}"));
        let err = parse(&source, Format::Json).unwrap_err();
        assert_eq!(err.position().unwrap().line, 3, "{err}");
        let source = Arc::new(SourceFile::new("prr.toml", "[d]\nx = 2026-02-30\n"));
        assert_eq!(
            parse(&source, Format::Toml)
                .unwrap_err()
                .position()
                .unwrap()
                .line,
            2
        );
    }

    #[test]
    fn duplicate_keys_and_deep_nesting_are_refused() {
        let source = Arc::new(SourceFile::new("prr.json", "{\"a\": 1,\n\"a\": 2}"));
        let err = parse(&source, Format::Json).unwrap_err();
        assert!(err.message.contains("duplicate key"), "{err}");
        let source = Arc::new(SourceFile::new("prr.toml", "a = 1\na = 2\n"));
        assert!(parse(&source, Format::Toml).is_err());
        let deep = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
        let source = Arc::new(SourceFile::new("prr.toml", deep));
        let err = parse(&source, Format::Toml).unwrap_err();
        assert!(err.message.contains("nesting"), "{err}");
        // Brackets inside strings and comments do not count.
        let (_, root) = toml(&format!(
            "# {}\na = \"{}\"\n",
            "[".repeat(100),
            "{".repeat(100)
        ));
        assert!(root.get("a").is_some());
    }
}
