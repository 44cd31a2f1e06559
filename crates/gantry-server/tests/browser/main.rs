//! The web pages driven in a real headless Chromium through Debian's chromedriver (thirtyfour),
//! against a real server on 127.0.0.1:0 with the demo portfolio on a SQLite file. The suite runs
//! when `GANTRY_E2E=1` (CI sets it, and then a missing browser is a failure); otherwise each test
//! says it was skipped. Every page a test visits is saved as a screenshot under
//! `target/screenshots/`.

mod accessibility;
mod board;
mod budget;
mod changes;
mod gantt;
#[allow(dead_code)] // each test uses part of the harness
mod harness;
mod pages;
mod project_pages;
mod risks;
mod tasks;
