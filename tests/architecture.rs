//! The house's floors hold (ARCHITECTURE in the README's layout section): the engine and
//! the rules read facts, never the sources they come from, and no module of `src` imports,
//! through any chain, a module that imports it back.
//!
//! Read from the source text: every `crate::MODULE` a file names, in `use` lines (grouped
//! ones too) and in paths written inline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of `src` and the top-level modules it names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("below src");
            let first = relative
                .components()
                .next()
                .expect("a component")
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            if first == "lib" || first == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let named = graph.entry(first.clone()).or_default();
            for module in modules_named(&text) {
                if module != first {
                    named.insert(module);
                }
            }
        }
    }
    graph
}

/// The top-level modules named by `crate::...` in `text`, comments left out; in a group
/// (`use crate::{a, b::c}`) each member's first segment.
fn modules_named(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for member in group[..end].split(',') {
                    let name: String = member
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != "self" {
                        found.insert(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// Every module `from` reaches through the imports.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<&str> = graph
        .get(from)
        .map(|n| n.iter().map(String::as_str).collect())
        .unwrap_or_default();
    while let Some(module) = pending.pop() {
        if seen.insert(module.to_owned()) {
            if let Some(next) = graph.get(module) {
                pending.extend(next.iter().map(String::as_str));
            }
        }
    }
    seen
}

#[test]
fn the_engine_and_the_rules_read_facts_never_their_sources() {
    let graph = imports();
    let forbidden = [
        "evidence", "github", "budget", "fleet", "review", "report", "cli", "pipeline",
    ];
    for module in ["engine", "rules", "facts"] {
        let named = graph.get(module).expect("the module exists");
        let bad: Vec<&String> = named
            .iter()
            .filter(|n| forbidden.contains(&n.as_str()))
            .collect();
        assert!(bad.is_empty(), "{module} imports {bad:?}");
    }
    // Facts are the floor the engine and the rules stand on: nothing above them.
    let facts = &graph["facts"];
    for above in ["rules", "engine"] {
        assert!(!facts.contains(above), "facts imports {above}");
    }
}

#[test]
fn no_module_imports_itself_through_another() {
    let graph = imports();
    let circles: Vec<&String> = graph
        .keys()
        .filter(|module| reachable(&graph, module).contains(*module))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles through {circles:?}: {graph:#?}"
    );
}

/// The test can fail: a circle written into a copy of the graph is found.
#[test]
fn a_circle_is_found() {
    let mut graph = imports();
    graph
        .entry("engine".to_owned())
        .or_default()
        .insert("report".to_owned());
    assert!(reachable(&graph, "engine").contains("engine"));
    assert_eq!(
        modules_named(
            "use crate::{facts::Needs, manifest};\nlet x = crate::rules::X; // crate::cli"
        ),
        ["facts", "manifest", "rules"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
}
