//! A server with the demo portfolio, a Chromium session, and what the tests do with them.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gantry_server::{AppState, ServerConfig, hash_password};
use gantry_store::{NewUser, Role, Store};
use thirtyfour::prelude::*;

/// The demo portfolio (the same plans as `gantry serve --demo`).
pub const DEMO_PLANS: [(&str, &str); 3] = [
    (
        "crm-rollout.toml",
        include_str!("../../../../examples/crm-rollout.toml"),
    ),
    (
        "datacentre-migration.toml",
        include_str!("../../../../examples/datacentre-migration.toml"),
    ),
    (
        "network-refresh.toml",
        include_str!("../../../../examples/network-refresh.toml"),
    ),
];

/// The password of every user the tests create.
pub const PASSWORD: &str = "correct horse battery";

/// Whether the browser suite runs; prints that `test` was skipped when it does not.
pub fn enabled(test: &str) -> bool {
    if std::env::var("GANTRY_E2E").is_ok_and(|value| value == "1") {
        return true;
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: browser test {test} (GANTRY_E2E is not 1; it needs chromium and chromedriver)"
    );
    false
}

/// A running server with the demo portfolio owned by `admin` and two more users: `manager`
/// (manager of every demo project) and `viewer` (viewer of every demo project).
pub struct Server {
    pub base: String,
    pub store: Store,
    /// Row ids of the demo projects, in `DEMO_PLANS` order.
    pub projects: Vec<i64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _folder: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Server {
        let folder = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite_file(&folder.path().join("gantry.db"))
            .await
            .expect("sqlite");
        let mut ids = Vec::new();
        for (username, admin) in [("admin", true), ("manager", false), ("viewer", false)] {
            let user = store
                .create_user(&NewUser {
                    username: username.into(),
                    display_name: format!("{}{}", username[..1].to_uppercase(), &username[1..]),
                    password_hash: hash_password(PASSWORD.into()).await.expect("hash"),
                    is_admin: admin,
                })
                .await
                .expect("user");
            ids.push(user.id);
        }
        let mut projects = Vec::new();
        for (name, text) in DEMO_PLANS {
            let plan = gantry_formats::parse_plan(name, text)
                .expect("demo plan")
                .plan;
            let stored = store.create_project(&plan, ids[0]).await.expect("project");
            store
                .set_member(stored.project_id, ids[1], Role::Manager, Some(ids[0]))
                .await
                .expect("manager");
            store
                .set_member(stored.project_id, ids[2], Role::Viewer, Some(ids[0]))
                .await
                .expect("viewer");
            projects.push(stored.project_id);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(
            store.clone(),
            ServerConfig {
                secure_cookies: false,
                ..ServerConfig::default()
            },
        );
        let task = tokio::spawn(async move {
            gantry_server::serve(listener, state, async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        Server {
            base,
            store,
            projects,
            stop: Some(stop),
            task: Some(task),
            _folder: folder,
        }
    }

    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // The browser may hold a keep-alive connection open; do not wait on it forever.
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        self.store.close().await;
    }
}

/// chromedriver and one headless Chromium session with a fresh profile.
pub struct Browser {
    pub driver: WebDriver,
    pub base: String,
    chromedriver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Where screenshots go: `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

impl Browser {
    pub async fn open(base: &str) -> Browser {
        Browser::open_sized(base, 1280, 900).await
    }

    pub async fn open_sized(base: &str, width: u32, height: u32) -> Browser {
        let port = free_port();
        let chromedriver = Command::new(
            std::env::var("GANTRY_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("GANTRY_E2E=1 but chromedriver does not start (apt-get install chromium-driver)");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(
            &std::env::var("GANTRY_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        )
        .expect("binary");
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ] {
            caps.add_arg(arg).expect("arg");
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .expect("arg");
        caps.add_arg(&format!("--window-size={width},{height}"))
            .expect("arg");
        let url = format!("http://127.0.0.1:{port}");
        let mut driver = None;
        for _ in 0..100 {
            match WebDriver::new(&url, caps.clone()).await {
                Ok(session) => {
                    driver = Some(session);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let driver = driver.expect("no Chromium session from chromedriver within 10 s");
        Browser {
            driver,
            base: base.to_string(),
            chromedriver,
            _profile: profile,
        }
    }

    pub async fn goto(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Logs in through the login form and lands on the portfolio.
    pub async fn login(&self, username: &str) {
        self.goto("/login").await;
        self.driver
            .find(By::Id("username"))
            .await
            .expect("username field")
            .send_keys(username)
            .await
            .expect("type");
        self.driver
            .find(By::Id("password"))
            .await
            .expect("password field")
            .send_keys(PASSWORD)
            .await
            .expect("type");
        self.driver
            .find(By::Css("form button[type=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        self.wait_for(By::Css("table.portfolio")).await;
    }

    /// The element, once it is there (up to 10 s).
    pub async fn wait_for(&self, by: By) -> WebElement {
        self.driver
            .query(by)
            .wait(Duration::from_secs(10), Duration::from_millis(50))
            .first()
            .await
            .expect("the element appears")
    }

    /// Waits until `script` (a JavaScript expression) is true, up to 10 s.
    pub async fn wait_until(&self, what: &str, script: &str) {
        for _ in 0..200 {
            let value = self
                .driver
                .execute(format!("return !!({script});"), Vec::new())
                .await
                .expect("script");
            if value.json().as_bool() == Some(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.screenshot(&format!("timeout-{}", what.replace(' ', "-")))
            .await;
        panic!("timed out waiting until {what} ({script})");
    }

    /// Saves the page as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let path = screenshot_dir().join(format!("{name}.png"));
        self.driver.screenshot(&path).await.expect("screenshot");
    }

    pub async fn close(mut self) {
        let _ = self.driver.clone().quit().await;
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}
