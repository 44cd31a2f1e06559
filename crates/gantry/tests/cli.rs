//! The `gantry` binary as a person runs it: exit codes, messages with file positions, and the
//! table, JSON and CSV outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gantry(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(arguments)
        .output()
        .expect("gantry runs")
}

fn write_plan(folder: &Path, name: &str, text: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).expect("write plan");
    path
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

const HEADER: &str = "[project]\nname = \"t\"\nstart = 2026-03-02\n\n";

#[test]
fn a_loop_exits_1_and_names_every_task_of_it_with_its_line() {
    let folder = tempfile::tempdir().unwrap();
    let plan = write_plan(
        folder.path(),
        "loop.toml",
        &format!(
            "{HEADER}[[task]]\nid = \"design\"\nafter = [\"test\"]\n\n[[task]]\nid = \"build\"\nafter = [\"design\"]\n\n[[task]]\nid = \"test\"\nafter = [\"build\"]\n"
        ),
    );
    for command in ["check", "schedule"] {
        let output = gantry(&[command, plan.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("dependency loop"), "{stderr}");
        for (task, line) in [("design", 5), ("build", 9), ("test", 13)] {
            assert!(
                stderr.contains(&format!("loop.toml:{line}:1: task \"{task}\"")),
                "{task} line {line} in:\n{stderr}"
            );
        }
    }
}

/// Each mistake gives exactly one message, naming the file, line and column.
#[test]
fn bad_input_gives_one_clear_message_with_its_position() {
    let folder = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[task]]\nid = \"a\"\n\n[[task]]\nid = \"b\"\nafter = [\"x\"]\n",
            "10:10",
            "unknown predecessor \"x\"",
        ),
        (
            "[[task]]\nid = \"a\"\nduration = \"5 dayz\"\n",
            "7:12",
            "unknown unit \"dayz\"",
        ),
        (
            "[[task]]\nid = \"a\"\nconstraint = \"SNET 2026-02-30\"\n",
            "7:14",
            "2026-02-30 does not exist",
        ),
        (
            "[[task]]\nid = \"a\"\nconstraint = \"SNET\"\n",
            "7:14",
            "SNET needs a date",
        ),
    ];
    for (body, position, expected) in cases {
        let plan = write_plan(folder.path(), "bad.toml", &format!("{HEADER}{body}"));
        let output = gantry(&["check", plan.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{body}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            stderr.lines().count(),
            1,
            "one message for {body:?}:\n{stderr}"
        );
        assert!(
            stderr.contains(&format!("bad.toml:{position}: ")),
            "position {position} in {stderr}"
        );
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
}

#[test]
fn the_examples_check_and_schedule() {
    for example in [
        "crm-rollout.toml",
        "datacentre-migration.toml",
        "network-refresh.toml",
    ] {
        let path = examples().join(example);
        let output = gantry(&["check", path.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let output = gantry(&["schedule", path.to_str().unwrap()]);
        assert!(output.status.success(), "{example}");
        let table = String::from_utf8(output.stdout).unwrap();
        assert!(table.starts_with("WBS"), "{table}");
        assert!(table.contains("Project finish: "), "{table}");
        assert!(table.contains("Critical path"), "{table}");
    }
}

#[test]
fn json_output_has_the_documented_fields() {
    let path = examples().join("network-refresh.toml");
    let output = gantry(&["schedule", path.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["project_finish"].is_string());
    let tasks = document["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 59);
    for task in tasks {
        for field in [
            "id",
            "name",
            "start",
            "finish",
            "early_start",
            "early_finish",
            "late_start",
            "late_finish",
        ] {
            assert!(task[field].is_string(), "{field} in {task}");
        }
        for field in ["total_float_minutes", "free_float_minutes"] {
            assert!(task[field].is_i64(), "{field} in {task}");
        }
        for field in ["critical", "is_summary"] {
            assert!(task[field].is_boolean(), "{field} in {task}");
        }
    }
    // The project finish is the latest finish of any task.
    let latest = tasks
        .iter()
        .map(|task| task["finish"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    assert_eq!(document["project_finish"].as_str().unwrap(), latest);
}

#[test]
fn csv_output_has_one_row_per_task() {
    let path = examples().join("datacentre-migration.toml");
    let output = gantry(&["schedule", path.to_str().unwrap(), "--format", "csv"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1 + 53);
    assert!(text.starts_with("wbs,id,name,start,finish,"));
}

#[test]
fn a_status_date_flag_overrides_the_plan() {
    let folder = tempfile::tempdir().unwrap();
    let plan = write_plan(
        folder.path(),
        "status.toml",
        &format!("{HEADER}[[task]]\nid = \"a\"\nduration = \"2d\"\n"),
    );
    let output = gantry(&[
        "schedule",
        plan.to_str().unwrap(),
        "--format",
        "json",
        "--status-date",
        "2026-03-04",
    ]);
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Unstarted work moves after the status date (the end of Wednesday 4 March).
    assert_eq!(document["tasks"][0]["start"], "2026-03-05T08:00");
    assert_eq!(document["tasks"][0]["finish"], "2026-03-06T17:00");
}

#[test]
fn bench_cpm_prints_json_figures() {
    let output = gantry(&[
        "bench", "cpm", "--tasks", "2000", "--runs", "2", "--format", "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["tasks"], 2000);
    assert!(document["links"].as_u64().unwrap() > 3000);
    assert!(document["median_ms"].as_f64().unwrap() > 0.0);
    assert!(document["peak_rss_mb"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    // Far more output than a pipe holds (64 KiB), so that writes really hit the closed pipe.
    let folder = tempfile::tempdir().unwrap();
    let tasks: String = (0..5000)
        .map(|index| format!("[[task]]\nid = \"task-{index}\"\n\n"))
        .collect();
    let path = write_plan(folder.path(), "big.toml", &format!("{HEADER}{tasks}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["schedule", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe, as `gantry schedule … | head -c1` would.
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "exit {status}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn every_example_exports_and_conforms_to_itself() {
    // Calendars based on another (the data-centre plan's "Site works") are written whole, so the
    // export reschedules to the same dates.
    let folder = tempfile::tempdir().unwrap();
    for name in ["crm-rollout", "datacentre-migration", "network-refresh"] {
        let xml = folder.path().join(format!("{name}.xml"));
        let plan = examples().join(format!("{name}.toml"));
        let output = gantry(&[
            "export",
            plan.to_str().unwrap(),
            "-o",
            xml.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let output = gantry(&["conformance", xml.to_str().unwrap(), "--format", "json"]);
        assert!(output.status.success(), "{name}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let totals = &report["totals"];
        assert!(
            totals["tasks_compared"].as_u64().unwrap() > 50,
            "{name}: {report}"
        );
        assert_eq!(
            totals["all_fields_identical"], totals["tasks_compared"],
            "{name}: {report}"
        );
    }
}

#[test]
fn export_import_and_conformance_on_an_example() {
    let folder = tempfile::tempdir().unwrap();
    let xml = folder.path().join("crm.xml");
    let output = gantry(&[
        "export",
        examples().join("crm-rollout.toml").to_str().unwrap(),
        "--to",
        "mspdi",
        "-o",
        xml.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&xml).unwrap();
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(
        text.contains("<Name>Go-live</Name>"),
        "the go-live task is written"
    );

    // Gantry's own export conforms to Gantry: every task identical.
    let output = gantry(&["conformance", xml.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let totals = &report["totals"];
    assert_eq!(totals["tasks_compared"], 68, "{report}");
    assert_eq!(totals["all_fields_identical"], 68, "{report}");
    assert_eq!(
        report["files"][0]["mismatches"].as_array().unwrap().len(),
        0
    );

    // Back to a plan file, which schedules to the same finish.
    let toml = folder.path().join("crm.toml");
    let output = gantry(&[
        "import",
        xml.to_str().unwrap(),
        "-o",
        toml.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let finish = |path: &Path| {
        let output = gantry(&["schedule", path.to_str().unwrap(), "--format", "json"]);
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value["project_finish"].clone()
    };
    assert_eq!(finish(&toml), finish(&examples().join("crm-rollout.toml")));
}

#[test]
fn a_broken_ms_project_file_exits_1_and_names_the_element() {
    let folder = tempfile::tempdir().unwrap();
    let xml = folder.path().join("broken.xml");
    std::fs::write(
        &xml,
        "<Project xmlns=\"http://schemas.microsoft.com/project\"><StartDate>2026-03-02T08:00:00</StartDate>\n<Tasks><Task><UID>1</UID><Name>A</Name><Duration>PT8H0M0S</Duration>\n<PredecessorLink><PredecessorUID>9</PredecessorUID></PredecessorLink></Task></Tasks></Project>",
    )
    .unwrap();
    for command in [&["import"][..], &["export"][..], &["conformance"][..]] {
        let mut arguments = command.to_vec();
        arguments.push(xml.to_str().unwrap());
        let output = gantry(&arguments);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(text.contains("broken.xml:3:"), "{command:?}: {text}");
        assert!(
            text.contains("Task UID 1 › PredecessorLink"),
            "{command:?}: {text}"
        );
    }
}

#[test]
fn resources_shows_load_and_over_allocations() {
    let crm = examples().join("crm-rollout.toml");
    let output = gantry(&["resources", crm.to_str().unwrap(), "--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let resources = report["resources"].as_array().unwrap();
    let ba = resources
        .iter()
        .find(|resource| resource["id"] == "ba")
        .expect("the business analyst");
    // Tom is wanted in the stakeholder interviews and the process mapping at once.
    let first = &ba["over_allocations"][0];
    assert_eq!(first["units"], 2.0);
    assert_eq!(first["max_units"], 1.0);
    let tasks: Vec<&str> = first["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task.as_str().unwrap())
        .collect();
    assert_eq!(tasks, ["stakeholder-interviews", "process-mapping"]);
    // Weekly periods carry assigned and available hours.
    let week = &ba["periods"][1];
    assert_eq!(week["start"], "2026-01-12");
    assert_eq!(week["available_hours"], 40.0);
    assert!(week["over_allocated"].as_bool().unwrap());

    let output = gantry(&["resources", crm.to_str().unwrap()]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("Tom Becker (business analyst) (ba) — max 100%"),
        "{text}"
    );
    assert!(text.contains("! over-allocated"), "{text}");
    assert!(text.contains("Over-allocated: "), "{text}");
}

#[test]
fn level_delays_tasks_until_no_one_is_booked_twice() {
    let folder = tempfile::tempdir().unwrap();
    let crm = examples().join("crm-rollout.toml");
    let leveled = folder.path().join("leveled.toml");
    let output = gantry(&[
        "level",
        crm.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        leveled.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let delayed = report["delayed_tasks"].as_array().unwrap();
    assert!(!delayed.is_empty(), "{report}");
    assert!(
        delayed.iter().any(|task| task["id"] == "email-sync"),
        "Jonas cannot build the ERP interface and the e-mail sync at once: {report}"
    );
    // What is left involves only work already started before the status date.
    for conflict in report["unresolved"].as_array().unwrap() {
        assert!(
            conflict["to"].as_str().unwrap() < "2026-02-24",
            "{conflict}"
        );
    }
    // The leveled plan reads back, and its resources are no longer booked twice after the
    // status date.
    let output = gantry(&["resources", leveled.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success());
    let usage: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for resource in usage["resources"].as_array().unwrap() {
        for conflict in resource["over_allocations"].as_array().unwrap() {
            assert!(
                conflict["to"].as_str().unwrap() < "2026-02-24",
                "{conflict}"
            );
        }
    }
}

/// A 10-day task that may be split and a 3-day task of higher priority that needs the same
/// person from the third day: leveling pauses the first for three days rather than delaying it
/// whole, says so in the table and the JSON, and the leveled plan saved with `-o` reads back as
/// leveled (nothing left to level, the same finish).
#[test]
fn level_splits_a_task_that_allows_it_and_the_saved_plan_reads_back() {
    let folder = tempfile::tempdir().unwrap();
    let plan = folder.path().join("plan.toml");
    std::fs::write(
        &plan,
        r#"[project]
name = "Split"
start = 2026-03-02

[resources.dana]
name = "Dana"

[[task]]
id = "build"
name = "Build"
duration = "10d"
resources = ["dana"]
level_split = true

[[task]]
id = "fix"
name = "Fix"
duration = "3d"
priority = 700
constraint = "SNET 2026-03-04"
resources = ["dana"]
"#,
    )
    .unwrap();
    let leveled = folder.path().join("leveled.toml");
    let output = gantry(&[
        "level",
        plan.to_str().unwrap(),
        "-o",
        leveled.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.contains("Finish after leveling:  2026-03-18 17:00 (3d later)"),
        "{table}"
    );
    assert!(
        table.contains(
            "Build                                 2d 2026-03-03 17:00  2026-03-09 08:00       3d"
        ),
        "{table}"
    );
    let saved = std::fs::read_to_string(&leveled).unwrap();
    assert!(
        saved.contains("splits = [{ after = \"2d\", gap = \"3d\" }]"),
        "{saved}"
    );
    let output = gantry(&["level", leveled.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["finish_before"], "2026-03-18 17:00", "{report}");
    assert_eq!(report["finish_after"], "2026-03-18 17:00", "{report}");
    assert_eq!(report["split_tasks"], serde_json::json!([]), "{report}");
    assert_eq!(report["delayed_tasks"], serde_json::json!([]), "{report}");
    // The JSON of the first leveling names the split.
    let output = gantry(&["level", plan.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["split_tasks"],
        serde_json::json!([{
            "id": "build",
            "name": "Build",
            "paused_at": "2026-03-03 17:00",
            "resumes_at": "2026-03-09 08:00",
            "after_minutes": 960,
            "gap_minutes": 1440,
            "resumed": false,
        }]),
        "{report}"
    );
}

/// `bench psplib` on a few j30 instances copied from the shared data folder (skipped, with a
/// message, where that folder is absent): every schedule verifies, and the JSON has every figure.
#[test]
fn bench_psplib_solves_and_verifies_a_small_folder() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/psplib");
    let table = data.join("solutions/j30opt.sm");
    if !table.exists() {
        println!("skipped: {} is absent", data.display());
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    for name in ["j301_1.sm", "j3013_4.sm", "j3037_7.sm"] {
        std::fs::copy(data.join("j30").join(name), folder.path().join(name)).unwrap();
    }
    let output = gantry(&[
        "bench",
        "psplib",
        folder.path().to_str().unwrap(),
        "--solutions",
        table.to_str().unwrap(),
        "--schedules",
        "2000",
        "--threads",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["instances"], 3);
    assert_eq!(document["infeasible"], 0);
    for key in [
        "avg_dev_lower_bound_pct",
        "avg_dev_reference_pct",
        "matching_reference",
        "mean_ms",
        "max_ms",
    ] {
        assert!(document[key].is_number(), "{key} in {document}");
    }
    // The j30 references are optima: a schedule can match them but never beat them.
    assert!(document["avg_dev_reference_pct"].as_f64().unwrap() >= 0.0);
    assert!(document["avg_dev_lower_bound_pct"].as_f64().unwrap() >= 0.0);

    let table_output = gantry(&[
        "bench",
        "psplib",
        folder.path().to_str().unwrap(),
        "--solutions",
        table.to_str().unwrap(),
        "--schedules",
        "200",
    ]);
    assert_eq!(table_output.status.code(), Some(0));
    let text = String::from_utf8(table_output.stdout).unwrap();
    assert!(text.contains("| 3 | 200 schedules | 1 |"), "{text}");
}

/// A malformed instance stops the benchmark with the file and line of the problem.
#[test]
fn bench_psplib_names_the_line_of_a_malformed_instance() {
    let folder = tempfile::tempdir().unwrap();
    let table = write_plan(folder.path(), "opt.sm", "1 1 10\n");
    let instances = folder.path().join("set");
    std::fs::create_dir(&instances).unwrap();
    write_plan(
        &instances,
        "j301_1.sm",
        "jobs (incl. supersource/sink ):  2\n  - renewable : 1 R\n  - nonrenewable : 0 N\n  - doubly constrained : 0 D\nPRECEDENCE RELATIONS:\njobnr. #modes #successors successors\n 1 1 1 7\n",
    );
    let output = gantry(&[
        "bench",
        "psplib",
        instances.to_str().unwrap(),
        "--solutions",
        table.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("j301_1.sm:7: expected successors of job 1 between 1 and 2, found 7"),
        "{stderr}"
    );
}

#[test]
fn level_several_projects_sharing_people() {
    // Dana works on both projects in the same week; leveled together, the data-centre task waits
    // for the CRM one (which started first) and each project keeps its own plan file.
    let folder = tempfile::tempdir().unwrap();
    let crm = write_plan(
        folder.path(),
        "crm.toml",
        "[project]\nname = \"CRM\"\nstart = 2026-03-02\n\n[resources.dana]\nname = \"Dana\"\n\n[[task]]\nid = \"migrate\"\nduration = \"3d\"\nresources = [\"dana\"]\n",
    );
    let dc = write_plan(
        folder.path(),
        "dc.toml",
        "[project]\nname = \"DC\"\nstart = 2026-03-03\n\n[resources.dana]\nname = \"Dana Kim\"\n\n[[task]]\nid = \"upgrade\"\nduration = \"2d\"\nresources = [\"dana\"]\n",
    );
    let leveled = folder.path().join("leveled");
    let output = gantry(&[
        "level",
        crm.to_str().unwrap(),
        dc.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        leveled.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let delayed = report["delayed_tasks"].as_array().unwrap();
    assert_eq!(delayed.len(), 1, "{report}");
    assert_eq!(delayed[0]["id"], "dc/upgrade");
    assert_eq!(delayed[0]["start_after"], "2026-03-05 08:00");
    let projects = report["projects"].as_array().unwrap();
    assert_eq!(projects[1]["finish_after"], "2026-03-06 17:00");
    // Each project's leveled plan file schedules on its own to the leveled dates.
    let output = gantry(&[
        "schedule",
        leveled.join("dc.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success());
    let schedule: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schedule["tasks"][0]["start"], "2026-03-05T08:00");
    // Together, resources shows Dana booked twice before leveling.
    let output = gantry(&[
        "resources",
        crm.to_str().unwrap(),
        dc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let usage: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(usage["resources"].as_array().unwrap().len(), 1, "one Dana");
    assert_eq!(usage["over_allocated_resources"], 1);
}

#[test]
fn report_writes_the_gantt_chart_of_every_example() {
    let folder = tempfile::tempdir().expect("temp dir");
    for example in [
        "crm-rollout.toml",
        "datacentre-migration.toml",
        "network-refresh.toml",
    ] {
        let plan = examples().join(example);
        let svg = folder.path().join(example.replace(".toml", ".svg"));
        let output = gantry(&[
            "report",
            plan.to_str().unwrap(),
            "--gantt",
            svg.to_str().unwrap(),
            "--scale",
            "day",
        ]);
        assert!(output.status.success(), "{example}: {output:?}");
        let text = std::fs::read_to_string(&svg).expect("the chart");
        assert!(
            text.starts_with("<svg") && text.ends_with("</svg>"),
            "{example}"
        );
        assert!(text.contains(r#"data-critical="true""#), "{example}");
    }
}

fn json_of(output: &Output) -> serde_json::Value {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// `gantry simulate` on the risk example: the same figures on one thread and on two, percentiles
/// in order around the planned finish `gantry schedule` gives, and the tasks every path crosses
/// critical in every iteration.
#[test]
fn simulate_gives_percentiles_criticality_and_sensitivity() {
    let plan = examples().join("erp-upgrade-risk.toml");
    let plan = plan.to_str().unwrap();
    let run = |threads: &str| {
        gantry(&[
            "simulate",
            plan,
            "--iterations",
            "2000",
            "--seed",
            "7",
            "--threads",
            threads,
            "--deadline",
            "2026-06-30",
            "--format",
            "json",
        ])
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.stdout, two.stdout, "the thread count changes nothing");
    let result = json_of(&one);
    let scheduled = json_of(&gantry(&["schedule", plan, "--format", "json"]));
    assert_eq!(result["planned_finish"], scheduled["project_finish"]);
    assert_eq!(result["iterations"], 2000);
    assert_eq!(result["deadline"], "2026-07-01T00:00");
    let finish = &result["finish"];
    let percentiles: Vec<&str> = ["min", "p10", "p50", "p80", "p90", "max"]
        .iter()
        .map(|key| finish[key].as_str().expect("a date"))
        .collect();
    assert!(
        percentiles.windows(2).all(|pair| pair[0] <= pair[1]),
        "{percentiles:?}"
    );
    // Every estimate's most likely value is the planned duration and the risks only add: the
    // planned finish is optimistic.
    assert!(percentiles[4] > result["planned_finish"].as_str().unwrap());
    let probability = result["deadline_probability"].as_f64().expect("a number");
    assert!((0.0..=1.0).contains(&probability));
    let criticality = result["criticality"].as_array().expect("a list");
    let index_of = |id: &str| {
        criticality
            .iter()
            .find(|entry| entry["id"] == id)
            .and_then(|entry| entry["index"].as_f64())
            .unwrap_or_else(|| panic!("no criticality for {id}"))
    };
    // System test, acceptance test and the cut-over follow everything else.
    for id in ["system-test", "uat", "final-migration", "hypercare"] {
        assert_eq!(index_of(id), 1.0, "{id}");
    }
    assert!(index_of("sandbox") < 0.5);
    let sensitivity = result["sensitivity"].as_array().expect("a list");
    assert_eq!(sensitivity.len(), 9, "every task with an estimate varies");
    assert!(sensitivity[0]["correlation"].as_f64().unwrap() > 0.2);
    let cost = &result["cost"];
    assert!(cost["p90"].as_f64().unwrap() > cost["planned"].as_f64().unwrap());
    let counted: u64 = result["histogram"]
        .as_array()
        .expect("bins")
        .iter()
        .map(|bin| bin["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 2000);

    let table = gantry(&["simulate", plan, "--iterations", "500"]);
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8(table.stdout).unwrap();
    for expected in [
        "P50",
        "P90",
        "chance to finish by the planned finish 2026-05-26 17:00",
        "criticality index",
        "sensitivity",
        "custom-code",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
}

#[test]
fn simulate_refuses_a_bad_risk_with_its_position() {
    let folder = tempfile::tempdir().unwrap();
    let plan = write_plan(
        folder.path(),
        "risky.toml",
        &format!(
            "{HEADER}[[task]]\nid = \"build\"\nduration = \"5d\"\n\n[[risk]]\nid = \"late\"\nprobability = 1.5\ntasks = [\"build\"]\ndelay = \"2d\"\n"
        ),
    );
    let output = gantry(&["simulate", plan.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "risky.toml:11:15: risk \"late\": probability must be between 0 and 1, got 1.5"
        ),
        "{stderr}"
    );
}

#[test]
fn bench_simulate_reports_its_timing_as_json() {
    let result = json_of(&gantry(&[
        "bench",
        "simulate",
        "--tasks",
        "60",
        "--iterations",
        "200",
        "--runs",
        "1",
        "--format",
        "json",
    ]));
    assert_eq!(result["tasks"], 60);
    assert_eq!(result["iterations"], 200);
    assert!(result["median_ms"].as_f64().is_some());
    assert!(result["estimates"].as_u64().unwrap() > 0);
}
