//! Dotted paths into a manifest: `service.owner`, `slo[*].target`, `dependency[0].sla`,
//! `dependency[critical=true].sla`.

use std::fmt;
use std::str::FromStr;

use crate::manifest::document::{Node, Value};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
    /// `[*]`: every element of an array.
    All,
    /// `[key=value]`: the elements of an array whose `key` equals `value`.
    Filter {
        key: String,
        value: Literal,
    },
}

/// A literal in a `[key=value]` filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Bool(bool),
    Number(f64),
    String(String),
}

impl Literal {
    fn parse(text: &str) -> Self {
        let text = text.trim();
        match text {
            "true" => return Self::Bool(true),
            "false" => return Self::Bool(false),
            _ => {}
        }
        if let Ok(number) = text.parse::<f64>() {
            return Self::Number(number);
        }
        let unquoted = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
            .unwrap_or(text);
        Self::String(unquoted.to_owned())
    }

    /// Whether a manifest value equals this literal (numbers by value, strings exactly).
    #[must_use]
    pub fn matches(&self, node: &Node) -> bool {
        match (self, &node.value) {
            (Self::Bool(a), Value::Bool(b)) => a == b,
            (Self::Number(a), _) => node.as_f64().is_some_and(|b| (a - b).abs() < f64::EPSILON),
            (Self::String(a), Value::String(b) | Value::Datetime(b)) => a == b,
            _ => false,
        }
    }
}

/// A parsed path, with the text it was written as.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    text: String,
    segments: Vec<Segment>,
}

/// What a path reached: a value, or the place where it is missing.
#[derive(Clone, Debug)]
pub struct Hit<'a> {
    /// The concrete path (`dependency[1].sla`): the finding's logical location.
    pub key: String,
    pub node: Option<&'a Node>,
    /// The value's span, or for a missing value where it would go: the end of the deepest
    /// table that exists, or after `[service]` when the table is missing too.
    pub anchor: Span,
    /// For a missing value, the concrete path of the deepest value that exists (empty for
    /// the document itself): what the message tells the reader to add, and to which table.
    pub present: String,
}

impl Hit<'_> {
    /// What to add for a missing value, and where: "add `escalation` to `[oncall]`", "add
    /// `[docs]` with `runbook`".
    #[must_use]
    pub fn what_to_add(&self) -> String {
        let rest = self
            .key
            .strip_prefix(self.present.as_str())
            .unwrap_or(&self.key)
            .trim_start_matches('.');
        let (table, key) = match rest.rsplit_once('.') {
            Some((table, key)) => (Some(table), key),
            None => (None, rest),
        };
        let within = |table: &str| {
            if self.present.is_empty() {
                table.to_owned()
            } else {
                format!("{}.{table}", self.present)
            }
        };
        match table {
            Some(table) if !table.contains('[') => {
                format!("add `[{}]` with `{key}`", within(table))
            }
            Some(_) => format!("add `{rest}`"),
            None if self.present.is_empty() => {
                use super::schema::{top_level, TopLevel};
                match top_level()
                    .iter()
                    .find(|(name, _)| name == key)
                    .map(|(_, k)| k)
                {
                    Some(TopLevel::ArrayOfTables) => format!("add a `[[{key}]]` table"),
                    Some(TopLevel::Table) => format!("add a `[{key}]` table"),
                    // A plain value: TOML reads it at the top level only above every table.
                    Some(TopLevel::Value) | None => {
                        format!("add `{key} = ...` at the top of the file, above the first table")
                    }
                }
            }
            None if self.present.contains('[') => format!("add `{key}` to `{}`", self.present),
            None => format!("add `{key}` to `[{}]`", self.present),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid path `{path}`: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: String,
}

impl FromStr for Path {
    type Err = PathError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| PathError {
            path: text.to_owned(),
            reason: reason.to_owned(),
        };
        let mut segments = Vec::new();
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(fail("it is empty"));
        }
        let mut expect_key = true;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let close = after.find(']').ok_or_else(|| fail("a `[` is not closed"))?;
                let inner = after[..close].trim();
                segments.push(if inner == "*" {
                    Segment::All
                } else if let Some((key, value)) = inner.split_once('=') {
                    let key = key.trim();
                    if !is_key(key) {
                        return Err(fail("a filter is `[key=value]`"));
                    }
                    Segment::Filter {
                        key: key.to_owned(),
                        value: Literal::parse(value),
                    }
                } else {
                    Segment::Index(inner.parse().map_err(|_| {
                        fail("brackets hold `*`, an index such as `0`, or `key=value`")
                    })?)
                });
                rest = &after[close + 1..];
                expect_key = false;
            } else if let Some(after) = rest.strip_prefix('.') {
                if expect_key {
                    return Err(fail("a key is missing before a `.`"));
                }
                rest = after;
                expect_key = true;
            } else {
                if !expect_key {
                    return Err(fail("keys are separated by `.`"));
                }
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                let key = &rest[..end];
                if !is_key(key) {
                    return Err(fail(&format!(
                        "`{key}` is not a key (letters, digits, `_`, `-`)"
                    )));
                }
                segments.push(Segment::Key(key.to_owned()));
                rest = &rest[end..];
                expect_key = false;
            }
        }
        if expect_key {
            return Err(fail("it ends with a `.`"));
        }
        Ok(Self {
            text: text.trim().to_owned(),
            segments,
        })
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Path {
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Every value the path reaches from `root`, and each place where it is missing.
    /// A wildcard or filter over a missing or empty array reaches nothing (there is nothing
    /// to require); a missing key without a wildcard after it is one missing hit.
    #[must_use]
    pub fn resolve<'a>(&self, root: &'a Node) -> Vec<Hit<'a>> {
        let mut hits = Vec::new();
        self.walk(root, 0, &mut String::new(), &mut hits);
        hits
    }

    /// Follows the segments from `at` below `node`, whose concrete key is `key` (one buffer
    /// for the whole walk: a key is copied only into a hit).
    fn walk<'a>(&self, node: &'a Node, at: usize, key: &mut String, hits: &mut Vec<Hit<'a>>) {
        use std::fmt::Write as _;
        let Some(segment) = self.segments.get(at) else {
            hits.push(Hit {
                key: key.clone(),
                node: Some(node),
                anchor: node.span,
                present: String::new(),
            });
            return;
        };
        let missing = |hits: &mut Vec<Hit<'a>>, key: &str| {
            let wildcard_follows = self.segments[at..]
                .iter()
                .any(|s| matches!(s, Segment::All | Segment::Filter { .. }));
            if !wildcard_follows {
                hits.push(Hit {
                    key: self.concrete_from(key.to_owned(), at),
                    node: None,
                    anchor: node.missing_anchor(at == 0),
                    present: key.to_owned(),
                });
            }
        };
        let length = key.len();
        match segment {
            Segment::Key(name) => match node.get(name) {
                Some(child) => {
                    if !key.is_empty() {
                        key.push('.');
                    }
                    key.push_str(name);
                    self.walk(child, at + 1, key, hits);
                }
                None => missing(hits, key),
            },
            Segment::Index(index) => match node.as_array().and_then(|items| items.get(*index)) {
                Some(child) => {
                    let _ = write!(key, "[{index}]");
                    self.walk(child, at + 1, key, hits);
                }
                None => missing(hits, key),
            },
            Segment::All | Segment::Filter { .. } => {
                let Some(items) = node.as_array() else {
                    return;
                };
                for (index, child) in items.iter().enumerate() {
                    if let Segment::Filter { key: field, value } = segment {
                        if !child.get(field).is_some_and(|v| value.matches(v)) {
                            continue;
                        }
                    }
                    let _ = write!(key, "[{index}]");
                    self.walk(child, at + 1, key, hits);
                    key.truncate(length);
                }
            }
        }
        key.truncate(length);
    }

    /// The path text with its first `at` segments replaced by the concrete `prefix`.
    fn concrete_from(&self, prefix: String, at: usize) -> String {
        self.segments[at..]
            .iter()
            .fold(prefix, |acc, segment| match segment {
                Segment::Key(name) => join_key(&acc, name),
                Segment::Index(index) => format!("{acc}[{index}]"),
                Segment::All => format!("{acc}[*]"),
                Segment::Filter { .. } => format!("{acc}[?]"),
            })
    }
}

fn join_key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The arrays whose elements have a natural key, and the field that is the key: an element
/// is identified by it wherever findings are matched (`--base`, SARIF fingerprints), so that
/// inserting, moving or replacing an element cannot make a new finding pass for an old one.
pub const NATURAL_KEYS: [(&str, &str); 4] = [
    ("dependency", "name"),
    ("datastore", "name"),
    ("slo", "name"),
    ("waiver", "rule"),
];

/// `key` (a finding's logical path, `dependency[1].owner`) with a keyed array's index
/// replaced by the element's natural key (`dependency[name=fraud-score].owner`). An element
/// without its key field, or with one that is not text, keeps its index: there is nothing
/// else to know it by.
#[must_use]
pub fn keyed(root: &Node, key: &str) -> Option<String> {
    let (array, field) = NATURAL_KEYS.iter().find(|(array, _)| {
        key.strip_prefix(array)
            .is_some_and(|rest| rest.starts_with('['))
    })?;
    let rest = &key[array.len() + 1..];
    let (index, after) = rest.split_once(']')?;
    let index: usize = index.parse().ok()?;
    let element = root.get(array)?.as_array()?.get(index)?;
    let name = match &element.get(field)?.value {
        Value::String(name) => name,
        _ => return None,
    };
    Some(format!("{array}[{field}={name}]{after}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::manifest::parse::{parse, Format};
    use crate::source::SourceFile;

    fn doc(text: &str) -> Node {
        parse(&Arc::new(SourceFile::new("prr.toml", text)), Format::Toml).unwrap()
    }

    fn keys(path: &str, root: &Node) -> Vec<(String, bool)> {
        path.parse::<Path>()
            .unwrap()
            .resolve(root)
            .into_iter()
            .map(|hit| (hit.key, hit.node.is_some()))
            .collect()
    }

    const DEPS: &str = "[service]\nname = \"a\"\n\n[[dependency]]\nname = \"db\"\ncritical = true\nsla = 99.9\n\n[[dependency]]\nname = \"cache\"\ncritical = false\n";

    #[test]
    fn parses_and_rejects_paths() {
        let path: Path = "dependency[critical=true].sla".parse().unwrap();
        assert_eq!(path.segments().len(), 3);
        assert_eq!(
            "a[0].b".parse::<Path>().unwrap().segments()[1],
            Segment::Index(0)
        );
        for bad in ["", "a.", ".a", "a..b", "a[", "a[x]", "a b", "a[0]b"] {
            assert!(bad.parse::<Path>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn wildcard_walks_every_element() {
        let root = doc(DEPS);
        assert_eq!(
            keys("dependency[*].name", &root),
            [
                ("dependency[0].name".into(), true),
                ("dependency[1].name".into(), true)
            ]
        );
        // A missing key under an existing element is a missing hit at that element.
        assert_eq!(
            keys("dependency[*].sla", &root),
            [
                ("dependency[0].sla".into(), true),
                ("dependency[1].sla".into(), false)
            ]
        );
    }

    #[test]
    fn wildcard_over_missing_or_empty_array_reaches_nothing() {
        assert!(keys("slo[*].target", &doc(DEPS)).is_empty());
        assert!(keys("slo[*].target", &doc("slo = []\n")).is_empty());
    }

    #[test]
    fn filter_and_index_select_elements() {
        let root = doc(DEPS);
        assert_eq!(
            keys("dependency[critical=true].sla", &root),
            [("dependency[0].sla".into(), true)]
        );
        assert_eq!(keys("dependency[name=cache].critical", &root).len(), 1);
        assert_eq!(
            keys("dependency[1].name", &root),
            [("dependency[1].name".into(), true)]
        );
        assert_eq!(
            keys("dependency[5].name", &root),
            [("dependency[5].name".into(), false)]
        );
    }

    #[test]
    fn a_missing_top_level_key_is_told_as_the_schema_writes_it() {
        let root = doc("[service]\nname = \"api\"\n");
        let hit = |path: &str| path.parse::<Path>().unwrap().resolve(&root)[0].what_to_add();
        assert_eq!(hit("slo"), "add a `[[slo]]` table");
        assert_eq!(hit("docs"), "add a `[docs]` table");
        assert_eq!(
            hit("unheard_of"),
            "add `unheard_of = ...` at the top of the file, above the first table"
        );
    }

    #[test]
    fn a_missing_key_points_where_it_would_go_and_says_what_to_add() {
        let text = "[service]\nname = \"a\"\n\n[oncall]\nrotation = \"x\"\n\n[monitoring.golden_signals]\nlatency = \"y\"\n";
        let source = SourceFile::new("prr.toml", text);
        let root = doc(text);
        let at = |span: Span| {
            let at = source.line_col(span.start);
            (at.line, at.column)
        };
        // In an existing table: after its last value.
        let hit = &"oncall.escalation".parse::<Path>().unwrap().resolve(&root)[0];
        assert!(hit.node.is_none());
        assert_eq!(at(hit.anchor), (5, 15));
        assert_eq!(hit.what_to_add(), "add `escalation` to `[oncall]`");
        // A whole table missing: after `[service]`.
        let hit = &"docs.runbook".parse::<Path>().unwrap().resolve(&root)[0];
        assert_eq!(hit.key, "docs.runbook");
        assert_eq!(at(hit.anchor), (2, 11));
        assert_eq!(hit.what_to_add(), "add `[docs]` with `runbook`");
        // A table with only sub-tables: after its header, not after the sub-table.
        let hit = &"monitoring.dashboards"
            .parse::<Path>()
            .unwrap()
            .resolve(&root)[0];
        assert_eq!(hit.what_to_add(), "add `dashboards` to `[monitoring]`");
        let hit = &"monitoring.golden_signals.errors"
            .parse::<Path>()
            .unwrap()
            .resolve(&root)[0];
        assert_eq!(at(hit.anchor), (8, 14));
        assert_eq!(
            hit.what_to_add(),
            "add `errors` to `[monitoring.golden_signals]`"
        );
        let hit = &"incidents.review.cadence"
            .parse::<Path>()
            .unwrap()
            .resolve(&root)[0];
        assert_eq!(hit.what_to_add(), "add `[incidents.review]` with `cadence`");
        // No [service] either: the start of the file.
        let bare = doc("[oncall]\nrotation = \"x\"\n");
        let hit = &"docs.runbook".parse::<Path>().unwrap().resolve(&bare)[0];
        assert_eq!(hit.anchor, Span::START);
    }

    #[test]
    fn keyed_arrays_name_their_elements_and_others_keep_the_index() {
        let root = doc("labels = [\"a\"]\n[[dependency]]\nname = \"ledger-db\"\n[[dependency]]\nsla = 99.9\n[[waiver]]\nrule = \"docs.runbook\"\n[[slo]]\nname = 7\n");
        let keyed = |key| keyed(&root, key);
        assert_eq!(
            keyed("dependency[0].owner").as_deref(),
            Some("dependency[name=ledger-db].owner")
        );
        assert_eq!(
            keyed("dependency[1].owner"),
            None,
            "no name: the index stays"
        );
        assert_eq!(
            keyed("waiver[0]").as_deref(),
            Some("waiver[rule=docs.runbook]")
        );
        assert_eq!(keyed("slo[0].target"), None, "a name that is not text");
        assert_eq!(keyed("labels[0]"), None);
        assert_eq!(keyed("dependency[9].sla"), None);
        assert_eq!(keyed("slos[0]"), None);
    }
}
