//! Durations, lags and dates as text: what they mean and how they are written back.

use gantry_core::model::{Duration, DurationSettings, Lag};
use gantry_formats::{
    format_duration, format_lag, parse_datetime, parse_duration, parse_finish_datetime, parse_lag,
};
use jiff::civil::date;

const DEFAULTS: DurationSettings = DurationSettings {
    minutes_per_day: 480,
    minutes_per_week: 2400,
    days_per_month: 20,
};

#[test]
fn working_units() {
    let cases = [
        ("5d", 5 * 480),
        ("2.5d", 1200),
        ("1 day", 480),
        ("3 days", 1440),
        ("4h", 240),
        ("1.5hr", 90),
        ("2 hours", 120),
        ("30m", 30),
        ("45min", 45),
        ("10 minutes", 10),
        ("1w", 2400),
        ("2wk", 4800),
        ("1 week", 2400),
        ("1mo", 20 * 480),
        ("0.5 months", 10 * 480),
        ("0d", 0),
        ("5D", 5 * 480),
        (" 5d ", 5 * 480),
    ];
    for (text, minutes) in cases {
        assert_eq!(
            parse_duration(text, &DEFAULTS),
            Ok(Duration::working(minutes)),
            "{text}"
        );
    }
}

#[test]
fn elapsed_units_run_on_the_clock() {
    let cases = [
        ("3ed", 3 * 1440),
        ("12eh", 720),
        ("2ew", 2 * 7 * 1440),
        ("1emo", 30 * 1440),
        ("90em", 90),
        ("1.5 edays", 2160),
        ("15ed", 15 * 1440),
    ];
    for (text, minutes) in cases {
        assert_eq!(
            parse_duration(text, &DEFAULTS),
            Ok(Duration::elapsed(minutes)),
            "{text}"
        );
    }
}

#[test]
fn units_follow_the_duration_settings() {
    let short_days = DurationSettings {
        minutes_per_day: 450,
        minutes_per_week: 2250,
        days_per_month: 21,
    };
    assert_eq!(
        parse_duration("1d", &short_days),
        Ok(Duration::working(450))
    );
    assert_eq!(
        parse_duration("2w", &short_days),
        Ok(Duration::working(4500))
    );
    assert_eq!(
        parse_duration("1mo", &short_days),
        Ok(Duration::working(21 * 450))
    );
    // Elapsed units do not depend on the working day.
    assert_eq!(
        parse_duration("1ed", &short_days),
        Ok(Duration::elapsed(1440))
    );
    assert_eq!(format_duration(Duration::working(900), &short_days), "2d");
}

#[test]
fn fractions_round_to_the_nearest_minute() {
    assert_eq!(parse_duration("0.1d", &DEFAULTS), Ok(Duration::working(48)));
    assert_eq!(
        parse_duration("0.333h", &DEFAULTS),
        Ok(Duration::working(20))
    );
}

#[test]
fn wrong_durations_say_why() {
    let cases = [
        (
            "5 dayz",
            "unknown unit \"dayz\" in duration \"5 dayz\": use m (minutes), h (hours), d (days), w (weeks) or mo (months), with an e in front for elapsed time (\"3ed\")",
        ),
        (
            "5",
            "duration \"5\" has no unit: write e.g. \"5d\" for days; use m (minutes), h (hours), d (days), w (weeks) or mo (months), with an e in front for elapsed time (\"3ed\")",
        ),
        (
            "",
            "the duration is empty: write a number and a unit, e.g. \"5d\"",
        ),
        (
            "d",
            "bad duration \"d\": expected a number followed by a unit, e.g. \"5d\" or \"2.5h\"",
        ),
        (
            "1.2.3d",
            "bad duration \"1.2.3d\": \"1.2.3\" is not a number",
        ),
        (
            "-1d",
            "duration \"-1d\" is negative: a duration is 0 or more (a lead goes on a link, e.g. \"design FS-2d\")",
        ),
        ("99999999999w", "duration \"99999999999w\" is far too long"),
    ];
    for (text, message) in cases {
        assert_eq!(
            parse_duration(text, &DEFAULTS),
            Err(message.to_string()),
            "{text}"
        );
    }
}

#[test]
fn durations_are_written_in_the_largest_exact_unit() {
    let cases = [
        (Duration::working(0), "0d"),
        (Duration::working(2400), "5d"),
        (Duration::working(1200), "2.5d"),
        (Duration::working(600), "1.25d"),
        (Duration::working(240), "4h"),
        (Duration::working(90), "1.5h"),
        (Duration::working(45), "45m"),
        (Duration::working(500), "500m"),
        (Duration::working(-480), "-1d"),
        (Duration::elapsed(3 * 1440), "3ed"),
        (Duration::elapsed(720), "12eh"),
        (Duration::elapsed(2160), "1.5ed"),
        (Duration::elapsed(0), "0ed"),
        (Duration::elapsed(7), "7em"),
    ];
    for (duration, text) in cases {
        assert_eq!(format_duration(duration, &DEFAULTS), text, "{duration:?}");
    }
}

#[test]
fn every_duration_reads_back_as_written() {
    for settings in [
        DEFAULTS,
        DurationSettings {
            minutes_per_day: 450,
            minutes_per_week: 2250,
            days_per_month: 20,
        },
    ] {
        for minutes in 0..=5000 {
            for duration in [Duration::working(minutes), Duration::elapsed(minutes)] {
                let text = format_duration(duration, &settings);
                assert_eq!(parse_duration(&text, &settings), Ok(duration), "{text}");
            }
        }
    }
}

#[test]
fn lags() {
    let cases = [
        ("+2d", Lag::Working(960)),
        ("-1d", Lag::Working(-480)),
        ("+ 4h", Lag::Working(240)),
        ("+3ed", Lag::Elapsed(3 * 1440)),
        ("-12eh", Lag::Elapsed(-720)),
        ("+50%", Lag::Percent(50.0)),
        ("-25%", Lag::Percent(-25.0)),
        ("+12.5%", Lag::Percent(12.5)),
        ("+0d", Lag::Working(0)),
    ];
    for (text, lag) in cases {
        assert_eq!(parse_lag(text, &DEFAULTS), Ok(lag), "{text}");
    }
    assert_eq!(
        parse_lag("2d", &DEFAULTS),
        Err("lag \"2d\" needs a sign: \"+2d\" for a delay or \"-2d\" for a lead".to_string())
    );
    assert!(parse_lag("+2q", &DEFAULTS).is_err());
    assert!(parse_lag("+%", &DEFAULTS).is_err());
}

#[test]
fn lags_read_back_as_written() {
    let lags = [
        Lag::None,
        Lag::Working(960),
        Lag::Working(-480),
        Lag::Working(0),
        Lag::Working(-90),
        Lag::Elapsed(4320),
        Lag::Elapsed(-720),
        Lag::Percent(50.0),
        Lag::Percent(-12.5),
        Lag::Percent(33.333),
    ];
    assert_eq!(format_lag(Lag::None, &DEFAULTS), "");
    assert_eq!(format_lag(Lag::Working(960), &DEFAULTS), "+2d");
    assert_eq!(format_lag(Lag::Elapsed(-720), &DEFAULTS), "-12eh");
    assert_eq!(format_lag(Lag::Percent(50.0), &DEFAULTS), "+50%");
    for lag in &lags[1..] {
        let text = format_lag(*lag, &DEFAULTS);
        assert_eq!(parse_lag(&text, &DEFAULTS), Ok(*lag), "{text}");
    }
}

#[test]
fn datetimes_for_command_line_flags() {
    let monday = date(2026, 1, 5);
    assert_eq!(parse_datetime("2026-01-05"), Ok(monday.at(0, 0, 0, 0)));
    assert_eq!(
        parse_datetime("2026-01-05T08:00"),
        Ok(monday.at(8, 0, 0, 0))
    );
    assert_eq!(
        parse_datetime("2026-01-05 08:30"),
        Ok(monday.at(8, 30, 0, 0))
    );
    assert_eq!(
        parse_datetime("2026-01-05T08:30:15"),
        Ok(monday.at(8, 30, 15, 0))
    );
    assert_eq!(
        parse_finish_datetime("2026-01-05"),
        Ok(date(2026, 1, 6).at(0, 0, 0, 0))
    );
    assert_eq!(
        parse_finish_datetime("2026-12-31"),
        Ok(date(2027, 1, 1).at(0, 0, 0, 0))
    );
    assert_eq!(
        parse_finish_datetime("2026-01-05T17:00"),
        Ok(monday.at(17, 0, 0, 0))
    );
    assert_eq!(
        parse_datetime("2026-02-30"),
        Err("date 2026-02-30 does not exist: February 2026 has 28 days".to_string())
    );
    assert_eq!(
        parse_datetime("2028-02-29"),
        Ok(date(2028, 2, 29).at(0, 0, 0, 0))
    );
    assert!(parse_datetime("2026-01-05T24:00").is_err());
    assert!(parse_datetime("tomorrow").is_err());
}
