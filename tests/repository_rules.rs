//! The repository rules of the built-in pack on small fixture repositories
//! (`tests/fixtures/repos/`): each is copied to a directory of its own, so that it is the
//! repository `prr check` reads, and judged there as a user would judge it.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Copies `from` (a directory) into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory is created");
    for entry in std::fs::read_dir(from).expect("the fixture is listed") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a file is copied");
        }
    }
}

/// The results of `rule` when the fixture repository `name` is judged from its root.
fn results(name: &str, rule: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/repos")
            .join(name),
        dir.path(),
    );
    let out = Command::cargo_bin("prr")
        .expect("the prr binary is built")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_REPOSITORY")
        .args(["check", "--as-of", "2026-11-21", "--format", "json"])
        .output()
        .expect("prr runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "{name}: no JSON report ({err}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == rule)
        .cloned()
        .collect()
}

/// The one result of `rule`: its status, message, and location as `path:line`.
fn only(name: &str, rule: &str) -> (String, String, Option<String>) {
    let found = results(name, rule);
    assert_eq!(found.len(), 1, "{name} {rule}: {found:#?}");
    let r = &found[0];
    let location = r["location"].as_object().map(|l| {
        format!(
            "{}:{}",
            l["path"].as_str().unwrap_or_default(),
            l["line"].as_u64().unwrap_or_default()
        )
    });
    (
        r["status"].as_str().unwrap_or_default().to_owned(),
        r["message"].as_str().unwrap_or_default().to_owned(),
        location,
    )
}

#[test]
fn a_dockerfile_whose_last_stage_runs_as_10001_passes() {
    let (status, message, _) = only("user-10001", "security.non-root");
    assert_eq!(status, "pass", "{message}");
    assert!(message.contains("Dockerfile runs as `10001`"), "{message}");
}

#[test]
fn user_root_fails_at_its_line() {
    let (status, message, location) = only("user-root", "security.non-root");
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("runs as root (`USER root`)"), "{message}");
    assert_eq!(location.as_deref(), Some("Dockerfile:6"));
}

#[test]
fn no_user_in_the_last_stage_fails_at_its_from_even_when_a_build_stage_has_one() {
    let (status, message, location) = only("no-user", "security.non-root");
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("the last stage sets no USER"), "{message}");
    assert_eq!(location.as_deref(), Some("Dockerfile:7"));
}

#[test]
fn no_dockerfile_skips_and_says_so() {
    let (status, message, _) = only("dependabot", "security.non-root");
    assert_eq!(status, "skipped");
    assert!(message.contains("no Dockerfile"), "{message}");
}

#[test]
fn a_deployment_without_a_readiness_probe_fails_at_the_deployment() {
    let (status, message, location) = only("readiness-missing", "resilience.health-checks");
    assert_eq!(status, "fail", "{message}");
    assert!(
        message.contains("Deployment `readiness-missing` (deploy/k8s.yaml): container `api` has no readinessProbe"),
        "{message}"
    );
    // The Deployment is the second document; its `kind:` is on line 13.
    assert_eq!(location.as_deref(), Some("deploy/k8s.yaml:13"));
    let (status, message, _) = only("readiness-missing", "resilience.resources");
    assert_eq!(status, "pass", "{message}");
}

#[test]
fn a_helm_chart_is_skipped_and_named() {
    let (status, message, _) = only("helm-chart", "resilience.health-checks");
    assert_eq!(status, "skipped");
    assert!(message.contains("Helm chart(s) not rendered"), "{message}");
    assert!(message.contains("chart"), "{message}");
}

#[test]
fn a_replicated_deployment_needs_a_disruption_budget() {
    let (status, message, _) = only("pdb-present", "availability.disruption-budget");
    assert_eq!(status, "pass", "{message}");
    assert!(
        message.contains("covered by PodDisruptionBudget `pdb-present`"),
        "{message}"
    );
    let (status, message, location) = only("pdb-missing", "availability.disruption-budget");
    assert_eq!(status, "fail", "{message}");
    assert!(
        message.contains("runs 3 replicas and no PodDisruptionBudget"),
        "{message}"
    );
    assert_eq!(location.as_deref(), Some("k8s/deployment.yaml:2"));
}

#[test]
fn dependabot_or_renovate_configuration_is_required() {
    let (status, message, _) = only("dependabot", "maintenance.dependency-updates");
    assert_eq!(status, "pass", "{message}");
    assert!(message.contains(".github/dependabot.yml"), "{message}");
    let (status, message, _) = only("renovate", "maintenance.dependency-updates");
    assert_eq!(status, "pass", "{message}");
    assert!(message.contains("renovate.json"), "{message}");
    let (status, message, _) = only("no-updates", "maintenance.dependency-updates");
    assert_eq!(status, "fail", "{message}");
    assert!(
        message.contains("no Dependabot or Renovate configuration"),
        "{message}"
    );
}
