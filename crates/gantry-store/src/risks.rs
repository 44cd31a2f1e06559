//! The risk register, and what else a project's Monte Carlo simulation needs: three-point
//! estimates of task durations and correlation groups. Together they are the project's
//! [`RiskModel`] ([`Store::risk_model`]).
//!
//! A register entry IS a risk event of the simulation: its probability, the delay it adds to its
//! linked tasks and its cost are what the simulation draws; the register's other fields (cause,
//! event, effect, owner, response strategy, contingency plan, trigger, status) are for people.
//! Only open risks are simulated: a closed risk can no longer happen, and an occurred one (an
//! issue) is a fact to plan for, no longer a chance.
//!
//! Rows name tasks by row id, so that links follow a task moved in the WBS; a deleted task drops
//! out of the lists when they are read. Every write checks its input against the plan (a task
//! that does not exist, a summary task, a probability outside 0–1, an estimate out of order are
//! refused with the field named, and nothing is stored), checks the row's version, and records
//! the change in the project's history.

use std::collections::HashMap;

use gantry_core::model::{Plan, TaskId};
use gantry_core::risk::{
    CorrelationGroup, Delay, Distribution, Estimate, RiskEvent, RiskModel, ThreePoint, validate,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::history::{self, FieldChange, Record};
use crate::plan_rows::StoredPlan;
use crate::store::{Store, get_f64};

/// How a risk is responded to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RiskStrategy {
    /// Change the plan so that it cannot happen.
    Avoid,
    /// Make it less likely or less harmful.
    Mitigate,
    /// Hand it to someone else (insurance, a contract).
    Transfer,
    /// Live with it (and keep a contingency).
    Accept,
}

impl RiskStrategy {
    /// Every strategy, in the order forms list them.
    pub const ALL: [RiskStrategy; 4] = [
        RiskStrategy::Avoid,
        RiskStrategy::Mitigate,
        RiskStrategy::Transfer,
        RiskStrategy::Accept,
    ];

    /// The word stored and shown: `avoid`, `mitigate`, `transfer`, `accept`.
    pub fn code(self) -> &'static str {
        match self {
            RiskStrategy::Avoid => "avoid",
            RiskStrategy::Mitigate => "mitigate",
            RiskStrategy::Transfer => "transfer",
            RiskStrategy::Accept => "accept",
        }
    }

    /// The strategy a word names.
    pub fn from_code(code: &str) -> Option<RiskStrategy> {
        RiskStrategy::ALL
            .into_iter()
            .find(|strategy| strategy.code() == code)
    }
}

/// Where a risk stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RiskStatus {
    /// It may still happen (the only status the simulation draws).
    Open,
    /// It can no longer happen.
    Closed,
    /// It happened: an issue.
    Occurred,
}

impl RiskStatus {
    /// Every status, in the order forms list them.
    pub const ALL: [RiskStatus; 3] = [RiskStatus::Open, RiskStatus::Closed, RiskStatus::Occurred];

    /// The word stored and shown: `open`, `closed`, `occurred`.
    pub fn code(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Closed => "closed",
            RiskStatus::Occurred => "occurred",
        }
    }

    /// The status a word names.
    pub fn from_code(code: &str) -> Option<RiskStatus> {
        RiskStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }
}

/// A risk as written: what a new risk or an update gives.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskFields {
    /// A short unique id in the project ("vendor-late"); made up ("R3") when `None`.
    pub key: Option<String>,
    /// What people call it.
    pub title: String,
    /// Why it may happen.
    pub cause: String,
    /// What may happen.
    pub event: String,
    /// What it would do to the project.
    pub effect: String,
    /// Probability that it happens, 0–1.
    pub probability: f64,
    /// The delay it adds to each linked task, in working minutes (min = likely = max for a
    /// fixed delay; 0 for none).
    pub delay: ThreePoint,
    /// What it costs when it happens.
    pub cost: f64,
    /// The member who watches it (a user id).
    pub owner: Option<i64>,
    /// How it is responded to.
    pub strategy: RiskStrategy,
    /// What is done if it happens.
    pub contingency: String,
    /// The sign that it is happening.
    pub trigger: String,
    /// Open, closed or occurred.
    pub status: RiskStatus,
    /// The tasks it delays (task row ids).
    pub tasks: Vec<i64>,
}

/// A risk of the register as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRisk {
    /// Row id.
    pub id: i64,
    /// Its key, unique in the project.
    pub key: String,
    /// The fields (with `key` set).
    pub fields: RiskFields,
    /// The owner's username, when there is an owner.
    pub owner_name: Option<String>,
    /// Row version, raised by every update.
    pub version: i64,
}

/// A task's three-point estimate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEstimate {
    /// The task's row id.
    pub task: i64,
    /// Its duration, in working minutes.
    pub duration: ThreePoint,
    /// Row version, raised by every update.
    pub version: i64,
}

/// A correlation group as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCorrelation {
    /// Row id.
    pub id: i64,
    /// What ties the tasks.
    pub name: String,
    /// The correlation, 0–1.
    pub coefficient: f64,
    /// The tasks (row ids).
    pub tasks: Vec<i64>,
}

/// Everything of a project's risk model as stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskRegister {
    /// The risks, in the order they were added.
    pub risks: Vec<StoredRisk>,
    /// The estimates, by task row id.
    pub estimates: Vec<StoredEstimate>,
    /// The correlation groups.
    pub correlations: Vec<StoredCorrelation>,
}

const MAX_TEXT: usize = 5_000;
const MAX_TITLE: usize = 200;

fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(StoreError::invalid(
            Some(field),
            format!("the {field} cannot be empty"),
        ));
    }
    if value.chars().count() > max {
        return Err(StoreError::invalid(
            Some(field),
            format!("the {field} is longer than {max} characters"),
        ));
    }
    Ok(value.to_string())
}

fn check_three_point(field: &'static str, value: &ThreePoint) -> Result<()> {
    if value.min < 0 {
        return Err(StoreError::invalid(
            Some(field),
            format!("the {field} cannot be negative (min {} minutes)", value.min),
        ));
    }
    if !(value.min <= value.likely && value.likely <= value.max) {
        return Err(StoreError::invalid(
            Some(field),
            format!(
                "the {field} needs min ≤ most likely ≤ max (min {}, most likely {}, max {} minutes)",
                value.min, value.likely, value.max
            ),
        ));
    }
    Ok(())
}

fn check_tasks(plan: &StoredPlan, tasks: &[i64], delay: &ThreePoint) -> Result<Vec<i64>> {
    let summary = plan.plan.summary_flags();
    let mut seen = Vec::new();
    for &task in tasks {
        let index = plan.task_index(task).ok_or_else(|| {
            StoreError::invalid(Some("tasks"), format!("task {task} does not exist"))
        })?;
        if summary[index] && delay.max > 0 {
            return Err(StoreError::invalid(
                Some("tasks"),
                format!(
                    "\"{}\" is a summary task: link the risk to its subtasks",
                    plan.plan.tasks[index].name
                ),
            ));
        }
        if !seen.contains(&task) {
            seen.push(task);
        }
    }
    Ok(seen)
}

/// Checks a risk's fields (with the field at fault named) and returns them cleaned up.
fn check_risk(plan: &StoredPlan, fields: &RiskFields) -> Result<RiskFields> {
    let title = text("title", &fields.title, MAX_TITLE, true)?;
    if !(fields.probability.is_finite() && (0.0..=1.0).contains(&fields.probability)) {
        return Err(StoreError::invalid(
            Some("probability"),
            format!(
                "the probability must be between 0 and 1, not {}",
                fields.probability
            ),
        ));
    }
    check_three_point("delay", &fields.delay)?;
    if !(fields.cost.is_finite() && fields.cost >= 0.0) {
        return Err(StoreError::invalid(
            Some("cost"),
            format!("the cost cannot be negative ({})", fields.cost),
        ));
    }
    let key = match &fields.key {
        Some(key) => {
            let key = text("key", key, 60, true)?;
            if key.chars().any(char::is_whitespace) {
                return Err(StoreError::invalid(
                    Some("key"),
                    format!("the key \"{key}\" cannot contain spaces"),
                ));
            }
            Some(key)
        }
        None => None,
    };
    Ok(RiskFields {
        key,
        title,
        cause: text("cause", &fields.cause, MAX_TEXT, false)?,
        event: text("event", &fields.event, MAX_TEXT, false)?,
        effect: text("effect", &fields.effect, MAX_TEXT, false)?,
        probability: fields.probability,
        delay: fields.delay,
        cost: fields.cost,
        owner: fields.owner,
        strategy: fields.strategy,
        contingency: text("contingency", &fields.contingency, MAX_TEXT, false)?,
        trigger: text("trigger", &fields.trigger, MAX_TEXT, false)?,
        status: fields.status,
        tasks: check_tasks(plan, &fields.tasks, &fields.delay)?,
    })
}

fn ids_json(ids: &[i64]) -> Result<String> {
    serde_json::to_string(ids).map_err(|error| StoreError::Corrupt(error.to_string()))
}

fn ids_from(row: &AnyRow, column: &str) -> Result<Vec<i64>> {
    let json: String = row.try_get(column)?;
    serde_json::from_str(&json)
        .map_err(|error| StoreError::Corrupt(format!("{column} of a risk row: {error}")))
}

fn distribution(code: &str) -> Result<Distribution> {
    Distribution::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("distribution \"{code}\"")))
}

fn risk_from(row: &AnyRow) -> Result<StoredRisk> {
    let strategy: String = row.try_get("strategy")?;
    let status: String = row.try_get("status")?;
    let key: String = row.try_get("risk_key")?;
    let delay_distribution: String = row.try_get("delay_distribution")?;
    Ok(StoredRisk {
        id: row.try_get("id")?,
        key: key.clone(),
        fields: RiskFields {
            key: Some(key),
            title: row.try_get("title")?,
            cause: row.try_get("cause")?,
            event: row.try_get("event")?,
            effect: row.try_get("effect")?,
            probability: get_f64(row, "probability")?,
            delay: ThreePoint {
                min: row.try_get("delay_min")?,
                likely: row.try_get("delay_likely")?,
                max: row.try_get("delay_max")?,
                distribution: distribution(&delay_distribution)?,
            },
            cost: get_f64(row, "cost")?,
            owner: row.try_get("owner_id")?,
            strategy: RiskStrategy::from_code(&strategy)
                .ok_or_else(|| StoreError::Corrupt(format!("risk strategy \"{strategy}\"")))?,
            contingency: row.try_get("contingency")?,
            trigger: row.try_get("risk_trigger")?,
            status: RiskStatus::from_code(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("risk status \"{status}\"")))?,
            tasks: ids_from(row, "tasks")?,
        },
        owner_name: row.try_get("owner_name")?,
        version: row.try_get("version")?,
    })
}

const SELECT_RISKS: &str = "SELECT r.id, r.risk_key, r.title, r.cause, r.event, r.effect, \
     r.probability, r.delay_min, r.delay_likely, r.delay_max, r.delay_distribution, r.cost, \
     r.owner_id, u.username AS owner_name, r.strategy, r.contingency, r.risk_trigger, r.status, \
     r.tasks, r.version FROM risks r LEFT JOIN users u ON u.id = r.owner_id";

/// The history's view of a risk's fields, to compare before and after.
fn describe(fields: &RiskFields) -> Vec<(&'static str, String)> {
    let three_point = |value: &ThreePoint| {
        if value.min == value.max {
            value.min.to_string()
        } else {
            format!(
                "{}/{}/{} {}",
                value.min, value.likely, value.max, value.distribution
            )
        }
    };
    vec![
        ("key", fields.key.clone().unwrap_or_default()),
        ("title", fields.title.clone()),
        ("cause", fields.cause.clone()),
        ("event", fields.event.clone()),
        ("effect", fields.effect.clone()),
        ("probability", fields.probability.to_string()),
        ("delay_minutes", three_point(&fields.delay)),
        ("cost", fields.cost.to_string()),
        (
            "owner",
            fields
                .owner
                .map(|owner| owner.to_string())
                .unwrap_or_default(),
        ),
        ("strategy", fields.strategy.code().to_string()),
        ("contingency", fields.contingency.clone()),
        ("trigger", fields.trigger.clone()),
        ("status", fields.status.code().to_string()),
        (
            "tasks",
            fields
                .tasks
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
    ]
}

fn changes_between(before: Option<&RiskFields>, after: Option<&RiskFields>) -> Vec<FieldChange> {
    let before = before.map(describe);
    let after = after.map(describe);
    let count = before.as_ref().or(after.as_ref()).map_or(0, Vec::len);
    (0..count)
        .filter_map(|index| {
            let old = before.as_ref().map(|fields| fields[index].clone());
            let new = after.as_ref().map(|fields| fields[index].clone());
            let field = old.as_ref().or(new.as_ref())?.0;
            if old.as_ref().map(|pair| &pair.1) == new.as_ref().map(|pair| &pair.1) {
                return None;
            }
            Some(FieldChange {
                field: field.to_string(),
                old: old.map(|pair| pair.1),
                new: new.map(|pair| pair.1),
            })
        })
        .collect()
}

/// The model the simulation runs on: the open risks, the estimates and the groups of a register,
/// with row ids turned into plan indexes (ids of deleted tasks are skipped).
pub fn risk_model(plan: &StoredPlan, register: &RiskRegister) -> RiskModel {
    let index = |id: &i64| plan.task_index(*id).map(|index| TaskId(index as u32));
    RiskModel {
        estimates: register
            .estimates
            .iter()
            .filter_map(|estimate| {
                Some(Estimate {
                    task: index(&estimate.task)?,
                    duration: estimate.duration,
                })
            })
            .collect(),
        risks: register
            .risks
            .iter()
            .filter(|risk| risk.fields.status == RiskStatus::Open)
            .map(|risk| RiskEvent {
                id: risk.key.clone(),
                name: risk.fields.title.clone(),
                probability: risk.fields.probability,
                tasks: risk.fields.tasks.iter().filter_map(index).collect(),
                delay: if risk.fields.delay.min == risk.fields.delay.max {
                    Delay::Fixed(risk.fields.delay.min)
                } else {
                    Delay::Uncertain(risk.fields.delay)
                },
                cost: risk.fields.cost,
            })
            .collect(),
        correlations: register
            .correlations
            .iter()
            .map(|group| CorrelationGroup {
                name: group.name.clone(),
                tasks: group.tasks.iter().filter_map(index).collect(),
                coefficient: group.coefficient,
            })
            .filter(|group| group.tasks.len() > 1)
            .collect(),
    }
}

fn check_model(plan: &Plan, model: &RiskModel, field: &'static str) -> Result<()> {
    validate(plan, model).map_err(|error| StoreError::invalid(Some(field), error.to_string()))
}

async fn load_register(
    connection: &mut AnyConnection,
    project_id: i64,
    plan: &StoredPlan,
) -> Result<RiskRegister> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_RISKS} WHERE r.project_id = $1 ORDER BY r.id"
    )))
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut risks = rows.iter().map(risk_from).collect::<Result<Vec<_>>>()?;
    for risk in &mut risks {
        risk.fields
            .tasks
            .retain(|task| plan.task_index(*task).is_some());
    }
    let rows = sqlx::query(
        "SELECT task_id, min_minutes, likely_minutes, max_minutes, distribution, version \
         FROM task_estimates WHERE project_id = $1",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut estimates = rows
        .iter()
        .map(|row| {
            let code: String = row.try_get("distribution")?;
            Ok(StoredEstimate {
                task: row.try_get("task_id")?,
                duration: ThreePoint {
                    min: row.try_get("min_minutes")?,
                    likely: row.try_get("likely_minutes")?,
                    max: row.try_get("max_minutes")?,
                    distribution: distribution(&code)?,
                },
                version: row.try_get("version")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // In plan order, as the simulation lists them.
    estimates.sort_by_key(|estimate| plan.task_index(estimate.task));
    let rows = sqlx::query(
        "SELECT id, name, coefficient, tasks FROM risk_correlations WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let correlations = rows
        .iter()
        .map(|row| {
            let mut tasks = ids_from(row, "tasks")?;
            tasks.retain(|task| plan.task_index(*task).is_some());
            Ok(StoredCorrelation {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                coefficient: get_f64(row, "coefficient")?,
                tasks,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RiskRegister {
        risks,
        estimates,
        correlations,
    })
}

async fn check_owner(
    connection: &mut AnyConnection,
    project_id: i64,
    owner: Option<i64>,
) -> Result<()> {
    let Some(owner) = owner else {
        return Ok(());
    };
    let member =
        sqlx::query("SELECT user_id FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project_id)
            .bind(owner)
            .fetch_optional(&mut *connection)
            .await?;
    match member {
        Some(_) => Ok(()),
        None => Err(StoreError::invalid(
            Some("owner"),
            format!("user {owner} is not a member of the project"),
        )),
    }
}

fn unique_key(register: &RiskRegister, key: Option<String>, except: Option<i64>) -> Result<String> {
    let taken = |candidate: &str| {
        register
            .risks
            .iter()
            .any(|risk| risk.key == candidate && Some(risk.id) != except)
    };
    match key {
        Some(key) if taken(&key) => Err(StoreError::Duplicate {
            what: "risk key",
            value: key,
        }),
        Some(key) => Ok(key),
        None => Ok((register.risks.len() + 1..)
            .map(|number| format!("R{number}"))
            .find(|candidate| !taken(candidate))
            .unwrap_or_default()),
    }
}

async fn insert_risk(
    connection: &mut AnyConnection,
    project_id: i64,
    fields: &RiskFields,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO risks (project_id, risk_key, title, cause, event, effect, probability, \
         delay_min, delay_likely, delay_max, delay_distribution, cost, owner_id, strategy, \
         contingency, risk_trigger, status, tasks) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         RETURNING id",
    )
    .bind(project_id)
    .bind(fields.key.clone().unwrap_or_default())
    .bind(&fields.title)
    .bind(&fields.cause)
    .bind(&fields.event)
    .bind(&fields.effect)
    .bind(fields.probability)
    .bind(fields.delay.min)
    .bind(fields.delay.likely)
    .bind(fields.delay.max)
    .bind(fields.delay.distribution.code())
    .bind(fields.cost)
    .bind(fields.owner)
    .bind(fields.strategy.code())
    .bind(&fields.contingency)
    .bind(&fields.trigger)
    .bind(fields.status.code())
    .bind(ids_json(&fields.tasks)?)
    .fetch_one(&mut *connection)
    .await?;
    Ok(row.try_get("id")?)
}

impl Store {
    /// A project's risk register, estimates and correlation groups, with the plan they name.
    pub async fn risk_register(&self, project_id: i64) -> Result<(StoredPlan, RiskRegister)> {
        let plan = self.plan(project_id).await?;
        let mut connection = self.pool.acquire().await?;
        let register = load_register(&mut connection, project_id, &plan).await?;
        Ok((plan, register))
    }

    /// A project's plan and the risk model a simulation runs on (see [`risk_model`]).
    pub async fn risk_model(&self, project_id: i64) -> Result<(StoredPlan, RiskModel)> {
        let (plan, register) = self.risk_register(project_id).await?;
        let model = risk_model(&plan, &register);
        Ok((plan, model))
    }

    /// One risk of a project.
    pub async fn risk(&self, project_id: i64, risk_id: i64) -> Result<StoredRisk> {
        let (_, register) = self.risk_register(project_id).await?;
        register
            .risks
            .into_iter()
            .find(|risk| risk.id == risk_id)
            .ok_or(StoreError::NotFound {
                entity: "risk",
                id: risk_id,
            })
    }

    /// Adds a risk to a project's register, after checking every field (the field at fault is
    /// named; nothing is stored on an error).
    pub async fn add_risk(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        fields: RiskFields,
    ) -> Result<StoredRisk> {
        let _turn = self.project_turn(project_id).await;
        let plan = self.plan(project_id).await?;
        let mut fields = check_risk(&plan, &fields)?;
        let mut transaction = self.pool.begin().await?;
        let mut register = load_register(&mut transaction, project_id, &plan).await?;
        check_owner(&mut transaction, project_id, fields.owner).await?;
        fields.key = Some(unique_key(&register, fields.key.take(), None)?);
        register.risks.push(StoredRisk {
            id: 0,
            key: fields.key.clone().unwrap_or_default(),
            fields: fields.clone(),
            owner_name: None,
            version: 1,
        });
        check_model(&plan.plan, &risk_model(&plan, &register), "tasks")?;
        let id = insert_risk(&mut transaction, project_id, &fields).await?;
        history::write(
            &mut transaction,
            project_id,
            user_id,
            &[Record {
                entity: "risk",
                entity_id: id,
                action: "create",
                label: fields.key.clone().unwrap_or_default(),
                changes: changes_between(None, Some(&fields)),
            }],
        )
        .await?;
        transaction.commit().await?;
        self.risk(project_id, id).await
    }

    /// Replaces a risk's fields, if the risk is still at `version` (else a conflict).
    pub async fn update_risk(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        risk_id: i64,
        version: i64,
        fields: RiskFields,
    ) -> Result<StoredRisk> {
        let _turn = self.project_turn(project_id).await;
        let plan = self.plan(project_id).await?;
        let mut fields = check_risk(&plan, &fields)?;
        let mut transaction = self.pool.begin().await?;
        let mut register = load_register(&mut transaction, project_id, &plan).await?;
        let position = register
            .risks
            .iter()
            .position(|risk| risk.id == risk_id)
            .ok_or(StoreError::NotFound {
                entity: "risk",
                id: risk_id,
            })?;
        let before = register.risks[position].clone();
        if before.version != version {
            return Err(StoreError::Conflict {
                entity: "risk",
                id: risk_id,
                expected: version,
                current: before.version,
            });
        }
        check_owner(&mut transaction, project_id, fields.owner).await?;
        let key = fields.key.take().or_else(|| Some(before.key.clone()));
        fields.key = Some(unique_key(&register, key, Some(risk_id))?);
        register.risks[position].fields = fields.clone();
        register.risks[position].key = fields.key.clone().unwrap_or_default();
        check_model(&plan.plan, &risk_model(&plan, &register), "tasks")?;
        let updated = sqlx::query(
            "UPDATE risks SET risk_key = $1, title = $2, cause = $3, event = $4, effect = $5, \
             probability = $6, delay_min = $7, delay_likely = $8, delay_max = $9, \
             delay_distribution = $10, cost = $11, owner_id = $12, strategy = $13, \
             contingency = $14, risk_trigger = $15, status = $16, tasks = $17, \
             version = version + 1 WHERE id = $18 AND project_id = $19 AND version = $20 \
             RETURNING id",
        )
        .bind(fields.key.clone().unwrap_or_default())
        .bind(&fields.title)
        .bind(&fields.cause)
        .bind(&fields.event)
        .bind(&fields.effect)
        .bind(fields.probability)
        .bind(fields.delay.min)
        .bind(fields.delay.likely)
        .bind(fields.delay.max)
        .bind(fields.delay.distribution.code())
        .bind(fields.cost)
        .bind(fields.owner)
        .bind(fields.strategy.code())
        .bind(&fields.contingency)
        .bind(&fields.trigger)
        .bind(fields.status.code())
        .bind(ids_json(&fields.tasks)?)
        .bind(risk_id)
        .bind(project_id)
        .bind(version)
        .fetch_optional(&mut *transaction)
        .await?;
        if updated.is_none() {
            return Err(StoreError::Conflict {
                entity: "risk",
                id: risk_id,
                expected: version,
                current: version + 1,
            });
        }
        let changes = changes_between(Some(&before.fields), Some(&fields));
        if !changes.is_empty() {
            history::write(
                &mut transaction,
                project_id,
                user_id,
                &[Record {
                    entity: "risk",
                    entity_id: risk_id,
                    action: "update",
                    label: fields.key.clone().unwrap_or_default(),
                    changes,
                }],
            )
            .await?;
        }
        transaction.commit().await?;
        self.risk(project_id, risk_id).await
    }

    /// Deletes a risk from a project's register.
    pub async fn delete_risk(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        risk_id: i64,
    ) -> Result<()> {
        let _turn = self.project_turn(project_id).await;
        let before = self.risk(project_id, risk_id).await?;
        let mut transaction = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM risks WHERE id = $1 AND project_id = $2")
            .bind(risk_id)
            .bind(project_id)
            .execute(&mut *transaction)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                entity: "risk",
                id: risk_id,
            });
        }
        history::write(
            &mut transaction,
            project_id,
            user_id,
            &[Record {
                entity: "risk",
                entity_id: risk_id,
                action: "delete",
                label: before.key.clone(),
                changes: changes_between(Some(&before.fields), None),
            }],
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Sets a task's three-point estimate (replacing the one it had). `version` is the
    /// estimate's version when replacing one (a conflict if it moved on), ignored for a new one.
    pub async fn set_estimate(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        task: i64,
        version: Option<i64>,
        duration: ThreePoint,
    ) -> Result<StoredEstimate> {
        check_three_point("estimate", &duration)?;
        let _turn = self.project_turn(project_id).await;
        let plan = self.plan(project_id).await?;
        let index = plan.task_index(task).ok_or(StoreError::NotFound {
            entity: "task",
            id: task,
        })?;
        if plan.plan.summary_flags()[index] {
            return Err(StoreError::invalid(
                Some("task"),
                format!(
                    "\"{}\" is a summary task: its duration rolls up from its subtasks",
                    plan.plan.tasks[index].name
                ),
            ));
        }
        let mut transaction = self.pool.begin().await?;
        let mut register = load_register(&mut transaction, project_id, &plan).await?;
        let before = register
            .estimates
            .iter()
            .find(|estimate| estimate.task == task)
            .cloned();
        if let (Some(before), Some(version)) = (&before, version)
            && before.version != version
        {
            return Err(StoreError::Conflict {
                entity: "estimate",
                id: task,
                expected: version,
                current: before.version,
            });
        }
        register.estimates.retain(|estimate| estimate.task != task);
        register.estimates.push(StoredEstimate {
            task,
            duration,
            version: 1,
        });
        check_model(&plan.plan, &risk_model(&plan, &register), "estimate")?;
        let text = |value: &ThreePoint| {
            format!(
                "{}/{}/{} {}",
                value.min, value.likely, value.max, value.distribution
            )
        };
        match &before {
            Some(before) => {
                sqlx::query(
                    "UPDATE task_estimates SET min_minutes = $1, likely_minutes = $2, \
                     max_minutes = $3, distribution = $4, version = version + 1 \
                     WHERE task_id = $5 AND version = $6",
                )
                .bind(duration.min)
                .bind(duration.likely)
                .bind(duration.max)
                .bind(duration.distribution.code())
                .bind(task)
                .bind(before.version)
                .execute(&mut *transaction)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO task_estimates (task_id, project_id, min_minutes, \
                     likely_minutes, max_minutes, distribution) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(task)
                .bind(project_id)
                .bind(duration.min)
                .bind(duration.likely)
                .bind(duration.max)
                .bind(duration.distribution.code())
                .execute(&mut *transaction)
                .await?;
            }
        }
        history::write(
            &mut transaction,
            project_id,
            user_id,
            &[Record {
                entity: "estimate",
                entity_id: task,
                action: if before.is_some() { "update" } else { "create" },
                label: plan.plan.tasks[index].key.clone(),
                changes: vec![FieldChange {
                    field: "estimate_minutes".into(),
                    old: before.as_ref().map(|before| text(&before.duration)),
                    new: Some(text(&duration)),
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        let version = before.map_or(1, |before| before.version + 1);
        Ok(StoredEstimate {
            task,
            duration,
            version,
        })
    }

    /// Removes a task's three-point estimate (refused while the task is in a correlation group).
    pub async fn delete_estimate(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        task: i64,
    ) -> Result<()> {
        let _turn = self.project_turn(project_id).await;
        let plan = self.plan(project_id).await?;
        let mut transaction = self.pool.begin().await?;
        let mut register = load_register(&mut transaction, project_id, &plan).await?;
        let before = register
            .estimates
            .iter()
            .find(|estimate| estimate.task == task)
            .cloned()
            .ok_or(StoreError::NotFound {
                entity: "estimate",
                id: task,
            })?;
        register.estimates.retain(|estimate| estimate.task != task);
        check_model(&plan.plan, &risk_model(&plan, &register), "estimate")?;
        sqlx::query("DELETE FROM task_estimates WHERE task_id = $1 AND project_id = $2")
            .bind(task)
            .bind(project_id)
            .execute(&mut *transaction)
            .await?;
        let label = plan
            .task_index(task)
            .map(|index| plan.plan.tasks[index].key.clone())
            .unwrap_or_default();
        history::write(
            &mut transaction,
            project_id,
            user_id,
            &[Record {
                entity: "estimate",
                entity_id: task,
                action: "delete",
                label,
                changes: vec![FieldChange {
                    field: "estimate_minutes".into(),
                    old: Some(format!(
                        "{}/{}/{} {}",
                        before.duration.min,
                        before.duration.likely,
                        before.duration.max,
                        before.duration.distribution
                    )),
                    new: None,
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Stores a plan file's risk model (its `estimate`s, `[[risk]]`s and `[[correlation]]`s,
    /// naming tasks by their index in `source`, the file's plan, matched to the project's tasks
    /// by key) for a project made from that plan, in one
    /// transaction: risks come in open, owned by nobody, with the mitigation strategy unknown
    /// ("accept"). Refused, with nothing stored, if the model does not fit the plan.
    pub async fn import_risk_model(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        source: &Plan,
        model: &RiskModel,
    ) -> Result<()> {
        if model.is_empty() && model.correlations.is_empty() {
            return Ok(());
        }
        let _turn = self.project_turn(project_id).await;
        let plan = self.plan(project_id).await?;
        check_model(source, model, "risk")?;
        let by_key: HashMap<&str, i64> = plan
            .plan
            .tasks
            .iter()
            .zip(&plan.task_ids)
            .map(|(task, &id)| (task.key.as_str(), id))
            .collect();
        let row_id = |task: &TaskId| {
            source
                .tasks
                .get(task.index())
                .and_then(|task| by_key.get(task.key.as_str()).copied())
        };
        let mut transaction = self.pool.begin().await?;
        let mut records = Vec::new();
        let mut keys = std::collections::HashSet::new();
        for risk in &model.risks {
            let delay = match risk.delay {
                Delay::Fixed(minutes) => ThreePoint::fixed(minutes),
                Delay::Uncertain(three_point) => three_point,
            };
            let title = if risk.name.trim().is_empty() {
                risk.id.clone()
            } else {
                risk.name.clone()
            };
            let fields = check_risk(
                &plan,
                &RiskFields {
                    key: Some(risk.id.clone()),
                    title,
                    cause: String::new(),
                    event: String::new(),
                    effect: String::new(),
                    probability: risk.probability,
                    delay,
                    cost: risk.cost,
                    owner: None,
                    strategy: RiskStrategy::Accept,
                    contingency: String::new(),
                    trigger: String::new(),
                    status: RiskStatus::Open,
                    tasks: risk.tasks.iter().filter_map(row_id).collect(),
                },
            )?;
            if !keys.insert(risk.id.clone()) {
                return Err(StoreError::Duplicate {
                    what: "risk key",
                    value: risk.id.clone(),
                });
            }
            let id = insert_risk(&mut transaction, project_id, &fields).await?;
            records.push(Record {
                entity: "risk",
                entity_id: id,
                action: "create",
                label: risk.id.clone(),
                changes: changes_between(None, Some(&fields)),
            });
        }
        for estimate in &model.estimates {
            let Some(task) = row_id(&estimate.task) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO task_estimates (task_id, project_id, min_minutes, likely_minutes, \
                 max_minutes, distribution) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(task)
            .bind(project_id)
            .bind(estimate.duration.min)
            .bind(estimate.duration.likely)
            .bind(estimate.duration.max)
            .bind(estimate.duration.distribution.code())
            .execute(&mut *transaction)
            .await?;
        }
        for group in &model.correlations {
            let tasks: Vec<i64> = group.tasks.iter().filter_map(row_id).collect();
            sqlx::query(
                "INSERT INTO risk_correlations (project_id, name, coefficient, tasks) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(project_id)
            .bind(&group.name)
            .bind(group.coefficient)
            .bind(ids_json(&tasks)?)
            .execute(&mut *transaction)
            .await?;
        }
        if !model.estimates.is_empty() {
            records.push(Record {
                entity: "estimate",
                entity_id: project_id,
                action: "create",
                label: "imported estimates".into(),
                changes: vec![FieldChange {
                    field: "estimates".into(),
                    old: None,
                    new: Some(model.estimates.len().to_string()),
                }],
            });
        }
        history::write(&mut transaction, project_id, user_id, &records).await?;
        transaction.commit().await?;
        Ok(())
    }
}
