//! A finding about a fact read from another file than the manifest (an import) points into
//! that file, with its path, line and column, in every report format.

use std::path::Path;
use std::sync::Arc;

use prr_gate::engine;
use prr_gate::manifest::parse::{self, Format};
use prr_gate::manifest::{Key, Manifest, Value};
use prr_gate::report::markdown::{self, Options};
use prr_gate::report::{github, human, json, junit, sarif, FailOn, Judged, Report};
use prr_gate::rules::{self, RulesSource};
use prr_gate::source::{SourceFile, Span};

const AS_OF: &str = "2026-11-21";

/// The ready fixture without its SLOs, and its SLOs read from `slo/objectives.toml`
/// instead, the second of which is below the tier-1 floor.
fn manifest_with_slos_elsewhere() -> Manifest {
    let text = std::fs::read_to_string("tests/fixtures/ready/prr.toml").expect("the fixture");
    let without_slos: String = text
        .split("\n\n")
        .filter(|block| !block.starts_with("[[slo]]"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut manifest = Manifest::from_text("svc/prr.toml", &without_slos).expect("it parses");
    let other = Arc::new(SourceFile::new(
        "svc/slo/objectives.toml",
        "# objectives\n\n[[slo]]\nname = \"availability\"\nindicator = \"non-5xx share\"\ntarget = 99.95\nwindow = \"28d\"\n\n[[slo]]\nname = \"latency\"\nindicator = \"fast answers\"\ntarget = 90.0\nwindow = \"28d\"\n",
    ));
    let mut tree = parse::parse(&other, Format::Toml).expect("it parses");
    let file = manifest.add_file(Arc::clone(&other));
    tree.set_file(file);
    let (key, slos) = match tree.value {
        Value::Table(mut entries) => entries.remove(0),
        _ => unreachable!("a TOML document is a table"),
    };
    if let Value::Table(entries) = &mut manifest.root.value {
        entries.push((
            Key {
                name: key.name,
                span: key.span,
            },
            slos,
        ));
    }
    manifest.json = manifest.root.to_json();
    assert_eq!(
        manifest.file(file).map(|f| f.name.as_str()),
        Some("svc/slo/objectives.toml")
    );
    assert_ne!(manifest.root.get("slo").map(|n| n.span), Some(Span::START));
    manifest
}

#[test]
fn a_finding_on_an_imported_fact_points_into_its_file_in_every_format() {
    let rules = rules::load(
        &[RulesSource::Path("tests/fixtures/pack".into())],
        Path::new("."),
    )
    .expect("the fixture pack loads");
    let manifest = manifest_with_slos_elsewhere();
    let evaluation = engine::evaluate(&manifest, &rules, AS_OF.parse().expect("a date"));
    let judged = vec![Judged::Evaluated {
        source: &manifest.source,
        evaluation,
    }];
    let report = Report::build(judged, &rules, AS_OF, FailOn::Error);

    let elsewhere: Vec<_> = report
        .results
        .iter()
        .filter(|r| {
            r.location
                .as_ref()
                .is_some_and(|l| &*l.path == "svc/slo/objectives.toml")
        })
        .collect();
    let finding = elsewhere
        .first()
        .expect("a finding points into the SLO file");
    let location = finding.location.as_ref().expect("a location");
    // `target = 90.0` of the second SLO: line 12, column 10.
    assert_eq!((location.line, location.column), (12, 10), "{finding:?}");
    assert_eq!(&*finding.manifest, "svc/prr.toml");
    assert_eq!(finding.key.as_deref(), Some("slo[name=latency].target"));

    let value: serde_json::Value = serde_json::from_str(&json::render(&report)).expect("JSON");
    let located = value["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["location"]["path"] == "svc/slo/objectives.toml")
        .expect("the JSON result");
    assert_eq!(located["location"]["line"], 12);
    assert_eq!(located["manifest"], "svc/prr.toml");

    let sarif: serde_json::Value = serde_json::from_str(&sarif::render(&report)).expect("SARIF");
    let regions: Vec<_> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"])
        .filter(|p| p["artifactLocation"]["uri"] == "svc/slo/objectives.toml")
        .collect();
    assert_eq!(regions[0]["region"]["startLine"], 12);
    assert_eq!(regions[0]["region"]["startColumn"], 10);

    let sources: human::Sources = std::iter::once(&manifest.source)
        .chain(&manifest.files)
        .map(|f| (f.name.clone(), Arc::clone(f)))
        .collect();
    let frame = human::render(&report, &sources, false);
    assert!(frame.contains("svc/slo/objectives.toml:12:10"), "{frame}");
    assert!(
        frame.contains("target = 90.0"),
        "the code frame quotes the SLO file: {frame}"
    );

    let annotations = github::render(&report);
    assert!(
        annotations.contains("file=svc/slo/objectives.toml,line=12,col=10"),
        "{annotations}"
    );
    let summary = markdown::render(&report, &Options::default());
    assert!(summary.contains("svc/slo/objectives.toml:12"), "{summary}");
    let xml = junit::render(&report);
    assert!(xml.contains("svc/slo/objectives.toml:12:10"), "{xml}");
}
