//! The project overview: key dates, percent complete, the critical path, the milestones, who
//! is over-allocated and the latest changes.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use gantry_core::Instant;
use gantry_core::model::{Plan, TaskId};
use gantry_core::usage::{Period, resource_usage};

use super::history::{HistoryList, HistoryRow, history_row};
use super::{PageSession, day, percent_complete, project_for, render};
use crate::AppState;

/// Working minutes as working days on the plan's day length: "3 d", "2.5 d".
pub(crate) fn working_days(minutes: i64, plan: &Plan) -> String {
    let per_day = plan.durations.minutes_per_day.max(1) as f64;
    let days = minutes as f64 / per_day;
    if (days - days.round()).abs() < 0.05 {
        format!("{:.0} d", days.round())
    } else {
        format!("{days:.1} d")
    }
}

/// One task of the critical path.
struct CriticalStep {
    link: String,
    name: String,
    start: String,
    finish: String,
}

/// A milestone or a task with a deadline.
struct DatedTask {
    link: String,
    name: String,
    finish: String,
    deadline: Option<String>,
    /// "late by 3 days" when it finishes after its deadline.
    late: Option<String>,
    done: bool,
    next: bool,
}

/// A resource booked beyond what it can give.
struct OverAllocated {
    name: String,
    stretches: usize,
    peak: u32,
    first: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    role: &'static str,
    start: String,
    finish: String,
    status_date: Option<String>,
    calendar_days: i64,
    percent: u32,
    critical_count: usize,
    critical_paths: usize,
    critical: Vec<CriticalStep>,
    milestones: Vec<DatedTask>,
    deadlines: Vec<DatedTask>,
    over_allocated: Vec<OverAllocated>,
    changes: String,
    no_changes: bool,
}

fn task_link(project: i64, stored: &gantry_store::StoredPlan, index: usize) -> String {
    format!("/projects/{project}/tasks/{}", stored.task_ids[index])
}

/// `GET /projects/{id}`: the project at a glance.
pub async fn overview(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let schedule = &scheduled.schedule;
    let critical = schedule
        .critical_paths
        .first()
        .map(|path| {
            path.iter()
                .map(|&task: &TaskId| {
                    let computed = schedule.task(task);
                    CriticalStep {
                        link: task_link(project, stored, task.index()),
                        name: plan.tasks[task.index()].name.clone(),
                        start: day(computed.start),
                        finish: day(computed.finish),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let late_by = |finish: Instant, deadline: Instant| {
        (finish > deadline).then(|| {
            let days = (finish.day_number() - deadline.day_number()).max(1);
            format!("late by {days} day{}", if days == 1 { "" } else { "s" })
        })
    };
    let dated = |index: usize| {
        let task = &plan.tasks[index];
        let computed = &schedule.tasks[index];
        let deadline = task.deadline.map(Instant::from_civil);
        DatedTask {
            link: task_link(project, stored, index),
            name: task.name.clone(),
            finish: day(computed.finish),
            deadline: deadline.map(day),
            late: deadline.and_then(|deadline| late_by(computed.finish, deadline)),
            done: computed.percent_complete >= 100.0,
            next: false,
        }
    };
    let mut milestone_order: Vec<usize> = (0..plan.tasks.len())
        .filter(|&index| schedule.tasks[index].is_milestone)
        .collect();
    milestone_order.sort_by_key(|&index| schedule.tasks[index].finish);
    let mut milestones: Vec<DatedTask> = milestone_order.into_iter().map(dated).collect();
    if let Some(next) = milestones.iter_mut().find(|milestone| !milestone.done) {
        next.next = true;
    }
    let deadlines = (0..plan.tasks.len())
        .filter(|&index| {
            plan.tasks[index].deadline.is_some() && !schedule.tasks[index].is_milestone
        })
        .map(dated)
        .collect();
    let over_allocated = resource_usage(plan, schedule, Period::Week)
        .map(|usage| {
            usage
                .iter()
                .filter(|usage| !usage.over_allocations.is_empty())
                .map(|usage| {
                    let peak = usage
                        .over_allocations
                        .iter()
                        .map(|over| over.units / over.max_units.max(f64::EPSILON))
                        .fold(0.0, f64::max);
                    OverAllocated {
                        name: plan.resources[usage.resource.index()].name.clone(),
                        stretches: usage.over_allocations.len(),
                        peak: (peak * 100.0).round() as u32,
                        first: usage
                            .over_allocations
                            .first()
                            .map(|over| day(over.from))
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let changes: Vec<HistoryRow> = match state.store().history(project, None, 10).await {
        Ok(entries) => entries
            .into_iter()
            .map(|entry| history_row(entry, stored))
            .collect(),
        Err(error) => {
            tracing::error!(%error, "reading the history failed");
            Vec::new()
        }
    };
    render(&OverviewPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "overview",
        name: plan.name.clone(),
        role: role.code(),
        start: day(schedule.project_start),
        finish: day(schedule.project_finish),
        status_date: schedule.status_date.map(day),
        calendar_days: schedule.project_finish.day_number() - schedule.project_start.day_number()
            + 1,
        percent: percent_complete(plan, schedule).round() as u32,
        critical_count: schedule
            .tasks
            .iter()
            .filter(|task| task.critical && !task.is_summary)
            .count(),
        critical_paths: schedule.critical_paths.len(),
        critical,
        milestones,
        deadlines,
        over_allocated,
        changes: HistoryList { entries: &changes }.html(),
        no_changes: changes.is_empty(),
    })
    .into_response()
}
