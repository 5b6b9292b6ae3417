//! A virtual X display (Xvfb, through xvfb-run) with tauri-driver in it,
//! for driving the real desktop app through WebDriver: the journeys and the
//! window benchmark. It finds the processes of its group (the app and
//! WebKit's), kills the app as a crash would, and answers the system's save
//! dialog with xdotool. Everything it started is killed when it is dropped.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::webdriver::WebDriver;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Xvfb with tauri-driver in it; both are killed when dropped.
pub struct Display {
    child: Child,
    url: String,
}

impl Display {
    /// Starts Xvfb and tauri-driver, with `envs` for the app (its data
    /// directory, a fixed clock…).
    pub fn start(envs: &[(&str, &Path)]) -> Result<Display> {
        for tool in ["xvfb-run", "tauri-driver", "WebKitWebDriver"] {
            if which(tool).is_none() {
                bail!("{tool} is not installed: run ./dev test (it installs xvfb, webkit2gtk-driver and tauri-driver)");
            }
        }
        let port = free_port();
        let native = free_port();
        let child = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1366x768x24", "tauri-driver"])
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("start xvfb-run tauri-driver")?;
        let url = format!("http://127.0.0.1:{port}");
        let display = Display { child, url };
        let client = reqwest::blocking::Client::new();
        for _ in 0..100 {
            if client
                .get(format!("{}/status", display.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(display);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("tauri-driver did not answer on {}", display.url)
    }

    /// Launches `app` (a custom-protocol build of the desktop app) in a
    /// new WebDriver session.
    pub fn launch(&self, app: &Path) -> Result<WebDriver> {
        WebDriver::launch(&self.url, app)
    }
}

impl Display {
    /// Processes of this display's group named `name` (the app, say).
    pub fn group_pids(&self, name: &str) -> Result<Vec<String>> {
        let out = Command::new("pgrep")
            .args(["-g", &self.child.id().to_string(), "-f", name])
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect())
    }

    /// Kills the app at once, as a crash or a power cut would.
    pub fn kill_app(&self) -> Result<()> {
        for pid in self.group_pids("doorstep-desktop")? {
            Command::new("kill").args(["-s", "KILL", &pid]).status()?;
        }
        Ok(())
    }

    /// The X display and its authority, read from the environment of the
    /// first process in this display's group that has them (xvfb-run
    /// itself does not).
    pub fn x_env(&self) -> Result<Vec<(String, String)>> {
        for pid in self.group_pids("")? {
            let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
                continue;
            };
            let vars: Vec<(String, String)> = environ
                .split(|b| *b == 0)
                .filter_map(|kv| std::str::from_utf8(kv).ok()?.split_once('='))
                .filter(|(k, _)| matches!(*k, "DISPLAY" | "XAUTHORITY"))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            if vars.iter().any(|(k, _)| k == "DISPLAY") {
                return Ok(vars);
            }
        }
        bail!("no process of the display has DISPLAY set")
    }

    /// Runs xdotool on this display (at most 20 s); its output.
    pub fn xdotool(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("timeout")
            .arg("20")
            .arg("xdotool")
            .args(args)
            .envs(self.x_env()?)
            .output()?;
        if !out.status.success() {
            bail!("xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Answers the system's save dialog (GTK's, titled "Save a copy") as a
    /// practitioner would: types the full path of the file and presses
    /// Enter.
    pub fn save_in_dialog(&self, path: &Path) -> Result<()> {
        let window =
            self.xdotool(&["search", "--sync", "--onlyvisible", "--name", "Save a copy"])?;
        let window = window
            .lines()
            .last()
            .context("the save dialog's window")?
            .to_string();
        self.xdotool(&["windowfocus", "--sync", &window])?;
        self.xdotool(&["key", "--clearmodifiers", "ctrl+a"])?;
        self.xdotool(&["type", "--delay", "20", &path.display().to_string()])?;
        self.xdotool(&["key", "Return"])?;
        Ok(())
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // The whole group: xvfb-run, Xvfb, tauri-driver, WebKitWebDriver and
        // the app. tauri-driver ignores SIGTERM, so SIGKILL after a moment.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-s", "TERM", "--", &group])
            .status();
        for _ in 0..20 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .status();
        let _ = self.child.wait();
    }
}

/// The path of `tool` on the PATH, if installed.
pub fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}
