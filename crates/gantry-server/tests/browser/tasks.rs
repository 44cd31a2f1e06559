//! The task table: a manager creates a project from the portfolio, adds tasks, gives them
//! durations and links them by typing predecessors, and the dependent rows move without a page
//! reload; a loop is refused next to the field; a viewer sees no inputs. And the time the server
//! takes for the table of a generated 10,000-task project.

use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use crate::harness::{Browser, PASSWORD, Server, enabled};

/// The input of `column` ("name", "duration", "predecessors", …) in row `row` (its ID).
fn cell(row: usize, column: &str) -> By {
    By::Css(format!(
        "#task-rows tr[data-row=\"{row}\"] td.{column} input"
    ))
}

/// Replaces the text of the cell, as a person does: select all, type, Enter.
async fn type_into(browser: &Browser, row: usize, column: &str, text: &str) {
    let input = browser.wait_for(cell(row, column)).await;
    input.click().await.expect("click the cell");
    input
        .send_keys(Key::Control + "a")
        .await
        .expect("select all");
    input.send_keys(text).await.expect("type");
    input.send_keys(Key::Enter).await.expect("Enter");
}

/// Waits until the server has re-rendered the cell with `value` (the input's default value is
/// what the server wrote).
async fn saved(browser: &Browser, row: usize, column: &str, value: &str) {
    browser
        .wait_until(
            &format!("row {row} {column} saved as {value}"),
            &format!(
                "document.querySelector('#task-rows tr[data-row=\"{row}\"] td.{column} input')?.defaultValue === {value:?}"
            ),
        )
        .await;
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .driver
        .find(By::Css(css))
        .await
        .expect(css)
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_builds_a_plan_in_the_task_table_and_the_rows_move_without_a_reload() {
    if !enabled("a_manager_builds_a_plan_in_the_task_table") {
        return;
    }
    let server = Server::start().await;
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;

    // A new project from the portfolio.
    browser
        .wait_for(By::Id("new-project-name"))
        .await
        .send_keys("Website relaunch")
        .await
        .expect("type the name");
    browser
        .driver
        .execute(
            "document.getElementById('new-project-start').value = '2026-03-02';",
            Vec::new(),
        )
        .await
        .expect("set the start");
    browser.screenshot("new-project").await;
    browser
        .driver
        .find(By::Css("form.new-project button[type=submit]"))
        .await
        .expect("create button")
        .click()
        .await
        .expect("click");
    browser.wait_for(By::Css("table.task-table.editable")).await;
    let url = browser.driver.current_url().await.expect("url");
    let project: i64 = url
        .path()
        .trim_start_matches("/projects/")
        .trim_end_matches("/tasks")
        .parse()
        .expect("the task table of the new project");
    let stored = server.store.plan(project).await.expect("plan");
    assert_eq!(stored.plan.name, "Website relaunch");
    assert!(stored.plan.tasks.is_empty());

    // From here on the page must never reload: a reload would drop this marker.
    browser
        .driver
        .execute("window.notReloaded = true;", Vec::new())
        .await
        .expect("marker");

    // Three tasks, added from the form under the table.
    for (count, name) in ["Design", "Build", "Test"].into_iter().enumerate() {
        let field = browser.wait_for(By::Id("add-name")).await;
        field.send_keys(name).await.expect("type a task name");
        field.send_keys(Key::Enter).await.expect("Enter");
        browser
            .wait_until(
                &format!("{name} added"),
                &format!(
                    "document.querySelectorAll('#task-rows tr[data-row]').length === {} && document.getElementById('add-name').value === ''",
                    count + 1
                ),
            )
            .await;
    }
    for (row, name) in [(1, "Design"), (2, "Build"), (3, "Test")] {
        let value = browser
            .driver
            .find(cell(row, "name"))
            .await
            .expect("name cell")
            .value()
            .await
            .expect("value");
        assert_eq!(value.as_deref(), Some(name));
    }

    // Durations.
    for (row, duration) in [(1, "5d"), (2, "3d"), (3, "2d")] {
        type_into(&browser, row, "duration", duration).await;
        saved(&browser, row, "duration", duration).await;
    }
    // Unlinked, all three start with the project (Monday 2 March 2026).
    assert_eq!(
        text_of(&browser, "#task-rows tr[data-row=\"3\"] td.finish").await,
        "Tue 3 Mar 26"
    );

    // Links typed as predecessors: Build after Design, Test after Build.
    type_into(&browser, 2, "predecessors", "1").await;
    saved(&browser, 2, "predecessors", "1").await;
    assert_eq!(
        text_of(&browser, "#task-rows tr[data-row=\"2\"] td.start").await,
        "Mon 9 Mar 26"
    );
    type_into(&browser, 3, "predecessors", "2").await;
    saved(&browser, 3, "predecessors", "2").await;
    assert_eq!(
        text_of(&browser, "#task-rows tr[data-row=\"2\"] td.finish").await,
        "Wed 11 Mar 26"
    );
    assert_eq!(
        text_of(&browser, "#task-rows tr[data-row=\"3\"] td.start").await,
        "Thu 12 Mar 26"
    );
    assert_eq!(
        text_of(&browser, "#task-rows tr[data-row=\"3\"] td.finish").await,
        "Fri 13 Mar 26"
    );
    let critical = browser
        .driver
        .find_all(By::Css("#task-rows tr[data-critical=\"true\"]"))
        .await
        .expect("critical rows");
    assert_eq!(critical.len(), 3, "a chain of three is all critical");
    let kept = browser
        .driver
        .execute("return window.notReloaded === true;", Vec::new())
        .await
        .expect("marker");
    assert_eq!(kept.json().as_bool(), Some(true), "the page did not reload");
    let stored = server.store.plan(project).await.expect("plan");
    assert_eq!(stored.plan.links.len(), 2);
    browser.screenshot("tasks").await;

    // A loop: Design after Test. Refused next to the field, the text kept, nothing stored.
    type_into(&browser, 1, "predecessors", "3").await;
    let design = stored.task_ids[0];
    let error = format!("error-{design}-predecessors");
    browser
        .wait_until(
            "the loop is refused",
            &format!("document.getElementById('{error}').textContent.length > 0"),
        )
        .await;
    let message = text_of(&browser, &format!("#{error}")).await;
    assert!(message.contains("loop"), "the store's words: {message}");
    let typed = browser
        .driver
        .find(cell(1, "predecessors"))
        .await
        .expect("cell")
        .value()
        .await
        .expect("value");
    assert_eq!(typed.as_deref(), Some("3"), "what was typed is kept");
    let invalid = browser
        .driver
        .find(cell(1, "predecessors"))
        .await
        .expect("cell")
        .attr("aria-invalid")
        .await
        .expect("attribute");
    assert_eq!(invalid.as_deref(), Some("true"));
    let after = server.store.plan(project).await.expect("plan");
    assert_eq!(after.version, stored.version, "nothing was stored");
    assert_eq!(after.plan.links.len(), 2);
    browser.screenshot("tasks-error").await;

    // Escape puts the cell back as it was and clears the error.
    let input = browser
        .driver
        .find(cell(1, "predecessors"))
        .await
        .expect("cell");
    input.send_keys(Key::Escape).await.expect("escape");
    assert_eq!(input.value().await.expect("value").as_deref(), Some(""));
    assert_eq!(text_of(&browser, &format!("#{error}")).await, "");

    // A bad duration is refused in words too.
    type_into(&browser, 2, "duration", "abc").await;
    let build = stored.task_ids[1];
    browser
        .wait_until(
            "the bad duration is refused",
            &format!("document.getElementById('error-{build}-duration').textContent.length > 0"),
        )
        .await;
    let after = server.store.plan(project).await.expect("plan");
    assert_eq!(after.version, stored.version, "nothing was stored");
    browser
        .driver
        .find(cell(2, "duration"))
        .await
        .expect("cell")
        .send_keys(Key::Escape)
        .await
        .expect("escape");

    // Someone else changes Test behind the page's back: saving its duration from the stale
    // page is refused as a conflict, in words, and stores nothing.
    let test = stored.task_ids[2];
    let current = server.store.plan(project).await.expect("plan");
    server
        .store
        .edit(
            project,
            None,
            gantry_store::Edit::UpdateTask {
                task: test,
                version: current.task_versions[2],
                changes: gantry_store::TaskChanges {
                    priority: Some(700),
                    ..Default::default()
                },
            },
        )
        .await
        .expect("the other edit");
    let before = server.store.plan(project).await.expect("plan");
    type_into(&browser, 3, "duration", "4d").await;
    browser
        .wait_until(
            "the conflict is refused",
            &format!("document.getElementById('error-{test}-duration').textContent.length > 0"),
        )
        .await;
    let message = text_of(&browser, &format!("#error-{test}-duration")).await;
    assert!(message.contains("changed by someone else"), "{message}");
    let after = server.store.plan(project).await.expect("plan");
    assert_eq!(after.version, before.version, "nothing was stored");
    browser
        .driver
        .find(cell(3, "duration"))
        .await
        .expect("cell")
        .send_keys(Key::Escape)
        .await
        .expect("escape");

    // Row buttons: add a task below Test, name it, indent it under Test.
    browser
        .driver
        .find(By::Css("button[aria-label=\"Add a task below Test\"]"))
        .await
        .expect("add button")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "a fourth row",
            "document.querySelectorAll('#task-rows tr[data-row]').length === 4",
        )
        .await;
    browser
        .wait_until(
            "the new row's name has the focus",
            "document.activeElement === document.querySelector('#task-rows tr[data-row=\"4\"] td.name input')",
        )
        .await;
    type_into(&browser, 4, "name", "Deploy").await;
    saved(&browser, 4, "name", "Deploy").await;
    browser
        .driver
        .find(By::Css("button[aria-label=\"Indent Deploy\"]"))
        .await
        .expect("indent button")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "Deploy under Test, the focus still in its row",
            "document.querySelector('#task-rows tr[data-row=\"4\"] td.outline')?.textContent === '3.1' && document.querySelector('#task-rows tr[data-row=\"3\"]').classList.contains('summary') && document.activeElement?.closest('tr')?.dataset.row === '4'",
        )
        .await;

    // Delete asks first; accepted, the row goes.
    browser
        .driver
        .find(By::Css("button[aria-label=\"Delete Deploy\"]"))
        .await
        .expect("delete button")
        .click()
        .await
        .expect("click");
    let question = browser.driver.get_alert_text().await.expect("a confirm");
    assert!(question.contains("Deploy"), "{question}");
    browser.driver.accept_alert().await.expect("accept");
    browser
        .wait_until(
            "Deploy deleted",
            "document.querySelectorAll('#task-rows tr[data-row]').length === 3 && !document.querySelector('#task-rows tr[data-row=\"3\"]').classList.contains('summary')",
        )
        .await;
    assert_eq!(
        server
            .store
            .plan(project)
            .await
            .expect("plan")
            .plan
            .tasks
            .len(),
        3
    );
    let kept = browser
        .driver
        .execute("return window.notReloaded === true;", Vec::new())
        .await
        .expect("marker");
    assert_eq!(kept.json().as_bool(), Some(true), "the page did not reload");
    browser.close().await;

    // A viewer of a demo project sees the table and nothing to change it with.
    let viewer = Browser::open(&server.base).await;
    viewer.login("viewer").await;
    viewer
        .goto(&format!("/projects/{}/tasks", server.projects[0]))
        .await;
    viewer.wait_for(By::Css("table.task-table")).await;
    let rows = viewer
        .driver
        .find_all(By::Css("#task-rows tr[data-row]"))
        .await
        .expect("rows");
    assert!(rows.len() > 3, "the demo plan's rows");
    let controls = viewer
        .driver
        .find_all(By::Css(
            "main input, main button, main select, main textarea",
        ))
        .await
        .expect("controls");
    assert!(controls.is_empty(), "a viewer gets no inputs or buttons");
    viewer.screenshot("tasks-viewer").await;
    viewer.close().await;
    server.finish().await;
}

/// Server time for the task table of a generated 10,000-task project (the first window of rows
/// and the next one), printed; timings are not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_speed() {
    if !enabled("tasks_speed") {
        return;
    }
    let server = Server::start().await;
    let plan = gantry_core::generate::random_plan(&gantry_core::generate::NetworkShape::benchmark(
        10_000, 7,
    ));
    let owner = server
        .store
        .user_for_login("admin")
        .await
        .expect("user")
        .expect("admin")
        .0
        .id;
    let stored = server
        .store
        .create_project(&plan, owner)
        .await
        .expect("10,000-task project");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client
        .post(format!("{}/login", server.base))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie pair")
        .to_string();
    let get = |path: String| {
        let request = client
            .get(format!("{}{path}", server.base))
            .header("cookie", &cookie);
        async move {
            let started = Instant::now();
            let response = request.send().await.expect("page");
            assert_eq!(response.status(), 200);
            let body = response.text().await.expect("body");
            (started.elapsed(), body)
        }
    };
    let page = format!("/projects/{}/tasks", stored.project_id);
    let (first, _) = get(page.clone()).await;
    let mut times: Vec<Duration> = Vec::new();
    let mut body = String::new();
    for _ in 0..5 {
        let (time, text) = get(page.clone()).await;
        times.push(time);
        body = text;
    }
    times.sort();
    let rows = body.matches("<tr id=\"row-").count();
    // `web::tasks::WINDOW` rows at a time.
    assert_eq!(rows, 300, "the first window of rows");
    assert!(
        body.contains("hx-trigger=\"intersect once\""),
        "and the row that loads more"
    );
    let (next, more) = get(format!("{page}/rows?from=300")).await;
    assert_eq!(more.matches("<tr id=\"row-").count(), 300);
    println!(
        "task table of 10,000 tasks: first request (loads and schedules) {first:?}, then median {:?} (min {:?}), {} KB; next window {next:?}",
        times[times.len() / 2],
        times[0],
        body.len() / 1024
    );

    // One cell saved: the store's edit (re-scheduling 10,000 tasks) and the table body back.
    let token = body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's CSRF token")
        .to_string();
    let plan = server.store.plan(stored.project_id).await.expect("plan");
    let leaf = plan
        .plan
        .summary_flags()
        .iter()
        .position(|summary| !summary)
        .expect("a leaf task");
    let started = Instant::now();
    let saved = client
        .post(format!(
            "{}{page}/{}/cells",
            server.base, plan.task_ids[leaf]
        ))
        .header("cookie", &cookie)
        .header("x-csrf-token", &token)
        .form(&[
            ("field", "duration"),
            ("value", "7d"),
            ("version", &plan.task_versions[leaf].to_string()),
            ("shown", "300"),
        ])
        .send()
        .await
        .expect("save a cell");
    assert_eq!(saved.status(), 200);
    assert!(saved.headers().get("hx-retarget").is_none(), "not refused");
    let saved = saved.text().await.expect("body");
    let edit = started.elapsed();
    assert!(
        saved.starts_with("<tbody id=\"task-rows\">"),
        "the table body"
    );
    assert_eq!(
        server
            .store
            .plan(stored.project_id)
            .await
            .expect("plan")
            .plan
            .tasks[leaf]
            .duration,
        gantry_core::model::Duration::working(7 * 480)
    );
    println!(
        "saving one cell of the 10,000-task table (edit, schedule, body of 300 rows): {edit:?}"
    );

    // In Chromium: the page as a manager (owner) sees it, and the next window on scrolling.
    let browser = Browser::open(&server.base).await;
    browser.login("admin").await;
    let started = Instant::now();
    browser.goto(&page).await;
    browser
        .wait_for(By::Css("#task-rows tr[data-row=\"300\"] td.name input"))
        .await;
    let shown = started.elapsed();
    let timing = browser
        .driver
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime];",
            Vec::new(),
        )
        .await
        .expect("navigation timing");
    let started = Instant::now();
    browser
        .driver
        .execute(
            "document.querySelector('#task-rows tr.more').scrollIntoView();",
            Vec::new(),
        )
        .await
        .expect("scroll");
    browser
        .wait_until(
            "the next window of rows",
            "document.querySelectorAll('#task-rows tr[data-row]').length === 600",
        )
        .await;
    println!(
        "in Chromium: first 300 rows shown after {shown:?} (navigation timing [response end, DOMContentLoaded, load] in ms: {}); next 300 rows after scrolling {:?}",
        timing.json(),
        started.elapsed()
    );
    browser.screenshot("tasks-10000").await;
    browser.close().await;
    server.finish().await;
}

/// The "New project" form refuses a bad date next to the form, keeping what was typed, and
/// stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_project_form_refuses_a_bad_date_and_keeps_the_name() {
    if !enabled("the_new_project_form_refuses_a_bad_date") {
        return;
    }
    let server = Server::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client
        .post(format!("{}/login", server.base))
        .form(&[("username", "manager"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie pair")
        .to_string();
    let portfolio = client
        .get(format!("{}/", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("portfolio")
        .text()
        .await
        .expect("body");
    let token = portfolio
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's CSRF token")
        .to_string();
    let refused = client
        .post(format!("{}/projects", server.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Office <move>"),
            ("start", "next monday"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("body");
    assert!(
        page.contains("&#34;next monday&#34; is not a date like 2026-03-02."),
        "the reason next to the form"
    );
    assert!(
        page.contains("value=\"Office &#60;move&#62;\""),
        "the name typed is kept"
    );
    let owner = server
        .store
        .user_for_login("manager")
        .await
        .expect("user")
        .expect("manager")
        .0;
    let projects = server
        .store
        .projects_for(owner.id, false)
        .await
        .expect("projects");
    assert_eq!(projects.len(), 3, "nothing was stored");

    // Without the CSRF token nothing is created either.
    let forged = client
        .post(format!("{}/projects", server.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", "forged"),
            ("name", "Office move"),
            ("start", "2026-03-02"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(forged.status(), 403);
    let created = client
        .post(format!("{}/projects", server.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Office move"),
            ("start", "2026-03-02"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 303);
    let projects = server
        .store
        .projects_for(owner.id, false)
        .await
        .expect("projects");
    let project = projects
        .iter()
        .find(|project| project.name == "Office move")
        .expect("created");
    assert_eq!(project.role, Some(gantry_store::Role::Owner));
    assert_eq!(
        created.headers()["location"],
        format!("/projects/{}/tasks", project.id).as_str()
    );
    server.finish().await;
}
