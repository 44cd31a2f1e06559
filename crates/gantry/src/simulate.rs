//! `gantry simulate`: the Monte Carlo schedule and cost risk of a plan file, as a table or JSON.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use gantry_core::risk::{RiskError, Simulation, SimulationOptions, simulate};
use gantry_core::{Plan, TaskId};
use serde_json::json;

use crate::render::{days, iso};

/// Arguments of `gantry simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The plan file (TOML), with `estimate`s on tasks and `[[risk]]` tables.
    file: std::path::PathBuf,
    /// Number of iterations.
    #[arg(long, default_value_t = 10_000)]
    iterations: usize,
    /// Seed: the same seed gives the same figures, whatever the number of threads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// The date to finish by (YYYY-MM-DD or YYYY-MM-DDTHH:MM; a date alone means the end of that
    /// day); the planned finish when absent.
    #[arg(long)]
    deadline: Option<String>,
    /// Tasks listed by criticality and by sensitivity in the table.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Bars of the finish-date histogram.
    #[arg(long, default_value_t = 20)]
    bins: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SimulateFormat::Table)]
    format: SimulateFormat,
}

/// Output format of `simulate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON object, for programs.
    Json,
}

/// Runs `gantry simulate`.
pub fn run(args: SimulateArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let mut options = SimulationOptions {
        iterations: args.iterations,
        seed: args.seed,
        threads: args.threads,
        histogram_bins: args.bins,
        ..SimulationOptions::default()
    };
    if let Some(text) = &args.deadline {
        let deadline = gantry_formats::parse_finish_datetime(text)
            .map_err(|message| anyhow::anyhow!(message))
            .with_context(|| format!("--deadline {text:?}"))?;
        options.deadline = Some(deadline);
    }
    let Some(plan_file) = crate::load(&args.file) else {
        return Ok(ExitCode::from(1));
    };
    if plan_file.risk.is_empty() {
        eprintln!(
            "note: {} has no estimates or risks: every iteration gives the planned finish",
            args.file.display()
        );
    }
    let simulation = match simulate(&plan_file.plan, &plan_file.risk, &options) {
        Ok(simulation) => simulation,
        Err(RiskError::Schedule(failure)) => {
            crate::render::diagnostics(&plan_file, &failure.diagnostics, &mut std::io::stderr())?;
            return Ok(ExitCode::from(1));
        }
        Err(error) => {
            eprintln!("error: {}: {error}", args.file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let plan = &plan_file.plan;
    for &task in &simulation.fixed_tasks {
        eprintln!(
            "note: \"{}\" has progress: it keeps its duration; its estimate and risk delays are set aside",
            plan.task(task).key
        );
    }
    let deadline = match &args.deadline {
        Some(text) => format!("the deadline {text}"),
        None => format!("the planned finish {}", simulation.planned_finish),
    };
    match args.format {
        SimulateFormat::Table => {
            table(plan, &plan_file.risk, &simulation, &deadline, args.top, out)?
        }
        SimulateFormat::Json => json(plan, &args.file, &simulation, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Leaf tasks by criticality index, highest first (ties in plan order), those ever critical.
fn most_critical(plan: &Plan, simulation: &Simulation) -> Vec<(TaskId, f64)> {
    let is_summary = plan.summary_flags();
    let mut tasks: Vec<(TaskId, f64)> = simulation
        .criticality
        .iter()
        .enumerate()
        .filter(|&(index, &share)| !is_summary[index] && share > 0.0)
        .map(|(index, &share)| (TaskId(index as u32), share))
        .collect();
    tasks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    tasks
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn money(amount: f64) -> String {
    format!("{amount:.2}")
}

fn table(
    plan: &Plan,
    model: &gantry_core::risk::RiskModel,
    simulation: &Simulation,
    deadline: &str,
    top: usize,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let finish = &simulation.finish;
    let durations = &plan.durations;
    let spread = |minutes: f64| days(minutes.round() as i64, durations);
    writeln!(
        out,
        "{}: {} iterations (seed {}), {} estimates, {} risks",
        plan.name,
        simulation.iterations,
        simulation.seed,
        model.estimates.len(),
        model.risks.len()
    )?;
    writeln!(out)?;
    writeln!(out, "finish            date")?;
    writeln!(out, "planned           {}", simulation.planned_finish)?;
    for (label, at) in [
        ("P10", finish.p10),
        ("P50", finish.p50),
        ("P80", finish.p80),
        ("P90", finish.p90),
    ] {
        writeln!(out, "{label:<17} {at}")?;
    }
    writeln!(
        out,
        "mean              {} (std dev {})",
        finish.mean,
        spread(finish.std_dev_minutes)
    )?;
    writeln!(out, "range             {} to {}", finish.min, finish.max)?;
    writeln!(
        out,
        "chance to finish by {deadline}: {}",
        percent(simulation.deadline_probability)
    )?;
    if let Some(cost) = &simulation.cost {
        writeln!(out)?;
        writeln!(out, "cost              amount")?;
        for (label, amount) in [
            ("planned", cost.planned),
            ("P10", cost.p10),
            ("P50", cost.p50),
            ("P80", cost.p80),
            ("P90", cost.p90),
            ("mean", cost.mean),
            ("std dev", cost.std_dev),
        ] {
            writeln!(out, "{label:<17} {}", money(amount))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "finish dates        iterations  by then")?;
    let tallest = simulation
        .histogram
        .iter()
        .map(|bin| bin.count)
        .max()
        .unwrap_or(0)
        .max(1);
    for bin in &simulation.histogram {
        let bar = "#".repeat((bin.count * 30).div_ceil(tallest));
        writeln!(
            out,
            "{}  {:>10}  {:>7}  {bar}",
            bin.to,
            bin.count,
            percent(bin.cumulative)
        )?;
    }
    let critical = most_critical(plan, simulation);
    let width = critical
        .iter()
        .take(top)
        .map(|(task, _)| plan.task(*task).key.len())
        .chain(
            simulation
                .sensitivity
                .iter()
                .take(top)
                .map(|entry| plan.task(entry.task).key.len()),
        )
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(out)?;
    writeln!(out, "criticality index (top {top})")?;
    for (task, share) in critical.iter().take(top) {
        let task = plan.task(*task);
        writeln!(
            out,
            "  {:<width$}  {:>6}  {}",
            task.key,
            percent(*share),
            task.name
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "sensitivity: rank correlation of duration with finish (top {top})"
    )?;
    for entry in simulation.sensitivity.iter().take(top) {
        let task = plan.task(entry.task);
        let bar = "#".repeat((entry.correlation.abs() * 20.0).round() as usize);
        writeln!(
            out,
            "  {:<width$}  {:>6.3}  {:<20}  {}",
            task.key, entry.correlation, bar, task.name
        )?;
    }
    Ok(())
}

fn json(
    plan: &Plan,
    file: &Path,
    simulation: &Simulation,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let finish = &simulation.finish;
    let per_day = plan.durations.minutes_per_day.max(1) as f64;
    let is_summary = plan.summary_flags();
    let key = |task: TaskId| plan.task(task).key.clone();
    let document = json!({
        "file": file.display().to_string(),
        "iterations": simulation.iterations,
        "seed": simulation.seed,
        "planned_finish": iso(simulation.planned_finish),
        "finish": {
            "p10": iso(finish.p10),
            "p50": iso(finish.p50),
            "p80": iso(finish.p80),
            "p90": iso(finish.p90),
            "min": iso(finish.min),
            "max": iso(finish.max),
            "mean": iso(finish.mean),
            "mean_duration_days": finish.mean_duration_minutes / per_day,
            "std_dev_days": finish.std_dev_minutes / per_day,
        },
        "deadline": iso(simulation.deadline),
        "deadline_probability": simulation.deadline_probability,
        "cost": simulation.cost.as_ref().map(|cost| json!({
            "planned": cost.planned,
            "p10": cost.p10,
            "p50": cost.p50,
            "p80": cost.p80,
            "p90": cost.p90,
            "mean": cost.mean,
            "std_dev": cost.std_dev,
        })),
        "criticality": simulation
            .criticality
            .iter()
            .enumerate()
            .filter(|&(index, _)| !is_summary[index])
            .map(|(index, &share)| json!({
                "id": key(TaskId(index as u32)),
                "name": plan.tasks[index].name,
                "index": share,
            }))
            .collect::<Vec<_>>(),
        "sensitivity": simulation
            .sensitivity
            .iter()
            .map(|entry| json!({
                "id": key(entry.task),
                "name": plan.task(entry.task).name,
                "correlation": entry.correlation,
            }))
            .collect::<Vec<_>>(),
        "histogram": simulation
            .histogram
            .iter()
            .map(|bin| json!({
                "from": iso(bin.from),
                "to": iso(bin.to),
                "count": bin.count,
                "cumulative": bin.cumulative,
            }))
            .collect::<Vec<_>>(),
        "fixed_tasks": simulation.fixed_tasks.iter().map(|&task| key(task)).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
