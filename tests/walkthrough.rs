//! Performs `docs/authoring-rules.md` step by step, so that the walkthrough cannot rot: each
//! `file=PATH` block is written, each `exit=N` block is run (`prr` is this crate's binary) and
//! must exit N, and each line of an `output` block must appear in what the command printed.

use std::path::Path;

use assert_cmd::Command;

const DOC: &str = include_str!("../docs/authoring-rules.md");

#[derive(Debug)]
enum Step {
    File { path: String, text: String },
    Run { args: Vec<String>, exit: i32 },
    Output(Vec<String>),
}

/// The fenced blocks of the walkthrough that carry a marker, in order.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = Vec::new();
        for inner in lines.by_ref() {
            if inner.starts_with("```") {
                break;
            }
            body.push(inner);
        }
        let words: Vec<&str> = info.split_whitespace().collect();
        let marker = |key: &str| {
            words
                .iter()
                .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        };
        if let Some(path) = marker("file") {
            steps.push(Step::File {
                path: path.to_owned(),
                text: body.join("\n") + "\n",
            });
        } else if let Some(exit) = marker("exit") {
            let command: Vec<&str> = body
                .iter()
                .copied()
                .filter(|l| !l.trim().is_empty())
                .collect();
            assert_eq!(command.len(), 1, "one command per block: {command:?}");
            let args: Vec<String> = command[0].split_whitespace().map(str::to_owned).collect();
            assert_eq!(args[0], "prr", "{command:?}");
            steps.push(Step::Run {
                args: args[1..].to_vec(),
                exit: exit.parse().expect("exit=N"),
            });
        } else if words.contains(&"output") {
            steps.push(Step::Output(
                body.iter()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
            ));
        }
    }
    steps
}

fn run(dir: &Path, args: &[String]) -> (i32, String) {
    let out = Command::cargo_bin("prr")
        .expect("the prr binary")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PRR_MAX_FILE_BYTES")
        .output()
        .expect("prr runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_authoring_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let steps = steps(DOC);
    let runs = steps
        .iter()
        .filter(|s| matches!(s, Step::Run { .. }))
        .count();
    assert!(runs >= 8, "the walkthrough runs its commands: {steps:?}");
    let mut last: Option<(String, String)> = None;
    for step in &steps {
        match step {
            Step::File { path, text } => {
                let path = dir.path().join(path);
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
                std::fs::write(path, text).expect("write");
            }
            Step::Run { args, exit } => {
                let (code, output) = run(dir.path(), args);
                let shown = format!("prr {}", args.join(" "));
                assert_eq!(code, *exit, "`{shown}` exited {code}:\n{output}");
                last = Some((shown, output));
            }
            Step::Output(expected) => {
                let (shown, output) = last.as_ref().expect("an output block follows a command");
                for line in expected {
                    assert!(
                        output.contains(line.as_str()),
                        "`{shown}` did not print {line:?}:\n{output}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_walkthrough_covers_the_toolkit() {
    let commands: Vec<String> = steps(DOC)
        .into_iter()
        .filter_map(|s| match s {
            Step::Run { args, .. } => Some(args.join(" ")),
            _ => None,
        })
        .collect();
    for needed in [
        "init",
        "rules test",
        "rules lint",
        "check --rules acme-rules",
    ] {
        assert!(
            commands.iter().any(|c| c.starts_with(needed)),
            "no `prr {needed}` in the walkthrough: {commands:?}"
        );
    }
}
