//! Edits of a project's setup: its own fields (name, start, status date, calendar), its
//! calendars and their exceptions, its resources and their availability, and leveling. They go
//! through [`Store::edit`](crate::Store::edit) like every other change: applied to the plan in
//! memory, checked, scheduled, then written with the history.

use std::collections::{HashMap, HashSet};

use gantry_core::calendar::WorkingCalendar;
use gantry_core::level::{LevelingOptions, level};
use gantry_core::model::{
    Availability, CalendarDef, CalendarException, CalendarId, Plan, Resource, ResourceId,
    ResourceKind, Shift,
};
use jiff::civil::DateTime;
use sqlx::AnyConnection;

use crate::error::{Result, StoreError};
use crate::history::{FieldChange, Record};
use crate::plan_rows::{
    StoredPlan, Value, changed_columns, exception_columns, insert_row, project_columns, update_row,
    update_unversioned,
};
use crate::projects::{
    Applied, CALENDARS, Created, NEW_ROW, RESOURCES, Touched, check_key, check_version, delete_row,
    schedule_error, work_error,
};

/// Changes to the project's own fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectChanges {
    /// New name.
    pub name: Option<String>,
    /// New project start.
    pub start: Option<DateTime>,
    /// New status date (progress is measured and remaining work scheduled from it), or none.
    pub status_date: Option<Option<DateTime>>,
    /// The calendar (row id) the project's tasks follow unless they have their own.
    pub calendar: Option<i64>,
}

/// A calendar's own fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalendarChanges {
    /// New name (unique in the project).
    pub name: Option<String>,
    /// The calendar (row id) whose days this one inherits, or none.
    pub base: Option<Option<i64>>,
    /// Each week day, Monday first: `Some(None)` inherits the base calendar's day,
    /// `Some(Some(vec![]))` is a day off, `Some(Some(shifts))` working hours.
    pub week: [Option<Option<Vec<Shift>>>; 7],
}

/// A resource's fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceChanges {
    /// New key (resources with the same key in several projects are one shared resource).
    pub key: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// Work, material or cost.
    pub kind: Option<ResourceKind>,
    /// Maximum units at once.
    pub max_units: Option<f64>,
    /// Periods with other maximum units, replacing the ones stored.
    pub availability: Option<Vec<Availability>>,
    /// Its calendar (row id), or the project's.
    pub calendar: Option<Option<i64>>,
    /// Cost per hour (or per unit of material).
    pub standard_rate: Option<f64>,
    /// Cost per hour of overtime.
    pub overtime_rate: Option<f64>,
    /// Cost per use.
    pub cost_per_use: Option<f64>,
    /// Group or department, or none.
    pub group: Option<Option<String>>,
    /// Initials, or none.
    pub initials: Option<Option<String>>,
    /// E-mail address, or none.
    pub email: Option<Option<String>>,
}

/// A change to a project's setup, applied through [`crate::Edit::Setup`]. Row ids name
/// calendars, exceptions and resources; `version` is the version of the row the client read.
#[derive(Clone, Debug, PartialEq)]
pub enum SetupEdit {
    /// Changes the project's own fields (name, start, status date, calendar).
    Project {
        /// The project version the client read.
        version: i64,
        /// What changes.
        changes: ProjectChanges,
    },
    /// Adds a calendar (its name is `changes.name`).
    CreateCalendar {
        /// Its fields.
        changes: CalendarChanges,
    },
    /// Changes a calendar's name, base or week.
    UpdateCalendar {
        /// The calendar.
        calendar: i64,
        /// The version the client read.
        version: i64,
        /// What changes.
        changes: CalendarChanges,
    },
    /// Deletes a calendar that nothing uses.
    DeleteCalendar {
        /// The calendar.
        calendar: i64,
        /// The version the client read.
        version: i64,
    },
    /// Adds an exception (a holiday, changed hours) to a calendar.
    CreateException {
        /// The calendar.
        calendar: i64,
        /// The calendar version the client read.
        version: i64,
        /// The exception.
        exception: CalendarException,
    },
    /// Replaces one of a calendar's exceptions.
    UpdateException {
        /// The calendar.
        calendar: i64,
        /// The calendar version the client read.
        version: i64,
        /// The exception's row id.
        exception: i64,
        /// What it becomes.
        value: CalendarException,
    },
    /// Deletes one of a calendar's exceptions.
    DeleteException {
        /// The calendar.
        calendar: i64,
        /// The calendar version the client read.
        version: i64,
        /// The exception's row id.
        exception: i64,
    },
    /// Adds a resource.
    CreateResource {
        /// Its key (the same key in several projects is one shared resource).
        key: String,
        /// Its name.
        name: String,
        /// Its other fields.
        changes: ResourceChanges,
    },
    /// Changes a resource's fields.
    UpdateResource {
        /// The resource.
        resource: i64,
        /// The version the client read.
        version: i64,
        /// What changes.
        changes: ResourceChanges,
    },
    /// Deletes a resource, taking it off its tasks first.
    DeleteResource {
        /// The resource.
        resource: i64,
        /// The version the client read.
        version: i64,
    },
    /// Levels the project's resources: the tasks leveling delays get a Start No Earlier Than,
    /// the tasks it splits their splits (a started one a resume date; see `gantry_core::level`).
    Level {
        /// The project version the client read (and previewed the leveling of).
        version: i64,
    },
}

fn setup_applied(created: Option<Created>) -> Applied {
    Applied::of(created, Touched::setup())
}

fn calendar_index_of(stored: &StoredPlan, id: i64) -> Result<usize> {
    stored.calendar_index(id).ok_or(StoreError::NotFound {
        entity: "calendar",
        id,
    })
}

/// The plan index of calendar `id`, refused as a conflict unless it is still at `version`.
fn calendar_at(stored: &StoredPlan, id: i64, version: i64) -> Result<usize> {
    let index = calendar_index_of(stored, id)?;
    check_version("calendar", id, version, stored.calendar_versions[index])?;
    Ok(index)
}

/// The plan index of resource `id`, refused as a conflict unless it is still at `version`.
fn resource_at(stored: &StoredPlan, id: i64, version: i64) -> Result<usize> {
    let index = stored.resource_index(id).ok_or(StoreError::NotFound {
        entity: "resource",
        id,
    })?;
    check_version("resource", id, version, stored.resource_versions[index])?;
    Ok(index)
}

/// Applies a setup edit to the plan in memory, checking each value.
pub(crate) fn apply(stored: &mut StoredPlan, edit: &SetupEdit) -> Result<Applied> {
    match *edit {
        SetupEdit::Project {
            version,
            ref changes,
        } => {
            // The project's version moves with every change to its plan: the lock raised it by
            // one, so the version the client read is one below.
            check_version("project", stored.project_id, version, stored.version - 1)?;
            if let Some(name) = &changes.name {
                if name.trim().is_empty() {
                    return Err(StoreError::invalid(Some("name"), "a project needs a name"));
                }
                stored.plan.name = name.clone();
            }
            if let Some(start) = changes.start {
                stored.plan.start = start;
            }
            if let Some(status_date) = changes.status_date {
                stored.plan.status_date = status_date;
            }
            if let Some(calendar) = changes.calendar {
                stored.plan.calendar = CalendarId(calendar_index_of(stored, calendar)? as u32);
            }
            Ok(setup_applied(None))
        }
        SetupEdit::CreateCalendar { ref changes } => {
            let mut calendar = CalendarDef {
                name: String::new(),
                base: None,
                week: Default::default(),
                exceptions: Vec::new(),
            };
            apply_calendar_changes(stored, None, &mut calendar, changes)?;
            check_calendar_name(&stored.plan, None, &calendar.name)?;
            stored.plan.calendars.push(calendar);
            stored.calendar_ids.push(NEW_ROW);
            stored.calendar_versions.push(1);
            stored.exception_ids.push(Vec::new());
            let index = stored.plan.calendars.len() - 1;
            check_calendars(&stored.plan)?;
            Ok(setup_applied(Some(Created::Calendar(index))))
        }
        SetupEdit::UpdateCalendar {
            calendar,
            version,
            ref changes,
        } => {
            let index = calendar_at(stored, calendar, version)?;
            let mut updated = stored.plan.calendars[index].clone();
            apply_calendar_changes(stored, Some(index), &mut updated, changes)?;
            check_calendar_name(&stored.plan, Some(index), &updated.name)?;
            stored.plan.calendars[index] = updated;
            check_calendars(&stored.plan)?;
            Ok(setup_applied(None))
        }
        SetupEdit::DeleteCalendar { calendar, version } => {
            let index = calendar_at(stored, calendar, version)?;
            delete_calendar(stored, index)?;
            Ok(setup_applied(None))
        }
        SetupEdit::CreateException {
            calendar,
            version,
            ref exception,
        } => {
            let index = calendar_at(stored, calendar, version)?;
            check_exception(exception)?;
            stored.plan.calendars[index]
                .exceptions
                .push(exception.clone());
            stored.exception_ids[index].push(NEW_ROW);
            check_calendars(&stored.plan)?;
            let position = stored.exception_ids[index].len() - 1;
            Ok(setup_applied(Some(Created::Exception(index, position))))
        }
        SetupEdit::UpdateException {
            calendar,
            version,
            exception,
            ref value,
        } => {
            let index = calendar_at(stored, calendar, version)?;
            let position = exception_position(stored, index, exception)?;
            check_exception(value)?;
            stored.plan.calendars[index].exceptions[position] = value.clone();
            check_calendars(&stored.plan)?;
            Ok(setup_applied(None))
        }
        SetupEdit::DeleteException {
            calendar,
            version,
            exception,
        } => {
            let index = calendar_at(stored, calendar, version)?;
            let position = exception_position(stored, index, exception)?;
            stored.plan.calendars[index].exceptions.remove(position);
            stored.exception_ids[index].remove(position);
            check_calendars(&stored.plan)?;
            Ok(setup_applied(None))
        }
        SetupEdit::CreateResource {
            ref key,
            ref name,
            ref changes,
        } => {
            check_resource_key(&stored.plan, None, key)?;
            let mut resource = Resource::new(key, name);
            apply_resource_changes(stored, &mut resource, changes)?;
            check_resource_key(&stored.plan, None, &resource.key)?;
            stored.plan.resources.push(resource);
            stored.resource_ids.push(NEW_ROW);
            stored.resource_versions.push(1);
            Ok(setup_applied(Some(Created::Resource(
                stored.plan.resources.len() - 1,
            ))))
        }
        SetupEdit::UpdateResource {
            resource,
            version,
            ref changes,
        } => {
            let index = resource_at(stored, resource, version)?;
            let mut updated = stored.plan.resources[index].clone();
            apply_resource_changes(stored, &mut updated, changes)?;
            check_resource_key(&stored.plan, Some(index), &updated.key)?;
            if updated.kind != stored.plan.resources[index].kind
                && stored
                    .plan
                    .assignments
                    .iter()
                    .any(|assignment| assignment.resource.index() == index)
            {
                return Err(StoreError::invalid(
                    Some("kind"),
                    format!(
                        "\"{}\" is assigned to tasks: take it off them before changing its kind",
                        updated.key
                    ),
                ));
            }
            stored.plan.resources[index] = updated;
            Ok(setup_applied(None))
        }
        SetupEdit::DeleteResource { resource, version } => {
            let index = resource_at(stored, resource, version)?;
            let tasks = delete_resource(stored, index)?;
            Ok(Applied {
                created: None,
                touched: Touched {
                    tasks: Some(tasks),
                    links: false,
                    setup: true,
                },
                leveling: None,
            })
        }
        SetupEdit::Level { version } => {
            check_version("project", stored.project_id, version, stored.version - 1)?;
            let leveling = level(&stored.plan, &LevelingOptions::default())
                .map_err(|failure| schedule_error(&stored.plan, failure))?;
            let mut tasks = Vec::with_capacity(leveling.delays.len());
            for delay in &leveling.delays {
                let index = delay.task.index();
                stored.plan.tasks[index].constraint = leveling.plan.tasks[index].constraint;
                tasks.push(index);
            }
            // Split tasks keep their splits; a started one its resume date.
            for split in &leveling.splits {
                let index = split.task.index();
                stored.plan.tasks[index].progress.resume =
                    leveling.plan.tasks[index].progress.resume.clone();
                tasks.push(index);
            }
            if !leveling.splits.is_empty() {
                stored.plan.splits.clone_from(&leveling.plan.splits);
                stored
                    .plan
                    .splits
                    .sort_by_key(|split| (split.task, split.after));
                tasks.sort_unstable();
                tasks.dedup();
            }
            Ok(Applied {
                created: None,
                touched: Touched {
                    tasks: Some(tasks),
                    links: false,
                    setup: false,
                },
                leveling: Some(leveling),
            })
        }
    }
}

fn apply_calendar_changes(
    stored: &StoredPlan,
    index: Option<usize>,
    calendar: &mut CalendarDef,
    changes: &CalendarChanges,
) -> Result<()> {
    if let Some(name) = &changes.name {
        calendar.name = name.clone();
    }
    if calendar.name.trim().is_empty() {
        return Err(StoreError::invalid(Some("name"), "a calendar needs a name"));
    }
    if let Some(base) = changes.base {
        calendar.base = match base {
            None => None,
            Some(base) => {
                let base_index = calendar_index_of(stored, base)?;
                // Bases come before the calendars built on them (which also rules out a loop).
                let limit = index.unwrap_or(stored.plan.calendars.len());
                if base_index >= limit {
                    return Err(StoreError::invalid(
                        Some("base_id"),
                        format!(
                            "\"{}\" cannot be the base of \"{}\": a base calendar is one created before it",
                            stored.plan.calendars[base_index].name, calendar.name
                        ),
                    ));
                }
                Some(CalendarId(base_index as u32))
            }
        };
    }
    for (day, change) in calendar.week.iter_mut().zip(&changes.week) {
        if let Some(shifts) = change {
            *day = shifts.clone();
        }
    }
    Ok(())
}

/// Refuses `value` when a row other than `index` already has it.
fn check_unique<'a>(
    what: &'static str,
    mut existing: impl Iterator<Item = &'a str>,
    index: Option<usize>,
    value: &str,
) -> Result<()> {
    let mut position = 0;
    let taken = existing.any(|other| {
        position += 1;
        Some(position - 1) != index && other == value
    });
    if taken {
        return Err(StoreError::Duplicate {
            what,
            value: value.to_string(),
        });
    }
    Ok(())
}

fn check_calendar_name(plan: &Plan, index: Option<usize>, name: &str) -> Result<()> {
    let names = plan.calendars.iter().map(|calendar| calendar.name.as_str());
    check_unique("calendar name", names, index, name)
}

/// Builds every calendar, so that bad or overlapping shifts, and a calendar without any working
/// time, are refused even while no task uses the calendar.
fn check_calendars(plan: &Plan) -> Result<()> {
    for index in 0..plan.calendars.len() {
        WorkingCalendar::build(&plan.calendars, CalendarId(index as u32))
            .map_err(|error| StoreError::invalid(Some("calendar"), error.to_string()))?;
    }
    Ok(())
}

fn check_exception(exception: &CalendarException) -> Result<()> {
    if exception.name.trim().is_empty() {
        return Err(StoreError::invalid(
            Some("name"),
            "an exception needs a name (\"Christmas\", \"Cut-over weekend\")",
        ));
    }
    if exception.to < exception.from {
        return Err(StoreError::invalid(
            Some("to"),
            format!(
                "the exception ends ({}) before it starts ({})",
                exception.to, exception.from
            ),
        ));
    }
    Ok(())
}

fn exception_position(stored: &StoredPlan, calendar: usize, id: i64) -> Result<usize> {
    stored.exception_ids[calendar]
        .iter()
        .position(|&exception| exception == id)
        .ok_or(StoreError::NotFound {
            entity: "calendar exception",
            id,
        })
}

/// Removes calendar `index`, refusing while anything uses it, and renumbers the calendars
/// after it everywhere.
fn delete_calendar(stored: &mut StoredPlan, index: usize) -> Result<()> {
    let plan = &stored.plan;
    let name = &plan.calendars[index].name;
    let id = CalendarId(index as u32);
    let in_use = |what: String| {
        Err(StoreError::invalid(
            Some("calendar"),
            format!("\"{name}\" is {what}: change that first"),
        ))
    };
    if plan.calendar == id {
        return in_use("the project calendar".to_string());
    }
    if let Some(calendar) = plan.calendars.iter().find(|other| other.base == Some(id)) {
        return in_use(format!("the base of \"{}\"", calendar.name));
    }
    if let Some(task) = plan.tasks.iter().find(|task| task.calendar == Some(id)) {
        return in_use(format!("the calendar of task \"{}\"", task.key));
    }
    if let Some(resource) = plan
        .resources
        .iter()
        .find(|resource| resource.calendar == Some(id))
    {
        return in_use(format!("the calendar of resource \"{}\"", resource.key));
    }
    let shift = |calendar: CalendarId| {
        if calendar.index() > index {
            CalendarId(calendar.0 - 1)
        } else {
            calendar
        }
    };
    let plan = &mut stored.plan;
    plan.calendars.remove(index);
    plan.calendar = shift(plan.calendar);
    for calendar in &mut plan.calendars {
        calendar.base = calendar.base.map(shift);
    }
    for task in &mut plan.tasks {
        task.calendar = task.calendar.map(shift);
    }
    for resource in &mut plan.resources {
        resource.calendar = resource.calendar.map(shift);
    }
    stored.calendar_ids.remove(index);
    stored.calendar_versions.remove(index);
    stored.exception_ids.remove(index);
    Ok(())
}

fn check_resource_key(plan: &Plan, index: Option<usize>, key: &str) -> Result<()> {
    check_key("resource key", key)?;
    let keys = plan.resources.iter().map(|resource| resource.key.as_str());
    check_unique("resource key", keys, index, key)
}

fn apply_resource_changes(
    stored: &StoredPlan,
    resource: &mut Resource,
    changes: &ResourceChanges,
) -> Result<()> {
    let non_negative = |field: &'static str, value: f64| -> Result<f64> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(StoreError::invalid(
                Some(field),
                format!("{field} must be a number of zero or more, got {value}"),
            ))
        }
    };
    if let Some(key) = &changes.key {
        resource.key = key.clone();
    }
    if let Some(name) = &changes.name {
        resource.name = name.clone();
    }
    if resource.name.trim().is_empty() {
        return Err(StoreError::invalid(Some("name"), "a resource needs a name"));
    }
    if let Some(kind) = changes.kind {
        resource.kind = kind;
    }
    if let Some(units) = changes.max_units {
        resource.max_units = non_negative("max_units", units)?;
    }
    if let Some(availability) = &changes.availability {
        for period in availability {
            non_negative("availability", period.units)?;
            if let (Some(from), Some(to)) = (period.from, period.to)
                && to < from
            {
                return Err(StoreError::invalid(
                    Some("availability"),
                    format!("an availability period ends ({to}) before it starts ({from})"),
                ));
            }
        }
        resource.availability = availability.clone();
    }
    if let Some(calendar) = changes.calendar {
        resource.calendar = calendar
            .map(|id| calendar_index_of(stored, id).map(|index| CalendarId(index as u32)))
            .transpose()?;
    }
    if let Some(rate) = changes.standard_rate {
        resource.standard_rate = non_negative("standard_rate", rate)?;
    }
    if let Some(rate) = changes.overtime_rate {
        resource.overtime_rate = non_negative("overtime_rate", rate)?;
    }
    if let Some(cost) = changes.cost_per_use {
        resource.cost_per_use = non_negative("cost_per_use", cost)?;
    }
    if let Some(group) = &changes.group {
        resource.group = group.clone();
    }
    if let Some(initials) = &changes.initials {
        resource.initials = initials.clone();
    }
    if let Some(email) = &changes.email {
        resource.email = email.clone();
    }
    Ok(())
}

/// Takes resource `index` off every task (an effort-driven task shares its work among the
/// others, as when one is unassigned) and removes it. Returns the tasks it was on.
fn delete_resource(stored: &mut StoredPlan, index: usize) -> Result<Vec<usize>> {
    let mut tasks = Vec::new();
    while let Some(assignment) = stored
        .plan
        .assignments
        .iter()
        .rposition(|assignment| assignment.resource.index() == index)
    {
        tasks.push(stored.plan.assignments[assignment].task.index());
        stored
            .plan
            .unassign(assignment)
            .map_err(|error| work_error("resource", error))?;
        stored.assignment_ids.remove(assignment);
        stored.assignment_versions.remove(assignment);
    }
    crate::control::remove_resource(stored, index);
    stored.plan.resources.remove(index);
    stored.resource_ids.remove(index);
    stored.resource_versions.remove(index);
    for assignment in &mut stored.plan.assignments {
        if assignment.resource.index() > index {
            assignment.resource = ResourceId(assignment.resource.0 - 1);
        }
    }
    tasks.sort_unstable();
    tasks.dedup();
    Ok(tasks)
}

/// Writes what a setup edit changed in the project row, the calendars with their exceptions
/// and the resources with their availability, with the history records.
pub(crate) async fn persist(
    connection: &mut AnyConnection,
    before: &StoredPlan,
    after: &mut StoredPlan,
    records: &mut Vec<Record>,
) -> Result<()> {
    let project_id = before.project_id;
    let fixed = [("project_id", project_id)];

    // The project row (its version was raised by the lock).
    let mut old = project_columns(&before.plan);
    let mut new = project_columns(&after.plan);
    let calendar = |stored: &StoredPlan| {
        let index = stored.plan.calendar.index();
        Value::Reference(
            Some(stored.calendar_ids[index]),
            stored.plan.calendars[index].name.clone(),
        )
    };
    old.push(("calendar_id", calendar(before)));

    // Calendars: deleted, new (their ids are needed before the project may point at one), then
    // changed; then their exceptions.
    crate::projects::delete_rows(connection, &CALENDARS, before, after, records).await?;
    crate::projects::persist_rows(connection, &CALENDARS, &fixed, before, after, true, records)
        .await?;
    new.push(("calendar_id", calendar(after)));
    let changed: Vec<(&'static str, Value)> = changed_columns(&old, &new);
    if !changed.is_empty() {
        update_unversioned(connection, "projects", project_id, &changed).await?;
        records.push(Record {
            entity: "project",
            entity_id: project_id,
            action: "update",
            label: after.plan.name.clone(),
            changes: crate::projects::field_changes(Some(&old), Some(&new)),
        });
    }
    persist_exceptions(connection, before, after, records).await?;

    // Resources: deleted (their assignments went first), new and changed, then availability.
    crate::projects::delete_rows(connection, &RESOURCES, before, after, records).await?;
    crate::projects::persist_rows(connection, &RESOURCES, &fixed, before, after, true, records)
        .await?;
    persist_availability(connection, before, after, records).await?;
    Ok(())
}

fn exception_label(exception: &CalendarException) -> String {
    let days = if exception.from == exception.to {
        exception.from.to_string()
    } else {
        format!("{} to {}", exception.from, exception.to)
    };
    let hours = if exception.shifts.is_empty() {
        "day off".to_string()
    } else {
        crate::plan_rows::shift_text(&exception.shifts)
    };
    format!("{} ({days}, {hours})", exception.name)
}

/// Writes each calendar's exceptions that differ (the calendar's version is raised once when
/// any of them changed, so that a stale edit of the calendar is refused).
async fn persist_exceptions(
    connection: &mut AnyConnection,
    before: &StoredPlan,
    after: &mut StoredPlan,
    records: &mut Vec<Record>,
) -> Result<()> {
    for calendar in 0..after.calendar_ids.len() {
        let calendar_id = after.calendar_ids[calendar];
        let old_index = before.calendar_index(calendar_id);
        let old_ids: &[i64] = old_index.map_or(&[], |index| &before.exception_ids[index]);
        let kept: HashSet<i64> = after.exception_ids[calendar].iter().copied().collect();
        let mut changes = Vec::new();
        for (position, &id) in old_ids.iter().enumerate() {
            if !kept.contains(&id) {
                delete_row(connection, "calendar_exceptions", id).await?;
                let old = &before.plan.calendars[old_index.unwrap_or(0)].exceptions[position];
                changes.push(FieldChange {
                    field: "exception".into(),
                    old: Some(exception_label(old)),
                    new: None,
                });
            }
        }
        let old_positions: HashMap<i64, usize> = old_ids
            .iter()
            .enumerate()
            .map(|(position, &id)| (id, position))
            .collect();
        for position in 0..after.exception_ids[calendar].len() {
            let id = after.exception_ids[calendar][position];
            let columns = exception_columns(&after.plan, calendar, position);
            let new = &after.plan.calendars[calendar].exceptions[position];
            if id == NEW_ROW {
                let id = insert_row(
                    connection,
                    "calendar_exceptions",
                    &[("calendar_id", calendar_id)],
                    &columns,
                )
                .await?;
                after.exception_ids[calendar][position] = id;
                changes.push(FieldChange {
                    field: "exception".into(),
                    old: None,
                    new: Some(exception_label(new)),
                });
                continue;
            }
            let (Some(before_calendar), Some(&old_position)) = (old_index, old_positions.get(&id))
            else {
                continue;
            };
            let old_columns = exception_columns(&before.plan, before_calendar, old_position);
            let changed = changed_columns(&old_columns, &columns);
            if changed.is_empty() {
                continue;
            }
            update_unversioned(connection, "calendar_exceptions", id, &changed).await?;
            let old = &before.plan.calendars[before_calendar].exceptions[old_position];
            if old != new {
                changes.push(FieldChange {
                    field: "exception".into(),
                    old: Some(exception_label(old)),
                    new: Some(exception_label(new)),
                });
            }
        }
        if changes.is_empty() {
            continue;
        }
        // A new calendar has no exceptions yet; an existing one's version moves once per edit.
        if let Some(old_index) = old_index
            && after.calendar_versions[calendar] == before.calendar_versions[old_index]
        {
            let version = before.calendar_versions[old_index];
            update_row(
                connection,
                "calendar",
                "calendars",
                calendar_id,
                version,
                &[],
            )
            .await?;
            after.calendar_versions[calendar] = version + 1;
        }
        records.push(Record {
            entity: "calendar",
            entity_id: calendar_id,
            action: "update",
            label: after.plan.calendars[calendar].name.clone(),
            changes,
        });
    }
    Ok(())
}

fn availability_label(periods: &[Availability]) -> String {
    periods
        .iter()
        .map(|period| {
            let end =
                |value: Option<DateTime>| value.map_or("…".to_string(), |at| at.to_string());
            format!("{}–{}: {}", end(period.from), end(period.to), period.units)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Rewrites the availability of each resource whose periods changed (a short list, always
/// written whole), raising the resource's version once.
async fn persist_availability(
    connection: &mut AnyConnection,
    before: &StoredPlan,
    after: &mut StoredPlan,
    records: &mut Vec<Record>,
) -> Result<()> {
    for resource in 0..after.resource_ids.len() {
        let id = after.resource_ids[resource];
        let old_index = before.resource_index(id);
        let old: &[Availability] =
            old_index.map_or(&[], |index| &before.plan.resources[index].availability);
        let new = after.plan.resources[resource].availability.clone();
        if old == new.as_slice() {
            continue;
        }
        sqlx::query("DELETE FROM resource_availability WHERE resource_id = $1")
            .bind(id)
            .execute(&mut *connection)
            .await?;
        for (position, period) in new.iter().enumerate() {
            let text =
                |value: Option<DateTime>| Value::OptionalText(value.map(|at| at.to_string()));
            insert_row(
                connection,
                "resource_availability",
                &[("resource_id", id)],
                &vec![
                    ("position", Value::Int(position as i64)),
                    ("from_at", text(period.from)),
                    ("to_at", text(period.to)),
                    ("units", Value::Float(period.units)),
                ],
            )
            .await?;
        }
        if let Some(old_index) = old_index {
            if after.resource_versions[resource] == before.resource_versions[old_index] {
                let version = before.resource_versions[old_index];
                update_row(connection, "resource", "resources", id, version, &[]).await?;
                after.resource_versions[resource] = version + 1;
            }
            records.push(Record {
                entity: "resource",
                entity_id: id,
                action: "update",
                label: after.plan.resources[resource].key.clone(),
                changes: vec![FieldChange {
                    field: "availability".into(),
                    old: Some(availability_label(old)),
                    new: Some(availability_label(&new)),
                }],
            });
        }
    }
    Ok(())
}
