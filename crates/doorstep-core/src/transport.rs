//! The wire between this device and the trust's server (docs/SYNC.md, "HTTP
//! endpoints"): the [`Transport`] trait the sync use-cases run over, and
//! [`HttpTransport`], its HTTPS implementation with a blocking reqwest
//! client. Tests drive sync over their own in-memory [`Transport`].

use std::time::Duration;

use doorstep_sync::wire::{
    words, EnrolRequest, EnrolResponse, ErrorBody, ENROL_PATH, HEALTH_PATH, MAX_ERROR_BYTES,
    SYNC_CONTENT_TYPE, SYNC_PATH,
};
use reqwest::blocking::{Client, Response};
use reqwest::{StatusCode, Url};

/// How long one request may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a request to the server did not get a usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// 401 `unauthorised`: the token is missing, malformed or unknown.
    #[error("the server does not accept this device's token")]
    Unauthorised,
    /// 401 `revoked`: the device was revoked; `erase` asks it to
    /// crypto-erase its data.
    #[error("the server revoked this device")]
    Revoked {
        /// Whether the server asked the device to erase its data.
        erase: bool,
    },
    /// 413: the request was over the server's limit.
    #[error("the request was too large for the server")]
    TooLarge,
    /// 400, with the server's reason.
    #[error("the server refused the request: {0}")]
    BadRequest(String),
    /// 429 or 503: the server asks the device to come back later (a rate
    /// limit, or every turn taken); nothing was saved on it.
    #[error("the server is busy")]
    Busy,
    /// No answer: the network, DNS, TLS or a timeout.
    #[error("{0}")]
    Unreachable(String),
    /// Any other HTTP status (500 storage unavailable, 502, …).
    #[error("the server answered HTTP {0}")]
    Server(u16),
    /// A 200 answer whose body could not be read.
    #[error("the server's answer could not be read: {0}")]
    InvalidResponse(String),
}

/// One device's connection to the server. Implementations carry the
/// bearer token themselves.
pub trait Transport {
    /// `POST /v1/enrol`.
    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, TransportError>;
    /// `POST /v1/sync` with an encoded `SyncRequest`; the encoded
    /// `SyncResponse`.
    fn sync(&self, body: Vec<u8>) -> Result<Vec<u8>, TransportError>;
}

/// Checks a server URL: `https://`, or `http://` only for a loopback host
/// (127.0.0.1, ::1, localhost; development); no credentials, query or
/// fragment. Returns it without a trailing slash.
pub fn check_server_url(text: &str) -> Result<String, String> {
    let url = Url::parse(text.trim()).map_err(|_| "is not a URL".to_string())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not contain a query or fragment".into());
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(
                "must use https:// (http:// is allowed only for this computer: 127.0.0.1, ::1 or localhost)"
                    .into(),
            )
        }
        _ => return Err("must be an https:// URL".into()),
    }
    if url.host().is_none() {
        return Err("must name a host".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some(h) if h.eq_ignore_ascii_case("localhost") => true,
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// The HTTPS transport: a blocking reqwest client with rustls, 30-second
/// timeouts, no redirects (the token goes only where it was enrolled), and
/// an optional extra CA certificate trusted besides the built-in roots.
pub struct HttpTransport {
    client: Client,
    base: String,
    token: Option<String>,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport to the server at `base_url` (checked with
    /// [`check_server_url`]), trusting `ca_pem` as well, sending `token`
    /// when there is one (enrolment has none).
    pub fn new(
        base_url: &str,
        ca_pem: Option<&str>,
        token: Option<String>,
    ) -> Result<HttpTransport, TransportError> {
        let base = check_server_url(base_url)
            .map_err(|e| TransportError::BadRequest(format!("server URL {e}")))?;
        let mut builder = Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("doorstep/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            for cert in parse_ca_pem(pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Unreachable(describe(&e)))?;
        Ok(HttpTransport {
            client,
            base,
            token,
        })
    }

    /// `GET /v1/health` with a short timeout: whether the server answers.
    pub fn health(&self) -> Result<(), TransportError> {
        send(
            self.client
                .get(format!("{}{HEALTH_PATH}", self.base))
                .timeout(std::time::Duration::from_secs(3)),
        )
        .map(|_| ())
    }

    fn post(&self, path: &str) -> reqwest::blocking::RequestBuilder {
        let req = self.client.post(format!("{}{path}", self.base));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }
}

/// Parses a PEM bundle of CA certificates (at least one).
fn parse_ca_pem(pem: &str) -> Result<Vec<reqwest::Certificate>, TransportError> {
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
        .map_err(|_| TransportError::BadRequest("the CA certificate is not valid PEM".into()))?;
    if certs.is_empty() {
        return Err(TransportError::BadRequest(
            "the CA file holds no certificate".into(),
        ));
    }
    Ok(certs)
}

/// Whether `pem` holds at least one PEM certificate reqwest can use.
pub fn check_ca_pem(pem: &str) -> Result<(), String> {
    parse_ca_pem(pem).map(|_| ()).map_err(|e| match e {
        TransportError::BadRequest(m) => m,
        other => other.to_string(),
    })
}

/// An error with its causes, for "server not reachable: …".
/// Why the server could not be reached, in words a practitioner reads
/// (the library's chain of causes, with addresses and OS error numbers,
/// means nothing to them and is not shown).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the server did not answer within 30 seconds".to_string()
    } else if e.is_connect() {
        "this laptop could not connect to it (no internet connection here, or the server is down)"
            .to_string()
    } else {
        "the connection to it failed part way".to_string()
    }
}

fn send(req: reqwest::blocking::RequestBuilder) -> Result<Response, TransportError> {
    let resp = req
        .send()
        .map_err(|e| TransportError::Unreachable(describe(&e)))?;
    if resp.status() == StatusCode::OK {
        return Ok(resp);
    }
    let status = resp.status();
    // Error bodies are small JSON objects; read at most 64 KiB of one.
    let body: Option<ErrorBody> = resp
        .bytes()
        .ok()
        .filter(|b| b.len() <= MAX_ERROR_BYTES)
        .and_then(|b| serde_json::from_slice(&b).ok());
    Err(error_for(status.as_u16(), body.as_ref()))
}

/// The [`TransportError`] for an HTTP error status and its JSON body.
pub fn error_for(status: u16, body: Option<&ErrorBody>) -> TransportError {
    let message = body.map_or("", |b| b.error.as_str());
    match status {
        401 if message == words::REVOKED => TransportError::Revoked {
            erase: body.is_some_and(ErrorBody::asks_to_erase),
        },
        401 => TransportError::Unauthorised,
        413 => TransportError::TooLarge,
        429 | 503 => TransportError::Busy,
        400 => TransportError::BadRequest(if message.is_empty() {
            "bad request".into()
        } else {
            message.chars().take(300).collect()
        }),
        s => TransportError::Server(s),
    }
}

impl Transport for HttpTransport {
    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, TransportError> {
        let resp = send(self.post(ENROL_PATH).json(req))?;
        resp.json::<EnrolResponse>()
            .map_err(|e| TransportError::InvalidResponse(describe(&e)))
    }

    fn sync(&self, body: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let resp = send(
            self.post(SYNC_PATH)
                .header(reqwest::header::CONTENT_TYPE, SYNC_CONTENT_TYPE)
                .body(body),
        )?;
        resp.bytes()
            .map(|b| b.to_vec())
            .map_err(|e| TransportError::Unreachable(describe(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_must_be_https_unless_loopback() {
        assert_eq!(
            check_server_url("https://sync.example.nhs.uk/").as_deref(),
            Ok("https://sync.example.nhs.uk")
        );
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:9000",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://sync.example.nhs.uk",
            "http://10.0.0.1",
            "ftp://x",
            "https://u:p@host",
            "https://host/?q=1",
            "not a url",
        ] {
            assert!(check_server_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_map_to_errors() {
        assert_eq!(
            error_for(401, Some(&ErrorBody::revoked(true))),
            TransportError::Revoked { erase: true }
        );
        assert_eq!(
            error_for(401, Some(&ErrorBody::revoked(false))),
            TransportError::Revoked { erase: false }
        );
        assert_eq!(
            error_for(401, Some(&ErrorBody::new(words::UNAUTHORISED))),
            TransportError::Unauthorised
        );
        assert_eq!(
            error_for(413, Some(&ErrorBody::too_large(16))),
            TransportError::TooLarge
        );
        assert_eq!(
            error_for(400, Some(&ErrorBody::new(words::CODE_NOT_ACCEPTED))),
            TransportError::BadRequest(words::CODE_NOT_ACCEPTED.into())
        );
        assert_eq!(
            error_for(500, Some(&ErrorBody::new(words::STORAGE_UNAVAILABLE))),
            TransportError::Server(500)
        );
        assert_eq!(error_for(502, None), TransportError::Server(502));
        assert_eq!(
            error_for(429, Some(&ErrorBody::new(words::TOO_MANY_REQUESTS))),
            TransportError::Busy
        );
        assert_eq!(
            error_for(503, Some(&ErrorBody::new(words::BUSY))),
            TransportError::Busy
        );
    }

    #[test]
    fn a_ca_file_must_hold_a_pem_certificate() {
        assert!(check_ca_pem("not a certificate").is_err());
        assert!(check_ca_pem("").is_err());
        assert!(HttpTransport::new("https://sync.example", Some("junk"), None).is_err());
    }

    #[test]
    fn unreachable_server_is_reported_as_such() {
        // A port nothing listens on, on this machine.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let t =
            HttpTransport::new(&format!("http://127.0.0.1:{port}"), None, None).expect("client");
        assert!(matches!(
            t.sync(vec![1, 2, 3]),
            Err(TransportError::Unreachable(_))
        ));
    }
}
