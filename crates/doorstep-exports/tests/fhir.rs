//! FHIR R4 export of completed responses: the bundle parses back, entries
//! have the right resource types and required R4 elements, every reference
//! resolves inside the bundle, ASQ-3 is one Observation with five domain
//! components plus the interval, the EPDS total is the sum of the items,
//! drafts are refused and amendments are marked.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeZone, Utc};
use doorstep_domain::forms::{self, FormsConfig, Score, ScoreContext, ScoreFlag};
use doorstep_domain::record::action::{apply_locally, ActionContext};
use doorstep_domain::record::family::{self, Family, NewFamily, NewPerson};
use doorstep_domain::record::response;
use doorstep_exports::fhir::{self, FhirError};
use serde_json::Value;
use uuid::Uuid;

fn cx() -> ActionContext {
    ActionContext {
        practitioner: "Hana Visitor".into(),
        now: Utc.with_ymd_and_hms(2025, 6, 2, 10, 30, 0).unwrap(),
        today: NaiveDate::from_ymd_opt(2025, 6, 2).unwrap(),
    }
}

struct Fixture {
    family: Family,
    mother: Uuid,
    child: Uuid,
}

fn fixture() -> Fixture {
    let cx = cx();
    let (mut family, _) = family::add_family(
        Uuid::new_v4(),
        &NewFamily {
            address_line1: "1 Test Street".into(),
            postcode: "CV1 1AA".into(),
            ..Default::default()
        },
        &cx,
    )
    .expect("family");
    let mother = Uuid::new_v4();
    let action = family::add_person(
        &family,
        mother,
        &NewPerson {
            role: "parent".into(),
            given_name: Some("Amy".into()),
            family_name: "Example".into(),
            date_of_birth: Some("1995-03-04".into()),
            sex: Some("2".into()),
            nhs_number: Some("9990000018".into()),
            nhs_number_status: Some("01".into()),
            ethnic_category: Some("A".into()),
            ..Default::default()
        },
        &cx,
    )
    .expect("mother");
    apply_locally(&mut family, &action.edits);
    let child = Uuid::new_v4();
    let action = family::add_person(
        &family,
        child,
        &NewPerson {
            role: "child".into(),
            given_name: Some("Ben".into()),
            family_name: "Example".into(),
            date_of_birth: Some("2023-05-20".into()),
            sex: Some("1".into()),
            ..Default::default()
        },
        &cx,
    )
    .expect("child");
    apply_locally(&mut family, &action.edits);
    Fixture {
        family,
        mother,
        child,
    }
}

/// Starts a response on the latest `form` about `subject` and answers it.
fn draft(family: &mut Family, form: &str, subject: Uuid, answers: &[(&str, &str)]) -> Uuid {
    let def = forms::latest(form).expect("form installed");
    let id = Uuid::new_v4();
    let action =
        response::start(family, id, def, Some(&subject.to_string()), None, &cx()).expect("start");
    apply_locally(family, &action.edits);
    for (link, raw) in answers {
        let action = response::answer(family, &id.to_string(), link, raw)
            .unwrap_or_else(|p| panic!("answer {link}: {p:?}"));
        apply_locally(family, &action.edits);
    }
    id
}

fn complete(family: &mut Family, id: Uuid) {
    let (action, _) = response::complete(
        family,
        &id.to_string(),
        &ScoreContext::default(),
        &FormsConfig::default(),
        &cx(),
    )
    .unwrap_or_else(|p| panic!("complete: {p:?}"));
    apply_locally(family, &action.edits);
}

const EPDS: [(&str, &str); 10] = [
    ("epds-1", "b"),
    ("epds-2", "c"),
    ("epds-3", "d"),
    ("epds-4", "d"),
    ("epds-5", "c"),
    ("epds-6", "b"),
    ("epds-7", "c"),
    ("epds-8", "d"),
    ("epds-9", "c"),
    ("epds-10", "c"),
];

fn epds_bundle() -> (Fixture, Uuid, Value) {
    let mut f = fixture();
    let mother = f.mother;
    let id = draft(&mut f.family, "epds", mother, &EPDS);
    complete(&mut f.family, id);
    let bundle = fhir::response_bundle(&f.family, id).expect("bundle");
    (f, id, bundle)
}

fn review_bundle() -> Value {
    let mut f = fixture();
    let child = f.child;
    let id = draft(
        &mut f.family,
        "two-year-review",
        child,
        &[
            ("asq-interval", "24"),
            ("asq3-communication", "50"),
            ("asq3-gross-motor", "20"),
            ("asq3-fine-motor", "30"),
            ("asq3-problem-solving", "45"),
            ("asq3-personal-social", "55"),
            ("ir2-mode", "joint"),
            ("ir2-setting", "Little Acorns Nursery"),
            ("ir2-consent-share", "yes"),
        ],
    );
    complete(&mut f.family, id);
    fhir::response_bundle(&f.family, id).expect("bundle")
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn observation<'a>(bundle: &'a Value, code: &str) -> &'a Value {
    resources(bundle, "Observation")
        .into_iter()
        .find(|o| o["code"]["coding"][0]["code"] == code)
        .unwrap_or_else(|| panic!("no {code} Observation"))
}

/// Every `reference` string anywhere in `v`.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => references(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

fn assert_references_resolve(bundle: &Value) {
    let full_urls: HashSet<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("fullUrl"))
        .collect();
    for e in bundle["entry"].as_array().unwrap() {
        let r = &e["resource"];
        assert_eq!(
            e["fullUrl"].as_str().unwrap(),
            format!("urn:uuid:{}", r["id"].as_str().unwrap()),
            "fullUrl matches the resource id"
        );
    }
    let mut refs = Vec::new();
    references(bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(full_urls.contains(r.as_str()), "{r} does not resolve");
    }
}

fn assert_round_trip(bundle: &Value) {
    let text = serde_json::to_string_pretty(bundle).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, bundle);
}

fn assert_required_elements(bundle: &Value) {
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(bundle["id"].is_string());
    assert!(bundle["timestamp"].is_string());
    for qr in resources(bundle, "QuestionnaireResponse") {
        for key in ["status", "questionnaire", "subject", "authored"] {
            assert!(!qr[key].is_null(), "QuestionnaireResponse.{key}");
        }
    }
    for obs in resources(bundle, "Observation") {
        for key in ["status", "code", "subject"] {
            assert!(!obs[key].is_null(), "Observation.{key}");
        }
        assert_eq!(obs["status"], "final");
        assert_eq!(obs["code"]["coding"][0]["system"], fhir::SCORE_SYSTEM);
    }
}

#[test]
fn epds_bundle_has_patient_response_and_total() {
    let (f, id, bundle) = epds_bundle();
    assert_round_trip(&bundle);
    assert_required_elements(&bundle);
    assert_references_resolve(&bundle);

    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["Patient", "QuestionnaireResponse", "Observation"],
        "EPDS: patient, response, one total Observation (item 10 a component)"
    );

    let patient = resources(&bundle, "Patient")[0];
    assert_eq!(patient["id"], f.mother.to_string());
    assert_eq!(
        patient["meta"]["profile"][0],
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
    );
    let ident = &patient["identifier"][0];
    assert_eq!(ident["system"], "https://fhir.nhs.uk/Id/nhs-number");
    assert_eq!(ident["value"], "9990000018");
    assert_eq!(
        ident["extension"][0]["url"],
        "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
    );
    let status = &ident["extension"][0]["valueCodeableConcept"]["coding"][0];
    assert_eq!(
        status["system"],
        "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
    );
    assert_eq!(status["code"], "01");
    assert!(status["display"].is_string());
    assert_eq!(patient["gender"], "female");
    assert_eq!(patient["birthDate"], "1995-03-04");
    assert_eq!(patient["name"][0]["family"], "Example");
    assert_eq!(patient["name"][0]["given"][0], "Amy");
    let ethnic = &patient["extension"][0];
    assert_eq!(
        ethnic["url"],
        "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
    );
    let coding = &ethnic["valueCodeableConcept"]["coding"][0];
    assert_eq!(
        coding["system"],
        "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
    );
    assert_eq!(coding["code"], "A");

    let qr = resources(&bundle, "QuestionnaireResponse")[0];
    let r = &f.family.responses[&id];
    assert_eq!(qr["id"], id.to_string());
    assert_eq!(qr["status"], "completed");
    assert_eq!(
        qr["questionnaire"],
        format!(
            "https://doorstep.invalid/fhir/Questionnaire/epds|{}",
            r.form.version
        )
    );
    assert_eq!(qr["subject"]["reference"], format!("urn:uuid:{}", f.mother));
    assert_eq!(qr["authored"], "2025-06-02T10:30:00Z");
    assert_eq!(bundle["timestamp"], "2025-06-02T10:30:00Z");
    assert_eq!(qr["author"]["display"], "Hana Visitor");
    assert!(qr["extension"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["url"] == fhir::FORM_HASH_EXTENSION && e["valueString"] == r.form.hash));
    let items = qr["item"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["linkId"], "epds-1");
    assert!(items[0]["text"].is_string());

    // The items are the answers chosen; the total is the engine's scoring
    // of them (items 3 and 5–10 reverse-scored).
    let chosen: Vec<&str> = items
        .iter()
        .filter(|i| i["linkId"].as_str().unwrap().starts_with("epds-"))
        .map(|i| i["answer"][0]["valueCoding"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(chosen, EPDS.map(|(_, v)| v));
    let expected: i64 = EPDS
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let place = ["a", "b", "c", "d"].iter().position(|a| a == v).unwrap() as u8;
            i64::from(forms::epds_item_score(i as u8 + 1, place))
        })
        .sum();
    assert_eq!(expected, 12);
    let total = observation(&bundle, "epds-total");
    assert_eq!(total["valueInteger"].as_i64(), Some(expected));
    assert_eq!(total["effectiveDateTime"], "2025-06-02T10:30:00Z");
    assert_eq!(
        total["derivedFrom"][0]["reference"],
        format!("urn:uuid:{id}")
    );
    assert_eq!(total["interpretation"][0]["coding"][0]["code"], "urgent");
    let item10 = &total["component"][0];
    assert_eq!(item10["code"]["coding"][0]["code"], "epds-item10");
    assert_eq!(item10["valueInteger"], 1);
    assert_eq!(item10["interpretation"][0]["coding"][0]["code"], "urgent");
}

#[test]
fn export_is_stable() {
    let (f, id, bundle) = epds_bundle();
    assert_eq!(fhir::response_bundle(&f.family, id).unwrap(), bundle);
}

#[test]
fn two_year_review_has_one_asq3_observation_with_six_components() {
    let bundle = review_bundle();
    assert_round_trip(&bundle);
    assert_required_elements(&bundle);
    assert_references_resolve(&bundle);

    let patient = resources(&bundle, "Patient")[0];
    assert_eq!(patient["gender"], "male");
    assert!(
        patient.get("identifier").is_none(),
        "no NHS number, no identifier"
    );
    assert!(patient.get("extension").is_none());

    let asq: Vec<&Value> = resources(&bundle, "Observation")
        .into_iter()
        .filter(|o| {
            o["code"]["coding"][0]["code"]
                .as_str()
                .unwrap()
                .starts_with("asq3")
        })
        .collect();
    assert_eq!(asq.len(), 1, "ASQ-3 is one Observation");
    let components = asq[0]["component"].as_array().unwrap();
    let codes: Vec<&str> = components
        .iter()
        .map(|c| c["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "asq3-communication",
            "asq3-gross-motor",
            "asq3-fine-motor",
            "asq3-problem-solving",
            "asq3-personal-social",
            "asq3-interval",
        ]
    );
    for c in &components[..5] {
        assert_eq!(c["valueQuantity"]["unit"], "score");
        assert!(c["valueQuantity"]["value"].is_number());
        let zone = c["interpretation"][0]["coding"][0]["code"]
            .as_str()
            .unwrap();
        assert!(
            ["refer", "monitor", "on-schedule"].contains(&zone),
            "{zone}"
        );
    }
    assert_eq!(components[0]["valueQuantity"]["value"], 50.0);
    // Gross motor 20 is below every 24-month cut-off.
    assert_eq!(
        components[1]["interpretation"][0]["coding"][0]["code"],
        "refer"
    );
    assert_eq!(components[5]["valueQuantity"]["value"], 24.0);
    assert_eq!(components[5]["valueQuantity"]["unit"], "month");

    // Items are nested as the definition's groups.
    let qr = resources(&bundle, "QuestionnaireResponse")[0];
    let groups: Vec<&str> = qr["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["linkId"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["asq3", "integrated-review"]);
    let asq_group = &qr["item"][0]["item"];
    assert_eq!(asq_group[0]["linkId"], "asq-interval");
    assert_eq!(asq_group[0]["answer"][0]["valueCoding"]["code"], "24");
    let ir2 = &qr["item"][1]["item"];
    assert_eq!(ir2[0]["answer"][0]["valueCoding"]["code"], "joint");
    assert!(ir2[0]["answer"][0]["valueCoding"]["display"].is_string());
    assert_eq!(ir2[2]["answer"][0]["valueBoolean"], true);
}

#[test]
fn drafts_are_refused() {
    let mut f = fixture();
    let mother = f.mother;
    let id = draft(&mut f.family, "epds", mother, &EPDS[..3]);
    let err = fhir::response_bundle(&f.family, id).unwrap_err();
    assert!(matches!(err, FhirError::NotCompleted), "{err:?}");
    assert!(!err.to_string().contains("9990000018"));
}

#[test]
fn unknown_response_is_refused() {
    let f = fixture();
    assert!(matches!(
        fhir::response_bundle(&f.family, Uuid::new_v4()),
        Err(FhirError::NoSuchResponse)
    ));
}

#[test]
fn amendment_is_marked() {
    let (mut f, original, _) = epds_bundle();
    let amended = Uuid::new_v4();
    let action = response::amend(&f.family, &original.to_string(), amended, &cx()).expect("amend");
    apply_locally(&mut f.family, &action.edits);
    let action = response::answer(&f.family, &amended.to_string(), "epds-10", "d").unwrap();
    apply_locally(&mut f.family, &action.edits);
    complete(&mut f.family, amended);

    let bundle = fhir::response_bundle(&f.family, amended).expect("bundle");
    assert_round_trip(&bundle);
    assert_required_elements(&bundle);
    assert_references_resolve(&bundle);
    let qr = resources(&bundle, "QuestionnaireResponse")[0];
    assert_eq!(qr["status"], "amended");
    let ext = qr["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "https://doorstep.invalid/fhir/StructureDefinition/amends")
        .expect("amends extension");
    assert_eq!(ext["valueReference"]["type"], "QuestionnaireResponse");
    assert_eq!(
        ext["valueReference"]["identifier"]["value"],
        format!("urn:uuid:{original}")
    );
    let total = observation(&bundle, "epds-total");
    assert!(total
        .get("interpretation")
        .is_none_or(|i| i[0]["coding"][0]["code"] != "urgent"));
    assert!(total["component"][0].get("interpretation").is_none());

    // The original still exports as completed.
    let first = fhir::response_bundle(&f.family, original).unwrap();
    assert_eq!(
        resources(&first, "QuestionnaireResponse")[0]["status"],
        "completed"
    );
}

#[test]
fn whooley_and_gad2_become_observations() {
    // Scores as the FHAT stores them, put on a completed response directly
    // (the FHAT's many required items are not the point here).
    let (mut f, id, _) = epds_bundle();
    let r = f.family.responses.get_mut(&id).unwrap();
    r.scores.clear();
    for (code, label, value, flag) in [
        (
            "whooley-positive",
            "Whooley questions",
            1.0,
            Some(ScoreFlag::Positive),
        ),
        ("gad2-total", "GAD-2 total", 2.0, None),
    ] {
        r.scores.insert(
            code.into(),
            Score {
                code: code.into(),
                label: label.into(),
                value,
                interpretation: Some("as stored".into()),
                flags: flag.into_iter().collect(),
            },
        );
    }
    let bundle = fhir::response_bundle(&f.family, id).unwrap();
    assert_round_trip(&bundle);
    assert_required_elements(&bundle);
    assert_references_resolve(&bundle);
    let whooley = observation(&bundle, "whooley-positive");
    assert_eq!(whooley["valueBoolean"], true);
    assert_eq!(
        whooley["interpretation"][0]["coding"][0]["code"],
        "positive"
    );
    let gad2 = observation(&bundle, "gad2-total");
    assert_eq!(gad2["valueInteger"], 2);
    assert_eq!(gad2["interpretation"][0]["coding"][0]["code"], "negative");
}

#[test]
fn repeating_groups_are_repeated_group_items_in_index_order() {
    let mut f = fixture();
    let mother = f.mother;
    let id = draft(
        &mut f.family,
        "family-partnership",
        mother,
        &[
            ("family-strengths", "Close to grandparents"),
            ("goals[10].goal", "Sleep routine"),
            ("goals[2].goal", "Attend baby group"),
            ("goals[2].rating", "4"),
            ("goals[2].review-date", "2025-07-01"),
        ],
    );
    complete(&mut f.family, id);
    let bundle = fhir::response_bundle(&f.family, id).unwrap();
    assert_round_trip(&bundle);
    assert_references_resolve(&bundle);
    assert!(resources(&bundle, "Observation").is_empty());
    let qr = resources(&bundle, "QuestionnaireResponse")[0];
    let items = qr["item"].as_array().unwrap();
    let goals: Vec<&Value> = items.iter().filter(|i| i["linkId"] == "goals").collect();
    assert_eq!(goals.len(), 2);
    assert_eq!(
        goals[0]["item"][0]["answer"][0]["valueString"],
        "Attend baby group"
    );
    assert_eq!(goals[0]["item"][1]["linkId"], "rating");
    assert_eq!(goals[0]["item"][1]["answer"][0]["valueInteger"], 4);
    assert_eq!(goals[0]["item"][2]["answer"][0]["valueDate"], "2025-07-01");
    assert_eq!(
        goals[1]["item"][0]["answer"][0]["valueString"],
        "Sleep routine"
    );
}

// ---------------------------------------------------------------------------
// Validation as FHIR R4 by an independent model (fhir.resources 6.4.0, the
// last R4 release, through xtask/fhir/validate.py; `cargo xtask fhir-venv`
// installs it, and the test command runs that first).

/// The workspace root.
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the independent validator on `files`: Ok, or its report.
fn validate_r4(files: &[std::path::PathBuf]) -> Result<String, String> {
    let python = std::env::var_os("DOORSTEP_FHIR_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("target/fhir-venv/bin/python"));
    assert!(
        python.exists(),
        "no FHIR validator at {}: run `cargo xtask fhir-venv` (the test command does)",
        python.display()
    );
    let out = std::process::Command::new(&python)
        .arg(root().join("xtask/fhir/validate.py"))
        .args(files)
        .output()
        .expect("run the FHIR validator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => Ok(text),
        Some(1) => Err(text),
        _ => panic!("the FHIR validator could not run: {text}"),
    }
}

/// A signed 2–2½ year review contact about the child with a weight and a
/// height, and the review form completed at it.
fn review_at_contact() -> (Fixture, Uuid, Uuid) {
    use doorstep_domain::record::contact::{self, NewContact, NewMeasurements};
    let mut f = fixture();
    let child = f.child;
    let cid = Uuid::new_v4();
    let input = NewContact {
        kind: "2-year".into(),
        subjects: vec![child.to_string()],
        location: "K01".into(),
        mechanism: "01".into(),
        attendance: "attended".into(),
        role: "nursery-nurse".into(),
        accountable_hv: Some("Hana Visitor".into()),
        duration_minutes: Some("40".into()),
        ..Default::default()
    };
    let m = NewMeasurements {
        person_id: child.to_string(),
        weight_kg: Some("12.8".into()),
        height_cm: Some("88.5".into()),
        ..Default::default()
    };
    let mut n = 0u128;
    let action = contact::record_contact_with_measurements(
        &f.family,
        cid,
        &input,
        &[m],
        &mut || {
            n += 1;
            Uuid::from_u128(n)
        },
        &cx(),
    )
    .expect("contact");
    apply_locally(&mut f.family, &action.edits);
    let sign = contact::sign_contact(&f.family, &cid.to_string(), &cx()).expect("sign");
    apply_locally(&mut f.family, &sign.edits);
    let def = forms::latest("two-year-review").unwrap();
    let rid = Uuid::new_v4();
    let action = response::start(
        &f.family,
        rid,
        def,
        Some(&child.to_string()),
        Some(&cid.to_string()),
        &cx(),
    )
    .unwrap();
    apply_locally(&mut f.family, &action.edits);
    for (link, raw) in [
        ("asq-interval", "24"),
        ("asq3-communication", "50"),
        ("asq3-gross-motor", "20"),
        ("asq3-fine-motor", "30"),
        ("asq3-problem-solving", "45"),
        ("asq3-personal-social", "55"),
        ("ir2-mode", "not-integrated"),
    ] {
        let a = response::answer(&f.family, &rid.to_string(), link, raw).unwrap();
        apply_locally(&mut f.family, &a.edits);
    }
    complete(&mut f.family, rid);
    (f, cid, rid)
}

#[test]
fn a_response_at_a_contact_carries_the_encounter_and_the_growth_observations() {
    let (f, cid, rid) = review_at_contact();
    let bundle = fhir::response_bundle(&f.family, rid).unwrap();
    assert_round_trip(&bundle);
    assert_references_resolve(&bundle);
    let encounter = resources(&bundle, "Encounter");
    assert_eq!(encounter.len(), 1);
    let e = encounter[0];
    assert_eq!(e["status"], "finished");
    assert_eq!(e["class"]["code"], "AMB", "a family hub is not the home");
    assert_eq!(e["period"]["end"], "2025-06-02T11:10:00Z", "40 minutes");
    let e_ref = format!("urn:uuid:{}", fhir::encounter::encounter_id(cid, f.child));
    let qr = resources(&bundle, "QuestionnaireResponse")[0];
    assert_eq!(qr["encounter"]["reference"], e_ref);
    let vitals: Vec<&Value> = resources(&bundle, "Observation")
        .into_iter()
        .filter(|o| o["category"][0]["coding"][0]["code"] == "vital-signs")
        .collect();
    // Weight, height and the BMI derived from them: entered once, at the
    // contact, and exported with the form made at it.
    let codes: Vec<&str> = vitals
        .iter()
        .map(|o| o["code"]["coding"][1]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["8302-2", "29463-7", "39156-5"]);
    let bmi = vitals[2];
    assert_eq!(bmi["valueQuantity"]["value"], 16.3);
    assert_eq!(bmi["valueQuantity"]["code"], "kg/m2");
    assert_eq!(bmi["derivedFrom"].as_array().unwrap().len(), 2);
    for o in resources(&bundle, "Observation") {
        assert_eq!(o["encounter"]["reference"], e_ref, "{o}");
    }
}

#[test]
fn forms_and_exports_validate_as_fhir_r4() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("forms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "every shipped definition: {files:?}");
    let mut write = |name: &str, v: &Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
        files.push(path);
    };
    let (_, _, epds) = epds_bundle();
    write("epds.json", &epds);
    write("review.json", &review_bundle());
    let (f, cid, rid) = review_at_contact();
    write(
        "review-at-contact.json",
        &fhir::response_bundle(&f.family, rid).unwrap(),
    );
    write(
        "contact.json",
        &fhir::contact_bundle(&f.family, cid).unwrap(),
    );
    let report = validate_r4(&files).unwrap_or_else(|e| panic!("not valid FHIR R4:\n{e}"));
    assert!(report.contains("no problems"), "{report}");

    // The validator is not a rubber stamp: a limit written as a plain field
    // (how the forms held them before) and an Encounter without its status
    // are refused.
    let mut old =
        serde_json::from_str::<Value>(include_str!("../../../forms/epds.v2.json")).unwrap();
    old["item"][0]["minValue"] = serde_json::json!(0);
    let mut bad_encounter = fhir::contact_bundle(&f.family, cid).unwrap();
    bad_encounter["entry"][1]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    let bad = [("old.json", old), ("bad-encounter.json", bad_encounter)];
    for (name, v) in bad {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let e = validate_r4(std::slice::from_ref(&path)).expect_err(name);
        assert!(e.contains(name), "{e}");
    }
}
