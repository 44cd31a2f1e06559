//! Calendar exceptions that repeat (every other Friday, the first Monday of each month, 25
//! December every year) and alternate work weeks, laid out as the plain date ranges the plan's
//! calendars hold.
//!
//! MS Project lets exceptions of one calendar overlap only through recurrences; when they do, a
//! single day wins in this order: one-off ranges, daily, yearly, monthly, weekly recurrences, and
//! among equals the one written first. Alternate work weeks come after all exceptions, the
//! calendar's own and its base calendars'.

use std::collections::BTreeMap;

use gantry_core::model::{CalendarException, Shift};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// How an exception repeats (MSPDI `Exception/Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Repeat {
    /// A plain range of days (type 1 every day, or a type Gantry reads as a range).
    Range,
    /// Every `period` days (types 1 and 7 with a period above one).
    Daily,
    /// `month_day` of `month` every year (type 2).
    YearlyOnDay,
    /// The `position`-th `weekday` of `month` every year (type 3).
    YearlyOnWeekday,
    /// `month_day` every `period` months (type 4).
    MonthlyOnDay,
    /// The `position`-th `weekday` every `period` months (type 5).
    MonthlyOnWeekday,
    /// The `days_of_week` every `period` weeks (type 6).
    Weekly,
}

/// An exception as MSPDI states it, before it is laid out.
#[derive(Clone, Debug)]
pub(super) struct Recurrence {
    pub name: String,
    pub repeat: Repeat,
    pub from: Date,
    /// The last day it may fall on; without it, `occurrences` ends it.
    pub to: Option<Date>,
    pub occurrences: i64,
    /// Every N days, weeks or months.
    pub period: i64,
    /// Bit mask, Sunday = 1, Monday = 2, … Saturday = 64.
    pub days_of_week: i64,
    /// Day of the month, 1–31.
    pub month_day: i64,
    /// Month, 0 = January.
    pub month: i64,
    /// 0 first … 3 fourth, 4 last.
    pub position: i64,
    /// Day of the week, 1 = Sunday … 7 = Saturday.
    pub weekday: i64,
    pub shifts: Vec<Shift>,
}

/// No recurrence lays out more days than this (about 270 years of days).
const MAX_DAYS: usize = 100_000;

impl Recurrence {
    /// A plain range of days, from `from` to `to` (or one day when `to` is `None`).
    pub fn range(name: String, from: Date, to: Option<Date>, shifts: Vec<Shift>) -> Recurrence {
        Recurrence {
            name,
            repeat: Repeat::Range,
            from,
            to,
            occurrences: 1,
            period: 1,
            days_of_week: 0,
            month_day: 1,
            month: 0,
            position: 0,
            weekday: 1,
            shifts,
        }
    }

    /// Which recurrences win a day over which (lower wins).
    fn rank(&self, days: usize) -> u8 {
        if days <= 1 {
            return 0;
        }
        match self.repeat {
            Repeat::Range => 0,
            Repeat::Daily => 1,
            Repeat::YearlyOnDay | Repeat::YearlyOnWeekday => 2,
            Repeat::MonthlyOnDay | Repeat::MonthlyOnWeekday => 3,
            Repeat::Weekly => 4,
        }
    }

    /// The days this recurrence falls on, in order.
    pub fn days(&self) -> Result<Vec<Date>, String> {
        let mut days = Vec::new();
        let occurrences = self.occurrences.max(1) as usize;
        let period = self.period.max(1);
        let ends = |day: Date, count: usize| match self.to {
            Some(to) => day > to,
            None => count >= occurrences,
        };
        let step = |day: Date, span: jiff::Span| {
            day.checked_add(span)
                .map_err(|_| format!("the recurrence runs past the last date ({day})"))
        };
        match self.repeat {
            Repeat::Range => {
                let to = match self.to {
                    Some(to) => to,
                    None => step(self.from, (occurrences as i64 - 1).days())?,
                };
                let mut day = self.from;
                while day <= to {
                    days.push(day);
                    day = step(day, 1.day())?;
                }
            }
            Repeat::Daily => {
                let mut day = self.from;
                while !ends(day, days.len()) {
                    days.push(day);
                    day = step(day, period.days())?;
                }
            }
            Repeat::Weekly => {
                if self.days_of_week & 0x7f == 0 {
                    return Err("a weekly exception names no day of the week".to_string());
                }
                // Weeks run Sunday to Saturday, from the week that holds the first day.
                let back = i64::from(self.from.weekday().to_sunday_zero_offset());
                let mut sunday = step(self.from, (-back).days())?;
                'weeks: loop {
                    for offset in 0..7 {
                        let day = step(sunday, offset.days())?;
                        if self.days_of_week & (1 << offset) == 0 || day < self.from {
                            continue;
                        }
                        if ends(day, days.len()) {
                            break 'weeks;
                        }
                        days.push(day);
                    }
                    sunday = step(sunday, (7 * period).days())?;
                    if days.len() > MAX_DAYS {
                        break;
                    }
                }
            }
            Repeat::MonthlyOnDay | Repeat::MonthlyOnWeekday => {
                let mut month_start = self.from.first_of_month();
                loop {
                    let day = self.day_in_month(month_start)?;
                    if day >= self.from {
                        if ends(day, days.len()) {
                            break;
                        }
                        days.push(day);
                    }
                    month_start = step(month_start, period.months())?;
                    if days.len() > MAX_DAYS {
                        break;
                    }
                }
            }
            Repeat::YearlyOnDay | Repeat::YearlyOnWeekday => {
                let month = i8::try_from(self.month + 1)
                    .ok()
                    .filter(|month| (1..=12).contains(month))
                    .ok_or_else(|| format!("month {} is not 0 (January) to 11", self.month))?;
                let mut year = self.from.year();
                loop {
                    let month_start = Date::new(year, month, 1)
                        .map_err(|_| format!("the recurrence runs past the year {year}"))?;
                    let day = self.day_in_month(month_start)?;
                    if day >= self.from {
                        if ends(day, days.len()) {
                            break;
                        }
                        days.push(day);
                    }
                    year += 1;
                    if days.len() > MAX_DAYS {
                        break;
                    }
                }
            }
        }
        if days.len() > MAX_DAYS {
            return Err(format!("the recurrence falls on more than {MAX_DAYS} days"));
        }
        Ok(days)
    }

    /// The day of the month `month_start` this recurrence falls on.
    fn day_in_month(&self, month_start: Date) -> Result<Date, String> {
        match self.repeat {
            Repeat::MonthlyOnDay | Repeat::YearlyOnDay => {
                if !(1..=31).contains(&self.month_day) {
                    return Err(format!("day {} is not a day of a month", self.month_day));
                }
                // Day 31 falls on the last day of shorter months.
                let day = (self.month_day as i8).min(month_start.days_in_month());
                Ok(month_start.with().day(day).build().unwrap_or(month_start))
            }
            _ => {
                let weekday = match self.weekday {
                    1 => Weekday::Sunday,
                    2 => Weekday::Monday,
                    3 => Weekday::Tuesday,
                    4 => Weekday::Wednesday,
                    5 => Weekday::Thursday,
                    6 => Weekday::Friday,
                    7 => Weekday::Saturday,
                    other => {
                        return Err(format!(
                            "month item {} is not a day of the week (MonthItem 3 to 9)",
                            other + 2
                        ));
                    }
                };
                if self.position == 4 {
                    let last = month_start.last_of_month();
                    let back = (i64::from(last.weekday().to_sunday_zero_offset())
                        - i64::from(weekday.to_sunday_zero_offset()))
                    .rem_euclid(7);
                    last.checked_sub(back.days())
                        .map_err(|error| error.to_string())
                } else if (0..4).contains(&self.position) {
                    let ahead = (i64::from(weekday.to_sunday_zero_offset())
                        - i64::from(month_start.weekday().to_sunday_zero_offset()))
                    .rem_euclid(7);
                    month_start
                        .checked_add((ahead + 7 * self.position).days())
                        .map_err(|error| error.to_string())
                } else {
                    Err(format!(
                        "position {} is not 0 (first) to 4 (last)",
                        self.position
                    ))
                }
            }
        }
    }
}

/// Lays out a calendar's exceptions as disjoint ranges: each day goes to the recurrence that
/// wins it; consecutive days of one exception make one range.
pub(super) fn lay_out(recurrences: &[Recurrence]) -> Result<Vec<CalendarException>, String> {
    let mut expanded: Vec<(u8, usize, Vec<Date>)> = Vec::with_capacity(recurrences.len());
    for (index, recurrence) in recurrences.iter().enumerate() {
        let days = recurrence
            .days()
            .map_err(|message| format!("exception \"{}\": {message}", recurrence.name))?;
        expanded.push((recurrence.rank(days.len()), index, days));
    }
    expanded.sort_by_key(|(rank, index, _)| (*rank, *index));
    let mut owner: BTreeMap<Date, usize> = BTreeMap::new();
    for (_, index, days) in &expanded {
        for day in days {
            owner.entry(*day).or_insert(*index);
        }
    }
    Ok(ranges(owner.into_iter(), |index| {
        (
            recurrences[index].name.clone(),
            recurrences[index].shifts.clone(),
        )
    }))
}

/// Consecutive days with the same owner as ranges, in date order.
fn ranges<K: PartialEq + Copy>(
    days: impl Iterator<Item = (Date, K)>,
    describe: impl Fn(K) -> (String, Vec<Shift>),
) -> Vec<CalendarException> {
    let mut result: Vec<CalendarException> = Vec::new();
    let mut current: Option<(Date, Date, K)> = None;
    let close = |run: (Date, Date, K), result: &mut Vec<CalendarException>| {
        let (name, shifts) = describe(run.2);
        result.push(CalendarException {
            name,
            from: run.0,
            to: run.1,
            shifts,
        });
    };
    for (day, key) in days {
        current = match current {
            Some((from, to, owner))
                if owner == key && to.tomorrow().is_ok_and(|next| next == day) =>
            {
                Some((from, day, owner))
            }
            Some(run) => {
                close(run, &mut result);
                Some((day, day, key))
            }
            None => Some((day, day, key)),
        };
    }
    if let Some(run) = current {
        close(run, &mut result);
    }
    result
}

/// An alternate work week: another weekly pattern over a range of days.
#[derive(Clone, Debug)]
pub(super) struct WorkWeek {
    pub name: String,
    pub from: Date,
    pub to: Date,
    /// Monday first; a day the work week leaves out has no work (as MPXJ reads it).
    pub week: [Vec<Shift>; 7],
}

/// Lays out work weeks as exceptions on the days that no exception (the calendar's own or a base
/// calendar's, in `taken`) already holds; the first work week written wins a day two cover.
pub(super) fn lay_out_work_weeks(
    weeks: &[WorkWeek],
    taken: &std::collections::BTreeSet<Date>,
) -> Result<Vec<CalendarException>, String> {
    let mut owner: BTreeMap<Date, (usize, usize)> = BTreeMap::new();
    for (index, week) in weeks.iter().enumerate() {
        let mut day = week.from;
        let mut count = 0usize;
        while day <= week.to {
            if !taken.contains(&day) {
                let weekday = usize::from(day.weekday().to_monday_zero_offset().unsigned_abs());
                owner.entry(day).or_insert((index, weekday));
            }
            count += 1;
            if count > MAX_DAYS {
                return Err(format!(
                    "work week \"{}\" covers more than {MAX_DAYS} days",
                    week.name
                ));
            }
            day = match day.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
    }
    // Days of one work week with the same hours make one range (Monday to Friday, say).
    let keyed = owner.into_iter().map(|(day, (index, weekday))| {
        let shifts = &weeks[index].week[weekday];
        let same_as = (0..7)
            .find(|other| weeks[index].week[*other] == *shifts)
            .unwrap_or(weekday);
        (day, (index, same_as))
    });
    Ok(ranges(keyed, |(index, weekday)| {
        (
            weeks[index].name.clone(),
            weeks[index].week[weekday].clone(),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().expect("a date")
    }

    fn recurrence(repeat: Repeat, from: &str, to: Option<&str>) -> Recurrence {
        Recurrence {
            repeat,
            ..Recurrence::range("r".into(), date(from), to.map(date), Vec::new())
        }
    }

    fn texts(days: Vec<Date>) -> Vec<String> {
        days.into_iter().map(|day| day.to_string()).collect()
    }

    #[test]
    fn yearly_christmas_for_three_years() {
        let mut christmas = recurrence(Repeat::YearlyOnDay, "2026-12-25", None);
        (christmas.month, christmas.month_day, christmas.occurrences) = (11, 25, 3);
        assert_eq!(
            texts(christmas.days().expect("days")),
            ["2026-12-25", "2027-12-25", "2028-12-25"]
        );
    }

    #[test]
    fn last_friday_and_day_31_of_each_month() {
        let mut last_friday =
            recurrence(Repeat::MonthlyOnWeekday, "2026-01-01", Some("2026-03-31"));
        (last_friday.position, last_friday.weekday) = (4, 6);
        assert_eq!(
            texts(last_friday.days().expect("days")),
            ["2026-01-30", "2026-02-27", "2026-03-27"]
        );
        let mut first_monday = recurrence(Repeat::MonthlyOnWeekday, "2026-01-06", None);
        (
            first_monday.position,
            first_monday.weekday,
            first_monday.occurrences,
        ) = (0, 2, 2);
        // January's first Monday (the 5th) is before the start: February and March.
        assert_eq!(
            texts(first_monday.days().expect("days")),
            ["2026-02-02", "2026-03-02"]
        );
        let mut month_end = recurrence(Repeat::MonthlyOnDay, "2026-01-31", None);
        (month_end.month_day, month_end.occurrences) = (31, 3);
        assert_eq!(
            texts(month_end.days().expect("days")),
            ["2026-01-31", "2026-02-28", "2026-03-31"]
        );
    }

    #[test]
    fn every_other_week_on_monday_and_friday() {
        let mut weekly = recurrence(Repeat::Weekly, "2026-03-04", Some("2026-03-31"));
        (weekly.days_of_week, weekly.period) = (2 | 32, 2);
        // The week of Wed 4 March: its Monday (2nd) is before the start, its Friday (6th) is in;
        // two weeks later Mon 16 and Fri 20; then Mon 30.
        assert_eq!(
            texts(weekly.days().expect("days")),
            ["2026-03-06", "2026-03-16", "2026-03-20", "2026-03-30"]
        );
    }

    #[test]
    fn a_one_off_range_wins_over_a_recurrence() {
        let mut fridays = recurrence(Repeat::Weekly, "2026-03-02", Some("2026-03-22"));
        fridays.days_of_week = 32;
        fridays.name = "short Fridays".into();
        fridays.shifts = vec![Shift::new(8 * 60, 12 * 60)];
        let mut shutdown = recurrence(Repeat::Range, "2026-03-12", Some("2026-03-16"));
        shutdown.name = "shutdown".into();
        let laid_out = lay_out(&[fridays, shutdown]).expect("laid out");
        let summary: Vec<(String, String, String)> = laid_out
            .iter()
            .map(|e| (e.name.clone(), e.from.to_string(), e.to.to_string()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "short Fridays".into(),
                    "2026-03-06".into(),
                    "2026-03-06".into()
                ),
                ("shutdown".into(), "2026-03-12".into(), "2026-03-16".into()),
                (
                    "short Fridays".into(),
                    "2026-03-20".into(),
                    "2026-03-20".into()
                ),
            ]
        );
    }

    #[test]
    fn a_work_week_fills_the_days_no_exception_holds() {
        let day = vec![Shift::new(7 * 60, 15 * 60)];
        let week = WorkWeek {
            name: "summer hours".into(),
            from: date("2026-07-01"),
            to: date("2026-07-12"),
            week: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                Vec::new(),
                Vec::new(),
            ],
        };
        let taken = [date("2026-07-03")].into_iter().collect();
        let laid_out = lay_out_work_weeks(&[week], &taken).expect("laid out");
        let summary: Vec<(String, String, bool)> = laid_out
            .iter()
            .map(|e| (e.from.to_string(), e.to.to_string(), e.shifts.is_empty()))
            .collect();
        assert_eq!(
            summary,
            [
                ("2026-07-01".into(), "2026-07-02".into(), false),
                ("2026-07-04".into(), "2026-07-05".into(), true),
                ("2026-07-06".into(), "2026-07-10".into(), false),
                ("2026-07-11".into(), "2026-07-12".into(), true),
            ]
        );
    }
}
