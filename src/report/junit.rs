//! `--format junit`: JUnit XML in the Apache Ant schema that Jenkins, GitLab and Azure
//! DevOps read. One `testsuite` per service (manifest), one `testcase` per result: a
//! `failure` (typed by its effective severity) for a failing finding, `skipped` for a
//! skipped rule or a waived finding, and an `error` for a manifest that could not be
//! judged.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::{Report, ResultEntry, ServiceReport, Verdict};
use crate::engine::Status;

/// The report as a JUnit XML document, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
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
    let failures = results.iter().filter(|r| r.status == Status::Fail).count();
    let skipped = results
        .iter()
        .filter(|r| matches!(r.status, Status::Skipped | Status::Waived))
        .count();
    let counts = [
        ("tests", results.len() + unjudged),
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
            for result in results {
                testcase(writer, &name, result)?;
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

fn testcase(writer: &mut Writer<Vec<u8>>, classname: &str, result: &ResultEntry) -> io::Result<()> {
    // A rule with several findings gives several test cases: the logical key tells them apart.
    let name = xml_text(&match &result.key {
        Some(key) => format!("{} [{key}]", result.rule),
        None => result.rule.to_string(),
    });
    let message = xml_text(&format!("{}{}", super::diff::tag(result), result.message));
    let element = writer
        .create_element("testcase")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("classname", classname))
        .with_attribute(("time", "0"));
    match result.status {
        Status::Pass => {
            element.write_empty()?;
        }
        Status::Fail => {
            let place = result.location.as_ref().map_or_else(
                || result.manifest.to_string(),
                |l| format!("{}:{}:{}", l.path, l.line, l.column),
            );
            let body = xml_text(&format!(
                "{}\nat {place}\n\n{}",
                result.message,
                result.remediation.trim_end()
            ));
            let severity = result.severity.to_string();
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
            let message = match (&result.waiver, result.status) {
                (Some(w), Status::Waived) => xml_text(&format!(
                    "waived until {}: {} ({}); {}",
                    w.expires, w.reason, w.ticket, result.message
                )),
                _ => message,
            };
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
