//! The history of a project: who changed what and when, with the old and new values.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::store::{Store, now};

/// One field of a row that an edit changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The column ("name", "duration_minutes", "parent_id").
    pub field: String,
    /// The value before, as text; `None` for a new row.
    pub old: Option<String>,
    /// The value after, as text; `None` for a deleted row.
    pub new: Option<String>,
}

/// One change to one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Row id; entries are listed newest first.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// Who made the change (`None` for the system, or a deleted user).
    pub user_id: Option<i64>,
    /// Their username, when known.
    pub username: Option<String>,
    /// When (UTC).
    pub at: String,
    /// What kind of row: "project", "task", "link", "assignment", "member", "comment".
    pub entity: String,
    /// The row's id.
    pub entity_id: i64,
    /// "create", "update" or "delete".
    pub action: String,
    /// What people call the row: a task's key, "design → build".
    pub label: String,
    /// The fields that changed.
    pub changes: Vec<FieldChange>,
}

/// A history entry about to be written.
pub(crate) struct Record {
    pub entity: &'static str,
    pub entity_id: i64,
    pub action: &'static str,
    pub label: String,
    pub changes: Vec<FieldChange>,
}

pub(crate) async fn write(
    connection: &mut AnyConnection,
    project_id: i64,
    user_id: Option<i64>,
    records: &[Record],
) -> Result<()> {
    let at = now();
    for record in records {
        let changes = serde_json::to_string(&record.changes)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        sqlx::query(
            "INSERT INTO history (project_id, user_id, at, entity, entity_id, action, label, changes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(project_id)
        .bind(user_id)
        .bind(&at)
        .bind(record.entity)
        .bind(record.entity_id)
        .bind(record.action)
        .bind(&record.label)
        .bind(changes)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

impl Store {
    /// A page of a project's history, newest first: at most `limit` entries older than the
    /// entry `before` (all from the newest when `None`).
    pub async fn history(
        &self,
        project_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT h.id, h.project_id, h.user_id, u.username, h.at, h.entity, h.entity_id, \
             h.action, h.label, h.changes \
             FROM history h LEFT JOIN users u ON u.id = h.user_id \
             WHERE h.project_id = $1 AND h.id < $2 ORDER BY h.id DESC LIMIT $3",
        )
        .bind(project_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let changes: String = row.try_get("changes")?;
                Ok(HistoryEntry {
                    id: row.try_get("id")?,
                    project_id: row.try_get("project_id")?,
                    user_id: row.try_get("user_id")?,
                    username: row.try_get("username")?,
                    at: row.try_get("at")?,
                    entity: row.try_get("entity")?,
                    entity_id: row.try_get("entity_id")?,
                    action: row.try_get("action")?,
                    label: row.try_get("label")?,
                    changes: serde_json::from_str(&changes).map_err(|error| {
                        StoreError::Corrupt(format!("history changes: {error}"))
                    })?,
                })
            })
            .collect()
    }
}
