//! The live sources a pack configures (`[source.*]` in `pack.toml`): where the evidence
//! stage asks, never what it found. A manifest a pull request can edit never names a server.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[source.prometheus]` in a pack's `pack.toml`: where the server is, and how long to wait.
/// The URL and the token come from environment variables the pack names, so that neither is
/// written in a repository.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusSource {
    /// The environment variable holding the server's base URL (`PRR_PROMETHEUS_URL` unless
    /// set), such as `https://prometheus.acme.dev` or `http://thanos:10902/prefix`.
    pub url_env: Option<String>,
    /// The environment variable holding a bearer token, sent as `Authorization: Bearer`;
    /// never printed.
    pub token_env: Option<String>,
    /// How long one request may take, in milliseconds (5000 unless set).
    #[schemars(range(min = 1, max = 600_000))]
    pub timeout_ms: Option<u64>,
}

/// `[source.pagerduty]` in a pack's `pack.toml`: which environment variables hold the
/// API's URL and token, so that neither is written in a repository.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PagerDutySource {
    /// The environment variable holding the API's base URL (`PRR_PAGERDUTY_URL` unless
    /// set); when it is unset or empty, `https://api.pagerduty.com`.
    pub url_env: Option<String>,
    /// The environment variable holding a REST API token (`PRR_PAGERDUTY_TOKEN` unless
    /// set), sent as `Authorization: Token token=...`; never printed.
    pub token_env: Option<String>,
    /// How long one request may take, in milliseconds (5000 unless set).
    #[schemars(range(min = 1, max = 600_000))]
    pub timeout_ms: Option<u64>,
}

/// `[source.incidents]` in a pack's `pack.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentsSource {
    /// Incident files (CSV or JSON, as `prr review quarterly --incidents` reads them), by
    /// path from the repository root.
    pub files: Vec<String>,
}
