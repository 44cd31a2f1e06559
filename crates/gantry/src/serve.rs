//! `gantry serve` and `gantry user`: open the store, create the first administrator, load the
//! demo portfolio, and run the server until SIGTERM or Ctrl-C.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use gantry_server::{AppState, ServerConfig, hash_password};
use gantry_store::{NewUser, Store};

/// Where the data lives: `--database` or a SQLite file in `--data-dir`.
#[derive(Args, Debug)]
pub struct StoreArgs {
    /// A database URL: postgres://user@host/database, or sqlite://path/to/file.db. Default: the
    /// SQLite file gantry.db in the data folder.
    #[arg(long, env = "GANTRY_DATABASE_URL")]
    database: Option<String>,
    /// The data folder (created if missing).
    #[arg(long, default_value = "gantry-data", env = "GANTRY_DATA_DIR")]
    data_dir: PathBuf,
}

impl StoreArgs {
    async fn open(&self) -> anyhow::Result<Store> {
        match &self.database {
            Some(url) => Store::open(url)
                .await
                .with_context(|| format!("opening the database {}", redact(url))),
            None => {
                std::fs::create_dir_all(&self.data_dir).with_context(|| {
                    format!("creating the data folder {}", self.data_dir.display())
                })?;
                let file = self.data_dir.join("gantry.db");
                Store::open_sqlite_file(&file)
                    .await
                    .with_context(|| format!("opening {}", file.display()))
            }
        }
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `gantry serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Load the example portfolio (three IT projects) when the database has no projects yet.
    #[arg(long)]
    demo: bool,
    /// Log lines as text for people, or as one JSON object per line for log collectors.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "GANTRY_LOG_FORMAT")]
    log_format: LogFormat,
}

/// How `gantry serve` writes its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `gantry user`.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password comes from GANTRY_PASSWORD, or is generated and printed.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// The login name.
        username: String,
        /// The name people read (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// List the users.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set a user's password from GANTRY_PASSWORD (or a generated one, printed), ending their
    /// sessions.
    Passwd {
        #[command(flatten)]
        store: StoreArgs,
        /// The login name.
        username: String,
    },
}

/// The demo portfolio, built into the binary so that `gantry serve --demo` works anywhere.
pub(crate) const DEMO_PLANS: [(&str, &str); 3] = [
    (
        "crm-rollout.toml",
        include_str!("../../../examples/crm-rollout.toml"),
    ),
    (
        "datacentre-migration.toml",
        include_str!("../../../examples/datacentre-migration.toml"),
    ),
    (
        "network-refresh.toml",
        include_str!("../../../examples/network-refresh.toml"),
    ),
];

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// A readable random password: 12 characters from 55 that cannot be mistaken for each other.
fn generated_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no random source: {error}"))?;
    Ok(bytes
        .iter()
        .map(|byte| {
            const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            ALPHABET[*byte as usize % ALPHABET.len()] as char
        })
        .collect())
}

/// The password in the environment variable `variable`, or a generated one (and `true`: the
/// caller prints it once).
fn password_from(variable: &str) -> anyhow::Result<(String, bool)> {
    match std::env::var(variable) {
        Ok(password) if !password.is_empty() => Ok((password, false)),
        _ => Ok((generated_password()?, true)),
    }
}

/// On a first start (no users), creates the administrator `admin`.
async fn first_admin(store: &Store) -> anyhow::Result<i64> {
    if store.user_count().await? > 0 {
        let users = store.users().await?;
        return Ok(users
            .iter()
            .find(|user| user.is_admin)
            .or(users.first())
            .map(|user| user.id)
            .unwrap_or(0));
    }
    let (password, generated) = password_from("GANTRY_ADMIN_PASSWORD")?;
    let user = store
        .create_user(&NewUser {
            username: "admin".into(),
            display_name: "Administrator".into(),
            password_hash: hash_password(password.clone())
                .await
                .map_err(|_| anyhow::anyhow!("hashing the administrator's password"))?,
            is_admin: true,
        })
        .await?;
    if generated {
        println!("Created the administrator: username admin, password {password}");
        println!("(shown once; set GANTRY_ADMIN_PASSWORD to choose it)");
    } else {
        println!("Created the administrator admin with the password in GANTRY_ADMIN_PASSWORD");
    }
    Ok(user.id)
}

async fn load_demo(store: &Store, owner: i64) -> anyhow::Result<()> {
    if !store.projects_for(owner, true).await?.is_empty() {
        return Ok(());
    }
    for (name, text) in DEMO_PLANS {
        let plan = gantry_formats::parse_plan(name, text)
            .map_err(|errors| anyhow::anyhow!("{errors}"))?
            .plan;
        store
            .create_project(&plan, owner)
            .await
            .with_context(|| format!("loading the demo project {name}"))?;
    }
    tracing::info!(projects = DEMO_PLANS.len(), "loaded the demo portfolio");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Runs `gantry serve`.
pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GANTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    match args.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_env_filter(filter)
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
    }
    runtime()?.block_on(async {
        let store = args.store.open().await?;
        let admin = first_admin(&store).await?;
        if args.demo {
            load_demo(&store, admin).await?;
        }
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("listening on {}", args.bind))?;
        let address = listener.local_addr()?;
        let config = ServerConfig {
            // Browsers reach a loopback server over plain HTTP, where a Secure cookie is dropped.
            secure_cookies: !address.ip().is_loopback(),
            ..ServerConfig::default()
        };
        println!("Gantry is listening on http://{address}/ (API under /api/v1)");
        let _ = std::io::stdout().flush();
        tracing::info!(%address, backend = ?store.backend(), "listening");
        gantry_server::serve(
            listener,
            AppState::new(store.clone(), config),
            shutdown_signal(),
        )
        .await
        .context("serving")?;
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Runs `gantry user …`.
pub fn user(command: UserCommand, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        match command {
            UserCommand::Add {
                store,
                username,
                name,
                admin,
            } => {
                let store = store.open().await?;
                let (password, generated) = password_from("GANTRY_PASSWORD")?;
                let user = store
                    .create_user(&NewUser {
                        display_name: name.unwrap_or_else(|| username.clone()),
                        username,
                        password_hash: hash_password(password.clone())
                            .await
                            .map_err(|_| anyhow::anyhow!("hashing the password"))?,
                        is_admin: admin,
                    })
                    .await?;
                writeln!(out, "added {} (id {})", user.username, user.id)?;
                if generated {
                    writeln!(out, "password: {password}")?;
                }
            }
            UserCommand::List { store } => {
                let store = store.open().await?;
                for user in store.users().await? {
                    writeln!(
                        out,
                        "{:<20} {:<30} {}",
                        user.username,
                        user.display_name,
                        if user.is_admin { "admin" } else { "" }
                    )?;
                }
            }
            UserCommand::Passwd { store, username } => {
                let store = store.open().await?;
                let Some((user, _)) = store.user_for_login(&username).await? else {
                    anyhow::bail!("no user {username}");
                };
                let (password, generated) = password_from("GANTRY_PASSWORD")?;
                store
                    .set_password_hash(
                        user.id,
                        &hash_password(password.clone())
                            .await
                            .map_err(|_| anyhow::anyhow!("hashing the password"))?,
                    )
                    .await?;
                writeln!(out, "changed the password of {username}")?;
                if generated {
                    writeln!(out, "password: {password}")?;
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
