//! Loading rule packs: a directory with `pack.toml` and rule files, a single rule file, or
//! the built-in pack embedded in the binary; `extends` chains and `override`s composed into
//! one [`RuleSet`]. Every problem in every file is reported, each at its file:line:column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{include_dir, Dir};
use toml::Spanned;

use super::compile::{compile, RawRule, SchemaFiles};
use super::model::{OnUnavailable, PackFileDef, RuleFileDef, Severity};
use super::{RuleSet, DEFAULT_WAIVER_MAX_DAYS, MANDATORY};
use crate::diagnostic::{Diagnostic, Error};
use crate::manifest::parse::toml_message;
use crate::source::{display_name, read_text_in, SourceFile, Span};

/// The built-in pack: the repository's `rules/` directory, embedded.
static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// Where a pack comes from.
#[derive(Clone, Debug)]
pub enum RulesSource {
    /// The embedded default pack.
    Builtin,
    /// A pack directory or a single rule file on disk.
    Path(PathBuf),
    /// A pack already fetched (from a trusted repository): relative path to text.
    Files {
        label: String,
        files: BTreeMap<String, String>,
    },
}

impl RulesSource {
    /// A pack as named on the command line: `builtin`, or a path.
    #[must_use]
    pub fn from_arg(arg: &str) -> Self {
        if arg == "builtin" {
            Self::Builtin
        } else {
            Self::Path(PathBuf::from(arg))
        }
    }
}

/// A pack's files in memory, whatever they came from.
#[derive(Debug)]
struct PackFiles {
    /// How the pack's files are named to people (`acme-rules`, `builtin:`).
    label: String,
    /// The directory on disk, for `extends` with a relative path.
    dir: Option<PathBuf>,
    files: BTreeMap<String, String>,
}

impl PackFiles {
    fn name_of(&self, relative: &str) -> String {
        if self.label.ends_with(':') || self.label.is_empty() {
            format!("{}{relative}", self.label)
        } else {
            format!("{}/{relative}", self.label)
        }
    }
}

#[derive(Debug)]
struct PackSchemaFiles {
    files: Arc<PackFiles>,
    base: String,
}

impl SchemaFiles for PackSchemaFiles {
    fn read(&self, relative: &str) -> Result<String, String> {
        let joined = if self.base.is_empty() {
            relative.to_owned()
        } else {
            format!("{}/{relative}", self.base)
        };
        self.files.files.get(&joined).cloned().ok_or_else(|| {
            format!(
                "no such file beside the rule file ({})",
                self.files.name_of(&joined)
            )
        })
    }
}

/// A pack with its `extends` resolved and its overrides applied.
struct Composed {
    /// The pack's own name (its rules' `Origin::pack`).
    name: String,
    rules: Vec<RawRule>,
    settings: Settings,
    packs: Vec<String>,
    /// The pack's own `[[pack.omitted]]` (not those of the packs it extends).
    omitted: Vec<super::model::OmittedDef>,
}

/// The `[pack]` settings of a composed pack: the outer pack's over those it extends, a
/// later `--rules` over an earlier one.
#[derive(Default)]
struct Settings {
    waiver_max_days: Option<i64>,
    levels: Option<Vec<String>>,
    max_items: BTreeMap<String, usize>,
    on_unavailable: Option<OnUnavailable>,
    deploy_on_unavailable: Option<OnUnavailable>,
    waiver_approvers: Option<String>,
    prometheus: Option<crate::rules::sources::PrometheusSource>,
    pagerduty: Option<crate::rules::sources::PagerDutySource>,
    incidents: Option<crate::rules::sources::IncidentsSource>,
    backstage: Option<super::model::BackstageDef>,
}

impl Settings {
    /// Takes what `over` sets, keeping the rest.
    fn overlay(&mut self, over: Settings) {
        self.waiver_max_days = over.waiver_max_days.or(self.waiver_max_days);
        self.levels = over.levels.or(self.levels.take());
        self.max_items.extend(over.max_items);
        self.on_unavailable = over.on_unavailable.or(self.on_unavailable);
        self.deploy_on_unavailable = over.deploy_on_unavailable.or(self.deploy_on_unavailable);
        self.waiver_approvers = over.waiver_approvers.or(self.waiver_approvers.take());
        self.prometheus = over.prometheus.or(self.prometheus.take());
        self.pagerduty = over.pagerduty.or(self.pagerduty.take());
        self.incidents = over.incidents.or(self.incidents.take());
        self.backstage = over.backstage.or(self.backstage.take());
    }
}

/// The pack's `[import.backstage]` as the import reads it.
fn import_settings(
    backstage: Option<super::model::BackstageDef>,
) -> crate::manifest::import::Settings {
    let mut settings = crate::manifest::import::Settings::default();
    if let Some(def) = backstage {
        if let Some(format) = def.owner_format {
            settings.owner_format = format;
        }
        settings.owners = def.owners;
        settings.pagerduty_url = def.pagerduty_url;
    }
    settings
}

struct Loader<'a> {
    root: &'a Path,
    diagnostics: Vec<Diagnostic>,
    /// Canonical directories on the current `extends` chain (cycles are errors).
    chain: Vec<PathBuf>,
    /// A file could not be read or parsed: the pack is not all there.
    unreadable: bool,
    /// The files that could not be parsed, by the name their diagnostics carry.
    unparsed: BTreeSet<String>,
}

/// A pack loaded for its authors (`prr rules lint`, `prr rules test`): every rule that
/// compiled, with the problems of everything that did not.
#[derive(Debug)]
pub struct Loaded {
    pub rules: RuleSet,
    /// The names of the packs named (not inherited): their rules are their authors' own.
    pub own: Vec<String>,
    /// Every problem found, each at its file:line:column.
    pub diagnostics: Vec<Diagnostic>,
    /// A file could not be read or parsed, so rules may be missing from `rules`.
    pub unreadable: bool,
    /// The rule files that could not be parsed (their rules are in neither `rules` nor
    /// `written`), so that a count of rules can say what it leaves out.
    pub unparsed: Vec<String>,
    /// Every rule as written, including those that did not compile: `prr rules lint`
    /// judges a rule's documentation and examples even when its check has a problem.
    pub written: Vec<RawRule>,
    /// The mandatory rules added from the built-in pack because no pack named defines them:
    /// they run, but their examples are the built-in pack's, tested there.
    pub implicit: Vec<String>,
}

impl Loaded {
    /// Whether a rule belongs to a pack named rather than to one it extends.
    #[must_use]
    pub fn is_own(&self, rule: &super::Rule) -> bool {
        self.own.contains(&rule.origin.pack)
    }

    /// Whether a rule runs only because it always runs, added from the built-in pack.
    #[must_use]
    pub fn is_implicit(&self, rule: &super::Rule) -> bool {
        self.implicit.contains(&rule.id)
    }
}

/// Loads and composes every pack named, compiles every rule once, and adds the mandatory
/// rules (`manifest.schema`, `waiver.valid`) from the built-in pack when a pack lacks them.
///
/// # Errors
/// Every problem found in every file, as diagnostics (exit 2).
pub fn load(sources: &[RulesSource], root: &Path) -> Result<RuleSet, Error> {
    let loaded = load_partial(sources, root);
    if loaded.diagnostics.is_empty() {
        Ok(loaded.rules)
    } else {
        Err(Error::Diagnostics(loaded.diagnostics))
    }
}

/// Loads like [`load`], but keeps going past problems: the rules that compiled, and the
/// diagnostics of the rest (for tools that report every problem rather than stop).
#[must_use]
pub fn load_partial(sources: &[RulesSource], root: &Path) -> Loaded {
    let mut loader = Loader {
        root,
        diagnostics: Vec::new(),
        chain: Vec::new(),
        unreadable: false,
        unparsed: BTreeSet::new(),
    };
    let mut own = Vec::new();
    let mut raw: Vec<RawRule> = Vec::new();
    let mut settings = Settings::default();
    let mut omitted = Vec::new();
    let mut packs = Vec::new();
    let default = [RulesSource::Builtin];
    let sources = if sources.is_empty() {
        &default[..]
    } else {
        sources
    };
    for source in sources {
        if let Some(files) = loader.files_of(source) {
            let shown = files.label.clone();
            let problems_before = loader.diagnostics.len();
            if let Some(composed) = loader.compose(files) {
                // A pack with no rules would pass every manifest on the two mandatory rules
                // alone: a path typo, or a pull request that empties the pack, would switch
                // the gate off without a word.
                if composed.rules.is_empty() && loader.diagnostics.len() == problems_before {
                    loader.diagnostics.push(no_rules(source, &shown, root));
                }
                own.push(composed.name);
                loader.merge(&mut raw, composed.rules);
                settings.overlay(composed.settings);
                packs.extend(composed.packs);
                omitted.extend(composed.omitted);
            }
        }
    }
    let levels = settings.levels.unwrap_or_default();
    check_levels(&raw, &levels, &mut loader.diagnostics);
    let mut implicit = Vec::new();
    if !MANDATORY
        .iter()
        .all(|id| raw.iter().any(|r| r.def.id.get_ref() == id))
    {
        if let Some(builtin) = loader.compose(builtin_files()) {
            for rule in builtin.rules {
                let id = rule.def.id.get_ref();
                if MANDATORY.contains(&id.as_str()) && !raw.iter().any(|r| r.def.id.get_ref() == id)
                {
                    implicit.push(id.clone());
                    raw.push(rule);
                }
            }
        }
    }
    let unreadable = loader.unreadable;
    let unparsed = loader.unparsed.into_iter().collect();
    let mut diagnostics = loader.diagnostics;
    let mut rules: Vec<_> = raw
        .iter()
        .filter_map(|r| compile(r, &mut diagnostics))
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Loaded {
        rules: RuleSet {
            rules,
            waiver_max_days: settings.waiver_max_days.unwrap_or(DEFAULT_WAIVER_MAX_DAYS),
            levels,
            packs,
            max_items: crate::manifest::limits::max_items(&settings.max_items),
            on_unavailable: settings.on_unavailable.unwrap_or_default(),
            deploy_on_unavailable: settings
                .deploy_on_unavailable
                .unwrap_or(OnUnavailable::Fail),
            waiver_approvers: settings.waiver_approvers,
            prometheus: settings.prometheus,
            pagerduty: settings.pagerduty,
            incidents: settings.incidents,
            imports: import_settings(settings.backstage),
            omitted,
        },
        own,
        diagnostics,
        unreadable,
        unparsed,
        written: raw,
        implicit,
    }
}

/// Every rule's `level` must be one of the levels in force, and the levels distinct.
fn check_levels(raw: &[RawRule], levels: &[String], diagnostics: &mut Vec<Diagnostic>) {
    for rule in raw {
        let Some(level) = &rule.def.level else {
            continue;
        };
        if !levels.contains(level.get_ref()) {
            let known = if levels.is_empty() {
                "the pack defines no levels; add `levels = [\"bronze\", \"silver\", \"gold\"]` to `[pack]`".to_owned()
            } else {
                format!("the levels are {}", levels.join(", "))
            };
            diagnostics.push(
                Diagnostic::at(
                    &rule.source,
                    Span::from(level.span()),
                    format!("unknown level `{}`", level.get_ref()),
                )
                .with_help(known),
            );
        }
    }
}

/// The problem of a `--rules` source that brings no rule at all.
fn no_rules(source: &RulesSource, label: &str, root: &Path) -> Diagnostic {
    let (shown, what) = match source {
        RulesSource::Path(path) if path.is_dir() => (
            display_name(path, root),
            "this directory holds no rule file (`*.toml` with `[[rule]]` tables) and extends no pack",
        ),
        RulesSource::Path(path) => (
            display_name(path, root),
            "this is not a rule file: it defines no `[[rule]]`",
        ),
        RulesSource::Files { .. } => (
            label.to_owned(),
            "this pack has no rule files (`*.toml` with `[[rule]]` tables) and extends no pack",
        ),
        RulesSource::Builtin => (label.to_owned(), "the built-in pack has no rules"),
    };
    Diagnostic::file(shown, format!("{what}: it would judge nothing"))
        .with_help("name a pack directory or rule file (a typo in --rules?), or `builtin`; a pack that only adjusts the built-in rules says `extends = [\"builtin\"]` in pack.toml")
}

fn builtin_files() -> PackFiles {
    let mut files = BTreeMap::new();
    collect_embedded(&BUILTIN, &mut files);
    PackFiles {
        label: "builtin:".to_owned(),
        dir: None,
        files,
    }
}

fn collect_embedded(dir: &Dir<'_>, files: &mut BTreeMap<String, String>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            files.insert(
                file.path().to_string_lossy().replace('\\', "/"),
                text.to_owned(),
            );
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files);
    }
}

impl Loader<'_> {
    fn files_of(&mut self, source: &RulesSource) -> Option<PackFiles> {
        match source {
            RulesSource::Builtin => Some(builtin_files()),
            RulesSource::Files { label, files } => Some(PackFiles {
                label: label.clone(),
                dir: None,
                files: files.clone(),
            }),
            RulesSource::Path(path) => self.read_path(path),
        }
    }

    fn read_path(&mut self, path: &Path) -> Option<PackFiles> {
        let name = display_name(path, self.root);
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) => {
                self.unreadable = true;
                self.diagnostics.push(
                    Diagnostic::file(&name, format!("cannot read the rules: {err}"))
                        .with_help("--rules takes a pack directory, a rule file, or `builtin`"),
                );
                return None;
            }
        };
        let mut files = BTreeMap::new();
        if meta.is_file() {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = self.read_file(path, &name)?;
            files.insert(file_name, text);
            let dir = path.parent().map(Path::to_path_buf);
            let label = dir
                .as_deref()
                .map(|d| display_name(d, self.root))
                .unwrap_or_default();
            return Some(PackFiles { label, dir, files });
        }
        let mut seen = BTreeSet::new();
        self.walk(path, "", &mut seen, &mut files);
        Some(PackFiles {
            label: name,
            dir: Some(path.to_path_buf()),
            files,
        })
    }

    fn read_file(&mut self, path: &Path, name: &str) -> Option<String> {
        match read_text_in(path, name, self.root) {
            Ok(file) => Some(file.text),
            Err(err) => {
                self.unreadable = true;
                self.diagnostics.push(Diagnostic::from(&err));
                None
            }
        }
    }

    /// Every `.toml` and `.json` file below `dir`, skipping hidden entries and symlink loops.
    fn walk(
        &mut self,
        dir: &Path,
        prefix: &str,
        seen: &mut BTreeSet<PathBuf>,
        files: &mut BTreeMap<String, String>,
    ) {
        let Ok(canonical) = dir.canonicalize() else {
            return;
        };
        if !seen.insert(canonical) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            self.unreadable = true;
            self.diagnostics.push(Diagnostic::file(
                display_name(dir, self.root),
                "cannot list the directory",
            ));
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if file_name.starts_with('.') {
                continue;
            }
            let relative = if prefix.is_empty() {
                file_name.clone()
            } else {
                format!("{prefix}/{file_name}")
            };
            if path.is_dir() {
                self.walk(&path, &relative, seen, files);
            } else if file_name.ends_with(".toml") || file_name.ends_with(".json") {
                let name = display_name(&path, self.root);
                if let Some(text) = self.read_file(&path, &name) {
                    files.insert(relative, text);
                }
            }
        }
    }

    fn compose(&mut self, files: PackFiles) -> Option<Composed> {
        let files = Arc::new(files);
        let pack_def = match files.files.get("pack.toml") {
            Some(text) => {
                let source = Arc::new(SourceFile::new(files.name_of("pack.toml"), text.clone()));
                match toml::from_str::<PackFileDef>(text) {
                    Ok(def) => Some((def, source)),
                    Err(err) => {
                        self.toml_error(&source, &err);
                        return None;
                    }
                }
            }
            None => None,
        };
        let pack_name = pack_def.as_ref().map_or_else(
            || files.label.trim_end_matches(':').to_owned(),
            |(def, _)| def.pack.name.clone(),
        );
        let mut rules = Vec::new();
        let mut packs = Vec::new();
        let mut settings = Settings::default();
        if let Some((def, source)) = &pack_def {
            packs.push(match &def.pack.version {
                Some(version) => format!("{} {version}", def.pack.name),
                None => def.pack.name.clone(),
            });
            for parent in &def.pack.extends {
                if let Some(composed) = self.extend(&files, source, parent) {
                    self.merge(&mut rules, composed.rules);
                    settings.overlay(composed.settings);
                    packs.extend(composed.packs);
                }
            }
            settings.overlay(Settings {
                waiver_max_days: None,
                levels: def.pack.levels.as_ref().map(|l| l.get_ref().clone()),
                max_items: def.pack.max_items.clone(),
                on_unavailable: def.pack.on_unavailable,
                deploy_on_unavailable: def.pack.deploy_on_unavailable,
                waiver_approvers: def.pack.waiver_approvers.clone(),
                prometheus: def.source.prometheus.clone(),
                pagerduty: def.source.pagerduty.clone(),
                incidents: def.source.incidents.clone(),
                backstage: def.import.backstage.clone(),
            });
            if let Some(days) = &def.pack.waiver_max_days {
                if *days.get_ref() < 0 {
                    self.diagnostics.push(Diagnostic::at(
                        source,
                        Span::from(days.span()),
                        "`waiver_max_days` must be 0 or more",
                    ));
                }
                settings.waiver_max_days = Some(*days.get_ref());
            }
        } else {
            packs.push(pack_name.clone());
        }
        let mut own = Vec::new();
        for (relative, text) in &files.files {
            if relative == "pack.toml" || !relative.ends_with(".toml") {
                continue;
            }
            let source = Arc::new(SourceFile::new(files.name_of(relative), text.clone()));
            let parsed = match toml::from_str::<RuleFileDef>(text) {
                Ok(parsed) => parsed,
                Err(err) => {
                    self.toml_error(&source, &err);
                    continue;
                }
            };
            let base = relative
                .rsplit_once('/')
                .map_or("", |(dir, _)| dir)
                .to_owned();
            let schema_files = Arc::new(PackSchemaFiles {
                files: Arc::clone(&files),
                base,
            });
            for rule in parsed.rule {
                let span = Span::from(rule.span());
                let def = rule.into_inner();
                own.push(RawRule {
                    enabled: def.enabled.unwrap_or(true),
                    def,
                    source: Arc::clone(&source),
                    span,
                    pack: pack_name.clone(),
                    overridden: Vec::new(),
                    schema_files: schema_files.clone(),
                });
            }
        }
        self.merge(&mut rules, own);
        if let Some((def, source)) = &pack_def {
            for (id, over) in &def.overrides {
                self.apply_override(&mut rules, id, over, source, &pack_name);
            }
        }
        Some(Composed {
            name: pack_name,
            rules,
            settings,
            packs,
            omitted: pack_def
                .map(|(def, _)| def.pack.omitted)
                .unwrap_or_default(),
        })
    }

    fn extend(
        &mut self,
        files: &PackFiles,
        source: &Arc<SourceFile>,
        parent: &Spanned<String>,
    ) -> Option<Composed> {
        let span = Span::from(parent.span());
        let target = parent.get_ref().trim();
        if target == "builtin" {
            return self.compose(builtin_files());
        }
        let Some(dir) = &files.dir else {
            self.diagnostics.push(Diagnostic::at(
                source,
                span,
                format!("`{target}`: a pack that is not on disk can extend only \"builtin\""),
            ));
            return None;
        };
        let path = dir.join(target);
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        let own = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if canonical == own || self.chain.contains(&canonical) {
            self.diagnostics.push(Diagnostic::at(
                source,
                span,
                format!("`extends = \"{target}\"` makes a cycle"),
            ));
            return None;
        }
        if !path.exists() {
            self.diagnostics.push(Diagnostic::at(source, span, format!(
                "`{target}` does not exist (relative to {})", display_name(dir, self.root)
            )).with_help("extends takes \"builtin\" or a path to another pack, relative to this pack.toml"));
            return None;
        }
        self.chain.push(own);
        let composed = self
            .read_path(&path)
            .and_then(|parent_files| self.compose(parent_files));
        self.chain.pop();
        composed
    }

    /// Adds rules, refusing an id already defined.
    fn merge(&mut self, into: &mut Vec<RawRule>, rules: Vec<RawRule>) {
        for rule in rules {
            let id = rule.def.id.get_ref();
            // The same definition reached twice (two packs that both extend `builtin`, a
            // diamond of `extends`) is one rule inherited twice, not two definitions: the
            // later one stands, with the overrides of the pack that brought it.
            if let Some(same) = into.iter_mut().find(|r| {
                r.def.id.get_ref() == id && r.source.name == rule.source.name && r.span == rule.span
            }) {
                *same = rule;
                continue;
            }
            if let Some(first) = into.iter().find(|r| r.def.id.get_ref() == id) {
                let at = first.source.line_col(first.span.start);
                self.diagnostics.push(
                    Diagnostic::at(
                        &rule.source,
                        Span::from(rule.def.id.span()),
                        format!(
                            "rule `{id}` is defined twice: first at {}:{at}",
                            first.source.name
                        ),
                    )
                    .with_help("to change an inherited rule, use [override.\"<id>\"] in pack.toml"),
                );
                continue;
            }
            into.push(rule);
        }
    }

    fn apply_override(
        &mut self,
        rules: &mut [RawRule],
        id: &str,
        over: &Spanned<super::model::OverrideDef>,
        source: &Arc<SourceFile>,
        pack: &str,
    ) {
        let span = Span::from(over.span());
        let Some(rule) = rules.iter_mut().find(|r| r.def.id.get_ref() == id) else {
            let known: Vec<&str> = rules.iter().map(|r| r.def.id.get_ref().as_str()).collect();
            let hint = crate::manifest::schema::closest(id, &known)
                .map(|near| format!(" (did you mean `{near}`?)"))
                .unwrap_or_default();
            self.diagnostics.push(Diagnostic::at(source, span, format!(
                "[override.\"{id}\"] names a rule that does not exist in this pack or what it extends{hint}"
            )));
            return;
        };
        let o = over.get_ref();
        let at = source.line_col(span.start);
        let by = format!("by {pack} ({}:{at})", source.name);
        if MANDATORY.contains(&id)
            && (o.enabled == Some(false)
                || o.severity.is_some_and(|s| s != Severity::Error)
                || o.when.is_some()
                || o.enforce_after.is_some())
        {
            self.diagnostics.push(Diagnostic::at(
                source,
                span,
                format!("`{id}` always runs: it cannot be disabled, lowered, narrowed or deferred"),
            ));
            return;
        }
        if let Some(severity) = o.severity {
            rule.def.severity = Some(severity);
            rule.overridden.push(format!("severity {severity} {by}"));
        }
        if let Some(enabled) = o.enabled {
            rule.enabled = enabled;
            rule.overridden.push(format!(
                "{} {by}",
                if enabled { "enabled" } else { "disabled" }
            ));
        }
        if let Some(date) = &o.enforce_after {
            // Judged here, so that a bad date points into pack.toml, not the rule file.
            let d = date.get_ref();
            if d.date.is_none() || d.time.is_some() {
                self.diagnostics.push(Diagnostic::at(
                    source,
                    Span::from(date.span()),
                    "`enforce_after` must be a date (YYYY-MM-DD)",
                ));
                return;
            }
            rule.def.enforce_after = Some(Spanned::new(rule.def.id.span(), *d));
            rule.overridden.push(format!("enforce_after {d} {by}"));
        }
        if let Some(when) = &o.when {
            rule.def.when = Some(when.clone());
            rule.overridden.push(format!("when {by}"));
        }
        if let Some(with) = &o.with {
            let mut merged = rule
                .def
                .with
                .as_ref()
                .map(|w| w.get_ref().clone())
                .unwrap_or_default();
            merged.extend(with.get_ref().clone());
            // Built here once to judge the parameters, so that an error points into pack.toml.
            let spec = rule
                .def
                .builtin
                .as_ref()
                .and_then(|name| super::builtin::find(name.get_ref()));
            let Some(spec) = spec else {
                self.diagnostics.push(Diagnostic::at(
                    source,
                    Span::from(with.span()),
                    format!("`with` sets parameters of a builtin check, and `{id}` has none"),
                ));
                return;
            };
            if let Err(err) = (spec.build)(&merged) {
                self.diagnostics.push(Diagnostic::at(
                    source,
                    Span::from(with.span()),
                    format!("builtin `{}`: {err}", spec.name),
                ));
                return;
            }
            let keep = rule
                .def
                .with
                .as_ref()
                .map_or_else(|| rule.def.id.span(), Spanned::span);
            rule.def.with = Some(Spanned::new(keep, merged));
            rule.overridden.push(format!("with {by}"));
        }
    }

    fn toml_error(&mut self, source: &Arc<SourceFile>, err: &toml::de::Error) {
        self.unreadable = true;
        self.unparsed.insert(source.name.clone());
        let span = err.span().map_or(Span::START, Span::from);
        self.diagnostics.push(Diagnostic::at(
            source,
            span,
            toml_message(err).replacen("TOML syntax: ", "", 1),
        ));
    }
}
