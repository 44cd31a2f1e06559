//! The Kanban board: a project's leaf tasks as cards in columns by percent complete (to do, in
//! progress, done, or the project's own columns with WIP limits). Members move cards, by drag
//! and drop (`static/board.js`, pointer events, so mouse, touch and WebDriver all work) or with
//! each card's "Move to" form; a move sets the task's percent complete through the store like
//! the JSON API's progress update. Managers edit the columns. Viewers see the board read-only.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::cpm::Schedule;
use gantry_core::model::Plan;
use gantry_store::{Board, BoardColumn, Role, Session, StoreError, TaskChanges};
use serde::Deserialize;

use super::{PageSession, csrf_refusal, error_page, project_for, redirect, render, role_in};
use crate::{AppState, Scheduled};

/// The most cards drawn in one column: a board of thousands of tasks stays a page a browser
/// renders at once; the column's count still counts them all.
const MAX_CARDS_SHOWN: usize = 300;

/// One card: a leaf task (or milestone).
pub(crate) struct CardView {
    id: i64,
    version: i64,
    outline: String,
    parent: Option<String>,
    name: String,
    assignees: String,
    finish: String,
    critical: bool,
    milestone: bool,
    percent: u32,
    column: usize,
}

/// One column with its cards.
pub(crate) struct ColumnView {
    name: String,
    percent: u8,
    wip_limit: Option<u32>,
    count: usize,
    over: bool,
    cards: Vec<CardView>,
}

/// What is said above the board after a move: a notice, or why it did not happen.
pub(crate) struct Message {
    text: String,
    error: bool,
}

/// The board fragment that the page includes and a move re-renders.
pub(crate) struct BoardView {
    project_id: i64,
    can_move: bool,
    board_version: i64,
    csrf_token: String,
    columns: Vec<ColumnView>,
    message: Option<Message>,
}

impl ColumnView {
    fn label(&self) -> String {
        match self.wip_limit {
            Some(limit) => format!("{} / {limit}", self.count),
            None => self.count.to_string(),
        }
    }

    fn hidden(&self) -> usize {
        self.count - self.cards.len()
    }
}

/// The short date on a card: "2 Mar 2026".
fn short_day(instant: gantry_core::Instant) -> String {
    instant.to_civil().date().strftime("%-d %b %Y").to_string()
}

/// The cards of a plan sorted into the board's columns, in WBS order.
pub(crate) fn board_view(
    plan: &Plan,
    schedule: &Schedule,
    stored: Option<(&[i64], &[i64])>,
    board: &Board,
) -> Vec<ColumnView> {
    let outline = plan.outline_numbers();
    let mut assignees: Vec<Vec<&str>> = vec![Vec::new(); plan.tasks.len()];
    for assignment in &plan.assignments {
        assignees[assignment.task.index()].push(&plan.resources[assignment.resource.index()].name);
    }
    let mut columns: Vec<ColumnView> = board
        .columns
        .iter()
        .map(|column| ColumnView {
            name: column.name.clone(),
            percent: column.percent,
            wip_limit: column.wip_limit,
            count: 0,
            over: false,
            cards: Vec::new(),
        })
        .collect();
    for (index, (task, computed)) in plan.tasks.iter().zip(&schedule.tasks).enumerate() {
        if computed.is_summary {
            continue;
        }
        let column = board.column_of(computed.percent_complete);
        let view = &mut columns[column];
        view.count += 1;
        if view.cards.len() >= MAX_CARDS_SHOWN {
            continue;
        }
        let (id, version) = stored
            .map(|(ids, versions)| (ids[index], versions[index]))
            .unwrap_or((index as i64, 1));
        view.cards.push(CardView {
            id,
            version,
            outline: outline[index].clone(),
            parent: task
                .parent
                .map(|parent| plan.tasks[parent.index()].name.clone()),
            name: task.name.clone(),
            assignees: assignees[index].join(", "),
            finish: short_day(computed.finish),
            critical: computed.critical,
            milestone: computed.is_milestone,
            percent: computed.percent_complete.round().clamp(0.0, 100.0) as u32,
            column,
        });
    }
    for column in &mut columns {
        column.over = column
            .wip_limit
            .is_some_and(|limit| column.count > limit as usize);
    }
    columns
}

#[derive(Template)]
#[template(path = "board_fragment.html")]
struct BoardFragment<'a> {
    board: &'a BoardView,
}

/// One row of the columns form, as typed.
#[derive(Clone, Default)]
struct EditorRow {
    name: String,
    percent: String,
    wip_limit: String,
    name_error: Option<String>,
    percent_error: Option<String>,
    wip_limit_error: Option<String>,
}

/// The columns form (managers).
struct Editor {
    version: i64,
    custom: bool,
    rows: Vec<EditorRow>,
    new_row: EditorRow,
    error: Option<String>,
    open: bool,
}

impl Editor {
    fn of(board: &Board) -> Editor {
        Editor {
            version: board.version,
            custom: board.custom,
            rows: board
                .columns
                .iter()
                .map(|column| EditorRow {
                    name: column.name.clone(),
                    percent: column.percent.to_string(),
                    wip_limit: column
                        .wip_limit
                        .map(|limit| limit.to_string())
                        .unwrap_or_default(),
                    ..EditorRow::default()
                })
                .collect(),
            new_row: EditorRow::default(),
            error: None,
            open: false,
        }
    }
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    role: &'static str,
    board: BoardView,
    editor: Option<Editor>,
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// Everything a board page or fragment is drawn from.
struct Drawn {
    session: Session,
    role: Role,
    scheduled: std::sync::Arc<Scheduled>,
    board: Board,
}

impl Drawn {
    fn view(&self, message: Option<Message>) -> BoardView {
        let stored = &self.scheduled.plan;
        BoardView {
            project_id: stored.project_id,
            can_move: self.role >= Role::Member,
            board_version: self.board.version,
            csrf_token: self.session.csrf_token.clone(),
            columns: board_view(
                &stored.plan,
                &self.scheduled.schedule,
                Some((&stored.task_ids, &stored.task_versions)),
                &self.board,
            ),
            message,
        }
    }

    fn page(&self, message: Option<Message>, editor: Option<Editor>) -> BoardPage {
        let editor =
            editor.or_else(|| (self.role >= Role::Manager).then(|| Editor::of(&self.board)));
        BoardPage {
            user_name: self.session.user.display_name.clone(),
            csrf_token: self.session.csrf_token.clone(),
            project_id: self.scheduled.plan.project_id,
            page: "board",
            name: self.scheduled.plan.plan.name.clone(),
            role: self.role.code(),
            board: self.view(message),
            editor,
        }
    }
}

/// The role, schedule and board of a project, or the page that says why not.
async fn drawn(state: &AppState, session: Session, project: i64) -> Result<Drawn, Response> {
    let (role, scheduled) = project_for(state, &session, project).await?;
    let board = match state.store().board(project).await {
        Ok(board) => board,
        Err(error) => {
            tracing::error!(%error, project, "reading a board failed");
            return Err(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            ));
        }
    };
    Ok(Drawn {
        session,
        role,
        scheduled,
        board,
    })
}

/// `GET /projects/{id}/board`: the board.
pub async fn board(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    match drawn(&state, session, project).await {
        Ok(drawn) => render(&drawn.page(None, None)).into_response(),
        Err(response) => response,
    }
}

/// The move form of a card: the task, its version, the column it goes to and the board's
/// version (its columns) the page showed.
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    csrf_token: Option<String>,
    task: i64,
    version: i64,
    column: usize,
    board_version: i64,
}

/// The board again after a move: the fragment for htmx (with `status`, which `board.js` lets
/// htmx swap in even when it is an error), the whole page for a plain form.
fn answer(drawn: &Drawn, htmx: bool, status: StatusCode, message: Message) -> Response {
    if htmx {
        let view = drawn.view(Some(message));
        (status, render(&BoardFragment { board: &view })).into_response()
    } else if status.is_success() {
        redirect(&format!(
            "/projects/{}/board",
            drawn.scheduled.plan.project_id
        ))
    } else {
        (status, render(&drawn.page(Some(message), None))).into_response()
    }
}

fn refused(text: impl Into<String>) -> Message {
    Message {
        text: text.into(),
        error: true,
    }
}

/// `POST /projects/{id}/board/move`: moves a card to another column (member): the task's
/// percent complete becomes the column's. A stale card or board is refused with the board as
/// it is now, the card where it really is.
pub async fn move_card(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<MoveForm>,
) -> Response {
    if let Some(response) = csrf_refusal(&session, &headers, form.csrf_token.as_deref()) {
        return response;
    }
    let htmx = is_htmx(&headers);
    let role = match role_in(&state, &session, project).await {
        Ok(role) => role,
        Err(response) => return response,
    };
    if role < Role::Member {
        return error_page(
            StatusCode::FORBIDDEN,
            "Viewers cannot move cards: a manager of this project can make you a member.",
        );
    }
    let mut drawn = match drawn(&state, session, project).await {
        Ok(drawn) => drawn,
        Err(response) => return response,
    };
    if drawn.board.version != form.board_version {
        return answer(
            &drawn,
            htmx,
            StatusCode::CONFLICT,
            refused(
                "The board's columns changed since this page was loaded; here they are now. Move the card again.",
            ),
        );
    }
    let stored = &drawn.scheduled.plan;
    let Some(index) = stored.task_index(form.task) else {
        return answer(
            &drawn,
            htmx,
            StatusCode::NOT_FOUND,
            refused("That task no longer exists; the board shows the plan as it is now."),
        );
    };
    let name = stored.plan.tasks[index].name.clone();
    let Some(target) = drawn.board.columns.get(form.column).cloned() else {
        return answer(
            &drawn,
            htmx,
            StatusCode::UNPROCESSABLE_ENTITY,
            refused("There is no such column; reload the page."),
        );
    };
    let computed = &drawn.scheduled.schedule.tasks[index];
    if computed.is_summary {
        return answer(
            &drawn,
            htmx,
            StatusCode::UNPROCESSABLE_ENTITY,
            refused(format!(
                "\u{201c}{name}\u{201d} is a summary task: its progress follows its subtasks."
            )),
        );
    }
    if drawn.board.column_of(computed.percent_complete) == form.column
        && stored.task_versions[index] == form.version
    {
        return answer(
            &drawn,
            htmx,
            StatusCode::OK,
            Message {
                text: format!("\u{201c}{name}\u{201d} is already in {}.", target.name),
                error: false,
            },
        );
    }
    let progress = &stored.plan.tasks[index].progress;
    let percent = f64::from(target.percent);
    // A card moved back out of done is no longer finished, and one moved back to 0 % has not
    // started: clear the actual dates that would say otherwise.
    let changes = TaskChanges {
        percent_complete: Some(percent),
        actual_finish: (percent < 100.0 && progress.actual_finish.is_some()).then_some(None),
        actual_start: (percent == 0.0 && progress.actual_start.is_some()).then_some(None),
        ..TaskChanges::default()
    };
    let edit = gantry_store::Edit::UpdateTask {
        task: form.task,
        version: form.version,
        changes,
    };
    let user = drawn.session.user.id;
    match state.store().edit(project, Some(user), edit).await {
        Ok(outcome) => {
            let scheduled = std::sync::Arc::new(Scheduled::new(outcome.plan, outcome.schedule));
            state.remember(project, scheduled.clone());
            drawn.scheduled = scheduled;
            answer(
                &drawn,
                htmx,
                StatusCode::OK,
                Message {
                    text: format!(
                        "Moved \u{201c}{name}\u{201d} to {}: {} % complete.",
                        target.name, target.percent
                    ),
                    error: false,
                },
            )
        }
        Err(error) => {
            let (status, text) = match &error {
                StoreError::Conflict { .. } => (
                    StatusCode::CONFLICT,
                    format!(
                        "\u{201c}{name}\u{201d} was changed by someone else since this board was loaded, so it was not moved. The board now shows the latest; move it again if you still want to."
                    ),
                ),
                StoreError::NotFound { .. } => (
                    StatusCode::NOT_FOUND,
                    "That task no longer exists; the board shows the plan as it is now.".into(),
                ),
                StoreError::Invalid { message, .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("\u{201c}{name}\u{201d} was not moved: {message}"),
                ),
                _ => {
                    tracing::error!(%error, project, "moving a card failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The server failed; the details are in its log.".into(),
                    )
                }
            };
            match drawn_again(&state, drawn).await {
                Ok(drawn) => answer(&drawn, htmx, status, refused(text)),
                Err(response) => response,
            }
        }
    }
}

/// The board re-read after a refused write, so that it shows what is stored now.
async fn drawn_again(state: &AppState, drawn: Drawn) -> Result<Drawn, Response> {
    let project = drawn.scheduled.plan.project_id;
    self::drawn(state, drawn.session, project).await
}

/// Reads the columns form: the rows as typed (`name_0`, `percent_0`, `wip_limit_0`, …, and the
/// `_new` row), the board version and the action.
fn editor_from(fields: &[(String, String)]) -> (Editor, String) {
    let field = |key: &str| {
        fields
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
    };
    let mut rows = Vec::new();
    while let Some(name) = field(&format!("name_{}", rows.len())) {
        let index = rows.len();
        rows.push(EditorRow {
            name,
            percent: field(&format!("percent_{index}")).unwrap_or_default(),
            wip_limit: field(&format!("wip_limit_{index}")).unwrap_or_default(),
            ..EditorRow::default()
        });
    }
    let new_row = EditorRow {
        name: field("name_new").unwrap_or_default(),
        percent: field("percent_new").unwrap_or_default(),
        wip_limit: field("wip_limit_new").unwrap_or_default(),
        ..EditorRow::default()
    };
    let editor = Editor {
        version: field("version")
            .and_then(|version| version.trim().parse().ok())
            .unwrap_or(0),
        custom: true,
        rows,
        new_row,
        error: None,
        open: true,
    };
    (editor, field("action").unwrap_or_else(|| "save".into()))
}

/// Applies a row action: "delete:N", "left:N" or "right:N". Moving a column moves its name and
/// WIP limit; the percents stay in place, since they rise from left to right.
fn apply_action(rows: &mut Vec<EditorRow>, action: &str) {
    let Some((verb, index)) = action.split_once(':') else {
        return;
    };
    let Ok(index) = index.parse::<usize>() else {
        return;
    };
    let swap = |rows: &mut Vec<EditorRow>, a: usize, b: usize| {
        if a < rows.len() && b < rows.len() {
            let (percent_a, percent_b) = (rows[a].percent.clone(), rows[b].percent.clone());
            rows.swap(a, b);
            rows[a].percent = percent_a;
            rows[b].percent = percent_b;
        }
    };
    match verb {
        "delete" if index < rows.len() => {
            rows.remove(index);
        }
        "left" if index > 0 => swap(rows, index - 1, index),
        "right" => swap(rows, index, index + 1),
        _ => {}
    }
}

/// The columns the rows say, or the rows with a message next to each field at fault.
fn columns_of(editor: &mut Editor) -> Option<Vec<BoardColumn>> {
    let mut typed = Vec::with_capacity(editor.rows.len());
    let mut fine = true;
    for row in &mut editor.rows {
        let percent = match row.percent.trim().parse::<u8>() {
            Ok(percent) if percent <= 100 => percent,
            _ => {
                row.percent_error = Some("a whole number from 0 to 100".into());
                fine = false;
                0
            }
        };
        let wip_limit = match row.wip_limit.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(limit) if limit > 0 => Some(limit),
                _ => {
                    row.wip_limit_error =
                        Some("a whole number of at least 1, or empty for no limit".into());
                    fine = false;
                    None
                }
            },
        };
        typed.push(BoardColumn {
            name: row.name.clone(),
            percent,
            wip_limit,
        });
    }
    let columns = typed;
    if !fine {
        return None;
    }
    // The percents say the order: rows typed out of order are put in it (stably, so that two
    // rows at one percent stay as typed and the check below names the second).
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&index| columns[index].percent);
    let columns: Vec<BoardColumn> = order.iter().map(|&index| columns[index].clone()).collect();
    editor.rows = order
        .iter()
        .map(|&index| editor.rows[index].clone())
        .collect();
    if let Err(error) = gantry_store::check_board_columns(&columns) {
        match error.column.and_then(|column| editor.rows.get_mut(column)) {
            Some(row) => {
                let slot = match error.field {
                    "name" => &mut row.name_error,
                    "percent" => &mut row.percent_error,
                    _ => &mut row.wip_limit_error,
                };
                *slot = Some(error.message);
            }
            None => editor.error = Some(error.message),
        }
        return None;
    }
    Some(columns)
}

/// `POST /projects/{id}/board/columns`: saves the board's columns (manager): add, rename,
/// delete, move left or right, percents and WIP limits, or back to the defaults. A refusal
/// shows the form again as typed, with why next to the field.
pub async fn save_columns(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let token = fields
        .iter()
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value.as_str());
    if let Some(response) = csrf_refusal(&session, &headers, token) {
        return response;
    }
    let role = match role_in(&state, &session, project).await {
        Ok(role) => role,
        Err(response) => return response,
    };
    if role < Role::Manager {
        return error_page(
            StatusCode::FORBIDDEN,
            "Changing the board's columns needs the manager role in this project.",
        );
    }
    let drawn = match drawn(&state, session, project).await {
        Ok(drawn) => drawn,
        Err(response) => return response,
    };
    let (mut editor, action) = editor_from(&fields);
    let columns = if action == "reset" {
        Some(Vec::new())
    } else {
        apply_action(&mut editor.rows, &action);
        // A new column goes where its percent puts it.
        if !editor.new_row.name.trim().is_empty() || !editor.new_row.percent.trim().is_empty() {
            let row = std::mem::take(&mut editor.new_row);
            let percent = row.percent.trim().parse::<u8>().ok();
            let place = editor
                .rows
                .iter()
                .position(|existing| {
                    let existing = existing.percent.trim().parse::<u8>().ok();
                    matches!((existing, percent), (Some(existing), Some(percent)) if existing > percent)
                })
                .unwrap_or(editor.rows.len());
            editor.rows.insert(place, row);
        }
        columns_of(&mut editor)
    };
    editor.custom = drawn.board.custom;
    let Some(columns) = columns else {
        editor.error.get_or_insert_with(|| {
            "Nothing was saved: the field marked below says what to change.".into()
        });
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&drawn.page(None, Some(editor))),
        )
            .into_response();
    };
    let user = drawn.session.user.id;
    match state
        .store()
        .set_board(project, Some(user), editor.version, &columns)
        .await
    {
        Ok(_) => redirect(&format!("/projects/{project}/board")),
        Err(error) => {
            let status = match &error {
                StoreError::Conflict { .. } => {
                    // Keep what was typed, on the version now stored: saving again overwrites
                    // the other change knowingly.
                    editor.error = Some("Someone else changed the columns since this page was loaded: the board below shows theirs, this form still shows yours. Save again to replace theirs.".into());
                    editor.version = drawn.board.version;
                    StatusCode::CONFLICT
                }
                StoreError::Invalid { message, .. } => {
                    editor.error = Some(message.clone());
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => {
                    tracing::error!(%error, project, "saving board columns failed");
                    editor.error = Some("The server failed; the details are in its log.".into());
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            (status, render(&drawn.page(None, Some(editor)))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gantry_core::cpm::{ScheduleOptions, schedule};

    /// A small plan with a task in each default column, a milestone, two assignees on one
    /// card and a name that is markup.
    const PLAN: &str = r#"
[project]
name = "Release 2.4"
start = 2026-03-02
status_date = 2026-03-04

[resources.ana]
name = "Ana"

[resources.ben]
name = "Ben"

[[task]]
id = "build"
name = "Build"

  [[task.task]]
  id = "api"
  name = "API changes"
  duration = "3d"
  percent_complete = 50
  actual_start = 2026-03-02
  resources = ["ana", "ben"]

  [[task.task]]
  id = "ui"
  name = "<script>alert(1)</script> screens"
  duration = "2d"
  percent_complete = 100
  actual_start = 2026-03-02

[[task]]
id = "test"
name = "Regression tests"
duration = "2d"
after = ["api", "ui"]

[[task]]
id = "release"
name = "Release"
milestone = true
after = ["test"]
"#;

    fn fragment(can_move: bool, board: &Board) -> String {
        let plan = gantry_formats::parse_plan("release.toml", PLAN)
            .expect("plan")
            .plan;
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
        let view = BoardView {
            project_id: 7,
            can_move,
            board_version: board.version,
            csrf_token: "token".into(),
            columns: board_view(&plan, &computed, None, board),
            message: None,
        };
        BoardFragment { board: &view }
            .render()
            .expect("the fragment renders")
    }

    #[test]
    fn the_default_board_of_a_small_plan() {
        let board = Board {
            version: 0,
            custom: false,
            columns: BoardColumn::defaults(),
        };
        insta::assert_snapshot!(fragment(true, &board));
    }

    #[test]
    fn a_viewer_board_with_a_column_over_its_wip_limit() {
        let board = Board {
            version: 3,
            custom: true,
            columns: vec![
                BoardColumn {
                    name: "Backlog".into(),
                    percent: 0,
                    wip_limit: Some(1),
                },
                BoardColumn {
                    name: "Doing".into(),
                    percent: 10,
                    wip_limit: None,
                },
                BoardColumn {
                    name: "Shipped".into(),
                    percent: 100,
                    wip_limit: None,
                },
            ],
        };
        let html = fragment(false, &board);
        assert!(html.contains("2 / 1"), "the count against the limit");
        assert!(!html.contains("form"), "a viewer has no move forms");
        insta::assert_snapshot!(html);
    }
}
