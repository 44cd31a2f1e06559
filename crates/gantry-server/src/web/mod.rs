//! The web pages: server-rendered HTML (askama templates in `templates/`, one stylesheet in
//! `static/`), on the same sessions and roles as the JSON API. A page asks for a session cookie
//! and sends anyone without one to `/login`; a form that changes something repeats the
//! session's CSRF token.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use gantry_core::cpm::Schedule;
use gantry_core::model::Plan;
use gantry_core::usage::{Period, resource_usage};
use gantry_store::{Role, Session};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{secret_hash, session_cookie, start_session};
use crate::error::ApiError;

pub mod assets;
pub mod board;
// web: changes (change requests, status report)
pub mod changes;
pub mod gantt;
// web: pages (overview, history, task detail, settings, API tokens)
pub mod account;
pub mod budget;
pub mod history;
pub mod overview;
pub mod risks;
pub mod settings;
pub mod task_detail;
pub mod tasks;

/// A page's answer when something is wrong: the status and a sentence.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage { message };
    (status, render(&page)).into_response()
}

#[derive(Template)]
#[template(
    source = "{% extends \"base.html\" %}{% block title %}Error{% endblock %}{% block content %}<section class=\"card narrow\"><h1>Sorry</h1><p>{{ message }}</p><p><a href=\"/\">Back to the portfolio</a></p></section>{% endblock %}",
    ext = "html"
)]
struct ErrorPage<'a> {
    message: &'a str,
}

pub(crate) fn render(template: &impl Template) -> Html<String> {
    Html(template.render().unwrap_or_else(|error| {
        tracing::error!(%error, "a page failed to render");
        "<!doctype html><title>Gantry</title><p>This page failed to render; the details are in the server's log.</p>".to_string()
    }))
}

pub(crate) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

/// The session of the page's request, or the way to the login page.
async fn page_session(state: &AppState, headers: &HeaderMap) -> Result<Session, Response> {
    let Some(cookie) = session_cookie(headers) else {
        return Err(redirect("/login"));
    };
    match state.store().session(&secret_hash(&cookie)).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(redirect("/login")),
        Err(error) => {
            tracing::error!(%error, "reading a session failed");
            Err(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            ))
        }
    }
}

/// The refusal of a write from a page that lacks the session's CSRF token, or `None` when it
/// has it: htmx sends it in the `X-CSRF-Token` header (`static/gantry.js` adds it), a plain form
/// in its `csrf_token` field. The refusal is a 403 that says to reload the page.
pub(crate) fn csrf_refusal(
    session: &Session,
    headers: &HeaderMap,
    form_token: Option<&str>,
) -> Option<Response> {
    let header = headers
        .get(crate::auth::CSRF_HEADER)
        .and_then(|value| value.to_str().ok());
    (header.or(form_token) != Some(session.csrf_token.as_str())).then(|| {
        error_page(
            StatusCode::FORBIDDEN,
            "This page is out of date: reload it and try again.",
        )
    })
}

/// The role and schedule of a page write's project once the CSRF token and the role are
/// checked, or the refusal.
pub(crate) async fn writer(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    csrf_token: Option<&str>,
    project: i64,
    needed: Role,
    action: &str,
) -> Result<(Role, std::sync::Arc<crate::Scheduled>), Response> {
    if let Some(response) = csrf_refusal(session, headers, csrf_token) {
        return Err(response);
    }
    let (role, scheduled) = project_for(state, session, project).await?;
    if role < needed {
        return Err(error_page(
            StatusCode::FORBIDDEN,
            &format!(
                "{action} needs the {} role in this project; you are {}.",
                needed.code(),
                role.code()
            ),
        ));
    }
    Ok((role, scheduled))
}

/// The session of a page's request; a request without one is sent to `/login`.
pub struct PageSession(pub Session);

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        page_session(state, &parts.headers).await.map(PageSession)
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    error: Option<&'a str>,
    username: &'a str,
}

/// `GET /login`.
pub async fn login_page() -> Html<String> {
    render(&LoginPage {
        error: None,
        username: "",
    })
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// `POST /login`: opens a session and goes to the portfolio, or shows the form again with why.
pub async fn login_submit(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    match start_session(&state, &form.username, form.password).await {
        Ok((_, _, cookie)) => {
            let mut response = redirect("/");
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(SET_COOKIE, value);
            }
            response
        }
        Err(error) => {
            let (status, message) = match error {
                ApiError::RateLimited => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts: wait a minute and try again.",
                ),
                ApiError::Unauthenticated => (
                    StatusCode::UNAUTHORIZED,
                    "That username and password do not match.",
                ),
                _ => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The server failed; the details are in its log.",
                ),
            };
            let page = LoginPage {
                error: Some(message),
                username: &form.username,
            };
            (status, render(&page)).into_response()
        }
    }
}

/// The logout form: the session's CSRF token.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf_token: String,
}

/// `POST /logout`: ends the session (when the form carries its CSRF token).
pub async fn logout_submit(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if form.csrf_token != session.csrf_token {
        return error_page(
            StatusCode::FORBIDDEN,
            "This form is out of date: reload the page and try again.",
        );
    }
    if let Some(cookie) = session_cookie(&headers)
        && let Err(error) = state.store().delete_session(&secret_hash(&cookie)).await
    {
        tracing::error!(%error, "ending a session failed");
    }
    let mut response = redirect("/login");
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("gantry_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    response
}

/// A project as a row of the portfolio.
struct ProjectRow {
    id: i64,
    name: String,
    role: &'static str,
    status: &'static str,
    reason: String,
    finish: String,
    percent: u32,
    milestones: Vec<String>,
    over_allocated: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    user_name: String,
    csrf_token: String,
    projects: Vec<ProjectRow>,
    new_project: NewProject,
}

/// The portfolio's "New project" form as typed, with why it was refused.
pub(crate) struct NewProject {
    pub(crate) name: String,
    pub(crate) start: String,
    pub(crate) error: Option<String>,
}

pub(crate) fn day(instant: gantry_core::Instant) -> String {
    instant
        .to_civil()
        .date()
        .strftime("%a %-d %b %Y")
        .to_string()
}

/// An instant with its time of day ("Tue 3 Mar 2026 17:00"): where a pause starts and ends.
pub(crate) fn day_time(instant: gantry_core::Instant) -> String {
    instant
        .to_civil()
        .strftime("%a %-d %b %Y %H:%M")
        .to_string()
}

/// A store's message as a sentence on a page: capitalised, with a full stop.
pub(crate) fn sentence(message: &str) -> String {
    format!("{}.", task_detail::capitalised(message))
}

/// A civil date-time as stored ("2026-03-12T17:00:00") shown as a day, as [`day`] shows one;
/// text that is not a date-time is shown as it is.
pub(crate) fn shown_day(text: &str) -> String {
    text.parse::<jiff::civil::DateTime>()
        .map(|at| at.date().strftime("%a %-d %b %Y").to_string())
        .unwrap_or_else(|_| text.to_string())
}

/// Percent complete of the whole plan: its leaf tasks' percent weighted by their durations.
pub(crate) fn percent_complete(plan: &Plan, schedule: &Schedule) -> f64 {
    let (mut done, mut total) = (0.0, 0.0);
    for (task, computed) in plan.tasks.iter().zip(&schedule.tasks) {
        if computed.is_summary {
            continue;
        }
        let weight = task.duration.minutes.max(0) as f64;
        done += weight * computed.percent_complete;
        total += weight;
    }
    if total > 0.0 { done / total } else { 0.0 }
}

/// Red when a deadline is missed or a constraint forces negative float, amber when a resource
/// is booked twice, green otherwise; with the reason in words (`gantry-report`'s rule, which
/// the status report uses too).
fn status(plan: &Plan, schedule: &Schedule, over_allocated: &[String]) -> (&'static str, String) {
    let (rag, reason) = gantry_report::rag_status(plan, schedule, over_allocated);
    (rag.code(), reason)
}

/// `GET /`: every project the user can see, with its status, and the "New project" form.
pub async fn dashboard(
    State(state): State<AppState>,
    PageSession(session): PageSession,
) -> Response {
    let today = jiff::Zoned::now().date().to_string();
    let draft = NewProject {
        name: String::new(),
        start: today,
        error: None,
    };
    dashboard_with(&state, session, draft).await
}

/// The portfolio with the "New project" form as `new_project` says.
pub(crate) async fn dashboard_with(
    state: &AppState,
    session: Session,
    new_project: NewProject,
) -> Response {
    let status_code = if new_project.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let projects = match state
        .store()
        .projects_for(session.user.id, session.user.is_admin)
        .await
    {
        Ok(projects) => projects,
        Err(error) => {
            tracing::error!(%error, "listing projects failed");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            );
        }
    };
    let mut rows = Vec::with_capacity(projects.len());
    for project in projects {
        let Ok(scheduled) = state.scheduled(project.id).await else {
            continue;
        };
        let plan = &scheduled.plan.plan;
        let schedule = &scheduled.schedule;
        let over_allocated: Vec<String> = resource_usage(plan, schedule, Period::Week)
            .map(|usage| {
                usage
                    .iter()
                    .filter(|usage| !usage.over_allocations.is_empty())
                    .map(|usage| plan.resources[usage.resource.index()].name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut milestones: Vec<(gantry_core::Instant, String)> = schedule
            .tasks
            .iter()
            .zip(&plan.tasks)
            .filter(|(computed, _)| computed.is_milestone && computed.percent_complete < 100.0)
            .map(|(computed, task)| {
                (
                    computed.finish,
                    format!("{} — {}", task.name, day(computed.finish)),
                )
            })
            .collect();
        milestones.sort_by_key(|(at, _)| *at);
        let (status, reason) = status(plan, schedule, &over_allocated);
        rows.push(ProjectRow {
            id: project.id,
            name: project.name,
            role: project.role.unwrap_or(Role::Owner).code(),
            status,
            reason,
            finish: day(schedule.project_finish),
            percent: percent_complete(plan, schedule).round() as u32,
            milestones: milestones
                .into_iter()
                .take(2)
                .map(|(_, text)| text)
                .collect(),
            over_allocated: over_allocated.join(", "),
        });
    }
    let page = DashboardPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        projects: rows,
        new_project,
    };
    (status_code, render(&page)).into_response()
}

/// The user's role in a project and its schedule, or the page saying there is no such project
/// (a project the user is not in does not exist for them).
pub(crate) async fn project_for(
    state: &AppState,
    session: &Session,
    project: i64,
) -> Result<(Role, std::sync::Arc<crate::Scheduled>), Response> {
    let role = role_in(state, session, project).await?;
    match state.scheduled(project).await {
        Ok(scheduled) => Ok((role, scheduled)),
        Err(_) => Err(no_such_project()),
    }
}

pub(crate) fn no_such_project() -> Response {
    error_page(StatusCode::NOT_FOUND, "There is no such project.")
}

/// The user's role in a project (an administrator acts as its owner), or the page saying there
/// is no such project.
pub(crate) async fn role_in(
    state: &AppState,
    session: &Session,
    project: i64,
) -> Result<Role, Response> {
    match state.store().role(project, session.user.id).await {
        Ok(Some(role)) => Ok(role),
        Ok(None)
            if session.user.is_admin && state.store().project_version(project).await.is_ok() =>
        {
            Ok(Role::Owner)
        }
        _ => Err(no_such_project()),
    }
}

/// One resource's week on the workload page.
struct LoadCell {
    hours: String,
    over: bool,
    peak: u32,
}

/// One resource's row on the workload page.
struct LoadRow {
    name: String,
    cells: Vec<LoadCell>,
}

/// What leveling did, shown above the workload.
struct Leveled {
    finish_before: String,
    finish_after: String,
    /// Task, start before, start after.
    moved: Vec<(String, String, String)>,
    /// Task, where its work pauses, where it resumes, the pause in working days.
    paused: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "workload.html")]
struct WorkloadPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    weeks: Vec<String>,
    rows: Vec<LoadRow>,
    can_level: bool,
    version: i64,
    leveled: Option<Leveled>,
}

fn workload_page(
    session: Session,
    role: Role,
    scheduled: &crate::Scheduled,
    leveled: Option<Leveled>,
) -> Response {
    let plan = &scheduled.plan.plan;
    let usage = match resource_usage(plan, &scheduled.schedule, Period::Week) {
        Ok(usage) => usage,
        Err(error) => {
            return error_page(StatusCode::UNPROCESSABLE_ENTITY, &error.to_string());
        }
    };
    let weeks = usage
        .first()
        .map(|usage| {
            usage
                .periods
                .iter()
                .map(|load| load.start.to_civil().date().strftime("%-d %b").to_string())
                .collect()
        })
        .unwrap_or_default();
    let rows = usage
        .iter()
        .map(|usage| LoadRow {
            name: plan.resources[usage.resource.index()].name.clone(),
            cells: usage
                .periods
                .iter()
                .map(|load| LoadCell {
                    hours: if load.work_minutes > 0.0 {
                        format!("{:.0} h", load.work_minutes / 60.0)
                    } else {
                        String::new()
                    },
                    over: load.over_allocated,
                    peak: (load.peak_units * 100.0).round() as u32,
                })
                .collect(),
        })
        .collect();
    render(&WorkloadPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: scheduled.plan.project_id,
        page: "workload",
        name: plan.name.clone(),
        weeks,
        rows,
        can_level: role >= Role::Manager,
        version: scheduled.plan.version,
        leveled,
    })
    .into_response()
}

/// `GET /projects/{id}/workload`: each resource's hours per week, over-allocations marked,
/// and (for a manager) the button that levels the project.
pub async fn workload(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    match project_for(&state, &session, project).await {
        Ok((role, scheduled)) => workload_page(session, role, &scheduled, None),
        Err(response) => response,
    }
}

/// The leveling form: the session's CSRF token and the project version the page showed.
#[derive(Debug, Deserialize)]
pub struct LevelForm {
    csrf_token: String,
    version: i64,
}

/// `POST /projects/{id}/workload/level`: levels the project (manager) and shows what moved.
pub async fn level(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<LevelForm>,
) -> Response {
    if let Some(response) = csrf_refusal(&session, &headers, Some(&form.csrf_token)) {
        return response;
    }
    let role = match role_in(&state, &session, project).await {
        Ok(role) => role,
        Err(response) => return response,
    };
    if role < Role::Manager {
        return error_page(
            StatusCode::FORBIDDEN,
            "Leveling needs the manager role in this project.",
        );
    }
    let edit = gantry_store::Edit::Setup(gantry_store::SetupEdit::Level {
        version: form.version,
    });
    let outcome = match state
        .store()
        .edit(project, Some(session.user.id), edit)
        .await
    {
        Ok(outcome) => outcome,
        Err(gantry_store::StoreError::Conflict { .. }) => {
            return error_page(
                StatusCode::CONFLICT,
                "The plan changed since this page was loaded: reload it and level again.",
            );
        }
        Err(error) => {
            return error_page(StatusCode::UNPROCESSABLE_ENTITY, &error.to_string());
        }
    };
    let Some(leveling) = &outcome.leveling else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server failed; the details are in its log.",
        );
    };
    let plan = &outcome.plan.plan;
    let leveled = Leveled {
        finish_before: day(leveling.before.project_finish),
        finish_after: day(leveling.after.project_finish),
        moved: leveling
            .delays
            .iter()
            .map(|delay| {
                (
                    plan.tasks[delay.task.index()].name.clone(),
                    day(delay.start_before),
                    day(delay.start_after),
                )
            })
            .collect(),
        paused: leveling
            .splits
            .iter()
            .map(|split| {
                (
                    plan.tasks[split.task.index()].name.clone(),
                    day_time(split.paused_at),
                    day_time(split.resumes_at),
                    overview::working_days(split.gap_minutes, plan),
                )
            })
            .collect(),
    };
    let scheduled = std::sync::Arc::new(crate::Scheduled::new(outcome.plan, outcome.schedule));
    state.remember(project, scheduled.clone());
    workload_page(session, role, &scheduled, Some(leveled))
}
