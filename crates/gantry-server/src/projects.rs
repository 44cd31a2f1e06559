//! `/api/v1/projects`: projects, their schedule, tasks, links, members and history, each
//! handler checking the caller's role first.

// utoipa's `path` macro expands `params(Paging)` into fully qualified paths.
#![allow(unused_qualifications)]

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use gantry_core::Instant;
use gantry_core::model::{
    Constraint, ConstraintCodeError, Duration, Lag, LinkType, Plan, TaskId, TaskType,
};
use gantry_store::{Edit, Role, TaskChanges};
use jiff::civil::DateTime;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::{AppState, Scheduled};

/// The caller's role in a project: an administrator acts as its owner; someone who is not a
/// member is told it does not exist (its existence is not theirs to know).
pub(crate) async fn role(state: &AppState, current: &CurrentUser, project: i64) -> ApiResult<Role> {
    let role = state.store().role(project, current.user.id).await?;
    match role {
        Some(role) => Ok(role),
        None if current.user.is_admin => {
            state.store().project_version(project).await?;
            Ok(Role::Owner)
        }
        None => Err(ApiError::NotFound(format!(
            "project {project} does not exist"
        ))),
    }
}

pub(crate) async fn require(
    state: &AppState,
    current: &CurrentUser,
    project: i64,
    needed: Role,
    action: &str,
) -> ApiResult<Role> {
    let role = role(state, current, project).await?;
    if role < needed {
        return Err(ApiError::Forbidden(format!(
            "{action} needs the {} role in this project; you are {}",
            needed.code(),
            role.code()
        )));
    }
    Ok(role)
}

/// Paging of a list: `offset` items skipped, at most `limit` returned (default 100, at most
/// 1,000).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// Items to skip.
    pub offset: Option<usize>,
    /// Items to return.
    pub limit: Option<usize>,
}

impl Paging {
    fn range(&self, total: usize) -> std::ops::Range<usize> {
        let offset = self.offset.unwrap_or(0).min(total);
        let limit = self.limit.unwrap_or(100).clamp(1, 1000);
        offset..(offset + limit).min(total)
    }
}

/// A project as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectWire {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Project start (civil date-time in the project's time zone).
    pub start: String,
    /// Version: raised by every change to the project and its plan.
    pub version: i64,
    /// When it last changed (UTC).
    pub updated_at: String,
    /// The caller's role (`owner` for an administrator who is not a member).
    pub role: String,
}

/// A page of projects.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectPage {
    /// The projects on this page.
    pub items: Vec<ProjectWire>,
    /// How many there are in all.
    pub total: usize,
}

/// The projects the caller can see, by name.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(Paging),
    responses((status = 200, description = "Success", body = ProjectPage), (status = 401, description = "Not logged in", body = ErrorBody)))]
pub async fn list_projects(
    State(state): State<AppState>,
    current: CurrentUser,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ProjectPage>> {
    let Query(paging) = paging.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let projects = state
        .store()
        .projects_for(current.user.id, current.user.is_admin)
        .await?;
    let total = projects.len();
    let items = projects[paging.range(total)]
        .iter()
        .map(|project| ProjectWire {
            id: project.id,
            name: project.name.clone(),
            start: project.start.clone(),
            version: project.version,
            updated_at: project.updated_at.clone(),
            role: project.role.unwrap_or(Role::Owner).code().to_string(),
        })
        .collect();
    Ok(Json(ProjectPage { items, total }))
}

/// `POST /api/v1/projects`: a new, empty project on the standard calendar.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// Name.
    pub name: String,
    /// When work may start: "2026-03-02" or "2026-03-02T08:00:00".
    pub start: String,
}

/// A project with its plan's size.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Project start.
    pub start: String,
    /// Status date, if set.
    pub status_date: Option<String>,
    /// Version.
    pub version: i64,
    /// The caller's role.
    pub role: String,
    /// Number of tasks.
    pub tasks: usize,
    /// Number of links.
    pub links: usize,
    /// Number of resources.
    pub resources: usize,
    /// The computed finish.
    pub finish: String,
}

pub(crate) fn detail(scheduled: &Scheduled, role: Role) -> ProjectDetail {
    let plan = &scheduled.plan.plan;
    ProjectDetail {
        id: scheduled.plan.project_id,
        name: plan.name.clone(),
        start: plan.start.to_string(),
        status_date: plan.status_date.map(|date| date.to_string()),
        version: scheduled.plan.version,
        role: role.code().to_string(),
        tasks: plan.tasks.len(),
        links: plan.links.len(),
        resources: plan.resources.len(),
        finish: time(scheduled.schedule.project_finish),
    }
}

/// Creates an empty project owned by the caller.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = CreateProject,
    responses((status = 201, description = "Created", body = ProjectDetail), (status = 401, description = "Not logged in", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_project(
    State(state): State<AppState>,
    current: CurrentUser,
    payload: Result<Json<CreateProject>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ProjectDetail>)> {
    let Json(request) = payload?;
    let name = request.name.trim();
    if name.is_empty() {
        return Err(ApiError::field("name", "a project needs a name"));
    }
    let start = parse_datetime("start", &request.start, false)?;
    let plan = Plan::new(name, start);
    let stored = state.store().create_project(&plan, current.user.id).await?;
    let project = stored.project_id;
    let scheduled = state.scheduled(project).await?;
    Ok((StatusCode::CREATED, Json(detail(&scheduled, Role::Owner))))
}

/// A project with its size and finish.
#[utoipa::path(get, path = "/api/v1/projects/{project}", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = ProjectDetail), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn get_project(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<ProjectDetail>> {
    let role = role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(detail(&scheduled, role)))
}

/// Deletes a project with everything in it (owner only).
#[utoipa::path(delete, path = "/api/v1/projects/{project}", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn delete_project(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<StatusCode> {
    require(&state, &current, project, Role::Owner, "deleting a project").await?;
    state.store().delete_project(project).await?;
    state.forget(project);
    Ok(StatusCode::NO_CONTENT)
}

/// A task with its computed dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskWire {
    /// Row id.
    pub id: i64,
    /// Row version: send it back with an edit.
    pub version: i64,
    /// Short key, unique in the project.
    pub key: String,
    /// Name.
    pub name: String,
    /// Outline number ("1.2.3").
    pub outline: String,
    /// The summary task above it.
    pub parent_id: Option<i64>,
    /// Whether it has subtasks.
    pub is_summary: bool,
    /// Whether it shows as a milestone.
    pub is_milestone: bool,
    /// Planned duration in minutes (working minutes unless `duration_elapsed`); a summary's is
    /// its span.
    pub duration_minutes: i64,
    /// Whether the duration is clock time.
    pub duration_elapsed: bool,
    /// ASAP, ALAP, SNET, SNLT, FNET, FNLT, MSO or MFO.
    pub constraint_type: String,
    /// The constraint's date.
    pub constraint_date: Option<String>,
    /// Deadline.
    pub deadline: Option<String>,
    /// Priority 0–1000.
    pub priority: u16,
    /// fixed-units, fixed-duration or fixed-work.
    pub task_type: String,
    /// Effort-driven scheduling.
    pub effort_driven: bool,
    /// Percent complete.
    pub percent_complete: f64,
    /// Actual start.
    pub actual_start: Option<String>,
    /// Actual finish.
    pub actual_finish: Option<String>,
    /// Remaining duration in minutes, when reported.
    pub remaining_minutes: Option<i64>,
    /// Scheduled start.
    pub start: String,
    /// Scheduled finish.
    pub finish: String,
    /// Early start.
    pub early_start: String,
    /// Early finish.
    pub early_finish: String,
    /// Late start.
    pub late_start: String,
    /// Late finish.
    pub late_finish: String,
    /// Total float in working minutes.
    pub total_float_minutes: i64,
    /// Free float in working minutes.
    pub free_float_minutes: i64,
    /// On the critical path.
    pub critical: bool,
    /// MS Project's "Leveling can split remaining work": leveling may pause the task rather
    /// than delay it whole.
    pub leveling_can_split: bool,
    /// The task's pauses (by leveling or by hand), in order of its work.
    pub splits: Vec<SplitWire>,
}

/// A pause in a task's work.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitWire {
    /// Working minutes of the task's duration done before the pause (more than 0, less than
    /// the duration).
    pub after_minutes: i64,
    /// Length of the pause in working minutes of the task's calendar (more than 0).
    pub gap_minutes: i64,
}

/// A link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkWire {
    /// Row id.
    pub id: i64,
    /// Row version.
    pub version: i64,
    /// The task that drives.
    pub predecessor_id: i64,
    /// The task that follows.
    pub successor_id: i64,
    /// FS, SS, FF or SF.
    #[serde(rename = "type")]
    pub link_type: String,
    /// none, working, elapsed or percent.
    pub lag_kind: String,
    /// Minutes (working or elapsed) or percent of the predecessor's duration.
    pub lag_value: f64,
}

/// A project's computed schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleWire {
    /// Project id.
    pub project_id: i64,
    /// The version this schedule is of.
    pub version: i64,
    /// Project start.
    pub project_start: String,
    /// Project finish.
    pub project_finish: String,
    /// The first critical path, task ids from start to finish.
    pub critical_path: Vec<i64>,
    /// Every task in WBS order.
    pub tasks: Vec<TaskWire>,
    /// Every link.
    pub links: Vec<LinkWire>,
    /// Warnings: negative float, missed deadlines, overridden links.
    pub warnings: Vec<String>,
}

pub(crate) fn time(instant: Instant) -> String {
    instant.to_civil().to_string()
}

fn task_wire(scheduled: &Scheduled, index: usize, outline: &str, is_summary: bool) -> TaskWire {
    let stored = &scheduled.plan;
    let task = &stored.plan.tasks[index];
    let computed = scheduled.schedule.task(TaskId(index as u32));
    TaskWire {
        id: stored.task_ids[index],
        version: stored.task_versions[index],
        key: task.key.clone(),
        name: task.name.clone(),
        outline: outline.to_string(),
        parent_id: task.parent.map(|parent| stored.task_ids[parent.index()]),
        is_summary,
        is_milestone: computed.is_milestone,
        duration_minutes: if is_summary {
            computed.duration_minutes
        } else {
            task.duration.minutes
        },
        duration_elapsed: task.duration.elapsed,
        constraint_type: task.constraint.code().to_string(),
        constraint_date: task.constraint.date().map(|date| date.to_string()),
        deadline: task.deadline.map(|date| date.to_string()),
        priority: task.priority,
        task_type: task.task_type.code().to_string(),
        effort_driven: task.effort_driven,
        percent_complete: computed.percent_complete,
        actual_start: task.progress.actual_start.map(|date| date.to_string()),
        actual_finish: task.progress.actual_finish.map(|date| date.to_string()),
        remaining_minutes: task.progress.remaining.map(|remaining| remaining.minutes),
        start: time(computed.start),
        finish: time(computed.finish),
        early_start: time(computed.early_start),
        early_finish: time(computed.early_finish),
        late_start: time(computed.late_start),
        late_finish: time(computed.late_finish),
        total_float_minutes: computed.total_float,
        free_float_minutes: computed.free_float,
        critical: computed.critical,
        leveling_can_split: task.leveling_can_split,
        splits: {
            let mut splits: Vec<SplitWire> = stored
                .plan
                .splits
                .iter()
                .filter(|split| split.task.index() == index)
                .map(|split| SplitWire {
                    after_minutes: split.after,
                    gap_minutes: split.gap,
                })
                .collect();
            splits.sort_by_key(|split| split.after_minutes);
            splits
        },
    }
}

fn tasks_wire(scheduled: &Scheduled, range: std::ops::Range<usize>) -> Vec<TaskWire> {
    let plan = &scheduled.plan.plan;
    let outlines = plan.outline_numbers();
    let summaries = plan.summary_flags();
    range
        .map(|index| task_wire(scheduled, index, &outlines[index], summaries[index]))
        .collect()
}

fn link_wire(scheduled: &Scheduled, index: usize) -> LinkWire {
    let stored = &scheduled.plan;
    let link = &stored.plan.links[index];
    let (lag_kind, lag_value) = match link.lag {
        Lag::None => ("none", 0.0),
        Lag::Working(minutes) => ("working", minutes as f64),
        Lag::Elapsed(minutes) => ("elapsed", minutes as f64),
        Lag::Percent(percent) => ("percent", percent),
    };
    LinkWire {
        id: stored.link_ids[index],
        version: stored.link_versions[index],
        predecessor_id: stored.task_ids[link.predecessor.index()],
        successor_id: stored.task_ids[link.successor.index()],
        link_type: link.kind.code().to_string(),
        lag_kind: lag_kind.to_string(),
        lag_value,
    }
}

fn schedule_wire(scheduled: &Scheduled) -> ScheduleWire {
    let stored = &scheduled.plan;
    let schedule = &scheduled.schedule;
    ScheduleWire {
        project_id: stored.project_id,
        version: stored.version,
        project_start: time(schedule.project_start),
        project_finish: time(schedule.project_finish),
        critical_path: schedule
            .critical_paths
            .first()
            .map(|path| {
                path.iter()
                    .map(|task| stored.task_ids[task.index()])
                    .collect()
            })
            .unwrap_or_default(),
        tasks: tasks_wire(scheduled, 0..stored.plan.tasks.len()),
        links: (0..stored.plan.links.len())
            .map(|index| link_wire(scheduled, index))
            .collect(),
        warnings: schedule
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.message.clone())
            .collect(),
    }
}

/// The computed schedule: every task with its dates and float, every link, the critical path.
#[utoipa::path(get, path = "/api/v1/projects/{project}/schedule", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = ScheduleWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Response> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    let body = match scheduled.schedule_json.get() {
        Some(body) => body.clone(),
        None => {
            let body = serde_json::to_vec(&schedule_wire(&scheduled)).map_err(|error| {
                tracing::error!(%error, "writing a schedule as JSON");
                ApiError::Internal
            })?;
            scheduled
                .schedule_json
                .get_or_init(|| axum::body::Bytes::from(body))
                .clone()
        }
    };
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// A page of tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    /// The tasks on this page, in WBS order.
    pub items: Vec<TaskWire>,
    /// How many there are in all.
    pub total: usize,
    /// The project version they are of.
    pub version: i64,
}

/// The tasks in WBS order, a page at a time.
#[utoipa::path(get, path = "/api/v1/projects/{project}/tasks", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), Paging),
    responses((status = 200, description = "Success", body = TaskPage), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<TaskPage>> {
    let Query(paging) = paging.map_err(|error| ApiError::Malformed(error.body_text()))?;
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    let total = scheduled.plan.plan.tasks.len();
    Ok(Json(TaskPage {
        items: tasks_wire(&scheduled, paging.range(total)),
        total,
        version: scheduled.plan.version,
    }))
}

/// Distinguishes a field left out (`None`) from a field sent as `null` (`Some(None)`).
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The fields of a task that a client may set; a field left out is left as it is, and `null`
/// clears a date.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    /// The row version the edit is based on (required to update).
    pub version: Option<i64>,
    /// Key, unique in the project (creating only; generated when left out).
    pub key: Option<String>,
    /// The summary task to create it under (creating only).
    pub parent_id: Option<i64>,
    /// Name.
    pub name: Option<String>,
    /// Duration in minutes.
    pub duration_minutes: Option<i64>,
    /// Whether the duration is clock time.
    pub duration_elapsed: Option<bool>,
    /// Shown as a milestone.
    pub milestone: Option<bool>,
    /// ASAP, ALAP, SNET, SNLT, FNET, FNLT, MSO or MFO.
    pub constraint_type: Option<String>,
    /// The constraint's date, for the six dated constraints.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub constraint_date: Option<Option<String>>,
    /// Deadline, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub deadline: Option<Option<String>>,
    /// Priority 0–1000.
    pub priority: Option<u16>,
    /// fixed-units, fixed-duration or fixed-work.
    pub task_type: Option<String>,
    /// Effort-driven scheduling.
    pub effort_driven: Option<bool>,
    /// Percent complete, 0–100.
    pub percent_complete: Option<f64>,
    /// Actual start, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub actual_start: Option<Option<String>>,
    /// Actual finish, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub actual_finish: Option<Option<String>>,
    /// Remaining duration in minutes, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub remaining_minutes: Option<Option<i64>>,
    /// MS Project's "Leveling can split remaining work".
    pub leveling_can_split: Option<bool>,
    /// The task's pauses, replacing those it has; `[]` removes them.
    pub splits: Option<Vec<SplitWire>>,
}

impl TaskInput {
    /// Whether the input changes only progress (what a member may do).
    fn is_progress_only(&self) -> bool {
        self.key.is_none()
            && self.parent_id.is_none()
            && self.name.is_none()
            && self.duration_minutes.is_none()
            && self.duration_elapsed.is_none()
            && self.milestone.is_none()
            && self.constraint_type.is_none()
            && self.constraint_date.is_none()
            && self.deadline.is_none()
            && self.priority.is_none()
            && self.task_type.is_none()
            && self.effort_driven.is_none()
            && self.leveling_can_split.is_none()
            && self.splits.is_none()
    }

    /// The changes to the store's terms, each value checked and named when wrong.
    fn changes(&self, current: Option<&gantry_core::model::Task>) -> ApiResult<TaskChanges> {
        let optional_date = |field: &str, value: &Option<Option<String>>, end: bool| {
            value
                .as_ref()
                .map(|value| {
                    value
                        .as_deref()
                        .map(|text| parse_datetime(field, text, end))
                        .transpose()
                })
                .transpose()
        };
        let duration = match (self.duration_minutes, self.duration_elapsed) {
            (None, None) => None,
            (minutes, elapsed) => {
                let base = current.map(|task| task.duration).unwrap_or_default();
                let minutes = minutes.unwrap_or(base.minutes);
                if minutes < 0 {
                    return Err(ApiError::field(
                        "duration_minutes",
                        "a duration cannot be negative",
                    ));
                }
                Some(Duration {
                    minutes,
                    elapsed: elapsed.unwrap_or(base.elapsed),
                })
            }
        };
        let constraint = match (&self.constraint_type, &self.constraint_date) {
            (None, None) => None,
            (code, date) => {
                let existing = current.map(|task| task.constraint);
                let code = code
                    .clone()
                    .or_else(|| existing.map(|c| c.code().to_string()))
                    .unwrap_or_else(|| "ASAP".into());
                let date = match date {
                    Some(date) => date
                        .as_deref()
                        .map(|text| parse_datetime("constraint_date", text, false))
                        .transpose()?,
                    None => existing.and_then(|c| c.date()),
                };
                Some(constraint(&code, date)?)
            }
        };
        let task_type = self
            .task_type
            .as_deref()
            .map(|code| {
                TaskType::from_code(code).ok_or_else(|| {
                    ApiError::field(
                        "task_type",
                        format!(
                            "unknown task type \"{code}\": use fixed-units, fixed-duration or fixed-work"
                        ),
                    )
                })
            })
            .transpose()?;
        Ok(TaskChanges {
            name: self.name.clone(),
            duration,
            milestone: self.milestone,
            constraint,
            deadline: optional_date("deadline", &self.deadline, true)?,
            priority: self.priority,
            task_type,
            effort_driven: self.effort_driven,
            percent_complete: self.percent_complete,
            actual_start: optional_date("actual_start", &self.actual_start, false)?,
            actual_finish: optional_date("actual_finish", &self.actual_finish, true)?,
            remaining: self.remaining_minutes.map(|minutes| {
                minutes.map(|minutes| Duration {
                    minutes,
                    elapsed: false,
                })
            }),
            leveling_can_split: self.leveling_can_split,
            splits: self.splits.as_ref().map(|splits| {
                splits
                    .iter()
                    .map(|split| (split.after_minutes, split.gap_minutes))
                    .collect()
            }),
        })
    }
}

/// A date ("2026-03-02", the start of the day, or its end for a finish) or a date-time.
pub(crate) fn parse_datetime(field: &str, text: &str, end_of_day: bool) -> ApiResult<DateTime> {
    // A date alone first: jiff would also read it as a date-time at midnight, which is wrong
    // for a finish (a deadline "2026-03-06" means the end of that day: midnight after it, as in
    // plan files).
    if let Ok(date) = text.parse::<jiff::civil::Date>()
        && !text.contains(['T', 't', ' '])
    {
        let day = if end_of_day {
            date.tomorrow().map_err(|_| {
                ApiError::field(
                    field,
                    format!("{date} is at the end of the supported range"),
                )
            })?
        } else {
            date
        };
        return Ok(day.at(0, 0, 0, 0));
    }
    match text.parse::<DateTime>() {
        Ok(datetime) => Ok(datetime),
        Err(_) => Err(ApiError::field(
            field,
            format!(
                "\"{text}\" is not a date like 2026-03-02 or a date-time like 2026-03-02T08:00"
            ),
        )),
    }
}

fn constraint(code: &str, date: Option<DateTime>) -> ApiResult<Constraint> {
    match Constraint::from_code(code, date) {
        Ok(constraint) => Ok(constraint),
        Err(ConstraintCodeError::MissingDate) => Err(ApiError::field(
            "constraint_date",
            format!("a {code} constraint needs its constraint_date"),
        )),
        Err(ConstraintCodeError::Unknown) => Err(ApiError::field(
            "constraint_type",
            format!(
                "unknown constraint \"{code}\": use ASAP, ALAP, SNET, SNLT, FNET, FNLT, MSO or MFO"
            ),
        )),
    }
}

/// What an edit answers: the changed task and the project's new finish and version.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskEdited {
    /// The task as it is now.
    pub task: TaskWire,
    /// The project version after the edit.
    pub version: i64,
    /// The project finish after the edit.
    pub project_finish: String,
}

fn edited(scheduled: &Scheduled, task_id: i64) -> ApiResult<TaskEdited> {
    let index = scheduled
        .plan
        .task_index(task_id)
        .ok_or(ApiError::Internal)?;
    let plan = &scheduled.plan.plan;
    let outline = &plan.outline_numbers()[index];
    let is_summary = plan.summary_flags()[index];
    Ok(TaskEdited {
        task: task_wire(scheduled, index, outline, is_summary),
        version: scheduled.plan.version,
        project_finish: time(scheduled.schedule.project_finish),
    })
}

pub(crate) async fn apply(
    state: &AppState,
    current: &CurrentUser,
    project: i64,
    edit: Edit,
) -> ApiResult<(Arc<Scheduled>, Option<i64>)> {
    let outcome = state
        .store()
        .edit(project, Some(current.user.id), edit)
        .await?;
    let created = outcome.created;
    let scheduled = Arc::new(Scheduled::new(outcome.plan, outcome.schedule));
    state.remember(project, scheduled.clone());
    Ok((scheduled, created))
}

/// Adds a task, as the last subtask of `parent_id` or at the end of the plan (manager).
#[utoipa::path(post, path = "/api/v1/projects/{project}/tasks", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = TaskInput,
    responses((status = 201, description = "Created", body = TaskEdited), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_task(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<TaskInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<TaskEdited>)> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Manager, "adding a task").await?;
    if input.version.is_some() {
        return Err(ApiError::field("version", "a new task has no version yet"));
    }
    let name = input
        .name
        .clone()
        .ok_or_else(|| ApiError::field("name", "a task needs a name"))?;
    let changes = TaskChanges {
        name: None,
        ..input.changes(None)?
    };
    let (scheduled, created) = apply(
        &state,
        &current,
        project,
        Edit::CreateTask {
            parent: input.parent_id,
            key: input.key.clone(),
            name,
            changes,
        },
    )
    .await?;
    let id = created.ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(edited(&scheduled, id)?)))
}

/// Changes a task's fields from the version the client read. Members may change progress
/// only; managers anything.
#[utoipa::path(patch, path = "/api/v1/projects/{project}/tasks/{task}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("task" = i64, Path, description = "Task id")),
    request_body = TaskInput,
    responses((status = 200, description = "Success", body = TaskEdited), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn update_task(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, task)): Path<(i64, i64)>,
    payload: Result<Json<TaskInput>, JsonRejection>,
) -> ApiResult<Json<TaskEdited>> {
    let Json(input) = payload?;
    let needed = if input.is_progress_only() {
        Role::Member
    } else {
        Role::Manager
    };
    require(&state, &current, project, needed, "changing this task").await?;
    if input.key.is_some() || input.parent_id.is_some() {
        return Err(ApiError::field(
            if input.key.is_some() {
                "key"
            } else {
                "parent_id"
            },
            "the key and the parent are set when a task is created",
        ));
    }
    let version = input
        .version
        .ok_or_else(|| ApiError::field("version", "send the task's version you edited"))?;
    let scheduled = state.scheduled(project).await?;
    let index = scheduled
        .plan
        .task_index(task)
        .ok_or_else(|| ApiError::NotFound(format!("task {task} does not exist")))?;
    let changes = input.changes(Some(&scheduled.plan.plan.tasks[index]))?;
    let (scheduled, _) = apply(
        &state,
        &current,
        project,
        Edit::UpdateTask {
            task,
            version,
            changes,
        },
    )
    .await?;
    Ok(Json(edited(&scheduled, task)?))
}

/// `?version=` of a delete.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// The row version the client read.
    pub version: i64,
}

/// The version a delete names, or the error naming the `version` field.
pub(crate) fn version_query(
    query: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<i64> {
    query
        .map(|Query(query)| query.version)
        .map_err(|error| ApiError::field("version", error.body_text()))
}

/// Deletes a task with its subtasks, links and assignments (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/tasks/{task}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("task" = i64, Path, description = "Task id"), VersionQuery),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody)))]
pub async fn delete_task(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, task)): Path<(i64, i64)>,
    query: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<StatusCode> {
    let version = version_query(query)?;
    require(&state, &current, project, Role::Manager, "deleting a task").await?;
    apply(
        &state,
        &current,
        project,
        Edit::DeleteTask { task, version },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/projects/{project}/links`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The task that drives.
    pub predecessor_id: i64,
    /// The task that follows.
    pub successor_id: i64,
    /// FS (default), SS, FF or SF.
    #[serde(rename = "type")]
    pub link_type: Option<String>,
    /// none (default), working, elapsed or percent.
    pub lag_kind: Option<String>,
    /// Minutes, or percent of the predecessor's duration.
    pub lag_value: Option<f64>,
}

/// Adds a dependency (manager). A link that closes a loop is refused, naming the loop's tasks.
#[utoipa::path(post, path = "/api/v1/projects/{project}/links", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = LinkInput,
    responses((status = 201, description = "Created", body = LinkWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_link(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<LinkInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<LinkWire>)> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Manager, "adding a link").await?;
    let code = input.link_type.as_deref().unwrap_or("FS");
    let kind = LinkType::from_code(code).ok_or_else(|| {
        ApiError::field(
            "type",
            format!("unknown link type \"{code}\": use FS, SS, FF or SF"),
        )
    })?;
    let value = input.lag_value.unwrap_or(0.0);
    if !value.is_finite() {
        return Err(ApiError::field("lag_value", "the lag must be a number"));
    }
    let lag =
        match input
            .lag_kind
            .as_deref()
            .unwrap_or(if value == 0.0 { "none" } else { "working" })
        {
            "none" => Lag::None,
            "working" => Lag::Working(value.round() as i64),
            "elapsed" => Lag::Elapsed(value.round() as i64),
            "percent" => Lag::Percent(value),
            other => {
                return Err(ApiError::field(
                    "lag_kind",
                    format!("unknown lag kind \"{other}\": use none, working, elapsed or percent"),
                ));
            }
        };
    let (scheduled, created) = apply(
        &state,
        &current,
        project,
        Edit::CreateLink {
            predecessor: input.predecessor_id,
            successor: input.successor_id,
            kind,
            lag,
        },
    )
    .await?;
    let id = created.ok_or(ApiError::Internal)?;
    let index = scheduled.plan.link_index(id).ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(link_wire(&scheduled, index))))
}

/// Deletes a dependency (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/links/{link}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("link" = i64, Path, description = "Link id"), VersionQuery),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody)))]
pub async fn delete_link(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, link)): Path<(i64, i64)>,
    query: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<StatusCode> {
    let version = version_query(query)?;
    require(&state, &current, project, Role::Manager, "deleting a link").await?;
    apply(
        &state,
        &current,
        project,
        Edit::DeleteLink { link, version },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberWire {
    /// The user's id.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// owner, manager, member or viewer.
    pub role: String,
}

/// The project's members.
#[utoipa::path(get, path = "/api/v1/projects/{project}/members", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [MemberWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<MemberWire>>> {
    role(&state, &current, project).await?;
    let members = state.store().members(project).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|member| MemberWire {
                user_id: member.user_id,
                username: member.username,
                display_name: member.display_name,
                role: member.role.code().to_string(),
            })
            .collect(),
    ))
}

/// `PUT /api/v1/projects/{project}/members/{user}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// owner, manager, member or viewer.
    pub role: String,
}

/// Adds a member or changes their role (owner).
#[utoipa::path(put, path = "/api/v1/projects/{project}/members/{user}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("user" = i64, Path, description = "User id")),
    request_body = MemberInput,
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn put_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, user)): Path<(i64, i64)>,
    payload: Result<Json<MemberInput>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Owner, "managing members").await?;
    let role = Role::parse(&input.role).ok_or_else(|| {
        ApiError::field(
            "role",
            format!(
                "unknown role \"{}\": use owner, manager, member or viewer",
                input.role
            ),
        )
    })?;
    state
        .store()
        .set_member(project, user, role, Some(current.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (owner).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/members/{user}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("user" = i64, Path, description = "User id")),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn delete_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, user)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(&state, &current, project, Role::Owner, "managing members").await?;
    state
        .store()
        .remove_member(project, user, Some(current.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?before=&limit=` of the history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Entries older than this entry id (the next page starts before the last id seen).
    pub before: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

/// One change in the history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryWire {
    /// Entry id.
    pub id: i64,
    /// Who (username), if known.
    pub username: Option<String>,
    /// When (UTC).
    pub at: String,
    /// project, task, link, assignment, member.
    pub entity: String,
    /// The row's id.
    pub entity_id: i64,
    /// create, update or delete.
    pub action: String,
    /// What people call the row.
    pub label: String,
    /// The changed fields.
    pub changes: Vec<FieldChangeWire>,
}

/// One changed field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeWire {
    /// The field.
    pub field: String,
    /// Before.
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
}

/// Who changed what and when, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{project}/history", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), HistoryQuery),
    responses((status = 200, description = "Success", body = [HistoryWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<HistoryWire>>> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    role(&state, &current, project).await?;
    let entries = state
        .store()
        .history(
            project,
            query.before,
            query.limit.unwrap_or(50).clamp(1, 500),
        )
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|entry| HistoryWire {
                id: entry.id,
                username: entry.username,
                at: entry.at,
                entity: entry.entity,
                entity_id: entry.entity_id,
                action: entry.action,
                label: entry.label,
                changes: entry
                    .changes
                    .into_iter()
                    .map(|change| FieldChangeWire {
                        field: change.field,
                        old: change.old,
                        new: change.new,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// `?task_id=` of the comments list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommentsQuery {
    /// Only the comments on this task.
    pub task_id: Option<i64>,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentWire {
    /// Row id.
    pub id: i64,
    /// The task it is about, if any.
    pub task_id: Option<i64>,
    /// Who wrote it.
    pub username: String,
    /// The text.
    pub body: String,
    /// When (UTC).
    pub created_at: String,
}

impl From<gantry_store::Comment> for CommentWire {
    fn from(comment: gantry_store::Comment) -> CommentWire {
        CommentWire {
            id: comment.id,
            task_id: comment.task_id,
            username: comment.username,
            body: comment.body,
            created_at: comment.created_at,
        }
    }
}

/// `POST /api/v1/projects/{project}/comments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// The task it is about; the project when left out.
    pub task_id: Option<i64>,
    /// The text.
    pub body: String,
}

/// The comments of a project, or of one of its tasks, oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{project}/comments", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), CommentsQuery),
    responses((status = 200, description = "Success", body = [CommentWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_comments(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    query: Result<Query<CommentsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<CommentWire>>> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    role(&state, &current, project).await?;
    let comments = state.store().comments(project, query.task_id).await?;
    Ok(Json(comments.into_iter().map(CommentWire::from).collect()))
}

/// Adds a comment on the project or one of its tasks (member).
#[utoipa::path(post, path = "/api/v1/projects/{project}/comments", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = CommentInput,
    responses((status = 201, description = "Created", body = CommentWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_comment(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<CommentInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CommentWire>)> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Member, "commenting").await?;
    let comment = state
        .store()
        .add_comment(project, input.task_id, current.user.id, &input.body)
        .await?;
    Ok((StatusCode::CREATED, Json(CommentWire::from(comment))))
}

/// An assignment: a resource on a task.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentWire {
    /// Row id.
    pub id: i64,
    /// Row version.
    pub version: i64,
    /// The task.
    pub task_id: i64,
    /// The resource.
    pub resource_id: i64,
    /// Units.
    pub units: f64,
    /// Work in minutes (units × duration unless stated).
    pub work_minutes: i64,
}

fn assignment_wire(scheduled: &Scheduled, index: usize) -> AssignmentWire {
    let stored = &scheduled.plan;
    let assignment = &stored.plan.assignments[index];
    AssignmentWire {
        id: stored.assignment_ids[index],
        version: stored.assignment_versions[index],
        task_id: stored.task_ids[assignment.task.index()],
        resource_id: stored.resource_ids[assignment.resource.index()],
        units: assignment.units,
        work_minutes: stored.plan.assignment_work(index),
    }
}

/// The project's assignments.
#[utoipa::path(get, path = "/api/v1/projects/{project}/assignments", tag = "projects",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [AssignmentWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<AssignmentWire>>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(
        (0..scheduled.plan.plan.assignments.len())
            .map(|index| assignment_wire(&scheduled, index))
            .collect(),
    ))
}

/// `POST /api/v1/projects/{project}/assignments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    /// The task.
    pub task_id: i64,
    /// The resource.
    pub resource_id: i64,
    /// Units (default 1.0: full time).
    pub units: Option<f64>,
}

/// What an assignment edit answers: the assignment (if it still exists) and its task now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentEdited {
    /// The assignment as it is now; absent after a removal.
    pub assignment: Option<AssignmentWire>,
    /// The task as it is now (an effort-driven task's duration may have changed).
    pub task: TaskWire,
    /// The project version after the edit.
    pub version: i64,
}

fn assignment_edited(
    scheduled: &Scheduled,
    assignment: Option<i64>,
    task: i64,
) -> ApiResult<AssignmentEdited> {
    let assignment = assignment
        .map(|id| {
            scheduled
                .plan
                .assignment_index(id)
                .map(|index| assignment_wire(scheduled, index))
                .ok_or(ApiError::Internal)
        })
        .transpose()?;
    Ok(AssignmentEdited {
        assignment,
        task: edited(scheduled, task)?.task,
        version: scheduled.plan.version,
    })
}

/// Puts a resource on a task (manager). On an effort-driven task the work already there is
/// shared with the newcomer.
#[utoipa::path(post, path = "/api/v1/projects/{project}/assignments", tag = "projects",
    params(("project" = i64, Path, description = "Project id")), request_body = AssignmentInput,
    responses((status = 201, description = "Created", body = AssignmentEdited), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_assignment(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<AssignmentInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<AssignmentEdited>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "assigning resources",
    )
    .await?;
    let (scheduled, created) = apply(
        &state,
        &current,
        project,
        Edit::Assign {
            task: input.task_id,
            resource: input.resource_id,
            units: input.units.unwrap_or(1.0),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(assignment_edited(&scheduled, created, input.task_id)?),
    ))
}

/// `PATCH /api/v1/projects/{project}/assignments/{assignment}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentChanges {
    /// The version the client read.
    pub version: i64,
    /// New units.
    pub units: Option<f64>,
    /// New work in minutes.
    pub work_minutes: Option<i64>,
}

/// Changes an assignment's units or work (manager); the task type says what follows.
#[utoipa::path(patch, path = "/api/v1/projects/{project}/assignments/{assignment}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("assignment" = i64, Path, description = "Assignment id")),
    request_body = AssignmentChanges,
    responses((status = 200, description = "Success", body = AssignmentEdited), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn update_assignment(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, assignment)): Path<(i64, i64)>,
    payload: Result<Json<AssignmentChanges>, JsonRejection>,
) -> ApiResult<Json<AssignmentEdited>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing assignments",
    )
    .await?;
    let (scheduled, _) = apply(
        &state,
        &current,
        project,
        Edit::UpdateAssignment {
            assignment,
            version: input.version,
            units: input.units,
            work_minutes: input.work_minutes,
        },
    )
    .await?;
    let index = scheduled
        .plan
        .assignment_index(assignment)
        .ok_or(ApiError::Internal)?;
    let task = scheduled.plan.task_ids[scheduled.plan.plan.assignments[index].task.index()];
    Ok(Json(assignment_edited(&scheduled, Some(assignment), task)?))
}

/// Takes a resource off a task (manager); on an effort-driven task the others take over its
/// work.
#[utoipa::path(delete, path = "/api/v1/projects/{project}/assignments/{assignment}", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("assignment" = i64, Path, description = "Assignment id"), VersionQuery),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody)))]
pub async fn delete_assignment(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, assignment)): Path<(i64, i64)>,
    query: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<StatusCode> {
    let version = version_query(query)?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "changing assignments",
    )
    .await?;
    apply(
        &state,
        &current,
        project,
        Edit::Unassign {
            assignment,
            version,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/projects/{project}/tasks/{task}/move`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    /// The version the client read.
    pub version: i64,
    /// The new summary task above it; the top level when left out or null.
    pub parent_id: Option<i64>,
    /// Its place among the new parent's children (0 first); last when left out.
    pub position: Option<usize>,
}

/// Moves a task with its subtasks in the WBS (manager): indent, outdent, reorder.
#[utoipa::path(post, path = "/api/v1/projects/{project}/tasks/{task}/move", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ("task" = i64, Path, description = "Task id")),
    request_body = MoveInput,
    responses((status = 200, description = "Success", body = TaskEdited), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn move_task(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, task)): Path<(i64, i64)>,
    payload: Result<Json<MoveInput>, JsonRejection>,
) -> ApiResult<Json<TaskEdited>> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Manager, "moving a task").await?;
    let (scheduled, _) = apply(
        &state,
        &current,
        project,
        Edit::MoveTask {
            task,
            version: input.version,
            parent: input.parent_id,
            position: input.position,
        },
    )
    .await?;
    Ok(Json(edited(&scheduled, task)?))
}
