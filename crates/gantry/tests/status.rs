//! `gantry report FILE --status` as a person runs it, on the ERP upgrade example: the same
//! report as `gantry-report` draws (which the web page shows), as HTML or Markdown.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gantry(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(arguments)
        .output()
        .expect("gantry runs")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/erp-upgrade-evm.toml")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

#[test]
fn the_status_report_as_html_and_markdown() {
    let folder = tempfile::tempdir().expect("folder");
    let html = folder.path().join("status.html");
    let output = gantry(&[
        "report",
        example().to_str().unwrap(),
        "--status",
        html.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&html).expect("html");
    assert!(text.starts_with("<!doctype html>"));
    assert!(text.contains("@media print"));
    assert!(text.contains(r#"<article class="status-report" data-rag="amber">"#));
    // The baseline finish is Fri 6 Mar, the forecast Tue 17 Mar: 11 calendar days late.
    assert!(text.contains("11 days later than the baseline"), "{text}");
    assert!(
        text.contains("<tr><th>BAC</th><td>40,500</td></tr>"),
        "{text}"
    );

    let output = gantry(&[
        "report",
        example().to_str().unwrap(),
        "--status",
        "-",
        "--format",
        "markdown",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(markdown.starts_with("# ERP upgrade: status report"));
    assert!(markdown.contains("**Status: AMBER**"));
    assert!(
        markdown.contains("| 40,500 | 26,100 | 17,680 | 27,850 | 0.68 | 0.63 |"),
        "{markdown}"
    );
}

#[test]
fn the_status_report_lists_the_plan_files_top_risks_in_markdown() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/erp-upgrade-risk.toml");
    let output = gantry(&[
        "report",
        example.to_str().unwrap(),
        "--status",
        "-",
        "--format",
        "md",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        markdown.starts_with("# ERP upgrade: status report"),
        "{markdown}"
    );
    // The four `[[risk]]` tables, by probability: no score, owner or response in a plan file.
    let top = markdown
        .split("## Top risks")
        .nth(1)
        .expect("a top risks section");
    let rows: Vec<&str> = top.lines().filter(|line| line.starts_with("| ")).collect();
    assert_eq!(
        rows,
        [
            "| Risk | Score | Probability | Impact | Owner | Response |",
            "| --- | --- | --- | --- | --- | --- |",
            "| Legacy data fails reconciliation | – | 40 % | delay 5d, cost 4,000 | – | – |",
            "| The vendor's release needs a patch before our extensions run | – | 30 % | delay 3d–5d–15d, cost 12,000 | – | – |",
            "| Key users unavailable during the closing of the quarter | – | 25 % | delay 5d | – | – |",
            "| Licence audit finds more named users | – | 20 % | cost 25,000 | – | – |",
        ],
        "{markdown}"
    );
    assert!(top.contains("No risk has occurred."), "{markdown}");
}
