//! Comments on a project or one of its tasks: the conversation beside the plan.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::history::{self, FieldChange, Record};
use crate::store::{Store, now};

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Row id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The task it is about, if any.
    pub task_id: Option<i64>,
    /// Who wrote it.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// The text.
    pub body: String,
    /// When it was written (UTC).
    pub created_at: String,
}

fn comment_from(row: &AnyRow) -> Result<Comment> {
    Ok(Comment {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        task_id: row.try_get("task_id")?,
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Adds a comment by `user_id` on a project, or on one of its tasks; recorded in the
    /// history.
    pub async fn add_comment(
        &self,
        project_id: i64,
        task_id: Option<i64>,
        user_id: i64,
        body: &str,
    ) -> Result<Comment> {
        let body = body.trim();
        if body.is_empty() || body.len() > 20_000 {
            return Err(StoreError::invalid(
                Some("body"),
                "a comment needs text, at most 20,000 characters",
            ));
        }
        let _turn = self.writer_turn().await;
        let mut transaction = self.pool.begin().await?;
        let label = match task_id {
            Some(task) => {
                sqlx::query("SELECT task_key FROM tasks WHERE id = $1 AND project_id = $2")
                    .bind(task)
                    .bind(project_id)
                    .fetch_optional(&mut *transaction)
                    .await?
                    .ok_or(StoreError::NotFound {
                        entity: "task",
                        id: task,
                    })?
                    .try_get("task_key")?
            }
            None => String::from("project"),
        };
        let row = sqlx::query(
            "INSERT INTO comments (project_id, task_id, user_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(project_id)
        .bind(task_id)
        .bind(user_id)
        .bind(body)
        .bind(now())
        .fetch_one(&mut *transaction)
        .await?;
        let id: i64 = row.try_get("id")?;
        history::write(
            &mut transaction,
            project_id,
            Some(user_id),
            &[Record {
                entity: "comment",
                entity_id: id,
                action: "create",
                label,
                changes: vec![FieldChange {
                    field: "body".into(),
                    old: None,
                    new: Some(body.to_string()),
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        self.comments(project_id, task_id)
            .await?
            .into_iter()
            .find(|comment| comment.id == id)
            .ok_or(StoreError::NotFound {
                entity: "comment",
                id,
            })
    }

    /// The comments of a project (all of them, or those on one task), oldest first.
    pub async fn comments(&self, project_id: i64, task_id: Option<i64>) -> Result<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT c.id, c.project_id, c.task_id, c.user_id, u.username, c.body, c.created_at \
             FROM comments c JOIN users u ON u.id = c.user_id \
             WHERE c.project_id = $1 AND ($2 IS NULL OR c.task_id = $2) ORDER BY c.id",
        )
        .bind(project_id)
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment_from).collect()
    }
}
