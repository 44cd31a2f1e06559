//! MS Project XML (MSPDI): the format Microsoft Project writes with *File › Save As › XML*, and
//! that ProjectLibre, GanttProject and MPXJ read and write.
//!
//! [`read_mspdi`] turns a file into an [`MspdiProject`]: the [`Plan`] the engine schedules, plus
//! what only MS Project holds (UIDs, contours, the tasks' `Baseline` elements, which also become
//! the plan's baselines) and the dates that
//! the program which saved the file had computed ([`StoredDates`]), kept apart so that
//! [`conformance`] can reschedule the plan from its inputs alone and compare. [`write_mspdi`]
//! writes a plan with its computed schedule back.
//!
//! How MSPDI maps onto the plan (details in docs/ms-project-compatibility.md):
//! - task UID 0, the project summary task, is not a plan task; its dates are kept in
//!   [`MspdiProject::project_summary`]. Blank rows (`IsNull`) are skipped.
//! - a task's plan key is `t` and its UID (`t12`), so links and exports keep MS Project's UIDs.
//! - a manually scheduled task (`Manual` = 1) becomes a Must Start On constraint at the start the
//!   user typed, which is how MS Project treats it for its successors; [`MspdiTask::manual`]
//!   keeps the flag, and conformance does not compare such tasks.
//! - `Duration`, `LinkLag` and slack use MS Project's units: ISO-8601 working time (clock time
//!   for elapsed formats) and tenths of a minute; percent lags are whole percent, as MPXJ writes
//!   them.

mod read;
mod recurrence;
mod write;

pub mod conformance;

use gantry_core::model::{Link, LinkType, Plan, TaskId};
use jiff::civil::DateTime;

pub use read::{MspdiError, read_mspdi};
pub use write::write_mspdi;

/// A project read from an MSPDI file.
#[derive(Clone, Debug, PartialEq)]
pub struct MspdiProject {
    /// The plan: tasks, links, calendars and the project's settings.
    pub plan: Plan,
    /// What MSPDI says about each plan task beyond the plan model, in the order of `plan.tasks`.
    pub tasks: Vec<MspdiTask>,
    /// MSPDI facts about each plan calendar, in the order of `plan.calendars`.
    pub calendars: Vec<MspdiCalendar>,
    /// MSPDI facts about each plan resource, in the order of `plan.resources`.
    pub resources: Vec<MspdiResource>,
    /// MSPDI facts about each plan assignment, in the order of `plan.assignments`.
    pub assignments: Vec<MspdiAssignment>,
    /// The dates stored on the project summary task (UID 0), when the file has one.
    pub project_summary: Option<StoredDates>,
    /// Whether constraints win over links (`HonorConstraints`; MS Project's default is on).
    pub honor_constraints: bool,
    /// Whether the project is scheduled from its start (`ScheduleFromStart`); Gantry schedules
    /// forward only, and reports a project scheduled from its finish as not comparable.
    pub schedule_from_start: bool,
    /// Blank rows (`IsNull` tasks) that were skipped.
    pub null_tasks: usize,
    /// Things the reader could only approximate, in words, with the element they concern.
    pub warnings: Vec<String>,
}

/// MSPDI's view of one plan task.
#[derive(Clone, Debug, PartialEq)]
pub struct MspdiTask {
    /// The task's unique id (`UID`).
    pub uid: i64,
    /// The row number (`ID`).
    pub id: Option<i64>,
    /// Manually scheduled (`Manual` = 1): its dates were typed, not computed.
    pub manual: bool,
    /// The summary flag as stored (`Summary`).
    pub summary: bool,
    /// The WBS code as stored.
    pub wbs: Option<String>,
    /// The dates and slack stored in the file.
    pub stored: StoredDates,
    /// Saved baselines (`Baseline` elements).
    pub baselines: Vec<Baseline>,
    /// The line of the `<Task>` element.
    pub line: u32,
}

/// The computed values a task carries in the file, as the program that saved it computed them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StoredDates {
    /// `Start`.
    pub start: Option<DateTime>,
    /// `Finish`.
    pub finish: Option<DateTime>,
    /// `EarlyStart`.
    pub early_start: Option<DateTime>,
    /// `EarlyFinish`.
    pub early_finish: Option<DateTime>,
    /// `LateStart`.
    pub late_start: Option<DateTime>,
    /// `LateFinish`.
    pub late_finish: Option<DateTime>,
    /// `TotalSlack` in tenths of a minute.
    pub total_slack_tenths: Option<i64>,
    /// `FreeSlack` in tenths of a minute.
    pub free_slack_tenths: Option<i64>,
    /// `Critical`.
    pub critical: Option<bool>,
}

/// MSPDI's view of one plan calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MspdiCalendar {
    /// The calendar's unique id (`UID`).
    pub uid: i64,
    /// Whether it is a base calendar (`IsBaseCalendar`); resource calendars are not.
    pub is_base: bool,
}

/// MSPDI's view of one plan resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MspdiResource {
    /// The resource's unique id (`UID`).
    pub uid: i64,
}

/// MSPDI's view of one plan assignment: what MS Project stores beyond who works on what.
#[derive(Clone, Debug, PartialEq)]
pub struct MspdiAssignment {
    /// The assignment's unique id (`UID`).
    pub uid: i64,
    /// Actual work in minutes.
    pub actual_work_minutes: i64,
    /// Remaining work in minutes, when stored.
    pub remaining_work_minutes: Option<i64>,
    /// Start, as stored.
    pub start: Option<DateTime>,
    /// Finish, as stored.
    pub finish: Option<DateTime>,
    /// The work contour (`WorkContour`: 0 flat, 1 back loaded, … 8 contoured by hand).
    pub contour: i64,
    /// The work per period (`TimephasedData`), kept for contoured assignments (contour 8),
    /// whose shape the user typed.
    pub timephased: Vec<TimephasedWork>,
}

/// MS Project's work contour code for work edited by hand, period by period.
pub const CONTOUR_EDITED: i64 = 8;

/// Work of an assignment in one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimephasedWork {
    /// `Type`: 1 remaining (planned) work, 2 actual work, and others MS Project defines.
    pub kind: i64,
    /// Period start.
    pub start: DateTime,
    /// Period finish.
    pub finish: DateTime,
    /// Work in the period, in minutes (`None` when the period is empty).
    pub minutes: Option<i64>,
}

/// One saved baseline of a task.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    /// Which baseline (0 = "Baseline", 1..=10 = "Baseline1".."Baseline10").
    pub number: u8,
    /// Baseline start.
    pub start: Option<DateTime>,
    /// Baseline finish.
    pub finish: Option<DateTime>,
    /// Baseline duration in minutes.
    pub duration_minutes: Option<i64>,
    /// Baseline work in minutes.
    pub work_minutes: Option<i64>,
    /// Baseline cost.
    pub cost: Option<f64>,
}

/// The plan's baselines of task `index`, as MSPDI `Baseline` elements.
fn mspdi_baselines(plan: &Plan, index: usize) -> Vec<Baseline> {
    plan.baselines
        .iter()
        .filter_map(|baseline| {
            let saved = baseline.tasks.get(index)?.as_ref()?;
            Some(Baseline {
                number: baseline.number,
                start: Some(saved.start),
                finish: Some(saved.finish),
                duration_minutes: Some(saved.duration_minutes),
                work_minutes: Some(saved.work_minutes),
                cost: Some(saved.cost),
            })
        })
        .collect()
}

/// The plan's baselines from the `Baseline` elements of its tasks: a task's baseline counts
/// when it has a start and a finish (MS Project leaves both out of baselines never saved).
pub(crate) fn plan_baselines(tasks: &[MspdiTask]) -> Vec<gantry_core::baseline::Baseline> {
    (0..=gantry_core::baseline::MAX_BASELINE)
        .filter_map(|number| {
            let saved: Vec<Option<gantry_core::baseline::BaselineTask>> = tasks
                .iter()
                .map(|task| {
                    let baseline = task
                        .baselines
                        .iter()
                        .find(|baseline| baseline.number == number)?;
                    Some(gantry_core::baseline::BaselineTask {
                        start: baseline.start?,
                        finish: baseline.finish?,
                        duration_minutes: baseline.duration_minutes.unwrap_or(0),
                        work_minutes: baseline.work_minutes.unwrap_or(0),
                        cost: baseline.cost.unwrap_or(0.0),
                    })
                })
                .collect();
            saved
                .iter()
                .any(Option::is_some)
                .then_some(gantry_core::baseline::Baseline {
                    number,
                    saved: None,
                    tasks: saved,
                })
        })
        .collect()
}

impl MspdiProject {
    /// Wraps a plan with no MSPDI facts of its own: UIDs follow the plan keys (`t12` → 12)
    /// where they can, row numbers otherwise; calendars are base calendars.
    pub fn from_plan(plan: Plan) -> MspdiProject {
        let mut used: std::collections::HashSet<i64> = plan
            .tasks
            .iter()
            .filter_map(|task| uid_from_key(&task.key))
            .collect();
        let mut next_uid = 1;
        let mut tasks = Vec::with_capacity(plan.tasks.len());
        let mut seen = std::collections::HashSet::new();
        for (index, task) in plan.tasks.iter().enumerate() {
            let uid = match uid_from_key(&task.key).filter(|uid| seen.insert(*uid)) {
                Some(uid) => uid,
                None => {
                    while used.contains(&next_uid) {
                        next_uid += 1;
                    }
                    used.insert(next_uid);
                    seen.insert(next_uid);
                    next_uid
                }
            };
            tasks.push(MspdiTask {
                uid,
                id: Some(index as i64 + 1),
                manual: false,
                summary: false,
                wbs: None,
                stored: StoredDates::default(),
                baselines: mspdi_baselines(&plan, index),
                line: 0,
            });
        }
        let calendars = (0..plan.calendars.len())
            .map(|index| MspdiCalendar {
                uid: index as i64 + 1,
                is_base: true,
            })
            .collect();
        let mut used_resources: std::collections::HashSet<i64> = plan
            .resources
            .iter()
            .filter_map(|resource| resource.key.strip_prefix('r')?.parse::<i64>().ok())
            .filter(|uid| *uid > 0)
            .collect();
        let mut next_resource = 1;
        let mut seen_resources = std::collections::HashSet::new();
        let resources = plan
            .resources
            .iter()
            .map(|resource| {
                let from_key = resource
                    .key
                    .strip_prefix('r')
                    .and_then(|uid| uid.parse::<i64>().ok())
                    .filter(|uid| *uid > 0 && seen_resources.insert(*uid));
                let uid = from_key.unwrap_or_else(|| {
                    while used_resources.contains(&next_resource) {
                        next_resource += 1;
                    }
                    used_resources.insert(next_resource);
                    seen_resources.insert(next_resource);
                    next_resource
                });
                MspdiResource { uid }
            })
            .collect();
        let assignments = (0..plan.assignments.len())
            .map(|index| MspdiAssignment {
                uid: index as i64 + 1,
                actual_work_minutes: 0,
                remaining_work_minutes: None,
                start: None,
                finish: None,
                contour: 0,
                timephased: Vec::new(),
            })
            .collect();
        MspdiProject {
            plan,
            tasks,
            calendars,
            resources,
            assignments,
            project_summary: None,
            honor_constraints: true,
            schedule_from_start: true,
            null_tasks: 0,
            warnings: Vec::new(),
        }
    }
}

impl MspdiProject {
    /// The plan as MS Project schedules it: what the file implies beyond the plan model, made
    /// explicit so that the engine gives MS Project's dates.
    ///
    /// - a manually scheduled task stays where the user put it: Must Start On its stored start;
    /// - a finish-to-finish or start-to-finish link into a summary task (MS Project does not
    ///   create them, MPXJ does) binds every task under the summary, as MPXJ schedules it.
    pub fn scheduling_plan(&self) -> Plan {
        let mut plan = self.plan.clone();
        for (task, info) in plan.tasks.iter_mut().zip(&self.tasks) {
            if info.manual
                && !info.summary
                && let Some(start) = info.stored.start
            {
                task.constraint = gantry_core::model::Constraint::MustStartOn(start);
            }
        }

        // Work contoured by hand, with gaps: the task keeps the working-time span of its
        // contour (its first to its last period of remaining work), which moves with the task.
        let scheduling_calendars = plan.scheduling_calendars();
        for (assignment, info) in self.plan.assignments.iter().zip(&self.assignments) {
            if info.contour != CONTOUR_EDITED {
                continue;
            }
            let calendar = scheduling_calendars[assignment.task.index()];
            let task = &mut plan.tasks[assignment.task.index()];
            if task.progress.actual_start.is_some() || task.duration.elapsed {
                continue;
            }
            let worked = info
                .timephased
                .iter()
                .filter(|period| period.kind == 1 && period.minutes.is_some_and(|m| m > 0));
            let first = worked.clone().map(|period| period.start).min();
            let last = worked.map(|period| period.finish).max();
            let (Some(first), Some(last)) = (first, last) else {
                continue;
            };
            if let Ok(calendar) =
                gantry_core::calendar::WorkingCalendar::build(&plan.calendars, calendar)
            {
                let span = calendar.working_minutes_between(
                    gantry_core::Instant::from_civil(first),
                    gantry_core::Instant::from_civil(last),
                );
                if span > task.duration.minutes {
                    task.duration.minutes = span;
                }
            }
        }

        // Finish-bound links into summary tasks, spread over the tasks under them.
        let summaries = plan.summary_flags();
        if plan.links.iter().any(|link| {
            summaries[link.successor.index()]
                && matches!(
                    link.kind,
                    LinkType::FinishToFinish | LinkType::StartToFinish
                )
        }) {
            let mut children: Vec<Vec<TaskId>> = vec![Vec::new(); plan.tasks.len()];
            for (index, task) in plan.tasks.iter().enumerate() {
                if let Some(parent) = task.parent {
                    children[parent.index()].push(TaskId(index as u32));
                }
            }
            let mut links = Vec::with_capacity(plan.links.len());
            for link in plan.links.drain(..) {
                if !(summaries[link.successor.index()]
                    && matches!(
                        link.kind,
                        LinkType::FinishToFinish | LinkType::StartToFinish
                    ))
                {
                    links.push(link);
                    continue;
                }
                let mut stack = vec![link.successor];
                while let Some(task) = stack.pop() {
                    if summaries[task.index()] {
                        stack.extend(children[task.index()].iter().rev());
                    } else if task != link.predecessor {
                        links.push(Link {
                            successor: task,
                            ..link.clone()
                        });
                    }
                }
            }
            plan.links = links;
        }
        plan
    }
}

/// The UID in a plan key written by the reader (`t12` → 12).
pub fn uid_from_key(key: &str) -> Option<i64> {
    key.strip_prefix('t')?
        .parse::<i64>()
        .ok()
        .filter(|uid| *uid > 0)
}

/// `periods` (from MS Project's availability table, or a plan's) as a partition of all time:
/// the gaps between them and the open ends get `outside` units. Periods are sorted by start.
pub(crate) fn availability_with_gaps_closed(
    mut periods: Vec<gantry_core::model::Availability>,
    outside: f64,
) -> Vec<gantry_core::model::Availability> {
    use gantry_core::model::Availability;
    if periods.is_empty() {
        return periods;
    }
    periods.sort_by_key(|period| period.from);
    let minute = |date: DateTime, minutes: i64| {
        date.checked_add(jiff::Span::new().minutes(minutes))
            .unwrap_or(date)
    };
    let mut result = Vec::with_capacity(periods.len() * 2 + 1);
    let mut covered_until: Option<DateTime> = None;
    let mut open_start = true;
    for period in periods {
        match (open_start, period.from) {
            (true, Some(from)) => result.push(Availability {
                from: None,
                to: Some(minute(from, -1)),
                units: outside,
            }),
            (false, Some(from)) => {
                if let Some(until) = covered_until
                    && minute(until, 1) < from
                {
                    result.push(Availability {
                        from: Some(minute(until, 1)),
                        to: Some(minute(from, -1)),
                        units: outside,
                    });
                }
            }
            (_, None) => {}
        }
        open_start = false;
        covered_until = period.to;
        let open_end = period.to.is_none();
        result.push(period);
        if open_end {
            return result;
        }
    }
    if let Some(until) = covered_until {
        result.push(Availability {
            from: Some(minute(until, 1)),
            to: None,
            units: outside,
        });
    }
    result
}
