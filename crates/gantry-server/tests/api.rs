//! The JSON API driven over HTTP: a real server on 127.0.0.1:0, on SQLite (a file in a temporary
//! folder) and, when `GANTRY_TEST_POSTGRES_URL` is set (CI sets it), on PostgreSQL in a schema of
//! its own.

use std::io::Write as _;
use std::path::Path;

use gantry_server::{AppState, ServerConfig, hash_password};
use gantry_store::{NewUser, Role, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

/// A running server on one backend; stops it (and drops the PostgreSQL schema) at the end.
struct Server {
    name: &'static str,
    base: String,
    store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _folder: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl Server {
    async fn start(name: &'static str, store: Store) -> Server {
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
            name,
            base,
            store,
            stop: Some(stop),
            task: Some(task),
            _folder: None,
            schema: None,
        }
    }

    async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
        self.store.close().await;
        if let Some((url, schema)) = &self.schema {
            let mut connection = sqlx::PgConnection::connect(url).await.expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut connection)
                .await
                .expect("drop schema");
        }
    }
}

async fn servers(scenario: &str) -> Vec<Server> {
    let folder = tempfile::tempdir().expect("temp dir");
    let sqlite = Store::open_sqlite_file(&folder.path().join("gantry.db"))
        .await
        .expect("sqlite");
    let mut server = Server::start("sqlite", sqlite).await;
    server._folder = Some(folder);
    let mut servers = vec![server];
    match std::env::var("GANTRY_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = format!(
                "gantry_api_{scenario}_{}_{}",
                std::process::id(),
                jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
            );
            let mut connection = sqlx::PgConnection::connect(&url)
                .await
                .expect("GANTRY_TEST_POSTGRES_URL is set but PostgreSQL does not answer");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut connection)
                .await
                .expect("create schema");
            let separator = if url.contains('?') { '&' } else { '?' };
            let store = Store::open(&format!("{url}{separator}options[search_path]={schema}"))
                .await
                .expect("postgres");
            let mut server = Server::start("postgres", store).await;
            server.schema = Some((url, schema));
            servers.push(server);
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: API {scenario} on PostgreSQL (GANTRY_TEST_POSTGRES_URL is not set); SQLite ran"
            );
        }
    }
    servers
}

/// Someone calling the API: with a session cookie and CSRF token, a Bearer token, or nothing.
#[derive(Clone, Default)]
struct Caller {
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: base.to_string(),
        }
    }

    async fn call(
        &self,
        caller: &Caller,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(cookie) = &caller.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(csrf) = &caller.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(token) = &caller.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, value)
    }

    async fn get(&self, caller: &Caller, path: &str) -> (StatusCode, Value) {
        self.call(caller, reqwest::Method::GET, path, None).await
    }

    async fn post(&self, caller: &Caller, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(caller, reqwest::Method::POST, path, Some(body))
            .await
    }

    async fn patch(&self, caller: &Caller, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(caller, reqwest::Method::PATCH, path, Some(body))
            .await
    }

    async fn delete(&self, caller: &Caller, path: &str) -> (StatusCode, Value) {
        self.call(caller, reqwest::Method::DELETE, path, None).await
    }

    /// Logs in and returns a caller with the session cookie and the CSRF token.
    async fn login(&self, username: &str, password: &str) -> Caller {
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("a session cookie")
            .to_string();
        let body: Value = response.json().await.expect("json");
        Caller {
            cookie: Some(cookie),
            csrf: body["csrf_token"].as_str().map(str::to_string),
            bearer: None,
        }
    }
}

async fn add_user(store: &Store, username: &str, is_admin: bool) -> i64 {
    store
        .create_user(&NewUser {
            username: username.into(),
            display_name: username.into(),
            password_hash: hash_password(format!("{username}-password"))
                .await
                .expect("hash"),
            is_admin,
        })
        .await
        .expect("user")
        .id
}

/// A project stored from a plan file's text, owned by `owner`, with `members` in their roles.
async fn project_from(
    store: &Store,
    file: &str,
    text: &str,
    owner: i64,
    members: &[(i64, Role)],
) -> i64 {
    let plan = gantry_formats::parse_plan(file, text).expect("plan").plan;
    let project = store
        .create_project(&plan, owner)
        .await
        .expect("project")
        .project_id;
    for &(member, role) in members {
        store
            .set_member(project, member, role, Some(owner))
            .await
            .expect("member");
    }
    project
}

fn example(name: &str) -> gantry_core::model::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    gantry_formats::load_plan(&path).expect("example").plan
}

/// The first leaf task of a schedule answer: (id, version).
fn first_leaf(schedule: &Value) -> (i64, i64) {
    let task = schedule["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|task| task["is_summary"] == false)
        .expect("a leaf");
    (
        task["id"].as_i64().expect("id"),
        task["version"].as_i64().expect("version"),
    )
}

#[tokio::test]
async fn login_sessions_csrf_and_tokens() {
    for server in servers("auth").await {
        let name = server.name;
        let api = Api::new(&server.base);
        add_user(&server.store, "dana", false).await;
        let nobody = Caller::default();
        assert_eq!(
            api.get(&nobody, "/auth/me").await.0,
            StatusCode::UNAUTHORIZED
        );
        let (status, body) = api
            .post(
                &nobody,
                "/auth/login",
                json!({"username": "dana", "password": "wrong"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(body["error"]["code"], "unauthenticated");

        let dana = api.login("dana", "dana-password").await;
        let (status, me) = api.get(&dana, "/auth/me").await;
        assert_eq!(
            (status, me["username"].as_str()),
            (StatusCode::OK, Some("dana"))
        );

        // A cookie-authenticated write without the CSRF token is refused.
        let without_csrf = Caller {
            csrf: None,
            ..dana.clone()
        };
        let (status, body) = api
            .post(&without_csrf, "/tokens", json!({"name": "CI"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(body["error"]["code"], "csrf_failed");

        let (status, created) = api.post(&dana, "/tokens", json!({"name": "CI"})).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        let token = Caller {
            bearer: created["token"].as_str().map(str::to_string),
            ..Caller::default()
        };
        assert_eq!(api.get(&token, "/auth/me").await.0, StatusCode::OK);
        // A Bearer token needs no CSRF token: it is not sent by browsers on their own.
        let (status, _) = api
            .post(
                &token,
                "/projects",
                json!({"name": "Scripted", "start": "2026-03-02"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}");
        let (_, tokens) = api.get(&dana, "/tokens").await;
        assert_eq!(tokens.as_array().map(Vec::len), Some(1));
        let id = created["id"].as_i64().expect("id");
        assert_eq!(
            api.delete(&dana, &format!("/tokens/{id}")).await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            api.get(&token, "/auth/me").await.0,
            StatusCode::UNAUTHORIZED
        );

        let (status, _) = api
            .call(&dana, reqwest::Method::POST, "/auth/logout", None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{name}");
        assert_eq!(api.get(&dana, "/auth/me").await.0, StatusCode::UNAUTHORIZED);

        // Repeated wrong passwords are slowed down.
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(
                api.post(
                    &nobody,
                    "/auth/login",
                    json!({"username": "dana", "password": "guess"}),
                )
                .await
                .0,
            );
        }
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "{name}"
        );
        server.finish().await;
    }
}

#[tokio::test]
async fn every_role_can_do_what_it_may_and_nothing_more() {
    for server in servers("roles").await {
        let name = server.name;
        let api = Api::new(&server.base);
        let store = &server.store;
        let owner = add_user(store, "owner", false).await;
        let mut users = Vec::new();
        for (username, role) in [
            ("manager", Some(Role::Manager)),
            ("member", Some(Role::Member)),
            ("viewer", Some(Role::Viewer)),
            ("outsider", None),
        ] {
            users.push((username, role, add_user(store, username, false).await));
        }
        add_user(store, "admin", true).await;
        let project = store
            .create_project(&example("crm-rollout.toml"), owner)
            .await
            .expect("project")
            .project_id;
        for (_, role, id) in &users {
            if let Some(role) = role {
                store
                    .set_member(project, *id, *role, Some(owner))
                    .await
                    .unwrap();
            }
        }
        let mut callers = vec![("anonymous", Caller::default())];
        for username in ["owner", "manager", "member", "viewer", "outsider", "admin"] {
            callers.push((
                username,
                api.login(username, &format!("{username}-password")).await,
            ));
        }
        let owner_caller = callers[1].1.clone();
        let p = format!("/projects/{project}");

        // What each endpoint answers to each caller: anonymous, owner, manager, member, viewer,
        // outsider, admin.
        use StatusCode as S;
        const OK: S = S::OK;
        let read = [S::UNAUTHORIZED, OK, OK, OK, OK, S::NOT_FOUND, OK];
        for path in [
            p.clone(),
            format!("{p}/schedule"),
            format!("{p}/tasks"),
            format!("{p}/members"),
            format!("{p}/history"),
            format!("{p}/comments"),
        ] {
            for ((who, caller), expected) in callers.iter().zip(read) {
                let (status, body) = api.get(caller, &path).await;
                assert_eq!(status, expected, "{name}: GET {path} as {who}: {body}");
            }
        }
        for ((who, caller), expected) in
            callers
                .iter()
                .zip([S::UNAUTHORIZED, OK, OK, S::OK, S::OK, S::OK, S::OK])
        {
            let (status, list) = api.get(caller, "/projects").await;
            assert_eq!(status, expected, "{name}: GET /projects as {who}");
            if status == OK {
                let visible = list["items"].as_array().map(Vec::len).unwrap_or(0);
                let expected_count = if *who == "outsider" { 0 } else { 1 };
                assert_eq!(visible, expected_count, "{name}: projects {who} sees");
            }
        }

        // Writes, each tried by every caller on a fresh version of the task.
        let progress_codes = [S::UNAUTHORIZED, OK, OK, OK, S::FORBIDDEN, S::NOT_FOUND, OK];
        let planning_codes = [
            S::UNAUTHORIZED,
            OK,
            OK,
            S::FORBIDDEN,
            S::FORBIDDEN,
            S::NOT_FOUND,
            OK,
        ];
        for (label, body, codes) in [
            (
                "progress",
                json!({"percent_complete": 10.0}),
                progress_codes,
            ),
            ("planning", json!({"name": "Renamed"}), planning_codes),
        ] {
            for ((who, caller), expected) in callers.iter().zip(codes) {
                let (_, schedule) = api.get(&owner_caller, &format!("{p}/schedule")).await;
                let (task, version) = first_leaf(&schedule);
                let mut body = body.clone();
                body["version"] = json!(version);
                let (status, answer) = api.patch(caller, &format!("{p}/tasks/{task}"), body).await;
                assert_eq!(status, expected, "{name}: {label} edit as {who}: {answer}");
            }
        }
        let create_codes = [
            S::UNAUTHORIZED,
            S::CREATED,
            S::CREATED,
            S::FORBIDDEN,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::CREATED,
        ];
        for ((who, caller), expected) in callers.iter().zip(create_codes) {
            let (status, answer) = api
                .post(
                    caller,
                    &format!("{p}/tasks"),
                    json!({"name": format!("Task by {who}"), "duration_minutes": 480}),
                )
                .await;
            assert_eq!(status, expected, "{name}: create a task as {who}: {answer}");
        }
        let comment_codes = [
            S::UNAUTHORIZED,
            S::CREATED,
            S::CREATED,
            S::CREATED,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::CREATED,
        ];
        let (_, schedule) = api.get(&owner_caller, &format!("{p}/schedule")).await;
        let (task, _) = first_leaf(&schedule);
        for ((who, caller), expected) in callers.iter().zip(comment_codes) {
            let (status, answer) = api
                .post(
                    caller,
                    &format!("{p}/comments"),
                    json!({"task_id": task, "body": format!("Note from {who}")}),
                )
                .await;
            assert_eq!(status, expected, "{name}: comment as {who}: {answer}");
        }
        let (_, comments) = api
            .get(&owner_caller, &format!("{p}/comments?task_id={task}"))
            .await;
        let authors: Vec<&str> = comments
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|comment| comment["username"].as_str())
            .collect();
        assert_eq!(authors, ["owner", "manager", "member", "admin"], "{name}");
        let member_codes = [
            S::UNAUTHORIZED,
            S::NO_CONTENT,
            S::FORBIDDEN,
            S::FORBIDDEN,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::NO_CONTENT,
        ];
        let outsider = users[3].2;
        for ((who, caller), expected) in callers.iter().zip(member_codes) {
            let (status, answer) = api
                .call(
                    caller,
                    reqwest::Method::PUT,
                    &format!("{p}/members/{outsider}"),
                    Some(json!({"role": "viewer"})),
                )
                .await;
            assert_eq!(status, expected, "{name}: add a member as {who}: {answer}");
            // Put the outsider back outside for the next caller.
            if status == S::NO_CONTENT {
                store.remove_member(project, outsider, None).await.unwrap();
            }
        }
        // Change requests: everyone in the project reads them, members propose, managers
        // approve and reject.
        let propose_codes = [
            S::UNAUTHORIZED,
            S::CREATED,
            S::CREATED,
            S::CREATED,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::CREATED,
        ];
        let mut proposed = Vec::new();
        for ((who, caller), expected) in callers.iter().zip(propose_codes) {
            let (status, answer) = api
                .post(
                    caller,
                    &format!("{p}/changes"),
                    json!({"title": format!("Change by {who}"), "reason": "Scope",
                        "items": [{"kind": "add_task", "name": format!("Extra by {who}"), "duration_minutes": 480}]}),
                )
                .await;
            assert_eq!(
                status, expected,
                "{name}: propose a change as {who}: {answer}"
            );
            if status == S::CREATED {
                proposed.push(answer["id"].as_i64().unwrap());
            }
        }
        for _ in 0..2 {
            let (status, answer) = api
                .post(
                    &owner_caller,
                    &format!("{p}/changes"),
                    json!({"title": "More", "reason": "Scope",
                        "items": [{"kind": "add_task", "name": "More", "duration_minutes": 480}]}),
                )
                .await;
            assert_eq!(status, S::CREATED, "{name}: {answer}");
            proposed.push(answer["id"].as_i64().unwrap());
        }
        for path in [
            format!("{p}/changes"),
            format!("{p}/changes/{}", proposed[0]),
            format!("{p}/changes/{}/impact", proposed[0]),
        ] {
            for ((who, caller), expected) in callers.iter().zip(read) {
                let (status, body) = api.get(caller, &path).await;
                assert_eq!(status, expected, "{name}: GET {path} as {who}: {body}");
            }
        }
        let decide_codes = [
            S::UNAUTHORIZED,
            OK,
            OK,
            S::FORBIDDEN,
            S::FORBIDDEN,
            S::NOT_FOUND,
            OK,
        ];
        for (action, body, mut changes) in [
            // Each approval also saves baseline 2 from the plan after its change.
            ("approve", json!({"rebaseline": 2}), proposed[..3].iter()),
            ("reject", json!({"reason": "Not now"}), proposed[3..].iter()),
        ] {
            let mut change = changes.next().copied();
            for ((who, caller), expected) in callers.iter().zip(decide_codes) {
                let id = change.expect("a change left to decide");
                let (status, answer) = api
                    .post(caller, &format!("{p}/changes/{id}/{action}"), body.clone())
                    .await;
                assert_eq!(
                    status, expected,
                    "{name}: {action} a change as {who}: {answer}"
                );
                if status == OK {
                    change = changes.next().copied();
                }
            }
        }
        let (_, listed) = api.get(&owner_caller, &format!("{p}/changes")).await;
        let statuses: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .filter_map(|change| change["status"].as_str())
            .collect();
        assert_eq!(
            statuses,
            [
                "approved", "approved", "approved", "rejected", "rejected", "rejected"
            ],
            "{name}"
        );
        // Baseline 2 holds the plan after the last approved change: every task, the three added
        // by the approved changes included.
        let (_, schedule) = api.get(&owner_caller, &format!("{p}/schedule")).await;
        let (status, baselines) = api.get(&owner_caller, &format!("{p}/baselines")).await;
        assert_eq!(status, S::OK, "{name}: {baselines}");
        let saved: Vec<(i64, usize)> = baselines["baselines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|baseline| {
                (
                    baseline["number"].as_i64().unwrap(),
                    baseline["tasks"].as_u64().unwrap() as usize,
                )
            })
            .collect();
        assert_eq!(
            saved,
            [(2, schedule["tasks"].as_array().unwrap().len())],
            "{name}"
        );
        // Only the owner (or an administrator) deletes a project.
        for (who, caller) in &callers[2..5] {
            let (status, _) = api.delete(caller, &p).await;
            assert_eq!(status, S::FORBIDDEN, "{name}: delete the project as {who}");
        }
        assert_eq!(
            api.delete(&owner_caller, &p).await.0,
            S::NO_CONTENT,
            "{name}"
        );
        assert_eq!(api.get(&owner_caller, &p).await.0, S::NOT_FOUND, "{name}");
        server.finish().await;
    }
}

#[tokio::test]
async fn conflicts_bad_input_and_loops_change_nothing() {
    for server in servers("errors").await {
        let name = server.name;
        let api = Api::new(&server.base);
        let owner = add_user(&server.store, "owner", false).await;
        let project = server
            .store
            .create_project(&example("network-refresh.toml"), owner)
            .await
            .expect("project")
            .project_id;
        let caller = api.login("owner", "owner-password").await;
        let p = format!("/projects/{project}");
        let (_, before) = api.get(&caller, &format!("{p}/schedule")).await;
        let (task, version) = first_leaf(&before);

        // Two clients edit the same task from the same version: one wins, one gets 409.
        let edit = |text: &str| json!({"version": version, "name": text});
        let task_path = format!("{p}/tasks/{task}");
        let (first, second) = tokio::join!(
            api.patch(&caller, &task_path, edit("First")),
            api.patch(&caller, &task_path, edit("Second"))
        );
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{name}");
        let loser = if first.0 == StatusCode::CONFLICT {
            &first.1
        } else {
            &second.1
        };
        assert_eq!(loser["error"]["code"], "conflict");
        assert_eq!(loser["error"]["details"]["expected_version"], version);
        let winner = if first.0 == StatusCode::OK {
            "First"
        } else {
            "Second"
        };
        let (_, after) = api.get(&caller, &format!("{p}/schedule")).await;
        let stored_name = after["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == task)
            .unwrap()["name"]
            .clone();
        assert_eq!(stored_name, winner, "{name}: the winner's edit is stored");
        let version_now = after["version"].clone();

        // Malformed JSON, an unknown field, a bad value: clear errors naming the field.
        let response = reqwest::Client::new()
            .patch(format!("{}/api/v1{p}/tasks/{task}", server.base))
            .header("cookie", caller.cookie.clone().unwrap())
            .header("x-csrf-token", caller.csrf.clone().unwrap())
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        let (status, body) = api
            .patch(
                &caller,
                &format!("{p}/tasks/{task}"),
                json!({"version": 2, "colour": "red"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(
            body["error"]["details"]["field"], "colour",
            "{name}: {body}"
        );
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/tasks"),
                json!({"name": "x", "deadline": "31/12/2026"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(body["error"]["details"]["field"], "deadline");

        // A link that closes a loop names the loop.
        let tasks = after["tasks"].as_array().unwrap();
        let link = after["links"]
            .as_array()
            .unwrap()
            .first()
            .expect("a link")
            .clone();
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/links"),
                json!({"predecessor_id": link["successor_id"], "successor_id": link["predecessor_id"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["code"], "invalid_plan");
        let named: Vec<&str> = body["error"]["details"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let key_of = |id: &Value| {
            tasks.iter().find(|t| &t["id"] == id).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(
            named.contains(&key_of(&link["predecessor_id"]).as_str()),
            "{name}: {body}"
        );
        assert!(
            named.contains(&key_of(&link["successor_id"]).as_str()),
            "{name}: {body}"
        );

        // A 100 MB body is refused before it is read.
        let big = vec![b' '; 100 * 1024 * 1024];
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1{p}/tasks", server.base))
            .header("cookie", caller.cookie.clone().unwrap())
            .header("x-csrf-token", caller.csrf.clone().unwrap())
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await;
        match response {
            Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{name}"),
            // The server may close the connection while the client is still sending.
            Err(error) => assert!(error.is_request() || error.is_body(), "{name}: {error}"),
        }

        let (_, last) = api.get(&caller, &format!("{p}/schedule")).await;
        assert_eq!(last["version"], version_now, "{name}: nothing was stored");
        server.finish().await;
    }
}

#[tokio::test]
async fn twenty_clients_editing_leave_the_schedule_of_the_stored_plan() {
    for server in servers("load").await {
        let name = server.name;
        let owner = add_user(&server.store, "owner", false).await;
        let project = server
            .store
            .create_project(&example("datacentre-migration.toml"), owner)
            .await
            .expect("project")
            .project_id;
        let api = Api::new(&server.base);
        let caller = api.login("owner", "owner-password").await;
        let p = format!("/projects/{project}");
        let (_, schedule) = api.get(&caller, &format!("{p}/schedule")).await;
        let leaves: Vec<i64> = schedule["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|task| task["is_summary"] == false && task["is_milestone"] == false)
            .map(|task| task["id"].as_i64().unwrap())
            .take(20)
            .collect();
        let mut handles = Vec::new();
        for (client, task) in leaves.iter().copied().enumerate() {
            let base = server.base.clone();
            let caller = caller.clone();
            let path = format!("{p}/tasks/{task}");
            let schedule_path = format!("{p}/schedule");
            handles.push(tokio::spawn(async move {
                let api = Api::new(&base);
                // Each client edits its task a few times, reading its version each time.
                for round in 0..3 {
                    let (_, schedule) = api.get(&caller, &schedule_path).await;
                    let version = schedule["tasks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|t| t["id"] == task)
                        .unwrap()["version"]
                        .clone();
                    let minutes = 480 * (1 + ((client + round) % 5) as i64);
                    let (status, body) = api
                        .patch(
                            &caller,
                            &path,
                            json!({"version": version, "duration_minutes": minutes}),
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                }
            }));
        }
        for handle in handles {
            handle.await.expect("client");
        }
        // The schedule served equals the schedule of the stored plan computed from scratch.
        let (_, served) = api.get(&caller, &format!("{p}/schedule")).await;
        let stored = server.store.plan(project).await.unwrap();
        let fresh = gantry_core::cpm::schedule(&stored.plan, &Default::default()).unwrap();
        assert_eq!(
            served["project_finish"],
            fresh.project_finish.to_civil().to_string(),
            "{name}"
        );
        for (index, task) in served["tasks"].as_array().unwrap().iter().enumerate() {
            let computed = &fresh.tasks[index];
            assert_eq!(task["id"], stored.task_ids[index], "{name}");
            assert_eq!(
                task["start"],
                computed.start.to_civil().to_string(),
                "{name}"
            );
            assert_eq!(
                task["finish"],
                computed.finish.to_civil().to_string(),
                "{name}"
            );
            assert_eq!(task["total_float_minutes"], computed.total_float, "{name}");
        }
        server.finish().await;
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    for server in servers("openapi").await {
        let (status, document) = Api::new(&server.base)
            .get(&Caller::default(), "/openapi.json")
            .await;
        assert_eq!(status, StatusCode::OK);
        let paths = document["paths"].as_object().expect("paths");
        for path in [
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/auth/me",
            "/api/v1/tokens",
            "/api/v1/tokens/{id}",
            "/api/v1/projects",
            "/api/v1/projects/{project}",
            "/api/v1/projects/{project}/schedule",
            "/api/v1/projects/{project}/tasks",
            "/api/v1/projects/{project}/tasks/{task}",
            "/api/v1/projects/{project}/tasks/{task}/move",
            "/api/v1/projects/{project}/links",
            "/api/v1/projects/{project}/links/{link}",
            "/api/v1/projects/{project}/members",
            "/api/v1/projects/{project}/members/{user}",
            "/api/v1/projects/{project}/history",
            "/api/v1/projects/{project}/comments",
            "/api/v1/projects/{project}/resources",
            "/api/v1/projects/{project}/assignments",
            "/api/v1/projects/{project}/assignments/{assignment}",
            "/api/v1/projects/{project}/resources/{resource}",
            "/api/v1/projects/{project}/calendars",
            "/api/v1/projects/{project}/calendars/{calendar}",
            "/api/v1/projects/{project}/calendars/{calendar}/exceptions",
            "/api/v1/projects/{project}/calendars/{calendar}/exceptions/{exception}",
            "/api/v1/projects/{project}/leveling",
            "/api/v1/projects/{project}/workload",
            "/api/v1/projects/import",
            "/api/v1/projects/{project}/export",
        ] {
            assert!(paths.contains_key(path), "{}: {path} missing", server.name);
        }
        assert!(document["components"]["schemas"]["TaskWire"].is_object());
        server.finish().await;
    }
}

#[tokio::test]
async fn projects_go_out_and_come_back_as_ms_project_and_plan_files() {
    for server in servers("files").await {
        let name = server.name;
        let owner = add_user(&server.store, "owner", false).await;
        let project = server
            .store
            .create_project(&example("crm-rollout.toml"), owner)
            .await
            .expect("project")
            .project_id;
        let api = Api::new(&server.base);
        let caller = api.login("owner", "owner-password").await;
        let client = reqwest::Client::new();
        let upload = |content_type: &str, body: String| {
            client
                .post(format!("{}/api/v1/projects/import?name=up", server.base))
                .header("cookie", caller.cookie.clone().unwrap())
                .header("x-csrf-token", caller.csrf.clone().unwrap())
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let download = |format: &str| {
            client
                .get(format!(
                    "{}/api/v1/projects/{project}/export?format={format}",
                    server.base
                ))
                .header("cookie", caller.cookie.clone().unwrap())
                .send()
        };

        // MS Project XML out and back in: the same finish.
        let response = download("mspdi").await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(".xml"),
            "{name}"
        );
        let xml = response.text().await.unwrap();
        assert!(xml.contains("<Project"), "{name}");
        let response = upload("application/xml", xml).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        let imported: Value = response.json().await.unwrap();
        let (_, original) = api.get(&caller, &format!("/projects/{project}")).await;
        assert_eq!(imported["finish"], original["finish"], "{name}");
        assert_eq!(imported["tasks"], original["tasks"], "{name}");

        // A plan file out and back in: the same plan.
        let toml = download("toml").await.unwrap().text().await.unwrap();
        let stored = server.store.plan(project).await.unwrap().plan;
        assert_eq!(
            gantry_formats::parse_plan("export.toml", &toml)
                .unwrap()
                .plan,
            stored,
            "{name}"
        );
        let response = upload("application/toml", toml).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");

        // Broken files: the error names the place, and nothing is stored.
        let (_, before) = api.get(&caller, "/projects").await;
        let response = upload("application/xml", "<Project><Tasks>".into())
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["details"]["field"], "file", "{name}: {body}");
        let looped = "[project]\nname = \"Loop\"\nstart = 2026-03-02\n\n[[task]]\nid = \"a\"\nafter = [\"b\"]\n\n[[task]]\nid = \"b\"\nafter = [\"a\"]\n";
        let response = upload("application/toml", looped.into()).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_plan", "{name}: {body}");
        let mut named: Vec<&str> = body["error"]["details"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        named.sort_unstable();
        assert_eq!(named, ["a", "b"], "{name}: {body}");
        let response = upload("text/plain", "hello".into()).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        let (_, after) = api.get(&caller, "/projects").await;
        assert_eq!(before["total"], after["total"], "{name}: nothing stored");
        server.finish().await;
    }
}

#[tokio::test]
async fn a_second_person_on_an_effort_driven_task_halves_it() {
    const PLAN: &str = r#"
[project]
name = "Staffing"
start = 2026-03-02

[resources.dana]
name = "Dana"

[resources.ops]
name = "Ops"

[[task]]
id = "build"
duration = "10d"
effort_driven = true
resources = ["dana"]
"#;
    for server in servers("staffing").await {
        let name = server.name;
        let owner = add_user(&server.store, "owner", false).await;
        let project = project_from(&server.store, "staffing.toml", PLAN, owner, &[]).await;
        let api = Api::new(&server.base);
        let caller = api.login("owner", "owner-password").await;
        let p = format!("/projects/{project}");
        let (_, resources) = api.get(&caller, &format!("{p}/resources")).await;
        let id_of = |key: &str| {
            resources
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == key)
                .unwrap()["id"]
                .as_i64()
                .unwrap()
        };
        let (_, schedule) = api.get(&caller, &format!("{p}/schedule")).await;
        let (task, _) = first_leaf(&schedule);

        // Ops joins: the 80 hours stay 80 hours, 40 each, in five days.
        let (status, joined) = api
            .post(
                &caller,
                &format!("{p}/assignments"),
                json!({"task_id": task, "resource_id": id_of("ops")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {joined}");
        assert_eq!(joined["task"]["duration_minutes"], 5 * 480, "{name}");
        assert_eq!(joined["assignment"]["work_minutes"], 40 * 60, "{name}");
        assert_eq!(joined["task"]["finish"], "2026-03-06T17:00:00", "{name}");

        // Ops at half time: their 40 hours take ten days.
        let ops = joined["assignment"]["id"].as_i64().unwrap();
        let version = joined["assignment"]["version"].as_i64().unwrap();
        let (status, halved) = api
            .patch(
                &caller,
                &format!("{p}/assignments/{ops}"),
                json!({"version": version, "units": 0.5}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {halved}");
        assert_eq!(halved["task"]["duration_minutes"], 10 * 480, "{name}");
        // The same edit again, from the old version: a conflict.
        let (status, _) = api
            .patch(
                &caller,
                &format!("{p}/assignments/{ops}"),
                json!({"version": version, "units": 0.25}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}");

        // Dana leaves: Ops takes over all 80 hours at half time, twenty days.
        let (_, assignments) = api.get(&caller, &format!("{p}/assignments")).await;
        let dana = assignments
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["resource_id"] == id_of("dana"))
            .unwrap()
            .clone();
        let (status, _) = api
            .delete(
                &caller,
                &format!("{p}/assignments/{}?version={}", dana["id"], dana["version"]),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{name}");
        let (_, assignments) = api.get(&caller, &format!("{p}/assignments")).await;
        assert_eq!(assignments.as_array().unwrap().len(), 1, "{name}");
        assert_eq!(assignments[0]["work_minutes"], 80 * 60, "{name}");
        let (_, schedule) = api.get(&caller, &format!("{p}/schedule")).await;
        assert_eq!(schedule["tasks"][0]["duration_minutes"], 20 * 480, "{name}");

        // Bad assignments: twice the same person, no units.
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/assignments"),
                json!({"task_id": task, "resource_id": id_of("ops")}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/assignments"),
                json!({"task_id": task, "resource_id": id_of("dana"), "units": 0.0}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["details"]["field"], "units", "{name}");
        // The stored plan is the plan served.
        let stored = server.store.plan(project).await.unwrap();
        assert_eq!(stored.plan.tasks[0].duration.minutes, 20 * 480, "{name}");
        server.finish().await;
    }
}

/// Calendars with their holidays, the project's own fields, resources and leveling over HTTP,
/// each with the roles that may and may not, stale versions and bad fields.
#[tokio::test]
async fn calendars_resources_and_leveling_over_http() {
    const PLAN: &str = r#"
[project]
name = "Cut-over"
start = 2026-03-02

[resources.dana]
name = "Dana"

[[task]]
id = "export"
name = "Export the data"
duration = "3d"
resources = ["dana"]

[[task]]
id = "scripts"
name = "Write the scripts"
duration = "2d"
resources = ["dana"]

[[task]]
id = "load"
name = "Load the data"
duration = "1d"
after = ["export", "scripts"]
"#;
    use StatusCode as S;
    for server in servers("setup").await {
        let name = server.name;
        let store = &server.store;
        let owner = add_user(store, "owner", false).await;
        let member = add_user(store, "member", false).await;
        let viewer = add_user(store, "viewer", false).await;
        let project = project_from(
            store,
            "cutover.toml",
            PLAN,
            owner,
            &[(member, Role::Member), (viewer, Role::Viewer)],
        )
        .await;
        let api = Api::new(&server.base);
        let manager = api.login("owner", "owner-password").await;
        let member = api.login("member", "member-password").await;
        let viewer = api.login("viewer", "viewer-password").await;
        let p = format!("/projects/{project}");
        let finish = |schedule: &Value| schedule["project_finish"].as_str().unwrap().to_string();
        let (_, schedule) = api.get(&manager, &format!("{p}/schedule")).await;
        // Dana does export and scripts in parallel: both end Wednesday; load is Thursday.
        assert_eq!(finish(&schedule), "2026-03-05T17:00:00", "{name}");

        // Everyone in the project reads the calendars; only a manager changes them.
        let (status, calendars) = api.get(&viewer, &format!("{p}/calendars")).await;
        assert_eq!(status, S::OK, "{name}: {calendars}");
        let standard = &calendars[0];
        assert_eq!(standard["is_project_calendar"], true, "{name}");
        assert_eq!(
            standard["week"]["monday"],
            json!(["08:00-12:00", "13:00-17:00"]),
            "{name}"
        );
        let calendar = standard["id"].as_i64().unwrap();
        let version = standard["version"].as_i64().unwrap();
        let holiday = json!({"version": version, "name": "Company day", "from": "2026-03-04"});
        for (who, caller) in [("member", &member), ("viewer", &viewer)] {
            let (status, body) = api
                .post(
                    caller,
                    &format!("{p}/calendars/{calendar}/exceptions"),
                    holiday.clone(),
                )
                .await;
            assert_eq!(status, S::FORBIDDEN, "{name}: holiday as {who}: {body}");
        }
        let (status, with_holiday) = api
            .post(
                &manager,
                &format!("{p}/calendars/{calendar}/exceptions"),
                holiday.clone(),
            )
            .await;
        assert_eq!(status, S::CREATED, "{name}: {with_holiday}");
        assert_eq!(with_holiday["version"], version + 1, "{name}");
        let exception = with_holiday["exceptions"][0]["id"].as_i64().unwrap();
        assert_eq!(with_holiday["exceptions"][0]["hours"], json!([]), "{name}");
        let (_, schedule) = api.get(&viewer, &format!("{p}/schedule")).await;
        assert_eq!(
            finish(&schedule),
            "2026-03-06T17:00:00",
            "{name}: a day later"
        );
        let (status, body) = api
            .post(
                &manager,
                &format!("{p}/calendars/{calendar}/exceptions"),
                holiday,
            )
            .await;
        assert_eq!(status, S::CONFLICT, "{name}: stale calendar: {body}");
        let (status, body) = api
            .post(
                &manager,
                &format!("{p}/calendars/{calendar}/exceptions"),
                json!({"version": version + 1, "name": "Late", "from": "2026-03-09", "hours": ["25:00-26:00"]}),
            )
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["details"]["field"], "hours", "{name}");
        let (status, _) = api
            .delete(
                &manager,
                &format!(
                    "{p}/calendars/{calendar}/exceptions/{exception}?version={}",
                    version + 1
                ),
            )
            .await;
        assert_eq!(status, S::NO_CONTENT, "{name}");
        let (_, schedule) = api.get(&viewer, &format!("{p}/schedule")).await;
        assert_eq!(finish(&schedule), "2026-03-05T17:00:00", "{name}: back");

        // A weekend calendar built on the standard one; a bad day name is named.
        let (status, body) = api
            .post(
                &manager,
                &format!("{p}/calendars"),
                json!({"name": "Weekend", "base_id": calendar, "week": {"samstag": ["08:00-16:00"]}}),
            )
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["details"]["field"], "week.samstag", "{name}");
        let (status, weekend) = api
            .post(
                &manager,
                &format!("{p}/calendars"),
                json!({"name": "Weekend", "base_id": calendar, "week": {"saturday": ["08:00-16:00"]}}),
            )
            .await;
        assert_eq!(status, S::CREATED, "{name}: {weekend}");
        assert_eq!(
            weekend["week"]["saturday"],
            json!(["08:00-16:00"]),
            "{name}"
        );
        assert_eq!(weekend["week"]["monday"], Value::Null, "{name}: inherited");
        let weekend_id = weekend["id"].as_i64().unwrap();

        // The project's own fields: a stale version is refused; the calendar is switched.
        let (_, detail) = api.get(&manager, &p).await;
        let project_version = detail["version"].as_i64().unwrap();
        let (status, body) = api
            .patch(
                &manager,
                &p,
                json!({"version": project_version - 1, "name": "Stale"}),
            )
            .await;
        assert_eq!(status, S::CONFLICT, "{name}: {body}");
        let (status, body) = api
            .patch(
                &member,
                &p,
                json!({"version": project_version, "name": "Mine"}),
            )
            .await;
        assert_eq!(status, S::FORBIDDEN, "{name}: {body}");
        let (status, detail) = api
            .patch(
                &manager,
                &p,
                json!({"version": project_version, "calendar_id": weekend_id, "status_date": "2026-03-02"}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {detail}");
        assert_eq!(
            detail["status_date"], "2026-03-03T00:00:00",
            "{name}: the end of the day"
        );
        let (status, body) = api
            .delete(&manager, &format!("{p}/calendars/{weekend_id}?version=1"))
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: in use: {body}");

        // Resources: a second person, a bad kind, a duplicate key, a change, a delete.
        let (status, body) = api
            .post(
                &manager,
                &format!("{p}/resources"),
                json!({"key": "ops", "name": "Ops", "kind": "robot"}),
            )
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["details"]["field"], "kind", "{name}");
        let (status, body) = api
            .post(
                &viewer,
                &format!("{p}/resources"),
                json!({"key": "ops", "name": "Ops"}),
            )
            .await;
        assert_eq!(status, S::FORBIDDEN, "{name}: {body}");
        let (status, ops) = api
            .post(
                &manager,
                &format!("{p}/resources"),
                json!({"key": "ops", "name": "Ops team", "max_units": 2.0, "standard_rate": 80.0,
                       "availability": [{"from": "2026-04-01", "to": null, "units": 1.0}]}),
            )
            .await;
        assert_eq!(status, S::CREATED, "{name}: {ops}");
        assert_eq!(
            ops["availability"][0]["from"], "2026-04-01T00:00:00",
            "{name}"
        );
        let (status, body) = api
            .post(
                &manager,
                &format!("{p}/resources"),
                json!({"key": "ops", "name": "Again"}),
            )
            .await;
        assert_eq!(status, S::CONFLICT, "{name}: {body}");
        let ops_id = ops["id"].as_i64().unwrap();
        let (status, changed) = api
            .patch(
                &manager,
                &format!("{p}/resources/{ops_id}"),
                json!({"version": 1, "email": "ops@example.com", "calendar_id": weekend_id}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {changed}");
        assert_eq!(changed["version"], 2, "{name}");
        assert_eq!(changed["calendar_id"], weekend_id, "{name}");
        let (status, _) = api
            .delete(&manager, &format!("{p}/resources/{ops_id}?version=1"))
            .await;
        assert_eq!(status, S::CONFLICT, "{name}: stale delete");
        let (status, _) = api
            .delete(&manager, &format!("{p}/resources/{ops_id}?version=2"))
            .await;
        assert_eq!(status, S::NO_CONTENT, "{name}");

        // The workload shows Dana booked twice over on export and scripts.
        let (status, body) = api
            .get(&viewer, &format!("{p}/workload?period=fortnight"))
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["details"]["field"], "period", "{name}");
        let (status, workload) = api.get(&viewer, &format!("{p}/workload?period=day")).await;
        assert_eq!(status, S::OK, "{name}: {workload}");
        let dana = &workload[0];
        assert_eq!(dana["key"], "dana", "{name}");
        assert_eq!(dana["over_allocations"][0]["units"], 2.0, "{name}: {dana}");
        assert_eq!(
            dana["over_allocations"][0]["task_ids"]
                .as_array()
                .map(Vec::len),
            Some(2),
            "{name}: {dana}"
        );
        let days_over = dana["periods"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|day| day["over_allocated"] == true)
            .count();
        assert_eq!(days_over, 2, "{name}: the two days both tasks run: {dana}");

        // Leveling: anyone may preview it, a manager applies it from the version previewed.
        let (_, detail) = api.get(&manager, &p).await;
        let project_version = detail["version"].as_i64().unwrap();
        let (status, preview) = api.get(&viewer, &format!("{p}/leveling")).await;
        assert_eq!(status, S::OK, "{name}: {preview}");
        assert_eq!(preview["applied"], false, "{name}");
        assert_eq!(preview["version"], project_version, "{name}");
        let delays = preview["delays"].as_array().unwrap();
        assert_eq!(
            delays.len(),
            2,
            "{name}: one of dana's tasks waits, and load: {preview}"
        );
        assert!(
            preview["finish_after"].as_str() > preview["finish_before"].as_str(),
            "{name}: {preview}"
        );
        let (status, body) = api
            .post(
                &member,
                &format!("{p}/leveling"),
                json!({"version": project_version}),
            )
            .await;
        assert_eq!(status, S::FORBIDDEN, "{name}: {body}");
        let (status, body) = api
            .post(
                &manager,
                &format!("{p}/leveling"),
                json!({"version": project_version - 1}),
            )
            .await;
        assert_eq!(status, S::CONFLICT, "{name}: {body}");
        let (status, applied) = api
            .post(
                &manager,
                &format!("{p}/leveling"),
                json!({"version": project_version}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {applied}");
        assert_eq!(applied["applied"], true, "{name}");
        assert_eq!(applied["delays"], preview["delays"], "{name}: as previewed");
        let (_, schedule) = api.get(&viewer, &format!("{p}/schedule")).await;
        assert_eq!(schedule["version"], applied["version"], "{name}");
        assert_eq!(
            schedule["project_finish"], applied["finish_after"],
            "{name}"
        );
        let (_, again) = api.get(&viewer, &format!("{p}/leveling")).await;
        assert_eq!(again["delays"], json!([]), "{name}: nothing left to level");
        let (_, workload) = api.get(&viewer, &format!("{p}/workload")).await;
        assert_eq!(
            workload[0]["over_allocations"],
            json!([]),
            "{name}: {workload}"
        );
        server.finish().await;
    }
}

/// Splits over HTTP: a task's "leveling can split" flag and its pauses are read and edited like
/// its other fields (a member may not), and leveling pauses such a task rather than delaying it.
#[tokio::test]
async fn split_tasks_over_http() {
    const PLAN: &str = include_str!("data/release-split.toml");
    use StatusCode as S;
    for server in servers("splits").await {
        let name = server.name;
        let store = &server.store;
        let owner = add_user(store, "owner", false).await;
        let member = add_user(store, "member", false).await;
        let project = project_from(
            store,
            "release.toml",
            PLAN,
            owner,
            &[(member, Role::Member)],
        )
        .await;
        let api = Api::new(&server.base);
        let manager = api.login("owner", "owner-password").await;
        let member = api.login("member", "member-password").await;
        let p = format!("/projects/{project}");
        let (_, schedule) = api.get(&manager, &format!("{p}/schedule")).await;
        let build = schedule["tasks"][0].clone();
        assert_eq!(build["key"], "build", "{name}");
        assert_eq!(build["leveling_can_split"], true, "{name}: {build}");
        assert_eq!(build["splits"], json!([]), "{name}");
        let task = build["id"].as_i64().unwrap();
        let path = format!("{p}/tasks/{task}");
        // The plan lets the build split: first without that.
        let (status, changed) = api
            .patch(
                &manager,
                &path,
                json!({"version": build["version"], "leveling_can_split": false}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {changed}");
        let build = changed["task"].clone();
        assert_eq!(build["leveling_can_split"], false, "{name}: {build}");

        // Without the flag, leveling delays the build whole until the hotfix is done.
        let (status, preview) = api.get(&manager, &format!("{p}/leveling")).await;
        assert_eq!(status, S::OK, "{name}: {preview}");
        assert_eq!(preview["splits"], json!([]), "{name}: {preview}");
        assert_eq!(
            preview["finish_after"], "2026-03-20T17:00:00",
            "{name}: {preview}"
        );

        // A member reports progress only; a bad pause names the field and changes nothing.
        let (status, body) = api
            .patch(
                &member,
                &path,
                json!({"version": build["version"], "leveling_can_split": true}),
            )
            .await;
        assert_eq!(status, S::FORBIDDEN, "{name}: {body}");
        for bad in [
            json!([{"after_minutes": 0, "gap_minutes": 480}]),
            json!([{"after_minutes": 4800, "gap_minutes": 480}]),
            json!([{"after_minutes": 960, "gap_minutes": 0}]),
            json!([{"after_minutes": 960, "gap_minutes": 480}, {"after_minutes": 960, "gap_minutes": 60}]),
        ] {
            let (status, body) = api
                .patch(
                    &manager,
                    &path,
                    json!({"version": build["version"], "splits": bad}),
                )
                .await;
            assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {body}");
            assert_eq!(
                body["error"]["details"]["field"], "splits",
                "{name}: {body}"
            );
        }
        let (status, changed) = api
            .patch(
                &manager,
                &path,
                json!({"version": build["version"], "leveling_can_split": true}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {changed}");
        assert_eq!(
            changed["task"]["leveling_can_split"], true,
            "{name}: {changed}"
        );

        // With it, the build works Monday and Tuesday, pauses for the hotfix (Wednesday to
        // Friday) and resumes Monday: it finishes two days sooner than delayed whole.
        let (status, preview) = api.get(&manager, &format!("{p}/leveling")).await;
        assert_eq!(status, S::OK, "{name}: {preview}");
        assert_eq!(preview["delays"], json!([]), "{name}: {preview}");
        let split = &preview["splits"][0];
        assert_eq!(split["key"], "build", "{name}: {preview}");
        assert_eq!(split["paused_at"], "2026-03-03T17:00:00", "{name}: {split}");
        assert_eq!(
            split["resumes_at"], "2026-03-09T08:00:00",
            "{name}: {split}"
        );
        assert_eq!(split["after_minutes"], 960, "{name}: {split}");
        assert_eq!(split["gap_minutes"], 1440, "{name}: {split}");
        assert_eq!(split["resumed"], false, "{name}: {split}");
        assert_eq!(
            preview["finish_after"], "2026-03-18T17:00:00",
            "{name}: {preview}"
        );
        let (_, detail) = api.get(&manager, &p).await;
        let (status, applied) = api
            .post(
                &manager,
                &format!("{p}/leveling"),
                json!({"version": detail["version"]}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {applied}");
        assert_eq!(applied["splits"], preview["splits"], "{name}: as previewed");
        let (_, schedule) = api.get(&manager, &format!("{p}/schedule")).await;
        let build = &schedule["tasks"][0];
        assert_eq!(
            build["splits"],
            json!([{"after_minutes": 960, "gap_minutes": 1440}]),
            "{name}: {build}"
        );
        assert_eq!(build["finish"], "2026-03-18T17:00:00", "{name}: {build}");

        // Pauses are edited by hand too: replaced, then removed.
        let (status, changed) = api
            .patch(
                &manager,
                &path,
                json!({"version": build["version"], "splits": [{"after_minutes": 480, "gap_minutes": 480}]}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {changed}");
        assert_eq!(
            changed["task"]["splits"],
            json!([{"after_minutes": 480, "gap_minutes": 480}]),
            "{name}: {changed}"
        );
        // A day's work, a day's pause, then the other nine days: Monday 16 March.
        assert_eq!(
            changed["task"]["finish"], "2026-03-16T17:00:00",
            "{name}: {changed}"
        );
        let (status, changed) = api
            .patch(
                &manager,
                &path,
                json!({"version": changed["task"]["version"], "splits": []}),
            )
            .await;
        assert_eq!(status, S::OK, "{name}: {changed}");
        assert_eq!(changed["task"]["splits"], json!([]), "{name}: {changed}");
        assert_eq!(
            changed["task"]["finish"], "2026-03-13T17:00:00",
            "{name}: {changed}"
        );
        server.finish().await;
    }
}

/// A client generated from the OpenAPI document (openapi-python-client, the Python interpreter
/// in `GANTRY_TEST_OPENAPI_PYTHON`; CI installs it) generates every endpoint, and a script
/// calls each one of them through it (`tests/generated_client.py`).
#[tokio::test]
async fn a_client_generated_from_the_openapi_document_calls_every_endpoint() {
    let Ok(python) = std::env::var("GANTRY_TEST_OPENAPI_PYTHON") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: GANTRY_TEST_OPENAPI_PYTHON is not set; no client was generated from the OpenAPI document"
        );
        return;
    };
    for server in servers("generated").await {
        let name = server.name;
        add_user(&server.store, "script", false).await;
        let other = add_user(&server.store, "reader", false).await;
        let folder = tempfile::tempdir().expect("temp dir");
        let (status, document) = Api::new(&server.base)
            .get(&Caller::default(), "/openapi.json")
            .await;
        assert_eq!(status, StatusCode::OK);
        let spec = folder.path().join("openapi.json");
        std::fs::write(&spec, document.to_string()).expect("write the document");
        let generated = std::process::Command::new(&python)
            .args(["-m", "openapi_python_client", "generate", "--path"])
            .arg(&spec)
            .arg("--output-path")
            .arg(folder.path().join("client"))
            .output()
            .expect("run openapi-python-client");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&generated.stdout),
            String::from_utf8_lossy(&generated.stderr)
        );
        assert!(
            generated.status.success(),
            "{name}: generation failed:\n{log}"
        );
        assert!(
            !log.contains("will not be generated"),
            "{name}: endpoints left out of the generated client:\n{log}"
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated_client.py");
        let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/crm-rollout.toml");
        // On a thread of its own: the server answers on this test's runtime meanwhile.
        let mut command = std::process::Command::new(&python);
        command
            .arg(&script)
            .arg(&server.base)
            .args(["script", "script-password"])
            .arg(&plan)
            .arg(other.to_string())
            .env("PYTHONPATH", folder.path().join("client"));
        let run = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run the script");
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{name}: {out}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(out.contains("called all"), "{name}: {out}");
        server.finish().await;
    }
}

/// The web pages over HTTP: the login page, the portfolio, the Gantt page; a viewer of one
/// project does not see another; names are escaped.
#[tokio::test]
async fn the_pages_log_in_list_the_portfolio_and_draw_the_gantt() {
    for server in servers("pages").await {
        let name = server.name;
        let owner = add_user(&server.store, "owner", false).await;
        let other = add_user(&server.store, "other", false).await;
        let mut plan = example("datacentre-migration.toml");
        plan.tasks[1].name = "<script>alert(1)</script>".into();
        let project = server
            .store
            .create_project(&plan, owner)
            .await
            .expect("project")
            .project_id;
        let hidden = server
            .store
            .create_project(&example("network-refresh.toml"), other)
            .await
            .expect("project")
            .project_id;
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let base = &server.base;

        // Without a session every page leads to the login page.
        let answer = browser.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(answer.headers()["location"], "/login", "{name}");
        let login = browser.get(format!("{base}/login")).send().await.unwrap();
        assert_eq!(login.status(), StatusCode::OK, "{name}");
        let text = login.text().await.unwrap();
        assert!(text.contains(r#"<label for="username">"#), "{name}: {text}");
        let css = browser
            .get(format!("{base}/static/gantry.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

        let wrong = browser
            .post(format!("{base}/login"))
            .form(&[("username", "owner"), ("password", "nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert!(
            wrong.text().await.unwrap().contains("do not match"),
            "{name}"
        );
        let right = browser
            .post(format!("{base}/login"))
            .form(&[("username", "owner"), ("password", "owner-password")])
            .send()
            .await
            .unwrap();
        assert_eq!(right.status(), StatusCode::SEE_OTHER, "{name}");
        let cookie = right.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();

        let page = |path: String| {
            let request = browser
                .get(format!("{base}{path}"))
                .header("cookie", &cookie);
            async move {
                let answer = request.send().await.unwrap();
                (answer.status(), answer.text().await.unwrap())
            }
        };
        let (status, portfolio) = page("/".into()).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(portfolio.contains(&plan.name), "{name}: {portfolio}");
        assert!(
            portfolio.contains(&format!("href=\"/projects/{project}\"")),
            "{name}"
        );
        assert!(
            !portfolio.contains("Network refresh"),
            "{name}: another's project"
        );
        assert!(portfolio.contains(r#"class="rag "#), "{name}");
        let (status, gantt) = page(format!("/projects/{project}/gantt?scale=day")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            gantt.contains("<svg") && gantt.contains(r#"data-critical="true""#),
            "{name}"
        );
        assert!(
            !gantt.contains("<script>"),
            "{name}: a name ran as a script"
        );
        assert!(
            gantt.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{name}"
        );
        let (status, _) = page(format!("/projects/{hidden}/gantt")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");

        // The workload of an over-allocated project, leveled from its page.
        let crm = server
            .store
            .create_project(&example("crm-rollout.toml"), owner)
            .await
            .expect("project");
        let (status, workload) = page(format!("/projects/{}/workload", crm.project_id)).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            workload.contains(r#"<td class="over""#),
            "{name}: {workload}"
        );
        assert!(workload.contains("Level resources"), "{name}");
        let csrf = workload
            .split(r#"name="csrf_token" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the form's token")
            .to_string();
        let level = |token: String, version: i64| {
            let request = browser
                .post(format!("{base}/projects/{}/workload/level", crm.project_id))
                .header("cookie", &cookie)
                .form(&[("csrf_token", token), ("version", version.to_string())]);
            async move {
                let answer = request.send().await.unwrap();
                (answer.status(), answer.text().await.unwrap())
            }
        };
        let (status, _) = level("forged".into(), crm.version).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, leveled) = level(csrf.clone(), crm.version).await;
        assert_eq!(status, StatusCode::OK, "{name}: {leveled}");
        assert!(
            leveled.contains("<h2>Leveled</h2>") && leveled.contains("tasks moved"),
            "{name}"
        );
        let (status, _) = level(csrf, crm.version).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: the plan moved on");

        // Logging out needs the form's CSRF token.
        let token = portfolio
            .split(r#"name="csrf_token" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the logout form's token")
            .to_string();
        let forged = browser
            .post(format!("{base}/logout"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{name}");
        let out = browser
            .post(format!("{base}/logout"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(page("/".into()).await.0, StatusCode::SEE_OTHER, "{name}");
        server.finish().await;
    }
}

/// The row id of the task or resource with `key` in a list of wire objects.
fn id_of(items: &Value, key_field: &str, key: &str) -> i64 {
    items
        .as_array()
        .expect("a list")
        .iter()
        .find(|item| item[key_field] == key)
        .unwrap_or_else(|| panic!("no {key} in {items}"))["id"]
        .as_i64()
        .expect("an id")
}

#[tokio::test]
async fn baselines_earned_value_time_and_costs_follow_the_roles() {
    use gantry_store::{Edit, ResourceChanges, SetupEdit};
    for server in servers("control").await {
        let name = server.name;
        let api = Api::new(&server.base);
        let store = &server.store;
        let owner = add_user(store, "owner", false).await;
        let mut users = Vec::new();
        for (username, role) in [
            ("manager", Some(Role::Manager)),
            ("member", Some(Role::Member)),
            ("viewer", Some(Role::Viewer)),
            ("outsider", None),
        ] {
            users.push((username, role, add_user(store, username, false).await));
        }
        add_user(store, "admin", true).await;
        let stored = store
            .create_project(&example("erp-upgrade-evm.toml"), owner)
            .await
            .expect("project");
        let project = stored.project_id;
        for (_, role, id) in &users {
            if let Some(role) = role {
                store
                    .set_member(project, *id, *role, Some(owner))
                    .await
                    .unwrap();
            }
        }
        // The user "member" is also a resource of the project (its key is their username), on
        // the sandbox upgrade.
        let created = store
            .edit(
                project,
                Some(owner),
                Edit::Setup(SetupEdit::CreateResource {
                    key: "member".into(),
                    name: "Mia Member".into(),
                    changes: ResourceChanges {
                        standard_rate: Some(80.0),
                        ..ResourceChanges::default()
                    },
                }),
            )
            .await
            .expect("resource")
            .created
            .expect("its id");
        let sandbox_index = stored
            .plan
            .tasks
            .iter()
            .position(|t| t.key == "sandbox")
            .unwrap();
        let sandbox = stored.task_ids[sandbox_index];
        store
            .edit(
                project,
                Some(owner),
                Edit::Assign {
                    task: sandbox,
                    resource: created,
                    units: 0.5,
                },
            )
            .await
            .expect("assigned");
        let mut callers = vec![("anonymous", Caller::default())];
        for username in ["owner", "manager", "member", "viewer", "outsider", "admin"] {
            callers.push((
                username,
                api.login(username, &format!("{username}-password")).await,
            ));
        }
        let owner_caller = callers[1].1.clone();
        let p = format!("/projects/{project}");
        let (_, resources) = api.get(&owner_caller, &format!("{p}/resources")).await;
        let dev = id_of(&resources, "key", "dev");
        let travel = id_of(&resources, "key", "travel");
        let pm = id_of(&resources, "key", "pm");

        // Callers: anonymous, owner, manager, member, viewer, outsider, admin.
        use StatusCode as S;
        let read = [
            S::UNAUTHORIZED,
            S::OK,
            S::OK,
            S::OK,
            S::OK,
            S::NOT_FOUND,
            S::OK,
        ];
        for path in [
            format!("{p}/baselines"),
            format!("{p}/evm"),
            format!("{p}/evm?baseline=0&status_date=2026-02-13"),
            format!("{p}/time-entries"),
            format!("{p}/expenses"),
        ] {
            for ((who, caller), expected) in callers.iter().zip(read) {
                let (status, body) = api.get(caller, &path).await;
                assert_eq!(status, expected, "{name}: GET {path} as {who}: {body}");
            }
        }
        let manager_only = |done| {
            [
                S::UNAUTHORIZED,
                done,
                done,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::NOT_FOUND,
                done,
            ]
        };
        for ((who, caller), expected) in callers.iter().zip(manager_only(S::OK)) {
            let (status, body) = api
                .post(caller, &format!("{p}/baselines/1"), json!({}))
                .await;
            assert_eq!(status, expected, "{name}: save a baseline as {who}: {body}");
        }
        for ((who, caller), expected) in callers.iter().zip(manager_only(S::CREATED)) {
            let (status, body) = api
                .post(
                    caller,
                    &format!("{p}/expenses"),
                    json!({"task_id": sandbox, "date": "2026-02-11", "amount": 40.0, "description": format!("Taxi for {who}")}),
                )
                .await;
            assert_eq!(status, expected, "{name}: an expense as {who}: {body}");
        }
        for ((who, caller), expected) in callers.iter().zip(manager_only(S::OK)) {
            let (_, schedule) = api.get(&owner_caller, &format!("{p}/schedule")).await;
            let task = schedule["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|task| task["id"] == sandbox)
                .unwrap()
                .clone();
            let (status, body) = api
                .call(
                    caller,
                    reqwest::Method::PUT,
                    &format!("{p}/tasks/{sandbox}/fixed-cost"),
                    Some(json!({"version": task["version"], "amount": 2500.0, "accrual": "end"})),
                )
                .await;
            assert_eq!(status, expected, "{name}: a fixed cost as {who}: {body}");
        }
        // Time: a member logs their own, a manager anyone's.
        let log = |resource: Option<i64>, hours: f64| {
            let mut body = json!({"task_id": sandbox, "date": "2026-02-12", "hours": hours});
            if let Some(resource) = resource {
                body["resource_id"] = json!(resource);
            }
            body
        };
        let own = [
            S::UNAUTHORIZED,
            S::CREATED,
            S::CREATED,
            S::CREATED,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::CREATED,
        ];
        let mut own_entry = None;
        for ((who, caller), expected) in callers.iter().zip(own) {
            let (status, body) = api
                .post(
                    caller,
                    &format!("{p}/time-entries"),
                    log(Some(created), 2.0),
                )
                .await;
            assert_eq!(status, expected, "{name}: own time as {who}: {body}");
            if *who == "member" {
                own_entry = body["time_entry"]["id"].as_i64();
            }
        }
        let (status, body) = api
            .post(&callers[3].1, &format!("{p}/time-entries"), log(None, 1.5))
            .await;
        assert_eq!(
            status,
            S::CREATED,
            "{name}: a member's own resource by default: {body}"
        );
        assert_eq!(body["time_entry"]["resource_key"], "member", "{name}");
        let mut dev_entry = None;
        for ((who, caller), expected) in callers.iter().zip(manager_only(S::CREATED)) {
            let (status, body) = api
                .post(caller, &format!("{p}/time-entries"), log(Some(dev), 3.0))
                .await;
            assert_eq!(
                status, expected,
                "{name}: the developer's time as {who}: {body}"
            );
            if status == S::FORBIDDEN && *who == "member" {
                let message = body["error"]["message"].as_str().unwrap_or_default();
                assert!(message.contains("\"dev\""), "{name}: {message}");
            }
            dev_entry = dev_entry.or(body["time_entry"]["id"].as_i64());
        }
        let (_, entries) = api.get(&owner_caller, &format!("{p}/time-entries")).await;
        let logged = entries["time_entries"].as_array().unwrap().len();
        assert_eq!(logged, 7 + 4 + 1 + 3, "{name}: {entries}");

        // Refusals: a resource not on the task, negative hours, a bad date; nothing stored.
        let version = |detail: &Value| detail["version"].as_i64();
        let (_, before) = api.get(&owner_caller, &p).await;
        for (body, field, words) in [
            (
                json!({"task_id": sandbox, "resource_id": pm, "date": "2026-02-12", "hours": 1.0}),
                "resource",
                vec!["\"pm\"", "\"sandbox\"", "not assigned"],
            ),
            (
                json!({"task_id": sandbox, "resource_id": dev, "date": "2026-02-12", "hours": -2.0}),
                "hours",
                vec!["negative"],
            ),
            (
                json!({"task_id": sandbox, "resource_id": travel, "date": "2026-02-12", "hours": 1.0}),
                "resource",
                vec!["travel", "cost"],
            ),
            (
                json!({"task_id": sandbox, "resource_id": dev, "date": "12/02/2026", "hours": 1.0}),
                "date",
                vec!["12/02/2026"],
            ),
        ] {
            let (status, answer) = api
                .post(&owner_caller, &format!("{p}/time-entries"), body.clone())
                .await;
            assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {body}: {answer}");
            assert_eq!(
                answer["error"]["details"]["field"], field,
                "{name}: {answer}"
            );
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            for word in words {
                assert!(message.contains(word), "{name}: \"{message}\" names {word}");
            }
        }
        let (status, answer) = api
            .post(&owner_caller, &format!("{p}/baselines/11"), json!({}))
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {answer}");
        let (_, after) = api.get(&owner_caller, &p).await;
        assert_eq!(version(&after), version(&before), "{name}: nothing stored");

        // Deleting time: a member their own only.
        let (own_entry, dev_entry) = (own_entry.unwrap(), dev_entry.unwrap());
        let member = &callers[3].1;
        let (status, _) = api
            .delete(member, &format!("{p}/time-entries/{dev_entry}"))
            .await;
        assert_eq!(status, S::FORBIDDEN, "{name}");
        let (status, _) = api
            .delete(&callers[4].1, &format!("{p}/time-entries/{own_entry}"))
            .await;
        assert_eq!(status, S::FORBIDDEN, "{name}: a viewer");
        let (status, _) = api
            .delete(member, &format!("{p}/time-entries/{own_entry}"))
            .await;
        assert_eq!(status, S::NO_CONTENT, "{name}");
        let (status, _) = api
            .delete(&callers[2].1, &format!("{p}/time-entries/{dev_entry}"))
            .await;
        assert_eq!(status, S::NO_CONTENT, "{name}: a manager deletes anyone's");
        let (status, _) = api
            .delete(member, &format!("{p}/time-entries/{own_entry}"))
            .await;
        assert_eq!(status, S::NOT_FOUND, "{name}: gone");

        // Earned value: the figures of the example at its status date (checked by hand in
        // gantry-core's tests), with the hours and costs logged above on top.
        let (_, evm) = api.get(&owner_caller, &format!("{p}/evm?baseline=0")).await;
        assert_eq!(evm["baseline_name"], "Baseline", "{name}");
        assert_eq!(evm["status_date"], "2026-02-21T00:00:00", "{name}");
        let figures = &evm["figures"];
        let number = |field: &str| figures[field].as_f64().unwrap_or(f64::NAN);
        // BAC: the baseline's top-level costs, 14,200 + 26,300 + 0.
        assert_eq!(number("bac"), 40_500.0, "{name}");
        assert!(
            (number("cv") - (number("ev") - number("ac"))).abs() < 1e-6,
            "{name}"
        );
        assert!(
            (number("sv") - (number("ev") - number("pv"))).abs() < 1e-6,
            "{name}"
        );
        let customisations = evm["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|task| task["key"] == "customisations")
            .unwrap();
        assert_eq!(
            customisations["status"]["behind_plan"], true,
            "{name}: {customisations}"
        );
        assert!(
            evm["s_curve"]
                .as_array()
                .is_some_and(|points| points.len() > 3),
            "{name}"
        );
        let (status, answer) = api.get(&owner_caller, &format!("{p}/evm?baseline=4")).await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Baseline4"), "{name}: {message}");

        for ((who, caller), expected) in callers.iter().zip(manager_only(S::NO_CONTENT)) {
            let (status, body) = api.delete(caller, &format!("{p}/baselines/1")).await;
            let expected = if *who == "manager" || *who == "admin" {
                // The owner cleared it already.
                S::UNPROCESSABLE_ENTITY
            } else {
                expected
            };
            assert_eq!(
                status, expected,
                "{name}: clear a baseline as {who}: {body}"
            );
        }
        server.finish().await;
    }
}

#[tokio::test]
async fn a_change_request_shows_its_impact_and_a_stale_one_is_refused_whole() {
    for server in servers("changes").await {
        let name = server.name;
        let api = Api::new(&server.base);
        let owner = add_user(&server.store, "owner", false).await;
        let project = server
            .store
            .create_project(&example("network-refresh.toml"), owner)
            .await
            .expect("project")
            .project_id;
        let caller = api.login("owner", "owner-password").await;
        let p = format!("/projects/{project}");
        let (_, before) = api.get(&caller, &format!("{p}/schedule")).await;
        let (task, version) = first_leaf(&before);

        // Bad input: no edits, an unknown kind; nothing recorded.
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/changes"),
                json!({"title": "Empty", "reason": "None", "items": []}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["details"]["field"], "items", "{name}");
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/changes"),
                json!({"title": "Odd", "reason": "None", "items": [{"kind": "teleport", "task": task}]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(
            api.get(&caller, &format!("{p}/changes")).await.1,
            json!([]),
            "{name}"
        );

        // Two edits, the second on a task that is then changed by someone else.
        let (status, change) = api
            .post(
                &caller,
                &format!("{p}/changes"),
                json!({"title": "Longer", "reason": "Supplier late", "items": [
                    {"kind": "add_task", "name": "Extra checks", "duration_minutes": 960, "after": task},
                    {"kind": "set_duration", "task": task, "version": version, "duration_minutes": 4800},
                ]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {change}");
        let id = change["id"].as_i64().unwrap();
        let (status, impact) = api.get(&caller, &format!("{p}/changes/{id}/impact")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {impact}");
        assert_eq!(impact["added"][0]["name"], "Extra checks", "{name}");
        assert_eq!(
            api.get(&caller, &format!("{p}/schedule")).await.1,
            before,
            "{name}: the impact is a what-if"
        );
        let (status, _) = api
            .patch(
                &caller,
                &format!("{p}/tasks/{task}"),
                json!({"version": version, "name": "Renamed meanwhile"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let (_, changed) = api.get(&caller, &format!("{p}/schedule")).await;
        let (_, baselines) = api.get(&caller, &format!("{p}/baselines")).await;
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/changes/{id}/approve"),
                json!({"rebaseline": 0}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(
            api.get(&caller, &format!("{p}/baselines")).await.1,
            baselines,
            "{name}: a refused approval saves no baseline"
        );
        assert_eq!(body["error"]["details"]["id"], task, "{name}");
        assert_eq!(
            api.get(&caller, &format!("{p}/schedule")).await.1,
            changed,
            "{name}: nothing applied, not even the new task"
        );
        let (_, still) = api.get(&caller, &format!("{p}/changes/{id}")).await;
        assert_eq!(still["status"], "proposed", "{name}");
        // Rejected without a reason: refused; with one: recorded.
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/changes/{id}/reject"),
                json!({"reason": ""}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let (status, body) = api
            .post(
                &caller,
                &format!("{p}/changes/{id}/reject"),
                json!({"reason": "Overtaken by events"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["status"], "rejected", "{name}");
        assert_eq!(body["decided_by"], "owner", "{name}");
        assert_eq!(
            body["impact"],
            Value::Null,
            "{name}: a change that no longer applies has no impact"
        );
        server.finish().await;
    }
}

#[tokio::test]
async fn risks_estimates_and_simulations_follow_the_roles() {
    for server in servers("risks").await {
        let name = server.name;
        let api = Api::new(&server.base);
        let store = &server.store;
        let owner = add_user(store, "owner", false).await;
        let mut users = Vec::new();
        for (username, role) in [
            ("manager", Some(Role::Manager)),
            ("member", Some(Role::Member)),
            ("viewer", Some(Role::Viewer)),
            ("outsider", None),
        ] {
            users.push((username, role, add_user(store, username, false).await));
        }
        add_user(store, "admin", true).await;
        let mut callers = vec![("anonymous", Caller::default())];
        for username in ["owner", "manager", "member", "viewer", "outsider", "admin"] {
            callers.push((
                username,
                api.login(username, &format!("{username}-password")).await,
            ));
        }
        let owner_caller = callers[1].1.clone();
        // Imported through the API, the plan file's estimates and risks are kept.
        let response = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/projects/import?name=erp-upgrade-risk.toml",
                server.base
            ))
            .header("cookie", owner_caller.cookie.clone().unwrap_or_default())
            .header(
                "x-csrf-token",
                owner_caller.csrf.clone().unwrap_or_default(),
            )
            .header("content-type", "application/toml")
            .body(include_str!("../../../examples/erp-upgrade-risk.toml"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        let imported: Value = response.json().await.unwrap();
        let project = imported["id"].as_i64().expect("project id");
        for (_, role, id) in &users {
            if let Some(role) = role {
                store
                    .set_member(project, *id, *role, Some(owner))
                    .await
                    .unwrap();
            }
        }
        let p = format!("/projects/{project}");
        let file = gantry_formats::parse_plan(
            "erp-upgrade-risk.toml",
            include_str!("../../../examples/erp-upgrade-risk.toml"),
        )
        .expect("plan file");
        let (status, risks) = api.get(&owner_caller, &format!("{p}/risks")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(
            risks.as_array().map(Vec::len),
            Some(file.risk.risks.len()),
            "{name}: the file's risks are kept: {risks}"
        );
        let (_, estimates) = api.get(&owner_caller, &format!("{p}/estimates")).await;
        assert_eq!(
            estimates.as_array().map(Vec::len),
            Some(file.risk.estimates.len()),
            "{name}: the file's estimates are kept"
        );
        // Exported as a plan file, they go out again: the file reads back with the same risk
        // model.
        let exported = reqwest::Client::new()
            .get(format!("{}/api/v1{p}/export?format=toml", server.base))
            .header("cookie", owner_caller.cookie.clone().unwrap_or_default())
            .send()
            .await
            .unwrap();
        assert_eq!(exported.status(), StatusCode::OK, "{name}");
        let text = exported.text().await.unwrap();
        let again = gantry_formats::parse_plan("exported.toml", &text).expect("exported file");
        assert_eq!(
            again.risk.risks.len(),
            file.risk.risks.len(),
            "{name}: {text}"
        );
        assert_eq!(
            again.risk.estimates.len(),
            file.risk.estimates.len(),
            "{name}"
        );
        assert_eq!(
            again.risk.correlations.len(),
            file.risk.correlations.len(),
            "{name}"
        );
        let (_, tasks) = api.get(&owner_caller, &format!("{p}/tasks")).await;
        let (_, schedule) = api.get(&owner_caller, &format!("{p}/schedule")).await;
        let (task, _) = first_leaf(&schedule);
        let _ = tasks;

        use StatusCode as S;
        const OK: S = S::OK;
        let read = [S::UNAUTHORIZED, OK, OK, OK, OK, S::NOT_FOUND, OK];
        for path in [format!("{p}/risks"), format!("{p}/estimates")] {
            for ((who, caller), expected) in callers.iter().zip(read) {
                let (status, body) = api.get(caller, &path).await;
                assert_eq!(status, expected, "{name}: GET {path} as {who}: {body}");
            }
        }
        // Members and up add and edit risks; viewers and outsiders cannot.
        let write = [
            S::UNAUTHORIZED,
            S::CREATED,
            S::CREATED,
            S::CREATED,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::CREATED,
        ];
        let mut created = Vec::new();
        for ((who, caller), expected) in callers.iter().zip(write) {
            let (status, body) = api
                .post(
                    caller,
                    &format!("{p}/risks"),
                    json!({"title": format!("Risk by {who}"), "probability": 0.5,
                           "delay": {"min": 480, "likely": 960, "max": 2400}, "cost": 1000.0,
                           "tasks": [task], "strategy": "mitigate"}),
                )
                .await;
            assert_eq!(status, expected, "{name}: add a risk as {who}: {body}");
            if status == S::CREATED {
                assert_eq!(body["bands"]["probability"], 4, "{name}: 50% is band 4");
                created.push(body);
            }
        }
        let edit = [S::UNAUTHORIZED, OK, OK, OK, S::FORBIDDEN, S::NOT_FOUND, OK];
        let first = created[0]["id"].as_i64().unwrap();
        for ((who, caller), expected) in callers.iter().zip(edit) {
            let (_, current) = api.get(&owner_caller, &format!("{p}/risks/{first}")).await;
            let (status, body) = api
                .call(
                    caller,
                    reqwest::Method::PUT,
                    &format!("{p}/risks/{first}"),
                    Some(
                        json!({"title": format!("Edited by {who}"), "probability": 0.2,
                                "status": "occurred", "version": current["version"]}),
                    ),
                )
                .await;
            assert_eq!(status, expected, "{name}: edit a risk as {who}: {body}");
        }
        let estimate = [S::UNAUTHORIZED, OK, OK, OK, S::FORBIDDEN, S::NOT_FOUND, OK];
        for ((who, caller), expected) in callers.iter().zip(estimate) {
            let (status, body) = api
                .call(
                    caller,
                    reqwest::Method::PUT,
                    &format!("{p}/tasks/{task}/estimate"),
                    Some(json!({"duration": {"min": 960, "likely": 1440, "max": 2880, "distribution": "pert"}})),
                )
                .await;
            assert_eq!(status, expected, "{name}: estimate as {who}: {body}");
        }
        let simulate = [S::UNAUTHORIZED, OK, OK, OK, S::FORBIDDEN, S::NOT_FOUND, OK];
        for ((who, caller), expected) in callers.iter().zip(simulate) {
            let (status, body) = api
                .post(
                    caller,
                    &format!("{p}/simulate"),
                    json!({"iterations": 500, "seed": 3}),
                )
                .await;
            assert_eq!(status, expected, "{name}: simulate as {who}: {body}");
            if status == OK {
                assert_eq!(body["iterations"], 500, "{name}");
                assert!(body["finish"]["p80"].as_str() >= body["finish"]["p10"].as_str());
                assert_eq!(body["histogram"].as_array().map(Vec::len), Some(20));
            }
        }
        // Managers delete; members do not.
        let delete = [
            S::UNAUTHORIZED,
            S::NO_CONTENT,
            S::NO_CONTENT,
            S::FORBIDDEN,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::NO_CONTENT,
        ];
        let mut ids = created.iter().map(|risk| risk["id"].as_i64().unwrap());
        for ((who, caller), expected) in callers.iter().zip(delete) {
            let id = if expected == S::NO_CONTENT {
                ids.next().unwrap()
            } else {
                created[3]["id"].as_i64().unwrap()
            };
            let (status, body) = api.delete(caller, &format!("{p}/risks/{id}")).await;
            assert_eq!(status, expected, "{name}: delete a risk as {who}: {body}");
        }
        let remove = [
            S::UNAUTHORIZED,
            S::NO_CONTENT,
            S::NOT_FOUND,
            S::NOT_FOUND,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::NOT_FOUND,
        ];
        for ((who, caller), expected) in callers.iter().zip(remove) {
            let (status, body) = api
                .delete(caller, &format!("{p}/tasks/{task}/estimate"))
                .await;
            assert_eq!(
                status, expected,
                "{name}: remove the estimate as {who}: {body}"
            );
        }

        // Bad input: refused with the field named, nothing stored.
        let (_, before) = api.get(&owner_caller, &format!("{p}/risks")).await;
        for (body, field) in [
            (
                json!({"title": "Too likely", "probability": 1.5}),
                "probability",
            ),
            (
                json!({"title": "Negative", "probability": -0.1}),
                "probability",
            ),
            (
                json!({"title": "Upside down", "probability": 0.3, "delay": {"min": 900, "likely": 480, "max": 960}}),
                "delay",
            ),
            (
                json!({"title": "Nowhere", "probability": 0.3, "tasks": [999_999]}),
                "tasks",
            ),
            (json!({"title": "", "probability": 0.3}), "title"),
            (
                json!({"title": "Bad strategy", "probability": 0.3, "strategy": "pray"}),
                "strategy",
            ),
        ] {
            let (status, answer) = api.post(&owner_caller, &format!("{p}/risks"), body).await;
            assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {answer}");
            assert_eq!(
                answer["error"]["details"]["field"], field,
                "{name}: {answer}"
            );
        }
        let (status, answer) = api
            .call(
                &owner_caller,
                reqwest::Method::PUT,
                &format!("{p}/tasks/{task}/estimate"),
                Some(json!({"duration": {"min": 2000, "likely": 1000, "max": 3000}})),
            )
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {answer}");
        assert_eq!(
            answer["error"]["details"]["field"], "estimate",
            "{name}: {answer}"
        );
        let (status, answer) = api
            .post(
                &owner_caller,
                &format!("{p}/simulate"),
                json!({"iterations": 20_001}),
            )
            .await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY, "{name}: {answer}");
        assert_eq!(answer["error"]["details"]["field"], "iterations", "{name}");
        let (_, after) = api.get(&owner_caller, &format!("{p}/risks")).await;
        assert_eq!(before, after, "{name}: nothing stored");
        // A stale version is a conflict.
        let left = created[3]["id"].as_i64().unwrap();
        let (_, current) = api.get(&owner_caller, &format!("{p}/risks/{left}")).await;
        let (status, _) = api
            .call(
                &owner_caller,
                reqwest::Method::PUT,
                &format!("{p}/risks/{left}"),
                Some(json!({"title": "Stale", "probability": 0.1,
                            "version": current["version"].as_i64().unwrap() - 1})),
            )
            .await;
        assert_eq!(status, S::CONFLICT, "{name}");
        // The edits are in the history.
        let (_, history) = api.get(&owner_caller, &format!("{p}/history")).await;
        let text = history.to_string();
        assert!(
            text.contains("\"risk\"") && text.contains("\"estimate\""),
            "{name}: {text}"
        );
        server.finish().await;
    }
}
