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
    /// The last review is dated after `as_of`: a typo that `prr check` fails (a date in
    /// the future), neither on time nor overdue. The review is due now, to fix the date.
    #[serde(default)]
    pub future: bool,
}

impl ReviewDue {
    /// What the calendar says of it, the same words in every format.
    #[must_use]
    pub fn state(&self) -> String {
        if self.future {
            format!(
                "date in the future ({}): a typo? prr check fails it",
                self.last.as_deref().unwrap_or_default()
            )
        } else if self.overdue {
            "overdue".to_owned()
        } else {
            "due".to_owned()
        }
    }
}

/// When a review is due and whether it is overdue on `as_of` (exactly the cadence old is
/// still on time; a date that is not a date, or none, is due now). A date after `as_of`
/// is due now too, but not overdue: see [`is_future`].
#[must_use]
pub fn due(review: &Review, last: Option<&str>, as_of: Date) -> (Date, bool) {
    match last.and_then(|d| d.parse::<Date>().ok()) {
        Some(last) if last > as_of => (as_of, false),
        Some(last) => {
            let due = last
                .checked_add(review.every_days.days())
                .unwrap_or(Date::MAX);
            (due, due < as_of)
        }
        None => (as_of, true),
    }
}

/// Whether a review's date is after `as_of`, as `prr check` fails it (decision 4).
#[must_use]
pub fn is_future(last: Option<&str>, as_of: Date) -> bool {
    last.and_then(|d| d.parse::<Date>().ok())
        .is_some_and(|last| last > as_of)
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
            let future = is_future(last.as_deref(), as_of);
            // The engine's verdict (the review rule fails) and the date agree, but a rule
            // pack may judge more strictly than the cadence: either makes it overdue. A
            // date in the future fails the rule too, for another reason: it says so.
            let overdue = !future && (late || row.overdue_reviews.iter().any(|k| k == review.key));
            if overdue || future || date <= horizon {
                due_list.push(ReviewDue {
                    team: row.team_name().to_owned(),
                    service: row.label().to_owned(),
                    review: review.key.to_owned(),
                    last: last.clone(),
                    due: date.to_string(),
                    overdue,
                    future,
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
        let day = if item.overdue || item.future {
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
        if item.future {
            description.push_str("The last date is in the future: correct it in the manifest\n");
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
                if item.future {
                    "Date in the future: "
                } else if item.overdue {
                    "Overdue: "
                } else {
                    ""
                },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_in_the_future_is_neither_on_time_nor_overdue() {
        let as_of = jiff::civil::date(2026, 11, 20);
        let mut row = ServiceRow::no_manifest("a");
        row.status = RowStatus::Judged;
        row.name = Some("a".to_owned());
        // The engine fails the review rule for the future date; the calendar says why.
        row.overdue_reviews = vec!["prr".to_owned()];
        row.reviews = Some(
            [
                ("prr".to_owned(), Some("2027-01-15".to_owned())),
                ("toil".to_owned(), Some("2026-06-01".to_owned())),
            ]
            .into_iter()
            .collect(),
        );
        let due = due_reviews(&[row], as_of);
        let prr = due.iter().find(|d| d.review == "prr").unwrap();
        assert!(prr.future && !prr.overdue);
        assert_eq!(prr.due, "2026-11-20");
        assert!(prr.state().contains("in the future (2027-01-15)"));
        let toil = due.iter().find(|d| d.review == "toil").unwrap();
        assert!(toil.overdue && !toil.future);
        assert!(to_ics(&due, as_of).contains("Date in the future: Production readiness review"));
    }
}
