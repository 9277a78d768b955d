//! How many elements an array of a manifest may have before the rest go unjudged.
//!
//! No real service has hundreds of SLOs or waivers, but a file under the size limit can
//! hold 95,000 `[[waiver]]` headers, and judging each one gives a report hundreds of times
//! the size of its input. Past its limit an array is cut: the first elements are judged as
//! usual and the rest make one `manifest.schema` finding, so every output stays a small
//! multiple of its input. The limits are in the published schema (`maxItems`) and a pack
//! may change them (`[pack] max_items`).

use std::collections::BTreeMap;

use super::{Manifest, Node, Value};
use crate::source::Span;

/// The arrays that are limited, with their default limits, by dotted path.
pub const DEFAULT_MAX_ITEMS: [(&str, usize); 6] = [
    ("dependency", 300),
    ("datastore", 100),
    ("slo", 100),
    ("waiver", 100),
    ("service.labels", 100),
    ("monitoring.dashboards", 100),
];

/// The limits in force: the defaults, with a pack's changes.
#[must_use]
pub fn max_items(changes: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    let mut limits: BTreeMap<String, usize> = DEFAULT_MAX_ITEMS
        .iter()
        .map(|(path, limit)| ((*path).to_owned(), *limit))
        .collect();
    limits.extend(changes.iter().map(|(path, limit)| (path.clone(), *limit)));
    limits
}

/// An array that was cut to its limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The array's dotted path (`waiver`).
    pub path: String,
    /// How many elements it had.
    pub count: usize,
    /// How many were kept and judged.
    pub limit: usize,
    /// The first element left unjudged.
    pub span: Span,
}

impl Cut {
    /// The `manifest.schema` finding's message.
    #[must_use]
    pub fn message(&self) -> String {
        format!(
            "`{}` has {} elements, more than the {} any service needs: the first {} are judged and the other {} are not; raise the limit with `[pack] max_items` if this is real",
            self.path,
            self.count,
            self.limit,
            self.limit,
            self.count - self.limit
        )
    }
}

/// The manifest with every limited array cut to its limit, what was cut recorded in its
/// `cuts`; `None` when nothing is over its limit (the common case costs no copy).
#[must_use]
pub fn limited(manifest: &Manifest, limits: &BTreeMap<String, usize>) -> Option<Manifest> {
    let over = |path: &str, limit: usize| {
        manifest
            .root
            .pointer(path)
            .and_then(Node::as_array)
            .is_some_and(|items| items.len() > limit)
    };
    if !limits.iter().any(|(path, limit)| over(path, *limit)) {
        return None;
    }
    let mut root = manifest.root.clone();
    let mut cuts = Vec::new();
    for (path, limit) in limits {
        if let Some(Value::Array(items)) = pointer_mut(&mut root, path).map(|n| &mut n.value) {
            if items.len() > *limit {
                cuts.push(Cut {
                    path: path.clone(),
                    count: items.len(),
                    limit: *limit,
                    span: items[*limit].span,
                });
                items.truncate(*limit);
            }
        }
    }
    let json = root.to_json();
    Some(Manifest {
        source: std::sync::Arc::clone(&manifest.source),
        root,
        json,
        cuts,
        files: manifest.files.clone(),
        imports: manifest.imports.clone(),
        path: manifest.path.clone(),
    })
}

fn pointer_mut<'a>(node: &'a mut Node, dotted: &str) -> Option<&'a mut Node> {
    dotted
        .split('.')
        .try_fold(node, |node, key| match &mut node.value {
            Value::Table(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.name == key)
                .map(|(_, child)| child),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_past_their_limit_are_cut_and_said_once() {
        let text = format!(
            "[service]\nlabels = [\"a\", \"b\", \"c\"]\n{}",
            "[[waiver]]\n".repeat(5)
        );
        let manifest = Manifest::from_text("prr.toml", &text).expect("parses");
        let limits = max_items(&BTreeMap::from([
            ("waiver".to_owned(), 2),
            ("service.labels".to_owned(), 3),
        ]));
        let cut = limited(&manifest, &limits).expect("cut");
        assert_eq!(cut.cuts.len(), 1);
        assert_eq!((cut.cuts[0].count, cut.cuts[0].limit), (5, 2));
        assert_eq!(
            cut.root
                .get("waiver")
                .and_then(Node::as_array)
                .map(<[Node]>::len),
            Some(2)
        );
        assert_eq!(cut.json["waiver"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            cut.json["service"]["labels"].as_array().map(Vec::len),
            Some(3)
        );
        assert!(limited(&manifest, &max_items(&BTreeMap::new())).is_none());
    }

    #[test]
    fn the_published_schema_states_the_default_limits() {
        let schema: serde_json::Value =
            serde_json::from_str(crate::manifest::schema::MANIFEST_SCHEMA).expect("JSON");
        for (path, limit) in DEFAULT_MAX_ITEMS {
            let pointer = format!("/properties/{}/maxItems", path.replace('.', "/properties/"));
            assert_eq!(
                schema.pointer(&pointer).and_then(serde_json::Value::as_u64),
                Some(limit as u64),
                "{pointer}"
            );
        }
    }
}
