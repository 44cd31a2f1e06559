//! The risks page (`/projects/{id}/risks`): the register by score, a 5×5 heat map of the open
//! risks (probability band × impact band), the issues (risks that occurred) apart, a form to add
//! or edit a risk (members; managers also delete), and the Monte Carlo panel: a form that runs
//! the simulation (htmx) and shows the finish and cost percentiles, the probability of meeting
//! the deadline, the histogram with its S-curve, the criticality indices and the tornado.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::risk::{Distribution, ThreePoint};
use gantry_store::{RiskFields, RiskStatus, RiskStrategy, Role, StoreError};
use serde::Deserialize;

use super::changes::money;
use super::{
    PageSession, csrf_refusal, error_page, project_for, redirect, render, sentence, shown_day,
};
use crate::error::ApiError;
use crate::risks::{
    RiskWire, by_score, check_iterations, parse_deadline, run_simulation, simulation_wire,
};
use crate::{AppState, Scheduled};

/// The probability bands, highest first, as the heat map's rows say them.
const PROBABILITY_BANDS: [&str; 5] = [
    "Very likely (70% and more)",
    "Likely (50–70%)",
    "Possible (30–50%)",
    "Unlikely (10–30%)",
    "Rare (under 10%)",
];

/// The impact bands, lowest first, as the heat map's columns say them.
const IMPACT_BANDS: [&str; 5] = ["Negligible", "Minor", "Moderate", "Major", "Severe"];

/// A risk as a row of the register.
struct RiskRow {
    id: i64,
    key: String,
    title: String,
    cause: String,
    event: String,
    effect: String,
    probability: String,
    delay: String,
    cost: String,
    owner: String,
    strategy: &'static str,
    contingency: String,
    trigger: String,
    tasks: String,
    score: u8,
    level: u8,
}

/// A cell of the heat map.
struct Cell {
    probability: u8,
    impact: u8,
    level: u8,
    risks: Vec<(i64, String, String)>,
}

/// The add/edit form's values, as typed.
#[derive(Debug, Default, Clone)]
struct RiskForm {
    id: Option<i64>,
    version: String,
    key: String,
    title: String,
    cause: String,
    event: String,
    effect: String,
    probability: String,
    delay_min: String,
    delay_likely: String,
    delay_max: String,
    cost: String,
    owner: String,
    strategy: String,
    contingency: String,
    trigger: String,
    status: String,
    tasks: Vec<String>,
}

impl RiskForm {
    fn from_pairs(pairs: &[(String, String)]) -> (RiskForm, Option<String>) {
        let mut form = RiskForm::default();
        let mut csrf = None;
        for (name, value) in pairs {
            let value = value.clone();
            match name.as_str() {
                "csrf_token" => csrf = Some(value),
                "version" => form.version = value,
                "key" => form.key = value,
                "title" => form.title = value,
                "cause" => form.cause = value,
                "event" => form.event = value,
                "effect" => form.effect = value,
                "probability" => form.probability = value,
                "delay_min" => form.delay_min = value,
                "delay_likely" => form.delay_likely = value,
                "delay_max" => form.delay_max = value,
                "cost" => form.cost = value,
                "owner" => form.owner = value,
                "strategy" => form.strategy = value,
                "contingency" => form.contingency = value,
                "trigger" => form.trigger = value,
                "status" => form.status = value,
                "tasks" if !value.is_empty() => form.tasks.push(value),
                _ => {}
            }
        }
        (form, csrf)
    }

    fn has_task(&self, id: &i64) -> bool {
        self.tasks.iter().any(|task| task == &id.to_string())
    }
}

/// An error of the form: the field it is about ("" for the form) and the words.
#[derive(Default)]
struct FormError {
    field: String,
    message: Option<String>,
}

impl FormError {
    fn on(&self, field: &str) -> Option<String> {
        self.message.clone().filter(|_| self.field == field)
    }

    fn at(field: &str, message: impl Into<String>) -> FormError {
        FormError {
            field: field.to_string(),
            message: Some(message.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "risks.html")]
struct RisksPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    role: &'static str,
    can_edit: bool,
    can_delete: bool,
    risks: Vec<RiskRow>,
    issues: Vec<RiskRow>,
    closed: Vec<RiskRow>,
    heat: Vec<(String, Vec<Cell>)>,
    impact_bands: Vec<&'static str>,
    minutes_per_day: i64,
    estimates: usize,
    form: RiskForm,
    editing: bool,
    members: Vec<(i64, String)>,
    tasks: Vec<(i64, String)>,
    strategies: Vec<&'static str>,
    statuses: Vec<&'static str>,
    errors: FormError,
    deadline: String,
}

impl RisksPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.on(field)
    }

    fn form_error(&self) -> Option<String> {
        const KNOWN: [&str; 10] = [
            "key",
            "title",
            "probability",
            "delay",
            "cost",
            "owner",
            "strategy",
            "status",
            "tasks",
            "version",
        ];
        self.errors
            .message
            .clone()
            .filter(|_| !KNOWN.contains(&self.errors.field.as_str()))
    }
}

/// The Monte Carlo panel's results.
#[derive(Template)]
#[template(path = "risks_simulation.html")]
struct SimulationPanel {
    error: Option<String>,
    result: Option<SimulationView>,
}

struct SimulationView {
    iterations: usize,
    seed: u64,
    elapsed_ms: u64,
    planned_finish: String,
    deadline: String,
    deadline_probability: String,
    finish: Vec<(&'static str, String)>,
    cost: Vec<(&'static str, String)>,
    svg: String,
    criticality: Vec<(String, String, f64)>,
    tornado: Vec<(String, String, f64, bool)>,
    estimates: usize,
    risks: usize,
}

fn days_text(minutes: i64, per_day: i64) -> String {
    let days = minutes as f64 / per_day.max(1) as f64;
    if (days - days.round()).abs() < 0.005 {
        format!("{:.0}", days.round())
    } else {
        format!("{days:.2}")
    }
}

fn risk_row(risk: &RiskWire, scheduled: &Scheduled) -> RiskRow {
    let stored = &scheduled.plan;
    let per_day = stored.plan.durations.minutes_per_day;
    let delay = if risk.delay.max == 0 {
        "none".to_string()
    } else if risk.delay.min == risk.delay.max {
        format!("{} d", days_text(risk.delay.likely, per_day))
    } else {
        format!(
            "{}/{}/{} d",
            days_text(risk.delay.min, per_day),
            days_text(risk.delay.likely, per_day),
            days_text(risk.delay.max, per_day)
        )
    };
    RiskRow {
        id: risk.id,
        key: risk.key.clone(),
        title: risk.title.clone(),
        cause: risk.cause.clone(),
        event: risk.event.clone(),
        effect: risk.effect.clone(),
        probability: format!("{:.0}%", risk.probability * 100.0),
        delay,
        cost: money(risk.cost),
        owner: risk.owner_name.clone().unwrap_or_default(),
        strategy: RiskStrategy::from_code(&risk.strategy).map_or("accept", RiskStrategy::code),
        contingency: risk.contingency.clone(),
        trigger: risk.trigger.clone(),
        tasks: risk
            .tasks
            .iter()
            .filter_map(|id| stored.task_index(*id))
            .map(|index| stored.plan.tasks[index].name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        score: risk.score,
        level: level(risk.score),
    }
}

/// The colour level (1 green … 5 red) of a score 1–25.
fn level(score: u8) -> u8 {
    match score {
        0..=3 => 1,
        4..=6 => 2,
        7..=11 => 3,
        12..=16 => 4,
        _ => 5,
    }
}

fn form_of(risk: &RiskWire, per_day: i64) -> RiskForm {
    RiskForm {
        id: Some(risk.id),
        version: risk.version.to_string(),
        key: risk.key.clone(),
        title: risk.title.clone(),
        cause: risk.cause.clone(),
        event: risk.event.clone(),
        effect: risk.effect.clone(),
        probability: risk.probability.to_string(),
        delay_min: if risk.delay.min == risk.delay.max {
            String::new()
        } else {
            days_text(risk.delay.min, per_day)
        },
        delay_likely: days_text(risk.delay.likely, per_day),
        delay_max: if risk.delay.min == risk.delay.max {
            String::new()
        } else {
            days_text(risk.delay.max, per_day)
        },
        cost: risk.cost.to_string(),
        owner: risk
            .owner
            .map(|owner| owner.to_string())
            .unwrap_or_default(),
        strategy: risk.strategy.clone(),
        contingency: risk.contingency.clone(),
        trigger: risk.trigger.clone(),
        status: risk.status.clone(),
        tasks: risk.tasks.iter().map(i64::to_string).collect(),
    }
}

fn blank_form() -> RiskForm {
    RiskForm {
        probability: String::new(),
        delay_likely: "0".into(),
        cost: "0".into(),
        strategy: "mitigate".into(),
        status: "open".into(),
        ..RiskForm::default()
    }
}

async fn risks_page(
    state: &AppState,
    session: gantry_store::Session,
    role: Role,
    scheduled: &Scheduled,
    form: Option<RiskForm>,
    errors: FormError,
    edit: Option<i64>,
) -> Response {
    let project = scheduled.plan.project_id;
    let (plan, register) = match state.store().risk_register(project).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "reading the risk register failed");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed; the details are in its log.",
            );
        }
    };
    let members = match state.store().members(project).await {
        Ok(members) => members
            .into_iter()
            .map(|member| (member.user_id, member.display_name))
            .collect(),
        Err(_) => Vec::new(),
    };
    let per_day = plan.plan.durations.minutes_per_day;
    let mut wires: Vec<RiskWire> = register
        .risks
        .into_iter()
        .map(|risk| RiskWire::new(risk, &plan.plan))
        .collect();
    by_score(&mut wires);
    let mut heat: Vec<(String, Vec<Cell>)> = PROBABILITY_BANDS
        .iter()
        .enumerate()
        .map(|(row, label)| {
            let probability = 5 - row as u8;
            let cells = (1..=5)
                .map(|impact| Cell {
                    probability,
                    impact,
                    level: level(probability * impact),
                    risks: Vec::new(),
                })
                .collect();
            (label.to_string(), cells)
        })
        .collect();
    let (mut risks, mut issues, mut closed) = (Vec::new(), Vec::new(), Vec::new());
    for wire in &wires {
        let row = risk_row(wire, scheduled);
        match RiskStatus::from_code(&wire.status) {
            Some(RiskStatus::Occurred) => issues.push(row),
            Some(RiskStatus::Closed) => closed.push(row),
            _ => {
                let cells = &mut heat[5 - wire.bands.probability as usize].1;
                cells[wire.bands.impact as usize - 1].risks.push((
                    wire.id,
                    wire.key.clone(),
                    wire.title.clone(),
                ));
                risks.push(row);
            }
        }
    }
    let editing_form = edit.and_then(|id| {
        wires
            .iter()
            .find(|risk| risk.id == id)
            .map(|risk| form_of(risk, per_day))
    });
    let editing = form.as_ref().is_some_and(|form| form.id.is_some()) || editing_form.is_some();
    let form = form.or(editing_form).unwrap_or_else(blank_form);
    let tasks = plan
        .plan
        .tasks
        .iter()
        .zip(&scheduled.schedule.tasks)
        .enumerate()
        .filter(|(_, (_, computed))| !computed.is_summary)
        .map(|(index, (task, _))| (plan.task_ids[index], task.name.clone()))
        .collect();
    let status = if errors.message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = RisksPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "risks",
        name: plan.plan.name.clone(),
        role: role.code(),
        can_edit: role >= Role::Member,
        can_delete: role >= Role::Manager,
        risks,
        issues,
        closed,
        heat,
        impact_bands: IMPACT_BANDS.to_vec(),
        minutes_per_day: per_day,
        estimates: register.estimates.len(),
        form,
        editing,
        members,
        tasks,
        strategies: RiskStrategy::ALL.iter().map(|s| s.code()).collect(),
        statuses: RiskStatus::ALL.iter().map(|s| s.code()).collect(),
        errors,
        deadline: String::new(),
    };
    (status, render(&page)).into_response()
}

/// `?edit=` of the risks page: the risk whose fields fill the form.
#[derive(Debug, Deserialize)]
pub struct RisksQuery {
    edit: Option<i64>,
}

/// `GET /projects/{id}/risks`.
pub async fn risks(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    Query(query): Query<RisksQuery>,
) -> Response {
    match project_for(&state, &session, project).await {
        Ok((role, scheduled)) => {
            risks_page(
                &state,
                session,
                role,
                &scheduled,
                None,
                FormError::default(),
                query.edit,
            )
            .await
        }
        Err(response) => response,
    }
}

fn number(field: &str, text: &str, what: &str) -> Result<Option<f64>, FormError> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    let (text, scale) = match text.strip_suffix('%') {
        Some(percent) => (percent.trim().to_string(), 0.01),
        None => (text, 1.0),
    };
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Some(value * scale)),
        _ => Err(FormError::at(field, format!("Write {what} as a number."))),
    }
}

/// The store's fields the form describes, or the error of the field at fault.
fn fields_from(form: &RiskForm, per_day: i64) -> Result<RiskFields, FormError> {
    let probability =
        number("probability", &form.probability, "the probability")?.ok_or_else(|| {
            FormError::at(
                "probability",
                "Give the probability, from 0 to 1 (0.3 or 30%).",
            )
        })?;
    let days = |text: &str| -> Result<Option<i64>, FormError> {
        Ok(number("delay", text, "the delay in working days")?
            .map(|days| (days * per_day as f64).round() as i64))
    };
    let likely = days(&form.delay_likely)?.unwrap_or(0);
    let delay = ThreePoint {
        min: days(&form.delay_min)?.unwrap_or(likely),
        likely,
        max: days(&form.delay_max)?.unwrap_or(likely),
        distribution: Distribution::Triangular,
    };
    let tasks = form
        .tasks
        .iter()
        .map(|task| {
            task.parse::<i64>()
                .map_err(|_| FormError::at("tasks", "That task no longer exists: reload the page."))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RiskFields {
        key: Some(form.key.trim().to_string()).filter(|key| !key.is_empty()),
        title: form.title.clone(),
        cause: form.cause.clone(),
        event: form.event.clone(),
        effect: form.effect.clone(),
        probability,
        delay,
        cost: number("cost", &form.cost, "the cost")?.unwrap_or(0.0),
        owner: form.owner.trim().parse::<i64>().ok(),
        strategy: RiskStrategy::from_code(&form.strategy)
            .ok_or_else(|| FormError::at("strategy", "Choose a response strategy."))?,
        contingency: form.contingency.clone(),
        trigger: form.trigger.clone(),
        status: RiskStatus::from_code(&form.status)
            .ok_or_else(|| FormError::at("status", "Choose a status."))?,
        tasks,
    })
}

/// A store refusal as a form error on the field it names.
fn refusal(error: StoreError) -> FormError {
    match ApiError::from(error) {
        ApiError::InvalidField { field, message } => FormError::at(&field, sentence(&message)),
        ApiError::Duplicate(message) => FormError::at("key", sentence(&message)),
        ApiError::Conflict { message, .. } => FormError::at(
            "",
            format!("Someone changed this risk meanwhile: reload the page. ({message})"),
        ),
        ApiError::InvalidPlan { message, .. } | ApiError::NotFound(message) => {
            FormError::at("", sentence(&message))
        }
        _ => FormError::at("", "The server failed; the details are in its log."),
    }
}

async fn writer(
    state: &AppState,
    session: &gantry_store::Session,
    headers: &HeaderMap,
    csrf_token: Option<&str>,
    project: i64,
    needed: Role,
    action: &str,
) -> Result<(Role, std::sync::Arc<Scheduled>), Response> {
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

async fn save(
    state: AppState,
    session: gantry_store::Session,
    headers: HeaderMap,
    project: i64,
    risk: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Response {
    let (mut form, csrf) = RiskForm::from_pairs(&pairs);
    form.id = risk;
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        csrf.as_deref(),
        project,
        Role::Member,
        "Editing the risk register",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let per_day = scheduled.plan.plan.durations.minutes_per_day;
    let outcome = match fields_from(&form, per_day) {
        Err(error) => Err(error),
        Ok(fields) => {
            let store = state.store();
            let user = Some(session.user.id);
            match risk {
                None => store.add_risk(project, user, fields).await.map(|_| ()),
                Some(id) => match form.version.trim().parse::<i64>() {
                    Ok(version) => store
                        .update_risk(project, user, id, version, fields)
                        .await
                        .map(|_| ()),
                    Err(_) => Err(StoreError::NotFound {
                        entity: "risk version",
                        id,
                    }),
                },
            }
            .map_err(refusal)
        }
    };
    match outcome {
        Ok(()) => redirect(&format!("/projects/{project}/risks")),
        Err(error) => risks_page(&state, session, role, &scheduled, Some(form), error, None).await,
    }
}

/// `POST /projects/{id}/risks`: adds a risk.
pub async fn add_risk(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(state, session, headers, project, None, pairs).await
}

/// `POST /projects/{id}/risks/{risk}`: saves an edited risk.
pub async fn edit_risk(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, risk)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(state, session, headers, project, Some(risk), pairs).await
}

/// The delete form.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf_token: Option<String>,
}

/// `POST /projects/{id}/risks/{risk}/delete` (manager).
pub async fn delete_risk(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, risk)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<DeleteForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Manager,
        "Deleting a risk",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .store()
        .delete_risk(project, Some(session.user.id), risk)
        .await
    {
        Ok(()) => redirect(&format!("/projects/{project}/risks")),
        Err(error) => {
            risks_page(
                &state,
                session,
                role,
                &scheduled,
                None,
                refusal(error),
                None,
            )
            .await
        }
    }
}

/// The simulation form.
#[derive(Debug, Deserialize)]
pub struct SimulateForm {
    csrf_token: Option<String>,
    #[serde(default)]
    iterations: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    deadline: String,
}

/// The panel, with the results or the error in words (answered 200 either way, so that htmx
/// swaps it in).
fn panel(error: Option<String>, result: Option<SimulationView>) -> Response {
    render(&SimulationPanel { error, result }).into_response()
}

/// `POST /projects/{id}/risks/simulate` (member; htmx): the Monte Carlo panel's results.
pub async fn simulate(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<SimulateForm>,
) -> Response {
    if let Err(response) = writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Member,
        "Running a simulation",
    )
    .await
    {
        return response;
    }
    let iterations = match form.iterations.trim() {
        "" => None,
        text => match text.replace([',', '_', ' '], "").parse::<u32>() {
            Ok(value) => Some(value),
            Err(_) => {
                return panel(
                    Some("Iterations: write a whole number from 1 to 20,000.".into()),
                    None,
                );
            }
        },
    };
    let iterations = match check_iterations(iterations) {
        Ok(value) => value,
        Err(error) => return panel(Some(format!("Iterations: {}.", message(error))), None),
    };
    let seed = match form.seed.trim() {
        "" => 1,
        text => match text.parse::<u32>() {
            Ok(value) => u64::from(value),
            Err(_) => {
                return panel(
                    Some(
                        "Seed: write a whole number (the same seed gives the same result).".into(),
                    ),
                    None,
                );
            }
        },
    };
    let deadline = match parse_deadline(&form.deadline) {
        Ok(deadline) => deadline,
        Err(error) => return panel(Some(format!("Deadline: {}.", message(error))), None),
    };
    let (plan, model, simulation, elapsed) =
        match run_simulation(&state, project, iterations, seed, deadline).await {
            Ok(found) => found,
            Err(error) => return panel(Some(message(error)), None),
        };
    let wire = simulation_wire(&plan, &model, &simulation, elapsed);
    let svg = gantry_report::simulation_svg(
        &simulation,
        &format!("{}: simulated finish", plan.plan.name),
    );
    let finish = &wire.finish;
    let view = SimulationView {
        iterations: wire.iterations,
        seed: wire.seed,
        elapsed_ms: wire.elapsed_ms,
        planned_finish: shown_day(&wire.planned_finish),
        deadline: shown_day(&wire.deadline),
        deadline_probability: format!("{:.0}%", wire.deadline_probability * 100.0),
        finish: vec![
            ("P10", shown_day(&finish.p10)),
            ("P50", shown_day(&finish.p50)),
            ("P80", shown_day(&finish.p80)),
            ("P90", shown_day(&finish.p90)),
        ],
        cost: wire
            .cost
            .as_ref()
            .map(|cost| {
                vec![
                    ("Planned", money(cost.planned)),
                    ("P10", money(cost.p10)),
                    ("P50", money(cost.p50)),
                    ("P80", money(cost.p80)),
                    ("P90", money(cost.p90)),
                ]
            })
            .unwrap_or_default(),
        svg,
        criticality: wire
            .criticality
            .iter()
            .take(10)
            .map(|task| {
                (
                    task.name.clone(),
                    format!("{:.0}%", task.index * 100.0),
                    task.index * 100.0,
                )
            })
            .collect(),
        tornado: wire
            .sensitivity
            .iter()
            .map(|task| {
                (
                    task.name.clone(),
                    format!("{:+.2}", task.correlation),
                    task.correlation.abs() * 100.0,
                    task.correlation < 0.0,
                )
            })
            .collect(),
        estimates: wire.estimates,
        risks: wire.risks,
    };
    panel(None, Some(view))
}

fn message(error: ApiError) -> String {
    match error {
        ApiError::InvalidField { message, .. }
        | ApiError::NotFound(message)
        | ApiError::Forbidden(message)
        | ApiError::Malformed(message) => message,
        _ => "The server failed; the details are in its log.".to_string(),
    }
}
