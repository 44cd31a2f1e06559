//! `gantry bench …`: whole workloads timed as a person would run them, printed as a table.

use std::io::Write;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use gantry_core::cpm::{self, ScheduleOptions};
use gantry_core::generate::{NetworkShape, random_plan};
use serde_json::json;

/// What to measure.
#[derive(Subcommand, Debug)]
pub enum Workload {
    /// Schedule a random realistic network (about 2.5 links per task, mixed link types and lags,
    /// phases, the standard calendar with holidays) and time the critical path method.
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
    let mut timings = Vec::with_capacity(runs);
    let mut project_finish = None;
    let mut critical = 0;
    for _ in 0..runs {
        let started = std::time::Instant::now();
        let schedule =
            cpm::schedule(&plan, &options).map_err(|failure| anyhow::anyhow!("{failure}"))?;
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
        project_finish = Some(schedule.project_finish);
        critical = schedule
            .tasks
            .iter()
            .filter(|task| task.critical && !task.is_summary)
            .count();
        drop(schedule);
    }
    timings.sort_by(f64::total_cmp);
    let median = timings[timings.len() / 2];
    let (min, max) = (timings[0], timings[timings.len() - 1]);
    let peak_rss_mb = peak_rss_bytes().map(|bytes| bytes as f64 / (1024.0 * 1024.0));
    let per_task_bytes = peak_rss_mb.map(|mb| mb * 1024.0 * 1024.0 / tasks.max(1) as f64);
    let finish = project_finish
        .map(|instant| instant.to_string())
        .unwrap_or_default();
    match format {
        BenchFormat::Json => {
            let document = json!({
                "tasks": plan.tasks.len(),
                "links": plan.links.len(),
                "runs": runs,
                "median_ms": median,
                "min_ms": min,
                "max_ms": max,
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
                "| tasks | links | runs | median ms | min ms | max ms | peak RSS MB | bytes/task |"
            )?;
            writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|")?;
            writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {} | {} |",
                plan.tasks.len(),
                plan.links.len(),
                runs,
                median,
                min,
                max,
                peak_rss_mb.map_or("n/a".to_string(), |mb| format!("{mb:.1}")),
                per_task_bytes.map_or("n/a".to_string(), |bytes| format!("{bytes:.0}")),
            )?;
            writeln!(out, "\nproject finish {finish}, {critical} critical tasks")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident set size (Linux: VmHWM in /proc/self/status).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}
