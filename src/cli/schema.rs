//! `prr schema manifest|rules`: prints a JSON Schema generated from the code's own types.

use clap::{Args, ValueEnum};

use super::{exit, write_stdout};
use crate::manifest::model::{manifest_schema, to_text};
use crate::rules::model::rules_schema;

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema: the manifest (`prr.toml`), rule files and `pack.toml`, or an incident
    /// file (`prr review quarterly --incidents`).
    #[arg(value_enum, default_value = "manifest")]
    pub which: Which,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Which {
    Manifest,
    Rules,
    Incidents,
}

/// Runs `prr schema`.
#[must_use]
pub fn run(args: &SchemaArgs) -> u8 {
    let schema = match args.which {
        Which::Manifest => manifest_schema(),
        Which::Rules => rules_schema(),
        Which::Incidents => crate::review::incident::incidents_schema(),
    };
    write_stdout(&to_text(&schema));
    exit::PASS
}
