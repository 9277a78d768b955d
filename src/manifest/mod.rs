//! The PRR manifest (`prr.toml` or `prr.json`): parsing with spans, the document model rules
//! read, the facts applicability needs, and validation against the published schema.

pub mod document;
pub mod import;
pub mod limits;
pub mod model;
pub mod parse;
pub mod path;
pub mod schema;
pub mod yaml;

use std::path::Path as FsPath;
use std::sync::Arc;

pub use document::{format_number, Key, Node, Value};
pub use parse::Format;

use crate::diagnostic::{Diagnostic, Error};
use crate::source::{read_text, FileId, SourceFile, Span};

/// The file names a manifest may have, in the order they are looked for.
pub const FILE_NAMES: [&str; 2] = ["prr.toml", "prr.json"];

/// A parsed manifest: its text, its tree, and the JSON view the schemas see.
#[derive(Debug)]
pub struct Manifest {
    pub source: Arc<SourceFile>,
    pub root: Node,
    pub json: serde_json::Value,
    /// The arrays cut to their limit before judging ([`limits`]); empty as parsed.
    pub cuts: Vec<limits::Cut>,
    /// The other files spans may point into (imports, repository files): the file of
    /// `FileId(n)` is `files[n - 1]`; `FileId::MANIFEST` is `source`.
    pub files: Vec<Arc<SourceFile>>,
    /// What `[import]` brought beyond keys: the files read, facts that differ, notes.
    pub imports: import::Imports,
    /// Where the manifest was read in the working tree: its repository is found from
    /// there. `None` for one read from a commit or given as text.
    pub path: Option<std::path::PathBuf>,
}

/// What applicability (`when`) and the report need to know of a service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Service {
    pub name: Option<String>,
    pub tier: Option<i64>,
    pub lifecycle: Option<String>,
    pub labels: Vec<String>,
    /// The owning team (`service.owner`).
    pub owner: Option<String>,
}

impl Manifest {
    /// Parses a manifest already read; the format follows the file name.
    ///
    /// # Errors
    /// A syntax error, a duplicate key, or nesting too deep, with its place.
    pub fn parse(source: Arc<SourceFile>) -> Result<Self, Diagnostic> {
        let format = Format::from_name(&source.name);
        let root = parse::parse(&source, format)?;
        let json = root.to_json();
        Ok(Self {
            source,
            root,
            json,
            cuts: Vec::new(),
            files: Vec::new(),
            imports: import::Imports::default(),
            path: None,
        })
    }

    /// Registers another file findings may point into; spans into it carry the id returned.
    pub fn add_file(&mut self, file: Arc<SourceFile>) -> FileId {
        if let Some(known) = self.files.iter().position(|f| f.name == file.name) {
            return file_id(known);
        }
        self.files.push(file);
        file_id(self.files.len() - 1)
    }

    /// The file a span is in: the manifest, or a file registered with [`Manifest::add_file`].
    #[must_use]
    pub fn file(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        file_of(&self.source, &self.files, id)
    }

    /// Reads and parses the manifest at `path`, shown to people as `name`.
    ///
    /// # Errors
    /// The file cannot be read as text, or cannot be parsed.
    pub fn load(path: &FsPath, name: &str) -> Result<Self, Error> {
        let source = Arc::new(read_text(path, name)?);
        let mut manifest = Self::parse(source)?;
        manifest.path = Some(path.to_path_buf());
        Ok(manifest)
    }

    /// As [`Manifest::load`], for a manifest of the repository at `root`: one that a
    /// symlink leads out of the repository is refused.
    ///
    /// # Errors
    /// As [`Manifest::load`], and a path that leaves the repository.
    pub fn load_in(path: &FsPath, name: &str, root: &FsPath) -> Result<Self, Error> {
        let source = Arc::new(crate::source::read_text_in(path, name, root)?);
        let mut manifest = Self::parse(source)?;
        manifest.path = Some(path.to_path_buf());
        Ok(manifest)
    }

    /// An in-memory manifest (rule examples, tests).
    ///
    /// # Errors
    /// As [`Manifest::parse`].
    pub fn from_text(name: &str, text: &str) -> Result<Self, Diagnostic> {
        Self::parse(Arc::new(SourceFile::new(name, text)))
    }

    #[must_use]
    pub fn service(&self) -> Service {
        let service = self.root.get("service");
        let field = |name| service.and_then(|s| s.get(name));
        Service {
            name: field("name").and_then(Node::as_str).map(str::to_owned),
            tier: field("tier").and_then(Node::as_i64),
            lifecycle: field("lifecycle").and_then(Node::as_str).map(str::to_owned),
            owner: field("owner").and_then(Node::as_str).map(str::to_owned),
            labels: field("labels")
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect(),
        }
    }

    /// The span of the value at a plain dotted path, or where it would go: the end of the
    /// deepest table on the way, or after `[service]` when there is none (see
    /// [`Node::missing_anchor`]): where a finding about it points.
    #[must_use]
    pub fn anchor(&self, dotted: &str) -> Span {
        let mut node = &self.root;
        for (depth, key) in dotted.split('.').enumerate() {
            match node.get(key) {
                Some(child) => node = child,
                None => return node.missing_anchor(depth == 0),
            }
        }
        node.span
    }
}

/// The id of `files[index]` (id 0 is the manifest itself).
fn file_id(index: usize) -> FileId {
    FileId(u32::try_from(index + 1).unwrap_or(u32::MAX))
}

/// The file of `id` among a manifest and its other files.
#[must_use]
pub fn file_of<'a>(
    manifest: &'a Arc<SourceFile>,
    files: &'a [Arc<SourceFile>],
    id: FileId,
) -> Option<&'a Arc<SourceFile>> {
    match id.0 {
        0 => Some(manifest),
        n => files.get(usize::try_from(n).ok()? - 1),
    }
}

/// Directories never searched for manifests.
const SKIPPED_DIRS: [&str; 3] = [".git", "target", "node_modules"];

/// The manifest of one directory: `prr.toml` or `prr.json`; `None` when it has neither.
///
/// # Errors
/// Both are present: which one is meant cannot be guessed.
pub fn in_directory(dir: &FsPath, shown: &str) -> Result<Option<std::path::PathBuf>, Diagnostic> {
    let found: Vec<_> = FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .filter(|p| p.is_file())
        .collect();
    the_one(found, || shown.to_owned())
}

/// Whether `name` is a manifest's file name (`prr.toml` or `prr.json`).
#[must_use]
pub fn is_manifest_name(name: &std::ffi::OsStr) -> bool {
    FILE_NAMES.iter().any(|file| name == *file)
}

/// The manifest among the manifest files `found` in one directory (`shown` names it);
/// `None` when there is none.
fn the_one(
    mut found: Vec<std::path::PathBuf>,
    shown: impl FnOnce() -> String,
) -> Result<Option<std::path::PathBuf>, Diagnostic> {
    match found.len() {
        0 | 1 => Ok(found.pop()),
        _ => Err(both_formats(&shown())),
    }
}

/// The problem of a directory (or a repository) that holds both `prr.toml` and `prr.json`.
#[must_use]
pub fn both_formats(shown: &str) -> Diagnostic {
    // The repository root is shown relative to itself, which is empty: name it `.`.
    let shown = if shown.is_empty() { "." } else { shown };
    Diagnostic::file(
        shown,
        format!("both prr.toml and prr.json are in the directory `{shown}`; keep one"),
    )
}

/// [`discover`] over a list of files instead of the file system: the manifests among
/// `files` (paths relative to the repository root, with `/`, as `git ls-tree` lists a
/// commit) at or below `dir` (`""`: the root). With `recursive` false, only `dir` itself.
///
/// # Errors
/// A directory holds both `prr.toml` and `prr.json`.
pub fn discover_in_listing(
    files: &[String],
    dir: &str,
    recursive: bool,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let dir = dir.trim_end_matches('/');
    let mut by_dir: std::collections::BTreeMap<&str, Vec<&String>> = Default::default();
    for file in files {
        let (parent, name) = file.rsplit_once('/').unwrap_or(("", file.as_str()));
        let below = if dir.is_empty() {
            Some(parent)
        } else if parent == dir {
            Some("")
        } else {
            parent.strip_prefix(dir).and_then(|p| p.strip_prefix('/'))
        };
        let Some(below) = below else { continue };
        let skipped = below.split('/').any(|c| SKIPPED_DIRS.contains(&c));
        if FILE_NAMES.contains(&name) && !skipped && (recursive || below.is_empty()) {
            by_dir.entry(parent).or_default().push(file);
        }
    }
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (parent, names) in by_dir {
        match names.as_slice() {
            [one] => found.push((*one).clone()),
            _ => problems.push(both_formats(if parent.is_empty() { "." } else { parent })),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// Every manifest below `dir` (a monorepo), skipping `.git`, `target` and `node_modules`,
/// in path order. Symlinked directories are not followed (no loops).
///
/// # Errors
/// A directory holds both `prr.toml` and `prr.json`.
pub fn discover(dir: &FsPath, root: &FsPath) -> Result<Vec<std::path::PathBuf>, Vec<Diagnostic>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        // One listing per directory gives both its manifest and its subdirectories.
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        let mut here = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            if kind.is_dir() {
                if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                    stack.push(entry.path());
                }
            } else if is_manifest_name(&name)
                // A link to a manifest counts as one, as in `in_directory`.
                && (kind.is_file() || entry.path().is_file())
            {
                here.push(entry.path());
            }
        }
        match the_one(here, || crate::source::display_name(&current, root)) {
            Ok(manifest) => found.extend(manifest),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        found.sort();
        Ok(found)
    } else {
        Err(problems)
    }
}

/// A window's length in days: week 7, month 30.4375, quarter 91.3125, year 365.25, `Nd` N.
#[must_use]
pub fn window_days(window: &str) -> Option<f64> {
    match window.trim() {
        "week" => Some(7.0),
        "month" => Some(30.4375),
        "quarter" => Some(91.3125),
        "year" => Some(365.25),
        other => other
            .strip_suffix('d')
            // As the schema spells it: 1 to 4 digits, no leading zero, no sign.
            .filter(|n| {
                (1..=4).contains(&n.len())
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && !n.starts_with('0')
            })
            .and_then(|n| n.parse::<u32>().ok())
            .map(f64::from),
    }
}

#[cfg(test)]
mod tests {
    use super::discover_in_listing;

    fn listing(files: &[&str]) -> Vec<String> {
        files.iter().map(|f| (*f).to_owned()).collect()
    }

    #[test]
    fn a_commit_listing_is_searched_like_the_file_system() {
        let files = listing(&[
            "prr.toml",
            "README.md",
            "services/a/prr.toml",
            "services/b/prr.json",
            "services/b/target/prr.toml",
            "node_modules/x/prr.toml",
            "servicesx/prr.toml",
        ]);
        assert_eq!(
            discover_in_listing(&files, "", false).unwrap(),
            ["prr.toml"]
        );
        assert_eq!(
            discover_in_listing(&files, "services", true).unwrap(),
            ["services/a/prr.toml", "services/b/prr.json"]
        );
        assert_eq!(discover_in_listing(&files, "", true).unwrap().len(), 4);
    }

    #[test]
    fn both_formats_in_one_directory_of_a_commit_is_a_problem() {
        let files = listing(&["a/prr.toml", "a/prr.json"]);
        let problems = discover_in_listing(&files, "", true).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "a");
    }
}
