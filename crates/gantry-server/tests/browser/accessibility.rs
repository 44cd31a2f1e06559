//! Accessibility basics on every page, for a manager (who sees every control): each control has
//! an accessible name, and keyboard focus is visible wherever Tab takes it.

use serde_json::Value;

use crate::harness::{Browser, Server, enabled};

/// The controls of the page without an accessible name, described for the failure message.
const UNLABELLED: &str = r#"
const named = (element) => {
  if (element.getAttribute('aria-label')?.trim()) return true;
  const labelledby = element.getAttribute('aria-labelledby');
  if (labelledby && labelledby.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
  if (element.labels && [...element.labels].some((label) => label.textContent.trim())) return true;
  if (element.getAttribute('title')?.trim()) return true;
  if (element.tagName === 'BUTTON' && element.textContent.trim()) return true;
  if (element.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(element.type) && element.value.trim()) return true;
  return false;
};
return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, [role=button]')]
  .filter((element) => !named(element))
  .map((element) => element.outerHTML.slice(0, 160));
"#;

/// Presses Tab `count` times and returns, for each stop, the element and whether its focus is
/// visible (an outline or a box shadow drawn by `:focus-visible`); the focus leaving the page
/// for the browser's own controls counts as visible.
const FOCUS_STOPS: &str = r#"
const stop = document.activeElement;
const style = getComputedStyle(stop);
const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
const shadow = style.boxShadow && style.boxShadow !== 'none';
if (stop === document.body) return ['', true];
return [stop.tagName + (stop.id ? '#' + stop.id : '') + ' ' + (stop.textContent || stop.getAttribute('aria-label') || '').trim().slice(0, 40), outline || shadow];
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_has_a_label_and_focus_is_visible() {
    if !enabled("every_control_has_a_label_and_focus_is_visible") {
        return;
    }
    let server = Server::start().await;
    let project = server.projects[0];
    let stored = server.store.plan(project).await.expect("plan");
    let task = stored.task_ids[1];
    let browser = Browser::open(&server.base).await;
    browser.login("manager").await;
    let pages = [
        "/".to_string(),
        "/account/tokens".to_string(),
        format!("/projects/{project}"),
        format!("/projects/{project}/tasks"),
        format!("/projects/{project}/gantt"),
        format!("/projects/{project}/board"),
        format!("/projects/{project}/workload"),
        format!("/projects/{project}/history"),
        format!("/projects/{project}/settings"),
        format!("/projects/{project}/tasks/{task}"),
    ];
    let mut problems = Vec::new();
    for page in &pages {
        browser.goto(page).await;
        browser
            .wait_until("the page is loaded", "document.readyState === 'complete'")
            .await;
        let unlabelled = browser
            .driver
            .execute(UNLABELLED, Vec::new())
            .await
            .expect("script");
        if let Value::Array(controls) = unlabelled.json()
            && !controls.is_empty()
        {
            problems.push(format!("{page}: controls without a label: {controls:?}"));
        }
        // Tab through the first controls of the page: each must show where the focus is.
        let body = browser
            .driver
            .find(thirtyfour::By::Tag("body"))
            .await
            .expect("body");
        for _ in 0..12 {
            body.send_keys(thirtyfour::Key::Tab).await.expect("tab");
            let stop = browser
                .driver
                .execute(FOCUS_STOPS, Vec::new())
                .await
                .expect("script");
            let stop = stop.json();
            if stop[1] != Value::Bool(true) {
                problems.push(format!("{page}: focus not visible on {}", stop[0]));
            }
        }
    }
    browser.close().await;
    server.finish().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
