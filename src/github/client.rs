//! The HTTP side: octocrab as the transport (base URI, bearer token, rustls), with our own
//! retry loop around its raw `_get`/`_post`/`_patch` calls. Octocrab's typed calls turn an
//! error response into a `GitHubError` without its headers, and `retry-after` and
//! `x-ratelimit-reset` live in the headers; so every call here goes through the raw methods
//! and the retry decisions are made on the status and headers ourselves.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde_json::Value;

use super::{redact, Error};

/// The whole publication, all retries and waits included, ends within this unless
/// `PRR_GITHUB_TIMEOUT` (seconds) says otherwise: a gate must not hang a pipeline.
const DEFAULT_TOTAL: Duration = Duration::from_secs(60);
/// The first retry waits this long, then twice as long each time (`PRR_GITHUB_BACKOFF_MS`).
const DEFAULT_BACKOFF: Duration = Duration::from_millis(1000);
/// One request, connection included, may take at most this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// A TCP and TLS handshake with a reachable API takes milliseconds; a host that has not
/// answered one in this long is unreachable (an unroutable address, a firewall that drops
/// packets), and is not asked again.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per request, the first included.
const MAX_ATTEMPTS: u32 = 6;
/// Pages followed through `Link: rel="next"` (100 items each): a bound, not an expectation.
const MAX_PAGES: usize = 100;
/// The largest answer read, unless `PRR_GITHUB_MAX_BODY_BYTES` says otherwise. The largest
/// GitHub sends prr is a page of 100 comments of at most 65,536 characters each (up to
/// four bytes a character); a larger answer is no answer prr asked for, and is refused
/// before it fills memory.
const DEFAULT_MAX_BODY: u64 = 32 * 1024 * 1024;

/// The cap on one answer's body, in bytes.
fn max_body_bytes() -> u64 {
    std::env::var("PRR_GITHUB_MAX_BODY_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_MAX_BODY)
}

/// An answer GitHub gave, with a 2xx status.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    /// The body as JSON.
    ///
    /// # Errors
    /// The body is not JSON.
    pub fn json(&self, what: &str) -> Result<Value, Error> {
        serde_json::from_str(&self.body).map_err(|err| Error::Response {
            what: what.to_owned(),
            message: format!("the answer is not JSON: {err}"),
        })
    }
}

/// What went wrong with one attempt.
#[derive(Debug)]
pub enum Failure {
    /// Worth another attempt after `wait` (5xx, a timeout, a rate limit). `too_slow`: the
    /// request took too long, by our clock or GitHub's (502 and 504 are how GitHub says a
    /// query ran out of time), so a lighter request may succeed where the same one did not.
    Retry {
        wait: Duration,
        why: String,
        too_slow: bool,
    },
    /// Another attempt would fail the same way.
    Fatal(Error),
}

/// Whether a create, retried, made a new object or found the one an earlier attempt made.
#[derive(Debug)]
pub enum Created {
    New(Response),
    Existing(u64),
}

pub struct Client {
    octo: Octocrab,
    /// The API's authority (`api.github.com`, `ghes.acme.dev`): a `next` link elsewhere is
    /// not followed.
    authority: String,
    deadline: Instant,
    backoff: Duration,
}

/// How long to wait and allow, from the environment (tests shorten both).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub total: Duration,
    pub backoff: Duration,
}

impl Timing {
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_env_with_total(DEFAULT_TOTAL)
    }

    /// As [`Timing::from_env`], with `total` when `PRR_GITHUB_TIMEOUT` is unset: for a
    /// job longer than a publication (listing a whole organisation).
    #[must_use]
    pub fn from_env_with_total(total: Duration) -> Self {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Self {
            total: number("PRR_GITHUB_TIMEOUT").map_or(total, Duration::from_secs),
            backoff: number("PRR_GITHUB_BACKOFF_MS").map_or(DEFAULT_BACKOFF, Duration::from_millis),
        }
    }
}

impl Client {
    /// A client for the API at `api_url`, authenticated with `token` when given. Must run
    /// inside a tokio runtime (octocrab spawns its buffer worker).
    ///
    /// # Errors
    /// The URL is not a URL, or the token holds characters no token has.
    pub fn new(api_url: &str, token: Option<&str>, timing: Timing) -> Result<Self, Error> {
        let uri: http::Uri = api_url
            .parse()
            .map_err(|_| Error::Context(format!("GITHUB_API_URL `{api_url}` is not a URL")))?;
        let authority = uri
            .authority()
            .map(ToString::to_string)
            .ok_or_else(|| Error::Context(format!("GITHUB_API_URL `{api_url}` names no host")))?;
        let mut builder = Octocrab::builder()
            .base_uri(uri)
            .map_err(|err| Error::Context(redact(&format!("GITHUB_API_URL: {err}"))))?
            // GitHub's recommended media type, and plain JSON for servers that only know
            // the description's (the contract test's mock serves what the OpenAPI file says).
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json, application/json".to_owned(),
            )
            .set_connect_timeout(Some(CONNECT_TIMEOUT))
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .set_write_timeout(Some(REQUEST_TIMEOUT));
        if let Some(token) = token {
            // Octocrab turns the token into a header value and panics on what a header
            // cannot hold; say so instead (never echoing the token).
            if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::Context(
                    "the token holds characters a GitHub token cannot have (whitespace or control characters?)".to_owned(),
                ));
            }
            builder = builder.personal_token(token.to_owned());
        }
        let octo = builder
            .build()
            .map_err(|err| Error::Context(redact(&format!("cannot set up the client: {err}"))))?;
        Ok(Self {
            octo,
            authority,
            deadline: Instant::now() + timing.total,
            backoff: timing.backoff,
        })
    }

    /// One attempt, classified.
    pub async fn once(
        &self,
        what: &str,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Failure> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Failure::Fatal(Error::OutOfTime {
                what: what.to_owned(),
            }));
        }
        let attempt = async {
            let response = match *method {
                Method::POST => self.octo._post(path, body).await,
                Method::PATCH => self.octo._patch(path, body).await,
                _ => self.octo._get(path).await,
            }?;
            let status = response.status();
            let headers = response.headers().clone();
            let text = read_capped(
                response.into_body(),
                &headers,
                max_body_bytes(),
                "PRR_GITHUB_MAX_BODY_BYTES",
            )
            .await;
            Ok::<_, octocrab::Error>((status, headers, text))
        };
        let (status, headers, text) =
            match tokio::time::timeout(remaining.min(REQUEST_TIMEOUT), attempt).await {
                Err(_) => {
                    return Err(Failure::Retry {
                        wait: Duration::ZERO,
                        why: "no answer in time".to_owned(),
                        too_slow: true,
                    })
                }
                Ok(Err(err)) if is_transient(&err) => {
                    return Err(Failure::Retry {
                        wait: Duration::ZERO,
                        why: redact(&error_chain(&err)),
                        too_slow: false,
                    })
                }
                // No DNS answer, a refused connection, a bad certificate: asking again
                // brings the same answer, six times slower.
                Ok(Err(err)) => {
                    return Err(Failure::Fatal(Error::Response {
                        what: what.to_owned(),
                        message: format!("cannot reach the API: {}", redact(&root_cause(&err))),
                    }))
                }
                Ok(Ok((status, headers, Ok(text)))) => (status, headers, text),
                // An answer too large, or not text, is a fault of the server's: fatal,
                // since asking again brings the same answer.
                Ok(Ok((_, _, Err(message)))) => {
                    return Err(Failure::Fatal(Error::Response {
                        what: what.to_owned(),
                        message,
                    }))
                }
            };
        if status.is_success() {
            return Ok(Response {
                status,
                headers,
                body: text,
            });
        }
        Err(classify(what, status, &headers, &text))
    }

    /// A request retried while it fails in a way worth retrying, within the time allowed.
    /// Only for requests that may safely run twice (GET, and PATCH with a whole body).
    ///
    /// # Errors
    /// The last failure, once retrying is no use.
    pub async fn request(
        &self,
        what: &str,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        let mut attempt = 0;
        loop {
            match self.once(what, method, path, body).await {
                Ok(response) => return Ok(response),
                Err(Failure::Fatal(err)) => return Err(err),
                Err(Failure::Retry { wait, why, .. }) => {
                    attempt += 1;
                    self.pause(what, attempt, wait, why).await?;
                }
            }
        }
    }

    /// A POST that creates something, retried without ever making two: before each retry,
    /// `existing` looks for what an attempt whose answer was lost may have made.
    ///
    /// # Errors
    /// The last failure, once retrying is no use, or the look-up's.
    pub async fn create<F, Fut>(
        &self,
        what: &str,
        path: &str,
        body: &Value,
        mut existing: F,
    ) -> Result<Created, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<u64>, Error>>,
    {
        let mut attempt = 0;
        loop {
            match self.once(what, &Method::POST, path, Some(body)).await {
                Ok(response) => return Ok(Created::New(response)),
                Err(Failure::Fatal(err)) => return Err(err),
                Err(Failure::Retry { wait, why, .. }) => {
                    attempt += 1;
                    self.pause(what, attempt, wait, why).await?;
                    if let Some(id) = existing().await? {
                        return Ok(Created::Existing(id));
                    }
                }
            }
        }
    }

    /// Every page of a list, following `Link: rel="next"`, until `visit` finds what it
    /// looks for.
    ///
    /// # Errors
    /// A page cannot be had, or is not a JSON array.
    pub async fn find_in_pages<R>(
        &self,
        what: &str,
        first: &str,
        mut visit: impl FnMut(&[Value]) -> Option<R>,
    ) -> Result<Option<R>, Error> {
        let mut next = Some(first.to_owned());
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            let response = self.request(what, &Method::GET, &path, None).await?;
            let items = match response.json(what)? {
                Value::Array(items) => items,
                _ => {
                    return Err(Error::Response {
                        what: what.to_owned(),
                        message: "expected a list".to_owned(),
                    })
                }
            };
            if let Some(found) = visit(&items) {
                return Ok(Some(found));
            }
            if pages < MAX_PAGES {
                next = next_link(&response.headers, &self.authority);
            }
        }
        Ok(None)
    }

    /// Waits before attempt `attempt + 1`, or gives up when attempts or time run out.
    pub(crate) async fn pause(
        &self,
        what: &str,
        attempt: u32,
        wait: Duration,
        why: String,
    ) -> Result<(), Error> {
        // Exponential backoff, without jitter: one job makes these requests, so there is
        // no herd of clients to spread out.
        let backoff = self.backoff.saturating_mul(1 << (attempt - 1).min(10));
        let wait = wait.max(backoff);
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if attempt >= MAX_ATTEMPTS || wait >= remaining {
            return Err(Error::GaveUp {
                what: what.to_owned(),
                attempts: attempt,
                last: why,
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// The body as text, read a frame at a time and abandoned once it passes `limit` bytes
/// (or at once when `content-length` says it will): an oversize answer is refused without
/// being read whole. `setting` names what sets the limit, for the message. The evidence
/// stage's Prometheus client reads its answers through it too.
pub(crate) async fn read_capped<B>(
    body: B,
    headers: &HeaderMap,
    limit: u64,
    setting: &str,
) -> Result<String, String>
where
    B: http_body_util::BodyExt + Unpin,
    B::Data: AsRef<[u8]>,
    B::Error: std::fmt::Display,
{
    let too_large = |size: &str| {
        format!(
            "the answer is {size}, over the limit of {limit} bytes ({setting}); it was not read"
        )
    };
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(length) = declared.filter(|length| *length > limit) {
        return Err(too_large(&format!("{length} bytes")));
    }
    let mut body = body;
    let mut bytes: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| redact(&format!("the answer broke off: {err}")))?;
        if let Some(data) = frame.data_ref().map(AsRef::as_ref) {
            if (bytes.len() + data.len()) as u64 > limit {
                return Err(too_large("larger than that"));
            }
            bytes.extend_from_slice(data);
        }
    }
    String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8 text".to_owned())
}

/// Whether a request that got no answer can pass on a second try: a connection reset or
/// cut short, or an answer that timed out. A name that does not resolve, a refused or
/// unreachable connection, a handshake that never started in [`CONNECT_TIMEOUT`] and a
/// TLS failure are not: the next attempt meets the same network. Every HTTP client of
/// prr that retries decides with this (and [`is_transient_status`] for answers).
#[must_use]
pub fn is_transient(err: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind;
    let mut connecting = false;
    let mut current = Some(err);
    while let Some(cause) = current {
        if cause
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect)
        {
            connecting = true;
        }
        let text = cause.to_string();
        // hyper-util's resolver says "dns error"; the system's, "failed to lookup address".
        if text.starts_with("dns error") || text.contains("failed to lookup address") {
            return false;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
                | ErrorKind::Interrupted => true,
                ErrorKind::TimedOut => !connecting,
                _ => false,
            };
        }
        current = cause.source();
    }
    // Nothing in the chain says what happened: a connection that was never made stays
    // unmade; one that broke during the exchange may hold next time.
    !connecting
}

/// Whether an answer's status can change on a second try: 5xx (GitHub's 502 and 504 are
/// queries that ran out of time) and 429 (a rate limit, after its wait).
#[must_use]
pub fn is_transient_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// Sorts a failed answer into retry-after-a-wait or fatal.
fn classify(what: &str, status: StatusCode, headers: &HeaderMap, body: &str) -> Failure {
    let message = redact(&github_message(body));
    if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        let limited = status == StatusCode::TOO_MANY_REQUESTS
            || message.to_ascii_lowercase().contains("rate limit");
        if let Some(failure) = rate_limited(&status.to_string(), headers, &message, limited) {
            return failure;
        }
        return Failure::Fatal(Error::Forbidden {
            what: what.to_owned(),
            message,
        });
    }
    if is_transient_status(status) {
        return Failure::Retry {
            wait: Duration::ZERO,
            why: format!("GitHub answered {status}: {message}"),
            too_slow: status == StatusCode::BAD_GATEWAY || status == StatusCode::GATEWAY_TIMEOUT,
        };
    }
    Failure::Fatal(Error::Status {
        what: what.to_owned(),
        status: status.as_u16(),
        message,
    })
}

/// The wait GitHub's rules for rate limits ask for, REST and GraphQL alike: `retry-after`
/// says how long; else, with nothing left, `x-ratelimit-reset` says when (epoch seconds);
/// else, when the answer says it is a (secondary) limit, at least a minute. `None`: the
/// answer is no rate limit. `answer` names it for the message (`403 Forbidden`).
pub(crate) fn rate_limited(
    answer: &str,
    headers: &HeaderMap,
    message: &str,
    says_limited: bool,
) -> Option<Failure> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Failure::Retry {
            wait: Duration::from_secs(seconds),
            why: format!("rate limited ({answer}), retry-after {seconds}s: {message}"),
            too_slow: false,
        });
    }
    if header("x-ratelimit-remaining") == Some("0") {
        if let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            return Some(Failure::Retry {
                // One second more: the reset instant is rounded down to a second.
                wait: Duration::from_secs(reset.saturating_sub(now) + 1),
                why: format!("rate limit used up ({answer}), resets at {reset}: {message}"),
                too_slow: false,
            });
        }
    }
    says_limited.then(|| Failure::Retry {
        wait: Duration::from_secs(60),
        why: format!("rate limited ({answer}): {message}"),
        too_slow: false,
    })
}

/// GitHub's `message` (and each of `errors`), or the start of a body that is not its JSON.
fn github_message(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(json) => {
            let mut text = json
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
                .to_owned();
            if let Some(errors) = json.get("errors").and_then(Value::as_array) {
                for error in errors {
                    let detail = error
                        .get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| error.to_string(), str::to_owned);
                    text.push_str("; ");
                    text.push_str(&detail);
                }
            }
            text
        }
        Err(_) => body.chars().take(200).collect(),
    }
}

/// The innermost two causes of an error, one line (`tcp connect error: Connection
/// refused`): the wrappers above them only repeat that the request failed.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    let from = chain.len().saturating_sub(2);
    chain[from..].join(": ")
}

/// An error and its sources, one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The path and query of the `rel="next"` link, when it points at the same API.
fn next_link(headers: &HeaderMap, authority: &str) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    let target = link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })?;
    let uri: http::Uri = target.parse().ok()?;
    // Octocrab only sends the token to a path on its base URI; a link to another host
    // would go unauthenticated, or leak where it should not: not followed.
    if uri.authority().is_some_and(|a| a.as_str() != authority) {
        return None;
    }
    uri.path_and_query().map(|pq| pq.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others_and_kept_on_the_api_host() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            "<https://api.github.com/repositories/1/issues/2/comments?page=1>; rel=\"prev\", <https://api.github.com/repositories/1/issues/2/comments?page=3>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&headers, "api.github.com").as_deref(),
            Some("/repositories/1/issues/2/comments?page=3")
        );
        assert_eq!(next_link(&headers, "ghes.acme.dev"), None);
    }

    #[test]
    fn only_failures_that_can_pass_on_a_second_try_are_transient() {
        use std::io::{Error as Io, ErrorKind};
        for kind in [
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionAborted,
            ErrorKind::BrokenPipe,
            ErrorKind::UnexpectedEof,
            ErrorKind::TimedOut,
        ] {
            assert!(is_transient(&Io::from(kind)), "{kind:?}");
        }
        for kind in [
            ErrorKind::ConnectionRefused,
            ErrorKind::HostUnreachable,
            ErrorKind::NetworkUnreachable,
            ErrorKind::InvalidData,
        ] {
            assert!(!is_transient(&Io::from(kind)), "{kind:?}");
        }
        let dns = Io::other("dns error: failed to lookup address information");
        assert!(!is_transient(&dns));
        assert!(is_transient_status(StatusCode::BAD_GATEWAY));
        assert!(is_transient_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient_status(StatusCode::NOT_FOUND));
    }

    /// Through the real transport: a refused port and a name that cannot resolve
    /// (`.invalid` never does, RFC 6761) are fatal at the first attempt.
    #[test]
    fn a_refused_port_and_an_unresolvable_name_are_not_retried() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for url in [
            format!("http://127.0.0.1:{port}"),
            "http://api.github.invalid".to_owned(),
        ] {
            let failure = runtime.block_on(async {
                let client = Client::new(
                    &url,
                    None,
                    Timing {
                        total: Duration::from_secs(30),
                        backoff: Duration::from_millis(1),
                    },
                )
                .unwrap();
                client.once("x", &Method::GET, "/", None).await
            });
            match failure {
                Err(Failure::Fatal(Error::Response { message, .. })) => {
                    assert!(message.starts_with("cannot reach the API"), "{message}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn rate_limits_wait_and_other_403s_do_not() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        match classify("x", StatusCode::FORBIDDEN, &headers, "{}") {
            Failure::Retry { wait, .. } => assert_eq!(wait, Duration::from_secs(7)),
            Failure::Fatal(err) => panic!("{err}"),
        }
        let plain = classify(
            "x",
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert!(matches!(plain, Failure::Fatal(Error::Forbidden { .. })));
        let mut used_up = HeaderMap::new();
        used_up.insert("x-ratelimit-remaining", "0".parse().unwrap());
        used_up.insert("x-ratelimit-reset", "0".parse().unwrap());
        assert!(matches!(
            classify("x", StatusCode::FORBIDDEN, &used_up, "{}"),
            Failure::Retry { .. }
        ));
        assert!(matches!(
            classify("x", StatusCode::BAD_GATEWAY, &HeaderMap::new(), "<html>"),
            Failure::Retry { too_slow: true, .. }
        ));
        assert!(matches!(
            classify(
                "x",
                StatusCode::SERVICE_UNAVAILABLE,
                &HeaderMap::new(),
                "{}"
            ),
            Failure::Retry {
                too_slow: false,
                ..
            }
        ));
        assert!(matches!(
            classify("x", StatusCode::NOT_FOUND, &HeaderMap::new(), "{}"),
            Failure::Fatal(Error::Status { status: 404, .. })
        ));
    }
}
