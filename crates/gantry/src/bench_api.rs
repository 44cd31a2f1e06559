//! `gantry bench api`: a load generator for the JSON API. It starts a real server on
//! 127.0.0.1:0 over a SQLite file (and over PostgreSQL when given one), stores a generated
//! project, and times reading its schedule and updating a task (each update re-schedules the
//! project) from several clients at once.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use gantry_core::generate::{NetworkShape, random_plan};
use gantry_server::{AppState, ServerConfig, hash_password};
use gantry_store::{NewUser, Store};
use serde_json::{Value, json};

use crate::bench::BenchFormat;

/// What `gantry bench api` measures.
#[derive(clap::Args, Debug)]
pub struct ApiBench {
    /// Tasks in the generated project.
    #[arg(long, default_value_t = 1_000)]
    tasks: usize,
    /// Requests of each kind (reads, then updates).
    #[arg(long, default_value_t = 400)]
    requests: usize,
    /// Clients sending requests at the same time.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Also measure on this PostgreSQL database (postgres://user@host/db); the bench adds a user
    /// and a project to it.
    #[arg(long, env = "GANTRY_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    format: BenchFormat,
}

/// Latencies of one kind of request.
struct Figures {
    backend: &'static str,
    operation: &'static str,
    requests: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    per_second: f64,
}

fn figures(
    backend: &'static str,
    operation: &'static str,
    mut latencies: Vec<Duration>,
    elapsed: Duration,
) -> Figures {
    latencies.sort();
    let at = |quantile: f64| {
        let index = ((latencies.len() as f64 * quantile).ceil() as usize).saturating_sub(1);
        latencies
            .get(index.min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
    };
    Figures {
        backend,
        operation,
        requests: latencies.len(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
    }
}

/// Runs the bench.
pub fn run(bench: ApiBench, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    // The server's warnings and errors, on stderr (its information lines would drown the table).
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GANTRY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let results = runtime.block_on(async {
        let folder = tempfile_folder()?;
        let sqlite = Store::open_sqlite_file(&folder.join("bench.db")).await?;
        let mut results = measure("sqlite", sqlite, &bench).await?;
        if let Some(url) = &bench.postgres {
            let postgres = Store::open(url)
                .await
                .context("opening the PostgreSQL database")?;
            results.extend(measure("postgres", postgres, &bench).await?);
        }
        let _ = std::fs::remove_dir_all(&folder);
        anyhow::Ok(results)
    })?;
    match bench.format {
        BenchFormat::Table => {
            writeln!(
                out,
                "API on a project of {} tasks, {} clients, {} requests of each kind",
                bench.tasks, bench.clients, bench.requests
            )?;
            writeln!(
                out,
                "{:<9} {:<16} {:>8} {:>9} {:>9} {:>9} {:>10}",
                "backend", "operation", "requests", "p50 ms", "p99 ms", "max ms", "per second"
            )?;
            for figure in &results {
                writeln!(
                    out,
                    "{:<9} {:<16} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>10.0}",
                    figure.backend,
                    figure.operation,
                    figure.requests,
                    figure.p50_ms,
                    figure.p99_ms,
                    figure.max_ms,
                    figure.per_second
                )?;
            }
        }
        BenchFormat::Json => {
            let rows: Vec<Value> = results
                .iter()
                .map(|figure| {
                    json!({
                        "backend": figure.backend,
                        "operation": figure.operation,
                        "requests": figure.requests,
                        "p50_ms": figure.p50_ms,
                        "p99_ms": figure.p99_ms,
                        "max_ms": figure.max_ms,
                        "per_second": figure.per_second,
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                json!({ "tasks": bench.tasks, "clients": bench.clients, "results": rows })
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A real server on 127.0.0.1:0 over `store`, for the benches.
pub(crate) struct LocalServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl LocalServer {
    pub(crate) async fn start(store: &Store) -> anyhow::Result<LocalServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(
            store.clone(),
            ServerConfig {
                secure_cookies: false,
                ..ServerConfig::default()
            },
        );
        let task = tokio::spawn(gantry_server::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        Ok(LocalServer { base, stop, task })
    }

    /// Logs in through the API: the session cookie (`name=value`) and its CSRF token.
    pub(crate) async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> anyhow::Result<(String, String)> {
        let session = client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await?;
        let cookie = session
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .context("no session cookie")?
            .to_string();
        let csrf = session.json::<Value>().await?["csrf_token"]
            .as_str()
            .context("no CSRF token")?
            .to_string();
        Ok((cookie, csrf))
    }

    /// Stops the server after the requests in flight.
    pub(crate) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await??;
        Ok(())
    }
}

/// A fresh folder under the system's temporary folder.
fn tempfile_folder() -> anyhow::Result<std::path::PathBuf> {
    let folder = std::env::temp_dir().join(format!(
        "gantry-bench-api-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&folder).context("creating a temporary folder")?;
    Ok(folder)
}

async fn measure(
    backend: &'static str,
    store: Store,
    bench: &ApiBench,
) -> anyhow::Result<Vec<Figures>> {
    let username = format!("bench-{}", jiff::Timestamp::now().as_nanosecond());
    let password = "bench-password".to_string();
    let user = store
        .create_user(&NewUser {
            username: username.clone(),
            display_name: "Benchmark".into(),
            password_hash: hash_password(password.clone())
                .await
                .map_err(|_| anyhow::anyhow!("hashing"))?,
            is_admin: false,
        })
        .await?;
    let plan = random_plan(&NetworkShape::benchmark(bench.tasks, 1));
    let project = store.create_project(&plan, user.id).await?.project_id;

    let server = LocalServer::start(&store).await?;
    let base = format!("{}/api/v1", server.base);

    let client = reqwest::Client::new();
    // Log in once to create an API token for the clients: no cookie or CSRF handling in the
    // timed loops.
    let (cookie, csrf) = server.login(&client, &username, &password).await?;
    let token: Value = client
        .post(format!("{base}/tokens"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({ "name": "bench" }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["token"].as_str().context("no token")?.to_string();

    let schedule_url = format!("{base}/projects/{project}/schedule");
    let schedule: Value = client
        .get(&schedule_url)
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    // Each client edits tasks of its own, so that no edit conflicts with another.
    let leaves: Vec<(i64, i64)> = schedule["tasks"]
        .as_array()
        .context("no tasks")?
        .iter()
        .filter(|task| task["is_summary"] == false && task["is_milestone"] == false)
        .filter_map(|task| Some((task["id"].as_i64()?, task["version"].as_i64()?)))
        .collect();
    anyhow::ensure!(
        leaves.len() >= bench.clients,
        "the project has too few tasks for {} clients",
        bench.clients
    );

    let clients = bench.clients.max(1);
    let per_client = bench.requests.div_ceil(clients);

    // Reads.
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let url = schedule_url.clone();
        let token = token.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let sent = Instant::now();
                let response = client.get(&url).bearer_auth(&token).send().await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "read: {}",
                    response.status()
                );
                response.bytes().await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut reads = Vec::new();
    for handle in handles {
        reads.extend(handle.await??);
    }
    let read_time = started.elapsed();

    // Updates: each one a new duration, re-scheduling the project.
    let started = Instant::now();
    let mut handles = Vec::new();
    for client_index in 0..clients {
        let client = client.clone();
        let token = token.clone();
        let mine: Vec<(i64, i64)> = leaves
            .iter()
            .copied()
            .skip(client_index)
            .step_by(clients)
            .collect();
        let base = format!("{base}/projects/{project}/tasks");
        handles.push(tokio::spawn(async move {
            let mut versions = mine.clone();
            let mut latencies = Vec::with_capacity(per_client);
            for request in 0..per_client {
                let slot = request % versions.len();
                let (task, version) = versions[slot];
                let minutes = 480 * (1 + (request % 5) as i64);
                let sent = Instant::now();
                let response = client
                    .patch(format!("{base}/{task}"))
                    .bearer_auth(&token)
                    .json(&json!({ "version": version, "duration_minutes": minutes }))
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "update: {}",
                    response.status()
                );
                let answer: Value = response.json().await?;
                latencies.push(sent.elapsed());
                versions[slot].1 = answer["task"]["version"].as_i64().unwrap_or(version + 1);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut updates = Vec::new();
    for handle in handles {
        updates.extend(handle.await??);
    }
    let update_time = started.elapsed();

    server.stop().await?;
    let _ = store.delete_project(project).await;
    store.close().await;
    Ok(vec![
        figures(backend, "read schedule", reads, read_time),
        figures(backend, "update task", updates, update_time),
    ])
}
