//! The manifests as they are at a pull request's head commit, read through the API as data.
//!
//! The privileged publishing job (`workflow_run`, `pull_request_target`) must not take the
//! verdict from a report the pull request's own job wrote: that job runs the pull
//! request's code, and its artifact says whatever the pull request wants. A manifest is
//! data, never code, so the privileged job reads it at the head commit by SHA (never a
//! checkout of the pull request's tree) and judges it itself.

use http::Method;
use serde_json::Value;

use super::client::Client;
use super::{encode, Error};
use crate::manifest::{discover_in_listing, FILE_NAMES};

/// One manifest at the head commit: its path, and its bytes or why there are none.
pub type HeadFile = (String, Result<Vec<u8>, String>);

/// A repository read through the API: every file with its size, and the bytes of the files
/// the evidence stage reads.
pub type Listing = (Vec<(String, u64)>, Vec<(String, Vec<u8>)>);

/// Where to look: the `--manifest` values as given (files or directories, relative to the
/// repository root), or none for the root's own manifest.
///
/// # Errors
/// The listing cannot be had, a directory holds both formats, or nothing is found.
pub async fn manifests(
    client: &Client,
    owner: &str,
    repo: &str,
    sha: &str,
    given: &[String],
) -> Result<Vec<HeadFile>, Error> {
    let mut names = Vec::new();
    let mut listing: Option<Vec<String>> = None;
    let wanted: Vec<(String, bool)> = if given.is_empty() {
        vec![(String::new(), false)]
    } else {
        given
            .iter()
            .map(|g| {
                (
                    g.trim_start_matches("./").trim_matches('/').to_owned(),
                    true,
                )
            })
            .collect()
    };
    for (path, recursive) in wanted {
        if path.split('/').any(|part| part == "..") {
            return Err(Error::Context(format!(
                "--manifest {path}: a path at the head commit cannot leave the repository"
            )));
        }
        let file_name = path.rsplit('/').next().unwrap_or_default();
        if !path.is_empty()
            && (FILE_NAMES.contains(&file_name)
                || file_name.ends_with(".toml")
                || file_name.ends_with(".json"))
        {
            names.push(path);
            continue;
        }
        if listing.is_none() {
            listing = Some(tree(client, owner, repo, sha).await?);
        }
        let files = listing.as_deref().unwrap_or_default();
        let found = discover_in_listing(files, &path, recursive).map_err(|problems| {
            Error::Context(
                problems
                    .iter()
                    .map(|p| format!("{}: {} (at {sha})", p.file, p.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        if found.is_empty() {
            let shown = if path.is_empty() { "." } else { &path };
            return Err(Error::Context(format!(
                "{shown}: no prr.toml or prr.json at the head commit {sha}"
            )));
        }
        names.extend(found);
    }
    names.sort();
    names.dedup();
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let bytes = file(client, owner, repo, sha, &name).await?;
        files.push((name, bytes));
    }
    Ok(files)
}

/// Every file path of the commit (`git/trees` with `recursive`).
async fn tree(client: &Client, owner: &str, repo: &str, sha: &str) -> Result<Vec<String>, Error> {
    Ok(tree_sizes(client, owner, repo, sha)
        .await?
        .into_iter()
        .map(|(path, _)| path)
        .collect())
}

/// Every file of the commit with its size (`git/trees` with `recursive`); symlinks (blobs
/// with mode 120000) are left out, as in a local listing. A listing GitHub cut short is an
/// error: a partial one could leave a failing manifest out.
async fn tree_sizes(
    client: &Client,
    owner: &str,
    repo: &str,
    sha: &str,
) -> Result<Vec<(String, u64)>, Error> {
    let what = format!("listing the files of the head commit {sha}");
    let path = format!("/repos/{owner}/{repo}/git/trees/{sha}?recursive=1");
    let json = client
        .request(&what, &Method::GET, &path, None)
        .await?
        .json(&what)?;
    if json.get("truncated").and_then(Value::as_bool) == Some(true) {
        return Err(Error::Response {
            what,
            message: "GitHub cut the listing short (a very large repository); name the manifests with --manifest".to_owned(),
        });
    }
    Ok(json
        .get("tree")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("blob"))
        .filter(|e| e.get("mode").and_then(Value::as_str) != Some("120000"))
        .filter_map(|e| {
            let path = e.get("path").and_then(Value::as_str)?;
            let size = e.get("size").and_then(Value::as_u64).unwrap_or(0);
            Some((path.to_owned(), size))
        })
        .collect())
}

/// One file's bytes at `sha`; a file that is not there is the manifest's own problem (it is
/// reported like an unreadable file), anything else a publish fault.
///
/// # Errors
/// GitHub refused or could not be reached.
pub async fn file(
    client: &Client,
    owner: &str,
    repo: &str,
    sha: &str,
    name: &str,
) -> Result<Result<Vec<u8>, String>, Error> {
    let what = format!("reading {name} at the head commit");
    let path = format!(
        "/repos/{owner}/{repo}/contents/{}?ref={sha}",
        encode(name, true)
    );
    match client.request(&what, &Method::GET, &path, None).await {
        Ok(response) => {
            let json = response.json(&what)?;
            Ok(super::rules::content_bytes(&json).map_err(|why| format!("{why} at {sha}")))
        }
        Err(Error::Status { status: 404, .. }) => Ok(Err(format!("not in the commit {sha}"))),
        Err(err) => Err(err),
    }
}

/// The most files whose text the privileged job reads through the API for one judgement:
/// a head commit that pads the judged services' directories with more cannot make its
/// repository rules pass by exhausting the deadline; it makes them unverifiable, which
/// fails them.
pub const MAX_TEXT_READS: usize = 200;

/// The repository at `sha` as the evidence stage needs it for the manifests in `dirs` (from
/// the root, `""` the root): every file with its size (one `git/trees` listing), and the
/// bytes of the files rules read there (CODEOWNERS, the Dockerfiles and Kubernetes YAML in
/// those directories and below), through the API as data, one request each, at most
/// [`MAX_TEXT_READS`].
///
/// # Errors
/// GitHub refused, could not be reached, cut the listing short, or the directories hold
/// more files to read than the cap.
pub async fn repository(
    client: &Client,
    owner: &str,
    repo: &str,
    sha: &str,
    dirs: &[String],
) -> Result<Listing, Error> {
    use crate::facts::repository::{is_below, wanted_paths, CODEOWNERS};
    let files = tree_sizes(client, owner, repo, sha).await?;
    let wanted: Vec<String> = wanted_paths(files.iter().map(|(p, _)| p.as_str()))
        .into_iter()
        .filter(|path| {
            CODEOWNERS.contains(&path.as_str()) || dirs.iter().any(|dir| is_below(dir, path))
        })
        .collect();
    if wanted.len() > MAX_TEXT_READS {
        return Err(Error::Context(format!(
            "the judged services' directories hold {} Dockerfiles and YAML files at {sha}, more than the {MAX_TEXT_READS} the publishing job reads through the API",
            wanted.len()
        )));
    }
    let mut texts = Vec::new();
    for name in wanted {
        if let Ok(bytes) = file(client, owner, repo, sha, &name).await? {
            texts.push((name, bytes));
        }
    }
    Ok((files, texts))
}
