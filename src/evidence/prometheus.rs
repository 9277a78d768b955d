//! Prometheus as a source of evidence: any server with the Prometheus HTTP API (Prometheus,
//! Thanos, Mimir, VictoriaMetrics). The pack configures it (`[source.prometheus]`), never
//! the manifest: a pull request must not be able to point the gate at a server it runs.
//!
//! Two calls: `GET /api/v1/rules?type=alert` (every alerting rule and its `runbook_url`
//! annotation) and `GET /api/v1/query` (an instant query, evaluated now: `--as-of` does not
//! move live data). "Now" is one instant per run, taken once and sent as the `time`
//! parameter of every query, so that the good and total counts, the burn rates and the
//! coverage of one SLO describe the same moment however the requests are scheduled. Every fault is a value with the source and the reason, shown as "could
//! not verify: prometheus at http://127.0.0.1:9090: HTTP 503"; never a panic, never a pass.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Request, StatusCode, Uri};
use http_body_util::Empty;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use crate::facts::prometheus::asked_queries;
pub use crate::facts::prometheus::queries_of;
pub use crate::facts::prometheus::{sli_queries, Events, SliQuery};
pub use crate::facts::prometheus::{AlertRule, Answer, Readings, Sample};
use crate::facts::{Gathered, Unavailable};
use crate::manifest::Manifest;
pub use crate::rules::sources::PrometheusSource as SourceDef;

/// The environment variable that holds the server's URL unless the pack names another.
pub const DEFAULT_URL_ENV: &str = "PRR_PROMETHEUS_URL";
/// One request, connection and body included, may take at most this long unless the pack
/// says otherwise (`timeout_ms`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read. The rules of a large organisation's Prometheus run to a few
/// megabytes; anything far beyond is no answer prr asked for, and is refused before it fills
/// memory.
const MAX_BODY: u64 = 32 * 1024 * 1024;

/// A bearer token: kept out of every `Debug`, message and log.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    #[must_use]
    pub fn new(token: String) -> Self {
        Self(token)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where the server is and how to ask it, resolved from the pack, the environment and
/// `--prometheus`.
#[derive(Clone, Debug)]
pub struct Config {
    /// The base URL, as configured (it may carry a path prefix).
    pub url: String,
    pub token: Option<Token>,
    pub timeout: Duration,
}

impl Config {
    /// The server as the pack and the environment configure it: `None` when the pack has no
    /// `[source.prometheus]`, or its URL variable is unset or empty and `--prometheus` gives
    /// none. `flag` (`--prometheus URL`) overrides the URL; the token still comes from the
    /// pack's `token_env`.
    #[must_use]
    pub fn resolve(def: Option<&SourceDef>, flag: Option<&str>) -> Option<Self> {
        let env = super::setting_from_env;
        let url = match flag {
            Some(url) => url.trim().to_owned(),
            None => env(def?.url_env.as_deref().unwrap_or(DEFAULT_URL_ENV))?,
        };
        let token = def
            .and_then(|def| def.token_env.as_deref())
            .and_then(env)
            .map(Token);
        let timeout = def
            .and_then(|def| def.timeout_ms)
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        Some(Self {
            url,
            token,
            timeout,
        })
    }
}

/// Why the server gave no usable answer (a timeout, 5xx, nonsense, a redirect, no
/// connection). Never holds a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault(pub String);

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Connector = HttpsConnector<HttpConnector>;

/// A client for one server; a clone shares its connections.
#[derive(Clone)]
pub struct Client {
    http: HttpClient<Connector, Empty<Bytes>>,
    /// The base URL's scheme and authority, credentials left out.
    scheme: String,
    authority: String,
    /// The base URL's path, without a trailing `/` (`""` at the root).
    prefix: String,
    authorization: Option<HeaderValue>,
    /// The media type asked for.
    accept: &'static str,
    timeout: Duration,
    /// How people know the server: `prometheus at http://127.0.0.1:9090`.
    shown: String,
}

/// What differs between the HTTP APIs this client speaks: the name shown, how a token is
/// sent, and the media type asked for.
#[derive(Clone, Copy, Debug)]
pub struct Api {
    /// `prometheus`, `pagerduty`: the start of every fault's source.
    pub name: &'static str,
    /// The `Authorization` value of a token (`Bearer TOKEN`).
    pub authorization: fn(&str) -> String,
    pub accept: &'static str,
}

/// The Prometheus HTTP API.
pub const PROMETHEUS: Api = Api {
    name: "prometheus",
    authorization: |token| format!("Bearer {token}"),
    accept: "application/json",
};

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.shown)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the server `config` names. Builds no connection yet.
    ///
    /// # Errors
    /// The URL is not an http(s) URL, the token cannot be a header, or the system's root
    /// certificates cannot be read.
    pub fn new(config: &Config) -> Result<Self, Fault> {
        Self::for_api(config, PROMETHEUS)
    }

    /// A client for another HTTP API on the same stack (no redirects, capped bodies, one
    /// timeout per request).
    ///
    /// # Errors
    /// As [`Client::new`].
    pub fn for_api(config: &Config, api: Api) -> Result<Self, Fault> {
        let uri: Uri = config.url.parse().map_err(|_| {
            Fault(format!(
                "`{}` is not a URL",
                shown_url(&config.url).unwrap_or_else(|| "the configured URL".to_owned())
            ))
        })?;
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(Fault(
                "the URL must start with http:// or https://".to_owned(),
            ));
        }
        let Some(authority) = uri.authority() else {
            return Err(Fault("the URL names no host".to_owned()));
        };
        // `user:password@host`: kept out of what is shown, sent as basic authentication.
        let (userinfo, host) = match authority.as_str().rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo.to_owned()), host.to_owned()),
            None => (None, authority.as_str().to_owned()),
        };
        let prefix = uri.path().trim_end_matches('/').to_owned();
        let authorization = match (&config.token, userinfo) {
            (Some(token), _) => Some(sensitive(&(api.authorization)(&token.0))?),
            (None, Some(userinfo)) => {
                let decoded = percent_encoding::percent_decode_str(&userinfo).decode_utf8_lossy();
                let encoded = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    decoded.as_bytes(),
                );
                Some(sensitive(&format!("Basic {encoded}"))?)
            }
            (None, None) => None,
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|err| Fault(format!("cannot read the system's root certificates: {err}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let http = HttpClient::builder(TokioExecutor::new()).build(connector);
        let shown = format!("{} at {scheme}://{host}{prefix}", api.name);
        Ok(Self {
            http,
            scheme,
            authority: authority.as_str().to_owned(),
            prefix,
            authorization,
            accept: api.accept,
            timeout: config.timeout,
            shown,
        })
    }

    /// How people know this server (`prometheus at http://127.0.0.1:9090`), credentials
    /// left out: the `source` of every "could not verify".
    #[must_use]
    pub fn source(&self) -> &str {
        &self.shown
    }

    /// Every alerting rule the server has loaded, by name (`GET /api/v1/rules?type=alert`).
    ///
    /// # Errors
    /// The server gave no usable answer.
    pub async fn alert_rules(&self) -> Result<BTreeMap<String, AlertRule>, Fault> {
        let (status, body) = self.get("/api/v1/rules?type=alert").await?;
        if status != StatusCode::OK {
            return Err(status_fault(status, &body));
        }
        let answer: Envelope<RulesData> = parse(&body)?;
        let data = answer.data.ok_or_else(|| {
            Fault(error_text(
                answer.error.as_deref(),
                "the answer holds no data",
            ))
        })?;
        let mut rules = BTreeMap::new();
        for rule in data.groups.into_iter().flat_map(|group| group.rules) {
            // `type=alert` filters on the server; an older server ignores the parameter and
            // sends recording rules too.
            if rule.kind == "alerting" {
                let runbook_url = rule.annotations.get("runbook_url").cloned();
                rules.insert(rule.name, AlertRule { runbook_url });
            }
        }
        Ok(rules)
    }

    /// An instant query, evaluated when the server receives it (`GET /api/v1/query`).
    ///
    /// # Errors
    /// The server gave no usable answer (a refused query is an [`Answer::Rejected`]).
    pub async fn query(&self, promql: &str) -> Result<Answer, Fault> {
        self.query_at(promql, None).await
    }

    /// An instant query evaluated at `at` (the API's `time` parameter), or when the server
    /// receives it.
    ///
    /// # Errors
    /// The server gave no usable answer (a refused query is an [`Answer::Rejected`]).
    pub async fn query_at(
        &self,
        promql: &str,
        at: Option<jiff::Timestamp>,
    ) -> Result<Answer, Fault> {
        let mut path = format!(
            "/api/v1/query?query={}",
            utf8_percent_encode(promql, NON_ALPHANUMERIC)
        );
        if let Some(at) = at {
            path.push_str("&time=");
            path.push_str(&api_time(at));
        }
        let (status, body) = self.get(&path).await?;
        // The API answers a query it cannot parse or run with 400 or 422 and a JSON error.
        if status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY {
            if let Ok(answer) = serde_json::from_str::<Envelope<serde_json::Value>>(&body) {
                if answer.status == "error" {
                    return Ok(Answer::Rejected(error_text(
                        answer.error.as_deref(),
                        "the query was refused",
                    )));
                }
            }
        }
        if status != StatusCode::OK {
            return Err(status_fault(status, &body));
        }
        let answer: Envelope<QueryData> = parse(&body)?;
        let data = answer.data.ok_or_else(|| {
            Fault(error_text(
                answer.error.as_deref(),
                "the answer holds no data",
            ))
        })?;
        samples(data).map(Answer::Series)
    }

    /// One GET within the request timeout, its body read up to the cap. A redirect is an
    /// answer like any other: it is never followed, to any host.
    pub(crate) async fn get(&self, path_and_query: &str) -> Result<(StatusCode, String), Fault> {
        let uri = format!(
            "{}://{}{}{}",
            self.scheme, self.authority, self.prefix, path_and_query
        );
        let mut request = Request::get(uri.as_str());
        request = request.header(header::ACCEPT, self.accept);
        request = request.header(
            header::USER_AGENT,
            concat!("prr-gate/", env!("CARGO_PKG_VERSION")),
        );
        if let Some(value) = &self.authorization {
            request = request.header(header::AUTHORIZATION, value.clone());
        }
        let request = request
            .body(Empty::new())
            .map_err(|_| Fault("cannot build the request (the URL?)".to_owned()))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|err| Fault(connect_text(&err)))?;
            let status = response.status();
            let headers = response.headers().clone();
            if status.is_redirection() {
                return Err(redirect_fault(status, &headers));
            }
            let body = crate::github::client::read_capped(
                response.into_body(),
                &headers,
                MAX_BODY,
                "the evidence stage's cap",
            )
            .await
            .map_err(Fault)?;
            Ok((status, body))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Fault(format!(
                "no answer within {} s",
                self.timeout.as_secs_f64()
            ))),
        }
    }
}

/// Now, to the millisecond: the instant the queries are sent with is the one reports show.
fn now_to_the_millisecond() -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

/// An instant as the API's `time` parameter takes it: seconds since the epoch, to the
/// millisecond (`1764000000.250`).
#[must_use]
pub fn api_time(at: jiff::Timestamp) -> String {
    let millis = at.as_millisecond();
    format!("{}.{:03}", millis.div_euclid(1000), millis.rem_euclid(1000))
}

/// A header value that HTTP/2 tables and debug output keep to themselves.
fn sensitive(value: &str) -> Result<HeaderValue, Fault> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Fault("the token holds characters no header can carry (a newline?)".to_owned())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A URL as it may be shown: scheme, host and path, without credentials or query.
#[must_use]
pub fn shown_url(url: &str) -> Option<String> {
    let uri: Uri = url.trim().parse().ok()?;
    let authority = uri.authority()?.as_str();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    Some(format!(
        "{}://{host}{}",
        uri.scheme_str()?,
        uri.path().trim_end_matches('/')
    ))
}

/// The chain of a transport error, from the outside in ("client error (Connect): tcp connect
/// error: Connection refused (os error 111)").
fn connect_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("cannot reach the server: {err}");
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn redirect_fault(status: StatusCode, headers: &http::HeaderMap) -> Fault {
    let target = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| {
            location
                .parse::<Uri>()
                .ok()
                .and_then(|uri| uri.host().map(str::to_owned))
        });
    Fault(match target {
        Some(host) => format!(
            "HTTP {}: a redirect to {host}, not followed (point the URL at the API itself)",
            status.as_u16()
        ),
        None => format!(
            "HTTP {}: a redirect, not followed (point the URL at the API itself)",
            status.as_u16()
        ),
    })
}

/// A status other than 200: the code, and the API's error text when it sent one.
fn status_fault(status: StatusCode, body: &str) -> Fault {
    let detail = serde_json::from_str::<Envelope<serde_json::Value>>(body)
        .ok()
        .and_then(|answer| answer.error)
        .map(|error| format!(": {}", one_line(&error)))
        .unwrap_or_default();
    Fault(format!("HTTP {}{detail}", status.as_u16()))
}

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<Envelope<T>, Fault> {
    let answer: Envelope<T> = serde_json::from_str(body).map_err(|err| {
        Fault(format!(
            "the answer is not the Prometheus API's JSON ({err})"
        ))
    })?;
    if answer.status != "success" {
        return Err(Fault(error_text(
            answer.error.as_deref(),
            &format!("the answer's status is `{}`", one_line(&answer.status)),
        )));
    }
    Ok(answer)
}

fn error_text(error: Option<&str>, otherwise: &str) -> String {
    error.map_or_else(|| otherwise.to_owned(), one_line)
}

pub(crate) use crate::source::one_line;

/// The series of a query's `data`: a vector's samples, or a scalar as one unlabelled series.
fn samples(data: QueryData) -> Result<Vec<Sample>, Fault> {
    let value = |pair: &(serde_json::Value, String)| {
        pair.1.parse::<f64>().map_err(|_| {
            Fault(format!(
                "a sample's value `{}` is not a number",
                one_line(&pair.1)
            ))
        })
    };
    match data.result_type.as_str() {
        "vector" => {
            let series: Vec<VectorSample> = serde_json::from_value(data.result).map_err(|err| {
                Fault(format!(
                    "the answer is not the Prometheus API's JSON ({err})"
                ))
            })?;
            series
                .into_iter()
                .map(|s| {
                    Ok(Sample {
                        value: value(&s.value)?,
                        labels: s.metric,
                    })
                })
                .collect()
        }
        "scalar" => {
            let pair: (serde_json::Value, String) =
                serde_json::from_value(data.result).map_err(|err| {
                    Fault(format!(
                        "the answer is not the Prometheus API's JSON ({err})"
                    ))
                })?;
            Ok(vec![Sample {
                labels: BTreeMap::new(),
                value: value(&pair)?,
            }])
        }
        other => Err(Fault(format!(
            "the query gave a {} where an instant vector was expected",
            one_line(other)
        ))),
    }
}

/// `{"status": "success", "data": ...}` or `{"status": "error", "error": ...}`.
#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RulesData {
    groups: Vec<RuleGroup>,
}

#[derive(Deserialize)]
struct RuleGroup {
    #[serde(default)]
    rules: Vec<RuleEntry>,
}

#[derive(Deserialize)]
struct RuleEntry {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorSample {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: (serde_json::Value, String),
}

/// How many requests run at once: enough to overlap the waits, few enough not to load a
/// shared server.
const CONCURRENCY: usize = 8;

/// Asks the server for its alerting rules and every query of `queries`, concurrently,
/// until `deadline`, each evaluated at the same instant (now). What has not finished by
/// then is unavailable, saying so.
pub async fn gather(
    client: &Client,
    queries: std::collections::BTreeSet<String>,
    deadline: tokio::time::Instant,
    bound: Duration,
) -> Gathering {
    let at = now_to_the_millisecond();
    let some = gather_some(client, true, queries, at, deadline, bound).await;
    let late = crate::facts::unfinished(&some.source, bound);
    Gathering {
        source: some.source,
        at,
        alerts: some.alerts.unwrap_or(Err(late)),
        answers: some.answers,
    }
}

/// What [`gather_some`] brought back: the alerting rules only when asked for.
struct Partial {
    source: String,
    alerts: Option<Result<Arc<BTreeMap<String, AlertRule>>, Unavailable>>,
    answers: BTreeMap<String, Result<Answer, Unavailable>>,
}

async fn gather_some(
    client: &Client,
    want_alerts: bool,
    queries: std::collections::BTreeSet<String>,
    at: jiff::Timestamp,
    deadline: tokio::time::Instant,
    bound: Duration,
) -> Partial {
    enum Done {
        Alerts(Result<BTreeMap<String, AlertRule>, Fault>),
        Query(String, Result<Answer, Fault>),
    }
    let source = client.source().to_owned();
    let unavailable = |fault: Fault| Unavailable::live(source.clone(), fault.0);
    let mut pending = queries.into_iter().collect::<Vec<_>>().into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    if want_alerts {
        let alerts_client = client.clone();
        tasks.spawn(async move { Done::Alerts(alerts_client.alert_rules().await) });
    }
    let mut alerts = None;
    let mut answers = BTreeMap::new();
    let mut asked = Vec::new();
    loop {
        while tasks.len() < CONCURRENCY {
            let Some(query) = pending.next() else { break };
            asked.push(query.clone());
            let client = client.clone();
            tasks.spawn(async move {
                let answer = client.query_at(&query, Some(at)).await;
                Done::Query(query, answer)
            });
        }
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(Done::Alerts(result)))) => {
                alerts = Some(result.map(Arc::new).map_err(unavailable));
            }
            Ok(Some(Ok(Done::Query(query, result)))) => {
                answers.insert(query, result.map_err(unavailable));
            }
            // A task that panicked or was cancelled: its query stays unanswered below.
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => break,
        }
    }
    tasks.abort_all();
    let late = crate::facts::unfinished(&source, bound);
    for query in asked.into_iter().chain(pending) {
        answers.entry(query).or_insert_with(|| Err(late.clone()));
    }
    let alerts = want_alerts.then(|| alerts.unwrap_or(Err(late)));
    Partial {
        source,
        alerts,
        answers,
    }
}

/// What the server said to a whole run: its alerting rules and every query asked.
#[derive(Clone, Debug)]
pub struct Gathering {
    pub source: String,
    /// The instant every query was evaluated at.
    pub at: jiff::Timestamp,
    pub alerts: Result<Arc<BTreeMap<String, AlertRule>>, Unavailable>,
    pub answers: BTreeMap<String, Result<Answer, Unavailable>>,
}

impl Gathering {
    /// The part one manifest's claims need.
    #[must_use]
    pub fn readings(&self, manifest: &Manifest) -> Readings {
        let queries = asked_queries(manifest)
            .into_iter()
            .filter_map(|asked| {
                let answer = self.answers.get(&asked)?.clone();
                Some((asked, answer))
            })
            .collect();
        Readings {
            source: self.source.clone(),
            at: Some(self.at),
            alerts: self.alerts.clone(),
            queries,
        }
    }
}

/// The Prometheus part of a run's evidence stage: the client, asked lazily, one manifest
/// at a time (the judge stage reads manifests one by one), all within the stage's deadline.
/// The alerting rules are read once, with the first manifest that needs them.
pub struct Gatherer {
    state: State,
    /// The pack names a server (`[source.prometheus]`) but its URL variable is unset: on a
    /// pull request the rules are skipped, saying so; on a deploy that is no answer.
    url_missing: bool,
    /// The run's one instant: every query of every manifest is evaluated at it.
    at: jiff::Timestamp,
    alerts: std::sync::OnceLock<Result<Arc<BTreeMap<String, AlertRule>>, Unavailable>>,
}

enum State {
    NotConfigured(String),
    /// Configured, but unusable (a URL that is no URL, no runtime).
    Broken(Unavailable),
    Ready(Box<Ready>),
}

struct Ready {
    client: Client,
    runtime: tokio::runtime::Runtime,
    bound: Duration,
}

impl fmt::Debug for Gatherer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            State::NotConfigured(why) => write!(f, "Gatherer(not configured: {why})"),
            State::Broken(why) => write!(f, "Gatherer({why})"),
            State::Ready(ready) => write!(f, "Gatherer({:?})", ready.client),
        }
    }
}

/// What a rule that needs Prometheus says when none is configured.
pub const NOT_CONFIGURED: &str = "no Prometheus is configured: a pack's `[source.prometheus]` names the environment variable with its URL (`url_env`, default PRR_PROMETHEUS_URL), or `--prometheus URL` gives one for a local run";

impl Gatherer {
    /// No Prometheus: the rules that need it are skipped, saying `why`.
    #[must_use]
    pub fn none(why: &str) -> Self {
        Self {
            state: State::NotConfigured(why.to_owned()),
            url_missing: false,
            at: jiff::Timestamp::now(),
            alerts: std::sync::OnceLock::new(),
        }
    }

    /// The server the pack's `[source.prometheus]` and `--prometheus` name, if any;
    /// `bound` is the evidence stage's total time bound (for the message of what it did
    /// not finish).
    #[must_use]
    pub fn new(def: Option<&SourceDef>, flag: Option<&str>, bound: Duration) -> Self {
        let Some(config) = Config::resolve(def, flag) else {
            let why = match def {
                Some(def) => format!(
                    "no Prometheus URL: {} is not set (the pack's `[source.prometheus]` url_env), and no `--prometheus URL` was given",
                    def.url_env.as_deref().unwrap_or(DEFAULT_URL_ENV)
                ),
                None => NOT_CONFIGURED.to_owned(),
            };
            return Self {
                url_missing: def.is_some(),
                ..Self::none(&why)
            };
        };
        let source = shown_url(&config.url).map_or_else(
            || "prometheus".to_owned(),
            |url| format!("prometheus at {url}"),
        );
        let state = match Client::new(&config) {
            Err(fault) => State::Broken(Unavailable::live(source, fault.0)),
            Ok(client) => match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => State::Ready(Box::new(Ready {
                    client,
                    runtime,
                    bound,
                })),
                Err(err) => State::Broken(Unavailable::live(
                    source,
                    format!("cannot start the HTTP runtime: {err}"),
                )),
            },
        };
        Self {
            state,
            url_missing: false,
            // Taken once per run, before any manifest is judged.
            at: now_to_the_millisecond(),
            alerts: std::sync::OnceLock::new(),
        }
    }

    /// The same server for a deploy when `deploy`: a pack that names a Prometheus whose URL
    /// variable is unset gives no answer, not no source, so a deploy pipeline that lost its
    /// secret fails closed (decision 18) instead of skipping the budget.
    #[must_use]
    pub fn deploying(self, deploy: bool) -> Self {
        match self.state {
            State::NotConfigured(why) if deploy && self.url_missing => Self {
                state: State::Broken(Unavailable::live("prometheus", why)),
                ..self
            },
            _ => self,
        }
    }

    /// The facts one manifest's claims need, asked before `deadline`. A manifest that
    /// claims nothing Prometheus could check costs no request.
    #[must_use]
    pub fn facts(&self, manifest: &Manifest, deadline: std::time::Instant) -> Gathered<Readings> {
        let (client, runtime, bound) = match &self.state {
            State::NotConfigured(why) => return Gathered::NotConfigured(why.clone()),
            State::Broken(why) => return Gathered::Unavailable(why.clone()),
            State::Ready(ready) => (&ready.client, &ready.runtime, ready.bound),
        };
        let queries = queries_of([manifest]);
        let names_alerts = manifest.root.pointer("monitoring.alerts").is_some();
        if queries.is_empty() && !names_alerts {
            return Gathered::NotConfigured(
                "the manifest claims nothing Prometheus holds".to_owned(),
            );
        }
        let deadline = tokio::time::Instant::from_std(deadline);
        let known_alerts = self.alerts.get().cloned();
        let want_alerts = names_alerts && known_alerts.is_none();
        let gathering = runtime.block_on(gather_some(
            client,
            want_alerts,
            queries,
            self.at,
            deadline,
            bound,
        ));
        let alerts = match (known_alerts, gathering.alerts) {
            (Some(known), _) => known,
            (None, Some(fresh)) => {
                // A list cut short by the deadline is not kept: a later manifest gets none
                // either way, since the deadline has passed.
                self.alerts.get_or_init(|| fresh).clone()
            }
            (None, None) => Err(Unavailable::live(
                gathering.source.clone(),
                "the alerting rules were not asked",
            )),
        };
        Gathered::Known(Readings {
            source: gathering.source,
            at: Some(self.at),
            alerts,
            queries: gathering.answers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::prometheus::{duration, fill};

    #[test]
    fn the_window_is_filled_as_a_promql_duration() {
        assert_eq!(duration(28.0), "28d");
        assert_eq!(duration(7.0), "7d");
        // month, quarter and year as prr counts them (30.4375, 91.3125, 365.25 days)
        assert_eq!(duration(30.4375), "43830m");
        assert_eq!(duration(91.3125), "131490m");
        assert_eq!(duration(365.25), "525960m");
        assert_eq!(
            fill(
                "sum(increase(x[{{window}}])) / sum(increase(y[{{window}}]))",
                28.0
            ),
            "sum(increase(x[28d])) / sum(increase(y[28d]))"
        );
    }

    #[test]
    fn sli_queries_are_read_with_their_windows() {
        let manifest = Manifest::from_text(
            "prr.toml",
            r#"
[[slo]]
name = "availability"
window = "month"
[slo.sli]
good = 'sum(increase(ok[{{window}}]))'
total = 'sum(increase(all[{{window}}]))'

[[slo]]
name = "latency"
window = "28d"

[[slo]]
name = "no window"
[slo.sli]
good = 'a[{{window}}]'
total = 'b[{{window}}]'
"#,
        )
        .unwrap();
        let queries = sli_queries(&manifest);
        let asked: Vec<(usize, Option<&str>)> = queries
            .iter()
            .map(|q| (q.slo, q.asked.as_deref()))
            .collect();
        assert_eq!(
            asked,
            [
                (0, Some("sum(increase(ok[43830m]))")),
                (0, Some("sum(increase(all[43830m]))")),
                (2, None),
                (2, None)
            ]
        );
        // Good and total over the window, both together over the window, 1 h and 6 h,
        // and four looks at the data's coverage (28, 2, 0.14 and 0.01 days).
        assert_eq!(queries_of([&manifest]).len(), 9);
    }

    #[test]
    fn a_url_is_shown_without_its_credentials() {
        assert_eq!(
            shown_url("https://user:secret@prom.acme.dev/thanos/?x=1").as_deref(),
            Some("https://prom.acme.dev/thanos")
        );
        assert_eq!(
            shown_url("http://127.0.0.1:9090").as_deref(),
            Some("http://127.0.0.1:9090")
        );
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let config = Config {
            url: "http://127.0.0.1:9".to_owned(),
            token: Some(Token::new("s3cr3t-token-value".to_owned())),
            timeout: DEFAULT_TIMEOUT,
        };
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let client = Client::new(&config).map_err(|f| f.0);
        assert!(!format!("{client:?}").contains("s3cr3t"));
    }

    #[test]
    fn the_api_answers_are_read() {
        let vector: Envelope<QueryData> = parse(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"pay"},"value":[1.5,"0.999"]}]}}"#,
        )
        .map_err(|f| f.0)
        .unwrap();
        let series = samples(vector.data.unwrap()).unwrap();
        assert_eq!(series.len(), 1);
        assert!((series[0].value - 0.999).abs() < 1e-12);
        assert_eq!(series[0].labels.get("job").map(String::as_str), Some("pay"));

        let scalar: Envelope<QueryData> =
            parse(r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"NaN"]}}"#)
                .map_err(|f| f.0)
                .unwrap();
        assert!(samples(scalar.data.unwrap()).unwrap()[0].value.is_nan());

        let nonsense = parse::<QueryData>("<html>oops</html>").err().unwrap();
        assert!(nonsense
            .0
            .starts_with("the answer is not the Prometheus API's JSON"));
        let matrix: Envelope<QueryData> =
            parse(r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
                .map_err(|f| f.0)
                .unwrap();
        assert!(samples(matrix.data.unwrap()).is_err());
    }

    #[test]
    fn a_config_comes_from_the_pack_and_the_flag() {
        assert!(Config::resolve(None, None).is_none());
        let flag = Config::resolve(None, Some("http://127.0.0.1:9090")).unwrap();
        assert_eq!(flag.url, "http://127.0.0.1:9090");
        assert_eq!(flag.timeout, DEFAULT_TIMEOUT);
        let def = SourceDef {
            url_env: Some("PRR_TEST_PROMETHEUS_URL_UNSET_NOWHERE".to_owned()),
            token_env: None,
            timeout_ms: Some(250),
        };
        assert!(Config::resolve(Some(&def), None).is_none());
        let both = Config::resolve(Some(&def), Some("http://127.0.0.1:1")).unwrap();
        assert_eq!(both.timeout, Duration::from_millis(250));
    }
}
