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
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(folder.path())
        .env("GANTRY_ADMIN_PASSWORD", "correct horse")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gantry serve starts");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut address = None;
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(rest) = line.strip_prefix("Gantry is listening on http://") {
            address = rest.split('/').next().map(str::to_string);
            break;
        }
    }
    let address = address.expect("the server says where it listens");

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
    let (status, page) = http(
        &address,
        &format!("GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200);
    assert!(page.contains("/api/v1"), "{page}");

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
