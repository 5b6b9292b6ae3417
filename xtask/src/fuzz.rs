//! `cargo xtask fuzz [SECONDS]`: builds the libFuzzer targets in `fuzz/`
//! with coverage instrumentation on the stable toolchain (the flags
//! cargo-fuzz passes, without a sanitizer) into `target/fuzz`, and runs each
//! for a time budget. A crash fails the run and leaves the input in
//! `target/fuzz/artifacts/<target>/` to replay: `target/fuzz/<triple>/
//! release/<target> <file>`.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The targets in `fuzz/fuzz_targets`.
const TARGETS: &[&str] = &["decode_sync", "answer_hostile"];

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

const RUSTFLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    --cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// Builds and runs every target for `seconds` each.
pub fn run(root: &Path, seconds: u64) -> Result<()> {
    let target_dir = root.join("target/fuzz");
    let status = Command::new("cargo")
        .args(["build", "--release", "--manifest-path"])
        .arg(root.join("fuzz/Cargo.toml"))
        .args(["--target", TRIPLE, "--target-dir"])
        .arg(&target_dir)
        // Only the target's code is instrumented (not build scripts):
        // that is why the triple is explicit.
        .env("RUSTFLAGS", RUSTFLAGS)
        .status()
        .context("starting cargo build for the fuzz targets")?;
    if !status.success() {
        bail!("building the fuzz targets failed: {status}");
    }
    for target in TARGETS {
        let corpus = target_dir.join("corpus").join(target);
        let seeds = root.join("fuzz/seeds").join(target);
        let artifacts = target_dir.join("artifacts").join(target);
        fs::create_dir_all(&corpus)?;
        fs::create_dir_all(&artifacts)?;
        let bin = target_dir.join(TRIPLE).join("release").join(target);
        println!("fuzz: {target} for {seconds}s");
        let mut cmd = Command::new(&bin);
        cmd.arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=2048")
            .arg("-max_len=65536")
            .arg("-use_value_profile=1")
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg(&corpus);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        let status = cmd
            .status()
            .with_context(|| format!("running {}", bin.display()))?;
        if !status.success() {
            bail!(
                "fuzz target {target} found a crash: see {}",
                artifacts.display()
            );
        }
    }
    Ok(())
}
