//! Calendar quarters (UTC): the period incident figures and review rules count in.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;

/// A calendar quarter (`2026Q3`: July to September 2026, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i16,
    /// 1 to 4.
    pub number: i8,
}

impl Quarter {
    /// The quarter `date` falls in.
    #[must_use]
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            number: (date.month() - 1) / 3 + 1,
        }
    }

    /// The last quarter that ended before `date`: the default review.
    #[must_use]
    pub fn last_full(date: Date) -> Self {
        Self::of(date).previous()
    }

    #[must_use]
    pub fn previous(self) -> Self {
        if self.number == 1 {
            Self {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Self {
                year: self.year,
                number: self.number - 1,
            }
        }
    }

    #[must_use]
    pub fn next(self) -> Self {
        if self.number == 4 {
            Self {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Self {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    /// The first day.
    #[must_use]
    pub fn first_day(self) -> Date {
        Date::constant(self.year, (self.number - 1) * 3 + 1, 1)
    }

    /// The quarter's first instant and the next quarter's (UTC).
    #[must_use]
    pub fn bounds(self) -> (Timestamp, Timestamp) {
        let at = |day: Date| {
            day.to_zoned(jiff::tz::TimeZone::UTC)
                .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
        };
        (at(self.first_day()), at(self.next().first_day()))
    }

    /// Its length in seconds (90 to 92 days).
    #[must_use]
    pub fn seconds(self) -> i64 {
        let (start, end) = self.bounds();
        end.as_second() - start.as_second()
    }

    #[must_use]
    pub fn contains(self, at: Timestamp) -> bool {
        let (start, end) = self.bounds();
        start <= at && at < end
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.number)
    }
}

impl FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a quarter (YYYYQN, such as 2026Q3)");
        let (year, number) = s.split_once(['Q', 'q']).ok_or_else(bad)?;
        let year: i16 = year.parse().map_err(|_| bad())?;
        let number: i8 = number.parse().map_err(|_| bad())?;
        if year.to_string().len() != 4 || !(1..=4).contains(&number) || year < 1 {
            return Err(bad());
        }
        Ok(Self { year, number })
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
