//! Resource leveling of a plan: delay tasks so that no work resource is booked beyond its units,
//! the way MS Project levels ("level day by day, by priority, then standard").
//!
//! The leveler works on a copy of the plan and the critical path engine: it schedules, finds the
//! earliest over-allocation, keeps the tasks that matter most there (already started, fixed by a
//! constraint, "do not level", higher priority, then by a [`KeepRule`], and never a task before
//! one whose delay would drag it) within the resource's units, delays the others with a Start
//! No Earlier Than at the moment the tasks kept leave them room, and schedules again, until
//! nothing is over-allocated. What lies before a conflict stays leveled: a task that a delay
//! drags through a finish-to-finish or start-to-finish link (or a lead) and that would still
//! start before the conflict starts at the conflict instead. Every link type, lag, constraint and
//! calendar is honoured because every step is a full schedule. It runs once per rule and keeps
//! the shortest result (a multi-pass priority-rule method from the RCPSP literature). It is
//! deterministic.
//!
//! A task is never delayed when it has started, is a summary, has priority 1000 (MS Project's
//! "do not level"), or carries a constraint a delay would break (ALAP, SNLT, FNLT, MSO, MFO).
//!
//! "Leveling can split remaining work" (MS Project's option, [`LevelingOptions::split`], on by
//! default) lets the leveler pause the tasks that allow it ([`crate::model::Task::leveling_can_split`])
//! instead of delaying them whole: a task of working duration, not started, that began before
//! the conflict is split at the conflict's start and paused until its end (a
//! [`crate::model::Split`] in [`Plan::splits`]), which finishes it earlier than a delay would;
//! a started task's remaining work is pushed past the conflict with a resume date
//! ([`crate::model::Progress::resume`]). Tasks that do not allow splitting are leveled as
//! before.

use std::sync::Arc;

use crate::calendar::WorkingCalendar;
use crate::cpm::{Driver, Schedule, ScheduleFailure, ScheduleOptions, Scheduler};
use crate::model::{Constraint, LinkType, Plan, Split, TaskId};
use crate::split::{CalendarCache, SplitWindows, applying_splits, cached_task_calendar, splits_of};
use crate::time::Instant;
use crate::usage::{OverAllocation, resource_usage_cached};

/// MS Project's priority that means "do not level".
pub const DO_NOT_LEVEL: u16 = 1000;

/// How the leveler schedules and how long it may work.
#[derive(Clone, Debug)]
pub struct LevelingOptions {
    /// Options of every schedule the leveler computes.
    pub schedule: ScheduleOptions,
    /// The most schedules the leveler computes before it gives up on the conflicts left; `0`
    /// means twenty per task (each round removes one conflict, and a task rarely meets more).
    pub max_rounds: usize,
    /// MS Project's "Leveling can split remaining work": tasks that allow it are paused rather
    /// than delayed whole. On by default, as in MS Project.
    pub split: bool,
}

impl Default for LevelingOptions {
    fn default() -> Self {
        LevelingOptions {
            schedule: ScheduleOptions::default(),
            max_rounds: 0,
            split: true,
        }
    }
}

/// A task the leveler delayed.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelingDelay {
    /// The task.
    pub task: TaskId,
    /// Its start before leveling.
    pub start_before: Instant,
    /// Its start after leveling.
    pub start_after: Instant,
    /// The delay in working minutes on the task's calendar.
    pub delay_minutes: i64,
}

/// A pause the leveler put in a task's work.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelingSplit {
    /// The task.
    pub task: TaskId,
    /// Where its work pauses (the end of the work before the pause).
    pub paused_at: Instant,
    /// Where its work resumes.
    pub resumes_at: Instant,
    /// Working minutes of the task's duration before the pause.
    pub after_minutes: i64,
    /// The pause in working minutes of the task's calendar.
    pub gap_minutes: i64,
    /// The task had started: its remaining work resumes later (a resume date, MS Project's
    /// Resume) rather than a split in [`Plan::splits`].
    pub resumed: bool,
}

/// What leveling did.
#[derive(Clone, Debug)]
pub struct Leveling {
    /// The plan as leveled: delayed tasks carry a Start No Earlier Than.
    pub plan: Plan,
    /// The schedule before leveling.
    pub before: Schedule,
    /// The schedule after leveling.
    pub after: Schedule,
    /// Every task that moved, in WBS order.
    pub delays: Vec<LevelingDelay>,
    /// Every pause the leveler put in a task's work, in WBS order and then in time.
    pub splits: Vec<LevelingSplit>,
    /// Over-allocations no delay could remove (only tasks that may not move are involved).
    pub unresolved: Vec<(crate::model::ResourceId, OverAllocation)>,
    /// Schedules computed for the rule kept.
    pub rounds: usize,
    /// The rule that gave this leveling.
    pub rule: KeepRule,
}

/// Whether leveling may delay `task`.
fn may_delay(plan: &Plan, schedule: &Schedule, task: TaskId) -> bool {
    let definition = plan.task(task);
    let computed = schedule.task(task);
    !computed.is_summary
        && definition.priority < DO_NOT_LEVEL
        && definition.progress.actual_start.is_none()
        && definition.progress.percent_complete <= 0.0
        && matches!(
            definition.constraint,
            Constraint::AsSoonAsPossible
                | Constraint::StartNoEarlierThan(_)
                | Constraint::FinishNoEarlierThan(_)
        )
}

/// How leveling may make room in `task` when a conflict needs its resource.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Room {
    /// It stays (started, constrained, "do not level", a summary).
    Fixed,
    /// It may be delayed with a Start No Earlier Than, or split.
    Delay,
    /// Started and allowing splits: its remaining work may resume at this date.
    Resume(Instant),
}

/// Whether a started task that allows splitting may have its remaining work resumed after
/// `over`: it has work left, and some of it falls before the conflict's end.
fn resume_after(
    plan: &Plan,
    schedule: &Schedule,
    task: TaskId,
    over: &OverAllocation,
    calendars: &mut TaskCalendars,
) -> Option<Instant> {
    let definition = plan.task(task);
    let computed = schedule.task(task);
    let progress = &definition.progress;
    let complete = progress.actual_finish.is_some() || progress.percent_complete >= 100.0;
    if computed.is_summary
        || definition.priority >= DO_NOT_LEVEL
        || !definition.leveling_can_split
        || !definition.is_started()
        || complete
        || definition.duration.elapsed
    {
        return None;
    }
    // The remaining work starts at the end of the work done, or later at a resume date or the
    // status date.
    let calendar = calendars.get(plan, task)?;
    let done =
        (computed.duration_minutes as f64 * computed.percent_complete / 100.0).round() as i64;
    let mut remaining_from = calendar
        .finish_at(calendar.work_before(computed.start) + done)
        .ok()?;
    if let Some(resume) = progress.resume.as_deref() {
        remaining_from = remaining_from.max(Instant::from_civil(*resume));
    }
    if let Some(status) = schedule.status_date {
        remaining_from = remaining_from.max(status);
    }
    (over.to > remaining_from && computed.finish > over.from).then_some(over.to)
}

/// A split of `task` that makes room for `over`: at the conflict's start, until `until` (when
/// the tasks kept leave it room), when the task allows it, began before the conflict and would
/// finish no later than delayed whole to then.
fn split_for(
    plan: &Plan,
    schedule: &Schedule,
    task: TaskId,
    over: &OverAllocation,
    until: Instant,
    calendars: &mut TaskCalendars,
) -> Option<Split> {
    let definition = plan.task(task);
    let computed = schedule.task(task);
    if !definition.leveling_can_split
        || definition.duration.elapsed
        || definition.is_milestone()
        || computed.start >= over.from
        || finish_driven(plan, schedule, task)
    {
        return None;
    }
    let calendar = calendars.get(plan, task)?;
    let first = calendar.work_before(computed.start);
    let conflict_start = calendar.work_before(over.from) - first;
    let conflict_end = calendar.work_before(until.max(over.to));
    // Working minutes of the task's span before the conflict, less the pauses already there.
    let existing = applying_splits(plan);
    let existing = splits_of(&existing, task);
    let mut gaps_before = 0;
    let mut after = conflict_start;
    for split in existing {
        let pause_from = split.after + gaps_before;
        if conflict_start <= pause_from {
            break;
        }
        if conflict_start < pause_from + split.gap {
            // The conflict starts in a pause: make that pause longer, from its end on.
            after = split.after;
            gaps_before += split.gap;
            break;
        }
        gaps_before += split.gap;
        after = conflict_start - gaps_before;
    }
    let gap = conflict_end - (first + gaps_before + after);
    let all_gaps: i64 = existing.iter().map(|split| split.gap).sum();
    let duration = definition.duration.minutes;
    // Delayed whole, the task would start at the conflict's end.
    let finish_split = first + duration + all_gaps + gap;
    let finish_delayed = conflict_end + duration + all_gaps;
    (0 < after && after < duration && gap > 0 && finish_split <= finish_delayed).then_some(Split {
        task,
        after,
        gap,
    })
}

/// Delays a task (`definition`, now starting at `start`) to start no earlier than
/// `not_before`, keeping a stronger bound it has.
fn delay_to(definition: &mut crate::model::Task, start: Instant, not_before: Instant) {
    let not_before = not_before.to_civil();
    definition.constraint = match definition.constraint {
        Constraint::StartNoEarlierThan(date) if date >= not_before => {
            Constraint::StartNoEarlierThan(date)
        }
        Constraint::FinishNoEarlierThan(date) => {
            // Keep the stronger of the two bounds: the finish bound, or the new start.
            if start.to_civil() >= not_before {
                Constraint::FinishNoEarlierThan(date)
            } else {
                Constraint::StartNoEarlierThan(not_before)
            }
        }
        _ => Constraint::StartNoEarlierThan(not_before),
    };
}

/// Whether a task's dates are set from its finish (a finish-to-finish or start-to-finish link,
/// or a Finish No Earlier Than constraint, drives it): a pause in such a task lengthens it
/// backwards, moving its start earlier instead of its work later, so it is delayed whole (a
/// start bound moves the finish too) rather than split.
fn finish_driven(plan: &Plan, schedule: &Schedule, task: TaskId) -> bool {
    match schedule.task(task).driver {
        Driver::Links => schedule.driving_links(task).iter().any(|link| {
            matches!(
                plan.links[link.0 as usize].kind,
                LinkType::FinishToFinish | LinkType::StartToFinish
            )
        }),
        Driver::Constraint => matches!(
            plan.task(task).constraint,
            Constraint::FinishNoEarlierThan(_)
        ),
        _ => false,
    }
}

/// The first moment from the end of `over` at which the tasks `kept` (with their units on the
/// resource) leave `units` of room within `capacity`: the end of a stretch of their work, or the
/// last of those ends.
fn free_from(
    kept: &[(TaskId, f64)],
    windows: &SplitWindows,
    schedule: &Schedule,
    over: &OverAllocation,
    units: f64,
    capacity: f64,
) -> Instant {
    let stretches: Vec<(f64, Vec<(Instant, Instant)>)> = kept
        .iter()
        .map(|&(task, task_units)| {
            let computed = schedule.task(task);
            (
                task_units,
                windows.windows(task, computed.start, computed.finish),
            )
        })
        .collect();
    let mut ends: Vec<Instant> = stretches
        .iter()
        .flat_map(|(_, windows)| windows.iter().map(|&(_, to)| to))
        .filter(|&end| end >= over.to)
        .collect();
    ends.push(over.to);
    ends.sort_unstable();
    ends.dedup();
    for &end in &ends {
        let busy: f64 = stretches
            .iter()
            .filter(|(_, windows)| windows.iter().any(|&(from, to)| from <= end && end < to))
            .map(|(task_units, _)| task_units)
            .sum();
        if busy + units <= capacity + 1e-9 {
            return end;
        }
    }
    ends.last().copied().unwrap_or(over.to)
}

/// Which tasks' dates follow which, as the critical path engine sees them: a link runs from its
/// predecessor's finish to its successor's start (whatever its type, the successor's dates are
/// bounded by the predecessor's), a summary's start bounds its subtasks, and its subtasks bound
/// its finish. Nodes `0..n` are the tasks (a leaf is one node), `n..2n` the summaries' finishes.
///
/// Delaying a task drags every task it reaches, so among the tasks of a conflict a task is kept
/// before any task it reaches: delaying a predecessor to make room for its successor would move
/// the successor as well and meet it again, round after round (an FF-linked pair sharing a
/// person went from January to November before this).
struct Reach {
    task_count: usize,
    offsets: Vec<u32>,
    targets: Vec<u32>,
    /// The search's marks, stamped with `stamp` so they need no clearing.
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<u32>,
}

impl Reach {
    fn new(plan: &Plan) -> Reach {
        let task_count = plan.tasks.len();
        let is_summary = plan.summary_flags();
        let finish = |task: TaskId| {
            if is_summary[task.index()] {
                task.index() + task_count
            } else {
                task.index()
            }
        };
        let mut edges: Vec<(usize, usize)> = plan
            .links
            .iter()
            .map(|link| (finish(link.predecessor), link.successor.index()))
            .collect();
        for (index, task) in plan.tasks.iter().enumerate() {
            if let Some(parent) = task.parent {
                edges.push((parent.index(), index));
                edges.push((finish(TaskId(index as u32)), parent.index() + task_count));
            }
        }
        let mut offsets = vec![0u32; 2 * task_count + 1];
        for &(from, _) in &edges {
            offsets[from + 1] += 1;
        }
        for node in 0..2 * task_count {
            offsets[node + 1] += offsets[node];
        }
        let mut next = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        for &(from, to) in &edges {
            targets[next[from] as usize] = to as u32;
            next[from] += 1;
        }
        Reach {
            task_count,
            offsets,
            targets,
            seen: vec![0; 2 * task_count],
            stamp: 0,
            stack: Vec::new(),
        }
    }

    /// For each task of `tasks`, the indices (into `tasks`) of the others it reaches.
    fn among(&mut self, tasks: &[TaskId]) -> Vec<Vec<usize>> {
        tasks
            .iter()
            .map(|&from| {
                self.stamp += 1;
                let stamp = self.stamp;
                self.stack.clear();
                self.stack.push(from.0);
                self.seen[from.index()] = stamp;
                while let Some(node) = self.stack.pop() {
                    let node = node as usize;
                    // A leaf's one node is its finish as well as its start; a summary's start
                    // node leads to its subtasks, whose finishes lead to its finish node.
                    for &to in
                        &self.targets[self.offsets[node] as usize..self.offsets[node + 1] as usize]
                    {
                        if self.seen[to as usize] != stamp {
                            self.seen[to as usize] = stamp;
                            self.stack.push(to);
                        }
                    }
                }
                tasks
                    .iter()
                    .enumerate()
                    .filter(|&(_, &to)| to != from && self.seen[to.index()] == stamp)
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect()
    }

    /// `order` (indices into `tasks`, most deserving first) rearranged as little as possible so
    /// that no task comes before a task of `order` that reaches it.
    fn predecessors_first(&mut self, tasks: &[TaskId], order: &[usize]) -> Vec<usize> {
        debug_assert!(tasks.iter().all(|task| task.index() < self.task_count));
        let reaches = self.among(tasks);
        let mut waiting_on = vec![0usize; tasks.len()];
        for &from in order {
            for &to in &reaches[from] {
                waiting_on[to] += 1;
            }
        }
        let mut placed = vec![false; tasks.len()];
        let mut result = Vec::with_capacity(order.len());
        while result.len() < order.len() {
            // The plan has no loops, so some task is always free to go.
            let Some(&next) = order
                .iter()
                .find(|&&index| !placed[index] && waiting_on[index] == 0)
            else {
                break;
            };
            placed[next] = true;
            result.push(next);
            for &to in &reaches[next] {
                waiting_on[to] -= 1;
            }
        }
        result
    }
}

/// The calendars of the tasks the leveler splits or resumes, from the leveling's calendar cache.
struct TaskCalendars {
    resource_calendars: Vec<Vec<crate::model::CalendarId>>,
    cache: CalendarCache,
    /// Per task asked for: its calendar, `None` when it cannot be built.
    of_task: std::collections::BTreeMap<TaskId, Option<Arc<WorkingCalendar>>>,
}

impl TaskCalendars {
    fn new(plan: &Plan) -> TaskCalendars {
        let mut cache = CalendarCache::new();
        cache.sync(plan);
        TaskCalendars {
            resource_calendars: plan.resource_calendars(),
            cache,
            of_task: std::collections::BTreeMap::new(),
        }
    }

    fn get(&mut self, plan: &Plan, task: TaskId) -> Option<&WorkingCalendar> {
        let (resource_calendars, cache) = (&self.resource_calendars, &mut self.cache);
        self.of_task
            .entry(task)
            .or_insert_with(|| cached_task_calendar(plan, resource_calendars, task, cache).ok())
            .as_deref()
    }
}

/// Levels `plan`.
pub fn level(plan: &Plan, options: &LevelingOptions) -> Result<Leveling, ScheduleFailure> {
    // A multi-pass priority-rule method: level once per rule, keep the shortest project (then
    // the least total delay, then the first rule). One rule can trap a long chain behind a
    // short task that another rule would have let through.
    let mut scheduler = Scheduler::new();
    // Leveling changes no calendar and no assignment: the calendars serve every rule.
    let mut calendars = TaskCalendars::new(plan);
    let mut best: Option<Leveling> = None;
    for rule in KeepRule::ALL {
        let leveling = level_with(plan, options, rule, &mut scheduler, &mut calendars)?;
        let total_delay = |leveling: &Leveling| -> i64 {
            leveling
                .delays
                .iter()
                .map(|delay| delay.delay_minutes)
                .sum()
        };
        let better = match &best {
            None => true,
            Some(current) => {
                (
                    leveling.after.project_finish,
                    leveling.unresolved.len(),
                    total_delay(&leveling),
                ) < (
                    current.after.project_finish,
                    current.unresolved.len(),
                    total_delay(current),
                )
            }
        };
        if better {
            best = Some(leveling);
        }
    }
    best.ok_or_else(|| ScheduleFailure::calendar("no leveling rule ran".to_string()))
}

/// Which tasks stay when a resource is over-booked (after started or constrained work and
/// higher priority, which always come first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepRule {
    /// The task that started first, then less float (MS Project's "standard" order).
    EarliestStart,
    /// The task with less total float, then the earlier start.
    LeastFloat,
    /// The task with the earlier late start (the most urgent), then the earlier start.
    EarliestLateStart,
}

impl KeepRule {
    /// Every rule, in the order ties are broken.
    pub const ALL: [KeepRule; 3] = [
        KeepRule::EarliestStart,
        KeepRule::LeastFloat,
        KeepRule::EarliestLateStart,
    ];
}

fn level_with(
    plan: &Plan,
    options: &LevelingOptions,
    rule: KeepRule,
    scheduler: &mut Scheduler,
    calendars: &mut TaskCalendars,
) -> Result<Leveling, ScheduleFailure> {
    let before = scheduler.schedule(plan, &options.schedule)?;
    let mut leveled = plan.clone();
    let mut current = before.clone();
    let mut unresolved: Vec<(crate::model::ResourceId, OverAllocation)> = Vec::new();
    let mut added_splits: Vec<Split> = Vec::new();
    let mut resumed: Vec<TaskId> = Vec::new();
    // Leveling adds constraints, splits and resume dates, never links: the reach stays.
    let mut reach = Reach::new(plan);
    let mut rounds = 1;
    let max_rounds = match options.max_rounds {
        0 => 20 * plan.tasks.len() + 100,
        rounds => rounds,
    };
    while rounds < max_rounds {
        let usage = resource_usage_cached(&leveled, &current, None, &mut calendars.cache)
            .map_err(|error| ScheduleFailure::calendar(error.to_string()))?;
        // The earliest conflict not already known to be beyond help.
        let conflict = usage
            .iter()
            .flat_map(|usage| {
                usage
                    .over_allocations
                    .iter()
                    .map(move |over| (usage.resource, over))
            })
            .filter(|(resource, over)| {
                !unresolved
                    .iter()
                    .any(|(known, seen)| known == resource && seen == *over)
            })
            .min_by_key(|(resource, over)| (over.from, resource.0));
        let Some((resource, over)) = conflict else {
            break;
        };
        let capacity = over.max_units;
        // Who stays: tasks that may not move first, then higher priority, then by the rule
        // (the task that started first, then less float, for MS Project's standard order), and
        // never a task before one that drags it (see `Reach`).
        let room: Vec<(TaskId, Room)> = over
            .tasks
            .iter()
            .map(|&task| {
                let room = if may_delay(&leveled, &current, task) {
                    Room::Delay
                } else if let Some(resume) = options
                    .split
                    .then(|| resume_after(&leveled, &current, task, over, calendars))
                    .flatten()
                {
                    Room::Resume(resume)
                } else {
                    Room::Fixed
                };
                (task, room)
            })
            .collect();
        let room_of = |task: TaskId| {
            room.iter()
                .find(|(id, _)| *id == task)
                .map_or(Room::Fixed, |(_, room)| *room)
        };
        let mut order: Vec<usize> = (0..over.tasks.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |task: TaskId| {
                let fixed = room_of(task) == Room::Fixed;
                let computed = current.task(task);
                let (first, second) = match rule {
                    KeepRule::EarliestStart => (computed.start.0, computed.total_float),
                    KeepRule::LeastFloat => (computed.total_float, computed.start.0),
                    KeepRule::EarliestLateStart => (computed.late_start.0, computed.start.0),
                };
                (
                    std::cmp::Reverse(fixed),
                    std::cmp::Reverse(leveled.task(task).priority),
                    first,
                    second,
                    task,
                )
            };
            key(over.tasks[a]).cmp(&key(over.tasks[b]))
        });
        // The tasks that may not move stay whatever their links; the others are kept in order,
        // a task never before one that would drag it.
        let fixed_count = order
            .iter()
            .take_while(|&&index| room_of(over.tasks[index]) == Room::Fixed)
            .count();
        let movable = reach.predecessors_first(&over.tasks, &order[fixed_count..]);
        order.truncate(fixed_count);
        order.extend(movable);
        let units_of = |task: TaskId| -> f64 {
            leveled
                .assignments
                .iter()
                .filter(|assignment| assignment.task == task && assignment.resource == resource)
                .map(|assignment| assignment.units)
                .sum()
        };
        let mut booked = 0.0;
        let mut to_delay = Vec::new();
        let mut kept: Vec<(TaskId, f64)> = Vec::new();
        for task in order.into_iter().map(|index| over.tasks[index]) {
            let units = units_of(task);
            let fixed = room_of(task) == Room::Fixed;
            if fixed || booked + units <= capacity + 1e-9 || booked == 0.0 {
                // A task that needs more than the resource has on its own still runs alone.
                booked += units;
                kept.push((task, units));
            } else {
                to_delay.push(task);
            }
        }
        if to_delay.is_empty() {
            unresolved.push((resource, over.clone()));
            rounds += 1;
            continue;
        }
        // A task that pauses waits until the tasks kept leave it room (not merely until this
        // stretch ends: a stretch also ends where a third task, or the paused task's own work,
        // stops, and pausing only that long would meet the kept tasks again at once).
        let kept_windows = SplitWindows::with_cache(&leveled, &mut calendars.cache).ok();
        let room_from = |task: TaskId| -> Instant {
            kept_windows.as_ref().map_or(over.to, |windows| {
                free_from(&kept, windows, &current, over, units_of(task), capacity)
            })
        };
        for task in to_delay {
            if let Room::Resume(_) = room_of(task) {
                // A started task: its remaining work waits for the kept tasks.
                let resume = room_from(task);
                leveled.tasks[task.index()].progress.resume = Some(Box::new(resume.to_civil()));
                resumed.push(task);
                continue;
            }
            if options.split
                && let Some(split) =
                    split_for(&leveled, &current, task, over, room_from(task), calendars)
            {
                // At the point of a pause already there, that pause gets longer.
                match leveled
                    .splits
                    .iter_mut()
                    .find(|known| known.task == split.task && known.after == split.after)
                {
                    Some(known) => known.gap += split.gap,
                    None => leveled.splits.push(split),
                }
                added_splits.push(split);
                continue;
            }
            // Delayed whole until the tasks kept leave it room.
            let start = current.task(task).start;
            delay_to(&mut leveled.tasks[task.index()], start, room_from(task));
        }
        let previous = std::mem::replace(
            &mut current,
            scheduler.schedule(&leveled, &options.schedule)?,
        );
        rounds += 1;
        // What lies before this conflict is leveled and stays so. A delay moves the tasks it
        // drags later, and through a finish-to-finish or start-to-finish link (or a lead) one of
        // them can still start before the conflict: its work there would meet tasks already
        // leveled, whose delays would drag it again, round after round. Such a task starts at
        // the conflict instead, a leveling delay of its own.
        let sweep = over.from;
        loop {
            let dragged: Vec<TaskId> = leveled
                .task_ids()
                .filter(|&task| {
                    let (old, new) = (previous.task(task), current.task(task));
                    !new.is_summary
                        && new.start != old.start
                        && new.start < sweep
                        && may_delay(&leveled, &current, task)
                })
                .collect();
            if dragged.is_empty() || rounds >= max_rounds {
                break;
            }
            for task in dragged {
                delay_to(
                    &mut leveled.tasks[task.index()],
                    current.task(task).start,
                    sweep,
                );
            }
            current = scheduler.schedule(&leveled, &options.schedule)?;
            rounds += 1;
        }
    }
    let mut delays = Vec::new();
    for (index, (old, new)) in before.tasks.iter().zip(&current.tasks).enumerate() {
        if old.is_summary || new.start <= old.start {
            continue;
        }
        let task = TaskId(index as u32);
        let calendar_id = plan.task(task).calendar.unwrap_or(plan.calendar);
        let delay_minutes = calendars
            .cache
            .get(plan, &[calendar_id])
            .map(|calendar| calendar.working_minutes_between(old.start, new.start))
            .unwrap_or(new.start.0 - old.start.0);
        delays.push(LevelingDelay {
            task,
            start_before: old.start,
            start_after: new.start,
            delay_minutes,
        });
    }
    let splits = leveling_splits(plan, &leveled, &current, &added_splits, &resumed, calendars)?;
    // Conflicts still there at the end (the rounds ran out, or only fixed tasks are involved).
    let usage = resource_usage_cached(&leveled, &current, None, &mut calendars.cache)
        .map_err(|error| ScheduleFailure::calendar(error.to_string()))?;
    let unresolved = usage
        .iter()
        .flat_map(|usage| {
            usage
                .over_allocations
                .iter()
                .map(move |over| (usage.resource, over.clone()))
        })
        .collect();
    Ok(Leveling {
        plan: leveled,
        before,
        after: current,
        delays,
        splits,
        unresolved,
        rounds,
        rule,
    })
}

/// The pauses the leveler put in tasks, as they fall in the leveled schedule.
fn leveling_splits(
    original: &Plan,
    leveled: &Plan,
    schedule: &Schedule,
    added: &[Split],
    resumed: &[TaskId],
    calendars: &mut TaskCalendars,
) -> Result<Vec<LevelingSplit>, ScheduleFailure> {
    let windows = SplitWindows::with_cache(leveled, &mut calendars.cache)
        .map_err(|error| ScheduleFailure::calendar(error.to_string()))?;
    let mut result = Vec::new();
    // Several splits at one point of a task are one pause of their gaps together.
    let mut added: Vec<Split> = added.to_vec();
    added.sort_by_key(|split| (split.task, split.after));
    added.dedup_by(|later, earlier| {
        let same = later.task == earlier.task && later.after == earlier.after;
        if same {
            earlier.gap += later.gap;
        }
        same
    });
    for split in added {
        let computed = schedule.task(split.task);
        // The pause is between the stretch that ends after `after` minutes of work and the next.
        let task_splits = windows.splits(split.task);
        let Some(position) = task_splits.iter().position(|s| s.after == split.after) else {
            continue;
        };
        let stretches = windows.windows(split.task, computed.start, computed.finish);
        let (Some(before), Some(after)) = (stretches.get(position), stretches.get(position + 1))
        else {
            continue;
        };
        result.push(LevelingSplit {
            task: split.task,
            paused_at: before.1,
            resumes_at: after.0,
            after_minutes: split.after,
            gap_minutes: split.gap,
            resumed: false,
        });
    }
    let mut resumed = resumed.to_vec();
    resumed.sort_unstable();
    resumed.dedup();
    for task in resumed {
        let computed = schedule.task(task);
        let stretches = windows.windows(task, computed.start, computed.finish);
        let ([before, after], Some(calendar)) = (&stretches[..], calendars.get(leveled, task))
        else {
            continue;
        };
        let done = original.task(task).duration.minutes - {
            // The work after the pause, as the engine counts it.
            calendar.working_minutes_between(after.0, after.1)
        };
        result.push(LevelingSplit {
            task,
            paused_at: before.1,
            resumes_at: after.0,
            after_minutes: done.max(0),
            gap_minutes: calendar.working_minutes_between(before.1, after.0),
            resumed: true,
        });
    }
    result.sort_by_key(|split| (split.task, split.paused_at));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Split;
    use crate::model::{Assignment, Duration, Link, LinkType, Resource, Task};
    use crate::usage::{Period, resource_usage};

    /// Dana, at full time on each of `tasks`.
    fn dana_does(plan: &mut Plan, tasks: &[TaskId]) {
        let dana = plan.add_resource(Resource::new("dana", "Dana"));
        for &task in tasks {
            plan.assignments.push(Assignment {
                task,
                resource: dana,
                units: 1.0,
                work: None,
            });
        }
    }

    fn at(text: &str) -> Instant {
        Instant::from_civil(text.parse().expect("a date-time"))
    }

    #[test]
    fn the_lower_priority_task_waits_and_links_follow() {
        let mut plan = Plan::new("leveling", "2026-03-02T08:00".parse().expect("date"));
        let mut migrate = Task::new("migrate", "Migrate");
        migrate.duration = Duration::working(2 * 480);
        migrate.priority = 700;
        let migrate = plan.add_task(migrate);
        let mut backup = Task::new("backup", "Backup");
        backup.duration = Duration::working(3 * 480);
        let backup = plan.add_task(backup);
        let verify = plan.add_task(Task::new("verify", "Verify backup"));
        plan.add_link(Link {
            predecessor: backup,
            successor: verify,
            kind: LinkType::FinishToStart,
            lag: crate::model::Lag::None,
        });
        let mut pinned = Task::new("pinned", "Vendor visit");
        pinned.constraint = Constraint::MustStartOn("2026-03-02T08:00".parse().expect("date"));
        let pinned = plan.add_task(pinned);
        let dana = plan.add_resource(Resource::new("dana", "Dana"));
        let mut team = Resource::new("team", "Team");
        team.max_units = 2.0;
        let team = plan.add_resource(team);
        for (task, resource) in [
            (migrate, dana),
            (backup, dana),
            (pinned, team),
            (verify, team),
        ] {
            plan.assignments.push(Assignment {
                task,
                resource,
                units: 1.0,
                work: None,
            });
        }
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        // Migrate (priority 700) keeps Mon–Tue; Backup waits until Wednesday, and Verify,
        // after it, moves too. The team's two people cover the vendor visit and Verify.
        let after = |task: TaskId| leveling.after.task(task).start;
        assert_eq!(after(migrate), at("2026-03-02T08:00"));
        assert_eq!(after(backup), at("2026-03-04T08:00"));
        assert_eq!(after(verify), at("2026-03-09T08:00"));
        assert_eq!(leveling.after.project_finish, at("2026-03-09T17:00"));
        let moved: Vec<(TaskId, i64)> = leveling
            .delays
            .iter()
            .map(|delay| (delay.task, delay.delay_minutes))
            .collect();
        assert_eq!(moved, [(backup, 2 * 480), (verify, 2 * 480)]);
        assert!(leveling.unresolved.is_empty());
        let usage = resource_usage(&leveling.plan, &leveling.after, Period::Day).expect("usage");
        assert!(usage.iter().all(|usage| usage.over_allocations.is_empty()));
    }

    #[test]
    fn a_start_to_start_successor_waits_for_its_predecessor() {
        // B may start a day after A starts, but Dana cannot do both: B waits until A is done
        // (delaying A instead would drag B along and meet it again).
        let mut plan = Plan::new("chain", "2026-03-02T08:00".parse().expect("date"));
        let mut first = Task::new("a", "A");
        first.duration = Duration::working(3 * 480);
        let first = plan.add_task(first);
        let mut second = Task::new("b", "B");
        second.duration = Duration::working(2 * 480);
        let second = plan.add_task(second);
        plan.add_link(Link {
            predecessor: first,
            successor: second,
            kind: LinkType::StartToStart,
            lag: crate::model::Lag::Working(480),
        });
        dana_does(&mut plan, &[first, second]);
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert_eq!(leveling.after.task(first).start, at("2026-03-02T08:00"));
        assert_eq!(leveling.after.task(second).start, at("2026-03-05T08:00"));
        assert!(leveling.rounds <= 3, "{} rounds", leveling.rounds);
    }

    #[test]
    fn a_successor_that_finishes_with_its_predecessor_waits_whatever_its_priority() {
        // B (2 days, priority 900) may finish no earlier than A (10 days) finishes; Dana does
        // both. Keeping B and delaying A would drag B along (FF) and meet it again, round after
        // round: A stays, B runs after it.
        let mut plan = Plan::new("ff", "2026-03-02T08:00".parse().expect("date"));
        let mut a = Task::new("a", "A");
        a.duration = Duration::working(10 * 480);
        let a = plan.add_task(a);
        let mut b = Task::new("b", "B");
        b.duration = Duration::working(2 * 480);
        b.priority = 900;
        let b = plan.add_task(b);
        plan.add_link(Link {
            predecessor: a,
            successor: b,
            kind: LinkType::FinishToFinish,
            lag: crate::model::Lag::None,
        });
        dana_does(&mut plan, &[a, b]);
        for split in [false, true] {
            let options = LevelingOptions {
                split,
                ..LevelingOptions::default()
            };
            let leveling = level(&plan, &options).expect("levels");
            assert_eq!(leveling.after.task(a).start, at("2026-03-02T08:00"));
            assert_eq!(leveling.after.task(a).finish, at("2026-03-13T17:00"));
            assert_eq!(leveling.after.task(b).start, at("2026-03-16T08:00"));
            assert_eq!(leveling.after.task(b).finish, at("2026-03-17T17:00"));
            assert!(leveling.unresolved.is_empty());
            assert!(leveling.rounds <= 3, "{} rounds", leveling.rounds);
        }
    }

    #[test]
    fn a_summary_is_kept_before_the_tasks_it_drags() {
        // Phase (A inside) finishes before C starts; A and C both need Dana and C has the higher
        // priority, but delaying A would delay the phase's finish and C with it.
        let mut plan = Plan::new("summary", "2026-03-02T08:00".parse().expect("date"));
        let phase = plan.add_task(Task::new("phase", "Phase"));
        let mut a = Task::new("a", "A");
        a.duration = Duration::working(3 * 480);
        a.parent = Some(phase);
        let a = plan.add_task(a);
        let mut c = Task::new("c", "C");
        c.duration = Duration::working(2 * 480);
        c.priority = 900;
        let c = plan.add_task(c);
        plan.add_link(Link {
            predecessor: phase,
            successor: c,
            kind: LinkType::FinishToStart,
            lag: crate::model::Lag::Working(-2 * 480),
        });
        dana_does(&mut plan, &[a, c]);
        let options = LevelingOptions {
            split: false,
            ..LevelingOptions::default()
        };
        let leveling = level(&plan, &options).expect("levels");
        assert_eq!(leveling.after.task(a).start, at("2026-03-02T08:00"));
        assert_eq!(leveling.after.task(c).start, at("2026-03-05T08:00"));
        assert!(leveling.unresolved.is_empty());
        assert!(leveling.rounds <= 3, "{} rounds", leveling.rounds);
    }

    #[test]
    fn the_rule_that_keeps_the_finish_wins() {
        // A (2 days, plenty of float) starts Monday; B (critical: a 10-day chain follows it) may
        // start Tuesday; Dana does both. Keeping whoever started first delays B and the whole
        // chain by two days; keeping the task with less float moves only A, into its float.
        let mut plan = Plan::new("rules", "2026-03-02T08:00".parse().expect("date"));
        let mut a = Task::new("a", "A");
        a.duration = Duration::working(2 * 480);
        let a = plan.add_task(a);
        let mut b = Task::new("b", "B");
        b.duration = Duration::working(2 * 480);
        b.constraint = Constraint::StartNoEarlierThan("2026-03-03T08:00".parse().expect("date"));
        let b = plan.add_task(b);
        let mut chain = Task::new("chain", "Chain");
        chain.duration = Duration::working(10 * 480);
        let chain = plan.add_task(chain);
        plan.add_link(Link {
            predecessor: b,
            successor: chain,
            kind: LinkType::FinishToStart,
            lag: crate::model::Lag::None,
        });
        dana_does(&mut plan, &[a, b]);
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert_eq!(
            leveling.after.project_finish,
            leveling.before.project_finish
        );
        assert_eq!(leveling.rule, KeepRule::LeastFloat);
        assert_eq!(leveling.after.task(b).start, at("2026-03-03T08:00"));
        assert_eq!(leveling.after.task(a).start, at("2026-03-05T08:00"));
    }

    #[test]
    fn tasks_that_may_not_move_stay_and_are_reported() {
        let mut plan = Plan::new("fixed", "2026-03-02T08:00".parse().expect("date"));
        let date = "2026-03-02T08:00".parse().expect("date");
        let mut first = Task::new("a", "A");
        first.constraint = Constraint::MustStartOn(date);
        let first = plan.add_task(first);
        let mut second = Task::new("b", "B");
        second.priority = DO_NOT_LEVEL;
        let second = plan.add_task(second);
        dana_does(&mut plan, &[first, second]);
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert!(leveling.delays.is_empty());
        assert_eq!(leveling.unresolved.len(), 1);
    }

    /// Dana does a 10-day task from Monday 2 March; a 3-day task of higher priority needs her
    /// from Wednesday 4 March (its third day).
    fn interrupted_plan(can_split: bool) -> (Plan, TaskId, TaskId) {
        let mut plan = Plan::new("split", "2026-03-02T08:00".parse().expect("date"));
        let mut long = Task::new("build", "Build");
        long.duration = Duration::working(10 * 480);
        long.leveling_can_split = can_split;
        let long = plan.add_task(long);
        let mut urgent = Task::new("fix", "Fix");
        urgent.duration = Duration::working(3 * 480);
        urgent.priority = 700;
        urgent.constraint =
            Constraint::StartNoEarlierThan("2026-03-04T08:00".parse().expect("date"));
        let urgent = plan.add_task(urgent);
        dana_does(&mut plan, &[long, urgent]);
        (plan, long, urgent)
    }

    #[test]
    fn a_task_that_may_split_pauses_for_the_urgent_one() {
        let (plan, long, urgent) = interrupted_plan(true);
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        // Build works Mon 2 – Tue 3 (2 days), pauses Wed 4 – Fri 6 (3 days) while Dana fixes,
        // and does its other 8 days Mon 9 – Wed 18: 3 working days after Fri 13, its finish
        // unleveled (delayed whole, it would finish Fri 20).
        assert_eq!(leveling.before.task(long).finish, at("2026-03-13T17:00"));
        assert_eq!(leveling.after.task(long).start, at("2026-03-02T08:00"));
        assert_eq!(leveling.after.task(long).finish, at("2026-03-18T17:00"));
        assert_eq!(leveling.after.task(long).duration_minutes, 10 * 480);
        assert_eq!(leveling.after.task(urgent).start, at("2026-03-04T08:00"));
        assert!(leveling.delays.is_empty(), "{:?}", leveling.delays);
        assert_eq!(
            leveling.splits,
            [LevelingSplit {
                task: long,
                paused_at: at("2026-03-03T17:00"),
                resumes_at: at("2026-03-09T08:00"),
                after_minutes: 2 * 480,
                gap_minutes: 3 * 480,
                resumed: false,
            }]
        );
        assert_eq!(
            leveling.plan.splits,
            [Split {
                task: long,
                after: 2 * 480,
                gap: 3 * 480
            }]
        );
        assert!(leveling.unresolved.is_empty());
        let usage = resource_usage(&leveling.plan, &leveling.after, Period::Day).expect("usage");
        assert!(usage[0].over_allocations.is_empty());
        // Dana works 13 days in all: no work is booked in the pause.
        let work: f64 = usage[0].periods.iter().map(|load| load.work_minutes).sum();
        assert_eq!(work, 13.0 * 480.0);
    }

    #[test]
    fn a_task_that_may_not_split_is_delayed_whole() {
        for (can_split, split) in [(false, true), (true, false)] {
            let (plan, long, urgent) = interrupted_plan(can_split);
            let options = LevelingOptions {
                split,
                ..LevelingOptions::default()
            };
            let leveling = level(&plan, &options).expect("levels");
            assert_eq!(leveling.after.task(urgent).start, at("2026-03-04T08:00"));
            assert_eq!(leveling.after.task(long).start, at("2026-03-09T08:00"));
            assert_eq!(leveling.after.task(long).finish, at("2026-03-20T17:00"));
            assert!(leveling.splits.is_empty());
            assert!(leveling.plan.splits.is_empty());
            assert_eq!(leveling.delays.len(), 1);
        }
    }

    #[test]
    fn a_started_task_that_may_split_resumes_after_the_conflict() {
        // Build (5 days) started Monday 2 March and is 40% done: its 2 days of work done end
        // Tuesday, its 3 days left would run Wed 4 – Fri 6, when Dana must fix. The leveler
        // cannot move what was done: the rest resumes Monday 9 and ends Wednesday 11.
        let (mut plan, long, urgent) = interrupted_plan(true);
        plan.tasks[long.index()].duration = Duration::working(5 * 480);
        plan.tasks[long.index()].progress.actual_start =
            Some("2026-03-02T08:00".parse().expect("date"));
        plan.tasks[long.index()].progress.percent_complete = 40.0;
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert_eq!(leveling.after.task(urgent).start, at("2026-03-04T08:00"));
        assert_eq!(leveling.after.task(long).start, at("2026-03-02T08:00"));
        assert_eq!(leveling.after.task(long).finish, at("2026-03-11T17:00"));
        assert_eq!(
            leveling.plan.task(long).progress.resume.as_deref(),
            Some(&"2026-03-06T17:00".parse().expect("date"))
        );
        assert!(leveling.plan.splits.is_empty());
        assert_eq!(
            leveling.splits,
            [LevelingSplit {
                task: long,
                paused_at: at("2026-03-03T17:00"),
                resumes_at: at("2026-03-09T08:00"),
                after_minutes: 2 * 480,
                gap_minutes: 3 * 480,
                resumed: true,
            }]
        );
        assert!(leveling.unresolved.is_empty());
        // Without the flag the started task stays and the urgent one waits (as before).
        plan.tasks[long.index()].leveling_can_split = false;
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert_eq!(leveling.after.task(long).finish, at("2026-03-06T17:00"));
        assert_eq!(leveling.after.task(urgent).start, at("2026-03-09T08:00"));
    }

    #[test]
    fn a_task_is_split_again_for_a_later_conflict() {
        // As above, and a 2-day review of higher priority needs Dana from Thursday 12 March:
        // Build does 2 days, pauses 3, does 3 more (Mon 9 – Wed 11), pauses 2 and does its last
        // 5 days Mon 16 – Fri 20.
        let (mut plan, long, _) = interrupted_plan(true);
        let mut review = Task::new("review", "Review");
        review.duration = Duration::working(2 * 480);
        review.priority = 700;
        review.constraint =
            Constraint::StartNoEarlierThan("2026-03-12T08:00".parse().expect("date"));
        let review = plan.add_task(review);
        plan.assignments.push(Assignment {
            task: review,
            resource: crate::model::ResourceId(0),
            units: 1.0,
            work: None,
        });
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert_eq!(leveling.after.task(review).start, at("2026-03-12T08:00"));
        assert_eq!(leveling.after.task(long).finish, at("2026-03-20T17:00"));
        let pauses: Vec<(i64, i64, Instant, Instant)> = leveling
            .splits
            .iter()
            .map(|split| {
                (
                    split.after_minutes,
                    split.gap_minutes,
                    split.paused_at,
                    split.resumes_at,
                )
            })
            .collect();
        assert_eq!(
            pauses,
            [
                (
                    2 * 480,
                    3 * 480,
                    at("2026-03-03T17:00"),
                    at("2026-03-09T08:00")
                ),
                (
                    5 * 480,
                    2 * 480,
                    at("2026-03-11T17:00"),
                    at("2026-03-16T08:00")
                ),
            ]
        );
        assert!(leveling.unresolved.is_empty());
    }
}
