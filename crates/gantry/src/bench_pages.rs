//! `gantry bench pages`: the server time of every web page. It starts a real server on
//! 127.0.0.1:0 over a SQLite file with the demo portfolio and a generated project, logs in, and
//! times each page of a demo project and of the generated one, one request at a time (the time
//! from sending the request to the last byte of the answer, on loopback). The first request of
//! each page is reported apart: the first page of a project reads and schedules its plan, which
//! later requests find cached until the plan changes.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use gantry_core::generate::{NetworkShape, random_plan};
use gantry_server::hash_password;
use gantry_store::{NewUser, Store};
use serde_json::{Value, json};

use crate::bench::BenchFormat;
use crate::bench_api::LocalServer;

/// What `gantry bench pages` measures.
#[derive(clap::Args, Debug)]
pub struct PagesBench {
    /// Tasks in the generated project.
    #[arg(long, default_value_t = 10_000)]
    tasks: usize,
    /// Requests of each page (after one untimed request that warms the caches).
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    format: BenchFormat,
}

/// The pages of a project, after `/projects/{id}`.
const PROJECT_PAGES: [&str; 7] = [
    "",
    "/tasks",
    "/gantt",
    "/board",
    "/workload",
    "/history",
    "/settings",
];

/// The server time of one page.
struct Figures {
    project: String,
    page: String,
    status: u16,
    bytes: usize,
    /// The first request of the page, which may read and schedule the plan.
    first_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn quantile(sorted: &[Duration], quantile: f64) -> f64 {
    let index = ((sorted.len() as f64 * quantile).ceil() as usize).saturating_sub(1);
    sorted
        .get(index.min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
}

/// Runs the bench.
pub fn run(bench: PagesBench, out: &mut impl Write) -> anyhow::Result<ExitCode> {
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
    let folder = std::env::temp_dir().join(format!(
        "gantry-bench-pages-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&folder).context("creating a temporary folder")?;
    let results = runtime.block_on(measure(&folder, &bench));
    let _ = std::fs::remove_dir_all(&folder);
    let results = results?;
    let failed = results.iter().filter(|figure| figure.status != 200).count();
    match bench.format {
        BenchFormat::Table => {
            writeln!(
                out,
                "Server time per page (loopback, one request at a time, {} requests each)",
                bench.requests
            )?;
            writeln!(
                out,
                "{:<34} {:<10} {:>6} {:>10} {:>9} {:>8} {:>8} {:>8}",
                "project", "page", "status", "bytes", "first ms", "p50 ms", "p99 ms", "max ms"
            )?;
            for figure in &results {
                writeln!(
                    out,
                    "{:<34} {:<10} {:>6} {:>10} {:>9.2} {:>8.2} {:>8.2} {:>8.2}",
                    figure.project,
                    figure.page,
                    figure.status,
                    figure.bytes,
                    figure.first_ms,
                    figure.p50_ms,
                    figure.p99_ms,
                    figure.max_ms
                )?;
            }
        }
        BenchFormat::Json => {
            let rows: Vec<Value> = results
                .iter()
                .map(|figure| {
                    json!({
                        "project": figure.project,
                        "page": figure.page,
                        "status": figure.status,
                        "bytes": figure.bytes,
                        "first_ms": figure.first_ms,
                        "p50_ms": figure.p50_ms,
                        "p99_ms": figure.p99_ms,
                        "max_ms": figure.max_ms,
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                json!({ "tasks": bench.tasks, "requests": bench.requests, "results": rows })
            )?;
        }
    }
    if failed > 0 {
        writeln!(out, "{failed} page(s) did not answer 200")?;
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn measure(folder: &std::path::Path, bench: &PagesBench) -> anyhow::Result<Vec<Figures>> {
    let store = Store::open_sqlite_file(&folder.join("bench.db")).await?;
    let password = "bench-password".to_string();
    let user = store
        .create_user(&NewUser {
            username: "bench".into(),
            display_name: "Benchmark".into(),
            password_hash: hash_password(password.clone())
                .await
                .map_err(|_| anyhow::anyhow!("hashing"))?,
            is_admin: false,
        })
        .await?;
    let mut projects = Vec::new();
    let (name, text) = crate::serve::DEMO_PLANS[0];
    let demo = gantry_formats::parse_plan(name, text)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?
        .plan;
    let demo_id = store.create_project(&demo, user.id).await?.project_id;
    projects.push((demo.name.clone(), demo_id));
    let generated = random_plan(&NetworkShape::benchmark(bench.tasks, 1));
    let generated_id = store.create_project(&generated, user.id).await?.project_id;
    projects.push((format!("generated, {} tasks", bench.tasks), generated_id));

    let server = LocalServer::start(&store).await?;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let (cookie, _) = server.login(&client, "bench", &password).await?;

    let mut pages = vec![("portfolio".to_string(), "/".to_string(), "/".to_string())];
    for (project, id) in &projects {
        for page in PROJECT_PAGES {
            let label = if page.is_empty() {
                "overview"
            } else {
                &page[1..]
            };
            pages.push((
                project.clone(),
                label.to_string(),
                format!("/projects/{id}{page}"),
            ));
        }
    }
    let mut results = Vec::new();
    for (project, page, path) in pages {
        let url = format!("{base}{path}");
        let mut latencies = Vec::with_capacity(bench.requests);
        let mut status = 0;
        let mut bytes = 0;
        let mut first_ms = 0.0;
        for request in 0..=bench.requests {
            let sent = Instant::now();
            let response = client.get(&url).header("cookie", &cookie).send().await?;
            status = response.status().as_u16();
            bytes = response.bytes().await?.len();
            if request == 0 {
                first_ms = sent.elapsed().as_secs_f64() * 1000.0;
            } else {
                latencies.push(sent.elapsed());
            }
        }
        latencies.sort();
        results.push(Figures {
            project,
            page,
            status,
            bytes,
            first_ms,
            p50_ms: quantile(&latencies, 0.50),
            p99_ms: quantile(&latencies, 0.99),
            max_ms: quantile(&latencies, 1.0),
        });
    }
    server.stop().await?;
    store.close().await;
    Ok(results)
}
