//! `fault-bench`: the sync under a hostile network, for docs/PERFORMANCE.md.
//! Two devices of one health visitor (real encrypted stores, the real HTTPS
//! client code over plain loopback HTTP) sync with the real
//! `doorstep-server` binary through the fault-injecting proxy. Every sync's
//! connection is cut, in the request or in the response, at a random byte
//! offset; every fourth sync the server is also SIGKILLed at a random
//! moment and started again on the same database. Each round one device
//! first records a fact that is never overwritten (a safety alert with a
//! unique note, sometimes on a new family).
//!
//! At the end the network heals, both devices sync until quiet, and the
//! bench checks that both hold the same families as the server, that every
//! fact is on both devices exactly once, and that every sync failed
//! cleanly (not reachable) or succeeded. It prints the cuts by direction,
//! the kills, the outcomes and the time.
//!
//! Usage: `fault-bench [--cuts N] [--server-bin PATH] [--backend
//! sqlite|postgres]` (default 1,000 cuts on SQLite). Build first:
//! `cargo build --release -p doorstep-server -p doorstep-testkit --bins`.
//! Only synthetic data is used.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use doorstep_core::domain::record::family::{NewFamily, NewFlag};
use doorstep_core::{CoreError, InitOptions, Session};
use doorstep_hub::Hub;
use doorstep_testkit::hub::Chance;
use doorstep_testkit::pg::Cluster;
use doorstep_testkit::proxy::{Fault, FaultProxy};
use doorstep_testkit::server::{ServerProcess, BENCH_RATES};
use doorstep_testkit::{enrol_with_code, TempDevice};
use uuid::Uuid;

const PRACTITIONER: &str = "Fault Bench Visitor";
const TEAM: &str = "Fault Bench Team";

struct Options {
    cuts: usize,
    server_bin: PathBuf,
    postgres: bool,
}

fn options() -> Result<Options> {
    let mut o = Options {
        cuts: 1_000,
        server_bin: std::env::current_exe()?
            .parent()
            .context("the bench's directory")?
            .join("doorstep-server"),
        postgres: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cuts" => o.cuts = args.next().context("--cuts N")?.parse()?,
            "--server-bin" => o.server_bin = args.next().context("--server-bin PATH")?.into(),
            "--backend" => {
                o.postgres = match args.next().as_deref() {
                    Some("sqlite") => false,
                    Some("postgres") => true,
                    other => bail!("--backend sqlite|postgres, not {other:?}"),
                }
            }
            "-h" | "--help" => {
                println!("fault-bench [--cuts N] [--server-bin PATH] [--backend sqlite|postgres]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if !o.server_bin.is_file() {
        bail!(
            "no server binary at {} (cargo build --release -p doorstep-server, or --server-bin)",
            o.server_bin.display()
        );
    }
    Ok(o)
}

fn device(hub: &Hub, url: &str, name: &str) -> Result<(TempDevice, Session)> {
    let device = TempDevice::with_options(InitOptions {
        practitioner: PRACTITIONER.into(),
        ..doorstep_testkit::quick_options()
    });
    let mut session = device.session();
    enrol_with_code(&mut session, hub, PRACTITIONER, url, name)?;
    Ok((device, session))
}

/// What the rounds saw.
#[derive(Default)]
struct Tally {
    request_cuts: usize,
    response_cuts: usize,
    kills: usize,
    synced: usize,
    unreachable: usize,
}

fn main() -> Result<()> {
    let o = options()?;
    let cluster;
    let scratch = tempfile::tempdir()?;
    let url = if o.postgres {
        cluster = Cluster::start();
        cluster.fresh_url()
    } else {
        scratch.path().join("hub.db").display().to_string()
    };
    let hub = Hub::open(&url)?;
    hub.create_team(TEAM)?;
    hub.create_practitioner(PRACTITIONER, "health-visitor", TEAM)?;
    let mut server = ServerProcess::start_with_args(&o.server_bin, &url, None, None, &BENCH_RATES);
    let proxy = FaultProxy::start(server.addr());
    let (_a_dir, mut a) = device(&hub, &proxy.url(), "Laptop A")?;
    let (_b_dir, mut b) = device(&hub, &proxy.url(), "Laptop B")?;

    let mut chance = Chance::new(0x00D0_0257_E9FA_0175);
    let mut families: Vec<Uuid> = Vec::new();
    let mut notes: Vec<(Uuid, String)> = Vec::new();
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut round = 0usize;
    while proxy.cuts() < o.cuts {
        round += 1;
        let d = if round.is_multiple_of(2) {
            &mut a
        } else {
            &mut b
        };
        if families.is_empty() || chance.percent(10) {
            let id = d
                .add_family(&NewFamily {
                    address_line1: format!("{round} Fault Lane"),
                    postcode: "CV1 4AA".into(),
                    ..NewFamily::default()
                })?
                .family_id;
            families.push(id);
        }
        let family = families[chance.below(families.len())];
        if d.store().has_family(family)? {
            let note = format!("fault bench note {round}");
            d.add_flag(
                &family.to_string(),
                &NewFlag {
                    kind: "safety-alert".into(),
                    alert: Some("dog-in-house".into()),
                    start: "2026-11-01".into(),
                    note: Some(note.clone()),
                    ..NewFlag::default()
                },
            )?;
            notes.push((family, note));
        }
        let offset = 1 + chance.below(3000);
        let fault = if chance.percent(50) {
            tally.request_cuts += 1;
            Fault::CutRequestAfter(offset)
        } else {
            tally.response_cuts += 1;
            Fault::CutResponseAfter(offset)
        };
        proxy.plan([fault]);
        let outcome = if round.is_multiple_of(4) {
            tally.kills += 1;
            let delay = Duration::from_millis(chance.below(120) as u64);
            std::thread::scope(|scope| {
                let running = scope.spawn(|| d.sync());
                std::thread::sleep(delay);
                server.restart();
                running.join().expect("the sync thread")
            })
        } else {
            d.sync()
        };
        match outcome {
            Ok(_) => tally.synced += 1,
            Err(CoreError::Unreachable(_)) => tally.unreachable += 1,
            Err(e) => bail!("round {round}: a cut sync failed uncleanly: {e}"),
        }
    }
    let faulted = started.elapsed();

    // The network heals: both sync until quiet.
    for _ in 0..4 {
        for d in [&mut a, &mut b] {
            d.sync().context("a sync after the network healed")?;
        }
    }
    let on_server: BTreeSet<Uuid> = hub.transaction(|tx| {
        tx.query("SELECT id FROM families", &[])?
            .iter()
            .map(|r| r.uuid(0))
            .collect::<Result<BTreeSet<Uuid>, _>>()
    })?;
    let created: BTreeSet<Uuid> = families.iter().copied().collect();
    if on_server != created {
        bail!(
            "the server holds {} families, {} were created",
            on_server.len(),
            created.len()
        );
    }
    for d in [&mut a, &mut b] {
        let held: BTreeSet<Uuid> = d.store().family_ids()?.into_iter().collect();
        if held != created {
            bail!(
                "a device holds {} of {} families",
                held.len(),
                created.len()
            );
        }
    }
    for (family, note) in &notes {
        for d in [&mut a, &mut b] {
            let record = serde_json::to_string(&d.store().family(*family)?)?;
            // The note as a whole JSON string ("… note 1" is inside "… note 10").
            let n = record.matches(&format!("\"{note}\"")).count();
            if n != 1 {
                bail!("a fact is on a device {n} times instead of once");
            }
        }
    }
    println!(
        "fault-bench ({}): {} syncs, {} connections cut ({} in the request, {} in the response; offsets 1-3000 bytes), {} server SIGKILLs",
        if o.postgres { "PostgreSQL" } else { "SQLite" },
        round,
        proxy.cuts(),
        tally.request_cuts,
        tally.response_cuts,
        tally.kills
    );
    println!(
        "  outcomes: {} syncs succeeded, {} failed cleanly as not reachable, 0 otherwise",
        tally.synced, tally.unreachable
    );
    println!(
        "  after healing: {} families on the server and both devices, {} facts each on both devices exactly once",
        created.len(),
        notes.len()
    );
    println!("  time under faults: {:.1} s", faulted.as_secs_f64());
    Ok(())
}
