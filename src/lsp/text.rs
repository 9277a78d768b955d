//! Texts as the editor sees them: positions in the encoding the client negotiated (UTF-16
//! unless it offers another), edits applied to a buffer, and file URIs.

use std::path::{Path, PathBuf};

use lsp_types::{Position, PositionEncodingKind, Range, TextEdit, Uri};
use percent_encoding::percent_decode_str;

/// How the client counts a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The encoding to use among those the client offers: UTF-8 (the text's own, no
    /// counting), then UTF-32, else UTF-16, which every client must support.
    #[must_use]
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Self::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Self::Utf32
        } else {
            Self::Utf16
        }
    }

    #[must_use]
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
            Self::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Self::Utf8 => c.len_utf8(),
            Self::Utf16 => c.len_utf16(),
            Self::Utf32 => 1,
        }
    }
}

/// Where each line of a text starts: a position is found with a binary search and a scan
/// of one line, so converting every finding of a 1 MiB manifest stays linear.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'a> Lines<'a> {
    #[must_use]
    pub fn new(text: &'a str, encoding: Encoding) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            text,
            starts,
            encoding,
        }
    }

    /// The text of line `index` (0-based), without its line break.
    #[must_use]
    pub fn line(&self, index: usize) -> &'a str {
        let Some(&start) = self.starts.get(index) else {
            return "";
        };
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    /// How many lines the text has.
    #[must_use]
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where line `index` starts (the end of the text past the last).
    #[must_use]
    pub fn start(&self, index: usize) -> usize {
        self.starts.get(index).copied().unwrap_or(self.text.len())
    }

    /// The position of a byte offset (clamped to the text).
    #[must_use]
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let character = self.text[self.starts[line]..offset]
            .chars()
            .map(|c| self.encoding.width(c))
            .sum::<usize>();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of a position; a column past the end of its line is the line's
    /// end, a line past the end is the end of the text.
    #[must_use]
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.text.len();
        }
        let start = self.starts[line];
        let mut units = 0usize;
        let wanted = position.character as usize;
        for (i, c) in self.line(line).char_indices() {
            if units >= wanted {
                return start + i;
            }
            units += self.encoding.width(c);
        }
        start + self.line(line).len()
    }

    /// The byte offset of a report's 1-based line and column (characters).
    #[must_use]
    pub fn offset_of_line_col(&self, line: usize, column: usize) -> usize {
        let index = line.saturating_sub(1);
        if index >= self.starts.len() {
            return self.text.len();
        }
        let text = self.line(index);
        let within = text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        self.starts[index] + within
    }

    /// The range of the token a finding points at (a key, a value, a table header), from
    /// its 1-based line and column; empty at the end of a line.
    #[must_use]
    pub fn token_range(&self, line: usize, column: usize) -> Range {
        let start = self.offset_of_line_col(line, column);
        let end = start + token_len(&self.text[start..self.line_end(start)]);
        Range::new(self.position(start), self.position(end))
    }

    fn line_end(&self, offset: usize) -> usize {
        self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i)
    }

    /// A range of byte offsets as a protocol range.
    #[must_use]
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }
}

/// The length of the token at the start of `rest`: a table header to its closing bracket, a
/// quoted string to its closing quote, else up to a space, `=`, `,` or a bracket.
fn token_len(rest: &str) -> usize {
    let trimmed = rest.trim_end_matches('\r');
    match trimmed.chars().next() {
        None => 0,
        Some('[') => trimmed.rfind(']').map_or(trimmed.len(), |i| i + 1),
        Some(quote @ ('"' | '\'')) => trimmed[1..].find(quote).map_or(trimmed.len(), |i| i + 2),
        Some(_) => trimmed
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | ']' | '}' | '#'))
            .unwrap_or(trimmed.len()),
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Applies one change the client sent: a range replaced, or the whole text.
pub fn apply_change(text: &mut String, range: Option<Range>, new: &str, encoding: Encoding) {
    match range {
        None => new.clone_into(text),
        Some(range) => {
            let lines = Lines::new(text, encoding);
            let start = lines.offset(range.start);
            let end = lines.offset(range.end).max(start);
            text.replace_range(start..end, new);
        }
    }
}

/// The one edit that turns `old` into `new`: what differs between their common start and
/// common end, so an editor keeps the cursor and the undo history of the rest.
#[must_use]
pub fn edit_between(old: &str, new: &str, encoding: Encoding) -> TextEdit {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let mut suffix = old[prefix..]
        .bytes()
        .rev()
        .zip(new[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let lines = Lines::new(old, encoding);
    TextEdit::new(
        lines.range(prefix, old.len() - suffix),
        new[prefix..new.len() - suffix].to_owned(),
    )
}

/// The file a `file:` URI names.
#[must_use]
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` (empty authority) or `file://localhost/path`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    // `file:///C:/x` is `C:/x` on Windows.
    let decoded = match decoded.strip_prefix('/') {
        Some(rest) if cfg!(windows) && rest.get(1..2) == Some(":") => rest.to_owned(),
        _ => decoded.into_owned(),
    };
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path.
#[must_use]
pub fn uri_of(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    format!("file://{}", crate::report::uri_path(&text))
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_in_the_negotiated_encoding() {
        let text = "a = \"é😀x\"\nb = 1\n";
        let offset = text.find('x').unwrap();
        for (encoding, column) in [
            (Encoding::Utf8, 11),
            (Encoding::Utf16, 8),
            (Encoding::Utf32, 7),
        ] {
            let lines = Lines::new(text, encoding);
            assert_eq!(lines.position(offset), Position::new(0, column));
            assert_eq!(lines.offset(Position::new(0, column)), offset);
        }
        let lines = Lines::new(text, Encoding::Utf16);
        assert_eq!(lines.offset(Position::new(1, 99)), text.len() - 1);
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
        assert_eq!(lines.offset_of_line_col(1, 8), offset);
    }

    #[test]
    fn changes_apply_at_their_range() {
        let mut text = "[service]\nname = \"a😀b\"\n".to_owned();
        let range = Range::new(Position::new(1, 11), Position::new(1, 12));
        apply_change(&mut text, Some(range), "c", Encoding::Utf16);
        assert_eq!(text, "[service]\nname = \"a😀c\"\n");
        apply_change(&mut text, None, "x", Encoding::Utf16);
        assert_eq!(text, "x");
    }

    #[test]
    fn one_edit_covers_only_what_differs() {
        let edit = edit_between("a\nb\nc\n", "a\nb\nB2\nc\n", Encoding::Utf16);
        assert_eq!(
            edit.range,
            Range::new(Position::new(2, 0), Position::new(2, 0))
        );
        assert_eq!(edit.new_text, "B2\n");
    }

    #[test]
    fn tokens_end_where_a_key_a_value_or_a_header_ends() {
        let text = "[monitoring.golden_signals]\nlatency = \"x y\"\n";
        let lines = Lines::new(text, Encoding::Utf16);
        assert_eq!(lines.token_range(1, 1).end, Position::new(0, 27));
        assert_eq!(lines.token_range(2, 1).end, Position::new(1, 7));
        assert_eq!(lines.token_range(2, 11).end, Position::new(1, 15));
    }

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a b/prr.toml");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/prr.toml");
        assert_eq!(path_of(&uri).unwrap(), path);
    }
}
