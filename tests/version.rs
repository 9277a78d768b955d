//! One version, everywhere a user reads it: the crate's, the CHANGELOG's top section, and
//! every pin the README, the docs, the examples and the embedded schema URLs give
//! (`prr-gate/prr-gate@vX.Y.Z`, `rev: vX.Y.Z`, the image tag, `PRR_VERSION`). A release
//! that bumps one and forgets another fails here (docs/releasing.md).

use std::path::{Path, PathBuf};

const PINS: &[&str] = &[
    r"prr-gate/prr-gate@v(\d+\.\d+\.\d+)",
    r"raw\.githubusercontent\.com/prr-gate/prr-gate/v(\d+\.\d+\.\d+)/",
    r"ghcr\.io/prr-gate/prr-gate:(\d+\.\d+\.\d+)",
    r"(?m)^\s*rev: v(\d+\.\d+\.\d+)",
    r"PRR_VERSION: v(\d+\.\d+\.\d+)",
    r"\bv=v(\d+\.\d+\.\d+)",
];

/// The files a user reads or runs: everything under these, but the tests' own data.
const WHERE: &[&str] = &[
    "README.md",
    "action.yml",
    "Dockerfile",
    ".pre-commit-hooks.yaml",
    "docs",
    "examples",
    "rules",
    "schemas",
    "scripts",
    "src",
    "bench",
];

/// The project's files at `path`, as git lists them: what `.gitignore` leaves out (a
/// benchmark's installed tools, say) is not the project's.
fn files(root: &Path, path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        prr_gate::evidence::walk::Ignores::default()
            .each_file(path, root, true, &mut |file, _, _| {
                out.push(file.to_path_buf());
                Ok(prr_gate::evidence::walk::Flow::Next)
            })
            .unwrap();
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

#[test]
fn the_crate_the_changelog_and_every_pin_name_one_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = env!("CARGO_PKG_VERSION");

    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    let top = changelog
        .lines()
        .find(|l| l.starts_with("## ["))
        .expect("the CHANGELOG has a section");
    let dated =
        regex::Regex::new(r"^## \[(\d+\.\d+\.\d+)\] - (Unreleased|\d{4}-\d{2}-\d{2})$").unwrap();
    let caps = dated
        .captures(top)
        .unwrap_or_else(|| panic!("the CHANGELOG's top section `{top}` is not `## [X.Y.Z] - Unreleased` or `## [X.Y.Z] - YYYY-MM-DD`"));
    assert_eq!(
        &caps[1], version,
        "the CHANGELOG's top section is {top}, the crate is {version}"
    );

    let patterns: Vec<regex::Regex> = PINS.iter().map(|p| regex::Regex::new(p).unwrap()).collect();
    let mut all = Vec::new();
    for place in WHERE {
        files(root, &root.join(place), &mut all);
    }
    let mut pins = 0;
    let mut wrong = Vec::new();
    for file in &all {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // not text
        };
        for pattern in &patterns {
            for caps in pattern.captures_iter(&text) {
                pins += 1;
                if &caps[1] != version {
                    wrong.push(format!(
                        "{}: `{}`",
                        file.strip_prefix(root).unwrap().display(),
                        &caps[0]
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the crate is {version}, and these pins say otherwise:\n{}",
        wrong.join("\n")
    );
    // The README, the docs' workflows and the schema URLs pin it many times over: a test
    // that finds none has stopped looking.
    assert!(pins >= 20, "only {pins} pins found");
}
