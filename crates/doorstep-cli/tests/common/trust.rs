//! A trust for end-to-end sync tests: the real `doorstep-server` binary on a
//! free loopback port over an SQLite file or a throwaway PostgreSQL
//! database, administered through its own `admin` commands, with devices
//! driven through the real `doorstep` binary.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use doorstep_testkit::pg::Cluster;
use doorstep_testkit::server::ServerProcess;
use doorstep_testkit::tls::TestCertificates;
use serde_json::Value;
use tempfile::TempDir;

use super::Doorstep;

/// Which database the server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// A database in the test run's throwaway cluster.
    Postgres,
}

/// Both backends, for tests that must pass on each.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// The `doorstep-server` binary (see [`doorstep_testkit::bins`]).
pub fn server_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| doorstep_testkit::bins::workspace_bin("doorstep-server"))
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

/// A running server and its database.
pub struct Trust {
    pub server: ServerProcess,
    pub backend: Backend,
    pub certs: Option<TestCertificates>,
    tmp: TempDir,
}

impl Trust {
    /// A server over plain HTTP on loopback (`--insecure-dev-http`).
    pub fn start(backend: Backend) -> Trust {
        Self::start_with(backend, false, false)
    }

    /// A server over TLS with a test CA.
    pub fn start_tls(backend: Backend) -> Trust {
        Self::start_with(backend, true, false)
    }

    /// A server whose `info` log is kept (see [`Trust::log`]).
    pub fn start_logging(backend: Backend) -> Trust {
        Self::start_with(backend, false, true)
    }

    /// Everything the server has logged (with [`Trust::start_logging`]).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("server.log")).unwrap_or_default()
    }

    fn start_with(backend: Backend, tls: bool, log: bool) -> Trust {
        let tmp = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => tmp.path().join("hub.db").display().to_string(),
            Backend::Postgres => cluster().url(&format!("t{}", uuid::Uuid::new_v4().simple())),
        };
        let certs = tls.then(TestCertificates::generate);
        let server = ServerProcess::start_with_log(
            server_bin(),
            &url,
            certs.as_ref().map(TestCertificates::server_files),
            log.then(|| tmp.path().join("server.log")),
        );
        Trust {
            server,
            backend,
            certs,
            tmp,
        }
    }

    /// A scratch directory for this trust (CSV files, backups).
    pub fn scratch(&self) -> &std::path::Path {
        self.tmp.path()
    }

    /// Takes a backup of the server's database (the server is stopped for
    /// the copy and started again); returns the backup's name.
    pub fn backup(&mut self, name: &str) -> String {
        self.server.kill9();
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let from = format!("{}{suffix}", self.server.database_url());
                    let to = self.scratch().join(format!("{name}.db{suffix}"));
                    if std::path::Path::new(&from).exists() {
                        std::fs::copy(&from, &to).expect("copy database file");
                    }
                }
            }
            Backend::Postgres => {
                let live = database_name(self.server.database_url());
                psql(
                    self.server.database_url(),
                    &format!("CREATE DATABASE {name}_{live} TEMPLATE {live}"),
                );
            }
        }
        self.server.restart();
        name.to_string()
    }

    /// Replaces the server's database with backup `name` and restarts it.
    pub fn restore(&mut self, name: &str) {
        self.server.kill9();
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let live = format!("{}{suffix}", self.server.database_url());
                    let _ = std::fs::remove_file(&live);
                    let from = self.scratch().join(format!("{name}.db{suffix}"));
                    if from.exists() {
                        std::fs::copy(&from, &live).expect("restore database file");
                    }
                }
            }
            Backend::Postgres => {
                let live = database_name(self.server.database_url());
                psql(
                    self.server.database_url(),
                    &format!("DROP DATABASE {live} WITH (FORCE)"),
                );
                psql(
                    self.server.database_url(),
                    &format!("CREATE DATABASE {live} TEMPLATE {name}_{live}"),
                );
            }
        }
        self.server.restart();
    }

    /// Runs `doorstep-server admin --json ARGS` on the server's database.
    pub fn admin_run(&self, args: &[&str]) -> (i32, Value, String) {
        let out = Command::new(server_bin())
            .args([
                "admin",
                "--database-url",
                self.server.database_url(),
                "--json",
            ])
            .args(args)
            .output()
            .expect("run doorstep-server admin");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), json, stderr)
    }

    /// Runs an admin command that must succeed; returns its JSON.
    pub fn admin(&self, args: &[&str]) -> Value {
        let (code, json, stderr) = self.admin_run(args);
        assert_eq!(code, 0, "admin {args:?} failed: {stderr}\n{json}");
        json
    }

    /// Creates team `team` (if needed) and a health visitor in it; returns
    /// the practitioner's id.
    pub fn health_visitor(&self, name: &str, team: &str) -> String {
        let teams = self.admin(&["team", "list"]);
        let exists = teams
            .as_array()
            .is_some_and(|ts| ts.iter().any(|t| t["name"] == team));
        if !exists {
            self.admin(&["team", "create", team]);
        }
        let p = self.admin(&[
            "practitioner",
            "create",
            "--name",
            name,
            "--role",
            "health-visitor",
            "--team",
            team,
        ]);
        p["id"].as_str().expect("practitioner id").to_string()
    }

    /// A one-time enrolment code for `practitioner`.
    pub fn code(&self, practitioner: &str) -> String {
        let c = self.admin(&["enrolment-code", "--practitioner", practitioner]);
        c["code"].as_str().expect("code").to_string()
    }

    /// A new device, initialised for `practitioner` and enrolled with a
    /// fresh code (trusting the test CA when the server uses TLS).
    pub fn device(&self, practitioner: &str) -> Doorstep {
        let d = Doorstep::init_with(&["--practitioner", practitioner]);
        self.enrol(&d, practitioner, &self.server.url());
        d
    }

    /// Enrols `d` for `practitioner` against `url`.
    pub fn enrol(&self, d: &Doorstep, practitioner: &str, url: &str) {
        let code = self.code(practitioner);
        let mut args = vec!["enrol", "--server", url, "--code", &code];
        let ca;
        if let Some(c) = &self.certs {
            ca = c.ca_file().display().to_string();
            args.extend(["--ca-cert", &ca]);
        }
        d.ok(&args);
    }
}

fn database_name(url: &str) -> String {
    url.rsplit('/').next().expect("database in URL").to_string()
}

/// Runs one SQL statement on the cluster's maintenance database.
fn psql(url: &str, sql: &str) {
    let (base, _) = url.rsplit_once('/').expect("database in URL");
    let status = Command::new("psql")
        .arg(format!("{base}/postgres"))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .status()
        .expect("run psql");
    assert!(status.success(), "psql failed: {sql}");
}
