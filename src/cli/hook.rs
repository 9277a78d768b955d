//! `prr hook install|uninstall|run`: the git pre-push hook.
//!
//! The hook is a small POSIX shell script in the directory git runs hooks from (which
//! honours `core.hooksPath`). It calls the `prr` binary that installed it, by absolute path
//! (falling back to `prr` on PATH when that binary is gone), as `prr hook run`, which reads
//! git's pre-push lines and judges each commit being pushed, never the working tree. A
//! pre-push hook that was there before is kept as `pre-push.prr-chained` and runs first with
//! the same arguments and input; `uninstall` puts it back.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use super::check::{self, CheckArgs};
use super::{exit, repository_root, write_stderr};
use crate::diagnostic::Error;
use crate::git::{Repo, ZERO_SHA};
use crate::manifest::FILE_NAMES;
use crate::report::FailOn;

/// The line that marks a hook as ours: only a hook carrying it is ever rewritten or removed.
const MARKER: &str = "# prr-gate pre-push hook";
const HOOK: &str = "pre-push";
/// Where a pre-push hook that was there before ours is kept.
const CHAINED: &str = "pre-push.prr-chained";

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Install the git pre-push hook: it judges the commit being pushed and refuses the push
    /// when the gate fails. An existing pre-push hook is kept and runs first. Skip the hook
    /// once with `git push --no-verify`.
    Install {
        /// Arguments for `prr check` in the hook, after `--` (paths relative to the
        /// repository root), e.g. `prr hook install -- --rules .prr/pack --fail-on new`.
        #[arg(last = true, value_name = "CHECK ARGS")]
        check_args: Vec<String>,
    },
    /// Remove the hook and put back the pre-push hook that was there before it.
    Uninstall,
    /// What the hook runs: judges each commit of a push, read as git's pre-push lines on
    /// stdin (or pre-commit's PRE_COMMIT_TO_REF). Takes the options of `prr check`; a
    /// pushed branch is compared with what the remote has, a new branch with its merge base
    /// with the remote's default branch (unless --base says otherwise).
    Run(Box<CheckArgs>),
}

/// Runs `prr hook ...`.
///
/// # Errors
/// Not in a git repository, a hook that cannot be written, or bad check arguments.
pub fn run(args: &HookArgs) -> Result<u8, Error> {
    match &args.action {
        HookAction::Install { check_args } => install(check_args),
        HookAction::Uninstall => uninstall(),
        HookAction::Run(check_args) => run_pushed(check_args),
    }
}

fn install(check_args: &[String]) -> Result<u8, Error> {
    // Refuse now what the hook would refuse on every push.
    #[derive(Parser)]
    struct Validate {
        #[command(flatten)]
        check: CheckArgs,
    }
    Validate::try_parse_from(
        std::iter::once("prr hook run".to_owned()).chain(check_args.iter().cloned()),
    )
    .map_err(|err| {
        Error::Usage(format!(
            "the arguments for `prr check` in the hook: {}",
            err.render()
        ))
    })?;

    let exe = std::env::current_exe().map_err(|source| Error::Io {
        context: "cannot tell where the prr binary is".to_owned(),
        source,
    })?;
    let exe = exe.to_str().ok_or_else(|| {
        Error::Usage(format!(
            "the path of the prr binary is not UTF-8 ({}); install prr elsewhere",
            exe.display()
        ))
    })?;
    let script = script(exe, check_args);
    let dir = hooks_dir()?;
    let hook = dir.join(HOOK);
    let chained = dir.join(CHAINED);
    let current = read_hook(&hook)?;
    match current.as_deref() {
        Some(text) if text == script => {
            write_stderr(&format!(
                "prr: the pre-push hook is already installed at {}; nothing changed\n",
                hook.display()
            ));
            return Ok(exit::PASS);
        }
        Some(text) if !text.contains(MARKER) => {
            if chained.exists() {
                return Err(Error::Usage(format!(
                    "{} is not prr's, and {} exists already; move one of them away first",
                    hook.display(),
                    chained.display()
                )));
            }
            rename(&hook, &chained)?;
        }
        Some(_) | None => {}
    }
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        context: format!("cannot create {}", dir.display()),
        source,
    })?;
    super::write_file(&hook, &script)?;
    make_executable(&hook)?;
    let kept = if chained.exists() {
        format!("; the hook that was there runs first, kept as {CHAINED}")
    } else {
        String::new()
    };
    write_stderr(&format!(
        "prr: {} the pre-push hook at {}{kept}\nprr: it judges the commit being pushed; skip it once with `git push --no-verify`\n",
        if current.as_deref().is_some_and(|t| t.contains(MARKER)) {
            "updated"
        } else {
            "installed"
        },
        hook.display(),
    ));
    Ok(exit::PASS)
}

fn uninstall() -> Result<u8, Error> {
    let dir = hooks_dir()?;
    let hook = dir.join(HOOK);
    let chained = dir.join(CHAINED);
    match read_hook(&hook)? {
        Some(text) if text.contains(MARKER) => {}
        Some(_) => {
            write_stderr(&format!(
                "prr: {} is not prr's hook; left as it is\n",
                hook.display()
            ));
            return Ok(exit::PASS);
        }
        None => {
            write_stderr("prr: no prr pre-push hook is installed; nothing changed\n");
            return Ok(exit::PASS);
        }
    }
    std::fs::remove_file(&hook).map_err(|source| Error::Io {
        context: format!("cannot remove {}", hook.display()),
        source,
    })?;
    if chained.exists() {
        rename(&chained, &hook)?;
        write_stderr(&format!(
            "prr: removed the pre-push hook and put back the one that was there before at {}\n",
            hook.display()
        ));
    } else {
        write_stderr(&format!(
            "prr: removed the pre-push hook at {}\n",
            hook.display()
        ));
    }
    Ok(exit::PASS)
}

/// One ref being pushed, as git's pre-push input line names it.
#[derive(Debug, PartialEq, Eq)]
struct Pushed {
    local_ref: String,
    local_sha: String,
    remote_sha: String,
}

/// Judges each commit being pushed; the worst exit code wins.
fn run_pushed(args: &CheckArgs) -> Result<u8, Error> {
    let pushed = match pre_commit_push() {
        Some(pushed) => Told::Pushed(vec![pushed]),
        None => {
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|source| Error::Io {
                    context: "cannot read the pre-push lines on stdin".to_owned(),
                    source,
                })?;
            if input.trim().is_empty() {
                Told::Nothing
            } else {
                Told::Pushed(parse_pre_push(&input)?)
            }
        }
    };
    // The root comes from git, or the push would not be running.
    let repo = Repo::at(&repository_root());
    let pushed = match pushed {
        Told::Pushed(pushed) if pushed.is_empty() => {
            write_stderr("prr: the push only deletes refs: nothing to judge\n");
            return Ok(exit::PASS);
        }
        Told::Pushed(pushed) => pushed,
        // Nothing said what is pushed: the first push of a new repository through the
        // pre-commit framework, or `pre-commit try-repo` / `run` by hand. Passing here
        // would let a failing manifest through, so the commit at HEAD is judged.
        Told::Nothing => match head_to_judge(&repo, args)? {
            Some(head) => vec![head],
            None => return Ok(exit::PASS),
        },
    };
    let remote = push_remote();
    let mut worst = exit::PASS;
    for push in &pushed {
        let mut check = args.clone();
        check.rev = Some(push.local_sha.clone());
        check.quiet = true;
        // A push stays fast and offline: live sources (Prometheus) are asked in CI.
        check.offline = true;
        if check.base.is_none() {
            check.base = choose_base(&repo, &remote, push);
        }
        if check.fail_on == FailOn::New && check.base.is_none() {
            write_stderr(&format!(
                "prr: {} is new to {remote}, which has no default branch here to compare with (fetch it: `git fetch {remote}`), so every failure at severity error blocks\n",
                push.local_ref
            ));
            check.fail_on = FailOn::Error;
        }
        let short = short(&push.local_sha);
        write_stderr(&format!(
            "prr: judging {} at {short} (the commit being pushed)\n",
            push.local_ref
        ));
        let code = check::run(&check).unwrap_or_else(|err| {
            super::print_error(&err);
            exit::ERROR
        });
        if code != exit::PASS {
            write_stderr(&format!(
                "prr: push refused: {} {} at {short}. Fix the manifest and commit, or skip the gate once with `git push --no-verify`.\n",
                push.local_ref,
                if code == exit::FAIL {
                    "fails the production-readiness gate"
                } else {
                    "could not be judged"
                },
            ));
        }
        worst = worst.max(code);
    }
    Ok(worst)
}

/// The remote being pushed to: the hook script passes on git's first argument, pre-commit
/// names it in its environment; `origin` for a hook installed before either was read.
fn push_remote() -> String {
    ["PRR_PUSH_REMOTE", "PRE_COMMIT_REMOTE_NAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "origin".to_owned())
}

/// The commit the pushed one is compared with, saying which on stderr: what the remote has
/// of the branch when that commit is here; for a branch new to the remote, its merge base
/// with the remote's default branch (`refs/remotes/<remote>/HEAD`, else the remote's `main`,
/// else `master`), so that the failures the default branch already has do not block the
/// first push of every branch. `None` when neither is known.
fn choose_base(repo: &Repo, remote: &str, push: &Pushed) -> Option<String> {
    if repo.has_commit(&push.remote_sha) {
        write_stderr(&format!(
            "prr: comparing {} with what {remote} has ({})\n",
            push.local_ref,
            short(&push.remote_sha)
        ));
        return Some(push.remote_sha.clone());
    }
    let why = if push.remote_sha == ZERO_SHA {
        format!("{} is new to {remote}", push.local_ref)
    } else {
        format!(
            "{remote} has {} at {}, which is not here (fetch it to compare with it)",
            push.local_ref,
            short(&push.remote_sha)
        )
    };
    let (name, base) = default_branch_base(repo, remote, &push.local_sha)?;
    write_stderr(&format!(
        "prr: {why}: comparing with {name}, the remote's default branch, at their merge base {}\n",
        short(&base)
    ));
    Some(base)
}

/// The remote's default branch as this clone knows it, by its short name, and the merge
/// base of `commit` with it.
fn default_branch_base(repo: &Repo, remote: &str, commit: &str) -> Option<(String, String)> {
    let head = format!("refs/remotes/{remote}/HEAD");
    let candidates = [
        repo.symbolic_ref(&head),
        Some(format!("refs/remotes/{remote}/main")),
        Some(format!("refs/remotes/{remote}/master")),
    ];
    candidates.into_iter().flatten().find_map(|reference| {
        let tip = repo.resolve_commit(&reference).ok()?;
        let base = repo.merge_base(commit, &tip)?;
        let name = reference
            .strip_prefix("refs/remotes/")
            .unwrap_or(&reference)
            .to_owned();
        Some((name, base))
    })
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// What the hook was told of the push.
enum Told {
    /// The refs pushed (none when the push only deletes).
    Pushed(Vec<Pushed>),
    /// No pre-push lines and no pre-commit variables.
    Nothing,
}

/// The commit at HEAD, to judge when nothing said what is pushed; `None` (with a line
/// saying so) when there is no commit yet, or no manifest in it and none was asked for.
fn head_to_judge(repo: &Repo, args: &CheckArgs) -> Result<Option<Pushed>, Error> {
    let Ok(head) = repo.resolve_commit("HEAD") else {
        write_stderr("prr: nothing to judge: the repository has no commit yet\n");
        return Ok(None);
    };
    if args.manifest.is_empty() && repo.list_files(&head, &FILE_NAMES)?.is_empty() {
        write_stderr(
            "prr: nothing to judge: no prr.toml or prr.json at the repository root in HEAD\n",
        );
        return Ok(None);
    }
    write_stderr(
        "prr: no pushed refs were given (the first push, or a run by hand): judging HEAD\n",
    );
    Ok(Some(Pushed {
        local_ref: "HEAD".to_owned(),
        local_sha: head,
        remote_sha: ZERO_SHA.to_owned(),
    }))
}

/// Git's pre-push input: `<local ref> <local sha> <remote ref> <remote sha>` per line. A
/// deleted ref (local sha all zeros) has nothing to judge; a commit pushed under two names
/// is judged once.
fn parse_pre_push(input: &str) -> Result<Vec<Pushed>, Error> {
    let mut pushed: Vec<Pushed> = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [local_ref, local_sha, _remote_ref, remote_sha] = fields.as_slice() else {
            return Err(Error::Usage(format!(
                "unexpected pre-push input `{line}`: git sends `<local ref> <local sha> <remote ref> <remote sha>`"
            )));
        };
        if *local_sha == ZERO_SHA || pushed.iter().any(|p| p.local_sha == *local_sha) {
            continue;
        }
        pushed.push(Pushed {
            local_ref: (*local_ref).to_owned(),
            local_sha: (*local_sha).to_owned(),
            remote_sha: (*remote_sha).to_owned(),
        });
    }
    Ok(pushed)
}

/// The push as the pre-commit framework describes it in its environment (it does not pass
/// git's input on).
fn pre_commit_push() -> Option<Pushed> {
    let to = std::env::var("PRE_COMMIT_TO_REF")
        .ok()
        .filter(|s| !s.is_empty())?;
    Some(Pushed {
        local_ref: std::env::var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|_| to.clone()),
        remote_sha: std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_else(|_| ZERO_SHA.to_owned()),
        local_sha: to,
    })
}

/// The hook script: runs the hook that was there before (same arguments, same input), then
/// `prr hook run` with the arguments given at install.
fn script(exe: &str, check_args: &[String]) -> String {
    let args: String = check_args
        .iter()
        .map(|a| format!(" {}", shell_quote(a)))
        .collect();
    format!(
        r#"#!/bin/sh
{MARKER}: installed by `prr hook install`, removed by `prr hook uninstall`.
# It judges the commit being pushed (not the working tree) and refuses the push when the
# production-readiness gate fails. Skip it once with `git push --no-verify`.
prr={exe}
[ -x "$prr" ] || prr=prr
input=$(cat)
feed() {{ [ -z "$input" ] || printf '%s\n' "$input"; }}
chained="$(dirname "$0")/{CHAINED}"
if [ -x "$chained" ]; then
    feed | "$chained" "$@" || exit $?
fi
feed | PRR_PUSH_REMOTE="$1" "$prr" hook run{args}
"#,
        exe = shell_quote(exe),
    )
}

/// Quotes a word for the POSIX shell.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn hooks_dir() -> Result<PathBuf, Error> {
    let repo = Repo::discover(&repository_root())?;
    Ok(repo.hooks_dir()?)
}

/// The hook's text; `None` when there is no hook. A binary hook is not ours either.
fn read_hook(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            context: format!("cannot read {}", path.display()),
            source,
        }),
    }
}

fn rename(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        context: format!("cannot move {} to {}", from.display(), to.display()),
        source,
    })
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        Error::Io {
            context: format!("cannot make {} executable", path.display()),
            source,
        }
    })
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    #[test]
    fn pre_push_lines_skip_deletions_and_repeats() {
        let input = format!(
            "refs/heads/main {A} refs/heads/main {B}\n\
             refs/heads/old {ZERO_SHA} refs/heads/old {B}\n\
             refs/tags/v1 {A} refs/tags/v1 {ZERO_SHA}\n\n"
        );
        let pushed = parse_pre_push(&input).unwrap();
        assert_eq!(
            pushed,
            [Pushed {
                local_ref: "refs/heads/main".to_owned(),
                local_sha: A.to_owned(),
                remote_sha: B.to_owned(),
            }]
        );
        assert!(parse_pre_push("").unwrap().is_empty());
        assert!(parse_pre_push("garbage").is_err());
    }

    #[test]
    fn the_script_quotes_what_it_passes_on() {
        let text = script("/opt/it's/prr", &["--rules".to_owned(), "a b".to_owned()]);
        assert!(text.starts_with("#!/bin/sh\n"));
        assert!(text.contains(MARKER));
        assert!(text.contains(r"prr='/opt/it'\''s/prr'"));
        assert!(text.contains(r#"PRR_PUSH_REMOTE="$1" "$prr" hook run '--rules' 'a b'"#));
    }
}
