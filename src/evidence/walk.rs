//! A directory of the working tree listed as git sees it: the files `.gitignore` (of the
//! directory, of those below it and, inside a repository, of those above it up to the top
//! level), `.git/info/exclude` and the user's excludes file leave out are not listed, `.git`
//! is not entered and symlinks are not followed. Each ignore file above a service's directory
//! is read once per run, however many services share it.

use std::collections::HashMap;
use std::fs::DirEntry;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

/// The ignore files of a run, each read once.
#[derive(Debug, Default)]
pub struct Ignores {
    /// The `.gitignore` of each directory above a walked one, or none.
    above: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    /// `.git/info/exclude` of each top level.
    excludes: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    /// The user's excludes file (`core.excludesFile`, else `~/.config/git/ignore`).
    global: OnceLock<Option<Gitignore>>,
}

/// Whether a walk goes on after a file.
pub enum Flow {
    Next,
    Stop,
}

/// The rules that decide whether a path below a directory is ignored: the `.gitignore`
/// files from the top level down (the deepest decides first), then the repository's
/// excludes, then the user's.
#[derive(Clone)]
struct Rules<'a> {
    gitignores: Vec<Arc<Gitignore>>,
    exclude: Option<Arc<Gitignore>>,
    global: Option<&'a Gitignore>,
    root: &'a Path,
}

impl Rules<'_> {
    fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        for gitignore in self.gitignores.iter().rev().chain(&self.exclude) {
            match gitignore.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        // The user's patterns are read from the top level, like the repository's own.
        let relative = path.strip_prefix(self.root).unwrap_or(path);
        self.global
            .is_some_and(|global| global.matched(relative, is_dir).is_ignore())
    }
}

impl Ignores {
    /// Calls `each` with every file of `dir` and below (its path, its path from `root` with
    /// `/`, its entry) that git would list, until it says stop. Inside a repository (`root`
    /// is its top level) the ignore files of the directories between `root` and `dir` apply
    /// too; outside one, `root` is `dir`.
    ///
    /// # Errors
    /// A directory cannot be read, or `each` fails.
    pub fn each_file(
        &self,
        dir: &Path,
        root: &Path,
        in_repository: bool,
        each: &mut dyn FnMut(&Path, &str, &DirEntry) -> Result<Flow, String>,
    ) -> Result<(), String> {
        // The directories from the top level down to the walked one's parent (the walked
        // directory's own ignore file is read from its listing below).
        let mut above: Vec<&Path> = if in_repository {
            dir.ancestors()
                .skip(1)
                .take_while(|above| above.starts_with(root))
                .collect()
        } else {
            Vec::new()
        };
        above.reverse();
        let gitignores = above
            .into_iter()
            .filter_map(|dir| self.above(dir))
            .collect();
        let rules = Rules {
            gitignores,
            exclude: if in_repository {
                self.exclude(root)
            } else {
                None
            },
            global: self
                .global
                .get_or_init(|| {
                    let (global, _unreadable) = Gitignore::global();
                    (!global.is_empty()).then_some(global)
                })
                .as_ref(),
            root,
        };
        let mut pending = vec![(dir.to_path_buf(), rules)];
        while let Some((dir, mut rules)) = pending.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|err| format!("cannot list {}: {err}", dir.display()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
            if entries
                .iter()
                .any(|e| e.file_name() == ".gitignore" && e.file_type().is_ok_and(|t| t.is_file()))
            {
                rules.gitignores.push(Arc::new(read_gitignore(&dir)));
            }
            for entry in entries {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if kind.is_dir() {
                    if entry.file_name() != ".git" && !rules.ignored(&path, true) {
                        pending.push((path, rules.clone()));
                    }
                    continue;
                }
                if !kind.is_file() || rules.ignored(&path, false) {
                    continue;
                }
                let Ok(relative) = path.strip_prefix(root) else {
                    continue;
                };
                let relative = relative.to_string_lossy().replace('\\', "/");
                if let Flow::Stop = each(&path, &relative, &entry)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The `.gitignore` of `dir`, a directory above a walked one, read once per run.
    fn above(&self, dir: &Path) -> Option<Arc<Gitignore>> {
        let mut above = self.above.lock().unwrap_or_else(PoisonError::into_inner);
        above
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                dir.join(".gitignore")
                    .symlink_metadata()
                    .is_ok_and(|meta| meta.is_file())
                    .then(|| Arc::new(read_gitignore(dir)))
            })
            .clone()
    }

    /// `.git/info/exclude` of the repository at `root`, read once per run.
    fn exclude(&self, root: &Path) -> Option<Arc<Gitignore>> {
        let mut excludes = self.excludes.lock().unwrap_or_else(PoisonError::into_inner);
        excludes
            .entry(root.to_path_buf())
            .or_insert_with(|| {
                let file = crate::git::common_dir(root)?.join("info").join("exclude");
                file.is_file().then(|| {
                    let mut builder = GitignoreBuilder::new(root);
                    builder.add(&file);
                    Arc::new(builder.build().unwrap_or_else(|_| Gitignore::empty()))
                })
            })
            .clone()
    }
}

/// The `.gitignore` of `dir`; the lines that do not parse are left out, as git leaves them.
fn read_gitignore(dir: &Path) -> Gitignore {
    let (gitignore, _unparsed) = Gitignore::new(dir.join(".gitignore"));
    gitignore
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Ignore files as a user with no excludes file of their own reads them.
    fn fresh() -> Ignores {
        Ignores {
            global: OnceLock::from(None),
            ..Ignores::default()
        }
    }

    fn listed(ignores: &Ignores, dir: &Path, root: &Path, in_repository: bool) -> Vec<String> {
        let mut files = Vec::new();
        ignores
            .each_file(dir, root, in_repository, &mut |_, relative, _| {
                files.push(relative.to_owned());
                Ok(Flow::Next)
            })
            .expect("listed");
        files.sort();
        files
    }

    /// What git lists below `dir`: tracked or not, not ignored.
    fn git_lists(root: &Path, dir: &str) -> Vec<String> {
        let out = std::process::Command::new("git")
            .args([
                "ls-files",
                "--cached",
                "--others",
                "--exclude-standard",
                "--",
                dir,
            ])
            .current_dir(root)
            .env("HOME", root.join(".no-home"))
            .env("XDG_CONFIG_HOME", root.join(".no-home"))
            .output()
            .expect("git runs");
        assert!(out.status.success(), "{out:?}");
        let mut files: Vec<String> = String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .map(str::to_owned)
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_service_directory_is_listed_as_git_lists_it() {
        let above = tempfile::tempdir().expect("tempdir");
        // A .gitignore above the repository is not the repository's: git does not read it.
        write(above.path(), ".gitignore", "*.yaml\n");
        let root = above.path().join("repo");
        std::fs::create_dir(&root).expect("mkdir");
        let status = std::process::Command::new("git")
            .args(["init", "-q", "."])
            .current_dir(&root)
            .status()
            .expect("git init");
        assert!(status.success());
        write(
            &root,
            ".gitignore",
            "*.log\nbuild/\n/services/pay/local.env\n",
        );
        write(&root, ".git/info/exclude", "secret.txt\n");
        write(&root, "services/.gitignore", "!keep.log\ntmp*\n");
        write(
            &root,
            "services/pay/.gitignore",
            "generated/\n!important.tmp\n",
        );
        for file in [
            "services/pay/Dockerfile",
            "services/pay/deploy/app.yaml",
            "services/pay/debug.log",
            "services/pay/keep.log",
            "services/pay/build/out.bin",
            "services/pay/local.env",
            "services/pay/secret.txt",
            "services/pay/generated/a.rs",
            "services/pay/tmpfile",
            "services/pay/important.tmp",
            "services/pay/.hidden/config",
            "services/pay/nested/deeper/package.json",
            "services/other/Dockerfile",
        ] {
            write(&root, file, "x\n");
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(above.path(), root.join("services/pay/link")).expect("symlink");
        let ignores = fresh();
        let ours = listed(&ignores, &root.join("services/pay"), &root, true);
        // git lists a symlink as a file of its own; the walk does not follow or list one
        // (its target may lie outside the repository).
        let git: Vec<String> = git_lists(&root, "services/pay")
            .into_iter()
            .filter(|file| file != "services/pay/link")
            .collect();
        assert_eq!(ours, git);
        assert!(
            ours.contains(&"services/pay/keep.log".to_owned()),
            "{ours:?}"
        );
        assert!(!ours.iter().any(|f| f.contains("debug.log")), "{ours:?}");
        // Read once, the ignore files above give the same answer to the next service.
        assert_eq!(
            listed(&ignores, &root.join("services/pay"), &root, true),
            ours
        );
        assert_eq!(
            listed(&ignores, &root.join("services/other"), &root, true),
            git_lists(&root, "services/other")
        );
    }

    #[test]
    fn outside_a_repository_only_the_directory_s_own_ignore_files_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), ".gitignore", "*.log\n");
        write(dir.path(), "a.log", "x\n");
        write(dir.path(), "Dockerfile", "x\n");
        write(dir.path(), "sub/.gitignore", "!b.log\n");
        write(dir.path(), "sub/b.log", "x\n");
        let ignores = fresh();
        assert_eq!(
            listed(&ignores, dir.path(), dir.path(), false),
            [".gitignore", "Dockerfile", "sub/.gitignore", "sub/b.log"]
        );
    }
}
