//! `[import]`: the facts a service already keeps elsewhere (Backstage's `catalog-info.yaml`,
//! OpenSLO documents, sloth specs), read when the manifest is loaded and joined to its
//! document, so that every rule reads them like the manifest's own keys and every finding
//! about them points into the file they came from.
//!
//! Each import is read with the manifest's limits (size, nesting), from inside the
//! repository only. A fact both in `prr.toml` and in an import is kept as `prr.toml` says it;
//! where the two differ the difference is recorded ([`Conflict`]) for rule `import.consistent`.
//! The field-by-field mappings are in `docs/interop.md`.

pub mod backstage;
mod merge;
pub mod openslo;
pub mod sloth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Key, Manifest, Node, Value};
use crate::diagnostic::Diagnostic;
use crate::source::{ReadError, SourceFile, Span};

/// How an import maps what the pack decides (`[import.backstage]` in `pack.toml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// How a Backstage group becomes `service.owner`: `{name}` (and `{namespace}`) are the
    /// group's; `team:{name}` unless the pack says otherwise (`@acme/{name}`).
    pub owner_format: String,
    /// Groups whose team handle the format does not give, by group name or full reference.
    pub owners: BTreeMap<String, String>,
    /// The organisation's PagerDuty address (`https://acme.pagerduty.com`): with it, the
    /// annotation `pagerduty.com/service-id` becomes `oncall.rotation`.
    pub pagerduty_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            owner_format: DEFAULT_OWNER_FORMAT.to_owned(),
            owners: BTreeMap::new(),
            pagerduty_url: None,
        }
    }
}

/// The owner a Backstage group becomes unless the pack says otherwise.
pub const DEFAULT_OWNER_FORMAT: &str = "team:{name}";

/// What the imports of one manifest brought beyond its keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Imports {
    /// The files read, by name.
    pub files: Vec<String>,
    /// Facts given differently in two places.
    pub conflicts: Vec<Conflict>,
    /// What an import holds that prr keeps but does not judge (a threshold SLI, say).
    pub notes: Vec<Note>,
    /// How many facts were given in two places and agreed.
    pub agreed: usize,
    /// What the imported files say that no manifest key holds, kept so that `prr export`
    /// writes it back as it was (a calendar window's start, a Component's namespace).
    pub kept: Kept,
}

/// The facts of the imported files that prr keeps without a manifest key, as the files
/// wrote them (JSON, without places).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kept {
    /// Per SLO, by name: what its OpenSLO or sloth source said beyond the manifest's keys.
    pub slos: BTreeMap<String, KeptSlo>,
    /// The Backstage Component read.
    pub component: Option<KeptComponent>,
}

/// An imported SLO's facts beyond `[[slo]]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeptSlo {
    /// The service the SLO is of (OpenSLO `spec.service`, sloth's `service`).
    pub service: Option<String>,
    /// OpenSLO `budgetingMethod` as written (sloth's SLOs count events: `Occurrences`).
    pub budgeting_method: Option<String>,
    /// OpenSLO `timeWindow[0]` as written (duration, rolling or calendar, start, time zone),
    /// and the `slo.window` it gave (none for a window prr does not judge).
    pub time_window: Option<(serde_json::Value, Option<String>)>,
    /// The indicator as OpenSLO writes it inline (`metadata`, `spec`; a referenced SLI
    /// inlined), and the `[slo.sli]` queries (good, total) it gave, if any.
    pub indicator: Option<(serde_json::Value, Option<(String, String)>)>,
    /// `objectives` as written; the first one's target is `slo.target`.
    pub objectives: Vec<serde_json::Value>,
}

/// A Backstage Component's facts beyond the manifest's keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeptComponent {
    pub namespace: Option<String>,
    /// `spec.type` (`service`, `website`, `library`).
    pub kind: Option<String>,
    /// `spec.system`, as written.
    pub system: Option<String>,
    /// `spec.owner` as written, and the `service.owner` it gave.
    pub owner: Option<(String, String)>,
    /// `spec.dependsOn` as written, each with the dependency name it gave.
    pub depends_on: Vec<(String, String)>,
}

/// A fact given differently in two places: `first` is the one kept (`prr.toml`'s, or the
/// import read first), `second` the import that says otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// The logical path (`service.owner`, `slo[name=availability].target`).
    pub key: String,
    pub first: (Span, String),
    pub second: (Span, String),
}

/// Something an import holds that is kept but not judged, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub message: String,
    pub span: Span,
}

/// What one mapping produced: a tree in the manifest's shape, with spans into the
/// imported files.
#[derive(Debug, Default)]
pub struct Imported {
    /// A table (`service`, `slo`, `dependency`, ...).
    pub entries: Vec<(Key, Node)>,
    /// Logical paths of values the mapping supplied itself (sloth's default window): they
    /// fill a gap, but never contradict what a file says.
    pub implied: Vec<String>,
    pub notes: Vec<Note>,
    /// What the files say beyond the manifest's keys.
    pub kept: Kept,
}

/// Where an import's files come from: the working tree, a commit, an example's files.
pub trait Files {
    /// Every file at or below `dir` (relative to the repository root, `""` for the root),
    /// by path relative to the root with `/`.
    fn list(&self, dir: &str) -> Vec<String>;
    /// The text of the file at `path` (relative to the root), within the size limit.
    ///
    /// # Errors
    /// The file cannot be read as text.
    fn read(&self, path: &str) -> Result<SourceFile, ReadError>;
}

/// The working tree under `root`; `.gitignore`d files are not listed, and no symlink that
/// leaves the repository is read.
pub struct WorkingTree<'a> {
    pub root: &'a Path,
}

/// Files past this many below one glob's directory are not looked at: no service keeps
/// its SLOs among a hundred thousand files.
const MAX_LISTED: usize = 100_000;

impl Files for WorkingTree<'_> {
    fn list(&self, dir: &str) -> Vec<String> {
        let start: PathBuf = self.root.join(dir);
        let walk = ignore::WalkBuilder::new(start)
            .hidden(false)
            .parents(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|entry| {
                !matches!(
                    entry.file_name().to_str(),
                    Some(".git" | "target" | "node_modules")
                )
            })
            .build();
        walk.filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
            .filter_map(|entry| {
                let relative = entry.path().strip_prefix(self.root).ok()?;
                Some(relative.to_string_lossy().replace('\\', "/"))
            })
            .take(MAX_LISTED)
            .collect()
    }

    fn read(&self, path: &str) -> Result<SourceFile, ReadError> {
        crate::source::read_text_in(&self.root.join(path), path, self.root)
    }
}

/// Files read within a run's [`ReadBudget`](crate::source::ReadBudget): each file read is
/// spent from it, and a read past it fails naming the file.
pub struct Budgeted<'a> {
    pub files: &'a dyn Files,
    pub budget: &'a crate::source::ReadBudget,
}

impl Files for Budgeted<'_> {
    fn list(&self, dir: &str) -> Vec<String> {
        self.files.list(dir)
    }

    fn read(&self, path: &str) -> Result<SourceFile, ReadError> {
        let file = self.files.read(path)?;
        self.budget
            .take(file.text.len() as u64, path)
            .map_err(|why| ReadError::Io {
                name: path.to_owned(),
                source: std::io::Error::other(why),
            })?;
        Ok(file)
    }
}

/// Files given as texts (a rule's example), by path from the repository root.
impl Files for BTreeMap<String, String> {
    fn list(&self, dir: &str) -> Vec<String> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.keys()
            .filter(|path| path.starts_with(&prefix))
            .cloned()
            .collect()
    }

    fn read(&self, path: &str) -> Result<SourceFile, ReadError> {
        let text = self.get(path).ok_or_else(|| ReadError::Io {
            name: path.to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?;
        crate::source::text_from_bytes(
            text.clone().into_bytes(),
            path,
            crate::source::max_file_bytes(),
        )
    }
}

/// The kinds of import, in the order they are joined to the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Backstage,
    OpenSlo,
    Sloth,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Backstage, Kind::OpenSlo, Kind::Sloth];

    fn key(self) -> &'static str {
        match self {
            Kind::Backstage => "backstage",
            Kind::OpenSlo => "openslo",
            Kind::Sloth => "sloth",
        }
    }
}

/// One path or glob written in `[import]`, and where.
struct Written {
    kind: Kind,
    text: String,
    span: Span,
}

/// A file an import names, read and parsed.
pub struct Read {
    pub source: Arc<SourceFile>,
    pub documents: Vec<Node>,
    /// Where `[import]` names it (in the manifest).
    pub named_at: Span,
}

/// Reads the manifest's `[import]` files from `files` and joins what they bring to its
/// document. A manifest without `[import]` is left as it is.
///
/// # Errors
/// Every import that cannot be read: a path or glob leaving the repository or matching no
/// file, a file that cannot be read (too large, not UTF-8), that is not YAML, nests too
/// deep or holds a `kind` the import does not know; each located in the imported file, or
/// at the `[import]` value when the problem has no place in it.
pub fn resolve(
    manifest: &mut Manifest,
    files: &dyn Files,
    settings: &Settings,
) -> Result<(), Vec<Diagnostic>> {
    let written = written(&manifest.root);
    if written.is_empty() {
        return Ok(());
    }
    let source = Arc::clone(&manifest.source);
    let at = |span: Span, message: String| Diagnostic::at(&source, span, message);
    let name = source.name.as_str();
    if name.starts_with("../") || name.starts_with('/') {
        return Err(vec![at(
            written[0].span,
            "imports are read only for a manifest inside the repository".to_owned(),
        )]);
    }
    let dir = name.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
    let mut problems = Vec::new();
    let mut read: BTreeMap<&'static str, Vec<Read>> = BTreeMap::new();
    for item in &written {
        match paths_of(item, &dir, files) {
            Ok(paths) => {
                for path in paths {
                    // Two globs naming one file read it once.
                    let these = read.get(item.kind.key());
                    if these.is_some_and(|r| r.iter().any(|r| r.source.name == path)) {
                        continue;
                    }
                    match read_one(manifest, files, &path, item.span) {
                        Ok(one) => read.entry(item.kind.key()).or_default().push(one),
                        Err(problem) => problems.push(problem),
                    }
                }
            }
            Err(message) => problems.push(at(item.span, message)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let service_name = manifest
        .root
        .pointer("service.name")
        .and_then(Node::as_str)
        .map(str::to_owned);
    let mut imports = Imports {
        files: read
            .values()
            .flatten()
            .map(|r| r.source.name.clone())
            .collect(),
        ..Imports::default()
    };
    for kind in Kind::ALL {
        let Some(these) = read.get(kind.key()) else {
            continue;
        };
        let mapped = match kind {
            Kind::Backstage => backstage::map(these, &source, service_name.as_deref(), settings),
            Kind::OpenSlo => openslo::map(these, service_name.as_deref()),
            Kind::Sloth => sloth::map(these, service_name.as_deref()),
        };
        match mapped {
            Ok(mut imported) => {
                imports.notes.extend(imported.notes.iter().cloned());
                let kept = std::mem::take(&mut imported.kept);
                if imports.kept.component.is_none() {
                    imports.kept.component = kept.component;
                }
                // The first import read that names an SLO keeps it, as the merge does.
                for (name, slo) in kept.slos {
                    imports.kept.slos.entry(name).or_insert(slo);
                }
                merge::join(&mut manifest.root, imported, &mut imports);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    manifest.json = manifest.root.to_json();
    manifest.imports = imports;
    Ok(())
}

/// The paths and globs `[import]` names; values of the wrong type are the schema's to report.
fn written(root: &Node) -> Vec<Written> {
    let Some(import) = root.get("import") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let Some(node) = import.get(kind.key()) else {
            continue;
        };
        let items: Vec<&Node> = match &node.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![node],
        };
        for item in items {
            if let Some(text) = item.as_str() {
                out.push(Written {
                    kind,
                    text: text.to_owned(),
                    span: item.span,
                });
            }
        }
    }
    out
}

/// The files a path or glob names, relative to the repository root, in order.
fn paths_of(item: &Written, dir: &str, files: &dyn Files) -> Result<Vec<String>, String> {
    let joined = inside(dir, &item.text).ok_or_else(|| {
        format!(
            "`{}` leaves the repository; an import names files inside it, relative to the manifest",
            item.text
        )
    })?;
    let is_glob = joined.contains(['*', '?', '[', '{']);
    if !is_glob {
        return Ok(vec![joined]);
    }
    let glob = globset::GlobBuilder::new(&joined)
        .literal_separator(true)
        .build()
        .map_err(|err| format!("`{}` is not a glob prr reads: {}", item.text, err.kind()))?
        .compile_matcher();
    // Only the glob's fixed directory is listed, not the whole repository.
    let fixed: Vec<&str> = joined
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .collect();
    let base = fixed.join("/");
    let mut found: Vec<String> = files
        .list(&base)
        .into_iter()
        .filter(|path| glob.is_match(path))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!(
            "`{}` matches no file; name the {} files to import, relative to the manifest",
            item.text,
            match item.kind {
                Kind::Backstage => "catalog-info",
                Kind::OpenSlo => "OpenSLO",
                Kind::Sloth => "sloth",
            }
        ));
    }
    Ok(found)
}

/// `relative` (to the manifest's directory `dir`) as a path from the repository root;
/// `None` when it is absolute or climbs out of the repository.
fn inside(dir: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.starts_with('\\') || relative.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

/// Reads and parses one imported file, registered in the manifest.
fn read_one(
    manifest: &mut Manifest,
    files: &dyn Files,
    path: &str,
    named_at: Span,
) -> Result<Read, Diagnostic> {
    let source = files.read(path).map_err(|err| {
        if err.position().is_some() {
            Diagnostic::from(&err)
        } else {
            Diagnostic::at(
                &manifest.source,
                named_at,
                format!("cannot import `{path}`: {err}"),
            )
        }
    })?;
    let source = Arc::new(source);
    let mut documents = super::yaml::parse(&source)?;
    let file = manifest.add_file(Arc::clone(&source));
    for document in &mut documents {
        document.set_file(file);
    }
    Ok(Read {
        source,
        documents,
        named_at,
    })
}

/// A problem at `span` of an imported file.
#[must_use]
pub fn problem(source: &Arc<SourceFile>, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::at(source, span, message)
}

/// A string node.
#[must_use]
pub fn string(text: impl Into<String>, span: Span) -> Node {
    Node::new(Value::String(text.into()), span)
}

/// A table node from its entries, each key placed where its value is.
#[must_use]
pub fn table(entries: Vec<(&str, Node)>, span: Span) -> Node {
    Node::new(
        Value::Table(
            entries
                .into_iter()
                .map(|(name, node)| {
                    (
                        Key {
                            name: name.to_owned(),
                            span: node.span,
                        },
                        node,
                    )
                })
                .collect(),
        ),
        span,
    )
}

/// What an SLO import brings: its problems, or its SLOs as the `slo` array (none when the
/// files held no SLO).
pub fn with_slos(
    mut imported: Imported,
    items: Vec<Node>,
    problems: Vec<Diagnostic>,
) -> Result<Imported, Vec<Diagnostic>> {
    if !problems.is_empty() {
        return Err(problems);
    }
    if let Some(first) = items.first() {
        let span = first.span;
        imported
            .entries
            .push(entry("slo", Node::new(Value::Array(items), span)));
    }
    Ok(imported)
}

/// An entry of an [`Imported`] tree.
#[must_use]
pub fn entry(name: &str, node: Node) -> (Key, Node) {
    (
        Key {
            name: name.to_owned(),
            span: node.span,
        },
        node,
    )
}

/// The text at a dotted path of a YAML document.
#[must_use]
pub fn text_at<'a>(node: &'a Node, dotted: &str) -> Option<(&'a str, Span)> {
    let found = node.pointer(dotted)?;
    Some((found.as_str()?, found.span))
}

/// `kind` of a document, checked against those a format has.
///
/// # Errors
/// The kind is missing, or not one of `known`; the diagnostic says where.
pub fn kind_of<'a>(
    read: &Read,
    document: &'a Node,
    format: &str,
    known: &[&str],
) -> Result<&'a str, Diagnostic> {
    let Some(node) = document.get("kind") else {
        return Err(problem(
            &read.source,
            document.span,
            format!(
                "a {format} document without `kind`; expected one of {}",
                known.join(", ")
            ),
        ));
    };
    match node.as_str() {
        Some(kind) if known.contains(&kind) => Ok(kind),
        _ => Err(problem(
            &read.source,
            node.span,
            format!(
                "unknown kind {} in a {format} file; expected one of {}",
                node.describe(),
                known.join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn paths_stay_inside_the_repository() {
        assert_eq!(
            inside("svc", "slo/a.yaml").as_deref(),
            Some("svc/slo/a.yaml")
        );
        assert_eq!(
            inside("svc", "../common/a.yaml").as_deref(),
            Some("common/a.yaml")
        );
        assert_eq!(inside("svc", "../../a.yaml"), None);
        assert_eq!(inside("", "../a.yaml"), None);
        assert_eq!(inside("", "/etc/passwd"), None);
        assert_eq!(inside("", "C:/x.yaml"), None);
        assert_eq!(inside("", "."), None);
    }
}
