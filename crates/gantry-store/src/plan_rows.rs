//! A project's plan as rows: writing a [`Plan`] into the tables, reading it back, and the
//! column values that edits compare, write and record in the history.
//!
//! A plan read back is equal to the plan written (tasks in WBS order, links and assignments in
//! the order they were added, calendars and resources in their order), so that the engine
//! schedules a stored project exactly as it schedules the plan file it came from.

use std::collections::HashMap;
use std::fmt;

use gantry_core::model::{
    Assignment, Availability, CalendarDef, CalendarException, CalendarId, Constraint,
    ConstraintCodeError, Duration, DurationSettings, Lag, Link, LinkType, Plan, Progress, Resource,
    ResourceId, ResourceKind, Shift, Split, Task, TaskId, TaskType,
};
use jiff::civil::{Date, DateTime};
use sqlx::AssertSqlSafe;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::store::{get_bool, get_f64};

/// A project's plan as stored, with the row id and version of everything in it, index for index.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPlan {
    /// The project's row id.
    pub project_id: i64,
    /// The project's version: raised by every change to the project and its plan.
    pub version: i64,
    /// The plan.
    pub plan: Plan,
    /// Row id of each task, index for index with `plan.tasks`.
    pub task_ids: Vec<i64>,
    /// Version of each task row.
    pub task_versions: Vec<i64>,
    /// Row id of each link, index for index with `plan.links`.
    pub link_ids: Vec<i64>,
    /// Version of each link row.
    pub link_versions: Vec<i64>,
    /// Row id of each calendar, index for index with `plan.calendars`.
    pub calendar_ids: Vec<i64>,
    /// Version of each calendar row (raised by changes to its exceptions too).
    pub calendar_versions: Vec<i64>,
    /// Row id of each calendar's exceptions, index for index with `exceptions`.
    pub exception_ids: Vec<Vec<i64>>,
    /// Row id of each resource, index for index with `plan.resources`.
    pub resource_ids: Vec<i64>,
    /// Version of each resource row.
    pub resource_versions: Vec<i64>,
    /// Row id of each assignment, index for index with `plan.assignments`.
    pub assignment_ids: Vec<i64>,
    /// Version of each assignment row.
    pub assignment_versions: Vec<i64>,
    /// Row ids of the time entries and expenses.
    pub control: crate::control::ControlRows,
}

impl StoredPlan {
    /// The plan index of the task with row id `id`.
    pub fn task_index(&self, id: i64) -> Option<usize> {
        self.task_ids.iter().position(|&task| task == id)
    }

    /// The plan index of the link with row id `id`.
    pub fn link_index(&self, id: i64) -> Option<usize> {
        self.link_ids.iter().position(|&link| link == id)
    }

    /// The plan index of the assignment with row id `id`.
    pub fn assignment_index(&self, id: i64) -> Option<usize> {
        self.assignment_ids
            .iter()
            .position(|&assignment| assignment == id)
    }

    /// The plan index of the calendar with row id `id`.
    pub fn calendar_index(&self, id: i64) -> Option<usize> {
        self.calendar_ids
            .iter()
            .position(|&calendar| calendar == id)
    }

    /// The plan index of the resource with row id `id`.
    pub fn resource_index(&self, id: i64) -> Option<usize> {
        self.resource_ids
            .iter()
            .position(|&resource| resource == id)
    }
}

/// Changes to a task's own fields; `None` leaves a field as it is. Dates that may be cleared
/// are `Some(None)` to clear.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskChanges {
    /// New name.
    pub name: Option<String>,
    /// New duration (kept in step with work and units as the task type says).
    pub duration: Option<Duration>,
    /// Milestone flag.
    pub milestone: Option<bool>,
    /// New constraint.
    pub constraint: Option<Constraint>,
    /// New deadline, or none.
    pub deadline: Option<Option<DateTime>>,
    /// New priority, 0–1000.
    pub priority: Option<u16>,
    /// New task type.
    pub task_type: Option<TaskType>,
    /// Effort-driven flag.
    pub effort_driven: Option<bool>,
    /// Percent complete, 0–100.
    pub percent_complete: Option<f64>,
    /// Actual start, or none.
    pub actual_start: Option<Option<DateTime>>,
    /// Actual finish, or none.
    pub actual_finish: Option<Option<DateTime>>,
    /// Remaining duration, or none.
    pub remaining: Option<Option<Duration>>,
    /// MS Project's "Leveling can split remaining work".
    pub leveling_can_split: Option<bool>,
    /// The task's pauses, replacing those it has: (working minutes of its duration before the
    /// pause, the pause in working minutes), in any order; empty removes them.
    pub splits: Option<Vec<(i64, i64)>>,
}

/// A column value: bound into SQL, compared between the plan before and after an edit, and
/// shown in the history.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Int(i64),
    OptionalInt(Option<i64>),
    Float(f64),
    Bool(bool),
    Text(String),
    OptionalText(Option<String>),
    /// A row id another row refers to (a parent, a calendar), with what people call it. Two
    /// references are equal when their ids are: a renamed parent does not change its children.
    Reference(Option<i64>, String),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::OptionalInt(a), Value::OptionalInt(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::OptionalText(a), Value::OptionalText(b)) => a == b,
            (Value::Reference(a, _), Value::Reference(b, _)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(value) => write!(formatter, "{value}"),
            Value::OptionalInt(value) => match value {
                Some(value) => write!(formatter, "{value}"),
                None => Ok(()),
            },
            Value::Float(value) => write!(formatter, "{value}"),
            Value::Bool(value) => write!(formatter, "{value}"),
            Value::Text(value) => formatter.write_str(value),
            Value::OptionalText(value) => formatter.write_str(value.as_deref().unwrap_or("")),
            Value::Reference(_, label) => formatter.write_str(label),
        }
    }
}

type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

fn bind<'q>(query: AnyQuery<'q>, value: &Value) -> AnyQuery<'q> {
    match value {
        Value::Int(value) => query.bind(*value),
        Value::OptionalInt(value) => query.bind(*value),
        Value::Float(value) => query.bind(*value),
        Value::Bool(value) => query.bind(*value),
        Value::Text(value) => query.bind(value.clone()),
        Value::OptionalText(value) => query.bind(value.clone()),
        Value::Reference(id, _) => query.bind(*id),
    }
}

/// The columns of one row, in the order of the statements built from them.
pub(crate) type Columns = Vec<(&'static str, Value)>;

/// `INSERT INTO table (fixed…, columns…) VALUES (…) RETURNING id`.
pub(crate) async fn insert_row(
    connection: &mut AnyConnection,
    table: &str,
    fixed: &[(&'static str, i64)],
    columns: &Columns,
) -> Result<i64> {
    let names: Vec<&str> = fixed
        .iter()
        .map(|(name, _)| *name)
        .chain(columns.iter().map(|(name, _)| *name))
        .collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING id",
        names.join(", "),
        placeholders.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (_, value) in fixed {
        query = query.bind(*value);
    }
    for (_, value) in columns {
        query = bind(query, value);
    }
    Ok(query.fetch_one(&mut *connection).await?.try_get("id")?)
}

/// `UPDATE table SET changed… , version = version + 1 WHERE id = … AND version = …`: refused as
/// a conflict when the row moved on since `version`.
pub(crate) async fn update_row(
    connection: &mut AnyConnection,
    entity: &'static str,
    table: &str,
    id: i64,
    version: i64,
    changed: &[(&'static str, Value)],
) -> Result<()> {
    let assignments: Vec<String> = changed
        .iter()
        .enumerate()
        .map(|(index, (name, _))| format!("{name} = ${}", index + 1))
        .collect();
    let sql = format!(
        "UPDATE {table} SET {}{}version = version + 1 WHERE id = ${} AND version = ${}",
        assignments.join(", "),
        if assignments.is_empty() { "" } else { ", " },
        changed.len() + 1,
        changed.len() + 2
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (_, value) in changed {
        query = bind(query, value);
    }
    let result = query
        .bind(id)
        .bind(version)
        .execute(&mut *connection)
        .await?;
    if result.rows_affected() == 0 {
        return Err(stale(connection, entity, table, id, version).await);
    }
    Ok(())
}

/// The columns of `new` whose values differ from `old` (the same columns, in the same order).
pub(crate) fn changed_columns(old: &Columns, new: &Columns) -> Columns {
    old.iter()
        .zip(new)
        .filter(|(a, b)| a.1 != b.1)
        .map(|(_, b)| b.clone())
        .collect()
}

/// `UPDATE table SET changed… WHERE id = …` for rows without a version of their own (the
/// project row, whose version the edit's lock raised; a calendar's exceptions, covered by the
/// calendar's version).
pub(crate) async fn update_unversioned(
    connection: &mut AnyConnection,
    table: &str,
    id: i64,
    changed: &[(&'static str, Value)],
) -> Result<()> {
    let assignments: Vec<String> = changed
        .iter()
        .enumerate()
        .map(|(index, (name, _))| format!("{name} = ${}", index + 1))
        .collect();
    let sql = format!(
        "UPDATE {table} SET {} WHERE id = ${}",
        assignments.join(", "),
        changed.len() + 1
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (_, value) in changed {
        query = bind(query, value);
    }
    query.bind(id).execute(&mut *connection).await?;
    Ok(())
}

/// Why a versioned write touched no row: the row is gone, or it has a newer version.
pub(crate) async fn stale(
    connection: &mut AnyConnection,
    entity: &'static str,
    table: &str,
    id: i64,
    expected: i64,
) -> StoreError {
    let current = sqlx::query(AssertSqlSafe(format!(
        "SELECT version FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *connection)
    .await;
    match current {
        Ok(Some(row)) => match row.try_get::<i64, _>("version") {
            Ok(current) => StoreError::Conflict {
                entity,
                id,
                expected,
                current,
            },
            Err(error) => error.into(),
        },
        Ok(None) => StoreError::NotFound { entity, id },
        Err(error) => error.into(),
    }
}

fn text_of_datetime(value: Option<DateTime>) -> Value {
    Value::OptionalText(value.map(|value| value.to_string()))
}

/// Shifts as one column: "08:00-12:00 13:00-17:00" ("" for a day off).
pub(crate) fn shift_text(shifts: &[Shift]) -> String {
    shifts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_shifts(text: &str) -> Result<Vec<Shift>> {
    text.split_whitespace()
        .map(|shift| {
            Shift::parse(shift)
                .map_err(|_| StoreError::Corrupt(format!("working hours \"{text}\"")))
        })
        .collect()
}

fn parse_datetime(text: &str) -> Result<DateTime> {
    text.parse()
        .map_err(|error| StoreError::Corrupt(format!("date-time \"{text}\": {error}")))
}

fn parse_date(text: &str) -> Result<Date> {
    text.parse()
        .map_err(|error| StoreError::Corrupt(format!("date \"{text}\": {error}")))
}

fn optional_datetime(row: &AnyRow, column: &str) -> Result<Option<DateTime>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| parse_datetime(&text))
        .transpose()
}

fn parse_constraint(code: &str, date: Option<DateTime>) -> Result<Constraint> {
    match Constraint::from_code(code, date) {
        Ok(constraint) => Ok(constraint),
        Err(ConstraintCodeError::MissingDate) => Err(StoreError::Corrupt(format!(
            "constraint {code} without its date"
        ))),
        Err(ConstraintCodeError::Unknown) => {
            Err(StoreError::Corrupt(format!("constraint type \"{code}\"")))
        }
    }
}

fn parse_code<T>(what: &str, code: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(code).ok_or_else(|| StoreError::Corrupt(format!("{what} \"{code}\"")))
}

fn lag_columns(lag: Lag) -> (&'static str, f64) {
    match lag {
        Lag::None => ("none", 0.0),
        Lag::Working(minutes) => ("working", minutes as f64),
        Lag::Elapsed(minutes) => ("elapsed", minutes as f64),
        Lag::Percent(percent) => ("percent", percent),
    }
}

fn parse_lag(kind: &str, value: f64) -> Result<Lag> {
    match kind {
        "none" => Ok(Lag::None),
        "working" => Ok(Lag::Working(value as i64)),
        "elapsed" => Ok(Lag::Elapsed(value as i64)),
        "percent" => Ok(Lag::Percent(value)),
        other => Err(StoreError::Corrupt(format!("lag kind \"{other}\""))),
    }
}

/// The position of each task among its siblings.
pub(crate) fn sibling_positions(plan: &Plan) -> Vec<i64> {
    let mut next_child = vec![0i64; plan.tasks.len()];
    let mut next_root = 0i64;
    plan.tasks
        .iter()
        .map(|task| {
            let counter = match task.parent {
                Some(parent) => &mut next_child[parent.index()],
                None => &mut next_root,
            };
            let position = *counter;
            *counter += 1;
            position
        })
        .collect()
}

/// The columns of task `index` of `stored`; `positions` from [`sibling_positions`].
pub(crate) fn task_columns(stored: &StoredPlan, index: usize, positions: &[i64]) -> Columns {
    let plan = &stored.plan;
    let task = &plan.tasks[index];
    let parent = task.parent.map(|parent| {
        (
            stored.task_ids[parent.index()],
            plan.tasks[parent.index()].key.clone(),
        )
    });
    let calendar = task.calendar.map(|calendar| {
        (
            stored.calendar_ids[calendar.index()],
            plan.calendars[calendar.index()].name.clone(),
        )
    });
    let progress = &task.progress;
    vec![
        (
            "parent_id",
            Value::Reference(
                parent.as_ref().map(|(id, _)| *id),
                parent.map(|(_, key)| key).unwrap_or_default(),
            ),
        ),
        ("position", Value::Int(positions[index])),
        ("task_key", Value::Text(task.key.clone())),
        ("name", Value::Text(task.name.clone())),
        ("duration_minutes", Value::Int(task.duration.minutes)),
        ("duration_elapsed", Value::Bool(task.duration.elapsed)),
        ("milestone", Value::Bool(task.milestone)),
        (
            "constraint_type",
            Value::Text(task.constraint.code().to_string()),
        ),
        ("constraint_date", text_of_datetime(task.constraint.date())),
        ("deadline", text_of_datetime(task.deadline)),
        (
            "calendar_id",
            Value::Reference(
                calendar.as_ref().map(|(id, _)| *id),
                calendar.map(|(_, name)| name).unwrap_or_default(),
            ),
        ),
        ("priority", Value::Int(i64::from(task.priority))),
        ("task_type", Value::Text(task.task_type.code().to_string())),
        ("effort_driven", Value::Bool(task.effort_driven)),
        ("actual_start", text_of_datetime(progress.actual_start)),
        ("actual_finish", text_of_datetime(progress.actual_finish)),
        ("percent_complete", Value::Float(progress.percent_complete)),
        (
            "remaining_minutes",
            Value::OptionalInt(progress.remaining.map(|remaining| remaining.minutes)),
        ),
        (
            "remaining_elapsed",
            Value::Bool(
                progress
                    .remaining
                    .is_some_and(|remaining| remaining.elapsed),
            ),
        ),
        (
            "resume_at",
            text_of_datetime(progress.resume.as_deref().copied()),
        ),
        ("leveling_can_split", Value::Bool(task.leveling_can_split)),
        ("splits", Value::Text(splits_text(plan, index))),
    ]
}

/// The splits of task `index` as stored: "after+gap" in working minutes, comma separated, in
/// order of the work before them.
fn splits_text(plan: &Plan, index: usize) -> String {
    if plan.splits.is_empty() {
        return String::new();
    }
    let mut splits: Vec<&Split> = plan
        .splits
        .iter()
        .filter(|split| split.task.index() == index)
        .collect();
    splits.sort_by_key(|split| split.after);
    splits
        .iter()
        .map(|split| format!("{}+{}", split.after, split.gap))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`splits_text`] back.
fn parse_splits(task: TaskId, text: &str) -> Result<Vec<Split>> {
    text.split(',')
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (after, gap) = item
                .split_once('+')
                .and_then(|(after, gap)| Some((after.parse().ok()?, gap.parse().ok()?)))
                .ok_or_else(|| StoreError::Corrupt(format!("split \"{item}\"")))?;
            Ok(Split { task, after, gap })
        })
        .collect()
}

/// A reference to a task: its row id, shown by its key.
fn task_reference(stored: &StoredPlan, task: TaskId) -> Value {
    Value::Reference(
        Some(stored.task_ids[task.index()]),
        stored.plan.tasks[task.index()].key.clone(),
    )
}

/// The columns of link `index` of `stored`.
pub(crate) fn link_columns(stored: &StoredPlan, index: usize) -> Columns {
    let plan = &stored.plan;
    let link = &plan.links[index];
    let (lag_kind, lag_value) = lag_columns(link.lag);
    vec![
        ("predecessor_id", task_reference(stored, link.predecessor)),
        ("successor_id", task_reference(stored, link.successor)),
        ("link_type", Value::Text(link.kind.code().to_string())),
        ("lag_kind", Value::Text(lag_kind.to_string())),
        ("lag_value", Value::Float(lag_value)),
    ]
}

/// The columns of assignment `index` of `stored`.
pub(crate) fn assignment_columns(stored: &StoredPlan, index: usize) -> Columns {
    let plan = &stored.plan;
    let assignment = &plan.assignments[index];
    vec![
        ("task_id", task_reference(stored, assignment.task)),
        (
            "resource_id",
            Value::Reference(
                Some(stored.resource_ids[assignment.resource.index()]),
                plan.resources[assignment.resource.index()].key.clone(),
            ),
        ),
        ("units", Value::Float(assignment.units)),
        ("work_minutes", Value::OptionalInt(assignment.work)),
    ]
}

pub(crate) fn calendar_columns(stored: &StoredPlan, index: usize) -> Columns {
    let plan = &stored.plan;
    let calendar = &plan.calendars[index];
    let base = calendar.base.map(|base| {
        (
            stored.calendar_ids[base.index()],
            plan.calendars[base.index()].name.clone(),
        )
    });
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let mut columns = vec![
        ("position", Value::Int(index as i64)),
        ("name", Value::Text(calendar.name.clone())),
        (
            "base_id",
            Value::Reference(
                base.as_ref().map(|(id, _)| *id),
                base.map(|(_, name)| name).unwrap_or_default(),
            ),
        ),
    ];
    for (day, shifts) in DAYS.iter().zip(&calendar.week) {
        columns.push((day, Value::OptionalText(shifts.as_deref().map(shift_text))));
    }
    columns
}

/// The columns of exception `position` of calendar `calendar`.
pub(crate) fn exception_columns(plan: &Plan, calendar: usize, position: usize) -> Columns {
    let exception = &plan.calendars[calendar].exceptions[position];
    vec![
        ("position", Value::Int(position as i64)),
        ("name", Value::Text(exception.name.clone())),
        ("from_date", Value::Text(exception.from.to_string())),
        ("to_date", Value::Text(exception.to.to_string())),
        ("shifts", Value::Text(shift_text(&exception.shifts))),
    ]
}

pub(crate) fn resource_columns(stored: &StoredPlan, index: usize) -> Columns {
    let plan = &stored.plan;
    let resource = &plan.resources[index];
    let calendar = resource.calendar.map(|calendar| {
        (
            stored.calendar_ids[calendar.index()],
            plan.calendars[calendar.index()].name.clone(),
        )
    });
    vec![
        ("position", Value::Int(index as i64)),
        ("resource_key", Value::Text(resource.key.clone())),
        ("name", Value::Text(resource.name.clone())),
        ("kind", Value::Text(resource.kind.code().to_string())),
        ("max_units", Value::Float(resource.max_units)),
        (
            "calendar_id",
            Value::Reference(
                calendar.as_ref().map(|(id, _)| *id),
                calendar.map(|(_, name)| name).unwrap_or_default(),
            ),
        ),
        ("standard_rate", Value::Float(resource.standard_rate)),
        ("overtime_rate", Value::Float(resource.overtime_rate)),
        ("cost_per_use", Value::Float(resource.cost_per_use)),
        (
            "resource_group",
            Value::OptionalText(resource.group.clone()),
        ),
        ("initials", Value::OptionalText(resource.initials.clone())),
        ("email", Value::OptionalText(resource.email.clone())),
    ]
}

/// The project row's plan-level columns.
pub(crate) fn project_columns(plan: &Plan) -> Columns {
    vec![
        ("name", Value::Text(plan.name.clone())),
        ("start_at", Value::Text(plan.start.to_string())),
        ("status_date", text_of_datetime(plan.status_date)),
        ("time_zone", Value::OptionalText(plan.time_zone.clone())),
        (
            "minutes_per_day",
            Value::Int(plan.durations.minutes_per_day),
        ),
        (
            "minutes_per_week",
            Value::Int(plan.durations.minutes_per_week),
        ),
        ("days_per_month", Value::Int(plan.durations.days_per_month)),
    ]
}

/// Writes every row of `plan` for the new project `project_id` (whose row exists) and returns
/// the stored plan with the new row ids.
pub(crate) async fn insert_plan(
    connection: &mut AnyConnection,
    project_id: i64,
    plan: &Plan,
) -> Result<StoredPlan> {
    let mut stored = StoredPlan {
        project_id,
        version: 1,
        plan: plan.clone(),
        task_ids: Vec::with_capacity(plan.tasks.len()),
        task_versions: vec![1; plan.tasks.len()],
        link_ids: Vec::with_capacity(plan.links.len()),
        link_versions: vec![1; plan.links.len()],
        calendar_ids: Vec::with_capacity(plan.calendars.len()),
        calendar_versions: vec![1; plan.calendars.len()],
        exception_ids: Vec::with_capacity(plan.calendars.len()),
        resource_ids: Vec::with_capacity(plan.resources.len()),
        resource_versions: vec![1; plan.resources.len()],
        assignment_ids: Vec::with_capacity(plan.assignments.len()),
        assignment_versions: vec![1; plan.assignments.len()],
        control: Default::default(),
    };
    let fixed = [("project_id", project_id)];
    for index in 0..plan.calendars.len() {
        let id = insert_row(
            connection,
            "calendars",
            &fixed,
            &calendar_columns(&stored, index),
        )
        .await?;
        stored.calendar_ids.push(id);
        let mut exception_ids = Vec::with_capacity(plan.calendars[index].exceptions.len());
        for position in 0..plan.calendars[index].exceptions.len() {
            let exception = insert_row(
                connection,
                "calendar_exceptions",
                &[("calendar_id", id)],
                &exception_columns(plan, index, position),
            )
            .await?;
            exception_ids.push(exception);
        }
        stored.exception_ids.push(exception_ids);
    }
    sqlx::query("UPDATE projects SET calendar_id = $1 WHERE id = $2")
        .bind(stored.calendar_ids[plan.calendar.index()])
        .bind(project_id)
        .execute(&mut *connection)
        .await?;
    for index in 0..plan.resources.len() {
        let id = insert_row(
            connection,
            "resources",
            &fixed,
            &resource_columns(&stored, index),
        )
        .await?;
        stored.resource_ids.push(id);
        for (position, period) in plan.resources[index].availability.iter().enumerate() {
            let columns = vec![
                ("position", Value::Int(position as i64)),
                ("from_at", text_of_datetime(period.from)),
                ("to_at", text_of_datetime(period.to)),
                ("units", Value::Float(period.units)),
            ];
            insert_row(
                connection,
                "resource_availability",
                &[("resource_id", id)],
                &columns,
            )
            .await?;
        }
    }
    let positions = sibling_positions(plan);
    for index in 0..plan.tasks.len() {
        // Parents come first in WBS order, so a task's parent already has its row id.
        let id = insert_row(
            connection,
            "tasks",
            &fixed,
            &task_columns(&stored, index, &positions),
        )
        .await?;
        stored.task_ids.push(id);
    }
    for index in 0..plan.links.len() {
        let id = insert_row(connection, "links", &fixed, &link_columns(&stored, index)).await?;
        stored.link_ids.push(id);
    }
    for index in 0..plan.assignments.len() {
        let id = insert_row(
            connection,
            "assignments",
            &fixed,
            &assignment_columns(&stored, index),
        )
        .await?;
        stored.assignment_ids.push(id);
    }
    crate::control::insert(connection, &mut stored).await?;
    Ok(stored)
}

/// Reads project `project_id`'s plan.
pub(crate) async fn load_plan(
    connection: &mut AnyConnection,
    project_id: i64,
) -> Result<StoredPlan> {
    let project = sqlx::query(
        "SELECT name, start_at, status_date, time_zone, calendar_id, minutes_per_day, \
         minutes_per_week, days_per_month, version FROM projects WHERE id = $1",
    )
    .bind(project_id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or(StoreError::NotFound {
        entity: "project",
        id: project_id,
    })?;

    // Calendars, in their order, with their exceptions.
    let calendar_rows = sqlx::query(
        "SELECT id, version, name, base_id, monday, tuesday, wednesday, thursday, friday, \
         saturday, sunday FROM calendars WHERE project_id = $1 ORDER BY position",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let calendar_ids: Vec<i64> = calendar_rows
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
    let calendar_index: HashMap<i64, CalendarId> = calendar_ids
        .iter()
        .enumerate()
        .map(|(index, &id)| (id, CalendarId(index as u32)))
        .collect();
    let calendar_of = |id: Option<i64>| -> Result<Option<CalendarId>> {
        id.map(|id| {
            calendar_index
                .get(&id)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("calendar {id} of another project")))
        })
        .transpose()
    };
    let exception_rows = sqlx::query(
        "SELECT e.id, e.calendar_id, e.name, e.from_date, e.to_date, e.shifts \
         FROM calendar_exceptions e JOIN calendars c ON c.id = e.calendar_id \
         WHERE c.project_id = $1 ORDER BY e.calendar_id, e.position",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut exceptions: HashMap<i64, (Vec<CalendarException>, Vec<i64>)> = HashMap::new();
    for row in &exception_rows {
        let from: String = row.try_get("from_date")?;
        let to: String = row.try_get("to_date")?;
        let shifts: String = row.try_get("shifts")?;
        let (list, ids) = exceptions.entry(row.try_get("calendar_id")?).or_default();
        list.push(CalendarException {
            name: row.try_get("name")?,
            from: parse_date(&from)?,
            to: parse_date(&to)?,
            shifts: parse_shifts(&shifts)?,
        });
        ids.push(row.try_get("id")?);
    }
    let mut calendars = Vec::with_capacity(calendar_rows.len());
    let mut calendar_versions = Vec::with_capacity(calendar_rows.len());
    let mut exception_ids = Vec::with_capacity(calendar_rows.len());
    for row in &calendar_rows {
        let id: i64 = row.try_get("id")?;
        let (exceptions, ids) = exceptions.remove(&id).unwrap_or_default();
        calendar_versions.push(row.try_get("version")?);
        exception_ids.push(ids);
        let mut week: [Option<Vec<Shift>>; 7] = Default::default();
        for (day, column) in week.iter_mut().zip([
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]) {
            *day = row
                .try_get::<Option<String>, _>(column)?
                .map(|text| parse_shifts(&text))
                .transpose()?;
        }
        calendars.push(CalendarDef {
            name: row.try_get("name")?,
            base: calendar_of(row.try_get("base_id")?)?,
            week,
            exceptions,
        });
    }

    // Resources, in their order, with their availability.
    let resource_rows = sqlx::query(
        "SELECT id, version, resource_key, name, kind, max_units, calendar_id, standard_rate, \
         overtime_rate, cost_per_use, resource_group, initials, email \
         FROM resources WHERE project_id = $1 ORDER BY position",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let availability_rows = sqlx::query(
        "SELECT a.resource_id, a.from_at, a.to_at, a.units \
         FROM resource_availability a JOIN resources r ON r.id = a.resource_id \
         WHERE r.project_id = $1 ORDER BY a.resource_id, a.position",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut availability: HashMap<i64, Vec<Availability>> = HashMap::new();
    for row in &availability_rows {
        availability
            .entry(row.try_get("resource_id")?)
            .or_default()
            .push(Availability {
                from: optional_datetime(row, "from_at")?,
                to: optional_datetime(row, "to_at")?,
                units: get_f64(row, "units")?,
            });
    }
    let mut resources = Vec::with_capacity(resource_rows.len());
    let mut resource_ids = Vec::with_capacity(resource_rows.len());
    let mut resource_versions = Vec::with_capacity(resource_rows.len());
    for row in &resource_rows {
        let id: i64 = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        resources.push(Resource {
            key: row.try_get("resource_key")?,
            name: row.try_get("name")?,
            kind: parse_code("resource kind", &kind, ResourceKind::from_code)?,
            max_units: get_f64(row, "max_units")?,
            availability: availability.remove(&id).unwrap_or_default(),
            calendar: calendar_of(row.try_get("calendar_id")?)?,
            standard_rate: get_f64(row, "standard_rate")?,
            overtime_rate: get_f64(row, "overtime_rate")?,
            cost_per_use: get_f64(row, "cost_per_use")?,
            group: row.try_get("resource_group")?,
            initials: row.try_get("initials")?,
            email: row.try_get("email")?,
        });
        resource_ids.push(id);
        resource_versions.push(row.try_get("version")?);
    }
    let resource_index: HashMap<i64, ResourceId> = resource_ids
        .iter()
        .enumerate()
        .map(|(index, &id)| (id, ResourceId(index as u32)))
        .collect();

    // Tasks: a tree of rows, put in WBS order (each parent before its children, siblings by
    // position).
    let task_rows = sqlx::query(
        "SELECT id, version, parent_id, position, task_key, name, duration_minutes, \
         duration_elapsed, milestone, constraint_type, constraint_date, deadline, calendar_id, \
         priority, task_type, effort_driven, actual_start, actual_finish, percent_complete, \
         remaining_minutes, remaining_elapsed, resume_at, leveling_can_split, splits \
         FROM tasks WHERE project_id = $1",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut children: HashMap<Option<i64>, Vec<(i64, usize)>> = HashMap::new();
    for (row_index, row) in task_rows.iter().enumerate() {
        let parent: Option<i64> = row.try_get("parent_id")?;
        let position: i64 = row.try_get("position")?;
        children
            .entry(parent)
            .or_default()
            .push((position, row_index));
    }
    for siblings in children.values_mut() {
        siblings.sort_unstable();
    }
    let mut order: Vec<usize> = Vec::with_capacity(task_rows.len());
    let mut stack: Vec<usize> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|&(_, row)| row).collect())
        .unwrap_or_default();
    while let Some(row_index) = stack.pop() {
        order.push(row_index);
        let id: i64 = task_rows[row_index].try_get("id")?;
        if let Some(kids) = children.get(&Some(id)) {
            stack.extend(kids.iter().rev().map(|&(_, row)| row));
        }
    }
    if order.len() != task_rows.len() {
        return Err(StoreError::Corrupt(format!(
            "project {project_id} has tasks outside its WBS tree"
        )));
    }
    let mut task_index: HashMap<i64, TaskId> = HashMap::with_capacity(order.len());
    let mut tasks = Vec::with_capacity(order.len());
    let mut splits: Vec<Split> = Vec::new();
    let mut task_ids = Vec::with_capacity(order.len());
    let mut task_versions = Vec::with_capacity(order.len());
    for &row_index in &order {
        let row = &task_rows[row_index];
        let id: i64 = row.try_get("id")?;
        task_index.insert(id, TaskId(tasks.len() as u32));
        let parent = row
            .try_get::<Option<i64>, _>("parent_id")?
            .map(|parent| task_index[&parent]);
        let constraint_type: String = row.try_get("constraint_type")?;
        let task_type: String = row.try_get("task_type")?;
        let priority: i64 = row.try_get("priority")?;
        let remaining: Option<i64> = row.try_get("remaining_minutes")?;
        let remaining_elapsed = get_bool(row, "remaining_elapsed")?;
        let split_text: String = row.try_get("splits")?;
        splits.extend(parse_splits(TaskId(tasks.len() as u32), &split_text)?);
        tasks.push(Task {
            key: row.try_get("task_key")?,
            name: row.try_get("name")?,
            parent,
            duration: Duration {
                minutes: row.try_get("duration_minutes")?,
                elapsed: get_bool(row, "duration_elapsed")?,
            },
            milestone: get_bool(row, "milestone")?,
            constraint: parse_constraint(
                &constraint_type,
                optional_datetime(row, "constraint_date")?,
            )?,
            deadline: optional_datetime(row, "deadline")?,
            calendar: calendar_of(row.try_get("calendar_id")?)?,
            priority: u16::try_from(priority)
                .map_err(|_| StoreError::Corrupt(format!("priority {priority}")))?,
            task_type: parse_code("task type", &task_type, TaskType::from_code)?,
            effort_driven: get_bool(row, "effort_driven")?,
            leveling_can_split: get_bool(row, "leveling_can_split")?,
            progress: Progress {
                actual_start: optional_datetime(row, "actual_start")?,
                actual_finish: optional_datetime(row, "actual_finish")?,
                percent_complete: get_f64(row, "percent_complete")?,
                remaining: remaining.map(|minutes| Duration {
                    minutes,
                    elapsed: remaining_elapsed,
                }),
                resume: optional_datetime(row, "resume_at")?.map(Box::new),
            },
        });
        task_ids.push(id);
        task_versions.push(row.try_get("version")?);
    }
    let task_of = |id: i64| -> Result<TaskId> {
        task_index
            .get(&id)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("task {id} of another project")))
    };

    let link_rows = sqlx::query(
        "SELECT id, version, predecessor_id, successor_id, link_type, lag_kind, lag_value \
         FROM links WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut links = Vec::with_capacity(link_rows.len());
    let mut link_ids = Vec::with_capacity(link_rows.len());
    let mut link_versions = Vec::with_capacity(link_rows.len());
    for row in &link_rows {
        let link_type: String = row.try_get("link_type")?;
        let lag_kind: String = row.try_get("lag_kind")?;
        links.push(Link {
            predecessor: task_of(row.try_get("predecessor_id")?)?,
            successor: task_of(row.try_get("successor_id")?)?,
            kind: parse_code("link type", &link_type, LinkType::from_code)?,
            lag: parse_lag(&lag_kind, get_f64(row, "lag_value")?)?,
        });
        link_ids.push(row.try_get("id")?);
        link_versions.push(row.try_get("version")?);
    }

    let assignment_rows = sqlx::query(
        "SELECT id, version, task_id, resource_id, units, work_minutes \
         FROM assignments WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut assignments = Vec::with_capacity(assignment_rows.len());
    let mut assignment_ids = Vec::with_capacity(assignment_rows.len());
    let mut assignment_versions = Vec::with_capacity(assignment_rows.len());
    for row in &assignment_rows {
        let resource: i64 = row.try_get("resource_id")?;
        assignments.push(Assignment {
            task: task_of(row.try_get("task_id")?)?,
            resource: *resource_index
                .get(&resource)
                .ok_or_else(|| StoreError::Corrupt(format!("resource {resource}")))?,
            units: get_f64(row, "units")?,
            work: row.try_get("work_minutes")?,
        });
        assignment_ids.push(row.try_get("id")?);
        assignment_versions.push(row.try_get("version")?);
    }

    let control =
        crate::control::load(connection, project_id, &task_index, &resource_index).await?;
    let start: String = project.try_get("start_at")?;
    let mut plan = Plan {
        name: project.try_get("name")?,
        start: parse_datetime(&start)?,
        status_date: optional_datetime(&project, "status_date")?,
        baselines: control.baselines,
        costs: control.costs,
        tracking: control.tracking,
        time_zone: project.try_get("time_zone")?,
        calendar: calendar_of(project.try_get("calendar_id")?)?
            .ok_or_else(|| StoreError::Corrupt(format!("project {project_id} has no calendar")))?,
        calendars,
        tasks,
        links,
        durations: DurationSettings {
            minutes_per_day: project.try_get("minutes_per_day")?,
            minutes_per_week: project.try_get("minutes_per_week")?,
            days_per_month: project.try_get("days_per_month")?,
        },
        resources,
        assignments,
        splits,
    };
    crate::control::normalize(&mut plan);
    Ok(StoredPlan {
        project_id,
        version: project.try_get("version")?,
        plan,
        task_ids,
        task_versions,
        link_ids,
        link_versions,
        calendar_ids,
        calendar_versions,
        exception_ids,
        resource_ids,
        resource_versions,
        assignment_ids,
        assignment_versions,
        control: control.rows,
    })
}
