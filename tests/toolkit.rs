//! The platform team's commands from the outside: arguments in, output and exit code out.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use prr_gate::manifest::Manifest;
use prr_gate::rules::{self, RulesSource};

const AS_OF: &str = "2026-11-21";

fn prr(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("prr").expect("the prr binary");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn rules_test_runs_every_example_of_the_builtin_pack() {
    let set = rules::load(&[RulesSource::Builtin], repo()).expect("the built-in pack loads");
    let examples: usize = set.rules.iter().map(|r| r.tests.len()).sum();
    assert!(examples >= 2 * set.rules.len());
    prr(repo())
        .args(["rules", "test", "rules/", "--as-of", AS_OF])
        .assert()
        .code(0)
        .stdout(predicate::str::diff(format!(
            "{examples} passed, 0 failed\n"
        )));
}

#[test]
fn the_committed_rule_reference_is_fresh() {
    // The JSON Schemas have the same guard beside their types (`manifest::model`, `rules::model`).
    let out = prr(repo())
        .args(["rules", "doc"])
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo().join("docs/rules.md")).expect("docs/rules.md");
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "docs/rules.md is stale; regenerate it with `cargo run -- rules doc > docs/rules.md`"
    );
}

#[test]
fn every_builtin_rule_file_meets_the_rules_schema() {
    let schema = prr_gate::rules::model::rules_schema();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the rules schema compiles");
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("rules")).expect("rules/") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a rule file");
        // The manifest parser turns TOML into the JSON a schema sees (dates as ISO strings).
        let json = Manifest::from_text("file.toml", &text).expect("TOML").json;
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        checked += 1;
    }
    assert!(checked > 10);
    let typo = Manifest::from_text("x.toml", "[[rule]]\nid = \"a.b\"\nrationle = \"x\"\n")
        .expect("TOML")
        .json;
    assert!(
        !validator.is_valid(&typo),
        "a misspelt key breaks the schema"
    );
}

#[test]
fn init_never_overwrites_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    prr(dir.path())
        .args(["init", "--name", "api"])
        .assert()
        .code(0);
    let first = std::fs::read_to_string(dir.path().join("prr.toml")).expect("written");
    std::fs::write(dir.path().join("prr.toml"), "# mine\n").expect("write");
    prr(dir.path())
        .args(["init", "--name", "api"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already here").and(predicate::str::contains("--force")));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("prr.toml")).expect("kept"),
        "# mine\n"
    );
    prr(dir.path())
        .args(["init", "--name", "api", "--force"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("prr.toml")).expect("replaced"),
        first
    );
    prr(dir.path())
        .args(["init", "--name", "not a name"])
        .arg("--force")
        .assert()
        .code(2);
    prr(dir.path())
        .args(["init", "--tier", "5"])
        .assert()
        .code(2);
}

/// The failing results of `prr check --format json` on the manifest in `dir`.
fn failures(dir: &Path) -> (i32, Vec<serde_json::Value>) {
    let out = prr(dir)
        .args(["check", "--as-of", AS_OF, "--format", "json"])
        .output()
        .expect("prr runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let failed = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "fail")
        .cloned()
        .collect();
    (out.status.code().unwrap_or(-1), failed)
}

/// A real value for each TODO of the template, by `[table] key`.
const FILLED: &[(&str, &str, &str)] = &[
    ("oncall", "rotation", "\"https://pd.example/schedules/P1\""),
    (
        "oncall",
        "escalation",
        "\"https://pd.example/escalation_policies/P2\"",
    ),
    ("docs", "runbook", "\"https://wiki.example/runbook\""),
    ("slo", "indicator", "\"share of non-5xx responses\""),
    ("slo", "target", "99.9"),
    ("slo", "window", "\"28d\""),
    ("error_budget", "policy", "\"freeze-features\""),
    ("error_budget", "owner", "\"@acme/payments-product\""),
    (
        "monitoring.golden_signals",
        "latency",
        "\"https://grafana.example/latency\"",
    ),
    (
        "monitoring.golden_signals",
        "traffic",
        "\"https://grafana.example/traffic\"",
    ),
    (
        "monitoring.golden_signals",
        "errors",
        "\"https://grafana.example/errors\"",
    ),
    (
        "monitoring.golden_signals",
        "saturation",
        "\"https://grafana.example/saturation\"",
    ),
    ("release", "strategy", "\"canary\""),
    ("release", "rollback", "\"automated\""),
    ("testing", "unit", "true"),
    ("testing", "integration", "true"),
    ("testing", "system", "true"),
    ("incidents", "tracker", "\"https://tracker.example/INC\""),
    (
        "incidents",
        "postmortems",
        "\"https://wiki.example/postmortems\"",
    ),
    ("capacity", "plan", "\"https://wiki.example/capacity\""),
    ("capacity", "load_tested", "2026-09-01"),
    (
        "observability",
        "tracing",
        "\"https://tempo.example/search?service=payments-api\"",
    ),
    (
        "observability",
        "logs",
        "\"https://loki.example/payments-api\"",
    ),
    ("observability", "structured_logs", "true"),
    (
        "observability",
        "error_tracking",
        "\"https://sentry.example/projects/payments-api\"",
    ),
    ("security", "secrets", "\"vault\""),
    ("reviews", "security", "2026-08-14"),
    ("toil", "backlog", "\"https://tracker.example/toil\""),
    ("reviews", "prr", "2026-06-01"),
    ("reviews", "mttr_mttf", "2026-10-01"),
    ("reviews", "dependencies", "2026-10-01"),
    ("reviews", "toil", "2026-10-01"),
];

fn fill_todos(text: &str) -> String {
    let mut table = String::new();
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[') {
            table = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .to_owned();
        }
        let key = trimmed.split(" =").next().unwrap_or_default();
        let value = FILLED
            .iter()
            .find(|(t, k, _)| *t == table && *k == key && trimmed.contains("\"TODO"));
        match value {
            Some((_, key, value)) => out.push_str(&format!("{key} = {value}\n")),
            None => out.push_str(&format!("{line}\n")),
        }
    }
    out
}

#[test]
fn a_fresh_manifest_fails_on_its_todos_and_nowhere_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    prr(dir.path())
        .args([
            "init",
            "--name",
            "payments-api",
            "--tier",
            "1",
            "--owner",
            "@acme/payments",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("TODOs"));
    let text = std::fs::read_to_string(dir.path().join("prr.toml")).expect("written");
    let lines: Vec<&str> = text.lines().collect();
    let (code, failed) = failures(dir.path());
    assert_eq!(code, 1);
    assert!(failed.len() > 20, "{failed:#?}");
    // Repository evidence judges the repository around the manifest (its CODEOWNERS),
    // which `prr init` does not write.
    let about_the_manifest = failed
        .iter()
        .filter(|r| r["rule"] != "ownership.codeowners");
    for result in about_the_manifest {
        let line = result["location"]["line"].as_u64().expect("a line") as usize;
        assert!(
            lines[line - 1].contains("\"TODO"),
            "{} points at line {line}, which is no TODO: {:?}\n{}",
            result["rule"],
            lines[line - 1],
            result["message"]
        );
    }

    // Every TODO filled in, the same file passes: nothing but the TODOs failed.
    let filled = fill_todos(&text);
    let left: Vec<&str> = filled
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains("TODO"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::write(dir.path().join("prr.toml"), filled).expect("write");
    // And the CODEOWNERS line the warning asked for.
    std::fs::create_dir(dir.path().join(".github")).expect("mkdir");
    std::fs::write(
        dir.path().join(".github/CODEOWNERS"),
        "/prr.toml @acme/payments\n",
    )
    .expect("write");
    let (code, failed) = failures(dir.path());
    assert_eq!(failed, Vec::<serde_json::Value>::new());
    assert_eq!(code, 0);
}

#[test]
fn a_fresh_manifest_without_answers_fails_only_on_todos_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    prr(dir.path()).arg("init").assert().code(0);
    let text = std::fs::read_to_string(dir.path().join("prr.toml")).expect("written");
    let lines: Vec<&str> = text.lines().collect();
    let (code, failed) = failures(dir.path());
    assert_eq!(code, 1);
    for result in &failed {
        let line = result["location"]["line"].as_u64().expect("a line") as usize;
        assert!(lines[line - 1].contains("TODO"), "{result}");
    }
}

/// The lines of a manifest that hold a TODO value (not a comment).
fn todo_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#') && l.contains("TODO"))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn init_then_check_gives_one_finding_per_todo() {
    for answers in [
        &[][..],
        &[
            "--name",
            "payments-api",
            "--tier",
            "1",
            "--owner",
            "@acme/payments",
        ][..],
        &["--name", "batch", "--tier", "3"][..],
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = prr(dir.path())
            .arg("init")
            .args(answers)
            .output()
            .expect("prr runs");
        assert_eq!(out.status.code(), Some(0));
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let text = std::fs::read_to_string(dir.path().join("prr.toml")).expect("written");
        let todos = todo_lines(&text);
        assert!(
            said.contains(&format!("fill in its {} TODOs", todos.len())),
            "{said}"
        );
        let (code, failed) = failures(dir.path());
        assert_eq!(code, 1);
        // `ownership.codeowners` judges the repository (its CODEOWNERS file), which a fresh
        // directory does not have: a missing thing of its own, not one of the TODOs.
        let mut lines: Vec<usize> = failed
            .iter()
            .filter(|r| r["rule"] != "ownership.codeowners")
            .map(|r| r["location"]["line"].as_u64().expect("a line") as usize)
            .collect();
        lines.sort_unstable();
        assert_eq!(
            lines, todos,
            "{answers:?}: one finding per TODO line:\n{failed:#?}"
        );
    }
}

#[test]
fn explain_and_list_describe_any_pack() {
    prr(repo())
        .args(["explain", "oncall.rotation"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("oncall.rotation: An on-call rotation")
                .and(predicate::str::contains("builtin:oncall.toml:1:1"))
                .and(predicate::str::contains("overridden  no"))
                .and(predicate::str::contains("escalation = ")),
        );
    prr(repo())
        .args(["explain", "oncall.rotaton"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `oncall.rotation`?"));
    prr(repo())
        .args(["rules", "list"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("ID ")
                .and(predicate::str::is_match(r"(?m)^slo\.achievable +error +slo +lifecycle production, beta +builtin:slo\.toml:\d+$").expect("regex")),
        );
}

/// (rule file, exit code of `prr rules lint`, what the output must say)
const LINT_CASES: &[(&str, i32, &str)] = &[
    (
        "[[rule]]\nid = \"x.bad\"\ntitle = \"t\"\nrationale = \"r\"\nremediation = \"m\"\nassert = { path = \"service.name\", matches = \"(\" }\n",
        2,
        "pack.toml:6:45: error: `matches` is not a valid regular expression",
    ),
    (
        "[[rule]]\nid = \"BadId\"\ntitle = \"t\"\nrequire = [\"a\"]\n",
        1,
        "pack.toml:1:1: error: rule id `BadId` is not of the form `category.name`",
    ),
    (
        "[[rule]]\nid = \"x.old\"\ntitle = \"t\"\nrationale = \"r\"\nremediation = \"m\"\nrequire = [\"a\"]\nenforce_after = 2020-01-01\n[[rule.test]]\nname = \"p\"\nexpect = \"pass\"\nmanifest = \"a = 1\"\n[[rule.test]]\nname = \"f\"\nexpect = \"fail\"\nmanifest = \"b = 1\"\n",
        0,
        "warning: rule `x.old`: `enforce_after = 2020-01-01` is past",
    ),
    ("[[rule]\nid = \"x.y\"\n", 2, "pack.toml:1:"),
];

#[test]
fn lint_reports_problems_at_their_place() {
    for (text, exit, expected) in LINT_CASES {
        let dir = tempfile::tempdir().expect("tempdir");
        // A single rule file is a pack of its own; the name makes the places easy to read.
        std::fs::write(dir.path().join("pack.toml.d.toml"), text).expect("write");
        let out = prr(dir.path())
            .args(["rules", "lint", "pack.toml.d.toml", "--as-of", AS_OF])
            .output()
            .expect("prr runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .replace("pack.toml.d.toml", "pack.toml");
        assert_eq!(out.status.code(), Some(*exit), "{text}\n{all}");
        assert!(
            all.contains(expected),
            "{text}\nwanted {expected:?} in:\n{all}"
        );
    }
}

#[test]
fn rules_test_exits_2_when_the_pack_cannot_be_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nid = \"x.y\"\nrequire = 3\n",
    )
    .expect("write");
    prr(dir.path())
        .args(["rules", "test", "bad.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:3:"));
    prr(dir.path())
        .args(["rules", "test", "missing-dir"])
        .assert()
        .code(2);
}

#[test]
fn a_standalone_pack_tests_only_what_it_defines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pack.toml"),
        "[pack]\nname = \"solo\"\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.toml"),
        "[[rule]]\nid = \"solo.name\"\ntitle = \"A name\"\nrequire = [\"service.name\"]\n\n[[rule.test]]\nname = \"named\"\nexpect = \"pass\"\nmanifest = '''\n[service]\nname = \"a\"\n'''\n\n[[rule.test]]\nname = \"unnamed\"\nexpect = \"fail\"\nmanifest = '''\n[service]\ntier = 1\n'''\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("prr")
        .unwrap()
        .args([
            "rules",
            "test",
            dir.path().to_str().unwrap(),
            "--as-of",
            "2026-11-21",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.lines().any(|l| l == "2 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn init_can_point_its_schema_line_at_a_copy_in_the_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git runs");
    assert!(git.success());
    let service = dir.path().join("services/pay");
    std::fs::create_dir_all(&service).expect("mkdir");
    prr(dir.path())
        .args(["init", "--offline-schema", "--path", "services/pay"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "prr schema manifest > .prr/manifest.schema.json",
        ));
    let text = std::fs::read_to_string(service.join("prr.toml")).expect("written");
    assert_eq!(
        text.lines().next(),
        Some("#:schema ../../.prr/manifest.schema.json")
    );
    let copy = std::fs::read_to_string(dir.path().join(".prr/manifest.schema.json"))
        .expect("the schema copy");
    let published =
        std::fs::read_to_string(repo().join("schemas/manifest.schema.json")).expect("schema");
    assert_eq!(copy, published);
    // Without the flag, the published URL at the release tag.
    let other = tempfile::tempdir().expect("tempdir");
    prr(other.path()).arg("init").assert().code(0);
    let text = std::fs::read_to_string(other.path().join("prr.toml")).expect("written");
    assert!(text.starts_with(
        "#:schema https://raw.githubusercontent.com/prr-gate/prr-gate/v0.2.0/schemas/manifest.schema.json\n"
    ));
}
