//! Gantry's pictures of a schedule. [`gantt_svg`] draws the Gantt chart as one SVG document: the
//! web pages embed it and `gantry report FILE --gantt out.svg` writes it, so both show the same
//! chart.
//!
//! The chart is drawn from a plan and its computed schedule alone (no IO, deterministic): a task
//! list on the left (outline number and name), a timescale (months over weeks or days) with a
//! legend, a bar per task from its start to its finish with its progress, summary brackets,
//! milestone diamonds, total float as a thin line after the bar to the late finish, critical
//! tasks in red (`data-critical="true"`), links as arrows from the predecessor's end that drives
//! to the successor's, and labelled vertical lines for today and the status date.
//!
//! A long plan is drawn in two parts that line up: [`gantt_header_svg`], the timescale alone, and
//! [`gantt_rows_svg`], a range of rows alone, on the same timescale as the whole chart (the web
//! page keeps the first in view and fetches the second as the reader scrolls). With
//! [`GanttOptions::editing`], bars carry the handles and ids that the page drags.
//!
//! [`s_curve_svg`] draws the earned-value S-curve (PV, EV and AC over time) that
//! `gantry report FILE --s-curve out.svg` writes.
//!
//! [`simulation_svg`] draws a Monte Carlo simulation's finish histogram and cumulative
//! S-curve (the risks page's panel).
//!
//! [`status_report`] gathers a one-page status report for stakeholders (RAG status and why, key
//! dates, milestones, critical path, over-allocation, approved changes, earned value and its
//! trend, top risks and issues), written
//! as HTML by [`status_report_html`] (the web page) or [`status_report_document`] and as
//! Markdown by [`status_report_markdown`] (`gantry report FILE --status`).

use std::fmt::Write as _;
use std::ops::Range;

mod s_curve;
mod simulation;
mod status;

pub use s_curve::s_curve_svg;
pub use simulation::simulation_svg;
pub use status::{
    ChangeNote, DatedItem, EvmSummary, EvmTrend, EvmTrendPoint, OverAllocationItem, Rag, RiskNote,
    RiskState, STATUS_REPORT_CSS, StatusExtras, StatusReport, TOP_RISKS, TREND_POINTS, Trend,
    money, rag_status, status_report, status_report_document, status_report_html,
    status_report_markdown,
};

use gantry_core::cpm::Schedule;
use gantry_core::model::{LinkType, Plan};
use gantry_core::time::{Instant, MINUTES_PER_DAY};
use jiff::civil::Date;

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
    /// Pixels one calendar day takes.
    pub fn pixels_per_day(self) -> f64 {
        match self {
            Scale::Day => 28.0,
            Scale::Week => 10.0,
            Scale::Month => 3.0,
        }
    }

    /// Days a dragged bar snaps to: a day at the day and week scales, a week at the month scale
    /// (where a day is three pixels, too narrow to aim at).
    pub fn snap_days(self) -> u32 {
        match self {
            Scale::Day | Scale::Week => 1,
            Scale::Month => 7,
        }
    }
}

/// What the chart shows.
#[derive(Clone, Debug, Default)]
pub struct GanttOptions<'a> {
    /// The timescale.
    pub scale: Scale,
    /// Only these rows (task indexes in WBS order); all when `None`.
    pub rows: Option<Range<usize>>,
    /// Draws a "today" line at this instant when it falls on the chart.
    pub today: Option<Instant>,
    /// Draws the handles a manager drags (move, resize, link) and marks each row with its
    /// task's row id and version; a read-only chart when `None`.
    pub editing: Option<Editing<'a>>,
}

/// The store's identity of each task, for a chart whose bars can be dragged.
#[derive(Clone, Copy, Debug)]
pub struct Editing<'a> {
    /// Row id of each task, index for index with the plan's tasks.
    pub task_ids: &'a [i64],
    /// Version of each task row, index for index with the plan's tasks.
    pub task_versions: &'a [i64],
}

/// Height of one task's row, in pixels.
pub const ROW_HEIGHT: f64 = 24.0;
/// Height of the timescale, in pixels: two rows of dates and a strip for the lines' labels.
pub const HEADER_HEIGHT: f64 = 62.0;
/// Width of the task list on the left, in pixels.
pub const LABEL_WIDTH: f64 = 300.0;
/// Where the first day drawn begins: a little right of the task list, so that a milestone on
/// that day shows whole.
const PLOT_LEFT: f64 = LABEL_WIDTH + 12.0;
/// The timescale's two rows of dates end here; the labels of the vertical lines sit below.
const DATES_HEIGHT: f64 = 44.0;
const BAR_HEIGHT: f64 = 12.0;
/// Characters of a task name shown before it is cut with an ellipsis.
const NAME_CHARACTERS: usize = 38;

/// The chart's colours and type, in one place so that the page's stylesheet can match them.
const STYLE: &str = "\
text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:12px;fill:#1f2933}\
.scale text{font-size:11px;fill:#52606d}.scale .top{font-weight:600;fill:#323f4b}\
.grid{stroke:#e4e7eb;stroke-width:1}.tick{fill:#e4e7eb}.off{fill:#f5f7fa}\
.band{fill:transparent}.band.alt{fill:#fafbfc}.label-back{fill:#fff}.label-back.alt{fill:#fafbfc}\
.bar{fill:#5b8def}.bar.critical{fill:#e0452b}.done{fill:#1f4f9c}.done.critical{fill:#8a1c1c}\
.summary{fill:#323f4b}.milestone{fill:#323f4b}.milestone.critical{fill:#e0452b}\
.float{stroke:#9aa5b1;stroke-width:2}\
.link{fill:none;stroke:#7b8794;stroke-width:1.2}.link.critical{stroke:#e0452b}\
.today{stroke:#f0b429;stroke-width:2}.status{stroke:#3ebd93;stroke-width:2;stroke-dasharray:4 3}\
.marker text{font-size:11px;font-weight:600}.marker .today-label{fill:#9c6b00}.marker .status-label{fill:#147d64}\
.legend text{font-size:11px;fill:#52606d}\
.outline{fill:#7b8794}.summary-name{font-weight:600}\
[data-drag=move]{cursor:grab}[data-drag=resize]{cursor:ew-resize;fill:transparent}\
.link-handle{fill:#fff;stroke:#52606d;stroke-width:1.5;cursor:crosshair}";

/// The horizontal position of instants, from the first day drawn.
struct Timeline {
    origin: Instant,
    end: Instant,
    pixels_per_minute: f64,
}

impl Timeline {
    fn x(&self, at: Instant) -> f64 {
        PLOT_LEFT + (at.0 - self.origin.0) as f64 * self.pixels_per_minute
    }

    fn width(&self) -> f64 {
        self.x(self.end) - LABEL_WIDTH
    }

    fn contains(&self, at: Instant) -> bool {
        at >= self.origin && at <= self.end
    }
}

fn date_of(at: Instant) -> Date {
    at.to_civil().date()
}

/// The day that ends at `at` when it is a midnight (a status date is the end of a day), else
/// the day of `at`.
fn day_ending(at: Instant) -> Date {
    let date = date_of(at);
    if at.minute_of_day() == 0 {
        date.yesterday().unwrap_or(date)
    } else {
        date
    }
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

/// What every part of one chart shares: its timescale and the rows it draws.
struct Chart<'p> {
    plan: &'p Plan,
    schedule: &'p Schedule,
    scale: Scale,
    first: Date,
    last: Date,
    timeline: Timeline,
    rows: Range<usize>,
    today: Option<Instant>,
    editing: Option<Editing<'p>>,
    /// The baseline drawn under the bars: the plan's first (Baseline before Baseline1…).
    baseline: Option<&'p gantry_core::baseline::Baseline>,
    /// Where split tasks work, to draw their bars as segments (none when a calendar of the
    /// plan cannot be built: the bars are then drawn whole).
    split_windows: Option<gantry_core::split::SplitWindows>,
}

impl<'p> Chart<'p> {
    fn new(plan: &'p Plan, schedule: &'p Schedule, options: &GanttOptions<'p>) -> Chart<'p> {
        let task_count = plan.tasks.len();
        let rows = options.rows.clone().unwrap_or(0..task_count);
        let rows = rows.start.min(task_count)..rows.end.min(task_count);
        let baseline = plan.baselines.first();
        // The chart spans the baseline's dates too, so that a bar that slipped shows where it
        // was planned.
        let (mut start, mut finish) = (schedule.project_start, schedule.project_finish);
        for saved in baseline
            .iter()
            .flat_map(|baseline| baseline.tasks.iter().flatten())
        {
            start = start.min(Instant::from_civil(saved.start));
            finish = finish.max(Instant::from_civil(saved.finish));
        }
        let first = first_day(start, options.scale);
        let last = last_day(finish, options.scale);
        Chart {
            plan,
            schedule,
            scale: options.scale,
            first,
            last,
            timeline: Timeline {
                origin: instant_of(first),
                end: instant_of(last),
                pixels_per_minute: options.scale.pixels_per_day() / MINUTES_PER_DAY as f64,
            },
            rows,
            today: options.today,
            editing: options.editing,
            baseline,
            split_windows: gantry_core::split::SplitWindows::new(plan)
                .ok()
                .filter(|windows| !windows.is_empty()),
        }
    }

    fn width(&self) -> f64 {
        LABEL_WIDTH + self.timeline.width()
    }

    fn body_height(&self) -> f64 {
        self.rows.len() as f64 * ROW_HEIGHT
    }

    /// The opening tag of an SVG document of `height`, with what the page's script reads: the
    /// first day drawn, the pixels per day, the snap, the rows drawn and the whole plan's count.
    fn open(&self, svg: &mut String, class: &str, height: f64) {
        let width = self.width();
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="Gantt chart of {name}" data-origin="{origin}" data-day-width="{day_width}" data-snap-days="{snap}" data-first-row="{first_row}" data-rows="{row_count}" data-task-count="{task_count}"><style>{STYLE}</style>"##,
            name = escape(&self.plan.name),
            origin = self.first,
            day_width = self.scale.pixels_per_day(),
            snap = self.scale.snap_days(),
            first_row = self.rows.start,
            row_count = self.rows.len(),
            task_count = self.plan.tasks.len(),
        );
    }

    /// The minor divisions of the timescale: each one's first day, the day after it, and its
    /// label.
    fn divisions(&self) -> Vec<(Date, Date, String)> {
        let mut divisions = Vec::new();
        let mut day = self.first;
        while day < self.last {
            let (next, label) = match self.scale {
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
            divisions.push((day, next, label));
            day = next;
        }
        divisions
    }

    /// The timescale: months (or years) on top, weeks (or days, or months) below, the labels of
    /// the today and status-date lines under them, and the legend over the task list.
    fn draw_header(&self, svg: &mut String) {
        let timeline = &self.timeline;
        svg.push_str(r##"<g class="scale">"##);
        let mid = DATES_HEIGHT / 2.0;
        // Top row: months (years at the month scale).
        let mut top = match self.scale {
            Scale::Month => self.first.first_of_year(),
            _ => self.first.first_of_month(),
        };
        while top < self.last {
            let next = match self.scale {
                Scale::Month => top.checked_add(jiff::Span::new().years(1)),
                _ => top.checked_add(jiff::Span::new().months(1)),
            };
            let Ok(next) = next else { break };
            let x = timeline.x(instant_of(top.max(self.first)));
            let label = match self.scale {
                Scale::Month => top.year().to_string(),
                _ => top.strftime("%B %Y").to_string(),
            };
            let _ = write!(
                svg,
                r##"<line class="grid" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{mid}"/>"##
            );
            // A label only where it fits (the first month may show only its last days).
            if timeline.x(instant_of(next.min(self.last))) - x >= 7.0 * label.len() as f64 {
                let _ = write!(
                    svg,
                    r##"<text class="top" x="{tx:.1}" y="15">{label}</text>"##,
                    tx = x + 4.0,
                );
            }
            top = next;
        }
        // Second row.
        for (day, next, label) in self.divisions() {
            let x = timeline.x(instant_of(day));
            let _ = write!(
                svg,
                r##"<line class="grid" x1="{x:.1}" y1="{mid}" x2="{x:.1}" y2="{HEADER_HEIGHT}"/>"##
            );
            // A label only where it fits (the last month may show only its first days).
            if timeline.x(instant_of(next.min(self.last))) - x >= 6.0 * label.len() as f64 {
                let _ = write!(
                    svg,
                    r##"<text x="{tx:.1}" y="37">{label}</text>"##,
                    tx = x + 3.0,
                );
            }
        }
        let _ = write!(
            svg,
            r##"<line class="grid" x1="{LABEL_WIDTH}" y1="{DATES_HEIGHT}" x2="{right:.1}" y2="{DATES_HEIGHT}"/><line class="grid" x1="0" y1="{HEADER_HEIGHT}" x2="{right:.1}" y2="{HEADER_HEIGHT}"/></g>"##,
            right = timeline.x(timeline.end),
        );
        self.draw_legend(svg);
        // The lines' labels: the status date's to the left of its line, today's to the right,
        // so that the two stay readable when they fall on the same day.
        svg.push_str(r##"<g class="marker">"##);
        if let Some(status) = self.schedule.status_date
            && timeline.contains(status)
        {
            let label = format!("Status {}", day_ending(status).strftime("%-d %b"));
            self.draw_marker(svg, timeline.x(status), "status", &label, true);
        }
        if let Some(today) = self.today
            && timeline.contains(today)
        {
            let label = format!("Today {}", date_of(today).strftime("%-d %b"));
            self.draw_marker(svg, timeline.x(today), "today", &label, false);
        }
        svg.push_str("</g>");
    }

    /// A vertical line's label under the dates, on its left (`before`) or right, or on the
    /// other side when it would not fit there.
    fn draw_marker(&self, svg: &mut String, x: f64, class: &str, label: &str, before: bool) {
        // About 6.5 px a character at 11 px.
        let room = 6.5 * label.chars().count() as f64 + 4.0;
        let right = self.timeline.x(self.timeline.end);
        let before = if before {
            x - room >= LABEL_WIDTH
        } else {
            x + room > right
        };
        let (tx, anchor) = if before {
            (x - 4.0, "end")
        } else {
            (x + 4.0, "start")
        };
        let _ = write!(
            svg,
            r##"<line class="{class}" x1="{x:.1}" y1="{DATES_HEIGHT}" x2="{x:.1}" y2="{HEADER_HEIGHT}"/><text class="{class}-label" x="{tx:.1}" y="{y}" text-anchor="{anchor}">{label}</text>"##,
            y = HEADER_HEIGHT - 5.0,
        );
    }

    /// What the colours and lines mean, over the task list.
    fn draw_legend(&self, svg: &mut String) {
        svg.push_str(r##"<g class="legend-column">"##);
        let _ = write!(
            svg,
            r##"<rect class="label-back" x="0" y="0" width="{LABEL_WIDTH}" height="{HEADER_HEIGHT}"/>"##
        );
        svg.push_str(concat!(
            r##"<g class="legend" aria-label="Legend">"##,
            r##"<rect class="bar" x="8" y="6" width="16" height="9" rx="2"/><text x="28" y="15">Task</text>"##,
            r##"<rect class="bar critical" x="68" y="6" width="16" height="9" rx="2"/><text x="88" y="15">Critical</text>"##,
            r##"<path class="summary" d="M144,6 H164 V15 L160,12 H148 L144,15 Z"/><text x="168" y="15">Summary</text>"##,
            r##"<path class="milestone" d="M14,26 L19,31 L14,36 L9,31 Z"/><text x="28" y="36">Milestone</text>"##,
            r##"<line class="float" x1="92" y1="31" x2="108" y2="31"/><text x="112" y="36">Total float</text>"##,
            r##"<line class="today" x1="16" y1="46" x2="16" y2="58"/><text x="28" y="57">Today</text>"##,
            r##"<line class="status" x1="76" y1="46" x2="76" y2="58"/><text x="88" y="57">Status date</text>"##,
            "</g>"
        ));
        if let Some(baseline) = self.baseline {
            let _ = write!(
                svg,
                r##"<g class="legend"><rect class="baseline" fill="#9aa5b1" x="160" y="50" width="16" height="4"/><text x="180" y="57">{}</text></g>"##,
                escape(&gantry_core::baseline::baseline_name(baseline.number))
            );
        }
        svg.push_str("</g>");
    }

    /// The rows, their grid and weekends, the links with an end among them, and the today and
    /// status-date lines, from `top` down.
    fn draw_body(&self, svg: &mut String, top: f64) {
        let timeline = &self.timeline;
        let bottom = top + self.body_height();
        // Every other row shaded, by its number in the plan (so that the shading does not
        // change with the window drawn).
        svg.push_str(r##"<g class="bands">"##);
        for index in self.rows.clone() {
            let _ = write!(
                svg,
                r##"<rect class="band{alt}" x="0" y="{y:.1}" width="{w:.1}" height="{ROW_HEIGHT}"/>"##,
                alt = if index % 2 == 1 { " alt" } else { "" },
                y = self.y_of(index, top),
                w = timeline.x(timeline.end),
            );
        }
        svg.push_str("</g>");
        svg.push_str(r##"<g class="grid-lines">"##);
        match self.scale {
            // Days and weeks are all as wide: one tile of a week repeats over the rows, rather
            // than a line per division (thousands on a long plan, in every window of rows).
            Scale::Day | Scale::Week => {
                let day = self.scale.pixels_per_day();
                let step = if self.scale == Scale::Day {
                    day
                } else {
                    7.0 * day
                };
                let _ = write!(
                    svg,
                    r##"<defs><pattern id="gantt-grid" patternUnits="userSpaceOnUse" x="{PLOT_LEFT}" y="{top:.1}" width="{week:.1}" height="{ROW_HEIGHT}">"##,
                    week = 7.0 * day,
                );
                if self.scale == Scale::Day {
                    // The chart starts on a Monday: Saturday and Sunday are the tile's last days.
                    let _ = write!(
                        svg,
                        r##"<rect class="off" x="{x:.1}" y="0" width="{w:.1}" height="{ROW_HEIGHT}"/>"##,
                        x = 5.0 * day,
                        w = 2.0 * day,
                    );
                }
                let mut x = 0.0;
                while x < 7.0 * day {
                    let _ = write!(
                        svg,
                        r##"<rect class="tick" x="{x:.1}" y="0" width="1" height="{ROW_HEIGHT}"/>"##
                    );
                    x += step;
                }
                let _ = write!(
                    svg,
                    r##"</pattern></defs><rect fill="url(#gantt-grid)" x="{PLOT_LEFT}" y="{top:.1}" width="{w:.1}" height="{h:.1}"/>"##,
                    w = timeline.x(timeline.end) - PLOT_LEFT,
                    h = bottom - top,
                );
            }
            Scale::Month => {
                for (day, _, _) in self.divisions() {
                    let x = timeline.x(instant_of(day));
                    let _ = write!(
                        svg,
                        r##"<line class="grid" x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}"/>"##
                    );
                }
            }
        }
        svg.push_str("</g>");

        // Links and lines under the bars, the bars under the task list (which the page keeps
        // in view as the chart scrolls sideways).
        self.draw_links(svg, top);
        self.draw_lines(svg, top, bottom);
        let outlines = self.plan.outline_numbers();
        svg.push_str(r##"<g class="rows">"##);
        for index in self.rows.clone() {
            self.draw_row(svg, index, &outlines[index], self.y_of(index, top));
        }
        svg.push_str("</g>");
    }

    /// The today and status-date lines over the rows.
    fn draw_lines(&self, svg: &mut String, top: f64, bottom: f64) {
        let timeline = &self.timeline;
        let mut line = |at: Instant, class: &str, label: &str| {
            if !timeline.contains(at) {
                return;
            }
            let x = timeline.x(at);
            let _ = write!(
                svg,
                r##"<line class="{class}" x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}"><title>{label} {date}</title></line>"##,
                date = at.to_civil(),
            );
        };
        if let Some(status) = self.schedule.status_date {
            line(status, "status", "Status date");
        }
        if let Some(today) = self.today {
            line(today, "today", "Today");
        }
    }

    /// The top of a row (which may lie outside the rows drawn, for a link's far end).
    fn y_of(&self, row: usize, top: f64) -> f64 {
        top + (row as f64 - self.rows.start as f64) * ROW_HEIGHT
    }

    /// Links with at least one end among the rows drawn: a link that leaves the window is drawn
    /// to its far end outside it, so that it shows as the reader scrolls.
    fn draw_links(&self, svg: &mut String, top: f64) {
        let (plan, schedule, rows) = (self.plan, self.schedule, &self.rows);
        svg.push_str(r##"<g class="links">"##);
        for link in &plan.links {
            let (from, to) = (link.predecessor.index(), link.successor.index());
            if !rows.contains(&from) && !rows.contains(&to) {
                continue;
            }
            let (predecessor, successor) = (&schedule.tasks[from], &schedule.tasks[to]);
            let (from_x, to_x) = match link.kind {
                LinkType::FinishToStart => (predecessor.finish, successor.start),
                LinkType::StartToStart => (predecessor.start, successor.start),
                LinkType::FinishToFinish => (predecessor.finish, successor.finish),
                LinkType::StartToFinish => (predecessor.start, successor.finish),
            };
            let (x1, x2) = (self.timeline.x(from_x), self.timeline.x(to_x));
            let (y1, y2) = (
                self.y_of(from, top) + ROW_HEIGHT / 2.0,
                self.y_of(to, top) + ROW_HEIGHT / 2.0,
            );
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
    }

    /// One task's row: its label and its bar (or bracket, or diamond) with float, progress and,
    /// on an editable chart, the handles.
    fn draw_row(&self, svg: &mut String, index: usize, outline: &str, y: f64) {
        let task = &self.plan.tasks[index];
        let computed = &self.schedule.tasks[index];
        let timeline = &self.timeline;
        let depth = outline.matches('.').count() as f64;
        let critical = computed.critical && !computed.is_summary;
        let critical_class = if critical { " critical" } else { "" };
        let _ = write!(
            svg,
            r##"<g class="row" data-task="{key}" data-row="{index}""##,
            key = escape(&task.key),
        );
        let editing = self.editing.and_then(|editing| {
            Some((
                *editing.task_ids.get(index)?,
                *editing.task_versions.get(index)?,
            ))
        });
        if let Some((id, version)) = editing {
            let _ = write!(svg, r##" data-id="{id}" data-version="{version}""##);
        }
        svg.push('>');
        let (x1, x2) = (timeline.x(computed.start), timeline.x(computed.finish));
        let bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
        let title = escape(&format!(
            "{} — {} to {}, total float {} min",
            task.name,
            computed.start.to_civil(),
            computed.finish.to_civil(),
            computed.total_float
        ));
        // What the page's script needs to turn a drop into dates.
        let dates = format!(
            r##" data-start="{}" data-finish="{}""##,
            date_of(computed.start),
            date_of(computed.finish)
        );
        let handles = editing.is_some() && !computed.is_summary;
        let drag = if handles {
            r##" data-drag="move""##
        } else {
            ""
        };
        if computed.is_summary {
            // A bracket: a bar with pointed ends.
            let bottom = bar_y + BAR_HEIGHT * 0.6;
            let _ = write!(
                svg,
                r##"<path class="summary" d="M{x1:.1},{bar_y:.1} H{x2:.1} V{end:.1} L{x2i:.1},{bottom:.1} H{x1i:.1} L{x1:.1},{end:.1} Z"><title>{title}</title></path>"##,
                end = bar_y + BAR_HEIGHT,
                x2i = x2 - 5.0,
                x1i = x1 + 5.0,
            );
        } else if computed.is_milestone {
            let (cx, cy, r) = (x1, y + ROW_HEIGHT / 2.0, 7.0);
            let _ = write!(
                svg,
                r##"<path class="milestone{critical_class}" data-critical="{critical}"{dates}{drag} d="M{cx:.1},{top:.1} L{right:.1},{cy:.1} L{cx:.1},{bottom:.1} L{left:.1},{cy:.1} Z"><title>{title}</title></path>"##,
                top = cy - r,
                right = cx + r,
                bottom = cy + r,
                left = cx - r,
            );
        } else {
            let width = (x2 - x1).max(2.0);
            let task_id = gantry_core::model::TaskId(index as u32);
            let stretches = self
                .split_windows
                .as_ref()
                .filter(|windows| windows.pauses(task_id))
                .map(|windows| windows.windows(task_id, computed.start, computed.finish))
                .filter(|stretches| stretches.len() > 1);
            // A split task, as MS Project draws it: its working stretches as bars joined by a
            // dotted line across each pause. The whole bar stays (unfilled) for its title, its
            // dates and the drag.
            let hollow = if stretches.is_some() {
                r##" fill-opacity="0""##
            } else {
                ""
            };
            let _ = write!(
                svg,
                r##"<rect class="bar{critical_class}" data-critical="{critical}"{dates}{drag}{hollow} x="{x1:.1}" y="{bar_y:.1}" width="{width:.1}" height="{BAR_HEIGHT}" rx="2"><title>{title}</title></rect>"##,
            );
            if let Some(stretches) = &stretches {
                let colour = if critical { "#e0452b" } else { "#5b8def" };
                let line_y = bar_y + BAR_HEIGHT / 2.0;
                for (position, &(from, to)) in stretches.iter().enumerate() {
                    let (sx1, sx2) = (timeline.x(from), timeline.x(to));
                    let _ = write!(
                        svg,
                        r##"<rect class="segment" fill="{colour}" x="{sx1:.1}" y="{bar_y:.1}" width="{sw:.1}" height="{BAR_HEIGHT}" rx="2" pointer-events="none"/>"##,
                        sw = (sx2 - sx1).max(2.0),
                    );
                    if let Some(&(next, _)) = stretches.get(position + 1) {
                        let _ = write!(
                            svg,
                            r##"<line class="split" stroke="{colour}" stroke-width="1.5" stroke-dasharray="2 2" x1="{sx2:.1}" y1="{line_y:.1}" x2="{nx:.1}" y2="{line_y:.1}" pointer-events="none"/>"##,
                            nx = timeline.x(next),
                        );
                    }
                }
            }
            let done = computed.percent_complete.clamp(0.0, 100.0) / 100.0;
            if done > 0.0 {
                let _ = write!(
                    svg,
                    r##"<rect class="done{critical_class}" x="{x1:.1}" y="{py:.1}" width="{pw:.1}" height="{ph:.1}" rx="1" pointer-events="none"/>"##,
                    py = bar_y + BAR_HEIGHT / 3.0,
                    pw = width * done,
                    ph = BAR_HEIGHT / 3.0,
                );
            }
        }
        // The baseline: a thin bar under the task's bar, where the task was planned.
        if let Some(saved) = self
            .baseline
            .and_then(|baseline| baseline.task(gantry_core::model::TaskId(index as u32)))
        {
            let (start, finish) = (
                Instant::from_civil(saved.start),
                Instant::from_civil(saved.finish),
            );
            let (bx1, bx2) = (timeline.x(start), timeline.x(finish));
            let _ = write!(
                svg,
                r##"<rect class="baseline" fill="#9aa5b1" data-baseline-start="{}" data-baseline-finish="{}" x="{x:.1}" y="{by:.1}" width="{bw:.1}" height="3" pointer-events="none"><title>{}</title></rect>"##,
                date_of(start),
                date_of(finish),
                escape(&format!(
                    "{}: {} to {}",
                    gantry_core::baseline::baseline_name(self.baseline.map_or(0, |b| b.number)),
                    saved.start,
                    saved.finish
                )),
                x = if computed.is_milestone {
                    bx1 - 3.0
                } else {
                    bx1
                },
                by = bar_y + BAR_HEIGHT + 1.5,
                bw = if computed.is_milestone {
                    6.0
                } else {
                    (bx2 - bx1).max(2.0)
                },
            );
        }
        // Total float: how far the task may slip, drawn from its finish to its late finish.
        if !computed.is_summary
            && computed.total_float > 0
            && computed.late_finish > computed.finish
        {
            let _ = write!(
                svg,
                r##"<line class="float" x1="{x2:.1}" y1="{fy:.1}" x2="{lx:.1}" y2="{fy:.1}"><title>Total float: {minutes} working minutes</title></line>"##,
                fy = y + ROW_HEIGHT / 2.0,
                lx = timeline.x(computed.late_finish),
                minutes = computed.total_float,
            );
        }
        if handles {
            let right = if computed.is_milestone {
                x1 + 7.0
            } else {
                let end = x1 + (x2 - x1).max(2.0);
                let _ = write!(
                    svg,
                    r##"<rect data-drag="resize" x="{x:.1}" y="{bar_y:.1}" width="8" height="{BAR_HEIGHT}"><title>Drag to change the duration of {name}</title></rect>"##,
                    x = end - 4.0,
                    name = escape(&task.name),
                );
                end
            };
            let _ = write!(
                svg,
                r##"<circle class="link-handle" data-drag="link" cx="{cx:.1}" cy="{cy:.1}" r="4"><title>Drag to another bar to make it follow {name}</title></circle>"##,
                cx = right + 9.0,
                cy = y + ROW_HEIGHT / 2.0,
                name = escape(&task.name),
            );
        }
        // The task's outline number and name, last: over the bar when the page scrolls the
        // chart sideways and keeps the task list in view.
        let _ = write!(
            svg,
            r##"<g class="label"><rect class="label-back{alt}" x="0" y="{y:.1}" width="{LABEL_WIDTH}" height="{ROW_HEIGHT}"/><text x="{ox:.1}" y="{ty:.1}"><tspan class="outline">{outline}</tspan> <tspan{summary_class}>{name}</tspan><title>{full}</title></text></g></g>"##,
            alt = if index % 2 == 1 { " alt" } else { "" },
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
    }
}

const ARROWS: &str = r##"<defs><marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#7b8794"/></marker><marker id="arrow-critical" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#e0452b"/></marker></defs>"##;

/// Draws the Gantt chart of `plan` under `schedule` as an SVG document: the timescale over the
/// rows (all of them, or `options.rows`).
pub fn gantt_svg(plan: &Plan, schedule: &Schedule, options: &GanttOptions<'_>) -> String {
    let chart = Chart::new(plan, schedule, options);
    let mut svg = String::with_capacity(2048 + chart.rows.len() * 600);
    chart.open(&mut svg, "gantt", HEADER_HEIGHT + chart.body_height());
    svg.push_str(ARROWS);
    chart.draw_header(&mut svg);
    chart.draw_body(&mut svg, HEADER_HEIGHT);
    svg.push_str("</svg>");
    svg
}

/// Draws the timescale of the chart alone, as wide as the whole chart: what stays in view
/// above the rows as they scroll.
pub fn gantt_header_svg(plan: &Plan, schedule: &Schedule, options: &GanttOptions<'_>) -> String {
    let chart = Chart::new(plan, schedule, options);
    let mut svg = String::with_capacity(8192);
    chart.open(&mut svg, "gantt gantt-header", HEADER_HEIGHT);
    chart.draw_header(&mut svg);
    svg.push_str("</svg>");
    svg
}

/// Draws `options.rows` alone (all rows when `None`), from the top of the first one, on the
/// whole chart's timescale: the part of a long chart that is in view.
pub fn gantt_rows_svg(plan: &Plan, schedule: &Schedule, options: &GanttOptions<'_>) -> String {
    let chart = Chart::new(plan, schedule, options);
    let mut svg = String::with_capacity(2048 + chart.rows.len() * 600);
    chart.open(&mut svg, "gantt gantt-rows", chart.body_height());
    svg.push_str(ARROWS);
    chart.draw_body(&mut svg, 0.0);
    svg.push_str("</svg>");
    svg
}
