//! `doorstep-bench`: prints the device-store figures recorded in
//! docs/PERFORMANCE.md. Run in release:
//! `cargo run --release -p doorstep-testkit --bin doorstep-bench`.
//!
//! Figures: unlock (KDF and open separately), family list with a filter and
//! with searches at 600 and 10,000 families, one family edit with its
//! projection and audit row, and bytes on disk per family.

use std::time::{Duration, Instant};

use anyhow::Result;
use doorstep_core::domain::codes::{FlagKind, LevelOfService};
use doorstep_core::domain::family::NewLevel;
use doorstep_core::domain::listing::FamilyQuery;
use doorstep_core::{demo, device, Clock, InitOptions, Session};
use doorstep_store::{KdfParams, ProfileDir};
use doorstep_testkit::{fixed_now, TempDevice, PASSPHRASE};

struct Stats {
    median: Duration,
    p99: Duration,
    n: usize,
}

fn measure(n: usize, mut f: impl FnMut(usize)) -> Stats {
    for i in 0..3.min(n) {
        f(i);
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        median: times[n / 2],
        p99: times[((n as f64 * 0.99).ceil() as usize).min(n) - 1],
        n,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, s: &Stats) {
    println!(
        "{name:<58} median {:>10}  p99 {:>10}  (n={})",
        ms(s.median),
        ms(s.p99),
        s.n
    );
}

fn unlock_figures() -> Result<()> {
    for (label, target) in [
        ("floor: 64 MiB, 1 iteration", Duration::ZERO),
        ("calibrated to ~0.5 s", Duration::from_millis(500)),
    ] {
        let device = TempDevice::with_options(InitOptions {
            kdf_target: target,
            backoff_base_ms: 0,
            ..InitOptions::default()
        });
        let dir = ProfileDir::new(device.data_dir());
        let params: KdfParams = dir.kdf_params()?;
        let kdf = measure(5, |_| {
            dir.unlock(PASSPHRASE).expect("unlock");
        });
        let key = dir.unlock(PASSPHRASE)?;
        let open = measure(20, |_| {
            doorstep_store::Store::open(&dir, &key).expect("open");
        });
        println!(
            "unlock, {label} ({} KiB, t={}): key derivation + unwrap median {}; database open median {}",
            params.memory_kib,
            params.iterations,
            ms(kdf.median),
            ms(open.median)
        );
    }
    Ok(())
}

fn list_figures(s: &mut Session, families: usize) -> Result<()> {
    let queries: Vec<(&str, FamilyQuery)> = vec![
        (
            "filter level=targeted",
            FamilyQuery {
                level: Some(LevelOfService::Targeted),
                ..Default::default()
            },
        ),
        (
            "filter flag=child-protection",
            FamilyQuery {
                flag: Some(FlagKind::ChildProtection),
                ..Default::default()
            },
        ),
        (
            "search name \"begum\"",
            FamilyQuery {
                search: Some("begum".into()),
                ..Default::default()
            },
        ),
        (
            "search NHS number \"999 123 4567\"",
            FamilyQuery {
                search: Some("999 123 4567".into()),
                ..Default::default()
            },
        ),
        (
            "search postcode \"CV3 4\"",
            FamilyQuery {
                search: Some("CV3 4".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, q) in &queries {
        let store_only = measure(50, |_| {
            s.store().list(q, fixed_now().date_naive()).expect("list");
        });
        report(
            &format!("family list {name} @ {families}: query"),
            &store_only,
        );
        let with_audit = measure(50, |_| {
            s.list_families(q).expect("list");
        });
        report(
            &format!("family list {name} @ {families}: + audit row"),
            &with_audit,
        );
    }
    Ok(())
}

fn edit_figures(s: &mut Session, families: usize) -> Result<()> {
    let ids: Vec<String> = s
        .store()
        .family_ids()?
        .into_iter()
        .take(200)
        .map(|u| u.to_string())
        .collect();
    let stats = measure(200, |i| {
        s.set_level(
            &ids[i % ids.len()],
            &NewLevel {
                level: "targeted".into(),
                effective: "2026-11-01".into(),
                reason: "Bench".into(),
            },
        )
        .expect("edit");
    });
    report(
        &format!("one family edit (document + projection + audit) @ {families}"),
        &stats,
    );
    Ok(())
}

fn disk_figures(dir: &std::path::Path, s: &mut Session, families: usize) -> Result<()> {
    s.store()
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let total: u64 = doorstep_testkit::files_under(dir)
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let ids = s.store().family_ids()?;
    let doc_bytes: usize = ids
        .iter()
        .take(500)
        .map(|id| s.store().document_bytes(*id).unwrap_or(0))
        .sum();
    println!(
        "bytes on disk @ {families}: {:.1} MiB in the data directory = {} bytes per family (Automerge document alone: {} bytes)",
        total as f64 / 1048576.0,
        total / families as u64,
        doc_bytes / ids.len().min(500)
    );
    Ok(())
}

fn main() -> Result<()> {
    println!(
        "doorstep-bench ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    unlock_figures()?;
    for families in [600usize, 10_000] {
        let device = TempDevice::new();
        let mut s = device::unlock(&device.data_dir(), PASSPHRASE, Clock::Fixed(fixed_now()))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let t = Instant::now();
        demo::seed(&mut s, families, 1).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "seed {families} families: {:.1} s",
            t.elapsed().as_secs_f64()
        );
        disk_figures(&device.data_dir(), &mut s, families)?;
        list_figures(&mut s, families)?;
        edit_figures(&mut s, families)?;
    }
    Ok(())
}
