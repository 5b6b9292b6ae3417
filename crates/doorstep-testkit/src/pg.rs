//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary
//! directory, a server on a free loopback port with trust authentication,
//! and a fresh database per test. The cluster stops (`pg_ctl stop -m
//! immediate`) and its directory is removed when the [`Cluster`] is
//! dropped.
//!
//! PostgreSQL refuses to run as root, and tests here often run as root: the
//! server binaries then run as the `postgres` system user (through
//! `runuser`), and the directory is handed to that user first.
//!
//! [`Cluster::start_tls`] also offers TLS with a test certificate, for the
//! server's `sslmode` tests.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::tls::TestCertificates;

/// A running PostgreSQL cluster in a temporary directory.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Run the server binaries as the `postgres` user (we are root).
    as_postgres: bool,
    next_db: AtomicUsize,
}

/// The highest installed PostgreSQL version's server binaries.
fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// The uid and gid of a system user, from `/etc/passwd`.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut f = line.split(':');
        if f.next()? != name {
            return None;
        }
        let _password = f.next()?;
        Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
    })
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn describe(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Cluster {
    /// Initialises and starts a cluster. Panics with instructions when the
    /// PostgreSQL server binaries are not installed.
    pub fn start() -> Cluster {
        Self::start_with(None)
    }

    /// A cluster that also offers TLS, with `certs`' server certificate.
    pub fn start_tls(certs: &TestCertificates) -> Cluster {
        Self::start_with(Some(certs))
    }

    fn start_with(certs: Option<&TestCertificates>) -> Cluster {
        let bin = server_binaries().unwrap_or_else(|| {
            panic!("PostgreSQL server binaries not found: run ./dev test (it installs postgresql)")
        });
        let dir = tempfile::Builder::new()
            .prefix("doorstep-pg-")
            .tempdir()
            .expect("temporary directory");
        let as_postgres = running_as_root();
        if as_postgres {
            let (uid, gid) = user_ids("postgres")
                .expect("the postgres system user (installed with postgresql) is missing");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("hand the cluster directory to postgres");
        }
        let mut cluster = Cluster {
            dir,
            bin,
            port: 0,
            as_postgres,
            next_db: AtomicUsize::new(0),
        };
        let out = cluster
            .server_command("initdb")
            .args([
                "-U",
                "doorstep",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "-D",
            ])
            .arg(cluster.data_dir())
            .output()
            .expect("run initdb");
        assert!(out.status.success(), "initdb failed: {}", describe(&out));
        let mut tls_options = String::new();
        if let Some(certs) = certs {
            let (cert, key) = certs.server_files();
            for (from, to) in [(cert, "server.crt"), (key, "server.key")] {
                let to = cluster.data_dir().join(to);
                std::fs::copy(from, &to).expect("copy the server certificate");
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .expect("make the key private");
                if as_postgres {
                    let (uid, gid) = user_ids("postgres").expect("postgres user");
                    std::os::unix::fs::chown(&to, Some(uid), Some(gid))
                        .expect("hand the certificate to postgres");
                }
            }
            tls_options =
                " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key".into();
        }
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300{tls_options}",
                cluster.port,
                cluster.dir.path().display()
            );
            let out = cluster
                .server_command("pg_ctl")
                .arg("-D")
                .arg(cluster.data_dir())
                .args(["-o", &options, "-w", "-t", "60", "-l"])
                .arg(cluster.dir.path().join("server.log"))
                .arg("start")
                .output()
                .expect("run pg_ctl start");
            if out.status.success() {
                return cluster;
            }
            last_error = format!(
                "{}\n{}",
                describe(&out),
                std::fs::read_to_string(cluster.dir.path().join("server.log")).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last_error}");
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn server_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the cluster (data, socket and log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Creates the database `db` and returns its URL,
    /// `postgres://doorstep@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "doorstep",
                db,
            ])
            .output()
            .expect("run createdb");
        assert!(out.status.success(), "createdb failed: {}", describe(&out));
        format!("postgres://doorstep@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database's URL.
    pub fn fresh_url(&self) -> String {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        self.url(&format!("test{n}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["stop", "-m", "immediate", "-w"])
            .output();
    }
}
