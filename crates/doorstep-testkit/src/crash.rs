//! The crash-safety harness: a writer process adds families in a loop and
//! prints each id once its transaction has committed; the harness kills it
//! with SIGKILL at a random moment, then checks that the store opens, that
//! `PRAGMA integrity_check` is ok and that every acknowledged family is
//! there.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use doorstep_core::{device, Clock};
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::{fixed_now, PASSPHRASE};

/// What a run of kill cycles found.
#[derive(Debug, Clone, Default)]
pub struct CrashReport {
    /// Kill cycles run.
    pub cycles: usize,
    /// Families acknowledged by the writer over all cycles.
    pub acknowledged: usize,
    /// Acknowledged families found afterwards (must equal `acknowledged`).
    pub present: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// Runs `cycles` kill cycles of `writer` against the device in `data_dir`.
/// Fails at the first cycle that loses an acknowledged family or leaves the
/// database damaged.
pub fn run_cycles(writer: &Path, data_dir: &Path, cycles: usize, seed: u64) -> Result<CrashReport> {
    let start = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut acked: HashSet<Uuid> = HashSet::new();
    for cycle in 0..cycles {
        let mut child = Command::new(writer)
            .arg(data_dir)
            .env("DOORSTEP_PASSPHRASE", PASSPHRASE)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the crash writer")?;
        let stdout = child.stdout.take().expect("piped");
        let seen: Arc<Mutex<Vec<Uuid>>> = Arc::default();
        let reader = {
            let seen = seen.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(id) = line
                        .strip_prefix("ack ")
                        .and_then(|s| Uuid::parse_str(s).ok())
                    {
                        seen.lock().expect("lock").push(id);
                    }
                }
            })
        };
        // Wait until the writer is writing (first ack), then a random while.
        let ready = Instant::now();
        while seen.lock().expect("lock").is_empty() && ready.elapsed() < Duration::from_secs(20) {
            if let Some(status) = child.try_wait()? {
                bail!("cycle {cycle}: the writer exited early with {status}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..60_000)));
        child.kill().context("killing the writer")?;
        child.wait()?;
        reader.join().expect("reader thread");
        acked.extend(seen.lock().expect("lock").iter().copied());

        let mut session =
            device::unlock(data_dir, PASSPHRASE, Clock::Fixed(fixed_now())).map_err(|e| {
                anyhow::anyhow!("cycle {cycle}: the store did not open after a kill: {e}")
            })?;
        let integrity = session.store().integrity_check()?;
        if integrity != "ok" {
            bail!("cycle {cycle}: integrity_check said {integrity}");
        }
        let present: HashSet<Uuid> = session.store().family_ids()?.into_iter().collect();
        let lost: Vec<&Uuid> = acked.iter().filter(|id| !present.contains(id)).collect();
        if !lost.is_empty() {
            bail!(
                "cycle {cycle}: {} acknowledged families are missing",
                lost.len()
            );
        }
    }
    Ok(CrashReport {
        cycles,
        acknowledged: acked.len(),
        present: acked.len(),
        elapsed: start.elapsed(),
    })
}
