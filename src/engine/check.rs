//! Evaluating a compiled check against one manifest. Pure: no I/O, no clock.

use jiff::civil::Date;
use serde_json::Value as Json;

use crate::manifest::{Node, Value};
use crate::rules::builtin::{date_of, days_between, Context, Failure, Outcome};
use crate::rules::{Assertion, Check, Op};

/// The outcome of `check` on the manifest in `cx`.
#[must_use]
pub fn evaluate(check: &Check, cx: &Context<'_>) -> Outcome {
    match check {
        Check::Require(paths) => {
            let mut failures = Vec::new();
            let mut present = Vec::new();
            for path in paths {
                for hit in path.resolve(&cx.manifest.root) {
                    match hit.node {
                        Some(node) if node.is_present() => present.push(hit.key),
                        Some(node) => failures.push(Failure::new(
                            format!("`{}` is {}", hit.key, emptiness(node)),
                            hit.key,
                            node.span,
                        )),
                        None => failures.push(Failure::new(
                            format!("`{}` is missing: {}", hit.key, hit.what_to_add()),
                            hit.key,
                            hit.anchor,
                        )),
                    }
                }
            }
            let passed = if present.is_empty() {
                "nothing to require (no matching elements)".to_owned()
            } else {
                format!("present: {}", present.join(", "))
            };
            Outcome::fail(failures, passed)
        }
        Check::Assert(assertion) => assert(assertion, cx),
        Check::Schema(schema) => {
            let failures = schema
                .validate(cx.manifest)
                .into_iter()
                .map(|v| Failure::new(v.message, v.key, v.span))
                .collect();
            Outcome::fail(failures, "the manifest meets the rule's schema")
        }
        Check::Builtin(builtin) => builtin.evaluate(cx),
        Check::All(checks) => {
            let outcomes: Vec<Outcome> = checks.iter().map(|c| evaluate(c, cx)).collect();
            let passed = outcomes
                .iter()
                .map(|o| o.passed.as_str())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            // `require` and an `assert` on one key both find it missing: that is one
            // finding, reported and counted once.
            let mut seen = std::collections::HashSet::new();
            let failures = outcomes
                .into_iter()
                .flat_map(|o| o.failures)
                .filter(|f| seen.insert((f.key.clone(), f.message.clone())))
                .collect();
            Outcome::fail(failures, passed)
        }
        Check::Any(checks) => {
            let outcomes: Vec<Outcome> = checks.iter().map(|c| evaluate(c, cx)).collect();
            if let Some(held) = outcomes.iter().find(|o| o.failures.is_empty()) {
                return Outcome::pass(held.passed.clone());
            }
            let failures: Vec<&Failure> = outcomes.iter().flat_map(|o| &o.failures).collect();
            let Some(first) = failures.first() else {
                return Outcome::pass("");
            };
            let message = format!(
                "none of the alternatives holds: {}",
                failures
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; or ")
            );
            Outcome::fail(
                vec![Failure::new(message, first.key.clone(), first.span)],
                "",
            )
        }
    }
}

fn emptiness(node: &Node) -> &'static str {
    if node.is_todo() {
        return "still a TODO";
    }
    match node.value {
        Value::Null => "null",
        Value::Bool(false) => "false",
        Value::Array(_) => "an empty list",
        Value::Table(_) => "an empty table",
        _ => "empty",
    }
}

fn assert(assertion: &Assertion, cx: &Context<'_>) -> Outcome {
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    for hit in assertion.path.resolve(&cx.manifest.root) {
        let Some(node) = hit.node.filter(|n| !matches!(n.value, Value::Null)) else {
            if !assertion.optional {
                failures.push(Failure::new(
                    format!("`{}` is missing: {}", hit.key, hit.what_to_add()),
                    hit.key,
                    hit.anchor,
                ));
            }
            continue;
        };
        let problems: Vec<String> = assertion
            .ops
            .iter()
            .filter_map(|op| judge(op, node, cx.as_of))
            .collect();
        if problems.is_empty() {
            checked.push(format!("`{}` = {}", hit.key, node.describe()));
        } else if node.is_todo() {
            // A placeholder left by `prr init`: what to write is the rule's remediation, not
            // every value the assertion would take.
            failures.push(Failure::new(
                format!("`{}` is still a TODO", hit.key),
                hit.key,
                node.span,
            ));
        } else {
            failures.push(Failure::new(
                format!(
                    "`{}` is {}: {}",
                    hit.key,
                    node.describe(),
                    problems.join("; ")
                ),
                hit.key,
                node.span,
            ));
        }
    }
    let passed = if checked.is_empty() {
        format!("no value at `{}` to judge", assertion.path)
    } else {
        format!("{} holds", checked.join(", "))
    };
    Outcome::fail(failures, passed)
}

/// Why `node` breaks `op`, or `None` when it holds.
fn judge(op: &Op, node: &Node, as_of: Date) -> Option<String> {
    match op {
        Op::Min(min) => match node.as_f64() {
            Some(v) if v >= *min => None,
            Some(_) => Some(format!("below the minimum {min}")),
            None => Some(format!("not a number (the minimum is {min})")),
        },
        Op::Max(max) => match node.as_f64() {
            Some(v) if v <= *max => None,
            Some(_) => Some(format!("above the maximum {max}")),
            None => Some(format!("not a number (the maximum is {max})")),
        },
        Op::OneOf(options) => {
            let value = node.to_json();
            (!options.iter().any(|o| same(o, &value))).then(|| {
                let shown: Vec<String> = options.iter().map(ToString::to_string).collect();
                format!("not one of {}", shown.join(", "))
            })
        }
        Op::Matches(re) => match node.as_str() {
            Some(text) if re.is_match(text) => None,
            _ => Some(format!("does not match `{}`", re.as_str())),
        },
        Op::Equals(expected) => {
            (!same(expected, &node.to_json())).then(|| format!("expected {expected}"))
        }
        Op::MaxAgeDays(days) => match date_of(node) {
            None => Some("not a date (YYYY-MM-DD)".to_owned()),
            Some(date) => {
                let age = days_between(date, as_of);
                if age < 0 {
                    Some(format!("{} days in the future: a typo?", -age))
                } else if age > *days {
                    Some(format!("{age} days old, more than {days}"))
                } else {
                    None
                }
            }
        },
    }
}

/// JSON equality with numbers compared by value (1 equals 1.0).
fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < f64::EPSILON,
        _ => a == b,
    }
}
