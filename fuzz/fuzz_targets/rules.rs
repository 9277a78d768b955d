//! Rule-file loading (parse, compile, compose with the built-in pack) on any bytes; when
//! the file loads, its examples run.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use prr_gate::engine::examples;
use prr_gate::rules::{self, RulesSource};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let files = BTreeMap::from([("rules.toml".to_owned(), text.to_owned())]);
    let source = RulesSource::Files { label: "fuzz".to_owned(), files };
    if let Ok(set) = rules::load(&[source], std::path::Path::new(".")) {
        let _ = examples::run(&set, "2026-11-21".parse().unwrap(), |_| true);
    }
});
