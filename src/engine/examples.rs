//! Running a pack's `[[rule.test]]` examples: each example manifest judged by its rule
//! alone, the outcome compared with what the example expects.

use jiff::civil::Date;

use super::{evaluate_rule, Status};
use crate::manifest::{import, Format, Manifest};
use crate::rules::{Expect, Rule, RuleSet, RuleTest};

/// What became of one example.
#[derive(Debug)]
pub struct ExampleResult<'a> {
    pub rule: &'a Rule,
    pub test: &'a RuleTest,
    /// What the rule gave (`None` when the example manifest itself could not be parsed).
    pub actual: Option<Expect>,
    /// The rule's messages for the example, or the parse error.
    pub messages: Vec<String>,
}

impl ExampleResult<'_> {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.actual == Some(self.test.expect)
    }
}

/// Runs every example of the rules `select` keeps; an example without `as_of` is judged
/// as of `today`.
#[must_use]
pub fn run<'a>(
    rules: &'a RuleSet,
    today: Date,
    select: impl Fn(&Rule) -> bool,
) -> Vec<ExampleResult<'a>> {
    let mut results = Vec::new();
    for rule in rules.rules.iter().filter(|r| select(r)) {
        for test in &rule.tests {
            let name = match test.format {
                Format::Json => "example.prr.json",
                Format::Toml => "example.prr.toml",
            };
            let parsed = Manifest::from_text(name, &test.manifest)
                .map_err(|diagnostic| vec![diagnostic])
                .and_then(|mut manifest| {
                    // An example's imports are read from its files.
                    let files = test.facts.files.clone().unwrap_or_default();
                    import::resolve(&mut manifest, &files, &rules.imports)?;
                    Ok(manifest)
                });
            let (actual, messages) = match parsed {
                Err(diagnostics) => (None, diagnostics.iter().map(ToString::to_string).collect()),
                Ok(mut manifest) => {
                    let facts = test.facts.facts(&mut manifest);
                    let as_of = test.as_of.unwrap_or(today);
                    let evaluation = evaluate_rule(&manifest, rules, as_of, &facts, &rule.id);
                    let mine: Vec<_> = evaluation
                        .findings
                        .iter()
                        .filter(|f| f.rule == rule.id)
                        .collect();
                    let actual = if mine.iter().any(|f| f.status == Status::Fail) {
                        Expect::Fail
                    } else if mine.iter().any(|f| f.status == Status::Skipped) {
                        Expect::Skip
                    } else {
                        Expect::Pass
                    };
                    (
                        Some(actual),
                        mine.iter().map(|f| f.message.clone()).collect(),
                    )
                }
            };
            results.push(ExampleResult {
                rule,
                test,
                actual,
                messages,
            });
        }
    }
    results
}
