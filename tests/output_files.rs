//! Every command that writes files writes them through one function, which replaces only a
//! regular file (through a temporary file renamed over it) and writes straight through to
//! anything else: a device node stays a device node after `--format json=DEVICE`, and a
//! symlink stays a symlink.
//!
//! The device is made with `mknod` in a temporary directory, which needs root (as CI
//! containers run). Elsewhere the device tests are skipped with a note; with
//! `PRR_REQUIRE_TOOLS=1` (set by `.ci/run`) a run that cannot make the device fails instead.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A null character device (1, 3) at `dir/name`, or `None` (a skip) when it cannot be made.
fn device(dir: &Path, name: &str) -> Option<PathBuf> {
    let path = dir.join(name);
    let made = Process::new("mknod")
        .arg(&path)
        .args(["c", "1", "3"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    if made {
        return Some(path);
    }
    assert!(
        std::env::var("PRR_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "PRR_REQUIRE_TOOLS=1 but `mknod` cannot make a device node here (run as root)"
    );
    eprintln!("skipped: `mknod` cannot make a device node (the device tests need root)");
    None
}

fn is_device(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

fn prr() -> Command {
    let mut cmd = Command::cargo_bin("prr").expect("the binary is built");
    cmd.env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .current_dir(repo());
    cmd
}

/// Runs `args`, with `{}` replaced by the device's path, and checks the device is still one.
fn keeps_the_device(dir: &Path, args: &[&str], exits: &[i32]) {
    let Some(dev) = device(dir, "out") else {
        return;
    };
    let shown = dev.display().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("{}", &shown)).collect();
    let out = prr().args(&args).output().expect("prr runs");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        exits.contains(&code),
        "{args:?}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        is_device(&dev),
        "{args:?} replaced the device with a regular file"
    );
    let strays: Vec<_> = std::fs::read_dir(dir)
        .expect("the directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| n != "out")
        .collect();
    assert!(strays.is_empty(), "{args:?} left {strays:?} behind");
    std::fs::remove_file(&dev).expect("removed");
}

#[test]
fn check_writes_through_a_device_in_every_format_and_with_output() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let manifest = repo().join("examples/ready/prr.toml");
    let manifest = manifest.to_str().expect("a UTF-8 path");
    for format in ["human", "json", "sarif", "junit", "markdown", "github"] {
        let spec = format!("{format}={{}}");
        keeps_the_device(
            dir.path(),
            &[
                "check",
                "--manifest",
                manifest,
                "--as-of",
                "2026-11-21",
                "--format",
                &spec,
            ],
            &[0, 1],
        );
    }
    keeps_the_device(
        dir.path(),
        &[
            "check",
            "--manifest",
            manifest,
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
            "--output",
            "{}",
        ],
        &[0, 1],
    );
}

#[test]
fn fleet_review_and_export_write_through_a_device() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for format in ["json", "markdown", "html", "csv"] {
        let spec = format!("{format}={{}}");
        keeps_the_device(
            dir.path(),
            &[
                "fleet",
                "tests/fixtures/fleet/small",
                "--as-of",
                "2026-11-21",
                "--format",
                &spec,
            ],
            &[0, 1],
        );
    }
    for format in ["markdown", "json", "html"] {
        let spec = format!("{format}={{}}");
        keeps_the_device(
            dir.path(),
            &[
                "review",
                "quarterly",
                "--quarter",
                "2026Q3",
                "--as-of",
                "2026-11-21",
                "--manifest",
                "tests/fixtures/reviews/services",
                "--incidents",
                "tests/fixtures/reviews/incidents.csv",
                "--format",
                &spec,
            ],
            &[0],
        );
    }
    // A manifest that exports validly to both formats: its SLOs carry indicators and its
    // owner is a Backstage group (from its catalog-info import).
    for format in ["openslo", "backstage"] {
        keeps_the_device(
            dir.path(),
            &[
                "export",
                format,
                "--manifest",
                "tests/fixtures/imports/payments/prr.toml",
                "--output",
                "{}",
            ],
            &[0],
        );
    }
}

/// A symlink (as `/dev/stdout` is) stays a symlink, and its target gets the report; a
/// regular file is still replaced whole.
#[test]
fn a_symlink_is_written_through_and_a_regular_file_replaced() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("target.json");
    std::fs::write(&target, "x".repeat(100_000)).expect("written");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).expect("a symlink");
    let spec = format!("json={}", link.display());
    let out = prr()
        .args([
            "check",
            "--manifest",
            "examples/ready/prr.toml",
            "--as-of",
            "2026-11-21",
        ])
        .args(["--format", &spec])
        .output()
        .expect("prr runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::symlink_metadata(&link)
        .expect("there")
        .file_type()
        .is_symlink());
    let written = std::fs::read_to_string(&target).expect("the target");
    let report: serde_json::Value =
        serde_json::from_str(&written).expect("the whole report, no old bytes after it");
    assert_eq!(report["verdict"], "pass");

    let plain = dir.path().join("plain.json");
    std::fs::write(&plain, "old").expect("written");
    let spec = format!("json={}", plain.display());
    let out = prr()
        .args([
            "check",
            "--manifest",
            "examples/ready/prr.toml",
            "--as-of",
            "2026-11-21",
        ])
        .args(["--format", &spec])
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&plain)
        .expect("the report")
        .starts_with('{'));
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        3,
        "no temporary file left"
    );
}
