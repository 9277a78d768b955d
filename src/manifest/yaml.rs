//! YAML into the [`Node`] model, keeping spans: the one conversion for every YAML file prr
//! reads (imported catalog and SLO files, Kubernetes manifests in the repository).
//!
//! Parsed with saphyr (see Cargo.toml for why), whose marked nodes give each node's place;
//! the place becomes a byte span here, so that a YAML file's findings are drawn and located
//! exactly like a manifest's. The limits are the manifest's: nesting deeper than
//! [`MAX_NESTING`] is refused before saphyr builds a tree (its tree is freed recursively), and
//! the size limit is the reader's (`crate::source::read_text`).
//!
//! Aliases are bounded by what they expand to, not only by how many nodes they copy: one
//! large scalar anchored and aliased thousands of times is a small file that expands to
//! gigabytes. The parser's events are measured on their way to saphyr's loader, each alias
//! at the size of what its anchor holds, and the file is refused at the first alias that
//! would take the copies past [`EXPANSION_FACTOR`] times its bytes (or [`EXPANSION_FLOOR`]
//! for a small file), before anything is copied.

use std::collections::HashMap;
use std::sync::Arc;

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use saphyr_parser::{BufferedInput, Event, Parser, SpannedEventReceiver};

use crate::diagnostic::Diagnostic;
use crate::manifest::document::{Key, Node, Value};
use crate::manifest::parse::MAX_NESTING;
use crate::source::{SourceFile, Span};

/// How many times its own size the copies made by a file's aliases may add up to.
pub const EXPANSION_FACTOR: usize = 4;

/// What the aliases of any file may expand to, however small the file: room for the usual
/// use of anchors (shared defaults) in a short file.
pub const EXPANSION_FLOOR: usize = 64 * 1024;

/// How many nodes a file's aliases may copy in all (saphyr's own default budget, checked
/// here first so that the error names the anchor).
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Text that is not YAML prr can read: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotYaml {
    pub span: Span,
    pub reason: String,
    /// The text may be YAML, but its aliases expand past the bound ([`EXPANSION_FACTOR`]):
    /// it was refused for its size, not for its syntax.
    pub past_bound: bool,
}

impl NotYaml {
    fn at(offset: usize, reason: impl Into<String>) -> Self {
        Self {
            span: Span::new(offset, offset),
            reason: reason.into(),
            past_bound: false,
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
/// A syntax error, nesting deeper than [`MAX_NESTING`], aliases that expand past the bound
/// (naming the anchor) or a key that is not a scalar, each with its place.
pub fn documents(text: &str) -> Result<Vec<Node>, NotYaml> {
    if let Some(offset) = too_deep(text) {
        return Err(NotYaml::at(
            offset,
            format!("nesting deeper than {MAX_NESTING} levels; no catalog or SLO file needs it"),
        ));
    }
    let offsets = Offsets::new(text);
    let syntax = |err: &saphyr::ScanError| {
        NotYaml::at(
            offsets.byte(err.marker().index()),
            format!("YAML syntax: {}", err.info()),
        )
    };
    let mut bounded = Bounded::new(text, &offsets);
    let mut parser = Parser::new(BufferedInput::new(text.chars()));
    let parsed = parser.load(&mut bounded, true);
    if let Some(past) = bounded.past {
        return Err(past);
    }
    parsed.map_err(|err| syntax(&err))?;
    if let Some(err) = bounded.loader.error() {
        return Err(syntax(err));
    }
    let loaded = bounded.loader.into_documents();
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

/// Measures the parser's events on their way to saphyr's loader, and stops passing them on
/// at the first alias that would expand the file past its bound.
struct Bounded<'input, 'text> {
    loader: YamlLoader<'input, MarkedYaml<'input>>,
    text: &'text str,
    offsets: &'text Offsets,
    /// What the aliases may add, in bytes of scalar text plus one per node.
    budget: usize,
    /// The size of everything read so far, aliases counted at what they expand to.
    size: usize,
    /// What the aliases have added so far: (size, nodes).
    copied: (usize, usize),
    nodes: usize,
    /// Each anchor's expanded (size, nodes), once its node is complete.
    anchors: HashMap<usize, (usize, usize)>,
    /// The collections being read: their anchor and (size, nodes) at their start.
    open: Vec<(usize, usize, usize)>,
    past: Option<NotYaml>,
}

impl<'input, 'text> Bounded<'input, 'text> {
    fn new(text: &'text str, offsets: &'text Offsets) -> Self {
        Self {
            loader: YamlLoader::default(),
            text,
            offsets,
            budget: text
                .len()
                .saturating_mul(EXPANSION_FACTOR)
                .max(EXPANSION_FLOOR),
            size: 0,
            copied: (0, 0),
            nodes: 0,
            anchors: HashMap::new(),
            open: Vec::new(),
            past: None,
        }
    }

    /// The anchor an alias at `offset` names, as written (`*defaults` gives `defaults`).
    fn anchor_name(&self, offset: usize) -> &'text str {
        let rest = self.text.get(offset..).unwrap_or_default();
        let rest = rest.strip_prefix('*').unwrap_or(rest);
        let end = rest
            .find(|c: char| c.is_whitespace() || ",[]{}".contains(c))
            .unwrap_or(rest.len());
        &rest[..end]
    }
}

impl<'input> SpannedEventReceiver<'input> for Bounded<'input, '_> {
    fn on_event(&mut self, event: Event<'input>, span: saphyr_parser::Span) {
        if self.past.is_some() {
            return;
        }
        match &event {
            Event::Scalar(value, _, anchor, _) => {
                self.size = self.size.saturating_add(value.len() + 1);
                self.nodes += 1;
                if *anchor > 0 {
                    self.anchors.insert(*anchor, (value.len() + 1, 1));
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((*anchor, self.size, self.nodes));
                self.size = self.size.saturating_add(1);
                self.nodes += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, size, nodes)) = self.open.pop() {
                    if anchor > 0 {
                        self.anchors
                            .insert(anchor, (self.size - size, self.nodes - nodes));
                    }
                }
            }
            Event::Alias(anchor) => {
                let (size, nodes) = self.anchors.get(anchor).copied().unwrap_or((1, 1));
                let copied = (
                    self.copied.0.saturating_add(size),
                    self.copied.1.saturating_add(nodes),
                );
                if copied.0 > self.budget || copied.1 > MAX_ALIAS_NODES {
                    let at = self.offsets.byte(span.start.index());
                    let name = self.anchor_name(at);
                    let reason = if copied.1 > MAX_ALIAS_NODES {
                        format!(
                            "the alias `*{name}` makes the aliases of this file copy more than {MAX_ALIAS_NODES} nodes: write the values out, or anchor less"
                        )
                    } else {
                        format!(
                            "the alias `*{name}` expands this file past {} bytes ({EXPANSION_FACTOR} times its size): the anchor `&{name}` is too large to repeat this often; write the values out, or anchor less",
                            self.budget
                        )
                    };
                    self.past = Some(NotYaml {
                        past_bound: true,
                        ..NotYaml::at(at, reason)
                    });
                    return;
                }
                self.copied = copied;
                self.size = self.size.saturating_add(size);
                self.nodes = self.nodes.saturating_add(nodes);
            }
            Event::DocumentStart(_) => self.anchors.clear(),
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        self.loader.on_event(event, span);
    }
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

    #[test]
    fn aliases_are_bounded_by_what_they_expand_to() {
        // One large scalar aliased many times: few nodes, a great many bytes.
        let big = "x".repeat(20_000);
        let mut bomb = format!("big: &blob \"{big}\"\ncopies:\n");
        for _ in 0..100 {
            bomb.push_str("  - *blob\n");
        }
        let err = documents(&bomb).unwrap_err();
        assert!(err.past_bound, "{err:?}");
        assert!(err.reason.contains("`*blob`"), "{err:?}");
        assert!(err.reason.contains("&blob"), "{err:?}");
        assert!(bomb[err.span.start..].starts_with("*blob"), "{err:?}");
        // An anchored collection counts with all it holds.
        let mut nested = format!("base: &base {{a: \"{big}\", b: [1, 2]}}\nuses: [");
        nested.push_str(&vec!["*base"; 50].join(", "));
        nested.push_str("]\n");
        let err = documents(&nested).unwrap_err();
        assert!(err.reason.contains("`*base`"), "{err:?}");
        // The usual use of anchors (shared defaults, a few times) reads as before.
        let defaults =
            "defaults: &defaults {retries: 3, timeout: 30s}\na: *defaults\nb: *defaults\n";
        let docs = documents(defaults).expect("a few aliases");
        assert_eq!(docs[0].pointer("b.retries").and_then(Node::as_i64), Some(3));
        // Aliases up to the bound are fine: 3 copies of a scalar as large as a quarter of
        // the file.
        let fine = format!("big: &blob \"{big}\"\nc: [*blob, *blob, *blob]\n");
        assert!(documents(&fine).is_ok());
    }

    #[test]
    fn the_copies_never_exceed_the_budget_whatever_the_shape() {
        // Checked against a count of the converted tree: what the reader lets through is
        // within the bound it states.
        for copies in [1usize, 3, 10, 100, 1000] {
            let text = format!(
                "a: &a [\"{}\", q, r]\nb: [{}]\n",
                "y".repeat(500),
                vec!["*a"; copies].join(", ")
            );
            match documents(&text) {
                Ok(docs) => {
                    let expanded: usize = docs.iter().map(expanded_size).sum();
                    assert!(
                        expanded
                            <= text.len() * 2 + EXPANSION_FACTOR * text.len() + EXPANSION_FLOOR,
                        "{copies}: {expanded}"
                    );
                }
                Err(err) => assert!(err.past_bound, "{copies}: {err:?}"),
            }
        }
    }

    fn expanded_size(node: &Node) -> usize {
        1 + match &node.value {
            Value::String(s) => s.len(),
            Value::Array(items) => items.iter().map(expanded_size).sum(),
            Value::Table(entries) => entries
                .iter()
                .map(|(key, value)| key.name.len() + 1 + expanded_size(value))
                .sum(),
            _ => 8,
        }
    }
}
