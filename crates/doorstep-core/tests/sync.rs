//! Device-side sync against the real hub on a temporary SQLite file, in
//! process (doorstep_testkit::hub), so every test runs the server's rules:
//! enrolment keeps the token inside the encrypted database, first sync
//! downloads, a local edit goes up in one round trip, concurrent edits show
//! as conflicts on both devices and a resolution clears them, eviction
//! waits for unacknowledged work, an interruption at any round trip loses
//! nothing, revocation erases, an unreachable server loses nothing, and
//! status lists pending and refused families. Real SQLCipher devices.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use doorstep_core::domain::record::family::{HouseholdUpdate, NewFamily};
use doorstep_core::sync::{EnrolOptions, Resolution};
use doorstep_core::{device, Clock, CoreError, InitOptions, Session};
use doorstep_testkit::hub::{Fault, HubTransport, LocalHub};
use serde_json::Value;
use uuid::Uuid;

const PASS: &str = "kettle orbit crayon 42";
const ASHA: &str = "Asha Patel";
const BEN: &str = "Ben Okafor";

struct Device {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    s: Session,
    t: HubTransport,
    id: Uuid,
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

impl Device {
    fn new(hub: &LocalHub, practitioner: &str, now: &str) -> Device {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let report = doorstep_core::init(
            &data,
            PASS,
            &InitOptions {
                practitioner: practitioner.into(),
                kdf_target: Duration::ZERO,
                backoff_base_ms: 0,
                ..InitOptions::default()
            },
        )
        .unwrap();
        let s = device::unlock(&data, PASS, Clock::Fixed(at(now))).unwrap();
        Device {
            _tmp: tmp,
            data,
            s,
            t: hub.transport(),
            id: report.device_id,
        }
    }

    /// A device of practitioner `name` enrolled on `hub`.
    fn enrolled(hub: &LocalHub, name: &str, now: &str) -> Device {
        let mut d = Device::new(hub, name, now);
        d.s.enrol_with(&d.t, &enrol_options(&hub.code_for(name)))
            .unwrap();
        d
    }

    fn sync(&mut self) -> Result<doorstep_core::SyncReport, CoreError> {
        self.s.sync_with(&self.t)
    }

    fn synced(&mut self) -> doorstep_core::SyncReport {
        self.sync().unwrap()
    }

    fn add_family(&mut self, street: &str) -> Uuid {
        self.s
            .add_family(&NewFamily {
                address_line1: street.into(),
                postcode: "CV1 2AB".into(),
                phone: Some("07700900000".into()),
                ..NewFamily::default()
            })
            .unwrap()
            .family_id
    }

    fn set_phone(&mut self, family: Uuid, phone: &str) {
        self.s
            .update_household(
                &family.to_string(),
                &HouseholdUpdate {
                    phone: Some(phone.into()),
                    ..HouseholdUpdate::default()
                },
            )
            .unwrap();
    }

    fn json(&mut self, family: Uuid) -> Value {
        serde_json::to_value(self.s.store().family(family).unwrap()).unwrap()
    }

    fn phone(&mut self, family: Uuid) -> String {
        self.json(family)["household"]["phone"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn has(&mut self, family: Uuid) -> bool {
        self.s.store().has_family(family).unwrap()
    }
}

fn enrol_options(code: &str) -> EnrolOptions {
    EnrolOptions {
        server: "https://sync.trust.example".into(),
        code: code.into(),
        ca_pem: None,
        device_name: "test laptop".into(),
        replace: false,
    }
}

/// A hub with these health visitors.
fn hub_with(names: &[&str]) -> LocalHub {
    let hub = LocalHub::new();
    for name in names {
        hub.health_visitor(name);
    }
    hub
}

/// Every file under `dir`.
fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn enrolment_keeps_the_token_inside_the_encrypted_database() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::new(&hub, "Asha Patel", "2026-11-22T09:30:00Z");
    // A bad code, an insecure URL and an empty device name are refused.
    let e = a.s.enrol_with(&a.t, &enrol_options("nope")).unwrap_err();
    assert_eq!(e.problems()[0].field, "code", "{e}");
    let mut insecure = enrol_options(&hub.code_for(ASHA));
    insecure.server = "http://sync.trust.example".into();
    assert_eq!(
        a.s.enrol_with(&a.t, &insecure).unwrap_err().problems()[0].field,
        "server"
    );
    let mut local = enrol_options(&hub.code_for(ASHA));
    local.server = "http://127.0.0.1:8443".into();
    let report = a.s.enrol_with(&a.t, &local).unwrap();
    assert_eq!(report.practitioner.name, "Asha Patel");
    assert_eq!(report.device_id, a.id);
    // Enrolling again is refused with a clear error.
    let again =
        a.s.enrol_with(&a.t, &enrol_options(&hub.code_for(ASHA)))
            .unwrap_err();
    assert!(matches!(again, CoreError::AlreadyEnrolled(_)), "{again}");
    assert!(again.to_string().contains("already enrolled"));
    let status = a.s.sync_status().unwrap();
    assert!(status.enrolled);
    assert_eq!(status.server.as_deref(), Some("http://127.0.0.1:8443"));
    assert_eq!(status.practitioner.unwrap().name, ASHA);
    a.synced();
    let token = a.s.store().sync_server().unwrap().unwrap().enrolment.token;
    drop(a.s);
    assert_eq!(hub.devices(), 1);
    for f in files_under(&a.data) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !contains(&bytes, token.as_bytes()),
            "token in plaintext in {}",
            f.display()
        );
    }
}

#[test]
fn a_laptop_holding_the_demo_caseload_cannot_be_enrolled() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::new(&hub, "Asha Patel", "2026-11-22T09:30:00Z");
    doorstep_core::demo::seed(&mut a.s, 3, 1).unwrap();
    let e =
        a.s.enrol_with(&a.t, &enrol_options(&hub.code_for(ASHA)))
            .unwrap_err();
    assert_eq!(e.problems()[0].field, "device", "{e}");
    assert!(e.to_string().contains("demo caseload"), "{e}");
    assert_eq!(hub.devices(), 0, "nothing reached the server");
    assert!(!a.s.sync_status().unwrap().enrolled);
}

#[test]
fn first_sync_uploads_and_another_device_downloads() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f1 = a.add_family("1 High Street");
    let f2 = a.add_family("2 High Street");
    let r = a.synced();
    assert_eq!((r.uploaded, r.sent, r.rejected), (2, 2, 0), "{r:?}");
    assert!(r.complete && r.pending == 0, "{r:?}");
    assert_eq!(hub.family_ids().len(), 2);
    let mut b = Device::enrolled(&hub, ASHA, "2026-11-22T10:00:00Z");
    let r = b.synced();
    assert_eq!(r.downloaded, 2, "{r:?}");
    assert!(r.round_trips <= 3, "{r:?}");
    assert_eq!(r.pending, 0, "{r:?}");
    for f in [f1, f2] {
        assert_eq!(b.json(f), a.json(f));
        assert_eq!(Some(b.json(f)), hub.family_json(f));
    }
    // Downloaded families are listed like any other.
    let page =
        b.s.list_families(&doorstep_core::domain::record::listing::FamilyQuery::default())
            .unwrap();
    assert_eq!(page.total, 2);
    // Nothing left to do: a second sync is one empty round trip.
    let r = b.synced();
    assert_eq!((r.round_trips, r.sent, r.received), (1, 0, 0), "{r:?}");
}

#[test]
fn a_local_edit_goes_up_in_one_round_trip_and_is_acknowledged() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f = a.add_family("1 High Street");
    a.synced();
    let mut b = Device::enrolled(&hub, ASHA, "2026-11-22T09:40:00Z");
    b.synced();
    a.synced();
    b.set_phone(f, "07700900111");
    let status = b.s.sync_status().unwrap();
    assert_eq!(status.pending.len(), 1);
    assert_eq!(status.pending[0].family_id, f);
    assert_eq!(status.pending[0].name.as_deref(), Some("1 High Street"));
    let r = b.synced();
    assert_eq!((r.round_trips, r.sent, r.pending), (1, 1, 0), "{r:?}");
    assert!(b.s.sync_status().unwrap().pending.is_empty());
    assert_eq!(
        hub.family_json(f).unwrap()["household"]["phone"],
        "07700900111"
    );
    let r = a.synced();
    assert_eq!(r.merged, 1, "{r:?}");
    assert_eq!(a.phone(f), "07700900111");
    // The merge is audited on the receiving device.
    let audit = a.s.audit_for_family(&f.to_string()).unwrap();
    assert!(audit.iter().any(|row| row.action == "sync.merge"));
}

#[test]
fn concurrent_edits_conflict_on_both_devices_until_one_resolves() {
    let hub = hub_with(&[ASHA, BEN]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-07-01T09:30:00Z");
    // Asha's second device (until grants, a family has one practitioner).
    let mut b = Device::enrolled(&hub, ASHA, "2026-07-01T11:00:00Z");
    let f = a.add_family("1 High Street");
    a.synced();
    b.synced();
    assert!(b.has(f));
    a.set_phone(f, "07700900001");
    b.set_phone(f, "07700900002");
    a.synced();
    let r = b.synced();
    assert_eq!(r.conflicts, 1, "{r:?}");
    a.synced();
    let (a_id, b_id) = (a.id, b.id);
    for d in [&mut a, &mut b] {
        let c = d.s.conflicts(None).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].number, 1);
        assert_eq!(c[0].family_id, f);
        assert_eq!(c[0].field, "household/phone");
        let mut seen: Vec<(String, String, Uuid, String)> = c[0]
            .values
            .iter()
            .map(|v| {
                (
                    v.value.as_str().unwrap().to_string(),
                    v.practitioner.clone().unwrap(),
                    v.device.unwrap(),
                    v.at_local.clone().unwrap(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![
                (
                    "07700900001".into(),
                    ASHA.into(),
                    a_id,
                    "2026-07-01 10:30 BST".into()
                ),
                (
                    "07700900002".into(),
                    ASHA.into(),
                    b_id,
                    "2026-07-01 12:00 BST".into()
                ),
            ]
        );
        // Each laptop is named in words: this one, and the other by the
        // name it was given at enrolment; the action in words.
        let me = d.id;
        for v in &c[0].values {
            let expect = if v.device == Some(me) {
                "this laptop"
            } else {
                "test laptop"
            };
            assert_eq!(v.device_name, expect);
            assert_eq!(v.this_laptop, v.device == Some(me));
            assert_eq!(v.what.as_deref(), Some("Changed household details"));
        }
    }
    // The devices named are the two that wrote.
    let c = a.s.conflicts(Some(&f.to_string())).unwrap();
    let mut devices: Vec<Uuid> = c[0].values.iter().filter_map(|v| v.device).collect();
    devices.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(devices, expected);

    // Refusals: a field not in conflict, a value that is not a phone
    // number, a choice out of range.
    let e =
        a.s.resolve_conflict(&f.to_string(), "household/postcode", &Resolution::Choose(1))
            .unwrap_err();
    assert!(
        e.to_string().contains("not in conflict")
            || e.problems()[0].problem.contains("not in conflict")
    );
    let e =
        a.s.resolve_conflict(
            &f.to_string(),
            "household/phone",
            &Resolution::Value("call me".into()),
        )
        .unwrap_err();
    assert_eq!(e.problems()[0].field, "value", "{e}");
    let e =
        a.s.resolve_conflict(&f.to_string(), "household/phone", &Resolution::Choose(3))
            .unwrap_err();
    assert_eq!(e.problems()[0].field, "choose", "{e}");

    // Keep Ben's number on Asha's device: the shown winner may be either.
    let c = a.s.conflicts(None).unwrap();
    let k = c[0]
        .values
        .iter()
        .find(|v| v.value == "07700900002")
        .unwrap()
        .choice;
    let done =
        a.s.resolve_conflict(&f.to_string(), "household/phone", &Resolution::Choose(k))
            .unwrap();
    assert_eq!(done.remaining_conflicts, 0);
    assert!(a.s.conflicts(None).unwrap().is_empty());
    a.synced();
    let r = b.synced();
    assert_eq!(r.conflicts, 0, "{r:?}");
    assert!(b.s.conflicts(None).unwrap().is_empty());
    assert_eq!(a.phone(f), "07700900002");
    assert_eq!(b.phone(f), "07700900002");
    let audit = a.s.audit_for_family(&f.to_string()).unwrap();
    assert!(audit.iter().any(|row| row.action == "conflict.resolve"));
}

#[test]
fn a_value_written_by_hand_is_validated_and_normalised() {
    let hub = hub_with(&[ASHA, BEN]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    // Asha's second device (until grants, a family has one practitioner).
    let mut b = Device::enrolled(&hub, ASHA, "2026-11-22T09:45:00Z");
    let f = a.add_family("1 High Street");
    a.synced();
    b.synced();
    for (d, pc) in [(&mut a, "CV2 1AA"), (&mut b, "CV3 1AA")] {
        d.s.update_household(
            &f.to_string(),
            &HouseholdUpdate {
                postcode: Some(pc.into()),
                ..HouseholdUpdate::default()
            },
        )
        .unwrap();
    }
    a.synced();
    b.synced();
    a.synced();
    assert_eq!(b.s.conflicts(None).unwrap().len(), 1);
    let e =
        b.s.resolve_conflict(
            &f.to_string(),
            "household/postcode",
            &Resolution::Value("not a postcode".into()),
        )
        .unwrap_err();
    assert_eq!(e.problems()[0].field, "value", "{e}");
    let done =
        b.s.resolve_conflict(
            &f.to_string(),
            "household/postcode",
            &Resolution::Value("cv4 7al".into()),
        )
        .unwrap();
    assert_eq!(done.value, "CV4 7AL");
    b.synced();
    a.synced();
    assert!(a.s.conflicts(None).unwrap().is_empty());
    assert_eq!(a.json(f)["household"]["postcode"], "CV4 7AL");
}

#[test]
fn eviction_waits_until_unsent_work_is_acknowledged() {
    let hub = hub_with(&[ASHA, BEN]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let kept = a.add_family("1 High Street");
    let clean = a.add_family("2 High Street");
    a.synced();
    // Work done offline on a family that is reallocated meanwhile.
    a.set_phone(kept, "07700900333");
    hub.allocate(kept, BEN);
    hub.allocate(clean, BEN);
    // The round trip that would upload the work fails: nothing is removed
    // that the server does not hold.
    let calls = a.t.calls();
    a.t.fail_at(calls + 1, Fault::Drop);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::Unreachable(_)), "{e}");
    assert!(!a.has(clean), "a family with nothing unsent goes at once");
    assert!(a.has(kept), "unacknowledged work keeps the family");
    let status = a.s.sync_status().unwrap();
    assert_eq!(status.awaiting_eviction.len(), 1);
    assert_eq!(status.awaiting_eviction[0].family_id, kept);
    let r = a.synced();
    assert_eq!(r.evicted, 1, "{r:?}");
    assert!(!a.has(kept));
    assert_eq!(
        hub.family_json(kept).unwrap()["household"]["phone"],
        "07700900333"
    );
    assert!(a.s.sync_status().unwrap().awaiting_eviction.is_empty());
    let rows: i64 =
        a.s.store()
            .connection()
            .query_row(
                "SELECT count(*) FROM audit WHERE action = 'family.evicted'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(rows, 2);
    // Ben gets it, with the offline work.
    let mut b = Device::enrolled(&hub, BEN, "2026-11-22T10:30:00Z");
    b.synced();
    assert_eq!(b.phone(kept), "07700900333");
}

#[test]
fn an_interruption_at_any_round_trip_loses_nothing() {
    for fault in [Fault::Drop, Fault::Lose] {
        let hub = hub_with(&[ASHA, BEN]);
        let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
        // Asha's second device (until grants, a family has one practitioner).
        let mut b = Device::enrolled(&hub, ASHA, "2026-11-22T09:45:00Z");
        let shared = a.add_family("1 High Street");
        a.synced();
        b.synced();
        let mut mine = vec![shared];
        // Fail round trip 0, then 1, … until a sync finishes before the
        // fault: every round-trip index of a sync has been interrupted.
        let mut failed = 0;
        for i in 0..doorstep_core::sync::MAX_ROUND_TRIPS {
            // Work on both sides: A edits and adds, B edits another field.
            a.set_phone(shared, &format!("0770090010{i}"));
            mine.push(a.add_family(&format!("{} Low Road", 10 + i)));
            b.s.update_household(
                &shared.to_string(),
                &HouseholdUpdate {
                    town: Some(format!("Town {i}")),
                    ..HouseholdUpdate::default()
                },
            )
            .unwrap();
            b.synced();
            let calls = a.t.calls();
            a.t.fail_at(calls + i, fault);
            let interrupted = a.sync();
            a.t.clear_fault();
            let finished = match interrupted {
                Ok(_) => true,
                Err(e) => {
                    assert!(matches!(e, CoreError::Unreachable(_)), "{e}");
                    failed += 1;
                    false
                }
            };
            // The next sync finishes the job.
            let r = a.synced();
            assert!(r.complete && r.pending == 0, "{fault:?} at {i}: {r:?}");
            b.synced();
            a.synced();
            for f in &mine {
                let on_a = a.json(*f);
                assert_eq!(Some(on_a.clone()), hub.family_json(*f), "{fault:?} at {i}");
                if *f == shared {
                    assert_eq!(b.json(*f), on_a, "{fault:?} at {i}");
                }
            }
            let s = a.json(shared);
            assert_eq!(s["household"]["phone"], format!("0770090010{i}"));
            assert_eq!(s["household"]["town"], format!("Town {i}"));
            assert!(a.s.conflicts(None).unwrap().is_empty());
            if finished {
                break;
            }
        }
        assert!(
            failed >= 2,
            "{fault:?}: only {failed} round trips interrupted"
        );
        assert_eq!(hub.family_ids().len(), mine.len());
    }
}

#[test]
fn revocation_erases_the_local_data_and_says_why() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    a.add_family("1 High Street");
    a.synced();
    hub.revoke(a.id);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::Revoked { just_now: true }), "{e}");
    assert!(e.to_string().contains("revoked"));
    assert!(e.to_string().contains("erased"));
    assert!(!a.data.join("key.json").exists());
    assert!(!a.data.join("doorstep.db").exists());
    let later = device::unlock(&a.data, PASS, Clock::System)
        .map(|_| ())
        .unwrap_err();
    let later = doorstep_core::sync::explain_erased(&a.data, later);
    assert!(
        matches!(later, CoreError::Revoked { just_now: false }),
        "{later}"
    );
}

/// Two of Asha's laptops holding one family, in step with the server.
fn two_laptops_sharing_a_family(hub: &LocalHub) -> (Device, Device, Uuid) {
    let mut a = Device::enrolled(hub, ASHA, "2026-11-22T09:30:00Z");
    let mut b = Device::enrolled(hub, ASHA, "2026-11-22T09:30:00Z");
    let known = a.add_family("1 High Street");
    a.synced();
    b.synced();
    (a, b, known)
}

#[test]
fn a_revoked_laptop_sends_its_unsent_work_before_it_erases() {
    let hub = hub_with(&[ASHA]);
    let (mut a, mut b, known) = two_laptops_sharing_a_family(&hub);
    // Work the server does not yet hold: an edit and a new family.
    a.set_phone(known, "07700 900123");
    let new = a.add_family("2 Low Street");
    hub.revoke(a.id);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::Revoked { just_now: true }), "{e}");
    assert!(!a.data.join("key.json").exists());
    // Nothing was lost: the other laptop receives both.
    b.synced();
    assert_eq!(b.phone(known), "07700900123");
    assert!(b.has(new));
}

#[test]
fn a_wiped_laptop_erases_at_once_and_sends_nothing() {
    let hub = hub_with(&[ASHA]);
    let (mut a, mut b, known) = two_laptops_sharing_a_family(&hub);
    a.set_phone(known, "07700 900999");
    hub.wipe(a.id);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::Revoked { just_now: true }), "{e}");
    assert!(!a.data.join("doorstep.db").exists());
    b.synced();
    assert_ne!(
        b.phone(known),
        "07700900999",
        "a stolen laptop's work is not taken"
    );
}

#[test]
fn an_unknown_token_asks_for_enrolment_and_erases_nothing() {
    let hub = hub_with(&[ASHA]);
    // The server is later restored from a copy older than the enrolment,
    // so it no longer knows the device's token.
    let before = hub.backup();
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f = a.add_family("1 High Street");
    hub.restore(&before);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::NotEnrolled(_)), "{e}");
    assert!(e.to_string().contains("enrol"));
    assert!(a.has(f));
    // Enrolling again with --replace works and the next sync uploads.
    let mut again = enrol_options(&hub.code_for(ASHA));
    again.replace = true;
    a.s.enrol_with(&a.t, &again).unwrap();
    let r = a.synced();
    assert_eq!(r.uploaded, 1, "{r:?}");
    assert!(hub.family_json(f).is_some());
}

#[test]
fn an_unreachable_server_loses_nothing() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f = a.add_family("1 High Street");
    a.t.set_unreachable(true);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::Unreachable(_)), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("not reachable") && text.contains("saved on this laptop"),
        "{text}"
    );
    let status = a.s.sync_status().unwrap();
    assert!(status.last_error.unwrap().contains("not reachable"));
    assert!(status.last_success_at.is_none());
    assert_eq!(status.pending.len(), 1);
    assert!(a.has(f));
    a.t.set_unreachable(false);
    a.synced();
    let status = a.s.sync_status().unwrap();
    assert!(status.last_error.is_none() && status.last_success_at.is_some());
    assert!(status.pending.is_empty());
    assert!(status.cursor.is_some());
}

#[test]
fn status_lists_refused_families_with_the_reason() {
    let hub = hub_with(&[ASHA, "Someone Else"]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f = a.add_family("1 High Street");
    a.synced();
    // Reallocated while the device holds offline work: its message is
    // refused and the family evicted; the round trip that would send it
    // whole fails.
    hub.allocate(f, "Someone Else");
    a.set_phone(f, "07700900444");
    a.t.fail_at(a.t.calls() + 1, Fault::Drop);
    let e = a.sync().unwrap_err();
    assert!(matches!(e, CoreError::Unreachable(_)), "{e}");
    let status = a.s.sync_status().unwrap();
    assert_eq!(status.rejections.len(), 1);
    assert_eq!(status.rejections[0].family_id, f);
    assert_eq!(status.rejections[0].reason, "not in your caseload");
    assert_eq!(status.rejections[0].name.as_deref(), Some("1 High Street"));
    assert_eq!(status.awaiting_eviction.len(), 1, "the work is kept");
    assert!(a.has(f));
    // The next sync sends it whole: the server keeps the work, the refusal
    // clears and the family leaves the device.
    a.synced();
    let status = a.s.sync_status().unwrap();
    assert!(status.rejections.is_empty() && status.pending.is_empty());
    assert!(status.awaiting_eviction.is_empty() && !a.has(f));
    assert_eq!(
        hub.family_json(f).unwrap()["household"]["phone"],
        "07700900444"
    );
}

#[test]
fn a_restored_server_gets_everything_back_by_full_comparison() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f = a.add_family("1 High Street");
    a.synced();
    let backup = hub.backup();
    // Work the backup does not have: an edit and a whole family.
    a.set_phone(f, "07700900555");
    let later = a.add_family("2 High Street");
    a.synced();
    hub.restore(&backup);
    assert!(hub.family_json(later).is_none());
    let r = a.synced();
    assert!(r.full_compare, "{r:?}");
    assert!(r.complete && r.pending == 0, "{r:?}");
    for id in [f, later] {
        assert_eq!(Some(a.json(id)), hub.family_json(id));
    }
    let mut b = Device::enrolled(&hub, ASHA, "2026-11-22T10:30:00Z");
    b.synced();
    assert_eq!(b.phone(f), "07700900555");
    assert_eq!(b.json(later), a.json(later));
    // A restore with nothing lost: the server's messages show it holds
    // every family, so nothing goes whole and nothing changes.
    let before = [f, later].map(|id| hub.family_json(id));
    hub.new_epoch();
    let r = a.synced();
    assert!(r.full_compare && r.complete && r.pending == 0, "{r:?}");
    assert_eq!(r.uploaded, 0, "{r:?}");
    assert_eq!(before, [f, later].map(|id| hub.family_json(id)));
    let r = a.synced();
    assert_eq!((r.round_trips, r.sent), (1, 0), "{r:?}");
}

#[test]
fn once_enrolled_changes_are_signed_as_the_server_knows_the_practitioner() {
    let hub = hub_with(&[ASHA]);
    // The profile file says someone else (it is the user's to edit).
    let mut d = Device::new(&hub, "Somebody Else", "2026-11-22T09:30:00Z");
    d.s.enrol_with(&d.t, &enrol_options(&hub.code_for(ASHA)))
        .unwrap();
    let f = d.add_family("1 High Street");
    let r = d.synced();
    assert_eq!((r.rejected, r.pending), (0, 0), "{r:?}");
    let view = d.s.show_family(&f.to_string()).unwrap();
    assert_eq!(view.family.created.by, ASHA);
    // Another laptop of hers downloads it, so the server took it as hers.
    let mut other = Device::enrolled(&hub, ASHA, "2026-11-22T09:40:00Z");
    other.synced();
    assert_eq!(
        other
            .s
            .show_family(&f.to_string())
            .unwrap()
            .family
            .created
            .by,
        ASHA
    );
}

/// The laptop's audit rows (position, hash), oldest first.
fn audit_rows(d: &mut Device) -> Vec<(i64, String)> {
    let conn = d.s.store().connection();
    let mut stmt = conn
        .prepare("SELECT seq, hash FROM audit ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// Rewrites the laptop's audit from row `from` on as a careful attacker
/// with the passphrase would: the row's action changed, every later hash
/// recomputed, the tip moved, and (`and_acknowledged`) the hash the server
/// acknowledged made to match.
fn rewrite_audit_from(d: &mut Device, from: i64, and_acknowledged: bool) {
    use doorstep_sync::audit::AuditRow;
    let conn = d.s.store().connection();
    conn.execute(
        "UPDATE audit SET action = 'nothing.happened' WHERE seq = ?1",
        [from],
    )
    .unwrap();
    let mut prev: String = conn
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [from - 1], |r| {
            r.get(0)
        })
        .unwrap();
    let rows: Vec<AuditRow> = conn
        .prepare(
            "SELECT seq, at, practitioner, action, record_kind, record_id, family_id
             FROM audit WHERE seq >= ?1 ORDER BY seq",
        )
        .unwrap()
        .query_map([from], |r| {
            Ok(AuditRow {
                seq: r.get::<_, i64>(0)? as u64,
                at: r.get(1)?,
                practitioner: r.get(2)?,
                action: r.get(3)?,
                record_kind: r.get(4)?,
                record_id: r.get(5)?,
                family_id: r.get(6)?,
                prev_hash: [0; 32],
                hash: [0; 32],
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for mut row in rows {
        hex::decode_to_slice(&prev, &mut row.prev_hash).unwrap();
        let hash = hex::encode(row.expected_hash());
        let seq = row.seq as i64;
        conn.execute(
            "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .unwrap();
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'audit_tip'",
            [format!("{seq}:{hash}")],
        )
        .unwrap();
        if and_acknowledged {
            conn.execute(
                "UPDATE sync_server SET audit_acked_hash = ?1 WHERE audit_acked_seq = ?2",
                rusqlite::params![hash, seq],
            )
            .unwrap();
        }
        prev = hash;
    }
}

#[test]
fn the_laptops_audit_is_anchored_on_the_server() {
    let hub = hub_with(&[ASHA]);
    let mut a = Device::enrolled(&hub, ASHA, "2026-11-22T09:30:00Z");
    let f = a.add_family("1 High Street");
    a.s.show_family(&f.to_string()).unwrap();
    let before = audit_rows(&mut a);
    a.synced();
    // The server holds every row the laptop had when it synced, and says
    // so; the laptop's check names the acknowledged row.
    let log = hub.device_audit(a.id);
    assert!(log.problems.is_empty(), "{:?}", log.problems);
    let held: Vec<(i64, String)> = log
        .rows
        .iter()
        .map(|r| (r.seq as i64, r.hash.clone()))
        .collect();
    assert!(
        held.len() >= before.len(),
        "{} < {}",
        held.len(),
        before.len()
    );
    assert_eq!(held[..before.len()], before[..]);
    assert!(a.s.verify_audit().unwrap().ok());
    // Rows written since go with the next sync, after the tip.
    a.set_phone(f, "07700 900123");
    a.synced();
    let rows = audit_rows(&mut a);
    let log = hub.device_audit(a.id);
    assert!(log.rows.len() > held.len());
    assert!(log.problems.is_empty(), "{:?}", log.problems);

    // Rows already sent are rewritten on the laptop, the chain recomputed:
    // the laptop's own check still finds the row the server acknowledged
    // changed ...
    rewrite_audit_from(&mut a, 3, false);
    let v = a.s.verify_audit().unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("rows already sent to the server were changed")),
        "{:?}",
        v.problems
    );
    // ... and with the acknowledged hash rewritten too, it passes on the
    // laptop, but the server refuses the rows: the records still sync,
    // the refusal is shown, and the server's copy is unchanged.
    rewrite_audit_from(&mut a, 3, true);
    assert!(a.s.verify_audit().unwrap().ok());
    a.set_phone(f, "07700 900456");
    let r = a.synced();
    let refused = r
        .audit_refused
        .expect("the server refuses the rewritten rows");
    assert!(
        refused.contains("rows already sent were changed"),
        "{refused}"
    );
    assert_eq!(
        hub.family_json(f).unwrap()["household"]["phone"],
        "07700900456"
    );
    let status = a.s.sync_status().unwrap();
    assert_eq!(status.audit_refused.as_deref(), Some(refused.as_str()));
    let after = hub.device_audit(a.id);
    assert!(after.problems.is_empty());
    assert_eq!(
        after.rows.len(),
        log.rows.len(),
        "nothing refused was stored"
    );
    assert_eq!(
        after.rows[2].hash, rows[2].1,
        "the server keeps what it took"
    );
}
