//! The bad-input corpus: every case exits 2 (cannot judge) or 1 (a judgement) with a
//! message naming the file and, where it has one, the line; none panics or hangs.
//! Large inputs are generated here rather than committed.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

struct Case {
    file: &'static str,
    exit: i32,
    /// Every fragment must appear in stdout or stderr.
    messages: &'static [&'static str],
}

const CORPUS: &[Case] = &[
    Case { file: "bom.toml", exit: 0, messages: &["prr: PASS"] },
    Case { file: "binary.toml", exit: 2, messages: &["binary.toml:", "the file is binary"] },
    Case { file: "latin1.toml", exit: 2, messages: &["latin1.toml:2:", "not UTF-8"] },
    Case { file: "duplicate-keys.toml", exit: 2, messages: &["duplicate-keys.toml:3:1", "duplicate key"] },
    Case { file: "duplicate-keys.json", exit: 2, messages: &["duplicate-keys.json:3:3", "duplicate key \"service\" (first defined at line 2)"] },
    Case { file: "impossible-date.toml", exit: 2, messages: &["impossible-date.toml:7:7", "TOML syntax"] },
    Case { file: "impossible-date.json", exit: 1, messages: &["impossible-date.json:3:22", "`reviews.prr` must be a date (YYYY-MM-DD) that exists, got \"2026-02-30\""] },
    Case {
        file: "wrong-types.toml",
        exit: 1,
        messages: &[
            "wrong-types.toml:2:8",
            "`service.name` must be the service's name, got 42",
            "`service.tier` must be 1 critical, 2 important, 3 standard, 4 experimental, got \"one\"",
            "`service.lifecycle` must be experimental, beta, production or deprecated; got \"live\"",
            "`slo[0].target` must be a percentage between 0 and 100, such as 99.9, got \"high\"",
            "`dependency[0].sla` must be a percentage between 0 and 100, such as 99.95, got 101",
            "`dependency[0].retries` must be a whole number of retries, 0 or more, got 1.5",
            "`reviews.prr` must be a date (YYYY-MM-DD) that exists, got \"last year\"",
        ],
    },
    Case {
        file: "slo-targets.toml",
        exit: 1,
        messages: &[
            "`slo[0].target` must be a percentage between 0 and 100, such as 99.9, got 0",
            "`slo[1].target` must be a percentage between 0 and 100, such as 99.9, got 100",
            "`slo[2].target` must be a percentage between 0 and 100, such as 99.9, got -1",
            "`slo[3].target` must be a percentage between 0 and 100, such as 99.9, got nan",
            "`slo[4].target` must be a percentage between 0 and 100, such as 99.9, got inf",
        ],
    },
    Case {
        file: "waiver-spaced-rule.toml",
        exit: 1,
        messages: &[
            "waiver-spaced-rule.toml:95:8",
            "error[manifest.schema]: `waiver[0].rule` must be the id of the rule waived",
            "error[release.progressive]",
            "names a rule that is not in this pack (did you mean `release.progressive`?)",
        ],
    },
    Case {
        file: "waiver-quoted-expiry.toml",
        exit: 1,
        messages: &[
            "error[manifest.schema]: `waiver[0].expires` must be a TOML date, written without quotes",
            "error[release.progressive]",
            "expires on the string \"2027-01-31\", not a TOML date",
        ],
    },
];

fn corpus(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_input")
        .join(file)
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::cargo_bin("prr").expect("the binary is built");
    cmd.env("NO_COLOR", "1")
        .args(["check", "--as-of", "2026-11-21"])
        .args(args);
    for (key, value) in envs {
        cmd.env(key, value);
    }
    let out = cmd
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("prr runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "a panic: {text}");
    (
        out.status
            .code()
            .expect("prr exited rather than being killed"),
        text,
    )
}

#[test]
fn every_corpus_case_has_its_exit_code_and_message() {
    for case in CORPUS {
        let path = corpus(case.file);
        let (code, text) = run(&["--manifest", path.to_str().unwrap()], &[]);
        assert_eq!(code, case.exit, "{}: {text}", case.file);
        for message in case.messages {
            assert!(
                text.contains(message),
                "{}: missing {message:?} in\n{text}",
                case.file
            );
        }
    }
}

#[test]
fn empty_and_whitespace_only_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.toml", ""),
        ("blank.toml", " \n\t\r\n"),
        ("empty.json", ""),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (code, text) = run(&["--manifest", path.to_str().unwrap()], &[]);
        assert_eq!(code, 2, "{name}: {text}");
        assert!(
            text.contains(&format!("{name}: the file is empty")),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_50_mb_file_is_refused_above_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prr.toml");
    let line = "# padding padding padding padding padding padding padding padding\n";
    std::fs::write(&path, line.repeat(50 * 1024 * 1024 / line.len())).unwrap();
    let (code, text) = run(&["--manifest", path.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("over the limit of 1048576 bytes (raise it with PRR_MAX_FILE_BYTES)"),
        "{text}"
    );
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused_not_overflowed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "prr.toml",
            format!(
                "[service]\nname = {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        (
            "prr.json",
            format!(
                "{{\"service\": {}{}}}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        (
            "inline.toml",
            format!("x = {}1{}\n", "{a = ".repeat(10_000), "}".repeat(10_000)),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out) = run(&["--manifest", path.to_str().unwrap()], &[]);
        assert_eq!(code, 2, "{name}: {out}");
        assert!(
            out.contains(name) && out.contains("nesting deeper than 64 levels"),
            "{name}: {out}"
        );
    }
}

#[test]
fn a_path_that_does_not_exist_is_refused() {
    let (code, text) = run(&["--manifest", "no/such/dir/prr.toml"], &[]);
    assert_eq!(code, 2);
    assert!(text.contains("no/such/dir/prr.toml: cannot read"), "{text}");
    let (code, text) = run(
        &[
            "--manifest",
            "examples/ready/prr.toml",
            "--rules",
            "no/such/pack",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        text.contains("no/such/pack: cannot read the rules"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn a_rules_directory_with_a_symlink_loop_loads_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("nested")).unwrap();
    std::fs::copy(corpus("loop-pack/rules.toml"), pack.join("rules.toml")).unwrap();
    std::os::unix::fs::symlink(&pack, pack.join("nested/loop")).unwrap();
    std::os::unix::fs::symlink(pack.join("nested"), pack.join("nested/loop2")).unwrap();
    let ready = corpus("../../examples/experimental/prr.toml");
    let (code, text) = run(
        &[
            "--manifest",
            ready.to_str().unwrap(),
            "--rules",
            pack.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("3 passed"),
        "custom.name plus the two mandatory rules: {text}"
    );
}

#[test]
fn a_catastrophic_pattern_stays_linear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prr.toml");
    // 100,000 `a`s and a `!`: a backtracking engine needs 2^100000 steps to say no.
    let description = format!("{}!", "a".repeat(100_000));
    std::fs::write(
        &path,
        format!("[service]\nname = \"a\"\ntier = 4\nlifecycle = \"experimental\"\ndescription = \"{description}\"\n"),
    )
    .unwrap();
    let (code, text) = run(
        &[
            "--manifest",
            path.to_str().unwrap(),
            "--rules",
            corpus("redos-pack.toml").to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("does not match `^(a+)+$`"),
        "judged, not timed out"
    );
}

#[test]
fn an_array_of_100_000_dependencies_is_refused_by_size_or_judged_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prr.json");
    let deps: Vec<String> = (0..100_000)
        .map(|i| format!("{{\"name\":\"d{i}\",\"owner\":\"@acme/x\"}}"))
        .collect();
    std::fs::write(
        &path,
        format!(
            "{{\"service\":{{\"name\":\"big\",\"tier\":4,\"lifecycle\":\"experimental\",\"owner\":\"team:a\"}},\"dependency\":[{}]}}",
            deps.join(",")
        ),
    )
    .unwrap();
    let (code, text) = run(&["--manifest", path.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("over the limit"), "{text}");
    // Allowed by size, the array is over its limit: one finding, the rest unjudged.
    let big = [("PRR_MAX_FILE_BYTES", "16777216")];
    let (code, text) = run(
        &["--manifest", path.to_str().unwrap(), "--format", "json"],
        &big,
    );
    assert_eq!(code, 1, "{}", &text[..text.len().min(2000)]);
    assert!(
        text.contains("`dependency` has 100000 elements"),
        "{}",
        &text[..text.len().min(2000)]
    );
    // A pack that allows that many gets every one judged.
    let pack = dir.path().join("pack.toml");
    std::fs::write(
        &pack,
        "[pack]\nname = \"big\"\nextends = [\"builtin\"]\nmax_items = { dependency = 100000 }\n",
    )
    .unwrap();
    let (code, text) = run(
        &[
            "--manifest",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--rules",
            dir.path().to_str().unwrap(),
        ],
        &big,
    );
    assert_eq!(code, 0, "{}", &text[..text.len().min(2000)]);
    assert!(text.contains("\"verdict\": \"pass\""));
}

#[test]
fn both_manifest_formats_at_the_root_name_the_directory() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in ["prr.toml", "prr.json"] {
        std::fs::write(dir.path().join(name), "").expect("written");
    }
    let out = Command::cargo_bin("prr")
        .expect("the binary is built")
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .args(["check", "--as-of", "2026-11-21"])
        .output()
        .expect("prr runs");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("error: .: both prr.toml and prr.json are in the directory `.`"),
        "{text}"
    );
    assert!(!text.contains("error: : "), "{text}");
}

/// The ready example followed by `count` copies of `unit(i)`: a flood under the size limit.
fn flood(dir: &Path, name: &str, count: usize, unit: impl Fn(usize) -> String) -> PathBuf {
    let ready = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ready/prr.toml"),
    )
    .expect("the ready example");
    let mut text = ready.replace("#:schema ../../schemas/manifest.schema.json\n", "");
    for i in 0..count {
        text.push_str(&unit(i));
    }
    assert!(text.len() <= 1 << 20, "{name} stays under the 1 MiB limit");
    let path = dir.join(name);
    std::fs::write(&path, &text).expect("written");
    path
}

/// Floods under the size limit: thousands of waivers or dependencies. Each array past its
/// limit is one `manifest.schema` finding and its elements beyond are not judged, so every
/// format completes and its output stays a small multiple of its input.
#[test]
fn floods_under_the_size_limit_give_one_finding_and_small_outputs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let floods = [
        (
            flood(dir.path(), "waivers.toml", 20_000, |i| {
                format!("[[waiver]]\nrule = \"r{i:05}\"\n")
            }),
            "`waiver` has 20001 elements",
        ),
        (
            flood(dir.path(), "bare-waivers.toml", 95_000, |_| {
                "[[waiver]]\n".to_owned()
            }),
            "`waiver` has 95001 elements",
        ),
        (
            flood(dir.path(), "dependencies.toml", 20_000, |i| {
                format!("[[dependency]]\nname = \"d{i:05}\"\nowner = \"a{i:05}@x\"\n")
            }),
            "`dependency` has 20002 elements",
        ),
    ];
    for (path, says) in &floods {
        let input = std::fs::metadata(path).expect("written").len();
        assert!(
            input > 500_000,
            "{}: a flood, {input} bytes",
            path.display()
        );
        for format in ["human", "json", "sarif", "junit", "markdown", "github"] {
            let out = dir.path().join(format!("out.{format}"));
            let (code, text) = run(
                &[
                    "--manifest",
                    path.to_str().unwrap(),
                    "--format",
                    &format!("{format}={}", out.display()),
                ],
                &[],
            );
            assert_eq!(code, 1, "{} {format}: {text}", path.display());
            let written = std::fs::read_to_string(&out).expect("the report");
            assert!(
                (written.len() as u64) < input,
                "{} {format}: {} bytes of output for {input} of input",
                path.display(),
                written.len()
            );
            if format == "json" {
                let report: serde_json::Value = serde_json::from_str(&written).expect("JSON");
                let cuts: Vec<&serde_json::Value> = report["results"]
                    .as_array()
                    .expect("results")
                    .iter()
                    .filter(|r| r["message"].as_str().is_some_and(|m| m.contains(says)))
                    .collect();
                assert_eq!(
                    cuts.len(),
                    1,
                    "{}: one finding for the flood",
                    path.display()
                );
                assert_eq!(cuts[0]["rule"], "manifest.schema");
            }
        }
    }
}

#[test]
fn a_pack_may_raise_an_array_limit() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = flood(dir.path(), "prr.toml", 150, |i| {
        format!("[[dependency]]\nname = \"d{i:03}\"\nowner = \"@acme/d\"\ncritical = false\n")
    });
    let (_, text) = run(&["--manifest", path.to_str().unwrap()], &[]);
    assert!(
        !text.contains("has 152 elements"),
        "under the default 300: {text}"
    );
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).expect("made");
    std::fs::write(
        pack.join("pack.toml"),
        "[pack]\nname = \"tight\"\nextends = [\"builtin\"]\nmax_items = { dependency = 100 }\n",
    )
    .expect("written");
    let (code, text) = run(
        &[
            "--manifest",
            path.to_str().unwrap(),
            "--rules",
            pack.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("`dependency` has 152 elements, more than the 100"),
        "{text}"
    );
}

/// A report that cannot be written (a full device) is not a verdict: exit 2, said on stderr.
#[cfg(target_os = "linux")]
#[test]
fn a_report_to_a_full_device_exits_2_with_a_message() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full on Linux");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("prr"))
        .args([
            "check",
            "--manifest",
            "examples/unready/prr.toml",
            "--as-of",
            "2026-11-21",
        ])
        .env("NO_COLOR", "1")
        .stdout(full)
        .output()
        .expect("prr runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write the report to stdout"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
}

/// A FIFO and a device have no size to check against the limit and may never end: they
/// are refused at once (exit 2) rather than read.
#[cfg(unix)]
#[test]
fn a_fifo_and_dev_zero_as_manifest_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let fifo = dir.path().join("prr.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for path in [fifo.to_str().expect("UTF-8"), "/dev/zero"] {
        let (code, text) = run(&["--manifest", path], &[]);
        assert_eq!(code, 2, "{path}: {text}");
        assert!(text.contains("not a regular file"), "{path}: {text}");
    }
}

/// `prr` in `dir` (the repository root for evidence: no git above a temporary directory),
/// with the given arguments after `check --as-of 2026-11-21`.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("prr")
        .expect("the binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .args(["check", "--as-of", "2026-11-21"])
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("prr runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "a panic: {text}");
    assert!(!text.contains("memory allocation"), "an abort: {text}");
    (
        out.status
            .code()
            .expect("prr exited rather than being killed"),
        text,
    )
}

/// One 200 KB scalar anchored and aliased 5,000 times under `under` (a 210 KB file that
/// would expand to a gigabyte): YAML that starts with `head`.
fn string_alias_bomb(head: &str, under: &str) -> String {
    let mut text = format!(
        "{head}  {under}: {{blob: &blob \"{}\"}}\nspec:\n  copies:\n",
        "x".repeat(200_000)
    );
    for _ in 0..5_000 {
        text.push_str("    - *blob\n");
    }
    text
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copied");
        }
    }
}

/// A string alias bomb imported as an OpenSLO file: exit 2 at once, naming the file, the
/// line and the anchor, never an allocation failure.
#[test]
fn a_string_alias_bomb_through_an_import_is_exit_2_naming_the_anchor() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_dir(&corpus("../fixtures/imports/payments"), dir.path());
    let bomb = string_alias_bomb(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: bomb\n",
        "annotations",
    );
    std::fs::write(dir.path().join("slo/bomb.yaml"), bomb).expect("written");
    let (code, text) = run_in(dir.path(), &["--manifest", "prr.toml"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("slo/bomb.yaml:13:7"), "{text}");
    assert!(
        text.contains("the alias `*blob` expands this file past"),
        "{text}"
    );
    assert!(text.contains("the anchor `&blob`"), "{text}");
}

/// The same bomb as a YAML file beside a manifest, read as Kubernetes evidence: the rules
/// that need it fail with "could not read" and the anchor; they never skip it.
#[test]
fn a_string_alias_bomb_through_kubernetes_evidence_fails_its_rules() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ready = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ready/prr.toml"),
    )
    .expect("the ready example");
    std::fs::write(
        dir.path().join("prr.toml"),
        ready.replace("#:schema ../../schemas/manifest.schema.json\n", ""),
    )
    .expect("written");
    std::fs::create_dir(dir.path().join("deploy")).expect("a directory");
    // It names no workload kind the reader would look for: bounded or not, a file the
    // reader could not read is not skipped.
    let bomb = string_alias_bomb(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pay\n",
        "labels",
    );
    std::fs::write(dir.path().join("deploy/bomb.yaml"), bomb).expect("written");
    let out = dir.path().join("report.json");
    let (code, text) = run_in(
        dir.path(),
        &[
            "--manifest",
            "prr.toml",
            "--format",
            &format!("json={}", out.display()),
        ],
    );
    assert!(code == 0 || code == 1, "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the report")).expect("JSON");
    for rule in [
        "resilience.health-checks",
        "resilience.resources",
        "availability.disruption-budget",
    ] {
        let result = report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} ran"));
        assert_eq!(result["status"], "fail", "{rule}: {result}");
        let message = result["message"].as_str().expect("a message");
        assert!(
            message.starts_with("could not read deploy/bomb.yaml: the alias `*blob` expands"),
            "{rule}: {message}"
        );
    }
}

/// Imports of many large files (the bench, bench/floods.sh, reads 40 of 1 MiB; here 4 of
/// 256 KiB, as a debug build reads them slowly): judged to the end, with an output a small
/// fraction of the input.
#[test]
fn many_large_imports_are_read_to_the_end_with_a_small_report() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_dir(&corpus("../fixtures/imports/payments"), dir.path());
    let slo = std::fs::read_to_string(dir.path().join("slo/availability.yaml")).expect("an SLO");
    let mut input = 0;
    for file in 0..4 {
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 256 * 1024 {
            text.push_str(&slo.replacen(
                "name: availability",
                &format!("name: f{file}-s{i:05}"),
                1,
            ));
            text.push_str("---\n");
            i += 1;
        }
        input += text.len();
        std::fs::write(dir.path().join(format!("slo/flood-{file}.yaml")), text).expect("written");
    }
    let out = dir.path().join("report.json");
    let (code, text) = run_in(
        dir.path(),
        &[
            "--manifest",
            "prr.toml",
            "--format",
            &format!("json={}", out.display()),
        ],
    );
    assert!(code == 1 || code == 2, "{text}");
    let written = std::fs::metadata(&out).map_or(0, |m| m.len());
    assert!(
        written < (input as u64) / 4,
        "{written} bytes of report for {input} of imports"
    );
}

/// 1 MiB of unknown tables: one `manifest.schema` finding each, but every format lists at
/// most 100 of them and counts the rest, so no output comes near 10x its input.
#[test]
fn a_mebibyte_of_unknown_tables_gives_small_reports_in_every_format() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = flood(dir.path(), "unknown.toml", 60_000, |i| {
        format!("[u{i:05}]\n")
    });
    let input = std::fs::metadata(&path).expect("written").len();
    assert!(input > 500_000, "{input}");
    for format in ["human", "json", "sarif", "junit", "markdown", "github"] {
        let out = dir.path().join(format!("out.{format}"));
        let (code, text) = run(
            &[
                "--manifest",
                path.to_str().unwrap(),
                "--format",
                &format!("{format}={}", out.display()),
            ],
            &[],
        );
        assert_eq!(code, 1, "{format}: {text}");
        let written = std::fs::read_to_string(&out).expect("the report");
        assert!(
            (written.len() as u64) < input,
            "{format}: {} bytes of output for {input} of input",
            written.len()
        );
        if format == "json" {
            let report: serde_json::Value = serde_json::from_str(&written).expect("JSON");
            let unlisted = &report["unlisted"][0];
            assert_eq!(unlisted["rule"], "manifest.schema", "{unlisted}");
            assert!(
                unlisted["count"].as_u64().unwrap_or(0) > 59_000,
                "{unlisted}"
            );
        }
    }
}

/// 100,000 incident rows (about 8 MiB, over the default file limit, so read with a
/// raised one): read once each, linearly, into a review.
#[test]
fn a_hundred_thousand_incident_rows_are_read() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut csv = String::from("id,service,severity,started,resolved\n");
    for i in 0..100_000 {
        let day = 1 + i % 28;
        csv.push_str(&format!(
            "INC-{i:06},ledger,SEV{},2026-08-{day:02}T10:00:00Z,2026-08-{day:02}T11:30:00Z\n",
            1 + i % 4
        ));
    }
    let incidents = dir.path().join("incidents.csv");
    std::fs::write(&incidents, csv).expect("written");
    let out = Command::cargo_bin("prr")
        .expect("the binary is built")
        .env("NO_COLOR", "1")
        .env("PRR_MAX_FILE_BYTES", "16777216")
        .args([
            "review",
            "quarterly",
            "--quarter",
            "2026Q3",
            "--as-of",
            "2026-11-21",
        ])
        .arg("--manifest")
        .arg(corpus("../fixtures/reviews/services"))
        .arg("--incidents")
        .arg(&incidents)
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("prr runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(review["incidents_used"], 100_000, "{stderr}");
    assert_eq!(review["left_out"].as_array().map(Vec::len), Some(0));
}
