//! The runner's side of GitHub Actions: the job summary and step outputs (files whose paths
//! the runner gives), and workflow commands, the annotations a step can make without any
//! token (the fallback for a fork's read-only one).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Error;
use crate::engine::Status;
use crate::report::Report;
use crate::rules::Severity;

/// The runner shows at most 10 errors and 10 warnings per step.
const MAX_PER_LEVEL: usize = 10;

/// Appends markdown to the job summary file (`GITHUB_STEP_SUMMARY`).
///
/// # Errors
/// The file cannot be written.
pub fn append_summary(path: &Path, markdown: &str) -> Result<(), Error> {
    append(path, &format!("{}\n", markdown.trim_end()))
}

/// Appends step outputs to `GITHUB_OUTPUT`, each with the heredoc syntax so that a
/// value may hold newlines, and with a delimiter that the value does not contain.
///
/// # Errors
/// The file cannot be written.
pub fn set_outputs(path: &Path, outputs: &[(&str, String)]) -> Result<(), Error> {
    let mut text = String::new();
    for (name, value) in outputs {
        let delimiter = delimiter_for(value);
        let _ = writeln!(text, "{name}<<{delimiter}\n{value}\n{delimiter}");
    }
    append(path, &text)
}

fn delimiter_for(value: &str) -> String {
    let mut seed = Sha256::digest(value.as_bytes());
    loop {
        let hex: String = seed[..12].iter().map(|b| format!("{b:02x}")).collect();
        let delimiter = format!("prr_{hex}");
        if !value.contains(&delimiter) {
            return delimiter;
        }
        seed = Sha256::digest(seed);
    }
}

fn append(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|err| Error::Runner(format!("cannot append to {}: {err}", path.display())))
}

/// Escapes a workflow command's message (`%`, CR, LF), so untrusted text cannot end the
/// command and start another.
#[must_use]
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: as data, plus `:` and `,`.
#[must_use]
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Workflow-command annotations for the findings: blocking ones first, at most 10 errors
/// and 10 warnings, then a notice of how many more the job summary lists.
#[must_use]
pub fn workflow_commands(report: &Report) -> String {
    struct Line {
        error: bool,
        file: String,
        line: Option<usize>,
        title: String,
        message: String,
    }
    let mut lines: Vec<Line> = report
        .diagnostics
        .iter()
        .map(|d| Line {
            error: true,
            file: d.file.clone(),
            line: d.line,
            title: "prr could not judge this file".to_owned(),
            message: d.message.clone(),
        })
        .collect();
    let mut failures: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    // Blocking first, then by severity, keeping the report's order within each.
    failures.sort_by_key(|r| (!report.blocks(r), std::cmp::Reverse(r.severity)));
    lines.extend(failures.into_iter().map(|r| {
        Line {
            error: report.blocks(r) || r.severity == Severity::Error,
            file: r
                .location
                .as_ref()
                .map_or_else(|| r.manifest.clone(), |l| l.path.clone()),
            line: r.location.as_ref().map(|l| l.line),
            title: format!("{}: {}", r.rule, r.title),
            message: r.message.clone(),
        }
    }));
    let mut out = String::new();
    let (mut errors, mut warnings, mut more) = (0, 0, 0);
    for l in &lines {
        let (command, shown) = if l.error {
            ("error", &mut errors)
        } else {
            ("warning", &mut warnings)
        };
        if *shown == MAX_PER_LEVEL {
            more += 1;
            continue;
        }
        *shown += 1;
        let _ = write!(out, "::{command} file={}", escape_property(&l.file));
        if let Some(line) = l.line {
            let _ = write!(out, ",line={line}");
        }
        let _ = writeln!(
            out,
            ",title={}::{}",
            escape_property(&l.title),
            escape_data(&l.message)
        );
    }
    if more > 0 {
        let _ = writeln!(
            out,
            "::notice title=prr::{}",
            escape_data(&format!(
                "{more} more findings are not shown as annotations (GitHub shows 10 errors and 10 warnings per step); the job summary lists them all"
            ))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_untrusted_text_inside_its_command() {
        assert_eq!(escape_data("50%\r\n::stop"), "50%25%0D%0A::stop");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn outputs_use_a_delimiter_the_value_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        set_outputs(&path, &[("verdict", "fail".into()), ("x", "a\nb".into())]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap();
        let (name, delimiter) = first.split_once("<<").unwrap();
        assert_eq!(name, "verdict");
        assert_eq!(text.lines().nth(2), Some(delimiter));
        assert!(text.contains("\na\nb\n"));
    }
}
