//! The history page: who changed what and when, newest first, fifty entries a page; and the
//! list of entries that the overview and the task detail pages show too.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gantry_store::{HistoryEntry, StoredPlan};
use serde::Deserialize;

use super::{PageSession, error_page, project_for, render};
use crate::AppState;

/// Entries on one page of the history.
const PAGE_SIZE: i64 = 50;

/// One changed field of a history entry, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeRow {
    /// The field, in words ("duration minutes").
    pub field: String,
    /// The value before (`None` for a new row).
    pub old: Option<String>,
    /// The value after ("—" for a deleted row).
    pub new: String,
}

/// One history entry, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryRow {
    /// Who made the change.
    pub who: String,
    /// When, in UTC, to the minute.
    pub at: String,
    /// "created", "changed" or "deleted".
    pub action: &'static str,
    /// What kind of row ("task", "link", "member").
    pub entity: String,
    /// What people call the row.
    pub label: String,
    /// The task detail page of the row, when it is a task that still exists.
    pub link: Option<String>,
    /// The fields that changed.
    pub changes: Vec<ChangeRow>,
}

/// A UTC time stamp ("2026-11-29T15:49:10.123Z") as people read it: "2026-11-29 15:49 UTC".
pub(crate) fn moment(at: &str) -> String {
    match at.parse::<jiff::Timestamp>() {
        Ok(timestamp) => timestamp.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => at.to_string(),
    }
}

/// A stored history entry as shown; `stored` links the tasks that still exist.
pub(crate) fn history_row(entry: HistoryEntry, stored: &StoredPlan) -> HistoryRow {
    // A task's label is its key, and so is a comment's on a task; the name says more.
    let task = match entry.entity.as_str() {
        "task" => stored.task_index(entry.entity_id),
        "comment" => stored
            .plan
            .tasks
            .iter()
            .position(|task| task.key == entry.label),
        _ => None,
    };
    let link = task.map(|index| {
        format!(
            "/projects/{}/tasks/{}",
            stored.project_id, stored.task_ids[index]
        )
    });
    let label = match task {
        Some(index) if entry.entity == "comment" => {
            format!("on {}", stored.plan.tasks[index].name)
        }
        Some(index) => stored.plan.tasks[index].name.clone(),
        None => entry.label,
    };
    HistoryRow {
        who: entry.username.unwrap_or_else(|| "the system".to_string()),
        at: moment(&entry.at),
        action: match entry.action.as_str() {
            "create" => "created",
            "delete" => "deleted",
            _ => "changed",
        },
        entity: entry.entity,
        label,
        link,
        changes: entry
            .changes
            .into_iter()
            .map(|change| ChangeRow {
                field: change.field.replace('_', " "),
                old: change.old,
                new: change.new.unwrap_or_else(|| "—".to_string()),
            })
            .collect(),
    }
}

/// The list of history entries: the fragment the history, overview and task pages share.
#[derive(Template)]
#[template(path = "history_list.html")]
pub(crate) struct HistoryList<'a> {
    /// The entries, newest first.
    pub entries: &'a [HistoryRow],
}

impl HistoryList<'_> {
    /// The fragment as HTML.
    pub(crate) fn html(&self) -> String {
        self.render().unwrap_or_else(|error| {
            tracing::error!(%error, "the history list failed to render");
            "<p>The history failed to render; the details are in the server's log.</p>".into()
        })
    }
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    list: String,
    empty: bool,
    newer: bool,
    older: Option<i64>,
}

/// `?before=` of the history page: show the entries older than this entry id.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    before: Option<i64>,
}

/// `GET /projects/{id}/history`: who changed what and when, fifty entries a page.
pub async fn history(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let (_, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // One more than a page tells whether there is an older page.
    let mut entries = match state
        .store()
        .history(project, query.before, PAGE_SIZE + 1)
        .await
    {
        Ok(entries) => entries,
        Err(error) => {
            tracing::error!(%error, "reading the history failed");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            );
        }
    };
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    let older = more.then(|| entries.last().map(|entry| entry.id)).flatten();
    let rows: Vec<HistoryRow> = entries
        .into_iter()
        .map(|entry| history_row(entry, &scheduled.plan))
        .collect();
    render(&HistoryPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "history",
        name: scheduled.plan.plan.name.clone(),
        list: HistoryList { entries: &rows }.html(),
        empty: rows.is_empty(),
        newer: query.before.is_some(),
        older,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(who: &str, action: &'static str, label: &str, link: Option<&str>) -> HistoryRow {
        HistoryRow {
            who: who.to_string(),
            at: moment("2026-03-02T09:30:00Z"),
            action,
            entity: "task".to_string(),
            label: label.to_string(),
            link: link.map(str::to_string),
            changes: vec![ChangeRow {
                field: "duration minutes".to_string(),
                old: Some("960".to_string()),
                new: "1440".to_string(),
            }],
        }
    }

    #[test]
    fn the_history_list_shows_who_what_when_and_escapes_names() {
        let entries = [
            row(
                "manager",
                "changed",
                "T2 Build <b>API</b>",
                Some("/projects/1/tasks/7"),
            ),
            row("admin", "deleted", "T9 Old task", None),
        ];
        insta::assert_snapshot!(HistoryList { entries: &entries }.html());
    }

    #[test]
    fn a_time_stamp_reads_to_the_minute() {
        assert_eq!(moment("2026-11-29T15:49:10.123Z"), "2026-11-29 15:49 UTC");
        assert_eq!(moment("not a time"), "not a time");
    }
}
