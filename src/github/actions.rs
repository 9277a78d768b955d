//! The runner's side of GitHub Actions: the job summary and step outputs (files whose paths
//! the runner gives). Workflow commands (the annotations a step can make without any token,
//! the fallback for a fork's read-only one) are `report::github`'s.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Error;

/// Appends markdown to the job summary file (`GITHUB_STEP_SUMMARY`).
///
/// # Errors
/// The file cannot be written.
pub fn append_summary(path: &Path, markdown: &str) -> Result<(), Error> {
    append(path, &format!("{}\n", markdown.trim_end()))
}

/// Appends step outputs to `GITHUB_OUTPUT`, each with the heredoc syntax so that a
/// value may hold newlines, and with a delimiter that the value does not contain.
///
/// # Errors
/// The file cannot be written.
pub fn set_outputs(path: &Path, outputs: &[(&str, String)]) -> Result<(), Error> {
    let mut text = String::new();
    for (name, value) in outputs {
        let delimiter = delimiter_for(value);
        let _ = writeln!(text, "{name}<<{delimiter}\n{value}\n{delimiter}");
    }
    append(path, &text)
}

fn delimiter_for(value: &str) -> String {
    let mut seed = Sha256::digest(value.as_bytes());
    loop {
        let hex: String = seed[..12].iter().map(|b| format!("{b:02x}")).collect();
        let delimiter = format!("prr_{hex}");
        if !value.contains(&delimiter) {
            return delimiter;
        }
        seed = Sha256::digest(seed);
    }
}

fn append(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|err| Error::Runner(format!("cannot append to {}: {err}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_the_value_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        set_outputs(&path, &[("verdict", "fail".into()), ("x", "a\nb".into())]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap();
        let (name, delimiter) = first.split_once("<<").unwrap();
        assert_eq!(name, "verdict");
        assert_eq!(text.lines().nth(2), Some(delimiter));
        assert!(text.contains("\na\nb\n"));
    }
}
