//! The workspace's binaries for end-to-end tests (`doorstep`,
//! `doorstep-server`, `doorstep-desktop`). They are built with the whole
//! workspace's feature set, as `cargo xtask test` builds them before the
//! tests run, so asking for them from a test is a quick up-to-date check
//! rather than a second build with other features.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The path of workspace binary `name`, built (once per process) if it is
/// missing or stale.
pub fn workspace_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--workspace", "--bins"])
            .status()
            .expect("run cargo build --workspace --bins");
        assert!(status.success(), "building the workspace's binaries failed");
    });
    // A test binary lives in target/<profile>/deps.
    let exe = std::env::current_exe().expect("test exe");
    let profile_dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let bin = profile_dir.join(name);
    assert!(bin.exists(), "no {}", bin.display());
    bin
}
