//! The Gantt page: the chart that `gantry report --gantt` draws, from `gantry-report`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use gantry_report::{GanttOptions, Scale, gantt_svg};
use serde::Deserialize;

use super::{PageSession, day, project_for, render};
use crate::AppState;

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
    role: &'static str,
    scale: &'static str,
    scales: [(&'static str, &'static str); 3],
    svg: String,
}

/// `?scale=` of the Gantt page.
#[derive(Debug, Deserialize)]
pub struct GanttQuery {
    scale: Option<String>,
}

/// `GET /projects/{id}/gantt`: the Gantt chart that `gantry report --gantt` draws.
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
    let (scale, value) = match query.scale.as_deref() {
        Some("day") => (Scale::Day, "day"),
        Some("month") => (Scale::Month, "month"),
        _ => (Scale::Week, "week"),
    };
    let plan = &scheduled.plan.plan;
    let today = gantry_core::Instant::from_civil(jiff::Zoned::now().datetime());
    let svg = gantt_svg(
        plan,
        &scheduled.schedule,
        &GanttOptions {
            scale,
            rows: None,
            today: Some(today),
        },
    );
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
        role: role.code(),
        scale: value,
        scales: [("Days", "day"), ("Weeks", "week"), ("Months", "month")],
        svg,
    })
    .into_response()
}
