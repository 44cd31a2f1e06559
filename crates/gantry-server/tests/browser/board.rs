//! The Kanban board: dragging cards (pointer events, driven by WebDriver's actions) updates the
//! tasks' percent complete in the store; a stale card goes back with a message; a viewer's board
//! is read-only; managers configure columns with WIP limits; the board works on a phone.

use std::sync::Arc;

use axum::http::Method;
use thirtyfour::common::command::{Command, ExtensionCommand};
use thirtyfour::prelude::*;

use crate::harness::{Browser, Server, enabled};

/// A Chrome DevTools command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct DevTools(serde_json::Value);

impl ExtensionCommand for DevTools {
    fn parameters_json(&self) -> Option<serde_json::Value> {
        Some(self.0.clone())
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn endpoint(&self) -> Arc<str> {
        "/goog/cdp/execute".into()
    }
}

/// The task id of the first card in column `column`.
async fn first_card(browser: &Browser, column: usize) -> i64 {
    let card = browser
        .wait_for(By::Css(format!(
            "#board .board-column[data-column=\"{column}\"] .board-card"
        )))
        .await;
    card.attr("data-task")
        .await
        .expect("attribute")
        .expect("data-task")
        .parse()
        .expect("a task id")
}

/// The column a card is in now, once htmx has swapped the board in (no card is mid-move).
async fn column_of(browser: &Browser, task: i64) -> i64 {
    browser
        .wait_until(
            "the board settled",
            "!document.querySelector('.board-card.moving, .drag-ghost')",
        )
        .await;
    browser
        .driver
        .execute(
            format!(
                "return Number(document.getElementById('card-{task}').closest('.board-column').dataset.column);"
            ),
            Vec::new(),
        )
        .await
        .expect("script")
        .json()
        .as_i64()
        .expect("a column index")
}

/// Drags a card by its name onto a column's heading with the mouse: press, move, release.
async fn drag(browser: &Browser, task: i64, column: usize) {
    let card = browser
        .driver
        .find(By::Css(format!("#card-{task} .card-name")))
        .await
        .expect("the card");
    card.scroll_into_view().await.expect("scroll");
    let target = browser
        .driver
        .find(By::Css(format!(
            "#board .board-column[data-column=\"{column}\"] h2"
        )))
        .await
        .expect("the column");
    browser
        .driver
        .action_chain()
        .click_and_hold_element(&card)
        .move_to_element_center(&target)
        .release()
        .perform()
        .await
        .expect("drag and drop");
}

/// The stored percent complete of a task.
async fn stored_percent(server: &Server, project: i64, task: i64) -> f64 {
    let plan = server.store.plan(project).await.expect("plan");
    let index = plan.task_index(task).expect("the task");
    plan.plan.tasks[index].progress.percent_complete
}

async fn message(browser: &Browser) -> String {
    browser
        .wait_for(By::Css("#board .board-message"))
        .await
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_cards_updates_their_progress_and_a_stale_card_goes_back() {
    if !enabled("dragging_cards_updates_their_progress") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/board")).await;
    browser.wait_for(By::Css("#board.movable")).await;
    browser.screenshot("board").await;
    let headings = browser
        .driver
        .find_all(By::Css("#board .board-column h2 .column-name"))
        .await
        .expect("columns");
    let mut names = Vec::new();
    for heading in headings {
        names.push(heading.text().await.expect("text"));
    }
    assert_eq!(names, ["To do", "In progress", "Done"]);
    // Summary tasks are not cards.
    let plan = server.store.plan(project).await.expect("plan");
    let summaries = plan.plan.summary_flags();
    let cards = browser
        .driver
        .find_all(By::Css("#board .board-card"))
        .await
        .expect("cards");
    assert_eq!(
        cards.len(),
        summaries.iter().filter(|summary| !**summary).count(),
        "one card per leaf task"
    );

    // To do → In progress: the task is started.
    let task = first_card(&browser, 0).await;
    assert_eq!(stored_percent(&server, project, task).await, 0.0);
    drag(&browser, task, 1).await;
    assert_eq!(
        column_of(&browser, task).await,
        1,
        "the card is in progress"
    );
    let percent = stored_percent(&server, project, task).await;
    assert!(percent > 0.0, "the store's task is started: {percent}");
    let shown = browser
        .driver
        .find(By::Css(format!("#card-{task} .card-percent")))
        .await
        .expect("percent")
        .text()
        .await
        .expect("text");
    assert_eq!(
        shown,
        format!("{percent} %"),
        "the card shows its new percent"
    );
    assert!(message(&browser).await.contains("Moved"));

    // To do → Done: complete.
    let task = first_card(&browser, 0).await;
    drag(&browser, task, 2).await;
    assert_eq!(column_of(&browser, task).await, 2, "the card is done");
    assert_eq!(stored_percent(&server, project, task).await, 100.0);

    // Someone else changes a card after the board was drawn: the move is refused, the card
    // goes back to where it is, and the board says why.
    let task = first_card(&browser, 0).await;
    let plan = server.store.plan(project).await.expect("plan");
    let index = plan.task_index(task).expect("task");
    server
        .store
        .edit(
            project,
            None,
            gantry_store::Edit::UpdateTask {
                task,
                version: plan.task_versions[index],
                changes: gantry_store::TaskChanges {
                    name: Some("Renamed meanwhile".into()),
                    ..Default::default()
                },
            },
        )
        .await
        .expect("rename");
    drag(&browser, task, 1).await;
    assert_eq!(column_of(&browser, task).await, 0, "the card went back");
    let said = message(&browser).await;
    assert!(said.contains("changed by someone else"), "{said}");
    assert_eq!(stored_percent(&server, project, task).await, 0.0);
    let name = browser
        .driver
        .find(By::Css(format!("#card-{task} .card-name")))
        .await
        .expect("card")
        .text()
        .await
        .expect("text");
    assert!(
        name.ends_with("Renamed meanwhile"),
        "the board shows the latest: {name}"
    );

    // The keyboard way: the card's "Move to" menu. Done → To do clears the progress.
    let done = first_card(&browser, 2).await;
    let select = browser
        .driver
        .find(By::Id(format!("move-{done}")))
        .await
        .expect("menu");
    select.focus().await.expect("focus");
    thirtyfour::components::SelectElement::new(&select)
        .await
        .expect("select")
        .select_by_value("0")
        .await
        .expect("choose");
    browser
        .driver
        .find(By::Css(format!("#card-{done} form.move button")))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "the card moved back",
            &format!(
                "document.getElementById('card-{done}')?.closest('.board-column')?.dataset.column === '0'"
            ),
        )
        .await;
    let plan = server.store.plan(project).await.expect("plan");
    let index = plan.task_index(done).expect("task");
    let progress = &plan.plan.tasks[index].progress;
    assert_eq!(progress.percent_complete, 0.0);
    assert!(
        progress.actual_start.is_none() && progress.actual_finish.is_none(),
        "{progress:?}"
    );
    browser.close().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_a_read_only_board() {
    if !enabled("a_viewer_sees_a_read_only_board") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let browser = Browser::open(&server.base).await;
    browser.login("viewer").await;
    browser.goto(&format!("/projects/{project}/board")).await;
    browser.wait_for(By::Css("#board .board-card")).await;
    for selector in [
        "#board.movable",
        ".drag-handle",
        "form.move",
        ".columns-editor",
    ] {
        let found = browser
            .driver
            .find_all(By::Css(selector))
            .await
            .expect("query");
        assert!(found.is_empty(), "a viewer has no {selector}");
    }
    // Dragging does nothing.
    let task = first_card(&browser, 0).await;
    drag(&browser, task, 2).await;
    assert_eq!(column_of(&browser, task).await, 0);
    // And the endpoints refuse, even with the session's CSRF token.
    let status = browser
        .driver
        .execute_async(
            format!(
                "const done = arguments[arguments.length - 1];
                 const token = document.querySelector('input[name=\"csrf_token\"]').value;
                 const post = (path, body) => fetch('/projects/{project}/board/' + path, {{
                   method: 'POST',
                   headers: {{ 'X-CSRF-Token': token, 'Content-Type': 'application/x-www-form-urlencoded' }},
                   body,
                 }}).then((response) => response.status);
                 Promise.all([
                   post('move', 'task={task}&version=1&column=2&board_version=0'),
                   post('columns', 'version=0&name_0=All&percent_0=0'),
                 ]).then(done);"
            ),
            Vec::new(),
        )
        .await
        .expect("script");
    assert_eq!(status.json(), &serde_json::json!([403, 403]));
    assert_eq!(stored_percent(&server, project, task).await, 0.0);
    assert!(!server.store.board(project).await.expect("board").custom);
    browser.close().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_configures_columns_and_a_wip_limit() {
    if !enabled("a_manager_configures_columns_and_a_wip_limit") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/board")).await;
    let in_progress: usize = browser
        .driver
        .find_all(By::Css(
            "#board .board-column[data-column=\"1\"] .board-card",
        ))
        .await
        .expect("cards")
        .len();
    assert!(in_progress >= 2, "the demo has work in progress");
    browser
        .wait_for(By::Css(".columns-editor summary"))
        .await
        .click()
        .await
        .expect("open the editor");

    // A bad percent is refused next to the field, and what was typed stays.
    let type_into = async |id: &str, text: &str| {
        let field = browser.driver.find(By::Id(id)).await.expect("field");
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    };
    type_into("name_new", "Review").await;
    type_into("percent_new", "ninety").await;
    browser
        .driver
        .find(By::Css("button[value=add]"))
        .await
        .expect("add")
        .click()
        .await
        .expect("click");
    // The new row went last (its percent says nothing yet), with the message next to it.
    let error = browser.wait_for(By::Css(".field-error")).await;
    assert_eq!(
        error.attr("id").await.expect("attribute").as_deref(),
        Some("percent_3_error")
    );
    let said = error.text().await.expect("text");
    assert!(said.contains("0 to 100"), "{said}");
    let invalid = browser
        .driver
        .find(By::Id("percent_3"))
        .await
        .expect("the field");
    assert_eq!(
        invalid
            .attr("aria-invalid")
            .await
            .expect("attribute")
            .as_deref(),
        Some("true")
    );
    let kept = browser
        .driver
        .find(By::Id("name_3"))
        .await
        .expect("the new row")
        .value()
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("Review"), "the name typed is kept");
    browser.screenshot("board-columns-refused").await;

    // Fixed: Review at 90 % (put before Done, 100 %, on saving), and In progress limited to
    // one card fewer than it holds.
    type_into("percent_3", "90").await;
    type_into("wip_limit_1", &(in_progress - 1).to_string()).await;
    browser
        .driver
        .find(By::Css(".form-actions button[value=save]"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    let over = browser
        .wait_for(By::Css("#board .board-column.over-wip"))
        .await;
    assert_eq!(
        over.attr("data-column")
            .await
            .expect("attribute")
            .as_deref(),
        Some("1")
    );
    let count = over
        .find(By::Css(".wip-count"))
        .await
        .expect("count")
        .text()
        .await
        .expect("text");
    assert_eq!(count, format!("{in_progress} / {}", in_progress - 1));
    let stored = server.store.board(project).await.expect("board");
    let names: Vec<&str> = stored
        .columns
        .iter()
        .map(|column| column.name.as_str())
        .collect();
    assert_eq!(names, ["To do", "In progress", "Review", "Done"]);
    assert_eq!(stored.columns[2].percent, 90);
    browser.screenshot("board-columns").await;

    // A card dropped on Review gets 90 %.
    let task = first_card(&browser, 1).await;
    drag(&browser, task, 2).await;
    assert_eq!(column_of(&browser, task).await, 2);
    assert_eq!(stored_percent(&server, project, task).await, 90.0);
    browser.close().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_works_on_a_phone() {
    if !enabled("the_board_works_on_a_phone") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let browser = Browser::open_sized(&server.base, 375, 800).await;
    // Headless Chromium keeps windows at least 500 px wide; the phone's 375 px viewport is
    // emulated through chromedriver's DevTools endpoint.
    browser
        .driver
        .handle()
        .cmd(Command::ExtensionCommand(Box::new(DevTools(
            serde_json::json!({
                "cmd": "Emulation.setDeviceMetricsOverride",
                "params": { "width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": true },
            }),
        ))))
        .await
        .expect("phone metrics");
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/board")).await;
    browser.wait_for(By::Css("#board .board-card")).await;
    browser.screenshot("board-phone").await;
    let fits = browser
        .driver
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            Vec::new(),
        )
        .await
        .expect("script");
    assert_eq!(
        fits.json(),
        &serde_json::json!(true),
        "no sideways scrolling"
    );

    // A finger on the drag handle (touch pointer events) moves a card.
    let task = first_card(&browser, 0).await;
    browser
        .driver
        .execute(
            format!(
                "const handle = document.querySelector('#card-{task} .drag-handle');
                 const target = document.querySelector('#board .board-column[data-column=\"1\"] h2');
                 target.scrollIntoView({{ block: 'center' }});
                 const from = handle.getBoundingClientRect();
                 const to = target.getBoundingClientRect();
                 const at = (type, element, box) => element.dispatchEvent(new PointerEvent(type, {{
                   bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch', isPrimary: true,
                   button: type === 'pointermove' ? -1 : 0,
                   clientX: box.left + box.width / 2, clientY: box.top + box.height / 2,
                 }}));
                 at('pointerdown', handle, from);
                 at('pointermove', document, to);
                 at('pointerup', document, to);"
            ),
            Vec::new(),
        )
        .await
        .expect("touch drag");
    assert_eq!(column_of(&browser, task).await, 1);
    assert!(stored_percent(&server, project, task).await > 0.0);
    browser.close().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_moves_cards_but_does_not_edit_columns() {
    if !enabled("a_member_moves_cards_but_does_not_edit_columns") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let member = server
        .store
        .create_user(&gantry_store::NewUser {
            username: "member".into(),
            display_name: "Member".into(),
            password_hash: gantry_server::hash_password(crate::harness::PASSWORD.into())
                .await
                .expect("hash"),
            is_admin: false,
        })
        .await
        .expect("user");
    server
        .store
        .set_member(project, member.id, gantry_store::Role::Member, None)
        .await
        .expect("member");
    let browser = Browser::open(&server.base).await;
    browser.login("member").await;
    browser.goto(&format!("/projects/{project}/board")).await;
    browser.wait_for(By::Css("#board.movable")).await;
    let editors = browser
        .driver
        .find_all(By::Css(".columns-editor"))
        .await
        .expect("query");
    assert!(editors.is_empty(), "a member does not edit the columns");
    let task = first_card(&browser, 0).await;
    drag(&browser, task, 1).await;
    assert_eq!(column_of(&browser, task).await, 1);
    assert!(stored_percent(&server, project, task).await > 0.0);
    let status = browser
        .driver
        .execute_async(
            format!(
                "const done = arguments[arguments.length - 1];
                 const token = document.querySelector('input[name=\"csrf_token\"]').value;
                 fetch('/projects/{project}/board/columns', {{
                   method: 'POST',
                   headers: {{ 'X-CSRF-Token': token, 'Content-Type': 'application/x-www-form-urlencoded' }},
                   body: 'version=0&name_0=All&percent_0=0',
                 }}).then((response) => done(response.status));"
            ),
            Vec::new(),
        )
        .await
        .expect("script");
    assert_eq!(status.json(), &serde_json::json!(403));
    assert!(!server.store.board(project).await.expect("board").custom);
    browser.close().await;
    server.finish().await;
}
