//! The quarterly reviews from data (`prr review quarterly`): incident records in, the
//! blameless MTTR/MTTD/MTTF figures per service and per team out, with the overdue reviews
//! and the postmortem links, as one review pack per team.
//!
//! Teams come from the manifests (`service.owner`); figures exist per service and per team,
//! never below, and no record field that could name a person is ever read.

pub mod figures;
pub mod render;
pub mod toil;

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

pub use crate::facts::incident::{self as incident, Incident, Records};
use crate::manifest::{Manifest, Node};
pub use figures::{Figures, Quarter};

/// How many quarters the trend shows, the reviewed one included.
pub const TREND_QUARTERS: usize = 4;

/// A service as the manifests describe it: what the review needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceInfo {
    pub name: String,
    pub team: String,
    /// The manifest's path, as shown.
    pub manifest: String,
    /// `[reviews]`: review name and its date, when given.
    pub reviews: Vec<(&'static str, Option<Date>)>,
    /// `toil.backlog`, when given.
    pub toil_backlog: Option<String>,
}

/// The reviews of `[reviews]`, with the longest age each may have (the built-in pack's
/// `review.*-fresh` windows).
pub const REVIEWS: [(&str, i64); 4] = [
    ("prr", 730),
    ("mttr_mttf", 92),
    ("dependencies", 183),
    ("toil", 92),
];

impl ServiceInfo {
    /// What a manifest says; `None` without `service.name`.
    #[must_use]
    pub fn from_manifest(manifest: &Manifest) -> Option<Self> {
        let name = manifest.service().name?;
        let team = manifest
            .root
            .pointer("service.owner")
            .and_then(Node::as_str)
            .map_or_else(|| "(no owner)".to_owned(), str::to_owned);
        let reviews = REVIEWS
            .iter()
            .map(|(key, _)| {
                let date = manifest
                    .root
                    .pointer(&format!("reviews.{key}"))
                    .and_then(|n| match &n.value {
                        crate::manifest::Value::Datetime(s) | crate::manifest::Value::String(s) => {
                            s.get(..10).and_then(|d| d.parse::<Date>().ok())
                        }
                        _ => None,
                    });
                (*key, date)
            })
            .collect();
        let toil_backlog = manifest
            .root
            .pointer("toil.backlog")
            .and_then(Node::as_str)
            .map(str::to_owned);
        Some(Self {
            name,
            team,
            manifest: manifest.source.name.clone(),
            reviews,
            toil_backlog,
        })
    }
}

/// The whole review: one pack per team.
#[derive(Clone, Debug, Serialize)]
pub struct Review {
    /// The JSON format's version.
    pub version: u32,
    pub quarter: Quarter,
    pub as_of: String,
    /// Records read and used.
    pub incidents_used: usize,
    /// Records left out, each with its place and why.
    pub left_out: Vec<String>,
    /// Services named by incidents but by no manifest (their incidents count for no team).
    pub unknown_services: Vec<String>,
    /// What could not be read (an incident source, a manifest, a toil backlog), one
    /// sentence each: the pack is written without it and says so first.
    pub unavailable: Vec<String>,
    /// Whether the toil figures were read (`--toil off` skips them).
    pub toil_read: bool,
    /// The whole organisation: every team's services together.
    pub organisation: Organisation,
    /// Severe incidents of the quarter without a postmortem, of services no manifest names
    /// (no team will review them).
    pub unowned_without_postmortem: Vec<Postmortem>,
    /// Teams by need: incidents, missing postmortems, overdue reviews (most first).
    pub teams: Vec<TeamReview>,
}

/// The organisation's figures, and the teams that need attention.
#[derive(Clone, Debug, Serialize)]
pub struct Organisation {
    /// The reviewed quarter, over every service of every manifest.
    pub figures: Figures,
    /// The quarters up to the reviewed one, oldest first.
    pub trend: Vec<Figures>,
    pub mttr_median_change_percent: Option<f64>,
    pub mttf_change_percent: Option<f64>,
    /// Severe incidents of the quarter without a postmortem, every service.
    pub missing_postmortems: usize,
    pub overdue_reviews: usize,
    /// Teams with an incident, a missing postmortem or an overdue review, by need.
    pub attention: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TeamReview {
    pub team: String,
    /// The reviewed quarter.
    pub figures: Figures,
    /// The quarters up to the reviewed one, oldest first.
    pub trend: Vec<Figures>,
    /// Change of the median MTTR and of MTTF from the previous quarter, in percent.
    pub mttr_median_change_percent: Option<f64>,
    pub mttf_change_percent: Option<f64>,
    pub services: Vec<ServiceReview>,
    pub overdue_reviews: Vec<Overdue>,
    /// The quarter's incidents with a postmortem link, and the severe ones without.
    pub postmortems: Vec<Postmortem>,
    /// The quarter's toil figures from the team's backlogs.
    pub toil: toil::Toil,
}

impl TeamReview {
    /// Severe incidents of the quarter without a postmortem.
    #[must_use]
    pub fn missing_postmortems(&self) -> usize {
        self.postmortems.iter().filter(|p| p.link.is_none()).count()
    }

    /// Whether nothing in the quarter asks for the team's attention: no incident, no
    /// missing postmortem, no overdue review.
    #[must_use]
    pub fn is_quiet(&self) -> bool {
        self.figures.incidents == 0
            && self.missing_postmortems() == 0
            && self.overdue_reviews.is_empty()
    }

    /// The order of need, most first: incidents, then missing postmortems, then overdue
    /// reviews.
    fn need(&self) -> (usize, usize, usize) {
        (
            self.figures.incidents,
            self.missing_postmortems(),
            self.overdue_reviews.len(),
        )
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceReview {
    pub service: String,
    pub manifest: String,
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize)]
pub struct Overdue {
    pub service: String,
    /// The `[reviews]` key.
    pub review: String,
    /// The last review's date; `None` when none is recorded.
    pub last: Option<String>,
    /// The day it fell due; `None` when none is recorded.
    pub due: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Postmortem {
    pub incident: String,
    pub service: String,
    pub severity: String,
    pub started: String,
    pub link: Option<String>,
}

pub use crate::facts::incident::is_severe;

/// Builds the review of `quarter` from the records, the services and their toil backlogs'
/// listings. `problems` are what could not be read before (an incident source, a
/// manifest), one sentence each; the toil backlogs that could not be read are added.
#[must_use]
pub fn review(
    records: &Records,
    services: &[ServiceInfo],
    quarter: Quarter,
    as_of: Date,
    toil_listings: &toil::Listings,
    problems: &[String],
) -> Review {
    let known: std::collections::BTreeSet<&str> =
        services.iter().map(|s| s.name.as_str()).collect();
    let unknown_services: Vec<String> = records
        .incidents
        .iter()
        .map(|i| i.service.as_str())
        .filter(|s| !known.contains(s))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut by_team: BTreeMap<&str, Vec<&ServiceInfo>> = BTreeMap::new();
    for service in services {
        by_team.entry(&service.team).or_default().push(service);
    }
    let incidents = &records.incidents;
    let mut teams: Vec<TeamReview> = by_team
        .into_iter()
        .map(|(team, members)| {
            let names: Vec<&str> = members.iter().map(|s| s.name.as_str()).collect();
            let trend: Vec<Figures> = figures::series(quarter, TREND_QUARTERS)
                .into_iter()
                .map(|q| figures::figures(incidents, &names, q))
                .collect();
            let now = trend[trend.len() - 1].clone();
            let before = trend.get(trend.len().wrapping_sub(2));
            let median = |f: &Figures| f.mttr.map(|s| s.median_minutes);
            TeamReview {
                team: team.to_owned(),
                mttr_median_change_percent: figures::change(before.and_then(median), median(&now)),
                mttf_change_percent: figures::change(
                    before.and_then(|f| f.mttf_hours),
                    now.mttf_hours,
                ),
                figures: now,
                trend,
                services: members
                    .iter()
                    .map(|s| ServiceReview {
                        service: s.name.clone(),
                        manifest: s.manifest.clone(),
                        figures: figures::figures(incidents, &[s.name.as_str()], quarter),
                    })
                    .collect(),
                overdue_reviews: overdue(&members, as_of),
                postmortems: postmortems(incidents, &names, quarter),
                toil: if toil_listings.skipped {
                    toil::Toil::default()
                } else {
                    toil::Toil::of(
                        members
                            .iter()
                            .map(|s| (s.name.as_str(), s.toil_backlog.as_deref())),
                        quarter,
                        |url| toil_listings.resolve(url),
                        |backlog| toil_listings.listing(backlog),
                    )
                },
            }
        })
        .collect();
    // Stable: teams of equal need stay in name order.
    teams.sort_by_key(|t| std::cmp::Reverse(t.need()));
    let unknown: Vec<&str> = unknown_services.iter().map(String::as_str).collect();
    let unowned_without_postmortem = postmortems(incidents, &unknown, quarter)
        .into_iter()
        .filter(|p| p.link.is_none())
        .collect();
    // Every service the records or the manifests name: an incident of a service without
    // a manifest is still one of the organisation's.
    let all: Vec<&str> = services
        .iter()
        .map(|s| s.name.as_str())
        .chain(unknown.iter().copied())
        .collect();
    let organisation = organisation(incidents, &all, quarter, &teams);
    let mut unavailable = problems.to_vec();
    for team in &teams {
        for backlog in &team.toil.backlogs {
            if let Some(why) = &backlog.unavailable {
                unavailable.push(format!(
                    "toil figures not available for {}: {why}",
                    backlog.services.join(", ")
                ));
            }
        }
    }
    Review {
        version: 1,
        quarter,
        as_of: as_of.to_string(),
        incidents_used: records.incidents.len(),
        left_out: records.left_out.iter().map(ToString::to_string).collect(),
        unknown_services,
        unavailable,
        toil_read: !toil_listings.skipped,
        organisation,
        unowned_without_postmortem,
        teams,
    }
}

fn organisation(
    incidents: &[Incident],
    services: &[&str],
    quarter: Quarter,
    teams: &[TeamReview],
) -> Organisation {
    let trend: Vec<Figures> = figures::series(quarter, TREND_QUARTERS)
        .into_iter()
        .map(|q| figures::figures(incidents, services, q))
        .collect();
    let now = trend[trend.len() - 1].clone();
    let before = trend.get(trend.len().wrapping_sub(2));
    let median = |f: &Figures| f.mttr.map(|s| s.median_minutes);
    Organisation {
        mttr_median_change_percent: figures::change(before.and_then(median), median(&now)),
        mttf_change_percent: figures::change(before.and_then(|f| f.mttf_hours), now.mttf_hours),
        figures: now,
        trend,
        missing_postmortems: teams.iter().map(TeamReview::missing_postmortems).sum(),
        overdue_reviews: teams.iter().map(|t| t.overdue_reviews.len()).sum(),
        attention: teams
            .iter()
            .filter(|t| !t.is_quiet())
            .map(|t| t.team.clone())
            .collect(),
    }
}

fn overdue(members: &[&ServiceInfo], as_of: Date) -> Vec<Overdue> {
    let mut list = Vec::new();
    for service in members {
        for ((review, last), (_, days)) in service.reviews.iter().zip(REVIEWS) {
            let due = last.and_then(|d| d.checked_add(jiff::Span::new().days(days)).ok());
            if due.is_none_or(|due| due < as_of) {
                list.push(Overdue {
                    service: service.name.clone(),
                    review: (*review).to_owned(),
                    last: last.map(|d| d.to_string()),
                    due: due.map(|d| d.to_string()),
                });
            }
        }
    }
    list
}

fn postmortems(incidents: &[Incident], services: &[&str], quarter: Quarter) -> Vec<Postmortem> {
    let mut list: Vec<Postmortem> = incidents
        .iter()
        .filter(|i| services.contains(&i.service.as_str()) && quarter.contains(i.started))
        .filter(|i| i.postmortem.is_some() || is_severe(&i.severity))
        .map(|i| Postmortem {
            incident: i.id.clone(),
            service: i.service.clone(),
            severity: i.severity.clone(),
            started: i.started.to_string(),
            link: i.postmortem.clone(),
        })
        .collect();
    list.sort_by(|a, b| a.started.cmp(&b.started).then(a.incident.cmp(&b.incident)));
    list
}
