//! Schedule and cost risk: a Monte Carlo simulation over three-point estimates and risk events.
//!
//! A [`RiskModel`] says what is uncertain in a plan: the duration of tasks, as three-point
//! [`Estimate`]s (minimum, most likely, maximum; a triangular or a PERT distribution), and
//! [`RiskEvent`]s that happen with a probability and then add a delay (fixed or three-point) to
//! the tasks they affect, and a cost. [`simulate`] draws the durations and the risks again and
//! again, schedules the plan each time with the critical path engine ([`crate::cpm`], through a
//! [`DurationScheduler`] built once), and sums up what came out: percentiles of the finish date
//! and of the cost, the probability of finishing by a deadline, how often each task was critical
//! (its criticality index), which durations drive the finish (sensitivity, for a tornado chart)
//! and a histogram of finish dates.
//!
//! # Correlation
//! Estimates made by the same people, or tasks on the same technology, tend to run over together.
//! A [`CorrelationGroup`] models this with one common factor (a Gaussian copula): in each
//! iteration the group draws one standard normal `Z`, each task in it its own `E`, and the task's
//! duration is its distribution's quantile at `Φ(√ρ·Z + √(1−ρ)·E)`. Each task keeps exactly the
//! distribution its estimate gives, any two tasks of the group have normal scores correlated by
//! `ρ` (a rank correlation of `6/π·asin(ρ/2)`, within 0.02 of `ρ`), and it costs one extra
//! draw per group and iteration, with no matrix to factorise or to keep positive definite. A
//! user states one number per group, which is what people can estimate.
//!
//! # Reproducibility
//! Every iteration has its own random generator, seeded from the run's seed and the iteration's
//! number, and draws in a fixed order (correlation factors, estimates in order, risks in order).
//! Iterations may run on any number of threads in any order: the results are the same.
//!
//! # Cost
//! The plan has no cost fields of its own yet, so the cost of an iteration is computed from the
//! resources: a work resource costs its standard rate per hour of work, the work being the
//! assignment's units times the task's sampled duration (or the stated work, scaled by the
//! sampled duration over the planned one); a material or cost resource costs its rate times the
//! units, whatever the duration; every assignment adds the resource's cost per use; and every
//! risk that happens adds its cost impact. Overtime is not modelled.
//!
//! Tasks with progress keep their scheduled durations (what is done is a fact); their estimates
//! and risk delays are set aside and listed in [`Simulation::fixed_tasks`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use jiff::civil::DateTime;
use rayon::prelude::*;

use crate::calendar::WorkingCalendar;
use crate::cpm::{DurationScheduler, ScheduleFailure, ScheduleOptions};
use crate::generate::SplitMix64;
use crate::model::{Plan, ResourceKind, TaskId};
use crate::time::Instant;

/// The shape of a three-point estimate's distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// Triangular: the density rises linearly from the minimum to the most likely value and falls
    /// to the maximum. Heavier tails than PERT: the cautious choice.
    #[default]
    Triangular,
    /// PERT (a beta distribution with mean (min + 4·likely + max) / 6): most of the weight near
    /// the most likely value, as in the classic PERT method.
    Pert,
}

impl Distribution {
    /// The distribution a word names (see [`Distribution::code`]).
    pub fn from_code(code: &str) -> Option<Distribution> {
        [Distribution::Triangular, Distribution::Pert]
            .into_iter()
            .find(|distribution| distribution.code() == code)
    }

    /// The word used in plan files: `triangular`, `pert`.
    pub fn code(self) -> &'static str {
        match self {
            Distribution::Triangular => "triangular",
            Distribution::Pert => "pert",
        }
    }
}

/// A minimum, most likely and maximum value, in minutes (working minutes, or clock minutes for a
/// task in elapsed time), and the distribution between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreePoint {
    /// The least it can be.
    pub min: i64,
    /// The most likely value (the mode).
    pub likely: i64,
    /// The most it can be.
    pub max: i64,
    /// Triangular or PERT.
    pub distribution: Distribution,
}

impl ThreePoint {
    /// A value that is certain: min = likely = max.
    pub fn fixed(minutes: i64) -> ThreePoint {
        ThreePoint {
            min: minutes,
            likely: minutes,
            max: minutes,
            distribution: Distribution::Triangular,
        }
    }

    /// Whether min ≤ likely ≤ max and min ≥ 0.
    fn is_ordered(&self) -> bool {
        0 <= self.min && self.min <= self.likely && self.likely <= self.max
    }
}

/// A task's duration as a three-point estimate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// The task (a leaf task; summary tasks roll up).
    pub task: TaskId,
    /// Its duration.
    pub duration: ThreePoint,
}

/// The delay a risk event adds to each task it affects when it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// Always this many minutes (0: the risk only costs money).
    Fixed(i64),
    /// Drawn from a three-point estimate each time the risk happens (the same draw for every
    /// task it affects).
    Uncertain(ThreePoint),
}

/// Something that may happen and make tasks longer or the project dearer.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskEvent {
    /// Short unique id ("vendor-late").
    pub id: String,
    /// What people read.
    pub name: String,
    /// Probability that it happens in a run of the project, 0–1.
    pub probability: f64,
    /// The tasks whose duration it lengthens.
    pub tasks: Vec<TaskId>,
    /// How much it lengthens each of them.
    pub delay: Delay,
    /// What it costs when it happens (0 for none).
    pub cost: f64,
}

/// Tasks whose durations run over together (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationGroup {
    /// What ties them ("same vendor", "legacy code").
    pub name: String,
    /// The tasks; each must have an estimate, and belong to one group at most.
    pub tasks: Vec<TaskId>,
    /// The correlation `ρ` of the normal scores of any two of them, 0–1.
    pub coefficient: f64,
}

/// What is uncertain in a plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskModel {
    /// Three-point estimates, one per task at most.
    pub estimates: Vec<Estimate>,
    /// Risk events.
    pub risks: Vec<RiskEvent>,
    /// Groups of correlated estimates.
    pub correlations: Vec<CorrelationGroup>,
}

impl RiskModel {
    /// Whether there is nothing uncertain in it.
    pub fn is_empty(&self) -> bool {
        self.estimates.is_empty() && self.risks.is_empty()
    }
}

/// How to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulationOptions {
    /// Number of iterations (at least 1).
    pub iterations: usize,
    /// Seed: the same seed gives the same results, whatever the number of threads.
    pub seed: u64,
    /// Threads to run on; 0 for one per core.
    pub threads: usize,
    /// The date to finish by; the planned (deterministic) finish when `None`.
    pub deadline: Option<DateTime>,
    /// Number of bins of the finish-date histogram (at least 1).
    pub histogram_bins: usize,
    /// How each iteration is scheduled.
    pub schedule: ScheduleOptions,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            iterations: 10_000,
            seed: 1,
            threads: 0,
            deadline: None,
            histogram_bins: 20,
            schedule: ScheduleOptions::default(),
        }
    }
}

/// Why a simulation could not run. Each names the item at fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// A task id outside the plan.
    #[error("{item} names task #{} which does not exist", task.0)]
    UnknownTask {
        /// The estimate, risk or group that names it.
        item: String,
        /// The missing task.
        task: TaskId,
    },
    /// Not min ≤ likely ≤ max, or a negative value.
    #[error(
        "{item}: the three-point estimate must have 0 ≤ min ≤ likely ≤ max (min {min}, likely {likely}, max {max} minutes)"
    )]
    EstimateOutOfOrder {
        /// The estimate or risk at fault.
        item: String,
        /// Its minimum.
        min: i64,
        /// Its most likely value.
        likely: i64,
        /// Its maximum.
        max: i64,
    },
    /// A probability or a correlation outside 0–1 (or not a number).
    #[error("{item}: {what} must be between 0 and 1, not {value}")]
    OutOfRange {
        /// The risk or group at fault.
        item: String,
        /// "probability" or "correlation".
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// A delay below zero, or a cost that is not a number.
    #[error("{item}: {message}")]
    Invalid {
        /// The item at fault.
        item: String,
        /// What is wrong.
        message: String,
    },
    /// Two estimates for one task, or a task in two correlation groups.
    #[error("{item}: task \"{task_name}\" is given twice")]
    Duplicate {
        /// What is duplicated.
        item: String,
        /// The task's name.
        task_name: String,
    },
    /// An estimate or a risk delay on a summary task, whose dates roll up from its subtasks.
    #[error("{item}: \"{task_name}\" is a summary task; its duration rolls up from its subtasks")]
    SummaryTask {
        /// The estimate or risk.
        item: String,
        /// The summary task's name.
        task_name: String,
    },
    /// Zero iterations or histogram bins.
    #[error("{0}")]
    Options(String),
    /// The plan (or one iteration of it) cannot be scheduled.
    #[error(transparent)]
    Schedule(#[from] ScheduleFailure),
}

/// Percentiles and moments of the simulated finish date.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishStatistics {
    /// 10% of the iterations finish by this date.
    pub p10: Instant,
    /// The median finish.
    pub p50: Instant,
    /// 80% of the iterations finish by this date.
    pub p80: Instant,
    /// 90% of the iterations finish by this date.
    pub p90: Instant,
    /// The earliest finish drawn.
    pub min: Instant,
    /// The latest finish drawn.
    pub max: Instant,
    /// The finish at the mean project duration.
    pub mean: Instant,
    /// Mean project duration, in working minutes of the project calendar from the project start.
    pub mean_duration_minutes: f64,
    /// Standard deviation of the project duration, in working minutes of the project calendar.
    pub std_dev_minutes: f64,
}

/// Percentiles and moments of the simulated cost.
#[derive(Clone, Debug, PartialEq)]
pub struct CostStatistics {
    /// The cost with the planned durations and no risk.
    pub planned: f64,
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 80th percentile.
    pub p80: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub std_dev: f64,
}

/// How strongly a task's duration drives the project finish.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// The task.
    pub task: TaskId,
    /// Spearman rank correlation between the task's sampled duration (risk delays included) and
    /// the project finish, −1 to 1.
    pub correlation: f64,
}

/// One bar of the finish-date histogram: the finishes from `from` up to, not including, `to`
/// (the last bar includes its end); the bars span equal working time on the project calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramBin {
    /// Start of the bin.
    pub from: Instant,
    /// End of the bin.
    pub to: Instant,
    /// Iterations finishing in the bin.
    pub count: usize,
    /// Share of iterations finishing by the end of the bin (the S-curve), 0–1.
    pub cumulative: f64,
}

/// What a simulation found.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// Iterations run.
    pub iterations: usize,
    /// The seed used.
    pub seed: u64,
    /// The finish of the plan as scheduled, with its own durations and no risk.
    pub planned_finish: Instant,
    /// The simulated finish.
    pub finish: FinishStatistics,
    /// The deadline the probability is measured against (the given one, else the planned finish).
    pub deadline: Instant,
    /// Share of iterations finishing by the deadline.
    pub deadline_probability: f64,
    /// The simulated cost, when the plan has costs (rates on assigned resources or risk costs).
    pub cost: Option<CostStatistics>,
    /// Criticality index of each task (indexed by [`TaskId`]): the share of iterations in which
    /// it was critical.
    pub criticality: Vec<f64>,
    /// Every task whose duration varied, most sensitive first (by absolute correlation).
    pub sensitivity: Vec<Sensitivity>,
    /// Histogram of finish dates.
    pub histogram: Vec<HistogramBin>,
    /// Tasks with progress whose estimate or risk delays were set aside.
    pub fixed_tasks: Vec<TaskId>,
}

/// A three-point distribution ready to be sampled by its quantile function.
#[derive(Clone, Debug)]
enum Sampler {
    Constant(f64),
    Triangular {
        min: f64,
        likely: f64,
        max: f64,
        /// Probability of falling below the most likely value.
        split: f64,
    },
    /// PERT: the quantile function as a table at equally spaced probabilities, shared by every
    /// estimate of the same shape (most plans state a few shapes many times, and a table per
    /// estimate would not stay in the cache).
    Table {
        min: f64,
        span: f64,
        quantiles: Arc<[f64]>,
    },
}

/// PERT quantile tables by shape (the bits of alpha and beta).
type TableCache = HashMap<(u64, u64), Arc<[f64]>>;

/// Points of a PERT quantile table (and intervals of the density integration behind it).
const PERT_TABLE: usize = 1024;

impl Sampler {
    fn new(estimate: &ThreePoint, tables: &mut TableCache) -> Sampler {
        let (min, likely, max) = (
            estimate.min as f64,
            estimate.likely as f64,
            estimate.max as f64,
        );
        if estimate.min == estimate.max {
            return Sampler::Constant(min);
        }
        match estimate.distribution {
            Distribution::Triangular => Sampler::Triangular {
                min,
                likely,
                max,
                split: (likely - min) / (max - min),
            },
            Distribution::Pert => {
                let span = max - min;
                let alpha = 1.0 + 4.0 * (likely - min) / span;
                let beta = 1.0 + 4.0 * (max - likely) / span;
                let quantiles = tables
                    .entry((alpha.to_bits(), beta.to_bits()))
                    .or_insert_with(|| beta_quantiles(alpha, beta).into())
                    .clone();
                Sampler::Table {
                    min,
                    span,
                    quantiles,
                }
            }
        }
    }

    /// The value at probability `u` (0 ≤ u < 1).
    fn quantile(&self, u: f64) -> f64 {
        match *self {
            Sampler::Constant(value) => value,
            Sampler::Triangular {
                min,
                likely,
                max,
                split,
            } => {
                if u < split {
                    min + (u * (max - min) * (likely - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - likely)).sqrt()
                }
            }
            Sampler::Table {
                min,
                span,
                ref quantiles,
            } => {
                let position = u * (quantiles.len() - 1) as f64;
                let index = (position as usize).min(quantiles.len() - 2);
                let fraction = position - index as f64;
                let x = quantiles[index] + fraction * (quantiles[index + 1] - quantiles[index]);
                min + span * x
            }
        }
    }

    /// A value drawn with `u`, in whole minutes (rounded half up: values are never negative, and
    /// this stays a few instructions where `f64::round` is a library call).
    fn minutes(&self, u: f64) -> i64 {
        (self.quantile(u) + 0.5) as i64
    }
}

/// The quantile function of Beta(alpha, beta) (both ≥ 1, so the density is bounded) at
/// `PERT_TABLE + 1` equally spaced probabilities, from the density integrated on a grid.
fn beta_quantiles(alpha: f64, beta: f64) -> Vec<f64> {
    let steps = PERT_TABLE * 4;
    let density = |x: f64| x.powf(alpha - 1.0) * (1.0 - x).powf(beta - 1.0);
    let mut cumulative = Vec::with_capacity(steps + 1);
    cumulative.push(0.0);
    let mut total = 0.0;
    let mut previous = density(0.0);
    for step in 1..=steps {
        let next = density(step as f64 / steps as f64);
        total += (previous + next) / 2.0;
        cumulative.push(total);
        previous = next;
    }
    let mut quantiles = Vec::with_capacity(PERT_TABLE + 1);
    let mut step = 0;
    for point in 0..=PERT_TABLE {
        let target = total * point as f64 / PERT_TABLE as f64;
        while step < steps && cumulative[step + 1] < target {
            step += 1;
        }
        let x = if step >= steps {
            1.0
        } else {
            let (low, high) = (cumulative[step], cumulative[step + 1]);
            let fraction = if high > low {
                ((target - low) / (high - low)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (step as f64 + fraction) / steps as f64
        };
        quantiles.push(x);
    }
    quantiles
}

/// The random generator of one iteration: the run's seed and the iteration's number mixed, so
/// that every iteration has its own stream whatever thread runs it.
fn iteration_random(seed: u64, iteration: u64) -> SplitMix64 {
    let mut mixer = SplitMix64::new(iteration ^ 0xD1B5_4A32_D192_ED03);
    let stream = mixer.next_u64();
    SplitMix64::new(seed ^ stream)
}

/// A number in `[0, 1)`.
fn uniform(random: &mut SplitMix64) -> f64 {
    (random.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal number (Box–Muller).
fn normal(random: &mut SplitMix64) -> f64 {
    let radius = (-2.0 * (1.0 - uniform(random)).ln()).sqrt();
    radius * (std::f64::consts::TAU * uniform(random)).cos()
}

/// The standard normal distribution function Φ, from the complementary error function
/// (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let tail = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    // tail = erfc(|x| / √2) = 2·Φ(−|x|).
    let lower = 0.5 * tail;
    if x >= 0.0 { 1.0 - lower } else { lower }
}

/// A task whose duration is drawn.
#[derive(Clone, Debug)]
struct Drawn {
    task: u32,
    sampler: Sampler,
    /// Index into the correlation groups, or `u32::MAX`.
    group: u32,
}

/// A risk ready to be drawn.
#[derive(Clone, Debug)]
struct DrawnRisk {
    probability: f64,
    delay: Sampler,
    /// Positions in the varying tasks (see `Prepared::varying`).
    tasks: Vec<u32>,
    cost: f64,
}

/// The model checked and turned into what the iterations need.
struct Prepared {
    estimates: Vec<Drawn>,
    risks: Vec<DrawnRisk>,
    /// Per group: √ρ and √(1−ρ).
    loadings: Vec<(f64, f64)>,
    /// Tasks whose duration can vary in an iteration, in task order.
    varying: Vec<u32>,
    /// Per varying task: the cost of one more minute of its duration.
    cost_per_minute: Vec<f64>,
    /// The cost with the planned durations, no risk.
    planned_cost: f64,
    has_costs: bool,
    fixed_tasks: Vec<TaskId>,
}

fn task_name(plan: &Plan, task: TaskId) -> String {
    plan.tasks
        .get(task.index())
        .map_or_else(|| format!("#{}", task.0), |task| task.name.clone())
}

fn check_task(plan: &Plan, item: &str, task: TaskId) -> Result<(), RiskError> {
    if task.index() >= plan.tasks.len() {
        return Err(RiskError::UnknownTask {
            item: item.to_string(),
            task,
        });
    }
    Ok(())
}

fn check_three_point(item: &str, estimate: &ThreePoint) -> Result<(), RiskError> {
    if estimate.is_ordered() {
        Ok(())
    } else {
        Err(RiskError::EstimateOutOfOrder {
            item: item.to_string(),
            min: estimate.min,
            likely: estimate.likely,
            max: estimate.max,
        })
    }
}

fn check_unit(item: &str, what: &'static str, value: f64) -> Result<(), RiskError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(RiskError::OutOfRange {
            item: item.to_string(),
            what,
            value,
        })
    }
}

/// Checks a risk model against a plan: every task exists and is a leaf, estimates are ordered,
/// probabilities and correlations lie in 0–1, no task is estimated twice or in two groups.
pub fn validate(plan: &Plan, model: &RiskModel) -> Result<(), RiskError> {
    let is_summary = plan.summary_flags();
    let mut estimated = vec![false; plan.tasks.len()];
    for estimate in &model.estimates {
        let item = format!("the estimate of task #{}", estimate.task.0);
        check_task(plan, &item, estimate.task)?;
        let name = task_name(plan, estimate.task);
        let item = format!("the estimate of \"{name}\"");
        check_three_point(&item, &estimate.duration)?;
        if is_summary[estimate.task.index()] {
            return Err(RiskError::SummaryTask {
                item,
                task_name: name,
            });
        }
        if std::mem::replace(&mut estimated[estimate.task.index()], true) {
            return Err(RiskError::Duplicate {
                item: "estimates".to_string(),
                task_name: name,
            });
        }
    }
    for risk in &model.risks {
        let item = format!("risk \"{}\"", risk.id);
        check_unit(&item, "probability", risk.probability)?;
        match risk.delay {
            Delay::Fixed(minutes) if minutes < 0 => {
                return Err(RiskError::Invalid {
                    item,
                    message: "the delay cannot be negative".to_string(),
                });
            }
            Delay::Fixed(_) => {}
            Delay::Uncertain(three_point) => check_three_point(&item, &three_point)?,
        }
        if !risk.cost.is_finite() {
            return Err(RiskError::Invalid {
                item,
                message: format!("the cost must be a number, not {}", risk.cost),
            });
        }
        for &task in &risk.tasks {
            check_task(plan, &item, task)?;
            if is_summary[task.index()] && risk.delay != Delay::Fixed(0) {
                return Err(RiskError::SummaryTask {
                    item,
                    task_name: task_name(plan, task),
                });
            }
        }
    }
    let mut grouped = vec![false; plan.tasks.len()];
    for group in &model.correlations {
        let item = format!("correlation group \"{}\"", group.name);
        check_unit(&item, "correlation", group.coefficient)?;
        for &task in &group.tasks {
            check_task(plan, &item, task)?;
            if !estimated[task.index()] {
                return Err(RiskError::Invalid {
                    item,
                    message: format!(
                        "\"{}\" has no three-point estimate to correlate",
                        task_name(plan, task)
                    ),
                });
            }
            if std::mem::replace(&mut grouped[task.index()], true) {
                return Err(RiskError::Duplicate {
                    item: "correlation groups".to_string(),
                    task_name: task_name(plan, task),
                });
            }
        }
    }
    Ok(())
}

fn prepare(plan: &Plan, model: &RiskModel, scheduler: &DurationScheduler<'_>) -> Prepared {
    let task_count = plan.tasks.len();
    let base = scheduler.durations();
    let mut group_of = vec![u32::MAX; task_count];
    for (index, group) in model.correlations.iter().enumerate() {
        for &task in &group.tasks {
            group_of[task.index()] = index as u32;
        }
    }
    let mut touched = vec![false; task_count];
    let mut fixed = vec![false; task_count];
    let mut mark = |task: TaskId, touched: &mut Vec<bool>| {
        if scheduler.is_variable(task) {
            touched[task.index()] = true;
        } else {
            fixed[task.index()] = true;
        }
    };
    for estimate in &model.estimates {
        mark(estimate.task, &mut touched);
    }
    for risk in &model.risks {
        if risk.delay != Delay::Fixed(0) {
            for &task in &risk.tasks {
                mark(task, &mut touched);
            }
        }
    }
    let mut tables = TableCache::new();
    let varying: Vec<u32> = (0..task_count as u32)
        .filter(|&task| touched[task as usize])
        .collect();
    let mut position = vec![u32::MAX; task_count];
    for (index, &task) in varying.iter().enumerate() {
        position[task as usize] = index as u32;
    }
    let estimates = model
        .estimates
        .iter()
        .filter(|estimate| touched[estimate.task.index()])
        .map(|estimate| Drawn {
            task: estimate.task.0,
            sampler: Sampler::new(&estimate.duration, &mut tables),
            group: group_of[estimate.task.index()],
        })
        .collect();
    let risks = model
        .risks
        .iter()
        .map(|risk| DrawnRisk {
            probability: risk.probability,
            delay: match risk.delay {
                Delay::Fixed(minutes) => Sampler::Constant(minutes as f64),
                Delay::Uncertain(three_point) => Sampler::new(&three_point, &mut tables),
            },
            tasks: risk
                .tasks
                .iter()
                .filter(|task| touched[task.index()])
                .map(|task| position[task.index()])
                .collect(),
            cost: risk.cost,
        })
        .collect();
    let loadings = model
        .correlations
        .iter()
        .map(|group| (group.coefficient.sqrt(), (1.0 - group.coefficient).sqrt()))
        .collect();
    // Cost: a fixed part and a part per minute of duration of each task (see the module docs).
    let mut planned_cost = 0.0;
    let mut has_costs = model.risks.iter().any(|risk| risk.cost != 0.0);
    let mut cost_per_minute = vec![0.0; varying.len()];
    for assignment in &plan.assignments {
        let Some(resource) = plan.resources.get(assignment.resource.index()) else {
            continue;
        };
        let task = assignment.task.index();
        let Some(&planned) = base.get(task) else {
            continue;
        };
        planned_cost += resource.cost_per_use;
        let per_minute = match resource.kind {
            ResourceKind::Work => match assignment.work {
                Some(work) if planned > 0 => {
                    resource.standard_rate / 60.0 * work as f64 / planned as f64
                }
                Some(work) => {
                    planned_cost += resource.standard_rate / 60.0 * work as f64;
                    0.0
                }
                None => resource.standard_rate / 60.0 * assignment.units,
            },
            ResourceKind::Material | ResourceKind::Cost => {
                planned_cost += resource.standard_rate * assignment.units;
                0.0
            }
        };
        planned_cost += per_minute * planned as f64;
        if let Some(slot) = cost_per_minute.get_mut(position[task] as usize) {
            *slot += per_minute;
        }
        has_costs |= resource.cost_per_use != 0.0 || resource.standard_rate != 0.0;
    }
    Prepared {
        estimates,
        risks,
        loadings,
        varying,
        cost_per_minute,
        planned_cost,
        has_costs,
        fixed_tasks: (0..task_count as u32)
            .filter(|&task| fixed[task as usize])
            .map(TaskId)
            .collect(),
    }
}

/// Iterations per parallel job: enough to pay for the job, few enough to balance two cores.
const CHUNK: usize = 64;

/// What a chunk of iterations gives back.
struct ChunkResult {
    finishes: Vec<i64>,
    costs: Vec<f64>,
    /// `varying.len()` durations per iteration.
    samples: Vec<i64>,
    critical_counts: Vec<u32>,
}

/// Runs the Monte Carlo simulation of `plan` under `model` (see the module documentation).
pub fn simulate(
    plan: &Plan,
    model: &RiskModel,
    options: &SimulationOptions,
) -> Result<Simulation, RiskError> {
    if options.iterations == 0 {
        return Err(RiskError::Options(
            "the number of iterations must be at least 1".to_string(),
        ));
    }
    if options.histogram_bins == 0 {
        return Err(RiskError::Options(
            "the histogram needs at least one bin".to_string(),
        ));
    }
    validate(plan, model)?;
    let scheduler = DurationScheduler::new(plan, &options.schedule)?;
    let prepared = prepare(plan, model, &scheduler);
    let run = || run_iterations(plan, &scheduler, &prepared, options);
    let chunks = if options.threads == 0 {
        run()
    } else {
        match rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads)
            .build()
        {
            Ok(pool) => pool.install(run),
            Err(error) => {
                return Err(RiskError::Options(format!(
                    "cannot start {} threads: {error}",
                    options.threads
                )));
            }
        }
    }?;
    summarise(plan, &prepared, options, chunks)
}

fn run_iterations(
    plan: &Plan,
    scheduler: &DurationScheduler<'_>,
    prepared: &Prepared,
    options: &SimulationOptions,
) -> Result<Vec<ChunkResult>, RiskError> {
    let iterations = options.iterations;
    let task_count = plan.tasks.len();
    let width = prepared.varying.len();
    let chunk_count = iterations.div_ceil(CHUNK);
    (0..chunk_count)
        .into_par_iter()
        .map_init(
            || {
                (
                    scheduler.clone(),
                    scheduler.durations().to_vec(),
                    vec![0.0; prepared.loadings.len()],
                )
            },
            |(scheduler, durations, factors), chunk| {
                let first = chunk * CHUNK;
                let last = (first + CHUNK).min(iterations);
                let mut result = ChunkResult {
                    finishes: Vec::with_capacity(last - first),
                    costs: Vec::with_capacity(last - first),
                    samples: Vec::with_capacity((last - first) * width),
                    critical_counts: vec![0; task_count],
                };
                for iteration in first..last {
                    let mut random = iteration_random(options.seed, iteration as u64);
                    durations.copy_from_slice(scheduler.durations());
                    for factor in factors.iter_mut() {
                        *factor = normal(&mut random);
                    }
                    for drawn in &prepared.estimates {
                        let u = match prepared.loadings.get(drawn.group as usize) {
                            Some(&(common, own)) => normal_cdf(
                                common * factors[drawn.group as usize] + own * normal(&mut random),
                            )
                            .min(1.0 - f64::EPSILON),
                            None => uniform(&mut random),
                        };
                        durations[drawn.task as usize] = drawn.sampler.minutes(u);
                    }
                    let mut cost = prepared.planned_cost;
                    for risk in &prepared.risks {
                        // Both numbers are drawn whether or not the risk happens, so that
                        // one risk's outcome does not shift the draws of the next.
                        let happens = uniform(&mut random) < risk.probability;
                        let delay = risk.delay.minutes(uniform(&mut random));
                        if happens {
                            for &position in &risk.tasks {
                                durations[prepared.varying[position as usize] as usize] += delay;
                            }
                            cost += risk.cost;
                        }
                    }
                    for (position, &task) in prepared.varying.iter().enumerate() {
                        let task = task as usize;
                        let change = durations[task] - scheduler.durations()[task];
                        cost += prepared.cost_per_minute[position] * change as f64;
                        result.samples.push(durations[task]);
                    }
                    let finish = scheduler.schedule(durations)?;
                    for (count, &critical) in
                        result.critical_counts.iter_mut().zip(scheduler.critical())
                    {
                        *count += u32::from(critical);
                    }
                    result.finishes.push(finish.0);
                    result.costs.push(cost);
                }
                Ok(result)
            },
        )
        .collect()
}

/// The value at percentile `percent` of sorted values (nearest rank).
fn percentile<T: Copy>(sorted: &[T], percent: usize) -> T {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn mean_and_std_dev(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let count = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / count;
    let variance = values.map(|value| (value - mean).powi(2)).sum::<f64>() / count;
    (mean, variance.sqrt())
}

/// Average ranks (1-based, ties sharing the mean of their ranks) of `values` into `ranks`.
fn average_ranks(values: &[i64], ranks: &mut Vec<f64>) {
    let count = values.len();
    ranks.clear();
    ranks.resize(count, 0.0);
    let (Some(&low), Some(&high)) = (values.iter().min(), values.iter().max()) else {
        return;
    };
    let range = (high - low) as usize;
    if range <= 4 * count + 1024 {
        // Counting: durations are whole minutes in a narrow range, so this beats a sort.
        let mut below = vec![0u32; range + 2];
        for &value in values {
            below[(value - low) as usize + 1] += 1;
        }
        let tallies = below.clone();
        for index in 1..below.len() {
            below[index] += below[index - 1];
        }
        for (rank, &value) in ranks.iter_mut().zip(values) {
            let slot = (value - low) as usize;
            *rank = f64::from(below[slot]) + (f64::from(tallies[slot + 1]) + 1.0) / 2.0;
        }
    } else {
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_by_key(|&index| values[index as usize]);
        let mut start = 0;
        while start < count {
            let value = values[order[start] as usize];
            let mut end = start;
            while end < count && values[order[end] as usize] == value {
                end += 1;
            }
            let rank = (start + end + 1) as f64 / 2.0;
            for &index in &order[start..end] {
                ranks[index as usize] = rank;
            }
            start = end;
        }
    }
}

/// Pearson correlation of two equally long series; `None` when one is constant.
fn correlation(first: &[f64], second: &[f64]) -> Option<f64> {
    let count = first.len() as f64;
    let (mean_first, mean_second) = (
        first.iter().sum::<f64>() / count,
        second.iter().sum::<f64>() / count,
    );
    let (mut covariance, mut variance_first, mut variance_second) = (0.0, 0.0, 0.0);
    for (&a, &b) in first.iter().zip(second) {
        let (da, db) = (a - mean_first, b - mean_second);
        covariance += da * db;
        variance_first += da * da;
        variance_second += db * db;
    }
    (variance_first > 0.0 && variance_second > 0.0)
        .then(|| covariance / (variance_first * variance_second).sqrt())
}

fn summarise(
    plan: &Plan,
    prepared: &Prepared,
    options: &SimulationOptions,
    chunks: Vec<ChunkResult>,
) -> Result<Simulation, RiskError> {
    let iterations = options.iterations;
    let task_count = plan.tasks.len();
    let width = prepared.varying.len();
    let mut finishes = Vec::with_capacity(iterations);
    let mut costs = Vec::with_capacity(iterations);
    let mut samples = Vec::with_capacity(iterations * width);
    let mut critical_counts = vec![0u64; task_count];
    for chunk in chunks {
        finishes.extend_from_slice(&chunk.finishes);
        costs.extend_from_slice(&chunk.costs);
        samples.extend_from_slice(&chunk.samples);
        for (total, count) in critical_counts.iter_mut().zip(chunk.critical_counts) {
            *total += u64::from(count);
        }
    }
    let planned_finish = crate::cpm::schedule(plan, &options.schedule)?.project_finish;
    let calendar = WorkingCalendar::build(&plan.calendars, plan.calendar)
        .map_err(|error| ScheduleFailure::calendar(error.to_string()))?;
    let start_count = calendar.work_before(Instant::from_civil(plan.start));
    let (mean_duration, std_dev) = mean_and_std_dev(
        finishes
            .iter()
            .map(|&finish| (calendar.work_before(Instant(finish)) - start_count) as f64),
    );
    let mean = calendar
        .finish_at(start_count + mean_duration.round() as i64)
        .map_err(|error| ScheduleFailure::calendar(error.to_string()))?;
    let mut sorted = finishes.clone();
    sorted.sort_unstable();
    let sorted_counts: Vec<i64> = sorted
        .iter()
        .map(|&finish| calendar.work_before(Instant(finish)))
        .collect();
    let at = |percent| Instant(percentile(&sorted, percent));
    let finish = FinishStatistics {
        p10: at(10),
        p50: at(50),
        p80: at(80),
        p90: at(90),
        min: Instant(sorted[0]),
        max: Instant(sorted[sorted.len() - 1]),
        mean,
        mean_duration_minutes: mean_duration,
        std_dev_minutes: std_dev,
    };
    let deadline = options.deadline.map_or(planned_finish, Instant::from_civil);
    let on_time = sorted.partition_point(|&finish| finish <= deadline.0);
    let cost = prepared.has_costs.then(|| {
        let mut sorted_costs = costs.clone();
        sorted_costs.sort_unstable_by(f64::total_cmp);
        let (mean, std_dev) = mean_and_std_dev(costs.iter().copied());
        CostStatistics {
            planned: prepared.planned_cost,
            p10: percentile(&sorted_costs, 10),
            p50: percentile(&sorted_costs, 50),
            p80: percentile(&sorted_costs, 80),
            p90: percentile(&sorted_costs, 90),
            mean,
            std_dev,
        }
    });
    // Sensitivity: Spearman's rank correlation of each varying task's duration with the finish.
    let mut finish_ranks = Vec::new();
    average_ranks(&finishes, &mut finish_ranks);
    let mut sensitivity: Vec<Sensitivity> = (0..width)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(column, ranks), position| {
                column.clear();
                column.extend(samples.iter().skip(position).step_by(width.max(1)));
                average_ranks(column, ranks);
                correlation(ranks, &finish_ranks).map(|correlation| Sensitivity {
                    task: TaskId(prepared.varying[position]),
                    correlation,
                })
            },
        )
        .flatten()
        .collect();
    sensitivity.sort_by(|a, b| {
        b.correlation
            .abs()
            .total_cmp(&a.correlation.abs())
            .then(a.task.cmp(&b.task))
    });
    Ok(Simulation {
        iterations,
        seed: options.seed,
        planned_finish,
        finish,
        deadline,
        deadline_probability: on_time as f64 / iterations as f64,
        cost,
        criticality: critical_counts
            .iter()
            .map(|&count| count as f64 / iterations as f64)
            .collect(),
        sensitivity,
        histogram: histogram(&sorted, &sorted_counts, options.histogram_bins, |count| {
            calendar.finish_at(count).ok()
        }),
        fixed_tasks: prepared.fixed_tasks.clone(),
    })
}

/// Equal-width bins of working time over the sorted finishes (one bin when they are all equal):
/// `counts` are the finishes as working-minute counts of the project calendar, so that nights
/// and weekends, where no task finishes, take no room; `instant_of` turns a bin edge back into a
/// date.
fn histogram(
    sorted: &[i64],
    counts: &[i64],
    bins: usize,
    instant_of: impl Fn(i64) -> Option<Instant>,
) -> Vec<HistogramBin> {
    let (low, high) = (counts[0], counts[counts.len() - 1]);
    let bins = if low == high { 1 } else { bins };
    let width = ((high - low) as f64 / bins as f64).max(1.0);
    let edge = |bin: usize| low + (width * bin as f64).round() as i64;
    let mut result = Vec::with_capacity(bins);
    let mut taken = 0;
    let mut from = Instant(sorted[0]);
    for bin in 0..bins {
        let last = bin + 1 == bins;
        let (end, to) = if last {
            (counts.len(), Instant(sorted[sorted.len() - 1]))
        } else {
            let end = counts.partition_point(|&count| count < edge(bin + 1));
            let to = instant_of(edge(bin + 1)).unwrap_or(Instant(sorted[sorted.len() - 1]));
            (end, to)
        };
        result.push(HistogramBin {
            from,
            to,
            count: end - taken,
            cumulative: end as f64 / counts.len() as f64,
        });
        taken = end;
        from = to;
    }
    result
}

impl fmt::Display for Distribution {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_known_values() {
        for (x, expected) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746),
            (-1.96, 0.024_997_895),
            (2.5, 0.993_790_335),
        ] {
            assert!((normal_cdf(x) - expected).abs() < 1e-6, "Φ({x})");
        }
    }

    #[test]
    fn pert_table_has_the_pert_mean() {
        // Mean of PERT(0, 2, 10) is (0 + 8 + 10) / 6 = 3.
        let sampler = Sampler::new(
            &ThreePoint {
                min: 0,
                likely: 2,
                max: 10,
                distribution: Distribution::Pert,
            },
            &mut TableCache::new(),
        );
        let points = 100_000;
        let mean = (0..points)
            .map(|index| sampler.quantile((index as f64 + 0.5) / points as f64))
            .sum::<f64>()
            / points as f64;
        assert!((mean - 3.0).abs() < 0.01, "mean {mean}");
    }

    #[test]
    fn average_ranks_share_ties_either_way() {
        let values = [5, 1, 5, 3];
        let mut counted = Vec::new();
        average_ranks(&values, &mut counted);
        assert_eq!(counted, vec![3.5, 1.0, 3.5, 2.0]);
        let spread = [5_000_000, 1, 5_000_000, 3];
        let mut sorted = Vec::new();
        average_ranks(&spread, &mut sorted);
        assert_eq!(sorted, vec![3.5, 1.0, 3.5, 2.0]);
    }
}
