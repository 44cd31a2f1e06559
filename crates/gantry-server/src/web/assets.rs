//! The files the pages load, built into the binary: our stylesheet and ES modules from
//! `static/`, and the third-party code that `build.rs` installs from npm.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// Every file under `/static/`: its name, media type and bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "gantry.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/gantry.css"),
    ),
    (
        "gantry.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/gantry.js"),
    ),
    (
        "import.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/import.js"),
    ),
    (
        "board.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/board.js"),
    ),
    (
        "gantt.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/gantt.js"),
    ),
    (
        "tasks.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/tasks.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/node_modules/htmx.org/dist/htmx.min.js"
        )),
    ),
];

/// `GET /static/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, media_type, bytes)) => (
            [(CONTENT_TYPE, *media_type), (CACHE_CONTROL, "max-age=300")],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
