//! `postmortem` (rule `incidents.postmortem`): every severe incident of the service in the
//! last full quarter before the as-of day has a postmortem link. A severe incident without
//! one is an outage nobody learned from in writing, which the blameless review then cannot
//! discuss. Severe means SEV0 to SEV2, P0 to P2, `critical` or `high`, as the quarterly
//! review counts them. Evidence: the incident records the pack names (`[source.incidents]`),
//! matched to the manifest by `service.name`. Takes no parameters.

use super::{no_params, Builtin, Context, Failure, Outcome, Spec};
use crate::facts::Gathered;
use crate::facts::{incident::is_severe, Quarter};
use crate::manifest::Node;
use crate::source::Span;

pub const SPEC: Spec = Spec {
    name: "postmortem",
    summary: "the severe incidents of the last full quarter have postmortem links (incident evidence; no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(Postmortem))
}

#[derive(Debug)]
struct Postmortem;

impl Builtin for Postmortem {
    fn needs(&self) -> crate::facts::Needs {
        crate::facts::Needs {
            incidents: true,
            ..crate::facts::Needs::default()
        }
    }

    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let name_node = cx.manifest.root.pointer("service.name");
        let span = cx
            .manifest
            .root
            .pointer("incidents.postmortems")
            .or(name_node)
            .map_or(Span::START, |n| n.span);
        let Some(service) = name_node.and_then(Node::as_str) else {
            return Outcome::skip("the manifest has no `service.name` to match incidents by");
        };
        let incidents = match &cx.facts.incidents {
            Gathered::Known(incidents) => incidents,
            Gathered::NotConfigured(why) => return Outcome::skip(why.clone()),
            Gathered::Unavailable(why) => {
                return Outcome::fail(
                    vec![Failure::unverified(why, "incidents.postmortems", span)],
                    "",
                )
            }
        };
        let quarter = Quarter::last_full(cx.as_of);
        let mut severe: Vec<_> = incidents
            .records
            .iter()
            .filter(|i| i.service == service && quarter.contains(i.started))
            .filter(|i| is_severe(&i.severity))
            .collect();
        severe.sort_by(|a, b| a.started.cmp(&b.started).then(a.id.cmp(&b.id)));
        let failures = severe
            .iter()
            .filter(|i| i.postmortem.is_none())
            .map(|i| {
                Failure::new(
                    format!(
                        "severe incident {} ({}, started {}) of {quarter} has no postmortem link in {}: write the postmortem and record its link in the incident's `postmortem`",
                        i.id, i.severity, i.started, incidents.source
                    ),
                    format!("incidents.postmortem[{}]", i.id),
                    span,
                )
            })
            .collect();
        let passed = if severe.is_empty() {
            format!(
                "no severe incident of `{service}` started in {quarter} ({})",
                incidents.source
            )
        } else {
            format!(
                "all {} severe incidents of `{service}` in {quarter} have postmortem links ({})",
                severe.len(),
                incidents.source
            )
        };
        Outcome::fail(failures, passed)
    }
}
