//! A 10,000-service monorepo, generated in a temporary directory: the SARIF log stays within
//! GitHub code scanning's limits and meets the schema, the Markdown comment stays under its
//! cap with the blocking failures before any passing row, and JUnit keeps one test case per
//! (service, rule) however many findings a rule has.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{ready, stderr, AS_OF};

const SERVICES: usize = 10_000;
const SARIF_SCHEMA: &str = "tests/fixtures/standards/sarif-schema-2.1.0.json";

/// Writes [`SERVICES`] manifests under `root/services/`: every tenth is the ready example
/// (it passes), the others add `extra` critical dependencies without an SLA, each a
/// blocking `dependencies.critical-mitigation` finding.
fn monorepo(root: &Path, extra: usize) {
    let ready = ready();
    for i in 0..SERVICES {
        let mut text = ready.replacen(
            "name = \"payments-api\"",
            &format!("name = \"svc-{i:05}\""),
            1,
        );
        if i % 10 != 0 {
            for j in 0..extra {
                text.push_str(&format!(
                    "\n[[dependency]]\nname = \"extra-{j}\"\ncritical = true\nowner = \"@acme/dba\"\ntimeout_ms = 100\nretries = 1\nfallback = \"retry later\"\n"
                ));
            }
        }
        let dir = root.join(format!("services/svc-{i:05}"));
        std::fs::create_dir_all(&dir).expect("a service directory");
        std::fs::write(dir.join("prr.toml"), text).expect("a manifest");
    }
}

/// `prr check` of the monorepo under `root` with `formats` (`FORMAT=FILE` each), started.
fn check(root: &Path, formats: &[&str]) -> std::process::Child {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
    command
        .current_dir(root)
        .args(["check", "--as-of", AS_OF, "--manifest", "services"])
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    for format in formats {
        command.args(["--format", format]);
    }
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prr runs")
}

fn testcases(junit: &str) -> usize {
    junit.matches("<testcase ").count()
}

#[test]
fn ten_thousand_services_stay_within_every_format_s_limits() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (root, other) = (dir.path().join("three"), dir.path().join("one"));
    let root = root.as_path();
    monorepo(root, 3);
    monorepo(&other, 1);
    // The two runs at once: each judges 10,000 services.
    let three = check(
        root,
        &[
            "sarif=out.sarif",
            "markdown=out.md",
            "junit=out.xml",
            "json=out.json",
        ],
    );
    let one = check(&other, &["junit=out.xml"]);
    let out = three.wait_with_output().expect("prr ends");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("out.json")).expect("the JSON report"))
            .expect("JSON");
    let blocking = json["summary"]["failed"].as_u64().expect("a count");
    assert!(blocking >= 27_000, "{blocking} blocking findings");

    // SARIF: one run, at most 25,000 results, under 10 MB, blocking findings first, and what
    // was left out said in the run and on stderr.
    let sarif_text = std::fs::read_to_string(root.join("out.sarif")).expect("the SARIF log");
    assert!(
        sarif_text.len() <= 10_000_000,
        "{} bytes of SARIF",
        sarif_text.len()
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif_text).expect("SARIF is JSON");
    let runs = sarif["runs"].as_array().expect("runs");
    assert!(runs.len() <= 20);
    let results = runs[0]["results"].as_array().expect("results");
    assert!(
        !results.is_empty() && results.len() <= 25_000,
        "{}",
        results.len()
    );
    assert!(
        runs[0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .len()
            <= 25_000
    );
    for result in results {
        assert!(result["locations"].as_array().expect("locations").len() <= 1_000);
    }
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().expect("a level"))
        .collect();
    let first_other = levels.iter().position(|l| *l != "error");
    if let Some(first_other) = first_other {
        assert!(
            levels[first_other..].iter().all(|l| *l != "error"),
            "a blocking finding after another"
        );
    }
    let left_out = &runs[0]["properties"]["leftOut"];
    let shown = results.len() as u64;
    let total = left_out["total"].as_u64().expect("leftOut.total");
    let failing_or_waived = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| matches!(r["status"].as_str(), Some("fail" | "waived")))
        .count() as u64;
    assert_eq!(shown + total, failing_or_waived, "{left_out}");
    assert_eq!(left_out["everything"], "prr check --format json");
    let said = stderr(&out);
    assert!(
        said.contains(&format!("leaves out {total} result(s)"))
            && said.contains("prr check --format json"),
        "{said}"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SARIF_SCHEMA).expect("the SARIF schema"))
            .expect("JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&sarif)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");

    // Markdown: under the cap, and every blocking row before any passing row.
    let markdown = std::fs::read_to_string(root.join("out.md")).expect("the Markdown");
    assert!(markdown.chars().count() < 65_536, "{}", markdown.len());
    assert!(markdown.starts_with("## ❌"), "the verdict first");
    assert!(
        markdown.contains("10000 services: 1000 pass, 9000 fail, 0 could not be judged."),
        "{}",
        &markdown[..400]
    );
    let lines: Vec<&str> = markdown.lines().collect();
    let first_blocking = lines
        .iter()
        .position(|l| l.contains("`dependencies.critical-mitigation`"))
        .expect("blocking failures are listed");
    if let Some(first_pass) = lines.iter().position(|l| l.contains("✅ pass")) {
        assert!(first_blocking < first_pass, "a passing row first");
    }
    assert!(
        markdown.contains("blocking failures") && markdown.contains("prr check --format json"),
        "the note on what was left out: {}",
        &markdown[markdown.len() - 600..]
    );

    // JUnit: one test case per service and rule, whatever the number of findings.
    let junit_three = std::fs::read_to_string(root.join("out.xml")).expect("the JUnit");
    let out = one.wait_with_output().expect("prr ends");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let junit_one = std::fs::read_to_string(other.join("out.xml")).expect("the JUnit");
    assert_eq!(testcases(&junit_one), testcases(&junit_three));
    let rules_run = json["rules"].as_array().expect("rules").len();
    assert!(testcases(&junit_three) <= SERVICES * rules_run);
    assert!(
        junit_three.contains("3 findings: "),
        "every finding in the failure"
    );
    assert_ne!(junit_one, junit_three, "the findings differ");
}
