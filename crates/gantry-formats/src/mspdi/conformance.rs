//! Conformance: reschedule an MSPDI file from its inputs alone and compare with the dates stored
//! in it, task by task and field by field.
//!
//! The stored dates are what Microsoft Project (or MPXJ's re-implementation of its scheduler)
//! computed when the file was saved; the comparison is the measure of how faithfully Gantry's
//! engine follows MS Project. Manually scheduled tasks carry dates a person typed, so they are
//! counted apart and not compared; the project summary task (UID 0) is not a plan task.

use gantry_core::cpm::{Driver, Schedule, ScheduleOptions, schedule};
use gantry_core::model::{Plan, TaskId};
use gantry_core::time::Instant;
use jiff::civil::DateTime;
use serde::Serialize;

use super::{MspdiProject, StoredDates};

/// The outcome for one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    /// The file as the caller named it.
    pub file: String,
    /// Tasks whose computed values were compared with the stored ones.
    pub tasks_compared: usize,
    /// Compared tasks whose start and finish are both identical.
    pub start_finish_identical: usize,
    /// Compared tasks whose every compared field is identical.
    pub all_fields_identical: usize,
    /// Manually scheduled tasks (not compared).
    pub manual_tasks: usize,
    /// Why the file could not be compared at all (read error, scheduling error), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every field that differs.
    pub mismatches: Vec<Mismatch>,
}

/// One field of one task that Gantry computes differently from the file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mismatch {
    /// The task's UID in the file.
    pub task_uid: i64,
    /// The task's name.
    pub task: String,
    /// The field: `start`, `finish`, `early_start`, `early_finish`, `late_start`,
    /// `late_finish`, `total_slack` or `critical`.
    pub field: &'static str,
    /// The stored value.
    pub expected: String,
    /// Gantry's value.
    pub computed: String,
    /// What drives the task in Gantry's schedule, in words.
    pub driver: String,
}

/// Totals over several files.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Tasks compared.
    pub tasks_compared: usize,
    /// Of which start and finish are identical.
    pub start_finish_identical: usize,
    /// Of which every field is identical.
    pub all_fields_identical: usize,
}

impl Totals {
    /// The totals of `files`.
    pub fn of(files: &[FileReport]) -> Totals {
        let mut totals = Totals::default();
        for file in files {
            totals.tasks_compared += file.tasks_compared;
            totals.start_finish_identical += file.start_finish_identical;
            totals.all_fields_identical += file.all_fields_identical;
        }
        totals
    }
}

/// The options under which MS Project's stored dates were computed: progress as reported, and
/// remaining work not moved after the status date (MS Project moves it only on request).
pub fn options_for(project: &MspdiProject) -> ScheduleOptions {
    ScheduleOptions {
        status_date: project.plan.status_date,
        schedule_after_status_date: false,
        ..ScheduleOptions::default()
    }
}

/// Reschedules `project` and compares it with the dates stored in it.
pub fn compare(file: &str, project: &MspdiProject) -> FileReport {
    let mut report = FileReport {
        file: file.to_string(),
        tasks_compared: 0,
        start_finish_identical: 0,
        all_fields_identical: 0,
        manual_tasks: project.tasks.iter().filter(|task| task.manual).count(),
        error: None,
        mismatches: Vec::new(),
    };
    if !project.schedule_from_start {
        report.error =
            Some("the project is scheduled from its finish date, which Gantry does not do".into());
        return report;
    }
    let plan = project.scheduling_plan();
    let computed = match schedule(&plan, &options_for(project)) {
        Ok(computed) => computed,
        Err(failure) => {
            let messages: Vec<String> = failure
                .diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect();
            report.error = Some(format!("cannot schedule: {}", messages.join("; ")));
            return report;
        }
    };
    for (index, info) in project.tasks.iter().enumerate() {
        if info.manual {
            continue;
        }
        let id = TaskId(index as u32);
        let task = computed.task(id);
        let stored = &info.stored;
        let mut differences: Vec<(&'static str, String, String)> = Vec::new();
        let mut start_finish_same = true;
        let dates: [(&'static str, Option<DateTime>, Instant); 6] = [
            ("start", stored.start, task.start),
            ("finish", stored.finish, task.finish),
            ("early_start", stored.early_start, task.early_start),
            ("early_finish", stored.early_finish, task.early_finish),
            ("late_start", stored.late_start, task.late_start),
            ("late_finish", stored.late_finish, task.late_finish),
        ];
        if !has_computed_values(stored) {
            continue;
        }
        for (field, expected, value) in dates {
            let Some(expected) = expected else { continue };
            let value = value.to_civil();
            if value != expected {
                if matches!(field, "start" | "finish") {
                    start_finish_same = false;
                }
                differences.push((field, format_date(expected), format_date(value)));
            }
        }
        // MPXJ leaves zero slack out of the files it writes: a missing value means zero. Slack
        // is stored in tenths of a minute; it is compared to the minute, as the dates are (the
        // reader drops their seconds) and as durations are read (to the nearest minute).
        let expected_slack = stored.total_slack_tenths.unwrap_or(0);
        let slack = task.total_float * 10;
        if task.total_float != (expected_slack as f64 / 10.0).round() as i64 {
            differences.push((
                "total_slack",
                format_slack(expected_slack),
                format_slack(slack),
            ));
        }
        if let Some(expected) = stored.critical
            && expected != task.critical
        {
            differences.push(("critical", expected.to_string(), task.critical.to_string()));
        }
        report.tasks_compared += 1;
        if start_finish_same {
            report.start_finish_identical += 1;
        }
        if differences.is_empty() {
            report.all_fields_identical += 1;
        }
        if !differences.is_empty() {
            let driver = describe_driver(&plan, project, &computed, id);
            for (field, expected, computed_value) in differences {
                report.mismatches.push(Mismatch {
                    task_uid: info.uid,
                    task: project.plan.task(id).name.clone(),
                    field,
                    expected,
                    computed: computed_value,
                    driver: driver.clone(),
                });
            }
        }
    }
    report
}

/// A task the saving program computed nothing for (no start, no finish) is not comparable.
fn has_computed_values(stored: &StoredDates) -> bool {
    stored.start.is_some() || stored.finish.is_some()
}

fn format_date(datetime: DateTime) -> String {
    datetime.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// Slack in tenths of a minute, shown as working days and hours of an 8-hour day.
fn format_slack(tenths: i64) -> String {
    let minutes = tenths as f64 / 10.0;
    format!("{minutes}min ({:.2}d)", minutes / 480.0)
}

/// What drives a task in Gantry's schedule, in words.
pub fn describe_driver(
    plan: &Plan,
    project: &MspdiProject,
    schedule: &Schedule,
    id: TaskId,
) -> String {
    let uid = |task: TaskId| project.tasks[task.index()].uid;
    match schedule.task(id).driver {
        Driver::ProjectStart => "the project start".to_string(),
        Driver::StatusDate => "the status date".to_string(),
        Driver::Constraint => format!("its constraint {}", plan.task(id).constraint.code()),
        Driver::Actual => "its actual dates".to_string(),
        Driver::Links => {
            let links: Vec<String> = schedule
                .driving_links(id)
                .iter()
                .map(|&link| {
                    let link = &plan.links[link.index()];
                    format!("UID {} {}", uid(link.predecessor), link.kind.code())
                })
                .collect();
            format!("predecessor {}", links.join(", "))
        }
        Driver::Subtasks => {
            let tasks: Vec<String> = schedule
                .driving_subtasks(id)
                .iter()
                .map(|&task| format!("UID {}", uid(task)))
                .collect();
            format!("subtasks {}", tasks.join(", "))
        }
    }
}
