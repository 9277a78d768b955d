//! `--format json`: the report, version 1, every key always present. At most
//! [`super::MAX_LISTED`] findings of one rule in one manifest are listed in `results`; the
//! rest are counted in `unlisted` (`manifest`, `rule`, `count`, `blocking`).

use super::Report;

/// The report as pretty JSON, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&*report.listed())
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// Writes the report as pretty JSON, streaming rather than building the text.
///
/// # Errors
/// The writer fails.
pub fn write_to(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &*report.listed())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Reads a report written by `--format json`.
///
/// # Errors
/// The text is not a version-1 report; the message names line and column.
pub fn parse(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}
