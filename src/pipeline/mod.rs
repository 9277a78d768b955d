//! The one road to a verdict: rules → manifests → evidence → engine → report, one function
//! per stage. Every command that states a verdict or a finding (`check`, `check --deploy`,
//! `budget`, `fleet`, `publish`, the hooks, the language server) gets it from here and reads
//! its output from the [`Report`]; none decides by a rule id or a judgement of its own.

pub mod document;
pub mod judge;
pub mod revision;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;

pub use judge::{judge, Judgement};
pub use revision::Commit;

use crate::diagnostic::{Diagnostic, Error};
use crate::evidence::{self, approval, Evidence, Tree};
use crate::git::Repo;
use crate::manifest::{self, import, Manifest};
use crate::report::{FailOn, Report};
use crate::rules::{self, RuleSet};
use crate::source::{display_name, ReadBudget};

/// What one run judges, and how: the arguments `prr check` takes, whichever command asks.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Manifest files or directories searched for them; empty: the one at the root.
    pub manifests: Vec<PathBuf>,
    /// Rule pack sources (`--rules`); empty: the built-in pack.
    pub rules: Vec<String>,
    pub as_of: Option<Date>,
    pub fail_on: FailOn,
    /// Also fail every service below this level.
    pub min_level: Option<String>,
    /// The commit to compare with (`--base`).
    pub base: Option<String>,
    /// Judge the manifests as committed in this revision (`--rev`).
    pub rev: Option<String>,
    /// The Prometheus to ask, overriding the pack's (`--prometheus`).
    pub prometheus: Option<String>,
    /// No live source is asked (the pre-push hook).
    pub offline: bool,
    /// The run is a deploy.
    pub deploy: bool,
    /// Keep the files' texts after judging them (the human report's code frames).
    pub texts: bool,
}

/// What a run produced: the report every command reads, and what the human report's code
/// frames need.
pub struct Run {
    pub report: Report,
    pub judgement: Judgement,
    /// What a person should know about how the run went (a default base left out).
    pub warnings: Vec<String>,
}

/// The rules could not be loaded: nothing was judged. The caller still owes the user a
/// report (verdict "error", with the diagnostics) where one was asked for.
#[derive(Debug)]
pub struct RulesUnusable {
    pub as_of: Date,
    pub error: Error,
}

/// Runs every stage.
///
/// # Errors
/// The rules cannot be loaded (`Err(Ok(RulesUnusable))`, for which a report is still
/// owed), or the arguments or the manifests' places are unusable (`Err(Err(error))`).
pub fn run(options: &Options) -> Result<Run, Result<RulesUnusable, Error>> {
    let root = repository_root();
    let as_of = options.as_of.unwrap_or_else(today);
    let (base, warnings) =
        revision::resolve_base(&root, options.base.as_deref(), options.fail_on).map_err(Err)?;
    if options.fail_on == FailOn::New && base.is_none() {
        return Err(Err(Error::Usage(
            "--fail-on new needs --base REF to compare with (in a GitHub Actions pull request it defaults to the pull request's base commit)".to_owned(),
        )));
    }
    let rules =
        load_rules(&options.rules, &root).map_err(|error| Ok(RulesUnusable { as_of, error }))?;
    // One budget of bytes and time for every file the run reads beyond the manifests and
    // the rules: the imports, then the repository's files.
    let budget = Arc::new(ReadBudget::new(
        ReadBudget::DEFAULT_BYTES,
        evidence::DEFAULT_TIME_BOUND,
    ));
    let (manifests, commit) =
        load_manifests(options, &root, &rules.imports, &budget).map_err(Err)?;
    let evidence = gather_evidence(options, &root, commit.as_ref(), base.as_ref(), &rules)
        .with_read_budget(budget);
    let mut judgement = judge::judge_keeping(manifests, &rules, as_of, &evidence, options.texts);
    let mut report = judgement.report(&rules, as_of, options.fail_on);
    if let Some(base) = &base {
        let judged_now: Vec<String> = judgement
            .manifests
            .iter()
            .map(|source| source.name.clone())
            .collect();
        report.compare_with(
            revision::base_side(
                &Repo::at(&root),
                base,
                &judged_now,
                &rules,
                as_of,
                evidence.prometheus(),
            )
            .map_err(Err)?,
        );
    }
    if let Some(level) = &options.min_level {
        report
            .require_level(level)
            .map_err(|why| Err(Error::Usage(why)))?;
    }
    Ok(Run {
        report,
        judgement,
        warnings,
    })
}

/// The rules stage: the packs `sources` name (`--rules`), or the built-in pack.
///
/// # Errors
/// A source cannot be read, or its rules do not compile.
pub fn load_rules(sources: &[String], root: &Path) -> Result<RuleSet, Error> {
    let sources = rules_sources(sources)?;
    rules::load(&sources, root)
}

/// What `--rules` names: `builtin`, a path, or `github:OWNER/REPO/PATH@REF` (a trusted pack
/// at a pinned ref, fetched with `PRR_RULES_TOKEN`, else `GITHUB_TOKEN`).
///
/// # Errors
/// A remote pack cannot be fetched.
pub fn rules_sources(given: &[String]) -> Result<Vec<rules::RulesSource>, Error> {
    given
        .iter()
        .map(|r| {
            if r == "builtin" {
                Ok(rules::RulesSource::Builtin)
            } else if let Some(spec) = r.strip_prefix("github:") {
                let (label, files) = crate::github::fetch_rules(spec).map_err(|err| {
                    Diagnostic::file(r, format!("cannot fetch the rules: {err}"))
                        .with_help("check the path and ref, and that PRR_RULES_TOKEN (or GITHUB_TOKEN) may read that repository")
                })?;
                Ok(rules::RulesSource::Files { label, files })
            } else {
                Ok(rules::RulesSource::Path(PathBuf::from(r)))
            }
        })
        .collect()
}

/// Each manifest, read when it is judged (one parsed tree at a time on each core), with its
/// name as reports show it.
pub type Manifests = Vec<judge::Pending>;

/// The manifests stage: from the working tree, or from the commit `--rev` names (which
/// the evidence stage then reads too).
///
/// # Errors
/// The manifests named cannot be found, or the revision cannot be read.
pub fn load_manifests(
    options: &Options,
    root: &Path,
    imports: &import::Settings,
    budget: &Arc<ReadBudget>,
) -> Result<(Manifests, Option<Commit>), Error> {
    match &options.rev {
        None => {
            let paths = manifest_paths(&options.manifests, root)?;
            let shared = Arc::new((root.to_path_buf(), imports.clone(), Arc::clone(budget)));
            let manifests = paths
                .into_iter()
                .map(|path| {
                    let shared = Arc::clone(&shared);
                    Box::new(move || {
                        let (root, imports, budget) = &*shared;
                        let name = display_name(&path, root);
                        let manifest =
                            Manifest::load_in(&path, &name, root).and_then(|mut manifest| {
                                let files = import::Budgeted {
                                    files: &import::WorkingTree { root },
                                    budget,
                                };
                                import::resolve(&mut manifest, &files, imports)?;
                                Ok(manifest)
                            });
                        (name, manifest)
                    }) as judge::Pending
                })
                .collect();
            Ok((manifests, None))
        }
        Some(rev) => {
            let repo = Repo::at(root);
            let commit = Commit::resolve(&repo, rev)?;
            let names = revision::manifest_names(&repo, &commit, &options.manifests, root)?;
            let manifests = revision::load(&repo, &commit, &names, imports)
                .into_iter()
                .map(|loaded| Box::new(move || loaded) as judge::Pending)
                .collect();
            Ok((manifests, Some(commit)))
        }
    }
}

/// The evidence stage: the repository as the manifests were read (each manifest's own in
/// the working tree, or the commit under `--rev`), the pack's live sources, and in a pull
/// request the approvals that waivers it adds need (its base is where the waivers it did
/// not add are read).
#[must_use]
pub fn gather_evidence(
    options: &Options,
    root: &Path,
    commit: Option<&Commit>,
    base: Option<&Commit>,
    rules: &RuleSet,
) -> Evidence {
    let repo = Repo::at(root);
    let tree = match commit {
        Some(commit) => Tree::Commit(&repo, &commit.id),
        None => Tree::Working,
    };
    let mut evidence = Evidence::gather(tree, evidence::DEFAULT_TIME_BOUND);
    let base = base.map(|base| approval::Base::Git {
        repo: Repo::at(root),
        commit: base.id.clone(),
    });
    evidence.approval = approval::Gatherer::gather(rules.waiver_approvers.as_deref(), base);
    evidence.deploy = options.deploy;
    evidence.labels = evidence::deploy::Gatherer::for_deploy(options.deploy);
    evidence.incidents = evidence::incidents::gather(
        rules.incidents.as_ref(),
        root,
        commit.map(|commit| (&repo, commit.id.as_str())),
        options.as_of.unwrap_or_else(today),
    );
    evidence.with_prometheus(Arc::new(prometheus_source(options, rules)))
}

/// The Prometheus evidence comes from: the pack's `[source.prometheus]`, or `--prometheus`.
fn prometheus_source(options: &Options, rules: &RuleSet) -> evidence::prometheus::Gatherer {
    if options.offline {
        return evidence::prometheus::Gatherer::none(
            "the pre-push hook judges offline; live sources are asked by `prr check` in CI",
        );
    }
    evidence::prometheus::Gatherer::new(
        rules.prometheus.as_ref(),
        options.prometheus.as_deref(),
        evidence::DEFAULT_TIME_BOUND,
    )
    .deploying(options.deploy)
}

/// The manifests named, or the one at the repository root.
///
/// # Errors
/// A named file or directory holds no manifest.
pub fn manifest_paths(given: &[PathBuf], root: &Path) -> Result<Vec<PathBuf>, Error> {
    if given.is_empty() {
        return match manifest::in_directory(root, &display_name(root, root))? {
            Some(path) => Ok(vec![path]),
            None => Err(Diagnostic::file(
                display_name(&root.join("prr.toml"), root),
                "no prr.toml or prr.json at the repository root",
            )
            .with_help("name one with --manifest, or write one with `prr init`")
            .into()),
        };
    }
    let mut paths = Vec::new();
    for path in given {
        if path.is_dir() {
            let found = manifest::discover(path, root)?;
            if found.is_empty() {
                return Err(Diagnostic::file(
                    display_name(path, root),
                    "no prr.toml or prr.json below this directory",
                )
                .into());
            }
            paths.extend(found);
        } else {
            paths.push(path.clone());
        }
    }
    paths.dedup();
    Ok(paths)
}

/// The directory report paths are relative to (PRODUCT.md decision 9): the top level of the
/// working tree holding the working directory, else the working directory. Found from the
/// file system, with no `git` process.
#[must_use]
pub fn repository_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    crate::git::toplevel_of(&cwd).unwrap_or(cwd)
}

/// Today in UTC: the date rules are judged on unless `--as-of` says otherwise.
#[must_use]
pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}
