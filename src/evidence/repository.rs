//! Repository evidence: which files the repository holds (with their sizes), and the texts
//! of the few that rules read (CODEOWNERS, ...). Read from the working tree, or from a
//! commit through git (`--rev`, the pre-push hook), never from the network.
//!
//! The listing is taken once per run and shared; each manifest gets a [`Repository`] view
//! with the texts that concern it registered as its files, so that a finding can point at a
//! line of a CODEOWNERS file as it points at a line of the manifest.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::Unavailable;
use crate::git::Repo;
use crate::manifest::Manifest;
use crate::source::{max_file_bytes, read_text, text_from_bytes, FileId, SourceFile};

/// The most files a listing holds: a repository larger than this is not a service's.
const MAX_FILES: usize = 500_000;

/// Where CODEOWNERS may live, in the order GitHub looks: the first that exists is the one
/// GitHub uses.
pub const CODEOWNERS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// Which manifests a file that rules read concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Every manifest of the repository (CODEOWNERS).
    Repository,
    /// The manifests whose directory holds it (a service's Dockerfile).
    Service,
}

/// The files whose texts rules read.
fn wanted(path: &str) -> Option<Scope> {
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
fn is_below(dir: &str, path: &str) -> bool {
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
    /// The working tree under `root`, as git sees it: `.gitignore`d files are left out, and
    /// so are symlinks (their target may lie outside the repository).
    ///
    /// # Errors
    /// The tree cannot be listed.
    pub fn working_tree(root: &Path) -> Result<Self, Unavailable> {
        let unavailable = |reason: String| Unavailable {
            source: "the working tree".to_owned(),
            reason,
        };
        let mut files = BTreeMap::new();
        let walk = ignore::WalkBuilder::new(root)
            .hidden(false)
            .parents(false)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walk {
            let entry = entry.map_err(|err| unavailable(err.to_string()))?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(root) else {
                continue;
            };
            let size = entry.metadata().map_or(0, |m| m.len());
            files.insert(relative.to_string_lossy().replace('\\', "/"), size);
            if files.len() > MAX_FILES {
                return Err(unavailable(format!(
                    "more than {MAX_FILES} files: not a service's repository"
                )));
            }
        }
        let mut texts = BTreeMap::new();
        for path in files.keys() {
            if let Some(scope) = wanted(path) {
                // A file that cannot be read as text is listed but has no text: the rule
                // that reads it says so.
                if let Ok(text) = read_text(&root.join(path), path) {
                    texts.insert(path.clone(), (scope, Arc::new(text)));
                }
            }
        }
        Ok(Self {
            origin: "the working tree".to_owned(),
            slug: slug(root),
            files: Arc::new(files),
            texts,
        })
    }

    /// The files of `commit`, read through git.
    ///
    /// # Errors
    /// git cannot list or read the commit.
    pub fn commit(repo: &Repo, commit: &str) -> Result<Self, Unavailable> {
        let short = commit.get(..12).unwrap_or(commit);
        let origin = format!("commit {short}");
        let unavailable = |reason: String| Unavailable {
            source: origin.clone(),
            reason,
        };
        let listed = repo
            .list_sizes(commit)
            .map_err(|err| unavailable(err.to_string()))?;
        if listed.len() > MAX_FILES {
            return Err(unavailable(format!(
                "more than {MAX_FILES} files: not a service's repository"
            )));
        }
        let files: BTreeMap<String, u64> = listed.into_iter().collect();
        let wanted_paths: Vec<(String, Scope)> = files
            .keys()
            .filter_map(|p| wanted(p).map(|scope| (p.clone(), scope)))
            .collect();
        let names: Vec<String> = wanted_paths.iter().map(|(p, _)| p.clone()).collect();
        let bytes = repo
            .read_files(commit, &names)
            .map_err(|err| unavailable(err.to_string()))?;
        let mut texts = BTreeMap::new();
        for ((path, scope), bytes) in wanted_paths.into_iter().zip(bytes) {
            if let Some(Ok(text)) = bytes.map(|b| text_from_bytes(b, &path, max_file_bytes())) {
                texts.insert(path, (scope, Arc::new(text)));
            }
        }
        Ok(Self {
            origin,
            slug: slug(repo.root()),
            files: Arc::new(files),
            texts,
        })
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

    /// The view of one manifest, its texts registered in it. `None` for a manifest outside
    /// the repository.
    #[must_use]
    pub fn for_manifest(&self, manifest: &mut Manifest) -> Option<Repository> {
        let name = manifest.source.name.clone();
        if name.starts_with("../") || name.starts_with('/') {
            return None;
        }
        let manifest_dir = name.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
        let mut texts = BTreeMap::new();
        for (path, (scope, text)) in &self.texts {
            if *scope == Scope::Repository || is_below(&manifest_dir, path) {
                texts.insert(path.clone(), manifest.add_file(Arc::clone(text)));
            }
        }
        Some(Repository {
            origin: self.origin.clone(),
            slug: self.slug.clone(),
            manifest_dir,
            files: Arc::clone(&self.files),
            texts,
        })
    }
}

/// `OWNER/REPO` of the repository on GitHub: `GITHUB_REPOSITORY` in Actions, else the
/// `origin` remote's URL when it is a GitHub one.
fn slug(root: &Path) -> Option<String> {
    if let Some(slug) = std::env::var("GITHUB_REPOSITORY")
        .ok()
        .filter(|s| s.contains('/'))
    {
        return Some(slug);
    }
    let out = std::process::Command::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    slug_of_remote(String::from_utf8_lossy(&out.stdout).trim())
}

/// `OWNER/REPO` from a GitHub remote URL (`https://github.com/o/r.git`, `git@github.com:o/r`).
fn slug_of_remote(url: &str) -> Option<String> {
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
