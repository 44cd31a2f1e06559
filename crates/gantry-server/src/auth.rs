//! Who is asking: login sessions (a cookie, with a CSRF token for writes), API tokens (Bearer),
//! password hashing (argon2) and a login rate limit. Also the handlers under `/api/v1/auth` and
//! `/api/v1/tokens`.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_store::User;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gantry_session";
/// The header a cookie-authenticated write repeats the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Login attempts allowed per username (and per client address) in [`LOGIN_WINDOW`].
const LOGIN_ATTEMPTS: usize = 10;
const LOGIN_WINDOW: Duration = Duration::from_secs(60);

/// A fresh random secret: 32 bytes as hex.
pub(crate) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

/// What the store keeps of a session cookie or an API token: its SHA-256. (They are random and
/// long, so a fast hash is enough; passwords get argon2.)
pub(crate) fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An argon2id hash of `password` in PHC form, computed off the async threads.
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::PasswordHasher as _;
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(|error| {
        tracing::error!(%error, "hashing a password");
        ApiError::Internal
    })
}

/// Whether `password` matches the stored `hash`.
async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::PasswordVerifier as _;
        argon2::password_hash::phc::PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// The user a request comes from, and how they proved it.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    /// The user.
    pub user: User,
    /// The session cookie's hash, when the request came with one (for logout).
    pub session: Option<String>,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<CurrentUser> {
        let store = state.store();
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthenticated)?;
            let user = store
                .user_for_token(&secret_hash(token.trim()))
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            return Ok(CurrentUser {
                user,
                session: None,
            });
        }
        let cookie = session_cookie(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let hash = secret_hash(&cookie);
        let session = store
            .session(&hash)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        // A browser sends the cookie with any request, even one another site makes it send: a
        // write must also show the CSRF token, which only our pages (and the login answer) know.
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|value| value.to_str().ok());
            if sent != Some(session.csrf_token.as_str()) {
                return Err(ApiError::CsrfFailed);
            }
        }
        Ok(CurrentUser {
            user: session.user,
            session: Some(hash),
        })
    }
}

pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Counts login attempts per key in a sliding window.
#[derive(Debug, Default)]
pub(crate) struct LoginLimiter {
    attempts: std::sync::Mutex<std::collections::HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// Records an attempt for `key`; false when the key has used up its attempts.
    fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut attempts = self
            .attempts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        // Forget keys whose attempts are all old, so that the map does not grow without bound.
        if attempts.len() > 10_000 {
            attempts.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < LOGIN_WINDOW));
        }
        let times = attempts.entry(key.to_string()).or_default();
        times.retain(|t| now.duration_since(*t) < LOGIN_WINDOW);
        if times.len() >= LOGIN_ATTEMPTS {
            return false;
        }
        times.push(now);
        true
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A logged-in user, with the token their writes must repeat in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The user.
    pub user: UserWire,
    /// Repeat in the `X-CSRF-Token` header of every write made with the session cookie.
    pub csrf_token: String,
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserWire {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// A global administrator.
    pub is_admin: bool,
}

impl From<&User> for UserWire {
    fn from(user: &User) -> UserWire {
        UserWire {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            is_admin: user.is_admin,
        }
    }
}

/// Checks a username and password (rate-limited per username, in the same time whether or
/// not the user exists) and opens a session: the user, the session's CSRF token and the
/// `Set-Cookie` value. Shared by the API's login and the login page.
pub(crate) async fn start_session(
    state: &AppState,
    username: &str,
    password: String,
) -> ApiResult<(User, String, String)> {
    if !state.login_limiter().allow(username) {
        return Err(ApiError::RateLimited);
    }
    let found = state.store().user_for_login(username).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, DUMMY_HASH.to_string()),
    };
    let matches = verify_password(password, hash).await;
    let Some(user) = user.filter(|_| matches) else {
        return Err(ApiError::Unauthenticated);
    };
    let secret = random_secret();
    let csrf_token = random_secret();
    let hours = state.config().session_hours;
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours);
    state
        .store()
        .create_session(&secret_hash(&secret), user.id, &csrf_token, expires)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        hours * 3600,
        if state.config().secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    Ok((user, csrf_token, cookie))
}

/// Logs in: sets the session cookie and returns the CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    payload: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(request) = payload?;
    let (user, csrf_token, cookie) =
        start_session(&state, &request.username, request.password).await?;
    let mut response = Json(LoginResponse {
        user: UserWire::from(&user),
        csrf_token,
    })
    .into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::Internal)?,
    );
    Ok(response)
}

/// A valid argon2 hash of a random password, checked against when the username does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jbh5g3OmDhcHtqs0TDE7sC6Cq3GyDP8cdQHtKkHSbOU";

/// Logs out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out")))]
pub async fn logout(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    if let Some(session) = &current.session {
        state.store().delete_session(session).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("gantry_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "Success", body = UserWire), (status = 401, description = "Not logged in", body = ErrorBody)))]
pub async fn me(current: CurrentUser) -> Json<UserWire> {
    Json(UserWire::from(&current.user))
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What the token is for ("CI pipeline").
    pub name: String,
}

/// An API token as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenWire {
    /// Row id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it was created (UTC).
    pub created_at: String,
    /// When it was last used (UTC).
    pub last_used_at: Option<String>,
    /// When it was revoked (UTC).
    pub revoked_at: Option<String>,
}

/// A new API token: `token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// Row id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Send as `Authorization: Bearer <token>`. Not shown again.
    pub token: String,
}

/// Creates an API token for the logged-in user.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth",
    request_body = CreateTokenRequest,
    responses((status = 201, description = "Created", body = CreatedToken), (status = 401, description = "Not logged in", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    current: CurrentUser,
    payload: Result<Json<CreateTokenRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let Json(request) = payload?;
    let name = request.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::field(
            "name",
            "a token needs a name of 1 to 200 characters",
        ));
    }
    let token = format!("gantry_{}", random_secret());
    let stored = state
        .store()
        .create_token(current.user.id, name, &secret_hash(&token))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: stored.id,
            name: stored.name,
            token,
        }),
    ))
}

/// The logged-in user's tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth",
    responses((status = 200, description = "Success", body = [TokenWire]), (status = 401, description = "Not logged in", body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<TokenWire>>> {
    let tokens = state.store().tokens(current.user.id).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|token| TokenWire {
                id: token.id,
                name: token.name,
                created_at: token.created_at,
                last_used_at: token.last_used_at,
                revoked_at: token.revoked_at,
            })
            .collect(),
    ))
}

/// Revokes one of the logged-in user's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Done; nothing to return"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store().revoke_token(current.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
