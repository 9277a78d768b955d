//! Manifests read through git at a commit, never checked out: the commit being pushed
//! (`--rev`, which the pre-push hook uses) and the base of a comparison (`--base`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Error};
use crate::evidence::{Evidence, Tree, DEFAULT_TIME_BOUND};
use crate::git::Repo;
use crate::manifest::{self, import, Manifest, FILE_NAMES};
use crate::report::{BaseSide, FailOn};
use crate::rules::RuleSet;
use crate::source::{display_name, max_file_bytes, text_from_bytes};

/// A commit as it was named (`origin/main`) and the id it resolved to.
#[derive(Clone, Debug)]
pub struct Commit {
    pub reference: String,
    pub id: String,
}

impl Commit {
    /// Resolves `reference` in `repo`.
    ///
    /// # Errors
    /// It names no commit there.
    pub fn resolve(repo: &Repo, reference: &str) -> Result<Self, Error> {
        Ok(Self {
            reference: reference.to_owned(),
            id: repo.resolve_commit(reference)?,
        })
    }

    fn short(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }
}

/// The manifests `--manifest` names (or the one at the root), as they are in `commit`; a
/// directory is searched in the commit's tree.
///
/// # Errors
/// A path outside the repository, nothing there in the commit, or git fails.
pub fn manifest_names(
    repo: &Repo,
    commit: &Commit,
    given: &[PathBuf],
    root: &Path,
) -> Result<Vec<String>, Error> {
    if given.is_empty() {
        let files = repo.list_files(&commit.id, &FILE_NAMES)?;
        let found = manifest::discover_in_listing(&files, "", false)?;
        if found.is_empty() {
            return Err(Diagnostic::file(
                "prr.toml",
                format!(
                    "no prr.toml or prr.json at the repository root in {} ({})",
                    commit.reference,
                    commit.short()
                ),
            )
            .with_help("commit one, or name it with --manifest")
            .into());
        }
        return Ok(found);
    }
    let mut names = Vec::new();
    for path in given {
        let name = in_repository(path, root)?;
        // The repository root itself is the whole tree.
        let paths: Vec<&str> = [name.as_str()]
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect();
        let files = repo.list_files(&commit.id, &paths)?;
        if files.len() == 1 && files[0] == name {
            names.push(name);
            continue;
        }
        let found = manifest::discover_in_listing(&files, &name, true)?;
        if found.is_empty() {
            return Err(Diagnostic::file(
                name,
                format!(
                    "no manifest here in {} ({})",
                    commit.reference,
                    commit.short()
                ),
            )
            .with_help("commit it first: prr judges the commit, not the working tree")
            .into());
        }
        names.extend(found);
    }
    names.dedup();
    Ok(names)
}

/// Reads and parses each manifest as it is in `commit`; one that cannot be read or parsed
/// comes back as its error, to be reported like an unreadable file in the working tree.
#[must_use]
pub fn load(
    repo: &Repo,
    commit: &Commit,
    names: &[String],
    imports: &import::Settings,
) -> Vec<(String, Result<Manifest, Error>)> {
    match repo.read_files(&commit.id, names) {
        Ok(files) => names
            .iter()
            .zip(files)
            .map(|(name, bytes)| (name.clone(), parse_one(repo, commit, name, bytes, imports)))
            .collect(),
        Err(err) => {
            let err = Error::from(err);
            let diagnostics = err.diagnostics();
            names
                .iter()
                .map(|name| (name.clone(), Err(Error::Diagnostics(diagnostics.clone()))))
                .collect()
        }
    }
}

fn parse_one(
    repo: &Repo,
    commit: &Commit,
    name: &str,
    bytes: Option<Vec<u8>>,
    imports: &import::Settings,
) -> Result<Manifest, Error> {
    let Some(bytes) = bytes else {
        return Err(Diagnostic::file(
            name,
            format!("not in {} ({})", commit.reference, commit.short()),
        )
        .into());
    };
    let source = text_from_bytes(bytes, name, max_file_bytes())?;
    let mut manifest = Manifest::parse(Arc::new(source))?;
    import::resolve(&mut manifest, &CommitFiles { repo, commit }, imports)?;
    Ok(manifest)
}

/// A commit's files, for the imports of a manifest read from it.
struct CommitFiles<'a> {
    repo: &'a Repo,
    commit: &'a Commit,
}

impl import::Files for CommitFiles<'_> {
    fn list(&self, dir: &str) -> Vec<String> {
        let paths: Vec<&str> = if dir.is_empty() {
            Vec::new()
        } else {
            vec![dir]
        };
        self.repo
            .list_files(&self.commit.id, &paths)
            .unwrap_or_default()
    }

    fn read(&self, path: &str) -> Result<crate::source::SourceFile, crate::source::ReadError> {
        let not_there = |why: String| crate::source::ReadError::Io {
            name: path.to_owned(),
            source: std::io::Error::other(why),
        };
        let mut files = self
            .repo
            .read_files(&self.commit.id, &[path.to_owned()])
            .map_err(|err| not_there(err.to_string()))?;
        let bytes = files.pop().flatten().ok_or_else(|| {
            not_there(format!(
                "not in {} ({})",
                self.commit.reference,
                self.commit.short()
            ))
        })?;
        text_from_bytes(bytes, path, max_file_bytes())
    }
}

/// Judges the base's version of each manifest judged now, with the same rules and date. A
/// manifest absent at the base, or unreadable there, is `missing`: its failures are all new.
///
/// # Errors
/// A manifest lies outside the repository, or git fails.
pub fn base_side(
    repo: &Repo,
    base: &Commit,
    names: &[String],
    rules: &RuleSet,
    as_of: jiff::civil::Date,
    prometheus: std::sync::Arc<crate::evidence::prometheus::Gatherer>,
) -> Result<BaseSide, Error> {
    if let Some(name) = names.iter().find(|name| outside(name)) {
        return Err(Error::Usage(format!(
            "--base reads manifests through git, and `{name}` is outside the repository"
        )));
    }
    let files = repo.read_files(&base.id, names)?;
    // Parsed, judged and dropped one at a time, as the head's manifests are.
    let manifests = names.iter().zip(files).map(|(name, bytes)| {
        (
            name.clone(),
            parse_one(repo, base, name, bytes, &rules.imports),
        )
    });
    // The base is judged with the evidence of the base commit: a finding the evidence gave
    // there too is not new.
    // Live sources answer for now, the same for both sides.
    let evidence = Evidence::gather(Tree::Commit(repo, &base.id), DEFAULT_TIME_BOUND)
        .with_prometheus(prometheus);
    let mut judgement = super::judge(manifests, rules, as_of, &evidence);
    // A manifest absent or unreadable at the base is `missing`: its failures are all new.
    let missing = judgement.unjudged.drain(..).map(|(name, _)| name).collect();
    Ok(BaseSide {
        reference: base.reference.clone(),
        commit: base.id.clone(),
        results: judgement.report(rules, as_of, FailOn::Error).results,
        missing,
    })
}

/// The base a comparison defaults to: `--base` when given, else in GitHub Actions the pull
/// request's base commit from the event. A default that cannot be read (a shallow checkout)
/// is left out with a warning, unless `--fail-on new` needs it; a `--base` that cannot be
/// read is an error.
///
/// # Errors
/// The base cannot be resolved and was asked for (or is needed).
pub fn resolve_base(
    root: &Path,
    explicit: Option<&str>,
    fail_on: FailOn,
) -> Result<(Option<Commit>, Vec<String>), Error> {
    if let Some(reference) = explicit {
        return Ok((
            Some(Commit::resolve(&Repo::at(root), reference)?),
            Vec::new(),
        ));
    }
    let Some(sha) = actions_pull_request_base().or_else(crate::gitlab::context::merge_request_base)
    else {
        return Ok((None, Vec::new()));
    };
    match Commit::resolve(&Repo::at(root), &sha) {
        Ok(found) => Ok((Some(found), Vec::new())),
        Err(err) if fail_on == FailOn::New => Err(err),
        Err(err) => Ok((
            None,
            vec![format!(
                "not comparing with the pull request's base {sha}: {err}"
            )],
        )),
    }
}

/// `pull_request.base.sha` of the event, when running in GitHub Actions for a pull request.
fn actions_pull_request_base() -> Option<String> {
    if std::env::var("GITHUB_ACTIONS").ok()?.trim() != "true" {
        return None;
    }
    let path = std::env::var_os("GITHUB_EVENT_PATH")?;
    let event = std::fs::read_to_string(path).ok()?;
    pull_request_base(&event)
}

/// `pull_request.base.sha` of an event payload (`pull_request`, `pull_request_target`).
fn pull_request_base(event: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(event).ok()?;
    event
        .pointer("/pull_request/base/sha")?
        .as_str()
        .filter(|sha| !sha.is_empty())
        .map(str::to_owned)
}

/// The manifest's path relative to the repository root, as git names it.
fn in_repository(path: &Path, root: &Path) -> Result<String, Error> {
    let name = display_name(path, root);
    if outside(&name) {
        return Err(Error::Usage(format!(
            "`{name}` is outside the repository; a commit holds only files below {}",
            root.display()
        )));
    }
    Ok(if name == "." { String::new() } else { name })
}

fn outside(name: &str) -> bool {
    Path::new(name).is_absolute() || name == ".." || name.starts_with("../")
}

#[cfg(test)]
mod tests {
    use super::pull_request_base;

    #[test]
    fn the_pull_request_base_comes_from_the_event() {
        let event = r#"{"action":"opened","pull_request":{"base":{"sha":"abc123"},"head":{"sha":"def456"}}}"#;
        assert_eq!(pull_request_base(event).as_deref(), Some("abc123"));
        assert_eq!(pull_request_base(r#"{"ref":"refs/heads/main"}"#), None);
        assert_eq!(pull_request_base("not json"), None);
    }
}
