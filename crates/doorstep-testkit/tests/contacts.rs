//! Contacts end to end through the core: a new birth visit with a weight
//! completes the review on the worklist and shows a centile; signed contacts
//! cannot change (addenda and entered-in-error keep the original); the BMI
//! rule at the 2–2½ year review; impossible and implausible measurements.

use doorstep_core::domain::clinical::schedule::Category;
use doorstep_core::domain::record::contact::{ContactStatus, NewContact, NewMeasurements};
use doorstep_core::domain::record::family::{NewFamily, NewPerson};
use doorstep_core::domain::values::codes::ContactKind;
use doorstep_core::reports::WorklistQuery;
use doorstep_core::Session;
use doorstep_testkit::TempDevice;

/// A family with a boy born 2026-11-01 (three weeks old on 2026-11-22).
fn newborn(s: &mut Session, dob: &str) -> (String, String) {
    born(s, dob, "40+0")
}

/// A family with one child born on `dob` at `gestation` ("weeks+days").
fn born(s: &mut Session, dob: &str, gestation: &str) -> (String, String) {
    let f = s
        .add_family(&NewFamily {
            address_line1: "3 Scales Road".into(),
            postcode: "CV3 4FG".into(),
            ..Default::default()
        })
        .unwrap()
        .family_id
        .to_string();
    let c = s
        .add_person(
            &f,
            &NewPerson {
                role: "child".into(),
                given_name: Some("Noah".into()),
                family_name: "Mensah".into(),
                date_of_birth: Some(dob.into()),
                sex: Some("1".into()),
                gestation: Some(gestation.into()),
                ..Default::default()
            },
            false,
        )
        .unwrap()
        .record_id
        .to_string();
    (f, c)
}

fn visit(kind: &str, child: &str, at: &str, attendance: &str) -> NewContact {
    NewContact {
        kind: kind.into(),
        subjects: vec![child.into()],
        at: Some(
            chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&chrono::Utc),
        ),
        location: "A01".into(),
        mechanism: "01".into(),
        attendance: attendance.into(),
        role: "health-visitor".into(),
        topics: vec!["hia-1".into(), "hia-3".into()],
        note: Some("Feeding well.".into()),
        ..Default::default()
    }
}

fn weight(child: &str, kg: &str) -> NewMeasurements {
    NewMeasurements {
        person_id: child.into(),
        weight_kg: Some(kg.into()),
        ..Default::default()
    }
}

#[test]
fn a_new_birth_visit_with_a_weight_completes_the_review_and_shows_a_centile() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, c) = newborn(&mut s, "2026-11-10");
    let due = s.worklist(&WorklistQuery::default()).unwrap();
    let nbv = due
        .iter()
        .find(|i| i.kind == ContactKind::NewBirth)
        .expect("the NBV is listed");
    assert_eq!(nbv.category, Category::DueNow);
    let w = s
        .record_contact(
            &f,
            &visit("new-birth", &c, "2026-11-21T10:00:00Z", "attended"),
            &[weight(&c, "3.9")],
        )
        .unwrap();
    s.sign_contact(&f, &w.record_id.to_string()).unwrap();
    let after = s.worklist(&WorklistQuery::default()).unwrap();
    assert!(
        after.iter().all(|i| i.kind != ContactKind::NewBirth),
        "{after:?}"
    );
    let g = s.growth(&f, &c).unwrap();
    assert_eq!(g.measurements.len(), 1);
    let a = g.measurements[0]
        .assessment
        .as_ref()
        .expect("a UK-WHO centile");
    assert_eq!(
        a.table.reference,
        doorstep_core::domain::clinical::growth::GrowthReference::Uk90Preterm,
        "11 days old: UK90's birth data, before 2 weeks after term"
    );
    assert!(
        a.sds.abs() < 2.0 && a.centile > 2.0 && a.centile < 98.0,
        "{a:?}"
    );
    let reviews = s.family_reviews(&f).unwrap();
    assert!(reviews.iter().any(|r| r.kind == ContactKind::NewBirth
        && matches!(
            r.state,
            doorstep_core::domain::clinical::schedule::ReviewState::Done { .. }
        )));
}

#[test]
fn signed_contacts_cannot_change_and_corrections_keep_the_original() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, c) = newborn(&mut s, "2026-11-10");
    let w = s
        .record_contact(
            &f,
            &visit("new-birth", &c, "2026-11-21T10:00:00Z", "attended"),
            &[],
        )
        .unwrap();
    let id = w.record_id.to_string();
    // A draft can gain measurements; an addendum is for signed contacts only.
    s.add_measurements(&f, &id, &weight(&c, "3.8")).unwrap();
    let e = s.add_addendum(&f, &id, "too early").unwrap_err();
    assert!(e.to_string().contains("draft"));
    s.sign_contact(&f, &id).unwrap();
    let e = s.add_measurements(&f, &id, &weight(&c, "3.9")).unwrap_err();
    assert_eq!(e.problems()[0].field, "contact");
    assert!(
        e.problems()[0]
            .problem
            .contains("signed and cannot be changed"),
        "{e}"
    );
    let e = s.sign_contact(&f, &id).unwrap_err();
    assert!(e.problems()[0].problem.contains("signed"));
    s.add_addendum(
        &f,
        &id,
        "Weight was taken with a nappy on: about 0.1 kg less.",
    )
    .unwrap();
    s.mark_entered_in_error(&f, &id, "Recorded against the wrong child")
        .unwrap();
    let fam = s.show_family(&f).unwrap().family;
    let contact = &fam.contacts[&w.record_id];
    assert_eq!(contact.status, ContactStatus::Signed);
    assert_eq!(
        contact.note.as_deref(),
        Some("Feeding well."),
        "the original text is kept"
    );
    assert_eq!(contact.addenda.len(), 1);
    assert_eq!(
        contact.entered_in_error.as_ref().unwrap().reason,
        "Recorded against the wrong child"
    );
    assert_eq!(fam.measurements.len(), 1, "the measurement is kept too");
    // Every partial projection update equals a full rebuild.
    let incremental = s.projection_dump().unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(incremental, s.projection_dump().unwrap());
    // Entered in error: the review is open again.
    let items = s.worklist(&WorklistQuery::default()).unwrap();
    assert!(items.iter().any(|i| i.kind == ContactKind::NewBirth));
}

#[test]
fn the_two_year_review_needs_height_and_weight_or_a_reason() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, c) = newborn(&mut s, "2024-08-01");
    let mut review = visit("2-year", &c, "2026-11-20T10:00:00Z", "attended");
    let only_weight = s
        .record_contact(&f, &review, &[weight(&c, "12.5")])
        .unwrap()
        .record_id
        .to_string();
    let e = s.sign_contact(&f, &only_weight).unwrap_err();
    assert_eq!(e.problems()[0].field, "measurements");
    assert!(e.problems()[0].problem.contains("height and weight"), "{e}");
    s.add_measurements(
        &f,
        &only_weight,
        &NewMeasurements {
            person_id: c.clone(),
            height_cm: Some("88.0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    s.sign_contact(&f, &only_weight).unwrap();
    let g = s.growth(&f, &c).unwrap();
    assert_eq!(g.bmi.len(), 1);
    assert!((g.bmi[0].bmi - 12.5 / (0.88 * 0.88)).abs() < 1e-9);
    assert!(g.bmi[0].assessment.is_some());
    // The BMI chart plots it: one entry of weight and height feeds both.
    let chart = s.growth_chart(&f, &c, "bmi").unwrap();
    assert_eq!(chart.points.len(), 1);
    assert!((chart.points[0].value - g.bmi[0].bmi).abs() < 1e-12);
    assert_eq!(chart.points[0].measured_on.to_string(), "2026-11-20");
    // With a reason instead of measurements, it signs.
    review.bmi_not_recorded_reason = Some("Child too distressed to stand".into());
    let reasoned = s
        .record_contact(&f, &review, &[])
        .unwrap()
        .record_id
        .to_string();
    s.sign_contact(&f, &reasoned).unwrap();
    // Length is refused for a two-year-old, and height for a baby.
    let e = s.add_measurements(
        &f,
        &reasoned,
        &NewMeasurements {
            person_id: c.clone(),
            length_cm: Some("88".into()),
            ..Default::default()
        },
    );
    assert!(e.is_err());
}

#[test]
fn impossible_values_are_refused_and_implausible_ones_need_confirmation() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, c) = newborn(&mut s, "2026-11-01");
    let draft = s
        .record_contact(
            &f,
            &visit("targeted-visit", &c, "2026-11-22T09:00:00Z", "attended"),
            &[],
        )
        .unwrap();
    let id = draft.record_id.to_string();
    let e = s.add_measurements(&f, &id, &weight(&c, "45")).unwrap_err();
    assert_eq!(e.problems()[0].field, format!("children/{c}/weight_kg"));
    assert!(
        e.problems()[0]
            .problem
            .starts_with("weight 45 kg is impossible for a child aged 3 weeks"),
        "{e}"
    );
    let e = s.add_measurements(&f, &id, &weight(&c, "7")).unwrap_err();
    assert!(
        e.problems()[0]
            .problem
            .contains("implausible for a child aged 3 weeks"),
        "{e}"
    );
    assert!(e.problems()[0].problem.contains("confirm"), "{e}");
    let mut confirmed = weight(&c, "7");
    confirmed.confirm_implausible = Some("Re-weighed twice on calibrated scales".into());
    s.add_measurements(&f, &id, &confirmed).unwrap();
    let fam = s.show_family(&f).unwrap().family;
    let m = fam.measurements.values().next().unwrap();
    assert_eq!(
        m.implausible_confirmed.as_deref(),
        Some("Re-weighed twice on calibrated scales")
    );
    let e = s
        .add_measurements(&f, &id, &weight(&c, "heavy"))
        .unwrap_err();
    assert_eq!(e.problems()[0].problem, "must be a number");
}

#[test]
fn delegated_contacts_name_the_accountable_health_visitor() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, c) = newborn(&mut s, "2024-08-01");
    let mut v = visit("2-year", &c, "2026-11-20T10:00:00Z", "attended");
    v.role = "nursery-nurse".into();
    let e = s.record_contact(&f, &v, &[]).unwrap_err();
    assert_eq!(e.problems()[0].field, "accountable_hv");
    v.accountable_hv = Some("Asha Patel".into());
    s.record_contact(&f, &v, &[]).unwrap();
}

#[test]
fn did_not_attend_creates_a_follow_up_and_declined_closes_the_review() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (f, c) = newborn(&mut s, "2026-09-20");
    s.record_contact(
        &f,
        &visit("6-8-week", &c, "2026-11-10T10:00:00Z", "no-access"),
        &[],
    )
    .unwrap();
    let items = s.worklist(&WorklistQuery::default()).unwrap();
    let fu = items
        .iter()
        .find(|i| i.kind == ContactKind::SixToEightWeek)
        .unwrap();
    assert_eq!(fu.category, Category::FollowUp);
    assert!(
        fu.reason.contains("no access on 10 Nov 2026"),
        "{}",
        fu.reason
    );
    let mut declined = visit("6-8-week", &c, "2026-11-12T10:00:00Z", "declined");
    let e = s.record_contact(&f, &declined, &[]).unwrap_err();
    assert_eq!(e.problems()[0].field, "declined_reason");
    declined.declined_reason = Some("Seen privately".into());
    s.record_contact(&f, &declined, &[]).unwrap();
    let items = s.worklist(&WorklistQuery::default()).unwrap();
    assert!(items.iter().all(|i| i.kind != ContactKind::SixToEightWeek));
}

#[test]
fn the_trusts_prematurity_rule_decides_when_growth_is_corrected() {
    // Born at 35 weeks, weighed at 13 months: past the default year of
    // correction for births at 32–36 weeks.
    let weigh = |device: &TempDevice| {
        let mut s = device.session();
        let (f, c) = born(&mut s, "2025-10-15", "35+0");
        s.record_contact(
            &f,
            &visit("12-month", &c, "2026-11-20T10:00:00Z", "attended"),
            &[weight(&c, "9.1")],
        )
        .unwrap();
        let g = s.growth(&f, &c).unwrap();
        g.measurements[0]
            .assessment
            .clone()
            .expect("a centile")
            .corrected_age_days
    };
    let default = TempDevice::new();
    assert_eq!(weigh(&default), None, "chronological age by default");
    let trust = TempDevice::new();
    std::fs::write(
        trust.data_dir().join("config.json"),
        r#"{"growth": {"prematurity": {"until_days_if_32_to_36": 500}}}"#,
    )
    .unwrap();
    assert_eq!(weigh(&trust), Some(401 - 35), "corrected: 35 days early");
}

/// A household for Noah Mensah (born 2026-11-01) and his mother at one
/// address, as a duplicate would be registered: the child's name typed
/// `child_family`.
fn household(s: &mut Session, line1: &str, child_family: &str) -> (String, String, String) {
    let f = s
        .add_family(&NewFamily {
            address_line1: line1.into(),
            postcode: "CV3 4FG".into(),
            ..Default::default()
        })
        .unwrap()
        .family_id
        .to_string();
    let mother = s
        .add_person(
            &f,
            &NewPerson {
                role: "parent".into(),
                given_name: Some("Ada".into()),
                family_name: "Mensah".into(),
                ..Default::default()
            },
            true,
        )
        .unwrap()
        .record_id
        .to_string();
    let child = s
        .add_person(
            &f,
            &NewPerson {
                role: "child".into(),
                given_name: Some("Noah".into()),
                family_name: child_family.into(),
                date_of_birth: Some("2026-11-01".into()),
                sex: Some("1".into()),
                gestation: Some("40+0".into()),
                ..Default::default()
            },
            true,
        )
        .unwrap()
        .record_id
        .to_string();
    (f, mother, child)
}

#[test]
fn merging_duplicates_keeps_every_contact_of_both_records() {
    let device = TempDevice::new();
    let mut s = device.session();
    let (a, a_mother, a_child) = household(&mut s, "4 Scales Road", "Mensha");
    let (b, b_mother, b_child) = household(&mut s, "4 Scales Rd", "Mensah");
    // The same baby, found as a likely duplicate of the other record.
    let found = s
        .likely_duplicates(
            &b,
            &NewPerson {
                role: "child".into(),
                given_name: Some("Noah".into()),
                family_name: "Mensah".into(),
                date_of_birth: Some("2026-11-01".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        found.iter().any(|d| d.person_id.to_string() == a_child),
        "{found:?}"
    );
    // The new birth visit went on one record, a later weight on the other.
    let nbv = s
        .record_contact(
            &a,
            &visit("new-birth", &a_child, "2026-11-10T10:00:00Z", "attended"),
            &[weight(&a_child, "3.6")],
        )
        .unwrap()
        .record_id
        .to_string();
    s.sign_contact(&a, &nbv).unwrap();
    let later = s
        .record_contact(
            &b,
            &visit(
                "targeted-visit",
                &b_child,
                "2026-11-20T10:00:00Z",
                "attended",
            ),
            &[weight(&b_child, "4.0")],
        )
        .unwrap()
        .record_id
        .to_string();
    s.sign_contact(&b, &later).unwrap();
    let due = |s: &mut Session| {
        s.worklist(&WorklistQuery::default())
            .unwrap()
            .into_iter()
            .filter(|i| i.kind == ContactKind::NewBirth)
            .count()
    };
    assert_eq!(due(&mut s), 1, "record B shows the visit not done");

    // The household cannot go before its members.
    let e = s.merge_family(&a, &b).unwrap_err();
    assert_eq!(e.problems()[0].field, "family");
    s.merge_person(&a, &a_child, &b, &b_child).unwrap();
    s.merge_person(&a, &a_mother, &b, &b_mother).unwrap();
    s.merge_family(&a, &b).unwrap();

    // One household listed; both histories kept and read as one.
    let page = s.list_families(&Default::default()).unwrap();
    assert_eq!(page.total, 1);
    // The list names the child and gives the date of birth, once.
    let listed: Vec<(String, Option<chrono::NaiveDate>)> = page.families[0]
        .children
        .iter()
        .map(|c| (c.name.clone(), c.date_of_birth))
        .collect();
    assert_eq!(
        listed,
        [("Noah Mensah".to_string(), "2026-11-01".parse().ok())]
    );
    let view = s.show_family(&b).unwrap();
    assert_eq!(view.merged.len(), 1);
    assert_eq!(view.merged[0].id.to_string(), a);
    let contacts = view.family.contacts.len() + view.merged[0].contacts.len();
    assert_eq!(contacts, 2, "every contact of both records");
    assert_eq!(due(&mut s), 0, "the visit on the merged record counts");
    let reviews = s.family_reviews(&b).unwrap();
    assert!(reviews.iter().any(|r| r.kind == ContactKind::NewBirth
        && matches!(
            r.state,
            doorstep_core::domain::clinical::schedule::ReviewState::Done { .. }
        )));
    let g = s.growth(&b, &b_child).unwrap();
    let kg: Vec<f64> = g.measurements.iter().map(|m| m.measurement.value).collect();
    assert_eq!(kg, [3.6, 4.0]);
    // The metrics count one child, seen within 14 days.
    let k = s.kpi_report("2026Q3").unwrap();
    let c2 = k.metrics.iter().find(|m| m.code == "C2").unwrap();
    assert_eq!((c2.ratio.numerator, c2.ratio.denominator), (1, 1));
    // The merged record still opens, pointing to the one kept.
    let old = s.show_family(&a).unwrap().family;
    assert_eq!(old.merged_into.unwrap().family_id.to_string(), b);
    assert_eq!(old.contacts.len(), 1);
    // Incremental projections equal a rebuild.
    let incremental = s.projection_dump().unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(incremental, s.projection_dump().unwrap());
}
