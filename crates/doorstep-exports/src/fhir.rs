//! FHIR R4 export of a completed assessment response (issue 4, point 5).
//!
//! [`response_bundle`] turns one completed [`FormResponse`] into a FHIR R4
//! `Bundle` of type `collection` holding:
//!
//! - a `Patient` (UK Core, REFERENCE §6.1) for the response's subject: the
//!   NHS number under the fixed system `https://fhir.nhs.uk/Id/nhs-number`
//!   with its verification-status extension, name, gender, birth date and
//!   the ethnic-category extension when recorded;
//! - the `QuestionnaireResponse`, its items nested as the definition's
//!   groups are, repeating groups as repeated group items in index order;
//! - the derived scores as `Observation`s: ASQ-3 as **one** Observation
//!   (`asq3`) whose components are the five domain scores (each with its
//!   zone as interpretation) plus the questionnaire interval (six
//!   components when the interval is known); the EPDS total as one
//!   Observation carrying item 10 as a component (interpretation `urgent`
//!   when above 0); every other score (GAD-2 total, Whooley, ASQ:SE-2
//!   total) as its own Observation. Whooley is a `valueBoolean`, totals are
//!   `valueInteger`, anything else a `valueQuantity`.
//!
//! Conventions:
//!
//! - Every entry's `fullUrl` is `urn:uuid:<id>`, and every `reference` in
//!   the bundle uses that same form, so each one resolves inside the bundle.
//! - Ids are stable: the Patient's is the person's id, the
//!   QuestionnaireResponse's the response's id; the Bundle's and the
//!   Observations' are derived from the response id (an FNV-1a 128 hash made
//!   into a version-8 UUID), so exporting twice gives the same document.
//! - `questionnaire` is the canonical
//!   `https://doorstep.invalid/fhir/Questionnaire/<form id>|<version>`; the
//!   definition's content hash travels in the extension
//!   [`FORM_HASH_EXTENSION`].
//! - An amendment has status `amended` and the extension
//!   [`AMENDS_EXTENSION`] whose `valueReference` is a *logical* reference
//!   (`type` + `identifier` `urn:uuid:<amended id>`), not a literal
//!   `reference`, because the amended response is not in the bundle.
//! - Drafts are refused ([`FhirError::NotCompleted`]): only completed
//!   responses are exported.
//!
//! - A response made at a contact carries that contact as an `Encounter`
//!   (UK Core Encounter; the QuestionnaireResponse's and every
//!   Observation's `encounter`) and the growth measurements taken at it for
//!   its subject as UK Core vital-signs Observations ([`encounter`]);
//!   [`contact_bundle`] exports a contact alone the same way.
//! - Every bundle validates as FHIR R4 with an independent FHIR model in
//!   the test command (`xtask/fhir/validate.py`).
//!
//! Pure code: builds a `serde_json::Value`, no IO.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

pub mod encounter;

use doorstep_domain::forms::{self, Answer, FormDefinition, Item, ItemType, Score, ScoreFlag};
use doorstep_domain::record::family::{Family, Person};
use doorstep_domain::record::response::{FormResponse, ResponseStatus};
use doorstep_domain::values::codes::Sex;

/// UK Core Patient profile.
pub const UKCORE_PATIENT: &str = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient";
/// The fixed identifier system of the NHS number.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// NHS number verification-status extension.
pub const NHS_NUMBER_STATUS_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";
/// NHS number verification-status code system (England).
pub const NHS_NUMBER_STATUS_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland";
/// Ethnic category extension.
pub const ETHNIC_CATEGORY_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory";
/// Ethnic category code system (England).
pub const ETHNIC_CATEGORY_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland";
/// Base of the canonical URLs of Doorstep's Questionnaires.
pub const QUESTIONNAIRE_BASE: &str = "https://doorstep.invalid/fhir/Questionnaire/";
/// Extension carrying the form definition's content hash.
pub const FORM_HASH_EXTENSION: &str =
    "https://doorstep.invalid/fhir/StructureDefinition/form-content-hash";
/// Extension pointing at the response an amendment amends.
pub const AMENDS_EXTENSION: &str = "https://doorstep.invalid/fhir/StructureDefinition/amends";
/// Code system of Doorstep's score codes (`epds-total`, `asq3`, …).
pub const SCORE_SYSTEM: &str = "https://doorstep.invalid/fhir/CodeSystem/score";
/// Code system of Doorstep's score interpretations (`positive`, `urgent`,
/// `refer`, `monitor`, `on-schedule`).
pub const INTERPRETATION_SYSTEM: &str = "https://doorstep.invalid/fhir/CodeSystem/interpretation";
/// HL7 Observation category code system.
const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// UCUM.
const UCUM: &str = "http://unitsofmeasure.org";

/// Why a response cannot be exported. Messages carry no patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FhirError {
    /// No current response with that id in this family.
    #[error("no such response in this family (or it was entered in error)")]
    NoSuchResponse,
    /// The response is still a draft.
    #[error("the response is not completed: only completed responses are exported")]
    NotCompleted,
    /// The response has no subject, or the subject is not in the family.
    #[error("the response has no subject in this family to export as a Patient")]
    NoSubject,
    /// The definition the response was made with is not installed.
    #[error("the form version this response was made with is not installed on this device")]
    UnknownForm,
    /// No current contact with that id in this family.
    #[error("no such contact in this family (or it was entered in error)")]
    NoSuchContact,
}

/// The FHIR R4 `Bundle` (type `collection`) for completed response
/// `response_id` of `family`: Patient, QuestionnaireResponse and score
/// Observations (see the module docs).
pub fn response_bundle(family: &Family, response_id: Uuid) -> Result<Value, FhirError> {
    let r = family
        .responses
        .get(&response_id)
        .filter(|r| r.entered_in_error.is_none())
        .ok_or(FhirError::NoSuchResponse)?;
    let completed = match (&r.status, &r.completed) {
        (ResponseStatus::Completed, Some(stamp)) => stamp,
        _ => return Err(FhirError::NotCompleted),
    };
    let subject_id = r.subject.ok_or(FhirError::NoSubject)?;
    let person = family
        .members
        .get(&subject_id)
        .ok_or(FhirError::NoSubject)?;
    let def = forms::find(&r.form.id, &r.form.version).ok_or(FhirError::UnknownForm)?;
    let at = instant(&completed.at);
    // The contact it was made at, when it is current and concerns the subject.
    let contact = r.contact_id.and_then(|cid| {
        family
            .contacts
            .get(&cid)
            .filter(|c| c.is_current() && c.concerns(&subject_id))
            .map(|c| (cid, c))
    });
    let encounter_ref = contact.map(|(cid, _)| encounter::encounter_id(cid, subject_id));

    let mut qr = questionnaire_response(response_id, r, def, subject_id, &completed.by, &at);
    if let (Some(e), Value::Object(m)) = (encounter_ref, &mut qr) {
        m.insert("encounter".into(), reference(e));
    }
    let mut entries = vec![
        entry(subject_id, patient(subject_id, person)),
        entry(response_id, qr),
    ];
    if let Some((cid, c)) = contact {
        let e = encounter::encounter(cid, c, subject_id);
        entries.push(entry(encounter::encounter_id(cid, subject_id), e));
    }
    for (id, mut obs) in observations(response_id, r, subject_id, &at) {
        if let (Some(e), Value::Object(m)) = (encounter_ref, &mut obs) {
            m.insert("encounter".into(), reference(e));
        }
        entries.push(entry(id, obs));
    }
    if let Some((cid, c)) = contact {
        for (id, obs) in encounter::growth_observations(family, cid, c, subject_id) {
            entries.push(entry(id, obs));
        }
    }
    Ok(json!({
        "resourceType": "Bundle",
        "id": derived_id(response_id, "bundle").to_string(),
        "type": "collection",
        "timestamp": at,
        "entry": entries,
    }))
}

/// The FHIR R4 `Bundle` (type `collection`) of contact `contact_id`: for
/// each child it concerns, the Patient, the Encounter and the growth
/// Observations of the measurements taken at it.
pub fn contact_bundle(family: &Family, contact_id: Uuid) -> Result<Value, FhirError> {
    let c = family
        .contacts
        .get(&contact_id)
        .filter(|c| c.is_current())
        .ok_or(FhirError::NoSuchContact)?;
    let mut entries = Vec::new();
    for (pid, _) in c.subjects.iter().filter(|(_, on)| **on) {
        let person = family.members.get(pid).ok_or(FhirError::NoSubject)?;
        entries.push(entry(*pid, patient(*pid, person)));
        entries.push(entry(
            encounter::encounter_id(contact_id, *pid),
            encounter::encounter(contact_id, c, *pid),
        ));
        for (id, obs) in encounter::growth_observations(family, contact_id, c, *pid) {
            entries.push(entry(id, obs));
        }
    }
    if entries.is_empty() {
        return Err(FhirError::NoSubject);
    }
    Ok(json!({
        "resourceType": "Bundle",
        "id": derived_id(contact_id, "bundle").to_string(),
        "type": "collection",
        "timestamp": instant(&c.recorded.at),
        "entry": entries,
    }))
}

fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: Uuid) -> Value {
    json!({ "reference": urn(id) })
}

fn entry(id: Uuid, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

fn instant(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stable UUID (version 8) for a resource derived from the response.
fn derived_id(response_id: Uuid, what: &str) -> Uuid {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut h = OFFSET;
    for b in response_id
        .as_bytes()
        .iter()
        .copied()
        .chain([b'|'])
        .chain(what.bytes())
    {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    let mut bytes = h.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

fn gender(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Indeterminate => "other",
        Sex::NotKnown => "unknown",
    }
}

fn patient(id: Uuid, p: &Person) -> Value {
    let mut res = Map::new();
    res.insert("resourceType".into(), json!("Patient"));
    res.insert("id".into(), json!(id.to_string()));
    res.insert("meta".into(), json!({ "profile": [UKCORE_PATIENT] }));
    if let Some(ec) = &p.ethnic_category {
        res.insert(
            "extension".into(),
            json!([{
                "url": ETHNIC_CATEGORY_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [{
                        "system": ETHNIC_CATEGORY_SYSTEM,
                        "code": ec.code(),
                        "display": ec.label(),
                    }]
                }
            }]),
        );
    }
    if let Some(nhs) = &p.nhs_number {
        let mut ident = Map::new();
        if let Some(status) = &p.nhs_number_status {
            ident.insert(
                "extension".into(),
                json!([{
                    "url": NHS_NUMBER_STATUS_EXTENSION,
                    "valueCodeableConcept": {
                        "coding": [{
                            "system": NHS_NUMBER_STATUS_SYSTEM,
                            "code": status.code(),
                            "display": status.label(),
                        }]
                    }
                }]),
            );
        }
        ident.insert("system".into(), json!(NHS_NUMBER_SYSTEM));
        ident.insert("value".into(), json!(nhs.as_str()));
        res.insert("identifier".into(), json!([Value::Object(ident)]));
    }
    let mut name = Map::new();
    name.insert("family".into(), json!(p.family_name));
    if let Some(given) = p.given_name.as_deref().filter(|g| !g.trim().is_empty()) {
        name.insert("given".into(), json!([given]));
    }
    res.insert("name".into(), json!([Value::Object(name)]));
    if let Some(sex) = p.sex {
        res.insert("gender".into(), json!(gender(sex)));
    }
    if let Some(dob) = p.date_of_birth {
        res.insert(
            "birthDate".into(),
            json!(dob.format("%Y-%m-%d").to_string()),
        );
    }
    Value::Object(res)
}

fn questionnaire_response(
    id: Uuid,
    r: &FormResponse,
    def: &FormDefinition,
    subject: Uuid,
    author: &str,
    authored: &str,
) -> Value {
    let mut extension = vec![json!({
        "url": FORM_HASH_EXTENSION,
        "valueString": r.form.hash,
    })];
    if let Some(amended) = r.amends {
        extension.push(json!({
            "url": AMENDS_EXTENSION,
            "valueReference": {
                "type": "QuestionnaireResponse",
                "identifier": { "system": "urn:ietf:rfc:3986", "value": urn(amended) },
            }
        }));
    }
    let status = if r.amends.is_some() {
        "amended"
    } else {
        "completed"
    };
    let mut res = Map::new();
    res.insert("resourceType".into(), json!("QuestionnaireResponse"));
    res.insert("id".into(), json!(id.to_string()));
    res.insert("extension".into(), Value::Array(extension));
    res.insert(
        "questionnaire".into(),
        json!(format!(
            "{QUESTIONNAIRE_BASE}{}|{}",
            r.form.id, r.form.version
        )),
    );
    res.insert("status".into(), json!(status));
    res.insert("subject".into(), reference(subject));
    res.insert("authored".into(), json!(authored));
    res.insert("author".into(), json!({ "display": author }));
    let items = items(&def.items, "", r);
    if !items.is_empty() {
        res.insert("item".into(), Value::Array(items));
    }
    Value::Object(res)
}

/// The sorted instance indices of `link` under `prefix` in the answers:
/// keys `prefix link[i]` (a repeating question) or `prefix link[i].…` (a
/// repeating group).
fn indices(r: &FormResponse, prefix: &str, link: &str, group: bool) -> Vec<usize> {
    let start = format!("{prefix}{link}[");
    let mut out: Vec<usize> = r
        .answers
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix(&start)?;
            let (digits, tail) = rest.split_once(']')?;
            if group != tail.starts_with('.') || (!group && !tail.is_empty()) {
                return None;
            }
            digits.parse().ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn items(defs: &[Item], prefix: &str, r: &FormResponse) -> Vec<Value> {
    let mut out = Vec::new();
    for item in defs {
        let link = &item.link_id;
        match (item.item_type, item.repeats) {
            (ItemType::Group, false) => {
                let children = items(&item.items, prefix, r);
                if !children.is_empty() {
                    out.push(item_value(item, "item", children));
                }
            }
            (ItemType::Group, true) => {
                for i in indices(r, prefix, link, true) {
                    let children = items(&item.items, &format!("{prefix}{link}[{i}]."), r);
                    if !children.is_empty() {
                        out.push(item_value(item, "item", children));
                    }
                }
            }
            (_, repeats) => {
                let keys: Vec<String> = if repeats {
                    indices(r, prefix, link, false)
                        .into_iter()
                        .map(|i| format!("{prefix}{link}[{i}]"))
                        .collect()
                } else {
                    vec![format!("{prefix}{link}")]
                };
                let answers: Vec<Value> = keys
                    .iter()
                    .filter_map(|k| r.answers.get(k))
                    .map(|a| answer_value(item, a))
                    .collect();
                if !answers.is_empty() {
                    out.push(item_value(item, "answer", answers));
                }
            }
        }
    }
    out
}

fn item_value(item: &Item, key: &str, list: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert("linkId".into(), json!(item.link_id));
    if !item.text.is_empty() {
        m.insert("text".into(), json!(item.text));
    }
    m.insert(key.into(), Value::Array(list));
    Value::Object(m)
}

fn answer_value(item: &Item, a: &Answer) -> Value {
    match a {
        Answer::Bool(b) => json!({ "valueBoolean": b }),
        Answer::Integer(i) => json!({ "valueInteger": i }),
        Answer::Decimal(d) => json!({ "valueDecimal": d }),
        Answer::Text(s) => json!({ "valueString": s }),
        Answer::Date(d) => json!({ "valueDate": d.format("%Y-%m-%d").to_string() }),
        Answer::Coding(code) => {
            let mut c = Map::new();
            c.insert("code".into(), json!(code));
            if let Some(opt) = item.option(code).filter(|o| !o.display.is_empty()) {
                c.insert("display".into(), json!(opt.display));
            }
            json!({ "valueCoding": Value::Object(c) })
        }
    }
}

fn code(code: &str, label: &str) -> Value {
    json!({
        "coding": [{ "system": SCORE_SYSTEM, "code": code, "display": label }],
        "text": label,
    })
}

fn interpretation(code: &str, text: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert(
        "coding".into(),
        json!([{ "system": INTERPRETATION_SYSTEM, "code": code }]),
    );
    if let Some(t) = text {
        m.insert("text".into(), json!(t));
    }
    json!([Value::Object(m)])
}

/// The interpretation code of a score from its flags (most urgent first).
fn flag_code(s: &Score) -> Option<&'static str> {
    [
        (ScoreFlag::Urgent, "urgent"),
        (ScoreFlag::Refer, "refer"),
        (ScoreFlag::Positive, "positive"),
        (ScoreFlag::Monitor, "monitor"),
    ]
    .into_iter()
    .find(|(f, _)| s.has(*f))
    .map(|(_, c)| c)
}

fn is_asq_domain(code: &str) -> bool {
    forms::AsqDomain::ALL.iter().any(|d| d.link_id() == code)
}

fn observation(
    id: Uuid,
    code_value: Value,
    subject: Uuid,
    qr: Uuid,
    at: &str,
    fill: impl FnOnce(&mut Map<String, Value>),
) -> Value {
    let mut m = Map::new();
    m.insert("resourceType".into(), json!("Observation"));
    m.insert("id".into(), json!(id.to_string()));
    m.insert("status".into(), json!("final"));
    m.insert(
        "category".into(),
        json!([{ "coding": [{ "system": CATEGORY_SYSTEM, "code": "survey" }] }]),
    );
    m.insert("code".into(), code_value);
    m.insert("subject".into(), reference(subject));
    m.insert("effectiveDateTime".into(), json!(at));
    fill(&mut m);
    m.insert("derivedFrom".into(), json!([reference(qr)]));
    Value::Object(m)
}

/// The score's value as an Observation/component `value[x]`.
fn score_value(s: &Score) -> (&'static str, Value) {
    if s.code == "whooley-positive" {
        ("valueBoolean", json!(s.value > 0.0))
    } else if (s.code.ends_with("-total") || s.code == "epds-item10") && s.value.fract() == 0.0 {
        ("valueInteger", json!(s.value as i64))
    } else {
        (
            "valueQuantity",
            json!({ "value": s.value, "unit": "score" }),
        )
    }
}

fn observations(
    response_id: Uuid,
    r: &FormResponse,
    subject: Uuid,
    at: &str,
) -> Vec<(Uuid, Value)> {
    let mut out = Vec::new();
    let scores = &r.scores;

    // ASQ-3: one Observation, a component per domain plus the interval.
    let domains: Vec<&Score> = forms::AsqDomain::ALL
        .iter()
        .filter_map(|d| scores.get(d.link_id()))
        .collect();
    if !domains.is_empty() {
        let mut components: Vec<Value> = domains
            .iter()
            .map(|s| {
                let zone = if s.has(ScoreFlag::Refer) {
                    Some("refer")
                } else if s.has(ScoreFlag::Monitor) {
                    Some("monitor")
                } else if s.interpretation.as_deref() == Some("on schedule") {
                    Some("on-schedule")
                } else {
                    None
                };
                let mut c = Map::new();
                c.insert("code".into(), code(&s.code, &s.label));
                c.insert(
                    "valueQuantity".into(),
                    json!({ "value": s.value, "unit": "score" }),
                );
                if let Some(z) = zone {
                    c.insert(
                        "interpretation".into(),
                        interpretation(z, s.interpretation.as_deref()),
                    );
                }
                Value::Object(c)
            })
            .collect();
        if let Some(iv) = scores.get("asq3-interval") {
            components.push(json!({
                "code": code(&iv.code, &iv.label),
                "valueQuantity": {
                    "value": iv.value,
                    "unit": "month",
                    "system": UCUM,
                    "code": "mo",
                },
            }));
        }
        let id = derived_id(response_id, "asq3");
        out.push((
            id,
            observation(
                id,
                code("asq3", "ASQ-3 domain scores"),
                subject,
                response_id,
                at,
                |m| {
                    m.insert("component".into(), Value::Array(components));
                },
            ),
        ));
    }

    // Everything else: one Observation per score; EPDS item 10 rides on
    // the EPDS total as a component when there is a total.
    let total = scores.get("epds-total");
    for s in scores.values() {
        if is_asq_domain(&s.code) || s.code == "asq3-interval" {
            continue;
        }
        if s.code == "epds-item10" && total.is_some() {
            continue;
        }
        let item10 = (s.code == "epds-total")
            .then(|| scores.get("epds-item10"))
            .flatten();
        let id = derived_id(response_id, &s.code);
        let (key, value) = score_value(s);
        out.push((
            id,
            observation(id, code(&s.code, &s.label), subject, response_id, at, |m| {
                m.insert(key.into(), value);
                let flag =
                    flag_code(s).or(if s.code == "whooley-positive" || s.code == "gad2-total" {
                        Some("negative")
                    } else {
                        None
                    });
                if let Some(f) = flag {
                    m.insert(
                        "interpretation".into(),
                        interpretation(f, s.interpretation.as_deref()),
                    );
                } else if let Some(t) = &s.interpretation {
                    m.insert("note".into(), json!([{ "text": t }]));
                }
                if let Some(i10) = item10 {
                    let (k, v) = score_value(i10);
                    let mut c = Map::new();
                    c.insert("code".into(), code(&i10.code, &i10.label));
                    c.insert(k.into(), v);
                    if i10.has(ScoreFlag::Urgent) {
                        c.insert(
                            "interpretation".into(),
                            interpretation("urgent", i10.interpretation.as_deref()),
                        );
                    }
                    m.insert("component".into(), json!([Value::Object(c)]));
                }
            }),
        ));
    }
    out
}
