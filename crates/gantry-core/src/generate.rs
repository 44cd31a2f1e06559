//! Random but realistic plans, for benchmarks and property tests.
//!
//! The networks look like real project plans: phases (summary tasks) of about twenty tasks, most
//! links finish-to-start from a recent task, some start-to-start and finish-to-finish overlaps,
//! the odd start-to-finish, lags and leads in working, elapsed and percent form, a few milestones
//! and start-no-earlier-than constraints, on the standard calendar with ten holidays a year.
//! Links only run from earlier to later tasks, so the network never has a loop.

use jiff::civil::{Date, DateTime, date};

use crate::model::{
    CalendarException, Constraint, Duration, Lag, Link, LinkType, Plan, Task, TaskId,
};

/// A small, fast, seeded pseudo-random generator (SplitMix64): the same seed gives the same plan
/// on every machine, with no dependency.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for this seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        // Multiply-shift: uniform enough for test data, and never divides.
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// `true` with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Shape of a generated network.
#[derive(Clone, Debug)]
pub struct NetworkShape {
    /// Number of tasks, summaries included.
    pub tasks: usize,
    /// Average links per leaf task.
    pub links_per_task: f64,
    /// Tasks per phase (one summary task heads each phase); 0 for a flat list.
    pub phase_size: usize,
    /// Include lags, leads, SS/FF/SF links and constraints (off: plain finish-to-start).
    pub mixed: bool,
    /// Seed.
    pub seed: u64,
}

impl NetworkShape {
    /// The benchmark's shape: about 2.5 links per task, phases of 20, everything mixed.
    pub fn benchmark(tasks: usize, seed: u64) -> NetworkShape {
        NetworkShape {
            tasks,
            links_per_task: 2.5,
            phase_size: 20,
            mixed: true,
            seed,
        }
    }
}

/// A random plan of the given shape, starting Monday 2026-01-05.
pub fn random_plan(shape: &NetworkShape) -> Plan {
    let mut random = SplitMix64::new(shape.seed);
    let start: DateTime = date(2026, 1, 5).at(8, 0, 0, 0);
    let mut plan = Plan::new(format!("Random network of {} tasks", shape.tasks), start);
    add_holidays(&mut plan.calendars[0].exceptions, 2026, 60);
    plan.tasks.reserve(shape.tasks);
    let mut leaves: Vec<TaskId> = Vec::with_capacity(shape.tasks);
    let mut phase: Option<TaskId> = None;
    for index in 0..shape.tasks {
        if shape.phase_size > 0 && index % shape.phase_size == 0 && index + 1 < shape.tasks {
            let mut summary = Task::new(
                format!("p{index}"),
                format!("Phase {}", index / shape.phase_size + 1),
            );
            summary.duration = Duration::working(0);
            phase = Some(plan.add_task(summary));
            continue;
        }
        let mut task = Task::new(format!("t{index}"), format!("Task {index}"));
        task.parent = phase;
        task.duration = if random.chance(5) {
            Duration::working(0)
        } else {
            Duration::working(60 * (4 + random.below(8 * 15) as i64))
        };
        if shape.mixed && random.chance(1) {
            let offset = random.below(400) as i64;
            let day = start
                .date()
                .checked_add(jiff::Span::new().days(offset))
                .unwrap_or(start.date());
            task.constraint = Constraint::StartNoEarlierThan(day.at(8, 0, 0, 0));
        }
        let id = plan.add_task(task);
        // Links from recent tasks: real plans are mostly local, with the odd long reach back.
        if !leaves.is_empty() {
            let wanted = poisson_like(&mut random, shape.links_per_task);
            let first_link = plan.links.len();
            for _ in 0..wanted {
                let window = (shape.tasks / 100).max(30);
                let reach = if random.chance(90) {
                    window.min(leaves.len())
                } else {
                    leaves.len()
                };
                let predecessor = leaves[leaves.len() - 1 - random.below(reach as u64) as usize];
                let (kind, lag) = if shape.mixed {
                    random_link(&mut random)
                } else {
                    (LinkType::FinishToStart, Lag::None)
                };
                // A task names each predecessor once, as in a plan file or MS Project.
                if plan.links[first_link..]
                    .iter()
                    .any(|link| link.predecessor == predecessor)
                {
                    continue;
                }
                plan.links.push(Link {
                    predecessor,
                    successor: id,
                    kind,
                    lag,
                });
            }
        }
        leaves.push(id);
    }
    // A summary with no children would be a zero-length leaf: give it one day of work.
    let is_summary = plan.summary_flags();
    for (task, summary) in plan.tasks.iter_mut().zip(is_summary) {
        if !summary && task.key.starts_with('p') {
            task.duration = Duration::working(480);
        }
    }
    plan
}

/// A count with the given mean, between 0 and twice the mean.
fn poisson_like(random: &mut SplitMix64, mean: f64) -> usize {
    let whole = mean.floor() as u64;
    let fraction = ((mean - mean.floor()) * 100.0) as u64;
    let base = random.below(2 * whole + 1) as usize;
    base + usize::from(random.chance(fraction))
}

fn random_link(random: &mut SplitMix64) -> (LinkType, Lag) {
    let kind = match random.below(100) {
        0..=79 => LinkType::FinishToStart,
        80..=89 => LinkType::StartToStart,
        90..=96 => LinkType::FinishToFinish,
        _ => LinkType::StartToFinish,
    };
    let lag = match random.below(100) {
        0..=69 => Lag::None,
        70..=86 => Lag::Working(480 * (1 + random.below(5) as i64)),
        87..=91 => Lag::Working(-240 * (1 + random.below(4) as i64)),
        92..=96 => Lag::Elapsed(1440 * (1 + random.below(3) as i64)),
        _ => Lag::Percent(25.0 * (1 + random.below(3)) as f64),
    };
    (kind, lag)
}

/// Ten fixed-date holidays a year (New Year, spring, summer and year-end breaks) for `years`.
fn add_holidays(exceptions: &mut Vec<CalendarException>, first_year: i16, years: i16) {
    const DAYS: [(i8, i8, &str); 10] = [
        (1, 1, "New Year's Day"),
        (1, 2, "New Year holiday"),
        (4, 3, "Spring holiday"),
        (5, 1, "Labour Day"),
        (5, 25, "Spring bank holiday"),
        (7, 14, "Summer holiday"),
        (8, 15, "Assumption"),
        (11, 11, "Armistice"),
        (12, 25, "Christmas Day"),
        (12, 26, "Boxing Day"),
    ];
    for year in first_year..first_year + years {
        for (month, day, name) in DAYS {
            let Ok(day) = Date::new(year, month, day) else {
                continue;
            };
            exceptions.push(CalendarException {
                name: name.to_string(),
                from: day,
                to: day,
                shifts: Vec::new(),
            });
        }
    }
}

/// Adds what real plans in progress carry to a generated plan: every constraint type (with dates
/// in the first 150 days), deadlines, progress (actual starts and finishes, percentages,
/// remaining durations), some elapsed durations, and optionally a status date `status_day` days
/// after the start. For tests that must hold whatever the mix.
pub fn add_constraints_and_progress(plan: &mut Plan, seed: u64, status_day: Option<u64>) {
    let mut random = SplitMix64::new(seed);
    let first_day = plan.start.date();
    let day = |offset: u64, hour: i8| {
        first_day
            .checked_add(jiff::Span::new().days(offset as i64))
            .unwrap_or(first_day)
            .at(hour, 0, 0, 0)
    };
    plan.status_date = status_day.map(|offset| day(offset, 17));
    let is_summary = plan.summary_flags();
    for (task, summary) in plan.tasks.iter_mut().zip(is_summary) {
        if summary {
            continue;
        }
        let date = day(random.below(150), if random.chance(50) { 8 } else { 17 });
        task.constraint = match random.below(12) {
            0 => Constraint::StartNoEarlierThan(date),
            1 => Constraint::StartNoLaterThan(date),
            2 => Constraint::FinishNoEarlierThan(date),
            3 => Constraint::FinishNoLaterThan(date),
            4 => Constraint::MustStartOn(date),
            5 => Constraint::MustFinishOn(date),
            6 => Constraint::AsLateAsPossible,
            _ => Constraint::AsSoonAsPossible,
        };
        if random.chance(10) {
            task.deadline = Some(day(random.below(150), 17));
        }
        if random.chance(15) {
            task.progress.actual_start = Some(day(random.below(60), 8));
            task.progress.percent_complete = random.below(101) as f64;
            if random.chance(30) {
                task.progress.actual_finish = Some(day(random.below(60) + 1, 17));
            } else if random.chance(30) {
                task.progress.remaining = Some(Duration::working(60 * random.below(40) as i64));
            }
        }
        if random.chance(5) {
            task.duration = Duration::elapsed(60 * random.below(100) as i64);
        }
    }
}

/// Three-point estimates on every leaf task of a generated plan (80% to 160% of its duration
/// around it, triangular and PERT alternately), a correlation group of one leaf in ten, and one
/// risk event per fifty tasks, each delaying a few tasks by one to ten days with a cost. For
/// benchmarks and tests of the risk simulation.
pub fn random_risk_model(plan: &Plan, seed: u64) -> crate::risk::RiskModel {
    use crate::risk::{
        CorrelationGroup, Delay, Distribution, Estimate, RiskEvent, RiskModel, ThreePoint,
    };
    let mut random = SplitMix64::new(seed ^ 0x5249_534B);
    let is_summary = plan.summary_flags();
    let leaves: Vec<TaskId> = plan
        .task_ids()
        .filter(|task| !is_summary[task.index()])
        .collect();
    let mut model = RiskModel::default();
    for (index, &task) in leaves.iter().enumerate() {
        let minutes = plan.task(task).duration.minutes;
        model.estimates.push(Estimate {
            task,
            duration: ThreePoint {
                min: minutes * 8 / 10,
                likely: minutes,
                max: minutes * 16 / 10,
                distribution: if index % 2 == 0 {
                    Distribution::Triangular
                } else {
                    Distribution::Pert
                },
            },
        });
    }
    model.correlations.push(CorrelationGroup {
        name: "same team".to_string(),
        tasks: leaves.iter().copied().step_by(10).collect(),
        coefficient: 0.5,
    });
    let day = plan.durations.minutes_per_day;
    for number in 0..(plan.tasks.len() / 50).max(1) {
        if leaves.is_empty() {
            break;
        }
        let tasks = (0..3)
            .map(|_| leaves[random.below(leaves.len() as u64) as usize])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        model.risks.push(RiskEvent {
            id: format!("risk-{number}"),
            name: format!("Risk {number}"),
            probability: (1 + random.below(40)) as f64 / 100.0,
            tasks,
            delay: Delay::Uncertain(ThreePoint {
                min: day,
                likely: 3 * day,
                max: 10 * day,
                distribution: Distribution::Pert,
            }),
            cost: (1 + random.below(20)) as f64 * 1000.0,
        });
    }
    model
}
