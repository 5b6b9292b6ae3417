//! Extractors: the device a bearer token belongs to
//! ([`AuthenticatedDevice`]; [`SyncingDevice`] within its rate limits), an
//! enrolment within its address's limit ([`EnrolAllowance`]), a turn to
//! sync ([`SyncTurn`]), and request bodies read whole within their size
//! and time limits ([`SyncBody`], [`EnrolRequest`]). Each rejects with an
//! [`ApiError`], so handlers only see requests worth answering.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use chrono::Utc;

use doorstep_hub::{DeviceIdentity, HubError};
use doorstep_sync::wire::{EnrolRequest, MAX_ENROL_BYTES};
use http_body_util::LengthLimitError;
use tokio::sync::OwnedSemaphorePermit;

use super::error::ApiError;
use super::rate::Refusal;
use super::AppState;

/// The enrolled, unrevoked device whose token is in the request's
/// `Authorization: Bearer …` header. Extracting it names the device in the
/// request's log span.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedDevice(pub DeviceIdentity);

impl FromRequestParts<AppState> for AuthenticatedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or(ApiError::UNAUTHORISED)?;
        let identity = state.call(move |hub| hub.authenticate(&token)).await?;
        tracing::Span::current().record("device", tracing::field::display(identity.device_id));
        Ok(AuthenticatedDevice(identity))
    }
}

/// The device of a sync request, within the rate limits: its address's
/// (checked before the token is looked up) and then its own.
#[derive(Debug, Clone, Copy)]
pub struct SyncingDevice(pub DeviceIdentity);

impl FromRequestParts<AppState> for SyncingDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A revoked device may still send its unsent work. Requests whose
        // token is not accepted are limited per address (so a flood of
        // them cannot lock out the laptops behind the same proxy); the
        // accepted ones per device.
        let token = bearer(&parts.headers);
        let identity = match token {
            Some(token) => {
                state
                    .call(move |hub| hub.authenticate_to_return(&token))
                    .await
            }
            None => Err(ApiError::UNAUTHORISED),
        };
        let identity = match identity {
            Ok(identity) => identity,
            Err(e) => {
                if let Err(r) = state.rates.sync_from(peer(parts)) {
                    return Err(refuse(state, r).await);
                }
                return Err(e);
            }
        };
        tracing::Span::current().record("device", tracing::field::display(identity.device_id));
        if let Err(r) = state.rates.sync_by(identity.device_id) {
            return Err(refuse(state, r).await);
        }
        Ok(SyncingDevice(identity))
    }
}

/// An enrolment attempt within its address's allowance.
#[derive(Debug, Clone, Copy)]
pub struct EnrolAllowance;

impl FromRequestParts<AppState> for EnrolAllowance {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match state.rates.enrol(peer(parts)) {
            Ok(()) => Ok(EnrolAllowance),
            Err(r) => Err(refuse(state, r).await),
        }
    }
}

/// The address of the connection's peer; the unspecified address when the
/// router runs without connection information (its tests).
fn peer(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// 429 for a rate-limit refusal, audited when it is its key's first this
/// minute (an audit that fails is logged; the answer is 429 still).
async fn refuse(state: &AppState, refusal: Refusal) -> ApiError {
    if let Some((actor, detail)) = refusal.audit {
        let audited = state
            .call(move |hub| hub.audit_refusal(&actor, "rate.limited", &detail, Utc::now()))
            .await;
        if audited.is_err() {
            tracing::warn!("a rate-limit refusal could not be audited");
        }
    }
    ApiError::RateLimited {
        retry_after_secs: refusal.retry_after.as_secs().max(1),
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// A turn to work on a sync request: one of the server's
/// `--max-concurrent-syncs`, waited for up to `--sync-wait-secs` (503 with
/// Retry-After past it). Taken before the body is read, so waiting
/// requests hold no body in memory; held until the answer is made.
pub struct SyncTurn(#[allow(dead_code)] OwnedSemaphorePermit);

impl FromRequestParts<AppState> for SyncTurn {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let turns = Arc::clone(&state.sync_turns);
        match tokio::time::timeout(state.bounds.sync_wait, turns.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(SyncTurn(permit)),
            _ => Err(ApiError::Hub(HubError::Busy)),
        }
    }
}

/// An encoded sync request, read whole within the server's
/// `--max-body-bytes` (413 past it) and `--body-timeout-secs` (408).
#[derive(Debug)]
pub struct SyncBody(pub Bytes);

impl FromRequest<AppState> for SyncBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        read_within(req, state.bounds.max_body, state.bounds.body_timeout)
            .await
            .map(SyncBody)
    }
}

/// `POST /v1/enrol`'s body: the JSON [`EnrolRequest`] of at most
/// [`MAX_ENROL_BYTES`] bytes (any content type).
#[derive(Debug)]
pub struct Enrol(pub EnrolRequest);

impl FromRequest<AppState> for Enrol {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let bytes = read_within(req, MAX_ENROL_BYTES, state.bounds.body_timeout).await?;
        serde_json::from_slice(&bytes)
            .map(Enrol)
            .map_err(|_| ApiError::MalformedEnrolment)
    }
}

/// Reads the whole body, refusing more than `limit` bytes with 413 (at
/// once when `Content-Length` says so, else as soon as the stream passes
/// it) and a body slower than `timeout` with 408.
async fn read_within(req: Request, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    let too_large = ApiError::too_large(limit as u64);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    tokio::time::timeout(timeout, axum::body::to_bytes(req.into_body(), limit))
        .await
        .map_err(|_| ApiError::BodyTimeout)?
        .map_err(|e| {
            if e.into_inner().is::<LengthLimitError>() {
                too_large.clone()
            } else {
                ApiError::UnreadableBody
            }
        })
}
