//! `prr hook install|uninstall`: the pre-push hook in a real repository, pushing to a local
//! bare remote. The hook calls the binary that installed it by absolute path.

mod common;

use common::{ready, stderr, stdout, without, Repo, AS_OF};

/// What a push printed: git passes a pre-push hook's stdout on to its own.
fn said(out: &std::process::Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

fn install(repo: &Repo) {
    let out = repo.prr(&["hook", "install", "--", "--as-of", AS_OF]);
    assert!(out.status.success(), "install: {}", stderr(&out));
}

fn push(repo: &Repo, args: &[&str]) -> std::process::Output {
    let mut all = vec!["push", "origin"];
    all.extend(args);
    repo.git_output(&all)
}

#[test]
fn a_failing_push_is_refused_and_a_ready_one_goes_through() {
    let repo = Repo::new();
    install(&repo);
    let good = repo.commit("prr.toml", &ready(), "a ready service");
    let out = push(&repo, &["main"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("prr: PASS"), "{}", said(&out));
    assert_eq!(repo.remote_head("main").as_deref(), Some(good.as_str()));

    let bad = repo.commit(
        "prr.toml",
        &without(&ready(), "runbook ="),
        "drop the runbook",
    );
    let out = push(&repo, &["main"]);
    assert!(!out.status.success());
    let text = said(&out);
    assert!(text.contains("error[docs.runbook]: [new]"), "{text}");
    assert!(text.contains("push refused"), "{text}");
    assert!(text.contains("--no-verify"), "{text}");
    assert_eq!(repo.remote_head("main").as_deref(), Some(good.as_str()));

    let out = push(&repo, &["--no-verify", "main"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(repo.remote_head("main").as_deref(), Some(bad.as_str()));
}

#[test]
fn the_commit_being_pushed_is_judged_not_the_working_tree() {
    let repo = Repo::new();
    install(&repo);
    repo.commit("prr.toml", &without(&ready(), "runbook ="), "no runbook");
    // Fixed in the working tree only: the push still carries the broken manifest.
    repo.write("prr.toml", &ready());
    let out = push(&repo, &["main"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("error[docs.runbook]"), "{}", said(&out));
    assert!(
        said(&out).contains("push refused: refs/heads/main fails the production-readiness gate"),
        "{}",
        said(&out)
    );

    repo.git(&["commit", "-q", "-am", "the runbook"]);
    // Broken in the working tree only: the push carries a ready manifest.
    repo.write("prr.toml", &without(&ready(), "rotation ="));
    let out = push(&repo, &["main"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn deleting_a_branch_is_not_blocked() {
    let repo = Repo::new();
    repo.commit("prr.toml", &without(&ready(), "runbook ="), "no runbook");
    assert!(push(&repo, &["main:doomed"]).status.success());
    install(&repo);
    let out = push(&repo, &[":doomed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(repo.remote_head("doomed"), None);
}

#[test]
fn an_existing_hook_still_runs_and_uninstall_restores_it() {
    let repo = Repo::new();
    let hooks = repo.work.join(".git/hooks");
    let original = "#!/bin/sh\n# the team's own hook\necho \"$1\" >> \"$(dirname \"$0\")/../ran\"\ncat >> \"$(dirname \"$0\")/../ran\"\n";
    std::fs::write(hooks.join("pre-push"), original).unwrap();
    make_executable(&hooks.join("pre-push"));

    install(&repo);
    let installed = std::fs::read(hooks.join("pre-push")).unwrap();
    assert_ne!(installed, original.as_bytes());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push.prr-chained")).unwrap(),
        original
    );
    // Installing twice changes nothing.
    install(&repo);
    assert_eq!(std::fs::read(hooks.join("pre-push")).unwrap(), installed);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push.prr-chained")).unwrap(),
        original
    );

    let head = repo.commit("prr.toml", &ready(), "ready");
    let out = push(&repo, &["main"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ran = std::fs::read_to_string(repo.work.join(".git/ran")).unwrap();
    assert!(ran.starts_with("origin\n"), "{ran}");
    assert!(
        ran.contains(&format!("refs/heads/main {head} refs/heads/main")),
        "the chained hook gets git's input: {ran}"
    );

    let out = repo.prr(&["hook", "uninstall"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        original
    );
    assert!(!hooks.join("pre-push.prr-chained").exists());
    // Nothing of prr's is left to remove, and the team's hook is left alone.
    assert!(repo.prr(&["hook", "uninstall"]).status.success());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        original
    );
}

#[test]
fn a_failing_existing_hook_still_blocks() {
    let repo = Repo::new();
    let hook = repo.work.join(".git/hooks/pre-push");
    std::fs::write(&hook, "#!/bin/sh\necho 'team hook says no' >&2\nexit 3\n").unwrap();
    make_executable(&hook);
    install(&repo);
    repo.commit("prr.toml", &ready(), "ready");
    let out = push(&repo, &["main"]);
    assert!(!out.status.success());
    assert!(said(&out).contains("team hook says no"));
    assert_eq!(repo.remote_head("main"), None);
}

#[test]
fn uninstall_without_an_earlier_hook_leaves_none() {
    let repo = Repo::new();
    install(&repo);
    let hook = repo.work.join(".git/hooks/pre-push");
    assert!(hook.exists());
    assert!(repo.prr(&["hook", "uninstall"]).status.success());
    assert!(!hook.exists());
}

#[test]
fn core_hooks_path_is_respected() {
    let repo = Repo::new();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    install(&repo);
    assert!(repo.work.join(".githooks/pre-push").is_file());
    assert!(!repo.work.join(".git/hooks/pre-push").exists());

    repo.commit("prr.toml", &without(&ready(), "runbook ="), "no runbook");
    let out = push(&repo, &["main"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("error[docs.runbook]"), "{}", said(&out));
    assert!(said(&out).contains("push refused"), "{}", said(&out));
    assert_eq!(repo.remote_head("main"), None);
}

#[test]
fn install_refuses_arguments_that_prr_check_would_refuse() {
    let repo = Repo::new();
    let out = repo.prr(&["hook", "install", "--", "--fail-on", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sometimes"), "{}", stderr(&out));
    assert!(!repo.work.join(".git/hooks/pre-push").exists());
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn make_executable(_path: &std::path::Path) {}

/// pre-commit passes neither git's pre-push lines nor, on a first push or a run by hand,
/// any ref: then the commit at HEAD is judged, never passed unseen.
#[test]
fn with_nothing_said_of_the_push_the_head_commit_is_judged() {
    let repo = Repo::new();
    let out = repo.prr(&["hook", "run", "--as-of", AS_OF]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to judge"),
        "{}",
        stderr(&out)
    );

    repo.commit("README.md", "a service\n", "no manifest yet");
    let out = repo.prr(&["hook", "run", "--as-of", AS_OF]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to judge: no prr.toml"),
        "{}",
        stderr(&out)
    );

    repo.commit("prr.toml", &without(&ready(), "runbook ="), "no runbook");
    let out = repo.prr(&["hook", "run", "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("error[docs.runbook]"), "{}", said(&out));
    assert!(stderr(&out).contains("judging HEAD"), "{}", stderr(&out));
}

/// `--fail-on new` on the first push of a branch: the branch is compared with the remote's
/// default branch (their merge base), so the failures `main` already has do not block it,
/// and one the branch adds does; the hook names the base it compared with.
#[test]
fn a_new_branch_is_compared_with_the_remotes_default_branch() {
    let repo = Repo::new();
    let fork = repo.commit(
        "prr.toml",
        &without(&ready(), "runbook ="),
        "main has no runbook",
    );
    assert!(push(&repo, &["main"]).status.success());
    let out = repo.prr(&[
        "hook",
        "install",
        "--",
        "--as-of",
        AS_OF,
        "--fail-on",
        "new",
    ]);
    assert!(out.status.success(), "install: {}", stderr(&out));
    let short = &fork[..12];

    // No refs/remotes/origin/HEAD in this clone: the remote's `main` is the default branch.
    repo.git(&["checkout", "-q", "-b", "docs"]);
    repo.commit("README.md", "a service\n", "a readme");
    let out = push(&repo, &["docs"]);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "refs/heads/docs is new to origin: comparing with origin/main, the remote's default branch, at their merge base {short}"
        )),
        "{text}"
    );
    assert!(!text.contains("push refused"), "{text}");
    assert!(repo.remote_head("docs").is_some());

    // With refs/remotes/origin/HEAD, that is the default branch.
    repo.git(&["remote", "set-head", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "no-oncall", "main"]);
    repo.commit(
        "prr.toml",
        &without(&without(&ready(), "runbook ="), "rotation ="),
        "drop the rotation too",
    );
    let out = push(&repo, &["no-oncall"]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "refs/heads/no-oncall is new to origin: comparing with origin/main, the remote's default branch, at their merge base {short}"
        )),
        "{text}"
    );
    assert!(text.contains("error[oncall.rotation]: [new]"), "{text}");
    assert!(
        text.contains("push refused: refs/heads/no-oncall fails the production-readiness gate"),
        "{text}"
    );
    assert_eq!(repo.remote_head("no-oncall"), None);

    // The next push of a branch the remote has is compared with what the remote has.
    repo.git(&["checkout", "-q", "docs"]);
    let docs = repo.remote_head("docs").unwrap();
    repo.commit("README.md", "a service, documented\n", "more readme");
    let out = push(&repo, &["docs"]);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "comparing refs/heads/docs with what origin has ({})",
            &docs[..12]
        )),
        "{text}"
    );
}
