//! Instants in civil time, counted in minutes.
//!
//! The engine never touches `jiff` types in its inner loops: every date is turned once into an
//! [`Instant`], the number of minutes since 1970-01-01 00:00 in the project's civil time. Civil time
//! has no daylight-saving jumps, which is what Microsoft Project does too: a plan's dates are wall
//! clock dates, and the time zone only matters when an instant is shown to someone elsewhere.

use jiff::civil::{Date, DateTime, Time};

/// Minutes in one day.
pub const MINUTES_PER_DAY: i64 = 24 * 60;
/// Minutes in one week.
pub const MINUTES_PER_WEEK: i64 = 7 * MINUTES_PER_DAY;

/// A civil date and time, as minutes since 1970-01-01 00:00 (a Thursday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub i64);

impl Instant {
    /// The instant of a civil date and time; seconds are dropped.
    pub fn from_civil(datetime: DateTime) -> Instant {
        let days = i64::from(
            datetime
                .date()
                .since(EPOCH)
                .map_or(0, |span| span.get_days()),
        );
        Instant(
            days * MINUTES_PER_DAY + i64::from(datetime.hour()) * 60 + i64::from(datetime.minute()),
        )
    }

    /// Midnight at the start of `date`.
    pub fn from_date(date: Date) -> Instant {
        Instant::from_civil(date.to_datetime(Time::midnight()))
    }

    /// The civil date and time of this instant.
    pub fn to_civil(self) -> DateTime {
        let days = self.0.div_euclid(MINUTES_PER_DAY);
        let minute_of_day = self.0.rem_euclid(MINUTES_PER_DAY);
        // Beyond jiff's range (years -9999 to 9999) the date saturates rather than panics.
        let date = jiff::Span::new()
            .try_days(days)
            .ok()
            .and_then(|span| EPOCH.checked_add(span).ok())
            .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX });
        // minute_of_day is in 0..1440, so hour < 24 and minute < 60.
        let time = Time::constant((minute_of_day / 60) as i8, (minute_of_day % 60) as i8, 0, 0);
        date.to_datetime(time)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn day_number(self) -> i64 {
        self.0.div_euclid(MINUTES_PER_DAY)
    }

    /// Minutes since midnight, in `0..1440`.
    pub fn minute_of_day(self) -> i64 {
        self.0.rem_euclid(MINUTES_PER_DAY)
    }

    /// Day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday_index(self) -> usize {
        // 1970-01-01 was a Thursday (index 3).
        (self.day_number() + 3).rem_euclid(7) as usize
    }

    /// This instant moved by `minutes` of clock time.
    pub fn plus_minutes(self, minutes: i64) -> Instant {
        Instant(self.0 + minutes)
    }
}

impl std::fmt::Display for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let datetime = self.to_civil();
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}",
            datetime.year(),
            datetime.month(),
            datetime.day(),
            datetime.hour(),
            datetime.minute()
        )
    }
}

const EPOCH: Date = Date::constant(1970, 1, 1);

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn round_trips_civil_times() {
        for datetime in [
            date(1970, 1, 1).at(0, 0, 0, 0),
            date(2026, 3, 2).at(8, 0, 0, 0),
            date(1969, 12, 31).at(23, 59, 0, 0),
            date(2100, 2, 28).at(17, 30, 0, 0),
        ] {
            assert_eq!(Instant::from_civil(datetime).to_civil(), datetime);
        }
    }

    #[test]
    fn far_instants_saturate_instead_of_panicking() {
        assert_eq!(Instant(i64::MAX / 2).to_civil().date(), Date::MAX);
        assert_eq!(Instant(i64::MIN / 2).to_civil().date(), Date::MIN);
    }

    #[test]
    fn knows_the_weekday() {
        // 2026-03-02 is a Monday, 1969-12-28 a Sunday.
        assert_eq!(Instant::from_date(date(2026, 3, 2)).weekday_index(), 0);
        assert_eq!(Instant::from_date(date(1969, 12, 28)).weekday_index(), 6);
    }
}
