//! The YAML imports on any bytes: read as a Backstage catalog-info, an OpenSLO file and a
//! sloth spec imported by a manifest, then evaluated with the built-in pack and rendered
//! (code frames into the imported file included), and exported back to YAML.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prr_gate::engine;
use prr_gate::manifest::{import, Manifest};
use prr_gate::report::{human, json, FailOn, Judged, Report};
use prr_gate::rules::{self, RuleSet, RulesSource};
use prr_gate::toolkit::export;

fn builtin() -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| rules::load(&[RulesSource::Builtin], std::path::Path::new(".")).expect("the built-in pack loads"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let files = BTreeMap::from([("svc/import.yaml".to_owned(), text.to_owned())]);
    for kind in ["backstage = \"import.yaml\"", "openslo = [\"*.yaml\"]", "sloth = [\"import.yaml\"]"] {
        let manifest_text = format!("[import]\n{kind}\n\n[service]\ntier = 1\n");
        let Ok(mut manifest) = Manifest::from_text("svc/prr.toml", &manifest_text) else { continue };
        if import::resolve(&mut manifest, &files, &import::Settings::default()).is_err() {
            continue;
        }
        let _ = export::openslo(&manifest).yaml();
        let _ = export::backstage(&manifest, &import::Settings::default()).yaml();
        let evaluation = engine::evaluate(&manifest, builtin(), "2026-11-21".parse().unwrap());
        let report = Report::build(
            vec![Judged::Evaluated { source: &manifest.source, evaluation }],
            builtin(),
            "2026-11-21",
            FailOn::Error,
        );
        let sources = std::iter::once(&manifest.source)
            .chain(&manifest.files)
            .map(|f| (f.name.clone(), f.clone()))
            .collect();
        let _ = human::render(&report, &sources, false);
        let _ = json::parse(&json::render(&report)).expect("a report reads back");
    }
});
