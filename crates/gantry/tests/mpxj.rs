//! What `gantry export` writes, MPXJ (the library behind most MS Project importers) reads back:
//! the same tasks, hierarchy, links with their lags, calendars, dates, slack and critical flags.
//!
//! Needs a Python with the `mpxj` and `JPype1` packages and Java: set `GANTRY_TEST_MPXJ_PYTHON` to
//! that interpreter (CI does). Without it the test says it was skipped.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use gantry_core::model::{Lag, LinkType};
use gantry_formats::mspdi::read_mspdi;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Plans to export: the examples, and a sample of the reference files when they are here.
fn inputs() -> Vec<PathBuf> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut inputs: Vec<PathBuf> = [
        "crm-rollout.toml",
        "datacentre-migration.toml",
        "network-refresh.toml",
    ]
    .iter()
    .map(|name| examples.join(name))
    .collect();
    let data = shared().join("data");
    for name in [
        "mspdi/task-links-project2013-mspdi.xml",
        "mspdi/mspdirelations.xml",
        "mspdi/mspdiresource.xml",
        "mspdi/caltest.xml",
        "mspdi/mspdiduration.xml",
        "mspdi/mpp/slack9.mpxj-mspdi.xml",
        "mspdi-synth/synth-s0016-n200.xml",
        "mspdi-synth/synth-s0023-n200.xml",
    ] {
        let path = data.join(name);
        if path.is_file() {
            inputs.push(path);
        }
    }
    inputs
}

/// Lists an MSPDI file's resources (name, max units in percent, calendar) and counts its
/// assignments, through MPXJ. Arguments: the shared tools folder (for its JVM start-up) and the
/// file.
const RESOURCES_SCRIPT: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import mspdi_dates
project = mspdi_dates.read_project(sys.argv[2])
resources = []
for resource in project.getResources():
    if resource.getUniqueID() is None or int(resource.getUniqueID()) == 0 or resource.getNull():
        continue
    calendar = resource.getCalendar()
    units = resource.getMaxUnits()
    resources.append({
        "name": str(resource.getName()),
        "max_units": float(units.doubleValue()) if units is not None else None,
        "calendar": str(calendar.getName()) if calendar is not None else None,
    })
assignments = [a for a in project.getResourceAssignments() if a.getResource() is not None]
print(json.dumps({"resources": resources, "assignments": len(assignments)}))
"#;

fn text(value: &serde_json::Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

#[test]
fn mpxj_reads_back_what_gantry_exports() {
    let Ok(python) = std::env::var("GANTRY_TEST_MPXJ_PYTHON") else {
        // Past the test harness's capture, so that the skip shows in every run.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: GANTRY_TEST_MPXJ_PYTHON is not set; MPXJ did not read Gantry's exports"
        );
        return;
    };
    let script = shared().join("tools/mspdi_dates.py");
    assert!(script.is_file(), "{} is missing", script.display());
    let folder = tempfile::tempdir().unwrap();
    for input in inputs() {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let exported = folder.path().join(format!("{name}.xml"));
        let output = Command::new(env!("CARGO_BIN_EXE_gantry"))
            .args(["export", input.to_str().unwrap(), "--to", "mspdi", "-o"])
            .arg(&exported)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );

        let ours = read_mspdi(&name, &std::fs::read_to_string(&exported).unwrap())
            .unwrap_or_else(|error| panic!("{error}"));
        let output = Command::new(&python)
            .arg(&script)
            .arg(&exported)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: MPXJ: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(theirs.len(), ours.plan.tasks.len(), "{name}: task count");

        let by_uid: HashMap<i64, usize> = ours
            .tasks
            .iter()
            .enumerate()
            .map(|(index, task)| (task.uid, index))
            .collect();
        let minute = |date: Option<jiff::civil::DateTime>| {
            date.map(|date| date.strftime("%Y-%m-%dT%H:%M").to_string())
        };
        let mut levels = vec![1i64; ours.plan.tasks.len()];
        for (index, task) in ours.plan.tasks.iter().enumerate() {
            if let Some(parent) = task.parent {
                levels[index] = levels[parent.index()] + 1;
            }
        }
        let summaries = ours.plan.summary_flags();
        for row in &theirs {
            let uid = row["uid"].as_i64().unwrap();
            let index = by_uid[&uid];
            let task = &ours.plan.tasks[index];
            let stored = &ours.tasks[index].stored;
            let context = format!("{name}: task UID {uid} {:?}", task.name);
            assert_eq!(
                text(&row["name"]).unwrap_or_default(),
                task.name,
                "{context}"
            );
            assert_eq!(
                row["outline_level"].as_i64(),
                Some(levels[index]),
                "{context}: level"
            );
            assert_eq!(
                row["is_summary"].as_bool(),
                Some(summaries[index]),
                "{context}: summary"
            );
            for (field, value) in [
                ("start", stored.start),
                ("finish", stored.finish),
                ("early_start", stored.early_start),
                ("early_finish", stored.early_finish),
                ("late_start", stored.late_start),
                ("late_finish", stored.late_finish),
            ] {
                assert_eq!(text(&row[field]), minute(value), "{context}: {field}");
            }
            assert_eq!(
                row["critical"].as_bool(),
                stored.critical,
                "{context}: critical"
            );
            let slack = row["total_slack_minutes"].as_f64().unwrap_or(0.0);
            let expected = stored.total_slack_tenths.unwrap_or(0) as f64 / 10.0;
            assert!(
                (slack - expected).abs() < 0.05,
                "{context}: slack {slack} vs {expected}"
            );
            let calendar = task
                .calendar
                .map(|id| ours.plan.calendars[id.index()].name.clone());
            assert_eq!(text(&row["calendar"]), calendar, "{context}: calendar");

            let mut links: Vec<(i64, &str, i64)> = ours
                .plan
                .links
                .iter()
                .filter(|link| link.successor.index() == index)
                .map(|link| {
                    let kind = match link.kind {
                        LinkType::FinishToStart => "FS",
                        LinkType::StartToStart => "SS",
                        LinkType::FinishToFinish => "FF",
                        LinkType::StartToFinish => "SF",
                    };
                    let lag = match link.lag {
                        Lag::None => 0,
                        Lag::Working(minutes) | Lag::Elapsed(minutes) => minutes,
                        Lag::Percent(percent) => percent.round() as i64,
                    };
                    (ours.tasks[link.predecessor.index()].uid, kind, lag)
                })
                .collect();
            let mut read: Vec<(i64, String, i64)> = row["predecessors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|link| {
                    (
                        link["uid"].as_i64().unwrap(),
                        text(&link["type"]).unwrap(),
                        link["lag_minutes"].as_f64().unwrap_or(0.0).round() as i64,
                    )
                })
                .collect();
            links.sort();
            read.sort();
            let links: Vec<(i64, String, i64)> = links
                .into_iter()
                .map(|(uid, kind, lag)| (uid, kind.to_string(), lag))
                .collect();
            assert_eq!(read, links, "{context}: predecessors");
        }
        // Resources and assignments, read by MPXJ through a few lines of our own.
        let output = Command::new(&python)
            .arg("-c")
            .arg(RESOURCES_SCRIPT)
            .arg(shared().join("tools"))
            .arg(&exported)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: MPXJ resources: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let resources = read["resources"].as_array().unwrap();
        assert_eq!(
            resources.len(),
            ours.plan.resources.len(),
            "{name}: resources"
        );
        for (resource, row) in ours.plan.resources.iter().zip(resources) {
            assert_eq!(row["name"], resource.name.as_str(), "{name}");
            let units = row["max_units"].as_f64().unwrap_or(0.0);
            assert!(
                (units - resource.max_units * 100.0).abs() < 1e-6,
                "{name}: {} units",
                resource.name
            );
            let calendar = resource
                .calendar
                .map(|id| ours.plan.calendars[id.index()].name.clone());
            if let Some(calendar) = calendar {
                assert_eq!(
                    row["calendar"],
                    calendar.as_str(),
                    "{name}: {} calendar",
                    resource.name
                );
            }
        }
        assert_eq!(
            read["assignments"].as_u64(),
            Some(ours.plan.assignments.len() as u64),
            "{name}: assignments"
        );
        eprintln!(
            "{name}: MPXJ read {} tasks, {} resources and {} assignments as written",
            theirs.len(),
            resources.len(),
            ours.plan.assignments.len()
        );
    }
}
