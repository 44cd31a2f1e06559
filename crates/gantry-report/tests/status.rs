//! The status report of the ERP upgrade example (a baseline, a status date, costs), as
//! snapshots of its HTML and Markdown, and what a reader relies on: the RAG status with its
//! reason, earned value when a baseline exists, approved changes listed, names escaped.

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_report::{
    ChangeNote, RiskNote, RiskState, StatusExtras, StatusReport, status_report,
    status_report_document, status_report_html, status_report_markdown,
};

fn report(changes: Option<Vec<ChangeNote>>) -> StatusReport {
    let decisions = changes
        .as_ref()
        .map(|_| vec!["Change request \"Two more testers\" (proposed by member)".to_string()]);
    let plan = gantry_formats::parse_plan(
        "erp-upgrade-evm.toml",
        include_str!("../../../examples/erp-upgrade-evm.toml"),
    )
    .expect("plan")
    .plan;
    let computed = schedule(
        &plan,
        &ScheduleOptions {
            status_date: plan.status_date,
            ..ScheduleOptions::default()
        },
    )
    .expect("schedule");
    status_report(
        &plan,
        &computed,
        &StatusExtras {
            report_date: "Mon 16 Mar 2026".into(),
            recent_changes: changes,
            changes_since: None,
            decisions_needed: decisions,
            risks: Some(risks()),
        },
    )
}

fn risk(title: &str, score: u8, probability: f64, state: RiskState) -> RiskNote {
    RiskNote {
        title: title.into(),
        score: Some(score),
        probability,
        impact: format!("impact {} of 5", score.div_ceil(5)),
        owner: Some("manager".into()),
        response: Some("mitigate: a second <vendor>".into()),
        cost: 1000.0,
        state,
    }
}

/// Seven risks: six open (the report keeps the top five by score), one closed, one occurred.
fn risks() -> Vec<RiskNote> {
    vec![
        risk("Low one", 2, 0.05, RiskState::Open),
        risk("Vendor patch late", 12, 0.4, RiskState::Open),
        risk("Closed one", 25, 0.9, RiskState::Closed),
        risk("Dirty data", 16, 0.6, RiskState::Open),
        risk("Key users away", 6, 0.2, RiskState::Open),
        risk("Licence audit", 12, 0.5, RiskState::Open),
        risk("Test servers late", 9, 0.3, RiskState::Open),
        risk("Extension broke", 20, 0.8, RiskState::Occurred),
    ]
}

fn changes() -> Vec<ChangeNote> {
    vec![ChangeNote {
        title: "Longer <data> migration".into(),
        approved_on: "Fri 13 Mar 2026".into(),
        approved_by: "manager".into(),
        finish_change: "+3 working days".into(),
    }]
}

#[test]
fn the_status_report_of_the_erp_upgrade_as_html() {
    let html = status_report_html(&report(Some(changes())));
    insta::assert_snapshot!(html);
}

#[test]
fn the_status_report_of_the_erp_upgrade_as_markdown() {
    insta::assert_snapshot!(status_report_markdown(&report(None)));
}

#[test]
fn the_report_says_where_the_project_stands() {
    let report = report(Some(changes()));
    let html = status_report_html(&report);
    assert!(html.contains(&format!("data-rag=\"{}\"", report.rag.code())));
    assert!(html.contains(&report.reason));
    // Earned value from the example's baseline 0 at its status date.
    let evm = report
        .evm
        .expect("the example has a baseline and a status date");
    assert!(evm.bac > 0.0 && evm.ev <= evm.bac);
    assert!(html.contains("Earned value (baseline 0)"));
    assert!(html.contains("<h2>Decisions needed</h2>"));
    // A change's title is text, never markup.
    assert!(html.contains("Longer &lt;data&gt; migration"));
    assert!(!html.contains("<data>"));
    let document = status_report_document(&report);
    assert!(document.starts_with("<!doctype html>"));
    assert!(document.contains("@media print"));
}

#[test]
fn the_report_lists_the_top_open_risks_and_the_issues() {
    let report = report(None);
    let top: Vec<&str> = report
        .top_risks
        .as_ref()
        .expect("a risk record")
        .iter()
        .map(|risk| risk.title.as_str())
        .collect();
    // By score, then probability; the sixth open one, the closed one and the issue left out.
    assert_eq!(
        top,
        [
            "Dirty data",
            "Licence audit",
            "Vendor patch late",
            "Test servers late",
            "Key users away"
        ]
    );
    let issues: Vec<&str> = report
        .issues
        .as_ref()
        .expect("a risk record")
        .iter()
        .map(|risk| risk.title.as_str())
        .collect();
    assert_eq!(issues, ["Extension broke"]);
    let html = status_report_html(&report);
    assert!(html.contains("<h2>Top risks</h2>"));
    assert!(
        html.contains("<td>Dirty data</td><td>16</td><td>60 %</td>"),
        "{html}"
    );
    assert!(html.contains("mitigate: a second &lt;vendor&gt;"));
    assert!(!html.contains("Closed one") && !html.contains("Low one"));
    let markdown = status_report_markdown(&report);
    assert!(markdown.contains("| Extension broke | 20 | 80 % | impact 4 of 5 | manager |"));
}

#[test]
fn the_evm_trend_comes_from_the_weekly_s_curve() {
    let report = report(None);
    let trend = report
        .evm_trend
        .as_ref()
        .expect("the example has a baseline and a status date");
    assert!(!trend.points.is_empty() && trend.points.len() <= gantry_report::TREND_POINTS);
    // The last point is the status date, and its indices are the report's SPI and CPI.
    let last = trend.points.last().expect("a point");
    assert_eq!(Some(&last.date), report.status_date.as_ref());
    let evm = report.evm.expect("earned value");
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (a, b) => a == b,
    };
    assert!(close(last.spi, evm.spi), "{last:?} {evm:?}");
    assert!(close(last.cpi, evm.cpi), "{last:?} {evm:?}");
    let markdown = status_report_markdown(&report);
    assert!(markdown.contains("\nTrend:\n"), "{markdown}");
}
