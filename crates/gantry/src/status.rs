//! `gantry report FILE --status out.html`: the one-page status report for stakeholders, as HTML
//! (the same as the web app's report page, drawn by `gantry-report`) or Markdown.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use gantry_core::cpm::{self, ScheduleOptions};
use gantry_core::risk::Delay;
use gantry_formats::PlanFile;

use crate::render;

/// How the status report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A whole HTML document, styled for screen and print.
    Html,
    /// Markdown, to paste into an e-mail or a wiki.
    #[value(alias = "md")]
    Markdown,
}

/// Writes the status report of the plan in `file` to `output` (`-` for standard output).
pub fn write_status_report(
    file: &Path,
    output: &Path,
    format: StatusFormat,
) -> anyhow::Result<ExitCode> {
    let Some(plan_file) = crate::load(file) else {
        return Ok(ExitCode::from(1));
    };
    let options = ScheduleOptions {
        status_date: plan_file.plan.status_date,
        ..ScheduleOptions::default()
    };
    let schedule = match cpm::schedule(&plan_file.plan, &options) {
        Ok(schedule) => schedule,
        Err(failure) => {
            render::diagnostics(&plan_file, &failure.diagnostics, &mut std::io::stderr())?;
            return Ok(ExitCode::from(1));
        }
    };
    let extras = gantry_report::StatusExtras {
        report_date: jiff::Zoned::now()
            .date()
            .strftime("%a %-d %b %Y")
            .to_string(),
        // A plan file keeps no record of change requests.
        recent_changes: None,
        changes_since: None,
        decisions_needed: None,
        // A plan file's `[[risk]]` tables: no owner, score or status, so all open.
        risks: Some(risk_notes(&plan_file)),
    };
    let report = gantry_report::status_report(&plan_file.plan, &schedule, &extras);
    let text = match format {
        StatusFormat::Html => gantry_report::status_report_document(&report),
        StatusFormat::Markdown => gantry_report::status_report_markdown(&report),
    };
    if output == Path::new("-") {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        std::fs::write(output, text).with_context(|| format!("writing {}", output.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan file's risk events as the report lists them: probability, and the delay and cost
/// they bring in words ("delay 3d–5d–15d, cost 12,000"); no score, owner or response (a plan
/// file has no register), all open.
fn risk_notes(plan_file: &PlanFile) -> Vec<gantry_report::RiskNote> {
    let durations = &plan_file.plan.durations;
    plan_file
        .risk
        .risks
        .iter()
        .map(|risk| {
            let mut impact = Vec::new();
            match risk.delay {
                Delay::Fixed(0) => {}
                Delay::Fixed(minutes) => {
                    impact.push(format!("delay {}", render::days(minutes, durations)));
                }
                Delay::Uncertain(three) => impact.push(format!(
                    "delay {}–{}–{}",
                    render::days(three.min, durations),
                    render::days(three.likely, durations),
                    render::days(three.max, durations)
                )),
            }
            if risk.cost > 0.0 {
                impact.push(format!("cost {}", gantry_report::money(risk.cost)));
            }
            gantry_report::RiskNote {
                title: risk.name.clone(),
                score: None,
                probability: risk.probability,
                impact: if impact.is_empty() {
                    "none given".to_string()
                } else {
                    impact.join(", ")
                },
                owner: None,
                response: None,
                cost: risk.cost,
                state: gantry_report::RiskState::Open,
            }
        })
        .collect()
}
