//! The Gantt page: critical bars marked, a manager's drags that move and link tasks (and a
//! refused one), a viewer without handles, and the time to first render of a 10,000-task plan.

use std::time::Instant as Clock;

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::model::{Constraint, LinkType};
use thirtyfour::prelude::*;

use crate::harness::{Browser, Server, enabled};

/// The value of a JavaScript expression.
async fn eval(browser: &Browser, script: &str) -> serde_json::Value {
    browser
        .driver
        .execute(format!("return ({script});"), Vec::new())
        .await
        .expect("script")
        .json()
        .clone()
}

/// The left edge of a task's bar (or diamond), in the chart's pixels.
async fn bar_x(browser: &Browser, key: &str) -> f64 {
    eval(
        browser,
        &format!(
            r#"document.querySelector('.row[data-task="{key}"] [data-critical]').getBBox().x"#
        ),
    )
    .await
    .as_f64()
    .expect("the bar is drawn")
}

/// Scrolls the chart so that the element is in the middle of the view, and returns it.
async fn shown(browser: &Browser, css: &str) -> WebElement {
    browser
        .driver
        .execute(
            format!(r#"document.querySelector('{css}').scrollIntoView({{block: 'center', inline: 'center'}});"#),
            Vec::new(),
        )
        .await
        .expect("scroll");
    browser.driver.find(By::Css(css)).await.expect("element")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gantt_marks_the_critical_path_and_a_manager_drags_to_move_and_link() {
    if !enabled("the_gantt_marks_the_critical_path_and_a_manager_drags_to_move_and_link") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let stored = server.store.plan(project).await.expect("plan");
    let plan = &stored.plan;
    let computed = schedule(plan, &ScheduleOptions::default()).expect("schedule");
    let critical = computed
        .tasks
        .iter()
        .filter(|task| task.critical && !task.is_summary)
        .count();
    assert!(critical > 0, "the demo project has a critical path");

    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    for scale in ["day", "month", "week"] {
        browser
            .goto(&format!("/projects/{project}/gantt?scale={scale}"))
            .await;
        browser.wait_for(By::Css("[data-task]")).await;
        let marked = browser
            .driver
            .find_all(By::Css(r#"[data-critical="true"]"#))
            .await
            .expect("critical bars");
        assert_eq!(
            marked.len(),
            critical,
            "one marked bar per critical task ({scale})"
        );
        browser.screenshot(&format!("gantt-{scale}")).await;
    }

    // Drag a critical task with a critical successor a week (70 px at 10 px a day) to the right.
    let link = plan
        .links
        .iter()
        .find(|link| {
            let (from, to) = (link.predecessor.index(), link.successor.index());
            link.kind == LinkType::FinishToStart
                && computed.tasks[from].critical
                && computed.tasks[to].critical
                && !computed.tasks[from].is_summary
                && !computed.tasks[from].is_milestone
                && !computed.tasks[to].is_summary
                && computed.tasks[from].duration_minutes >= 2 * 480
        })
        .expect("a critical link from a task of two days or more");
    let (from, to) = (link.predecessor.index(), link.successor.index());
    let (moved_key, successor_key) = (&plan.tasks[from].key, &plan.tasks[to].key);
    let successor_before = bar_x(&browser, successor_key).await;
    let bar = shown(
        &browser,
        &format!(r#".row[data-task="{moved_key}"] [data-drag="move"]"#),
    )
    .await;
    browser
        .driver
        .action_chain()
        .move_to_element_center(&bar)
        .click_and_hold()
        .move_by_offset(35, 0)
        .move_by_offset(35, 0)
        .release()
        .perform()
        .await
        .expect("drag the bar");
    browser
        .wait_until(
            "the successor moved",
            &format!(
                r#"document.querySelector('.row[data-task="{successor_key}"] [data-critical]').getBBox().x > {successor_before} + 1"#
            ),
        )
        .await;
    let successor_after = bar_x(&browser, successor_key).await;
    assert!(successor_after > successor_before);
    let message = browser
        .driver
        .find(By::Id("gantt-message"))
        .await
        .expect("message")
        .text()
        .await
        .expect("text");
    assert!(message.starts_with("Moved"), "{message}");
    let after = server.store.plan(project).await.expect("plan");
    let expected_day = computed.tasks[from]
        .start
        .to_civil()
        .date()
        .checked_add(jiff::Span::new().days(7))
        .expect("a day");
    assert_eq!(
        after.plan.tasks[from].constraint,
        Constraint::StartNoEarlierThan(expected_day.to_datetime(jiff::civil::Time::midnight())),
        "the dropped bar starts no earlier than a week later"
    );
    browser.screenshot("gantt-after-drag").await;

    // Stretch the moved task's end three days (30 px) to the right: its duration becomes the
    // working time from its start to the end of the day its end was dropped on.
    let moved = schedule(&after.plan, &ScheduleOptions::default()).expect("schedule");
    let width_script = format!(
        r#"document.querySelector('.row[data-task="{moved_key}"] [data-drag="move"]').getBBox().width"#
    );
    let width_before = eval(&browser, &width_script)
        .await
        .as_f64()
        .expect("a width");
    let end = shown(
        &browser,
        &format!(r#".row[data-task="{moved_key}"] [data-drag="resize"]"#),
    )
    .await;
    browser
        .driver
        .action_chain()
        .move_to_element_center(&end)
        .click_and_hold()
        .move_by_offset(30, 0)
        .release()
        .perform()
        .await
        .expect("drag the end");
    browser
        .wait_until(
            "the duration is saved",
            "document.getElementById('gantt-message').textContent.startsWith('Changed')",
        )
        .await;
    let width_after = eval(&browser, &width_script)
        .await
        .as_f64()
        .expect("a width");
    assert!(width_after > width_before, "{width_after} > {width_before}");
    let stretched = server.store.plan(project).await.expect("plan");
    let new_end = moved.tasks[from]
        .finish
        .to_civil()
        .date()
        .checked_add(jiff::Span::new().days(4))
        .expect("a day");
    let calendar = gantry_core::WorkingCalendar::build(
        &after.plan.calendars,
        after.plan.tasks[from]
            .calendar
            .unwrap_or(after.plan.calendar),
    )
    .expect("calendar");
    let expected = calendar.working_minutes_between(
        moved.tasks[from].start,
        gantry_core::Instant::from_date(new_end),
    );
    assert_eq!(stretched.plan.tasks[from].duration.minutes, expected);
    assert!(expected > after.plan.tasks[from].duration.minutes);

    // Link two tasks: from a leaf task to a leaf task that drives nothing (so no loop), by
    // dragging the first one's link handle onto the second one's bar.
    let drives = |index: usize| {
        let mut task = Some(index);
        while let Some(current) = task {
            if plan
                .links
                .iter()
                .any(|link| link.predecessor.index() == current)
            {
                return true;
            }
            task = plan.tasks[current].parent.map(|parent| parent.index());
        }
        false
    };
    let follower = (0..plan.tasks.len())
        .rev()
        .find(|&index| !computed.tasks[index].is_summary && !drives(index))
        .expect("a task that drives nothing");
    let leader = (0..plan.tasks.len())
        .find(|&index| {
            index != follower
                && !computed.tasks[index].is_summary
                && !plan.links.iter().any(|link| {
                    link.predecessor.index() == index && link.successor.index() == follower
                })
        })
        .expect("a task to lead");
    let (leader_key, follower_key) = (&plan.tasks[leader].key, &plan.tasks[follower].key);
    let links_before = server
        .store
        .plan(project)
        .await
        .expect("plan")
        .plan
        .links
        .len();
    let drag_link = |from_key: String, to_key: String| {
        let browser = &browser;
        async move {
            let handle = shown(
                browser,
                &format!(r#".row[data-task="{from_key}"] [data-drag="link"]"#),
            )
            .await;
            // Hold the handle, then scroll the target into view (the two rows may be far apart)
            // and drop on it: the page's pointer capture keeps the drag across the scroll.
            browser
                .driver
                .action_chain()
                .move_to_element_center(&handle)
                .click_and_hold()
                .move_by_offset(5, 5)
                .perform()
                .await
                .expect("hold the handle");
            let target = shown(
                browser,
                &format!(r#".row[data-task="{to_key}"] [data-drag="move"]"#),
            )
            .await;
            browser
                .driver
                .action_chain()
                .move_to_element_center(&target)
                .release()
                .perform()
                .await
                .expect("drop on the target");
        }
    };
    drag_link(leader_key.clone(), follower_key.clone()).await;
    browser
        .wait_until(
            "the link is saved",
            "document.getElementById('gantt-message').textContent.startsWith('Linked')",
        )
        .await;
    let linked = server.store.plan(project).await.expect("plan");
    assert_eq!(linked.plan.links.len(), links_before + 1);
    assert!(linked.plan.links.iter().any(|link| {
        link.predecessor.index() == leader
            && link.successor.index() == follower
            && link.kind == LinkType::FinishToStart
    }));

    // The other way round is a loop: refused in words, nothing stored.
    drag_link(follower_key.clone(), leader_key.clone()).await;
    browser
        .wait_until(
            "the loop is refused",
            "document.getElementById('gantt-message').classList.contains('error')",
        )
        .await;
    let refusal = browser
        .driver
        .find(By::Id("gantt-message"))
        .await
        .expect("message")
        .text()
        .await
        .expect("text");
    assert!(refusal.starts_with("Not saved:"), "{refusal}");
    assert!(
        refusal.contains("loop") || refusal.contains("cycle"),
        "{refusal}"
    );
    assert_eq!(
        server
            .store
            .plan(project)
            .await
            .expect("plan")
            .plan
            .links
            .len(),
        links_before + 1,
        "the refused link is not stored"
    );
    browser.screenshot("gantt-refused-link").await;
    browser.close().await;

    // A viewer sees the chart without handles, and the edit endpoint refuses them.
    let viewer = Browser::open(&server.base).await;
    viewer.login("viewer").await;
    viewer.goto(&format!("/projects/{project}/gantt")).await;
    viewer.wait_for(By::Css("[data-task]")).await;
    let handles = viewer
        .driver
        .find_all(By::Css("[data-drag]"))
        .await
        .expect("handles");
    assert!(handles.is_empty(), "a viewer has no drag handles");
    let task = stored.task_ids[from];
    let version = stored.task_versions[from];
    let answer = viewer
        .driver
        .execute(
            format!(
                r#"return fetch('/projects/{project}/gantt/edit', {{method: 'POST', headers: {{'X-CSRF-Token': document.querySelector('input[name="csrf_token"]').value, 'Content-Type': 'application/x-www-form-urlencoded'}}, body: 'action=move&task={task}&version={version}&date=2030-01-07'}}).then(async (response) => [response.status, await response.text()]);"#
            ),
            Vec::new(),
        )
        .await
        .expect("fetch")
        .json()
        .clone();
    assert_eq!(answer[0], 403, "{answer}");
    assert!(
        answer[1]
            .as_str()
            .is_some_and(|text| text.contains("manager role")),
        "{answer}"
    );
    viewer.close().await;
    server.finish().await;
}

/// Generates a 10,000-task plan, and measures the server's time for the page and for a window
/// of rows, and the browser's time from navigation to the bars being in the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gantt_of_10000_tasks_renders_its_rows_in_view_fast() {
    if !enabled("a_gantt_of_10000_tasks_renders_its_rows_in_view_fast") {
        return;
    }
    let server = Server::start().await;
    let plan = gantry_core::generate::random_plan(&gantry_core::generate::NetworkShape::benchmark(
        10_000, 7,
    ));
    let (admin, _) = server
        .store
        .user_for_login("admin")
        .await
        .expect("admin")
        .expect("admin exists");
    // Log in first: the portfolio the login lands on schedules every project it lists.
    let browser = Browser::open(&server.base).await;
    browser.login("admin").await;
    let clock = Clock::now();
    let stored = server
        .store
        .create_project(&plan, admin.id)
        .await
        .expect("a 10,000-task project");
    let stored_in = clock.elapsed();
    let project = stored.project_id;

    let mut rows = Vec::new();
    // The first visit schedules the plan; the next ones find the schedule cached.
    for (visit, scale) in [
        ("first visit (schedules the plan), weeks", "week"),
        ("second visit (schedule cached), weeks", "week"),
        ("schedule cached, days", "day"),
        ("schedule cached, months", "month"),
        ("schedule cached, weeks again", "week"),
    ] {
        browser
            .goto(&format!("/projects/{project}/gantt?scale={scale}"))
            .await;
        browser.wait_for(By::Css("[data-task]")).await;
        browser
            .wait_until(
                "the rows are marked",
                "performance.getEntriesByName('gantt-rows').length > 0",
            )
            .await;
        let timing = eval(
            &browser,
            r#"(() => {
                const navigation = performance.getEntriesByType('navigation')[0];
                const paint = performance.getEntriesByName('first-contentful-paint')[0];
                return {
                    server: navigation.responseStart - navigation.requestStart,
                    bytes: navigation.transferSize,
                    rows: performance.getEntriesByName('gantt-rows')[0].startTime,
                    paint: paint ? paint.startTime : null,
                    bars: document.querySelectorAll('[data-task]').length,
                };
            })()"#,
        )
        .await;
        rows.push((visit, timing));
    }
    let drawn = rows[4].1["bars"].as_u64().expect("bars");
    assert!(
        drawn > 0 && drawn <= 400,
        "the page draws a window of rows, not 10,000: {drawn}"
    );
    browser.screenshot("gantt-10k").await;

    // Scroll to the middle: the rows there are fetched and drawn.
    let fragment_started = eval(
        &browser,
        "(() => { const view = document.getElementById('gantt'); view.scrollTop = 5000 * 24; return performance.now(); })()",
    )
    .await
    .as_f64()
    .expect("a time");
    browser
        .wait_until(
            "the middle rows are drawn",
            r#"document.querySelector('.row[data-row="5000"]')"#,
        )
        .await;
    let fragment_shown = eval(&browser, "performance.now()")
        .await
        .as_f64()
        .expect("time")
        - fragment_started;
    let fragment = eval(
        &browser,
        r#"(() => {
            const entry = performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/gantt/rows')).pop();
            return { server: entry.responseStart - entry.requestStart, bytes: entry.transferSize };
        })()"#,
    )
    .await;
    // Sideways to the latest bar of the rows in view: the task list stays in view.
    let scrolled = eval(
        &browser,
        r#"(() => {
            const view = document.getElementById('gantt');
            const bars = [...document.querySelectorAll('.row [data-critical]')]
                .filter((bar) => { const row = Number(bar.closest('.row').dataset.row); return row >= 5000 && row < 5020; });
            view.scrollLeft = Math.max(...bars.map((bar) => bar.getBBox().x)) - 400;
            view.dispatchEvent(new Event('scroll'));
            return view.scrollLeft;
        })()"#,
    )
    .await
    .as_f64()
    .expect("a position");
    assert!(scrolled > 1000.0, "the chart scrolled sideways: {scrolled}");
    let (label_left, view_left) = (
        eval(
            &browser,
            r#"document.querySelector('.row[data-row="5000"] .label text').getBoundingClientRect().left"#,
        )
        .await
        .as_f64()
        .expect("a position"),
        eval(
            &browser,
            "document.getElementById('gantt').getBoundingClientRect().left",
        )
        .await
        .as_f64()
        .expect("a position"),
    );
    assert!(
        label_left >= view_left && label_left < view_left + 300.0,
        "the task's name stays in view: {label_left} in {view_left}..{}",
        view_left + 300.0
    );
    browser.screenshot("gantt-10k-middle").await;

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("\nGantt of 10,000 tasks ({profile} build; project stored in {stored_in:.1?})");
    println!(
        "| what | server time (request to first byte) | navigation to rows in the DOM | first contentful paint | rows drawn | bytes |"
    );
    println!("|---|---|---|---|---|---|");
    for (visit, timing) in &rows {
        println!(
            "| page, {visit} | {:.0} ms | {:.0} ms | {} | {} | {} |",
            timing["server"].as_f64().unwrap_or(f64::NAN),
            timing["rows"].as_f64().unwrap_or(f64::NAN),
            timing["paint"]
                .as_f64()
                .map_or("-".to_string(), |paint| format!("{paint:.0} ms")),
            timing["bars"],
            timing["bytes"],
        );
    }
    println!(
        "| rows fragment, weeks (scroll to row 5000) | {:.0} ms | {fragment_shown:.0} ms from scroll to drawn | - | - | {} |",
        fragment["server"].as_f64().unwrap_or(f64::NAN),
        fragment["bytes"],
    );
    browser.close().await;
    server.finish().await;
}
