//! What a new user reads: the tables an unknown key is told about come from the schema, a
//! TODO left in a key with a fixed set of values says TODO, and a manifest without an SLO
//! is told how to add one.

use std::process::Command;

const AS_OF: &str = "2026-11-21";

fn judge(manifest: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prr.toml"), manifest).unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args(["check", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .output()
        .expect("prr runs");
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn failures<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a str> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == rule && r["status"] == "fail")
        .map(|r| r["message"].as_str().unwrap())
        .collect()
}

fn ready() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/ready/prr.toml"
    ))
    .unwrap()
}

#[test]
fn an_unknown_table_is_told_every_table_the_schema_knows() {
    let report = judge(&format!("{}\n[telemetry]\nthing = 1\n", ready()));
    let messages = failures(&report, "manifest.schema");
    let message = messages
        .iter()
        .find(|m| m.contains("unknown key `telemetry`"))
        .unwrap_or_else(|| panic!("{messages:#?}"));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/manifest.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // Every table of the published schema, the newer ones included.
    for (name, def) in schema["properties"].as_object().unwrap() {
        let table = match def["type"].as_str() {
            Some("object") => format!("[{name}]"),
            Some("array") => format!("[[{name}]]"),
            _ => continue,
        };
        assert!(message.contains(&table), "{table} missing from: {message}");
    }
    for newer in ["[observability]", "[[datastore]]", "[security]", "[import]"] {
        assert!(message.contains(newer), "{message}");
    }
}

#[test]
fn a_todo_in_a_key_with_fixed_values_says_todo() {
    let manifest = ready()
        .replace(
            "strategy = \"rolling\"",
            "strategy = \"TODO: canary, blue-green, rolling or recreate\"",
        )
        .lines()
        .map(|l| {
            if l.starts_with("secrets = ") {
                "secrets = \"TODO: where the secrets live\"".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        manifest.contains("secrets = \"TODO"),
        "the example declares [security] secrets"
    );
    let report = judge(&manifest);
    let secrets = failures(&report, "security.secrets");
    assert_eq!(secrets.len(), 1, "{report:#}");
    assert!(
        secrets[0].starts_with("`security.secrets` is still a TODO"),
        "{secrets:?}"
    );
    assert!(secrets[0].len() < 100, "{secrets:?}");
    for message in report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["message"].as_str())
    {
        assert!(!message.contains("not one of"), "{message}");
    }
}

#[test]
fn a_manifest_without_an_slo_is_told_to_add_an_slo_table() {
    let manifest: String = ready()
        .split("\n[")
        .filter(|part| !part.starts_with("[slo]") && !part.starts_with("sla]"))
        .collect::<Vec<_>>()
        .join("\n[");
    assert!(!manifest.contains("[[slo]]"));
    let report = judge(&manifest);
    let messages = failures(&report, "slo.defined");
    assert!(
        messages.contains(&"`slo` is missing: add a `[[slo]]` table"),
        "{messages:#?}"
    );
    let all = serde_json::to_string(&report).unwrap();
    assert!(!all.contains("before the first table"), "{all}");
}
