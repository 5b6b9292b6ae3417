//! TLS to PostgreSQL, from the URL's `sslmode` and `sslrootcert` as libpq
//! reads them, over rustls (ring):
//!
//! - `disable`: plain TCP;
//! - `allow`, `prefer` (the default, as in libpq): TLS when the server
//!   offers it, certificate not checked;
//! - `require`: TLS or no connection; the certificate is checked against
//!   `sslrootcert` when one is given (libpq does the same), else not;
//! - `verify-ca`: TLS, the certificate chain checked against
//!   `sslrootcert` (required: public roots would let any publicly issued
//!   certificate through);
//! - `verify-full`: as `verify-ca`, and the certificate must name the host.
//!
//! The two parameters are taken out of the URL before the PostgreSQL
//! client reads it (it knows only `disable`, `prefer` and `require`).

use std::sync::Arc;

use postgres::config::SslMode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::HubError;

/// How certificates are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Not at all (TLS against eavesdropping only).
    Nothing,
    /// The chain, not the name.
    Chain,
    /// The chain and the host name.
    Full,
}

/// A PostgreSQL URL made ready to connect: the URL the client reads, its
/// TLS mode, and the connector that checks the server as asked.
pub(crate) struct PgTls {
    /// The URL without `sslmode` and `sslrootcert`.
    pub url: String,
    /// What the client does about TLS.
    pub mode: SslMode,
    /// The TLS connector.
    pub connector: MakeRustlsConnect,
}

fn invalid(what: impl Into<String>) -> HubError {
    HubError::Invalid(format!("database: {}", what.into()))
}

/// Reads `sslmode` and `sslrootcert` out of `url`.
pub(crate) fn from_url(url: &str) -> Result<PgTls, HubError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let mut sslmode = None;
    let mut rootcert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => sslmode = Some(percent_decode(value)?),
            "sslrootcert" => rootcert = Some(percent_decode(value)?),
            _ => kept.push(pair),
        }
    }
    let (mode, check) = match sslmode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, Check::Nothing),
        "allow" | "prefer" => (SslMode::Prefer, Check::Nothing),
        "require" if rootcert.is_some() => (SslMode::Require, Check::Chain),
        "require" => (SslMode::Require, Check::Nothing),
        "verify-ca" | "verify-full" if rootcert.is_none() => {
            return Err(invalid(
                "sslmode=verify-ca and verify-full need sslrootcert=<the CA file that signs the database server's certificate>",
            ))
        }
        "verify-ca" => (SslMode::Require, Check::Chain),
        "verify-full" => (SslMode::Require, Check::Full),
        other => {
            return Err(invalid(format!(
            "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
        )))
        }
    };
    let roots = match &rootcert {
        Some(path) => roots_from_file(path)?,
        // Not used to accept anything: no check, or no connection above.
        None => RootCertStore::empty(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|_| invalid("no TLS protocol version available"))?;
    let config = match check {
        Check::Full => builder.with_root_certificates(roots).with_no_client_auth(),
        Check::Chain | Check::Nothing => {
            let webpki = match check {
                Check::Chain => Some(
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|_| invalid("sslrootcert holds no usable certificate"))?,
                ),
                _ => None,
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Lenient { webpki }))
                .with_no_client_auth()
        }
    };
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(PgTls {
        url,
        mode,
        connector: MakeRustlsConnect::new(config),
    })
}

fn roots_from_file(path: &str) -> Result<RootCertStore, HubError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|_| invalid(format!("sslrootcert {path} cannot be read")))?
        .collect::<Result<_, _>>()
        .map_err(|_| invalid(format!("sslrootcert {path} is not PEM certificates")))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(invalid(format!("sslrootcert {path} holds no certificate")));
    }
    Ok(roots)
}

/// `%XX` escapes in a URL parameter.
fn percent_decode(value: &str) -> Result<String, HubError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| invalid("a URL parameter has a bad %-escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid("a URL parameter is not UTF-8"))
}

/// The checks of `require` and `verify-ca`: the chain against the roots
/// but not the name, or nothing. The handshake's signatures are always
/// checked.
#[derive(Debug)]
struct Lenient {
    /// The chain's verifier; `None`: nothing is checked.
    webpki: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algorithms().supported_schemes()
    }
}

fn algorithms() -> rustls::crypto::WebPkiSupportedAlgorithms {
    let provider: CryptoProvider = rustls::crypto::ring::default_provider();
    provider.signature_verification_algorithms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_parameters_leave_the_url_and_set_the_mode() {
        let t =
            from_url("postgres://u@db.example/caseload?sslmode=require&connect_timeout=5").unwrap();
        assert_eq!(t.url, "postgres://u@db.example/caseload?connect_timeout=5");
        assert_eq!(t.mode, SslMode::Require);
        let t = from_url("postgres://u@db.example/caseload").unwrap();
        assert_eq!(t.url, "postgres://u@db.example/caseload");
        assert_eq!(t.mode, SslMode::Prefer);
        assert_eq!(
            from_url("postgres://u@h/d?sslmode=disable").unwrap().mode,
            SslMode::Disable
        );
        assert!(matches!(
            from_url("postgres://u@h/d?sslmode=sometimes"),
            Err(HubError::Invalid(m)) if m.contains("sslmode=sometimes")
        ));
        assert!(matches!(
            from_url("postgres://u@h/d?sslmode=verify-full"),
            Err(HubError::Invalid(m)) if m.contains("sslrootcert")
        ));
        assert!(matches!(
            from_url("postgres://u@h/d?sslmode=verify-full&sslrootcert=%2Fno%2Fsuch.pem"),
            Err(HubError::Invalid(m)) if m.contains("/no/such.pem")
        ));
    }
}
