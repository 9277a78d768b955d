//! `[import]`: Backstage's catalog-info, OpenSLO and sloth files read into the manifest,
//! judged like its own keys, with findings pointing into the imported files.

mod common;

use std::path::Path;
use std::process::Command;

use prr_gate::manifest::import::{self, WorkingTree};
use prr_gate::manifest::{Manifest, Node};

use common::{stderr, stdout, Repo, AS_OF};

const FIXTURE: &str = "tests/fixtures/imports/payments";

fn prr(args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("PRR_MAX_FILE_BYTES")
        .output()
        .expect("prr runs")
}

fn loaded() -> Manifest {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = format!("{FIXTURE}/prr.toml");
    let mut manifest = Manifest::load_in(&root.join(&name), &name, root).expect("it loads");
    import::resolve(
        &mut manifest,
        &WorkingTree { root },
        &import::Settings::default(),
    )
    .expect("the imports are read");
    manifest
}

fn text<'a>(manifest: &'a Manifest, dotted: &str) -> &'a str {
    manifest
        .root
        .pointer(dotted)
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("{dotted} is a string"))
}

/// The file and line a node of the document was read from.
fn place(manifest: &Manifest, node: &Node) -> (String, usize) {
    let file = manifest.file(node.span.file).expect("a known file");
    (file.name.clone(), file.line_col(node.span.start).line)
}

fn slo<'a>(manifest: &'a Manifest, name: &str) -> &'a Node {
    manifest
        .root
        .get("slo")
        .and_then(Node::as_array)
        .and_then(|slos| {
            slos.iter()
                .find(|s| s.get("name").and_then(Node::as_str) == Some(name))
        })
        .unwrap_or_else(|| panic!("SLO {name}"))
}

#[test]
fn the_catalog_component_maps_to_service_docs_monitoring_and_dependencies() {
    let manifest = loaded();
    assert_eq!(text(&manifest, "service.name"), "payments-api");
    assert_eq!(
        text(&manifest, "service.description"),
        "Card payment authorisation API"
    );
    assert_eq!(text(&manifest, "service.owner"), "team:payments");
    assert_eq!(text(&manifest, "service.lifecycle"), "production");
    // prr.toml's own keys stay, beside the imported ones.
    assert_eq!(
        manifest.root.pointer("service.tier").and_then(Node::as_i64),
        Some(1)
    );
    assert_eq!(
        text(&manifest, "docs.runbook"),
        "https://wiki.acme.dev/payments/runbook"
    );
    let dashboards = manifest
        .root
        .pointer("monitoring.dashboards")
        .and_then(Node::as_array)
        .expect("dashboards");
    assert_eq!(
        dashboards[0].as_str(),
        Some("https://grafana.acme.dev/d/payments")
    );
    let owner = manifest.root.pointer("service.owner").expect("owner");
    let catalog = format!("{FIXTURE}/catalog-info.yaml");
    assert_eq!(place(&manifest, owner), (catalog.clone(), 22));
    // dependsOn names the dependencies prr.toml describes: matched by name, not repeated.
    let dependencies = manifest
        .root
        .get("dependency")
        .and_then(Node::as_array)
        .expect("dependencies");
    let names: Vec<_> = dependencies
        .iter()
        .filter_map(|d| d.get("name").and_then(Node::as_str))
        .collect();
    assert_eq!(names, ["ledger-db", "fraud-score"]);
    // Without the pack's PagerDuty address the service-id annotation is not guessed at.
    assert!(manifest
        .root
        .pointer("oncall.rotation")
        .is_some_and(|r| r.as_str().is_some_and(|r| r.contains("schedules/P123"))));
    assert!(manifest
        .imports
        .notes
        .iter()
        .any(|n| n.message.contains("pagerduty.com/service-id")));
    // The API and the Group of the same file are read and left alone.
    assert!(
        manifest.imports.conflicts.is_empty(),
        "{:?}",
        manifest.imports.conflicts
    );
}

#[test]
fn openslo_slos_map_with_their_indicators_windows_and_targets() {
    let manifest = loaded();
    let availability = slo(&manifest, "availability");
    assert_eq!(
        availability.get("target").and_then(Node::as_f64),
        Some(99.95)
    );
    assert_eq!(
        availability.get("window").and_then(Node::as_str),
        Some("28d")
    );
    // indicatorRef: the SLI of another file.
    let good = availability.pointer("sli.good").expect("good");
    assert!(good.as_str().is_some_and(|q| q.contains("code!~\"5..\"")));
    assert_eq!(
        place(&manifest, good),
        (format!("{FIXTURE}/slo/slis.yaml"), 13)
    );
    // bad/total: good is total minus bad; 2w is 14 days; targetPercent stays a percent.
    let latency = slo(&manifest, "latency");
    assert_eq!(latency.get("window").and_then(Node::as_str), Some("14d"));
    assert_eq!(latency.get("target").and_then(Node::as_f64), Some(99.9));
    let good = latency
        .pointer("sli.good")
        .and_then(Node::as_str)
        .expect("good");
    let total = latency
        .pointer("sli.total")
        .and_then(Node::as_str)
        .expect("total");
    assert!(good.starts_with(&format!("({total}) - (")), "{good}");
    // A calendar month.
    let settlement = slo(&manifest, "settlement");
    assert_eq!(
        settlement.get("window").and_then(Node::as_str),
        Some("month")
    );
    assert_eq!(settlement.get("target").and_then(Node::as_f64), Some(99.9));
    // A threshold SLI is kept without [slo.sli], and a note says why.
    let threshold = slo(&manifest, "p99-latency");
    assert!(threshold.get("sli").is_none());
    assert_eq!(threshold.get("target").and_then(Node::as_f64), Some(99.9));
    let notes: Vec<_> = manifest.imports.notes.iter().map(|n| &n.message).collect();
    assert!(
        notes.iter().any(|n| n.contains("thresholdMetric")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("Timeslices")), "{notes:?}");
}

#[test]
fn sloth_slos_map_with_prrs_window_placeholder_and_good_as_total_minus_errors() {
    let manifest = loaded();
    let availability = slo(&manifest, "requests-availability");
    assert_eq!(
        availability.get("target").and_then(Node::as_f64),
        Some(99.95)
    );
    assert_eq!(
        availability.get("window").and_then(Node::as_str),
        Some("30d")
    );
    let good = availability
        .pointer("sli.good")
        .and_then(Node::as_str)
        .expect("good");
    assert_eq!(
        good,
        "(sum(rate(http_requests_total{job=\"payments\"}[{{window}}]))) - (sum(rate(http_requests_total{job=\"payments\",code=~\"(5..|429)\"}[{{window}}])))"
    );
    let latency = slo(&manifest, "requests-latency");
    assert_eq!(latency.get("target").and_then(Node::as_f64), Some(99.0));
    assert!(!manifest.json.to_string().contains("{{.window}}"));
}

#[test]
fn a_finding_on_an_imported_slo_carries_the_yaml_line_in_json_sarif_and_the_code_frame() {
    let manifest_dir = FIXTURE;
    let sloth = format!("{FIXTURE}/slos/payments.yml");
    let out = prr(&[
        "check",
        "--manifest",
        manifest_dir,
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let floor = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["rule"] == "slo.target-for-tier" && r["status"] == "fail")
        .expect("the tier floor fails");
    assert_eq!(floor["location"]["path"], sloth.as_str());
    assert_eq!(floor["location"]["line"], 19);
    assert_eq!(floor["location"]["column"], 16);
    // Every other SLO rule passes on the imported SLOs: they are judged, not ignored.
    let slos = report["services"][0]["slos"].as_array().expect("slos");
    assert_eq!(slos.len(), 6);
    for rule in [
        "slo.defined",
        "slo.error-budget-policy",
        "docs.runbook",
        "ownership.team",
    ] {
        assert!(
            report["results"]
                .as_array()
                .expect("results")
                .iter()
                .any(|r| r["rule"] == rule && r["status"] == "pass"),
            "{rule} passes"
        );
    }

    let out = prr(&[
        "check",
        "--manifest",
        manifest_dir,
        "--as-of",
        AS_OF,
        "--format",
        "sarif",
    ]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF");
    let location = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "slo.target-for-tier")
        .map(|r| &r["locations"][0]["physicalLocation"])
        .expect("the SARIF result");
    assert_eq!(location["artifactLocation"]["uri"], sloth.as_str());
    assert_eq!(location["region"]["startLine"], 19);

    let out = prr(&["check", "--manifest", manifest_dir, "--as-of", AS_OF]);
    let human = stdout(&out);
    assert!(human.contains(&format!("{sloth}:19:16")), "{human}");
    assert!(human.contains("19 │     objective: 99"), "{human}");
}

/// A repository whose manifest imports what `files` hold.
fn repository(import: &str, files: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    let mut manifest = common::ready();
    manifest.insert_str(0, &format!("[import]\n{import}\n\n"));
    repo.write("svc/prr.toml", &manifest);
    for (path, text) in files {
        repo.write(path, text);
    }
    repo
}

/// `prr check` of the repository's `svc/` manifest, in one format.
fn check_svc(repo: &Repo, format: &str) -> std::process::Output {
    repo.prr(&[
        "check",
        "--manifest",
        "svc",
        "--as-of",
        AS_OF,
        "--format",
        format,
    ])
}

fn refused(repo: &Repo, expected: &str) -> String {
    let out = repo.prr(&["check", "--manifest", "svc", "--as-of", AS_OF]);
    // The diagnostics are the report's (stdout); a crash would be on stderr.
    let err = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in {err}");
    err
}

#[test]
fn bad_imports_are_exit_2_with_file_line_and_column() {
    let repo = repository(
        "openslo = [\"slo/*.yaml\"]",
        &[(
            "svc/slo/broken.yaml",
            "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: [unclosed\n",
        )],
    );
    let err = refused(&repo, "svc/slo/broken.yaml:");
    assert!(err.contains("YAML syntax"), "{err}");

    let repo = repository(
        "backstage = \"catalog-info.yaml\"",
        &[(
            "svc/catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Componnent\nmetadata:\n  name: payments-api\n",
        )],
    );
    let err = refused(&repo, "svc/catalog-info.yaml:2:7");
    assert!(err.contains("unknown kind \"Componnent\""), "{err}");

    let repo = repository("sloth = [\"../../*.yml\"]", &[]);
    let err = refused(&repo, "svc/prr.toml:2:10");
    assert!(err.contains("leaves the repository"), "{err}");

    let repo = repository("openslo = [\"slo/*.yaml\"]", &[]);
    refused(&repo, "matches no file");
}

#[test]
fn a_50_mb_import_is_refused_without_reading_it() {
    let repo = repository("openslo = [\"slo/huge.yaml\"]", &[]);
    let path = repo.work.join("svc/slo/huge.yaml");
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(50 * 1024 * 1024).expect("a 50 MB file");
    let err = refused(&repo, "svc/prr.toml:2:12");
    assert!(err.contains("over the limit"), "{err}");
}

#[test]
fn too_deep_yaml_is_refused_at_its_place() {
    let deep = format!(
        "apiVersion: openslo/v1\nkind: SLO\nspec: {}\n",
        "[".repeat(200)
    );
    let repo = repository("openslo = [\"slo.yaml\"]", &[("svc/slo.yaml", &deep)]);
    let err = refused(&repo, "svc/slo.yaml:3:");
    assert!(err.contains("nesting deeper"), "{err}");
}

/// The payments fixture copied to `svc/` of a fresh repository, its prr.toml changed by
/// `edit`.
fn fixture_repository(edit: impl Fn(&str) -> String) -> Repo {
    let repo = Repo::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    for relative in [
        "prr.toml",
        "catalog-info.yaml",
        "slo/slis.yaml",
        "slo/availability.yaml",
        "slo/latency.yaml",
        "slo/monthly.yaml",
        "slos/payments.yml",
    ] {
        let text = std::fs::read_to_string(root.join(relative)).expect("a fixture file");
        let text = if relative == "prr.toml" {
            edit(&text)
        } else {
            text
        };
        repo.write(&format!("svc/{relative}"), &text);
    }
    repo
}

#[test]
fn an_owner_that_differs_from_the_catalogs_fails_import_consistent_at_both_lines() {
    let repo = fixture_repository(|text| {
        text.replace("tier = 1\n", "tier = 1\nowner = \"@acme/checkout\"\n")
    });
    let out = check_svc(&repo, "json");
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let found: Vec<_> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == "import.consistent")
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    let at: Vec<_> = found
        .iter()
        .map(|r| {
            assert_eq!(r["status"], "fail");
            (
                r["location"]["path"].as_str().expect("a path").to_owned(),
                r["location"]["line"].as_u64().expect("a line"),
            )
        })
        .collect();
    assert!(at.contains(&("svc/prr.toml".to_owned(), 11)), "{at:?}");
    assert!(
        at.contains(&("svc/catalog-info.yaml".to_owned(), 22)),
        "{at:?}"
    );
    // Each names the other place, in its message and as its related location.
    let related: Vec<_> = found
        .iter()
        .map(|r| {
            (
                r["related"]["path"].as_str().unwrap_or("").to_owned(),
                r["related"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        related.contains(&("svc/catalog-info.yaml".to_owned(), 22)),
        "{related:?}"
    );
    assert!(
        related.contains(&("svc/prr.toml".to_owned(), 11)),
        "{related:?}"
    );
    let messages: Vec<_> = found
        .iter()
        .map(|r| r["message"].as_str().unwrap_or(""))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("svc/catalog-info.yaml:22")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("svc/prr.toml:11")),
        "{messages:?}"
    );
    // prr.toml's value is the one judged.
    assert!(report["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|r| r["rule"] == "ownership.team" && r["status"] == "pass"));

    let out = check_svc(&repo, "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF");
    let uris: Vec<_> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == "import.consistent")
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                location["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(uris.len(), 2, "{uris:?}");
    let related: Vec<_> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == "import.consistent")
        .map(|r| {
            r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert!(related.contains(&"svc/prr.toml".to_owned()), "{related:?}");
    assert!(
        related.contains(&"svc/catalog-info.yaml".to_owned()),
        "{related:?}"
    );
    assert!(
        uris.contains(&("svc/catalog-info.yaml".to_owned(), 22)),
        "{uris:?}"
    );

    // The same owner in both places agrees.
    let repo = fixture_repository(|text| {
        text.replace("tier = 1\n", "tier = 1\nowner = \"team:payments\"\n")
    });
    let out = check_svc(&repo, "json");
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let consistent = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["rule"] == "import.consistent")
        .expect("the rule ran");
    assert_eq!(consistent["status"], "pass");
    let message = consistent["message"].as_str().unwrap_or("");
    // The owner, and the two dependencies matched by name.
    assert!(message.contains("3 facts in both"), "{message}");
    assert!(
        message.contains("thresholdMetric"),
        "the notes are said: {message}"
    );
}

/// The ready fixture with an SLI on its availability SLO and a calendar window on its
/// latency SLO: every field the OpenSLO export writes.
fn ready_with_sli() -> String {
    std::fs::read_to_string("tests/fixtures/ready/prr.toml")
        .expect("the fixture")
        .replace(
            "target = 99.95\nwindow = \"28d\"\n",
            "target = 99.95\nwindow = \"28d\"\n\n[slo.sli]\ngood = 'sum(increase(http_requests_total{job=\"pay\",code!~\"5..\"}[{{window}}]))'\ntotal = 'sum(increase(http_requests_total{job=\"pay\"}[{{window}}]))'\n",
        )
        .replace(
            "target = 99.9\nwindow = \"28d\"",
            "target = 99.9\nwindow = \"week\"\n\n[slo.sli]\ngood = 'sum(increase(http_request_duration_seconds_bucket{job=\"pay\",le=\"0.3\"}[{{window}}]))'\ntotal = 'sum(increase(http_request_duration_seconds_count{job=\"pay\"}[{{window}}]))'",
        )
}

/// What a judgement says, place aside: rule, status, severity and message of each finding.
fn judged(manifest: &Manifest) -> Vec<(String, String, String)> {
    let rules = prr_gate::rules::load(&[prr_gate::rules::RulesSource::Builtin], Path::new("."))
        .expect("the built-in pack");
    let evaluation = prr_gate::engine::evaluate(manifest, &rules, AS_OF.parse().expect("a date"));
    let mut out: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.rule != "import.consistent")
        .map(|f| (f.rule.clone(), format!("{:?}", f.status), f.message.clone()))
        .collect();
    out.sort();
    out
}

#[test]
fn exported_openslo_imported_back_is_judged_the_same() {
    let text = ready_with_sli();
    let original = Manifest::from_text("svc/prr.toml", &text).expect("it parses");
    let exported = prr_gate::toolkit::export::openslo(&original).yaml();
    assert!(exported.contains("isRolling: false"), "{exported}");
    // The SLOs leave prr.toml; the manifest imports them instead.
    let without: String = text
        .split("\n\n")
        .filter(|block| !block.starts_with("[[slo]]") && !block.starts_with("[slo.sli]"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let importing = format!("[import]\nopenslo = [\"slo/*.yaml\"]\n\n{without}");
    let mut imported = Manifest::from_text("svc/prr.toml", &importing).expect("it parses");
    let files = std::collections::BTreeMap::from([("svc/slo/exported.yaml".to_owned(), exported)]);
    import::resolve(&mut imported, &files, &import::Settings::default()).expect("it imports");
    assert!(imported.root.get("slo").is_some());
    assert_eq!(
        original.root.get("slo").map(Node::to_json),
        imported.root.get("slo").map(Node::to_json)
    );
    assert_eq!(judged(&original), judged(&imported));
    let budgets = |m: &Manifest| {
        prr_gate::rules::builtin::slo_budgets(&m.root)
            .iter()
            .map(|b| format!("{b:?}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(budgets(&original), budgets(&imported));
}

#[test]
fn exported_backstage_imported_back_gives_the_same_service() {
    let text = ready_with_sli();
    let original = Manifest::from_text("svc/prr.toml", &text).expect("it parses");
    let settings = import::Settings {
        owner_format: "@acme/{name}".to_owned(),
        ..import::Settings::default()
    };
    let exported = prr_gate::toolkit::export::backstage(&original, &settings).yaml();
    assert!(exported.contains("owner: \"group:payments\""), "{exported}");
    let importing = format!(
        "[import]\nbackstage = \"catalog-info.yaml\"\n\n{}",
        text.replace("name = \"payments-api\"\n", "")
            .replace("description = \"Card payment authorisation API\"\n", "")
            .replace("lifecycle = \"production\"\n", "")
            .replace("owner = \"@acme/payments\"\n", "")
            .replace("runbook = \"https://wiki.acme.dev/payments/runbook\"\n", "")
            .replace(
                "dashboards = [\"https://grafana.acme.dev/d/payments\"]\n",
                ""
            )
    );
    let mut imported = Manifest::from_text("svc/prr.toml", &importing).expect("it parses");
    let files = std::collections::BTreeMap::from([("svc/catalog-info.yaml".to_owned(), exported)]);
    import::resolve(&mut imported, &files, &settings).expect("it imports");
    for key in [
        "service.name",
        "service.description",
        "service.lifecycle",
        "service.owner",
        "docs.runbook",
        "monitoring.dashboards",
    ] {
        assert_eq!(
            original.root.pointer(key).map(Node::to_json),
            imported.root.pointer(key).map(Node::to_json),
            "{key}"
        );
    }
    assert!(
        imported.imports.conflicts.is_empty(),
        "{:?}",
        imported.imports.conflicts
    );
    assert_eq!(judged(&original), judged(&imported));
}

#[test]
fn init_from_a_catalog_imports_it_and_leaves_todos_for_the_rest() {
    let repo = Repo::new();
    let catalog = std::fs::read_to_string(format!("{FIXTURE}/catalog-info.yaml")).expect("fixture");
    repo.write("svc/catalog-info.yaml", &catalog);
    let out = repo.prr(&[
        "init",
        "--path",
        "svc",
        "--from",
        "svc/catalog-info.yaml",
        "--tier",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(repo.work.join("svc/prr.toml")).expect("written");
    assert!(
        written.contains("[import]\nbackstage = \"catalog-info.yaml\"\n"),
        "{written}"
    );
    // The catalog's facts are not written twice; what it cannot know is a TODO.
    let service = written
        .split("[service]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [service] table");
    assert!(service.starts_with("tier = 1"), "{service}");
    assert!(
        !service
            .lines()
            .any(|l| l.starts_with("owner") || l.starts_with("name")),
        "{service}"
    );
    assert!(written.contains("rotation = \"TODO"), "{written}");
    let out = check_svc(&repo, "json");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(report["services"][0]["service"]["name"], "payments-api");
    let status = |rule: &str| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| r["status"].as_str().unwrap_or("").to_owned())
    };
    for rule in [
        "ownership.team",
        "docs.runbook",
        "import.consistent",
        "manifest.schema",
    ] {
        assert_eq!(status(rule).as_deref(), Some("pass"), "{rule}");
    }
    assert_eq!(status("oncall.rotation").as_deref(), Some("fail"));

    // A catalog that is not one is refused before anything is written.
    repo.write("other/catalog-info.yaml", "kind: Nonsense\n");
    let out = repo.prr(&[
        "init",
        "--path",
        "other",
        "--from",
        "other/catalog-info.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("catalog-info.yaml:1:7"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.work.join("other/prr.toml").exists());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Any text, as each kind of import: read or refused with a place, never a panic; what
    /// is read is judged, rendered and exported (the fuzz target `imports` does the same on
    /// any bytes).
    #[test]
    fn any_text_as_an_import_is_read_or_refused(
        which in 0usize..4,
        cut in 0usize..4000,
        insert in "[\\[\\]{}:\\- \n#&*!|>'\"a-z0-9.]{0,40}",
    ) {
        let fixture = std::fs::read_to_string(
            [
                "catalog-info.yaml",
                "slo/latency.yaml",
                "slo/monthly.yaml",
                "slos/payments.yml",
            ]
            .map(|f| format!("{FIXTURE}/{f}"))[which]
            .clone(),
        )
        .expect("a fixture");
        let mut at = cut % (fixture.len() + 1);
        while !fixture.is_char_boundary(at) {
            at -= 1;
        }
        let text = format!("{}{insert}{}", &fixture[..at], &fixture[at..]);
        let files = std::collections::BTreeMap::from([("svc/import.yaml".to_owned(), text)]);
        static RULES: std::sync::OnceLock<prr_gate::rules::RuleSet> = std::sync::OnceLock::new();
        let rules = RULES.get_or_init(|| {
            prr_gate::rules::load(&[prr_gate::rules::RulesSource::Builtin], Path::new("."))
                .expect("the built-in pack")
        });
        for kind in ["backstage = \"import.yaml\"", "openslo = [\"*.yaml\"]", "sloth = [\"import.yaml\"]"] {
            let mut manifest = Manifest::from_text(
                "svc/prr.toml",
                &format!("[import]\n{kind}\n\n[service]\ntier = 1\n"),
            )
            .expect("it parses");
            match import::resolve(&mut manifest, &files, &import::Settings::default()) {
                Err(problems) => {
                    proptest::prop_assert!(!problems.is_empty());
                    proptest::prop_assert!(problems.iter().all(|p| p.position().is_some()), "{problems:?}");
                }
                Ok(()) => {
                    let _ = prr_gate::toolkit::export::openslo(&manifest).yaml();
                    let _ = prr_gate::toolkit::export::backstage(&manifest, &import::Settings::default()).yaml();
                    let evaluation =
                        prr_gate::engine::evaluate(&manifest, rules, AS_OF.parse().expect("a date"));
                    let report = prr_gate::report::Report::build(
                        vec![prr_gate::report::Judged::Evaluated { source: &manifest.source, evaluation }],
                        rules,
                        AS_OF,
                        prr_gate::report::FailOn::Error,
                    );
                    let sources: prr_gate::report::human::Sources = std::iter::once(&manifest.source)
                        .chain(&manifest.files)
                        .map(|f| (f.name.clone(), std::sync::Arc::clone(f)))
                        .collect();
                    let _ = prr_gate::report::human::render(&report, &sources, false);
                }
            }
        }
    }
}

#[test]
fn the_fleet_reads_a_services_imports() {
    let out = prr(&[
        "fleet",
        "tests/fixtures/imports",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let fleet: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let service = &fleet["services"][0];
    assert_eq!(service["name"], "payments-api", "{service}");
    assert_eq!(service["team"], "team:payments");
}

/// `manifest` (as `svc/prr.toml`) with its imports read from `files`.
fn imported(
    manifest: &str,
    files: &[(&str, &str)],
    settings: &import::Settings,
) -> Result<Manifest, Vec<prr_gate::diagnostic::Diagnostic>> {
    let mut manifest = Manifest::from_text("svc/prr.toml", manifest).expect("it parses");
    let files: std::collections::BTreeMap<String, String> = files
        .iter()
        .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
        .collect();
    import::resolve(&mut manifest, &files, settings)?;
    Ok(manifest)
}

#[test]
fn the_sloth_resource_form_and_the_packs_pagerduty_address_are_read() {
    let sloth = "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nmetadata:\n  name: pay\nspec:\n  service: pay\n  slos:\n    - name: availability\n      objective: 99.9\n      sli:\n        events:\n          error_query: sum(rate(errors[{{ .window }}]))\n          total_query: sum(rate(all[{{.window}}]))\n";
    let catalog = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: pay\n  annotations:\n    pagerduty.com/service-id: PX1\nspec:\n  owner: payments\n";
    let settings = import::Settings {
        pagerduty_url: Some("https://acme.pagerduty.com/".to_owned()),
        ..import::Settings::default()
    };
    let manifest = imported(
        "[import]\nbackstage = \"catalog-info.yaml\"\nsloth = [\"slo.yaml\"]\n\n[[slo]]\nname = \"availability\"\nwindow = \"28d\"\n",
        &[("svc/slo.yaml", sloth), ("svc/catalog-info.yaml", catalog)],
        &settings,
    )
    .expect("it imports");
    assert_eq!(
        text(&manifest, "oncall.rotation"),
        "https://acme.pagerduty.com/service-directory/PX1"
    );
    let slo = slo(&manifest, "availability");
    // The manifest's window stands; sloth's default does not contradict it.
    assert_eq!(slo.get("window").and_then(Node::as_str), Some("28d"));
    assert!(
        manifest.imports.conflicts.is_empty(),
        "{:?}",
        manifest.imports.conflicts
    );
    assert_eq!(
        slo.pointer("sli.total").and_then(Node::as_str),
        Some("sum(rate(all[{{window}}]))")
    );
}

#[test]
fn calendar_windows_and_a_choice_among_components() {
    let slo = |duration: &str, rolling: bool| {
        format!("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: s\nspec:\n  timeWindow:\n    - duration: {duration}\n      isRolling: {rolling}\n  objectives:\n    - target: 0.99\n")
    };
    for (duration, rolling, window) in [
        ("1w", false, Some("week")),
        ("1w", true, Some("7d")),
        ("1Q", false, Some("quarter")),
        ("1Y", false, Some("year")),
        ("1h", true, None),
    ] {
        let text = slo(duration, rolling);
        let manifest = imported(
            "[import]\nopenslo = [\"s.yaml\"]\n",
            &[("svc/s.yaml", &text)],
            &import::Settings::default(),
        )
        .expect("it imports");
        let found = manifest
            .root
            .pointer("slo")
            .and_then(Node::as_array)
            .expect("slo")[0]
            .get("window")
            .and_then(Node::as_str)
            .map(str::to_owned);
        assert_eq!(found.as_deref(), window, "{duration} rolling={rolling}");
    }
    let two = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  owner: x\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: b\nspec:\n  owner: y\n";
    let err = imported(
        "[import]\nbackstage = \"c.yaml\"\n",
        &[("svc/c.yaml", two)],
        &import::Settings::default(),
    )
    .expect_err("two Components and no name");
    assert!(
        err[0].to_string().contains("several Components (a, b)"),
        "{}",
        err[0]
    );
    assert!(
        err[0].to_string().starts_with("svc/prr.toml:2:13"),
        "{}",
        err[0]
    );
    let manifest = imported(
        "[import]\nbackstage = \"c.yaml\"\n\n[service]\nname = \"b\"\n",
        &[("svc/c.yaml", two)],
        &import::Settings::default(),
    )
    .expect("the named one");
    assert_eq!(text(&manifest, "service.owner"), "team:y");
    let err = imported(
        "[import]\nopenslo = [\"s.yaml\"]\n",
        &[(
            "svc/s.yaml",
            "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: s\nspec:\n  indicatorRef: missing\n",
        )],
        &import::Settings::default(),
    )
    .expect_err("a reference to no SLI");
    assert!(
        err[0].to_string().starts_with("svc/s.yaml:6:17"),
        "{}",
        err[0]
    );
}

#[test]
fn the_packs_owner_format_maps_groups_to_its_team_handles() {
    let repo = fixture_repository(|text| {
        text.replace("tier = 1\n", "tier = 1\nowner = \"@acme/payments\"\n")
    });
    repo.write(
        "acme/pack.toml",
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[import.backstage]\nowner_format = \"@acme/{name}\"\n",
    );
    let consistent = |args: &[&str]| {
        let mut all = vec![
            "check",
            "--manifest",
            "svc",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let out = repo.prr(&all);
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["rule"] == "import.consistent")
            .map(|r| r["status"].as_str().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(consistent(&["--rules", "acme"]), ["pass"]);
    // With the built-in pack's `team:{name}`, the two owners differ.
    assert_eq!(consistent(&[]), ["fail", "fail"]);
}

#[test]
fn an_imported_fact_fills_a_todo_placeholder_without_a_conflict() {
    let catalog = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: pay\nspec:\n  owner: payments\n";
    let manifest = imported(
        "[import]\nbackstage = \"catalog-info.yaml\"\n\n[service]\nowner = \"TODO: the owning team\"\n",
        &[("svc/catalog-info.yaml", catalog)],
        &import::Settings::default(),
    )
    .expect("it imports");
    assert_eq!(text(&manifest, "service.owner"), "team:payments");
    assert!(manifest.imports.conflicts.is_empty());
    let owner = manifest.root.pointer("service.owner").expect("owner");
    assert_eq!(
        place(&manifest, owner),
        ("svc/catalog-info.yaml".to_owned(), 6)
    );
}
