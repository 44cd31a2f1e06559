//! The user's API tokens: listed with when they were made and last used, created (the secret
//! is shown once, right after) and revoked.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_store::{Session, StoreError};
use serde::Deserialize;

use super::history::moment;
use super::{PageSession, csrf_refusal, error_page, redirect, render};
use crate::AppState;
use crate::auth::{random_secret, secret_hash};

/// A token as listed.
struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    user_name: String,
    csrf_token: String,
    tokens: Vec<TokenRow>,
    /// The name and secret of the token just created: shown this once.
    created: Option<(String, String)>,
    /// What was typed in the name field, and why it was refused.
    name: String,
    error: Option<String>,
}

fn server_failed(error: &StoreError) -> Response {
    tracing::error!(%error, "a store call failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server failed; the details are in its log.",
    )
}

async fn tokens_page(
    state: &AppState,
    session: Session,
    created: Option<(String, String)>,
    name: String,
    error: Option<String>,
) -> Response {
    let tokens = match state.store().tokens(session.user.id).await {
        Ok(tokens) => tokens,
        Err(error) => return server_failed(&error),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = TokensPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        tokens: tokens
            .into_iter()
            .map(|token| TokenRow {
                id: token.id,
                name: token.name,
                created: moment(&token.created_at),
                last_used: token.last_used_at.as_deref().map(moment),
                revoked: token.revoked_at.as_deref().map(moment),
            })
            .collect(),
        created,
        name,
        error,
    };
    (status, render(&page)).into_response()
}

/// `GET /account/tokens`: the user's API tokens.
pub async fn tokens(State(state): State<AppState>, PageSession(session): PageSession) -> Response {
    tokens_page(&state, session, None, String::new(), None).await
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct CreateTokenForm {
    csrf_token: Option<String>,
    name: String,
}

/// `POST /account/tokens`: creates a token and shows its secret, this once.
pub async fn create_token(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    headers: HeaderMap,
    Form(form): Form<CreateTokenForm>,
) -> Response {
    if let Some(response) = csrf_refusal(&session, &headers, form.csrf_token.as_deref()) {
        return response;
    }
    let name = form.name.trim();
    if name.is_empty() || name.len() > 200 {
        let error = "A token needs a name of 1 to 200 characters (\"CI pipeline\").".to_string();
        return tokens_page(&state, session, None, form.name.clone(), Some(error)).await;
    }
    // The same secret and hash as the JSON API's tokens.
    let secret = format!("gantry_{}", random_secret());
    match state
        .store()
        .create_token(session.user.id, name, &secret_hash(&secret))
        .await
    {
        Ok(stored) => {
            tokens_page(
                &state,
                session,
                Some((stored.name, secret)),
                String::new(),
                None,
            )
            .await
        }
        Err(error) => server_failed(&error),
    }
}

/// A form that carries only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
}

/// `POST /account/tokens/{id}/revoke`: revokes one of the user's tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    if let Some(response) = csrf_refusal(&session, &headers, form.csrf_token.as_deref()) {
        return response;
    }
    match state.store().revoke_token(session.user.id, id).await {
        Ok(()) => redirect("/account/tokens"),
        Err(StoreError::NotFound { .. }) => {
            error_page(StatusCode::NOT_FOUND, "You have no such token.")
        }
        Err(error) => server_failed(&error),
    }
}
