//! `prr man`: one manual page per command, and no page refers to one that is not there.

use std::path::Path;
use std::process::Command;

fn prr(args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args(args)
        .output()
        .expect("prr runs")
}

/// Every `prr-xxx(1)` a page names, with roff's escaped hyphens read as hyphens.
fn references(page: &str) -> Vec<String> {
    let text = page.replace("\\-", "-");
    regex::Regex::new(r"\b(prr(?:-[a-z]+)+)\(1\)")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_owned())
        .collect()
}

fn pages(dir: &Path) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_page_a_page_refers_to_exists() {
    let dir = tempfile::tempdir().unwrap();
    let out = prr(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages = pages(dir.path());
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "prr.1",
        "prr-check.1",
        "prr-rules-lint.1",
        "prr-hook-install.1",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    let mut seen = 0;
    for (name, page) in &pages {
        for reference in references(page) {
            seen += 1;
            assert!(
                names.contains(&format!("{reference}.1").as_str()),
                "{name} refers to {reference}(1), which is not among {names:?}"
            );
        }
    }
    // prr(1) alone lists every command: a check that finds nothing checks nothing.
    assert!(seen >= 10, "only {seen} references found");
    assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
}

#[test]
fn a_commands_page_documents_its_options_and_matches_the_written_one() {
    let dir = tempfile::tempdir().unwrap();
    assert!(prr(&["man", "--out-dir", dir.path().to_str().unwrap()])
        .status
        .success());
    let out = prr(&["man", "check"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(r"\-\-fail\-on"), "{page}");
    assert!(page.contains(r"\-\-manifest"), "{page}");
    assert_eq!(
        page,
        std::fs::read_to_string(dir.path().join("prr-check.1")).unwrap()
    );

    let out = prr(&["man", "rules", "lint"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(dir.path().join("prr-rules-lint.1")).unwrap()
    );

    let top = String::from_utf8(prr(&["man"]).stdout).unwrap();
    assert!(references(&top).contains(&"prr-check".to_owned()), "{top}");
}

#[test]
fn an_unknown_command_is_a_usage_error_naming_the_known_ones() {
    let out = prr(&["man", "chek"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no command `chek`"), "{err}");
    assert!(err.contains("check"), "{err}");
    assert!(!err.contains("panick"), "{err}");
}
