//! Files in and out of the server: importing an MS Project XML (MSPDI) file or a plan file as a
//! new project, and exporting a project as either.

// utoipa's `path` macro expands `params(ImportQuery)` into fully qualified paths.
#![allow(unused_qualifications)]

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_formats::mspdi::{self, MspdiProject};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::projects::{ProjectDetail, detail, role};

/// `?name=` of an import: what to call the file in error messages and, for a plan file without
/// a name, the project.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file's name ("migration.xml").
    pub name: Option<String>,
}

/// An uploaded file as bytes (`application/octet-stream`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// Stores an uploaded file as a new project owned by the caller: MS Project XML when the body
/// is sent as `application/xml` (or `text/xml`), a Gantry plan file when sent as
/// `application/toml`; sent as `application/octet-stream` (what generated clients send), the
/// file is XML when it starts with `<` and a plan file otherwise. The file's errors name their
/// line and column.
#[utoipa::path(post, path = "/api/v1/projects/import", tag = "projects", params(ImportQuery),
    request_body(description = "An MSPDI file (application/xml) or a plan file (application/toml)",
        content((String = "application/xml"), (String = "application/toml"), (FileBytes = "application/octet-stream"))),
    responses((status = 201, description = "Created", body = ProjectDetail), (status = 401, description = "Not logged in", body = ErrorBody), (status = 413, description = "The body is too large"), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn import_project(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ProjectDetail>)> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::field("file", "the file is not UTF-8 text"))?;
    let content_type = match content_type.as_str() {
        "application/octet-stream" if text.trim_start().starts_with('<') => "application/xml",
        "application/octet-stream" => "application/toml",
        other => other,
    };
    let (plan, risk) = match content_type {
        "application/xml" | "text/xml" => {
            let name = query.name.as_deref().unwrap_or("upload.xml");
            let project = mspdi::read_mspdi(name, text)
                .map_err(|error| ApiError::field("file", error.to_string()))?;
            (project.scheduling_plan(), None)
        }
        "application/toml" | "text/toml" => {
            let name = query.name.as_deref().unwrap_or("upload.toml");
            let file = gantry_formats::parse_plan(name, text)
                .map_err(|errors| ApiError::field("file", errors.to_string()))?;
            // The file's estimates, risks and correlation groups are checked before anything
            // is stored, then kept with the project.
            gantry_core::risk::validate(&file.plan, &file.risk)
                .map_err(|error| ApiError::field("file", error.to_string()))?;
            (file.plan, Some(file.risk))
        }
        other => {
            return Err(ApiError::Malformed(format!(
                "send the file as application/xml (MS Project XML), application/toml (a plan file) or application/octet-stream, not \"{other}\""
            )));
        }
    };
    let stored = state.store().create_project(&plan, current.user.id).await?;
    if let Some(risk) = risk {
        state
            .store()
            .import_risk_model(stored.project_id, Some(current.user.id), &plan, &risk)
            .await?;
    }
    let scheduled = state.scheduled(stored.project_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&scheduled, gantry_store::Role::Owner)),
    ))
}

/// `?format=` of an export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `mspdi` (MS Project XML, the default) or `toml` (a plan file).
    pub format: Option<String>,
}

/// The project as a file to download: MS Project XML with the computed dates, or a plan file.
#[utoipa::path(get, path = "/api/v1/projects/{project}/export", tag = "projects",
    params(("project" = i64, Path, description = "Project id"), ExportQuery),
    responses((status = 200, description = "The file", content_type = "application/xml"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "No such project or row, or not visible to the caller", body = ErrorBody), (status = 422, description = "A field, or the plan it would make, is invalid: the field or the tasks are named", body = ErrorBody)))]
pub async fn export_project(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(project): Path<i64>,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    role(&state, &current, project).await?;
    let scheduled = state.scheduled(project).await?;
    let plan = &scheduled.plan.plan;
    let file_name: String = plan
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let (text, content_type, extension) = match query.format.as_deref().unwrap_or("mspdi") {
        "mspdi" => {
            // The exported plan is the stored one, so its schedule is the one already computed.
            let exported = MspdiProject::from_plan(plan.clone());
            (
                mspdi::write_mspdi(&exported, Some(&scheduled.schedule)),
                "application/xml",
                "xml",
            )
        }
        "toml" => {
            // The plan file carries the risk model too (estimates, risks, correlations), so that
            // an export loses nothing an import keeps.
            let (_, risk) = state.store().risk_model(project).await?;
            (
                gantry_formats::write_plan_file(plan, &risk),
                "application/toml",
                "toml",
            )
        }
        other => {
            return Err(ApiError::field(
                "format",
                format!("unknown export format \"{other}\": use mspdi or toml"),
            ));
        }
    };
    Ok((
        [
            (CONTENT_TYPE, content_type.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}.{extension}\""),
            ),
        ],
        text,
    )
        .into_response())
}
