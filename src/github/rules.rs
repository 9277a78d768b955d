//! `--rules github:OWNER/REPO/PATH@REF`: a rule pack fetched from a central repository at a
//! pinned ref through the contents API, so that a pull request cannot weaken the rules that
//! judge it.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::Method;
use serde_json::Value;

use super::client::Client;
use super::context::split_repository;
use super::{encode, Error};

/// Directories below the pack's root that are followed.
const MAX_DEPTH: usize = 8;
/// Files in one pack: a bound against a path that names a whole repository.
const MAX_FILES: usize = 500;

/// A parsed `OWNER/REPO/PATH@REF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackSpec {
    pub owner: String,
    pub repo: String,
    /// The pack directory or rule file in the repository (no leading `/`).
    pub path: String,
    pub reference: String,
}

impl PackSpec {
    /// Parses what follows `github:`.
    ///
    /// # Errors
    /// Not `OWNER/REPO/PATH@REF` with a ref.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let usage = || {
            Error::Context(format!(
                "`github:{text}` is not OWNER/REPO/PATH@REF (e.g. github:acme/prr-rules/packs/acme@v3.1.0); the ref is required so the pack is pinned"
            ))
        };
        let (location, reference) = text.rsplit_once('@').ok_or_else(usage)?;
        let mut parts = location.splitn(3, '/');
        let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else {
            return Err(usage());
        };
        let (owner, repo) = split_repository(&format!("{owner}/{repo}"))?;
        let path = parts.next().unwrap_or("").trim_matches('/').to_owned();
        if reference.is_empty() || path.split('/').any(|s| s == "..") {
            return Err(usage());
        }
        Ok(Self {
            owner,
            repo,
            path,
            reference: reference.to_owned(),
        })
    }

    /// How the pack's files are named in diagnostics.
    #[must_use]
    pub fn label(&self) -> String {
        format!(
            "github:{}/{}/{}@{}",
            self.owner, self.repo, self.path, self.reference
        )
    }
}

/// Every `.toml` and `.json` file of the pack, by path relative to the pack (a single rule
/// file is keyed by its name).
///
/// # Errors
/// GitHub refused, the path does not exist at the ref, or a file is not UTF-8 text.
pub async fn fetch(client: &Client, spec: &PackSpec) -> Result<BTreeMap<String, String>, Error> {
    let mut files = BTreeMap::new();
    let root = contents(client, spec, &spec.path).await?;
    match root {
        Value::Array(entries) => walk(client, spec, entries, "", 0, &mut files).await?,
        file => {
            let name = spec.path.rsplit('/').next().unwrap_or("rules.toml");
            files.insert(name.to_owned(), decode(spec, &spec.path, &file)?);
        }
    }
    Ok(files)
}

async fn walk(
    client: &Client,
    spec: &PackSpec,
    entries: Vec<Value>,
    prefix: &str,
    depth: usize,
    files: &mut BTreeMap<String, String>,
) -> Result<(), Error> {
    // Iterative over directories: an async fn cannot call itself without boxing.
    let mut pending = vec![(entries, prefix.to_owned(), depth)];
    while let Some((entries, prefix, depth)) = pending.pop() {
        for entry in entries {
            let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
            let path = entry.get("path").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() || name.starts_with('.') || path.is_empty() {
                continue;
            }
            let relative = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}/{name}")
            };
            match entry.get("type").and_then(Value::as_str) {
                Some("dir") if depth < MAX_DEPTH => {
                    if let Value::Array(children) = contents(client, spec, path).await? {
                        pending.push((children, relative, depth + 1));
                    }
                }
                Some("file") if name.ends_with(".toml") || name.ends_with(".json") => {
                    if files.len() == MAX_FILES {
                        return Err(Error::Context(format!(
                            "{}: more than {MAX_FILES} files; name the pack's directory",
                            spec.label()
                        )));
                    }
                    let file = contents(client, spec, path).await?;
                    files.insert(relative, decode(spec, path, &file)?);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

async fn contents(client: &Client, spec: &PackSpec, path: &str) -> Result<Value, Error> {
    let what = format!("fetching {}", spec.label());
    let url = format!(
        "/repos/{}/{}/contents/{}?ref={}",
        spec.owner,
        spec.repo,
        encode(path, true),
        encode(&spec.reference, false)
    );
    client
        .request(&what, &Method::GET, &url, None)
        .await?
        .json(&what)
}

fn decode(spec: &PackSpec, path: &str, file: &Value) -> Result<String, Error> {
    let bad = |why: &str| Error::Context(format!("{}: {path} {why}", spec.label()));
    let bytes = content_bytes(file).map_err(bad)?;
    String::from_utf8(bytes).map_err(|_| bad("is not UTF-8 text"))
}

/// The bytes of a file as the contents API returns it (base64).
///
/// # Errors
/// Not a file in full, or not valid base64.
pub fn content_bytes(file: &Value) -> Result<Vec<u8>, &'static str> {
    if file.get("encoding").and_then(Value::as_str) != Some("base64") {
        // The contents API leaves files over 1 MB unencoded; a rule file or a manifest
        // that large is over prr's own limit anyway.
        return Err("is not a file the contents API returns in full (over 1 MB?)");
    }
    let content: String = file
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|_| "is not valid base64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_needs_owner_repo_and_a_ref() {
        let spec = PackSpec::parse("acme/prr-rules/packs/acme@v3.1.0").unwrap();
        assert_eq!(spec.owner, "acme");
        assert_eq!(spec.repo, "prr-rules");
        assert_eq!(spec.path, "packs/acme");
        assert_eq!(spec.reference, "v3.1.0");
        assert_eq!(PackSpec::parse("acme/prr-rules@main").unwrap().path, "");
        assert!(PackSpec::parse("acme/prr-rules/packs").is_err());
        assert!(PackSpec::parse("acme/prr-rules/packs@").is_err());
        assert!(PackSpec::parse("acme@v1").is_err());
        assert!(PackSpec::parse("acme/r/../x@v1").is_err());
    }
}
