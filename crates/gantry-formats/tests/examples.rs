//! The example projects in `examples/` and the examples in `docs/plan-format.md` parse, hold
//! together, and survive a write and a read unchanged.

use std::path::PathBuf;

use gantry_core::model::{Constraint, Lag, LinkType, Plan};
use gantry_formats::{PlanFile, load_plan, parse_plan, write_plan};

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load_example(name: &str) -> PlanFile {
    let path = repository_root().join("examples").join(name);
    match load_plan(&path) {
        Ok(plan_file) => plan_file,
        Err(errors) => panic!("{} does not parse:\n{errors}", path.display()),
    }
}

const EXAMPLES: [&str; 3] = [
    "crm-rollout.toml",
    "datacentre-migration.toml",
    "network-refresh.toml",
];

/// What every example must show: a WBS with phases, milestones, several link types and lags,
/// constraints and deadlines, and a size that makes a good demonstration.
fn check_rich(name: &str, plan: &Plan) {
    plan.validate_structure()
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let summaries = plan
        .summary_flags()
        .iter()
        .filter(|&&summary| summary)
        .count();
    let milestones = plan.tasks.iter().filter(|task| task.is_milestone()).count();
    let constraints = plan
        .tasks
        .iter()
        .filter(|task| task.constraint != Constraint::AsSoonAsPossible)
        .count();
    let deadlines = plan
        .tasks
        .iter()
        .filter(|task| task.deadline.is_some())
        .count();
    let link_types: std::collections::HashSet<LinkType> =
        plan.links.iter().map(|link| link.kind).collect();
    let lags = plan
        .links
        .iter()
        .filter(|link| link.lag != Lag::None)
        .count();
    assert!(
        (30..=80).contains(&plan.tasks.len()),
        "{name}: {} tasks",
        plan.tasks.len()
    );
    assert!(summaries >= 5, "{name}: {summaries} summary tasks");
    assert!(milestones >= 4, "{name}: {milestones} milestones");
    assert!(constraints >= 2, "{name}: {constraints} constraints");
    assert!(deadlines >= 1, "{name}: {deadlines} deadlines");
    assert!(link_types.len() >= 3, "{name}: link types {link_types:?}");
    assert!(lags >= 5, "{name}: {lags} links with a lag");
    assert!(
        plan.calendars
            .iter()
            .any(|calendar| !calendar.exceptions.is_empty()),
        "{name}: no holidays"
    );
}

#[test]
fn examples_parse_and_are_rich() {
    for name in EXAMPLES {
        let plan_file = load_example(name);
        check_rich(name, &plan_file.plan);
        let source = &plan_file.source;
        assert_eq!(source.tasks.len(), plan_file.plan.tasks.len(), "{name}");
        assert_eq!(source.links.len(), plan_file.plan.links.len(), "{name}");
        assert!(source.file.ends_with(name), "{}", source.file);
    }
}

#[test]
fn task_and_link_positions_point_into_the_file() {
    for name in EXAMPLES {
        let plan_file = load_example(name);
        let text = std::fs::read_to_string(repository_root().join("examples").join(name))
            .expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for (task, position) in plan_file.plan.tasks.iter().zip(&plan_file.source.tasks) {
            let header = &lines[position.line as usize - 1][position.column as usize - 1..];
            assert!(
                header.starts_with("[[task"),
                "{name}: task {} at {position:?}: {header}",
                task.key
            );
            let id_line = lines[position.line as usize];
            assert!(
                id_line.contains(&format!("id = \"{}\"", task.key)),
                "{name}: {id_line}"
            );
        }
        for (link, position) in plan_file.plan.links.iter().zip(&plan_file.source.links) {
            let at = &lines[position.line as usize - 1][position.column as usize - 1..];
            let predecessor = &plan_file.plan.task(link.predecessor).key;
            assert!(
                at.starts_with(&format!("\"{predecessor}")),
                "{name}: link at {position:?}: {at}"
            );
        }
    }
}

#[test]
fn crm_rollout_reports_progress_up_to_its_status_date() {
    let plan = load_example("crm-rollout.toml").plan;
    let status_date = plan.status_date.expect("a status date");
    assert_eq!(status_date.to_string(), "2026-02-14T00:00:00");
    let done = plan
        .tasks
        .iter()
        .filter(|task| task.progress.percent_complete == 100.0)
        .count();
    let in_progress = plan
        .tasks
        .iter()
        .filter(|task| {
            task.progress.actual_start.is_some() && task.progress.actual_finish.is_none()
        })
        .count();
    assert!(
        done >= 5 && in_progress >= 4,
        "{done} done, {in_progress} in progress"
    );
    for task in &plan.tasks {
        if let Some(actual_start) = task.progress.actual_start {
            assert!(
                actual_start < status_date,
                "{} started after the status date",
                task.key
            );
        }
    }
}

#[test]
fn datacentre_migration_has_change_windows_and_a_lease_end() {
    let plan = load_example("datacentre-migration.toml").plan;
    let must_start = plan
        .tasks
        .iter()
        .filter(|task| matches!(task.constraint, Constraint::MustStartOn(_)))
        .count();
    assert!(must_start >= 3, "{must_start} MSO constraints");
    let lease = plan
        .tasks
        .iter()
        .find(|task| task.key == "lease-handover")
        .expect("lease handover");
    // FNLT with a date alone: the end of 29 January 2027.
    assert_eq!(
        lease.constraint,
        Constraint::FinishNoLaterThan(jiff::civil::date(2027, 1, 30).at(0, 0, 0, 0))
    );
    let window = plan
        .calendars
        .iter()
        .find(|calendar| calendar.name == "Weekend change window")
        .expect("window");
    assert!(
        window.week[5]
            .as_ref()
            .is_some_and(|saturday| saturday.len() == 1 && saturday[0].minutes() == 1440)
    );
    assert!(
        plan.calendars
            .iter()
            .any(|calendar| calendar.name == "24 Hours"),
        "the built-in 24h calendar is used"
    );
}

#[test]
fn network_refresh_has_elapsed_lead_times_and_a_night_shift() {
    let plan = load_example("network-refresh.toml").plan;
    let delivery = plan
        .tasks
        .iter()
        .find(|task| task.key == "delivery-switches")
        .expect("delivery");
    assert_eq!(
        delivery.duration,
        gantry_core::model::Duration::elapsed(15 * 24 * 60)
    );
    let night = plan
        .calendars
        .iter()
        .find(|calendar| calendar.name == "Night maintenance window")
        .expect("night");
    assert!(
        night.week[0]
            .as_ref()
            .is_some_and(|monday| monday.iter().any(|shift| shift.crosses_midnight()))
    );
    assert!(
        night.base.is_some(),
        "the night shift inherits the office holidays"
    );
    // Three levels of WBS: the site surveys sit inside the initiation phase.
    assert!(
        plan.outline_numbers()
            .iter()
            .any(|number| number == "1.3.1")
    );
}

#[test]
fn examples_survive_a_write_and_a_read() {
    for name in EXAMPLES {
        let plan = load_example(name).plan;
        let written = write_plan(&plan);
        let again = parse_plan("written.toml", &written)
            .unwrap_or_else(|errors| panic!("{name}:\n{errors}\n{written}"));
        assert_eq!(again.plan, plan, "{name}");
        assert_eq!(
            write_plan(&again.plan),
            written,
            "{name}: writing is stable"
        );
    }
}

/// The first block fenced as ````fence` after the heading `heading` in docs/plan-format.md.
fn documented_block(heading: &str, fence: &str) -> String {
    let text = std::fs::read_to_string(repository_root().join("docs/plan-format.md"))
        .expect("docs/plan-format.md");
    let after_heading = text
        .split_once(heading)
        .map(|(_, rest)| rest)
        .expect("heading");
    let block = after_heading
        .split_once(&format!("```{fence}\n"))
        .map(|(_, rest)| rest)
        .expect("a block");
    block
        .split_once("\n```")
        .map(|(block, _)| block.to_string())
        .expect("the end of the block")
}

#[test]
fn documented_examples_parse() {
    for heading in ["# The plan file format", "## A complete example"] {
        let text = documented_block(heading, "toml");
        let plan_file =
            parse_plan("doc.toml", &text).unwrap_or_else(|errors| panic!("{heading}:\n{errors}"));
        let again =
            parse_plan("again.toml", &write_plan(&plan_file.plan)).expect("written plan parses");
        assert_eq!(again.plan, plan_file.plan, "{heading}");
    }
}

#[test]
fn documented_errors_are_what_the_parser_says() {
    let source = documented_block("## Errors", "toml");
    let errors = parse_plan("plan.toml", &source).expect_err("the documented file has mistakes");
    assert_eq!(errors.to_string(), documented_block("## Errors", "text"));

    let unknown_key = "[project]\nname = \"x\"\nstart = 2026-03-02\n\n[[task]]\nid = \"design\"\nduraton = \"5d\"\n";
    let errors = parse_plan("plan.toml", unknown_key).expect_err("a misspelt key");
    let documented = documented_block(
        "is reported alone, with the keys that are allowed there:",
        "text",
    );
    assert_eq!(errors.to_string(), documented);
}
