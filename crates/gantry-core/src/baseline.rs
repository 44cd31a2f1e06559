//! Baselines: the schedule and costs a project agreed to, saved to measure the project against.
//!
//! As in MS Project a plan keeps up to eleven baselines, numbered 0 ("Baseline") to 10
//! ("Baseline10"). Each holds, for every task that existed when it was saved, its start,
//! finish, duration, work and cost ([`save_baseline`]). [`variances`] compares the current
//! schedule with one of them: start, finish and duration variances in working days on the
//! task's calendar (positive: later or longer than agreed), as MS Project shows them, and work
//! and cost variances in minutes and money.

use jiff::civil::DateTime;

use crate::calendar::CalendarError;
use crate::cost::{Calendars, task_costs};
use crate::cpm::Schedule;
use crate::model::{Plan, TaskId};
use crate::time::Instant;

/// The highest baseline number (MS Project's Baseline10).
pub const MAX_BASELINE: u8 = 10;

/// A saved baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    /// Which baseline: 0 is "Baseline", 1 to 10 are "Baseline1" to "Baseline10".
    pub number: u8,
    /// When it was saved, when known (MS Project files do not say).
    pub saved: Option<DateTime>,
    /// Indexed by task id: the task's baseline values; `None` for tasks added since (and past
    /// the end of the vector).
    pub tasks: Vec<Option<BaselineTask>>,
}

impl Baseline {
    /// The baseline values of a task, when it has them.
    pub fn task(&self, task: TaskId) -> Option<&BaselineTask> {
        self.tasks.get(task.index()).and_then(Option::as_ref)
    }
}

/// One task's values in a baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineTask {
    /// Baseline start.
    pub start: DateTime,
    /// Baseline finish.
    pub finish: DateTime,
    /// Baseline duration in working minutes.
    pub duration_minutes: i64,
    /// Baseline work in minutes.
    pub work_minutes: i64,
    /// Baseline cost (for a summary, its subtasks' costs rolled up).
    pub cost: f64,
}

/// MS Project's name of baseline `number` ("Baseline", "Baseline1" … "Baseline10").
pub fn baseline_name(number: u8) -> String {
    if number == 0 {
        "Baseline".to_string()
    } else {
        format!("Baseline{number}")
    }
}

/// A baseline that cannot be saved or used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BaselineError {
    /// Baselines are numbered 0 to 10.
    #[error(
        "baseline {number} does not exist: baselines are numbered 0 (Baseline) to 10 (Baseline10)"
    )]
    NumberOutOfRange {
        /// The number asked for.
        number: u32,
    },
    /// The baseline was never saved.
    #[error("{} has not been saved in this plan; save it first (`gantry baseline FILE --save {number}`)", baseline_name(*number))]
    NotSaved {
        /// The number asked for.
        number: u8,
    },
    /// A calendar cannot be built.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Checks a baseline number: 0 to 10.
pub fn check_number(number: u32) -> Result<u8, BaselineError> {
    u8::try_from(number)
        .ok()
        .filter(|&number| number <= MAX_BASELINE)
        .ok_or(BaselineError::NumberOutOfRange { number })
}

impl Plan {
    /// Baseline `number`, when it has been saved.
    pub fn baseline(&self, number: u8) -> Option<&Baseline> {
        self.baselines
            .iter()
            .find(|baseline| baseline.number == number)
    }
}

/// Each task's work in minutes, summaries rolled up.
pub(crate) fn rolled_up_work(plan: &Plan) -> Vec<i64> {
    let mut work = vec![0i64; plan.tasks.len()];
    for index in 0..plan.assignments.len() {
        if let Some(slot) = work.get_mut(plan.assignments[index].task.index()) {
            *slot += plan.assignment_work(index);
        }
    }
    for index in (0..plan.tasks.len()).rev() {
        if let Some(parent) = plan.tasks[index].parent
            && parent.index() < index
        {
            work[parent.index()] += work[index];
        }
    }
    work
}

/// A task's current duration in working minutes: the schedule's, except that a finished task
/// lasted from its actual start to its actual finish (as MS Project's Duration becomes the
/// actual duration once a task is complete).
pub(crate) fn current_duration(
    plan: &Plan,
    schedule: &Schedule,
    calendars: &Calendars,
    scheduling_calendars: &[crate::model::CalendarId],
    task: TaskId,
) -> i64 {
    let dates = schedule.task(task);
    let entry = plan.task(task);
    match (
        dates.is_summary || entry.duration.elapsed,
        entry.progress.actual_start,
        entry.progress.actual_finish,
    ) {
        (false, Some(start), Some(finish)) => calendars
            .get(scheduling_calendars[task.index()])
            .working_minutes_between(Instant::from_civil(start), Instant::from_civil(finish))
            .max(0),
        _ => dates.duration_minutes,
    }
}

/// Saves the current `schedule` of `plan` (with its work and costs) as baseline `number`, saved
/// at `saved`, replacing a baseline of that number. Baselines stay sorted by number.
pub fn save_baseline(
    plan: &mut Plan,
    schedule: &Schedule,
    number: u32,
    saved: DateTime,
) -> Result<(), BaselineError> {
    let number = check_number(number)?;
    let calendars = Calendars::build(plan)?;
    let scheduling_calendars = plan.scheduling_calendars();
    let costs = task_costs(plan);
    let work = rolled_up_work(plan);
    let tasks = (0..plan.tasks.len())
        .map(|index| {
            let id = TaskId(index as u32);
            let dates = schedule.task(id);
            Some(BaselineTask {
                start: dates.start.to_civil(),
                finish: dates.finish.to_civil(),
                duration_minutes: current_duration(
                    plan,
                    schedule,
                    &calendars,
                    &scheduling_calendars,
                    id,
                ),
                work_minutes: work[index],
                cost: costs[index].total,
            })
        })
        .collect();
    let baseline = Baseline {
        number,
        saved: Some(saved),
        tasks,
    };
    match plan
        .baselines
        .binary_search_by_key(&number, |baseline| baseline.number)
    {
        Ok(position) => plan.baselines[position] = baseline,
        Err(position) => plan.baselines.insert(position, baseline),
    }
    Ok(())
}

/// How a task's current schedule differs from a baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskVariance {
    /// Start − baseline start, in working days of the task's calendar (positive: later).
    pub start_days: f64,
    /// Finish − baseline finish, in working days of the task's calendar (positive: later).
    pub finish_days: f64,
    /// Duration − baseline duration, in working days (positive: longer).
    pub duration_days: f64,
    /// Work − baseline work, in minutes.
    pub work_minutes: i64,
    /// Cost − baseline cost (positive: over budget).
    pub cost: f64,
}

/// The variance of every task against baseline `number` (`None` for tasks the baseline does not
/// hold). A working day is the plan's "hours per day".
pub fn variances(
    plan: &Plan,
    schedule: &Schedule,
    number: u32,
) -> Result<Vec<Option<TaskVariance>>, BaselineError> {
    let number = check_number(number)?;
    let baseline = plan
        .baseline(number)
        .ok_or(BaselineError::NotSaved { number })?;
    let calendars = Calendars::build(plan)?;
    let scheduling_calendars = plan.scheduling_calendars();
    let costs = task_costs(plan);
    let work = rolled_up_work(plan);
    let per_day = plan.durations.minutes_per_day.max(1) as f64;
    Ok((0..plan.tasks.len())
        .map(|index| {
            let id = TaskId(index as u32);
            let saved = baseline.task(id)?;
            let calendar = calendars.get(scheduling_calendars[index]);
            let dates = schedule.task(id);
            let days = |from: DateTime, to: Instant| {
                calendar.working_minutes_between(Instant::from_civil(from), to) as f64 / per_day
            };
            Some(TaskVariance {
                start_days: days(saved.start, dates.start),
                finish_days: days(saved.finish, dates.finish),
                duration_days: (current_duration(
                    plan,
                    schedule,
                    &calendars,
                    &scheduling_calendars,
                    id,
                ) - saved.duration_minutes) as f64
                    / per_day,
                work_minutes: work[index] - saved.work_minutes,
                cost: costs[index].total - saved.cost,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpm::{ScheduleOptions, schedule};
    use crate::model::{Assignment, Duration, Link, LinkType, Resource, Task};

    fn plan() -> Plan {
        let mut plan = Plan::new("baselines", "2026-03-02T08:00".parse().expect("date"));
        let mut design = Task::new("design", "Design");
        design.duration = Duration::working(3 * 480);
        let design = plan.add_task(design);
        let mut build = Task::new("build", "Build");
        build.duration = Duration::working(2 * 480);
        let build = plan.add_task(build);
        plan.add_link(Link {
            predecessor: design,
            successor: build,
            kind: LinkType::FinishToStart,
            lag: crate::model::Lag::None,
        });
        let mut ana = Resource::new("ana", "Ana");
        ana.standard_rate = 100.0;
        let ana = plan.add_resource(ana);
        for task in [design, build] {
            plan.assignments.push(Assignment {
                task,
                resource: ana,
                units: 1.0,
                work: None,
            });
        }
        plan
    }

    #[test]
    fn saved_baseline_holds_dates_work_and_cost() {
        let mut plan = plan();
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let saved_at = "2026-02-27T17:00".parse().expect("date");
        save_baseline(&mut plan, &computed, 3, saved_at).expect("saved");
        let baseline = plan.baseline(3).expect("baseline 3");
        assert_eq!(baseline.saved, Some(saved_at));
        let build = baseline.task(TaskId(1)).expect("build");
        assert_eq!(build.start, "2026-03-05T08:00".parse().expect("date"));
        assert_eq!(build.finish, "2026-03-06T17:00".parse().expect("date"));
        assert_eq!((build.duration_minutes, build.work_minutes), (960, 960));
        assert_eq!(build.cost, 1600.0);
    }

    #[test]
    fn variance_in_working_days_across_a_weekend() {
        let mut plan = plan();
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let saved_at = plan.start;
        save_baseline(&mut plan, &computed, 0, saved_at).expect("saved");
        // Design takes two days more: Build moves from Thu 5 – Fri 6 to Mon 9 – Tue 10, two
        // working days later though four calendar days; its cost stays, design's rises by 1,600.
        plan.tasks[0].duration = Duration::working(5 * 480);
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let variances = variances(&plan, &computed, 0).expect("variances");
        let design = variances[0].expect("design");
        assert_eq!((design.start_days, design.finish_days), (0.0, 2.0));
        assert_eq!(design.duration_days, 2.0);
        assert_eq!((design.work_minutes, design.cost), (960, 1600.0));
        let build = variances[1].expect("build");
        assert_eq!((build.start_days, build.finish_days), (2.0, 2.0));
        assert_eq!((build.duration_days, build.cost), (0.0, 0.0));
    }

    #[test]
    fn baseline_numbers_stop_at_ten() {
        let mut plan = plan();
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let saved_at = plan.start;
        let error = save_baseline(&mut plan, &computed, 11, saved_at).expect_err("11");
        assert_eq!(error, BaselineError::NumberOutOfRange { number: 11 });
        assert_eq!(
            error.to_string(),
            "baseline 11 does not exist: baselines are numbered 0 (Baseline) to 10 (Baseline10)"
        );
        assert!(plan.baselines.is_empty());
        assert_eq!(
            variances(&plan, &computed, 10),
            Err(BaselineError::NotSaved { number: 10 })
        );
    }
}
