//! Joining an import's tree to the manifest's: what the manifest lacks is added with its
//! spans into the imported file; what both say is kept as the manifest says it, and a
//! difference is recorded. A TODO placeholder in the manifest is filled by the import. Elements of `slo` and `dependency` are matched by `name`
//! (PRODUCT.md decision 16); other arrays (dashboards) are the union of both.

use super::{Conflict, Imported, Imports};
use crate::manifest::{Node, Value};

/// The arrays whose elements are identified by `name`.
const NAMED: [&str; 2] = ["slo", "dependency"];

pub fn join(root: &mut Node, imported: Imported, imports: &mut Imports) {
    let Value::Table(entries) = &mut root.value else {
        return;
    };
    for (key, node) in imported.entries {
        match entries.iter_mut().find(|(k, _)| k.name == key.name) {
            Some((_, ours)) => merge(ours, node, &key.name, &imported.implied, imports),
            None => entries.push((key, node)),
        }
    }
}

fn merge(ours: &mut Node, theirs: Node, path: &str, implied: &[String], imports: &mut Imports) {
    match (&mut ours.value, theirs.value) {
        (Value::Table(mine), Value::Table(their_entries)) => {
            for (key, node) in their_entries {
                let below = format!("{path}.{}", key.name);
                match mine.iter_mut().find(|(k, _)| k.name == key.name) {
                    Some((_, child)) => merge(child, node, &below, implied, imports),
                    None => mine.push((key, node)),
                }
            }
        }
        (Value::Array(mine), Value::Array(their_items)) if NAMED.contains(&path) => {
            for item in their_items {
                let name = item.get("name").and_then(Node::as_str).map(str::to_owned);
                let same = name.as_deref().and_then(|name| {
                    mine.iter_mut()
                        .find(|m| m.get("name").and_then(Node::as_str) == Some(name))
                });
                match (same, name) {
                    (Some(existing), Some(name)) => {
                        merge(
                            existing,
                            item,
                            &format!("{path}[name={name}]"),
                            implied,
                            imports,
                        );
                    }
                    _ => mine.push(item),
                }
            }
        }
        (Value::Array(mine), Value::Array(their_items)) => {
            for item in their_items {
                if !mine.iter().any(|m| same_value(m, &item)) {
                    mine.push(item);
                }
            }
        }
        (_, value) => {
            let theirs = Node::new(value, theirs.span);
            // A TODO placeholder (`prr init`'s) is not a fact: the import's value fills it.
            if ours.is_todo() {
                *ours = theirs;
            } else if same_value(ours, &theirs) {
                imports.agreed += 1;
            } else if !implied.iter().any(|p| p == path) {
                imports.conflicts.push(Conflict {
                    key: path.to_owned(),
                    first: (ours.span, ours.describe()),
                    second: (theirs.span, theirs.describe()),
                });
            }
        }
    }
}

/// Equal as facts: numbers by value (`99.9` and `99.90`), everything else exactly.
fn same_value(a: &Node, b: &Node) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a.to_json() == b.to_json(),
    }
}
