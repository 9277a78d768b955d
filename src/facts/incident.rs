//! Incident records: one model whatever the source, and the readers of an incident file
//! (CSV with a header, or a JSON array) and of a saved PagerDuty incident list.
//!
//! Blameless by construction: the model has no field for a person. A reader takes the
//! pinned columns and nothing else, so an assignee, a responder or an author never gets
//! past reading. A record that cannot be trusted (a time missing or out of order, an id
//! seen before) is reported at its place and left out, never guessed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use schemars::JsonSchema;

use crate::diagnostic::{Diagnostic, Error};
use crate::manifest::{parse, Node, Value};
use crate::source::{read_text, LineCol, SourceFile, Span};

/// One incident, as the figures see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub id: String,
    /// The manifest's `service.name`.
    pub service: String,
    pub severity: String,
    pub started: Timestamp,
    pub detected: Option<Timestamp>,
    pub resolved: Timestamp,
    pub postmortem: Option<String>,
    /// Where the record was read (`incidents.csv:12`, `github:acme/ops#41`).
    pub origin: String,
}

/// The incident records the rules see.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Incidents {
    /// The files read, as the messages name them.
    pub source: String,
    pub records: Vec<Incident>,
    /// How many records were left out as untrustworthy (shown by `prr review quarterly`).
    pub left_out: usize,
}

/// The records read from every source, and the problems of those left out.
#[derive(Debug, Default)]
pub struct Records {
    pub incidents: Vec<Incident>,
    pub left_out: Vec<Diagnostic>,
    /// Where each id kept was read, kept across [`Records::extend`] so that adding one
    /// record costs one look-up, not a pass over all those read before.
    seen: HashMap<String, String>,
}

impl Records {
    /// Adds what one source gave, leaving out ids already seen (in this or an earlier
    /// source). Ids are compared as written: `A1` and `a1` are two incidents.
    pub fn extend(&mut self, other: Records) {
        if self.seen.len() != self.incidents.len() {
            // `incidents` was changed from outside: index it again, once.
            self.seen = self
                .incidents
                .iter()
                .map(|i| (i.id.clone(), i.origin.clone()))
                .collect();
        }
        self.left_out.extend(other.left_out);
        for incident in other.incidents {
            if let Some(first) = self.seen.get(&incident.id) {
                self.left_out.push(origin_diagnostic(
                    &incident.origin,
                    format!(
                        "duplicate incident id `{}` (first at {first}); this record is left out",
                        incident.id
                    ),
                ));
                continue;
            }
            self.seen
                .insert(incident.id.clone(), incident.origin.clone());
            self.incidents.push(incident);
        }
    }

    /// Leaves out the records that start or end after the day after `as_of` (the run's
    /// date): a clock a day ahead is plausible, a record from next year is not, and one
    /// such record would make a team's time to resolve absurd.
    pub fn keep_until(&mut self, as_of: jiff::civil::Date) {
        let Ok(limit) = as_of
            .tomorrow()
            .and_then(jiff::civil::Date::tomorrow)
            .and_then(|day| day.to_zoned(jiff::tz::TimeZone::UTC))
            .map(|day| day.timestamp())
        else {
            return;
        };
        let (kept, late): (Vec<Incident>, Vec<Incident>) = std::mem::take(&mut self.incidents)
            .into_iter()
            .partition(|i| i.started < limit && i.resolved < limit);
        for incident in late {
            let field = if incident.started >= limit {
                ("started", incident.started)
            } else {
                ("resolved", incident.resolved)
            };
            self.left_out.push(origin_diagnostic(
                &incident.origin,
                format!(
                    "`{}` is {}, after the day after {as_of}: a time in the future; this record is left out",
                    field.0, field.1
                ),
            ));
            self.seen.remove(&incident.id);
        }
        self.incidents = kept;
    }
}

/// The earliest time a record may hold: nothing prr judges happened before 1970, and a
/// year 0 or -9999 is a typing error, not an incident.
const EARLIEST: Timestamp = Timestamp::UNIX_EPOCH;

/// A diagnostic at `file:line` written as an origin.
fn origin_diagnostic(origin: &str, message: String) -> Diagnostic {
    let (file, line) = match origin.rsplit_once(':') {
        Some((file, line)) => match line.parse::<usize>() {
            Ok(line) => (file, Some(line)),
            Err(_) => (origin, None),
        },
        None => (origin, None),
    };
    let mut diagnostic = Diagnostic::file(file, message);
    diagnostic.fixed_position = line.map(|line| LineCol { line, column: 1 });
    diagnostic
}

/// The incident file's columns, as `schemas/incidents.schema.json` publishes them. Not read
/// through serde: the readers take each column themselves, so that a bad record is reported
/// at its line and the others are still read.
#[derive(Debug, JsonSchema)]
#[schemars(
    title = "prr incident record",
    description = "One incident in a file read by `prr review quarterly --incidents`. Any other key is ignored and never reported."
)]
pub struct IncidentRecord {
    #[schemars(length(min = 1), description = "unique among every source read")]
    pub id: String,
    #[schemars(
        length(min = 1),
        description = "the service, as its manifest's `service.name`"
    )]
    pub service: String,
    #[schemars(
        length(min = 1),
        description = "such as \"SEV1\"; SEV1 and SEV2 are severe"
    )]
    pub severity: String,
    #[schemars(
        extend("format" = "date-time"),
        description = "when the incident started (RFC 3339)"
    )]
    pub started: String,
    #[schemars(
        extend("format" = "date-time"),
        description = "when it was detected (RFC 3339); at or after `started`"
    )]
    pub detected: Option<String>,
    #[schemars(
        extend("format" = "date-time"),
        description = "when it was mitigated or resolved (RFC 3339); at or after `detected`"
    )]
    pub resolved: String,
    #[schemars(description = "a link to the postmortem")]
    pub postmortem: Option<String>,
}

/// The incident file's JSON Schema: an array of records.
#[must_use]
pub fn incidents_schema() -> serde_json::Value {
    let mut schema = crate::manifest::model::generate::<Vec<IncidentRecord>>(true);
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "title".to_owned(),
            serde_json::Value::String("prr incident file".to_owned()),
        );
        object.insert(
            "$id".to_owned(),
            serde_json::Value::String(SCHEMA_ID.to_owned()),
        );
    }
    schema
}

/// Where the published schema says it lives.
pub const SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/prr-gate/prr-gate/v0.2.0/schemas/incidents.schema.json";

/// The columns every record must have.
const REQUIRED: [&str; 5] = ["id", "service", "severity", "started", "resolved"];

/// The fields of one record as read, before they are checked.
#[derive(Default)]
struct Raw {
    id: Option<String>,
    service: Option<String>,
    severity: Option<String>,
    started: Option<String>,
    detected: Option<String>,
    resolved: Option<String>,
    postmortem: Option<String>,
}

impl Raw {
    fn set(&mut self, column: &str, value: String) {
        let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        match column {
            "id" => self.id = value,
            "service" => self.service = value,
            "severity" => self.severity = value,
            "started" => self.started = value,
            "detected" => self.detected = value,
            "resolved" => self.resolved = value,
            "postmortem" => self.postmortem = value,
            // Any other column (an assignee, a responder, notes) is dropped here.
            _ => {}
        }
    }

    /// The incident, or why the record is left out.
    fn check(self, origin: String) -> Result<Incident, String> {
        let missing: Vec<&str> = [
            ("id", &self.id),
            ("service", &self.service),
            ("severity", &self.severity),
            ("started", &self.started),
            ("resolved", &self.resolved),
        ]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| *name)
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing {}; this record is left out",
                missing.join(", ")
            ));
        }
        if let Some(id) = &self.id {
            if id.chars().any(char::is_control) {
                return Err(format!(
                    "the id {id:?} holds a control character; this record is left out"
                ));
            }
        }
        let time = |name: &str, text: &Option<String>| -> Result<Option<Timestamp>, String> {
            text.as_deref()
                .map(|t| {
                    let time = t.parse::<Timestamp>().map_err(|err| {
                        let reason = err.to_string();
                        if reason.contains("range") {
                            format!("`{name}` is out of the range of plausible times, 1970 to the run's date (`{t}`); this record is left out")
                        } else {
                            format!("`{name}` is not an RFC 3339 time (`{t}`); this record is left out")
                        }
                    })?;
                    if time < EARLIEST {
                        return Err(format!(
                            "`{name}` is before 1970 (`{t}`); this record is left out"
                        ));
                    }
                    Ok(time)
                })
                .transpose()
        };
        let started = time("started", &self.started)?;
        let detected = time("detected", &self.detected)?;
        let resolved = time("resolved", &self.resolved)?;
        let (Some(started), Some(resolved)) = (started, resolved) else {
            return Err("missing started or resolved; this record is left out".to_owned());
        };
        if resolved < started {
            return Err("resolved before it started; this record is left out".to_owned());
        }
        if let Some(detected) = detected {
            if detected < started {
                return Err("detected before it started; this record is left out".to_owned());
            }
            if detected > resolved {
                return Err("detected after it was resolved; this record is left out".to_owned());
            }
        }
        Ok(Incident {
            id: self.id.unwrap_or_default(),
            service: self.service.unwrap_or_default(),
            severity: self.severity.unwrap_or_default(),
            started,
            detected,
            resolved,
            postmortem: self.postmortem,
            origin,
        })
    }
}

/// Reads an incident file: CSV unless it is named `*.json` or starts with `[` or `{` (JSON:
/// an array of records, or a PagerDuty incident list `{"incidents": [...]}`).
///
/// # Errors
/// The file cannot be read, is not CSV or JSON, or lacks a required column (exit 2).
pub fn read_file(path: &Path, name: &str) -> Result<Records, Error> {
    read_source(Arc::new(read_text(path, name)?))
}

/// Reads an incident file already read as text, by the same rules as [`read_file`].
///
/// # Errors
/// As [`read_file`], but for reading.
pub fn read_source(source: Arc<SourceFile>) -> Result<Records, Error> {
    let name = source.name.as_str();
    let json = name.ends_with(".json") || source.text.trim_start().starts_with(['[', '{']);
    if json {
        read_json(&source)
    } else {
        read_csv(&source)
    }
}

/// Reads CSV with a header row.
///
/// # Errors
/// A CSV syntax error, or a required column missing from the header.
pub fn read_csv(source: &Arc<SourceFile>) -> Result<Records, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(source.text.as_bytes());
    let at_line = |line: u64, message: String| {
        let mut diagnostic = Diagnostic::file(&source.name, message);
        diagnostic.fixed_position = Some(LineCol {
            line: usize::try_from(line).unwrap_or(usize::MAX),
            column: 1,
        });
        diagnostic
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(|err| at_line(1, format!("not CSV: {err}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let absent: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !absent.is_empty() {
        return Err(at_line(1, format!("the header has no column {}", absent.join(", ")))
            .with_help("an incident file's columns are id, service, severity, started, detected (optional), resolved, postmortem (optional)")
            .into());
    }
    let mut records = Records::default();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                return Err(at_line(line, format!("not CSV: {err}")).into());
            }
        };
        let line = row.position().map_or(0, csv::Position::line);
        let mut raw = Raw::default();
        for (column, value) in header.iter().zip(row.iter()) {
            raw.set(column, value.to_owned());
        }
        let origin = format!("{}:{line}", source.name);
        match raw.check(origin) {
            Ok(incident) => records.extend(Records {
                incidents: vec![incident],
                ..Records::default()
            }),
            Err(message) => records.left_out.push(at_line(line, message)),
        }
    }
    Ok(records)
}

/// Reads a JSON array of records, or a PagerDuty incident list.
///
/// # Errors
/// A JSON syntax error, or a document that is neither.
pub fn read_json(source: &Arc<SourceFile>) -> Result<Records, Error> {
    let root = parse::parse_json_value(source)?;
    if let Some(list) = root.get("incidents") {
        return read_pagerduty(source, list);
    }
    let Value::Array(items) = &root.value else {
        return Err(Diagnostic::at(
            source,
            root.span,
            "an incident file in JSON is an array of objects (or a PagerDuty incident list)",
        )
        .into());
    };
    let mut records = Records::default();
    for item in items {
        let origin = format!("{}:{}", source.name, source.line_col(item.span.start).line);
        let Value::Table(entries) = &item.value else {
            records
                .left_out
                .push(Diagnostic::at(source, item.span, "not an object; left out"));
            continue;
        };
        let mut raw = Raw::default();
        for (key, value) in entries {
            if let Some(text) = scalar_text(value) {
                raw.set(&key.name, text);
            }
        }
        push_checked(&mut records, source, item.span, raw, origin);
    }
    Ok(records)
}

fn push_checked(
    records: &mut Records,
    source: &Arc<SourceFile>,
    span: Span,
    raw: Raw,
    origin: String,
) {
    match raw.check(origin) {
        Ok(incident) => records.extend(Records {
            incidents: vec![incident],
            ..Records::default()
        }),
        Err(message) => records.left_out.push(Diagnostic::at(source, span, message)),
    }
}

/// The text of a scalar value (ids may be numbers); `None` for tables, arrays and null.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) | Value::Datetime(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Float(f) => Some(crate::manifest::format_number(*f)),
        Value::Bool(_) | Value::Null | Value::Array(_) | Value::Table(_) => None,
    }
}

/// A PagerDuty REST API incident list (`GET /incidents`), as saved from the API. The
/// fields are mapped as `docs/reviews.md` documents: `id`, `service.summary`,
/// `priority.summary` (else `urgency`), `created_at`, `resolved_at` (else
/// `last_status_change_at` of a resolved incident). `assignments`, `acknowledgements`,
/// `last_status_change_by` and the like name people and are never read.
fn read_pagerduty(source: &Arc<SourceFile>, list: &Node) -> Result<Records, Error> {
    let Some(items) = list.as_array() else {
        return Err(Diagnostic::at(source, list.span, "`incidents` is not an array").into());
    };
    let mut records = Records::default();
    for item in items {
        let raw = pagerduty_raw(|dotted| item.pointer(dotted).and_then(scalar_text));
        let origin = format!("{}:{}", source.name, source.line_col(item.span.start).line);
        push_checked(&mut records, source, item.span, raw, origin);
    }
    Ok(records)
}

/// The fields of a PagerDuty incident object (`field` reads a dotted path as text), as
/// `docs/reviews.md` maps them. Nothing else is asked for: no field naming a person.
fn pagerduty_raw(field: impl Fn(&str) -> Option<String>) -> Raw {
    let resolved = field("resolved_at").or_else(|| {
        (field("status").as_deref() == Some("resolved"))
            .then(|| field("last_status_change_at"))
            .flatten()
    });
    Raw {
        id: field("id"),
        service: field("service.summary"),
        severity: field("priority.summary").or_else(|| field("urgency")),
        started: field("created_at"),
        detected: None,
        resolved,
        postmortem: None,
    }
}

/// The incidents of PagerDuty's REST API listing (`--incidents pagerduty:`), each placed
/// as `pagerduty#NUMBER` (its `incident_number`), mapped as a saved list is.
#[must_use]
pub fn from_pagerduty(incidents: &[serde_json::Value]) -> Records {
    let mut records = Records::default();
    for incident in incidents {
        let field = |dotted: &str| {
            let pointer = format!("/{}", dotted.replace('.', "/"));
            match incident.pointer(&pointer)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let origin = field("incident_number").map_or_else(
            || format!("pagerduty {}", field("id").unwrap_or_default()),
            |n| format!("pagerduty#{n}"),
        );
        match pagerduty_raw(field).check(origin.clone()) {
            Ok(incident) => records.extend(Records {
                incidents: vec![incident],
                ..Records::default()
            }),
            Err(message) => records.left_out.push(origin_diagnostic(&origin, message)),
        }
    }
    records
}

/// The keys of an incident issue's front matter (`docs/reviews.md`).
const FRONT_MATTER_KEYS: [&str; 6] = [
    "service",
    "severity",
    "started",
    "detected",
    "resolved",
    "postmortem",
];

/// The `key: value` lines of the front-matter block at the top of an issue body: a line
/// `---`, the lines, a line `---`. Only the pinned keys are kept; `None` without a block.
fn front_matter(body: &str) -> Option<Vec<(String, String)>> {
    let mut lines = body.trim_start().lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    let mut pairs = Vec::new();
    for line in lines {
        let line = line.trim();
        if line == "---" {
            return Some(pairs);
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        if FRONT_MATTER_KEYS.contains(&key.as_str()) {
            let value = value.trim();
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            pairs.push((key, unquoted.to_owned()));
        }
    }
    // An unclosed block is no front matter: the body may just start with a rule.
    None
}

/// The incidents of a GitHub issues listing (`repo` is `OWNER/REPO`). Pull requests in the
/// listing are skipped. Each issue's id and place is `github:OWNER/REPO#NUMBER`; its
/// fields come from the front matter of its body, `started` falling back to `created_at`
/// and `resolved` to `closed_at` of a closed issue. Only `number`, `body`, `state`,
/// `created_at`, `closed_at` and `pull_request` are read: the user, assignees and
/// everything else that names a person are not.
#[must_use]
pub fn from_github_issues(repo: &str, issues: &[serde_json::Value]) -> Records {
    let mut records = Records::default();
    for issue in issues {
        if issue.get("pull_request").is_some() {
            continue;
        }
        let text = |key: &str| {
            issue
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let Some(number) = issue.get("number").and_then(serde_json::Value::as_u64) else {
            records.left_out.push(Diagnostic::file(
                format!("github:{repo}"),
                "an issue without a number in the listing; left out".to_owned(),
            ));
            continue;
        };
        let origin = format!("github:{repo}#{number}");
        let Some(pairs) = text("body").as_deref().and_then(front_matter) else {
            records.left_out.push(origin_diagnostic(
                &origin,
                "the issue body has no front matter (a `---` block of `key: value` lines; see docs/reviews.md); this record is left out".to_owned(),
            ));
            continue;
        };
        let mut raw = Raw::default();
        raw.set("id", origin.clone());
        for (key, value) in pairs {
            raw.set(&key, value);
        }
        if raw.started.is_none() {
            raw.started = text("created_at");
        }
        if raw.resolved.is_none() && text("state").as_deref() == Some("closed") {
            raw.resolved = text("closed_at");
        }
        match raw.check(origin.clone()) {
            Ok(incident) => records.extend(Records {
                incidents: vec![incident],
                ..Records::default()
            }),
            Err(message) => records.left_out.push(origin_diagnostic(&origin, message)),
        }
    }
    records
}

/// Whether a severity is severe: SEV0 to SEV2, P0 to P2, `critical` or `high` (any case).
/// Severe incidents need a postmortem.
#[must_use]
pub fn is_severe(severity: &str) -> bool {
    matches!(
        severity.to_ascii_lowercase().as_str(),
        "sev0" | "sev1" | "sev2" | "p0" | "p1" | "p2" | "critical" | "high"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Records {
        read_csv(&Arc::new(SourceFile::new("incidents.csv", text))).expect("CSV")
    }

    #[test]
    fn implausible_times_and_control_characters_are_left_out_with_their_line() {
        let records = csv("id,service,severity,started,resolved\n\
             A1,pay,SEV1,2026-07-01T10:00:00Z,2026-07-01T11:00:00Z\n\
             a1,pay,SEV1,2026-07-02T10:00:00Z,2026-07-02T11:00:00Z\n\
             \"A1\u{0}\",pay,SEV1,2026-07-03T10:00:00Z,2026-07-03T11:00:00Z\n\
             Y0,pay,SEV1,0000-01-01T00:00:00Z,2026-07-03T11:00:00Z\n\
             Yneg,pay,SEV1,-009999-01-01T00:00:00Z,2026-07-03T11:00:00Z\n\
             Back,pay,SEV1,2026-07-05T10:00:00Z,2026-07-04T11:00:00Z\n\
             Far,pay,SEV1,2026-07-05T10:00:00Z,9000-12-31T23:59:59Z\n\
             Edge,pay,SEV1,2026-07-05T10:00:00Z,9999-12-31T23:59:59Z\n\
             A1,pay,SEV1,2026-07-06T10:00:00Z,2026-07-06T11:00:00Z\n");
        let mut records = records;
        records.keep_until("2026-11-21".parse().expect("a date"));
        let ids: Vec<&str> = records.incidents.iter().map(|i| i.id.as_str()).collect();
        // Compared as written: `A1` and `a1` are two incidents.
        assert_eq!(ids, ["A1", "a1"]);
        let problems: Vec<String> = records.left_out.iter().map(ToString::to_string).collect();
        let said = |line: usize, fragment: &str| {
            assert!(
                problems
                    .iter()
                    .any(|p| p.contains(&format!("incidents.csv:{line}")) && p.contains(fragment)),
                "line {line}, {fragment}: {problems:#?}"
            );
        };
        said(4, "control character");
        said(5, "before 1970");
        said(6, "out of the range of plausible times");
        said(7, "resolved before it started");
        said(8, "after the day after 2026-11-21");
        said(9, "out of the range of plausible times");
        said(10, "duplicate incident id `A1` (first at incidents.csv:2)");
        assert_eq!(problems.len(), 7, "{problems:#?}");
    }

    #[test]
    fn a_day_of_clock_skew_is_kept() {
        let mut records = csv("id,service,severity,started,resolved\n\
             S,pay,SEV1,2026-11-22T10:00:00Z,2026-11-22T23:00:00Z\n");
        records.keep_until("2026-11-21".parse().expect("a date"));
        assert_eq!(records.incidents.len(), 1, "{:?}", records.left_out);
    }

    #[test]
    fn extending_one_record_at_a_time_still_finds_duplicates() {
        let mut all = Records::default();
        for i in 0..1000 {
            all.extend(csv(&format!(
                "id,service,severity,started,resolved\nI{},pay,SEV2,2026-07-01T10:00:00Z,2026-07-01T11:00:00Z\n",
                i % 700
            )));
        }
        assert_eq!(all.incidents.len(), 700);
        assert_eq!(all.left_out.len(), 300);
        // Records pushed from outside are still seen.
        all.incidents.push(Incident {
            id: "X".to_owned(),
            ..all.incidents[0].clone()
        });
        all.extend(csv(
            "id,service,severity,started,resolved\nX,pay,SEV2,2026-07-01T10:00:00Z,2026-07-01T11:00:00Z\n",
        ));
        assert_eq!(all.incidents.len(), 701);
    }

    #[test]
    fn front_matter_is_the_closed_dashed_block_at_the_top_only() {
        let body =
            "\n---\nService: pay\nseverity: \"SEV1\"\nassignee: someone\nnot a pair\n---\ntext";
        assert_eq!(
            front_matter(body),
            Some(vec![
                ("service".to_owned(), "pay".to_owned()),
                ("severity".to_owned(), "SEV1".to_owned()),
            ])
        );
        assert_eq!(front_matter("text\n---\nservice: pay\n---"), None);
        assert_eq!(front_matter("---\nservice: pay\n"), None);
    }

    #[test]
    fn issues_fall_back_to_created_and_closed_and_skip_pull_requests() {
        let issues = serde_json::json!([
            {"number": 1, "state": "closed", "created_at": "2026-07-01T10:00:00Z",
             "closed_at": "2026-07-01T12:00:00Z", "body": "---\nservice: pay\nseverity: SEV2\n---"},
            {"number": 2, "state": "open", "created_at": "2026-07-02T10:00:00Z",
             "body": "---\nservice: pay\nseverity: SEV2\n---"},
            {"number": 3, "pull_request": {}, "body": "---\nservice: pay\n---"},
        ]);
        let records = from_github_issues("acme/pay", issues.as_array().unwrap());
        assert_eq!(records.incidents.len(), 1);
        let first = &records.incidents[0];
        assert_eq!(first.id, "github:acme/pay#1");
        assert_eq!(first.started.to_string(), "2026-07-01T10:00:00Z");
        assert_eq!(first.resolved.to_string(), "2026-07-01T12:00:00Z");
        assert_eq!(records.left_out.len(), 1);
        let problem = records.left_out[0].to_string();
        assert!(problem.contains("github:acme/pay#2"), "{problem}");
        assert!(problem.contains("missing resolved"), "{problem}");
    }

    #[test]
    fn the_committed_incidents_schema_is_generated_from_the_types() {
        let generated = crate::manifest::model::to_text(&incidents_schema());
        assert!(
            generated == include_str!("../../schemas/incidents.schema.json"),
            "schemas/incidents.schema.json is stale; regenerate it with \
             `cargo run -- schema incidents > schemas/incidents.schema.json`"
        );
    }

    #[test]
    fn the_schema_accepts_the_committed_json_incident_file_and_rejects_a_missing_time() {
        let schema = incidents_schema();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/reviews/incidents.json"))
                .unwrap();
        assert!(validator.is_valid(&file));
        let bad = serde_json::json!([{"id": "A", "service": "s", "severity": "SEV1", "resolved": "2026-07-01T00:00:00Z"}]);
        assert!(!validator.is_valid(&bad));
    }
}
