//! Working-time calendars with a precomputed index.
//!
//! A [`WorkingCalendar`] is built once from a [`CalendarDef`] (resolving its base calendars) and
//! answers every question the engine asks in O(log n):
//!
//! * [`WorkingCalendar::work_before`]`(t)` — working minutes before `t`, counted from a fixed
//!   origin of the calendar (a monotone, non-decreasing function of `t`; it may be negative);
//! * [`WorkingCalendar::start_at`]`(c)` / [`WorkingCalendar::finish_at`]`(c)` — its two inverses;
//! * adding and subtracting working minutes, counting the minutes between two instants.
//!
//! The index: the weekly pattern repeats, so the calendar is periodic everywhere except on the
//! days that exceptions change. Those days (plus a margin of a week on both sides, so that the
//! night shifts of neighbouring days are counted alike) form an explicit region, kept as a sorted
//! list of working intervals with the cumulative minutes before each; outside it, arithmetic on
//! the one-week pattern (whole weeks by division, the rest by binary search) answers directly.
//!
//! Conventions, as in MS Project: a task starts at the beginning of a working period and finishes
//! at the end of one. A one-day task starting Monday 08:00 on the standard calendar finishes
//! Monday 17:00 (`finish_at`), and its successor starts Tuesday 08:00 (`start_at`), although
//! both instants have the same count of working minutes before them.

use crate::model::{CalendarDef, CalendarId};
use crate::time::Instant;

/// A calendar that cannot be built or has run out of working time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar has no working minute at all, neither in its week nor in its exceptions.
    #[error("calendar \"{calendar}\" has no working time at all")]
    NoWorkingTime {
        /// The calendar's name.
        calendar: String,
    },
    /// Its week has no working time and its exceptions' working days are all before (or after) an
    /// instant that needs working time after (or before) it.
    #[error("calendar \"{calendar}\" has no working time {} {at}", if *.after { "after" } else { "before" })]
    OutOfWorkingTime {
        /// The calendar's name.
        calendar: String,
        /// The instant from which working time was looked for.
        at: Instant,
        /// `true` when looking forward in time, `false` when looking back.
        after: bool,
    },
    /// A shift is malformed or overlaps another shift of the same day.
    #[error("calendar \"{calendar}\": {detail}")]
    BadShift {
        /// The calendar's name.
        calendar: String,
        /// What is wrong, in words ("Monday: 12:00–13:00 overlaps 08:00–12:30").
        detail: String,
    },
}

/// A calendar ready for arithmetic; see the module documentation.
#[derive(Clone, Debug)]
pub struct WorkingCalendar {
    name: String,
}

impl WorkingCalendar {
    /// Builds the calendar `id` of `calendars`, resolving its chain of base calendars: a week day
    /// that is `None` comes from the base, and the base's exceptions apply on days where the
    /// calendar itself has none.
    pub fn build(calendars: &[CalendarDef], id: CalendarId) -> Result<WorkingCalendar, CalendarError> {
        let _ = (calendars, id);
        unimplemented!()
    }

    /// The calendar's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Working minutes in one week of the regular pattern (without exceptions).
    pub fn working_minutes_per_week(&self) -> i64 {
        unimplemented!()
    }

    /// Working minutes before `t`, from the calendar's origin. Non-decreasing in `t`; rises by
    /// one per working minute. Only differences of it mean something.
    pub fn work_before(&self, t: Instant) -> i64 {
        let _ = t;
        unimplemented!()
    }

    /// Whether the minute starting at `t` is working time.
    pub fn is_working(&self, t: Instant) -> bool {
        let _ = t;
        unimplemented!()
    }

    /// Working minutes from `from` to `to` (negative when `to` is before `from`).
    pub fn working_minutes_between(&self, from: Instant, to: Instant) -> i64 {
        self.work_before(to) - self.work_before(from)
    }

    /// The start of the working minute numbered `count`: the instant `t` that is working time
    /// and has `work_before(t) == count`.
    pub fn start_at(&self, count: i64) -> Result<Instant, CalendarError> {
        let _ = count;
        unimplemented!()
    }

    /// The end of the working minute numbered `count - 1`: the earliest instant `t` with
    /// `work_before(t) == count` that follows working time. Equals `start_at(count - 1) + 1`.
    pub fn finish_at(&self, count: i64) -> Result<Instant, CalendarError> {
        let _ = count;
        unimplemented!()
    }

    /// `t` if it is working time, else the start of the next working period.
    pub fn next_work_start(&self, t: Instant) -> Result<Instant, CalendarError> {
        self.start_at(self.work_before(t))
    }

    /// `t` if the minute before it is working time, else the end of the previous working period.
    pub fn previous_work_finish(&self, t: Instant) -> Result<Instant, CalendarError> {
        self.finish_at(self.work_before(t))
    }

    /// `t` moved by `minutes` of working time. Forward (`minutes > 0`) it lands on the end of a
    /// working minute (finish convention); backward (`minutes < 0`) on the start of one (start
    /// convention); `0` returns `t` unchanged.
    pub fn add_working(&self, t: Instant, minutes: i64) -> Result<Instant, CalendarError> {
        match minutes.signum() {
            0 => Ok(t),
            1 => self.finish_at(self.work_before(t) + minutes),
            _ => self.start_at(self.work_before(t) + minutes),
        }
    }
}
