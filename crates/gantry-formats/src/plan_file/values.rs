//! The small text forms inside a plan file: durations ("2.5d", "3ed"), lags ("+2d", "-50%"),
//! dates and times ("2026-01-05", "2026-01-05T08:00"), shifts ("08:00-12:00") and week days.
//!
//! Every parser returns a message in words when the text is wrong; the plan file reader adds the
//! file, line and column. The formatters write what the parsers read back exactly.

use gantry_core::model::{Duration, DurationSettings, Lag, Shift};
use jiff::civil::{Date, DateTime, Time};

/// Minutes in one elapsed day, week and month (MS Project counts an elapsed month as 30 days).
const ELAPSED_DAY: i64 = 24 * 60;
const ELAPSED_WEEK: i64 = 7 * ELAPSED_DAY;
const ELAPSED_MONTH: i64 = 30 * ELAPSED_DAY;

/// No duration or lag may exceed this many minutes (about 19 000 years of clock time); it keeps
/// every later sum far from `i64` overflow.
const MAX_MINUTES: f64 = 1e10;

/// The units of a duration, without the elapsed prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

const UNIT_HELP: &str = "use m (minutes), h (hours), d (days), w (weeks) or mo (months), \
                         with an e in front for elapsed time (\"3ed\")";

fn unit_named(word: &str) -> Option<Unit> {
    match word {
        "m" | "min" | "mins" | "minute" | "minutes" => Some(Unit::Minute),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(Unit::Hour),
        "d" | "day" | "days" => Some(Unit::Day),
        "w" | "wk" | "wks" | "week" | "weeks" => Some(Unit::Week),
        "mo" | "mon" | "mons" | "month" | "months" => Some(Unit::Month),
        _ => None,
    }
}

/// The unit and whether it counts elapsed (clock) time: "d" is working days, "ed" elapsed days.
fn parse_unit(word: &str) -> Option<(Unit, bool)> {
    let word = word.to_ascii_lowercase();
    if let Some(unit) = unit_named(&word) {
        return Some((unit, false));
    }
    word.strip_prefix('e')
        .and_then(unit_named)
        .map(|unit| (unit, true))
}

/// Minutes in one `unit`: working minutes per the plan's settings, or clock minutes.
fn unit_minutes(unit: Unit, elapsed: bool, settings: &DurationSettings) -> i64 {
    match (unit, elapsed) {
        (Unit::Minute, _) => 1,
        (Unit::Hour, _) => 60,
        (Unit::Day, false) => settings.minutes_per_day,
        (Unit::Week, false) => settings.minutes_per_week,
        (Unit::Month, false) => settings
            .days_per_month
            .saturating_mul(settings.minutes_per_day),
        (Unit::Day, true) => ELAPSED_DAY,
        (Unit::Week, true) => ELAPSED_WEEK,
        (Unit::Month, true) => ELAPSED_MONTH,
    }
}

/// Splits "2.5 days" into the number 2.5 and the unit word "days".
fn split_amount(text: &str) -> Result<(f64, &str), String> {
    let number_length = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(number_length);
    let unit = rest.trim_start();
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("expected a number followed by a unit, e.g. \"5d\" or \"2.5h\"".to_string());
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("\"{number}\" is not a number"))?;
    Ok((value, unit))
}

/// A number of `unit`s as whole minutes, rounded to the nearest minute.
/// Reads `amount` as a number and a unit, for a duration or a lag (`what`) written as `written`;
/// `other_forms` ends the unit help with what else may be written there.
fn amount_and_unit(
    amount: &str,
    written: &str,
    what: &str,
    other_forms: &str,
) -> Result<(f64, Unit, bool), String> {
    let (value, unit_word) =
        split_amount(amount).map_err(|why| format!("bad {what} \"{written}\": {why}"))?;
    if unit_word.is_empty() {
        return Err(format!(
            "{what} \"{written}\" has no unit: write e.g. \"{written}d\" for days; {UNIT_HELP}{other_forms}"
        ));
    }
    let Some((unit, elapsed)) = parse_unit(unit_word) else {
        return Err(format!(
            "unknown unit \"{unit_word}\" in {what} \"{written}\": {UNIT_HELP}{other_forms}"
        ));
    };
    Ok((value, unit, elapsed))
}

fn amount_minutes(
    value: f64,
    unit: Unit,
    elapsed: bool,
    settings: &DurationSettings,
) -> Result<i64, String> {
    let minutes = (value * unit_minutes(unit, elapsed, settings) as f64).round();
    if !minutes.is_finite() || minutes.abs() > MAX_MINUTES {
        return Err("is far too long".to_string());
    }
    Ok(minutes as i64)
}

/// Parses a duration: a number and a unit, as in "5d", "2.5 days", "4h", "30min", "2w", "1mo";
/// with an `e` before the unit it counts elapsed (clock) time: "3ed", "12eh", "2ew".
///
/// Working units use the plan's [`DurationSettings`]: "1d" is `minutes_per_day` working minutes,
/// "1w" is `minutes_per_week`, "1mo" is `days_per_month` days. Elapsed days have 24 hours, elapsed
/// weeks 7 days and elapsed months 30 days. "0d" is a milestone's duration.
pub fn parse_duration(text: &str, settings: &DurationSettings) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the duration is empty: write a number and a unit, e.g. \"5d\"".to_string());
    }
    if trimmed.starts_with('-') {
        return Err(format!(
            "duration \"{trimmed}\" is negative: a duration is 0 or more (a lead goes on a link, e.g. \"design FS-2d\")"
        ));
    }
    let (value, unit, elapsed) = amount_and_unit(trimmed, trimmed, "duration", "")?;
    let minutes = amount_minutes(value, unit, elapsed, settings)
        .map_err(|why| format!("duration \"{trimmed}\" {why}"))?;
    Ok(Duration { minutes, elapsed })
}

/// Writes `value / size` with at most two decimals; `None` when that would not be exact.
fn exact_decimal(value: i64, size: i64) -> Option<String> {
    if size <= 0 {
        return None;
    }
    let hundredths = i128::from(value) * 100;
    let size = i128::from(size);
    if hundredths % size != 0 {
        return None;
    }
    let hundredths = hundredths / size;
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    Some(match fraction {
        0 => whole.to_string(),
        fraction if fraction % 10 == 0 => format!("{whole}.{}", fraction / 10),
        fraction => format!("{whole}.{fraction:02}"),
    })
}

/// Writes a duration in the largest unit that says it exactly with at most two decimals: days when
/// it is at least a day, then hours, then minutes ("5d", "2.5d", "4h", "90m", "3ed", "0d").
pub fn format_duration(duration: Duration, settings: &DurationSettings) -> String {
    let (prefix, magnitude) = if duration.minutes < 0 {
        ("-", duration.minutes.checked_abs().unwrap_or(i64::MAX))
    } else {
        ("", duration.minutes)
    };
    let elapsed = if duration.elapsed { "e" } else { "" };
    if magnitude == 0 {
        return format!("0{elapsed}d");
    }
    let day = if duration.elapsed {
        ELAPSED_DAY
    } else {
        settings.minutes_per_day
    };
    for (size, unit) in [(day, "d"), (60, "h"), (1, "m")] {
        if size > 0
            && (magnitude >= size || size == 1)
            && let Some(number) = exact_decimal(magnitude, size)
        {
            return format!("{prefix}{number}{elapsed}{unit}");
        }
    }
    // Unreachable: minutes always divide exactly by one.
    format!("{prefix}{magnitude}{elapsed}m")
}

/// Parses a lag as written after a link type: a sign, then a duration ("+2d", "-1d", "+3ed") or a
/// percentage of the predecessor's duration ("+50%"). Working time becomes [`Lag::Working`], clock
/// time [`Lag::Elapsed`] and percentages [`Lag::Percent`].
pub fn parse_lag(text: &str, settings: &DurationSettings) -> Result<Lag, String> {
    let trimmed = text.trim();
    let (sign, amount) = match trimmed.as_bytes().first() {
        Some(b'+') => (1.0, trimmed[1..].trim_start()),
        Some(b'-') => (-1.0, trimmed[1..].trim_start()),
        _ => {
            return Err(format!(
                "lag \"{trimmed}\" needs a sign: \"+{trimmed}\" for a delay or \"-{trimmed}\" for a lead"
            ));
        }
    };
    if let Some(percent) = amount.strip_suffix('%') {
        let (value, rest) = split_amount(percent.trim_end()).map_err(|_| {
            format!("bad lag \"{trimmed}\": a percentage lag is a number and %, e.g. \"+50%\"")
        })?;
        if !rest.is_empty() {
            return Err(format!(
                "bad lag \"{trimmed}\": a percentage lag is a number and %, e.g. \"+50%\""
            ));
        }
        return Ok(Lag::Percent(sign * value));
    }
    let (value, unit, elapsed) =
        amount_and_unit(amount, trimmed, "lag", ", or % of the predecessor")?;
    let minutes = amount_minutes(sign * value, unit, elapsed, settings)
        .map_err(|why| format!("lag \"{trimmed}\" {why}"))?;
    Ok(if elapsed {
        Lag::Elapsed(minutes)
    } else {
        Lag::Working(minutes)
    })
}

/// Writes a lag as [`parse_lag`] reads it ("+2d", "-4h", "+3ed", "+50%"); empty for [`Lag::None`].
pub fn format_lag(lag: Lag, settings: &DurationSettings) -> String {
    let signed = |text: String| {
        if text.starts_with('-') {
            text
        } else {
            format!("+{text}")
        }
    };
    match lag {
        Lag::None => String::new(),
        Lag::Working(minutes) => signed(format_duration(Duration::working(minutes), settings)),
        Lag::Elapsed(minutes) => signed(format_duration(Duration::elapsed(minutes), settings)),
        Lag::Percent(percent) => signed(format!("{}%", format_number(percent))),
    }
}

/// Writes a number the way TOML and people read it: "40", "12.5".
pub(crate) fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Parses "2026-01-05" and checks that the day exists.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let expected = || format!("\"{text}\" is not a date: write YYYY-MM-DD, e.g. \"2026-01-05\"");
    let mut parts = text.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(expected());
    };
    let all_digits = |part: &str, lengths: &[usize]| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !all_digits(year, &[4]) || !all_digits(month, &[1, 2]) || !all_digits(day, &[1, 2]) {
        return Err(expected());
    }
    let (year, month, day): (i16, i8, i8) = (
        year.parse().map_err(|_| expected())?,
        month.parse().map_err(|_| expected())?,
        day.parse().map_err(|_| expected())?,
    );
    if !(1..=12).contains(&month) {
        return Err(format!(
            "date {text} does not exist: there is no month {month}"
        ));
    }
    let first = Date::new(year, month, 1).map_err(|_| expected())?;
    let days = first.days_in_month();
    if day < 1 || day > days {
        return Err(format!(
            "date {text} does not exist: {} {year} has {days} days",
            MONTH_NAMES[(month - 1) as usize]
        ));
    }
    Date::new(year, month, day).map_err(|_| expected())
}

/// Parses "08:00" or "08:00:30".
fn parse_time(text: &str) -> Result<Time, String> {
    let expected = || format!("\"{text}\" is not a time of day: write HH:MM, e.g. \"08:00\"");
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|part| !(1..=2).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(expected());
    }
    let number = |part: &str| part.parse::<i8>().map_err(|_| expected());
    let hour = number(parts[0])?;
    let minute = number(parts[1])?;
    let second = if parts.len() == 3 {
        number(parts[2])?
    } else {
        0
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!(
            "time {text} does not exist: hours go from 00 to 23 and minutes from 00 to 59"
        ));
    }
    Time::new(hour, minute, second, 0).map_err(|_| expected())
}

/// Parses a date with an optional time: "2026-01-05", "2026-01-05T08:00", "2026-01-05 08:00".
pub(crate) fn parse_date_and_time(text: &str) -> Result<(Date, Option<Time>), String> {
    let trimmed = text.trim();
    let (date, time) = match trimmed.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (trimmed, None),
    };
    let date = parse_date(date)?;
    let time = time.map(parse_time).transpose()?;
    Ok((date, time))
}

/// The first minute of `date`.
pub(crate) fn start_of(date: Date) -> DateTime {
    date.to_datetime(Time::midnight())
}

/// The end of `date`: midnight at the start of the next day.
pub(crate) fn end_of(date: Date) -> Result<DateTime, String> {
    date.tomorrow()
        .map(start_of)
        .map_err(|_| format!("date {date} is at the end of the supported range"))
}

/// Parses a date and time for command-line flags: "2026-01-05T08:00", "2026-01-05 08:00" or a date
/// alone ("2026-01-05"), which means the start of that day (00:00).
pub fn parse_datetime(text: &str) -> Result<DateTime, String> {
    let (date, time) = parse_date_and_time(text)?;
    Ok(time.map_or_else(|| start_of(date), |time| date.to_datetime(time)))
}

/// Like [`parse_datetime`], but a date alone means the end of that day (00:00 of the next), as a
/// status date, a deadline or a finish constraint does.
pub fn parse_finish_datetime(text: &str) -> Result<DateTime, String> {
    let (date, time) = parse_date_and_time(text)?;
    match time {
        Some(time) => Ok(date.to_datetime(time)),
        None => end_of(date),
    }
}

/// Parses a shift "08:00-12:00" (see [`Shift::parse`]).
pub(crate) fn parse_shift(text: &str) -> Result<Shift, String> {
    Shift::parse(text)
}

/// Writes a shift as [`parse_shift`] reads it ("08:00-12:00", "22:00-06:00", "00:00-24:00").
pub(crate) fn format_shift(shift: Shift) -> String {
    shift.to_string()
}

/// Short names of the week days, Monday first, as `workdays` lists them.
pub(crate) const WEEKDAY_SHORT: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Full names of the week days, Monday first, as the per-day keys of a calendar.
pub(crate) const WEEKDAY_KEYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The index (Monday = 0) of a week day written "mon" or "monday", in any case.
pub(crate) fn parse_weekday(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    WEEKDAY_SHORT
        .iter()
        .zip(WEEKDAY_KEYS.iter())
        .position(|(short, long)| lower == *short || lower == *long)
        .ok_or_else(|| {
            format!("unknown week day \"{text}\": use mon, tue, wed, thu, fri, sat or sun")
        })
}

/// Writes a date-time as a TOML local date-time with seconds ("2026-01-05T08:00:00").
pub(crate) fn toml_datetime(datetime: DateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        datetime.date(),
        datetime.hour(),
        datetime.minute(),
        datetime.second()
    )
}

/// Writes a date-time for a text field ("2026-01-05T08:00", seconds only when there are some).
pub(crate) fn text_datetime(datetime: DateTime) -> String {
    if datetime.second() == 0 {
        format!(
            "{}T{:02}:{:02}",
            datetime.date(),
            datetime.hour(),
            datetime.minute()
        )
    } else {
        format!(
            "{}T{:02}:{:02}:{:02}",
            datetime.date(),
            datetime.hour(),
            datetime.minute(),
            datetime.second()
        )
    }
}

/// How many single-character edits turn `a` into `b` (Levenshtein distance), to suggest the id a
/// misspelt one probably meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, a_char) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `wanted`, when it is close enough to be a likely typo.
pub(crate) fn closest<'c>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let wanted_lower = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&wanted_lower, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Units of a resource or an assignment: `"50%"` is 0.5, a plain number (`2`, `0.5`) is itself.
pub(crate) fn parse_units(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, percent) = match trimmed.strip_suffix('%') {
        Some(number) => (number.trim(), true),
        None => (trimmed, false),
    };
    let value: f64 = number.parse().map_err(|_| {
        format!("\"{text}\" is not units: write a percentage like \"50%\" or a number like 2")
    })?;
    let value = if percent { value / 100.0 } else { value };
    if !value.is_finite() || !(0.0..=1e6).contains(&value) {
        return Err(format!("units must be from 0 to 1,000,000, got \"{text}\""));
    }
    Ok(value)
}

/// Units as a plan file writes them: a percentage (`"50%"`, `"300%"`).
pub(crate) fn format_units(value: f64) -> String {
    format!("{}%", format_number((value * 100.0 * 1e6).round() / 1e6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("design", "desing"), 2);
        assert_eq!(edit_distance("build", "buld"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("desgn", ["design", "build"]), Some("design"));
        assert_eq!(closest("zzz", ["design", "build"]), None);
    }

    #[test]
    fn shifts_read_and_write_alike() {
        for text in ["08:00-12:00", "22:00-06:00", "00:00-24:00", "13:30-17:45"] {
            let shift = parse_shift(text).expect("valid shift");
            assert_eq!(format_shift(shift), text);
        }
        assert_eq!(parse_shift("22:00-00:00"), Ok(Shift::new(22 * 60, 1440)));
        assert!(parse_shift("8-12").is_err());
        assert!(parse_shift("24:00-06:00").is_err());
        assert!(parse_shift("08:60-09:00").is_err());
    }

    #[test]
    fn dates_that_do_not_exist_are_refused() {
        assert_eq!(
            parse_date("2026-02-30"),
            Err("date 2026-02-30 does not exist: February 2026 has 28 days".to_string())
        );
        assert_eq!(parse_date("2028-02-29").map(|d| d.day()), Ok(29));
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("05.01.2026").is_err());
    }
}
