//! How schedules and diagnostics are printed: tables for people, JSON and CSV for programs.

use std::io::Write;

use gantry_core::Instant;
use gantry_core::cpm::{Diagnostic, Driver, Schedule, Severity};
use gantry_core::model::{DurationSettings, Plan, TaskId};
use gantry_formats::PlanFile;
use serde_json::json;

/// Prints diagnostics with the file positions of the tasks and links they name.
pub fn diagnostics(
    plan_file: &PlanFile,
    diagnostics: &[Diagnostic],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let source = &plan_file.source;
    for diagnostic in diagnostics {
        let label = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(out, "{label}: {}", diagnostic.message)?;
        for &task in &diagnostic.tasks {
            if let Some(position) = source.tasks.get(task.index()) {
                writeln!(
                    out,
                    "  --> {}:{}:{}: task \"{}\"",
                    source.file,
                    position.line,
                    position.column,
                    plan_file.plan.task(task).key
                )?;
            }
        }
        for &link in &diagnostic.links {
            if let Some(position) = source.links.get(link.index()) {
                let link = &plan_file.plan.links[link.index()];
                writeln!(
                    out,
                    "  --> {}:{}:{}: link \"{}\" → \"{}\"",
                    source.file,
                    position.line,
                    position.column,
                    plan_file.plan.task(link.predecessor).key,
                    plan_file.plan.task(link.successor).key
                )?;
            }
        }
    }
    Ok(())
}

/// Working minutes as days of the plan ("0d", "2d", "1.5d", "-3d").
pub fn days(minutes: i64, durations: &DurationSettings) -> String {
    let per_day = durations.minutes_per_day.max(1);
    if minutes % per_day == 0 {
        format!("{}d", minutes / per_day)
    } else {
        let value = minutes as f64 / per_day as f64;
        let text = format!("{value:.2}");
        format!("{}d", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// An instant as ISO 8601 without seconds ("2026-01-05T08:00").
pub(crate) fn iso(instant: Instant) -> String {
    let datetime = instant.to_civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        datetime.year(),
        datetime.month(),
        datetime.day(),
        datetime.hour(),
        datetime.minute()
    )
}

pub(crate) fn depth(plan: &Plan, task: usize) -> usize {
    let mut depth = 0;
    let mut current = plan.tasks[task].parent;
    while let Some(parent) = current {
        depth += 1;
        current = plan.task(parent).parent;
    }
    depth
}

/// The schedule as an aligned table, then the project finish and the critical path.
pub fn table(plan: &Plan, schedule: &Schedule, out: &mut impl Write) -> std::io::Result<()> {
    let outline = plan.outline_numbers();
    let names: Vec<String> = (0..plan.tasks.len())
        .map(|task| {
            format!(
                "{}{}",
                "  ".repeat(depth(plan, task)),
                plan.tasks[task].name
            )
        })
        .collect();
    let wbs_width = outline
        .iter()
        .map(|number| number.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let name_width = names
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    writeln!(
        out,
        "{:<wbs_width$}  {:<name_width$}  {:<16}  {:<16}  {:>8}  C",
        "WBS", "Task", "Start", "Finish", "Float"
    )?;
    for (task, entry) in schedule.tasks.iter().enumerate() {
        let name: String = names[task].chars().take(name_width).collect();
        writeln!(
            out,
            "{:<wbs_width$}  {:<name_width$}  {:<16}  {:<16}  {:>8}  {}",
            outline[task],
            name,
            entry.start.to_string(),
            entry.finish.to_string(),
            days(entry.total_float, &plan.durations),
            if entry.critical { "*" } else { "" }
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Project start:  {}", schedule.project_start)?;
    writeln!(out, "Project finish: {}", schedule.project_finish)?;
    if let Some(status_date) = schedule.status_date {
        writeln!(out, "Status date:    {status_date}")?;
    }
    for (number, path) in schedule.critical_paths.iter().enumerate() {
        let names: Vec<&str> = path
            .iter()
            .map(|&task| plan.task(task).name.as_str())
            .collect();
        let label = if schedule.critical_paths.len() > 1 {
            format!("Critical path {}", number + 1)
        } else {
            "Critical path".to_string()
        };
        writeln!(out, "{label}: {}", names.join(" → "))?;
    }
    Ok(())
}

fn driver_json(plan: &Plan, schedule: &Schedule, task: TaskId) -> serde_json::Value {
    match schedule.task(task).driver {
        Driver::ProjectStart => json!({"kind": "project_start"}),
        Driver::StatusDate => json!({"kind": "status_date"}),
        Driver::Constraint => json!({"kind": "constraint"}),
        Driver::Actual => json!({"kind": "actual"}),
        Driver::Links => json!({
            "kind": "links",
            "links": schedule.driving_links(task).iter().map(|link| {
                let link = &plan.links[link.index()];
                json!({
                    "predecessor": plan.task(link.predecessor).key,
                    "successor": plan.task(link.successor).key,
                    "type": link.kind.code(),
                })
            }).collect::<Vec<_>>(),
        }),
        Driver::Subtasks => json!({
            "kind": "subtasks",
            "tasks": schedule.driving_subtasks(task).iter().map(|&task| plan.task(task).key.clone()).collect::<Vec<_>>(),
        }),
    }
}

/// The schedule as one JSON object.
pub fn json(plan: &Plan, schedule: &Schedule, out: &mut impl Write) -> std::io::Result<()> {
    let outline = plan.outline_numbers();
    let tasks: Vec<serde_json::Value> = schedule
        .tasks
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let task = &plan.tasks[index];
            json!({
                "id": task.key,
                "name": task.name,
                "wbs": outline[index],
                "parent": task.parent.map(|parent| plan.task(parent).key.clone()),
                "start": iso(entry.start),
                "finish": iso(entry.finish),
                "early_start": iso(entry.early_start),
                "early_finish": iso(entry.early_finish),
                "late_start": iso(entry.late_start),
                "late_finish": iso(entry.late_finish),
                "total_float_minutes": entry.total_float,
                "free_float_minutes": entry.free_float,
                "critical": entry.critical,
                "is_summary": entry.is_summary,
                "is_milestone": entry.is_milestone,
                "duration_minutes": entry.duration_minutes,
                "percent_complete": entry.percent_complete,
                "driver": driver_json(plan, schedule, TaskId(index as u32)),
            })
        })
        .collect();
    let document = json!({
        "project": plan.name,
        "project_start": iso(schedule.project_start),
        "project_finish": iso(schedule.project_finish),
        "status_date": schedule.status_date.map(iso),
        "tasks": tasks,
        "critical_paths": schedule.critical_paths.iter().map(|path| {
            path.iter().map(|&task| plan.task(task).key.clone()).collect::<Vec<_>>()
        }).collect::<Vec<_>>(),
        "diagnostics": schedule.diagnostics.iter().map(|diagnostic| json!({
            "severity": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
            "kind": format!("{:?}", diagnostic.kind),
            "message": diagnostic.message,
            "tasks": diagnostic.tasks.iter().map(|&task| plan.task(task).key.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The schedule as CSV, one row per task.
pub fn csv(plan: &Plan, schedule: &Schedule, out: &mut impl Write) -> std::io::Result<()> {
    let outline = plan.outline_numbers();
    writeln!(
        out,
        "wbs,id,name,start,finish,early_start,early_finish,late_start,late_finish,total_float_minutes,free_float_minutes,critical,is_summary,is_milestone,percent_complete"
    )?;
    for (index, entry) in schedule.tasks.iter().enumerate() {
        let task = &plan.tasks[index];
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            outline[index],
            csv_field(&task.key),
            csv_field(&task.name),
            iso(entry.start),
            iso(entry.finish),
            iso(entry.early_start),
            iso(entry.early_finish),
            iso(entry.late_start),
            iso(entry.late_finish),
            entry.total_float,
            entry.free_float,
            entry.critical,
            entry.is_summary,
            entry.is_milestone,
            entry.percent_complete
        )?;
    }
    Ok(())
}
