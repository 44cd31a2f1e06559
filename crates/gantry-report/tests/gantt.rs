//! The Gantt chart of small plans, as snapshots of the SVG, and what the web pages rely on:
//! critical bars marked, names escaped, a window of rows on the whole chart's timescale, the
//! timescale alone, and the handles of an editable chart.

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_report::{Editing, GanttOptions, Scale, gantt_header_svg, gantt_rows_svg, gantt_svg};

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
            ..GanttOptions::default()
        },
    )
}

/// The opening tag of an SVG document, up to its style.
fn opening(svg: &str) -> &str {
    svg.split("<style>").next().expect("an opening tag")
}

/// One element a line, so that a change to the drawing shows as a readable diff.
fn lines(svg: &str) -> String {
    svg.replace("><", ">\n<")
}

#[test]
fn the_chart_at_the_day_scale() {
    insta::assert_snapshot!(lines(&chart(Scale::Day, None)));
}

#[test]
fn the_chart_at_the_month_scale() {
    insta::assert_snapshot!(lines(&chart(Scale::Month, None)));
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
    // API changes (row 1, above the window) is drawn too, up to its end outside the window,
    // so that it shows as the page scrolls; the one from the tests to the release (row 4,
    // below) as well.
    assert!(window.contains(r#"data-from="ui" data-to="test""#));
    assert!(window.contains(r#"data-from="api" data-to="test""#));
    assert!(window.contains(r#"data-from="test" data-to="release""#));
    // Those are all the plan's links: each touches row 2 or 3, so each is drawn.
    let plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    assert_eq!(plan.links.len(), 3, "api→test, ui→test, test→release");
}

#[test]
fn the_header_and_a_window_of_rows_line_up_with_the_whole_chart() {
    let plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
    let options = GanttOptions {
        scale: Scale::Week,
        rows: Some(2..4),
        ..GanttOptions::default()
    };
    let header = gantt_header_svg(&plan, &computed, &options);
    let rows = gantt_rows_svg(&plan, &computed, &options);
    let whole = gantt_svg(&plan, &computed, &GanttOptions::default());
    // Same width, same first day, same pixels per day: the parts line up with the whole.
    for part in [&header, &rows] {
        assert!(
            opening(part).contains(r#"width="532""#),
            "{}",
            opening(part)
        );
        assert!(opening(part).contains(r#"data-origin="2026-03-02" data-day-width="10""#));
    }
    assert!(opening(&whole).contains(r#"width="532" height="182""#));
    // The header has the timescale and the legend, no rows; the rows' part starts at its top
    // with no timescale, two rows high.
    assert!(header.contains("Critical") && header.contains(r#"class="legend""#));
    assert!(!header.contains(r#"class="row""#));
    assert!(opening(&rows).contains(r#"height="48""#));
    assert!(!rows.contains(r#"class="scale""#));
    // The screens' row is the first of the window, at the top of its part.
    assert!(rows.contains(r#"<rect class="band" x="0" y="0.0" width="532.0" height="24"/>"#));
    let ui = rows
        .split(r#"<g class="row" data-task="ui" data-row="2">"#)
        .nth(1)
        .expect("the screens' row");
    assert!(ui.contains(r#"<rect class="label-back" x="0" y="0.0" width="300" height="24"/>"#));
    // The status date (the end of 4 March) is labelled in the header and drawn over the rows.
    assert!(header.contains(">Status 4 Mar</text>"), "{header}");
    assert!(rows.contains(r#"<line class="status""#));
}

#[test]
fn an_editable_chart_has_handles_and_task_ids_and_a_read_only_one_has_none() {
    let plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
    let ids = [11, 12, 13, 14, 15];
    let versions = [1, 2, 3, 4, 5];
    let editable = gantt_rows_svg(
        &plan,
        &computed,
        &GanttOptions {
            editing: Some(Editing {
                task_ids: &ids,
                task_versions: &versions,
            }),
            ..GanttOptions::default()
        },
    );
    let read_only = gantt_rows_svg(&plan, &computed, &GanttOptions::default());
    assert!(!read_only.contains(r#"data-drag=""#) && !read_only.contains("data-id="));
    assert!(editable.contains(r#"data-task="ui" data-row="2" data-id="13" data-version="3""#));
    // Three leaf tasks with a bar: move, resize and link each; the milestone moves and links;
    // the summary has none.
    assert_eq!(editable.matches(r#"data-drag="move""#).count(), 4);
    assert_eq!(editable.matches(r#"data-drag="resize""#).count(), 3);
    assert_eq!(editable.matches(r#"data-drag="link""#).count(), 4);
    let summary = editable
        .split(r#"<g class="row""#)
        .find(|row| row.contains(r#"data-task="build""#))
        .expect("the summary's row");
    assert!(!summary.contains("data-drag"));
    // The bars carry their dates for the page's script.
    assert!(editable.contains(r#"data-start="2026-03-02" data-finish="2026-03-06""#));
}

#[test]
fn a_plan_with_a_baseline_draws_it_under_the_bars() {
    let mut plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    let agreed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
    let saved = jiff::civil::date(2026, 2, 27).at(17, 0, 0, 0);
    gantry_core::baseline::save_baseline(&mut plan, &agreed, 0, saved).expect("baseline");
    // The screens take two days longer than agreed: they, the tests and the release slip.
    let ui = plan
        .tasks
        .iter()
        .position(|task| task.key == "ui")
        .expect("ui");
    plan.tasks[ui].duration = gantry_core::model::Duration::working(4 * 480);
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
    let svg = gantt_svg(&plan, &computed, &GanttOptions::default());
    // One baseline bar per task, and the legend names the baseline.
    assert_eq!(
        svg.matches(r##"<rect class="baseline" fill="#9aa5b1" data-baseline"##)
            .count(),
        5
    );
    assert!(svg.contains(">Baseline</text>"), "the legend");
    let row = |key: &str| {
        svg.split(r#"<g class="row""#)
            .find(|row| row.contains(&format!(r#"data-task="{key}""#)))
            .expect("row")
            .to_string()
    };
    // The release was agreed for the end of 10 March; it now falls on 12 March.
    assert!(
        row("release").contains(r#"data-baseline-start="2026-03-10""#),
        "{}",
        row("release")
    );
    assert!(
        row("release").contains(r#"data-finish="2026-03-12""#),
        "{}",
        row("release")
    );
    insta::assert_snapshot!(lines(&svg));
}

#[test]
fn a_split_task_is_drawn_as_segments_joined_by_a_dotted_line() {
    // The screens (2 days, not started: from Thursday 5 March, after the status date) pause
    // after their first day: they work Thursday, rest Friday and Monday, and work Tuesday 10.
    let mut plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    let ui = plan
        .tasks
        .iter()
        .position(|task| task.key == "ui")
        .expect("ui");
    plan.splits.push(gantry_core::model::Split {
        task: gantry_core::model::TaskId(ui as u32),
        after: 480,
        gap: 2 * 480,
    });
    let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
    let svg = gantt_svg(
        &plan,
        &computed,
        &GanttOptions {
            scale: Scale::Day,
            ..GanttOptions::default()
        },
    );
    let row = |key: &str| {
        svg.split(r#"<g class="row""#)
            .find(|row| row.contains(&format!(r#"data-task="{key}""#)))
            .expect("row")
            .to_string()
    };
    let screens = row("ui");
    // The whole bar keeps its dates (for the drag) but is not filled; two segments and one
    // dotted line across the pause are.
    assert!(
        screens.contains(r#"data-start="2026-03-05" data-finish="2026-03-10""#),
        "{screens}"
    );
    assert!(screens.contains(r#"fill-opacity="0""#), "{screens}");
    assert_eq!(screens.matches(r#"<rect class="segment""#).count(), 2);
    assert_eq!(screens.matches(r#"<line class="split""#).count(), 1);
    assert!(screens.contains(r#"stroke-dasharray="2 2""#), "{screens}");
    // Other bars are drawn whole, as before.
    assert!(!row("test").contains("segment"));
    let line = screens
        .split("<line")
        .nth(1)
        .and_then(|rest| rest.split("/>").next())
        .expect("the dotted line");
    // From the end of Thursday's work to the start of Tuesday's, in the critical red.
    assert_eq!(
        line,
        r##" class="split" stroke="#e0452b" stroke-width="1.5" stroke-dasharray="2 2" x1="415.8" y1="122.0" x2="545.3" y2="122.0" pointer-events="none""##
    );
}
