//! `prr check` as a user runs it: arguments in; stdout, stderr and exit code out.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

mod common;

const AS_OF: &str = "2026-11-21";

fn prr() -> Command {
    let mut cmd = Command::cargo_bin("prr").expect("the prr binary is built");
    cmd.env("NO_COLOR", "1").env_remove("GITHUB_ACTIONS");
    cmd
}

fn check(args: &[&str]) -> assert_cmd::assert::Assert {
    prr()
        .arg("check")
        .args(args)
        .args(["--as-of", AS_OF])
        .assert()
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("the file is written");
    (dir, path)
}

#[test]
fn the_ready_example_passes() {
    check(&["--manifest", "examples/ready/prr.toml"])
        .code(0)
        .stdout(contains("prr: PASS").and(contains("payments-api")))
        .stdout(contains(
            "error budget availability: 99.95% over 28d allows 20.2 minutes",
        ));
}

#[test]
fn the_unready_example_fails_with_every_missing_must_have_and_its_line() {
    let out = check(&["--manifest", "examples/unready/prr.toml"]).code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for expected in [
        // A key missing from a table points after the table's last value; a missing table
        // after `[service]`; each message says what to add.
        "error[oncall.rotation]: `oncall.escalation` is missing: add `escalation` to `[oncall]`",
        "┌─ examples/unready/prr.toml:11:55",
        "error[docs.runbook]: `docs.runbook` is missing: add `[docs]` with `runbook`\n  ┌─ examples/unready/prr.toml:8:28",
        "error[ownership.team]: `service.owner` is \"jane.doe@acme.dev\": an email address",
        "error[review.prr-fresh]: the last PRR was 2023-03-01, 1361 days ago (limit 730)",
        "error[review.toil-fresh]: the last toil review is 2027-03-01, 100 days in the future",
        "error[slo.achievable]: 99.99% SLO \"availability\", but ledger-db 99.9% x fraud-score 99.95% allow at most 99.85%",
        "error[waiver.valid]: the waiver of `capacity.plan` has no ticket",
        "warning[ownership.codeowners]: the working tree has no CODEOWNERS file",
        // Passed and skipped grow with the pack; the failures are the example's own.
        "30 failed, 7 warnings, ",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}

#[test]
fn an_experimental_service_is_held_only_to_what_every_service_owes() {
    let out = check(&["--manifest", "examples/experimental"]).code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // Most of the pack is skipped for an experimental tier-4 service, saying why.
    let summary = stdout.lines().last().unwrap_or_default();
    let skipped: usize = summary
        .split(", ")
        .find_map(|part| part.split(" skipped").next().filter(|n| *n != part))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no skipped count in {summary:?}"));
    assert!(summary.starts_with("0 failed, "), "{summary}");
    assert!(skipped >= 19, "{summary}");
}

#[test]
fn a_monorepo_reports_each_service_and_fails_if_any_fails() {
    check(&["--manifest", "examples/monorepo"])
        .code(1)
        .stdout(contains(
            "pass checkout (examples/monorepo/services/checkout/prr.toml",
        ))
        .stdout(contains(
            "fail search (examples/monorepo/services/search/prr.json",
        ))
        .stdout(contains(
            "┌─ examples/monorepo/services/search/prr.json:10:60",
        ));
}

#[test]
fn a_toml_syntax_error_exits_2_with_file_line_and_column() {
    let (_dir, path) = temp_file("prr.toml", b"[service]\nname = \"a\"\ntier = \n");
    check(&["--manifest", path.to_str().unwrap(), "--format", "json"])
        .code(2)
        .stderr(contains("prr.toml:3:8").and(contains("TOML syntax")));
}

#[test]
fn a_json_syntax_error_exits_2_with_file_line_and_column() {
    let (_dir, path) = temp_file("prr.json", b"{\n  \"service\": {\"name\": \"a\"},\n}\n");
    check(&["--manifest", path.to_str().unwrap()])
        .code(2)
        .stdout(contains("prr.json:3:1: JSON syntax"));
}

#[test]
fn empty_binary_and_non_utf8_files_exit_2_with_a_clear_message() {
    for (bytes, message) in [
        (&b""[..], "the file is empty"),
        (&b"  \n\t\n"[..], "the file is empty"),
        (&b"\x00\x01\x02\x03"[..], "the file is binary"),
        (
            &b"[service]\nname = \"\xff\xfe\"\n"[..],
            "prr.toml:2:9: the file is not UTF-8",
        ),
    ] {
        let (_dir, path) = temp_file("prr.toml", bytes);
        check(&["--manifest", path.to_str().unwrap()])
            .code(2)
            .stdout(contains(message));
    }
}

#[test]
fn a_schema_violation_is_a_judgement_not_an_error() {
    let (_dir, path) = temp_file(
        "prr.toml",
        b"[service]\nname = \"a\"\ntier = 4\nlifecycle = \"experimental\"\nowner = \"team:a\"\n\n[[slo]]\ntarget = \"high\"\n",
    );
    check(&["--manifest", path.to_str().unwrap()])
        .code(1)
        .stdout(contains(
            "error[manifest.schema]: `slo[0].target` must be a percentage between 0 and 100",
        ))
        .stdout(contains("got \"high\""));
}

#[test]
fn a_rule_file_with_an_unknown_key_exits_2_pointing_into_the_rule_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("custom.toml"),
        "[[rule]]\nid = \"custom.thing\"\ntitel = \"typo\"\nrequire = [\"service.name\"]\n",
    )
    .unwrap();
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--rules",
        dir.path().to_str().unwrap(),
    ])
    .code(2)
    .stderr(contains("custom.toml:3:1").and(contains("unknown field `titel`")));
}

#[test]
fn a_rule_file_with_a_bad_regex_or_unknown_builtin_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nid = \"a.regex\"\nassert = { path = \"service.name\", matches = \"(unclosed\" }\n\n[[rule]]\nid = \"a.native\"\nbuiltin = \"no_such_check\"\n",
    )
    .unwrap();
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--rules",
        dir.path().to_str().unwrap(),
    ])
    .code(2)
    .stderr(
        contains("bad.toml:3:45").and(contains("not a valid regular expression: unclosed group")),
    )
    .stderr(contains("bad.toml:7:11").and(contains("unknown builtin `no_such_check`")));
}

#[test]
fn an_override_of_a_missing_rule_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pack.toml"),
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[override.\"release.progresive\"]\nseverity = \"warning\"\n",
    )
    .unwrap();
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--rules",
        dir.path().to_str().unwrap(),
    ])
    .code(2)
    .stderr(contains("pack.toml:5:1").and(contains("did you mean `release.progressive`?")));
}

#[test]
fn a_missing_manifest_and_bad_arguments_exit_2() {
    check(&["--manifest", "no/such/prr.toml"])
        .code(2)
        .stdout(contains("cannot read"));
    prr()
        .args(["check", "--as-of", "2026-02-30"])
        .assert()
        .code(2)
        .stderr(contains("not a date"));
    prr()
        .args(["check", "--format", "pdf"])
        .assert()
        .code(2)
        .stderr(contains("unknown format `pdf`"));
    prr().args(["frobnicate"]).assert().code(2);
}

#[test]
fn the_json_report_has_every_key_of_version_1() {
    let out = check(&[
        "--manifest",
        "examples/unready/prr.toml",
        "--format",
        "json",
    ])
    .code(1);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "prr");
    assert_eq!(report["as_of"], AS_OF);
    assert_eq!(report["verdict"], "fail");
    for key in ["passed", "failed", "warnings", "waived", "skipped"] {
        assert!(report["summary"][key].is_u64(), "summary.{key}");
    }
    let service = &report["services"][0];
    assert_eq!(service["manifest"], "examples/unready/prr.toml");
    assert_eq!(service["service"]["tier"], 1);
    assert_eq!(service["slos"][0]["budget_minutes"], 13.149);
    let results = report["results"].as_array().unwrap();
    for result in results {
        for key in [
            "manifest",
            "rule",
            "title",
            "severity",
            "status",
            "message",
            "remediation",
            "location",
        ] {
            assert!(result.get(key).is_some(), "{key} in {result}");
        }
        assert!(!result["message"].as_str().unwrap().is_empty());
    }
    let escalation = results
        .iter()
        .find(|r| r["rule"] == "oncall.rotation")
        .unwrap();
    assert_eq!(escalation["location"]["line"], 11);
    assert_eq!(escalation["key"], "oncall.escalation");
}

#[test]
fn several_formats_go_to_several_places_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("prr.json");
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--format",
        "human",
        "--format",
        &format!("json={}", json.display()),
    ])
    .code(0)
    .stdout(contains("prr: PASS"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["verdict"], "pass");
    let out = dir.path().join("out.json");
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ])
    .code(0)
    .stdout("");
    assert!(out.exists());
}

#[test]
fn fail_on_warning_blocks_on_warnings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pack.toml"),
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[override.\"docs.runbook\"]\nseverity = \"warning\"\n",
    )
    .unwrap();
    let (_m, manifest) = temp_file(
        "prr.toml",
        b"[service]\nname = \"a\"\ntier = 3\nlifecycle = \"beta\"\nowner = \"team:a\"\n",
    );
    let args = |fail_on: &'static str| {
        vec![
            "--manifest".to_owned(),
            manifest.display().to_string(),
            "--rules".to_owned(),
            dir.path().display().to_string(),
            "--fail-on".to_owned(),
            fail_on.to_owned(),
        ]
    };
    let run = |fail_on| {
        let args = args(fail_on);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&refs)
    };
    // Other rules fail at error too; what matters is that docs.runbook is a warning.
    run("error")
        .code(1)
        .stdout(contains("warning[docs.runbook]"));
    run("warning")
        .code(1)
        .stdout(contains("error[docs.runbook]"));
}

#[test]
fn colour_only_when_asked_for_by_a_terminal() {
    // None of the conventions set (prr() sets NO_COLOR for the other tests): what is
    // judged is the terminal, and a pipe is not one.
    let out = prr()
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .args(["check", "--manifest", "examples/unready/prr.toml"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(stdout.contains("error[oncall.rotation]"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
}

#[test]
fn two_formats_may_not_write_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("same.out");
    let same = same.to_str().unwrap();
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--format",
        &format!("json={same}"),
        "--format",
        &format!("sarif={same}"),
    ])
    .code(2)
    .stderr(contains("two formats would write"));
}

#[test]
fn rules_that_cannot_be_loaded_still_give_the_reports_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    check(&[
        "--manifest",
        "examples/ready/prr.toml",
        "--rules",
        "no/such/pack",
        "--format",
        &format!("json={}", json.display()),
    ])
    .code(2)
    .stderr(contains("no/such/pack: cannot read the rules"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["verdict"], "error");
    assert_eq!(report["diagnostics"][0]["file"], "no/such/pack");
}

#[test]
fn fail_on_warning_blocks_on_notes_too() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, manifest) = temp_file("prr.toml", b"[service]\nname = \"a\"\ntier = 4\nlifecycle = \"experimental\"\nowner = \"team:a\"\n[docs]\narchitecture = \"x\"\n");
    let pack = dir.path().to_str().unwrap();
    // The manifest's directory is its repository (no git around it): its CODEOWNERS holds.
    std::fs::write(
        manifest.parent().unwrap().join("CODEOWNERS"),
        "/prr.toml team:a\n",
    )
    .unwrap();
    let path = manifest.to_str().unwrap();
    // Tier 4 skips docs.runbook: the override's `when` makes it apply, as a note.
    std::fs::write(
        dir.path().join("pack.toml"),
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n[override.\"docs.runbook\"]\nseverity = \"note\"\nwhen = { tier = [1, 2, 3, 4], lifecycle = [\"experimental\"] }\n",
    )
    .unwrap();
    check(&["--manifest", path, "--rules", pack])
        .code(0)
        .stdout(contains("1 warning(s)"));
    check(&["--manifest", path, "--rules", pack, "--fail-on", "warning"]).code(1);
}

#[test]
fn waiver_problems_point_at_their_own_field() {
    let (_dir, path) = temp_file(
        "prr.toml",
        b"[service]\nname = \"a\"\ntier = 4\nlifecycle = \"experimental\"\nowner = \"team:a\"\n\n[[waiver]]\nrule = \"docs.runbook\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2026-01-01\n",
    );
    check(&["--manifest", path.to_str().unwrap()])
        .code(1)
        .stdout(contains("prr.toml:11:11").and(contains("expired on 2026-01-01")));
}

#[test]
fn quiet_prints_one_line_on_a_clean_pass_and_everything_otherwise() {
    // A repository where the ready service is clean: its CODEOWNERS names its team.
    let repo = common::Repo::new();
    repo.commit("prr.toml", &common::ready(), "the ready service");
    let out = repo.prr(&["check", "--as-of", common::AS_OF, "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    assert_eq!(
        common::stdout(&out),
        "prr: PASS: the gate passed, 0 warning(s)\n"
    );
    check(&["--manifest", "examples/unready/prr.toml", "--quiet"])
        .code(1)
        .stdout(contains("error[oncall.rotation]"));
}

#[test]
fn rules_that_bring_no_rule_exit_2_naming_the_path() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let empty = dir.path().join("emptydir");
    std::fs::create_dir(&empty).expect("made");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "remember the milk\n").expect("written");
    let not_rules = dir.path().join("not-rules");
    std::fs::create_dir(&not_rules).expect("made");
    std::fs::write(not_rules.join("settings.toml"), "# nothing but a comment\n").expect("written");
    for (path, says) in [
        (&empty, "holds no rule file"),
        (&notes, "not a rule file"),
        (&not_rules, "holds no rule file"),
    ] {
        let shown = path.display().to_string();
        check(&["--manifest", "examples/ready/prr.toml", "--rules", &shown])
            .code(2)
            .stdout(contains("passed").not())
            .stderr(contains(shown.as_str()).and(contains(says)));
        // A pack that does not load is exit 2 for the linter too, as for `check`.
        prr()
            .args(["rules", "lint", &shown])
            .assert()
            .code(2)
            .stdout(contains(shown.as_str()).and(contains("judge nothing")));
    }
}

#[test]
fn a_pack_that_only_extends_and_overrides_still_judges() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("pack.toml"),
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n[override.\"release.progressive\"]\nseverity = \"warning\"\n",
    )
    .expect("written");
    let pack = dir.path().display().to_string();
    check(&["--manifest", "examples/ready/prr.toml", "--rules", &pack])
        .code(0)
        .stdout(contains("prr: PASS"));
    check(&["--manifest", "examples/unready/prr.toml", "--rules", &pack])
        .code(1)
        .stdout(contains("oncall.rotation"));
}

/// `--color` and the conventions: off when not a terminal, forced by CLICOLOR_FORCE or
/// FORCE_COLOR (a CI log that renders ANSI), NO_COLOR over both, `--color` over all.
#[test]
fn colours_follow_the_flag_then_the_conventions() {
    let colored = |flags: &[&str], env: &[(&str, &str)]| {
        let mut cmd = prr();
        for name in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR"] {
            cmd.env_remove(name);
        }
        for (name, value) in env {
            cmd.env(name, value);
        }
        let mut args = flags.to_vec();
        args.extend([
            "check",
            "--manifest",
            "examples/ready/prr.toml",
            "--as-of",
            "2026-11-21",
        ]);
        let out = cmd.args(&args).output().expect("prr runs");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).contains("\u{1b}[")
    };
    assert!(!colored(&[], &[]), "no colour off a terminal");
    assert!(colored(&[], &[("FORCE_COLOR", "1")]));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!colored(&["--color", "never"], &[("FORCE_COLOR", "1")]));
}

#[test]
fn completions_and_the_man_page_come_from_the_same_definitions() {
    for (shell, marker) in [
        ("bash", "_prr()"),
        ("zsh", "#compdef prr"),
        ("fish", "complete -c prr"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        prr()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains(marker).and(contains("manifest")));
    }
    prr()
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH prr 1").and(contains("check")));
    prr().args(["completions", "tcsh"]).assert().code(2);
}

/// Values from a manifest cannot drive a terminal or a CI runner: control characters come
/// out escaped in every format, and no line starts a workflow command prr did not write.
#[test]
fn control_characters_in_values_are_escaped_in_every_format() {
    let ready = std::fs::read_to_string("examples/ready/prr.toml").expect("the ready example");
    let hostile = ready
        .replacen(
            "name = \"payments-api\"",
            r#"name = "pay\u001b]8;;http://evil\u0007ments\u001b[2J\rPASS""#,
            1,
        )
        .replacen(
            "owner = \"@acme/payments\"",
            r#"owner = "ann\n::stop-commands::x\n::error::forged""#,
            1,
        )
        .replacen(
            "name = \"ledger-db\"",
            "name = \"ledger\\u0007-db\\r\\n::warning::fake\"",
            1,
        );
    assert_ne!(
        hostile, ready,
        "the example changed shape: the test would prove nothing"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let manifest = dir.path().join("prr.toml");
    std::fs::write(&manifest, hostile).expect("written");
    for format in ["human", "markdown", "github", "junit", "sarif", "json"] {
        let out = prr()
            .env("GITHUB_ACTIONS", "true")
            .env_remove("GITHUB_STEP_SUMMARY")
            .args(["check", "--format", format, "--as-of", AS_OF, "--manifest"])
            .arg(&manifest)
            .output()
            .expect("prr runs");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: the person owner fails"
        );
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for bad in ['\u{1b}', '\u{7}', '\r'] {
                assert!(
                    !text.contains(bad),
                    "{format} {stream} holds {bad:?} raw:\n{text}"
                );
            }
            for line in text.lines() {
                assert!(
                    !line.starts_with("::stop-commands")
                        && !line.starts_with("::error::forged")
                        && !line.starts_with("::warning::fake"),
                    "{format} {stream}: a value started a workflow command: {line}"
                );
                if format != "github" {
                    assert!(!line.starts_with("::"), "{format} {stream}: {line}");
                }
            }
        }
        let text = String::from_utf8_lossy(&out.stdout);
        if format == "human" {
            assert!(text.contains(r"\u{1b}"), "the escape is shown: {text}");
        }
    }
}

/// Many findings alike (one rule, one key pattern) are shown a few at a time and counted,
/// so the human report of a file of many similar elements stays a few lines long.
#[test]
fn findings_alike_are_counted_rather_than_repeated() {
    let mut text = String::from(
        "[service]\nname = \"sprawl\"\ntier = 3\nlifecycle = \"production\"\nowner = \"@acme/sprawl\"\n",
    );
    for i in 0..50 {
        text.push_str(&format!(
            "\n[[dependency]]\nname = \"dep-{i}\"\ncritical = true\nowner = \"@acme/dep-{i}\"\ntimeout_ms = 100\nretries = 1\n"
        ));
    }
    let (_dir, manifest) = temp_file("prr.toml", text.as_bytes());
    let out = prr()
        .args(["check", "--as-of", AS_OF, "--manifest"])
        .arg(&manifest)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    let frames = report
        .matches("error[dependencies.critical-mitigation]")
        .count();
    assert_eq!(
        frames, 6,
        "five alike and the last, with its remediation:\n{report}"
    );
    assert!(
        report.contains(
            "... and 44 more like this: dependencies.critical-mitigation at `dependency[*].sla`"
        ),
        "{report}"
    );
    // The JSON report keeps every finding: only the terminal view is summarised.
    let out = prr()
        .args(["check", "--as-of", AS_OF, "--format", "json", "--manifest"])
        .arg(&manifest)
        .output()
        .expect("prr runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let failures = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == "dependencies.critical-mitigation" && r["status"] == "fail")
        .count();
    assert_eq!(failures, 50);
}

/// A report never replaces what it judged: an output path that is an input is exit 2, and
/// the input is left as it was.
#[test]
fn an_output_path_that_is_an_input_is_refused() {
    let ready = std::fs::read_to_string("examples/ready/prr.toml").expect("the ready example");
    let (dir, manifest) = temp_file("prr.toml", ready.as_bytes());
    let out = prr()
        .args(["check", "--as-of", AS_OF, "--manifest"])
        .arg(&manifest)
        .arg("--format")
        .arg(format!("json={}", manifest.display()))
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is an input of this run"));
    assert_eq!(
        std::fs::read_to_string(&manifest).expect("still there"),
        ready
    );

    // The same through a directory search, and through --output.
    let out = prr()
        .args(["check", "--as-of", AS_OF, "--manifest"])
        .arg(dir.path())
        .arg("--output")
        .arg(&manifest)
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&manifest).expect("still there"),
        ready
    );

    // And the manifest at the root, judged when none is named.
    let out = prr()
        .current_dir(dir.path())
        .args(["check", "--as-of", AS_OF, "--format", "json=prr.toml"])
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is an input of this run"));
    assert_eq!(
        std::fs::read_to_string(&manifest).expect("still there"),
        ready
    );

    // A rule file, and a file inside a rule pack's directory.
    let out = prr()
        .args(["check", "--as-of", AS_OF, "--manifest"])
        .arg(&manifest)
        .args([
            "--rules",
            "tests/fixtures/pack",
            "--format",
            "sarif=tests/fixtures/pack/new.toml",
        ])
        .output()
        .expect("prr runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!std::path::Path::new("tests/fixtures/pack/new.toml").exists());

    // A report to a new file is written whole, and no temporary file is left beside it.
    let report = dir.path().join("report.json");
    let out = prr()
        .args(["check", "--as-of", AS_OF, "--manifest"])
        .arg(&manifest)
        .arg("--format")
        .arg(format!("json={}", report.display()))
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&report).expect("the report");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("listed")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_repository_is_refused() {
    let outside = tempfile::tempdir().expect("a temporary directory");
    // What a runner keeps in files: it must never reach a report.
    let secret = outside.path().join("credentials.toml");
    std::fs::write(
        &secret,
        "[service]\nname = \"ghp_secret\"\ntier = 3\nlifecycle = \"production\"\n",
    )
    .expect("written");
    let repo = tempfile::tempdir().expect("a temporary directory");
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(repo.path())
        .status()
        .expect("git runs");
    assert!(git.success());
    std::os::unix::fs::symlink(&secret, repo.path().join("prr.toml")).expect("a symlink");
    for args in [&["check"][..], &["check", "--manifest", "."][..]] {
        let out = prr()
            .args(args)
            .args(["--as-of", AS_OF])
            .current_dir(repo.path())
            .output()
            .expect("prr runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(
            format!("{stdout}{stderr}")
                .contains("prr.toml: a symlink leads from here to outside the repository"),
            "{stdout}{stderr}"
        );
        assert!(!format!("{stdout}{stderr}").contains("ghp_secret"));
    }
    // A rule file reached the same way is refused too.
    std::fs::remove_file(repo.path().join("prr.toml")).expect("removed");
    std::fs::write(repo.path().join("prr.toml"), common::ready()).expect("written");
    std::fs::write(
        outside.path().join("rules.toml"),
        "[[rule]]\nid = \"x.y\"\n",
    )
    .expect("written");
    std::os::unix::fs::symlink(
        outside.path().join("rules.toml"),
        repo.path().join("rules.toml"),
    )
    .expect("a symlink");
    let out = prr()
        .args(["check", "--rules", "rules.toml", "--as-of", AS_OF])
        .current_dir(repo.path())
        .output()
        .expect("prr runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the repository"));
}
