//! `prr export openslo|backstage`: the manifest's facts written in the formats `[import]`
//! reads, so that a team can move its source of truth either way. Each field is written
//! as the import maps it back (`docs/interop.md`): exporting and importing again gives
//! the same facts, and the same judgement. What an import kept beyond the manifest's keys
//! (a calendar window's start and time zone, a budgeting method, a Component's namespace,
//! type, system and dependency kinds) is written back as the source wrote it.
//!
//! Only documents valid against the format's rules are written: an SLO or Component that
//! cannot be is left out, and [`Export::notes`] says why and what to set.
//!
//! YAML is written by saphyr's emitter, which quotes and escapes, not by hand.

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};
use serde_json::{json, Map, Value as Json};

use crate::manifest::import::backstage::{EntityRef, DEFAULT_NAMESPACE};
use crate::manifest::import::{openslo, KeptSlo, Settings};
use crate::manifest::{Manifest, Node};

/// What an export wrote, and what it left out.
#[derive(Debug, Default)]
pub struct Export {
    /// The documents, as JSON, in the order written.
    pub documents: Vec<Json>,
    /// Each SLO or Component left out, and why.
    pub notes: Vec<String>,
}

impl Export {
    /// The documents as YAML, each a `---` document.
    #[must_use]
    pub fn yaml(&self) -> String {
        let mut out = String::new();
        for document in &self.documents {
            let mut emitter = YamlEmitter::new(&mut out);
            // Writing to a String cannot fail.
            let _ = emitter.dump(&yaml(document));
            out.push('\n');
        }
        out
    }
}

fn yaml(value: &Json) -> Yaml<'static> {
    match value {
        Json::Null => Yaml::Value(Scalar::Null),
        Json::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Value(Scalar::Integer(i)),
            None => Yaml::Value(Scalar::FloatingPoint(n.as_f64().unwrap_or_default().into())),
        },
        Json::String(s) => Yaml::Value(Scalar::String(s.clone().into())),
        Json::Array(items) => Yaml::Sequence(items.iter().map(yaml).collect()),
        Json::Object(entries) => {
            let mut mapping = Mapping::new();
            for (key, value) in entries {
                mapping.insert(Yaml::Value(Scalar::String(key.clone().into())), yaml(value));
            }
            Yaml::Mapping(mapping)
        }
    }
}

fn str_at<'a>(node: &'a Node, dotted: &str) -> Option<&'a str> {
    node.pointer(dotted).and_then(Node::as_str)
}

/// The longest description go-sdk accepts (`rules.StringMaxLength(1050)`).
const MAX_DESCRIPTION: usize = 1050;

/// Whether `name` is an RFC 1123 DNS label, as go-sdk requires of `metadata.name`
/// (`rules.StringDNSLabel`): lower-case letters, digits and `-`, at most 63 characters,
/// starting and ending with a letter or digit.
#[must_use]
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// The manifest's SLOs (its imports included) as OpenSLO v1 `kind: SLO` documents. An
/// SLO go-sdk would refuse (no service, indicator, window or target; a name that is not a
/// DNS label) is left out with a note.
#[must_use]
pub fn openslo(manifest: &Manifest) -> Export {
    let root = &manifest.root;
    let service = str_at(root, "service.name");
    let mut export = Export::default();
    for slo in root.get("slo").and_then(Node::as_array).unwrap_or_default() {
        let Some(name) = str_at(slo, "name") else {
            export
                .notes
                .push("an SLO without `name` is left out: OpenSLO names every SLO".to_owned());
            continue;
        };
        let kept = manifest.imports.kept.slos.get(name);
        match slo_document(slo, name, service, kept, &mut export.notes) {
            Ok(document) => {
                let problems = openslo_problems(&document);
                if problems.is_empty() {
                    export.documents.push(document);
                } else {
                    export
                        .notes
                        .push(format!("SLO `{name}` is left out: {}", problems.join("; ")));
                }
            }
            Err(why) => export
                .notes
                .push(format!("SLO `{name}` is left out: {why}")),
        }
    }
    export
}

fn slo_document(
    slo: &Node,
    name: &str,
    service: Option<&str>,
    kept: Option<&KeptSlo>,
    notes: &mut Vec<String>,
) -> Result<Json, String> {
    let service = service
        .or_else(|| kept.and_then(|k| k.service.as_deref()))
        .ok_or("OpenSLO requires `spec.service`; set `service.name` in the manifest")?;
    let target = slo
        .get("target")
        .and_then(Node::as_f64)
        .ok_or("it has no `target`, and an OpenSLO objective needs one")?;
    let mut spec = Map::new();
    if let Some(indicator) = str_at(slo, "indicator") {
        spec.insert("description".to_owned(), json!(indicator));
    }
    spec.insert("service".to_owned(), json!(service));
    let indicator = indicator(slo, name, kept)?;
    let ratio = indicator["spec"]["ratioMetric"].is_object();
    spec.insert("indicator".to_owned(), indicator);
    spec.insert("timeWindow".to_owned(), json!([time_window_of(slo, kept)?]));
    let method = kept
        .and_then(|k| k.budgeting_method.clone())
        .unwrap_or_else(|| "Occurrences".to_owned());
    spec.insert("budgetingMethod".to_owned(), json!(method));
    let mut objectives = objectives(target, kept);
    if ratio {
        // go-sdk forbids a threshold (`op`, `value`) beside a ratioMetric
        // (`sloRatioObjectiveValidationWhenInlinedSLI`); prr never judged it.
        let mut dropped = false;
        for objective in &mut objectives {
            if let Json::Object(fields) = objective {
                dropped |= fields.remove("op").is_some() | fields.remove("value").is_some();
            }
        }
        if dropped {
            notes.push(format!(
                "SLO `{name}`: its objectives' `op`/`value` are left out: OpenSLO forbids a threshold beside a `ratioMetric`"
            ));
        }
    }
    spec.insert("objectives".to_owned(), Json::Array(objectives));
    Ok(json!({
        "apiVersion": openslo::API_VERSION,
        "kind": "SLO",
        "metadata": { "name": name },
        "spec": spec,
    }))
}

/// The indicator inline: as the source wrote it when `[slo.sli]` is what it gave (or it
/// gave none: kept, not judged), else a Prometheus `ratioMetric` of `[slo.sli]`.
fn indicator(slo: &Node, name: &str, kept: Option<&KeptSlo>) -> Result<Json, String> {
    let queries = str_at(slo, "sli.good")
        .zip(str_at(slo, "sli.total"))
        .map(|(g, t)| (g.to_owned(), t.to_owned()));
    let source = kept.and_then(|k| k.indicator.as_ref());
    match (queries, source) {
        (queries, Some((written, gave))) if queries == *gave => Ok(written.clone()),
        (Some((good, total)), _) => {
            let sli_name = format!("{name}-sli");
            let sli_name = if is_dns_label(&sli_name) {
                sli_name
            } else {
                name.to_owned()
            };
            let source = |query: &str| json!({ "metricSource": { "type": "Prometheus", "spec": { "query": query } } });
            Ok(json!({
                "metadata": { "name": sli_name },
                "spec": { "ratioMetric": {
                    "counter": true,
                    "good": source(&good),
                    "total": source(&total),
                } },
            }))
        }
        (None, _) => Err(
            "it has no indicator OpenSLO can carry; give it `[slo.sli]` `good` and `total` queries"
                .to_owned(),
        ),
    }
}

/// `timeWindow[0]`: as the source wrote it when `slo.window` is what it gave, else from
/// `slo.window`.
fn time_window_of(slo: &Node, kept: Option<&KeptSlo>) -> Result<Json, String> {
    let window = str_at(slo, "window").map(str::to_owned);
    if let Some((written, gave)) = kept.and_then(|k| k.time_window.as_ref()) {
        if window == *gave {
            return Ok(written.clone());
        }
    }
    window
        .as_deref()
        .and_then(time_window)
        .ok_or_else(|| "it has no `window`, and OpenSLO requires one `timeWindow`".to_owned())
}

/// prr's window as an OpenSLO `timeWindow` entry: `Nd` rolling; week, month, quarter and
/// year as calendar windows (which the import reads back as the same word).
fn time_window(window: &str) -> Option<Json> {
    // 2024-01-01 is a Monday: the start of a week, a month, a quarter and a year.
    let calendar = |duration: &str| {
        json!({
            "duration": duration,
            "isRolling": false,
            "calendar": { "startTime": "2024-01-01 00:00:00", "timeZone": "UTC" },
        })
    };
    match window {
        "week" => Some(calendar("1w")),
        "month" => Some(calendar("1M")),
        "quarter" => Some(calendar("1Q")),
        "year" => Some(calendar("1Y")),
        days if days.ends_with('d') => Some(json!({ "duration": days, "isRolling": true })),
        _ => None,
    }
}

/// The objectives as the source wrote them, the first one's target the manifest's (as a
/// fraction, or as `targetPercent` where the source wrote a percentage).
fn objectives(target: f64, kept: Option<&KeptSlo>) -> Vec<Json> {
    // A fraction, as OpenSLO writes it, rounded past float noise (99.95 / 100).
    let fraction = (target / 100.0 * 1e12).round() / 1e12;
    let mut objectives = kept.map(|k| k.objectives.clone()).unwrap_or_default();
    match objectives.first_mut() {
        Some(Json::Object(first)) => {
            if first.contains_key("targetPercent") {
                first.insert("targetPercent".to_owned(), json!(target));
            } else {
                first.insert("target".to_owned(), json!(fraction));
            }
        }
        _ => objectives = vec![json!({ "target": fraction })],
    }
    objectives
}

/// What go-sdk's v1 validation (`pkg/openslo/v1`: `sloValidation`, `sloSpecValidation`,
/// `sliSpecValidation`, `validationRulesMetadata`) refuses in an SLO document, one line a
/// rule. Empty when it is valid.
#[must_use]
pub fn openslo_problems(document: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |rule: &str| problems.push(rule.to_owned());
    if document["apiVersion"] != openslo::API_VERSION {
        fail("`apiVersion` must be openslo/v1");
    }
    if document["kind"] != "SLO" {
        fail("`kind` must be SLO");
    }
    metadata_problems(&document["metadata"], "metadata", &mut fail);
    let spec = &document["spec"];
    if !spec.is_object() {
        fail("`spec` is required");
        return problems;
    }
    if spec["description"]
        .as_str()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        fail("`spec.description` is longer than 1050 characters");
    }
    if spec["service"].as_str().is_none_or(str::is_empty) {
        fail("`spec.service` is required");
    }
    let method = spec["budgetingMethod"].as_str().unwrap_or_default();
    if !["Occurrences", "Timeslices", "RatioTimeslices"].contains(&method) {
        fail("`spec.budgetingMethod` must be one of Occurrences, Timeslices, RatioTimeslices");
    }
    match spec["timeWindow"].as_array() {
        Some(windows) if windows.len() == 1 => {
            time_window_problems(&windows[0], &mut fail);
        }
        _ => fail("`spec.timeWindow` must hold exactly one window"),
    }
    let indicator = &spec["indicator"];
    let reference = &spec["indicatorRef"];
    match (indicator.is_object(), reference.is_string()) {
        (true, true) => fail("`spec.indicator` and `spec.indicatorRef` are mutually exclusive"),
        (false, false) => fail("`spec.indicator` or `spec.indicatorRef` is required"),
        (true, false) => {
            metadata_problems(&indicator["metadata"], "spec.indicator.metadata", &mut fail);
            sli_spec_problems(&indicator["spec"], &mut fail);
        }
        (false, true) => {
            if !reference.as_str().is_some_and(is_dns_label) {
                fail("`spec.indicatorRef` must be a DNS label");
            }
        }
    }
    let ratio = indicator["spec"]["ratioMetric"].is_object();
    let threshold = indicator["spec"]["thresholdMetric"].is_object();
    let objectives = spec["objectives"].as_array().cloned().unwrap_or_default();
    for objective in &objectives {
        objective_problems(objective, method, ratio, threshold, &mut fail);
    }
    problems
}

fn metadata_problems(metadata: &Json, at: &str, fail: &mut impl FnMut(&str)) {
    if !metadata.is_object() {
        fail(&format!("`{at}` is required"));
        return;
    }
    if !metadata["name"].as_str().is_some_and(is_dns_label) {
        fail(&format!(
            "`{at}.name` must be a DNS label (lower-case letters, digits and `-`, at most 63)"
        ));
    }
    if metadata["displayName"]
        .as_str()
        .is_some_and(|d| d.chars().count() > 63)
    {
        fail(&format!("`{at}.displayName` is longer than 63 characters"));
    }
}

fn time_window_problems(window: &Json, fail: &mut impl FnMut(&str)) {
    let rolling = window["isRolling"].as_bool().unwrap_or(false);
    let calendar = &window["calendar"];
    if rolling && !calendar.is_null() {
        fail("`calendar` cannot be set when `isRolling` is true");
    }
    if !rolling && calendar.is_null() {
        fail("`calendar` must be set when `isRolling` is false");
    }
    if !window["duration"].as_str().is_some_and(is_duration) {
        fail("`timeWindow.duration` must be a duration shorthand (a whole number and one of m, h, d, w, M, Q, Y)");
    }
    if calendar.is_object() {
        let start = calendar["startTime"].as_str().unwrap_or_default();
        if jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", start).is_err() {
            fail("`calendar.startTime` must be a date and time as `2006-01-02 15:04:05`");
        }
        let zone = calendar["timeZone"].as_str().unwrap_or_default();
        if !is_time_zone(zone) {
            fail("`calendar.timeZone` must be an IANA time zone");
        }
    }
}

/// Whether `zone` names a time zone (go-sdk: `time.LoadLocation`). Without a time zone
/// database on the machine, a name shaped like an IANA one (`America/New_York`) passes
/// rather than leaving every calendar window out.
fn is_time_zone(zone: &str) -> bool {
    if zone.is_empty() {
        return false;
    }
    if jiff::tz::TimeZone::get(zone).is_ok() {
        return true;
    }
    jiff::tz::db().is_definitively_empty()
        && zone.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-+".contains(&b))
        })
}

/// go-sdk's `DurationShorthand`: a whole number of minutes, hours, days, weeks, months,
/// quarters or years.
#[must_use]
pub fn is_duration(text: &str) -> bool {
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let count = &text[..text.len() - unit.len_utf8()];
    "mhdwMQY".contains(unit) && !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit())
}

fn sli_spec_problems(spec: &Json, fail: &mut impl FnMut(&str)) {
    if spec["description"]
        .as_str()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        fail("the indicator's `description` is longer than 1050 characters");
    }
    let ratio = &spec["ratioMetric"];
    let threshold = &spec["thresholdMetric"];
    match (ratio.is_object(), threshold.is_object()) {
        (true, true) => fail("`ratioMetric` and `thresholdMetric` are mutually exclusive"),
        (false, false) => fail("the indicator needs `ratioMetric` or `thresholdMetric`"),
        (false, true) => metric_problems(threshold, "thresholdMetric", fail),
        (true, false) => {
            let has = |key: &str| ratio[key].is_object();
            if has("raw") {
                if has("total") || has("good") || has("bad") {
                    fail("`ratioMetric.raw` excludes `total`, `good` and `bad`");
                }
                metric_problems(&ratio["raw"], "ratioMetric.raw", fail);
                let raw_type = ratio["rawType"].as_str().unwrap_or_default();
                if !["success", "failure"].contains(&raw_type) {
                    fail("`ratioMetric.rawType` must be success or failure");
                }
            } else if !has("total") {
                fail("`ratioMetric` needs `total` (or `raw`)");
            } else {
                match (has("good"), has("bad")) {
                    (true, true) => fail("`ratioMetric.good` and `bad` are mutually exclusive"),
                    (false, false) => fail("`ratioMetric` needs `good` or `bad`"),
                    _ => {}
                }
                for key in ["total", "good", "bad"] {
                    if has(key) {
                        metric_problems(&ratio[key], &format!("ratioMetric.{key}"), fail);
                    }
                }
            }
        }
    }
}

fn metric_problems(metric: &Json, at: &str, fail: &mut impl FnMut(&str)) {
    let source = &metric["metricSource"];
    if !source.is_object() {
        fail(&format!("`{at}.metricSource` is required"));
        return;
    }
    if source["spec"].as_object().is_none_or(Map::is_empty) {
        fail(&format!(
            "`{at}.metricSource.spec` must hold at least one key"
        ));
    }
    if let Some(reference) = source["metricSourceRef"].as_str() {
        if !reference.is_empty() && !is_dns_label(reference) {
            fail(&format!(
                "`{at}.metricSource.metricSourceRef` must be a DNS label"
            ));
        }
    }
}

fn objective_problems(
    objective: &Json,
    method: &str,
    ratio: bool,
    threshold: bool,
    fail: &mut impl FnMut(&str),
) {
    let target = objective["target"].as_f64();
    let percent = objective["targetPercent"].as_f64();
    match (target, percent) {
        (Some(_), Some(_)) => fail("`target` and `targetPercent` are mutually exclusive"),
        (None, None) => fail("an objective needs `target` or `targetPercent`"),
        (Some(t), None) if !(0.0..1.0).contains(&t) => {
            fail("`target` must be at least 0 and below 1")
        }
        (None, Some(p)) if !(0.0..100.0).contains(&p) => {
            fail("`targetPercent` must be at least 0 and below 100");
        }
        _ => {}
    }
    let has_value = !objective["value"].is_null();
    let has_op = !objective["op"].is_null();
    if ratio && (has_value || has_op) {
        fail("`op` and `value` are forbidden with a `ratioMetric` indicator");
    }
    if threshold {
        if !has_value {
            fail("`value` is required with a `thresholdMetric` indicator");
        }
        if !objective["op"]
            .as_str()
            .is_some_and(|op| ["lt", "lte", "gt", "gte"].contains(&op))
        {
            fail("`op` must be one of lt, lte, gt, gte with a `thresholdMetric` indicator");
        }
    }
    if method == "Timeslices" || method == "RatioTimeslices" {
        if !objective["timeSliceWindow"]
            .as_str()
            .is_some_and(is_duration)
        {
            fail("`timeSliceWindow` is required with timeslice budgeting");
        }
        if method == "Timeslices"
            && !objective["timeSliceTarget"]
                .as_f64()
                .is_some_and(|t| t > 0.0 && t <= 1.0)
        {
            fail("`timeSliceTarget` (above 0, at most 1) is required with Timeslices budgeting");
        }
    }
}

/// Whether `name` is a valid Backstage entity name (`KubernetesValidatorFunctions`): at
/// most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a
/// letter or digit.
#[must_use]
pub fn is_entity_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// The catalog-info fields prr knows, as a Backstage `kind: Component`, with what the
/// imported Component kept (namespace, type, system, the owner and dependencies as
/// written). The owner is written back as the group the pack's `[import.backstage]` maps
/// to it; a Component that cannot be written validly (no name or lifecycle, an owner no
/// group maps to) is left out with a note.
#[must_use]
pub fn backstage(manifest: &Manifest, settings: &Settings) -> Export {
    let mut export = Export::default();
    match component(manifest, settings, &mut export.notes) {
        Ok(document) => export.documents.push(document),
        Err(why) => export
            .notes
            .push(format!("the Component is left out: {why}")),
    }
    export
}

fn component(
    manifest: &Manifest,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<Json, String> {
    let root = &manifest.root;
    let kept = manifest.imports.kept.component.clone().unwrap_or_default();
    let name =
        str_at(root, "service.name").ok_or("it needs `metadata.name`; set `service.name`")?;
    if !is_entity_name(name) {
        return Err(format!("`{name}` is not a Backstage entity name (at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit)"));
    }
    let lifecycle = str_at(root, "service.lifecycle")
        .ok_or("it needs `spec.lifecycle`; set `service.lifecycle`")?;
    let owner =
        str_at(root, "service.owner").ok_or("it needs `spec.owner`; set `service.owner`")?;
    let owner = match &kept.owner {
        Some((written, gave)) if gave == owner => written.clone(),
        _ => group_of(owner, settings).ok_or_else(|| {
            format!(
                "`service.owner` `{owner}` is not a Backstage entity reference, and the pack maps no group to it; set `[import.backstage] owner_format` (such as \"{}\") or an `owners` entry for it",
                suggested_format(owner)
            )
        })?,
    };
    let mut metadata = Map::new();
    metadata.insert("name".to_owned(), json!(name));
    if let Some(namespace) = &kept.namespace {
        metadata.insert("namespace".to_owned(), json!(namespace));
    }
    if let Some(description) = str_at(root, "service.description") {
        metadata.insert("description".to_owned(), json!(description));
    }
    let mut links = Vec::new();
    if let Some(runbook) = str_at(root, "docs.runbook") {
        links.push(json!({ "url": runbook, "title": "Runbook", "type": "runbook" }));
    }
    for dashboard in root
        .pointer("monitoring.dashboards")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
    {
        links.push(json!({ "url": dashboard, "title": "Dashboard", "type": "dashboard" }));
    }
    if !links.is_empty() {
        metadata.insert("links".to_owned(), Json::Array(links));
    }
    let mut spec = Map::new();
    spec.insert(
        "type".to_owned(),
        json!(kept.kind.as_deref().unwrap_or("service")),
    );
    spec.insert("lifecycle".to_owned(), json!(lifecycle));
    spec.insert("owner".to_owned(), json!(owner));
    if let Some(system) = &kept.system {
        spec.insert("system".to_owned(), json!(system));
    }
    let mut depends_on = Vec::new();
    for dependency in root
        .get("dependency")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| str_at(d, "name"))
    {
        if let Some((written, _)) = kept.depends_on.iter().find(|(_, gave)| gave == dependency) {
            depends_on.push(json!(written));
        } else if is_entity_name(dependency) {
            // prr.toml does not say what kind of entity a dependency is.
            depends_on.push(json!(format!("component:{dependency}")));
        } else {
            notes.push(format!(
                "dependency `{dependency}` is left out of `dependsOn`: it is not a Backstage entity name"
            ));
        }
    }
    if !depends_on.is_empty() {
        spec.insert("dependsOn".to_owned(), Json::Array(depends_on));
    }
    Ok(json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": metadata,
        "spec": spec,
    }))
}

/// An owner format that would read `owner` back, for the note that asks for one.
fn suggested_format(owner: &str) -> String {
    match owner.rsplit_once('/') {
        Some((org, _)) if owner.starts_with('@') => format!("{org}/{{name}}"),
        _ => "@<org>/{name}".to_owned(),
    }
}

/// The Backstage group whose handle `owner` is, by the pack's table or format, as an
/// entity reference (`group:payments`, `group:ops/payments`); a `user:` reference as
/// written; `None` when neither gives one.
fn group_of(owner: &str, settings: &Settings) -> Option<String> {
    let reference = |group: &EntityRef| {
        if group.namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE) {
            format!("group:{}", group.name)
        } else {
            format!("group:{}/{}", group.namespace, group.name)
        }
    };
    if let Some((written, _)) = settings.owners.iter().find(|(_, handle)| *handle == owner) {
        let group = EntityRef::parse(written, Some("group"), DEFAULT_NAMESPACE)?;
        return Some(reference(&group));
    }
    if let Some(group) = from_format(owner, &settings.owner_format) {
        return Some(reference(&group));
    }
    // A user is already a Backstage reference (ownership.team says it names a person).
    EntityRef::parse(owner, None, DEFAULT_NAMESPACE)
        .filter(|r| r.is("user") && is_entity_name(&r.name))
        .map(|_| owner.to_owned())
}

/// The group `owner_format` made `owner` from: `{name}` (and `{namespace}`) read back.
fn from_format(owner: &str, format: &str) -> Option<EntityRef> {
    let mut pattern = String::from("^");
    let mut rest = format;
    while let Some(at) = rest.find('{') {
        pattern.push_str(&regex::escape(&rest[..at]));
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("{name}") {
            pattern.push_str("(?P<name>[A-Za-z0-9][-A-Za-z0-9_.]*)");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("{namespace}") {
            pattern.push_str("(?P<namespace>[A-Za-z0-9][-A-Za-z0-9_.]*)");
            rest = tail;
        } else {
            pattern.push_str(&regex::escape("{"));
            rest = &after[1..];
        }
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    let found = regex::Regex::new(&pattern).ok()?.captures(owner)?;
    let name = found.name("name")?.as_str();
    if !is_entity_name(name) {
        return None;
    }
    Some(EntityRef {
        kind: Some("group".to_owned()),
        namespace: found
            .name("namespace")
            .map_or(DEFAULT_NAMESPACE, |n| n.as_str())
            .to_owned(),
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_go_back_to_their_group() {
        let mut settings = Settings::default();
        assert_eq!(
            group_of("team:payments", &settings).as_deref(),
            Some("group:payments")
        );
        settings.owner_format = "@acme/{name}".to_owned();
        assert_eq!(
            group_of("@acme/payments", &settings).as_deref(),
            Some("group:payments")
        );
        settings
            .owners
            .insert("group:default/risk".to_owned(), "@acme/fraud".to_owned());
        assert_eq!(
            group_of("@acme/fraud", &settings).as_deref(),
            Some("group:risk")
        );
        assert_eq!(group_of("team:x", &settings), None);
        assert_eq!(group_of("@globex/ledger", &settings), None);
        assert_eq!(
            group_of("user:guest", &settings).as_deref(),
            Some("user:guest")
        );
        settings.owner_format = "@acme/{namespace}-{name}".to_owned();
        assert_eq!(
            group_of("@acme/ops-db", &settings).as_deref(),
            Some("group:ops/db")
        );
    }

    #[test]
    fn the_note_suggests_a_format_that_reads_the_owner_back() {
        assert_eq!(suggested_format("@globex/ledger"), "@globex/{name}");
        assert_eq!(suggested_format("team:ledger"), "@<org>/{name}");
    }

    #[test]
    fn dns_labels_and_durations_are_go_sdks() {
        assert!(is_dns_label("requests-availability"));
        assert!(!is_dns_label("Requests"));
        assert!(!is_dns_label("a_b"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert!(is_duration("28d") && is_duration("1M") && is_duration("5m"));
        assert!(!is_duration("d") && !is_duration("1s") && !is_duration("1.5d"));
    }
}
