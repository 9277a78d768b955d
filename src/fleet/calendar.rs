//! The review calendar: every governance review that is overdue or due within 30 days,
//! per team, and its iCalendar export (through the `icalendar` crate) so that the reviews
//! land in calendars.

use jiff::civil::Date;
use jiff::ToSpan;
use serde::{Deserialize, Serialize};

use super::{RowStatus, ServiceRow};

/// A governance review and how often it is due.
pub struct Review {
    /// The key under `[reviews]`.
    pub key: &'static str,
    pub title: &'static str,
    pub every_days: i64,
    /// The built-in rule that judges its freshness.
    pub rule: &'static str,
}

/// The reviews, with the cadences SRE practice sets: a PRR at least every two years,
/// MTTR/MTTF and toil every three months, critical dependencies every six.
pub const REVIEWS: [Review; 4] = [
    Review {
        key: "prr",
        title: "Production readiness review",
        every_days: 730,
        rule: "review.prr-fresh",
    },
    Review {
        key: "mttr_mttf",
        title: "MTTR/MTTF review",
        every_days: 92,
        rule: "review.mttr-mttf-fresh",
    },
    Review {
        key: "dependencies",
        title: "Critical-dependency review",
        every_days: 183,
        rule: "review.dependencies-fresh",
    },
    Review {
        key: "toil",
        title: "Toil review",
        every_days: 92,
        rule: "review.toil-fresh",
    },
];

/// How far ahead the calendar looks.
pub const HORIZON_DAYS: i64 = 30;

/// One review to hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDue {
    pub team: String,
    pub service: String,
    /// The key under `[reviews]` (`prr`, `mttr_mttf`, `dependencies`, `toil`).
    pub review: String,
    /// When it last happened; null when never.
    pub last: Option<String>,
    /// When it is due: the last one plus its cadence, or `as_of` when it never happened.
    pub due: String,
    pub overdue: bool,
}

/// When a review is due and whether it is overdue on `as_of` (exactly the cadence old is
/// still on time; a date that is not a date, or none, is due now).
#[must_use]
pub fn due(review: &Review, last: Option<&str>, as_of: Date) -> (Date, bool) {
    match last.and_then(|d| d.parse::<Date>().ok()) {
        Some(last) => {
            let due = last
                .checked_add(review.every_days.days())
                .unwrap_or(Date::MAX);
            (due, due < as_of)
        }
        None => (as_of, true),
    }
}

/// Every review overdue or due within [`HORIZON_DAYS`], by due date, team and service.
#[must_use]
pub fn due_reviews(rows: &[ServiceRow], as_of: Date) -> Vec<ReviewDue> {
    let horizon = as_of.checked_add(HORIZON_DAYS.days()).unwrap_or(Date::MAX);
    let mut due_list = Vec::new();
    for row in rows.iter().filter(|r| r.status == RowStatus::Judged) {
        let Some(reviews) = &row.reviews else {
            continue;
        };
        for review in &REVIEWS {
            let Some(last) = reviews.get(review.key) else {
                continue;
            };
            let (date, late) = due(review, last.as_deref(), as_of);
            // The engine's verdict (the review rule fails) and the date agree, but a rule
            // pack may judge more strictly than the cadence: either makes it overdue.
            let overdue = late || row.overdue_reviews.iter().any(|k| k == review.key);
            if overdue || date <= horizon {
                due_list.push(ReviewDue {
                    team: row.team_name().to_owned(),
                    service: row.label().to_owned(),
                    review: review.key.to_owned(),
                    last: last.clone(),
                    due: date.to_string(),
                    overdue,
                });
            }
        }
    }
    due_list.sort_by(|a, b| (&a.due, &a.team, &a.service).cmp(&(&b.due, &b.team, &b.service)));
    due_list
}

/// The title of a review key.
#[must_use]
pub fn title(key: &str) -> &str {
    REVIEWS
        .iter()
        .find(|r| r.key == key)
        .map_or(key, |r| r.title)
}

/// The calendar as iCalendar: one all-day event per review, on its due date (today for
/// an overdue one). Identifiers and stamps come from the data and the date judged, so the
/// same fleet gives the same file, and a calendar that subscribes to it updates events in
/// place instead of duplicating them.
#[must_use]
pub fn to_ics(due: &[ReviewDue], as_of: Date) -> String {
    use icalendar::{Calendar, Component, EventLike};
    let stamp = chrono_date(as_of)
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    let mut calendar = Calendar::new();
    calendar.name("prr review calendar");
    for item in due {
        let day = if item.overdue {
            as_of
        } else {
            item.due.parse().unwrap_or(as_of)
        };
        let mut description = format!("Team: {}\nService: {}\n", item.team, item.service);
        match &item.last {
            Some(last) => description.push_str(&format!("Last held: {last}\n")),
            None => description.push_str("Never held\n"),
        }
        if item.overdue {
            description.push_str(&format!("Overdue since {}\n", item.due));
        }
        let event = icalendar::Event::new()
            .uid(&format!(
                "prr-{}-{}-{}@prr-gate",
                uid_part(&item.team),
                uid_part(&item.service),
                item.review
            ))
            .timestamp(stamp)
            .summary(&format!(
                "{}{}: {} ({})",
                if item.overdue { "Overdue: " } else { "" },
                title(&item.review),
                item.service,
                item.team
            ))
            .description(&description)
            // An all-day event ends, exclusively, on the next day (RFC 5545 3.6.1).
            .starts(chrono_date(day))
            .ends(
                chrono_date(day)
                    .succ_opt()
                    .unwrap_or(chrono::NaiveDate::MAX),
            )
            .done();
        calendar.push(event);
    }
    calendar.done().to_string()
}

fn chrono_date(date: Date) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::try_from(date.month()).unwrap_or(1),
        u32::try_from(date.day()).unwrap_or(1),
    )
    .unwrap_or_default()
}

/// A name as part of an event's UID: letters, digits and `-` only.
fn uid_part(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
