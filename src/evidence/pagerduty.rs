//! PagerDuty's REST API as a source of incident records, for `prr review quarterly
//! --incidents pagerduty:` (or `pagerduty:SERVICE_ID,...`). The pack names where the API is
//! and which environment variable holds the token (`[source.pagerduty]`); the client is the
//! evidence stage's (no redirects, capped bodies, a timeout per request).
//!
//! One listing per quarter (`GET /incidents?since=&until=`: the API allows at most six
//! months per listing), page after page (`limit`/`offset` while `more`). The incidents are
//! mapped by `review::incident::from_pagerduty`, which reads no field naming a person.

use std::time::Duration;

use http::StatusCode;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::prometheus::{one_line, Api, Client, Config, Fault, Token};
use crate::facts::Quarter;
pub use crate::rules::sources::PagerDutySource as SourceDef;

/// The API's address unless the pack's `url_env` names a variable that is set.
pub const DEFAULT_URL: &str = "https://api.pagerduty.com";
/// The environment variable holding the URL unless the pack names another.
pub const DEFAULT_URL_ENV: &str = "PRR_PAGERDUTY_URL";
/// The environment variable holding the API token unless the pack names another.
pub const DEFAULT_TOKEN_ENV: &str = "PRR_PAGERDUTY_TOKEN";
/// A listing's page: the API's largest.
const PAGE: usize = 100;
/// The API serves no offset beyond 10,000: a quarter with more incidents is refused rather
/// than read in part.
const MAX_OFFSET: usize = 10_000;

/// The PagerDuty REST API, version 2.
const PAGERDUTY: Api = Api {
    name: "pagerduty",
    authorization: |token| format!("Token token={token}"),
    accept: "application/vnd.pagerduty+json;version=2",
};

/// The API as the pack and the environment configure it.
///
/// # Errors
/// No token is set: the API answers nothing without one.
pub fn config(def: Option<&SourceDef>) -> Result<Config, Fault> {
    let env = super::setting_from_env;
    let url_env = def
        .and_then(|d| d.url_env.as_deref())
        .unwrap_or(DEFAULT_URL_ENV);
    let token_env = def
        .and_then(|d| d.token_env.as_deref())
        .unwrap_or(DEFAULT_TOKEN_ENV);
    let url = env(url_env).unwrap_or_else(|| DEFAULT_URL.to_owned());
    let token = env(token_env).map(Token::new).ok_or_else(|| {
        Fault(format!(
            "no PagerDuty token: set {token_env} to a REST API token (a read-only one will do)"
        ))
    })?;
    Ok(Config {
        url,
        token: Some(token),
        timeout: def
            .and_then(|d| d.timeout_ms)
            .map_or(super::prometheus::DEFAULT_TIMEOUT, Duration::from_millis),
    })
}

/// Every incident created in `quarters`, of the services `service_ids` (all when empty),
/// as the API's JSON objects.
///
/// # Errors
/// A page cannot be had (no answer, a refused token, 5xx, not the API's JSON, too many
/// incidents): the fault names the source, never the token.
pub fn incidents(
    config: &Config,
    service_ids: &[String],
    quarters: &[Quarter],
) -> Result<Vec<serde_json::Value>, Fault> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Fault(format!("cannot start the HTTP runtime: {err}")))?;
    runtime.block_on(async {
        let client = Client::for_api(config, PAGERDUTY)?;
        let source = |fault: Fault| Fault(format!("{}: {fault}", client.source()));
        let mut all = Vec::new();
        for quarter in quarters {
            let (since, until) = quarter.bounds();
            let mut offset = 0;
            loop {
                if offset >= MAX_OFFSET {
                    return Err(source(Fault(format!(
                        "more than {MAX_OFFSET} incidents in {quarter}, more than the API lists; name the services (`pagerduty:SERVICE_ID,...`)"
                    ))));
                }
                let mut path = format!(
                    "/incidents?since={}&until={}&time_zone=UTC&limit={PAGE}&offset={offset}",
                    utf8_percent_encode(&since.to_string(), NON_ALPHANUMERIC),
                    utf8_percent_encode(&until.to_string(), NON_ALPHANUMERIC),
                );
                for id in service_ids {
                    path.push_str("&service_ids%5B%5D=");
                    path.push_str(&utf8_percent_encode(id, NON_ALPHANUMERIC).to_string());
                }
                let (status, body) = client.get(&path).await.map_err(source)?;
                let page = page(status, &body).map_err(source)?;
                let count = page.incidents.len();
                all.extend(page.incidents);
                if !page.more || count == 0 {
                    break;
                }
                offset += count;
            }
        }
        Ok(all)
    })
}

#[derive(Deserialize)]
struct Page {
    incidents: Vec<serde_json::Value>,
    #[serde(default)]
    more: bool,
}

/// One page of the listing, or why it is none.
fn page(status: StatusCode, body: &str) -> Result<Page, Fault> {
    match status {
        StatusCode::OK => serde_json::from_str(body).map_err(|err| {
            Fault(format!(
                "the answer is not PagerDuty's incident list ({err})"
            ))
        }),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Fault(format!(
            "HTTP {}: the token was refused (is it a REST API token that may read incidents?)",
            status.as_u16()
        ))),
        _ => {
            // The API's errors are `{"error": {"message": ...}}`.
            let detail = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/message")
                        .and_then(serde_json::Value::as_str)
                        .map(|m| format!(": {}", one_line(m)))
                })
                .unwrap_or_default();
            Err(Fault(format!("HTTP {}{detail}", status.as_u16())))
        }
    }
}
