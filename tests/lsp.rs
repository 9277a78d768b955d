//! `prr lsp` spoken to in process (`Connection::memory()`), as an editor speaks to it: the
//! handshake, diagnostics that are `prr check`'s findings, hover, each code action applied
//! and judged again, completion, other files, pull diagnostics, and the rule that a result
//! for an outdated version is never published.

mod common;

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{Diagnostic, NumberOrString, Position, PublishDiagnosticsParams, Range, Uri};
use prr_gate::lsp::text::{apply_change, path_of, uri_of, Encoding};
use serde_json::{json, Value};

const FAILING: &str = include_str!("fixtures/lsp/failing.toml");
const MANIFEST: &str = "services/pay/prr.toml";
/// How long a test waits for an answer before it fails: a hang is a failure, not a pass.
const PATIENCE: Duration = Duration::from_secs(60);

struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// Notifications that arrived while a response was awaited.
    inbox: VecDeque<Notification>,
    initialized: Value,
}

impl Client {
    /// A server for the repository at `root`, started with `options` and a client with
    /// `capabilities`; `before` is sent before the server reads anything.
    fn start(root: &Path, options: Value, capabilities: Value, before: &[Message]) -> Self {
        let (server, connection) = Connection::memory();
        let root_uri = uri_of(root).unwrap();
        connection
            .sender
            .send(
                Request::new(
                    RequestId::from(0),
                    "initialize".to_owned(),
                    json!({
                        "processId": null,
                        "rootUri": root_uri,
                        "capabilities": capabilities,
                        "initializationOptions": options,
                        "workspaceFolders": [{ "uri": root_uri, "name": "work" }],
                    }),
                )
                .into(),
            )
            .unwrap();
        connection
            .sender
            .send(Notification::new("initialized".to_owned(), json!({})).into())
            .unwrap();
        for message in before {
            connection.sender.send(message.clone()).unwrap();
        }
        let thread = std::thread::spawn(move || prr_gate::lsp::serve(&server));
        let mut client = Self {
            connection,
            server: Some(thread),
            next_id: 1,
            inbox: VecDeque::new(),
            initialized: Value::Null,
        };
        client.initialized = client.response(RequestId::from(0));
        client
    }

    fn response(&mut self, id: RequestId) -> Value {
        loop {
            match self.connection.receiver.recv_timeout(PATIENCE) {
                Ok(Message::Response(Response {
                    id: got,
                    response_result,
                })) if got == id => {
                    return response_result.unwrap_or_else(|err| panic!("{err:?}"));
                }
                Ok(Message::Notification(n)) => self.inbox.push_back(n),
                Ok(_) => {}
                Err(err) => panic!("no response to request {id}: {err}"),
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.connection
            .sender
            .send(Request::new(id.clone(), method.to_owned(), params).into())
            .unwrap();
        self.response(id)
    }

    fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Notification::new(method.to_owned(), params).into())
            .unwrap();
    }

    /// Waits for a request from the server with `method`, answering it with `answer`.
    fn server_request(&mut self, method: &str, answer: Value) -> Request {
        loop {
            match self.connection.receiver.recv_timeout(PATIENCE) {
                Ok(Message::Request(request)) if request.method == method => {
                    self.connection
                        .sender
                        .send(Response::new_ok(request.id.clone(), answer).into())
                        .unwrap();
                    return request;
                }
                Ok(Message::Notification(n)) => self.inbox.push_back(n),
                Ok(_) => {}
                Err(err) => panic!("no {method} request: {err}"),
            }
        }
    }

    fn notification(&mut self) -> Notification {
        if let Some(n) = self.inbox.pop_front() {
            return n;
        }
        loop {
            match self.connection.receiver.recv_timeout(PATIENCE) {
                Ok(Message::Notification(n)) => return n,
                Ok(_) => {}
                Err(err) => panic!("no notification: {err}"),
            }
        }
    }

    /// The diagnostics published for `uri` at `version`; every publication for it on the
    /// way is returned too, oldest first.
    fn diagnostics(&mut self, uri: &Uri, version: Option<i32>) -> Vec<PublishDiagnosticsParams> {
        let mut seen = Vec::new();
        loop {
            let n = self.notification();
            if n.method != "textDocument/publishDiagnostics" {
                continue;
            }
            let p: PublishDiagnosticsParams = serde_json::from_value(n.params).unwrap();
            if &p.uri != uri {
                continue;
            }
            let done = p.version == version;
            seen.push(p);
            if done {
                return seen;
            }
        }
    }

    fn last_diagnostics(&mut self, uri: &Uri, version: i32) -> Vec<Diagnostic> {
        self.diagnostics(uri, Some(version))
            .pop()
            .unwrap()
            .diagnostics
    }

    fn open(&self, uri: &Uri, text: &str, version: i32) {
        self.notify("textDocument/didOpen", open_params(uri, text, version));
    }

    fn change(&self, uri: &Uri, text: &str, version: i32) {
        self.notify("textDocument/didChange", change_params(uri, text, version));
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let result = self.server.take().unwrap().join().unwrap();
        assert_eq!(result, Ok(()));
    }
}

fn open_params(uri: &Uri, text: &str, version: i32) -> Value {
    json!({ "textDocument": {
        "uri": uri, "languageId": "toml", "version": version, "text": text
    }})
}

fn change_params(uri: &Uri, text: &str, version: i32) -> Value {
    json!({
        "textDocument": { "uri": uri, "version": version },
        "contentChanges": [{ "text": text }]
    })
}

/// A repository with the failing manifest written at [`MANIFEST`].
fn repository() -> (common::Repo, Uri) {
    let repo = common::Repo::new();
    repo.write(MANIFEST, FAILING);
    let uri = uri_of(&repo.work.join(MANIFEST)).unwrap();
    (repo, uri)
}

fn options() -> Value {
    json!({ "asOf": common::AS_OF })
}

fn code(d: &Diagnostic) -> String {
    match &d.code {
        Some(NumberOrString::String(s)) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// `prr check --format json`'s failures in `manifest`: (rule, line, column, severity).
fn check_findings(repo: &common::Repo, manifest: &str) -> Vec<(String, u32, String)> {
    let out = repo.prr(&[
        "check",
        "--manifest",
        manifest,
        "--as-of",
        common::AS_OF,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, u32, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" && r["location"]["path"] == manifest)
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                u32::try_from(r["location"]["line"].as_u64().unwrap()).unwrap(),
                r["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn editor_findings(diagnostics: &[Diagnostic]) -> Vec<(String, u32, String)> {
    let mut found: Vec<(String, u32, String)> = diagnostics
        .iter()
        .map(|d| {
            let severity = match d.severity.unwrap() {
                lsp_types::DiagnosticSeverity::ERROR => "error",
                lsp_types::DiagnosticSeverity::WARNING => "warning",
                _ => "note",
            };
            (code(d), d.range.start.line + 1, severity.to_owned())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn initialize_negotiates_the_encoding_and_the_diagnostics_model() {
    let (repo, _) = repository();
    let client = Client::start(&repo.work, options(), json!({}), &[]);
    let caps = &client.initialized["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert!(caps["completionProvider"].is_object());
    assert!(caps.get("diagnosticProvider").is_none(), "{caps}");
    assert_eq!(client.initialized["serverInfo"]["name"], "prr");
    client.stop();

    let capabilities = json!({
        "general": { "positionEncodings": ["utf-8", "utf-16"] },
        "textDocument": { "diagnostic": { "dynamicRegistration": false } }
    });
    let client = Client::start(&repo.work, options(), capabilities, &[]);
    let caps = &client.initialized["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["diagnosticProvider"]["identifier"], "prr");
    client.stop();
}

#[test]
fn diagnostics_are_the_findings_of_prr_check_rule_for_rule_and_line_for_line() {
    let (repo, uri) = repository();
    let expected = check_findings(&repo, MANIFEST);
    assert_eq!(
        expected.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        [
            "dependencies.resilience",
            "docs.runbook",
            "manifest.schema",
            "oncall.rotation",
            "oncall.rotation",
            "release.progressive"
        ]
    );
    let mut client = Client::start(&repo.work, options(), json!({}), &[]);
    client.open(&uri, FAILING, 1);
    let diagnostics = client.last_diagnostics(&uri, 1);
    assert_eq!(editor_findings(&diagnostics), expected);
    for d in &diagnostics {
        assert_eq!(d.source.as_deref(), Some("prr"));
        let href = d.code_description.as_ref().unwrap().href.as_str();
        assert!(
            href.ends_with(&format!("docs/rules.md#{}", code(d).replace('.', ""))),
            "{href}"
        );
    }
    let schema = diagnostics
        .iter()
        .find(|d| code(d) == "manifest.schema")
        .unwrap();
    assert_eq!(
        schema.message,
        "unknown key `docs.runbok` (did you mean `docs.runbook`?)"
    );
    // The range is the key's.
    assert_eq!(
        schema.range,
        Range::new(Position::new(13, 0), Position::new(13, 6))
    );

    // Closing clears them.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    let cleared = client.diagnostics(&uri, None).pop().unwrap();
    assert!(cleared.diagnostics.is_empty());
    client.stop();
}

#[test]
fn a_change_that_fixes_the_file_clears_the_diagnostics_and_a_parse_error_is_one() {
    let (repo, uri) = repository();
    let mut client = Client::start(&repo.work, options(), json!({}), &[]);
    client.open(&uri, FAILING, 1);
    assert_eq!(client.last_diagnostics(&uri, 1).len(), 6);

    let broken = FAILING.replacen("[docs]", "[docs", 1);
    client.change(&uri, &broken, 2);
    let diagnostics = client.last_diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].code, None);
    assert_eq!(diagnostics[0].range.start.line, 12, "the line of `[docs`");
    assert_eq!(
        diagnostics[0].severity,
        Some(lsp_types::DiagnosticSeverity::ERROR)
    );

    client.change(&uri, &common::ready(), 3);
    assert_eq!(client.last_diagnostics(&uri, 3), []);
    client.stop();
}

#[test]
fn a_result_for_an_outdated_version_is_never_published() {
    let (repo, uri) = repository();
    // Every edit is sent before the server reads anything: the judgement of each earlier
    // version finishes after the next edit has been applied.
    let mut before = vec![Message::from(Notification::new(
        "textDocument/didOpen".to_owned(),
        open_params(&uri, FAILING, 1),
    ))];
    for version in 2..=10 {
        let text = if version % 2 == 0 {
            common::ready()
        } else {
            FAILING.to_owned()
        };
        before.push(
            Notification::new(
                "textDocument/didChange".to_owned(),
                change_params(&uri, &text, version),
            )
            .into(),
        );
    }
    let mut client = Client::start(&repo.work, options(), json!({}), &before);
    let published = client.diagnostics(&uri, Some(10));
    let versions: Vec<Option<i32>> = published.iter().map(|p| p.version).collect();
    assert_eq!(versions, [Some(10)], "only the last version is published");
    assert!(
        published[0].diagnostics.is_empty(),
        "version 10 is the ready manifest"
    );
    client.stop();
}

fn hover_text(client: &mut Client, uri: &Uri, line: u32, character: u32) -> String {
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
    );
    hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn hover_explains_the_rule_of_a_finding_and_of_a_waiver() {
    let (repo, uri) = repository();
    let mut client = Client::start(&repo.work, options(), json!({}), &[]);
    client.open(&uri, FAILING, 1);
    let diagnostics = client.last_diagnostics(&uri, 1);
    let progressive = diagnostics
        .iter()
        .find(|d| code(d) == "release.progressive")
        .unwrap();
    let text = hover_text(&mut client, &uri, progressive.range.start.line, 3);
    let explain = common::stdout(&repo.prr(&["explain", "release.progressive"]));
    assert!(text.starts_with("**release.progressive**: "), "{text}");
    assert!(text.contains("from the pack `builtin`"), "{text}");
    assert!(
        text.contains(&explain),
        "hover:\n{text}\nexplain:\n{explain}"
    );
    assert!(text.contains("Why it matters") && text.contains("How to fix"));

    let waived = format!(
        "{FAILING}\n[[waiver]]\nrule = \"oncall.rotation\"\nreason = \"moving to the new pager\"\nexpires = 2026-12-01\nticket = \"https://acme.atlassian.net/browse/OPS-1\"\n"
    );
    client.change(&uri, &waived, 2);
    let diagnostics = client.last_diagnostics(&uri, 2);
    assert!(diagnostics.iter().all(|d| code(d) != "oncall.rotation"));
    let line = u32::try_from(
        waived
            .lines()
            .position(|l| l == "rule = \"oncall.rotation\"")
            .unwrap(),
    )
    .unwrap();
    let text = hover_text(&mut client, &uri, line, 10);
    assert!(text.starts_with("**oncall.rotation**: "), "{text}");
    assert_eq!(hover_text(&mut client, &uri, 0, 0), "");
    client.stop();
}

/// The code actions offered for `diagnostic`.
fn actions_for(client: &mut Client, uri: &Uri, diagnostic: &Diagnostic) -> Vec<Value> {
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic.range,
            "context": { "diagnostics": [diagnostic] }
        }),
    );
    actions.as_array().unwrap().clone()
}

/// `text` with the single-file edit of `action` applied.
fn applied(text: &str, uri: &Uri, action: &Value) -> String {
    let edits = action["edit"]["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let range: Range = serde_json::from_value(edits[0]["range"].clone()).unwrap();
    let mut text = text.to_owned();
    apply_change(
        &mut text,
        Some(range),
        edits[0]["newText"].as_str().unwrap(),
        Encoding::Utf16,
    );
    text
}

#[test]
fn each_code_action_applied_and_judged_again() {
    let (repo, uri) = repository();
    let mut client = Client::start(&repo.work, options(), json!({}), &[]);
    let mut text = FAILING.to_owned();
    let mut version = 1;
    client.open(&uri, &text, version);
    let mut diagnostics = client.last_diagnostics(&uri, version);
    let take = |client: &mut Client, diagnostics: &[Diagnostic], rule: &str, title: &str| {
        let diagnostic = diagnostics
            .iter()
            .find(|d| code(d) == rule)
            .unwrap()
            .clone();
        let actions = actions_for(client, &uri, &diagnostic);
        actions
            .into_iter()
            .find(|a| a["title"].as_str().unwrap().starts_with(title))
            .unwrap_or_else(|| panic!("no action `{title}` for {rule}"))
    };

    // The misspelt key replaced with the suggestion: the schema finding and the missing
    // runbook both go.
    let action = take(
        &mut client,
        &diagnostics,
        "manifest.schema",
        "Replace `runbok` with `runbook`",
    );
    assert_eq!(action["kind"], "quickfix");
    text = applied(&text, &uri, &action);
    assert!(
        text.contains("runbook = \"https://wiki.acme.dev/payments/runbook\"   # the on-call guide")
    );
    version += 1;
    client.change(&uri, &text, version);
    diagnostics = client.last_diagnostics(&uri, version);
    let rules: Vec<String> = diagnostics.iter().map(code).collect();
    assert!(
        !rules.contains(&"manifest.schema".to_owned())
            && !rules.contains(&"docs.runbook".to_owned()),
        "{rules:?}"
    );

    // The remediation's snippet: the missing [oncall] table.
    let action = take(
        &mut client,
        &diagnostics,
        "oncall.rotation",
        "Insert the remediation of oncall.rotation",
    );
    text = applied(&text, &uri, &action);
    assert!(
        text.contains("labels = [\"pci\"]\n\n[oncall]\nrotation = \"https://acme.pagerduty.com/schedules/P123\"\nescalation = \"https://acme.pagerduty.com/escalation_policies/P456\"\n\n[docs]\n"),
        "the table goes where the schema has it: {text}"
    );
    assert!(text.starts_with("# The payments API"), "comments stay");
    version += 1;
    client.change(&uri, &text, version);
    diagnostics = client.last_diagnostics(&uri, version);
    assert!(
        diagnostics.iter().all(|d| code(d) != "oncall.rotation"),
        "{diagnostics:?}"
    );

    // The remediation's keys, into the dependency the finding names.
    let action = take(
        &mut client,
        &diagnostics,
        "dependencies.resilience",
        "Insert the remediation",
    );
    text = applied(&text, &uri, &action);
    assert!(text.contains("name = \"fraud-score\"\ncritical = true\nsla = 99.95\nowner = \"@acme/risk\"\nretries = 2\ntimeout_ms = 200\n"), "{text}");
    version += 1;
    client.change(&uri, &text, version);
    diagnostics = client.last_diagnostics(&uri, version);
    assert!(
        diagnostics
            .iter()
            .all(|d| code(d) != "dependencies.resilience"),
        "{diagnostics:?}"
    );

    // A waiver, expiring within the pack's waiver_max_days (90 days from the as-of date).
    let action = take(
        &mut client,
        &diagnostics,
        "release.progressive",
        "Waive release.progressive until 2027-02-19",
    );
    text = applied(&text, &uri, &action);
    assert!(text.ends_with("[[waiver]]\nrule = \"release.progressive\"\nreason = \"TODO: why this rule cannot be met yet\"\nticket = \"TODO: the ticket of the work that will remove this waiver\"\nexpires = 2027-02-19\n"), "{text}");
    version += 1;
    client.change(&uri, &text, version);
    diagnostics = client.last_diagnostics(&uri, version);
    // The rule is waived; the placeholders are reported until they are filled in, as
    // `prr init`'s are, at warning level: the gate passes.
    let line_of = |start: &str| {
        u32::try_from(text.lines().position(|l| l.starts_with(start)).unwrap() + 1).unwrap()
    };
    assert_eq!(
        editor_findings(&diagnostics),
        [
            (
                "manifest.schema".to_owned(),
                line_of("reason = \"TODO"),
                "warning".to_owned()
            ),
            (
                "manifest.schema".to_owned(),
                line_of("ticket = \"TODO"),
                "warning".to_owned()
            )
        ],
        "{text}"
    );
    std::fs::write(repo.work.join(MANIFEST), &text).unwrap();
    assert_eq!(
        editor_findings(&diagnostics),
        check_findings(&repo, MANIFEST)
    );
    client.stop();
}

#[test]
fn completion_offers_keys_values_and_rule_ids() {
    let (repo, uri) = repository();
    let mut client = Client::start(&repo.work, options(), json!({}), &[]);
    let text = format!("{FAILING}\n[[waiver]]\nrule = \n");
    client.open(&uri, &text, 1);
    client.last_diagnostics(&uri, 1);
    let complete = |client: &mut Client, line: usize, character: usize| -> Vec<String> {
        let items = client.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        );
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let lifecycle = text
        .lines()
        .position(|l| l.starts_with("lifecycle"))
        .unwrap();
    assert_eq!(
        complete(&mut client, lifecycle, 12),
        ["experimental", "beta", "production", "deprecated"]
    );
    let rule = text.lines().position(|l| l == "rule = ").unwrap();
    let ids = complete(&mut client, rule, 7);
    assert!(
        ids.contains(&"release.progressive".to_owned()) && ids.len() > 20,
        "{ids:?}"
    );
    client.stop();
}

#[test]
fn findings_in_codeowners_show_on_it_and_as_related_information() {
    let (repo, uri) = repository();
    repo.write(".github/CODEOWNERS", "# owners\n* @acme/platform\n");
    let codeowners = uri_of(&repo.work.join(".github/CODEOWNERS")).unwrap();
    let mut client = Client::start(&repo.work, options(), json!({}), &[]);
    client.open(&codeowners, "# owners\n* @acme/platform\n", 1);
    let empty = client.diagnostics(&codeowners, Some(1)).pop().unwrap();
    assert!(empty.diagnostics.is_empty());
    client.open(&uri, FAILING, 1);
    let diagnostics = client.last_diagnostics(&uri, 1);
    let on_manifest = diagnostics
        .iter()
        .find(|d| code(d) == "ownership.codeowners")
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    let related = &on_manifest.related_information.as_ref().unwrap()[0];
    assert_eq!(related.location.uri, codeowners);
    assert_eq!(related.location.range.start.line, 1);
    assert!(on_manifest.message.contains("(.github/CODEOWNERS:2)"));
    let there = client.diagnostics(&codeowners, Some(1)).pop().unwrap();
    assert_eq!(there.diagnostics.len(), 1);
    assert_eq!(code(&there.diagnostics[0]), "ownership.codeowners");
    assert_eq!(there.diagnostics[0].range.start.line, 1);
    assert_eq!(
        path_of(&there.uri).unwrap(),
        repo.work.join(".github/CODEOWNERS")
    );
    client.stop();
}

#[test]
fn pull_diagnostics_answer_with_the_findings() {
    let (repo, uri) = repository();
    let capabilities = json!({
        "textDocument": { "diagnostic": {} },
        "workspace": { "diagnostics": { "refreshSupport": true } }
    });
    let mut client = Client::start(&repo.work, options(), capabilities, &[]);
    client.open(&uri, FAILING, 1);
    let pull = |client: &mut Client| -> Vec<Diagnostic> {
        let report = client.request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": uri } }),
        );
        assert_eq!(report["kind"], "full");
        serde_json::from_value(report["items"].clone()).unwrap()
    };
    assert_eq!(
        editor_findings(&pull(&mut client)),
        check_findings(&repo, MANIFEST)
    );
    // New settings judge again without a pull: the client is asked to pull again.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "prr": { "asOf": "2030-01-01" } } }),
    );
    client.server_request("workspace/diagnostic/refresh", Value::Null);
    let later = pull(&mut client);
    assert!(
        later
            .iter()
            .any(|d| d.message.contains("review") || code(d).starts_with("review.")),
        "reviews age by 2030: {later:?}"
    );
    // Nothing is pushed to a client that pulls.
    assert!(client
        .inbox
        .iter()
        .all(|n| n.method != "textDocument/publishDiagnostics"));
    client.stop();
}

#[test]
fn settings_name_the_pack_and_a_pack_file_shows_lint_and_its_examples() {
    let (repo, uri) = repository();
    repo.write(
        "packs/acme/pack.toml",
        "[pack]\nname = \"acme\"\nversion = \"1.0.0\"\nextends = [\"builtin\"]\n",
    );
    let rule_file = "[[rule]]\nid = \"docs.architecture\"\ntitle = \"An architecture document is linked\"\nseverity = \"warning\"\ncategory = \"docs\"\nrequire = [\"docs.architecture\"]\nrationale = \"People new to the service start there.\"\nremediation = \"Link it:\\n\\n[docs]\\narchitecture = \\\"https://wiki.acme.dev/design\\\"\\n\"\n\n[[rule.test]]\nname = \"a manifest without it passes (wrongly)\"\nexpect = \"pass\"\nmanifest = '''\n[service]\nname = \"a\"\ntier = 1\nlifecycle = \"production\"\n'''\n";
    repo.write("packs/acme/docs.toml", rule_file);
    let text = FAILING.replace(
        "architecture = \"https://wiki.acme.dev/payments/design\"\n",
        "",
    );
    let mut client = Client::start(
        &repo.work,
        json!({ "asOf": common::AS_OF, "rules": ["packs/acme"] }),
        json!({}),
        &[],
    );
    client.open(&uri, &text, 1);
    let diagnostics = client.last_diagnostics(&uri, 1);
    let architecture = diagnostics
        .iter()
        .find(|d| code(d) == "docs.architecture")
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert_eq!(
        architecture.severity,
        Some(lsp_types::DiagnosticSeverity::WARNING)
    );
    assert!(
        architecture.code_description.is_none(),
        "the pack gives no docs page"
    );

    let pack_uri = uri_of(&repo.work.join("packs/acme/docs.toml")).unwrap();
    client.open(&pack_uri, rule_file, 1);
    let on_pack = client.last_diagnostics(&pack_uri, 1);
    let test = on_pack
        .iter()
        .find(|d| code(d) == "rules test")
        .unwrap_or_else(|| panic!("{on_pack:?}"));
    assert!(
        test.message.contains("expects pass, the rule gave fail"),
        "{}",
        test.message
    );
    assert!(
        on_pack.iter().any(|d| code(d) == "rules lint"),
        "{on_pack:?}"
    );

    // The built-in pack through the settings: the pack's finding goes with it.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "prr": { "rules": [] } } }),
    );
    let diagnostics = client.last_diagnostics(&uri, 1);
    assert!(diagnostics.iter().all(|d| code(d) != "docs.architecture"));
    client.stop();
}

#[test]
fn live_sources_are_not_asked_while_typing() {
    let (repo, _) = repository();
    repo.write(
        "packs/live/pack.toml",
        "[pack]\nname = \"live\"\nversion = \"1.0.0\"\nextends = [\"builtin\"]\nwaiver_approvers = \"@acme/sre\"\n\n[source.prometheus]\nurl_env = \"PRR_TEST_PROMETHEUS_URL\"\n",
    );
    let text = format!(
        "{}\n[monitoring.alerts]\nlatency = \"PaymentsLatencyHigh\"\n",
        common::ready()
    );
    let rules = prr_gate::pipeline::load_rules(
        &[repo.work.join("packs/live").to_string_lossy().into_owned()],
        &repo.work,
    )
    .unwrap();
    let run = prr_gate::pipeline::document::judge_text(
        &repo.work.join(MANIFEST),
        &text,
        &repo.work,
        &rules,
        common::AS_OF.parse().unwrap(),
        false,
        None,
    );
    let result = |rule: &str| {
        run.report
            .results
            .iter()
            .find(|r| &*r.rule == rule)
            .unwrap_or_else(|| panic!("no {rule}"))
    };
    for rule in ["monitoring.alerts", "waiver.approved"] {
        let result = result(rule);
        assert_eq!(result.status, prr_gate::engine::Status::Skipped, "{rule}");
        assert!(
            result.message.contains("not checked in the editor"),
            "{rule}: {}",
            result.message
        );
    }
    // The repository is read as `prr check` reads it: CODEOWNERS assigns the manifest.
    assert_eq!(
        result("ownership.codeowners").status,
        prr_gate::engine::Status::Pass
    );
    assert_eq!(&*result("ownership.codeowners").manifest, MANIFEST);
}

#[test]
fn with_check_on_save_a_change_is_judged_when_saved() {
    let (repo, uri) = repository();
    let mut client = Client::start(
        &repo.work,
        json!({ "asOf": common::AS_OF, "checkOn": "save" }),
        json!({}),
        &[],
    );
    client.open(&uri, FAILING, 1);
    assert_eq!(client.last_diagnostics(&uri, 1).len(), 6);
    client.change(&uri, &common::ready(), 2);
    // Time enough for a judgement on change to be published, were there one.
    std::thread::sleep(Duration::from_millis(300));
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    let published = client.diagnostics(&uri, Some(2));
    assert_eq!(published.len(), 1, "nothing before the save: {published:?}");
    assert!(published[0].diagnostics.is_empty());
    client.stop();
}

#[test]
fn each_workspace_folder_is_judged_with_its_own_repository() {
    let (good, good_uri) = repository();
    let (other, other_uri) = repository();
    other.write(".github/CODEOWNERS", "* @acme/platform\n");
    let folders = json!([
        { "uri": uri_of(&good.work).unwrap(), "name": "good" },
        { "uri": uri_of(&other.work).unwrap(), "name": "other" },
    ]);
    let mut client = Client::start(&good.work, options(), json!({}), &[]);
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": folders, "removed": [] } }),
    );
    client.open(&good_uri, FAILING, 1);
    client.open(&other_uri, FAILING, 1);
    let good_codes: Vec<String> = client
        .last_diagnostics(&good_uri, 1)
        .iter()
        .map(code)
        .collect();
    let other_codes: Vec<String> = client
        .last_diagnostics(&other_uri, 1)
        .iter()
        .map(code)
        .collect();
    assert!(
        !good_codes.contains(&"ownership.codeowners".to_owned()),
        "{good_codes:?}"
    );
    assert!(
        other_codes.contains(&"ownership.codeowners".to_owned()),
        "{other_codes:?}"
    );
    client.stop();
}

#[test]
fn settings_are_asked_for_when_the_client_keeps_them() {
    let (repo, uri) = repository();
    let capabilities = json!({ "workspace": { "configuration": true } });
    let mut client = Client::start(&repo.work, options(), capabilities, &[]);
    client.open(&uri, &common::ready(), 1);
    assert_eq!(client.last_diagnostics(&uri, 1), []);
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": null }),
    );
    let asked = client.server_request("workspace/configuration", json!([{ "asOf": "2030-01-01" }]));
    assert_eq!(asked.params["items"][0]["section"], "prr");
    let later = client.last_diagnostics(&uri, 1);
    assert!(
        later.iter().any(|d| code(d) == "review.prr-fresh"),
        "the review of 2025-06-01 is stale by 2030: {later:?}"
    );
    client.stop();
}

#[test]
fn a_pack_changed_on_disk_is_loaded_again() {
    let (repo, uri) = repository();
    let rule = |severity: &str| {
        format!("[[rule]]\nid = \"docs.architecture\"\ntitle = \"An architecture document is linked\"\nseverity = \"{severity}\"\ncategory = \"docs\"\nrequire = [\"docs.architecture\"]\nrationale = \"People new to the service start there.\"\nremediation = \"Link it.\"\n")
    };
    repo.write(
        "packs/acme/pack.toml",
        "[pack]\nname = \"acme\"\nversion = \"1.0.0\"\nextends = [\"builtin\"]\n",
    );
    repo.write("packs/acme/docs.toml", &rule("warning"));
    let capabilities =
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut client = Client::start(
        &repo.work,
        json!({ "asOf": common::AS_OF, "rules": ["packs/acme"] }),
        capabilities,
        &[],
    );
    let registration = client.server_request("client/registerCapability", Value::Null);
    assert_eq!(
        registration.params["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let text = common::ready().replace(
        "architecture = \"https://wiki.acme.dev/payments/design\"\n",
        "",
    );
    client.open(&uri, &text, 1);
    let severity = |diagnostics: &[Diagnostic]| {
        diagnostics
            .iter()
            .find(|d| code(d) == "docs.architecture")
            .and_then(|d| d.severity)
    };
    assert_eq!(
        severity(&client.last_diagnostics(&uri, 1)),
        Some(lsp_types::DiagnosticSeverity::WARNING)
    );
    repo.write("packs/acme/docs.toml", &rule("error"));
    let changed = uri_of(&repo.work.join("packs/acme/docs.toml")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": changed, "type": 2 }] }),
    );
    assert_eq!(
        severity(&client.last_diagnostics(&uri, 1)),
        Some(lsp_types::DiagnosticSeverity::ERROR)
    );
    client.stop();
}

/// With `base` set, each diagnostic says whether the change introduced it, as
/// `prr check --base` marks the same findings.
#[test]
fn with_a_base_each_diagnostic_says_new_or_existing() {
    let repo = common::Repo::new();
    repo.commit(MANIFEST, FAILING, "a manifest that fails");
    // The buffer adds a failure: the rollback procedure is gone.
    let edited = common::without(FAILING, "rollback");
    repo.write(MANIFEST, &edited);
    let out = repo.prr(&[
        "check",
        "--manifest",
        MANIFEST,
        "--as-of",
        common::AS_OF,
        "--base",
        "HEAD",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: Vec<(String, u32, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" && r["location"]["path"] == MANIFEST)
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                u32::try_from(r["location"]["line"].as_u64().unwrap()).unwrap(),
                r["change"].as_str().unwrap_or("none").to_owned(),
            )
        })
        .collect();
    expected.sort();
    assert!(expected.iter().any(|f| f.2 == "existing"), "{expected:?}");
    assert!(
        expected
            .iter()
            .any(|f| f.0 == "release.rollback" && f.2 == "new"),
        "{expected:?}"
    );
    let uri = uri_of(&repo.work.join(MANIFEST)).unwrap();
    let mut client = Client::start(
        &repo.work,
        json!({ "asOf": common::AS_OF, "base": "HEAD" }),
        json!({}),
        &[],
    );
    client.open(&uri, &edited, 1);
    let diagnostics = client.last_diagnostics(&uri, 1);
    let mut shown: Vec<(String, u32, String)> = diagnostics
        .iter()
        .map(|d| {
            let change = if d.message.starts_with("[new] ") {
                "new"
            } else if d.message.starts_with("[existing] ") {
                "existing"
            } else {
                "none"
            };
            (code(d), d.range.start.line + 1, change.to_owned())
        })
        .collect();
    shown.sort();
    assert_eq!(shown, expected);
    client.stop();
}
