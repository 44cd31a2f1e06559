//! Users, login sessions and API tokens. The store keeps password hashes and token hashes that
//! the server computed; it never sees a password or a token in the clear.

use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::store::{Store, get_bool, now};

/// A person who can log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// What people read.
    pub display_name: String,
    /// A global administrator: sees and manages every project and user.
    pub is_admin: bool,
    /// When the account was created (UTC).
    pub created_at: String,
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Unique login name.
    pub username: String,
    /// What people read.
    pub display_name: String,
    /// The password's hash (argon2, computed by the server).
    pub password_hash: String,
    /// A global administrator.
    pub is_admin: bool,
}

/// A login session, found by the hash of its cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Whose session.
    pub user: User,
    /// The token that cookie-authenticated writes must repeat (CSRF protection).
    pub csrf_token: String,
    /// When the session ends (UTC).
    pub expires_at: String,
}

/// An API token (the token itself is shown once, when created; the store keeps its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// Row id.
    pub id: i64,
    /// Whose token.
    pub user_id: i64,
    /// What the user called it ("CI pipeline").
    pub name: String,
    /// When it was created (UTC).
    pub created_at: String,
    /// When it was last used (UTC).
    pub last_used_at: Option<String>,
    /// When it was revoked (UTC); a revoked token no longer authenticates.
    pub revoked_at: Option<String>,
}

const USER_COLUMNS: &str = "id, username, display_name, is_admin, created_at";

fn user_from(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        is_admin: get_bool(row, "is_admin")?,
        created_at: row.try_get("created_at")?,
    })
}

fn token_from(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Whether the database refused a write because a unique value is taken.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.is_unique_violation())
}

impl Store {
    /// Creates a user; a taken username is [`StoreError::Duplicate`].
    pub async fn create_user(&self, user: &NewUser) -> Result<User> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO users (username, display_name, password_hash, is_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}"
        )))
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.is_admin)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::Duplicate {
                    what: "username",
                    value: user.username.clone(),
                }
            } else {
                error.into()
            }
        })?;
        user_from(&row)
    }

    /// The user with this id.
    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { entity: "user", id })?;
        user_from(&row)
    }

    /// The user with this username and the hash of their password, for logging in.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((user_from(&row)?, row.try_get("password_hash")?)))
            .transpose()
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    /// How many users there are (none on a first start).
    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS count FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("count")?)
    }

    /// Replaces a user's password hash and ends their sessions.
    pub async fn set_password_hash(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let _turn = self.writer_turn().await;
        let mut transaction = self.pool.begin().await?;
        let updated =
            sqlx::query("UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                entity: "user",
                id: user_id,
            });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Starts a session for `user_id`, found later by the hash of its cookie.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: jiff::Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now())
        .bind(expires_at.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session with this cookie hash, unless it has expired.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.is_admin, u.created_at, \
             s.csrf_token, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at: String = row.try_get("expires_at")?;
        let expiry: jiff::Timestamp = expires_at.parse().map_err(|error| {
            StoreError::Corrupt(format!("session expiry {expires_at}: {error}"))
        })?;
        if expiry <= jiff::Timestamp::now() {
            return Ok(None);
        }
        Ok(Some(Session {
            user: user_from(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at,
        }))
    }

    /// Ends a session (logout).
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token for `user_id`.
    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<ApiToken> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, user_id, name, created_at, last_used_at, revoked_at",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        token_from(&row)
    }

    /// A user's tokens, newest first, revoked ones included.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from).collect()
    }

    /// Revokes one of `user_id`'s tokens.
    pub async fn revoke_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let updated = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3",
        )
        .bind(now())
        .bind(token_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                entity: "token",
                id: token_id,
            });
        }
        Ok(())
    }

    /// The user a token hash belongs to, unless the token was revoked; records its use.
    ///
    /// The use is recorded at most once a minute: a write on every request would make every
    /// read wait for the database's writer (SQLite has one) and make the clients of one token
    /// queue on its row.
    pub async fn user_for_token(&self, token_hash: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.is_admin, u.created_at, t.id AS token_id, \
             t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let last_used: Option<String> = row.try_get("last_used_at")?;
        let minute_ago = (jiff::Timestamp::now() - jiff::SignedDuration::from_mins(1)).to_string();
        if last_used.is_none_or(|last| last < minute_ago) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now())
                .bind(row.try_get::<i64, _>("token_id")?)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(user_from(&row)?))
    }
}
