//! The earned-value S-curve of the ERP upgrade example, as a snapshot of the SVG, and what a
//! reader of the chart relies on: three series, EV and AC ending at the status date.

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::evm::{EvmOptions, s_curve};
use gantry_core::time::Instant;
use gantry_report::s_curve_svg;

fn chart() -> (String, gantry_core::evm::SCurve) {
    let plan = gantry_formats::parse_plan(
        "erp-upgrade-evm.toml",
        include_str!("../../../examples/erp-upgrade-evm.toml"),
    )
    .expect("plan")
    .plan;
    let status = plan.status_date.expect("a status date");
    let computed = schedule(
        &plan,
        &ScheduleOptions {
            status_date: Some(status),
            ..ScheduleOptions::default()
        },
    )
    .expect("schedule");
    let curve = s_curve(
        &plan,
        &computed,
        &EvmOptions {
            baseline: 0,
            status_date: Instant::from_civil(status),
        },
    )
    .expect("curve");
    (s_curve_svg(&curve, "ERP upgrade <earned value>"), curve)
}

#[test]
fn the_s_curve_of_the_erp_upgrade() {
    insta::assert_snapshot!(chart().0);
}

#[test]
fn three_series_and_the_title_escaped() {
    let (svg, curve) = chart();
    for series in ["pv", "ev", "ac"] {
        assert_eq!(
            svg.matches(&format!(r#"data-series="{series}""#)).count(),
            1,
            "{series}"
        );
    }
    assert!(svg.contains("ERP upgrade &lt;earned value&gt;"));
    assert!(!svg.contains("<earned value>"));
    // PV runs over every point; EV and AC stop at the status date.
    let points = |series: &str| {
        let start = svg
            .find(&format!(r#"data-series="{series}" points=""#))
            .expect("series")
            + r#"data-series="xx" points=""#.len();
        svg[start..]
            .split('"')
            .next()
            .expect("points")
            .split(' ')
            .count()
    };
    let up_to_status = curve
        .points
        .iter()
        .filter(|point| point.at <= curve.status_date)
        .count();
    assert_eq!(points("pv"), curve.points.len());
    assert_eq!(points("ev"), up_to_status);
    assert_eq!(points("ac"), up_to_status);
    assert!(svg.contains("BAC 40,500"));
}
