//! Logging in, the portfolio and the read-only pages.

use thirtyfour::prelude::*;

use crate::harness::{Browser, Server, enabled};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_shows_the_portfolio_and_a_task_name_is_text_not_script() {
    if !enabled("logging_in_shows_the_portfolio") {
        return;
    }
    let server = Server::start().await;
    let browser = Browser::open(&server.base).await;
    browser.goto("/").await;
    browser.wait_for(By::Id("username")).await;
    browser.screenshot("login").await;
    browser.login("admin").await;
    let rows = browser
        .driver
        .find_all(By::Css("table.portfolio tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3, "the three demo projects");
    browser.screenshot("portfolio").await;

    // A task whose name is markup is shown as that text on every page.
    let project = server.projects[0];
    let stored = server.store.plan(project).await.expect("plan");
    let rename = gantry_store::Edit::UpdateTask {
        task: stored.task_ids[1],
        version: stored.task_versions[1],
        changes: gantry_store::TaskChanges {
            name: Some("<script>alert(1)</script>".into()),
            ..Default::default()
        },
    };
    server
        .store
        .edit(project, None, rename)
        .await
        .expect("rename");
    browser.goto(&format!("/projects/{project}/gantt")).await;
    browser.wait_for(By::Css("svg")).await;
    let alert = browser.driver.get_alert_text().await;
    assert!(alert.is_err(), "no script ran: {alert:?}");
    let source = browser.driver.source().await.expect("source");
    assert!(
        source.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the name is escaped"
    );
    browser.screenshot("gantt").await;
    browser.close().await;
    server.finish().await;
}
