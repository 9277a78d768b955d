//! Git access, in one place: `prr` shells out to the `git` the user already has (it honours
//! their configuration, credentials helpers and worktrees) rather than linking a second
//! implementation. Every call names the command in its error.
//!
//! Files are read from commits with `git ls-tree` and `git cat-file`, so judging a commit
//! (the one being pushed, or a `--base`) never checks anything out.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a pre-push hook receives for a deleted ref, and `git` for "no commit".
pub const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// Why a git command gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run `git {command}`: {source} (is git installed and on PATH?)")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("`git {command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
    #[error("`{rev}` is not a commit in this repository{hint}")]
    UnknownRevision { rev: String, hint: String },
    #[error("{dir} is not in a git repository; run prr inside one")]
    NotARepository { dir: String },
    #[error("`git {command}` printed something that is not UTF-8")]
    NotUtf8 { command: String },
}

/// A repository, addressed by its top-level directory (every path below is relative to it,
/// with `/`).
#[derive(Clone, Debug)]
pub struct Repo {
    root: PathBuf,
}

impl Repo {
    /// The repository whose top level is `root`.
    #[must_use]
    pub fn at(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The repository containing `dir`, found with `git rev-parse --show-toplevel`.
    ///
    /// # Errors
    /// `dir` is not inside a git working tree, or git cannot be run.
    pub fn discover(dir: &Path) -> Result<Self, GitError> {
        let top = text(run(dir, &["rev-parse", "--show-toplevel"])?, "rev-parse")?;
        Ok(Self {
            root: PathBuf::from(top.trim()),
        })
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The full commit id `rev` names (a branch, tag, `HEAD~1`, a short id).
    ///
    /// # Errors
    /// [`GitError::UnknownRevision`] when it names no commit here.
    pub fn resolve_commit(&self, rev: &str) -> Result<String, GitError> {
        let spec = format!("{rev}^{{commit}}");
        match run(
            &self.root,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        ) {
            Ok(out) => Ok(text(out, "rev-parse")?.trim().to_owned()),
            Err(GitError::Failed { .. }) => {
                if run(&self.root, &["rev-parse", "--git-dir"]).is_err() {
                    return Err(GitError::NotARepository {
                        dir: self.root.display().to_string(),
                    });
                }
                let shallow = run(&self.root, &["rev-parse", "--is-shallow-repository"])
                    .ok()
                    .is_some_and(|out| out.starts_with(b"true"));
                Err(GitError::UnknownRevision {
                    rev: rev.to_owned(),
                    hint: if shallow {
                        "; this clone is shallow: fetch it (`git fetch origin <ref>`, or fetch-depth: 0 in actions/checkout)".to_owned()
                    } else {
                        "; fetch it, or name a branch, tag or commit that exists".to_owned()
                    },
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Whether `sha` names a commit present in the local object store.
    #[must_use]
    pub fn has_commit(&self, sha: &str) -> bool {
        sha != ZERO_SHA && self.resolve_commit(sha).is_ok()
    }

    /// Every file (blob or symlink) of `commit` at or below each of `paths` (none: the
    /// whole tree).
    ///
    /// # Errors
    /// git fails (an unknown commit, say).
    pub fn list_files(&self, commit: &str, paths: &[&str]) -> Result<Vec<String>, GitError> {
        let mut args = vec![
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            "--name-only",
            commit,
            "--",
        ];
        args.extend(paths);
        let out = run(&self.root, &args)?;
        out.split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| {
                String::from_utf8(name.to_vec()).map_err(|_| GitError::NotUtf8 {
                    command: "ls-tree".to_owned(),
                })
            })
            .collect()
    }

    /// The bytes of `path` in `commit` (a full id from [`Repo::resolve_commit`]); `None`
    /// when the commit has no file there.
    ///
    /// # Errors
    /// git cannot be run.
    pub fn read_file(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        // One process per file: this runs on every push. `commit` was resolved, so
        // `cat-file` fails only when the path is not a file in it.
        match run(
            &self.root,
            &["cat-file", "blob", &format!("{commit}:{path}")],
        ) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(GitError::Failed { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The directory git runs hooks from: `core.hooksPath` when set, else `.git/hooks` (of
    /// the main worktree).
    ///
    /// # Errors
    /// git fails.
    pub fn hooks_dir(&self) -> Result<PathBuf, GitError> {
        // Run from the top level: a relative `core.hooksPath` is relative to it, and so is
        // what `--git-path` prints.
        let out = text(
            run(&self.root, &["rev-parse", "--git-path", "hooks"])?,
            "rev-parse",
        )?;
        Ok(self.root.join(out.trim()))
    }
}

/// Runs `git args...` in `dir`; its stdout when it succeeds.
fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let command = args.join(" ");
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| GitError::Spawn {
            command: command.clone(),
            source,
        })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        Err(GitError::Failed {
            command,
            stderr: if stderr.is_empty() {
                format!("exit status {}", out.status)
            } else {
                stderr
            },
        })
    }
}

fn text(bytes: Vec<u8>, command: &str) -> Result<String, GitError> {
    String::from_utf8(bytes).map_err(|_| GitError::NotUtf8 {
        command: command.to_owned(),
    })
}
