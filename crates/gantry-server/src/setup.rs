//! A project's setup over `/api/v1/projects/{project}`: its own fields (name, start, status
//! date, calendar), its calendars with their holidays and changed hours, its resources with
//! their availability and workload, and resource leveling (a preview anyone in the project may
//! read, applied by a manager).

// utoipa's `path` macro expands `params(...)` into fully qualified paths.
#![allow(unused_qualifications)]

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gantry_core::level::{Leveling, LevelingOptions, level};
use gantry_core::model::{Availability, CalendarException, ResourceKind, Shift};
use gantry_core::usage::{Period, resource_usage};
use gantry_store::{
    CalendarChanges, Edit, ProjectChanges, ResourceChanges, Role, SetupEdit, StoredPlan,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::projects::{
    ProjectDetail, VersionQuery, apply, detail, parse_datetime, present, require, role, time,
    version_query,
};
use crate::{AppState, Scheduled};

/// The week days, Monday first, as the keys of a calendar's `week`.
const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

// ---------------------------------------------------------------------------------------------
// The project's own fields.

/// `PATCH /api/v1/projects/{project}`: a field left out is left as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// The project version the client read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New project start: "2026-03-02" or "2026-03-02T08:00:00".
    pub start: Option<String>,
    /// New status date, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub status_date: Option<Option<String>>,
    /// The project calendar (a calendar id of this project).
    pub calendar_id: Option<i64>,
}

/// Changes the project's name, start, status date or calendar (manager).
#[utoipa::path(patch, path = "/api/v1/projects/{project}", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = ProjectInput,
    responses((status = 200, description = "Success", body = ProjectDetail), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn update_project(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<ProjectInput>, JsonRejection>,
) -> ApiResult<Json<ProjectDetail>> {
    let Json(input) = payload?;
    let role = require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing the project",
    )
    .await?;
    let changes = ProjectChanges {
        name: input.name.clone(),
        start: input
            .start
            .as_deref()
            .map(|text| parse_datetime("start", text, false))
            .transpose()?,
        status_date: input
            .status_date
            .as_ref()
            .map(|value| {
                value
                    .as_deref()
                    .map(|text| parse_datetime("status_date", text, true))
                    .transpose()
            })
            .transpose()?,
        calendar: input.calendar_id,
    };
    let edit = SetupEdit::Project {
        version: input.version,
        changes,
    };
    let (scheduled, _) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(Json(detail(&scheduled, role)))
}

// ---------------------------------------------------------------------------------------------
// Calendars.

/// Days that follow other hours than the week.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionWire {
    /// Row id.
    pub id: i64,
    /// What people call it ("Christmas").
    pub name: String,
    /// First day.
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// Working hours on those days ("08:00-12:00"); empty for days off.
    pub hours: Vec<String>,
}

/// A working calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarWire {
    /// Row id.
    pub id: i64,
    /// Row version (raised by changes to its exceptions too): send it back with an edit.
    pub version: i64,
    /// Name, unique in the project.
    pub name: String,
    /// The calendar whose days this one inherits where it says nothing itself.
    pub base_id: Option<i64>,
    /// Whether it is the project calendar.
    pub is_project_calendar: bool,
    /// Working hours per week day (`monday` … `sunday`): a list of "HH:MM-HH:MM" shifts, empty
    /// for a day off, null to inherit the base calendar's day.
    #[schema(value_type = Object)]
    pub week: BTreeMap<String, Option<Vec<String>>>,
    /// Holidays, extra working days and changed hours.
    pub exceptions: Vec<ExceptionWire>,
}

fn hours(shifts: &[Shift]) -> Vec<String> {
    shifts.iter().map(ToString::to_string).collect()
}

fn calendar_wire(stored: &StoredPlan, index: usize) -> CalendarWire {
    let calendar = &stored.plan.calendars[index];
    CalendarWire {
        id: stored.calendar_ids[index],
        version: stored.calendar_versions[index],
        name: calendar.name.clone(),
        base_id: calendar.base.map(|base| stored.calendar_ids[base.index()]),
        is_project_calendar: stored.plan.calendar.index() == index,
        week: DAYS
            .iter()
            .zip(&calendar.week)
            .map(|(day, shifts)| (day.to_string(), shifts.as_deref().map(hours)))
            .collect(),
        exceptions: calendar
            .exceptions
            .iter()
            .zip(&stored.exception_ids[index])
            .map(|(exception, &id)| ExceptionWire {
                id,
                name: exception.name.clone(),
                from: exception.from.to_string(),
                to: exception.to.to_string(),
                hours: hours(&exception.shifts),
            })
            .collect(),
    }
}

fn calendar_of(scheduled: &Scheduled, id: i64) -> ApiResult<CalendarWire> {
    let index = scheduled
        .plan
        .calendar_index(id)
        .ok_or(ApiError::Internal)?;
    Ok(calendar_wire(&scheduled.plan, index))
}

/// The project's calendars, bases first.
#[utoipa::path(get, path = "/api/v1/projects/{project}/calendars", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [CalendarWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_calendars(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<CalendarWire>>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(
        (0..scheduled.plan.plan.calendars.len())
            .map(|index| calendar_wire(&scheduled.plan, index))
            .collect(),
    ))
}

/// `POST` and `PATCH` of a calendar: a field left out is left as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    /// The calendar version the client read (an update only).
    pub version: Option<i64>,
    /// Name, unique in the project.
    pub name: Option<String>,
    /// The calendar (created before this one) whose days it inherits, or null for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub base_id: Option<Option<i64>>,
    /// Week days to change (`monday` … `sunday`): a list of "HH:MM-HH:MM" shifts, empty for a
    /// day off, null to inherit the base calendar's day.
    #[schema(value_type = Option<Object>)]
    pub week: Option<BTreeMap<String, Option<Vec<String>>>>,
}

fn parse_hours(field: &str, hours: &[String]) -> ApiResult<Vec<Shift>> {
    hours
        .iter()
        .map(|text| Shift::parse(text).map_err(|message| ApiError::field(field, message)))
        .collect()
}

impl CalendarInput {
    fn changes(&self) -> ApiResult<CalendarChanges> {
        let mut changes = CalendarChanges {
            name: self.name.clone(),
            base: self.base_id,
            week: Default::default(),
        };
        for (day, value) in self.week.iter().flatten() {
            let index = DAYS.iter().position(|name| name == day).ok_or_else(|| {
                ApiError::field(
                    format!("week.{day}"),
                    format!("unknown week day \"{day}\": use monday … sunday"),
                )
            })?;
            changes.week[index] = Some(
                value
                    .as_deref()
                    .map(|hours| parse_hours(&format!("week.{day}"), hours))
                    .transpose()?,
            );
        }
        Ok(changes)
    }
}

/// Adds a calendar (manager). A day not given has no working time unless a base calendar gives
/// it.
#[utoipa::path(post, path = "/api/v1/projects/{project}/calendars", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = CalendarInput,
    responses((status = 201, description = "Created", body = CalendarWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_calendar(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<CalendarInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CalendarWire>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "adding a calendar",
    )
    .await?;
    if input.version.is_some() {
        return Err(ApiError::field(
            "version",
            "a new calendar has no version yet",
        ));
    }
    if input.name.is_none() {
        return Err(ApiError::field("name", "a calendar needs a name"));
    }
    let edit = SetupEdit::CreateCalendar {
        changes: input.changes()?,
    };
    let (scheduled, created) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    let id = created.ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(calendar_of(&scheduled, id)?)))
}

/// Changes a calendar's name, base or week days (manager); tasks on it are rescheduled.
#[utoipa::path(patch, path = "/api/v1/projects/{project}/calendars/{calendar}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("calendar" = i64, Path, description = "Calendar id")),
    request_body = CalendarInput,
    responses((status = 200, description = "Success", body = CalendarWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn update_calendar(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, calendar)): Path<(i64, i64)>,
    payload: Result<Json<CalendarInput>, JsonRejection>,
) -> ApiResult<Json<CalendarWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing a calendar",
    )
    .await?;
    let version = input
        .version
        .ok_or_else(|| ApiError::field("version", "send the calendar's version you edited"))?;
    let edit = SetupEdit::UpdateCalendar {
        calendar,
        version,
        changes: input.changes()?,
    };
    let (scheduled, _) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(Json(calendar_of(&scheduled, calendar)?))
}

/// Deletes a calendar that no task, resource or other calendar uses and that is not the
/// project calendar (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/calendars/{calendar}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("calendar" = i64, Path, description = "Calendar id"), VersionQuery),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn delete_calendar(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, calendar)): Path<(i64, i64)>,
    query: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<StatusCode> {
    let version = version_query(query)?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "deleting a calendar",
    )
    .await?;
    let edit = SetupEdit::DeleteCalendar { calendar, version };
    apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A holiday, an extra working day or changed hours, from `from` to `to`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionInput {
    /// The calendar version the client read.
    pub version: i64,
    /// What people call it ("Christmas", "Cut-over weekend").
    pub name: String,
    /// First day, "2026-12-24".
    pub from: String,
    /// Last day (inclusive); the first day when left out.
    pub to: Option<String>,
    /// Working hours on those days ("07:00-13:00"); none (the default) for days off.
    #[serde(default)]
    pub hours: Vec<String>,
}

fn parse_date(field: &str, text: &str) -> ApiResult<jiff::civil::Date> {
    text.parse()
        .map_err(|_| ApiError::field(field, format!("\"{text}\" is not a date like 2026-12-24")))
}

impl ExceptionInput {
    fn exception(&self) -> ApiResult<CalendarException> {
        let from = parse_date("from", &self.from)?;
        Ok(CalendarException {
            name: self.name.clone(),
            from,
            to: match &self.to {
                Some(to) => parse_date("to", to)?,
                None => from,
            },
            shifts: parse_hours("hours", &self.hours)?,
        })
    }
}

/// Adds an exception to a calendar (manager); tasks on the calendar are rescheduled.
#[utoipa::path(post, path = "/api/v1/projects/{project}/calendars/{calendar}/exceptions", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("calendar" = i64, Path, description = "Calendar id")),
    request_body = ExceptionInput,
    responses((status = 201, description = "Created", body = CalendarWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_exception(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, calendar)): Path<(i64, i64)>,
    payload: Result<Json<ExceptionInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CalendarWire>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing a calendar",
    )
    .await?;
    let edit = SetupEdit::CreateException {
        calendar,
        version: input.version,
        exception: input.exception()?,
    };
    let (scheduled, _) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok((
        StatusCode::CREATED,
        Json(calendar_of(&scheduled, calendar)?),
    ))
}

/// Replaces one of a calendar's exceptions (manager).
#[utoipa::path(put, path = "/api/v1/projects/{project}/calendars/{calendar}/exceptions/{exception}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("calendar" = i64, Path, description = "Calendar id"), ("exception" = i64, Path, description = "Exception id")),
    request_body = ExceptionInput,
    responses((status = 200, description = "Success", body = CalendarWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn update_exception(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, calendar, exception)): Path<(i64, i64, i64)>,
    payload: Result<Json<ExceptionInput>, JsonRejection>,
) -> ApiResult<Json<CalendarWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing a calendar",
    )
    .await?;
    let edit = SetupEdit::UpdateException {
        calendar,
        version: input.version,
        exception,
        value: input.exception()?,
    };
    let (scheduled, _) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(Json(calendar_of(&scheduled, calendar)?))
}

/// Deletes one of a calendar's exceptions (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/calendars/{calendar}/exceptions/{exception}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("calendar" = i64, Path, description = "Calendar id"), ("exception" = i64, Path, description = "Exception id"), VersionQuery),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody)))]
pub async fn delete_exception(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, calendar, exception)): Path<(i64, i64, i64)>,
    query: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<StatusCode> {
    let version = version_query(query)?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing a calendar",
    )
    .await?;
    let edit = SetupEdit::DeleteException {
        calendar,
        version,
        exception,
    };
    apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Resources.

/// A period with other maximum units (a contractor at 60 % in July, leave at 0).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityWire {
    /// First moment, or null for open.
    pub from: Option<String>,
    /// Last moment, or null for open.
    pub to: Option<String>,
    /// Maximum units in the period.
    pub units: f64,
}

/// A resource of the project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceWire {
    /// Row id.
    pub id: i64,
    /// Row version.
    pub version: i64,
    /// Short key; the same key in several projects is one shared person or team.
    pub key: String,
    /// Name.
    pub name: String,
    /// work, material or cost.
    pub kind: String,
    /// Maximum units (1.0 = one full-time person).
    pub max_units: f64,
    /// Periods with other maximum units.
    pub availability: Vec<AvailabilityWire>,
    /// Its calendar; the project calendar when null.
    pub calendar_id: Option<i64>,
    /// Cost per hour of work (per unit for material).
    pub standard_rate: f64,
    /// Cost per hour of overtime.
    pub overtime_rate: f64,
    /// Cost each time it is assigned.
    pub cost_per_use: f64,
    /// Group or department.
    pub group: Option<String>,
    /// Initials.
    pub initials: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

fn resource_wire(stored: &StoredPlan, index: usize) -> ResourceWire {
    let resource = &stored.plan.resources[index];
    ResourceWire {
        id: stored.resource_ids[index],
        version: stored.resource_versions[index],
        key: resource.key.clone(),
        name: resource.name.clone(),
        kind: resource.kind.code().to_string(),
        max_units: resource.max_units,
        availability: resource
            .availability
            .iter()
            .map(|period| AvailabilityWire {
                from: period.from.map(|at| at.to_string()),
                to: period.to.map(|at| at.to_string()),
                units: period.units,
            })
            .collect(),
        calendar_id: resource
            .calendar
            .map(|calendar| stored.calendar_ids[calendar.index()]),
        standard_rate: resource.standard_rate,
        overtime_rate: resource.overtime_rate,
        cost_per_use: resource.cost_per_use,
        group: resource.group.clone(),
        initials: resource.initials.clone(),
        email: resource.email.clone(),
    }
}

fn resource_of(scheduled: &Scheduled, id: i64) -> ApiResult<ResourceWire> {
    let index = scheduled
        .plan
        .resource_index(id)
        .ok_or(ApiError::Internal)?;
    Ok(resource_wire(&scheduled.plan, index))
}

/// The project's resources.
#[utoipa::path(get, path = "/api/v1/projects/{project}/resources", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [ResourceWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_resources(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<ResourceWire>>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(
        (0..scheduled.plan.plan.resources.len())
            .map(|index| resource_wire(&scheduled.plan, index))
            .collect(),
    ))
}

/// `POST` and `PATCH` of a resource: a field left out is left as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    /// The resource version the client read (an update only).
    pub version: Option<i64>,
    /// Short key, unique in the project ("dana", "dba-team").
    pub key: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// work (default), material or cost.
    pub kind: Option<String>,
    /// Maximum units (1.0 = one full-time person).
    pub max_units: Option<f64>,
    /// Periods with other maximum units, replacing the ones stored.
    pub availability: Option<Vec<AvailabilityWire>>,
    /// Its calendar, or null for the project calendar.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub calendar_id: Option<Option<i64>>,
    /// Cost per hour of work (per unit for material).
    pub standard_rate: Option<f64>,
    /// Cost per hour of overtime.
    pub overtime_rate: Option<f64>,
    /// Cost each time it is assigned.
    pub cost_per_use: Option<f64>,
    /// Group or department, or null.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub group: Option<Option<String>>,
    /// Initials, or null.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub initials: Option<Option<String>>,
    /// E-mail address, or null.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
}

impl ResourceInput {
    fn changes(&self) -> ApiResult<ResourceChanges> {
        let kind = self
            .kind
            .as_deref()
            .map(|code| {
                ResourceKind::from_code(code).ok_or_else(|| {
                    ApiError::field(
                        "kind",
                        format!("unknown resource kind \"{code}\": use work, material or cost"),
                    )
                })
            })
            .transpose()?;
        let availability = self
            .availability
            .as_ref()
            .map(|periods| {
                periods
                    .iter()
                    .map(|period| {
                        let at = |field, value: &Option<String>, end| {
                            value
                                .as_deref()
                                .map(|text| parse_datetime(field, text, end))
                                .transpose()
                        };
                        Ok(Availability {
                            from: at("availability.from", &period.from, false)?,
                            to: at("availability.to", &period.to, true)?,
                            units: period.units,
                        })
                    })
                    .collect::<ApiResult<Vec<_>>>()
            })
            .transpose()?;
        Ok(ResourceChanges {
            key: None,
            name: self.name.clone(),
            kind,
            max_units: self.max_units,
            availability,
            calendar: self.calendar_id,
            standard_rate: self.standard_rate,
            overtime_rate: self.overtime_rate,
            cost_per_use: self.cost_per_use,
            group: self.group.clone(),
            initials: self.initials.clone(),
            email: self.email.clone(),
        })
    }
}

/// Adds a resource (manager).
#[utoipa::path(post, path = "/api/v1/projects/{project}/resources", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = ResourceInput,
    responses((status = 201, description = "Created", body = ResourceWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_resource(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<ResourceInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ResourceWire>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "adding a resource",
    )
    .await?;
    if input.version.is_some() {
        return Err(ApiError::field(
            "version",
            "a new resource has no version yet",
        ));
    }
    let key = input
        .key
        .clone()
        .ok_or_else(|| ApiError::field("key", "a resource needs a key, e.g. \"dana\""))?;
    let name = input
        .name
        .clone()
        .ok_or_else(|| ApiError::field("name", "a resource needs a name"))?;
    let edit = SetupEdit::CreateResource {
        key,
        name,
        changes: input.changes()?,
    };
    let (scheduled, created) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    let id = created.ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(resource_of(&scheduled, id)?)))
}

/// Changes a resource (manager); its tasks are rescheduled when its calendar changes.
#[utoipa::path(patch, path = "/api/v1/projects/{project}/resources/{resource}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("resource" = i64, Path, description = "Resource id")),
    request_body = ResourceInput,
    responses((status = 200, description = "Success", body = ResourceWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn update_resource(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, resource)): Path<(i64, i64)>,
    payload: Result<Json<ResourceInput>, JsonRejection>,
) -> ApiResult<Json<ResourceWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing a resource",
    )
    .await?;
    let version = input
        .version
        .ok_or_else(|| ApiError::field("version", "send the resource's version you edited"))?;
    let changes = ResourceChanges {
        key: input.key.clone(),
        ..input.changes()?
    };
    let edit = SetupEdit::UpdateResource {
        resource,
        version,
        changes,
    };
    let (scheduled, _) = apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(Json(resource_of(&scheduled, resource)?))
}

/// Deletes a resource, taking it off its tasks first (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/resources/{resource}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("resource" = i64, Path, description = "Resource id"), VersionQuery),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody)))]
pub async fn delete_resource(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, resource)): Path<(i64, i64)>,
    query: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<StatusCode> {
    let version = version_query(query)?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "deleting a resource",
    )
    .await?;
    let edit = SetupEdit::DeleteResource { resource, version };
    apply(&state, &current, project, Edit::Setup(edit)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Leveling.

/// A task that leveling delays.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelayWire {
    /// The task.
    pub task_id: i64,
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its start before leveling.
    pub start_before: String,
    /// Its start after leveling.
    pub start_after: String,
    /// The delay in working minutes on its calendar.
    pub delay_minutes: i64,
}

/// An over-allocation leveling could not remove (only tasks that may not move are involved).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictWire {
    /// The resource.
    pub resource_id: i64,
    /// Its key.
    pub resource_key: String,
    /// When the over-allocation starts.
    pub from: String,
    /// When it ends.
    pub to: String,
    /// The most units booked at once.
    pub peak_units: f64,
    /// The units available.
    pub max_units: f64,
}

/// What leveling does (a preview) or did (applied).
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelingWire {
    /// The project version the leveling is of (after applying: the new version).
    pub version: i64,
    /// Whether the delays were applied to the plan.
    pub applied: bool,
    /// Project finish before leveling.
    pub finish_before: String,
    /// Project finish after leveling.
    pub finish_after: String,
    /// Tasks delayed, in WBS order: each gets a Start No Earlier Than at its new start (a split
    /// task's start does not move: see `splits`).
    pub delays: Vec<DelayWire>,
    /// Pauses leveling puts in tasks that allow splitting (a started task's remaining work
    /// resumes later instead), in WBS order.
    pub splits: Vec<LevelingSplitWire>,
    /// Over-allocations left.
    pub unresolved: Vec<ConflictWire>,
}

/// A pause leveling puts in a task's work.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelingSplitWire {
    /// The task.
    pub task_id: i64,
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Where its work pauses.
    pub paused_at: String,
    /// Where its work resumes.
    pub resumes_at: String,
    /// Working minutes of its duration before the pause.
    pub after_minutes: i64,
    /// The pause in working minutes of its calendar.
    pub gap_minutes: i64,
    /// The task had started: its remaining work resumes later (MS Project's Resume).
    pub resumed: bool,
}

fn leveling_wire(stored: &StoredPlan, leveling: &Leveling, applied: bool) -> LevelingWire {
    let plan = &stored.plan;
    LevelingWire {
        version: stored.version,
        applied,
        finish_before: time(leveling.before.project_finish),
        finish_after: time(leveling.after.project_finish),
        delays: leveling
            .delays
            .iter()
            .map(|delay| {
                let task = &plan.tasks[delay.task.index()];
                DelayWire {
                    task_id: stored.task_ids[delay.task.index()],
                    key: task.key.clone(),
                    name: task.name.clone(),
                    start_before: time(delay.start_before),
                    start_after: time(delay.start_after),
                    delay_minutes: delay.delay_minutes,
                }
            })
            .collect(),
        splits: leveling
            .splits
            .iter()
            .map(|split| {
                let task = &plan.tasks[split.task.index()];
                LevelingSplitWire {
                    task_id: stored.task_ids[split.task.index()],
                    key: task.key.clone(),
                    name: task.name.clone(),
                    paused_at: time(split.paused_at),
                    resumes_at: time(split.resumes_at),
                    after_minutes: split.after_minutes,
                    gap_minutes: split.gap_minutes,
                    resumed: split.resumed,
                }
            })
            .collect(),
        unresolved: leveling
            .unresolved
            .iter()
            .map(|(resource, conflict)| ConflictWire {
                resource_id: stored.resource_ids[resource.index()],
                resource_key: plan.resources[resource.index()].key.clone(),
                from: time(conflict.from),
                to: time(conflict.to),
                peak_units: conflict.units,
                max_units: conflict.max_units,
            })
            .collect(),
    }
}

/// What leveling the project's resources would do, without changing anything.
#[utoipa::path(get, path = "/api/v1/projects/{project}/leveling", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = LevelingWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn preview_leveling(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<LevelingWire>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    // Leveling schedules the plan many times: off the async workers.
    let leveled = scheduled.clone();
    let leveling =
        tokio::task::spawn_blocking(move || level(&leveled.plan.plan, &LevelingOptions::default()))
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(|failure| ApiError::InvalidPlan {
                message: failure
                    .diagnostics
                    .iter()
                    .map(|diagnostic| diagnostic.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                tasks: failure
                    .diagnostics
                    .iter()
                    .flat_map(|diagnostic| diagnostic.tasks.iter())
                    .map(|task| scheduled.plan.plan.tasks[task.index()].key.clone())
                    .collect(),
            })?;
    Ok(Json(leveling_wire(&scheduled.plan, &leveling, false)))
}

/// `POST /api/v1/projects/{project}/leveling`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelInput {
    /// The project version the client previewed: refused if the plan changed since.
    pub version: i64,
}

/// Levels the project's resources (manager): each delayed task gets a Start No Earlier Than at
/// its new start, recorded in the history.
#[utoipa::path(post, path = "/api/v1/projects/{project}/leveling", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = LevelInput,
    responses((status = 200, description = "Success", body = LevelingWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn apply_leveling(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<LevelInput>, JsonRejection>,
) -> ApiResult<Json<LevelingWire>> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Manager, "leveling").await?;
    let outcome = state
        .store()
        .edit(
            project,
            Some(current.user.id),
            Edit::Setup(SetupEdit::Level {
                version: input.version,
            }),
        )
        .await?;
    let leveling = outcome.leveling.ok_or(ApiError::Internal)?;
    let wire = leveling_wire(&outcome.plan, &leveling, true);
    state.remember(
        project,
        std::sync::Arc::new(Scheduled::new(outcome.plan, outcome.schedule)),
    );
    Ok(Json(wire))
}

// ---------------------------------------------------------------------------------------------
// Workload.

/// `?period=` of the workload: day, week (the default) or month.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkloadQuery {
    /// day, week or month.
    pub period: Option<String>,
}

/// A resource's load in one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodLoadWire {
    /// First minute of the period.
    pub start: String,
    /// The minute after it.
    pub end: String,
    /// Work booked in the period, in minutes (a quantity for material).
    pub work_minutes: f64,
    /// What the resource can give in the period: its units over its working minutes.
    pub available_minutes: f64,
    /// The most units booked at one moment of the period.
    pub peak_units: f64,
    /// Whether it is over-allocated at some moment of the period.
    pub over_allocated: bool,
}

/// A stretch of time in which a resource is booked beyond its units.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverAllocationWire {
    /// Start of the stretch.
    pub from: String,
    /// End of the stretch.
    pub to: String,
    /// The most units booked at once.
    pub units: f64,
    /// The units the resource has then.
    pub max_units: f64,
    /// The tasks it works on in the stretch.
    pub task_ids: Vec<i64>,
}

/// One resource's workload.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadWire {
    /// The resource.
    pub resource_id: i64,
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its load, period by period, from the project's start to its finish.
    pub periods: Vec<PeriodLoadWire>,
    /// Every over-allocation, with the tasks involved.
    pub over_allocations: Vec<OverAllocationWire>,
}

/// Each resource's load per day, week or month under the current schedule, with every
/// over-allocation and the tasks involved.
#[utoipa::path(get, path = "/api/v1/projects/{project}/workload", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), WorkloadQuery),
    responses((status = 200, description = "Success", body = [WorkloadWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn workload(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    query: Result<Query<WorkloadQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<WorkloadWire>>> {
    let Query(query) = query.map_err(|error| ApiError::field("period", error.body_text()))?;
    let period = match query.period.as_deref().unwrap_or("week") {
        "day" => Period::Day,
        "week" => Period::Week,
        "month" => Period::Month,
        other => {
            return Err(ApiError::field(
                "period",
                format!("unknown period \"{other}\": use day, week or month"),
            ));
        }
    };
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    let stored = &scheduled.plan;
    let usage = resource_usage(&stored.plan, &scheduled.schedule, period)
        .map_err(|error| ApiError::field("calendar", error.to_string()))?;
    Ok(Json(
        usage
            .iter()
            .map(|usage| {
                let index = usage.resource.index();
                let resource = &stored.plan.resources[index];
                WorkloadWire {
                    resource_id: stored.resource_ids[index],
                    key: resource.key.clone(),
                    name: resource.name.clone(),
                    periods: usage
                        .periods
                        .iter()
                        .map(|load| PeriodLoadWire {
                            start: time(load.start),
                            end: time(load.end),
                            work_minutes: load.work_minutes,
                            available_minutes: load.available_minutes,
                            peak_units: load.peak_units,
                            over_allocated: load.over_allocated,
                        })
                        .collect(),
                    over_allocations: usage
                        .over_allocations
                        .iter()
                        .map(|over| OverAllocationWire {
                            from: time(over.from),
                            to: time(over.to),
                            units: over.units,
                            max_units: over.max_units,
                            task_ids: over
                                .tasks
                                .iter()
                                .map(|task| stored.task_ids[task.index()])
                                .collect(),
                        })
                        .collect(),
                }
            })
            .collect(),
    ))
}
