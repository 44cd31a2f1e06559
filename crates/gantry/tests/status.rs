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
