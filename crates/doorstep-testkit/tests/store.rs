//! Device-store properties through the core API: no plaintext at rest,
//! unlock failures, projection rebuild equals incremental maintenance, and
//! audit tamper detection.

use doorstep_core::domain::record::family::{NewFamily, NewFlag, NewLevel, NewPerson};
use doorstep_core::{demo, device, Clock, CoreError, InitOptions};
use doorstep_testkit::{files_under, fixed_now, TempDevice, PASSPHRASE};

const CANARY_NAME: &str = "Zebediah";
const CANARY_SURNAME: &str = "Quillfeather";
const CANARY_NHS: &str = "9990000018";

fn canary_family(s: &mut doorstep_core::Session) -> String {
    let w = s
        .add_family(&NewFamily {
            address_line1: "1 Canary Row".into(),
            postcode: "CV1 2AB".into(),
            ..Default::default()
        })
        .unwrap();
    let id = w.family_id.to_string();
    s.add_person(
        &id,
        &NewPerson {
            role: "child".into(),
            given_name: Some(CANARY_NAME.into()),
            family_name: CANARY_SURNAME.into(),
            date_of_birth: Some("2026-01-05".into()),
            nhs_number: Some(CANARY_NHS.into()),
            ..Default::default()
        },
        false,
    )
    .unwrap();
    id
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn assert_no_plaintext(dir: &std::path::Path) {
    let files = files_under(dir);
    assert!(files.iter().any(|f| f.ends_with("doorstep.db")));
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for canary in [
            CANARY_NAME,
            CANARY_SURNAME,
            CANARY_NHS,
            "999 000 0018",
            "Canary Row",
        ] {
            assert!(
                !contains(&bytes, canary),
                "{} contains {canary}",
                f.display()
            );
        }
    }
}

#[test]
fn no_patient_data_in_any_file_at_rest() {
    let device = TempDevice::new();
    let mut s = device.session();
    let id = canary_family(&mut s);
    demo::seed(&mut s, 20, 1).unwrap();
    s.show_family(&id).unwrap();
    // While the session is open the WAL and SHM files exist too.
    assert!(files_under(&device.data_dir())
        .iter()
        .any(|f| f.to_string_lossy().ends_with("-wal")));
    assert_no_plaintext(&device.data_dir());
    drop(s);
    assert_no_plaintext(&device.data_dir());
}

/// A device whose unlocks are quick to try (no KDF target, no back-off).
fn quick_unlocks(max_failures: u32) -> TempDevice {
    TempDevice::with_options(InitOptions {
        kdf_target: std::time::Duration::ZERO,
        backoff_base_ms: 0,
        max_failures,
        ..InitOptions::default()
    })
}

#[test]
fn unlock_fails_closed() {
    let clock = Clock::Fixed(fixed_now());
    let refused = |r: Result<doorstep_core::Session, CoreError>| match r {
        Err(e @ CoreError::WrongPassphrase { .. }) => e.to_string(),
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("unlocked"),
    };

    // A deleted count is one attempt short of erasing: a wrong guess erases.
    let device = quick_unlocks(10);
    let dir = device.data_dir();
    std::fs::remove_file(dir.join("unlock-state.json")).unwrap();
    let erased = device::unlock(&dir, "a guess", clock).err().unwrap();
    assert!(
        matches!(erased, CoreError::Erased { just_now: true }),
        "{erased:?}"
    );

    // A count that cannot be written: no attempt is made, and the right
    // passphrase is refused in the same words as a wrong one (no oracle).
    let device = quick_unlocks(10);
    let dir = device.data_dir();
    let state = dir.join("unlock-state.json");
    std::fs::remove_file(&state).unwrap();
    std::fs::create_dir(&state).unwrap();
    let wrong = refused(device::unlock(&dir, "a guess", clock));
    let right = refused(device::unlock(&dir, PASSPHRASE, clock));
    assert_eq!(wrong, right);
    assert!(
        dir.join("key.json").exists(),
        "nothing erased, nothing tried"
    );
    std::fs::remove_dir(&state).unwrap();

    // Raising the limit in profile.json breaks the key: every passphrase
    // fails, the right one included.
    let device = quick_unlocks(3);
    let dir = device.data_dir();
    let profile = dir.join("profile.json");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(text.contains("\"max_failures\": 3"), "{text}");
    std::fs::write(
        &profile,
        text.replace("\"max_failures\": 3", "\"max_failures\": 1000000"),
    )
    .unwrap();
    refused(device::unlock(&dir, PASSPHRASE, clock));
    std::fs::write(&profile, text).unwrap();
    drop(device::unlock(&dir, PASSPHRASE, clock).unwrap());

    // Parallel guessers take turns: every guess is counted, and the limit
    // erases exactly once.
    let device = quick_unlocks(8);
    let dir = device.data_dir();
    let outcomes: Vec<String> = std::thread::scope(|scope| {
        let guessers: Vec<_> = (0..8)
            .map(|i| {
                let dir = dir.clone();
                scope.spawn(
                    move || match device::unlock(&dir, &format!("guess {i}"), clock) {
                        Err(CoreError::WrongPassphrase { .. }) => "wrong".to_string(),
                        Err(CoreError::Erased { just_now: true }) => "erased".to_string(),
                        Err(CoreError::Erased { just_now: false }) => "already erased".to_string(),
                        other => format!("{:?}", other.err()),
                    },
                )
            })
            .collect();
        guessers.into_iter().map(|g| g.join().unwrap()).collect()
    });
    assert_eq!(
        outcomes.iter().filter(|o| *o == "wrong").count(),
        7,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "erased").count(),
        1,
        "{outcomes:?}"
    );
    assert!(!dir.join("key.json").exists());
}

#[test]
fn wrong_passphrase_backs_off_warns_and_erases() {
    let device = TempDevice::with_options(InitOptions {
        kdf_target: std::time::Duration::ZERO,
        backoff_base_ms: 40,
        max_failures: 6,
        ..InitOptions::default()
    });
    let dir = device.data_dir();
    let db = dir.join("doorstep.db");
    let before = std::fs::read(&db).unwrap();
    let clock = Clock::Fixed(fixed_now());
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    for attempt in 1..=5u32 {
        starts.push(std::time::Instant::now());
        let err = device::unlock(&dir, "not the passphrase", clock)
            .err()
            .unwrap();
        ends.push(std::time::Instant::now());
        match &err {
            CoreError::WrongPassphrase { failures, warn, .. } => {
                assert_eq!(*failures, attempt);
                assert_eq!(*warn, attempt >= 5, "warning from the 5th failure");
                assert_eq!(err.to_string(), "Passphrase not accepted.");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            std::fs::read(&db).unwrap(),
            before,
            "a failed unlock changes nothing"
        );
    }
    // Back-off: 0, 0, 40, 80, 160 ms between attempts 1..5 (after 0..4
    // failures), counted from when the previous attempt was counted (at
    // its start: the count is written before the key derivation runs).
    let gap = |i: usize| ends[i] - starts[i - 1];
    let gaps: Vec<_> = (1..5).map(gap).collect();
    assert!(gap(3) >= std::time::Duration::from_millis(80), "{gaps:?}");
    assert!(gap(4) >= std::time::Duration::from_millis(160), "{gaps:?}");
    assert!(gap(4) > gap(2), "the delay grows: {gaps:?}");
    // The right passphrase still works below the limit and resets the count.
    drop(device::unlock(&dir, PASSPHRASE, clock).unwrap());
    for _ in 0..5 {
        assert!(matches!(
            device::unlock(&dir, "nope nope nope", clock),
            Err(CoreError::WrongPassphrase { .. })
        ));
    }
    let erased = device::unlock(&dir, "nope nope nope", clock).err().unwrap();
    assert!(matches!(erased, CoreError::Erased { just_now: true }));
    assert!(erased.to_string().contains("erased"));
    assert!(!dir.join("key.json").exists());
    assert!(!db.exists());
    assert!(matches!(
        device::unlock(&dir, PASSPHRASE, clock),
        Err(CoreError::Erased { just_now: false })
    ));
}

#[test]
fn projection_rebuild_equals_incremental_maintenance_at_600_families() {
    let device = TempDevice::new();
    let mut s = device.session();
    demo::seed(&mut s, 600, 11).unwrap();
    // Some edits after seeding so the documents have incremental chunks.
    let page = s
        .list_families(&doorstep_core::domain::record::listing::FamilyQuery {
            per_page: 30,
            ..Default::default()
        })
        .unwrap();
    for f in &page.families {
        s.set_level(
            &f.id,
            &NewLevel {
                level: "targeted".into(),
                effective: "2026-11-01".into(),
                reason: "Review".into(),
            },
        )
        .unwrap();
        s.add_flag(
            &f.id,
            &NewFlag {
                kind: "early-help".into(),
                start: "2026-11-02".into(),
                lead_agency: Some("Early Help hub".into()),
                ..Default::default()
            },
        )
        .unwrap();
    }
    // Household updates, a person entered in error, a consent.
    for f in page.families.iter().take(5) {
        s.update_household(
            &f.id,
            &doorstep_core::domain::record::family::HouseholdUpdate {
                phone: Some("07700 900999".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let view = s.show_family(&f.id).unwrap();
        let (pid, _) = view.family.members.iter().next().unwrap();
        s.mark_entered_in_error(&f.id, &pid.to_string(), "Duplicate record")
            .unwrap();
        s.record_consent(
            &f.id,
            &doorstep_core::domain::record::family::NewConsent {
                decision: "given".into(),
                date: "2026-11-20".into(),
                scope: "GP".into(),
                person_id: None,
            },
        )
        .unwrap();
    }
    let incremental = s.projection_dump().unwrap();
    assert!(
        incremental
            .iter()
            .map(|(_, rows)| rows.len())
            .sum::<usize>()
            > 3000
    );
    let report = s.rebuild_projections().unwrap();
    assert_eq!(report.families, 600);
    let rebuilt = s.projection_dump().unwrap();
    assert_eq!(incremental, rebuilt);
    // And from a fresh unlock (documents loaded from disk, fresh actors).
    drop(s);
    let mut s = device.session();
    s.rebuild_projections().unwrap();
    assert_eq!(incremental, s.projection_dump().unwrap());
}

fn audited_device() -> (TempDevice, String) {
    let device = TempDevice::new();
    let mut s = device.session();
    let id = canary_family(&mut s);
    for _ in 0..3 {
        s.show_family(&id).unwrap();
    }
    assert!(s.verify_audit().unwrap().ok());
    assert_eq!(s.audit_for_family(&id).unwrap().len(), 5);
    (device, id)
}

fn tamper_and_verify(sql: &str) -> Vec<String> {
    let (device, _) = audited_device();
    let mut s = device.session();
    s.store().connection().execute_batch(sql).unwrap();
    let v = s.verify_audit().unwrap();
    assert!(!v.ok(), "tampering with `{sql}` was not detected");
    v.problems
}

#[test]
fn audit_detects_an_edited_row() {
    let p = tamper_and_verify("UPDATE audit SET practitioner = 'Someone Else' WHERE seq = 3");
    assert!(p[0].starts_with("row 3:"), "{p:?}");
}

#[test]
fn audit_detects_a_removed_row() {
    let p = tamper_and_verify("DELETE FROM audit WHERE seq = 2");
    assert!(p[0].starts_with("row 2:"), "{p:?}");
}

#[test]
fn audit_detects_a_removed_last_row() {
    let p = tamper_and_verify("DELETE FROM audit WHERE seq = 5");
    assert!(p[0].contains("end"), "{p:?}");
}

#[test]
fn audit_detects_reordered_rows() {
    let p = tamper_and_verify(
        "UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -1;",
    );
    assert!(p.iter().any(|x| x.starts_with("row 2:")), "{p:?}");
}

#[test]
fn every_view_and_change_is_audited_with_who_and_when() {
    let (device, id) = audited_device();
    let s = device.session();
    let rows = s.audit_for_family(&id).unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "family.add",
            "person.add",
            "family.view",
            "family.view",
            "family.view"
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.practitioner == "Demo Practitioner" && r.at.starts_with("2026-11-22T09:30:00")));
}

#[test]
fn birth_keeps_the_pregnancy_record() {
    let device = TempDevice::new();
    let mut s = device.session();
    let f = s
        .add_family(&NewFamily {
            address_line1: "2 Birth Lane".into(),
            postcode: "CV2 3DE".into(),
            ..Default::default()
        })
        .unwrap();
    let fid = f.family_id.to_string();
    let unborn = s
        .add_person(
            &fid,
            &NewPerson {
                role: "unborn".into(),
                family_name: "Okafor".into(),
                expected_delivery_date: Some("2026-12-01".into()),
                ..Default::default()
            },
            false,
        )
        .unwrap();
    s.add_flag(
        &fid,
        &NewFlag {
            kind: "pre-birth-cp".into(),
            cp_category: Some("neglect".into()),
            person_id: Some(unborn.record_id.to_string()),
            start: "2026-10-01".into(),
            ..Default::default()
        },
    )
    .unwrap();
    s.record_birth(
        &fid,
        &unborn.record_id.to_string(),
        &doorstep_core::domain::record::family::NewBirth {
            date_of_birth: "2026-11-20".into(),
            given_name: Some("Ada".into()),
            gestation: Some("37+4".into()),
            birth_weight_grams: Some("2950".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let view = s.show_family(&fid).unwrap();
    let baby = &view.family.members[&unborn.record_id];
    assert_eq!(baby.role.code(), "child");
    assert_eq!(
        baby.expected_delivery_date.unwrap().to_string(),
        "2026-12-01"
    );
    assert_eq!(baby.date_of_birth.unwrap().to_string(), "2026-11-20");
    assert_eq!(baby.display_name(), "Ada Okafor");
    assert!(baby.birth_recorded.is_some());
    let flag = view.family.flags.values().next().unwrap();
    assert_eq!(
        flag.person_id,
        Some(unborn.record_id),
        "the pre-birth flag still points at the baby"
    );
}

#[test]
fn household_update_writes_only_the_fields_given() {
    let device = TempDevice::new();
    let mut s = device.session();
    let id = canary_family(&mut s);
    s.update_household(
        &id,
        &doorstep_core::domain::record::family::HouseholdUpdate {
            phone: Some("07700 900111".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let view = s.show_family(&id).unwrap();
    assert_eq!(
        view.family.household.phone.as_ref().unwrap().as_str(),
        "07700900111"
    );
    assert_eq!(view.family.household.address_line1, "1 Canary Row");
    let rows = s.audit_for_family(&id).unwrap();
    assert!(rows.iter().any(|r| r.action == "family.update"));
    let err = s
        .update_household(
            &id,
            &doorstep_core::domain::record::family::HouseholdUpdate {
                postcode: Some("nope".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.problems()[0].field, "postcode");
}

#[test]
fn a_passphrase_change_rotates_the_key_and_a_crash_at_any_step_loses_nothing() {
    let clock = Clock::Fixed(fixed_now());
    let families = |dir: &std::path::Path, pass: &str| -> i64 {
        let mut s = device::unlock(dir, pass, clock).expect("unlock");
        s.store()
            .connection()
            .query_row("SELECT count(*) FROM families", [], |r| r.get(0))
            .unwrap()
    };
    let fast = std::time::Duration::ZERO;
    const NEW: &str = "a brand new passphrase for Doorstep 7";

    // A full change: the new passphrase opens everything, the old one
    // nothing; an old copy of the key file with the old passphrase unwraps
    // the old key, which no longer opens the database.
    let device = quick_unlocks(10);
    let dir = device.data_dir();
    demo::seed(&mut device.session(), 5, 3).unwrap();
    let old_key_file = std::fs::read(dir.join("key.json")).unwrap();
    device::change_passphrase(&dir, PASSPHRASE, NEW, fast).unwrap();
    assert_eq!(families(&dir, NEW), 5);
    assert!(device::unlock(&dir, PASSPHRASE, clock).is_err());
    assert!(!dir.join("key.next.json").exists());
    let new_key_file = std::fs::read(dir.join("key.json")).unwrap();
    std::fs::write(dir.join("key.json"), &old_key_file).unwrap();
    assert!(
        device::unlock(&dir, PASSPHRASE, clock).is_err(),
        "the old key no longer opens the database"
    );

    // A crash after the database was re-encrypted, before the key file
    // was replaced: the new passphrase finishes the change.
    std::fs::write(dir.join("key.next.json"), &new_key_file).unwrap();
    assert!(device::unlock(&dir, PASSPHRASE, clock).is_err());
    assert_eq!(families(&dir, NEW), 5);
    assert!(!dir.join("key.next.json").exists());
    assert_eq!(std::fs::read(dir.join("key.json")).unwrap(), new_key_file);

    // A crash after the new key was written, before the database was
    // re-encrypted: the change never happened; the old passphrase undoes it.
    let device = quick_unlocks(10);
    let dir = device.data_dir();
    demo::seed(&mut device.session(), 4, 5).unwrap();
    let before = std::fs::read(dir.join("key.json")).unwrap();
    let stranded = doorstep_store::key::WrappedKey::wrap(
        &doorstep_store::DataKey::random(),
        NEW,
        doorstep_store::KdfParams::calibrate(fast),
        &doorstep_store::ProfileDir::new(&dir)
            .info()
            .unwrap()
            .policy
            .binding(),
    )
    .unwrap();
    std::fs::write(
        dir.join("key.next.json"),
        serde_json::to_vec(&stranded).unwrap(),
    )
    .unwrap();
    assert!(device::unlock(&dir, NEW, clock).is_err());
    assert_eq!(families(&dir, PASSPHRASE), 4);
    assert!(!dir.join("key.next.json").exists());
    assert_eq!(std::fs::read(dir.join("key.json")).unwrap(), before);
}

#[test]
fn likely_duplicates_are_shown_and_refused_until_confirmed_different() {
    let device = TempDevice::new();
    let mut s = device.session();
    let first = canary_family(&mut s);
    // The same child registered again in another household at the same
    // postcode, with a typing slip in the surname and no NHS number.
    let second = s
        .add_family(&NewFamily {
            address_line1: "2 Canary Row".into(),
            postcode: "cv12ab".into(),
            ..Default::default()
        })
        .unwrap()
        .family_id
        .to_string();
    let again = NewPerson {
        role: "child".into(),
        given_name: Some(CANARY_NAME.into()),
        family_name: "Quilfeather".into(),
        date_of_birth: Some("2026-01-05".into()),
        ..Default::default()
    };
    let found = s.likely_duplicates(&second, &again).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].family_id.to_string(), first);
    assert_eq!(found[0].name, format!("{CANARY_NAME} {CANARY_SURNAME}"));
    assert!(found[0].reason.contains("typing slip"), "{found:?}");
    // Refused before saving, in words naming no one.
    let e = s.add_person(&second, &again, false).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!(p.field, "duplicate");
    assert!(!p.problem.contains(CANARY_NAME), "{p:?}");
    assert_eq!(s.show_family(&second).unwrap().family.members.len(), 0);
    // The same NHS number is found whatever the name.
    let by_number = NewPerson {
        nhs_number: Some("999 000 0018".into()),
        family_name: "Someone".into(),
        ..again.clone()
    };
    assert_eq!(
        s.likely_duplicates(&second, &by_number).unwrap()[0].reason,
        "the same NHS number"
    );
    // Checked and different (a cousin of the same name): saved.
    s.add_person(&second, &again, true).unwrap();
    assert_eq!(s.show_family(&second).unwrap().family.members.len(), 1);
}

#[test]
fn a_search_by_nhs_number_says_whose_number_matched() {
    let device = TempDevice::new();
    let mut s = device.session();
    let f = s
        .add_family(&NewFamily {
            address_line1: "1 Elm Row".into(),
            postcode: "LS1 4AP".into(),
            ..Default::default()
        })
        .unwrap()
        .family_id
        .to_string();
    s.add_person(
        &f,
        &NewPerson {
            role: "child".into(),
            given_name: Some("Zara".into()),
            family_name: "Okafor".into(),
            date_of_birth: Some("2026-01-12".into()),
            nhs_number: Some("999 000 0018".into()),
            ..Default::default()
        },
        false,
    )
    .unwrap();
    let search = |s: &mut doorstep_core::Session, text: &str| {
        s.list_families(&doorstep_core::domain::record::listing::FamilyQuery {
            search: Some(text.into()),
            per_page: 20,
            page: 1,
            ..Default::default()
        })
        .unwrap()
        .families
    };
    let found = search(&mut s, "999 000 00");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].matched.as_deref(),
        Some("NHS number 999 000 0018 (Zara Okafor)")
    );
    let by_name = search(&mut s, "Okafor");
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].matched, None);
}
