//! Sync with the trust's server, device side (docs/SYNC.md): enrolment, the
//! sync exchange (a loop of at most [`MAX_ROUND_TRIPS`] round trips),
//! status, conflicts and their resolution, eviction, and revocation.
//!
//! Every merge is written by the store in one transaction per family with
//! the family's projections, conflicts, sync state and an audit row; a
//! response's acknowledgements, refusals, eviction marks and cursor are
//! written once it has been applied. So a sync interrupted anywhere loses
//! nothing and the next one finishes the job.

use std::path::Path;

use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Duration, Utc};
use doorstep_document::admission::Sender;
use doorstep_document::author;
use doorstep_domain::record::conflict;
pub use doorstep_domain::record::conflict::Resolution;
use doorstep_domain::values::calendar::is_bst;
use doorstep_domain::values::validate::required_text;
use doorstep_store::sync_state::{AckUpdate, Enrolment, RoundTripRecord, SyncFamily, SyncServer};
use doorstep_store::{merge, ProfileDir, StoreError};
use doorstep_sync::audit::AuditRow;
use doorstep_sync::protocol::Cursor;
pub use doorstep_sync::round_trips::MAX_ROUND_TRIPS;
use doorstep_sync::round_trips::{
    Merged, Received, Replica, RoundRecord, RoundTrips, StoredFamily,
};
use doorstep_sync::wire::{EnrolRequest, EnrolledPractitioner, EnrolledTeam};
pub use doorstep_sync::{Limits, SyncPhase, SyncProgress, SyncReport};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::session::actor;
use crate::transport::{check_ca_pem, check_server_url, HttpTransport, Transport, TransportError};
use crate::{CoreError, Session};

/// The reason written in the `ERASED` marker when the server revoked the
/// device.
pub const REVOKED_REASON: &str = "device revoked by the trust's server";

/// What `sync status` shows while a revoked device still has work the
/// server has not acknowledged.
const REVOKED_SENDING: &str = "this device was revoked by the trust's server: it is sending the work the server does not yet hold, then its local data will be erased";

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
    /// Why the server refused this laptop's audit log (rows it had already
    /// taken were changed on the laptop); records still sync.
    pub audit_refused: Option<String>,
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
    /// The device in words: "this laptop", the name another laptop was
    /// given at enrolment, or "another device" when it had none.
    pub device_name: String,
    /// Whether this laptop wrote it.
    pub this_laptop: bool,
    /// What was done, in words ("Changed household details").
    pub what: Option<String>,
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
        TransportError::Busy => CoreError::SyncFailed(
            "the server is busy; your work is saved on this device and sync will try again shortly"
                .into(),
        ),
        TransportError::Server(s) => CoreError::SyncFailed(format!(
            "the server failed (HTTP {s}); your work is saved on this device, try again later"
        )),
        TransportError::InvalidResponse(m) => CoreError::SyncFailed(format!(
            "the server's answer could not be read ({m}); your work is saved on this device"
        )),
    }
}

/// A sync that stopped: on the wire, or on the device.
#[derive(Debug)]
pub enum SyncStop {
    /// The server did not give a usable answer.
    Transport(TransportError),
    /// The device failed.
    Core(CoreError),
}

impl From<CoreError> for SyncStop {
    fn from(e: CoreError) -> Self {
        SyncStop::Core(e)
    }
}

impl From<StoreError> for SyncStop {
    fn from(e: StoreError) -> Self {
        SyncStop::Core(e.into())
    }
}

/// A family's stored sync bookkeeping, as the round-trip machine reads it.
fn stored_family(f: SyncFamily) -> StoredFamily {
    StoredFamily {
        family_id: f.family_id,
        on_device: f.on_device,
        heads: f.heads,
        state: f.state,
        acked_heads: f.acked_heads,
        known_to_server: f.known_to_server,
        answer_owed: f.answer_owed,
        evicted: f.evicted_at.is_some(),
    }
}

/// The device's encrypted store, as the round-trip machine's replica.
struct StoreReplica<'a> {
    session: &'a mut Session,
    device: Uuid,
}

impl Replica for StoreReplica<'_> {
    type Error = CoreError;

    fn load(&mut self, id: Uuid) -> Result<Option<AutoCommit>, CoreError> {
        Ok(self.session.store.document_for_sync(id)?)
    }

    fn blank(&mut self) -> AutoCommit {
        AutoCommit::new().with_actor(author::actor_for(self.device))
    }

    fn merge(&mut self, received: &mut [Received<'_>]) -> Result<Vec<Merged>, CoreError> {
        let cx = self.session.context();
        let mut lent: Vec<merge::Received<'_>> = received
            .iter_mut()
            .map(|r| merge::Received {
                id: r.id,
                doc: &mut *r.doc,
                state: r.state,
            })
            .collect();
        let outcomes = self.session.store.merge_synced(&mut lent, &actor(&cx))?;
        outcomes
            .into_iter()
            .map(|o| match o {
                Ok(o) if o.created => Ok(Merged::Created),
                Ok(o) if o.changed => Ok(Merged::Changed),
                Ok(_) => Ok(Merged::Unchanged),
                Err(StoreError::FamilyDocument(_) | StoreError::Corrupt(_)) => {
                    Ok(Merged::Unreadable)
                }
                Err(e) => Err(e.into()),
            })
            .collect()
    }

    fn evict(&mut self, id: Uuid, acknowledged: &[ChangeHash]) -> Result<bool, CoreError> {
        let cx = self.session.context();
        Ok(self
            .session
            .store
            .evict_family(id, acknowledged, &actor(&cx))?)
    }

    fn record(&mut self, round: &RoundRecord) -> Result<(), CoreError> {
        let record = RoundTripRecord {
            acks: round
                .acks
                .iter()
                .map(|a| AckUpdate {
                    family_id: a.family_id,
                    acked_heads: a.acked_heads.clone(),
                    state: a.state.clone(),
                })
                .collect(),
            rejections: round.rejections.clone(),
            evicted: round.evicted.clone(),
            owed: round.owed.clone(),
            states: round.states.clone(),
            cursor: round.cursor.as_ref().map(|c| (c.epoch.clone(), c.seq)),
            audit_ack: round.audit_ack.clone(),
            audit_refused: round.audit_refused.clone(),
        };
        let now = self.session.clock().now();
        Ok(self.session.store.record_round_trip(&record, now)?)
    }

    fn unacknowledged_audit(&mut self, limit: usize) -> Result<Vec<AuditRow>, CoreError> {
        Ok(self.session.store.unacknowledged_audit(limit)?)
    }

    fn reset_states(&mut self, fresh: &[u8]) -> Result<(), CoreError> {
        Ok(self.session.store.reset_sync_states(fresh)?)
    }

    fn admit(
        &mut self,
        _id: Uuid,
        doc: &mut AutoCommit,
        server_holds: &[ChangeHash],
    ) -> Result<Result<(), String>, CoreError> {
        // Not enrolled: nothing is sent.
        let Some(practitioner) = self.session.signer.clone() else {
            return Ok(Ok(()));
        };
        let sender = Sender {
            device: self.device,
            practitioner,
            now: self.session.clock().now(),
            moved_at: None,
            moved_work_taken: false,
        };
        // The server's copy as the device knows it (heads it does not hold
        // locally mean it cannot tell: the record's rules then see no
        // earlier record).
        let mut before = if server_holds.is_empty() {
            None
        } else {
            doc.fork_at(server_holds).ok()
        };
        Ok(sender.check(before.as_mut(), doc, None))
    }
}

/// Lends the session for one local step of a sync (preparing a request,
/// applying an answer), and only for that step.
pub trait LendSession {
    /// Runs `step` with the session, or fails without running it (the
    /// session was locked meanwhile, say).
    fn lend<T>(&mut self, step: impl FnOnce(&mut Session) -> T) -> Result<T, CoreError>;
}

impl LendSession for Session {
    fn lend<T>(&mut self, step: impl FnOnce(&mut Session) -> T) -> Result<T, CoreError> {
        Ok(step(self))
    }
}

/// A whole sync over `transport`: the loop of [`SyncRun`] steps, borrowing
/// the session from `lender` for each local step and never while a request
/// is on the network. A failure is recorded and loses nothing (see
/// [`Session::end_sync`]).
pub fn sync_lent(
    lender: &mut impl LendSession,
    transport: &dyn Transport,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport, CoreError> {
    let mut run = lender.lend(|s| s.begin_sync())??;
    let outcome = loop {
        let body = match lender.lend(|s| run.next_request(s, progress))? {
            Ok(Some(body)) => body,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        };
        // On the network: the session is not held.
        let answer = match transport.sync(body) {
            Ok(a) => a,
            Err(e) => break Err(SyncStop::Transport(e)),
        };
        if let Err(e) = lender.lend(|s| run.apply_answer(s, &answer, progress))? {
            break Err(e);
        }
    };
    lender.lend(|s| s.end_sync(run, outcome))?
}

/// One sync in progress, between round trips. The session is needed only
/// to prepare a request and to apply an answer, never while the request
/// is on the network, so a caller may let go of the session meanwhile
/// (the desktop does, and stays responsive while a server is slow).
pub struct SyncRun {
    machine: RoundTrips,
    device: Uuid,
}

impl SyncRun {
    /// The next request's body, prepared on `session`, or `None` when the
    /// sync is over. Tells `progress` when it starts preparing and when
    /// the request is ready to go.
    pub fn next_request(
        &mut self,
        session: &mut Session,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<Option<Vec<u8>>, SyncStop> {
        progress(
            self.machine
                .progress(SyncPhase::Preparing, self.machine.families()),
        );
        let mut replica = StoreReplica {
            session,
            device: self.device,
        };
        let body = self.machine.next_request(&mut replica)?;
        if body.is_some() {
            progress(
                self.machine
                    .progress(SyncPhase::Exchanging, self.machine.sent()),
            );
        }
        Ok(body)
    }

    /// Applies the server's answer on `session`: every merge and the
    /// round's bookkeeping in one durable commit, then the evictions that
    /// became safe.
    pub fn apply_answer(
        &mut self,
        session: &mut Session,
        answer: &[u8],
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<(), SyncStop> {
        let resp = self
            .machine
            .decode(answer)
            .map_err(|e| SyncStop::Transport(TransportError::InvalidResponse(e.0.to_string())))?;
        progress(
            self.machine
                .progress(SyncPhase::Merging, resp.messages.len()),
        );
        let mut replica = StoreReplica {
            session,
            device: self.device,
        };
        replica.session.store.begin_batch()?;
        let applied = self.machine.apply(&mut replica, resp);
        replica.session.store.end_batch(applied.is_ok())?;
        applied?;
        self.machine.evict_ready(&mut replica)?;
        Ok(())
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
            team_id: Some(resp.team.id.clone()),
            team_name: Some(resp.team.name.clone()),
            enrolled_at: cx.now,
            epoch: resp.epoch.clone(),
        };
        self.store.enrol(&enrolment, opts.replace, &actor(&cx))?;
        self.signer = Some(enrolment.practitioner_name.clone());
        Ok(EnrolReport {
            server,
            device_id,
            device_name,
            practitioner: resp.practitioner,
            team: Some(resp.team),
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
        let transport = self.sync_transport()?;
        self.sync_with_progress(&transport, progress)
    }

    /// The HTTPS transport to the enrolled server, carrying the device's
    /// token (for a caller that drives a [`SyncRun`] itself).
    pub fn sync_transport(&mut self) -> Result<HttpTransport, CoreError> {
        let server = self.store.sync_server()?.ok_or_else(not_enrolled)?;
        let e = &server.enrolment;
        HttpTransport::new(&e.url, e.ca_pem.as_deref(), Some(e.token.clone()))
            .map_err(transport_error)
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
        sync_lent(self, transport, progress)
    }

    /// Starts a sync: reads the cursor and every family's bookkeeping and
    /// removes the families already safe to evict. Drive the returned run
    /// with [`SyncRun::next_request`], the transport and
    /// [`SyncRun::apply_answer`], then give it to [`Session::end_sync`].
    pub fn begin_sync(&mut self) -> Result<SyncRun, CoreError> {
        let server: SyncServer = self.store.sync_server()?.ok_or_else(not_enrolled)?;
        let device = server.enrolment.device_id;
        let cursor = server.seq.map(|seq| Cursor {
            epoch: server.enrolment.epoch.clone(),
            seq,
        });
        let families = self.store.sync_families()?.into_iter().map(stored_family);
        let mut run = SyncRun {
            machine: RoundTrips::new(device, cursor, families, Limits::default()),
            device,
        };
        run.machine.evict_ready(&mut StoreReplica {
            session: self,
            device,
        })?;
        Ok(run)
    }

    /// Ends a sync with how it went: records the attempt for `sync
    /// status` and returns the report (conflicts and pending families
    /// counted from the store). A failure loses nothing: the next sync
    /// resumes. When the server revoked the device and asked for erasure,
    /// the local data is crypto-erased and [`CoreError::Revoked`]
    /// returned; the session cannot be used after.
    pub fn end_sync(
        &mut self,
        run: SyncRun,
        outcome: Result<(), SyncStop>,
    ) -> Result<SyncReport, CoreError> {
        let mut report = run.machine.finish();
        let now = self.clock().now();
        let error = match outcome {
            Ok(()) => {
                report.conflicts = self.store.conflict_rows(None)?.len();
                let families: Vec<StoredFamily> = self
                    .store
                    .sync_families()?
                    .into_iter()
                    .map(stored_family)
                    .collect();
                report.pending = families.iter().filter(|f| f.pending()).count();
                if report.revoked && !families.iter().any(StoredFamily::holds_unsent_work) {
                    // Revoked, and the server holds all of this device's
                    // work: nothing is lost by erasing now.
                    return self.erase_revoked();
                }
                let note = report.revoked.then_some(REVOKED_SENDING);
                self.store.record_sync_attempt(now, note)?;
                return Ok(report);
            }
            Err(SyncStop::Transport(TransportError::Revoked { erase: true })) => {
                return self.erase_revoked();
            }
            Err(SyncStop::Transport(e)) => transport_error(e),
            Err(SyncStop::Core(e)) => e,
        };
        // The failure itself is what matters; recording it is best effort.
        let _ = self
            .store
            .record_sync_attempt(now, Some(&error.to_string()));
        Err(error)
    }

    /// Crypto-erases the local data of a revoked device.
    fn erase_revoked(&mut self) -> Result<SyncReport, CoreError> {
        // Close the database first so its files can be removed.
        let _ = self.store.close();
        ProfileDir::new(self.data_dir()).erase(REVOKED_REASON)?;
        Err(CoreError::Revoked { just_now: true })
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
            } else if stored_family(f.clone()).pending() {
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
            audit_refused: server.as_ref().and_then(|s| s.audit_refused.clone()),
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
        let me = self.store.device();
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
                        let this_laptop = v.device == Some(me);
                        ConflictValueView {
                            choice: k + 1,
                            value: v.value,
                            practitioner: v.practitioner,
                            device: v.device,
                            device_name: if this_laptop {
                                "this laptop".into()
                            } else {
                                v.device_name.unwrap_or_else(|| "another device".into())
                            },
                            this_laptop,
                            what: v.action.as_deref().map(|a| {
                                doorstep_domain::record::action::action_label(a).to_string()
                            }),
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
        let values: Vec<Value> = row.values.iter().map(|v| v.value.clone()).collect();
        let cx = self.context();
        let (action, value) = conflict::resolve(&current, &path, &values, choice)?;
        self.store.apply(id, &[action], false, &actor(&cx))?;
        let remaining = self.store.conflict_rows(Some(id))?.len();
        Ok(Resolved {
            family_id: id,
            field: path.join("/"),
            value,
            remaining_conflicts: remaining,
        })
    }
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
}
