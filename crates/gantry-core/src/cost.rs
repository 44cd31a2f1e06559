//! Costs: what each task is planned to cost, when that cost falls due, and what was spent.
//!
//! A task's planned cost is the cost of its assignments plus its fixed cost:
//! - a person or machine (work resource): work in hours × standard rate, plus its cost per use;
//! - a material: units × standard rate (the rate is per unit), plus its cost per use;
//! - a cost resource (travel, a supplier's fee): the amount stated on the assignment
//!   ([`CostAmount`]);
//! - the task's fixed cost ([`FixedCost`]), accrued at its start, prorated over it, or at its end.
//!
//! Summary tasks roll their subtasks' costs up; fixed costs and cost amounts sit on subtasks only.
//!
//! Over time ([`planned_cost_by_period`]) the work of an assignment is booked evenly over the
//! working time between the task's start and finish (a split task's pauses left out), as
//! [`crate::usage`] books it (on the task's
//! own calendar when it has one, else on the resource's), so the labour cost of a period is its
//! share of the work times the rate. Costs per use and materials fall due when the task starts
//! (as `usage` uses quantities at the start); cost-resource amounts are prorated over the task;
//! fixed costs follow their accrual.
//!
//! What was spent ([`actual_costs`]) comes from the [`Tracking`] inputs and the progress reported,
//! following Microsoft Project's rule (actual cost = actual work × rates, unless actuals come
//! from timesheets):
//! - labour, per assignment of a work resource: when the assignment has time entries dated
//!   before the status date, from them alone (hours and overtime hours × the resource's standard
//!   and overtime rates, plus its cost per use from its first entry on the task); otherwise from
//!   the task's percent complete (actual work = percent complete × the assignment's work, at the
//!   standard rate, plus the cost per use once the task has started), so a project tracked by
//!   percent complete without timesheets still shows what its progress cost;
//! - expenses on their day;
//! - fixed costs by their accrual and the task's percent complete, materials and cost amounts by
//!   percent complete.

use jiff::civil::Date;

use crate::calendar::{CalendarError, WorkingCalendar};
use crate::cpm::Schedule;
use crate::model::{CalendarId, Plan, ResourceId, ResourceKind, TaskId};
use crate::split::SplitWindows;
use crate::time::Instant;
use crate::usage::{Period, period_bounds};

/// Costs a plan states beyond its resources' rates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanCosts {
    /// Fixed costs of tasks, at most one per task.
    pub fixed: Vec<FixedCost>,
    /// Amounts of cost resources on the tasks they are assigned to.
    pub amounts: Vec<CostAmount>,
}

/// A task's fixed cost (a licence, a supplier's fixed-price contract), independent of work.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedCost {
    /// The task (never a summary task).
    pub task: TaskId,
    /// The amount, in the plan's currency.
    pub amount: f64,
    /// When the amount falls due.
    pub accrual: Accrual,
}

/// When a cost falls due over its task (MS Project's "Fixed Cost Accrual").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Accrual {
    /// All of it when the task starts.
    Start,
    /// Evenly over the task's working time (MS Project's default).
    #[default]
    Prorated,
    /// All of it when the task finishes.
    End,
}

impl Accrual {
    /// The accrual a word names (see [`Accrual::code`]).
    pub fn from_code(code: &str) -> Option<Accrual> {
        [Accrual::Start, Accrual::Prorated, Accrual::End]
            .into_iter()
            .find(|accrual| accrual.code() == code)
    }

    /// The word used in plan files: `start`, `prorated`, `end`.
    pub fn code(self) -> &'static str {
        match self {
            Accrual::Start => "start",
            Accrual::Prorated => "prorated",
            Accrual::End => "end",
        }
    }
}

/// The amount a cost resource books on a task it is assigned to (MS Project's assignment cost).
#[derive(Clone, Debug, PartialEq)]
pub struct CostAmount {
    /// The task.
    pub task: TaskId,
    /// The cost resource (assigned to the task).
    pub resource: ResourceId,
    /// The amount.
    pub amount: f64,
}

/// What was done and spent, as reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tracking {
    /// Hours people logged on tasks.
    pub time_entries: Vec<TimeEntry>,
    /// Money spent on tasks outside the resources' rates (travel, purchases, invoices).
    pub expenses: Vec<Expense>,
}

/// Hours a resource logged on a task on a day (a timesheet line).
#[derive(Clone, Debug, PartialEq)]
pub struct TimeEntry {
    /// Who: a work resource assigned to the task.
    pub resource: ResourceId,
    /// On what.
    pub task: TaskId,
    /// The day the work was done.
    pub date: Date,
    /// Hours at the standard rate.
    pub hours: f64,
    /// Hours at the overtime rate.
    pub overtime_hours: f64,
}

/// Money spent on a task on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct Expense {
    /// The task it is booked on.
    pub task: TaskId,
    /// The day it was spent (or invoiced).
    pub date: Date,
    /// The amount.
    pub amount: f64,
    /// What it was for.
    pub description: String,
}

/// Cost or tracking data that does not fit the plan.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CostError {
    /// A cost or tracking record names a task or resource id outside the plan.
    #[error("{what} names a task or a resource that does not exist")]
    OutOfRange {
        /// Which record, in words ("time entry #3").
        what: String,
    },
    /// Hours logged by someone who is not assigned to the task.
    #[error(
        "time entry on {date}: resource \"{resource}\" is not assigned to task \"{task}\"; assign it to the task or book the hours on one of its own tasks"
    )]
    NotAssigned {
        /// The resource's key.
        resource: String,
        /// The task's key.
        task: String,
        /// The day of the entry.
        date: Date,
    },
    /// A time entry for a material or cost resource, which have no working time.
    #[error(
        "time entry on {date}: \"{resource}\" is a {kind} resource; only people and machines log hours"
    )]
    NotWorkResource {
        /// The resource's key.
        resource: String,
        /// Its kind's word.
        kind: &'static str,
        /// The day of the entry.
        date: Date,
    },
    /// Negative or non-finite hours.
    #[error(
        "time entry on {date} by \"{resource}\" on \"{task}\": hours cannot be negative ({hours})"
    )]
    NegativeHours {
        /// The resource's key.
        resource: String,
        /// The task's key.
        task: String,
        /// The day of the entry.
        date: Date,
        /// What was logged.
        hours: f64,
    },
    /// A negative or non-finite amount of money.
    #[error("{what} on \"{task}\" cannot be negative ({amount})")]
    NegativeAmount {
        /// Which amount, in words ("fixed cost", "expense").
        what: &'static str,
        /// The task's key.
        task: String,
        /// The amount.
        amount: f64,
    },
    /// A fixed cost or cost amount on a summary task.
    #[error("\"{task}\" is a summary task: put its {what} on its subtasks")]
    SummaryTask {
        /// The task's key.
        task: String,
        /// What was put there ("fixed cost").
        what: &'static str,
    },
    /// Two fixed costs on one task.
    #[error("task \"{task}\" has more than one fixed cost")]
    DuplicateFixedCost {
        /// The task's key.
        task: String,
    },
    /// A cost amount for a resource that is not a cost resource or not on the task.
    #[error(
        "cost amount on \"{task}\": \"{resource}\" must be a cost resource assigned to the task"
    )]
    BadCostAmount {
        /// The task's key.
        task: String,
        /// The resource's key.
        resource: String,
    },
    /// A calendar cannot be built.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Checks the cost and tracking records of `plan`: ids in range, hours and amounts not negative,
/// time entries only by work resources assigned to their task, fixed costs on subtasks.
pub fn validate(plan: &Plan) -> Result<(), CostError> {
    let tasks = plan.tasks.len();
    let resources = plan.resources.len();
    let summary = plan.summary_flags();
    let key = |task: TaskId| plan.tasks[task.index()].key.clone();
    let assigned = |task: TaskId, resource: ResourceId| {
        plan.assignments
            .iter()
            .any(|a| a.task == task && a.resource == resource)
    };
    for (index, fixed) in plan.costs.fixed.iter().enumerate() {
        if fixed.task.index() >= tasks {
            return Err(CostError::OutOfRange {
                what: format!("fixed cost #{index}"),
            });
        }
        if summary[fixed.task.index()] {
            return Err(CostError::SummaryTask {
                task: key(fixed.task),
                what: "fixed cost",
            });
        }
        if !(fixed.amount >= 0.0 && fixed.amount.is_finite()) {
            return Err(CostError::NegativeAmount {
                what: "fixed cost",
                task: key(fixed.task),
                amount: fixed.amount,
            });
        }
        if plan.costs.fixed[..index]
            .iter()
            .any(|other| other.task == fixed.task)
        {
            return Err(CostError::DuplicateFixedCost {
                task: key(fixed.task),
            });
        }
    }
    for (index, amount) in plan.costs.amounts.iter().enumerate() {
        if amount.task.index() >= tasks || amount.resource.index() >= resources {
            return Err(CostError::OutOfRange {
                what: format!("cost amount #{index}"),
            });
        }
        if plan.resources[amount.resource.index()].kind != ResourceKind::Cost
            || !assigned(amount.task, amount.resource)
        {
            return Err(CostError::BadCostAmount {
                task: key(amount.task),
                resource: plan.resources[amount.resource.index()].key.clone(),
            });
        }
        if !(amount.amount >= 0.0 && amount.amount.is_finite()) {
            return Err(CostError::NegativeAmount {
                what: "cost amount",
                task: key(amount.task),
                amount: amount.amount,
            });
        }
    }
    for (index, entry) in plan.tracking.time_entries.iter().enumerate() {
        if entry.task.index() >= tasks || entry.resource.index() >= resources {
            return Err(CostError::OutOfRange {
                what: format!("time entry #{index}"),
            });
        }
        let resource = &plan.resources[entry.resource.index()];
        for hours in [entry.hours, entry.overtime_hours] {
            if !(hours >= 0.0 && hours.is_finite()) {
                return Err(CostError::NegativeHours {
                    resource: resource.key.clone(),
                    task: key(entry.task),
                    date: entry.date,
                    hours,
                });
            }
        }
        if resource.kind != ResourceKind::Work {
            return Err(CostError::NotWorkResource {
                resource: resource.key.clone(),
                kind: resource.kind.code(),
                date: entry.date,
            });
        }
        if !assigned(entry.task, entry.resource) {
            return Err(CostError::NotAssigned {
                resource: resource.key.clone(),
                task: key(entry.task),
                date: entry.date,
            });
        }
    }
    for (index, expense) in plan.tracking.expenses.iter().enumerate() {
        if expense.task.index() >= tasks {
            return Err(CostError::OutOfRange {
                what: format!("expense #{index}"),
            });
        }
        if !(expense.amount >= 0.0 && expense.amount.is_finite()) {
            return Err(CostError::NegativeAmount {
                what: "expense",
                task: key(expense.task),
                amount: expense.amount,
            });
        }
    }
    Ok(())
}

/// A task's planned cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TaskCost {
    /// From its assignments (rolled up for a summary).
    pub resources: f64,
    /// Its fixed cost (rolled up for a summary).
    pub fixed: f64,
    /// Both.
    pub total: f64,
}

/// The planned cost of every task, summaries rolled up from their subtasks.
pub fn task_costs(plan: &Plan) -> Vec<TaskCost> {
    let mut costs = vec![TaskCost::default(); plan.tasks.len()];
    for index in 0..plan.assignments.len() {
        let task = plan.assignments[index].task.index();
        if let Some(cost) = costs.get_mut(task) {
            cost.resources += assignment_cost(plan, index);
        }
    }
    for fixed in &plan.costs.fixed {
        if let Some(cost) = costs.get_mut(fixed.task.index()) {
            cost.fixed += fixed.amount;
        }
    }
    // Children come after their parent in WBS order: add each task to its parent, last first.
    for index in (0..plan.tasks.len()).rev() {
        costs[index].total = costs[index].resources + costs[index].fixed;
        if let Some(parent) = plan.tasks[index].parent
            && parent.index() < index
        {
            let child = costs[index];
            costs[parent.index()].resources += child.resources;
            costs[parent.index()].fixed += child.fixed;
        }
    }
    costs
}

/// The planned cost of assignment `index`.
fn assignment_cost(plan: &Plan, index: usize) -> f64 {
    let assignment = &plan.assignments[index];
    let Some(resource) = plan.resources.get(assignment.resource.index()) else {
        return 0.0;
    };
    match resource.kind {
        ResourceKind::Work => {
            plan.assignment_work(index) as f64 / 60.0 * resource.standard_rate
                + resource.cost_per_use
        }
        ResourceKind::Material => assignment.units * resource.standard_rate + resource.cost_per_use,
        ResourceKind::Cost => cost_amount(plan, assignment.task, assignment.resource),
    }
}

/// The amount a cost resource books on a task (0 when none is stated).
fn cost_amount(plan: &Plan, task: TaskId, resource: ResourceId) -> f64 {
    plan.costs
        .amounts
        .iter()
        .filter(|amount| amount.task == task && amount.resource == resource)
        .map(|amount| amount.amount)
        .sum()
}

/// Every calendar of a plan, built once (plans have a handful).
pub(crate) struct Calendars(Vec<WorkingCalendar>);

impl Calendars {
    pub(crate) fn build(plan: &Plan) -> Result<Calendars, CalendarError> {
        (0..plan.calendars.len())
            .map(|index| WorkingCalendar::build(&plan.calendars, CalendarId(index as u32)))
            .collect::<Result<Vec<_>, _>>()
            .map(Calendars)
    }

    pub(crate) fn get(&self, id: CalendarId) -> &WorkingCalendar {
        &self.0[id.index()]
    }

    /// The share of the working time from `from` to `to` that lies before `at` (0 to 1); for a
    /// window without working time (a milestone), 0 before `to` and 1 from `to` on.
    pub(crate) fn share_before(
        &self,
        calendar: CalendarId,
        from: Instant,
        to: Instant,
        at: Instant,
    ) -> f64 {
        if at >= to {
            return 1.0;
        }
        if at <= from {
            return 0.0;
        }
        let calendar = self.get(calendar);
        let total = calendar.working_minutes_between(from, to);
        if total <= 0 {
            return 0.0;
        }
        (calendar.working_minutes_between(from, at) as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// A part of a task's planned cost and how it falls due.
#[derive(Clone, Copy, Debug)]
struct Accrued {
    amount: f64,
    from: Instant,
    to: Instant,
    /// The calendar the amount is spread on; `None` for an amount due at once at `from`.
    calendar: Option<CalendarId>,
}

/// How much of the planned costs falls due before `at`.
fn accrued_before(calendars: &Calendars, parts: &[Accrued], at: Instant) -> f64 {
    parts
        .iter()
        .map(|part| match part.calendar {
            None => {
                if at >= part.from {
                    part.amount
                } else {
                    0.0
                }
            }
            Some(calendar) => {
                part.amount * calendars.share_before(calendar, part.from, part.to, at)
            }
        })
        .sum()
}

/// Each task's planned cost parts under `schedule` (summaries have none of their own).
fn planned_parts(plan: &Plan, schedule: &Schedule) -> Vec<Vec<Accrued>> {
    let scheduling_calendars = plan.scheduling_calendars();
    let mut parts: Vec<Vec<Accrued>> = vec![Vec::new(); plan.tasks.len()];
    for (index, assignment) in plan.assignments.iter().enumerate() {
        let (Some(task), Some(resource)) = (
            plan.tasks.get(assignment.task.index()),
            plan.resources.get(assignment.resource.index()),
        ) else {
            continue;
        };
        let dates = schedule.task(assignment.task);
        let (from, to) = (dates.start, dates.finish);
        let list = &mut parts[assignment.task.index()];
        let at_start = |amount: f64| Accrued {
            amount,
            from,
            to,
            calendar: None,
        };
        match resource.kind {
            ResourceKind::Work => {
                // As `usage` books work: on the task's own calendar, else the resource's.
                let calendar = if task.calendar.is_some() {
                    scheduling_calendars[assignment.task.index()]
                } else {
                    resource.calendar.unwrap_or(plan.calendar)
                };
                list.push(Accrued {
                    amount: plan.assignment_work(index) as f64 / 60.0 * resource.standard_rate,
                    from,
                    to,
                    calendar: Some(calendar),
                });
                list.push(at_start(resource.cost_per_use));
            }
            ResourceKind::Material => list.push(at_start(
                assignment.units * resource.standard_rate + resource.cost_per_use,
            )),
            ResourceKind::Cost => list.push(Accrued {
                amount: cost_amount(plan, assignment.task, assignment.resource),
                from,
                to,
                calendar: Some(scheduling_calendars[assignment.task.index()]),
            }),
        }
    }
    for fixed in &plan.costs.fixed {
        let Some(list) = parts.get_mut(fixed.task.index()) else {
            continue;
        };
        let dates = schedule.task(fixed.task);
        let (from, to, calendar) = match fixed.accrual {
            Accrual::Start => (dates.start, dates.start, None),
            Accrual::End => (dates.finish, dates.finish, None),
            Accrual::Prorated => (
                dates.start,
                dates.finish,
                Some(scheduling_calendars[fixed.task.index()]),
            ),
        };
        list.push(Accrued {
            amount: fixed.amount,
            from,
            to,
            calendar,
        });
    }
    parts
}

/// Planned cost in one period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodCost {
    /// First minute of the period.
    pub start: Instant,
    /// The minute after the period.
    pub end: Instant,
    /// Cost falling due in the period.
    pub cost: f64,
    /// Cost falling due up to the end of the period.
    pub cumulative: f64,
}

/// The time-phased planned cost of the whole plan under `schedule`, period by period from the
/// project's start to its finish.
pub fn planned_cost_by_period(
    plan: &Plan,
    schedule: &Schedule,
    period: Period,
) -> Result<Vec<PeriodCost>, CostError> {
    let calendars = Calendars::build(plan)?;
    let split_windows = SplitWindows::new(plan)?;
    let mut parts: Vec<Accrued> = Vec::new();
    for (index, task_parts) in planned_parts(plan, schedule).into_iter().enumerate() {
        let task = TaskId(index as u32);
        if !split_windows.pauses(task) {
            parts.extend(task_parts);
            continue;
        }
        // A split task's work (and whatever is spread over its working time) falls due only
        // between its pauses, in proportion to the working time of each stretch.
        let dates = schedule.task(task);
        let windows = split_windows.windows(task, dates.start, dates.finish);
        for part in task_parts {
            let Some(calendar) = part.calendar else {
                parts.push(part);
                continue;
            };
            let working = calendars.get(calendar);
            let minutes: Vec<i64> = windows
                .iter()
                .map(|&(from, to)| working.working_minutes_between(from, to).max(0))
                .collect();
            let total: i64 = minutes.iter().sum();
            if total <= 0 {
                parts.push(part);
                continue;
            }
            for (&(from, to), &share) in windows.iter().zip(&minutes) {
                parts.push(Accrued {
                    amount: part.amount * share as f64 / total as f64,
                    from,
                    to,
                    calendar: Some(calendar),
                });
            }
        }
    }
    let bounds = period_bounds(schedule.project_start, schedule.project_finish, period);
    let mut result = Vec::with_capacity(bounds.len().saturating_sub(1));
    let mut before = accrued_before(&calendars, &parts, bounds[0]);
    for window in bounds.windows(2) {
        let cumulative = accrued_before(&calendars, &parts, window[1]);
        result.push(PeriodCost {
            start: window[0],
            end: window[1],
            cost: cumulative - before,
            cumulative,
        });
        before = cumulative;
    }
    Ok(result)
}

/// What was spent on a task up to a status date.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ActualCost {
    /// Hours logged, overtime included.
    pub hours: f64,
    /// Labour: the cost of the hours logged (and the resources' costs per use) on assignments
    /// with time entries, plus the percent-complete share of the work of the other assignments
    /// ([`labour_by_progress`]).
    pub labour: f64,
    /// Expenses booked.
    pub expenses: f64,
    /// Fixed costs, materials and cost amounts accrued by the progress reported.
    pub by_progress: f64,
    /// All of it: the actual cost (AC).
    pub total: f64,
}

/// Cost of one time entry at its resource's rates.
pub(crate) fn entry_cost(plan: &Plan, entry: &TimeEntry) -> f64 {
    let resource = &plan.resources[entry.resource.index()];
    entry.hours * resource.standard_rate + entry.overtime_hours * resource.overtime_rate
}

/// Each task's actual cost at `status` (summaries rolled up): time entries and expenses dated
/// before `status` (a day counts when it starts before it), the labour of the assignments
/// without such entries by percent complete ([`labour_by_progress`]), and the non-labour costs
/// accrued by the progress in `schedule`. Fails on records [`validate`] refuses.
pub fn actual_costs(
    plan: &Plan,
    schedule: &Schedule,
    status: Instant,
) -> Result<Vec<ActualCost>, CostError> {
    validate(plan)?;
    let mut actual = vec![ActualCost::default(); plan.tasks.len()];
    let mut charged_per_use: Vec<(TaskId, ResourceId)> = Vec::new();
    for entry in &plan.tracking.time_entries {
        if Instant::from_date(entry.date) >= status {
            continue;
        }
        let cost = &mut actual[entry.task.index()];
        cost.hours += entry.hours + entry.overtime_hours;
        cost.labour += entry_cost(plan, entry);
        if !charged_per_use.contains(&(entry.task, entry.resource)) {
            charged_per_use.push((entry.task, entry.resource));
            cost.labour += plan.resources[entry.resource.index()].cost_per_use;
        }
    }
    for expense in &plan.tracking.expenses {
        if Instant::from_date(expense.date) < status {
            actual[expense.task.index()].expenses += expense.amount;
        }
    }
    for (index, cost) in actual.iter_mut().enumerate() {
        let task = TaskId(index as u32);
        cost.labour += labour_by_progress(plan, schedule, task, status);
        cost.by_progress = accrued_by_progress(plan, schedule, task);
    }
    for index in (0..plan.tasks.len()).rev() {
        let cost = &mut actual[index];
        cost.total = cost.labour + cost.expenses + cost.by_progress;
        if let Some(parent) = plan.tasks[index].parent
            && parent.index() < index
        {
            let child = actual[index];
            let parent = &mut actual[parent.index()];
            parent.hours += child.hours;
            parent.labour += child.labour;
            parent.expenses += child.expenses;
            parent.by_progress += child.by_progress;
        }
    }
    Ok(actual)
}

/// Whether the assignment of `resource` to `task` is tracked by timesheet at `status`: it has a
/// time entry dated before `status`.
fn has_time_entries(plan: &Plan, task: TaskId, resource: ResourceId, status: Instant) -> bool {
    plan.tracking.time_entries.iter().any(|entry| {
        entry.task == task && entry.resource == resource && Instant::from_date(entry.date) < status
    })
}

/// The labour cost of a task's work assignments that have no time entries before `status`,
/// from its reported progress: actual work = percent complete × the assignment's work, at the
/// resource's standard rate, plus its cost per use once the task has started (a percent
/// complete above 0 or an actual start). Assignments with time entries are costed from them
/// instead ([`actual_costs`]); summary tasks get 0 (their subtasks hold the work).
pub fn labour_by_progress(plan: &Plan, schedule: &Schedule, task: TaskId, status: Instant) -> f64 {
    let dates = schedule.task(task);
    if dates.is_summary {
        return 0.0;
    }
    let done = (dates.percent_complete / 100.0).clamp(0.0, 1.0);
    let started = done > 0.0 || plan.task(task).progress.actual_start.is_some();
    let mut total = 0.0;
    for (index, assignment) in plan.assignments.iter().enumerate() {
        if assignment.task != task {
            continue;
        }
        let Some(resource) = plan.resources.get(assignment.resource.index()) else {
            continue;
        };
        if resource.kind != ResourceKind::Work
            || has_time_entries(plan, task, assignment.resource, status)
        {
            continue;
        }
        let work_hours = plan.assignment_work(index) as f64 / 60.0;
        total += done * work_hours * resource.standard_rate;
        if started {
            total += resource.cost_per_use;
        }
    }
    total
}

/// A task's fixed cost, materials and cost amounts accrued by its reported progress.
pub(crate) fn accrued_by_progress(plan: &Plan, schedule: &Schedule, task: TaskId) -> f64 {
    let dates = schedule.task(task);
    if dates.is_summary {
        return 0.0;
    }
    let done = (dates.percent_complete / 100.0).clamp(0.0, 1.0);
    let progress = &plan.task(task).progress;
    let started = done > 0.0 || progress.actual_start.is_some();
    let finished = done >= 1.0 || progress.actual_finish.is_some();
    let mut total = 0.0;
    for fixed in plan.costs.fixed.iter().filter(|fixed| fixed.task == task) {
        total += match fixed.accrual {
            Accrual::Start if started => fixed.amount,
            Accrual::End if finished => fixed.amount,
            Accrual::Prorated => fixed.amount * done,
            _ => 0.0,
        };
    }
    for (index, assignment) in plan.assignments.iter().enumerate() {
        if assignment.task == task
            && plan
                .resources
                .get(assignment.resource.index())
                .is_some_and(|resource| resource.kind != ResourceKind::Work)
        {
            total += assignment_cost(plan, index) * done;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpm::{ScheduleOptions, schedule};
    use crate::model::{Assignment, Duration, Resource, Task};

    /// One 5-day task: Ana at 100% (€50/h, €100 per use), 2 licences at €300, a €1,000 fixed
    /// cost at the start.
    fn plan() -> Plan {
        let mut plan = Plan::new("costs", "2026-03-02T08:00".parse().expect("date"));
        let mut build = Task::new("build", "Build");
        build.duration = Duration::working(5 * 480);
        let build = plan.add_task(build);
        let mut ana = Resource::new("ana", "Ana");
        ana.standard_rate = 50.0;
        ana.cost_per_use = 100.0;
        let ana = plan.add_resource(ana);
        let mut licence = Resource::new("licence", "Licence");
        licence.kind = ResourceKind::Material;
        licence.standard_rate = 300.0;
        let licence = plan.add_resource(licence);
        for (resource, units) in [(ana, 1.0), (licence, 2.0)] {
            plan.assignments.push(Assignment {
                task: build,
                resource,
                units,
                work: None,
            });
        }
        plan.costs.fixed.push(FixedCost {
            task: build,
            amount: 1000.0,
            accrual: Accrual::Start,
        });
        plan
    }

    #[test]
    fn task_cost_adds_work_materials_and_fixed_cost() {
        let plan = plan();
        // 40 h × 50 + 100 per use = 2,100; 2 × 300 = 600; fixed 1,000.
        let costs = task_costs(&plan);
        assert_eq!(costs[0].resources, 2700.0);
        assert_eq!(costs[0].fixed, 1000.0);
        assert_eq!(costs[0].total, 3700.0);
    }

    #[test]
    fn planned_cost_per_day_follows_the_work() {
        let plan = plan();
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let days = planned_cost_by_period(&plan, &computed, Period::Day).expect("costs");
        // Monday: 8 h × 50 plus everything due at the start (100 + 600 + 1,000); then 400 a day.
        let costs: Vec<f64> = days.iter().map(|day| day.cost).collect();
        assert_eq!(costs, [2100.0, 400.0, 400.0, 400.0, 400.0]);
        assert_eq!(days.last().map(|day| day.cumulative), Some(3700.0));
    }

    #[test]
    fn time_entries_by_someone_not_on_the_task_are_refused() {
        let mut plan = plan();
        let bob = plan.add_resource(Resource::new("bob", "Bob"));
        plan.tracking.time_entries.push(TimeEntry {
            resource: bob,
            task: TaskId(0),
            date: "2026-03-02".parse().expect("date"),
            hours: 4.0,
            overtime_hours: 0.0,
        });
        let error = validate(&plan).expect_err("bob is not on build");
        assert_eq!(
            error.to_string(),
            "time entry on 2026-03-02: resource \"bob\" is not assigned to task \"build\"; assign it to the task or book the hours on one of its own tasks"
        );
    }

    #[test]
    fn negative_hours_are_refused() {
        let mut plan = plan();
        plan.tracking.time_entries.push(TimeEntry {
            resource: ResourceId(0),
            task: TaskId(0),
            date: "2026-03-02".parse().expect("date"),
            hours: -2.0,
            overtime_hours: 0.0,
        });
        assert!(matches!(
            validate(&plan),
            Err(CostError::NegativeHours { hours, .. }) if hours == -2.0
        ));
    }

    #[test]
    fn actual_cost_counts_entries_before_the_status_date() {
        let mut plan = plan();
        plan.tasks[0].progress.percent_complete = 50.0;
        for (day, hours, overtime) in [("2026-03-02", 8.0, 0.0), ("2026-03-03", 8.0, 2.0)] {
            plan.tracking.time_entries.push(TimeEntry {
                resource: ResourceId(0),
                task: TaskId(0),
                date: day.parse().expect("date"),
                hours,
                overtime_hours: overtime,
            });
        }
        plan.resources[0].overtime_rate = 75.0;
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        // Status: the end of Monday. Only Monday's 8 h count: 8 × 50 + 100 per use = 500;
        // the fixed cost accrues at the start (started): 1,000; licences at 50%: 300.
        let status = Instant::from_civil("2026-03-03T00:00".parse().expect("date"));
        let actual = actual_costs(&plan, &computed, status).expect("actuals");
        assert_eq!(actual[0].hours, 8.0);
        assert_eq!(actual[0].labour, 500.0);
        assert_eq!(actual[0].by_progress, 1300.0);
        assert_eq!(actual[0].total, 1800.0);
        // A day later Tuesday's 8 h + 2 h overtime add 8 × 50 + 2 × 75 = 550.
        let later = actual_costs(&plan, &computed, status.plus_minutes(24 * 60)).expect("ok");
        assert_eq!(later[0].labour, 1050.0);
    }

    #[test]
    fn without_time_entries_labour_follows_percent_complete() {
        let mut plan = plan();
        let status = Instant::from_civil("2026-03-04T00:00".parse().expect("date"));
        // Not started: nothing spent, not even Ana's cost per use.
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let actual = actual_costs(&plan, &computed, status).expect("actuals");
        assert_eq!(actual[0].labour, 0.0);
        assert_eq!(actual[0].total, 0.0);
        // Started but 0% done: the cost per use (100) is due, no work yet.
        plan.tasks[0].progress.actual_start = Some("2026-03-02T08:00".parse().expect("date"));
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let actual = actual_costs(&plan, &computed, status).expect("actuals");
        assert_eq!(actual[0].labour, 100.0);
        // 25% done: 25% of 40 h = 10 h × 50 = 500, + 100 per use = 600; no hours logged.
        // With the fixed cost at the start (1,000) and 25% of the licences (150): 1,750.
        plan.tasks[0].progress.percent_complete = 25.0;
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let actual = actual_costs(&plan, &computed, status).expect("actuals");
        assert_eq!(actual[0].hours, 0.0);
        assert_eq!(actual[0].labour, 600.0);
        assert_eq!(actual[0].by_progress, 1150.0);
        assert_eq!(actual[0].total, 1750.0);
        // A time entry after the status date does not count yet, so progress still does.
        plan.tracking.time_entries.push(TimeEntry {
            resource: ResourceId(0),
            task: TaskId(0),
            date: "2026-03-04".parse().expect("date"),
            hours: 8.0,
            overtime_hours: 0.0,
        });
        let actual = actual_costs(&plan, &computed, status).expect("actuals");
        assert_eq!(actual[0].labour, 600.0);
        // From the next day on it does, and replaces the progress: 8 × 50 + 100 = 500.
        let later = actual_costs(&plan, &computed, status.plus_minutes(24 * 60)).expect("ok");
        assert_eq!(later[0].labour, 500.0);
    }
}
