//! `--format github`: GitHub Actions workflow commands, which become annotations on the
//! lines of the pull request. GitHub shows at most 10 errors, 10 warnings and 10 notices of
//! a step: blocking findings come first, and past those limits one notice says how many
//! more there are and that the job summary has them all. (The caller appends the Markdown
//! report to `GITHUB_STEP_SUMMARY`; this renderer only returns text.)

use std::fmt::Write as _;

use super::{Report, ResultEntry};
use crate::engine::Status;
use crate::rules::Severity;

/// How many annotations of each kind GitHub shows for one step.
pub const MAX_PER_KIND: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Command {
    Error,
    Warning,
    Notice,
}

impl Command {
    fn name(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }
}

/// The workflow commands for the report, one per line.
#[must_use]
pub fn render(report: &Report) -> String {
    let listed = report.listed();
    let report = &*listed;
    // Problems that stopped a manifest from being judged come before findings, and
    // blocking findings before the rest; within each, the report's order.
    let mut annotations: Vec<(Command, Annotation)> = report
        .diagnostics
        .iter()
        .map(|d| {
            (
                Command::Error,
                Annotation {
                    file: Some(d.file.clone()),
                    line: d.line,
                    column: d.column,
                    title: "prr could not judge this file".to_owned(),
                    message: match &d.help {
                        Some(help) => format!("{}\n{help}", d.message),
                        None => d.message.clone(),
                    },
                },
            )
        })
        .collect();
    let mut findings: Vec<(Command, Annotation)> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| (command(report, r), Annotation::of(r)))
        .collect();
    findings.sort_by_key(|(command, _)| *command);
    annotations.extend(findings);

    let mut out = String::new();
    let mut shown = [0_usize; 3];
    let mut left_out: usize = report.unlisted.iter().map(|u| u.count).sum();
    for (command, annotation) in &annotations {
        // One notice is kept for the line that counts what was left out.
        let room = match command {
            Command::Notice => MAX_PER_KIND - 1,
            Command::Error | Command::Warning => MAX_PER_KIND,
        };
        let count = &mut shown[*command as usize];
        if *count < room {
            *count += 1;
            annotation.write(&mut out, *command);
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "::notice title=prr%3A {left_out} more::{}",
            escape_data(&format!(
                "{left_out} more {} not annotated here (GitHub shows {MAX_PER_KIND} errors and {MAX_PER_KIND} warnings per step); the job summary lists them all.",
                if left_out == 1 { "finding is" } else { "findings are" }
            ))
        );
    }
    out
}

/// Blocking findings are errors whatever their severity; the rest keep their own level.
fn command(report: &Report, result: &ResultEntry) -> Command {
    if report.blocks(result) {
        return Command::Error;
    }
    match result.severity {
        Severity::Error | Severity::Warning => Command::Warning,
        Severity::Note => Command::Notice,
    }
}

struct Annotation {
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    title: String,
    message: String,
}

impl Annotation {
    fn of(result: &ResultEntry) -> Self {
        let location = result.location.as_ref();
        Self {
            file: Some(location.map_or(&*result.manifest, |l| &*l.path).to_owned()),
            line: location.map(|l| l.line),
            column: location.map(|l| l.column),
            title: if result.title.is_empty() {
                format!("{}{}", super::diff::tag(result), result.rule)
            } else {
                format!(
                    "{}{}: {}",
                    super::diff::tag(result),
                    result.rule,
                    result.title
                )
            },
            message: result.message.clone(),
        }
    }

    /// `::error file=F,line=L,col=C,title=T::message`, each part escaped as GitHub reads it.
    fn write(&self, out: &mut String, command: Command) {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            properties.push(format!("line={line}"));
        }
        if let Some(column) = self.column {
            properties.push(format!("col={column}"));
        }
        properties.push(format!("title={}", escape_property(&self.title)));
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command.name(),
            properties.join(","),
            escape_data(&self.message)
        );
    }
}

/// A command's message: `%`, CR and LF are percent-encoded, so a message cannot end the
/// command or start another one.
#[must_use]
pub fn escape_data(text: &str) -> String {
    super::escape::workflow_data(text)
}

/// A command's property value: as data, and also `:` and `,`, which end a value.
#[must_use]
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_github_reads_them() {
        assert_eq!(
            escape_data("50% down\r\n::error::x"),
            "50%25 down%0D%0A::error::x"
        );
        assert_eq!(escape_property("a:b,c%\nd"), "a%3Ab%2Cc%25%0Ad");
    }
}
