//! For the tests of `prr review quarterly`: a wiremock server with a runtime of its own
//! (a mock of GitHub or PagerDuty, driven from synchronous test code), and one run of the
//! command over the review data set with every format written to a file.

#![allow(dead_code)] // each test file uses part of it

// The mock server itself is the one the fleet's tests use.
#[path = "mock_api.rs"]
mod mock_api;
#[allow(unused_imports)] // tests/reviews.rs uses only the review run
pub use mock_api::Api as MockApi;

/// What `prr review quarterly` gave: exit code, the markdown, HTML and JSON files, and
/// stdout and stderr together.
pub type ReviewRun = (Option<i32>, String, String, String, String);

/// `prr review quarterly` of 2026Q3 as of 2026-11-21 over the review data set's services
/// (`tests/fixtures/reviews/services`), every format to a file, run in `dir` with the
/// environment `command` was given and `args` (the sources) after the fixed ones.
pub fn review_quarterly(
    mut command: assert_cmd::Command,
    dir: &std::path::Path,
    args: &[&str],
) -> ReviewRun {
    let services =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reviews/services");
    let out = command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args([
            "review",
            "quarterly",
            "--quarter",
            "2026Q3",
            "--as-of",
            "2026-11-21",
        ])
        .arg("--manifest")
        .arg(services)
        .args([
            "--format",
            "markdown=r.md",
            "--format",
            "html=r.html",
            "--format",
            "json=r.json",
        ])
        .args(args)
        .output()
        .expect("prr runs");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    (
        out.status.code(),
        read("r.md"),
        read("r.html"),
        read("r.json"),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
