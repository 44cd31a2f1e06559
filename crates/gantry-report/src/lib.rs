//! Gantry's pictures of a schedule. [`gantt_svg`] draws the Gantt chart as one SVG document: the
//! web pages embed it and `gantry report FILE --gantt out.svg` writes it, so both show the same
//! chart.
//!
//! The chart is drawn from a plan and its computed schedule alone (no IO, deterministic): a task
//! list on the left (outline number and name), a timescale (months over weeks or days), a bar per
//! task from its start to its finish with its progress, summary brackets, milestone diamonds,
//! total float as a thin line after the bar, critical tasks in red (`data-critical="true"`),
//! links as arrows from the predecessor's end that drives to the successor's, and vertical lines
//! for today and the status date. A range of rows can be drawn alone (the web page draws the rows
//! in view of a long plan), on the same timescale as the whole chart.

use std::fmt::Write as _;
use std::ops::Range;

use gantry_core::cpm::Schedule;
use gantry_core::model::{LinkType, Plan};
use gantry_core::time::{Instant, MINUTES_PER_DAY};
use jiff::civil::{Date, Weekday};

/// How wide a day is drawn, and what the timescale's second row counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Days (28 px a day), under months.
    Day,
    /// Weeks (10 px a day), under months.
    #[default]
    Week,
    /// Months (3 px a day), under years.
    Month,
}

impl Scale {
    fn pixels_per_day(self) -> f64 {
        match self {
            Scale::Day => 28.0,
            Scale::Week => 10.0,
            Scale::Month => 3.0,
        }
    }
}

/// What the chart shows.
#[derive(Clone, Debug, Default)]
pub struct GanttOptions {
    /// The timescale.
    pub scale: Scale,
    /// Only these rows (task indexes in WBS order); all when `None`.
    pub rows: Option<Range<usize>>,
    /// Draws a "today" line at this instant when it falls on the chart.
    pub today: Option<Instant>,
}

/// Sizes of the drawing, in pixels.
const ROW_HEIGHT: f64 = 24.0;
const HEADER_HEIGHT: f64 = 44.0;
const LABEL_WIDTH: f64 = 300.0;
const BAR_HEIGHT: f64 = 12.0;
/// Characters of a task name shown before it is cut with an ellipsis.
const NAME_CHARACTERS: usize = 38;

/// The chart's colours and type, in one place so that the page's stylesheet can match them.
const STYLE: &str = "\
text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:12px;fill:#1f2933}\
.scale text{font-size:11px;fill:#52606d}.scale .top{font-weight:600;fill:#323f4b}\
.grid{stroke:#e4e7eb;stroke-width:1}.off{fill:#f5f7fa}\
.row:nth-child(even) .band{fill:#fafbfc}\
.bar{fill:#5b8def}.bar.critical{fill:#d64545}.done{fill:#1f4f9c}.critical+.done,.done.critical{fill:#8a1c1c}\
.summary{fill:#323f4b}.milestone{fill:#323f4b}.milestone.critical{fill:#d64545}\
.float{stroke:#9aa5b1;stroke-width:2}\
.link{fill:none;stroke:#7b8794;stroke-width:1.2}.link.critical{stroke:#d64545}\
.today{stroke:#f0b429;stroke-width:2}.status{stroke:#3ebd93;stroke-width:2;stroke-dasharray:4 3}\
.outline{fill:#7b8794}.summary-name{font-weight:600}";

/// The horizontal position of instants, from the first day drawn.
struct Timeline {
    origin: Instant,
    end: Instant,
    pixels_per_minute: f64,
}

impl Timeline {
    fn x(&self, at: Instant) -> f64 {
        LABEL_WIDTH + (at.0 - self.origin.0) as f64 * self.pixels_per_minute
    }

    fn width(&self) -> f64 {
        self.x(self.end) - LABEL_WIDTH
    }
}

fn date_of(at: Instant) -> Date {
    at.to_civil().date()
}

fn instant_of(date: Date) -> Instant {
    Instant::from_date(date)
}

/// The first day drawn: a few days before the project starts, on a Monday for days and weeks,
/// on the first of the month for months.
fn first_day(start: Instant, scale: Scale) -> Date {
    let date = date_of(start);
    match scale {
        Scale::Day | Scale::Week => {
            let back = i64::from(date.weekday().to_monday_zero_offset());
            date.checked_sub(jiff::Span::new().days(back))
                .unwrap_or(date)
        }
        Scale::Month => date.first_of_month(),
    }
}

/// The day after the last day drawn: a week (or a month) after the project finishes.
fn last_day(finish: Instant, scale: Scale) -> Date {
    let date = date_of(finish);
    let days = match scale {
        Scale::Day => 7,
        Scale::Week => 14,
        Scale::Month => 45,
    };
    date.checked_add(jiff::Span::new().days(days))
        .unwrap_or(date)
}

/// Escapes text for SVG (names come from users: `<script>` is shown, never run).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= NAME_CHARACTERS {
        name.to_string()
    } else {
        let cut: String = name.chars().take(NAME_CHARACTERS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Draws the Gantt chart of `plan` under `schedule` as an SVG document.
pub fn gantt_svg(plan: &Plan, schedule: &Schedule, options: &GanttOptions) -> String {
    let task_count = plan.tasks.len();
    let rows = options.rows.clone().unwrap_or(0..task_count);
    let rows = rows.start.min(task_count)..rows.end.min(task_count);
    let first = first_day(schedule.project_start, options.scale);
    let last = last_day(schedule.project_finish, options.scale);
    let timeline = Timeline {
        origin: instant_of(first),
        end: instant_of(last),
        pixels_per_minute: options.scale.pixels_per_day() / MINUTES_PER_DAY as f64,
    };
    let width = LABEL_WIDTH + timeline.width();
    let height = HEADER_HEIGHT + rows.len() as f64 * ROW_HEIGHT;
    let mut svg = String::with_capacity(512 + rows.len() * 400);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="Gantt chart of {name}" data-first-row="{first_row}" data-rows="{row_count}"><style>{STYLE}</style>"##,
        name = escape(&plan.name),
        first_row = rows.start,
        row_count = rows.len(),
    );
    svg.push_str(r##"<defs><marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#7b8794"/></marker><marker id="arrow-critical" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#d64545"/></marker></defs>"##);
    draw_scale(&mut svg, &timeline, first, last, options.scale, height);

    let outlines = plan.outline_numbers();
    let y_of = |row: usize| HEADER_HEIGHT + (row - rows.start) as f64 * ROW_HEIGHT;
    svg.push_str(r##"<g class="rows">"##);
    for index in rows.clone() {
        draw_row(
            &mut svg,
            plan,
            schedule,
            &timeline,
            index,
            &outlines[index],
            y_of(index),
        );
    }
    svg.push_str("</g>");

    // Links whose two ends are both drawn.
    svg.push_str(r##"<g class="links">"##);
    for link in &plan.links {
        let (from, to) = (link.predecessor.index(), link.successor.index());
        if !rows.contains(&from) || !rows.contains(&to) {
            continue;
        }
        let (predecessor, successor) = (&schedule.tasks[from], &schedule.tasks[to]);
        let (from_x, to_x) = match link.kind {
            LinkType::FinishToStart => (predecessor.finish, successor.start),
            LinkType::StartToStart => (predecessor.start, successor.start),
            LinkType::FinishToFinish => (predecessor.finish, successor.finish),
            LinkType::StartToFinish => (predecessor.start, successor.finish),
        };
        let (x1, x2) = (timeline.x(from_x), timeline.x(to_x));
        let (y1, y2) = (y_of(from) + ROW_HEIGHT / 2.0, y_of(to) + ROW_HEIGHT / 2.0);
        let critical = predecessor.critical && successor.critical;
        let class = if critical { "link critical" } else { "link" };
        let marker = if critical { "arrow-critical" } else { "arrow" };
        // Out of the predecessor's end, along to just before the successor's end, then in.
        let into_finish = matches!(
            link.kind,
            LinkType::FinishToFinish | LinkType::StartToFinish
        );
        let approach = if into_finish { x2 + 8.0 } else { x2 - 8.0 };
        let out = if matches!(link.kind, LinkType::StartToStart | LinkType::StartToFinish) {
            x1 - 6.0
        } else {
            x1 + 6.0
        };
        let _ = write!(
            svg,
            r##"<path class="{class}" data-from="{from_key}" data-to="{to_key}" d="M{x1:.1},{y1:.1} H{out:.1} V{mid:.1} H{approach:.1} V{y2:.1} H{x2:.1}" marker-end="url(#{marker})"/>"##,
            from_key = escape(&plan.tasks[from].key),
            to_key = escape(&plan.tasks[to].key),
            mid = if y2 > y1 {
                y2 - ROW_HEIGHT / 2.0
            } else {
                y2 + ROW_HEIGHT / 2.0
            },
        );
    }
    svg.push_str("</g>");

    // Today and the status date.
    let mut line = |at: Instant, class: &str, label: &str| {
        if at < timeline.origin || at > timeline.end {
            return;
        }
        let x = timeline.x(at);
        let _ = write!(
            svg,
            r##"<line class="{class}" x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{height:.0}"><title>{label} {date}</title></line>"##,
            top = HEADER_HEIGHT,
            date = at.to_civil(),
        );
    };
    if let Some(status) = schedule.status_date {
        line(status, "status", "Status date");
    }
    if let Some(today) = options.today {
        line(today, "today", "Today");
    }
    svg.push_str("</svg>");
    svg
}

/// The timescale: months (or years) on top, weeks (or days, or months) below, with grid lines
/// and, at the day scale, weekends shaded.
fn draw_scale(
    svg: &mut String,
    timeline: &Timeline,
    first: Date,
    last: Date,
    scale: Scale,
    height: f64,
) {
    svg.push_str(r##"<g class="scale">"##);
    let mid = HEADER_HEIGHT / 2.0;
    // Top row: months (years at the month scale).
    let mut top = match scale {
        Scale::Month => first.first_of_year(),
        _ => first.first_of_month(),
    };
    while top < last {
        let next = match scale {
            Scale::Month => top.checked_add(jiff::Span::new().years(1)),
            _ => top.checked_add(jiff::Span::new().months(1)),
        };
        let Ok(next) = next else { break };
        let x = timeline.x(instant_of(top.max(first)));
        let label = match scale {
            Scale::Month => top.year().to_string(),
            _ => top.strftime("%B %Y").to_string(),
        };
        let _ = write!(
            svg,
            r##"<line class="grid" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{mid}"/>"##
        );
        // A label only where it fits (the first month may show only its last days).
        if timeline.x(instant_of(next.min(last))) - x >= 7.0 * label.len() as f64 {
            let _ = write!(
                svg,
                r##"<text class="top" x="{tx:.1}" y="15">{label}</text>"##,
                tx = x + 4.0,
            );
        }
        top = next;
    }
    // Second row.
    let mut day = first;
    while day < last {
        let (next, label) = match scale {
            Scale::Day => (day.tomorrow(), day.day().to_string()),
            Scale::Week => (
                day.checked_add(jiff::Span::new().days(7)),
                day.strftime("%-d %b").to_string(),
            ),
            Scale::Month => (
                day.first_of_month()
                    .checked_add(jiff::Span::new().months(1)),
                day.strftime("%b").to_string(),
            ),
        };
        let Ok(next) = next else { break };
        let x = timeline.x(instant_of(day));
        if scale == Scale::Day && matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            let _ = write!(
                svg,
                r##"<rect class="off" x="{x:.1}" y="{mid}" width="{w:.1}" height="{h:.1}"/>"##,
                w = timeline.x(instant_of(next)) - x,
                h = height - mid,
            );
        }
        let _ = write!(
            svg,
            r##"<line class="grid" x1="{x:.1}" y1="{mid}" x2="{x:.1}" y2="{height:.0}"/><text x="{tx:.1}" y="37">{label}</text>"##,
            tx = x + 3.0,
        );
        day = next;
    }
    let _ = write!(
        svg,
        r##"<line class="grid" x1="{LABEL_WIDTH}" y1="{HEADER_HEIGHT}" x2="{right:.1}" y2="{HEADER_HEIGHT}"/></g>"##,
        right = timeline.x(timeline.end),
    );
}

/// One task's row: its label and its bar (or bracket, or diamond) with float and progress.
fn draw_row(
    svg: &mut String,
    plan: &Plan,
    schedule: &Schedule,
    timeline: &Timeline,
    index: usize,
    outline: &str,
    y: f64,
) {
    let task = &plan.tasks[index];
    let computed = &schedule.tasks[index];
    let depth = outline.matches('.').count() as f64;
    let critical = computed.critical && !computed.is_summary;
    let _ = write!(
        svg,
        r##"<g class="row" data-task="{key}" data-row="{index}"><rect class="band" x="0" y="{y:.1}" width="{w:.1}" height="{ROW_HEIGHT}" fill="transparent"/><text x="{ox:.1}" y="{ty:.1}"><tspan class="outline">{outline}</tspan> <tspan{summary_class}>{name}</tspan><title>{full}</title></text>"##,
        key = escape(&task.key),
        w = timeline.x(timeline.end),
        ox = 8.0 + depth * 14.0,
        ty = y + 16.0,
        summary_class = if computed.is_summary {
            r##" class="summary-name""##
        } else {
            ""
        },
        name = escape(&shorten(&task.name)),
        full = escape(&task.name),
    );
    let (x1, x2) = (timeline.x(computed.start), timeline.x(computed.finish));
    let bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
    let title = format!(
        "{} — {} to {}, total float {} min",
        task.name,
        computed.start.to_civil(),
        computed.finish.to_civil(),
        computed.total_float
    );
    if computed.is_summary {
        // A bracket: a bar with pointed ends.
        let bottom = bar_y + BAR_HEIGHT * 0.6;
        let _ = write!(
            svg,
            r##"<path class="summary" d="M{x1:.1},{bar_y:.1} H{x2:.1} V{end:.1} L{x2i:.1},{bottom:.1} H{x1i:.1} L{x1:.1},{end:.1} Z"><title>{title}</title></path>"##,
            end = bar_y + BAR_HEIGHT,
            x2i = x2 - 5.0,
            x1i = x1 + 5.0,
            title = escape(&title),
        );
    } else if computed.is_milestone {
        let (cx, cy, r) = (x1, y + ROW_HEIGHT / 2.0, 7.0);
        let _ = write!(
            svg,
            r##"<path class="milestone{c}" data-critical="{critical}" d="M{cx:.1},{top:.1} L{right:.1},{cy:.1} L{cx:.1},{bottom:.1} L{left:.1},{cy:.1} Z"><title>{title}</title></path>"##,
            c = if critical { " critical" } else { "" },
            top = cy - r,
            right = cx + r,
            bottom = cy + r,
            left = cx - r,
            title = escape(&title),
        );
    } else {
        let width = (x2 - x1).max(2.0);
        let _ = write!(
            svg,
            r##"<rect class="bar{c}" data-critical="{critical}" x="{x1:.1}" y="{bar_y:.1}" width="{width:.1}" height="{BAR_HEIGHT}" rx="2"><title>{title}</title></rect>"##,
            c = if critical { " critical" } else { "" },
            title = escape(&title),
        );
        let done = computed.percent_complete.clamp(0.0, 100.0) / 100.0;
        if done > 0.0 {
            let _ = write!(
                svg,
                r##"<rect class="done{c}" x="{x1:.1}" y="{py:.1}" width="{pw:.1}" height="{ph:.1}" rx="1"/>"##,
                c = if critical { " critical" } else { "" },
                py = bar_y + BAR_HEIGHT / 3.0,
                pw = width * done,
                ph = BAR_HEIGHT / 3.0,
            );
        }
    }
    // Total float: how far the task may slip, drawn after its finish.
    if !computed.is_summary && computed.total_float > 0 && computed.late_finish > computed.finish {
        let _ = write!(
            svg,
            r##"<line class="float" x1="{x2:.1}" y1="{fy:.1}" x2="{lx:.1}" y2="{fy:.1}"><title>Total float: {minutes} working minutes</title></line>"##,
            fy = y + ROW_HEIGHT / 2.0,
            lx = timeline.x(computed.late_finish),
            minutes = computed.total_float,
        );
    }
    svg.push_str("</g>");
}
