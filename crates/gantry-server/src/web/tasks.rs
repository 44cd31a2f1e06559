//! The task table: the WBS as rows with outline numbers, durations, dates, predecessors,
//! resources and float; for a manager every plan cell is an input that saves through htmx, and
//! each row has buttons to add, indent, outdent, move and delete. Every save re-renders the
//! table body, so the rows whose dates moved change without a page reload. Also the portfolio's
//! "New project" form, which lands on the new project's task table.
//!
//! Predecessors are written as MS Project writes them: the predecessor's row ID (the number in
//! the first column, its place in WBS order), the link type when it is not FS, and a signed
//! lag: "3", "3SS", "3FS+2d", "2FF-1d, 4".

use std::fmt::Write as _;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::model::{Constraint, Lag, Link, LinkType, Plan, TaskId};
use gantry_formats::{format_duration, format_lag, parse_duration, parse_lag};
use gantry_store::{Edit, Role, Session, StoreError, TaskChanges};
use serde::Deserialize;

use super::{PageSession, csrf_refusal, day, project_for, redirect, render, role_in};
use crate::{AppState, Scheduled};

/// Rows rendered at once: the first window comes with the page, the next ones when the last
/// row scrolls into view. A 10,000-task table in one piece is megabytes of HTML.
pub(crate) const WINDOW: usize = 300;

/// One task as a row of the table, in words.
pub(crate) struct Row {
    id: i64,
    version: i64,
    /// The row ID predecessors refer to: the task's place in WBS order, from 1.
    number: usize,
    outline: String,
    level: usize,
    name: String,
    summary: bool,
    milestone: bool,
    duration: String,
    /// The "Start No Earlier Than" date (yyyy-mm-dd), empty for as soon as possible.
    start_constraint: String,
    /// Another kind of constraint, in words ("MSO 2026-03-02"), shown beside the input.
    other_constraint: String,
    start: String,
    finish: String,
    predecessors: String,
    resources: String,
    float: String,
    critical: bool,
    can_indent: bool,
    can_outdent: bool,
    can_move_up: bool,
    can_move_down: bool,
    /// The row just added: its name input takes the focus (`static/tasks.js`).
    focus: bool,
}

/// The rows of `scheduled` in `range`, `focus` being the task row id whose name takes focus.
pub(crate) fn rows(
    scheduled: &Scheduled,
    range: std::ops::Range<usize>,
    focus: Option<i64>,
) -> Vec<Row> {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let count = plan.tasks.len();
    let outlines = plan.outline_numbers();
    let summaries = plan.summary_flags();
    let mut predecessors: Vec<Vec<&Link>> = vec![Vec::new(); count];
    for link in &plan.links {
        predecessors[link.successor.index()].push(link);
    }
    let mut resources: Vec<Vec<(usize, f64)>> = vec![Vec::new(); count];
    for assignment in &plan.assignments {
        resources[assignment.task.index()].push((assignment.resource.index(), assignment.units));
    }
    // Siblings: whether each task has one before and one after it under the same parent.
    let mut has_previous = vec![false; count];
    let mut has_next = vec![false; count];
    let mut last_child: Vec<Option<usize>> = vec![None; count + 1];
    for (index, task) in plan.tasks.iter().enumerate() {
        let slot = task.parent.map_or(count, TaskId::index);
        if let Some(previous) = last_child[slot] {
            has_previous[index] = true;
            has_next[previous] = true;
        }
        last_child[slot] = Some(index);
    }
    let range = range.start.min(count)..range.end.min(count);
    range
        .map(|index| {
            let task = &plan.tasks[index];
            let computed = &scheduled.schedule.tasks[index];
            let outline = outlines[index].clone();
            let (start_constraint, other_constraint) = match task.constraint {
                Constraint::AsSoonAsPossible => (String::new(), String::new()),
                Constraint::StartNoEarlierThan(date) => (date.date().to_string(), String::new()),
                other => (
                    String::new(),
                    match other.date() {
                        Some(date) => format!("{} {}", other.code(), date.date()),
                        None => other.code().to_string(),
                    },
                ),
            };
            Row {
                id: stored.task_ids[index],
                version: stored.task_versions[index],
                number: index + 1,
                level: outline.matches('.').count(),
                outline,
                name: task.name.clone(),
                summary: summaries[index],
                milestone: computed.is_milestone,
                // A summary's span is computed: in days to a tenth. A task's own duration
                // exactly, as the cell reads it back ("5d", "2.5d", "37h").
                duration: if summaries[index] {
                    days_to_a_tenth(computed.duration_minutes, plan.durations.minutes_per_day)
                } else {
                    format_duration(task.duration, &plan.durations)
                },
                start_constraint,
                other_constraint,
                start: short_day(computed.start),
                finish: short_day(computed.finish),
                predecessors: predecessors[index]
                    .iter()
                    .map(|link| predecessor_text(plan, link))
                    .collect::<Vec<_>>()
                    .join(", "),
                resources: resources[index]
                    .iter()
                    .map(|&(resource, units)| resource_text(plan, resource, units))
                    .collect::<Vec<_>>()
                    .join(", "),
                float: days_to_a_tenth(computed.total_float, plan.durations.minutes_per_day),
                critical: computed.critical,
                can_indent: has_previous[index],
                can_outdent: task.parent.is_some(),
                can_move_up: has_previous[index],
                can_move_down: has_next[index],
                focus: focus == Some(stored.task_ids[index]),
            }
        })
        .collect()
}

/// Working minutes in days to a tenth, as MS Project shows slack: "0d", "2.5d", "-1d".
fn days_to_a_tenth(minutes: i64, minutes_per_day: i64) -> String {
    let days = (minutes as f64 / minutes_per_day.max(1) as f64 * 10.0).round() / 10.0;
    if days.fract() == 0.0 {
        format!("{}d", days as i64)
    } else {
        format!("{days:.1}d")
    }
}

/// A date as the table shows it: "Mon 2 Mar 26" (narrow enough for twelve columns at 1280 px).
fn short_day(instant: gantry_core::Instant) -> String {
    instant
        .to_civil()
        .date()
        .strftime("%a %-d %b %y")
        .to_string()
}

/// A link as its successor's predecessor cell shows it: "3", "3SS", "3FS+2d".
fn predecessor_text(plan: &Plan, link: &Link) -> String {
    let mut text = (link.predecessor.index() + 1).to_string();
    let lag = format_lag(link.lag, &plan.durations);
    if link.kind != LinkType::FinishToStart || !lag.is_empty() {
        text.push_str(link.kind.code());
    }
    text.push_str(&lag);
    text
}

/// An assignment as the resources cell shows it: the name, and the units when not 100 %.
fn resource_text(plan: &Plan, resource: usize, units: f64) -> String {
    let name = &plan.resources[resource].name;
    if (units - 1.0).abs() < 1e-9 {
        name.clone()
    } else {
        format!("{name}[{}%]", (units * 100.0 * 100.0).round() / 100.0)
    }
}

#[derive(Template)]
#[template(path = "tasks_rows.html")]
struct RowsFragment<'a> {
    project_id: i64,
    editable: bool,
    rows: &'a [Row],
    /// Where the next window starts, when there are more rows.
    more: Option<usize>,
}

/// The rows `range` of the table as HTML `<tr>`s, with the row that loads the next window.
pub(crate) fn rows_html(
    scheduled: &Scheduled,
    editable: bool,
    range: std::ops::Range<usize>,
    focus: Option<i64>,
) -> String {
    let count = scheduled.plan.plan.tasks.len();
    let end = range.end.min(count);
    let rows = rows(scheduled, range, focus);
    let fragment = RowsFragment {
        project_id: scheduled.plan.project_id,
        editable,
        rows: &rows,
        more: (end < count).then_some(end),
    };
    render(&fragment).0
}

/// The line above the table: finish, critical tasks, size.
fn summary_text(scheduled: &Scheduled) -> String {
    let critical = scheduled
        .schedule
        .tasks
        .iter()
        .filter(|task| task.critical && !task.is_summary)
        .count();
    format!(
        "{} tasks · finish {} · {} critical",
        scheduled.plan.plan.tasks.len(),
        day(scheduled.schedule.project_finish),
        critical
    )
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    summary: String,
    role: &'static str,
    editable: bool,
    body: String,
}

/// `GET /projects/{id}/tasks`: the task table; inputs and row buttons for a manager.
pub async fn tasks(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let editable = role >= Role::Manager;
    render(&TasksPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "tasks",
        name: scheduled.plan.plan.name.clone(),
        summary: summary_text(&scheduled),
        role: role.code(),
        editable,
        body: rows_html(&scheduled, editable, 0..WINDOW, None),
    })
    .into_response()
}

/// `?from=` of the next window of rows.
#[derive(Debug, Deserialize)]
pub struct RowsQuery {
    from: usize,
}

/// `GET /projects/{id}/tasks/rows?from=N`: the next window of rows, for the table's last row
/// when it scrolls into view.
pub async fn more_rows(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    Query(query): Query<RowsQuery>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let html = rows_html(
        &scheduled,
        role >= Role::Manager,
        query.from..query.from.saturating_add(WINDOW),
        None,
    );
    Html(html).into_response()
}

/// The answer to a write that worked: the table body with as many rows as the page showed
/// (at least one window), the summary line, and no table error.
fn table_body(scheduled: &Scheduled, shown: Option<usize>, focus: Option<i64>) -> Response {
    let shown = shown.unwrap_or(WINDOW).max(WINDOW);
    let mut html = String::with_capacity(shown * 1500);
    html.push_str(r#"<tbody id="task-rows">"#);
    html.push_str(&rows_html(scheduled, true, 0..shown, focus));
    html.push_str("</tbody>");
    let _ = write!(
        html,
        r#"<p id="plan-summary" class="muted" hx-swap-oob="true">{}</p><p id="table-error" class="field-error" role="alert" hx-swap-oob="true"></p>"#,
        askama::filters::escape(&summary_text(scheduled), askama::filters::Html)
            .map(|text| text.to_string())
            .unwrap_or_default()
    );
    Html(html).into_response()
}

/// The answer to a write that was refused: `message` goes into the element `target` (the
/// error slot next to the field, or the table's), and nothing else on the page changes, so
/// what the user typed stays.
fn refusal(target: &str, message: &str) -> Response {
    let text = askama::filters::escape(message, askama::filters::Html)
        .map(|text| text.to_string())
        .unwrap_or_default();
    let mut response = Html(text).into_response();
    if let Ok(value) = HeaderValue::from_str(target) {
        response.headers_mut().insert("HX-Retarget", value);
    }
    response
        .headers_mut()
        .insert("HX-Reswap", HeaderValue::from_static("innerHTML"));
    response
}

/// A store error in words: the store's own message, except for a failure of the database,
/// which is logged and not shown.
fn store_message(error: StoreError) -> String {
    match error {
        StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::Migration(_) => {
            tracing::error!(%error, "a task table edit failed");
            "The server failed; the details are in its log.".to_string()
        }
        other => other.to_string(),
    }
}

/// Applies `edit` as `session`'s user and keeps the new schedule.
async fn apply(
    state: &AppState,
    session: &Session,
    project: i64,
    edit: Edit,
) -> Result<(Arc<Scheduled>, Option<i64>), String> {
    let outcome = state
        .store()
        .edit(project, Some(session.user.id), edit)
        .await
        .map_err(store_message)?;
    let created = outcome.created;
    let scheduled = Arc::new(Scheduled::new(outcome.plan, outcome.schedule));
    state.remember(project, scheduled.clone());
    Ok((scheduled, created))
}

/// The CSRF check and the manager's role check of every write on this page; a refusal goes
/// above the table (these requests come from htmx, which does not show an error page).
async fn manager(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    project: i64,
) -> Result<(), Response> {
    if csrf_refusal(session, headers, None).is_some() {
        return Err(refusal(
            "#table-error",
            "This page is out of date: reload it and try again.",
        ));
    }
    let role = role_in(state, session, project).await?;
    if role < Role::Manager {
        return Err(refusal(
            "#table-error",
            "Changing the plan needs the manager role in this project.",
        ));
    }
    Ok(())
}

/// A cell's new value: which field, what was typed, the task version the page showed, and how
/// many rows the page shows.
#[derive(Debug, Deserialize)]
pub struct CellForm {
    field: String,
    value: String,
    version: i64,
    shown: Option<usize>,
}

/// `POST /projects/{id}/tasks/{task}/cells`: saves one cell (manager) and answers with the
/// re-scheduled table body, or with the reason next to the field (nothing stored).
pub async fn save_cell(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, task)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<CellForm>,
) -> Response {
    if let Err(response) = manager(&state, &session, &headers, project).await {
        return response;
    }
    const FIELDS: [&str; 5] = ["name", "duration", "start", "predecessors", "resources"];
    if !FIELDS.contains(&form.field.as_str()) {
        return refusal(
            "#table-error",
            &format!("\"{}\" is not a column of the task table", form.field),
        );
    }
    let target = format!("#error-{task}-{}", form.field);
    let scheduled = match state.scheduled(project).await {
        Ok(scheduled) => scheduled,
        Err(_) => return super::no_such_project(),
    };
    let Some(index) = scheduled.plan.task_index(task) else {
        return refusal(
            &target,
            "This task was deleted by someone else: reload the page.",
        );
    };
    if scheduled.plan.task_versions[index] != form.version {
        return refusal(
            &target,
            &StoreError::Conflict {
                entity: "task",
                id: task,
                expected: form.version,
                current: scheduled.plan.task_versions[index],
            }
            .to_string(),
        );
    }
    let outcome = match form.field.as_str() {
        "name" => {
            let changes = TaskChanges {
                name: Some(form.value.trim().to_string()),
                ..TaskChanges::default()
            };
            update(&state, &session, project, task, form.version, changes).await
        }
        "duration" => match parse_duration(&form.value, &scheduled.plan.plan.durations) {
            Ok(duration) => {
                let changes = TaskChanges {
                    duration: Some(duration),
                    ..TaskChanges::default()
                };
                update(&state, &session, project, task, form.version, changes).await
            }
            Err(message) => Err(message),
        },
        "start" => match start_constraint(&form.value) {
            Ok(constraint) => {
                let changes = TaskChanges {
                    constraint: Some(constraint),
                    ..TaskChanges::default()
                };
                update(&state, &session, project, task, form.version, changes).await
            }
            Err(message) => Err(message),
        },
        "predecessors" => save_predecessors(&state, &session, &scheduled, index, &form.value).await,
        "resources" => save_resources(&state, &session, &scheduled, index, &form.value).await,
        _ => Err(format!(
            "\"{}\" is not a column of the task table",
            form.field
        )),
    };
    match outcome {
        Ok(scheduled) => table_body(&scheduled, form.shown, None),
        Err(message) => refusal(&target, &message),
    }
}

async fn update(
    state: &AppState,
    session: &Session,
    project: i64,
    task: i64,
    version: i64,
    changes: TaskChanges,
) -> Result<Arc<Scheduled>, String> {
    let edit = Edit::UpdateTask {
        task,
        version,
        changes,
    };
    apply(state, session, project, edit)
        .await
        .map(|(scheduled, _)| scheduled)
}

/// The start cell: empty for as soon as possible, a date for "Start No Earlier Than".
fn start_constraint(text: &str) -> Result<Constraint, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Constraint::AsSoonAsPossible);
    }
    text.parse::<jiff::civil::Date>()
        .map(|date| Constraint::StartNoEarlierThan(date.at(0, 0, 0, 0)))
        .map_err(|_| {
            format!(
                "\"{text}\" is not a date like 2026-03-02 (leave it empty for as soon as possible)"
            )
        })
}

/// One predecessor as typed: the predecessor's plan index, the link type and the lag.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Predecessor {
    pub(crate) task: usize,
    pub(crate) kind: LinkType,
    pub(crate) lag: Lag,
}

/// Reads a predecessor cell ("3", "3SS", "3FS+2d, 5FF-1d") for the task at `successor`.
pub(crate) fn parse_predecessors(
    plan: &Plan,
    successor: usize,
    text: &str,
) -> Result<Vec<Predecessor>, String> {
    let mut found: Vec<Predecessor> = Vec::new();
    for item in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let digits = item.len() - item.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let Ok(number) = item[..digits].parse::<usize>() else {
            return Err(format!(
                "\"{item}\" does not start with a row ID: write the predecessor's number, e.g. \"3\" or \"3SS+2d\""
            ));
        };
        if number == 0 || number > plan.tasks.len() {
            return Err(format!("there is no row {number}"));
        }
        if number == successor + 1 {
            return Err(format!("row {number} cannot depend on itself"));
        }
        let rest = item[digits..].trim();
        let (kind, lag_text) = match rest.get(..2).and_then(|code| {
            LinkType::from_code(&code.to_ascii_uppercase()).map(|kind| (kind, &rest[2..]))
        }) {
            Some(found) => found,
            None => (LinkType::FinishToStart, rest),
        };
        let lag = if lag_text.trim().is_empty() {
            Lag::None
        } else {
            parse_lag(lag_text, &plan.durations)?
        };
        if found.iter().any(|other| other.task == number - 1) {
            return Err(format!("row {number} is named twice"));
        }
        found.push(Predecessor {
            task: number - 1,
            kind,
            lag,
        });
    }
    Ok(found)
}

/// Saves a predecessor cell as the difference from the task's links: new links first, then
/// changed ones (deleted and made again: there is no edit that changes a link), then the ones
/// no longer named. The store has no batch of edits, so the whole change is first checked on
/// the plan in memory: a loop is refused before anything is stored.
async fn save_predecessors(
    state: &AppState,
    session: &Session,
    scheduled: &Scheduled,
    successor: usize,
    text: &str,
) -> Result<Arc<Scheduled>, String> {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let wanted = parse_predecessors(plan, successor, text)?;
    let current: Vec<(usize, &Link)> = plan
        .links
        .iter()
        .enumerate()
        .filter(|(_, link)| link.successor.index() == successor)
        .collect();
    let same = |link: &Link, want: &Predecessor| {
        link.predecessor.index() == want.task && link.kind == want.kind && link.lag == want.lag
    };
    let mut deletes: Vec<usize> = Vec::new();
    let mut creates: Vec<Predecessor> = Vec::new();
    for &(index, link) in &current {
        if !wanted.iter().any(|want| same(link, want)) {
            deletes.push(index);
        }
    }
    for want in &wanted {
        if !current.iter().any(|(_, link)| same(link, want)) {
            creates.push(*want);
        }
    }
    // The store refuses these one link at a time; refused here, before any edit, so that a
    // change of several links stores all or nothing.
    let is_ancestor = |above: usize, below: usize| {
        let mut parent = plan.tasks[below].parent;
        while let Some(id) = parent {
            if id.index() == above {
                return true;
            }
            parent = plan.tasks[id.index()].parent;
        }
        false
    };
    for create in &creates {
        if is_ancestor(create.task, successor) || is_ancestor(successor, create.task) {
            return Err(format!(
                "row {} and row {} are a summary task and its own subtask: they cannot be linked",
                create.task + 1,
                successor + 1
            ));
        }
    }
    if deletes.is_empty() && creates.is_empty() {
        return Ok(Arc::new(Scheduled::new(
            stored.clone(),
            scheduled.schedule.clone(),
        )));
    }
    // The whole change on the plan in memory first: it must schedule.
    let mut trial = plan.clone();
    let mut index = 0;
    trial.links.retain(|_| {
        index += 1;
        !deletes.contains(&(index - 1))
    });
    for create in &creates {
        trial.links.push(Link {
            predecessor: TaskId(create.task as u32),
            successor: TaskId(successor as u32),
            kind: create.kind,
            lag: create.lag,
        });
    }
    if let Err(failure) = schedule(&trial, &ScheduleOptions::default()) {
        return Err(failure
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.message.clone())
            .collect::<Vec<_>>()
            .join("; "));
    }
    let project = stored.project_id;
    let successor_id = stored.task_ids[successor];
    // New pairs first: a refusal of the first stores nothing. Then the changed pairs (their old
    // link must go before the new one can be made) and the dropped ones.
    let (changed, new): (Vec<Predecessor>, Vec<Predecessor>) =
        creates.into_iter().partition(|create| {
            current
                .iter()
                .any(|(_, link)| link.predecessor.index() == create.task)
        });
    let mut last = None;
    for create in &new {
        last = Some(create_link(state, session, project, stored, create, successor_id).await?);
    }
    for &link in &deletes {
        let edit = Edit::DeleteLink {
            link: stored.link_ids[link],
            version: stored.link_versions[link],
        };
        last = Some(apply(state, session, project, edit).await?.0);
    }
    for create in &changed {
        last = Some(create_link(state, session, project, stored, create, successor_id).await?);
    }
    last.ok_or_else(|| "nothing to save".to_string())
}

async fn create_link(
    state: &AppState,
    session: &Session,
    project: i64,
    stored: &gantry_store::StoredPlan,
    create: &Predecessor,
    successor: i64,
) -> Result<Arc<Scheduled>, String> {
    let edit = Edit::CreateLink {
        predecessor: stored.task_ids[create.task],
        successor,
        kind: create.kind,
        lag: create.lag,
    };
    apply(state, session, project, edit)
        .await
        .map(|(scheduled, _)| scheduled)
}

/// Reads a resources cell ("Ana, Ben[50%]") into resource indexes and units, by name or key.
pub(crate) fn parse_resources(plan: &Plan, text: &str) -> Result<Vec<(usize, f64)>, String> {
    let mut found: Vec<(usize, f64)> = Vec::new();
    for item in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (name, units) = match item.strip_suffix(']').and_then(|head| head.split_once('[')) {
            Some((name, units)) => {
                let number = units.trim().trim_end_matches('%').trim();
                let Ok(percent) = number.parse::<f64>() else {
                    return Err(format!(
                        "\"{units}\" is not a percentage: write e.g. \"{}[50%]\"",
                        name.trim()
                    ));
                };
                if !(percent.is_finite() && percent > 0.0) {
                    return Err(format!("the units of {} must be above 0 %", name.trim()));
                }
                (name.trim(), percent / 100.0)
            }
            None => (item, 1.0),
        };
        let Some(resource) = plan.resources.iter().position(|resource| {
            resource.name.eq_ignore_ascii_case(name) || resource.key.eq_ignore_ascii_case(name)
        }) else {
            let known = plan
                .resources
                .iter()
                .map(|resource| resource.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(if known.is_empty() {
                format!("there is no resource \"{name}\": this project has no resources yet")
            } else {
                format!("there is no resource \"{name}\"; this project has {known}")
            });
        };
        if found.iter().any(|(other, _)| *other == resource) {
            return Err(format!("{name} is named twice"));
        }
        found.push((resource, units));
    }
    Ok(found)
}

/// Saves a resources cell as Assign, UpdateAssignment and Unassign edits, in that order (one
/// store edit each: the store has no batch, so a refusal after the first leaves the earlier
/// ones stored; every name and unit is checked before the first).
async fn save_resources(
    state: &AppState,
    session: &Session,
    scheduled: &Scheduled,
    task: usize,
    text: &str,
) -> Result<Arc<Scheduled>, String> {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let wanted = parse_resources(plan, text)?;
    let project = stored.project_id;
    let current: Vec<(usize, usize, f64)> = plan
        .assignments
        .iter()
        .enumerate()
        .filter(|(_, assignment)| assignment.task.index() == task)
        .map(|(index, assignment)| (index, assignment.resource.index(), assignment.units))
        .collect();
    let mut edits: Vec<Edit> = Vec::new();
    for &(resource, units) in &wanted {
        match current.iter().find(|(_, have, _)| *have == resource) {
            None => edits.push(Edit::Assign {
                task: stored.task_ids[task],
                resource: stored.resource_ids[resource],
                units,
            }),
            Some(&(index, _, have)) if (have - units).abs() > 1e-9 => {
                edits.push(Edit::UpdateAssignment {
                    assignment: stored.assignment_ids[index],
                    version: stored.assignment_versions[index],
                    units: Some(units),
                    work_minutes: None,
                });
            }
            Some(_) => {}
        }
    }
    for &(index, resource, _) in &current {
        if !wanted.iter().any(|(want, _)| *want == resource) {
            edits.push(Edit::Unassign {
                assignment: stored.assignment_ids[index],
                version: stored.assignment_versions[index],
            });
        }
    }
    let mut last = Arc::new(Scheduled::new(stored.clone(), scheduled.schedule.clone()));
    for edit in edits {
        last = apply(state, session, project, edit).await?.0;
    }
    Ok(last)
}

/// A row button: what to do, the task version the page showed, and how many rows it shows.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    action: String,
    version: i64,
    shown: Option<usize>,
}

/// `POST /projects/{id}/tasks/{task}/actions`: add a task below, indent, outdent, move up or
/// down, or delete (manager); answers with the table body, or the reason above the table.
pub async fn row_action(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, task)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(response) = manager(&state, &session, &headers, project).await {
        return response;
    }
    let scheduled = match state.scheduled(project).await {
        Ok(scheduled) => scheduled,
        Err(_) => return super::no_such_project(),
    };
    match act(&state, &session, &scheduled, task, &form).await {
        Ok((scheduled, focus)) => table_body(&scheduled, form.shown, focus),
        Err(message) => refusal("#table-error", &message),
    }
}

/// Where a task sits among its siblings: its parent's row id, its place, and how many there are.
fn place(stored: &gantry_store::StoredPlan, index: usize) -> (Option<i64>, usize, usize) {
    let parent = stored.plan.tasks[index].parent;
    let siblings: Vec<usize> = (0..stored.plan.tasks.len())
        .filter(|&other| stored.plan.tasks[other].parent == parent)
        .collect();
    let position = siblings
        .iter()
        .position(|&other| other == index)
        .unwrap_or(0);
    (
        parent.map(|parent| stored.task_ids[parent.index()]),
        position,
        siblings.len(),
    )
}

async fn act(
    state: &AppState,
    session: &Session,
    scheduled: &Scheduled,
    task: i64,
    form: &ActionForm,
) -> Result<(Arc<Scheduled>, Option<i64>), String> {
    let stored = &scheduled.plan;
    let project = stored.project_id;
    let index = stored
        .task_index(task)
        .ok_or("This task was deleted by someone else: reload the page.")?;
    let version = form.version;
    let (parent, position, siblings) = place(stored, index);
    let moving = |parent: Option<i64>, position: Option<usize>| Edit::MoveTask {
        task,
        version,
        parent,
        position,
    };
    let edit = match form.action.as_str() {
        "add" => {
            let create = Edit::CreateTask {
                parent,
                key: None,
                name: "New task".into(),
                changes: TaskChanges::default(),
            };
            let (after, created) = apply(state, session, project, create).await?;
            let created = created.ok_or("The server failed; the details are in its log.")?;
            if position + 1 >= siblings {
                return Ok((after, Some(created)));
            }
            let new_index = after
                .plan
                .task_index(created)
                .ok_or("The server failed; the details are in its log.")?;
            let edit = Edit::MoveTask {
                task: created,
                version: after.plan.task_versions[new_index],
                parent,
                position: Some(position + 1),
            };
            let (after, _) = apply(state, session, project, edit).await?;
            return Ok((after, Some(created)));
        }
        "indent" => {
            if position == 0 {
                return Err("The first task under its parent cannot be indented: there is no task above it to go under.".into());
            }
            let previous = (0..index)
                .rev()
                .find(|&other| stored.plan.tasks[other].parent == stored.plan.tasks[index].parent)
                .ok_or("There is no task above to indent under.")?;
            moving(Some(stored.task_ids[previous]), None)
        }
        "outdent" => {
            let Some(parent_index) = stored.plan.tasks[index].parent else {
                return Err("A top-level task cannot be outdented.".into());
            };
            let (grandparent, parent_position, _) = place(stored, parent_index.index());
            moving(grandparent, Some(parent_position + 1))
        }
        "up" => {
            if position == 0 {
                return Err("This task is already the first under its parent.".into());
            }
            moving(parent, Some(position - 1))
        }
        "down" => {
            if position + 1 >= siblings {
                return Err("This task is already the last under its parent.".into());
            }
            moving(parent, (position + 2 < siblings).then_some(position + 1))
        }
        "delete" => Edit::DeleteTask { task, version },
        other => return Err(format!("\"{other}\" is not something a row can do")),
    };
    let (after, _) = apply(state, session, project, edit).await?;
    // The button keeps the focus (htmx finds it again by its id), so a keyboard user can
    // press it again.
    Ok((after, None))
}

/// The form under the table that adds a task at the end.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    name: String,
    shown: Option<usize>,
}

/// `POST /projects/{id}/tasks/add`: adds a top-level task at the end of the plan (manager).
pub async fn add_task(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<AddForm>,
) -> Response {
    if let Err(response) = manager(&state, &session, &headers, project).await {
        return response;
    }
    let edit = Edit::CreateTask {
        parent: None,
        key: None,
        name: form.name.trim().to_string(),
        changes: TaskChanges::default(),
    };
    match apply(&state, &session, project, edit).await {
        Ok((scheduled, _)) => {
            let count = scheduled.plan.plan.tasks.len();
            // A page that showed every row shows the new last one too; on a longer table it
            // comes with the window it falls in.
            let shown = form.shown.unwrap_or(WINDOW).max(WINDOW);
            let shown = if shown + 1 >= count { count } else { shown };
            table_body(&scheduled, Some(shown), None)
        }
        Err(message) => refusal("#error-add-name", &message),
    }
}

/// The portfolio's "New project" form.
#[derive(Debug, Deserialize)]
pub struct NewProjectForm {
    csrf_token: String,
    name: String,
    start: String,
}

/// `POST /projects`: creates an empty project owned by the user and opens its task table; a
/// bad field shows the portfolio again with the reason next to it and what was typed.
pub async fn create_project(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    headers: HeaderMap,
    Form(form): Form<NewProjectForm>,
) -> Response {
    if let Some(refusal) = csrf_refusal(&session, &headers, Some(&form.csrf_token)) {
        return refusal;
    }
    let name = form.name.trim();
    let refuse = |message: String| super::NewProject {
        name: form.name.clone(),
        start: form.start.clone(),
        error: Some(message),
    };
    if name.is_empty() {
        let draft = refuse("A project needs a name.".into());
        return super::dashboard_with(&state, session, draft).await;
    }
    let start = match form.start.trim().parse::<jiff::civil::Date>() {
        Ok(date) => date.at(8, 0, 0, 0),
        Err(_) => {
            let draft = refuse(format!(
                "\"{}\" is not a date like 2026-03-02.",
                form.start.trim()
            ));
            return super::dashboard_with(&state, session, draft).await;
        }
    };
    let plan = Plan::new(name, start);
    match state.store().create_project(&plan, session.user.id).await {
        Ok(stored) => redirect(&format!("/projects/{}/tasks", stored.project_id)),
        Err(error) => {
            let draft = refuse(store_message(error));
            super::dashboard_with(&state, session, draft).await
        }
    }
}

#[cfg(test)]
mod tests {
    use gantry_core::cpm::{ScheduleOptions, schedule};
    use gantry_store::StoredPlan;

    use super::*;

    const PLAN: &str = r#"
[project]
name = "Small <plan>"
start = 2026-03-02

[resources.ana]
name = "Ana"

[resources.ben]
name = "Ben"

[[task]]
id = "design"
name = "Design"

  [[task.task]]
  id = "sketch"
  name = "Sketch & review"
  duration = "3d"
  resources = ["ana", "ben 50%"]

  [[task.task]]
  id = "approve"
  name = "Approved"
  duration = "0d"
  after = ["sketch FS+1d"]

[[task]]
id = "build"
name = "Build"
duration = "5d"
after = ["approve", "sketch SS"]
constraint = "SNET 2026-03-09"
"#;

    /// The plan above as the store would hold it, row ids from 11, versions 1.
    fn scheduled() -> Scheduled {
        let plan = gantry_formats::parse_plan("small.toml", PLAN)
            .expect("the test plan reads")
            .plan;
        let schedule = schedule(&plan, &ScheduleOptions::default()).expect("it schedules");
        let tasks = plan.tasks.len();
        let stored = StoredPlan {
            project_id: 1,
            version: 1,
            task_ids: (11..11 + tasks as i64).collect(),
            task_versions: vec![1; tasks],
            link_ids: (1..=plan.links.len() as i64).collect(),
            link_versions: vec![1; plan.links.len()],
            calendar_ids: vec![1; plan.calendars.len()],
            calendar_versions: vec![1; plan.calendars.len()],
            exception_ids: vec![Vec::new(); plan.calendars.len()],
            resource_ids: (1..=plan.resources.len() as i64).collect(),
            resource_versions: vec![1; plan.resources.len()],
            assignment_ids: (1..=plan.assignments.len() as i64).collect(),
            assignment_versions: vec![1; plan.assignments.len()],
            control: Default::default(),
            plan,
        };
        Scheduled::new(stored, schedule)
    }

    #[test]
    fn the_rows_of_a_small_plan_for_a_viewer() {
        insta::assert_snapshot!(rows_html(&scheduled(), false, 0..WINDOW, None));
    }

    #[test]
    fn the_rows_of_a_small_plan_for_a_manager() {
        insta::assert_snapshot!(rows_html(&scheduled(), true, 0..WINDOW, None));
    }

    #[test]
    fn a_long_table_comes_in_windows() {
        let scheduled = scheduled();
        let first = rows_html(&scheduled, false, 0..2, None);
        assert_eq!(first.matches("<tr id=\"row-").count(), 2);
        assert!(first.contains("hx-get=\"/projects/1/tasks/rows?from=2\""));
        let rest = rows_html(&scheduled, false, 2..4, None);
        assert_eq!(rest.matches("<tr id=\"row-").count(), 2);
        assert!(
            !rest.contains("hx-trigger=\"intersect once\""),
            "the last window"
        );
    }

    #[test]
    fn predecessors_are_read_as_ms_project_writes_them() {
        let scheduled = scheduled();
        let plan = &scheduled.plan.plan;
        let read = parse_predecessors(plan, 3, "2, 3SS+2d ,1ff-1d").expect("reads");
        assert_eq!(
            read,
            vec![
                Predecessor {
                    task: 1,
                    kind: LinkType::FinishToStart,
                    lag: Lag::None
                },
                Predecessor {
                    task: 2,
                    kind: LinkType::StartToStart,
                    lag: Lag::Working(960)
                },
                Predecessor {
                    task: 0,
                    kind: LinkType::FinishToFinish,
                    lag: Lag::Working(-480)
                },
            ]
        );
        assert_eq!(parse_predecessors(plan, 3, " ").expect("empty"), vec![]);
        for (text, message) in [
            ("9", "there is no row 9"),
            ("4", "row 4 cannot depend on itself"),
            ("x", "does not start with a row ID"),
            ("2, 2SS", "row 2 is named twice"),
            ("2FS+2", "lag"),
        ] {
            let error = parse_predecessors(plan, 3, text).expect_err(text);
            assert!(error.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn resources_are_read_by_name_with_units() {
        let scheduled = scheduled();
        let plan = &scheduled.plan.plan;
        assert_eq!(
            parse_resources(plan, "ana, Ben[50%]").expect("reads"),
            vec![(0, 1.0), (1, 0.5)]
        );
        let error = parse_resources(plan, "Cleo").expect_err("unknown");
        assert!(error.contains("no resource \"Cleo\""), "{error}");
        let error = parse_resources(plan, "Ana[lots]").expect_err("bad units");
        assert!(error.contains("not a percentage"), "{error}");
    }

    #[test]
    fn the_start_cell_is_a_start_no_earlier_than_date() {
        assert_eq!(start_constraint(" "), Ok(Constraint::AsSoonAsPossible));
        assert_eq!(
            start_constraint("2026-03-09"),
            Ok(Constraint::StartNoEarlierThan(
                jiff::civil::date(2026, 3, 9).at(0, 0, 0, 0)
            ))
        );
        assert!(start_constraint("next week").is_err());
    }
}
