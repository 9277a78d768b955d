//! A throwaway git repository with a local bare remote, for the tests that need git. Git
//! runs with a fixed identity and none of the machine's configuration.

#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

#[allow(clippy::duplicate_mod)] // browser.rs and prometheus.rs load it too
pub mod tools;

/// The date the examples are judged on (reviews age).
pub const AS_OF: &str = "2026-11-21";

pub struct Repo {
    _dir: TempDir,
    /// The working tree.
    pub work: PathBuf,
    /// The bare repository `origin` points to.
    pub remote: PathBuf,
    home: PathBuf,
}

impl Repo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let work = dir.path().join("work");
        let remote = dir.path().join("remote.git");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        let repo = Self {
            _dir: dir,
            work,
            remote,
            home,
        };
        repo.git_in(
            repo.work.parent().unwrap(),
            &["init", "-q", "--bare", "remote.git"],
        );
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["remote", "add", "origin", "../remote.git"]);
        // The team of the fixtures owns every file, as `ownership.codeowners` asks; it is
        // committed with the first commit.
        repo.write(".github/CODEOWNERS", "* @acme/payments\n");
        repo
    }

    /// The environment every git and prr run gets: no global or system configuration, a
    /// fixed identity, and none of the GitHub Actions context of the machine running tests.
    pub fn env(&self, command: &mut Command) {
        command
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_AUTHOR_NAME", "prr test")
            .env("GIT_AUTHOR_EMAIL", "prr@example.com")
            .env("GIT_COMMITTER_NAME", "prr test")
            .env("GIT_COMMITTER_EMAIL", "prr@example.com")
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_PATH")
            .env_remove("PRE_COMMIT_TO_REF")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        command.args(args).current_dir(dir);
        self.env(&mut command);
        command.output().expect("git runs")
    }

    /// Runs git in the working tree; panics when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_in(&self.work, args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs git in the working tree and returns the whole outcome (a push that may fail).
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_in(&self.work, args)
    }

    /// `prr` in the working tree.
    pub fn prr(&self, args: &[&str]) -> Output {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
        command.args(args).current_dir(&self.work);
        self.env(&mut command);
        command.output().expect("prr runs")
    }

    pub fn write(&self, path: &str, text: &str) {
        let path = self.work.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Writes `text` to `path`, commits everything, and returns the commit id.
    pub fn commit(&self, path: &str, text: &str, message: &str) -> String {
        self.write(path, text);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// The commit a branch of the remote points to, if it has that branch.
    pub fn remote_head(&self, branch: &str) -> Option<String> {
        let out = self.git_in(&self.remote, &["rev-parse", "--verify", "--quiet", branch]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

/// The ready example manifest: it passes the built-in pack as of [`AS_OF`].
pub fn ready() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ready/prr.toml");
    std::fs::read_to_string(path)
        .expect("the ready example")
        .lines()
        .filter(|l| !l.starts_with("#:schema"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `text` with the first line that starts with `prefix` removed.
pub fn without(text: &str, prefix: &str) -> String {
    let mut removed = false;
    let kept = text
        .lines()
        .filter(|l| {
            let drop = !removed && l.starts_with(prefix);
            removed |= drop;
            !drop
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(removed, "no line starts with {prefix}");
    kept
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
