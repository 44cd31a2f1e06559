//! The plan file as TOML says it, before any meaning is given to it: serde structures that keep
//! the position of every value (`Spanned`) and refuse unknown keys.
//!
//! A few values take more than one TOML shape (a date quoted or not, one predecessor or a list,
//! a holiday as a date or as a table); they have small hand-written `Deserialize` impls here.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    pub project: Spanned<RawProject>,
    #[serde(default)]
    pub calendars: KeyedTables<RawCalendar>,
    #[serde(default)]
    pub resources: KeyedTables<RawResource>,
    #[serde(default, rename = "baseline")]
    pub baselines: Vec<Spanned<RawBaseline>>,
    #[serde(default, rename = "time")]
    pub time_entries: Vec<Spanned<RawTimeEntry>>,
    #[serde(default, rename = "expense")]
    pub expenses: Vec<Spanned<RawExpense>>,
    #[serde(default, rename = "task")]
    pub tasks: Vec<Spanned<RawTask>>,
    #[serde(default, rename = "risk")]
    pub risks: Vec<Spanned<RawRisk>>,
    #[serde(default, rename = "correlation")]
    pub correlations: Vec<Spanned<RawCorrelation>>,
}

/// A three-point estimate: `{ min = "4d", likely = "5d", max = "9d", distribution = "pert" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThreePoint {
    pub min: Spanned<String>,
    pub likely: Spanned<String>,
    pub max: Spanned<String>,
    pub distribution: Option<Spanned<String>>,
}

/// `[[risk]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRisk {
    pub id: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub probability: Spanned<Number>,
    pub tasks: Option<Spanned<StringList>>,
    pub delay: Option<Spanned<DelayValue>>,
    pub cost: Option<Spanned<Number>>,
}

/// `[[correlation]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCorrelation {
    pub name: Option<Spanned<String>>,
    pub tasks: Spanned<StringList>,
    pub coefficient: Spanned<Number>,
}

/// A risk's delay: a duration (`"3d"`) or a three-point table.
#[derive(Debug)]
pub(super) enum DelayValue {
    Fixed(String),
    ThreePoint(RawThreePoint),
}

impl<'de> Deserialize<'de> for DelayValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DelayValue, D::Error> {
        struct DelayVisitor;
        impl<'de> Visitor<'de> for DelayVisitor {
            type Value = DelayValue;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(
                    "a duration like \"3d\" or a table like { min = \"1d\", likely = \"3d\", max = \"10d\" }",
                )
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<DelayValue, E> {
                Ok(DelayValue::Fixed(value.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DelayValue, A::Error> {
                RawThreePoint::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(DelayValue::ThreePoint)
            }
        }
        deserializer.deserialize_any(DelayVisitor)
    }
}

/// `[resources.<id>]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResource {
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub units: Option<Spanned<UnitsValue>>,
    pub calendar: Option<Spanned<String>>,
    pub rate: Option<Spanned<Number>>,
    pub overtime_rate: Option<Spanned<Number>>,
    pub cost_per_use: Option<Spanned<Number>>,
    pub group: Option<Spanned<String>>,
    pub initials: Option<Spanned<String>>,
    pub email: Option<Spanned<String>>,
    #[serde(default)]
    pub availability: Vec<Spanned<RawAvailability>>,
}

/// One entry of a resource's `availability`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAvailability {
    pub from: Option<Spanned<DateValue>>,
    pub to: Option<Spanned<DateValue>>,
    pub units: Spanned<UnitsValue>,
}

/// Units as a number (`2`, `0.5`) or a percentage (`"50%"`).
#[derive(Debug)]
pub(super) enum UnitsValue {
    Number(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for UnitsValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UnitsValue, D::Error> {
        struct UnitsVisitor;
        impl Visitor<'_> for UnitsVisitor {
            type Value = UnitsValue;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("units as a percentage like \"50%\" or a number like 2")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<UnitsValue, E> {
                Ok(UnitsValue::Number(value as f64))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<UnitsValue, E> {
                Ok(UnitsValue::Number(value as f64))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<UnitsValue, E> {
                Ok(UnitsValue::Number(value))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<UnitsValue, E> {
                Ok(UnitsValue::Text(value.to_string()))
            }
        }
        deserializer.deserialize_any(UnitsVisitor)
    }
}

/// `[project]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    pub name: Spanned<String>,
    pub start: Spanned<DateValue>,
    pub status_date: Option<Spanned<DateValue>>,
    pub calendar: Option<Spanned<String>>,
    pub time_zone: Option<Spanned<String>>,
    pub hours_per_day: Option<Spanned<Number>>,
    pub hours_per_week: Option<Spanned<Number>>,
    pub days_per_month: Option<Spanned<Number>>,
}

/// `[calendars.<id>]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCalendar {
    pub name: Option<Spanned<String>>,
    pub base: Option<Spanned<String>>,
    pub workdays: Option<Vec<Spanned<String>>>,
    pub hours: Option<Vec<Spanned<String>>>,
    pub monday: Option<Vec<Spanned<String>>>,
    pub tuesday: Option<Vec<Spanned<String>>>,
    pub wednesday: Option<Vec<Spanned<String>>>,
    pub thursday: Option<Vec<Spanned<String>>>,
    pub friday: Option<Vec<Spanned<String>>>,
    pub saturday: Option<Vec<Spanned<String>>>,
    pub sunday: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub holidays: Vec<Spanned<DayEntry>>,
    #[serde(default)]
    pub exceptions: Vec<Spanned<DayEntry>>,
}

impl RawCalendar {
    /// The per-day keys, Monday first.
    pub fn days(&self) -> [&Option<Vec<Spanned<String>>>; 7] {
        [
            &self.monday,
            &self.tuesday,
            &self.wednesday,
            &self.thursday,
            &self.friday,
            &self.saturday,
            &self.sunday,
        ]
    }
}

/// `[[task]]` and, nested, `[[task.task]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTask {
    pub id: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub duration: Option<Spanned<String>>,
    pub milestone: Option<Spanned<bool>>,
    pub parent: Option<Spanned<String>>,
    pub after: Option<Spanned<StringList>>,
    pub resources: Option<Spanned<StringList>>,
    pub work: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub task_type: Option<Spanned<String>>,
    pub effort_driven: Option<Spanned<bool>>,
    pub level_split: Option<Spanned<bool>>,
    pub splits: Option<Spanned<Vec<Spanned<RawSplit>>>>,
    pub constraint: Option<Spanned<String>>,
    pub deadline: Option<Spanned<DateValue>>,
    pub calendar: Option<Spanned<String>>,
    pub priority: Option<Spanned<Number>>,
    pub actual_start: Option<Spanned<DateValue>>,
    pub actual_finish: Option<Spanned<DateValue>>,
    pub percent_complete: Option<Spanned<Number>>,
    pub remaining: Option<Spanned<String>>,
    pub resume: Option<Spanned<DateValue>>,
    pub fixed_cost: Option<Spanned<Number>>,
    pub fixed_cost_accrual: Option<Spanned<String>>,
    pub costs: Option<Spanned<KeyedTables<Number>>>,
    pub estimate: Option<Spanned<RawThreePoint>>,
    #[serde(default, rename = "task")]
    pub subtasks: Vec<Spanned<RawTask>>,
}

/// One of a task's `splits`: `{ after = "2d", gap = "3d" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSplit {
    pub after: Spanned<String>,
    pub gap: Spanned<String>,
}

/// `[[baseline]]`: a saved baseline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBaseline {
    pub number: Option<Spanned<Number>>,
    pub saved: Option<Spanned<DateValue>>,
    #[serde(default)]
    pub tasks: Vec<Spanned<RawBaselineTask>>,
}

/// One task of a `[[baseline]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBaselineTask {
    pub id: Spanned<String>,
    pub start: Spanned<DateValue>,
    pub finish: Spanned<DateValue>,
    pub duration: Option<Spanned<String>>,
    pub work: Option<Spanned<String>>,
    pub cost: Option<Spanned<Number>>,
}

/// `[[time]]`: hours a resource logged on a task on a day.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTimeEntry {
    pub resource: Spanned<String>,
    pub task: Spanned<String>,
    pub date: Spanned<DateValue>,
    pub hours: Spanned<Number>,
    pub overtime: Option<Spanned<Number>>,
}

/// `[[expense]]`: money spent on a task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExpense {
    pub task: Spanned<String>,
    pub date: Spanned<DateValue>,
    pub amount: Spanned<Number>,
    pub description: Option<Spanned<String>>,
}

/// A date or date-time, written as a TOML local date ("2026-01-05" unquoted), a TOML local
/// date-time, or a string.
#[derive(Clone, Debug)]
pub(super) enum DateValue {
    Text(String),
    Toml(toml::value::Datetime),
}

struct DateValueVisitor;

impl<'de> Visitor<'de> for DateValueVisitor {
    type Value = DateValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a date like 2026-01-05 or a date and time like 2026-01-05T08:00")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<DateValue, E> {
        Ok(DateValue::Text(value.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DateValue, A::Error> {
        // The toml crate hands over its date-times as a one-entry map that only the `Datetime`
        // type knows how to read.
        toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(DateValue::Toml)
    }
}

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DateValue, D::Error> {
        deserializer.deserialize_any(DateValueVisitor)
    }
}

/// A number written as a TOML integer or float.
#[derive(Clone, Copy, Debug)]
pub(super) struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Number, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a number")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Number, E> {
                Ok(Number(value))
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// One string or a list of strings (`after = "design"` or `after = ["design", "review SS"]`).
#[derive(Debug)]
pub(super) enum StringList {
    One(String),
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StringList, D::Error> {
        struct StringListVisitor;
        impl<'de> Visitor<'de> for StringListVisitor {
            type Value = StringList;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list of task ids, e.g. [\"design\", \"review SS+2d\"]")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<StringList, E> {
                Ok(StringList::One(value.to_string()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<StringList, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = sequence.next_element()? {
                    items.push(item);
                }
                Ok(StringList::Many(items))
            }
        }
        deserializer.deserialize_any(StringListVisitor)
    }
}

/// One entry of `holidays` or `exceptions`: a date alone, or a table.
#[derive(Debug)]
pub(super) enum DayEntry {
    Date(DateValue),
    Table(DayTable),
}

/// `{ date = …, name = … }` or `{ from = …, to = …, hours = […], name = … }`.
#[derive(Debug, Default)]
pub(super) struct DayTable {
    pub date: Option<Spanned<DateValue>>,
    pub from: Option<Spanned<DateValue>>,
    pub to: Option<Spanned<DateValue>>,
    pub name: Option<Spanned<String>>,
    pub hours: Option<Vec<Spanned<String>>>,
    /// Keys the table should not have, each with the span of its value (the toml crate gives no
    /// span for keys of a table read this way), reported by the builder.
    pub unknown_keys: Vec<(String, std::ops::Range<usize>)>,
}

/// The keys a [`DayTable`] may have, for messages about the others.
pub(super) const DAY_TABLE_KEYS: [&str; 5] = ["date", "from", "to", "name", "hours"];

/// The toml crate's private key for a date-time handed over as a map; a user cannot write it in a
/// plan file (bare keys have no `$`), so a first key that starts like this is a date.
const TOML_DATETIME_KEY_PREFIX: &str = "$__toml_private";

impl<'de> Deserialize<'de> for DayEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DayEntry, D::Error> {
        struct DayEntryVisitor;
        impl<'de> Visitor<'de> for DayEntryVisitor {
            type Value = DayEntry;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a date like 2026-12-25 or a table like { date = 2026-12-24, name = \"Christmas Eve\" }")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<DayEntry, E> {
                Ok(DayEntry::Date(DateValue::Text(value.to_string())))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DayEntry, A::Error> {
                let mut table = DayTable::default();
                let mut first = true;
                while let Some(key) = map.next_key::<String>()? {
                    if first && key.starts_with(TOML_DATETIME_KEY_PREFIX) {
                        let text: String = map.next_value()?;
                        let datetime = text
                            .parse::<toml::value::Datetime>()
                            .map_err(de::Error::custom)?;
                        return Ok(DayEntry::Date(DateValue::Toml(datetime)));
                    }
                    first = false;
                    match key.as_str() {
                        "date" => table.date = Some(map.next_value()?),
                        "from" => table.from = Some(map.next_value()?),
                        "to" => table.to = Some(map.next_value()?),
                        "name" => table.name = Some(map.next_value()?),
                        "hours" => table.hours = Some(map.next_value()?),
                        _ => {
                            let value = map.next_value::<Spanned<de::IgnoredAny>>()?;
                            table.unknown_keys.push((key, value.span()));
                        }
                    }
                }
                Ok(DayEntry::Table(table))
            }
        }
        deserializer.deserialize_any(DayEntryVisitor)
    }
}

/// A table of tables keyed by id (`[calendars.standard]`, `[calendars.night]`), in file order.
#[derive(Debug)]
pub(super) struct KeyedTables<T>(pub Vec<(Spanned<String>, Spanned<T>)>);

impl<T> Default for KeyedTables<T> {
    fn default() -> Self {
        KeyedTables(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for KeyedTables<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyedTables<T>, D::Error> {
        struct KeyedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for KeyedVisitor<T> {
            type Value = KeyedTables<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("tables keyed by id, e.g. [calendars.standard]")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyedTables<T>, A::Error> {
                let mut entries: Vec<(Spanned<String>, Spanned<T>)> = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                // The toml crate visits keys sorted by name; the file order is the order of the keys.
                entries.sort_by_key(|(key, _)| key.span().start);
                Ok(KeyedTables(entries))
            }
        }
        deserializer.deserialize_map(KeyedVisitor(std::marker::PhantomData))
    }
}
