//! `gantry bench …`: whole workloads timed as a person would run them, printed as a table.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use gantry_core::cpm::{ScheduleOptions, Scheduler};
use gantry_core::generate::{NetworkShape, random_plan, random_risk_model};
use gantry_core::rcpsp::{self, SolverOptions};
use gantry_core::risk::{SimulationOptions, simulate};
use serde_json::json;

/// What to measure.
#[derive(Subcommand, Debug)]
pub enum Workload {
    /// Schedule a random realistic network (about 2.5 links per task, mixed link types and lags,
    /// phases, the standard calendar with holidays) and time the critical path method: warm (one
    /// scheduler reused, as the server re-schedules a project) and cold (a new one each run).
    Cpm {
        /// Number of tasks.
        #[arg(long, default_value_t = 100_000)]
        tasks: usize,
        /// Timed runs (the median is reported).
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Seed of the generated network.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
        format: BenchFormat,
    },
    /// Time the Monte Carlo risk simulation on a random realistic network with three-point
    /// estimates on every task, a correlation group and risk events: iterations per run, a few
    /// runs, the median reported.
    Simulate {
        /// Number of tasks.
        #[arg(long, default_value_t = 1_000)]
        tasks: usize,
        /// Iterations per run.
        #[arg(long, default_value_t = 10_000)]
        iterations: usize,
        /// Timed runs (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Seed of the generated network and of the simulation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
        format: BenchFormat,
    },
    /// Solve every PSPLIB single-mode instance (`.sm`) of a folder as a resource-constrained
    /// project (minimum makespan), verify each schedule independently of the solver, and compare
    /// the makespans with the critical-path lower bound and a table of optimal or best known
    /// makespans. Exits 1 when a schedule fails verification.
    Psplib {
        /// The folder of `.sm` files (for example ../shared/data/psplib/j30).
        dir: PathBuf,
        /// The solution table (for example ../shared/data/psplib/solutions/j30opt.sm).
        #[arg(long)]
        solutions: PathBuf,
        /// Schedules per instance (every SGS pass counts); 5,000 unless a time budget is given.
        #[arg(long, conflicts_with = "budget_ms")]
        schedules: Option<u64>,
        /// Wall-clock milliseconds per instance.
        #[arg(long)]
        budget_ms: Option<u64>,
        /// Instances solved in parallel (each instance on one thread).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Seed of the solver.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also print one row per instance (name, makespan, reference, lower bound, ms).
        #[arg(long)]
        per_instance: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
        format: BenchFormat,
    },
    /// Time the JSON API on a generated project: reading the schedule and updating a task (with
    /// the re-schedule), from several clients, on SQLite and optionally PostgreSQL.
    Api(crate::bench_api::ApiBench),
    /// Time every web page on the server (loopback, one request at a time), for a demo project
    /// and a generated project of many tasks.
    Pages(crate::bench_pages::PagesBench),
}

/// Output format of a benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    /// A table for people.
    Table,
    /// A JSON object for programs.
    Json,
}

/// Runs a workload and prints its figures.
pub fn run(workload: Workload, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    match workload {
        Workload::Api(bench) => crate::bench_api::run(bench, out),
        Workload::Pages(bench) => crate::bench_pages::run(bench, out),
        Workload::Cpm {
            tasks,
            runs,
            seed,
            format,
        } => cpm_bench(tasks, runs.max(1), seed, format, out),
        Workload::Simulate {
            tasks,
            iterations,
            runs,
            threads,
            seed,
            format,
        } => simulate_bench(tasks, iterations, runs.max(1), threads, seed, format, out),
        Workload::Psplib {
            dir,
            solutions,
            schedules,
            budget_ms,
            threads,
            seed,
            per_instance,
            format,
        } => {
            let options = SolverOptions {
                schedule_limit: match (schedules, budget_ms) {
                    (None, None) => Some(5_000),
                    _ => schedules,
                },
                time_limit: budget_ms.map(Duration::from_millis),
                seed,
            };
            psplib_bench(
                &dir,
                &solutions,
                &options,
                threads.max(1),
                per_instance,
                format,
                out,
            )
        }
    }
}

/// The outcome of one PSPLIB instance.
struct InstanceResult {
    name: String,
    makespan: u32,
    lower_bound: u32,
    reference: u32,
    milliseconds: f64,
    schedules: u64,
    /// Why the schedule is wrong, if it is.
    infeasible: Option<String>,
}

fn psplib_bench(
    dir: &Path,
    solutions: &Path,
    options: &SolverOptions,
    threads: usize,
    per_instance: bool,
    format: BenchFormat,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let table = gantry_formats::load_solutions(solutions)?;
    let references: HashMap<(u32, u32), u32> = table
        .iter()
        .map(|row| ((row.parameter, row.instance), row.makespan))
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "sm"))
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no .sm files in {}", dir.display());
    let mut instances = Vec::with_capacity(files.len());
    for path in &files {
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (parameter, number) = gantry_formats::instance_numbers(&name).with_context(|| {
            format!(
                "{}: the name is not a PSPLIB instance name (j30<P>_<I>.sm)",
                path.display()
            )
        })?;
        let reference = *references.get(&(parameter, number)).with_context(|| {
            format!(
                "{}: no row for parameter {parameter} instance {number}",
                solutions.display()
            )
        })?;
        let instance = gantry_formats::load_sm(path)?;
        instances.push((name, instance, reference));
    }
    // Instances are handed out one at a time to the worker threads; each solves on its own.
    let next = AtomicUsize::new(0);
    let mut results: Vec<InstanceResult> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(instances.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, instance, reference)) = instances.get(index) else {
                            break;
                        };
                        let started = std::time::Instant::now();
                        let solution = rcpsp::solve(instance, options);
                        let milliseconds = started.elapsed().as_secs_f64() * 1000.0;
                        let mut infeasible = rcpsp::verify(instance, &solution.starts).err();
                        let makespan = rcpsp::makespan(instance, &solution.starts);
                        if infeasible.is_none() && makespan != solution.makespan {
                            infeasible = Some(format!(
                                "the solver reports makespan {} for a schedule of {makespan}",
                                solution.makespan
                            ));
                        }
                        done.push(InstanceResult {
                            name: name.clone(),
                            makespan,
                            lower_bound: instance.critical_path_length(),
                            reference: *reference,
                            milliseconds,
                            schedules: solution.schedules,
                            infeasible,
                        });
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_default())
            .collect()
    });
    anyhow::ensure!(
        results.len() == instances.len(),
        "a worker thread failed: {} of {} instances solved",
        results.len(),
        instances.len()
    );
    results.sort_by(|a, b| a.name.cmp(&b.name));
    let count = results.len();
    let infeasible: Vec<&InstanceResult> = results
        .iter()
        .filter(|result| result.infeasible.is_some())
        .collect();
    let feasible: Vec<&InstanceResult> = results
        .iter()
        .filter(|result| result.infeasible.is_none())
        .collect();
    let percent = |value: u32, base: u32| {
        100.0 * (f64::from(value) - f64::from(base)) / f64::from(base.max(1))
    };
    let average = |values: &mut dyn Iterator<Item = f64>| {
        let (sum, count) = values.fold((0.0, 0usize), |(sum, count), value| {
            (sum + value, count + 1)
        });
        if count == 0 { 0.0 } else { sum / count as f64 }
    };
    let deviation_lower_bound = average(
        &mut feasible
            .iter()
            .map(|result| percent(result.makespan, result.lower_bound)),
    );
    let deviation_reference = average(
        &mut feasible
            .iter()
            .map(|result| percent(result.makespan, result.reference)),
    );
    let matching = feasible
        .iter()
        .filter(|result| result.makespan <= result.reference)
        .count();
    let mean_ms = average(&mut results.iter().map(|result| result.milliseconds));
    let max_ms = results
        .iter()
        .map(|result| result.milliseconds)
        .fold(0.0, f64::max);
    let mean_schedules = average(&mut results.iter().map(|result| result.schedules as f64));
    let budget = match (options.schedule_limit, options.time_limit) {
        (Some(schedules), _) => format!("{schedules} schedules"),
        (None, Some(limit)) => format!("{} ms", limit.as_millis()),
        (None, None) => "none".to_string(),
    };
    match format {
        BenchFormat::Json => {
            let document = json!({
                "instances": count,
                "avg_dev_lower_bound_pct": deviation_lower_bound,
                "avg_dev_reference_pct": deviation_reference,
                "matching_reference": matching,
                "mean_ms": mean_ms,
                "max_ms": max_ms,
                "infeasible": infeasible.len(),
                "budget": budget,
                "mean_schedules": mean_schedules,
                "threads": threads,
                "seed": options.seed,
            });
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
        }
        BenchFormat::Table => {
            writeln!(
                out,
                "| instances | budget | threads | dev. from LB0 % | dev. from reference % | match or beat reference | mean ms | max ms | mean schedules | infeasible |"
            )?;
            writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
            writeln!(
                out,
                "| {count} | {budget} | {threads} | {deviation_lower_bound:.2} | {deviation_reference:.3} | {matching} | {mean_ms:.1} | {max_ms:.1} | {mean_schedules:.0} | {} |",
                infeasible.len()
            )?;
        }
    }
    if per_instance {
        writeln!(
            out,
            "instance\tmakespan\treference\tlower_bound\tms\tschedules"
        )?;
        for result in &results {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{:.1}\t{}",
                result.name,
                result.makespan,
                result.reference,
                result.lower_bound,
                result.milliseconds,
                result.schedules
            )?;
        }
    }
    for result in &infeasible {
        eprintln!(
            "error: {}: infeasible schedule: {}",
            result.name,
            result.infeasible.as_deref().unwrap_or_default()
        );
    }
    Ok(if infeasible.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn simulate_bench(
    tasks: usize,
    iterations: usize,
    runs: usize,
    threads: usize,
    seed: u64,
    format: BenchFormat,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let plan = random_plan(&NetworkShape::benchmark(tasks, seed));
    let model = random_risk_model(&plan, seed);
    let options = SimulationOptions {
        iterations,
        seed,
        threads,
        ..SimulationOptions::default()
    };
    let mut timings = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = std::time::Instant::now();
        let simulation =
            simulate(&plan, &model, &options).map_err(|error| anyhow::anyhow!("{error}"))?;
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(simulation);
    }
    let simulation = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let first_ms = timings[0];
    timings.sort_by(f64::total_cmp);
    let (median, min, max) = (
        timings[timings.len() / 2],
        timings[0],
        timings[timings.len() - 1],
    );
    let threads_used = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let per_second = iterations as f64 / (median / 1000.0);
    match format {
        BenchFormat::Json => {
            let document = json!({
                "tasks": plan.tasks.len(),
                "links": plan.links.len(),
                "estimates": model.estimates.len(),
                "risks": model.risks.len(),
                "iterations": iterations,
                "runs": runs,
                "threads": threads_used,
                "median_ms": median,
                "min_ms": min,
                "max_ms": max,
                "first_run_ms": first_ms,
                "iterations_per_second": per_second,
                "planned_finish": simulation.planned_finish.to_string(),
                "p50_finish": simulation.finish.p50.to_string(),
                "p90_finish": simulation.finish.p90.to_string(),
            });
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
        }
        BenchFormat::Table => {
            writeln!(
                out,
                "| tasks | links | estimates | risks | iterations | threads | runs | median ms | min ms | max ms | iterations/s | P50 finish | P90 finish |"
            )?;
            writeln!(
                out,
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
            )?;
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.0} | {} | {} |",
                plan.tasks.len(),
                plan.links.len(),
                model.estimates.len(),
                model.risks.len(),
                iterations,
                threads_used,
                runs,
                median,
                min,
                max,
                per_second,
                simulation.finish.p50,
                simulation.finish.p90,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cpm_bench(
    tasks: usize,
    runs: usize,
    seed: u64,
    format: BenchFormat,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let plan = random_plan(&NetworkShape::benchmark(tasks, seed));
    let options = ScheduleOptions::default();
    let time = |scheduler: &mut Scheduler| -> anyhow::Result<(f64, gantry_core::cpm::Schedule)> {
        let started = std::time::Instant::now();
        let schedule = scheduler
            .schedule(&plan, &options)
            .map_err(|failure| anyhow::anyhow!("{failure}"))?;
        Ok((started.elapsed().as_secs_f64() * 1000.0, schedule))
    };
    // Peak memory of one schedule, plan included, measured alone: the timing runs below keep a
    // warm scheduler's memory alive beside the cold runs, which says nothing about a schedule.
    reset_peak_rss();
    drop(time(&mut Scheduler::new())?);
    let peak_rss_mb = peak_rss_bytes().map(|bytes| bytes as f64 / (1024.0 * 1024.0));
    // Warm runs (one scheduler reused, keeping its working memory) and cold runs (a new
    // scheduler each time, as `cpm::schedule` does) alternate, so that the machine's drift
    // affects both alike.
    let mut scheduler = Scheduler::new();
    let mut warm = Vec::with_capacity(runs);
    let mut cold = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let (milliseconds, schedule) = time(&mut scheduler)?;
        warm.push(milliseconds);
        drop(last.replace(schedule));
        cold.push(time(&mut Scheduler::new())?.0);
    }
    drop(scheduler);
    let first_ms = warm[0];
    let summary = |timings: &mut Vec<f64>| {
        timings.sort_by(f64::total_cmp);
        (
            timings[timings.len() / 2],
            timings[0],
            timings[timings.len() - 1],
        )
    };
    let (median, min, max) = summary(&mut warm);
    let (cold_median, _, _) = summary(&mut cold);
    let schedule = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let critical = schedule
        .tasks
        .iter()
        .filter(|task| task.critical && !task.is_summary)
        .count();
    let finish = schedule.project_finish.to_string();
    let per_task_bytes = peak_rss_mb.map(|mb| mb * 1024.0 * 1024.0 / tasks.max(1) as f64);
    match format {
        BenchFormat::Json => {
            let document = json!({
                "tasks": plan.tasks.len(),
                "links": plan.links.len(),
                "runs": runs,
                "median_ms": median,
                "min_ms": min,
                "max_ms": max,
                "first_run_ms": first_ms,
                "cold_median_ms": cold_median,
                "peak_rss_mb": peak_rss_mb,
                "peak_rss_bytes_per_task": per_task_bytes,
                "project_finish": finish,
                "critical_tasks": critical,
            });
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
        }
        BenchFormat::Table => {
            writeln!(
                out,
                "| tasks | links | runs | median ms | min ms | max ms | first run ms | cold median ms | peak RSS MB | bytes/task |"
            )?;
            writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
            writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} |",
                plan.tasks.len(),
                plan.links.len(),
                runs,
                median,
                min,
                max,
                first_ms,
                cold_median,
                peak_rss_mb.map_or("n/a".to_string(), |mb| format!("{mb:.1}")),
                per_task_bytes.map_or("n/a".to_string(), |bytes| format!("{bytes:.0}")),
            )?;
            writeln!(
                out,
                "\nmedian, min and max: one scheduler reused for every run (its working memory kept);"
            )?;
            writeln!(
                out,
                "cold: a new scheduler each run, alternating with the warm runs;"
            )?;
            writeln!(
                out,
                "peak RSS: the process, plan included, while scheduling once."
            )?;
            writeln!(out, "Project finish {finish}, {critical} critical tasks.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Starts the peak resident set size afresh from the current size (Linux 4.0 and later; without
/// it the peak covers the whole process so far).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident set size (Linux: VmHWM in /proc/self/status).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}
