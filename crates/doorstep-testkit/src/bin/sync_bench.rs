//! `sync-bench`: prints the sync figures of issue 5 recorded in
//! docs/PERFORMANCE.md. It runs the real `doorstep-server` binary on
//! loopback (`--insecure-dev-http`) over SQLite and over PostgreSQL (a
//! throwaway cluster) and measures:
//!
//! 1. **Initial download**: one device seeds the synthetic demo caseload
//!    (600 families, `doorstep demo seed`) and syncs it up; a second device
//!    of the same practitioner enrols and syncs. Wall time, round trips and
//!    body bytes up/down of that second device's first sync.
//! 2. **A day's sync**: the first device changes 10 families (a household
//!    phone update each, through the `Session` API) and syncs. Round trips,
//!    body bytes, and the raw Automerge bytes of those 10 changes.
//! 3. **A sync with no change**: body bytes on the wire.
//! 4. **Many devices at once**: 400 devices, each its own practitioner with
//!    5 imported families, emulated at protocol level (raw HTTP from one
//!    thread per device). After each device's initial sync (not timed) all
//!    are released together behind a barrier; each edits 2 of its families
//!    (Automerge + `doorstep_document::json::commit`, before the barrier)
//!    and syncs them until quiet. Per-device latency of that sync.
//!
//! Byte counts are HTTP *bodies* (what `SyncReport` counts): request and
//! response headers (roughly 150–250 bytes each way) are not included.
//!
//! Usage: `sync-bench [--server-bin PATH] [--backend sqlite|postgres|both]
//! [--quick]`. Build the server first:
//! `cargo build --release -p doorstep-server --bin doorstep-server`.
//! Only synthetic data is used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use automerge::AutoCommit;
use chrono::Utc;
use doorstep_core::sync::SyncReport;
use doorstep_core::{InitOptions, Session};
use doorstep_document::{author, json, record};
use doorstep_domain::record::family::{update_household, HouseholdUpdate};
use doorstep_hub::Hub;
use doorstep_sync::codec::{decode_response, encode_request};
use doorstep_sync::protocol::{Cursor, DocMessage, SyncRequest, PROTOCOL_VERSION};
use doorstep_sync::session::DocSync;
use doorstep_sync::wire::{ENROL_PATH, SYNC_CONTENT_TYPE, SYNC_PATH};
use doorstep_sync::Limits;
use doorstep_testkit::pg::Cluster;
use doorstep_testkit::server::{ServerProcess, BENCH_RATES};
use doorstep_testkit::{enrol_with_code, TempDevice};
use uuid::Uuid;

/// The practitioner whose caseload measurements 1–3 use.
const PRACTITIONER: &str = "Bench Practitioner";
/// The team everyone in the benchmark belongs to.
const TEAM: &str = "Bench Team";
/// Most round trips in one emulated sync (as the device).
const MAX_ROUND_TRIPS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

struct Options {
    server_bin: PathBuf,
    backends: Vec<Backend>,
    /// Families in the seeded caseload (measurement 1).
    caseload: usize,
    /// Families changed in a day (measurement 2).
    changed: usize,
    /// Devices syncing at once (measurement 4).
    devices: usize,
    /// Families per emulated device.
    families_per_device: usize,
    /// Families each emulated device edits.
    edits_per_device: usize,
}

fn parse_options() -> Result<Options> {
    let mut server_bin = PathBuf::from("target/release/doorstep-server");
    let mut backends = vec![Backend::Sqlite, Backend::Postgres];
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--server-bin" => {
                server_bin = args.next().context("--server-bin needs a path")?.into();
            }
            "--backend" => {
                backends = match args.next().as_deref() {
                    Some("sqlite") => vec![Backend::Sqlite],
                    Some("postgres") => vec![Backend::Postgres],
                    Some("both") => vec![Backend::Sqlite, Backend::Postgres],
                    other => bail!("--backend sqlite|postgres|both, not {other:?}"),
                }
            }
            "--quick" => quick = true,
            "-h" | "--help" => {
                println!(
                    "sync-bench [--server-bin PATH] [--backend sqlite|postgres|both] [--quick]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if !server_bin.is_file() {
        bail!(
            "no server binary at {} (cargo build --release -p doorstep-server --bin doorstep-server, or --server-bin PATH)",
            server_bin.display()
        );
    }
    Ok(Options {
        server_bin,
        backends,
        caseload: if quick { 60 } else { 600 },
        changed: 10,
        devices: if quick { 40 } else { 400 },
        families_per_device: 5,
        edits_per_device: 2,
    })
}

/// One printed figure.
struct Figure {
    backend: Backend,
    what: String,
    goal: &'static str,
    measured: String,
    met: Option<bool>,
}

fn main() -> Result<()> {
    let opts = parse_options()?;
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    println!("server:  {}", opts.server_bin.display());
    let cluster = opts
        .backends
        .contains(&Backend::Postgres)
        .then(Cluster::start);
    let mut figures = Vec::new();
    for &backend in &opts.backends {
        let scratch = tempfile::tempdir()?;
        let url = match backend {
            Backend::Sqlite => scratch.path().join("hub.db").display().to_string(),
            Backend::Postgres => cluster.as_ref().expect("cluster").url("caseload"),
        };
        println!("\n== {}: one practitioner's caseload", backend.name());
        caseload_figures(&opts, backend, &url, &mut figures)?;
        let url = match backend {
            Backend::Sqlite => scratch.path().join("many.db").display().to_string(),
            Backend::Postgres => cluster.as_ref().expect("cluster").url("many"),
        };
        println!("\n== {}: {} devices at once", backend.name(), opts.devices);
        many_devices_figures(&opts, backend, &url, &mut figures)?;
    }
    print_table(&figures);
    Ok(())
}

fn print_table(figures: &[Figure]) {
    println!(
        "\n{:<11} {:<52} {:<22} measured",
        "backend", "figure", "goal"
    );
    for f in figures {
        let mark = match f.met {
            Some(true) => "",
            Some(false) => "  ** goal not met **",
            None => "",
        };
        println!(
            "{:<11} {:<52} {:<22} {}{mark}",
            f.backend.name(),
            f.what,
            f.goal,
            f.measured
        );
    }
    println!(
        "\nBytes are HTTP bodies only (SyncReport.bytes_up/bytes_down); headers are not counted."
    );
}

// ------------------------------------------------- measurements 1 to 3

/// A device of [`PRACTITIONER`] in a temporary directory, unlocked.
fn bench_device() -> (TempDevice, Session) {
    let device = TempDevice::with_options(InitOptions {
        practitioner: PRACTITIONER.into(),
        ..doorstep_testkit::quick_options()
    });
    let session = device.session();
    (device, session)
}

fn body_bytes(r: &SyncReport) -> String {
    format!(
        "{} B up + {} B down = {} B",
        r.bytes_up,
        r.bytes_down,
        r.bytes_up + r.bytes_down
    )
}

fn caseload_figures(
    opts: &Options,
    backend: Backend,
    url: &str,
    figures: &mut Vec<Figure>,
) -> Result<()> {
    let server = ServerProcess::start(&opts.server_bin, url, None);
    let server_url = server.url();
    let hub = Hub::open(url)?;
    hub.create_team(TEAM)?;
    let practitioner = hub
        .create_practitioner(PRACTITIONER, "health-visitor", TEAM)?
        .id;

    // The first device enrols (a laptop already holding the demo caseload
    // cannot), seeds the demo caseload and syncs it up.
    let (_first_dir, mut first) = bench_device();
    enrol_with_code(
        &mut first,
        &hub,
        &practitioner.to_string(),
        &server_url,
        "bench laptop 1",
    )?;
    let t = Instant::now();
    let seeded = doorstep_core::demo::seed(&mut first, opts.caseload, 42)?;
    println!(
        "seeded {} families ({} contacts) in {:.1} s",
        seeded.families,
        seeded.contacts,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let up = first.sync()?;
    println!(
        "first device's upload: {:.2} s, {} round trips, {}, {} uploaded, complete={}",
        t.elapsed().as_secs_f64(),
        up.round_trips,
        body_bytes(&up),
        up.uploaded,
        up.complete
    );
    // Let the first device settle (acknowledgements, cursor).
    let settle = first.sync()?;
    println!(
        "first device's settling sync: {} round trips, {}",
        settle.round_trips,
        body_bytes(&settle)
    );

    // 1. A second device of the same practitioner: the initial download.
    let (_second_dir, mut second) = bench_device();
    enrol_with_code(
        &mut second,
        &hub,
        &practitioner.to_string(),
        &server_url,
        "bench laptop 2",
    )?;
    // Each phase's start, to split the wall time between waiting for the
    // server and merging on the device.
    let t = Instant::now();
    let mut marks: Vec<(doorstep_core::SyncProgress, Duration)> = Vec::new();
    let down = second.sync_reporting(&mut |p| marks.push((p, t.elapsed())))?;
    let wall = t.elapsed();
    println!(
        "initial download: {:.2} s, {} round trips, {}, {} downloaded, complete={}",
        wall.as_secs_f64(),
        down.round_trips,
        body_bytes(&down),
        down.downloaded,
        down.complete
    );
    let ends = marks.iter().skip(1).map(|(_, at)| *at).chain([wall]);
    let phases: Vec<String> = marks
        .iter()
        .zip(ends)
        .map(|((p, from), to)| {
            format!(
                "round trip {} {:?} {:.2} s",
                p.round_trip,
                p.phase,
                (to - *from).as_secs_f64()
            )
        })
        .collect();
    println!("  phases: {}", phases.join("; "));
    figures.push(Figure {
        backend,
        what: format!("initial download, {} families: wall time", opts.caseload),
        goal: "≤1 s (issue 12)",
        measured: format!(
            "{:.2} s ({} downloaded)",
            wall.as_secs_f64(),
            down.downloaded
        ),
        met: Some(wall <= Duration::from_secs(1) && down.complete),
    });
    figures.push(Figure {
        backend,
        what: "initial download: round trips".into(),
        goal: "≤2",
        measured: down.round_trips.to_string(),
        met: Some(down.round_trips <= 2),
    });
    figures.push(Figure {
        backend,
        what: "initial download: bytes".into(),
        goal: "—",
        measured: body_bytes(&down),
        met: None,
    });

    // 3. A sync with no change (the second device, fresh from its download;
    // then once more, settled).
    let quiet_after_download = second.sync()?;
    let quiet = second.sync()?;
    println!(
        "no-change syncs: right after the download {} round trips, {}; then {} round trips, {}",
        quiet_after_download.round_trips,
        body_bytes(&quiet_after_download),
        quiet.round_trips,
        body_bytes(&quiet)
    );
    let quiet_total = quiet.bytes_up + quiet.bytes_down;
    figures.push(Figure {
        backend,
        what: "sync with no change: bytes".into(),
        goal: "≤1 KB",
        measured: format!("{} ({} round trip)", body_bytes(&quiet), quiet.round_trips),
        met: Some(quiet_total <= 1024),
    });

    // 2. A day's sync: the first device changes `changed` families.
    let ids: Vec<Uuid> = first
        .store()
        .family_ids()?
        .into_iter()
        .take(opts.changed)
        .collect();
    let mut raw_change_bytes = 0usize;
    let mut changes = 0usize;
    for (i, id) in ids.iter().enumerate() {
        let mut before = first
            .store()
            .document_for_sync(*id)?
            .ok_or_else(|| anyhow!("family {id} missing"))?;
        let heads_before = before.get_heads();
        first.update_household(
            &id.to_string(),
            &HouseholdUpdate {
                phone: Some(format!("07700 900{:03}", 100 + i)),
                ..HouseholdUpdate::default()
            },
        )?;
        let mut after = first
            .store()
            .document_for_sync(*id)?
            .ok_or_else(|| anyhow!("family {id} missing"))?;
        for c in after.get_changes(&heads_before) {
            raw_change_bytes += c.raw_bytes().len();
            changes += 1;
        }
    }
    let day = first.sync()?;
    // The audit rows the sync carries are the laptop's audit log, not
    // overhead on the changes: counted apart.
    let day_total = day.bytes_up + day.bytes_down - day.audit_bytes_up;
    let ratio = day_total as f64 / raw_change_bytes.max(1) as f64;
    println!(
        "day's sync: {} changes, {} raw Automerge bytes; {} round trips, {}, ratio {:.2}",
        changes,
        raw_change_bytes,
        day.round_trips,
        body_bytes(&day),
        ratio
    );
    figures.push(Figure {
        backend,
        what: format!("day's sync, {} changed families: round trips", opts.changed),
        goal: "1",
        measured: day.round_trips.to_string(),
        met: Some(day.round_trips == 1),
    });
    figures.push(Figure {
        backend,
        what: "day's sync: bytes vs raw change bytes (audit rows apart)".into(),
        goal: "≤2× raw",
        measured: format!(
            "{} B vs {} B raw ({} changes) = {:.2}× (up alone {:.2}×)",
            day_total,
            raw_change_bytes,
            changes,
            ratio,
            (day.bytes_up - day.audit_bytes_up) as f64 / raw_change_bytes.max(1) as f64
        ),
        met: Some(ratio <= 2.0),
    });
    figures.push(Figure {
        backend,
        what: "day's sync: the laptop's audit rows it carried".into(),
        goal: "—",
        measured: format!(
            "{} rows, {} B ({} B a row)",
            day.audit_rows_sent,
            day.audit_bytes_up,
            day.audit_bytes_up / day.audit_rows_sent.max(1) as u64
        ),
        met: None,
    });
    // The other device receiving the same day's changes.
    let receive = second.sync()?;
    println!(
        "second device receiving them: {} round trips, {}, {} merged",
        receive.round_trips,
        body_bytes(&receive),
        receive.merged
    );
    figures.push(Figure {
        backend,
        what: "day's sync, receiving side (other device)".into(),
        goal: "—",
        measured: format!(
            "{} round trips, {}",
            receive.round_trips,
            body_bytes(&receive)
        ),
        met: None,
    });
    drop(hub);
    drop(server);
    Ok(())
}

// ------------------------------------------------------ measurement 4

/// A device emulated at protocol level: its documents, persisted sync
/// states and cursor, like the product's device but without a store.
struct EmulatedDevice {
    id: Uuid,
    token: String,
    practitioner: String,
    docs: BTreeMap<Uuid, AutoCommit>,
    states: BTreeMap<Uuid, Vec<u8>>,
    cursor: Option<Cursor>,
    /// Families with local changes not yet sent.
    dirty: BTreeSet<Uuid>,
}

/// What one emulated sync did.
#[derive(Default, Debug)]
struct ExchangeStats {
    round_trips: usize,
    bytes_up: u64,
    bytes_down: u64,
}

impl EmulatedDevice {
    /// One sync: round trips until neither side has anything to say.
    fn sync(&mut self, client: &reqwest::blocking::Client, base: &str) -> Result<ExchangeStats> {
        let mut live: BTreeMap<Uuid, DocSync> = BTreeMap::new();
        for (id, s) in &self.states {
            live.insert(*id, DocSync::decode_state(s)?);
        }
        let mut answer: BTreeSet<Uuid> = BTreeSet::new();
        let mut more = false;
        let mut stats = ExchangeStats::default();
        while stats.round_trips < MAX_ROUND_TRIPS {
            let mut messages = Vec::new();
            let todo: BTreeSet<Uuid> = self.dirty.union(&answer).copied().collect();
            for id in todo {
                let Some(doc) = self.docs.get_mut(&id) else {
                    continue;
                };
                let state = live.entry(id).or_default();
                if let Some(sync) = state.generate(doc) {
                    messages.push(DocMessage { doc_id: id, sync });
                }
            }
            if stats.round_trips > 0 && messages.is_empty() && !more {
                break;
            }
            self.dirty.clear();
            let body = encode_request(&SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: self.id,
                cursor: self.cursor.clone(),
                messages,
                uploads: Vec::new(),
                audit: Vec::new(),
            });
            stats.bytes_up += body.len() as u64;
            let resp = client
                .post(format!("{base}{SYNC_PATH}"))
                .bearer_auth(&self.token)
                .header(reqwest::header::CONTENT_TYPE, SYNC_CONTENT_TYPE)
                .body(body)
                .send()?;
            let status = resp.status();
            let bytes = resp.bytes()?;
            stats.bytes_down += bytes.len() as u64;
            stats.round_trips += 1;
            if !status.is_success() {
                bail!(
                    "sync answered {status}: {}",
                    String::from_utf8_lossy(&bytes)
                );
            }
            let resp = decode_response(&bytes, &Limits::default())?;
            answer.clear();
            for m in &resp.messages {
                let device = self.id;
                let doc = self
                    .docs
                    .entry(m.doc_id)
                    .or_insert_with(|| AutoCommit::new().with_actor(author::actor_for(device)));
                live.entry(m.doc_id).or_default().receive(doc, &m.sync)?;
                answer.insert(m.doc_id);
            }
            if !resp.rejected.is_empty() {
                bail!("{} families rejected", resp.rejected.len());
            }
            self.cursor = Some(resp.cursor);
            more = resp.more;
        }
        for (id, s) in &live {
            self.states.insert(*id, s.encode_state());
        }
        Ok(stats)
    }

    /// Changes the phone number of `count` families, as a practitioner
    /// would on a visit.
    fn edit(&mut self, count: usize, now: i64) -> Result<()> {
        let ids: Vec<Uuid> = self.docs.keys().copied().take(count).collect();
        for (i, id) in ids.into_iter().enumerate() {
            let doc = self.docs.get_mut(&id).expect("listed");
            let family = record::family(doc)?;
            let action = update_household(
                &family,
                &HouseholdUpdate {
                    phone: Some(format!("07700 900{:03}", 200 + i)),
                    ..HouseholdUpdate::default()
                },
            )
            .map_err(|p| anyhow!("household update refused: {p}"))?;
            json::commit(doc, &action.edits, &action.message, &self.practitioner, now)?;
            self.dirty.insert(id);
        }
        Ok(())
    }
}

/// Letters for a synthetic surname from a number ("Bench" + base 26).
fn surname(mut n: usize) -> String {
    let mut s = String::from("Bench");
    for _ in 0..3 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

/// Percentile `p` (0–100) of sorted durations, nearest rank.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn many_devices_figures(
    opts: &Options,
    backend: Backend,
    url: &str,
    figures: &mut Vec<Figure>,
) -> Result<()> {
    let mut server =
        ServerProcess::start_with_args(&opts.server_bin, url, None, None, &BENCH_RATES);
    let base = server.url();
    let hub = Hub::open(url)?;
    hub.create_team(TEAM)?;

    // Practitioners, their caseloads (notification import) and enrolments.
    let t = Instant::now();
    let mut practitioners = Vec::with_capacity(opts.devices);
    let mut csv = doorstep_hub::import::COLUMNS.join(",");
    csv.push('\n');
    let today = Utc::now().date_naive();
    for d in 0..opts.devices {
        let p =
            hub.create_practitioner(&format!("Visitor {}", surname(d)), "health-visitor", TEAM)?;
        for k in 0..opts.families_per_device {
            let due = today + chrono::Duration::days(30 + (k as i64) * 20);
            csv.push_str(&format!(
                "antenatal,Sam,{},2 Test Road,Leeds,LS2 7EW,,,,,,,,,{due},{}\n",
                surname(d * opts.families_per_device + k),
                p.id
            ));
        }
        practitioners.push(p);
    }
    let imported = hub.import_notifications(&csv, Utc::now(), today)?;
    if !imported.rejected.is_empty() {
        bail!(
            "{} notification rows refused, first: {:?}",
            imported.rejected.len(),
            imported.rejected.first()
        );
    }
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let mut devices = Vec::with_capacity(opts.devices);
    for (d, p) in practitioners.iter().enumerate() {
        let code =
            hub.issue_enrolment_code(&p.id.to_string(), chrono::Duration::hours(1), Utc::now())?;
        let id = Uuid::new_v4();
        let answer: serde_json::Value = client
            .post(format!("{base}{ENROL_PATH}"))
            .json(&serde_json::json!({
                "code": code.code,
                "device_id": id,
                "device_name": format!("bench device {d}"),
            }))
            .send()?
            .error_for_status()?
            .json()?;
        let token = answer["token"]
            .as_str()
            .ok_or_else(|| anyhow!("no token in {answer}"))?
            .to_string();
        devices.push(EmulatedDevice {
            id,
            token,
            practitioner: p.name.clone(),
            docs: BTreeMap::new(),
            states: BTreeMap::new(),
            cursor: None,
            dirty: BTreeSet::new(),
        });
    }
    drop(hub);
    println!(
        "set up {} practitioners, {} families, {} enrolments in {:.1} s",
        practitioners.len(),
        imported.imported.len(),
        devices.len(),
        t.elapsed().as_secs_f64()
    );

    // Initial syncs (not timed), one device after another.
    let t = Instant::now();
    for d in &mut devices {
        d.sync(&client, &base)?;
        if d.docs.len() != opts.families_per_device {
            bail!("a device received {} families", d.docs.len());
        }
    }
    println!(
        "initial syncs of {} devices, one after another: {:.1} s",
        devices.len(),
        t.elapsed().as_secs_f64()
    );

    // Twenty of them send the same inflation bomb at once, later.
    let bombers: Vec<(Uuid, String)> = devices
        .iter()
        .take(20)
        .map(|d| (d.id, d.token.clone()))
        .collect();

    // The day's edits, then everyone syncs at once.
    server.reset_peak_resident();
    let now = Utc::now().timestamp();
    for d in &mut devices {
        d.edit(opts.edits_per_device, now)?;
    }
    let barrier = Arc::new(Barrier::new(devices.len()));
    let started = Instant::now();
    let handles: Vec<_> = devices
        .into_iter()
        .map(|mut d| {
            let barrier = Arc::clone(&barrier);
            let client = client.clone();
            let base = base.clone();
            std::thread::Builder::new()
                .stack_size(512 * 1024)
                .spawn(move || {
                    barrier.wait();
                    let t = Instant::now();
                    let outcome = d.sync(&client, &base);
                    (t.elapsed(), outcome)
                })
                .expect("spawn a device thread")
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    let mut round_trips = BTreeMap::<usize, usize>::new();
    let mut bytes = 0u64;
    for h in handles {
        let (elapsed, outcome) = h.join().map_err(|_| anyhow!("a device thread panicked"))?;
        match outcome {
            Ok(stats) => {
                latencies.push(elapsed);
                *round_trips.entry(stats.round_trips).or_default() += 1;
                bytes += stats.bytes_up + stats.bytes_down;
            }
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    let all = started.elapsed();
    latencies.sort();
    let ok = latencies.len();
    let (p50, p99, max) = (
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or_default(),
    );
    println!(
        "{} devices at once: {ok} succeeded, {} failed, all done in {:.2} s; p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; round trips {:?}; {} body bytes in all",
        opts.devices,
        failures.len(),
        all.as_secs_f64(),
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
        round_trips,
        bytes
    );
    for f in failures.iter().take(5) {
        println!("  failure: {f}");
    }
    figures.push(Figure {
        backend,
        what: format!("{} devices at once: succeeded", opts.devices),
        goal: "all",
        measured: format!("{ok} ok, {} failed", failures.len()),
        met: Some(failures.is_empty()),
    });
    figures.push(Figure {
        backend,
        what: format!(
            "{} devices at once ({} edits each): latency",
            opts.devices, opts.edits_per_device
        ),
        goal: "p99 ≤1 s (issue 13)",
        measured: format!(
            "p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0
        ),
        met: Some(p99 <= Duration::from_secs(1)),
    });
    let peak = server.peak_resident_bytes();
    figures.push(Figure {
        backend,
        what: format!(
            "{} devices at once: server's peak resident memory",
            opts.devices
        ),
        goal: "—",
        measured: format!("{} MiB", peak >> 20),
        met: None,
    });
    bomb_figures(&mut server, &client, backend, &bombers, figures)?;
    drop(server);
    Ok(())
}

/// Twenty enrolled devices each send a 1 MB body whose Automerge chunk
/// inflates to 1 GiB, all at once, to a freshly started server.
fn bomb_figures(
    server: &mut ServerProcess,
    client: &reqwest::blocking::Client,
    backend: Backend,
    bombers: &[(Uuid, String)],
    figures: &mut Vec<Figure>,
) -> Result<()> {
    let bomb = doorstep_testkit::hostile::inflation_bomb(1 << 30);
    server.restart();
    let base = server.url();
    let idle = server.peak_resident_bytes();
    let started = Instant::now();
    let statuses = std::thread::scope(|s| {
        let sends: Vec<_> = bombers
            .iter()
            .map(|(id, token)| {
                let body = doorstep_sync::codec::encode_request(&SyncRequest {
                    protocol: PROTOCOL_VERSION,
                    device_id: *id,
                    cursor: None,
                    messages: vec![DocMessage {
                        doc_id: Uuid::new_v4(),
                        sync: bomb.clone(),
                    }],
                    uploads: vec![],
                    audit: Vec::new(),
                });
                let (client, base) = (client.clone(), base.clone());
                s.spawn(move || {
                    client
                        .post(format!("{base}{SYNC_PATH}"))
                        .header("content-type", SYNC_CONTENT_TYPE)
                        .bearer_auth(token)
                        .body(body)
                        .send()
                        .map(|r| r.status().as_u16())
                })
            })
            .collect();
        sends
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow!("a bomb thread panicked")))
            .collect::<Result<Vec<_>>>()
    })?;
    let took = started.elapsed();
    let refused = statuses.iter().filter(|s| matches!(s, Ok(413))).count();
    let peak = server.peak_resident_bytes();
    println!(
        "{} inflation bombs ({} B each, 1 GiB inflated) at once: {refused} refused with 413 in {:.2} s; server's peak resident {} MiB (started at {} MiB)",
        bombers.len(),
        bomb.len(),
        took.as_secs_f64(),
        peak >> 20,
        idle >> 20
    );
    figures.push(Figure {
        backend,
        what: format!(
            "{} bodies of {} KB inflating to 1 GiB, at once",
            bombers.len(),
            bomb.len() / 1000
        ),
        goal: "all refused, ≤256 MiB",
        measured: format!("{refused} refused (413); peak resident {} MiB", peak >> 20),
        met: Some(refused == bombers.len() && peak <= 256 * 1024 * 1024),
    });
    Ok(())
}
