//! The project's own pages: overview, history, task detail with comments, settings, the
//! workload with leveling, and the user's API tokens; as a manager, a viewer and an owner.

use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::harness::{Browser, Server, enabled};

/// Clicks the element.
async fn click(browser: &Browser, by: By) {
    browser.wait_for(by).await.click().await.expect("click");
}

/// Types `text` into the field.
async fn type_into(browser: &Browser, by: By, text: &str) {
    let field = browser.wait_for(by).await;
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

/// The text of every element matching `css`.
async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in browser.driver.find_all(By::Css(css)).await.expect("find") {
        texts.push(element.text().await.expect("text"));
    }
    texts
}

/// The row id of the first leaf task of a project that has a predecessor.
async fn linked_task(server: &Server, project: i64) -> (i64, String) {
    let stored = server.store.plan(project).await.expect("plan");
    let summaries = stored.plan.summary_flags();
    let index = (0..stored.plan.tasks.len())
        .find(|&index| {
            !summaries[index]
                && stored
                    .plan
                    .links
                    .iter()
                    .any(|link| link.successor.index() == index)
        })
        .expect("a linked leaf task");
    (
        stored.task_ids[index],
        stored.plan.tasks[index].name.clone(),
    )
}

/// Posts a form from the page's own JavaScript (with the page's CSRF token, as a forged
/// request from a logged-in browser would) and answers the HTTP status.
async fn post_status(browser: &Browser, path: &str, fields: &str) -> i64 {
    let script = format!(
        "const done = arguments[0];
         const token = document.querySelector('input[name=\"csrf_token\"]').value;
         fetch('{path}', {{ method: 'POST', headers: {{ 'Content-Type': 'application/x-www-form-urlencoded' }},
             body: 'csrf_token=' + encodeURIComponent(token) + '&{fields}', redirect: 'manual' }})
           .then((response) => done(response.status));"
    );
    browser
        .driver
        .execute_async(script, Vec::new())
        .await
        .expect("fetch")
        .json()
        .as_i64()
        .expect("a status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_reads_the_overview_and_history_comments_on_a_task_levels_and_adds_a_holiday() {
    if !enabled("a_manager_reads_the_overview") {
        return;
    }
    let server = Server::start().await;
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    // The CRM rollout is the demo project with over-allocated resources.
    let project = server.projects[0];

    browser.goto(&format!("/projects/{project}")).await;
    browser.wait_for(By::Css("ol.chain li")).await;
    let chain = texts(&browser, "ol.chain li").await;
    assert!(chain.len() >= 2, "a chain of critical tasks: {chain:?}");
    let milestones = texts(&browser, "table.milestones tbody tr").await;
    assert!(!milestones.is_empty(), "the milestones are listed");
    let over = texts(&browser, "strong.over").await;
    assert!(!over.is_empty(), "the over-allocated resources are named");
    browser.screenshot("overview").await;

    // A comment on a task appears on its page without a reload; an empty one is refused next
    // to the field.
    let (task, name) = linked_task(&server, project).await;
    browser
        .goto(&format!("/projects/{project}/tasks/{task}"))
        .await;
    browser.wait_for(By::Id("comment-body")).await;
    let heading = browser.wait_for(By::Css("h2.task-title")).await;
    assert!(heading.text().await.expect("text").contains(&name));
    assert!(
        !texts(&browser, "section[aria-labelledby=links-title] ul.plain li")
            .await
            .is_empty(),
        "the predecessors are listed"
    );
    click(&browser, By::Css("#comments button[type=submit]")).await;
    browser
        .wait_until(
            "the empty comment is refused",
            "document.querySelector('#comment-error')",
        )
        .await;
    let error = browser.wait_for(By::Id("comment-error")).await;
    assert!(
        error.text().await.expect("text").contains("needs text"),
        "the store's words"
    );
    type_into(
        &browser,
        By::Id("comment-body"),
        "Vendor confirmed <b>Monday</b>",
    )
    .await;
    click(&browser, By::Css("#comments button[type=submit]")).await;
    browser
        .wait_until(
            "the comment appears",
            "[...document.querySelectorAll('.comment-body')].some((p) => p.textContent === 'Vendor confirmed <b>Monday</b>')",
        )
        .await;
    assert!(
        browser
            .driver
            .find_all(By::Id("comment-error"))
            .await
            .expect("find")
            .is_empty(),
        "the error is gone"
    );
    browser.screenshot("task-detail").await;

    // The comment is in the history, with who wrote it.
    browser.goto(&format!("/projects/{project}/history")).await;
    browser.wait_for(By::Css("ol.history")).await;
    let entries = texts(&browser, "ol.history > li").await;
    assert!(
        entries
            .first()
            .is_some_and(|entry| entry.contains("manager")
                && entry.contains("created comment")
                && entry.contains("Vendor confirmed")),
        "the newest entry is the comment: {entries:?}"
    );
    browser.screenshot("history").await;

    // Leveling the over-allocated project says what moved and leaves no red week.
    browser.goto(&format!("/projects/{project}/workload")).await;
    browser.wait_for(By::Css("table.workload")).await;
    let before = browser
        .driver
        .find_all(By::Css("td.over"))
        .await
        .expect("find");
    assert!(!before.is_empty(), "over-allocated before leveling");
    click(&browser, By::Css("form[action$='/workload/level'] button")).await;
    browser.wait_for(By::Css("section.notice")).await;
    let moved = texts(&browser, "section.notice tbody tr").await;
    assert!(!moved.is_empty(), "the tasks that moved are listed");
    let after = browser
        .driver
        .find_all(By::Css("td.over"))
        .await
        .expect("find");
    assert!(
        after.len() < before.len(),
        "fewer over-allocated weeks: {} before, {} after",
        before.len(),
        after.len()
    );
    // What stays over-allocated involves only work that leveling may not move: tasks already
    // started (the demo's status date is in the middle of the busiest weeks) or pinned by a
    // hard constraint.
    let stored = server.store.plan(project).await.expect("plan");
    let schedule =
        gantry_core::cpm::schedule(&stored.plan, &gantry_core::cpm::ScheduleOptions::default())
            .expect("schedule");
    let usage = gantry_core::usage::resource_usage(
        &stored.plan,
        &schedule,
        gantry_core::usage::Period::Week,
    )
    .expect("usage");
    for over in usage.iter().flat_map(|usage| &usage.over_allocations) {
        for task in &over.tasks {
            let task = &stored.plan.tasks[task.index()];
            let fixed = task.progress.actual_start.is_some()
                || task.progress.percent_complete > 0.0
                || !matches!(
                    task.constraint,
                    gantry_core::model::Constraint::AsSoonAsPossible
                        | gantry_core::model::Constraint::StartNoEarlierThan(_)
                        | gantry_core::model::Constraint::FinishNoEarlierThan(_)
                );
            assert!(
                fixed,
                "{} is still over-allocated though it could move",
                task.name
            );
        }
    }
    browser.screenshot("workload").await;

    // A holiday on the project calendar: a wrong date is refused next to its field with what
    // was typed kept; a good one is listed.
    browser.goto(&format!("/projects/{project}/settings")).await;
    let form = browser.wait_for(By::Css("form.add-exception")).await;
    let name_field = form.find(By::Css("input[name=name]")).await.expect("name");
    name_field.send_keys("Company day").await.expect("type");
    let from_field = form.find(By::Css("input[name=from]")).await.expect("from");
    // A date field takes its value from script; set a bad value past the browser's picker.
    browser
        .driver
        .execute(
            "const field = arguments[0]; field.type = 'text'; field.value = '2026-02-31';",
            vec![from_field.to_json().expect("json")],
        )
        .await
        .expect("set");
    form.find(By::Css("button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let error = browser
        .wait_for(By::Css("form.add-exception .field-error"))
        .await;
    assert!(
        error.text().await.expect("text").contains("is not a date"),
        "the refusal says why"
    );
    let kept = browser
        .wait_for(By::Css("form.add-exception input[aria-invalid=true]"))
        .await;
    assert_eq!(
        kept.attr("name").await.expect("attr").as_deref(),
        Some("from")
    );
    let form = browser.wait_for(By::Css("form.add-exception")).await;
    let name_value = form
        .find(By::Css("input[name=name]"))
        .await
        .expect("name")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        name_value.as_deref(),
        Some("Company day"),
        "what was typed is kept"
    );
    let from_field = form.find(By::Css("input[name=from]")).await.expect("from");
    browser
        .driver
        .execute(
            "arguments[0].value = '2026-03-06';",
            vec![from_field.to_json().expect("json")],
        )
        .await
        .expect("set");
    form.find(By::Css("button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "the holiday is listed",
            "[...document.querySelectorAll('table.exceptions td')].some((td) => td.textContent === 'Company day')",
        )
        .await;
    browser.screenshot("settings").await;
    browser.close().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_settings_and_tasks_read_only_and_a_forged_write_is_refused() {
    if !enabled("a_viewer_sees_settings_and_tasks_read_only") {
        return;
    }
    let server = Server::start().await;
    let browser = Browser::open(&server.base).await;
    browser.login("viewer").await;
    let project = server.projects[1];
    let stored = server.store.plan(project).await.expect("plan");
    let (calendar, calendar_version) = (stored.calendar_ids[0], stored.calendar_versions[0]);

    browser.goto(&format!("/projects/{project}/settings")).await;
    browser.wait_for(By::Css("table.members")).await;
    for control in [
        "form.add-exception",
        "form.add-member",
        "select[name=role]",
        "button.danger",
    ] {
        assert!(
            browser
                .driver
                .find_all(By::Css(control))
                .await
                .expect("find")
                .is_empty(),
            "a viewer gets no {control}"
        );
    }
    assert!(
        !texts(&browser, "table.week td").await.is_empty(),
        "but sees the calendars"
    );
    browser.screenshot("settings-viewer").await;
    let status = post_status(
        &browser,
        &format!("/projects/{project}/settings/calendars/{calendar}/exceptions"),
        &format!("version={calendar_version}&name=Forged&from=2026-03-06"),
    )
    .await;
    assert_eq!(status, 403, "a viewer's forged holiday is refused");

    let (task, _) = linked_task(&server, project).await;
    browser
        .goto(&format!("/projects/{project}/tasks/{task}"))
        .await;
    browser.wait_for(By::Id("comments")).await;
    assert!(
        browser
            .driver
            .find_all(By::Css("#comments form, textarea"))
            .await
            .expect("find")
            .is_empty(),
        "a viewer gets no comment form"
    );
    let status = post_status(
        &browser,
        &format!("/projects/{project}/tasks/{task}/comments"),
        "body=forged",
    )
    .await;
    assert_eq!(status, 403, "a viewer's forged comment is refused");
    assert!(
        server
            .store
            .comments(project, Some(task))
            .await
            .expect("comments")
            .is_empty(),
        "and nothing was stored"
    );
    let after = server.store.plan(project).await.expect("plan");
    assert!(after.plan.calendars[0].exceptions.len() == stored.plan.calendars[0].exceptions.len());
    browser.close().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_manages_members_and_api_tokens() {
    if !enabled("an_owner_manages_members_and_api_tokens") {
        return;
    }
    let server = Server::start().await;
    let browser = Browser::open(&server.base).await;
    browser.login("admin").await;
    let project = server.projects[2];

    // The only owner cannot be removed; a member's role changes.
    browser.goto(&format!("/projects/{project}/settings")).await;
    click(&browser, By::Css("button[aria-label='Remove admin']")).await;
    let error = browser.wait_for(By::Css("#members .error")).await;
    assert!(error.text().await.expect("text").contains("needs an owner"));
    type_into(&browser, By::Id("member-username"), "nobody").await;
    click(&browser, By::Css("form.add-member button")).await;
    let error = browser.wait_for(By::Id("member-error")).await;
    assert!(
        error
            .text()
            .await
            .expect("text")
            .contains("no user \"nobody\"")
    );
    let viewer_role = browser
        .wait_for(By::Css("select[aria-label='Role of viewer']"))
        .await;
    SelectElement::new(&viewer_role)
        .await
        .expect("select")
        .select_by_value("member")
        .await
        .expect("choose");
    let form = browser
        .driver
        .execute(
            "return document.querySelector(\"select[aria-label='Role of viewer']\").form;",
            Vec::new(),
        )
        .await
        .expect("form")
        .element()
        .expect("element");
    form.find(By::Css("button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "the role changed",
            "document.querySelector(\"select[aria-label='Role of viewer']\")?.value === 'member' && !document.querySelector('#members .error')",
        )
        .await;
    let members = server.store.members(project).await.expect("members");
    assert!(
        members
            .iter()
            .any(|member| member.username == "viewer" && member.role == gantry_store::Role::Member),
        "the store has the new role: {members:?}"
    );

    // A plan file imported from the settings page opens as a new project; a broken one is
    // refused next to the field, in words.
    let folder = tempfile::tempdir().expect("temp dir");
    let broken = folder.path().join("broken.toml");
    std::fs::write(&broken, "this is = not [a plan").expect("write");
    browser
        .wait_for(By::Id("import-file"))
        .await
        .send_keys(broken.display().to_string())
        .await
        .expect("choose");
    click(&browser, By::Css("#import-form button")).await;
    browser
        .wait_until(
            "the import is refused",
            "!document.getElementById('import-error').hidden",
        )
        .await;
    let error = browser.wait_for(By::Id("import-error")).await;
    assert!(
        error.text().await.expect("text").contains("broken.toml"),
        "the error names the file"
    );
    let plan = crate::harness::DEMO_PLANS[2].1.replacen(
        "name = \"Network refresh: HQ and clinics\"",
        "name = \"Imported refresh\"",
        1,
    );
    assert!(plan.contains("Imported refresh"), "the plan is renamed");
    let good = folder.path().join("imported.toml");
    std::fs::write(&good, plan).expect("write");
    let input = browser.wait_for(By::Id("import-file")).await;
    input.clear().await.expect("clear");
    input
        .send_keys(good.display().to_string())
        .await
        .expect("choose");
    click(&browser, By::Css("#import-form button")).await;
    browser
        .wait_until(
            "the imported project opens",
            "document.querySelector('h1')?.textContent === 'Imported refresh' && document.querySelector('ol.chain')",
        )
        .await;

    // An API token: created and shown once, working, then revoked.
    click(&browser, By::Css("nav.user a[href='/account/tokens']")).await;
    browser.wait_for(By::Id("token-name")).await;
    click(&browser, By::Css("form[action='/account/tokens'] button")).await;
    let error = browser.wait_for(By::Id("token-error")).await;
    assert!(error.text().await.expect("text").contains("needs a name"));
    type_into(&browser, By::Id("token-name"), "CI pipeline").await;
    click(&browser, By::Css("form[action='/account/tokens'] button")).await;
    let secret = browser
        .wait_for(By::Id("new-token"))
        .await
        .prop("value")
        .await
        .expect("value")
        .expect("a secret");
    assert!(
        secret.starts_with("gantry_"),
        "the secret is shown: {secret}"
    );
    browser.screenshot("tokens").await;
    let client = reqwest::Client::new();
    let me = |secret: String| {
        let client = client.clone();
        let url = format!("{}/api/v1/auth/me", server.base);
        async move {
            client
                .get(url)
                .bearer_auth(secret)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(secret.clone()).await, 200, "the token works");
    browser.goto("/account/tokens").await;
    assert!(
        browser
            .driver
            .find_all(By::Id("new-token"))
            .await
            .expect("find")
            .is_empty(),
        "the secret is not shown again"
    );
    click(&browser, By::Css("button[aria-label='Revoke CI pipeline']")).await;
    browser
        .wait_until(
            "the token is revoked",
            "document.querySelector('tr.revoked')",
        )
        .await;
    assert_eq!(me(secret).await, 401, "a revoked token no longer works");
    browser.close().await;
    server.finish().await;
}

/// Leveling a project whose long task may split: the workload page lists the pause, the task's
/// page shows it, and the Gantt draws the task's two stretches of work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leveling_pauses_a_task_that_may_split_and_the_gantt_draws_its_stretches() {
    if !enabled("leveling_pauses_a_task_that_may_split_and_the_gantt_draws_its_stretches") {
        return;
    }
    const PLAN: &str = include_str!("../data/release-split.toml");
    let server = Server::start().await;
    let admin = server
        .store
        .user_for_login("admin")
        .await
        .expect("user")
        .expect("admin")
        .0
        .id;
    let manager = server
        .store
        .user_for_login("manager")
        .await
        .expect("user")
        .expect("manager")
        .0
        .id;
    let plan = gantry_formats::parse_plan("release.toml", PLAN)
        .expect("plan")
        .plan;
    let project = server
        .store
        .create_project(&plan, admin)
        .await
        .expect("project")
        .project_id;
    server
        .store
        .set_member(project, manager, gantry_store::Role::Manager, Some(admin))
        .await
        .expect("manager");
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/workload")).await;
    browser.wait_for(By::Css("table.workload")).await;
    click(&browser, By::Css("form[action$='/workload/level'] button")).await;
    browser
        .wait_for(By::Css("section.notice table.splits"))
        .await;
    let paused = texts(&browser, "section.notice table.splits tbody tr").await;
    assert_eq!(
        paused,
        ["Build the release Tue 3 Mar 2026 17:00 Mon 9 Mar 2026 08:00 3 d"],
        "the build pauses for the hotfix"
    );
    let notice = texts(&browser, "section.notice p").await;
    assert!(
        notice.iter().any(|text| text.contains("1 paused")),
        "{notice:?}"
    );
    assert!(
        browser
            .driver
            .find_all(By::Css("td.over"))
            .await
            .expect("find")
            .is_empty(),
        "no one is over-allocated after leveling"
    );
    browser.screenshot("workload-split").await;

    let stored = server.store.plan(project).await.expect("plan");
    let build = stored.task_ids[0];
    browser
        .goto(&format!("/projects/{project}/tasks/{build}"))
        .await;
    browser.wait_for(By::Css("dl.facts")).await;
    let facts = texts(&browser, "dl.facts").await;
    assert!(
        facts
            .iter()
            .any(|text| text.contains("Splits") && text.contains("after 2 d, pause 3 d")),
        "{facts:?}"
    );

    browser
        .goto(&format!("/projects/{project}/gantt?scale=day"))
        .await;
    browser.wait_for(By::Css("[data-task]")).await;
    let segments = browser
        .driver
        .find_all(By::Css(r#".row[data-task="build"] rect.segment"#))
        .await
        .expect("segments");
    assert_eq!(segments.len(), 2, "two stretches of work");
    let pauses = browser
        .driver
        .find_all(By::Css(r#".row[data-task="build"] line.split"#))
        .await
        .expect("pause lines");
    assert_eq!(pauses.len(), 1, "one dotted pause");
    browser.screenshot("gantt-split").await;
    browser.close().await;
    server.finish().await;
}
