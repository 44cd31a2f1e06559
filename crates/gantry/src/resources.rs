//! `gantry resources FILE`: each resource's load per period, with its over-allocations.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use gantry_core::Instant;
use gantry_core::cpm;
use gantry_core::model::{Plan, ResourceKind};
use gantry_core::usage::{Period, resource_usage};

/// Output format of `resources`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A section per resource, for people.
    Table,
    /// One JSON object, for programs.
    Json,
}

/// Period length of `resources`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    /// Calendar days.
    Day,
    /// Weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

fn minute(instant: Instant) -> String {
    instant.to_civil().strftime("%Y-%m-%d %H:%M").to_string()
}

fn day(instant: Instant) -> String {
    instant.to_civil().strftime("%Y-%m-%d").to_string()
}

fn hours(minutes: f64) -> String {
    format!("{:.1}h", minutes / 60.0)
}

fn percent(units: f64) -> String {
    format!("{:.0}%", units * 100.0)
}

/// The plan of a plan file or an MS Project file (as MS Project schedules it).
fn load_any(file: &Path) -> Option<Plan> {
    crate::interop::read_any(file)
        .ok()
        .map(|project| project.scheduling_plan())
}

/// The plans of `files` with their names (file stems); `None` when one cannot be read.
fn load_all(files: &[std::path::PathBuf]) -> Option<Vec<(String, Plan)>> {
    let mut plans = Vec::with_capacity(files.len());
    let mut failed = false;
    for file in files {
        match load_any(file) {
            Some(plan) => {
                let name = file.file_stem().map_or_else(
                    || "project".to_string(),
                    |stem| stem.to_string_lossy().into_owned(),
                );
                plans.push((name, plan));
            }
            None => failed = true,
        }
    }
    (!failed).then_some(plans)
}

/// One plan, or several combined into a portfolio sharing their resources.
fn combined(plans: &[(String, Plan)]) -> (Plan, Option<gantry_core::portfolio::Portfolio>) {
    if let [(_, plan)] = plans {
        return (plan.clone(), None);
    }
    let portfolio = gantry_core::portfolio::combine(plans);
    for key in &portfolio.conflicting_resources {
        eprintln!(
            "warning: resource \"{key}\" has different units in different projects; the first project's are used"
        );
    }
    (portfolio.plan.clone(), Some(portfolio))
}

/// `gantry resources FILE... [--period day|week|month] [--format table|json]`.
pub fn run(
    files: &[std::path::PathBuf],
    period: PeriodArg,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let Some(plans) = load_all(files) else {
        return Ok(ExitCode::from(1));
    };
    let (plan, _) = combined(&plans);
    let file = files[0].as_path();
    let schedule = match cpm::schedule(&plan, &cpm::ScheduleOptions::default()) {
        Ok(schedule) => schedule,
        Err(failure) => {
            for diagnostic in &failure.diagnostics {
                eprintln!("error: {}: {}", file.display(), diagnostic.message);
            }
            return Ok(ExitCode::from(1));
        }
    };
    let period = match period {
        PeriodArg::Day => Period::Day,
        PeriodArg::Week => Period::Week,
        PeriodArg::Month => Period::Month,
    };
    let usage = match resource_usage(&plan, &schedule, period) {
        Ok(usage) => usage,
        Err(error) => {
            eprintln!("error: {}: {error}", file.display());
            return Ok(ExitCode::from(1));
        }
    };
    match format {
        Format::Json => {
            let resources: Vec<serde_json::Value> = usage
                .iter()
                .map(|usage| {
                    let resource = &plan.resources[usage.resource.index()];
                    serde_json::json!({
                        "id": resource.key,
                        "name": resource.name,
                        "kind": resource.kind.code(),
                        "max_units": resource.max_units,
                        "periods": usage.periods.iter().map(|load| serde_json::json!({
                            "start": day(load.start),
                            "end": day(load.end),
                            "work_hours": load.work_minutes / 60.0,
                            "available_hours": load.available_minutes / 60.0,
                            "peak_units": load.peak_units,
                            "over_allocated": load.over_allocated,
                        })).collect::<Vec<_>>(),
                        "over_allocations": usage.over_allocations.iter().map(|over| serde_json::json!({
                            "from": minute(over.from),
                            "to": minute(over.to),
                            "units": over.units,
                            "max_units": over.max_units,
                            "tasks": over.tasks.iter().map(|task| plan.task(*task).key.clone()).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let over_allocated = usage
                .iter()
                .filter(|usage| !usage.over_allocations.is_empty())
                .count();
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({ "resources": resources, "over_allocated_resources": over_allocated }),
            )?;
            writeln!(out)?;
        }
        Format::Table => {
            if plan.resources.is_empty() {
                writeln!(out, "{}: no resources", file.display())?;
            }
            for usage in &usage {
                let resource = &plan.resources[usage.resource.index()];
                let kind = match resource.kind {
                    ResourceKind::Work => format!("max {}", percent(resource.max_units)),
                    ResourceKind::Material => "material".to_string(),
                    ResourceKind::Cost => "cost".to_string(),
                };
                writeln!(out, "{} ({}) — {kind}", resource.name, resource.key)?;
                let used: Vec<_> = usage
                    .periods
                    .iter()
                    .filter(|load| load.work_minutes > 0.0)
                    .collect();
                if used.is_empty() {
                    writeln!(out, "  no work assigned")?;
                } else if resource.kind == ResourceKind::Work {
                    writeln!(
                        out,
                        "  {:<12} {:>10} {:>10} {:>6}",
                        "from", "assigned", "available", "peak"
                    )?;
                    for load in used {
                        writeln!(
                            out,
                            "  {:<12} {:>10} {:>10} {:>6}{}",
                            day(load.start),
                            hours(load.work_minutes),
                            hours(load.available_minutes),
                            percent(load.peak_units),
                            if load.over_allocated {
                                "  ! over-allocated"
                            } else {
                                ""
                            }
                        )?;
                    }
                } else {
                    writeln!(out, "  {:<12} {:>10}", "from", "quantity")?;
                    for load in used {
                        writeln!(out, "  {:<12} {:>10}", day(load.start), load.work_minutes)?;
                    }
                }
                for over in &usage.over_allocations {
                    let tasks: Vec<String> = over
                        .tasks
                        .iter()
                        .map(|task| plan.task(*task).name.clone())
                        .collect();
                    writeln!(
                        out,
                        "  ! {} – {}: {} booked, {} available: {}",
                        minute(over.from),
                        minute(over.to),
                        percent(over.units),
                        percent(over.max_units),
                        tasks.join(", ")
                    )?;
                }
                writeln!(out)?;
            }
            let over_allocated: Vec<&str> = usage
                .iter()
                .filter(|usage| !usage.over_allocations.is_empty())
                .map(|usage| plan.resources[usage.resource.index()].name.as_str())
                .collect();
            if over_allocated.is_empty() {
                writeln!(out, "No resource is over-allocated.")?;
            } else {
                writeln!(out, "Over-allocated: {}", over_allocated.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `gantry level FILE... [--format table|json] [-o leveled.toml | -o folder]`.
pub fn level(
    files: &[std::path::PathBuf],
    format: Format,
    output: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    use gantry_core::level::{LevelingOptions, level};

    let Some(plans) = load_all(files) else {
        return Ok(ExitCode::from(1));
    };
    let (plan, portfolio) = combined(&plans);
    let file = files[0].as_path();
    let leveling = match level(&plan, &LevelingOptions::default()) {
        Ok(leveling) => leveling,
        Err(failure) => {
            for diagnostic in &failure.diagnostics {
                eprintln!("error: {}: {}", file.display(), diagnostic.message);
            }
            return Ok(ExitCode::from(1));
        }
    };
    match (output, &portfolio) {
        (Some(path), None) => {
            std::fs::write(path, gantry_formats::write_plan(&leveling.plan))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        (Some(folder), Some(portfolio)) => {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            for (index, (name, original)) in plans.iter().enumerate() {
                let project = portfolio.project_plan(&leveling.plan, original, index);
                let path = folder.join(format!("{name}.toml"));
                std::fs::write(&path, gantry_formats::write_plan(&project))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        (None, _) => {}
    }
    let rule = match leveling.rule {
        gantry_core::level::KeepRule::EarliestStart => "earliest start",
        gantry_core::level::KeepRule::LeastFloat => "least float",
        gantry_core::level::KeepRule::EarliestLateStart => "earliest late start",
    };
    let finish_before = leveling.before.project_finish;
    let finish_after = leveling.after.project_finish;
    let calendar = gantry_core::WorkingCalendar::build(&plan.calendars, plan.calendar).ok();
    let finish_cost = calendar
        .as_ref()
        .map_or(finish_after.0 - finish_before.0, |calendar| {
            calendar.working_minutes_between(finish_before, finish_after)
        });
    // With several projects, each one's finish before and after.
    let projects: Vec<(String, Instant, Instant)> = match &portfolio {
        Some(portfolio) => plans
            .iter()
            .zip(&portfolio.summaries)
            .map(|((name, _), summary)| {
                (
                    name.clone(),
                    leveling.before.task(*summary).finish,
                    leveling.after.task(*summary).finish,
                )
            })
            .collect(),
        None => Vec::new(),
    };
    match format {
        Format::Json => {
            let value = serde_json::json!({
                "projects": projects.iter().map(|(name, before, after)| serde_json::json!({
                    "name": name,
                    "finish_before": minute(*before),
                    "finish_after": minute(*after),
                })).collect::<Vec<_>>(),
                "finish_before": minute(finish_before),
                "finish_after": minute(finish_after),
                "finish_delay_minutes": finish_cost,
                "delayed_tasks": leveling.delays.iter().map(|delay| serde_json::json!({
                    "id": plan.task(delay.task).key,
                    "name": plan.task(delay.task).name,
                    "start_before": minute(delay.start_before),
                    "start_after": minute(delay.start_after),
                    "delay_minutes": delay.delay_minutes,
                })).collect::<Vec<_>>(),
                "split_tasks": leveling.splits.iter().map(|split| serde_json::json!({
                    "id": plan.task(split.task).key,
                    "name": plan.task(split.task).name,
                    "paused_at": minute(split.paused_at),
                    "resumes_at": minute(split.resumes_at),
                    "after_minutes": split.after_minutes,
                    "gap_minutes": split.gap_minutes,
                    "resumed": split.resumed,
                })).collect::<Vec<_>>(),
                "unresolved": leveling.unresolved.iter().map(|(resource, over)| serde_json::json!({
                    "resource": plan.resources[resource.index()].key,
                    "from": minute(over.from),
                    "to": minute(over.to),
                    "units": over.units,
                    "max_units": over.max_units,
                })).collect::<Vec<_>>(),
                "schedules": leveling.rounds,
                "rule": rule,
            });
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(out, "Finish before leveling: {}", minute(finish_before))?;
            writeln!(
                out,
                "Finish after leveling:  {} ({} later)",
                minute(finish_after),
                crate::render::days(finish_cost, &plan.durations)
            )?;
            for (name, before, after) in &projects {
                writeln!(out, "  {name}: {} → {}", minute(*before), minute(*after))?;
            }
            writeln!(
                out,
                "Kept first in a conflict: {rule} (the best of three rules)"
            )?;
            if leveling.delays.is_empty() && leveling.splits.is_empty() {
                writeln!(out, "No task had to move.")?;
            } else if !leveling.delays.is_empty() {
                writeln!(out)?;
                writeln!(
                    out,
                    "{:<32} {:<17} {:<17} {:>7}",
                    "delayed task", "start before", "start after", "delay"
                )?;
                for delay in &leveling.delays {
                    let name = &plan.task(delay.task).name;
                    let name: String = name.chars().take(32).collect();
                    writeln!(
                        out,
                        "{:<32} {:<17} {:<17} {:>7}",
                        name,
                        minute(delay.start_before),
                        minute(delay.start_after),
                        crate::render::days(delay.delay_minutes, &plan.durations)
                    )?;
                }
            }
            if !leveling.splits.is_empty() {
                writeln!(out)?;
                writeln!(
                    out,
                    "{:<32} {:>7} {:<17} {:<17} {:>7}",
                    "split task", "after", "paused at", "resumes at", "gap"
                )?;
                for split in &leveling.splits {
                    let name = &plan.task(split.task).name;
                    let mut name: String = name.chars().take(30).collect();
                    if split.resumed {
                        // A started task: its remaining work resumes later (MS Project's Resume).
                        name.push_str(" *");
                    }
                    writeln!(
                        out,
                        "{:<32} {:>7} {:<17} {:<17} {:>7}",
                        name,
                        crate::render::days(split.after_minutes, &plan.durations),
                        minute(split.paused_at),
                        minute(split.resumes_at),
                        crate::render::days(split.gap_minutes, &plan.durations)
                    )?;
                }
                if leveling.splits.iter().any(|split| split.resumed) {
                    writeln!(out, "* started: the remaining work resumes later")?;
                }
            }
            for (resource, over) in &leveling.unresolved {
                writeln!(
                    out,
                    "! still over-allocated: {} {} – {} at {} of {} (only tasks that may not move)",
                    plan.resources[resource.index()].name,
                    minute(over.from),
                    minute(over.to),
                    percent(over.units),
                    percent(over.max_units)
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
