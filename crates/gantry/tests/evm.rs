//! `gantry evm`, `gantry baseline` and `gantry report --s-curve` as a person runs them, on the
//! ERP upgrade example (examples/erp-upgrade-evm.toml).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gantry(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(arguments)
        .output()
        .expect("gantry runs")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/erp-upgrade-evm.toml")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

fn json(arguments: &[&str]) -> serde_json::Value {
    let output = gantry(arguments);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("JSON")
}

fn task<'v>(document: &'v serde_json::Value, id: &str) -> &'v serde_json::Value {
    document["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|task| task["id"] == id)
        .expect("task")
}

fn number(value: &serde_json::Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number: {value}"))
}

#[test]
fn evm_json_figures_of_the_example_checked_by_hand() {
    let document = json(&["evm", example().to_str().unwrap(), "--format", "json"]);
    assert_eq!(document["baseline"], 0);
    assert_eq!(document["status_date"], "2026-02-21T00:00");
    let figures = &document["figures"];
    // BAC: assess 40 h × 100 + 40 h × 120 = 8,800; licences 4 h × 100 + 20 × 250 = 5,400;
    // sandbox 40 h × 90 + 200 per use + 2,000 fixed = 5,800; customisations 80 h × 90 + 200
    // + 40 h × 120 = 12,200; UAT 40 h × 120 + 20 h × 100 + 1,500 travel = 8,300: 40,500.
    assert_eq!(number(&figures["bac"]), 40500.0);
    // PV at the end of 20 February: assess, licences and sandbox planned done (20,000) and
    // the customisations half (5 of 10 days: 6,100): 26,100.
    assert_eq!(number(&figures["pv"]), 26100.0);
    // EV: 8,800 + 5,400 + 60% of 5,800 (3,480) = 17,680.
    assert_eq!(number(&figures["ev"]), 17680.0);
    // AC: assess 56 h × 100 + 56 h × 120 + 4 h overtime × 150 + 850 travel = 13,770;
    // licences 400 + 5,000 = 5,400; sandbox 64 h × 90 + 6 h × 120 + 200 + 2,000 = 8,680:
    // 27,850.
    assert_eq!(number(&figures["ac"]), 27850.0);
    assert_eq!(number(&figures["sv"]), 17680.0 - 26100.0);
    assert_eq!(number(&figures["cv"]), 17680.0 - 27850.0);
    let cpi = number(&figures["cpi"]);
    let spi = number(&figures["spi"]);
    assert!((cpi - 17680.0 / 27850.0).abs() < 1e-9);
    assert!((spi - 17680.0 / 26100.0).abs() < 1e-9);
    // EAC = BAC / CPI = 40,500 × 27,850 / 17,680 = 63,796.66.
    assert!((number(&figures["eac"]) - 63796.66).abs() < 0.01);
    // AC + (BAC − EV) = 27,850 + 22,820 = 50,670.
    assert_eq!(number(&figures["eac_remaining_to_plan"]), 50670.0);
    // TCPI = 22,820 / 12,650 = 1.80395.
    assert!((number(&figures["tcpi"]) - 1.80395).abs() < 1e-5);

    // The customisations: nothing spent yet (no CPI), behind plan.
    let customisations = task(&document, "customisations");
    assert_eq!(customisations["cpi"], serde_json::Value::Null);
    assert_eq!(customisations["eac"], serde_json::Value::Null);
    assert_eq!(customisations["status"]["behind_plan"], true);
    assert_eq!(number(&customisations["status"]["planned_percent"]), 50.0);
    // The Upgrade phase rolls up its three subtasks.
    let upgrade = task(&document, "upgrade");
    assert_eq!(upgrade["is_summary"], true);
    assert_eq!(number(&upgrade["bac"]), 5800.0 + 12200.0 + 8300.0);
    assert_eq!(number(&upgrade["ev"]), 3480.0);
    // The licences are on plan.
    assert_eq!(task(&document, "licences")["status"]["behind_plan"], false);

    // Variances in working days: the assessment ran Mon 2 – Tue 10 February instead of
    // Mon 2 – Fri 6 (2 days later, 2 days longer); the customisations moved from Mon 16 – Fri 27
    // February to Wed 25 February – Tue 10 March, 7 working days later at both ends.
    let assess = &task(&document, "assess")["variance"];
    assert_eq!(number(&assess["start_days"]), 0.0);
    assert_eq!(number(&assess["finish_days"]), 2.0);
    assert_eq!(number(&assess["duration_days"]), 2.0);
    let customisations = &task(&document, "customisations")["variance"];
    assert_eq!(number(&customisations["start_days"]), 7.0);
    assert_eq!(number(&customisations["finish_days"]), 7.0);
    assert_eq!(number(&customisations["duration_days"]), 0.0);
    assert_eq!(number(&customisations["cost"]), 0.0);

    // The S-curve: from Monday 2 February, EV and AC up to the status date, PV up to the BAC.
    let curve = document["s_curve"].as_array().expect("s_curve");
    assert_eq!(curve[0]["at"], "2026-02-02T00:00");
    assert_eq!(number(&curve[0]["pv"]), 0.0);
    let at_status = curve
        .iter()
        .find(|point| point["at"] == "2026-02-21T00:00")
        .expect("a point at the status date");
    assert_eq!(number(&at_status["ev"]), 17680.0);
    assert_eq!(number(&at_status["ac"]), 27850.0);
    let last = curve.last().expect("points");
    assert_eq!(last["ev"], serde_json::Value::Null);
    assert_eq!(number(&last["pv"]), 40500.0);
}

#[test]
fn evm_table_shows_the_project_and_the_tasks_behind_plan() {
    let output = gantry(&["evm", example().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "Earned value of \"ERP upgrade\" at the end of 2026-02-20 against Baseline\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("BAC 40,500  PV 26,100  EV 17,680  AC 27,850"),
        "{text}"
    );
    assert!(
        text.contains("EAC (BAC / CPI):                 63,797"),
        "{text}"
    );
    assert!(
        text.contains("EAC (AC + BAC − EV):            50,670"),
        "{text}"
    );
    let behind = text
        .lines()
        .find(|line| line.starts_with("Behind plan: "))
        .expect("a behind-plan line");
    assert!(behind.contains("Port the customisations"), "{behind}");
    assert!(!behind.contains("Buy upgrade licences"), "{behind}");
}

#[test]
fn an_earlier_status_date_moves_the_planned_value() {
    // By the end of 6 February only the assessment and the licences were planned: 14,200.
    let document = json(&[
        "evm",
        example().to_str().unwrap(),
        "--status-date",
        "2026-02-06",
        "--format",
        "json",
    ]);
    assert_eq!(number(&document["figures"]["pv"]), 14200.0);
}

#[test]
fn bad_baselines_exit_1_with_a_clear_message() {
    let output = gantry(&["evm", example().to_str().unwrap(), "--baseline", "11"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "baseline 11 does not exist: baselines are numbered 0 (Baseline) to 10 (Baseline10)"
        ),
        "{}",
        stderr(&output)
    );
    let output = gantry(&["evm", example().to_str().unwrap(), "--baseline", "3"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("Baseline3 has not been saved in this plan"),
        "{}",
        stderr(&output)
    );
    let folder = tempfile::tempdir().expect("folder");
    let output = gantry(&[
        "baseline",
        example().to_str().unwrap(),
        "--save",
        "11",
        "-o",
        folder.path().join("out.toml").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("baseline 11 does not exist"));
    assert!(!folder.path().join("out.toml").exists());
}

#[test]
fn a_time_entry_by_someone_not_on_the_task_names_both_and_its_line() {
    let folder = tempfile::tempdir().expect("folder");
    let text = std::fs::read_to_string(example()).expect("example")
        + "\n[[time]]\nresource = \"dev\"\ntask = \"uat\"\ndate = 2026-02-19\nhours = 3\n";
    let plan = folder.path().join("plan.toml");
    std::fs::write(&plan, &text).expect("write");
    let line = text.lines().count() - 2;
    let output = gantry(&["evm", plan.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "plan.toml:{line}:8: resource \"dev\" is not assigned to task \"uat\""
        )),
        "{message}"
    );
}

#[test]
fn evm_needs_a_status_date() {
    let folder = tempfile::tempdir().expect("folder");
    let text = std::fs::read_to_string(example())
        .expect("example")
        .replace("status_date = 2026-02-20\n", "");
    let plan = folder.path().join("plan.toml");
    std::fs::write(&plan, text).expect("write");
    let output = gantry(&["evm", plan.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("earned value needs a status date"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn baseline_save_writes_a_plan_that_measures_against_it() {
    let folder = tempfile::tempdir().expect("folder");
    let out = folder.path().join("rebaselined.toml");
    let output = gantry(&[
        "baseline",
        example().to_str().unwrap(),
        "--save",
        "1",
        "--saved",
        "2026-02-20T17:00",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.contains("[[baseline]]\nnumber = 0\n"), "{text}");
    assert!(
        text.contains("[[baseline]]\nnumber = 1\nsaved = 2026-02-20T17:00:00\n"),
        "{text}"
    );
    // Against Baseline1 (today's schedule), the finish variances are zero: nothing is late;
    // the BAC is today's cost of the plan (40,500: the costs did not change, the dates did).
    let document = json(&[
        "evm",
        out.to_str().unwrap(),
        "--baseline",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(document["baseline"], 1);
    assert_eq!(number(&document["figures"]["bac"]), 40500.0);
    for task in document["tasks"].as_array().expect("tasks") {
        assert_eq!(task["status"]["finishes_late"], false, "{task}");
        assert_eq!(
            number(&task["status"]["finish_variance_days"]),
            0.0,
            "{task}"
        );
    }
    // Against Baseline (0), the written plan gives the same figures as the example.
    let before = json(&["evm", example().to_str().unwrap(), "--format", "json"]);
    let after = json(&["evm", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(before["figures"], after["figures"]);
}

#[test]
fn report_draws_the_s_curve() {
    let folder = tempfile::tempdir().expect("folder");
    let svg = folder.path().join("s-curve.svg");
    let gantt = folder.path().join("gantt.svg");
    let output = gantry(&[
        "report",
        example().to_str().unwrap(),
        "--s-curve",
        svg.to_str().unwrap(),
        "--gantt",
        gantt.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg"));
    for series in ["pv", "ev", "ac"] {
        assert!(
            text.contains(&format!(r#"data-series="{series}""#)),
            "{series}"
        );
    }
    assert!(text.contains("BAC 40,500"));
    assert!(gantt.exists());
    // Neither chart asked for: clap says what is missing.
    let output = gantry(&["report", example().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--gantt"), "{}", stderr(&output));
}
