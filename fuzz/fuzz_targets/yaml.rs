//! The one YAML reader on any bytes: it must never panic, hang or run out of memory, and a
//! document it accepts must stay within its expansion budget. What the aliases copy may
//! add at most `EXPANSION_FACTOR` times the file's bytes (or `EXPANSION_FLOOR`) to what the
//! text itself holds, which is at most a small multiple of its bytes (an escape such as
//! `\L` is 2 bytes of text for 3 of value, and every node costs one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use prr_gate::manifest::yaml::{documents, EXPANSION_FACTOR, EXPANSION_FLOOR};
use prr_gate::manifest::{Node, Value};

/// The tree's size as the reader's budget counts it: one per node, plus the bytes of each
/// string and key.
fn expanded(node: &Node) -> usize {
    1 + match &node.value {
        Value::String(s) | Value::Datetime(s) => s.len(),
        Value::Array(items) => items.iter().map(expanded).sum(),
        Value::Table(entries) => entries
            .iter()
            .map(|(key, value)| 1 + key.name.len() + expanded(value))
            .sum(),
        Value::Null | Value::Bool(_) | Value::Integer(_) | Value::Float(_) => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(docs) = documents(text) else { return };
    let size: usize = docs.iter().map(expanded).sum();
    let bound = 3 * text.len() + (EXPANSION_FACTOR * text.len()).max(EXPANSION_FLOOR) + 16;
    assert!(size <= bound, "{size} > {bound} for {} bytes", text.len());
});
