//! Working-time calendars: hand-checked dates on the calendars people use, and a property test
//! that compares the index with a naive minute-by-minute model of random calendars.
//!
//! Days used below: 2026-03-02 is a Monday, 2026-12-24 a Thursday, 2027-01-01 a Friday,
//! 1900-01-01 and 2300-01-01 are Mondays, 20 871 weeks apart.

use gantry_core::time::MINUTES_PER_DAY;
use gantry_core::{
    CalendarDef, CalendarError, CalendarException, CalendarId, Instant, Shift, WorkingCalendar,
};
use jiff::civil::{Date, date};
use proptest::prelude::*;

fn at(year: i16, month: i8, day: i8, hour: i8, minute: i8) -> Instant {
    Instant::from_civil(date(year, month, day).at(hour, minute, 0, 0))
}

fn hours(start: u16, end: u16) -> Shift {
    Shift::new(start * 60, end * 60)
}

fn exception(name: &str, from: Date, to: Date, shifts: Vec<Shift>) -> CalendarException {
    CalendarException {
        name: name.to_string(),
        from,
        to,
        shifts,
    }
}

fn standard_with(exceptions: Vec<CalendarException>) -> CalendarDef {
    CalendarDef {
        exceptions,
        ..CalendarDef::standard()
    }
}

fn build_one(def: CalendarDef) -> WorkingCalendar {
    WorkingCalendar::build(&[def], CalendarId(0)).expect("the calendar is valid")
}

fn build_error(def: CalendarDef) -> CalendarError {
    WorkingCalendar::build(&[def], CalendarId(0)).expect_err("the calendar is invalid")
}

/// Monday to Friday 22:00–06:00: the Friday shift ends Saturday 06:00.
fn night_shift(exceptions: Vec<CalendarException>) -> CalendarDef {
    let night = || Some(vec![hours(22, 6)]);
    CalendarDef {
        name: "Night shift".to_string(),
        base: None,
        week: [
            night(),
            night(),
            night(),
            night(),
            night(),
            Some(vec![]),
            Some(vec![]),
        ],
        exceptions,
    }
}

#[test]
fn one_day_finishes_at_five_and_the_successor_starts_next_morning() {
    let calendar = build_one(CalendarDef::standard());
    let monday_eight = at(2026, 3, 2, 8, 0);
    assert_eq!(
        calendar.add_working(monday_eight, 480),
        Ok(at(2026, 3, 2, 17, 0))
    );
    let count = calendar.work_before(monday_eight) + 480;
    assert_eq!(calendar.finish_at(count), Ok(at(2026, 3, 2, 17, 0)));
    assert_eq!(calendar.start_at(count), Ok(at(2026, 3, 3, 8, 0)));
    assert_eq!(
        calendar.work_before(at(2026, 3, 2, 17, 0)),
        calendar.work_before(at(2026, 3, 3, 8, 0))
    );
    assert_eq!(calendar.working_minutes_per_week(), 2400);
    assert_eq!(calendar.name(), "Standard");
}

#[test]
fn the_lunch_break_is_skipped() {
    let calendar = build_one(CalendarDef::standard());
    let monday_eight = at(2026, 3, 2, 8, 0);
    assert_eq!(
        calendar.add_working(monday_eight, 240),
        Ok(at(2026, 3, 2, 12, 0))
    );
    assert_eq!(
        calendar.start_at(calendar.work_before(monday_eight) + 240),
        Ok(at(2026, 3, 2, 13, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 2, 11, 0), 120),
        Ok(at(2026, 3, 2, 14, 0))
    );
    assert!(!calendar.is_working(at(2026, 3, 2, 12, 30)));
    assert!(calendar.is_working(at(2026, 3, 2, 11, 59)));
    assert!(calendar.is_working(at(2026, 3, 2, 13, 0)));
    assert_eq!(
        calendar.next_work_start(at(2026, 3, 2, 12, 30)),
        Ok(at(2026, 3, 2, 13, 0))
    );
    assert_eq!(
        calendar.previous_work_finish(at(2026, 3, 2, 12, 30)),
        Ok(at(2026, 3, 2, 12, 0))
    );
}

#[test]
fn weekends_are_skipped() {
    let calendar = build_one(CalendarDef::standard());
    assert_eq!(
        calendar.add_working(at(2026, 3, 6, 16, 0), 120),
        Ok(at(2026, 3, 9, 9, 0))
    );
    assert!(!calendar.is_working(at(2026, 3, 7, 10, 0)));
    assert_eq!(
        calendar.next_work_start(at(2026, 3, 7, 10, 0)),
        Ok(at(2026, 3, 9, 8, 0))
    );
    assert_eq!(
        calendar.previous_work_finish(at(2026, 3, 7, 10, 0)),
        Ok(at(2026, 3, 6, 17, 0))
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0)),
        2400
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 9, 0, 0), at(2026, 3, 2, 0, 0)),
        -2400
    );
}

#[test]
fn a_christmas_holiday_range_is_skipped() {
    let christmas = exception("Christmas", date(2026, 12, 24), date(2027, 1, 1), vec![]);
    let calendar = build_one(standard_with(vec![christmas]));
    // Wednesday the 23rd is day one; Thursday 24th to Friday 1st and the weekend are off;
    // Monday 4th and Tuesday 5th are days two and three.
    assert_eq!(
        calendar.add_working(at(2026, 12, 23, 8, 0), 3 * 480),
        Ok(at(2027, 1, 5, 17, 0))
    );
    assert_eq!(
        calendar.next_work_start(at(2026, 12, 24, 9, 0)),
        Ok(at(2027, 1, 4, 8, 0))
    );
    assert_eq!(
        calendar.previous_work_finish(at(2027, 1, 4, 8, 0)),
        Ok(at(2026, 12, 23, 17, 0))
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 12, 21, 0, 0), at(2027, 1, 4, 0, 0)),
        3 * 480
    );
    assert!(!calendar.is_working(at(2026, 12, 28, 10, 0)));
    // The regular weeks around it are untouched.
    assert_eq!(
        calendar.working_minutes_between(at(2026, 11, 2, 0, 0), at(2026, 11, 9, 0, 0)),
        2400
    );
    assert_eq!(
        calendar.working_minutes_between(at(2027, 3, 1, 0, 0), at(2027, 3, 8, 0, 0)),
        2400
    );
}

#[test]
fn an_extra_working_saturday_counts() {
    let cut_over = exception(
        "Cut-over",
        date(2026, 3, 7),
        date(2026, 3, 7),
        vec![hours(9, 13)],
    );
    let calendar = build_one(standard_with(vec![cut_over]));
    assert_eq!(
        calendar.add_working(at(2026, 3, 6, 16, 0), 120),
        Ok(at(2026, 3, 7, 10, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 6, 16, 0), 300),
        Ok(at(2026, 3, 7, 13, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 6, 16, 0), 301),
        Ok(at(2026, 3, 9, 8, 1))
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0)),
        2640
    );
    assert!(calendar.is_working(at(2026, 3, 7, 12, 59)));
    assert!(!calendar.is_working(at(2026, 3, 14, 10, 0)));
}

#[test]
fn changed_hours_replace_the_day() {
    let short_day = exception(
        "Training",
        date(2026, 3, 4),
        date(2026, 3, 4),
        vec![hours(10, 14)],
    );
    let calendar = build_one(standard_with(vec![short_day]));
    assert_eq!(
        calendar.next_work_start(at(2026, 3, 4, 0, 0)),
        Ok(at(2026, 3, 4, 10, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 4, 10, 0), 240),
        Ok(at(2026, 3, 4, 14, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 4, 10, 0), 241),
        Ok(at(2026, 3, 5, 8, 1))
    );
    assert!(calendar.is_working(at(2026, 3, 4, 12, 30)));
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0)),
        2400 - 240
    );
}

#[test]
fn night_shifts_belong_to_the_day_they_start() {
    let calendar = build_one(night_shift(vec![]));
    assert_eq!(calendar.working_minutes_per_week(), 2400);
    // Sunday has no shift, so early Monday is free.
    assert!(!calendar.is_working(at(2026, 3, 2, 5, 0)));
    assert!(calendar.is_working(at(2026, 3, 2, 22, 0)));
    assert!(calendar.is_working(at(2026, 3, 3, 5, 59)));
    assert!(!calendar.is_working(at(2026, 3, 3, 6, 0)));
    assert_eq!(
        calendar.add_working(at(2026, 3, 2, 22, 0), 480),
        Ok(at(2026, 3, 3, 6, 0))
    );
    assert_eq!(
        calendar.start_at(calendar.work_before(at(2026, 3, 2, 22, 0)) + 480),
        Ok(at(2026, 3, 3, 22, 0))
    );
    // Friday's shift ends on Saturday morning.
    assert!(calendar.is_working(at(2026, 3, 7, 5, 59)));
    assert!(!calendar.is_working(at(2026, 3, 7, 6, 0)));
    assert_eq!(
        calendar.add_working(at(2026, 3, 6, 22, 0), 480),
        Ok(at(2026, 3, 7, 6, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 6, 22, 0), 481),
        Ok(at(2026, 3, 9, 22, 1))
    );
}

#[test]
fn a_holiday_cancels_the_night_shift_starting_on_it_but_not_the_one_running_into_it() {
    let holiday = exception("Holiday", date(2026, 3, 4), date(2026, 3, 4), vec![]);
    let calendar = build_one(night_shift(vec![holiday]));
    // Tuesday night still runs into Wednesday morning; Wednesday night is off.
    assert!(calendar.is_working(at(2026, 3, 4, 3, 0)));
    assert!(!calendar.is_working(at(2026, 3, 4, 23, 0)));
    assert!(!calendar.is_working(at(2026, 3, 5, 3, 0)));
    assert_eq!(
        calendar.add_working(at(2026, 3, 3, 22, 0), 960),
        Ok(at(2026, 3, 6, 6, 0))
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0)),
        1920
    );
}

#[test]
fn a_night_shift_running_into_an_exception_shift_is_an_error() {
    let early = exception(
        "Early start",
        date(2026, 3, 4),
        date(2026, 3, 4),
        vec![hours(5, 9)],
    );
    let error = build_error(night_shift(vec![early]));
    let CalendarError::BadShift { calendar, detail } = &error else {
        panic!("expected BadShift, got {error:?}")
    };
    assert_eq!(calendar, "Night shift");
    for words in [
        "2026-03-03",
        "22:00–06:00",
        "2026-03-04",
        "05:00–09:00",
        "Early start",
    ] {
        assert!(detail.contains(words), "{detail:?} should name {words:?}");
    }
}

#[test]
fn touching_shifts_across_midnight_join() {
    let holiday = exception("Holiday", date(2026, 3, 12), date(2026, 3, 12), vec![]);
    let def = CalendarDef {
        name: "Late".to_string(),
        base: None,
        week: [
            Some(vec![Shift::new(22 * 60, 24 * 60)]),
            Some(vec![hours(0, 6)]),
            None,
            None,
            None,
            None,
            None,
        ],
        exceptions: vec![holiday],
    };
    let calendar = build_one(def);
    assert_eq!(calendar.working_minutes_per_week(), 480);
    // Same week as the holiday (explicit window) and a regular week.
    for monday in [9, 16] {
        assert_eq!(
            calendar.add_working(at(2026, 3, monday, 22, 0), 480),
            Ok(at(2026, 3, monday + 1, 6, 0))
        );
        assert!(calendar.is_working(at(2026, 3, monday + 1, 0, 0)));
        assert_eq!(
            calendar.next_work_start(at(2026, 3, monday, 23, 59)),
            Ok(at(2026, 3, monday, 23, 59))
        );
    }
}

#[test]
fn a_derived_calendar_inherits_its_base_and_overrides_it() {
    let base = standard_with(vec![
        exception("Base holiday", date(2026, 3, 4), date(2026, 3, 4), vec![]),
        exception("Base Thursday", date(2026, 3, 5), date(2026, 3, 5), vec![]),
    ]);
    let part_time = CalendarDef {
        name: "Part-time".to_string(),
        base: Some(CalendarId(0)),
        week: [Some(vec![hours(9, 12)]), None, None, None, None, None, None],
        exceptions: vec![exception(
            "Stand-up day",
            date(2026, 3, 5),
            date(2026, 3, 5),
            vec![hours(10, 12)],
        )],
    };
    let calendar = WorkingCalendar::build(&[base, part_time], CalendarId(1)).expect("valid");
    assert_eq!(calendar.name(), "Part-time");
    // Monday 180, Tuesday 480, Wednesday off (base holiday), Thursday 120 (own exception wins
    // over the base's), Friday 480.
    assert_eq!(calendar.working_minutes_per_week(), 180 + 4 * 480);
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0)),
        1260
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 9, 0, 0), at(2026, 3, 16, 0, 0)),
        2100
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 2, 9, 0), 180),
        Ok(at(2026, 3, 2, 12, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 2, 9, 0), 181),
        Ok(at(2026, 3, 3, 8, 1))
    );
    assert_eq!(
        calendar.next_work_start(at(2026, 3, 4, 0, 0)),
        Ok(at(2026, 3, 5, 10, 0))
    );
    assert!(!calendar.is_working(at(2026, 3, 7, 10, 0)));
}

#[test]
fn far_away_dates_follow_the_weekly_pattern() {
    let christmas = exception(
        "Christmas Day",
        date(2026, 12, 25),
        date(2026, 12, 25),
        vec![],
    );
    let calendar = build_one(standard_with(vec![christmas]));
    let monday_1900 = at(1900, 1, 1, 0, 0);
    let monday_2300 = at(2300, 1, 1, 0, 0);
    assert_eq!(
        calendar.working_minutes_between(monday_1900, at(1900, 1, 8, 0, 0)),
        2400
    );
    assert_eq!(
        calendar.working_minutes_between(monday_2300, at(2300, 1, 8, 0, 0)),
        2400
    );
    // 20 871 weeks, less the one holiday (a Friday).
    assert_eq!(
        calendar.working_minutes_between(monday_1900, monday_2300),
        20_871 * 2400 - 480
    );
    assert_eq!(
        calendar.next_work_start(monday_1900),
        Ok(at(1900, 1, 1, 8, 0))
    );
    assert_eq!(
        calendar.previous_work_finish(monday_1900),
        Ok(at(1899, 12, 29, 17, 0))
    );
    assert_eq!(
        calendar.add_working(at(2300, 1, 1, 8, 0), 5 * 480),
        Ok(at(2300, 1, 5, 17, 0))
    );
    assert_eq!(
        calendar.add_working(at(2300, 1, 5, 17, 0), -5 * 480),
        Ok(at(2300, 1, 1, 8, 0))
    );
    // Across the whole span in one step, both ways.
    assert_eq!(
        calendar.add_working(at(1900, 1, 1, 8, 0), 20_871 * 2400 - 480),
        Ok(at(2299, 12, 29, 17, 0))
    );
    // Monday mornings before 08:00 are free, so back from Monday 08:00 lands on Monday 08:00.
    assert_eq!(
        calendar.add_working(at(2300, 1, 1, 8, 0), -(20_871 * 2400 - 480)),
        Ok(at(1900, 1, 1, 8, 0))
    );
}

#[test]
fn many_separate_windows_agree_with_a_week_by_week_count() {
    // A holiday every 37 days from 2025 for ten years (each far enough from the next to get a
    // window of its own), and two lone holidays in 1900 and 2300 that stretch the window hints.
    let first = Instant::from_date(date(2025, 1, 6)).day_number();
    let mut holiday_days: Vec<i64> = (0..100).map(|index| first + 37 * index).collect();
    holiday_days.push(Instant::from_date(date(1900, 6, 1)).day_number());
    holiday_days.push(Instant::from_date(date(2300, 6, 1)).day_number());
    let to_date = |day: i64| Instant(day * MINUTES_PER_DAY).to_civil().date();
    let is_weekday = |day: i64| Instant(day * MINUTES_PER_DAY).weekday_index() < 5;
    let exceptions = holiday_days
        .iter()
        .map(|&day| exception("Holiday", to_date(day), to_date(day), vec![]))
        .collect();
    let calendar = build_one(standard_with(exceptions));

    // 2025-01-06 is a Monday; check 530 weeks from there, and every day's first and last minute.
    for week in 0..530 {
        let monday = first + 7 * week;
        let holidays = holiday_days
            .iter()
            .filter(|&&day| (monday..monday + 7).contains(&day) && is_weekday(day))
            .count() as i64;
        let from = Instant(monday * MINUTES_PER_DAY);
        let to = Instant((monday + 7) * MINUTES_PER_DAY);
        assert_eq!(
            calendar.working_minutes_between(from, to),
            2400 - 480 * holidays,
            "week of {from}"
        );
        for day in monday..monday + 5 {
            let eight = Instant(day * MINUTES_PER_DAY + 8 * 60);
            let five = Instant(day * MINUTES_PER_DAY + 17 * 60);
            if holiday_days.contains(&day) {
                assert!(!calendar.is_working(eight));
                continue;
            }
            assert_eq!(calendar.start_at(calendar.work_before(eight)), Ok(eight));
            assert_eq!(calendar.finish_at(calendar.work_before(five)), Ok(five));
            assert_eq!(calendar.add_working(eight, 480), Ok(five));
        }
    }
    let weekday_holidays = holiday_days.iter().filter(|&&day| is_weekday(day)).count() as i64;
    assert_eq!(
        calendar.working_minutes_between(at(1900, 1, 1, 0, 0), at(2300, 1, 1, 0, 0)),
        20_871 * 2400 - 480 * (weekday_holidays - 1)
    );
}

#[test]
fn negative_durations_land_on_the_start_of_a_working_minute() {
    let calendar = build_one(CalendarDef::standard());
    assert_eq!(
        calendar.add_working(at(2026, 3, 3, 10, 0), -240),
        Ok(at(2026, 3, 2, 15, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 3, 9, 0), -60),
        Ok(at(2026, 3, 3, 8, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 3, 8, 0), -60),
        Ok(at(2026, 3, 2, 16, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 2, 13, 0), -1),
        Ok(at(2026, 3, 2, 11, 59))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 9, 8, 0), -480),
        Ok(at(2026, 3, 6, 8, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 7, 10, 0), 0),
        Ok(at(2026, 3, 7, 10, 0))
    );
}

#[test]
fn a_week_without_work_but_one_working_exception_runs_out_of_time() {
    let def = CalendarDef {
        name: "Cut-over crew".to_string(),
        base: None,
        week: [None, None, None, None, None, None, None],
        exceptions: vec![exception(
            "Cut-over",
            date(2026, 3, 7),
            date(2026, 3, 7),
            vec![hours(9, 17)],
        )],
    };
    let calendar = build_one(def);
    let out = |at: Instant, after: bool| {
        Err(CalendarError::OutOfWorkingTime {
            calendar: "Cut-over crew".to_string(),
            at,
            after,
        })
    };
    assert_eq!(calendar.working_minutes_per_week(), 0);
    assert_eq!(
        calendar.next_work_start(at(2026, 3, 1, 0, 0)),
        Ok(at(2026, 3, 7, 9, 0))
    );
    assert_eq!(
        calendar.next_work_start(at(1900, 1, 1, 0, 0)),
        Ok(at(2026, 3, 7, 9, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 7, 9, 0), 480),
        Ok(at(2026, 3, 7, 17, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 7, 9, 0), 481),
        out(at(2026, 3, 7, 17, 0), true)
    );
    assert_eq!(
        calendar.next_work_start(at(2026, 3, 7, 17, 0)),
        out(at(2026, 3, 7, 17, 0), true)
    );
    assert_eq!(
        calendar.previous_work_finish(at(2026, 3, 7, 9, 0)),
        out(at(2026, 3, 7, 9, 0), false)
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 7, 10, 0), -61),
        out(at(2026, 3, 7, 9, 0), false)
    );
    assert_eq!(
        calendar.previous_work_finish(at(2300, 1, 1, 0, 0)),
        Ok(at(2026, 3, 7, 17, 0))
    );
    assert_eq!(
        calendar.add_working(at(2026, 3, 7, 17, 0), -480),
        Ok(at(2026, 3, 7, 9, 0))
    );
    assert_eq!(
        calendar.working_minutes_between(at(1900, 1, 1, 0, 0), at(2300, 1, 1, 0, 0)),
        480
    );
    let message = calendar
        .next_work_start(at(2026, 3, 8, 0, 0))
        .expect_err("no work left")
        .to_string();
    assert_eq!(
        message,
        "calendar \"Cut-over crew\" has no working time after 2026-03-07 17:00"
    );
}

#[test]
fn a_calendar_without_any_work_is_refused() {
    let nothing = CalendarDef {
        name: "Nothing".to_string(),
        base: None,
        week: [Some(vec![]), None, None, None, None, None, None],
        exceptions: vec![exception(
            "Holiday",
            date(2026, 3, 4),
            date(2026, 3, 4),
            vec![],
        )],
    };
    assert_eq!(
        build_error(nothing),
        CalendarError::NoWorkingTime {
            calendar: "Nothing".to_string()
        }
    );

    // The base's only working day is a holiday in the derived calendar.
    let base = CalendarDef {
        name: "Base".to_string(),
        base: None,
        week: Default::default(),
        exceptions: vec![exception(
            "Work",
            date(2026, 3, 7),
            date(2026, 3, 7),
            vec![hours(9, 17)],
        )],
    };
    let derived = CalendarDef {
        name: "Derived".to_string(),
        base: Some(CalendarId(0)),
        week: Default::default(),
        exceptions: vec![exception("Off", date(2026, 3, 7), date(2026, 3, 7), vec![])],
    };
    let calendars = [base, derived];
    assert!(WorkingCalendar::build(&calendars, CalendarId(0)).is_ok());
    assert_eq!(
        WorkingCalendar::build(&calendars, CalendarId(1)).expect_err("no work"),
        CalendarError::NoWorkingTime {
            calendar: "Derived".to_string()
        }
    );
}

#[test]
fn malformed_and_overlapping_shifts_are_refused() {
    let mut overlapping = CalendarDef::standard();
    overlapping.week[0] = Some(vec![Shift::new(8 * 60, 12 * 60 + 30), hours(12, 13)]);
    assert_eq!(
        build_error(overlapping).to_string(),
        "calendar \"Standard\": Monday: 12:00–13:00 overlaps 08:00–12:30"
    );

    let mut night_into_morning = CalendarDef::standard();
    night_into_morning.week[0] = Some(vec![hours(22, 6)]);
    night_into_morning.week[1] = Some(vec![hours(5, 9)]);
    assert_eq!(
        build_error(night_into_morning).to_string(),
        "calendar \"Standard\": Monday: 22:00–06:00 runs past midnight into Tuesday and overlaps its 05:00–09:00"
    );

    let mut sunday_into_monday = CalendarDef::standard();
    sunday_into_monday.week[6] = Some(vec![hours(20, 9)]);
    assert!(matches!(
        build_error(sunday_into_monday),
        CalendarError::BadShift { .. }
    ));

    let mut late_start = CalendarDef::standard();
    late_start.week[2] = Some(vec![Shift::new(1440, 60)]);
    assert!(matches!(
        build_error(late_start),
        CalendarError::BadShift { .. }
    ));

    let mut zero_end = CalendarDef::standard();
    zero_end.week[2] = Some(vec![Shift::new(600, 0)]);
    assert!(matches!(
        build_error(zero_end),
        CalendarError::BadShift { .. }
    ));

    let bad_exception = standard_with(vec![exception(
        "Double",
        date(2026, 3, 4),
        date(2026, 3, 4),
        vec![hours(8, 12), hours(11, 14)],
    )]);
    assert!(
        build_error(bad_exception)
            .to_string()
            .contains("exception \"Double\"")
    );

    let backwards = standard_with(vec![exception(
        "Backwards",
        date(2026, 3, 4),
        date(2026, 3, 2),
        vec![],
    )]);
    assert!(
        build_error(backwards)
            .to_string()
            .contains("ends before it starts")
    );

    let clashing = standard_with(vec![
        exception("First", date(2026, 3, 2), date(2026, 3, 4), vec![]),
        exception("Second", date(2026, 3, 4), date(2026, 3, 6), vec![]),
    ]);
    assert!(
        build_error(clashing)
            .to_string()
            .contains("both cover 2026-03-04")
    );
}

#[test]
fn bad_ids_and_absurd_inputs_give_errors_not_panics() {
    assert!(WorkingCalendar::build(&[], CalendarId(0)).is_err());
    let forward_base = CalendarDef {
        base: Some(CalendarId(1)),
        ..CalendarDef::standard()
    };
    assert!(
        WorkingCalendar::build(&[forward_base, CalendarDef::standard()], CalendarId(0)).is_err()
    );

    let calendar = build_one(CalendarDef::standard());
    for minutes in [i64::MAX, i64::MIN, i64::MAX / 2, i64::MIN / 2] {
        assert!(calendar.add_working(at(2026, 3, 2, 8, 0), minutes).is_err());
    }
    for t in [Instant(i64::MAX), Instant(i64::MIN)] {
        let _ = calendar.work_before(t);
        let _ = calendar.is_working(t);
        let _ = calendar.next_work_start(t);
        let _ = calendar.previous_work_finish(t);
        let _ = calendar.add_working(t, 1);
        let _ = calendar.add_working(t, -1);
    }
    assert!(calendar.start_at(i64::MAX).is_err());
    assert!(calendar.finish_at(i64::MIN).is_err());
}

#[test]
fn working_time_ends_with_the_civil_calendar() {
    // Instants past year 9999 cannot be shown, so the calendar never returns one: its working
    // time ends at 9999-12-31 23:59, and the errors name instants that can be shown.
    let calendar = build_one(CalendarDef::standard());
    let after = calendar
        .add_working(at(2026, 3, 2, 8, 0), i64::MAX)
        .expect_err("past year 9999");
    assert_eq!(
        after.to_string(),
        "calendar \"Standard\" has no working time after 9999-12-31 23:59"
    );
    let before = calendar
        .add_working(at(2026, 3, 2, 8, 0), i64::MIN)
        .expect_err("before year -9999");
    assert_eq!(
        before.to_string(),
        "calendar \"Standard\" has no working time before -9999-01-01 00:00"
    );
    // 9999-12-31 is a Friday: its working day still counts, the next Monday does not exist.
    assert_eq!(
        calendar.add_working(at(9999, 12, 31, 8, 0), 480),
        Ok(at(9999, 12, 31, 17, 0))
    );
    assert!(calendar.add_working(at(9999, 12, 31, 8, 0), 481).is_err());
    assert_eq!(
        calendar.work_before(Instant(i64::MAX)),
        calendar.work_before(at(9999, 12, 31, 23, 59))
    );
    for t in [
        Instant(i64::MAX),
        Instant(i64::MIN),
        at(9999, 12, 31, 23, 0),
    ] {
        for result in [
            calendar.next_work_start(t),
            calendar.previous_work_finish(t),
            calendar.add_working(t, 5),
        ] {
            if let Ok(instant) = result {
                let _ = instant.to_string();
            } else if let Err(error) = result {
                let _ = error.to_string();
            }
        }
    }
}

#[test]
fn a_union_works_whenever_one_of_its_calendars_works() {
    // A day worker on the standard calendar with a holiday on Wednesday 2026-03-04 and an extra
    // working Saturday 2026-03-14, and a night worker (22:00–06:00, Monday to Friday) whose
    // Thursday 2026-03-12 night is cancelled. The union works when either works: on the
    // holiday only the night shifts count (Tuesday's shift runs into it), on the Saturday the
    // day hours and the tail of Friday's night shift.
    let day_worker = build_one(standard_with(vec![
        exception("Holiday", date(2026, 3, 4), date(2026, 3, 4), vec![]),
        exception(
            "Release weekend",
            date(2026, 3, 14),
            date(2026, 3, 14),
            vec![hours(8, 12)],
        ),
    ]));
    let night_worker = build_one(night_shift(vec![exception(
        "Night off",
        date(2026, 3, 12),
        date(2026, 3, 12),
        vec![],
    )]));
    let union = WorkingCalendar::union("Day + night", &[&day_worker, &night_worker])
        .expect("the union of working calendars works");
    assert_eq!(union.name(), "Day + night");

    // Minute by minute over five weeks around the exceptions, and far away from them.
    for first in [at(2026, 2, 23, 0, 0), at(2031, 6, 2, 0, 0)] {
        let mut expected_work = 0;
        for minute in 0..5 * 7 * MINUTES_PER_DAY {
            let t = first.plus_minutes(minute);
            let works = day_worker.is_working(t) || night_worker.is_working(t);
            assert_eq!(union.is_working(t), works, "at {t}");
            assert_eq!(
                union.working_minutes_between(first, t),
                expected_work,
                "before {t}"
            );
            expected_work += i64::from(works);
        }
    }

    // Hand-checked: Tuesday 2026-03-03 08:00 plus 16 hours of the union is Tuesday's day
    // (8 h), its night shift to 06:00 on the holiday (8 h): Wednesday 06:00.
    assert_eq!(
        union.add_working(at(2026, 3, 3, 8, 0), 16 * 60),
        Ok(at(2026, 3, 4, 6, 0))
    );
    // The next working time after that is Wednesday's night shift, the day being a holiday.
    assert_eq!(
        union.next_work_start(at(2026, 3, 4, 6, 0)),
        Ok(at(2026, 3, 4, 22, 0))
    );
}

// ---------------------------------------------------------------------------------------------
// Property test: the index against a naive model that lays out every minute.

/// One day's shifts on a quarter-hour grid: up to two plain shifts, sometimes a night shift.
fn day_shifts() -> impl Strategy<Value = Vec<Shift>> {
    (
        // Mostly after 04:00, so that most night shifts (ending by 04:00) fit before the next
        // day's shifts; the rest make collisions, which must be refused.
        prop::collection::btree_set(prop_oneof![6 => 16u16..=96, 1 => 0u16..=96], 0..=4),
        prop::option::weighted(0.25, (80u16..96, 1u16..=16)),
        prop::option::weighted(0.05, 0u16..96),
    )
        .prop_map(|(points, night, whole_day)| {
            let points: Vec<u16> = points.into_iter().collect();
            let mut shifts: Vec<Shift> = points
                .chunks_exact(2)
                .map(|pair| Shift::new(pair[0] * 15, pair[1] * 15))
                .collect();
            if let Some((start, end)) = night {
                shifts.push(Shift::new(start * 15, end * 15));
            }
            // Rarely, a 24-hour shift from a quarter hour to the same time the next day (from
            // 00:00 it is written 00:00–00:00, which is malformed: the whole day is 00:00–24:00).
            if let Some(start) = whole_day {
                shifts = vec![Shift::new(start * 15, start * 15)];
            }
            shifts
        })
}

fn week_days() -> impl Strategy<Value = [Option<Vec<Shift>>; 7]> {
    prop::array::uniform7(prop::option::weighted(0.8, day_shifts()))
}

/// Exceptions laid out one after the other from `anchor_day` (so those of one calendar never
/// share a day), with gaps long enough to sometimes need separate windows.
fn exceptions() -> impl Strategy<Value = Vec<(i64, i64, Vec<Shift>)>> {
    prop::collection::vec(
        (0i64..30, 0i64..4, prop::option::weighted(0.6, day_shifts())),
        0..4,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .map(|(gap, length, shifts)| (gap, length, shifts.unwrap_or_default()))
            .collect()
    })
}

fn day_to_date(day: i64) -> Date {
    Instant(day * MINUTES_PER_DAY).to_civil().date()
}

fn lay_out(raw: &[(i64, i64, Vec<Shift>)], anchor_day: i64, name: &str) -> Vec<CalendarException> {
    let mut next_free = anchor_day;
    raw.iter()
        .enumerate()
        .map(|(index, (gap, length, shifts))| {
            let from = next_free + gap;
            let to = from + length;
            next_free = to + 1;
            exception(
                &format!("{name} {index}"),
                day_to_date(from),
                day_to_date(to),
                shifts.clone(),
            )
        })
        .collect()
}

/// The shifts that start on `day` according to the chain (nearest calendar first).
fn naive_day<'a>(chain: &[&'a CalendarDef], day: i64) -> &'a [Shift] {
    let date = day_to_date(day);
    for def in chain {
        if let Some(exception) = def
            .exceptions
            .iter()
            .find(|exception| exception.from <= date && date <= exception.to)
        {
            return &exception.shifts;
        }
    }
    let weekday = (day + 3).rem_euclid(7) as usize;
    chain
        .iter()
        .find_map(|def| def.week[weekday].as_deref())
        .unwrap_or(&[])
}

/// How many shifts cover each minute of days `first_day..end_day`.
fn naive_marks(chain: &[&CalendarDef], first_day: i64, end_day: i64) -> Vec<u8> {
    let origin = first_day * MINUTES_PER_DAY;
    let mut marks = vec![0u8; ((end_day - first_day) * MINUTES_PER_DAY) as usize];
    for day in (first_day - 1)..end_day {
        for shift in naive_day(chain, day) {
            let start = day * MINUTES_PER_DAY + i64::from(shift.start);
            for minute in start..start + shift.minutes() {
                if let Some(mark) = usize::try_from(minute - origin)
                    .ok()
                    .and_then(|index| marks.get_mut(index))
                {
                    *mark += 1;
                }
            }
        }
    }
    marks
}

/// Whether a shift's fields are out of range (start past the day, end 0 or past 24:00).
fn shift_is_malformed(shift: &Shift) -> bool {
    shift.start >= 1440 || shift.end == 0 || shift.end > 1440
}

/// Whether a single list of shifts overlaps itself.
fn shifts_overlap(shifts: &[Shift]) -> bool {
    let mut marks = [0u8; 2 * 1440];
    for shift in shifts {
        let start = usize::from(shift.start);
        for mark in &mut marks[start..start + shift.minutes() as usize] {
            *mark += 1;
        }
    }
    marks.iter().any(|&mark| mark > 1)
}

/// Checks every minute of `marks` (starting at day `first_day`) against the calendar.
fn check_minutes(
    calendar: &WorkingCalendar,
    marks: &[u8],
    first_day: i64,
) -> Result<(), TestCaseError> {
    let origin = first_day * MINUTES_PER_DAY;
    let mut count = calendar.work_before(Instant(origin));
    let mut next_working: Option<i64> = None;
    for (index, &mark) in marks.iter().enumerate().rev() {
        if mark > 0 {
            next_working = Some(origin + index as i64);
        }
        let t = Instant(origin + index as i64);
        if mark == 0
            && let Some(next) = next_working
        {
            prop_assert_eq!(
                calendar.next_work_start(t),
                Ok(Instant(next)),
                "next work start from {}",
                t
            );
        }
    }
    for (index, &mark) in marks.iter().enumerate() {
        let t = Instant(origin + index as i64);
        let working = mark > 0;
        prop_assert_eq!(calendar.work_before(t), count, "work before {}", t);
        prop_assert_eq!(calendar.is_working(t), working, "is working {}", t);
        if working {
            prop_assert_eq!(calendar.start_at(count), Ok(t), "start of minute {}", count);
            prop_assert_eq!(
                calendar.finish_at(count + 1),
                Ok(t.plus_minutes(1)),
                "finish of minute {}",
                count
            );
            count += 1;
        }
    }
    Ok(())
}

/// Naive `add_working` by walking the marks; `None` when the walk leaves them.
fn naive_add(marks: &[u8], origin: i64, t: i64, minutes: i64) -> Option<i64> {
    let mut index = usize::try_from(t - origin).ok()?;
    let mut left = minutes.abs();
    if minutes > 0 {
        loop {
            if *marks.get(index)? > 0 {
                left -= 1;
                if left == 0 {
                    return Some(origin + index as i64 + 1);
                }
            }
            index += 1;
        }
    } else {
        loop {
            index = index.checked_sub(1)?;
            if *marks.get(index)? > 0 {
                left -= 1;
                if left == 0 {
                    return Some(origin + index as i64);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_index_agrees_with_a_naive_count(
        base_week in week_days(),
        base_exceptions in exceptions(),
        derived in prop::option::of((week_days(), exceptions())),
        anchor_shift in -10i64..10,
        moves in prop::collection::vec((0i64..1_000_000, -3000i64..3000), 20),
        far_weeks in prop::collection::vec((100i64..12_000, any::<bool>()), 2),
    ) {
        let anchor_day = Instant::from_date(date(2026, 3, 2)).day_number() + anchor_shift;
        let mut calendars = vec![CalendarDef {
            name: "Base".to_string(),
            base: None,
            week: base_week,
            exceptions: lay_out(&base_exceptions, anchor_day, "base"),
        }];
        if let Some((week, raw)) = &derived {
            calendars.push(CalendarDef {
                name: "Derived".to_string(),
                base: Some(CalendarId(0)),
                week: week.clone(),
                exceptions: lay_out(raw, anchor_day + 3, "derived"),
            });
        }
        let id = CalendarId(calendars.len() as u32 - 1);
        let chain: Vec<&CalendarDef> = calendars.iter().rev().collect();

        let exception_days = || chain.iter().flat_map(|def| def.exceptions.iter());
        let first_day = exception_days().map(|e| Instant::from_date(e.from).day_number()).min().unwrap_or(anchor_day) - 21;
        let end_day = exception_days().map(|e| Instant::from_date(e.to).day_number()).max().unwrap_or(anchor_day) + 28;
        let marks = naive_marks(&chain, first_day, end_day);
        let overlap = marks.iter().any(|&mark| mark > 1) || exception_days().any(|e| shifts_overlap(&e.shifts));
        // `day_shifts` makes a 24-hour shift 00:00–00:00 now and then, which is malformed.
        let malformed = (0..7).any(|weekday| {
            chain.iter().find_map(|def| def.week[weekday].as_deref()).unwrap_or(&[]).iter().any(shift_is_malformed)
        }) || exception_days().any(|e| e.shifts.iter().any(shift_is_malformed));

        match WorkingCalendar::build(&calendars, id) {
            Err(CalendarError::BadShift { .. }) => prop_assert!(overlap || malformed, "refused a valid calendar"),
            Err(CalendarError::NoWorkingTime { .. }) => {
                prop_assert!(!overlap && !malformed && marks.iter().all(|&mark| mark == 0), "refused a calendar with work")
            }
            Err(error) => prop_assert!(false, "unexpected error {error}"),
            Ok(calendar) => {
                prop_assert!(!overlap && !malformed, "accepted overlapping or malformed shifts");
                check_minutes(&calendar, &marks, first_day)?;

                let origin = first_day * MINUTES_PER_DAY;
                for (offset, minutes) in moves {
                    let t = origin + offset % (marks.len() as i64);
                    if minutes == 0 {
                        continue;
                    }
                    if let Some(expected) = naive_add(&marks, origin, t, minutes) {
                        prop_assert_eq!(calendar.add_working(Instant(t), minutes), Ok(Instant(expected)));
                    }
                }

                // Far from the exceptions, a week of the weekly pattern, on both sides of 1970.
                let per_week = calendar.working_minutes_per_week();
                // The exceptions all lie within 22 weeks after the anchor; these weeks are 100 or more away.
                for (weeks, before) in far_weeks {
                    let weeks = if before { -weeks } else { weeks };
                    let far_day = anchor_day + 7 * weeks;
                    let far_marks = naive_marks(&chain, far_day, far_day + 8);
                    check_minutes(&calendar, &far_marks, far_day)?;
                    let t = Instant(far_day * MINUTES_PER_DAY + 123);
                    prop_assert_eq!(calendar.working_minutes_between(t, t.plus_minutes(7 * MINUTES_PER_DAY)), per_week);
                }

                if per_week == 0 {
                    let first = marks.iter().position(|&mark| mark > 0).map(|index| origin + index as i64);
                    let last = marks.iter().rposition(|&mark| mark > 0).map(|index| origin + index as i64);
                    if let (Some(first), Some(last)) = (first, last) {
                        let after = calendar.next_work_start(Instant(last + 1));
                        let before = calendar.previous_work_finish(Instant(first));
                        prop_assert!(matches!(after, Err(CalendarError::OutOfWorkingTime { after: true, .. })), "{:?}", after);
                        prop_assert!(matches!(before, Err(CalendarError::OutOfWorkingTime { after: false, .. })), "{:?}", before);
                    }
                }
            }
        }
    }
}
