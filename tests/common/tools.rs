//! Whether a test that needs an outside tool (Prometheus, Chromium, cmark-gfm, xmllint,
//! python3, curl, tar, zip) may skip when the tool is missing.
//!
//! `.ci/run` installs every such tool and sets `PRR_REQUIRE_TOOLS=1`: there a missing tool
//! fails the test, so that no check passes by not running. Anywhere else (a developer's
//! machine, or GitHub's macOS and Windows runners, where `CI=true` says nothing about what
//! is installed) the test says it is skipped and returns.
#![allow(dead_code)] // each test file uses part of it

/// Whether the run requires every outside tool (`PRR_REQUIRE_TOOLS=1`).
#[must_use]
pub fn required() -> bool {
    std::env::var("PRR_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// A tool is missing (`why` says which, and what installs it): fails under
/// `PRR_REQUIRE_TOOLS=1`, else says the test is skipped. Call it, then return.
pub fn missing(why: &str) {
    assert!(
        !required(),
        "PRR_REQUIRE_TOOLS=1, and {why}: the test cannot be skipped here (.ci/run installs it)"
    );
    eprintln!("skipped: {why}");
}
