//! `dependency_updates` (rule `maintenance.dependency-updates`): the repository has
//! Dependabot or Renovate configured, so that dependencies are updated by pull requests
//! that CI tests, a few at a time, rather than by a rushed upgrade of two years of releases
//! the day a vulnerability is published.
//!
//! Looks for `.github/dependabot.yml` (or `.yaml`) and for Renovate's configuration files
//! (`renovate.json`, `renovate.json5`, `.renovaterc`, `.renovaterc.json`,
//! `.renovaterc.json5`, and the `renovate.json`/`renovate.json5` under `.github/` and
//! `.gitlab/`); an empty one does not count. Renovate settings kept inside `package.json`
//! are not read.
//!
//! The rule applies where there are dependencies to update: a package manifest
//! (`Cargo.toml`, `package.json`, `go.mod`, `pyproject.toml`, `requirements.txt`, `pom.xml`,
//! `build.gradle`, `Gemfile`, `composer.json`, a `.csproj`...) or a Dockerfile (its base
//! image) in the manifest's directory or below. Without one it is skipped, and says so.
//! Evidence: the repository's files. Takes no parameters.

use super::{no_params, repository, Builtin, Context, Failure, Outcome, Spec};

pub const SPEC: Spec = Spec {
    name: "dependency_updates",
    summary: "Dependabot or Renovate is configured in the repository (repository evidence; no parameters)",
    build,
};

/// Where Dependabot and Renovate read their configuration, from the repository root.
pub const CONFIG_FILES: [&str; 11] = [
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "renovate.json",
    "renovate.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
];

/// The files that declare dependencies a bot can update, by name.
const PACKAGE_MANIFESTS: [&str; 14] = [
    "Cargo.toml",
    "package.json",
    "go.mod",
    "pyproject.toml",
    "requirements.txt",
    "Pipfile",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Gemfile",
    "composer.json",
    "mix.exs",
    "pubspec.yaml",
    "Package.swift",
];

/// Whether `path` declares dependencies: a package manifest, a .NET project, a Dockerfile.
fn declares_dependencies(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    PACKAGE_MANIFESTS.contains(&name)
        || name.ends_with(".csproj")
        || crate::facts::dockerfile::is_dockerfile(path)
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(DependencyUpdates))
}

#[derive(Debug)]
struct DependencyUpdates;

impl Builtin for DependencyUpdates {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            service_tree: true,
            ..crate::facts::Needs::root_files(&CONFIG_FILES)
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let anchor = cx.manifest.root.span;
        let key = "repository";
        let repository = match repository(cx, key, anchor) {
            Ok(repository) => repository,
            Err(outcome) => return outcome,
        };
        let Some(subject) = repository
            .paths_below_manifest()
            .find(|path| declares_dependencies(path))
        else {
            return Outcome::skip(format!(
                "no package manifest or Dockerfile in {}: no dependencies to update",
                repository.manifest_dir_shown()
            ));
        };
        let present: Vec<(&str, u64)> = CONFIG_FILES
            .iter()
            .filter_map(|path| repository.size(path).map(|size| (*path, size)))
            .collect();
        if let Some((path, _)) = present.iter().find(|(_, size)| *size > 0) {
            return Outcome::pass(format!(
                "{path} configures automated dependency updates (for {subject} and the rest)"
            ));
        }
        let message = match present.first() {
            Some((path, _)) => format!(
                "{path} is empty, so no dependency update is ever proposed; configure the package ecosystems it should watch"
            ),
            None => format!(
                "{} has no Dependabot or Renovate configuration, so the dependencies of {subject} are updated only when someone remembers; add .github/dependabot.yml (or renovate.json)",
                repository.origin
            ),
        };
        Outcome::fail(vec![Failure::new(message, key, anchor)], "")
    }
}
