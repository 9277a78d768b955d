//! `--format json`: the report, version 1, every key always present.

use super::Report;

/// The report as pretty JSON, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// Reads a report written by `--format json`.
///
/// # Errors
/// The text is not a version-1 report; the message names line and column.
pub fn parse(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}
