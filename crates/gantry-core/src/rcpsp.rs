//! The resource-constrained project scheduling problem (RCPSP) and a solver that minimises the
//! makespan: the core that resource leveling builds on, measured on the PSPLIB benchmark.
//!
//! An [`Instance`] is a set of jobs with integer durations, finish-to-start successors (no lags)
//! and per-period demands on renewable resources of constant capacity. A job of duration `d`
//! started at `t` occupies periods `t .. t + d`.
//!
//! [`solve`] searches activity lists (precedence-feasible orders of the jobs) decoded by the
//! serial schedule generation scheme (SGS) into active schedules:
//!
//! 1. **Initial lists** from priority rules ([`PriorityRule`]: latest finish and latest start time,
//!    most total successors, greatest rank positional weight) and regret-based biased random
//!    sampling on latest finish times.
//! 2. **Forward–backward improvement** (double justification, after Valls, Ballestín and
//!    Quintanilla 2005): every schedule is scheduled again from the right with the jobs in
//!    decreasing order of finish, then from the left in increasing order of the new starts; this
//!    never lengthens a schedule and often shortens it. Jobs that finish (or start) together
//!    are taken in one of five orders drawn for each pass, so that the same list can justify
//!    into different schedules.
//! 3. **A genetic algorithm** on activity lists (after Hartmann 1998 and the hybrid of Valls et
//!    al. 2008): tournament parents, peak crossover (the mother's most heavily loaded window
//!    kept, the father's order elsewhere) or two-point crossover, precedence-preserving shift
//!    mutation, each child justified, the best distinct individuals survive (the newest first
//!    among equal makespans); the population is renewed around the best schedule when the search
//!    stalls.
//!
//! The budget is a number of schedules (every SGS pass counts, those of the justification too) or
//! a wall-clock limit (the search stops a little before it, to stay within it). With a schedule
//! budget the result is a deterministic function of the instance and the seed. [`verify`] checks
//! a schedule independently of the solver, and [`Instance::critical_path_length`] is the classic
//! lower bound (LB0) deviations are measured against.
//!
//! This module is pure: no IO; the wall-clock limit is the only thing it reads from outside.

use std::time::{Duration, Instant};

use crate::generate::SplitMix64;

/// Why jobs, demands, successors and capacities do not make an instance. Jobs and resources are
/// numbered from 0.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    /// The per-job vectors do not have one entry per job.
    #[error("{durations} durations but {demands} demand rows and {successors} successor lists")]
    JobCountMismatch {
        /// Number of durations.
        durations: usize,
        /// Number of demand rows.
        demands: usize,
        /// Number of successor lists.
        successors: usize,
    },
    /// A demand row does not have one entry per resource.
    #[error("job {job} has {found} demands but there are {expected} resources")]
    DemandCount {
        /// The job.
        job: usize,
        /// Demands given.
        found: usize,
        /// Number of resources.
        expected: usize,
    },
    /// A job needs more of a resource than there ever is: no schedule exists.
    #[error("job {job} needs {demand} units of resource {resource}, which has {capacity}")]
    DemandOverCapacity {
        /// The job.
        job: usize,
        /// The resource.
        resource: usize,
        /// Units the job needs per period.
        demand: u32,
        /// Units the resource has per period.
        capacity: u32,
    },
    /// A successor that is not a job of the instance.
    #[error("job {job} has successor {successor}, which is not a job")]
    UnknownSuccessor {
        /// The job.
        job: usize,
        /// The successor named.
        successor: usize,
    },
    /// The precedence relations have a loop.
    #[error("the precedence relations have a loop through job {job}")]
    Loop {
        /// A job on or behind the loop.
        job: usize,
    },
    /// A capacity larger than the solver handles.
    #[error("resource {resource} has a capacity above {limit}")]
    CapacityTooLarge {
        /// The resource.
        resource: usize,
        /// The largest capacity accepted.
        limit: u32,
    },
    /// The durations add up to more than the solver's time arrays hold.
    #[error("the durations add up to more than {limit} periods")]
    HorizonTooLong {
        /// The largest total duration accepted.
        limit: u32,
    },
}

/// The largest capacity of a resource: the solver packs capacities into 32-bit lanes whose top
/// bit it needs free.
const CAPACITY_LIMIT: u32 = (1 << 31) - 1;

/// The longest project (sum of all durations) an instance may have: the solver keeps an array of
/// remaining capacity per period and resource up to this horizon.
const HORIZON_LIMIT: u32 = 50_000_000;

/// An RCPSP instance: jobs with durations, resource demands and successors; resource capacities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    durations: Vec<u32>,
    capacities: Vec<u32>,
    /// `demands[job * resource_count + resource]`.
    demands: Vec<u32>,
    successor_offsets: Vec<u32>,
    successor_jobs: Vec<u32>,
    predecessor_offsets: Vec<u32>,
    predecessor_jobs: Vec<u32>,
    /// Jobs in an order where every job comes after its predecessors.
    topological_order: Vec<u32>,
}

/// Compressed adjacency: the neighbours of job `j` are `jobs[offsets[j]..offsets[j + 1]]`.
fn compress(lists: &[Vec<u32>]) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = Vec::with_capacity(lists.len() + 1);
    let mut jobs = Vec::new();
    offsets.push(0);
    for list in lists {
        jobs.extend_from_slice(list);
        offsets.push(jobs.len() as u32);
    }
    (offsets, jobs)
}

impl Instance {
    /// Builds an instance: per job its duration, its demand on each resource and its successors
    /// (job indexes); per resource its capacity. Duplicate successors are merged.
    pub fn new(
        durations: Vec<u32>,
        demands: Vec<Vec<u32>>,
        successors: Vec<Vec<usize>>,
        capacities: Vec<u32>,
    ) -> Result<Instance, InstanceError> {
        let job_count = durations.len();
        if demands.len() != job_count || successors.len() != job_count {
            return Err(InstanceError::JobCountMismatch {
                durations: job_count,
                demands: demands.len(),
                successors: successors.len(),
            });
        }
        let resource_count = capacities.len();
        if let Some(resource) = capacities.iter().position(|&c| c > CAPACITY_LIMIT) {
            return Err(InstanceError::CapacityTooLarge {
                resource,
                limit: CAPACITY_LIMIT,
            });
        }
        let mut flat_demands = Vec::with_capacity(job_count * resource_count);
        for (job, row) in demands.iter().enumerate() {
            if row.len() != resource_count {
                return Err(InstanceError::DemandCount {
                    job,
                    found: row.len(),
                    expected: resource_count,
                });
            }
            for (resource, (&demand, &capacity)) in row.iter().zip(&capacities).enumerate() {
                if demand > capacity {
                    return Err(InstanceError::DemandOverCapacity {
                        job,
                        resource,
                        demand,
                        capacity,
                    });
                }
            }
            flat_demands.extend_from_slice(row);
        }
        let total: u64 = durations.iter().map(|&d| u64::from(d)).sum();
        if total > u64::from(HORIZON_LIMIT) {
            return Err(InstanceError::HorizonTooLong {
                limit: HORIZON_LIMIT,
            });
        }
        let mut successor_lists: Vec<Vec<u32>> = Vec::with_capacity(job_count);
        let mut predecessor_lists: Vec<Vec<u32>> = vec![Vec::new(); job_count];
        for (job, list) in successors.iter().enumerate() {
            let mut list: Vec<u32> = Vec::with_capacity(list.len());
            for &successor in &successors[job] {
                if successor >= job_count {
                    return Err(InstanceError::UnknownSuccessor { job, successor });
                }
                list.push(successor as u32);
            }
            list.sort_unstable();
            list.dedup();
            for &successor in &list {
                predecessor_lists[successor as usize].push(job as u32);
            }
            successor_lists.push(list);
        }
        // Kahn's algorithm; jobs left with predecessors are on or behind a loop.
        let mut pending: Vec<u32> = predecessor_lists.iter().map(|l| l.len() as u32).collect();
        let mut topological_order: Vec<u32> = (0..job_count as u32)
            .filter(|&job| pending[job as usize] == 0)
            .collect();
        let mut next = 0;
        while next < topological_order.len() {
            let job = topological_order[next] as usize;
            next += 1;
            for &successor in &successor_lists[job] {
                pending[successor as usize] -= 1;
                if pending[successor as usize] == 0 {
                    topological_order.push(successor);
                }
            }
        }
        if let Some(job) = pending.iter().position(|&count| count > 0) {
            return Err(InstanceError::Loop { job });
        }
        let (successor_offsets, successor_jobs) = compress(&successor_lists);
        let (predecessor_offsets, predecessor_jobs) = compress(&predecessor_lists);
        Ok(Instance {
            durations,
            capacities,
            demands: flat_demands,
            successor_offsets,
            successor_jobs,
            predecessor_offsets,
            predecessor_jobs,
            topological_order,
        })
    }

    /// Number of jobs.
    pub fn job_count(&self) -> usize {
        self.durations.len()
    }

    /// Number of renewable resources.
    pub fn resource_count(&self) -> usize {
        self.capacities.len()
    }

    /// Duration of a job, in periods.
    pub fn duration(&self, job: usize) -> u32 {
        self.durations[job]
    }

    /// Units of a resource a job uses in each period it runs.
    pub fn demand(&self, job: usize, resource: usize) -> u32 {
        self.demands[job * self.capacities.len() + resource]
    }

    /// Units of a resource available in every period.
    pub fn capacity(&self, resource: usize) -> u32 {
        self.capacities[resource]
    }

    /// The jobs that may start only when this one has finished.
    pub fn successors(&self, job: usize) -> impl Iterator<Item = usize> + '_ {
        let range = self.successor_offsets[job] as usize..self.successor_offsets[job + 1] as usize;
        self.successor_jobs[range].iter().map(|&s| s as usize)
    }

    /// The jobs that must finish before this one starts.
    pub fn predecessors(&self, job: usize) -> impl Iterator<Item = usize> + '_ {
        let range =
            self.predecessor_offsets[job] as usize..self.predecessor_offsets[job + 1] as usize;
        self.predecessor_jobs[range].iter().map(|&p| p as usize)
    }

    /// Sum of all durations: no serial schedule is longer.
    pub fn total_duration(&self) -> u32 {
        self.durations.iter().sum()
    }

    /// Earliest starts ignoring resources (the forward pass of the critical path method).
    pub fn early_starts(&self) -> Vec<u32> {
        let mut early_start = vec![0u32; self.job_count()];
        for &job in &self.topological_order {
            let job = job as usize;
            let finish = early_start[job] + self.durations[job];
            for successor in self.successors(job) {
                early_start[successor] = early_start[successor].max(finish);
            }
        }
        early_start
    }

    /// Latest starts ignoring resources for a project that must finish by `deadline` (at least
    /// the critical path length).
    pub fn late_starts(&self, deadline: u32) -> Vec<u32> {
        let mut late_finish = vec![deadline; self.job_count()];
        let mut late_start = vec![0u32; self.job_count()];
        for &job in self.topological_order.iter().rev() {
            let job = job as usize;
            late_start[job] = late_finish[job].saturating_sub(self.durations[job]);
            for predecessor in self.predecessors(job) {
                late_finish[predecessor] = late_finish[predecessor].min(late_start[job]);
            }
        }
        late_start
    }

    /// The critical path length: the makespan with unlimited resources, the lower bound LB0
    /// that PSPLIB results are compared with.
    pub fn critical_path_length(&self) -> u32 {
        let early_start = self.early_starts();
        (0..self.job_count())
            .map(|job| early_start[job] + self.durations[job])
            .max()
            .unwrap_or(0)
    }

    /// The larger of the critical path length and, for each resource, its total work divided by
    /// its capacity (rounded up): no schedule is shorter.
    pub fn lower_bound(&self) -> u32 {
        let mut bound = self.critical_path_length();
        for resource in 0..self.resource_count() {
            let capacity = u64::from(self.capacities[resource]);
            if capacity == 0 {
                continue;
            }
            let work: u64 = (0..self.job_count())
                .map(|job| u64::from(self.durations[job]) * u64::from(self.demand(job, resource)))
                .sum();
            bound = bound.max(work.div_ceil(capacity) as u32);
        }
        bound
    }
}

/// Checks a schedule without any of the solver's code: one start per job, every successor
/// starts after its predecessor finishes, and in every period no resource is used beyond its
/// capacity. The message names the first violation found.
pub fn verify(instance: &Instance, starts: &[u32]) -> Result<(), String> {
    let job_count = instance.job_count();
    if starts.len() != job_count {
        return Err(format!("{} starts for {} jobs", starts.len(), job_count));
    }
    let mut horizon = 0u64;
    for job in 0..job_count {
        let finish = u64::from(starts[job]) + u64::from(instance.duration(job));
        horizon = horizon.max(finish);
        for successor in instance.successors(job) {
            if u64::from(starts[successor]) < finish {
                return Err(format!(
                    "job {successor} starts at {} before its predecessor {job} finishes at {finish}",
                    starts[successor]
                ));
            }
        }
    }
    // A difference array per resource: +demand where a job starts, -demand where it ends.
    let resource_count = instance.resource_count();
    let mut change = vec![0i64; (horizon as usize + 1) * resource_count];
    for (job, &start) in starts.iter().enumerate() {
        let start = start as usize;
        let finish = start + instance.duration(job) as usize;
        for resource in 0..resource_count {
            let demand = i64::from(instance.demand(job, resource));
            change[start * resource_count + resource] += demand;
            change[finish * resource_count + resource] -= demand;
        }
    }
    for resource in 0..resource_count {
        let capacity = i64::from(instance.capacity(resource));
        let mut usage = 0i64;
        for period in 0..horizon as usize {
            usage += change[period * resource_count + resource];
            if usage > capacity {
                return Err(format!(
                    "resource {resource} is used {usage} in period {period}, above its capacity {capacity}"
                ));
            }
        }
    }
    Ok(())
}

/// The makespan of a schedule: the latest finish of any job.
pub fn makespan(instance: &Instance, starts: &[u32]) -> u32 {
    starts
        .iter()
        .enumerate()
        .map(|(job, &start)| start + instance.duration(job))
        .max()
        .unwrap_or(0)
}

/// How the solver may spend its effort. The search stops at the first limit reached, or as soon
/// as a schedule meets the instance's lower bound. Without any limit it generates 5,000
/// schedules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolverOptions {
    /// Maximum number of schedules generated (every SGS pass counts).
    pub schedule_limit: Option<u64>,
    /// Maximum wall-clock time; results then depend on the machine's speed.
    pub time_limit: Option<Duration>,
    /// Seed of the random choices.
    pub seed: u64,
}

impl Default for SolverOptions {
    fn default() -> SolverOptions {
        SolverOptions {
            schedule_limit: None,
            time_limit: None,
            seed: 1,
        }
    }
}

/// The best schedule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    /// Start period of each job.
    pub starts: Vec<u32>,
    /// Latest finish of any job.
    pub makespan: u32,
    /// Schedules generated (SGS passes).
    pub schedules: u64,
    /// Whether the makespan equals [`Instance::lower_bound`], so it is proven optimal.
    pub optimal: bool,
}

/// Priority rules that order jobs for an initial activity list; the job with the smallest
/// priority value among those whose predecessors are all listed comes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityRule {
    /// Latest finish time (critical path method, deadline = critical path length).
    LatestFinish,
    /// Latest start time.
    LatestStart,
    /// Most total successors (direct and indirect) first.
    MostTotalSuccessors,
    /// Greatest rank positional weight (own duration plus the durations of all successors) first.
    GreatestRankPositionalWeight,
}

/// Priority values of a rule (smaller is scheduled first).
fn priority_values(instance: &Instance, rule: PriorityRule) -> Vec<i64> {
    let job_count = instance.job_count();
    match rule {
        PriorityRule::LatestFinish | PriorityRule::LatestStart => {
            let late_starts = instance.late_starts(instance.critical_path_length());
            (0..job_count)
                .map(|job| {
                    let late_start = i64::from(late_starts[job]);
                    if rule == PriorityRule::LatestFinish {
                        late_start + i64::from(instance.duration(job))
                    } else {
                        late_start
                    }
                })
                .collect()
        }
        PriorityRule::MostTotalSuccessors | PriorityRule::GreatestRankPositionalWeight => {
            // Sets of all successors as bit sets, built in reverse topological order.
            let words = job_count.div_ceil(64);
            let mut reach = vec![0u64; job_count * words];
            for &job in instance.topological_order.iter().rev() {
                let job = job as usize;
                for successor in instance.successors(job) {
                    reach[job * words + successor / 64] |= 1 << (successor % 64);
                    for word in 0..words {
                        let bits = reach[successor * words + word];
                        reach[job * words + word] |= bits;
                    }
                }
            }
            (0..job_count)
                .map(|job| {
                    let row = &reach[job * words..(job + 1) * words];
                    let value = if rule == PriorityRule::MostTotalSuccessors {
                        row.iter().map(|bits| i64::from(bits.count_ones())).sum()
                    } else {
                        let mut weight = i64::from(instance.duration(job));
                        for (word, &bits) in row.iter().enumerate() {
                            let mut bits = bits;
                            while bits != 0 {
                                let successor = word * 64 + bits.trailing_zeros() as usize;
                                weight += i64::from(instance.duration(successor));
                                bits &= bits - 1;
                            }
                        }
                        weight
                    };
                    -value
                })
                .collect()
        }
    }
}

/// A precedence-feasible activity list ordered by a priority rule (ties by job index).
pub fn priority_list(instance: &Instance, rule: PriorityRule) -> Vec<u32> {
    let values = priority_values(instance, rule);
    build_list(instance, |eligible| {
        let mut best = 0;
        for (index, &job) in eligible.iter().enumerate() {
            let current = eligible[best];
            if (values[job as usize], job) < (values[current as usize], current) {
                best = index;
            }
        }
        best
    })
}

/// An activity list by regret-based biased random sampling on priority values: among the
/// eligible jobs, one is drawn with probability proportional to `1 + regret`, where the regret
/// is how much worse the worst eligible job's value is than this one's.
fn regret_biased_list(instance: &Instance, values: &[i64], random: &mut SplitMix64) -> Vec<u32> {
    build_list(instance, |eligible| {
        let worst = eligible
            .iter()
            .map(|&job| values[job as usize])
            .max()
            .unwrap_or(0);
        let total: u64 = eligible
            .iter()
            .map(|&job| (worst - values[job as usize]) as u64 + 1)
            .sum();
        let mut draw = random.below(total);
        for (index, &job) in eligible.iter().enumerate() {
            let weight = (worst - values[job as usize]) as u64 + 1;
            if draw < weight {
                return index;
            }
            draw -= weight;
        }
        eligible.len() - 1
    })
}

/// Builds an activity list by repeatedly choosing (by position) one of the eligible jobs.
fn build_list(instance: &Instance, mut choose: impl FnMut(&[u32]) -> usize) -> Vec<u32> {
    let job_count = instance.job_count();
    let mut pending: Vec<u32> = (0..job_count)
        .map(|job| instance.predecessors(job).count() as u32)
        .collect();
    let mut eligible: Vec<u32> = (0..job_count as u32)
        .filter(|&job| pending[job as usize] == 0)
        .collect();
    let mut list = Vec::with_capacity(job_count);
    while !eligible.is_empty() {
        let index = choose(&eligible).min(eligible.len() - 1);
        let job = eligible.swap_remove(index);
        // Keep the eligible set in job order so that choices do not depend on removal history.
        eligible.sort_unstable();
        list.push(job);
        for successor in instance.successors(job as usize) {
            pending[successor] -= 1;
            if pending[successor] == 0 {
                let at = eligible.partition_point(|&e| (e as usize) < successor);
                eligible.insert(at, successor as u32);
            }
        }
    }
    list
}

/// Decodes activity lists into schedules with the serial SGS, forwards or backwards, on a
/// time-indexed profile of remaining capacity.
///
/// The profile packs the remaining capacity of several resources into one 64-bit word per period
/// (lanes of 16 bits, or 32 when a capacity needs them), so that testing whether a job fits in a
/// period is one subtraction per word: the profile keeps the top bit of every lane set (capacities
/// stay below it), so a lane keeps its top bit after subtracting the demand exactly when the
/// demand fits, and no lane borrows from its neighbour.
struct Decoder<'a> {
    instance: &'a Instance,
    /// Words per period (and per job's demand).
    words: usize,
    /// The top bit of every lane.
    lane_tops: u64,
    /// Full capacities, packed, with the top bit of every lane set.
    capacity_words: Vec<u64>,
    /// Demands of job `j`, packed: `demand_words[j * words..(j + 1) * words]`.
    demand_words: Vec<u64>,
    /// Whether a job needs any resource.
    demanding: Vec<bool>,
    /// `remaining[period * words..]`: capacity not yet used, packed, with the top bit of every
    /// lane set (booking only what fits never clears it). Between passes it holds the full
    /// capacities everywhere.
    remaining: Vec<u64>,
    finish: Vec<u32>,
    /// Counting-sort buckets of [`Decoder::sort_by_time`].
    bucket_starts: Vec<u32>,
    /// Working times of the justification passes.
    times: Vec<u32>,
    schedules: u64,
    /// Orders in which the justification passes take jobs that start (forwards) or finish
    /// (backwards) at the same time, as (forward order, backward order). Jobs of duration 0
    /// come first, in topological order forwards and in reverse topological order backwards;
    /// only they can tie with a predecessor (forwards) or a successor (backwards), so every
    /// order keeps a list precedence-feasible. The other jobs follow in topological order,
    /// or by their work (duration times their demand relative to the capacity, summed over the
    /// resources) from the largest or from the smallest, by duration from the longest, or by
    /// relative demand from the largest. Which jobs go first among those that tie decides which
    /// of them the pass moves furthest, so each order gives a different justified schedule
    /// from the same one: [`Search::evaluate`] draws one for each pass.
    tie_orders: Vec<(Vec<u32>, Vec<u32>)>,
}

/// An index into [`Decoder::tie_orders`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TieOrder(usize);

/// The number of [`Decoder::tie_orders`].
const TIE_ORDERS: usize = 5;

impl<'a> Decoder<'a> {
    fn new(instance: &'a Instance) -> Decoder<'a> {
        let resource_count = instance.resource_count();
        let largest = instance.capacities.iter().copied().max().unwrap_or(0);
        let lane_bits = if largest < 1 << 15 { 16 } else { 32 };
        let lanes = 64 / lane_bits;
        let words = resource_count.div_ceil(lanes).max(1);
        let mut lane_tops = 0u64;
        for lane in 0..lanes {
            lane_tops |= 1 << (lane * lane_bits + lane_bits - 1);
        }
        let pack = |values: &mut dyn Iterator<Item = u32>| {
            let mut packed = vec![0u64; words];
            for (resource, value) in values.enumerate() {
                packed[resource / lanes] |= u64::from(value) << ((resource % lanes) * lane_bits);
            }
            packed
        };
        let mut capacity_words = pack(&mut instance.capacities.iter().copied());
        // The top bits are set once here rather than before every test of a period.
        capacity_words
            .iter_mut()
            .for_each(|word| *word |= lane_tops);
        let mut demand_words = Vec::with_capacity(instance.job_count() * words);
        let mut demanding = Vec::with_capacity(instance.job_count());
        for job in 0..instance.job_count() {
            demand_words.extend(pack(
                &mut (0..resource_count).map(|resource| instance.demand(job, resource)),
            ));
            demanding.push((0..resource_count).any(|resource| instance.demand(job, resource) > 0));
        }
        let horizon = instance.total_duration() as usize + 1;
        let mut remaining = Vec::with_capacity(horizon * words);
        for _ in 0..horizon {
            remaining.extend_from_slice(&capacity_words);
        }
        let demand_share = |job: usize| -> f64 {
            (0..resource_count)
                .filter(|&resource| instance.capacity(resource) > 0)
                .map(|resource| {
                    f64::from(instance.demand(job, resource))
                        / f64::from(instance.capacity(resource))
                })
                .sum()
        };
        let tie_orders = (0..TIE_ORDERS)
            .map(|rule| {
                let key = |job: u32| -> f64 {
                    let job = job as usize;
                    let duration = f64::from(instance.durations[job]);
                    match rule {
                        1 => -demand_share(job) * duration,
                        2 => demand_share(job) * duration,
                        3 => -duration,
                        4 => -demand_share(job),
                        _ => 0.0,
                    }
                };
                let order = |topological: &mut dyn Iterator<Item = u32>| -> Vec<u32> {
                    let (mut order, mut others): (Vec<u32>, Vec<u32>) =
                        topological.partition(|&job| instance.durations[job as usize] == 0);
                    // A stable sort: equal keys stay in topological order.
                    others.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
                    order.extend(others);
                    order
                };
                (
                    order(&mut instance.topological_order.iter().copied()),
                    order(&mut instance.topological_order.iter().rev().copied()),
                )
            })
            .collect();
        Decoder {
            tie_orders,
            instance,
            words,
            lane_tops,
            capacity_words,
            demand_words,
            demanding,
            remaining,
            finish: vec![0; instance.job_count()],
            bucket_starts: Vec::new(),
            times: vec![0; instance.job_count()],
            schedules: 0,
        }
    }

    /// Serial SGS: each job of `list` in turn starts at the earliest period after its
    /// predecessors (successors when `backward`) where its demands fit for its whole duration.
    /// Writes the starts (in the pass's own time direction) and returns the makespan.
    fn serial(&mut self, list: &[u32], backward: bool, starts: &mut [u32]) -> u32 {
        self.schedules += 1;
        let instance = self.instance;
        let (offsets, neighbours) = if backward {
            (&instance.successor_offsets, &instance.successor_jobs)
        } else {
            (&instance.predecessor_offsets, &instance.predecessor_jobs)
        };
        let words = self.words;
        let lane_tops = self.lane_tops;
        let remaining = &mut self.remaining;
        let finish = &mut self.finish;
        let mut makespan = 0;
        for &job in list {
            let job = job as usize;
            let mut earliest = 0;
            for &other in &neighbours[offsets[job] as usize..offsets[job + 1] as usize] {
                earliest = earliest.max(finish[other as usize]);
            }
            let duration = instance.durations[job];
            let mut start = earliest;
            if duration > 0 && self.demanding[job] {
                let demand = &self.demand_words[job * words..(job + 1) * words];
                // The window is checked from its last period down: a conflict at period p rules
                // out every start up to p, so the candidate jumps to p + 1 without looking at
                // the periods below p, and the periods above p, already seen to fit, are not
                // checked again (`fitting` is the end of the periods known to fit).
                // (Testing four periods at once, one branch for four, was slower on j120.)
                let mut fitting = start;
                if words == 1 {
                    let demand = demand[0];
                    let mut period = start + duration;
                    while period > fitting {
                        period -= 1;
                        if (remaining[period as usize] - demand) & lane_tops != lane_tops {
                            fitting = start + duration;
                            start = period + 1;
                            period = start + duration;
                        }
                    }
                    for slot in &mut remaining[start as usize..(start + duration) as usize] {
                        *slot -= demand;
                    }
                } else {
                    let mut period = start + duration;
                    while period > fitting {
                        period -= 1;
                        let row =
                            &remaining[period as usize * words..(period as usize + 1) * words];
                        if row
                            .iter()
                            .zip(demand)
                            .any(|(&free, &needed)| (free - needed) & lane_tops != lane_tops)
                        {
                            fitting = start + duration;
                            start = period + 1;
                            period = start + duration;
                        }
                    }
                    let booked =
                        &mut remaining[start as usize * words..(start + duration) as usize * words];
                    for row in booked.chunks_exact_mut(words) {
                        for (free, &needed) in row.iter_mut().zip(demand) {
                            *free -= needed;
                        }
                    }
                }
            }
            starts[job] = start;
            finish[job] = start + duration;
            makespan = makespan.max(start + duration);
        }
        if words == 1 {
            remaining[..makespan as usize].fill(self.capacity_words[0]);
        } else {
            remaining[..makespan as usize * words]
                .chunks_exact_mut(words)
                .for_each(|row| row.copy_from_slice(&self.capacity_words));
        }
        makespan
    }

    /// Jobs sorted by a time per job (ascending), ties in the order of `ties` (one of
    /// [`Decoder::tie_orders`]), so the result is precedence-feasible whenever the times are
    /// those of a feasible schedule. A counting sort: times are below the horizon, and filling
    /// the buckets in the order of `ties` keeps ties in that order.
    fn sort_by_time(&mut self, times: &[u32], ties: TieOrder, backward: bool, list: &mut [u32]) {
        let latest = times.iter().copied().max().unwrap_or(0) as usize;
        let counts = &mut self.bucket_starts;
        counts.clear();
        counts.resize(latest + 2, 0);
        for &time in times {
            counts[time as usize + 1] += 1;
        }
        for index in 1..counts.len() {
            counts[index] += counts[index - 1];
        }
        let (forward_order, backward_order) = &self.tie_orders[ties.0];
        let order = if backward {
            backward_order
        } else {
            forward_order
        };
        for &job in order {
            let slot = &mut counts[times[job as usize] as usize];
            list[*slot as usize] = job;
            *slot += 1;
        }
    }

    /// Forward–backward improvement of a forward schedule (`starts`, `makespan`): right-justify
    /// in decreasing order of finish, then left-justify in increasing order of the new starts,
    /// if the budget allows. Updates `starts`, sets `list` to the jobs in order of the final
    /// starts, and returns the final makespan.
    ///
    /// One double justification per schedule: repeating it while the makespan shrinks spent
    /// schedules that did more good as further children of the genetic algorithm (on j120 at
    /// 50,000 schedules, 0.2 points of deviation from the lower bound). Repeating it only for a
    /// schedule better than the best so far made no difference (120 j120 instances at 50,000
    /// schedules, four seeds: 31.24% from the lower bound against 31.23%).
    ///
    /// The right-justification takes jobs that finish together in the order `backward_ties`,
    /// the left-justification (and the list returned) jobs that start together in the order
    /// `forward_ties`; see [`Decoder::tie_orders`].
    fn improve(
        &mut self,
        starts: &mut [u32],
        mut makespan: u32,
        list: &mut [u32],
        limit: u64,
        (backward_ties, forward_ties): (TieOrder, TieOrder),
    ) -> u32 {
        let mut times = std::mem::take(&mut self.times);
        let durations = &self.instance.durations;
        if self.schedules + 2 <= limit {
            // A job's time in the mirrored project (successors become predecessors) is the
            // makespan minus its finish.
            for job in 0..starts.len() {
                times[job] = makespan - (starts[job] + durations[job]);
            }
            self.sort_by_time(&times, backward_ties, true, list);
            let backward_makespan = self.serial(list, true, &mut times);
            // Back to real time: the right-justified start is the mirrored makespan minus the
            // mirrored finish.
            for job in 0..starts.len() {
                times[job] = backward_makespan - (times[job] + durations[job]);
            }
            self.sort_by_time(&times, forward_ties, false, list);
            makespan = self.serial(list, false, starts);
        }
        self.sort_by_time(starts, forward_ties, false, list);
        self.times = times;
        makespan
    }
}

/// One member of the population: an activity list (in order of its schedule's starts) and the
/// schedule it decodes to.
#[derive(Clone, Debug)]
struct Individual {
    list: Vec<u32>,
    starts: Vec<u32>,
    makespan: u32,
    /// A hash of the starts, to keep distinct schedules in the population.
    fingerprint: u64,
    /// Schedules generated when this individual was made: a larger number is a newer one.
    birth: u64,
}

fn fingerprint(starts: &[u32]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &start in starts {
        hash = (hash ^ u64::from(start)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

/// The search state shared by the phases of [`solve`].
struct Search<'a> {
    instance: &'a Instance,
    decoder: Decoder<'a>,
    random: SplitMix64,
    schedule_limit: u64,
    deadline: Option<Instant>,
    lower_bound: u32,
    best: Option<Individual>,
    /// Position of each job in the list being mutated.
    positions: Vec<u32>,
    taken: Vec<bool>,
    /// Per job, the sum over resources of its demand relative to the capacity.
    job_loads: Vec<f64>,
    /// Working load per period of [`Search::peak_crossover`].
    load: Vec<f64>,
}

impl<'a> Search<'a> {
    fn exhausted(&self) -> bool {
        self.decoder.schedules + 1 > self.schedule_limit
            || self
                .best
                .as_ref()
                .is_some_and(|best| best.makespan <= self.lower_bound)
            || self
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// Decodes a list, justifies the schedule and records it if it is the best so far.
    ///
    /// The forward decoding before the justification earns its schedule: decoding the reversed
    /// list backwards straight away and justifying that forwards (two passes a child instead
    /// of three) did much worse (120 j120 instances at 50,000 schedules: 31.97% and 32.11%
    /// from the lower bound against 31.26% and 31.21%, seeds 1 and 2).
    ///
    /// The order among jobs that tie in a justification pass is drawn for each pass from the
    /// [`Decoder::tie_orders`]: on the same 120 j120 instances at 50,000 schedules, 31.13%,
    /// 31.13%, 31.17% and 31.17% from the lower bound (seeds 1 to 4) against 31.26%, 31.21%,
    /// 31.28% and 31.18% with ties always in topological order; each fixed order alone was
    /// somewhere in between (31.06% to 31.23%).
    fn evaluate(&mut self, mut list: Vec<u32>) -> Individual {
        let job_count = self.instance.job_count();
        let mut starts = vec![0u32; job_count];
        let ties = (
            TieOrder(self.random.below(TIE_ORDERS as u64) as usize),
            TieOrder(self.random.below(TIE_ORDERS as u64) as usize),
        );
        let makespan = self.decoder.serial(&list, false, &mut starts);
        let makespan =
            self.decoder
                .improve(&mut starts, makespan, &mut list, self.schedule_limit, ties);
        let individual = Individual {
            fingerprint: fingerprint(&starts),
            list,
            starts,
            makespan,
            birth: self.decoder.schedules,
        };
        if self
            .best
            .as_ref()
            .is_none_or(|best| individual.makespan < best.makespan)
        {
            self.best = Some(individual.clone());
        }
        individual
    }

    /// Two-point crossover (Hartmann): the child takes the mother's list up to the first cut,
    /// the father's order of the jobs not yet taken up to the second, and the mother's order of
    /// the rest. Both parents are precedence-feasible, so the child is too.
    fn crossover(&mut self, mother: &[u32], father: &[u32]) -> Vec<u32> {
        let job_count = mother.len();
        let mut first = self.random.below(job_count as u64 + 1) as usize;
        let mut second = self.random.below(job_count as u64 + 1) as usize;
        if first > second {
            std::mem::swap(&mut first, &mut second);
        }
        self.taken.iter_mut().for_each(|taken| *taken = false);
        let mut child = Vec::with_capacity(job_count);
        for &job in &mother[..first] {
            child.push(job);
            self.taken[job as usize] = true;
        }
        for &job in father {
            if child.len() >= second {
                break;
            }
            if !self.taken[job as usize] {
                child.push(job);
                self.taken[job as usize] = true;
            }
        }
        for &job in mother {
            if !self.taken[job as usize] {
                child.push(job);
                self.taken[job as usize] = true;
            }
        }
        child
    }

    /// Peak crossover (after Valls, Ballestín and Quintanilla 2008): the child keeps the
    /// mother's order of the jobs she starts in her most heavily loaded window of a random
    /// length (her "peak", the part of her schedule that packs resources best), and takes the
    /// father's order for the jobs she starts before the window and for those after it.
    ///
    /// In the mother's schedule no job starts before a predecessor does, so the three groups
    /// (before, inside, after the window) never have a precedence pointing backwards, and each
    /// group is ordered by a precedence-feasible list: the child is precedence-feasible.
    fn peak_crossover(&mut self, mother: &Individual, father: &[u32]) -> Vec<u32> {
        let makespan = mother.makespan as usize;
        let job_count = father.len();
        if makespan < 2 {
            return father.to_vec();
        }
        // Load of every period: the sum over jobs running then of their demands relative to the
        // capacities, through a difference array.
        let load = &mut self.load;
        load.clear();
        load.resize(makespan + 1, 0.0);
        for job in 0..job_count {
            let start = mother.starts[job] as usize;
            let finish = start + self.instance.durations[job] as usize;
            load[start] += self.job_loads[job];
            load[finish] -= self.job_loads[job];
        }
        let mut running = 0.0;
        for value in load.iter_mut() {
            running += *value;
            *value = running;
        }
        // The window of the chosen length with the largest total load.
        // Windows of a tenth to two fifths of the makespan did best on j120 (wider ones leave
        // too little of the father, narrower ones too little of the peak).
        let length = makespan / 10 + self.random.below(makespan as u64 * 3 / 10 + 1) as usize;
        let length = length.clamp(1, makespan);
        let mut window: f64 = load[..length].iter().sum();
        let (mut best, mut first) = (window, 0);
        for begin in 1..=makespan - length {
            window += load[begin + length - 1] - load[begin - 1];
            if window > best {
                best = window;
                first = begin;
            }
        }
        let (first, last) = (first as u32, (first + length) as u32);
        let mut child = Vec::with_capacity(job_count);
        child.extend(
            father
                .iter()
                .filter(|&&job| mother.starts[job as usize] < first),
        );
        child.extend(
            mother
                .list
                .iter()
                .filter(|&&job| (first..last).contains(&mother.starts[job as usize])),
        );
        child.extend(
            father
                .iter()
                .filter(|&&job| mother.starts[job as usize] >= last),
        );
        child
    }

    /// Moves `moves` random jobs each to a random position between its last predecessor and its
    /// first successor, which keeps the list precedence-feasible.
    fn mutate(&mut self, list: &mut [u32], moves: usize) {
        let job_count = list.len();
        if job_count < 2 {
            return;
        }
        for _ in 0..moves {
            for (position, &job) in list.iter().enumerate() {
                self.positions[job as usize] = position as u32;
            }
            let from = self.random.below(job_count as u64) as usize;
            let job = list[from] as usize;
            let low = self
                .instance
                .predecessors(job)
                .map(|p| self.positions[p] as usize + 1)
                .max()
                .unwrap_or(0);
            let high = self
                .instance
                .successors(job)
                .map(|s| self.positions[s] as usize - 1)
                .min()
                .unwrap_or(job_count - 1);
            if high <= low {
                continue;
            }
            let to = low + self.random.below((high - low + 1) as u64) as usize;
            if to > from {
                list[from..=to].rotate_left(1);
            } else {
                list[to..=from].rotate_right(1);
            }
        }
    }

    /// Index of a parent chosen by a binary tournament in a population sorted best first.
    fn tournament(&mut self, size: usize) -> usize {
        let first = self.random.below(size as u64) as usize;
        let second = self.random.below(size as u64) as usize;
        first.min(second)
    }
}

/// Keeps the `size` best distinct individuals, best first.
fn select_survivors(population: &mut Vec<Individual>, size: usize) {
    // Among equal makespans the newest individuals go first, so that children equal to their
    // parents replace them and the population drifts across the plateaus of the makespan instead
    // of sitting on the oldest schedules (0.25 points on j120 at 50,000 schedules).
    population.sort_by_key(|individual| (individual.makespan, std::cmp::Reverse(individual.birth)));
    let mut kept: Vec<Individual> = Vec::with_capacity(size);
    let mut duplicates = Vec::new();
    // A set of the schedules kept, rather than a comparison with each of them: populations of
    // several hundred made that quadratic test a tenth of the time on j120 at one second.
    let mut seen = std::collections::HashSet::with_capacity(size);
    for individual in population.drain(..) {
        if kept.len() >= size {
            break;
        }
        if seen.insert((individual.makespan, individual.fingerprint)) {
            kept.push(individual);
        } else {
            duplicates.push(individual);
        }
    }
    // Too few distinct schedules: fill up with duplicates rather than shrink.
    for individual in duplicates {
        if kept.len() >= size {
            break;
        }
        kept.push(individual);
    }
    *population = kept;
}

/// The smallest population of the genetic algorithm (Hartmann's size for small budgets).
const MINIMUM_POPULATION: usize = 40;
/// The largest population.
const MAXIMUM_POPULATION: usize = 1_000;
/// Up to [`LINEAR_POPULATION_FROM`] schedules the population grows with the square root of the
/// budget: about 70 members for 5,000 schedules, 220 for 50,000. With peak crossover, smaller
/// populations than the 1.3 per root schedule tuned for two-point crossover alone did better on
/// j120 at 50,000 schedules; 1.0 keeps j30 at 5,000 schedules where it was.
const POPULATION_PER_ROOT_SCHEDULE: f64 = 1.0;
/// The budget (in schedules) from which the population grows in proportion to the budget
/// rather than with its square root, so that larger budgets run about as many generations as
/// this one: 536 members for 120,000 schedules (about what one second gives on j120), where the
/// square root would give 346. On all 600 j120 instances at 120,000 schedules, 30.53% and
/// 30.52% from the lower bound (seeds 1 and 2) against 30.71% and 30.57%; a fixed 1.5 or 2.0
/// members per root schedule did about as well there (30.55% and 30.53%, seed 1; 1.5: 30.54%,
/// seed 2), but not at 50,000 schedules (120 instances: 31.15% and 31.25% against 31.13%), nor
/// did a population growing with the budget to the power 0.7 from 5,000 schedules (31.27%).
const LINEAR_POPULATION_FROM: f64 = 50_000.0;

/// The population size for a budget in schedules (see [`POPULATION_PER_ROOT_SCHEDULE`] and
/// [`LINEAR_POPULATION_FROM`]), within [`MINIMUM_POPULATION`] and [`MAXIMUM_POPULATION`].
fn population_for_budget(schedules: u64) -> usize {
    let budget = schedules as f64;
    let size = if budget <= LINEAR_POPULATION_FROM {
        POPULATION_PER_ROOT_SCHEDULE * budget.sqrt()
    } else {
        POPULATION_PER_ROOT_SCHEDULE * budget / LINEAR_POPULATION_FROM.sqrt()
    };
    (size as usize).clamp(MINIMUM_POPULATION, MAXIMUM_POPULATION)
}

/// Share of the time limit kept in reserve (see [`solve`]).
const TIME_LIMIT_MARGIN: f64 = 0.05;
/// Share of children made by [`Search::peak_crossover`] (in percent); the others by two-point
/// crossover.
const PEAK_CROSSOVER_PERCENT: u64 = 80;
/// Generations without a better schedule before the population is renewed around the best.
const STALL_GENERATIONS: u32 = 30;
// Tried and left out: two populations, of left- and of right-justified schedules, each breeding
// children decoded in its direction for the other (after Debels and Vanhoucke's bi-population
// GA), one pass a child instead of three. At 50,000 schedules on 120 j120 instances it was no
// better (31.14% and 31.21% from the lower bound against 31.26% and 31.21%, with 2.4 members
// per root schedule and 45 stalled generations; worse with the sizes above), and the work of
// making a child, shared by one pass instead of three, made each schedule about 40% dearer.

// Tried and left out: decomposition (after Debels and Vanhoucke's DBGA, 2007). When the
// search stalled, a window of 30% to 50% of the best schedule's jobs (consecutive in its list,
// at a random position) was searched by a small genetic algorithm (30 members, 20 generations,
// the same operators confined to the window) with the jobs before the window fixed at their
// starts, booked once so that each child decoded only the jobs from the window on (partial
// passes counted as their share of the jobs); the best result was justified as a whole. On
// the 120 j120 instances at 50,000 schedules (seeds 1 and 2; 31.26% and 31.21% without it):
// decoding the window and the jobs after it, with the makespan as the goal, every 5th stalled
// generation 31.31% and 31.23%, every stalled generation 31.59% and 31.53%; the window alone,
// justified around the fixed jobs, with its own finish as the goal, 31.34% and 31.25% (its
// finish improved in most calls, the whole schedule in 1 of 64 on 10 instances: the jobs after
// the window overlap it in time and lose the room it gave up); windows at the end of the list
// 31.29% and 31.14% (the best improved in 2 of 66 calls); the window justified and the jobs
// after it decoded behind it, 31.30% and 31.22%. Children of a window cost a third to two
// thirds of a full child, but the best schedule, already justified, is a local optimum for
// every window, and the whole population's children did more with the schedules.
// Also left out (same instances and budget): breaking ties in makespan among survivors by the
// smallest sum of finishes (31.31%, 31.42%), the fewest jobs finishing last (31.39%, 31.25%)
// or the least load in the last tenth of the schedule (31.32%, 31.29%), all of which slow the
// drift across plateaus; renewal after 15 or 60 stalled generations (31.41%, 31.38%; 31.32%,
// 31.31%) or with at most n/8 shifts a copy (31.31%, 31.30%); a mutation in only half of the
// children (31.30%, 31.34%); two shifts a child (31.20%, 31.07%, 31.22%, 31.27% for seeds 1
// to 4 against 31.26%, 31.21%, 31.28%, 31.18%, but 31.23% and 31.12% with the tie orders of
// the justification against 31.13% and 31.13%); random permutations as the tie orders
// (31.22%, 31.17%). The serial SGS pass (`Decoder::serial`) takes 80% of the time (84% in a
// profile of j120 at 20,000 schedules; most of it in the search for the earliest start, whose
// branch on a conflict does not predict well).
// Also left out: skipping the justification of a child whose forward decoding is already far
// longer than the worst survivor. On 120 j120 instances at 50,000 schedules, 62% of children
// survive, and their forward makespans are close to the worst survivor's: 6% of all children
// decode more than 5% above it, but so do 3% of the survivors (and of the children that tie
// or beat the best), so the passes saved (at most 4%) would cost children that matter. The
// search for the earliest start written as `rposition` over the window instead of the loop by
// hand: no faster (2.0 s either way for 30 j120 instances at 20,000 schedules, one thread;
// 12% more instructions). At 120,000 schedules (120 j120 instances, seed 1): renewal after 20
// or 50 stalled generations (31.02%, 30.96% against 30.98%) or with up to n/8 or n/2 shifts a
// copy (30.97%, 30.94%), all within the noise; with the population of
// [`LINEAR_POPULATION_FROM`], 90% peak crossovers instead of 80% (all 600 instances: 30.52%
// and 30.54% against 30.53% and 30.52%, seeds 1 and 2) and renewal after 15 stalled
// generations (120 instances: 30.83% and 30.88% against 30.73% and 30.77%).

/// Minimises the makespan of an instance within the options' budget; the schedule returned
/// always satisfies precedence and capacities (and passes [`verify`]).
pub fn solve(instance: &Instance, options: &SolverOptions) -> Solution {
    let job_count = instance.job_count();
    let schedule_limit = match (options.schedule_limit, options.time_limit) {
        (Some(limit), _) => limit.max(1),
        (None, Some(_)) => u64::MAX,
        (None, None) => 5_000,
    };
    let started = Instant::now();
    // The search stops a little before the limit, so that the time to wrap up, and a thread
    // descheduled for a moment on a busy machine, still fit within it.
    let search_time = options
        .time_limit
        .map(|limit| limit.mul_f64(1.0 - TIME_LIMIT_MARGIN));
    let mut search = Search {
        instance,
        decoder: Decoder::new(instance),
        random: SplitMix64::new(options.seed ^ 0x005e_ed0f_6a47_7279),
        schedule_limit,
        deadline: search_time.map(|limit| started + limit),
        lower_bound: instance.lower_bound(),
        best: None,
        positions: vec![0; job_count],
        taken: vec![false; job_count],
        job_loads: (0..job_count)
            .map(|job| {
                (0..instance.resource_count())
                    .filter(|&resource| instance.capacity(resource) > 0)
                    .map(|resource| {
                        f64::from(instance.demand(job, resource))
                            / f64::from(instance.capacity(resource))
                    })
                    .sum()
            })
            .collect(),
        load: Vec::new(),
    };
    // The LFT list is always decoded, even on a budget of one schedule, so there is a result.
    let first = priority_list(instance, PriorityRule::LatestFinish);
    search.evaluate(first);
    let mut population_size = MINIMUM_POPULATION;
    let mut population: Vec<Individual> = Vec::with_capacity(population_size * 2);
    if let Some(best) = &search.best {
        population.push(best.clone());
    }
    for rule in [
        PriorityRule::LatestStart,
        PriorityRule::MostTotalSuccessors,
        PriorityRule::GreatestRankPositionalWeight,
    ] {
        if search.exhausted() {
            break;
        }
        let list = priority_list(instance, rule);
        population.push(search.evaluate(list));
    }
    let latest_finish = priority_values(instance, PriorityRule::LatestFinish);
    let mut sized = false;
    while population.len() < population_size && !search.exhausted() {
        let list = regret_biased_list(instance, &latest_finish, &mut search.random);
        population.push(search.evaluate(list));
        if !sized && population.len() == MINIMUM_POPULATION {
            // Larger budgets need larger populations to keep the search from converging early.
            // A time budget is turned into schedules at the rate seen so far.
            sized = true;
            let mut expected = schedule_limit;
            if let Some(limit) = search_time {
                let elapsed = started.elapsed().as_secs_f64().max(1e-6);
                let rate = search.decoder.schedules as f64 / elapsed;
                expected = expected.min((rate * limit.as_secs_f64()) as u64);
            }
            population_size =
                population_for_budget(expected).min(job_count.max(MINIMUM_POPULATION / 8) * 8);
        }
    }
    select_survivors(&mut population, population_size);
    let mut stalled_generations = 0;
    let mut best_makespan = search.best.as_ref().map_or(u32::MAX, |best| best.makespan);
    while !search.exhausted() && !population.is_empty() {
        let size = population.len();
        for _ in 0..size {
            if search.exhausted() {
                break;
            }
            let mother = search.tournament(size);
            let father = search.tournament(size);
            let mut child = if search.random.chance(PEAK_CROSSOVER_PERCENT) {
                search.peak_crossover(&population[mother], &population[father].list)
            } else if search.random.chance(50) {
                search.crossover(&population[mother].list, &population[father].list)
            } else {
                search.crossover(&population[father].list, &population[mother].list)
            };
            search.mutate(&mut child, 1);
            let child = search.evaluate(child);
            population.push(child);
        }
        select_survivors(&mut population, size);
        let makespan = search.best.as_ref().map_or(u32::MAX, |best| best.makespan);
        if makespan < best_makespan {
            best_makespan = makespan;
            stalled_generations = 0;
        } else {
            stalled_generations += 1;
        }
        if stalled_generations >= STALL_GENERATIONS {
            // Renew the population around the best schedule: heavily mutated copies of it
            // explore its neighbourhood instead of the converged population.
            stalled_generations = 0;
            let Some(best) = search.best.clone() else {
                break;
            };
            population.clear();
            population.push(best.clone());
            while population.len() < size && !search.exhausted() {
                let mut list = best.list.clone();
                let moves = 1 + search.random.below(job_count as u64 / 4 + 1) as usize;
                search.mutate(&mut list, moves);
                population.push(search.evaluate(list));
            }
            select_survivors(&mut population, size);
        }
    }
    let schedules = search.decoder.schedules;
    let lower_bound = search.lower_bound;
    match search.best {
        Some(best) => Solution {
            optimal: best.makespan <= lower_bound,
            makespan: best.makespan,
            starts: best.starts,
            schedules,
        },
        None => Solution {
            starts: Vec::new(),
            makespan: 0,
            schedules,
            optimal: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two jobs that each need the whole resource, then a third after the first.
    fn small() -> Instance {
        Instance::new(
            vec![0, 3, 2, 4, 0],
            vec![vec![0], vec![2], vec![2], vec![1], vec![0]],
            vec![vec![1, 2], vec![3], vec![4], vec![4], vec![]],
            vec![2],
        )
        .unwrap()
    }

    #[test]
    fn bounds_of_a_small_instance() {
        let instance = small();
        assert_eq!(instance.critical_path_length(), 7);
        // Work on the resource: 6 + 4 + 4 = 14 over a capacity of 2.
        assert_eq!(instance.lower_bound(), 7);
        assert_eq!(instance.early_starts(), vec![0, 0, 0, 3, 7]);
    }

    #[test]
    fn solves_a_small_instance_to_its_optimum() {
        let instance = small();
        let solution = solve(&instance, &SolverOptions::default());
        verify(&instance, &solution.starts).unwrap();
        // Job 2 (2 units) overlaps neither job 1 (2 units) nor job 3 (1 unit), so the best is
        // 3 + 4 + 2 or 2 + 3 + 4 = 9, above both lower bounds (7).
        assert_eq!(solution.makespan, 9);
    }

    #[test]
    fn verify_names_a_precedence_violation_and_an_overload() {
        let instance = small();
        let error = verify(&instance, &[0, 0, 0, 2, 9]).unwrap_err();
        assert!(error.contains("job 3 starts at 2"), "{error}");
        let error = verify(&instance, &[0, 0, 0, 3, 9]).unwrap_err();
        assert!(
            error.contains("resource 0 is used 4 in period 0"),
            "{error}"
        );
        assert!(verify(&instance, &[0, 0, 3, 5, 9]).is_ok());
        assert!(verify(&instance, &[0, 0]).is_err());
    }

    #[test]
    fn bad_instances_are_refused() {
        assert_eq!(
            Instance::new(
                vec![1, 1],
                vec![vec![3], vec![0]],
                vec![vec![1], vec![0]],
                vec![2]
            ),
            Err(InstanceError::DemandOverCapacity {
                job: 0,
                resource: 0,
                demand: 3,
                capacity: 2
            })
        );
        assert!(matches!(
            Instance::new(
                vec![1, 1],
                vec![vec![1], vec![0]],
                vec![vec![1], vec![0]],
                vec![2]
            ),
            Err(InstanceError::Loop { .. })
        ));
        assert!(matches!(
            Instance::new(vec![1], vec![vec![1]], vec![vec![5]], vec![2]),
            Err(InstanceError::UnknownSuccessor { .. })
        ));
    }

    #[test]
    fn every_tie_order_justifies_into_a_feasible_schedule_and_list() {
        // Jobs of duration 0 (the dummies and a milestone, job 3) start together with their
        // successors, so the tie orders must keep them in front.
        let instance = Instance::new(
            vec![0, 3, 2, 0, 4, 2, 0],
            vec![
                vec![0],
                vec![2],
                vec![1],
                vec![0],
                vec![1],
                vec![1],
                vec![0],
            ],
            vec![
                vec![1, 2, 5],
                vec![3],
                vec![3],
                vec![4],
                vec![6],
                vec![6],
                vec![],
            ],
            vec![2],
        )
        .unwrap();
        let mut decoder = Decoder::new(&instance);
        for backward in 0..TIE_ORDERS {
            for forward in 0..TIE_ORDERS {
                let mut list = priority_list(&instance, PriorityRule::LatestFinish);
                let mut starts = vec![0; instance.job_count()];
                let decoded = decoder.serial(&list, false, &mut starts);
                let justified = decoder.improve(
                    &mut starts,
                    decoded,
                    &mut list,
                    u64::MAX,
                    (TieOrder(backward), TieOrder(forward)),
                );
                assert!(justified <= decoded, "{backward} {forward}");
                verify(&instance, &starts).unwrap();
                assert_eq!(makespan(&instance, &starts), justified);
                let mut position = vec![0; instance.job_count()];
                for (index, &job) in list.iter().enumerate() {
                    position[job as usize] = index;
                }
                for job in 0..instance.job_count() {
                    for successor in instance.successors(job) {
                        assert!(position[job] < position[successor], "{backward} {forward}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_population_grows_with_the_root_of_the_budget_then_in_proportion() {
        assert_eq!(population_for_budget(1_000), MINIMUM_POPULATION);
        assert_eq!(population_for_budget(5_000), 70);
        assert_eq!(population_for_budget(50_000), 223);
        // Twice the budget above the threshold, twice the population.
        assert_eq!(population_for_budget(100_000), 447);
        assert_eq!(population_for_budget(120_000), 536);
        assert_eq!(population_for_budget(10_000_000), MAXIMUM_POPULATION);
        let mut previous = 0;
        for schedules in (0..400_000).step_by(1_000) {
            let size = population_for_budget(schedules);
            assert!(size >= previous, "{schedules}");
            previous = size;
        }
    }

    #[test]
    fn priority_lists_are_precedence_feasible() {
        let instance = small();
        for rule in [
            PriorityRule::LatestFinish,
            PriorityRule::LatestStart,
            PriorityRule::MostTotalSuccessors,
            PriorityRule::GreatestRankPositionalWeight,
        ] {
            let list = priority_list(&instance, rule);
            let mut position = [0; 5];
            for (index, &job) in list.iter().enumerate() {
                position[job as usize] = index;
            }
            for job in 0..5 {
                for successor in instance.successors(job) {
                    assert!(position[job] < position[successor], "{rule:?}");
                }
            }
        }
    }
}
