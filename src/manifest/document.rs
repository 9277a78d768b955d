//! The one document model every rule reads, whichever format the manifest was written in:
//! values with the byte span they came from, so that every finding has a line and column.

use crate::source::{FileId, Span};

/// How a placeholder value starts (`"TODO: link your runbook"`).
pub const TODO: &str = "TODO";

/// A value and where it stands in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A table's entries by key name: [`Node::entry`] in constant time.
#[derive(Clone, Debug, Default)]
pub struct EntryIndex<'a>(std::collections::HashMap<&'a str, (&'a Key, &'a Node)>);

impl<'a> EntryIndex<'a> {
    /// The key and value of the entry `name`, as [`Node::entry`] gives them.
    #[must_use]
    pub fn entry(&self, name: &str) -> Option<(&'a Key, &'a Node)> {
        self.0.get(name).copied()
    }
}

/// A key of a table and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    /// A TOML date or date-time, kept as its ISO 8601 text.
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<(Key, Node)>),
}

impl Node {
    #[must_use]
    pub fn new(value: Value, span: Span) -> Self {
        Self { value, span }
    }

    /// Marks the node, its keys and everything below as read from `file` (a tree parsed
    /// from an imported file before it joins the manifest's).
    pub fn set_file(&mut self, file: FileId) {
        self.span.file = file;
        match &mut self.value {
            Value::Array(items) => items.iter_mut().for_each(|n| n.set_file(file)),
            Value::Table(entries) => entries.iter_mut().for_each(|(key, node)| {
                key.span.file = file;
                node.set_file(file);
            }),
            _ => {}
        }
    }

    /// The entry `name` of a table; `None` for a missing key or a value that is not a table.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.entry(name).map(|(_, node)| node)
    }

    /// The key and value of the entry `name` of a table.
    #[must_use]
    pub fn entry(&self, name: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Table(entries) => entries
                .iter()
                .find(|(key, _)| key.name == name)
                .map(|(key, node)| (key, node)),
            _ => None,
        }
    }

    /// An index from key to entry of a table, for a caller that looks up many of its keys
    /// (a schema error listing every unknown key of a table): one pass over the table
    /// instead of one per key. Empty for a value that is not a table.
    #[must_use]
    pub fn entry_index(&self) -> EntryIndex<'_> {
        let mut index = std::collections::HashMap::new();
        if let Value::Table(entries) = &self.value {
            index.reserve(entries.len());
            for (key, node) in entries {
                // The first of two equal keys, as `entry` finds it.
                index.entry(key.name.as_str()).or_insert((key, node));
            }
        }
        EntryIndex(index)
    }

    /// A dotted path of plain keys (`service.tier`), for the code's own look-ups.
    #[must_use]
    pub fn pointer(&self, dotted: &str) -> Option<&Node> {
        dotted.split('.').try_fold(self, |node, key| node.get(key))
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) | Value::Datetime(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Integer(i) => Some(i),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Present in the sense of `require`: not null, not a blank string, not a TODO
    /// placeholder (see [`Node::is_todo`]), not `[]` or `{}`, not `false`. Zero is present.
    #[must_use]
    pub fn is_present(&self) -> bool {
        match &self.value {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.trim().is_empty() && !self.is_todo(),
            Value::Array(items) => !items.is_empty(),
            Value::Table(entries) => !entries.is_empty(),
            Value::Bool(true) | Value::Integer(_) | Value::Float(_) | Value::Datetime(_) => true,
        }
    }

    /// A string that still holds a placeholder, such as `prr init` writes for every value it
    /// cannot know: it starts with `TODO`. Such a value is not present for `require`, so a
    /// fresh manifest fails exactly on its TODOs.
    #[must_use]
    pub fn is_todo(&self) -> bool {
        matches!(&self.value, Value::String(s) if s.trim_start().starts_with(TODO))
    }

    /// Where a key missing from this table would go: just after its last own value (a
    /// sub-table, which TOML writes later under its own header, does not count), or just
    /// after the table's header when it has no value yet. An empty span there.
    #[must_use]
    pub fn end_of_table(&self) -> Span {
        let last = match &self.value {
            Value::Table(entries) => entries
                .iter()
                .filter(|(_, node)| !node.is_table_or_tables())
                .map(|(_, node)| node.span)
                .filter(|span| span.file == self.span.file)
                .max_by_key(|span| span.end),
            _ => None,
        };
        let end = last.map_or(self.span.end, |span| span.end);
        Span {
            start: end,
            end,
            file: self.span.file,
        }
    }

    /// A table, or an array of tables (`[[dependency]]`): what TOML writes under headers.
    fn is_table_or_tables(&self) -> bool {
        match &self.value {
            Value::Table(_) => true,
            Value::Array(items) => {
                !items.is_empty() && items.iter().all(|n| matches!(n.value, Value::Table(_)))
            }
            _ => false,
        }
    }

    /// Where a finding about a key missing below this node points: the end of this table,
    /// or for the document itself (no table on the way exists), the end of `[service]`,
    /// where a new table would follow; the start of the file without one.
    #[must_use]
    pub fn missing_anchor(&self, is_root: bool) -> Span {
        if !is_root {
            return self.end_of_table();
        }
        self.get("service")
            .filter(|s| matches!(s.value, Value::Table(_)))
            .map_or(Span::START, Node::end_of_table)
    }

    /// Every TODO placeholder at or below this node, by span, with its dotted key
    /// (`slo[0].indicator`) under `key`.
    pub fn todos(&self, key: &str, into: &mut std::collections::BTreeMap<Span, String>) {
        let mut path = key.to_owned();
        self.todos_below(&mut path, into);
    }

    /// [`Node::todos`] with the key built in one buffer: a key is copied only for a TODO.
    fn todos_below(&self, key: &mut String, into: &mut std::collections::BTreeMap<Span, String>) {
        use std::fmt::Write as _;
        let at = key.len();
        match &self.value {
            Value::Array(items) => {
                for (i, node) in items.iter().enumerate() {
                    let _ = write!(key, "[{i}]");
                    node.todos_below(key, into);
                    key.truncate(at);
                }
            }
            Value::Table(entries) => {
                for (name, node) in entries {
                    if !key.is_empty() {
                        key.push('.');
                    }
                    key.push_str(&name.name);
                    node.todos_below(key, into);
                    key.truncate(at);
                }
            }
            _ if self.is_todo() => {
                into.insert(self.span, key.clone());
            }
            _ => {}
        }
    }

    /// How a value that is not present reads in a message: "missing" (no value at all),
    /// "still a TODO", or "empty".
    #[must_use]
    pub fn absence(node: Option<&Node>) -> &'static str {
        match node {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => "missing",
            Some(node) if node.is_todo() => "still a TODO",
            Some(_) => "empty",
        }
    }

    /// How the value reads in a message: strings quoted, containers summarised.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => format_number(*f),
            Value::String(s) => format!("{s:?}"),
            Value::Datetime(s) => s.clone(),
            Value::Array(items) => format!("an array of {}", items.len()),
            Value::Table(_) => "a table".to_owned(),
        }
    }

    /// The JSON value that JSON Schemas see: dates stay ISO strings; a float that JSON
    /// cannot hold (NaN, inf) becomes its TOML spelling as a string, so the schema's
    /// `number` type rejects it.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Integer(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or_else(|| J::String(format_number(*f)), J::Number),
            Value::String(s) | Value::Datetime(s) => J::String(s.clone()),
            Value::Array(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Table(entries) => J::Object(
                entries
                    .iter()
                    .map(|(key, node)| (key.name.clone(), node.to_json()))
                    .collect(),
            ),
        }
    }
}

/// A number as people write it: `99.9`, `100`, `nan`, `inf`.
#[must_use]
pub fn format_number(f: f64) -> String {
    if f.is_nan() {
        "nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        let text = format!("{f}");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_index_finds_what_entry_finds() {
        let key = |name: &str, at: usize| Key {
            name: name.to_owned(),
            span: Span::new(at, at + 1),
        };
        let table = Node::new(
            Value::Table(vec![
                (key("a", 0), Node::new(Value::Integer(1), Span::new(2, 3))),
                (key("b", 4), Node::new(Value::Integer(2), Span::new(6, 7))),
                (key("a", 8), Node::new(Value::Integer(3), Span::new(10, 11))),
            ]),
            Span::new(0, 11),
        );
        let index = table.entry_index();
        for name in ["a", "b", "c"] {
            assert_eq!(index.entry(name), table.entry(name), "{name}");
        }
        assert!(Node::new(Value::Null, Span::new(0, 0))
            .entry_index()
            .entry("a")
            .is_none());
    }
}
