//! A project's Kanban board: the columns its cards (the leaf tasks) are sorted into by percent
//! complete, with an optional work-in-progress limit each. A project that never configured its
//! board has the default three: to do, in progress, done.

use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::history::{self, FieldChange, Record};
use crate::store::Store;

/// The most columns a board may have.
pub const MAX_BOARD_COLUMNS: usize = 12;

/// The longest column name, in characters.
const MAX_COLUMN_NAME: usize = 40;

/// One column of a board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardColumn {
    /// What the column is called ("To do", "Review").
    pub name: String,
    /// The percent complete a card gets when it is dropped here; a card sits in the last column
    /// whose percent is at most its task's percent complete.
    pub percent: u8,
    /// At most this many cards should be here; `None` for no limit.
    pub wip_limit: Option<u32>,
}

impl BoardColumn {
    /// The columns of a board nobody configured: to do (0 %), in progress (anything started; a
    /// card dropped there gets 10 %: started, not claimed half done) and done (100 %).
    pub fn defaults() -> Vec<BoardColumn> {
        [("To do", 0), ("In progress", 10), ("Done", 100)]
            .into_iter()
            .map(|(name, percent)| BoardColumn {
                name: name.to_string(),
                percent,
                wip_limit: None,
            })
            .collect()
    }
}

/// A project's board as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Board {
    /// Raised by every change to the columns; 0 while the board has never been configured.
    pub version: i64,
    /// Whether the project chose its own columns (else they are [`BoardColumn::defaults`]).
    pub custom: bool,
    /// The columns, left to right.
    pub columns: Vec<BoardColumn>,
}

impl Board {
    /// The index of the column a task with `percent_complete` sits in: the last column whose
    /// percent is at most the task's (the first column for a task below every column), except
    /// that a started task (above 0 %) is never in a 0 % column that has a column after it: it
    /// is in that next one. So the default board puts 0 % in to do, anything between in
    /// progress, 100 % in done.
    pub fn column_of(&self, percent_complete: f64) -> usize {
        let found = self
            .columns
            .iter()
            .rposition(|column| f64::from(column.percent) <= percent_complete)
            .unwrap_or(0);
        let not_started = self
            .columns
            .get(found)
            .is_some_and(|column| column.percent == 0);
        if not_started && percent_complete > 0.0 && found + 1 < self.columns.len() {
            found + 1
        } else {
            found
        }
    }
}

/// What is wrong with a board's columns: which column (when one is at fault), which of its
/// fields, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardColumnError {
    /// The column at fault, counted from 0 (none when the list as a whole is wrong).
    pub column: Option<usize>,
    /// "name", "percent", "wip_limit" or "columns".
    pub field: &'static str,
    /// Why, in words.
    pub message: String,
}

impl From<BoardColumnError> for StoreError {
    fn from(error: BoardColumnError) -> StoreError {
        StoreError::invalid(Some(error.field), error.message)
    }
}

/// Checks a board's columns: 1 to [`MAX_BOARD_COLUMNS`] of them, each with a name (unique, at
/// most 40 characters), percents from 0 to 100 that rise strictly from left to right, and WIP
/// limits of at least 1.
pub fn check_board_columns(columns: &[BoardColumn]) -> Result<(), BoardColumnError> {
    if columns.is_empty() || columns.len() > MAX_BOARD_COLUMNS {
        return Err(BoardColumnError {
            column: None,
            field: "columns",
            message: format!(
                "a board has 1 to {MAX_BOARD_COLUMNS} columns, not {}",
                columns.len()
            ),
        });
    }
    for (index, column) in columns.iter().enumerate() {
        let fault = |field, message: String| BoardColumnError {
            column: Some(index),
            field,
            message,
        };
        let name = column.name.trim();
        if name.is_empty() {
            return Err(fault("name", "a column needs a name".into()));
        }
        if name.chars().count() > MAX_COLUMN_NAME {
            return Err(fault(
                "name",
                format!("a column name has at most {MAX_COLUMN_NAME} characters"),
            ));
        }
        if columns[..index]
            .iter()
            .any(|before| before.name.trim().eq_ignore_ascii_case(name))
        {
            return Err(fault(
                "name",
                format!("another column is already called \"{name}\""),
            ));
        }
        if column.percent > 100 {
            return Err(fault(
                "percent",
                format!("percent complete is from 0 to 100, not {}", column.percent),
            ));
        }
        if let Some(before) = index.checked_sub(1).map(|before| &columns[before])
            && column.percent <= before.percent
        {
            return Err(fault(
                "percent",
                format!(
                    "must be more than the {} % of \"{}\" to its left: a card's percent complete says which column it is in",
                    before.percent,
                    before.name.trim()
                ),
            ));
        }
        if column.wip_limit == Some(0) {
            return Err(fault(
                "wip_limit",
                "a WIP limit is at least 1 (leave it empty for none)".into(),
            ));
        }
    }
    Ok(())
}

/// The columns in words, for the history: "To do 0 %, Doing 10 % (WIP 3), Done 100 %".
fn summary(columns: &[BoardColumn]) -> String {
    columns
        .iter()
        .map(|column| match column.wip_limit {
            Some(limit) => format!("{} {} % (WIP {limit})", column.name, column.percent),
            None => format!("{} {} %", column.name, column.percent),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// A project's board: its own columns, or the defaults when it has none.
    pub async fn board(&self, project_id: i64) -> Result<Board> {
        let mut connection = self.pool.acquire().await?;
        read_board(&mut connection, project_id).await
    }

    /// Replaces a project's board columns (an empty list goes back to the defaults), from the
    /// board `version` the editor read; recorded in the history as a change by `user_id`. A
    /// board changed by someone else since is refused as a conflict.
    pub async fn set_board(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        version: i64,
        columns: &[BoardColumn],
    ) -> Result<Board> {
        if !columns.is_empty() {
            check_board_columns(columns)?;
        }
        let columns: Vec<BoardColumn> = columns
            .iter()
            .map(|column| BoardColumn {
                name: column.name.trim().to_string(),
                ..column.clone()
            })
            .collect();
        let _turn = self.writer_turn().await;
        let mut transaction = self.pool.begin().await?;
        let exists = sqlx::query("SELECT id FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_optional(&mut *transaction)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                entity: "project",
                id: project_id,
            });
        }
        let before = read_board(&mut transaction, project_id).await?;
        // The version check and the raise in one statement, so that of two editors racing on
        // PostgreSQL exactly one wins.
        let claimed = if version == 0 {
            sqlx::query(
                "INSERT INTO boards (project_id, version) VALUES ($1, 1) \
                 ON CONFLICT (project_id) DO NOTHING",
            )
            .bind(project_id)
            .execute(&mut *transaction)
            .await?
        } else {
            sqlx::query(
                "UPDATE boards SET version = version + 1 WHERE project_id = $1 AND version = $2",
            )
            .bind(project_id)
            .bind(version)
            .execute(&mut *transaction)
            .await?
        };
        if claimed.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "board",
                id: project_id,
                expected: version,
                current: before.version,
            });
        }
        sqlx::query("DELETE FROM board_columns WHERE project_id = $1")
            .bind(project_id)
            .execute(&mut *transaction)
            .await?;
        for (position, column) in columns.iter().enumerate() {
            sqlx::query(
                "INSERT INTO board_columns (project_id, position, name, percent, wip_limit) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(project_id)
            .bind(position as i64)
            .bind(&column.name)
            .bind(i64::from(column.percent))
            .bind(column.wip_limit.map(i64::from))
            .execute(&mut *transaction)
            .await?;
        }
        let after = read_board(&mut transaction, project_id).await?;
        history::write(
            &mut transaction,
            project_id,
            user_id,
            &[Record {
                entity: "board",
                entity_id: project_id,
                action: "update",
                label: "board columns".into(),
                changes: vec![FieldChange {
                    field: "columns".into(),
                    old: Some(summary(&before.columns)),
                    new: Some(summary(&after.columns)),
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        Ok(after)
    }
}

async fn read_board(connection: &mut sqlx::AnyConnection, project_id: i64) -> Result<Board> {
    let version: Option<i64> = sqlx::query("SELECT version FROM boards WHERE project_id = $1")
        .bind(project_id)
        .fetch_optional(&mut *connection)
        .await?
        .map(|row| row.try_get("version"))
        .transpose()?;
    let rows = sqlx::query(
        "SELECT name, percent, wip_limit FROM board_columns WHERE project_id = $1 \
         ORDER BY position",
    )
    .bind(project_id)
    .fetch_all(&mut *connection)
    .await?;
    let columns = rows
        .iter()
        .map(|row| {
            let percent: i64 = row.try_get("percent")?;
            let wip_limit: Option<i64> = row.try_get("wip_limit")?;
            Ok(BoardColumn {
                name: row.try_get("name")?,
                percent: u8::try_from(percent)
                    .map_err(|_| StoreError::Corrupt(format!("board column percent {percent}")))?,
                wip_limit: wip_limit
                    .map(|limit| {
                        u32::try_from(limit).map_err(|_| {
                            StoreError::Corrupt(format!("board column WIP limit {limit}"))
                        })
                    })
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Board {
        version: version.unwrap_or(0),
        custom: !columns.is_empty(),
        columns: if columns.is_empty() {
            BoardColumn::defaults()
        } else {
            columns
        },
    })
}
