//! Interop with the real thing: public OpenSLO, sloth and Backstage files
//! (`tests/fixtures/interop/`, sources in its README) are imported and judged; what
//! `prr export` writes is checked against each format's rules (go-sdk's validation for
//! OpenSLO, the catalog model's JSON Schemas for Backstage); and import, export, import
//! gives the same facts.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use prr_gate::engine::Status;
use prr_gate::manifest::import::{self, Settings};
use prr_gate::manifest::{Manifest, Node};
use prr_gate::toolkit::export::{self, openslo_problems};
use serde_json::{json, Value as Json};

use common::{stderr, stdout, Repo, AS_OF};

const CORPUS: &str = "tests/fixtures/interop";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    OpenSlo,
    Sloth,
    Backstage,
}

/// One file of the corpus: what prr imports from it.
struct Case {
    file: &'static str,
    format: Format,
    /// `service.name` in the manifest that imports it (none for Backstage: the catalog
    /// gives it).
    service: Option<&'static str>,
    /// The SLOs imported (by name, in order); for Backstage, the dependencies.
    imported: &'static [&'static str],
    /// The SLOs (or for Backstage, the Component) `prr export` writes.
    exported: &'static [&'static str],
    /// Words each expected among the import's notes.
    notes: &'static [&'static str],
}

const fn case(
    file: &'static str,
    format: Format,
    service: Option<&'static str>,
    imported: &'static [&'static str],
    exported: &'static [&'static str],
    notes: &'static [&'static str],
) -> Case {
    Case {
        file,
        format,
        service,
        imported,
        exported,
        notes,
    }
}

use Format::{Backstage, OpenSlo, Sloth};

/// Every file of the corpus, and what prr makes of it.
const CASES: &[Case] = &[
    // OpenSLO/OpenSLO examples.
    case(
        "openslo/openslo-budgeting-method-occurences-slo.yaml",
        OpenSlo,
        Some("web-shop"),
        &["search-slo"],
        &["search-slo"],
        &["thresholdMetric"],
    ),
    case(
        "openslo/openslo-budgeting-method-ratio-timeslices.yaml",
        OpenSlo,
        Some("web-shop"),
        &["main-page"],
        &["main-page"],
        &["RatioTimeslices", "not Prometheus"],
    ),
    case(
        "openslo/openslo-budgeting-method-timeslices-slo.yaml",
        OpenSlo,
        Some("web-availability"),
        &["service-availability"],
        &["service-availability"],
        &["\"1m\"", "2 objectives", "Timeslices"],
    ),
    case(
        "openslo/openslo-treat-low-traffic-as-equally-important-timeslices-slo.yaml",
        OpenSlo,
        Some("web-availability"),
        &["service-availability"],
        &["service-availability"],
        &["Timeslices"],
    ),
    // go-sdk's v1 examples: lists of objects.
    case(
        "openslo/go-sdk-v1-slos.yaml",
        OpenSlo,
        Some("web"),
        &["web-availability"],
        &["web-availability"],
        &["{{window}}", "Timeslices", "threshold"],
    ),
    case(
        "openslo/go-sdk-v1-slis.yaml",
        OpenSlo,
        Some("web"),
        &[],
        &[],
        &[],
    ),
    case(
        "openslo/go-sdk-v1-services.yaml",
        OpenSlo,
        Some("web"),
        &[],
        &[],
        &[],
    ),
    case(
        "openslo/go-sdk-v1-data_sources.yaml",
        OpenSlo,
        Some("web"),
        &[],
        &[],
        &[],
    ),
    case(
        "openslo/go-sdk-v1-alert_conditions.yaml",
        OpenSlo,
        Some("web"),
        &[],
        &[],
        &[],
    ),
    case(
        "openslo/go-sdk-v1-alert_policies.yaml",
        OpenSlo,
        Some("web"),
        &[],
        &[],
        &[],
    ),
    case(
        "openslo/go-sdk-v1-alert_notification_targets.yaml",
        OpenSlo,
        Some("web"),
        &[],
        &[],
        &[],
    ),
    // go-sdk's decoder inputs: a list, and `---` documents.
    case(
        "openslo/go-sdk-decode-sequence_of_objects.yaml",
        OpenSlo,
        Some("users-auth"),
        &[],
        &[],
        &[],
    ),
    case(
        "openslo/go-sdk-decode-two_documents.yaml",
        OpenSlo,
        Some("users-auth"),
        &[],
        &[],
        &[],
    ),
    // oslo's `validate` input: a list mixing an SLO and Services.
    case(
        "openslo/oslo-validate-v1.yaml",
        OpenSlo,
        Some("web"),
        &["web-availability"],
        &["web-availability"],
        &["{{window}}"],
    ),
    // sloth's examples.
    case(
        "sloth/getting-started.yml",
        Sloth,
        Some("myservice"),
        &["requests-availability"],
        &["requests-availability"],
        &[],
    ),
    case(
        "sloth/home-wifi.yml",
        Sloth,
        Some("home-wifi"),
        &[
            "good-wifi-client-satisfaction",
            "risk-wifi-client-satisfaction",
        ],
        &[
            "good-wifi-client-satisfaction",
            "risk-wifi-client-satisfaction",
        ],
        &[],
    ),
    case(
        "sloth/k8s-getting-started.yml",
        Sloth,
        Some("myservice"),
        &["requests-availability"],
        &["requests-availability"],
        &[],
    ),
    case(
        "sloth/k8s-home-wifi.yml",
        Sloth,
        Some("home-wifi"),
        &[
            "good-wifi-client-satisfaction",
            "risk-wifi-client-satisfaction",
        ],
        &[
            "good-wifi-client-satisfaction",
            "risk-wifi-client-satisfaction",
        ],
        &[],
    ),
    case(
        "sloth/multifile.yml",
        Sloth,
        Some("myservice2"),
        &["requests-availability"],
        &["requests-availability"],
        &["`myservice`, not `myservice2`"],
    ),
    case(
        "sloth/k8s-multifile.yml",
        Sloth,
        Some("myservice2"),
        &["requests-availability"],
        &["requests-availability"],
        &["`myservice`, not `myservice2`"],
    ),
    case(
        "sloth/kubernetes-apiserver.yml",
        Sloth,
        Some("k8s-apiserver"),
        &["requests-availability", "requests-latency"],
        &["requests-availability", "requests-latency"],
        &[],
    ),
    case(
        "sloth/no-alerts.yml",
        Sloth,
        Some("myapp"),
        &["http-availability"],
        &["http-availability"],
        &[],
    ),
    case(
        "sloth/raw-home-wifi.yml",
        Sloth,
        Some("home-wifi"),
        &["wifi-client-satisfaction"],
        &[],
        &["not an events pair"],
    ),
    case(
        "sloth/plugin-getting-started.yml",
        Sloth,
        Some("myservice"),
        &["requests-availability"],
        &[],
        &["not an events pair"],
    ),
    case(
        "sloth/plugin-k8s-getting-started.yml",
        Sloth,
        Some("myservice"),
        &["requests-availability"],
        &[],
        &["not an events pair"],
    ),
    case(
        "sloth/slo-plugin-getting-started.yml",
        Sloth,
        Some("myservice"),
        &["requests-availability"],
        &["requests-availability"],
        &[],
    ),
    case(
        "sloth/slo-plugin-k8s-getting-started.yml",
        Sloth,
        Some("myservice"),
        &["requests-availability"],
        &["requests-availability"],
        &[],
    ),
    case(
        "sloth/contrib-slo-plugins.yml",
        Sloth,
        Some("myservice"),
        &[
            "requests-availability-contrib-plugin-info-labels-v1",
            "requests-availability-contrib-plugin-rule-intervals-v1",
        ],
        &[
            "requests-availability-contrib-plugin-info-labels-v1",
            "requests-availability-contrib-plugin-rule-intervals-v1",
        ],
        &[],
    ),
    case(
        "sloth/contrib-denominator-corrected.yaml",
        Sloth,
        Some("svc01"),
        &["slo1"],
        &["slo1"],
        &[],
    ),
    case(
        "sloth/victoria-metrics.yml",
        Sloth,
        Some("foo-bar"),
        &["grpc-latency-percentile-90", "grpc-latency-percentile-99"],
        &["grpc-latency-percentile-90", "grpc-latency-percentile-99"],
        &[],
    ),
    // backstage/backstage: the repository's own catalog-info and catalog-model examples.
    case(
        "backstage/backstage-catalog-info.yaml",
        Backstage,
        None,
        &[],
        &["backstage-existing"],
        &[],
    ),
    case(
        "backstage/artist-lookup-component.yaml",
        Backstage,
        None,
        &["artists-db"],
        &["artist-lookup"],
        &[],
    ),
    case(
        "backstage/playback-lib-component.yaml",
        Backstage,
        None,
        &[],
        &["playback-sdk"],
        &[],
    ),
    case(
        "backstage/www-artist-component.yaml",
        Backstage,
        None,
        &[],
        &["www-artist"],
        &[],
    ),
    case(
        "backstage/different-namespace.yaml",
        Backstage,
        None,
        &[],
        &["different-namespace"],
        &[],
    ),
    case(
        "backstage/wayback-archive-component.yaml",
        Backstage,
        None,
        &[],
        &["wayback-archive"],
        &[],
    ),
    case(
        "backstage/wayback-search-component.yaml",
        Backstage,
        None,
        &[],
        &["wayback-search"],
        &[],
    ),
    case(
        "backstage/petstore-component.yaml",
        Backstage,
        None,
        &[],
        &["petstore"],
        &[],
    ),
    case(
        "backstage/playback-order-component.yaml",
        Backstage,
        None,
        &[],
        &["playback-order"],
        &[],
    ),
    case(
        "backstage/podcast-api-component.yaml",
        Backstage,
        None,
        &[],
        &["podcast-api"],
        &[],
    ),
    case(
        "backstage/searcher-component.yaml",
        Backstage,
        None,
        &[],
        &["example"],
        &[],
    ),
    case(
        "backstage/queue-proxy-component.yaml",
        Backstage,
        None,
        &[],
        &["queue-proxy"],
        &[],
    ),
];

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// A manifest `svc/prr.toml` importing `text` as `format`, read and joined.
fn imported(format: Format, service: Option<&str>, text: &str, settings: &Settings) -> Manifest {
    let (key, value) = match format {
        Format::OpenSlo => ("openslo", "[\"imported.yaml\"]"),
        Format::Sloth => ("sloth", "[\"imported.yaml\"]"),
        Format::Backstage => ("backstage", "\"imported.yaml\""),
    };
    let mut manifest_text = format!("[import]\n{key} = {value}\n\n[service]\ntier = 3\n");
    if let Some(service) = service {
        manifest_text.push_str(&format!(
            "name = \"{service}\"\nlifecycle = \"production\"\nowner = \"@acme/sre\"\n"
        ));
    }
    let mut manifest = Manifest::from_text("svc/prr.toml", &manifest_text).expect("it parses");
    let files = BTreeMap::from([("svc/imported.yaml".to_owned(), text.to_owned())]);
    if let Err(problems) = import::resolve(&mut manifest, &files, settings) {
        panic!("{problems:?}");
    }
    manifest
}

fn names(manifest: &Manifest, key: &str) -> Vec<String> {
    manifest
        .root
        .get(key)
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.get("name").and_then(Node::as_str).map(str::to_owned))
        .collect()
}

fn rules() -> &'static prr_gate::rules::RuleSet {
    static RULES: std::sync::OnceLock<prr_gate::rules::RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        prr_gate::rules::load(&[prr_gate::rules::RulesSource::Builtin], Path::new("."))
            .expect("the built-in pack")
    })
}

/// The judgement, place aside.
fn judged(manifest: &Manifest) -> Vec<(String, Status, String)> {
    let evaluation = prr_gate::engine::evaluate(manifest, rules(), AS_OF.parse().expect("a date"));
    let mut out: Vec<_> = evaluation
        .findings
        .into_iter()
        .map(|f| (f.rule, f.status, f.message))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    out
}

/// The facts the manifest holds about what the import gave, key by key.
fn facts(manifest: &Manifest) -> Vec<(String, Json)> {
    let mut out = Vec::new();
    for key in [
        "service.name",
        "service.description",
        "service.owner",
        "service.lifecycle",
        "docs.runbook",
        "monitoring.dashboards",
        "oncall.rotation",
    ] {
        out.push((
            key.to_owned(),
            manifest.root.pointer(key).map_or(Json::Null, Node::to_json),
        ));
    }
    for slo in manifest
        .root
        .get("slo")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let name = slo.get("name").and_then(Node::as_str).unwrap_or_default();
        for key in ["indicator", "target", "window", "sli.good", "sli.total"] {
            out.push((
                format!("slo[name={name}].{key}"),
                slo.pointer(key).map_or(Json::Null, Node::to_json),
            ));
        }
    }
    out.push((
        "dependency[*].name".to_owned(),
        json!(names(manifest, "dependency")),
    ));
    out
}

fn assert_same_facts(file: &str, before: &Manifest, after: &Manifest) {
    let (before, after) = (facts(before), facts(after));
    let keys = |f: &[(String, Json)]| f.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(
        keys(&before),
        keys(&after),
        "{file}: the same facts come back"
    );
    for ((key, was), (_, is)) in before.iter().zip(&after) {
        let same = match (was.as_f64(), is.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            _ => was == is,
        };
        assert!(
            same,
            "{file}: {key} was {was}, is {is} after export and import"
        );
    }
}

fn backstage_validator() -> jsonschema::Validator {
    struct Schemas(BTreeMap<String, Json>);
    impl jsonschema::Retrieve for Schemas {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri.path().as_str().rsplit('/').next().unwrap_or_default();
            self.0
                .get(name)
                .cloned()
                .ok_or_else(|| format!("no schema {uri}").into())
        }
    }
    let load = |file: &str| -> Json {
        serde_json::from_str(&read(&format!("{CORPUS}/schemas/backstage/{file}"))).expect("JSON")
    };
    let schemas = Schemas(BTreeMap::from([
        ("Entity".to_owned(), load("Entity.schema.json")),
        ("EntityMeta".to_owned(), load("EntityMeta.schema.json")),
        ("common".to_owned(), load("common.schema.json")),
    ]));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .with_retriever(schemas)
        .build(&load("Component.v1alpha1.schema.json"))
        .expect("the catalog model's Component schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, document: &Json) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn every_corpus_file_is_imported_judged_exported_validly_and_read_back_the_same() {
    let settings = Settings::default();
    let validator = backstage_validator();
    let mut seen = 0;
    for case in CASES {
        let text = read(&format!("{CORPUS}/{}", case.file));
        let manifest = imported(case.format, case.service, &text, &settings);
        let file = case.file;
        let key = if case.format == Backstage {
            "dependency"
        } else {
            "slo"
        };
        // Imported: the SLOs (or dependencies) expected, with the notes expected.
        let notes: Vec<&str> = manifest
            .imports
            .notes
            .iter()
            .map(|n| n.message.as_str())
            .collect();
        for word in case.notes {
            assert!(
                notes.iter().any(|n| n.contains(word)),
                "{file}: a note says {word}: {notes:?}"
            );
        }
        assert_eq!(
            names(&manifest, key),
            case.imported,
            "{file}: what is imported"
        );
        // Judged: never a schema failure for what a valid file says.
        let judgement = judged(&manifest);
        let schema: Vec<_> = judgement
            .iter()
            .filter(|(rule, status, _)| rule == "manifest.schema" && *status == Status::Fail)
            .collect();
        assert!(schema.is_empty(), "{file}: {schema:?}");
        assert!(
            judgement
                .iter()
                .any(|(rule, status, _)| rule == "import.consistent" && *status == Status::Pass),
            "{file}: the import is judged"
        );
        // Exported: valid, or left out with a note.
        let (exported, format_back) = if case.format == Backstage {
            (export::backstage(&manifest, &settings), Backstage)
        } else {
            (export::openslo(&manifest), OpenSlo)
        };
        let written: Vec<String> = exported
            .documents
            .iter()
            .filter_map(|d| d["metadata"]["name"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            written, case.exported,
            "{file}: what is written; notes {:?}",
            exported.notes
        );
        let wanted = if case.format == Backstage {
            1
        } else {
            case.imported.len()
        };
        assert_eq!(
            written.len()
                + exported
                    .notes
                    .iter()
                    .filter(|n| n.contains("is left out"))
                    .count(),
            wanted,
            "{file}: each thing not written is said: {:?}",
            exported.notes
        );
        for document in &exported.documents {
            if case.format == Backstage {
                let errors = schema_errors(&validator, document);
                assert!(errors.is_empty(), "{file}: {errors:?}\n{document:#}");
            } else {
                let problems = openslo_problems(document);
                assert!(problems.is_empty(), "{file}: {problems:?}\n{document:#}");
            }
        }
        // Read back: the same facts, and the same export again.
        let yaml = exported.yaml();
        if exported.documents.is_empty() {
            continue;
        }
        let mut again = imported(format_back, case.service, &yaml, &settings);
        // Only what was written can come back: compare the SLOs written.
        if case.format != Backstage {
            retain_slos(&mut again, &written);
            let mut before = imported(case.format, case.service, &text, &settings);
            retain_slos(&mut before, &written);
            assert_same_facts(file, &before, &again);
        } else {
            assert_same_facts(file, &manifest, &again);
            assert_eq!(
                manifest.imports.kept.component, again.imports.kept.component,
                "{file}"
            );
        }
        let exported_again = if case.format == Backstage {
            export::backstage(&again, &settings)
        } else {
            export::openslo(&again)
        };
        assert_eq!(
            exported.documents, exported_again.documents,
            "{file}: export, import, export"
        );
        seen += 1;
    }
    assert!(seen >= 25, "most of the corpus goes round: {seen}");
}

fn retain_slos(manifest: &mut Manifest, names: &[String]) {
    if let prr_gate::manifest::Value::Table(entries) = &mut manifest.root.value {
        for (key, node) in entries.iter_mut() {
            if key.name == "slo" {
                if let prr_gate::manifest::Value::Array(items) = &mut node.value {
                    items.retain(|slo| {
                        slo.get("name")
                            .and_then(Node::as_str)
                            .is_some_and(|n| names.iter().any(|w| w == n))
                    });
                }
            }
        }
    }
}

#[test]
fn the_corpus_is_the_readme_and_every_file_has_a_case() {
    let readme = read(&format!("{CORPUS}/README.md"));
    for dir in ["openslo", "sloth", "backstage"] {
        for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS).join(dir))
            .expect("the corpus")
        {
            let name = entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            let path = format!("{dir}/{name}");
            assert!(
                readme.contains(&path),
                "the README names {path} with its source"
            );
            let refused = REFUSED.iter().any(|(f, _)| *f == path);
            assert!(
                CASES.iter().any(|c| c.file == path) || refused,
                "{path} has a case"
            );
        }
    }
}

/// Files of the corpus that are not what their import reads, and the message that says so
/// (exit 2 at their place, never judged on half).
const REFUSED: &[(&str, &str)] = &[
    ("sloth/openslo-getting-started.yml", "prr reads OpenSLO v1"),
    (
        "sloth/openslo-kubernetes-apiserver.yml",
        "prr reads OpenSLO v1",
    ),
];

#[test]
fn older_openslo_versions_are_refused_at_their_place() {
    for (file, message) in REFUSED {
        let text = read(&format!("{CORPUS}/{file}"));
        let mut manifest = Manifest::from_text(
            "svc/prr.toml",
            "[import]\nopenslo = [\"imported.yaml\"]\n\n[service]\nname = \"x\"\n",
        )
        .expect("it parses");
        let files = BTreeMap::from([("svc/imported.yaml".to_owned(), text)]);
        let problems = import::resolve(&mut manifest, &files, &Settings::default())
            .expect_err("v1alpha is not read");
        assert!(problems.iter().all(|p| p.position().is_some()), "{file}");
        assert!(
            problems.iter().any(|p| format!("{p:?}").contains(message)),
            "{file}: {problems:?}"
        );
    }
}

/// A valid SLO by go-sdk's rules, to break one rule at a time.
fn valid_slo() -> Json {
    json!({
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": { "name": "web-availability", "displayName": "Web availability" },
        "spec": {
            "description": "share of good requests",
            "service": "web",
            "indicator": {
                "metadata": { "name": "web-ratio" },
                "spec": { "ratioMetric": {
                    "counter": true,
                    "good": { "metricSource": { "type": "Prometheus", "spec": { "query": "good" } } },
                    "total": { "metricSource": { "type": "Prometheus", "spec": { "query": "total" } } },
                } },
            },
            "timeWindow": [{
                "duration": "1w",
                "isRolling": false,
                "calendar": { "startTime": "2022-01-01 12:00:00", "timeZone": "America/New_York" },
            }],
            "budgetingMethod": "Occurrences",
            "objectives": [{ "target": 0.995 }],
        },
    })
}

/// go-sdk's v1 validation (`pkg/openslo/v1/slo.go`, `sli.go`, `objects.go`,
/// `duration_shorthand.go` at commit ae145da), one rule a row: the rule as go-sdk writes
/// it, how to break it, and what [`openslo_problems`] says.
#[test]
fn openslo_exports_are_checked_against_go_sdks_rules() {
    type Edit = fn(&mut Json);
    let table: &[(&str, Edit, &str)] = &[
        ("validationRulesAPIVersion: rules.EQ(APIVersion)", |d| d["apiVersion"] = json!("openslo/v1alpha"), "apiVersion"),
        ("validationRulesKind: rules.EQ(KindSLO)", |d| d["kind"] = json!("SLI"), "`kind`"),
        ("validationRulesMetadata: name Required, StringDNSLabel", |d| d["metadata"]["name"] = json!("Web_Availability"), "metadata.name"),
        ("validationRulesMetadata: displayName StringMaxLength(63)", |d| d["metadata"]["displayName"] = json!("x".repeat(64)), "displayName"),
        ("sloSpecValidation: description StringMaxLength(1050)", |d| d["spec"]["description"] = json!("x".repeat(1051)), "spec.description"),
        ("sloSpecValidation: service Required", |d| { d["spec"].as_object_mut().map(|s| s.remove("service")); }, "spec.service"),
        ("sloSpecValidation: budgetingMethod Required, OneOf(Occurrences, Timeslices, RatioTimeslices)", |d| d["spec"]["budgetingMethod"] = json!("Events"), "budgetingMethod"),
        ("sloSpecValidation: timeWindow SliceLength(1, 1)", |d| { d["spec"].as_object_mut().map(|s| s.remove("timeWindow")); }, "timeWindow"),
        ("sloTimeWindowValidation: 'calendar' must be set when 'isRolling' is false", |d| { d["spec"]["timeWindow"][0].as_object_mut().map(|w| w.remove("calendar")); }, "must be set"),
        ("sloTimeWindowValidation: 'calendar' cannot be set when 'isRolling' is true", |d| d["spec"]["timeWindow"][0]["isRolling"] = json!(true), "cannot be set"),
        ("sloTimeWindowValidation: duration Required, durationShortHandValidation", |d| d["spec"]["timeWindow"][0]["duration"] = json!("1 week"), "duration"),
        ("sloTimeWindowValidation: calendar.startTime StringDateTime(time.DateTime)", |d| d["spec"]["timeWindow"][0]["calendar"]["startTime"] = json!("2022-01-01T12:00:00Z"), "startTime"),
        ("sloTimeWindowValidation: calendar.timeZone StringTimeZone", |d| d["spec"]["timeWindow"][0]["calendar"]["timeZone"] = json!("Mars/Olympus Mons"), "timeZone"),
        ("validationRuleForIndicator: 'indicator' or 'indicatorRef' must be defined", |d| { d["spec"].as_object_mut().map(|s| s.remove("indicator")); }, "indicator"),
        ("getSLOIndicatorValidation: MutuallyExclusive(indicator, indicatorRef)", |d| d["spec"]["indicatorRef"] = json!("web-ratio"), "mutually exclusive"),
        ("getSLOIndicatorValidation: indicator metadata name StringDNSLabel", |d| d["spec"]["indicator"]["metadata"]["name"] = json!("Web ratio"), "indicator.metadata.name"),
        ("sliSpecValidation: MutuallyExclusive(thresholdMetric, ratioMetric)", |d| d["spec"]["indicator"]["spec"]["thresholdMetric"] = json!({ "metricSource": { "spec": { "query": "q" } } }), "mutually exclusive"),
        ("sliFractionMetricValidation: OneOfProperties(good, bad)", |d| d["spec"]["indicator"]["spec"]["ratioMetric"]["bad"] = json!({ "metricSource": { "spec": { "query": "q" } } }), "mutually exclusive"),
        ("sliRatioMetricValidation: MutuallyExclusive(total, raw)", |d| { d["spec"]["indicator"]["spec"]["ratioMetric"].as_object_mut().map(|r| r.remove("total")); }, "needs `total`"),
        ("sliMetricSpecValidation: metricSource.spec Required, MapMinLength(1)", |d| d["spec"]["indicator"]["spec"]["ratioMetric"]["good"]["metricSource"]["spec"] = json!({}), "metricSource.spec"),
        ("sloObjectiveValidation: target GTE(0), LT(1)", |d| d["spec"]["objectives"][0]["target"] = json!(99.5), "`target`"),
        ("sloObjectiveValidation: targetPercent GTE(0), LT(100)", |d| d["spec"]["objectives"][0] = json!({ "targetPercent": 100.0 }), "targetPercent"),
        ("sloObjectiveValidation: MutuallyExclusive(target, targetPercent)", |d| d["spec"]["objectives"][0]["targetPercent"] = json!(99.5), "mutually exclusive"),
        ("sloRatioObjectiveValidationWhenInlinedSLI: op Forbidden", |d| d["spec"]["objectives"][0]["op"] = json!("gt"), "forbidden"),
        ("sloRatioObjectiveValidationWhenInlinedSLI: value Forbidden", |d| d["spec"]["objectives"][0]["value"] = json!(1), "forbidden"),
        ("sloTimeSlicesObjectiveValidation: timeSliceTarget Required, GT(0), LTE(1)", |d| { d["spec"]["budgetingMethod"] = json!("Timeslices"); d["spec"]["objectives"][0]["timeSliceWindow"] = json!("1m"); }, "timeSliceTarget"),
        ("validationRulesForTimeSliceWindow: timeSliceWindow Required", |d| d["spec"]["budgetingMethod"] = json!("RatioTimeslices"), "timeSliceWindow"),
    ];
    assert!(
        openslo_problems(&valid_slo()).is_empty(),
        "{:?}",
        openslo_problems(&valid_slo())
    );
    for (rule, edit, says) in table {
        let mut document = valid_slo();
        edit(&mut document);
        let problems = openslo_problems(&document);
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "go-sdk's {rule} refuses it, and prr says {problems:?}"
        );
    }
}

#[test]
fn every_spelling_of_the_owners_group_maps_to_one_team_and_back() {
    let settings = Settings {
        owner_format: "@acme/{name}".to_owned(),
        owners: BTreeMap::from([("group:default/team-a".to_owned(), "@acme/alpha".to_owned())]),
        ..Settings::default()
    };
    for owner in [
        "team-a",
        "default/team-a",
        "group:team-a",
        "Group:default/team-a",
        "group:Default/Team-A",
    ] {
        let catalog = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
        );
        let manifest = imported(Backstage, None, &catalog, &settings);
        assert_eq!(
            manifest
                .root
                .pointer("service.owner")
                .and_then(Node::as_str),
            Some("@acme/alpha"),
            "{owner}"
        );
        let exported = export::backstage(&manifest, &settings);
        // Written back as the catalog wrote it.
        assert_eq!(exported.documents[0]["spec"]["owner"], json!(owner));
    }
}

#[test]
fn an_owner_no_group_maps_to_leaves_the_component_out_and_says_what_to_set() {
    let manifest = Manifest::from_text(
        "prr.toml",
        "[service]\nname = \"ledger\"\ntier = 2\nlifecycle = \"production\"\nowner = \"@globex/ledger\"\n",
    )
    .expect("it parses");
    let exported = export::backstage(&manifest, &Settings::default());
    assert!(exported.documents.is_empty());
    assert!(
        exported
            .notes
            .iter()
            .any(|n| n.contains("owner_format") && n.contains("@globex/{name}")),
        "{:?}",
        exported.notes
    );
    let settings = Settings {
        owner_format: "@globex/{name}".to_owned(),
        ..Settings::default()
    };
    let exported = export::backstage(&manifest, &settings);
    assert_eq!(
        exported.documents[0]["spec"]["owner"],
        json!("group:ledger")
    );
    assert!(schema_errors(&backstage_validator(), &exported.documents[0]).is_empty());
}

#[test]
fn dependency_kinds_type_namespace_and_system_survive_the_round_trip() {
    let text = read(&format!("{CORPUS}/backstage/artist-lookup-component.yaml"));
    let settings = Settings::default();
    let manifest = imported(Backstage, None, &text, &settings);
    let exported = export::backstage(&manifest, &settings);
    let spec = &exported.documents[0]["spec"];
    assert_eq!(spec["dependsOn"], json!(["resource:artists-db"]));
    assert_eq!(spec["system"], json!("artist-engagement-portal"));
    assert_eq!(spec["owner"], json!("team-a"));
    let text = read(&format!("{CORPUS}/backstage/playback-lib-component.yaml"));
    let exported = export::backstage(&imported(Backstage, None, &text, &settings), &settings);
    assert_eq!(exported.documents[0]["spec"]["type"], json!("library"));
    let text = read(&format!("{CORPUS}/backstage/different-namespace.yaml"));
    let manifest = imported(Backstage, None, &text, &settings);
    // `default/team-a` in a Component of namespace `alternative` is the default namespace's team-a.
    assert_eq!(
        manifest
            .root
            .pointer("service.owner")
            .and_then(Node::as_str),
        Some("team:team-a")
    );
    let exported = export::backstage(&manifest, &settings);
    assert_eq!(
        exported.documents[0]["metadata"]["namespace"],
        json!("alternative")
    );
}

#[test]
fn calendar_start_time_zone_and_budgeting_survive_the_round_trip() {
    let text = read(&format!("{CORPUS}/openslo/go-sdk-v1-slos.yaml"));
    let manifest = imported(OpenSlo, Some("web"), &text, &Settings::default());
    let exported = export::openslo(&manifest);
    let spec = &exported.documents[0]["spec"];
    assert_eq!(spec["budgetingMethod"], json!("Timeslices"));
    assert_eq!(
        spec["timeWindow"][0]["calendar"]["timeZone"],
        json!("America/New_York")
    );
    assert_eq!(
        spec["timeWindow"][0]["calendar"]["startTime"],
        json!("2022-01-01 12:00:00")
    );
    assert_eq!(spec["objectives"][0]["timeSliceTarget"], json!(0.95));
    // The window-less queries are written back as they were, not judged.
    assert_eq!(
        spec["indicator"]["spec"]["ratioMetric"]["total"]["metricSource"]["spec"]["query"],
        json!("sum(http_requests{k8s_cluster=\"prod\",component=\"web\"})")
    );
    assert!(manifest.root.pointer("slo[0].sli").is_none());
    assert!(
        exported.notes.iter().any(|n| n.contains("op")),
        "{:?}",
        exported.notes
    );
}

#[test]
fn the_backstage_schemas_refuse_what_breaks_them() {
    // The validator is not a yes-machine: a Component without owner, or of another kind.
    let validator = backstage_validator();
    let mut component = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": { "name": "svc" },
        "spec": { "type": "service", "lifecycle": "production", "owner": "group:payments" },
    });
    assert!(schema_errors(&validator, &component).is_empty());
    component["spec"].as_object_mut().map(|s| s.remove("owner"));
    assert!(!schema_errors(&validator, &component).is_empty());
    component["spec"]["owner"] = json!("group:payments");
    component["relations"] = json!([{ "type": "ownedBy", "target": "group:payments" }]);
    assert!(
        !schema_errors(&validator, &component).is_empty(),
        "common#relation is resolved"
    );
}

/// A repository with `svc/prr.toml` (the ready manifest, with `[import]` added) and files.
fn repository(import: &str, edit: impl Fn(String) -> String, files: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    let manifest = format!("[import]\n{import}\n\n{}", edit(common::ready()));
    repo.write("svc/prr.toml", &manifest);
    for (path, text) in files {
        repo.write(path, text);
    }
    repo
}

#[test]
fn prr_export_says_on_stderr_what_it_leaves_out_and_fails_when_nothing_is_valid() {
    // go-sdk's own example: a list of objects, its queries without `{{window}}`.
    let slos = read(&format!("{CORPUS}/openslo/go-sdk-v1-slos.yaml"));
    let repo = repository(
        "openslo = [\"slos.yaml\"]",
        |m| m.replace("name = \"payments-api\"", "name = \"web\""),
        &[("svc/slos.yaml", &slos)],
    );
    let out = repo.prr(&[
        "check",
        "--manifest",
        "svc",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let report: Json = serde_json::from_str(&stdout(&out)).expect("a JSON report");
    let results = report["results"].as_array().cloned().unwrap_or_default();
    let schema: Vec<&Json> = results
        .iter()
        .filter(|r| r["rule"] == "manifest.schema" && r["status"] == "fail")
        .collect();
    assert!(
        schema.is_empty(),
        "a valid OpenSLO file is no schema failure: {schema:?}"
    );
    let consistent = results
        .iter()
        .find(|r| r["rule"] == "import.consistent")
        .expect("import.consistent runs");
    assert!(
        consistent["message"]
            .as_str()
            .is_some_and(|m| m.contains("kept, not judged") && m.contains("{{window}}")),
        "{consistent}"
    );
    // The ready manifest's own SLOs have no SLI: OpenSLO cannot carry them, and says so.
    let out = repo.prr(&["export", "openslo", "--manifest", "svc"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = stdout(&out);
    assert!(written.contains("name: web-availability"), "{written}");
    assert!(!written.contains("name: availability"), "{written}");
    let notes = stderr(&out);
    assert!(notes.contains("SLO `availability` is left out"), "{notes}");
    assert!(notes.contains("svc/prr.toml"), "{notes}");
    // Nothing valid at all: exit 2, and nothing written.
    let repo = repository(
        "openslo = [\"slos.yaml\"]",
        |m| m,
        &[("svc/slos.yaml", &slos)],
    );
    let out = repo.prr(&[
        "export",
        "openslo",
        "--manifest",
        "svc",
        "--output",
        "out.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote nothing"), "{}", stderr(&out));
    assert!(!repo.work.join("out.yaml").exists());
}

#[test]
fn codeowners_advice_never_suggests_an_owner_github_rejects() {
    let catalog = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/ledger\n";
    let repo = repository(
        "backstage = \"catalog-info.yaml\"",
        |m| m.replace("owner = \"@acme/payments\"\n", ""),
        &[
            ("svc/catalog-info.yaml", catalog),
            (".github/CODEOWNERS", "* @acme/platform\n"),
        ],
    );
    let out = repo.prr(&[
        "check",
        "--manifest",
        "svc",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let report: Json = serde_json::from_str(&stdout(&out)).expect("a JSON report");
    let advice = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["rule"] == "ownership.codeowners")
        .map(|r| r["message"].as_str().unwrap_or_default().to_owned())
        .expect("ownership.codeowners runs");
    assert!(!advice.contains("/svc/prr.toml team:ledger"), "{advice}");
    assert!(advice.contains("owner_format"), "{advice}");
}

/// The import fixture (Backstage, OpenSLO and sloth together) goes round too: what the
/// exports hold, imported instead of the three sources, gives the same facts.
#[test]
fn the_import_fixture_goes_round_through_both_exports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = "tests/fixtures/imports/payments/prr.toml";
    let settings = Settings::default();
    let mut original = Manifest::load_in(&root.join(name), name, root).expect("it loads");
    import::resolve(&mut original, &import::WorkingTree { root }, &settings).expect("it imports");
    let slos = export::openslo(&original);
    let catalog = export::backstage(&original, &settings);
    assert_eq!(catalog.documents.len(), 1, "{:?}", catalog.notes);
    let written: Vec<String> = slos
        .documents
        .iter()
        .filter_map(|d| d["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    // Every SLO of the three sources is valid OpenSLO, the threshold one included.
    assert_eq!(written, names(&original, "slo"), "{:?}", slos.notes);
    for document in &slos.documents {
        assert!(openslo_problems(document).is_empty(), "{document:#}");
    }
    assert!(schema_errors(&backstage_validator(), &catalog.documents[0]).is_empty());
    let text = std::fs::read_to_string(root.join(name)).expect("the fixture");
    let body: String = text
        .lines()
        .filter(|l| {
            !l.starts_with("openslo =")
                && !l.starts_with("sloth =")
                && !l.starts_with("backstage =")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "[import]",
            "[import]\nbackstage = \"catalog-info.yaml\"\nopenslo = [\"slos.yaml\"]",
        );
    let mut again = Manifest::from_text("svc/prr.toml", &body).expect("it parses");
    let files = BTreeMap::from([
        ("svc/catalog-info.yaml".to_owned(), catalog.yaml()),
        ("svc/slos.yaml".to_owned(), slos.yaml()),
    ]);
    import::resolve(&mut again, &files, &settings).expect("the exports import");
    retain_slos(&mut original, &written);
    assert_same_facts(name, &original, &again);
    assert_eq!(
        original.imports.kept.component,
        again.imports.kept.component
    );
    assert_eq!(export::openslo(&again).documents, slos.documents);
}
