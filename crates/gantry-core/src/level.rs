//! Resource leveling of a plan: delay tasks so that no work resource is booked beyond its units,
//! the way MS Project levels ("level day by day, by priority, then standard").
//!
//! The leveler works on a copy of the plan and the critical path engine: it schedules, finds the
//! earliest over-allocation, keeps the tasks that matter most there (already started, fixed by a
//! constraint, "do not level", higher priority, then by a [`KeepRule`]) within the resource's
//! units, delays the others with a Start No Earlier Than at the end of the conflict, and
//! schedules again, until nothing is over-allocated. Every link type, lag, constraint and
//! calendar is honoured because every step is a full schedule. It runs once per rule and keeps
//! the shortest result (a multi-pass priority-rule method from the RCPSP literature). It is
//! deterministic.
//!
//! A task is never delayed when it has started, is a summary, has priority 1000 (MS Project's
//! "do not level"), or carries a constraint a delay would break (ALAP, SNLT, FNLT, MSO, MFO).

use crate::cpm::{Schedule, ScheduleFailure, ScheduleOptions, Scheduler};
use crate::model::{Constraint, Plan, TaskId};
use crate::time::Instant;
use crate::usage::{OverAllocation, Period, resource_usage};

/// MS Project's priority that means "do not level".
pub const DO_NOT_LEVEL: u16 = 1000;

/// How the leveler schedules and how long it may work.
#[derive(Clone, Debug, Default)]
pub struct LevelingOptions {
    /// Options of every schedule the leveler computes.
    pub schedule: ScheduleOptions,
    /// The most schedules the leveler computes before it gives up on the conflicts left; `0`
    /// means twenty per task (each round removes one conflict, and a task rarely meets more).
    pub max_rounds: usize,
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

/// Levels `plan`.
pub fn level(plan: &Plan, options: &LevelingOptions) -> Result<Leveling, ScheduleFailure> {
    // A multi-pass priority-rule method: level once per rule, keep the shortest project (then
    // the least total delay, then the first rule). One rule can trap a long chain behind a
    // short task that another rule would have let through.
    let mut scheduler = Scheduler::new();
    let mut best: Option<Leveling> = None;
    for rule in KeepRule::ALL {
        let leveling = level_with(plan, options, rule, &mut scheduler)?;
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
) -> Result<Leveling, ScheduleFailure> {
    let before = scheduler.schedule(plan, &options.schedule)?;
    let mut leveled = plan.clone();
    let mut current = before.clone();
    let mut unresolved: Vec<(crate::model::ResourceId, OverAllocation)> = Vec::new();
    let mut rounds = 1;
    let max_rounds = match options.max_rounds {
        0 => 20 * plan.tasks.len() + 100,
        rounds => rounds,
    };
    while rounds < max_rounds {
        let usage = resource_usage(&leveled, &current, Period::Week)
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
        // Who stays: tasks that may not move first, then higher priority, then the task that
        // started first (a successor waits for its predecessor rather than the other way round,
        // which would drag the successor along and meet it again), then less float.
        let mut order: Vec<TaskId> = over.tasks.clone();
        order.sort_by(|&a, &b| {
            let key = |task: TaskId| {
                let fixed = !may_delay(&leveled, &current, task);
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
            key(a).cmp(&key(b))
        });
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
        for task in order {
            let units = units_of(task);
            let fixed = !may_delay(&leveled, &current, task);
            if fixed || booked + units <= capacity + 1e-9 || booked == 0.0 {
                // A task that needs more than the resource has on its own still runs alone.
                booked += units;
            } else {
                to_delay.push(task);
            }
        }
        if to_delay.is_empty() {
            unresolved.push((resource, over.clone()));
            rounds += 1;
            continue;
        }
        for task in to_delay {
            // Not before the conflict ends: a start no earlier than the end of the stretch.
            let not_before = over.to.to_civil();
            let definition = &mut leveled.tasks[task.index()];
            definition.constraint = match definition.constraint {
                Constraint::StartNoEarlierThan(date) if date >= not_before => {
                    Constraint::StartNoEarlierThan(date)
                }
                Constraint::FinishNoEarlierThan(date) => {
                    // Keep the stronger of the two bounds: the finish bound, or the new start.
                    let computed = current.task(task);
                    if computed.start.to_civil() >= not_before {
                        Constraint::FinishNoEarlierThan(date)
                    } else {
                        Constraint::StartNoEarlierThan(not_before)
                    }
                }
                _ => Constraint::StartNoEarlierThan(not_before),
            };
        }
        current = scheduler.schedule(&leveled, &options.schedule)?;
        rounds += 1;
    }
    let mut delays = Vec::new();
    for (index, (old, new)) in before.tasks.iter().zip(&current.tasks).enumerate() {
        if old.is_summary || new.start <= old.start {
            continue;
        }
        let task = TaskId(index as u32);
        let calendar_id = plan.task(task).calendar.unwrap_or(plan.calendar);
        let delay_minutes = crate::calendar::WorkingCalendar::build(&plan.calendars, calendar_id)
            .map(|calendar| calendar.working_minutes_between(old.start, new.start))
            .unwrap_or(new.start.0 - old.start.0);
        delays.push(LevelingDelay {
            task,
            start_before: old.start,
            start_after: new.start,
            delay_minutes,
        });
    }
    // Conflicts still there at the end (the rounds ran out, or only fixed tasks are involved).
    let usage = resource_usage(&leveled, &current, Period::Week)
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
        unresolved,
        rounds,
        rule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Assignment, Duration, Link, LinkType, Resource, Task};

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
        let dana = plan.add_resource(Resource::new("dana", "Dana"));
        for task in [first, second] {
            plan.assignments.push(Assignment {
                task,
                resource: dana,
                units: 1.0,
                work: None,
            });
        }
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert_eq!(leveling.after.task(first).start, at("2026-03-02T08:00"));
        assert_eq!(leveling.after.task(second).start, at("2026-03-05T08:00"));
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
        let dana = plan.add_resource(Resource::new("dana", "Dana"));
        for task in [a, b] {
            plan.assignments.push(Assignment {
                task,
                resource: dana,
                units: 1.0,
                work: None,
            });
        }
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
        let dana = plan.add_resource(Resource::new("dana", "Dana"));
        for task in [first, second] {
            plan.assignments.push(Assignment {
                task,
                resource: dana,
                units: 1.0,
                work: None,
            });
        }
        let leveling = level(&plan, &LevelingOptions::default()).expect("levels");
        assert!(leveling.delays.is_empty());
        assert_eq!(leveling.unresolved.len(), 1);
    }
}
