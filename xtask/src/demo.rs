//! `cargo xtask demo`: starts a local server with a demo trust (one team,
//! one health visitor, a synthetic caseload uploaded from a demo device)
//! and opens the desktop app on that device, enrolled to it. `cargo xtask
//! demo-cli` instead sets up a device with 600 families and tours the CLI.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::repo_root;

/// The demo device's passphrase (synthetic data only).
const DEMO_PASSPHRASE: &str = "demo caseload passphrase";
/// The demo trust's team and health visitor.
const DEMO_TEAM: &str = "Coventry North HV Team";
const DEMO_PRACTITIONER: &str = "Demo Practitioner";
/// `doorstep init` for the demo laptop.
const INIT_DEMO_LAPTOP: &[&str] = &[
    "init",
    "--practitioner",
    DEMO_PRACTITIONER,
    "--team",
    DEMO_TEAM,
];

fn doorstep(bin: &Path, data: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("DOORSTEP_PASSPHRASE", DEMO_PASSPHRASE)
        .output()
        .context("running doorstep")?;
    if !out.status.success() {
        bail!(
            "doorstep {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn step(bin: &Path, data: &Path, title: &str, args: &[&str]) -> Result<String> {
    println!("\n$ doorstep {}\n# {title}", args.join(" "));
    let out = doorstep(bin, data, args)?;
    print!("{out}");
    Ok(out)
}

fn run(program: &str, dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("{program} {} failed", args.join(" "));
    }
    Ok(())
}

/// Runs `doorstep-server admin --json ARGS` on the demo database.
fn admin(bin: &Path, db: &Path, args: &[&str]) -> Result<serde_json::Value> {
    let out = Command::new(bin)
        .args(["admin", "--json", "--database-url"])
        .arg(db)
        .args(args)
        .output()
        .context("running doorstep-server admin")?;
    if !out.status.success() {
        bail!(
            "admin {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The desktop demo: a local server with a demo trust, and the app
/// enrolled to it.
pub fn desktop() -> Result<()> {
    let root = repo_root();
    let ui = root.join("ui");
    if !ui.join("node_modules").exists() {
        run("npm", &ui, &["ci", "--no-audit", "--no-fund"])?;
    }
    run("npm", &ui, &["run", "build"])?;
    run("cargo", &root, &["build", "--workspace", "--bins"])?;
    let target = root.join("target/debug");
    let demo = root.join("target/demo-desktop");
    if demo.exists() {
        std::fs::remove_dir_all(&demo)?;
    }
    std::fs::create_dir_all(&demo)?;
    let db = demo.join("server.db");
    let device = demo.join("device");

    // The trust's server, plain HTTP on loopback only (development flag).
    let server_bin = target.join("doorstep-server");
    let mut server = Command::new(&server_bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--insecure-dev-http",
            "--database-url",
        ])
        .arg(&db)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting doorstep-server")?;
    let mut first = String::new();
    BufReader::new(server.stdout.take().context("server stdout")?).read_line(&mut first)?;
    // "doorstep-server listening on http://127.0.0.1:PORT"
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .with_context(|| format!("no address in the server's first line: {first}"))?
        .to_string();
    let result = (|| -> Result<()> {
        admin(&server_bin, &db, &["team", "create", DEMO_TEAM])?;
        let hv = admin(
            &server_bin,
            &db,
            &[
                "practitioner",
                "create",
                "--name",
                DEMO_PRACTITIONER,
                "--role",
                "health-visitor",
                "--team",
                DEMO_TEAM,
            ],
        )?;
        let hv = hv["id"].as_str().context("practitioner id")?.to_string();
        let code = admin(&server_bin, &db, &["enrolment-code", "--practitioner", &hv])?;
        let code = code["code"].as_str().context("code")?.to_string();
        let cli = target.join("doorstep");
        println!("Setting up the demo laptop and uploading 200 synthetic families…");
        doorstep(&cli, &device, INIT_DEMO_LAPTOP)?;
        doorstep(
            &cli,
            &device,
            &[
                "enrol",
                "--server",
                &url,
                "--code",
                &code,
                "--device-name",
                "Demo laptop",
            ],
        )?;
        doorstep(
            &cli,
            &device,
            &["demo", "seed", "--families", "200", "--seed", "1"],
        )?;
        doorstep(&cli, &device, &["sync"])?;
        println!("Server: {url} (database {})", db.display());
        println!("Opening Doorstep. Passphrase: \"{DEMO_PASSPHRASE}\"");
        let status = Command::new(target.join("doorstep-desktop"))
            .env("DOORSTEP_DATA_DIR", &device)
            .env("DOORSTEP_SYNC_SECONDS", "30")
            .status()
            .context("starting doorstep-desktop")?;
        if !status.success() {
            bail!("doorstep-desktop exited with {status}");
        }
        Ok(())
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Runs the CLI demo tour.
pub fn demo() -> Result<()> {
    let root = repo_root();
    let status = Command::new("cargo")
        .args(["build", "--quiet", "-p", "doorstep-cli"])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("building doorstep failed");
    }
    let bin = root.join("target/debug/doorstep");
    let data = root.join("target/demo");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    println!("Doorstep demo: a synthetic caseload on an encrypted device store.");
    println!(
        "Data directory: {} (passphrase: \"{DEMO_PASSPHRASE}\")",
        data.display()
    );
    step(
        &bin,
        &data,
        "set up the device (Argon2id-wrapped key, SQLCipher database)",
        INIT_DEMO_LAPTOP,
    )?;
    step(
        &bin,
        &data,
        "a deterministic synthetic caseload: NHS numbers from the 999 test range only",
        &["demo", "seed", "--families", "600", "--seed", "1"],
    )?;
    step(
        &bin,
        &data,
        "the caseload, first page",
        &["family", "list", "--per-page", "8"],
    )?;
    step(
        &bin,
        &data,
        "families on a child protection plan",
        &[
            "family",
            "list",
            "--flag",
            "child-protection",
            "--per-page",
            "5",
        ],
    )?;
    step(
        &bin,
        &data,
        "specialist level, sorted by postcode",
        &[
            "family",
            "list",
            "--level",
            "specialist",
            "--sort",
            "postcode",
            "--per-page",
            "5",
        ],
    )?;
    let json = doorstep(
        &bin,
        &data,
        &[
            "family",
            "list",
            "--flag",
            "child-protection",
            "--per-page",
            "1",
            "--json",
        ],
    )?;
    let v: serde_json::Value = serde_json::from_str(&json)?;
    let id = v["families"][0]["id"]
        .as_str()
        .context("a CP family")?
        .to_string();
    let shown = doorstep(&bin, &data, &["family", "show", &id, "--json"])?;
    let family: serde_json::Value = serde_json::from_str(&shown)?;
    let member = family["family"]["members"]
        .as_object()
        .and_then(|m| m.values().find(|p| p["nhs_number"].is_string()))
        .context("a member with an NHS number")?;
    let nhs = member["nhs_number"].as_str().unwrap_or_default();
    let spaced = format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..]);
    let surname = member["family_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    step(
        &bin,
        &data,
        "search by NHS number, with spaces",
        &["family", "list", "--search", &spaced],
    )?;
    step(
        &bin,
        &data,
        "search by name",
        &[
            "family",
            "list",
            "--search",
            &surname.to_lowercase(),
            "--per-page",
            "5",
        ],
    )?;
    step(
        &bin,
        &data,
        "one family: alert banner, members, level history, flags",
        &["family", "show", &id[..8]],
    )?;
    step(
        &bin,
        &data,
        "who viewed and changed this family",
        &["audit", "show", "--family", &id[..8]],
    )?;
    step(
        &bin,
        &data,
        "this family's five mandated reviews per child",
        &["reviews", &id[..8]],
    )?;
    println!("\n$ doorstep worklist | head -20\n# today's worklist: overdue, follow-ups, due now, upcoming");
    let list = doorstep(&bin, &data, &["worklist"])?;
    for line in list.lines().take(20) {
        println!("{line}");
    }
    println!("... {}", list.lines().last().unwrap_or_default());
    step(
        &bin,
        &data,
        "the caseload against the limit",
        &["caseload", "summary"],
    )?;
    step(
        &bin,
        &data,
        "the national health-visiting metrics for a quarter",
        &["report", "kpi", "--quarter", "2026Q2"],
    )?;
    step(
        &bin,
        &data,
        "the installed assessment forms",
        &["form", "list"],
    )?;
    step(
        &bin,
        &data,
        "the audit chain is intact",
        &["audit", "verify"],
    )?;
    println!(
        "\nTry it yourself: DOORSTEP_DATA_DIR={} target/debug/doorstep --help",
        data.display()
    );
    Ok(())
}
