//! The two escaping paths for text prr did not write (manifest names and values, imported
//! files, incident records, a report artifact): one for lines of a CI log, one for
//! Markdown that GitHub renders (a comment, a check run, the job summary). Every renderer
//! and every message that carries such text into those places goes through one of them.

use std::fmt::Write as _;

/// Text for a line of a GitHub Actions log, or for the data of a workflow command: `%`, CR
/// and LF are percent-encoded as the runner decodes them (`%25`, `%0D`, `%0A`), so the text
/// stays on one line; other control characters (ESC, BEL) are written as their escapes so
/// a terminal cannot be driven by them; and a line that would start with `::` (a workflow
/// command: `::add-mask::`, `::stop-commands::`, a forged `::error`) has its first colon
/// encoded as `%3A`. The runner obeys no line this returns.
#[must_use]
pub fn log_line(text: &str) -> String {
    let mut out = workflow_data(text);
    let start = out.len() - out.trim_start().len();
    if out[start..].starts_with("::") {
        out.replace_range(start..=start, "%3A");
    }
    out
}

/// A workflow command's data (the part after `::`): `%`, CR and LF percent-encoded, as
/// GitHub's toolkit encodes them, so the data can neither end the command nor start a new
/// line; other control characters written as escapes.
#[must_use]
pub fn workflow_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

/// Text made inert in GitHub-flavoured Markdown, to be shown as written: Markdown
/// punctuation is backslash-escaped, so `<` opens no HTML, `[` and `![` no link or image,
/// `|` ends no table cell; the `:` of `://` and the `.` of `www.` are escaped too, so no bare
/// URL becomes a link; line breaks and other control characters become spaces, so the text
/// cannot leave the line, quote or table it stands in (a `> [!WARNING]` block); and `@` is
/// followed by a zero-width space, so a team or person named in it is not notified (and
/// no e-mail address becomes a link).
#[must_use]
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '!' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            ':' if text[at..].starts_with("://") => out.push_str("\\:"),
            '.' if at >= 3
                && text.is_char_boundary(at - 3)
                && text[at - 3..at].eq_ignore_ascii_case("www") =>
            {
                out.push_str("\\.");
            }
            '@' => out.push_str("@&#8203;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A name from outside (a manifest path from a report artifact) quoted for a sentence that
/// may reach a log or a comment: in double quotes, with quotes, backslashes and control
/// characters escaped, so it starts no line and ends none. The sentence still goes through
/// [`log_line`] or [`markdown`] where it is written.
#[must_use]
pub fn quoted(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_log_line_is_a_workflow_command() {
        let hostile = [
            "::add-mask::secret",
            "  ::stop-commands::token",
            "pay\n::error file=x::forged\r\n::warning::x",
            "\t::set-output name=x::y",
            "50% done %0A::error::x",
            "\u{1b}]8;;https://evil\u{7}link",
        ];
        for text in hostile {
            let line = log_line(text);
            assert!(!line.contains(['\n', '\r', '\u{1b}', '\u{7}']), "{line:?}");
            assert!(!line.trim_start().starts_with("::"), "{line:?}");
        }
        assert_eq!(log_line("::add-mask::x"), "%3A:add-mask::x");
        assert_eq!(log_line("a\nb"), "a%0Ab");
        // `%` is encoded first, so an encoded newline in the input stays literal text.
        assert_eq!(workflow_data("%0A"), "%250A");
        assert_eq!(log_line("plain text: ok"), "plain text: ok");
    }

    #[test]
    fn markdown_leaves_no_html_mention_link_image_or_line_break() {
        let out = markdown("<img src=x onerror=alert(1)> @acme/admins [ok](https://evil.example) ![x](https://evil.example/i.png)\n> ✅ all checks passed\r\nwww.evil.example <https://x.y>");
        // Every character that opens markup is escaped where it stands.
        let chars: Vec<char> = out.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if matches!(c, '<' | '>' | '[' | ']' | '!' | '`' | '|') {
                assert_eq!(
                    chars.get(i.wrapping_sub(1)),
                    Some(&'\\'),
                    "{c} at {i} in {out}"
                );
            }
        }
        for bad in ["\n", "\r", "@acme", "https://", "www."] {
            assert!(!out.contains(bad), "{bad:?} in {out}");
        }
        assert!(out.contains("https\\://evil.example"), "{out}");
        assert!(out.contains("www\\.evil.example"), "{out}");
        assert!(out.contains("@&#8203;acme/admins"), "{out}");
        assert!(out.contains("✅ all checks passed"), "{out}");
        assert_eq!(markdown("a_b"), "a\\_b");
    }

    #[test]
    fn quoted_names_start_and_end_no_line() {
        let q = quoted("::error::x\n::add-mask::y");
        assert!(q.starts_with('"') && !q.contains('\n'), "{q}");
    }
}
