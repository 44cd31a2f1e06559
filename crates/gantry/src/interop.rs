//! `gantry conformance`, `gantry import` and `gantry export`: MS Project XML in and out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use gantry_formats::mspdi::{self, conformance};

/// Output format of `conformance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One row per file, then the mismatches, for people.
    Table,
    /// One JSON object, for programs.
    Json,
}

/// Every `.xml` file under `path` (itself when it is a file), sorted, subfolders included.
fn xml_files(path: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot list {}", path.display()))?;
        entries.sort();
        for entry in entries {
            if entry.is_dir()
                || entry
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"))
            {
                xml_files(&entry, found)?;
            }
        }
    } else if path.exists() {
        found.push(path.to_path_buf());
    } else {
        anyhow::bail!("{} does not exist", path.display());
    }
    Ok(())
}

/// Reads an MSPDI file, naming the file in its errors.
pub fn read(path: &Path) -> Result<mspdi::MspdiProject, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    mspdi::read_mspdi(&path.display().to_string(), &text).map_err(|error| error.to_string())
}

/// `gantry conformance PATH...`.
pub fn conformance(
    paths: &[PathBuf],
    format: ReportFormat,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    for path in paths {
        xml_files(path, &mut files)?;
    }
    let mut reports = Vec::with_capacity(files.len());
    for file in &files {
        let name = file.display().to_string();
        let report = match read(file) {
            Ok(project) => conformance::compare(&name, &project),
            Err(error) => conformance::FileReport {
                file: name,
                tasks_compared: 0,
                start_finish_identical: 0,
                all_fields_identical: 0,
                manual_tasks: 0,
                error: Some(error),
                mismatches: Vec::new(),
            },
        };
        reports.push(report);
    }
    let totals = conformance::Totals::of(&reports);
    match format {
        ReportFormat::Json => {
            let value = serde_json::json!({ "files": reports, "totals": totals });
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
        }
        ReportFormat::Table => table(&reports, &totals, out)?,
    }
    let unreadable = reports
        .iter()
        .filter(|report| report.error.is_some())
        .count();
    Ok(if unreadable > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

fn table(
    reports: &[conformance::FileReport],
    totals: &conformance::Totals,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "| file | compared | manual | start+finish identical | all fields identical |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for report in reports {
        let name = Path::new(&report.file)
            .file_name()
            .map_or(report.file.clone(), |name| {
                name.to_string_lossy().into_owned()
            });
        match &report.error {
            Some(error) => writeln!(out, "| {name} | error: {error} | | | |")?,
            None => writeln!(
                out,
                "| {name} | {} | {} | {} ({}) | {} ({}) |",
                report.tasks_compared,
                report.manual_tasks,
                report.start_finish_identical,
                percent(report.start_finish_identical, report.tasks_compared),
                report.all_fields_identical,
                percent(report.all_fields_identical, report.tasks_compared),
            )?,
        }
    }
    writeln!(
        out,
        "| **total** | {} | | {} ({}) | {} ({}) |",
        totals.tasks_compared,
        totals.start_finish_identical,
        percent(totals.start_finish_identical, totals.tasks_compared),
        totals.all_fields_identical,
        percent(totals.all_fields_identical, totals.tasks_compared),
    )?;
    let mismatches: usize = reports.iter().map(|report| report.mismatches.len()).sum();
    if mismatches > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "Mismatches (expected = stored in the file, computed = Gantry):"
        )?;
        for report in reports {
            for mismatch in &report.mismatches {
                writeln!(
                    out,
                    "{}: UID {} {:?} {}: expected {}, computed {} (driven by {})",
                    Path::new(&report.file)
                        .file_name()
                        .map_or(report.file.clone(), |n| n.to_string_lossy().into_owned()),
                    mismatch.task_uid,
                    mismatch.task,
                    mismatch.field,
                    mismatch.expected,
                    mismatch.computed,
                    mismatch.driver
                )?;
            }
        }
    }
    Ok(())
}

/// What `import` and `export` read: an MSPDI file, or a plan file wrapped with no MSPDI facts.
pub(crate) fn read_any(path: &Path) -> Result<mspdi::MspdiProject, ExitCode> {
    let is_xml = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"));
    if is_xml {
        match read(path) {
            Ok(project) => {
                for warning in &project.warnings {
                    eprintln!("warning: {}: {warning}", path.display());
                }
                Ok(project)
            }
            Err(error) => {
                eprintln!("error: {error}");
                Err(ExitCode::from(1))
            }
        }
    } else {
        match gantry_formats::load_plan(path) {
            Ok(plan_file) => Ok(mspdi::MspdiProject::from_plan(plan_file.plan)),
            Err(errors) => {
                for error in &errors.0 {
                    eprintln!("error: {error}");
                }
                Err(ExitCode::from(1))
            }
        }
    }
}

/// Writes `text` to `output`, or to `out` when there is none.
fn emit(text: &str, output: Option<&Path>, out: &mut impl Write) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => Ok(out.write_all(text.as_bytes())?),
    }
}

/// `gantry import FILE.xml [-o plan.toml]`: an MS Project file as a plan file.
pub fn import(
    file: &Path,
    output: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let project = match read(file) {
        Ok(project) => project,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    for warning in &project.warnings {
        eprintln!("warning: {}: {warning}", file.display());
    }
    // The plan file holds what the engine schedules: manual tasks at their dates, tasks on
    // their resources' calendars.
    let plan = project.scheduling_plan();
    // Baselines become `[[baseline]]` sections; a task's baseline without a start and a finish
    // (MS Project writes some with only work or cost) has no place there.
    let in_file: usize = project.tasks.iter().map(|task| task.baselines.len()).sum();
    let kept: usize = plan
        .baselines
        .iter()
        .map(|baseline| baseline.tasks.iter().flatten().count())
        .sum();
    if kept < in_file {
        eprintln!(
            "note: {} task baselines without a start and a finish stay in the MS Project file",
            in_file - kept
        );
    }
    let text = gantry_formats::write_plan(&plan);
    // The plan file must read back as the same plan; say so plainly if it cannot.
    if let Err(errors) = gantry_formats::parse_plan("imported plan", &text) {
        for error in &errors.0 {
            eprintln!(
                "error: the plan written from {} does not read back: {error}",
                file.display()
            );
        }
        return Ok(ExitCode::from(1));
    }
    emit(&text, output, out)?;
    Ok(ExitCode::SUCCESS)
}

/// `gantry export FILE --to mspdi [-o out.xml]`: a plan file or an MSPDI file, scheduled, as
/// MSPDI.
pub fn export(
    file: &Path,
    output: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let project = match read_any(file) {
        Ok(project) => project,
        Err(code) => return Ok(code),
    };
    let plan = project.scheduling_plan();
    let schedule = match gantry_core::cpm::schedule(&plan, &conformance::options_for(&project)) {
        Ok(schedule) => schedule,
        Err(failure) => {
            for diagnostic in &failure.diagnostics {
                eprintln!("error: {}: {}", file.display(), diagnostic.message);
            }
            return Ok(ExitCode::from(1));
        }
    };
    let text = mspdi::write_mspdi(&project, Some(&schedule));
    emit(&text, output, out)?;
    Ok(ExitCode::SUCCESS)
}
