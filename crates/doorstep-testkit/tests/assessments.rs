//! Assessment forms through the core: a Family Health Assessment whose
//! confirmed recommendation updates the level of service; completed
//! responses are immutable and amendments reference them; a draft keeps
//! every acknowledged answer across SIGKILLs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use doorstep_core::domain::forms::Answer;
use doorstep_core::domain::record::family::{NewFamily, NewPerson};
use doorstep_core::domain::record::response::ResponseStatus;
use doorstep_core::domain::values::codes::LevelOfService;
use doorstep_testkit::{TempDevice, PASSPHRASE};
use rand::{Rng, SeedableRng};

fn family_with_mother(s: &mut doorstep_core::Session) -> (String, String) {
    let f = s
        .add_family(&NewFamily {
            address_line1: "4 Assessment Way".into(),
            postcode: "CV2 1AB".into(),
            ..Default::default()
        })
        .unwrap()
        .family_id
        .to_string();
    let m = s
        .add_person(
            &f,
            &NewPerson {
                role: "parent".into(),
                given_name: Some("Maja".into()),
                family_name: "Nowak".into(),
                ..Default::default()
            },
            false,
        )
        .unwrap()
        .record_id
        .to_string();
    (f, m)
}

#[test]
fn a_confirmed_fhat_recommendation_sets_the_level_and_completed_responses_are_immutable() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, m) = family_with_mother(&mut s);
    let r = s
        .form_start(&f, "fhat", Some(&m), None)
        .unwrap()
        .record_id
        .to_string();
    let answers = [
        ("sleep-place-day", "moses-basket"),
        ("sleep-place-night", "parents-room-cot"),
        ("sleep-position-back", "yes"),
        ("co-sleeping", "none"),
        ("smoking-household", "no"),
        ("carer-substances", "no"),
        ("safe-sleep-advice-given", "yes"),
        ("whooley-q1", "no"),
        ("whooley-q2", "no"),
        ("gad2-q1", "1"),
        ("gad2-q2", "2"),
        ("level-of-service", "targeted"),
    ];
    for (item, value) in answers {
        s.form_answer(&f, &r, item, value)
            .unwrap_or_else(|e| panic!("{item}: {e}"));
    }
    // Not asked when both Whooley answers are no: answering it is refused.
    let e = s.form_answer(&f, &r, "whooley-help", "yes").unwrap_err();
    assert_eq!(e.problems()[0].field, "whooley-help");
    let shown = s.form_show(&f, &r).unwrap();
    assert!(shown
        .scores
        .iter()
        .any(|sc| sc.code == "gad2-total" && sc.value == 3.0));
    s.form_answer(&f, &r, "confirm-level", "yes").unwrap();
    s.form_complete(&f, &r).unwrap();
    let view = s.show_family(&f).unwrap();
    assert_eq!(view.level, LevelOfService::Targeted);
    assert!(view
        .family
        .levels
        .values()
        .any(|l| l.reason.starts_with("Family Health Assessment")));
    let done = &view.family.responses[&uuid::Uuid::parse_str(&r).unwrap()];
    assert_eq!(done.status, ResponseStatus::Completed);
    assert!(done.scores.contains_key("gad2-total"));
    assert_eq!(done.form.id, "fhat");
    assert!(!done.form.hash.is_empty());
    // Completed: no more answers; an amendment is a new response.
    let e = s.form_answer(&f, &r, "gad2-q1", "0").unwrap_err();
    assert!(e.problems()[0].problem.contains("amend"), "{e}");
    // Exports: FHIR bundle of the response, Early Help summary of the family.
    let bundle = s.export_fhir(&f, &r).unwrap();
    let types: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"Patient") && types.contains(&"QuestionnaireResponse"),
        "{types:?}"
    );
    let summary = s.early_help_summary(&f).unwrap();
    let html = doorstep_core::exports::early_help::to_html(&summary);
    assert!(html.contains("Nowak") && html.contains("<!DOCTYPE html>"));
    assert!(doorstep_core::exports::early_help::to_pdf(&summary).starts_with(b"%PDF-1.4"));
    // The level set by the assessment is in the projections as a rebuild has it.
    let incremental = s.projection_dump().unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(incremental, s.projection_dump().unwrap());
    let a = s.form_amend(&f, &r).unwrap().record_id;
    let view = s.show_family(&f).unwrap();
    assert_eq!(
        view.family.responses[&a].amends.map(|x| x.to_string()),
        Some(r.clone())
    );
    assert_eq!(view.family.responses[&a].status, ResponseStatus::Draft);
    assert_eq!(view.family.responses.len(), 2, "the original is kept");
}

#[test]
fn a_draft_keeps_every_acknowledged_answer_across_sigkills() {
    let device = TempDevice::new();
    let (f, _) = {
        let mut s = device.session();
        family_with_mother(&mut s)
    };
    let writer = env!("CARGO_BIN_EXE_form-writer");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    for cycle in 0..10 {
        let mut child = Command::new(writer)
            .arg(device.data_dir())
            .arg(&f)
            .env("DOORSTEP_PASSPHRASE", PASSPHRASE)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut last: HashMap<String, HashMap<String, String>> = HashMap::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let parts: Vec<&str> = line.split(' ').collect();
                if let ["ack", r, item, value] = parts.as_slice() {
                    last.entry(r.to_string())
                        .or_default()
                        .insert(item.to_string(), value.to_string());
                }
            }
            last
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..400)));
        child.kill().unwrap();
        child.wait().unwrap();
        let acked = reader.join().unwrap();
        let mut s = device.session();
        assert_eq!(s.store().integrity_check().unwrap(), "ok");
        let family = s.show_family(&f).unwrap().family;
        for (r, items) in acked {
            let response = &family.responses[&uuid::Uuid::parse_str(&r).unwrap()];
            for (item, value) in items {
                // The last acknowledged value of each item is there (a later,
                // unacknowledged write may also have landed before the kill,
                // so it may be the next value in the writer's cycle).
                let place = |code: &str| ["a", "b", "c", "d"].iter().position(|a| *a == code);
                let got = match &response.answers[&item] {
                    Answer::Coding(c) => place(c).unwrap(),
                    other => panic!("cycle {cycle}: {item} is {other:?}"),
                };
                let want = place(&value).unwrap();
                assert!(
                    got == want || got == (want + 1) % 4,
                    "cycle {cycle}: {item} = {got}, acknowledged {want}"
                );
            }
        }
    }
}

#[test]
fn goals_show_their_ratings_across_reviews() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, _) = family_with_mother(&mut s);
    for (day, first, second) in [
        ("2026-10-01T10:00:00Z", "3", "5"),
        ("2026-11-01T10:00:00Z", "6", "5"),
    ] {
        let mut s2 = doorstep_core::device::unlock(
            &device.data_dir(),
            PASSPHRASE,
            doorstep_core::Clock::Fixed(
                chrono::DateTime::parse_from_rfc3339(day)
                    .unwrap()
                    .with_timezone(&chrono::Utc),
            ),
        )
        .unwrap();
        let r = s2
            .form_start(&f, "family-partnership", None, None)
            .unwrap()
            .record_id
            .to_string();
        for (item, value) in [
            ("family-strengths", "Grandmother helps every weekday"),
            ("goals[0].goal", "Baby sleeps in own cot every night"),
            ("goals[0].rating", first),
            ("goals[1].goal", "Attend the Monday baby group"),
            ("goals[1].actions", "HV to send the timetable"),
            ("goals[1].rating", second),
        ] {
            s2.form_answer(&f, &r, item, value)
                .unwrap_or_else(|e| panic!("{item}: {e}"));
        }
        s2.form_complete(&f, &r).unwrap();
    }
    let goals = s.goals(&f).unwrap();
    assert_eq!(goals.len(), 2);
    let cot = goals.iter().find(|g| g.text.contains("own cot")).unwrap();
    let ratings: Vec<u8> = cot.ratings.iter().map(|(_, r, _)| *r).collect();
    assert_eq!(ratings, [3, 6], "the rating rose after targeted work");
    assert_eq!(cot.ratings[0].0.to_string(), "2026-10-01");
    let group = goals
        .iter()
        .find(|g| g.text.contains("baby group"))
        .unwrap();
    assert_eq!(group.actions.as_deref(), Some("HV to send the timetable"));
}

#[test]
fn an_answer_no_longer_asked_can_be_taken_back() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, m) = family_with_mother(&mut s);
    let r = s
        .form_start(&f, "epds", Some(&m), None)
        .unwrap()
        .record_id
        .to_string();
    s.form_answer(&f, &r, "epds-1", "c").unwrap();
    s.form_answer(&f, &r, "epds-1", "").unwrap();
    let view = s.form_show(&f, &r).unwrap();
    assert!(
        !view.response.answers.contains_key("epds-1"),
        "the answer was taken back"
    );
    assert!(view
        .problems
        .iter()
        .any(|p| p.field == "epds-1" && p.problem.contains("required")));
    let e = s.form_answer(&f, &r, "epds-2", "").unwrap_err();
    assert_eq!(e.problems()[0].field, "epds-2");
    // Seeing the answers is audited like opening the record.
    let audited = s.audit_for_family(&f).unwrap();
    assert!(audited.iter().any(|row| row.action == "form.view"));
    // After a fresh unlock (document reloaded from disk) it is still absent.
    drop(s);
    let mut s = device.session();
    assert!(!s
        .form_show(&f, &r)
        .unwrap()
        .response
        .answers
        .contains_key("epds-1"));
}

#[test]
fn an_urgent_result_is_on_today_until_a_contact_addresses_it() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, m) = family_with_mother(&mut s);
    let r = s
        .form_start(&f, "epds", Some(&m), None)
        .unwrap()
        .record_id
        .to_string();
    for i in 1..=10 {
        // Item 10's second printed answer scores 2: thoughts of self-harm.
        let raw = if i == 10 { "b" } else { "d" };
        s.form_answer(&f, &r, &format!("epds-{i}"), raw).unwrap();
    }
    s.form_complete(&f, &r).unwrap();
    let today = s.follow_ups(None).unwrap();
    assert!(!today.is_empty());
    assert!(today
        .iter()
        .all(|v| v.item.urgency == doorstep_core::domain::record::follow_up::Urgency::Urgent));
    assert_eq!(
        today[0].family,
        s.show_family(&f).unwrap().family.list_name()
    );
    assert!(today[0].person.is_some(), "names the mother");
    assert_eq!(s.family_follow_ups(&f).unwrap().len(), today.len());
    // The same day's visit addresses them; Today is clear.
    let keys: Vec<String> = today.iter().map(|v| v.item.key.clone()).collect();
    s.record_contact(
        &f,
        &doorstep_core::domain::record::contact::NewContact {
            kind: "targeted-visit".into(),
            location: "A01".into(),
            mechanism: "01".into(),
            attendance: "attended".into(),
            role: "health-visitor".into(),
            note: Some("Risk assessed; GP and perinatal team called".into()),
            addresses: keys,
            ..Default::default()
        },
        &[],
    )
    .unwrap();
    assert!(s.follow_ups(None).unwrap().is_empty());
    let incremental = s.projection_dump().unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(incremental, s.projection_dump().unwrap());
}
