//! The status report for stakeholders: one page that says where a project stands (red, amber
//! or green, and why), its key dates against its deadlines and baseline, progress, milestones
//! done, next and late, the critical path, who is over-allocated, the changes approved lately
//! and, when a baseline is saved, earned value with its SPI and CPI trend over the last weeks
//! (see [`EvmTrend`]); and, when a risk record is given, the top open risks and the risks that
//! occurred (issues). [`status_report`] gathers it from a plan and its schedule;
//! [`status_report_html`] and [`status_report_markdown`] write it. The web page (risks from the
//! project's register) and `gantry report --status` (risks from the plan file's `[[risk]]`
//! tables) use these same functions.

use std::fmt::Write as _;

use gantry_core::cpm::{DiagnosticKind, Schedule};
use gantry_core::evm::{EvmOptions, SCurve, earned_value, s_curve};
use gantry_core::model::Plan;
use gantry_core::time::Instant;
use gantry_core::usage::{Period, resource_usage};

use crate::escape;

/// Red, amber or green.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rag {
    /// A deadline is missed, or a constraint forces negative float.
    Red,
    /// Someone is booked beyond what they can give.
    Amber,
    /// On schedule.
    Green,
}

impl Rag {
    /// `red`, `amber` or `green`.
    pub fn code(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }
}

/// A project's status with its reason in words: red when a deadline is missed or a constraint
/// forces negative float, amber when a resource (named in `over_allocated`) is booked beyond
/// what it can give, green otherwise. The portfolio dashboard and the status report both use it.
pub fn rag_status(plan: &Plan, schedule: &Schedule, over_allocated: &[String]) -> (Rag, String) {
    let missed = schedule
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.kind == DiagnosticKind::MissedDeadline)
        .count();
    let negative = schedule
        .tasks
        .iter()
        .zip(&plan.tasks)
        .filter(|(computed, _)| !computed.is_summary && computed.total_float < 0)
        .count();
    if missed > 0 || negative > 0 {
        (
            Rag::Red,
            format!("{missed} missed deadlines, {negative} tasks with negative float"),
        )
    } else if !over_allocated.is_empty() {
        (
            Rag::Amber,
            format!("over-allocated: {}", over_allocated.join(", ")),
        )
    } else {
        (Rag::Green, "on schedule, no one booked twice".to_string())
    }
}

/// A change approved lately, as the report lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeNote {
    /// Its title.
    pub title: String,
    /// When it was approved (a day).
    pub approved_on: String,
    /// Who approved it.
    pub approved_by: String,
    /// What it did to the finish ("+3 working days").
    pub finish_change: String,
}

/// Where a risk stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskState {
    /// It may still happen.
    Open,
    /// It can no longer happen.
    Closed,
    /// It happened: an issue.
    Occurred,
}

/// A risk as the report lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskNote {
    /// What people call it.
    pub title: String,
    /// Probability band × impact band, 1–25, where a register scores it; `None` for a plan
    /// file's risk.
    pub score: Option<u8>,
    /// Probability that it happens, 0–1.
    pub probability: f64,
    /// What it would do, in words ("delay 5 d, cost 12,000" or "impact 4 of 5").
    pub impact: String,
    /// Who watches it, where known.
    pub owner: Option<String>,
    /// How it is responded to ("mitigate: …"), where known.
    pub response: Option<String>,
    /// What it costs when it happens (orders risks of equal score and probability).
    pub cost: f64,
    /// Open, closed or occurred.
    pub state: RiskState,
}

/// How many open risks the report lists.
pub const TOP_RISKS: usize = 5;

/// The top open risks (by score, then probability, then cost, highest first, up to
/// [`TOP_RISKS`]) and every risk that occurred, in that order.
fn top_risks_and_issues(risks: &[RiskNote]) -> (Vec<RiskNote>, Vec<RiskNote>) {
    let mut open: Vec<RiskNote> = risks
        .iter()
        .filter(|risk| risk.state == RiskState::Open)
        .cloned()
        .collect();
    open.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.probability.total_cmp(&a.probability))
            .then(b.cost.total_cmp(&a.cost))
    });
    open.truncate(TOP_RISKS);
    let issues = risks
        .iter()
        .filter(|risk| risk.state == RiskState::Occurred)
        .cloned()
        .collect();
    (open, issues)
}

/// Better, worse or about the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    /// The index rose by more than 0.01.
    Improving,
    /// The index fell by more than 0.01.
    Worsening,
    /// Within 0.01.
    Steady,
}

impl Trend {
    /// Compares the first and the last of `values` (ignoring `None`s); `None` with fewer than
    /// two values.
    fn of(values: impl Iterator<Item = Option<f64>>) -> Option<Trend> {
        let values: Vec<f64> = values.flatten().collect();
        if values.len() < 2 {
            return None;
        }
        let change = values[values.len() - 1] - values[0];
        Some(if change > 0.01 {
            Trend::Improving
        } else if change < -0.01 {
            Trend::Worsening
        } else {
            Trend::Steady
        })
    }

    /// `improving`, `worsening` or `steady`.
    pub fn word(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Worsening => "worsening",
            Trend::Steady => "steady",
        }
    }

    /// `↑`, `↓` or `→`.
    pub fn arrow(self) -> &'static str {
        match self {
            Trend::Improving => "↑",
            Trend::Worsening => "↓",
            Trend::Steady => "→",
        }
    }
}

/// SPI and CPI at one point of the S-curve.
#[derive(Clone, Debug, PartialEq)]
pub struct EvmTrendPoint {
    /// The day (a Monday, or the status date).
    pub date: String,
    /// EV / PV by then; `None` where nothing was planned yet.
    pub spi: Option<f64>,
    /// EV / AC by then; `None` where nothing was spent yet.
    pub cpi: Option<f64>,
}

/// The SPI and CPI over the last weeks, and which way they go. Derived from the weekly
/// S-curve of [`gantry_core::evm::s_curve`] against baseline 0: of its points up to the status
/// date (every Monday 00:00 and the status date itself, where EV and AC are known), the last
/// [`TREND_POINTS`], each with SPI = EV / PV and CPI = EV / AC from the cumulative values by
/// then (`None` where the denominator is zero: nothing planned or spent yet). The last point's
/// indices are the report's SPI and CPI. A trend compares the first and the last known index of
/// these points: improving when it rose by more than 0.01, worsening when it fell by more than
/// 0.01, steady otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct EvmTrend {
    /// Up to [`TREND_POINTS`] points, oldest first, the last at the status date.
    pub points: Vec<EvmTrendPoint>,
    /// The SPI from the first point to the last; `None` with fewer than two SPIs.
    pub spi: Option<Trend>,
    /// The CPI from the first point to the last; `None` with fewer than two CPIs.
    pub cpi: Option<Trend>,
}

/// How many points the EVM trend shows.
pub const TREND_POINTS: usize = 4;

/// The EVM trend from the S-curve, as [`EvmTrend`] describes it.
fn evm_trend(curve: &SCurve) -> EvmTrend {
    let known: Vec<_> = curve
        .points
        .iter()
        .filter(|point| point.at <= curve.status_date)
        .filter_map(|point| Some((point.at, point.pv, point.ev?, point.ac?)))
        .collect();
    let ratio = |numerator: f64, denominator: f64| {
        (denominator.abs() > f64::EPSILON).then(|| numerator / denominator)
    };
    let points: Vec<EvmTrendPoint> = known[known.len().saturating_sub(TREND_POINTS)..]
        .iter()
        .map(|&(at, pv, ev, ac)| EvmTrendPoint {
            date: day(at),
            spi: ratio(ev, pv),
            cpi: ratio(ev, ac),
        })
        .collect();
    EvmTrend {
        spi: Trend::of(points.iter().map(|point| point.spi)),
        cpi: Trend::of(points.iter().map(|point| point.cpi)),
        points,
    }
}

/// What the report needs beyond the plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusExtras {
    /// The day the report is written ("Mon 2 Mar 2026").
    pub report_date: String,
    /// The changes approved lately, newest first; `None` where there is no record of them (a
    /// plan file).
    pub recent_changes: Option<Vec<ChangeNote>>,
    /// When the changes are those approved since the last report was sent, that report in
    /// words ("Mon 2 Mar 2026 by dana"); `None`: the latest approved changes.
    pub changes_since: Option<String>,
    /// What waits for a decision (change requests still proposed), in words; `None` where
    /// there is no record.
    pub decisions_needed: Option<Vec<String>>,
    /// The project's risks, every status (the report picks the top open ones and the
    /// occurred ones); `None` where there is no risk record.
    pub risks: Option<Vec<RiskNote>>,
}

/// A task named with a date (and, for a late one, what it missed).
#[derive(Clone, Debug, PartialEq)]
pub struct DatedItem {
    /// The task's name.
    pub name: String,
    /// Its finish.
    pub date: String,
    /// For a late one: "due Fri 6 Mar 2026" or "baseline Fri 6 Mar 2026".
    pub missed: Option<String>,
}

/// A resource booked beyond what it can give.
#[derive(Clone, Debug, PartialEq)]
pub struct OverAllocationItem {
    /// The resource's name.
    pub name: String,
    /// How many stretches of over-allocation.
    pub stretches: usize,
    /// The highest load, percent of its maximum units.
    pub peak_percent: u32,
    /// When the first stretch starts.
    pub first: String,
}

/// Earned value at the status date against baseline 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvmSummary {
    /// Budget at completion.
    pub bac: f64,
    /// Planned value.
    pub pv: f64,
    /// Earned value.
    pub ev: f64,
    /// Actual cost.
    pub ac: f64,
    /// Schedule performance index.
    pub spi: Option<f64>,
    /// Cost performance index.
    pub cpi: Option<f64>,
    /// Estimate at completion (BAC / CPI).
    pub eac: Option<f64>,
    /// Variance at completion.
    pub vac: Option<f64>,
}

/// Everything a status report says, gathered from a plan and its schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusReport {
    /// The project's name.
    pub name: String,
    /// The day it was written.
    pub report_date: String,
    /// The plan's status date, if set.
    pub status_date: Option<String>,
    /// Red, amber or green.
    pub rag: Rag,
    /// Why.
    pub reason: String,
    /// The project's start.
    pub start: String,
    /// Its finish.
    pub finish: String,
    /// The finish in baseline 0, if saved.
    pub baseline_finish: Option<String>,
    /// The finish against baseline 0 in calendar days (positive: later).
    pub finish_variance_days: Option<i64>,
    /// How many tasks have a deadline.
    pub deadlines: usize,
    /// Those that finish after it.
    pub missed_deadlines: Vec<DatedItem>,
    /// Percent complete (leaf tasks weighted by duration).
    pub percent_complete: u32,
    /// Milestones done.
    pub milestones_done: Vec<DatedItem>,
    /// The next milestones (up to three).
    pub milestones_next: Vec<DatedItem>,
    /// Milestones that finish after their deadline or their baseline finish.
    pub milestones_late: Vec<DatedItem>,
    /// How many leaf tasks are critical.
    pub critical_count: usize,
    /// The first critical chain (up to ten tasks), with their finishes.
    pub critical_path: Vec<DatedItem>,
    /// The most over-allocated resources (up to five).
    pub over_allocations: Vec<OverAllocationItem>,
    /// The changes approved lately; `None` where there is no record.
    pub recent_changes: Option<Vec<ChangeNote>>,
    /// The last report sent, when `recent_changes` are those approved since it.
    pub changes_since: Option<String>,
    /// What waits for a decision; `None` where there is no record.
    pub decisions_needed: Option<Vec<String>>,
    /// Earned value, when baseline 0 and a status date exist.
    pub evm: Option<EvmSummary>,
    /// SPI and CPI over the last weeks, when baseline 0 and a status date exist.
    pub evm_trend: Option<EvmTrend>,
    /// The top open risks (up to [`TOP_RISKS`]); `None` where there is no risk record.
    pub top_risks: Option<Vec<RiskNote>>,
    /// The risks that occurred (issues); `None` where there is no risk record.
    pub issues: Option<Vec<RiskNote>>,
}

fn day(instant: Instant) -> String {
    instant
        .to_civil()
        .date()
        .strftime("%a %-d %b %Y")
        .to_string()
}

/// Gathers the report of `plan` scheduled as `schedule`.
pub fn status_report(plan: &Plan, schedule: &Schedule, extras: &StatusExtras) -> StatusReport {
    let usage = resource_usage(plan, schedule, Period::Week).unwrap_or_default();
    let mut over: Vec<OverAllocationItem> = usage
        .iter()
        .filter(|usage| !usage.over_allocations.is_empty())
        .map(|usage| {
            let peak = usage
                .over_allocations
                .iter()
                .map(|over| over.units / over.max_units.max(f64::EPSILON))
                .fold(0.0, f64::max);
            OverAllocationItem {
                name: plan.resources[usage.resource.index()].name.clone(),
                stretches: usage.over_allocations.len(),
                peak_percent: (peak * 100.0).round() as u32,
                first: usage
                    .over_allocations
                    .first()
                    .map(|over| day(over.from))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let over_names: Vec<String> = over.iter().map(|item| item.name.clone()).collect();
    over.sort_by(|a, b| {
        (b.peak_percent, b.stretches)
            .cmp(&(a.peak_percent, a.stretches))
            .then_with(|| a.name.cmp(&b.name))
    });
    over.truncate(5);
    let (rag, reason) = rag_status(plan, schedule, &over_names);

    let baseline = plan.baseline(0);
    let baseline_finish_of = |index: usize| {
        baseline
            .and_then(|baseline| baseline.task(gantry_core::model::TaskId(index as u32)))
            .map(|saved| Instant::from_civil(saved.finish))
    };
    let project_baseline_finish = baseline.and_then(|baseline| {
        baseline
            .tasks
            .iter()
            .flatten()
            .map(|saved| Instant::from_civil(saved.finish))
            .max()
    });

    let (mut done_weight, mut total_weight) = (0.0, 0.0);
    for (task, computed) in plan.tasks.iter().zip(&schedule.tasks) {
        if !computed.is_summary {
            let weight = task.duration.minutes.max(0) as f64;
            done_weight += weight * computed.percent_complete;
            total_weight += weight;
        }
    }
    let percent_complete = if total_weight > 0.0 {
        (done_weight / total_weight).round() as u32
    } else {
        0
    };

    let mut deadlines = 0;
    let mut missed_deadlines = Vec::new();
    let (mut milestones_done, mut milestones_next, mut milestones_late) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut milestone_order: Vec<usize> = (0..plan.tasks.len())
        .filter(|&index| schedule.tasks[index].is_milestone)
        .collect();
    milestone_order.sort_by_key(|&index| schedule.tasks[index].finish);
    for (index, task) in plan.tasks.iter().enumerate() {
        let computed = &schedule.tasks[index];
        if let Some(deadline) = task.deadline.map(Instant::from_civil) {
            deadlines += 1;
            if computed.finish > deadline && !computed.is_milestone {
                missed_deadlines.push(DatedItem {
                    name: task.name.clone(),
                    date: day(computed.finish),
                    missed: Some(format!("due {}", day(deadline))),
                });
            }
        }
    }
    for index in milestone_order {
        let task = &plan.tasks[index];
        let computed = &schedule.tasks[index];
        let item = |missed| DatedItem {
            name: task.name.clone(),
            date: day(computed.finish),
            missed,
        };
        let deadline = task.deadline.map(Instant::from_civil);
        if let Some(deadline) = deadline.filter(|&deadline| computed.finish > deadline) {
            milestones_late.push(item(Some(format!("due {}", day(deadline)))));
        } else if let Some(saved) = baseline_finish_of(index)
            .filter(|&saved| computed.finish.day_number() > saved.day_number())
        {
            milestones_late.push(item(Some(format!("baseline {}", day(saved)))));
        }
        if computed.percent_complete >= 100.0 {
            milestones_done.push(item(None));
        } else if milestones_next.len() < 3 {
            milestones_next.push(item(None));
        }
    }

    let critical_path = schedule
        .critical_paths
        .first()
        .map(|path| {
            path.iter()
                .take(10)
                .map(|&task| DatedItem {
                    name: plan.tasks[task.index()].name.clone(),
                    date: day(schedule.task(task).finish),
                    missed: None,
                })
                .collect()
        })
        .unwrap_or_default();

    let evm_options = match (
        baseline,
        plan.status_date
            .or(schedule.status_date.map(Instant::to_civil)),
    ) {
        (Some(_), Some(status)) => Some(EvmOptions {
            baseline: 0,
            status_date: Instant::from_civil(status),
        }),
        _ => None,
    };
    let evm_trend = evm_options
        .as_ref()
        .and_then(|options| s_curve(plan, schedule, options).ok())
        .map(|curve| evm_trend(&curve));
    let evm = match &evm_options {
        Some(options) => earned_value(plan, schedule, options)
            .ok()
            .map(|earned| EvmSummary {
                bac: earned.project.bac,
                pv: earned.project.pv,
                ev: earned.project.ev,
                ac: earned.project.ac,
                spi: earned.project.spi,
                cpi: earned.project.cpi,
                eac: earned.project.eac,
                vac: earned.project.vac,
            }),
        None => None,
    };
    let (top_risks, issues) = match &extras.risks {
        Some(risks) => {
            let (top, issues) = top_risks_and_issues(risks);
            (Some(top), Some(issues))
        }
        None => (None, None),
    };

    StatusReport {
        name: plan.name.clone(),
        report_date: extras.report_date.clone(),
        status_date: plan
            .status_date
            .map(|at| day(Instant::from_civil(at)))
            .or(schedule.status_date.map(day)),
        rag,
        reason,
        start: day(schedule.project_start),
        finish: day(schedule.project_finish),
        baseline_finish: project_baseline_finish.map(day),
        finish_variance_days: project_baseline_finish
            .map(|saved| schedule.project_finish.day_number() - saved.day_number()),
        deadlines,
        missed_deadlines,
        percent_complete,
        milestones_done,
        milestones_next,
        milestones_late,
        critical_count: schedule
            .tasks
            .iter()
            .filter(|task| task.critical && !task.is_summary)
            .count(),
        critical_path,
        over_allocations: over,
        recent_changes: extras.recent_changes.clone(),
        changes_since: extras.changes_since.clone(),
        decisions_needed: extras.decisions_needed.clone(),
        evm,
        evm_trend,
        top_risks,
        issues,
    }
}

/// Money as people read it, rounded to whole units and grouped by thousands: "12,400".
pub fn money(amount: f64) -> String {
    let rounded = amount.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if rounded < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn index(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |value| format!("{value:.2}"))
}

fn optional_money(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), money)
}

fn variance(days: i64) -> String {
    match days {
        0 => "on the baseline".to_string(),
        1 => "1 day later than the baseline".to_string(),
        -1 => "1 day earlier than the baseline".to_string(),
        days if days > 0 => format!("{days} days later than the baseline"),
        days => format!("{} days earlier than the baseline", -days),
    }
}

/// The rules that make the report read well on screen and on paper: a stylesheet for the
/// elements [`status_report_html`] writes (class `status-report`).
pub const STATUS_REPORT_CSS: &str = "\
.status-report { max-width: 52rem; font: 15px/1.45 system-ui, sans-serif; color: #1f2933; }
.status-report h1 { font-size: 1.5rem; margin: 0 0 0.2rem; }
.status-report h2 { font-size: 1.05rem; margin: 1.1rem 0 0.4rem; border-bottom: 1px solid #e4e7eb; padding-bottom: 0.2rem; }
.status-report .meta { color: #616e7c; margin: 0 0 0.8rem; }
.status-report .status { display: flex; gap: 0.8rem; align-items: center; padding: 0.6rem 0.8rem; border-radius: 6px; background: #f5f7fa; }
.status-report .rag-mark { display: inline-block; min-width: 4.5rem; text-align: center; padding: 0.15rem 0.5rem; border-radius: 999px; font-weight: 700; text-transform: uppercase; color: #fff; }
.status-report .rag-mark.red { background: #d64545; } .status-report .rag-mark.amber { background: #f0b429; color: #1f2933; } .status-report .rag-mark.green { background: #3ebd93; }
.status-report table { border-collapse: collapse; width: 100%; }
.status-report th, .status-report td { text-align: left; padding: 0.2rem 0.6rem 0.2rem 0; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
.status-report .late { color: #8a1c1c; font-weight: 600; }
.status-report .none { color: #616e7c; }
.status-report .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.5rem; }
@media print {
  .status-report { max-width: none; font-size: 11pt; }
  .status-report .status { background: none; border: 1px solid #999; }
  .status-report .rag-mark { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .status-report h2 { break-after: avoid; }
  .status-report section { break-inside: avoid; }
}
";

fn items_html(out: &mut String, items: &[DatedItem], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(empty));
        return;
    }
    out.push_str("<ul>\n");
    for item in items {
        let _ = write!(out, "<li>{} — {}", escape(&item.name), escape(&item.date));
        if let Some(missed) = &item.missed {
            let _ = write!(out, " <span class=\"late\">({})</span>", escape(missed));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

fn trend_word(trend: Option<Trend>) -> String {
    trend.map_or_else(
        || "–".to_string(),
        |trend| format!("{} {}", trend.arrow(), trend.word()),
    )
}

fn trend_html(out: &mut String, trend: &EvmTrend) {
    if trend.points.is_empty() {
        return;
    }
    out.push_str("<h3>Trend</h3>\n<table class=\"evm-trend\">\n<tr><th></th>");
    for point in &trend.points {
        let _ = write!(out, "<th>{}</th>", escape(&point.date));
    }
    out.push_str("<th>Trend</th></tr>\n");
    for (label, values, direction) in [
        (
            "SPI",
            trend
                .points
                .iter()
                .map(|point| point.spi)
                .collect::<Vec<_>>(),
            trend.spi,
        ),
        (
            "CPI",
            trend.points.iter().map(|point| point.cpi).collect(),
            trend.cpi,
        ),
    ] {
        let _ = write!(out, "<tr><th>{label}</th>");
        for value in values {
            let _ = write!(out, "<td>{}</td>", index(value));
        }
        let class = if direction == Some(Trend::Worsening) {
            " class=\"late\""
        } else {
            ""
        };
        let _ = writeln!(out, "<td{class}>{}</td></tr>", trend_word(direction));
    }
    out.push_str("</table>\n");
}

fn score(risk: &RiskNote) -> String {
    risk.score
        .map_or_else(|| "–".to_string(), |score| score.to_string())
}

fn probability(risk: &RiskNote) -> String {
    format!("{:.0} %", risk.probability * 100.0)
}

fn risks_html(out: &mut String, risks: &[RiskNote], empty: &str) {
    if risks.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(empty));
        return;
    }
    out.push_str("<table>\n<tr><th>Risk</th><th>Score</th><th>Probability</th><th>Impact</th><th>Owner</th><th>Response</th></tr>\n");
    for risk in risks {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&risk.title),
            score(risk),
            probability(risk),
            escape(&risk.impact),
            escape(risk.owner.as_deref().unwrap_or("–")),
            escape(risk.response.as_deref().unwrap_or("–"))
        );
    }
    out.push_str("</table>\n");
}

fn risks_markdown(out: &mut String, risks: &[RiskNote], empty: &str) {
    if risks.is_empty() {
        let _ = writeln!(out, "{empty}");
        return;
    }
    let _ = writeln!(
        out,
        "| Risk | Score | Probability | Impact | Owner | Response |\n| --- | --- | --- | --- | --- | --- |"
    );
    for risk in risks {
        let cell = |text: &str| text.replace('|', "\\|");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&risk.title),
            score(risk),
            probability(risk),
            cell(&risk.impact),
            cell(risk.owner.as_deref().unwrap_or("–")),
            cell(risk.response.as_deref().unwrap_or("–"))
        );
    }
}

/// The report as an HTML fragment (`<article class="status-report">`), styled by
/// [`STATUS_REPORT_CSS`]: what the web page shows and [`status_report_document`] wraps.
pub fn status_report_html(report: &StatusReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<article class=\"status-report\" data-rag=\"{}\">",
        report.rag.code()
    );
    let _ = writeln!(out, "<h1>{}: status report</h1>", escape(&report.name));
    let _ = write!(
        out,
        "<p class=\"meta\">Written {}",
        escape(&report.report_date)
    );
    if let Some(status) = &report.status_date {
        let _ = write!(out, " · status date {}", escape(status));
    }
    out.push_str("</p>\n");
    let _ = writeln!(
        out,
        "<section class=\"status\"><span class=\"rag-mark {code}\">{code}</span> <span class=\"reason\">{}</span></section>",
        escape(&report.reason),
        code = report.rag.code()
    );

    if let Some(decisions) = report
        .decisions_needed
        .as_ref()
        .filter(|list| !list.is_empty())
    {
        out.push_str("<section class=\"decisions\">\n<h2>Decisions needed</h2>\n<ul>\n");
        for decision in decisions {
            let _ = writeln!(out, "<li>{}</li>", escape(decision));
        }
        out.push_str("</ul>\n</section>\n");
    }
    out.push_str("<div class=\"columns\">\n<section>\n<h2>Key dates</h2>\n<table>\n");
    let _ = writeln!(
        out,
        "<tr><th>Start</th><td>{}</td></tr>",
        escape(&report.start)
    );
    let _ = write!(out, "<tr><th>Finish</th><td>{}", escape(&report.finish));
    if let (Some(baseline), Some(days)) = (&report.baseline_finish, report.finish_variance_days) {
        let class = if days > 0 { " class=\"late\"" } else { "" };
        let _ = write!(
            out,
            " <span{class}>({}; baseline {})</span>",
            escape(&variance(days)),
            escape(baseline)
        );
    }
    out.push_str("</td></tr>\n");
    let _ = write!(out, "<tr><th>Deadlines</th><td>");
    if report.deadlines == 0 {
        out.push_str("none set");
    } else if report.missed_deadlines.is_empty() {
        let _ = write!(out, "all {} met", report.deadlines);
    } else {
        let _ = write!(
            out,
            "<span class=\"late\">{} of {} missed</span>",
            report.missed_deadlines.len(),
            report.deadlines
        );
    }
    out.push_str("</td></tr>\n");
    let _ = writeln!(
        out,
        "<tr><th>Complete</th><td>{} %</td></tr>\n</table>",
        report.percent_complete
    );
    if !report.missed_deadlines.is_empty() {
        items_html(&mut out, &report.missed_deadlines, "");
    }
    out.push_str("</section>\n<section>\n<h2>Milestones</h2>\n<h3>Next</h3>\n");
    items_html(&mut out, &report.milestones_next, "No milestone ahead.");
    out.push_str("<h3>Late</h3>\n");
    items_html(&mut out, &report.milestones_late, "None late.");
    let _ = writeln!(
        out,
        "<p class=\"none\">{} done.</p>\n</section>\n</div>",
        report.milestones_done.len()
    );

    let _ = writeln!(
        out,
        "<section>\n<h2>Critical path</h2>\n<p>{} critical tasks; the chain that sets the finish:</p>",
        report.critical_count
    );
    items_html(&mut out, &report.critical_path, "No critical chain.");
    out.push_str("</section>\n<section>\n<h2>Over-allocated resources</h2>\n");
    if report.over_allocations.is_empty() {
        out.push_str("<p class=\"none\">No one is booked beyond what they can give.</p>\n");
    } else {
        out.push_str(
            "<table>\n<tr><th>Resource</th><th>Peak</th><th>Stretches</th><th>From</th></tr>\n",
        );
        for item in &report.over_allocations {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{} %</td><td>{}</td><td>{}</td></tr>",
                escape(&item.name),
                item.peak_percent,
                item.stretches,
                escape(&item.first)
            );
        }
        out.push_str("</table>\n");
    }
    match &report.changes_since {
        Some(since) => {
            let _ = writeln!(
                out,
                "</section>\n<section>\n<h2>Changes since the last report ({})</h2>",
                escape(since)
            );
        }
        None => out.push_str("</section>\n<section>\n<h2>Changes approved lately</h2>\n"),
    }
    match &report.recent_changes {
        None => out.push_str("<p class=\"none\">No change record (a plan file).</p>\n"),
        Some(changes) if changes.is_empty() => {
            out.push_str("<p class=\"none\">No change approved.</p>\n")
        }
        Some(changes) => {
            out.push_str("<ul>\n");
            for change in changes {
                let _ = writeln!(
                    out,
                    "<li>{} — approved {} by {}; finish {}</li>",
                    escape(&change.title),
                    escape(&change.approved_on),
                    escape(&change.approved_by),
                    escape(&change.finish_change)
                );
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("</section>\n");
    if let Some(evm) = &report.evm {
        out.push_str("<section>\n<h2>Earned value (baseline 0)</h2>\n<table>\n");
        for (label, value) in [
            ("BAC", money(evm.bac)),
            ("PV", money(evm.pv)),
            ("EV", money(evm.ev)),
            ("AC", money(evm.ac)),
            ("SPI", index(evm.spi)),
            ("CPI", index(evm.cpi)),
            ("EAC", optional_money(evm.eac)),
            ("VAC", optional_money(evm.vac)),
        ] {
            let _ = writeln!(out, "<tr><th>{label}</th><td>{value}</td></tr>");
        }
        out.push_str("</table>\n");
        if let Some(trend) = &report.evm_trend {
            trend_html(&mut out, trend);
        }
        out.push_str("</section>\n");
    }
    if let (Some(top), Some(issues)) = (&report.top_risks, &report.issues) {
        out.push_str("<section class=\"risks\">\n<h2>Top risks</h2>\n");
        risks_html(&mut out, top, "No open risk.");
        out.push_str("<h3>Issues (risks that occurred)</h3>\n");
        risks_html(&mut out, issues, "No risk has occurred.");
        out.push_str("</section>\n");
    }
    out.push_str("</article>\n");
    out
}

/// The report as a whole HTML document, ready to print or to attach.
pub fn status_report_document(report: &StatusReport) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}: status report</title>\n<style>\n{STATUS_REPORT_CSS}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(&report.name),
        status_report_html(report)
    )
}

fn items_markdown(out: &mut String, items: &[DatedItem], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "{empty}");
    }
    for item in items {
        let _ = write!(out, "- {} — {}", item.name, item.date);
        if let Some(missed) = &item.missed {
            let _ = write!(out, " (**{missed}**)");
        }
        out.push('\n');
    }
}

/// The report as Markdown, ready to paste into an e-mail or a wiki.
pub fn status_report_markdown(report: &StatusReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: status report\n", report.name);
    let _ = write!(out, "Written {}", report.report_date);
    if let Some(status) = &report.status_date {
        let _ = write!(out, " · status date {status}");
    }
    let _ = writeln!(
        out,
        "\n\n**Status: {}** — {}\n",
        report.rag.code().to_uppercase(),
        report.reason
    );
    if let Some(decisions) = report
        .decisions_needed
        .as_ref()
        .filter(|list| !list.is_empty())
    {
        let _ = writeln!(out, "## Decisions needed\n");
        for decision in decisions {
            let _ = writeln!(out, "- {decision}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Key dates\n");
    let _ = writeln!(out, "- Start: {}", report.start);
    let _ = write!(out, "- Finish: {}", report.finish);
    if let (Some(baseline), Some(days)) = (&report.baseline_finish, report.finish_variance_days) {
        let _ = write!(out, " ({}; baseline {baseline})", variance(days));
    }
    out.push('\n');
    if report.deadlines == 0 {
        let _ = writeln!(out, "- Deadlines: none set");
    } else {
        let _ = writeln!(
            out,
            "- Deadlines: {} of {} missed",
            report.missed_deadlines.len(),
            report.deadlines
        );
    }
    let _ = writeln!(out, "- Complete: {} %\n", report.percent_complete);
    if !report.missed_deadlines.is_empty() {
        out.push_str("Missed deadlines:\n\n");
        items_markdown(&mut out, &report.missed_deadlines, "");
        out.push('\n');
    }
    let _ = writeln!(out, "## Milestones\n\nNext:\n");
    items_markdown(&mut out, &report.milestones_next, "No milestone ahead.");
    let _ = writeln!(out, "\nLate:\n");
    items_markdown(&mut out, &report.milestones_late, "None late.");
    let _ = writeln!(out, "\n{} done.\n", report.milestones_done.len());
    let _ = writeln!(
        out,
        "## Critical path\n\n{} critical tasks; the chain that sets the finish:\n",
        report.critical_count
    );
    items_markdown(&mut out, &report.critical_path, "No critical chain.");
    let _ = writeln!(out, "\n## Over-allocated resources\n");
    if report.over_allocations.is_empty() {
        let _ = writeln!(out, "No one is booked beyond what they can give.");
    } else {
        let _ = writeln!(
            out,
            "| Resource | Peak | Stretches | From |\n| --- | --- | --- | --- |"
        );
        for item in &report.over_allocations {
            let _ = writeln!(
                out,
                "| {} | {} % | {} | {} |",
                item.name, item.peak_percent, item.stretches, item.first
            );
        }
    }
    match &report.changes_since {
        Some(since) => {
            let _ = writeln!(out, "\n## Changes since the last report ({since})\n");
        }
        None => {
            let _ = writeln!(out, "\n## Changes approved lately\n");
        }
    }
    match &report.recent_changes {
        None => {
            let _ = writeln!(out, "No change record (a plan file).");
        }
        Some(changes) if changes.is_empty() => {
            let _ = writeln!(out, "No change approved.");
        }
        Some(changes) => {
            for change in changes {
                let _ = writeln!(
                    out,
                    "- {} — approved {} by {}; finish {}",
                    change.title, change.approved_on, change.approved_by, change.finish_change
                );
            }
        }
    }
    if let Some(evm) = &report.evm {
        let _ = writeln!(
            out,
            "\n## Earned value (baseline 0)\n\n| BAC | PV | EV | AC | SPI | CPI | EAC | VAC |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n| {} | {} | {} | {} | {} | {} | {} | {} |",
            money(evm.bac),
            money(evm.pv),
            money(evm.ev),
            money(evm.ac),
            index(evm.spi),
            index(evm.cpi),
            optional_money(evm.eac),
            optional_money(evm.vac)
        );
        if let Some(trend) = report
            .evm_trend
            .as_ref()
            .filter(|trend| !trend.points.is_empty())
        {
            let _ = write!(out, "\nTrend:\n\n| |");
            for point in &trend.points {
                let _ = write!(out, " {} |", point.date);
            }
            let _ = write!(out, " Trend |\n| --- |");
            for _ in &trend.points {
                out.push_str(" --- |");
            }
            out.push_str(" --- |\n");
            for (label, values, direction) in [
                (
                    "SPI",
                    trend
                        .points
                        .iter()
                        .map(|point| point.spi)
                        .collect::<Vec<_>>(),
                    trend.spi,
                ),
                (
                    "CPI",
                    trend.points.iter().map(|point| point.cpi).collect(),
                    trend.cpi,
                ),
            ] {
                let _ = write!(out, "| {label} |");
                for value in values {
                    let _ = write!(out, " {} |", index(value));
                }
                let _ = writeln!(out, " {} |", trend_word(direction));
            }
        }
    }
    if let (Some(top), Some(issues)) = (&report.top_risks, &report.issues) {
        let _ = writeln!(out, "\n## Top risks\n");
        risks_markdown(&mut out, top, "No open risk.");
        let _ = writeln!(out, "\nIssues (risks that occurred):\n");
        risks_markdown(&mut out, issues, "No risk has occurred.");
    }
    out
}
