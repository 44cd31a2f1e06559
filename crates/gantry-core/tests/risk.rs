//! The Monte Carlo simulation against cases whose answer is known: certain estimates, a risk that
//! always or never happens, one triangular task with its closed-form median; the same results on
//! any number of threads; bad input named; and the re-scheduling it relies on against the
//! engine's one-shot schedule.

use gantry_core::calendar::WorkingCalendar;
use gantry_core::cpm::{DurationScheduler, ScheduleOptions, schedule};
use gantry_core::generate::{NetworkShape, SplitMix64, add_constraints_and_progress, random_plan};
use gantry_core::risk::{
    CorrelationGroup, Delay, Distribution, Estimate, RiskError, RiskEvent, RiskModel,
    SimulationOptions, ThreePoint, simulate,
};
use gantry_core::{Duration, Instant, Plan, Resource, Split, Task, TaskId};
use jiff::civil::date;

const DAY: i64 = 480;

fn options(iterations: usize, threads: usize) -> SimulationOptions {
    SimulationOptions {
        iterations,
        seed: 42,
        threads,
        ..SimulationOptions::default()
    }
}

fn one_task_plan(days: i64) -> Plan {
    let mut plan = Plan::new("One task", date(2026, 1, 5).at(8, 0, 0, 0));
    let mut task = Task::new("build", "Build");
    task.duration = Duration::working(days * DAY);
    plan.add_task(task);
    plan
}

/// Working minutes from the plan's start to `finish` on the project calendar.
fn working_minutes(plan: &Plan, finish: Instant) -> i64 {
    let calendar = WorkingCalendar::build(&plan.calendars, plan.calendar).expect("calendar builds");
    calendar.work_before(finish) - calendar.work_before(Instant::from_civil(plan.start))
}

fn three_point(min: i64, likely: i64, max: i64, distribution: Distribution) -> ThreePoint {
    ThreePoint {
        min,
        likely,
        max,
        distribution,
    }
}

/// Estimates on every leaf of a generated plan: min ≤ planned ≤ max, alternately triangular and
/// PERT, and two correlation groups.
fn uncertain_model(plan: &Plan, degenerate: bool) -> RiskModel {
    let is_summary = plan.summary_flags();
    let mut model = RiskModel::default();
    for (index, task) in plan.tasks.iter().enumerate() {
        if is_summary[index] {
            continue;
        }
        let minutes = task.duration.minutes;
        let duration = if degenerate {
            ThreePoint::fixed(minutes)
        } else {
            let distribution = if index % 2 == 0 {
                Distribution::Triangular
            } else {
                Distribution::Pert
            };
            three_point(minutes * 8 / 10, minutes, minutes * 16 / 10, distribution)
        };
        model.estimates.push(Estimate {
            task: TaskId(index as u32),
            duration,
        });
    }
    if !degenerate {
        let estimated: Vec<TaskId> = model.estimates.iter().map(|e| e.task).collect();
        model.correlations.push(CorrelationGroup {
            name: "same vendor".to_string(),
            tasks: estimated.iter().copied().step_by(3).collect(),
            coefficient: 0.6,
        });
        model.correlations.push(CorrelationGroup {
            name: "legacy code".to_string(),
            tasks: estimated.iter().copied().skip(1).step_by(3).collect(),
            coefficient: 0.3,
        });
        model.risks.push(RiskEvent {
            id: "vendor-late".to_string(),
            name: "The vendor delivers late".to_string(),
            probability: 0.3,
            tasks: estimated.iter().copied().take(3).collect(),
            delay: Delay::Uncertain(three_point(DAY, 2 * DAY, 6 * DAY, Distribution::Pert)),
            cost: 2_000.0,
        });
    }
    model
}

#[test]
fn certain_estimates_and_no_risk_give_the_planned_finish_at_every_percentile() {
    for seed in 0..4 {
        let mut plan = random_plan(&NetworkShape {
            tasks: 120,
            links_per_task: 2.0,
            phase_size: 12,
            mixed: true,
            seed,
        });
        if seed % 2 == 1 {
            add_constraints_and_progress(&mut plan, seed, Some(30));
        }
        let planned = schedule(&plan, &ScheduleOptions::default()).expect("plan schedules");
        let model = uncertain_model(&plan, true);
        let result = simulate(&plan, &model, &options(200, 2)).expect("simulation runs");
        let finish = &result.finish;
        for (name, at) in [
            ("P10", finish.p10),
            ("P50", finish.p50),
            ("P80", finish.p80),
            ("P90", finish.p90),
            ("min", finish.min),
            ("max", finish.max),
            ("mean", finish.mean),
        ] {
            assert_eq!(at, planned.project_finish, "seed {seed}: {name}");
        }
        assert_eq!(result.planned_finish, planned.project_finish);
        assert_eq!(finish.std_dev_minutes, 0.0);
        assert_eq!(result.deadline_probability, 1.0);
        for (index, task) in planned.tasks.iter().enumerate() {
            let expected = if task.critical { 1.0 } else { 0.0 };
            assert_eq!(
                result.criticality[index], expected,
                "seed {seed}: criticality of {}",
                plan.tasks[index].key
            );
        }
        assert!(result.sensitivity.is_empty(), "nothing varies");
        assert_eq!(result.histogram.len(), 1);
        assert_eq!(result.histogram[0].count, 200);
    }
}

#[test]
fn one_and_two_threads_give_identical_results() {
    let plan = random_plan(&NetworkShape::benchmark(300, 7));
    let model = uncertain_model(&plan, false);
    let single = simulate(&plan, &model, &options(500, 1)).expect("simulation runs");
    let double = simulate(&plan, &model, &options(500, 2)).expect("simulation runs");
    assert_eq!(single, double);
    // And the draws really vary.
    assert!(single.finish.p90 > single.finish.p10);
    assert!(!single.sensitivity.is_empty());
    let other_seed = simulate(
        &plan,
        &model,
        &SimulationOptions {
            seed: 43,
            ..options(500, 2)
        },
    )
    .expect("simulation runs");
    assert_ne!(single.finish, other_seed.finish);
}

#[test]
fn one_triangular_task_has_the_closed_form_median() {
    let plan = one_task_plan(5);
    let (a, c, b) = (4.0 * DAY as f64, 5.0 * DAY as f64, 9.0 * DAY as f64);
    let model = RiskModel {
        estimates: vec![Estimate {
            task: TaskId(0),
            duration: three_point(4 * DAY, 5 * DAY, 9 * DAY, Distribution::Triangular),
        }],
        ..RiskModel::default()
    };
    let iterations = 20_000;
    let result = simulate(&plan, &model, &options(iterations, 2)).expect("simulation runs");
    // The median of a triangular distribution: below the mode when the mode's CDF is ≥ 1/2.
    let mode_cdf = (c - a) / (b - a);
    let median = if mode_cdf >= 0.5 {
        a + ((b - a) * (c - a) / 2.0).sqrt()
    } else {
        b - ((b - a) * (b - c) / 2.0).sqrt()
    };
    // Standard error of a sample median: √(p(1−p)/n) / f(median), f the density there.
    let density = if median <= c {
        2.0 * (median - a) / ((b - a) * (c - a))
    } else {
        2.0 * (b - median) / ((b - a) * (b - c))
    };
    let standard_error = (0.25 / iterations as f64).sqrt() / density;
    let p50 = working_minutes(&plan, result.finish.p50) as f64;
    assert!(
        (p50 - median).abs() <= 4.0 * standard_error + 1.0,
        "P50 {p50} minutes, closed form {median:.1} ± {standard_error:.1}"
    );
    // The mean too: (a + b + c) / 3, its standard error σ/√n.
    let mean = (a + b + c) / 3.0;
    let sigma = ((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0).sqrt();
    assert!(
        (result.finish.mean_duration_minutes - mean).abs()
            <= 4.0 * sigma / (iterations as f64).sqrt() + 1.0,
        "mean {} minutes, closed form {mean:.1}",
        result.finish.mean_duration_minutes
    );
    assert_eq!(result.criticality[0], 1.0);
    assert_eq!(result.sensitivity.len(), 1);
    assert!(result.sensitivity[0].correlation > 0.999);
    let counted: usize = result.histogram.iter().map(|bin| bin.count).sum();
    assert_eq!(counted, iterations);
    assert_eq!(result.histogram.last().map(|bin| bin.cumulative), Some(1.0));
}

fn risk(probability: f64, delay: Delay, cost: f64) -> RiskEvent {
    RiskEvent {
        id: "datacentre-move".to_string(),
        name: "The data centre moves".to_string(),
        probability,
        tasks: vec![TaskId(0)],
        delay,
        cost,
    }
}

#[test]
fn a_certain_risk_adds_exactly_its_delay_and_an_impossible_one_nothing() {
    let plan = one_task_plan(5);
    let longer = schedule(&one_task_plan(8), &ScheduleOptions::default())
        .expect("plan schedules")
        .project_finish;
    let planned = schedule(&plan, &ScheduleOptions::default())
        .expect("plan schedules")
        .project_finish;
    let run = |probability: f64| {
        let model = RiskModel {
            risks: vec![risk(probability, Delay::Fixed(3 * DAY), 5_000.0)],
            ..RiskModel::default()
        };
        simulate(&plan, &model, &options(300, 2)).expect("simulation runs")
    };
    let certain = run(1.0);
    for at in [certain.finish.p10, certain.finish.p50, certain.finish.p90] {
        assert_eq!(at, longer);
    }
    assert_eq!(certain.deadline, planned);
    assert_eq!(certain.deadline_probability, 0.0);
    let cost = certain.cost.expect("a risk with a cost makes a cost");
    assert_eq!((cost.planned, cost.p10, cost.p90), (0.0, 5_000.0, 5_000.0));
    let impossible = run(0.0);
    for at in [
        impossible.finish.p10,
        impossible.finish.p50,
        impossible.finish.p90,
    ] {
        assert_eq!(at, planned);
    }
    assert_eq!(impossible.deadline_probability, 1.0);
    let cost = impossible.cost.expect("a risk with a cost makes a cost");
    assert_eq!((cost.p10, cost.p90), (0.0, 0.0));
    // About half the iterations of a 50% risk take the delay.
    let even = run(0.5);
    assert!(
        (even.deadline_probability - 0.5).abs() < 0.1,
        "{}",
        even.deadline_probability
    );
}

#[test]
fn cost_follows_the_sampled_duration_of_work_resources() {
    let mut plan = one_task_plan(5);
    let mut dana = Resource::new("dana", "Dana");
    dana.standard_rate = 60.0; // one per minute
    dana.cost_per_use = 100.0;
    let dana = plan.add_resource(dana);
    plan.assignments.push(gantry_core::Assignment {
        task: TaskId(0),
        resource: dana,
        units: 0.5,
        work: None,
    });
    let model = RiskModel {
        risks: vec![risk(1.0, Delay::Fixed(2 * DAY), 0.0)],
        ..RiskModel::default()
    };
    let result = simulate(&plan, &model, &options(50, 1)).expect("simulation runs");
    let cost = result.cost.expect("rates make a cost");
    assert_eq!(cost.planned, 100.0 + 0.5 * (5 * DAY) as f64);
    assert_eq!(cost.p50, 100.0 + 0.5 * (7 * DAY) as f64);
    let without_rates = simulate(&one_task_plan(5), &model, &options(50, 1)).expect("runs");
    assert_eq!(without_rates.cost, None);
}

#[test]
fn bad_input_is_refused_naming_the_item() {
    let mut plan = one_task_plan(5);
    let mut phase = Task::new("phase", "Phase one");
    phase.duration = Duration::working(0);
    let phase = plan.add_task(phase);
    let mut child = Task::new("child", "Child");
    child.parent = Some(phase);
    plan.add_task(child);
    let refused = |model: RiskModel| {
        simulate(&plan, &model, &options(10, 1))
            .expect_err("the model is invalid")
            .to_string()
    };
    let message = refused(RiskModel {
        risks: vec![risk(1.5, Delay::Fixed(DAY), 0.0)],
        ..RiskModel::default()
    });
    assert_eq!(
        message,
        "risk \"datacentre-move\": probability must be between 0 and 1, not 1.5"
    );
    let message = refused(RiskModel {
        risks: vec![risk(-0.1, Delay::Fixed(DAY), 0.0)],
        ..RiskModel::default()
    });
    assert!(message.contains("not -0.1"), "{message}");
    let message = refused(RiskModel {
        estimates: vec![Estimate {
            task: TaskId(0),
            duration: three_point(6 * DAY, 5 * DAY, 9 * DAY, Distribution::Pert),
        }],
        ..RiskModel::default()
    });
    assert_eq!(
        message,
        "the estimate of \"Build\": the three-point estimate must have 0 ≤ min ≤ likely ≤ max (min 2880, likely 2400, max 4320 minutes)"
    );
    let message = refused(RiskModel {
        estimates: vec![Estimate {
            task: TaskId(0),
            duration: three_point(4 * DAY, 10 * DAY, 9 * DAY, Distribution::Triangular),
        }],
        ..RiskModel::default()
    });
    assert!(message.contains("likely 4800, max 4320"), "{message}");
    let mut unknown = risk(0.5, Delay::Fixed(DAY), 0.0);
    unknown.tasks = vec![TaskId(9)];
    let message = refused(RiskModel {
        risks: vec![unknown],
        ..RiskModel::default()
    });
    assert_eq!(
        message,
        "risk \"datacentre-move\" names task #9 which does not exist"
    );
    let message = refused(RiskModel {
        estimates: vec![Estimate {
            task: phase,
            duration: ThreePoint::fixed(DAY),
        }],
        ..RiskModel::default()
    });
    assert_eq!(
        message,
        "the estimate of \"Phase one\": \"Phase one\" is a summary task; its duration rolls up from its subtasks"
    );
    let error = simulate(&plan, &RiskModel::default(), &options(0, 1)).expect_err("no iterations");
    assert!(matches!(error, RiskError::Options(_)));
    let message = refused(RiskModel {
        estimates: vec![Estimate {
            task: TaskId(0),
            duration: ThreePoint::fixed(DAY),
        }],
        correlations: vec![CorrelationGroup {
            name: "team".to_string(),
            tasks: vec![TaskId(0)],
            coefficient: 1.2,
        }],
        ..RiskModel::default()
    });
    assert_eq!(
        message,
        "correlation group \"team\": correlation must be between 0 and 1, not 1.2"
    );
}

/// Tasks with progress keep their durations; their estimates are listed as set aside.
#[test]
fn estimates_of_started_tasks_are_set_aside() {
    let mut plan = one_task_plan(5);
    plan.tasks[0].progress.actual_start = Some(date(2026, 1, 5).at(8, 0, 0, 0));
    plan.tasks[0].progress.percent_complete = 20.0;
    let model = RiskModel {
        estimates: vec![Estimate {
            task: TaskId(0),
            duration: three_point(4 * DAY, 5 * DAY, 9 * DAY, Distribution::Triangular),
        }],
        ..RiskModel::default()
    };
    let result = simulate(&plan, &model, &options(100, 1)).expect("simulation runs");
    assert_eq!(result.fixed_tasks, vec![TaskId(0)]);
    assert_eq!(result.finish.p90, result.planned_finish);
}

/// The re-scheduler gives the one-shot engine's finish and critical flags, for plans with every
/// kind of link, constraint and progress, with durations drawn at random.
#[test]
fn the_duration_scheduler_agrees_with_the_engine() {
    let options = ScheduleOptions::default();
    for seed in 0..40 {
        let mut plan = random_plan(&NetworkShape {
            tasks: 20 + (seed as usize * 13) % 120,
            links_per_task: 0.5 + (seed % 4) as f64,
            phase_size: [0, 5, 20][seed as usize % 3],
            mixed: true,
            seed,
        });
        if seed % 2 == 1 {
            add_constraints_and_progress(&mut plan, seed, Some(seed % 60));
        }
        if seed % 3 == 0 {
            // Split tasks: their pauses stay as planned whatever duration is drawn, and a pause
            // beyond a shortened task's end no longer applies.
            let mut random = SplitMix64::new(seed + 1000);
            for index in 0..plan.tasks.len() {
                if random.chance(25) {
                    plan.splits.push(Split {
                        task: TaskId(index as u32),
                        after: 60 * (1 + random.below(40) as i64),
                        gap: 60 * (1 + random.below(24) as i64),
                    });
                }
            }
        }
        let mut scheduler = DurationScheduler::new(&plan, &options).expect("plan schedules");
        let mut random = SplitMix64::new(seed);
        for round in 0..6 {
            let mut changed = plan.clone();
            let mut durations = scheduler.durations().to_vec();
            for (index, duration) in durations.iter_mut().enumerate() {
                if !scheduler.is_variable(TaskId(index as u32)) || random.chance(30) {
                    continue;
                }
                // Zero now and then: a task that becomes a milestone.
                *duration = if random.chance(5) {
                    0
                } else {
                    60 * random.below(8 * 20) as i64
                };
                changed.tasks[index].duration.minutes = *duration;
            }
            let finish = scheduler.schedule(&durations).expect("durations schedule");
            let expected = schedule(&changed, &options).expect("changed plan schedules");
            assert_eq!(
                finish, expected.project_finish,
                "seed {seed}, round {round}"
            );
            for (index, task) in expected.tasks.iter().enumerate() {
                assert_eq!(
                    scheduler.critical()[index],
                    task.critical,
                    "seed {seed}, round {round}: critical flag of {}",
                    plan.tasks[index].key
                );
                assert_eq!(
                    scheduler.total_floats()[index],
                    task.total_float,
                    "seed {seed}, round {round}: total float of {}",
                    plan.tasks[index].key
                );
            }
        }
    }
}

/// Two tasks in a row: correlated, their overruns add up more often, and the finish spreads
/// wider. With normal scores correlated by ρ = 0.9 (a rank correlation of about 0.89) the
/// standard deviation of the sum grows by √(1 + 0.89) ≈ 1.37 over independent draws.
#[test]
fn correlation_widens_the_spread_of_a_chain() {
    let mut plan = one_task_plan(5);
    let mut second = Task::new("test", "Test");
    second.duration = Duration::working(5 * DAY);
    let second = plan.add_task(second);
    plan.links.push(gantry_core::Link {
        predecessor: TaskId(0),
        successor: second,
        kind: gantry_core::LinkType::FinishToStart,
        lag: gantry_core::Lag::None,
    });
    let spread = |coefficient: f64| {
        let estimate = |task| Estimate {
            task,
            duration: three_point(4 * DAY, 5 * DAY, 9 * DAY, Distribution::Triangular),
        };
        let model = RiskModel {
            estimates: vec![estimate(TaskId(0)), estimate(second)],
            correlations: vec![CorrelationGroup {
                name: "same team".to_string(),
                tasks: vec![TaskId(0), second],
                coefficient,
            }],
            ..RiskModel::default()
        };
        simulate(&plan, &model, &options(20_000, 2))
            .expect("simulation runs")
            .finish
            .std_dev_minutes
    };
    let (independent, correlated) = (spread(0.0), spread(0.9));
    let ratio = correlated / independent;
    assert!(
        (1.30..1.44).contains(&ratio),
        "σ {independent:.0} → {correlated:.0} minutes, ratio {ratio:.3}"
    );
}
