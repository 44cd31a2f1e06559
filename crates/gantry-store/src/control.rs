//! Project control in the store: baselines, fixed costs and cost amounts, time entries and
//! expenses (what `Plan::baselines`, `Plan::costs` and `Plan::tracking` hold), as rows and back,
//! and the edits that change them ([`ControlEdit`], through [`Store::edit`](crate::Store::edit)).
//!
//! Rows name tasks and resources by row id, so that they follow a task moved in the WBS, and
//! go with a deleted task or resource. In memory they name plan indexes like the rest of the
//! plan; the task and resource edits renumber them ([`renumber_tasks`], [`renumber_resources`]).
//! The in-memory form is canonical (baselines by number, each baseline's task vector without
//! trailing gaps, fixed costs in task order), so a plan read back equals the plan written.

use std::collections::{HashMap, HashSet};

use gantry_core::baseline::{Baseline, BaselineTask, baseline_name, check_number, save_baseline};
use gantry_core::cost::{Accrual, CostAmount, Expense, FixedCost, PlanCosts, TimeEntry, Tracking};
use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::model::{Plan, ResourceId, ResourceKind, TaskId};
use jiff::civil::{Date, DateTime};
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::history::{FieldChange, Record};
use crate::plan_rows::{Columns, StoredPlan, Value, insert_row};
use crate::projects::{Applied, Created, NEW_ROW, Touched, check_version, schedule_error};
use crate::store::get_f64;

/// Row ids of the control records that edits name one by one, index for index with the plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ControlRows {
    /// Row id of each time entry, index for index with `plan.tracking.time_entries`.
    pub time_entry_ids: Vec<i64>,
    /// Row id of each expense, index for index with `plan.tracking.expenses`.
    pub expense_ids: Vec<i64>,
}

impl StoredPlan {
    /// The plan index of the time entry with row id `id`.
    pub fn time_entry_index(&self, id: i64) -> Option<usize> {
        self.control
            .time_entry_ids
            .iter()
            .position(|&entry| entry == id)
    }

    /// The plan index of the expense with row id `id`.
    pub fn expense_index(&self, id: i64) -> Option<usize> {
        self.control
            .expense_ids
            .iter()
            .position(|&expense| expense == id)
    }
}

/// A change to a project's baselines, costs or tracking.
#[derive(Clone, Debug, PartialEq)]
pub enum ControlEdit {
    /// Saves the current schedule, work and costs as baseline `number` (0–10), replacing a
    /// baseline saved before under that number.
    SaveBaseline {
        /// 0 ("Baseline") to 10 ("Baseline10").
        number: u32,
    },
    /// Deletes baseline `number`.
    ClearBaseline {
        /// 0 to 10.
        number: u32,
    },
    /// Sets or removes a task's fixed cost.
    SetFixedCost {
        /// The task (not a summary task).
        task: i64,
        /// The task's version the client read.
        version: i64,
        /// The amount; `None` removes the fixed cost.
        amount: Option<f64>,
        /// When it accrues.
        accrual: Accrual,
    },
    /// Logs hours a resource worked on a task on a day.
    AddTimeEntry {
        /// The task.
        task: i64,
        /// The resource, which must be a work resource assigned to the task.
        resource: i64,
        /// The day.
        date: Date,
        /// Standard hours.
        hours: f64,
        /// Overtime hours.
        overtime_hours: f64,
    },
    /// Deletes a time entry.
    DeleteTimeEntry {
        /// The time entry's row id.
        entry: i64,
    },
    /// Records money spent on a task.
    AddExpense {
        /// The task.
        task: i64,
        /// The day.
        date: Date,
        /// The amount.
        amount: f64,
        /// What it was for.
        description: String,
    },
    /// Deletes an expense.
    DeleteExpense {
        /// The expense's row id.
        expense: i64,
    },
}

fn task_at(stored: &StoredPlan, id: i64) -> Result<usize> {
    stored
        .task_index(id)
        .ok_or(StoreError::NotFound { entity: "task", id })
}

fn number_of(number: u32) -> Result<u8> {
    check_number(number).map_err(|error| StoreError::invalid(Some("number"), error.to_string()))
}

fn not_negative(field: &'static str, what: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(StoreError::invalid(
            Some(field),
            format!("{what} cannot be negative ({value})"),
        ))
    }
}

/// The moment a baseline is saved: now, in UTC, to the second.
fn saved_now() -> DateTime {
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .datetime();
    now.with().subsec_nanosecond(0).build().unwrap_or(now)
}

/// Applies a control edit to the plan in memory.
pub(crate) fn apply(stored: &mut StoredPlan, edit: &ControlEdit) -> Result<Applied> {
    let nothing_else = Touched {
        tasks: Some(Vec::new()),
        links: false,
        setup: false,
    };
    match *edit {
        ControlEdit::SaveBaseline { number } => {
            number_of(number)?;
            let plan = &mut stored.plan;
            let current = schedule(plan, &ScheduleOptions::default())
                .map_err(|failure| schedule_error(plan, failure))?;
            save_baseline(plan, &current, number, saved_now())
                .map_err(|error| StoreError::invalid(Some("number"), error.to_string()))?;
            normalize(plan);
            Ok(Applied::of(None, nothing_else))
        }
        ControlEdit::ClearBaseline { number } => {
            let number = number_of(number)?;
            let before = stored.plan.baselines.len();
            stored.plan.baselines.retain(|saved| saved.number != number);
            if stored.plan.baselines.len() == before {
                return Err(StoreError::invalid(
                    Some("number"),
                    format!("{} has not been saved", baseline_name(number)),
                ));
            }
            Ok(Applied::of(None, nothing_else))
        }
        ControlEdit::SetFixedCost {
            task,
            version,
            amount,
            accrual,
        } => {
            let index = task_at(stored, task)?;
            check_version("task", task, version, stored.task_versions[index])?;
            let plan = &mut stored.plan;
            let key = plan.tasks[index].key.clone();
            let id = TaskId(index as u32);
            plan.costs.fixed.retain(|fixed| fixed.task != id);
            if let Some(amount) = amount {
                not_negative("amount", &format!("the fixed cost of \"{key}\""), amount)?;
                if plan.summary_flags()[index] {
                    return Err(StoreError::invalid(
                        Some("task"),
                        format!("\"{key}\" is a summary task: put its fixed cost on its subtasks"),
                    ));
                }
                plan.costs.fixed.push(FixedCost {
                    task: id,
                    amount,
                    accrual,
                });
            }
            normalize(plan);
            Ok(Applied::of(None, nothing_else))
        }
        ControlEdit::AddTimeEntry {
            task,
            resource,
            date,
            hours,
            overtime_hours,
        } => {
            let task_index = task_at(stored, task)?;
            let resource_index = stored
                .resource_index(resource)
                .ok_or(StoreError::NotFound {
                    entity: "resource",
                    id: resource,
                })?;
            let plan = &stored.plan;
            let task_key = &plan.tasks[task_index].key;
            let entry = &plan.resources[resource_index];
            if entry.kind != ResourceKind::Work {
                return Err(StoreError::invalid(
                    Some("resource"),
                    format!(
                        "\"{}\" is a {} resource; only people and machines log hours",
                        entry.key,
                        entry.kind.code()
                    ),
                ));
            }
            let (task_id, resource_id) =
                (TaskId(task_index as u32), ResourceId(resource_index as u32));
            if !plan
                .assignments
                .iter()
                .any(|assignment| assignment.task == task_id && assignment.resource == resource_id)
            {
                return Err(StoreError::Invalid {
                    field: Some("resource"),
                    message: format!(
                        "resource \"{}\" is not assigned to task \"{task_key}\": only a resource on a task logs time on it",
                        entry.key
                    ),
                    tasks: vec![task_key.clone()],
                });
            }
            let what = format!("hours of \"{}\" on \"{task_key}\"", entry.key);
            not_negative("hours", &what, hours)?;
            not_negative("overtime_hours", &what, overtime_hours)?;
            if hours + overtime_hours > 24.0 {
                return Err(StoreError::invalid(
                    Some("hours"),
                    format!(
                        "{what}: a day has 24 hours ({} logged)",
                        hours + overtime_hours
                    ),
                ));
            }
            stored.plan.tracking.time_entries.push(TimeEntry {
                resource: resource_id,
                task: task_id,
                date,
                hours,
                overtime_hours,
            });
            stored.control.time_entry_ids.push(NEW_ROW);
            Ok(Applied::of(
                Some(Created::TimeEntry(stored.control.time_entry_ids.len() - 1)),
                nothing_else,
            ))
        }
        ControlEdit::DeleteTimeEntry { entry } => {
            let index = stored.time_entry_index(entry).ok_or(StoreError::NotFound {
                entity: "time entry",
                id: entry,
            })?;
            stored.plan.tracking.time_entries.remove(index);
            stored.control.time_entry_ids.remove(index);
            Ok(Applied::of(None, nothing_else))
        }
        ControlEdit::AddExpense {
            task,
            date,
            amount,
            ref description,
        } => {
            let index = task_at(stored, task)?;
            let key = &stored.plan.tasks[index].key;
            not_negative("amount", &format!("an expense on \"{key}\""), amount)?;
            if description.trim().is_empty() {
                return Err(StoreError::invalid(
                    Some("description"),
                    "an expense needs a description: what was it for?",
                ));
            }
            stored.plan.tracking.expenses.push(Expense {
                task: TaskId(index as u32),
                date,
                amount,
                description: description.trim().to_string(),
            });
            stored.control.expense_ids.push(NEW_ROW);
            Ok(Applied::of(
                Some(Created::Expense(stored.control.expense_ids.len() - 1)),
                nothing_else,
            ))
        }
        ControlEdit::DeleteExpense { expense } => {
            let index = stored.expense_index(expense).ok_or(StoreError::NotFound {
                entity: "expense",
                id: expense,
            })?;
            stored.plan.tracking.expenses.remove(index);
            stored.control.expense_ids.remove(index);
            Ok(Applied::of(None, nothing_else))
        }
    }
}

/// Puts the control records of `plan` in their canonical order: baselines by number (one per
/// number), no baseline values past the last task nor trailing gaps, fixed costs in task order.
pub(crate) fn normalize(plan: &mut Plan) {
    let tasks = plan.tasks.len();
    plan.baselines.sort_by_key(|baseline| baseline.number);
    plan.baselines.dedup_by_key(|baseline| baseline.number);
    for baseline in &mut plan.baselines {
        baseline.tasks.truncate(tasks);
        while baseline.tasks.last().is_some_and(Option::is_none) {
            baseline.tasks.pop();
        }
    }
    plan.costs.fixed.sort_by_key(|fixed| fixed.task);
}

/// Renumbers the control records after the tasks changed places: `new_index` gives each old
/// task id its new one, or `None` for a deleted task, whose records go with it.
pub(crate) fn renumber_tasks(
    stored: &mut StoredPlan,
    new_index: impl Fn(TaskId) -> Option<TaskId>,
) {
    let plan = &mut stored.plan;
    for baseline in &mut plan.baselines {
        let mut tasks: Vec<Option<BaselineTask>> = Vec::new();
        for (old, values) in baseline.tasks.drain(..).enumerate() {
            if let (Some(values), Some(new)) = (values, new_index(TaskId(old as u32))) {
                if tasks.len() <= new.index() {
                    tasks.resize(new.index() + 1, None);
                }
                tasks[new.index()] = Some(values);
            }
        }
        baseline.tasks = tasks;
    }
    plan.costs
        .fixed
        .retain_mut(|fixed| match new_index(fixed.task) {
            Some(new) => {
                fixed.task = new;
                true
            }
            None => false,
        });
    plan.costs
        .amounts
        .retain_mut(|amount| match new_index(amount.task) {
            Some(new) => {
                amount.task = new;
                true
            }
            None => false,
        });
    let keep: Vec<Option<TaskId>> = plan
        .tracking
        .time_entries
        .iter()
        .map(|entry| new_index(entry.task))
        .collect();
    retain_renumbered(
        &mut plan.tracking.time_entries,
        &mut stored.control.time_entry_ids,
        &keep,
        |entry, task| entry.task = task,
    );
    let keep: Vec<Option<TaskId>> = plan
        .tracking
        .expenses
        .iter()
        .map(|expense| new_index(expense.task))
        .collect();
    retain_renumbered(
        &mut plan.tracking.expenses,
        &mut stored.control.expense_ids,
        &keep,
        |expense, task| expense.task = task,
    );
    normalize(plan);
}

fn retain_renumbered<T, I: Copy>(
    items: &mut Vec<T>,
    ids: &mut Vec<i64>,
    new: &[Option<I>],
    set: impl Fn(&mut T, I),
) {
    let mut kept_items = Vec::with_capacity(items.len());
    let mut kept_ids = Vec::with_capacity(ids.len());
    for ((mut item, id), new) in items.drain(..).zip(ids.drain(..)).zip(new) {
        if let Some(new) = *new {
            set(&mut item, new);
            kept_items.push(item);
            kept_ids.push(id);
        }
    }
    *items = kept_items;
    *ids = kept_ids;
}

/// Renumbers the control records after resource `removed` was deleted: its time entries and
/// cost amounts go with it.
pub(crate) fn remove_resource(stored: &mut StoredPlan, removed: usize) {
    let new_index = |id: ResourceId| match id.index() {
        index if index == removed => None,
        index if index > removed => Some(ResourceId(id.0 - 1)),
        _ => Some(id),
    };
    let plan = &mut stored.plan;
    plan.costs
        .amounts
        .retain_mut(|amount| match new_index(amount.resource) {
            Some(new) => {
                amount.resource = new;
                true
            }
            None => false,
        });
    let keep: Vec<Option<ResourceId>> = plan
        .tracking
        .time_entries
        .iter()
        .map(|entry| new_index(entry.resource))
        .collect();
    retain_renumbered(
        &mut plan.tracking.time_entries,
        &mut stored.control.time_entry_ids,
        &keep,
        |entry, resource| entry.resource = resource,
    );
}

/// Drops the cost amounts of cost resources no longer assigned to their task (an edit took
/// them off it).
pub(crate) fn drop_unassigned_amounts(plan: &mut Plan) {
    let assignments = &plan.assignments;
    plan.costs.amounts.retain(|amount| {
        assignments.iter().any(|assignment| {
            assignment.task == amount.task && assignment.resource == amount.resource
        })
    });
}

// ---- rows ----

/// A baseline keyed by row ids: its saved date and each task's values by the task's row id.
type BaselineRows = (Option<DateTime>, Vec<(i64, BaselineTask)>);

fn baseline_rows(stored: &StoredPlan, keep: &HashSet<i64>) -> HashMap<u8, BaselineRows> {
    stored
        .plan
        .baselines
        .iter()
        .map(|baseline| {
            let tasks = baseline
                .tasks
                .iter()
                .enumerate()
                .filter_map(|(index, values)| {
                    let id = *stored.task_ids.get(index)?;
                    let values = values.as_ref()?;
                    (id != NEW_ROW && keep.contains(&id)).then(|| (id, values.clone()))
                })
                .collect();
            (baseline.number, (baseline.saved, tasks))
        })
        .collect()
}

fn fixed_rows(stored: &StoredPlan, keep: &HashSet<i64>) -> HashMap<i64, (f64, Accrual)> {
    stored
        .plan
        .costs
        .fixed
        .iter()
        .filter_map(|fixed| {
            let id = *stored.task_ids.get(fixed.task.index())?;
            keep.contains(&id)
                .then_some((id, (fixed.amount, fixed.accrual)))
        })
        .collect()
}

fn amount_rows(
    stored: &StoredPlan,
    tasks: &HashSet<i64>,
    resources: &HashSet<i64>,
) -> Vec<(i64, i64, f64)> {
    stored
        .plan
        .costs
        .amounts
        .iter()
        .filter_map(|amount| {
            let task = *stored.task_ids.get(amount.task.index())?;
            let resource = *stored.resource_ids.get(amount.resource.index())?;
            (tasks.contains(&task) && resources.contains(&resource)).then_some((
                task,
                resource,
                amount.amount,
            ))
        })
        .collect()
}

fn time_entry_columns(stored: &StoredPlan, index: usize) -> Columns {
    let entry = &stored.plan.tracking.time_entries[index];
    vec![
        ("task_id", Value::Int(stored.task_ids[entry.task.index()])),
        (
            "resource_id",
            Value::Int(stored.resource_ids[entry.resource.index()]),
        ),
        ("entry_date", Value::Text(entry.date.to_string())),
        ("hours", Value::Float(entry.hours)),
        ("overtime_hours", Value::Float(entry.overtime_hours)),
    ]
}

fn time_entry_label(stored: &StoredPlan, index: usize) -> String {
    let entry = &stored.plan.tracking.time_entries[index];
    format!(
        "{} on {} ({})",
        stored.plan.resources[entry.resource.index()].key,
        stored.plan.tasks[entry.task.index()].key,
        entry.date
    )
}

fn expense_columns(stored: &StoredPlan, index: usize) -> Columns {
    let expense = &stored.plan.tracking.expenses[index];
    vec![
        ("task_id", Value::Int(stored.task_ids[expense.task.index()])),
        ("expense_date", Value::Text(expense.date.to_string())),
        ("amount", Value::Float(expense.amount)),
        ("description", Value::Text(expense.description.clone())),
    ]
}

fn expense_label(stored: &StoredPlan, index: usize) -> String {
    let expense = &stored.plan.tracking.expenses[index];
    format!(
        "{} on {} ({})",
        expense.description,
        stored.plan.tasks[expense.task.index()].key,
        expense.date
    )
}

fn changes_of(columns: &Columns, added: bool) -> Vec<FieldChange> {
    columns
        .iter()
        .filter(|(name, _)| !name.ends_with("_id"))
        .map(|(name, value)| {
            let value = Some(value.to_string());
            FieldChange {
                field: (*name).to_string(),
                old: if added { None } else { value.clone() },
                new: if added { value } else { None },
            }
        })
        .collect()
}

async fn insert_baseline(
    connection: &mut AnyConnection,
    project_id: i64,
    number: u8,
    rows: &BaselineRows,
) -> Result<i64> {
    let id = insert_row(
        connection,
        "baselines",
        &[("project_id", project_id)],
        &vec![
            ("number", Value::Int(i64::from(number))),
            (
                "saved_at",
                Value::OptionalText(rows.0.map(|saved| saved.to_string())),
            ),
        ],
    )
    .await?;
    // A few rows per statement: a baseline of a large plan has a row per task.
    for chunk in rows.1.chunks(64) {
        let mut sql = String::from(
            "INSERT INTO baseline_tasks (baseline_id, task_id, start_at, finish_at, \
             duration_minutes, work_minutes, cost) VALUES ",
        );
        for (row, _) in chunk.iter().enumerate() {
            let base = row * 7;
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                base + 1,
                base + 2,
                base + 3,
                base + 4,
                base + 5,
                base + 6,
                base + 7
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (task, values) in chunk {
            query = query
                .bind(id)
                .bind(*task)
                .bind(values.start.to_string())
                .bind(values.finish.to_string())
                .bind(values.duration_minutes)
                .bind(values.work_minutes)
                .bind(values.cost);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(id)
}

async fn insert_fixed(
    connection: &mut AnyConnection,
    project_id: i64,
    task: i64,
    (amount, accrual): (f64, Accrual),
) -> Result<()> {
    sqlx::query(
        "INSERT INTO fixed_costs (task_id, project_id, amount, accrual) VALUES ($1, $2, $3, $4)",
    )
    .bind(task)
    .bind(project_id)
    .bind(amount)
    .bind(accrual.code())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

async fn insert_amounts(
    connection: &mut AnyConnection,
    project_id: i64,
    amounts: &[(i64, i64, f64)],
) -> Result<()> {
    for &(task, resource, amount) in amounts {
        sqlx::query(
            "INSERT INTO cost_amounts (project_id, task_id, resource_id, amount) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(project_id)
        .bind(task)
        .bind(resource)
        .bind(amount)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Writes the control records of a new project whose tasks and resources have their row ids.
pub(crate) async fn insert(connection: &mut AnyConnection, stored: &mut StoredPlan) -> Result<()> {
    normalize(&mut stored.plan);
    let project_id = stored.project_id;
    let tasks: HashSet<i64> = stored.task_ids.iter().copied().collect();
    let resources: HashSet<i64> = stored.resource_ids.iter().copied().collect();
    let mut baselines: Vec<(u8, BaselineRows)> =
        baseline_rows(stored, &tasks).into_iter().collect();
    baselines.sort_by_key(|(number, _)| *number);
    for (number, rows) in &baselines {
        insert_baseline(connection, project_id, *number, rows).await?;
    }
    let mut fixed: Vec<(i64, (f64, Accrual))> = fixed_rows(stored, &tasks).into_iter().collect();
    fixed.sort_by_key(|(task, _)| *task);
    for (task, value) in fixed {
        insert_fixed(connection, project_id, task, value).await?;
    }
    insert_amounts(
        connection,
        project_id,
        &amount_rows(stored, &tasks, &resources),
    )
    .await?;
    let fixed_columns = [("project_id", project_id)];
    stored.control.time_entry_ids.clear();
    for index in 0..stored.plan.tracking.time_entries.len() {
        let columns = time_entry_columns(stored, index);
        let id = insert_row(connection, "time_entries", &fixed_columns, &columns).await?;
        stored.control.time_entry_ids.push(id);
    }
    stored.control.expense_ids.clear();
    for index in 0..stored.plan.tracking.expenses.len() {
        let columns = expense_columns(stored, index);
        let id = insert_row(connection, "expenses", &fixed_columns, &columns).await?;
        stored.control.expense_ids.push(id);
    }
    Ok(())
}

/// Writes what an edit changed in the control records (after the tasks and resources, so
/// that new ones have their row ids), with the history records.
pub(crate) async fn persist(
    connection: &mut AnyConnection,
    before: &StoredPlan,
    after: &mut StoredPlan,
    records: &mut Vec<Record>,
) -> Result<()> {
    let project_id = before.project_id;
    let tasks: HashSet<i64> = after.task_ids.iter().copied().collect();
    let resources: HashSet<i64> = after.resource_ids.iter().copied().collect();

    // Most edits touch no baseline or cost and keep every task and resource in its place:
    // then there is nothing to compare row by row.
    let unchanged = before.task_ids == after.task_ids
        && before.resource_ids == after.resource_ids
        && before.plan.baselines == after.plan.baselines
        && before.plan.costs == after.plan.costs;
    if !unchanged {
        persist_baselines_and_costs(connection, before, after, records, &tasks, &resources).await?;
    }

    // Time entries and expenses: deleted and new rows (they are never changed in place).
    let fixed_columns = [("project_id", project_id)];
    let kept: HashSet<i64> = after.control.time_entry_ids.iter().copied().collect();
    for (index, &id) in before.control.time_entry_ids.iter().enumerate() {
        if !kept.contains(&id) {
            sqlx::query("DELETE FROM time_entries WHERE id = $1")
                .bind(id)
                .execute(&mut *connection)
                .await?;
            if tasks
                .contains(&before.task_ids[before.plan.tracking.time_entries[index].task.index()])
            {
                records.push(Record {
                    entity: "time entry",
                    entity_id: id,
                    action: "delete",
                    label: time_entry_label(before, index),
                    changes: changes_of(&time_entry_columns(before, index), false),
                });
            }
        }
    }
    for index in 0..after.control.time_entry_ids.len() {
        if after.control.time_entry_ids[index] == NEW_ROW {
            let columns = time_entry_columns(after, index);
            let id = insert_row(connection, "time_entries", &fixed_columns, &columns).await?;
            after.control.time_entry_ids[index] = id;
            records.push(Record {
                entity: "time entry",
                entity_id: id,
                action: "create",
                label: time_entry_label(after, index),
                changes: changes_of(&columns, true),
            });
        }
    }
    let kept: HashSet<i64> = after.control.expense_ids.iter().copied().collect();
    for (index, &id) in before.control.expense_ids.iter().enumerate() {
        if !kept.contains(&id) {
            sqlx::query("DELETE FROM expenses WHERE id = $1")
                .bind(id)
                .execute(&mut *connection)
                .await?;
            if tasks.contains(&before.task_ids[before.plan.tracking.expenses[index].task.index()]) {
                records.push(Record {
                    entity: "expense",
                    entity_id: id,
                    action: "delete",
                    label: expense_label(before, index),
                    changes: changes_of(&expense_columns(before, index), false),
                });
            }
        }
    }
    for index in 0..after.control.expense_ids.len() {
        if after.control.expense_ids[index] == NEW_ROW {
            let columns = expense_columns(after, index);
            let id = insert_row(connection, "expenses", &fixed_columns, &columns).await?;
            after.control.expense_ids[index] = id;
            records.push(Record {
                entity: "expense",
                entity_id: id,
                action: "create",
                label: expense_label(after, index),
                changes: changes_of(&columns, true),
            });
        }
    }
    Ok(())
}

/// Writes the baselines, fixed costs and cost amounts that differ between `before` and
/// `after`, with the history records.
async fn persist_baselines_and_costs(
    connection: &mut AnyConnection,
    before: &StoredPlan,
    after: &mut StoredPlan,
    records: &mut Vec<Record>,
    tasks: &HashSet<i64>,
    resources: &HashSet<i64>,
) -> Result<()> {
    let project_id = before.project_id;
    // Baselines: a changed one is written again whole (it changes only when saved again).
    let old = baseline_rows(before, tasks);
    let new = baseline_rows(after, tasks);
    for number in 0..=gantry_core::baseline::MAX_BASELINE {
        let (old, new) = (old.get(&number), new.get(&number));
        if old == new {
            continue;
        }
        sqlx::query("DELETE FROM baselines WHERE project_id = $1 AND number = $2")
            .bind(project_id)
            .bind(i64::from(number))
            .execute(&mut *connection)
            .await?;
        let saved =
            |rows: Option<&BaselineRows>| rows.and_then(|rows| rows.0.map(|at| at.to_string()));
        let change = vec![FieldChange {
            field: "saved".into(),
            old: saved(old),
            new: saved(new),
        }];
        match new {
            Some(rows) => {
                let id = insert_baseline(connection, project_id, number, rows).await?;
                records.push(Record {
                    entity: "baseline",
                    entity_id: id,
                    action: if old.is_some() { "update" } else { "create" },
                    label: baseline_name(number),
                    changes: change,
                });
            }
            None => records.push(Record {
                entity: "baseline",
                entity_id: i64::from(number),
                action: "delete",
                label: baseline_name(number),
                changes: change,
            }),
        }
    }

    // Fixed costs: each changed one raises its task's version.
    let old = fixed_rows(before, tasks);
    let new = fixed_rows(after, tasks);
    let mut changed: Vec<i64> = old
        .keys()
        .chain(new.keys())
        .copied()
        .filter(|task| old.get(task) != new.get(task))
        .collect();
    changed.sort_unstable();
    changed.dedup();
    for task in changed {
        sqlx::query("DELETE FROM fixed_costs WHERE task_id = $1")
            .bind(task)
            .execute(&mut *connection)
            .await?;
        if let Some(&value) = new.get(&task) {
            insert_fixed(connection, project_id, task, value).await?;
        }
        sqlx::query("UPDATE tasks SET version = version + 1 WHERE id = $1")
            .bind(task)
            .execute(&mut *connection)
            .await?;
        let Some(index) = after.task_index(task) else {
            continue;
        };
        after.task_versions[index] += 1;
        let text = |value: Option<&(f64, Accrual)>| {
            value.map(|(amount, accrual)| format!("{amount} ({})", accrual.code()))
        };
        records.push(Record {
            entity: "task",
            entity_id: task,
            action: "update",
            label: after.plan.tasks[index].key.clone(),
            changes: vec![FieldChange {
                field: "fixed_cost".into(),
                old: text(old.get(&task)),
                new: text(new.get(&task)),
            }],
        });
    }

    // Cost amounts: written again when they differ (they change with imports, rarely).
    let old = amount_rows(before, tasks, resources);
    let new = amount_rows(after, tasks, resources);
    if old != new {
        sqlx::query("DELETE FROM cost_amounts WHERE project_id = $1")
            .bind(project_id)
            .execute(&mut *connection)
            .await?;
        insert_amounts(connection, project_id, &new).await?;
    }

    Ok(())
}

fn parse_datetime(text: &str) -> Result<DateTime> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("date-time \"{text}\"")))
}

fn parse_date(text: &str) -> Result<Date> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("date \"{text}\"")))
}

/// What [`load`] reads: the plan's control records and their row ids.
pub(crate) struct Loaded {
    pub(crate) baselines: Vec<Baseline>,
    pub(crate) costs: PlanCosts,
    pub(crate) tracking: Tracking,
    pub(crate) rows: ControlRows,
}

/// Reads project `project_id`'s control records; `task_index` and `resource_index` map row
/// ids to plan indexes.
pub(crate) async fn load(
    connection: &mut AnyConnection,
    project_id: i64,
    task_index: &HashMap<i64, TaskId>,
    resource_index: &HashMap<i64, ResourceId>,
) -> Result<Loaded> {
    let task_of = |id: i64| -> Result<TaskId> {
        task_index
            .get(&id)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("task {id} of another project")))
    };
    let resource_of = |id: i64| -> Result<ResourceId> {
        resource_index
            .get(&id)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("resource {id} of another project")))
    };

    let baseline_rows = sqlx::query(
        "SELECT id, number, saved_at FROM baselines WHERE project_id = $1 ORDER BY number",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut baselines = Vec::with_capacity(baseline_rows.len());
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    for row in &baseline_rows {
        let number: i64 = row.try_get("number")?;
        let number = u8::try_from(number)
            .map_err(|_| StoreError::Corrupt(format!("baseline number {number}")))?;
        let saved: Option<String> = row.try_get("saved_at")?;
        by_id.insert(row.try_get("id")?, baselines.len());
        baselines.push(Baseline {
            number,
            saved: saved.as_deref().map(parse_datetime).transpose()?,
            tasks: Vec::new(),
        });
    }
    if !baselines.is_empty() {
        let rows = sqlx::query(
            "SELECT t.baseline_id, t.task_id, t.start_at, t.finish_at, t.duration_minutes, \
             t.work_minutes, t.cost FROM baseline_tasks t JOIN baselines b ON b.id = t.baseline_id \
             WHERE b.project_id = $1",
        )
        .bind(project_id)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let baseline_id: i64 = row.try_get("baseline_id")?;
            let task = task_of(row.try_get("task_id")?)?;
            let start: String = row.try_get("start_at")?;
            let finish: String = row.try_get("finish_at")?;
            let baseline = by_id
                .get(&baseline_id)
                .map(|&index| &mut baselines[index])
                .ok_or_else(|| StoreError::Corrupt(format!("baseline {baseline_id}")))?;
            if baseline.tasks.len() <= task.index() {
                baseline.tasks.resize(task.index() + 1, None);
            }
            baseline.tasks[task.index()] = Some(BaselineTask {
                start: parse_datetime(&start)?,
                finish: parse_datetime(&finish)?,
                duration_minutes: row.try_get("duration_minutes")?,
                work_minutes: row.try_get("work_minutes")?,
                cost: get_f64(row, "cost")?,
            });
        }
    }

    let mut costs = PlanCosts::default();
    for row in sqlx::query("SELECT task_id, amount, accrual FROM fixed_costs WHERE project_id = $1")
        .bind(project_id)
        .fetch_all(&mut *connection)
        .await?
        .iter()
    {
        let accrual: String = row.try_get("accrual")?;
        costs.fixed.push(FixedCost {
            task: task_of(row.try_get("task_id")?)?,
            amount: get_f64(row, "amount")?,
            accrual: Accrual::from_code(&accrual)
                .ok_or_else(|| StoreError::Corrupt(format!("accrual \"{accrual}\"")))?,
        });
    }
    for row in sqlx::query(
        "SELECT task_id, resource_id, amount FROM cost_amounts WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    {
        costs.amounts.push(CostAmount {
            task: task_of(row.try_get("task_id")?)?,
            resource: resource_of(row.try_get("resource_id")?)?,
            amount: get_f64(row, "amount")?,
        });
    }

    let mut tracking = Tracking::default();
    let mut rows = ControlRows::default();
    for row in sqlx::query(
        "SELECT id, task_id, resource_id, entry_date, hours, overtime_hours FROM time_entries \
         WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    {
        let date: String = row.try_get("entry_date")?;
        tracking.time_entries.push(TimeEntry {
            resource: resource_of(row.try_get("resource_id")?)?,
            task: task_of(row.try_get("task_id")?)?,
            date: parse_date(&date)?,
            hours: get_f64(row, "hours")?,
            overtime_hours: get_f64(row, "overtime_hours")?,
        });
        rows.time_entry_ids.push(row.try_get("id")?);
    }
    for row in sqlx::query(
        "SELECT id, task_id, expense_date, amount, description FROM expenses \
         WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    {
        let date: String = row.try_get("expense_date")?;
        tracking.expenses.push(Expense {
            task: task_of(row.try_get("task_id")?)?,
            date: parse_date(&date)?,
            amount: get_f64(row, "amount")?,
            description: row.try_get("description")?,
        });
        rows.expense_ids.push(row.try_get("id")?);
    }
    Ok(Loaded {
        baselines,
        costs,
        tracking,
        rows,
    })
}
