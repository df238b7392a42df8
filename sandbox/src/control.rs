//! The sandbox's own JSON API for tests: fault injection per project or payment, and a
//! payment's state with its callback delivery log.
//!
//! - `GET|PUT|DELETE /sandbox/projects/{id}/faults`
//! - `GET /sandbox/projects/{id}/payments/{payment_id}`
//! - `GET|PUT|DELETE /sandbox/projects/{id}/payments/{payment_id}/faults`

use crate::faults::Faults;
use crate::sandbox::Sandbox;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn unknown_project(project_id: u64) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("project {project_id} does not exist"),
    )
}

/// Reads a `Faults` JSON body, naming what is wrong.
fn faults_body(body: &[u8]) -> Result<Faults, String> {
    serde_json::from_slice(body).map_err(|e| format!("the faults are not valid: {e}"))
}

/// The faults, or `{}` when none are set.
fn faults_json(faults: Option<Faults>) -> Response {
    Json(faults.unwrap_or_default()).into_response()
}

/// `GET /sandbox/projects/{id}/faults`.
pub async fn get_project_faults(
    State(sandbox): State<Sandbox>,
    Path(project_id): Path<u64>,
) -> Response {
    if sandbox.project(project_id).is_none() {
        return unknown_project(project_id);
    }
    faults_json(sandbox.project_faults(project_id))
}

/// `PUT /sandbox/projects/{id}/faults` with a `Faults` body.
pub async fn put_project_faults(
    State(sandbox): State<Sandbox>,
    Path(project_id): Path<u64>,
    body: Bytes,
) -> Response {
    let faults = match faults_body(&body) {
        Ok(faults) => faults,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match sandbox.set_project_faults(project_id, faults.clone()) {
        Ok(()) => Json(faults).into_response(),
        Err(_) => unknown_project(project_id),
    }
}

/// `DELETE /sandbox/projects/{id}/faults`.
pub async fn delete_project_faults(
    State(sandbox): State<Sandbox>,
    Path(project_id): Path<u64>,
) -> Response {
    if sandbox.project(project_id).is_none() {
        return unknown_project(project_id);
    }
    sandbox.clear_project_faults(project_id);
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /sandbox/projects/{id}/payments/{payment_id}`.
pub async fn get_payment(
    State(sandbox): State<Sandbox>,
    Path((project_id, payment_id)): Path<(u64, String)>,
) -> Response {
    if sandbox.project(project_id).is_none() {
        return unknown_project(project_id);
    }
    match sandbox.payment(project_id, &payment_id) {
        Some(view) => Json(view).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("payment {payment_id:?} not found in project {project_id}"),
        ),
    }
}

/// `GET /sandbox/projects/{id}/payments/{payment_id}/faults`.
pub async fn get_payment_faults(
    State(sandbox): State<Sandbox>,
    Path((project_id, payment_id)): Path<(u64, String)>,
) -> Response {
    if sandbox.project(project_id).is_none() {
        return unknown_project(project_id);
    }
    faults_json(sandbox.payment_faults(project_id, &payment_id))
}

/// `PUT /sandbox/projects/{id}/payments/{payment_id}/faults` with a `Faults` body.
pub async fn put_payment_faults(
    State(sandbox): State<Sandbox>,
    Path((project_id, payment_id)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let faults = match faults_body(&body) {
        Ok(faults) => faults,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match sandbox.set_payment_faults(project_id, &payment_id, faults.clone()) {
        Ok(()) => Json(faults).into_response(),
        Err(_) => unknown_project(project_id),
    }
}

/// `DELETE /sandbox/projects/{id}/payments/{payment_id}/faults`.
pub async fn delete_payment_faults(
    State(sandbox): State<Sandbox>,
    Path((project_id, payment_id)): Path<(u64, String)>,
) -> Response {
    if sandbox.project(project_id).is_none() {
        return unknown_project(project_id);
    }
    sandbox.clear_payment_faults(project_id, &payment_id);
    StatusCode::NO_CONTENT.into_response()
}
