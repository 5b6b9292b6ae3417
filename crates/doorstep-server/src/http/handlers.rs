//! The endpoints of docs/SYNC.md "HTTP endpoints". Each takes what its
//! extractors checked, runs one hub call on the blocking pool and answers;
//! every failure is an [`ApiError`]. Logging is the trace layer's job.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use doorstep_hub::FamilySummary;
use doorstep_sync::wire::{EnrolResponse, SYNC_CONTENT_TYPE};
use serde_json::{json, Value};
use uuid::Uuid;

use super::error::ApiError;
use super::extract::{
    AuthenticatedDevice, Enrol, EnrolAllowance, SyncBody, SyncTurn, SyncingDevice,
};
use super::AppState;

/// `GET /v1/health`: `{"status":"ok"}`, without authentication.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `POST /v1/enrol`: uses up a one-time code and answers with the device's
/// token, practitioner, team and the epoch.
pub async fn enrol(
    State(state): State<AppState>,
    _allowed: EnrolAllowance,
    Enrol(request): Enrol,
) -> Result<Json<EnrolResponse>, ApiError> {
    tracing::Span::current().record("device", tracing::field::display(request.device_id));
    let enrolment = state
        .call(move |hub| {
            hub.enrol(
                &request.code,
                request.device_id,
                &request.device_name,
                Utc::now(),
            )
        })
        .await?;
    Ok(Json(EnrolResponse::from(enrolment)))
}

/// `POST /v1/sync`: one round trip of the sync exchange, encoded both ways.
pub async fn sync(
    State(state): State<AppState>,
    SyncingDevice(identity): SyncingDevice,
    _turn: SyncTurn,
    SyncBody(body): SyncBody,
) -> Result<impl IntoResponse, ApiError> {
    let answer = state
        .call(move |hub| hub.sync(&identity, &body, Utc::now()))
        .await?;
    Ok(([(header::CONTENT_TYPE, SYNC_CONTENT_TYPE)], answer))
}

/// `GET /v1/families/{id}`: a family's heads and sequence, if it is in the
/// caller's caseload; 404 for anything else, a malformed id included.
pub async fn family(
    State(state): State<AppState>,
    AuthenticatedDevice(identity): AuthenticatedDevice,
    id: Result<Path<Uuid>, PathRejection>,
) -> Result<Json<FamilySummary>, ApiError> {
    let Path(family_id) = id.map_err(|_| ApiError::NOT_FOUND)?;
    state
        .call(move |hub| hub.family_heads(&identity, family_id))
        .await?
        .map(Json)
        .ok_or(ApiError::NOT_FOUND)
}

/// Any other route.
pub async fn not_found() -> ApiError {
    ApiError::NOT_FOUND
}
