//! `codeowners` (rule `ownership.codeowners`): the repository's CODEOWNERS assigns the
//! manifest to the team in `service.owner`, so that the team that owns the service reviews
//! every change to its production-readiness claims. Read with GitHub's rules: the first of
//! `.github/CODEOWNERS`, `CODEOWNERS` and `docs/CODEOWNERS` that exists is the one in force;
//! its patterns are gitignore patterns; the last line that matches the manifest's path
//! decides, and a line with no owners leaves the file unowned. Evidence: the repository's
//! files. Takes no parameters.

use ignore::gitignore::GitignoreBuilder;

use super::{no_params, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::repository::CODEOWNERS;
use crate::facts::{Gathered, Unavailable};
use crate::source::{FileId, SourceFile, Span};

pub const SPEC: Spec = Spec {
    name: "codeowners",
    summary:
        "CODEOWNERS assigns the manifest to `service.owner` (repository evidence; no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(Codeowners))
}

#[derive(Debug)]
struct Codeowners;

/// One rule of a CODEOWNERS file.
#[derive(Debug, PartialEq)]
struct Line<'a> {
    pattern: &'a str,
    owners: Vec<&'a str>,
    /// The line's span in the file.
    span: Span,
}

impl Builtin for Codeowners {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs::root_files(&CODEOWNERS)
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let Some(owner_node) = cx.manifest.root.pointer("service.owner") else {
            return Outcome::skip("`service.owner` is not set (ownership.team asks for it)");
        };
        let Some(owner) = owner_node.as_str().map(str::trim).filter(|o| !o.is_empty()) else {
            return Outcome::skip("`service.owner` is not a team handle to look for");
        };
        let key = "service.owner";
        let repository = match &cx.facts.repository {
            Gathered::Known(repository) => repository,
            Gathered::NotConfigured(why) => {
                return Outcome::skip(format!("the repository's files were not read ({why})"))
            }
            Gathered::Unavailable(why) => {
                return Outcome::fail(vec![Failure::unverified(why, key, owner_node.span)], "")
            }
        };
        let manifest_path = repository.manifest_path(&cx.manifest.source.name);
        let manifest = manifest_path.as_str();
        let add = advice(manifest, owner, owner_node.span.file != FileId::MANIFEST);
        let Some(path) = CODEOWNERS
            .into_iter()
            .find(|p| repository.size(p).is_some())
        else {
            return Outcome::fail(
                vec![Failure::new(
                    format!(
                        "{} has no CODEOWNERS file, so nobody is asked to review changes to {manifest}; {}",
                        repository.origin,
                        add.replace("add `", "add .github/CODEOWNERS with the line `")
                    ),
                    key,
                    owner_node.span,
                )],
                "",
            );
        };
        let Some((file, text)) = repository.text(cx.manifest, path) else {
            let why = Unavailable::own(path, "it cannot be read as text");
            return Outcome::fail(vec![Failure::unverified(&why, key, owner_node.span)], "");
        };
        let lines = parse(text);
        let Some(last) = lines
            .iter()
            .rev()
            .find(|line| matches(line.pattern, manifest))
        else {
            return Outcome::fail(
                vec![Failure::new(
                    format!(
                        "no line of {path} matches {manifest}, so nobody is asked to review changes to it; {add}"
                    ),
                    key,
                    owner_node.span,
                )],
                "",
            );
        };
        let line_no = text.line_col(last.span.start).line;
        if last.owners.iter().any(|o| o.eq_ignore_ascii_case(owner)) {
            return Outcome::pass(format!(
                "{path} line {line_no} (`{}`) assigns {manifest} to {owner}",
                last.pattern
            ));
        }
        let assigned = if last.owners.is_empty() {
            "leaves it without owners".to_owned()
        } else {
            format!("assigns it to {}", last.owners.join(" "))
        };
        Outcome::fail(
            vec![Failure::new(
                format!(
                    "the last line of {path} that matches {manifest} (`{}`) {assigned}, not to {owner} (`service.owner`); {add}",
                    last.pattern
                ),
                key,
                last.span.in_file(file),
            )],
            "",
        )
    }
}

/// What to write so that CODEOWNERS names the owner: the line itself when `owner` is
/// something CODEOWNERS accepts (`@org/team`, `@user`, an email), else what to configure,
/// never a line GitHub would reject (`team:ledger`).
fn advice(manifest: &str, owner: &str, from_import: bool) -> String {
    if owner.starts_with('@') || owner.contains('@') {
        return format!("add `/{manifest} {owner}`");
    }
    let backstage = if from_import {
        " (it comes from an import: set the pack's `[import.backstage] owner_format = \"@<org>/{name}\"` so that Backstage groups become team handles)"
    } else {
        ""
    };
    format!(
        "CODEOWNERS names owners as `@org/team`, `@user` or an email, and `{owner}` is none of them: write `service.owner` as the team's GitHub handle{backstage}, then add `/{manifest} @<org>/<team>`"
    )
}

/// The rules of a CODEOWNERS file, in order: comments and blank lines left out. An inline
/// `#` starts a comment; `\#` is a literal one.
fn parse(file: &SourceFile) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for raw in file.text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let mut end = content.len();
        let bytes = content.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'#' && (i == 0 || bytes[i - 1] != b'\\') {
                end = i;
                break;
            }
        }
        let mut words = content[..end].split_whitespace();
        let Some(pattern) = words.next() else {
            continue;
        };
        lines.push(Line {
            pattern,
            owners: words.collect(),
            span: Span::new(start, start + content.len()),
        });
    }
    lines
}

/// Whether a CODEOWNERS pattern matches `path` (relative to the root), by gitignore rules:
/// a pattern without a slash matches at any depth, a leading `/` anchors it, a pattern that
/// matches a directory matches everything below it. Where GitHub departs from gitignore,
/// GitHub is followed: `docs/*` matches the files directly in `docs/`, not those nested
/// deeper, and there is no negation. A pattern gitignore cannot read matches nothing
/// (GitHub ignores such a line too).
fn matches(pattern: &str, path: &str) -> bool {
    let literal = if pattern.starts_with('!') {
        format!("\\{pattern}")
    } else {
        pattern.to_owned()
    };
    let mut builder = GitignoreBuilder::new("/");
    if builder.add_line(None, &literal).is_err() {
        return false;
    }
    let Ok(matcher) = builder.build() else {
        return false;
    };
    let path = std::path::Path::new("/").join(path);
    if matcher.matched(&path, false).is_ignore() {
        return true;
    }
    if pattern.ends_with("/*") {
        return false;
    }
    path.ancestors()
        .skip(1)
        .take_while(|dir| *dir != std::path::Path::new("/"))
        .any(|dir| matcher.matched(dir, true).is_ignore())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_follow_gitignore_rules() {
        let path = "services/pay/prr.toml";
        for (pattern, expected) in [
            ("*", true),
            ("*.toml", true),
            ("prr.toml", true),
            ("/prr.toml", false),
            ("/services/pay/prr.toml", true),
            ("services/", true),
            ("/services/pay/", true),
            ("services/*", false),
            ("services/pay/*", true),
            ("/services/pay", true),
            ("services/**", true),
            ("/services/search/", false),
            ("docs/", false),
            ("**/pay/prr.toml", true),
        ] {
            assert_eq!(matches(pattern, path), expected, "{pattern}");
        }
    }

    #[test]
    fn comments_and_blank_lines_are_not_rules() {
        let file = SourceFile::new(
            "CODEOWNERS",
            "# owners\n\n* @acme/platform # everyone\n/docs/ \n/a\\#b @acme/x\n",
        );
        let lines = parse(&file);
        let shown: Vec<(&str, Vec<&str>)> = lines
            .iter()
            .map(|l| (l.pattern, l.owners.clone()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("*", vec!["@acme/platform"]),
                ("/docs/", vec![]),
                ("/a\\#b", vec!["@acme/x"]),
            ]
        );
        assert_eq!(file.line_col(lines[0].span.start).line, 3);
    }
}
