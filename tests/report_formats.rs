//! Every report format, rendered from reports the real engine makes of fixture manifests
//! (as of a fixed day), snapshotted and checked against the schemas that other tools read.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use prr_gate::engine;
use prr_gate::manifest::Manifest;
use prr_gate::report::markdown::{self, Links, Options};
use prr_gate::report::{github, gitlab, human, json, junit, sarif, FailOn, Judged, Report};
use prr_gate::rules::{self, RuleSet, RulesSource};

#[path = "common/tools.rs"]
mod tools;

const AS_OF: &str = "2026-11-21";
/// Public standard schemas kept in the repository (origins in `tests/fixtures/standards/README.md`).
const SARIF_SCHEMA: &str = "tests/fixtures/standards/sarif-schema-2.1.0.json";
const JUNIT_XSD: &str = "tests/fixtures/standards/junit.xsd";

fn pack() -> RuleSet {
    rules::load(
        &[RulesSource::Path("tests/fixtures/pack".into())],
        Path::new("."),
    )
    .expect("the fixture pack loads")
}

fn builtin() -> RuleSet {
    rules::load(&[RulesSource::Builtin], Path::new(".")).expect("the built-in pack loads")
}

/// The report of manifests judged by `rules` as of [`AS_OF`], and the texts findings point into.
fn judge(manifests: &[Manifest], rules: &RuleSet) -> (Report, human::Sources) {
    let as_of = AS_OF.parse().expect("a date");
    let judged = manifests
        .iter()
        .map(|m| Judged::Evaluated {
            source: &m.source,
            evaluation: engine::evaluate(m, rules, as_of),
        })
        .collect();
    let mut report = Report::build(judged, rules, AS_OF, FailOn::Error);
    // Snapshots must not change with each release.
    report.tool.version = "[version]".to_owned();
    let sources = manifests
        .iter()
        .map(|m| (m.source.name.clone(), Arc::clone(&m.source)))
        .collect();
    (report, sources)
}

fn load(path: &str) -> Manifest {
    Manifest::load(Path::new(path), path).expect("the fixture manifest parses")
}

/// Failures, a warning, a note, a waiver, a stale waiver and skipped rules.
fn mixed() -> (Report, human::Sources) {
    judge(&[load("tests/fixtures/mixed/prr.toml")], &pack())
}

fn passing() -> (Report, human::Sources) {
    judge(&[load("tests/fixtures/ready/prr.toml")], &pack())
}

/// One service judged, and one manifest that could not be (a syntax error).
fn with_unjudged() -> Report {
    let rules = pack();
    let manifest = load("tests/fixtures/ready/prr.toml");
    let broken = Manifest::from_text("services/broken/prr.toml", "[service\nname = 1\n")
        .expect_err("a syntax error");
    let judged = vec![
        Judged::Evaluated {
            source: &manifest.source,
            evaluation: engine::evaluate(&manifest, &rules, AS_OF.parse().expect("a date")),
        },
        Judged::Unjudged {
            manifest: "services/broken/prr.toml".to_owned(),
            diagnostics: vec![broken],
        },
    ];
    Report::build(judged, &rules, AS_OF, FailOn::Error)
}

/// Every manifest under `examples/`, judged by the built-in pack as the README does.
fn examples() -> Vec<Report> {
    let mut paths = prr_gate::manifest::discover(Path::new("examples"), Path::new("."))
        .expect("the examples are readable");
    paths.sort();
    assert!(paths.len() >= 4, "examples found: {paths:?}");
    let rules = builtin();
    paths
        .iter()
        .map(|path| {
            let name = path.to_string_lossy().replace('\\', "/");
            judge(&[load(&name)], &rules).0
        })
        .collect()
}

fn links() -> Options {
    Options {
        links: Links::new(
            "https://github.com",
            "acme/orders",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ..Options::default()
    }
}

#[test]
fn the_fixture_reports_hold_every_kind_of_result() {
    let (report, _) = mixed();
    let s = report.summary;
    assert!(s.failed > 0 && s.warnings > 0 && s.waived > 0 && s.skipped > 0 && s.passed > 0);
    assert!(report
        .results
        .iter()
        .any(|r| r.severity.to_string() == "note"));
    assert!(report.rules.iter().any(|r| r.docs.is_some()));
    let (report, _) = passing();
    assert_eq!(report.verdict.to_string(), "pass");
}

#[test]
fn snapshots_of_the_mixed_report() {
    let (report, sources) = mixed();
    insta::assert_snapshot!("mixed_human", human::render(&report, &sources, false));
    insta::assert_snapshot!("mixed_json", json::render(&report));
    insta::assert_snapshot!("mixed_sarif", sarif::render(&report));
    insta::assert_snapshot!("mixed_junit", junit::render(&report));
    insta::assert_snapshot!("mixed_markdown", markdown::render(&report, &links()));
    insta::assert_snapshot!("mixed_github", github::render(&report));
    insta::assert_snapshot!("mixed_gitlab", gitlab::render(&report));
}

#[test]
fn snapshots_of_a_passing_report() {
    let (report, sources) = passing();
    insta::assert_snapshot!("passing_human", human::render(&report, &sources, false));
    insta::assert_snapshot!("passing_json", json::render(&report));
    insta::assert_snapshot!("passing_sarif", sarif::render(&report));
    insta::assert_snapshot!("passing_junit", junit::render(&report));
    insta::assert_snapshot!(
        "passing_markdown",
        markdown::render(&report, &Options::default())
    );
    insta::assert_snapshot!("passing_github", github::render(&report));
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(SARIF_SCHEMA).unwrap_or_else(|err| panic!("{SARIF_SCHEMA}: {err}"));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, report: &Report) {
    let log = sarif::log(report);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn sarif_of_the_examples_and_fixtures_meets_the_official_schema() {
    let validator = sarif_validator();
    for report in examples() {
        assert_valid_sarif(&validator, &report);
    }
    assert_valid_sarif(&validator, &mixed().0);
    assert_valid_sarif(&validator, &passing().0);
    let unjudged = with_unjudged();
    assert_valid_sarif(&validator, &unjudged);
    let log = sarif::log(&unjudged);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

#[test]
fn the_sarif_validator_catches_an_invalid_log() {
    let validator = sarif_validator();
    let mut log = sarif::log(&mixed().0);
    log["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&log));
}

#[test]
fn sarif_lists_every_rule_that_ran_and_suppresses_waived_results() {
    let (report, _) = mixed();
    let log = sarif::log(&report);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), report.rules.len());
    let architecture = rules
        .iter()
        .find(|r| r["id"] == "docs.architecture")
        .expect("the fixture rule");
    assert_eq!(
        architecture["helpUri"],
        "https://wiki.acme.dev/prr/rules/docs.architecture"
    );
    let results = run["results"].as_array().expect("results");
    let waived = results
        .iter()
        .find(|r| r["ruleId"] == "docs.runbook")
        .expect("the waived result");
    assert_eq!(waived["suppressions"][0]["kind"], "external");
    assert_eq!(
        waived["suppressions"][0]["justification"],
        "the runbook moves to the new wiki | due <Friday>"
    );
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(location["region"]["startLine"].as_u64() >= Some(1));
    }
}

#[test]
fn fingerprints_do_not_move_with_lines() {
    let text = std::fs::read_to_string("tests/fixtures/mixed/prr.toml").expect("fixture");
    let name = "tests/fixtures/mixed/prr.toml";
    let before = Manifest::from_text(name, &text).expect("parses");
    let after = Manifest::from_text(name, &format!("# moved\n\n\n{text}")).expect("parses");
    let fingerprints = |m: Manifest| {
        let (report, _) = judge(&[m], &pack());
        let log = sarif::log(&report);
        let mut found: Vec<(String, String)> = log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["prrFinding/v1"].to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].to_string(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let (before, after) = (fingerprints(before), fingerprints(after));
    let ids = |v: &[(String, String)]| v.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&before), ids(&after));
    assert_ne!(before, after, "the lines did move");
    let mut unique = ids(&before);
    unique.dedup();
    assert_eq!(unique.len(), before.len(), "one fingerprint per alert");
}

/// Whether `xmllint` (Debian's libxml2-utils, which `.ci/run` installs) finds `xml` valid
/// against the Ant schema, with its complaints; `None` when it is not installed.
fn xmllint(xml: &str) -> Option<(bool, String)> {
    Command::new("xmllint").arg("--version").output().ok()?;
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), xml).expect("written");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", JUNIT_XSD])
        .arg(file.path())
        .output()
        .expect("xmllint runs");
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Without xmllint the check is skipped loudly on a developer's machine, and fails under
/// `PRR_REQUIRE_TOOLS=1` (`.ci/run`).
fn assert_valid_junit(xml: &str, what: &str) {
    match xmllint(xml) {
        Some((valid, complaints)) => assert!(valid, "{what} breaks {JUNIT_XSD}:\n{complaints}"),
        None => tools::missing(&format!(
            "JUnit XSD validation of {what}: xmllint is not installed (apt-get install libxml2-utils)"
        )),
    }
}

#[test]
fn junit_of_the_examples_and_fixtures_meets_the_ant_schema() {
    for report in examples() {
        assert_valid_junit(&junit::render(&report), &report.services[0].manifest);
    }
    assert_valid_junit(&junit::render(&mixed().0), "the mixed fixture");
    assert_valid_junit(&junit::render(&passing().0), "the passing fixture");
    let unjudged = junit::render(&with_unjudged());
    assert!(unjudged.contains("<error type=\"unjudged\""), "{unjudged}");
    assert_valid_junit(
        &unjudged,
        "a report with a manifest that could not be judged",
    );
}

#[test]
fn the_junit_validation_catches_an_invalid_document() {
    let xml = junit::render(&mixed().0).replace(" hostname=\"prr\"", "");
    // The canary: a validator that is missing, or that accepts anything, must not let the
    // test above pass.
    match xmllint(&xml) {
        Some((valid, _)) => assert!(!valid, "a test suite without a hostname passed"),
        None => tools::missing("the JUnit validator's canary: xmllint is not installed"),
    }
}

/// A manifest with one failing finding per critical dependency (each lacks an SLA).
fn many_findings(dependencies: usize) -> Report {
    let mut text = String::from(
        "[service]\nname = \"sprawl\"\ntier = 3\nlifecycle = \"production\"\nowner = \"@acme/sprawl\"\n",
    );
    for i in 0..dependencies {
        text.push_str(&format!(
            "\n[[dependency]]\nname = \"dep-{i}\"\ncritical = true\nowner = \"@acme/dep-{i}\"\ntimeout_ms = 100\nretries = 1\n"
        ));
    }
    let manifest = Manifest::from_text("services/sprawl/prr.toml", &text).expect("parses");
    // Every dependency judged: a pack may raise the array limit this far.
    let mut rules = builtin();
    rules
        .max_items
        .insert("dependency".to_owned(), dependencies.max(300));
    judge(&[manifest], &rules).0
}

/// `n` services that declare a name, tier, lifecycle and owner and nothing else: each fails
/// a dozen different rules of the built-in pack, so none of their findings are alike.
fn bare_services(n: usize) -> Report {
    let manifests: Vec<Manifest> = (0..n)
        .map(|i| {
            let text = format!(
                "[service]\nname = \"svc-{i}\"\ntier = 2\nlifecycle = \"production\"\nowner = \"@acme/svc-{i}\"\n"
            );
            Manifest::from_text(&format!("services/svc-{i:04}/prr.toml"), &text).expect("parses")
        })
        .collect();
    judge(&manifests, &builtin()).0
}

#[test]
fn markdown_stays_under_the_comment_limit_and_says_what_it_left_out() {
    let report = bare_services(600);
    let failures = report.summary.failed;
    assert!(failures >= 6_000, "{failures} findings");
    let text = markdown::render(&report, &links());
    assert!(text.len() < 65_536, "{} bytes", text.len());
    assert!(text.chars().count() < 65_536);
    assert!(text.starts_with("## ❌"), "the verdict comes first");
    let shown = text
        .lines()
        .filter(|l| l.contains("| [services/svc-"))
        .count();
    assert!(shown > 100, "as many rows as fit: {shown}");
    let left = failures - shown;
    assert!(
        text.contains(&format!(
            "Left out to stay under 65536 characters: {left} blocking failures"
        )),
        "{}",
        &text[text.len() - 600..]
    );
    assert!(text.contains("prr check --format json"));
    // Every section that was opened was closed.
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
    assert_eq!(text, markdown::render(&report, &links()), "deterministic");
}

#[test]
fn markdown_counts_findings_alike_rather_than_listing_them() {
    let report = many_findings(5_000);
    let text = markdown::render(&report, &links());
    let rows = text
        .lines()
        .filter(|l| l.starts_with("| `dependencies.critical-mitigation`"))
        .collect::<Vec<_>>();
    assert_eq!(rows.len(), 6, "five alike and the count: {rows:#?}");
    // Of the 5,000 findings, the first 100 are listed (5 shown, 95 counted alike) and the
    // other 4,900 counted as unlisted.
    assert!(
        rows[5].contains("… and 95 more like this at `dependency[*].sla`"),
        "{}",
        rows[5]
    );
    assert!(
        text.contains("4900 more findings are not listed: each format lists the first 100"),
        "{text}"
    );
    // Three cells: the count row fits the table.
    assert_eq!(rows[5].matches(" | ").count(), 2, "{}", rows[5]);
    assert!(!text.contains("Left out"), "nothing left out: {text}");
    assert!(text.len() < 20_000, "{} bytes", text.len());
}

#[test]
fn github_annotates_at_most_ten_of_a_kind_and_counts_the_rest() {
    let report = many_findings(30);
    let text = github::render(&report);
    let errors = text.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(errors, 10);
    let blocking = report.results.iter().filter(|r| report.blocks(r)).count();
    let last = text.lines().last().expect("a notice");
    assert!(last.starts_with("::notice "), "{last}");
    assert!(
        last.contains(&format!("{} more findings", blocking - 10)),
        "{last}"
    );
}

#[test]
fn user_text_cannot_inject_markup_into_the_comment() {
    let (report, _) = mixed();
    let text = markdown::render(&report, &links());
    assert!(!text.contains("<b>"), "raw HTML from the manifest");
    assert!(!text.contains("<Friday>"));
    assert!(!text.contains("@jane"), "a mention from the manifest");
    for line in text.lines().filter(|l| l.starts_with("| `ownership.team`")) {
        // Three columns: four pipes that are not escaped.
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "{line}");
    }
}

/// A pack of one rule that asks for keys in an existing table, in a missing table, in a
/// table that has only a sub-table, and in a missing sub-table.
fn missing_keys_pack() -> (tempfile::TempDir, RuleSet) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("where.toml");
    std::fs::write(
        &path,
        r#"[[rule]]
id = "where.missing"
title = "Keys are where they belong"
severity = "error"
category = "docs"
require = ["oncall.escalation", "docs.runbook", "monitoring.dashboards", "monitoring.golden_signals.errors"]
rationale = "A test of where findings point."
remediation = "Add them."
"#,
    )
    .expect("the rule file");
    let rules = rules::load(&[RulesSource::Path(path)], dir.path()).expect("the pack loads");
    (dir, rules)
}

#[test]
fn missing_keys_point_where_they_would_go_and_say_what_to_add() {
    let (_dir, rules) = missing_keys_pack();
    let toml = Manifest::from_text(
        "svc/prr.toml",
        "[service]\nname = \"orders\"\ntier = 3\nowner = \"@acme/orders\"\n\n[oncall]\nrotation = \"https://x/P1\"\n\n[monitoring.golden_signals]\nlatency = \"https://x/l\"\n\n[release]\nstrategy = \"rolling\"\n",
    )
    .expect("parses");
    let (report, sources) = judge(&[toml], &rules);
    insta::assert_snapshot!(
        "missing_keys_toml_human",
        human::render(&report, &sources, false)
    );
    let json = Manifest::from_text(
        "svc/prr.json",
        "{\n  \"service\": {\n    \"name\": \"orders\",\n    \"tier\": 3,\n    \"owner\": \"@acme/orders\"\n  },\n  \"oncall\": {\n    \"rotation\": \"https://x/P1\"\n  }\n}\n",
    )
    .expect("parses");
    let (report, sources) = judge(&[json], &rules);
    insta::assert_snapshot!(
        "missing_keys_json_human",
        human::render(&report, &sources, false)
    );
}

#[test]
fn passing_services_collapse_into_one_line_before_a_failing_one_is_dropped() {
    // The ready example: no warnings, so the comment has room for the services table.
    let ready = std::fs::read_to_string("examples/ready/prr.toml").expect("the example");
    let mut manifests: Vec<Manifest> = (0..200)
        .map(|i| {
            Manifest::from_text(&format!("services/ok-{i:03}/prr.toml"), &ready).expect("parses")
        })
        .collect();
    let failing = ready.replacen("[oncall]", "[oncall_typo]", 1);
    manifests.push(Manifest::from_text("services/bad/prr.toml", &failing).expect("parses"));
    let (report, _) = judge(&manifests, &pack());
    assert_eq!(report.services.len(), 201);
    // Without a cap there is room for every row (the fixture's warnings of rules in their
    // grace period included).
    let whole = markdown::render(
        &report,
        &Options {
            max_bytes: usize::MAX,
            ..Options::default()
        },
    );
    assert_eq!(
        whole.matches("| ✅ pass |").count(),
        200,
        "room for every row"
    );
    let text = markdown::render(
        &report,
        &Options {
            max_bytes: 12_000,
            ..Options::default()
        },
    );
    assert!(text.len() <= 12_000, "{}", text.len());
    assert!(text.contains("| **200 services pass** |"), "{text}");
    assert!(
        text.contains("`services/bad/prr.toml` | ❌ fail |"),
        "{text}"
    );
    assert_eq!(text.matches("| ✅ pass |").count(), 1, "{text}");
    let blocking = text
        .find("### Blocking failures")
        .expect("blocking failures");
    let services = text.find("### Services").expect("the services");
    assert!(blocking < services);
}

/// Past `MAX_LISTED` findings of one rule in one manifest, every format lists the first and
/// counts the rest; the JSON report's `unlisted` says how many, and a report read back from
/// JSON still adds up (its summary, verdicts and blocking counts).
#[test]
fn every_format_lists_at_most_max_listed_findings_of_a_rule_and_counts_the_rest() {
    use prr_gate::report::MAX_LISTED;
    let report = many_findings(250);
    let rule = "dependencies.critical-mitigation";
    let failing = |r: &Report| {
        r.results
            .iter()
            .filter(|x| &*x.rule == rule && x.status == prr_gate::engine::Status::Fail)
            .count()
    };
    assert_eq!(failing(&report), 250, "the model keeps every finding");

    let text = json::render(&report);
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let unlisted = value["unlisted"].as_array().expect("unlisted");
    assert_eq!(unlisted.len(), 1, "{unlisted:#?}");
    assert_eq!(unlisted[0]["rule"], rule);
    assert_eq!(unlisted[0]["manifest"], "services/sprawl/prr.toml");
    assert_eq!(unlisted[0]["count"], 250 - MAX_LISTED);
    assert_eq!(unlisted[0]["blocking"], 250 - MAX_LISTED);
    let read = json::parse(&text).expect("reads back");
    assert_eq!(failing(&read), MAX_LISTED);
    assert_eq!(
        read.summary, report.summary,
        "the summary counts every finding"
    );
    assert!(
        read.disagreements().is_empty(),
        "{:?}",
        read.disagreements()
    );
    assert_eq!(read.blocking_count(), report.blocking_count());
    assert_eq!(
        json::render(&read),
        text,
        "capping a capped report changes nothing"
    );

    let human = human::render(&report, &human::Sources::new(), false);
    assert!(
        human.contains(&format!(
            "note: {} more findings of {rule} in services/sprawl/prr.toml not listed",
            250 - MAX_LISTED
        )),
        "{human}"
    );
    assert!(human.contains(&format!("{} blocking finding(s)", report.blocking_count())));

    let sarif: serde_json::Value = serde_json::from_str(&sarif::render(&report)).expect("JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(
        results.iter().filter(|r| r["ruleId"] == rule).count(),
        MAX_LISTED
    );
    assert_eq!(
        sarif["runs"][0]["properties"]["unlisted"][0]["count"],
        250 - MAX_LISTED
    );

    let junit = junit::render(&report);
    assert!(junit.contains("250 findings: "), "{junit:.2000}");
    assert!(junit.contains(&format!("{} more findings of {rule}", 250 - MAX_LISTED)));

    let github = github::render(&report);
    let annotated = github.lines().filter(|l| l.starts_with("::error ")).count();
    let blocking = report.blocking_count();
    assert!(
        github.contains(&format!(
            "{} more findings are not annotated",
            blocking - annotated
        )),
        "{github}"
    );
}
