//! Dockerfiles as the repository holds them: who the image's last stage runs as.
//!
//! Only the last stage becomes the image (earlier ones are build stages whose files are
//! copied out), so only its `USER` counts. The last `USER` of that stage wins; without
//! one the container runs as its base image's user, which is root unless the base image
//! says otherwise, and the Dockerfile alone cannot show it did. A `USER $VAR` is resolved
//! from the `ARG`/`ENV` defaults the Dockerfile gives.

use std::collections::BTreeMap;

use crate::source::Span;

/// Whether a path is a Dockerfile: `Dockerfile`, `Containerfile`, `Dockerfile.<variant>`
/// or `<variant>.Dockerfile`.
#[must_use]
pub fn is_dockerfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    // `Dockerfile.md` is its documentation, not a variant.
    let documentation = [".md", ".txt", ".rst", ".adoc"]
        .iter()
        .any(|ext| name.ends_with(ext));
    name == "Dockerfile"
        || name == "Containerfile"
        || (name.starts_with("Dockerfile.") && !documentation)
        || name.ends_with(".Dockerfile")
}

/// The last stage of a Dockerfile, and who it runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastStage {
    /// The `FROM` instruction that starts it.
    pub from: Span,
    /// Its last `USER`: the user as written and as resolved, and the instruction's span.
    pub user: Option<User>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub written: String,
    /// The user with `ARG`/`ENV` defaults substituted; `None` when a variable has none.
    pub resolved: Option<String>,
    pub span: Span,
}

impl User {
    /// Whether the user is root: the name `root` or uid 0, with or without a group.
    #[must_use]
    pub fn is_root(&self) -> Option<bool> {
        let user = self.resolved.as_deref()?;
        let name = user.split(':').next().unwrap_or(user).trim();
        Some(name.is_empty() || name == "root" || name.parse::<u64>() == Ok(0))
    }
}

/// One instruction: its keyword (upper case), its arguments, and its span.
struct Instruction {
    keyword: String,
    args: String,
    span: Span,
}

/// The last stage of `text`; `None` when it has no `FROM`.
#[must_use]
pub fn last_stage(text: &str) -> Option<LastStage> {
    let mut globals = BTreeMap::new();
    let mut stage: Option<(LastStage, BTreeMap<String, String>)> = None;
    for instruction in instructions(text) {
        match instruction.keyword.as_str() {
            "FROM" => {
                let vars = globals.clone();
                stage = Some((
                    LastStage {
                        from: instruction.span,
                        user: None,
                    },
                    vars,
                ));
            }
            "ARG" | "ENV" => {
                let vars = match &mut stage {
                    Some((_, vars)) => vars,
                    None => &mut globals,
                };
                for (name, value) in assignments(&instruction.keyword, &instruction.args) {
                    // `ARG NAME` without a default inherits one given before the first stage.
                    if let Some(value) = value {
                        vars.insert(name, value);
                    }
                }
            }
            "USER" => {
                if let Some((last, vars)) = &mut stage {
                    let written = instruction.args.trim().to_owned();
                    last.user = Some(User {
                        resolved: substitute(&written, vars),
                        written,
                        span: instruction.span,
                    });
                }
            }
            _ => {}
        }
    }
    stage.map(|(last, _)| last)
}

/// The instructions of a Dockerfile: comments and blank lines left out, lines continued
/// with a trailing `\` joined.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut current: Option<(usize, usize, String)> = None;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_none()) {
            continue;
        }
        let (continued, body) = match trimmed.trim_end().strip_suffix('\\') {
            Some(body) => (true, body),
            None => (false, trimmed),
        };
        let entry = current.get_or_insert_with(|| (start, start, String::new()));
        entry.1 = start + line.len();
        entry.2.push_str(body);
        entry.2.push(' ');
        if !continued {
            if let Some((from, to, joined)) = current.take() {
                let joined = joined.trim();
                let (keyword, args) = joined
                    .split_once(char::is_whitespace)
                    .unwrap_or((joined, ""));
                out.push(Instruction {
                    keyword: keyword.to_ascii_uppercase(),
                    args: args.trim().to_owned(),
                    span: Span::new(from, to),
                });
            }
        }
    }
    out
}

/// The variables an `ARG` or `ENV` sets: `NAME=value` pairs (quotes removed), or the
/// legacy `ENV NAME value` form.
fn assignments(keyword: &str, args: &str) -> Vec<(String, Option<String>)> {
    if keyword == "ENV" && !args.split_whitespace().next().unwrap_or("").contains('=') {
        let (name, value) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        return vec![(name.to_owned(), Some(unquote(value.trim())))];
    }
    args.split_whitespace()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(unquote(value))),
            None => (pair.to_owned(), None),
        })
        .collect()
}

fn unquote(value: &str) -> String {
    value.trim_matches(|c| c == '"' || c == '\'').to_owned()
}

/// `$NAME`, `${NAME}` and `${NAME:-default}` replaced from `vars`; `None` when one has no value.
fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, default, consumed) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            let body = &inner[..end];
            match body.split_once(":-") {
                Some((name, default)) => (name, Some(default), end + 2),
                None => (body, None, end + 2),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        let value = vars
            .get(name)
            .map(String::as_str)
            .or(default)
            .filter(|v| !v.is_empty())?;
        out.push_str(value);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_of(text: &str) -> Option<(String, Option<bool>)> {
        let stage = last_stage(text)?;
        let user = stage.user?;
        let root = user.is_root();
        Some((text[user.span.start..user.span.end].to_owned(), root))
    }

    #[test]
    fn only_the_last_stage_counts() {
        let text = "FROM golang:1.23 AS build\nUSER 10001\nRUN go build\n\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n";
        let stage = last_stage(text).unwrap();
        assert_eq!(
            &text[stage.from.start..stage.from.end],
            "FROM gcr.io/distroless/static"
        );
        assert_eq!(stage.user, None);
        let text = "FROM golang AS build\nUSER root\nFROM alpine\nUSER 10001:10001\n";
        assert_eq!(
            user_of(text),
            Some(("USER 10001:10001".to_owned(), Some(false)))
        );
    }

    #[test]
    fn root_is_a_name_or_uid_zero() {
        for (text, root) in [
            ("FROM a\nUSER root\n", true),
            ("FROM a\nuser 0:0\n", true),
            ("FROM a\nUSER root:app\n", true),
            ("FROM a\nUSER app\n", false),
            ("FROM a\nUSER 10001\n", false),
            ("FROM a\nUSER app\nUSER root\n", true),
        ] {
            assert_eq!(user_of(text).unwrap().1, Some(root), "{text}");
        }
        assert_eq!(last_stage("# no image\n"), None);
    }

    #[test]
    fn variables_resolve_from_arg_and_env_defaults() {
        assert_eq!(
            user_of("ARG UID=10001\nFROM a\nARG UID\nUSER ${UID}\n")
                .unwrap()
                .1,
            Some(false)
        );
        assert_eq!(
            user_of("FROM a\nENV APP_USER app\nUSER $APP_USER\n")
                .unwrap()
                .1,
            Some(false)
        );
        assert_eq!(
            user_of("FROM a\nUSER ${RUN_AS:-0}\n").unwrap().1,
            Some(true)
        );
        assert_eq!(user_of("FROM a\nUSER $WHO\n").unwrap().1, None);
    }

    #[test]
    fn continued_lines_are_one_instruction() {
        let text = "FROM a\nRUN apk add \\\n  curl\n# USER root\nUSER \\\n  app\n";
        let (span_text, root) = user_of(text).unwrap();
        assert_eq!(span_text, "USER \\\n  app");
        assert_eq!(root, Some(false));
    }

    #[test]
    fn dockerfiles_are_known_by_name() {
        for (path, expected) in [
            ("Dockerfile", true),
            ("services/api/Dockerfile", true),
            ("Dockerfile.dev", true),
            ("api.Dockerfile", true),
            ("Containerfile", true),
            ("docs/Dockerfile.md", false),
            ("Dockerfiles/readme", false),
            (".dockerignore", false),
        ] {
            assert_eq!(is_dockerfile(path), expected, "{path}");
        }
    }
}
