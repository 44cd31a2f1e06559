//! `/api/v1/projects/{project}/risks`, `…/estimates`, `…/tasks/{task}/estimate` and
//! `…/simulate`: the risk register, three-point estimates and the Monte Carlo simulation.
//!
//! Roles: anyone in the project reads; members add and edit risks and estimates (whoever works
//! on a project sees its risks first); managers delete risks; any member runs a simulation (it
//! writes nothing). A register risk is also a risk event of the simulation: its probability,
//! delay on its linked tasks and cost are drawn (open risks only).

// utoipa's `path` macro expands `params(…)` into fully qualified paths.
#![allow(unused_qualifications)]

use std::time::Instant as Clock;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gantry_core::model::{Plan, TaskId};
use gantry_core::risk::{Distribution, RiskModel, Simulation, SimulationOptions, ThreePoint};
use gantry_store::{RiskFields, RiskStatus, RiskStrategy, StoredEstimate, StoredPlan, StoredRisk};
use jiff::civil::{Date, DateTime, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::projects::{require, role};

/// The most iterations one simulation request may ask for.
pub const MAX_ITERATIONS: u32 = 20_000;
/// The iterations of a simulation when the request does not say.
pub const DEFAULT_ITERATIONS: u32 = 5_000;

/// A minimum, most likely and maximum number of working minutes, and the distribution between
/// them (min = likely = max: a fixed value).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreePointWire {
    /// The least it can be (working minutes).
    pub min: i64,
    /// The most likely value.
    pub likely: i64,
    /// The most it can be.
    pub max: i64,
    /// `triangular` (the default) or `pert`.
    #[serde(default)]
    pub distribution: Option<String>,
}

impl ThreePointWire {
    fn to_core(&self, field: &str) -> ApiResult<ThreePoint> {
        let distribution = match self.distribution.as_deref() {
            None | Some("") => Distribution::Triangular,
            Some(code) => Distribution::from_code(code).ok_or_else(|| {
                ApiError::field(
                    format!("{field}.distribution"),
                    format!("\"{code}\" is not a distribution: use triangular or pert"),
                )
            })?,
        };
        Ok(ThreePoint {
            min: self.min,
            likely: self.likely,
            max: self.max,
            distribution,
        })
    }
}

impl From<ThreePoint> for ThreePointWire {
    fn from(value: ThreePoint) -> Self {
        ThreePointWire {
            min: value.min,
            likely: value.likely,
            max: value.max,
            distribution: Some(value.distribution.code().to_string()),
        }
    }
}

/// A risk as sent to create or replace one.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    /// Short unique id in the project ("vendor-late"); made up ("R3") when left out.
    #[serde(default)]
    pub key: Option<String>,
    /// What people call it.
    pub title: String,
    /// Why it may happen.
    #[serde(default)]
    pub cause: String,
    /// What may happen.
    #[serde(default)]
    pub event: String,
    /// What it would do.
    #[serde(default)]
    pub effect: String,
    /// Probability that it happens, 0–1.
    pub probability: f64,
    /// The delay it adds to each linked task when it happens (none when left out).
    #[serde(default)]
    pub delay: Option<ThreePointWire>,
    /// What it costs when it happens.
    #[serde(default)]
    pub cost: f64,
    /// The member who watches it (user id).
    #[serde(default)]
    pub owner: Option<i64>,
    /// `avoid`, `mitigate`, `transfer` or `accept` (the default).
    #[serde(default)]
    pub strategy: Option<String>,
    /// What is done if it happens.
    #[serde(default)]
    pub contingency: String,
    /// The sign that it is happening.
    #[serde(default)]
    pub trigger: String,
    /// `open` (the default), `closed` or `occurred` (an issue).
    #[serde(default)]
    pub status: Option<String>,
    /// The tasks it delays (task ids).
    #[serde(default)]
    pub tasks: Vec<i64>,
    /// The risk's version as read: required to replace a risk, ignored on creation.
    #[serde(default)]
    pub version: Option<i64>,
}

impl RiskInput {
    /// The store's fields, or the field at fault.
    pub(crate) fn to_fields(&self) -> ApiResult<RiskFields> {
        let strategy = match self.strategy.as_deref() {
            None | Some("") => RiskStrategy::Accept,
            Some(code) => RiskStrategy::from_code(code).ok_or_else(|| {
                ApiError::field(
                    "strategy",
                    format!(
                        "\"{code}\" is not a response: use avoid, mitigate, transfer or accept"
                    ),
                )
            })?,
        };
        let status = match self.status.as_deref() {
            None | Some("") => RiskStatus::Open,
            Some(code) => RiskStatus::from_code(code).ok_or_else(|| {
                ApiError::field(
                    "status",
                    format!("\"{code}\" is not a status: use open, closed or occurred"),
                )
            })?,
        };
        Ok(RiskFields {
            key: self.key.clone().filter(|key| !key.trim().is_empty()),
            title: self.title.clone(),
            cause: self.cause.clone(),
            event: self.event.clone(),
            effect: self.effect.clone(),
            probability: self.probability,
            delay: match &self.delay {
                Some(delay) => delay.to_core("delay")?,
                None => ThreePoint::fixed(0),
            },
            cost: self.cost,
            owner: self.owner,
            strategy,
            contingency: self.contingency.clone(),
            trigger: self.trigger.clone(),
            status,
            tasks: self.tasks.clone(),
        })
    }
}

/// Where a risk falls on the 5×5 heat map (see [`probability_band`] and [`impact_band`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Bands {
    /// 1 (under 10%) to 5 (70% and more).
    pub probability: u8,
    /// 1 (negligible) to 5 (severe).
    pub impact: u8,
}

/// The probability band of a risk, 1–5: under 10%, 10–30%, 30–50%, 50–70%, 70% and more.
pub fn probability_band(probability: f64) -> u8 {
    match probability {
        p if p < 0.1 => 1,
        p if p < 0.3 => 2,
        p if p < 0.5 => 3,
        p if p < 0.7 => 4,
        _ => 5,
    }
}

/// The impact band of a risk, 1–5: the higher of its schedule band (the most likely delay:
/// under 1 working day, 1–5, 5–10, 10–20, 20 days and more) and its cost band (its cost as a
/// share of the project's planned cost: under 1%, 1–3%, 3–5%, 5–10%, 10% and more; band 1
/// when the project has no planned cost). A working day is `minutes_per_day` minutes.
pub fn impact_band(risk: &RiskFields, planned_cost: f64, minutes_per_day: i64) -> u8 {
    let days = risk.delay.likely as f64 / minutes_per_day.max(1) as f64;
    let schedule = match days {
        d if d < 1.0 => 1,
        d if d < 5.0 => 2,
        d if d < 10.0 => 3,
        d if d < 20.0 => 4,
        _ => 5,
    };
    let cost = if planned_cost > 0.0 {
        match risk.cost / planned_cost {
            s if s < 0.01 => 1,
            s if s < 0.03 => 2,
            s if s < 0.05 => 3,
            s if s < 0.10 => 4,
            _ => 5,
        }
    } else {
        1
    };
    schedule.max(cost)
}

/// The bands of a risk.
pub fn bands(risk: &RiskFields, planned_cost: f64, minutes_per_day: i64) -> Bands {
    Bands {
        probability: probability_band(risk.probability),
        impact: impact_band(risk, planned_cost, minutes_per_day),
    }
}

/// A risk of the register.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskWire {
    /// Row id.
    pub id: i64,
    /// Short unique id in the project.
    pub key: String,
    /// What people call it.
    pub title: String,
    /// Why it may happen.
    pub cause: String,
    /// What may happen.
    pub event: String,
    /// What it would do.
    pub effect: String,
    /// Probability, 0–1.
    pub probability: f64,
    /// The delay on each linked task (working minutes).
    pub delay: ThreePointWire,
    /// The cost when it happens.
    pub cost: f64,
    /// The owner (user id).
    pub owner: Option<i64>,
    /// The owner's username.
    pub owner_name: Option<String>,
    /// avoid, mitigate, transfer or accept.
    pub strategy: String,
    /// The contingency plan.
    pub contingency: String,
    /// The trigger.
    pub trigger: String,
    /// open, closed or occurred.
    pub status: String,
    /// The linked tasks (task ids).
    pub tasks: Vec<i64>,
    /// Its cell on the 5×5 heat map.
    pub bands: Bands,
    /// Probability band × impact band, 1–25: the register's order.
    pub score: u8,
    /// Row version.
    pub version: i64,
}

impl RiskWire {
    pub(crate) fn new(risk: StoredRisk, plan: &Plan) -> RiskWire {
        let bands = bands(
            &risk.fields,
            planned_cost(plan),
            plan.durations.minutes_per_day,
        );
        let fields = risk.fields;
        RiskWire {
            id: risk.id,
            key: risk.key,
            title: fields.title,
            cause: fields.cause,
            event: fields.event,
            effect: fields.effect,
            probability: fields.probability,
            delay: fields.delay.into(),
            cost: fields.cost,
            owner: fields.owner,
            owner_name: risk.owner_name,
            strategy: fields.strategy.code().to_string(),
            contingency: fields.contingency,
            trigger: fields.trigger,
            status: fields.status.code().to_string(),
            tasks: fields.tasks,
            bands,
            score: bands.probability * bands.impact,
            version: risk.version,
        }
    }
}

/// Orders risks by score, then probability, highest first (then by id).
pub(crate) fn by_score(risks: &mut [RiskWire]) {
    risks.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.probability.total_cmp(&a.probability))
            .then(a.id.cmp(&b.id))
    });
}

/// A task's three-point estimate.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EstimateWire {
    /// The task id.
    pub task: i64,
    /// The task's key.
    pub task_key: String,
    /// Its duration (working minutes).
    pub duration: ThreePointWire,
    /// Row version.
    pub version: i64,
}

fn estimate_wire(plan: &StoredPlan, estimate: StoredEstimate) -> EstimateWire {
    EstimateWire {
        task: estimate.task,
        task_key: plan
            .task_index(estimate.task)
            .map(|index| plan.plan.tasks[index].key.clone())
            .unwrap_or_default(),
        duration: estimate.duration.into(),
        version: estimate.version,
    }
}

/// A task's estimate as sent.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateInput {
    /// The duration (working minutes).
    pub duration: ThreePointWire,
    /// The estimate's version as read, when replacing one (a conflict if it moved on).
    #[serde(default)]
    pub version: Option<i64>,
}

/// How to simulate.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    /// Iterations, 1 to 20,000 (5,000 when left out).
    #[serde(default)]
    pub iterations: Option<u32>,
    /// Seed: the same seed gives the same result (1 when left out).
    #[serde(default)]
    pub seed: Option<u32>,
    /// The date to finish by (`2026-06-30`, or a date and time); the planned finish when left
    /// out.
    #[serde(default)]
    pub deadline: Option<String>,
}

/// Percentiles of the simulated finish (civil date-times).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FinishWire {
    /// 10% finish by then.
    pub p10: String,
    /// The median.
    pub p50: String,
    /// 80% finish by then.
    pub p80: String,
    /// 90% finish by then.
    pub p90: String,
    /// The earliest drawn.
    pub min: String,
    /// The latest drawn.
    pub max: String,
    /// The finish at the mean duration.
    pub mean: String,
}

/// Percentiles of the simulated cost.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CostWire {
    /// With the planned durations and no risk.
    pub planned: f64,
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 80th percentile.
    pub p80: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Mean.
    pub mean: f64,
}

/// A task's share of iterations in which it was critical.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CriticalityWire {
    /// Task id.
    pub task: i64,
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// 0–1.
    pub index: f64,
}

/// How strongly a task's duration drives the finish (a tornado bar).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SensitivityWire {
    /// Task id.
    pub task: i64,
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Spearman rank correlation with the finish, −1 to 1.
    pub correlation: f64,
}

/// One bar of the finish histogram.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistogramBinWire {
    /// Start of the bin.
    pub from: String,
    /// End of the bin.
    pub to: String,
    /// Iterations finishing in it.
    pub count: usize,
    /// Share finishing by its end (the S-curve), 0–1.
    pub cumulative: f64,
}

/// What a simulation found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SimulationWire {
    /// Iterations run.
    pub iterations: usize,
    /// The seed.
    pub seed: u64,
    /// The planned (deterministic) finish.
    pub planned_finish: String,
    /// The finish percentiles.
    pub finish: FinishWire,
    /// The deadline measured against.
    pub deadline: String,
    /// Share of iterations finishing by the deadline, 0–1.
    pub deadline_probability: f64,
    /// Cost percentiles, when the plan has costs.
    pub cost: Option<CostWire>,
    /// Tasks critical in some iteration, most often critical first (at most 20).
    pub criticality: Vec<CriticalityWire>,
    /// Tasks whose duration varied, most sensitive first (at most 10).
    pub sensitivity: Vec<SensitivityWire>,
    /// Histogram of finish dates.
    pub histogram: Vec<HistogramBinWire>,
    /// Estimates, risks and groups simulated.
    pub estimates: usize,
    /// Open risks simulated.
    pub risks: usize,
    /// Wall-clock time of the simulation, in milliseconds.
    pub elapsed_ms: u64,
}

fn civil(instant: gantry_core::Instant) -> String {
    instant.to_civil().to_string()
}

/// Turns a simulation into its wire form.
pub(crate) fn simulation_wire(
    stored: &StoredPlan,
    model: &RiskModel,
    simulation: &Simulation,
    elapsed_ms: u64,
) -> SimulationWire {
    let plan = &stored.plan;
    let summary = plan.summary_flags();
    let task = |id: TaskId| {
        let index = id.index();
        (
            stored.task_ids[index],
            plan.tasks[index].key.clone(),
            plan.tasks[index].name.clone(),
        )
    };
    let mut criticality: Vec<CriticalityWire> = simulation
        .criticality
        .iter()
        .enumerate()
        .filter(|&(index, &share)| !summary[index] && share > 0.0)
        .map(|(index, &share)| {
            let (id, key, name) = task(TaskId(index as u32));
            CriticalityWire {
                task: id,
                key,
                name,
                index: share,
            }
        })
        .collect();
    criticality.sort_by(|a, b| b.index.total_cmp(&a.index).then(a.task.cmp(&b.task)));
    criticality.truncate(20);
    let finish = &simulation.finish;
    SimulationWire {
        iterations: simulation.iterations,
        seed: simulation.seed,
        planned_finish: civil(simulation.planned_finish),
        finish: FinishWire {
            p10: civil(finish.p10),
            p50: civil(finish.p50),
            p80: civil(finish.p80),
            p90: civil(finish.p90),
            min: civil(finish.min),
            max: civil(finish.max),
            mean: civil(finish.mean),
        },
        deadline: civil(simulation.deadline),
        deadline_probability: simulation.deadline_probability,
        cost: simulation.cost.as_ref().map(|cost| CostWire {
            planned: cost.planned,
            p10: cost.p10,
            p50: cost.p50,
            p80: cost.p80,
            p90: cost.p90,
            mean: cost.mean,
        }),
        criticality,
        sensitivity: simulation
            .sensitivity
            .iter()
            .take(10)
            .map(|sensitivity| {
                let (id, key, name) = task(sensitivity.task);
                SensitivityWire {
                    task: id,
                    key,
                    name,
                    correlation: sensitivity.correlation,
                }
            })
            .collect(),
        histogram: simulation
            .histogram
            .iter()
            .map(|bin| HistogramBinWire {
                from: civil(bin.from),
                to: civil(bin.to),
                count: bin.count,
                cumulative: bin.cumulative,
            })
            .collect(),
        estimates: model.estimates.len(),
        risks: model.risks.len(),
        elapsed_ms,
    }
}

/// Reads a deadline: a date (the end of that day) or a date and time.
pub(crate) fn parse_deadline(text: &str) -> ApiResult<Option<DateTime>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(datetime) = text.parse::<DateTime>()
        && text.contains('T')
    {
        return Ok(Some(datetime));
    }
    text.parse::<Date>()
        .map(|date| Some(date.to_datetime(Time::constant(23, 59, 0, 0))))
        .map_err(|_| {
            ApiError::field(
                "deadline",
                format!("\"{text}\" is not a date: write it as 2026-06-30"),
            )
        })
}

/// Checks the iterations asked for.
pub(crate) fn check_iterations(iterations: Option<u32>) -> ApiResult<usize> {
    match iterations.unwrap_or(DEFAULT_ITERATIONS) {
        0 => Err(ApiError::field(
            "iterations",
            "the number of iterations must be at least 1",
        )),
        n if n > MAX_ITERATIONS => Err(ApiError::field(
            "iterations",
            format!("at most {MAX_ITERATIONS} iterations per run, not {n}"),
        )),
        n => Ok(n as usize),
    }
}

/// Runs a simulation of a project off the async runtime's workers.
pub(crate) async fn run_simulation(
    state: &AppState,
    project: i64,
    iterations: usize,
    seed: u64,
    deadline: Option<DateTime>,
) -> ApiResult<(StoredPlan, RiskModel, Simulation, u64)> {
    let (stored, model) = state.store().risk_model(project).await?;
    let options = SimulationOptions {
        iterations,
        seed,
        deadline,
        ..SimulationOptions::default()
    };
    let (stored, model, result, elapsed) = tokio::task::spawn_blocking(move || {
        let started = Clock::now();
        let result = gantry_core::risk::simulate(&stored.plan, &model, &options);
        let elapsed = started.elapsed().as_millis() as u64;
        (stored, model, result, elapsed)
    })
    .await
    .map_err(|error| {
        tracing::error!("the simulation of project {project} stopped: {error}");
        ApiError::Internal
    })?;
    let simulation = result.map_err(|error| ApiError::field("risks", error.to_string()))?;
    Ok((stored, model, simulation, elapsed))
}

/// The planned cost of a plan, for the cost bands.
pub(crate) fn planned_cost(plan: &Plan) -> f64 {
    gantry_store::plan_cost(plan)
}

/// The risk register of a project, highest score first.
#[utoipa::path(get, path = "/api/v1/projects/{project}/risks", tag = "risks",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [RiskWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project, or not visible to the caller", body = ErrorBody)))]
pub async fn list_risks(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<RiskWire>>> {
    role(&state, &current, project).await?;
    let (plan, register) = state.store().risk_register(project).await?;
    let mut risks: Vec<RiskWire> = register
        .risks
        .into_iter()
        .map(|risk| RiskWire::new(risk, &plan.plan))
        .collect();
    by_score(&mut risks);
    Ok(Json(risks))
}

/// Adds a risk to the register (member). Every field is checked; the one at fault is named.
#[utoipa::path(post, path = "/api/v1/projects/{project}/risks", tag = "risks",
    params(("project" = i64, Path, description = "Project id")), request_body = RiskInput,
    responses((status = 201, description = "Created", body = RiskWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project, or not visible to the caller", body = ErrorBody), (status = 409, description = "The key is taken", body = ErrorBody), (status = 422, description = "A field is invalid: the field is named", body = ErrorBody)))]
pub async fn create_risk(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<RiskInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RiskWire>)> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        gantry_store::Role::Member,
        "adding a risk",
    )
    .await?;
    let risk = state
        .store()
        .add_risk(project, Some(current.user.id), input.to_fields()?)
        .await?;
    let plan = state.store().plan(project).await?;
    Ok((StatusCode::CREATED, Json(RiskWire::new(risk, &plan.plan))))
}

/// One risk.
#[utoipa::path(get, path = "/api/v1/projects/{project}/risks/{risk}", tag = "risks",
    params(("project" = i64, Path, description = "Project id"), ("risk" = i64, Path, description = "Risk id")),
    responses((status = 200, description = "Success", body = RiskWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or risk, or not visible to the caller", body = ErrorBody)))]
pub async fn get_risk(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, risk)): Path<(i64, i64)>,
) -> ApiResult<Json<RiskWire>> {
    role(&state, &current, project).await?;
    let risk = state.store().risk(project, risk).await?;
    let plan = state.store().plan(project).await?;
    Ok(Json(RiskWire::new(risk, &plan.plan)))
}

/// Replaces a risk's fields (member), if it is still at `version`.
#[utoipa::path(put, path = "/api/v1/projects/{project}/risks/{risk}", tag = "risks",
    params(("project" = i64, Path, description = "Project id"), ("risk" = i64, Path, description = "Risk id")), request_body = RiskInput,
    responses((status = 200, description = "Replaced", body = RiskWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or risk, or not visible to the caller", body = ErrorBody), (status = 409, description = "The risk changed since the client read it, or the key is taken", body = ErrorBody), (status = 422, description = "A field is invalid: the field is named", body = ErrorBody)))]
pub async fn update_risk(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, risk)): Path<(i64, i64)>,
    payload: Result<Json<RiskInput>, JsonRejection>,
) -> ApiResult<Json<RiskWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        gantry_store::Role::Member,
        "editing a risk",
    )
    .await?;
    let version = input.version.ok_or_else(|| {
        ApiError::field("version", "send the risk's version as read to replace it")
    })?;
    let updated = state
        .store()
        .update_risk(
            project,
            Some(current.user.id),
            risk,
            version,
            input.to_fields()?,
        )
        .await?;
    let plan = state.store().plan(project).await?;
    Ok(Json(RiskWire::new(updated, &plan.plan)))
}

/// Deletes a risk (manager).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/risks/{risk}", tag = "risks",
    params(("project" = i64, Path, description = "Project id"), ("risk" = i64, Path, description = "Risk id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or risk, or not visible to the caller", body = ErrorBody)))]
pub async fn delete_risk(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, risk)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(
        &state,
        &current,
        project,
        gantry_store::Role::Manager,
        "deleting a risk",
    )
    .await?;
    state
        .store()
        .delete_risk(project, Some(current.user.id), risk)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The three-point estimates of a project's tasks, in plan order.
#[utoipa::path(get, path = "/api/v1/projects/{project}/estimates", tag = "risks",
    params(("project" = i64, Path, description = "Project id")),
    responses((status = 200, description = "Success", body = [EstimateWire]), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project, or not visible to the caller", body = ErrorBody)))]
pub async fn list_estimates(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
) -> ApiResult<Json<Vec<EstimateWire>>> {
    role(&state, &current, project).await?;
    let (plan, register) = state.store().risk_register(project).await?;
    Ok(Json(
        register
            .estimates
            .into_iter()
            .map(|estimate| estimate_wire(&plan, estimate))
            .collect(),
    ))
}

/// Sets a task's three-point estimate (member): min ≤ likely ≤ max, on a task that is not a
/// summary.
#[utoipa::path(put, path = "/api/v1/projects/{project}/tasks/{task}/estimate", tag = "risks",
    params(("project" = i64, Path, description = "Project id"), ("task" = i64, Path, description = "Task id")), request_body = EstimateInput,
    responses((status = 200, description = "Set", body = EstimateWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or task, or not visible to the caller", body = ErrorBody), (status = 409, description = "The estimate changed since the client read it", body = ErrorBody), (status = 422, description = "A field is invalid: the field is named", body = ErrorBody)))]
pub async fn put_estimate(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, task)): Path<(i64, i64)>,
    payload: Result<Json<EstimateInput>, JsonRejection>,
) -> ApiResult<Json<EstimateWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        gantry_store::Role::Member,
        "estimating a task",
    )
    .await?;
    let duration = input.duration.to_core("duration")?;
    let estimate = state
        .store()
        .set_estimate(
            project,
            Some(current.user.id),
            task,
            input.version,
            duration,
        )
        .await?;
    let plan = state.store().plan(project).await?;
    Ok(Json(estimate_wire(&plan, estimate)))
}

/// Removes a task's three-point estimate (member).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/tasks/{task}/estimate", tag = "risks",
    params(("project" = i64, Path, description = "Project id"), ("task" = i64, Path, description = "Task id")),
    responses((status = 204, description = "Removed"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project or estimate, or not visible to the caller", body = ErrorBody), (status = 422, description = "The task is in a correlation group, which needs its estimate", body = ErrorBody)))]
pub async fn delete_estimate(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((project, task)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(
        &state,
        &current,
        project,
        gantry_store::Role::Member,
        "removing an estimate",
    )
    .await?;
    state
        .store()
        .delete_estimate(project, Some(current.user.id), task)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a Monte Carlo simulation of the project's schedule and cost (member; nothing is
/// written): the estimates, the open risks and the correlation groups, `iterations` times
/// (at most 20,000), seeded so that the same seed gives the same result.
#[utoipa::path(post, path = "/api/v1/projects/{project}/simulate", tag = "risks",
    params(("project" = i64, Path, description = "Project id")), request_body = SimulateInput,
    responses((status = 200, description = "The results", body = SimulationWire), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "The caller's role does not allow it (or a cookie write without its CSRF token)", body = ErrorBody), (status = 404, description = "No such project, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field is invalid (iterations, deadline), or the risk model does not fit the plan", body = ErrorBody)))]
pub async fn simulate(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    payload: Result<Json<SimulateInput>, JsonRejection>,
) -> ApiResult<Json<SimulationWire>> {
    let Json(input) = payload?;
    require(
        &state,
        &current,
        project,
        gantry_store::Role::Member,
        "running a simulation",
    )
    .await?;
    let iterations = check_iterations(input.iterations)?;
    let deadline = match input.deadline.as_deref() {
        Some(text) => parse_deadline(text)?,
        None => None,
    };
    let seed = u64::from(input.seed.unwrap_or(1));
    let (plan, model, simulation, elapsed) =
        run_simulation(&state, project, iterations, seed, deadline).await?;
    Ok(Json(simulation_wire(&plan, &model, &simulation, elapsed)))
}
