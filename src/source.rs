//! The files `prr` reads: their text, byte spans into it, and line/column
//! positions computed only when something is rendered.

use std::fmt;
use std::path::{Path, PathBuf};

/// The largest manifest or rule file read, unless `PRR_MAX_FILE_BYTES` says otherwise.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Which file a [`Span`] is in: the manifest itself, or one of the other files its
/// findings may point into (an imported YAML file, a Dockerfile). An index rather than
/// the file itself, so that spans stay `Copy` and every node of a tree does not hold a
/// reference count; the manifest keeps the files (see `Manifest::file`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    /// The manifest the span's tree was read from.
    pub const MANIFEST: FileId = FileId(0);
}

/// A half-open byte range into a [`SourceFile`]'s text, and which file that is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub file: FileId,
}

impl Span {
    /// A span in the manifest itself.
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start,
            end,
            file: FileId::MANIFEST,
        }
    }

    /// The same range, in another file.
    #[must_use]
    pub fn in_file(self, file: FileId) -> Self {
        Self { file, ..self }
    }

    /// The start of a file: where findings about a missing table point.
    pub const START: Span = Span {
        start: 0,
        end: 0,
        file: FileId::MANIFEST,
    };
}

impl From<std::ops::Range<usize>> for Span {
    fn from(range: std::ops::Range<usize>) -> Self {
        Self::new(range.start, range.end)
    }
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A file's name as shown to people (relative to the repository root, with `/`)
/// and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Byte offsets where lines start, built on first use: a report with thousands of
    /// findings asks for thousands of positions, each a binary search instead of a scan.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    #[must_use]
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// The line and column of a byte offset; offsets past the end clamp to it.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line = starts.partition_point(|&start| start <= offset);
        let line_start = starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol { line, column }
    }

    /// The byte offset of a 1-based line and character column, the inverse of
    /// [`SourceFile::line_col`]; a line past the end gives the end, a column past its line
    /// the line's end.
    #[must_use]
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let starts = self.line_starts();
        let Some(&start) = line.checked_sub(1).and_then(|index| starts.get(index)) else {
            return self.text.len();
        };
        let end = starts.get(line).copied().unwrap_or(self.text.len());
        let within: usize = self.text[start..end]
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        start + within
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {source}")]
    Io {
        name: String,
        source: std::io::Error,
    },
    #[error("the file is empty; write the manifest or rules into it")]
    Empty { name: String },
    #[error("the file is {size} bytes, over the limit of {limit} bytes (raise it with PRR_MAX_FILE_BYTES)")]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error("the file is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8")]
    NotUtf8 {
        name: String,
        line: usize,
        column: usize,
        offset: usize,
    },
    #[error("the file is binary (a NUL byte), not TOML or JSON text")]
    Binary {
        name: String,
        line: usize,
        column: usize,
    },
    /// A path inside the repository that a symlink leads out of it: a pull request can commit
    /// such a link, and the runner that judges it keeps credentials in files.
    #[error("a symlink leads from here to outside the repository; prr reads only files inside it (replace the link with the file)")]
    OutsideRepository { name: String },
}

impl ReadError {
    /// The file the error is about.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Io { name, .. }
            | Self::Empty { name }
            | Self::TooLarge { name, .. }
            | Self::NotUtf8 { name, .. }
            | Self::Binary { name, .. }
            | Self::OutsideRepository { name } => name,
        }
    }

    /// Where in the file, when the problem has a place.
    #[must_use]
    pub fn position(&self) -> Option<LineCol> {
        match self {
            Self::NotUtf8 { line, column, .. } | Self::Binary { line, column, .. } => {
                Some(LineCol {
                    line: *line,
                    column: *column,
                })
            }
            _ => None,
        }
    }
}

/// The size limit in force: `PRR_MAX_FILE_BYTES` when set to a number, else 1 MiB.
#[must_use]
pub fn max_file_bytes() -> u64 {
    std::env::var("PRR_MAX_FILE_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_MAX_FILE_BYTES)
}

/// Reads a file as UTF-8 text within the size limit, refusing empty and binary files.
/// A leading byte-order mark is dropped (editors on Windows write one).
///
/// # Errors
/// Any [`ReadError`]: each names the file, and where it can the line and column.
pub fn read_text(path: &Path, name: &str) -> Result<SourceFile, ReadError> {
    let limit = max_file_bytes();
    let io = |source| ReadError::Io {
        name: name.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("it is a directory")));
    }
    // A FIFO, a socket or a device (`/dev/zero`) has no size to check and may never end,
    // or never even open: only regular files are read.
    if !meta.is_file() {
        return Err(io(std::io::Error::other(
            "it is not a regular file (a FIFO, a socket or a device)",
        )));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            name: name.to_owned(),
            size: meta.len(),
            limit,
        });
    }
    // The size was checked before opening, but the file can grow: never read past the limit.
    // Room for the size seen (and one byte more, to see the end) is made once.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().saturating_add(1)).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|file| {
            std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        })
        .map_err(io)?;
    text_from_bytes(bytes, name, limit)
}

/// As [`read_text`], for a file of the repository at `root`: a path inside the repository
/// that resolves, through a symlink anywhere on the way, to a place outside it is refused
/// before anything is opened. A path named outside the repository is the caller's to name.
///
/// # Errors
/// As [`read_text`], and [`ReadError::OutsideRepository`].
pub fn read_text_in(path: &Path, name: &str, root: &Path) -> Result<SourceFile, ReadError> {
    if leaves(path, root) {
        return Err(ReadError::OutsideRepository {
            name: name.to_owned(),
        });
    }
    read_text(path, name)
}

/// Whether `path` lies inside `root` as written but outside it once symlinks are resolved.
fn leaves(path: &Path, root: &Path) -> bool {
    let absolute = |p: &Path| {
        if p.is_absolute() {
            normalize(p)
        } else {
            std::env::current_dir().map_or_else(|_| normalize(p), |cwd| normalize(&cwd.join(p)))
        }
    };
    let Ok(real_root) = root.canonicalize() else {
        return false;
    };
    let written = absolute(path);
    if !written.starts_with(absolute(root)) && !written.starts_with(&real_root) {
        return false;
    }
    // A path that does not resolve (missing, a dangling link) is left to `read_text`.
    path.canonicalize()
        .is_ok_and(|real| !real.starts_with(&real_root))
}

/// The checks of [`read_text`] on bytes already in memory (a file read through git, say).
///
/// # Errors
/// As [`read_text`].
pub fn text_from_bytes(bytes: Vec<u8>, name: &str, limit: u64) -> Result<SourceFile, ReadError> {
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            name: name.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    // A NUL byte means binary (as git judges it), whatever else is wrong with the bytes.
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let before = String::from_utf8_lossy(&bytes[..offset]).into_owned();
        let at = SourceFile::new(name, before).line_col(offset);
        return Err(ReadError::Binary {
            name: name.to_owned(),
            line: at.line,
            column: at.column,
        });
    }
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&err.as_bytes()[..offset]).into_owned();
            let at = SourceFile::new(name, valid).line_col(offset);
            return Err(ReadError::NotUtf8 {
                name: name.to_owned(),
                line: at.line,
                column: at.column,
                offset,
            });
        }
    };
    if let Some(stripped) = text.strip_prefix('\u{feff}') {
        text = stripped.to_owned();
    }
    if text.trim().is_empty() {
        return Err(ReadError::Empty {
            name: name.to_owned(),
        });
    }
    Ok(SourceFile::new(name, text))
}

/// How a path is shown: relative to `root` with `/` separators when it lies below it.
#[must_use]
pub fn display_name(path: &Path, root: &Path) -> String {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    };
    let absolute = normalize(&absolute);
    let shown = absolute
        .strip_prefix(normalize(root))
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf);
    shown.to_string_lossy().replace('\\', "/")
}

/// Removes `.` and resolves `..` lexically, without touching the file system
/// (the file may not exist yet, or may be a symlink the user named on purpose).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A server's text as one bounded line (at most 300 characters): it is shown in reports.
#[must_use]
pub fn one_line(text: &str) -> String {
    const MAX: usize = 300;
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// What one run may read for imports and repository evidence together (decision 19): a
/// total of bytes, and a time by which the reading must be done. Shared by the manifest
/// stage (imports) and the evidence stage (the repository's files), so that many files,
/// each under the size limit, cannot add up to a run that reads for minutes or fills
/// memory. Past either, the file that crossed it is named.
#[derive(Debug)]
pub struct ReadBudget {
    bytes: u64,
    used: std::sync::atomic::AtomicU64,
    deadline: std::time::Instant,
    bound: std::time::Duration,
}

impl ReadBudget {
    /// The bytes a run reads unless told otherwise: a service's imports and its
    /// Dockerfiles and Kubernetes YAML are kilobytes; a monorepo of thousands of services
    /// stays well inside.
    pub const DEFAULT_BYTES: u64 = 64 * 1024 * 1024;

    /// A budget of `bytes`, to be spent within `bound` from now.
    #[must_use]
    pub fn new(bytes: u64, bound: std::time::Duration) -> Self {
        Self {
            bytes,
            used: std::sync::atomic::AtomicU64::new(0),
            deadline: std::time::Instant::now() + bound,
            bound,
        }
    }

    /// Spends `size` bytes on reading `name`.
    ///
    /// # Errors
    /// The run's bytes are spent, or its time is up: the message names `name` and the
    /// bound it crossed.
    pub fn take(&self, size: u64, name: &str) -> Result<(), String> {
        if std::time::Instant::now() > self.deadline {
            return Err(format!(
                "{name}: not read: the run's time for reading files ({} s) ran out before it",
                self.bound.as_secs_f64()
            ));
        }
        let before = self
            .used
            .fetch_add(size, std::sync::atomic::Ordering::Relaxed);
        if before.saturating_add(size) > self.bytes {
            return Err(format!(
                "{name}: not read: it would take the files this run reads for imports and repository evidence past {} MiB",
                self.bytes / (1024 * 1024)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_s_reads_share_one_budget_and_the_file_that_crosses_it_is_named() {
        let budget = ReadBudget::new(100, std::time::Duration::from_secs(60));
        assert!(budget.take(60, "a.yaml").is_ok());
        let err = budget.take(60, "b.yaml").unwrap_err();
        assert!(err.starts_with("b.yaml: not read"), "{err}");
        assert!(err.contains("past 0 MiB") || err.contains("MiB"), "{err}");
        let late = ReadBudget::new(u64::MAX, std::time::Duration::ZERO);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let err = late.take(1, "c.yaml").unwrap_err();
        assert!(err.contains("ran out"), "{err}");
    }

    #[test]
    fn offset_is_the_inverse_of_line_col() {
        let source = SourceFile::new("a.toml", "a = 1\né = \"ü\"\n\nlast");
        for offset in 0..=source.text.len() {
            if !source.text.is_char_boundary(offset) {
                continue;
            }
            let at = source.line_col(offset);
            assert_eq!(source.offset(at.line, at.column), offset, "{at:?}");
        }
        assert_eq!(source.offset(0, 1), source.text.len());
        assert_eq!(source.offset(99, 1), source.text.len());
        // A column past its line stops at the next line's start.
        assert_eq!(source.offset(1, 40), 6);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_repository_is_refused() {
        let outside = tempfile::tempdir().expect("tempdir");
        let secret = outside.path().join("credentials");
        std::fs::write(&secret, "[service]\nname = \"token-abc\"\n").expect("write");
        let repo = tempfile::tempdir().expect("tempdir");
        let link = repo.path().join("prr.toml");
        std::os::unix::fs::symlink(&secret, &link).expect("symlink");
        let err = read_text_in(&link, "prr.toml", repo.path()).expect_err("refused");
        assert!(matches!(err, ReadError::OutsideRepository { .. }), "{err}");
        assert!(!err.to_string().contains("token-abc"));
        // A directory linked out of the repository is refused the same way.
        std::os::unix::fs::symlink(outside.path(), repo.path().join("svc")).expect("symlink");
        let through = repo.path().join("svc/credentials");
        assert!(read_text_in(&through, "svc/credentials", repo.path()).is_err());
        // A link that stays inside is read, and so is a file named outside on purpose.
        std::fs::write(repo.path().join("real.toml"), "a = 1\n").expect("write");
        std::os::unix::fs::symlink("real.toml", repo.path().join("inside.toml")).expect("symlink");
        let inside = read_text_in(&repo.path().join("inside.toml"), "inside.toml", repo.path());
        assert_eq!(inside.expect("read").text, "a = 1\n");
        assert!(read_text_in(&secret, "credentials", repo.path()).is_ok());
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let file = SourceFile::new("x", "a = 1\nbé = 2\n");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(6), LineCol { line: 2, column: 1 });
        // "bé " is four bytes and three characters: the `=` after it is in column 4.
        assert_eq!(file.line_col(10), LineCol { line: 2, column: 4 });
        assert_eq!(file.line_col(999), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn refuses_empty_binary_and_non_utf8() {
        let limit = DEFAULT_MAX_FILE_BYTES;
        assert!(matches!(
            text_from_bytes(b" \n\t".to_vec(), "f", limit),
            Err(ReadError::Empty { .. })
        ));
        assert!(matches!(
            text_from_bytes(b"a = 1\n\0\x01".to_vec(), "f", limit),
            Err(ReadError::Binary { line: 2, .. })
        ));
        assert!(matches!(
            text_from_bytes(b"a = \"\xff\"".to_vec(), "f", limit),
            Err(ReadError::NotUtf8 {
                line: 1,
                column: 6,
                ..
            })
        ));
        assert!(matches!(
            text_from_bytes(vec![b' '; 11], "f", 10),
            Err(ReadError::TooLarge { size: 11, .. })
        ));
        let bom = text_from_bytes(b"\xef\xbb\xbfa = 1".to_vec(), "f", limit).unwrap();
        assert_eq!(bom.text, "a = 1");
    }
}
