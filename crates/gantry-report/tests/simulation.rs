//! The Monte Carlo panel's chart for the ERP upgrade risk example, as a snapshot of the SVG, and
//! what a reader of the chart relies on: one bar per bin, an S-curve ending at 100%, the
//! percentile and deadline markers.

use gantry_core::risk::{SimulationOptions, simulate};
use gantry_report::simulation_svg;

fn chart() -> (String, gantry_core::risk::Simulation) {
    let file = gantry_formats::parse_plan(
        "erp-upgrade-risk.toml",
        include_str!("../../../examples/erp-upgrade-risk.toml"),
    )
    .expect("plan");
    let simulation = simulate(
        &file.plan,
        &file.risk,
        &SimulationOptions {
            iterations: 2_000,
            seed: 7,
            histogram_bins: 12,
            ..SimulationOptions::default()
        },
    )
    .expect("simulation");
    (
        simulation_svg(&simulation, "ERP upgrade <finish>"),
        simulation,
    )
}

#[test]
fn the_finish_histogram_of_the_erp_upgrade() {
    insta::assert_snapshot!(chart().0);
}

#[test]
fn the_chart_has_a_bar_per_bin_a_full_s_curve_and_the_markers() {
    let (svg, simulation) = chart();
    assert_eq!(svg.matches(r#"<rect class="bar""#).count(), 12);
    assert_eq!(simulation.histogram.len(), 12);
    let last = simulation.histogram.last().expect("bins");
    assert!((last.cumulative - 1.0).abs() < 1e-9);
    // The S-curve's last point is at the top of the plot (100%): y = TOP = 40.
    let path = svg
        .split(r#"<path class="cumulative" d=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the S-curve");
    assert!(path.ends_with(",40.0"), "{path}");
    for marker in [r#"class="p50""#, r#"class="p80""#, r#"class="deadline""#] {
        assert!(svg.contains(marker), "{marker}");
    }
    assert!(svg.contains("ERP upgrade &lt;finish&gt;"));
}

#[test]
fn an_empty_simulation_draws_an_empty_chart() {
    let (_, mut simulation) = chart();
    simulation.histogram.clear();
    let svg = simulation_svg(&simulation, "empty");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(!svg.contains("<rect"));
}
