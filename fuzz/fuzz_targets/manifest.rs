//! Manifest parsing + evaluation with the built-in pack + every renderer, on any bytes,
//! read both as TOML and as JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prr_gate::engine;
use prr_gate::manifest::Manifest;
use prr_gate::report::{human, json, FailOn, Judged, Report};
use prr_gate::rules::{self, RuleSet, RulesSource};
use prr_gate::source::text_from_bytes;

fn builtin() -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| rules::load(&[RulesSource::Builtin], std::path::Path::new(".")).expect("the built-in pack loads"))
}

fuzz_target!(|data: &[u8]| {
    for name in ["prr.toml", "prr.json"] {
        let Ok(source) = text_from_bytes(data.to_vec(), name, 1 << 20) else { continue };
        let Ok(manifest) = Manifest::parse(std::sync::Arc::new(source)) else { continue };
        let evaluation = engine::evaluate(&manifest, builtin(), "2026-11-21".parse().unwrap());
        let report = Report::build(
            vec![Judged::Evaluated { source: &manifest.source, evaluation }],
            builtin(),
            "2026-11-21",
            FailOn::Error,
        );
        let sources = [(manifest.source.name.clone(), manifest.source.clone())].into_iter().collect();
        let _ = human::render(&report, &sources, false);
        let _ = json::parse(&json::render(&report)).expect("a report reads back");
    }
});
