//! `gantry report FILE --status out.html`: the one-page status report for stakeholders, as HTML
//! (the same as the web app's report page, drawn by `gantry-report`) or Markdown.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use gantry_core::cpm::{self, ScheduleOptions};

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
        decisions_needed: None,
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
