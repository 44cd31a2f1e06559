//! The S-curve of earned value: planned value, earned value and actual cost over time, as one
//! SVG document, with the budget at completion and the status date marked.

use std::fmt::Write as _;

use gantry_core::evm::SCurve;
use gantry_core::time::Instant;

use crate::{escape, money};

/// Size of the drawing and of its margins, in pixels.
const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

const STYLE: &str = "\
text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:12px;fill:#1f2933}\
.axis text{font-size:11px;fill:#52606d}.grid{stroke:#e4e7eb;stroke-width:1}\
.title{font-size:14px;font-weight:600}\
.series{fill:none;stroke-width:2}.pv{stroke:#5b8def}.ev{stroke:#3ebd93}.ac{stroke:#d64545}\
.bac{stroke:#7b8794;stroke-width:1;stroke-dasharray:6 4}\
.status{stroke:#3ebd93;stroke-width:2;stroke-dasharray:4 3}";

/// Draws `curve` as an SVG line chart titled `title`: PV over the whole span, EV and AC up to
/// the status date, a dashed line at the BAC and one at the status date.
pub fn s_curve_svg(curve: &SCurve, title: &str) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="S-curve: {}"><style>{STYLE}</style>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<text class="title" x="{LEFT}" y="22">{}</text>"#,
        escape(title)
    );
    let (Some(first), Some(last)) = (curve.points.first(), curve.points.last()) else {
        svg.push_str("</svg>");
        return svg;
    };
    let (origin, end) = (first.at, last.at);
    let top_value = curve
        .points
        .iter()
        .flat_map(|point| [Some(point.pv), point.ev, point.ac])
        .flatten()
        .fold(curve.bac, f64::max)
        .max(1.0);
    let scale = nice_step(top_value / 5.0);
    let top_value = (top_value / scale).ceil() * scale;
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let span = (end.0 - origin.0).max(1) as f64;
    let x = |at: Instant| LEFT + (at.0 - origin.0) as f64 / span * plot_width;
    let y = |value: f64| TOP + plot_height - value / top_value * plot_height;

    // Value axis: grid lines and labels.
    svg.push_str(r#"<g class="axis">"#);
    let steps = (top_value / scale).round() as i64;
    for step in 0..=steps {
        let value = step as f64 * scale;
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">{4}</text>"#,
            y(value),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(value) + 4.0,
            money(value)
        );
    }
    // Time axis: a label every few weeks, so that at most ten are shown.
    let weekly: Vec<Instant> = curve
        .points
        .iter()
        .map(|point| point.at)
        .filter(|at| at.weekday_index() == 0 && at.minute_of_day() == 0)
        .collect();
    let every = weekly.len().div_ceil(10).max(1);
    for at in weekly.iter().step_by(every) {
        let date = at.to_civil().date();
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x(*at),
            TOP + plot_height + 18.0,
            date
        );
    }
    svg.push_str("</g>");

    let _ = write!(
        svg,
        r#"<line class="bac" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">BAC {4}</text>"#,
        y(curve.bac),
        WIDTH - RIGHT,
        WIDTH - RIGHT,
        y(curve.bac) - 4.0,
        money(curve.bac)
    );
    let _ = write!(
        svg,
        r#"<line class="status" x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}"/>"#,
        x(curve.status_date),
        TOP + plot_height
    );

    for (name, label, values) in [
        (
            "pv",
            "Planned value (PV)",
            curve
                .points
                .iter()
                .map(|point| Some((point.at, point.pv)))
                .collect::<Vec<_>>(),
        ),
        (
            "ev",
            "Earned value (EV)",
            curve
                .points
                .iter()
                .map(|point| point.ev.map(|value| (point.at, value)))
                .collect(),
        ),
        (
            "ac",
            "Actual cost (AC)",
            curve
                .points
                .iter()
                .map(|point| point.ac.map(|value| (point.at, value)))
                .collect(),
        ),
    ] {
        let points: Vec<String> = values
            .into_iter()
            .flatten()
            .map(|(at, value)| format!("{:.1},{:.1}", x(at), y(value)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="series {name}" data-series="{name}" points="{}"><title>{label}</title></polyline>"#,
            points.join(" ")
        );
    }

    // The legend.
    for (row, (name, label)) in [("pv", "PV"), ("ev", "EV"), ("ac", "AC")]
        .into_iter()
        .enumerate()
    {
        let legend_x = LEFT + 10.0 + row as f64 * 70.0;
        let legend_y = TOP + 12.0;
        let _ = write!(
            svg,
            r#"<line class="series {name}" x1="{legend_x:.1}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}"/><text x="{:.1}" y="{:.1}">{label}</text>"#,
            legend_x + 20.0,
            legend_x + 25.0,
            legend_y + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A round step (1, 2 or 5 times a power of ten) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1e-9).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}
