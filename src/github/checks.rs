//! The check run on the head commit: its conclusion, the markdown as summary, and a line
//! annotation for every finding with a location.

use http::Method;
use serde_json::{json, Value};

use super::client::{Client, Created};
use super::comment::truncate;
use super::Error;
use crate::report::{Report, Verdict};
use crate::rules::Severity;

/// GitHub takes at most 50 annotations per create or update request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// A check run's `output.summary` holds at most 65,535 characters.
const MAX_SUMMARY_CHARS: usize = 65_535;

/// The check run's conclusion. A report that could not be judged is a `failure`, not
/// `neutral`: a grey check reads as "nothing to see" and would let a service nobody could
/// judge through. `neutral` is for a report that judged nothing at all.
#[must_use]
pub fn conclusion(report: &Report) -> &'static str {
    match report.verdict {
        Verdict::Pass if report.services.is_empty() => "neutral",
        Verdict::Pass => "success",
        Verdict::Fail | Verdict::Error => "failure",
    }
}

/// The check run's title: the verdict and the counts, in one line.
#[must_use]
pub fn title(report: &Report) -> String {
    let s = &report.summary;
    match report.verdict {
        Verdict::Pass => format!(
            "Ready: {} passed, {} warnings, {} waived",
            s.passed, s.warnings, s.waived
        ),
        Verdict::Fail => format!("Not ready: {} blocking, {} warnings", s.failed, s.warnings),
        Verdict::Error => format!(
            "Could not judge: {} problems in the files",
            report.diagnostics.len()
        ),
    }
}

/// One annotation per finding with a location (and per located problem that stopped a
/// file from being judged): blocking ones are failures, the rest warnings or notices.
#[must_use]
pub fn annotations(report: &Report) -> Vec<Value> {
    let mut out: Vec<Value> = report
        .diagnostics
        .iter()
        .filter_map(|d| {
            let line = d.line?;
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            Some(annotation(
                &d.file,
                line,
                "failure",
                "prr could not judge this file",
                &message,
            ))
        })
        .collect();
    for result in report
        .results
        .iter()
        .filter(|r| r.status == crate::engine::Status::Fail)
    {
        let Some(at) = &result.location else {
            continue;
        };
        let level = if report.blocks(result) {
            "failure"
        } else if result.severity == Severity::Note {
            "notice"
        } else {
            "warning"
        };
        let mut message = result.message.clone();
        if !result.remediation.is_empty() {
            message.push_str("\n\nFix: ");
            message.push_str(result.remediation.trim());
        }
        out.push(annotation(
            &at.path,
            at.line,
            level,
            &format!("{}: {}", result.rule, result.title),
            &message,
        ));
    }
    out
}

fn annotation(path: &str, line: usize, level: &str, title: &str, message: &str) -> Value {
    let line = line.max(1);
    json!({
        "path": path,
        "start_line": line,
        "end_line": line,
        "annotation_level": level,
        "title": title,
        "message": message,
    })
}

/// What the check run is made of.
pub struct CheckRun<'a> {
    pub name: &'a str,
    pub head_sha: &'a str,
    /// Tells this run's check run from others of the same name on the commit.
    pub external_id: &'a str,
    pub conclusion: &'a str,
    pub title: String,
    pub summary: &'a str,
    pub annotations: Vec<Value>,
}

/// Creates the check run with the first 50 annotations, then adds the rest 50 at a time.
/// Returns the check run's id and the number of requests that carried annotations.
///
/// # Errors
/// GitHub refused or could not be reached.
pub async fn publish(
    client: &Client,
    owner: &str,
    repo: &str,
    run: &CheckRun<'_>,
) -> Result<u64, Error> {
    let mut summary = run.summary.to_owned();
    truncate(&mut summary, MAX_SUMMARY_CHARS);
    let mut batches = run.annotations.chunks(ANNOTATIONS_PER_REQUEST);
    let first = batches.next().unwrap_or_default();
    let output = |annotations: &[Value]| json!({ "title": run.title, "summary": summary, "annotations": annotations });
    let completed_at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
        .map(|t| t.to_string())
        .unwrap_or_default();
    let body = json!({
        "name": run.name,
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "status": "completed",
        "conclusion": run.conclusion,
        "completed_at": completed_at,
        "output": output(first),
    });
    let what = "creating the check run";
    let path = format!("/repos/{owner}/{repo}/check-runs");
    let id = match client
        .create(what, &path, &body, || find(client, owner, repo, run))
        .await?
    {
        Created::New(response) => response
            .json(what)?
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::Response {
                what: what.to_owned(),
                message: "the answer has no check run id".to_owned(),
            })?,
        // An attempt whose answer was lost made it; its annotations are there, but
        // another PATCH of the same first batch would double them, so only the rest go.
        Created::Existing(id) => id,
    };
    let update = format!("/repos/{owner}/{repo}/check-runs/{id}");
    for batch in batches {
        client
            .request(
                "adding annotations to the check run",
                &Method::PATCH,
                &update,
                Some(&json!({ "output": output(batch) })),
            )
            .await?;
    }
    Ok(id)
}

/// This run's check run, if an attempt whose answer was lost created it.
async fn find(
    client: &Client,
    owner: &str,
    repo: &str,
    run: &CheckRun<'_>,
) -> Result<Option<u64>, Error> {
    let name = super::encode(run.name, false);
    let path = format!(
        "/repos/{owner}/{repo}/commits/{}/check-runs?check_name={name}&filter=latest&per_page=100",
        run.head_sha
    );
    let response = client
        .request("looking for the check run", &Method::GET, &path, None)
        .await?;
    let json = response.json("looking for the check run")?;
    Ok(json
        .get("check_runs")
        .and_then(Value::as_array)
        .and_then(|runs| {
            runs.iter()
                .find(|r| r.get("external_id").and_then(Value::as_str) == Some(run.external_id))
        })
        .and_then(|r| r.get("id").and_then(Value::as_u64)))
}
