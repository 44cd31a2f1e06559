//! The budget page: earned value of the project at a status date against a chosen baseline
//! (BAC, PV, EV, AC, the variances and indexes, the estimates), the same per WBS node, tasks
//! behind plan flagged, the S-curve; a manager saves a baseline from it, a member logs their
//! time (a manager anyone's). Viewers read only.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::baseline::{MAX_BASELINE, baseline_name};
use gantry_core::evm::EvmFigures;
use gantry_core::model::ResourceKind;
use gantry_store::{ControlEdit, Edit, Role, Session};
use serde::Deserialize;

use super::settings::refusal;
use super::writer;
use super::{PageSession, day, project_for, redirect, render};
use crate::control::{budget, own_resources, parse_date, resource_for_entry, status_date_of};
use crate::error::ApiError;
use crate::projects::parse_datetime;
use crate::{AppState, Scheduled};
use gantry_report::money;

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |value| format!("{value:.2}"))
}

fn optional_money(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), money)
}

/// One figure of the project's card.
struct Figure {
    /// Its code ("bac"), for tests and styles.
    code: &'static str,
    /// Its abbreviation.
    label: &'static str,
    /// What it means.
    title: &'static str,
    value: String,
    /// Below plan or over budget.
    bad: bool,
}

fn figures(values: &EvmFigures) -> Vec<Figure> {
    let below = |value: Option<f64>| value.is_some_and(|value| value < 1.0 - 1e-9);
    let figure = |code, label, title, value, bad| Figure {
        code,
        label,
        title,
        value,
        bad,
    };
    vec![
        figure(
            "bac",
            "BAC",
            "Budget at completion",
            money(values.bac),
            false,
        ),
        figure("pv", "PV", "Planned value", money(values.pv), false),
        figure("ev", "EV", "Earned value", money(values.ev), false),
        figure("ac", "AC", "Actual cost", money(values.ac), false),
        figure(
            "sv",
            "SV",
            "Schedule variance (EV − PV)",
            money(values.sv),
            values.sv < -0.5,
        ),
        figure(
            "cv",
            "CV",
            "Cost variance (EV − AC)",
            money(values.cv),
            values.cv < -0.5,
        ),
        figure(
            "spi",
            "SPI",
            "Schedule performance index (EV / PV)",
            ratio(values.spi),
            below(values.spi),
        ),
        figure(
            "cpi",
            "CPI",
            "Cost performance index (EV / AC)",
            ratio(values.cpi),
            below(values.cpi),
        ),
        figure(
            "eac",
            "EAC",
            "Estimate at completion (BAC / CPI)",
            optional_money(values.eac),
            false,
        ),
        figure(
            "eac-plan",
            "EAC (rest to plan)",
            "Estimate at completion if the rest goes to plan (AC + BAC − EV)",
            money(values.eac_remaining_to_plan),
            false,
        ),
        figure(
            "eac-cpi-spi",
            "EAC (CPI × SPI)",
            "Estimate at completion with both indexes (AC + (BAC − EV) / (CPI × SPI))",
            optional_money(values.eac_cpi_spi),
            false,
        ),
        figure(
            "etc",
            "ETC",
            "Estimate to complete (EAC − AC)",
            optional_money(values.etc),
            false,
        ),
        figure(
            "vac",
            "VAC",
            "Variance at completion (BAC − EAC)",
            optional_money(values.vac),
            values.vac.is_some_and(|vac| vac < -0.5),
        ),
        figure(
            "tcpi",
            "TCPI",
            "To-complete performance index ((BAC − EV) / (BAC − AC))",
            ratio(values.tcpi),
            values.tcpi.is_some_and(|tcpi| tcpi > 1.0 + 1e-9),
        ),
    ]
}

/// One task (a WBS node when a summary) of the table.
struct WbsRow {
    key: String,
    link: String,
    wbs: String,
    name: String,
    depth: usize,
    is_summary: bool,
    bac: String,
    pv: String,
    ev: String,
    ac: String,
    sv: String,
    cv: String,
    spi: String,
    cpi: String,
    /// Finish variance in working days ("+2.0 d"), when the baseline holds the task.
    finish_variance: String,
    /// "finishes late", "behind progress", or both, when the task is behind plan.
    flag: Option<String>,
}

/// A choice in a list: value, label, selected.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A time entry as listed.
struct EntryRow {
    date: String,
    resource: String,
    task: String,
    hours: String,
}

/// The time-entry form's values and errors, kept after a refusal.
#[derive(Default)]
struct EntryForm {
    task_id: String,
    resource_id: String,
    date: String,
    hours: String,
    overtime_hours: String,
    /// The field the error is about ("task", "resource", "date", "hours") or "" for the form.
    error_field: String,
    error: Option<String>,
}

impl EntryForm {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == field)
    }

    fn form_error(&self) -> Option<&str> {
        let known = ["task", "resource", "date", "hours"].contains(&self.error_field.as_str());
        self.error.as_deref().filter(|_| !known)
    }
}

#[derive(Template)]
#[template(path = "budget.html")]
struct BudgetPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    can_save_baseline: bool,
    can_log_time: bool,
    baseline: u8,
    baseline_label: String,
    status_date: String,
    status_date_input: String,
    baseline_choices: Vec<Choice>,
    save_choices: Vec<Choice>,
    /// Why there are no figures (no baseline saved, or not this one).
    missing: Option<String>,
    figures: Vec<Figure>,
    behind: usize,
    rows: Vec<WbsRow>,
    s_curve: String,
    task_choices: Vec<Choice>,
    resource_choices: Vec<Choice>,
    entries: Vec<EntryRow>,
    entry_form: EntryForm,
    /// An error of the chooser (a bad status date).
    chooser_error: Option<String>,
}

/// `GET /projects/{id}/budget`'s query.
#[derive(Debug, Default, Deserialize)]
pub struct BudgetQuery {
    baseline: Option<String>,
    status_date: Option<String>,
}

fn build_page(
    session: &Session,
    role: Role,
    scheduled: &Scheduled,
    query: &BudgetQuery,
    entry_form: EntryForm,
) -> BudgetPage {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    let project = stored.project_id;
    let mut chooser_error = None;
    let asked = query
        .status_date
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .and_then(|text| match parse_datetime("status_date", text, true) {
            Ok(date) => Some(date),
            Err(_) => {
                chooser_error = Some(format!(
                    "\"{text}\" is not a date like 2026-02-20; the project's status date is shown."
                ));
                None
            }
        });
    let status_date = status_date_of(plan, asked);
    let baseline = query
        .baseline
        .as_deref()
        .and_then(|text| text.trim().parse::<u8>().ok())
        .filter(|number| *number <= MAX_BASELINE)
        .or_else(|| plan.baselines.first().map(|saved| saved.number))
        .unwrap_or(0);
    let baseline_choices = plan
        .baselines
        .iter()
        .map(|saved| Choice {
            value: saved.number.to_string(),
            label: match saved.saved {
                Some(at) => format!("{} (saved {})", baseline_name(saved.number), at.date()),
                None => baseline_name(saved.number),
            },
            selected: saved.number == baseline,
        })
        .collect();
    let save_choices = (0..=MAX_BASELINE)
        .map(|number| Choice {
            value: number.to_string(),
            label: match plan.baseline(number) {
                Some(_) => format!("{} (save again)", baseline_name(number)),
                None => baseline_name(number),
            },
            selected: number == baseline,
        })
        .collect();

    let (mut missing, mut figure_list, mut rows, mut s_curve, mut behind) =
        (None, Vec::new(), Vec::new(), String::new(), 0);
    if plan.baseline(baseline).is_none() {
        missing = Some(if plan.baselines.is_empty() {
            "No baseline has been saved yet: earned value measures the project against one."
                .to_string()
        } else {
            format!("{} has not been saved.", baseline_name(baseline))
        });
    } else {
        match budget(scheduled, u32::from(baseline), status_date) {
            Ok(result) => {
                figure_list = figures(&result.earned.project);
                let outline = plan.outline_numbers();
                let summary = plan.summary_flags();
                let depth = |index: usize| {
                    let mut depth = 0;
                    let mut parent = plan.tasks[index].parent;
                    while let Some(up) = parent {
                        depth += 1;
                        parent = plan.tasks[up.index()].parent;
                    }
                    depth
                };
                for (index, values) in result.earned.tasks.iter().enumerate() {
                    let status = result.earned.status[index];
                    let flag = status.filter(|status| status.behind_plan()).map(|status| {
                        let mut reasons = Vec::new();
                        if status.finishes_late {
                            reasons.push("finishes late");
                        }
                        if status.behind_progress {
                            reasons.push("behind progress");
                        }
                        reasons.join(", ")
                    });
                    if flag.is_some() && !summary[index] {
                        behind += 1;
                    }
                    rows.push(WbsRow {
                        key: plan.tasks[index].key.clone(),
                        link: format!("/projects/{project}/tasks/{}", stored.task_ids[index]),
                        wbs: outline[index].clone(),
                        name: plan.tasks[index].name.clone(),
                        depth: depth(index),
                        is_summary: summary[index],
                        bac: money(values.bac),
                        pv: money(values.pv),
                        ev: money(values.ev),
                        ac: money(values.ac),
                        sv: money(values.sv),
                        cv: money(values.cv),
                        spi: ratio(values.spi),
                        cpi: ratio(values.cpi),
                        finish_variance: result
                            .variances
                            .get(index)
                            .copied()
                            .flatten()
                            .map(|variance| format!("{:+.1} d", variance.finish_days))
                            .unwrap_or_default(),
                        flag,
                    });
                }
                s_curve = gantry_report::s_curve_svg(
                    &result.curve,
                    &format!("{}: {}", plan.name, baseline_name(baseline)),
                );
            }
            Err(error) => {
                missing = Some(match error {
                    ApiError::InvalidField { message, .. } => message,
                    _ => "Earned value cannot be computed for this plan.".to_string(),
                });
            }
        }
    }

    // The time-entry form: a member picks among their own resources and the tasks they are on.
    let own = own_resources(plan, &session.user);
    let allowed: Vec<usize> = if role >= Role::Manager {
        (0..plan.resources.len())
            .filter(|&index| plan.resources[index].kind == ResourceKind::Work)
            .collect()
    } else {
        own
    };
    let summary = plan.summary_flags();
    let task_choices = (0..plan.tasks.len())
        .filter(|&index| {
            !summary[index]
                && plan.assignments.iter().any(|assignment| {
                    assignment.task.index() == index
                        && allowed.contains(&assignment.resource.index())
                })
        })
        .map(|index| Choice {
            value: stored.task_ids[index].to_string(),
            label: format!(
                "{} {}",
                plan.outline_numbers()[index],
                plan.tasks[index].name
            ),
            selected: entry_form.task_id == stored.task_ids[index].to_string(),
        })
        .collect();
    let resource_choices = allowed
        .iter()
        .map(|&index| Choice {
            value: stored.resource_ids[index].to_string(),
            label: plan.resources[index].name.clone(),
            selected: entry_form.resource_id == stored.resource_ids[index].to_string(),
        })
        .collect();
    let entries = plan
        .tracking
        .time_entries
        .iter()
        .rev()
        .take(20)
        .map(|entry| EntryRow {
            date: entry.date.to_string(),
            resource: plan.resources[entry.resource.index()].name.clone(),
            task: plan.tasks[entry.task.index()].name.clone(),
            hours: if entry.overtime_hours > 0.0 {
                format!("{} + {} overtime", entry.hours, entry.overtime_hours)
            } else {
                format!("{}", entry.hours)
            },
        })
        .collect();
    let mut entry_form = entry_form;
    if entry_form.date.is_empty() {
        entry_form.date = status_date
            .date()
            .yesterday()
            .unwrap_or(status_date.date())
            .to_string();
    }
    BudgetPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token.clone(),
        project_id: project,
        page: "budget",
        name: plan.name.clone(),
        can_save_baseline: role >= Role::Manager,
        can_log_time: role >= Role::Member,
        baseline,
        baseline_label: baseline_name(baseline),
        status_date: day(gantry_core::Instant(
            gantry_core::Instant::from_civil(status_date).0 - 1,
        )),
        status_date_input: query
            .status_date
            .clone()
            .filter(|_| chooser_error.is_none())
            .unwrap_or_default(),
        baseline_choices,
        save_choices,
        missing,
        figures: figure_list,
        behind,
        rows,
        s_curve,
        task_choices,
        resource_choices,
        entries,
        entry_form,
        chooser_error,
    }
}

/// `GET /projects/{id}/budget`.
pub async fn budget_page(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    query: Result<Query<BudgetQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (role, scheduled) = match project_for(&state, &session, project).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let query = query.map(|Query(query)| query).unwrap_or_default();
    render(&build_page(
        &session,
        role,
        &scheduled,
        &query,
        EntryForm::default(),
    ))
    .into_response()
}

/// The save-baseline form.
#[derive(Debug, Deserialize)]
pub struct SaveBaselineForm {
    csrf_token: Option<String>,
    number: String,
}

/// `POST /projects/{id}/budget/baselines` (manager): saves baseline N from the schedule.
pub async fn save_baseline(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<SaveBaselineForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Manager,
        "Saving a baseline",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let refused = |message: String| EntryForm {
        error_field: "baseline".into(),
        error: Some(message),
        ..EntryForm::default()
    };
    let Ok(number) = form.number.trim().parse::<u32>() else {
        let page = build_page(
            &session,
            role,
            &scheduled,
            &BudgetQuery::default(),
            refused(format!(
                "\"{}\" is not a baseline number (0 to 10).",
                form.number
            )),
        );
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    };
    match state
        .store()
        .edit(
            project,
            Some(session.user.id),
            Edit::Control(ControlEdit::SaveBaseline { number }),
        )
        .await
    {
        Ok(_) => redirect(&format!("/projects/{project}/budget?baseline={number}")),
        Err(error) => {
            let (_, message) = refusal(error);
            let page = build_page(
                &session,
                role,
                &scheduled,
                &BudgetQuery::default(),
                refused(message),
            );
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

/// The time-entry form.
#[derive(Debug, Deserialize)]
pub struct TimeEntryForm {
    csrf_token: Option<String>,
    #[serde(default)]
    task_id: String,
    #[serde(default)]
    resource_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    overtime_hours: String,
    #[serde(default)]
    baseline: String,
}

/// `POST /projects/{id}/budget/time-entries` (member: their own time; manager: anyone's).
pub async fn log_time(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<TimeEntryForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Member,
        "Logging time",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let query = BudgetQuery {
        baseline: Some(form.baseline.clone()).filter(|text| !text.is_empty()),
        status_date: None,
    };
    let kept = |field: &str, message: String| EntryForm {
        task_id: form.task_id.clone(),
        resource_id: form.resource_id.clone(),
        date: form.date.clone(),
        hours: form.hours.clone(),
        overtime_hours: form.overtime_hours.clone(),
        error_field: field.to_string(),
        error: Some(message),
    };
    let refuse = |entry_form: EntryForm| {
        let page = build_page(&session, role, &scheduled, &query, entry_form);
        (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
    };
    let Ok(task) = form.task_id.trim().parse::<i64>() else {
        return refuse(kept(
            "task",
            "Choose the task the hours were worked on.".into(),
        ));
    };
    let asked = match form.resource_id.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(resource) => Some(resource),
            Err(_) => return refuse(kept("resource", "Choose who worked.".into())),
        },
    };
    let date = match parse_date("date", &form.date) {
        Ok(date) => date,
        Err(_) => {
            return refuse(kept(
                "date",
                format!("\"{}\" is not a date like 2026-02-19.", form.date.trim()),
            ));
        }
    };
    // Hours as typed: a number, or nothing for no overtime.
    let number = |text: &str, optional: bool| match text.trim() {
        "" if optional => Some(0.0),
        text => text.parse::<f64>().ok(),
    };
    let not_hours = |text: &str| {
        kept(
            "hours",
            format!("\"{}\" is not a number of hours like 7.5.", text.trim()),
        )
    };
    let Some(hours) = number(&form.hours, false) else {
        return refuse(not_hours(&form.hours));
    };
    let Some(overtime_hours) = number(&form.overtime_hours, true) else {
        return refuse(not_hours(&form.overtime_hours));
    };
    let resource = match resource_for_entry(&scheduled.plan, &session.user, role, asked) {
        Ok(resource) => resource,
        Err(error) => {
            let message = match error {
                ApiError::InvalidField { message, .. } | ApiError::Forbidden(message) => message,
                _ => "Choose who worked.".into(),
            };
            return refuse(kept("resource", format!("{}.", capitalise(&message))));
        }
    };
    let edit = Edit::Control(ControlEdit::AddTimeEntry {
        task,
        resource,
        date,
        hours,
        overtime_hours,
    });
    match state
        .store()
        .edit(project, Some(session.user.id), edit)
        .await
    {
        Ok(_) => {
            let baseline = query
                .baseline
                .map(|baseline| format!("?baseline={baseline}"))
                .unwrap_or_default();
            redirect(&format!("/projects/{project}/budget{baseline}"))
        }
        Err(error) => {
            let (field, message) = refusal(error);
            let field = match field.as_deref() {
                Some("overtime_hours") => "hours".to_string(),
                Some(field) => field.to_string(),
                None => String::new(),
            };
            refuse(kept(&field, message))
        }
    }
}

fn capitalise(message: &str) -> String {
    super::task_detail::capitalised(message.trim_end_matches('.'))
}
