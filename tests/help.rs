//! What people read first: `prr --help` and `prr check --help`, snapshotted so that a change
//! to them is a reviewed change.

use assert_cmd::Command;

fn help(args: &[&str]) -> String {
    let out = Command::cargo_bin("prr")
        .expect("the binary is built")
        .args(args)
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("PRR_COMMENT")
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn check_help() {
    insta::assert_snapshot!(help(&["check", "--help"]));
}

#[test]
fn rules_help() {
    insta::assert_snapshot!(help(&["rules", "--help"]));
}

#[test]
fn export_help() {
    insta::assert_snapshot!(help(&["export", "--help"]));
}

#[test]
fn init_help() {
    insta::assert_snapshot!(help(&["init", "--help"]));
}
