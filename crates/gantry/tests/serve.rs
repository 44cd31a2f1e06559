//! `gantry serve` and `gantry user` as an administrator runs them: a first start creates the
//! administrator and loads the demo portfolio, the server answers over HTTP, and SIGTERM stops it
//! cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One HTTP/1.1 request; the status code and the body.
fn http(address: &str, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_demo_answers_and_stops_on_sigterm() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut server = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(folder.path())
        .env("GANTRY_ADMIN_PASSWORD", "correct horse")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gantry serve starts");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut address = None;
    let mut log_lines = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(rest) = line.strip_prefix("Gantry is listening on http://") {
            address = rest.split('/').next().map(str::to_string);
            break;
        }
        log_lines.push(line);
    }
    let address = address.expect("the server says where it listens");
    // With --log-format json every log line is a JSON object (loading the demo logs one).
    assert!(!log_lines.is_empty(), "no log line before listening");
    for line in &log_lines {
        if line.starts_with("Created the administrator") {
            continue;
        }
        let entry: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON log line: {line}: {error}"));
        assert!(entry["level"].is_string(), "{line}");
    }

    let body = r#"{"username":"admin","password":"correct horse"}"#;
    let (status, answer) = http(
        &address,
        &format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"csrf_token\""), "{answer}");
    // The web pages: the portfolio sends a visitor without a session to the login page.
    let (status, page) = http(
        &address,
        &format!("GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 303, "{page}");
    let (status, page) = http(
        &address,
        &format!("GET /login HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("<form method=\"post\" action=\"/login\">"),
        "{page}"
    );

    // SIGTERM: the server finishes what it is doing and exits successfully.
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");

    // The data survived the stop; users are added from the command line, and a taken username
    // is refused.
    let output = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["user", "list", "--data-dir"])
        .arg(folder.path())
        .output()
        .expect("gantry user list");
    let listed = String::from_utf8(output.stdout).expect("utf-8");
    assert!(listed.contains("admin"), "{listed}");
    let output = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["user", "add", "dana", "--name", "Dana Kim", "--data-dir"])
        .arg(folder.path())
        .env_remove("GANTRY_PASSWORD")
        .output()
        .expect("gantry user add");
    let added = String::from_utf8(output.stdout).expect("utf-8");
    assert!(output.status.success(), "{added}");
    assert!(
        added.contains("added dana") && added.contains("password: "),
        "{added}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["user", "add", "dana", "--data-dir"])
        .arg(folder.path())
        .output()
        .expect("gantry user add");
    assert!(!output.status.success());
    let message = String::from_utf8(output.stderr).expect("utf-8");
    assert!(message.contains("\"dana\" is already taken"), "{message}");
}

/// Starts `gantry serve` with `arguments` and returns it with the address it listens on.
fn start_server(arguments: &[&str], password: &str) -> (std::process::Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .arg("serve")
        .args(arguments)
        .args(["--bind", "127.0.0.1:0"])
        .env("GANTRY_ADMIN_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gantry serve starts");
    let lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    for line in lines {
        let line = line.expect("a line");
        if let Some(rest) = line.strip_prefix("Gantry is listening on http://") {
            let address = rest.split('/').next().expect("address").to_string();
            return (server, address);
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("the server did not say where it listens");
}

fn login(address: &str, password: &str) -> (String, String) {
    let body = format!(r#"{{"username":"admin","password":"{password}"}}"#);
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .write_all(
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let cookie = answer
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: "))
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_string();
    let csrf = answer
        .split("\"csrf_token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token")
        .to_string();
    (cookie, csrf)
}

#[test]
fn two_servers_on_one_postgres_database_serve_each_others_changes() {
    let Ok(url) = std::env::var("GANTRY_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: two servers on PostgreSQL (GANTRY_TEST_POSTGRES_URL is not set)"
        );
        return;
    };
    let schema = format!(
        "gantry_serve_{}_{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let run_sql = |sql: String| {
        runtime.block_on(async {
            use sqlx::Connection as _;
            let mut connection = sqlx::PgConnection::connect(&url)
                .await
                .expect("GANTRY_TEST_POSTGRES_URL is set but PostgreSQL does not answer");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut connection)
                .await
                .expect("sql");
        })
    };
    run_sql(format!("CREATE SCHEMA {schema}"));
    let separator = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{separator}options[search_path]={schema}");
    let password = "two servers";
    let (mut first, first_address) = start_server(&["--demo", "--database", &database], password);
    let (mut second, second_address) = start_server(&["--database", &database], password);

    // Read the schedule on the second server (caching it), change a task on the first, read
    // again on the second: it serves the change.
    let (cookie, _) = login(&second_address, password);
    let get = |address: &str, cookie: &str| {
        http(
            address,
            &format!(
                "GET /api/v1/projects/1/schedule HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
            ),
        )
    };
    let (status, before) = get(&second_address, &cookie);
    assert_eq!(status, 200, "{before}");
    let schedule: serde_json::Value = serde_json::from_str(&before).expect("json");
    let task = schedule["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|task| task["is_summary"] == false)
        .expect("a leaf");
    let (first_cookie, first_csrf) = login(&first_address, password);
    let body = format!(
        r#"{{"version":{},"name":"Renamed on the first server"}}"#,
        task["version"]
    );
    let (status, answer) = http(
        &first_address,
        &format!(
            "PATCH /api/v1/projects/1/tasks/{} HTTP/1.1\r\nHost: {first_address}\r\nCookie: {first_cookie}\r\nX-CSRF-Token: {first_csrf}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            task["id"],
            body.len()
        ),
    );
    assert_eq!(status, 200, "{answer}");
    let (status, after) = get(&second_address, &cookie);
    assert_eq!(status, 200);
    assert!(after.contains("Renamed on the first server"), "{after}");

    for server in [&mut first, &mut second] {
        let _ = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status();
        let _ = server.wait();
    }
    run_sql(format!("DROP SCHEMA {schema} CASCADE"));
}
