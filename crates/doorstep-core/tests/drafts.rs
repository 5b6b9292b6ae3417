//! Unsaved work survives a lock and a restart: a draft kept through the
//! session is found again after the session is dropped (as a lock or a
//! crash drops it) and the device unlocked; hostile drafts are refused
//! with the field named; discarding forgets it. Real SQLCipher device.

use std::time::Duration;

use chrono::{DateTime, Utc};
use doorstep_core::domain::record::family::NewFamily;
use doorstep_core::{device, Clock, InitOptions};

const PASS: &str = "kettle orbit crayon 42";

fn now() -> Clock {
    Clock::Fixed(
        DateTime::parse_from_rfc3339("2026-03-10T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
    )
}

#[test]
fn a_draft_outlives_the_session_and_hostile_ones_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    doorstep_core::init(
        &data,
        PASS,
        &InitOptions {
            practitioner: "Test Visitor".into(),
            kdf_target: Duration::ZERO,
            ..InitOptions::default()
        },
    )
    .unwrap();
    let mut s = device::unlock(&data, PASS, now()).unwrap();
    let family = s
        .add_family(&NewFamily {
            address_line1: "1 Test Street".into(),
            postcode: "ZZ99 3AA".into(),
            ..Default::default()
        })
        .unwrap()
        .family_id
        .to_string();
    let key = format!("contact:{family}");
    let body = r#"{"note":"Baby feeding well, mum tired"}"#;
    s.save_draft(&key, &family, "contact", body).unwrap();
    s.save_draft(&key, &family, "contact", body).unwrap();
    drop(s);

    let mut s = device::unlock(&data, PASS, now()).unwrap();
    let kept = s.drafts().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].body, body);
    assert_eq!(kept[0].screen, "contact");
    assert_eq!(s.draft(&key).unwrap().unwrap().family_id, family);

    let refused = |r: Result<doorstep_core::drafts::Draft, doorstep_core::CoreError>| {
        let e = r.unwrap_err();
        assert_eq!(e.problems()[0].field, "draft", "{e}");
    };
    refused(s.save_draft("../etc", &family, "contact", body));
    refused(s.save_draft(&key, &family, "settings", body));
    refused(s.save_draft(&key, &family, "contact", "not json"));
    refused(s.save_draft(&key, &family, "contact", &"x".repeat(300 * 1024)));
    assert!(s
        .save_draft(
            &key,
            "00000000-0000-0000-0000-000000000000",
            "contact",
            body
        )
        .is_err());

    s.discard_draft(&key).unwrap();
    assert!(s.draft(&key).unwrap().is_none());
    assert!(s.drafts().unwrap().is_empty());
}
