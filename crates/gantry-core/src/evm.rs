//! Earned value management at a status date, per project and per WBS node.
//!
//! Against a saved baseline ([`crate::baseline`]):
//! - **BAC** (budget at completion): the baseline cost of the subtasks;
//! - **PV** (planned value, BCWS): the baseline cost planned to be spent by the status date — each
//!   subtask's baseline cost spread evenly over the working time of its baseline dates on its
//!   calendar (a baseline stores a cost per task, not per day, so costs that fall due at once are
//!   spread too; a zero-length task falls due at its baseline finish);
//! - **EV** (earned value, BCWP): baseline cost × percent complete;
//! - **AC** (actual cost, ACWP): what was spent by the status date ([`crate::cost::actual_costs`]):
//!   each assignment's labour from its time entries when it has some, else from the task's
//!   percent complete (actual work = percent complete × work, at the standard rate, plus the
//!   cost per use once started), with expenses and the costs accrued by progress;
//! - SV = EV − PV, CV = EV − AC, SPI = EV / PV, CPI = EV / AC;
//! - EAC three ways: BAC / CPI (the cost performance so far goes on), AC + (BAC − EV) (the rest
//!   goes to plan), AC + (BAC − EV) / (CPI × SPI) (cost and schedule performance both weigh);
//!   ETC = EAC − AC and VAC = BAC − EAC from the first; TCPI = (BAC − EV) / (BAC − AC), the cost
//!   performance needed on the remaining work to finish within budget.
//!
//! A ratio whose denominator is zero is `None`, never NaN or infinity, and so is every figure
//! computed from it. Summary tasks and the project add up their subtasks' BAC, PV, EV and AC
//! and compute their ratios from those sums.
//!
//! [`s_curve`] gives PV, EV and AC week by week. PV comes from the baseline as above. The past of
//! EV and AC is not recorded; it is rebuilt from what was: a task's earned value grows with its
//! logged hours (its share of the hours logged by the status date), or, without time entries,
//! evenly over the working time from its start to the status date (or its finish); expenses and
//! time entries count on their day; costs accrued by progress (labour of assignments without
//! time entries included) grow with the earned value.

use crate::baseline::{BaselineError, check_number};
use crate::cost::{
    Calendars, CostError, accrued_by_progress, actual_costs, entry_cost, labour_by_progress,
};
use crate::cpm::Schedule;
use crate::model::{Plan, TaskId};
use crate::time::{Instant, MINUTES_PER_DAY};

/// What to measure against and when.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvmOptions {
    /// The baseline number (0 to 10).
    pub baseline: u32,
    /// The status date: progress and costs are as of this instant.
    pub status_date: Instant,
}

/// The earned-value figures of a task, a WBS node or the project.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EvmFigures {
    /// Budget at completion: the baseline cost.
    pub bac: f64,
    /// Planned value (BCWS) at the status date.
    pub pv: f64,
    /// Earned value (BCWP) at the status date.
    pub ev: f64,
    /// Actual cost (ACWP) at the status date.
    pub ac: f64,
    /// Schedule variance, EV − PV.
    pub sv: f64,
    /// Cost variance, EV − AC.
    pub cv: f64,
    /// Schedule performance index, EV / PV (`None` when PV is 0).
    pub spi: Option<f64>,
    /// Cost performance index, EV / AC (`None` when AC is 0).
    pub cpi: Option<f64>,
    /// Estimate at completion, BAC / CPI.
    pub eac: Option<f64>,
    /// Estimate at completion if the remaining work goes to plan, AC + (BAC − EV).
    pub eac_remaining_to_plan: f64,
    /// Estimate at completion weighing cost and schedule, AC + (BAC − EV) / (CPI × SPI).
    pub eac_cpi_spi: Option<f64>,
    /// Estimate to complete, EAC − AC.
    pub etc: Option<f64>,
    /// Variance at completion, BAC − EAC.
    pub vac: Option<f64>,
    /// To-complete performance index to meet the BAC, (BAC − EV) / (BAC − AC) (`None` when the
    /// budget is spent, BAC = AC).
    pub tcpi: Option<f64>,
}

/// `numerator / denominator`, or `None` when the denominator is (nearly) zero.
fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    let value = numerator / denominator;
    (denominator.abs() > 1e-9 && value.is_finite()).then_some(value)
}

impl EvmFigures {
    /// Every figure from the four sums.
    pub fn from_values(bac: f64, pv: f64, ev: f64, ac: f64) -> EvmFigures {
        let spi = ratio(ev, pv);
        let cpi = ratio(ev, ac);
        let eac = cpi.and_then(|cpi| ratio(bac, cpi));
        let eac_cpi_spi = cpi
            .zip(spi)
            .and_then(|(cpi, spi)| ratio(bac - ev, cpi * spi))
            .map(|rest| ac + rest);
        EvmFigures {
            bac,
            pv,
            ev,
            ac,
            sv: ev - pv,
            cv: ev - ac,
            spi,
            cpi,
            eac,
            eac_remaining_to_plan: ac + (bac - ev),
            eac_cpi_spi,
            etc: eac.map(|eac| eac - ac),
            vac: eac.map(|eac| bac - eac),
            tcpi: ratio(bac - ev, bac - ac),
        }
    }
}

/// Whether a task is behind its baseline at the status date.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TaskStatus {
    /// Percent complete planned by the status date: for a subtask, the share of its baseline
    /// working time before the status date; for a summary, PV / BAC.
    pub planned_percent: f64,
    /// Percent complete reported (for a summary, EV / BAC when it has a budget).
    pub percent_complete: f64,
    /// Current finish − baseline finish in working days of the task's calendar.
    pub finish_variance_days: f64,
    /// It is planned to finish later than its baseline finish.
    pub finishes_late: bool,
    /// Its percent complete is below the percent planned by the status date.
    pub behind_progress: bool,
}

impl TaskStatus {
    /// Late or behind: flagged.
    pub fn behind_plan(&self) -> bool {
        self.finishes_late || self.behind_progress
    }
}

/// Earned value of a plan at a status date.
#[derive(Clone, Debug, PartialEq)]
pub struct EarnedValue {
    /// The baseline measured against.
    pub baseline: u8,
    /// The status date.
    pub status_date: Instant,
    /// The whole project.
    pub project: EvmFigures,
    /// Indexed by task id (summaries are WBS nodes, rolled up).
    pub tasks: Vec<EvmFigures>,
    /// Indexed by task id; `None` for tasks the baseline does not hold.
    pub status: Vec<Option<TaskStatus>>,
}

/// Why earned value cannot be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvmError {
    /// The baseline is out of range or not saved.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// Cost or tracking records are wrong, or a calendar cannot be built.
    #[error(transparent)]
    Cost(#[from] CostError),
}

/// Each subtask's (BAC, PV) at `at` from the baseline; summaries and tasks outside the baseline
/// get zeros.
fn planned_values(
    plan: &Plan,
    calendars: &Calendars,
    baseline: &crate::baseline::Baseline,
    summary: &[bool],
    at: Instant,
) -> Vec<(f64, f64)> {
    let scheduling_calendars = plan.scheduling_calendars();
    (0..plan.tasks.len())
        .map(|index| {
            let Some(saved) = baseline.task(TaskId(index as u32)) else {
                return (0.0, 0.0);
            };
            if summary[index] {
                return (0.0, 0.0);
            }
            let share = calendars.share_before(
                scheduling_calendars[index],
                Instant::from_civil(saved.start),
                Instant::from_civil(saved.finish),
                at,
            );
            (saved.cost, saved.cost * share)
        })
        .collect()
}

/// Adds each task's values to its ancestors (tasks in WBS order).
fn roll_up(plan: &Plan, values: &mut [[f64; 4]]) {
    for index in (0..plan.tasks.len()).rev() {
        if let Some(parent) = plan.tasks[index].parent
            && parent.index() < index
        {
            let child = values[index];
            for (total, value) in values[parent.index()].iter_mut().zip(child) {
                *total += value;
            }
        }
    }
}

/// The earned value of `plan` under `schedule` (computed with the same status date) against
/// the baseline and at the status date of `options`.
pub fn earned_value(
    plan: &Plan,
    schedule: &Schedule,
    options: &EvmOptions,
) -> Result<EarnedValue, EvmError> {
    let number = check_number(options.baseline)?;
    let baseline = plan
        .baseline(number)
        .ok_or(BaselineError::NotSaved { number })?;
    let calendars = Calendars::build(plan).map_err(CostError::from)?;
    let summary = plan.summary_flags();
    let status = options.status_date;
    let planned = planned_values(plan, &calendars, baseline, &summary, status);
    let actual = actual_costs(plan, schedule, status)?;
    // [BAC, PV, EV, AC] of each task's own work; summaries get theirs from the roll-up.
    let mut values: Vec<[f64; 4]> = (0..plan.tasks.len())
        .map(|index| {
            if summary[index] {
                return [0.0; 4];
            }
            let (bac, pv) = planned[index];
            let done = (schedule.tasks[index].percent_complete / 100.0).clamp(0.0, 1.0);
            [bac, pv, bac * done, actual[index].total]
        })
        .collect();
    roll_up(plan, &mut values);
    let tasks: Vec<EvmFigures> = values
        .iter()
        .map(|&[bac, pv, ev, ac]| EvmFigures::from_values(bac, pv, ev, ac))
        .collect();
    let mut project = [0.0; 4];
    for (index, task) in plan.tasks.iter().enumerate() {
        if task.parent.is_none() {
            for (total, value) in project.iter_mut().zip(values[index]) {
                *total += value;
            }
        }
    }
    let [bac, pv, ev, ac] = project;

    let scheduling_calendars = plan.scheduling_calendars();
    let per_day = plan.durations.minutes_per_day.max(1) as f64;
    let status_of = (0..plan.tasks.len())
        .map(|index| {
            let saved = baseline.task(TaskId(index as u32))?;
            let dates = &schedule.tasks[index];
            let calendar = calendars.get(scheduling_calendars[index]);
            let finish_variance_days = calendar
                .working_minutes_between(Instant::from_civil(saved.finish), dates.finish)
                as f64
                / per_day;
            let (planned_percent, percent_complete) = if summary[index] {
                let figures = &tasks[index];
                match (
                    ratio(figures.pv, figures.bac),
                    ratio(figures.ev, figures.bac),
                ) {
                    (Some(planned), Some(earned)) => (planned * 100.0, earned * 100.0),
                    _ => (0.0, dates.percent_complete),
                }
            } else {
                let share = calendars.share_before(
                    scheduling_calendars[index],
                    Instant::from_civil(saved.start),
                    Instant::from_civil(saved.finish),
                    status,
                );
                (share * 100.0, dates.percent_complete)
            };
            Some(TaskStatus {
                planned_percent,
                percent_complete,
                finish_variance_days,
                finishes_late: dates.finish > Instant::from_civil(saved.finish),
                behind_progress: percent_complete + 1e-6 < planned_percent,
            })
        })
        .collect();
    Ok(EarnedValue {
        baseline: number,
        status_date: status,
        project: EvmFigures::from_values(bac, pv, ev, ac),
        tasks,
        status: status_of,
    })
}

/// One point of the S-curve: cumulative values at an instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SCurvePoint {
    /// The instant (a week boundary, or the status date).
    pub at: Instant,
    /// Planned value by then.
    pub pv: f64,
    /// Earned value by then; `None` after the status date.
    pub ev: Option<f64>,
    /// Actual cost by then; `None` after the status date.
    pub ac: Option<f64>,
}

/// PV, EV and AC over time.
#[derive(Clone, Debug, PartialEq)]
pub struct SCurve {
    /// The baseline measured against.
    pub baseline: u8,
    /// The status date.
    pub status_date: Instant,
    /// Budget at completion (where PV ends).
    pub bac: f64,
    /// Points in time order: every Monday 00:00 from the week of the earliest date to the week
    /// after the latest (baseline, schedule, status date), and the status date itself.
    pub points: Vec<SCurvePoint>,
}

/// The S-curve of `plan` against the baseline of `options`, week by week.
pub fn s_curve(plan: &Plan, schedule: &Schedule, options: &EvmOptions) -> Result<SCurve, EvmError> {
    let earned = earned_value(plan, schedule, options)?;
    let number = earned.baseline;
    let baseline = plan
        .baseline(number)
        .ok_or(BaselineError::NotSaved { number })?;
    let calendars = Calendars::build(plan).map_err(CostError::from)?;
    let summary = plan.summary_flags();
    let status = options.status_date;
    let scheduling_calendars = plan.scheduling_calendars();

    // The span: baseline, schedule and status date.
    let mut first = schedule.project_start.min(status);
    let mut last = schedule.project_finish.max(status);
    for saved in baseline.tasks.iter().flatten() {
        first = first.min(Instant::from_civil(saved.start));
        last = last.max(Instant::from_civil(saved.finish));
    }
    let monday =
        |at: Instant| Instant((at.day_number() - at.weekday_index() as i64) * MINUTES_PER_DAY);
    let mut instants = vec![monday(first)];
    while let Some(&current) = instants.last() {
        if current > last || instants.len() > 10_000 {
            break;
        }
        instants.push(current.plus_minutes(7 * MINUTES_PER_DAY));
    }
    if let Err(position) = instants.binary_search(&status) {
        instants.insert(position, status);
    }

    // Each subtask's hours logged before the status date, by day, for the share of its
    // progress by a date.
    let mut logged_by_task: Vec<Vec<(Instant, f64)>> = vec![Vec::new(); plan.tasks.len()];
    for entry in &plan.tracking.time_entries {
        let day = Instant::from_date(entry.date);
        if day < status {
            logged_by_task[entry.task.index()].push((day, entry.hours + entry.overtime_hours));
        }
    }
    for logged in &mut logged_by_task {
        logged.sort_by_key(|(day, _)| *day);
    }
    let hours_by_status: Vec<f64> = logged_by_task
        .iter()
        .map(|logged| logged.iter().map(|(_, hours)| hours).sum())
        .collect();
    // Costs that grow with progress: fixed costs, materials and cost amounts, and the labour of
    // assignments without time entries.
    let by_progress: Vec<f64> = (0..plan.tasks.len())
        .map(|index| {
            let task = TaskId(index as u32);
            accrued_by_progress(plan, schedule, task)
                + labour_by_progress(plan, schedule, task, status)
        })
        .collect();
    let progress_share = |index: usize, at: Instant| -> f64 {
        if at >= status {
            return 1.0;
        }
        if hours_by_status[index] > 0.0 {
            let logged: f64 = logged_by_task[index]
                .iter()
                .take_while(|(day, _)| *day < at)
                .map(|(_, hours)| hours)
                .sum();
            return (logged / hours_by_status[index]).clamp(0.0, 1.0);
        }
        let dates = &schedule.tasks[index];
        let complete = dates.percent_complete >= 100.0;
        let to = if complete {
            dates.finish.min(status)
        } else {
            status
        };
        calendars.share_before(scheduling_calendars[index], dates.start, to, at)
    };

    let mut points = Vec::with_capacity(instants.len());
    for &at in &instants {
        let pv: f64 = planned_values(plan, &calendars, baseline, &summary, at)
            .iter()
            .map(|(_, pv)| pv)
            .sum();
        let (ev, ac) = if at <= status {
            let mut ev = 0.0;
            let mut ac = 0.0;
            for index in (0..plan.tasks.len()).filter(|&index| !summary[index]) {
                let share = progress_share(index, at);
                ev += earned.tasks[index].ev * share;
                ac += by_progress[index] * share;
            }
            let mut charged_per_use = Vec::new();
            for entry in &plan.tracking.time_entries {
                if Instant::from_date(entry.date) < at {
                    ac += entry_cost(plan, entry);
                    if !charged_per_use.contains(&(entry.task, entry.resource)) {
                        charged_per_use.push((entry.task, entry.resource));
                        ac += plan.resources[entry.resource.index()].cost_per_use;
                    }
                }
            }
            ac += plan
                .tracking
                .expenses
                .iter()
                .filter(|expense| Instant::from_date(expense.date) < at)
                .map(|expense| expense.amount)
                .sum::<f64>();
            (Some(ev), Some(ac))
        } else {
            (None, None)
        };
        points.push(SCurvePoint { at, pv, ev, ac });
    }
    Ok(SCurve {
        baseline: number,
        status_date: status,
        bac: earned.project.bac,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_denominators_give_none() {
        let figures = EvmFigures::from_values(1000.0, 0.0, 0.0, 0.0);
        assert_eq!(figures.spi, None);
        assert_eq!(figures.cpi, None);
        assert_eq!(figures.eac, None);
        assert_eq!(figures.eac_cpi_spi, None);
        assert_eq!(figures.etc, None);
        assert_eq!(figures.vac, None);
        assert_eq!(figures.tcpi, Some(1.0));
        assert_eq!(figures.eac_remaining_to_plan, 1000.0);
        // The budget spent: no TCPI.
        let spent = EvmFigures::from_values(1000.0, 500.0, 400.0, 1000.0);
        assert_eq!(spent.tcpi, None);
        // Nothing earned yet but money spent: CPI 0, so no BAC / CPI.
        let nothing = EvmFigures::from_values(1000.0, 500.0, 0.0, 200.0);
        assert_eq!(nothing.cpi, Some(0.0));
        assert_eq!(nothing.eac, None);
    }
}
