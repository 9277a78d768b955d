//! `prr lsp`: how long after a keystroke the editor has the manifest's diagnostics, through
//! the whole server in process (`Connection::memory()`): the change applied, the debounce,
//! the pipeline (rules cached, manifest, repository evidence, engine, report), the
//! diagnostics built and published. For a typical manifest (targets: 50 ms) and for 1 MiB
//! ones (300 ms). Run with `cargo bench --bench lsp`.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use prr_gate::lsp::text::uri_of;
use serde_json::{json, Value};

const READY: &str = include_str!("../examples/ready/prr.toml");
const UNREADY: &str = include_str!("../examples/unready/prr.toml");
const MIB: usize = 1024 * 1024;

/// A server on an in-memory connection, for a repository at `root`.
struct Editor {
    connection: Connection,
    server: Option<std::thread::JoinHandle<Result<(), String>>>,
    uri: lsp_types::Uri,
    version: i32,
    /// Whether the last line currently ends with the character typed.
    typed: bool,
    lines: u32,
}

impl Editor {
    fn open(root: &Path, text: &str) -> Self {
        let (server, connection) = Connection::memory();
        let server = std::thread::spawn(move || prr_gate::lsp::serve(&server));
        let root_uri = uri_of(root).expect("a file URI");
        let send = |message: Message| connection.sender.send(message).expect("the server reads");
        send(
            Request::new(
                RequestId::from(0),
                "initialize".to_owned(),
                json!({ "processId": null, "rootUri": root_uri, "capabilities": {},
                        "initializationOptions": { "asOf": "2026-11-21" } }),
            )
            .into(),
        );
        send(Notification::new("initialized".to_owned(), json!({})).into());
        let path = root.join("services/pay/prr.toml");
        std::fs::write(&path, text).expect("the manifest is written");
        let uri = uri_of(&path).expect("a file URI");
        send(
            Notification::new(
                "textDocument/didOpen".to_owned(),
                json!({ "textDocument": { "uri": uri, "languageId": "toml", "version": 1, "text": text } }),
            )
            .into(),
        );
        let mut editor = Self {
            connection,
            server: Some(server),
            uri,
            version: 1,
            typed: false,
            lines: u32::try_from(text.lines().count()).expect("lines"),
        };
        editor.published(1);
        editor
    }

    /// Waits for the diagnostics of `version`; how many there are.
    fn published(&mut self, version: i32) -> usize {
        loop {
            let message = self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(60))
                .expect("the server answers");
            if let Message::Notification(n) = message {
                if n.method == "textDocument/publishDiagnostics"
                    && n.params["version"] == json!(version)
                {
                    return n.params["diagnostics"].as_array().map_or(0, Vec::len);
                }
            }
        }
    }

    /// One keystroke at the end of the file (a `#` typed, or deleted again), as an
    /// incremental change; returns when its diagnostics are published.
    fn keystroke(&mut self) -> usize {
        self.type_one();
        self.published(self.version)
    }

    /// `n` keystrokes sent as fast as the channel takes them; returns when the diagnostics
    /// of the last are published (those of the others may be skipped, never the last's).
    fn burst(&mut self, n: usize) -> usize {
        for _ in 0..n {
            self.type_one();
        }
        self.published(self.version)
    }

    fn type_one(&mut self) {
        self.version += 1;
        let line = self.lines;
        let (range, text) = if self.typed {
            (
                json!({ "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 1 } }),
                "",
            )
        } else {
            (
                json!({ "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 0 } }),
                "#",
            )
        };
        self.typed = !self.typed;
        self.connection
            .sender
            .send(
                Notification::new(
                    "textDocument/didChange".to_owned(),
                    json!({ "textDocument": { "uri": self.uri, "version": self.version },
                            "contentChanges": [{ "range": range, "text": text }] }),
                )
                .into(),
            )
            .expect("the server reads");
    }

    fn close(mut self) {
        let send = |message: Message| {
            self.connection
                .sender
                .send(message)
                .expect("the server reads")
        };
        send(Request::new(RequestId::from(1), "shutdown".to_owned(), Value::Null).into());
        send(Notification::new("exit".to_owned(), Value::Null).into());
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

/// `head` followed by the lines `line` gives for 0, 1, 2, ... until just under 1 MiB.
fn up_to_a_mib(head: &str, line: impl Fn(usize) -> String) -> String {
    let mut text = head.to_owned();
    for i in 0.. {
        let next = line(i);
        if text.len() + next.len() >= MIB - 2 {
            break;
        }
        text.push_str(&next);
    }
    text.push('\n');
    text
}

/// The ready manifest with `[[dependency]]` tables appended until just under 1 MiB: far
/// past the array limit, the worst case of a file the size limit lets in.
fn dependencies_mib() -> String {
    up_to_a_mib(READY, |i| {
        format!("\n[[dependency]]\nname = \"dependency-{i:05}\"\ncritical = false\nsla = 99.9\nowner = \"@acme/platform\"\ntimeout_ms = 250\nretries = 2\n")
    })
}

/// The ready manifest with organisation extensions (`[x]`) up to just under 1 MiB: a large
/// file whose bulk no rule reads.
fn extensions_mib() -> String {
    up_to_a_mib(&format!("{READY}\n[x]\n"), |i| {
        format!("note_{i:06} = \"an organisation's own key, carried along but not judged\"\n")
    })
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("a repository");
    std::fs::create_dir_all(root.join(".github")).expect(".github");
    std::fs::create_dir_all(root.join("services/pay")).expect("a service directory");
    std::fs::write(root.join(".github/CODEOWNERS"), "* @acme/payments\n").expect("CODEOWNERS");

    let mut group = c.benchmark_group("lsp: keystroke to diagnostics");
    for (name, text, samples) in [
        ("typical (ready, 2.7 KB)", READY.to_owned(), 50),
        ("typical (unready, failing)", UNREADY.to_owned(), 50),
        ("1 MiB of [[dependency]]", dependencies_mib(), 10),
        ("1 MiB of [x] extensions", extensions_mib(), 10),
    ] {
        let mut editor = Editor::open(root, &text);
        group.sample_size(samples);
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let start = Instant::now();
                for _ in 0..iterations {
                    black_box(editor.keystroke());
                }
                start.elapsed()
            });
        });
        if name.starts_with("typical (ready") {
            group.bench_function(
                "typical: a burst of 20 keystrokes, to the last one's",
                |b| {
                    b.iter_custom(|iterations| {
                        let start = Instant::now();
                        for _ in 0..iterations {
                            black_box(editor.burst(20));
                        }
                        start.elapsed()
                    });
                },
            );
        }
        editor.close();
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
