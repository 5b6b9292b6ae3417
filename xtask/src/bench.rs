//! `cargo xtask bench`: placeholder until the benchmarks are built.

/// Runs the benchmarks (not built yet).
pub fn bench() -> anyhow::Result<()> {
    println!("bench: not built yet");
    Ok(())
}
