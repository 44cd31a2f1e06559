//! Change requests and the status report: a member proposes a longer duration for a critical
//! task, a manager sees its impact (the finish moves) and approves it with "Save as baseline 0",
//! the plan changes and baseline 0 is its new schedule; a viewer reads but finds no form; the
//! status report lists the approved change.

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_server::hash_password;
use gantry_store::{NewUser, Role};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::harness::{Browser, PASSWORD, Server, enabled};

async fn click(browser: &Browser, by: By) {
    browser.wait_for(by).await.click().await.expect("click");
}

async fn type_into(browser: &Browser, by: By, text: &str) {
    let field = browser.wait_for(by).await;
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .wait_for(By::Css(css))
        .await
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_proposes_a_manager_sees_the_impact_and_approves_a_viewer_reads() {
    if !enabled("a_member_proposes_a_manager_sees_the_impact_and_approves") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let member = server
        .store
        .create_user(&NewUser {
            username: "member".into(),
            display_name: "Member".into(),
            password_hash: hash_password(PASSWORD.into()).await.expect("hash"),
            is_admin: false,
        })
        .await
        .expect("user");
    let admin = server.store.user(1).await.expect("admin").id;
    server
        .store
        .set_member(project, member.id, Role::Member, Some(admin))
        .await
        .expect("member");
    // The last critical leaf task: five more days on it move the finish by five days.
    let stored = server.store.plan(project).await.expect("plan");
    let computed = schedule(&stored.plan, &ScheduleOptions::default()).expect("schedule");
    let critical = (0..stored.plan.tasks.len())
        .filter(|&index| {
            let task = &computed.tasks[index];
            task.critical && !task.is_summary && !task.is_milestone
        })
        .max_by_key(|&index| computed.tasks[index].finish)
        .expect("a critical task");
    let task_id = stored.task_ids[critical];
    let per_day = stored.plan.durations.minutes_per_day;
    let new_minutes = stored.plan.tasks[critical].duration.minutes + 5 * per_day;
    // Written in days as a person would: "5.5" for a half-day task made five days longer.
    let days = format!("{}", new_minutes as f64 / per_day as f64);

    // The member proposes; a missing title is said next to the field, the rest kept.
    let browser = Browser::open(&server.base).await;
    browser.login("member").await;
    browser.goto(&format!("/projects/{project}/changes")).await;
    browser.wait_for(By::Css("form.propose-form")).await;
    assert!(
        browser
            .driver
            .find_all(By::Css("form.approve-form"))
            .await
            .expect("find")
            .is_empty()
    );
    type_into(
        &browser,
        By::Id("change-reason"),
        "The vendor needs a week more",
    )
    .await;
    SelectElement::new(&browser.wait_for(By::Id("change-task")).await)
        .await
        .expect("select")
        .select_by_value(&task_id.to_string())
        .await
        .expect("task");
    type_into(&browser, By::Id("change-days"), &days).await;
    click(&browser, By::Css("form.propose-form button[type=submit]")).await;
    let error = text_of(&browser, "#change-title-error").await;
    assert!(error.contains("title"), "{error}");
    let kept = browser
        .wait_for(By::Id("change-days"))
        .await
        .value()
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some(days.as_str()));
    type_into(&browser, By::Id("change-title"), "Longer vendor work").await;
    click(&browser, By::Css("form.propose-form button[type=submit]")).await;
    browser.wait_for(By::Css("article.change.proposed")).await;
    browser.close().await;

    let change = server.store.changes(project).await.expect("changes")[0].clone();
    let impact = server
        .store
        .change_impact(project, change.id)
        .await
        .expect("impact");
    assert_eq!(impact.finish_days, 5.0, "{impact:?}");

    // The manager sees the impact before deciding, and approves.
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    // The status report lists it as a decision needed.
    browser.goto(&format!("/projects/{project}/report")).await;
    let decisions = text_of(&browser, "article.status-report section.decisions").await;
    assert!(decisions.contains("Longer vendor work"), "{decisions}");
    browser.goto(&format!("/projects/{project}/changes")).await;
    let days_text = text_of(&browser, &format!("#change-{} .impact-days", change.id)).await;
    assert_eq!(days_text, "(+5 working days)");
    let finish = text_of(&browser, &format!("#change-{} .impact-finish", change.id)).await;
    assert!(finish.contains('→'), "{finish}");
    browser.screenshot("changes").await;
    browser
        .wait_for(By::Css(format!("#change-{} .impact", change.id)))
        .await
        .scroll_into_view()
        .await
        .expect("scroll");
    browser.screenshot("change-impact").await;
    // Approved with "Save as baseline 0 after applying" ticked.
    assert!(
        server
            .store
            .plan(project)
            .await
            .expect("plan")
            .plan
            .baseline(0)
            .is_none(),
        "no baseline before the approval"
    );
    click(
        &browser,
        By::Id(format!("approve-rebaseline-{}", change.id)),
    )
    .await;
    click(
        &browser,
        By::Css(format!("#change-{} form.approve-form button", change.id)),
    )
    .await;
    browser.wait_for(By::Css("article.change.approved")).await;
    let stored = server.store.plan(project).await.expect("plan");
    let index = stored.task_index(task_id).expect("task");
    assert_eq!(stored.plan.tasks[index].duration.minutes, new_minutes);
    let after = schedule(&stored.plan, &ScheduleOptions::default()).expect("schedule");
    assert_eq!(
        after.project_finish.to_civil().to_string(),
        impact.finish_after
    );
    // Baseline 0 is the plan after the change: the longer task's new dates.
    let baseline = stored.plan.baseline(0).expect("baseline 0 saved");
    let saved = baseline
        .task(gantry_core::model::TaskId(index as u32))
        .expect("the task in the baseline");
    assert_eq!(saved.start, after.tasks[index].start.to_civil());
    assert_eq!(saved.finish, after.tasks[index].finish.to_civil());
    // The overview shows the new finish.
    browser.goto(&format!("/projects/{project}")).await;
    let expected = after
        .project_finish
        .to_civil()
        .date()
        .strftime("%a %-d %b %Y")
        .to_string();
    browser
        .wait_until(
            "the overview shows the new finish",
            &format!("document.querySelector('.key-dates').textContent.includes('{expected}')"),
        )
        .await;
    browser.close().await;

    // A viewer reads the record and the report, and finds no form.
    let browser = Browser::open(&server.base).await;
    browser.login("viewer").await;
    browser.goto(&format!("/projects/{project}/changes")).await;
    browser.wait_for(By::Css("article.change.approved")).await;
    for form in ["form.propose-form", "form.approve-form", "form.reject-form"] {
        assert!(
            browser
                .driver
                .find_all(By::Css(form))
                .await
                .expect("find")
                .is_empty(),
            "{form}"
        );
    }
    browser.goto(&format!("/projects/{project}/report")).await;
    browser.wait_for(By::Css("article.status-report")).await;
    let report = text_of(&browser, "article.status-report").await;
    assert!(report.contains("Longer vendor work"), "{report}");
    assert!(report.contains("+5 working days"), "{report}");
    assert!(!report.contains("Decisions needed"), "{report}");
    assert!(
        browser
            .driver
            .find_all(By::Css("form.report-sent-form"))
            .await
            .expect("find")
            .is_empty(),
        "a viewer cannot mark the report as sent"
    );
    browser.screenshot("status-report").await;
    browser.close().await;

    // The manager sends the report: the next one lists only the changes approved since.
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    browser.goto(&format!("/projects/{project}/report")).await;
    let note = text_of(&browser, ".report-sent").await;
    assert!(note.contains("No report marked as sent yet"), "{note}");
    click(&browser, By::Css("form.report-sent-form button")).await;
    browser
        .wait_until(
            "the report says when it was last sent",
            "document.querySelector('.report-sent')?.textContent.includes('Last report sent')",
        )
        .await;
    let report = text_of(&browser, "article.status-report").await;
    assert!(report.contains("Changes since the last report"), "{report}");
    assert!(
        !report.contains("Longer vendor work"),
        "approved before the report was sent: {report}"
    );
    let sent = server
        .store
        .last_report_sent(project)
        .await
        .expect("read")
        .expect("recorded");
    assert_eq!(sent.sent_by_name, "manager");
    browser.close().await;
    server.finish().await;
}
