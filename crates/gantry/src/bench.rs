//! `gantry bench …`: whole workloads timed as a person would run them, printed as a table.

use std::io::Write;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use gantry_core::cpm::{ScheduleOptions, Scheduler};
use gantry_core::generate::{NetworkShape, random_plan};
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
        Workload::Cpm {
            tasks,
            runs,
            seed,
            format,
        } => cpm_bench(tasks, runs.max(1), seed, format, out),
    }
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
