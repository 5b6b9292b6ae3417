//! An in-memory stand-in for the trust's server, for tests only: a
//! simplified but honest implementation of docs/SYNC.md ("The sync
//! exchange") over Automerge documents and one `DocSync` state per device
//! and family, with enrolment codes, tokens, caseloads, reallocation
//! (departures), revocation and restores (a new epoch). `FakeTransport`
//! connects a device to it in-process and can drop a request before it
//! arrives or lose the answer after the hub committed it.
//!
//! Shared by doorstep-core's and doorstep-cli's sync tests (the CLI tests
//! serve it over HTTP).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use automerge::{AutoCommit, ChangeHash};
use doorstep_core::transport::{
    EnrolRequest, EnrolResponse, EnrolledPractitioner, EnrolledTeam, Transport, TransportError,
};
use doorstep_sync::codec::{self, Limits};
use doorstep_sync::protocol::{
    Cursor, DocAck, DocMessage, Rejection, SyncResponse, PROTOCOL_VERSION,
};
use doorstep_sync::session::{message_heads, DocSync};
use serde_json::Value;
use uuid::Uuid;

struct HubFamily {
    doc: AutoCommit,
    /// Practitioner ids whose caseload holds the family.
    caseload: BTreeSet<String>,
    /// The global sequence at its last change.
    seq: u64,
}

#[derive(Clone)]
struct HubDevice {
    id: Uuid,
    practitioner: String,
    revoked: bool,
}

struct HubState {
    epoch: String,
    seq: u64,
    practitioners: BTreeMap<String, String>,
    codes: HashMap<String, String>,
    devices: HashMap<String, HubDevice>,
    families: BTreeMap<Uuid, HubFamily>,
    states: HashMap<(Uuid, Uuid), Vec<u8>>,
    /// (practitioner, family) -> sequence of the departure.
    departures: BTreeMap<(String, Uuid), u64>,
    requests: usize,
}

/// The in-memory server.
pub struct Hub {
    state: Mutex<HubState>,
}

fn state_sharing(heads: &[ChangeHash]) -> Vec<u8> {
    let mut s = automerge::sync::State::new();
    s.shared_heads = heads.to_vec();
    s.shared_heads.sort();
    s.encode()
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub {
            state: Mutex::new(HubState {
                epoch: "epoch-1".into(),
                seq: 0,
                practitioners: BTreeMap::new(),
                codes: HashMap::new(),
                devices: HashMap::new(),
                families: BTreeMap::new(),
                states: HashMap::new(),
                departures: BTreeMap::new(),
                requests: 0,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a practitioner.
    pub fn add_practitioner(&self, id: &str, name: &str) {
        self.lock().practitioners.insert(id.into(), name.into());
    }

    /// A fresh one-time enrolment code for `practitioner`.
    pub fn code_for(&self, practitioner: &str) -> String {
        let code = format!("code-{}", Uuid::new_v4().simple());
        self.lock().codes.insert(code.clone(), practitioner.into());
        code
    }

    /// Every token issued (to look for them on disk).
    pub fn tokens(&self) -> Vec<String> {
        self.lock().devices.keys().cloned().collect()
    }

    /// Adds `practitioner` to the family's caseload (a shared caseload,
    /// e.g. cover).
    pub fn share(&self, family: Uuid, practitioner: &str) {
        let mut s = self.lock();
        s.seq += 1;
        let seq = s.seq;
        if let Some(f) = s.families.get_mut(&family) {
            f.caseload.insert(practitioner.into());
            f.seq = seq;
        }
    }

    /// Moves the family from one practitioner's caseload to another's,
    /// recording the departure.
    pub fn reallocate(&self, family: Uuid, from: &str, to: &str) {
        let mut s = self.lock();
        s.seq += 1;
        let seq = s.seq;
        if let Some(f) = s.families.get_mut(&family) {
            f.caseload.remove(from);
            f.caseload.insert(to.into());
            f.seq = seq;
        }
        s.departures.insert((from.into(), family), seq);
    }

    /// Takes the family out of every caseload without a departure record
    /// (so messages about it are refused).
    pub fn unallocate(&self, family: Uuid) {
        if let Some(f) = self.lock().families.get_mut(&family) {
            f.caseload.clear();
        }
    }

    /// Revokes every device of `practitioner`.
    pub fn revoke(&self, device: Uuid) {
        for d in self.lock().devices.values_mut() {
            if d.id == device {
                d.revoked = true;
            }
        }
    }

    /// Forgets every token (a 401 `unauthorised` follows).
    pub fn forget_tokens(&self) {
        self.lock().devices.clear();
    }

    /// A backup: every family's saved document, caseload and sequence.
    pub fn backup(&self) -> Backup {
        let mut s = self.lock();
        let seq = s.seq;
        Backup {
            seq,
            families: s
                .families
                .iter_mut()
                .map(|(id, f)| (*id, f.doc.save(), f.caseload.clone(), f.seq))
                .collect(),
        }
    }

    /// A restore: the families of `backup` (or the current ones), a new
    /// epoch, and no device sync states.
    pub fn restore(&self, backup: Option<&Backup>) {
        let mut s = self.lock();
        if let Some(b) = backup {
            s.seq = b.seq;
            s.families = b
                .families
                .iter()
                .map(|(id, bytes, caseload, seq)| {
                    (
                        *id,
                        HubFamily {
                            doc: AutoCommit::load(bytes).expect("backup loads"),
                            caseload: caseload.clone(),
                            seq: *seq,
                        },
                    )
                })
                .collect();
        }
        s.epoch = format!("epoch-{}", Uuid::new_v4().simple());
        s.states.clear();
    }

    /// The family as the hub holds it (JSON).
    pub fn family_json(&self, family: Uuid) -> Option<Value> {
        self.lock()
            .families
            .get(&family)
            .map(|f| doorstep_document::json::to_json(&f.doc))
    }

    /// Ids of the hub's families.
    pub fn family_ids(&self) -> Vec<Uuid> {
        self.lock().families.keys().copied().collect()
    }

    /// Sync requests answered so far.
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    /// `POST /v1/enrol`.
    pub fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, TransportError> {
        let mut s = self.lock();
        let Some(practitioner) = s.codes.remove(&req.code) else {
            return Err(TransportError::BadRequest(
                "enrolment code not accepted".into(),
            ));
        };
        let token = format!("tok-{}", Uuid::new_v4().simple());
        s.devices.insert(
            token.clone(),
            HubDevice {
                id: req.device_id,
                practitioner: practitioner.clone(),
                revoked: false,
            },
        );
        let name = s
            .practitioners
            .get(&practitioner)
            .cloned()
            .unwrap_or_default();
        Ok(EnrolResponse {
            device_id: req.device_id,
            token,
            practitioner: EnrolledPractitioner {
                id: practitioner,
                name,
                role: "health-visitor".into(),
            },
            team: Some(EnrolledTeam {
                id: "team-1".into(),
                name: "Coventry North".into(),
            }),
            epoch: s.epoch.clone(),
        })
    }

    /// `POST /v1/sync`.
    pub fn sync(&self, token: Option<&str>, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut guard = self.lock();
        let s = &mut *guard;
        let dev = token
            .and_then(|t| s.devices.get(t))
            .cloned()
            .ok_or(TransportError::Unauthorised)?;
        if dev.revoked {
            return Err(TransportError::Revoked { erase: true });
        }
        let req = codec::decode_request(body, &Limits::default())
            .map_err(|e| TransportError::BadRequest(format!("bad sync request: {e}")))?;
        if req.protocol != PROTOCOL_VERSION || req.device_id != dev.id {
            return Err(TransportError::BadRequest(
                "bad sync request: wrong device or protocol".into(),
            ));
        }
        s.requests += 1;
        let p = dev.practitioner.clone();
        let full_compare = req
            .cursor
            .as_ref()
            .is_some_and(|c| c.epoch != s.epoch || c.seq > s.seq);
        let since = match &req.cursor {
            Some(c) if !full_compare => Some(c.seq),
            _ => None,
        };
        if full_compare {
            s.states.retain(|(d, _), _| *d != dev.id);
        }
        let mut changed = BTreeSet::new();
        let mut replies: BTreeMap<Uuid, Vec<u8>> = BTreeMap::new();
        let mut acks = Vec::new();
        let mut rejected = Vec::new();
        let mut evicted = BTreeSet::new();
        let mut settled = BTreeSet::new();
        for m in req.messages {
            let id = m.doc_id;
            let Some(fam) = s.families.get_mut(&id).filter(|f| f.caseload.contains(&p)) else {
                rejected.push(Rejection {
                    doc_id: id,
                    reason: "not in your caseload".into(),
                });
                continue;
            };
            let mut sync = s
                .states
                .get(&(dev.id, id))
                .and_then(|b| DocSync::decode_state(b).ok())
                .unwrap_or_default();
            let before = fam.doc.get_heads();
            sync.receive(&mut fam.doc, &m.sync)
                .map_err(|e| TransportError::BadRequest(format!("bad sync request: {e}")))?;
            if fam.doc.get_heads() != before {
                changed.insert(id);
            }
            let reported = message_heads(&m.sync)
                .map_err(|e| TransportError::BadRequest(format!("bad sync request: {e}")))?;
            let held: Vec<[u8; 32]> = reported
                .iter()
                .filter(|h| fam.doc.get_change_by_hash(h).is_some())
                .map(|h| h.0)
                .collect();
            acks.push(DocAck {
                doc_id: id,
                heads: held,
            });
            if let Some(r) = sync.generate(&mut fam.doc) {
                replies.insert(id, r);
            }
            s.states.insert((dev.id, id), sync.encode_state());
        }
        for u in req.uploads {
            let id = u.doc_id;
            let mut doc = AutoCommit::load(&u.doc).map_err(|_| {
                TransportError::BadRequest("bad sync request: not a document".into())
            })?;
            if doorstep_document::json::to_json(&doc)["id"] != Value::String(id.to_string()) {
                return Err(TransportError::BadRequest(
                    "bad sync request: upload id mismatch".into(),
                ));
            }
            let heads = doc.get_heads();
            let departed = s.departures.contains_key(&(p.clone(), id));
            match s.families.get_mut(&id) {
                None => {
                    s.families.insert(
                        id,
                        HubFamily {
                            doc,
                            caseload: BTreeSet::from([p.clone()]),
                            seq: 0,
                        },
                    );
                    changed.insert(id);
                }
                Some(f) if f.caseload.contains(&p) || departed => {
                    let before = f.doc.get_heads();
                    f.doc.merge(&mut doc).map_err(|_| {
                        TransportError::BadRequest("bad sync request: merge".into())
                    })?;
                    if f.doc.get_heads() != before {
                        changed.insert(id);
                    }
                    if !f.caseload.contains(&p) {
                        evicted.insert(id);
                    }
                }
                Some(_) => {
                    rejected.push(Rejection {
                        doc_id: id,
                        reason: "not in your caseload".into(),
                    });
                    continue;
                }
            }
            let fam = s.families.get_mut(&id).expect("just stored");
            if fam.doc.get_heads() == {
                let mut h = heads.clone();
                h.sort();
                h
            } {
                // The device holds exactly what the hub holds.
                s.states.insert((dev.id, id), state_sharing(&heads));
                settled.insert(id);
            }
            acks.push(DocAck {
                doc_id: id,
                heads: heads.iter().map(|h| h.0).collect(),
            });
        }
        if !changed.is_empty() {
            s.seq += 1;
            let seq = s.seq;
            for id in &changed {
                if let Some(f) = s.families.get_mut(id) {
                    f.seq = seq;
                }
            }
        }
        let mut messages: Vec<DocMessage> = replies
            .into_iter()
            .map(|(doc_id, sync)| DocMessage { doc_id, sync })
            .collect();
        let answered: BTreeSet<Uuid> = messages.iter().map(|m| m.doc_id).collect();
        let ids: Vec<Uuid> = s.families.keys().copied().collect();
        for id in ids {
            if answered.contains(&id) || settled.contains(&id) {
                continue;
            }
            let stored = s.states.get(&(dev.id, id)).cloned();
            let Some(fam) = s.families.get_mut(&id) else {
                continue;
            };
            if !fam.caseload.contains(&p) || since.is_some_and(|c| fam.seq <= c) {
                continue;
            }
            let mut sync = match stored {
                Some(b) => DocSync::decode_state(&b).unwrap_or_default(),
                None => DocSync::for_empty_peer(),
            };
            if let Some(m) = sync.generate(&mut fam.doc) {
                messages.push(DocMessage {
                    doc_id: id,
                    sync: m,
                });
            }
            s.states.insert((dev.id, id), sync.encode_state());
        }
        for ((who, id), seq) in &s.departures {
            if *who == p && since.is_none_or(|c| *seq > c) {
                let back = s.families.get(id).is_some_and(|f| f.caseload.contains(&p));
                if !back {
                    evicted.insert(*id);
                }
            }
        }
        let resp = SyncResponse {
            cursor: Cursor {
                epoch: s.epoch.clone(),
                seq: s.seq,
            },
            messages,
            acks,
            evicted: evicted.into_iter().collect(),
            rejected,
            full_compare,
            more: false,
        };
        Ok(codec::encode_response(&resp))
    }
}

/// A copy of the hub's families at one moment.
pub struct Backup {
    seq: u64,
    families: Vec<(Uuid, Vec<u8>, BTreeSet<String>, u64)>,
}

/// Where a [`FakeTransport`] fails a sync call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request never reaches the hub.
    Drop,
    /// The hub commits the request but the answer is lost.
    Lose,
}

/// One device's in-process connection to a [`Hub`].
pub struct FakeTransport {
    hub: Arc<Hub>,
    token: Mutex<Option<String>>,
    calls: AtomicUsize,
    fault: Mutex<Option<(usize, Fault)>>,
    unreachable: AtomicBool,
}

impl FakeTransport {
    /// A connection to `hub`.
    pub fn new(hub: &Arc<Hub>) -> FakeTransport {
        FakeTransport {
            hub: hub.clone(),
            token: Mutex::new(None),
            calls: AtomicUsize::new(0),
            fault: Mutex::new(None),
            unreachable: AtomicBool::new(false),
        }
    }

    /// Sync calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Fails sync call number `call` (counting from 0 over the transport's
    /// life) with `fault`.
    pub fn fail_at(&self, call: usize, fault: Fault) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = Some((call, fault));
    }

    /// Fails no call.
    pub fn clear_fault(&self) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Makes every call fail as unreachable (or stop doing so).
    pub fn set_unreachable(&self, on: bool) {
        self.unreachable.store(on, Ordering::SeqCst);
    }
}

impl Transport for FakeTransport {
    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, TransportError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(TransportError::Unreachable("connection refused".into()));
        }
        let r = self.hub.enrol(req)?;
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = Some(r.token.clone());
        Ok(r)
    }

    fn sync(&self, body: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(TransportError::Unreachable("connection refused".into()));
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let fault = match *self.fault.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((at, f)) if at == n => Some(f),
            _ => None,
        };
        if fault == Some(Fault::Drop) {
            return Err(TransportError::Unreachable("connection reset".into()));
        }
        let token = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let answer = self.hub.sync(token.as_deref(), &body)?;
        if fault == Some(Fault::Lose) {
            return Err(TransportError::Unreachable("connection reset".into()));
        }
        Ok(answer)
    }
}
