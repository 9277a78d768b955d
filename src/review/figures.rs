//! The review's figures per service and per team, per calendar quarter: incidents by
//! severity, MTTR, MTTD and MTTF, as `docs/reviews.md` defines them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::incident::Incident;

pub use crate::facts::Quarter;

/// A mean and a median, in minutes; `None` with no data.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub mean_minutes: f64,
    pub median_minutes: f64,
}

impl Spread {
    /// Of durations in seconds; `None` for none.
    #[must_use]
    pub fn of(seconds: &[i64]) -> Option<Self> {
        if seconds.is_empty() {
            return None;
        }
        let mut sorted = seconds.to_vec();
        sorted.sort_unstable();
        #[allow(clippy::cast_precision_loss)] // seconds in a quarter fit an f64 exactly
        let minutes = |s: i64| s as f64 / 60.0;
        #[allow(clippy::cast_precision_loss)]
        let mean = minutes(sorted.iter().sum::<i64>()) / sorted.len() as f64;
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 0 {
            (minutes(sorted[mid - 1]) + minutes(sorted[mid])) / 2.0
        } else {
            minutes(sorted[mid])
        };
        Some(Self {
            mean_minutes: mean,
            median_minutes: median,
        })
    }
}

/// The figures of one quarter for a set of services (one service, or a team's).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub quarter: Quarter,
    pub incidents: usize,
    /// Incidents per severity, in severity order.
    pub by_severity: BTreeMap<String, usize>,
    /// Resolve − start.
    pub mttr: Option<Spread>,
    /// Detect − start, over the incidents that give a detection time.
    pub mttd: Option<Spread>,
    /// Operating hours between failures: (service-hours in the quarter − hours down) /
    /// incidents. `None` with no incident (no failure to measure between).
    pub mttf_hours: Option<f64>,
    /// Hours down: the union of the incidents' intervals, per service, within the quarter.
    pub downtime_hours: f64,
}

/// The figures of `quarter` over the incidents of `services` (incidents of other services
/// are ignored). An incident belongs to the quarter in which it started.
#[must_use]
pub fn figures(incidents: &[Incident], services: &[&str], quarter: Quarter) -> Figures {
    let (start, end) = quarter.bounds();
    let chosen: Vec<&Incident> = incidents
        .iter()
        .filter(|i| services.contains(&i.service.as_str()) && quarter.contains(i.started))
        .collect();
    let mut by_severity = BTreeMap::new();
    for incident in &chosen {
        *by_severity.entry(incident.severity.clone()).or_insert(0) += 1;
    }
    let repair: Vec<i64> = chosen
        .iter()
        .map(|i| i.resolved.as_second() - i.started.as_second())
        .collect();
    let detect: Vec<i64> = chosen
        .iter()
        .filter_map(|i| i.detected.map(|d| d.as_second() - i.started.as_second()))
        .collect();
    let down_seconds: i64 = services
        .iter()
        .map(|service| {
            let intervals = chosen
                .iter()
                .filter(|i| i.service == *service)
                .map(|i| (i.started, i.resolved.min(end).max(start)));
            union_seconds(intervals)
        })
        .sum();
    #[allow(clippy::cast_precision_loss)] // hours in a quarter fit an f64 exactly
    let hours = |s: i64| s as f64 / 3600.0;
    let operating = i64::try_from(services.len()).unwrap_or(i64::MAX) * quarter.seconds();
    #[allow(clippy::cast_precision_loss)]
    let mttf_hours =
        (!chosen.is_empty()).then(|| hours(operating - down_seconds) / chosen.len() as f64);
    Figures {
        quarter,
        incidents: chosen.len(),
        by_severity,
        mttr: Spread::of(&repair),
        mttd: Spread::of(&detect),
        mttf_hours,
        downtime_hours: hours(down_seconds),
    }
}

/// Seconds covered by the union of intervals (overlapping incidents are down once).
fn union_seconds(intervals: impl Iterator<Item = (Timestamp, Timestamp)>) -> i64 {
    let mut list: Vec<(i64, i64)> = intervals
        .map(|(a, b)| (a.as_second(), b.as_second()))
        .collect();
    list.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for (a, b) in list {
        current = match current {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    total + current.map_or(0, |(a, b)| b - a)
}

/// The change of a figure from the previous quarter, in percent; `None` when either is missing
/// or the previous is zero.
#[must_use]
pub fn change(previous: Option<f64>, now: Option<f64>) -> Option<f64> {
    match (previous, now) {
        (Some(p), Some(n)) if p.abs() > f64::EPSILON => Some((n - p) / p * 100.0),
        _ => None,
    }
}

/// `quarter` and the `count - 1` before it, oldest first.
#[must_use]
pub fn series(quarter: Quarter, count: usize) -> Vec<Quarter> {
    let mut list = vec![quarter];
    for _ in 1..count {
        let first = list[0];
        list.insert(0, first.previous());
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Date;

    #[test]
    fn quarters_parse_and_bound() {
        let q: Quarter = "2026Q3".parse().unwrap();
        assert_eq!(q.to_string(), "2026Q3");
        assert_eq!(q.seconds(), 92 * 86_400);
        assert_eq!(q.next().to_string(), "2026Q4");
        assert_eq!(
            "2026Q1".parse::<Quarter>().unwrap().previous().to_string(),
            "2025Q4"
        );
        assert!("2026Q5".parse::<Quarter>().is_err());
        assert!("26Q1".parse::<Quarter>().is_err());
        assert_eq!(
            Quarter::last_full(Date::constant(2026, 11, 25)).to_string(),
            "2026Q3"
        );
        assert_eq!(
            Quarter::last_full(Date::constant(2026, 1, 1)).to_string(),
            "2025Q4"
        );
    }

    #[test]
    fn a_median_resists_an_outlier() {
        let spread = Spread::of(&[600, 1200, 1800, 360_000]).unwrap();
        assert!((spread.median_minutes - 25.0).abs() < 1e-9);
        assert!((spread.mean_minutes - 1515.0).abs() < 1e-9);
    }

    #[test]
    fn overlapping_intervals_count_once() {
        let t = |s: i64| Timestamp::from_second(s).unwrap();
        let total = union_seconds([(t(0), t(100)), (t(50), t(150)), (t(200), t(210))].into_iter());
        assert_eq!(total, 160);
    }
}
