//! `prr lsp`: the language server on stdio. Its settings come from the editor
//! (initialization options, `workspace/didChangeConfiguration`), not from flags.

use clap::Args;

use super::exit;
use crate::diagnostic::Error;

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Accepted for editors that start every server with `--stdio`; stdio is the only
    /// transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Runs `prr lsp` until the editor asks it to exit.
///
/// # Errors
/// The protocol broke down (exit 2).
pub fn run(_args: &LspArgs) -> Result<u8, Error> {
    crate::lsp::run_stdio().map_err(|why| Error::Io {
        context: "prr lsp".to_owned(),
        source: std::io::Error::other(why),
    })?;
    Ok(exit::PASS)
}
