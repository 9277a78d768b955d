//! `--base`: which failures a change introduced, which it inherited, and which it fixed.
//!
//! Both sides are judged with the same rules and `as_of`, then matched on (manifest, rule,
//! logical key), never on line numbers: a finding keeps its identity when lines above it
//! move, and, since dependencies, SLOs and waivers are keyed by name or rule rather than
//! index, when an element is inserted above it. Matching counts occurrences, so two findings with one key (two problems with one
//! waiver) pair up one for one.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Report, ResultEntry};
use crate::engine::Status;

/// What a change did to a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Fails now and did not fail at the base: introduced by this change.
    New,
    /// Failed at the base already.
    Existing,
    /// Failed at the base and no longer fails (only in [`Base::fixed_results`]).
    Fixed,
}

/// The comparison with the base, as the JSON report carries it (`base`, null without one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Base {
    /// The base as it was named (`origin/main`, a commit id).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The commit it resolved to.
    pub commit: String,
    /// Failures introduced by this change.
    pub new: usize,
    /// Failures already there at the base.
    pub existing: usize,
    /// Failures at the base that no longer fail.
    pub fixed: usize,
    /// Manifests with no judged version at the base (absent, or unreadable there): every
    /// failure in them is new.
    pub missing: Vec<String>,
    /// The base's results that this change fixed, located in the base's version of the file.
    pub fixed_results: Vec<ResultEntry>,
}

impl Base {
    /// The base as people read it: `origin/main (1a2b3c4d5e6f)`, or the short commit alone
    /// when the base was named by its commit.
    #[must_use]
    pub fn named(&self) -> String {
        let short = self.commit.get(..12).unwrap_or(&self.commit);
        if self.commit.starts_with(&self.reference) {
            short.to_owned()
        } else {
            format!("{} ({short})", self.reference)
        }
    }

    /// "compared with origin/main (1a2b3c4d5e6f): this change fixes 2 and introduces 1
    /// (3 failing already)": the sentence every format shows.
    #[must_use]
    pub fn sentence(&self) -> String {
        format!(
            "compared with {}: this change fixes {} and introduces {} ({} failing already)",
            self.named(),
            self.fixed,
            self.new,
            self.existing
        )
    }
}

/// The tag a finding carries in every format: `[new] ` for what this change introduced.
#[must_use]
pub fn tag(result: &ResultEntry) -> &'static str {
    if result.change == Some(Change::New) {
        "[new] "
    } else {
        ""
    }
}

/// The base side of a comparison, judged like the head.
#[derive(Clone, Debug, Default)]
pub struct BaseSide {
    pub reference: String,
    pub commit: String,
    /// The base's results for the manifests that exist on both sides.
    pub results: Vec<ResultEntry>,
    pub missing: Vec<String>,
}

/// The identity of a finding across versions of a manifest. The effective severity is part
/// of it: a warning at the base that is an error now (another problem at the same key, a
/// grace period that ended) is a new error, not an existing one.
type Identity<'a> = (&'a str, &'a str, Option<&'a str>, crate::rules::Severity);

fn identity(result: &ResultEntry) -> Identity<'_> {
    (
        &result.manifest,
        &result.rule,
        result.key.as_deref(),
        result.severity,
    )
}

/// Sets `change` on every failure of `head` (`new` or `existing`; other results get none)
/// and returns the base's failures that no longer fail, marked `fixed`. A finding that is
/// waived now is neither new nor fixed: the waiver is shown on its own.
#[must_use]
pub fn classify(head: &mut [ResultEntry], base: &[ResultEntry]) -> Vec<ResultEntry> {
    let mut at_base: BTreeMap<Identity<'_>, usize> = BTreeMap::new();
    for result in base.iter().filter(|r| r.status == Status::Fail) {
        *at_base.entry(identity(result)).or_default() += 1;
    }
    let changes: Vec<Option<Change>> = head
        .iter()
        .map(|result| match result.status {
            Status::Fail => match at_base.get_mut(&identity(result)) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    Some(Change::Existing)
                }
                _ => Some(Change::New),
            },
            Status::Pass | Status::Waived | Status::Skipped => None,
        })
        .collect();
    for (result, change) in head.iter_mut().zip(changes) {
        result.change = change;
    }
    let mut still_there: BTreeMap<Identity<'_>, usize> = BTreeMap::new();
    for result in head
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Waived))
    {
        *still_there.entry(identity(result)).or_default() += 1;
    }
    let mut fixed = Vec::new();
    for result in base.iter().filter(|r| r.status == Status::Fail) {
        match still_there.get_mut(&identity(result)) {
            Some(left) if *left > 0 => *left -= 1,
            _ => fixed.push(ResultEntry {
                change: Some(Change::Fixed),
                ..result.clone()
            }),
        }
    }
    fixed
}

impl Report {
    /// Classifies this report's failures against the base and records the comparison; with
    /// `--fail-on new`, only new failures block from then on.
    pub fn compare_with(&mut self, base: BaseSide) {
        let fixed_results = classify(&mut self.results, &base.results);
        let count = |change| {
            self.results
                .iter()
                .filter(|r| r.change == Some(change))
                .count()
        };
        self.base = Some(Base {
            new: count(Change::New),
            existing: count(Change::Existing),
            fixed: fixed_results.len(),
            reference: base.reference,
            commit: base.commit,
            missing: base.missing,
            fixed_results,
        });
        self.refresh_verdicts();
    }
}

/// A result as the artifact comparison matches it.
type Seen<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Status,
    crate::rules::Severity,
);

fn seen(result: &ResultEntry) -> Seen<'_> {
    (
        &result.manifest,
        &result.rule,
        result.key.as_deref(),
        result.status,
        result.severity,
    )
}

/// What a report from elsewhere (the pull request's own job) says differently from the
/// judgement made here: the verdict, the date, the manifests judged, and every result one
/// has and the other has not (matched on manifest, rule, key, status and severity). Empty
/// when they agree. Text from the other report is reduced to characters that cannot carry
/// markup or workflow commands: it is untrusted data.
#[must_use]
pub fn mismatch(trusted: &Report, other: &Report) -> Vec<String> {
    /// Results named per direction; the rest are counted.
    const EXAMPLES: usize = 5;
    let mut lines = Vec::new();
    if trusted.verdict != other.verdict {
        lines.push(format!(
            "its verdict is {}, this judgement's is {}",
            other.verdict, trusted.verdict
        ));
    }
    if trusted.as_of != other.as_of {
        lines.push(format!(
            "it was judged as of {}, this judgement as of {}",
            plain(&other.as_of),
            trusted.as_of
        ));
    }
    let manifests = |r: &Report| -> Vec<String> {
        let mut names: Vec<String> = r.services.iter().map(|s| s.manifest.clone()).collect();
        names.sort();
        names
    };
    if manifests(trusted) != manifests(other) {
        lines.push(format!(
            "it judged {}, this judgement {}",
            plain(&manifests(other).join(", ")),
            manifests(trusted).join(", ")
        ));
    }
    let mut counts: BTreeMap<Seen<'_>, isize> = BTreeMap::new();
    for result in &trusted.results {
        *counts.entry(seen(result)).or_default() += 1;
    }
    for result in &other.results {
        *counts.entry(seen(result)).or_default() -= 1;
    }
    let describe = |(manifest, rule, key, status, severity): &Seen<'_>| {
        format!(
            "{} {}{} ({}, {severity})",
            plain(manifest),
            plain(rule),
            key.map(|k| format!(" at {}", plain(k))).unwrap_or_default(),
            match status {
                Status::Pass => "pass",
                Status::Fail => "fail",
                Status::Waived => "waived",
                Status::Skipped => "skipped",
            }
        )
    };
    for (sign, side) in [(1, "only this judgement has"), (-1, "only its report has")] {
        let differing: Vec<(&Seen<'_>, isize)> = counts
            .iter()
            .filter(|(_, n)| **n * sign > 0)
            .map(|(k, n)| (k, (*n * sign)))
            .collect();
        let total: isize = differing.iter().map(|(_, n)| n).sum();
        if total == 0 {
            continue;
        }
        let mut text = format!(
            "{side} {total} result{}: ",
            if total == 1 { "" } else { "s" }
        );
        let named: Vec<String> = differing
            .iter()
            .take(EXAMPLES)
            .map(|(k, _)| describe(k))
            .collect();
        text.push_str(&named.join("; "));
        let named_count: isize = differing.iter().take(EXAMPLES).map(|(_, n)| n).sum();
        if total > named_count {
            let _ = write!(text, "; and {} more", total - named_count);
        }
        lines.push(text);
    }
    lines
}

/// Untrusted text as plain words: letters, digits and `.-_/[]=@:#`, the rest as `?`, cut
/// to 100 characters.
fn plain(text: &str) -> String {
    text.chars()
        .take(100)
        .map(|c| {
            if c.is_alphanumeric() || ".-_/[]=@:# ,".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    fn entry(manifest: &str, rule: &str, key: &str, status: Status, line: usize) -> ResultEntry {
        ResultEntry {
            manifest: manifest.into(),
            rule: rule.into(),
            title: "".into(),
            category: "".into(),
            severity: Severity::Error,
            status,
            message: format!("{rule} at {key}"),
            remediation: "".into(),
            location: Some(super::super::Location {
                path: manifest.into(),
                line,
                column: 1,
            }),
            key: Some(key.to_owned()),
            waiver: None,
            change: None,
            unverified: false,
            related: None,
        }
    }

    fn changes(results: &[ResultEntry]) -> Vec<Option<Change>> {
        results.iter().map(|r| r.change).collect()
    }

    #[test]
    fn a_fix_and_a_break_are_told_apart_whatever_the_lines() {
        let base = vec![
            entry("prr.toml", "docs.runbook", "docs.runbook", Status::Fail, 3),
            entry("prr.toml", "toil.backlog", "toil.backlog", Status::Fail, 9),
        ];
        // Lines moved: matching ignores them.
        let mut head = vec![
            entry(
                "prr.toml",
                "oncall.rotation",
                "oncall.escalation",
                Status::Fail,
                5,
            ),
            entry("prr.toml", "toil.backlog", "toil.backlog", Status::Fail, 40),
            entry("prr.toml", "docs.runbook", "docs.runbook", Status::Pass, 1),
        ];
        let fixed = classify(&mut head, &base);
        assert_eq!(
            changes(&head),
            [Some(Change::New), Some(Change::Existing), None]
        );
        assert_eq!(fixed.len(), 1);
        assert_eq!(&*fixed[0].rule, "docs.runbook");
        assert_eq!(fixed[0].change, Some(Change::Fixed));
    }

    #[test]
    fn the_same_rule_at_another_key_or_in_another_manifest_is_new() {
        let base = vec![entry(
            "a/prr.toml",
            "ownership.team",
            "dependency[0].owner",
            Status::Fail,
            1,
        )];
        let mut head = vec![
            entry(
                "a/prr.toml",
                "ownership.team",
                "dependency[1].owner",
                Status::Fail,
                1,
            ),
            entry(
                "b/prr.toml",
                "ownership.team",
                "dependency[0].owner",
                Status::Fail,
                1,
            ),
        ];
        let fixed = classify(&mut head, &base);
        assert_eq!(changes(&head), [Some(Change::New), Some(Change::New)]);
        assert_eq!(fixed.len(), 1);
    }

    #[test]
    fn findings_sharing_a_key_pair_up_one_for_one() {
        let base = vec![entry(
            "prr.toml",
            "waiver.valid",
            "waiver[0]",
            Status::Fail,
            2,
        )];
        let mut head = vec![
            entry("prr.toml", "waiver.valid", "waiver[0]", Status::Fail, 2),
            entry("prr.toml", "waiver.valid", "waiver[0]", Status::Fail, 2),
        ];
        assert!(classify(&mut head, &base).is_empty());
        assert_eq!(changes(&head), [Some(Change::Existing), Some(Change::New)]);

        let mut fewer = vec![entry(
            "prr.toml",
            "waiver.valid",
            "waiver[0]",
            Status::Fail,
            2,
        )];
        let fixed = classify(&mut fewer, &[base[0].clone(), base[0].clone()]);
        assert_eq!(changes(&fewer), [Some(Change::Existing)]);
        assert_eq!(fixed.len(), 1);
    }

    #[test]
    fn without_a_base_every_failure_is_new_and_a_waived_one_is_not_fixed() {
        let mut head = vec![entry(
            "prr.toml",
            "docs.runbook",
            "docs.runbook",
            Status::Fail,
            1,
        )];
        assert!(classify(&mut head, &[]).is_empty());
        assert_eq!(changes(&head), [Some(Change::New)]);

        let base = vec![entry(
            "prr.toml",
            "release.progressive",
            "release.strategy",
            Status::Fail,
            1,
        )];
        let mut waived = vec![entry(
            "prr.toml",
            "release.progressive",
            "release.strategy",
            Status::Waived,
            1,
        )];
        assert!(classify(&mut waived, &base).is_empty());
        assert_eq!(changes(&waived), [None]);
    }
}
