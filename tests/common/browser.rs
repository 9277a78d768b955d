//! The real clients of what `prr` writes for people: headless Chromium from Debian, and
//! cmark-gfm (GitHub's own fork of the CommonMark reference renderer, Debian's `cmark-gfm`)
//! for markdown as a pull request or job summary shows it.
//!
//! A missing tool skips the test with a message, except under `PRR_REQUIRE_TOOLS=1` (set
//! by `.ci/run`), where it fails, so that a check that needs a real client never passes by
//! not running (tools.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

// A test that includes this file and others sharing the guard loads tools.rs once for
// each: one small module, not worth a second way of including it.
#[allow(clippy::duplicate_mod)]
#[path = "tools.rs"]
mod tools;

/// The first of `candidates` that is a file, or `None` (a skip) unless tools are required.
fn tool(what: &str, env: &str, candidates: &[&str], installs: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env).map_or_else(
        || {
            candidates
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .unwrap_or_else(|| PathBuf::from(candidates[0]))
        },
        PathBuf::from,
    );
    if path.is_file() {
        return Some(path);
    }
    tools::missing(&format!(
        "no {what} at {} (set {env}; {installs} installs it)",
        path.display()
    ));
    None
}

/// Headless Chromium: `PRR_CHROMIUM`, else `/usr/bin/chromium`.
pub fn chromium() -> Option<PathBuf> {
    tool(
        "chromium",
        "PRR_CHROMIUM",
        &["/usr/bin/chromium"],
        "apt-get install chromium",
    )
}

/// GitHub's markdown renderer: `PRR_CMARK_GFM`, else `/usr/bin/cmark-gfm`.
pub fn cmark_gfm() -> Option<PathBuf> {
    tool(
        "cmark-gfm",
        "PRR_CMARK_GFM",
        &["/usr/bin/cmark-gfm"],
        "apt-get install cmark-gfm",
    )
}

/// Markdown to HTML with the extensions GitHub enables (tables, strikethrough, autolinks,
/// task lists, and the tag filter that disallows raw `<script>` and friends); raw HTML
/// such as `<details>` passes, as it does on GitHub.
pub fn gfm_to_html(cmark: &Path, markdown: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(cmark)
        .args([
            "--unsafe",
            "--extension",
            "table",
            "--extension",
            "strikethrough",
            "--extension",
            "autolink",
            "--extension",
            "tagfilter",
            "--extension",
            "tasklist",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("cmark-gfm runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(markdown.as_bytes())
        .expect("markdown written to cmark-gfm");
    let out = child.wait_with_output().expect("cmark-gfm finishes");
    assert!(out.status.success(), "cmark-gfm failed");
    String::from_utf8(out.stdout).expect("cmark-gfm writes UTF-8")
}

/// A page as GitHub frames rendered markdown: its font stack, table borders and code
/// background, written here so that the page loads nothing from the network.
pub fn github_page(body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Job summary</title><style>
body {{ margin: 0; background: #fff; }}
.markdown-body {{ box-sizing: border-box; max-width: 980px; padding: 24px 32px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 14px; line-height: 1.5; color: #1f2328; }}
.markdown-body h2, .markdown-body h3 {{ border-bottom: 1px solid #d1d9e0b3; padding-bottom: .3em; }}
.markdown-body table {{ border-collapse: collapse; display: block; overflow: auto; }}
.markdown-body th, .markdown-body td {{ border: 1px solid #d1d9e0; padding: 6px 13px; }}
.markdown-body tr:nth-child(2n) {{ background: #f6f8fa; }}
.markdown-body code {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 85%; background: #818b981f; border-radius: 6px; padding: .2em .4em; }}
</style></head><body><article class="markdown-body">
{body}</article></body></html>
"#
    )
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// The DOM of `page` after the browser parsed it.
pub fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let out = headless(browser, profile.path())
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the DOM is UTF-8")
}

/// A PNG of `page` at `width` x `height` CSS pixels.
pub fn screenshot(browser: &Path, page: &Path, png: &Path, width: u32, height: u32) {
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let out = headless(browser, profile.path())
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success() && png.is_file(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
