//! Problems in the user's files (a manifest or a rule file) that stop `prr` from judging:
//! each names the file, line and column, says what is wrong and, where it can, how to fix it.

use std::fmt;
use std::sync::Arc;

use crate::source::{LineCol, SourceFile, Span};

/// One problem at one place in one file.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub file: String,
    /// The file's text, when it was read, so that a renderer can show a code frame.
    pub source: Option<Arc<SourceFile>>,
    pub span: Option<Span>,
    /// A place known without the text (a byte that is not UTF-8 has no text around it).
    pub fixed_position: Option<LineCol>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem at `span` of `source`.
    #[must_use]
    pub fn at(source: &Arc<SourceFile>, span: Span, message: impl Into<String>) -> Self {
        Self {
            file: source.name.clone(),
            source: Some(Arc::clone(source)),
            span: Some(span),
            fixed_position: None,
            message: message.into(),
            help: None,
        }
    }

    /// A problem with a whole file (it is missing, say), with no position in it.
    #[must_use]
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            source: None,
            span: None,
            fixed_position: None,
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Line and column, when the problem has a place.
    #[must_use]
    pub fn position(&self) -> Option<LineCol> {
        match (&self.source, self.span) {
            (Some(source), Some(span)) => Some(source.line_col(span.start)),
            _ => self.fixed_position,
        }
    }
}

impl From<&crate::source::ReadError> for Diagnostic {
    fn from(err: &crate::source::ReadError) -> Self {
        let mut diagnostic = Diagnostic::file(err.name(), err.to_string());
        diagnostic.fixed_position = err.position();
        diagnostic
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position() {
            Some(at) => write!(f, "{}:{}: {}", self.file, at, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Everything that stops a run before a verdict: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", join(.0))]
    Diagnostics(Vec<Diagnostic>),
    #[error("{}", Diagnostic::from(.0))]
    Read(#[from] crate::source::ReadError),
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Git(#[from] crate::git::GitError),
}

impl From<Diagnostic> for Error {
    fn from(diagnostic: Diagnostic) -> Self {
        Self::Diagnostics(vec![diagnostic])
    }
}

impl From<Vec<Diagnostic>> for Error {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Self::Diagnostics(diagnostics)
    }
}

impl Error {
    /// The diagnostics this error carries, one per problem (a read error becomes one).
    #[must_use]
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Diagnostics(list) => list.clone(),
            Self::Read(err) => vec![Diagnostic::from(err)],
            Self::Usage(message) => vec![Diagnostic::file("prr", message.clone())],
            Self::Io { context, source } => {
                vec![Diagnostic::file(context.clone(), source.to_string())]
            }
            Self::Git(err) => vec![Diagnostic::file("git", err.to_string())],
        }
    }
}

fn join(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
