//! The `gantry` command line: a thin layer that parses arguments and calls the library crates.

mod bench;
mod bench_api;
mod bench_pages;
mod control;
mod interop;
mod render;
mod resources;
mod serve;
mod simulate;
mod status;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use gantry_core::cpm::{self, ScheduleOptions, Severity};

/// Gantry: IT project planning — serve the web app and API, schedule plans, find the critical
/// path, level resources, exchange MS Project files, benchmark the engine.
#[derive(Parser, Debug)]
#[command(name = "gantry", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a plan file and print its diagnostics; exits 1 when it has errors.
    Check {
        /// The plan file (TOML).
        file: PathBuf,
    },
    /// Schedule a plan and print every task's dates, float and the critical path.
    Schedule {
        /// The plan file (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Status date (YYYY-MM-DD or YYYY-MM-DDTHH:MM); a date alone means the end of that day.
        #[arg(long)]
        status_date: Option<String>,
    },
    /// Draw a plan's schedule: `--gantt out.svg` writes the Gantt chart (the one the web app
    /// shows), `--s-curve out.svg` the earned-value S-curve (PV, EV and AC week by week),
    /// `--status out.html` the one-page status report for stakeholders.
    Report {
        /// The plan file (TOML).
        file: PathBuf,
        /// Write the Gantt chart as SVG to this file.
        #[arg(long, required_unless_present_any = ["s_curve", "status"])]
        gantt: Option<PathBuf>,
        /// Timescale of the chart.
        #[arg(long, value_enum, default_value_t = ScaleArg::Week)]
        scale: ScaleArg,
        /// Write the S-curve of earned value as SVG to this file (needs a baseline and a
        /// status date).
        #[arg(long)]
        s_curve: Option<PathBuf>,
        /// The baseline the S-curve measures against (0 to 10).
        #[arg(long, default_value_t = 0)]
        baseline: u32,
        /// Write the status report (RAG status and why, key dates, milestones, critical path,
        /// over-allocation, earned value and its SPI/CPI trend, the top risks of the plan's
        /// `[[risk]]` tables) to this file; `-` for standard output.
        #[arg(long)]
        status: Option<PathBuf>,
        /// The status report's format (`md` is short for `markdown`).
        #[arg(long, value_enum, default_value_t = status::StatusFormat::Html)]
        format: status::StatusFormat,
    },
    /// Earned value at the status date against a baseline: BAC, PV, EV, AC, SV, CV, SPI, CPI,
    /// EAC (three ways), ETC, VAC and TCPI for the project and every WBS node; tasks behind plan
    /// flagged.
    Evm {
        /// The plan file (TOML), with a saved baseline.
        file: PathBuf,
        /// The baseline to measure against (0 = Baseline … 10 = Baseline10).
        #[arg(long, default_value_t = 0)]
        baseline: u32,
        /// Status date (YYYY-MM-DD or YYYY-MM-DDTHH:MM; a date alone means the end of that day);
        /// the plan's own when absent.
        #[arg(long)]
        status_date: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = control::Format::Table)]
        format: control::Format,
    },
    /// Save the current schedule (dates, work and cost of every task) as baseline N and write
    /// the plan file with it.
    Baseline {
        /// The plan file (TOML).
        file: PathBuf,
        /// The baseline number to save (0 = Baseline … 10 = Baseline10); replaces one saved before.
        #[arg(long)]
        save: u32,
        /// When the baseline is saved (YYYY-MM-DDTHH:MM); now when absent.
        #[arg(long)]
        saved: Option<String>,
        /// Where to write the plan file (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Show each resource's load per period and when it is over-allocated.
    Resources {
        /// Plan files (TOML) or MS Project XML files; several files share their resources by id.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Period length.
        #[arg(long, value_enum, default_value_t = resources::PeriodArg::Week)]
        period: resources::PeriodArg,
        /// Output format.
        #[arg(long, value_enum, default_value_t = resources::Format::Table)]
        format: resources::Format,
    },
    /// Level resources: delay tasks (or split those that allow it) until no resource is booked
    /// beyond its units, and show what moved and what it costs the finish date.
    Level {
        /// Plan files (TOML) or MS Project XML files; several files are leveled together as a
        /// portfolio, resources with the same id being one shared pool.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = resources::Format::Table)]
        format: resources::Format,
        /// Write the leveled plan (delayed tasks carry a Start No Earlier Than, split tasks their
        /// splits) to this file; with several files, into this folder, one plan file each.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Monte Carlo schedule and cost risk: draw the three-point estimates and risk events many
    /// times and print the finish-date percentiles (P10/P50/P80/P90), the chance of meeting the
    /// deadline, each task's criticality index and the durations that drive the finish.
    Simulate(simulate::SimulateArgs),
    /// Read an MS Project XML (MSPDI) file and write it as a plan file.
    Import {
        /// The MSPDI file.
        file: PathBuf,
        /// Where to write the plan file (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Schedule a plan file or an MSPDI file and write it as MS Project XML.
    Export {
        /// A plan file (TOML) or an MSPDI file (.xml).
        file: PathBuf,
        /// The format to write.
        #[arg(long, value_enum, default_value_t = ExportFormat::Mspdi)]
        to: ExportFormat,
        /// Where to write (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Reschedule MS Project XML files from their inputs and compare with the dates stored in
    /// them (every .xml of a folder, subfolders included); exits 1 when a file cannot be read.
    Conformance {
        /// MSPDI files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = interop::ReportFormat::Table)]
        format: interop::ReportFormat,
    },
    /// Run the web app and the JSON API (on a SQLite file in the data folder, or PostgreSQL).
    Serve(serve::ServeArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: serve::UserCommand,
    },
    /// Measure the engine.
    Bench {
        #[command(subcommand)]
        workload: bench::Workload,
    },
}

/// Output format of `schedule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object, for programs.
    Json,
    /// Comma-separated values, for spreadsheets.
    Csv,
}

/// Formats `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// MS Project XML (MSPDI), read by MS Project, ProjectLibre, GanttProject and MPXJ.
    Mspdi,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            // `gantry schedule … | head` closes the pipe early: that is not a failure.
            if error.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // The server logs from many threads: it must not run while this thread holds stdout's lock.
    let command = match cli.command {
        Command::Serve(args) => return serve::serve(args),
        command => command,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match command {
        Command::Check { file } => check(&file, &mut out)?,
        Command::Schedule {
            file,
            format,
            status_date,
        } => schedule(&file, format, status_date.as_deref(), &mut out)?,
        Command::Report {
            file,
            gantt,
            scale,
            s_curve,
            baseline,
            status,
            format,
        } => {
            let mut code = ExitCode::SUCCESS;
            if let Some(gantt) = gantt {
                code = report(&file, &gantt, scale)?;
            }
            if let Some(path) = s_curve
                && code == ExitCode::SUCCESS
            {
                code = control::write_s_curve(&file, baseline, None, &path)?;
            }
            if let Some(path) = status
                && code == ExitCode::SUCCESS
            {
                code = status::write_status_report(&file, &path, format)?;
            }
            code
        }
        Command::Evm {
            file,
            baseline,
            status_date,
            format,
        } => control::evm(&file, baseline, status_date.as_deref(), format, &mut out)?,
        Command::Baseline {
            file,
            save,
            saved,
            output,
        } => control::save_baseline(&file, save, saved.as_deref(), output.as_deref(), &mut out)?,
        Command::Resources {
            files,
            period,
            format,
        } => resources::run(&files, period, format, &mut out)?,
        Command::Level {
            files,
            format,
            output,
        } => resources::level(&files, format, output.as_deref(), &mut out)?,
        Command::Simulate(args) => simulate::run(args, &mut out)?,
        Command::Import { file, output } => interop::import(&file, output.as_deref(), &mut out)?,
        Command::Export {
            file,
            to: ExportFormat::Mspdi,
            output,
        } => interop::export(&file, output.as_deref(), &mut out)?,
        Command::Conformance { paths, format } => interop::conformance(&paths, format, &mut out)?,
        Command::Bench { workload } => bench::run(workload, &mut out)?,
        Command::Serve(_) => unreachable!("served above"),
        Command::User { command } => serve::user(command, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

/// Loads a plan, printing its errors to stderr; `None` when it cannot be read or parsed.
pub(crate) fn load(file: &std::path::Path) -> Option<gantry_formats::PlanFile> {
    match gantry_formats::load_plan(file) {
        Ok(plan_file) => Some(plan_file),
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("error: {error}");
            }
            None
        }
    }
}

fn check(file: &std::path::Path, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let Some(plan_file) = load(file) else {
        return Ok(ExitCode::from(1));
    };
    match cpm::schedule(&plan_file.plan, &ScheduleOptions::default()) {
        Ok(schedule) => {
            render::diagnostics(&plan_file, &schedule.diagnostics, &mut std::io::stderr())?;
            let warnings = schedule
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count();
            writeln!(
                out,
                "{}: {} tasks, {} links: ok{}",
                file.display(),
                plan_file.plan.tasks.len(),
                plan_file.plan.links.len(),
                if warnings > 0 {
                    format!(" ({warnings} warning(s))")
                } else {
                    String::new()
                }
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            render::diagnostics(&plan_file, &failure.diagnostics, &mut std::io::stderr())?;
            Ok(ExitCode::from(1))
        }
    }
}

/// The Gantt chart's timescale on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ScaleArg {
    Day,
    Week,
    Month,
}

fn report(
    file: &std::path::Path,
    gantt: &std::path::Path,
    scale: ScaleArg,
) -> anyhow::Result<ExitCode> {
    let Some(plan_file) = load(file) else {
        return Ok(ExitCode::from(1));
    };
    let schedule = match cpm::schedule(&plan_file.plan, &ScheduleOptions::default()) {
        Ok(schedule) => schedule,
        Err(failure) => {
            render::diagnostics(&plan_file, &failure.diagnostics, &mut std::io::stderr())?;
            return Ok(ExitCode::from(1));
        }
    };
    let options = gantry_report::GanttOptions {
        scale: match scale {
            ScaleArg::Day => gantry_report::Scale::Day,
            ScaleArg::Week => gantry_report::Scale::Week,
            ScaleArg::Month => gantry_report::Scale::Month,
        },
        ..gantry_report::GanttOptions::default()
    };
    let svg = gantry_report::gantt_svg(&plan_file.plan, &schedule, &options);
    std::fs::write(gantt, svg).with_context(|| format!("writing {}", gantt.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn schedule(
    file: &std::path::Path,
    format: Format,
    status_date: Option<&str>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let mut options = ScheduleOptions::default();
    if let Some(text) = status_date {
        // The same rule as `status_date` in a plan file: a date alone means the end of that day.
        let status_date = gantry_formats::parse_finish_datetime(text)
            .map_err(|message| anyhow::anyhow!(message))
            .with_context(|| format!("--status-date {text:?}"))?;
        options.status_date = Some(status_date);
    }
    let Some(plan_file) = load(file) else {
        return Ok(ExitCode::from(1));
    };
    let schedule = match cpm::schedule(&plan_file.plan, &options) {
        Ok(schedule) => schedule,
        Err(failure) => {
            render::diagnostics(&plan_file, &failure.diagnostics, &mut std::io::stderr())?;
            return Ok(ExitCode::from(1));
        }
    };
    match format {
        Format::Table => {
            render::table(&plan_file.plan, &schedule, out)?;
            render::diagnostics(&plan_file, &schedule.diagnostics, &mut std::io::stderr())?;
        }
        Format::Json => render::json(&plan_file.plan, &schedule, out)?,
        Format::Csv => render::csv(&plan_file.plan, &schedule, out)?,
    }
    Ok(ExitCode::SUCCESS)
}
