//! The task detail page: a task's fields and computed dates, its links and assignments, its
//! history and the comments on it, with a form to add one (members and up).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::cpm::Driver;
use gantry_core::model::{Lag, Plan, TaskId};
use gantry_store::{Role, Session, StoreError};
use serde::Deserialize;

use super::history::{HistoryList, HistoryRow, history_row, moment};
use super::overview::working_days;
use super::{PageSession, csrf_refusal, day, error_page, project_for, redirect, render, sentence};
use crate::{AppState, Scheduled};

/// How far back the task's own history is looked for, in entries of the project's history.
const HISTORY_WINDOW: i64 = 1_000;

/// A comment as shown.
pub(crate) struct CommentRow {
    /// Who wrote it.
    pub who: String,
    /// When.
    pub at: String,
    /// The text.
    pub body: String,
}

/// The comments on a task and the form to add one: the fragment that a new comment replaces.
#[derive(Template)]
#[template(path = "task_comments.html")]
pub(crate) struct CommentsFragment<'a> {
    project_id: i64,
    task_id: i64,
    csrf_token: &'a str,
    comments: &'a [CommentRow],
    can_comment: bool,
    /// Why the comment was not added, shown next to the field.
    error: Option<&'a str>,
    /// What the user typed, kept when it was refused.
    body: &'a str,
}

/// A linked task.
struct LinkRow {
    link: String,
    name: String,
    kind: &'static str,
    lag: String,
    driving: bool,
}

/// A resource on the task.
struct AssignmentRow {
    resource: String,
    units: u32,
    work: String,
}

#[derive(Template)]
#[template(path = "task_detail.html")]
struct TaskPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    project_name: String,
    key: String,
    name: String,
    outline: String,
    /// Label and value of each field.
    fields: Vec<(&'static str, String)>,
    /// Label and value of each computed date and float.
    computed: Vec<(&'static str, String)>,
    critical: bool,
    driver: String,
    predecessors: Vec<LinkRow>,
    successors: Vec<LinkRow>,
    assignments: Vec<AssignmentRow>,
    history: String,
    no_history: bool,
    comments: String,
}

/// A task's pauses as a person reads them ("after 2.0 d, pause 3.0 d"), or "none".
fn splits_text(plan: &Plan, task: TaskId) -> String {
    let mut splits: Vec<&gantry_core::model::Split> = plan
        .splits
        .iter()
        .filter(|split| split.task == task)
        .collect();
    if splits.is_empty() {
        return "none".to_string();
    }
    splits.sort_by_key(|split| split.after);
    splits
        .iter()
        .map(|split| {
            format!(
                "after {}, pause {}",
                working_days(split.after, plan),
                working_days(split.gap, plan)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn lag_text(lag: Lag, plan: &Plan) -> String {
    match lag {
        Lag::None => String::new(),
        Lag::Working(minutes) => format!("{:+}", working_days(minutes, plan)).replace("+-", "-"),
        Lag::Elapsed(minutes) => format!("{:+.1} elapsed d", minutes as f64 / 1440.0),
        Lag::Percent(percent) => format!("{percent:+}%"),
    }
}

fn driver_text(scheduled: &Scheduled, task: TaskId) -> String {
    let plan = &scheduled.plan.plan;
    let schedule = &scheduled.schedule;
    match schedule.task(task).driver {
        Driver::ProjectStart => "the project start".to_string(),
        Driver::StatusDate => {
            "the status date (unstarted work is not scheduled in the past)".into()
        }
        Driver::Constraint => "its constraint date".to_string(),
        Driver::Actual => "its actual start".to_string(),
        Driver::Links => {
            let names: Vec<String> = schedule
                .driving_links(task)
                .iter()
                .map(|link| {
                    let link = &plan.links[link.index()];
                    format!(
                        "{} ({})",
                        plan.tasks[link.predecessor.index()].name,
                        link.kind.code()
                    )
                })
                .collect();
            format!("its predecessor {}", names.join(", "))
        }
        Driver::Subtasks => "its earliest subtasks".to_string(),
    }
}

fn comment_rows(comments: Vec<gantry_store::Comment>) -> Vec<CommentRow> {
    comments
        .into_iter()
        .map(|comment| CommentRow {
            who: comment.username,
            at: moment(&comment.created_at),
            body: comment.body,
        })
        .collect()
}

fn render_fragment(fragment: &CommentsFragment<'_>) -> String {
    fragment.render().unwrap_or_else(|error| {
        tracing::error!(%error, "the comments failed to render");
        "<p>The comments failed to render; the details are in the server's log.</p>".into()
    })
}

fn server_failed(error: &StoreError) -> Response {
    tracing::error!(%error, "a store read failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server failed; the details are in its log.",
    )
}

/// The whole task page, with `error` and `body` in the comment form.
async fn task_page(
    state: &AppState,
    session: Session,
    role: Role,
    scheduled: &Scheduled,
    task_id: i64,
    comment: (Option<&str>, &str),
) -> Response {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let project = stored.project_id;
    let Some(index) = stored.task_index(task_id) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "There is no such task in this project.",
        );
    };
    let task = &plan.tasks[index];
    let id = TaskId(index as u32);
    let computed = scheduled.schedule.task(id);
    let task_link = |other: TaskId| {
        format!(
            "/projects/{project}/tasks/{}",
            stored.task_ids[other.index()]
        )
    };
    let driving = scheduled.schedule.driving_links(id);
    let links = |incoming: bool| -> Vec<LinkRow> {
        plan.links
            .iter()
            .enumerate()
            .filter(|(_, link)| {
                if incoming {
                    link.successor == id
                } else {
                    link.predecessor == id
                }
            })
            .map(|(position, link)| {
                let other = if incoming {
                    link.predecessor
                } else {
                    link.successor
                };
                LinkRow {
                    link: task_link(other),
                    name: plan.tasks[other.index()].name.clone(),
                    kind: link.kind.code(),
                    lag: lag_text(link.lag, plan),
                    driving: incoming && driving.iter().any(|driver| driver.index() == position),
                }
            })
            .collect()
    };
    let assignments = plan
        .assignments
        .iter()
        .enumerate()
        .filter(|(_, assignment)| assignment.task == id)
        .map(|(position, assignment)| AssignmentRow {
            resource: plan.resources[assignment.resource.index()].name.clone(),
            units: (assignment.units * 100.0).round() as u32,
            work: format!("{:.0} h", plan.assignment_work(position) as f64 / 60.0),
        })
        .collect();
    let optional = |value: Option<String>| value.unwrap_or_else(|| "—".to_string());
    let fields = vec![
        ("Key", task.key.clone()),
        (
            "Duration",
            working_days(
                if computed.is_summary {
                    computed.duration_minutes
                } else {
                    task.duration.minutes
                },
                plan,
            ) + if task.duration.elapsed {
                " (elapsed)"
            } else {
                ""
            },
        ),
        (
            "Milestone",
            if computed.is_milestone { "yes" } else { "no" }.to_string(),
        ),
        (
            "Constraint",
            match task.constraint.date() {
                Some(date) => format!(
                    "{} {}",
                    task.constraint.code(),
                    day(gantry_core::Instant::from_civil(date))
                ),
                None => task.constraint.code().to_string(),
            },
        ),
        (
            "Deadline",
            optional(
                task.deadline
                    .map(|date| day(gantry_core::Instant::from_civil(date))),
            ),
        ),
        ("Priority", task.priority.to_string()),
        ("Task type", task.task_type.code().to_string()),
        (
            "Leveling can split",
            if task.leveling_can_split { "yes" } else { "no" }.to_string(),
        ),
        ("Splits", splits_text(plan, id)),
        ("Complete", format!("{:.0} %", computed.percent_complete)),
        (
            "Actual start",
            optional(
                task.progress
                    .actual_start
                    .map(|date| day(gantry_core::Instant::from_civil(date))),
            ),
        ),
        (
            "Actual finish",
            optional(
                task.progress
                    .actual_finish
                    .map(|date| day(gantry_core::Instant::from_civil(date))),
            ),
        ),
    ];
    let computed_rows = vec![
        ("Start", day(computed.start)),
        ("Finish", day(computed.finish)),
        ("Early start", day(computed.early_start)),
        ("Early finish", day(computed.early_finish)),
        ("Late start", day(computed.late_start)),
        ("Late finish", day(computed.late_finish)),
        ("Total float", working_days(computed.total_float, plan)),
        ("Free float", working_days(computed.free_float, plan)),
    ];
    let history: Vec<HistoryRow> = match state.store().history(project, None, HISTORY_WINDOW).await
    {
        Ok(entries) => entries
            .into_iter()
            .filter(|entry| {
                (entry.entity == "task" && entry.entity_id == task_id)
                    || (entry.entity == "comment" && entry.label == task.key)
            })
            .take(20)
            .map(|entry| history_row(entry, stored))
            .collect(),
        Err(error) => return server_failed(&error),
    };
    let comments = match state.store().comments(project, Some(task_id)).await {
        Ok(comments) => comment_rows(comments),
        Err(error) => return server_failed(&error),
    };
    let fragment = render_fragment(&CommentsFragment {
        project_id: project,
        task_id,
        csrf_token: &session.csrf_token,
        comments: &comments,
        can_comment: role >= Role::Member,
        error: comment.0,
        body: comment.1,
    });
    let status = if comment.0.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&TaskPage {
            user_name: session.user.display_name.clone(),
            csrf_token: session.csrf_token.clone(),
            project_id: project,
            page: "tasks",
            project_name: plan.name.clone(),
            key: task.key.clone(),
            name: task.name.clone(),
            outline: plan.outline_numbers()[index].clone(),
            fields,
            computed: computed_rows,
            critical: computed.critical,
            driver: driver_text(scheduled, id),
            predecessors: links(true),
            successors: links(false),
            assignments,
            no_history: history.is_empty(),
            history: HistoryList { entries: &history }.html(),
            comments: fragment,
        }),
    )
        .into_response()
}

/// `GET /projects/{id}/tasks/{task}`: one task in full.
pub async fn task_detail(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, task)): Path<(i64, i64)>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    task_page(&state, session, role, &scheduled, task, (None, "")).await
}

/// The comment form.
#[derive(Debug, Deserialize)]
pub struct CommentForm {
    /// The session's CSRF token (a plain form; htmx sends it as a header).
    csrf_token: Option<String>,
    /// The text.
    body: String,
}

/// `POST /projects/{id}/tasks/{task}/comments` (member): adds a comment. htmx gets the
/// comments fragment back (with the error next to the field when the comment is refused); a
/// plain form is sent back to the task page.
pub async fn add_comment(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, task)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<CommentForm>,
) -> Response {
    if let Some(response) = csrf_refusal(&session, &headers, form.csrf_token.as_deref()) {
        return response;
    }
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if role < Role::Member {
        return error_page(
            StatusCode::FORBIDDEN,
            "Commenting needs the member role in this project; you are a viewer.",
        );
    }
    if scheduled.plan.task_index(task).is_none() {
        return error_page(
            StatusCode::NOT_FOUND,
            "There is no such task in this project.",
        );
    }
    let htmx = headers.contains_key("hx-request");
    let refused = match state
        .store()
        .add_comment(project, Some(task), session.user.id, &form.body)
        .await
    {
        Ok(_) => None,
        Err(StoreError::Invalid { message, .. }) => Some(sentence(&message)),
        Err(StoreError::NotFound { .. }) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "There is no such task in this project.",
            );
        }
        Err(error) => return server_failed(&error),
    };
    if !htmx {
        return match refused {
            None => redirect(&format!("/projects/{project}/tasks/{task}#comments")),
            Some(message) => {
                task_page(
                    &state,
                    session,
                    role,
                    &scheduled,
                    task,
                    (Some(&message), &form.body),
                )
                .await
            }
        };
    }
    let comments = match state.store().comments(project, Some(task)).await {
        Ok(comments) => comment_rows(comments),
        Err(error) => return server_failed(&error),
    };
    let body = if refused.is_some() {
        form.body.as_str()
    } else {
        ""
    };
    let html = render_fragment(&CommentsFragment {
        project_id: project,
        task_id: task,
        csrf_token: &session.csrf_token,
        comments: &comments,
        can_comment: true,
        error: refused.as_deref(),
        body,
    });
    // htmx swaps only 2xx answers by default: a refusal still comes back as 200 so that the
    // message appears next to the field.
    axum::response::Html(html).into_response()
}

/// A sentence from the store's message: "a comment needs text" → "A comment needs text".
pub(crate) fn capitalised(message: &str) -> String {
    let mut characters = message.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
