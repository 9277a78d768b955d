//! `prr lsp`: the gate in the editor, a language server on stdio (LSP 3.17).
//!
//! A reader of the pipeline's report like every other command: a manifest's diagnostics are
//! `prr check`'s findings for it (`pipeline::document` takes the unsaved text down the same
//! road), so the editor cannot disagree with the gate.
//!
//! One loop applies the client's messages in order; judging runs on a thread of its own.
//! Each job is a document at one version: a result for a version that has since changed
//! (or under settings since replaced) is dropped, and the latest text is judged next, so the
//! last edit is never lost however fast the edits come.

pub mod actions;
pub mod analysis;
pub mod complete;
pub mod config;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CompletionParams, Diagnostic, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, DocumentDiagnosticParams, Hover, HoverContents, HoverParams,
    InitializeParams, MarkupContent, MarkupKind, PublishDiagnosticsParams, Uri,
};
use serde_json::{json, Value};

use analysis::{Analysis, Job, Kind, Outcome, Worker};
use config::{CheckOn, Config};
use text::{path_of, Encoding, Lines};

/// How long the server waits after a change for the next before judging: edits typed in
/// a burst are judged once, and a typical manifest's diagnostics still arrive well within
/// 50 ms of the last keystroke (`benches/lsp.rs`).
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// The id of the server's `workspace/configuration` request.
const CONFIGURATION_REQUEST: &str = "prr/configuration";

/// Serves the client on stdin and stdout until it exits.
///
/// # Errors
/// The protocol broke down (the client went away mid-message, or sent no `initialize`).
pub fn run_stdio() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    threads.join().map_err(|err| err.to_string())
}

/// Serves one client on `connection`: the handshake, then the loop until `exit`.
///
/// # Errors
/// As [`run_stdio`].
pub fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|err| format!("no initialize request from the client: {err}"))?;
    // A puller that can be told to ask again is told when a judgement it did not wait
    // for (settings or a pack changed, an import was saved) changes what it would get.
    // Read from the message itself: lsp-types names the capability `diagnostic`, the
    // specification `diagnostics`.
    let workspace = &params["capabilities"]["workspace"];
    let refresh = ["diagnostics", "diagnostic"]
        .iter()
        .any(|key| workspace[*key]["refreshSupport"] == Value::Bool(true));
    let ask_configuration = workspace["configuration"] == Value::Bool(true);
    let watch = workspace["didChangeWatchedFiles"]["dynamicRegistration"] == Value::Bool(true);
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|err| format!("initialize: {err}"))?;
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let pull = params
        .capabilities
        .text_document
        .as_ref()
        .is_some_and(|t| t.diagnostic.is_some());
    let (config, problems) = params
        .initialization_options
        .as_ref()
        .map(Config::read)
        .unwrap_or_default();
    let mut folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| path_of(&folder.uri))
        .collect();
    #[allow(deprecated)] // a client without workspace folders names its one root this way
    if let Some(root) = params.root_uri.as_ref().and_then(path_of) {
        if folders.is_empty() {
            folders.push(root);
        }
    }
    let mut capabilities = json!({
        "positionEncoding": encoding.kind(),
        "textDocumentSync": {
            "openClose": true,
            "change": 2,
            "save": { "includeText": false }
        },
        "hoverProvider": true,
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
        "completionProvider": { "triggerCharacters": ["[", ".", "\"", "="] },
        "workspace": {
            "workspaceFolders": { "supported": true, "changeNotifications": true }
        }
    });
    if pull {
        capabilities["diagnosticProvider"] = json!({
            "identifier": "prr",
            "interFileDependencies": true,
            "workspaceDiagnostics": false
        });
    }
    connection
        .initialize_finish(
            id,
            json!({
                "capabilities": capabilities,
                "serverInfo": { "name": "prr", "version": env!("CARGO_PKG_VERSION") }
            }),
        )
        .map_err(|err| err.to_string())?;

    let (jobs, job_queue) = crossbeam_channel::unbounded::<(Job, u64)>();
    let (done, outcomes) = crossbeam_channel::unbounded::<Outcome>();
    let worker = std::thread::spawn(move || {
        let mut worker = Worker::default();
        for (job, epoch) in job_queue {
            let analysis = worker.run(&job, epoch);
            let outcome = Outcome {
                uri: job.uri,
                version: job.version,
                generation: job.generation,
                analysis,
            };
            if done.send(outcome).is_err() {
                break;
            }
        }
    });
    let mut server = Server {
        sender: connection.sender.clone(),
        jobs,
        encoding,
        pull,
        refresh,
        refreshes: std::cell::Cell::new(0),
        ask_configuration,
        initial: config.clone(),
        config,
        folders,
        docs: HashMap::new(),
        contributions: HashMap::new(),
        pending_pulls: Vec::new(),
        generation: 0,
        epoch: 0,
        schema: crate::manifest::model::manifest_schema(),
    };
    for problem in problems {
        server.show_message(&problem);
    }
    if watch {
        // Packs, manifests, imports and CODEOWNERS change on disk too (a pull, a checkout,
        // another editor): the client tells the server, which judges again.
        server.send(Request::new(
            RequestId::from("prr/watch".to_owned()),
            "client/registerCapability".to_owned(),
            json!({ "registrations": [{
                "id": "prr/watch",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": { "watchers": [
                    { "globPattern": "**/*.toml" },
                    { "globPattern": "**/*.{json,yaml,yml}" },
                    { "globPattern": "**/CODEOWNERS" }
                ] }
            }] }),
        ));
    }
    let result = server.run(connection, &outcomes);
    drop(server);
    let _ = worker.join();
    result
}

/// An open document.
struct Doc {
    path: PathBuf,
    kind: Kind,
    text: String,
    version: i32,
    /// What the latest judgement of this very version found.
    analysis: Option<Analysis>,
    /// The rules the document was last judged with (kept across edits, for completion).
    rules: Option<Arc<analysis::RulesView>>,
    /// When it is to be judged next (`None`: not asked).
    due: Option<Instant>,
    /// A job for it is on the judging thread.
    in_flight: bool,
}

struct Server {
    sender: Sender<Message>,
    jobs: Sender<(Job, u64)>,
    encoding: Encoding,
    /// The client asks for diagnostics (`textDocument/diagnostic`) rather than being sent them.
    pull: bool,
    /// The puller may be asked to pull again (`workspace/diagnostic/refresh`).
    refresh: bool,
    refreshes: std::cell::Cell<u64>,
    /// The client answers `workspace/configuration`.
    ask_configuration: bool,
    /// The initialization options' settings, which later ones override key by key.
    initial: Config,
    config: Config,
    folders: Vec<PathBuf>,
    docs: HashMap<Uri, Doc>,
    /// Findings in other files (imports, CODEOWNERS), by that file, by the manifest they
    /// belong to.
    contributions: HashMap<Uri, BTreeMap<String, (Uri, Vec<Diagnostic>)>>,
    /// Pull requests waiting for the judgement of their document's current version.
    pending_pulls: Vec<(RequestId, Uri)>,
    /// Counts changes of the settings: a result judged under older ones is dropped.
    generation: u64,
    /// Counts changes of the packs: the judging thread loads them again.
    epoch: u64,
    schema: Value,
}

/// What a `textDocument/codeAction` request says that the server reads.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodeActionAt {
    text_document: lsp_types::TextDocumentIdentifier,
    range: lsp_types::Range,
}

enum Event {
    Client(Message),
    Judged(Box<Outcome>),
    Tick,
}

impl Server {
    fn run(&mut self, connection: &Connection, outcomes: &Receiver<Outcome>) -> Result<(), String> {
        loop {
            // Every message already sent is applied before a result is taken, so a result
            // for a version the client has since changed is known to be outdated.
            let event = match connection.receiver.try_recv() {
                Ok(message) => Event::Client(message),
                Err(_) => {
                    let wait = self.next_due().map_or(Duration::from_secs(3600), |due| {
                        due.saturating_duration_since(Instant::now())
                    });
                    select! {
                        recv(connection.receiver) -> message => match message {
                            Ok(message) => Event::Client(message),
                            Err(_) => return Ok(()),
                        },
                        recv(outcomes) -> outcome => match outcome {
                            Ok(outcome) => Event::Judged(Box::new(outcome)),
                            Err(_) => return Err("the judging thread stopped".to_owned()),
                        },
                        default(wait) => Event::Tick,
                    }
                }
            };
            match event {
                Event::Client(Message::Request(request)) => {
                    if connection
                        .handle_shutdown(&request)
                        .map_err(|err| err.to_string())?
                    {
                        return Ok(());
                    }
                    self.request(request);
                }
                Event::Client(Message::Notification(notification)) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notification(notification);
                }
                Event::Client(Message::Response(response)) => self.response(response),
                Event::Tick => {}
                Event::Judged(outcome) => self.judged(*outcome),
            }
            self.dispatch_due();
        }
    }

    fn send(&self, message: impl Into<Message>) {
        // The client has gone when this fails; the loop ends on the closed receiver.
        let _ = self.sender.send(message.into());
    }

    fn show_message(&self, text: &str) {
        self.send(Notification::new(
            "window/showMessage".to_owned(),
            json!({ "type": 2, "message": format!("prr: {text}") }),
        ));
    }

    fn notification(&mut self, notification: Notification) {
        let params = notification.params;
        match notification.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(params) {
                    self.open(
                        p.text_document.uri,
                        p.text_document.text,
                        p.text_document.version,
                    );
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(params) {
                    self.change(p);
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(params) {
                    self.saved(&p.text_document.uri);
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(params) {
                    self.close(&p.text_document.uri);
                }
            }
            "workspace/didChangeConfiguration" => {
                if let Ok(p) = serde_json::from_value::<DidChangeConfigurationParams>(params) {
                    match p.settings.get("prr") {
                        Some(settings) if settings.is_object() => self.configure(settings),
                        // A client that keeps its settings to be asked for (VS Code sends
                        // `null`) is asked for the `prr` section.
                        _ if self.ask_configuration => self.send(Request::new(
                            RequestId::from(CONFIGURATION_REQUEST.to_owned()),
                            "workspace/configuration".to_owned(),
                            json!({ "items": [{ "section": "prr" }] }),
                        )),
                        _ => {}
                    }
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeWatchedFilesParams>(params)
                {
                    let packs = p
                        .changes
                        .iter()
                        .filter_map(|change| path_of(&change.uri))
                        .any(|path| Kind::of(&path) == Kind::Pack);
                    if packs {
                        self.epoch += 1;
                    }
                    if !p.changes.is_empty() {
                        self.judge_all(Instant::now());
                    }
                }
            }
            "workspace/didChangeWorkspaceFolders" => {
                if let Ok(p) = serde_json::from_value::<DidChangeWorkspaceFoldersParams>(params) {
                    let removed: Vec<PathBuf> = p
                        .event
                        .removed
                        .iter()
                        .filter_map(|f| path_of(&f.uri))
                        .collect();
                    self.folders.retain(|f| !removed.contains(f));
                    self.folders
                        .extend(p.event.added.iter().filter_map(|f| path_of(&f.uri)));
                    self.generation += 1;
                    self.judge_all(Instant::now());
                }
            }
            _ => {}
        }
    }

    /// New settings over the initialization options: every document judged again under
    /// them, the packs loaded again.
    fn configure(&mut self, settings: &Value) {
        let (config, problems) = self.initial.over(settings);
        for problem in problems {
            self.show_message(&problem);
        }
        self.config = config;
        self.generation += 1;
        self.epoch += 1;
        self.judge_all(Instant::now());
    }

    /// The client's answer to a request of the server's.
    fn response(&mut self, response: Response) {
        if response.id == RequestId::from(CONFIGURATION_REQUEST.to_owned()) {
            if let Ok(Some(settings)) = response
                .response_result
                .map(|result| result.get(0).filter(|s| s.is_object()).cloned())
            {
                self.configure(&settings);
            }
        }
    }

    fn open(&mut self, uri: Uri, text: String, version: i32) {
        let Some(path) = path_of(&uri) else { return };
        let kind = Kind::of(&path);
        self.docs.insert(
            uri.clone(),
            Doc {
                path,
                kind,
                text,
                version,
                analysis: None,
                rules: None,
                due: (kind != Kind::Other).then(Instant::now),
                in_flight: false,
            },
        );
        if kind == Kind::Other {
            self.publish_other(&uri);
        }
    }

    fn change(&mut self, params: DidChangeTextDocumentParams) {
        let check_on = self.config.check_on;
        let encoding = self.encoding;
        let Some(doc) = self.docs.get_mut(&params.text_document.uri) else {
            return;
        };
        for change in params.content_changes {
            text::apply_change(&mut doc.text, change.range, &change.text, encoding);
        }
        doc.version = params.text_document.version;
        doc.analysis = None;
        // A pack file is judged from disk (as `prr rules lint` reads it): on save.
        if doc.kind == Kind::Manifest && check_on == CheckOn::Change {
            doc.due = Some(Instant::now() + DEBOUNCE);
        }
    }

    fn saved(&mut self, uri: &Uri) {
        let kind = self.docs.get(uri).map_or_else(
            || path_of(uri).map_or(Kind::Other, |p| Kind::of(&p)),
            |doc| doc.kind,
        );
        let now = Instant::now();
        match kind {
            Kind::Manifest => {
                if let Some(doc) = self.docs.get_mut(uri) {
                    doc.due = Some(now);
                }
            }
            // A pack changed: loaded again; a file a manifest reads (an import, CODEOWNERS)
            // changed: every manifest judged again.
            Kind::Pack | Kind::Other => {
                if kind == Kind::Pack {
                    self.epoch += 1;
                }
                self.judge_all(now);
            }
        }
    }

    fn close(&mut self, uri: &Uri) {
        if self.docs.remove(uri).is_none() {
            return;
        }
        if !self.pull {
            self.publish(uri.clone(), Vec::new(), None);
        }
        self.set_contributions(uri, Vec::new());
        let (waiting, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_pulls)
            .into_iter()
            .partition(|(_, u)| u == uri);
        self.pending_pulls = rest;
        for (id, _) in waiting {
            self.answer_pull(id, Vec::new());
        }
    }

    fn judge_all(&mut self, when: Instant) {
        for doc in self.docs.values_mut() {
            if doc.kind != Kind::Other {
                doc.due = Some(when);
            }
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.docs
            .values()
            .filter(|doc| !doc.in_flight)
            .filter_map(|doc| doc.due)
            .min()
    }

    /// Sends every document whose time has come to the judging thread, one job per
    /// document at a time.
    fn dispatch_due(&mut self) {
        let now = Instant::now();
        let ready: Vec<Uri> = self
            .docs
            .iter()
            .filter(|(_, doc)| !doc.in_flight && doc.due.is_some_and(|due| due <= now))
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in ready {
            let job = {
                let Some(doc) = self.docs.get(&uri) else {
                    continue;
                };
                let folder = self.folder_of(&doc.path);
                let root = doc
                    .path
                    .parent()
                    .and_then(crate::git::toplevel_of)
                    .unwrap_or_else(|| folder.clone());
                Job {
                    uri: uri.clone(),
                    version: doc.version,
                    generation: self.generation,
                    kind: doc.kind,
                    path: doc.path.clone(),
                    text: Arc::from(doc.text.as_str()),
                    root,
                    folder,
                    config: self.config.clone(),
                    encoding: self.encoding,
                }
            };
            if self.jobs.send((job, self.epoch)).is_ok() {
                if let Some(doc) = self.docs.get_mut(&uri) {
                    doc.in_flight = true;
                    doc.due = None;
                }
            }
        }
    }

    /// The workspace folder holding `path` (the deepest), else the file's directory.
    fn folder_of(&self, path: &Path) -> PathBuf {
        self.folders
            .iter()
            .filter(|folder| path.starts_with(folder))
            .max_by_key(|folder| folder.as_os_str().len())
            .cloned()
            .or_else(|| path.parent().map(Path::to_path_buf))
            .unwrap_or_default()
    }

    fn judged(&mut self, outcome: Outcome) {
        let generation = self.generation;
        let Some(doc) = self.docs.get_mut(&outcome.uri) else {
            return;
        };
        doc.in_flight = false;
        if outcome.version != doc.version || outcome.generation != generation {
            // Outdated: the latest text is judged next (it is due, or will be on save).
            return;
        }
        let version = doc.version;
        let diagnostics = outcome.analysis.diagnostics.clone();
        let others = outcome.analysis.others.clone();
        if outcome.analysis.rules.is_some() {
            doc.rules.clone_from(&outcome.analysis.rules);
        }
        doc.analysis = Some(outcome.analysis);
        if self.pull {
            let (waiting, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_pulls)
                .into_iter()
                .partition(|(_, u)| *u == outcome.uri);
            self.pending_pulls = rest;
            if waiting.is_empty() {
                self.ask_to_pull();
            }
            for (id, _) in waiting {
                self.answer_pull(id, diagnostics.clone());
            }
        } else {
            self.publish(outcome.uri.clone(), diagnostics, Some(version));
        }
        self.set_contributions(&outcome.uri, others);
    }

    /// Records what a manifest found in other files, and shows it on those that are open.
    fn set_contributions(&mut self, manifest: &Uri, others: Vec<(Uri, Vec<Diagnostic>)>) {
        let key = manifest.as_str().to_owned();
        let mut touched: Vec<Uri> = Vec::new();
        for (uri, by_manifest) in &mut self.contributions {
            if by_manifest.remove(&key).is_some() {
                touched.push(uri.clone());
            }
        }
        for (uri, diagnostics) in others {
            touched.push(uri.clone());
            self.contributions
                .entry(uri)
                .or_default()
                .insert(key.clone(), (manifest.clone(), diagnostics));
        }
        self.contributions
            .retain(|_, by_manifest| !by_manifest.is_empty());
        touched.dedup();
        for uri in touched {
            if self
                .docs
                .get(&uri)
                .is_some_and(|doc| doc.kind == Kind::Other)
            {
                self.publish_other(&uri);
            }
        }
    }

    fn other_diagnostics(&self, uri: &Uri) -> Vec<Diagnostic> {
        self.contributions
            .get(uri)
            .into_iter()
            .flat_map(|by_manifest| by_manifest.values())
            .flat_map(|(_, diagnostics)| diagnostics.iter().cloned())
            .collect()
    }

    fn publish_other(&self, uri: &Uri) {
        if !self.pull {
            let version = self.docs.get(uri).map(|doc| doc.version);
            self.publish(uri.clone(), self.other_diagnostics(uri), version);
        } else {
            self.ask_to_pull();
        }
    }

    /// Tells a puller that diagnostics changed without its asking.
    fn ask_to_pull(&self) {
        if !self.refresh {
            return;
        }
        let n = self.refreshes.get() + 1;
        self.refreshes.set(n);
        self.send(Request::new(
            RequestId::from(format!("prr/refresh/{n}")),
            "workspace/diagnostic/refresh".to_owned(),
            Value::Null,
        ));
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(
            "textDocument/publishDiagnostics".to_owned(),
            params,
        ));
    }

    fn answer_pull(&self, id: RequestId, items: Vec<Diagnostic>) {
        self.send(Response::new_ok(
            id,
            json!({ "kind": "full", "items": items }),
        ));
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        let result = match method.as_str() {
            "textDocument/hover" => serde_json::from_value::<HoverParams>(params)
                .map(|p| serde_json::to_value(self.hover(&p)).unwrap_or(Value::Null)),
            // Only the document and the range are read: the client's copy of the
            // diagnostics is not needed (the server has its own), so a client that sends
            // them partly still gets its actions.
            "textDocument/codeAction" => serde_json::from_value::<CodeActionAt>(params)
                .map(|p| serde_json::to_value(self.code_actions(&p)).unwrap_or(Value::Null)),
            "textDocument/completion" => serde_json::from_value::<CompletionParams>(params)
                .map(|p| serde_json::to_value(self.completion(&p)).unwrap_or(Value::Null)),
            "textDocument/diagnostic" => {
                match serde_json::from_value::<DocumentDiagnosticParams>(params) {
                    Ok(p) => {
                        self.pull_diagnostics(id, p.text_document.uri);
                        return;
                    }
                    Err(err) => Err(err),
                }
            }
            _ => {
                self.send(Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("prr lsp does not handle {method}"),
                ));
                return;
            }
        };
        self.send(match result {
            Ok(value) => Response::new_ok(id, value),
            Err(err) => Response::new_err(id, ErrorCode::InvalidParams as i32, err.to_string()),
        });
    }

    fn pull_diagnostics(&mut self, id: RequestId, uri: Uri) {
        let Some(doc) = self.docs.get_mut(&uri) else {
            self.answer_pull(id, self.other_diagnostics(&uri));
            return;
        };
        if doc.kind == Kind::Other {
            let items = self.other_diagnostics(&uri);
            self.answer_pull(id, items);
            return;
        }
        if let Some(analysis) = &doc.analysis {
            let items = analysis.diagnostics.clone();
            self.answer_pull(id, items);
            return;
        }
        if doc.due.is_none() && !doc.in_flight {
            doc.due = Some(Instant::now());
        }
        self.pending_pulls.push((id, uri));
    }

    fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let at = &params.text_document_position_params;
        let doc = self.docs.get(&at.text_document.uri)?;
        let analysis = doc.analysis.as_ref()?;
        let rules = analysis.rules.as_ref()?;
        let line = at.position.line;
        let mut ids: Vec<&str> = analysis
            .findings
            .iter()
            .filter(|f| f.range.start.line <= line && line <= f.range.end.line)
            .map(|f| f.rule.as_str())
            .collect();
        ids.dedup();
        if ids.is_empty() {
            // A rule id written in a waiver (`rule = "release.progressive"`).
            let lines = Lines::new(&doc.text, self.encoding);
            let text = lines.line(line as usize);
            let quoted = text.split('"').nth(1).unwrap_or("");
            if text.trim_start().starts_with("rule") && rules.rules.contains_key(quoted) {
                ids.push(quoted);
            }
        }
        let sections: Vec<String> = ids
            .iter()
            .filter_map(|id| {
                let rule = rules.rules.get(*id)?;
                let link = rule
                    .url
                    .as_ref()
                    .map_or_else(String::new, |url| format!(" ([reference]({url}))"));
                Some(format!(
                    "**{id}**: {}\n\nfrom the pack `{}`{link}\n\n```text\n{}```",
                    rule.title, rule.pack, rule.explain
                ))
            })
            .collect();
        if sections.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range: None,
        })
    }

    fn code_actions(&self, params: &CodeActionAt) -> Vec<lsp_types::CodeAction> {
        let uri = &params.text_document.uri;
        let Some(doc) = self.docs.get(uri) else {
            return Vec::new();
        };
        let Some(analysis) = &doc.analysis else {
            return Vec::new();
        };
        let is_toml = doc
            .path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"));
        actions::actions(
            uri,
            &doc.text,
            is_toml,
            analysis,
            params.range,
            self.encoding,
        )
    }

    fn completion(&self, params: &CompletionParams) -> Vec<lsp_types::CompletionItem> {
        let at = &params.text_document_position;
        let Some(doc) = self.docs.get(&at.text_document.uri) else {
            return Vec::new();
        };
        if doc.kind != Kind::Manifest || doc.path.extension().is_none_or(|e| e != "toml") {
            return Vec::new();
        }
        let lines = Lines::new(&doc.text, self.encoding);
        let index = at.position.line as usize;
        let above: Vec<&str> = (0..index.min(lines.count()))
            .map(|i| lines.line(i))
            .collect();
        let cursor = lines.offset(at.position);
        let before = &doc.text[lines.start(index).min(cursor)..cursor];
        let rules = doc.rules.clone();
        let ids: Vec<(&str, &str)> = rules
            .as_ref()
            .map(|r| {
                r.rules
                    .iter()
                    .map(|(id, rule)| (id.as_str(), rule.title.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        complete::complete(&self.schema, &above, before, &ids)
    }
}
