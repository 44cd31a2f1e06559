//! The critical path method, with Microsoft Project's semantics as the reference.
//!
//! [`schedule`] turns a [`Plan`] into a [`Schedule`]: early and late dates, total and free float,
//! the critical flag, the driving predecessors of every task, the project finish and its critical
//! paths, and diagnostics for what a project manager must look at (a constraint that forces
//! negative float, a link a constraint overrides, a missed deadline).
//!
//! # The network
//! Each task is a node; a summary task is two: its *gate* (what its own predecessors and
//! constraints impose on the start of everything inside it) and its *roll-up* (the earliest start
//! and latest finish of its subtasks). A link from task P to task S becomes an edge from P's
//! roll-up (or P itself for a leaf) to S's gate (or S itself); a summary's gate feeds each child,
//! and each child feeds the summary's roll-up. This is how links on summary tasks act on all their
//! subtasks, as in MS Project, without copying links. The graph is stored as flat arrays of
//! edges with compressed incoming and outgoing adjacency, and processed in one topological order.
//!
//! # Conventions (MS Project's)
//! * Starts are at the beginning of working time and finishes at the end: a one-day task that
//!   starts Monday 08:00 finishes Monday 17:00 and its successor starts Tuesday 08:00. A milestone
//!   may sit at the end of a working period (Monday 17:00).
//! * Lags count on the successor's calendar; a percent lag is that share of the predecessor's
//!   duration; an elapsed lag is clock time.
//! * Constraint dates win over links ("tasks honour their constraint dates"): a link that a
//!   constraint overrides is reported, and the resulting negative float too.
//! * Deadlines do not move a task; they pull its late finish and flag when missed.
//! * Late finish of a task without successors is the project finish. Total float is the smaller
//!   of start float and finish float (finish float once the task has started), in working minutes
//!   of the task's calendar; a task is critical when its total float is ≤ 0 and it is not complete.
//! * As-late-as-possible tasks are placed at their late dates, and their successors follow them.
//! * Progress: actual dates are facts; the remaining work of a started task, and all work of an
//!   unstarted one, is scheduled after the status date (when the option is on).

use std::sync::Arc;

use jiff::civil::DateTime;
use rayon::prelude::*;

use crate::calendar::{CalendarError, WorkingCalendar};
use crate::model::{Constraint, Lag, LinkId, LinkType, Plan, TaskId};
use crate::split::{CalendarCache, SplitFate, split_fate};
use crate::time::Instant;

/// How to schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleOptions {
    /// Overrides the plan's status date.
    pub status_date: Option<DateTime>,
    /// Schedule unstarted work, and the remaining work of started tasks, after the status date.
    pub schedule_after_status_date: bool,
    /// At most this many critical paths are listed (a network can have exponentially many).
    pub max_critical_paths: usize,
}

impl Default for ScheduleOptions {
    fn default() -> Self {
        ScheduleOptions {
            status_date: None,
            schedule_after_status_date: true,
            max_critical_paths: 16,
        }
    }
}

/// The computed schedule of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// The plan's start.
    pub project_start: Instant,
    /// The latest finish of any task.
    pub project_finish: Instant,
    /// The status date in force, if any.
    pub status_date: Option<Instant>,
    /// One entry per task, indexed by [`TaskId`].
    pub tasks: Vec<TaskSchedule>,
    /// Chains of critical tasks (leaf tasks, first to last) that end at the project finish.
    pub critical_paths: Vec<Vec<TaskId>>,
    /// Warnings about the plan: negative float, overridden links, missed deadlines.
    pub diagnostics: Vec<Diagnostic>,
    /// The driving links of every task driven by links, task after task (one flat list rather
    /// than a vector per task: a schedule of a million tasks allocates once).
    driving_links: Vec<LinkId>,
    /// The driving subtasks of every summary task, likewise.
    driving_subtasks: Vec<TaskId>,
}

impl Schedule {
    /// The schedule of one task.
    pub fn task(&self, id: TaskId) -> &TaskSchedule {
        &self.tasks[id.index()]
    }

    /// The links that set a task's early start ([`Driver::Links`]): on the task, or on a summary
    /// task above it. Empty for other drivers.
    pub fn driving_links(&self, id: TaskId) -> &[LinkId] {
        let entry = self.task(id);
        match entry.driver {
            Driver::Links => {
                &self.driving_links[entry.drivers.start as usize..entry.drivers.end as usize]
            }
            _ => &[],
        }
    }

    /// The subtasks a summary task's start rolls up from ([`Driver::Subtasks`]). Empty for others.
    pub fn driving_subtasks(&self, id: TaskId) -> &[TaskId] {
        let entry = self.task(id);
        match entry.driver {
            Driver::Subtasks => {
                &self.driving_subtasks[entry.drivers.start as usize..entry.drivers.end as usize]
            }
            _ => &[],
        }
    }
}

/// The computed dates and float of one task.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSchedule {
    /// Scheduled start: the actual start, else the late start of an ALAP task, else the early start.
    pub start: Instant,
    /// Scheduled finish, likewise.
    pub finish: Instant,
    /// Earliest start the links, constraints and progress allow.
    pub early_start: Instant,
    /// Earliest finish.
    pub early_finish: Instant,
    /// Latest start that does not delay the project finish, a successor's late dates or a constraint.
    pub late_start: Instant,
    /// Latest finish, likewise.
    pub late_finish: Instant,
    /// Working minutes the task can slip without delaying the project (may be negative).
    pub total_float: i64,
    /// Working minutes the task can slip without delaying any successor's early dates.
    pub free_float: i64,
    /// Total float ≤ 0 and not complete (for a summary: any subtask critical).
    pub critical: bool,
    /// Has subtasks; its dates roll up.
    pub is_summary: bool,
    /// A milestone.
    pub is_milestone: bool,
    /// Working minutes from start to finish on the task's calendar (clock minutes if elapsed),
    /// the pauses of a split task left out.
    pub duration_minutes: i64,
    /// Share of the duration done, 0–100 (rolled up by duration for summaries).
    pub percent_complete: f64,
    /// Why the task starts when it does; the links or subtasks involved are
    /// [`Schedule::driving_links`] and [`Schedule::driving_subtasks`].
    pub driver: Driver,
    /// Where this task's drivers sit in the schedule's flat driver lists.
    drivers: std::ops::Range<u32>,
}

/// What sets a task's early start ("why is this task here?").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// Nothing but the project start.
    ProjectStart,
    /// The status date: unstarted work cannot be scheduled in the past.
    StatusDate,
    /// Its own constraint date (or a constraint on a summary task above it).
    Constraint,
    /// It has started: the actual start is a fact.
    Actual,
    /// Links (on the task or on a summary task above it) give the latest bound; see
    /// [`Schedule::driving_links`].
    Links,
    /// A summary task: its start rolls up from its earliest subtasks; see
    /// [`Schedule::driving_subtasks`].
    Subtasks,
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The plan can be scheduled, but a person should look at this.
    Warning,
    /// The plan cannot be scheduled as written.
    Error,
}

/// What a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// Tasks depend on each other in a circle.
    DependencyLoop,
    /// A link that MS Project does not allow (to itself, between a summary and its own subtask,
    /// finish-to-finish or start-to-finish into a summary task).
    InvalidLink,
    /// A calendar is broken or has run out of working time.
    Calendar,
    /// A constraint date keeps a task earlier than its links allow: the links are not honoured
    /// and the tasks driving it get negative total float.
    NegativeFloat,
    /// A task finishes after its deadline.
    MissedDeadline,
    /// A constraint that has no effect where it is (on a summary task).
    IgnoredConstraint,
    /// A split that no longer applies (its task started, became a summary or elapsed, or is no
    /// longer than the work before the pause): the task is scheduled without that pause.
    IgnoredSplit,
}

/// A message about the plan, naming the tasks and links involved.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// The tasks involved, in a meaningful order (a loop in loop order, a driving chain from its start).
    pub tasks: Vec<TaskId>,
    /// The links involved.
    pub links: Vec<LinkId>,
    /// The message, naming tasks by name.
    pub message: String,
}

/// Why a plan could not be scheduled: every error found, as diagnostics.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the plan cannot be scheduled: {}", .diagnostics.first().map_or("", |d| d.message.as_str()))]
pub struct ScheduleFailure {
    /// The errors (severity [`Severity::Error`]).
    pub diagnostics: Vec<Diagnostic>,
}

impl ScheduleFailure {
    fn single(kind: DiagnosticKind, tasks: Vec<TaskId>, message: String) -> ScheduleFailure {
        ScheduleFailure {
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                kind,
                tasks,
                links: Vec::new(),
                message,
            }],
        }
    }

    /// A calendar that cannot answer (no working time), found outside the engine's passes.
    pub(crate) fn calendar(message: String) -> ScheduleFailure {
        ScheduleFailure::single(DiagnosticKind::Calendar, Vec::new(), message)
    }
}

/// Marks an edge that is part of the WBS (gate → child, child → roll-up), not a link.
const HIERARCHY: u32 = u32::MAX;

/// Plans of at least this many tasks have their per-task results (float, drivers, the result
/// records) computed on every core; below it the threads would cost more than they save.
const PARALLEL_TASKS: usize = 16_384;

/// `Network::parent` of a top-level task.
const NO_PARENT: u32 = u32::MAX;

/// `Engine::incoming_meta` / `outgoing_meta`: the link type in the low two bits, then flags.
const EDGE_KIND: u8 = 0b11;
const EDGE_FINISH_TO_START: u8 = 0;
const EDGE_START_TO_START: u8 = 1;
const EDGE_FINISH_TO_FINISH: u8 = 2;
const EDGE_START_TO_FINISH: u8 = 3;
/// Both ends share a calendar and the lag is a fixed number of working minutes.
const EDGE_FAST: u8 = 1 << 2;
/// A WBS edge (gate → child or child → roll-up), not a link.
const EDGE_HIERARCHY: u8 = 1 << 3;
/// A link with an elapsed lag, whose clock minutes are in the lag arrays (never with
/// `EDGE_FAST`): the counted passes handle it without reading the link.
const EDGE_ELAPSED: u8 = 1 << 4;

/// The `EDGE_*` kind bits of a link type.
fn edge_kind(kind: LinkType) -> u8 {
    match kind {
        LinkType::FinishToStart => EDGE_FINISH_TO_START,
        LinkType::StartToStart => EDGE_START_TO_START,
        LinkType::FinishToFinish => EDGE_FINISH_TO_FINISH,
        LinkType::StartToFinish => EDGE_START_TO_FINISH,
    }
}

/// `Engine::flags` bits.
const TASK_SUMMARY: u16 = 1;
const TASK_MILESTONE: u16 = 1 << 1;
const TASK_ELAPSED: u16 = 1 << 2;
/// Reported as started: an actual start or finish, or a percentage complete above zero.
const TASK_STARTED: u16 = 1 << 3;
const TASK_COMPLETE: u16 = 1 << 4;
/// An ALAP task that has not started: placed at its late dates.
const TASK_ALAP_LATE: u16 = 1 << 5;
/// Shown as a milestone (zero duration, or flagged so in the plan).
const TASK_SHOWN_AS_MILESTONE: u16 = 1 << 6;
/// Has a dated constraint (SNET, SNLT, FNET, FNLT, MSO, MFO).
const TASK_DATED_CONSTRAINT: u16 = 1 << 7;
/// Scheduled as late as possible (started or not).
const TASK_ALAP: u16 = 1 << 8;
/// The successor of at least one start-to-finish link: only such a task can have its finish
/// set by a start (see `Engine::finish_set_by_start`), so the others skip that scan.
const TASK_START_TO_FINISH_IN: u16 = 1 << 9;

/// Schedules `plan`. Deterministic: the same plan and options give the same schedule.
///
/// To schedule again and again (a server re-scheduling a project after every change), keep a
/// [`Scheduler`]: it gives the same schedules and keeps its working memory between them.
pub fn schedule(plan: &Plan, options: &ScheduleOptions) -> Result<Schedule, ScheduleFailure> {
    Scheduler::new().schedule(plan, options)
}

/// Schedules plans one after another, keeping the engine's working memory (tens of megabytes
/// for a plan of 100,000 tasks) from one schedule to the next instead of asking the operating
/// system for it, and faulting it in, each time.
#[derive(Debug, Default)]
pub struct Scheduler {
    pools: Pools,
}

impl Scheduler {
    /// A scheduler with no memory kept yet.
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// Schedules `plan`; the same result as [`schedule`].
    pub fn schedule(
        &mut self,
        plan: &Plan,
        options: &ScheduleOptions,
    ) -> Result<Schedule, ScheduleFailure> {
        let pools = &mut self.pools;
        let mut engine = Engine::prepare(plan, options, pools, PARALLEL_TASKS)?;
        engine.run()?;
        Ok(engine.into_schedule(pools))
    }
}

/// A plan prepared once and scheduled again and again with other task durations: what a Monte
/// Carlo simulation does thousands of times.
///
/// The network, the calendars, the constraints and the link arrays are built once; each call of
/// [`DurationScheduler::schedule`] restores the engine's working vectors to their state before
/// the first pass, puts in the new durations (with what follows from them: progress done,
/// zero-duration milestones, percent lags) and runs the same forward, backward and ALAP passes
/// as [`schedule`], then the same float and critical rules. It gives the project finish and the
/// critical flags [`schedule`] would give for the plan with those durations, without the
/// diagnostics, drivers and critical paths a person reads. Clone one per thread.
#[derive(Clone)]
pub struct DurationScheduler<'a> {
    engine: Engine<'a>,
    /// The engine as built, before any pass: what each run starts from.
    initial: Engine<'a>,
    /// Positions in the incoming and outgoing adjacency of the links whose lag is a percentage
    /// of a leaf predecessor's duration and counts as working minutes (`EDGE_FAST`).
    percent_lags: Vec<PercentLag>,
    /// Per task: the remaining duration reported on it, if any (a task not started can carry
    /// one), and whether it is flagged a milestone: what a new duration needs from the task
    /// records, kept here so that a run does not read a whole record per task.
    reported_remaining: Vec<Option<i64>>,
    flagged_milestone: Vec<bool>,
    /// The splits that may apply, by task: a split task spans its duration and the pauses that
    /// fall inside it.
    splits: Vec<crate::model::Split>,
    /// Per task: the duration [`DurationScheduler::durations`] gives, pauses left out.
    work_durations: Vec<i64>,
    critical: Vec<bool>,
    total_floats: Vec<i64>,
    open: Vec<bool>,
}

/// A percent lag that a new duration of its predecessor changes.
#[derive(Clone, Copy, Debug)]
struct PercentLag {
    predecessor: u32,
    percent: f64,
    incoming_position: u32,
    outgoing_position: u32,
}

impl<'a> DurationScheduler<'a> {
    /// Prepares `plan`; fails as [`schedule`] would on a plan that cannot be scheduled.
    pub fn new(
        plan: &'a Plan,
        options: &ScheduleOptions,
    ) -> Result<DurationScheduler<'a>, ScheduleFailure> {
        // The checks `schedule` makes, with its messages: prepare only what schedules.
        schedule(plan, options)?;
        let mut pools = Pools::default();
        let network = Network::build(plan, &mut pools)?;
        let engine = Engine::new(plan, options, network, &mut pools)?;
        let link_count = plan.links.len();
        let mut incoming_position = vec![u32::MAX; link_count];
        let mut outgoing_position = vec![u32::MAX; link_count];
        // Link edges come first, in link order: edge `i` below the link count is link `i`.
        for (position, &edge) in engine.network.incoming.iter().enumerate() {
            if let Some(slot) = incoming_position.get_mut(edge as usize) {
                *slot = position as u32;
            }
        }
        for (position, &edge) in engine.network.outgoing.iter().enumerate() {
            if let Some(slot) = outgoing_position.get_mut(edge as usize) {
                *slot = position as u32;
            }
        }
        let percent_lags = plan
            .links
            .iter()
            .enumerate()
            .filter_map(|(index, link)| match link.lag {
                Lag::Percent(percent)
                    if !engine.network.is_summary[link.predecessor.index()]
                        && incoming_position[index] != u32::MAX
                        && engine.incoming_meta[incoming_position[index] as usize] & EDGE_FAST
                            != 0 =>
                {
                    Some(PercentLag {
                        predecessor: link.predecessor.0,
                        percent,
                        incoming_position: incoming_position[index],
                        outgoing_position: outgoing_position[index],
                    })
                }
                _ => None,
            })
            .collect();
        let task_count = plan.tasks.len();
        // Every split that may apply, whatever duration a run gives its task (a pause applies
        // while it falls inside the duration; see `split::applying_splits`).
        let mut splits: Vec<crate::model::Split> = plan
            .splits
            .iter()
            .filter(|split| {
                plan.tasks.get(split.task.index()).is_some_and(|task| {
                    !engine.network.is_summary[split.task.index()]
                        && !task.duration.elapsed
                        && !task.is_started()
                        && split.gap > 0
                        && split.after > 0
                })
            })
            .copied()
            .collect();
        splits.sort_by_key(|split| (split.task, split.after));
        let work_durations = (0..task_count)
            .map(|task| engine.duration[task] - engine.split_gap(task))
            .collect();
        Ok(DurationScheduler {
            initial: engine.clone(),
            engine,
            percent_lags,
            reported_remaining: plan
                .tasks
                .iter()
                .map(|task| task.progress.remaining.map(|remaining| remaining.minutes))
                .collect(),
            flagged_milestone: plan.tasks.iter().map(|task| task.milestone).collect(),
            splits,
            work_durations,
            critical: vec![false; task_count],
            total_floats: vec![0; task_count],
            open: vec![false; task_count],
        })
    }

    /// The duration of each task as the engine schedules it (working minutes, or clock minutes
    /// for a task in elapsed time; work stated on assignments included; 0 for summaries; the
    /// pauses of a split task left out: they stay as planned whatever its duration).
    pub fn durations(&self) -> &[i64] {
        &self.work_durations
    }

    /// Whether the duration of `task` can be changed: a leaf task with no progress reported.
    /// Progress is a fact, and summaries roll up; the durations of other tasks are kept.
    pub fn is_variable(&self, task: TaskId) -> bool {
        self.initial.flags[task.index()] & (TASK_SUMMARY | TASK_STARTED) == 0
    }

    /// Schedules the plan with `durations` (one per task, in the units of
    /// [`DurationScheduler::durations`]; negative ones count as 0; ignored for the tasks
    /// [`DurationScheduler::is_variable`] refuses) and returns the project finish. The critical
    /// flags are then [`DurationScheduler::critical`].
    pub fn schedule(&mut self, durations: &[i64]) -> Result<Instant, ScheduleFailure> {
        self.restore();
        let engine = &mut self.engine;
        let plan = engine.plan;
        let splits = &self.splits;
        // The pauses of `task` inside `work` minutes of duration (a pause after the end of a
        // shortened task no longer applies, as `split::applying_splits` says).
        let gap = |task: usize, work: i64| -> i64 {
            if splits.is_empty() {
                return 0;
            }
            crate::split::splits_of(splits, TaskId(task as u32))
                .iter()
                .filter(|split| split.after < work)
                .map(|split| split.gap)
                .sum()
        };
        for (task, &minutes) in durations.iter().enumerate().take(plan.tasks.len()) {
            let work = minutes.max(0);
            // A split task spans its work and its pauses, as in `Engine::new`.
            let minutes = work + gap(task, work);
            if minutes == engine.duration[task]
                || engine.flags[task] & (TASK_SUMMARY | TASK_STARTED) != 0
            {
                continue;
            }
            engine.duration[task] = minutes;
            // Not started: `done_minutes` is the reported remaining work's complement, or 0.
            let done = self.reported_remaining[task]
                .map_or(0, |remaining| (minutes - remaining).clamp(0, minutes));
            engine.progress[task].done = done;
            engine.progress[task].remaining = minutes - done;
            let milestone = work == 0;
            let shown = milestone || self.flagged_milestone[task];
            engine.flags[task] = (engine.flags[task] & !(TASK_MILESTONE | TASK_SHOWN_AS_MILESTONE))
                | if milestone { TASK_MILESTONE } else { 0 }
                | if shown { TASK_SHOWN_AS_MILESTONE } else { 0 };
        }
        for lag in &self.percent_lags {
            // Of the predecessor's duration in this run, its pauses left out.
            let predecessor = lag.predecessor as usize;
            let work = match durations.get(predecessor) {
                Some(&minutes)
                    if engine.flags[predecessor] & (TASK_SUMMARY | TASK_STARTED) == 0 =>
                {
                    minutes.max(0)
                }
                _ => self.work_durations[predecessor],
            };
            let minutes = (work as f64 * lag.percent / 100.0).round() as i64;
            engine.incoming_lag[lag.incoming_position as usize] = minutes;
            if lag.outgoing_position != u32::MAX {
                engine.outgoing_lag[lag.outgoing_position as usize] = minutes;
            }
        }
        engine.run_passes()?;
        engine.critical_flags(&mut self.critical, &mut self.total_floats, &mut self.open);
        Ok(engine.project_finish)
    }

    /// Whether each task was critical in the last [`DurationScheduler::schedule`].
    pub fn critical(&self) -> &[bool] {
        &self.critical
    }

    /// Total float of each task in the last [`DurationScheduler::schedule`], in working minutes.
    pub fn total_floats(&self) -> &[i64] {
        &self.total_floats
    }

    /// Puts back every vector the passes and the durations change.
    fn restore(&mut self) {
        let (engine, initial) = (&mut self.engine, &self.initial);
        engine.duration.clone_from(&initial.duration);
        engine.progress.clone_from(&initial.progress);
        engine.flags.clone_from(&initial.flags);
        engine.incoming_lag.clone_from(&initial.incoming_lag);
        engine.outgoing_lag.clone_from(&initial.outgoing_lag);
        engine.early_start.clone_from(&initial.early_start);
        engine.early_finish.clone_from(&initial.early_finish);
        engine.late_start.clone_from(&initial.late_start);
        engine.late_finish.clone_from(&initial.late_finish);
        engine.gate_start.clone_from(&initial.gate_start);
        engine.gate_bound.clone_from(&initial.gate_bound);
        engine.reason.clone_from(&initial.reason);
        engine.edges_bound.clone_from(&initial.edges_bound);
        engine.edge_value.clone_from(&initial.edge_value);
        engine
            .early_start_count
            .clone_from(&initial.early_start_count);
        engine
            .early_finish_count
            .clone_from(&initial.early_finish_count);
        engine
            .late_start_count
            .clone_from(&initial.late_start_count);
        engine
            .late_finish_count
            .clone_from(&initial.late_finish_count);
        engine.gate_count.clone_from(&initial.gate_count);
        engine
            .rollup_finish_count
            .clone_from(&initial.rollup_finish_count);
        engine
            .project_finish_count
            .clone_from(&initial.project_finish_count);
        engine
            .rollup_finish_bound
            .clone_from(&initial.rollup_finish_bound);
        engine
            .rollup_start_bound
            .clone_from(&initial.rollup_start_bound);
        engine
            .links_start_count
            .clone_from(&initial.links_start_count);
        engine.diagnostics.clear();
        engine.project_finish = initial.project_finish;
        engine.alap_pass = initial.alap_pass;
    }
}

/// Working memory kept between schedules: for each element type, a few cleared vectors.
#[derive(Debug, Default)]
struct Pools {
    instants: Vec<Vec<Instant>>,
    optional_instants: Vec<Vec<MaybeInstant>>,
    counts: Vec<Vec<i64>>,
    numbers: Vec<Vec<u32>>,
    bytes: Vec<Vec<u8>>,
    shorts: Vec<Vec<u16>>,
    flags: Vec<Vec<bool>>,
    reasons: Vec<Vec<Reason>>,
    progress: Vec<Vec<TaskProgress>>,
    /// The working calendars of the last plan, kept while its calendar definitions stay the
    /// same (leveling schedules a plan hundreds of times over, its calendars unchanged).
    calendars: CalendarCache,
    /// The vectors of the engine's per-task arrays ([`TaskSetup`]), kept apart so that they
    /// can be prepared on one core while the network is built on another.
    tasks: Option<Box<Pools>>,
}

/// An element type [`Pools`] keeps vectors of.
trait Pooled: Clone {
    fn stack(pools: &mut Pools) -> &mut Vec<Vec<Self>>;
}

macro_rules! pooled {
    ($($element:ty => $field:ident),* $(,)?) => {
        $(impl Pooled for $element {
            fn stack(pools: &mut Pools) -> &mut Vec<Vec<Self>> {
                &mut pools.$field
            }
        })*
    };
}

pooled!(
    Instant => instants,
    MaybeInstant => optional_instants,
    i64 => counts,
    u32 => numbers,
    u8 => bytes,
    u16 => shorts,
    bool => flags,
    Reason => reasons,
    TaskProgress => progress,
);

impl Pools {
    /// A kept vector for `length` elements, cleared: the smallest that is large enough, so that
    /// each vector serves the same purpose from one schedule to the next; else the largest.
    fn take<T: Pooled>(&mut self, length: usize) -> Vec<T> {
        let stack = T::stack(self);
        let fitting = (0..stack.len())
            .filter(|&index| stack[index].capacity() >= length)
            .min_by_key(|&index| stack[index].capacity());
        let chosen =
            fitting.or_else(|| (0..stack.len()).max_by_key(|&index| stack[index].capacity()));
        let mut vector = chosen
            .map(|index| stack.swap_remove(index))
            .unwrap_or_default();
        vector.clear();
        vector.reserve(length);
        vector
    }

    /// A vector of `length` copies of `value`.
    fn filled<T: Pooled>(&mut self, length: usize, value: T) -> Vec<T> {
        let mut vector = self.take(length);
        vector.resize(length, value);
        vector
    }

    /// Keeps a vector for a later schedule.
    fn keep<T: Pooled>(&mut self, vector: Vec<T>) {
        T::stack(self).push(vector);
    }
}

/// The task network as flat arrays (see the module documentation).
#[derive(Clone)]
struct Network {
    task_count: usize,
    is_summary: Vec<bool>,
    /// Each task's summary task, or [`NO_PARENT`].
    parent: Vec<u32>,
    edge_from: Vec<u32>,
    edge_to: Vec<u32>,
    /// The link of each edge, or [`HIERARCHY`].
    edge_link: Vec<u32>,
    incoming_offsets: Vec<u32>,
    incoming: Vec<u32>,
    outgoing_offsets: Vec<u32>,
    outgoing: Vec<u32>,
    /// Nodes in topological order (roll-up nodes of non-summary tasks are absent).
    order: Vec<u32>,
}

/// The WBS as arrays: each task's summary task ([`NO_PARENT`] for none) and whether it is one.
/// Built first, from one read of the task records: the network's edges and the engine's
/// per-task arrays both start from it (see [`Engine::prepare`]).
struct Tree {
    parent: Vec<u32>,
    is_summary: Vec<bool>,
}

impl Tree {
    fn build(plan: &Plan, pools: &mut Pools) -> Tree {
        let task_count = plan.tasks.len();
        let mut parent: Vec<u32> = pools.take(task_count);
        parent.extend(
            plan.tasks
                .iter()
                .map(|task| task.parent.map_or(NO_PARENT, |parent| parent.0)),
        );
        let mut is_summary = pools.filled(task_count, false);
        for &parent in &parent {
            // A parent out of range is `Plan::validate_structure`'s to report (the tree may be
            // read beside it).
            if let Some(summary) = is_summary.get_mut(parent as usize) {
                *summary = true;
            }
        }
        Tree { parent, is_summary }
    }
}

/// The edges of the network, their adjacency and a topological order (see [`Network`]), with
/// what the sort left pending: every node is 0 unless a loop stopped it.
struct Edges {
    edge_from: Vec<u32>,
    edge_to: Vec<u32>,
    edge_link: Vec<u32>,
    incoming_offsets: Vec<u32>,
    incoming: Vec<u32>,
    outgoing_offsets: Vec<u32>,
    outgoing: Vec<u32>,
    order: Vec<u32>,
    pending: Vec<u32>,
}

impl Edges {
    fn build(plan: &Plan, tree: &Tree, pools: &mut Pools) -> Result<Edges, ScheduleFailure> {
        let task_count = plan.tasks.len();
        let Tree { parent, is_summary } = tree;
        check_links(plan, is_summary)?;

        let node_count = 2 * task_count;
        let entry = |task: TaskId| task.0;
        let exit = |task: TaskId| {
            if is_summary[task.index()] {
                task.0 + task_count as u32
            } else {
                task.0
            }
        };
        let hierarchy_edges = parent.iter().filter(|&&parent| parent != NO_PARENT).count() * 2;
        let edge_capacity = plan.links.len() + hierarchy_edges;
        let mut edge_from = pools.take(edge_capacity);
        let mut edge_to = pools.take(edge_capacity);
        let mut edge_link = pools.take(edge_capacity);
        // Link edges come first and in link order, so that edge `i < links` is link `i`.
        edge_from.extend(plan.links.iter().map(|link| exit(link.predecessor)));
        edge_to.extend(plan.links.iter().map(|link| entry(link.successor)));
        edge_link.extend(0..plan.links.len() as u32);
        for (index, &parent) in parent.iter().enumerate() {
            if parent != NO_PARENT {
                let child = TaskId(index as u32);
                edge_from.push(parent);
                edge_to.push(entry(child));
                edge_link.push(HIERARCHY);
                edge_from.push(exit(child));
                edge_to.push(parent + task_count as u32);
                edge_link.push(HIERARCHY);
            }
        }
        let mut buffers = || (pools.take(node_count + 1), pools.take(edge_to.len()));
        let (incoming_buffers, outgoing_buffers) = (buffers(), buffers());
        let compress_incoming = || compress(node_count, &edge_to, incoming_buffers);
        let compress_outgoing = || compress(node_count, &edge_from, outgoing_buffers);
        let ((incoming_offsets, incoming), (outgoing_offsets, outgoing)) =
            if task_count >= PARALLEL_TASKS {
                rayon::join(compress_incoming, compress_outgoing)
            } else {
                (compress_incoming(), compress_outgoing())
            };

        let mut pending: Vec<u32> = pools.take(node_count);
        pending.extend(
            (0..node_count).map(|node| incoming_offsets[node + 1] - incoming_offsets[node]),
        );
        // A topological order that follows the task order wherever the links allow: the passes
        // then sweep the per-task arrays almost sequentially, which matters more than anything
        // else for speed on large plans. Tasks are scanned in order; a task becomes due when
        // its last predecessor is done. One that becomes due behind the scan (a backward link)
        // or a summary's roll-up is taken at once from a stack; one ahead waits for the scan.
        let mut order = pools.take(node_count);
        let mut stack: Vec<u32> = pools.take(0);
        for scan in 0..task_count {
            if pending[scan] != 0 {
                continue;
            }
            stack.push(scan as u32);
            while let Some(node) = stack.pop() {
                order.push(node);
                let node = node as usize;
                let edges =
                    &outgoing[outgoing_offsets[node] as usize..outgoing_offsets[node + 1] as usize];
                for &edge in edges {
                    let to = edge_to[edge as usize] as usize;
                    pending[to] -= 1;
                    if pending[to] == 0 && (to >= task_count || to < scan) {
                        stack.push(to as u32);
                    }
                }
            }
        }
        pools.keep(stack);
        Ok(Edges {
            edge_from,
            edge_to,
            edge_link,
            incoming_offsets,
            incoming,
            outgoing_offsets,
            outgoing,
            order,
            pending,
        })
    }
}

impl Network {
    fn build(plan: &Plan, pools: &mut Pools) -> Result<Network, ScheduleFailure> {
        let tree = Tree::build(plan, pools);
        let edges = Edges::build(plan, &tree, pools)?;
        Network::assemble(plan, tree, edges, pools)
    }

    /// The network of a tree and its edges; the dependency loops when the sort left nodes.
    fn assemble(
        plan: &Plan,
        tree: Tree,
        edges: Edges,
        pools: &mut Pools,
    ) -> Result<Network, ScheduleFailure> {
        let task_count = plan.tasks.len();
        let Tree { parent, is_summary } = tree;
        let Edges {
            edge_from,
            edge_to,
            edge_link,
            incoming_offsets,
            incoming,
            outgoing_offsets,
            outgoing,
            order,
            pending,
        } = edges;
        let existing = task_count + is_summary.iter().filter(|&&summary| summary).count();
        let network = Network {
            task_count,
            is_summary,
            parent,
            edge_from,
            edge_to,
            edge_link,
            incoming_offsets,
            incoming,
            outgoing_offsets,
            outgoing,
            order,
        };
        if network.order.len() < existing {
            return Err(network.loops(plan, &pending));
        }
        pools.keep(pending);
        Ok(network)
    }

    /// Gives the network's vectors back for the next schedule.
    fn recycle(self, pools: &mut Pools) {
        let Network {
            task_count: _,
            is_summary,
            parent,
            edge_from,
            edge_to,
            edge_link,
            incoming_offsets,
            incoming,
            outgoing_offsets,
            outgoing,
            order,
        } = self;
        pools.keep(is_summary);
        for vector in [
            parent,
            edge_from,
            edge_to,
            edge_link,
            incoming_offsets,
            incoming,
            outgoing_offsets,
            outgoing,
            order,
        ] {
            pools.keep(vector);
        }
    }

    fn incoming(&self, node: usize) -> &[u32] {
        &self.incoming
            [self.incoming_offsets[node] as usize..self.incoming_offsets[node + 1] as usize]
    }

    fn outgoing(&self, node: usize) -> &[u32] {
        &self.outgoing
            [self.outgoing_offsets[node] as usize..self.outgoing_offsets[node + 1] as usize]
    }

    fn task_of(&self, node: u32) -> TaskId {
        TaskId(if (node as usize) < self.task_count {
            node
        } else {
            node - self.task_count as u32
        })
    }

    /// Finds the dependency loops among the nodes the topological sort could not reach. Every such
    /// node has an unprocessed predecessor, so walking back along those always closes a circle.
    fn loops(&self, plan: &Plan, pending: &[u32]) -> ScheduleFailure {
        const MAX_LOOPS: usize = 20;
        let mut seen = vec![false; pending.len()];
        let mut diagnostics = Vec::new();
        for start in 0..pending.len() {
            if pending[start] == 0 || seen[start] || diagnostics.len() >= MAX_LOOPS {
                continue;
            }
            // walk[k] = (node, edge from node to walk[k - 1]); the walk goes against the links.
            let mut walk: Vec<(u32, u32)> = Vec::new();
            let mut position = std::collections::HashMap::new();
            let (mut node, mut edge_in) = (start as u32, HIERARCHY);
            let closing = loop {
                if let Some(&at) = position.get(&node) {
                    break Some((at, edge_in));
                }
                if seen[node as usize] {
                    break None; // joins a walk that was already examined
                }
                seen[node as usize] = true;
                position.insert(node, walk.len());
                walk.push((node, edge_in));
                let Some(&edge) = self
                    .incoming(node as usize)
                    .iter()
                    .find(|&&edge| pending[self.edge_from[edge as usize] as usize] > 0)
                else {
                    break None;
                };
                (node, edge_in) = (self.edge_from[edge as usize], edge);
            };
            let Some((at, closing_edge)) = closing else {
                continue;
            };
            // Forward order is the reverse of walk[at..]; the closing edge runs from walk[at] back
            // to the last node walked, and each later entry's edge runs to the entry before it.
            let mut tasks: Vec<TaskId> = Vec::new();
            for &(node, _) in walk[at..].iter().rev() {
                let task = self.task_of(node);
                if tasks.last() != Some(&task) && tasks.first() != Some(&task) {
                    tasks.push(task);
                }
            }
            let mut links: Vec<LinkId> = walk[at + 1..]
                .iter()
                .map(|&(_, edge)| edge)
                .chain(std::iter::once(closing_edge))
                .filter_map(|edge| {
                    let link = self.edge_link[edge as usize];
                    (link != HIERARCHY).then_some(LinkId(link))
                })
                .collect();
            links.sort();
            let mut words: Vec<String> = tasks
                .iter()
                .map(|&task| format!("\"{}\"", plan.task(task).name))
                .collect();
            words.push(words[0].clone());
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::DependencyLoop,
                tasks,
                links,
                message: format!("dependency loop: {}", words.join(" → ")),
            });
        }
        ScheduleFailure { diagnostics }
    }
}

/// Compressed adjacency: for each node, the edges whose `key` is that node, in edge order, in
/// the two (cleared) vectors given.
fn compress(
    node_count: usize,
    key: &[u32],
    (mut offsets, mut edges): (Vec<u32>, Vec<u32>),
) -> (Vec<u32>, Vec<u32>) {
    // Each node's count, then running totals: `offsets[node]` becomes the end of its range.
    // Placing the edges from the last down moves each end back to its range's start, so no
    // second cursor array is needed and each node's edges stay in edge order.
    offsets.resize(node_count + 1, 0);
    for &node in key {
        offsets[node as usize] += 1;
    }
    let mut total = 0u32;
    for offset in &mut offsets {
        total += *offset;
        *offset = total;
    }
    edges.resize(key.len(), 0);
    for (edge, &node) in key.iter().enumerate().rev() {
        let cursor = &mut offsets[node as usize];
        *cursor -= 1;
        edges[*cursor as usize] = edge as u32;
    }
    (offsets, edges)
}

/// Rejects links that MS Project does not allow.
fn check_links(plan: &Plan, is_summary: &[bool]) -> Result<(), ScheduleFailure> {
    let is_ancestor = |ancestor: TaskId, mut task: TaskId| {
        while let Some(parent) = plan.task(task).parent {
            if parent == ancestor {
                return true;
            }
            task = parent;
        }
        false
    };
    let mut diagnostics = Vec::new();
    for (index, link) in plan.links.iter().enumerate() {
        let (predecessor_is_summary, successor_is_summary) = (
            is_summary[link.predecessor.index()],
            is_summary[link.successor.index()],
        );
        if link.predecessor != link.successor && !predecessor_is_summary && !successor_is_summary {
            continue; // only a summary task can be an ancestor
        }
        let (predecessor, successor) = (plan.task(link.predecessor), plan.task(link.successor));
        let message = if link.predecessor == link.successor {
            Some(format!("\"{}\" cannot depend on itself", predecessor.name))
        } else if is_ancestor(link.predecessor, link.successor)
            || is_ancestor(link.successor, link.predecessor)
        {
            Some(format!(
                "\"{}\" and \"{}\" cannot be linked: a summary task cannot be linked to its own subtasks",
                predecessor.name, successor.name
            ))
        } else if is_summary[link.successor.index()]
            && matches!(
                link.kind,
                LinkType::FinishToFinish | LinkType::StartToFinish
            )
        {
            Some(format!(
                "\"{}\" is a summary task: its finish rolls up from its subtasks, so it cannot be the successor of a {} link (from \"{}\")",
                successor.name,
                link.kind.code(),
                predecessor.name
            ))
        } else {
            None
        };
        if let Some(message) = message {
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::InvalidLink,
                tasks: vec![link.predecessor, link.successor],
                links: vec![LinkId(index as u32)],
                message,
            });
        }
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(ScheduleFailure { diagnostics })
    }
}

/// Why a node's early start is what it is (before it is resolved into a [`Driver`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    ProjectStart,
    StatusDate,
    Constraint,
    Actual,
    /// The incoming edges whose bound equals the node's bound.
    Edges,
}

/// What the forward pass needs to know about a task's progress. Dates are stored as plain
/// minutes with `NO_DATE` for "none" (40 bytes a task instead of 64 with `Option`s: this vector
/// has an entry per task, progress or not).
#[derive(Clone, Copy, Debug)]
struct TaskProgress {
    actual_start: i64,
    actual_finish: i64,
    /// Duration done, in the task's duration minutes.
    done: i64,
    /// Duration still to do.
    remaining: i64,
    /// Where the remaining work resumes at the earliest, when reported.
    resume: i64,
}

/// The part of `minutes` of duration that progress reports as done.
fn done_minutes(reported: &crate::model::Progress, minutes: i64) -> i64 {
    let complete = reported.actual_finish.is_some() || reported.percent_complete >= 100.0;
    if complete {
        minutes
    } else if let Some(remaining) = reported.remaining {
        (minutes - remaining.minutes).clamp(0, minutes)
    } else {
        ((minutes as f64) * reported.percent_complete.clamp(0.0, 100.0) / 100.0).round() as i64
    }
}

/// `TaskProgress`'s "no date".
const NO_DATE: i64 = i64::MIN;

fn packed(date: Option<Instant>) -> i64 {
    date.map_or(NO_DATE, |instant| instant.0)
}

fn unpacked(minutes: i64) -> Option<Instant> {
    (minutes != NO_DATE).then_some(Instant(minutes))
}

/// An optional instant in 8 bytes (`Option<Instant>` takes 16): the per-task vectors of
/// constraint dates, deadlines and roll-up bounds hold one for every task, most of them empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MaybeInstant(i64);

impl MaybeInstant {
    const NONE: MaybeInstant = MaybeInstant(NO_DATE);

    fn new(date: Option<Instant>) -> MaybeInstant {
        MaybeInstant(packed(date))
    }

    fn get(self) -> Option<Instant> {
        unpacked(self.0)
    }
}

impl TaskProgress {
    fn actual_start(&self) -> Option<Instant> {
        unpacked(self.actual_start)
    }

    fn actual_finish(&self) -> Option<Instant> {
        unpacked(self.actual_finish)
    }

    fn resume(&self) -> Option<Instant> {
        unpacked(self.resume)
    }
}

#[derive(Clone)]
struct Engine<'a> {
    plan: &'a Plan,
    network: Network,
    calendars: Vec<Arc<WorkingCalendar>>,
    /// Index into `calendars` per task.
    task_calendar: Vec<u32>,
    /// Index into `calendars` per task of the calendar its float is measured on: its own, else
    /// the project's. It differs from `task_calendar` where resources' calendars schedule the
    /// task: MS Project places the work on the resources' working time but states the slack of
    /// the task in the working time of the task's calendar (mspditimephased.xml: a night-shift
    /// task three weeks from the project finish has 15 days of slack, the Standard days between
    /// its dates, not the night shifts and the hours left in its last one).
    float_calendar: Vec<u32>,
    /// Duration per leaf task, in working (or clock, if elapsed) minutes.
    duration: Vec<i64>,
    progress: Vec<TaskProgress>,
    /// Constraint dates as instants (start-type constraints snapped to work starts later).
    constraint_at: Vec<MaybeInstant>,
    deadline: Vec<MaybeInstant>,
    project_start: Instant,
    project_finish: Instant,
    status_date: Option<Instant>,
    schedule_after_status_date: bool,
    max_critical_paths: usize,
    /// The forward pass is placing ALAP tasks' successors after their late dates.
    alap_pass: bool,
    /// Take the exact path for every task (tests compare it with the counted path).
    exact_only: bool,
    /// From how many tasks the per-task results are computed on every core ([`PARALLEL_TASKS`];
    /// tests lower it to compare the two ways on small plans).
    parallel_tasks: usize,
    /// Per task: the pauses a split task's span adds to its duration, in working minutes
    /// (empty when no task is split; see [`crate::split::split_gaps`]).
    split_gaps: Vec<i64>,

    early_start: Vec<Instant>,
    early_finish: Vec<Instant>,
    late_start: Vec<Instant>,
    late_finish: Vec<Instant>,
    /// Per summary: the start bound its gate gives its subtasks.
    gate_start: Vec<Instant>,
    /// Per summary: the gate carries a bound of its own (a link or a constraint), not just the project start.
    gate_bound: Vec<bool>,
    /// Per task node: why its early start (or gate bound) is what it is.
    reason: Vec<Reason>,
    /// Per task node: the latest bound its incoming edges give (before status date and
    /// constraints), as a working-minute count on the node's calendar.
    edges_bound: Vec<i64>,
    /// Per position of the incoming adjacency: the start bound that edge gave in the forward
    /// pass, as a working-minute count on the calendar of the node it enters. Bounds that land
    /// on the same working time are ties.
    edge_value: Vec<i64>,
    /// The adjacency restated for the hot loops, one entry per position of `network.incoming`
    /// (and of `network.outgoing`): the task at the other end, the lag in working minutes and a
    /// byte of `EDGE_*` bits, so that a pass reads a few sequential arrays instead of the links.
    incoming_source: Vec<u32>,
    incoming_lag: Vec<i64>,
    incoming_meta: Vec<u8>,
    outgoing_target: Vec<u32>,
    outgoing_lag: Vec<i64>,
    outgoing_meta: Vec<u8>,
    /// Per task: `TASK_*` bits.
    flags: Vec<u16>,
    /// Working-minute counts of the early and late dates on each task's own calendar. The passes
    /// mostly work on these: on one calendar a link's bound is a count plus the lag, and a date
    /// only has to be materialised once per task.
    early_start_count: Vec<i64>,
    early_finish_count: Vec<i64>,
    late_start_count: Vec<i64>,
    late_finish_count: Vec<i64>,
    /// Per summary: `gate_start` and `rollup_finish_bound` as counts on the summary's calendar.
    gate_count: Vec<i64>,
    rollup_finish_count: Vec<i64>,
    /// Per calendar: the counts of the project start, the project finish and the status date.
    project_start_count: Vec<i64>,
    project_finish_count: Vec<i64>,
    status_date_count: Vec<Option<i64>>,
    /// Per summary: the latest finish its successors (and its own summary) allow its subtasks.
    rollup_finish_bound: Vec<Instant>,
    /// Per summary: the latest start its start-tied successors allow its earliest subtasks.
    rollup_start_bound: Vec<MaybeInstant>,
    /// Per leaf: the early start its links, the project start and the status date allow, before
    /// its own constraint (as a count on its calendar).
    links_start_count: Vec<i64>,
    diagnostics: Vec<Diagnostic>,
}

/// A calendar error turned into a diagnostic naming the task.
fn calendar_failure(plan: &Plan, task: TaskId, error: CalendarError) -> ScheduleFailure {
    ScheduleFailure::single(
        DiagnosticKind::Calendar,
        vec![task],
        format!("cannot schedule \"{}\": {error}", plan.task(task).name),
    )
}

/// The engine's per-task arrays before the passes: calendars, durations, progress, constraint
/// dates and flags read from the plan, and the passes' vectors at their starting values. It
/// needs the tree but not the edges, so a large plan prepares it beside the network.
struct TaskSetup {
    calendars: Vec<Arc<WorkingCalendar>>,
    cache: CalendarCache,
    task_calendar: Vec<u32>,
    float_calendar: Vec<u32>,
    duration: Vec<i64>,
    flags: Vec<u16>,
    progress: Vec<TaskProgress>,
    constraint_at: Vec<MaybeInstant>,
    deadline: Vec<MaybeInstant>,
    split_gaps: Vec<i64>,
    status_date: Option<Instant>,
    project_start: Instant,
    early_start: Vec<Instant>,
    early_finish: Vec<Instant>,
    late_start: Vec<Instant>,
    late_finish: Vec<Instant>,
    gate_start: Vec<Instant>,
    gate_bound: Vec<bool>,
    reason: Vec<Reason>,
    edges_bound: Vec<i64>,
    early_start_count: Vec<i64>,
    early_finish_count: Vec<i64>,
    late_start_count: Vec<i64>,
    late_finish_count: Vec<i64>,
    gate_count: Vec<i64>,
    rollup_finish_count: Vec<i64>,
    rollup_finish_bound: Vec<Instant>,
    rollup_start_bound: Vec<MaybeInstant>,
    links_start_count: Vec<i64>,
    /// Per link, in link order: its lag in working minutes and its `EDGE_*` bits, to be
    /// gathered into the adjacency's order once the network is built.
    link_lag: Vec<i64>,
    link_meta: Vec<u8>,
}

impl TaskSetup {
    /// Reads the plan's tasks; `pools` is the tasks' own pool ([`Pools::tasks`]) and `cache`
    /// the calendars kept since the last plan (handed back in the result).
    fn new(
        plan: &Plan,
        options: &ScheduleOptions,
        is_summary: &[bool],
        pools: &mut Pools,
        mut cache: CalendarCache,
    ) -> Result<TaskSetup, ScheduleFailure> {
        let task_count = plan.tasks.len();
        // Each calendar in use, built once, or taken from those kept since the last plan when
        // its calendars are the same.
        cache.sync(plan);
        let mut calendar_slot = vec![u32::MAX; plan.calendars.len()];
        let mut calendars: Vec<Arc<WorkingCalendar>> = Vec::new();
        let mut task_calendar = pools.take(task_count);
        let mut slot_of = |id: crate::model::CalendarId,
                           calendars: &mut Vec<Arc<WorkingCalendar>>,
                           cache: &mut CalendarCache| {
            if calendar_slot[id.index()] == u32::MAX {
                let calendar = cache.get(plan, &[id]).map_err(|error| {
                    let users: Vec<TaskId> = plan
                        .task_ids()
                        .filter(|&task| plan.task(task).calendar.unwrap_or(plan.calendar) == id)
                        .collect();
                    ScheduleFailure::single(DiagnosticKind::Calendar, users, error.to_string())
                })?;
                calendar_slot[id.index()] = calendars.len() as u32;
                calendars.push(calendar);
            }
            Ok::<u32, ScheduleFailure>(calendar_slot[id.index()])
        };
        slot_of(plan.calendar, &mut calendars, &mut cache)?;
        let mut float_calendar = pools.take(task_count);
        for task in &plan.tasks {
            float_calendar.push(slot_of(
                task.calendar.unwrap_or(plan.calendar),
                &mut calendars,
                &mut cache,
            )?);
        }
        if plan.assignments.is_empty() {
            task_calendar.extend_from_slice(&float_calendar);
        } else {
            // A task without a calendar of its own follows its resources' calendar (see
            // `Plan::scheduling_calendars`); when they follow different ones, it works whenever
            // one of them works. MS Project schedules each assignment on its resource's calendar
            // and counts the task's duration in that union (mspdiresource.xml: "Task A", two day
            // workers and a night worker, 48 hours from Friday 08:00 to Wednesday 08:00).
            let mut union_slot: std::collections::HashMap<&[crate::model::CalendarId], u32> =
                std::collections::HashMap::new();
            let resource_calendars = plan.resource_calendars();
            for (index, (task, calendars_of_resources)) in
                plan.tasks.iter().zip(&resource_calendars).enumerate()
            {
                let slot = match (task.calendar, &calendars_of_resources[..]) {
                    (Some(own), _) => slot_of(own, &mut calendars, &mut cache)?,
                    (None, []) => slot_of(plan.calendar, &mut calendars, &mut cache)?,
                    (None, [shared]) => slot_of(*shared, &mut calendars, &mut cache)?,
                    (None, several) => match union_slot.get(several) {
                        Some(&slot) => slot,
                        None => {
                            // Each part first, so that a broken one is named as it is alone.
                            for &calendar in several {
                                slot_of(calendar, &mut calendars, &mut cache)?;
                            }
                            let union = cache.get(plan, several).map_err(|error| {
                                calendar_failure(plan, TaskId(index as u32), error)
                            })?;
                            let slot = calendars.len() as u32;
                            calendars.push(union);
                            union_slot.insert(several, slot);
                            slot
                        }
                    },
                };
                task_calendar.push(slot);
            }
        }
        // Work stated on assignments sets the duration of a working-time task.
        let work_durations = if plan.assignments.iter().any(|a| a.work.is_some()) {
            plan.work_durations()
        } else {
            Vec::new()
        };

        let status_date = options
            .status_date
            .or(plan.status_date)
            .map(Instant::from_civil);
        let mut duration = pools.take(task_count);
        let mut flags: Vec<u16> = pools.take(task_count);
        let mut progress = pools.take(task_count);
        let mut constraint_at = pools.take(task_count);
        let mut deadline = pools.take(task_count);
        // A split task spans its duration and its pauses (empty when nothing is split); the
        // split module says which splits apply (working duration, not started).
        let split_gaps = crate::split::split_gaps(plan);
        for (index, task) in plan.tasks.iter().enumerate() {
            let minutes = match work_durations.get(index) {
                Some(&Some(minutes)) if !task.duration.elapsed && !is_summary[index] => {
                    minutes.max(0)
                }
                _ => task.duration.minutes.max(0),
            } + split_gaps.get(index).copied().unwrap_or(0);
            let calendar = &calendars[task_calendar[index] as usize];
            duration.push(minutes);
            let dated_constraint = task.constraint.date().map(Instant::from_civil);
            constraint_at.push(MaybeInstant::new(dated_constraint));
            deadline.push(MaybeInstant::new(task.deadline.map(Instant::from_civil)));
            let reported = &task.progress;
            let complete = reported.actual_finish.is_some() || reported.percent_complete >= 100.0;
            let done = done_minutes(reported, minutes);
            // Actual dates given as days ("started 2026-01-05", midnight) mean working time: the
            // start of that day's work, the end of the finishing day's work. An actual date with
            // a time is a fact and stays as reported, even outside working time (MS Project
            // keeps a Saturday start that was entered).
            let snap = |date: Option<DateTime>, finish: bool| {
                date.map(|date| {
                    let instant = Instant::from_civil(date);
                    if date.time() != jiff::civil::Time::midnight() {
                        return instant;
                    }
                    let at_period_end = !calendar.is_working(instant)
                        && calendar.is_working(instant.plus_minutes(-1));
                    let snapped = if finish && task.duration.elapsed {
                        Ok(instant) // clock time may end outside working time
                    } else if finish {
                        calendar.previous_work_finish(instant)
                    } else if minutes == 0 && at_period_end {
                        Ok(instant) // a milestone may sit at the end of a working period
                    } else {
                        calendar.next_work_start(instant)
                    };
                    snapped.unwrap_or(instant)
                })
            };
            let started =
                complete || reported.actual_start.is_some() || reported.percent_complete > 0.0;
            let actual_finish = snap(reported.actual_finish, true);
            progress.push(TaskProgress {
                actual_start: packed(snap(reported.actual_start, false)),
                actual_finish: packed(actual_finish),
                done,
                remaining: minutes - done,
                resume: packed(snap(reported.resume.as_deref().copied(), false)),
            });
            let summary = is_summary[index];
            let alap = task.constraint == Constraint::AsLateAsPossible;
            let bits = [
                (summary, TASK_SUMMARY),
                (minutes == 0, TASK_MILESTONE),
                (task.duration.elapsed, TASK_ELAPSED),
                (started, TASK_STARTED),
                (actual_finish.is_some(), TASK_COMPLETE),
                (alap && !started && !summary, TASK_ALAP_LATE),
                (minutes == 0 || task.milestone, TASK_SHOWN_AS_MILESTONE),
                (dated_constraint.is_some(), TASK_DATED_CONSTRAINT),
                (alap, TASK_ALAP),
            ];
            flags.push(
                bits.iter()
                    .filter(|(set, _)| *set)
                    .fold(0, |all, (_, bit)| all | bit),
            );
        }
        // Each link described once, in link order: its lag in working minutes and a byte of
        // EDGE_* bits. A link is "fast" when both ends share a calendar and its lag is a fixed
        // number of working minutes: its bound is then a count plus the lag.
        let mut link_lag: Vec<i64> = pools.take(plan.links.len());
        let mut link_meta: Vec<u8> = pools.take(plan.links.len());
        for link in &plan.links {
            let (predecessor, successor) = (link.predecessor.index(), link.successor.index());
            let lag = match link.lag {
                Lag::None => Some(0),
                Lag::Working(minutes) => Some(minutes),
                Lag::Percent(percent) if !is_summary[predecessor] => {
                    // Of the predecessor's duration, without its pauses when it is split.
                    let gap = split_gaps.get(predecessor).copied().unwrap_or(0);
                    Some(((duration[predecessor] - gap) as f64 * percent / 100.0).round() as i64)
                }
                Lag::Percent(_) | Lag::Elapsed(_) => None,
            };
            let kind = edge_kind(link.kind);
            if kind == EDGE_START_TO_FINISH {
                flags[successor] |= TASK_START_TO_FINISH_IN;
            }
            let (lag, meta) = match (lag, link.lag) {
                (Some(lag), _) if task_calendar[predecessor] == task_calendar[successor] => {
                    (lag, kind | EDGE_FAST)
                }
                (None, Lag::Elapsed(minutes)) => (minutes, kind | EDGE_ELAPSED),
                _ => (0, kind),
            };
            link_lag.push(lag);
            link_meta.push(meta);
        }
        let project_start = Instant::from_civil(plan.start);
        Ok(TaskSetup {
            link_lag,
            link_meta,
            calendars,
            cache,
            task_calendar,
            float_calendar,
            duration,
            flags,
            progress,
            constraint_at,
            deadline,
            split_gaps,
            status_date,
            project_start,
            early_start: pools.filled(task_count, project_start),
            early_finish: pools.filled(task_count, project_start),
            late_start: pools.filled(task_count, project_start),
            late_finish: pools.filled(task_count, project_start),
            gate_start: pools.filled(task_count, project_start),
            gate_bound: pools.filled(task_count, false),
            reason: pools.filled(task_count, Reason::ProjectStart),
            edges_bound: pools.filled(task_count, 0i64),
            early_start_count: pools.filled(task_count, 0i64),
            early_finish_count: pools.filled(task_count, 0i64),
            late_start_count: pools.filled(task_count, 0i64),
            late_finish_count: pools.filled(task_count, 0i64),
            gate_count: pools.filled(task_count, 0i64),
            rollup_finish_count: pools.filled(task_count, 0i64),
            rollup_finish_bound: pools.filled(task_count, project_start),
            rollup_start_bound: pools.filled(task_count, MaybeInstant::NONE),
            links_start_count: pools.filled(task_count, 0i64),
        })
    }
}

impl<'a> Engine<'a> {
    /// The engine for `plan`, its network and per-task arrays prepared one after the other.
    fn new(
        plan: &'a Plan,
        options: &ScheduleOptions,
        network: Network,
        pools: &mut Pools,
    ) -> Result<Engine<'a>, ScheduleFailure> {
        let mut task_pools = pools.tasks.take().unwrap_or_default();
        let cache = std::mem::take(&mut pools.calendars);
        let setup = TaskSetup::new(plan, options, &network.is_summary, &mut task_pools, cache);
        pools.tasks = Some(task_pools);
        Engine::assemble(plan, options, network, setup?, pools)
    }

    /// The engine for `plan`, its ids checked first: on a plan of `parallel_tasks` tasks
    /// or more ([`PARALLEL_TASKS`]; tests lower it) the network's edges (links checked,
    /// adjacency, topological order) are built on one core while the per-task arrays and the
    /// links' lags are read on another. The engine and the errors, in the same order, are
    /// those of [`Engine::new`] after [`Network::build`].
    fn prepare(
        plan: &'a Plan,
        options: &ScheduleOptions,
        pools: &mut Pools,
        parallel_tasks: usize,
    ) -> Result<Engine<'a>, ScheduleFailure> {
        let invalid = |error: crate::model::StructureError| {
            ScheduleFailure::single(DiagnosticKind::InvalidLink, Vec::new(), error.to_string())
        };
        if plan.tasks.len() < parallel_tasks {
            plan.validate_structure().map_err(invalid)?;
            let network = Network::build(plan, pools)?;
            return Engine::new(plan, options, network, pools);
        }
        // The ids are checked while the tree is read (which never fails); nothing else reads
        // the plan before they hold.
        let (valid, tree) = rayon::join(|| plan.validate_structure(), || Tree::build(plan, pools));
        valid.map_err(invalid)?;
        let mut task_pools = pools.tasks.take().unwrap_or_default();
        let cache = std::mem::take(&mut pools.calendars);
        let (edges, setup) = rayon::join(
            || Edges::build(plan, &tree, pools),
            || TaskSetup::new(plan, options, &tree.is_summary, &mut task_pools, cache),
        );
        pools.tasks = Some(task_pools);
        let network = Network::assemble(plan, tree, edges?, pools)?;
        Engine::assemble(plan, options, network, setup?, pools)
    }

    /// The engine from its network and per-task arrays: the links' lags and kinds gathered in
    /// adjacency order, and the counts of the project's dates on each calendar.
    fn assemble(
        plan: &'a Plan,
        options: &ScheduleOptions,
        network: Network,
        setup: TaskSetup,
        pools: &mut Pools,
    ) -> Result<Engine<'a>, ScheduleFailure> {
        let task_count = plan.tasks.len();
        let TaskSetup {
            calendars,
            cache,
            task_calendar,
            float_calendar,
            duration,
            flags,
            progress,
            constraint_at,
            deadline,
            split_gaps,
            status_date,
            project_start,
            early_start,
            early_finish,
            late_start,
            late_finish,
            gate_start,
            gate_bound,
            reason,
            edges_bound,
            early_start_count,
            early_finish_count,
            late_start_count,
            late_finish_count,
            gate_count,
            rollup_finish_count,
            rollup_finish_bound,
            rollup_start_bound,
            links_start_count,
            link_lag,
            link_meta,
        } = setup;
        pools.calendars = cache;
        let edge_count = network.edge_from.len();
        // Then gathered into the order of the incoming and outgoing adjacency, one array at a
        // time (tight loops of known length). Link edges come first, in link order (see
        // `Network::build`), so edge `i` is link `i` when there is such a link, and a WBS edge
        // otherwise.
        let mut buffers = |length: usize| -> (Vec<u32>, Vec<i64>, Vec<u8>) {
            (pools.take(length), pools.take(length), pools.take(length))
        };
        let incoming_buffers = buffers(network.incoming.len());
        let outgoing_buffers = buffers(network.outgoing.len());
        let gather =
            |edges: &[u32],
             other_end: &[u32],
             (mut ends, mut lags, mut metas): (Vec<u32>, Vec<i64>, Vec<u8>)| {
                ends.extend(
                    edges
                        .iter()
                        .map(|&edge| network.task_of(other_end[edge as usize]).0),
                );
                lags.extend(
                    edges
                        .iter()
                        .map(|&edge| link_lag.get(edge as usize).copied().unwrap_or(0)),
                );
                metas.extend(edges.iter().map(|&edge| {
                    link_meta
                        .get(edge as usize)
                        .copied()
                        .unwrap_or(EDGE_HIERARCHY)
                }));
                (ends, lags, metas)
            };
        let gather_incoming = || gather(&network.incoming, &network.edge_from, incoming_buffers);
        let gather_outgoing = || gather(&network.outgoing, &network.edge_to, outgoing_buffers);
        let (
            (incoming_source, incoming_lag, incoming_meta),
            (outgoing_target, outgoing_lag, outgoing_meta),
        ) = if task_count >= PARALLEL_TASKS {
            rayon::join(gather_incoming, gather_outgoing)
        } else {
            (gather_incoming(), gather_outgoing())
        };
        let tasks = pools.tasks.get_or_insert_default();
        tasks.keep(link_lag);
        tasks.keep(link_meta);
        let project_start_count = calendars
            .iter()
            .map(|calendar| calendar.work_before(project_start))
            .collect();
        let status_date_count = calendars
            .iter()
            .map(|calendar| status_date.map(|date| calendar.work_before(date)))
            .collect();
        Ok(Engine {
            plan,
            calendars,
            task_calendar,
            float_calendar,
            duration,
            progress,
            constraint_at,
            deadline,
            project_start,
            project_finish: project_start,
            status_date,
            schedule_after_status_date: options.schedule_after_status_date,
            max_critical_paths: options.max_critical_paths,
            alap_pass: false,
            exact_only: false,
            parallel_tasks: PARALLEL_TASKS,
            split_gaps,
            early_start,
            early_finish,
            late_start,
            late_finish,
            gate_start,
            gate_bound,
            reason,
            edges_bound,
            edge_value: pools.filled(edge_count, 0i64),
            incoming_source,
            incoming_lag,
            incoming_meta,
            outgoing_target,
            outgoing_lag,
            outgoing_meta,
            flags,
            early_start_count,
            early_finish_count,
            late_start_count,
            late_finish_count,
            gate_count,
            rollup_finish_count,
            project_start_count,
            project_finish_count: Vec::new(),
            status_date_count,
            rollup_finish_bound,
            rollup_start_bound,
            links_start_count,
            diagnostics: Vec::new(),
            network,
        })
    }

    /// The pauses of `task` when it is split: its span less its duration.
    fn split_gap(&self, task: usize) -> i64 {
        self.split_gaps.get(task).copied().unwrap_or(0)
    }

    fn calendar(&self, task: usize) -> &WorkingCalendar {
        &self.calendars[self.task_calendar[task] as usize]
    }

    /// The finish of `minutes` of the task's work begun at `start`.
    fn finish_after(
        &self,
        task: usize,
        start: Instant,
        minutes: i64,
    ) -> Result<Instant, CalendarError> {
        if minutes <= 0 {
            Ok(start)
        } else if self.has(task, TASK_ELAPSED) {
            Ok(start.plus_minutes(minutes))
        } else {
            let calendar = self.calendar(task);
            calendar.finish_at(calendar.work_before(start) + minutes)
        }
    }

    /// The start of `minutes` of the task's work that ends at `finish`.
    fn start_before(
        &self,
        task: usize,
        finish: Instant,
        minutes: i64,
    ) -> Result<Instant, CalendarError> {
        if minutes <= 0 {
            Ok(finish)
        } else if self.has(task, TASK_ELAPSED) {
            Ok(finish.plus_minutes(-minutes))
        } else {
            let calendar = self.calendar(task);
            calendar.start_at(calendar.work_before(finish) - minutes)
        }
    }

    /// Moves a start to working time; a milestone may stay at the end of a working period.
    fn snap_start(&self, task: usize, at: Instant) -> Result<Instant, CalendarError> {
        let calendar = self.calendar(task);
        if self.has(task, TASK_MILESTONE)
            && !calendar.is_working(at)
            && calendar.is_working(at.plus_minutes(-1))
        {
            return Ok(at);
        }
        calendar.next_work_start(at)
    }

    /// Working minutes of a link's lag (a percent lag is a share of the predecessor's duration).
    fn lag_minutes(&self, link: &crate::model::Link) -> Option<i64> {
        match link.lag {
            Lag::None => Some(0),
            Lag::Working(minutes) => Some(minutes),
            Lag::Elapsed(_) => None,
            Lag::Percent(percent) => {
                let predecessor = link.predecessor.index();
                let base = if self.network.is_summary[predecessor] {
                    self.calendar(predecessor).working_minutes_between(
                        self.early_start[predecessor],
                        self.early_finish[predecessor],
                    )
                } else {
                    self.duration[predecessor]
                };
                Some((base as f64 * percent / 100.0).round() as i64)
            }
        }
    }

    /// `at` moved by the link's lag (`sign` = -1 removes it), on the successor's calendar.
    fn shift_by_lag(
        &self,
        link: &crate::model::Link,
        at: Instant,
        sign: i64,
    ) -> Result<Instant, CalendarError> {
        match (link.lag, self.lag_minutes(link)) {
            (Lag::Elapsed(minutes), _) => Ok(at.plus_minutes(sign * minutes)),
            (_, Some(minutes)) => self
                .calendar(link.successor.index())
                .add_working(at, sign * minutes),
            (_, None) => Ok(at),
        }
    }

    /// The dates a task offers its successors in the forward pass.
    fn forward_dates(&self, task: usize) -> (Instant, Instant) {
        if self.alap_pass && self.has(task, TASK_ALAP_LATE) {
            (self.late_start[task], self.late_finish[task])
        } else {
            (self.early_start[task], self.early_finish[task])
        }
    }

    /// The earliest start a link allows its successor (a leaf or a summary's gate).
    fn link_start_bound(&self, link: &crate::model::Link) -> Result<Instant, CalendarError> {
        let from = self.link_start_before_lag(
            link.predecessor.index(),
            link.successor.index(),
            edge_kind(link.kind),
        )?;
        self.shift_by_lag(link, from, 1)
    }

    /// The earliest start a link of kind `kind` (`EDGE_*`) allows its successor before its lag
    /// is added: the predecessor's date, or for a link to the successor's finish, that date less
    /// the successor's remaining duration. As MS Project does: the duration is stepped back
    /// first, then the lag added (the order matters only for elapsed lags). The floor at the
    /// project start is applied by the caller, so that a link it overrides is not named as the
    /// driver.
    fn link_start_before_lag(
        &self,
        predecessor: usize,
        successor: usize,
        kind: u8,
    ) -> Result<Instant, CalendarError> {
        let (predecessor_start, predecessor_finish) = self.forward_dates(predecessor);
        let remaining = || self.progress[successor].remaining;
        match kind & EDGE_KIND {
            EDGE_FINISH_TO_START => Ok(predecessor_finish),
            EDGE_START_TO_START => Ok(predecessor_start),
            EDGE_FINISH_TO_FINISH => self.start_before(successor, predecessor_finish, remaining()),
            _ => self.start_before(successor, predecessor_start, remaining()),
        }
    }

    fn run(&mut self) -> Result<(), ScheduleFailure> {
        self.check_summary_constraints();
        self.check_splits();
        self.run_passes()?;
        self.report_constraint_conflicts();
        Ok(())
    }

    /// The passes that compute the dates (forward, backward, ALAP), without the diagnostics.
    fn run_passes(&mut self) -> Result<(), ScheduleFailure> {
        self.forward_pass()?;
        self.project_finish = (0..self.plan.tasks.len())
            .filter(|&task| !self.network.is_summary[task])
            .map(|task| self.early_finish[task])
            .max()
            .unwrap_or(self.project_start);
        self.project_finish_count = self
            .calendars
            .iter()
            .map(|calendar| calendar.work_before(self.project_finish))
            .collect();
        self.backward_pass()?;
        if (0..self.plan.tasks.len()).any(|task| self.has(task, TASK_ALAP_LATE)) {
            self.alap_pass = true;
            self.forward_pass()?;
        }
        Ok(())
    }

    /// A warning for each split of the plan that no longer applies, saying why.
    fn check_splits(&mut self) {
        let plan = self.plan;
        for split in &plan.splits {
            let Some(task) = plan.tasks.get(split.task.index()) else {
                continue;
            };
            let SplitFate::Stopped(reason) =
                split_fate(task, self.network.is_summary[split.task.index()], split)
            else {
                continue;
            };
            self.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::IgnoredSplit,
                tasks: vec![split.task],
                links: Vec::new(),
                message: format!(
                    "\"{}\": the pause after {} of work no longer applies: {reason}",
                    task.name,
                    describe_minutes(split.after, &plan.durations)
                ),
            });
        }
    }

    fn check_summary_constraints(&mut self) {
        for task in self.plan.task_ids() {
            // The summary flag first: reading every task's record costs a cache miss a task.
            if !self.network.is_summary[task.index()] {
                continue;
            }
            let constraint = self.plan.task(task).constraint;
            if !matches!(
                constraint,
                Constraint::AsSoonAsPossible | Constraint::StartNoEarlierThan(_)
            ) {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    kind: DiagnosticKind::IgnoredConstraint,
                    tasks: vec![task],
                    links: Vec::new(),
                    message: format!(
                        "\"{}\" is a summary task: its {} constraint is ignored (only SNET applies to a summary task)",
                        self.plan.task(task).name,
                        constraint.code()
                    ),
                });
            }
        }
    }

    fn forward_pass(&mut self) -> Result<(), ScheduleFailure> {
        let task_count = self.plan.tasks.len();
        for position in 0..self.network.order.len() {
            let node = self.network.order[position] as usize;
            if node >= task_count {
                self.forward_rollup(node - task_count);
            } else if self.network.is_summary[node] {
                self.forward_gate(node)
                    .map_err(|error| calendar_failure(self.plan, TaskId(node as u32), error))?;
            } else {
                self.forward_leaf(node)
                    .map_err(|error| calendar_failure(self.plan, TaskId(node as u32), error))?;
            }
        }
        Ok(())
    }

    /// The latest bound of a node's incoming edges as an instant, recording each edge's value as
    /// a count. Returns the bound and whether any edge carries a real bound (a link, or a parent
    /// with one). The exact path, for nodes the counted path does not cover.
    fn incoming_bound(&mut self, node: usize) -> Result<Option<(Instant, bool)>, CalendarError> {
        let mut best: Option<(Instant, bool)> = None;
        let mut floored = false;
        let plan = self.plan;
        for index in self.network.incoming_offsets[node]..self.network.incoming_offsets[node + 1] {
            let edge = self.network.incoming[index as usize] as usize;
            let link = self.network.edge_link[edge];
            let (value, bound) = if link == HIERARCHY {
                let parent = self.network.edge_from[edge] as usize;
                (self.gate_start[parent], self.gate_bound[parent])
            } else {
                let link = &plan.links[link as usize];
                let value = self.link_start_bound(link)?;
                if link.kind == LinkType::FinishToFinish && value < self.project_start {
                    // MS Project never lets a finish-to-finish link pull a task before the
                    // project start; the project start, not the link, then sets the date.
                    floored = true;
                }
                (value, true)
            };
            self.edge_value[index as usize] = self.calendar(node).work_before(value);
            // A parent without a bound of its own only offers the project start: once any edge
            // carries a real bound, such an edge no longer counts (a link may set a task before
            // the project start, as MS Project lets it).
            best = Some(match best {
                Some((current, had)) if had && !bound => (current, had),
                Some((_, false)) if bound => (value, true),
                Some((current, had)) => (current.max(value), had || bound),
                None => (value, bound),
            });
        }
        if floored && let Some((value, true)) = best {
            best = Some((value.max(self.project_start), true));
        }
        if let Some((value, _)) = best {
            self.edges_bound[node] = self.calendar(node).work_before(value);
        }
        Ok(best)
    }

    /// The latest bound of a simple leaf's incoming edges as a count on its calendar, recording
    /// each edge's value: `None` when no edge carries a real bound (a link, or a parent with
    /// one). The second value says whether the project start floored a finish-to-finish link.
    fn incoming_count(&mut self, task: usize) -> Result<(Option<i64>, bool), CalendarError> {
        let plan = self.plan;
        let slot = self.task_calendar[task];
        let project_start = self.project_start_count[slot as usize];
        let mut best: Option<i64> = None;
        let mut floored = false;
        let range = self.network.incoming_offsets[task] as usize
            ..self.network.incoming_offsets[task + 1] as usize;
        for position in range {
            let meta = self.incoming_meta[position];
            let source = self.incoming_source[position] as usize;
            let (value, bound) = if meta & EDGE_HIERARCHY != 0 {
                let value = if self.task_calendar[source] == slot {
                    self.gate_count[source]
                } else {
                    self.calendar(task).work_before(self.gate_start[source])
                };
                (value, self.gate_bound[source])
            } else if meta & EDGE_FAST != 0 {
                let (start, finish) = self.forward_counts(source);
                let lag = self.incoming_lag[position];
                // The remaining duration is read only for the links that end at the finish:
                // most tasks have none, and the progress records are 40 bytes a task.
                let value = match meta & EDGE_KIND {
                    EDGE_FINISH_TO_START => finish + lag,
                    EDGE_START_TO_START => start + lag,
                    EDGE_FINISH_TO_FINISH => finish - self.progress[task].remaining + lag,
                    _ => start - self.progress[task].remaining + lag,
                };
                (value, true)
            } else if meta & EDGE_ELAPSED != 0 {
                // `link_start_bound` for an elapsed lag, without reading the link.
                let from = self.link_start_before_lag(source, task, meta)?;
                let lag = self.incoming_lag[position];
                (
                    self.calendar(task).work_before(from.plus_minutes(lag)),
                    true,
                )
            } else {
                let edge = self.network.incoming[position] as usize;
                let link = &plan.links[self.network.edge_link[edge] as usize];
                (
                    self.calendar(task)
                        .work_before(self.link_start_bound(link)?),
                    true,
                )
            };
            if meta & (EDGE_HIERARCHY | EDGE_KIND) == EDGE_FINISH_TO_FINISH && value < project_start
            {
                floored = true;
            }
            self.edge_value[position] = value;
            // Only edges with a real bound count (see `incoming_bound`).
            if bound {
                best = Some(best.map_or(value, |current| current.max(value)));
            }
        }
        Ok((best, floored))
    }

    /// The counts a task offers its successors in the forward pass (see `forward_dates`).
    fn forward_counts(&self, task: usize) -> (i64, i64) {
        if self.alap_pass && self.has(task, TASK_ALAP_LATE) {
            (self.late_start_count[task], self.late_finish_count[task])
        } else {
            (self.early_start_count[task], self.early_finish_count[task])
        }
    }

    fn forward_gate(&mut self, summary: usize) -> Result<(), CalendarError> {
        let (mut start, mut bound) = self
            .incoming_bound(summary)?
            .unwrap_or((self.project_start, false));
        self.reason[summary] = if bound {
            Reason::Edges
        } else {
            Reason::ProjectStart
        };
        if let Constraint::StartNoEarlierThan(_) = self.plan.tasks[summary].constraint {
            let date = self.constraint_at[summary]
                .get()
                .unwrap_or(self.project_start);
            if !bound || date > start {
                start = date;
                self.reason[summary] = Reason::Constraint;
            }
            bound = true;
        }
        self.gate_start[summary] = start;
        self.gate_count[summary] = self.calendar(summary).work_before(start);
        self.gate_bound[summary] = bound;
        Ok(())
    }

    fn forward_rollup(&mut self, summary: usize) {
        let node = summary + self.network.task_count;
        let mut start = Instant(i64::MAX);
        let mut finish = Instant(i64::MIN);
        for &edge in self.network.incoming(node) {
            let child = self
                .network
                .task_of(self.network.edge_from[edge as usize])
                .index();
            let (child_start, child_finish) = self.forward_dates(child);
            start = start.min(child_start);
            finish = finish.max(child_finish);
        }
        self.early_start[summary] = start;
        self.early_finish[summary] = finish;
        let counts = self.counts_on_calendar(summary, start, finish);
        (
            self.early_start_count[summary],
            self.early_finish_count[summary],
        ) = counts;
    }

    /// Whether a task has a `TASK_*` bit.
    fn has(&self, task: usize, bit: u16) -> bool {
        self.flags[task] & bit != 0
    }

    /// The working-minute counts of two instants on a task's calendar.
    fn counts_on_calendar(&self, task: usize, first: Instant, second: Instant) -> (i64, i64) {
        let calendar = self.calendar(task);
        (calendar.work_before(first), calendar.work_before(second))
    }

    /// The date of the task's dated constraint, looked up only when its flag says there is one
    /// (most tasks have none, and the flag byte is already at hand).
    fn dated_constraint(&self, task: usize) -> Option<Instant> {
        if !self.has(task, TASK_DATED_CONSTRAINT) {
            None
        } else {
            self.constraint_at[task].get()
        }
    }

    /// Whether a leaf takes the counted path: a plain task of working duration, not started.
    fn is_simple(&self, task: usize) -> bool {
        !self.exact_only
            && self.flags[task] & (TASK_SUMMARY | TASK_MILESTONE | TASK_ELAPSED | TASK_STARTED) == 0
    }

    fn forward_leaf(&mut self, task: usize) -> Result<(), CalendarError> {
        if self.is_simple(task) {
            return self.forward_leaf_counted(task);
        }
        self.forward_leaf_exact(task)?;
        let counts = self.counts_on_calendar(task, self.early_start[task], self.early_finish[task]);
        (self.early_start_count[task], self.early_finish_count[task]) = counts;
        Ok(())
    }

    /// The forward pass for a simple leaf, on working-minute counts of its calendar. It gives
    /// the same dates as `forward_leaf_exact`: a count's start is the instant a task starts at.
    fn forward_leaf_counted(&mut self, task: usize) -> Result<(), CalendarError> {
        let slot = self.task_calendar[task] as usize;
        let duration = self.duration[task];
        let (incoming, floored) = self.incoming_count(task)?;
        let project_start = self.project_start_count[slot];
        // Only a dated constraint acts here (ALAP acts through the late dates); reading the task
        // record just to find out costs a cache miss per task on large plans.
        let (constraint, constraint_count) = match self.dated_constraint(task) {
            Some(date) => (
                self.plan.tasks[task].constraint,
                Some(self.calendar(task).work_before(date)),
            ),
            None => (Constraint::AsSoonAsPossible, None),
        };
        let links_bound = match (incoming, floored) {
            (Some(value), true) => value.max(project_start),
            (Some(value), false) => value,
            (None, _) => project_start,
        };
        // As in the exact path: when the project start floors a finish-to-finish link, the floor,
        // not the link, is the bound the drivers are measured against.
        self.edges_bound[task] = links_bound;
        let (mut start, mut reason) = match (incoming, constraint, constraint_count) {
            (Some(value), _, _) if value >= links_bound => (links_bound, Reason::Edges),
            (Some(_), _, _) => (links_bound, Reason::ProjectStart),
            (None, Constraint::StartNoEarlierThan(_), Some(date)) => (date, Reason::Constraint),
            (None, Constraint::FinishNoEarlierThan(_), Some(date)) => {
                (date - duration, Reason::Constraint)
            }
            _ => (project_start, Reason::ProjectStart),
        };
        if let (Some(status_date), true) = (
            self.status_date_count[slot],
            self.schedule_after_status_date,
        ) && status_date > start
        {
            (start, reason) = (status_date, Reason::StatusDate);
        }
        let links_start = start;
        let mut finish = None;
        if let Some(date) = constraint_count {
            match constraint {
                Constraint::StartNoEarlierThan(_) if date > start => {
                    (start, reason) = (date, Reason::Constraint)
                }
                Constraint::FinishNoEarlierThan(_) if date - duration > start => {
                    (start, reason) = (date - duration, Reason::Constraint);
                }
                Constraint::StartNoLaterThan(_) if date < start => {
                    (start, reason) = (date, Reason::Constraint)
                }
                Constraint::FinishNoLaterThan(_) if date - duration < start => {
                    (start, reason) = (date - duration, Reason::Constraint);
                }
                Constraint::MustStartOn(_) => (start, reason) = (date, Reason::Constraint),
                Constraint::MustFinishOn(_) => {
                    (start, reason) = (date - duration, Reason::Constraint);
                    finish = Some(date);
                }
                _ => {}
            }
        }
        let finish = finish.unwrap_or(start + duration);
        let finish_from_start = reason == Reason::Edges && self.finish_set_by_start(task, start);
        let calendar = self.calendar(task);
        let dates = (
            calendar.start_at(start)?,
            if finish_from_start {
                calendar.start_at(finish)?
            } else {
                calendar.finish_at(finish)?
            },
        );
        (self.early_start[task], self.early_finish[task]) = dates;
        (self.early_start_count[task], self.early_finish_count[task]) = (start, finish);
        self.links_start_count[task] = links_start;
        self.reason[task] = reason;
        Ok(())
    }

    /// The forward pass on instants: milestones (which may sit at the end of a working period),
    /// elapsed durations, and tasks with progress.
    fn forward_leaf_exact(&mut self, task: usize) -> Result<(), CalendarError> {
        let progress = self.progress[task];
        if let (Some(actual_finish), true) =
            (progress.actual_finish(), self.has(task, TASK_STARTED))
        {
            let finish = self
                .calendar(task)
                .previous_work_finish(actual_finish)
                .unwrap_or(actual_finish);
            let start = match progress.actual_start() {
                Some(actual_start) => actual_start,
                None => self.start_before(task, finish, self.duration[task])?,
            };
            self.early_start[task] = start;
            self.early_finish[task] = finish.max(start);
            self.reason[task] = Reason::Actual;
            // Edge values still matter for the drivers of the task's history; keep them current.
            self.incoming_bound(task)?;
            return Ok(());
        }

        let incoming = self.incoming_bound(task)?;
        let has_bound = incoming.is_some_and(|(_, bound)| bound);
        let constraint = self.plan.tasks[task].constraint;
        let constraint_at = self.constraint_at[task].get();
        let links_bound = incoming.map_or(self.project_start, |(value, _)| value);
        let links_count = self.calendar(task).work_before(links_bound);
        let (mut start, mut reason) = match (has_bound, constraint, constraint_at) {
            (true, _, _) if self.edge_reaches(task, links_count) => (links_bound, Reason::Edges),
            (true, _, _) => (links_bound, Reason::ProjectStart),
            (false, Constraint::StartNoEarlierThan(_), Some(date)) => (date, Reason::Constraint),
            (false, Constraint::FinishNoEarlierThan(_), Some(date)) => (
                self.start_before(
                    task,
                    self.finish_constraint(task, date)?,
                    self.duration[task],
                )?,
                Reason::Constraint,
            ),
            _ => (self.project_start, Reason::ProjectStart),
        };
        if let (Some(status_date), true, false) = (
            self.status_date,
            self.schedule_after_status_date,
            self.has(task, TASK_STARTED),
        ) && self.calendar(task).work_before(status_date)
            > self.calendar(task).work_before(start)
        {
            // Compared in working time, as the counted path does: a status date at the end of
            // Friday and a bound at Friday 17:00 tie, and the bound keeps its reason.
            start = status_date;
            reason = Reason::StatusDate;
        }
        let links_start = self.snap_start(task, start)?;
        start = links_start;

        let duration = self.duration[task];
        let mut forced_finish = None;
        if let Some(date) = constraint_at {
            match constraint {
                Constraint::StartNoEarlierThan(_) => {
                    let date = self.snap_start(task, date)?;
                    if date > start {
                        (start, reason) = (date, Reason::Constraint);
                    }
                }
                Constraint::FinishNoEarlierThan(_) => {
                    let earliest =
                        self.start_before(task, self.finish_constraint(task, date)?, duration)?;
                    if earliest > start {
                        (start, reason) = (earliest, Reason::Constraint);
                    }
                }
                Constraint::StartNoLaterThan(_) => {
                    let date = self.snap_start(task, date)?;
                    if date < start {
                        (start, reason) = (date, Reason::Constraint);
                    }
                }
                Constraint::FinishNoLaterThan(_) => {
                    let latest =
                        self.start_before(task, self.finish_constraint(task, date)?, duration)?;
                    if latest < start {
                        (start, reason) = (latest, Reason::Constraint);
                    }
                }
                Constraint::MustStartOn(_) => {
                    (start, reason) = (self.snap_start(task, date)?, Reason::Constraint);
                }
                Constraint::MustFinishOn(_) => {
                    let finish = self.finish_constraint(task, date)?;
                    forced_finish = Some(finish);
                    (start, reason) = (
                        self.start_before(task, finish, duration)?,
                        Reason::Constraint,
                    );
                }
                Constraint::AsSoonAsPossible | Constraint::AsLateAsPossible => {}
            }
        }
        self.links_start_count[task] = self.calendar(task).work_before(links_start);

        if self.has(task, TASK_STARTED) {
            // Started: the done part runs from the actual start; the rest resumes after the
            // status date when the option says so (the task is then split).
            let actual_start = progress.actual_start().unwrap_or(start);
            let stop = self.finish_after(task, actual_start, progress.done)?;
            let mut resume = match progress.resume() {
                // Work interrupted: the rest starts where it was reported to resume.
                Some(reported) if reported > stop && progress.remaining > 0 => reported,
                _ => stop,
            };
            if let (Some(status_date), true) = (self.status_date, self.schedule_after_status_date)
                && status_date > resume
                && progress.remaining > 0
            {
                resume = self.calendar(task).next_work_start(status_date)?;
            }
            let finish = if progress.remaining > 0 {
                let resume = if self.has(task, TASK_ELAPSED) {
                    resume
                } else {
                    self.calendar(task).next_work_start(resume)?
                };
                self.finish_after(task, resume, progress.remaining)?
            } else {
                stop
            };
            self.early_start[task] = actual_start;
            self.early_finish[task] = finish;
            self.reason[task] = if progress.actual_start().is_some() {
                Reason::Actual
            } else {
                reason
            };
            return Ok(());
        }

        self.early_start[task] = start;
        self.early_finish[task] = match forced_finish {
            Some(finish) => finish,
            None => self.finish_after(task, start, duration)?,
        };
        if forced_finish.is_none()
            && reason == Reason::Edges
            && self.flags[task] & (TASK_MILESTONE | TASK_ELAPSED) == 0
            && start == links_bound
            && self.finish_set_by_start(task, links_count)
        {
            self.early_finish[task] = self
                .calendar(task)
                .next_work_start(self.early_finish[task])?;
        }
        self.reason[task] = reason;
        Ok(())
    }

    /// Whether a start-to-finish link without a positive lag sets the task's start `bound` (a
    /// count on its calendar). Its finish is then the predecessor's start (or a lead back from
    /// it), and MS Project writes it as a start: Monday 08:00 where a finish would read Friday
    /// 17:00, the same instant in working time. A positive lag is added as working time and ends
    /// as a finish does (mspdirelations.xml and task-links-*.xml show both).
    #[inline]
    fn finish_set_by_start(&self, task: usize, bound: i64) -> bool {
        self.has(task, TASK_START_TO_FINISH_IN) && self.start_to_finish_sets_finish(task, bound)
    }

    /// `finish_set_by_start` for a task with start-to-finish links, out of line.
    #[inline(never)]
    fn start_to_finish_sets_finish(&self, task: usize, bound: i64) -> bool {
        let range = self.network.incoming_offsets[task] as usize
            ..self.network.incoming_offsets[task + 1] as usize;
        range.into_iter().any(|position| {
            let meta = self.incoming_meta[position];
            if meta & EDGE_HIERARCHY != 0
                || meta & EDGE_KIND != EDGE_START_TO_FINISH
                || self.edge_value[position] != bound
            {
                return false;
            }
            let edge = self.network.incoming[position] as usize;
            let link = self.network.edge_link[edge];
            match self.plan.links.get(link as usize).map(|link| link.lag) {
                Some(Lag::None) => true,
                Some(Lag::Working(minutes) | Lag::Elapsed(minutes)) => minutes <= 0,
                Some(Lag::Percent(percent)) => percent <= 0.0,
                None => false,
            }
        })
    }

    /// Whether some incoming edge of the node gives exactly `bound` (and not only the floor at
    /// the project start).
    fn edge_reaches(&self, node: usize, bound: i64) -> bool {
        let range = self.network.incoming_offsets[node] as usize
            ..self.network.incoming_offsets[node + 1] as usize;
        self.edge_value[range].contains(&bound)
    }

    /// A finish-type constraint date moved back to the end of working time.
    fn finish_constraint(&self, task: usize, date: Instant) -> Result<Instant, CalendarError> {
        if self.has(task, TASK_MILESTONE) && self.calendar(task).is_working(date) {
            return Ok(date);
        }
        self.calendar(task).previous_work_finish(date)
    }

    fn backward_pass(&mut self) -> Result<(), ScheduleFailure> {
        let task_count = self.plan.tasks.len();
        for position in (0..self.network.order.len()).rev() {
            let node = self.network.order[position] as usize;
            let task = self.network.task_of(node as u32);
            let result = if node >= task_count {
                self.backward_rollup(task.index())
            } else if self.network.is_summary[node] {
                self.backward_gate(node);
                Ok(())
            } else {
                self.backward_leaf(node)
            };
            result.map_err(|error| calendar_failure(self.plan, task, error))?;
        }
        Ok(())
    }

    /// The latest finish (for `finish`) or start a link allows its predecessor, from the
    /// successor's late dates. `None` when the successor is complete (it no longer constrains).
    fn link_late_bound(
        &self,
        link: &crate::model::Link,
    ) -> Result<Option<(Instant, bool)>, CalendarError> {
        let successor = link.successor.index();
        if !self.network.is_summary[successor] && self.progress[successor].actual_finish().is_some()
        {
            return Ok(None);
        }
        if let Lag::Elapsed(minutes) = link.lag {
            return self
                .elapsed_late_bound(successor, edge_kind(link.kind), minutes)
                .map(Some);
        }
        let (late_start, late_finish) = (self.late_start[successor], self.late_finish[successor]);
        Ok(Some(match link.kind {
            LinkType::FinishToStart => (self.shift_by_lag(link, late_start, -1)?, true),
            LinkType::StartToStart => (self.shift_by_lag(link, late_start, -1)?, false),
            LinkType::FinishToFinish => (self.shift_by_lag(link, late_finish, -1)?, true),
            LinkType::StartToFinish => (self.shift_by_lag(link, late_finish, -1)?, false),
        }))
    }

    /// `link_late_bound` for a link of kind `kind` (`EDGE_*`) with an elapsed lag of `lag`
    /// clock minutes into a successor that is not complete: the counted backward pass calls it
    /// with the edge's bits, without reading the link.
    fn elapsed_late_bound(
        &self,
        successor: usize,
        kind: u8,
        lag: i64,
    ) -> Result<(Instant, bool), CalendarError> {
        // A date at the end of a working period is the same working time as the start of the
        // next; clock time counts back from the later of the two, as the forward pass counted
        // forward to it. (The late finish is snapped too, and fails where it would.)
        let calendar = self.calendar(successor);
        let late_start = calendar.next_work_start(self.late_start[successor])?;
        calendar.next_work_start(self.late_finish[successor])?;
        // The forward pass adds an elapsed lag to the successor's start (MS Project's order),
        // whatever the link type; mirror it so that both passes agree.
        let from = late_start.plus_minutes(-lag);
        let remaining = self.progress[successor].remaining;
        Ok(match kind & EDGE_KIND {
            EDGE_FINISH_TO_START => (from, true),
            EDGE_START_TO_START => (from, false),
            EDGE_FINISH_TO_FINISH => (self.finish_after(successor, from, remaining)?, true),
            _ => (self.finish_after(successor, from, remaining)?, false),
        })
    }

    fn backward_rollup(&mut self, summary: usize) -> Result<(), CalendarError> {
        let node = summary + self.network.task_count;
        let plan = self.plan;
        let mut finish_bound: Option<Instant> = None;
        let mut start_bound: Option<Instant> = None;
        for index in self.network.outgoing_offsets[node]..self.network.outgoing_offsets[node + 1] {
            let edge = self.network.outgoing[index as usize] as usize;
            let link = self.network.edge_link[edge];
            if link == HIERARCHY {
                let parent = self.network.task_of(self.network.edge_to[edge]).index();
                let bound = self.rollup_finish_bound[parent];
                finish_bound = Some(finish_bound.map_or(bound, |current| current.min(bound)));
                if let Some(parent_start) = self.rollup_start_bound[parent].get()
                    && self.early_start[summary] == self.early_start[parent]
                {
                    start_bound =
                        Some(start_bound.map_or(parent_start, |current| current.min(parent_start)));
                }
            } else if let Some((bound, is_finish)) =
                self.link_late_bound(&plan.links[link as usize])?
            {
                let bound = bound.min(self.project_finish);
                let slot = if is_finish {
                    &mut finish_bound
                } else {
                    &mut start_bound
                };
                *slot = Some(slot.map_or(bound, |current| current.min(bound)));
            }
        }
        let mut finish_bound = finish_bound.unwrap_or(self.project_finish);
        if let Some(deadline) = self.deadline[summary].get() {
            finish_bound = finish_bound.min(deadline);
        }
        self.rollup_finish_bound[summary] = finish_bound;
        self.rollup_finish_count[summary] = self.calendar(summary).work_before(finish_bound);
        self.rollup_start_bound[summary] = MaybeInstant::new(start_bound);
        Ok(())
    }

    fn backward_gate(&mut self, summary: usize) {
        let mut late_start = Instant(i64::MAX);
        let mut late_finish = Instant(i64::MIN);
        for &edge in self.network.outgoing(summary) {
            let child = self
                .network
                .task_of(self.network.edge_to[edge as usize])
                .index();
            late_start = late_start.min(self.late_start[child]);
            late_finish = late_finish.max(self.late_finish[child]);
        }
        self.late_start[summary] = late_start;
        self.late_finish[summary] = late_finish;
        let counts = self.counts_on_calendar(summary, late_start, late_finish);
        (
            self.late_start_count[summary],
            self.late_finish_count[summary],
        ) = counts;
    }

    fn backward_leaf(&mut self, task: usize) -> Result<(), CalendarError> {
        if self.is_simple(task) {
            return self.backward_leaf_counted(task);
        }
        self.backward_leaf_exact(task)?;
        let counts = self.counts_on_calendar(task, self.late_start[task], self.late_finish[task]);
        (self.late_start_count[task], self.late_finish_count[task]) = counts;
        Ok(())
    }

    /// The backward pass for a simple leaf, on counts (see `forward_leaf_counted`).
    fn backward_leaf_counted(&mut self, task: usize) -> Result<(), CalendarError> {
        let plan = self.plan;
        let slot = self.task_calendar[task];
        let duration = self.duration[task];
        let project_finish = self.project_finish_count[slot as usize];
        let mut late_finish: Option<i64> = None;
        let range = self.network.outgoing_offsets[task] as usize
            ..self.network.outgoing_offsets[task + 1] as usize;
        for position in range {
            let meta = self.outgoing_meta[position];
            let target = self.outgoing_target[position] as usize;
            let bound = if meta & EDGE_HIERARCHY != 0 {
                let mut bound = if self.task_calendar[target] == slot {
                    self.rollup_finish_count[target]
                } else {
                    self.calendar(task)
                        .work_before(self.rollup_finish_bound[target])
                };
                if let Some(start_bound) = self.rollup_start_bound[target].get()
                    && self.early_start[task] == self.early_start[target]
                {
                    bound = bound.min(self.calendar(task).work_before(start_bound) + duration);
                }
                bound
            } else if self.flags[target] & (TASK_COMPLETE | TASK_SUMMARY) == TASK_COMPLETE {
                continue; // a finished successor no longer constrains
            } else if meta & EDGE_FAST != 0 {
                let lag = self.outgoing_lag[position];
                match meta & EDGE_KIND {
                    EDGE_FINISH_TO_START => self.late_start_count[target] - lag,
                    EDGE_START_TO_START => self.late_start_count[target] - lag + duration,
                    EDGE_FINISH_TO_FINISH => self.late_finish_count[target] - lag,
                    _ => self.late_finish_count[target] - lag + duration,
                }
                .min(project_finish)
            } else if meta & EDGE_ELAPSED != 0 {
                let lag = self.outgoing_lag[position];
                let (bound, is_finish) = self.elapsed_late_bound(target, meta & EDGE_KIND, lag)?;
                let bound = self.calendar(task).work_before(bound);
                (if is_finish { bound } else { bound + duration }).min(project_finish)
            } else {
                let edge = self.network.outgoing[position] as usize;
                let link = &plan.links[self.network.edge_link[edge] as usize];
                let Some((bound, is_finish)) = self.link_late_bound(link)? else {
                    continue;
                };
                let bound = self.calendar(task).work_before(bound);
                (if is_finish { bound } else { bound + duration }).min(project_finish)
            };
            late_finish = Some(late_finish.map_or(bound, |current| current.min(bound)));
        }
        let mut late_finish = late_finish.unwrap_or(project_finish);
        if let Some(date) = self.dated_constraint(task) {
            let date = self.calendar(task).work_before(date);
            match plan.tasks[task].constraint {
                Constraint::MustStartOn(_) => late_finish = date + duration,
                Constraint::MustFinishOn(_) => late_finish = date,
                Constraint::StartNoLaterThan(_) => late_finish = late_finish.min(date + duration),
                Constraint::FinishNoLaterThan(_) => late_finish = late_finish.min(date),
                _ => {}
            }
        }
        if let Some(deadline) = self.deadline[task].get() {
            late_finish = late_finish.min(self.calendar(task).work_before(deadline));
        }
        let calendar = self.calendar(task);
        let dates = (
            calendar.start_at(late_finish - duration)?,
            calendar.finish_at(late_finish)?,
        );
        (self.late_start[task], self.late_finish[task]) = dates;
        self.late_finish_count[task] = late_finish;
        self.late_start_count[task] = late_finish - duration;
        Ok(())
    }

    /// The backward pass on instants, for the tasks `forward_leaf_exact` handles.
    fn backward_leaf_exact(&mut self, task: usize) -> Result<(), CalendarError> {
        let progress = self.progress[task];
        if progress.actual_finish().is_some() {
            self.late_start[task] = self.early_start[task];
            self.late_finish[task] = self.early_finish[task];
            return Ok(());
        }
        let plan = self.plan;
        let duration = self.duration[task];
        let mut late_finish: Option<Instant> = None;
        let mut tighten = |bound: Instant| {
            late_finish = Some(late_finish.map_or(bound, |current| current.min(bound)))
        };
        for index in self.network.outgoing_offsets[task]..self.network.outgoing_offsets[task + 1] {
            let edge = self.network.outgoing[index as usize] as usize;
            let link = self.network.edge_link[edge];
            // Once a task has started, links tied to its start (SS, SF) no longer constrain it:
            // the start is a fact. Only its finish can still be late.
            if link == HIERARCHY {
                let parent = self.network.task_of(self.network.edge_to[edge]).index();
                tighten(self.rollup_finish_bound[parent]);
                if let Some(start_bound) = self.rollup_start_bound[parent].get()
                    && self.early_start[task] == self.early_start[parent]
                    && !self.has(task, TASK_STARTED)
                {
                    tighten(
                        self.finish_after(task, start_bound, duration)?
                            .min(self.project_finish),
                    );
                }
            } else if let Some((bound, is_finish)) =
                self.link_late_bound(&plan.links[link as usize])?
            {
                if !is_finish && self.has(task, TASK_STARTED) {
                    continue;
                }
                let bound = if is_finish {
                    bound
                } else {
                    self.finish_after(task, bound, duration)?
                };
                tighten(bound.min(self.project_finish));
            }
        }
        let mut late_finish = late_finish.unwrap_or(self.project_finish);
        if let Some(date) = self.constraint_at[task].get() {
            match plan.tasks[task].constraint {
                Constraint::MustStartOn(_) => {
                    late_finish =
                        self.finish_after(task, self.snap_start(task, date)?, duration)?;
                }
                Constraint::MustFinishOn(_) => late_finish = self.finish_constraint(task, date)?,
                Constraint::StartNoLaterThan(_) => {
                    late_finish = late_finish.min(self.finish_after(
                        task,
                        self.snap_start(task, date)?,
                        duration,
                    )?);
                }
                Constraint::FinishNoLaterThan(_) => {
                    late_finish = late_finish.min(self.finish_constraint(task, date)?);
                }
                _ => {}
            }
        }
        if let Some(deadline) = self.deadline[task].get() {
            late_finish = late_finish.min(self.finish_constraint(task, deadline)?);
        }
        // A finish at the start of a working period is the same as one at the end of the last.
        let late_finish = if self.has(task, TASK_MILESTONE) {
            // A milestone sits at an instant, which may be the start of a working period (a
            // milestone at the project start): never snap it back past its early date when no
            // working time lies between the two.
            let calendar = self.calendar(task);
            let snapped = calendar.previous_work_finish(late_finish)?;
            let early_finish = self.early_finish[task];
            if snapped < early_finish
                && calendar.work_before(late_finish) >= calendar.work_before(early_finish)
            {
                early_finish
            } else {
                snapped
            }
        } else if self.has(task, TASK_ELAPSED) {
            late_finish
        } else {
            self.calendar(task).previous_work_finish(late_finish)?
        };
        self.late_finish[task] = late_finish;
        self.late_start[task] = match (self.has(task, TASK_STARTED), progress.actual_start()) {
            (true, Some(actual_start)) => actual_start,
            (true, None) => self.early_start[task],
            _ => self.start_before(task, late_finish, progress.remaining)?,
        };
        Ok(())
    }

    fn edge_link_id(&self, edge: u32) -> Option<LinkId> {
        let link = self.network.edge_link[edge as usize];
        (link != HIERARCHY).then_some(LinkId(link))
    }

    /// The incoming edges of a task node whose bound is the latest (ties included): bounds are
    /// counts of working time, so bounds that land on the same working time tie.
    fn driving_edges(&self, node: usize) -> impl Iterator<Item = u32> + '_ {
        let best = self.edges_bound[node];
        let first = self.network.incoming_offsets[node] as usize;
        self.network
            .incoming(node)
            .iter()
            .enumerate()
            .filter(move |&(offset, _)| self.edge_value[first + offset] == best)
            .map(|(_, &edge)| edge)
    }

    /// The leaf tasks behind a node that drive through an edge of this link type.
    fn exit_leaves(&self, node: u32, start_side: bool, into: &mut Vec<TaskId>) {
        let task = self.network.task_of(node).index();
        if !self.network.is_summary[task] {
            into.push(TaskId(task as u32));
            return;
        }
        let rollup = task + self.network.task_count;
        for &edge in self.network.incoming(rollup) {
            let child_node = self.network.edge_from[edge as usize];
            let child = self.network.task_of(child_node).index();
            let (child_start, child_finish) = self.forward_dates(child);
            let drives = if start_side {
                child_start == self.early_start[task]
            } else {
                child_finish == self.early_finish[task]
            };
            if drives {
                self.exit_leaves(child_node, start_side, into);
            }
        }
    }

    /// The leaf tasks whose links drive this leaf's early start (through summary gates too).
    fn driving_leaves(&self, node: usize, into: &mut Vec<TaskId>) {
        for edge in self.driving_edges(node) {
            match self.edge_link_id(edge) {
                Some(link) => {
                    let kind = self.plan.links[link.index()].kind;
                    let start_side =
                        matches!(kind, LinkType::StartToStart | LinkType::StartToFinish);
                    self.exit_leaves(self.network.edge_from[edge as usize], start_side, into);
                }
                None => {
                    let parent = self.network.edge_from[edge as usize] as usize;
                    if self.reason[parent] == Reason::Edges {
                        self.driving_leaves(parent, into);
                    }
                }
            }
        }
    }

    /// The leaf tasks whose links set this leaf's early start; none when something else (the
    /// project start, a constraint, the status date, an actual start) sets it.
    fn driving_leaves_if_linked(&self, task: usize, into: &mut Vec<TaskId>) {
        if self.reason[task] == Reason::Edges {
            self.driving_leaves(task, into);
        }
    }

    /// The links (on the task or summaries above it) that drive a task node.
    fn driving_links(&self, node: usize, into: &mut Vec<LinkId>) {
        for edge in self.driving_edges(node) {
            match self.edge_link_id(edge) {
                Some(link) => into.push(link),
                None => {
                    let parent = self.network.edge_from[edge as usize] as usize;
                    if self.reason[parent] == Reason::Edges {
                        self.driving_links(parent, into);
                    }
                }
            }
        }
    }

    /// Why a task starts when it does, appending the links or subtasks involved to the flat
    /// lists and returning where they sit.
    fn driver(
        &self,
        task: usize,
        links: &mut Vec<LinkId>,
        subtasks: &mut Vec<TaskId>,
    ) -> (Driver, std::ops::Range<u32>) {
        if self.network.is_summary[task] {
            let first = subtasks.len() as u32;
            for &edge in self.network.outgoing(task) {
                let child = self.network.task_of(self.network.edge_to[edge as usize]);
                if self.forward_dates(child.index()).0 == self.early_start[task] {
                    subtasks.push(child);
                }
            }
            return (Driver::Subtasks, first..subtasks.len() as u32);
        }
        let driver = match self.reason[task] {
            Reason::Actual => Driver::Actual,
            Reason::Constraint => Driver::Constraint,
            Reason::StatusDate => Driver::StatusDate,
            Reason::ProjectStart => Driver::ProjectStart,
            Reason::Edges => {
                let first = links.len();
                self.driving_links(task, links);
                // Sort and deduplicate this task's part of the list in place.
                links[first..].sort_unstable();
                let mut kept = first;
                for read in first..links.len() {
                    if kept == first || links[read] != links[kept - 1] {
                        links[kept] = links[read];
                        kept += 1;
                    }
                }
                links.truncate(kept);
                if kept > first {
                    return (Driver::Links, first as u32..kept as u32);
                }
                // Only summary gates without a bound of their own: the parent's reason applies.
                let mut node = task;
                let mut driver = Driver::ProjectStart;
                while let Some(parent) = self.plan.tasks[node].parent {
                    node = parent.index();
                    if self.reason[node] == Reason::Constraint {
                        driver = Driver::Constraint;
                        break;
                    }
                }
                driver
            }
        };
        (driver, 0..0)
    }

    /// Constraints that the links cannot meet (which forces negative float on the tasks that
    /// drive them) and missed deadlines, each with the chain of tasks that drives into it.
    fn report_constraint_conflicts(&mut self) {
        let plan = self.plan;
        let durations = plan.durations;
        let mut found = Vec::new();
        for task in 0..plan.tasks.len() {
            if self.flags[task] & (TASK_SUMMARY | TASK_STARTED) != 0 {
                continue;
            }
            let calendar = self.calendar(task);
            let chain_text = |chain: &[TaskId]| {
                chain
                    .iter()
                    .map(|&member| format!("\"{}\"", plan.task(member).name))
                    .collect::<Vec<_>>()
                    .join(" → ")
            };
            if let Some(deadline) = self.deadline[task].get() {
                let finish = self.scheduled_finish(task);
                let (finish_count, deadline_count) =
                    (calendar.work_before(finish), calendar.work_before(deadline));
                if finish_count > deadline_count {
                    let chain = self.driving_chain(task);
                    let shown = calendar.previous_work_finish(deadline).unwrap_or(deadline);
                    found.push(Diagnostic {
                        severity: Severity::Warning,
                        kind: DiagnosticKind::MissedDeadline,
                        message: format!(
                            "\"{}\" finishes {finish}, {} after its deadline {shown}; driven by {}",
                            plan.tasks[task].name,
                            describe_minutes(finish_count - deadline_count, &durations),
                            chain_text(&chain)
                        ),
                        tasks: chain,
                        links: Vec::new(),
                    });
                }
            }
            let Some(date) = self.constraint_at[task].get() else {
                continue;
            };
            let constraint = plan.tasks[task].constraint;
            let date_count = calendar.work_before(date);
            let (latest_start, what) = match constraint {
                Constraint::StartNoLaterThan(_) => (date_count, "start no later than"),
                Constraint::MustStartOn(_) => (date_count, "start on"),
                Constraint::FinishNoLaterThan(_) => {
                    (date_count - self.duration[task], "finish no later than")
                }
                Constraint::MustFinishOn(_) => (date_count - self.duration[task], "finish on"),
                _ => continue,
            };
            let allowed = self.links_start_count[task];
            if allowed <= latest_start {
                continue;
            }
            let chain = self.driving_chain(task);
            let links: Vec<LinkId> = self
                .driving_edges(task)
                .filter_map(|edge| self.edge_link_id(edge))
                .collect();
            let negative: Vec<TaskId> = chain
                .iter()
                .copied()
                .filter(|&member| self.total_float(member.index()) < 0)
                .collect();
            let shown = if what.starts_with("start") {
                calendar.start_at(date_count)
            } else {
                calendar.finish_at(date_count)
            }
            .unwrap_or(date);
            let allowed_date = calendar.start_at(allowed).unwrap_or(date);
            found.push(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::NegativeFloat,
                message: format!(
                    "\"{}\" must {what} {shown} ({}), but its predecessors let it start {allowed_date} at the earliest, {} later: the constraint wins and the links are not honoured{}",
                    plan.tasks[task].name,
                    constraint.code(),
                    describe_minutes(allowed - latest_start, &durations),
                    match negative.len() {
                        0 => String::new(),
                        1 => format!("; {} has negative total float", chain_text(&negative)),
                        _ => format!("; {} have negative total float", chain_text(&negative)),
                    },
                ),
                tasks: chain,
                links,
            });
        }
        self.diagnostics.extend(found);
    }

    /// The chain of leaf tasks that drives `task`, first to last, following the first driver.
    fn driving_chain(&self, task: usize) -> Vec<TaskId> {
        const MAX_CHAIN: usize = 1000;
        let mut chain = vec![TaskId(task as u32)];
        let mut current = task;
        let mut drivers = Vec::new();
        while chain.len() < MAX_CHAIN {
            drivers.clear();
            self.driving_leaves(current, &mut drivers);
            let Some(&next) = drivers.iter().find(|driver| !chain.contains(driver)) else {
                break;
            };
            chain.push(next);
            current = next.index();
        }
        chain.reverse();
        chain
    }

    fn scheduled_start(&self, task: usize) -> Instant {
        if self.has(task, TASK_ALAP_LATE) {
            self.late_start[task]
        } else {
            self.early_start[task]
        }
    }

    fn scheduled_finish(&self, task: usize) -> Instant {
        if self.has(task, TASK_ALAP_LATE) {
            self.late_finish[task]
        } else {
            self.early_finish[task]
        }
    }

    fn total_float(&self, task: usize) -> i64 {
        let counts = [
            self.early_start_count[task],
            self.early_finish_count[task],
            self.late_start_count[task],
            self.late_finish_count[task],
        ];
        self.total_float_from(task, counts, self.links_start_count[task])
    }

    /// The early and late dates of a task, and the start its links allow (`links_start_count`),
    /// as working-minute counts on the calendar its float is measured on.
    fn counts_on_float_calendar(&self, task: usize) -> ([i64; 4], i64) {
        let calendar = &self.calendars[self.float_calendar[task] as usize];
        let links_start = self
            .calendar(task)
            .start_at(self.links_start_count[task])
            .unwrap_or(self.early_start[task]);
        let counts = [
            self.early_start[task],
            self.early_finish[task],
            self.late_start[task],
            self.late_finish[task],
        ]
        .map(|date| calendar.work_before(date));
        (counts, calendar.work_before(links_start))
    }

    /// Total float from the working-minute counts of early start, early finish, late start and
    /// late finish, and of the start the task's links allow, all on one calendar.
    fn total_float_from(
        &self,
        task: usize,
        [early_start, early_finish, late_start, late_finish]: [i64; 4],
        links_start: i64,
    ) -> i64 {
        let progress = self.progress[task];
        let is_summary = self.network.is_summary[task];
        if !is_summary && (progress.actual_finish().is_some() || self.has(task, TASK_ALAP)) {
            return 0;
        }
        let finish_float = late_finish - early_finish;
        if self.has(task, TASK_STARTED) && !is_summary {
            return finish_float;
        }
        let float = (late_start - early_start).min(finish_float);
        // A constraint that holds a task earlier than its links allow (SNLT, FNLT, MSO, MFO)
        // does not hide the conflict: as in MS Project, the task's own float is how much its
        // links overrun its late start, negative.
        if !is_summary && links_start > early_start {
            float.min(late_start - links_start)
        } else {
            float
        }
    }

    /// Free float: the least slack on the task's outgoing links, measured between scheduled dates
    /// on the task's calendar. `starts`/`finishes` are the scheduled dates of every task and
    /// `start_counts`/`finish_counts` their working-minute counts on each task's own calendar.
    fn free_float(&self, task: usize, total_float: i64, scheduled: &ScheduledDates) -> i64 {
        if self.flags[task] & (TASK_COMPLETE | TASK_SUMMARY) == TASK_COMPLETE {
            return 0;
        }
        let node = if self.network.is_summary[task] {
            task + self.network.task_count
        } else {
            task
        };
        // Measured, like total float, on the task's own calendar (see `float_calendar`).
        let float_on_scheduling_calendar = self.float_calendar[task] == self.task_calendar[task];
        let mut free: Option<i64> = None;
        let range = self.network.outgoing_offsets[node] as usize
            ..self.network.outgoing_offsets[node + 1] as usize;
        for position in range {
            let meta = self.outgoing_meta[position];
            let successor = self.outgoing_target[position] as usize;
            if meta & EDGE_HIERARCHY != 0
                || self.flags[successor] & (TASK_COMPLETE | TASK_SUMMARY) == TASK_COMPLETE
            {
                continue;
            }
            let (from_start, to_start) = match meta & EDGE_KIND {
                EDGE_FINISH_TO_START => (false, true),
                EDGE_START_TO_START => (true, true),
                EDGE_FINISH_TO_FINISH => (false, false),
                _ => (true, false),
            };
            let slack = if meta & EDGE_FAST != 0 && float_on_scheduling_calendar {
                // The common case: counts on one calendar, so the lag simply adds to them.
                scheduled.count(successor, to_start)
                    - scheduled.count(task, from_start)
                    - self.outgoing_lag[position]
            } else {
                let from = if meta & EDGE_ELAPSED != 0 {
                    // `shift_by_lag` of an elapsed lag, without reading the link.
                    scheduled
                        .date(task, from_start)
                        .plus_minutes(self.outgoing_lag[position])
                } else {
                    let edge = self.network.outgoing[position] as usize;
                    let link = &self.plan.links[self.network.edge_link[edge] as usize];
                    let Ok(from) = self.shift_by_lag(link, scheduled.date(task, from_start), 1)
                    else {
                        continue;
                    };
                    from
                };
                self.calendars[self.float_calendar[task] as usize]
                    .working_minutes_between(from, scheduled.date(successor, to_start))
            };
            free = Some(free.map_or(slack, |current| current.min(slack)));
        }
        free.unwrap_or(total_float).min(total_float).max(0)
    }

    fn critical_paths(&self, critical: &[bool]) -> Vec<Vec<TaskId>> {
        let mut paths = Vec::new();
        if self.max_critical_paths == 0 {
            return paths;
        }
        // A path ends at a critical task that finishes with the project and drives no other
        // critical task (a task finishing with the project can still drive a milestone after it).
        let mut drives_critical = vec![false; self.plan.tasks.len()];
        let mut drivers = Vec::new();
        for task in (0..self.plan.tasks.len())
            .filter(|&task| !self.network.is_summary[task] && critical[task])
        {
            drivers.clear();
            self.driving_leaves_if_linked(task, &mut drivers);
            for driver in &drivers {
                drives_critical[driver.index()] = true;
            }
        }
        let ends: Vec<usize> = (0..self.plan.tasks.len())
            .filter(|&task| {
                !self.network.is_summary[task] && critical[task] && !drives_critical[task]
            })
            .filter(|&task| {
                // In working time: a finish at Friday 17:00 ends with a milestone at Monday 08:00.
                let calendar = self.calendar(task);
                calendar.work_before(self.scheduled_finish(task))
                    >= calendar.work_before(self.project_finish)
            })
            .collect();
        // Depth-first with an explicit stack: (task, depth); `path` holds the current branch.
        let mut path: Vec<TaskId> = Vec::new();
        for end in ends {
            let mut stack = vec![(TaskId(end as u32), 0usize)];
            while let Some((task, depth)) = stack.pop() {
                path.truncate(depth);
                path.push(task);
                drivers.clear();
                self.driving_leaves_if_linked(task.index(), &mut drivers);
                drivers.sort();
                drivers.dedup();
                drivers.retain(|driver| critical[driver.index()] && !path.contains(driver));
                if drivers.is_empty() {
                    paths.push(path.iter().rev().copied().collect());
                    if paths.len() >= self.max_critical_paths {
                        return paths;
                    }
                } else {
                    stack.extend(drivers.iter().rev().map(|&driver| (driver, depth + 1)));
                }
            }
        }
        paths
    }

    /// Total float and the critical flag of every task, as the schedule reports them (`open` is
    /// working memory: whether a task or a summary's subtasks still have work to do).
    fn critical_flags(&self, critical: &mut [bool], total_floats: &mut [i64], open: &mut [bool]) {
        let task_count = self.plan.tasks.len();
        open.fill(false);
        let float_of = |task: usize| {
            // A task in elapsed time has its float in clock time too, as MS Project measures it.
            let (counts, links_start) =
                if self.has(task, TASK_ELAPSED) && !self.network.is_summary[task] {
                    let counts = [
                        self.early_start[task].0,
                        self.early_finish[task].0,
                        self.late_start[task].0,
                        self.late_finish[task].0,
                    ];
                    (counts, self.links_start_count[task])
                } else if self.float_calendar[task] != self.task_calendar[task] {
                    self.counts_on_float_calendar(task)
                } else {
                    let counts = [
                        self.early_start_count[task],
                        self.early_finish_count[task],
                        self.late_start_count[task],
                        self.late_finish_count[task],
                    ];
                    (counts, self.links_start_count[task])
                };
            self.total_float_from(task, counts, links_start)
        };
        if task_count >= self.parallel_tasks {
            total_floats
                .par_iter_mut()
                .enumerate()
                .for_each(|(task, float)| *float = float_of(task));
        } else {
            for (task, float) in total_floats.iter_mut().enumerate() {
                *float = float_of(task);
            }
        }
        // Summaries too are critical by their own total slack, as in MS Project: a summary
        // with a critical subtask is not critical when it could itself slip.
        for (critical, &float) in critical.iter_mut().zip(total_floats.iter()) {
            *critical = float <= 0;
        }
        // Finished work is never critical: a task with an actual finish, a summary whose subtasks
        // all have one. Children come after parents in WBS order.
        for task in (0..task_count).rev() {
            if !self.network.is_summary[task] {
                open[task] = self.progress[task].actual_finish().is_none();
            }
            critical[task] &= open[task];
            let parent = self.network.parent[task];
            if open[task] && parent != NO_PARENT {
                open[parent as usize] = true;
            }
        }
    }

    fn into_schedule(mut self, pools: &mut Pools) -> Schedule {
        let task_count = self.plan.tasks.len();
        // Per-task vectors, from the tasks' pool: it holds the link arrays the setup no longer
        // needs, so that a schedule's peak memory stays where it was with one pool.
        let task_pools = pools.tasks.get_or_insert_default();
        let scheduled = self.scheduled_dates(task_pools);
        let mut critical = task_pools.filled(task_count, false);
        let mut total_floats = task_pools.filled(task_count, 0i64);
        let mut open = task_pools.filled(task_count, false);
        self.critical_flags(&mut critical, &mut total_floats, &mut open);
        task_pools.keep(open);
        // Percent complete rolls up by duration, in minutes (a split task's pauses are no
        // duration). The sums go into two of the passes' vectors that nothing reads any more: a
        // schedule's peak memory is here, with the engine, the scheduled dates and the result
        // records all alive.
        let mut rolled_duration = std::mem::take(&mut self.gate_count);
        let mut rolled_done = std::mem::take(&mut self.rollup_finish_count);
        rolled_duration.fill(0);
        rolled_done.fill(0);
        for task in (0..task_count).rev() {
            if !self.network.is_summary[task] {
                rolled_duration[task] = self.duration[task] - self.split_gap(task);
                rolled_done[task] = self.progress[task].done;
            }
            let parent = self.network.parent[task];
            if parent != NO_PARENT {
                rolled_duration[parent as usize] += rolled_duration[task];
                rolled_done[parent as usize] += rolled_done[task];
            }
        }
        let (tasks, driving_links, driving_subtasks) = self.task_schedules(
            &scheduled,
            &critical,
            &total_floats,
            (&rolled_duration, &rolled_done),
        );
        let critical_paths = self.critical_paths(&critical);
        let schedule = Schedule {
            project_start: self.project_start,
            project_finish: self.project_finish,
            status_date: self.status_date,
            tasks,
            critical_paths,
            diagnostics: std::mem::take(&mut self.diagnostics),
            driving_links,
            driving_subtasks,
        };
        task_pools.keep(critical);
        task_pools.keep(total_floats);
        self.gate_count = rolled_duration;
        self.rollup_finish_count = rolled_done;
        scheduled.recycle(task_pools);
        self.recycle(pools);
        schedule
    }

    /// The result record of every task, with the flat lists of driving links and subtasks its
    /// `drivers` ranges point into. On a large plan the tasks are cut into a few runs computed
    /// on every core (each into lists of its own, joined after), which gives the same records
    /// and lists as one run in task order.
    fn task_schedules(
        &self,
        scheduled: &ScheduledDates,
        critical: &[bool],
        total_floats: &[i64],
        (rolled_duration, rolled_done): (&[i64], &[i64]),
    ) -> (Vec<TaskSchedule>, Vec<LinkId>, Vec<TaskId>) {
        let task_count = self.plan.tasks.len();
        let record = |task: usize, links: &mut Vec<LinkId>, subtasks: &mut Vec<TaskId>| {
            let is_summary = self.network.is_summary[task];
            let complete = !is_summary && self.progress[task].actual_finish().is_some();
            let percent_complete = if complete
                || (!is_summary && self.has(task, TASK_STARTED) && self.duration[task] == 0)
            {
                if complete || self.plan.tasks[task].progress.percent_complete >= 100.0 {
                    100.0
                } else {
                    0.0
                }
            } else if rolled_duration[task] > 0 {
                100.0 * rolled_done[task] as f64 / rolled_duration[task] as f64
            } else {
                0.0
            };
            let duration_minutes = if is_summary {
                scheduled.finish_counts[task] - scheduled.start_counts[task]
            } else {
                self.duration[task] - self.split_gap(task)
            };
            let (driver, drivers) = self.driver(task, links, subtasks);
            TaskSchedule {
                start: scheduled.starts[task],
                finish: scheduled.finishes[task],
                early_start: self.early_start[task],
                early_finish: self.early_finish[task],
                late_start: self.late_start[task],
                late_finish: self.late_finish[task],
                total_float: total_floats[task],
                free_float: self.free_float(task, total_floats[task], scheduled),
                critical: critical[task],
                is_summary,
                is_milestone: !is_summary && self.has(task, TASK_SHOWN_AS_MILESTONE),
                duration_minutes,
                percent_complete,
                driver,
                drivers,
            }
        };
        if task_count < self.parallel_tasks {
            let (mut links, mut subtasks) = (Vec::new(), Vec::new());
            let tasks = (0..task_count)
                .map(|task| record(task, &mut links, &mut subtasks))
                .collect();
            return (tasks, links, subtasks);
        }
        let run = task_count.div_ceil(2 * rayon::current_num_threads().max(1));
        let placeholder = TaskSchedule {
            start: self.project_start,
            finish: self.project_start,
            early_start: self.project_start,
            early_finish: self.project_start,
            late_start: self.project_start,
            late_finish: self.project_start,
            total_float: 0,
            free_float: 0,
            critical: false,
            is_summary: false,
            is_milestone: false,
            duration_minutes: 0,
            percent_complete: 0.0,
            driver: Driver::ProjectStart,
            drivers: 0..0,
        };
        let mut tasks = vec![placeholder; task_count];
        let runs: Vec<(Vec<LinkId>, Vec<TaskId>)> = tasks
            .par_chunks_mut(run)
            .enumerate()
            .map(|(index, records)| {
                let (mut links, mut subtasks) = (Vec::new(), Vec::new());
                for (offset, slot) in records.iter_mut().enumerate() {
                    *slot = record(index * run + offset, &mut links, &mut subtasks);
                }
                (links, subtasks)
            })
            .collect();
        // Join the runs' lists, moving each run's ranges past the runs before it.
        let mut links = Vec::with_capacity(runs.iter().map(|(links, _)| links.len()).sum());
        let mut subtasks =
            Vec::with_capacity(runs.iter().map(|(_, subtasks)| subtasks.len()).sum());
        for ((run_links, run_subtasks), records) in runs.into_iter().zip(tasks.chunks_mut(run)) {
            let (link_base, subtask_base) = (links.len() as u32, subtasks.len() as u32);
            if link_base > 0 || subtask_base > 0 {
                for record in records {
                    let base = match record.driver {
                        Driver::Links => link_base,
                        Driver::Subtasks => subtask_base,
                        _ => continue,
                    };
                    record.drivers = record.drivers.start + base..record.drivers.end + base;
                }
            }
            links.extend(run_links);
            subtasks.extend(run_subtasks);
        }
        (tasks, links, subtasks)
    }

    /// Gives the engine's vectors back for the next schedule, the per-task arrays to the
    /// tasks' own pool (see [`TaskSetup`]).
    fn recycle(self, pools: &mut Pools) {
        let Engine {
            task_calendar,
            float_calendar,
            duration,
            progress,
            constraint_at,
            deadline,
            early_start,
            early_finish,
            late_start,
            late_finish,
            gate_start,
            gate_bound,
            reason,
            edges_bound,
            edge_value,
            incoming_source,
            incoming_lag,
            incoming_meta,
            outgoing_target,
            outgoing_lag,
            outgoing_meta,
            flags,
            early_start_count,
            early_finish_count,
            late_start_count,
            late_finish_count,
            gate_count,
            rollup_finish_count,
            rollup_finish_bound,
            rollup_start_bound,
            links_start_count,
            network,
            ..
        } = self;
        for vector in [incoming_source, outgoing_target] {
            pools.keep(vector);
        }
        for vector in [edge_value, incoming_lag, outgoing_lag] {
            pools.keep(vector);
        }
        for vector in [incoming_meta, outgoing_meta] {
            pools.keep(vector);
        }
        network.recycle(pools);
        let tasks = pools.tasks.get_or_insert_default();
        for vector in [task_calendar, float_calendar] {
            tasks.keep(vector);
        }
        for vector in [
            duration,
            edges_bound,
            early_start_count,
            early_finish_count,
            late_start_count,
            late_finish_count,
            gate_count,
            rollup_finish_count,
            links_start_count,
        ] {
            tasks.keep(vector);
        }
        tasks.keep(gate_bound);
        tasks.keep(flags);
        for vector in [
            early_start,
            early_finish,
            late_start,
            late_finish,
            gate_start,
            rollup_finish_bound,
        ] {
            tasks.keep(vector);
        }
        for vector in [constraint_at, deadline, rollup_start_bound] {
            tasks.keep(vector);
        }
        tasks.keep(progress);
        tasks.keep(reason);
    }

    /// Scheduled start and finish of every task (summaries roll up their subtasks' scheduled
    /// dates), with their working-minute counts on each task's calendar.
    fn scheduled_dates(&self, pools: &mut Pools) -> ScheduledDates {
        let task_count = self.plan.tasks.len();
        let mut starts = pools.filled(task_count, Instant(0));
        let mut finishes = pools.filled(task_count, Instant(0));
        let mut start_counts = pools.filled(task_count, 0i64);
        let mut finish_counts = pools.filled(task_count, 0i64);
        // A date's count is mostly one the passes computed already.
        let count = |task: usize, instant: Instant, known: [(Instant, i64); 2]| {
            known.iter().find(|(date, _)| *date == instant).map_or_else(
                || self.calendar(task).work_before(instant),
                |&(_, count)| count,
            )
        };
        let counts = |task: usize, start: Instant, finish: Instant| {
            (
                count(
                    task,
                    start,
                    [
                        (self.early_start[task], self.early_start_count[task]),
                        (self.late_start[task], self.late_start_count[task]),
                    ],
                ),
                count(
                    task,
                    finish,
                    [
                        (self.early_finish[task], self.early_finish_count[task]),
                        (self.late_finish[task], self.late_finish_count[task]),
                    ],
                ),
            )
        };
        // Leaves first, each on its own (on every core for a large plan)...
        let leaves = |first: usize,
                      starts: &mut [Instant],
                      finishes: &mut [Instant],
                      start_counts: &mut [i64],
                      finish_counts: &mut [i64]| {
            for offset in 0..starts.len() {
                let task = first + offset;
                if self.network.is_summary[task] {
                    continue;
                }
                let (start, finish) = (self.scheduled_start(task), self.scheduled_finish(task));
                (starts[offset], finishes[offset]) = (start, finish);
                (start_counts[offset], finish_counts[offset]) = counts(task, start, finish);
            }
        };
        if task_count >= self.parallel_tasks {
            let run = task_count.div_ceil(2 * rayon::current_num_threads().max(1));
            starts
                .par_chunks_mut(run)
                .zip(finishes.par_chunks_mut(run))
                .zip(start_counts.par_chunks_mut(run))
                .zip(finish_counts.par_chunks_mut(run))
                .enumerate()
                .for_each(
                    |(index, (((starts, finishes), start_counts), finish_counts))| {
                        leaves(index * run, starts, finishes, start_counts, finish_counts);
                    },
                );
        } else {
            leaves(
                0,
                &mut starts,
                &mut finishes,
                &mut start_counts,
                &mut finish_counts,
            );
        }
        // ...then the summaries, which roll their subtasks up. Children come after their
        // parents: walking backwards rolls each level up in turn.
        for task in (0..task_count).rev() {
            if self.network.is_summary[task] {
                let mut start = Instant(i64::MAX);
                let mut finish = Instant(i64::MIN);
                for &edge in self.network.incoming(task + task_count) {
                    let child = self
                        .network
                        .task_of(self.network.edge_from[edge as usize])
                        .index();
                    start = start.min(starts[child]);
                    finish = finish.max(finishes[child]);
                }
                (starts[task], finishes[task]) = (start, finish);
                (start_counts[task], finish_counts[task]) = counts(task, start, finish);
            }
        }
        ScheduledDates {
            starts,
            finishes,
            start_counts,
            finish_counts,
        }
    }
}

/// Scheduled dates of every task with their working-minute counts on the task's calendar.
struct ScheduledDates {
    starts: Vec<Instant>,
    finishes: Vec<Instant>,
    start_counts: Vec<i64>,
    finish_counts: Vec<i64>,
}

impl ScheduledDates {
    fn recycle(self, pools: &mut Pools) {
        pools.keep(self.starts);
        pools.keep(self.finishes);
        pools.keep(self.start_counts);
        pools.keep(self.finish_counts);
    }

    fn date(&self, task: usize, start: bool) -> Instant {
        if start {
            self.starts[task]
        } else {
            self.finishes[task]
        }
    }

    fn count(&self, task: usize, start: bool) -> i64 {
        if start {
            self.start_counts[task]
        } else {
            self.finish_counts[task]
        }
    }
}

/// Working minutes in the plan's duration units ("-2d", "-3.5h").
fn describe_minutes(minutes: i64, durations: &crate::model::DurationSettings) -> String {
    if durations.minutes_per_day > 0 && minutes % durations.minutes_per_day == 0 {
        format!("{}d", minutes / durations.minutes_per_day)
    } else if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{}m", minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{NetworkShape, add_constraints_and_progress, random_plan};

    fn schedule_with(plan: &Plan, exact_only: bool) -> Schedule {
        let mut pools = Pools::default();
        let network = Network::build(plan, &mut pools).expect("generated plans have no loops");
        let mut engine = Engine::new(plan, &ScheduleOptions::default(), network, &mut pools)
            .expect("calendars build");
        engine.exact_only = exact_only;
        engine.run().expect("generated plans schedule");
        engine.into_schedule(&mut pools)
    }

    /// The per-task results computed in runs on every core (float, drivers with their flat
    /// lists, the records) are those of one run in task order, on plans with summaries,
    /// constraints and progress.
    #[test]
    fn results_computed_on_every_core_are_those_of_one_run() {
        for (tasks, seed) in [(300, 3), (2_000, 11), (5_000, 12)] {
            let mut plan = random_plan(&NetworkShape::benchmark(tasks, seed));
            add_constraints_and_progress(&mut plan, seed, Some(40));
            let with_threshold = |parallel_tasks: usize| {
                let mut pools = Pools::default();
                let network = Network::build(&plan, &mut pools).expect("no loops");
                let mut engine =
                    Engine::new(&plan, &ScheduleOptions::default(), network, &mut pools)
                        .expect("calendars build");
                engine.parallel_tasks = parallel_tasks;
                engine.run().expect("schedules");
                engine.into_schedule(&mut pools)
            };
            let one_run = with_threshold(usize::MAX);
            let every_core = with_threshold(0);
            assert!(
                one_run.driving_links.len() > 10 && !one_run.driving_subtasks.is_empty(),
                "{tasks} tasks: links drive tasks and subtasks drive summaries"
            );
            assert_eq!(one_run, every_core, "{tasks} tasks");
        }
    }

    /// The network and the per-task arrays prepared on two cores give the schedules (and the
    /// errors) of preparing them one after the other, with fresh pools and with the pools the
    /// first schedule left.
    #[test]
    fn a_setup_on_two_cores_is_that_of_one() {
        let options = ScheduleOptions::default();
        let prepared = |plan: &Plan, parallel_tasks: usize| {
            let mut pools = Pools::default();
            (0..2)
                .map(|_| {
                    let mut engine = Engine::prepare(plan, &options, &mut pools, parallel_tasks)?;
                    engine.run()?;
                    Ok(engine.into_schedule(&mut pools))
                })
                .collect::<Vec<Result<Schedule, ScheduleFailure>>>()
        };
        for (tasks, seed) in [(300, 3), (2_000, 11)] {
            let mut plan = random_plan(&NetworkShape::benchmark(tasks, seed));
            add_constraints_and_progress(&mut plan, seed, Some(40));
            let one_core = prepared(&plan, usize::MAX);
            assert!(one_core.iter().all(Result::is_ok), "{tasks} tasks schedule");
            assert_eq!(prepared(&plan, 0), one_core, "{tasks} tasks");
            // A link back from the last task to the first closes loops through the plan.
            let summary = plan.summary_flags();
            let leaves: Vec<TaskId> = plan
                .task_ids()
                .filter(|task| !summary[task.index()])
                .collect();
            let (Some(&first), Some(&last)) = (leaves.first(), leaves.last()) else {
                panic!("the plan has leaf tasks");
            };
            plan.links.push(crate::model::Link {
                predecessor: last,
                successor: first,
                kind: LinkType::FinishToStart,
                lag: Lag::None,
            });
            let one_core = prepared(&plan, usize::MAX);
            assert!(
                one_core
                    .iter()
                    .all(|result| result.as_ref().is_err_and(|failure| failure
                        .diagnostics
                        .iter()
                        .any(|d| d.kind == DiagnosticKind::DependencyLoop))),
                "{tasks} tasks: the loop is found"
            );
            assert_eq!(prepared(&plan, 0), one_core, "{tasks} tasks with a loop");
            // A parent that does not exist: the ids are checked before the tree is used.
            plan.tasks[first.index()].parent = Some(TaskId(tasks as u32 + 7));
            let one_core = prepared(&plan, usize::MAX);
            assert!(
                one_core
                    .iter()
                    .all(|result| result.as_ref().is_err_and(|failure| failure
                        .diagnostics
                        .iter()
                        .all(|d| d.kind == DiagnosticKind::InvalidLink))),
                "{tasks} tasks: the bad parent is found"
            );
            assert_eq!(
                prepared(&plan, 0),
                one_core,
                "{tasks} tasks with a bad parent"
            );
        }
    }

    /// A scheduler that keeps its working memory gives the same schedules as a fresh one, also
    /// when plans of different sizes follow each other (buffers grow, shrink and change hands).
    #[test]
    fn a_reused_scheduler_builds_the_calendars_again_when_they_change() {
        let mut plan = random_plan(&NetworkShape::benchmark(300, 11));
        let mut scheduler = Scheduler::new();
        let options = ScheduleOptions::default();
        let first = scheduler.schedule(&plan, &options).expect("schedules");
        assert_eq!(first, schedule(&plan, &options).expect("schedules"));
        // A week of holidays in the middle of the project: the kept calendars no longer serve.
        let from = first.project_start.to_civil().date() + jiff::Span::new().days(30);
        plan.calendars[0]
            .exceptions
            .push(crate::model::CalendarException {
                name: "Shutdown".into(),
                from,
                to: from + jiff::Span::new().days(6),
                shifts: Vec::new(),
            });
        let second = scheduler.schedule(&plan, &options).expect("schedules");
        assert_eq!(second, schedule(&plan, &options).expect("schedules"));
        assert!(second.project_finish > first.project_finish);
    }

    #[test]
    fn a_reused_scheduler_gives_the_same_schedules() {
        let mut scheduler = Scheduler::new();
        let options = ScheduleOptions::default();
        for (round, &tasks) in [300usize, 20, 1500, 7, 300, 900].iter().enumerate() {
            let shape = NetworkShape {
                tasks,
                links_per_task: 2.5,
                phase_size: 10,
                mixed: true,
                seed: round as u64,
            };
            let plan = random_plan(&shape);
            let reused = scheduler
                .schedule(&plan, &options)
                .expect("generated plans schedule");
            let fresh = schedule(&plan, &options).expect("generated plans schedule");
            assert_eq!(reused, fresh, "round {round}");
        }
    }

    /// The counted path is an optimisation of the exact one: on every kind of network both must
    /// give the same schedule, field for field.
    #[test]
    fn counted_and_exact_paths_agree() {
        for seed in 0..300 {
            let shape = NetworkShape {
                tasks: 2 + (seed as usize * 7) % 150,
                links_per_task: 0.5 + (seed % 4) as f64,
                phase_size: [0, 4, 20][seed as usize % 3],
                mixed: true,
                seed,
            };
            let mut plan = random_plan(&shape);
            if seed % 2 == 1 {
                // Every constraint type, deadlines, progress and a status date.
                add_constraints_and_progress(&mut plan, seed, Some(seed % 90));
            }
            let (counted, exact) = (schedule_with(&plan, false), schedule_with(&plan, true));
            for (index, (counted, exact)) in counted.tasks.iter().zip(&exact.tasks).enumerate() {
                assert_eq!(
                    counted, exact,
                    "seed {seed}, task {}",
                    plan.tasks[index].key
                );
            }
            assert_eq!(
                counted.critical_paths, exact.critical_paths,
                "seed {seed}: critical paths"
            );
            for (a, b) in counted.diagnostics.iter().zip(&exact.diagnostics) {
                assert_eq!(a.message, b.message, "seed {seed}: diagnostics");
            }
            assert_eq!(counted, exact, "seed {seed}");
        }
    }
}
