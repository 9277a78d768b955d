//! `--format gitlab`: GitLab's Code Quality report, the Code Climate subset that
//! `artifacts:reports:codequality` reads (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>).
//! One issue per failing finding, and one per file that could not be judged.
//!
//! GitLab compares the report of a merge request's pipeline with its target branch's by
//! `fingerprint`, and shows the difference (new and fixed findings) in the merge request
//! widget. The fingerprint is therefore the key `--base` matches on (manifest, rule,
//! logical key; never a line), so an edit above a finding does not show it as fixed and
//! new again. A second finding with the same key gets that key's hash with its occurrence
//! number, since GitLab keeps one issue per fingerprint.
//!
//! The report needs no token and no API: it is the fork-safe way to show findings in a
//! merge request.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{diff, Report, ResultEntry};
use crate::engine::Status;
use crate::rules::Severity;

/// The `check_name` of a file that could not be judged (a manifest or rule file that does
/// not parse): not a rule id, since no rule ran.
pub const COULD_NOT_JUDGE: &str = "prr.could-not-judge";

/// The report as a Code Quality JSON array, pretty-printed, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&issues(report))
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// The issues: the files that could not be judged first, then every failure in report
/// order.
#[must_use]
pub fn issues(report: &Report) -> Value {
    let mut issues: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let description = match &d.help {
                Some(help) => format!("prr could not judge this file: {} ({help})", d.message),
                None => format!("prr could not judge this file: {}", d.message),
            };
            issue(
                description,
                COULD_NOT_JUDGE,
                hex(&Sha256::digest(
                    format!("{COULD_NOT_JUDGE}\0{}\0{}", d.file, d.message).as_bytes(),
                )),
                "blocker",
                &d.file,
                d.line,
            )
        })
        .collect();
    let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
    for result in report.results.iter().filter(|r| r.status == Status::Fail) {
        let key = result.fingerprint();
        let seen = occurrences.entry(key.clone()).or_default();
        *seen += 1;
        let fingerprint = if *seen == 1 {
            key
        } else {
            hex(&Sha256::digest(format!("{key}:{seen}").as_bytes()))
        };
        let (path, line) = result
            .location
            .as_ref()
            .map_or((&*result.manifest, None), |l| (&*l.path, Some(l.line)));
        issues.push(issue(
            format!("{}{}: {}", diff::tag(result), result.title, result.message),
            &result.rule,
            fingerprint,
            severity(report, result),
            path,
            line,
        ));
    }
    Value::Array(issues)
}

/// GitLab's scale (info, minor, major, critical, blocker) from prr's: what blocks this
/// gate is critical, an error that does not (an existing failure under `--fail-on new`) is
/// major, a warning minor, a note info. Blocker is kept for a file that could not be judged.
fn severity(report: &Report, result: &ResultEntry) -> &'static str {
    if report.blocks(result) {
        return "critical";
    }
    match result.severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Note => "info",
    }
}

fn issue(
    description: String,
    check_name: &str,
    fingerprint: String,
    severity: &str,
    path: &str,
    line: Option<usize>,
) -> Value {
    json!({
        "description": description,
        "check_name": check_name,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {
            "path": path,
            // GitLab needs a line to place an issue; a finding about a whole file is on its first.
            "lines": { "begin": line.unwrap_or(1).max(1) },
        },
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
