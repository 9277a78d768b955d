//! Repository evidence, gathered lazily and from the manifest's own repository: for each
//! manifest, only what the rules that apply to it read. CODEOWNERS at its three places and
//! the other files rules read from the root, the files the manifest names, and the files of
//! the manifest's directory and below (a service's Dockerfiles, Kubernetes YAML and package
//! manifests). Nothing else of the repository is listed or read, so a check costs the same
//! in a monorepo of 100,000 files as beside a lone manifest.
//!
//! The repository is the nearest directory at or above the manifest's with a `.git`; outside
//! one, nothing beyond the manifest's own directory is read. A commit (`--rev`, the pre-push
//! hook) is listed once through git; a repository read elsewhere (GitHub's API) is given.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::evidence::walk::{Flow, Ignores};
use crate::facts::repository::slug_of_remote;
use crate::facts::{Gathered, Needs, Repository, Snapshot, Unavailable};
use crate::git::{self, Repo};
use crate::manifest::Manifest;
use crate::source::{max_file_bytes, read_text, text_from_bytes, ReadBudget, SourceFile};

/// The most files one manifest's directory may hold: a directory larger than this is not a
/// service's.
const MAX_FILES: usize = 500_000;

/// Where the repository evidence of a run comes from.
#[derive(Debug)]
pub struct Gatherer {
    source: Source,
    /// The run's budget of bytes and time for the files it reads, when it has one.
    budget: Option<Arc<ReadBudget>>,
    /// What was found at a repository root (a root file's size and text, the remote), by
    /// root and path: read once per run however many manifests ask.
    roots: Mutex<HashMap<PathBuf, RootFacts>>,
    /// The top level found above each directory looked at.
    toplevels: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    /// The ignore files read so far.
    ignores: Ignores,
}

#[derive(Debug)]
enum Source {
    /// The working tree: each manifest's own repository, found from its directory.
    Working,
    /// Listed once, through git (a commit) or elsewhere (GitHub's API).
    Listed(Result<Snapshot, Unavailable>),
    /// Not read, for this reason.
    Off(String),
}

/// A file found at a repository root: its size, and its text when rules read it.
type RootFile = (u64, Option<Arc<SourceFile>>);

/// What one repository root holds of the files rules read from the root.
#[derive(Debug, Default)]
struct RootFacts {
    slug: Option<Option<String>>,
    files: BTreeMap<&'static str, Option<RootFile>>,
}

impl Gatherer {
    /// Each manifest's own repository, in the working tree.
    #[must_use]
    pub fn working_tree() -> Self {
        Self::with(Source::Working)
    }

    /// The files of `commit`, listed once through git.
    #[must_use]
    pub fn commit(repo: &Repo, commit: &str) -> Self {
        Self::with(Source::Listed(of_commit(repo, commit)))
    }

    /// A repository read elsewhere (see [`Snapshot::from_listing`]), or why it could not be.
    #[must_use]
    pub fn given(snapshot: Result<Snapshot, Unavailable>) -> Self {
        Self::with(Source::Listed(snapshot))
    }

    /// Nothing read: the rules that need the repository are skipped, saying `why`.
    #[must_use]
    pub fn none(why: &str) -> Self {
        Self::with(Source::Off(why.to_owned()))
    }

    fn with(source: Source) -> Self {
        Self {
            source,
            budget: None,
            roots: Mutex::default(),
            toplevels: Mutex::default(),
            ignores: Ignores::default(),
        }
    }

    /// Reads within `budget` from now on.
    pub fn set_budget(&mut self, budget: Arc<ReadBudget>) {
        self.budget = Some(budget);
    }

    /// Spends the bytes of the file `name` (from the root) of `size`.
    fn spend(&self, size: u64, name: &str) -> Result<(), String> {
        self.budget
            .as_ref()
            .map_or(Ok(()), |budget| budget.take(size, name))
    }

    /// The repository as listed in one piece (a commit, or through GitHub's API).
    #[must_use]
    pub fn snapshot(&self) -> Option<&Snapshot> {
        match &self.source {
            Source::Listed(Ok(snapshot)) => Some(snapshot),
            _ => None,
        }
    }

    /// The repository facts of one manifest read from `path` (in the working tree), as far
    /// as `needs` asks; `named` gives the paths from the root that the manifest names, once
    /// the view knows the manifest's directory. The texts read are registered in the
    /// manifest.
    pub fn facts(
        &self,
        manifest: &mut Manifest,
        path: Option<&Path>,
        needs: &Needs,
        named: &dyn Fn(&Manifest, &Repository) -> Vec<String>,
        deadline: Instant,
    ) -> Gathered<Repository> {
        if !needs.reads_repository() {
            return Gathered::NotConfigured(
                "no rule that applies to this service reads the repository".to_owned(),
            );
        }
        match &self.source {
            Source::Off(why) => Gathered::NotConfigured(why.clone()),
            Source::Listed(Err(why)) => Gathered::Unavailable(why.clone()),
            Source::Listed(Ok(snapshot)) => match snapshot.for_manifest(manifest) {
                Some(repository) => Gathered::Known(repository),
                None => {
                    Gathered::NotConfigured("the manifest is outside the repository".to_owned())
                }
            },
            Source::Working => match path {
                Some(path) => match self.working(manifest, path, needs, named, deadline) {
                    Ok(repository) => Gathered::Known(repository),
                    Err(why) => Gathered::Unavailable(why),
                },
                None => Gathered::NotConfigured("the manifest was not read from a file".to_owned()),
            },
        }
    }

    /// One manifest's repository in the working tree.
    fn working(
        &self,
        manifest: &mut Manifest,
        path: &Path,
        needs: &Needs,
        named: &dyn Fn(&Manifest, &Repository) -> Vec<String>,
        deadline: Instant,
    ) -> Result<Repository, Unavailable> {
        let unavailable = |reason: String| Unavailable::own("the working tree", reason);
        // The manifest was read from `path` already (and refused if a symlink led out of its
        // repository): its directory is taken as written, made absolute, without resolving
        // every component again.
        let dir = std::path::absolute(path)
            .map_err(|err| unavailable(format!("cannot find {}: {err}", path.display())))?
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| unavailable(format!("{} has no directory", path.display())))?;
        let (root, in_repository) = match self.toplevel(&dir) {
            Some(root) => (root, true),
            None => (dir.clone(), false),
        };
        let manifest_dir = relative(&dir, &root).unwrap_or_default();
        let slug = if in_repository {
            self.slug(&root)
        } else {
            None
        };
        // Outside a repository the manifest's directory stands for it (as the working
        // directory stands for the root of the reports' paths): nothing above is read.
        let mut snapshot = Snapshot::new("the working tree".to_owned(), slug);
        for (file, (size, text)) in self.root_files(&root, needs).map_err(unavailable)? {
            snapshot.insert_shared(file.to_owned(), size, text);
        }
        let spend = |size: u64, name: &str| self.spend(size, name);
        if needs.service_tree {
            walk(
                &self.ignores,
                &dir,
                &root,
                in_repository,
                deadline,
                &spend,
                &mut snapshot,
            )
            .map_err(unavailable)?;
        }
        if needs.named_files {
            let view = snapshot.view_of(&manifest_dir);
            for file in named(manifest, &view) {
                if !snapshot.holds(&file) {
                    probe(
                        &self.ignores,
                        &root,
                        &file,
                        in_repository,
                        &spend,
                        &mut snapshot,
                    )
                    .map_err(unavailable)?;
                }
            }
        }
        Ok(snapshot.view(manifest, manifest_dir))
    }

    /// The top level of the working tree holding `dir` (see [`git::toplevel_of`]), each
    /// directory above a manifest looked at once per run: a monorepo's thousands of
    /// services share their parents.
    fn toplevel(&self, dir: &Path) -> Option<PathBuf> {
        if dir.join(".git").symlink_metadata().is_ok() {
            return Some(dir.to_path_buf());
        }
        let parent = dir.parent()?;
        if let Some(known) = self
            .toplevels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(parent)
        {
            return known.clone();
        }
        let found = git::toplevel_of(parent);
        self.toplevels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(parent.to_path_buf(), found.clone());
        found
    }

    /// `OWNER/REPO` of the repository at `root`, asked once per run.
    fn slug(&self, root: &Path) -> Option<String> {
        let mut roots = self
            .roots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let facts = roots.entry(root.to_path_buf()).or_default();
        facts.slug.get_or_insert_with(|| slug_at(root)).clone()
    }

    /// The files rules read from the root that exist there, each looked at once per run.
    fn root_files(
        &self,
        root: &Path,
        needs: &Needs,
    ) -> Result<Vec<(&'static str, RootFile)>, String> {
        let mut roots = self
            .roots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let facts = roots.entry(root.to_path_buf()).or_default();
        let mut found = Vec::new();
        for file in &needs.root_files {
            if !facts.files.contains_key(file) {
                let read = match regular_file_size(&root.join(file)) {
                    None => None,
                    Some(size) => {
                        let text = match crate::facts::repository::wanted(file) {
                            Some(_) => {
                                self.spend(size, file)?;
                                read_text(&root.join(file), file).ok().map(Arc::new)
                            }
                            None => None,
                        };
                        Some((size, text))
                    }
                };
                facts.files.insert(file, read);
            }
            if let Some(Some((size, text))) = facts.files.get(file) {
                found.push((*file, (*size, text.clone())));
            }
        }
        Ok(found)
    }
}

/// The size of the regular file at `path` (a symlink is not followed: its target may lie
/// outside the repository).
fn regular_file_size(path: &Path) -> Option<u64> {
    let meta = path.symlink_metadata().ok()?;
    meta.file_type().is_file().then_some(meta.len())
}

/// `path` relative to `root`, with `/`.
fn relative(path: &Path, root: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    Some(rest.to_string_lossy().replace('\\', "/"))
}

/// Lists the files of `dir` and below as git sees them (see [`Ignores::each_file`]),
/// reading the texts rules read, until `deadline`.
fn walk(
    ignores: &Ignores,
    dir: &Path,
    root: &Path,
    in_repository: bool,
    deadline: Instant,
    spend: &dyn Fn(u64, &str) -> Result<(), String>,
    snapshot: &mut Snapshot,
) -> Result<(), String> {
    let mut listed = 0usize;
    ignores.each_file(dir, root, in_repository, &mut |path, relative, entry| {
        listed += 1;
        if listed > MAX_FILES {
            return Err(format!(
                "more than {MAX_FILES} files below the manifest's directory: not a service's"
            ));
        }
        if listed % 1024 == 0 && Instant::now() > deadline {
            return Err(crate::facts::unfinished(
                "the working tree",
                crate::evidence::DEFAULT_TIME_BOUND,
            )
            .reason);
        }
        let size = entry.metadata().map_or(0, |m| m.len());
        let text = match crate::facts::repository::wanted(relative) {
            Some(_) => {
                spend(size, relative)?;
                read_text(path, relative).ok()
            }
            None => None,
        };
        snapshot.insert(relative.to_owned(), size, text);
        Ok(Flow::Next)
    })
}

/// Lists `file` (from the root) when it is a regular file, or the first file of it when it
/// is a directory with files; nothing outside the repository.
fn probe(
    ignores: &Ignores,
    root: &Path,
    file: &str,
    in_repository: bool,
    spend: &dyn Fn(u64, &str) -> Result<(), String>,
    snapshot: &mut Snapshot,
) -> Result<(), String> {
    let path = root.join(file);
    let Ok(meta) = path.symlink_metadata() else {
        return Ok(());
    };
    let inside = std::fs::canonicalize(&path)
        .is_ok_and(|real| std::fs::canonicalize(root).is_ok_and(|root| real.starts_with(root)));
    if !inside {
        return Ok(());
    }
    if meta.file_type().is_file() {
        let text = match crate::facts::repository::wanted(file) {
            Some(_) => {
                spend(meta.len(), file)?;
                read_text(&path, file).ok()
            }
            None => None,
        };
        snapshot.insert(file.to_owned(), meta.len(), text);
        return Ok(());
    }
    if meta.file_type().is_dir() {
        // A directory that cannot be listed holds nothing the rules can see.
        let _unlisted = ignores.each_file(&path, root, in_repository, &mut |_, inner, entry| {
            let size = entry.metadata().map_or(0, |m| m.len());
            snapshot.insert(inner.to_owned(), size, None);
            Ok(Flow::Stop)
        });
    }
    Ok(())
}

/// `OWNER/REPO` of the repository at `root` on GitHub: `GITHUB_REPOSITORY` in Actions,
/// else the `origin` remote's URL when it is a GitHub one.
fn slug_at(root: &Path) -> Option<String> {
    std::env::var("GITHUB_REPOSITORY")
        .ok()
        .filter(|s| s.contains('/'))
        .or_else(|| git::origin_url(root).as_deref().and_then(slug_of_remote))
}

/// The files of `commit`, read through git: the listing with sizes, and the texts rules
/// read.
fn of_commit(repo: &Repo, commit: &str) -> Result<Snapshot, Unavailable> {
    let short = commit.get(..12).unwrap_or(commit);
    let origin = format!("commit {short}");
    let unavailable = |reason: String| Unavailable::own(origin.clone(), reason);
    let listed = repo
        .list_sizes(commit)
        .map_err(|err| unavailable(err.to_string()))?;
    if listed.len() > MAX_FILES {
        return Err(unavailable(format!(
            "more than {MAX_FILES} files: not a service's repository"
        )));
    }
    let names: Vec<String> = listed
        .iter()
        .filter(|(path, _)| crate::facts::repository::wanted(path).is_some())
        .map(|(path, _)| path.clone())
        .collect();
    let bytes = repo
        .read_files(commit, &names)
        .map_err(|err| unavailable(err.to_string()))?;
    let texts: BTreeMap<String, Vec<u8>> = names
        .into_iter()
        .zip(bytes)
        .filter_map(|(path, bytes)| Some((path, bytes?)))
        .collect();
    let slug = slug_at(repo.root());
    let mut snapshot = Snapshot::new(origin, slug);
    for (path, size) in listed {
        let text = texts
            .get(&path)
            .and_then(|bytes| text_from_bytes(bytes.clone(), &path, max_file_bytes()).ok());
        snapshot.insert(path, size, text);
    }
    Ok(snapshot)
}
