//! The HTTP API over the hub (see docs/SYNC.md "HTTP endpoints"). Handlers
//! authenticate, read the body within its limit, run the hub call on the
//! blocking pool (the hub is synchronous) and map its errors to statuses.
//! Log lines name endpoints, device ids, statuses, sizes and times only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use doorstep_hub::{DeviceIdentity, Hub, HubError};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::args::ServeArgs;
use crate::tls;

/// The media type of encoded sync messages.
pub const SYNC_MEDIA_TYPE: &str = "application/x-doorstep-sync";

#[derive(Clone)]
struct AppState {
    hub: Arc<Hub>,
    max_body: usize,
}

/// Runs `serve` until SIGINT or SIGTERM.
pub fn serve(opts: ServeArgs) -> Result<()> {
    if opts.insecure_dev_http && !opts.listen.ip().is_loopback() {
        bail!(
            "plain HTTP refused on {}: --insecure-dev-http is only allowed on a loopback address; \
             give --tls-cert and --tls-key to serve the network",
            opts.listen
        );
    }
    if !opts.insecure_dev_http && opts.tls_cert.is_none() {
        bail!(
            "a TLS certificate and key are required (--tls-cert, --tls-key); \
             plain HTTP only with --insecure-dev-http on a loopback address"
        );
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOORSTEP_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let hub = Hub::open(&opts.database.database_url).context("opening the database")?;
    let state = AppState {
        hub: Arc::new(hub),
        max_body: opts.max_body_bytes,
    };
    let app = router(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let listener = std::net::TcpListener::bind(opts.listen)
            .with_context(|| format!("binding {}", opts.listen))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = axum_server::Handle::new();
        tokio::spawn(shutdown_on_signal(handle.clone()));
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        match (&opts.tls_cert, &opts.tls_key) {
            (Some(cert), Some(key)) => {
                let config = tls::config(cert, key).await?;
                announce("https", addr);
                axum_server::from_tcp_rustls(listener, config)?
                    .handle(handle)
                    .serve(service)
                    .await?;
            }
            _ => {
                announce("http", addr);
                axum_server::from_tcp(listener)?
                    .handle(handle)
                    .serve(service)
                    .await?;
            }
        }
        tracing::info!("stopped");
        Ok(())
    })
}

fn announce(scheme: &str, addr: SocketAddr) {
    use std::io::Write;
    println!("doorstep-server listening on {scheme}://{addr}");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, scheme, "listening");
}

async fn shutdown_on_signal(handle: axum_server::Handle<SocketAddr>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return,
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enrol", post(enrol))
        .route("/v1/sync", post(sync))
        .route("/v1/families/{id}", get(family))
        .fallback(not_found)
        // Bodies are read by the handlers within `max_body`.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

fn error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

fn not_found_response() -> Response {
    error(StatusCode::NOT_FOUND, json!({"error": "not found"}))
}

async fn not_found() -> Response {
    not_found_response()
}

/// The response for a hub error. Messages never carry patient data: the
/// hub's errors name fields and problems only.
fn hub_error(e: &HubError) -> Response {
    match e {
        HubError::Unauthorised => error(StatusCode::UNAUTHORIZED, json!({"error": "unauthorised"})),
        HubError::Revoked => error(
            StatusCode::UNAUTHORIZED,
            json!({"error": "revoked", "erase": true}),
        ),
        HubError::EnrolmentRefused => error(
            StatusCode::BAD_REQUEST,
            json!({"error": "enrolment code not accepted"}),
        ),
        HubError::BadRequest(reason) => error(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("bad sync request: {reason}")}),
        ),
        HubError::TooLarge { limit } => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": "request too large", "limit": limit}),
        ),
        HubError::Busy => error(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "the server is busy; nothing was saved, try again"}),
        ),
        HubError::Invalid(reason) => error(StatusCode::BAD_REQUEST, json!({"error": reason})),
        HubError::NotFound(_) => not_found_response(),
        other => {
            tracing::error!(error = %other, "storage failure");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "storage unavailable"}),
            )
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, HubError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(hub_error(&e)),
        Err(_) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "storage unavailable"}),
        )),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// Authenticates the request's bearer token.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<DeviceIdentity, Response> {
    let Some(token) = bearer(headers) else {
        return Err(hub_error(&HubError::Unauthorised));
    };
    let hub = state.hub.clone();
    blocking(move || hub.authenticate(&token)).await
}

/// Reads the whole body, refusing more than `limit` bytes with 413.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": "request too large", "limit": limit}),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if format!("{e:?}").contains("LengthLimit") {
            too_large()
        } else {
            error(
                StatusCode::BAD_REQUEST,
                json!({"error": "request body could not be read"}),
            )
        }
    })
}

async fn health() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

#[derive(Debug, Deserialize)]
struct EnrolRequest {
    code: String,
    device_id: Uuid,
    #[serde(default)]
    device_name: String,
}

async fn enrol(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let bytes = match read_body(&headers, body, 64 * 1024).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(req) = serde_json::from_slice::<EnrolRequest>(&bytes) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!({"error": "enrolment request must be JSON with code, device_id and device_name"}),
        );
    };
    let hub = state.hub.clone();
    let device = req.device_id;
    let out =
        blocking(move || hub.enrol(&req.code, req.device_id, &req.device_name, Utc::now())).await;
    let response = match out {
        Ok(enrolment) => Json(enrolment).into_response(),
        Err(r) => r,
    };
    tracing::info!(
        endpoint = "enrol",
        %device,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64
    );
    response
}

async fn sync(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let identity = match authenticate(&state, &headers).await {
        Ok(i) => i,
        Err(r) => {
            tracing::info!(
                endpoint = "sync",
                status = r.status().as_u16(),
                "refused token"
            );
            return r;
        }
    };
    let device = identity.device_id;
    let bytes = match read_body(&headers, body, state.max_body).await {
        Ok(b) => b,
        Err(r) => {
            tracing::info!(endpoint = "sync", %device, status = r.status().as_u16());
            return r;
        }
    };
    let up = bytes.len();
    let hub = state.hub.clone();
    let response = match blocking(move || hub.sync(&identity, &bytes, Utc::now())).await {
        Ok(out) => {
            let down = out.len();
            tracing::info!(
                endpoint = "sync",
                %device,
                status = 200,
                up,
                down,
                ms = started.elapsed().as_millis() as u64
            );
            return ([(header::CONTENT_TYPE, SYNC_MEDIA_TYPE)], out).into_response();
        }
        Err(r) => r,
    };
    tracing::info!(
        endpoint = "sync",
        %device,
        status = response.status().as_u16(),
        up,
        ms = started.elapsed().as_millis() as u64
    );
    response
}

async fn family(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let identity = match authenticate(&state, &headers).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let device = identity.device_id;
    // A malformed id answers exactly like an unknown one.
    let Ok(family_id) = Uuid::parse_str(&id) else {
        tracing::info!(endpoint = "family", %device, status = 404);
        return not_found_response();
    };
    let hub = state.hub.clone();
    let response = match blocking(move || hub.family_heads(&identity, family_id)).await {
        Ok(Some(summary)) => Json(summary).into_response(),
        Ok(None) => not_found_response(),
        Err(r) => r,
    };
    tracing::info!(endpoint = "family", %device, status = response.status().as_u16());
    response
}
