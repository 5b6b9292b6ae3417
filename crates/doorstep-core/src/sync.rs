//! Sync with the trust's server, device side (docs/SYNC.md): enrolment, the
//! sync exchange (a loop of at most [`MAX_ROUND_TRIPS`] round trips),
//! status, conflicts and their resolution, eviction, and revocation.
//!
//! Every merge is written by the store in one transaction per family with
//! the family's projections, conflicts, sync state and an audit row; a
//! response's acknowledgements, refusals, eviction marks and cursor are
//! written once it has been applied. So a sync interrupted anywhere loses
//! nothing and the next one finishes the job.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Duration, Utc};
use doorstep_document::author;
use doorstep_domain::calendar::is_bst;
use doorstep_domain::contact::ContactStatus;
use doorstep_domain::family::{self, Family, HouseholdUpdate};
use doorstep_domain::validate::required_text;
use doorstep_store::sync_state::{AckUpdate, Enrolment, RoundTripRecord, SyncFamily, SyncServer};
use doorstep_store::{Actor, ProfileDir, StoreError};
use doorstep_sync::codec::{self, Limits};
use doorstep_sync::protocol::{
    Cursor, DocMessage, DocUpload, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use doorstep_sync::session::DocSync;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::session::actor;
use crate::transport::{
    check_ca_pem, check_server_url, EnrolRequest, EnrolledPractitioner, EnrolledTeam,
    HttpTransport, Transport, TransportError,
};
use crate::{CoreError, Session};

/// The reason written in the `ERASED` marker when the server revoked the
/// device.
pub const REVOKED_REASON: &str = "device revoked by the trust's server";

/// Most round trips in one sync; what is left waits for the next sync.
pub const MAX_ROUND_TRIPS: usize = 8;

/// A request is filled up to about this many bytes; the rest goes in the
/// next round trip (the server accepts 16 MiB).
const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// Most messages and uploads in one request.
const MAX_REQUEST_DOCS: usize = 2000;
/// The largest whole document the server accepts.
const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// What `doorstep enrol` was given.
#[derive(Debug, Clone)]
pub struct EnrolOptions {
    /// The server's base URL.
    pub server: String,
    /// The one-time enrolment code.
    pub code: String,
    /// An extra CA certificate (PEM) to trust for this server.
    pub ca_pem: Option<String>,
    /// A name for the device, shown to administrators.
    pub device_name: String,
    /// Replace an existing enrolment (the server stopped accepting it).
    pub replace: bool,
}

/// What enrolment stored (never the token).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrolReport {
    /// The server.
    pub server: String,
    /// This device.
    pub device_id: Uuid,
    /// Its name.
    pub device_name: String,
    /// Who it is enrolled for.
    pub practitioner: EnrolledPractitioner,
    /// Their team.
    pub team: Option<EnrolledTeam>,
    /// When.
    pub enrolled_at: DateTime<Utc>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Round trips made.
    pub round_trips: usize,
    /// Families this device sent changes or sync messages for.
    pub sent: usize,
    /// Of those, families sent as whole documents.
    pub uploaded: usize,
    /// Families the server sent messages about.
    pub received: usize,
    /// Families new to this device.
    pub downloaded: usize,
    /// Families that gained changes from the server (new ones included).
    pub merged: usize,
    /// Families removed from this device after leaving the caseload.
    pub evicted: usize,
    /// Families the server refused.
    pub rejected: usize,
    /// Conflicts on the device after the sync.
    pub conflicts: usize,
    /// Families still holding changes the server has not acknowledged.
    pub pending: usize,
    /// Bytes sent.
    pub bytes_up: u64,
    /// Bytes received.
    pub bytes_down: u64,
    /// The server asked for a full comparison (it was restored).
    pub full_compare: bool,
    /// Everything was exchanged (false when the round-trip limit stopped
    /// the sync: run it again).
    pub complete: bool,
}

/// A family named in the sync status.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FamilyRef {
    /// The family.
    pub family_id: Uuid,
    /// The name it is listed under, when it is on the device.
    pub name: Option<String>,
}

/// A refusal shown in the sync status.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejectionView {
    /// The family.
    pub family_id: Uuid,
    /// The name it is listed under, when it is on the device.
    pub name: Option<String>,
    /// The server's reason.
    pub reason: String,
    /// When (UTC, RFC 3339).
    pub at: String,
}

/// The cursor, as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CursorView {
    /// The server's epoch.
    pub epoch: String,
    /// The server's change sequence seen.
    pub seq: u64,
}

/// `doorstep sync status`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    /// Whether the device is enrolled.
    pub enrolled: bool,
    /// This device's id, as the server knows it.
    pub device_id: Option<Uuid>,
    /// The server.
    pub server: Option<String>,
    /// The device's name on the server.
    pub device_name: Option<String>,
    /// Who the device is enrolled for.
    pub practitioner: Option<EnrolledPractitioner>,
    /// Their team.
    pub team: Option<EnrolledTeam>,
    /// When a sync last completed.
    pub last_success_at: Option<DateTime<Utc>>,
    /// When a sync was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Why it failed, if it did.
    pub last_error: Option<String>,
    /// The cursor; none before the first sync.
    pub cursor: Option<CursorView>,
    /// Families with changes the server has not acknowledged.
    pub pending: Vec<FamilyRef>,
    /// Families the server evicted that wait for their changes to be
    /// acknowledged before they are removed.
    pub awaiting_eviction: Vec<FamilyRef>,
    /// The server's refusals.
    pub rejections: Vec<RejectionView>,
    /// Conflicts on the device.
    pub conflicts: usize,
}

/// One value of a conflict, as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictValueView {
    /// The number to give `--choose`.
    pub choice: usize,
    /// The value.
    pub value: Value,
    /// Who wrote it.
    pub practitioner: Option<String>,
    /// On which device.
    pub device: Option<Uuid>,
    /// When (UTC).
    pub at: Option<DateTime<Utc>>,
    /// When, in UK local time (e.g. `2026-07-01 10:30 BST`).
    pub at_local: Option<String>,
    /// The action that wrote it.
    pub action: Option<String>,
}

/// A conflict, as `doorstep conflicts` shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictView {
    /// Its number in this listing.
    pub number: usize,
    /// The family.
    pub family_id: Uuid,
    /// The name the family is listed under.
    pub family_name: Option<String>,
    /// The field path to give `--field` (keys joined with `/`).
    pub field: String,
    /// Every value, the one the record shows first.
    pub values: Vec<ConflictValueView>,
}

/// The enrolled server's address and the CA it is trusted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// Base URL.
    pub url: String,
    /// Extra CA certificate (PEM).
    pub ca_pem: Option<String>,
}

impl ServerAddress {
    /// Whether the server answers its health check within a few seconds.
    pub fn reachable(&self) -> bool {
        HttpTransport::new(&self.url, self.ca_pem.as_deref(), None)
            .and_then(|t| t.health())
            .is_ok()
    }
}

/// Where a running sync is, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncProgress {
    /// The phase.
    pub phase: SyncPhase,
    /// The round trip (from 1).
    pub round_trip: u32,
    /// Families in this phase.
    pub families: u32,
}

/// The phases of one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SyncPhase {
    /// Working out what to send.
    Preparing,
    /// Sending local changes and waiting for the server's answer.
    Exchanging,
    /// Merging what the server sent.
    Merging,
}

/// How to resolve a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Resolution {
    /// Keep value number K (from 1) of the listing.
    Choose(usize),
    /// Write this value (JSON, or plain text for a text field).
    Value(String),
}

/// What a resolution wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Resolved {
    /// The family.
    pub family_id: Uuid,
    /// The field.
    pub field: String,
    /// The value written.
    pub value: Value,
    /// Conflicts left in the family.
    pub remaining_conflicts: usize,
}

/// UK local time of `t`, e.g. `2026-11-22 09:30 GMT`.
pub fn london_time(t: DateTime<Utc>) -> String {
    if is_bst(t) {
        format!("{} BST", (t + Duration::hours(1)).format("%Y-%m-%d %H:%M"))
    } else {
        format!("{} GMT", t.format("%Y-%m-%d %H:%M"))
    }
}

/// Turns "erased" into "erased because the device was revoked" when the
/// erase marker in `dir` says so (for commands run after a revocation).
pub fn explain_erased(dir: &Path, e: CoreError) -> CoreError {
    match e {
        CoreError::Erased { just_now: false }
            if ProfileDir::new(dir)
                .erased_marker()
                .is_some_and(|m| m.reason == REVOKED_REASON) =>
        {
            CoreError::Revoked { just_now: false }
        }
        other => other,
    }
}

fn not_enrolled() -> CoreError {
    CoreError::NotEnrolled(
        "This device is not enrolled with a server: enrol it with the server address and a one-time code from your administrator (the app's Sync screen, or `doorstep enrol --server URL --code CODE`)."
            .into(),
    )
}

/// The use-case error for a transport failure (revocation with erase is
/// handled before this).
fn transport_error(e: TransportError) -> CoreError {
    match e {
        TransportError::Unreachable(m) => CoreError::Unreachable(m),
        TransportError::Unauthorised => CoreError::NotEnrolled(
            "The server no longer accepts this device's enrolment: ask your administrator for a new code and enrol it again (`doorstep enrol --replace`). Nothing on this device was erased and your work is kept."
                .into(),
        ),
        TransportError::Revoked { .. } => CoreError::NotEnrolled(
            "The server has revoked this device's enrolment: ask your administrator. Nothing on this device was erased."
                .into(),
        ),
        TransportError::TooLarge => CoreError::SyncFailed(
            "the server refused a request as too large; your work is saved on this device".into(),
        ),
        TransportError::BadRequest(m) => CoreError::SyncFailed(format!(
            "the server refused the request ({m}); your work is saved on this device"
        )),
        TransportError::Server(s) => CoreError::SyncFailed(format!(
            "the server failed (HTTP {s}); your work is saved on this device, try again later"
        )),
        TransportError::InvalidResponse(m) => CoreError::SyncFailed(format!(
            "the server's answer could not be read ({m}); your work is saved on this device"
        )),
    }
}

/// A sync that stopped: on the wire, or on the device.
enum Stop {
    Transport(TransportError),
    Core(CoreError),
}

impl From<CoreError> for Stop {
    fn from(e: CoreError) -> Self {
        Stop::Core(e)
    }
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Core(e.into())
    }
}

/// A sync state whose shared heads are `heads` (the server acknowledged a
/// whole-document upload holding exactly them), so the next message carries
/// only later changes.
fn state_sharing(heads: &[ChangeHash]) -> Vec<u8> {
    let mut state = automerge::sync::State::new();
    state.shared_heads = heads.to_vec();
    state.shared_heads.sort();
    state.encode()
}

fn decode_state(state: Option<&[u8]>) -> DocSync {
    state
        .and_then(|s| DocSync::decode_state(s).ok())
        .unwrap_or_default()
}

/// Whether `heads` hold anything the server has not acknowledged.
fn unacknowledged(heads: &[ChangeHash], acked: &[ChangeHash], shared: &[ChangeHash]) -> bool {
    heads
        .iter()
        .any(|h| !acked.contains(h) && !shared.contains(h))
}

/// Whether a family (as stored) is pending: on the device with changes the
/// server has not acknowledged, never acknowledged at all, or not yet
/// fully downloaded.
fn stored_pending(f: &SyncFamily) -> bool {
    if !f.on_device {
        return f.evicted_at.is_none();
    }
    if !f.known_to_server {
        return true;
    }
    let sync = decode_state(f.state.as_deref());
    unacknowledged(&f.heads, &f.acked_heads, sync.shared_heads())
}

/// One family during a sync.
struct Tracked {
    on_device: bool,
    /// The stored heads (used until the document is loaded).
    heads: Vec<ChangeHash>,
    state: Option<Vec<u8>>,
    acked: Vec<ChangeHash>,
    known: bool,
    evicted: bool,
    doc: Option<AutoCommit>,
    sync: Option<DocSync>,
    /// It received a message in the last response and must answer.
    answer: bool,
}

impl Tracked {
    fn from_row(r: SyncFamily) -> Tracked {
        Tracked {
            on_device: r.on_device,
            heads: r.heads,
            state: r.state,
            acked: r.acked_heads,
            known: r.known_to_server,
            evicted: r.evicted_at.is_some(),
            doc: None,
            sync: None,
            answer: false,
        }
    }

    /// A family the server sent that is not on the device.
    fn incoming() -> Tracked {
        Tracked {
            on_device: false,
            heads: Vec::new(),
            state: None,
            acked: Vec::new(),
            known: true,
            evicted: false,
            doc: None,
            sync: None,
            answer: false,
        }
    }

    fn sync_state(&mut self) -> &mut DocSync {
        let state = self.state.as_deref();
        self.sync.get_or_insert_with(|| decode_state(state))
    }

    fn heads(&mut self) -> Vec<ChangeHash> {
        match self.doc.as_mut() {
            Some(d) => d.get_heads(),
            None => self.heads.clone(),
        }
    }

    /// The heads the server is known to hold.
    fn acknowledged(&mut self) -> Vec<ChangeHash> {
        let mut out = self.acked.clone();
        out.extend_from_slice(self.sync_state().shared_heads());
        out
    }

    fn pending(&mut self) -> bool {
        if !self.on_device {
            return !self.evicted;
        }
        if !self.known {
            return true;
        }
        let heads = self.heads();
        let acknowledged = self.acknowledged();
        unacknowledged(&heads, &acknowledged, &[])
    }
}

/// One run of the sync loop.
struct Exchange<'a> {
    session: &'a mut Session,
    transport: &'a dyn Transport,
    device: Uuid,
    cursor: Option<Cursor>,
    more: bool,
    families: BTreeMap<Uuid, Tracked>,
    /// Families whose messages the server refused in this run.
    refused: HashSet<Uuid>,
    /// Families whose uploads the server refused in this run.
    upload_refused: HashSet<Uuid>,
    /// Send a message for every family (after `full_compare`).
    compare_all: bool,
    sent: HashSet<Uuid>,
    uploaded: HashSet<Uuid>,
    received: HashSet<Uuid>,
    merged: HashSet<Uuid>,
    report: SyncReport,
    progress: &'a mut dyn FnMut(SyncProgress),
}

impl Exchange<'_> {
    fn tell(&mut self, phase: SyncPhase, round: usize, families: usize) {
        (self.progress)(SyncProgress {
            phase,
            round_trip: round as u32 + 1,
            families: families as u32,
        });
    }

    fn load(&mut self, id: Uuid) -> Result<(), Stop> {
        let device = self.device;
        let f = self.families.entry(id).or_insert_with(Tracked::incoming);
        if f.doc.is_none() {
            let doc = match self.session.store.document_for_sync(id)? {
                Some(d) => d,
                None => AutoCommit::new().with_actor(author::actor_for(device)),
            };
            f.doc = Some(doc);
        }
        f.sync_state();
        Ok(())
    }

    /// Removes families the server evicted once the server holds every
    /// change on them.
    fn evict_ready(&mut self) -> Result<(), Stop> {
        let cx = self.session.context();
        let ids: Vec<Uuid> = self
            .families
            .iter()
            .filter(|(_, f)| f.evicted)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            if f.on_device && f.pending() {
                continue;
            }
            let acknowledged = f.acknowledged();
            if self
                .session
                .store
                .evict_family(id, &acknowledged, &actor(&cx))?
            {
                self.families.remove(&id);
                self.report.evicted += 1;
            }
        }
        Ok(())
    }

    /// The next request's messages and uploads, and the heads each upload
    /// holds.
    #[allow(clippy::type_complexity)]
    fn build(
        &mut self,
    ) -> Result<
        (
            Vec<DocMessage>,
            Vec<DocUpload>,
            HashMap<Uuid, Vec<ChangeHash>>,
        ),
        Stop,
    > {
        let mut messages = Vec::new();
        let mut uploads = Vec::new();
        let mut upload_heads = HashMap::new();
        let mut size = 0usize;
        let mut complete = true;
        let ids: Vec<Uuid> = self.families.keys().copied().collect();
        for id in ids {
            if messages.len() + uploads.len() >= MAX_REQUEST_DOCS || size >= MAX_REQUEST_BYTES {
                complete = false;
                break;
            }
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let upload = f.on_device
                && !self.upload_refused.contains(&id)
                && (!f.known || (f.evicted && f.pending()));
            if upload {
                self.load(id)?;
                let Some(doc) = self.families.get_mut(&id).and_then(|f| f.doc.as_mut()) else {
                    continue;
                };
                let bytes = doc.save();
                if bytes.len() > MAX_UPLOAD_BYTES {
                    self.upload_refused.insert(id);
                    let now = self.session.clock().now();
                    self.session.store.record_round_trip(
                        &RoundTripRecord {
                            rejections: vec![(
                                id,
                                "too large to send whole (over 4 MiB): ask your administrator"
                                    .into(),
                            )],
                            ..Default::default()
                        },
                        now,
                    )?;
                    continue;
                }
                upload_heads.insert(id, doc.get_heads());
                size += bytes.len() + 32;
                uploads.push(DocUpload {
                    doc_id: id,
                    doc: bytes,
                });
                continue;
            }
            let answer = std::mem::take(&mut f.answer);
            if f.evicted || !f.known || self.refused.contains(&id) {
                continue;
            }
            if !(answer || self.compare_all || f.pending()) {
                continue;
            }
            self.load(id)?;
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let (Some(doc), Some(sync)) = (f.doc.as_mut(), f.sync.as_mut()) else {
                continue;
            };
            if let Some(bytes) = sync.generate(doc) {
                size += bytes.len() + 32;
                messages.push(DocMessage {
                    doc_id: id,
                    sync: bytes,
                });
            }
        }
        if complete {
            self.compare_all = false;
        }
        Ok((messages, uploads, upload_heads))
    }

    /// Applies one response: messages (each merged in its own
    /// transaction), then acknowledgements, refusals, eviction marks and
    /// the cursor in one transaction, then evictions.
    fn apply(
        &mut self,
        resp: SyncResponse,
        upload_heads: &HashMap<Uuid, Vec<ChangeHash>>,
    ) -> Result<(), Stop> {
        let cx = self.session.context();
        let who: Actor<'_> = actor(&cx);
        if resp.full_compare {
            self.report.full_compare = true;
            let fresh = DocSync::new().encode_state();
            self.session.store.reset_sync_states(&fresh)?;
            for f in self.families.values_mut() {
                f.sync = Some(DocSync::new());
                f.state = Some(fresh.clone());
                f.acked.clear();
            }
            self.compare_all = true;
        }
        let mut record = RoundTripRecord::default();
        let mut answered = HashSet::new();
        for m in resp.messages {
            let id = m.doc_id;
            self.received.insert(id);
            self.load(id)?;
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let (Some(doc), Some(sync)) = (f.doc.as_mut(), f.sync.as_mut()) else {
                continue;
            };
            let before = doc.get_heads();
            if sync.receive(doc, &m.sync).is_err() {
                // Start this family's exchange afresh, from the stored copy.
                f.doc = None;
                f.sync = Some(DocSync::new());
                f.answer = true;
                continue;
            }
            let state = sync.encode_state();
            let changed = doc.get_heads() != before;
            if changed || !f.on_device {
                match self.session.store.merge_synced(id, doc, &state, &who) {
                    Ok(outcome) => {
                        if outcome.created {
                            self.report.downloaded += 1;
                            f.on_device = true;
                        }
                        if outcome.changed {
                            self.merged.insert(id);
                        }
                    }
                    Err(StoreError::FamilyDocument(_) | StoreError::Corrupt(_)) => {
                        // The received record cannot be read here: keep the
                        // device copy as it was and show the refusal.
                        f.doc = None;
                        f.sync = None;
                        self.refused.insert(id);
                        record.rejections.push((
                            id,
                            "the server sent a version of this record this device cannot read"
                                .into(),
                        ));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            } else {
                record.states.push((id, state.clone()));
            }
            f.state = Some(state);
            f.known = true;
            f.evicted = false;
            f.answer = true;
            answered.insert(id);
        }
        for ack in resp.acks {
            let id = ack.doc_id;
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let heads: Vec<ChangeHash> = ack.heads.iter().map(|h| ChangeHash(*h)).collect();
            let mut state = None;
            let shared = match (upload_heads.get(&id), f.doc.as_mut()) {
                _ if answered.contains(&id) => false,
                (Some(uploaded), _) => uploaded.iter().all(|h| heads.contains(h)),
                // A message the server did not answer: it holds exactly
                // this device's heads (it leaves its reply out then).
                (None, Some(doc)) => {
                    let mut mine = doc.get_heads();
                    mine.sort();
                    let mut theirs = heads.clone();
                    theirs.sort();
                    mine == theirs
                }
                (None, None) => false,
            };
            if shared {
                let s = state_sharing(&heads);
                f.sync = Some(decode_state(Some(&s)));
                f.state = Some(s.clone());
                state = Some(s);
            }
            f.acked = heads.clone();
            f.known = true;
            record.acks.push(AckUpdate {
                family_id: id,
                acked_heads: heads,
                state,
            });
        }
        for r in resp.rejected {
            if upload_heads.contains_key(&r.doc_id) {
                self.upload_refused.insert(r.doc_id);
            } else if self.report.full_compare {
                // A restored server may have lost a family this device
                // uploaded after the backup: send it whole (the server
                // decides whether it may have it).
                if let Some(f) = self.families.get_mut(&r.doc_id) {
                    f.known = false;
                    record.unknown.push(r.doc_id);
                }
            } else {
                self.refused.insert(r.doc_id);
            }
            self.report.rejected += 1;
            record.rejections.push((r.doc_id, r.reason));
        }
        for id in resp.evicted {
            if let Some(f) = self.families.get_mut(&id) {
                if !f.evicted {
                    f.evicted = true;
                    record.evicted.push(id);
                }
            }
        }
        record.cursor = Some((resp.cursor.epoch.clone(), resp.cursor.seq));
        self.session.store.record_round_trip(&record, cx.now)?;
        self.cursor = Some(resp.cursor);
        self.more = resp.more;
        Ok(())
    }

    fn run(&mut self) -> Result<(), Stop> {
        self.evict_ready()?;
        for round in 0..MAX_ROUND_TRIPS {
            self.tell(SyncPhase::Preparing, round, self.families.len());
            let (messages, uploads, upload_heads) = self.build()?;
            if round > 0 && messages.is_empty() && uploads.is_empty() && !self.more {
                self.report.complete = true;
                return Ok(());
            }
            for m in &messages {
                self.sent.insert(m.doc_id);
            }
            for u in &uploads {
                self.sent.insert(u.doc_id);
                self.uploaded.insert(u.doc_id);
            }
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: self.device,
                cursor: self.cursor.clone(),
                messages,
                uploads,
            };
            let body = codec::encode_request(&request);
            drop(request);
            self.report.bytes_up += body.len() as u64;
            self.tell(SyncPhase::Exchanging, round, self.sent.len());
            let answer = self.transport.sync(body).map_err(Stop::Transport)?;
            self.report.round_trips += 1;
            self.report.bytes_down += answer.len() as u64;
            let resp = codec::decode_response(&answer, &Limits::default())
                .map_err(|e| Stop::Transport(TransportError::InvalidResponse(e.to_string())))?;
            self.tell(SyncPhase::Merging, round, resp.messages.len());
            // One durable commit for the whole response.
            self.session.store.begin_batch()?;
            let applied = self.apply(resp, &upload_heads);
            self.session.store.end_batch(applied.is_ok())?;
            applied?;
            self.evict_ready()?;
        }
        let mut left = self.more;
        for (id, f) in self.families.iter_mut() {
            left |= f.answer || (!self.refused.contains(id) && f.pending());
        }
        self.report.complete = !left;
        Ok(())
    }
}

/// The JSON kind of a value, for keeping a field's type.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Session {
    /// Enrols this device with the server over HTTPS (see
    /// [`Session::enrol_with`]).
    pub fn enrol(&mut self, opts: &EnrolOptions) -> Result<EnrolReport, CoreError> {
        let server = check_server_url(&opts.server).map_err(|e| CoreError::invalid("server", e))?;
        if let Some(pem) = &opts.ca_pem {
            check_ca_pem(pem).map_err(|e| CoreError::invalid("ca_cert", e))?;
        }
        let transport =
            HttpTransport::new(&server, opts.ca_pem.as_deref(), None).map_err(transport_error)?;
        self.enrol_with(&transport, opts)
    }

    /// Enrols this device over `transport`: sends the code with the
    /// profile's device id, and stores the server, token, CA certificate,
    /// practitioner, team and epoch inside the encrypted database. Refused
    /// when already enrolled, unless `replace` is set, and when the device
    /// holds the offline demo caseload (nothing is sent).
    pub fn enrol_with(
        &mut self,
        transport: &dyn Transport,
        opts: &EnrolOptions,
    ) -> Result<EnrolReport, CoreError> {
        let mut problems = doorstep_domain::Problems::new();
        let server = problems.check("server", check_server_url(&opts.server));
        let code = problems.check("code", required_text(&opts.code, 200));
        let device_name = problems.check("device_name", required_text(&opts.device_name, 100));
        if let Some(pem) = &opts.ca_pem {
            problems.check("ca_cert", check_ca_pem(pem));
        }
        let (Some(server), Some(code), Some(device_name)) = (server, code, device_name) else {
            return Err(problems.into());
        };
        if !problems.is_empty() {
            return Err(problems.into());
        }
        if let Some(existing) = self.store.sync_server()? {
            if !opts.replace {
                return Err(CoreError::AlreadyEnrolled(existing.enrolment.url));
            }
        } else if self.store.holds_demo_caseload()? {
            return Err(CoreError::invalid(
                "device",
                "holds the offline demo caseload, whose made-up families must not reach your trust's server: set Doorstep up afresh on this laptop to enrol it",
            ));
        }
        let device_id = self.profile().device_id;
        let resp = transport
            .enrol(&EnrolRequest {
                code,
                device_id,
                device_name: device_name.clone(),
            })
            .map_err(|e| match e {
                TransportError::BadRequest(m) => CoreError::invalid("code", m),
                TransportError::Revoked { .. } | TransportError::Unauthorised => {
                    CoreError::invalid("code", "enrolment code not accepted")
                }
                other => transport_error(other),
            })?;
        if resp.device_id != device_id {
            return Err(CoreError::SyncFailed(
                "the server enrolled another device id; nothing was stored".into(),
            ));
        }
        if resp.token.is_empty() || resp.epoch.is_empty() {
            return Err(CoreError::SyncFailed(
                "the server's enrolment answer was incomplete; nothing was stored".into(),
            ));
        }
        let cx = self.context();
        let enrolment = Enrolment {
            url: server.clone(),
            ca_pem: opts.ca_pem.clone(),
            device_id,
            device_name: device_name.clone(),
            token: resp.token.clone(),
            practitioner_id: resp.practitioner.id.clone(),
            practitioner_name: resp.practitioner.name.clone(),
            practitioner_role: resp.practitioner.role.clone(),
            team_id: resp.team.as_ref().map(|t| t.id.clone()),
            team_name: resp.team.as_ref().map(|t| t.name.clone()),
            enrolled_at: cx.now,
            epoch: resp.epoch.clone(),
        };
        self.store.enrol(&enrolment, opts.replace, &actor(&cx))?;
        Ok(EnrolReport {
            server,
            device_id,
            device_name,
            practitioner: resp.practitioner,
            team: resp.team,
            enrolled_at: cx.now,
        })
    }

    /// Syncs with the enrolled server over HTTPS (see [`Session::sync_with`]).
    pub fn sync(&mut self) -> Result<SyncReport, CoreError> {
        self.sync_reporting(&mut |_| {})
    }

    /// Like [`Session::sync`], telling `progress` each phase as it starts.
    pub fn sync_reporting(
        &mut self,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, CoreError> {
        let server = self.store.sync_server()?.ok_or_else(not_enrolled)?;
        let e = &server.enrolment;
        let transport = HttpTransport::new(&e.url, e.ca_pem.as_deref(), Some(e.token.clone()))
            .map_err(transport_error)?;
        self.sync_with_progress(&transport, progress)
    }

    /// Where the enrolled server is (no token), for a reachability check
    /// that needs no session; none when not enrolled.
    pub fn server_address(&mut self) -> Result<Option<ServerAddress>, CoreError> {
        Ok(self.store.sync_server()?.map(|s| ServerAddress {
            url: s.enrolment.url,
            ca_pem: s.enrolment.ca_pem,
        }))
    }

    /// Runs the sync exchange of docs/SYNC.md over `transport`. A failure
    /// is recorded for `sync status` and loses nothing: the next sync
    /// resumes. When the server says the device is revoked and asks for
    /// erasure, the local data is crypto-erased and
    /// [`CoreError::Revoked`] returned; the session cannot be used after.
    pub fn sync_with(&mut self, transport: &dyn Transport) -> Result<SyncReport, CoreError> {
        self.sync_with_progress(transport, &mut |_| {})
    }

    /// [`Session::sync_with`], telling `progress` each phase as it starts.
    pub fn sync_with_progress(
        &mut self,
        transport: &dyn Transport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, CoreError> {
        let server: SyncServer = self.store.sync_server()?.ok_or_else(not_enrolled)?;
        let families = self
            .store
            .sync_families()?
            .into_iter()
            .map(|r| (r.family_id, Tracked::from_row(r)))
            .collect();
        let cursor = server.seq.map(|seq| Cursor {
            epoch: server.enrolment.epoch.clone(),
            seq,
        });
        let mut exchange = Exchange {
            session: self,
            transport,
            device: server.enrolment.device_id,
            cursor,
            more: false,
            families,
            refused: HashSet::new(),
            upload_refused: HashSet::new(),
            compare_all: false,
            sent: HashSet::new(),
            uploaded: HashSet::new(),
            received: HashSet::new(),
            merged: HashSet::new(),
            report: SyncReport::default(),
            progress,
        };
        let outcome = exchange.run();
        let mut report = std::mem::take(&mut exchange.report);
        report.sent = exchange.sent.len();
        report.uploaded = exchange.uploaded.len();
        report.received = exchange.received.len();
        report.merged = exchange.merged.len();
        drop(exchange);
        let now = self.clock().now();
        let error = match outcome {
            Ok(()) => {
                self.store.record_sync_attempt(now, None)?;
                report.conflicts = self.store.conflict_rows(None)?.len();
                report.pending = self
                    .store
                    .sync_families()?
                    .iter()
                    .filter(|f| stored_pending(f))
                    .count();
                return Ok(report);
            }
            Err(Stop::Transport(TransportError::Revoked { erase: true })) => {
                // Close the database first so its files can be removed.
                let _ = self.store.close();
                ProfileDir::new(self.data_dir()).erase(REVOKED_REASON)?;
                return Err(CoreError::Revoked { just_now: true });
            }
            Err(Stop::Transport(e)) => transport_error(e),
            Err(Stop::Core(e)) => e,
        };
        // The failure itself is what matters; recording it is best effort.
        let _ = self
            .store
            .record_sync_attempt(now, Some(&error.to_string()));
        Err(error)
    }

    /// Where sync stands: the server and practitioner, the last success and
    /// attempt, the cursor, pending families, families waiting to be
    /// evicted, and the server's refusals. Recorded in the audit log (it
    /// lists family names).
    pub fn sync_status(&mut self) -> Result<SyncStatus, CoreError> {
        let server = self.store.sync_server()?;
        let families = self.store.sync_families()?;
        let mut pending = Vec::new();
        let mut awaiting = Vec::new();
        for f in &families {
            if f.evicted_at.is_some() {
                awaiting.push(f.family_id);
            } else if stored_pending(f) {
                pending.push(f.family_id);
            }
        }
        let rejections = self.store.sync_rejections()?;
        let mut ids: Vec<Uuid> = pending.iter().chain(&awaiting).copied().collect();
        ids.extend(rejections.iter().map(|r| r.family_id));
        let names = self.store.family_names(&ids)?;
        let named = |id: &Uuid| FamilyRef {
            family_id: *id,
            name: names.get(id).cloned(),
        };
        let conflicts = self.store.conflict_rows(None)?.len();
        let cx = self.context();
        self.store.record_view("sync.status", None, &actor(&cx))?;
        let status = SyncStatus {
            enrolled: server.is_some(),
            device_id: server.as_ref().map(|s| s.enrolment.device_id),
            server: server.as_ref().map(|s| s.enrolment.url.clone()),
            device_name: server.as_ref().map(|s| s.enrolment.device_name.clone()),
            practitioner: server.as_ref().map(|s| EnrolledPractitioner {
                id: s.enrolment.practitioner_id.clone(),
                name: s.enrolment.practitioner_name.clone(),
                role: s.enrolment.practitioner_role.clone(),
            }),
            team: server.as_ref().and_then(|s| {
                Some(EnrolledTeam {
                    id: s.enrolment.team_id.clone()?,
                    name: s.enrolment.team_name.clone().unwrap_or_default(),
                })
            }),
            last_success_at: server.as_ref().and_then(|s| s.last_success_at),
            last_attempt_at: server.as_ref().and_then(|s| s.last_attempt_at),
            last_error: server.as_ref().and_then(|s| s.last_error.clone()),
            cursor: server.as_ref().and_then(|s| {
                Some(CursorView {
                    epoch: s.enrolment.epoch.clone(),
                    seq: s.seq?,
                })
            }),
            pending: pending.iter().map(named).collect(),
            awaiting_eviction: awaiting.iter().map(named).collect(),
            rejections: rejections
                .into_iter()
                .map(|r| RejectionView {
                    name: names.get(&r.family_id).cloned(),
                    family_id: r.family_id,
                    reason: r.reason,
                    at: r.at,
                })
                .collect(),
            conflicts,
        };
        Ok(status)
    }

    /// The conflicts on the device (of one family when given), numbered,
    /// each with every value and who wrote it, when and on which device.
    /// Showing them is recorded in the audit log per family.
    pub fn conflicts(&mut self, family: Option<&str>) -> Result<Vec<ConflictView>, CoreError> {
        let id = family.map(|f| self.resolve_family(f)).transpose()?;
        let rows = self.store.conflict_rows(id)?;
        let mut ids: Vec<Uuid> = rows.iter().map(|r| r.family_id).collect();
        ids.dedup();
        let names = self.store.family_names(&ids)?;
        for f in &ids {
            self.audit_view("conflict.view", *f)?;
        }
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| ConflictView {
                number: i + 1,
                family_name: names.get(&r.family_id).cloned(),
                family_id: r.family_id,
                field: r.path.join("/"),
                values: r
                    .values
                    .into_iter()
                    .enumerate()
                    .map(|(k, v)| {
                        let at = v.at.and_then(|s| DateTime::from_timestamp(s, 0));
                        ConflictValueView {
                            choice: k + 1,
                            value: v.value,
                            practitioner: v.practitioner,
                            device: v.device,
                            at,
                            at_local: at.map(london_time),
                            action: v.action,
                        }
                    })
                    .collect(),
            })
            .collect())
    }

    /// Resolves the conflict at `field` (keys joined with `/`, as
    /// [`Session::conflicts`] shows it) of `family` by keeping one of its
    /// values or writing a new one: one commit by this practitioner,
    /// audited, that syncs like any other change. A new value keeps the
    /// field's type and is validated like the field (household details by
    /// the household rules, coded and checked values by the record's own
    /// types); a signed contact's fields only take one of their values.
    pub fn resolve_conflict(
        &mut self,
        family: &str,
        field: &str,
        choice: &Resolution,
    ) -> Result<Resolved, CoreError> {
        let id = self.resolve_family(family)?;
        let path: Vec<String> = field
            .split('/')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        let rows = self.store.conflict_rows(Some(id))?;
        let Some(row) = rows.iter().find(|r| r.path == path) else {
            return Err(CoreError::invalid(
                "field",
                "is not in conflict in this family (doorstep conflicts lists the fields that are)",
            ));
        };
        let current = self.store.family(id)?;
        let value = match choice {
            Resolution::Choose(k) => match k.checked_sub(1).and_then(|i| row.values.get(i)) {
                Some(v) => v.value.clone(),
                None => {
                    return Err(CoreError::invalid(
                        "choose",
                        format!("must be a value number from 1 to {}", row.values.len()),
                    ))
                }
            },
            Resolution::Value(text) => {
                if is_signed_record(&current, &path) {
                    return Err(CoreError::invalid(
                        "value",
                        "this contact is signed: keep one of its values (--choose); corrections are addenda",
                    ));
                }
                let kinds: Vec<&str> = row.values.iter().map(|v| kind(&v.value)).collect();
                let value = typed_value(text, &kinds)?;
                validate_value(&current, &path, value)?
            }
        };
        let cx = self.context();
        self.store
            .resolve_conflict(id, &path, &value, &actor(&cx))?;
        let remaining = self.store.conflict_rows(Some(id))?.len();
        Ok(Resolved {
            family_id: id,
            field: path.join("/"),
            value,
            remaining_conflicts: remaining,
        })
    }
}

/// `text` as a value of one of `kinds`: JSON when it parses as one of them,
/// else text when the field holds text.
fn typed_value(text: &str, kinds: &[&str]) -> Result<Value, CoreError> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        if kinds.contains(&kind(&v)) && !v.is_string() {
            return Ok(v);
        }
    }
    if kinds.contains(&"text") {
        return Ok(Value::String(text.to_string()));
    }
    let mut wanted: Vec<&str> = kinds.to_vec();
    wanted.dedup();
    Err(CoreError::invalid(
        "value",
        format!("must be {} like the field's values", wanted.join(" or ")),
    ))
}

/// Whether `path` is inside a signed contact or a measurement taken at one.
fn is_signed_record(f: &Family, path: &[String]) -> bool {
    let Some(id) = path.get(1).and_then(|s| Uuid::parse_str(s).ok()) else {
        return false;
    };
    let signed = |c: &Uuid| {
        f.contacts
            .get(c)
            .is_some_and(|c| c.status == ContactStatus::Signed)
    };
    match path.first().map(String::as_str) {
        Some("contacts") => signed(&id),
        Some("measurements") => f
            .measurements
            .get(&id)
            .is_some_and(|m| signed(&m.contact_id)),
        _ => false,
    }
}

/// Checks a new value for the field at `path` and returns it as it will be
/// written: household details through the household rules (normalised as
/// they normalise them); anything else must leave a record that reads back
/// (coded values, NHS numbers, postcodes, dates and the like are checked
/// by their types).
fn validate_value(current: &Family, path: &[String], value: Value) -> Result<Value, CoreError> {
    if let [map, key] = path {
        if map == "household" {
            let text = value.as_str().map(str::to_string);
            let mut update = HouseholdUpdate::default();
            match key.as_str() {
                "address_line1" => update.address_line1 = text,
                "address_line2" => update.address_line2 = text,
                "town" => update.town = text,
                "postcode" => update.postcode = text,
                "phone" => update.phone = text,
                "main_language" => update.main_language = text,
                "interpreter_needed" => update.interpreter_needed = value.as_bool(),
                _ => {}
            }
            match family::update_household(current, &update) {
                Ok(action) => {
                    if let Some(v) = action
                        .edits
                        .first()
                        .and_then(|e| e.fields.get(key.as_str()))
                    {
                        return Ok(v.clone());
                    }
                }
                Err(problems) => return Err(CoreError::Invalid(relabel(problems))),
            }
        }
    }
    let mut record = serde_json::to_value(current)
        .map_err(|_| CoreError::Storage("the record could not be read".into()))?;
    let Some((last, parents)) = path.split_last() else {
        return Err(CoreError::invalid("field", "is empty"));
    };
    let mut at = &mut record;
    for key in parents {
        if !at.is_object() {
            return Err(CoreError::invalid("field", "is not a field of this record"));
        }
        at = at
            .as_object_mut()
            .map(|m| {
                m.entry(key.clone())
                    .or_insert_with(|| Value::Object(Default::default()))
            })
            .ok_or_else(|| CoreError::invalid("field", "is not a field of this record"))?;
    }
    match at.as_object_mut() {
        Some(m) => {
            m.insert(last.clone(), value.clone());
        }
        None => return Err(CoreError::invalid("field", "is not a field of this record")),
    }
    serde_json::from_value::<Family>(record)
        .map_err(|_| CoreError::invalid("value", "is not a valid value for this field"))?;
    Ok(value)
}

/// Household problems are about the value given.
fn relabel(problems: doorstep_domain::Problems) -> doorstep_domain::Problems {
    let mut out = doorstep_domain::Problems::new();
    for p in problems.0 {
        out.push("value", format!("{}: {}", p.field, p.problem));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_times_follow_british_summer_time() {
        let winter = Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 9, 30, 0).unwrap();
        assert_eq!(london_time(winter), "2026-11-22 09:30 GMT");
        assert_eq!(london_time(summer), "2026-07-01 10:30 BST");
    }

    #[test]
    fn values_keep_the_field_type() {
        assert_eq!(
            typed_value("07700 900003", &["text", "text"]).unwrap(),
            Value::from("07700 900003")
        );
        assert_eq!(typed_value("42", &["text"]).unwrap(), Value::from("42"));
        assert_eq!(
            typed_value("true", &["true or false"]).unwrap(),
            Value::Bool(true)
        );
        assert!(typed_value("maybe", &["true or false"]).is_err());
        assert_eq!(typed_value("3", &["a number"]).unwrap(), Value::from(3));
    }

    #[test]
    fn acknowledgement_covers_heads() {
        let (a, b) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
        assert!(!unacknowledged(&[a], &[a], &[]));
        assert!(!unacknowledged(&[a, b], &[a], &[b]));
        assert!(unacknowledged(&[a, b], &[a], &[]));
        let s = state_sharing(&[b, a]);
        let d = DocSync::decode_state(&s).unwrap();
        assert_eq!(d.shared_heads(), &[a, b]);
    }
}
