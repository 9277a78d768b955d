//! `--format json`: the report, version 1, every key always present. At most
//! [`super::MAX_LISTED`] findings of one rule in one manifest are listed in `results`; the
//! rest are counted in `unlisted` (`manifest`, `rule`, `count`, `blocking`).

use super::{Report, ResultEntry};

/// The report as pretty JSON, ending in a newline.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&*report.listed())
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// Results rendered by one worker at a time when a report's results are written on every
/// core: under 1 MB of text.
const CHUNK: usize = 1024;

/// Writes the report as pretty JSON, streaming rather than building the text. A report of
/// many results (a monorepo's) has them rendered on every core, in chunks, and written in
/// order: the text is the same as [`render`]'s.
///
/// # Errors
/// The writer fails.
pub fn write_to(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let report = report.listed();
    let mut out = std::io::BufWriter::new(out);
    let chunks = report.results.len().div_ceil(CHUNK);
    let workers = crate::parallel::workers(chunks);
    // The rest of the report around an empty `results`, which the rendered results
    // replace. A key of the top-level object is the only text indented by two spaces after
    // a line break (strings hold no raw line break), so the place is found unambiguously.
    let marker = "\n  \"results\": []";
    let around = if workers > 1 {
        let around = serde_json::to_string_pretty(&report.without_results())?;
        around.find(marker).map(|at| (around, at))
    } else {
        None
    };
    let Some((around, at)) = around else {
        serde_json::to_writer_pretty(&mut out, &*report)?;
        out.write_all(b"\n")?;
        return out.flush();
    };
    out.write_all(&around.as_bytes()[..at])?;
    out.write_all(b"\n  \"results\": [")?;
    let pieces: Vec<&[ResultEntry]> = report.results.chunks(CHUNK).collect();
    let mut first = true;
    crate::parallel::in_order(pieces, workers, render_results, |text| {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        out.write_all(&text?)
    })?;
    out.write_all(b"\n  ]")?;
    out.write_all(&around.as_bytes()[at + marker.len()..])?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Results as elements of the top-level `results` array of pretty JSON (each on a new line,
/// indented four spaces, its fields six), separated by commas: the text serde writes for
/// them in the whole report, with the texts results share (a manifest's path, a rule's id,
/// title, category and remediation) escaped once each rather than once a result.
fn render_results(results: &[ResultEntry]) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::with_capacity(results.len() * 800);
    let mut shared = Shared::default();
    for (n, result) in results.iter().enumerate() {
        if n > 0 {
            text.push(b',');
        }
        text.extend_from_slice(b"\n    {");
        let field = |text: &mut Vec<u8>, key: &str, first: bool| {
            text.extend_from_slice(if first { b"\n      \"" } else { b",\n      \"" });
            text.extend_from_slice(key.as_bytes());
            text.extend_from_slice(b"\": ");
        };
        field(&mut text, "manifest", true);
        shared.write(&mut text, &result.manifest)?;
        field(&mut text, "rule", false);
        shared.write(&mut text, &result.rule)?;
        field(&mut text, "title", false);
        shared.write(&mut text, &result.title)?;
        field(&mut text, "category", false);
        shared.write(&mut text, &result.category)?;
        field(&mut text, "severity", false);
        serde_json::to_writer(&mut text, &result.severity)?;
        field(&mut text, "status", false);
        serde_json::to_writer(&mut text, &result.status)?;
        field(&mut text, "message", false);
        serde_json::to_writer(&mut text, &result.message)?;
        field(&mut text, "remediation", false);
        shared.write(&mut text, &result.remediation)?;
        field(&mut text, "location", false);
        nested(&mut text, result.location.as_ref())?;
        field(&mut text, "key", false);
        serde_json::to_writer(&mut text, &result.key)?;
        field(&mut text, "waiver", false);
        nested(&mut text, result.waiver.as_ref())?;
        field(&mut text, "change", false);
        serde_json::to_writer(&mut text, &result.change)?;
        field(&mut text, "unverified", false);
        serde_json::to_writer(&mut text, &result.unverified)?;
        field(&mut text, "related", false);
        nested(&mut text, result.related.as_ref())?;
        text.extend_from_slice(b"\n    }");
    }
    Ok(text)
}

/// The JSON strings of the texts results share, each escaped once, by address (every text
/// is alive while the results are written, so no two share one).
#[derive(Default)]
struct Shared {
    escaped: std::collections::HashMap<usize, Vec<u8>>,
}

impl Shared {
    fn write(&mut self, text: &mut Vec<u8>, value: &std::sync::Arc<str>) -> std::io::Result<()> {
        let address = std::sync::Arc::as_ptr(value).cast::<u8>() as usize;
        if let Some(escaped) = self.escaped.get(&address) {
            text.extend_from_slice(escaped);
            return Ok(());
        }
        let escaped = serde_json::to_vec(&**value)?;
        text.extend_from_slice(&escaped);
        self.escaped.insert(address, escaped);
        Ok(())
    }
}

/// A field's object (or null) as pretty JSON at the depth of a result's fields. Every other
/// field is a string, a number, a boolean or null, the same compact as pretty.
fn nested(text: &mut Vec<u8>, value: Option<&impl serde::Serialize>) -> std::io::Result<()> {
    let Some(value) = value else {
        text.extend_from_slice(b"null");
        return Ok(());
    };
    let mut one = Vec::new();
    serde_json::to_writer_pretty(&mut one, value)?;
    for (n, line) in one.split(|&b| b == b'\n').enumerate() {
        if n > 0 {
            text.extend_from_slice(b"\n      ");
        }
        text.extend_from_slice(line);
    }
    Ok(())
}

/// Reads a report written by `--format json`.
///
/// # Errors
/// The text is not a version-1 report; the message names line and column.
pub fn parse(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use crate::manifest::Manifest;
    use crate::report::{FailOn, Judged, Report};
    use crate::rules::{self, RulesSource};

    /// A report of `services` manifests judged by the built-in pack: the ready example and
    /// the unready one in turn (findings with locations and keys), some results given a
    /// waiver, a change, a related place and quotes and line breaks to escape.
    fn report_of(services: usize) -> Report {
        let rules = rules::load(&[RulesSource::Builtin], std::path::Path::new("."))
            .expect("the built-in pack loads");
        let texts = [
            include_str!("../../examples/ready/prr.toml"),
            include_str!("../../examples/unready/prr.toml"),
        ];
        let as_of = "2026-11-21".parse().expect("a date");
        let manifests: Vec<Manifest> = (0..services)
            .map(|n| {
                Manifest::from_text(&format!("services/svc \"{n:04}\"/prr.toml"), texts[n % 2])
                    .expect("the example parses")
            })
            .collect();
        let judged = manifests
            .iter()
            .map(|manifest| Judged::Evaluated {
                source: &manifest.source,
                evaluation: crate::engine::evaluate(manifest, &rules, as_of),
            })
            .collect();
        let mut report = Report::build(judged, &rules, "2026-11-21", FailOn::Error);
        for (n, result) in report
            .results
            .iter_mut()
            .enumerate()
            .filter(|(n, _)| n % 7 == 0)
        {
            result.message.push_str("\n\t\"quoted\" \\ \u{7}");
            result.waiver = (n % 2 == 0).then(|| {
                Box::new(crate::engine::WaiverInfo {
                    reason: "a \"reason\"".to_owned(),
                    ticket: "OPS-1".to_owned(),
                    expires: "2027-01-01".to_owned(),
                })
            });
            result.change = Some(crate::report::Change::New);
            result.unverified = n % 3 == 0;
            result.related = result.location.clone().map(Box::new);
        }
        report
    }

    #[test]
    fn results_written_on_every_core_read_as_the_report_rendered_on_one() {
        let report = report_of(300);
        assert!(report.results.len() > 2 * super::CHUNK, "several chunks");
        assert!(report
            .results
            .iter()
            .any(|r| r.location.is_some() && r.key.is_some()));
        let mut written = Vec::new();
        super::write_to(&report, &mut written).expect("written");
        assert_eq!(
            String::from_utf8(written).expect("utf-8"),
            super::render(&report)
        );
        // And one that fits in one chunk, and one with no results at all.
        for report in [
            report_of(2),
            Report::unjudged(&[], "2026-11-21", FailOn::Error),
        ] {
            let mut written = Vec::new();
            super::write_to(&report, &mut written).expect("written");
            assert_eq!(
                String::from_utf8(written).expect("utf-8"),
                super::render(&report)
            );
        }
    }
}
