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

    /// The best common ancestor of two commits; `None` when they share no history (or
    /// either is unknown).
    #[must_use]
    pub fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let out = run(&self.root, &["merge-base", "--end-of-options", a, b]).ok()?;
        let sha = text(out, "merge-base").ok()?.trim().to_owned();
        (!sha.is_empty()).then_some(sha)
    }

    /// The ref a symbolic ref points to (`refs/remotes/origin/HEAD` ->
    /// `refs/remotes/origin/main`); `None` when it is not a symbolic ref here.
    #[must_use]
    pub fn symbolic_ref(&self, name: &str) -> Option<String> {
        let out = run(&self.root, &["symbolic-ref", "--quiet", name]).ok()?;
        let target = text(out, "symbolic-ref").ok()?.trim().to_owned();
        (!target.is_empty()).then_some(target)
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

    /// Every regular file of `commit` (symlinks and submodules left out) with its size in
    /// bytes, from one `git ls-tree -l`.
    ///
    /// # Errors
    /// git fails (an unknown commit, say).
    pub fn list_sizes(&self, commit: &str) -> Result<Vec<(String, u64)>, GitError> {
        let out = run(
            &self.root,
            &["ls-tree", "-r", "-l", "-z", "--full-tree", commit],
        )?;
        let mut files = Vec::new();
        for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let entry = std::str::from_utf8(entry).map_err(|_| GitError::NotUtf8 {
                command: "ls-tree".to_owned(),
            })?;
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            // `<mode> blob <oid> <size>`; a symlink is a blob too, with mode 120000.
            if let [mode, "blob", _, size] = meta.split_whitespace().collect::<Vec<_>>()[..] {
                if mode != "120000" {
                    files.push((path.to_owned(), size.parse().unwrap_or(0)));
                }
            }
        }
        Ok(files)
    }

    /// The bytes of each of `paths` in `commit`, in order (`None` where the commit has no
    /// file there), through one `git cat-file --batch` rather than a process per file: a
    /// monorepo judged against its base reads thousands.
    ///
    /// # Errors
    /// git cannot be run, or its answer is cut short.
    pub fn read_files(
        &self,
        commit: &str,
        paths: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, GitError> {
        use std::io::{BufRead, BufReader, Read, Write};
        let command = "cat-file --batch".to_owned();
        let spawn_error = |source| GitError::Spawn {
            command: command.clone(),
            source,
        };
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .current_dir(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(spawn_error)?;
        // Asked for by blob id, not as `commit:path`: git would read the trees on the way
        // again for every path, and a directory of thousands of services is one large tree.
        let listing = run(&self.root, &["ls-tree", "-r", "-z", "--full-tree", commit])?;
        let mut blobs = std::collections::HashMap::new();
        for entry in listing.split(|&b| b == 0) {
            let Ok(entry) = std::str::from_utf8(entry) else {
                continue;
            };
            if let Some((meta, path)) = entry.split_once('\t') {
                if let [_, "blob", oid] = meta.split(' ').collect::<Vec<_>>().as_slice() {
                    blobs.insert(path.to_owned(), (*oid).to_owned());
                }
            }
        }
        // A path not in the commit is asked for as an empty request, which git answers as
        // missing.
        let requests: String = paths
            .iter()
            .map(|path| format!("{}\n", blobs.get(path).map_or("", String::as_str)))
            .collect();
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| spawn_error(std::io::Error::other("no stdin")))?;
        // Written from another thread: git answers as it reads, and a full pipe either way
        // would otherwise stall both.
        let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| spawn_error(std::io::Error::other("no stdout")))?;
        let mut reader = BufReader::new(stdout);
        let cut_short = || GitError::Failed {
            command: command.clone(),
            stderr: "its answer ended early".to_owned(),
        };
        let mut files = Vec::with_capacity(paths.len());
        for _ in paths {
            let mut header = String::new();
            if reader.read_line(&mut header).map_err(spawn_error)? == 0 {
                return Err(cut_short());
            }
            let fields: Vec<&str> = header.split_whitespace().collect();
            match fields.as_slice() {
                [_, kind, size] => {
                    let size: usize = size.parse().map_err(|_| cut_short())?;
                    let mut content = vec![0; size + 1];
                    reader.read_exact(&mut content).map_err(|_| cut_short())?;
                    content.pop();
                    files.push((*kind == "blob").then_some(content));
                }
                _ => files.push(None),
            }
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(files)
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

/// The top level of the working tree holding `dir`: the nearest directory at or above it
/// with a `.git` (a directory, or the file a worktree or submodule has). Read from the
/// file system, with no `git` process: every check asks it.
#[must_use]
pub fn toplevel_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|candidate| candidate.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// The URL of the `origin` remote of the working tree at `root`, read from its git config
/// (following the `gitdir:` of a worktree to the shared config), with no `git` process.
#[must_use]
pub fn origin_url(root: &Path) -> Option<String> {
    let config = std::fs::read_to_string(common_dir(root)?.join("config")).ok()?;
    remote_url(&config, "origin")
}

/// The git directory the working tree at `root` shares with its repository's other
/// worktrees (where `config` and `info/exclude` live): `.git`, or the directory a worktree's
/// `.git` file points at, followed to its `commondir`.
#[must_use]
pub fn common_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let pointer = std::fs::read_to_string(&dot_git).ok()?;
    let dir = PathBuf::from(pointer.strip_prefix("gitdir:")?.trim());
    let dir = if dir.is_absolute() {
        dir
    } else {
        root.join(dir)
    };
    // A worktree's own directory names the repository's shared one in `commondir`.
    Some(match std::fs::read_to_string(dir.join("commondir")) {
        Ok(common) => {
            let common = PathBuf::from(common.trim());
            if common.is_absolute() {
                common
            } else {
                dir.join(common)
            }
        }
        Err(_) => dir,
    })
}

/// The `url` of `[remote "NAME"]` in the text of a git config file.
fn remote_url(config: &str, name: &str) -> Option<String> {
    let header = format!("[remote \"{name}\"]");
    let mut inside = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            if key.trim().eq_ignore_ascii_case("url") {
                return Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    None
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
