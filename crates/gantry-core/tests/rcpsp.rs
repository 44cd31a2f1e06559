//! The RCPSP solver on random small instances: every schedule it returns passes the independent
//! verifier, and on instances small enough to enumerate it finds the optimum.

use gantry_core::rcpsp::{Instance, SolverOptions, solve, verify};
use proptest::prelude::*;

/// A random instance: `jobs` jobs, links only from lower to higher job numbers (so no loops),
/// two resources.
fn instance_strategy(max_jobs: usize) -> impl Strategy<Value = Instance> {
    (2..=max_jobs).prop_flat_map(|jobs| {
        (
            prop::collection::vec(0u32..5, jobs),
            prop::collection::vec(prop::collection::vec(0u32..4, 2), jobs),
            prop::collection::vec(prop::bool::weighted(0.25), jobs * jobs),
            prop::collection::vec(3u32..6, 2),
        )
            .prop_map(move |(durations, demands, links, capacities)| {
                let successors = (0..jobs)
                    .map(|job| {
                        ((job + 1)..jobs)
                            .filter(|&other| links[job * jobs + other])
                            .collect()
                    })
                    .collect();
                Instance::new(durations, demands, successors, capacities).expect("valid instance")
            })
    })
}

/// The optimum by brute force: the serial schedule generation scheme over every precedence-
/// feasible order reaches an optimal (active) schedule. Written here from scratch, sharing no
/// code with the solver.
fn brute_force_optimum(instance: &Instance) -> u32 {
    let jobs = instance.job_count();
    let mut best = u32::MAX;
    let mut order = Vec::new();
    let mut used = vec![false; jobs];
    enumerate(instance, &mut order, &mut used, &mut best);
    best
}

fn enumerate(instance: &Instance, order: &mut Vec<usize>, used: &mut [bool], best: &mut u32) {
    let jobs = instance.job_count();
    if order.len() == jobs {
        *best = (*best).min(decode(instance, order));
        return;
    }
    for job in 0..jobs {
        if used[job] || instance.predecessors(job).any(|p| !used[p]) {
            continue;
        }
        used[job] = true;
        order.push(job);
        enumerate(instance, order, used, best);
        order.pop();
        used[job] = false;
    }
}

fn decode(instance: &Instance, order: &[usize]) -> u32 {
    let horizon = instance.total_duration() as usize + 1;
    let resources = instance.resource_count();
    let mut usage = vec![vec![0u32; horizon]; resources];
    let mut finish = vec![0u32; instance.job_count()];
    for &job in order {
        let duration = instance.duration(job);
        let mut start = instance
            .predecessors(job)
            .map(|p| finish[p])
            .max()
            .unwrap_or(0);
        while !(start..start + duration).all(|period| {
            (0..resources).all(|resource| {
                usage[resource][period as usize] + instance.demand(job, resource)
                    <= instance.capacity(resource)
            })
        }) {
            start += 1;
        }
        for period in start..start + duration {
            for (resource, row) in usage.iter_mut().enumerate() {
                row[period as usize] += instance.demand(job, resource);
            }
        }
        finish[job] = start + duration;
    }
    finish.into_iter().max().unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_schedule_verifies(instance in instance_strategy(25), seed in 0u64..1000, limit in 1u64..400) {
        let solution = solve(&instance, &SolverOptions { schedule_limit: Some(limit), time_limit: None, seed });
        prop_assert_eq!(verify(&instance, &solution.starts), Ok(()));
        prop_assert!(solution.schedules <= limit.max(1));
        prop_assert!(solution.makespan >= instance.lower_bound());
        prop_assert_eq!(solution.makespan, gantry_core::rcpsp::makespan(&instance, &solution.starts));
    }

    #[test]
    fn small_instances_are_solved_to_optimality(instance in instance_strategy(7), seed in 0u64..1000) {
        let solution = solve(&instance, &SolverOptions { schedule_limit: Some(3_000), time_limit: None, seed });
        prop_assert_eq!(verify(&instance, &solution.starts), Ok(()));
        prop_assert_eq!(solution.makespan, brute_force_optimum(&instance));
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule(instance in instance_strategy(20), seed in 0u64..1000) {
        let options = SolverOptions { schedule_limit: Some(500), time_limit: None, seed };
        prop_assert_eq!(solve(&instance, &options), solve(&instance, &options));
    }
}

/// A classic shape: three jobs that each need the whole resource must run one after another,
/// whatever the precedence network allows.
#[test]
fn jobs_that_each_need_the_whole_resource_run_in_sequence() {
    let instance = Instance::new(
        vec![0, 4, 3, 5, 2, 0],
        vec![vec![0], vec![3], vec![3], vec![3], vec![1], vec![0]],
        vec![vec![1, 2, 3], vec![4], vec![5], vec![5], vec![5], vec![]],
        vec![3],
    )
    .unwrap();
    assert_eq!(instance.critical_path_length(), 6);
    let solution = solve(&instance, &SolverOptions::default());
    verify(&instance, &solution.starts).unwrap();
    // Jobs 1, 2 and 3 use the whole resource and job 4 can run beside none of them, so every
    // order takes 4 + 3 + 5 + 2 = 14 periods, well above the critical path.
    assert_eq!(solution.makespan, 14);
    assert_eq!(solution.makespan, brute_force_optimum(&instance));
}
