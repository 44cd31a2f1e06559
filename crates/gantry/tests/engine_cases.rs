//! Data-driven engine tests: each `tests/cases/*.toml` is a small plan whose comments reason out,
//! from Microsoft Project's rules, the dates it must get; the computed table is compared with the
//! snapshot in `tests/snapshots`, which was checked by hand against those comments.

use std::fmt::Write as _;
use std::path::Path;

use gantry_core::Instant;
use gantry_core::cpm::{Driver, ScheduleOptions, schedule};

fn day(instant: Instant) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!(
        "{} {}",
        WEEKDAYS[instant.weekday_index()],
        &instant.to_string()[5..]
    )
}

fn hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{}m", minutes)
    }
}

/// The schedule of a case file as a table a person can check line by line.
fn table(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("case file");
    let plan_file = gantry_formats::parse_plan(&path.display().to_string(), &text)
        .unwrap_or_else(|errors| panic!("{} does not parse: {errors}", path.display()));
    let plan = &plan_file.plan;
    let mut out = String::new();
    let schedule = match schedule(plan, &ScheduleOptions::default()) {
        Ok(schedule) => schedule,
        Err(failure) => {
            for diagnostic in &failure.diagnostics {
                writeln!(out, "error: {}", diagnostic.message)
                    .expect("writing to a String cannot fail");
            }
            return out;
        }
    };
    writeln!(
        out,
        "{:<12} {:<15} {:<15} {:<15} {:<15} {:<15} {:<15} {:>6} {:>6} C  driver",
        "task",
        "start",
        "finish",
        "early start",
        "early finish",
        "late start",
        "late finish",
        "TF",
        "FF"
    )
    .expect("writing to a String cannot fail");
    for (index, entry) in schedule.tasks.iter().enumerate() {
        let task = &plan.tasks[index];
        let id = gantry_core::model::TaskId(index as u32);
        let driver = match entry.driver {
            Driver::ProjectStart => "project start".to_string(),
            Driver::StatusDate => "status date".to_string(),
            Driver::Constraint => "constraint".to_string(),
            Driver::Actual => "actual".to_string(),
            Driver::Links => schedule
                .driving_links(id)
                .iter()
                .map(|link| {
                    let link = &plan.links[link.index()];
                    format!("{} {}", plan.task(link.predecessor).key, link.kind.code())
                })
                .collect::<Vec<_>>()
                .join(", "),
            Driver::Subtasks => format!(
                "subtasks {}",
                schedule
                    .driving_subtasks(id)
                    .iter()
                    .map(|&task| plan.task(task).key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        writeln!(
            out,
            "{:<12} {:<15} {:<15} {:<15} {:<15} {:<15} {:<15} {:>6} {:>6} {}  {}",
            task.key,
            day(entry.start),
            day(entry.finish),
            day(entry.early_start),
            day(entry.early_finish),
            day(entry.late_start),
            day(entry.late_finish),
            hours(entry.total_float),
            hours(entry.free_float),
            if entry.critical { "*" } else { " " },
            driver
        )
        .expect("writing to a String cannot fail");
    }
    writeln!(out, "project finish {}", day(schedule.project_finish))
        .expect("writing to a String cannot fail");
    for path in &schedule.critical_paths {
        let names: Vec<&str> = path
            .iter()
            .map(|&task| plan.task(task).key.as_str())
            .collect();
        writeln!(out, "critical path {}", names.join(" → "))
            .expect("writing to a String cannot fail");
    }
    for diagnostic in &schedule.diagnostics {
        writeln!(out, "warning: {}", diagnostic.message).expect("writing to a String cannot fail");
    }
    out
}

/// The case files, in name order.
fn case_files() -> Vec<std::path::PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases: Vec<_> = std::fs::read_dir(&folder)
        .expect("tests/cases")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", folder.display());
    cases
}

#[test]
fn engine_cases() {
    for case in case_files() {
        let name = case
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        insta::assert_snapshot!(name, table(&case));
    }
}

/// Every case plan written back as a plan file reads as the same plan: what the writer leaves out
/// (a duration that follows from work, a default task type) the reader derives again.
#[test]
fn cases_survive_a_write_and_a_read() {
    for case in case_files() {
        let text = std::fs::read_to_string(&case).expect("case file");
        let plan = gantry_formats::parse_plan("case.toml", &text)
            .expect("case parses")
            .plan;
        let written = gantry_formats::write_plan(&plan);
        let again = gantry_formats::parse_plan("written.toml", &written)
            .unwrap_or_else(|errors| panic!("{}:\n{errors}\n{written}", case.display()));
        assert_eq!(again.plan, plan, "{}:\n{written}", case.display());
    }
}
