//! The result of a Monte Carlo simulation drawn as one SVG: a histogram of the simulated finish
//! dates (bars, iterations per bin on the left axis) under the cumulative S-curve (the share of
//! iterations finished by each date, 0–100% on the right axis), with the P50 and P80 finish and
//! the deadline marked.

use std::fmt::Write as _;

use gantry_core::risk::Simulation;
use gantry_core::time::Instant;

use crate::escape;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 340.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

const STYLE: &str = "\
text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:12px;fill:#1f2933}\
.axis text{font-size:11px;fill:#52606d}.grid{stroke:#e4e7eb;stroke-width:1}\
.title{font-size:14px;font-weight:600}.bar{fill:#9fb3c8}\
.cumulative{fill:none;stroke:#2680c2;stroke-width:2}\
.p50{stroke:#3ebd93;stroke-width:2;stroke-dasharray:4 3}.p80{stroke:#f0b429;stroke-width:2;stroke-dasharray:4 3}\
.deadline{stroke:#d64545;stroke-width:2}";

/// Draws `simulation`'s finish histogram and cumulative S-curve as an SVG titled `title`.
pub fn simulation_svg(simulation: &Simulation, title: &str) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Finish dates: {}"><style>{STYLE}</style>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<text class="title" x="{LEFT}" y="22">{}</text>"#,
        escape(title)
    );
    let (Some(first), Some(last)) = (simulation.histogram.first(), simulation.histogram.last())
    else {
        svg.push_str("</svg>");
        return svg;
    };
    let bins = simulation.histogram.len() as f64;
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let bar_width = plot_width / bins;
    let tallest = simulation
        .histogram
        .iter()
        .map(|bin| bin.count)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let y_count = |count: f64| TOP + plot_height - count / tallest * plot_height;
    let y_share = |share: f64| TOP + plot_height - share * plot_height;
    // Instants to x through the bins, which span equal working time (a date between two bin
    // edges lies in proportion within its bin).
    let x = |at: Instant| -> f64 {
        if at.0 <= first.from.0 {
            return LEFT;
        }
        for (index, bin) in simulation.histogram.iter().enumerate() {
            if at.0 <= bin.to.0 {
                let span = (bin.to.0 - bin.from.0).max(1) as f64;
                let within = ((at.0 - bin.from.0) as f64 / span).clamp(0.0, 1.0);
                return LEFT + (index as f64 + within) * bar_width;
            }
        }
        LEFT + plot_width
    };

    svg.push_str(r#"<g class="axis">"#);
    for step in 0..=4 {
        let share = f64::from(step) / 4.0;
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">{4:.0}</text><text x="{5:.1}" y="{3:.1}">{6:.0}%</text>"#,
            y_share(share),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y_share(share) + 4.0,
            share * tallest,
            WIDTH - RIGHT + 6.0,
            share * 100.0
        );
    }
    let every = simulation.histogram.len().div_ceil(5).max(1);
    for (index, bin) in simulation.histogram.iter().enumerate().step_by(every) {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + index as f64 * bar_width,
            TOP + plot_height + 18.0,
            bin.from.to_civil().date()
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
        WIDTH - RIGHT,
        TOP + plot_height + 36.0,
        last.to.to_civil().date()
    );
    svg.push_str("</g>");

    svg.push_str(r#"<g class="bars">"#);
    for (index, bin) in simulation.histogram.iter().enumerate() {
        let top = y_count(bin.count as f64);
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{} – {}: {} runs</title></rect>"#,
            LEFT + index as f64 * bar_width + 1.0,
            top,
            (bar_width - 2.0).max(1.0),
            TOP + plot_height - top,
            bin.from.to_civil().date(),
            bin.to.to_civil().date(),
            bin.count
        );
    }
    svg.push_str("</g>");

    let mut path = format!("M{LEFT:.1},{:.1}", y_share(0.0));
    for (index, bin) in simulation.histogram.iter().enumerate() {
        let _ = write!(
            path,
            " L{:.1},{:.1}",
            LEFT + (index as f64 + 1.0) * bar_width,
            y_share(bin.cumulative)
        );
    }
    let _ = write!(
        svg,
        r#"<path class="cumulative" d="{path}"><title>Share finished by each date</title></path>"#
    );

    for (class, label, at) in [
        ("p50", "P50", simulation.finish.p50),
        ("p80", "P80", simulation.finish.p80),
        ("deadline", "Deadline", simulation.deadline),
    ] {
        let position = x(at);
        let _ = write!(
            svg,
            r#"<line class="{class}" x1="{position:.1}" y1="{TOP}" x2="{position:.1}" y2="{:.1}"><title>{label}: {}</title></line><text x="{:.1}" y="{:.1}">{label}</text>"#,
            TOP + plot_height,
            at.to_civil().date(),
            position + 3.0,
            TOP - 4.0 + if class == "p80" { 12.0 } else { 0.0 },
        );
    }
    svg.push_str("</svg>");
    svg
}
