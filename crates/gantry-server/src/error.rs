//! One error type for every handler: each variant has a stable code and an HTTP status from one
//! table, and answers `{"error":{"code","message","details"}}`. Server faults are logged and
//! answered without their internals.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gantry_store::StoreError;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// What every error answers: `{"error":{"code","message","details"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's stable code, its message in words, and what it concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: malformed_request, unauthenticated, forbidden, csrf_failed, not_found, conflict,
    /// duplicate, payload_too_large, invalid_field, invalid_plan, rate_limited, internal.
    pub code: String,
    /// What is wrong, in words.
    pub message: String,
    /// `{"field"}` for invalid_field, `{"tasks"}` for invalid_plan, the row and its versions for
    /// conflict; null otherwise.
    #[schema(value_type = Option<Object>)]
    pub details: Value,
}

/// An error answered to a client.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON, or a query parameter cannot be read.
    Malformed(String),
    /// 401: no valid session cookie or API token.
    Unauthenticated,
    /// 403: logged in, but the role does not allow it.
    Forbidden(String),
    /// 403: a cookie-authenticated write without the session's CSRF token.
    CsrfFailed,
    /// 404: no such thing, or not visible to this user.
    NotFound(String),
    /// 409: the row changed since the client read it.
    Conflict {
        /// What clashed, in words.
        message: String,
        /// The row, and the versions expected and found.
        details: Value,
    },
    /// 409: a unique name is taken.
    Duplicate(String),
    /// 413: the body is larger than the server accepts.
    TooLarge,
    /// 422: a field has a value the server cannot accept; names the field.
    InvalidField {
        /// The field's name as the client sent it.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// 422: the plan would not schedule (a dependency loop, …); names the tasks.
    InvalidPlan {
        /// What is wrong, naming the tasks.
        message: String,
        /// The keys of the tasks involved (a loop in loop order).
        tasks: Vec<String>,
    },
    /// 429: too many login attempts.
    RateLimited,
    /// 500: the server failed; the details are in its log.
    Internal,
}

/// The handlers' `Result`.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The stable code and status of each variant: the table clients rely on.
    fn code_and_status(&self) -> (&'static str, StatusCode) {
        match self {
            ApiError::Malformed(_) => ("malformed_request", StatusCode::BAD_REQUEST),
            ApiError::Unauthenticated => ("unauthenticated", StatusCode::UNAUTHORIZED),
            ApiError::Forbidden(_) => ("forbidden", StatusCode::FORBIDDEN),
            ApiError::CsrfFailed => ("csrf_failed", StatusCode::FORBIDDEN),
            ApiError::NotFound(_) => ("not_found", StatusCode::NOT_FOUND),
            ApiError::Conflict { .. } => ("conflict", StatusCode::CONFLICT),
            ApiError::Duplicate(_) => ("duplicate", StatusCode::CONFLICT),
            ApiError::TooLarge => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            ApiError::InvalidField { .. } => ("invalid_field", StatusCode::UNPROCESSABLE_ENTITY),
            ApiError::InvalidPlan { .. } => ("invalid_plan", StatusCode::UNPROCESSABLE_ENTITY),
            ApiError::RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            ApiError::Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// A field that cannot be accepted.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        let (message, details) = match self {
            ApiError::Malformed(message)
            | ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::Duplicate(message) => (message, Value::Null),
            ApiError::Unauthenticated => (
                "log in (POST /api/v1/auth/login) or send an API token as Authorization: Bearer".into(),
                Value::Null,
            ),
            ApiError::CsrfFailed => (
                "a write with a session cookie must repeat the session's CSRF token in the X-CSRF-Token header".into(),
                Value::Null,
            ),
            ApiError::Conflict { message, details } => (message, details),
            ApiError::TooLarge => ("the request body is too large".into(), Value::Null),
            ApiError::InvalidField { field, message } => (message, json!({ "field": field })),
            ApiError::InvalidPlan { message, tasks } => (message, json!({ "tasks": tasks })),
            ApiError::RateLimited => (
                "too many login attempts; wait a minute and try again".into(),
                Value::Null,
            ),
            ApiError::Internal => (
                "the server failed; the details are in its log".into(),
                Value::Null,
            ),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                details,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { entity, id } => {
                ApiError::NotFound(format!("{entity} {id} does not exist"))
            }
            StoreError::Conflict {
                entity,
                id,
                expected,
                current,
            } => ApiError::Conflict {
                message: StoreError::Conflict {
                    entity,
                    id,
                    expected,
                    current,
                }
                .to_string(),
                details: json!({ "entity": entity, "id": id, "expected_version": expected, "current_version": current }),
            },
            StoreError::Duplicate { .. } => ApiError::Duplicate(error.to_string()),
            StoreError::Invalid {
                field: Some(field),
                message,
                ..
            } => ApiError::field(field, message),
            StoreError::Invalid { message, tasks, .. } => ApiError::InvalidPlan { message, tasks },
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            // serde's message names the field: "unknown field `colour`, expected one of …",
            // "invalid type: string \"x\", expected i64 at line 1 column 20".
            JsonRejection::JsonDataError(error) => {
                let message = error.body_text();
                let field = message
                    .split('`')
                    .nth(1)
                    .filter(|_| message.contains("field"))
                    .unwrap_or("body")
                    .to_string();
                ApiError::InvalidField { field, message }
            }
            JsonRejection::BytesRejection(error)
                if error.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::TooLarge
            }
            other => ApiError::Malformed(other.body_text()),
        }
    }
}
