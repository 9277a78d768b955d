//! The toil figures of the review: per team, the issues of its toil backlogs (`toil.backlog`)
//! opened and closed during the quarter and open at its end.
//!
//! A backlog is read from GitHub when `toil.backlog` is a GitHub URL of a repository:
//! `https://github.com/OWNER/REPO/labels/LABEL` (the label named there), or
//! `https://github.com/OWNER/REPO` and `.../issues` (the toil label, default `toil`). Any
//! other backlog is shown as its link with no figures: prr cannot count it, and a zero
//! would claim it did. Only an issue's times are read, never its author or assignees.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::Quarter;

/// The label of toil issues when the backlog URL names none.
pub const DEFAULT_LABEL: &str = "toil";

/// Where a backlog's issues can be counted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GitHubBacklog {
    /// `OWNER/REPO`.
    pub repo: String,
    pub label: String,
}

/// The GitHub repository and label of a backlog URL; `None` when it is not a GitHub URL
/// of a repository (`github.com`, or the host of a GitHub Enterprise Server given as
/// `enterprise_host`).
#[must_use]
pub fn github_backlog(
    url: &str,
    default_label: &str,
    enterprise_host: Option<&str>,
) -> Option<GitHubBacklog> {
    let rest = url.trim().strip_prefix("https://")?;
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    let known = host == "github.com"
        || host == "www.github.com"
        || enterprise_host.is_some_and(|h| h.eq_ignore_ascii_case(&host));
    if !known {
        return None;
    }
    // A query or a fragment says nothing prr can count by.
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let label = match segments.as_slice() {
        [_, _] | [_, _, "issues"] => default_label.to_owned(),
        [_, _, "labels", label] => percent_encoding::percent_decode_str(label)
            .decode_utf8()
            .ok()?
            .into_owned(),
        _ => return None,
    };
    let repo = segments[1].strip_suffix(".git").unwrap_or(segments[1]);
    if label.trim().is_empty() || repo.is_empty() {
        return None;
    }
    Some(GitHubBacklog {
        repo: format!("{}/{repo}", segments[0]),
        label,
    })
}

/// What the GitHub backlogs' listings gave, and how backlog URLs are read.
#[derive(Debug, Default)]
pub struct Listings {
    /// The toil label of a backlog URL that names none.
    pub label: String,
    /// The host of a GitHub Enterprise Server whose URLs are GitHub backlogs too.
    pub enterprise_host: Option<String>,
    pub issues: BTreeMap<GitHubBacklog, Vec<ToilIssue>>,
    /// The backlogs whose listing could not be read, and why.
    pub unreadable: BTreeMap<GitHubBacklog, String>,
    /// `--toil off`: no backlog was read, and the review shows no toil.
    pub skipped: bool,
}

impl Listings {
    /// The GitHub backlog a URL names, if any.
    #[must_use]
    pub fn resolve(&self, url: &str) -> Option<GitHubBacklog> {
        let label = if self.label.is_empty() {
            DEFAULT_LABEL
        } else {
            &self.label
        };
        github_backlog(url, label, self.enterprise_host.as_deref())
    }

    /// What the listing of a backlog gave: its issues, why it could not be read, or
    /// `None` when it was not read (toil skipped).
    #[must_use]
    pub fn listing(&self, backlog: &GitHubBacklog) -> Option<Result<&[ToilIssue], &str>> {
        if let Some(why) = self.unreadable.get(backlog) {
            return Some(Err(why.as_str()));
        }
        self.issues.get(backlog).map(|issues| Ok(issues.as_slice()))
    }
}

/// A toil issue as the figures see it: when it was opened and closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToilIssue {
    pub opened: Timestamp,
    pub closed: Option<Timestamp>,
}

/// The issues of a GitHub listing, pull requests skipped. Only `created_at`, `closed_at`
/// and `pull_request` are read. An issue without a readable `created_at` cannot be placed
/// in time and is counted in the second value.
#[must_use]
pub fn from_github_issues(issues: &[serde_json::Value]) -> (Vec<ToilIssue>, usize) {
    let time = |issue: &serde_json::Value, key: &str| {
        issue
            .get(key)
            .and_then(serde_json::Value::as_str)
            .and_then(|t| t.parse::<Timestamp>().ok())
    };
    let mut read = Vec::new();
    let mut unreadable = 0;
    for issue in issues {
        if issue.get("pull_request").is_some() {
            continue;
        }
        match time(issue, "created_at") {
            Some(opened) => read.push(ToilIssue {
                opened,
                closed: time(issue, "closed_at"),
            }),
            None => unreadable += 1,
        }
    }
    (read, unreadable)
}

/// One backlog's counts over a quarter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ToilFigures {
    /// Issues opened during the quarter.
    pub opened: usize,
    /// Issues closed during the quarter.
    pub closed: usize,
    /// Issues opened before the quarter's end and not closed by then.
    pub open_at_end: usize,
}

impl ToilFigures {
    #[must_use]
    pub fn of(issues: &[ToilIssue], quarter: Quarter) -> Self {
        let (_, end) = quarter.bounds();
        let mut figures = Self::default();
        for issue in issues {
            if quarter.contains(issue.opened) {
                figures.opened += 1;
            }
            if issue.closed.is_some_and(|c| quarter.contains(c)) {
                figures.closed += 1;
            }
            if issue.opened < end && issue.closed.is_none_or(|c| c >= end) {
                figures.open_at_end += 1;
            }
        }
        figures
    }

    fn add(self, other: Self) -> Self {
        Self {
            opened: self.opened + other.opened,
            closed: self.closed + other.closed,
            open_at_end: self.open_at_end + other.open_at_end,
        }
    }
}

/// One backlog of a team, with the services that name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Backlog {
    /// `toil.backlog` as written.
    pub url: String,
    /// `OWNER/REPO` and the label counted, for a GitHub backlog.
    pub repository: Option<String>,
    pub label: Option<String>,
    pub services: Vec<String>,
    /// `None` when the backlog is not one prr can count, or could not be read.
    pub figures: Option<ToilFigures>,
    /// Why a GitHub backlog's issues could not be read; null when they were, or when the
    /// backlog is not a GitHub one.
    pub unavailable: Option<String>,
}

/// A team's toil: its backlogs, and their counts summed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Toil {
    pub backlogs: Vec<Backlog>,
    /// The sum over the backlogs; `None` unless every backlog has figures (a partial sum
    /// would read as the whole).
    pub total: Option<ToilFigures>,
    /// The team's services that name no backlog.
    pub services_without_backlog: Vec<String>,
}

impl Toil {
    /// The toil of a team from its services' `(name, toil.backlog)` and what each GitHub
    /// backlog's listing gave (`issues_of`: its issues, or why they could not be read).
    /// Services naming the same backlog share it: it counts once.
    #[must_use]
    pub fn of<'a>(
        services: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
        quarter: Quarter,
        resolve: impl Fn(&str) -> Option<GitHubBacklog>,
        issues_of: impl Fn(&GitHubBacklog) -> Option<Result<&'a [ToilIssue], &'a str>>,
    ) -> Self {
        let mut toil = Self::default();
        for (service, url) in services {
            let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
                toil.services_without_backlog.push(service.to_owned());
                continue;
            };
            let github = resolve(url);
            let same = |b: &Backlog| match &github {
                Some(g) => {
                    b.repository.as_deref() == Some(g.repo.as_str())
                        && b.label.as_deref() == Some(g.label.as_str())
                }
                None => b.url == url,
            };
            if let Some(existing) = toil.backlogs.iter_mut().find(|b| same(b)) {
                existing.services.push(service.to_owned());
                continue;
            }
            let listing = github.as_ref().and_then(&issues_of);
            let figures = match listing {
                Some(Ok(issues)) => Some(ToilFigures::of(issues, quarter)),
                _ => None,
            };
            let unavailable = match listing {
                Some(Err(why)) => Some(why.to_owned()),
                _ => None,
            };
            toil.backlogs.push(Backlog {
                url: url.to_owned(),
                repository: github.as_ref().map(|g| g.repo.clone()),
                label: github.map(|g| g.label),
                services: vec![service.to_owned()],
                figures,
                unavailable,
            });
        }
        toil.total = toil
            .backlogs
            .iter()
            .map(|b| b.figures)
            .try_fold(ToilFigures::default(), |sum, f| f.map(|f| sum.add(f)))
            .filter(|_| !toil.backlogs.is_empty());
        toil
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_urls_name_a_repository_and_a_label() {
        let backlog = |url: &str| github_backlog(url, DEFAULT_LABEL, Some("ghe.acme.dev"));
        assert_eq!(
            backlog("https://github.com/acme/payments/labels/toil"),
            Some(GitHubBacklog {
                repo: "acme/payments".to_owned(),
                label: "toil".to_owned()
            })
        );
        assert_eq!(
            backlog("https://github.com/acme/payments/labels/ops%20toil").map(|b| b.label),
            Some("ops toil".to_owned())
        );
        assert_eq!(
            backlog("https://ghe.acme.dev/acme/payments/issues?q=is%3Aopen").map(|b| b.label),
            Some("toil".to_owned())
        );
        assert_eq!(
            backlog("https://github.com/acme/payments").map(|b| b.repo),
            Some("acme/payments".to_owned())
        );
        assert_eq!(backlog("https://acme.atlassian.net/browse/TOIL"), None);
        assert_eq!(backlog("https://github.com/acme/payments/pulls"), None);
        assert_eq!(backlog("https://github.com/acme"), None);
        assert_eq!(backlog("http://github.com/acme/payments"), None);
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn opened_closed_and_open_at_the_end_of_the_quarter() {
        let quarter: Quarter = "2026Q3".parse().unwrap();
        let issues = [
            // Opened before, closed during: closed, not open at the end.
            ToilIssue {
                opened: at("2026-05-01T00:00:00Z"),
                closed: Some(at("2026-07-10T00:00:00Z")),
            },
            // Opened during, still open: opened, open at the end.
            ToilIssue {
                opened: at("2026-08-01T00:00:00Z"),
                closed: None,
            },
            // Opened and closed during.
            ToilIssue {
                opened: at("2026-09-01T00:00:00Z"),
                closed: Some(at("2026-09-02T00:00:00Z")),
            },
            // Opened during, closed after the end: open at the end.
            ToilIssue {
                opened: at("2026-09-30T23:00:00Z"),
                closed: Some(at("2026-10-01T00:00:00Z")),
            },
            // Opened after the end: nothing.
            ToilIssue {
                opened: at("2026-10-02T00:00:00Z"),
                closed: None,
            },
        ];
        assert_eq!(
            ToilFigures::of(&issues, quarter),
            ToilFigures {
                opened: 3,
                closed: 2,
                open_at_end: 2
            }
        );
    }

    #[test]
    fn a_shared_backlog_counts_once_and_one_without_figures_leaves_no_total() {
        let quarter: Quarter = "2026Q3".parse().unwrap();
        let issues = [ToilIssue {
            opened: at("2026-08-01T00:00:00Z"),
            closed: None,
        }];
        let resolve = |url: &str| github_backlog(url, DEFAULT_LABEL, None);
        let shared = "https://github.com/acme/pay/labels/toil";
        let toil = Toil::of(
            [("a", Some(shared)), ("b", Some(shared)), ("c", None)],
            quarter,
            resolve,
            |_| Some(Ok(&issues[..])),
        );
        assert_eq!(toil.backlogs.len(), 1);
        assert_eq!(toil.backlogs[0].services, ["a", "b"]);
        assert_eq!(toil.total.map(|t| t.opened), Some(1));
        assert_eq!(toil.services_without_backlog, ["c"]);
        let toil = Toil::of(
            [
                ("a", Some(shared)),
                ("d", Some("https://jira.acme.dev/TOIL")),
            ],
            quarter,
            resolve,
            |_| Some(Ok(&issues[..])),
        );
        assert_eq!(toil.backlogs[1].figures, None);
        assert_eq!(toil.total, None);
        let toil = Toil::of([("a", Some(shared))], quarter, resolve, |_| {
            Some(Err("no answer"))
        });
        assert_eq!(toil.backlogs[0].figures, None);
        assert_eq!(toil.backlogs[0].unavailable.as_deref(), Some("no answer"));
        assert_eq!(toil.total, None);
    }
}
