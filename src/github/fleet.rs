//! `prr fleet github:ORG`: every non-archived repository of an organisation with its
//! manifest blobs at the default branch's head, through GitHub's GraphQL API. One query
//! ([`QUERY`], validated against GitHub's published schema in CI) lists 100 repositories
//! and reads both `prr.toml` and `prr.json` of each, so an organisation of 10,000
//! repositories costs about 100 requests where the REST API would need one per file.
//!
//! The listing walks the connection's cursor. A request that fails in a way worth
//! retrying (a 502 or 504, which is how GitHub reports a query that took too long, a 503,
//! a broken connection, a rate limit) is sent again with the same cursor, so the listing
//! resumes where it stopped; after a timeout it asks for half as many repositories, as
//! GitHub advises for queries that run out of time. Any other GraphQL error ends it with
//! the organisation named, never with a fleet that quietly lacks repositories.

use std::time::Duration;

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::client::{self, Client, Failure, Response};
use super::{redact, Error};

/// The query prr sends, kept in its own file so that CI validates this very text.
pub const QUERY: &str = include_str!("fleet.graphql");

/// Repositories per request: the most a GraphQL connection gives.
const PAGE_SIZE: u32 = 100;
/// The fewest asked for after requests that ran out of time: each halves the next
/// attempt's page, and each page that arrives doubles the next, back up to [`PAGE_SIZE`].
const MIN_PAGE_SIZE: u32 = 10;
/// The whole listing, retries and rate-limit waits included, ends within this unless
/// `PRR_GITHUB_TIMEOUT` says otherwise: 10,000 repositories take about 100 requests of a
/// few seconds each on github.com.
const DEFAULT_TOTAL: Duration = Duration::from_secs(30 * 60);
/// Pages followed (100 repositories each): a bound against a server whose listing never
/// ends, not an expectation.
const MAX_PAGES: usize = 5_000;
/// Repositories listed in all, unless `PRR_FLEET_MAX_REPOSITORIES` says otherwise: well
/// above the largest organisations, and a bound on what a broken or hostile endpoint can
/// make prr hold and judge.
const DEFAULT_MAX_REPOSITORIES: usize = 100_000;
/// The token variables, the first set wins: an organisation-wide read token of its own,
/// else the job's.
pub const TOKEN_VARIABLES: [&str; 2] = ["PRR_FLEET_TOKEN", "GITHUB_TOKEN"];

/// A manifest file as the GraphQL API gives it. `text` is null for a binary file, or one
/// too large for the API to return.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    pub byte_size: u64,
    pub is_binary: Option<bool>,
    #[serde(default)]
    pub is_truncated: bool,
    pub text: Option<String>,
}

/// One repository: `OWNER/NAME` and its manifests at the default branch's head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    pub toml: Option<Blob>,
    pub json: Option<Blob>,
}

/// What listing an organisation took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// The non-archived repositories listed.
    pub repositories: usize,
    /// Requests sent, retries included.
    pub requests: usize,
    /// Archived repositories GitHub listed anyway (a server that ignores `isArchived`),
    /// left out.
    pub archived: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    page_info: PageInfo,
    #[serde(default)]
    nodes: Vec<Option<Node>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Node {
    name_with_owner: String,
    #[serde(default)]
    is_archived: bool,
    toml: Option<Value>,
    json: Option<Value>,
}

/// The blob at a path, or `None` when there is no file there. A directory of that name
/// answers `{}` (the query asks only for a Blob's fields): no manifest either, as a local
/// directory named `prr.toml` is none.
fn blob(object: Option<Value>) -> Result<Option<Blob>, serde_json::Error> {
    match object {
        Some(value) if value.get("byteSize").is_some() => serde_json::from_value(value).map(Some),
        _ => Ok(None),
    }
}

/// The GraphQL endpoint: `GITHUB_GRAPHQL_URL` (Actions sets it), else derived from
/// `GITHUB_API_URL`: GitHub Enterprise Server's `https://HOST/api/v3` answers GraphQL at
/// `https://HOST/api/graphql`, github.com's `https://api.github.com` at `/graphql`.
#[must_use]
pub fn endpoint() -> String {
    if let Some(url) = std::env::var("GITHUB_GRAPHQL_URL")
        .ok()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
    {
        return url;
    }
    graphql_url_of(&super::env_api_url())
}

fn graphql_url_of(api_url: &str) -> String {
    let api = api_url.trim().trim_end_matches('/');
    match api.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{api}/graphql"),
    }
}

/// `https://HOST/api/graphql` as the client's base (`https://HOST/api`) and the path it
/// posts to (`/graphql`).
fn split_endpoint(url: &str) -> Result<(&str, &str), Error> {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].rfind('/') {
        Some(slash) if slash > 0 => Ok(url.split_at(after_scheme + slash)),
        _ => Err(Error::Context(format!(
            "the GraphQL endpoint `{url}` has no path (GITHUB_GRAPHQL_URL: e.g. https://api.github.com/graphql)"
        ))),
    }
}

/// The token, from the first of [`TOKEN_VARIABLES`] set.
fn token() -> Option<String> {
    TOKEN_VARIABLES.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    })
}

/// Every non-archived repository of organisation `org`, with its manifests, handed to
/// `visit` in the order GitHub lists them (by name) as each page arrives: only one page's
/// manifests are held at a time, however large the organisation.
///
/// # Errors
/// No token, GitHub cannot be reached in the time allowed, refuses, or answers with
/// GraphQL errors (an unknown organisation, a token that may not read it).
pub fn list(org: &str, visit: impl FnMut(Repository)) -> Result<Listing, Error> {
    let token = token().ok_or_else(|| {
        Error::Context(
            "GitHub's GraphQL API needs a token: set PRR_FLEET_TOKEN (or GITHUB_TOKEN) to one that can read the organisation's repositories".to_owned(),
        )
    })?;
    let url = endpoint();
    let (base, path) = split_endpoint(&url)?;
    let timing = client::Timing::from_env_with_total(DEFAULT_TOTAL);
    super::with_client_at(base, Some(&token), timing, |client| async move {
        walk(&client, org, path, visit).await
    })
}

/// The most repositories one listing takes: [`DEFAULT_MAX_REPOSITORIES`], or
/// `PRR_FLEET_MAX_REPOSITORIES`.
fn max_repositories() -> usize {
    std::env::var("PRR_FLEET_MAX_REPOSITORIES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_MAX_REPOSITORIES)
}

/// Whether `name` is a repository of `org` as GitHub names them: `OWNER/REPO`, the owner
/// `org` itself (GitHub compares logins without case), the repository name of letters,
/// digits, `.`, `-` and `_`, at most 100 characters and not `.` or `..`. Anything else
/// (a path such as `../../x`, control characters) is no repository of the organisation.
fn is_repository_of(name: &str, org: &str) -> bool {
    let Some((owner, repo)) = name.split_once('/') else {
        return false;
    };
    owner.eq_ignore_ascii_case(org)
        && !repo.is_empty()
        && repo.len() <= 100
        && repo != "."
        && repo != ".."
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Page after page along the cursor.
async fn walk(
    client: &Client,
    org: &str,
    path: &str,
    mut visit: impl FnMut(Repository),
) -> Result<Listing, Error> {
    let what = format!("listing the repositories of github:{org}");
    let refuse = |message: String| Error::Response {
        what: what.clone(),
        message,
    };
    let most = max_repositories();
    let mut listing = Listing::default();
    let mut after: Option<String> = None;
    let mut size = PAGE_SIZE;
    // Every cursor followed and every repository listed: a listing that comes back to a
    // cursor, or names a repository twice, is a loop or a broken server, never more rows.
    let mut cursors = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for _ in 0..MAX_PAGES {
        let asked = Page {
            org,
            path,
            after: after.as_deref(),
        };
        let connection = page(client, &what, &asked, &mut size, &mut listing.requests).await?;
        size = size.saturating_mul(2).min(PAGE_SIZE);
        for node in connection.nodes.into_iter().flatten() {
            if !is_repository_of(&node.name_with_owner, org) {
                return Err(refuse(format!(
                    "GitHub listed {:?}, which is not the name of a repository of {org} (OWNER/REPO: letters, digits, `.`, `-`, `_`); prr stops rather than judge it",
                    node.name_with_owner
                )));
            }
            if !names.insert(node.name_with_owner.to_ascii_lowercase()) {
                return Err(refuse(format!(
                    "GitHub listed {} twice; prr stops rather than count it twice",
                    node.name_with_owner
                )));
            }
            if node.is_archived {
                listing.archived += 1;
                continue;
            }
            let unexpected = |err: serde_json::Error| Error::Response {
                what: what.clone(),
                message: format!("{}: not the blob asked for: {err}", node.name_with_owner),
            };
            if listing.repositories >= most {
                return Err(refuse(format!(
                    "more than {most} repositories; prr stops there (raise PRR_FLEET_MAX_REPOSITORIES if the organisation is that large)"
                )));
            }
            listing.repositories += 1;
            visit(Repository {
                toml: blob(node.toml).map_err(unexpected)?,
                json: blob(node.json).map_err(unexpected)?,
                name: node.name_with_owner,
            });
        }
        if !connection.page_info.has_next_page {
            return Ok(listing);
        }
        let Some(next) = connection.page_info.end_cursor else {
            return Err(refuse(
                "GitHub says more repositories follow, but gives no cursor to ask for them from"
                    .to_owned(),
            ));
        };
        if !cursors.insert(next.clone()) {
            return Err(refuse(format!(
                "GitHub's listing came back to a cursor it gave before ({next:?}): it would never end; prr stops"
            )));
        }
        after = Some(next);
    }
    Err(Error::Response {
        what,
        message: format!("more than {MAX_PAGES} pages of repositories; prr stops there"),
    })
}

/// Which page to ask for.
struct Page<'a> {
    org: &'a str,
    path: &'a str,
    after: Option<&'a str>,
}

/// One page, its request retried (with the same cursor) while it fails in a way worth
/// retrying; a request that ran out of time is retried for fewer repositories (`size`).
async fn page(
    client: &Client,
    what: &str,
    asked: &Page<'_>,
    size: &mut u32,
    requests: &mut usize,
) -> Result<Connection, Error> {
    let mut attempt = 0;
    loop {
        *requests += 1;
        let body = json!({
            "query": QUERY,
            "variables": {"login": asked.org, "first": *size, "after": asked.after},
        });
        let answer = client
            .once(what, &Method::POST, asked.path, Some(&body))
            .await;
        let failure = match answer {
            Ok(response) => match connection_of(what, asked.org, &response, *size) {
                Ok(connection) => return Ok(connection),
                Err(failure) => failure,
            },
            Err(failure) => failure,
        };
        match failure {
            Failure::Fatal(err) => return Err(err),
            Failure::Retry {
                wait,
                why,
                too_slow,
            } => {
                if too_slow {
                    *size = (*size / 2).max(MIN_PAGE_SIZE);
                }
                attempt += 1;
                client.pause(what, attempt, wait, why).await?;
            }
        }
    }
}

/// The repositories connection of a 200 answer, or why there is none. GitHub answers a
/// GraphQL error with 200 and an `errors` array: a rate limit (`RATE_LIMITED`, or a
/// secondary limit's message) waits as the headers say; any other error is fatal.
fn connection_of(
    what: &str,
    org: &str,
    response: &Response,
    asked: u32,
) -> Result<Connection, Failure> {
    let json = response.json(what).map_err(Failure::Fatal)?;
    let errors = json
        .get("errors")
        .and_then(Value::as_array)
        .filter(|errors| !errors.is_empty());
    if let Some(errors) = errors {
        let kind = |e: &Value| e.get("type").and_then(Value::as_str).map(str::to_owned);
        let message = redact(
            &errors
                .iter()
                .map(|e| {
                    let text = e
                        .get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| e.to_string(), str::to_owned);
                    kind(e).map_or_else(|| text.clone(), |kind| format!("{kind}: {text}"))
                })
                .collect::<Vec<_>>()
                .join("; "),
        );
        let limited = errors
            .iter()
            .any(|e| kind(e).as_deref() == Some("RATE_LIMITED"))
            || message.to_ascii_lowercase().contains("rate limit");
        if limited {
            if let Some(failure) = client::rate_limited(
                &format!("{} with GraphQL errors", response.status),
                &response.headers,
                &message,
                true,
            ) {
                return Err(failure);
            }
        }
        return Err(Failure::Fatal(Error::Response {
            what: what.to_owned(),
            message: format!("GitHub's GraphQL API answered with errors: {message}"),
        }));
    }
    let repositories = json.pointer("/data/organization/repositories");
    let Some(repositories) = repositories.filter(|r| !r.is_null()) else {
        return Err(Failure::Fatal(Error::Response {
            what: what.to_owned(),
            message: format!("GitHub knows no organisation `{org}` (or the token may not see it)"),
        }));
    };
    // Counted before anything is copied out of the answer: a page of more repositories
    // than were asked for is a server that does not honour `first`.
    let nodes = repositories
        .get("nodes")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if nodes > usize::try_from(asked).unwrap_or(usize::MAX) {
        return Err(Failure::Fatal(Error::Response {
            what: what.to_owned(),
            message: format!(
                "GitHub answered with {nodes} repositories in a page of {asked} asked for; prr stops rather than read it"
            ),
        }));
    }
    Connection::deserialize(repositories).map_err(|err| {
        Failure::Fatal(Error::Response {
            what: what.to_owned(),
            message: format!("not the answer the query asks for: {err}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_follows_the_api_url_on_github_com_and_enterprise_server() {
        assert_eq!(
            graphql_url_of("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url_of("https://ghes.acme.dev/api/v3/"),
            "https://ghes.acme.dev/api/graphql"
        );
        assert_eq!(
            split_endpoint("https://ghes.acme.dev/api/graphql").ok(),
            Some(("https://ghes.acme.dev/api", "/graphql"))
        );
        assert_eq!(
            split_endpoint("http://127.0.0.1:8080/graphql").ok(),
            Some(("http://127.0.0.1:8080", "/graphql"))
        );
        assert!(split_endpoint("https://ghes.acme.dev").is_err());
    }

    #[test]
    fn only_names_github_allows_are_repositories_of_the_organisation() {
        for good in ["acme/pay", "ACME/pay.api", "acme/a_b-c.d", "acme/..x"] {
            assert!(is_repository_of(good, "acme"), "{good}");
        }
        let long = format!("acme/{}", "a".repeat(101));
        for bad in [
            "../../x",
            "acme/../../x",
            "acme/..",
            "acme/.",
            "acme/",
            "acme",
            "other/pay",
            "acme/pay\u{0}",
            "acme/pay\nx",
            "acme/p ay",
            "acme/pay/extra",
            long.as_str(),
        ] {
            assert!(!is_repository_of(bad, "acme"), "{bad:?}");
        }
    }

    #[test]
    fn a_directory_named_like_a_manifest_is_no_blob() {
        assert_eq!(blob(Some(json!({}))).ok(), Some(None));
        assert_eq!(blob(None).ok(), Some(None));
        let found = blob(Some(json!({
            "byteSize": 5, "isBinary": false, "isTruncated": false, "text": "a = 1"
        })));
        assert_eq!(
            found.ok().flatten().and_then(|b| b.text),
            Some("a = 1".to_owned())
        );
    }
}
