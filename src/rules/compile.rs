//! From rule definitions as written to [`Rule`]s ready to run: paths parsed, regexes and
//! schemas compiled (once per run), native checks built from their `with` tables. Every
//! problem becomes a diagnostic pointing into the rule file.

use std::sync::Arc;

use jiff::civil::Date;
use toml::Spanned;

use super::model::{AssertDef, CheckDef, RuleDef, WhenDef};
use super::{builtin, Assertion, Check, Op, Origin, Rule, RuleTest, Severity, When};
use crate::diagnostic::Diagnostic;
use crate::manifest::path::Path;
use crate::manifest::schema::CompiledSchema;
use crate::manifest::Format;
use crate::source::{SourceFile, Span};

/// Reads a `schema_file` named by a rule file (relative to it).
pub trait SchemaFiles {
    /// The file's text, or why it cannot be read.
    ///
    /// # Errors
    /// The file is missing or unreadable.
    fn read(&self, relative: &str) -> Result<String, String>;
}

/// A rule definition with everything needed to compile it.
#[derive(Clone, Debug)]
pub struct RawRule {
    pub def: RuleDef,
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub pack: String,
    pub enabled: bool,
    pub overridden: Vec<String>,
    pub schema_files: Arc<dyn SchemaFilesDebug>,
}

/// [`SchemaFiles`] that can be printed in debug output.
pub trait SchemaFilesDebug: SchemaFiles + std::fmt::Debug + Send + Sync {}
impl<T: SchemaFiles + std::fmt::Debug + Send + Sync> SchemaFilesDebug for T {}

struct Cx<'a> {
    source: &'a Arc<SourceFile>,
    files: &'a dyn SchemaFilesDebug,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Cx<'_> {
    fn error(&mut self, span: impl Into<Span>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::at(self.source, span.into(), message));
    }
}

fn span_of<T>(spanned: &Spanned<T>) -> Span {
    Span::from(spanned.span())
}

/// Compiles one rule; `None` (with diagnostics) when any part of it is invalid.
pub fn compile(raw: &RawRule, diagnostics: &mut Vec<Diagnostic>) -> Option<Rule> {
    let def = &raw.def;
    let mut cx = Cx {
        source: &raw.source,
        files: raw.schema_files.as_ref(),
        diagnostics,
    };
    let before = cx.diagnostics.len();
    let id = def.id.get_ref().clone();
    let check = compile_check(&def.check(), raw.span, &mut cx);
    let when = def
        .when
        .as_ref()
        .map(|w| when_of(w.get_ref()))
        .unwrap_or_default();
    let enforce_after = def
        .enforce_after
        .as_ref()
        .and_then(|d| date(d, "enforce_after", &mut cx));
    let tests = def
        .test
        .iter()
        .filter_map(|test| {
            let t = test.get_ref();
            let format = match t.format.as_deref() {
                None | Some("toml") => Format::Toml,
                Some("json") => Format::Json,
                Some(other) => {
                    cx.error(
                        span_of(test),
                        format!("test format `{other}` is not toml or json"),
                    );
                    return None;
                }
            };
            let at = raw.source.line_col(t.manifest.span().start);
            Some(RuleTest {
                name: t.name.clone(),
                expect: t.expect,
                manifest: t.manifest.get_ref().clone(),
                format,
                as_of: t.as_of.as_ref().and_then(|d| date(d, "as_of", &mut cx)),
                facts: t.facts.clone().unwrap_or_default(),
                origin: Origin {
                    pack: raw.pack.clone(),
                    file: raw.source.name.clone(),
                    line: at.line,
                    column: at.column,
                },
            })
        })
        .collect();
    let check = check?;
    if cx.diagnostics.len() > before {
        return None;
    }
    let at = raw.source.line_col(raw.span.start);
    Some(Rule {
        title: def.title.clone().unwrap_or_else(|| id.clone()),
        severity: def.severity.unwrap_or(Severity::Error),
        category: def
            .category
            .clone()
            .unwrap_or_else(|| id.split('.').next().unwrap_or_default().to_owned()),
        when,
        rationale: def.rationale.clone().unwrap_or_default(),
        remediation: def.remediation.clone().unwrap_or_default(),
        docs: def.docs.clone(),
        answers: def.answers.clone(),
        enforce_after,
        level: def.level.as_ref().map(|l| l.get_ref().clone()),
        enabled: raw.enabled,
        check,
        tests,
        origin: Origin {
            pack: raw.pack.clone(),
            file: raw.source.name.clone(),
            line: at.line,
            column: at.column,
        },
        overridden: raw.overridden.clone(),
        id,
    })
}

/// `when` as written to [`When`].
#[must_use]
pub fn when_of(def: &WhenDef) -> When {
    When {
        tier: def.tier.as_ref().map(super::model::OneOrMany::to_vec),
        lifecycle: def.lifecycle.as_ref().map(super::model::OneOrMany::to_vec),
        labels: def.labels.as_ref().map(super::model::OneOrMany::to_vec),
        deploy: def.deploy,
    }
}

/// A TOML date as a calendar date; a date-time or a time is refused.
fn date(value: &Spanned<toml::value::Datetime>, field: &str, cx: &mut Cx<'_>) -> Option<Date> {
    let parsed = value
        .get_ref()
        .date
        .filter(|_| value.get_ref().time.is_none())
        .and_then(|d| {
            Date::new(
                i16::try_from(d.year).ok()?,
                i8::try_from(d.month).ok()?,
                i8::try_from(d.day).ok()?,
            )
            .ok()
        });
    if parsed.is_none() {
        cx.error(
            span_of(value),
            format!("`{field}` must be a date (YYYY-MM-DD)"),
        );
    }
    parsed
}

fn compile_check(def: &CheckDef, rule_span: Span, cx: &mut Cx<'_>) -> Option<Check> {
    let kinds: Vec<&str> = [
        ("require", def.require.is_some()),
        ("assert", def.assert.is_some()),
        ("schema", def.schema.is_some()),
        ("schema_file", def.schema_file.is_some()),
        ("builtin", def.builtin.is_some()),
        ("all", def.all.is_some()),
        ("any", def.any.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if kinds.len() != 1 {
        let found = if kinds.is_empty() {
            "none".to_owned()
        } else {
            kinds.join(" and ")
        };
        cx.error(
            rule_span,
            format!("a check is exactly one of require, assert, schema, schema_file, builtin, all, any; this one has {found}"),
        );
        return None;
    }
    if let (Some(with), None) = (&def.with, &def.builtin) {
        cx.error(
            span_of(with),
            "`with` gives parameters to a `builtin` check, and there is none",
        );
        return None;
    }
    if let Some(paths) = &def.require {
        return compile_require(paths, cx);
    }
    if let Some(assert) = &def.assert {
        return compile_assert(assert, cx).map(Check::Assert);
    }
    if let Some(schema) = &def.schema {
        let json = serde_json::to_value(schema.get_ref()).unwrap_or_default();
        return compile_schema(json, span_of(schema), cx);
    }
    if let Some(file) = &def.schema_file {
        return match cx.files.read(file.get_ref()) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(json) => compile_schema(json, span_of(file), cx),
                Err(err) => {
                    cx.error(
                        span_of(file),
                        format!("schema_file `{}` is not JSON: {err}", file.get_ref()),
                    );
                    None
                }
            },
            Err(err) => {
                cx.error(
                    span_of(file),
                    format!("schema_file `{}`: {err}", file.get_ref()),
                );
                None
            }
        };
    }
    if let Some(name) = &def.builtin {
        let Some(spec) = builtin::find(name.get_ref()) else {
            let names: Vec<&str> = builtin::REGISTRY.iter().map(|s| s.name).collect();
            cx.error(
                span_of(name),
                format!(
                    "unknown builtin `{}`; the builtins are {}",
                    name.get_ref(),
                    names.join(", ")
                ),
            );
            return None;
        };
        let empty = toml::Table::new();
        let with = def.with.as_ref().map_or(&empty, Spanned::get_ref);
        return match (spec.build)(with) {
            Ok(check) => Some(Check::Builtin(check)),
            Err(err) => {
                let span = def.with.as_ref().map_or(span_of(name), span_of);
                cx.error(span, format!("builtin `{}`: {err}", spec.name));
                None
            }
        };
    }
    let (members, all) = match (&def.all, &def.any) {
        (Some(members), _) => (members, true),
        (_, Some(members)) => (members, false),
        _ => return None,
    };
    if members.get_ref().is_empty() {
        cx.error(span_of(members), "`all`/`any` needs at least one check");
        return None;
    }
    let checks: Vec<Option<Check>> = members
        .get_ref()
        .iter()
        .map(|member| compile_check(member.get_ref(), span_of(member), cx))
        .collect();
    let checks: Option<Vec<Check>> = checks.into_iter().collect();
    checks.map(|c| if all { Check::All(c) } else { Check::Any(c) })
}

fn compile_require(paths: &[Spanned<String>], cx: &mut Cx<'_>) -> Option<Check> {
    if paths.is_empty() {
        cx.error(Span::START, "`require` needs at least one path");
        return None;
    }
    let mut parsed = Vec::new();
    for path in paths {
        match path.get_ref().parse::<Path>() {
            Ok(p) => parsed.push(p),
            Err(err) => cx.error(span_of(path), err.to_string()),
        }
    }
    (parsed.len() == paths.len()).then_some(Check::Require(parsed))
}

fn compile_assert(def: &Spanned<AssertDef>, cx: &mut Cx<'_>) -> Option<Assertion> {
    let a = def.get_ref();
    let path = match a.path.get_ref().parse::<Path>() {
        Ok(path) => path,
        Err(err) => {
            cx.error(span_of(&a.path), err.to_string());
            return None;
        }
    };
    let mut ops = Vec::new();
    if let Some(min) = a.min {
        ops.push(Op::Min(min));
    }
    if let Some(max) = a.max {
        ops.push(Op::Max(max));
    }
    if let Some(options) = &a.one_of {
        ops.push(Op::OneOf(
            options
                .iter()
                .map(|v| serde_json::to_value(v).unwrap_or_default())
                .collect(),
        ));
    }
    if let Some(pattern) = &a.matches {
        match regex::RegexBuilder::new(pattern.get_ref())
            .size_limit(1 << 20)
            .build()
        {
            Ok(re) => ops.push(Op::Matches(re)),
            Err(err) => {
                cx.error(
                    span_of(pattern),
                    format!(
                        "`matches` is not a valid regular expression: {}",
                        super::regex_problem(&err)
                    ),
                );
                return None;
            }
        }
    }
    if let Some(value) = &a.equals {
        ops.push(Op::Equals(serde_json::to_value(value).unwrap_or_default()));
    }
    if let Some(days) = a.max_age_days {
        if days < 0 {
            cx.error(span_of(def), "`max_age_days` must be 0 or more");
            return None;
        }
        ops.push(Op::MaxAgeDays(days));
    }
    if ops.is_empty() {
        cx.error(
            span_of(def),
            "`assert` needs an operator: min, max, one_of, matches, equals or max_age_days",
        );
        return None;
    }
    Some(Assertion {
        path,
        ops,
        optional: a.optional,
    })
}

fn compile_schema(json: serde_json::Value, span: Span, cx: &mut Cx<'_>) -> Option<Check> {
    match CompiledSchema::compile(json) {
        Ok(schema) => Some(Check::Schema(Arc::new(schema))),
        Err(err) => {
            cx.error(span, format!("the schema does not compile: {err}"));
            None
        }
    }
}
