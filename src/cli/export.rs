//! `prr export openslo|backstage`: a manifest's facts (its imports included) in the formats
//! `[import]` reads. What cannot be written validly is left out, with a note on stderr.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{exit, repository_root, write_file, write_stderr, write_stdout};
use crate::diagnostic::Error;
use crate::manifest::{import, Manifest};
use crate::source::display_name;
use crate::toolkit::export;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write: OpenSLO v1 SLO documents, or a Backstage catalog-info Component.
    #[arg(value_enum)]
    pub format: ExportFormat,
    /// The manifest, or the directory holding it. Default: the manifest at the repository
    /// root.
    #[arg(long, value_name = "FILE|DIR")]
    pub manifest: Option<PathBuf>,
    /// The rule pack whose `[import.backstage]` maps owners to Backstage groups (default:
    /// the built-in pack).
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Openslo,
    Backstage,
}

/// Runs `prr export`.
///
/// # Errors
/// The manifest, its imports or the rules cannot be read, or the output cannot be written.
pub fn run(args: &ExportArgs) -> Result<u8, Error> {
    let root = repository_root();
    let given: Vec<PathBuf> = args.manifest.iter().cloned().collect();
    let paths = crate::pipeline::manifest_paths(&given, &root)?;
    let [path] = paths.as_slice() else {
        return Err(Error::Usage(format!(
            "prr export writes one manifest's facts, and {} manifests were found; name one with --manifest",
            paths.len()
        )));
    };
    let sources = crate::pipeline::rules_sources(&args.rules)?;
    let rules = crate::rules::load(&sources, &root)?;
    let name = display_name(path, &root);
    let mut manifest = Manifest::load_in(path, &name, &root)?;
    import::resolve(
        &mut manifest,
        &import::WorkingTree { root: &root },
        &rules.imports,
    )?;
    let exported = match args.format {
        ExportFormat::Openslo => export::openslo(&manifest),
        ExportFormat::Backstage => export::backstage(&manifest, &rules.imports),
    };
    for note in &exported.notes {
        write_stderr(&format!("note: {name}: {note}\n"));
    }
    // Something was asked for and nothing valid could be written: say so by the exit
    // code too, rather than leave an empty file where a catalog or SLOs were expected.
    if exported.documents.is_empty() && !exported.notes.is_empty() {
        return Err(Error::Usage(format!(
            "prr export {} wrote nothing: every document would break the format's rules (see the notes above)",
            match args.format {
                ExportFormat::Openslo => "openslo",
                ExportFormat::Backstage => "backstage",
            }
        )));
    }
    let text = exported.yaml();
    match &args.output {
        Some(file) => write_file(file, &text)?,
        None => write_stdout(&text),
    }
    Ok(exit::PASS)
}
