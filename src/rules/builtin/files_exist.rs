//! `files_exist` (rule `docs.files-exist`): the documents a manifest points at are there. A
//! runbook link that leads nowhere is found at 3 a.m., by the person who needed it. Every
//! value under the `fields` that is a relative path (from the manifest's directory; a
//! leading `/` from the repository root) or a link to a file of the same GitHub repository
//! (`https://github.com/OWNER/REPO/blob/REF/path`) must name a file of the repository that
//! is not empty (or a directory that holds files). Other links are left alone: they are
//! checked by whoever owns them. Evidence: the repository's files.
//!
//! Parameters (`with`): `fields`: tables or keys whose string values are checked (default
//! `docs`, `oncall`, `capacity.plan`).

use super::{params, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::{Gathered, Repository};
use crate::manifest::{Node, Value};
use crate::source::Span;

pub const SPEC: Spec = Spec {
    name: "files_exist",
    summary: "relative paths and same-repository links name files that exist and are not empty (repository evidence); with fields",
    build,
};

const DEFAULT_FIELDS: [&str; 3] = ["docs", "oncall", "capacity.plan"];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    fields: Option<Vec<String>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    Ok(Box::new(FilesExist {
        fields: p
            .fields
            .unwrap_or_else(|| DEFAULT_FIELDS.iter().map(|s| (*s).to_owned()).collect()),
    }))
}

#[derive(Debug)]
struct FilesExist {
    fields: Vec<String>,
}

/// A value that names a file of the repository: where it points, from the root.
enum Target {
    /// A path relative to the root (`None`: it climbs out of the repository).
    Path(Option<String>),
    /// Not a path of this repository (another site, a name, an email).
    Elsewhere,
}

impl Builtin for FilesExist {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            named_files: true,
            ..crate::facts::Needs::default()
        }
    }

    fn named_paths(
        &self,
        manifest: &crate::manifest::Manifest,
        repository: &Repository,
    ) -> Vec<String> {
        let mut values = Vec::new();
        for field in &self.fields {
            if let Some(node) = manifest.root.pointer(field) {
                strings(node, field, &mut values);
            }
        }
        values
            .iter()
            .filter_map(|(_, text, _)| match target(text, Some(repository)) {
                Target::Path(Some(path)) => Some(path),
                _ => None,
            })
            .collect()
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let mut values = Vec::new();
        for field in &self.fields {
            if let Some(node) = cx.manifest.root.pointer(field) {
                strings(node, field, &mut values);
            }
        }
        let repository = match &cx.facts.repository {
            Gathered::Known(repository) => repository,
            Gathered::NotConfigured(why) => {
                return Outcome::skip(format!("the repository's files were not read ({why})"))
            }
            Gathered::Unavailable(why) => {
                let failures = values
                    .iter()
                    .filter(|(_, text, _)| !matches!(target(text, None), Target::Elsewhere))
                    .map(|(key, _, span)| Failure::unverified(why, key.clone(), *span))
                    .collect();
                return Outcome::fail(failures, "no relative paths to check");
            }
        };
        let mut failures = Vec::new();
        let mut found = Vec::new();
        for (key, text, span) in values {
            let path = match target(&text, Some(repository)) {
                Target::Elsewhere => continue,
                Target::Path(None) => {
                    failures.push(Failure::new(
                        format!("`{key}` is \"{text}\", which points outside the repository"),
                        key,
                        span,
                    ));
                    continue;
                }
                Target::Path(Some(path)) => path,
            };
            match repository.size(&path) {
                Some(0) => failures.push(Failure::new(
                    format!(
                        "`{key}` names {path}, which is empty in {}",
                        repository.origin
                    ),
                    key,
                    span,
                )),
                Some(_) => found.push(path),
                None if holds_files(repository, &path) => found.push(path),
                None => failures.push(Failure::new(
                    format!(
                        "`{key}` names {path}, which is not in {}; add it, or fix the path",
                        repository.origin
                    ),
                    key,
                    span,
                )),
            }
        }
        let passed = if found.is_empty() {
            "no relative paths or links into this repository to check".to_owned()
        } else {
            format!("present in {}: {}", repository.origin, found.join(", "))
        };
        Outcome::fail(failures, passed)
    }
}

/// Every string under `node`, with its logical key and span.
fn strings(node: &Node, key: &str, out: &mut Vec<(String, String, Span)>) {
    match &node.value {
        Value::String(text) if !node.is_todo() => {
            out.push((key.to_owned(), text.clone(), node.span))
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{key}[{i}]"), out);
            }
        }
        Value::Table(entries) => {
            for (k, item) in entries {
                strings(item, &format!("{key}.{}", k.name), out);
            }
        }
        _ => {}
    }
}

/// Where a value points. `repository` gives the manifest's directory and the repository's
/// GitHub name; without it, only whether the value is a path at all is decided.
fn target(text: &str, repository: Option<&Repository>) -> Target {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("https://github.com/") {
        // OWNER/REPO/blob|tree/REF/path...
        let parts: Vec<&str> = rest.splitn(5, '/').collect();
        let [owner, repo, "blob" | "tree", _, path] = parts[..] else {
            return Target::Elsewhere;
        };
        let Some(repository) = repository else {
            return Target::Path(None);
        };
        let same = repository
            .slug
            .as_deref()
            .is_some_and(|slug| slug.eq_ignore_ascii_case(&format!("{owner}/{repo}")));
        if !same {
            return Target::Elsewhere;
        }
        let path = path.split(['#', '?']).next().unwrap_or(path);
        let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        return Target::Path(Some(path.trim_end_matches('/').to_owned()));
    }
    let is_path = !text.is_empty()
        && !text.contains("://")
        && !text.contains(char::is_whitespace)
        && !text.contains('@')
        && !text.starts_with("mailto:")
        && (text.contains('/') || has_extension(text));
    if !is_path {
        return Target::Elsewhere;
    }
    let Some(repository) = repository else {
        return Target::Path(None);
    };
    Target::Path(repository.resolve(text))
}

/// `runbook.md`: a file name rather than a word.
fn has_extension(text: &str) -> bool {
    text.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
            && ext.chars().any(|c| c.is_ascii_alphabetic())
    })
}

/// Whether `path` is a directory of the repository with files in it.
fn holds_files(repository: &Repository, path: &str) -> bool {
    let prefix = format!("{}/", path.trim_end_matches('/'));
    repository
        .files
        .range(prefix.clone()..)
        .next()
        .is_some_and(|(file, _)| file.starts_with(&prefix))
}
