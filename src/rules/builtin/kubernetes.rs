//! `kubernetes` (rules `resilience.health-checks`, `resilience.resources` and
//! `availability.disruption-budget`): the Kubernetes workloads in the service's repository
//! are set up to survive restarts, neighbours and node maintenance. The workloads are the
//! Deployments and StatefulSets of the plain YAML files in the manifest's directory and
//! below; findings point at the `kind:` line of the workload in its file.
//!
//! Parameter (`with`): `require`, one of
//! - `"probes"`: every container has a `livenessProbe` (a hung process is restarted) and a
//!   `readinessProbe` (no traffic reaches a pod that cannot serve it, during a rollout
//!   above all);
//! - `"resources"`: every container requests CPU and memory (so the scheduler places it
//!   where it fits) and limits memory (so a leak kills the container, not its neighbours);
//! - `"disruption-budget"`: every workload with more than one replica is covered by a
//!   PodDisruptionBudget (same namespace, its `matchLabels` on the pod template), so that a
//!   node drain never takes all replicas down at once.
//!
//! No workload (or, for a disruption budget, none with more than one replica): the rule is
//! skipped, and says so. Helm charts (directories with a `Chart.yaml`) are not rendered:
//! no maintained Rust implementation of Helm's templates exists, and running `helm` would
//! make the gate depend on a binary and on values files it cannot choose; their templates
//! are left out and the message names the charts. A YAML file that cannot be parsed but
//! names a Deployment or StatefulSet is a finding at the parser's position. Evidence: the
//! repository's files.

use super::{params, repository, unreadable_file, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::kubernetes::{self, chart_dirs, is_candidate, Workload};
use crate::source::FileId;

pub const SPEC: Spec = Spec {
    name: "kubernetes",
    summary: "Kubernetes Deployments and StatefulSets in the repository have probes, resources or a disruption budget; with require = \"probes\" | \"resources\" | \"disruption-budget\"",
    build,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Require {
    Probes,
    Resources,
    DisruptionBudget,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    require: Option<Require>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    Ok(Box::new(Kubernetes {
        require: p.require.unwrap_or(Require::Probes),
    }))
}

#[derive(Debug)]
struct Kubernetes {
    require: Require,
}

/// A workload found, with where it is.
struct Found {
    path: String,
    file: FileId,
    workload: Workload,
}

impl Found {
    fn title(&self) -> String {
        format!(
            "{} `{}` ({})",
            self.workload.kind, self.workload.name, self.path
        )
    }

    fn key(&self) -> String {
        format!(
            "{}#{}/{}",
            self.path, self.workload.kind, self.workload.name
        )
    }

    fn failure(&self, message: String) -> Failure {
        Failure::new(message, self.key(), self.workload.span.in_file(self.file))
    }
}

impl Builtin for Kubernetes {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            service_tree: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let anchor = cx.manifest.root.span;
        let repository = match repository(cx, "kubernetes", anchor) {
            Ok(repository) => repository,
            Err(outcome) => return outcome,
        };
        let charts: Vec<String> = chart_dirs(repository.paths_below_manifest());
        let in_chart = |path: &str| {
            charts
                .iter()
                .any(|dir| dir.is_empty() || path.starts_with(&format!("{dir}/")))
        };
        let charts_note = if charts.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> = charts
                .iter()
                .map(|dir| {
                    if dir.is_empty() {
                        ".".to_owned()
                    } else {
                        dir.clone()
                    }
                })
                .collect();
            format!(
                "; Helm chart(s) not rendered and left out: {}",
                shown.join(", ")
            )
        };
        let mut failures = Vec::new();
        let mut found = Vec::new();
        let mut budgets = Vec::new();
        for path in repository.paths_below_manifest() {
            if !is_candidate(path) || in_chart(path) {
                continue;
            }
            let Some((file, text)) = repository.text(cx.manifest, path) else {
                failures.push(unreadable_file(path, anchor));
                continue;
            };
            match kubernetes::parse(&text.text) {
                Ok(objects) => {
                    found.extend(objects.workloads.into_iter().map(|workload| Found {
                        path: path.to_owned(),
                        file,
                        workload,
                    }));
                    budgets.extend(objects.budgets);
                }
                Err(not_yaml) if not_yaml.past_bound => {
                    // A file that expands past the YAML reader's bound may hide any object:
                    // the pull request's own data, so the rule fails rather than skipping it.
                    failures.push(Failure::new(
                        format!("could not read {path}: {}", not_yaml.reason),
                        path,
                        not_yaml.span.in_file(file),
                    ));
                }
                Err(not_yaml) => {
                    // Other tools keep YAML that is not YAML until they render it; only a
                    // file that names a workload is taken to be one the rule should read.
                    if ["Deployment", "StatefulSet"]
                        .iter()
                        .any(|kind| text.text.contains(&format!("kind: {kind}")))
                    {
                        failures.push(Failure::new(
                            format!(
                                "{path} names a Kubernetes workload but is not YAML prr can read: {}",
                                not_yaml.reason
                            ),
                            path,
                            not_yaml.span.in_file(file),
                        ));
                    }
                }
            }
        }
        if found.is_empty() && failures.is_empty() {
            return Outcome::skip(format!(
                "no Kubernetes Deployment or StatefulSet in the plain YAML of {}{charts_note}",
                repository.manifest_dir_shown()
            ));
        }
        let (mut more, held) = match self.require {
            Require::Probes => judge_containers(&found, "probes", |c| {
                let mut missing = Vec::new();
                if !c.liveness_probe {
                    missing.push("livenessProbe");
                }
                if !c.readiness_probe {
                    missing.push("readinessProbe");
                }
                missing
            }),
            Require::Resources => {
                judge_containers(&found, "CPU and memory requests and a memory limit", |c| {
                    let mut missing = Vec::new();
                    if !c.cpu_request {
                        missing.push("resources.requests.cpu");
                    }
                    if !c.memory_request {
                        missing.push("resources.requests.memory");
                    }
                    if !c.memory_limit {
                        missing.push("resources.limits.memory");
                    }
                    missing
                })
            }
            Require::DisruptionBudget => {
                let replicated: Vec<&Found> =
                    found.iter().filter(|f| f.workload.replicas > 1).collect();
                if replicated.is_empty() && failures.is_empty() {
                    return Outcome::skip(format!(
                        "no workload in {} runs more than one replica{charts_note}",
                        repository.manifest_dir_shown()
                    ));
                }
                let mut more = Vec::new();
                let mut held = Vec::new();
                for f in replicated {
                    match budgets.iter().find(|b| b.covers(&f.workload)) {
                        Some(budget) => held.push(format!(
                            "{} is covered by PodDisruptionBudget `{}`",
                            f.title(),
                            budget.name
                        )),
                        None => more.push(f.failure(format!(
                            "{} runs {} replicas and no PodDisruptionBudget in namespace `{}` selects its pods: a node drain may stop them all at once; add one with `minAvailable` or `maxUnavailable` and a selector on the pod template's labels",
                            f.title(),
                            f.workload.replicas,
                            f.workload.namespace
                        ))),
                    }
                }
                (more, held)
            }
        };
        failures.append(&mut more);
        Outcome::fail(failures, format!("{}{charts_note}", held.join("; ")))
    }
}

/// One finding per container that lacks something `missing` names; what held otherwise.
fn judge_containers(
    found: &[Found],
    what: &str,
    missing: impl Fn(&kubernetes::Container) -> Vec<&'static str>,
) -> (Vec<Failure>, Vec<String>) {
    let mut failures = Vec::new();
    let mut held = Vec::new();
    for f in found {
        let before = failures.len();
        if f.workload.containers.is_empty() {
            failures.push(f.failure(format!("{} has no containers", f.title())));
        }
        for container in &f.workload.containers {
            let lacks = missing(container);
            if !lacks.is_empty() {
                failures.push(f.failure(format!(
                    "{}: container `{}` has no {}",
                    f.title(),
                    container.name,
                    lacks.join(", no ")
                )));
            }
        }
        if failures.len() == before {
            held.push(format!("{} sets {what}", f.title()));
        }
    }
    (failures, held)
}
