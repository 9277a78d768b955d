//! `--format junit`: JUnit XML in the Apache Ant schema that Jenkins, GitLab and Azure
//! DevOps read. One `testsuite` per service (manifest), one `testcase` per rule that ran
//! on it, named by the rule's id: those tools follow a test over time by its name, so the
//! number of tests must not move with the number of findings. A rule that fails is a
//! `failure` (typed by its highest effective severity) whose body lists every finding; a
//! skipped rule, or one whose findings are all waived, is `skipped`; a manifest that could
//! not be judged is an `error`.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::{Report, ResultEntry, ServiceReport, Verdict};
use crate::engine::Status;
use crate::rules::Severity;

/// The report as a JUnit XML document, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
    let listed = report.listed();
    let report = &*listed;
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into memory cannot fail; an error would only cut the document short.
    let _ = write(&mut writer, report);
    let mut text = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    text.push('\n');
    text
}

fn write(writer: &mut Writer<Vec<u8>>, report: &Report) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let by_manifest = report.results_by_manifest();
    writer
        .create_element("testsuites")
        .write_inner_content(|writer| {
            for (id, service) in report.services.iter().enumerate() {
                let results = by_manifest
                    .get(service.manifest.as_str())
                    .map_or(&[][..], Vec::as_slice);
                suite(writer, report, id, service, results)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn suite(
    writer: &mut Writer<Vec<u8>>,
    report: &Report,
    id: usize,
    service: &ServiceReport,
    results: &[&ResultEntry],
) -> io::Result<()> {
    let diagnostics: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.file == service.manifest)
        .collect();
    let unjudged = usize::from(service.verdict == Verdict::Error);
    let name = xml_text(service.service.name.as_deref().unwrap_or(&service.manifest));
    let cases = cases(results);
    let failures = cases.iter().filter(|c| outcome(c) == Status::Fail).count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(outcome(c), Status::Skipped | Status::Waived))
        .count();
    let counts = [
        ("tests", cases.len() + unjudged),
        ("failures", failures),
        ("errors", unjudged),
        ("skipped", skipped),
    ]
    .map(|(key, n)| (key, n.to_string()));
    let timestamp = format!("{}T00:00:00", report.as_of);
    let id = id.to_string();
    let manifest = xml_text(&service.manifest);
    let mut element = writer
        .create_element("testsuite")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("package", manifest.as_str()))
        .with_attribute(("id", id.as_str()))
        .with_attribute(("timestamp", timestamp.as_str()))
        // Required by the schema; the report is the same wherever it was made.
        .with_attribute(("hostname", "prr"));
    for (key, value) in &counts {
        element = element.with_attribute((*key, value.as_str()));
    }
    element
        .with_attribute(("time", "0"))
        .write_inner_content(|writer| {
            properties(writer, report, service)?;
            if unjudged == 1 {
                let message = diagnostics
                    .iter()
                    .map(|d| match (d.line, d.column) {
                        (Some(line), Some(column)) => {
                            format!("{}:{line}:{column}: {}", d.file, d.message)
                        }
                        _ => format!("{}: {}", d.file, d.message),
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                writer
                    .create_element("testcase")
                    .with_attribute(("name", "manifest"))
                    .with_attribute(("classname", manifest.as_str()))
                    .with_attribute(("time", "0"))
                    .write_inner_content(|writer| {
                        let message = xml_text(&message);
                        writer
                            .create_element("error")
                            .with_attribute(("type", "unjudged"))
                            .with_attribute(("message", message.as_str()))
                            .write_text_content(BytesText::new(&message))?;
                        Ok(())
                    })?;
            }
            for case in &cases {
                let unlisted = case.first().and_then(|first| {
                    report
                        .unlisted
                        .iter()
                        .find(|u| u.manifest == service.manifest && *u.rule == *first.rule)
                });
                testcase(writer, &name, case, unlisted)?;
            }
            writer.create_element("system-out").write_empty()?;
            writer.create_element("system-err").write_empty()?;
            Ok(())
        })?;
    Ok(())
}

fn properties(
    writer: &mut Writer<Vec<u8>>,
    report: &Report,
    service: &ServiceReport,
) -> io::Result<()> {
    let mut pairs = vec![
        ("as_of", report.as_of.clone()),
        ("verdict", service.verdict.to_string()),
        ("manifest", service.manifest.clone()),
    ];
    if let Some(tier) = service.service.tier {
        pairs.push(("tier", tier.to_string()));
    }
    if let Some(lifecycle) = &service.service.lifecycle {
        pairs.push(("lifecycle", lifecycle.clone()));
    }
    writer
        .create_element("properties")
        .write_inner_content(|writer| {
            for (name, value) in &pairs {
                let value = xml_text(value);
                writer
                    .create_element("property")
                    .with_attribute(("name", *name))
                    .with_attribute(("value", value.as_str()))
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

/// A service's results cut into one slice per rule (they come sorted by rule).
fn cases<'a, 'r>(results: &'a [&'r ResultEntry]) -> Vec<&'a [&'r ResultEntry]> {
    let mut cases = Vec::new();
    let mut start = 0;
    for i in 1..=results.len() {
        if results
            .get(i)
            .is_none_or(|next| next.rule != results[start].rule)
        {
            cases.push(&results[start..i]);
            start = i;
        }
    }
    cases
}

/// What a rule's test case reports: a failure if any finding fails, else skipped if any is
/// skipped or waived, else a pass.
fn outcome(case: &[&ResultEntry]) -> Status {
    if case.iter().any(|r| r.status == Status::Fail) {
        Status::Fail
    } else if case.iter().any(|r| r.status == Status::Waived) {
        Status::Waived
    } else if case.iter().any(|r| r.status == Status::Skipped) {
        Status::Skipped
    } else {
        Status::Pass
    }
}

fn place(result: &ResultEntry) -> String {
    result.location.as_ref().map_or_else(
        || result.manifest.to_string(),
        |l| format!("{}:{}:{}", l.path, l.line, l.column),
    )
}

/// One rule's test case on one service, with every finding of the rule in its body.
fn testcase(
    writer: &mut Writer<Vec<u8>>,
    classname: &str,
    case: &[&ResultEntry],
    unlisted: Option<&super::Unlisted>,
) -> io::Result<()> {
    let Some(first) = case.first() else {
        return Ok(());
    };
    let name = xml_text(&first.rule);
    let element = writer
        .create_element("testcase")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("classname", classname))
        .with_attribute(("time", "0"));
    match outcome(case) {
        Status::Pass => {
            element.write_empty()?;
        }
        Status::Fail => {
            let failing: Vec<&&ResultEntry> =
                case.iter().filter(|r| r.status == Status::Fail).collect();
            let message = match failing.len() + unlisted.map_or(0, |u| u.count) {
                1 => format!("{}{}", super::diff::tag(failing[0]), failing[0].message),
                n => format!(
                    "{n} findings: {}{}",
                    super::diff::tag(failing[0]),
                    failing[0].message
                ),
            };
            let mut body = String::new();
            for result in case {
                let waived = if result.status == Status::Waived {
                    "(waived) "
                } else {
                    ""
                };
                body.push_str(&format!(
                    "{waived}{}{}\nat {}\n\n",
                    super::diff::tag(result),
                    result.message,
                    place(result)
                ));
            }
            if let Some(unlisted) = unlisted {
                body.push_str(&format!("{}\n\n", unlisted.sentence()));
            }
            body.push_str(first.remediation.trim_end());
            let (message, body) = (xml_text(&message), xml_text(&body));
            let severity = failing
                .iter()
                .map(|r| r.severity)
                .max_by_key(|s| severity_rank(*s))
                .unwrap_or(first.severity)
                .to_string();
            element.write_inner_content(|writer| {
                writer
                    .create_element("failure")
                    .with_attribute(("message", message.as_str()))
                    .with_attribute(("type", severity.as_str()))
                    .write_text_content(BytesText::new(&body))?;
                Ok(())
            })?;
        }
        Status::Skipped | Status::Waived => {
            let message = case
                .iter()
                .map(|result| match (&result.waiver, result.status) {
                    (Some(w), Status::Waived) => format!(
                        "waived until {}: {} ({}); {}",
                        w.expires, w.reason, w.ticket, result.message
                    ),
                    _ => format!("{}{}", super::diff::tag(result), result.message),
                })
                .collect::<Vec<_>>()
                .join("\n");
            let message = xml_text(&message);
            element.write_inner_content(|writer| {
                writer
                    .create_element("skipped")
                    .with_attribute(("message", message.as_str()))
                    .write_empty()?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Errors above warnings above notes.
fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Error => 2,
        Severity::Warning => 1,
        Severity::Note => 0,
    }
}

/// Text that XML 1.0 can carry: control characters (which a TOML string may hold) are
/// not allowed even as character references, so they become U+FFFD.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}
