//! The request log, written by `tower_http`'s `TraceLayer`: a span per
//! request naming the method, the endpoint as its route template (never the
//! raw path or query) and, once authenticated, the device; then one line per
//! answer with the status, the latency and the bytes sent. Bodies are never
//! logged, so no patient data is.

use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{header, Response};
use tracing::{field, Span};

/// The log filter's environment variable (`info` when unset).
pub const LOG_FILTER_ENV: &str = "DOORSTEP_LOG";

/// Logs to standard error, filtered by `DOORSTEP_LOG`.
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env(LOG_FILTER_ENV)
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

/// The span of one request: `request{method endpoint up device}`. The
/// endpoint is the route template (`/v1/families/{id}`; `(none)` for an
/// unknown route), `up` the declared body size, and `device` is filled in
/// once the request is authenticated (or names the enrolling device).
pub fn request_span(req: &Request) -> Span {
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(none)", MatchedPath::as_str);
    let up = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    tracing::info_span!(
        "request",
        method = %req.method(),
        endpoint = %endpoint,
        up,
        device = field::Empty,
    )
}

/// One line per answer: status, milliseconds and the body size sent.
pub fn log_answer(res: &Response<Body>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = res.status().as_u16(),
        ms = latency.as_millis() as u64,
        down = res.body().size_hint().exact(),
        "answered"
    );
}
