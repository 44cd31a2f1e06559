//! The Gantt chart of small plans, as snapshots of the SVG, and what the web pages rely on:
//! critical bars marked, names escaped, a window of rows on the whole chart's timescale.

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_report::{GanttOptions, Scale, gantt_svg};

const PLAN: &str = r#"
[project]
name = "Release 2.4"
start = 2026-03-02
status_date = 2026-03-04

[[task]]
id = "build"
name = "Build"

  [[task.task]]
  id = "api"
  name = "API changes"
  duration = "3d"
  percent_complete = 50
  actual_start = 2026-03-02

  [[task.task]]
  id = "ui"
  name = "<script>alert(1)</script> screens"
  duration = "2d"

[[task]]
id = "test"
name = "Regression tests"
duration = "2d"
after = ["api", "ui"]

[[task]]
id = "release"
name = "Release"
milestone = true
after = ["test"]
"#;

fn chart(scale: Scale, rows: Option<std::ops::Range<usize>>) -> String {
    let plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
    gantt_svg(
        &plan,
        &computed,
        &GanttOptions {
            scale,
            rows,
            today: None,
        },
    )
}

#[test]
fn the_chart_at_the_day_scale() {
    insta::assert_snapshot!(chart(Scale::Day, None));
}

#[test]
fn the_chart_at_the_month_scale() {
    insta::assert_snapshot!(chart(Scale::Month, None));
}

#[test]
fn critical_bars_are_marked_and_names_are_text() {
    let svg = chart(Scale::Week, None);
    // The screens have not started by the status date (the end of 4 March): they are scheduled
    // after it and drive the tests and the release; the API changes, half done, end four
    // working hours earlier.
    assert!(svg.contains(r#"data-task="api""#));
    let bar = |key: &str| {
        let row = svg
            .split(r#"<g class="row""#)
            .find(|row| row.contains(&format!(r#"data-task="{key}""#)))
            .expect("row");
        row.contains(r#"data-critical="true""#)
    };
    assert!(bar("ui") && bar("test") && bar("release"));
    assert!(!bar("api"));
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; screens"));
}

#[test]
fn a_window_of_rows_keeps_the_whole_timescale() {
    let whole = chart(Scale::Day, None);
    let window = chart(Scale::Day, Some(2..4));
    let width = |svg: &str| {
        svg.split(r#"width=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_string)
    };
    assert_eq!(width(&whole), width(&window));
    assert!(window.contains(r#"data-first-row="2" data-rows="2""#));
    assert!(window.contains(r#"data-task="ui""#) && window.contains(r#"data-task="test""#));
    assert!(!window.contains(r#"data-task="api""#));
    // The link from the screens to the tests has both ends in the window; the one from the
    // API changes does not.
    assert!(window.contains(r#"data-from="ui" data-to="test""#));
    assert!(!window.contains(r#"data-from="api""#));
}
