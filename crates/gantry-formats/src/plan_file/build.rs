//! From the raw TOML structures to a [`Plan`]: every value gets its meaning here, and every
//! problem is collected with its position instead of stopping at the first.

use std::collections::HashMap;
use std::ops::Range;

use gantry_core::model::{
    Assignment, Availability, CalendarDef, CalendarException, CalendarId, Constraint, Duration,
    DurationSettings, Lag, Link, LinkType, Plan, Progress, Resource, ResourceId, ResourceKind,
    Shift, Split, Task, TaskId, TaskType,
};
use jiff::civil::{Date, DateTime, Time};
use toml::Spanned;

use gantry_core::risk::{
    CorrelationGroup, Delay, Distribution, Estimate, RiskEvent, RiskModel, ThreePoint,
};

use super::raw::{
    DAY_TABLE_KEYS, DateValue, DayEntry, DayTable, DelayValue, RawCalendar, RawPlan, RawTask,
    RawThreePoint, StringList, UnitsValue,
};
use super::values::{
    closest, end_of, format_number, parse_date_and_time, parse_duration, parse_lag, parse_shift,
    parse_units, parse_weekday, start_of,
};
use super::{LineIndex, PlanFile, PlanFileError, PlanFileErrors, Position, SourceMap};

mod control;

/// The calendar a plan uses when it names none.
const DEFAULT_CALENDAR: &str = "standard";

/// Calendars a file may name without defining them.
const BUILT_IN_CALENDARS: [&str; 2] = ["standard", "24h"];

fn built_in_calendar(id: &str) -> Option<CalendarDef> {
    match id {
        "standard" => Some(CalendarDef::standard()),
        "24h" => Some(CalendarDef::twenty_four_hours()),
        _ => None,
    }
}

/// Which end of a day a date alone stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// 00:00 of the day: starts, start constraints.
    Start,
    /// 00:00 of the next day: finishes, finish constraints, deadlines, the status date.
    Finish,
}

/// Builds the plan or returns every problem found.
pub(super) fn build(
    file: &str,
    lines: &LineIndex,
    raw: &RawPlan,
) -> Result<PlanFile, PlanFileErrors> {
    let mut builder = Builder {
        file,
        lines,
        errors: Vec::new(),
    };
    let plan_file = builder.plan(raw);
    if builder.errors.is_empty()
        && let Some(plan_file) = plan_file
    {
        return Ok(plan_file);
    }
    let mut errors = builder.errors;
    // Stable, so that two problems at one place keep the order in which they were found.
    errors.sort_by_key(|error| (error.line, error.column));
    Err(PlanFileErrors(errors))
}

struct Builder<'a> {
    file: &'a str,
    lines: &'a LineIndex<'a>,
    errors: Vec<PlanFileError>,
}

/// A task's `resources` list and its `work`, as written.
struct ResourceList<'r> {
    task: TaskId,
    resources: Option<&'r Spanned<StringList>>,
    work: Option<&'r Spanned<String>>,
    /// Whether the task states its `duration` too.
    has_duration: bool,
}

/// What [`Builder::tasks`] builds.
struct TasksAndLinks<'r> {
    tasks: Vec<Task>,
    task_positions: Vec<Position>,
    links: Vec<Link>,
    link_positions: Vec<Position>,
    /// Each task's `resources` list and `work`, by task id.
    resource_lists: Vec<ResourceList<'r>>,
}

/// A task table with where it sits in the file and in the nesting.
struct TaskEntry<'r> {
    raw: &'r RawTask,
    /// The `[[task]]` header.
    header: Range<usize>,
    /// The entry this one is nested in.
    nested_in: Option<usize>,
}

impl<'a> Builder<'a> {
    fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let Position { line, column } = self.lines.start_of(span);
        self.errors.push(PlanFileError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    fn plan(&mut self, raw: &RawPlan) -> Option<PlanFile> {
        let project = raw.project.get_ref();
        let start = self.datetime(&project.start, Edge::Start);
        let status_date = project
            .status_date
            .as_ref()
            .and_then(|value| self.datetime(value, Edge::Finish));
        let durations = self.duration_settings(raw);

        let mut calendars = Calendars::new(raw);
        calendars.define_all(self);
        let project_calendar = match &project.calendar {
            Some(id) => calendars.resolve(self, id.get_ref(), id.span()),
            None => calendars.resolve(self, DEFAULT_CALENDAR, raw.project.span()),
        };

        let (resources, resource_ids) = self.resources(raw, &mut calendars);
        let TasksAndLinks {
            tasks,
            task_positions,
            links,
            link_positions,
            resource_lists,
        } = self.tasks(raw, &durations, &mut calendars);
        let mut tasks = tasks;
        let assignments = self.assignments(
            &resource_lists,
            &mut tasks,
            &resources,
            &resource_ids,
            &durations,
        );

        let risk = self.risk_model(raw, &tasks, &durations);
        let splits = self.splits(raw, &tasks, &durations);
        let plan = Plan {
            name: project.name.get_ref().clone(),
            start: start?,
            status_date,
            baselines: Vec::new(),
            costs: Default::default(),
            tracking: Default::default(),
            time_zone: project
                .time_zone
                .as_ref()
                .map(|zone| zone.get_ref().clone()),
            calendar: project_calendar?,
            calendars: calendars.defined,
            tasks,
            links,
            durations,
            resources,
            assignments,
            splits,
        };
        let mut plan = plan;
        control::build(self, raw, &mut plan);
        let source = SourceMap {
            file: self.file.to_string(),
            tasks: task_positions,
            links: link_positions,
        };
        Some(PlanFile { plan, source, risk })
    }

    // ----- risk -----

    /// Three-point estimates on tasks, `[[risk]]` and `[[correlation]]` tables.
    fn risk_model(
        &mut self,
        raw: &RawPlan,
        tasks: &[Task],
        durations: &DurationSettings,
    ) -> RiskModel {
        let mut model = RiskModel::default();
        let task_of: HashMap<&str, TaskId> = tasks
            .iter()
            .enumerate()
            .map(|(index, task)| (task.key.as_str(), TaskId(index as u32)))
            .collect();
        let keys: Vec<&str> = task_of.keys().copied().collect();
        let mut is_summary = vec![false; tasks.len()];
        for task in tasks {
            if let Some(parent) = task.parent
                && let Some(flag) = is_summary.get_mut(parent.index())
            {
                *flag = true;
            }
        }
        let mut entries: Vec<TaskEntry<'_>> = Vec::new();
        flatten(&raw.tasks, None, &mut entries);
        let mut estimated = vec![false; tasks.len()];
        for entry in &entries {
            let (Some(estimate), Some(&task)) = (
                &entry.raw.estimate,
                task_of.get(entry.raw.id.get_ref().as_str()),
            ) else {
                continue;
            };
            let item = format!("the estimate of \"{}\"", entry.raw.id.get_ref());
            if is_summary[task.index()] {
                self.error(
                    &estimate.span(),
                    format!(
                        "{item}: \"{}\" is a summary task; its duration rolls up from its subtasks, so estimate them instead",
                        entry.raw.id.get_ref()
                    ),
                );
                continue;
            }
            // Marked even when the estimate is wrong: its own error says what is wrong with it.
            estimated[task.index()] = true;
            if let Some(duration) = self.three_point(estimate, &item, durations) {
                model.estimates.push(Estimate { task, duration });
            }
        }
        let mut risk_lines: HashMap<&str, u32> = HashMap::new();
        for risk in &raw.risks {
            let risk_span = risk.span();
            let risk = risk.get_ref();
            let id = risk.id.get_ref();
            let item = format!("risk \"{id}\"");
            if let Some(&line) = risk_lines.get(id.as_str()) {
                self.error(
                    &risk.id.span(),
                    format!("duplicate risk id \"{id}\": already used on line {line}"),
                );
            } else {
                risk_lines.insert(id, self.lines.start_of(&risk.id.span()).line);
            }
            let probability = risk.probability.get_ref().0;
            if !(0.0..=1.0).contains(&probability) {
                self.error(
                    &risk.probability.span(),
                    format!(
                        "{item}: probability must be between 0 and 1, got {probability} (write 0.25 for 25%)"
                    ),
                );
            }
            let delay = match &risk.delay {
                None => Some(Delay::Fixed(0)),
                Some(value) => match value.get_ref() {
                    DelayValue::Fixed(text) => {
                        let text = Spanned::new(value.span(), text.clone());
                        self.duration(&text, durations)
                            .map(|duration| Delay::Fixed(duration.minutes))
                    }
                    DelayValue::ThreePoint(three_point) => {
                        let table = Spanned::new(value.span(), three_point);
                        self.three_point_table(&table, &item, durations)
                            .map(Delay::Uncertain)
                    }
                },
            };
            let cost = risk.cost.as_ref().map_or(0.0, |cost| cost.get_ref().0);
            let mut risk_tasks = Vec::new();
            if let Some(list) = &risk.tasks {
                for key in string_list(list) {
                    match task_of.get(key.get_ref().as_str()) {
                        Some(&task)
                            if is_summary[task.index()] && delay != Some(Delay::Fixed(0)) =>
                        {
                            self.error(
                                &key.span(),
                                format!(
                                    "{item}: \"{}\" is a summary task; a delay acts on the tasks that do the work, so name its subtasks",
                                    key.get_ref()
                                ),
                            );
                        }
                        Some(&task) => risk_tasks.push(task),
                        None => {
                            let message = unknown_task_message("task", key.get_ref(), &keys);
                            self.error(&key.span(), format!("{item}: {message}"));
                        }
                    }
                }
            } else if delay.is_some_and(|delay| delay != Delay::Fixed(0)) {
                self.error(
                    &risk_span,
                    format!("{item} has a delay but no `tasks` to delay"),
                );
            }
            if let Some(delay) = delay {
                model.risks.push(RiskEvent {
                    id: id.clone(),
                    name: risk
                        .name
                        .as_ref()
                        .map_or_else(|| id.clone(), |name| name.get_ref().clone()),
                    probability,
                    tasks: risk_tasks,
                    delay,
                    cost,
                });
            }
        }
        let mut grouped: HashMap<TaskId, u32> = HashMap::new();
        for (index, group) in raw.correlations.iter().enumerate() {
            let group = group.get_ref();
            let name = group.name.as_ref().map_or_else(
                || format!("correlation {}", index + 1),
                |name| name.get_ref().clone(),
            );
            let item = format!("correlation group \"{name}\"");
            let coefficient = group.coefficient.get_ref().0;
            if !(0.0..=1.0).contains(&coefficient) {
                self.error(
                    &group.coefficient.span(),
                    format!("{item}: coefficient must be between 0 and 1, got {coefficient}"),
                );
            }
            let mut members = Vec::new();
            for key in string_list(&group.tasks) {
                let Some(&task) = task_of.get(key.get_ref().as_str()) else {
                    let message = unknown_task_message("task", key.get_ref(), &keys);
                    self.error(&key.span(), format!("{item}: {message}"));
                    continue;
                };
                if !estimated[task.index()] {
                    self.error(
                        &key.span(),
                        format!(
                            "{item}: \"{}\" has no `estimate` to correlate",
                            key.get_ref()
                        ),
                    );
                    continue;
                }
                let line = self.lines.start_of(&key.span()).line;
                if let Some(first) = grouped.insert(task, line) {
                    self.error(
                        &key.span(),
                        format!(
                            "{item}: \"{}\" is already in a correlation group on line {first}; a task belongs to one group at most",
                            key.get_ref()
                        ),
                    );
                    continue;
                }
                members.push(task);
            }
            model.correlations.push(CorrelationGroup {
                name,
                tasks: members,
                coefficient,
            });
        }
        model
    }

    fn three_point(
        &mut self,
        value: &Spanned<RawThreePoint>,
        item: &str,
        durations: &DurationSettings,
    ) -> Option<ThreePoint> {
        self.three_point_table(
            &Spanned::new(value.span(), value.get_ref()),
            item,
            durations,
        )
    }

    /// A three-point table's durations, in order, and its distribution.
    fn three_point_table(
        &mut self,
        value: &Spanned<&RawThreePoint>,
        item: &str,
        durations: &DurationSettings,
    ) -> Option<ThreePoint> {
        let table = *value.get_ref();
        let min = self.duration(&table.min, durations);
        let likely = self.duration(&table.likely, durations);
        let max = self.duration(&table.max, durations);
        let distribution = match &table.distribution {
            None => Some(Distribution::default()),
            Some(name) => {
                let found = Distribution::from_code(name.get_ref());
                if found.is_none() {
                    self.error(
                        &name.span(),
                        format!(
                            "unknown distribution \"{}\": write \"triangular\" or \"pert\"",
                            name.get_ref()
                        ),
                    );
                }
                found
            }
        };
        let (min, likely, max) = (min?, likely?, max?);
        if min.minutes > likely.minutes || likely.minutes > max.minutes {
            let (span, message) = if min.minutes > likely.minutes {
                (
                    table.min.span(),
                    format!(
                        "{item}: min \"{}\" is more than likely \"{}\"; a three-point estimate needs min ≤ likely ≤ max",
                        table.min.get_ref(),
                        table.likely.get_ref()
                    ),
                )
            } else {
                (
                    table.max.span(),
                    format!(
                        "{item}: max \"{}\" is less than likely \"{}\"; a three-point estimate needs min ≤ likely ≤ max",
                        table.max.get_ref(),
                        table.likely.get_ref()
                    ),
                )
            };
            self.error(&span, message);
            return None;
        }
        Some(ThreePoint {
            min: min.minutes,
            likely: likely.minutes,
            max: max.minutes,
            distribution: distribution?,
        })
    }

    // ----- values -----

    /// A date or date-time; a date alone means the start or the end of that day.
    fn datetime(&mut self, value: &Spanned<DateValue>, edge: Edge) -> Option<DateTime> {
        let (date, time) = self.date_and_time(value)?;
        self.at_edge(value.span(), date, time, edge)
    }

    fn at_edge(
        &mut self,
        span: Range<usize>,
        date: Date,
        time: Option<Time>,
        edge: Edge,
    ) -> Option<DateTime> {
        match (time, edge) {
            (Some(time), _) => Some(date.to_datetime(time)),
            (None, Edge::Start) => Some(start_of(date)),
            (None, Edge::Finish) => match end_of(date) {
                Ok(datetime) => Some(datetime),
                Err(message) => {
                    self.error(&span, message);
                    None
                }
            },
        }
    }

    fn date_and_time(&mut self, value: &Spanned<DateValue>) -> Option<(Date, Option<Time>)> {
        let result = match value.get_ref() {
            DateValue::Text(text) => parse_date_and_time(text),
            DateValue::Toml(datetime) => toml_date_and_time(datetime),
        };
        result
            .map_err(|message| self.error(&value.span(), message))
            .ok()
    }

    /// A date without a time (calendar days).
    fn date_only(&mut self, value: &Spanned<DateValue>) -> Option<Date> {
        let (date, time) = self.date_and_time(value)?;
        if time.is_some() {
            self.error(
                &value.span(),
                "expected a date without a time of day, e.g. 2026-12-25",
            );
            return None;
        }
        Some(date)
    }

    fn duration(
        &mut self,
        value: &Spanned<String>,
        settings: &DurationSettings,
    ) -> Option<Duration> {
        parse_duration(value.get_ref(), settings)
            .map_err(|message| self.error(&value.span(), message))
            .ok()
    }

    fn shifts(&mut self, values: &[Spanned<String>]) -> Vec<Shift> {
        values
            .iter()
            .filter_map(|value| {
                parse_shift(value.get_ref())
                    .map_err(|message| self.error(&value.span(), message))
                    .ok()
            })
            .collect()
    }

    fn duration_settings(&mut self, raw: &RawPlan) -> DurationSettings {
        let project = raw.project.get_ref();
        let mut settings = DurationSettings::default();
        let mut hours =
            |value: &Option<Spanned<super::raw::Number>>, key: &str, most: f64, into: &mut i64| {
                if let Some(value) = value {
                    let hours = value.get_ref().0;
                    if hours > 0.0 && hours <= most {
                        *into = ((hours * 60.0).round() as i64).max(1);
                    } else {
                        self.error(
                            &value.span(),
                            format!("{key} must be more than 0 and at most {most}, got {hours}"),
                        );
                    }
                }
            };
        hours(
            &project.hours_per_day,
            "hours_per_day",
            24.0,
            &mut settings.minutes_per_day,
        );
        hours(
            &project.hours_per_week,
            "hours_per_week",
            168.0,
            &mut settings.minutes_per_week,
        );
        if let Some(value) = &project.days_per_month {
            let days = value.get_ref().0;
            if days.fract() == 0.0 && (1.0..=31.0).contains(&days) {
                settings.days_per_month = days as i64;
            } else {
                self.error(
                    &value.span(),
                    format!("days_per_month must be a whole number from 1 to 31, got {days}"),
                );
            }
        }
        settings
    }

    // ----- calendars -----

    fn calendar(&mut self, id: &str, raw: &RawCalendar, base: Option<CalendarId>) -> CalendarDef {
        let mut week: [Option<Vec<Shift>>; 7] = Default::default();
        if raw.workdays.is_some() || raw.hours.is_some() {
            let workdays: Vec<usize> = match &raw.workdays {
                Some(days) => days
                    .iter()
                    .filter_map(|day| {
                        parse_weekday(day.get_ref())
                            .map_err(|message| self.error(&day.span(), message))
                            .ok()
                    })
                    .collect(),
                None => (0..5).collect(),
            };
            let hours = match &raw.hours {
                Some(hours) => self.shifts(hours),
                None => CalendarDef::standard().week[0].clone().unwrap_or_default(),
            };
            for (weekday, day) in week.iter_mut().enumerate() {
                *day = Some(if workdays.contains(&weekday) {
                    hours.clone()
                } else {
                    Vec::new()
                });
            }
        }
        for (weekday, shifts) in raw.days().into_iter().enumerate() {
            if let Some(shifts) = shifts {
                week[weekday] = Some(self.shifts(shifts));
            }
        }

        let mut exceptions = Vec::new();
        for holiday in &raw.holidays {
            if let Some(exception) = self.day_entry(holiday, false) {
                exceptions.push(exception);
            }
        }
        for exception in &raw.exceptions {
            if let Some(exception) = self.day_entry(exception, true) {
                exceptions.push(exception);
            }
        }
        exceptions.sort_by_key(|exception| exception.from);

        CalendarDef {
            name: raw
                .name
                .as_ref()
                .map_or_else(|| id.to_string(), |name| name.get_ref().clone()),
            base,
            week,
            exceptions,
        }
    }

    /// One entry of `holidays` (`with_hours` false) or `exceptions` (`with_hours` true).
    fn day_entry(
        &mut self,
        entry: &Spanned<DayEntry>,
        with_hours: bool,
    ) -> Option<CalendarException> {
        let table = match entry.get_ref() {
            DayEntry::Date(date) => {
                if with_hours {
                    self.error(
                        &entry.span(),
                        "an exception needs a table with its working hours, e.g. { date = 2026-03-07, hours = [\"08:00-12:00\"] }; \
                         list days off under `holidays`",
                    );
                    return None;
                }
                let date = self.date_only(&Spanned::new(entry.span(), date.clone()))?;
                return Some(CalendarException {
                    name: String::new(),
                    from: date,
                    to: date,
                    shifts: Vec::new(),
                });
            }
            DayEntry::Table(table) => table,
        };
        self.day_table(entry.span(), table, with_hours)
    }

    fn day_table(
        &mut self,
        span: Range<usize>,
        table: &DayTable,
        with_hours: bool,
    ) -> Option<CalendarException> {
        let mut valid = true;
        for (key, value_span) in &table.unknown_keys {
            let expected = if with_hours {
                &DAY_TABLE_KEYS[..]
            } else {
                &DAY_TABLE_KEYS[..4]
            };
            let expected = expected
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let at = self.lines.key_before(value_span.start, key);
            self.error(
                &(at..at),
                format!("unknown field `{key}`, expected one of {expected}"),
            );
            valid = false;
        }
        let shifts = match (&table.hours, with_hours) {
            (Some(hours), true) => self.shifts(hours),
            (None, true) => {
                self.error(
                    &span,
                    "an exception needs `hours` (use `hours = []` or `holidays` for days off)",
                );
                valid = false;
                Vec::new()
            }
            (Some(hours), false) => {
                let at = hours.first().map_or_else(|| span.clone(), Spanned::span);
                self.error(&at, "a holiday has no working hours; list days with changed hours under `exceptions`");
                valid = false;
                Vec::new()
            }
            (None, false) => Vec::new(),
        };
        let (from, to) = match (&table.date, &table.from, &table.to) {
            (Some(date), None, None) => {
                let date = self.date_only(date);
                (date, date)
            }
            (None, Some(from), Some(to)) => {
                let (first, last) = (self.date_only(from), self.date_only(to));
                if let (Some(first), Some(last)) = (first, last)
                    && last < first
                {
                    self.error(
                        &to.span(),
                        format!("`to` ({last}) is before `from` ({first})"),
                    );
                    valid = false;
                }
                (first, last)
            }
            (Some(date), _, _) => {
                self.error(
                    &date.span(),
                    "give either `date` or `from` and `to`, not both",
                );
                (None, None)
            }
            (None, Some(from), None) => {
                self.error(
                    &from.span(),
                    "`from` needs a `to` (the last day, inclusive)",
                );
                (None, None)
            }
            (None, None, Some(to)) => {
                self.error(&to.span(), "`to` needs a `from` (the first day)");
                (None, None)
            }
            (None, None, None) => {
                self.error(
                    &span,
                    "give the day with `date`, or a range of days with `from` and `to`",
                );
                (None, None)
            }
        };
        let name = table
            .name
            .as_ref()
            .map(|name| name.get_ref().clone())
            .unwrap_or_default();
        match (from, to, valid) {
            (Some(from), Some(to), true) => Some(CalendarException {
                name,
                from,
                to,
                shifts,
            }),
            _ => None,
        }
    }

    // ----- tasks and links -----

    /// The tasks in WBS order and the links between them, with their positions.
    fn tasks<'r>(
        &mut self,
        raw: &'r RawPlan,
        durations: &DurationSettings,
        calendars: &mut Calendars,
    ) -> TasksAndLinks<'r> {
        let mut entries: Vec<TaskEntry<'r>> = Vec::new();
        flatten(&raw.tasks, None, &mut entries);

        // Ids: valid and unique.
        let mut index_of: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            let id = &entry.raw.id;
            if id.get_ref().is_empty()
                || !id
                    .get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                self.error(
                    &id.span(),
                    format!(
                        "task id \"{}\" may only contain letters, digits, '_', '.' and '-' (it names the task in `after` and `parent`)",
                        id.get_ref()
                    ),
                );
            }
            if let Some(&first) = index_of.get(id.get_ref().as_str()) {
                let line = self.lines.start_of(&entries[first].raw.id.span()).line;
                self.error(
                    &id.span(),
                    format!(
                        "duplicate task id \"{}\": already used on line {line}",
                        id.get_ref()
                    ),
                );
            } else {
                index_of.insert(id.get_ref(), index);
            }
        }
        let keys: Vec<&str> = index_of.keys().copied().collect();

        // Parents: nesting, or `parent = "…"`.
        let mut parent_of: Vec<Option<usize>> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let parent = match (&entry.raw.parent, entry.nested_in) {
                (Some(parent), Some(nested_in)) => {
                    self.error(
                        &parent.span(),
                        format!(
                            "a nested task cannot also name a parent: it is inside \"{}\" already",
                            entries[nested_in].raw.id.get_ref()
                        ),
                    );
                    Some(nested_in)
                }
                (Some(parent), None) => match index_of.get(parent.get_ref().as_str()) {
                    Some(&parent_index) if parent_index == index => {
                        self.error(&parent.span(), "a task cannot be its own parent");
                        None
                    }
                    Some(&parent_index) => Some(parent_index),
                    None => {
                        let message = unknown_task_message("parent", parent.get_ref(), &keys);
                        self.error(&parent.span(), message);
                        None
                    }
                },
                (None, nested_in) => nested_in,
            };
            parent_of.push(parent);
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
        for (index, parent) in parent_of.iter().enumerate() {
            if let Some(parent) = parent {
                children[*parent].push(index);
            }
        }
        for list in &mut children {
            list.sort_by_key(|&child| entries[child].header.start);
        }

        // WBS order: depth first from the top-level tasks, children in file order.
        let mut order: Vec<usize> = Vec::with_capacity(entries.len());
        let mut stack: Vec<usize> = (0..entries.len())
            .filter(|&index| parent_of[index].is_none())
            .rev()
            .collect();
        while let Some(index) = stack.pop() {
            order.push(index);
            stack.extend(children[index].iter().rev());
        }
        if order.len() < entries.len() {
            self.parent_cycles(&entries, &parent_of, &order);
        }
        let mut task_id_of: Vec<Option<TaskId>> = vec![None; entries.len()];
        for (position, &index) in order.iter().enumerate() {
            task_id_of[index] = Some(TaskId(u32::try_from(position).unwrap_or(u32::MAX)));
        }

        let mut tasks = Vec::with_capacity(order.len());
        let mut task_positions = Vec::with_capacity(order.len());
        for &index in &order {
            let entry = &entries[index];
            let is_summary = !children[index].is_empty();
            let parent = parent_of[index].and_then(|parent| task_id_of[parent]);
            tasks.push(self.task(entry.raw, parent, is_summary, durations, calendars));
            task_positions.push(self.lines.start_of(&entry.header));
        }

        // Links, successor by successor in WBS order.
        let mut links = Vec::new();
        let mut link_positions = Vec::new();
        let parents: Vec<Option<TaskId>> = tasks.iter().map(|task: &Task| task.parent).collect();
        for &index in &order {
            let Some(after) = &entries[index].raw.after else {
                continue;
            };
            let Some(successor) = task_id_of[index] else {
                continue;
            };
            let items: Vec<Spanned<String>> = match after.get_ref() {
                StringList::One(text) => vec![Spanned::new(after.span(), text.clone())],
                StringList::Many(items) => items.clone(),
            };
            let mut predecessors: Vec<TaskId> = Vec::new();
            for item in &items {
                let Some((predecessor_key, kind, lag)) = self.link_text(item, durations) else {
                    continue;
                };
                let Some(predecessor) = index_of
                    .get(predecessor_key)
                    .and_then(|&entry| task_id_of[entry])
                else {
                    if !index_of.contains_key(predecessor_key) {
                        let message = unknown_task_message("predecessor", predecessor_key, &keys);
                        self.error(&item.span(), message);
                    }
                    continue;
                };
                if predecessor == successor {
                    self.error(
                        &item.span(),
                        format!("task \"{predecessor_key}\" cannot follow itself"),
                    );
                    continue;
                }
                if is_ancestor(&parents, predecessor, successor) {
                    self.error(
                        &item.span(),
                        format!(
                            "a task cannot follow its own summary task \"{predecessor_key}\": a summary task spans its subtasks"
                        ),
                    );
                    continue;
                }
                if is_ancestor(&parents, successor, predecessor) {
                    self.error(
                        &item.span(),
                        format!(
                            "a summary task cannot follow its own subtask \"{predecessor_key}\": a summary task spans its subtasks"
                        ),
                    );
                    continue;
                }
                if predecessors.contains(&predecessor) {
                    self.error(
                        &item.span(),
                        format!("\"{predecessor_key}\" is already a predecessor of this task"),
                    );
                    continue;
                }
                predecessors.push(predecessor);
                links.push(Link {
                    predecessor,
                    successor,
                    kind,
                    lag,
                });
                link_positions.push(self.lines.start_of(&item.span()));
            }
        }
        let resource_lists = order
            .iter()
            .filter_map(|&index| {
                let raw = entries[index].raw;
                if raw.resources.is_none() && raw.work.is_none() {
                    return None;
                }
                Some(ResourceList {
                    task: task_id_of[index]?,
                    resources: raw.resources.as_ref(),
                    work: raw.work.as_ref(),
                    has_duration: raw.duration.is_some(),
                })
            })
            .collect();
        TasksAndLinks {
            tasks,
            task_positions,
            links,
            link_positions,
            resource_lists,
        }
    }

    /// `[resources.<id>]`: each resource with its units, calendar, rates and availability.
    fn resources(
        &mut self,
        raw: &RawPlan,
        calendars: &mut Calendars,
    ) -> (Vec<Resource>, HashMap<String, ResourceId>) {
        let mut resources = Vec::new();
        let mut ids = HashMap::new();
        for (key, table) in &raw.resources.0 {
            let id = key.get_ref();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                self.error(
                    &key.span(),
                    format!(
                        "resource id \"{id}\" may only contain letters, digits, '_', '.' and '-' (it names the resource in a task's `resources`)"
                    ),
                );
                continue;
            }
            let raw = table.get_ref();
            let mut resource = Resource::new(
                id.clone(),
                raw.name
                    .as_ref()
                    .map_or_else(|| id.clone(), |name| name.get_ref().clone()),
            );
            if let Some(kind) = &raw.kind {
                resource.kind = match kind.get_ref().as_str() {
                    "work" => ResourceKind::Work,
                    "material" => ResourceKind::Material,
                    "cost" => ResourceKind::Cost,
                    other => {
                        self.error(
                            &kind.span(),
                            format!(
                                "unknown resource kind \"{other}\": use work, material or cost"
                            ),
                        );
                        ResourceKind::Work
                    }
                };
            }
            if let Some(units) = &raw.units
                && let Some(value) = self.units(units)
            {
                resource.max_units = value;
            }
            resource.calendar = raw
                .calendar
                .as_ref()
                .and_then(|calendar| calendars.resolve(self, calendar.get_ref(), calendar.span()));
            for (field, value) in [
                (&mut resource.standard_rate, &raw.rate),
                (&mut resource.overtime_rate, &raw.overtime_rate),
                (&mut resource.cost_per_use, &raw.cost_per_use),
            ] {
                if let Some(number) = value {
                    if number.get_ref().0 >= 0.0 && number.get_ref().0.is_finite() {
                        *field = number.get_ref().0;
                    } else {
                        self.error(&number.span(), "a rate or cost cannot be negative");
                    }
                }
            }
            resource.group = raw.group.as_ref().map(|value| value.get_ref().clone());
            resource.initials = raw.initials.as_ref().map(|value| value.get_ref().clone());
            resource.email = raw.email.as_ref().map(|value| value.get_ref().clone());
            for period in &raw.availability {
                let entry = period.get_ref();
                let from = entry
                    .from
                    .as_ref()
                    .and_then(|value| self.datetime(value, Edge::Start));
                let to = entry
                    .to
                    .as_ref()
                    .and_then(|value| self.datetime(value, Edge::Finish));
                if let (Some(from), Some(to)) = (from, to)
                    && to < from
                {
                    self.error(
                        &period.span(),
                        "this availability period ends before it starts",
                    );
                }
                if let Some(units) = self.units(&entry.units) {
                    resource.availability.push(Availability { from, to, units });
                }
            }
            ids.insert(id.clone(), ResourceId(resources.len() as u32));
            resources.push(resource);
        }
        (resources, ids)
    }

    fn units(&mut self, value: &Spanned<UnitsValue>) -> Option<f64> {
        let parsed = match value.get_ref() {
            UnitsValue::Number(number) => parse_units(&format_number(*number)),
            UnitsValue::Text(text) => parse_units(text),
        };
        match parsed {
            Ok(units) => Some(units),
            Err(message) => {
                self.error(&value.span(), message);
                None
            }
        }
    }

    /// A task's `resources = ["dana", "ops-team 50%"]`: who works on it, with what units.
    fn assignments(
        &mut self,
        lists: &[ResourceList<'_>],
        tasks: &mut [Task],
        resources: &[Resource],
        ids: &HashMap<String, ResourceId>,
        durations: &DurationSettings,
    ) -> Vec<Assignment> {
        let is_summary = {
            let mut flags = vec![false; tasks.len()];
            for task in tasks.iter() {
                if let Some(parent) = task.parent {
                    flags[parent.index()] = true;
                }
            }
            flags
        };
        let mut assignments = Vec::new();
        for &ResourceList {
            task,
            resources: list,
            work,
            has_duration,
        } in lists
        {
            let Some(list) = list else {
                if let Some(work) = work {
                    self.error(
                        &work.span(),
                        "work needs resources to do it: add resources = [\"...\"] to the task",
                    );
                }
                continue;
            };
            let first_of_task = assignments.len();
            let items: Vec<Spanned<String>> = match list.get_ref() {
                StringList::One(text) => vec![Spanned::new(list.span(), text.clone())],
                StringList::Many(items) => items.clone(),
            };
            if is_summary[task.index()] && !items.is_empty() {
                self.error(
                    &list.span(),
                    format!(
                        "\"{}\" is a summary task: assign resources to its subtasks",
                        tasks[task.index()].key
                    ),
                );
                continue;
            }
            let mut seen: Vec<ResourceId> = Vec::new();
            for item in &items {
                let mut words = item.get_ref().split_whitespace();
                let Some(key) = words.next() else {
                    self.error(
                        &item.span(),
                        "an empty resource: write an id, e.g. \"dana\" or \"dana 50%\"",
                    );
                    continue;
                };
                let Some(&resource) = ids.get(key) else {
                    let known: Vec<&str> = ids.keys().map(String::as_str).collect();
                    let hint = match closest(key, known.iter().copied()) {
                        Some(suggestion) => format!("; did you mean \"{suggestion}\"?"),
                        None if known.is_empty() => {
                            "; define resources under [resources.<id>]".to_string()
                        }
                        None => String::new(),
                    };
                    self.error(&item.span(), format!("unknown resource \"{key}\"{hint}"));
                    continue;
                };
                let units = match words.next() {
                    Some(text) => match parse_units(text) {
                        Ok(units) => units,
                        Err(message) => {
                            self.error(&item.span(), message);
                            continue;
                        }
                    },
                    None => 1.0,
                };
                if let Some(extra) = words.next() {
                    self.error(
                        &item.span(),
                        format!("unexpected \"{extra}\": write a resource id and its units, e.g. \"dana 50%\""),
                    );
                    continue;
                }
                if seen.contains(&resource) {
                    self.error(
                        &item.span(),
                        format!("\"{key}\" is already assigned to this task"),
                    );
                    continue;
                }
                seen.push(resource);
                assignments.push(Assignment {
                    task,
                    resource,
                    units,
                    work: None,
                });
            }
            // Work stated on the task is shared by the units, and sets the duration (fixed work).
            if let Some(work) = work
                && let Some(total) = self.duration(work, durations)
            {
                if total.elapsed {
                    self.error(
                        &work.span(),
                        "work is working time: write \"80h\" or \"10d\", not elapsed time",
                    );
                    continue;
                }
                // Shared by the people and machines in proportion to their units; materials and
                // costs are quantities, not time.
                let is_work = |assignment: &Assignment| {
                    resources[assignment.resource.index()].kind == ResourceKind::Work
                };
                let task_assignments = &mut assignments[first_of_task..];
                let units: f64 = task_assignments
                    .iter()
                    .filter(|a| is_work(a))
                    .map(|a| a.units)
                    .sum();
                if units <= 0.0 {
                    self.error(
                        &work.span(),
                        "work needs people or machines (work resources) with units above zero",
                    );
                    continue;
                }
                for assignment in task_assignments.iter_mut().filter(|a| is_work(a)) {
                    assignment.work =
                        Some((total.minutes as f64 * assignment.units / units).round() as i64);
                }
                // The task type says whether the work or a stated duration sets the dates.
                let entry = &mut tasks[task.index()];
                match (entry.task_type, has_duration) {
                    (TaskType::FixedWork, true) => self.error(
                        &work.span(),
                        format!(
                            "\"{}\" is a fixed-work task: its duration follows from its work; drop `duration`, or make it type = \"fixed-units\" to keep both",
                            entry.key
                        ),
                    ),
                    (TaskType::FixedDuration, false) => self.error(
                        &work.span(),
                        format!(
                            "\"{}\" is a fixed-duration task: give its `duration` too, the work is spread over it",
                            entry.key
                        ),
                    ),
                    // Both stated on a fixed-units task: the resources book the work over the
                    // duration, as an MS Project assignment with a contour does.
                    (_, true) => {}
                    (_, false) => {
                        let longest = task_assignments
                            .iter()
                            .filter(|a| is_work(a) && a.units > 0.0)
                            .map(|a| (a.work.unwrap_or(0) as f64 / a.units).round() as i64)
                            .max()
                            .unwrap_or(0);
                        entry.duration = Duration::working(longest);
                    }
                }
            }
        }
        assignments
    }

    /// Reports each cycle of `parent` references once, at the `parent` of its first task in the file.
    fn parent_cycles(
        &mut self,
        entries: &[TaskEntry],
        parent_of: &[Option<usize>],
        order: &[usize],
    ) {
        let mut reached = vec![false; entries.len()];
        for &index in order {
            reached[index] = true;
        }
        for start in 0..entries.len() {
            if reached[start] {
                continue;
            }
            // Walk up until a task repeats: the tasks from its first visit on form the cycle.
            let mut path: Vec<usize> = Vec::new();
            let mut current = Some(start);
            while let Some(index) = current {
                if reached[index] {
                    break;
                }
                if let Some(position) = path.iter().position(|&seen| seen == index) {
                    let cycle = &path[position..];
                    let names: Vec<String> = cycle
                        .iter()
                        .chain(std::iter::once(&index))
                        .map(|&i| format!("\"{}\"", entries[i].raw.id.get_ref()))
                        .collect();
                    let first = cycle
                        .iter()
                        .copied()
                        .min_by_key(|&i| entries[i].header.start)
                        .unwrap_or(index);
                    let span = entries[first]
                        .raw
                        .parent
                        .as_ref()
                        .map_or_else(|| entries[first].header.clone(), Spanned::span);
                    self.error(
                        &span,
                        format!(
                            "parent cycle: {} (each names the next as its parent)",
                            names.join(" → ")
                        ),
                    );
                    break;
                }
                path.push(index);
                current = parent_of[index];
            }
            for index in path {
                reached[index] = true;
            }
        }
    }

    fn task(
        &mut self,
        raw: &RawTask,
        parent: Option<TaskId>,
        is_summary: bool,
        durations: &DurationSettings,
        calendars: &mut Calendars,
    ) -> Task {
        let key = raw.id.get_ref().clone();
        let name = raw
            .name
            .as_ref()
            .map_or_else(|| key.clone(), |name| name.get_ref().clone());
        let milestone = raw.milestone.as_ref().is_some_and(|flag| *flag.get_ref());
        let default_duration = Duration::working(if milestone && !is_summary {
            0
        } else {
            durations.minutes_per_day
        });
        let duration = match &raw.duration {
            Some(value) if is_summary => {
                self.error(
                    &value.span(),
                    format!(
                        "\"{key}\" is a summary task and cannot have a duration: the dates of a summary task roll up from its subtasks"
                    ),
                );
                default_duration
            }
            Some(value) => self.duration(value, durations).unwrap_or(default_duration),
            None => default_duration,
        };
        let constraint = raw
            .constraint
            .as_ref()
            .and_then(|value| self.constraint(value))
            .unwrap_or(Constraint::AsSoonAsPossible);
        let deadline = raw
            .deadline
            .as_ref()
            .and_then(|value| self.datetime(value, Edge::Finish));
        let calendar = raw
            .calendar
            .as_ref()
            .and_then(|id| calendars.resolve(self, id.get_ref(), id.span()));
        let priority = match &raw.priority {
            Some(value)
                if value.get_ref().0.fract() == 0.0
                    && (0.0..=1000.0).contains(&value.get_ref().0) =>
            {
                value.get_ref().0 as u16
            }
            Some(value) => {
                self.error(
                    &value.span(),
                    format!(
                        "priority must be a whole number from 0 to 1000 (500 is normal), got {}",
                        value.get_ref().0
                    ),
                );
                500
            }
            None => 500,
        };
        let task_type = match &raw.task_type {
            Some(value) if is_summary => {
                self.error(
                    &value.span(),
                    format!(
                        "\"{key}\" is a summary task: its subtasks have task types, it has none"
                    ),
                );
                TaskType::FixedUnits
            }
            Some(value) => {
                let text = value.get_ref();
                match TaskType::from_code(text) {
                    Some(task_type) => task_type,
                    None => {
                        let hint = closest(text, TaskType::ALL.iter().map(|t| t.code()))
                            .map(|suggestion| format!("; did you mean \"{suggestion}\"?"))
                            .unwrap_or_default();
                        self.error(
                            &value.span(),
                            format!(
                                "unknown task type \"{text}\": use fixed-units, fixed-duration or fixed-work{hint}"
                            ),
                        );
                        TaskType::FixedUnits
                    }
                }
            }
            None => TaskType::FixedUnits,
        };
        let effort_driven = match &raw.effort_driven {
            Some(value) if is_summary => {
                self.error(
                    &value.span(),
                    format!("\"{key}\" is a summary task: effort-driven scheduling applies to its subtasks"),
                );
                false
            }
            Some(value) if !*value.get_ref() && task_type == TaskType::FixedWork => {
                self.error(
                    &value.span(),
                    "a fixed-work task is always effort-driven: drop effort_driven = false",
                );
                true
            }
            Some(value) => *value.get_ref(),
            None => task_type == TaskType::FixedWork,
        };
        let leveling_can_split = match &raw.level_split {
            Some(value) if is_summary && *value.get_ref() => {
                self.error(
                    &value.span(),
                    format!("\"{key}\" is a summary task: leveling splits its subtasks, not it"),
                );
                false
            }
            Some(value) => *value.get_ref(),
            None => false,
        };
        let actual_start = raw
            .actual_start
            .as_ref()
            .and_then(|value| self.datetime(value, Edge::Start));
        let actual_finish = raw
            .actual_finish
            .as_ref()
            .and_then(|value| self.datetime(value, Edge::Finish));
        if let (Some(started), Some(finished), Some(value)) =
            (actual_start, actual_finish, &raw.actual_finish)
            && finished < started
        {
            self.error(&value.span(), "actual_finish is before actual_start");
        }
        let percent_complete = match &raw.percent_complete {
            Some(value) if (0.0..=100.0).contains(&value.get_ref().0) => value.get_ref().0,
            Some(value) => {
                self.error(
                    &value.span(),
                    format!(
                        "percent_complete must be from 0 to 100, got {}",
                        value.get_ref().0
                    ),
                );
                0.0
            }
            None => 0.0,
        };
        let remaining = raw
            .remaining
            .as_ref()
            .and_then(|value| self.duration(value, durations));
        let resume = raw
            .resume
            .as_ref()
            .and_then(|value| self.datetime(value, Edge::Start));
        if let (Some(resume), Some(value)) = (resume, &raw.resume)
            && actual_start.is_none_or(|started| resume < started)
        {
            self.error(&value.span(), "resume needs an actual_start before it");
        }
        Task {
            key,
            name,
            parent,
            duration,
            milestone,
            constraint,
            deadline,
            calendar,
            priority,
            task_type,
            effort_driven,
            leveling_can_split,
            progress: Progress {
                actual_start,
                actual_finish,
                percent_complete,
                remaining,
                resume: resume.map(Box::new),
            },
        }
    }

    /// Each task's `splits`: pauses inside its work, `{ after = "2d", gap = "3d" }`, in working
    /// time, each strictly inside the task's duration.
    fn splits(
        &mut self,
        raw: &RawPlan,
        tasks: &[Task],
        durations: &DurationSettings,
    ) -> Vec<Split> {
        let task_of: HashMap<&str, TaskId> = tasks
            .iter()
            .enumerate()
            .map(|(index, task)| (task.key.as_str(), TaskId(index as u32)))
            .collect();
        let mut is_summary = vec![false; tasks.len()];
        for task in tasks {
            if let Some(parent) = task.parent
                && let Some(flag) = is_summary.get_mut(parent.index())
            {
                *flag = true;
            }
        }
        let mut entries: Vec<TaskEntry<'_>> = Vec::new();
        flatten(&raw.tasks, None, &mut entries);
        let mut splits = Vec::new();
        for entry in &entries {
            let (Some(list), Some(&task)) = (
                &entry.raw.splits,
                task_of.get(entry.raw.id.get_ref().as_str()),
            ) else {
                continue;
            };
            let key = entry.raw.id.get_ref();
            let definition = &tasks[task.index()];
            if is_summary[task.index()] {
                self.error(
                    &list.span(),
                    format!("\"{key}\" is a summary task: its subtasks can be split, it cannot"),
                );
                continue;
            }
            if definition.duration.elapsed {
                self.error(
                    &list.span(),
                    format!(
                        "\"{key}\" has an elapsed duration: only a task in working time can be split"
                    ),
                );
                continue;
            }
            let first = splits.len();
            for item in list.get_ref() {
                let item = item.get_ref();
                let Some(after) = self.split_minutes(&item.after, "after", durations) else {
                    continue;
                };
                let Some(gap) = self.split_minutes(&item.gap, "gap", durations) else {
                    continue;
                };
                let length = definition.duration.minutes;
                if after == 0 || after >= length {
                    let shown = |minutes| {
                        super::values::format_duration(Duration::working(minutes), durations)
                    };
                    self.error(
                        &item.after.span(),
                        format!(
                            "split after \"{}\" is not inside \"{key}\" ({} of work): a split comes after more than 0 and less than the task's duration",
                            item.after.get_ref().trim(),
                            shown(length)
                        ),
                    );
                    continue;
                }
                if gap == 0 {
                    self.error(
                        &item.gap.span(),
                        "a split's gap must be more than 0 (drop the split instead)",
                    );
                    continue;
                }
                if splits[first..]
                    .iter()
                    .any(|split: &Split| split.after == after)
                {
                    self.error(
                        &item.after.span(),
                        format!(
                            "\"{key}\" is already split after \"{}\": write one split with the gaps added",
                            item.after.get_ref().trim()
                        ),
                    );
                    continue;
                }
                splits.push(Split { task, after, gap });
            }
            splits[first..].sort_by_key(|split| split.after);
        }
        splits.sort_by_key(|split| (split.task, split.after));
        splits
    }

    /// A split's `after` or `gap`: working time, not negative.
    fn split_minutes(
        &mut self,
        value: &Spanned<String>,
        field: &str,
        durations: &DurationSettings,
    ) -> Option<i64> {
        let text = value.get_ref().trim();
        if text.starts_with('-') {
            self.error(
                &value.span(),
                format!("split {field} \"{text}\" is negative: write a working time, e.g. \"2d\""),
            );
            return None;
        }
        let duration = self.duration(value, durations)?;
        if duration.elapsed {
            self.error(
                &value.span(),
                format!(
                    "split {field} \"{text}\" is elapsed time: a split counts working time of the task's calendar, e.g. \"2d\""
                ),
            );
            return None;
        }
        Some(duration.minutes)
    }

    /// "ASAP", "ALAP" or "<SNET|SNLT|FNET|FNLT|MSO|MFO> <date or date-time>".
    fn constraint(&mut self, value: &Spanned<String>) -> Option<Constraint> {
        let text = value.get_ref().trim();
        let (code, date_text) = match text.split_once(char::is_whitespace) {
            Some((code, rest)) => (code, rest.trim()),
            None => (text, ""),
        };
        let upper = code.to_ascii_uppercase();
        let edge = match upper.as_str() {
            "ASAP" | "ALAP" => {
                if !date_text.is_empty() {
                    self.error(
                        &value.span(),
                        format!(
                            "{upper} takes no date; for a fixed date use e.g. \"SNET {date_text}\""
                        ),
                    );
                    return None;
                }
                return Some(if upper == "ASAP" {
                    Constraint::AsSoonAsPossible
                } else {
                    Constraint::AsLateAsPossible
                });
            }
            "SNET" | "SNLT" | "MSO" => Edge::Start,
            "FNET" | "FNLT" | "MFO" => Edge::Finish,
            _ => {
                self.error(
                    &value.span(),
                    format!(
                        "unknown constraint \"{code}\": use ASAP, ALAP, or SNET, SNLT, FNET, FNLT, MSO or MFO followed by a date, e.g. \"SNET 2026-02-02\""
                    ),
                );
                return None;
            }
        };
        if date_text.is_empty() {
            self.error(
                &value.span(),
                format!("constraint {upper} needs a date, e.g. \"{upper} 2026-02-02\""),
            );
            return None;
        }
        let (date, time) = parse_date_and_time(date_text)
            .map_err(|message| self.error(&value.span(), message))
            .ok()?;
        let at = self.at_edge(value.span(), date, time, edge)?;
        Some(match upper.as_str() {
            "SNET" => Constraint::StartNoEarlierThan(at),
            "SNLT" => Constraint::StartNoLaterThan(at),
            "MSO" => Constraint::MustStartOn(at),
            "FNET" => Constraint::FinishNoEarlierThan(at),
            "FNLT" => Constraint::FinishNoLaterThan(at),
            _ => Constraint::MustFinishOn(at),
        })
    }

    /// "<task id>" or "<task id> <FS|SS|FF|SF>[+|-<lag>]".
    fn link_text<'t>(
        &mut self,
        item: &'t Spanned<String>,
        durations: &DurationSettings,
    ) -> Option<(&'t str, LinkType, Lag)> {
        let text = item.get_ref().trim();
        let mut words = text.split_whitespace();
        let Some(key) = words.next() else {
            self.error(
                &item.span(),
                "empty predecessor: write a task id, e.g. \"design\" or \"design SS+2d\"",
            );
            return None;
        };
        let rest: String = words.collect();
        if rest.is_empty() {
            return Some((key, LinkType::FinishToStart, Lag::None));
        }
        let (kind, lag_text) = if rest.starts_with(['+', '-']) {
            (LinkType::FinishToStart, rest.as_str())
        } else {
            let code_length = rest.find(['+', '-']).unwrap_or(rest.len());
            // "SS2d": a link type with a lag that lacks its sign; let the lag say so.
            let code_length = if code_length > 2 && rest.get(..2).is_some_and(is_link_type) {
                2
            } else {
                code_length
            };
            let (code, lag_text) = rest.split_at(code_length);
            let kind = match code.to_ascii_uppercase().as_str() {
                "FS" => LinkType::FinishToStart,
                "SS" => LinkType::StartToStart,
                "FF" => LinkType::FinishToFinish,
                "SF" => LinkType::StartToFinish,
                _ => {
                    self.error(
                        &item.span(),
                        format!(
                            "unknown link type \"{code}\" in \"{text}\": use FS, SS, FF or SF, e.g. \"{key} SS+2d\""
                        ),
                    );
                    return None;
                }
            };
            (kind, lag_text)
        };
        if lag_text.is_empty() {
            return Some((key, kind, Lag::None));
        }
        let lag = parse_lag(lag_text, durations)
            .map_err(|message| self.error(&item.span(), message))
            .ok()?;
        Some((key, kind, lag))
    }
}

fn is_link_type(code: &str) -> bool {
    matches!(
        code.to_ascii_uppercase().as_str(),
        "FS" | "SS" | "FF" | "SF"
    )
}

/// Lists the task tables depth first, which is their order in the file.
fn flatten<'r>(
    tasks: &'r [Spanned<RawTask>],
    nested_in: Option<usize>,
    out: &mut Vec<TaskEntry<'r>>,
) {
    for task in tasks {
        let index = out.len();
        out.push(TaskEntry {
            raw: task.get_ref(),
            header: task.span(),
            nested_in,
        });
        flatten(&task.get_ref().subtasks, Some(index), out);
    }
}

/// Whether `ancestor` is a summary task above `task`.
fn is_ancestor(parents: &[Option<TaskId>], ancestor: TaskId, task: TaskId) -> bool {
    let mut current = parents[task.index()];
    while let Some(parent) = current {
        if parent == ancestor {
            return true;
        }
        current = parents[parent.index()];
    }
    false
}

/// The entries of a one-or-many list of strings, each with its position.
fn string_list(list: &Spanned<StringList>) -> Vec<Spanned<String>> {
    match list.get_ref() {
        StringList::One(text) => vec![Spanned::new(list.span(), text.clone())],
        StringList::Many(items) => items.clone(),
    }
}

fn unknown_task_message(role: &str, key: &str, keys: &[&str]) -> String {
    match closest(key, keys.iter().copied()) {
        Some(suggestion) => {
            format!("unknown {role} \"{key}\": no task has this id; did you mean \"{suggestion}\"?")
        }
        None => format!("unknown {role} \"{key}\": no task has this id"),
    }
}

/// The date and time of a TOML date-time; local times only.
fn toml_date_and_time(datetime: &toml::value::Datetime) -> Result<(Date, Option<Time>), String> {
    if datetime.offset.is_some() {
        return Err(format!(
            "{datetime} has a time-zone offset; write local time without one (the project's time_zone applies)"
        ));
    }
    let Some(day) = datetime.date else {
        return Err(format!(
            "{datetime} is a time of day without a date; write e.g. 2026-01-05T{datetime}"
        ));
    };
    let date = i16::try_from(day.year)
        .ok()
        .and_then(|year| Date::new(year, day.month as i8, day.day as i8).ok())
        .ok_or_else(|| format!("date {datetime} is outside the supported range"))?;
    let time = match datetime.time {
        Some(time) => Some(
            Time::new(
                time.hour as i8,
                time.minute as i8,
                time.second.unwrap_or(0).min(59) as i8,
                0,
            )
            .map_err(|_| format!("time {datetime} does not exist"))?,
        ),
        None => None,
    };
    Ok((date, time))
}

/// The calendars of the file and the built-in ones it uses, in the order they join the plan: each
/// after its base.
struct Calendars<'r> {
    /// The file's calendar tables in file order.
    tables: Vec<(&'r Spanned<String>, &'r RawCalendar)>,
    /// Ids resolved so far: `None` when the calendar is wrong and already reported.
    resolved: HashMap<String, Option<CalendarId>>,
    /// Ids being built, innermost last, to find `base` cycles.
    building: Vec<String>,
    defined: Vec<CalendarDef>,
}

impl<'r> Calendars<'r> {
    fn new(raw: &'r RawPlan) -> Calendars<'r> {
        Calendars {
            tables: raw
                .calendars
                .0
                .iter()
                .map(|(id, table)| (id, table.get_ref()))
                .collect(),
            resolved: HashMap::new(),
            building: Vec::new(),
            defined: Vec::new(),
        }
    }

    /// Builds every calendar of the file, in file order (a base first when it comes later).
    fn define_all(&mut self, builder: &mut Builder) {
        for index in 0..self.tables.len() {
            let id = self.tables[index].0;
            self.resolve(builder, id.get_ref(), id.span());
        }
    }

    /// The plan's id for calendar `id`, named at `span`; builds it (and its bases) on first use.
    fn resolve(
        &mut self,
        builder: &mut Builder,
        id: &str,
        span: Range<usize>,
    ) -> Option<CalendarId> {
        if let Some(resolved) = self.resolved.get(id) {
            return *resolved;
        }
        if let Some(position) = self.building.iter().position(|building| building == id) {
            let mut names: Vec<String> = self.building[position..]
                .iter()
                .map(|name| format!("\"{name}\""))
                .collect();
            names.push(format!("\"{id}\""));
            builder.error(
                &span,
                format!(
                    "calendar base cycle: {} (each is based on the next)",
                    names.join(" → ")
                ),
            );
            return None;
        }
        let table = self
            .tables
            .iter()
            .find(|(key, _)| key.get_ref() == id)
            .map(|(_, table)| *table);
        let definition = match table {
            Some(table) => {
                self.building.push(id.to_string());
                let base = table
                    .base
                    .as_ref()
                    .map(|base| (self.resolve(builder, base.get_ref(), base.span()), base));
                self.building.pop();
                // A base that is wrong (unknown, or in a cycle) was reported where it is named;
                // the calendar is still read, to report what else is wrong in it.
                let failed_base = matches!(base, Some((None, _)));
                let definition = builder.calendar(id, table, base.and_then(|(base, _)| base));
                (!failed_base).then_some(definition)
            }
            None => match built_in_calendar(id) {
                Some(definition) => Some(definition),
                None => {
                    let known: Vec<&str> = self
                        .tables
                        .iter()
                        .map(|(key, _)| key.get_ref().as_str())
                        .chain(BUILT_IN_CALENDARS.iter().copied().filter(|built_in| {
                            !self.tables.iter().any(|(key, _)| key.get_ref() == built_in)
                        }))
                        .collect();
                    let hint = match closest(id, known.iter().copied()) {
                        Some(suggestion) => format!("; did you mean \"{suggestion}\"?"),
                        None => String::new(),
                    };
                    // Not remembered: every place that names it gets its own message.
                    builder.error(
                        &span,
                        format!(
                            "unknown calendar \"{id}\"{hint} (calendars: {}; define others under [calendars.<id>])",
                            known.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
                        ),
                    );
                    return None;
                }
            },
        };
        let calendar_id = definition.map(|definition| {
            let calendar_id = CalendarId(u32::try_from(self.defined.len()).unwrap_or(u32::MAX));
            self.defined.push(definition);
            calendar_id
        });
        self.resolved.insert(id.to_string(), calendar_id);
        calendar_id
    }
}
