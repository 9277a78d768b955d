//! prr-gate: a production-readiness gate. A service's PRR manifest (`prr.toml`) is judged
//! against an organisation's rule pack; the verdict and every missing must-have are reported
//! to the terminal, the pull request and the deploy pipeline.
//!
//! Data flows one way: files ([`source`]) -> [`manifest`] + [`rules`] -> [`engine`] ->
//! [`report`] -> a renderer or the [`github`] publisher.

pub mod budget;
pub mod cli;
pub mod diagnostic;
pub mod engine;
pub mod evidence;
pub mod facts;
pub mod fleet;
pub mod git;
pub mod github;
pub mod gitlab;
pub mod lsp;
pub mod manifest;
pub mod parallel;
pub mod pipeline;
pub mod report;
pub mod review;
pub mod rules;
pub mod source;
pub mod toolkit;
