//! `prr init`: writes a commented `prr.toml` for a new service. Values not given are asked
//! for on a terminal, and left as visible TODOs otherwise; an existing manifest is never
//! overwritten without `--force`.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, write_file, write_stderr, write_stdout};
use crate::diagnostic::{Diagnostic, Error};
use crate::manifest::model::{manifest_schema, to_text};
use crate::manifest::{import, Manifest, FILE_NAMES};
use crate::source::FileId;
use crate::toolkit::init::{is_valid_name, template, Answers, Catalog};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The service's name (default on a terminal: the directory's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// 1 critical, 2 important, 3 standard, 4 experimental.
    #[arg(long, value_name = "TIER", value_parser = clap::value_parser!(u8).range(1..=4))]
    pub tier: Option<u8>,
    /// The owning team: "@org/team" or "team:<name>" (never a person).
    #[arg(long, value_name = "TEAM")]
    pub owner: Option<String>,
    /// Keep the manifest schema in the repository (`.prr/manifest.schema.json` at its
    /// root, as `prr schema manifest` prints it) and point the `#:schema` line at it with a
    /// relative path, so that editors and taplo validate offline. Default: the published URL.
    #[arg(long)]
    pub offline_schema: bool,
    /// Start from a Backstage catalog-info.yaml: the manifest imports it (`[import]`), and
    /// what it gives (name, owner, lifecycle, description, runbook, dashboards,
    /// dependencies) is read from it rather than written again.
    #[arg(long, value_name = "CATALOG")]
    pub from: Option<PathBuf>,
    /// Overwrite an existing manifest.
    #[arg(long)]
    pub force: bool,
    /// The directory to write `prr.toml` in (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub path: PathBuf,
}

/// Runs `prr init`.
///
/// # Errors
/// A manifest is already there (without `--force`), or the file cannot be written (exit 2).
pub fn run(args: &InitArgs) -> Result<u8, Error> {
    let target = args.path.join("prr.toml");
    if !args.force {
        if let Some(existing) = FILE_NAMES
            .iter()
            .map(|name| args.path.join(name))
            .find(|p| p.exists())
        {
            return Err(Diagnostic::file(
                existing.display().to_string(),
                "a manifest is already here; prr init does not overwrite it",
            )
            .with_help("edit it, or run `prr init --force` to replace it")
            .into());
        }
    }
    if let Some(name) = &args.name {
        if !is_valid_name(name) {
            return Err(Error::Usage(format!(
                "--name `{name}`: a service name starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`"
            )));
        }
    }
    let schema = if args.offline_schema {
        Some(write_schema_copy(&args.path)?)
    } else {
        None
    };
    let catalog = match &args.from {
        Some(from) => Some(catalog(&args.path, from, args.name.as_deref())?),
        None => None,
    };
    let gives = |key: &str| catalog.as_ref().is_some_and(|c| c.gives.contains(key));
    let mut answers = Answers {
        name: args.name.clone(),
        tier: args.tier,
        owner: args.owner.clone().filter(|_| !gives("service.owner")),
        schema,
        catalog: catalog.clone(),
    };
    if std::io::stdin().is_terminal() {
        ask(&mut answers, &args.path, &gives);
    }
    let text = template(&answers);
    write_file(&target, &text)?;
    // Counted as `prr check` sees them: values, not the comments that mention TODOs.
    let mut todos = std::collections::BTreeMap::new();
    if let Ok(manifest) = Manifest::from_text("prr.toml", &text) {
        manifest.root.todos("", &mut todos);
    }
    let todos = todos.len();
    write_stdout(&format!(
        "wrote {}: fill in its {todos} TODOs, then run `prr check`\n",
        target.display()
    ));
    Ok(exit::PASS)
}

/// Writes the manifest schema to `.prr/manifest.schema.json` at the root of the repository
/// holding `dir` (`dir` itself outside one), and returns its path relative to `dir`, as a
/// `#:schema` line names it.
fn write_schema_copy(dir: &Path) -> Result<String, Error> {
    let io_error = |source| Error::Io {
        context: format!("cannot read the directory {}", dir.display()),
        source,
    };
    let dir = dir.canonicalize().map_err(io_error)?;
    let root = crate::git::Repo::discover(&dir)
        .ok()
        .and_then(|repo| repo.root().canonicalize().ok())
        .filter(|root| dir.starts_with(root))
        .unwrap_or_else(|| dir.clone());
    let file = root.join(".prr").join("manifest.schema.json");
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            context: format!("cannot create {}", parent.display()),
            source,
        })?;
    }
    write_file(&file, &to_text(&manifest_schema()))?;
    write_stdout(&format!(
        "wrote {}: after upgrading prr, refresh it with `prr schema manifest > .prr/manifest.schema.json`\n",
        file.display()
    ));
    let depth = dir
        .strip_prefix(&root)
        .map_or(0, |rest| rest.components().count());
    Ok(format!("{}.prr/manifest.schema.json", "../".repeat(depth)))
}

/// The catalog file `prr init --from` names, read as `prr check` will read the import
/// (with the built-in pack's conventions), and the manifest keys it gives.
///
/// # Errors
/// The catalog cannot be read, is not a catalog, or has no Component to start from.
fn catalog(dir: &Path, from: &Path, name: Option<&str>) -> Result<Catalog, Error> {
    // `--from` is relative to where prr runs; the import is relative to the manifest.
    let relative = if dir.join(from).is_file() {
        from.to_path_buf()
    } else {
        from.strip_prefix(dir).map(Path::to_path_buf).map_err(|_| {
            Error::from(Diagnostic::file(
                from.display().to_string(),
                format!(
                    "no catalog file here, or it is not in {}, where prr.toml is written",
                    dir.display()
                ),
            ))
        })?
    };
    let path = relative.to_string_lossy().replace('\\', "/");
    let mut text = format!(
        "[import]\nbackstage = {}\n",
        toml::Value::String(path.clone())
    );
    if let Some(name) = name {
        text.push_str(&format!(
            "[service]\nname = {}\n",
            toml::Value::String(name.to_owned())
        ));
    }
    let mut manifest = Manifest::from_text("prr.toml", &text)?;
    import::resolve(
        &mut manifest,
        &import::WorkingTree { root: dir },
        &import::Settings::default(),
    )?;
    let gives = [
        "service.name",
        "service.description",
        "service.owner",
        "service.lifecycle",
        "docs.runbook",
        "monitoring.dashboards",
        "dependency",
    ]
    .into_iter()
    .filter(|key| {
        manifest
            .root
            .pointer(key)
            .is_some_and(|n| n.span.file != FileId::MANIFEST)
    })
    .map(str::to_owned)
    .collect();
    Ok(Catalog { path, gives })
}

/// Asks for each value not given; an empty answer takes the default shown, or leaves a TODO.
fn ask(answers: &mut Answers, dir: &Path, gives: &dyn Fn(&str) -> bool) {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut prompt = |question: &str| -> Option<String> {
        write_stderr(question);
        lines
            .next()
            .and_then(Result::ok)
            .map(|line| line.trim().to_owned())
            .filter(|line| !line.is_empty())
    };
    if answers.name.is_none() && !gives("service.name") {
        let default = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| is_valid_name(n));
        let shown = default.as_deref().unwrap_or("leave a TODO");
        answers.name = prompt(&format!("service name [{shown}]: "))
            .filter(|n| is_valid_name(n))
            .or(default);
    }
    if answers.tier.is_none() {
        answers.tier =
            prompt("tier: 1 critical, 2 important, 3 standard, 4 experimental [leave a TODO]: ")
                .and_then(|t| t.parse().ok())
                .filter(|t| (1..=4).contains(t));
    }
    if answers.owner.is_none() && !gives("service.owner") {
        answers.owner = prompt("owning team, @org/team or team:<name> [leave a TODO]: ");
    }
}
