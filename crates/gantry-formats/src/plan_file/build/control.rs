//! The control part of a plan file: tasks' fixed costs and cost amounts, `[[baseline]]`,
//! `[[time]]` and `[[expense]]`. Built after the tasks and resources, whose ids they name.

use std::collections::HashMap;

use gantry_core::baseline::{Baseline, BaselineTask, MAX_BASELINE, baseline_name};
use gantry_core::cost::{Accrual, CostAmount, Expense, FixedCost, TimeEntry};
use gantry_core::model::{Plan, ResourceId, ResourceKind, TaskId};
use toml::Spanned;

use super::super::raw::{Number, RawPlan, RawTask};
use super::super::values::closest;
use super::{Builder, Edge, unknown_task_message};

/// Reads the control sections of `raw` into `plan` (its tasks and resources already built).
pub(super) fn build(builder: &mut Builder<'_>, raw: &RawPlan, plan: &mut Plan) {
    let (fixed, amounts, baselines, time_entries, expenses) = read(builder, raw, plan);
    plan.costs.fixed = fixed;
    plan.costs.amounts = amounts;
    plan.baselines = baselines;
    plan.tracking.time_entries = time_entries;
    plan.tracking.expenses = expenses;
}

type Read = (
    Vec<FixedCost>,
    Vec<CostAmount>,
    Vec<Baseline>,
    Vec<TimeEntry>,
    Vec<Expense>,
);

fn read(builder: &mut Builder<'_>, raw: &RawPlan, plan: &Plan) -> Read {
    let tasks: HashMap<&str, TaskId> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(index, task)| (task.key.as_str(), TaskId(index as u32)))
        .collect();
    let resources: HashMap<&str, ResourceId> = plan
        .resources
        .iter()
        .enumerate()
        .map(|(index, resource)| (resource.key.as_str(), ResourceId(index as u32)))
        .collect();
    let mut control = Control {
        builder,
        plan,
        tasks,
        resources,
    };
    let mut raw_tasks = Vec::new();
    collect(&raw.tasks, &mut raw_tasks);
    let mut fixed = Vec::new();
    let mut amounts = Vec::new();
    for task in raw_tasks {
        control.task_costs(task, &mut fixed, &mut amounts);
    }
    let mut baselines: Vec<Baseline> = Vec::new();
    for entry in &raw.baselines {
        if let Some(baseline) = control.baseline(entry, &baselines) {
            baselines.push(baseline);
        }
    }
    baselines.sort_by_key(|baseline| baseline.number);
    let time_entries: Vec<TimeEntry> = raw
        .time_entries
        .iter()
        .filter_map(|entry| control.time_entry(entry))
        .collect();
    let expenses: Vec<Expense> = raw
        .expenses
        .iter()
        .filter_map(|entry| control.expense(entry))
        .collect();
    (fixed, amounts, baselines, time_entries, expenses)
}

fn collect<'r>(tasks: &'r [Spanned<RawTask>], out: &mut Vec<&'r RawTask>) {
    for task in tasks {
        out.push(task.get_ref());
        collect(&task.get_ref().subtasks, out);
    }
}

struct Control<'b, 'a, 'p> {
    builder: &'b mut Builder<'a>,
    plan: &'p Plan,
    tasks: HashMap<&'p str, TaskId>,
    resources: HashMap<&'p str, ResourceId>,
}

impl Control<'_, '_, '_> {
    fn task(&mut self, key: &Spanned<String>) -> Option<TaskId> {
        let found = self.tasks.get(key.get_ref().as_str()).copied();
        if found.is_none() {
            let keys: Vec<&str> = self.tasks.keys().copied().collect();
            let message = unknown_task_message("task", key.get_ref(), &keys);
            self.builder.error(&key.span(), message);
        }
        found
    }

    fn resource(&mut self, key: &Spanned<String>) -> Option<ResourceId> {
        let found = self.resources.get(key.get_ref().as_str()).copied();
        if found.is_none() {
            let known: Vec<&str> = self.resources.keys().copied().collect();
            let hint = match closest(key.get_ref(), known.iter().copied()) {
                Some(suggestion) => format!("; did you mean \"{suggestion}\"?"),
                None => String::new(),
            };
            self.builder.error(
                &key.span(),
                format!("unknown resource \"{}\"{hint}", key.get_ref()),
            );
        }
        found
    }

    /// A number that must be zero or more.
    fn amount(&mut self, value: &Spanned<Number>, what: &str) -> Option<f64> {
        let number = value.get_ref().0;
        if number >= 0.0 && number.is_finite() {
            Some(number)
        } else {
            self.builder.error(
                &value.span(),
                format!("{what} cannot be negative, got {number}"),
            );
            None
        }
    }

    fn assigned(&self, task: TaskId, resource: ResourceId) -> bool {
        self.plan
            .assignments
            .iter()
            .any(|a| a.task == task && a.resource == resource)
    }

    /// A task's `fixed_cost`, `fixed_cost_accrual` and `costs = { <cost resource> = amount }`.
    fn task_costs(
        &mut self,
        raw: &RawTask,
        fixed: &mut Vec<FixedCost>,
        amounts: &mut Vec<CostAmount>,
    ) {
        let Some(&task) = self.tasks.get(raw.id.get_ref().as_str()) else {
            return;
        };
        let is_summary = !raw.subtasks.is_empty()
            || self
                .plan
                .tasks
                .iter()
                .any(|other| other.parent == Some(task));
        let accrual = match &raw.fixed_cost_accrual {
            None => Accrual::default(),
            Some(text) => match Accrual::from_code(text.get_ref()) {
                Some(accrual) => {
                    if raw.fixed_cost.is_none() {
                        self.builder.error(
                            &text.span(),
                            "fixed_cost_accrual needs a fixed_cost on the task",
                        );
                    }
                    accrual
                }
                None => {
                    self.builder.error(
                        &text.span(),
                        format!(
                            "unknown accrual \"{}\": use start, prorated or end",
                            text.get_ref()
                        ),
                    );
                    Accrual::default()
                }
            },
        };
        if let Some(value) = &raw.fixed_cost {
            if is_summary {
                self.builder.error(
                    &value.span(),
                    format!(
                        "\"{}\" is a summary task: put fixed costs on its subtasks",
                        raw.id.get_ref()
                    ),
                );
            } else if let Some(amount) = self.amount(value, "a fixed cost") {
                fixed.push(FixedCost {
                    task,
                    amount,
                    accrual,
                });
            }
        }
        let Some(costs) = &raw.costs else {
            return;
        };
        for (key, value) in &costs.get_ref().0 {
            let Some(resource) = self.resource(key) else {
                continue;
            };
            if self.plan.resources[resource.index()].kind != ResourceKind::Cost {
                self.builder.error(
                    &key.span(),
                    format!(
                        "\"{}\" is not a cost resource (kind = \"cost\"): work and material resources cost their rate",
                        key.get_ref()
                    ),
                );
                continue;
            }
            if !self.assigned(task, resource) {
                self.builder.error(
                    &key.span(),
                    format!(
                        "cost resource \"{}\" is not assigned to task \"{}\": add it to the task's resources",
                        key.get_ref(),
                        raw.id.get_ref()
                    ),
                );
                continue;
            }
            if let Some(amount) = self.amount(value, "a cost amount") {
                amounts.push(CostAmount {
                    task,
                    resource,
                    amount,
                });
            }
        }
    }

    fn baseline(
        &mut self,
        entry: &Spanned<super::super::raw::RawBaseline>,
        earlier: &[Baseline],
    ) -> Option<Baseline> {
        let raw = entry.get_ref();
        let number = match &raw.number {
            None => 0,
            Some(value) => {
                let number = value.get_ref().0;
                if number.fract() != 0.0 || !(0.0..=f64::from(MAX_BASELINE)).contains(&number) {
                    self.builder.error(
                        &value.span(),
                        format!(
                            "baseline number must be a whole number from 0 (Baseline) to {MAX_BASELINE} (Baseline{MAX_BASELINE}), got {number}"
                        ),
                    );
                    return None;
                }
                number as u8
            }
        };
        if earlier.iter().any(|baseline| baseline.number == number) {
            let at = raw
                .number
                .as_ref()
                .map_or_else(|| entry.span(), Spanned::span);
            self.builder.error(
                &at,
                format!("{} is saved twice in this file", baseline_name(number)),
            );
            return None;
        }
        let saved = match &raw.saved {
            Some(value) => Some(self.builder.datetime(value, Edge::Start)?),
            None => None,
        };
        let settings = self.plan.durations;
        let mut tasks: Vec<Option<BaselineTask>> = vec![None; self.plan.tasks.len()];
        for item in &raw.tasks {
            let values = item.get_ref();
            let Some(task) = self.task(&values.id) else {
                continue;
            };
            if tasks[task.index()].is_some() {
                self.builder.error(
                    &values.id.span(),
                    format!(
                        "task \"{}\" is listed twice in {}",
                        values.id.get_ref(),
                        baseline_name(number)
                    ),
                );
                continue;
            }
            let start = self.builder.datetime(&values.start, Edge::Start);
            let finish = self.builder.datetime(&values.finish, Edge::Finish);
            let mut minutes = |value: &Option<Spanned<String>>| match value {
                None => Some(0),
                Some(text) => self
                    .builder
                    .duration(text, &settings)
                    .map(|duration| duration.minutes),
            };
            let duration = minutes(&values.duration);
            let work = minutes(&values.work);
            let cost = match &values.cost {
                None => Some(0.0),
                Some(value) => self.amount(value, "a baseline cost"),
            };
            // A finish before the start is kept as recorded: baselines are history, and MS
            // Project files hold such baselines.
            if let (
                Some(start),
                Some(finish),
                Some(duration_minutes),
                Some(work_minutes),
                Some(cost),
            ) = (start, finish, duration, work, cost)
            {
                tasks[task.index()] = Some(BaselineTask {
                    start,
                    finish,
                    duration_minutes,
                    work_minutes,
                    cost,
                });
            }
        }
        Some(Baseline {
            number,
            saved,
            tasks,
        })
    }

    fn time_entry(
        &mut self,
        entry: &Spanned<super::super::raw::RawTimeEntry>,
    ) -> Option<TimeEntry> {
        let raw = entry.get_ref();
        let resource = self.resource(&raw.resource);
        let task = self.task(&raw.task);
        let date = self.builder.date_only(&raw.date);
        let hours = self.amount(&raw.hours, "hours");
        let overtime_hours = match &raw.overtime {
            None => Some(0.0),
            Some(value) => self.amount(value, "overtime hours"),
        };
        let (resource, task) = (resource?, task?);
        let kind = self.plan.resources[resource.index()].kind;
        if kind != ResourceKind::Work {
            self.builder.error(
                &raw.resource.span(),
                format!(
                    "\"{}\" is a {} resource: only people and machines (work resources) log hours",
                    raw.resource.get_ref(),
                    kind.code()
                ),
            );
            return None;
        }
        if !self.assigned(task, resource) {
            self.builder.error(
                &raw.task.span(),
                format!(
                    "resource \"{}\" is not assigned to task \"{}\": assign it (resources = [\"{}\"]) or book the hours on one of its tasks",
                    raw.resource.get_ref(),
                    raw.task.get_ref(),
                    raw.resource.get_ref()
                ),
            );
            return None;
        }
        Some(TimeEntry {
            resource,
            task,
            date: date?,
            hours: hours?,
            overtime_hours: overtime_hours?,
        })
    }

    fn expense(&mut self, entry: &Spanned<super::super::raw::RawExpense>) -> Option<Expense> {
        let raw = entry.get_ref();
        let task = self.task(&raw.task);
        let date = self.builder.date_only(&raw.date);
        let amount = self.amount(&raw.amount, "an expense");
        Some(Expense {
            task: task?,
            date: date?,
            amount: amount?,
            description: raw
                .description
                .as_ref()
                .map(|text| text.get_ref().clone())
                .unwrap_or_default(),
        })
    }
}
