//! The Gantt page: the chart that `gantry report --gantt` draws, from `gantry-report`, with its
//! rows virtualized and its bars draggable by managers.
//!
//! The page draws the timescale and only the rows in view (plus a margin) inside a scroll box as
//! tall as every row; `static/gantt.js` fetches the rows of the window in view from
//! [`gantt_rows`] as the reader scrolls, so that a 10,000-task plan costs the page a few hundred
//! rows. A manager's drop (move a bar, stretch its end, drag its link handle onto another bar)
//! is one request to [`gantt_edit`], which edits the plan through the store like the JSON API
//! and answers with the chart re-drawn (successors moved), or with the store's refusal in words.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::model::{Constraint, Duration, LinkType};
use gantry_core::{Instant, WorkingCalendar};
use gantry_report::{Editing, GanttOptions, ROW_HEIGHT, Scale, gantt_header_svg, gantt_rows_svg};
use gantry_store::{Edit, Role, StoreError, TaskChanges};
use serde::Deserialize;

use super::{PageSession, csrf_refusal, day, project_for, render, role_in};
use crate::{AppState, Scheduled};

/// Rows the page draws at first and a fragment draws at most around the rows in view: about
/// ten screens of rows, so that scrolling a screen or two needs no request.
const WINDOW_ROWS: usize = 200;
/// The most rows one fragment request may ask for.
const MAX_WINDOW_ROWS: usize = 1000;

#[derive(Template)]
#[template(path = "gantt.html")]
struct GanttPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    finish: String,
    critical: usize,
    tasks: usize,
    role: &'static str,
    editable: bool,
    scale: &'static str,
    scales: [(&'static str, &'static str); 3],
    view: String,
}

/// `?scale=` of the Gantt page.
#[derive(Debug, Deserialize)]
pub struct GanttQuery {
    scale: Option<String>,
}

/// `?from=&to=&scale=` of a fragment of rows.
#[derive(Debug, Deserialize)]
pub struct RowsQuery {
    from: Option<usize>,
    to: Option<usize>,
    scale: Option<String>,
}

fn scale_of(value: Option<&str>) -> (Scale, &'static str) {
    match value {
        Some("day") => (Scale::Day, "day"),
        Some("month") => (Scale::Month, "month"),
        _ => (Scale::Week, "week"),
    }
}

/// The window of rows asked for, within the plan and at most `MAX_WINDOW_ROWS` long.
fn window(from: Option<usize>, to: Option<usize>, task_count: usize) -> std::ops::Range<usize> {
    let from = from.unwrap_or(0).min(task_count);
    let to = to
        .unwrap_or(from + WINDOW_ROWS)
        .clamp(from, from + MAX_WINDOW_ROWS)
        .min(task_count);
    from..to
}

fn today() -> Instant {
    Instant::from_civil(jiff::Zoned::now().datetime())
}

/// The chart's options for `rows`, with the handles and task ids when the user may edit.
fn options<'a>(
    scheduled: &'a Scheduled,
    scale: Scale,
    rows: std::ops::Range<usize>,
    editable: bool,
) -> GanttOptions<'a> {
    GanttOptions {
        scale,
        rows: Some(rows),
        today: Some(today()),
        editing: editable.then_some(Editing {
            task_ids: &scheduled.plan.task_ids,
            task_versions: &scheduled.plan.task_versions,
        }),
    }
}

/// The inside of the chart's scroll box: the timescale, and a box as tall as every row with the
/// window of rows at its place in it.
fn chart_view(
    scheduled: &Scheduled,
    scale: Scale,
    rows: std::ops::Range<usize>,
    editable: bool,
) -> String {
    let (plan, schedule) = (&scheduled.plan.plan, &scheduled.schedule);
    let options = options(scheduled, scale, rows.clone(), editable);
    let header = gantt_header_svg(plan, schedule, &options);
    let body = gantt_rows_svg(plan, schedule, &options);
    format!(
        r#"<div class="gantt-head">{header}</div><div class="gantt-body" style="height:{height}px" data-row-height="{ROW_HEIGHT}" data-task-count="{count}" data-version="{version}"><div class="gantt-window" style="top:{top}px" data-from="{from}" data-to="{to}">{body}</div></div>"#,
        height = plan.tasks.len() as f64 * ROW_HEIGHT,
        count = plan.tasks.len(),
        version = scheduled.plan.version,
        top = rows.start as f64 * ROW_HEIGHT,
        from = rows.start,
        to = rows.end,
    )
}

/// `GET /projects/{id}/gantt`: the Gantt chart that `gantry report --gantt` draws, its first
/// rows drawn and the others fetched as the reader scrolls.
pub async fn gantt(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    Query(query): Query<GanttQuery>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (scale, value) = scale_of(query.scale.as_deref());
    let plan = &scheduled.plan.plan;
    let editable = role >= Role::Manager;
    let rows = window(Some(0), Some(WINDOW_ROWS), plan.tasks.len());
    render(&GanttPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "gantt",
        name: plan.name.clone(),
        finish: day(scheduled.schedule.project_finish),
        critical: scheduled
            .schedule
            .tasks
            .iter()
            .filter(|task| task.critical && !task.is_summary)
            .count(),
        tasks: plan.tasks.len(),
        role: role.code(),
        editable,
        scale: value,
        scales: [("Days", "day"), ("Weeks", "week"), ("Months", "month")],
        view: chart_view(&scheduled, scale, rows, editable),
    })
    .into_response()
}

fn svg_response(svg: String) -> Response {
    ([(CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response()
}

/// `GET /projects/{id}/gantt/rows?from=&to=&scale=`: the rows `from..to` alone, as the SVG the
/// page puts at their place in the scroll box.
pub async fn gantt_rows(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    Query(query): Query<RowsQuery>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (scale, _) = scale_of(query.scale.as_deref());
    let plan = &scheduled.plan.plan;
    let rows = window(query.from, query.to, plan.tasks.len());
    let options = options(&scheduled, scale, rows, role >= Role::Manager);
    svg_response(gantt_rows_svg(plan, &scheduled.schedule, &options))
}

/// One drop on the chart: what was dragged, where to, and the window of rows to draw again.
#[derive(Debug, Deserialize)]
pub struct GanttEdit {
    /// `move` (the bar), `resize` (its end) or `link` (its handle onto another bar).
    action: String,
    /// The dragged task's row id.
    task: i64,
    /// The version of the task the chart showed.
    version: i64,
    /// The day dropped on: the new start (move) or the new last day (resize), `YYYY-MM-DD`.
    date: Option<String>,
    /// The task dropped onto (link): it follows the dragged one, finish to start.
    successor: Option<i64>,
    scale: Option<String>,
    from: Option<usize>,
    to: Option<usize>,
}

/// A refused drop: the status and the sentence the page shows above the chart.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message,
        )
            .into_response()
    }
}

fn parse_date(date: Option<&str>) -> Result<jiff::civil::Date, Refusal> {
    date.and_then(|date| date.parse().ok()).ok_or_else(|| {
        Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The drop did not name a day: reload the page and try again.",
        )
    })
}

/// The edit a drop asks for, in the store's terms.
fn edit_of(form: &GanttEdit, scheduled: &Scheduled) -> Result<Edit, Refusal> {
    let stored = &scheduled.plan;
    let Some(index) = stored.task_ids.iter().position(|id| *id == form.task) else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "That task no longer exists: reload the page.",
        ));
    };
    let task = &stored.plan.tasks[index];
    let computed = &scheduled.schedule.tasks[index];
    let update = |changes: TaskChanges| Edit::UpdateTask {
        task: form.task,
        version: form.version,
        changes,
    };
    match form.action.as_str() {
        // As MS Project does: the task starts no earlier than the day it was dropped on.
        "move" => {
            let date = parse_date(form.date.as_deref())?;
            Ok(update(TaskChanges {
                constraint: Some(Constraint::StartNoEarlierThan(
                    date.to_datetime(jiff::civil::Time::midnight()),
                )),
                ..TaskChanges::default()
            }))
        }
        // The duration becomes the (working) time from the task's start to the end of the day
        // its end was dropped on.
        "resize" => {
            let date = parse_date(form.date.as_deref())?;
            let end = Instant::from_date(date.tomorrow().unwrap_or(date));
            let minutes = if task.duration.elapsed {
                end.0 - computed.start.0
            } else {
                let calendar = task.calendar.unwrap_or(stored.plan.calendar);
                match WorkingCalendar::build(&stored.plan.calendars, calendar) {
                    Ok(calendar) => calendar.working_minutes_between(computed.start, end),
                    Err(error) => {
                        return Err(Refusal::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            error.to_string(),
                        ));
                    }
                }
            };
            if minutes <= 0 {
                return Err(Refusal::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "\"{}\" starts on {}: drop its end on that day or later.",
                        task.name,
                        day(computed.start)
                    ),
                ));
            }
            Ok(update(TaskChanges {
                duration: Some(Duration {
                    minutes,
                    elapsed: task.duration.elapsed,
                }),
                ..TaskChanges::default()
            }))
        }
        "link" => match form.successor {
            Some(successor) => Ok(Edit::CreateLink {
                predecessor: form.task,
                successor,
                kind: LinkType::FinishToStart,
                lag: gantry_core::model::Lag::None,
            }),
            None => Err(Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Drop the link handle on another task's bar.",
            )),
        },
        _ => Err(Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unknown change: reload the page and try again.",
        )),
    }
}

/// `POST /projects/{id}/gantt/edit`: moves a task (a start-no-earlier-than constraint on the day
/// dropped on), changes its duration, or links it to another task (manager), and answers with
/// the chart drawn again for the window the page shows; a refused edit stores nothing and
/// answers with why, in words.
pub async fn gantt_edit(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<GanttEdit>,
) -> Response {
    if csrf_refusal(&session, &headers, None).is_some() {
        return Refusal::new(
            StatusCode::FORBIDDEN,
            "This page is out of date: reload it and try again.",
        )
        .into_response();
    }
    let role = match role_in(&state, &session, project).await {
        Ok(role) => role,
        Err(response) => return response,
    };
    if role < Role::Manager {
        return Refusal::new(
            StatusCode::FORBIDDEN,
            "Changing the plan needs the manager role in this project.",
        )
        .into_response();
    }
    let scheduled = match state.scheduled(project).await {
        Ok(scheduled) => scheduled,
        Err(_) => return super::no_such_project(),
    };
    let edit = match edit_of(&form, &scheduled) {
        Ok(edit) => edit,
        Err(refusal) => return refusal.into_response(),
    };
    let outcome = match state
        .store()
        .edit(project, Some(session.user.id), edit)
        .await
    {
        Ok(outcome) => outcome,
        Err(StoreError::Conflict { .. }) => {
            return Refusal::new(
                StatusCode::CONFLICT,
                "Someone changed this task since the chart was drawn; nothing was saved. The chart now shows the plan as it is: try again.",
            )
            .into_response();
        }
        Err(StoreError::Invalid { message, .. }) => {
            return Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Not saved: {message}."),
            )
            .into_response();
        }
        Err(StoreError::NotFound { .. }) => {
            return Refusal::new(
                StatusCode::NOT_FOUND,
                "That task no longer exists: reload the page.",
            )
            .into_response();
        }
        Err(error) => {
            tracing::error!(%error, "a Gantt edit failed");
            return Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            )
            .into_response();
        }
    };
    let scheduled = std::sync::Arc::new(Scheduled::new(outcome.plan, outcome.schedule));
    state.remember(project, scheduled.clone());
    let (scale, _) = scale_of(form.scale.as_deref());
    let rows = window(form.from, form.to, scheduled.plan.plan.tasks.len());
    (
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        chart_view(&scheduled, scale, rows, true),
    )
        .into_response()
}
