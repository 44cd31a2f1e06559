//! `/api/v1/projects/{project}/changes`: change requests. A member proposes a change (a list of
//! plan edits with a title and a reason), anyone in the project reads it and its impact (a
//! what-if on a copy of the plan: finish, critical path, cost, moved tasks), a manager approves
//! it (all its edits in one transaction) or rejects it with a reason.

// utoipa's `path` macro expands `params(…)` into fully qualified paths.
#![allow(unused_qualifications)]

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gantry_store::{ChangeItem, ChangeRequest, Impact, MovedTask, NewChange, Role, TaskRef};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, ErrorBody};
use crate::projects::{require, role};
use crate::{AppState, Scheduled};

/// One edit of a change request. Ids are row ids; `version` is the row's version as read, so
/// that an approval on a row changed since is refused.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChangeItemWire {
    /// A task gets a new duration (working minutes).
    SetDuration {
        /// The task.
        task: i64,
        /// Its version as read.
        version: i64,
        /// The new duration in working minutes.
        duration_minutes: i64,
    },
    /// A new task, under `parent` (top level when left out), following `after` (finish to
    /// start) when given.
    AddTask {
        /// Its name.
        name: String,
        /// Its duration in working minutes.
        duration_minutes: i64,
        /// The summary task it goes under.
        #[serde(default)]
        parent: Option<i64>,
        /// The task it follows.
        #[serde(default)]
        after: Option<i64>,
    },
    /// A task may not start before `date` (Start No Earlier Than).
    StartNoEarlierThan {
        /// The task.
        task: i64,
        /// Its version as read.
        version: i64,
        /// `2026-03-02` or `2026-03-02T08:00`.
        date: String,
    },
    /// A resource is put on a task.
    Assign {
        /// The task.
        task: i64,
        /// The resource.
        resource: i64,
        /// Units (1.0 = full time).
        units: f64,
    },
    /// An assignment's units change.
    SetUnits {
        /// The assignment.
        assignment: i64,
        /// Its version as read.
        version: i64,
        /// The new units.
        units: f64,
    },
    /// A new finish-to-start dependency.
    AddLink {
        /// The task that drives.
        predecessor: i64,
        /// The task that follows.
        successor: i64,
    },
}

impl From<ChangeItemWire> for ChangeItem {
    fn from(item: ChangeItemWire) -> ChangeItem {
        match item {
            ChangeItemWire::SetDuration {
                task,
                version,
                duration_minutes,
            } => ChangeItem::SetDuration {
                task,
                version,
                duration_minutes,
            },
            ChangeItemWire::AddTask {
                name,
                duration_minutes,
                parent,
                after,
            } => ChangeItem::AddTask {
                name,
                duration_minutes,
                parent,
                after,
            },
            ChangeItemWire::StartNoEarlierThan {
                task,
                version,
                date,
            } => ChangeItem::StartNoEarlierThan {
                task,
                version,
                date,
            },
            ChangeItemWire::Assign {
                task,
                resource,
                units,
            } => ChangeItem::Assign {
                task,
                resource,
                units,
            },
            ChangeItemWire::SetUnits {
                assignment,
                version,
                units,
            } => ChangeItem::SetUnits {
                assignment,
                version,
                units,
            },
            ChangeItemWire::AddLink {
                predecessor,
                successor,
            } => ChangeItem::AddLink {
                predecessor,
                successor,
            },
        }
    }
}

impl From<ChangeItem> for ChangeItemWire {
    fn from(item: ChangeItem) -> ChangeItemWire {
        match item {
            ChangeItem::SetDuration {
                task,
                version,
                duration_minutes,
            } => ChangeItemWire::SetDuration {
                task,
                version,
                duration_minutes,
            },
            ChangeItem::AddTask {
                name,
                duration_minutes,
                parent,
                after,
            } => ChangeItemWire::AddTask {
                name,
                duration_minutes,
                parent,
                after,
            },
            ChangeItem::StartNoEarlierThan {
                task,
                version,
                date,
            } => ChangeItemWire::StartNoEarlierThan {
                task,
                version,
                date,
            },
            ChangeItem::Assign {
                task,
                resource,
                units,
            } => ChangeItemWire::Assign {
                task,
                resource,
                units,
            },
            ChangeItem::SetUnits {
                assignment,
                version,
                units,
            } => ChangeItemWire::SetUnits {
                assignment,
                version,
                units,
            },
            ChangeItem::AddLink {
                predecessor,
                successor,
            } => ChangeItemWire::AddLink {
                predecessor,
                successor,
            },
        }
    }
}

/// A task named by an impact.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskRefWire {
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
}

/// A task whose dates a change moves.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovedTaskWire {
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Start now.
    pub start_before: String,
    /// Start with the change.
    pub start_after: String,
    /// Finish now.
    pub finish_before: String,
    /// Finish with the change.
    pub finish_after: String,
}

/// What a change does to the plan (computed on a copy; nothing written).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactWire {
    /// The project's finish without the change.
    pub finish_before: String,
    /// Its finish with the change.
    pub finish_after: String,
    /// The difference in working days (positive: later).
    pub finish_days: f64,
    /// Planned cost without the change.
    pub cost_before: f64,
    /// Planned cost with it.
    pub cost_after: f64,
    /// Critical tasks without the change.
    pub critical_before: Vec<TaskRefWire>,
    /// Critical tasks with it.
    pub critical_after: Vec<TaskRefWire>,
    /// Tasks the change makes critical.
    pub entering_critical: Vec<TaskRefWire>,
    /// Tasks it takes off the critical path.
    pub leaving_critical: Vec<TaskRefWire>,
    /// Tasks it adds.
    pub added: Vec<TaskRefWire>,
    /// Existing tasks whose dates move.
    pub moved: Vec<MovedTaskWire>,
}

fn refs(tasks: Vec<TaskRef>) -> Vec<TaskRefWire> {
    tasks
        .into_iter()
        .map(|task| TaskRefWire {
            key: task.key,
            name: task.name,
        })
        .collect()
}

impl From<Impact> for ImpactWire {
    fn from(impact: Impact) -> ImpactWire {
        ImpactWire {
            finish_before: impact.finish_before,
            finish_after: impact.finish_after,
            finish_days: impact.finish_days,
            cost_before: impact.cost_before,
            cost_after: impact.cost_after,
            critical_before: refs(impact.critical_before),
            critical_after: refs(impact.critical_after),
            entering_critical: refs(impact.entering_critical),
            leaving_critical: refs(impact.leaving_critical),
            added: refs(impact.added),
            moved: impact
                .moved
                .into_iter()
                .map(|task: MovedTask| MovedTaskWire {
                    key: task.key,
                    name: task.name,
                    start_before: task.start_before,
                    start_after: task.start_after,
                    finish_before: task.finish_before,
                    finish_after: task.finish_after,
                })
                .collect(),
        }
    }
}

/// A change request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeWire {
    /// Row id.
    pub id: i64,
    /// What the change is.
    pub title: String,
    /// Why it is needed.
    pub reason: String,
    /// The edits.
    pub items: Vec<ChangeItemWire>,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    /// Who proposed it (username).
    pub requested_by: String,
    /// When (UTC).
    pub requested_at: String,
    /// The project's version when it was proposed.
    pub project_version: i64,
    /// Who approved or rejected it (username).
    pub decided_by: Option<String>,
    /// When (UTC).
    pub decided_at: Option<String>,
    /// The reason of a rejection, or a note on an approval.
    pub decision_note: Option<String>,
    /// The impact at decision time.
    pub impact: Option<ImpactWire>,
}

impl From<ChangeRequest> for ChangeWire {
    fn from(change: ChangeRequest) -> ChangeWire {
        ChangeWire {
            id: change.id,
            title: change.title,
            reason: change.reason,
            items: change.items.into_iter().map(ChangeItemWire::from).collect(),
            status: change.status.code().to_string(),
            requested_by: change.requested_by_name,
            requested_at: change.requested_at,
            project_version: change.project_version,
            decided_by: change.decided_by_name,
            decided_at: change.decided_at,
            decision_note: change.decision_note,
            impact: change.impact.map(ImpactWire::from),
        }
    }
}

/// `POST /api/v1/projects/{project}/changes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    /// What the change is, in a line.
    pub title: String,
    /// Why it is needed.
    pub reason: String,
    /// The edits, 1 to 100.
    pub items: Vec<ChangeItemWire>,
}

/// `POST …/changes/{change}/approve`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    /// A note on the decision.
    #[serde(default)]
    pub note: Option<String>,
    /// Also save the plan after the change as this baseline (0 to 10, replacing the one saved
    /// under that number), in the same transaction as the approval: if the approval is refused,
    /// no baseline is saved. Absent or null: the baselines are left as they are.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10)]
    pub rebaseline: Option<u8>,
}

/// `POST …/changes/{change}/reject`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    /// Why it is rejected.
    pub reason: String,
}

/// The change requests of a project, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{project}/changes", tag = "changes",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [ChangeWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project, or not visible to the caller", body = ErrorBody)))]
pub async fn list_changes(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<ChangeWire>>> {
    role(&state, &current, project).await?;
    let changes = state.store().changes(project).await?;
    Ok(Json(changes.into_iter().map(ChangeWire::from).collect()))
}

/// Proposes a change (member): refused if its edits do not apply to the plan as it is now.
#[utoipa::path(post, path = "/api/v1/projects/{project}/changes", tag = "changes",
    params(("project" = i64, Path, description = "Project id")), request_body = ChangeInput,
    responses((status = 201, description = "Created", body = ChangeWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "A row changed since the client read it", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_change(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<ChangeInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ChangeWire>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Member,
        "proposing a change",
    )
    .await?;
    let change = state
        .store()
        .propose_change(
            project,
            current.user.id,
            NewChange {
                title: input.title,
                reason: input.reason,
                items: input.items.into_iter().map(ChangeItem::from).collect(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ChangeWire::from(change))))
}

/// One change request.
#[utoipa::path(get, path = "/api/v1/projects/{project}/changes/{change}", tag = "changes",
    params(("project" = i64, Path, description = "Project id"), ("change" = i64, Path, description = "Change request id")),
    responses((status = 200, description = "Success", body = ChangeWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or change request, or not visible to the caller", body = ErrorBody)))]
pub async fn get_change(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, change)): Path<(i64, i64)>,
) -> ApiResult<Json<ChangeWire>> {
    role(&state, &current, project).await?;
    let change = state.store().change(project, change).await?;
    Ok(Json(ChangeWire::from(change)))
}

/// The impact of a change request: for a proposed one, on the plan as it is now (a what-if on
/// a copy, nothing written); for a decided one, as it was at the decision.
#[utoipa::path(get, path = "/api/v1/projects/{project}/changes/{change}/impact", tag = "changes",
    params(("project" = i64, Path, description = "Project id"), ("change" = i64, Path, description = "Change request id")),
    responses((status = 200, description = "Success", body = ImpactWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project, change request or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "A row the change edits changed since it was proposed", body = ErrorBody), (status = 422, description = "The change no longer applies: the field or the tasks are named", body = ErrorBody)))]
pub async fn change_impact(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, change)): Path<(i64, i64)>,
) -> ApiResult<Json<ImpactWire>> {
    role(&state, &current, project).await?;
    let impact = state.store().change_impact(project, change).await?;
    Ok(Json(ImpactWire::from(impact)))
}

/// Approves a proposed change (manager): all its edits apply in one transaction with the
/// decision (and, with `rebaseline`, a baseline saved from the plan after the change); if the
/// plan moved so that one no longer applies, nothing is applied.
#[utoipa::path(post, path = "/api/v1/projects/{project}/changes/{change}/approve", tag = "changes",
    params(("project" = i64, Path, description = "Project id"), ("change" = i64, Path, description = "Change request id")), request_body = ApproveInput,
    responses((status = 200, description = "Approved and applied", body = ChangeWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project, change request or row, or not visible to the caller", body = ErrorBody), (status = 409, description = "A row the change edits changed since it was proposed: nothing applied", body = ErrorBody), (status = 422, description = "Already decided, the change no longer applies, or `rebaseline` is not 0 to 10: nothing applied", body = ErrorBody)))]
pub async fn approve_change(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, change)): Path<(i64, i64)>,
    payload: Result<Json<ApproveInput>, JsonRejection>,
) -> ApiResult<Json<ChangeWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "approving a change",
    )
    .await?;
    let (change, outcome) = state
        .store()
        .approve_change(
            project,
            change,
            current.user.id,
            input.note.as_deref(),
            input.rebaseline,
        )
        .await?;
    state.remember(
        project,
        Arc::new(Scheduled::new(outcome.plan, outcome.schedule)),
    );
    Ok(Json(ChangeWire::from(change)))
}

/// Rejects a proposed change with a reason (manager); the plan is not touched.
#[utoipa::path(post, path = "/api/v1/projects/{project}/changes/{change}/reject", tag = "changes",
    params(("project" = i64, Path, description = "Project id"), ("change" = i64, Path, description = "Change request id")), request_body = RejectInput,
    responses((status = 200, description = "Rejected", body = ChangeWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or change request, or not visible to the caller", body = ErrorBody), (status = 422, description = "No reason given, or already decided", body = ErrorBody)))]
pub async fn reject_change(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, change)): Path<(i64, i64)>,
    payload: Result<Json<RejectInput>, JsonRejection>,
) -> ApiResult<Json<ChangeWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        Role::Manager,
        "rejecting a change",
    )
    .await?;
    let change = state
        .store()
        .reject_change(project, change, current.user.id, &input.reason)
        .await?;
    Ok(Json(ChangeWire::from(change)))
}
