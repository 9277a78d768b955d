//! `non_root` (rule `security.non-root`): every Dockerfile of the service ends with a
//! non-root `USER`. A process that runs as root inside its container is one kernel or
//! runtime bug away from root on the node, and can rewrite its own image's files; a
//! numeric non-root user (`USER 10001`) closes both, and lets Kubernetes enforce
//! `runAsNonRoot`.
//!
//! Only the last stage of a multi-stage Dockerfile counts (it is the image); its last
//! `USER` decides; `root`, uid 0 and no `USER` at all fail (the base image's user cannot be
//! seen from the Dockerfile, so it is not taken on trust); `USER $VAR` is resolved from the
//! Dockerfile's own `ARG`/`ENV` defaults. Dockerfiles are `Dockerfile`, `Containerfile`,
//! `Dockerfile.<variant>` and `<variant>.Dockerfile` in the manifest's directory and below.
//! No Dockerfile: the rule is skipped, and says so. Evidence: the repository's files.
//! Takes no parameters.

use super::{no_params, repository, unreadable_file, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::dockerfile::{is_dockerfile, last_stage};

pub const SPEC: Spec = Spec {
    name: "non_root",
    summary: "every Dockerfile's last stage ends with a non-root USER (repository evidence; no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(NonRoot))
}

#[derive(Debug)]
struct NonRoot;

impl Builtin for NonRoot {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            service_tree: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let anchor = cx.manifest.root.span;
        let repository = match repository(cx, "Dockerfile", anchor) {
            Ok(repository) => repository,
            Err(outcome) => return outcome,
        };
        let dockerfiles: Vec<&str> = repository
            .paths_below_manifest()
            .filter(|path| is_dockerfile(path))
            .collect();
        if dockerfiles.is_empty() {
            return Outcome::skip(format!(
                "no Dockerfile in {}: nothing runs in a container built here",
                repository.manifest_dir_shown()
            ));
        }
        let mut failures = Vec::new();
        let mut held = Vec::new();
        for path in dockerfiles {
            let Some((file, text)) = repository.text(cx.manifest, path) else {
                failures.push(unreadable_file(path, anchor));
                continue;
            };
            let Some(stage) = last_stage(&text.text) else {
                failures.push(Failure::new(
                    format!("{path} has no FROM: it builds no image prr can judge"),
                    path,
                    crate::source::Span::new(0, 0).in_file(file),
                ));
                continue;
            };
            let Some(user) = stage.user else {
                failures.push(Failure::new(
                    format!(
                        "{path}: the last stage sets no USER, so the container runs as its base image's user (root unless that image says otherwise); add `USER 10001` (a numeric uid that exists in the image) after the last FROM"
                    ),
                    path,
                    stage.from.in_file(file),
                ));
                continue;
            };
            match user.is_root() {
                Some(false) => held.push(format!("{path} runs as `{}`", user.written)),
                Some(true) => failures.push(Failure::new(
                    format!(
                        "{path}: the last stage runs as root (`USER {}`); end it with a non-root user such as `USER 10001`",
                        user.written
                    ),
                    path,
                    user.span.in_file(file),
                )),
                None => failures.push(Failure::new(
                    format!(
                        "{path}: `USER {}` names a variable with no default in the Dockerfile, so who it runs as cannot be seen; give the ARG a non-root default or write the uid",
                        user.written
                    ),
                    path,
                    user.span.in_file(file),
                )),
            }
        }
        Outcome::fail(failures, held.join("; "))
    }
}
