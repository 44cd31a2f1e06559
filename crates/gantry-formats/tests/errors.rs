//! Every kind of mistake in a plan file gets a message that says what is wrong, at the line and
//! column of the value that is wrong. Each snapshot holds the plan text and the errors.

use gantry_formats::{PlanFileErrors, load_plan, parse_plan};

/// The errors of `source`, under the source with line numbers, for a snapshot a reviewer can read.
fn report(source: &str) -> String {
    let errors: PlanFileErrors = match parse_plan("plan.toml", source) {
        Ok(_) => panic!("the plan was expected to have errors:\n{source}"),
        Err(errors) => errors,
    };
    assert!(!errors.0.is_empty(), "an Err holds at least one error");
    let numbered: Vec<String> = source
        .lines()
        .enumerate()
        .map(|(index, line)| format!("{:>3} | {line}", index + 1))
        .collect();
    format!("{}\n---\n{errors}\n", numbered.join("\n"))
}

const PROJECT: &str = "[project]\nname = \"Errors\"\nstart = 2026-01-05\n";

fn with_project(rest: &str) -> String {
    format!("{PROJECT}{rest}")
}

#[test]
fn unknown_predecessor_suggests_a_close_id() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "design"

[[task]]
id = "build"
after = ["desgin", "design", "procurement SS+2d"]
"#
    )));
}

#[test]
fn duplicate_task_id() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "design"

[[task]]
id = "design"
name = "Design again"
"#
    )));
}

#[test]
fn task_id_with_spaces() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "solution design"
"#
    )));
}

#[test]
fn bad_durations_say_which_units_are_accepted() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "a"
duration = "5 dayz"

[[task]]
id = "b"
duration = "5"

[[task]]
id = "c"
duration = "-2d"

[[task]]
id = "d"
duration = "d"

[[task]]
id = "e"
remaining = "two days"
"#
    )));
}

#[test]
fn dates_that_do_not_exist() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "a"
deadline = "2026-02-30"
actual_start = "2026-13-01"
constraint = "SNET 2026-04-31"

[[task]]
id = "b"
actual_finish = "05.01.2026"
"#
    )));
}

#[test]
fn unquoted_date_that_does_not_exist() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "a"
deadline = 2026-02-30
"#
    )));
}

#[test]
fn constraints_without_date_or_with_a_date_they_cannot_take() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "a"
constraint = "SNET"

[[task]]
id = "b"
constraint = "ASAP 2026-02-02"

[[task]]
id = "c"
constraint = "START 2026-02-02"

[[task]]
id = "d"
constraint = "MFO 2026-02-02 25:00"
"#
    )));
}

#[test]
fn bad_link_types_and_lags() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "design"

[[task]]
id = "build"
after = ["design XS+1d"]

[[task]]
id = "test"
after = ["design SS2d"]

[[task]]
id = "ship"
after = ["design FS+2x", "build FF+half%"]
"#
    )));
}

#[test]
fn bad_shifts_and_week_days() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[calendars.standard]
workdays = ["mon", "tue", "wed", "thu", "fry"]
hours = ["8-12", "13:00-17:00"]
saturday = ["25:00-26:00"]
sunday = ["24:00-06:00"]
"#
    )));
}

#[test]
fn percent_complete_and_priority_out_of_range() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "a"
percent_complete = 140
priority = 2000

[[task]]
id = "b"
percent_complete = -5
priority = -1
"#
    )));
}

#[test]
fn unknown_calendars() {
    insta::assert_snapshot!(report(
        r#"[project]
name = "Errors"
start = 2026-01-05
calendar = "standrd"

[calendars.night-shift]
base = "office"
hours = ["22:00-06:00"]

[[task]]
id = "a"
calendar = "nightshift"

[[task]]
id = "b"
calendar = "nightshift"
"#
    ));
}

#[test]
fn calendar_base_cycle() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[calendars.a]
base = "b"

[calendars.b]
base = "c"

[calendars.c]
base = "a"
"#
    )));
}

#[test]
fn unknown_key_in_a_task_names_the_expected_keys() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "design"
duraton = "5d"
"#
    )));
}

#[test]
fn unknown_key_in_the_project() {
    insta::assert_snapshot!(report(
        "[project]\nname = \"x\"\nstart = 2026-01-05\nstatus = 2026-02-01\n"
    ));
}

#[test]
fn unknown_key_in_a_calendar() {
    insta::assert_snapshot!(report(&with_project(
        "\n[calendars.office]\nworkday = [\"mon\"]\n"
    )));
}

#[test]
fn unknown_top_level_table() {
    insta::assert_snapshot!(report(&with_project("\n[[tasks]]\nid = \"a\"\n")));
}

#[test]
fn holiday_and_exception_tables() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[calendars.standard]
holidays = [
  { date = 2026-12-24, nmae = "Christmas Eve" },
  { from = 2026-12-28, name = "Shutdown" },
  { from = 2026-12-31, to = 2026-12-28 },
  { date = 2026-12-25, hours = ["08:00-12:00"] },
  { name = "When?" },
  { date = 2026-12-26, from = 2026-12-27, to = 2026-12-29 },
  "2026-12-32",
]
exceptions = [
  "2026-03-07",
  { date = 2026-03-08, name = "No hours" },
  { date = 2026-03-14, hours = ["08:00-18:00"], nmae = "Typo" },
]
"#
    )));
}

#[test]
fn holiday_given_as_a_time_of_day() {
    insta::assert_snapshot!(report(&with_project(
        "\n[calendars.standard]\nholidays = [2026-12-24T12:00:00, \"2026-12-25 08:00\"]\n"
    )));
}

#[test]
fn summary_task_with_a_duration() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "phase-1"
duration = "10d"

  [[task.task]]
  id = "survey"
  duration = "2d"
"#
    )));
}

#[test]
fn links_a_task_may_not_have() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "phase"
after = ["survey"]

  [[task.task]]
  id = "survey"
  after = ["survey", "phase SS"]

  [[task.task]]
  id = "report"
  after = ["survey", "survey FF"]
"#
    )));
}

#[test]
fn parents_unknown_self_nested_and_in_a_cycle() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "a"
parent = "c"

[[task]]
id = "b"
parent = "a"

[[task]]
id = "c"
parent = "b"

[[task]]
id = "d"
parent = "phsae"

[[task]]
id = "e"
parent = "e"

[[task]]
id = "phase"

  [[task.task]]
  id = "f"
  parent = "d"
"#
    )));
}

#[test]
fn toml_syntax_error() {
    insta::assert_snapshot!(report(&with_project(
        "\n[[task]]\nid = \"a\nname = \"b\"\n"
    )));
}

#[test]
fn value_of_the_wrong_type() {
    insta::assert_snapshot!(report(&with_project(
        "\n[[task]]\nid = \"a\"\npriority = \"high\"\n"
    )));
}

#[test]
fn missing_required_keys() {
    insta::assert_snapshot!(report("[project]\nname = \"x\"\n"));
    insta::assert_snapshot!(report("[[task]]\nid = \"a\"\n"));
    insta::assert_snapshot!(report(&with_project("\n[[task]]\nname = \"a\"\n")));
}

#[test]
fn date_with_an_offset_or_without_a_day() {
    insta::assert_snapshot!(report(&with_project(
        "\n[[task]]\nid = \"a\"\nactual_start = 2026-01-05T08:00:00+01:00\nactual_finish = 17:00:00\n"
    )));
}

#[test]
fn project_settings_out_of_range() {
    insta::assert_snapshot!(report(
        "[project]\nname = \"x\"\nstart = 2026-01-05\nhours_per_day = 25\nhours_per_week = 0\ndays_per_month = 20.5\n"
    ));
}

#[test]
fn progress_that_contradicts_itself() {
    insta::assert_snapshot!(report(&with_project(
        "\n[[task]]\nid = \"a\"\nactual_start = 2026-01-07\nactual_finish = 2026-01-05\n"
    )));
}

/// One file with many mistakes: all of them are reported, in file order.
#[test]
fn every_error_in_one_pass() {
    insta::assert_snapshot!(report(
        r#"[project]
name = "Many mistakes"
start = 2026-01-05
calendar = "office"

[calendars.office]
hours = ["08:00-12:00", "13:00-17:60"]

[[task]]
id = "design"
duration = "5 dayz"
priority = 1001

[[task]]
id = "build"
after = ["desing", "design XX"]
constraint = "FNLT"
percent_complete = 101

[[task]]
id = "build"
calendar = "night"
deadline = "2026-02-29"
"#
    ));
}

#[test]
fn a_file_that_cannot_be_read_has_an_error_at_line_zero() {
    let path = std::path::Path::new("/nonexistent/gantry/plan.toml");
    let errors = load_plan(path).expect_err("no such file");
    assert_eq!(errors.0.len(), 1);
    let error = &errors.0[0];
    assert_eq!((error.line, error.column), (0, 0));
    assert_eq!(error.file, "/nonexistent/gantry/plan.toml");
    assert!(
        error.message.starts_with("cannot read the plan file: "),
        "{}",
        error.message
    );
    assert!(
        errors
            .to_string()
            .starts_with("/nonexistent/gantry/plan.toml: cannot read the plan file: ")
    );
}

#[test]
fn errors_display_as_file_line_column_message() {
    let errors = parse_plan(
        "plans/crm.toml",
        &with_project("\n[[task]]\nid = \"a\"\nduration = \"x\"\n"),
    )
    .expect_err("bad duration");
    let error = &errors.0[0];
    assert_eq!(
        (error.file.as_str(), error.line, error.column),
        ("plans/crm.toml", 7, 12)
    );
    assert!(
        error
            .to_string()
            .starts_with("plans/crm.toml:7:12: bad duration \"x\""),
        "{error}"
    );
    let as_std_error: &dyn std::error::Error = &errors;
    assert_eq!(as_std_error.to_string(), error.to_string());
}

#[test]
fn resource_mistakes_name_the_value() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[resources.dana]
kind = "person"
units = "lots"
rate = -5

[resources.ops]
availability = [{ from = 2026-08-01, to = 2026-07-01, units = "50%" }]

[[task]]
id = "phase"

  [[task.task]]
  id = "migrate"
  resources = ["dnaa", "ops 50", "ops", "dana 50% extra"]

[[task]]
id = "review"
parent = "phase"
"#
    )));
}

#[test]
fn a_summary_task_cannot_take_resources() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[resources.dana]

[[task]]
id = "phase"
resources = ["dana"]

  [[task.task]]
  id = "migrate"
"#
    )));
}

#[test]
fn work_without_resources_or_in_elapsed_time() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[resources.dana]

[[task]]
id = "alone"
work = "40h"

[[task]]
id = "clock"
resources = ["dana"]
work = "3ed"
"#
    )));
}

#[test]
fn task_types_that_contradict_their_numbers() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[resources.dana]

[[task]]
id = "phase"
type = "fixed-work"
effort_driven = true

[[task]]
id = "survey"
parent = "phase"
type = "fixed-work"
duration = "5d"
resources = ["dana"]
work = "40h"

[[task]]
id = "audit"
type = "fixed-duration"
resources = ["dana"]
work = "40h"

[[task]]
id = "report"
type = "fixed-wrok"

[[task]]
id = "review"
type = "fixed-work"
effort_driven = false
"#
    )));
}

#[test]
fn bad_estimates_risks_and_correlations() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "phase"
estimate = { min = "1d", likely = "2d", max = "3d" }

[[task.task]]
id = "design"
duration = "5d"
estimate = { min = "6d", likely = "5d", max = "9d" }

[[task.task]]
id = "build"
estimate = { min = "8d", likely = "10d", max = "9d", distribution = "normal" }

[[task]]
id = "test"
estimate = { min = "1d", likely = "2d", max = "3x" }

[[task]]
id = "cutover"
estimate = { min = "1d", likely = "1d", max = "2d" }

[[risk]]
id = "vendor-late"
probability = 1.5
tasks = ["biuld", "phase"]
delay = "3d"

[[risk]]
id = "vendor-late"
probability = -0.2
delay = { min = "3d", likely = "1d", max = "4d" }

[[correlation]]
name = "same team"
tasks = ["design", "test", "cutover", "nobody"]
coefficient = 1.5

[[correlation]]
tasks = ["cutover"]
coefficient = 0.2
"#
    )));
}

#[test]
fn unknown_key_in_an_estimate() {
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "design"
estimate = { min = "4d", most_likely = "5d", max = "9d" }
"#
    )));
}

#[test]
fn bad_splits() {
    // Each bad split gets one error at the value that is wrong.
    insta::assert_snapshot!(report(&with_project(
        r#"
[[task]]
id = "build"
duration = "10d"
splits = [{ after = "-2d", gap = "3d" }]

[[task]]
id = "test"
duration = "2d"
splits = [{ after = "12d", gap = "1d" }]

[[task]]
id = "deploy"
duration = "2d"
splits = [{ after = "1d", gap = "-1d" }, { after = "1d", gap = "0d" }, { after = "1ed", gap = "1d" }]

[[task]]
id = "wait"
duration = "3ed"
splits = [{ after = "1d", gap = "1d" }]

[[task]]
id = "phase"
level_split = true
splits = [{ after = "1d", gap = "1d" }]

  [[task.task]]
  id = "inside"
  splits = [{ after = "1d", gap = "1d" }]
"#
    )));
}
