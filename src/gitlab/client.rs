//! The HTTP side: hyper's client with rustls (the stack the Prometheus source and octocrab
//! already build on), GitLab's `PRIVATE-TOKEN` header, JSON in and out.
//!
//! Retries are for the answers GitLab documents as passing: 429 (its rate limits, waiting
//! at least `Retry-After`) and 5xx. Everything else (401, 403, 404, 422, a connection
//! refused, a redirect) is an answer that another attempt would only repeat. A redirect is
//! never followed: the token would go wherever it points.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::{redact, Error};

/// The whole publication, retries and waits included, ends within this unless
/// `PRR_GITLAB_TIMEOUT` (seconds) says otherwise: a gate must not hang a pipeline.
const DEFAULT_TOTAL: Duration = Duration::from_secs(60);
/// The first retry waits at least this long, then twice as long each time
/// (`PRR_GITLAB_BACKOFF_MS`).
const DEFAULT_BACKOFF: Duration = Duration::from_millis(1000);
/// One request, connection and body included, may take at most this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Attempts per request, the first included.
const MAX_ATTEMPTS: u32 = 5;
/// Pages followed (100 items each): a bound, not an expectation.
pub const MAX_PAGES: u32 = 100;
/// The largest answer read: a page of 100 notes of GitLab's longest (1,000,000
/// characters) would be more, but prr's own notes are far shorter, and an answer past this
/// is refused before it fills memory.
const MAX_BODY: u64 = 32 * 1024 * 1024;

type Connector = HttpsConnector<HttpConnector>;

/// How long to wait and allow, from the environment (tests shorten the backoff).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub total: Duration,
    pub backoff: Duration,
}

impl Timing {
    #[must_use]
    pub fn from_env() -> Self {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Self {
            total: number("PRR_GITLAB_TIMEOUT").map_or(DEFAULT_TOTAL, Duration::from_secs),
            backoff: number("PRR_GITLAB_BACKOFF_MS").map_or(DEFAULT_BACKOFF, Duration::from_millis),
        }
    }
}

/// An answer with a 2xx status.
#[derive(Debug)]
pub struct Response {
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

    /// The next page's number (`x-next-page`; empty on the last page).
    fn next_page(&self) -> Option<u32> {
        self.headers
            .get("x-next-page")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    }
}

/// One attempt's failure.
enum Failure {
    /// Worth another attempt after at least `wait`.
    Retry {
        wait: Duration,
        why: String,
    },
    Fatal(Error),
}

/// A client for one GitLab instance's REST API v4.
pub struct Client {
    http: HttpClient<Connector, Full<Bytes>>,
    /// `https://gitlab.example.com/api/v4`, no trailing slash.
    base: String,
    token: HeaderValue,
    deadline: Instant,
    backoff: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the API at `api_url` (`CI_API_V4_URL`) with `token`. Must run inside a
    /// tokio runtime.
    ///
    /// # Errors
    /// The URL is not an http(s) URL, the token cannot be a header, or the system's root
    /// certificates cannot be read.
    pub fn new(api_url: &str, token: &str, timing: Timing) -> Result<Self, Error> {
        let base = api_url.trim().trim_end_matches('/').to_owned();
        let uri: Uri = base
            .parse()
            .map_err(|_| Error::Context(format!("CI_API_V4_URL `{base}` is not a URL")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
            return Err(Error::Context(format!(
                "CI_API_V4_URL `{base}` is not an http(s) URL with a host"
            )));
        }
        let mut token = HeaderValue::from_str(token.trim()).map_err(|_| {
            Error::Context("PRR_GITLAB_TOKEN holds characters no token has (a newline?)".to_owned())
        })?;
        token.set_sensitive(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|err| {
                Error::Context(format!("cannot read the system's root certificates: {err}"))
            })?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            http: HttpClient::builder(TokioExecutor::new()).build(connector),
            base,
            token,
            deadline: Instant::now() + timing.total,
            backoff: timing.backoff,
        })
    }

    /// One attempt, classified.
    async fn once(
        &self,
        what: &str,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Failure> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Failure::Fatal(Error::Transport {
                what: what.to_owned(),
                message: "out of time (PRR_GITLAB_TIMEOUT)".to_owned(),
            }));
        }
        let mut request = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("prr-gate/", env!("CARGO_PKG_VERSION")),
            )
            .header("PRIVATE-TOKEN", self.token.clone());
        let bytes = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(bytes)).map_err(|_| {
            Failure::Fatal(Error::Context(format!(
                "{what}: cannot build the request (the URL?)"
            )))
        })?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|err| redact(&error_chain(&err)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let text = crate::github::client::read_capped(
                response.into_body(),
                &headers,
                MAX_BODY,
                "the GitLab client's cap",
            )
            .await?;
            Ok::<_, String>((status, headers, text))
        };
        let (status, headers, text) =
            match tokio::time::timeout(remaining.min(REQUEST_TIMEOUT), exchange).await {
                Err(_) => {
                    return Err(Failure::Fatal(Error::Transport {
                        what: what.to_owned(),
                        message: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
                    }))
                }
                Ok(Err(message)) => {
                    return Err(Failure::Fatal(Error::Transport {
                        what: what.to_owned(),
                        message,
                    }))
                }
                Ok(Ok(answer)) => answer,
            };
        if status.is_success() {
            return Ok(Response {
                headers,
                body: text,
            });
        }
        Err(classify(what, status, &headers, &text))
    }

    /// A request retried on 429 and 5xx within the time allowed. Only for requests that may
    /// safely run twice (GET, and PUT with a whole body).
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
                Err(Failure::Retry { wait, why }) => {
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
                Err(Failure::Retry { wait, why }) => {
                    attempt += 1;
                    self.pause(what, attempt, wait, why).await?;
                    if let Some(id) = existing().await? {
                        return Ok(Created::Existing(id));
                    }
                }
            }
        }
    }

    /// Every item of a paginated list (`per_page=100`, following `x-next-page`), until
    /// `visit` finds what it looks for.
    ///
    /// # Errors
    /// A page cannot be had, or is not a JSON array.
    pub async fn find_in_pages<R>(
        &self,
        what: &str,
        path: &str,
        mut visit: impl FnMut(&[Value]) -> Option<R>,
    ) -> Result<Option<R>, Error> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut page = Some(1);
        while let Some(number) = page.take() {
            let response = self
                .request(
                    what,
                    &Method::GET,
                    &format!("{path}{separator}per_page=100&page={number}"),
                    None,
                )
                .await?;
            let Value::Array(items) = response.json(what)? else {
                return Err(Error::Response {
                    what: what.to_owned(),
                    message: "expected a list".to_owned(),
                });
            };
            if let Some(found) = visit(&items) {
                return Ok(Some(found));
            }
            page = response
                .next_page()
                .filter(|next| *next > number && *next <= MAX_PAGES);
        }
        Ok(None)
    }

    /// Waits before attempt `attempt + 1`, or gives up when attempts or time run out.
    async fn pause(
        &self,
        what: &str,
        attempt: u32,
        wait: Duration,
        why: String,
    ) -> Result<(), Error> {
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

/// Whether a create, retried, made a new object or found the one an earlier attempt made.
#[derive(Debug)]
pub enum Created {
    New(Response),
    Existing(u64),
}

/// Sorts a failed answer into retry-after-a-wait or fatal.
fn classify(what: &str, status: StatusCode, headers: &HeaderMap, body: &str) -> Failure {
    let message = redact(&gitlab_message(body));
    let what = what.to_owned();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let seconds = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        return Failure::Retry {
            // Without Retry-After GitLab's own advice is to wait a minute.
            wait: Duration::from_secs(seconds.unwrap_or(60)),
            why: match seconds {
                Some(s) => format!("rate limited (429), Retry-After {s}s: {message}"),
                None => format!("rate limited (429): {message}"),
            },
        };
    }
    if status.is_server_error() {
        return Failure::Retry {
            wait: Duration::ZERO,
            why: format!("GitLab answered {status}: {message}"),
        };
    }
    Failure::Fatal(match status.as_u16() {
        401 => Error::Unauthorized { what, message },
        403 => Error::Forbidden { what, message },
        404 => Error::NotFound { what, message },
        code if status.is_redirection() => Error::Status {
            what,
            status: code,
            message: "a redirect, not followed (CI_API_V4_URL should point at the API itself)"
                .to_owned(),
        },
        code => Error::Status {
            what,
            status: code,
            message,
        },
    })
}

/// GitLab's error text: `message` (a string, or an object of field errors), `error` with
/// `error_description`, or the start of a body that is not JSON.
fn gitlab_message(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(json) => match (json.get("message"), json.get("error")) {
            (Some(Value::String(message)), _) => message.clone(),
            (Some(message), _) => message.to_string(),
            (None, Some(error)) => {
                let error = error
                    .as_str()
                    .map_or_else(|| error.to_string(), str::to_owned);
                match json.get("error_description").and_then(Value::as_str) {
                    Some(description) => format!("{error}: {description}"),
                    None => error,
                }
            }
            (None, None) => "no message".to_owned(),
        },
        Err(_) => body.to_owned(),
    };
    crate::source::one_line(&text)
}

/// An error and its sources, one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("cannot reach GitLab: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_server_errors_wait_and_the_rest_do_not() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert!(matches!(
            classify("x", StatusCode::TOO_MANY_REQUESTS, &headers, "{}"),
            Failure::Retry { wait, .. } if wait == Duration::from_secs(7)
        ));
        assert!(matches!(
            classify("x", StatusCode::BAD_GATEWAY, &HeaderMap::new(), "<html>"),
            Failure::Retry { .. }
        ));
        for (status, kind) in [(401, "401"), (403, "403"), (404, "404"), (422, "422")] {
            let status = StatusCode::from_u16(status).unwrap();
            match classify("x", status, &HeaderMap::new(), r#"{"message":"no"}"#) {
                Failure::Fatal(err) => assert!(err.to_string().contains(kind), "{err}"),
                Failure::Retry { .. } => panic!("{status} is retried"),
            }
        }
    }

    #[test]
    fn gitlab_error_bodies_are_read_in_their_three_shapes() {
        assert_eq!(
            gitlab_message(r#"{"message":"404 Not found"}"#),
            "404 Not found"
        );
        assert_eq!(
            gitlab_message(r#"{"message":{"body":["is too long"]}}"#),
            r#"{"body":["is too long"]}"#
        );
        assert_eq!(
            gitlab_message(r#"{"error":"insufficient_scope","error_description":"needs api"}"#),
            "insufficient_scope: needs api"
        );
        assert_eq!(gitlab_message("<html>\n oops"), "<html> oops");
    }
}
