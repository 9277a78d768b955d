//! The live error budget: what an SLO's good and total event counts say about its budget.
//! Pure arithmetic, no I/O: the evidence stage reads the counts, this module turns them into
//! attainment, budget, consumption and burn rates, and the engine and reports use the
//! figures.
//!
//! Counts are what `increase(counter[window])` returns, never the difference of two raw
//! counter readings: a counter resets to zero when its process restarts, and `increase()`
//! detects the drop and counts on from zero, so a restart inside the window neither loses
//! events nor turns them negative. A query that is not written that way is the SLI's
//! author's to fix; negative counts are refused here rather than believed.

use serde::{Deserialize, Serialize};

/// The burn rate over 1 hour above which a budget is burning fast enough to page: 2% of a
/// 30-day budget spent in one hour (the SRE workbook's multiwindow alerting, 14.4x).
pub const FAST_BURN_1H: f64 = 14.4;
/// The burn rate over 6 hours above which it is: 5% of a 30-day budget in 6 hours (6x).
pub const FAST_BURN_6H: f64 = 6.0;

/// Why an SLO without `[slo.sli]` has no live figures.
pub const NO_SLI: &str = "no `[slo.sli]`: prr has no query to measure it with";

/// Good and total events over one period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Counts {
    pub good: f64,
    pub total: f64,
}

/// Why counts cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CountsError {
    #[error("the SLI counts are not numbers (good {good}, total {total})")]
    NotNumbers { good: String, total: String },
    #[error("the SLI counts are negative (good {good}, total {total}): count with increase(), which handles counter resets")]
    Negative { good: String, total: String },
    #[error("the SLI has more good events ({good}) than events in total ({total}): the good query counts something the total query does not")]
    MoreGoodThanTotal { good: String, total: String },
}

impl Counts {
    /// Checks that the counts can be believed.
    ///
    /// # Errors
    /// A count is NaN or infinite, negative, or good exceeds total.
    pub fn checked(self) -> Result<Self, CountsError> {
        let (good, total) = (self.good.to_string(), self.total.to_string());
        if !self.good.is_finite() || !self.total.is_finite() {
            return Err(CountsError::NotNumbers { good, total });
        }
        if self.good < 0.0 || self.total < 0.0 {
            return Err(CountsError::Negative { good, total });
        }
        // Rate estimates of two queries can differ by a rounding hair.
        if self.good > self.total * (1.0 + 1e-9) {
            return Err(CountsError::MoreGoodThanTotal { good, total });
        }
        Ok(self)
    }

    /// The share of bad events, or `None` with no traffic.
    #[must_use]
    fn bad_share(self) -> Option<f64> {
        (self.total > 0.0).then(|| ((self.total - self.good) / self.total).max(0.0))
    }
}

/// The live figures of one SLO's budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveBudget {
    /// Good events over the window, as a percentage (`None`: no traffic).
    pub attainment: Option<f64>,
    pub good: f64,
    pub total: f64,
    /// The bad events the target allows over the window: (1 - target) x total.
    pub allowed_bad: f64,
    /// The bad events there were.
    pub bad: f64,
    /// The budget in minutes over the window, as on paper.
    pub budget_minutes: f64,
    /// The share of the budget spent (1.0 = all of it; above 1 = overspent).
    pub consumed: f64,
    /// 1 - consumed: 0 or less is an exhausted budget.
    pub remaining: f64,
    /// The budget minutes left (negative when overspent).
    pub remaining_minutes: f64,
    /// How fast the budget burns over the last hour and six hours: 1.0 spends exactly the
    /// budget over the window (`None`: no traffic then, or not measured).
    pub burn_rate_1h: Option<f64>,
    pub burn_rate_6h: Option<f64>,
    /// Days of the window the data covers, when less than the whole window.
    pub covered_days: Option<f64>,
    /// The share of the window the data covers (1.0: all of it); `None` when it could not
    /// be measured (a note says why). Added in 0.2.0.
    #[serde(default)]
    pub covered_share: Option<f64>,
    /// Why a burn rate was not measured (its query failed), by span; `None` when it was, or
    /// when there was no traffic then. Added in 0.2.0.
    #[serde(default)]
    pub burn_1h_unmeasured: Option<String>,
    #[serde(default)]
    pub burn_6h_unmeasured: Option<String>,
    /// The one instant every query of the run was evaluated at (RFC 3339). Added in 0.2.0.
    #[serde(default)]
    pub at: Option<String>,
    /// What a reader must know: no traffic, a window longer than the data.
    pub notes: Vec<String>,
}

/// The live budget of an SLO with `target` (percent) over `window_days`, from the counts
/// over the window and, when measured, over the last 1 and 6 hours. `covered_days` is how
/// much of the window the data covers when less than all of it.
#[must_use]
pub fn live(
    target: f64,
    window_days: f64,
    window: Counts,
    last_1h: Option<Counts>,
    last_6h: Option<Counts>,
    covered_days: Option<f64>,
) -> LiveBudget {
    let allowed_share = (100.0 - target) / 100.0;
    let budget_minutes = allowed_share * window_days * 24.0 * 60.0;
    let bad = (window.total - window.good).max(0.0);
    let allowed_bad = allowed_share * window.total;
    let mut notes = Vec::new();
    let consumed = if window.total > 0.0 {
        if allowed_bad > 0.0 {
            bad / allowed_bad
        } else if bad > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    } else {
        notes.push("no traffic over the window: no budget was spent".to_owned());
        0.0
    };
    let covered_share = covered_days.map(|days| (days / window_days).clamp(0.0, 1.0));
    let covered_days = covered_days.filter(|days| *days < window_days);
    if let Some(days) = covered_days {
        notes.push(format!(
            "the data covers about {} of the window's {} ({}%): the figures are over what exists",
            span_of_days(days),
            span_of_days(window_days),
            share_percent(days / window_days),
        ));
    }
    let burn = |counts: Option<Counts>| {
        let share = counts?.bad_share()?;
        (allowed_share > 0.0).then(|| share / allowed_share)
    };
    LiveBudget {
        attainment: (window.total > 0.0).then(|| window.good / window.total * 100.0),
        good: window.good,
        total: window.total,
        allowed_bad,
        bad,
        budget_minutes,
        consumed,
        remaining: 1.0 - consumed,
        remaining_minutes: budget_minutes * (1.0 - consumed),
        burn_rate_1h: burn(last_1h),
        burn_rate_6h: burn(last_6h),
        covered_days,
        covered_share,
        burn_1h_unmeasured: None,
        burn_6h_unmeasured: None,
        at: None,
        notes,
    }
}

/// A span of days as people say it: "10.5 days", "1 day", "5 hours", "25 minutes".
fn span_of_days(days: f64) -> String {
    let plural = |n: String, unit: &str| {
        if n == "1" {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if days >= 1.0 {
        plural(round(days, 1), "day")
    } else if days * 24.0 >= 1.0 {
        plural(round(days * 24.0, 1), "hour")
    } else {
        plural(round((days * 1440.0).max(1.0), 0), "minute")
    }
}

/// A share as a percentage with as many decimals as a small share needs: 38, 1.7, 0.06,
/// 0.0025 (two significant digits below 1%, so that minutes of a month never read as 0).
#[must_use]
pub fn share_percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent >= 10.0 {
        return round(percent, 0);
    }
    if percent >= 1.0 {
        return round(percent, 1);
    }
    if percent < 1e-6 {
        return "0".to_owned();
    }
    // Two significant digits: 0.0025 has its first at the third decimal.
    #[allow(clippy::cast_possible_truncation)]
    let digits = (-percent.log10()).ceil() as i32 + 1;
    round(percent, digits.min(8))
}

impl LiveBudget {
    /// Whether the budget is exhausted: `remaining` at or below `threshold` (a share; 0 by
    /// default).
    #[must_use]
    pub fn exhausted(&self, threshold: f64) -> bool {
        self.remaining <= threshold
    }

    /// Whether both windows burn fast enough to page (14.4x over 1 h and 6x over 6 h).
    #[must_use]
    pub fn burning_fast(&self) -> bool {
        self.burn_rate_1h.is_some_and(|r| r >= FAST_BURN_1H)
            && self.burn_rate_6h.is_some_and(|r| r >= FAST_BURN_6H)
    }

    /// Days until an overspent budget is back above zero, if it can be said: the window's
    /// spent budget leaves it evenly (1/window of it a day) while the 6-hour burn rate adds
    /// to it; `None` when the budget is not overspent or burns as fast as it leaves.
    #[must_use]
    pub fn recovers_in_days(&self, window_days: f64) -> Option<f64> {
        if self.consumed <= 1.0 || !self.consumed.is_finite() {
            return None;
        }
        let burn = self.burn_rate_6h.unwrap_or(self.consumed);
        // d(consumed)/dt = (burn - consumed) / window, taken at today's rate.
        (burn < self.consumed)
            .then(|| (self.consumed - 1.0) * window_days / (self.consumed - burn))
            .filter(|days| *days <= window_days)
    }

    /// One line: "99.912% of 1,000,000 requests good; 12.0 of 40.3 budget minutes left
    /// (70.2%); burn 0.4x (1 h), 0.6x (6 h)".
    #[must_use]
    pub fn sentence(&self) -> String {
        let attainment = match self.attainment {
            Some(a) => format!("{}% good", round(a, 3)),
            None => "no traffic".to_owned(),
        };
        let burn =
            |rate: Option<f64>, unmeasured: Option<&String>, over: &str| match (rate, unmeasured) {
                (Some(r), _) => format!("{}x over {over}", round(r, 1)),
                (None, Some(why)) => format!("not measured over {over} ({why})"),
                (None, None) => format!("no traffic over {over}"),
            };
        format!(
            "{attainment}; {} of {} budget minutes left ({}% remaining); burn rate {}, {}",
            round(self.remaining_minutes, 1),
            round(self.budget_minutes, 1),
            round(self.remaining * 100.0, 1),
            burn(self.burn_rate_1h, self.burn_1h_unmeasured.as_ref(), "1 h"),
            burn(self.burn_rate_6h, self.burn_6h_unmeasured.as_ref(), "6 h"),
        )
    }
}

/// `value` rounded to `digits` decimals, as a short number.
fn round(value: f64, digits: i32) -> String {
    let factor = 10f64.powi(digits);
    crate::manifest::format_number((value * factor).round() / factor)
}

/// The live budget of every SLO of `manifest` that declares both good and total queries,
/// by the SLO's index, from what Prometheus answered: the budget, or every reason it cannot
/// be had (each named: no answer, a refused query, an empty vector, several series, NaN,
/// an infinity, a negative count, more good than total). Zero total is "no traffic" only
/// when both answers are real zeros: NaN is never read as no traffic.
#[must_use]
pub fn of_manifest(
    manifest: &crate::manifest::Manifest,
    readings: &crate::facts::prometheus::Readings,
) -> Vec<(usize, Result<LiveBudget, Vec<String>>)> {
    use crate::facts::prometheus::{pairs, sli_queries, BURN_HOURS};
    let slos = manifest
        .root
        .get("slo")
        .and_then(crate::manifest::Node::as_array)
        .unwrap_or_default();
    let queries = sli_queries(manifest);
    let mut budgets = Vec::new();
    for pair in pairs(&queries) {
        let target = slos
            .get(pair.slo)
            .and_then(|slo| slo.get("target"))
            .and_then(crate::manifest::Node::as_f64);
        let (Some(target), Some(days)) = (target, pair.window_days()) else {
            budgets.push((
                pair.slo,
                Err(vec![
                    "the SLO has no target or window prr can read".to_owned()
                ]),
            ));
            continue;
        };
        let over_window = crate::facts::prometheus::duration(days);
        let halves = pair.good.asked.clone().zip(pair.total.asked.clone());
        let window = match pair_counts(readings, pair.together_over_window(), halves, &over_window)
        {
            Ok(window) => window,
            Err(problems) => {
                budgets.push((pair.slo, Err(problems)));
                continue;
            }
        };
        // A burn rate that cannot be had is said so, not fatal: the window decides.
        let [one, six] = BURN_HOURS.map(|hours| {
            pair_counts(
                readings,
                pair.together_over_hours(hours),
                None,
                &format!("{hours}h"),
            )
            .map_err(|problems| problems.join("; "))
        });
        let coverage = coverage_seconds(readings, &pair.total.coverage());
        let mut budget = live(
            target,
            days,
            window,
            one.as_ref().ok().copied(),
            six.as_ref().ok().copied(),
            coverage.as_ref().ok().map(|seconds| seconds / 86_400.0),
        );
        budget.burn_1h_unmeasured = one.err();
        budget.burn_6h_unmeasured = six.err();
        budget.at = readings.at.map(|at| at.to_string());
        if let Err(why) = coverage {
            budget.notes.push(format!(
                "how much of the window the data covers is not known ({why}): the figures are over what exists"
            ));
        }
        budgets.push((pair.slo, Ok(budget)));
    }
    budgets
}

/// How many seconds of the window the data covers, from the looks' answers; else why
/// that is not known.
fn coverage_seconds(
    readings: &crate::facts::prometheus::Readings,
    looks: &[crate::facts::prometheus::Look],
) -> Result<f64, String> {
    use crate::facts::prometheus::{Answer, Look};
    let mut answers = Vec::new();
    let mut faults = Vec::new();
    for look in looks {
        let seconds = match readings.answer(&look.query) {
            Err(why) => {
                faults.push(why.reason);
                None
            }
            Ok(Answer::Rejected(why)) => {
                faults.push(format!("Prometheus refused the query: {why}"));
                None
            }
            Ok(Answer::Series(series)) => match series.as_slice() {
                [one] => Some(one.value),
                _ => None,
            },
        };
        answers.push((look.clone(), seconds));
    }
    // A look that failed leaves the choice unfounded: a finer one alone can mistake a
    // gap for a start.
    if !faults.is_empty() {
        faults.dedup();
        return Err(faults.join("; "));
    }
    Look::choose(&answers).ok_or_else(|| "no slice of the window holds two samples".to_owned())
}

/// Good and total over `over`, from the query that asks them together (`together`); when
/// the server refuses that one and `halves` are given, from the two queries asked alone at
/// the same instant (an SLI written as a scalar cannot be labelled).
fn pair_counts(
    readings: &crate::facts::prometheus::Readings,
    together: Option<String>,
    halves: Option<(String, String)>,
    over: &str,
) -> Result<Counts, Vec<String>> {
    use crate::facts::prometheus::{Answer, EVENTS_LABEL};
    let Some(together) = together else {
        return Err(vec!["the queries cannot be asked".to_owned()]);
    };
    match readings.answer(&together) {
        Err(why) => Err(vec![format!("good and total over {over}: {}", why.reason)]),
        Ok(Answer::Series(series)) => {
            let half = |events: &str| -> Vec<f64> {
                series
                    .iter()
                    .filter(|s| s.labels.get(EVENTS_LABEL).map(String::as_str) == Some(events))
                    .map(|s| s.value)
                    .collect()
            };
            checked_pair(
                one_count("good", &half("good"), over),
                one_count("total", &half("total"), over),
            )
        }
        Ok(Answer::Rejected(refused)) => {
            let Some((good, total)) = halves else {
                return Err(vec![format!(
                    "Prometheus refused the query of good and total over {over}: {refused}"
                )]);
            };
            let alone = |asked: &str, events: &str| match readings.answer(asked) {
                Err(why) => Err(format!("the {events} query over {over}: {}", why.reason)),
                Ok(Answer::Rejected(why)) => {
                    Err(format!("Prometheus refused the {events} query: {why}"))
                }
                Ok(Answer::Series(series)) => {
                    let values: Vec<f64> = series.iter().map(|s| s.value).collect();
                    one_count(events, &values, over)
                }
            };
            checked_pair(alone(&good, "good"), alone(&total, "total"))
        }
    }
}

/// The one value of a query's answer, checked; else what is wrong with it, by name.
fn one_count(events: &str, values: &[f64], over: &str) -> Result<f64, String> {
    match values {
        [] => Err(format!(
            "the {events} query returned no series over {over} (an empty vector: no data matches; check the metric name and labels)"
        )),
        [value] if value.is_nan() => Err(format!(
            "the {events} count over {over} is NaN, not a number (a division by zero, or nothing to compute from)"
        )),
        [value] if value.is_infinite() => Err(format!(
            "the {events} count over {over} is {}infinite",
            if *value > 0.0 { "+" } else { "-" }
        )),
        [value] if *value < 0.0 => Err(format!(
            "the {events} count over {over} is negative ({value}): count with increase(), which handles counter resets"
        )),
        [value] => Ok(*value),
        many => Err(format!(
            "the {events} query returned {} series over {over}, where one is expected: aggregate them (`sum(...)`)",
            many.len()
        )),
    }
}

/// Good and total, each checked, then together; every problem of either is kept.
fn checked_pair(
    good: Result<f64, String>,
    total: Result<f64, String>,
) -> Result<Counts, Vec<String>> {
    match (good, total) {
        (Ok(good), Ok(total)) => Counts { good, total }
            .checked()
            .map_err(|err| vec![err.to_string()]),
        (good, total) => Err(good.err().into_iter().chain(total.err()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    /// Budget minutes on paper match the live module's, and the figures the SRE material
    /// states: 99.9% over 28 days is 40.32 minutes, over a month 43.83, over a quarter
    /// 131.49; 99.95% over 28 days 20.16; 99.99% over a quarter 13.149.
    #[test]
    fn budget_minutes_match_the_seed_figures() {
        let month = 30.4375;
        let quarter = 91.3125;
        for (target, days, minutes) in [
            (99.9, 28.0, 40.32),
            (99.9, month, 43.83),
            (99.9, quarter, 131.49),
            (99.95, 28.0, 20.16),
            (99.95, month, 21.915),
            (99.95, quarter, 65.745),
            (99.99, 28.0, 4.032),
            (99.99, month, 4.383),
            (99.99, quarter, 13.149),
        ] {
            let live = live(
                target,
                days,
                Counts {
                    good: 1.0,
                    total: 1.0,
                },
                None,
                None,
                None,
            );
            assert!(
                close(live.budget_minutes, minutes),
                "{target} {days}: {}",
                live.budget_minutes
            );
        }
    }

    /// 1,000,000 requests, 999,300 good, target 99.9%: 1,000 bad allowed, 700 spent.
    /// consumed 0.7, remaining 0.3, attainment 99.93%, 28 days: 40.32 x 0.3 = 12.096 minutes.
    #[test]
    fn a_budget_partly_spent() {
        let budget = live(
            99.9,
            28.0,
            Counts {
                good: 999_300.0,
                total: 1_000_000.0,
            },
            Some(Counts {
                good: 1_499.0,
                total: 1_500.0,
            }),
            Some(Counts {
                good: 8_940.0,
                total: 9_000.0,
            }),
            None,
        );
        assert!(close(budget.attainment.unwrap(), 99.93));
        assert!(close(budget.allowed_bad, 1_000.0));
        assert!(close(budget.consumed, 0.7));
        assert!(close(budget.remaining, 0.3));
        assert!(close(budget.remaining_minutes, 12.096));
        // 1 bad in 1,500 is 0.0667%: 0.667x the sustainable 0.1%.
        assert!(close(budget.burn_rate_1h.unwrap(), 1.0 / 1_500.0 / 0.001));
        // 60 bad in 9,000 is 0.667%: 6.67x.
        assert!(close(budget.burn_rate_6h.unwrap(), 60.0 / 9_000.0 / 0.001));
        assert!(!budget.exhausted(0.0));
        assert!(!budget.burning_fast());
        assert!(budget.notes.is_empty());
    }

    /// 2,000 bad of 1,000,000 at 99.9%: twice the budget; consumed 2.0, remaining -1.0,
    /// -40.32 minutes. At a 6-hour burn of 0.5x it is back above zero in
    /// (2 - 1) x 28 / (2 - 0.5) = 18.67 days.
    #[test]
    fn an_exhausted_budget_and_when_it_recovers() {
        let budget = live(
            99.9,
            28.0,
            Counts {
                good: 998_000.0,
                total: 1_000_000.0,
            },
            None,
            Some(Counts {
                good: 9_995.5,
                total: 10_000.0,
            }),
            None,
        );
        assert!(close(budget.consumed, 2.0));
        assert!(close(budget.remaining_minutes, -40.32));
        assert!(budget.exhausted(0.0));
        assert!(close(budget.burn_rate_6h.unwrap(), 0.45));
        let days = budget.recovers_in_days(28.0).unwrap();
        assert!(close(days, 28.0 / 1.55), "{days}");
        // Burning faster than the window forgets: no recovery to promise.
        let worse = LiveBudget {
            burn_rate_6h: Some(3.0),
            ..budget
        };
        assert_eq!(worse.recovers_in_days(28.0), None);
    }

    #[test]
    fn burn_rate_thresholds_follow_the_multiwindow_rule() {
        let at = |bad_1h: f64, bad_6h: f64| {
            live(
                99.9,
                30.0,
                Counts {
                    good: 1.0,
                    total: 1.0,
                },
                Some(Counts {
                    good: 10_000.0 - bad_1h,
                    total: 10_000.0,
                }),
                Some(Counts {
                    good: 10_000.0 - bad_6h,
                    total: 10_000.0,
                }),
                None,
            )
        };
        // 144 bad in 10,000 is 1.44%: 14.4x; 60 in 10,000 is 6x.
        assert!(at(144.0, 60.0).burning_fast());
        assert!(!at(143.0, 60.0).burning_fast());
        assert!(!at(144.0, 59.0).burning_fast());
    }

    #[test]
    fn zero_traffic_spends_nothing_and_says_so() {
        let budget = live(
            99.9,
            28.0,
            Counts {
                good: 0.0,
                total: 0.0,
            },
            Some(Counts {
                good: 0.0,
                total: 0.0,
            }),
            None,
            None,
        );
        assert_eq!(budget.attainment, None);
        assert!(close(budget.consumed, 0.0));
        assert!(close(budget.remaining_minutes, 40.32));
        assert_eq!(budget.burn_rate_1h, None);
        assert_eq!(
            budget.notes,
            ["no traffic over the window: no budget was spent"]
        );
        assert!(budget.sentence().starts_with("no traffic;"));
    }

    #[test]
    fn a_window_longer_than_the_data_is_computed_over_what_exists_and_said_so() {
        let budget = live(
            99.0,
            28.0,
            Counts {
                good: 990.0,
                total: 1_000.0,
            },
            None,
            None,
            Some(9.5),
        );
        assert!(close(budget.consumed, 1.0));
        assert_eq!(budget.covered_days, Some(9.5));
        assert_eq!(
            budget.notes,
            ["the data covers about 9.5 days of the window's 28 days (34%): the figures are over what exists"]
        );
        assert_eq!(budget.covered_share, Some(9.5 / 28.0));
        // Young data is said in the unit it has, never "about 0 days".
        let young = live(
            99.0,
            1.0,
            Counts {
                good: 990.0,
                total: 1_000.0,
            },
            None,
            None,
            Some(25.0 / 1440.0),
        );
        assert_eq!(
            young.notes,
            ["the data covers about 25 minutes of the window's 1 day (1.7%): the figures are over what exists"]
        );
        // A minute of a 28-day window is a share people can read, not "0%".
        assert_eq!(share_percent(1.0 / 1440.0 / 28.0), "0.0025");
        assert_eq!(share_percent(0.017), "1.7");
        assert_eq!(share_percent(1.0), "100");
        // Data covering the whole window is not a note.
        let whole = live(
            99.0,
            28.0,
            Counts {
                good: 990.0,
                total: 1_000.0,
            },
            None,
            None,
            Some(28.0),
        );
        assert!(whole.notes.is_empty());
    }

    /// A counter that resets mid-window: raw readings 0 -> 500 (restart) 0 -> 300 give a
    /// difference of 300 - 0 = 300, but increase() counts 500 + 300 = 800. The module takes
    /// increase()'s counts and refuses what only a raw difference can produce.
    #[test]
    fn counter_resets_are_counted_by_increase_and_negative_counts_refused() {
        let by_increase = Counts {
            good: 795.0,
            total: 800.0,
        }
        .checked()
        .unwrap();
        assert!(close(
            live(99.0, 28.0, by_increase, None, None, None).bad,
            5.0
        ));
        assert!(matches!(
            Counts {
                good: -200.0,
                total: 300.0
            }
            .checked(),
            Err(CountsError::Negative { .. })
        ));
        assert!(matches!(
            Counts {
                good: 301.0,
                total: 300.0
            }
            .checked(),
            Err(CountsError::MoreGoodThanTotal { .. })
        ));
        assert!(matches!(
            Counts {
                good: f64::NAN,
                total: 300.0
            }
            .checked(),
            Err(CountsError::NotNumbers { .. })
        ));
    }
    /// What of_manifest makes of each kind of answer: every problem named, both of good
    /// and total, and no traffic only from two real zeros.
    #[test]
    fn every_answer_that_is_no_count_is_named_and_never_no_traffic() {
        use crate::facts::prometheus::TestFacts;
        let manifest = crate::manifest::Manifest::from_text(
            "prr.toml",
            "[[slo]]\nname = \"a\"\ntarget = 99.9\nwindow = \"28d\"\n[slo.sli]\ngood = 'sum(increase(ok[{{window}}]))'\ntotal = 'sum(increase(all[{{window}}]))'\n",
        )
        .unwrap();
        let judge = |good: Vec<f64>, total: Vec<f64>| {
            let facts = TestFacts {
                queries: [
                    ("sum(increase(ok[28d]))".to_owned(), good),
                    ("sum(increase(all[28d]))".to_owned(), total),
                ]
                .into_iter()
                .collect(),
                ..TestFacts::default()
            };
            let readings = facts.readings(&manifest);
            of_manifest(&manifest, &readings).remove(0).1
        };
        let problems = |good, total| judge(good, total).expect_err("no figures");
        assert_eq!(
            problems(vec![f64::NAN], vec![f64::NAN]),
            [
                "the good count over 28d is NaN, not a number (a division by zero, or nothing to compute from)",
                "the total count over 28d is NaN, not a number (a division by zero, or nothing to compute from)"
            ]
        );
        assert_eq!(
            problems(vec![f64::INFINITY], vec![1.0]),
            ["the good count over 28d is +infinite"]
        );
        assert!(problems(vec![-5.0], vec![10.0])[0].contains("is negative (-5)"));
        assert!(problems(vec![], vec![10.0])[0]
            .starts_with("the good query returned no series over 28d (an empty vector"));
        assert!(problems(vec![11.0], vec![10.0])[0].contains("more good events (11)"));
        assert!(problems(vec![1.0, 2.0], vec![3.0])[0].contains("returned 2 series"));
        // Two real zeros: no traffic, nothing spent.
        let quiet = judge(vec![0.0], vec![0.0]).expect("figures");
        assert_eq!(quiet.attainment, None);
        assert!(quiet.notes[0].starts_with("no traffic over the window"));
        // The example's server has no data over the last hour: the burn rate says that it
        // was not measured and why, not "no traffic".
        assert!(quiet
            .burn_1h_unmeasured
            .as_deref()
            .is_some_and(|why| why.contains("no series over 1h")));
        assert!(quiet
            .sentence()
            .contains("not measured over 1 h (the good query"));
    }
}
