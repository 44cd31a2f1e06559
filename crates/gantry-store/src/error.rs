//! What can go wrong in the store, in words a person (and the HTTP layer's status table) can use.

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or is not in the project named).
    #[error("{entity} {id} does not exist")]
    NotFound {
        /// "project", "task", "user", …
        entity: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// The row changed since the client read it: the write is refused, nothing is overwritten.
    #[error(
        "{entity} {id} was changed by someone else (version {current}, the edit was made on version {expected}); reload and try again"
    )]
    Conflict {
        /// "task", "link", …
        entity: &'static str,
        /// The row.
        id: i64,
        /// The version the edit was based on.
        expected: i64,
        /// The version stored now.
        current: i64,
    },
    /// A unique name is taken (a username, a task key in a project).
    #[error("{what} \"{value}\" is already taken")]
    Duplicate {
        /// "username", "task key", …
        what: &'static str,
        /// The value that clashes.
        value: String,
    },
    /// The edit would leave a plan that cannot be scheduled (a dependency loop, a link to a
    /// summary's own subtask, …). Nothing was stored.
    #[error("{message}")]
    Invalid {
        /// The field or part of the edit at fault, when there is one ("duration", "links").
        field: Option<&'static str>,
        /// What is wrong, naming the tasks involved.
        message: String,
        /// The keys of the tasks involved (a loop in loop order).
        tasks: Vec<String>,
    },
    /// Stored data that this version of Gantry cannot read (a hand-edited database).
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// The database failed or refused.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the schema failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn invalid(field: Option<&'static str>, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field,
            message: message.into(),
            tasks: Vec::new(),
        }
    }
}

/// The store's `Result`.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
