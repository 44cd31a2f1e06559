//! Gantry's HTTP server: the JSON API under `/api/v1` with its OpenAPI document at
//! `/api/v1/openapi.json`, login sessions and API tokens, and project roles.
//!
//! It is the only crate that knows HTTP and JSON wire types. It keeps no state of its own beyond
//! caches that the store's versions keep honest (a project's schedule is recomputed when its
//! version moves), so several processes can serve one PostgreSQL database. It is not the store:
//! every change goes through `gantry_store::Store::edit`.

mod auth;
mod changes;
mod control;
mod error;
mod projects;
mod risks;
mod setup;
mod transfer;
mod web;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use gantry_core::cpm::{Schedule, ScheduleOptions, schedule};
use gantry_store::{Store, StoredPlan};
use utoipa::OpenApi;

pub use auth::hash_password;
pub use error::{ApiError, ApiResult};

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Mark the session cookie `Secure` (sent over HTTPS only). Off for a server on a loopback
    /// address, which browsers reach over plain HTTP.
    pub secure_cookies: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a login lasts.
    pub session_hours: i64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            secure_cookies: true,
            max_body_bytes: 10 * 1024 * 1024,
            session_hours: 12,
        }
    }
}

/// A project's plan and schedule at one version.
#[derive(Debug)]
pub(crate) struct Scheduled {
    pub plan: StoredPlan,
    pub schedule: Schedule,
    /// The schedule as JSON, written once per version: reading a schedule is the most frequent
    /// request, and its answer only changes with the version.
    pub schedule_json: std::sync::OnceLock<axum::body::Bytes>,
}

impl Scheduled {
    pub(crate) fn new(plan: StoredPlan, schedule: Schedule) -> Scheduled {
        Scheduled {
            plan,
            schedule,
            schedule_json: std::sync::OnceLock::new(),
        }
    }
}

struct Inner {
    store: Store,
    config: ServerConfig,
    /// The last schedule computed per project, good while the project's version is unchanged.
    schedules: Mutex<HashMap<i64, Arc<Scheduled>>>,
    login_limiter: auth::LoginLimiter,
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Store, config: ServerConfig) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                store,
                config,
                schedules: Mutex::new(HashMap::new()),
                login_limiter: auth::LoginLimiter::default(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub(crate) fn login_limiter(&self) -> &auth::LoginLimiter {
        &self.inner.login_limiter
    }

    /// The plan and schedule of a project at its current version: from the cache when the
    /// version has not moved (one small query), else loaded and scheduled.
    pub(crate) async fn scheduled(&self, project_id: i64) -> ApiResult<Arc<Scheduled>> {
        let version = self.store().project_version(project_id).await?;
        if let Some(cached) = self.cached(project_id)
            && cached.plan.version == version
        {
            return Ok(cached);
        }
        let plan = self.store().plan(project_id).await?;
        let schedule = schedule(&plan.plan, &ScheduleOptions::default()).map_err(|failure| {
            // A stored plan always scheduled when it was written; failing now is a fault.
            tracing::error!(project_id, ?failure.diagnostics, "a stored plan does not schedule");
            ApiError::Internal
        })?;
        let scheduled = Arc::new(Scheduled::new(plan, schedule));
        self.remember(project_id, scheduled.clone());
        Ok(scheduled)
    }

    fn cached(&self, project_id: i64) -> Option<Arc<Scheduled>> {
        self.inner
            .schedules
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(&project_id)
            .cloned()
    }

    pub(crate) fn remember(&self, project_id: i64, scheduled: Arc<Scheduled>) {
        let mut schedules = self
            .inner
            .schedules
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        // Keep the newer of two racing results.
        let newer = schedules
            .get(&project_id)
            .is_none_or(|cached| cached.plan.version <= scheduled.plan.version);
        if newer {
            schedules.insert(project_id, scheduled);
        }
    }

    pub(crate) fn forget(&self, project_id: i64) {
        self.inner
            .schedules
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&project_id);
    }
}

/// The OpenAPI document of the JSON API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Gantry API", description = "Projects, plans, schedules, members and history. Authenticate with the session cookie from POST /api/v1/auth/login (and X-CSRF-Token on writes) or with Authorization: Bearer <API token>."),
    paths(
        auth::login, auth::logout, auth::me, auth::create_token, auth::list_tokens, auth::revoke_token,
        projects::list_projects, projects::create_project, projects::get_project, projects::delete_project,
        projects::get_schedule, projects::list_tasks, projects::create_task, projects::update_task,
        projects::delete_task, projects::move_task, projects::create_link, projects::delete_link,
        projects::list_members, projects::put_member, projects::delete_member, projects::history,
        projects::list_comments, projects::create_comment,
        setup::update_project, setup::list_calendars, setup::create_calendar, setup::update_calendar,
        setup::delete_calendar, setup::create_exception, setup::update_exception,
        setup::delete_exception, setup::list_resources, setup::create_resource,
        setup::update_resource, setup::delete_resource, setup::preview_leveling,
        setup::apply_leveling, setup::workload,
        projects::list_assignments, projects::create_assignment,
        projects::update_assignment, projects::delete_assignment,
        transfer::import_project, transfer::export_project,
        control::list_baselines, control::save_baseline, control::clear_baseline, control::get_evm,
        control::list_time_entries, control::create_time_entry, control::delete_time_entry,
        control::list_expenses, control::create_expense, control::delete_expense,
        control::put_fixed_cost,
        changes::list_changes, changes::create_change, changes::get_change, changes::change_impact,
        changes::approve_change, changes::reject_change,
        risks::list_risks, risks::create_risk, risks::get_risk, risks::update_risk,
        risks::delete_risk, risks::list_estimates, risks::put_estimate, risks::delete_estimate,
        risks::simulate,
    ),
    tags(
        (name = "auth", description = "Login, sessions and API tokens"),
        (name = "projects", description = "Projects, their plans, schedules, members and history"),
        (name = "control", description = "Baselines, earned value, time entries, expenses and fixed costs"),
        (name = "changes", description = "Change requests: proposed, their impact, approved or rejected"),
        (name = "risks", description = "The risk register, three-point estimates and the Monte Carlo simulation"),
    )
)]
pub struct ApiDoc;

async fn openapi() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_json().unwrap_or_default(),
    )
}

/// Every route, with the state and the body limit.
pub fn router(state: AppState) -> Router {
    let limit = state.config().max_body_bytes;
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/tokens", post(auth::create_token).get(auth::list_tokens))
        .route("/tokens/{id}", delete(auth::revoke_token))
        .route(
            "/projects",
            get(projects::list_projects).post(projects::create_project),
        )
        .route(
            "/projects/{project}",
            get(projects::get_project)
                .patch(setup::update_project)
                .delete(projects::delete_project),
        )
        .route("/projects/import", post(transfer::import_project))
        .route("/projects/{project}/export", get(transfer::export_project))
        .route("/projects/{project}/schedule", get(projects::get_schedule))
        .route(
            "/projects/{project}/tasks",
            get(projects::list_tasks).post(projects::create_task),
        )
        .route(
            "/projects/{project}/tasks/{task}",
            axum::routing::patch(projects::update_task).delete(projects::delete_task),
        )
        .route(
            "/projects/{project}/tasks/{task}/move",
            post(projects::move_task),
        )
        .route("/projects/{project}/links", post(projects::create_link))
        .route(
            "/projects/{project}/links/{link}",
            delete(projects::delete_link),
        )
        .route("/projects/{project}/members", get(projects::list_members))
        .route(
            "/projects/{project}/members/{user}",
            axum::routing::put(projects::put_member).delete(projects::delete_member),
        )
        .route("/projects/{project}/history", get(projects::history))
        .route(
            "/projects/{project}/resources",
            get(setup::list_resources).post(setup::create_resource),
        )
        .route(
            "/projects/{project}/resources/{resource}",
            axum::routing::patch(setup::update_resource).delete(setup::delete_resource),
        )
        .route(
            "/projects/{project}/calendars",
            get(setup::list_calendars).post(setup::create_calendar),
        )
        .route(
            "/projects/{project}/calendars/{calendar}",
            axum::routing::patch(setup::update_calendar).delete(setup::delete_calendar),
        )
        .route(
            "/projects/{project}/calendars/{calendar}/exceptions",
            post(setup::create_exception),
        )
        .route(
            "/projects/{project}/calendars/{calendar}/exceptions/{exception}",
            axum::routing::put(setup::update_exception).delete(setup::delete_exception),
        )
        .route("/projects/{project}/workload", get(setup::workload))
        .route(
            "/projects/{project}/leveling",
            get(setup::preview_leveling).post(setup::apply_leveling),
        )
        .route(
            "/projects/{project}/assignments",
            get(projects::list_assignments).post(projects::create_assignment),
        )
        .route(
            "/projects/{project}/assignments/{assignment}",
            axum::routing::patch(projects::update_assignment).delete(projects::delete_assignment),
        )
        .route(
            "/projects/{project}/comments",
            get(projects::list_comments).post(projects::create_comment),
        )
        // control
        .route(
            "/projects/{project}/baselines",
            get(control::list_baselines),
        )
        .route(
            "/projects/{project}/baselines/{number}",
            post(control::save_baseline).delete(control::clear_baseline),
        )
        .route("/projects/{project}/evm", get(control::get_evm))
        .route(
            "/projects/{project}/time-entries",
            get(control::list_time_entries).post(control::create_time_entry),
        )
        .route(
            "/projects/{project}/time-entries/{entry}",
            delete(control::delete_time_entry),
        )
        .route(
            "/projects/{project}/expenses",
            get(control::list_expenses).post(control::create_expense),
        )
        .route(
            "/projects/{project}/expenses/{expense}",
            delete(control::delete_expense),
        )
        .route(
            "/projects/{project}/tasks/{task}/fixed-cost",
            axum::routing::put(control::put_fixed_cost),
        )
        // changes
        .route(
            "/projects/{project}/changes",
            get(changes::list_changes).post(changes::create_change),
        )
        .route(
            "/projects/{project}/changes/{change}",
            get(changes::get_change),
        )
        .route(
            "/projects/{project}/changes/{change}/impact",
            get(changes::change_impact),
        )
        .route(
            "/projects/{project}/changes/{change}/approve",
            post(changes::approve_change),
        )
        .route(
            "/projects/{project}/changes/{change}/reject",
            post(changes::reject_change),
        )
        // risks
        .route(
            "/projects/{project}/risks",
            get(risks::list_risks).post(risks::create_risk),
        )
        .route(
            "/projects/{project}/risks/{risk}",
            get(risks::get_risk)
                .put(risks::update_risk)
                .delete(risks::delete_risk),
        )
        .route("/projects/{project}/estimates", get(risks::list_estimates))
        .route(
            "/projects/{project}/tasks/{task}/estimate",
            axum::routing::put(risks::put_estimate).delete(risks::delete_estimate),
        )
        .route("/projects/{project}/simulate", post(risks::simulate))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) });
    Router::new()
        .route("/", get(web::dashboard))
        .route("/login", get(web::login_page).post(web::login_submit))
        .route("/logout", post(web::logout_submit))
        // web: gantt
        .route("/projects/{project}/gantt", get(web::gantt::gantt))
        .route(
            "/projects/{project}/gantt/rows",
            get(web::gantt::gantt_rows),
        )
        .route(
            "/projects/{project}/gantt/edit",
            post(web::gantt::gantt_edit),
        )
        .route("/projects/{project}/workload", get(web::workload))
        .route("/projects/{project}/workload/level", post(web::level))
        // web: pages
        .route("/projects/{project}", get(web::overview::overview))
        .route("/projects/{project}/history", get(web::history::history))
        .route(
            "/projects/{project}/tasks/{task}",
            get(web::task_detail::task_detail),
        )
        .route(
            "/projects/{project}/tasks/{task}/comments",
            post(web::task_detail::add_comment),
        )
        .route("/projects/{project}/settings", get(web::settings::settings))
        .route(
            "/projects/{project}/settings/members",
            post(web::settings::add_member),
        )
        .route(
            "/projects/{project}/settings/members/{user}",
            post(web::settings::change_role),
        )
        .route(
            "/projects/{project}/settings/members/{user}/remove",
            post(web::settings::remove_member),
        )
        .route(
            "/projects/{project}/settings/calendars/{calendar}/exceptions",
            post(web::settings::add_exception),
        )
        .route(
            "/projects/{project}/settings/calendars/{calendar}/exceptions/{exception}/delete",
            post(web::settings::delete_exception),
        )
        .route(
            "/account/tokens",
            get(web::account::tokens).post(web::account::create_token),
        )
        .route(
            "/account/tokens/{id}/revoke",
            post(web::account::revoke_token),
        )
        // web: changes
        .route(
            "/projects/{project}/changes",
            get(web::changes::changes).post(web::changes::propose),
        )
        .route(
            "/projects/{project}/changes/{change}/approve",
            post(web::changes::approve),
        )
        .route(
            "/projects/{project}/changes/{change}/reject",
            post(web::changes::reject),
        )
        .route("/projects/{project}/report", get(web::changes::report))
        .route(
            "/projects/{project}/report/sent",
            post(web::changes::mark_report_sent),
        )
        // web: risks
        .route(
            "/projects/{project}/risks",
            get(web::risks::risks).post(web::risks::add_risk),
        )
        .route(
            "/projects/{project}/risks/simulate",
            post(web::risks::simulate),
        )
        .route(
            "/projects/{project}/risks/{risk}",
            post(web::risks::edit_risk),
        )
        .route(
            "/projects/{project}/risks/{risk}/delete",
            post(web::risks::delete_risk),
        )
        // web: board
        .route("/projects/{project}/board", get(web::board::board))
        .route(
            "/projects/{project}/board/move",
            post(web::board::move_card),
        )
        .route(
            "/projects/{project}/board/columns",
            post(web::board::save_columns),
        )
        // web: tasks
        .route("/projects", post(web::tasks::create_project))
        .route("/projects/{project}/tasks", get(web::tasks::tasks))
        .route("/projects/{project}/tasks/rows", get(web::tasks::more_rows))
        .route("/projects/{project}/tasks/add", post(web::tasks::add_task))
        .route(
            "/projects/{project}/tasks/{task}/cells",
            post(web::tasks::save_cell),
        )
        .route(
            "/projects/{project}/tasks/{task}/actions",
            post(web::tasks::row_action),
        )
        // budget
        .route("/projects/{project}/budget", get(web::budget::budget_page))
        .route(
            "/projects/{project}/budget/baselines",
            post(web::budget::save_baseline),
        )
        .route(
            "/projects/{project}/budget/time-entries",
            post(web::budget::log_time),
        )
        .route("/static/{file}", get(web::assets::asset))
        .nest("/api/v1", api)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight (an acknowledged write is committed before its answer is sent, so none is lost).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
