//! Writes the control part of a plan: tasks' fixed costs and cost amounts, then the
//! `[[baseline]]`, `[[time]]` and `[[expense]]` sections after the tasks.

use std::fmt::Write as _;

use gantry_core::cost::Accrual;
use gantry_core::model::{Duration, Plan, TaskId};

use super::super::values::{format_duration, format_number};
use super::{finish_value, line, quote, start_value};

/// A task's `fixed_cost`, `fixed_cost_accrual` and `costs`.
pub(super) fn write_task_costs(out: &mut String, plan: &Plan, index: usize, depth: usize) {
    let task = TaskId(index as u32);
    for fixed in plan.costs.fixed.iter().filter(|fixed| fixed.task == task) {
        line(out, depth, "fixed_cost", &format_number(fixed.amount));
        if fixed.accrual != Accrual::default() {
            line(
                out,
                depth,
                "fixed_cost_accrual",
                &quote(fixed.accrual.code()),
            );
        }
    }
    let amounts: Vec<String> = plan
        .costs
        .amounts
        .iter()
        .filter(|amount| amount.task == task)
        .filter_map(|amount| {
            let key = &plan.resources.get(amount.resource.index())?.key;
            // A dot in a bare key would make a dotted key: quote those.
            let key = if key.contains('.') {
                quote(key)
            } else {
                key.clone()
            };
            Some(format!("{key} = {}", format_number(amount.amount)))
        })
        .collect();
    if !amounts.is_empty() {
        line(
            out,
            depth,
            "costs",
            &format!("{{ {} }}", amounts.join(", ")),
        );
    }
}

/// `[[baseline]]`, `[[time]]` and `[[expense]]`, in that order.
pub(super) fn write_control(out: &mut String, plan: &Plan) {
    let settings = &plan.durations;
    let key = |task: TaskId| {
        plan.tasks
            .get(task.index())
            .map_or("?", |task| task.key.as_str())
    };
    for baseline in &plan.baselines {
        out.push_str("\n[[baseline]]\n");
        line(out, 0, "number", &baseline.number.to_string());
        if let Some(saved) = baseline.saved {
            line(out, 0, "saved", &start_value(saved));
        }
        out.push_str("tasks = [\n");
        for (index, saved) in baseline.tasks.iter().enumerate() {
            let Some(saved) = saved else {
                continue;
            };
            let _ = writeln!(
                out,
                "  {{ id = {}, start = {}, finish = {}, duration = {}, work = {}, cost = {} }},",
                quote(key(TaskId(index as u32))),
                start_value(saved.start),
                finish_value(saved.finish),
                quote(&format_duration(
                    Duration::working(saved.duration_minutes),
                    settings
                )),
                quote(&format_duration(
                    Duration::working(saved.work_minutes),
                    settings
                )),
                format_number(saved.cost),
            );
        }
        out.push_str("]\n");
    }
    for entry in &plan.tracking.time_entries {
        out.push_str("\n[[time]]\n");
        let resource = plan
            .resources
            .get(entry.resource.index())
            .map_or("?", |resource| resource.key.as_str());
        line(out, 0, "resource", &quote(resource));
        line(out, 0, "task", &quote(key(entry.task)));
        line(out, 0, "date", &entry.date.to_string());
        line(out, 0, "hours", &format_number(entry.hours));
        if entry.overtime_hours != 0.0 {
            line(out, 0, "overtime", &format_number(entry.overtime_hours));
        }
    }
    for expense in &plan.tracking.expenses {
        out.push_str("\n[[expense]]\n");
        line(out, 0, "task", &quote(key(expense.task)));
        line(out, 0, "date", &expense.date.to_string());
        line(out, 0, "amount", &format_number(expense.amount));
        if !expense.description.is_empty() {
            line(out, 0, "description", &quote(&expense.description));
        }
    }
}
