//! The repository as the rules see it: which files it holds (with their sizes) and the
//! texts of the few that rules read (CODEOWNERS, a service's Dockerfiles and Kubernetes
//! YAML). Plain data: the evidence stage reads the files (lazily, from the manifest's own
//! repository), a rule's examples give them inline.
//!
//! Each manifest gets a [`Repository`] view with the texts that concern it registered as
//! its files, so that a finding can point at a line of a CODEOWNERS file as it points at a
//! line of the manifest.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::manifest::Manifest;
use crate::source::{max_file_bytes, text_from_bytes, FileId, SourceFile};

/// Where CODEOWNERS may live, in the order GitHub looks: the first that exists is the one
/// GitHub uses.
pub const CODEOWNERS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// Which manifests a file that rules read concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every manifest of the repository (CODEOWNERS).
    Repository,
    /// The manifests whose directory holds it (a service's Dockerfile).
    Service,
}

/// The files whose texts rules read.
pub fn wanted(path: &str) -> Option<Scope> {
    if CODEOWNERS.contains(&path) {
        return Some(Scope::Repository);
    }
    // Dockerfiles and Kubernetes YAML concern the service whose directory holds them
    // (security.non-root, resilience.*, availability.disruption-budget).
    if super::dockerfile::is_dockerfile(path) || super::kubernetes::is_candidate(path) {
        return Some(Scope::Service);
    }
    None
}

/// Whether `path` (from the root) is in the directory `dir` (from the root, `""` the root
/// itself) or below it.
pub fn is_below(dir: &str, path: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The files of a listing whose texts rules read.
pub fn wanted_paths<'a>(files: impl Iterator<Item = &'a str>) -> Vec<String> {
    files
        .filter(|path| wanted(path).is_some())
        .map(str::to_owned)
        .collect()
}

/// The repository as one run sees it: taken once, shared by every manifest.
#[derive(Debug)]
pub struct Snapshot {
    origin: String,

    slug: Option<String>,
    files: Arc<BTreeMap<String, u64>>,
    texts: BTreeMap<String, (Scope, Arc<SourceFile>)>,
}

/// The repository as one manifest's rules see it.
#[derive(Clone, Debug)]
pub struct Repository {
    /// Where the files were read: "the working tree" or "commit 1a2b3c4d5e6f".
    pub origin: String,

    /// `OWNER/REPO` on GitHub when known: links into it name its files.
    pub slug: Option<String>,
    /// The manifest's directory, relative to the repository root (`""` at the root).
    pub manifest_dir: String,
    /// Every file, by path relative to the root with `/`, and its size in bytes.
    pub files: Arc<BTreeMap<String, u64>>,
    /// The files whose text rules read, registered in the manifest (`Manifest::file`).
    pub texts: BTreeMap<String, FileId>,
}

impl Repository {
    /// The paths in the manifest's directory or below (the files that concern this service
    /// rather than its neighbours in a monorepo), in order: a range of the sorted listing,
    /// so that each of a monorepo's thousands of manifests reads only its own part.
    pub fn paths_below_manifest(&self) -> impl Iterator<Item = &str> + '_ {
        let prefix = if self.manifest_dir.is_empty() {
            String::new()
        } else {
            format!("{}/", self.manifest_dir)
        };
        self.files
            .range(prefix.clone()..)
            .map(|(path, _)| path.as_str())
            .take_while(move |path| path.starts_with(&prefix))
    }

    /// The path from the root of the manifest called `name` (its file name in the
    /// manifest's directory): what CODEOWNERS patterns match.
    #[must_use]
    pub fn manifest_path(&self, name: &str) -> String {
        let file = name.rsplit('/').next().unwrap_or(name);
        if self.manifest_dir.is_empty() {
            file.to_owned()
        } else {
            format!("{}/{file}", self.manifest_dir)
        }
    }

    /// The manifest's directory as a message names it.
    #[must_use]
    pub fn manifest_dir_shown(&self) -> String {
        if self.manifest_dir.is_empty() {
            format!("{} (from the repository root)", self.origin)
        } else {
            format!("{}/ in {}", self.manifest_dir, self.origin)
        }
    }

    /// The size of the file at `path` (relative to the root), when there is one.
    #[must_use]
    pub fn size(&self, path: &str) -> Option<u64> {
        self.files.get(path).copied()
    }

    /// The text of `path`, when rules read it and it could be read.
    #[must_use]
    pub fn text<'a>(&self, manifest: &'a Manifest, path: &str) -> Option<(FileId, &'a SourceFile)> {
        let id = *self.texts.get(path)?;
        Some((id, manifest.file(id)?))
    }

    /// `relative` (a path written in the manifest, relative to its directory; from the
    /// root when it starts with `/`) as a path relative to the repository root; `None` when
    /// it climbs out of the repository.
    #[must_use]
    pub fn resolve(&self, relative: &str) -> Option<String> {
        let (base, relative) = match relative.strip_prefix('/') {
            Some(from_root) => ("", from_root),
            None => (self.manifest_dir.as_str(), relative),
        };
        let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
        let relative = relative.split(['#', '?']).next().unwrap_or(relative);
        for part in relative.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                part => parts.push(part),
            }
        }
        Some(parts.join("/"))
    }
}

/// A snapshot read elsewhere (through GitHub's API) is where the imports of its manifests
/// come from too: its listing, and the texts of its YAML files.
impl crate::manifest::import::Files for Snapshot {
    fn list(&self, dir: &str) -> Vec<String> {
        self.files
            .keys()
            .filter(|path| is_below(dir, path))
            .cloned()
            .collect()
    }

    fn read(&self, path: &str) -> Result<SourceFile, crate::source::ReadError> {
        let why = if self.files.contains_key(path) {
            "it was not read as text here (over the size limit, not UTF-8, or not a YAML file)"
        } else {
            "not in the repository"
        };
        self.texts
            .get(path)
            .map(|(_, text)| SourceFile::clone(text))
            .ok_or_else(|| crate::source::ReadError::Io {
                name: path.to_owned(),
                source: std::io::Error::other(format!("{why} ({})", self.origin)),
            })
    }
}

impl Snapshot {
    /// An empty snapshot of the repository known as `origin` (`the working tree`, `commit
    /// 1a2b3c4d5e6f`), to be filled with [`Snapshot::insert`].
    #[must_use]
    pub fn new(origin: String, slug: Option<String>) -> Self {
        Self {
            origin,
            slug,
            files: Arc::default(),
            texts: BTreeMap::new(),
        }
    }

    /// Lists `path` (from the root, with `/`) with its size, and its text when rules read it
    /// and it could be read.
    pub fn insert(&mut self, path: String, size: u64, text: Option<SourceFile>) {
        self.insert_shared(path, size, text.map(Arc::new));
    }

    /// Whether `path` is listed.
    #[must_use]
    pub fn holds(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// A repository read elsewhere (through GitHub's API, by the privileged publishing job):
    /// its listing with sizes, and the bytes of the files rules read.
    #[must_use]
    pub fn from_listing(
        origin: String,
        slug: Option<String>,
        files: Vec<(String, u64)>,
        texts: Vec<(String, Vec<u8>)>,
    ) -> Self {
        let texts = texts
            .into_iter()
            .filter_map(|(path, bytes)| {
                let scope = wanted(&path)?;
                let text = text_from_bytes(bytes, &path, max_file_bytes()).ok()?;
                Some((path, (scope, Arc::new(text))))
            })
            .collect();
        Self {
            origin,
            slug,
            files: Arc::new(files.into_iter().collect()),
            texts,
        }
    }

    /// A repository given as texts (a rule's `[[rule.test]]` example): every file listed
    /// with its text's size.
    #[must_use]
    pub fn from_texts(files: &BTreeMap<String, String>, slug: Option<String>) -> Self {
        let texts = files
            .iter()
            .filter_map(|(path, text)| {
                let scope = wanted(path)?;
                Some((path.clone(), (scope, Arc::new(SourceFile::new(path, text)))))
            })
            .collect();
        Self {
            origin: "the example's files".to_owned(),
            slug,
            files: Arc::new(
                files
                    .iter()
                    .map(|(path, text)| (path.clone(), text.len() as u64))
                    .collect(),
            ),
            texts,
        }
    }

    /// The view of one manifest, its texts registered in it, with the manifest's directory
    /// taken from its name (from the root). `None` for a manifest outside the repository.
    #[must_use]
    pub fn for_manifest(&self, manifest: &mut Manifest) -> Option<Repository> {
        let name = manifest.source.name.clone();
        if name.starts_with("../") || name.starts_with('/') {
            return None;
        }
        let manifest_dir = name.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
        Some(self.view(manifest, manifest_dir))
    }

    /// The view of the manifest in `manifest_dir` (from the root, `""` the root itself),
    /// its texts registered in it: the repository's own (CODEOWNERS), and its directory's.
    #[must_use]
    pub fn view(&self, manifest: &mut Manifest, manifest_dir: String) -> Repository {
        let mut view = self.view_of(&manifest_dir);
        for (path, (scope, text)) in &self.texts {
            if *scope == Scope::Repository || is_below(&manifest_dir, path) {
                view.texts
                    .insert(path.clone(), manifest.add_file(Arc::clone(text)));
            }
        }
        view
    }

    /// The view from `manifest_dir` with no text registered: where the paths a manifest
    /// writes lead.
    #[must_use]
    pub fn view_of(&self, manifest_dir: &str) -> Repository {
        Repository {
            origin: self.origin.clone(),
            slug: self.slug.clone(),
            manifest_dir: manifest_dir.to_owned(),
            files: Arc::clone(&self.files),
            texts: BTreeMap::new(),
        }
    }

    /// Lists `path` with its size and a text already shared with other views.
    pub fn insert_shared(&mut self, path: String, size: u64, text: Option<Arc<SourceFile>>) {
        if let (Some(scope), Some(text)) = (wanted(&path), text) {
            self.texts.insert(path.clone(), (scope, text));
        }
        Arc::make_mut(&mut self.files).insert(path, size);
    }
}

/// `OWNER/REPO` from a GitHub remote URL (`https://github.com/o/r.git`, `git@github.com:o/r`).
#[must_use]
pub fn slug_of_remote(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("git@github.com:"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, repo) = rest.split_once('/')?;
    (!owner.is_empty() && !repo.is_empty() && !repo.contains('/'))
        .then(|| format!("{owner}/{repo}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_name_their_github_repository() {
        for url in [
            "https://github.com/acme/payments.git",
            "https://github.com/acme/payments",
            "git@github.com:acme/payments.git",
            "ssh://git@github.com/acme/payments",
        ] {
            assert_eq!(
                slug_of_remote(url).as_deref(),
                Some("acme/payments"),
                "{url}"
            );
        }
        assert_eq!(slug_of_remote("https://gitlab.com/acme/payments"), None);
        assert_eq!(slug_of_remote("https://github.com/acme"), None);
    }

    #[test]
    fn paths_resolve_from_the_manifest_directory_and_never_climb_out() {
        let repository = Repository {
            origin: String::new(),
            slug: None,
            manifest_dir: "services/pay".to_owned(),
            files: Arc::default(),
            texts: BTreeMap::new(),
        };
        assert_eq!(
            repository.resolve("docs/runbook.md").as_deref(),
            Some("services/pay/docs/runbook.md")
        );
        assert_eq!(
            repository.resolve("../../README.md#usage").as_deref(),
            Some("README.md")
        );
        assert_eq!(repository.resolve("../../../etc/passwd"), None);
        assert_eq!(
            repository.resolve("/docs/oncall.md").as_deref(),
            Some("docs/oncall.md")
        );
    }
}
