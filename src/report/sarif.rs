//! `--format sarif`: SARIF 2.1.0, as `github/codeql-action/upload-sarif` and other code
//! scanning tools read it. Every rule that ran is in `tool.driver.rules`; every failing or
//! waived result is a SARIF result at its manifest line, a waived one with an external
//! suppression carrying the waiver's reason. URIs are relative to the repository root
//! (`%SRCROOT%`), or absolute `file:` URIs for a manifest outside it, and `partialFingerprints` come from manifest, rule and logical key, so an
//! alert stays the same alert when lines move.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::diff::Change;
use super::{uri_path, Report, ResultEntry, RuleInfo, Verdict};
use crate::engine::Status;

/// The schema the output declares (and validates against, in the tests).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The URI base every artifact location is relative to: the repository root.
pub const SRCROOT: &str = "%SRCROOT%";

/// The `partialFingerprints` key; bump its version if the fingerprint's recipe changes.
const FINGERPRINT_KEY: &str = "prrFinding/v1";

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// GitHub code scanning rejects a SARIF file over 10 MB (gzip-compressed); the file is
/// kept under that size uncompressed, so it is accepted however it is uploaded.
pub const MAX_BYTES: usize = 10_000_000;

/// Room kept for the note on what was left out and the rest of the log's frame.
const RESERVE: usize = 4_096;

/// The report as a SARIF 2.1.0 log with one run, pretty-printed, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
    render_noting(report).0
}

/// The log, and when results had to be left out to stay within GitHub's limits, a sentence
/// saying what was left out and how to get everything (for stderr; the run's
/// `properties.leftOut` says the same).
#[must_use]
pub fn render_noting(report: &Report) -> (String, Option<String>) {
    let (log, left_out) = log_within(report, MAX_RESULTS, MAX_BYTES);
    let mut text = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    (text, left_out.map(|l| l.sentence()))
}

/// The SARIF log as a JSON value, within GitHub's limits.
#[must_use]
pub fn log(report: &Report) -> Value {
    log_within(report, MAX_RESULTS, MAX_BYTES).0
}

/// What a log left out, counted by kind.
#[derive(Debug, Default)]
struct LeftOut {
    blocking: usize,
    other: usize,
    waived: usize,
}

impl LeftOut {
    fn total(&self) -> usize {
        self.blocking + self.other + self.waived
    }

    fn sentence(&self) -> String {
        format!(
            "the SARIF log leaves out {} result(s) ({} blocking, {} warnings and notes, {} waived) to stay within GitHub code scanning's limits ({MAX_RESULTS} results a run, {MAX_BYTES} bytes a file); blocking findings come first; `prr check --format json` gives every result",
            self.total(),
            self.blocking,
            self.other,
            self.waived
        )
    }

    fn properties(&self) -> Value {
        json!({
            "total": self.total(),
            "blocking": self.blocking,
            "warnings": self.other,
            "waived": self.waived,
            "why": format!("GitHub code scanning accepts at most {MAX_RESULTS} results a run and {MAX_BYTES} bytes a file"),
            "everything": "prr check --format json",
        })
    }
}

/// The log with at most `max_results` results and, pretty-printed, at most `max_bytes`:
/// blocking failures first, then warnings and notes, then waived findings, each in report
/// order; what does not fit is counted in the run's `properties.leftOut`.
fn log_within(report: &Report, max_results: usize, max_bytes: usize) -> (Value, Option<LeftOut>) {
    // At most MAX_LISTED findings of one rule in one manifest; the rest counted below.
    let listed = report.listed();
    let report = &*listed;
    let rule_index: BTreeMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    let rules: Vec<Value> = report.rules.iter().map(rule_descriptor).collect();
    let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
    // Numbered in report order, so that an alert keeps its fingerprint whatever is cut.
    let mut candidates: Vec<(u8, &ResultEntry, String, usize)> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Waived))
        .map(|r| {
            // Two findings with one key (two problems with one waiver) stay two alerts.
            let fingerprint = r.fingerprint();
            let seen = occurrences.entry(fingerprint.clone()).or_default();
            *seen += 1;
            let rank = if report.blocks(r) {
                0
            } else if r.status == Status::Fail {
                1
            } else {
                2
            };
            (rank, r, fingerprint, *seen)
        })
        .collect();
    candidates.sort_by_key(|(rank, ..)| *rank);
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "level": "error",
                "message": { "text": d.message },
                "locations": [{
                    "physicalLocation": physical_location(&d.file, d.line, d.column),
                }],
            })
        })
        .collect();
    let mut log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": rules,
                },
            },
            "invocations": [{
                "executionSuccessful": report.verdict != Verdict::Error,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": [],
            "properties": {
                "asOf": report.as_of,
                "verdict": report.verdict.to_string(),
            },
        }],
    });
    let frame = serde_json::to_string_pretty(&log).map_or(0, |t| t.len());
    let mut used = frame + RESERVE;
    let mut results = Vec::new();
    let mut left_out = LeftOut::default();
    for (rank, entry, fingerprint, nth) in candidates {
        let value = result(
            entry,
            rule_index.get(&*entry.rule).copied(),
            &fingerprint,
            nth,
        );
        // Pretty-printed inside the log, each line of a result is indented by eight more
        // spaces than on its own, and results are separated by ",\n".
        let size = serde_json::to_string_pretty(&value)
            .map_or(0, |t| t.len() + 8 * (t.matches('\n').count() + 1) + 2);
        if results.len() < max_results && used + size <= max_bytes {
            used += size;
            results.push(value);
        } else {
            match rank {
                0 => left_out.blocking += 1,
                1 => left_out.other += 1,
                _ => left_out.waived += 1,
            }
        }
    }
    log["runs"][0]["results"] = Value::Array(results);
    if !report.unlisted.is_empty() {
        log["runs"][0]["properties"]["unlisted"] = json!(report.unlisted);
    }
    if left_out.total() == 0 {
        return (log, None);
    }
    log["runs"][0]["properties"]["leftOut"] = left_out.properties();
    (log, Some(left_out))
}

fn rule_descriptor(rule: &RuleInfo) -> Value {
    let or_title = |text: &str| {
        if text.trim().is_empty() {
            rule.title.clone()
        } else {
            text.trim_end().to_owned()
        }
    };
    let mut descriptor = json!({
        "id": rule.id,
        "shortDescription": { "text": or_title(&rule.title) },
        "fullDescription": { "text": or_title(&rule.rationale) },
        "help": { "text": or_title(&rule.remediation) },
        "defaultConfiguration": { "level": rule.severity.to_string() },
        "properties": { "category": rule.category, "tags": [rule.category] },
    });
    if let Some(docs) = &rule.docs {
        descriptor["helpUri"] = json!(docs);
    }
    descriptor
}

fn result(entry: &ResultEntry, rule_index: Option<usize>, fingerprint: &str, nth: usize) -> Value {
    let (line, column) = entry
        .location
        .as_ref()
        .map_or((None, None), |l| (Some(l.line), Some(l.column)));
    let path = entry
        .location
        .as_ref()
        .map_or(&*entry.manifest, |l| &*l.path);
    // SARIF spells its levels as a severity displays itself: error, warning, note.
    let mut value = json!({
        "ruleId": entry.rule,
        "level": entry.severity.to_string(),
        "message": { "text": entry.message },
        "locations": [{
            "physicalLocation": physical_location(path, line, column),
        }],
        "partialFingerprints": { FINGERPRINT_KEY: format!("{fingerprint}:{nth}") },
    });
    if let Some(index) = rule_index {
        value["ruleIndex"] = json!(index);
    }
    if let Some(related) = &entry.related {
        value["relatedLocations"] = json!([{
            "id": 0,
            "physicalLocation": physical_location(&related.path, Some(related.line), Some(related.column)),
            "message": { "text": "the same fact, given differently" },
        }]);
    }
    // With --base, code scanning can tell what this change introduced.
    match entry.change {
        Some(Change::New) => value["baselineState"] = json!("new"),
        Some(Change::Existing) => value["baselineState"] = json!("unchanged"),
        Some(Change::Fixed) => value["baselineState"] = json!("absent"),
        None => {}
    }
    if let Some(key) = &entry.key {
        value["locations"][0]["logicalLocations"] = json!([{
            "fullyQualifiedName": key,
            "kind": "member",
        }]);
    }
    if entry.status == Status::Waived {
        let waiver = entry.waiver.as_ref();
        let mut suppression = json!({
            "kind": "external",
            "status": "accepted",
            "justification": waiver.map_or("", |w| w.reason.as_str()),
        });
        if let Some(w) = waiver {
            suppression["properties"] = json!({ "ticket": w.ticket, "expires": w.expires });
        }
        value["suppressions"] = json!([suppression]);
    }
    value
}

/// A place in a file; a finding without one points at the file's start, since code
/// scanning needs a region to show an alert.
fn physical_location(path: &str, line: Option<usize>, column: Option<usize>) -> Value {
    json!({
        "artifactLocation": artifact_location(path),
        "region": {
            "startLine": line.unwrap_or(1).max(1),
            "startColumn": column.unwrap_or(1).max(1),
        },
    })
}

/// Where a file is: relative to `%SRCROOT%` when the report's path is (inside the
/// repository), else an absolute `file:` URI of its own. SARIF forbids a `uriBaseId` beside
/// an absolute URI (SARIF1004), and a manifest named by an absolute path outside the
/// repository, or with no repository at all, keeps its absolute path in the report.
fn artifact_location(path: &str) -> Value {
    let slashed = path.replace('\\', "/");
    let bytes = slashed.as_bytes();
    let drive = bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && (bytes.len() == 2 || bytes[2] == b'/');
    if drive {
        // `C:/x` -> `file:///C:/x`: the drive's colon stays as it is.
        let (letter, rest) = slashed.split_at(2);
        json!({ "uri": format!("file:///{letter}{}", uri_path(rest)) })
    } else if let Some(share) = slashed.strip_prefix("//") {
        // A UNC path `//server/share/x` -> `file://server/share/x`.
        json!({ "uri": format!("file://{}", uri_path(share)) })
    } else if slashed.starts_with('/') {
        json!({ "uri": format!("file://{}", uri_path(&slashed)) })
    } else {
        json!({ "uri": uri_path(path), "uriBaseId": SRCROOT })
    }
}

#[cfg(test)]
mod tests {
    use super::artifact_location;
    use serde_json::json;

    #[test]
    fn a_relative_path_is_relative_to_the_source_root() {
        assert_eq!(
            artifact_location("svc a/prr.toml"),
            json!({ "uri": "svc%20a/prr.toml", "uriBaseId": "%SRCROOT%" })
        );
    }

    #[test]
    fn an_absolute_path_is_a_file_uri_without_a_base() {
        assert_eq!(
            artifact_location("/home/me/svc #1/prr.toml"),
            json!({ "uri": "file:///home/me/svc%20%231/prr.toml" })
        );
        assert_eq!(
            artifact_location("C:\\Users\\me\\prr.toml"),
            json!({ "uri": "file:///C:/Users/me/prr.toml" })
        );
        assert_eq!(
            artifact_location("//server/share/prr.toml"),
            json!({ "uri": "file://server/share/prr.toml" })
        );
    }
}
