//! `cargo xtask demo`: placeholder until the demo is built.

/// Runs the demo (not built yet).
pub fn demo() -> anyhow::Result<()> {
    println!("demo: not built yet");
    Ok(())
}
