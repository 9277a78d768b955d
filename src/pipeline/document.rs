//! One manifest given as text: a buffer an editor has not saved. It takes the same road as
//! every manifest of `prr check` (its name relative to the repository root, `[import]`
//! resolved from the working tree, repository evidence from its own repository, the engine,
//! the report), so the editor and the gate cannot disagree. Only the live sources
//! (Prometheus, GitHub's approvals and labels) are left unasked: the rules that need them
//! are skipped, saying [`NOT_IN_EDITOR`].

use std::path::Path;
use std::sync::Arc;

use jiff::civil::Date;

use super::{judge, Run};
use crate::diagnostic::Error;
use crate::evidence::{self, approval, deploy, prometheus, Evidence, Tree};
use crate::manifest::{import, Manifest};
use crate::report::FailOn;
use crate::rules::RuleSet;
use crate::source::{display_name, max_file_bytes, text_from_bytes};

/// Why a rule that reads a live source is skipped while a manifest is being written.
pub const NOT_IN_EDITOR: &str =
    "not checked in the editor: live sources (Prometheus, GitHub) are asked by `prr check`";

/// Judges the manifest whose unsaved text is `text` and whose file is `path` (in the
/// repository at `root`), as `prr check --manifest PATH` would judge it were it saved,
/// except that live sources are not asked.
#[must_use]
pub fn judge_text(
    path: &Path,
    text: &str,
    root: &Path,
    rules: &RuleSet,
    as_of: Date,
    deploy: bool,
    base: Option<&str>,
) -> Run {
    let name = display_name(path, root);
    let manifest = parse(path, &name, text, root, &rules.imports);
    let evidence = editor_evidence(root, rules, as_of, deploy);
    let mut judgement = judge(
        std::iter::once((name.clone(), manifest)),
        rules,
        as_of,
        &evidence,
    );
    let mut report = judgement.report(rules, as_of, FailOn::Error);
    let mut warnings = Vec::new();
    if let Some(base) = base {
        // As `--base`: the manifest as committed there, judged with the same rules and date;
        // each failure of the buffer is then new or existing.
        let repo = crate::git::Repo::at(root);
        let compared = super::Commit::resolve(&repo, base).and_then(|commit| {
            super::revision::base_side(
                &repo,
                &commit,
                std::slice::from_ref(&name),
                rules,
                as_of,
                Arc::new(prometheus::Gatherer::none(NOT_IN_EDITOR)),
            )
        });
        match compared {
            Ok(side) => report.compare_with(side),
            Err(err) => warnings.push(format!("not compared with {base}: {err}")),
        }
    }
    Run {
        report,
        judgement,
        warnings,
    }
}

/// The manifests stage for a text: the checks a file read from disk gets (size, binary,
/// UTF-8, empty), the parse, and its imports as `load_manifests` resolves them.
fn parse(
    path: &Path,
    name: &str,
    text: &str,
    root: &Path,
    imports: &import::Settings,
) -> Result<Manifest, Error> {
    let source = text_from_bytes(text.as_bytes().to_vec(), name, max_file_bytes())?;
    let mut manifest = Manifest::parse(Arc::new(source))?;
    manifest.path = Some(path.to_path_buf());
    import::resolve(&mut manifest, &import::WorkingTree { root }, imports)?;
    Ok(manifest)
}

/// The evidence stage of the editor: the working tree (the manifest's own repository, the
/// pack's incident files), a deploy when asked, and no live source.
#[must_use]
pub fn editor_evidence(root: &Path, rules: &RuleSet, as_of: Date, deploy: bool) -> Evidence {
    let mut evidence = Evidence::gather(Tree::Working, evidence::DEFAULT_TIME_BOUND);
    evidence.approval = approval::Gatherer::not_configured(NOT_IN_EDITOR);
    evidence.deploy = deploy;
    evidence.labels = deploy::Gatherer::not_configured(NOT_IN_EDITOR);
    evidence.incidents = evidence::incidents::gather(rules.incidents.as_ref(), root, None, as_of);
    evidence.with_prometheus(Arc::new(prometheus::Gatherer::none(NOT_IN_EDITOR)))
}
