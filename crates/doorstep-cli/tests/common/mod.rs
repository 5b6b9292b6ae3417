//! Shared helpers for the `doorstep` end-to-end tests: run the real binary
//! against a device in a temporary data directory, with the clock fixed by
//! `DOORSTEP_NOW` and key derivation at its floor, and read its JSON.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod trust;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

/// The device passphrase the helpers use.
pub const PASS: &str = "correct horse battery staple";
/// The fixed clock: Sunday 22 November 2026, 09:30 UTC.
pub const NOW: &str = "2026-11-22T09:30:00Z";

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// `stdout` parsed as JSON (`Null` when it is not JSON).
    pub json: Value,
}

impl Run {
    pub fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The `{"error": …}` object printed with `--json`.
    /// The problem texts reported for `field`, after checking the run
    /// failed as invalid input (exit 3) with at least one such problem.
    pub fn problems_for(&self, field: &str) -> Vec<String> {
        assert_eq!(
            self.code,
            3,
            "expected exit 3 for {field}:\n{}",
            self.describe()
        );
        let e = &self.json["error"];
        assert_eq!(e["code"], "invalid", "{}", self.describe());
        let texts: Vec<String> = e["problems"]
            .as_array()
            .unwrap_or_else(|| panic!("no problems array:\n{}", self.describe()))
            .iter()
            .filter(|p| p["field"] == field)
            .filter_map(|p| p["problem"].as_str().map(str::to_string))
            .collect();
        assert!(
            texts.iter().any(|t| !t.is_empty()),
            "no problem for field {field}:\n{}",
            self.describe()
        );
        texts
    }

    pub fn error(&self) -> &Value {
        let e = &self.json["error"];
        assert!(e.is_object(), "no JSON error object:\n{}", self.describe());
        e
    }

    /// Asserts the JSON error is `invalid` with a problem for `field`.
    pub fn assert_invalid_field(&self, field: &str) {
        assert_eq!(
            self.code,
            3,
            "expected exit 3 for {field}:\n{}",
            self.describe()
        );
        let e = self.error();
        assert_eq!(e["code"], "invalid", "{}", self.describe());
        let problems = e["problems"].as_array().expect("problems array");
        assert!(
            problems.iter().any(
                |p| p["field"] == field && p["problem"].as_str().is_some_and(|s| !s.is_empty())
            ),
            "no problem for field {field}:\n{}",
            self.describe()
        );
    }
}

/// A device in a temporary data directory, and the passphrase to use on it.
pub struct Doorstep {
    pub tmp: TempDir,
    pub passphrase: String,
}

impl Doorstep {
    /// A fresh, empty data directory (no profile yet).
    pub fn empty() -> Doorstep {
        Doorstep {
            tmp: tempfile::tempdir().expect("temp dir"),
            passphrase: PASS.into(),
        }
    }

    /// A device set up with `init` (fast KDF, no back-off) plus `extra` init options.
    pub fn init_with(extra: &[&str]) -> Doorstep {
        let d = Doorstep::empty();
        let mut args = vec!["init", "--kdf-target-ms", "0", "--backoff-ms", "0"];
        args.extend_from_slice(extra);
        d.ok(&args);
        d
    }

    pub fn init() -> Doorstep {
        Doorstep::init_with(&[])
    }

    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    /// Runs `doorstep --data-dir <dir> [--json] args…` with the clock fixed
    /// and the passphrase(s) from the environment.
    pub fn exec(&self, json: bool, pass: &str, new_pass: Option<&str>, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_doorstep"));
        cmd.arg("--data-dir").arg(self.dir());
        if json {
            cmd.arg("--json");
        }
        cmd.args(args)
            .env_remove("DOORSTEP_DATA_DIR")
            .env_remove("DOORSTEP_NEW_PASSPHRASE")
            .env("DOORSTEP_NOW", NOW)
            .env("DOORSTEP_PASSPHRASE", pass);
        if let Some(n) = new_pass {
            cmd.env("DOORSTEP_NEW_PASSPHRASE", n);
        }
        let out = cmd.output().expect("run doorstep");
        let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        Run {
            code: out.status.code().expect("exited normally"),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stdout,
            stderr,
        }
    }

    /// `--json` run with the device passphrase.
    pub fn run(&self, args: &[&str]) -> Run {
        self.exec(true, &self.passphrase, None, args)
    }

    /// Plain-text run with the device passphrase.
    pub fn text(&self, args: &[&str]) -> Run {
        self.exec(false, &self.passphrase, None, args)
    }

    /// `--json` run that must succeed; returns the JSON.
    pub fn ok(&self, args: &[&str]) -> Value {
        let r = self.run(args);
        assert_eq!(r.code, 0, "doorstep {args:?} failed:\n{}", r.describe());
        r.json
    }

    /// Adds a family; returns its id.
    pub fn add_family(&self, args: &[&str]) -> String {
        let mut a = vec!["family", "add"];
        a.extend_from_slice(args);
        id(&self.ok(&a)["family_id"])
    }

    /// Runs a write that returns `{family_id, record_id}`; returns the record id.
    pub fn write(&self, args: &[&str]) -> String {
        id(&self.ok(args)["record_id"])
    }

    pub fn show(&self, family: &str) -> Value {
        self.ok(&["family", "show", family])
    }

    pub fn list(&self, args: &[&str]) -> Value {
        let mut a = vec!["family", "list"];
        a.extend_from_slice(args);
        self.ok(&a)
    }

    /// Ids of the families a list returns, in order.
    pub fn list_ids(&self, args: &[&str]) -> Vec<String> {
        ids(&self.list(args))
    }

    pub fn audit_count(&self, family: &str) -> usize {
        self.ok(&["audit", "show", "--family", family])
            .as_array()
            .expect("audit rows")
            .len()
    }
}

pub fn id(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not an id: {v}"))
        .to_string()
}

pub fn ids(page: &Value) -> Vec<String> {
    page["families"]
        .as_array()
        .expect("families array")
        .iter()
        .map(|f| id(&f["id"]))
        .collect()
}

pub fn total(page: &Value) -> u64 {
    page["total"].as_u64().expect("total")
}
