//! The Healthy Child Programme schedule at its boundaries: review windows
//! (day 14/15, 56/57, 12 and 15 months, 30 months), leap-day births,
//! corrected age, twins, a pregnancy becoming a birth, and what
//! did-not-attend, no access and declined do to a review.

use chrono::NaiveDate;
use doorstep_domain::clinical::schedule::{
    reviews, worklist, Category, ChildFacts, ContactFacts, EndReason, ReviewState, ScheduleConfig,
};
use doorstep_domain::values::codes::{
    Attendance, ConsultationMechanism, ContactKind, LocationType, MemberRole, PractitionerRole,
};
use uuid::Uuid;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn child(n: u128, dob: &str) -> ChildFacts {
    ChildFacts {
        person_id: Uuid::from_u128(n),
        family_id: Uuid::from_u128(1000 + n),
        name: format!("Child {n}"),
        role: MemberRole::Child,
        date_of_birth: Some(d(dob)),
        expected_delivery_date: None,
        gestation_weeks: Some(40),
        gestation_days: Some(0),
        first_time_parents: true,
        antenatal_requested: false,
        ethnic_category_stated: true,
        practitioner: Some("Asha Patel".into()),
        died_on: None,
        moved_away_on: None,
        transferred_in_on: None,
    }
}

fn contact(
    n: u128,
    who: &ChildFacts,
    kind: ContactKind,
    date: &str,
    attendance: Attendance,
) -> ContactFacts {
    ContactFacts {
        contact_id: Uuid::from_u128(5000 + n),
        person_id: who.person_id,
        kind,
        date: d(date),
        attendance,
        mechanism: ConsultationMechanism::FaceToFace,
        location: LocationType::PatientsHome,
        role: PractitionerRole::HealthVisitor,
        remote_reason_recorded: false,
        declined_reason: (attendance == Attendance::Declined)
            .then(|| "Family prefers GP".to_string()),
        feeding: None,
        asq3: None,
    }
}

fn item_for(
    items: &[doorstep_domain::clinical::schedule::WorkItem],
    kind: ContactKind,
) -> Option<&doorstep_domain::clinical::schedule::WorkItem> {
    items.iter().find(|i| i.kind == kind)
}

fn cfg() -> ScheduleConfig {
    ScheduleConfig::default()
}

#[test]
fn new_birth_visit_is_due_on_day_14_and_overdue_on_day_15() {
    let c = child(1, "2026-11-01");
    let on14 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-11-15"),
        d("2026-11-15"),
        &cfg(),
    );
    let nbv = item_for(&on14, ContactKind::NewBirth).expect("listed on day 14");
    assert_eq!(nbv.category, Category::DueNow);
    assert_eq!(nbv.due, d("2026-11-15"));
    let on15 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-11-16"),
        d("2026-11-16"),
        &cfg(),
    );
    let nbv = item_for(&on15, ContactKind::NewBirth).unwrap();
    assert_eq!(nbv.category, Category::Overdue);
    assert_eq!(nbv.days_late, 1);
    assert!(nbv.reason.contains("overdue by 1 day"), "{}", nbv.reason);
    // Before day 10 it is upcoming (when the horizon reaches it).
    let day5 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-11-06"),
        d("2026-11-30"),
        &cfg(),
    );
    assert_eq!(
        item_for(&day5, ContactKind::NewBirth).unwrap().category,
        Category::Upcoming
    );
    assert_eq!(
        item_for(&day5, ContactKind::NewBirth).unwrap().opens,
        d("2026-11-11")
    );
}

#[test]
fn six_to_eight_week_review_is_due_by_day_56() {
    let c = child(2, "2026-09-01");
    let rs = reviews(&c, &[], d("2026-10-27"), &cfg());
    let r = rs
        .iter()
        .find(|r| r.kind == ContactKind::SixToEightWeek)
        .unwrap();
    assert_eq!(r.opens, d("2026-10-13"), "42 days");
    assert_eq!(r.due, d("2026-10-27"), "56 days");
    let on56 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-10-27"),
        d("2026-10-27"),
        &cfg(),
    );
    assert_eq!(
        item_for(&on56, ContactKind::SixToEightWeek)
            .unwrap()
            .category,
        Category::DueNow
    );
    let on57 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-10-28"),
        d("2026-10-28"),
        &cfg(),
    );
    assert_eq!(
        item_for(&on57, ContactKind::SixToEightWeek)
            .unwrap()
            .category,
        Category::Overdue
    );
}

#[test]
fn twelve_month_review_is_due_at_12_months_and_late_after_15() {
    let c = child(3, "2025-06-15");
    let r = reviews(&c, &[], d("2026-06-15"), &cfg())
        .into_iter()
        .find(|r| r.kind == ContactKind::TwelveMonth)
        .unwrap();
    assert_eq!(r.opens, d("2026-03-15"));
    assert_eq!(r.due, d("2026-06-15"));
    assert_eq!(r.late, Some(d("2026-09-15")));
    let at12 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-06-15"),
        d("2026-06-15"),
        &cfg(),
    );
    assert_eq!(
        item_for(&at12, ContactKind::TwelveMonth).unwrap().category,
        Category::DueNow
    );
    let after12 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-06-16"),
        d("2026-06-16"),
        &cfg(),
    );
    let i = item_for(&after12, ContactKind::TwelveMonth).unwrap();
    assert_eq!(i.category, Category::Overdue);
    assert!(!i.reason.contains("now late"));
    let at15 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-09-15"),
        d("2026-09-15"),
        &cfg(),
    );
    assert!(!item_for(&at15, ContactKind::TwelveMonth)
        .unwrap()
        .reason
        .contains("now late"));
    let after15 = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-09-16"),
        d("2026-09-16"),
        &cfg(),
    );
    assert!(item_for(&after15, ContactKind::TwelveMonth)
        .unwrap()
        .reason
        .contains("now late"));
}

#[test]
fn two_year_review_is_due_by_30_months() {
    let c = child(4, "2024-05-31");
    let r = reviews(&c, &[], d("2026-11-30"), &cfg())
        .into_iter()
        .find(|r| r.kind == ContactKind::TwoYear)
        .unwrap();
    assert_eq!(r.opens, d("2026-05-31"));
    assert_eq!(
        r.due,
        d("2026-11-30"),
        "30 months after 31 May is 30 November (month end)"
    );
    let on = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-11-30"),
        d("2026-11-30"),
        &cfg(),
    );
    assert_eq!(
        item_for(&on, ContactKind::TwoYear).unwrap().category,
        Category::DueNow
    );
    let after = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-12-01"),
        d("2026-12-01"),
        &cfg(),
    );
    assert_eq!(
        item_for(&after, ContactKind::TwoYear).unwrap().category,
        Category::Overdue
    );
}

#[test]
fn leap_day_births_use_calendar_months() {
    let c = child(5, "2024-02-29");
    let rs = reviews(&c, &[], d("2025-03-01"), &cfg());
    let twelve = rs
        .iter()
        .find(|r| r.kind == ContactKind::TwelveMonth)
        .unwrap();
    assert_eq!(
        twelve.due,
        d("2025-02-28"),
        "12 months after 29 Feb 2024 is 28 Feb 2025"
    );
    let two = rs.iter().find(|r| r.kind == ContactKind::TwoYear).unwrap();
    assert_eq!(two.opens, d("2026-02-28"));
    assert_eq!(two.due, d("2026-08-29"));
    let nbv = rs.iter().find(|r| r.kind == ContactKind::NewBirth).unwrap();
    assert_eq!(nbv.due, d("2024-03-14"));
}

#[test]
fn corrected_age_moves_configured_reviews_for_premature_babies() {
    let mut c = child(6, "2026-01-01");
    c.gestation_weeks = Some(30);
    c.gestation_days = Some(0);
    // Default: no correction (national metrics use actual age).
    let plain = reviews(&c, &[], d("2026-06-01"), &cfg());
    assert_eq!(
        plain
            .iter()
            .find(|r| r.kind == ContactKind::TwelveMonth)
            .unwrap()
            .due,
        d("2027-01-01")
    );
    let mut corrected_cfg = cfg();
    corrected_cfg.prematurity.reviews = vec![ContactKind::TwelveMonth, ContactKind::TwoYear];
    let rs = reviews(&c, &[], d("2026-06-01"), &corrected_cfg);
    let twelve = rs
        .iter()
        .find(|r| r.kind == ContactKind::TwelveMonth)
        .unwrap();
    assert!(twelve.corrected);
    assert_eq!(
        twelve.due,
        d("2027-03-12"),
        "10 weeks (70 days) later: 12 months after 12 March"
    );
    let nbv = rs.iter().find(|r| r.kind == ContactKind::NewBirth).unwrap();
    assert!(!nbv.corrected, "the new birth visit stays at actual age");
    // A baby born at 37+0 is not corrected.
    c.gestation_weeks = Some(37);
    let term = reviews(&c, &[], d("2026-06-01"), &corrected_cfg);
    assert!(!term.iter().any(|r| r.corrected));
}

#[test]
fn twins_each_have_their_own_reviews() {
    let a = child(7, "2026-11-01");
    let mut b = child(8, "2026-11-01");
    b.family_id = a.family_id;
    let visit_a = contact(
        1,
        &a,
        ContactKind::NewBirth,
        "2026-11-12",
        Attendance::Attended,
    );
    let visit_b = ContactFacts {
        person_id: b.person_id,
        ..visit_a.clone()
    };
    let items = worklist(
        &[a.clone(), b.clone()],
        std::slice::from_ref(&visit_a),
        d("2026-11-16"),
        d("2026-11-16"),
        &cfg(),
    );
    let nbv: Vec<_> = items
        .iter()
        .filter(|i| i.kind == ContactKind::NewBirth)
        .collect();
    assert_eq!(nbv.len(), 1, "only twin B is still due");
    assert_eq!(nbv[0].person_id, b.person_id);
    let items = worklist(
        &[a, b],
        &[visit_a, visit_b],
        d("2026-11-16"),
        d("2026-11-16"),
        &cfg(),
    );
    assert!(items.iter().all(|i| i.kind != ContactKind::NewBirth));
}

#[test]
fn a_pregnancy_has_an_antenatal_review_and_keeps_it_after_the_birth() {
    let mut p = child(9, "2026-01-01");
    p.role = MemberRole::Unborn;
    p.date_of_birth = None;
    p.expected_delivery_date = Some(d("2027-02-01"));
    let rs = reviews(&p, &[], d("2026-11-22"), &cfg());
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].kind, ContactKind::Antenatal);
    assert_eq!(
        rs[0].opens,
        d("2026-11-09"),
        "28 weeks = EDD minus 12 weeks"
    );
    let items = worklist(
        std::slice::from_ref(&p),
        &[],
        d("2026-11-22"),
        d("2026-11-22"),
        &cfg(),
    );
    assert_eq!(items[0].category, Category::DueNow);
    // Not first-time parents and not requested: not offered.
    let mut second = p.clone();
    second.first_time_parents = false;
    assert_eq!(
        reviews(&second, &[], d("2026-11-22"), &cfg())[0].state,
        ReviewState::NotOffered
    );
    second.antenatal_requested = true;
    assert!(matches!(
        reviews(&second, &[], d("2026-11-22"), &cfg())[0].state,
        ReviewState::Open { .. }
    ));
    // The antenatal contact, then the birth: the same person, now a child.
    let visit = contact(
        2,
        &p,
        ContactKind::Antenatal,
        "2026-11-20",
        Attendance::Attended,
    );
    let mut born = p.clone();
    born.role = MemberRole::Child;
    born.date_of_birth = Some(d("2027-01-28"));
    let rs = reviews(&born, &[&visit], d("2027-02-03"), &cfg());
    assert!(
        matches!(rs[0].state, ReviewState::Done { .. }),
        "the antenatal review recorded against the pregnancy stays done"
    );
    assert_eq!(
        rs.iter()
            .find(|r| r.kind == ContactKind::NewBirth)
            .unwrap()
            .due,
        d("2027-02-11")
    );
}

#[test]
fn did_not_attend_and_no_access_keep_the_review_open_with_a_follow_up() {
    let c = child(10, "2026-09-01");
    for how in [
        Attendance::DidNotAttend,
        Attendance::NoAccess,
        Attendance::CancelledByFamily,
    ] {
        let failed = contact(3, &c, ContactKind::SixToEightWeek, "2026-10-20", how);
        let items = worklist(
            std::slice::from_ref(&c),
            std::slice::from_ref(&failed),
            d("2026-10-22"),
            d("2026-10-22"),
            &cfg(),
        );
        let i = item_for(&items, ContactKind::SixToEightWeek).unwrap();
        assert_eq!(i.category, Category::FollowUp, "{how:?}");
        assert!(
            i.reason.contains("Rebook") && i.reason.contains(&how.label().to_lowercase()),
            "{}",
            i.reason
        );
        // Attended later: done, no follow-up.
        let done = contact(
            4,
            &c,
            ContactKind::SixToEightWeek,
            "2026-10-25",
            Attendance::Attended,
        );
        let items = worklist(
            std::slice::from_ref(&c),
            &[failed, done],
            d("2026-10-26"),
            d("2026-10-26"),
            &cfg(),
        );
        assert!(item_for(&items, ContactKind::SixToEightWeek).is_none());
    }
}

#[test]
fn declined_closes_the_review_with_its_reason() {
    let c = child(11, "2026-09-01");
    let declined = contact(
        5,
        &c,
        ContactKind::SixToEightWeek,
        "2026-10-20",
        Attendance::Declined,
    );
    let rs = reviews(&c, &[&declined], d("2026-11-01"), &cfg());
    let r = rs
        .iter()
        .find(|r| r.kind == ContactKind::SixToEightWeek)
        .unwrap();
    assert_eq!(
        r.state,
        ReviewState::Declined {
            date: d("2026-10-20"),
            reason: "Family prefers GP".into()
        }
    );
    let items = worklist(
        std::slice::from_ref(&c),
        &[declined],
        d("2026-11-01"),
        d("2026-11-01"),
        &cfg(),
    );
    assert!(item_for(&items, ContactKind::SixToEightWeek).is_none());
}

#[test]
fn worklist_puts_the_most_urgent_first() {
    let late = child(12, "2026-09-01"); // 6-8 week overdue by many days on 2026-11-20
    let soon = child(13, "2026-11-15"); // NBV due by 29 Nov: due now from 25 Nov
    let newer = child(14, "2026-11-10"); // NBV due now on 2026-11-20
    let items = worklist(
        &[soon, newer, late],
        &[],
        d("2026-11-20"),
        d("2026-12-20"),
        &cfg(),
    );
    assert_eq!(items[0].category, Category::Overdue);
    let cats: Vec<Category> = items.iter().map(|i| i.category).collect();
    let mut sorted = cats.clone();
    sorted.sort();
    assert_eq!(cats, sorted);
}

#[test]
fn a_remote_review_stays_open_for_face_to_face_unless_a_reason_is_recorded() {
    let c = child(20, "2026-11-01");
    let mut by_video = contact(
        1,
        &c,
        ContactKind::NewBirth,
        "2026-11-12",
        Attendance::Attended,
    );
    by_video.mechanism = ConsultationMechanism::Video;
    let on = d("2026-11-13");
    let state = |contacts: &[&ContactFacts], cfg: &ScheduleConfig| {
        reviews(&c, contacts, on, cfg)
            .into_iter()
            .find(|r| r.kind == ContactKind::NewBirth)
            .unwrap()
            .state
    };
    // Recorded (it counts in the delivery measures), but still open with
    // a face-to-face follow-up on the worklist.
    assert_eq!(
        state(&[&by_video], &cfg()),
        ReviewState::Open {
            last_attempt: None,
            remote: Some((d("2026-11-12"), ConsultationMechanism::Video)),
        }
    );
    let items = worklist(
        std::slice::from_ref(&c),
        std::slice::from_ref(&by_video),
        on,
        on,
        &cfg(),
    );
    let i = item_for(&items, ContactKind::NewBirth).unwrap();
    assert_eq!(i.category, Category::FollowUp);
    assert!(
        i.reason.contains("face to face") && i.reason.contains("video"),
        "{}",
        i.reason
    );
    // The practitioner records why not: done.
    let mut explained = by_video.clone();
    explained.remote_reason_recorded = true;
    assert!(matches!(
        state(&[&explained], &cfg()),
        ReviewState::Done { .. }
    ));
    // A trust that allows remote new birth visits: done.
    let relaxed = ScheduleConfig {
        face_to_face_reviews: vec![ContactKind::Antenatal],
        ..cfg()
    };
    assert!(matches!(
        state(&[&by_video], &relaxed),
        ReviewState::Done { .. }
    ));
    // Seen face to face the next day: done, and the follow-up goes.
    let in_person = contact(
        2,
        &c,
        ContactKind::NewBirth,
        "2026-11-13",
        Attendance::Attended,
    );
    assert!(matches!(
        state(&[&by_video, &in_person], &cfg()),
        ReviewState::Done { .. }
    ));
    // A later DNA after the video call: the follow-up is to rebook.
    let dna = contact(
        3,
        &c,
        ContactKind::NewBirth,
        "2026-11-13",
        Attendance::DidNotAttend,
    );
    let items = worklist(
        std::slice::from_ref(&c),
        &[by_video.clone(), dna],
        on,
        on,
        &cfg(),
    );
    let i = item_for(&items, ContactKind::NewBirth).unwrap();
    assert!(i.reason.contains("Rebook"), "{}", i.reason);
}

#[test]
fn death_moving_away_and_transfer_in_end_reviews_from_the_date() {
    // Born 1 Sep 2025: 12-month review due by 1 Sep 2026, 2-year review
    // opens 1 Sep 2027.
    let mut c = child(30, "2025-09-01");
    let twelve = |c: &ChildFacts, on: &str| {
        reviews(c, &[], d(on), &cfg())
            .into_iter()
            .find(|r| r.kind == ContactKind::TwelveMonth)
            .unwrap()
            .state
    };
    c.moved_away_on = Some(d("2026-07-10"));
    // The day before the move: still open and on the worklist.
    assert!(matches!(twelve(&c, "2026-07-09"), ReviewState::Open { .. }));
    let ended = ReviewState::Ended {
        date: d("2026-07-10"),
        why: EndReason::MovedAway,
    };
    assert_eq!(twelve(&c, "2026-07-10"), ended);
    assert_eq!(twelve(&c, "2026-07-11"), ended);
    let items = worklist(
        std::slice::from_ref(&c),
        &[],
        d("2026-07-10"),
        d("2027-12-31"),
        &cfg(),
    );
    assert!(items.is_empty(), "{items:?}");
    // Died: the same, with its reason.
    c.moved_away_on = None;
    c.died_on = Some(d("2026-07-10"));
    assert_eq!(
        twelve(&c, "2026-07-10"),
        ReviewState::Ended {
            date: d("2026-07-10"),
            why: EndReason::Died
        }
    );
    // A review done before is still done.
    let done = contact(
        1,
        &c,
        ContactKind::TwelveMonth,
        "2026-06-30",
        Attendance::Attended,
    );
    assert!(matches!(
        reviews(&c, &[&done], d("2026-08-01"), &cfg())
            .into_iter()
            .find(|r| r.kind == ContactKind::TwelveMonth)
            .unwrap()
            .state,
        ReviewState::Done { .. }
    ));
    // Transferred in on 1 Sep 2026, the 12-month review's due date: the
    // reviews due before it were another service's; the 12-month review,
    // due on the day, is ours.
    c.died_on = None;
    c.transferred_in_on = Some(d("2026-09-01"));
    let all = reviews(&c, &[], d("2026-09-02"), &cfg());
    let state_of = |k| all.iter().find(|r| r.kind == k).unwrap().state.clone();
    assert_eq!(
        state_of(ContactKind::SixToEightWeek),
        ReviewState::Ended {
            date: d("2026-09-01"),
            why: EndReason::DueBeforeTransferIn
        }
    );
    assert!(matches!(
        state_of(ContactKind::TwelveMonth),
        ReviewState::Open { .. }
    ));
    c.transferred_in_on = Some(d("2026-09-02"));
    assert!(matches!(
        reviews(&c, &[], d("2026-09-02"), &cfg())
            .into_iter()
            .find(|r| r.kind == ContactKind::TwelveMonth)
            .unwrap()
            .state,
        ReviewState::Ended { .. }
    ));
}
