//! Project control on the command line: `gantry evm` (earned value per project and WBS node),
//! `gantry baseline --save N` (saves the schedule as a baseline into a plan file) and the S-curve
//! of `gantry report --s-curve`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use gantry_core::baseline::TaskVariance;
use gantry_core::cpm::{self, Schedule, ScheduleOptions};
use gantry_core::evm::{EarnedValue, EvmFigures, EvmOptions, SCurve, earned_value, s_curve};
use gantry_core::time::Instant;
use gantry_formats::PlanFile;
use serde_json::json;

use crate::render;

/// Output format of `evm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object, for programs.
    Json,
}

/// A plan file loaded and scheduled at its status date (or `status_date` when given, which then
/// becomes the plan's): `None` when it cannot be read or scheduled (the errors are printed).
fn load_and_schedule(
    file: &Path,
    status_date: Option<&str>,
) -> anyhow::Result<Option<(PlanFile, Schedule)>> {
    let status_date = status_date
        .map(|text| {
            gantry_formats::parse_finish_datetime(text)
                .map_err(|message| anyhow::anyhow!(message))
                .with_context(|| format!("--status-date {text:?}"))
        })
        .transpose()?;
    let Some(mut plan_file) = crate::load(file) else {
        return Ok(None);
    };
    if let Some(status_date) = status_date {
        plan_file.plan.status_date = Some(status_date);
    }
    let options = ScheduleOptions {
        status_date: plan_file.plan.status_date,
        ..ScheduleOptions::default()
    };
    match cpm::schedule(&plan_file.plan, &options) {
        Ok(schedule) => Ok(Some((plan_file, schedule))),
        Err(failure) => {
            render::diagnostics(&plan_file, &failure.diagnostics, &mut std::io::stderr())?;
            Ok(None)
        }
    }
}

/// The EVM options for a plan: its status date is required.
fn evm_options(plan_file: &PlanFile, baseline: u32) -> anyhow::Result<EvmOptions> {
    let status_date = plan_file.plan.status_date.with_context(|| {
        format!(
            "{}: earned value needs a status date: set status_date in [project] or give --status-date",
            plan_file.source.file
        )
    })?;
    Ok(EvmOptions {
        baseline,
        status_date: Instant::from_civil(status_date),
    })
}

/// `gantry evm`.
pub fn evm(
    file: &Path,
    baseline: u32,
    status_date: Option<&str>,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let Some((plan_file, schedule)) = load_and_schedule(file, status_date)? else {
        return Ok(ExitCode::from(1));
    };
    let options = evm_options(&plan_file, baseline)?;
    let computed = earned_value(&plan_file.plan, &schedule, &options).and_then(|earned| {
        let variances =
            gantry_core::baseline::variances(&plan_file.plan, &schedule, options.baseline)?;
        let curve = s_curve(&plan_file.plan, &schedule, &options)?;
        Ok((earned, variances, curve))
    });
    let (earned, variances, curve) = match computed {
        Ok(computed) => computed,
        Err(error) => {
            eprintln!("error: {}: {error}", plan_file.source.file);
            return Ok(ExitCode::from(1));
        }
    };
    match format {
        Format::Table => table(&plan_file, &earned, out)?,
        Format::Json => evm_json(&plan_file, &earned, &variances, &curve, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A status date as people say it: midnight is "the end of" the day before.
fn status_text(at: Instant) -> String {
    if at.minute_of_day() == 0 {
        format!("the end of {}", at.plus_minutes(-1).to_civil().date())
    } else {
        at.to_string()
    }
}

fn money(value: f64) -> String {
    let whole = value.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if whole < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn index(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |value| format!("{value:.2}"))
}

fn optional_money(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), money)
}

fn table(plan_file: &PlanFile, earned: &EarnedValue, out: &mut impl Write) -> std::io::Result<()> {
    let plan = &plan_file.plan;
    let outline = plan.outline_numbers();
    let names: Vec<String> = (0..plan.tasks.len())
        .map(|task| {
            format!(
                "{}{}",
                "  ".repeat(render::depth(plan, task)),
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
        .clamp(7, 48);
    writeln!(
        out,
        "Earned value of \"{}\" at {} against {}",
        plan.name,
        status_text(earned.status_date),
        gantry_core::baseline::baseline_name(earned.baseline)
    )?;
    writeln!(out)?;
    let header = format!(
        "{:<wbs_width$}  {:<name_width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>9}  {:>9}  {:>5}  {:>5}  {:>10}  Flag",
        "WBS", "Task", "BAC", "PV", "EV", "AC", "SV", "CV", "SPI", "CPI", "EAC"
    );
    writeln!(out, "{header}")?;
    let row = |out: &mut dyn Write,
               wbs: &str,
               name: &str,
               figures: &EvmFigures,
               flag: &str|
     -> std::io::Result<()> {
        let name: String = name.chars().take(name_width).collect();
        writeln!(
            out,
            "{:<wbs_width$}  {:<name_width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>9}  {:>9}  {:>5}  {:>5}  {:>10}  {flag}",
            wbs,
            name,
            money(figures.bac),
            money(figures.pv),
            money(figures.ev),
            money(figures.ac),
            money(figures.sv),
            money(figures.cv),
            index(figures.spi),
            index(figures.cpi),
            optional_money(figures.eac),
        )
    };
    for (task, figures) in earned.tasks.iter().enumerate() {
        let flag = match earned.status[task] {
            Some(status) if status.finishes_late && status.behind_progress => "late, behind",
            Some(status) if status.finishes_late => "late",
            Some(status) if status.behind_progress => "behind",
            Some(_) => "",
            None => "new",
        };
        row(out, &outline[task], &names[task], figures, flag)?;
    }
    row(out, "", "Project", &earned.project, "")?;
    let project = &earned.project;
    writeln!(out)?;
    writeln!(
        out,
        "BAC {}  PV {}  EV {}  AC {}",
        money(project.bac),
        money(project.pv),
        money(project.ev),
        money(project.ac)
    )?;
    writeln!(
        out,
        "SV {}  CV {}  SPI {}  CPI {}",
        money(project.sv),
        money(project.cv),
        index(project.spi),
        index(project.cpi)
    )?;
    writeln!(
        out,
        "EAC (BAC / CPI):                 {}",
        optional_money(project.eac)
    )?;
    writeln!(
        out,
        "EAC (AC + BAC − EV):            {}",
        money(project.eac_remaining_to_plan)
    )?;
    writeln!(
        out,
        "EAC (AC + (BAC − EV) / CPI×SPI): {}",
        optional_money(project.eac_cpi_spi)
    )?;
    writeln!(
        out,
        "ETC {}  VAC {}  TCPI {}",
        optional_money(project.etc),
        optional_money(project.vac),
        index(project.tcpi)
    )?;
    let behind: Vec<String> = earned
        .status
        .iter()
        .enumerate()
        .filter(|(task, status)| {
            !plan_file.plan.summary_flags()[*task] && status.is_some_and(|s| s.behind_plan())
        })
        .map(|(task, _)| plan.tasks[task].name.clone())
        .collect();
    if !behind.is_empty() {
        writeln!(out, "Behind plan: {}", behind.join(", "))?;
    }
    Ok(())
}

fn figures_json(figures: &EvmFigures) -> serde_json::Value {
    json!({
        "bac": figures.bac,
        "pv": figures.pv,
        "ev": figures.ev,
        "ac": figures.ac,
        "sv": figures.sv,
        "cv": figures.cv,
        "spi": figures.spi,
        "cpi": figures.cpi,
        "eac": figures.eac,
        "eac_remaining_to_plan": figures.eac_remaining_to_plan,
        "eac_cpi_spi": figures.eac_cpi_spi,
        "etc": figures.etc,
        "vac": figures.vac,
        "tcpi": figures.tcpi,
    })
}

fn evm_json(
    plan_file: &PlanFile,
    earned: &EarnedValue,
    variances: &[Option<TaskVariance>],
    curve: &SCurve,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let plan = &plan_file.plan;
    let outline = plan.outline_numbers();
    let summary = plan.summary_flags();
    let tasks: Vec<serde_json::Value> = earned
        .tasks
        .iter()
        .enumerate()
        .map(|(task, figures)| {
            let mut value = figures_json(figures);
            value["id"] = json!(plan.tasks[task].key);
            value["name"] = json!(plan.tasks[task].name);
            value["wbs"] = json!(outline[task]);
            value["is_summary"] = json!(summary[task]);
            value["status"] = match earned.status[task] {
                Some(status) => json!({
                    "planned_percent": status.planned_percent,
                    "percent_complete": status.percent_complete,
                    "finish_variance_days": status.finish_variance_days,
                    "finishes_late": status.finishes_late,
                    "behind_progress": status.behind_progress,
                    "behind_plan": status.behind_plan(),
                }),
                None => serde_json::Value::Null,
            };
            value["variance"] = match variances.get(task).copied().flatten() {
                Some(variance) => json!({
                    "start_days": variance.start_days,
                    "finish_days": variance.finish_days,
                    "duration_days": variance.duration_days,
                    "work_hours": variance.work_minutes as f64 / 60.0,
                    "cost": variance.cost,
                }),
                None => serde_json::Value::Null,
            };
            value
        })
        .collect();
    let s_curve: Vec<serde_json::Value> = curve
        .points
        .iter()
        .map(|point| {
            json!({
                "at": render::iso(point.at),
                "pv": point.pv,
                "ev": point.ev,
                "ac": point.ac,
            })
        })
        .collect();
    let document = json!({
        "project": plan.name,
        "baseline": earned.baseline,
        "status_date": render::iso(earned.status_date),
        "figures": figures_json(&earned.project),
        "tasks": tasks,
        "s_curve": s_curve,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// `gantry baseline FILE --save N`: the plan file again, with baseline N saved from the schedule.
pub fn save_baseline(
    file: &Path,
    number: u32,
    saved: Option<&str>,
    output: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let saved = match saved {
        Some(text) => gantry_formats::parse_datetime(text)
            .map_err(|message| anyhow::anyhow!(message))
            .with_context(|| format!("--saved {text:?}"))?,
        None => {
            let now = jiff::Zoned::now().datetime();
            now.date().at(now.hour(), now.minute(), 0, 0)
        }
    };
    let Some((mut plan_file, schedule)) = load_and_schedule(file, None)? else {
        return Ok(ExitCode::from(1));
    };
    if let Err(error) =
        gantry_core::baseline::save_baseline(&mut plan_file.plan, &schedule, number, saved)
    {
        eprintln!("error: {}: {error}", plan_file.source.file);
        return Ok(ExitCode::from(1));
    }
    let text = gantry_formats::write_plan(&plan_file.plan);
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The S-curve of `file` against baseline `baseline`, as SVG, written to `path`.
pub fn write_s_curve(
    file: &Path,
    baseline: u32,
    status_date: Option<&str>,
    path: &Path,
) -> anyhow::Result<ExitCode> {
    let Some((plan_file, schedule)) = load_and_schedule(file, status_date)? else {
        return Ok(ExitCode::from(1));
    };
    let options = evm_options(&plan_file, baseline)?;
    let curve = match s_curve(&plan_file.plan, &schedule, &options) {
        Ok(curve) => curve,
        Err(error) => {
            eprintln!("error: {}: {error}", plan_file.source.file);
            return Ok(ExitCode::from(1));
        }
    };
    let svg = gantry_report::s_curve_svg(&curve, &plan_file.plan.name);
    std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    Ok(ExitCode::SUCCESS)
}
