//! Incident records as evidence, for `incidents.postmortem` and the message of
//! `review.mttr-mttf-fresh`: the incident files the pack names (`[source.incidents]`,
//! paths from the repository root), read from the tree being judged (the working tree, or
//! the commit) before the engine runs, by the readers `prr review quarterly` uses.
//!
//! A file that cannot be read or parsed makes the records unavailable: the rules that need
//! them say "could not verify", never pass.

use std::path::Path;
use std::sync::Arc;

use crate::facts::incident;
pub use crate::facts::incident::Incidents;
use crate::facts::{Gathered, Unavailable};
use crate::git::Repo;
pub use crate::rules::sources::IncidentsSource as SourceDef;
use crate::source::{max_file_bytes, read_text_in, text_from_bytes};

/// Why the rules that read incidents are skipped when the pack names none.
pub const NOT_CONFIGURED: &str =
    "no incident records are configured: a pack's `[source.incidents]` names the files";

/// Reads the pack's incident files from the working tree at `root`, or at `commit`.
#[must_use]
pub fn gather(
    def: Option<&SourceDef>,
    root: &Path,
    commit: Option<(&Repo, &str)>,
    as_of: jiff::civil::Date,
) -> Gathered<Arc<Incidents>> {
    let Some(def) = def.filter(|d| !d.files.is_empty()) else {
        return Gathered::NotConfigured(NOT_CONFIGURED.to_owned());
    };
    let source = def.files.join(", ");
    let unavailable = |reason: String| {
        // The files are the repository's: the pull request's own data (decision 19).
        Gathered::Unavailable(Unavailable::own(
            format!("the incident records ({source})"),
            reason,
        ))
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
    // A record that starts or ends after the run's date (and a day) is a typo or a forgery:
    // left out with its file and line, as `prr review quarterly` leaves it out.
    records.keep_until(as_of);
    Gathered::Known(Arc::new(Incidents {
        source,
        left_out: records.left_out.len(),
        records: records.incidents,
    }))
}
