//! Kubernetes manifests as the repository holds them: the workloads (Deployments and
//! StatefulSets) and PodDisruptionBudgets of a YAML file, each with the byte span of its
//! `kind:` line, so that a finding points at the workload in its file.
//!
//! Read with the project's one YAML conversion (`crate::manifest::yaml`); a file may hold several documents
//! (`---`). Anything that is not a Deployment, StatefulSet or PodDisruptionBudget is left
//! alone, and so is a Helm chart's template (not YAML until rendered; see
//! [`chart_dirs`]).

use std::collections::BTreeMap;

use crate::manifest::{yaml, Node, Value};
use crate::source::Span;

/// A Deployment or StatefulSet.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// `Deployment` or `StatefulSet`.
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// `spec.replicas` (Kubernetes defaults it to 1).
    pub replicas: i64,
    /// The pod template's labels: what a PodDisruptionBudget selects.
    pub labels: BTreeMap<String, String>,
    /// The pod's containers (init containers run to completion and need neither probes
    /// nor a disruption budget).
    pub containers: Vec<Container>,
    /// The `kind:` value in the file.
    pub span: Span,
}

/// One container of a pod template, and what it declares.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(clippy::struct_excessive_bools)] // each is one field of the container spec
pub struct Container {
    pub name: String,
    pub liveness_probe: bool,
    pub readiness_probe: bool,
    pub cpu_request: bool,
    pub memory_request: bool,
    pub memory_limit: bool,
}

/// A PodDisruptionBudget.
#[derive(Clone, Debug, PartialEq)]
pub struct DisruptionBudget {
    pub name: String,
    pub namespace: String,
    /// `spec.selector.matchLabels`.
    pub match_labels: BTreeMap<String, String>,
}

impl DisruptionBudget {
    /// Whether the budget covers the workload's pods: same namespace, and every label it
    /// selects on is on the pod template. (An empty selector selects nothing: Kubernetes
    /// reads it as every pod only in `policy/v1beta1`, long gone.)
    #[must_use]
    pub fn covers(&self, workload: &Workload) -> bool {
        self.namespace == workload.namespace
            && !self.match_labels.is_empty()
            && self
                .match_labels
                .iter()
                .all(|(key, value)| workload.labels.get(key) == Some(value))
    }
}

/// What one YAML file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Objects {
    pub workloads: Vec<Workload>,
    pub budgets: Vec<DisruptionBudget>,
}

pub use crate::manifest::yaml::NotYaml;

/// Whether a path is a YAML file that may hold Kubernetes objects: `.yaml` or `.yml`, and
/// not one of the YAML files every repository has for other tools (CI workflows,
/// Dependabot, pre-commit, Compose).
#[must_use]
pub fn is_candidate(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !path.starts_with(".github/")
        && !path.contains("/.github/")
        && !name.starts_with('.')
        && !name.starts_with("docker-compose")
        && !name.starts_with("compose.")
}

/// The directories of the Helm charts among `files` (those holding a `Chart.yaml`).
pub fn chart_dirs<'a>(files: impl Iterator<Item = &'a str>) -> Vec<String> {
    files
        .filter_map(|path| match path.rsplit_once('/') {
            Some((dir, "Chart.yaml")) => Some(dir.to_owned()),
            None if path == "Chart.yaml" => Some(String::new()),
            _ => None,
        })
        .collect()
}

/// The Kubernetes objects of a YAML file.
///
/// # Errors
/// The text is not YAML; the error says where.
pub fn parse(text: &str) -> Result<Objects, NotYaml> {
    let mut objects = Objects::default();
    for document in &yaml::documents(text)? {
        let Some(kind_node) = document.get("kind") else {
            continue;
        };
        let kind = kind_node.as_str().unwrap_or_default();
        let metadata = document.get("metadata");
        let name = text_at(metadata, "name").unwrap_or("unnamed").to_owned();
        let namespace = text_at(metadata, "namespace")
            .unwrap_or("default")
            .to_owned();
        let spec = document.get("spec");
        match kind {
            "Deployment" | "StatefulSet" => {
                let template = spec.and_then(|s| s.get("template"));
                objects.workloads.push(Workload {
                    kind: kind.to_owned(),
                    name,
                    namespace,
                    replicas: spec
                        .and_then(|s| s.get("replicas"))
                        .and_then(Node::as_i64)
                        .unwrap_or(1),
                    labels: string_map(template.and_then(|t| t.pointer("metadata.labels"))),
                    containers: template
                        .and_then(|t| t.pointer("spec.containers"))
                        .and_then(Node::as_array)
                        .map(|containers| containers.iter().map(container).collect())
                        .unwrap_or_default(),
                    span: kind_node.span,
                });
            }
            "PodDisruptionBudget" => objects.budgets.push(DisruptionBudget {
                name,
                namespace,
                match_labels: string_map(spec.and_then(|s| s.pointer("selector.matchLabels"))),
            }),
            _ => {}
        }
    }
    Ok(objects)
}

fn container(node: &Node) -> Container {
    let resources = node.get("resources");
    let present = |section: &str, key: &str| {
        resources
            .and_then(|r| r.get(section))
            .and_then(|s| s.get(key))
            .is_some_and(|value| value.value != Value::Null)
    };
    let is_table = |key: &str| {
        node.get(key)
            .is_some_and(|p| matches!(p.value, Value::Table(_)))
    };
    Container {
        name: text_at(Some(node), "name").unwrap_or("unnamed").to_owned(),
        liveness_probe: is_table("livenessProbe"),
        readiness_probe: is_table("readinessProbe"),
        cpu_request: present("requests", "cpu"),
        memory_request: present("requests", "memory"),
        memory_limit: present("limits", "memory"),
    }
}

fn text_at<'a>(node: Option<&'a Node>, key: &str) -> Option<&'a str> {
    node?.get(key)?.as_str()
}

/// A mapping of strings (labels, a selector); other values are left out.
fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    match node.map(|n| &n.value) {
        Some(Value::Table(entries)) => entries
            .iter()
            .filter_map(|(key, value)| {
                let value = match (value.as_str(), value.as_i64()) {
                    (Some(text), _) => text.to_owned(),
                    (None, Some(number)) => number.to_string(),
                    _ => return None,
                };
                Some((key.name.clone(), value))
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: pay
spec:
  replicas: 3
  template:
    metadata:
      labels:
        app: api
        tier: \"1\"
    spec:
      initContainers:
        - name: migrate
      containers:
        - name: api
          livenessProbe:
            httpGet: { path: /healthz, port: 8080 }
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { memory: 128Mi }
        - name: sidecar
          readinessProbe:
            tcpSocket: { port: 9000 }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
  namespace: pay
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: api
";

    #[test]
    fn workloads_and_budgets_are_read_with_the_line_of_their_kind() {
        let objects = parse(DEPLOYMENT).unwrap();
        assert_eq!(objects.workloads.len(), 1);
        let api = &objects.workloads[0];
        assert_eq!(
            (api.kind.as_str(), api.name.as_str()),
            ("Deployment", "api")
        );
        assert_eq!(api.replicas, 3);
        assert_eq!(&DEPLOYMENT[api.span.start..api.span.end], "Deployment");
        let line = DEPLOYMENT[..api.span.start].matches('\n').count() + 1;
        assert_eq!(line, 7);
        assert_eq!(api.containers.len(), 2);
        assert_eq!(
            api.containers[0],
            Container {
                name: "api".to_owned(),
                liveness_probe: true,
                readiness_probe: false,
                cpu_request: true,
                memory_request: true,
                memory_limit: true,
            }
        );
        assert!(api.containers[1].readiness_probe && !api.containers[1].memory_limit);
        assert_eq!(objects.budgets.len(), 1);
        assert!(objects.budgets[0].covers(api));
    }

    #[test]
    fn a_budget_covers_only_its_namespace_and_labels() {
        let mut objects = parse(DEPLOYMENT).unwrap();
        let api = objects.workloads.remove(0);
        let mut budget = objects.budgets.remove(0);
        budget.namespace = "default".to_owned();
        assert!(!budget.covers(&api));
        budget.namespace = "pay".to_owned();
        budget
            .match_labels
            .insert("app".to_owned(), "web".to_owned());
        assert!(!budget.covers(&api));
        budget.match_labels.clear();
        assert!(!budget.covers(&api));
    }

    #[test]
    fn text_that_is_not_yaml_says_where() {
        let err = parse("kind: Deployment\nspec: [unclosed\n").unwrap_err();
        assert!(!err.reason.is_empty());
        assert!(err.span.start > 0);
    }

    #[test]
    fn candidates_leave_out_other_tools_yaml() {
        assert!(is_candidate("deploy/k8s/deployment.yaml"));
        assert!(is_candidate("services/pay/k8s.yml"));
        assert!(!is_candidate(".github/workflows/ci.yml"));
        assert!(!is_candidate(".pre-commit-config.yaml"));
        assert!(!is_candidate("docker-compose.yml"));
        assert!(!is_candidate("Dockerfile"));
        assert_eq!(
            chart_dirs(
                [
                    "charts/api/Chart.yaml",
                    "charts/api/values.yaml",
                    "Chart.yaml"
                ]
                .into_iter()
            ),
            vec!["charts/api".to_owned(), String::new()]
        );
    }
}
