//! The status report of the ERP upgrade example (a baseline, a status date, costs), as
//! snapshots of its HTML and Markdown, and what a reader relies on: the RAG status with its
//! reason, earned value when a baseline exists, approved changes listed, names escaped.

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_report::{
    ChangeNote, StatusExtras, StatusReport, status_report, status_report_document,
    status_report_html, status_report_markdown,
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
            decisions_needed: decisions,
        },
    )
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
