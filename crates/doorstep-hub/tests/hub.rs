//! The hub end to end, without HTTP: administration, enrolment, the sync
//! exchange against honest simulated devices, the notification import and
//! the caseload report. Every scenario runs on SQLite and on PostgreSQL (a
//! throwaway cluster from `doorstep_testkit::pg`).
//!
//! All data is synthetic: NHS numbers come from the 999 test range.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use doorstep_document::{author, json, record};
use doorstep_domain::clinical::caseload::CaseloadConfig;
use doorstep_domain::record::action::{Action, ActionContext};
use doorstep_domain::record::family::{
    add_family, add_flag, add_person, set_level, update_household, HouseholdUpdate, NewFamily,
    NewFlag, NewLevel, NewPerson,
};
use doorstep_domain::values::codes::{FlagKind, LevelOfService};
use doorstep_domain::values::nhs_number::{check_digit, NhsNumber};
use doorstep_hub::{DeviceIdentity, Hub, HubError, Value, NOT_IN_CASELOAD, SERVER_DEVICE_ID};
use doorstep_sync::audit::{AuditRow, AuditTip, GENESIS};
use doorstep_sync::codec::{decode_response, encode_request};
use doorstep_sync::protocol::{
    Cursor, DocMessage, DocUpload, Rejection, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use doorstep_sync::session::DocSync;
use doorstep_sync::Limits;
use doorstep_testkit::pg::Cluster;
use uuid::Uuid;

// ------------------------------------------------------------ fixtures

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// Where a scenario's database lives.
struct Backend {
    url: String,
    name: &'static str,
}

impl Backend {
    fn open(&self) -> Hub {
        Hub::open(&self.url).unwrap_or_else(|e| panic!("{}: open: {e}", self.name))
    }
}

/// Runs `f` on a fresh SQLite file, then on a fresh PostgreSQL database.
fn both(f: impl Fn(&Backend)) {
    let dir = tempfile::tempdir().unwrap();
    f(&Backend {
        url: format!("sqlite:{}", dir.path().join("hub.db").display()),
        name: "sqlite",
    });
    let cluster = Cluster::start();
    f(&Backend {
        url: cluster.fresh_url(),
        name: "postgres",
    });
}

/// The `n`th NHS number of the 999 test range that passes Modulus 11.
fn nhs(n: u32) -> String {
    let mut found = 0;
    for k in 0.. {
        let digits = format!("999{k:06}");
        let first9: [u8; 9] = digits
            .bytes()
            .map(|b| b - b'0')
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        if let Some(c) = check_digit(&first9) {
            if found == n {
                let s = format!("{digits}{c}");
                assert!(NhsNumber::parse(&s).unwrap().is_test_range());
                return s;
            }
            found += 1;
        }
    }
    unreachable!()
}

const HEADER: &str = "notification,parent_given_name,parent_family_name,address_line1,town,postcode,phone,child_given_name,child_family_name,sex,date_of_birth,nhs_number,gestation_weeks,birth_weight_g,expected_delivery,health_visitor";

fn birth_row(family: &str, child: &str, dob: &str, nhs_no: &str, hv: &str) -> String {
    format!("new-birth,Jo,{family},1 Test Street,Leeds,LS1 4AP,,{child},{family},female,{dob},{nhs_no},39+2,3400,,{hv}")
}

fn antenatal_row(family: &str, due: &str, hv: &str) -> String {
    format!("antenatal,Sam,{family},2 Test Road,Leeds,LS2 7EW,,,,,,,,,{due},{hv}")
}

/// Two health visitors in one team: Asha Patel and Ben Okafor.
fn staff(hub: &Hub) {
    hub.create_team("North Leeds").unwrap();
    hub.create_practitioner("Asha Patel", "health-visitor", "North Leeds")
        .unwrap();
    hub.create_practitioner("Ben Okafor", "hv", "north leeds")
        .unwrap();
}

/// Imports `rows` and returns the new family ids in order.
fn import(hub: &Hub, rows: &[String]) -> Vec<Uuid> {
    let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
    let report = hub.import_notifications(&csv, now(), today()).unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    report.imported.iter().map(|r| r.family_id).collect()
}

fn count(hub: &Hub, table: &str) -> i64 {
    hub.transaction(|tx| {
        tx.query(&format!("SELECT COUNT(*) FROM {table}"), &[])?
            .first()
            .map(|r| r.int(0))
            .unwrap_or(Ok(0))
    })
    .unwrap()
}

/// The server's document of a family.
/// The server's audit rows of one action: actor, then detail.
fn audited(hub: &Hub, action: &str) -> Vec<doorstep_hub::Row> {
    hub.transaction(|tx| {
        tx.query(
            "SELECT actor, detail FROM audit WHERE action = $1",
            &[action.into()],
        )
    })
    .unwrap()
}

fn server_doc(hub: &Hub, family: Uuid) -> AutoCommit {
    let bytes = hub
        .transaction(|tx| {
            Ok(tx
                .query(
                    "SELECT snapshot FROM families WHERE id = $1",
                    &[Value::Text(family.to_string())],
                )?
                .first()
                .map(|r| r.blob(0).map(<[u8]>::to_vec)))
        })
        .unwrap()
        .expect("family exists")
        .unwrap();
    AutoCommit::load(&bytes).unwrap()
}

fn sorted_heads(doc: &mut AutoCommit) -> Vec<String> {
    let mut h: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    h.sort();
    h
}

// ------------------------------------------------------- a honest device

/// A device as the product runs one: documents, persisted sync states,
/// acknowledged heads, a cursor; a sync session is a loop of round trips.
struct Device {
    id: Uuid,
    token: String,
    practitioner: String,
    docs: BTreeMap<Uuid, AutoCommit>,
    states: BTreeMap<Uuid, Vec<u8>>,
    acked: BTreeMap<Uuid, BTreeSet<ChangeHash>>,
    known_to_server: BTreeSet<Uuid>,
    evicted: BTreeSet<Uuid>,
    cursor: Option<Cursor>,
    rejections: Vec<Rejection>,
    /// Every change this device committed, to check none is lost.
    made: Vec<(Uuid, ChangeHash)>,
}

/// What one sync session did.
#[derive(Debug, Default)]
struct Session {
    round_trips: usize,
    responses: Vec<SyncResponse>,
}

impl Session {
    fn full_compare(&self) -> bool {
        self.responses.iter().any(|r| r.full_compare)
    }
    fn evicted(&self) -> BTreeSet<Uuid> {
        self.responses
            .iter()
            .flat_map(|r| r.evicted.clone())
            .collect()
    }
}

impl Device {
    fn enrol(hub: &Hub, practitioner: &str) -> Device {
        let code = hub
            .issue_enrolment_code(practitioner, Duration::hours(24), now())
            .unwrap();
        let id = Uuid::new_v4();
        let e = hub.enrol(&code.code, id, "Test laptop", now()).unwrap();
        assert_eq!(e.practitioner.name, practitioner);
        Device {
            id,
            token: e.token,
            practitioner: practitioner.into(),
            docs: BTreeMap::new(),
            states: BTreeMap::new(),
            acked: BTreeMap::new(),
            known_to_server: BTreeSet::new(),
            evicted: BTreeSet::new(),
            cursor: None,
            rejections: Vec::new(),
            made: Vec::new(),
        }
    }

    fn identity(&self, hub: &Hub) -> DeviceIdentity {
        hub.authenticate(&self.token).unwrap()
    }

    fn shared(states: &BTreeMap<Uuid, DocSync>, id: &Uuid) -> BTreeSet<ChangeHash> {
        states
            .get(id)
            .map(|s| s.shared_heads().iter().copied().collect())
            .unwrap_or_default()
    }

    fn pending(&mut self, live: &BTreeMap<Uuid, DocSync>, id: &Uuid) -> bool {
        let Some(doc) = self.docs.get_mut(id) else {
            return false;
        };
        let mut ok = Self::shared(live, id);
        ok.extend(self.acked.get(id).into_iter().flatten().copied());
        !doc.get_heads().iter().all(|h| ok.contains(h))
    }

    /// One request.
    fn request(
        &mut self,
        live: &mut BTreeMap<Uuid, DocSync>,
        answer: &BTreeSet<Uuid>,
        compare_all: bool,
    ) -> SyncRequest {
        let ids: Vec<Uuid> = self.docs.keys().copied().collect();
        let mut messages = Vec::new();
        let mut uploads = Vec::new();
        for id in ids {
            let pending = self.pending(live, &id);
            if !self.known_to_server.contains(&id) || (self.evicted.contains(&id) && pending) {
                let doc = self.docs.get_mut(&id).unwrap();
                uploads.push(DocUpload {
                    doc_id: id,
                    doc: doc.save(),
                });
                continue;
            }
            if self.evicted.contains(&id) {
                continue;
            }
            if pending || answer.contains(&id) || compare_all {
                let st = live.entry(id).or_default();
                if let Some(sync) = st.generate(self.docs.get_mut(&id).unwrap()) {
                    messages.push(DocMessage { doc_id: id, sync });
                }
            }
        }
        SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: self.id,
            cursor: self.cursor.clone(),
            messages,
            uploads,
            audit: Vec::new(),
        }
    }

    /// Applies a response.
    fn receive(
        &mut self,
        live: &mut BTreeMap<Uuid, DocSync>,
        answer: &mut BTreeSet<Uuid>,
        resp: &SyncResponse,
    ) {
        answer.clear();
        if resp.full_compare {
            live.clear();
            self.states.clear();
        }
        for m in &resp.messages {
            let device = self.id;
            let doc = self
                .docs
                .entry(m.doc_id)
                .or_insert_with(|| AutoCommit::new().with_actor(author::actor_for(device)));
            live.entry(m.doc_id)
                .or_default()
                .receive(doc, &m.sync)
                .unwrap();
            self.known_to_server.insert(m.doc_id);
            answer.insert(m.doc_id);
        }
        for a in &resp.acks {
            self.known_to_server.insert(a.doc_id);
            self.acked
                .entry(a.doc_id)
                .or_default()
                .extend(a.heads.iter().map(|h| ChangeHash(*h)));
        }
        self.evicted.extend(resp.evicted.iter().copied());
        self.rejections.extend(resp.rejected.iter().cloned());
        self.cursor = Some(resp.cursor.clone());
        for (id, st) in live.iter() {
            self.states.insert(*id, st.encode_state());
        }
        // Evicted families leave once nothing of theirs is unacknowledged.
        for id in self.evicted.clone() {
            if self.docs.contains_key(&id) && !self.pending(live, &id) {
                self.docs.remove(&id);
                self.states.remove(&id);
                live.remove(&id);
            }
        }
    }

    /// A sync session: round trips until nothing is left to say (at most 8).
    fn sync(&mut self, hub: &Hub) -> Session {
        self.try_sync(hub).unwrap()
    }

    fn try_sync(&mut self, hub: &Hub) -> Result<Session, HubError> {
        let identity = self.identity(hub);
        let mut live: BTreeMap<Uuid, DocSync> = self
            .states
            .iter()
            .map(|(id, s)| (*id, DocSync::decode_state(s).unwrap()))
            .collect();
        let mut answer = BTreeSet::new();
        let mut session = Session::default();
        let mut compare_all = false;
        let mut more = false;
        for round in 0..8 {
            let req = self.request(&mut live, &answer, compare_all);
            if round > 0 && req.messages.is_empty() && req.uploads.is_empty() && !more {
                return Ok(session);
            }
            let body = hub.sync(&identity, &encode_request(&req), now())?;
            let resp = decode_response(&body, &Limits::default()).unwrap();
            session.round_trips += 1;
            compare_all = resp.full_compare;
            more = resp.more;
            self.receive(&mut live, &mut answer, &resp);
            session.responses.push(resp);
        }
        panic!("sync did not settle in 8 round trips");
    }

    /// Makes a validated change on the device (one commit).
    fn edit(
        &mut self,
        family: Uuid,
        make: impl FnOnce(&doorstep_domain::record::family::Family, &ActionContext) -> Action,
    ) {
        let cx = ActionContext {
            practitioner: self.practitioner.clone(),
            now: now(),
            today: today(),
        };
        let doc = self.docs.get_mut(&family).expect("device holds the family");
        let record = record::family(doc).unwrap();
        let action = make(&record, &cx);
        json::commit(
            doc,
            &action.edits,
            &action.message,
            &self.practitioner,
            now().timestamp(),
        )
        .unwrap();
        let head = doc.get_heads()[0];
        self.made.push((family, head));
    }

    /// Creates a family on the device (not yet known to the server).
    fn add_family(&mut self) -> Uuid {
        let cx = ActionContext {
            practitioner: self.practitioner.clone(),
            now: now(),
            today: today(),
        };
        let id = Uuid::new_v4();
        let (family, a1) = add_family(
            id,
            &NewFamily {
                address_line1: "9 Device Lane".into(),
                postcode: "LS6 2AA".into(),
                ..NewFamily::default()
            },
            &cx,
        )
        .unwrap();
        let a2 = add_person(
            &family,
            Uuid::new_v4(),
            &NewPerson {
                role: "parent".into(),
                given_name: Some("Kim".into()),
                family_name: "Device".into(),
                ..NewPerson::default()
            },
            &cx,
        )
        .unwrap();
        let mut doc = AutoCommit::new().with_actor(author::actor_for(self.id));
        for a in [a1, a2] {
            json::commit(
                &mut doc,
                &a.edits,
                &a.message,
                &self.practitioner,
                now().timestamp(),
            )
            .unwrap();
        }
        self.docs.insert(id, doc);
        id
    }

    fn heads(&mut self, family: Uuid) -> Vec<String> {
        sorted_heads(self.docs.get_mut(&family).unwrap())
    }
}

fn set_phone(
    phone: &'static str,
) -> impl FnOnce(&doorstep_domain::record::family::Family, &ActionContext) -> Action {
    move |f, _| {
        update_household(
            f,
            &HouseholdUpdate {
                phone: Some(phone.into()),
                ..HouseholdUpdate::default()
            },
        )
        .unwrap()
    }
}

fn set_town(
    town: String,
) -> impl FnOnce(&doorstep_domain::record::family::Family, &ActionContext) -> Action {
    move |f, _| {
        update_household(
            f,
            &HouseholdUpdate {
                town: Some(town),
                ..HouseholdUpdate::default()
            },
        )
        .unwrap()
    }
}

// --------------------------------------------------------------- tests

#[test]
fn migrations_run_twice_without_change() {
    both(|b| {
        // Several processes starting together on an empty database.
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let url = b.url.clone();
                std::thread::spawn(move || Hub::open(&url).and_then(|h| h.epoch()))
            })
            .collect();
        let epochs: BTreeSet<String> = openers
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert_eq!(epochs.len(), 1, "{}: one epoch", b.name);
        let hub = b.open();
        let epoch = hub.epoch().unwrap();
        assert!(epochs.contains(&epoch));
        staff(&hub);
        drop(hub);
        let hub = b.open();
        assert_eq!(hub.epoch().unwrap(), epoch, "{}", b.name);
        assert_eq!(hub.list_teams().unwrap().len(), 1);
        let version = hub
            .transaction(|tx| tx.query("SELECT value FROM meta WHERE key = 'schema_version'", &[]))
            .unwrap();
        assert_eq!(
            version[0].text(0).unwrap(),
            doorstep_hub::schema::SCHEMA_VERSION.to_string()
        );
    });
}

#[test]
fn enrolment_issues_tokens_and_refuses_bad_codes_alike() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        // Administration checks.
        let dup = hub.create_team("north LEEDS").unwrap_err();
        assert!(
            matches!(&dup, HubError::Invalid(m) if m.starts_with("name:")),
            "{dup}"
        );
        let role = hub
            .create_practitioner("Cat Jones", "surgeon", "North Leeds")
            .unwrap_err();
        assert!(
            matches!(&role, HubError::Invalid(m) if m.starts_with("role:")),
            "{role}"
        );
        assert_eq!(
            hub.create_practitioner("Cat Jones", "team-leader", "Nowhere"),
            Err(HubError::NotFound("team"))
        );
        let roles: Vec<String> = hub
            .list_practitioners()
            .unwrap()
            .into_iter()
            .map(|p| p.role)
            .collect();
        assert_eq!(roles, ["health-visitor", "health-visitor"]);

        // Happy path.
        let code = hub
            .issue_enrolment_code("Asha Patel", Duration::hours(1), now())
            .unwrap();
        assert_eq!(code.code.len(), 14);
        let device = Uuid::new_v4();
        let e = hub
            .enrol(&code.code.to_lowercase(), device, "Laptop 1", now())
            .unwrap();
        assert_eq!((e.device_id, e.team.name.as_str()), (device, "North Leeds"));
        assert_eq!(e.token.len(), 64);
        assert_eq!(e.epoch, hub.epoch().unwrap());
        let who = hub.authenticate(&e.token).unwrap();
        assert_eq!(
            (who.device_id, who.practitioner_id, who.team_id),
            (device, e.practitioner.id, e.team.id)
        );

        // Used, unknown and expired codes get the same answer.
        let used = hub
            .enrol(&code.code, Uuid::new_v4(), "Laptop 2", now())
            .unwrap_err();
        let unknown = hub
            .enrol("ABCD-EFGH-JKMN", Uuid::new_v4(), "Laptop 2", now())
            .unwrap_err();
        let short = hub
            .enrol("nonsense", Uuid::new_v4(), "Laptop 2", now())
            .unwrap_err();
        let late = hub
            .issue_enrolment_code("Asha Patel", Duration::hours(1), now())
            .unwrap();
        let expired = hub
            .enrol(
                &late.code,
                Uuid::new_v4(),
                "Laptop 2",
                now() + Duration::hours(2),
            )
            .unwrap_err();
        for e in [&used, &unknown, &short, &expired] {
            assert_eq!(*e, HubError::EnrolmentRefused);
            assert_eq!(e.to_string(), "enrolment code not accepted");
        }
        // A device id enrols once.
        let again = hub
            .issue_enrolment_code("Ben Okafor", Duration::hours(1), now())
            .unwrap();
        let dup = hub
            .enrol(&again.code, device, "Laptop 1", now())
            .unwrap_err();
        assert!(
            matches!(&dup, HubError::Invalid(m) if m.starts_with("device_id:")),
            "{dup}"
        );
        // ... and that attempt did not use the code up.
        hub.enrol(&again.code, Uuid::new_v4(), "Laptop 3", now())
            .unwrap();

        // Neither the token nor any code is stored.
        let plain = code.code.replace('-', "");
        for table in ["devices", "enrolment_codes", "audit", "meta"] {
            let rows = hub
                .transaction(|tx| tx.query(&format!("SELECT * FROM {table}"), &[]))
                .unwrap();
            for row in rows {
                for v in row.0 {
                    if let Value::Text(t) = v {
                        assert!(!t.contains(&e.token), "token stored in {table}");
                        assert!(!t.contains(&plain), "code stored in {table}");
                    }
                }
            }
        }

        // Tokens: malformed or unknown, then revoked.
        assert_eq!(hub.authenticate("not a token"), Err(HubError::Unauthorised));
        assert_eq!(
            hub.authenticate(&"ab".repeat(32)),
            Err(HubError::Unauthorised)
        );
        hub.revoke_device(device, now()).unwrap();
        hub.revoke_device(device, now()).unwrap();
        assert_eq!(hub.authenticate(&e.token), Err(HubError::Revoked));
        assert_eq!(
            hub.revoke_device(Uuid::new_v4(), now()),
            Err(HubError::NotFound("device"))
        );
        let devices = hub.list_devices().unwrap();
        assert_eq!(devices.len(), 2);
        assert!(devices
            .iter()
            .find(|d| d.id == device)
            .unwrap()
            .revoked_at
            .is_some());
        // A revoked device's sync is answered, offering nothing and
        // saying so; one to be wiped is refused.
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: device,
            cursor: None,
            messages: vec![],
            uploads: vec![],
            audit: Vec::new(),
        };
        let answer = hub.sync(&who, &encode_request(&req), now()).unwrap();
        let response = decode_response(&answer, &Limits::default()).unwrap();
        assert!(response.revoked && response.messages.is_empty());
        hub.wipe_device(device, now()).unwrap();
        assert_eq!(
            hub.sync(&who, &encode_request(&req), now()),
            Err(HubError::Wiped)
        );
    });
}

#[test]
fn first_sync_downloads_the_caseload_then_syncs_edits_up() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let asha = import(
            &hub,
            &[
                birth_row("Adams", "Ava", "2026-10-01", &nhs(1), "Asha Patel"),
                birth_row("Brown", "Bo", "2026-09-01", &nhs(2), "Asha Patel"),
                antenatal_row("Clark", "2027-02-01", "Asha Patel"),
            ],
        );
        let ben = import(
            &hub,
            &[birth_row("Dunn", "Di", "2026-10-05", &nhs(3), "Ben Okafor")],
        );
        let mut d = Device::enrol(&hub, "Asha Patel");
        let s = d.sync(&hub);
        assert!(
            s.round_trips <= 2,
            "{}: {} round trips",
            b.name,
            s.round_trips
        );
        let first = &s.responses[0];
        assert_eq!(
            first.messages.len(),
            3,
            "the whole caseload in the first answer"
        );
        assert!(!first.more && !first.full_compare);
        assert_eq!(
            d.docs.keys().copied().collect::<BTreeSet<_>>(),
            asha.iter().copied().collect()
        );
        let identity = d.identity(&hub);
        for id in &asha {
            let summary = hub.family_heads(&identity, *id).unwrap().unwrap();
            assert_eq!(summary.heads, d.heads(*id));
            assert_eq!(record::family(&d.docs[id]).unwrap().id, *id);
        }
        // Another practitioner's family and an unknown id look the same.
        assert_eq!(hub.family_heads(&identity, ben[0]).unwrap(), None);
        assert_eq!(hub.family_heads(&identity, Uuid::new_v4()).unwrap(), None);

        // Nothing new: one quiet round trip.
        let s = d.sync(&hub);
        assert_eq!(s.round_trips, 1);
        assert!(s.responses[0].messages.is_empty());

        // An edit on the device goes up in one round trip and is acked.
        d.edit(asha[0], set_phone("0113 496 0000"));
        let s = d.sync(&hub);
        assert_eq!(s.round_trips, 1, "{}", b.name);
        let ack = &s.responses[0].acks;
        assert_eq!(ack.len(), 1);
        assert_eq!(ack[0].doc_id, asha[0]);
        let head = d.made[0].1;
        assert!(ack[0].heads.contains(&head.0));
        let mut server = server_doc(&hub, asha[0]);
        assert_eq!(sorted_heads(&mut server), d.heads(asha[0]));
        let family = record::family(&server).unwrap();
        assert_eq!(family.household.phone.unwrap().as_str(), "01134960000");
        assert_eq!(
            hub.family_heads(&identity, asha[0]).unwrap().unwrap().heads,
            d.heads(asha[0])
        );
        // A second device of the same practitioner receives the edit.
        let mut d2 = Device::enrol(&hub, "Asha Patel");
        d2.sync(&hub);
        assert_eq!(d2.heads(asha[0]), d.heads(asha[0]));
        // And the first device is told about nothing new afterwards.
        let s = d.sync(&hub);
        assert_eq!(s.round_trips, 1);
        assert!(s.responses[0].messages.is_empty());
    });
}

#[test]
fn a_replayed_request_is_harmless() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let fam = import(
            &hub,
            &[birth_row(
                "Adams",
                "Ava",
                "2026-10-01",
                &nhs(1),
                "Asha Patel",
            )],
        );
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        d.edit(fam[0], set_phone("0113 496 0001"));
        let mut live: BTreeMap<Uuid, DocSync> = d
            .states
            .iter()
            .map(|(id, s)| (*id, DocSync::decode_state(s).unwrap()))
            .collect();
        let req = d.request(&mut live, &BTreeSet::new(), false);
        assert_eq!(req.messages.len(), 1);
        let body = encode_request(&req);
        let identity = d.identity(&hub);
        let first = hub.sync(&identity, &body, now()).unwrap();
        let changes = count(&hub, "changes");
        let families = count(&hub, "families");
        let second = hub.sync(&identity, &body, now()).unwrap();
        let (r1, r2) = (
            decode_response(&first, &Limits::default()).unwrap(),
            decode_response(&second, &Limits::default()).unwrap(),
        );
        assert_eq!(r1, r2, "{}", b.name);
        assert_eq!(first, second);
        assert_eq!(count(&hub, "changes"), changes);
        assert_eq!(count(&hub, "families"), families);
        let dup = hub
            .transaction(|tx| {
                tx.query(
                    "SELECT family_id, hash, COUNT(*) FROM changes GROUP BY family_id, hash HAVING COUNT(*) > 1",
                    &[],
                )
            })
            .unwrap();
        assert!(dup.is_empty());
    });
}

#[test]
fn messages_outside_the_caseload_are_refused_alike_and_change_nothing() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let ben = import(
            &hub,
            &[birth_row("Dunn", "Di", "2026-10-05", &nhs(3), "Ben Okafor")],
        );
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        let before = (
            count(&hub, "families"),
            count(&hub, "changes"),
            count(&hub, "sync_states"),
            sorted_heads(&mut server_doc(&hub, ben[0])),
        );
        // A device that somehow holds a document with a change.
        let mut forged = AutoCommit::new();
        forged.put(automerge::ROOT, "id", "forged").unwrap();
        forged.commit();
        let sync = DocSync::for_empty_peer().generate(&mut forged).unwrap();
        let unknown = Uuid::new_v4();
        // And a family document claiming to be Ben's family.
        let cx = ActionContext {
            practitioner: "Asha Patel".into(),
            now: now(),
            today: today(),
        };
        let (_, claim) = add_family(
            ben[0],
            &NewFamily {
                address_line1: "1 Other Street".into(),
                postcode: "LS1 4AP".into(),
                ..NewFamily::default()
            },
            &cx,
        )
        .unwrap();
        let mut claimed = AutoCommit::new();
        json::commit(&mut claimed, &claim.edits, &claim.message, "Asha Patel", 0).unwrap();
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: d.id,
            cursor: d.cursor.clone(),
            messages: vec![
                DocMessage {
                    doc_id: ben[0],
                    sync: sync.clone(),
                },
                DocMessage {
                    doc_id: unknown,
                    sync,
                },
            ],
            uploads: vec![DocUpload {
                doc_id: ben[0],
                doc: claimed.save(),
            }],
            audit: Vec::new(),
        };
        let body = hub
            .sync(&d.identity(&hub), &encode_request(&req), now())
            .unwrap();
        let resp = decode_response(&body, &Limits::default()).unwrap();
        assert_eq!(resp.rejected.len(), 2);
        assert_eq!(resp.rejected[0].reason, NOT_IN_CASELOAD);
        assert_eq!(resp.rejected[0].reason, resp.rejected[1].reason);
        assert!(resp.messages.is_empty() && resp.acks.is_empty());
        let after = (
            count(&hub, "families"),
            count(&hub, "changes"),
            count(&hub, "sync_states"),
            sorted_heads(&mut server_doc(&hub, ben[0])),
        );
        assert_eq!(before, after, "{}", b.name);
        let refused = hub
            .transaction(|tx| {
                tx.query(
                    "SELECT family_id FROM audit WHERE action = 'sync.rejected'",
                    &[],
                )
            })
            .unwrap();
        assert_eq!(refused.len(), 2);
    });
}

#[test]
fn uploads_create_families_and_bad_requests_are_refused() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        let new = d.add_family();
        let s = d.sync(&hub);
        assert_eq!(s.round_trips, 1, "{}", b.name);
        assert!(d.known_to_server.contains(&new));
        let identity = d.identity(&hub);
        let summary = hub
            .family_heads(&identity, new)
            .unwrap()
            .expect("allocated to Asha");
        assert_eq!(summary.heads, d.heads(new));
        let asha = hub
            .list_practitioners()
            .unwrap()
            .into_iter()
            .find(|p| p.name == "Asha Patel")
            .unwrap();
        let report = hub
            .caseload_report(today(), &CaseloadConfig::default())
            .unwrap();
        let mine = report
            .practitioners
            .iter()
            .find(|p| p.practitioner.id == asha.id)
            .unwrap();
        assert_eq!(mine.summary.families, 1);
        // Quiet afterwards.
        let s = d.sync(&hub);
        assert_eq!((s.round_trips, s.responses[0].messages.len()), (1, 0));

        // Bad requests.
        let base = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: d.id,
            cursor: d.cursor.clone(),
            messages: vec![],
            uploads: vec![],
            audit: Vec::new(),
        };
        let bad = |req: &SyncRequest| {
            hub.sync(&identity, &encode_request(req), now())
                .unwrap_err()
        };
        let mut other = d.docs[&new].clone();
        let wrong_id = SyncRequest {
            uploads: vec![DocUpload {
                doc_id: Uuid::new_v4(),
                doc: other.save(),
            }],
            ..base.clone()
        };
        assert!(matches!(bad(&wrong_id), HubError::BadRequest(m) if m.contains("another id")));
        let garbage = SyncRequest {
            uploads: vec![DocUpload {
                doc_id: Uuid::new_v4(),
                doc: b"not automerge".to_vec(),
            }],
            ..base.clone()
        };
        assert!(matches!(bad(&garbage), HubError::BadRequest(_)));
        let not_family = SyncRequest {
            uploads: vec![DocUpload {
                doc_id: Uuid::new_v4(),
                doc: AutoCommit::new().save(),
            }],
            ..base.clone()
        };
        assert!(matches!(bad(&not_family), HubError::BadRequest(_)));
        let someone_else = SyncRequest {
            device_id: Uuid::new_v4(),
            ..base.clone()
        };
        assert!(matches!(bad(&someone_else), HubError::BadRequest(_)));
        let old = SyncRequest {
            protocol: PROTOCOL_VERSION + 1,
            ..base.clone()
        };
        assert!(matches!(bad(&old), HubError::BadRequest(_)));
        let body = encode_request(&base);
        assert!(matches!(
            hub.sync(&identity, &body[..body.len() - 1], now()),
            Err(HubError::BadRequest(m)) if m.contains("truncated")
        ));
        let small = Hub::open(&b.url).unwrap().with_limits(Limits {
            max_message_bytes: 64,
            ..Limits::default()
        });
        let big = SyncRequest {
            uploads: vec![DocUpload {
                doc_id: new,
                doc: d.docs.get_mut(&new).unwrap().save(),
            }],
            ..base.clone()
        };
        assert_eq!(
            small.sync(&identity, &encode_request(&big), now()),
            Err(HubError::TooLarge { limit: 64 })
        );
        // Nothing above changed the hub.
        assert_eq!(count(&hub, "families"), 1);
    });
}

#[test]
fn reallocation_evicts_keeps_offline_work_and_moves_the_family() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let fam = import(
            &hub,
            &[birth_row(
                "Adams",
                "Ava",
                "2026-10-01",
                &nhs(1),
                "Asha Patel",
            )],
        )[0];
        let mut d1 = Device::enrol(&hub, "Asha Patel");
        d1.sync(&hub);
        let mut d2 = Device::enrol(&hub, "Ben Okafor");
        assert!(d2.sync(&hub).responses[0].messages.is_empty());

        // Asha edits offline; meanwhile the family moves to Ben.
        d1.edit(fam, set_phone("0113 496 0002"));
        let offline = d1.made[0].1;
        hub.allocate(fam, "Ben Okafor", now()).unwrap();
        hub.allocate(fam, "Ben Okafor", now()).unwrap(); // no-op
        assert_eq!(
            hub.allocate(Uuid::new_v4(), "Ben Okafor", now()),
            Err(HubError::NotFound("family"))
        );

        let s = d1.sync(&hub);
        assert!(s.evicted().contains(&fam), "{}", b.name);
        let acked: BTreeSet<[u8; 32]> = s
            .responses
            .iter()
            .flat_map(|r| r.acks.iter().filter(|a| a.doc_id == fam))
            .flat_map(|a| a.heads.clone())
            .collect();
        assert!(
            acked.contains(&offline.0),
            "the offline edit is acknowledged"
        );
        assert!(!d1.docs.contains_key(&fam), "evicted once acknowledged");

        let s = d2.sync(&hub);
        assert!(s.round_trips <= 2);
        let doc = d2.docs.get_mut(&fam).expect("Ben's device has the family");
        assert!(
            doc.get_change_by_hash(&offline).is_some(),
            "with Asha's edit"
        );
        let record = record::family(doc).unwrap();
        assert_eq!(record.household.phone.unwrap().as_str(), "01134960002");
        assert_eq!(
            record.allocation.practitioner.as_deref(),
            Some("Ben Okafor")
        );
        // Asha's device no longer sees it, and further syncs are quiet.
        let s = d1.sync(&hub);
        assert!(s.responses[0].messages.is_empty());
        assert_eq!(hub.family_heads(&d1.identity(&hub), fam).unwrap(), None);
    });
}

#[test]
fn a_new_epoch_makes_devices_compare_everything() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let fams = import(
            &hub,
            &[
                birth_row("Adams", "Ava", "2026-10-01", &nhs(1), "Asha Patel"),
                antenatal_row("Clark", "2027-02-01", "Asha Patel"),
            ],
        );
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        let old = d.cursor.clone().unwrap().epoch;
        let epoch = hub.new_epoch().unwrap();
        assert_ne!(epoch, old);
        d.edit(fams[1], set_phone("0113 496 0003"));
        let s = d.sync(&hub);
        assert!(s.full_compare(), "{}", b.name);
        assert_eq!(d.cursor.as_ref().unwrap().epoch_id(), epoch);
        for id in &fams {
            assert_eq!(sorted_heads(&mut server_doc(&hub, *id)), d.heads(*id));
        }
        // Settled: the next sync is an ordinary quiet one.
        let s = d.sync(&hub);
        assert!(!s.full_compare());
        assert_eq!((s.round_trips, s.responses[0].messages.len()), (1, 0));
    });
}

#[test]
fn csv_import_takes_good_rows_reports_bad_ones_and_is_idempotent() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let rows = [
            birth_row("Adams", "Ava", "2026-10-01", &nhs(1), "Asha Patel"),
            antenatal_row("Clark", "2027-02-01", "ben okafor"),
            birth_row("Evans", "Eli", "2026-10-01", &nhs(2), "Nobody Known")
                .replace("LS1 4AP", "NOT A POSTCODE"),
            birth_row("Ford", "Fay", "2026-12-01", "9990000000", "Asha Patel"),
            "stork,Jo,Gray,1 Test Street,Leeds,LS1 4AP,,,,,,,,,,Asha Patel".to_string(),
            "new-birth,Jo,Hill".to_string(),
            birth_row("Irwin", "", "2026-10-01", "", "Asha Patel"),
            antenatal_row("Jones", "2026-01-01", "Asha Patel"),
        ];
        let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
        let report = hub.import_notifications(&csv, now(), today()).unwrap();
        let imported: Vec<usize> = report.imported.iter().map(|r| r.row).collect();
        assert_eq!(imported, [1, 2], "{}: {:?}", b.name, report.rejected);
        let reasons: Vec<(usize, &str)> = report
            .rejected
            .iter()
            .map(|r| (r.row, r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (3, "postcode: is not a UK postcode (expected a form like SW1A 1AA); health_visitor: no practitioner has this name or id"),
                (4, "date_of_birth: must not be in the future; nhs_number: is not a valid NHS number: its check digit would be 10, so it is never issued"),
                (5, "notification: must be new-birth or antenatal"),
                (6, "row: has 3 fields, expected 16"),
                (7, "child_given_name: is required; nhs_number: is required for a new-birth notification"),
                (8, "expected_delivery: must be between 4 weeks ago and 43 weeks from today"),
            ],
            "{}",
            b.name
        );

        // The documents are what a device would have made.
        let birth = report.imported[0].family_id;
        let mut doc = server_doc(&hub, birth);
        let family = record::family(&doc).unwrap();
        assert_eq!(family.id, birth);
        assert_eq!(
            family.allocation.practitioner.as_deref(),
            Some("Asha Patel")
        );
        assert_eq!(family.allocation.team.as_deref(), Some("North Leeds"));
        let mut roles: Vec<_> = family.members.values().map(|p| p.role.code()).collect();
        roles.sort();
        assert_eq!(roles, ["child", "parent"]);
        let child = family
            .members
            .values()
            .find(|p| p.role.code() == "child")
            .unwrap();
        assert_eq!(child.nhs_number.as_ref().unwrap().as_str(), nhs(1));
        assert_eq!(
            (child.gestation_weeks, child.gestation_days),
            (Some(39), Some(2))
        );
        assert_eq!(child.birth_weight_grams, Some(3400));
        for m in doc.get_changes_meta(&[]) {
            assert_eq!(author::device_of(&m.actor), Some(SERVER_DEVICE_ID));
            let msg = m.message.unwrap();
            assert!(msg.ends_with("|notification import"), "{msg}");
        }
        assert_eq!(doc.get_changes(&[]).len(), 3, "family, mother, child");
        let antenatal = record::family(&server_doc(&hub, report.imported[1].family_id)).unwrap();
        assert_eq!(
            antenatal.allocation.practitioner.as_deref(),
            Some("Ben Okafor")
        );
        assert!(antenatal.members.values().any(|p| p.role.code() == "unborn"
            && p.expected_delivery_date == NaiveDate::from_ymd_opt(2027, 2, 1)));

        // Importing again takes nothing twice.
        let again = hub.import_notifications(&csv, now(), today()).unwrap();
        assert!(again.imported.is_empty());
        assert_eq!(
            again.rejected[0],
            doorstep_hub::RejectedRow {
                row: 1,
                reason: "nhs_number: already imported".into()
            }
        );
        assert!(again.rejected[1].reason.contains("already imported"));
        assert_eq!(count(&hub, "families"), 2);
        // A header with a missing column is refused whole.
        let err = hub
            .import_notifications("notification,town\nnew-birth,Leeds\n", now(), today())
            .unwrap_err();
        assert!(
            matches!(err, HubError::Invalid(m) if m.starts_with("csv: missing columns: parent_given_name"))
        );
    });
}

#[test]
fn the_caseload_report_counts_from_the_documents() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let asha = import(
            &hub,
            &[
                birth_row("Adams", "Ava", "2026-10-01", &nhs(1), "Asha Patel"),
                birth_row("Brown", "Bo", "2021-11-22", &nhs(2), "Asha Patel"),
                antenatal_row("Clark", "2027-02-01", "Asha Patel"),
            ],
        );
        import(
            &hub,
            &[birth_row("Dunn", "Di", "2026-10-05", &nhs(3), "Ben Okafor")],
        );
        // Brown: targeted with a child protection plan, set on the device.
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        d.edit(asha[1], |f, cx| {
            set_level(
                f,
                Uuid::new_v4(),
                &NewLevel {
                    level: "targeted".into(),
                    effective: "2026-11-01".into(),
                    reason: "Assessed need".into(),
                },
                cx,
            )
            .unwrap()
        });
        d.edit(asha[1], |f, cx| {
            add_flag(
                f,
                Uuid::new_v4(),
                &NewFlag {
                    kind: "child-protection".into(),
                    cp_category: Some("neglect".into()),
                    start: "2026-11-01".into(),
                    ..NewFlag::default()
                },
                cx,
            )
            .unwrap()
        });
        d.sync(&hub);

        let cfg = CaseloadConfig::default();
        let report = hub.caseload_report(today(), &cfg).unwrap();
        assert_eq!(report.unreadable, 0);
        let names: Vec<&str> = report
            .practitioners
            .iter()
            .map(|p| p.practitioner.name.as_str())
            .collect();
        assert_eq!(names, ["Asha Patel", "Ben Okafor"]);
        let a = &report.practitioners[0].summary;
        // Adams: universal, 1 child under five -> 1.
        // Brown: targeted (3) + child protection (5), Bo turned five today -> 0 children.
        // Clark: universal, a pregnancy (not a child) -> 1.
        assert_eq!((a.families, a.children_under5), (3, 1), "{}", b.name);
        assert_eq!(a.weighted, 1.0 + 3.0 + 5.0 + 1.0);
        let level = |l: LevelOfService| a.by_level.iter().find(|c| c.level == l).unwrap().families;
        assert_eq!(
            (
                level(LevelOfService::Universal),
                level(LevelOfService::Targeted)
            ),
            (2, 1)
        );
        let cp = a
            .by_flag
            .iter()
            .find(|f| f.flag == FlagKind::ChildProtection)
            .unwrap();
        assert_eq!((cp.families, cp.children_under5), (1, 0));
        let ben = &report.practitioners[1].summary;
        assert_eq!(
            (ben.families, ben.children_under5, ben.weighted),
            (1, 1, 1.0)
        );
        assert_eq!(report.teams.len(), 1);
        let team = &report.teams[0].summary;
        assert_eq!(
            (team.families, team.children_under5, team.weighted),
            (4, 2, 11.0)
        );
        assert!(team.warnings.is_empty());
    });
}

#[test]
fn concurrent_syncs_of_one_family_through_two_hubs_lose_nothing() {
    both(|b| {
        let setup = b.open();
        staff(&setup);
        let fam = import(
            &setup,
            &[birth_row(
                "Adams",
                "Ava",
                "2026-10-01",
                &nhs(1),
                "Asha Patel",
            )],
        )[0];
        let mut d1 = Device::enrol(&setup, "Asha Patel");
        let mut d2 = Device::enrol(&setup, "Asha Patel");
        d1.sync(&setup);
        d2.sync(&setup);
        drop(setup);
        let hubs = [Arc::new(b.open()), Arc::new(b.open())];
        const ROUNDS: usize = 8;
        // Both devices sync at the same moment, every round.
        let start = Arc::new(std::sync::Barrier::new(2));
        let workers: Vec<_> = [d1, d2]
            .into_iter()
            .zip(hubs.iter().cloned())
            .enumerate()
            .map(|(n, (mut dev, hub))| {
                let start = start.clone();
                std::thread::spawn(move || {
                    for i in 0..ROUNDS {
                        start.wait();
                        if n == 0 {
                            dev.edit(fam, set_phone(["0113 496 0010", "0113 496 0011"][i % 2]));
                        } else {
                            dev.edit(fam, set_town(format!("Town {i}")));
                        }
                        dev.try_sync(&hub).unwrap();
                    }
                    dev
                })
            })
            .collect();
        let mut devices: Vec<Device> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        // Settle: each device syncs until both hold what the server holds.
        for _ in 0..2 {
            for (dev, hub) in devices.iter_mut().zip(&hubs) {
                dev.sync(hub);
            }
        }
        let mut server = server_doc(&hubs[0], fam);
        for dev in &mut devices {
            for (_, change) in &dev.made {
                assert!(
                    server.get_change_by_hash(change).is_some(),
                    "{}: a change was lost",
                    b.name
                );
            }
            assert_eq!(dev.heads(fam), sorted_heads(&mut server));
        }
        let family = record::family(&server).unwrap();
        assert_eq!(family.household.town.as_deref(), Some("Town 7"));
        assert_eq!(family.household.phone.unwrap().as_str(), "01134960011");
    });
}

#[test]
fn a_capped_answer_sets_more_and_the_rest_follows() {
    both(|b| {
        let hub = b.open().with_max_messages(2);
        staff(&hub);
        let rows: Vec<String> = (0..5)
            .map(|i| {
                birth_row(
                    &format!("Family{i}"),
                    "Ava",
                    "2026-10-01",
                    &nhs(10 + i),
                    "Asha Patel",
                )
            })
            .collect();
        let fams = import(&hub, &rows);
        let mut d = Device::enrol(&hub, "Asha Patel");
        let s = d.sync(&hub);
        let first = &s.responses[0];
        assert_eq!(first.messages.len(), 2, "{}", b.name);
        assert!(first.more);
        assert!(s.responses.iter().all(|r| r.messages.len() <= 2 || !r.more));
        assert_eq!(
            d.docs.keys().copied().collect::<BTreeSet<_>>(),
            fams.iter().copied().collect()
        );
        for id in &fams {
            assert_eq!(sorted_heads(&mut server_doc(&hub, *id)), d.heads(*id));
        }
        // Once everything is across, a sync is quiet again.
        let s = d.sync(&hub);
        assert_eq!(
            (s.round_trips, s.responses[0].messages.len()),
            (1, 0),
            "{}",
            b.name
        );
    });
}

#[test]
fn hostile_changes_are_refused_whole_and_the_family_keeps_its_rules() {
    use automerge::transaction::CommitOptions;
    use automerge::{ActorId, ReadDoc, ROOT};
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let fam = import(
            &hub,
            &[birth_row(
                "Adams",
                "Ava",
                "2026-10-01",
                &nhs(1),
                "Asha Patel",
            )],
        )[0];
        // An honest device adds a child-protection flag: accepted.
        let mut honest = Device::enrol(&hub, "Asha Patel");
        honest.sync(&hub);
        let flag = Uuid::new_v4();
        honest.edit(fam, |f, cx| {
            let input = NewFlag {
                kind: "child-protection".into(),
                cp_category: Some("neglect".into()),
                start: "2026-11-01".into(),
                ..NewFlag::default()
            };
            add_flag(f, flag, &input, cx).unwrap()
        });
        honest.sync(&hub);
        assert!(honest.rejections.is_empty(), "{}", b.name);
        let stored = sorted_heads(&mut server_doc(&hub, fam));

        // Each attack from a fresh laptop of the same practitioner.
        let attack = |what: &str, change: &dyn Fn(&mut AutoCommit), reason: &str| {
            let mut d = Device::enrol(&hub, "Asha Patel");
            d.sync(&hub);
            change(d.docs.get_mut(&fam).unwrap());
            d.sync(&hub);
            let refused: Vec<_> = d.rejections.iter().filter(|r| r.doc_id == fam).collect();
            assert!(
                refused.iter().any(|r| r.reason.contains(reason)),
                "{}: {what}: {refused:?}",
                b.name
            );
            // Refused whole: the server's copy is as it was, and the
            // device's change stays unacknowledged.
            assert_eq!(sorted_heads(&mut server_doc(&hub, fam)), stored, "{what}");
            let heads = d.docs.get_mut(&fam).unwrap().get_heads();
            let acked = d.acked.get(&fam).cloned().unwrap_or_default();
            assert!(heads.iter().any(|h| !acked.contains(h)), "{what}");
        };
        let commit = |doc: &mut AutoCommit, by: &str, at: DateTime<Utc>| {
            doc.commit_with(
                CommitOptions::default()
                    .with_message(author::message("family.update", by))
                    .with_time(at.timestamp()),
            );
        };
        attack(
            "deleting the child-protection flag",
            &|doc| {
                let (_, flags) = doc.get(ROOT, "flags").unwrap().unwrap();
                doc.delete(&flags, flag.to_string().as_str()).unwrap();
                commit(doc, "Asha Patel", now());
            },
            "it removes a flag",
        );
        attack(
            "writing as another device",
            &|doc| {
                doc.set_actor(ActorId::random());
                let (_, h) = doc.get(ROOT, "household").unwrap().unwrap();
                doc.put(&h, "town", "Elsewhere").unwrap();
                commit(doc, "Asha Patel", now());
            },
            "not written by a Doorstep laptop",
        );
        attack(
            "signing as someone else",
            &|doc| {
                let (_, h) = doc.get(ROOT, "household").unwrap().unwrap();
                doc.put(&h, "town", "Elsewhere").unwrap();
                commit(doc, "Ben Okafor", now());
            },
            "someone other than the practitioner",
        );
        attack(
            "dating a change tomorrow",
            &|doc| {
                let (_, h) = doc.get(ROOT, "household").unwrap().unwrap();
                doc.put(&h, "town", "Elsewhere").unwrap();
                commit(doc, "Asha Patel", now() + Duration::days(1));
            },
            "dated in the future",
        );
        attack(
            "a record that does not read",
            &|doc| {
                doc.put(ROOT, "household", "not a household").unwrap();
                commit(doc, "Asha Patel", now());
            },
            "does not read",
        );
        // Every refusal is audited with its reason; the honest laptop is
        // unaffected and still holds the flag.
        let audited = hub
            .transaction(|tx| {
                tx.query(
                    "SELECT detail FROM audit WHERE action = 'sync.rejected'",
                    &[],
                )
            })
            .unwrap();
        assert_eq!(audited.len(), 5, "{}", b.name);
        assert!(audited[0]
            .text(0)
            .unwrap()
            .starts_with("message: it removes a flag"));
        honest.sync(&hub);
        let record = record::family(honest.docs.get_mut(&fam).unwrap()).unwrap();
        assert!(record.flags.contains_key(&flag), "{}", b.name);
        assert!(honest.rejections.is_empty(), "{}", b.name);
    });
}

#[test]
fn refused_enrolments_are_audited_without_the_code() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let device = Uuid::new_v4();
        for _ in 0..3 {
            assert_eq!(
                hub.enrol("WRONG-CODE-1234", device, "Test laptop", now())
                    .unwrap_err(),
                HubError::EnrolmentRefused
            );
        }
        let rows = audited(&hub, "device.enrol-refused");
        assert_eq!(rows.len(), 3, "{}", b.name);
        assert_eq!(rows[0].text(0).unwrap(), device.to_string());
        assert!(!rows[0].text(1).unwrap().contains("WRONG"), "{}", b.name);
    });
}

#[test]
fn changes_that_inflate_or_multiply_past_the_budget_are_refused_and_audited() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        let family = d.add_family();
        d.sync(&hub);
        let identity = d.identity(&hub);
        let base = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: d.id,
            cursor: d.cursor.clone(),
            messages: vec![],
            uploads: vec![],
            audit: Vec::new(),
        };
        // 64 MiB of zeros in a message: over the 32 MiB a document may
        // inflate to.
        let bomb = doorstep_testkit::hostile::inflation_bomb(64 << 20);
        assert!(bomb.len() < 128 * 1024);
        let in_message = SyncRequest {
            messages: vec![DocMessage {
                doc_id: family,
                sync: bomb.clone(),
            }],
            ..base.clone()
        };
        let limit = Limits::default().max_doc_inflated_bytes;
        assert_eq!(
            hub.sync(&identity, &encode_request(&in_message), now()),
            Err(HubError::TooLarge { limit })
        );
        // The same inside an upload (a whole document's bytes).
        let mut upload = d.docs.get_mut(&family).unwrap().save();
        upload.extend(doorstep_testkit::hostile::inflation_bomb_chunk(64 << 20));
        let in_upload = SyncRequest {
            uploads: vec![DocUpload {
                doc_id: family,
                doc: upload,
            }],
            ..base.clone()
        };
        assert!(matches!(
            hub.sync(&identity, &encode_request(&in_upload), now()),
            Err(HubError::TooLarge { .. })
        ));
        // A body's budget is shared: three documents of 20 MiB each pass
        // one by one but not together (128 MiB would; 60 MiB under a
        // 50 MiB body budget does not).
        let tight = Hub::open(&b.url).unwrap().with_limits(Limits {
            max_body_inflated_bytes: 50 << 20,
            ..Limits::default()
        });
        let twenty = doorstep_testkit::hostile::inflation_bomb(20 << 20);
        let three = SyncRequest {
            messages: (0..3)
                .map(|_| DocMessage {
                    doc_id: Uuid::new_v4(),
                    sync: twenty.clone(),
                })
                .collect(),
            ..base.clone()
        };
        assert!(matches!(
            tight.sync(&identity, &encode_request(&three), now()),
            Err(HubError::TooLarge { .. })
        ));
        let rows = audited(&hub, "sync.refused");
        assert_eq!(rows.len(), 3, "{}", b.name);
        assert_eq!(rows[0].text(0).unwrap(), d.id.to_string());
        assert!(rows[0].text(1).unwrap().contains("too large"), "{}", b.name);
        // The device syncs on as before.
        d.edit(family, set_phone("0113 496 0002"));
        d.sync(&hub);
        let server = record::family(&server_doc(&hub, family)).unwrap();
        assert_eq!(server.household.phone.unwrap().as_str(), "01134960002");
    });
}

#[test]
fn postgresql_over_tls_checks_the_server_as_sslmode_says() {
    // A server certificate naming "localhost" only.
    let certs = doorstep_testkit::tls::TestCertificates::generate_for(&["localhost"]);
    let stranger = doorstep_testkit::tls::TestCertificates::generate();
    let cluster = Cluster::start_tls(&certs);
    cluster.url("tls");
    let port = cluster.port();
    let ca = certs.ca_file().display().to_string();
    let wrong_ca = stranger.ca_file().display().to_string();
    let url = |host: &str, params: &str| format!("postgres://doorstep@{host}:{port}/tls?{params}");
    let transport = |hub: &Hub| -> String {
        hub.transaction(|tx| {
            tx.query(
                "SELECT CASE WHEN ssl THEN 'tls' ELSE 'plain' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
        })
        .unwrap()[0]
            .text(0)
            .unwrap()
    };
    // verify-full: the trust's CA, and the name the certificate gives.
    let full = Hub::open(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .expect("verify-full against the right CA and name");
    assert_eq!(transport(&full), "tls");
    staff(&full);
    // The wrong CA, or a host the certificate does not name: no connection.
    assert!(Hub::open(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={wrong_ca}")
    ))
    .is_err());
    assert!(Hub::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}")
    ))
    .is_err());
    // verify-ca checks the chain, not the name.
    let chain = Hub::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .expect("verify-ca");
    assert_eq!(transport(&chain), "tls");
    assert!(Hub::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={wrong_ca}")
    ))
    .is_err());
    // require: encrypted, unchecked; disable: plain.
    assert_eq!(
        transport(&Hub::open(&url("127.0.0.1", "sslmode=require")).unwrap()),
        "tls"
    );
    assert_eq!(
        transport(&Hub::open(&url("127.0.0.1", "sslmode=disable")).unwrap()),
        "plain"
    );
    // The default (prefer) takes TLS when offered.
    assert_eq!(transport(&Hub::open(&url("127.0.0.1", "")).unwrap()), "tls");
    // And require is refused by a server without TLS.
    let plain = Cluster::start();
    let plain_url = plain.url("plain");
    assert!(Hub::open(&format!("{plain_url}?sslmode=require")).is_err());
    assert_eq!(transport(&Hub::open(&plain_url).unwrap()), "plain");
}

#[test]
fn the_servers_audit_is_sealed_into_a_chain_that_shows_tampering() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        d.add_family();
        d.sync(&hub);
        let written = count(&hub, "audit") as u64;
        assert!(written >= 4, "{}: {written}", b.name);
        assert_eq!(hub.seal_audit().unwrap(), written);
        let v = hub.verify_audit().unwrap();
        assert!(v.ok(), "{}: {v:?}", b.name);
        assert_eq!((v.sealed, v.unsealed), (written, 0));
        // Written since: unsealed until the next seal, then in the chain.
        d.sync(&hub);
        let v = hub.verify_audit().unwrap();
        assert!(v.ok() && v.unsealed >= 1, "{}: {v:?}", b.name);
        hub.seal_audit().unwrap();
        let sealed = hub.verify_audit().unwrap().sealed;
        let tamper = |sql: &str| {
            hub.transaction(|tx| tx.execute(sql, &[])).unwrap();
        };
        // A removed tail: the tip names a row that is gone.
        tamper("DELETE FROM audit WHERE chain_pos = (SELECT max(chain_pos) FROM audit)");
        assert_eq!(
            hub.verify_audit().unwrap().broken_at,
            Some(sealed),
            "{}",
            b.name
        );
        // An edited row: the chain breaks there.
        tamper("UPDATE audit SET detail = 'nothing happened' WHERE chain_pos = 2");
        assert_eq!(hub.verify_audit().unwrap().broken_at, Some(2), "{}", b.name);
        // A removed row: the chain breaks where it was.
        tamper("DELETE FROM audit WHERE chain_pos = 2");
        assert_eq!(hub.verify_audit().unwrap().broken_at, Some(2), "{}", b.name);
    });
}

#[test]
fn a_made_up_cursor_never_starts_a_new_epoch() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let mut d = Device::enrol(&hub, "Asha Patel");
        d.sync(&hub);
        let genuine = d.cursor.clone().unwrap();
        let epoch = hub.epoch().unwrap();
        let identity = d.identity(&hub);
        let send = |cursor: Cursor| {
            let req = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: d.id,
                cursor: Some(cursor),
                messages: vec![],
                uploads: vec![],
                audit: Vec::new(),
            };
            let body = hub.sync(&identity, &encode_request(&req), now()).unwrap();
            decode_response(&body, &Limits::default()).unwrap()
        };
        // Another generation under a real number, or a number far ahead:
        // the device that sent it compares everything; no new epoch.
        let wrong_generation =
            Cursor::stamped(genuine.epoch_id(), "0123456789abcdef.00", genuine.seq);
        send(wrong_generation);
        let ahead = Cursor {
            seq: genuine.seq + 1_000_000_000,
            ..genuine.clone()
        };
        let r = send(ahead);
        assert!(r.full_compare, "{}", b.name);
        assert_eq!(hub.epoch().unwrap(), epoch, "{}", b.name);
        // The genuine cursor is quiet.
        let r = send(genuine);
        assert!(!r.full_compare, "{}", b.name);
        assert_eq!(hub.epoch().unwrap(), epoch, "{}", b.name);
    });
}

#[cfg(unix)]
#[test]
fn the_sqlite_file_is_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let _hub = Hub::open(&format!("sqlite:{}", path.display())).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_departed_laptop_uploads_only_work_from_before_the_move() {
    use automerge::transaction::CommitOptions;
    use automerge::{ReadDoc, ROOT};
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let fam = import(
            &hub,
            &[birth_row(
                "Adams",
                "Ava",
                "2026-10-01",
                &nhs(1),
                "Asha Patel",
            )],
        )[0];
        let mut first = Device::enrol(&hub, "Asha Patel");
        first.sync(&hub);
        let mut second = Device::enrol(&hub, "Asha Patel");
        second.sync(&hub);
        // Work made before the family moves to Ben, an hour later.
        first.edit(fam, set_phone("0113 496 0002"));
        let moved = now() + Duration::hours(1);
        hub.allocate(fam, "Ben Okafor", moved).unwrap();
        let s = first.sync(&hub);
        assert!(s.evicted().contains(&fam), "{}", b.name);
        assert!(
            !first.docs.contains_key(&fam),
            "{}: acknowledged, evicted",
            b.name
        );

        // The other laptop wrote after the move (it did not know yet).
        let upload_to = |hub: &Hub, device: &Device, town: &str, at: DateTime<Utc>| {
            let mut doc = server_doc(hub, fam).with_actor(author::actor_for(device.id));
            let (_, h) = doc.get(ROOT, "household").unwrap().unwrap();
            doc.put(&h, "town", town).unwrap();
            doc.commit_with(
                CommitOptions::default()
                    .with_message(author::message("family.update", "Asha Patel"))
                    .with_time(at.timestamp()),
            );
            let req = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: device.id,
                cursor: device.cursor.clone(),
                messages: vec![],
                uploads: vec![DocUpload {
                    doc_id: fam,
                    doc: doc.save(),
                }],
                audit: Vec::new(),
            };
            let body = hub
                .sync(
                    &device.identity(hub),
                    &encode_request(&req),
                    now() + Duration::hours(2),
                )
                .unwrap();
            decode_response(&body, &Limits::default()).unwrap()
        };
        let upload =
            |device: &Device, town: &str, at: DateTime<Utc>| upload_to(&hub, device, town, at);
        let stored = sorted_heads(&mut server_doc(&hub, fam));
        let resp = upload(&second, "Later", moved + Duration::minutes(30));
        assert_eq!(resp.rejected.len(), 1, "{}", b.name);
        assert!(
            resp.rejected[0]
                .reason
                .contains("made after this family moved"),
            "{resp:?}"
        );
        // An old copy of the first laptop's data, restored after the move,
        // keeps writing: refused for the same reason.
        let resp = upload(&first, "Stale", moved + Duration::minutes(45));
        assert_eq!(resp.rejected.len(), 1, "{}", b.name);
        assert!(
            resp.rejected[0]
                .reason
                .contains("made after this family moved"),
            "{resp:?}"
        );
        assert_eq!(
            sorted_heads(&mut server_doc(&hub, fam)),
            stored,
            "{}",
            b.name
        );
        // Past the window after a move, not even work from before it is
        // taken (here the window is half an hour; the move was an hour
        // before this sync).
        let short = Hub::open(&b.url)
            .unwrap()
            .with_departure_window(Duration::minutes(30));
        let resp = upload_to(&short, &second, "Early", moved - Duration::minutes(5));
        assert_eq!(resp.rejected.len(), 1, "{}", b.name);
        assert_eq!(resp.rejected[0].reason, NOT_IN_CASELOAD, "{}", b.name);
        // Within it, the second laptop's own work from before the move is
        // taken.
        let resp = upload(&second, "Early", moved - Duration::minutes(5));
        assert!(resp.rejected.is_empty(), "{}: {resp:?}", b.name);
        let town = record::family(&server_doc(&hub, fam))
            .unwrap()
            .household
            .town;
        assert_eq!(town.as_deref(), Some("Early"), "{}", b.name);
        // Each laptop's work from before the move is taken once: after
        // that, nothing new, however it is dated (an old copy of the
        // laptop with its clock set back).
        for device in [&first, &second] {
            let resp = upload(device, "Backdated", moved - Duration::minutes(10));
            assert_eq!(resp.rejected.len(), 1, "{}", b.name);
            assert!(
                resp.rejected[0].reason.contains("received already"),
                "{}: {resp:?}",
                b.name
            );
        }
        let town = record::family(&server_doc(&hub, fam))
            .unwrap()
            .household
            .town;
        assert_eq!(town.as_deref(), Some("Early"), "{}", b.name);
        // A new departure (the family comes back, then leaves again):
        // work from before it is taken once more.
        hub.allocate(fam, "Asha Patel", moved + Duration::minutes(50))
            .unwrap();
        let again = moved + Duration::minutes(55);
        hub.allocate(fam, "Ben Okafor", again).unwrap();
        let resp = upload(
            &second,
            "Before the second move",
            again - Duration::minutes(1),
        );
        assert!(resp.rejected.is_empty(), "{}: {resp:?}", b.name);
    });
}

#[test]
fn a_token_unused_for_its_lifetime_expires_and_use_renews_it() {
    both(|b| {
        let hub = b.open().with_token_lifetime(Duration::days(90));
        staff(&hub);
        let d = Device::enrol(&hub, "Asha Patel");
        let idle = Device::enrol(&hub, "Asha Patel");
        let seen = |device: Uuid, days: i64| {
            hub.transaction(|tx| {
                tx.execute(
                    "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                    &[
                        device.into(),
                        (Utc::now() - Duration::days(days))
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                            .into(),
                    ],
                )
            })
            .unwrap();
        };
        seen(d.id, 89);
        seen(idle.id, 91);
        // Used within 90 days: accepted, and the use renews it.
        assert!(hub.authenticate(&d.token).is_ok(), "{}", b.name);
        assert!(hub.authenticate(&d.token).is_ok(), "{}", b.name);
        // Unused for longer: refused like an unknown token (401, not
        // revoked, so the laptop enrols again and erases nothing).
        assert_eq!(
            hub.authenticate(&idle.token),
            Err(HubError::Unauthorised),
            "{}",
            b.name
        );
    });
}

/// `n` chained audit rows from the start, as a laptop writes them.
fn audit_chain(n: u64) -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = Vec::new();
    for seq in 1..=n {
        let mut row = AuditRow {
            seq,
            at: format!("2026-11-22T09:{seq:02}:00.000000Z"),
            practitioner: "Asha Patel".into(),
            action: "family.view".into(),
            record_kind: "family".into(),
            record_id: Some(format!("family-{seq}")),
            family_id: Some(format!("family-{seq}")),
            prev_hash: rows.last().map_or(GENESIS, |r| r.hash),
            hash: [0; 32],
        };
        row.hash = row.expected_hash();
        rows.push(row);
    }
    rows
}

#[test]
fn a_laptops_audit_is_kept_append_only_and_a_rewritten_one_refused() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        import(
            &hub,
            &[birth_row(
                "Adams",
                "Ava",
                "2026-10-01",
                &nhs(1),
                "Asha Patel",
            )],
        );
        let d = Device::enrol(&hub, "Asha Patel");
        let who = d.identity(&hub);
        let rows = audit_chain(7);
        let send = |audit: &[AuditRow]| {
            let req = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: d.id,
                cursor: None,
                messages: vec![],
                uploads: vec![],
                audit: audit.to_vec(),
            };
            let body = hub.sync(&who, &encode_request(&req), now()).unwrap();
            decode_response(&body, &Limits::default()).unwrap()
        };
        let stored = || {
            hub.transaction(|tx| {
                tx.query(
                    "SELECT seq, hash FROM device_audit WHERE device_id = $1 ORDER BY seq",
                    &[d.id.into()],
                )
            })
            .unwrap()
            .iter()
            .map(|r| (r.int(0).unwrap(), r.text(1).unwrap()))
            .collect::<Vec<_>>()
        };
        let tip = |row: &AuditRow| AuditTip {
            seq: row.seq,
            hash: row.hash,
        };

        // A request without rows gets no audit answer (an older laptop).
        let r = send(&[]);
        assert_eq!((r.audit_ack, r.audit_refused), (None, None), "{}", b.name);
        // The first rows are taken and acknowledged.
        let r = send(&rows[..3]);
        assert_eq!(r.audit_ack, Some(tip(&rows[2])), "{}", b.name);
        assert_eq!(r.audit_refused, None);
        // A request sent again overlapping what is held adds only the rest;
        // a late copy of an older one changes nothing.
        assert_eq!(send(&rows[1..5]).audit_ack, Some(tip(&rows[4])));
        assert_eq!(send(&rows[..2]).audit_ack, Some(tip(&rows[4])));
        let held = stored();
        assert_eq!(held.len(), 5, "{}", b.name);
        assert_eq!(held[4], (5, hex::encode(rows[4].hash)));

        // Rows rewritten after they were sent (row 4 edited, the chain
        // recomputed from it) do not continue what the server holds.
        let mut rewritten = rows[..6].to_vec();
        rewritten[3].action = "family.create".into();
        for i in 3..6 {
            rewritten[i].prev_hash = rewritten[i - 1].hash;
            rewritten[i].hash = rewritten[i].expected_hash();
        }
        let r = send(&rewritten[3..]);
        assert_eq!(r.audit_ack, Some(tip(&rows[4])), "{}", b.name);
        assert!(
            r.audit_refused
                .as_deref()
                .is_some_and(|w| w.contains("rows already sent were changed")),
            "{}: {:?}",
            b.name,
            r.audit_refused
        );
        // A gap after the tip, and an edited row, are refused too.
        assert!(send(&rows[6..])
            .audit_refused
            .is_some_and(|w| w.contains("missing")));
        let mut edited = rows[5..].to_vec();
        edited[0].practitioner = "Someone Else".into();
        assert!(send(&edited)
            .audit_refused
            .is_some_and(|w| w.contains("edited")));
        assert_eq!(stored(), held, "{}: nothing refused was stored", b.name);
        let refusals = audited(&hub, "device.audit-refused");
        assert_eq!(refusals.len(), 3, "{}", b.name);
        assert_eq!(refusals[0].text(0).unwrap(), d.id.to_string());

        // The honest next row is still taken, and a device starts from
        // row 1: a gap before the first row is refused.
        assert_eq!(send(&rows[5..]).audit_ack, Some(tip(&rows[6])));
        assert_eq!(stored().len(), 7);
        // `admin device-audit`: the server's copy chains to the tip, and
        // shows it when a row here is removed.
        let log = hub.device_audit(d.id).unwrap();
        assert_eq!((log.rows.len(), log.tip_seq), (7, 7), "{}", b.name);
        assert!(log.problems.is_empty(), "{}: {:?}", b.name, log.problems);
        hub.transaction(|tx| {
            tx.execute(
                "DELETE FROM device_audit WHERE device_id = $1 AND seq = 7",
                &[d.id.into()],
            )
        })
        .unwrap();
        assert!(!hub.device_audit(d.id).unwrap().problems.is_empty());
        let other = Device::enrol(&hub, "Asha Patel");
        let who = other.identity(&hub);
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: other.id,
            cursor: None,
            messages: vec![],
            uploads: vec![],
            audit: rows[2..].to_vec(),
        };
        let body = hub.sync(&who, &encode_request(&req), now()).unwrap();
        let r = decode_response(&body, &Limits::default()).unwrap();
        assert_eq!(r.audit_ack, Some(AuditTip::start()), "{}", b.name);
        assert!(r.audit_refused.is_some_and(|w| w.contains("missing")));
    });
}

#[test]
fn a_birth_notification_for_a_household_held_antenatally_attaches_to_the_pregnancy() {
    both(|b| {
        let hub = b.open();
        staff(&hub);
        let csv = format!(
            "{HEADER}\n{}\n",
            antenatal_row("Clark", "2026-12-01", "Asha Patel")
        );
        let first = hub.import_notifications(&csv, now(), today()).unwrap();
        let household = first.imported[0].family_id;
        let before = record::family(&server_doc(&hub, household)).unwrap();
        let (unborn, _) = before
            .members
            .iter()
            .find(|(_, p)| p.role.code() == "unborn")
            .unwrap();
        // The birth, notified with a slip in the mother's surname and the
        // postcode typed without its space, to the other health visitor of
        // the team; and a birth in another household.
        let birth = "new-birth,Sam,Clrak,2 Test Road,Leeds,LS27EW,,Cleo,Clark,female,2026-11-20,"
            .to_string()
            + &nhs(5)
            + ",39+0,3300,,Ben Okafor";
        let csv = format!(
            "{HEADER}\n{birth}\n{}\n",
            birth_row("Adams", "Ava", "2026-11-01", &nhs(6), "Asha Patel")
        );
        let report = hub.import_notifications(&csv, now(), today()).unwrap();
        assert!(
            report.rejected.is_empty(),
            "{}: {:?}",
            b.name,
            report.rejected
        );
        assert_eq!(report.imported[0].family_id, household, "{}", b.name);
        assert!(report.imported[0].attached_to_pregnancy);
        assert!(!report.imported[1].attached_to_pregnancy);
        assert_ne!(report.imported[1].family_id, household);
        // No second household: the pregnancy became the child, keeping its
        // id (and so everything recorded against it).
        assert_eq!(count(&hub, "families"), 2, "{}", b.name);
        let after = record::family(&server_doc(&hub, household)).unwrap();
        let child = &after.members[unborn];
        assert_eq!(child.role.code(), "child");
        assert_eq!(child.given_name.as_deref(), Some("Cleo"));
        assert_eq!(child.date_of_birth, NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(
            child.expected_delivery_date,
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(child.nhs_number.as_ref().unwrap().as_str(), nhs(5));
        assert_eq!(after.members.len(), before.members.len());
        // Importing the birth again changes nothing.
        let again = hub
            .import_notifications(&format!("{HEADER}\n{birth}\n"), now(), today())
            .unwrap();
        assert_eq!(again.rejected[0].reason, "nhs_number: already imported");
    });
}
