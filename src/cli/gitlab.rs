//! The `--publish` half of `prr check` in GitLab CI: the merge-request note. The network
//! work is the `gitlab` module's; this is the wiring, and the choice between GitLab and
//! GitHub.

use std::fmt::Write as _;

use super::publish::PublishArgs;
use super::{exit, write_stderr};
use crate::gitlab;
use crate::report::{markdown, Report};

/// Publishes to the merge request in GitLab CI (`GITLAB_CI=true`), else to GitHub. The
/// exit code is `code` whatever publishing gives, unless `--publish-strict`.
pub fn publish_either(
    report: &Report,
    args: &PublishArgs,
    report_path: Option<String>,
    code: u8,
) -> u8 {
    if !gitlab::context::in_gitlab_ci() {
        return super::publish::publish(report, args, report_path, code);
    }
    // No links to lines: GitLab shows the findings on the diff through the Code Quality
    // report, and the note stays readable without them.
    let body = markdown::render(report, &markdown::Options::default());
    let published = gitlab::publish(report, &body, args.comment);
    let mut log = String::new();
    for line in &published.done {
        let _ = writeln!(log, "prr: {line}");
    }
    for line in &published.warnings {
        let _ = writeln!(log, "prr: warning: publishing: {line}");
    }
    write_stderr(&gitlab::redact(&log));
    if published.failed && args.publish_strict {
        exit::ERROR
    } else {
        code
    }
}
