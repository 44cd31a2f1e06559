//! Project control over `/api/v1/projects/{project}`: baselines (saved and cleared by a
//! manager), earned value against a baseline at a status date (any member), time entries,
//! expenses and fixed costs.
//!
//! Who logs time for whom: a member logs time as themself only, that is for the resource of
//! the project whose key is their username or whose name is their display name (compared
//! without regard to case), and deletes only those entries; a manager or owner logs and deletes
//! time for any resource. Expenses and fixed costs are a manager's.

// utoipa's `path` macro expands `params(...)` into fully qualified paths.
#![allow(unused_qualifications)]

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gantry_core::baseline::{TaskVariance, baseline_name, variances};
use gantry_core::cost::Accrual;
use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::evm::{EarnedValue, EvmFigures, EvmOptions, SCurve, earned_value, s_curve};
use gantry_core::model::Plan;
use gantry_core::time::Instant;
use gantry_store::{ControlEdit, Edit, Role, StoredPlan, User};
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::projects::{apply, parse_datetime, require, role, time};
use crate::{AppState, Scheduled};

// ---------------------------------------------------------------------------------------------
// Earned value, shared with the budget page.

/// Earned value of a project at a status date against a baseline, with what the page and the
/// API show beside it.
pub(crate) struct Budget {
    /// Project and per-task figures, and which tasks are behind plan.
    pub earned: EarnedValue,
    /// Each task's variance against the baseline (`None` for tasks it does not hold).
    pub variances: Vec<Option<TaskVariance>>,
    /// PV, EV and AC week by week.
    pub curve: SCurve,
}

/// The status date earned value is measured at: the one asked for, else the project's, else
/// the end of today.
pub(crate) fn status_date_of(plan: &Plan, asked: Option<DateTime>) -> DateTime {
    asked.or(plan.status_date).unwrap_or_else(|| {
        let today = jiff::Zoned::now().date();
        today
            .tomorrow()
            .unwrap_or(today)
            .to_datetime(jiff::civil::Time::midnight())
    })
}

/// Earned value of `scheduled` against baseline `baseline` at `status_date`. The schedule is
/// computed again when the status date is not the project's.
pub(crate) fn budget(
    scheduled: &Scheduled,
    baseline: u32,
    status_date: DateTime,
) -> ApiResult<Budget> {
    let plan = &scheduled.plan.plan;
    let schedule = if Some(status_date) == plan.status_date {
        std::borrow::Cow::Borrowed(&scheduled.schedule)
    } else {
        let options = ScheduleOptions {
            status_date: Some(status_date),
            ..ScheduleOptions::default()
        };
        std::borrow::Cow::Owned(schedule(plan, &options).map_err(|_| ApiError::Internal)?)
    };
    let options = EvmOptions {
        baseline,
        status_date: Instant::from_civil(status_date),
    };
    let invalid =
        |error: gantry_core::evm::EvmError| ApiError::field("baseline", error.to_string());
    let earned = earned_value(plan, &schedule, &options).map_err(invalid)?;
    let curve = s_curve(plan, &schedule, &options).map_err(invalid)?;
    let variances = variances(plan, &schedule, baseline)
        .map_err(|error| ApiError::field("baseline", error.to_string()))?;
    Ok(Budget {
        earned,
        variances,
        curve,
    })
}

/// The resources of the project that are `current` themself: key = username or name = display
/// name, without regard to case.
pub(crate) fn own_resources(plan: &Plan, user: &User) -> Vec<usize> {
    plan.resources
        .iter()
        .enumerate()
        .filter(|(_, resource)| {
            resource.key.eq_ignore_ascii_case(&user.username)
                || resource
                    .name
                    .trim()
                    .eq_ignore_ascii_case(user.display_name.trim())
        })
        .map(|(index, _)| index)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Baselines.

/// A saved baseline.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineWire {
    /// 0 to 10.
    pub number: u8,
    /// "Baseline", "Baseline1" … "Baseline10".
    pub name: String,
    /// When it was saved (civil date-time, UTC), when known.
    pub saved: Option<String>,
    /// How many tasks it holds values for.
    pub tasks: usize,
}

fn baseline_wires(plan: &Plan) -> Vec<BaselineWire> {
    plan.baselines
        .iter()
        .map(|baseline| BaselineWire {
            number: baseline.number,
            name: baseline_name(baseline.number),
            saved: baseline.saved.map(|saved| saved.to_string()),
            tasks: baseline.tasks.iter().flatten().count(),
        })
        .collect()
}

/// The project's saved baselines.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineList {
    /// The project version read.
    pub version: i64,
    /// The baselines, by number.
    pub baselines: Vec<BaselineWire>,
}

/// Lists the saved baselines (any member).
#[utoipa::path(get, path = "/api/v1/projects/{project}/baselines", tag = "control",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = BaselineList), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_baselines(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<BaselineList>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(BaselineList {
        version: scheduled.plan.version,
        baselines: baseline_wires(&scheduled.plan.plan),
    }))
}

/// Saves the current schedule, work and costs as baseline `number`, replacing one saved before
/// under that number (manager). Recorded in the history.
#[utoipa::path(post, path = "/api/v1/projects/{project}/baselines/{number}", tag = "control",
    params(("project" = i64, Path, description = "Project id"), ("number" = u32, Path, description = "Baseline number, 0 to 10")),
    responses((status = 200, description = "Saved; the project's baselines", body = BaselineList), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn save_baseline(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, number)): Path<(i64, u32)>,
) -> ApiResult<Json<BaselineList>> {
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "saving a baseline",
    )
    .await?;
    let edit = Edit::Control(ControlEdit::SaveBaseline { number });
    let (scheduled, _) = apply(&state, &current, project, edit).await?;
    Ok(Json(BaselineList {
        version: scheduled.plan.version,
        baselines: baseline_wires(&scheduled.plan.plan),
    }))
}

/// Deletes baseline `number` (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/baselines/{number}", tag = "control",
    params(("project" = i64, Path, description = "Project id"), ("number" = u32, Path, description = "Baseline number, 0 to 10")),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn clear_baseline(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, number)): Path<(i64, u32)>,
) -> ApiResult<StatusCode> {
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "clearing a baseline",
    )
    .await?;
    let edit = Edit::Control(ControlEdit::ClearBaseline { number });
    apply(&state, &current, project, edit).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Earned value.

/// `GET /api/v1/projects/{project}/evm`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvmQuery {
    /// The baseline to measure against (0 when left out).
    pub baseline: Option<u32>,
    /// The status date ("2026-02-20": the end of that day; or a date-time); the project's
    /// status date when left out, else today.
    pub status_date: Option<String>,
}

/// Earned-value figures (money in the project's currency; ratios `null` on a zero
/// denominator).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvmFiguresWire {
    /// Budget at completion.
    pub bac: f64,
    /// Planned value.
    pub pv: f64,
    /// Earned value.
    pub ev: f64,
    /// Actual cost.
    pub ac: f64,
    /// Schedule variance, EV − PV.
    pub sv: f64,
    /// Cost variance, EV − AC.
    pub cv: f64,
    /// Schedule performance index, EV / PV.
    pub spi: Option<f64>,
    /// Cost performance index, EV / AC.
    pub cpi: Option<f64>,
    /// Estimate at completion, BAC / CPI.
    pub eac: Option<f64>,
    /// Estimate at completion if the rest goes to plan, AC + BAC − EV.
    pub eac_remaining_to_plan: f64,
    /// Estimate at completion with both indexes, AC + (BAC − EV) / (CPI × SPI).
    pub eac_cpi_spi: Option<f64>,
    /// Estimate to complete, EAC − AC.
    pub etc: Option<f64>,
    /// Variance at completion, BAC − EAC.
    pub vac: Option<f64>,
    /// To-complete performance index, (BAC − EV) / (BAC − AC).
    pub tcpi: Option<f64>,
}

impl From<&EvmFigures> for EvmFiguresWire {
    fn from(figures: &EvmFigures) -> EvmFiguresWire {
        EvmFiguresWire {
            bac: figures.bac,
            pv: figures.pv,
            ev: figures.ev,
            ac: figures.ac,
            sv: figures.sv,
            cv: figures.cv,
            spi: figures.spi,
            cpi: figures.cpi,
            eac: figures.eac,
            eac_remaining_to_plan: figures.eac_remaining_to_plan,
            eac_cpi_spi: figures.eac_cpi_spi,
            etc: figures.etc,
            vac: figures.vac,
            tcpi: figures.tcpi,
        }
    }
}

/// A task's progress against the baseline at the status date.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskStatusWire {
    /// Percent complete the baseline planned by the status date.
    pub planned_percent: f64,
    /// Percent complete reported.
    pub percent_complete: f64,
    /// Finish − baseline finish, in working days (positive: later).
    pub finish_variance_days: f64,
    /// Finishes later than the baseline.
    pub finishes_late: bool,
    /// Less done than planned by the status date.
    pub behind_progress: bool,
    /// Either of the two: the task is flagged.
    pub behind_plan: bool,
}

/// A task's variance against the baseline.
#[derive(Debug, Serialize, ToSchema)]
pub struct VarianceWire {
    /// Start − baseline start, in working days.
    pub start_days: f64,
    /// Finish − baseline finish, in working days.
    pub finish_days: f64,
    /// Duration − baseline duration, in working days.
    pub duration_days: f64,
    /// Work − baseline work, in hours.
    pub work_hours: f64,
    /// Cost − baseline cost.
    pub cost: f64,
}

/// One task (a WBS node when it is a summary) in an earned-value report.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvmTaskWire {
    /// Task row id.
    pub id: i64,
    /// Task key.
    pub key: String,
    /// Name.
    pub name: String,
    /// WBS number ("1.2").
    pub wbs: String,
    /// A summary task: its figures roll up its subtasks'.
    pub is_summary: bool,
    /// Its figures.
    pub figures: EvmFiguresWire,
    /// Its progress against the baseline; `null` for a task the baseline does not hold.
    pub status: Option<TaskStatusWire>,
    /// Its variance; `null` for a task the baseline does not hold.
    pub variance: Option<VarianceWire>,
}

/// One point of the S-curve.
#[derive(Debug, Serialize, ToSchema)]
pub struct SCurvePointWire {
    /// When (civil date-time).
    pub at: String,
    /// Planned value by then.
    pub pv: f64,
    /// Earned value by then; `null` after the status date.
    pub ev: Option<f64>,
    /// Actual cost by then; `null` after the status date.
    pub ac: Option<f64>,
}

/// Earned value of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvmReport {
    /// The project version read.
    pub version: i64,
    /// The baseline measured against.
    pub baseline: u8,
    /// Its name.
    pub baseline_name: String,
    /// The status date (civil date-time).
    pub status_date: String,
    /// The project's figures.
    pub figures: EvmFiguresWire,
    /// Every task in WBS order.
    pub tasks: Vec<EvmTaskWire>,
    /// PV, EV and AC week by week.
    pub s_curve: Vec<SCurvePointWire>,
}

/// Earned value at a status date against a baseline: project and per-WBS-node figures, each
/// task's variance and flags, the S-curve (any member).
#[utoipa::path(get, path = "/api/v1/projects/{project}/evm", tag = "control",
    params(("project" = i64, Path, description = "Project id"), EvmQuery),
    responses((status = 200, description = "Success", body = EvmReport), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn get_evm(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    query: Result<Query<EvmQuery>, QueryRejection>,
) -> ApiResult<Json<EvmReport>> {
    let Query(query) = query.map_err(|error| ApiError::field("query", error.body_text()))?;
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    let asked = query
        .status_date
        .as_deref()
        .map(|text| parse_datetime("status_date", text, true))
        .transpose()?;
    let plan = &scheduled.plan.plan;
    let status_date = status_date_of(plan, asked);
    let budget = budget(&scheduled, query.baseline.unwrap_or(0), status_date)?;
    let outline = plan.outline_numbers();
    let summary = plan.summary_flags();
    let tasks = budget
        .earned
        .tasks
        .iter()
        .enumerate()
        .map(|(index, figures)| EvmTaskWire {
            id: scheduled.plan.task_ids[index],
            key: plan.tasks[index].key.clone(),
            name: plan.tasks[index].name.clone(),
            wbs: outline[index].clone(),
            is_summary: summary[index],
            figures: figures.into(),
            status: budget.earned.status[index].map(|status| TaskStatusWire {
                planned_percent: status.planned_percent,
                percent_complete: status.percent_complete,
                finish_variance_days: status.finish_variance_days,
                finishes_late: status.finishes_late,
                behind_progress: status.behind_progress,
                behind_plan: status.behind_plan(),
            }),
            variance: budget
                .variances
                .get(index)
                .copied()
                .flatten()
                .map(|variance| VarianceWire {
                    start_days: variance.start_days,
                    finish_days: variance.finish_days,
                    duration_days: variance.duration_days,
                    work_hours: variance.work_minutes as f64 / 60.0,
                    cost: variance.cost,
                }),
        })
        .collect();
    Ok(Json(EvmReport {
        version: scheduled.plan.version,
        baseline: budget.earned.baseline,
        baseline_name: baseline_name(budget.earned.baseline),
        status_date: time(budget.earned.status_date),
        figures: (&budget.earned.project).into(),
        tasks,
        s_curve: budget
            .curve
            .points
            .iter()
            .map(|point| SCurvePointWire {
                at: time(point.at),
                pv: point.pv,
                ev: point.ev,
                ac: point.ac,
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Time entries.

/// Hours a resource worked on a task on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryWire {
    /// Row id.
    pub id: i64,
    /// The task's row id.
    pub task_id: i64,
    /// The task's key.
    pub task_key: String,
    /// The resource's row id.
    pub resource_id: i64,
    /// The resource's key.
    pub resource_key: String,
    /// The day.
    pub date: String,
    /// Standard hours.
    pub hours: f64,
    /// Overtime hours.
    pub overtime_hours: f64,
}

pub(crate) fn time_entry_wires(stored: &StoredPlan) -> Vec<TimeEntryWire> {
    let plan = &stored.plan;
    plan.tracking
        .time_entries
        .iter()
        .zip(&stored.control.time_entry_ids)
        .map(|(entry, &id)| TimeEntryWire {
            id,
            task_id: stored.task_ids[entry.task.index()],
            task_key: plan.tasks[entry.task.index()].key.clone(),
            resource_id: stored.resource_ids[entry.resource.index()],
            resource_key: plan.resources[entry.resource.index()].key.clone(),
            date: entry.date.to_string(),
            hours: entry.hours,
            overtime_hours: entry.overtime_hours,
        })
        .collect()
}

/// The project's time entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryList {
    /// The project version read.
    pub version: i64,
    /// The entries, in the order they were logged.
    pub time_entries: Vec<TimeEntryWire>,
}

/// Lists the time entries (any member).
#[utoipa::path(get, path = "/api/v1/projects/{project}/time-entries", tag = "control",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = TimeEntryList), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_time_entries(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<TimeEntryList>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(TimeEntryList {
        version: scheduled.plan.version,
        time_entries: time_entry_wires(&scheduled.plan),
    }))
}

/// `POST /api/v1/projects/{project}/time-entries`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeEntryInput {
    /// The task (a resource assigned to it logs the hours).
    pub task_id: i64,
    /// The resource; left out, the caller's own resource (key = username or name = display
    /// name). A member may log only their own time.
    pub resource_id: Option<i64>,
    /// The day: "2026-02-19".
    pub date: String,
    /// Standard hours.
    pub hours: f64,
    /// Overtime hours (0 when left out).
    pub overtime_hours: Option<f64>,
}

/// A time entry logged.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryCreated {
    /// The project version after the change.
    pub version: i64,
    /// The entry.
    pub time_entry: TimeEntryWire,
}

pub(crate) fn parse_date(field: &'static str, text: &str) -> ApiResult<Date> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::field(field, format!("\"{text}\" is not a date like 2026-02-19")))
}

/// The resource a time entry is logged for, after the who-logs-for-whom rule: a member only
/// for themself, a manager for anyone.
pub(crate) fn resource_for_entry(
    stored: &StoredPlan,
    user: &User,
    role: Role,
    asked: Option<i64>,
) -> ApiResult<i64> {
    let own: Vec<i64> = own_resources(&stored.plan, user)
        .into_iter()
        .map(|index| stored.resource_ids[index])
        .collect();
    match asked {
        Some(resource) if role >= Role::Manager || own.contains(&resource) => Ok(resource),
        Some(resource) => {
            let key = stored
                .resource_index(resource)
                .map(|index| stored.plan.resources[index].key.clone())
                .unwrap_or_else(|| resource.to_string());
            Err(ApiError::Forbidden(format!(
                "a member logs their own time only: resource \"{key}\" is not you (a manager logs time for anyone)"
            )))
        }
        None => match own.as_slice() {
            [resource] => Ok(*resource),
            _ => Err(ApiError::field(
                "resource_id",
                format!(
                    "choose the resource: no single resource of this project is you (key \"{}\" or name \"{}\")",
                    user.username, user.display_name
                ),
            )),
        },
    }
}

/// Logs hours a resource worked on a task (a member for themself, a manager for anyone). The
/// resource must be assigned to the task; hours cannot be negative.
#[utoipa::path(post, path = "/api/v1/projects/{project}/time-entries", tag = "control",
    params(("project" = i64, Path, description = "Project id")), request_body = TimeEntryInput,
    responses((status = 201, description = "Created", body = TimeEntryCreated), (status = 400, description = "The body is not the JSON expected", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_time_entry(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<TimeEntryInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<TimeEntryCreated>)> {
    let Json(input) = payload?;
    let role = require(&state, &current, project, Role::Member, "logging time").await?;
    let scheduled = state.scheduled(project).await?;
    let resource = resource_for_entry(&scheduled.plan, &current.user, role, input.resource_id)?;
    let edit = Edit::Control(ControlEdit::AddTimeEntry {
        task: input.task_id,
        resource,
        date: parse_date("date", &input.date)?,
        hours: input.hours,
        overtime_hours: input.overtime_hours.unwrap_or(0.0),
    });
    let (scheduled, created) = apply(&state, &current, project, edit).await?;
    let time_entry = time_entry_wires(&scheduled.plan)
        .into_iter()
        .find(|entry| Some(entry.id) == created)
        .ok_or(ApiError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(TimeEntryCreated {
            version: scheduled.plan.version,
            time_entry,
        }),
    ))
}

/// Deletes a time entry (a member their own, a manager any).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/time-entries/{entry}", tag = "control",
    params(("project" = i64, Path, description = "Project id"), ("entry" = i64, Path, description = "Time entry id")),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn delete_time_entry(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, entry)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let role = require(&state, &current, project, Role::Member, "deleting time").await?;
    let scheduled = state.scheduled(project).await?;
    let stored = &scheduled.plan;
    let index = stored
        .time_entry_index(entry)
        .ok_or_else(|| ApiError::NotFound(format!("time entry {entry} does not exist")))?;
    let resource = stored.plan.tracking.time_entries[index].resource.index();
    resource_for_entry(
        stored,
        &current.user,
        role,
        Some(stored.resource_ids[resource]),
    )?;
    apply(
        &state,
        &current,
        project,
        Edit::Control(ControlEdit::DeleteTimeEntry { entry }),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Expenses.

/// Money spent on a task outside the resources' rates.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseWire {
    /// Row id.
    pub id: i64,
    /// The task's row id.
    pub task_id: i64,
    /// The task's key.
    pub task_key: String,
    /// The day.
    pub date: String,
    /// The amount.
    pub amount: f64,
    /// What it was for.
    pub description: String,
}

fn expense_wires(stored: &StoredPlan) -> Vec<ExpenseWire> {
    let plan = &stored.plan;
    plan.tracking
        .expenses
        .iter()
        .zip(&stored.control.expense_ids)
        .map(|(expense, &id)| ExpenseWire {
            id,
            task_id: stored.task_ids[expense.task.index()],
            task_key: plan.tasks[expense.task.index()].key.clone(),
            date: expense.date.to_string(),
            amount: expense.amount,
            description: expense.description.clone(),
        })
        .collect()
}

/// The project's expenses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseList {
    /// The project version read.
    pub version: i64,
    /// The expenses, in the order they were recorded.
    pub expenses: Vec<ExpenseWire>,
}

/// Lists the expenses (any member).
#[utoipa::path(get, path = "/api/v1/projects/{project}/expenses", tag = "control",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = ExpenseList), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn list_expenses(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<ExpenseList>> {
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    Ok(Json(ExpenseList {
        version: scheduled.plan.version,
        expenses: expense_wires(&scheduled.plan),
    }))
}

/// `POST /api/v1/projects/{project}/expenses`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseInput {
    /// The task.
    pub task_id: i64,
    /// The day: "2026-02-19".
    pub date: String,
    /// The amount (not negative).
    pub amount: f64,
    /// What it was for.
    pub description: String,
}

/// An expense recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseCreated {
    /// The project version after the change.
    pub version: i64,
    /// The expense.
    pub expense: ExpenseWire,
}

/// Records money spent on a task (manager).
#[utoipa::path(post, path = "/api/v1/projects/{project}/expenses", tag = "control",
    params(("project" = i64, Path, description = "Project id")), request_body = ExpenseInput,
    responses((status = 201, description = "Created", body = ExpenseCreated), (status = 400, description = "The body is not the JSON expected", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_expense(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<ExpenseInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ExpenseCreated>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "recording expenses",
    )
    .await?;
    let edit = Edit::Control(ControlEdit::AddExpense {
        task: input.task_id,
        date: parse_date("date", &input.date)?,
        amount: input.amount,
        description: input.description,
    });
    let (scheduled, created) = apply(&state, &current, project, edit).await?;
    let expense = expense_wires(&scheduled.plan)
        .into_iter()
        .find(|expense| Some(expense.id) == created)
        .ok_or(ApiError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(ExpenseCreated {
            version: scheduled.plan.version,
            expense,
        }),
    ))
}

/// Deletes an expense (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/expenses/{expense}", tag = "control",
    params(("project" = i64, Path, description = "Project id"), ("expense" = i64, Path, description = "Expense id")),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn delete_expense(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, expense)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "deleting expenses",
    )
    .await?;
    apply(
        &state,
        &current,
        project,
        Edit::Control(ControlEdit::DeleteExpense { expense }),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Fixed costs.

/// `PUT /api/v1/projects/{project}/tasks/{task}/fixed-cost`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedCostInput {
    /// The task version the client read.
    pub version: i64,
    /// The amount; null removes the fixed cost.
    pub amount: Option<f64>,
    /// When it accrues: "start", "prorated" (the default) or "end".
    pub accrual: Option<String>,
}

/// A task's fixed cost after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct FixedCostWire {
    /// The project version after the change.
    pub version: i64,
    /// The task's row id.
    pub task_id: i64,
    /// The task's version after the change.
    pub task_version: i64,
    /// The amount; null when the task has none.
    pub amount: Option<f64>,
    /// When it accrues.
    pub accrual: String,
}

/// Sets or removes a task's fixed cost (manager).
#[utoipa::path(put, path = "/api/v1/projects/{project}/tasks/{task}/fixed-cost", tag = "control",
    params(("project" = i64, Path, description = "Project id"), ("task" = i64, Path, description = "Task id")), request_body = FixedCostInput,
    responses((status = 200, description = "Success", body = FixedCostWire), (status = 400, description = "The body is not the JSON expected", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "Changed since the client read it, or a name is taken", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn put_fixed_cost(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, task)): Path<(i64, i64)>,
    payload: Result<Json<FixedCostInput>, JsonRejection>,
) -> ApiResult<Json<FixedCostWire>> {
    let Json(input) = payload?;
    require(&state, &current, project, Role::Manager, "changing costs").await?;
    let accrual = match input.accrual.as_deref() {
        None => Accrual::Prorated,
        Some(code) => Accrual::from_code(code).ok_or_else(|| {
            ApiError::field(
                "accrual",
                format!("\"{code}\" is not an accrual: start, prorated or end"),
            )
        })?,
    };
    let edit = Edit::Control(ControlEdit::SetFixedCost {
        task,
        version: input.version,
        amount: input.amount,
        accrual,
    });
    let (scheduled, _) = apply(&state, &current, project, edit).await?;
    let stored = &scheduled.plan;
    let index = stored.task_index(task).ok_or(ApiError::Internal)?;
    let fixed = stored
        .plan
        .costs
        .fixed
        .iter()
        .find(|fixed| fixed.task.index() == index);
    Ok(Json(FixedCostWire {
        version: stored.version,
        task_id: task,
        task_version: stored.task_versions[index],
        amount: fixed.map(|fixed| fixed.amount),
        accrual: fixed
            .map_or(accrual, |fixed| fixed.accrual)
            .code()
            .to_string(),
    }))
}
