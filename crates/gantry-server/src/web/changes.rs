//! The change requests page (`/projects/{id}/changes`): every request with its status, the
//! impact of each one still waiting (finish before → after in working days, the critical path
//! entering and leaving, cost, the tasks that move), a form to propose a change (members) and
//! Approve / Reject buttons (managers).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::model::Constraint;
use gantry_store::{ChangeItem, ChangeRequest, ChangeStatus, Impact, NewChange, Role, StoreError};
use serde::Deserialize;

use super::{PageSession, error_page, project_for, redirect, render, sentence, shown_day, writer};
use crate::error::ApiError;
use crate::{AppState, Scheduled};

/// The kinds of change the form offers, with their labels.
const KINDS: [(&str, &str); 4] = [
    ("duration", "Change a task's duration"),
    ("add_after", "Add a task after another"),
    ("start", "Move a task's start (no earlier than)"),
    ("assign", "Assign a resource to a task"),
];

/// "+3 working days", "−1.5 working days", "no change".
fn days_change(days: f64) -> String {
    if days.abs() < 0.005 {
        return "no change".to_string();
    }
    let sign = if days > 0.0 { "+" } else { "−" };
    let size = days.abs();
    let text = if (size - size.round()).abs() < 0.05 {
        format!("{:.0}", size.round())
    } else {
        format!("{size:.1}")
    };
    let unit = if text == "1" { "day" } else { "days" };
    format!("{sign}{text} working {unit}")
}

/// An amount of money as people read it: "12,400", a negative one with a minus sign ("−800").
pub(crate) fn money(amount: f64) -> String {
    gantry_report::money(amount).replacen('-', "−", 1)
}

struct MovedView {
    name: String,
    start_before: String,
    start_after: String,
    finish_before: String,
    finish_after: String,
}

struct ImpactView {
    finish_before: String,
    finish_after: String,
    finish_change: String,
    later: bool,
    cost_before: String,
    cost_after: String,
    cost_change: String,
    critical_count: usize,
    entering: Vec<String>,
    leaving: Vec<String>,
    added: Vec<String>,
    moved: Vec<MovedView>,
}

impl From<Impact> for ImpactView {
    fn from(impact: Impact) -> ImpactView {
        let names = |tasks: Vec<gantry_store::TaskRef>| -> Vec<String> {
            tasks.into_iter().map(|task| task.name).collect()
        };
        let cost_delta = impact.cost_after - impact.cost_before;
        ImpactView {
            finish_before: shown_day(&impact.finish_before),
            finish_after: shown_day(&impact.finish_after),
            finish_change: days_change(impact.finish_days),
            later: impact.finish_days > 0.0,
            cost_before: money(impact.cost_before),
            cost_after: money(impact.cost_after),
            cost_change: if cost_delta.abs() < 0.5 {
                "no change".to_string()
            } else if cost_delta > 0.0 {
                format!("+{}", money(cost_delta))
            } else {
                money(cost_delta)
            },
            critical_count: impact.critical_after.len(),
            entering: names(impact.entering_critical),
            leaving: names(impact.leaving_critical),
            added: names(impact.added),
            moved: impact
                .moved
                .into_iter()
                .map(|task| MovedView {
                    name: task.name,
                    start_before: shown_day(&task.start_before),
                    start_after: shown_day(&task.start_after),
                    finish_before: shown_day(&task.finish_before),
                    finish_after: shown_day(&task.finish_after),
                })
                .collect(),
        }
    }
}

struct ChangeRow {
    id: i64,
    title: String,
    reason: String,
    status: &'static str,
    proposed: bool,
    requested_by: String,
    requested_at: String,
    decided_by: String,
    decided_at: String,
    decision_note: Option<String>,
    items: Vec<String>,
    impact: Option<ImpactView>,
    impact_error: Option<String>,
    decision_error: Option<String>,
}

/// The propose form's values and errors.
#[derive(Debug, Default, Deserialize)]
pub struct ProposeForm {
    csrf_token: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    units: String,
}

/// An error of the propose form: the field it is about ("" for the form) and the words.
#[derive(Default)]
struct FormError {
    field: String,
    message: Option<String>,
}

impl FormError {
    fn on(&self, field: &str) -> Option<String> {
        self.message.clone().filter(|_| self.field == field)
    }
}

#[derive(Template)]
#[template(path = "changes.html")]
struct ChangesPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    role: &'static str,
    can_propose: bool,
    can_decide: bool,
    changes: Vec<ChangeRow>,
    kinds: Vec<(&'static str, &'static str)>,
    tasks: Vec<(i64, String)>,
    resources: Vec<(i64, String)>,
    form: ProposeForm,
    title_error: Option<String>,
    reason_error: Option<String>,
    task_error: Option<String>,
    days_error: Option<String>,
    name_error: Option<String>,
    date_error: Option<String>,
    resource_error: Option<String>,
    units_error: Option<String>,
    form_error: Option<String>,
}

/// What an item does, in words, with the plan's names.
fn describe(item: &ChangeItem, scheduled: &Scheduled) -> String {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let task = |id: i64| {
        stored.task_index(id).map_or_else(
            || format!("task {id}"),
            |index| plan.tasks[index].name.clone(),
        )
    };
    let days = |minutes: i64| super::overview::working_days(minutes, plan);
    match item {
        ChangeItem::SetDuration {
            task: id,
            duration_minutes,
            ..
        } => format!("{}: duration {}", task(*id), days(*duration_minutes)),
        ChangeItem::AddTask {
            name,
            duration_minutes,
            after,
            ..
        } => match after {
            Some(after) => format!(
                "New task \"{name}\" ({}) after {}",
                days(*duration_minutes),
                task(*after)
            ),
            None => format!("New task \"{name}\" ({})", days(*duration_minutes)),
        },
        ChangeItem::StartNoEarlierThan { task: id, date, .. } => {
            format!("{}: start no earlier than {}", task(*id), shown_day(date))
        }
        ChangeItem::Assign {
            task: id,
            resource,
            units,
        } => {
            let resource = stored
                .resource_ids
                .iter()
                .position(|&row| row == *resource)
                .map_or_else(
                    || format!("resource {resource}"),
                    |index| plan.resources[index].name.clone(),
                );
            format!("{resource} on {} at {:.0} %", task(*id), units * 100.0)
        }
        ChangeItem::SetUnits {
            assignment, units, ..
        } => format!("Assignment {assignment}: {:.0} %", units * 100.0),
        ChangeItem::AddLink {
            predecessor,
            successor,
        } => format!("{} before {}", task(*predecessor), task(*successor)),
    }
}

/// A store refusal in words, with the field it names.
fn refusal(error: StoreError) -> (String, String) {
    match ApiError::from(error) {
        ApiError::InvalidField { field, message } => (field, sentence(&message)),
        ApiError::InvalidPlan { message, .. }
        | ApiError::NotFound(message)
        | ApiError::Duplicate(message) => (String::new(), sentence(&message)),
        ApiError::Conflict { message, .. } => (
            String::new(),
            format!(
                "The plan changed since this change was proposed, so it no longer applies as proposed; nothing was applied. ({message})"
            ),
        ),
        _ => (
            String::new(),
            "The server failed; the details are in its log.".to_string(),
        ),
    }
}

/// The page, with the propose form as given and the errors to show.
async fn changes_page(
    state: &AppState,
    session: gantry_store::Session,
    role: Role,
    scheduled: &Scheduled,
    form: ProposeForm,
    form_error: FormError,
    decision_error: Option<(i64, String)>,
) -> Response {
    let project = scheduled.plan.project_id;
    let requests: Vec<ChangeRequest> = match state.store().changes(project).await {
        Ok(changes) => changes,
        Err(error) => {
            tracing::error!(%error, "listing change requests failed");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            );
        }
    };
    let mut changes = Vec::with_capacity(requests.len());
    for change in requests {
        let proposed = change.status == ChangeStatus::Proposed;
        let (impact, impact_error) = if proposed {
            match state.store().change_impact(project, change.id).await {
                Ok(impact) => (Some(ImpactView::from(impact)), None),
                Err(error) => (None, Some(refusal(error).1)),
            }
        } else {
            (change.impact.map(ImpactView::from), None)
        };
        changes.push(ChangeRow {
            id: change.id,
            items: change
                .items
                .iter()
                .map(|item| describe(item, scheduled))
                .collect(),
            title: change.title,
            reason: change.reason,
            status: change.status.code(),
            proposed,
            requested_by: change.requested_by_name,
            requested_at: shown_day(change.requested_at.get(..19).unwrap_or_default()),
            decided_by: change.decided_by_name.unwrap_or_default(),
            decided_at: change
                .decided_at
                .as_deref()
                .and_then(|at| at.get(..19))
                .map(shown_day)
                .unwrap_or_default(),
            decision_note: change.decision_note,
            impact,
            impact_error,
            decision_error: decision_error
                .as_ref()
                .filter(|(id, _)| *id == change.id)
                .map(|(_, message)| message.clone()),
        });
    }
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let tasks = plan
        .tasks
        .iter()
        .zip(&scheduled.schedule.tasks)
        .enumerate()
        .filter(|(_, (_, computed))| !computed.is_summary)
        .map(|(index, (task, _))| (stored.task_ids[index], task.name.clone()))
        .collect();
    let resources = plan
        .resources
        .iter()
        .enumerate()
        .map(|(index, resource)| (stored.resource_ids[index], resource.name.clone()))
        .collect();
    let status = if form_error.message.is_some() || decision_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let known = [
        "title", "reason", "task", "days", "name", "date", "resource", "units",
    ];
    let page = ChangesPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "changes",
        name: plan.name.clone(),
        role: role.code(),
        can_propose: role >= Role::Member,
        can_decide: role >= Role::Manager,
        changes,
        kinds: KINDS.to_vec(),
        tasks,
        resources,
        title_error: form_error.on("title"),
        reason_error: form_error.on("reason"),
        task_error: form_error.on("task"),
        days_error: form_error.on("days"),
        name_error: form_error.on("name"),
        date_error: form_error.on("date"),
        resource_error: form_error.on("resource"),
        units_error: form_error.on("units"),
        form_error: form_error
            .message
            .clone()
            .filter(|_| !known.contains(&form_error.field.as_str())),
        form,
    };
    (status, render(&page)).into_response()
}

/// `GET /projects/{id}/changes`.
pub async fn changes(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    match project_for(&state, &session, project).await {
        Ok((role, scheduled)) => {
            let form = ProposeForm {
                kind: "duration".into(),
                units: "100".into(),
                ..ProposeForm::default()
            };
            changes_page(
                &state,
                session,
                role,
                &scheduled,
                form,
                FormError::default(),
                None,
            )
            .await
        }
        Err(response) => response,
    }
}

fn field_error(field: &str, message: impl Into<String>) -> FormError {
    FormError {
        field: field.to_string(),
        message: Some(message.into()),
    }
}

/// The change item the form describes, or the error of the field at fault.
fn item_from(form: &ProposeForm, scheduled: &Scheduled) -> Result<ChangeItem, FormError> {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let task = |required: bool| -> Result<Option<(i64, usize)>, FormError> {
        match form.task.trim().parse::<i64>() {
            Ok(id) => stored
                .task_index(id)
                .map(|index| Some((id, index)))
                .ok_or_else(|| field_error("task", "That task no longer exists: reload the page.")),
            Err(_) if !required => Ok(None),
            Err(_) => Err(field_error("task", "Choose a task.")),
        }
    };
    let days = || -> Result<i64, FormError> {
        let text = form.days.trim().replace(',', ".");
        match text.parse::<f64>() {
            Ok(days) if days.is_finite() && (0.0..=1000.0).contains(&days) => {
                Ok((days * plan.durations.minutes_per_day as f64).round() as i64)
            }
            _ => Err(field_error(
                "days",
                "Write the duration in working days, a number from 0 to 1000 (e.g. 5 or 2.5).",
            )),
        }
    };
    match form.kind.as_str() {
        "duration" => {
            let (id, index) = task(true)?.ok_or_else(|| field_error("task", "Choose a task."))?;
            Ok(ChangeItem::SetDuration {
                task: id,
                version: stored.task_versions[index],
                duration_minutes: days()?,
            })
        }
        "add_after" => {
            if form.name.trim().is_empty() {
                return Err(field_error("name", "Give the new task a name."));
            }
            let after = task(false)?.map(|(id, _)| id);
            let parent = after.and_then(|id| {
                let index = stored.task_index(id)?;
                let parent = plan.tasks[index].parent?;
                Some(stored.task_ids[parent.index()])
            });
            Ok(ChangeItem::AddTask {
                name: form.name.trim().to_string(),
                duration_minutes: days()?,
                parent,
                after,
            })
        }
        "start" => {
            let (id, index) = task(true)?.ok_or_else(|| field_error("task", "Choose a task."))?;
            let date = form.date.trim();
            if date.parse::<jiff::civil::Date>().is_err() {
                return Err(field_error(
                    "date",
                    "Write the date as YYYY-MM-DD, e.g. 2026-03-02.",
                ));
            }
            // Already constrained to start no earlier than that date: nothing would change.
            if let Constraint::StartNoEarlierThan(at) = plan.tasks[index].constraint
                && at.date().to_string() == date
            {
                return Err(field_error(
                    "date",
                    "The task already starts no earlier than that date.",
                ));
            }
            Ok(ChangeItem::StartNoEarlierThan {
                task: id,
                version: stored.task_versions[index],
                date: date.to_string(),
            })
        }
        "assign" => {
            let (id, _) = task(true)?.ok_or_else(|| field_error("task", "Choose a task."))?;
            let resource = form
                .resource
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|resource| stored.resource_ids.contains(resource))
                .ok_or_else(|| field_error("resource", "Choose a resource."))?;
            let units = match form
                .units
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse::<f64>()
            {
                Ok(percent) if percent.is_finite() && percent > 0.0 && percent <= 1000.0 => {
                    percent / 100.0
                }
                _ => {
                    return Err(field_error(
                        "units",
                        "Write the units in percent of full time, from 1 to 1000 (e.g. 50).",
                    ));
                }
            };
            Ok(ChangeItem::Assign {
                task: id,
                resource,
                units,
            })
        }
        _ => Err(field_error("kind", "Choose what kind of change this is.")),
    }
}

/// `POST /projects/{id}/changes` (member): proposes a change of one edit.
pub async fn propose(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<ProposeForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Member,
        "Proposing a change",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let checked = if form.title.trim().is_empty() {
        Err(field_error("title", "Give the change a title."))
    } else if form.reason.trim().is_empty() {
        Err(field_error("reason", "Say why the change is needed."))
    } else {
        item_from(&form, &scheduled)
    };
    let result = match checked {
        Ok(item) => state
            .store()
            .propose_change(
                project,
                session.user.id,
                NewChange {
                    title: form.title.clone(),
                    reason: form.reason.clone(),
                    items: vec![item],
                },
            )
            .await
            .map_err(|error| {
                let (field, message) = refusal(error);
                // The store names the duration; the form calls it days.
                let field = if field == "duration" {
                    "days".into()
                } else {
                    field
                };
                FormError {
                    field,
                    message: Some(message),
                }
            }),
        Err(error) => Err(error),
    };
    match result {
        Ok(change) => redirect(&format!("/projects/{project}/changes#change-{}", change.id)),
        Err(error) => changes_page(&state, session, role, &scheduled, form, error, None).await,
    }
}

/// The approve and reject forms.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf_token: Option<String>,
    #[serde(default)]
    note: String,
    /// The approve form's "Save as baseline 0 after applying" box: the baseline number when
    /// ticked, absent otherwise.
    #[serde(default)]
    rebaseline: Option<u8>,
}

/// `POST /projects/{id}/changes/{c}/approve` (manager): applies the change in one transaction.
pub async fn approve(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, change)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(state, session, project, change, headers, form, true).await
}

/// `POST /projects/{id}/changes/{c}/reject` (manager): rejects it with a reason.
pub async fn reject(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, change)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(state, session, project, change, headers, form, false).await
}

async fn decide(
    state: AppState,
    session: gantry_store::Session,
    project: i64,
    change: i64,
    headers: HeaderMap,
    form: DecisionForm,
    approve: bool,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Manager,
        if approve {
            "Approving a change"
        } else {
            "Rejecting a change"
        },
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let result = if approve {
        state
            .store()
            .approve_change(
                project,
                change,
                session.user.id,
                Some(&form.note),
                form.rebaseline,
            )
            .await
            .map(|(_, outcome)| {
                state.remember(
                    project,
                    std::sync::Arc::new(Scheduled::new(outcome.plan, outcome.schedule)),
                );
            })
    } else if form.note.trim().is_empty() {
        Err(StoreError::Invalid {
            field: Some("reason"),
            message: "say why the change is rejected".into(),
            tasks: Vec::new(),
        })
    } else {
        state
            .store()
            .reject_change(project, change, session.user.id, &form.note)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => redirect(&format!("/projects/{project}/changes#change-{change}")),
        Err(error) => {
            let message = refusal(error).1;
            let form = ProposeForm {
                kind: "duration".into(),
                units: "100".into(),
                ..ProposeForm::default()
            };
            changes_page(
                &state,
                session,
                role,
                &scheduled,
                form,
                FormError::default(),
                Some((change, message)),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    last_sent: Option<String>,
    can_mark_sent: bool,
    page: &'static str,
    name: String,
    css: &'static str,
    report: String,
}

/// The changes approved (newest first) since `since` (the last report sent; the latest five
/// when `None`) and those waiting for a decision, as the status report lists them.
async fn change_record(
    state: &AppState,
    project: i64,
    since: Option<jiff::Timestamp>,
) -> (Vec<gantry_report::ChangeNote>, Vec<String>) {
    let changes = match state.store().changes(project).await {
        Ok(changes) => changes,
        Err(error) => {
            tracing::error!(%error, "listing change requests failed");
            return (Vec::new(), Vec::new());
        }
    };
    let pending = changes
        .iter()
        .filter(|change| change.status == ChangeStatus::Proposed)
        .map(|change| {
            format!(
                "Change request \"{}\" (proposed by {} on {})",
                change.title,
                change.requested_by_name,
                shown_day(change.requested_at.get(..19).unwrap_or_default())
            )
        })
        .collect();
    let approved = changes
        .into_iter()
        .filter(|change| change.status == ChangeStatus::Approved)
        .filter(|change| match since {
            Some(since) => change
                .decided_at
                .as_deref()
                .and_then(|at| at.parse::<jiff::Timestamp>().ok())
                .is_some_and(|at| at > since),
            None => true,
        })
        .take(if since.is_some() { usize::MAX } else { 5 })
        .map(|change| gantry_report::ChangeNote {
            title: change.title,
            approved_on: change
                .decided_at
                .as_deref()
                .and_then(|at| at.get(..19))
                .map(shown_day)
                .unwrap_or_default(),
            approved_by: change.decided_by_name.unwrap_or_default(),
            finish_change: change
                .impact
                .map(|impact| days_change(impact.finish_days))
                .unwrap_or_else(|| "unknown".to_string()),
        })
        .collect();
    (approved, pending)
}

/// The project's risk register as the status report lists it: score (probability band ×
/// impact band), probability, impact band, owner, response (strategy and contingency) and
/// status; `None` (no risk section) when the register cannot be read.
async fn risk_notes(state: &AppState, project: i64) -> Option<Vec<gantry_report::RiskNote>> {
    let (plan, register) = match state.store().risk_register(project).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "reading the risk register failed");
            return None;
        }
    };
    Some(
        register
            .risks
            .into_iter()
            .map(|risk| {
                let wire = crate::risks::RiskWire::new(risk, &plan.plan);
                let response = if wire.contingency.is_empty() {
                    wire.strategy.clone()
                } else {
                    format!("{}: {}", wire.strategy, wire.contingency)
                };
                gantry_report::RiskNote {
                    title: wire.title,
                    score: Some(wire.score),
                    probability: wire.probability,
                    impact: format!("impact {} of 5", wire.bands.impact),
                    owner: wire.owner_name,
                    response: Some(response),
                    cost: wire.cost,
                    state: match gantry_store::RiskStatus::from_code(&wire.status) {
                        Some(gantry_store::RiskStatus::Occurred) => {
                            gantry_report::RiskState::Occurred
                        }
                        Some(gantry_store::RiskStatus::Closed) => gantry_report::RiskState::Closed,
                        _ => gantry_report::RiskState::Open,
                    },
                }
            })
            .collect(),
    )
}

/// `GET /projects/{id}/report`: the one-page status report for stakeholders (the same HTML as
/// `gantry report --status`), ready to print.
pub async fn report(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let last = match state.store().last_report_sent(project).await {
        Ok(last) => last,
        Err(error) => {
            tracing::error!(%error, "reading the last status report failed");
            None
        }
    };
    let since = last
        .as_ref()
        .and_then(|sent| sent.sent_at.parse::<jiff::Timestamp>().ok());
    let last_sent = last.as_ref().map(|sent| {
        format!(
            "{} by {}",
            shown_day(sent.sent_at.get(..19).unwrap_or_default()),
            sent.sent_by_name
        )
    });
    let (approved, pending) = change_record(&state, project, since).await;
    let extras = gantry_report::StatusExtras {
        report_date: jiff::Zoned::now()
            .date()
            .strftime("%a %-d %b %Y")
            .to_string(),
        recent_changes: Some(approved),
        changes_since: last_sent.clone(),
        decisions_needed: Some(pending),
        risks: risk_notes(&state, project).await,
    };
    let plan = &scheduled.plan.plan;
    let report = gantry_report::status_report(plan, &scheduled.schedule, &extras);
    render(&ReportPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        last_sent,
        can_mark_sent: role >= Role::Manager,
        page: "report",
        name: plan.name.clone(),
        css: gantry_report::STATUS_REPORT_CSS,
        report: gantry_report::status_report_html(&report),
    })
    .into_response()
}

/// The "mark as sent" form.
#[derive(Debug, Deserialize)]
pub struct SentForm {
    csrf_token: Option<String>,
}

/// `POST /projects/{id}/report/sent` (manager): records that the status report was sent, so the
/// next one lists the changes approved since.
pub async fn mark_report_sent(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<SentForm>,
) -> Response {
    if let Err(response) = writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Manager,
        "Marking the status report as sent",
    )
    .await
    {
        return response;
    }
    match state
        .store()
        .mark_report_sent(project, session.user.id)
        .await
    {
        Ok(_) => redirect(&format!("/projects/{project}/report")),
        Err(error) => {
            tracing::error!(%error, "recording a sent status report failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            )
        }
    }
}
