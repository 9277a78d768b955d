//! YAML into the [`Node`] model, keeping spans: the one conversion for every YAML file prr
//! reads (imported catalog and SLO files, Kubernetes manifests in the repository).
//!
//! Parsed with saphyr (see Cargo.toml for why), whose marked nodes give each node's place;
//! the place becomes a byte span here, so that a YAML file's findings are drawn and located
//! exactly like a manifest's. The limits are the manifest's: nesting deeper than
//! [`MAX_NESTING`] is refused before saphyr builds a tree (its tree is freed recursively), and
//! the size limit is the reader's (`crate::source::read_text`).

use std::sync::Arc;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diagnostic::Diagnostic;
use crate::manifest::document::{Key, Node, Value};
use crate::manifest::parse::MAX_NESTING;
use crate::source::{SourceFile, Span};

/// Text that is not YAML prr can read: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotYaml {
    pub span: Span,
    pub reason: String,
}

impl NotYaml {
    fn at(offset: usize, reason: impl Into<String>) -> Self {
        Self {
            span: Span::new(offset, offset),
            reason: reason.into(),
        }
    }

    /// As a diagnostic in `source`.
    #[must_use]
    pub fn diagnostic(&self, source: &Arc<SourceFile>) -> Diagnostic {
        Diagnostic::at(source, self.span, &self.reason)
    }
}

/// Every document of a YAML file (`---` separates them), as trees with spans into `text`
/// (in the manifest's file id: the caller marks them with [`Node::set_file`]). Empty
/// documents are left out.
///
/// # Errors
/// A syntax error, nesting deeper than [`MAX_NESTING`], aliases past saphyr's budget or a
/// key that is not a scalar, each with its place.
pub fn documents(text: &str) -> Result<Vec<Node>, NotYaml> {
    if let Some(offset) = too_deep(text) {
        return Err(NotYaml::at(
            offset,
            format!("nesting deeper than {MAX_NESTING} levels; no catalog or SLO file needs it"),
        ));
    }
    let offsets = Offsets::new(text);
    let loaded = MarkedYaml::load_from_str(text).map_err(|err| {
        let marker = err.marker();
        NotYaml::at(
            offsets.byte(marker.index()),
            format!("YAML syntax: {}", err.info()),
        )
    })?;
    let mut out = Vec::new();
    for document in &loaded {
        let node = convert(document, &offsets, 0)?;
        if node.value != Value::Null {
            out.push(node);
        }
    }
    Ok(out)
}

/// [`documents`] of a file, with its errors as diagnostics in it.
///
/// # Errors
/// As [`documents`].
pub fn parse(source: &Arc<SourceFile>) -> Result<Vec<Node>, Diagnostic> {
    documents(&source.text).map_err(|err| err.diagnostic(source))
}

fn convert(yaml: &MarkedYaml<'_>, offsets: &Offsets, depth: usize) -> Result<Node, NotYaml> {
    let start = offsets.byte(yaml.span.start.index());
    let end = offsets.byte(yaml.span.end.index()).max(start);
    let span = Span::new(start, end);
    if depth > MAX_NESTING {
        return Err(NotYaml::at(
            start,
            format!("nesting deeper than {MAX_NESTING} levels"),
        ));
    }
    let value = match &yaml.data {
        YamlData::Value(scalar) => scalar_value(scalar),
        // Strings left unresolved by the loader are still strings.
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|item| convert(item, offsets, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(mapping) => {
            let mut entries = Vec::with_capacity(mapping.len());
            for (key, value) in mapping {
                let name = match &key.data {
                    YamlData::Value(scalar) => scalar_text(scalar),
                    YamlData::Representation(text, _, _) => Some(text.to_string()),
                    _ => None,
                };
                let key_start = offsets.byte(key.span.start.index());
                let Some(name) = name else {
                    return Err(NotYaml::at(
                        key_start,
                        "a mapping key must be a plain value (a name), not a list or a mapping",
                    ));
                };
                let key_end = offsets.byte(key.span.end.index()).max(key_start);
                entries.push((
                    Key {
                        name,
                        span: Span::new(key_start, key_end),
                    },
                    convert(value, offsets, depth + 1)?,
                ));
            }
            // A mapping's own span is where its first key starts: saphyr's ends at the
            // next token, which would draw the frame under the following lines.
            let first = entries.first().map(|(key, _)| key.span.start);
            let span = first.map_or(span, |at| Span::new(at, at));
            return Ok(Node::new(Value::Table(entries), span));
        }
        YamlData::Tagged(_, inner) => return convert(inner, offsets, depth + 1),
        // saphyr resolves aliases itself (within its node budget); one left unresolved
        // names an anchor that does not exist.
        YamlData::Alias(_) => {
            return Err(NotYaml::at(start, "an alias (`*name`) to no anchor"));
        }
        YamlData::BadValue => {
            return Err(NotYaml::at(start, "a value YAML cannot read"));
        }
    };
    Ok(Node::new(value, span))
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Integer(*i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

/// A scalar key as text (`200:` is the key "200").
fn scalar_text(scalar: &Scalar<'_>) -> Option<String> {
    Some(match scalar {
        Scalar::Null => "null".to_owned(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    })
}

/// saphyr counts characters; spans count bytes. ASCII text needs no table.
struct Offsets {
    /// The byte offset of each character, when the text is not all ASCII.
    starts: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        Self {
            starts: (!text.is_ascii()).then(|| text.char_indices().map(|(at, _)| at).collect()),
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.starts {
            None => char_index.min(self.len),
            Some(starts) => starts.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

/// Where flow nesting (`[`, `{`) first goes deeper than [`MAX_NESTING`], outside quotes and
/// comments; `None` when it never does. Block nesting needs indentation, which the size
/// limit bounds, and is counted again while converting.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut previous = b'\n';
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' if previous.is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            quote @ (b'"' | b'\'') if depth > 0 || !previous.is_ascii_alphanumeric() => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if quote == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        previous = bytes.get(i).copied().unwrap_or(b'\n');
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_byte_spans_of_keys_and_values() {
        let text = "# é\napiVersion: v1\nkind: SLO\n---\nmetadata:\n  name: \"pay\"\n  n: 3\n";
        let docs = documents(text).expect("YAML");
        assert_eq!(docs.len(), 2);
        let kind = docs[0].get("kind").expect("kind");
        assert_eq!(&text[kind.span.start..kind.span.end], "SLO");
        let name = docs[1].pointer("metadata.name").expect("name");
        assert_eq!(name.as_str(), Some("pay"));
        assert!(text[name.span.start..].starts_with("\"pay\""));
        assert_eq!(
            docs[1].pointer("metadata.n").and_then(Node::as_i64),
            Some(3)
        );
        let (key, _) = docs[1].entry("metadata").expect("entry");
        assert_eq!(&text[key.span.start..key.span.end], "metadata");
    }

    #[test]
    fn syntax_errors_depth_and_aliases_say_where() {
        let err = documents("kind: SLO\nspec: [unclosed\n").unwrap_err();
        assert!(err.reason.starts_with("YAML syntax"), "{err:?}");
        assert!(err.span.start > 0);
        let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = documents(&deep).unwrap_err();
        assert!(err.reason.contains("nesting deeper"), "{err:?}");
        let mut block = String::new();
        for level in 0..80 {
            block.push_str(&" ".repeat(level));
            block.push_str("k:\n");
        }
        assert!(documents(&block).unwrap_err().reason.contains("nesting"));
        // saphyr expands an alias by copying the anchor, within a budget of nodes: a file
        // of nested aliases (a "billion laughs") stops at the budget with an error.
        let aliased = documents("a: &x 1\nb: *x\n").expect("an alias");
        assert_eq!(aliased[0].get("b").and_then(Node::as_i64), Some(1));
        let mut laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
        for level in 1..12 {
            let refs = vec![format!("*l{}", level - 1); 10].join(", ");
            laughs.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
        }
        let err = documents(&laughs).unwrap_err();
        assert!(err.reason.contains("alias"), "{err:?}");
        // Brackets inside quotes and comments do not count.
        let quoted = format!("a: \"{}\" # {}\n", "[".repeat(100), "{".repeat(100));
        assert!(documents(&quoted).is_ok());
    }
}
