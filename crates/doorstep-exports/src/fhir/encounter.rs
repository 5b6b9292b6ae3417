//! A contact as FHIR R4: an `Encounter` for each child it concerns (UK
//! Core Encounter) and the growth measurements taken at it as UK Core
//! vital-signs `Observation`s (body weight, body height, head circumference,
//! and BMI where a weight and a height or length were taken at the same
//! contact, derived from them). Codes from UK Core (NHSDigital
//! FHIR-R4-UKCORE-STAGING-MAIN): SNOMED CT with the LOINC code the profile
//! fixes, UCUM units.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use doorstep_domain::clinical::growth::{self, Measure};
use doorstep_domain::record::contact::{measurements_of, Contact, Measurement};
use doorstep_domain::record::family::Family;
use doorstep_domain::values::codes::{ConsultationMechanism, LocationType};

use super::{derived_id, instant, reference, CATEGORY_SYSTEM, UCUM};

/// UK Core Encounter profile.
pub const UKCORE_ENCOUNTER: &str = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter";
/// Doorstep's contact kinds, as an Encounter type.
pub const CONTACT_KIND_SYSTEM: &str = "https://doorstep.invalid/fhir/CodeSystem/contact-kind";
const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const PARTICIPATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

/// The Encounter's id for `person` at contact `contact`.
pub fn encounter_id(contact: Uuid, person: Uuid) -> Uuid {
    derived_id(contact, &format!("encounter|{person}"))
}

/// The Encounter of contact `contact_id` for the child `person`.
pub fn encounter(contact_id: Uuid, c: &Contact, person: Uuid) -> Value {
    let remote = c.mechanism != ConsultationMechanism::FaceToFace;
    let (class, class_display) = if remote {
        ("VR", "virtual")
    } else if c.location.is_home() {
        ("HH", "home health")
    } else {
        ("AMB", "ambulatory")
    };
    let mut types = vec![json!({
        "coding": [{ "system": CONTACT_KIND_SYSTEM, "code": c.kind.code(), "display": c.kind.label() }]
    })];
    let seen = match (c.mechanism, c.location) {
        (ConsultationMechanism::Telephone, _) => Some(("185317003", "Telephone encounter")),
        (ConsultationMechanism::FaceToFace, l) if l.is_home() => {
            Some(("270420001", "Seen in own home"))
        }
        (ConsultationMechanism::FaceToFace, LocationType::PublicPlace | LocationType::Other) => {
            None
        }
        (ConsultationMechanism::FaceToFace, _) => Some(("308021002", "Seen in clinic")),
        _ => None,
    };
    if let Some((code, display)) = seen {
        types.push(json!({ "coding": [{ "system": SNOMED, "code": code, "display": display }] }));
    }
    let status = if c.attendance.was_seen() {
        "finished"
    } else {
        "cancelled"
    };
    let start = instant(&c.at);
    let mut period = Map::new();
    period.insert("start".into(), json!(start));
    if let Some(minutes) = c.duration_minutes {
        let end = c.at + chrono::Duration::minutes(i64::from(minutes));
        period.insert("end".into(), json!(instant(&end)));
    }
    json!({
        "resourceType": "Encounter",
        "id": encounter_id(contact_id, person).to_string(),
        "meta": { "profile": [UKCORE_ENCOUNTER] },
        "status": status,
        "class": { "system": ACT_CODE, "code": class, "display": class_display },
        "type": types,
        "serviceType": { "coding": [{
            "system": SNOMED, "code": "1078501000000104", "display": "Health visiting service"
        }] },
        "subject": reference(person),
        "participant": [{
            "type": [{ "coding": [{ "system": PARTICIPATION, "code": "PPRF", "display": "primary performer" }] }],
            "individual": { "display": c.practitioner },
        }],
        "period": Value::Object(period),
    })
}

/// A code and its display.
type Coded = (&'static str, &'static str);

/// How UK Core codes a growth measurement.
struct VitalSign {
    /// The profile's name under `https://fhir.hl7.org.uk/StructureDefinition/`.
    profile: &'static str,
    snomed: Coded,
    /// The LOINC code the profile fixes.
    loinc: Coded,
    /// UCUM code and its name.
    unit: Coded,
}

/// UK Core's profile, SNOMED CT code, LOINC code and UCUM unit of a growth
/// measurement.
fn coding(measure: Measure) -> VitalSign {
    let (profile, snomed, loinc, unit) = match measure {
        Measure::Weight => (
            "UKCore-Observation-VitalSigns-BodyWeight",
            ("27113001", "Body weight"),
            ("29463-7", "Body weight"),
            ("kg", "kilogram"),
        ),
        Measure::Length => (
            "UKCore-Observation-VitalSigns-BodyHeight",
            ("1149101003", "Recumbent body height"),
            ("8302-2", "Body height"),
            ("cm", "centimeter"),
        ),
        Measure::Height => (
            "UKCore-Observation-VitalSigns-BodyHeight",
            ("50373000", "Body height measure"),
            ("8302-2", "Body height"),
            ("cm", "centimeter"),
        ),
        Measure::HeadCircumference => (
            "UKCore-Observation-VitalSigns-HeadCircumference",
            ("363812007", "Head circumference"),
            ("9843-4", "Head Occipital-frontal circumference"),
            ("cm", "centimeter"),
        ),
        Measure::Bmi => (
            "UKCore-Observation-VitalSigns-BMI",
            ("60621009", "Body mass index"),
            ("39156-5", "Body mass index (BMI) [Ratio]"),
            ("kg/m2", "kilogram / (meter ^ 2)"),
        ),
    };
    VitalSign {
        profile,
        snomed,
        loinc,
        unit,
    }
}

fn vital_sign(
    id: Uuid,
    measure: Measure,
    value: f64,
    person: Uuid,
    encounter: Uuid,
    effective: &str,
    performer: &str,
) -> Map<String, Value> {
    let VitalSign {
        profile,
        snomed,
        loinc,
        unit,
    } = coding(measure);
    let mut m = Map::new();
    m.insert("resourceType".into(), json!("Observation"));
    m.insert("id".into(), json!(id.to_string()));
    m.insert(
        "meta".into(),
        json!({ "profile": [format!("https://fhir.hl7.org.uk/StructureDefinition/{profile}")] }),
    );
    m.insert("status".into(), json!("final"));
    m.insert(
        "category".into(),
        json!([{ "coding": [{ "system": CATEGORY_SYSTEM, "code": "vital-signs", "display": "Vital Signs" }], "text": "Vital Signs" }]),
    );
    m.insert(
        "code".into(),
        json!({ "coding": [
            { "system": SNOMED, "code": snomed.0, "display": snomed.1 },
            { "system": LOINC, "code": loinc.0, "display": loinc.1 },
        ], "text": measure.label() }),
    );
    m.insert("subject".into(), reference(person));
    m.insert("encounter".into(), reference(encounter));
    m.insert("effectiveDateTime".into(), json!(effective));
    m.insert("performer".into(), json!([{ "display": performer }]));
    m.insert(
        "valueQuantity".into(),
        json!({ "value": value, "unit": unit.1, "system": UCUM, "code": unit.0 }),
    );
    m
}

/// The growth Observations of `person` at contact `contact_id`: one per
/// current measurement, and a BMI derived from the weight and the height
/// (or length) when both were taken.
pub fn growth_observations(
    family: &Family,
    contact_id: Uuid,
    c: &Contact,
    person: Uuid,
) -> Vec<(Uuid, Value)> {
    let encounter = encounter_id(contact_id, person);
    let mut taken: Vec<(&Uuid, &Measurement)> = measurements_of(family, contact_id)
        .filter(|(_, m)| m.person_id == person)
        .collect();
    taken.sort_by_key(|(id, m)| (m.measure.code(), **id));
    let effective = |m: &Measurement| {
        if m.measured_on == c.date {
            instant(&c.at)
        } else {
            m.measured_on.format("%Y-%m-%d").to_string()
        }
    };
    let mut out: Vec<(Uuid, Value)> = taken
        .iter()
        .map(|(id, m)| {
            let obs = vital_sign(
                **id,
                m.measure,
                m.value,
                person,
                encounter,
                &effective(m),
                &m.recorded.by,
            );
            (**id, Value::Object(obs))
        })
        .collect();
    let find = |measure: Measure| taken.iter().find(|(_, m)| m.measure == measure);
    if let (Some((wid, w)), Some((hid, h))) = (
        find(Measure::Weight),
        find(Measure::Height).or_else(|| find(Measure::Length)),
    ) {
        let id = derived_id(contact_id, &format!("bmi|{person}"));
        let bmi = (growth::bmi(w.value, h.value) * 10.0).round() / 10.0;
        let mut obs = vital_sign(
            id,
            Measure::Bmi,
            bmi,
            person,
            encounter,
            &effective(w),
            &w.recorded.by,
        );
        obs.insert(
            "derivedFrom".into(),
            json!([reference(**wid), reference(**hid)]),
        );
        out.push((id, Value::Object(obs)));
    }
    out
}
