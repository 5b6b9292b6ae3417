//! Benchmark-style crash run: `crash-cycles [--cycles N]` kills the writer N
//! times (default 1000) and prints the figures.

use anyhow::Result;
use doorstep_testkit::{crash, TempDevice};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let cycles = args
        .iter()
        .position(|a| a == "--cycles")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1000);
    let writer = std::env::current_exe()?
        .with_file_name(format!("crash-writer{}", std::env::consts::EXE_SUFFIX));
    let device = TempDevice::new();
    let r = crash::run_cycles(&writer, &device.data_dir(), cycles, 7)?;
    println!(
        "crash-cycles: {} SIGKILL cycles, {} families acknowledged, {} present after every kill, 0 lost, integrity ok; {:.1} s ({:.0} ms/cycle)",
        r.cycles,
        r.acknowledged,
        r.present,
        r.elapsed.as_secs_f64(),
        r.elapsed.as_secs_f64() * 1000.0 / r.cycles as f64
    );
    Ok(())
}
