//! `import_consistent` (rule `import.consistent`): a fact given both in `prr.toml` and in
//! a file it imports (`[import]`: Backstage's catalog-info, OpenSLO, sloth), or in two
//! imports, is the same in both. The manifest's value is the one judged; a difference is
//! two sources of truth already drifting apart, so the rule fails at both places, each
//! finding naming the other. What an import holds that prr keeps but does not judge (a
//! threshold SLI, timeslice budgeting) is said in the passing message. Takes no parameters.

use super::{no_params, Builtin, Context, Failure, Outcome, Spec};
use crate::source::Span;

pub const SPEC: Spec = Spec {
    name: "import_consistent",
    summary: "facts given in prr.toml and in an [import] file agree (no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(ImportConsistent))
}

#[derive(Debug)]
struct ImportConsistent;

impl Builtin for ImportConsistent {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let imports = &cx.manifest.imports;
        if imports.files.is_empty() {
            return Outcome::skip("the manifest has no `[import]`");
        }
        let place = |span: Span| {
            cx.manifest
                .file(span.file)
                .map_or_else(String::new, |file| {
                    let at = file.line_col(span.start);
                    format!("{}:{}", file.name, at.line)
                })
        };
        let file_name = |span: Span| {
            cx.manifest
                .file(span.file)
                .map_or_else(String::new, |file| file.name.clone())
        };
        let mut failures = Vec::new();
        for conflict in &imports.conflicts {
            let (first, first_value) = &conflict.first;
            let (second, second_value) = &conflict.second;
            let key = &conflict.key;
            failures.push(Failure::new(
                format!(
                    "`{key}` is {first_value} here, but {} says {second_value}: keep one source of truth (remove it from one file, or make both say the same)",
                    place(*second)
                ),
                key.clone(),
                *first,
            )
            .related_to(*second));
            failures.push(Failure::new(
                format!(
                    "`{key}` is {second_value} here, but {} says {first_value} (the value judged): make both say the same, or remove it from one",
                    place(*first)
                ),
                // Its own logical path, so that the two findings stay apart (`--base`, SARIF).
                format!("{key}@{}", file_name(*second)),
                *second,
            )
            .related_to(*first));
        }
        let files = imports.files.len();
        let mut passed = format!(
            "{} imported file{} and prr.toml agree ({} fact{} in both)",
            files,
            if files == 1 { "" } else { "s" },
            imports.agreed,
            if imports.agreed == 1 { "" } else { "s" },
        );
        if !imports.notes.is_empty() {
            let notes: Vec<String> = imports
                .notes
                .iter()
                .map(|note| format!("{} ({})", note.message, place(note.span)))
                .collect();
            passed.push_str("; kept but not judged: ");
            passed.push_str(&notes.join("; "));
        }
        if failures.is_empty() {
            Outcome::pass(passed)
        } else {
            Outcome::fail(failures, passed)
        }
    }
}
