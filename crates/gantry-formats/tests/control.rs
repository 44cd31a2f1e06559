//! Baselines, costs, time entries and expenses in plan files: read, written back unchanged, and
//! every mistake reported at its place with the names involved.

use std::path::PathBuf;

use gantry_core::cost::Accrual;
use gantry_core::model::ResourceKind;
use gantry_formats::{load_plan, parse_plan, write_plan};

fn example() -> gantry_formats::PlanFile {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/erp-upgrade-evm.toml");
    load_plan(&path).unwrap_or_else(|errors| panic!("{errors}"))
}

#[test]
fn the_evm_example_reads_its_control_sections() {
    let plan = example().plan;
    let key = |task: gantry_core::model::TaskId| plan.task(task).key.as_str();
    assert_eq!(plan.baselines.len(), 1);
    let baseline = &plan.baselines[0];
    assert_eq!(baseline.number, 0);
    assert_eq!(
        baseline.saved,
        Some("2026-01-30T17:00".parse().expect("date"))
    );
    assert!(baseline.tasks.iter().all(Option::is_some));
    let customisations = baseline.tasks[5].as_ref().expect("customisations");
    assert_eq!(
        customisations.start,
        "2026-02-16T08:00".parse().expect("date")
    );
    assert_eq!(
        customisations.finish,
        "2026-02-27T17:00".parse().expect("date")
    );
    assert_eq!(customisations.duration_minutes, 10 * 480);
    assert_eq!(customisations.work_minutes, 15 * 480);
    assert_eq!(customisations.cost, 12200.0);

    assert_eq!(plan.costs.fixed.len(), 1);
    assert_eq!(key(plan.costs.fixed[0].task), "sandbox");
    assert_eq!(plan.costs.fixed[0].amount, 2000.0);
    assert_eq!(plan.costs.fixed[0].accrual, Accrual::Start);
    assert_eq!(plan.costs.amounts.len(), 1);
    assert_eq!(key(plan.costs.amounts[0].task), "uat");
    assert_eq!(
        plan.resources[plan.costs.amounts[0].resource.index()].kind,
        ResourceKind::Cost
    );
    assert_eq!(plan.costs.amounts[0].amount, 1500.0);

    assert_eq!(plan.tracking.time_entries.len(), 7);
    let overtime: f64 = plan
        .tracking
        .time_entries
        .iter()
        .map(|entry| entry.overtime_hours)
        .sum();
    assert_eq!(overtime, 10.0);
    assert_eq!(plan.tracking.expenses.len(), 1);
    assert_eq!(plan.tracking.expenses[0].amount, 850.0);
    assert_eq!(
        plan.tracking.expenses[0].description,
        "Workshop travel to the Linz plant"
    );
    gantry_core::cost::validate(&plan).expect("the engine accepts what the reader accepts");
}

#[test]
fn control_sections_survive_a_write_and_a_read() {
    let plan = example().plan;
    let written = write_plan(&plan);
    let again = parse_plan("written.toml", &written)
        .unwrap_or_else(|errors| panic!("{errors}\n{written}"))
        .plan;
    assert_eq!(again, plan);
    assert_eq!(write_plan(&again), written, "writing is stable");
}

const HEAD: &str = r#"[project]
name = "x"
start = 2026-03-02

[resources.ana]
rate = 100

[resources.bob]
rate = 80

[resources.travel]
kind = "cost"

[[task]]
id = "phase"

  [[task.task]]
  id = "design"
  resources = ["ana", "travel"]

  [[task.task]]
  id = "build"
  resources = ["bob"]
"#;

fn errors_of(tail: &str) -> String {
    let text = format!("{HEAD}{tail}");
    parse_plan("plan.toml", &text)
        .expect_err("the file has mistakes")
        .to_string()
}

#[test]
fn a_time_entry_by_someone_not_on_the_task_names_both() {
    let errors = errors_of(
        r#"
[[time]]
resource = "bob"
task = "design"
date = 2026-03-02
hours = 4
"#,
    );
    assert_eq!(
        errors,
        "plan.toml:27:8: resource \"bob\" is not assigned to task \"design\": assign it (resources = [\"bob\"]) or book the hours on one of its tasks"
    );
}

#[test]
fn negative_hours_and_unknown_names_are_reported_where_they_are() {
    let errors = errors_of(
        r#"
[[time]]
resource = "ana"
task = "design"
date = 2026-03-02
hours = -3

[[time]]
resource = "anna"
task = "desing"
date = 2026-03-02T10:00
hours = 2
overtime = -1

[[expense]]
task = "build"
date = 2026-03-03
amount = -50
"#,
    );
    assert_eq!(
        errors,
        [
            "plan.toml:29:9: hours cannot be negative, got -3",
            "plan.toml:32:12: unknown resource \"anna\"; did you mean \"ana\"?",
            "plan.toml:33:8: unknown task \"desing\": no task has this id; did you mean \"design\"?",
            "plan.toml:34:8: expected a date without a time of day, e.g. 2026-12-25",
            "plan.toml:36:12: overtime hours cannot be negative, got -1",
            "plan.toml:41:10: an expense cannot be negative, got -50",
        ]
        .join("\n")
    );
}

#[test]
fn baseline_numbers_stop_at_ten_and_appear_once() {
    let errors = errors_of(
        r#"
[[baseline]]
number = 11
saved = 2026-02-27

[[baseline]]
saved = 2026-02-27
tasks = [
  { id = "design", start = 2026-03-02, finish = 2026-03-02, cost = 800 },
  { id = "design", start = 2026-03-02, finish = 2026-03-02, cost = 800 },
  { id = "build", start = 2026-03-03, finish = 2026-03-04, cost = 640 },
]

[[baseline]]
number = 0
saved = 2026-02-28
"#,
    );
    assert_eq!(
        errors,
        [
            "plan.toml:26:10: baseline number must be a whole number from 0 (Baseline) to 10 (Baseline10), got 11",
            "plan.toml:33:10: task \"design\" is listed twice in Baseline",
            "plan.toml:38:10: Baseline is saved twice in this file",
        ]
        .join("\n")
    );
}

#[test]
fn fixed_costs_and_cost_amounts_are_checked() {
    let text = HEAD
        .replace(
            "[[task]]\nid = \"phase\"\n",
            "[[task]]\nid = \"phase\"\nfixed_cost = 100\n",
        )
        .replace(
            "  resources = [\"ana\", \"travel\"]\n",
            "  resources = [\"ana\", \"travel\"]\n  costs = { travel = 300, ana = 5 }\n  fixed_cost = 1000\n  fixed_cost_accrual = \"monthly\"\n",
        )
        .replace(
            "  resources = [\"bob\"]\n",
            "  resources = [\"bob\"]\n  costs = { travel = 50 }\n",
        );
    let errors = parse_plan("plan.toml", &text)
        .expect_err("mistakes")
        .to_string();
    assert_eq!(
        errors,
        [
            "plan.toml:16:14: \"phase\" is a summary task: put fixed costs on its subtasks",
            "plan.toml:21:27: \"ana\" is not a cost resource (kind = \"cost\"): work and material resources cost their rate",
            "plan.toml:23:24: unknown accrual \"monthly\": use start, prorated or end",
            "plan.toml:28:13: cost resource \"travel\" is not assigned to task \"build\": add it to the task's resources",
        ]
        .join("\n")
    );
}

#[test]
fn mspdi_baselines_become_plan_baselines_and_are_written_back() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mspdi/baselines.xml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let project = gantry_formats::mspdi::read_mspdi("baselines.xml", &text).expect("reads");
    let plan = &project.plan;
    // Task One holds Baseline1 to Baseline10 with work n hours and cost 100 × n.
    let numbers: Vec<u8> = plan
        .baselines
        .iter()
        .map(|baseline| baseline.number)
        .collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<u8>>());
    let third = plan.baseline(3).expect("Baseline3").tasks[0]
        .as_ref()
        .expect("Task One");
    assert_eq!((third.work_minutes, third.cost), (180, 300.0));
    assert_eq!(third.start, "2001-01-03T09:00".parse().expect("date"));
    assert_eq!(plan.baselines[0].saved, None);
    // Written as a plan file and read back, and as MSPDI from that plan: the same baselines.
    let again = parse_plan("baselines.toml", &write_plan(plan))
        .expect("parses")
        .plan;
    assert_eq!(again.baselines, plan.baselines);
    let xml = gantry_formats::mspdi::write_mspdi(
        &gantry_formats::mspdi::MspdiProject::from_plan(again),
        None,
    );
    let reread = gantry_formats::mspdi::read_mspdi("again.xml", &xml).expect("reads");
    assert_eq!(reread.plan.baselines, plan.baselines);
}
