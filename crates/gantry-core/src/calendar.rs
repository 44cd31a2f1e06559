//! Working-time calendars with a precomputed index.
//!
//! A [`WorkingCalendar`] is built once from a [`CalendarDef`] (resolving its base calendars) and
//! answers every question the engine asks in O(1) or O(log n), with no allocation:
//!
//! * [`WorkingCalendar::work_before`]`(t)` — working minutes before `t`, counted from a fixed
//!   origin of the calendar (a monotone, non-decreasing function of `t`; it may be negative);
//! * [`WorkingCalendar::start_at`]`(c)` / [`WorkingCalendar::finish_at`]`(c)` — its two inverses;
//! * adding and subtracting working minutes, counting the minutes between two instants.
//!
//! The index: the weekly pattern repeats, so the calendar is periodic everywhere except on the
//! days that exceptions change. Those days, with a margin of a week or more on both sides (so
//! that night shifts running across the edges are counted alike), form explicit windows: sorted
//! lists of working intervals with the cumulative minutes before each. Exception days close to
//! each other share a window; far apart ones get windows of their own, so the index grows with
//! the number of exception days, not with the years between them. Outside the windows,
//! arithmetic on the one-week pattern answers directly: whole weeks by division, the rest within
//! the week. The count is continuous across window edges: each stretch between windows adds a
//! constant offset to the weekly count.
//!
//! Within the week, two tables (the count at each minute of the week, the minute of each count)
//! answer without a search. Over the span of the windows, a week index holds every week's count
//! at Monday 00:00 and whether the week follows the pattern (the margins of a window mostly do):
//! such weeks are answered by the tables, and only the weeks that hold an exception search their
//! window. The index is built only while it stays within a multiple of the number of windows.
//!
//! Lookups are O(1) in practice and O(log n) at worst: small tables of hints (one per day of
//! clock time, one per 256 minutes of work, one per bucket of windows) narrow every search to
//! the one or two intervals it can end on, and a binary search between the two hints finishes it.
//!
//! Working time exists only within the civil dates `jiff` can show (years -9999 to 9999): asked
//! for work beyond them, the calendar answers `OutOfWorkingTime` rather than an instant nobody
//! can display, and no arithmetic can overflow whatever a caller passes in.
//!
//! Conventions, as in MS Project: a task starts at the beginning of a working period and finishes
//! at the end of one. A one-day task starting Monday 08:00 on the standard calendar finishes
//! Monday 17:00 (`finish_at`), and its successor starts Tuesday 08:00 (`start_at`), although
//! both instants have the same count of working minutes before them.

use crate::model::{CalendarDef, CalendarId, Shift};
use crate::time::{Instant, MINUTES_PER_DAY, MINUTES_PER_WEEK};

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

/// Monday 1969-12-29 00:00, the start of the week that holds the epoch (a Thursday). The periodic
/// pattern counts whole weeks from here, so that offsets within a week start on Monday.
const WEEK_ORIGIN: i64 = -3 * MINUTES_PER_DAY;

/// -9999-01-01 00:00 and 9999-12-31 23:59, the first and last minutes of the civil dates that
/// `jiff` (and so [`Instant::to_civil`]) can show. Instants are clamped to them before any
/// arithmetic: working time beyond them does not exist, so every instant the calendar returns
/// can be shown and no count or instant can overflow an `i64`, whatever a caller passes in.
const TIME_LOW: i64 = -6_295_085_280;
const TIME_HIGH: i64 = 4_223_371_679;

/// Working minutes per bucket of count hints (2^8 = 256): on ordinary calendars a bucket then
/// touches one or two intervals, so the search after the hint is over one or two elements.
const COUNT_BUCKET_BITS: u32 = 8;

/// Length of the sentinel interval that closes every run of intervals. It starts where the run
/// ends and lasts past any instant, so "the first interval ending after t" always exists.
const SENTINEL_LENGTH: i64 = 1 << 40;

const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A run of working time `[start, end)` with the working minutes counted before it.
///
/// In the weekly pattern `start` and `end` are minutes after Monday 00:00 and `before` counts from
/// there; in the explicit windows they are instants and `before` is the calendar's own count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interval {
    start: i64,
    end: i64,
    before: i64,
}

impl Interval {
    /// Working minutes counted up to the end of the interval.
    fn after(self) -> i64 {
        self.before + (self.end - self.start)
    }
}

/// A sorted run of intervals closed by a sentinel, with hints into it: `day_hints[d]` is the
/// first interval that ends after day `d` of the run begins (days counted from `origin`), and
/// `count_hints[b]` the first whose `after` exceeds `count_origin + b * 256`. Any instant of day
/// `d` (any count of bucket `b`) then falls on an interval between two neighbouring hints.
#[derive(Clone, Copy)]
struct Run<'a> {
    intervals: &'a [Interval],
    day_hints: &'a [u32],
    count_hints: &'a [u32],
    origin: i64,
    count_origin: i64,
}

impl<'a> Run<'a> {
    /// The first interval ending after `t`, which `t` is in or before. `t` is at or after
    /// `origin` and before the sentinel ends.
    fn interval_at(self, t: i64) -> Option<&'a Interval> {
        let day = usize::try_from((t - self.origin) / MINUTES_PER_DAY).unwrap_or(usize::MAX);
        let index = hinted_search(self.intervals, self.day_hints, day, |interval| {
            interval.end <= t
        });
        self.intervals.get(index)
    }

    /// Working minutes before `t`, on the run's count.
    fn work_before(self, t: i64) -> i64 {
        match self.interval_at(t) {
            Some(interval) => interval.before + (t - interval.start).max(0),
            // Unreachable: the sentinel ends after every instant.
            None => self.count_origin,
        }
    }

    fn is_working(self, t: i64) -> bool {
        self.interval_at(t)
            .is_some_and(|interval| interval.start <= t)
    }

    /// The start of the working minute numbered `count`, which must lie in the run.
    fn start_at(self, count: i64) -> Option<i64> {
        let bucket =
            usize::try_from((count - self.count_origin) >> COUNT_BUCKET_BITS).unwrap_or(usize::MAX);
        let index = hinted_search(self.intervals, self.count_hints, bucket, |interval| {
            interval.after() <= count
        });
        let interval = self.intervals.get(index)?;
        Some(interval.start + (count - interval.before))
    }
}

/// The weekly pattern: its intervals as minutes after Monday 00:00 (a shift running from Sunday
/// into Monday is split, its tail placed at the start of the week), closed by a sentinel, and the
/// same pattern as two tables.
///
/// The tables answer both directions with one read instead of a search: the engine converts
/// counts and instants several times per task, and on a large plan those conversions were a fifth
/// of all the work. A week has 10,080 minutes, so the tables take 20 KB at most (`u16` entries:
/// no offset or count within a week reaches 65,536).
#[derive(Clone, Debug)]
struct WeekPattern {
    intervals: Vec<Interval>,
    /// `work_before_minute[m]`: working minutes from Monday 00:00 to minute `m` of the week, for
    /// `m` in `0..=MINUTES_PER_WEEK`.
    work_before_minute: Vec<u16>,
    /// `work_start[k]`: the minute of the week at which working minute `k` starts, for `k` in
    /// `0..minutes_per_week`.
    work_start: Vec<u16>,
    minutes_per_week: i64,
}

impl WeekPattern {
    /// The working interval of the week at or after `offset` minutes into it (a binary search:
    /// for walking working time, which the lookup tables do not describe as intervals).
    fn interval_at(&self, offset: i64) -> Option<&Interval> {
        let index = self
            .intervals
            .partition_point(|interval| interval.end <= offset);
        self.intervals.get(index)
    }

    fn new(week_days: &[DayIntervals]) -> WeekPattern {
        let (mut intervals, minutes_per_week) = weekly_pattern(week_days);
        let mut work_before_minute = Vec::with_capacity(MINUTES_PER_WEEK as usize + 1);
        let mut work_start = Vec::with_capacity(usize::try_from(minutes_per_week).unwrap_or(0));
        let mut count: u16 = 0;
        let mut next = intervals.iter().peekable();
        for minute in 0..MINUTES_PER_WEEK {
            work_before_minute.push(count);
            while next.next_if(|interval| interval.end <= minute).is_some() {}
            if next.peek().is_some_and(|interval| interval.start <= minute) {
                // In 0..MINUTES_PER_WEEK, so it fits.
                work_start.push(minute as u16);
                count += 1;
            }
        }
        work_before_minute.push(count);
        intervals.push(Interval {
            start: MINUTES_PER_WEEK,
            end: MINUTES_PER_WEEK + SENTINEL_LENGTH,
            before: minutes_per_week,
        });
        WeekPattern {
            intervals,
            work_before_minute,
            work_start,
            minutes_per_week,
        }
    }

    /// Working minutes from Monday 00:00 to `offset` minutes after it (`0..=MINUTES_PER_WEEK`).
    fn work_before_offset(&self, offset: i64) -> i64 {
        usize::try_from(offset)
            .ok()
            .and_then(|offset| self.work_before_minute.get(offset))
            .map_or(0, |&count| i64::from(count))
    }

    /// Minutes after Monday 00:00 at which working minute `rest` (`0..minutes_per_week`) starts.
    fn work_start_offset(&self, rest: i64) -> Option<i64> {
        let rest = usize::try_from(rest).ok()?;
        self.work_start.get(rest).map(|&offset| i64::from(offset))
    }

    /// Working minutes of the weekly pattern from `WEEK_ORIGIN` to `t` (negative before it).
    fn work_before(&self, t: i64) -> i64 {
        let relative = t - WEEK_ORIGIN;
        let weeks = relative.div_euclid(MINUTES_PER_WEEK);
        let offset = relative.rem_euclid(MINUTES_PER_WEEK);
        weeks * self.minutes_per_week + self.work_before_offset(offset)
    }

    fn is_working(&self, t: i64) -> bool {
        let offset = (t - WEEK_ORIGIN).rem_euclid(MINUTES_PER_WEEK);
        self.work_before_offset(offset + 1) > self.work_before_offset(offset)
    }

    /// The start of the working minute numbered `count` of the weekly pattern; `None` for a week
    /// without work.
    fn start_at(&self, count: i64) -> Option<i64> {
        if self.minutes_per_week == 0 {
            return None;
        }
        let weeks = count.div_euclid(self.minutes_per_week);
        let rest = count.rem_euclid(self.minutes_per_week);
        Some(WEEK_ORIGIN + weeks * MINUTES_PER_WEEK + self.work_start_offset(rest)?)
    }

    /// Whether the intervals of `run` clipped to the week `[week_start, week_start + 1 week)`
    /// are exactly this pattern's: counts within that week then follow the tables.
    fn matches(&self, run: &[Interval], week_start: i64) -> bool {
        let week_end = week_start + MINUTES_PER_WEEK;
        let first = run.partition_point(|interval| interval.end <= week_start);
        let clipped = run
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|interval| interval.start < week_end)
            .map(|interval| {
                (
                    interval.start.max(week_start) - week_start,
                    interval.end.min(week_end) - week_start,
                )
            });
        let pattern = self
            .intervals
            .iter()
            .take_while(|interval| interval.start < MINUTES_PER_WEEK)
            .map(|interval| (interval.start, interval.end));
        clipped.eq(pattern)
    }
}

/// A week-aligned stretch of time `[start, end)` around exception days, whose working intervals
/// (closed by a sentinel) and hints are stored in [`Explicit`] at the given ranges.
#[derive(Clone, Debug)]
struct Window {
    start: i64,
    end: i64,
    /// `work_before(start)`.
    count_at_start: i64,
    /// `work_before(end)`.
    count_at_end: i64,
    /// What to add to the weekly count in the regular stretch just before this window.
    offset_before: i64,
    intervals: std::ops::Range<usize>,
    day_hints: std::ops::Range<usize>,
    count_hints: std::ops::Range<usize>,
}

/// The intervals and hints of all windows, window after window, in three flat vectors.
#[derive(Clone, Debug, Default)]
struct Explicit {
    intervals: Vec<Interval>,
    day_hints: Vec<u32>,
    count_hints: Vec<u32>,
}

impl Explicit {
    fn run(&self, window: &Window) -> Run<'_> {
        Run {
            intervals: self
                .intervals
                .get(window.intervals.clone())
                .unwrap_or_default(),
            day_hints: self
                .day_hints
                .get(window.day_hints.clone())
                .unwrap_or_default(),
            count_hints: self
                .count_hints
                .get(window.count_hints.clone())
                .unwrap_or_default(),
            origin: window.start,
            count_origin: window.count_at_start,
        }
    }
}

/// Hints into the windows for buckets of `2^bits` minutes (of clock time or of work) from
/// `origin`: `hints[b]` is the first window ending after the bucket begins.
#[derive(Clone, Debug, Default)]
struct BucketHints {
    origin: i64,
    bits: u32,
    hints: Vec<u32>,
}

impl BucketHints {
    /// Hints for `windows`, whose ends (`key_end`) rise from `origin` to `origin + span`. The
    /// bucket size is the smallest power of two that needs no more than a few hints per window.
    fn new(
        windows: &[Window],
        origin: i64,
        span: i64,
        key_end: impl Fn(&Window) -> i64,
    ) -> BucketHints {
        let most = 4 * windows.len() as i64 + 16;
        let mut bits = 0;
        while (span >> bits) > most {
            bits += 1;
        }
        let slots = usize::try_from(span >> bits).unwrap_or(0) + 1;
        let hints = hints_for(
            windows,
            slots,
            |slot| origin + ((slot as i64) << bits),
            key_end,
        );
        BucketHints {
            origin,
            bits,
            hints,
        }
    }

    /// Index of the first window whose key (`key_end`) is after `key`.
    fn first_ending_after(
        &self,
        windows: &[Window],
        key: i64,
        key_end: impl Fn(&Window) -> i64,
    ) -> usize {
        if key < self.origin {
            return 0;
        }
        let slot = usize::try_from((key - self.origin) >> self.bits).unwrap_or(usize::MAX);
        hinted_search(windows, &self.hints, slot, |window| key_end(window) <= key)
    }
}

/// `WeekIndex::windows` of a week that follows the weekly pattern.
const REGULAR_WEEK: u32 = u32::MAX;

/// The weeks from the first window to the end of the last, each with its count at Monday 00:00
/// and whether it follows the weekly pattern.
///
/// Windows keep a margin of ordinary weeks around each exception day, and on a calendar with
/// holidays every year the windows and the regular weeks between them alternate all through a
/// plan. Finding the window or stretch of an instant or count was then most of the cost of each
/// conversion. With this index a conversion reads its week directly (by division for an
/// instant; for a count, by a hinted search over a bucket of at most a quarter week's work), and
/// a week that follows the pattern, margins included, is answered by [`WeekPattern`]'s tables;
/// only the weeks that hold an exception (or a night shift running out of one) go to their
/// window.
///
/// It has an entry per week of the span and is only built while that stays within a small
/// multiple of the number of windows, so the calendar still grows with its exception days and
/// not with the years between them; otherwise lookups take the windows' path.
#[derive(Clone, Debug, Default)]
struct WeekIndex {
    /// Monday 00:00 of the first week indexed.
    start: i64,
    /// Per week, then one more entry for the end: `work_before` at the week's Monday 00:00.
    counts: Vec<i64>,
    /// Per week: the window that holds it when it does not follow the weekly pattern, else
    /// [`REGULAR_WEEK`].
    windows: Vec<u32>,
    /// `count_hints[b]`: the first week whose work ends after `counts[0] + b * 2^count_bits`.
    count_hints: Vec<u32>,
    count_bits: u32,
}

impl WeekIndex {
    /// Weeks indexed per window at most, beyond a fixed allowance.
    const WEEKS_PER_WINDOW: usize = 64;
    const WEEKS_ALLOWED: usize = 1024;

    /// The index of `windows` (sorted, disjoint, starting and ending on Mondays), or an empty one
    /// when they span too many weeks for their number (see the type's documentation).
    fn new(week: &WeekPattern, windows: &[Window], explicit: &Explicit) -> WeekIndex {
        let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
            return WeekIndex::default();
        };
        let week_count = usize::try_from((last.end - first.start) / MINUTES_PER_WEEK).unwrap_or(0);
        if week_count > Self::WEEKS_PER_WINDOW * windows.len() + Self::WEEKS_ALLOWED {
            return WeekIndex::default();
        }
        let mut counts = Vec::with_capacity(week_count + 1);
        let mut kinds = Vec::with_capacity(week_count);
        let mut next_window = 0;
        for index in 0..week_count {
            let week_start = first.start + index as i64 * MINUTES_PER_WEEK;
            while windows
                .get(next_window)
                .is_some_and(|window| window.end <= week_start)
            {
                next_window += 1;
            }
            // The span ends with the last window, so a window always follows or holds the week.
            let Some(window) = windows.get(next_window) else {
                break;
            };
            if window.start <= week_start {
                let run = explicit.run(window);
                counts.push(run.work_before(week_start));
                kinds.push(if week.matches(run.intervals, week_start) {
                    REGULAR_WEEK
                } else {
                    next_window as u32
                });
            } else {
                counts.push(week.work_before(week_start) + window.offset_before);
                kinds.push(REGULAR_WEEK);
            }
        }
        counts.push(last.count_at_end);
        let first_count = counts.first().copied().unwrap_or(0);
        let count_span = last.count_at_end - first_count;
        // Buckets of a quarter of a week's work or less: the search after the hint is then over
        // one week, or two at a bucket that straddles them.
        let mut count_bits = 0;
        while (count_span >> count_bits) > 4 * week_count as i64 {
            count_bits += 1;
        }
        let week_ends = counts.get(1..).unwrap_or_default();
        let count_hints = hints_for(
            week_ends,
            usize::try_from(count_span >> count_bits).unwrap_or(0) + 1,
            |bucket| first_count + ((bucket as i64) << count_bits),
            |&end| end,
        );
        WeekIndex {
            start: first.start,
            counts,
            windows: kinds,
            count_hints,
            count_bits,
        }
    }

    /// The week holding instant `t`, when indexed.
    fn week_of_instant(&self, t: i64) -> Option<usize> {
        if t < self.start {
            return None;
        }
        let week = usize::try_from((t - self.start) / MINUTES_PER_WEEK).ok()?;
        (week < self.windows.len()).then_some(week)
    }

    /// The week holding working minute `count`, when indexed: the first week from its bucket's
    /// hint whose work ends after it. Every week before the hint ends at or before the bucket's
    /// first count, so none of them holds it; a bucket holds a quarter of a week's work or less,
    /// so the scan steps over a week or two (a few more across weeks of holidays). A straight
    /// scan, not a binary search: this runs several times per task in every pass.
    #[inline]
    fn week_of_count(&self, count: i64) -> Option<usize> {
        let first_count = *self.counts.first()?;
        let end_count = *self.counts.last()?;
        if !(first_count..end_count).contains(&count) {
            return None;
        }
        let bucket = usize::try_from((count - first_count) >> self.count_bits).ok()?;
        let mut week = *self.count_hints.get(bucket)? as usize;
        // `counts[week + 1]` is the count at the end of `week`; the last entry is above `count`.
        while *self.counts.get(week + 1)? <= count {
            week += 1;
        }
        (week < self.windows.len()).then_some(week)
    }
}

/// Where an instant or a count falls: in an explicit window, or in a regular stretch where the
/// weekly count plus a constant offset gives the calendar's count.
enum Place<'a> {
    Explicit(&'a Window),
    Periodic(i64),
}

/// A calendar ready for arithmetic; see the module documentation.
#[derive(Clone, Debug)]
pub struct WorkingCalendar {
    name: String,
    week: WeekPattern,
    /// Windows around exception days, sorted and disjoint.
    windows: Vec<Window>,
    explicit: Explicit,
    windows_by_time: BucketHints,
    windows_by_count: BucketHints,
    /// The weeks around the windows, for conversions without a search (see [`WeekIndex`]).
    weeks: WeekIndex,
    /// What to add to the weekly count after the last window.
    offset_after: i64,
    /// The counts `start_at` can answer: `first_count..end_count`.
    first_count: i64,
    end_count: i64,
    /// The instants named in `OutOfWorkingTime` when a count falls outside those counts: the first
    /// and last working instants of a calendar whose week has no work, else the ends of civil
    /// time.
    earliest: Instant,
    latest: Instant,
}

/// One day's shifts, checked and sorted, as `(start, end)` minutes after that day's midnight; a
/// shift that crosses midnight ends after 1440.
type DayIntervals = Vec<(i64, i64)>;

/// An exception ready to be laid out: its checked shifts and how to name it in messages.
struct PreparedException {
    intervals: DayIntervals,
    label: String,
}

/// Days `first_day..=last_day` (day numbers since 1970-01-01) that follow `exceptions[rule]`.
#[derive(Clone, Copy)]
struct ExceptionSpan {
    first_day: i64,
    last_day: i64,
    rule: usize,
}

/// Which shifts a day follows, to name it when its night shift collides with the next day.
#[derive(Clone, Copy)]
enum DaySource {
    Week(usize),
    Exception(usize),
}

impl WorkingCalendar {
    /// Builds the calendar `id` of `calendars`, resolving its chain of base calendars: a week day
    /// that is `None` comes from the base, and the base's exceptions apply on days where the
    /// calendar itself has none.
    ///
    /// Building takes time linear in the number of exception days (each is laid out once, with
    /// a margin of a few weeks): tens of microseconds for ten years of holidays.
    pub fn build(
        calendars: &[CalendarDef],
        id: CalendarId,
    ) -> Result<WorkingCalendar, CalendarError> {
        let chain = base_chain(calendars, id)?;
        let name = chain
            .first()
            .map_or_else(String::new, |def| def.name.clone());
        let bad = |detail: String| CalendarError::BadShift {
            calendar: name.clone(),
            detail,
        };

        // The week: each day's shifts come from the nearest calendar of the chain that defines
        // the day; a day nobody defines has no work.
        let mut week_days: Vec<DayIntervals> = Vec::with_capacity(7);
        let mut week_labels: Vec<String> = Vec::with_capacity(7);
        for (weekday, weekday_name) in WEEKDAY_NAMES.iter().enumerate() {
            let defined = chain.iter().enumerate().find_map(|(level, def)| {
                def.week[weekday]
                    .as_deref()
                    .map(|shifts| (level, def, shifts))
            });
            let (label, shifts) = match defined {
                Some((level, def, shifts)) if level > 0 => (
                    format!("{weekday_name} (from base calendar \"{}\")", def.name),
                    shifts,
                ),
                Some((_, _, shifts)) => (weekday_name.to_string(), shifts),
                None => (weekday_name.to_string(), &[][..]),
            };
            week_days.push(day_intervals(shifts, &label).map_err(&bad)?);
            week_labels.push(label);
        }
        // A night shift must end before the next day's first shift starts (Sunday runs into Monday).
        for weekday in 0..7 {
            let next = (weekday + 1) % 7;
            if let (Some(&night), Some(&morning)) =
                (week_days[weekday].last(), week_days[next].first())
                && morning.0 < night.1 - MINUTES_PER_DAY
            {
                return Err(bad(format!(
                    "{}: {} runs past midnight into {} and overlaps its {}",
                    week_labels[weekday],
                    shift_text(night),
                    week_labels[next],
                    shift_text(morning)
                )));
            }
        }
        let week = WeekPattern::new(&week_days);

        // Exceptions: the calendar's own come first, then its base's on the days still free, and
        // so on down the chain.
        let mut prepared: Vec<PreparedException> = Vec::new();
        let mut effective: Vec<ExceptionSpan> = Vec::new();
        for (level, def) in chain.iter().enumerate() {
            let mut spans: Vec<ExceptionSpan> = Vec::with_capacity(def.exceptions.len());
            for exception in &def.exceptions {
                let mut label = format!(
                    "exception \"{}\" ({} to {})",
                    exception.name, exception.from, exception.to
                );
                if level > 0 {
                    label.push_str(&format!(" of base calendar \"{}\"", def.name));
                }
                if exception.to < exception.from {
                    return Err(bad(format!("{label} ends before it starts")));
                }
                let intervals = day_intervals(&exception.shifts, &label).map_err(&bad)?;
                spans.push(ExceptionSpan {
                    first_day: Instant::from_date(exception.from).day_number(),
                    last_day: Instant::from_date(exception.to).day_number(),
                    rule: prepared.len(),
                });
                prepared.push(PreparedException { intervals, label });
            }
            spans.sort_by_key(|span| span.first_day);
            for pair in spans.windows(2) {
                if pair[1].first_day <= pair[0].last_day {
                    return Err(bad(format!(
                        "{} and {} both cover {}",
                        prepared[pair[0].rule].label,
                        prepared[pair[1].rule].label,
                        date_text(pair[1].first_day)
                    )));
                }
            }
            let free = subtract_spans(&spans, &effective);
            effective.extend(free);
            effective.sort_by_key(|span| span.first_day);
        }

        // Explicit windows: exception days that lie close together share one window, from the
        // Monday a week before the first to the Monday a week after the week of the last. The
        // margins make the days just outside a window ordinary week days, so the weekly pattern
        // holds outside windows, night shifts included.
        let mut windows: Vec<Window> = Vec::new();
        let mut explicit = Explicit::default();
        let mut offset = 0;
        let mut span_index = 0;
        while let Some(first_span) = effective.get(span_index) {
            let start_day = monday_on_or_before(first_span.first_day) - 7;
            let mut end_day = monday_on_or_before(first_span.last_day) + 14;
            let mut end_span = span_index + 1;
            while let Some(span) = effective.get(end_span) {
                if monday_on_or_before(span.first_day) - 7 > end_day {
                    break;
                }
                end_day = monday_on_or_before(span.last_day) + 14;
                end_span += 1;
            }
            let window_start = start_day * MINUTES_PER_DAY;
            let window_end = end_day * MINUTES_PER_DAY;
            let count_at_start = week.work_before(window_start) + offset;
            let mut count = count_at_start;
            let first_interval = explicit.intervals.len();
            // The last shift laid out, raw (before clipping to the window), to catch a night shift
            // that runs into the next day's first shift.
            let mut previous: Option<(i64, (i64, i64), DaySource)> = None;
            let mut cursor = span_index;
            // The day before the window counts too: its night shift may run into the window.
            for day in (start_day - 1)..end_day {
                while cursor < end_span && effective[cursor].last_day < day {
                    cursor += 1;
                }
                let source = match effective.get(cursor) {
                    Some(span) if cursor < end_span && span.first_day <= day => {
                        DaySource::Exception(span.rule)
                    }
                    _ => DaySource::Week(weekday_of_day(day)),
                };
                let intervals = match source {
                    DaySource::Exception(rule) => &prepared[rule].intervals,
                    DaySource::Week(weekday) => &week_days[weekday],
                };
                for &shift in intervals {
                    let raw_start = day * MINUTES_PER_DAY + shift.0;
                    let raw_end = day * MINUTES_PER_DAY + shift.1;
                    if let Some((previous_day, previous_shift, previous_source)) = previous
                        && raw_start < previous_day * MINUTES_PER_DAY + previous_shift.1
                    {
                        let describe = |day: i64, source: DaySource| match source {
                            DaySource::Week(weekday) => {
                                format!("{} ({})", date_text(day), week_labels[weekday])
                            }
                            DaySource::Exception(rule) => {
                                format!("{} ({})", date_text(day), prepared[rule].label)
                            }
                        };
                        return Err(bad(format!(
                            "{}: {} runs past midnight into {} and overlaps its {}",
                            describe(previous_day, previous_source),
                            shift_text(previous_shift),
                            describe(day, source),
                            shift_text(shift)
                        )));
                    }
                    previous = Some((day, shift, source));
                    let start = raw_start.max(window_start);
                    let end = raw_end.min(window_end);
                    if start >= end {
                        continue;
                    }
                    let window_has_intervals = explicit.intervals.len() > first_interval;
                    match explicit.intervals.last_mut() {
                        // Touching intervals (22:00–24:00 then 00:00–06:00) join into one.
                        Some(last) if window_has_intervals && last.end == start => last.end = end,
                        _ => explicit.intervals.push(Interval {
                            start,
                            end,
                            before: count,
                        }),
                    }
                    count += end - start;
                }
            }
            let (day_hints, count_hints) = close_run(
                &mut explicit.intervals,
                first_interval,
                window_start,
                window_end,
                count_at_start,
                count,
            );
            let first_day_hint = explicit.day_hints.len();
            let first_count_hint = explicit.count_hints.len();
            explicit.day_hints.extend(day_hints);
            explicit.count_hints.extend(count_hints);
            windows.push(Window {
                start: window_start,
                end: window_end,
                count_at_start,
                count_at_end: count,
                offset_before: offset,
                intervals: first_interval..explicit.intervals.len(),
                day_hints: first_day_hint..explicit.day_hints.len(),
                count_hints: first_count_hint..explicit.count_hints.len(),
            });
            offset = count - week.work_before(window_end);
            span_index = end_span;
        }

        let (windows_by_time, windows_by_count) = match (windows.first(), windows.last()) {
            (Some(first), Some(last)) => (
                BucketHints::new(&windows, first.start, last.end - first.start, |w| w.end),
                BucketHints::new(
                    &windows,
                    first.count_at_start,
                    last.count_at_end - first.count_at_start,
                    |w| w.count_at_end,
                ),
            ),
            _ => (BucketHints::default(), BucketHints::default()),
        };
        let weeks = WeekIndex::new(&week, &windows, &explicit);
        let mut calendar = WorkingCalendar {
            name: name.clone(),
            week,
            windows,
            explicit,
            windows_by_time,
            windows_by_count,
            weeks,
            offset_after: offset,
            first_count: 0,
            end_count: 0,
            earliest: Instant(TIME_LOW),
            latest: Instant(TIME_HIGH),
        };
        calendar.first_count = calendar.work_before(calendar.earliest);
        calendar.end_count = calendar.work_before(calendar.latest);
        if calendar.end_count <= calendar.first_count {
            return Err(CalendarError::NoWorkingTime { calendar: name });
        }
        if calendar.week.minutes_per_week == 0 {
            // All the work is on exception days: name its first start and last finish when asked
            // for work outside it. Both exist, as there is work.
            calendar.earliest = calendar
                .start_at(calendar.first_count)
                .unwrap_or(calendar.earliest);
            calendar.latest = calendar
                .finish_at(calendar.end_count)
                .unwrap_or(calendar.latest);
        }
        Ok(calendar)
    }

    /// The calendar's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Working minutes in one week of the regular pattern (without exceptions).
    pub fn working_minutes_per_week(&self) -> i64 {
        self.week.minutes_per_week
    }

    /// Working minutes before `t`, from the calendar's origin. Non-decreasing in `t`; rises by
    /// one per working minute. Only differences of it mean something.
    #[inline]
    pub fn work_before(&self, t: Instant) -> i64 {
        let t = t.0.clamp(TIME_LOW, TIME_HIGH);
        self.work_before_in_regular_week(t)
            .unwrap_or_else(|| self.work_before_elsewhere(t))
    }

    /// `work_before` in an indexed week that follows the weekly pattern: the common case, a
    /// few instructions inlined into the callers' loops.
    #[inline]
    fn work_before_in_regular_week(&self, t: i64) -> Option<i64> {
        let week = self.weeks.week_of_instant(t)?;
        if *self.weeks.windows.get(week)? != REGULAR_WEEK {
            return None;
        }
        let week_start = self.weeks.start + week as i64 * MINUTES_PER_WEEK;
        let count = *self.weeks.counts.get(week)?;
        Some(count + self.week.work_before_offset(t - week_start))
    }

    /// `work_before` of a clamped instant outside the regular indexed weeks: through the week's
    /// window, else through the windows alone.
    #[inline(never)]
    fn work_before_elsewhere(&self, t: i64) -> i64 {
        self.work_before_in_window_week(t)
            .unwrap_or_else(|| self.work_before_by_windows(t))
    }

    /// `work_before` in an indexed week that holds an exception, through its window.
    fn work_before_in_window_week(&self, t: i64) -> Option<i64> {
        let week = self.weeks.week_of_instant(t)?;
        let window = *self.weeks.windows.get(week)?;
        if window == REGULAR_WEEK {
            return None;
        }
        Some(
            self.explicit
                .run(self.windows.get(window as usize)?)
                .work_before(t),
        )
    }

    /// `work_before` of a clamped instant through the windows alone: the reference the week
    /// index must agree with, and the answer where it does not reach. Kept out of line, like
    /// the other slow paths, so that the fast one stays a handful of instructions.
    #[inline(never)]
    fn work_before_by_windows(&self, t: i64) -> i64 {
        match self.place_of_instant(t) {
            Place::Explicit(window) => self.explicit.run(window).work_before(t),
            Place::Periodic(offset) => self.week.work_before(t) + offset,
        }
    }

    /// Whether the minute starting at `t` is working time.
    pub fn is_working(&self, t: Instant) -> bool {
        let t = t.0;
        if !(TIME_LOW..TIME_HIGH).contains(&t) {
            return false;
        }
        match self.place_of_instant(t) {
            Place::Explicit(window) => self.explicit.run(window).is_working(t),
            Place::Periodic(_) => self.week.is_working(t),
        }
    }

    /// Working minutes from `from` to `to` (negative when `to` is before `from`).
    pub fn working_minutes_between(&self, from: Instant, to: Instant) -> i64 {
        self.work_before(to) - self.work_before(from)
    }

    /// The start of the working minute numbered `count`: the instant `t` that is working time
    /// and has `work_before(t) == count`.
    #[inline]
    pub fn start_at(&self, count: i64) -> Result<Instant, CalendarError> {
        match self.start_at_in_regular_week(count) {
            Some(start) => Ok(Instant(start)),
            None => self.start_at_elsewhere(count),
        }
    }

    /// `start_at` in an indexed week that follows the weekly pattern (the index lies within
    /// the calendar's counts): the common case, inlined like `work_before`'s.
    #[inline]
    fn start_at_in_regular_week(&self, count: i64) -> Option<i64> {
        let week = self.weeks.week_of_count(count)?;
        if *self.weeks.windows.get(week)? != REGULAR_WEEK {
            return None;
        }
        let week_start = self.weeks.start + week as i64 * MINUTES_PER_WEEK;
        let rest = count - *self.weeks.counts.get(week)?;
        Some(week_start + self.week.work_start_offset(rest)?)
    }

    /// `start_at` of any count: its bounds, then the week index, then the windows.
    #[inline(never)]
    fn start_at_elsewhere(&self, count: i64) -> Result<Instant, CalendarError> {
        if count < self.first_count {
            return Err(self.out_of_working_time(false));
        }
        if count >= self.end_count {
            return Err(self.out_of_working_time(true));
        }
        let start = self
            .start_at_in_window_week(count)
            .or_else(|| self.start_at_by_windows(count));
        // `None` is unreachable: every count between the bounds has its minute.
        start
            .map(Instant)
            .ok_or_else(|| self.out_of_working_time(true))
    }

    /// `start_at` in an indexed week that holds an exception, through its window.
    fn start_at_in_window_week(&self, count: i64) -> Option<i64> {
        let week = self.weeks.week_of_count(count)?;
        let window = *self.weeks.windows.get(week)?;
        if window == REGULAR_WEEK {
            return None;
        }
        self.explicit
            .run(self.windows.get(window as usize)?)
            .start_at(count)
    }

    /// `start_at` of a count within the calendar's bounds through the windows alone (see
    /// `work_before_by_windows`).
    #[inline(never)]
    fn start_at_by_windows(&self, count: i64) -> Option<i64> {
        match self.place_of_count(count) {
            Place::Explicit(window) => self.explicit.run(window).start_at(count),
            Place::Periodic(offset) => self.week.start_at(count - offset),
        }
    }

    /// The end of the working minute numbered `count - 1`: the earliest instant `t` with
    /// `work_before(t) == count` that follows working time. Equals `start_at(count - 1) + 1`.
    #[inline]
    pub fn finish_at(&self, count: i64) -> Result<Instant, CalendarError> {
        self.start_at(count.saturating_sub(1))
            .map(|start| start.plus_minutes(1))
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
        // Saturating: an absurd number of minutes runs out of working time instead of overflowing.
        match minutes.signum() {
            0 => Ok(t),
            1 => self.finish_at(self.work_before(t).saturating_add(minutes)),
            _ => self.start_at(self.work_before(t).saturating_add(minutes)),
        }
    }

    /// The working time of any of `parts`: a minute works when it works on one of them at
    /// least. MS Project counts the duration of a task whose resources follow different
    /// calendars in this time (each resource works on its own calendar, and the task's work goes
    /// on while any of them works).
    ///
    /// Built as a calendar of its own: the week is the union of the parts' weeks, and every day
    /// of the parts' exception windows where the union differs from that week is an exception.
    pub fn union(
        name: impl Into<String>,
        parts: &[&WorkingCalendar],
    ) -> Result<WorkingCalendar, CalendarError> {
        let name = name.into();
        let mut pieces: Vec<(i64, i64)> = Vec::new();
        // The week, day by day, Monday first.
        let mut week: [Option<Vec<Shift>>; 7] = Default::default();
        for (weekday, day) in week.iter_mut().enumerate() {
            let midnight = weekday as i64 * MINUTES_PER_DAY;
            pieces.clear();
            for part in parts {
                for interval in &part.week.intervals {
                    // The sentinel starts at the end of the week and is left out by the clip.
                    let start = interval.start.max(midnight);
                    let end = interval.end.min(midnight + MINUTES_PER_DAY);
                    if start < end {
                        pieces.push((start - midnight, end - midnight));
                    }
                }
            }
            *day = Some(shifts_of_union(&mut pieces));
        }
        // The days any part lays out explicitly, in ranges of day numbers.
        let mut day_ranges: Vec<(i64, i64)> = parts
            .iter()
            .flat_map(|part| part.windows.iter())
            .map(|window| {
                (
                    window.start.div_euclid(MINUTES_PER_DAY),
                    window.end.div_euclid(MINUTES_PER_DAY),
                )
            })
            .collect();
        day_ranges.sort_unstable();
        let mut exceptions = Vec::new();
        let mut next_day = i64::MIN;
        for (first_day, end_day) in day_ranges {
            for day in first_day.max(next_day)..end_day {
                let midnight = day * MINUTES_PER_DAY;
                pieces.clear();
                for part in parts {
                    part.working_intervals(midnight, midnight + MINUTES_PER_DAY, &mut pieces);
                }
                for piece in pieces.iter_mut() {
                    *piece = (piece.0 - midnight, piece.1 - midnight);
                }
                let shifts = shifts_of_union(&mut pieces);
                if week[weekday_of_day(day)].as_ref() != Some(&shifts) {
                    let date = Instant(midnight).to_civil().date();
                    exceptions.push(crate::model::CalendarException {
                        name: format!("{} (union)", date_text(day)),
                        from: date,
                        to: date,
                        shifts,
                    });
                }
            }
            next_day = next_day.max(end_day);
        }
        let def = CalendarDef {
            name,
            base: None,
            week,
            exceptions,
        };
        WorkingCalendar::build(std::slice::from_ref(&def), CalendarId(0))
    }

    /// Appends the working intervals `[start, end)` of `[from, to)` to `into`, clipped to it.
    fn working_intervals(&self, from: i64, to: i64, into: &mut Vec<(i64, i64)>) {
        let mut t = from;
        while t < to {
            let Ok(start) = self.next_work_start(Instant(t)) else {
                return;
            };
            let start = start.0;
            if start >= to {
                return;
            }
            let end = match self.place_of_instant(start) {
                Place::Explicit(window) => self
                    .explicit
                    .run(window)
                    .interval_at(start)
                    .map_or(start + 1, |interval| interval.end),
                Place::Periodic(_) => {
                    let offset = (start - WEEK_ORIGIN).rem_euclid(MINUTES_PER_WEEK);
                    self.week
                        .interval_at(offset)
                        .map_or(start + 1, |interval| start + (interval.end - offset))
                }
            };
            // `start` is working time, so its interval ends after it; `max` only guards the loop.
            let end = end.max(start + 1);
            into.push((start, end.min(to)));
            t = end;
        }
    }

    fn place_of_instant(&self, t: i64) -> Place<'_> {
        let index = self
            .windows_by_time
            .first_ending_after(&self.windows, t, |window| window.end);
        match self.windows.get(index) {
            Some(window) if window.start <= t => Place::Explicit(window),
            Some(window) => Place::Periodic(window.offset_before),
            None => Place::Periodic(self.offset_after),
        }
    }

    fn place_of_count(&self, count: i64) -> Place<'_> {
        let index = self
            .windows_by_count
            .first_ending_after(&self.windows, count, |window| window.count_at_end);
        match self.windows.get(index) {
            Some(window) if window.count_at_start <= count => Place::Explicit(window),
            Some(window) => Place::Periodic(window.offset_before),
            None => Place::Periodic(self.offset_after),
        }
    }

    #[cold]
    #[inline(never)]
    fn out_of_working_time(&self, after: bool) -> CalendarError {
        CalendarError::OutOfWorkingTime {
            calendar: self.name.clone(),
            at: if after { self.latest } else { self.earliest },
            after,
        }
    }
}

/// Closes the run `intervals[first..]`, which covers `[origin, end)` (whole days from midnight)
/// and counts from `count_origin` to `count_end`, with its sentinel, and returns its day hints
/// and count hints (indexes relative to `first`).
fn close_run(
    intervals: &mut Vec<Interval>,
    first: usize,
    origin: i64,
    end: i64,
    count_origin: i64,
    count_end: i64,
) -> (Vec<u32>, Vec<u32>) {
    intervals.push(Interval {
        start: end,
        end: end + SENTINEL_LENGTH,
        before: count_end,
    });
    let run = intervals.get(first..).unwrap_or_default();
    let days = usize::try_from((end - origin) / MINUTES_PER_DAY).unwrap_or(0);
    let day_hints = hints_for(
        run,
        days,
        |day| origin + day as i64 * MINUTES_PER_DAY,
        |interval| interval.end,
    );
    let buckets = usize::try_from((count_end - count_origin) >> COUNT_BUCKET_BITS).unwrap_or(0) + 1;
    let count_hints = hints_for(
        run,
        buckets,
        |bucket| count_origin + ((bucket as i64) << COUNT_BUCKET_BITS),
        |interval| interval.after(),
    );
    (day_hints, count_hints)
}

/// For each slot `0..=slots`, the index of the first item whose `key_end` is after the slot's
/// `boundary`. Items are sorted by `key_end`.
fn hints_for<T>(
    items: &[T],
    slots: usize,
    boundary: impl Fn(usize) -> i64,
    key_end: impl Fn(&T) -> i64,
) -> Vec<u32> {
    let mut hints = Vec::with_capacity(slots + 1);
    let mut index = 0;
    for slot in 0..=slots {
        let boundary = boundary(slot);
        while items
            .get(index)
            .is_some_and(|item| key_end(item) <= boundary)
        {
            index += 1;
        }
        hints.push(index as u32);
    }
    hints
}

/// The index of the first item for which `is_before` is false (items are partitioned by it),
/// knowing that for a key in `slot` it lies between `hints[slot]` and `hints[slot + 1]`
/// inclusive. Searching `hints[slot]..hints[slot + 1]` suffices: when every item there is
/// before the key, `partition_point` returns the upper end, which is then the answer. A slot past
/// the last hint searches from the last hint to the end.
fn hinted_search<T>(
    items: &[T],
    hints: &[u32],
    slot: usize,
    is_before: impl Fn(&T) -> bool,
) -> usize {
    let slot = slot.min(hints.len().saturating_sub(1));
    let low = hints.get(slot).map_or(0, |&hint| hint as usize);
    let high = hints
        .get(slot + 1)
        .map_or(items.len(), |&hint| (hint as usize).min(items.len()));
    match items.get(low..high) {
        Some(candidates) => low + candidates.partition_point(is_before),
        None => items.partition_point(is_before),
    }
}

/// The calendar `id` followed by its base, its base's base, and so on. Bases must be stored before
/// the calendars built on them, which also rules out cycles.
fn base_chain(
    calendars: &[CalendarDef],
    id: CalendarId,
) -> Result<Vec<&CalendarDef>, CalendarError> {
    let Some(mut def) = calendars.get(id.index()) else {
        return Err(CalendarError::BadShift {
            calendar: format!("#{}", id.0),
            detail: format!(
                "there is no calendar #{} (the plan has {})",
                id.0,
                calendars.len()
            ),
        });
    };
    let name = &def.name;
    let mut index = id.index();
    let mut chain = vec![def];
    while let Some(base) = def.base {
        match calendars.get(base.index()) {
            Some(base_def) if base.index() < index => {
                chain.push(base_def);
                def = base_def;
                index = base.index();
            }
            _ => {
                return Err(CalendarError::BadShift {
                    calendar: name.clone(),
                    detail: format!(
                        "calendar \"{}\" is based on calendar #{}, which does not exist or is not stored before it",
                        def.name, base.0
                    ),
                });
            }
        }
    }
    Ok(chain)
}

/// Checks one day's shifts (`what` names the day in messages) and returns them sorted as minutes
/// after that day's midnight.
fn day_intervals(shifts: &[Shift], what: &str) -> Result<DayIntervals, String> {
    let mut intervals = Vec::with_capacity(shifts.len());
    for shift in shifts {
        let start = i64::from(shift.start);
        let end = i64::from(shift.end);
        if start >= MINUTES_PER_DAY {
            return Err(format!(
                "{what}: a shift starts {start} minutes after midnight, at or past the end of the day (24:00)"
            ));
        }
        if !(1..=MINUTES_PER_DAY).contains(&end) {
            return Err(format!(
                "{what}: the shift starting at {} ends {end} minutes after midnight; an end must be from 1 (00:01) to 1440 (24:00)",
                clock_text(start)
            ));
        }
        intervals.push((start, start + shift.minutes()));
    }
    intervals.sort_unstable();
    for pair in intervals.windows(2) {
        if pair[1].0 < pair[0].1 {
            return Err(format!(
                "{what}: {} overlaps {}",
                shift_text(pair[1]),
                shift_text(pair[0])
            ));
        }
    }
    Ok(intervals)
}

/// The week's working intervals as minutes after Monday 00:00, sorted, touching ones joined, with
/// their cumulative counts; and the minutes per week.
fn weekly_pattern(week_days: &[DayIntervals]) -> (Vec<Interval>, i64) {
    let mut pieces: Vec<(i64, i64)> = Vec::new();
    for (weekday, intervals) in week_days.iter().enumerate() {
        let midnight = weekday as i64 * MINUTES_PER_DAY;
        for &(start, end) in intervals {
            let (start, end) = (midnight + start, midnight + end);
            if end > MINUTES_PER_WEEK {
                // Sunday's night shift: its tail belongs to the start of every week.
                pieces.push((start, MINUTES_PER_WEEK));
                pieces.push((0, end - MINUTES_PER_WEEK));
            } else {
                pieces.push((start, end));
            }
        }
    }
    pieces.sort_unstable();
    let mut week: Vec<Interval> = Vec::with_capacity(pieces.len());
    let mut total = 0;
    for (start, end) in pieces {
        match week.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ => week.push(Interval {
                start,
                end,
                before: total,
            }),
        }
        total += end - start;
    }
    (week, total)
}

/// Pieces of one day's working time (minutes after midnight, `0..=1440`, overlapping or
/// touching) merged into sorted, disjoint shifts.
fn shifts_of_union(pieces: &mut [(i64, i64)]) -> Vec<Shift> {
    pieces.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(pieces.len());
    for &(start, end) in pieces.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
        .into_iter()
        .map(|(start, end)| Shift::new(start.clamp(0, 1439) as u16, end.clamp(1, 1440) as u16))
        .collect()
}

/// The parts of `spans` on days that `taken` does not cover. Both are sorted and disjoint.
fn subtract_spans(spans: &[ExceptionSpan], taken: &[ExceptionSpan]) -> Vec<ExceptionSpan> {
    let mut free = Vec::new();
    let mut first_taken = 0;
    for span in spans {
        while taken
            .get(first_taken)
            .is_some_and(|other| other.last_day < span.first_day)
        {
            first_taken += 1;
        }
        let mut next_free_day = span.first_day;
        for other in taken[first_taken..]
            .iter()
            .take_while(|other| other.first_day <= span.last_day)
        {
            if other.first_day > next_free_day {
                free.push(ExceptionSpan {
                    first_day: next_free_day,
                    last_day: other.first_day - 1,
                    rule: span.rule,
                });
            }
            next_free_day = next_free_day.max(other.last_day + 1);
        }
        if next_free_day <= span.last_day {
            free.push(ExceptionSpan {
                first_day: next_free_day,
                last_day: span.last_day,
                rule: span.rule,
            });
        }
    }
    free
}

/// Day number (days since 1970-01-01) of the Monday on or before `day`.
fn monday_on_or_before(day: i64) -> i64 {
    day - weekday_of_day(day) as i64
}

/// Monday = 0 … Sunday = 6 of a day number.
fn weekday_of_day(day: i64) -> usize {
    // 1970-01-01 was a Thursday (index 3).
    (day + 3).rem_euclid(7) as usize
}

fn date_text(day: i64) -> String {
    Instant(day * MINUTES_PER_DAY).to_civil().date().to_string()
}

/// "08:00"; the end of the day is "24:00".
fn clock_text(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "22:00–06:00" for a shift given as minutes after its day's midnight.
fn shift_text((start, end): (i64, i64)) -> String {
    let end = if end > MINUTES_PER_DAY {
        end - MINUTES_PER_DAY
    } else {
        end
    };
    format!("{}–{}", clock_text(start), clock_text(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CalendarException;
    use jiff::civil::date;

    fn holiday(year: i16, month: i8, day: i8) -> CalendarException {
        let day = date(year, month, day);
        CalendarException {
            name: "Holiday".to_string(),
            from: day,
            to: day,
            shifts: Vec::new(),
        }
    }

    fn standard_with(exceptions: Vec<CalendarException>) -> WorkingCalendar {
        let def = CalendarDef {
            exceptions,
            ..CalendarDef::standard()
        };
        WorkingCalendar::build(&[def], CalendarId(0)).expect("valid calendar")
    }

    #[test]
    fn day_numbers_find_their_monday() {
        // 1970-01-01 (day 0) was a Thursday; the Monday before is day -3.
        assert_eq!(monday_on_or_before(0), -3);
        assert_eq!(monday_on_or_before(-3), -3);
        assert_eq!(monday_on_or_before(-4), -10);
        assert_eq!(monday_on_or_before(4), 4);
        assert_eq!(weekday_of_day(4), 0);
        assert_eq!(WEEK_ORIGIN, monday_on_or_before(0) * MINUTES_PER_DAY);
    }

    #[test]
    fn the_ends_of_time_are_the_ends_of_civil_dates() {
        use jiff::civil::Date;
        assert_eq!(TIME_LOW, Instant::from_date(Date::MIN).0);
        assert_eq!(TIME_HIGH, Instant::from_civil(Date::MAX.at(23, 59, 0, 0)).0);
        assert_eq!(Instant(TIME_LOW).to_string(), "-9999-01-01 00:00");
        assert_eq!(Instant(TIME_HIGH).to_string(), "9999-12-31 23:59");
    }

    #[test]
    fn a_sunday_night_shift_wraps_to_the_start_of_the_week() {
        let mut days: Vec<DayIntervals> = vec![Vec::new(); 7];
        days[6] = vec![(22 * 60, 30 * 60)];
        days[0] = vec![(6 * 60, 8 * 60)];
        let (week, total) = weekly_pattern(&days);
        // Sunday 22:00–24:00 stays at the end; 00:00–06:00 and Monday's 06:00–08:00 join at the start.
        assert_eq!(
            week,
            vec![
                Interval {
                    start: 0,
                    end: 8 * 60,
                    before: 0
                },
                Interval {
                    start: 6 * MINUTES_PER_DAY + 22 * 60,
                    end: MINUTES_PER_WEEK,
                    before: 8 * 60
                },
            ]
        );
        assert_eq!(total, 10 * 60);
    }

    #[test]
    fn close_exceptions_share_a_window_and_distant_ones_do_not() {
        let calendar = standard_with(Vec::new());
        assert!(calendar.windows.is_empty() && calendar.explicit.intervals.is_empty());

        // Ten days apart: one window, from the Monday a week before the first to the Monday a
        // week after the week of the last (2026-03-04 is a Wednesday, 2026-03-13 a Friday).
        let calendar = standard_with(vec![holiday(2026, 3, 4), holiday(2026, 3, 13)]);
        assert_eq!(calendar.windows.len(), 1);
        let window = &calendar.windows[0];
        assert_eq!(window.start, Instant::from_date(date(2026, 2, 23)).0);
        assert_eq!(window.end, Instant::from_date(date(2026, 3, 23)).0);
        // Four weeks of ten working days each, less the two holidays; one interval per half day,
        // and the sentinel.
        assert_eq!(
            window.count_at_end - window.count_at_start,
            4 * 2400 - 2 * 480
        );
        assert_eq!(window.intervals.len(), 2 * (20 - 2) + 1);
        assert_eq!(window.day_hints.len(), 28 + 1);

        // Two months apart: two windows, and the regular weeks between follow the offset.
        let calendar = standard_with(vec![holiday(2026, 3, 4), holiday(2026, 5, 6)]);
        assert_eq!(calendar.windows.len(), 2);
        assert_eq!(calendar.windows[1].offset_before, -480);
        assert_eq!(calendar.offset_after, -960);
    }

    /// A week's tables give what its intervals say, minute for minute.
    #[test]
    fn week_tables_follow_the_intervals() {
        let mut days: Vec<DayIntervals> = vec![vec![(8 * 60, 12 * 60), (13 * 60, 17 * 60)]; 5];
        days.push(Vec::new());
        // Sunday 22:00 to Monday 06:00, split across the end of the week.
        days.push(vec![(22 * 60, 30 * 60)]);
        let week = WeekPattern::new(&days);
        for offset in 0..=MINUTES_PER_WEEK {
            let interval = week.intervals.iter().find(|interval| interval.end > offset);
            let expected = interval.map_or(week.minutes_per_week, |interval| {
                interval.before + (offset - interval.start).max(0)
            });
            assert_eq!(week.work_before_offset(offset), expected, "offset {offset}");
        }
        for rest in 0..week.minutes_per_week {
            let offset = week
                .work_start_offset(rest)
                .expect("every working minute starts");
            assert_eq!(week.work_before_offset(offset), rest);
            assert_eq!(week.work_before_offset(offset + 1), rest + 1);
        }
        assert_eq!(week.work_start_offset(week.minutes_per_week), None);
    }

    fn shifts(spans: &[(u16, u16)]) -> Vec<Shift> {
        spans
            .iter()
            .map(|&(start, end)| Shift::new(start, end))
            .collect()
    }

    /// A random calendar of the kind the index is built for: a week (day shifts, night shifts
    /// across midnight and across Sunday night, or none on some days) and years of exceptions:
    /// holidays, short working days, working weekends and the odd long shutdown, spaced so that
    /// windows both merge and stand alone.
    fn random_calendar(random: &mut crate::generate::SplitMix64) -> WorkingCalendar {
        let patterns: [&[(u16, u16)]; 4] = [
            &[(480, 720), (780, 1020)],
            &[(1320, 360)],
            &[(0, 1440)],
            &[(360, 840)],
        ];
        let mut week: [Option<Vec<Shift>>; 7] = Default::default();
        // Night shifts run every night but Saturday's, so Sunday's runs into Monday.
        let night = random.chance(30);
        for (weekday, day) in week.iter_mut().enumerate() {
            let spans: &[(u16, u16)] = if night {
                if weekday == 5 { &[] } else { patterns[1] }
            } else if weekday < 5 || random.chance(20) {
                patterns[[0, 2, 3][random.below(3) as usize]]
            } else {
                &[]
            };
            *day = Some(shifts(spans));
        }
        let mut exceptions = Vec::new();
        let mut day = date(2020, 1, 1);
        for _ in 0..random.below(60) + 1 {
            day = day
                .checked_add(jiff::Span::new().days(1 + random.below(120) as i64))
                .expect("in range");
            let length = if random.chance(5) {
                20 + random.below(40)
            } else {
                random.below(3)
            };
            let to = day
                .checked_add(jiff::Span::new().days(length as i64))
                .expect("in range");
            // Mostly days off; some short working days (on a weekend, a working weekend).
            let worked = if random.chance(30) {
                shifts(&[(600, 900)])
            } else {
                Vec::new()
            };
            exceptions.push(CalendarException {
                name: "Exception".to_string(),
                from: day,
                to,
                shifts: worked,
            });
            day = to;
        }
        let def = CalendarDef {
            name: "Random".to_string(),
            base: None,
            week,
            exceptions,
        };
        WorkingCalendar::build(&[def], CalendarId(0)).expect("valid calendar")
    }

    /// The week index is an optimisation of the windows' path: wherever it answers, both must
    /// give the same counts and instants, in and around windows, margins and regular weeks.
    #[test]
    fn week_index_agrees_with_the_windows() {
        let mut random = crate::generate::SplitMix64::new(7);
        let mut irregular_weeks = 0;
        for round in 0..200 {
            let calendar = random_calendar(&mut random);
            let weeks = &calendar.weeks;
            assert!(
                !weeks.windows.is_empty(),
                "round {round}: the index is built"
            );
            irregular_weeks += weeks.windows.iter().filter(|&&w| w != REGULAR_WEEK).count();
            let first = weeks.start - 2 * MINUTES_PER_WEEK;
            let span = (weeks.windows.len() as i64 + 4) * MINUTES_PER_WEEK;
            for _ in 0..2000 {
                let t = first + random.below(span as u64) as i64;
                let slow = calendar.work_before_by_windows(t);
                // The week index's answer: a regular week's tables, else the week's window.
                let by_weeks = calendar
                    .work_before_in_regular_week(t)
                    .or_else(|| calendar.work_before_in_window_week(t));
                if let Some(fast) = by_weeks {
                    assert_eq!(fast, slow, "round {round}: work before {}", Instant(t));
                }
                assert_eq!(calendar.work_before(Instant(t)), slow);
                // Counts around this one, including those at the index's edges.
                for count in [slow - 1, slow, slow + 1, slow + random.below(5000) as i64] {
                    if !(calendar.first_count..calendar.end_count).contains(&count) {
                        continue;
                    }
                    let slow = calendar.start_at_by_windows(count);
                    let by_weeks = calendar
                        .start_at_in_regular_week(count)
                        .or_else(|| calendar.start_at_in_window_week(count));
                    if let Some(fast) = by_weeks {
                        assert_eq!(Some(fast), slow, "round {round}: start of minute {count}");
                    }
                    assert_eq!(calendar.start_at(count).ok().map(|t| t.0), slow);
                }
            }
        }
        assert!(irregular_weeks > 0, "some weeks go to their windows");
    }

    #[test]
    fn text_helpers_write_clock_times() {
        assert_eq!(shift_text((22 * 60, 30 * 60)), "22:00–06:00");
        assert_eq!(shift_text((0, 1440)), "00:00–24:00");
        assert_eq!(clock_text(8 * 60 + 5), "08:05");
        assert_eq!(date_text(0), "1970-01-01");
    }
}
