//! Status reports marked as sent: when a project manager sends the status report to the
//! stakeholders, the next report lists the changes approved since.

use sqlx::Row;

use crate::store::now;
use crate::{Result, Store};

/// A status report marked as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct SentReport {
    /// Row id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// Who sent it.
    pub sent_by: i64,
    /// Their username.
    pub sent_by_name: String,
    /// When (RFC 3339, UTC).
    pub sent_at: String,
}

impl Store {
    /// Records that the project's status report was sent now by `user_id`.
    pub async fn mark_report_sent(&self, project_id: i64, user_id: i64) -> Result<SentReport> {
        // A missing project is a NotFound, not a foreign-key failure.
        self.project_version(project_id).await?;
        sqlx::query(
            "INSERT INTO status_reports (project_id, sent_by, sent_at) VALUES ($1, $2, $3)",
        )
        .bind(project_id)
        .bind(user_id)
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.last_report_sent(project_id)
            .await?
            .ok_or(crate::StoreError::NotFound {
                entity: "status report",
                id: project_id,
            })
    }

    /// The last status report of the project marked as sent, if any.
    pub async fn last_report_sent(&self, project_id: i64) -> Result<Option<SentReport>> {
        let row = sqlx::query(
            "SELECT s.id, s.project_id, s.sent_by, u.username AS sent_by_name, s.sent_at \
             FROM status_reports s JOIN users u ON u.id = s.sent_by \
             WHERE s.project_id = $1 ORDER BY s.id DESC LIMIT 1",
        )
        .bind(project_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SentReport {
                id: row.try_get("id")?,
                project_id: row.try_get("project_id")?,
                sent_by: row.try_get("sent_by")?,
                sent_by_name: row.try_get("sent_by_name")?,
                sent_at: row.try_get("sent_at")?,
            })
        })
        .transpose()
    }
}
