//! The evidence and engine stages, manifest by manifest, shared by every command that judges
//! manifests (`check`, the base side of a comparison, `publish`'s own judgement, the
//! fleet): each manifest gets its facts from the evidence stage and is evaluated by the
//! engine, one at a time, and dropped.

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Error};
use crate::engine::{self, Evaluation};
use crate::evidence::Evidence;
use crate::manifest::Manifest;
use crate::report::{Builder, FailOn, Judged, Report};
use crate::rules::RuleSet;
use crate::source::SourceFile;

/// Every manifest of a run, judged.
#[derive(Default)]
pub struct Judgement {
    /// The texts of the manifests judged, in order.
    pub manifests: Vec<Arc<SourceFile>>,
    /// Other files findings point into (imports, CODEOWNERS), for code frames.
    pub others: Vec<Arc<SourceFile>>,
    /// The report so far: each manifest's results are made as soon as it is judged, and
    /// its evaluation dropped.
    built: Option<Builder>,
    /// The manifests that could not be read or parsed, with why.
    pub unjudged: Vec<(String, Vec<Diagnostic>)>,
}

/// Judges each manifest with the facts `evidence` has for it. A manifest is parsed, judged
/// and dropped before the next is read: a monorepo of thousands keeps only each file's text
/// and its findings, not its tree.
#[must_use]
pub fn judge(
    manifests: impl Iterator<Item = (String, Result<Manifest, Error>)>,
    rules: &RuleSet,
    as_of: jiff::civil::Date,
    evidence: &Evidence,
) -> Judgement {
    let mut judgement = Judgement::new(Builder::new(rules, &as_of.to_string()));
    for (name, manifest) in manifests {
        judgement.add(name, manifest, rules, as_of, evidence, true);
    }
    judgement
}

/// One manifest of a run, read when a worker takes it up.
pub type Pending = Box<dyn FnOnce() -> (String, Result<Manifest, Error>) + Send>;

/// How many manifests a worker takes up at a time: enough that handing them out costs
/// nothing beside judging them, few enough that the workers finish together.
const BATCH: usize = 32;

/// [`judge`] for a run's manifests, read and judged on every core the machine gives (each
/// manifest on its own, as [`judge`] does), the results kept in the order of `manifests`
/// whatever order the workers finish in. The files' texts are kept only when `texts` (the
/// human report's code frames need them; every other reader needs only their names): a run
/// of thousands of manifests that writes JSON does not hold every manifest's text to the
/// end.
#[must_use]
pub fn judge_keeping(
    manifests: Vec<Pending>,
    rules: &RuleSet,
    as_of: jiff::civil::Date,
    evidence: &Evidence,
    texts: bool,
) -> Judgement {
    let mut built = Builder::new(rules, &as_of.to_string());
    built.reserve(manifests.len(), rules);
    let mut judgement = Judgement::new(built);
    let mut batches = Vec::new();
    let mut manifests = manifests.into_iter().peekable();
    while manifests.peek().is_some() {
        batches.push(manifests.by_ref().take(BATCH).collect::<Vec<_>>());
    }
    let template = judgement.part();
    let judge_batch = |batch: Vec<Pending>| {
        let mut part = template.part();
        for pending in batch {
            let (name, manifest) = pending();
            part.add(name, manifest, rules, as_of, evidence, texts);
        }
        part
    };
    let workers = crate::parallel::workers(batches.len());
    let Ok(()) = crate::parallel::in_order(batches, workers, judge_batch, |part| {
        judgement.append(part);
        Ok::<_, std::convert::Infallible>(())
    });
    judgement
}

/// The evidence and engine stages for one manifest: its facts, then its evaluation.
#[must_use]
pub fn evaluate(
    manifest: &mut Manifest,
    rules: &RuleSet,
    as_of: jiff::civil::Date,
    evidence: &Evidence,
) -> Evaluation {
    let facts = evidence.facts(manifest, rules);
    engine::evaluate_with_facts(manifest, rules, as_of, &facts)
}

/// One manifest judged on its own into a report of its own (a fleet's row): the same
/// stages as every manifest of `prr check`.
#[must_use]
pub fn report_of(
    manifest: &mut Manifest,
    rules: &RuleSet,
    as_of: jiff::civil::Date,
    evidence: &Evidence,
    fail_on: FailOn,
) -> Report {
    let evaluation = evaluate(manifest, rules, as_of, evidence);
    Report::build(
        vec![Judged::Evaluated {
            source: &manifest.source,
            evaluation,
        }],
        rules,
        &as_of.to_string(),
        fail_on,
    )
}

impl Judgement {
    fn new(built: Builder) -> Self {
        Self {
            built: Some(built),
            ..Self::default()
        }
    }

    /// An empty judgement for part of the same run, to be appended to this one.
    fn part(&self) -> Self {
        Self {
            built: self.built.as_ref().map(Builder::part),
            ..Self::default()
        }
    }

    /// Judges one manifest (or records why it could not be), after those judged so far.
    fn add(
        &mut self,
        name: String,
        manifest: Result<Manifest, Error>,
        rules: &RuleSet,
        as_of: jiff::civil::Date,
        evidence: &Evidence,
        texts: bool,
    ) {
        match manifest {
            Ok(mut manifest) => {
                let evaluation = evaluate(&mut manifest, rules, as_of, evidence);
                if let Some(built) = &mut self.built {
                    built.add(
                        Judged::Evaluated {
                            source: &manifest.source,
                            evaluation,
                        },
                        rules,
                    );
                }
                if texts {
                    self.manifests.push(Arc::clone(&manifest.source));
                    self.others.extend(manifest.files.iter().cloned());
                } else {
                    self.manifests
                        .push(Arc::new(SourceFile::new(&manifest.source.name, "")));
                }
            }
            Err(err) => self.unjudged.push((name, err.diagnostics())),
        }
    }

    /// Appends a part of the same run, judged after everything in this one.
    fn append(&mut self, part: Self) {
        self.manifests.extend(part.manifests);
        self.others.extend(part.others);
        self.unjudged.extend(part.unjudged);
        if let (Some(built), Some(more)) = (&mut self.built, part.built) {
            built.append(more);
        }
    }

    /// The report of the judgement; the manifests' texts stay with the judgement (the
    /// human report's code frames need them).
    pub fn report(&mut self, rules: &RuleSet, as_of: jiff::civil::Date, fail_on: FailOn) -> Report {
        let mut built = self
            .built
            .take()
            .unwrap_or_else(|| Builder::new(rules, &as_of.to_string()));
        for (manifest, diagnostics) in &self.unjudged {
            built.add(
                Judged::Unjudged {
                    manifest: manifest.clone(),
                    diagnostics: diagnostics.clone(),
                },
                rules,
            );
        }
        built.finish(rules, fail_on)
    }

    /// Every diagnostic of the manifests that could not be judged.
    #[must_use]
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.unjudged
            .iter()
            .flat_map(|(_, diagnostics)| diagnostics.iter().cloned())
            .collect()
    }
}
