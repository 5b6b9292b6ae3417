//! Quarterly health-visiting metrics over a hand-built cohort for 2026/27 Q2
//! (1 July – 30 September 2026), with every numerator and denominator worked
//! out here, and the financial-year quarter rules.

use chrono::{Months, NaiveDate};
use doorstep_domain::clinical::delivery::{DeliveredBy, DeliveredHow, DeliveredWhere};
use doorstep_domain::clinical::growth::Measure;
use doorstep_domain::clinical::kpi::{
    contact_window, kpis, BirthWindow, KpiConfig, KpiReport, Quarter, Ratio,
};
use doorstep_domain::clinical::schedule::{AsqFacts, ChildFacts, ContactFacts, MeasurementFacts};
use doorstep_domain::forms::{AsqCutoffs, AsqDomainValues};
use doorstep_domain::values::codes::{
    Attendance, ConsultationMechanism, ContactKind, FeedingStatus, LocationType, MemberRole,
    PractitionerRole,
};
use uuid::Uuid;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn person(n: u128, role: MemberRole, dob: Option<&str>, stated: bool) -> ChildFacts {
    ChildFacts {
        person_id: id(n),
        family_id: id(1000 + n),
        name: format!("Child {n}"),
        role,
        date_of_birth: dob.map(d),
        expected_delivery_date: None,
        gestation_weeks: None,
        gestation_days: None,
        first_time_parents: false,
        antenatal_requested: false,
        ethnic_category_stated: stated,
        practitioner: None,
        died_on: None,
        moved_away_on: None,
        transferred_in_on: None,
    }
}

fn child(n: u128, dob: &str, stated: bool) -> ChildFacts {
    person(n, MemberRole::Child, Some(dob), stated)
}

/// One contact row (contact `c` about person `p`).
fn contact(
    c: u128,
    p: u128,
    kind: ContactKind,
    date: &str,
    attendance: Attendance,
) -> ContactFacts {
    ContactFacts {
        contact_id: id(10_000 + c),
        person_id: id(p),
        kind,
        date: d(date),
        attendance,
        mechanism: ConsultationMechanism::FaceToFace,
        location: LocationType::PatientsHome,
        role: PractitionerRole::HealthVisitor,
        remote_reason_recorded: false,
        declined_reason: None,
        feeding: None,
        asq3: None,
    }
}

/// An ASQ-3 result: the questionnaire and the five domain scores in the
/// order communication, gross motor, fine motor, problem solving,
/// personal-social.
fn asq(interval: Option<u8>, s: [f64; 5]) -> AsqFacts {
    AsqFacts {
        interval,
        scores: AsqDomainValues {
            communication: s[0],
            gross_motor: s[1],
            fine_motor: s[2],
            problem_solving: s[3],
            personal_social: s[4],
        },
    }
}

fn seen(c: u128, p: u128, kind: ContactKind, date: &str) -> ContactFacts {
    contact(c, p, kind, date, Attendance::Attended)
}

fn measured(c: u128, p: u128, measure: Measure) -> MeasurementFacts {
    MeasurementFacts {
        contact_id: id(10_000 + c),
        person_id: id(p),
        measure,
    }
}

// People. Letters in the comments; numbers are their ids.
const A: u128 = 1; // born 2026-06-01: turns 30 days on 1 Jul (first day)
const B: u128 = 2; // born 2026-05-31: turns 30 days on 30 Jun (outside)
const C: u128 = 3; // born 2026-08-31: turns 30 days on 30 Sep (last day)
const D: u128 = 4; // born 2026-09-01: turns 30 days on 1 Oct (outside)
const E: u128 = 5; // born 2026-07-10: telephone NBV
const T1: u128 = 6; // twins born 2026-07-20
const T2: u128 = 7;
const F: u128 = 8; // born 2026-08-01: NBV DNA, then seen at 20 days
const G: u128 = 9; // born 2026-08-10: no NBV (no access, cancelled)
const H: u128 = 10; // born 2026-08-20: NBV after the quarter ends
const I: u128 = 11; // born 2025-07-15: 12-month review exactly at 12 months
const J: u128 = 12; // born 2025-08-10: 12-month review a day late
const K: u128 = 13; // born 2025-09-30: turns 12 months on 30 Sep, no review
const L: u128 = 14; // born 2025-06-30: turns 12 months 30 Jun (outside), 15 months 30 Sep
const M: u128 = 15; // born 2025-05-10: review a day after 12 months, turns 15 months 10 Aug
const N: u128 = 16; // born 2025-04-20: review a day after 15 months
const O: u128 = 17; // born 2025-06-01: review at 9 months
const P: u128 = 18; // born 2024-02-29 (leap day)
const Q: u128 = 19; // born 2024-01-15: 2-year review in June, no ASQ-3
const R: u128 = 20; // born 2024-03-10: 2-year review a day late
const S: u128 = 21; // born 2024-02-05: 2-year review with ASQ-3
const U: u128 = 22; // born 2023-12-31: turns 30 months 30 Jun (outside)
const W: u128 = 23; // born 2021-09-30: turns five on 30 Sep (not under five)
const X: u128 = 24; // born 2021-10-01: under five at quarter end
const Y: u128 = 25; // born 2026-10-05: after the quarter
const Z: u128 = 26; // role Unborn, with a date of birth set: ignored
const Z2: u128 = 27; // a pregnancy with antenatal contacts

fn cohort() -> (Vec<ChildFacts>, Vec<ContactFacts>, Vec<MeasurementFacts>) {
    use Attendance::*;
    use ContactKind::*;
    let children = vec![
        child(A, "2026-06-01", true),
        child(B, "2026-05-31", true),
        child(C, "2026-08-31", true),
        child(D, "2026-09-01", true),
        child(E, "2026-07-10", false),
        child(T1, "2026-07-20", true),
        child(T2, "2026-07-20", true),
        child(F, "2026-08-01", true),
        child(G, "2026-08-10", false),
        child(H, "2026-08-20", true),
        child(I, "2025-07-15", true),
        child(J, "2025-08-10", true),
        child(K, "2025-09-30", false),
        child(L, "2025-06-30", true),
        child(M, "2025-05-10", true),
        child(N, "2025-04-20", false),
        child(O, "2025-06-01", true),
        child(P, "2024-02-29", true),
        child(Q, "2024-01-15", true),
        child(R, "2024-03-10", true),
        child(S, "2024-02-05", true),
        child(U, "2023-12-31", true),
        child(W, "2021-09-30", true),
        child(X, "2021-10-01", false),
        child(Y, "2026-10-05", true),
        person(Z, MemberRole::Unborn, Some("2026-07-05"), true),
        person(Z2, MemberRole::Unborn, None, false),
    ];

    let mut telephone = seen(5, E, NewBirth, "2026-07-22"); // day 12, by phone
    telephone.mechanism = ConsultationMechanism::Telephone;
    let mut p_review = seen(40, P, TwoYear, "2026-08-29");
    p_review.asq3 = Some(asq(Some(30), [60.0, 60.0, 60.0, 60.0, 60.0]));
    let mut r_review = seen(42, R, TwoYear, "2026-09-11");
    r_review.asq3 = Some(asq(Some(30), [60.0; 5])); // ASQ-3, but the review is late
    let mut s_review = seen(43, S, TwoYear, "2026-07-20");
    s_review.asq3 = Some(asq(Some(30), [33.30, 36.0, 60.0, 60.0, 60.0]));

    let contacts = vec![
        // New birth visits.
        seen(1, A, NewBirth, "2026-06-15"), // outside the cohort (born 1 Jun)
        seen(2, B, NewBirth, "2026-06-10"), // outside the cohort
        seen(3, C, NewBirth, "2026-09-15"), // day 15: C3
        seen(4, D, NewBirth, "2026-09-11"), // day 10: C2
        telephone,                          // not face to face: neither
        seen(6, T1, NewBirth, "2026-08-01"), // twins: one contact, two rows,
        seen(6, T2, NewBirth, "2026-08-01"), // day 12: C2 twice
        contact(7, F, NewBirth, "2026-08-13", DidNotAttend),
        seen(8, F, NewBirth, "2026-08-21"), // day 20: C3
        contact(9, G, NewBirth, "2026-08-22", NoAccess),
        contact(10, G, NewBirth, "2026-08-24", CancelledByService),
        seen(11, H, NewBirth, "2026-10-05"), // day 46, after the quarter: neither
        seen(12, Z, NewBirth, "2026-07-17"), // unborn row: ignored
        // 6–8 week reviews.
        seen(20, A, SixToEightWeek, "2026-07-27"), // day 56: counts
        seen(21, B, SixToEightWeek, "2026-07-27"), // day 57: does not
        seen(22, T1, SixToEightWeek, "2026-09-08"), // day 50, twins
        seen(22, T2, SixToEightWeek, "2026-09-08"),
        contact(23, E, SixToEightWeek, "2026-09-01", DidNotAttend),
        // 12-month reviews.
        seen(30, I, TwelveMonth, "2026-07-15"), // exactly 12 months
        seen(31, J, TwelveMonth, "2026-08-11"), // 12 months and a day
        contact(32, K, TwelveMonth, "2026-09-10", CancelledByService),
        contact(33, K, TwelveMonth, "2026-09-20", DidNotAttend),
        seen(34, L, TwelveMonth, "2026-06-20"), // before 12 months
        seen(35, M, TwelveMonth, "2026-05-11"), // 12 months and a day
        seen(36, N, TwelveMonth, "2026-07-21"), // 15 months and a day
        seen(37, O, TwelveMonth, "2026-03-05"), // 9 months, earlier quarter
        // 2–2½ year reviews.
        p_review,                           // 29 Aug 2026 = 30 months, ASQ-3
        seen(41, Q, TwoYear, "2026-06-01"), // earlier quarter, no ASQ-3
        contact(44, R, TwoYear, "2026-09-01", DidNotAttend),
        r_review,                           // 11 Sep: 30 months and a day
        s_review,                           // 20 Jul, ASQ-3
        seen(45, U, TwoYear, "2026-07-02"), // in the quarter, U not in the cohort
        // Antenatal.
        contact(50, Z2, Antenatal, "2026-08-10", DidNotAttend),
        seen(51, Z2, Antenatal, "2026-08-20"),
    ];

    let measurements = vec![
        measured(40, P, Measure::Weight),
        measured(40, P, Measure::Height),
        measured(42, R, Measure::Weight), // weight only
        measured(43, S, Measure::Weight),
        measured(43, S, Measure::Height),
        measured(41, Q, Measure::Weight), // Q's review was in June
        measured(41, Q, Measure::Height),
    ];
    (children, contacts, measurements)
}

fn report() -> KpiReport {
    let (children, contacts, measurements) = cohort();
    kpis(
        &Quarter::parse("2026Q2").unwrap(),
        &children,
        &contacts,
        &measurements,
        &KpiConfig::default(),
        &AsqCutoffs::default(),
    )
}

fn ratio(r: &KpiReport, code: &str) -> (u32, u32) {
    let m = r
        .metrics
        .iter()
        .find(|m| m.code == code)
        .unwrap_or_else(|| panic!("no {code}"));
    (m.ratio.numerator, m.ratio.denominator)
}

fn percent_of(r: &KpiReport, code: &str) -> Option<f64> {
    r.metrics
        .iter()
        .find(|m| m.code == code)
        .unwrap_or_else(|| panic!("no {code}"))
        .ratio
        .percent
}

fn pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}")).unwrap_or_default()
}

#[test]
fn leap_day_and_month_ends_follow_chrono() {
    // 29 Feb 2024 + 30 calendar months is 29 Aug 2026 (August has a 29th);
    // + 12 months is 28 Feb 2025 (clamped).
    let leap = d("2024-02-29");
    assert_eq!(
        leap.checked_add_months(Months::new(30)),
        Some(d("2026-08-29"))
    );
    assert_eq!(
        leap.checked_add_months(Months::new(12)),
        Some(d("2025-02-28"))
    );
    assert_eq!(
        leap.checked_add_months(Months::new(15)),
        Some(d("2025-05-29"))
    );
    // K turns 12 months on the last day of the quarter.
    assert_eq!(
        d("2025-09-30").checked_add_months(Months::new(12)),
        Some(d("2026-09-30"))
    );
}

#[test]
fn metrics_in_order() {
    let r = report();
    let codes: Vec<_> = r.metrics.iter().map(|m| m.code).collect();
    assert_eq!(
        codes,
        [
            "C1", "C2", "C3", "C8i", "C8ii", "C4", "C5", "C6i", "C6ii", "C6iii", "C6iv", "C6v",
            "C6vi", "C6vii", "C6viii", "ETH", "BMI2", "FEED1", "FEED2"
        ]
    );
    let dna: Vec<_> = r.dna.iter().map(|d| d.review).collect();
    assert_eq!(dna, ContactKind::REVIEWS);
    assert_eq!(r.quarter, Quarter { year: 2026, q: 2 });
}

#[test]
fn new_birth_visits_c2_c3() {
    let r = report();
    // Cohort: born 2 Jun – 1 Sep 2026 (LG Inform's window for Q2, "turned
    // 30 days in the quarter"): C (31 Aug), D (1 Sep), E, T1, T2, F, G,
    // H = 8. Not A (1 Jun) or B (31 May), Y (born later) or Z (an unborn
    // row, whatever its date of birth).
    // C2: D (day 10), T1 and T2 (twins, day 12) = 3.
    assert_eq!(ratio(&r, "C2"), (3, 8));
    // C3: C (day 15) and F (DNA on day 12, seen on day 20) = 2. Not E (by
    // telephone), G (never seen) or H (first seen 5 Oct, after the quarter).
    assert_eq!(ratio(&r, "C3"), (2, 8));
    assert_eq!(pct(percent_of(&r, "C2")), "37.5");
    assert_eq!(pct(percent_of(&r, "C3")), "25.0");
}

#[test]
fn six_to_eight_week_c8i() {
    let r = report();
    // Cohort: born 6 May – 5 Aug 2026 (turned 56 days in the quarter):
    // A, B, E, T1, T2, F = 6. (C, D, G, H are too young.)
    // Reviewed by 56 days: A (day 56), T1, T2 (day 50) = 3. B was reviewed
    // on day 57; E did not attend; F has no review.
    assert_eq!(ratio(&r, "C8i"), (3, 6));
}

#[test]
fn twelve_month_c4_c5() {
    let r = report();
    // C4 cohort: born 1 Jul – 30 Sep 2025: I, J, K = 3 (L turned 12
    // months on 30 Jun). Reviewed by 12 months: I (exactly) = 1; J was a
    // day late; K's only contacts were cancelled and DNA.
    assert_eq!(ratio(&r, "C4"), (1, 3));
    assert_eq!(pct(percent_of(&r, "C4")), "33.3");
    // C5 cohort: born 1 Apr – 30 Jun 2025: L, M, N, O = 4. Reviewed by 15
    // months: L (before 12 months, previous quarter), M (a day after 12
    // months — not C4-compliant, but C5), O (at 9 months) = 3. N was a day
    // after 15 months.
    assert_eq!(ratio(&r, "C5"), (3, 4));
}

#[test]
fn two_year_c6i_c6ii() {
    let r = report();
    // C6i cohort: born 1 Jan – 31 Mar 2024: P (leap day, 30 months on 29
    // Aug 2026), Q, R, S = 4 (U turned 30 months on 30 Jun).
    // Reviewed by 30 months: P (on the day), Q (in June), S = 3. R did not
    // attend on 1 Sep and was seen on 11 Sep, a day late.
    assert_eq!(ratio(&r, "C6i"), (3, 4));
    // C6ii: of P, Q, S, ASQ-3 was used for P and S = 2 of 3 (R's ASQ-3 does
    // not count: R is not in the C6i numerator).
    assert_eq!(ratio(&r, "C6ii"), (2, 3));
    assert_eq!(pct(percent_of(&r, "C6ii")), "66.7");
}

#[test]
fn ethnic_category_completeness() {
    let r = report();
    // Children under five at 30 Sep 2026 (born 1 Oct 2021 – 30 Sep 2026):
    // A–H with the twins (10), I–O (7), P, Q, R, S, U (5), X = 23. Not W
    // (five on 30 Sep), Y (born after) or the unborn rows Z and Z2.
    // Not stated: E, G, K, N, X = 5, so 18 stated.
    assert_eq!(ratio(&r, "ETH"), (18, 23));
    assert_eq!(pct(percent_of(&r, "ETH")), "78.3");
}

#[test]
fn bmi_completeness_at_two_year_review() {
    let r = report();
    // 2–2½ year reviews seen in the quarter: P (29 Aug), R (11 Sep), S (20
    // Jul), U (2 Jul) = 4; Q's was in June and R's DNA was not seen.
    // Weight and height at the same contact: P and S = 2 (R: weight only,
    // U: nothing).
    assert_eq!(ratio(&r, "BMI2"), (2, 4));
}

#[test]
fn did_not_attend_rates() {
    let r = report();
    let got: Vec<_> = r
        .dna
        .iter()
        .map(|d| (d.review, d.did_not_attend, d.booked, pct(d.percent)))
        .collect();
    use ContactKind::*;
    assert_eq!(
        got,
        [
            // Z2: DNA 10 Aug, seen 20 Aug.
            (Antenatal, 1, 2, "50.0".to_string()),
            // In the quarter: C, D, E, T1, T2 (two rows), F DNA, F seen, G no
            // access = 8 booked (G's cancelled-by-service visit is not
            // booked; Z's row is an unborn's); DNA + no access = 2.
            (NewBirth, 2, 8, "25.0".to_string()),
            // A, B, T1, T2 seen; E DNA = 5; 1.
            (SixToEightWeek, 1, 5, "20.0".to_string()),
            // I, J, N seen; K DNA (K's cancelled-by-service excluded) = 4; 1.
            (TwelveMonth, 1, 4, "25.0".to_string()),
            // P, R, S, U seen; R DNA = 5; 1.
            (TwoYear, 1, 5, "20.0".to_string()),
        ]
    );
}

#[test]
fn nbv_deadline_is_configurable() {
    let (children, contacts, measurements) = cohort();
    let cfg = KpiConfig {
        nbv_within_days: 15,
        ..KpiConfig::default()
    };
    let r = kpis(
        &Quarter::parse("2026Q2").unwrap(),
        &children,
        &contacts,
        &measurements,
        &cfg,
        &AsqCutoffs::default(),
    );
    // C's day-15 visit moves from C3 to C2.
    assert_eq!(ratio(&r, "C2"), (4, 8));
    assert_eq!(ratio(&r, "C3"), (1, 8));
}

#[test]
fn empty_input_has_no_percentages() {
    let r = kpis(
        &Quarter { year: 2026, q: 1 },
        &[],
        &[],
        &[],
        &KpiConfig::default(),
        &AsqCutoffs::default(),
    );
    assert!(r.metrics.iter().all(|m| m.ratio
        == Ratio {
            numerator: 0,
            denominator: 0,
            percent: None
        }));
    assert!(r.dna.iter().all(|d| d.booked == 0 && d.percent.is_none()));
    assert!(r
        .to_csv()
        .contains("\nC2,Face-to-face new birth visit within 14 days,0,0,\n"));
}

#[test]
fn csv_and_table() {
    let r = report();
    let csv = r.to_csv();
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines[0], "code,title,numerator,denominator,percent");
    assert_eq!(
        lines[1],
        "C1,First face-to-face antenatal contact with a health visitor at or after 28 weeks,0,,"
    );
    assert_eq!(
        lines[2],
        "C2,Face-to-face new birth visit within 14 days,3,8,37.5"
    );
    assert!(
        lines.contains(&"DNA-new-birth,New birth visit did-not-attend rate,2,8,25.0"),
        "{csv}"
    );
    // The header, 19 metrics, 14 delivery groups for each of the 5
    // reviews, the default target and 5 DNA rates.
    assert_eq!(lines.len(), 1 + 19 + 5 * 14 + 1 + 5);
    assert!(
        lines.contains(&"DEL-antenatal-by-health-visitor,Antenatal review delivered by Health visitor (SCPHN),1,1,100.0"),
        "{csv}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("DEL-antenatal-by-staff-nurse,")));
    let table = r.to_table();
    // The table leaves out the delivery groups no review went through.
    assert!(table.contains("DEL-antenatal-by-health-visitor"), "{table}");
    assert!(!table.contains("DEL-antenatal-by-staff-nurse"), "{table}");
    assert!(
        table.starts_with("Health-visiting metrics, 2026/27 Q2 (1 Jul – 30 Sep 2026)\n"),
        "{table}"
    );
    assert!(table.contains("C6ii"));
    assert!(table.contains("37.5"));
}

#[test]
fn quarter_parse() {
    for s in [
        "2026Q3",
        "2026q3",
        "2026/27Q3",
        "2026-27 Q3",
        " 2026 Q3 ",
        "2026/2027Q3",
    ] {
        assert_eq!(Quarter::parse(s), Ok(Quarter { year: 2026, q: 3 }), "{s}");
    }
    assert_eq!(
        Quarter::parse("2099/00Q1"),
        Ok(Quarter { year: 2099, q: 1 })
    );
    for s in [
        "",
        "2026",
        "2026Q",
        "2026Q0",
        "2026Q5",
        "Q3",
        "26Q3",
        "2026/28Q3",
        "2026-2Q3",
        "2026Q3x",
        "abcdQ1",
        "2026QQ3",
    ] {
        assert_eq!(
            Quarter::parse(s),
            Err("must be a financial-year quarter like 2026Q3 (Q1 = April–June)".to_string()),
            "{s}"
        );
    }
    assert_eq!(
        "2026Q4".parse::<Quarter>(),
        Ok(Quarter { year: 2026, q: 4 })
    );
}

#[test]
fn quarter_dates_and_labels() {
    let q = |n: u8| Quarter { year: 2026, q: n };
    assert_eq!(
        (q(1).start(), q(1).end()),
        (d("2026-04-01"), d("2026-06-30"))
    );
    assert_eq!(
        (q(2).start(), q(2).end()),
        (d("2026-07-01"), d("2026-09-30"))
    );
    assert_eq!(
        (q(3).start(), q(3).end()),
        (d("2026-10-01"), d("2026-12-31"))
    );
    // Q4 is January–March of the next calendar year.
    assert_eq!(
        (q(4).start(), q(4).end()),
        (d("2027-01-01"), d("2027-03-31"))
    );
    assert_eq!(q(3).label(), "2026/27 Q3 (1 Oct – 31 Dec 2026)");
    assert_eq!(q(4).label(), "2026/27 Q4 (1 Jan – 31 Mar 2027)");
    assert_eq!(q(1).label(), "2026/27 Q1 (1 Apr – 30 Jun 2026)");
    assert!(q(2).contains(d("2026-09-30")) && !q(2).contains(d("2026-10-01")));
    assert_eq!(q(3).code(), "2026Q3");
}

#[test]
fn contact_window_of_a_quarter() {
    // 2026Q2 starts 1 July 2026; the oldest cohort (30 months) was born
    // from 1 January 2024; a week's margin before that.
    let q = Quarter::parse("2026Q2").unwrap();
    assert_eq!(
        contact_window(&q, &KpiConfig::default()),
        (d("2023-12-25"), d("2026-09-30"))
    );
    // A longer configured age moves the first day back.
    let cfg = KpiConfig {
        two_half_by_months: 36,
        ..KpiConfig::default()
    };
    assert_eq!(contact_window(&q, &cfg).0, d("2023-06-24"));
}

/// A generated caseload: a child born every third day over six and a half
/// years, each with review contacts of every outcome spread around the
/// review ages, so some fall on every side of every deadline, and one more
/// review at any age and one in the first weeks.
fn generated() -> (Vec<ChildFacts>, Vec<ContactFacts>) {
    use Attendance::*;
    use ContactKind::*;
    let mut seed: u64 = 42;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let outcomes = [
        Attended,
        Attended,
        Attended,
        DidNotAttend,
        NoAccess,
        CancelledByService,
        CancelledByFamily,
    ];
    let (mut children, mut contacts) = (Vec::new(), Vec::new());
    let mut dob = d("2020-01-01");
    let mut n = 0u128;
    while dob <= d("2026-09-30") {
        n += 1;
        let mut c = child(n, &dob.to_string(), next(2) == 0);
        c.expected_delivery_date = Some(dob + chrono::Duration::days(next(40) as i64 - 20));
        children.push(c);
        for (kind, age_days) in [
            (Antenatal, -40),
            (NewBirth, 12),
            (SixToEightWeek, 52),
            (TwelveMonth, 360),
            (TwelveMonth, 440),
            (TwoYear, 880),
        ] {
            for _ in 0..next(3) {
                let date = dob + chrono::Duration::days(age_days + next(30) as i64 - 10);
                let mut c = contact(
                    contacts.len() as u128,
                    n,
                    kind,
                    &date.to_string(),
                    outcomes[next(outcomes.len() as u64) as usize],
                );
                if next(5) == 0 {
                    c.mechanism = ConsultationMechanism::Video;
                }
                if next(2) == 0 {
                    c.asq3 = Some(asq(Some(27), [next(60) as f64; 5]));
                }
                c.feeding = [
                    None,
                    Some(FeedingStatus::TotallyBreastfed),
                    Some(FeedingStatus::NotBreastfed),
                ][next(3) as usize];
                contacts.push(c);
            }
        }
        // And one of any review kind at any age, one in the first weeks (a
        // review recorded early still counts): the window's first day matters.
        for age in [next(1000) as i64 - 20, next(40) as i64] {
            let kind = ContactKind::REVIEWS[next(5) as usize];
            let date = dob + chrono::Duration::days(age);
            contacts.push(seen(contacts.len() as u128, n, kind, &date.to_string()));
        }
        dob += chrono::Duration::days(3);
    }
    (children, contacts)
}

#[test]
fn contacts_outside_the_window_change_nothing() {
    let (children, contacts) = generated();
    let stretched = KpiConfig {
        nbv_within_days: 20,
        nbv_birth_windows: [
            BirthWindow::new((2, 1), (5, 31)),
            BirthWindow::new((5, 1), (8, 31)),
            BirthWindow::new((8, 1), (11, 30)),
            BirthWindow::new((11, 1), (2, 28)),
        ],
        six_eight_by_days: 70,
        twelve_by_months: 13,
        fifteen_by_months: 18,
        two_half_by_months: 36,
        ..KpiConfig::default()
    };
    for cfg in [KpiConfig::default(), stretched] {
        for quarter in ["2022Q4", "2024Q1", "2025Q3", "2026Q2"] {
            let q = Quarter::parse(quarter).unwrap();
            let (first, last) = contact_window(&q, &cfg);
            let inside: Vec<ContactFacts> = contacts
                .iter()
                .filter(|c| first <= c.date && c.date <= last)
                .cloned()
                .collect();
            assert!(inside.len() < contacts.len(), "the window leaves some out");
            let all = kpis(&q, &children, &contacts, &[], &cfg, &AsqCutoffs::default());
            assert!(all
                .metrics
                .iter()
                .all(|m| m.ratio.denominator > 0 || (m.count_only && m.ratio.numerator > 0)));
            assert_eq!(
                all,
                kpis(&q, &children, &inside, &[], &cfg, &AsqCutoffs::default()),
                "{quarter}"
            );
        }
    }
}

#[test]
fn new_birth_cohorts_are_lg_informs_birth_windows() {
    let cfg = KpiConfig::default();
    let window = |q: &str| cfg.nbv_cohort(&Quarter::parse(q).unwrap());
    assert_eq!(window("2026Q1"), (d("2026-03-02"), d("2026-06-01")));
    assert_eq!(window("2026Q2"), (d("2026-06-02"), d("2026-09-01")));
    assert_eq!(window("2026Q3"), (d("2026-09-02"), d("2026-12-02")));
    // Q4 runs January to March: its window starts the December before.
    assert_eq!(window("2026Q4"), (d("2026-12-03"), d("2027-03-01")));
    assert_eq!(window("2027Q4"), (d("2027-12-03"), d("2028-03-01")));
    // The day before, the first day, the last day and the day after.
    let children: Vec<ChildFacts> = ["2026-09-01", "2026-09-02", "2026-12-02", "2026-12-03"]
        .iter()
        .enumerate()
        .map(|(i, dob)| child(100 + i as u128, dob, true))
        .collect();
    let r = kpis(
        &Quarter::parse("2026Q3").unwrap(),
        &children,
        &[],
        &[],
        &cfg,
        &AsqCutoffs::default(),
    );
    assert_eq!(ratio(&r, "C2"), (0, 2));
    // A trust may set its own windows; a day that is not one is refused
    // in the words of the configuration.
    let own: KpiConfig = serde_json::from_str(
        r#"{"nbv_birth_windows": [
            {"from": "03-01", "to": "05-31"}, {"from": "06-01", "to": "08-31"},
            {"from": "09-01", "to": "11-30"}, {"from": "12-01", "to": "02-29"}]}"#,
    )
    .unwrap();
    // 29 February in a year without one is the 28th.
    assert_eq!(
        own.nbv_cohort(&Quarter::parse("2026Q4").unwrap()),
        (d("2026-12-01"), d("2027-02-28"))
    );
    let bad = serde_json::from_str::<KpiConfig>(
        r#"{"nbv_birth_windows": [
            {"from": "13-01", "to": "05-31"}, {"from": "06-01", "to": "08-31"},
            {"from": "09-01", "to": "11-30"}, {"from": "12-01", "to": "02-28"}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("\"13-01\" is not a day of the year"), "{bad}");
}

/// A second small caseload for 2026/27 Q2: children who died or moved
/// away, feeding status, pregnancies for C1, and how reviews were
/// delivered.
#[test]
fn exclusions_c1_feeding_and_delivery() {
    use Attendance::*;
    use ContactKind::*;
    let q = Quarter::parse("2026Q2").unwrap();
    let mut children = vec![];
    // C4 cohort (turn 12 months 1–4 Aug 2026).
    let mut k1 = child(1, "2025-08-01", true); // died before the review: out
    k1.died_on = Some(d("2026-03-01"));
    let mut k2 = child(2, "2025-08-02", true); // reviewed, then moved away: out
    k2.moved_away_on = Some(d("2026-09-30"));
    let mut k3 = child(3, "2025-08-03", true); // moves after the quarter: in, not reviewed
    k3.moved_away_on = Some(d("2026-10-01"));
    let mut k4 = child(4, "2025-08-04", false); // reviewed, then died: in the numerator
    k4.died_on = Some(d("2026-09-01"));
    children.extend([k1, k2, k3, k4]);
    // New-birth and 6–8 week cohorts.
    children.extend([
        child(5, "2026-06-10", true),
        child(6, "2026-06-11", true),
        child(7, "2026-06-12", true),
    ]);
    // Pregnancies.
    let pregnancy = |n: u128, family: u128, edd: &str| {
        let mut p = person(n, MemberRole::Unborn, None, false);
        p.family_id = id(family);
        p.expected_delivery_date = Some(d(edd));
        p
    };
    children.extend([
        pregnancy(11, 11, "2026-10-01"), // 28 weeks on 9 Jul
        pregnancy(12, 12, "2026-09-01"), // 28 weeks on 9 Jun
        pregnancy(13, 13, "2026-12-01"), // 28 weeks on 8 Sep
        pregnancy(14, 14, "2026-11-01"), // twins, one family and EDD
        pregnancy(15, 14, "2026-11-01"),
        pregnancy(16, 16, "2026-11-20"), // 28 weeks on 28 Aug
    ]);
    let with = |mut c: ContactFacts, f: &dyn Fn(&mut ContactFacts)| {
        f(&mut c);
        c
    };
    let contacts = vec![
        seen(1, 2, TwelveMonth, "2026-07-30"),
        seen(2, 4, TwelveMonth, "2026-07-25"),
        with(seen(3, 5, NewBirth, "2026-06-20"), &|c| {
            c.feeding = Some(FeedingStatus::TotallyBreastfed)
        }),
        with(seen(4, 5, SixToEightWeek, "2026-08-01"), &|c| {
            c.feeding = Some(FeedingStatus::PartiallyBreastfed)
        }),
        with(seen(5, 6, SixToEightWeek, "2026-08-02"), &|c| {
            c.feeding = Some(FeedingStatus::NotBreastfed)
        }),
        seen(6, 7, SixToEightWeek, "2026-08-03"),
        // Antenatal.
        seen(10, 11, Antenatal, "2026-07-20"), // first, at 29+4: C1
        seen(11, 12, Antenatal, "2026-06-01"), // first was before 28 weeks
        seen(12, 12, Antenatal, "2026-07-05"),
        with(seen(13, 13, Antenatal, "2026-09-10"), &|c| {
            c.mechanism = ConsultationMechanism::Telephone
        }),
        seen(14, 14, Antenatal, "2026-08-15"), // twins: one pregnancy
        seen(14, 15, Antenatal, "2026-08-15"),
        with(seen(15, 16, Antenatal, "2026-09-01"), &|c| {
            c.role = PractitionerRole::NurseryNurse;
            c.location = LocationType::HealthCentre;
        }),
        contact(16, 16, Antenatal, "2026-08-20", DidNotAttend),
    ];
    let r = kpis(
        &q,
        &children,
        &contacts,
        &[],
        &KpiConfig::default(),
        &AsqCutoffs::default(),
    );
    // C4: k3 (not reviewed) and k4 (reviewed, died later) = 1 of 2.
    assert_eq!(ratio(&r, "C4"), (1, 2));
    // Under five on 30 Sep and on the caseload: k3 and the three babies.
    assert_eq!(ratio(&r, "ETH"), (4, 4));
    // C2: child 5 seen on day 10 of the three born 10–12 Jun.
    assert_eq!(ratio(&r, "C2"), (1, 3));
    assert_eq!(ratio(&r, "FEED1"), (1, 1));
    // 6–8 weeks: all three by 56 days; status recorded for two, one of
    // them with breast milk.
    assert_eq!(ratio(&r, "C8i"), (3, 3));
    assert_eq!(ratio(&r, "FEED2"), (2, 3));
    assert_eq!(ratio(&r, "C8ii"), (1, 2));
    // C1: pregnancy 11 and the twins' pregnancy = 2, a count.
    let c1 = r.metrics.iter().find(|m| m.code == "C1").unwrap();
    assert!(c1.count_only);
    assert_eq!(c1.ratio.numerator, 2);
    assert_eq!(c1.ratio.percent, None);
    // Antenatal reviews delivered in the quarter: 11, 12 (5 Jul), 13, the
    // twins' once, 16 = 5.
    let ante = &r.delivery[0];
    assert_eq!(ante.review, Antenatal);
    assert_eq!(ante.delivered, 5);
    fn count_of<G: PartialEq>(v: &[(G, u32)], g: G) -> u32 {
        v.iter().find(|(k, _)| *k == g).unwrap().1
    }
    assert_eq!(count_of(&ante.by, DeliveredBy::HealthVisitor), 4);
    assert_eq!(count_of(&ante.by, DeliveredBy::NurseryNurse), 1);
    assert_eq!(count_of(&ante.at, DeliveredWhere::Home), 4);
    assert_eq!(count_of(&ante.at, DeliveredWhere::Clinic), 1);
    assert_eq!(count_of(&ante.how, DeliveredHow::FaceToFace), 4);
    assert_eq!(count_of(&ante.how, DeliveredHow::Telephone), 1);
    // The default target: 98% of antenatal reviews by a health visitor at
    // home; 4 of 5 is 80%, not met.
    let t = &r.targets[0];
    assert_eq!((t.ratio.numerator, t.ratio.denominator), (4, 5));
    assert_eq!(t.met, Some(false));
    let csv = r.to_csv();
    assert!(csv.contains("\nC1,"), "{csv}");
    assert!(csv.contains(",2,,"), "C1 has no denominator: {csv}");
    assert!(csv.contains("DEL-antenatal-by-health-visitor,"), "{csv}");
    assert!(csv.contains("TGT-antenatal-health-visitor-home,"), "{csv}");
}

#[test]
fn asq3_domains_c6iii_to_c6viii() {
    let r = report();
    // P scored 60 everywhere; S scored the communication cut-off exactly
    // (33.30: at the threshold counts) and 36.0 in gross motor, below the
    // 30-month cut-off of 36.14.
    assert_eq!(ratio(&r, "C6iii"), (2, 2));
    assert_eq!(ratio(&r, "C6iv"), (1, 2));
    assert_eq!(ratio(&r, "C6v"), (2, 2));
    assert_eq!(ratio(&r, "C6vi"), (2, 2));
    assert_eq!(ratio(&r, "C6vii"), (2, 2));
    assert_eq!(ratio(&r, "C6viii"), (1, 2));
    // A completed ASQ-3 whose questionnaire is not known counts for C6ii
    // but has no valid domain score.
    let (children, mut contacts, measurements) = cohort();
    for c in contacts.iter_mut().filter(|c| c.person_id == id(S)) {
        if let Some(a) = c.asq3.as_mut() {
            a.interval = None;
        }
    }
    let r = kpis(
        &Quarter::parse("2026Q2").unwrap(),
        &children,
        &contacts,
        &measurements,
        &KpiConfig::default(),
        &AsqCutoffs::default(),
    );
    assert_eq!(ratio(&r, "C6ii"), (2, 3));
    assert_eq!(ratio(&r, "C6iii"), (1, 1));
    assert_eq!(ratio(&r, "C6viii"), (1, 1));
}
