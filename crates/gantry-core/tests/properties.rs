//! Property tests of the critical path method on random acyclic networks.
//!
//! The networks come from `generate::random_plan` (phases, the four link types, working, elapsed
//! and percent lags and leads, milestones, start-no-earlier-than constraints, holidays), drawn
//! with proptest's seeds and sizes. Start-no-earlier-than is the only constraint there, so no
//! constraint can override a link or force negative float: every property must hold exactly.

use gantry_core::calendar::WorkingCalendar;
use gantry_core::cpm::{Driver, Schedule, ScheduleOptions, schedule};
use gantry_core::generate::{NetworkShape, add_constraints_and_progress, random_plan};
use gantry_core::model::{CalendarId, Lag, LinkType, Plan};
use gantry_core::time::Instant;
use proptest::prelude::*;

mod common;
use common::{checked_lag, honours};

fn shapes() -> impl Strategy<Value = NetworkShape> {
    (
        2usize..120,
        0u64..u64::MAX,
        prop_oneof![Just(0usize), Just(5), Just(20)],
        0.5f64..3.5,
    )
        .prop_map(|(tasks, seed, phase_size, links_per_task)| NetworkShape {
            tasks,
            links_per_task,
            phase_size,
            mixed: true,
            seed,
        })
}

fn ends(schedule: &Schedule, task: gantry_core::model::TaskId, late: bool) -> (Instant, Instant) {
    let entry = schedule.task(task);
    if late {
        (entry.late_start, entry.late_finish)
    } else {
        (entry.early_start, entry.early_finish)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_link_is_honoured_in_the_early_and_late_schedules(shape in shapes()) {
        let plan = random_plan(&shape);
        let schedule = schedule(&plan, &ScheduleOptions::default()).expect("random networks have no loops");
        let calendar = WorkingCalendar::build(&plan.calendars, CalendarId(0)).expect("standard calendar");
        for late in [false, true] {
            for link in &plan.links {
                let (predecessor_start, predecessor_finish) = ends(&schedule, link.predecessor, late);
                let (successor_start, successor_finish) = ends(&schedule, link.successor, late);
                let (from, to) = match link.kind {
                    LinkType::FinishToStart => (predecessor_finish, successor_start),
                    LinkType::StartToStart => (predecessor_start, successor_start),
                    LinkType::FinishToFinish => (predecessor_finish, successor_finish),
                    LinkType::StartToFinish => (predecessor_start, successor_finish),
                };
                let lag = checked_lag(&plan, &schedule, link, late);
                prop_assert!(
                    honours(&calendar, from, to, lag),
                    "{} link {} → {} {:?} broken in the {} schedule: {} then {}",
                    link.kind.code(), plan.task(link.predecessor).key, plan.task(link.successor).key, link.lag,
                    if late { "late" } else { "early" }, from, to
                );
            }
        }
    }

    #[test]
    fn total_float_is_at_least_free_float_which_is_not_negative(shape in shapes()) {
        let plan = random_plan(&shape);
        let schedule = schedule(&plan, &ScheduleOptions::default()).expect("random networks have no loops");
        for (index, entry) in schedule.tasks.iter().enumerate() {
            prop_assert!(entry.free_float >= 0, "{}: free float {}", plan.tasks[index].key, entry.free_float);
            prop_assert!(entry.total_float >= entry.free_float,
                "{}: total float {} < free float {}", plan.tasks[index].key, entry.total_float, entry.free_float);
            prop_assert!(entry.late_start >= entry.early_start, "{}: late start before early start", plan.tasks[index].key);
            prop_assert!(entry.late_finish <= schedule.project_finish);
            prop_assert!(entry.early_finish <= schedule.project_finish);
        }
    }

    #[test]
    fn critical_paths_run_contiguously_from_start_to_finish(shape in shapes()) {
        let plan = random_plan(&shape);
        let schedule = schedule(&plan, &ScheduleOptions::default()).expect("random networks have no loops");
        let calendar = WorkingCalendar::build(&plan.calendars, CalendarId(0)).expect("standard calendar");
        prop_assert!(!schedule.critical_paths.is_empty(), "a feasible plan has a critical path");
        // An elapsed lag that ends in non-working time gives its predecessor float of its own
        // (it can slip until the next working period and the successor starts no later), so with
        // elapsed lags a path may begin behind a non-critical task; never behind a critical one.
        let elapsed_lags = plan.links.iter().any(|link| matches!(link.lag, Lag::Elapsed(_)));
        for path in &schedule.critical_paths {
            let first = schedule.task(path[0]);
            match first.driver {
                Driver::ProjectStart | Driver::Constraint => {}
                Driver::Links if elapsed_lags => {
                    for link in schedule.driving_links(path[0]) {
                        let predecessor = plan.links[link.index()].predecessor;
                        prop_assert!(!schedule.task(predecessor).critical || schedule.task(predecessor).is_summary,
                            "path starts at {} although its driver {} is critical", plan.task(path[0]).key, plan.task(predecessor).key);
                    }
                }
                other => prop_assert!(false, "path starts at {} driven by {:?}", plan.task(path[0]).key, other),
            }
            let last = schedule.task(*path.last().expect("paths are not empty"));
            prop_assert_eq!(calendar.work_before(last.finish), calendar.work_before(schedule.project_finish));
            for task in path {
                prop_assert!(schedule.task(*task).critical);
            }
            for pair in path.windows(2) {
                // The later task is driven by a link from the earlier one (directly, or through
                // a link on a summary task that contains either of them).
                if schedule.task(pair[1]).driver != Driver::Links {
                    return Err(TestCaseError::fail(format!("{} is not driven by links", plan.task(pair[1]).key)));
                }
                let links = schedule.driving_links(pair[1]);
                let contains = |ancestor: gantry_core::model::TaskId, mut task: gantry_core::model::TaskId| loop {
                    if task == ancestor { return true; }
                    match plan.task(task).parent { Some(parent) => task = parent, None => return false }
                };
                prop_assert!(
                    links.iter().any(|link| contains(plan.links[link.index()].predecessor, pair[0])),
                    "{} → {} is not a driving link", plan.task(pair[0]).key, plan.task(pair[1]).key
                );
            }
        }
    }
}

/// Random plans with every constraint type, deadlines, progress and a status date: whatever the
/// mix, scheduling returns a schedule or diagnostics and never panics, and every task's dates are
/// in order.
#[derive(Debug, Clone)]
struct Mess {
    shape: NetworkShape,
    seed: u64,
    status_day: Option<u64>,
}

fn messes() -> impl Strategy<Value = Mess> {
    (shapes(), 0u64..u64::MAX, proptest::option::of(0u64..120)).prop_map(
        |(shape, seed, status_day)| Mess {
            shape,
            seed,
            status_day,
        },
    )
}

fn messy_plan(mess: &Mess) -> Plan {
    let mut plan = random_plan(&mess.shape);
    add_constraints_and_progress(&mut plan, mess.seed, mess.status_day);
    plan
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_mix_of_constraints_and_progress_schedules_without_panicking(mess in messes()) {
        let plan = messy_plan(&mess);
        if let Ok(schedule) = schedule(&plan, &ScheduleOptions::default()) {
            for (index, entry) in schedule.tasks.iter().enumerate() {
                let key = &plan.tasks[index].key;
                prop_assert!(entry.early_finish >= entry.early_start, "{key}: early finish before early start");
                // Once a task has started its late start is its actual start (MS Project's rule),
                // and a constraint downstream may pull its late finish before that: negative float
                // on work in progress. The order of late dates holds for work not yet started
                // (summary tasks roll their late dates up from such leaves and their started ones).
                let progress = &plan.tasks[index].progress;
                if !entry.is_summary && progress.actual_start.is_none() && progress.percent_complete == 0.0 {
                    prop_assert!(entry.late_finish >= entry.late_start, "{key}: late finish before late start");
                }
                prop_assert!(entry.finish >= entry.start, "{key}: finish before start");
            }
        }
    }
}
