//! The budget page: a manager saves a baseline and reads earned value, sees a task that slipped
//! flagged, logs time and sees the actual cost move; the Gantt draws the baseline; a viewer
//! reads the figures without any form.

use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::harness::{Browser, Server, enabled};

/// The money of a figure on the page ("12,345") as a number.
async fn figure(browser: &Browser, code: &str) -> f64 {
    let text = browser
        .wait_for(By::Css(format!("[data-figure=\"{code}\"] dd")))
        .await
        .text()
        .await
        .expect("text");
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{code} is a number: {text}"))
}

async fn select(browser: &Browser, id: &str, value: &str) {
    let element = browser.wait_for(By::Id(id)).await;
    SelectElement::new(&element)
        .await
        .expect("select")
        .select_by_value(value)
        .await
        .expect("option");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_saves_a_baseline_sees_a_slip_and_logs_time_and_a_viewer_only_reads() {
    if !enabled("a_manager_saves_a_baseline") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/budget")).await;
    browser.wait_for(By::Id("no-baseline")).await;
    assert!(
        browser
            .driver
            .find_all(By::Css("[data-figure]"))
            .await
            .expect("find")
            .is_empty(),
        "no figures without a baseline"
    );

    // Save baseline 0: the figures appear, against the plan as it is.
    select(&browser, "save-number", "0").await;
    browser
        .wait_for(By::Id("save-baseline"))
        .await
        .click()
        .await
        .expect("save");
    let bac = figure(&browser, "bac").await;
    assert!(bac > 10_000.0, "the CRM rollout's budget: {bac}");
    let ac = figure(&browser, "ac").await;
    let (ev, pv) = (figure(&browser, "ev").await, figure(&browser, "pv").await);
    let sv = figure(&browser, "sv").await;
    assert!(
        (sv - (ev - pv)).abs() <= 1.0,
        "SV = EV − PV: {sv} vs {ev} − {pv}"
    );
    browser.wait_for(By::Css(".s-curve svg")).await;

    // A task not started by the status date takes ten days longer: it finishes late, flagged.
    let stored = server.store.plan(project).await.expect("plan");
    let summaries = stored.plan.summary_flags();
    let index = (0..stored.plan.tasks.len())
        .rev()
        .find(|&index| {
            !summaries[index]
                && !stored.plan.tasks[index].milestone
                && stored.plan.tasks[index].progress.percent_complete == 0.0
        })
        .expect("an unstarted task");
    let key = stored.plan.tasks[index].key.clone();
    let duration = stored.plan.tasks[index].duration;
    server
        .store
        .edit(
            project,
            None,
            gantry_store::Edit::UpdateTask {
                task: stored.task_ids[index],
                version: stored.task_versions[index],
                changes: gantry_store::TaskChanges {
                    duration: Some(gantry_core::model::Duration::working(
                        duration.minutes + 10 * 480,
                    )),
                    ..gantry_store::TaskChanges::default()
                },
            },
        )
        .await
        .expect("longer");
    browser
        .goto(&format!("/projects/{project}/budget?baseline=0"))
        .await;
    let row = browser
        .wait_for(By::Css(format!("tr[data-key=\"{key}\"]")))
        .await;
    let text = row.text().await.expect("text");
    assert!(
        text.contains("+10.0 d") && text.contains("finishes late"),
        "{key}: {text}"
    );
    assert!(
        row.attr("class")
            .await
            .expect("class")
            .unwrap_or_default()
            .contains("behind"),
        "{key} flagged"
    );

    // Log time: first for someone not on the task (refused next to the field, what was typed
    // kept), then for someone on it. The assignment is on a task with progress and no
    // timesheet, so its labour was costed by percent complete; the time entry replaces that:
    // the actual cost loses the percent-complete share and gains the hours × the rate.
    let index = stored
        .plan
        .assignments
        .iter()
        .position(|assignment| {
            !summaries[assignment.task.index()]
                && stored.plan.tasks[assignment.task.index()]
                    .progress
                    .percent_complete
                    > 0.0
                && stored.plan.resources[assignment.resource.index()].kind
                    == gantry_core::model::ResourceKind::Work
        })
        .expect("an assignment on a task in progress");
    let assignment = &stored.plan.assignments[index];
    assert!(
        !stored
            .plan
            .tracking
            .time_entries
            .iter()
            .any(|entry| entry.task == assignment.task && entry.resource == assignment.resource),
        "the example tracks by percent complete"
    );
    let task_id = stored.task_ids[assignment.task.index()].to_string();
    let resource = &stored.plan.resources[assignment.resource.index()];
    let resource_id = stored.resource_ids[assignment.resource.index()].to_string();
    let stranger = (0..stored.plan.resources.len())
        .find(|&other| {
            stored.plan.resources[other].kind == gantry_core::model::ResourceKind::Work
                && !stored
                    .plan
                    .assignments
                    .iter()
                    .any(|a| a.task == assignment.task && a.resource.index() == other)
        })
        .expect("a resource not on the task");
    select(&browser, "entry-task", &task_id).await;
    select(
        &browser,
        "entry-resource",
        &stored.resource_ids[stranger].to_string(),
    )
    .await;
    let hours = browser.wait_for(By::Id("entry-hours")).await;
    hours.send_keys("6").await.expect("type");
    browser
        .wait_for(By::Id("log-time"))
        .await
        .click()
        .await
        .expect("log");
    let error = browser.wait_for(By::Id("entry-resource-error")).await;
    error.scroll_into_view().await.expect("scroll");
    browser.screenshot("budget-time-entry-refused").await;
    let message = error.text().await.expect("text");
    assert!(
        message.contains(&stored.plan.resources[stranger].key) && message.contains("not assigned"),
        "{message}"
    );
    assert_eq!(
        browser
            .wait_for(By::Id("entry-hours"))
            .await
            .value()
            .await
            .expect("value")
            .as_deref(),
        Some("6"),
        "what was typed is kept"
    );
    select(&browser, "entry-resource", &resource_id).await;
    browser
        .wait_for(By::Id("log-time"))
        .await
        .click()
        .await
        .expect("log");
    browser
        .wait_until(
            "the actual cost moves",
            &format!(
                "document.querySelector('[data-figure=\"ac\"] dd') && Number(document.querySelector('[data-figure=\"ac\"] dd').textContent.replace(/,/g, '')) !== {ac}"
            ),
        )
        .await;
    let after = figure(&browser, "ac").await;
    let done = stored.plan.tasks[assignment.task.index()]
        .progress
        .percent_complete
        / 100.0;
    let by_progress = done * stored.plan.assignment_work(index) as f64 / 60.0
        * resource.standard_rate
        + resource.cost_per_use;
    let expected = ac - by_progress + 6.0 * resource.standard_rate + resource.cost_per_use;
    assert!(
        (after - expected).abs() <= 1.0,
        "AC {ac} → {after}, expected {expected}"
    );
    browser.screenshot("budget").await;

    // The Gantt draws the baseline under the bars.
    browser.goto(&format!("/projects/{project}/gantt")).await;
    browser
        .wait_for(By::Css("rect.baseline[data-baseline-start]"))
        .await;
    browser
        .wait_until(
            "the slipped task's baseline is drawn",
            &format!(r#"document.querySelector('.row[data-task="{key}"] rect.baseline') !== null"#),
        )
        .await;
    browser.screenshot("gantt-baseline").await;
    browser.close().await;

    // A viewer reads the figures; there is no form to save a baseline or log time.
    let viewer = Browser::open(&server.base).await;
    viewer.login("viewer").await;
    viewer.goto(&format!("/projects/{project}/budget")).await;
    assert_eq!(figure(&viewer, "ac").await, after);
    for css in [
        "form.save-baseline",
        "form.log-time",
        "#save-baseline",
        "#log-time",
    ] {
        assert!(
            viewer
                .driver
                .find_all(By::Css(css))
                .await
                .expect("find")
                .is_empty(),
            "a viewer has no {css}"
        );
    }
    viewer.screenshot("budget-viewer").await;
    viewer.close().await;
    server.finish().await;
}
