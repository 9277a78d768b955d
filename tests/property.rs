//! Whatever JSON document a manifest holds, evaluation against the built-in pack returns a
//! report and never panics. Documents are biased toward the manifest's own keys so that the
//! rules reach deep rather than stopping at an unknown top level.

use std::path::Path;

use proptest::prelude::*;
use prr_gate::engine;
use prr_gate::manifest::Manifest;
use prr_gate::report::{FailOn, Judged, Report};
use prr_gate::rules::{self, RulesSource};
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "service",
    "name",
    "tier",
    "lifecycle",
    "owner",
    "product_owner",
    "labels",
    "oncall",
    "rotation",
    "escalation",
    "docs",
    "runbook",
    "slo",
    "target",
    "window",
    "error_budget",
    "policy",
    "sla",
    "monitoring",
    "golden_signals",
    "latency",
    "traffic",
    "errors",
    "saturation",
    "dependency",
    "critical",
    "timeout_ms",
    "retries",
    "fallback",
    "release",
    "strategy",
    "rollback",
    "feature_flags",
    "testing",
    "unit",
    "integration",
    "system",
    "incidents",
    "tracker",
    "postmortems",
    "capacity",
    "plan",
    "load_tested",
    "toil",
    "backlog",
    "reviews",
    "prr",
    "mttr_mttf",
    "dependencies",
    "waiver",
    "rule",
    "reason",
    "expires",
    "ticket",
    "x",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        (0.0f64..=100.0).prop_map(Value::from),
        prop_oneof![
            Just("2026-02-30".to_owned()),
            Just("2025-06-01".to_owned()),
            Just("@acme/team".to_owned()),
            Just("jane@acme.dev".to_owned()),
            Just("28d".to_owned()),
            Just("quarter".to_owned()),
            Just("production".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    let value = leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    });
    prop::collection::vec((prop::sample::select(KEYS), value), 0..10).prop_map(|entries| {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    })
}

/// Loaded once: the pack is the same for every case.
fn builtin() -> &'static rules::RuleSet {
    static SET: std::sync::OnceLock<rules::RuleSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        rules::load(&[RulesSource::Builtin], Path::new(".")).expect("the built-in pack loads")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_json_document_gives_a_report(doc in document()) {
        let set = builtin();
        let text = serde_json::to_string_pretty(&doc).expect("serialises");
        let manifest = Manifest::from_text("prr.json", &text).expect("JSON that serde wrote parses");
        let evaluation = engine::evaluate(&manifest, set, "2026-11-21".parse().unwrap());
        prop_assert!(evaluation.findings.iter().all(|f| !f.message.is_empty()));
        let report = Report::build(
            vec![Judged::Evaluated { source: &manifest.source, evaluation }],
            set,
            "2026-11-21",
            FailOn::Error,
        );
        prop_assert_eq!(report.services.len(), 1);
        let json = prr_gate::report::json::render(&report);
        prop_assert!(prr_gate::report::json::parse(&json).is_ok());
    }
}
