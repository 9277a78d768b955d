//! `prr rules lint`: a pack's own rules judged as rules. Load problems (syntax errors, bad
//! regexes, schemas or builtin parameters, duplicate ids, overrides of unknown rules) are
//! reported with the rest rather than stopping at the first: every problem of every file
//! in one run. A rule whose check does not compile is still judged on its documentation
//! and examples, from the rule as written.

use std::fmt;

use jiff::civil::Date;

use crate::rules::compile::RawRule;
use crate::rules::{Expect, Loaded};

/// How much a lint finding matters: an error fails `prr rules lint` (exit 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One problem in a pack, at its file:line:column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintFinding {
    pub level: Level,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.level, self.message
        )
    }
}

/// Whether an id has the form `category.name` (lowercase letters, digits and `-`).
#[must_use]
pub fn is_valid_id(id: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    id.split_once('.')
        .is_some_and(|(category, name)| part(category) && part(name))
}

/// Every problem of the pack's own rules (inherited rules are their own pack's business),
/// in file and line order. `today` judges `enforce_after`.
#[must_use]
pub fn lint(loaded: &Loaded, today: Date) -> Vec<LintFinding> {
    let mut findings: Vec<LintFinding> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.position();
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str(&format!(" (help: {help})"));
            }
            LintFinding {
                level: Level::Error,
                file: d.file.clone(),
                line: at.map_or(1, |at| at.line),
                column: at.map_or(1, |at| at.column),
                message,
            }
        })
        .collect();
    for rule in own_rules(loaded) {
        findings.extend(lint_rule(rule, &loaded.rules.levels, today));
    }
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.level).cmp(&(&b.file, b.line, b.column, b.level))
    });
    findings.dedup();
    findings
}

/// The rules the pack named defines, as written (whether or not their check compiled).
pub fn own_rules(loaded: &Loaded) -> impl Iterator<Item = &RawRule> {
    loaded
        .written
        .iter()
        .filter(|r| loaded.own.contains(&r.pack))
}

fn lint_rule(rule: &RawRule, levels: &[String], today: Date) -> Vec<LintFinding> {
    let def = &rule.def;
    let id = def.id.get_ref();
    let text = |field: &Option<String>| field.as_deref().unwrap_or_default().trim().to_owned();
    let mut problems: Vec<(Level, String)> = Vec::new();
    let error = |message: String| (Level::Error, message);
    if !is_valid_id(id) {
        problems.push(error(format!(
            "rule id `{id}` is not of the form `category.name` (lowercase letters, digits and `-`, such as `oncall.rotation`)"
        )));
    }
    let title = text(&def.title);
    if title.is_empty() || title == *id {
        problems.push(error(format!(
            "rule `{id}` has no title: add `title = \"...\"`, one line that says what holds when it passes"
        )));
    }
    if text(&def.rationale).is_empty() {
        problems.push(error(format!(
            "rule `{id}` has no rationale: add `rationale = \"...\"`, why the rule matters"
        )));
    }
    if text(&def.remediation).is_empty() {
        problems.push(error(format!(
            "rule `{id}` has no remediation: add `remediation = \"...\"`, what to write to pass, with an example"
        )));
    }
    for (expect, word) in [(Expect::Pass, "passing"), (Expect::Fail, "failing")] {
        if !def.test.iter().any(|t| t.get_ref().expect == expect) {
            problems.push(error(format!(
                "rule `{id}` has no {word} example: add a [[rule.test]] with `expect = \"{expect}\"`"
            )));
        }
    }
    if let (Some(category), Some(written)) = (id.split_once('.').map(|(c, _)| c), &def.category) {
        if written != category {
            problems.push((
                Level::Warning,
                format!("rule `{id}` is in category `{written}`, and its id says `{category}`"),
            ));
        }
    }
    if def.level.is_none() && !levels.is_empty() {
        problems.push((
            Level::Warning,
            format!(
                "rule `{id}` has no `level`, and the pack has levels ({}): its failure blocks the gate but costs no level, so a service that fails it can still reach the highest; add `level = \"{}\"` (or the level it belongs to)",
                levels.join(", "),
                levels[0]
            ),
        ));
    }
    let enforce_after = def
        .enforce_after
        .as_ref()
        .and_then(|d| d.get_ref().date)
        .and_then(|d| {
            Date::new(
                i16::try_from(d.year).ok()?,
                i8::try_from(d.month).ok()?,
                i8::try_from(d.day).ok()?,
            )
            .ok()
        });
    if let Some(from) = enforce_after {
        if from <= today {
            problems.push((
                Level::Warning,
                format!(
                    "rule `{id}`: `enforce_after = {from}` is past, so the rule already blocks; remove `enforce_after`"
                ),
            ));
        }
    }
    let at = rule.source.line_col(rule.span.start);
    problems
        .into_iter()
        .map(|(level, message)| LintFinding {
            level,
            file: rule.source.name.clone(),
            line: at.line,
            column: at.column,
            message,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_category_dot_name() {
        for good in ["oncall.rotation", "slo.target-for-tier", "pci.tls-1-2"] {
            assert!(is_valid_id(good), "{good}");
        }
        for bad in [
            "oncall",
            "Oncall.rotation",
            "a.b.c",
            ".x",
            "x.",
            "a_b.c",
            "a.b c",
        ] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }
}
