//! TLS for `serve`: rustls with the ring provider, HTTP/1.1, from PEM files.

use std::path::Path;

use anyhow::{Context, Result};
use axum_server::tls_rustls::RustlsConfig;

/// Installs ring as rustls's process-wide crypto provider (idempotent).
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Loads the certificate chain and key.
pub async fn config(cert: &Path, key: &Path) -> Result<RustlsConfig> {
    install_provider();
    RustlsConfig::from_pem_file(cert, key)
        .await
        .with_context(|| {
            format!(
                "reading the TLS certificate {} and key {}",
                cert.display(),
                key.display()
            )
        })
}
