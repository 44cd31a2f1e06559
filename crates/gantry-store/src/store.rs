//! Opening the database, applying its migrations, and the transaction every write starts with.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};

use crate::error::{Result, StoreError};
use crate::plan_rows::StoredPlan;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database the store runs on, chosen once when it is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (write-ahead log, one writer at a time).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The store: a pool of connections to one database. Cheap to clone (the pool and the cache are
/// shared).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// The last plan read or written per project. Only ever used after checking, in the same
    /// transaction or query, that the project's version is still the one it was read at: every
    /// change to a plan raises the version, so a plan at the current version is the stored plan,
    /// whichever process wrote it.
    pub(crate) plans: Arc<Mutex<HashMap<i64, Arc<StoredPlan>>>>,
    /// On SQLite, the one writer at a time queues here, first come first served, rather than in
    /// SQLite's busy handler, which sleeps and retries and so gives some writers second-long
    /// waits under load.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// On PostgreSQL, this process's edits of one project queue here before they take the
    /// project's row lock, so that each finds the plan its predecessor cached (a writer that
    /// waited on the row lock instead would often wake before the cache was updated and read
    /// the whole plan again). Other processes still queue on the row lock.
    project_writers: Arc<Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>>,
}

/// A writer's place in this process's queue, held for the whole write transaction (none where
/// the database orders the writers itself).
pub(crate) type WriterTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

impl Store {
    /// Opens the database at `url` (`sqlite://path/to/gantry.db` or `postgres://user@host/db`),
    /// creating a SQLite file if it does not exist, and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::invalid(
                Some("database"),
                format!(
                    "unsupported database URL \"{url}\": use sqlite://path/to/file.db or postgres://user@host/database"
                ),
            ));
        };
        let url = match backend {
            // Create the file on first start; foreign keys and a busy timeout are on by default.
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            backend,
            plans: Arc::default(),
            writer: Arc::default(),
            project_writers: Arc::default(),
        };
        match backend {
            Backend::Sqlite => {
                // Readers do not wait for the writer, and a crash loses no committed write.
                sqlx::query("PRAGMA journal_mode = WAL")
                    .execute(&store.pool)
                    .await?;
                SQLITE_MIGRATIONS.run(&store.pool).await?;
            }
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&store.pool).await?,
        }
        Ok(store)
    }

    /// Opens (creating it if needed) the SQLite database file at `path`.
    pub async fn open_sqlite_file(path: &Path) -> Result<Store> {
        Store::open(&format!("sqlite://{}", path.display())).await
    }

    /// The database the store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for this process's turn to write, on SQLite; PostgreSQL orders writers itself.
    pub(crate) async fn writer_turn(&self) -> WriterTurn {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Waits for this process's turn to write to project `project_id`: the database's turn on
    /// SQLite, the project's on PostgreSQL (where other projects' writers go on meanwhile).
    pub(crate) async fn project_turn(&self, project_id: i64) -> WriterTurn {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => {
                let queue = self
                    .project_writers
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .entry(project_id)
                    .or_default()
                    .clone();
                Some(queue.lock_owned().await)
            }
        }
    }

    /// The cached plan of a project, if it is at `version`.
    pub(crate) fn cached_plan(&self, project_id: i64, version: i64) -> Option<Arc<StoredPlan>> {
        self.plans
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(&project_id)
            .filter(|plan| plan.version == version)
            .cloned()
    }

    /// Remembers a project's plan (keeping the newer of two).
    pub(crate) fn cache_plan(&self, plan: Arc<StoredPlan>) {
        let mut plans = self
            .plans
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let newer = plans
            .get(&plan.project_id)
            .is_none_or(|cached| cached.version <= plan.version);
        if newer {
            plans.insert(plan.project_id, plan);
        }
    }

    /// Forgets a project's plan.
    pub(crate) fn forget_plan(&self, project_id: i64) {
        self.plans
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&project_id);
    }

    /// Closes every connection, waiting for the ones in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The current UTC time as stored: "2026-11-29T10:00:00.123456Z".
pub(crate) fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Reads a boolean column, which SQLite may hand over as an integer.
pub(crate) fn get_bool(row: &sqlx::any::AnyRow, column: &str) -> Result<bool> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

/// Reads a floating-point column, which SQLite may hand over as an integer (a whole number
/// written into a REAL column is still a REAL, but an expression may not be).
pub(crate) fn get_f64(row: &sqlx::any::AnyRow, column: &str) -> Result<f64> {
    match row.try_get::<f64, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? as f64),
    }
}
