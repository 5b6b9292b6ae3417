//! `cargo xtask package`: the installable packages a trust's IT team puts
//! on laptops and on the server host, in `target/packages/`:
//!
//! - the desktop app as .deb and .rpm, made by Tauri's bundler (`tauri
//!   build`, from the UI's npm dependencies); an AppImage is not made: its
//!   bundler downloads a runtime at build time, which these machines cannot;
//! - the sync server as a .deb made by `dpkg-deb` from `packaging/server/`:
//!   the binary, a systemd unit, an example settings file and a postinst
//!   that creates the service's user.
//!
//! Then it checks them: each package holds what it must, and the server
//! binary unpacked from its .deb starts and answers `/v1/health`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

/// Builds and checks every package.
pub fn run(root: &Path) -> Result<()> {
    let out = root.join("target/packages");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let desktop = desktop(root, &out)?;
    let server = server(root, &out)?;
    check_desktop(&desktop)?;
    check_server(&server)?;
    println!("package: packages in {}:", out.display());
    for p in desktop.iter().chain([&server]) {
        println!("  {}", p.file_name().unwrap_or_default().to_string_lossy());
    }
    Ok(())
}

fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {program}"))?;
    if !output.status.success() {
        bail!("{program} {args:?} exited with {}", output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn workspace_version(root: &Path) -> Result<String> {
    let toml = std::fs::read_to_string(root.join("Cargo.toml"))?;
    toml.lines()
        .skip_while(|l| l.trim() != "[workspace.package]")
        .find_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_string())
        .context("the workspace version in Cargo.toml")
}

/// The desktop app's .deb and .rpm, copied into `out`.
fn desktop(root: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    run_in(&root.join("ui"), "npm", &["run", "build"])?;
    let tauri = root.join("ui/node_modules/.bin/tauri");
    ensure!(
        tauri.exists(),
        "the Tauri CLI is missing: run `npm ci` in ui/ first"
    );
    // The UI is built above; the bundler need not build it again.
    let status = Command::new(&tauri)
        .args([
            "build",
            "--ci",
            "--bundles",
            "deb,rpm",
            "--config",
            r#"{"build":{"beforeBuildCommand":""}}"#,
        ])
        .current_dir(root.join("src-tauri"))
        .status()
        .context("starting tauri build")?;
    ensure!(status.success(), "tauri build exited with {status}");
    let mut made = Vec::new();
    for (dir, ext) in [("deb", "deb"), ("rpm", "rpm")] {
        let bundle = root.join("target/release/bundle").join(dir);
        let file = std::fs::read_dir(&bundle)
            .with_context(|| format!("reading {}", bundle.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .with_context(|| format!("no .{ext} in {}", bundle.display()))?;
        let to = out.join(file.file_name().context("file name")?);
        std::fs::copy(&file, &to)?;
        made.push(to);
    }
    Ok(made)
}

/// The server's .deb, staged from `packaging/server/` and the release
/// binary, built by `dpkg-deb`.
fn server(root: &Path, out: &Path) -> Result<PathBuf> {
    run_in(
        root,
        "cargo",
        &["build", "--release", "--locked", "-p", "doorstep-server"],
    )?;
    let version = workspace_version(root)?;
    let stage = out.join("stage-server");
    let files = root.join("packaging/server");
    let put = |from: &Path, to: &str, mode: u32| -> Result<()> {
        let to = stage.join(to);
        std::fs::create_dir_all(to.parent().context("parent")?)?;
        std::fs::copy(from, &to).with_context(|| format!("copying {}", from.display()))?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode))?;
        Ok(())
    };
    put(
        &root.join("target/release/doorstep-server"),
        "usr/bin/doorstep-server",
        0o755,
    )?;
    put(
        &files.join("doorstep-server.service"),
        "lib/systemd/system/doorstep-server.service",
        0o644,
    )?;
    put(
        &files.join("server.env.example"),
        "usr/share/doc/doorstep-server/server.env.example",
        0o644,
    )?;
    put(
        &files.join("README"),
        "usr/share/doc/doorstep-server/README",
        0o644,
    )?;
    put(&files.join("postinst"), "DEBIAN/postinst", 0o755)?;
    let control = format!(
        "Package: doorstep-server\n\
         Version: {version}\n\
         Section: net\n\
         Priority: optional\n\
         Architecture: amd64\n\
         Maintainer: Doorstep developers <doorstep@nhs.example>\n\
         Depends: adduser, libc6, libssl3\n\
         Description: Doorstep sync server for health-visiting teams\n \
         The central server Doorstep laptops sync with: it checks every\n \
         change a laptop sends before storing it, and holds the trust's\n \
         allocation of families. Runs as a systemd service.\n"
    );
    std::fs::write(stage.join("DEBIAN/control"), control)?;
    let deb = out.join(format!("doorstep-server_{version}_amd64.deb"));
    run_in(
        root,
        "dpkg-deb",
        &[
            "--build",
            "--root-owner-group",
            &stage.display().to_string(),
            &deb.display().to_string(),
        ],
    )?;
    std::fs::remove_dir_all(&stage)?;
    Ok(deb)
}

fn contains_all(listing: &str, what: &str, wanted: &[&str]) -> Result<()> {
    for w in wanted {
        ensure!(
            listing.lines().any(|l| l.trim_end().ends_with(w)),
            "{what} lacks {w}:\n{listing}"
        );
    }
    Ok(())
}

fn check_desktop(packages: &[PathBuf]) -> Result<()> {
    let here = Path::new(".");
    for p in packages {
        let name = p.display().to_string();
        if name.ends_with(".deb") {
            let listing = run_in(here, "dpkg-deb", &["--contents", &name])?;
            contains_all(
                &listing,
                "the desktop .deb",
                &[
                    "usr/bin/doorstep-desktop",
                    "usr/share/applications/Doorstep.desktop",
                ],
            )?;
            let depends = run_in(here, "dpkg-deb", &["--field", &name, "Depends"])?;
            ensure!(
                depends.contains("libwebkit2gtk-4.1"),
                "the desktop .deb does not depend on WebKitGTK: {depends}"
            );
        } else {
            let listing = run_in(here, "rpm", &["-qlp", &name])?;
            contains_all(
                &listing,
                "the desktop .rpm",
                &[
                    "/usr/bin/doorstep-desktop",
                    "/usr/share/applications/Doorstep.desktop",
                ],
            )?;
        }
    }
    Ok(())
}

/// The server .deb's contents, then its binary, unpacked, serving.
fn check_server(deb: &Path) -> Result<()> {
    let name = deb.display().to_string();
    let here = Path::new(".");
    let listing = run_in(here, "dpkg-deb", &["--contents", &name])?;
    contains_all(
        &listing,
        "the server .deb",
        &[
            "usr/bin/doorstep-server",
            "lib/systemd/system/doorstep-server.service",
            "usr/share/doc/doorstep-server/server.env.example",
        ],
    )?;
    let unpacked = deb.with_extension("unpacked");
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked)?;
    }
    run_in(
        here,
        "dpkg-deb",
        &["--extract", &name, &unpacked.display().to_string()],
    )?;
    let unit =
        std::fs::read_to_string(unpacked.join("lib/systemd/system/doorstep-server.service"))?;
    ensure!(
        unit.contains("ExecStart=/usr/bin/doorstep-server serve")
            && unit.contains("EnvironmentFile=/etc/doorstep/server.env"),
        "the unit does not start the packaged server with its settings:\n{unit}"
    );
    let db = unpacked.join("hub.db");
    let mut server = Command::new(unpacked.join("usr/bin/doorstep-server"))
        .args(["serve", "--database-url"])
        .arg(&db)
        .args(["--listen", "127.0.0.1:0", "--insecure-dev-http"])
        .env("DOORSTEP_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the packaged server")?;
    let answered = (|| -> Result<()> {
        let stdout = server.stdout.take().context("the server's output")?;
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first)?;
        let url = first
            .split_whitespace()
            .last()
            .filter(|u| u.starts_with("http://"))
            .with_context(|| format!("the packaged server said {first:?}"))?
            .to_string();
        let started = Instant::now();
        loop {
            let health = Command::new("curl")
                .args(["--silent", "--fail", &format!("{url}/v1/health")])
                .output()?;
            if health.status.success() {
                println!(
                    "package: the server from the .deb answered /v1/health: {}",
                    String::from_utf8_lossy(&health.stdout).trim()
                );
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(20) {
                bail!("the packaged server did not answer /v1/health at {url}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    })();
    let _ = server.kill();
    let _ = server.wait();
    std::fs::remove_dir_all(&unpacked)?;
    answered
}
