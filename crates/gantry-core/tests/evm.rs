//! Earned value: the figures of a small plan checked by hand, and invariants on random plans.

use gantry_core::baseline::save_baseline;
use gantry_core::cost::{
    Accrual, FixedCost, TimeEntry, actual_costs, planned_cost_by_period, task_costs,
};
use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::evm::{EvmError, EvmOptions, earned_value, s_curve};
use gantry_core::generate::{NetworkShape, random_plan};
use gantry_core::model::{
    Assignment, Duration, Lag, Link, LinkType, Plan, Resource, ResourceId, Task, TaskId,
};
use gantry_core::time::Instant;
use gantry_core::usage::Period;
use proptest::prelude::*;

fn at(text: &str) -> jiff::civil::DateTime {
    text.parse().expect("a date-time")
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-6 * expected.abs().max(1.0)
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr) => {{
        let (actual, expected): (f64, f64) = ($actual, $expected);
        assert!(
            close(actual, expected),
            "{} = {actual}, expected {expected}",
            stringify!($actual)
        );
    }};
}

/// A phase of two 4-day tasks on the standard calendar from Monday 2 March 2026:
/// design (Ana, €100/h: 32 h = €3,200) then build (Ben, €50/h: 32 h = €1,600, plus a €400
/// fixed cost due at the end): BAC = €5,200. The baseline is the first schedule: design
/// Mon 2 – Thu 5 March, build Fri 6 – Wed 11 March.
///
/// At the status date, the end of Friday 6 March: design is done (Ana logged 36 h: €3,600);
/// build started on the Friday and is 20% done (Ben logged 10 h: €500; the fixed cost is not
/// due until build finishes).
fn small_plan() -> Plan {
    let mut plan = Plan::new("small", at("2026-03-02T08:00"));
    let phase = plan.add_task(Task::new("phase", "Phase"));
    let mut design = Task::new("design", "Design");
    design.parent = Some(phase);
    design.duration = Duration::working(4 * 480);
    let design = plan.add_task(design);
    let mut build = Task::new("build", "Build");
    build.parent = Some(phase);
    build.duration = Duration::working(4 * 480);
    let build = plan.add_task(build);
    plan.add_link(Link {
        predecessor: design,
        successor: build,
        kind: LinkType::FinishToStart,
        lag: Lag::None,
    });
    let mut ana = Resource::new("ana", "Ana");
    ana.standard_rate = 100.0;
    let ana = plan.add_resource(ana);
    let mut ben = Resource::new("ben", "Ben");
    ben.standard_rate = 50.0;
    let ben = plan.add_resource(ben);
    for (task, resource) in [(design, ana), (build, ben)] {
        plan.assignments.push(Assignment {
            task,
            resource,
            units: 1.0,
            work: None,
        });
    }
    plan.costs.fixed.push(FixedCost {
        task: build,
        amount: 400.0,
        accrual: Accrual::End,
    });
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
    save_baseline(&mut plan, &computed, 0, at("2026-02-27T17:00")).expect("baseline");

    plan.status_date = Some(at("2026-03-07T00:00"));
    plan.tasks[design.index()].progress.actual_start = Some(at("2026-03-02T08:00"));
    plan.tasks[design.index()].progress.actual_finish = Some(at("2026-03-05T17:00"));
    plan.tasks[design.index()].progress.percent_complete = 100.0;
    plan.tasks[build.index()].progress.actual_start = Some(at("2026-03-06T08:00"));
    plan.tasks[build.index()].progress.percent_complete = 20.0;
    for (resource, task, date, hours) in [
        (ana, design, "2026-03-05", 36.0),
        (ben, build, "2026-03-06", 10.0),
    ] {
        plan.tracking.time_entries.push(TimeEntry {
            resource,
            task,
            date: date.parse().expect("date"),
            hours,
            overtime_hours: 0.0,
        });
    }
    plan
}

fn options(plan: &Plan) -> (gantry_core::cpm::Schedule, EvmOptions) {
    let status = plan.status_date.expect("status date");
    let computed = schedule(
        plan,
        &ScheduleOptions {
            status_date: Some(status),
            ..ScheduleOptions::default()
        },
    )
    .expect("schedules");
    (
        computed,
        EvmOptions {
            baseline: 0,
            status_date: Instant::from_civil(status),
        },
    )
}

#[test]
fn figures_of_a_small_plan_checked_by_hand() {
    let plan = small_plan();
    let (computed, options) = options(&plan);
    let earned = earned_value(&plan, &computed, &options).expect("earned value");
    let project = earned.project;
    // BAC = 3,200 + 1,600 + 400 = 5,200.
    assert_close!(project.bac, 5200.0);
    // PV: design is planned done (3,200); build is planned 1 day of 4 by the end of Friday:
    // 2,000 × 1/4 = 500. PV = 3,700.
    assert_close!(project.pv, 3700.0);
    // EV = 3,200 × 100% + 2,000 × 20% = 3,600.
    assert_close!(project.ev, 3600.0);
    // AC = 36 h × 100 + 10 h × 50 = 4,100 (build's fixed cost accrues at its end).
    assert_close!(project.ac, 4100.0);
    // SV = EV − PV = −100; CV = EV − AC = −500.
    assert_close!(project.sv, -100.0);
    assert_close!(project.cv, -500.0);
    // SPI = EV / PV = 3,600 / 3,700 = 0.972973; CPI = EV / AC = 3,600 / 4,100 = 0.878049.
    let spi = project.spi.expect("SPI");
    let cpi = project.cpi.expect("CPI");
    assert_close!(spi, 3600.0 / 3700.0);
    assert_close!(cpi, 3600.0 / 4100.0);
    assert!((spi - 0.972973).abs() < 1e-6 && (cpi - 0.878049).abs() < 1e-6);
    // EAC = BAC / CPI = 5,200 × 4,100 / 3,600 = 5,922.22.
    assert_close!(project.eac.expect("EAC"), 5200.0 * 4100.0 / 3600.0);
    assert!((project.eac.expect("EAC") - 5922.22).abs() < 0.01);
    // EAC = AC + (BAC − EV) = 4,100 + 1,600 = 5,700.
    assert_close!(project.eac_remaining_to_plan, 5700.0);
    // EAC = AC + (BAC − EV) / (CPI × SPI) = 4,100 + 1,600 / 0.854318 = 5,972.84.
    let eac_cpi_spi = project.eac_cpi_spi.expect("EAC from CPI and SPI");
    assert_close!(eac_cpi_spi, 4100.0 + 1600.0 / (cpi * spi));
    assert!((eac_cpi_spi - 5972.84).abs() < 0.01, "{eac_cpi_spi}");
    // ETC = EAC − AC = 1,822.22; VAC = BAC − EAC = −722.22.
    assert!((project.etc.expect("ETC") - 1822.22).abs() < 0.01);
    assert!((project.vac.expect("VAC") + 722.22).abs() < 0.01);
    // TCPI = (BAC − EV) / (BAC − AC) = 1,600 / 1,100 = 1.454545.
    assert!((project.tcpi.expect("TCPI") - 1.454545).abs() < 1e-6);

    // The phase is the only top-level node: its figures are the project's.
    assert_eq!(earned.tasks[0], project);
    // Build: BAC 2,000, PV 500, EV 400, AC 500.
    let build = earned.tasks[2];
    assert_close!(build.bac, 2000.0);
    assert_close!(build.pv, 500.0);
    assert_close!(build.ev, 400.0);
    assert_close!(build.ac, 500.0);
    assert_close!(build.spi.expect("SPI"), 0.8);
    assert_close!(build.cpi.expect("CPI"), 0.8);

    // Build is planned 25% done and is 20% done: behind. Its remaining 80% (3.2 days, 25.6 h)
    // is scheduled from the status date: Mon 9, Tue 10, Wed 11 and 1.6 h of Thu 12, to 09:36,
    // 96 working minutes (0.2 days) after its baseline finish, Wed 11 17:00: late too.
    // Design finished on plan.
    let build_status = earned.status[2].expect("in the baseline");
    assert_close!(build_status.planned_percent, 25.0);
    assert_close!(build_status.percent_complete, 20.0);
    assert!(build_status.behind_progress && build_status.behind_plan());
    assert!(build_status.finishes_late);
    assert_close!(build_status.finish_variance_days, 0.2);
    let design_status = earned.status[1].expect("in the baseline");
    assert!(!design_status.behind_plan(), "{design_status:?}");
}

#[test]
fn without_time_entries_labour_is_costed_by_percent_complete() {
    let mut plan = small_plan();
    // The same progress, tracked by percent complete only: no timesheets.
    plan.tracking.time_entries.clear();
    let (computed, options) = options(&plan);
    let earned = earned_value(&plan, &computed, &options).expect("earned value");
    // Design: 100% of Ana's 32 h × 100 = 3,200. Build: 20% of Ben's 32 h × 50 = 320 (the
    // €400 fixed cost accrues at build's end, not reached). AC = 3,520.
    assert_close!(earned.tasks[1].ac, 3200.0);
    assert_close!(earned.tasks[2].ac, 320.0);
    let project = earned.project;
    assert_close!(project.ac, 3520.0);
    // EV is unchanged, 3,200 + 2,000 × 20% = 3,600: CV = 3,600 − 3,520 = 80 and
    // CPI = 3,600 / 3,520 = 1.022727 (the labour cost what it earned; build's fixed cost is
    // earned by percent complete but not yet spent).
    assert_close!(project.ev, 3600.0);
    assert_close!(project.cv, 80.0);
    assert!((project.cpi.expect("CPI") - 1.022727).abs() < 1e-6);
    // The hours column counts logged hours only: none.
    let status = options.status_date;
    let actual = actual_costs(&plan, &computed, status).expect("actuals");
    assert_eq!(actual[0].hours, 0.0);
    assert_close!(actual[0].labour, 3520.0);
    // The S-curve's AC at the status date is the same figure.
    let curve = s_curve(&plan, &computed, &options).expect("curve");
    let at_status = curve
        .points
        .iter()
        .find(|point| point.at == status)
        .expect("a point at the status date");
    assert_close!(at_status.ac.expect("AC"), 3520.0);
    // Before anything started nothing was spent.
    assert_eq!(curve.points[0].ac, Some(0.0));
}

#[test]
fn time_entries_replace_progress_for_their_assignment_only() {
    let mut plan = small_plan();
    // Cleo (€80/h, €60 per use) joins build at 100% after the baseline and logs no hours;
    // Ben keeps his 10 h of timesheets.
    let mut cleo = Resource::new("cleo", "Cleo");
    cleo.standard_rate = 80.0;
    cleo.cost_per_use = 60.0;
    let cleo = plan.add_resource(cleo);
    plan.assignments.push(Assignment {
        task: TaskId(2),
        resource: cleo,
        units: 1.0,
        work: Some(4 * 480),
    });
    let (computed, options) = options(&plan);
    let actual = actual_costs(&plan, &computed, options.status_date).expect("actuals");
    // Build: Ben from his timesheet, 10 h × 50 = 500 (not 20% × 32 h × 50 = 320); Cleo by
    // progress, 20% × 32 h × 80 = 512, plus her 60 per use as build has started: 572.
    // Labour = 500 + 572 = 1,072; only Ben's 10 h are logged hours.
    assert_close!(actual[2].labour, 1072.0);
    assert_close!(actual[2].hours, 10.0);
    assert_close!(actual[2].total, 1072.0);
    let earned = earned_value(&plan, &computed, &options).expect("earned value");
    assert_close!(earned.tasks[2].ac, 1072.0);
    // Design keeps Ana's timesheet: 36 h × 100 = 3,600. AC = 3,600 + 1,072 = 4,672.
    assert_close!(earned.tasks[1].ac, 3600.0);
    assert_close!(earned.project.ac, 4672.0);
    // Once Cleo logs hours (4 h on Friday), her timesheet replaces her progress:
    // build = 500 + 4 × 80 + 60 per use = 880; AC = 3,600 + 880 = 4,480.
    plan.tracking.time_entries.push(TimeEntry {
        resource: cleo,
        task: TaskId(2),
        date: "2026-03-06".parse().expect("date"),
        hours: 4.0,
        overtime_hours: 0.0,
    });
    let earned = earned_value(&plan, &computed, &options).expect("earned value");
    assert_close!(earned.tasks[2].ac, 880.0);
    assert_close!(earned.project.ac, 4480.0);
}

#[test]
fn a_late_finish_is_flagged_in_working_days() {
    let mut plan = small_plan();
    // Design needed a day more: it finished on Friday, and build starts on Monday 9 March.
    plan.tasks[1].progress.actual_finish = Some(at("2026-03-06T17:00"));
    plan.tasks[2].progress = Default::default();
    plan.tracking.time_entries.truncate(1);
    let (computed, options) = options(&plan);
    let earned = earned_value(&plan, &computed, &options).expect("earned value");
    let design = earned.status[1].expect("design");
    assert!(design.finishes_late);
    assert_close!(design.finish_variance_days, 1.0);
    // Build: Mon 9 – Thu 12 instead of Fri 6 – Wed 11: one working day late (the weekend is
    // not counted), and 0% done where 25% was planned.
    let build = earned.status[2].expect("build");
    assert!(build.finishes_late && build.behind_progress);
    assert_close!(build.finish_variance_days, 1.0);
}

#[test]
fn the_s_curve_ends_at_the_status_figures_and_at_the_bac() {
    let plan = small_plan();
    let (computed, options) = options(&plan);
    let earned = earned_value(&plan, &computed, &options).expect("earned value");
    let curve = s_curve(&plan, &computed, &options).expect("curve");
    let status_point = curve
        .points
        .iter()
        .find(|point| point.at == options.status_date)
        .expect("a point at the status date");
    assert_close!(status_point.pv, earned.project.pv);
    assert_close!(status_point.ev.expect("EV"), earned.project.ev);
    assert_close!(status_point.ac.expect("AC"), earned.project.ac);
    // Monday 2 March 00:00, before anything: all zero.
    let first = curve.points[0];
    assert_eq!(first.at, Instant::from_civil(at("2026-03-02T00:00")));
    assert_eq!((first.pv, first.ev, first.ac), (0.0, Some(0.0), Some(0.0)));
    // Monday 9 March: after the status date, no EV or AC; design and Friday's build day planned.
    let next = curve
        .points
        .iter()
        .find(|point| point.at == Instant::from_civil(at("2026-03-09T00:00")))
        .expect("Monday 9 March");
    assert_eq!((next.ev, next.ac), (None, None));
    assert_close!(next.pv, 3700.0);
    let last = curve.points.last().expect("points");
    assert_close!(last.pv, 5200.0);
    assert_close!(curve.bac, 5200.0);
}

#[test]
fn bad_baseline_numbers_are_errors() {
    let plan = small_plan();
    let (computed, mut options) = options(&plan);
    options.baseline = 11;
    let error = earned_value(&plan, &computed, &options).expect_err("11 is out of range");
    assert!(matches!(error, EvmError::Baseline(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "baseline 11 does not exist: baselines are numbered 0 (Baseline) to 10 (Baseline10)"
    );
    options.baseline = 4;
    let error = earned_value(&plan, &computed, &options).expect_err("never saved");
    assert!(
        error
            .to_string()
            .starts_with("Baseline4 has not been saved")
    );
}

#[test]
fn a_time_entry_by_someone_not_on_the_task_names_both() {
    let mut plan = small_plan();
    // Ben logs hours on design, where only Ana works.
    plan.tracking.time_entries.push(TimeEntry {
        resource: ResourceId(1),
        task: TaskId(1),
        date: "2026-03-03".parse().expect("date"),
        hours: 2.0,
        overtime_hours: 0.0,
    });
    let (computed, options) = options(&plan);
    let error = earned_value(&plan, &computed, &options).expect_err("ben is not on design");
    let message = error.to_string();
    assert!(
        message.contains("resource \"ben\" is not assigned to task \"design\""),
        "{message}"
    );
}

/// A random plan with a person on every subtask, a baseline of its first schedule, then
/// progress on some tasks and a status date `status_day` working days in.
fn random_controlled_plan(seed: u64, tasks: usize, percents: &[f64]) -> Plan {
    let mut plan = random_plan(&NetworkShape {
        tasks,
        links_per_task: 1.5,
        phase_size: 5,
        mixed: true,
        seed,
    });
    let summary = plan.summary_flags();
    for (index, rate) in [80.0, 120.0, 95.0].into_iter().enumerate() {
        let mut person = Resource::new(format!("p{index}"), format!("Person {index}"));
        person.standard_rate = rate;
        plan.add_resource(person);
    }
    for task in 0..plan.tasks.len() {
        if summary[task] {
            continue;
        }
        plan.assignments.push(Assignment {
            task: TaskId(task as u32),
            resource: ResourceId((task % 3) as u32),
            units: 1.0,
            work: None,
        });
        if task % 4 == 0 {
            plan.costs.fixed.push(FixedCost {
                task: TaskId(task as u32),
                amount: 500.0,
                accrual: [Accrual::Start, Accrual::Prorated, Accrual::End][task % 3],
            });
        }
    }
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
    let saved = plan.start;
    save_baseline(&mut plan, &computed, 0, saved).expect("baseline");
    for (task, percent) in percents.iter().enumerate() {
        if let Some(entry) = plan.tasks.get_mut(task) {
            entry.progress.percent_complete = *percent;
        }
    }
    plan
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// EV never exceeds BAC, PV at the baseline's finish is the BAC, PV never falls over time,
    /// and the textbook identities hold wherever their denominators are not zero.
    #[test]
    fn earned_value_invariants(
        seed in 0u64..u64::MAX,
        tasks in 2usize..30,
        percents in proptest::collection::vec(prop_oneof![Just(0.0), Just(100.0), 0.0f64..100.0], 0..30),
        status_days in 0i64..60,
    ) {
        let plan = random_controlled_plan(seed, tasks, &percents);
        let status = Instant::from_civil(plan.start).plus_minutes(status_days * 24 * 60);
        let computed = schedule(&plan, &ScheduleOptions {
            status_date: Some(status.to_civil()),
            ..ScheduleOptions::default()
        }).expect("schedules");
        let options = EvmOptions { baseline: 0, status_date: status };
        let earned = earned_value(&plan, &computed, &options).expect("earned value");
        for figures in earned.tasks.iter().chain([&earned.project]) {
            prop_assert!(figures.ev <= figures.bac + 1e-6, "EV {} > BAC {}", figures.ev, figures.bac);
            prop_assert!(figures.pv <= figures.bac + 1e-6, "PV {} > BAC {}", figures.pv, figures.bac);
            prop_assert!(figures.ev >= 0.0 && figures.pv >= 0.0 && figures.ac >= 0.0);
            prop_assert!(close(figures.sv, figures.ev - figures.pv));
            prop_assert!(close(figures.cv, figures.ev - figures.ac));
            if let Some(spi) = figures.spi {
                prop_assert!(close(spi * figures.pv, figures.ev));
            } else {
                prop_assert!(figures.pv.abs() < 1e-9);
            }
            if let (Some(cpi), Some(eac)) = (figures.cpi, figures.eac) {
                prop_assert!(close(eac * cpi, figures.bac));
                prop_assert!(close(figures.etc.expect("ETC with EAC"), eac - figures.ac));
                prop_assert!(close(figures.vac.expect("VAC with EAC"), figures.bac - eac));
            }
            prop_assert!(close(figures.eac_remaining_to_plan, figures.ac + figures.bac - figures.ev));
            for value in [figures.spi, figures.cpi, figures.eac, figures.eac_cpi_spi, figures.etc, figures.vac, figures.tcpi].into_iter().flatten() {
                prop_assert!(value.is_finite());
            }
        }
        // Tracked by percent complete only (no timesheets, no expenses, the plan unchanged
        // since its baseline, no costs per use): a subtask without a fixed cost spends what it
        // earns, its AC is its EV.
        let summary = plan.summary_flags();
        for task in (0..plan.tasks.len()).filter(|&task| !summary[task]) {
            if plan.costs.fixed.iter().all(|fixed| fixed.task.index() != task) {
                let figures = &earned.tasks[task];
                prop_assert!(close(figures.ac, figures.ev), "task {task}: AC {} ≠ EV {}", figures.ac, figures.ev);
            }
        }

        // The project's BAC is the sum of the baseline costs of the subtasks.
        let baseline = plan.baseline(0).expect("baseline");
        let leaf_costs: f64 = (0..plan.tasks.len())
            .filter(|&task| !summary[task])
            .filter_map(|task| baseline.task(TaskId(task as u32)))
            .map(|saved| saved.cost)
            .sum();
        prop_assert!(close(earned.project.bac, leaf_costs));

        // The time-phased planned cost of the current schedule adds up to the plan's cost.
        let weeks = planned_cost_by_period(&plan, &computed, Period::Week).expect("weeks");
        let total: f64 = task_costs(&plan).iter().zip(&summary).filter(|(_, summary)| !**summary).map(|(cost, _)| cost.total).sum();
        let last_week = weeks.last().map_or(0.0, |week| week.cumulative);
        prop_assert!(close(last_week, total), "planned cost {last_week} ≠ {total}");
        prop_assert!(weeks.iter().all(|week| week.cost >= -1e-6));

        let curve = s_curve(&plan, &computed, &options).expect("curve");
        for pair in curve.points.windows(2) {
            prop_assert!(pair[0].at < pair[1].at);
            prop_assert!(pair[1].pv + 1e-6 >= pair[0].pv, "PV falls from {} to {}", pair[0].pv, pair[1].pv);
        }
        if let Some(at_status) = curve.points.iter().find(|point| point.at == status) {
            prop_assert!(close(at_status.ac.expect("AC by the status date"), earned.project.ac));
        }
        let last = curve.points.last().expect("points");
        prop_assert!(close(last.pv, earned.project.bac), "PV at the finish {} ≠ BAC {}", last.pv, earned.project.bac);

        // PV at (or after) the latest baseline finish is the BAC.
        let finish = baseline.tasks.iter().flatten().map(|saved| Instant::from_civil(saved.finish)).max().expect("tasks");
        let at_finish = earned_value(&plan, &computed, &EvmOptions { baseline: 0, status_date: finish.max(status) });
        if finish >= status {
            let at_finish = at_finish.expect("earned value at the finish");
            prop_assert!(close(at_finish.project.pv, at_finish.project.bac));
        }
    }
}
