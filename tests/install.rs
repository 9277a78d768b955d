//! The action's install step, run as action.yml runs it, against a release served over HTTP
//! on loopback (Python's `http.server`). The release is built here from the freshly compiled
//! binary, and the action's tree holds its checksums as the release workflow commits them.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use tempfile::TempDir;

#[path = "common/tools.rs"]
mod tools;

/// The targets the release workflow builds, with their archive kind.
const TARGETS: [(&str, &str); 5] = [
    ("x86_64-unknown-linux-musl", "tar.gz"),
    ("aarch64-unknown-linux-musl", "tar.gz"),
    ("x86_64-apple-darwin", "tar.gz"),
    ("aarch64-apple-darwin", "tar.gz"),
    ("x86_64-pc-windows-msvc", "zip"),
];

/// The outside programs the step and the server need: missing, the test fails under
/// `PRR_REQUIRE_TOOLS=1` (`.ci/run` installs them) and is skipped, saying so, elsewhere.
fn tools_present() -> bool {
    let missing: Vec<&str> = ["python3", "curl", "tar", "zip"]
        .into_iter()
        .filter(|tool| on_path(tool).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    tools::missing(&format!(
        "the install test needs {} on PATH",
        missing.join(", ")
    ));
    false
}

fn on_path(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(tool))
            .find(|candidate| candidate.is_file())
    })
}

/// Python's static file server on an ephemeral loopback port, stopped on drop.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn serve(dir: &Path) -> Self {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the server's first line");
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|word| *word != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One archive as the release workflow lays it out: `prr-TARGET/` with the binary, the
/// README and the licence.
fn archive(release: &Path, target: &str, kind: &str, binary: &Path) -> PathBuf {
    let staging = tempfile::tempdir().unwrap();
    let top = format!("prr-{target}");
    let inside = staging.path().join(&top);
    std::fs::create_dir(&inside).unwrap();
    let exe = if kind == "zip" { "prr.exe" } else { "prr" };
    std::fs::copy(binary, inside.join(exe)).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["README.md", "LICENSE"] {
        std::fs::copy(repo.join(file), inside.join(file)).unwrap();
    }
    let path = release.join(format!("{top}.{kind}"));
    if kind == "zip" {
        run(Command::new("zip")
            .args(["-q", "-r"])
            .arg(&path)
            .arg(&top)
            .current_dir(staging.path()));
    } else {
        run(Command::new("tar")
            .arg("-czf")
            .arg(&path)
            .arg(&top)
            .current_dir(staging.path()));
    }
    path
}

/// The release's archives and their SHA256SUMS, made once for every test: the archive for
/// this machine's target holds the freshly compiled binary. The other targets' archives are
/// listed and never installed here, so they hold a small stand-in instead of compressing
/// the debug binary (about 180 MB) four more times.
fn archives() -> &'static (TempDir, String) {
    static ARCHIVES: OnceLock<(TempDir, String)> = OnceLock::new();
    ARCHIVES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let stand_in = dir.path().join("stand-in");
        std::fs::write(&stand_in, "#!/bin/sh\necho 'not this platform'\n").unwrap();
        let binary = Path::new(env!("CARGO_BIN_EXE_prr"));
        let host = this_target();
        let mut sums = String::new();
        for (target, kind) in TARGETS {
            let content = if target == host { binary } else { &stand_in };
            let path = archive(dir.path(), target, kind, content);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            sums.push_str(&format!("{}  {name}\n", sha256_hex(&path)));
        }
        (dir, sums)
    })
}

/// A release directory served over HTTP, and the action's tree at its tag.
struct Release {
    dir: TempDir,
    server: Server,
}

impl Release {
    /// `committed` false: the action's tree is a branch ref, with no release in it.
    fn new(committed: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("release");
        let action = dir.path().join("action");
        std::fs::create_dir_all(&release).unwrap();
        std::fs::create_dir_all(action.join("scripts")).unwrap();
        std::fs::create_dir_all(dir.path().join("runner")).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in ["scripts/install.sh", "Cargo.lock", "Cargo.toml"] {
            std::fs::copy(repo.join(file), action.join(file)).unwrap();
        }
        let (built, sums) = archives();
        for (target, kind) in TARGETS {
            let name = format!("prr-{target}.{kind}");
            std::fs::copy(built.path().join(&name), release.join(&name)).unwrap();
        }
        let server = Server::serve(&release);
        if committed {
            let meta = action.join(".github/release");
            std::fs::create_dir_all(&meta).unwrap();
            std::fs::write(meta.join("SHA256SUMS"), sums).unwrap();
            std::fs::write(meta.join("tag"), "v0.2.0\n").unwrap();
            std::fs::write(meta.join("download-url"), format!("{}\n", server.url)).unwrap();
        }
        Self { dir, server }
    }

    fn installed(&self) -> PathBuf {
        self.dir.path().join("runner/prr/bin/prr")
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("outputs")).unwrap_or_default()
    }

    /// Runs the install step's `run:` line from action.yml on a runner of this OS and
    /// architecture.
    fn install(&self, os: &str, arch: &str) -> Output {
        self.install_with_path(os, arch, &std::env::var_os("PATH").unwrap_or_default())
    }

    /// As [`Release::install`], with this PATH (a stand-in cargo, or none).
    fn install_with_path(&self, os: &str, arch: &str, path: &std::ffi::OsStr) -> Output {
        Command::new("bash")
            .args(["-c", &install_step()])
            .env("PATH", path)
            .env_remove("PRR_RELEASE_URL")
            .env("GITHUB_ACTION_PATH", self.dir.path().join("action"))
            .env("GITHUB_OUTPUT", self.dir.path().join("outputs"))
            .env("RUNNER_TEMP", self.dir.path().join("runner"))
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .output()
            .unwrap()
    }
}

/// The `run:` of action.yml's release install step, exactly as written there.
fn install_step() -> String {
    let action =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let step = action
        .split("    - name: ")
        .find(|step| step.starts_with("Install prr (release binary)"))
        .expect("action.yml has the release install step");
    let run = step
        .lines()
        .find_map(|line| line.trim().strip_prefix("run: "))
        .expect("the step has a one-line run:");
    assert!(run != "|" && run != ">", "the step's run: is one line");
    run.to_owned()
}

/// The runner this test runs on, as GitHub names it.
fn this_runner() -> (&'static str, &'static str) {
    let os = if cfg!(target_os = "macos") {
        "macOS"
    } else {
        "Linux"
    };
    let arch = if cfg!(target_arch = "aarch64") {
        "ARM64"
    } else {
        "X64"
    };
    (os, arch)
}

/// The release target the install step picks on this runner.
fn this_target() -> &'static str {
    match this_runner() {
        ("macOS", "ARM64") => "aarch64-apple-darwin",
        ("macOS", _) => "x86_64-apple-darwin",
        (_, "ARM64") => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_good_archive_installs_and_runs() {
    if !tools_present() {
        return;
    }
    let release = Release::new(true);
    let (os, arch) = this_runner();
    let out = release.install(os, arch);
    assert!(out.status.success(), "{}", text(&out));
    assert!(release.outputs().contains("installed=true"));
    let version = Command::new(release.installed())
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("prr {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(text(&out).contains("Installed prr "), "{}", text(&out));
}

#[test]
fn a_tampered_archive_is_refused() {
    if !tools_present() {
        return;
    }
    let release = Release::new(true);
    let (os, arch) = this_runner();
    let target = this_target();
    // A well-formed archive holding another program, served under the real name.
    let served = release.dir.path().join("release");
    std::fs::remove_file(served.join(format!("prr-{target}.tar.gz"))).unwrap();
    let other = tempfile::tempdir().unwrap();
    let impostor = other.path().join("prr");
    std::fs::write(&impostor, "#!/bin/sh\necho prr 9.9.9\n").unwrap();
    archive(&served, target, "tar.gz", &impostor);

    let out = release.install(os, arch);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&format!(
            "::error::prr-{target}.tar.gz from {} does not match the checksum committed in the action at v0.2.0",
            release.server.url
        )),
        "{said}"
    );
    assert!(said.contains("refusing to install it"), "{said}");
    assert!(!release.installed().exists());
    assert!(!release.outputs().contains("installed="));
}

/// A PATH whose `cargo` says `cargo VERSION`, ahead of the rest of this one's.
fn with_cargo(dir: &Path, version: &str) -> std::ffi::OsString {
    let bin = dir.join("fake-cargo");
    std::fs::create_dir_all(&bin).unwrap();
    let cargo = bin.join("cargo");
    std::fs::write(
        &cargo,
        format!("#!/bin/sh\necho 'cargo {version} (0123456789 2026-01-01)'\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// The crate's rust-version, which the install step asks of cargo.
fn rust_version() -> String {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("Cargo.toml names a rust-version")
        .to_owned()
}

#[test]
fn a_runner_without_a_prebuilt_binary_builds_from_source_with_a_notice() {
    if !tools_present() {
        return;
    }
    let release = Release::new(true);
    let path = with_cargo(release.dir.path(), "1.99.0");
    let out = release.install_with_path("Windows", "ARM64", &path);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(
            "::notice::prr v0.2.0 has no prebuilt binary for Windows/ARM64 (the release has these targets: \
             aarch64-apple-darwin aarch64-unknown-linux-musl x86_64-apple-darwin x86_64-pc-windows-msvc \
             x86_64-unknown-linux-musl); prr is built from source with cargo 1.99.0"
        ),
        "{}",
        text(&out)
    );
    assert!(release.outputs().contains("installed=false"));
    assert!(!release.installed().exists());
}

#[test]
fn a_source_build_is_refused_early_when_cargo_is_too_old_or_missing() {
    if !tools_present() {
        return;
    }
    let need = rust_version();
    let release = Release::new(true);
    let old = with_cargo(release.dir.path(), "1.60.0");
    let out = release.install_with_path("Windows", "ARM64", &old);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "building it from source needs cargo {need} or newer, and this runner has 1.60.0"
        )),
        "{}",
        text(&out)
    );
    assert!(!release.outputs().contains("installed="));

    // No cargo at all: a PATH with only the directories of the tools the step uses.
    let bare = tempfile::tempdir().unwrap();
    for tool in [
        "bash",
        "curl",
        "sed",
        "tr",
        "sort",
        "cut",
        "head",
        "mktemp",
        "rm",
        "sha256sum",
        "cat",
    ] {
        if let Some(found) = on_path(tool) {
            std::os::unix::fs::symlink(found, bare.path().join(tool)).unwrap();
        }
    }
    let release = Release::new(false);
    let out = release.install_with_path("Linux", "X64", bare.path().as_os_str());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "::error::this action ref is not a release tag (use one, e.g. prr-gate/prr-gate@v{}, to install a prebuilt binary in seconds); building it from source needs cargo (Rust {need} or newer), and cargo is not on this runner",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        text(&out)
    );
}

#[test]
fn a_branch_ref_builds_from_source_with_a_notice() {
    if !tools_present() {
        return;
    }
    let release = Release::new(false);
    let (os, arch) = this_runner();
    let path = with_cargo(release.dir.path(), &rust_version());
    let out = release.install_with_path(os, arch, &path);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "::notice::this action ref is not a release tag (use one, e.g. prr-gate/prr-gate@v{}, to install a prebuilt binary in seconds); prr is built from source with cargo {}, which is slower",
            env!("CARGO_PKG_VERSION"),
            rust_version()
        )),
        "{}",
        text(&out)
    );
    let outputs = release.outputs();
    assert!(outputs.contains("installed=false"), "{outputs}");
    let lock = sha256_hex(&Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"));
    assert!(outputs.contains(&format!("lock-hash={lock}")), "{outputs}");
    assert!(!release.installed().exists());
}
