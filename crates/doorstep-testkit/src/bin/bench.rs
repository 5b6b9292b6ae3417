//! `doorstep-bench`: prints the device-store figures recorded in
//! docs/PERFORMANCE.md. Run in release:
//! `cargo run --release -p doorstep-testkit --bin doorstep-bench`.
//!
//! Figures: unlock (KDF and open separately), family list with a filter and
//! with searches at 600 and 10,000 families, one family edit with its
//! projection and audit row, and bytes on disk per family.

use std::time::{Duration, Instant};

use anyhow::Result;
use doorstep_core::domain::record::family::NewLevel;
use doorstep_core::domain::record::listing::FamilyQuery;
use doorstep_core::domain::values::codes::{FlagKind, LevelOfService};
use doorstep_core::{demo, device, Clock, InitOptions, Session};
use doorstep_store::{KdfParams, ProfileDir};
use doorstep_testkit::{fixed_now, quick_options, TempDevice, PASSPHRASE};

struct Stats {
    median: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        let n = times.len();
        let at = |q: f64| times[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
        Stats {
            median: times[n / 2],
            p90: at(0.90),
            p99: at(0.99),
            max: times[n - 1],
            n,
        }
    }
}

fn measure(n: usize, mut f: impl FnMut(usize)) -> Stats {
    for i in 0..3.min(n) {
        f(i);
    }
    Stats::of(
        (0..n)
            .map(|i| {
                let t = Instant::now();
                f(i);
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, s: &Stats) {
    println!(
        "{name:<58} median {:>10}  p90 {:>10}  p99 {:>10}  max {:>10}  (n={})",
        ms(s.median),
        ms(s.p90),
        ms(s.p99),
        ms(s.max),
        s.n
    );
}

/// Whether the figure group `name` is wanted (DOORSTEP_BENCH_ONLY=a,b runs
/// only those groups, for profiling; unset runs all).
fn wanted(name: &str) -> bool {
    std::env::var("DOORSTEP_BENCH_ONLY")
        .map(|v| v.split(',').any(|x| x.trim() == name))
        .unwrap_or(true)
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

/// The server's check of one change (ARCHITECTURE.md §9), as it runs on
/// each message that adds something: the family as it was rebuilt from
/// the document (`fork_at`), then `admission::Sender::check` (each
/// change's device, signer and time, then the record's rules). One level
/// edit on each of up to 600 families of a seeded caseload.
fn admission_figures(data_dir: &std::path::Path, s: &mut Session, families: usize) -> Result<()> {
    use doorstep_document::admission::Sender;
    let info = ProfileDir::new(data_dir).info()?;
    let ids: Vec<uuid::Uuid> = s.store().family_ids()?.into_iter().take(600).collect();
    let mut edited = Vec::with_capacity(ids.len());
    for id in &ids {
        let before = s
            .store()
            .document_for_sync(*id)?
            .ok_or_else(|| anyhow::anyhow!("no document"))?
            .get_heads();
        s.set_level(
            &id.to_string(),
            &NewLevel {
                level: "universal-plus".into(),
                effective: "2026-11-02".into(),
                reason: "Bench".into(),
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let after = s
            .store()
            .document_for_sync(*id)?
            .ok_or_else(|| anyhow::anyhow!("no document"))?;
        edited.push((before, after));
    }
    let sender = Sender {
        device: info.device_id,
        practitioner: info.practitioner.clone(),
        now: fixed_now() + chrono::Duration::hours(1),
        moved_at: None,
        moved_work_taken: false,
    };
    let n = edited.len();
    let mut refused = 0;
    let whole = measure(n, |i| {
        let (before, after) = &mut edited[i % n];
        let mut prior = after.fork_at(before).expect("fork");
        if sender.check(Some(&mut prior), after, None).is_err() {
            refused += 1;
        }
    });
    if refused > 0 {
        anyhow::bail!("{refused} honest changes refused");
    }
    report(
        &format!("check one change: rebuild + check @ {families}"),
        &whole,
    );
    let mut priors: Vec<_> = edited
        .iter_mut()
        .map(|(before, after)| after.fork_at(before).expect("fork"))
        .collect();
    let check = measure(n, |i| {
        let prior = &mut priors[i % n];
        let (_, after) = &mut edited[i % n];
        sender.check(Some(prior), after, None).expect("admitted");
    });
    report(
        &format!("check one change: check only @ {families}"),
        &check,
    );
    Ok(())
}

fn schedule_figures(s: &mut Session, families: usize) -> Result<()> {
    let q = doorstep_core::reports::WorklistQuery::default();
    let mut n_items = 0;
    let stats = measure(20, |_| {
        n_items = s.worklist(&q).expect("worklist").len();
    });
    report(&format!("worklist @ {families} ({n_items} items)"), &stats);
    let stats = measure(20, |_| {
        s.kpi_report("2026Q2").expect("kpi");
    });
    report(&format!("KPI report 2026Q2 @ {families}"), &stats);
    let conn = s.store().connection();
    let quarter = doorstep_core::domain::clinical::kpi::Quarter::parse("2026Q2")
        .map_err(anyhow::Error::msg)?;
    let mut rows = 0;
    let stats = measure(20, |_| {
        rows = doorstep_store::facts::children(conn, None)
            .expect("children")
            .len();
    });
    report(
        &format!("  of which: read children facts @ {families} ({rows} rows)"),
        &stats,
    );
    let stats = measure(20, |_| {
        rows = doorstep_store::facts::review_contacts(conn, None, None)
            .expect("contacts")
            .len();
    });
    report(
        &format!("  of which: read review contact facts @ {families} ({rows} rows)"),
        &stats,
    );
    let stats = measure(20, |_| {
        rows = doorstep_store::facts::measurements_at(
            conn,
            doorstep_core::domain::values::codes::ContactKind::TwoYear,
            (quarter.start(), quarter.end()),
        )
        .expect("measurements")
        .len();
    });
    report(
        &format!(
            "  of which: read the quarter's 2-year review measurements @ {families} ({rows} rows)"
        ),
        &stats,
    );
    Ok(())
}

fn contact_figures(s: &mut Session, families: usize) -> Result<()> {
    use doorstep_core::domain::clinical::growth::{self, Measure};
    use doorstep_core::domain::record::contact::{NewContact, NewMeasurements};
    use doorstep_core::domain::values::codes::MemberRole;
    let today = fixed_now().date_naive();
    // Children between 3 months and 23 months: weight, length and head.
    let children: Vec<_> = doorstep_store::facts::children(s.store().connection(), None)?
        .into_iter()
        .filter(|c| c.role == MemberRole::Child)
        .filter(|c| {
            c.date_of_birth
                .is_some_and(|d| (today - d).num_days() > 120 && (today - d).num_days() < 690)
        })
        .take(200)
        .collect();
    // Inputs are prepared first (this opens each family, as the practitioner
    // has the family open when recording); only record + sign are timed.
    let mut inputs = Vec::new();
    for c in &children {
        let family = s.store().family(c.family_id)?;
        let person = &family.members[&c.person_id];
        let Some(sex) = person.sex.and_then(|x| x.growth_sex()) else {
            continue;
        };
        let age = (today - c.date_of_birth.expect("filtered")).num_days() as f64;
        let median = |m: Measure| growth::lms(m, sex, age).map(|(l, _)| format!("{:.2}", l.m));
        let input = NewContact {
            kind: "targeted-visit".into(),
            subjects: vec![c.person_id.to_string()],
            location: "A01".into(),
            mechanism: "01".into(),
            attendance: "attended".into(),
            role: "health-visitor".into(),
            note: Some("Bench visit".into()),
            ..Default::default()
        };
        let m = NewMeasurements {
            person_id: c.person_id.to_string(),
            weight_kg: median(Measure::Weight),
            length_cm: median(Measure::Length),
            head_cm: median(Measure::HeadCircumference),
            confirm_implausible: None,
            ..Default::default()
        };
        inputs.push((c.family_id.to_string(), input, m));
    }
    let (mut record, mut sign) = (Vec::new(), Vec::new());
    let stats = measure(inputs.len().min(200), |i| {
        let (fid, input, m) = &inputs[i % inputs.len()];
        let t = Instant::now();
        let w = s
            .record_contact(fid, input, std::slice::from_ref(m))
            .expect("record");
        record.push(t.elapsed());
        let t = Instant::now();
        s.sign_contact(fid, &w.record_id.to_string()).expect("sign");
        sign.push(t.elapsed());
    });
    report(
        &format!("record + sign a contact with 3 measurements @ {families}"),
        &stats,
    );
    report("  of which: record (draft)", &Stats::of(record));
    report("  of which: sign", &Stats::of(sign));
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
    // DOORSTEP_BENCH_SIZES=600 runs one size only (for profiling).
    let sizes: Vec<usize> = std::env::var("DOORSTEP_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![600, 10_000]);
    if wanted("unlock") && std::env::var_os("DOORSTEP_BENCH_SIZES").is_none() {
        unlock_figures()?;
    }
    // DOORSTEP_BENCH_KEEP=DIR seeds each size once into DIR/<size> and
    // reuses it on later runs (for profiling; figures then include the
    // earlier runs' writes).
    let keep = std::env::var_os("DOORSTEP_BENCH_KEEP").map(std::path::PathBuf::from);
    for families in sizes {
        let (_temp, data_dir, reuse) = match &keep {
            Some(root) => {
                let dir = root.join(families.to_string());
                let reuse = dir.exists();
                if !reuse {
                    doorstep_core::init(&dir, PASSPHRASE, &quick_options())
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                (None, dir, reuse)
            }
            None => {
                let temp = TempDevice::new();
                let dir = temp.data_dir();
                (Some(temp), dir, false)
            }
        };
        let mut s = device::unlock(&data_dir, PASSPHRASE, Clock::Fixed(fixed_now()))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if !reuse {
            let t = Instant::now();
            demo::seed(&mut s, families, 1).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "seed {families} families: {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        if wanted("disk") {
            disk_figures(&data_dir, &mut s, families)?;
        }
        if wanted("list") {
            list_figures(&mut s, families)?;
        }
        if wanted("edit") {
            edit_figures(&mut s, families)?;
        }
        if wanted("admission") {
            admission_figures(&data_dir, &mut s, families)?;
        }
        if wanted("schedule") {
            schedule_figures(&mut s, families)?;
        }
        if wanted("contacts") {
            contact_figures(&mut s, families)?;
        }
    }
    Ok(())
}
