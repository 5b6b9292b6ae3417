//! A throwaway certificate authority and a server certificate for
//! `localhost` and 127.0.0.1, so end-to-end tests run the server over real
//! TLS and the device trusts it the way it would trust a trust's own CA.

use std::fs;
use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// PEM files in a temporary directory, removed when dropped.
pub struct TestCertificates {
    dir: tempfile::TempDir,
    /// The CA certificate, PEM (what the device is told to trust).
    pub ca_pem: String,
}

impl TestCertificates {
    /// Makes a CA and a server certificate signed by it, for `localhost`
    /// and 127.0.0.1.
    pub fn generate() -> TestCertificates {
        Self::generate_for(&["localhost", "127.0.0.1"])
    }

    /// Makes a CA and a server certificate for `names` signed by it.
    pub fn generate_for(names: &[&str]) -> TestCertificates {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Doorstep test CA");
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let key = KeyPair::generate().expect("server key");
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("server.pem"), cert.pem()).expect("write cert");
        fs::write(dir.path().join("server.key"), key.serialize_pem()).expect("write key");
        fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write CA");
        TestCertificates {
            ca_pem: ca.pem(),
            dir,
        }
    }

    /// `(certificate, key)` paths for `doorstep-server serve`.
    pub fn server_files(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.path().join("server.pem"),
            self.dir.path().join("server.key"),
        )
    }

    /// The CA certificate's path (for `doorstep enrol --ca-cert`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}
