//! The HTTP API over the hub (see docs/SYNC.md "HTTP endpoints"): the
//! router and `serve`.
//!
//! - [`error`]: [`ApiError`], every error answer with its status and body.
//! - [`extract`]: the bearer-token device, and bodies read within limits.
//! - [`handlers`]: one function per endpoint.
//! - [`rate`]: rate limits on enrolment and sync, per address and device.
//! - [`trace`]: the request log (`TraceLayer`): method, route template,
//!   device, status and latency; never a body.
//!
//! The hub is synchronous: handlers call it on the blocking pool through
//! [`AppState::call`].

mod error;
mod extract;
mod handlers;
pub mod rate;
#[cfg(test)]
mod tests;
mod trace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use axum::routing::{get, post};
use axum::Router;
use doorstep_hub::{Hub, HubError};
use doorstep_sync::wire::{ENROL_PATH, FAMILY_PATH, HEALTH_PATH, SYNC_PATH};
use tokio::sync::Semaphore;
use tower_http::trace::TraceLayer;

use crate::args::ServeArgs;
use crate::tls;
use rate::{RateLimits, Rates};

pub use error::ApiError;

/// How much the server takes on, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Largest sync body, in bytes (413 past it).
    pub max_body: usize,
    /// Sync requests worked on at once.
    pub max_syncs: usize,
    /// How long a sync request waits for a turn (then 503, Retry-After).
    pub sync_wait: Duration,
    /// How long a request body may take to arrive (then 408).
    pub body_timeout: Duration,
}

/// What every handler shares: the hub, the bounds, the sync turns and
/// the rate limits.
#[derive(Clone)]
pub struct AppState {
    hub: Arc<Hub>,
    bounds: Bounds,
    sync_turns: Arc<Semaphore>,
    rates: Arc<RateLimits>,
}

impl AppState {
    /// Runs a hub call on the blocking pool (the hub is synchronous) and
    /// turns its error into the answer.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Hub) -> Result<T, HubError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let hub = Arc::clone(&self.hub);
        match tokio::task::spawn_blocking(move || f(&hub)).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(_) => {
                // The panic's message is not logged: it could quote anything.
                tracing::error!("a hub call panicked");
                Err(ApiError::Hub(HubError::Storage(
                    "a blocking task failed".into(),
                )))
            }
        }
    }
}

/// The API: every endpoint, 404 for anything else, and the request log.
/// Bodies are read by the extractors within `bounds.max_body` (sync) or
/// 64 KiB (enrolment), and `bounds.body_timeout`; at most
/// `bounds.max_syncs` syncs are worked on at once; `rates` limits
/// enrolment and sync per address and per device.
pub fn router(hub: Arc<Hub>, bounds: Bounds, rates: Arc<RateLimits>) -> Router {
    Router::new()
        .route(HEALTH_PATH, get(handlers::health))
        .route(ENROL_PATH, post(handlers::enrol))
        .route(SYNC_PATH, post(handlers::sync))
        .route(FAMILY_PATH, get(handlers::family))
        .fallback(handlers::not_found)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(trace::request_span)
                .on_response(trace::log_answer),
        )
        .with_state(AppState {
            hub,
            bounds,
            sync_turns: Arc::new(Semaphore::new(bounds.max_syncs)),
            rates,
        })
}

/// How often the server seals its audit into the hash chain.
const AUDIT_SEAL_EVERY: Duration = Duration::from_secs(5);

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
    trace::init();
    let hub = Hub::open(&opts.database.database_url)
        .context("opening the database")?
        .with_token_lifetime(chrono::Duration::days(opts.token_days.max(1)))
        .with_departure_window(chrono::Duration::days(opts.departure_days.max(0)));
    let rates = Arc::new(RateLimits::new(Rates {
        enrol_per_address: opts.enrol_per_minute,
        sync_per_address: opts.sync_per_address_per_minute,
        sync_per_device: opts.sync_per_minute,
    }));
    let hub = Arc::new(hub);
    let sealing = Arc::clone(&hub);
    let app = router(
        hub,
        Bounds {
            max_body: opts.max_body_bytes,
            max_syncs: opts
                .max_concurrent_syncs
                .unwrap_or_else(crate::args::default_concurrent_syncs)
                .max(1),
            sync_wait: Duration::from_secs(opts.sync_wait_secs),
            body_timeout: Duration::from_secs(opts.body_timeout_secs.max(1)),
        },
        Arc::clone(&rates),
    );
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
        tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                rates.forget_idle();
            }
        });
        // The audit is sealed into its hash chain every few seconds.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(AUDIT_SEAL_EVERY);
            loop {
                every.tick().await;
                let hub = Arc::clone(&sealing);
                let sealed = tokio::task::spawn_blocking(move || hub.seal_audit()).await;
                if !matches!(sealed, Ok(Ok(_))) {
                    tracing::warn!("the audit could not be sealed; trying again");
                }
            }
        });
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
