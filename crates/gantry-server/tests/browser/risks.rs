//! The risks page: a manager adds a risk with probability 0.5 and finds it in its heat-map cell;
//! a probability of 1.5 is refused next to the field, what was typed kept and nothing stored; a
//! Monte Carlo run shows the percentiles and the histogram; a viewer reads and finds no form,
//! and finds the risk among the status report's top risks.

use gantry_core::risk::{Distribution, ThreePoint};
use thirtyfour::prelude::*;

use crate::harness::{Browser, Server, enabled};

async fn type_into(browser: &Browser, id: &str, text: &str) {
    let field = browser.wait_for(By::Id(id)).await;
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn submit_risk(browser: &Browser) {
    browser
        .wait_for(By::Css("form.risk-form button[type=submit]"))
        .await
        .click()
        .await
        .expect("submit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_keeps_the_register_and_simulates_a_viewer_reads() {
    if !enabled("a_manager_keeps_the_register_and_simulates_a_viewer_reads") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    // Three-point estimates on the leaf tasks, so that the finish varies.
    let stored = server.store.plan(project).await.expect("plan");
    let summary = stored.plan.summary_flags();
    for (index, task) in stored.plan.tasks.iter().enumerate() {
        let minutes = task.duration.minutes;
        if summary[index] || minutes == 0 {
            continue;
        }
        server
            .store
            .set_estimate(
                project,
                None,
                stored.task_ids[index],
                None,
                ThreePoint {
                    min: minutes * 4 / 5,
                    likely: minutes,
                    max: minutes * 2,
                    distribution: Distribution::Triangular,
                },
            )
            .await
            .expect("estimate");
    }

    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/risks")).await;
    browser.wait_for(By::Css("form.risk-form")).await;
    browser.screenshot("risks").await;

    // A probability of 1.5: refused next to the field, the title kept, nothing stored.
    type_into(&browser, "risk-title", "Vendor delivers late").await;
    type_into(&browser, "risk-probability", "1.5").await;
    type_into(&browser, "risk-delay-likely", "3").await;
    submit_risk(&browser).await;
    let error = browser
        .wait_for(By::Id("risk-probability-error"))
        .await
        .text()
        .await
        .expect("text");
    assert!(error.contains("between 0 and 1"), "{error}");
    let kept = browser
        .wait_for(By::Id("risk-title"))
        .await
        .value()
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("Vendor delivers late"));
    let (_, register) = server.store.risk_register(project).await.expect("register");
    assert!(register.risks.is_empty(), "nothing stored");

    // Probability 0.5, three days: band 4 × band 2 ("likely", "minor").
    type_into(&browser, "risk-probability", "0.5").await;
    submit_risk(&browser).await;
    browser
        .wait_until(
            "the risk is in its heat-map cell",
            "document.querySelector('#heat-4-2 .heat-risk') !== null",
        )
        .await;
    let cell = browser
        .wait_for(By::Css("#heat-4-2"))
        .await
        .text()
        .await
        .expect("text");
    assert!(cell.contains('1') && cell.contains("R1"), "{cell}");
    let row = browser
        .wait_for(By::Css("#risk-register tbody tr"))
        .await
        .text()
        .await
        .expect("text");
    assert!(
        row.contains("Vendor delivers late") && row.contains("50%"),
        "{row}"
    );
    let (_, register) = server.store.risk_register(project).await.expect("register");
    assert_eq!(register.risks.len(), 1);
    assert_eq!(register.risks[0].fields.probability, 0.5);
    browser
        .driver
        .execute(
            "document.getElementById('heat-map').scrollIntoView();",
            Vec::new(),
        )
        .await
        .expect("scroll");
    browser.screenshot("risks-heatmap").await;

    // The simulation: percentiles, the chance of meeting the deadline and the histogram.
    type_into(&browser, "sim-iterations", "2000").await;
    browser
        .wait_for(By::Css("form.simulate-form button[type=submit]"))
        .await
        .click()
        .await
        .expect("run");
    browser
        .wait_until(
            "the simulation's results are shown",
            "document.querySelector('#finish-percentiles') !== null",
        )
        .await;
    let percentiles = browser
        .wait_for(By::Css("#finish-percentiles"))
        .await
        .text()
        .await
        .expect("text");
    for label in ["P10", "P50", "P80", "P90"] {
        assert!(percentiles.contains(label), "{percentiles}");
    }
    let bars = browser
        .driver
        .find_all(By::Css("#simulation-chart svg rect.bar"))
        .await
        .expect("bars");
    assert_eq!(bars.len(), 20, "one bar per bin");
    assert!(
        browser
            .driver
            .find_all(By::Css("#simulation-chart path.cumulative"))
            .await
            .expect("curve")
            .len()
            == 1
    );
    let chance = browser
        .wait_for(By::Css(".deadline-probability"))
        .await
        .text()
        .await
        .expect("text");
    assert!(chance.ends_with('%'), "{chance}");
    browser
        .driver
        .execute(
            "document.getElementById('simulation-title').scrollIntoView();",
            Vec::new(),
        )
        .await
        .expect("scroll");
    browser.screenshot("risks-simulation").await;
    browser.close().await;

    // A viewer reads the register and the map but finds no form.
    let browser = Browser::open(&server.base).await;
    browser.login("viewer").await;
    browser.goto(&format!("/projects/{project}/risks")).await;
    browser.wait_for(By::Css("#risk-register")).await;
    for css in ["form.risk-form", "form.simulate-form", ".risk-actions"] {
        assert!(
            browser
                .driver
                .find_all(By::Css(css))
                .await
                .expect("query")
                .is_empty(),
            "a viewer sees no {css}"
        );
    }
    // The status report lists the risk among its top risks, with its score (4 × 2).
    browser.goto(&format!("/projects/{project}/report")).await;
    let risks = browser
        .wait_for(By::Css("article.status-report section.risks"))
        .await
        .text()
        .await
        .expect("text");
    assert!(risks.contains("Top risks"), "{risks}");
    assert!(
        risks.contains("Vendor delivers late") && risks.contains("50 %") && risks.contains('8'),
        "{risks}"
    );
    assert!(risks.contains("No risk has occurred."), "{risks}");
    browser.close().await;
    server.finish().await;
}
