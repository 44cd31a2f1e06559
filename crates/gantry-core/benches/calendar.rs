//! Calendar arithmetic as the scheduler uses it: adding working time and counting working minutes
//! on a standard calendar with ten years of holidays, at instants spread over those years.
//!
//! Each call picks the next of 1024 precomputed cases, so that branch prediction and caches see
//! a realistic mix rather than one instant over and over; times are per call.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gantry_core::{CalendarDef, CalendarException, CalendarId, Instant, WorkingCalendar};
use jiff::civil::date;

const CASES: usize = 1024;

/// Fixed public holidays and a year-end closure for 2025–2034 (some fall on weekends).
fn holidays() -> Vec<CalendarException> {
    let mut exceptions = Vec::new();
    for year in 2025..2035 {
        for (month, day) in [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11)] {
            let day = date(year, month, day);
            exceptions.push(CalendarException {
                name: "Holiday".to_string(),
                from: day,
                to: day,
                shifts: Vec::new(),
            });
        }
        exceptions.push(CalendarException {
            name: "Year-end closure".to_string(),
            from: date(year, 12, 24),
            to: date(year, 12, 31),
            shifts: Vec::new(),
        });
    }
    exceptions
}

fn calendar(exceptions: Vec<CalendarException>) -> WorkingCalendar {
    let def = CalendarDef {
        exceptions,
        ..CalendarDef::standard()
    };
    WorkingCalendar::build(&[def], CalendarId(0)).expect("the standard calendar is valid")
}

/// `CASES` pairs of an instant in `first_year..first_year + 10` and a number of working minutes up
/// to four weeks, from a fixed linear congruential sequence (the bench must not vary run to run).
fn cases(first_year: i16) -> Vec<(Instant, i64)> {
    let start = Instant::from_date(date(first_year, 1, 1)).0;
    let span = Instant::from_date(date(first_year + 10, 1, 1)).0 - start;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as i64
    };
    (0..CASES)
        .map(|_| (Instant(start + next() % span), 1 + next() % (20 * 480)))
        .collect()
}

fn bench_calendar(c: &mut Criterion) {
    let holiday_calendar = calendar(holidays());
    let plain_calendar = calendar(Vec::new());
    let in_holiday_years = cases(2025);
    let far_away = cases(2200);

    let mut group = c.benchmark_group("calendar");
    for (name, calendar, cases) in [
        ("10y holidays", &holiday_calendar, &in_holiday_years),
        ("10y holidays, year 2200", &holiday_calendar, &far_away),
        ("no holidays", &plain_calendar, &in_holiday_years),
    ] {
        let mut index = 0;
        group.bench_function(format!("add_working forward/{name}"), |b| {
            b.iter(|| {
                index = (index + 1) % CASES;
                let (t, minutes) = cases[index];
                calendar.add_working(black_box(t), black_box(minutes))
            })
        });
        group.bench_function(format!("add_working backward/{name}"), |b| {
            b.iter(|| {
                index = (index + 1) % CASES;
                let (t, minutes) = cases[index];
                calendar.add_working(black_box(t), black_box(-minutes))
            })
        });
        group.bench_function(format!("working_minutes_between/{name}"), |b| {
            b.iter(|| {
                index = (index + 1) % CASES;
                let (from, _) = cases[index];
                let (to, _) = cases[(index + 1) % CASES];
                calendar.working_minutes_between(black_box(from), black_box(to))
            })
        });
    }
    let exceptions = holidays();
    group.bench_function("build/10y holidays", |b| {
        b.iter(|| calendar(black_box(exceptions.clone())))
    });
    group.finish();
}

criterion_group!(benches, bench_calendar);
criterion_main!(benches);
