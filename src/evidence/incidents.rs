//! Incident records as evidence, for `incidents.postmortem` and the message of
//! `review.mttr-mttf-fresh`: the incident files the pack names (`[source.incidents]`,
//! paths from the repository root), read from the tree being judged (the working tree, or
//! the commit) before the engine runs, by the readers `prr review quarterly` uses.
//!
//! A file that cannot be read or parsed makes the records unavailable: the rules that need
//! them say "could not verify", never pass.

use std::path::Path;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Gathered, Unavailable};
use crate::git::Repo;
use crate::review::incident::{self, Incident};
use crate::source::{max_file_bytes, read_text_in, text_from_bytes};

/// Why the rules that read incidents are skipped when the pack names none.
pub const NOT_CONFIGURED: &str =
    "no incident records are configured: a pack's `[source.incidents]` names the files";

/// `[source.incidents]` in a pack's `pack.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceDef {
    /// Incident files (CSV or JSON, as `prr review quarterly --incidents` reads them), by
    /// path from the repository root.
    pub files: Vec<String>,
}

/// The incident records the rules see.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Incidents {
    /// The files read, as the messages name them.
    pub source: String,
    pub records: Vec<Incident>,
    /// How many records were left out as untrustworthy (shown by `prr review quarterly`).
    pub left_out: usize,
}

/// Reads the pack's incident files from the working tree at `root`, or at `commit`.
#[must_use]
pub fn gather(
    def: Option<&SourceDef>,
    root: &Path,
    commit: Option<(&Repo, &str)>,
) -> Gathered<Arc<Incidents>> {
    let Some(def) = def.filter(|d| !d.files.is_empty()) else {
        return Gathered::NotConfigured(NOT_CONFIGURED.to_owned());
    };
    let source = def.files.join(", ");
    let unavailable = |reason: String| {
        Gathered::Unavailable(Unavailable {
            source: format!("the incident records ({source})"),
            reason,
        })
    };
    let texts = match commit {
        None => def
            .files
            .iter()
            .map(|path| read_text_in(&root.join(path), path, root).map_err(|err| err.to_string()))
            .collect::<Result<Vec<_>, String>>(),
        Some((repo, commit)) => match repo.read_files(commit, &def.files) {
            Ok(blobs) => def
                .files
                .iter()
                .zip(blobs)
                .map(|(path, blob)| {
                    let bytes =
                        blob.ok_or_else(|| format!("{path}: no such file at the commit"))?;
                    text_from_bytes(bytes, path, max_file_bytes()).map_err(|err| err.to_string())
                })
                .collect(),
            Err(err) => Err(err.to_string()),
        },
    };
    let texts = match texts {
        Ok(texts) => texts,
        Err(reason) => return unavailable(reason),
    };
    let mut records = incident::Records::default();
    for text in texts {
        match incident::read_source(Arc::new(text)) {
            Ok(read) => records.extend(read),
            Err(err) => return unavailable(err.to_string()),
        }
    }
    Gathered::Known(Arc::new(Incidents {
        source,
        left_out: records.left_out.len(),
        records: records.incidents,
    }))
}
