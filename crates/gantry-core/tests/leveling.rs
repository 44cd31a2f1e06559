//! Property tests of resource leveling on random plans with resources.
//!
//! The plans come from `generate::random_plan` (phases, the four link types, working, elapsed
//! and percent lags and leads, milestones, start-no-earlier-than constraints, holidays), with a
//! few people assigned to their leaf tasks, some of which allow splitting, and at most one task
//! started (a started task's work done cannot move, and two of them could clash for good). Every
//! leveled schedule must honour every link, lag and constraint, never bring a task forward, keep
//! every resource within its units, and book no work in a split task's pauses.

use gantry_core::calendar::WorkingCalendar;
use gantry_core::cpm::{Schedule, ScheduleOptions, schedule};
use gantry_core::generate::{NetworkShape, SplitMix64, random_plan};
use gantry_core::level::{LevelingOptions, level};
use gantry_core::model::{Assignment, CalendarId, Constraint, Lag, LinkType, Plan, Resource};
use gantry_core::split::SplitWindows;
use gantry_core::time::Instant;
use gantry_core::usage::{Period, resource_usage};
use proptest::prelude::*;

mod common;
use common::{checked_lag, honours};

/// A random plan with `people` resources: each leaf task of some duration gets one or two of
/// them (at units within their maximum), and some allow splitting.
///
/// The four link types (finish-to-start most), with working and elapsed lags and leads, and
/// some Start No Earlier Than constraints.
fn plan_with_resources(tasks: usize, seed: u64, people: usize, split_share: u64) -> Plan {
    let mut plan = random_plan(&NetworkShape {
        tasks,
        links_per_task: 1.2,
        phase_size: 6,
        mixed: false,
        seed,
    });
    // Two years of holidays are plenty, and keep each of the leveler's schedules quick.
    plan.calendars[0]
        .exceptions
        .retain(|holiday| holiday.from.year() <= 2027);
    let mut random = SplitMix64::new(seed ^ 0x1a95);
    for link in &mut plan.links {
        link.kind = match random.below(20) {
            0..=2 => LinkType::StartToStart,
            3..=5 => LinkType::FinishToFinish,
            6 => LinkType::StartToFinish,
            _ => LinkType::FinishToStart,
        };
        link.lag = match random.below(10) {
            0 | 1 => Lag::Working(480 * (1 + random.below(3) as i64)),
            2 => Lag::Working(-240),
            3 => Lag::Elapsed(1440),
            _ => Lag::None,
        };
    }
    let first_day = plan.start.date();
    for task in &mut plan.tasks {
        if random.chance(10) {
            let day = first_day
                .checked_add(jiff::Span::new().days(random.below(30) as i64))
                .unwrap_or(first_day);
            task.constraint = Constraint::StartNoEarlierThan(day.at(8, 0, 0, 0));
        }
    }
    let mut random = SplitMix64::new(seed ^ 0x5eed);
    for index in 0..people {
        let mut person = Resource::new(format!("r{index}"), format!("Person {index}"));
        person.max_units = if random.chance(30) { 2.0 } else { 1.0 };
        plan.add_resource(person);
    }
    let is_summary = plan.summary_flags();
    let has_predecessor: Vec<bool> = (0..plan.tasks.len())
        .map(|index| {
            plan.links
                .iter()
                .any(|link| link.successor.index() == index)
        })
        .collect();
    let mut started = false;
    for index in 0..plan.tasks.len() {
        if is_summary[index] || plan.tasks[index].duration.minutes == 0 {
            continue;
        }
        let task = plan.task_ids().nth(index).expect("a task");
        let first = random.below(people as u64) as usize;
        let mut chosen = vec![first];
        if people > 1 && random.chance(20) {
            chosen.push((first + 1) % people);
        }
        for resource in chosen {
            let max = plan.resources[resource].max_units;
            let units = if random.chance(25) { max / 2.0 } else { max };
            plan.assignments.push(Assignment {
                task,
                resource: gantry_core::model::ResourceId(resource as u32),
                units,
                work: None,
            });
        }
        let definition = &mut plan.tasks[index];
        definition.leveling_can_split = random.chance(split_share);
        // One task under way, without predecessors (an actual start is a fact links do not move).
        if !started && !has_predecessor[index] && random.chance(20) {
            started = true;
            definition.progress.actual_start = Some(plan.start);
            definition.progress.percent_complete = (10 * (1 + random.below(8))) as f64;
        }
    }
    plan
}

fn check_links(plan: &Plan, schedule: &Schedule) -> Result<(), TestCaseError> {
    let calendar = WorkingCalendar::build(&plan.calendars, CalendarId(0)).expect("calendar");
    for link in &plan.links {
        let (predecessor, successor) = (
            schedule.task(link.predecessor),
            schedule.task(link.successor),
        );
        if plan.task(link.successor).is_started() {
            continue;
        }
        let (from, to) = match link.kind {
            LinkType::FinishToStart => (predecessor.finish, successor.start),
            LinkType::StartToStart => (predecessor.start, successor.start),
            LinkType::FinishToFinish => (predecessor.finish, successor.finish),
            LinkType::StartToFinish => (predecessor.start, successor.finish),
        };
        let lag = checked_lag(plan, schedule, link, false);
        prop_assert!(
            honours(&calendar, from, to, lag),
            "link {:?} broken: {from:?} → {to:?}",
            link
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn leveled_schedules_honour_links_constraints_and_capacities(
        tasks in 2usize..14,
        seed in 0u64..u64::MAX,
        people in 1usize..4,
        split_share in prop_oneof![Just(0u64), Just(50), Just(100)],
        split in any::<bool>(),
    ) {
        let plan = plan_with_resources(tasks, seed, people, split_share);
        let options = LevelingOptions { split, ..LevelingOptions::default() };
        let leveling = level(&plan, &options).expect("random plans level");
        let after = &leveling.after;
        // The leveled plan schedules to the schedule reported.
        let again = schedule(&leveling.plan, &ScheduleOptions::default()).expect("schedules");
        prop_assert_eq!(&again.tasks, &after.tasks);
        check_links(&leveling.plan, after)?;
        let calendar = WorkingCalendar::build(&plan.calendars, CalendarId(0)).expect("calendar");
        for task in plan.task_ids() {
            let (before, now) = (leveling.before.task(task), after.task(task));
            // Nothing comes forward.
            prop_assert!(now.start >= before.start, "{task:?} moved from {:?} to {:?}", before.start, now.start);
            // Every constraint of the plan still holds (an actual start is a fact, though, and
            // a summary's start is its subtasks', started ones included).
            if let (Constraint::StartNoEarlierThan(date), false, false) =
                (plan.task(task).constraint, plan.task(task).is_started(), now.is_summary)
            {
                prop_assert!(calendar.work_before(now.start) >= calendar.work_before(Instant::from_civil(date)));
            }
            // Only tasks that allow it are split, and only with splitting on.
            if !(split && plan.task(task).leveling_can_split) {
                prop_assert!(leveling.splits.iter().all(|pause| pause.task != task));
                prop_assert!(leveling.plan.splits.iter().all(|pause| pause.task != task));
            }
            // A task's duration is the same however it is split.
            if !now.is_summary {
                prop_assert_eq!(now.duration_minutes, before.duration_minutes);
            }
        }
        // No one is booked beyond their units (a task needs at most its person's units, and
        // the one started task's work done meets only tasks that can wait).
        prop_assert!(leveling.unresolved.is_empty(), "unresolved: {:?}", leveling.unresolved);
        let usage = resource_usage(&leveling.plan, after, Period::Day).expect("usage");
        // Usage runs from the project's start to its finish; a lead can put a task before the
        // start, and then its work is not all in the periods.
        let within = after.tasks.iter().all(|task| task.start >= after.project_start);
        for load in &usage {
            prop_assert!(load.over_allocations.is_empty(), "{:?}", load.over_allocations);
        }
        for load in usage.iter().filter(|_| within) {
            // Work is units × duration: nothing is booked in a pause.
            let booked: f64 = load.periods.iter().map(|period| period.work_minutes).sum();
            let planned: f64 = plan
                .assignments
                .iter()
                .filter(|assignment| assignment.resource == load.resource)
                .map(|assignment| assignment.units * plan.task(assignment.task).duration.minutes as f64)
                .sum();
            prop_assert!((booked - planned).abs() < 1e-6, "booked {booked}, planned {planned}");
        }
        // Every pause reported is a stretch without work of its task.
        let windows = SplitWindows::new(&leveling.plan).expect("calendars");
        for pause in &leveling.splits {
            let task = after.task(pause.task);
            prop_assert!(pause.paused_at < pause.resumes_at);
            prop_assert!(task.start < pause.paused_at && pause.resumes_at < task.finish);
            for (from, to) in windows.windows(pause.task, task.start, task.finish) {
                prop_assert!(to <= pause.paused_at || pause.resumes_at <= from);
            }
        }
    }
}
