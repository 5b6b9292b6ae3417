//! The real `doorstep-server` binary as a child process for end-to-end
//! tests: started on a free loopback port, stopped gracefully, killed with
//! SIGKILL, restarted on the same database and address.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `serve` arguments for benchmarks that enrol and sync hundreds of
/// laptops from one address in seconds: rate limits out of the way.
pub const BENCH_RATES: [&str; 6] = [
    "--enrol-per-minute",
    "1000000",
    "--sync-per-minute",
    "1000000",
    "--sync-per-address-per-minute",
    "1000000",
];

/// A running server process; killed when dropped.
pub struct ServerProcess {
    bin: PathBuf,
    database_url: String,
    tls: Option<(PathBuf, PathBuf)>,
    listen: String,
    child: Option<Child>,
    addr: Option<SocketAddr>,
    /// Where the server's log (stderr, at `info`) goes, when captured.
    log: Option<PathBuf>,
    /// More `serve` arguments.
    args: Vec<String>,
}

impl ServerProcess {
    /// Starts `bin serve` on `database_url` on a free loopback port; plain
    /// HTTP (`--insecure-dev-http`) unless `tls` gives a certificate and key.
    pub fn start(bin: &Path, database_url: &str, tls: Option<(PathBuf, PathBuf)>) -> Self {
        Self::start_with_log(bin, database_url, tls, None)
    }

    /// Like [`ServerProcess::start`], logging at `info` to the file `log`
    /// (appended across restarts) instead of warnings to the test's stderr.
    pub fn start_with_log(
        bin: &Path,
        database_url: &str,
        tls: Option<(PathBuf, PathBuf)>,
        log: Option<PathBuf>,
    ) -> Self {
        Self::start_with_args(bin, database_url, tls, log, &[])
    }

    /// Like [`ServerProcess::start_with_log`], with more `serve`
    /// arguments (a benchmark's rate limits, say).
    pub fn start_with_args(
        bin: &Path,
        database_url: &str,
        tls: Option<(PathBuf, PathBuf)>,
        log: Option<PathBuf>,
        args: &[&str],
    ) -> Self {
        let mut s = ServerProcess {
            bin: bin.to_owned(),
            database_url: database_url.to_owned(),
            tls,
            listen: "127.0.0.1:0".into(),
            child: None,
            addr: None,
            log,
            args: args.iter().map(|a| a.to_string()).collect(),
        };
        s.spawn();
        // Restarts reuse the port so devices and proxies keep their URL.
        s.listen = s.addr().to_string();
        s
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(&self.bin);
        cmd.args([
            "serve",
            "--database-url",
            &self.database_url,
            "--listen",
            &self.listen,
        ]);
        cmd.args(&self.args);
        match &self.tls {
            Some((cert, key)) => {
                cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
            }
            None => {
                cmd.arg("--insecure-dev-http");
            }
        }
        cmd.stdout(Stdio::piped());
        match &self.log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("open the server log");
                cmd.env("DOORSTEP_LOG", "info").stderr(file);
            }
            None => {
                cmd.env("DOORSTEP_LOG", "warn").stderr(Stdio::inherit());
            }
        }
        // The port may still be in TIME_WAIT right after a kill: retry.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut child = cmd.spawn().expect("start doorstep-server");
            let stdout = child.stdout.take().expect("stdout");
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            if let Some(url) = line.trim().strip_prefix("doorstep-server listening on ") {
                let addr = url
                    .split("://")
                    .nth(1)
                    .and_then(|a| a.parse().ok())
                    .expect("server printed its address");
                self.addr = Some(addr);
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                Instant::now() < deadline,
                "doorstep-server did not start (first line: {line:?})"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("started")
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        match self.addr() {
            a if self.tls.is_some() => format!("{scheme}://localhost:{}", a.port()),
            a => format!("{scheme}://{a}"),
        }
    }

    /// Kills the server with SIGKILL (no chance to finish anything).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same database and address.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// The most memory the running server process has held resident
    /// (`VmHWM`), in bytes.
    pub fn peak_resident_bytes(&self) -> u64 {
        let pid = self.child.as_ref().expect("running").id();
        let status =
            std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmHWM in /proc status")
            * 1024
    }

    /// Starts [`ServerProcess::peak_resident_bytes`] again from what the
    /// process holds now (Linux's `clear_refs`).
    pub fn reset_peak_resident(&self) {
        let pid = self.child.as_ref().expect("running").id();
        std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak");
    }

    /// The database URL the server runs on.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
