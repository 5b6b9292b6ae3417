//! A deterministic, realistic synthetic caseload for demos, tests and
//! benchmarks: households with parents, children aged 0–5 spread over the
//! review ages, pregnancies, twins, levels of service in about the 91/6/3
//! split one trust reports, safeguarding flags, interpreter needs, and
//! missing ethnicity for some. Every NHS number is from the 999 test range.
//!
//! Every record goes through the same domain validation as typed input.

use std::collections::HashSet;

use chrono::{Days, Months, NaiveDate};
use doorstep_domain::record::action::{apply_locally, ActionContext};
use doorstep_domain::record::family::{self, NewFamily, NewFlag, NewLevel, NewPerson};
use doorstep_domain::values::nhs_number::NhsNumber;
use doorstep_store::Write;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use uuid::Uuid;

use crate::{CoreError, Session};

const GIVEN_F: &[&str] = &[
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Aisha", "Zainab", "Maja", "Zofia", "Grace", "Freya",
    "Ivy", "Chloe", "Fatima", "Priya", "Sophie", "Ella", "Hannah", "Leah", "Ruby", "Niamh",
    "Amara", "Ioana", "Yasmin",
];
const GIVEN_M: &[&str] = &[
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Jack", "Ibrahim",
    "Jakub", "Ethan", "Ravi", "Samuel", "Theo", "Kofi", "Adam", "Yusuf", "Luca", "Daniel",
    "Finley", "Joseph", "Andrei", "Omar",
];
const FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Khan", "Ahmed", "Hussain", "Kowalski", "Nowak", "Walker", "Wright", "Thompson", "White",
    "Hughes", "Edwards", "Green", "Hall", "Okafor", "Mensah", "Popescu", "Begum", "Ali", "Murphy",
    "O'Brien", "Clarke", "Lewis", "Robinson", "Wood", "Harris", "Evans",
];
const STREETS: &[&str] = &[
    "Foleshill Road",
    "Stoney Stanton Road",
    "Holbrook Lane",
    "Radford Road",
    "Walsgrave Road",
    "Binley Road",
    "Tile Hill Lane",
    "Allesley Old Road",
    "Far Gosford Street",
    "Spon End",
    "Jardine Crescent",
    "Daventry Road",
    "Aldermans Green Road",
    "Longford Road",
    "Moat Street",
    "Station Street East",
];
const TOWNS: &[&str] = &["Coventry", "Coventry", "Coventry", "Bedworth", "Kenilworth"];
const LANGUAGES: &[&str] = &[
    "Polish", "Urdu", "Punjabi", "Romanian", "Arabic", "Bengali", "Somali", "Tigrinya", "Kurdish",
];
const PRACTICES: &[&str] = &["Y01001", "Y01002", "Y01003", "Y01004", "Y01005", "Y01006"];
const ETHNIC: &[&str] = &[
    "A", "A", "A", "A", "A", "C", "C", "H", "J", "J", "K", "N", "M", "F", "D", "L", "S", "R",
];
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// How many of each thing a seed made.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SeedReport {
    /// Families.
    pub families: usize,
    /// Parents and carers.
    pub parents: usize,
    /// Children (born).
    pub children: usize,
    /// Unborn babies.
    pub pregnancies: usize,
    /// Twin pairs.
    pub twin_pairs: usize,
    /// Families by level: community, universal, targeted, specialist.
    pub by_level: [usize; 4],
    /// Flags added.
    pub flags: usize,
    /// Families needing an interpreter.
    pub interpreter_needed: usize,
    /// Children without a stated ethnic category.
    pub ethnicity_missing: usize,
    /// Contacts recorded (each signed, with its measurements).
    pub contacts: usize,
}

struct Generator {
    rng: StdRng,
    nhs_used: HashSet<String>,
    today: NaiveDate,
    /// The trust's scoring rules, for the 2–2½ year review forms.
    forms: doorstep_domain::forms::FormsConfig,
}

impl Generator {
    fn pick<'a>(&mut self, list: &'a [&'a str]) -> &'a str {
        list[self.rng.gen_range(0..list.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid()
    }

    fn nhs_number(&mut self) -> String {
        loop {
            let mut d = [9u8, 9, 9, 0, 0, 0, 0, 0, 0];
            for x in d.iter_mut().skip(3) {
                *x = self.rng.gen_range(0..10);
            }
            if let Some(n) = NhsNumber::from_first9(&d) {
                if self.nhs_used.insert(n.as_str().to_string()) {
                    return n.as_str().to_string();
                }
            }
        }
    }

    fn postcode(&mut self) -> String {
        let district = self.rng.gen_range(1..=7);
        let sector = self.rng.gen_range(1..=9);
        let a = INWARD_LETTERS[self.rng.gen_range(0..INWARD_LETTERS.len())] as char;
        let b = INWARD_LETTERS[self.rng.gen_range(0..INWARD_LETTERS.len())] as char;
        format!("CV{district} {sector}{a}{b}")
    }

    /// A child's age in days, spread over the review ages with extra weight
    /// around the new-birth, 6–8 week, 12-month and 2-year windows.
    fn child_age_days(&mut self) -> u64 {
        match self.rng.gen_range(0..10) {
            0 => self.rng.gen_range(0..21),
            1 => self.rng.gen_range(35..70),
            2 => self.rng.gen_range(270..460),
            3 => self.rng.gen_range(700..930),
            _ => self.rng.gen_range(0..(5 * 365 - 10)),
        }
    }

    fn gestation_and_weight(&mut self) -> (String, u32) {
        let roll: f64 = self.rng.gen();
        let weeks: u32 = if roll < 0.01 {
            self.rng.gen_range(26..32)
        } else if roll < 0.07 {
            self.rng.gen_range(32..37)
        } else {
            self.rng.gen_range(37..42)
        };
        let days = self.rng.gen_range(0..7);
        let base = match weeks {
            w if w < 32 => 900 + (w - 26) * 180,
            w if w < 37 => 1800 + (w - 32) * 200,
            w => 2900 + (w - 37) * 150,
        };
        let weight = (base as i32 + self.rng.gen_range(-350..350)).clamp(500, 5200) as u32;
        (format!("{weeks}+{days}"), weight)
    }
}

/// Adds `families` synthetic families to the session's caseload, the same
/// ones for the same `seed` and day, and marks the device as holding the
/// demo caseload (it can then no longer be enrolled).
pub fn seed(session: &mut Session, families: usize, seed: u64) -> Result<SeedReport, CoreError> {
    if families == 0 || families > 100_000 {
        return Err(CoreError::invalid(
            "families",
            "must be between 1 and 100000",
        ));
    }
    let cx = session.context();
    let mut g = Generator {
        rng: StdRng::seed_from_u64(seed),
        nhs_used: HashSet::new(),
        today: cx.today,
        forms: session.config().forms.clone(),
    };
    let colleagues = ["Asha Patel", "Bronwen Hughes"];
    let mut report = SeedReport::default();
    let mut batch = Vec::new();
    for _ in 0..families {
        let write =
            one_family(&mut g, &cx, &colleagues, &mut report).map_err(CoreError::Invalid)?;
        batch.push(write);
        if batch.len() == 500 {
            session.add_families_batch(&batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        session.add_families_batch(&batch)?;
    }
    // Made-up families must never reach a trust's server: a laptop that
    // holds them cannot then be enrolled (`Session::enrol`).
    session.store.mark_demo_caseload()?;
    Ok(report)
}

fn one_family(
    g: &mut Generator,
    cx: &ActionContext,
    colleagues: &[&str],
    report: &mut SeedReport,
) -> Result<Write, doorstep_domain::Problems> {
    let id = g.uuid();
    let surname = g.pick(FAMILY).to_string();
    let interpreter = g.chance(0.08);
    let practitioner = if g.chance(0.7) {
        cx.practitioner.clone()
    } else {
        g.pick(colleagues).to_string()
    };
    let input = NewFamily {
        address_line1: format!("{} {}", g.rng.gen_range(1..240), g.pick(STREETS)),
        address_line2: None,
        town: Some(g.pick(TOWNS).to_string()),
        postcode: g.postcode(),
        phone: Some(format!("07700 900{:03}", g.rng.gen_range(0..1000))),
        main_language: Some(if interpreter {
            g.pick(LANGUAGES).to_string()
        } else {
            "English".to_string()
        }),
        interpreter_needed: interpreter,
        practitioner: Some(practitioner),
        team: Some("Coventry North HV Team".into()),
    };
    let (mut fam, first) = family::add_family(id, &input, cx)?;
    let mut actions = vec![first];
    report.families += 1;
    report.interpreter_needed += interpreter as usize;

    let parents = if g.chance(0.6) { 2 } else { 1 };
    for i in 0..parents {
        let female = i == 0;
        let dob = g.today - Days::new(g.rng.gen_range(18 * 365..42 * 365));
        let p = NewPerson {
            role: "parent".into(),
            given_name: Some(g.pick(if female { GIVEN_F } else { GIVEN_M }).to_string()),
            family_name: surname.clone(),
            date_of_birth: Some(dob.to_string()),
            sex: Some(if female { "2" } else { "1" }.into()),
            nhs_number: Some(g.nhs_number()),
            nhs_number_status: Some("01".into()),
            ethnic_category: g.chance(0.7).then(|| g.pick(ETHNIC).to_string()),
            gp_practice: Some(g.pick(PRACTICES).to_string()),
            ..Default::default()
        };
        actions.push(family::add_person(&fam, g.uuid(), &p, cx)?);
        report.parents += 1;
    }

    let mut born: Vec<Uuid> = Vec::new();
    let pregnant = g.chance(0.12);
    let children = if pregnant && g.chance(0.4) {
        0
    } else {
        g.rng.gen_range(1..=2)
    };
    for _ in 0..children {
        let twins = g.chance(0.015);
        let age = g.child_age_days();
        let dob = g.today - Days::new(age);
        let (gestation, weight) = g.gestation_and_weight();
        for _ in 0..(1 + twins as usize) {
            let female = g.chance(0.49);
            let stated = g.chance(0.65);
            let young = age < 42;
            let has_number = !(young && g.chance(0.3));
            let p = NewPerson {
                role: "child".into(),
                given_name: Some(g.pick(if female { GIVEN_F } else { GIVEN_M }).to_string()),
                family_name: surname.clone(),
                date_of_birth: Some(dob.to_string()),
                sex: Some(if female { "2" } else { "1" }.into()),
                nhs_number: has_number.then(|| g.nhs_number()),
                nhs_number_status: Some(if has_number { "01" } else { "08" }.into()),
                ethnic_category: stated.then(|| g.pick(ETHNIC).to_string()),
                gp_practice: Some(g.pick(PRACTICES).to_string()),
                gestation: Some(gestation.clone()),
                birth_weight_grams: Some(
                    (weight.saturating_sub(if twins { 300 } else { 0 })).to_string(),
                ),
                ..Default::default()
            };
            let pid = g.uuid();
            let action = family::add_person(&fam, pid, &p, cx)?;
            apply_locally(&mut fam, &action.edits);
            actions.push(action);
            born.push(pid);
            report.children += 1;
            report.ethnicity_missing += (!stated) as usize;
        }
        report.twin_pairs += twins as usize;
    }
    if pregnant {
        let edd = g.today + Days::new(g.rng.gen_range(7..200));
        let p = NewPerson {
            role: "unborn".into(),
            family_name: surname.clone(),
            expected_delivery_date: Some(edd.to_string()),
            ..Default::default()
        };
        actions.push(family::add_person(&fam, g.uuid(), &p, cx)?);
        report.pregnancies += 1;
    }

    for child in born {
        for action in history(g, &mut fam, child, cx)? {
            report.contacts += 1;
            actions.push(action);
        }
    }

    let roll: f64 = g.rng.gen();
    let (level, idx) = if roll < 0.03 {
        ("specialist", 3)
    } else if roll < 0.09 {
        ("targeted", 2)
    } else {
        ("universal", 1)
    };
    report.by_level[idx] += 1;
    let since = g
        .today
        .checked_sub_months(Months::new(g.rng.gen_range(0..18)))
        .unwrap_or(g.today);
    actions.push(family::set_level(
        &fam,
        g.uuid(),
        &NewLevel {
            level: level.into(),
            effective: since.to_string(),
            reason: "Assessed need at allocation".into(),
        },
        cx,
    )?);
    let mut flags: Vec<NewFlag> = Vec::new();
    let start = since.to_string();
    let flag =
        |kind: &str, cp: Option<&str>, alert: Option<&str>, note: Option<&str>, agency: &str| {
            NewFlag {
                kind: kind.into(),
                cp_category: cp.map(String::from),
                alert: alert.map(String::from),
                start: start.clone(),
                lead_agency: Some(agency.into()),
                note: note.map(String::from),
                ..Default::default()
            }
        };
    match idx {
        3 => {
            let r: f64 = g.rng.gen();
            if r < 0.5 {
                let cat = g.pick(&["neglect", "emotional", "physical", "neglect", "sexual"]);
                flags.push(flag(
                    "child-protection",
                    Some(cat),
                    None,
                    None,
                    "Children's social care",
                ));
            } else if r < 0.8 {
                flags.push(flag(
                    "child-in-need",
                    None,
                    None,
                    None,
                    "Children's social care",
                ));
            } else {
                flags.push(flag(
                    "looked-after",
                    None,
                    None,
                    None,
                    "Children's social care",
                ));
            }
            if pregnant && g.chance(0.3) {
                flags.push(flag(
                    "pre-birth-cp",
                    Some("neglect"),
                    None,
                    None,
                    "Children's social care",
                ));
            }
        }
        2 => {
            if g.chance(0.25) {
                flags.push(flag(
                    "child-in-need",
                    None,
                    None,
                    None,
                    "Children's social care",
                ));
            } else if g.chance(0.4) {
                flags.push(flag("early-help", None, None, None, "Early Help hub"));
            }
        }
        _ => {
            if g.chance(0.01) {
                flags.push(flag("early-help", None, None, None, "Early Help hub"));
            }
        }
    }
    if g.chance(0.04) {
        let (alert, note) = *[
            (
                "dog-in-house",
                "Large dog: ask for it to be shut away before entering",
            ),
            ("two-person-visit", "Visit in pairs"),
            (
                "lone-worker-risk",
                "Aggressive relative reported at address",
            ),
        ]
        .get(g.rng.gen_range(0..3))
        .expect("index in range");
        flags.push(flag(
            "safety-alert",
            None,
            Some(alert),
            Some(note),
            "Health visiting",
        ));
    }
    for f in &flags {
        actions.push(family::add_flag(&fam, g.uuid(), f, cx)?);
        report.flags += 1;
    }
    Ok(Write {
        id,
        actions,
        create: true,
    })
}

/// A review the generator may record: kind, window start, on-time end,
/// late end, what is measured, and how likely it is to have happened.
type ReviewPlan<'a> = (
    &'a str,
    NaiveDate,
    NaiveDate,
    NaiveDate,
    &'a [doorstep_domain::clinical::growth::Measure],
    f64,
);

/// The review contacts a child of this age has plausibly had: most reviews
/// done in their window, some late, some missed, a few did-not-attend; each
/// with measurements drawn from the WHO reference, and signed.
fn history(
    g: &mut Generator,
    fam: &mut doorstep_domain::record::family::Family,
    child: Uuid,
    cx: &ActionContext,
) -> Result<Vec<doorstep_domain::record::action::Action>, doorstep_domain::Problems> {
    use doorstep_domain::clinical::growth::{self, Measure};
    use doorstep_domain::record::contact::{self, NewContact, NewMeasurements};
    let p = fam.members[&child].clone();
    let (Some(dob), Some(sex)) = (p.date_of_birth, p.sex.and_then(|s| s.growth_sex())) else {
        return Ok(vec![]);
    };
    let today = g.today;
    let month = |m: u32| dob.checked_add_months(Months::new(m)).unwrap_or(dob);
    let plan: [ReviewPlan; 4] = [
        (
            "new-birth",
            dob + Days::new(10),
            dob + Days::new(14),
            dob + Days::new(21),
            &[Measure::Weight, Measure::HeadCircumference],
            0.95,
        ),
        (
            "6-8-week",
            dob + Days::new(42),
            dob + Days::new(56),
            dob + Days::new(70),
            &[Measure::Weight, Measure::Length, Measure::HeadCircumference],
            0.88,
        ),
        (
            "12-month",
            month(9),
            month(12),
            month(15),
            &[Measure::Weight, Measure::Length],
            0.8,
        ),
        (
            "2-year",
            month(24) + Days::new(1),
            month(30),
            month(33),
            &[Measure::Weight, Measure::Height],
            0.72,
        ),
    ];
    let mut actions = Vec::new();
    for (kind, opens, due, late, measures, p_done) in plan {
        if opens > today || !g.chance(p_done) {
            continue;
        }
        let dna_first = g.chance(0.06);
        let last_day = if g.chance(0.85) { due } else { late };
        let span = (last_day - opens).num_days().max(0) as u64;
        let mut day = opens + Days::new(g.rng.gen_range(0..=span));
        // Only contacts that have happened: up to yesterday.
        if day >= today {
            continue;
        }
        let attempts: &[&str] = if dna_first {
            &["did-not-attend", "attended"]
        } else {
            &["attended"]
        };
        for (i, attendance) in attempts.iter().enumerate() {
            if i > 0 {
                day = day + Days::new(g.rng.gen_range(3..10));
                if day >= today {
                    break;
                }
            }
            let at = doorstep_domain::values::calendar::london_to_utc(
                day.and_hms_opt(g.rng.gen_range(9..16), 0, 0).expect("time"),
            );
            let seen = *attendance == "attended";
            let two_year = kind == "2-year";
            let measure_now = seen && !(two_year && g.chance(0.12));
            let input = NewContact {
                kind: kind.into(),
                subjects: vec![child.to_string()],
                at: Some(at),
                duration_minutes: Some(g.rng.gen_range(20..75).to_string()),
                location: if two_year && g.chance(0.6) {
                    "K01"
                } else {
                    "A01"
                }
                .into(),
                mechanism: "01".into(),
                attendance: attendance.to_string(),
                role: if two_year && g.chance(0.5) {
                    "nursery-nurse"
                } else {
                    "health-visitor"
                }
                .into(),
                accountable_hv: Some(cx.practitioner.clone()),
                topics: vec![format!("hia-{}", g.rng.gen_range(1..=6))],
                note: Some(
                    if seen {
                        "Review completed; no concerns raised."
                    } else {
                        "No answer at the door; card left."
                    }
                    .into(),
                ),
                feeding_status: (seen && matches!(kind, "new-birth" | "6-8-week") && g.chance(0.9))
                    .then(|| {
                        g.pick(&["totally-breastfed", "partially-breastfed", "not-breastfed"])
                            .to_string()
                    }),
                bmi_not_recorded_reason: (two_year && seen && !measure_now)
                    .then(|| "Child unsettled: to measure at next contact".into()),
                ..Default::default()
            };
            let input = NewContact {
                accountable_hv: if input.role == "health-visitor" {
                    None
                } else {
                    input.accountable_hv.clone()
                },
                ..input
            };
            let cid = g.uuid();
            let (c, action) = contact::record_contact(fam, cid, &input, cx)?;
            doorstep_domain::record::action::apply_locally(fam, &action.edits);
            actions.push(action);
            let subject = growth::Subject {
                sex,
                date_of_birth: dob,
                gestation_weeks: p.gestation_weeks,
                gestation_days: p.gestation_days,
            };
            // Values are drawn at the age the reference is read at (corrected
            // for prematurity), so they are plausible for the child.
            let reference_age = growth::age_for_reference(&subject, day)
                .ok()
                .map(|(c, corr)| corr.unwrap_or(c));
            if let (true, Some(age_days)) = (measure_now, reference_age.filter(|a| *a >= 0)) {
                let on_days = age_days as f64;
                let mut m = NewMeasurements {
                    person_id: child.to_string(),
                    ..Default::default()
                };
                for measure in measures {
                    let z: f64 =
                        (g.rng.gen::<f64>() + g.rng.gen::<f64>() + g.rng.gen::<f64>() - 1.5) * 1.6;
                    // At corrected age where the reference has it; a very
                    // preterm two-year-old's height is read at actual age.
                    let chronological = (day - dob).num_days() as f64;
                    let Some(v) = growth::lms(*measure, sex, on_days)
                        .or_else(|| growth::lms(*measure, sex, chronological))
                        .and_then(|(l, _)| l.value_at(z))
                    else {
                        continue;
                    };
                    let text = Some(format!("{v:.2}"));
                    match measure {
                        Measure::Weight => m.weight_kg = text,
                        Measure::Length => m.length_cm = text,
                        Measure::Height => m.height_cm = text,
                        Measure::HeadCircumference => m.head_cm = text,
                        Measure::Bmi => {}
                    }
                }
                let list = contact::add_measurements(fam, cid, &c, &m, &mut || g.uuid(), cx)?;
                for (_, _, a) in list {
                    doorstep_domain::record::action::apply_locally(fam, &a.edits);
                    actions.push(a);
                }
            }
            let sign = contact::sign_contact(fam, &cid.to_string(), cx)?;
            doorstep_domain::record::action::apply_locally(fam, &sign.edits);
            actions.push(sign);
            if two_year && seen && g.chance(0.9) {
                let age = (day - dob).num_days();
                actions.extend(asq3_review(g, fam, child, cid, age, cx)?);
            }
        }
    }
    Ok(actions)
}

/// A completed 2–2½ year review form with ASQ-3 scores for `child` at
/// contact `contact` (most children on schedule, a few below a cut-off).
fn asq3_review(
    g: &mut Generator,
    fam: &mut doorstep_domain::record::family::Family,
    child: Uuid,
    contact: Uuid,
    age_days: i64,
    cx: &ActionContext,
) -> Result<Vec<doorstep_domain::record::action::Action>, doorstep_domain::Problems> {
    use doorstep_domain::forms::{self, AsqDomain};
    use doorstep_domain::record::{action::apply_locally, response};
    let def = forms::latest(response::TWO_YEAR_REVIEW).expect("the review form is shipped");
    let id = g.uuid();
    let mut actions = vec![response::start(
        fam,
        id,
        def,
        Some(&child.to_string()),
        Some(&contact.to_string()),
        cx,
    )?];
    apply_locally(fam, &actions[0].edits);
    let mut answers: Vec<(&str, String)> = AsqDomain::ALL
        .iter()
        .map(|d| {
            let score = if g.chance(0.92) {
                g.rng.gen_range(7..=12) * 5
            } else {
                g.rng.gen_range(2..=6) * 5
            };
            (d.link_id(), score.to_string())
        })
        .collect();
    answers.push(("ir2-mode", "not-integrated".into()));
    for (link, raw) in answers {
        let a = response::answer(fam, &id.to_string(), link, &raw)?;
        apply_locally(fam, &a.edits);
        actions.push(a);
    }
    let ctx = forms::ScoreContext {
        child_age_days: Some(age_days),
        corrected_age_days: None,
    };
    let (done, _) = response::complete(fam, &id.to_string(), &ctx, &g.forms, cx)?;
    apply_locally(fam, &done.edits);
    actions.push(done);
    Ok(actions)
}
