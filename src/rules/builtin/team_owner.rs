//! `team_owner`: ownership belongs to a team, never to a person. People change roles and
//! leave; a pager, an error budget or a dependency owned by one person is orphaned the day
//! they do. Fails when a `required` owner is missing, and for every owner field that is not
//! a team: an email address, a bare `@user` handle, or a person's name.
//!
//! Parameters (`with`):
//! - `fields`: paths of owner fields (default `service.owner`, `service.product_owner`,
//!   `error_budget.owner`, `dependency[*].owner`);
//! - `required`: paths that must be present (default `service.owner`);
//! - `team_patterns`: regexes a team matches (default `@org/team` and `team:<name>`).

use super::{params, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::path::Path;

pub const SPEC: Spec = Spec {
    name: "team_owner",
    summary: "owner fields name teams (@org/team or team:<name>), not people; with fields, required, team_patterns",
    build,
};

const DEFAULT_FIELDS: [&str; 4] = [
    "service.owner",
    "service.product_owner",
    "error_budget.owner",
    "dependency[*].owner",
];
const DEFAULT_PATTERNS: [&str; 2] = [
    r"^@[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$",
    r"^team:[A-Za-z0-9][A-Za-z0-9_.-]*$",
];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    fields: Option<Vec<String>>,
    required: Option<Vec<String>>,
    team_patterns: Option<Vec<String>>,
}

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    let p: Params = params(with)?;
    let paths = |list: Option<Vec<String>>, default: &[&str]| -> Result<Vec<Path>, String> {
        list.unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
            .iter()
            .map(|s| s.parse::<Path>().map_err(|e| e.to_string()))
            .collect()
    };
    let patterns = p
        .team_patterns
        .unwrap_or_else(|| DEFAULT_PATTERNS.iter().map(|s| (*s).to_owned()).collect())
        .iter()
        .map(|pattern| {
            regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|err| format!("team_patterns: {}", crate::rules::regex_problem(&err)))
        })
        .collect::<Result<_, _>>()?;
    Ok(Box::new(TeamOwner {
        fields: paths(p.fields, &DEFAULT_FIELDS)?,
        required: paths(p.required, &["service.owner"])?,
        patterns,
    }))
}

#[derive(Debug)]
struct TeamOwner {
    fields: Vec<Path>,
    required: Vec<Path>,
    patterns: Vec<regex::Regex>,
}

/// Why an owner is a person rather than a team.
fn person_kind(owner: &str) -> &'static str {
    if owner.contains('@') && !owner.starts_with('@') {
        "an email address, which is a person"
    } else if owner.starts_with('@') && !owner.contains('/') {
        "a bare user handle, which is a person (a team handle is @org/team)"
    } else if owner.contains(' ') {
        "a person's name"
    } else {
        "not a team handle"
    }
}

impl Builtin for TeamOwner {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let root = &cx.manifest.root;
        let mut failures = Vec::new();
        for path in &self.required {
            for hit in path.resolve(root) {
                if !hit.node.is_some_and(crate::manifest::Node::is_present) {
                    failures.push(Failure::new(
                        format!(
                            "`{}` is {}: name the team that owns the service",
                            hit.key,
                            crate::manifest::Node::absence(hit.node)
                        ),
                        hit.key,
                        hit.anchor,
                    ));
                }
            }
        }
        let mut checked = 0;
        for path in &self.fields {
            for hit in path.resolve(root) {
                // A TODO placeholder is reported by whatever requires the value, not as a person.
                let Some(owner) = hit
                    .node
                    .filter(|n| !n.is_todo())
                    .and_then(crate::manifest::Node::as_str)
                else {
                    continue;
                };
                checked += 1;
                let owner = owner.trim();
                if !self.patterns.iter().any(|re| re.is_match(owner)) {
                    failures.push(Failure::new(
                        format!(
                            "`{}` is \"{owner}\": {}; name a team (\"@org/team\" or \"team:<name>\")",
                            hit.key,
                            person_kind(owner)
                        ),
                        hit.key,
                        hit.anchor,
                    ));
                }
            }
        }
        Outcome::fail(failures, format!("all {checked} owner fields name teams"))
    }
}
