//! Contacts recorded in homes and clinics, offline: a draft that can be
//! edited, then signed (immutable), with dated addenda as corrections and
//! measurements taken at the contact.
//!
//! Contacts and measurements live in the family document (maps keyed by
//! UUID). Signing freezes the contact and its measurements; the only later
//! changes are addenda and an entered-in-error mark, which keep the original.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::clinical::growth::Measure;
use crate::record::action::{Action, ActionContext, Edit};
use crate::record::family::{ErrorMark, Family, RecordKind, Stamp};
use crate::values::codes::{
    Attendance, ConsultationMechanism, ContactKind, FeedingStatus, LocationType, MemberRole,
    PractitionerRole,
};
use crate::values::problem::{problem, Problems};
use crate::values::validate::{optional_text, required_text};

/// Whether a contact can still be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ContactStatus {
    /// Saved, editable.
    Draft,
    /// Signed: immutable; corrections are addenda.
    Signed,
}

/// A dated correction or addition to a signed contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Addendum {
    /// Who wrote it.
    pub by: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The text.
    pub text: String,
}

/// A contact with the family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Contact {
    /// What kind of contact.
    pub kind: ContactKind,
    /// The children (or unborn babies) it concerns, as a set.
    #[serde(default)]
    pub subjects: BTreeMap<Uuid, bool>,
    /// When it started (UTC).
    pub at: DateTime<Utc>,
    /// Its UK calendar date.
    pub date: NaiveDate,
    /// Duration in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// CSDS activity location type.
    pub location: LocationType,
    /// CSDS consultation mechanism.
    pub mechanism: ConsultationMechanism,
    /// The outcome.
    pub attendance: Attendance,
    /// Why the family declined (attendance `declined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declined_reason: Option<String>,
    /// Who was present (free text, e.g. "mother, father, baby").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<String>,
    /// Who delivered it.
    pub practitioner: String,
    /// Their role.
    pub role: PractitionerRole,
    /// The accountable health visitor when the contact was delegated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accountable_hv: Option<String>,
    /// High-impact-area topics discussed (codes `hia-1` … `hia-6`), as a set.
    #[serde(default)]
    pub topics: BTreeMap<String, bool>,
    /// Free-text note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why a review was not delivered face to face, when the practitioner
    /// records it (a remote review without a reason stays open for a
    /// face-to-face follow-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_reason: Option<String>,
    /// Infant feeding status (new birth visit and 6–8 week review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feeding_status: Option<FeedingStatus>,
    /// A follow-up this contact sets: by when and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<super::follow_up::FollowUp>,
    /// A safeguarding concern seen or heard at the contact, in the
    /// practitioner's words: an urgent item until addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguarding_concern: Option<String>,
    /// The open follow-ups (results, earlier follow-ups) this contact
    /// addresses, by key, as a set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub addresses: BTreeMap<String, bool>,
    /// A hand-ticked "ASQ-3 completed" box, kept on records made before
    /// the ASQ-3 was read from the completed 2–2½ year review form; never
    /// counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asq3_completed: Option<bool>,
    /// Why height or weight were not recorded at a 2–2½ year review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bmi_not_recorded_reason: Option<String>,
    /// Draft or signed.
    pub status: ContactStatus,
    /// Who recorded it and when.
    pub recorded: Stamp,
    /// Who signed it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Stamp>,
    /// Corrections after signing, keyed by id.
    #[serde(default)]
    pub addenda: BTreeMap<Uuid, Addendum>,
    /// Set when entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

impl Contact {
    /// Whether the contact counts (not entered in error).
    pub fn is_current(&self) -> bool {
        self.entered_in_error.is_none()
    }

    /// Whether it concerns `person`.
    pub fn concerns(&self, person: &Uuid) -> bool {
        self.subjects.get(person).copied().unwrap_or(false)
    }

    /// Whether it was face to face.
    pub fn is_face_to_face(&self) -> bool {
        self.mechanism == ConsultationMechanism::FaceToFace
    }
}

/// A measurement taken at a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Measurement {
    /// The contact it was taken at.
    pub contact_id: Uuid,
    /// The child measured.
    pub person_id: Uuid,
    /// What was measured.
    pub measure: Measure,
    /// The value in the measure's unit (kg or cm).
    pub value: f64,
    /// The date measured.
    pub measured_on: NaiveDate,
    /// Why an implausible value was kept, when it was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implausible_confirmed: Option<String>,
    /// Who recorded it and when.
    pub recorded: Stamp,
    /// Set when entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// What the user typed to record a contact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewContact {
    /// Contact kind code.
    pub kind: String,
    /// Person ids of the children / unborn babies concerned.
    pub subjects: Vec<String>,
    /// Start time (UTC).
    pub at: Option<DateTime<Utc>>,
    /// Start time as typed, in England's time: `YYYY-MM-DD HH:MM` (or with
    /// a `T`), whatever the laptop's own time zone. Used when `at` is not
    /// given.
    #[serde(default)]
    pub at_local: Option<String>,
    /// Duration in minutes.
    pub duration_minutes: Option<String>,
    /// Location type code.
    pub location: String,
    /// Consultation mechanism code.
    pub mechanism: String,
    /// Attendance code.
    pub attendance: String,
    /// Reason when declined.
    pub declined_reason: Option<String>,
    /// Who was present.
    pub present: Option<String>,
    /// Role code of the practitioner.
    pub role: String,
    /// Accountable HV when delegated.
    pub accountable_hv: Option<String>,
    /// Topic codes (`hia-1` … `hia-6`).
    pub topics: Vec<String>,
    /// Note.
    pub note: Option<String>,
    /// Why a review was not face to face.
    pub remote_reason: Option<String>,
    /// Infant feeding status code.
    pub feeding_status: Option<String>,
    /// A follow-up date (YYYY-MM-DD), with its reason.
    pub follow_up_on: Option<String>,
    /// Why the follow-up.
    pub follow_up_reason: Option<String>,
    /// A safeguarding concern seen or heard, in words.
    #[serde(default)]
    pub safeguarding_concern: Option<String>,
    /// Keys of open follow-ups this contact addresses.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Reason height/weight not recorded at a 2-year review.
    pub bmi_not_recorded_reason: Option<String>,
}

const TEXT_MAX: usize = 500;
const NOTE_MAX: usize = 20_000;

fn member_ids(
    family: &Family,
    raw: &[String],
    kind: Option<ContactKind>,
    p: &mut Problems,
) -> BTreeMap<Uuid, bool> {
    let mut out = BTreeMap::new();
    for s in raw {
        match Uuid::parse_str(s.trim())
            .ok()
            .and_then(|id| family.members.get(&id).map(|m| (id, m)))
        {
            Some((id, m)) if m.is_current() => {
                let ok = match kind {
                    Some(ContactKind::Antenatal) => {
                        m.role == MemberRole::Unborn || m.birth_recorded.is_some()
                    }
                    Some(k) if k.is_review() => m.role == MemberRole::Child,
                    _ => true,
                };
                if !ok {
                    p.push(
                        "child",
                        if kind == Some(ContactKind::Antenatal) {
                            "an antenatal review is about an unborn baby"
                        } else {
                            "a review is about a born child (record the birth first)"
                        },
                    );
                }
                out.insert(id, true);
            }
            Some(_) => p.push("child", "names a member entered in error"),
            None => p.push("child", "is not a member of this family"),
        }
    }
    out
}

/// A date and time typed in England (`2026-03-14 10:30`, `2026-03-14T10:30`)
/// as the UTC instant.
pub fn parse_local_time(s: &str) -> Result<DateTime<Utc>, String> {
    let bad = || "must be a real date and time, for example 14 March 2026 at 10:30".to_string();
    let (d, t) = s.split_once(['T', ' ']).ok_or_else(bad)?;
    let day = crate::values::validate::date(d.trim()).map_err(|_| bad())?;
    let time = chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
        .map_err(|_| "has a time that is not a 24-hour time such as 09:30 or 14:05".to_string())?;
    Ok(crate::values::calendar::london_to_utc(day.and_time(time)))
}

/// Validates a new draft contact.
pub fn record_contact(
    family: &Family,
    id: Uuid,
    input: &NewContact,
    cx: &ActionContext,
) -> Result<(Contact, Action), Problems> {
    if family.entered_in_error.is_some() {
        return Err(problem(
            "family",
            "was entered in error and cannot be changed",
        ));
    }
    let mut p = Problems::new();
    let kind = p.check("kind", ContactKind::parse(&input.kind));
    let subjects = member_ids(family, &input.subjects, kind, &mut p);
    if kind.is_some_and(|k| k.is_review()) && subjects.is_empty() && input.subjects.is_empty() {
        p.push(
            "child",
            "is required for a review: name the child (or unborn baby)",
        );
    }
    let typed_at = input
        .at_local
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| p.check("at", parse_local_time(s)));
    let at = input.at.or(typed_at).unwrap_or(cx.now);
    if at > cx.now + chrono::Duration::minutes(5) {
        p.push(
            "at",
            "must not be in the future: record a contact once it has happened",
        );
    }
    let duration = input
        .duration_minutes
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| {
            p.check(
                "duration_minutes",
                s.parse::<u32>()
                    .map_err(|_| "must be a whole number of minutes".to_string())
                    .and_then(|m| {
                        if (1..=600).contains(&m) {
                            Ok(m)
                        } else {
                            Err("must be between 1 and 600 minutes".into())
                        }
                    }),
            )
        });
    let location = p.check("location", LocationType::parse(&input.location));
    let mechanism = p.check("mechanism", ConsultationMechanism::parse(&input.mechanism));
    let attendance = p.check("attendance", Attendance::parse(&input.attendance));
    let declined = p
        .check(
            "declined_reason",
            optional_text(input.declined_reason.as_deref(), TEXT_MAX),
        )
        .flatten();
    if attendance == Some(Attendance::Declined) && declined.is_none() {
        p.push("declined_reason", "is required when the family declines");
    }
    if attendance.is_some_and(|a| a != Attendance::Declined) && declined.is_some() {
        p.push(
            "declined_reason",
            "is only recorded when the family declines",
        );
    }
    let present = p
        .check("present", optional_text(input.present.as_deref(), TEXT_MAX))
        .flatten();
    let role = p.check("role", PractitionerRole::parse(&input.role));
    let accountable = p
        .check(
            "accountable_hv",
            optional_text(input.accountable_hv.as_deref(), 100),
        )
        .flatten();
    if role.is_some_and(|r| r.is_delegated()) && accountable.is_none() {
        p.push(
            "accountable_hv",
            "is required when the contact is delegated: name the accountable health visitor",
        );
    }
    let mut topics = BTreeMap::new();
    for t in &input.topics {
        let t = t.trim().to_ascii_lowercase();
        if t.is_empty() {
            continue;
        }
        let code = t
            .strip_prefix("hia")
            .map(|r| r.trim_start_matches(['-', ' ']).to_string())
            .unwrap_or(t.clone());
        match code.parse::<u8>() {
            Ok(n) if (1..=6).contains(&n) => {
                topics.insert(format!("hia-{n}"), true);
            }
            _ => p.push("topics", "must be high-impact-area codes hia-1 to hia-6"),
        }
    }
    let note = p
        .check("note", optional_text(input.note.as_deref(), NOTE_MAX))
        .flatten();
    let bmi_reason = p
        .check(
            "bmi_not_recorded_reason",
            optional_text(input.bmi_not_recorded_reason.as_deref(), TEXT_MAX),
        )
        .flatten();
    let remote_reason = p
        .check(
            "remote_reason",
            optional_text(input.remote_reason.as_deref(), TEXT_MAX),
        )
        .flatten();
    if remote_reason.is_some() && mechanism == Some(ConsultationMechanism::FaceToFace) {
        p.push(
            "remote_reason",
            "is recorded only when the contact was not face to face",
        );
    }
    let feeding = input
        .feeding_status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| p.check("feeding_status", FeedingStatus::parse(s)));
    if feeding.is_some()
        && kind.is_some_and(|k| !matches!(k, ContactKind::NewBirth | ContactKind::SixToEightWeek))
    {
        p.push(
            "feeding_status",
            "is recorded at the new birth visit and the 6–8 week review only",
        );
    }
    let follow_up_reason = p
        .check(
            "follow_up_reason",
            optional_text(input.follow_up_reason.as_deref(), TEXT_MAX),
        )
        .flatten();
    let follow_up_on = input
        .follow_up_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| p.check("follow_up_on", crate::values::validate::date(s)));
    let follow_up = match (follow_up_on, follow_up_reason) {
        (Some(due), Some(reason)) => {
            if due < crate::values::calendar::london_date(at) {
                p.push("follow_up_on", "must not be before the contact");
            }
            Some(super::follow_up::FollowUp { due, reason })
        }
        (Some(_), None) => {
            p.push(
                "follow_up_reason",
                "is required with a follow-up date: say what to follow up",
            );
            None
        }
        (None, Some(_))
            if input
                .follow_up_on
                .as_deref()
                .is_none_or(|s| s.trim().is_empty()) =>
        {
            p.push("follow_up_on", "is required with a follow-up reason");
            None
        }
        _ => None,
    };
    let safeguarding_concern = p
        .check(
            "safeguarding_concern",
            optional_text(input.safeguarding_concern.as_deref(), TEXT_MAX),
        )
        .flatten();
    let addresses = super::follow_up::check_addresses(family, &input.addresses, &mut p);
    if !p.is_empty() {
        return Err(p);
    }
    let contact = Contact {
        kind: kind.expect("checked"),
        subjects,
        at,
        date: crate::values::calendar::london_date(at),
        duration_minutes: duration,
        location: location.expect("checked"),
        mechanism: mechanism.expect("checked"),
        attendance: attendance.expect("checked"),
        declined_reason: declined,
        present,
        practitioner: cx.practitioner.clone(),
        role: role.expect("checked"),
        accountable_hv: accountable,
        topics,
        note,
        remote_reason,
        feeding_status: feeding,
        follow_up,
        safeguarding_concern,
        addresses,
        asq3_completed: None,
        bmi_not_recorded_reason: bmi_reason,
        status: ContactStatus::Draft,
        recorded: Stamp {
            by: cx.practitioner.clone(),
            at: cx.now,
        },
        signed: None,
        addenda: BTreeMap::new(),
        entered_in_error: None,
    };
    let action = Action {
        edits: vec![Edit::set(&["contacts", &id.to_string()], &contact)],
        message: "contact.record".into(),
        audit_action: "contact.record",
        record_id: id,
        record_kind: RecordKind::Contact,
    };
    Ok((contact, action))
}

/// The contact `id`, if it is in this family and current; the problem names
/// the `contact` field otherwise.
pub fn find_contact<'a>(family: &'a Family, id: &str) -> Result<(Uuid, &'a Contact), Problems> {
    let uuid = Uuid::parse_str(id.trim()).map_err(|_| problem("contact", "is not a record id"))?;
    match family.contacts.get(&uuid) {
        Some(c) if c.entered_in_error.is_some() => Err(problem("contact", "was entered in error")),
        Some(c) => Ok((uuid, c)),
        None => Err(problem("contact", "is not a contact of this family")),
    }
}

/// Refuses any change to a signed contact, saying what to do instead.
pub fn require_draft(c: &Contact) -> Result<(), Problems> {
    if c.status == ContactStatus::Signed {
        return Err(problem(
            "contact",
            "is signed and cannot be changed: add an addendum to correct it, or mark it entered in error",
        ));
    }
    Ok(())
}

/// The measurements taken at a contact (current ones).
pub fn measurements_of(
    family: &Family,
    contact_id: Uuid,
) -> impl Iterator<Item = (&Uuid, &Measurement)> {
    family
        .measurements
        .iter()
        .filter(move |(_, m)| m.contact_id == contact_id && m.entered_in_error.is_none())
}

/// Signs a draft contact, making it immutable. A 2–2½ year review attended
/// needs a height and a weight for each child (so BMI can be computed)
/// unless a reason is recorded.
pub fn sign_contact(
    family: &Family,
    contact_id: &str,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    let (id, c) = find_contact(family, contact_id)?;
    require_draft(c)?;
    if c.kind == ContactKind::TwoYear
        && c.attendance.was_seen()
        && c.bmi_not_recorded_reason.is_none()
    {
        for (child, _) in c.subjects.iter().filter(|(_, on)| **on) {
            let has = |m: Measure| {
                measurements_of(family, id).any(|(_, x)| x.person_id == *child && x.measure == m)
            };
            if !(has(Measure::Weight) && has(Measure::Height)) {
                return Err(problem(
                    "measurements",
                    "a 2–2½ year review needs the child's height and weight (for BMI) before it is signed, or a reason they were not recorded (bmi_not_recorded_reason)",
                ));
            }
        }
    }
    let mut fields = Map::new();
    fields.insert(
        "status".into(),
        serde_json::to_value(ContactStatus::Signed).expect("status"),
    );
    fields.insert(
        "signed".into(),
        serde_json::to_value(Stamp {
            by: cx.practitioner.clone(),
            at: cx.now,
        })
        .expect("stamp"),
    );
    Ok(Action {
        edits: vec![Edit::fields(
            vec!["contacts".into(), id.to_string()],
            fields,
        )],
        message: "contact.sign".into(),
        audit_action: "contact.sign",
        record_id: id,
        record_kind: RecordKind::Contact,
    })
}

/// The contact's fields an edit never changes: who recorded it and when,
/// its status, signature, addenda and marks.
const FIXED_ON_EDIT: [&str; 7] = [
    "recorded",
    "practitioner",
    "status",
    "signed",
    "addenda",
    "entered_in_error",
    "asq3_completed",
];
/// The contact's sets: an entry taken out is written `false`, as the
/// document keeps sets.
const SETS: [&str; 3] = ["subjects", "topics", "addresses"];

/// Validates a change to a draft contact: `input` is the whole contact as
/// the practitioner now has it, checked by the same rules as a new one;
/// only the fields that differ are written. A contact without a time keeps
/// its time.
pub fn edit_contact(
    family: &Family,
    contact_id: &str,
    input: &NewContact,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    let (id, old) = find_contact(family, contact_id)?;
    require_draft(old)?;
    // The follow-ups this draft addresses are open again while it changes.
    let mut others = family.clone();
    others.contacts.remove(&id);
    let typed = input
        .at_local
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    let input = NewContact {
        at: input.at.or((!typed).then_some(old.at)),
        ..input.clone()
    };
    let (new, _) = record_contact(&others, id, &input, cx)?;
    let old_v = serde_json::to_value(old).expect("contact");
    let new_v = serde_json::to_value(&new).expect("contact");
    let (Value::Object(old_m), Value::Object(new_m)) = (old_v, new_v) else {
        unreachable!("a contact is an object")
    };
    let mut fields = Map::new();
    let keys: std::collections::BTreeSet<&String> = old_m.keys().chain(new_m.keys()).collect();
    for k in keys {
        if FIXED_ON_EDIT.contains(&k.as_str()) || old_m.get(k) == new_m.get(k) {
            continue;
        }
        let value = match (SETS.contains(&k.as_str()), new_m.get(k)) {
            (true, now) => {
                let mut set = now.and_then(Value::as_object).cloned().unwrap_or_default();
                for gone in old_m
                    .get(k)
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    set.entry(gone.0.clone()).or_insert(Value::Bool(false));
                }
                Value::Object(set)
            }
            (false, Some(v)) => v.clone(),
            (false, None) => Value::Null,
        };
        fields.insert(k.clone(), value);
    }
    if fields.is_empty() {
        return Err(problem(
            "contact",
            "nothing to change: the draft is as saved",
        ));
    }
    Ok(Action {
        edits: vec![Edit::fields(
            vec!["contacts".into(), id.to_string()],
            fields,
        )],
        message: "contact.edit".into(),
        audit_action: "contact.edit",
        record_id: id,
        record_kind: RecordKind::Contact,
    })
}

/// Adds a dated addendum to a signed contact (drafts are edited directly).
pub fn add_addendum(
    family: &Family,
    contact_id: &str,
    addendum_id: Uuid,
    text: &str,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    let (id, c) = find_contact(family, contact_id)?;
    if c.status != ContactStatus::Signed {
        return Err(problem(
            "contact",
            "is still a draft: edit it directly instead of adding an addendum",
        ));
    }
    let text = required_text(text, NOTE_MAX).map_err(|e| problem("text", e))?;
    let a = Addendum {
        by: cx.practitioner.clone(),
        at: cx.now,
        text,
    };
    Ok(Action {
        edits: vec![Edit::set(
            &[
                "contacts",
                &id.to_string(),
                "addenda",
                &addendum_id.to_string(),
            ],
            &a,
        )],
        message: "contact.addendum".into(),
        audit_action: "contact.addendum",
        record_id: id,
        record_kind: RecordKind::Contact,
    })
}

/// The validated measurement values a user typed for one child.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewMeasurements {
    /// The child measured.
    pub person_id: String,
    /// Weight in kg.
    pub weight_kg: Option<String>,
    /// Length in cm (lying, under 2 years).
    pub length_cm: Option<String>,
    /// Height in cm (standing, from 2 years).
    pub height_cm: Option<String>,
    /// Head circumference in cm.
    pub head_cm: Option<String>,
    /// Keep values flagged as implausible, with this reason.
    pub confirm_implausible: Option<String>,
}

/// Validates measurements for a draft contact and plans them; see
/// [`crate::clinical::plausibility`] for the impossible / implausible rules.
pub fn add_measurements(
    family: &Family,
    contact_id: Uuid,
    contact: &Contact,
    input: &NewMeasurements,
    ids: &mut dyn FnMut() -> Uuid,
    cx: &ActionContext,
) -> Result<Vec<(Uuid, Measurement, Action)>, Problems> {
    require_draft(contact)?;
    let mut p = Problems::new();
    let person = match Uuid::parse_str(input.person_id.trim())
        .ok()
        .and_then(|id| family.members.get(&id).map(|m| (id, m)))
    {
        Some((id, m)) if m.is_current() && m.role == MemberRole::Child => Some((id, m)),
        Some(_) => {
            p.push(
                "child",
                "can only be measured once born (and not entered in error)",
            );
            None
        }
        None => {
            p.push("child", "is not a member of this family");
            None
        }
    };
    let confirm = optional_text(input.confirm_implausible.as_deref(), TEXT_MAX).unwrap_or(None);
    let mut out = Vec::new();
    let fields = [
        ("weight_kg", Measure::Weight, &input.weight_kg),
        ("length_cm", Measure::Length, &input.length_cm),
        ("height_cm", Measure::Height, &input.height_cm),
        ("head_cm", Measure::HeadCircumference, &input.head_cm),
    ];
    for (field, measure, raw) in fields {
        let Some(raw) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        let Ok(value) = raw.parse::<f64>() else {
            p.push(field, "must be a number");
            continue;
        };
        let Some((pid, child)) = person else { continue };
        match crate::clinical::plausibility::check(child, measure, value, contact.date) {
            Err(e) => p.push(field, e),
            Ok(Some(warning)) if confirm.is_none() => p.push(
                field,
                format!("{warning}: check it, then confirm with a reason to keep it"),
            ),
            Ok(_) => {
                let id = ids();
                let m = Measurement {
                    contact_id,
                    person_id: pid,
                    measure,
                    value,
                    measured_on: contact.date,
                    implausible_confirmed: confirm.clone().filter(|_| {
                        matches!(
                            crate::clinical::plausibility::check(
                                child,
                                measure,
                                value,
                                contact.date
                            ),
                            Ok(Some(_))
                        )
                    }),
                    recorded: Stamp {
                        by: cx.practitioner.clone(),
                        at: cx.now,
                    },
                    entered_in_error: None,
                };
                let action = Action {
                    edits: vec![Edit::set(&["measurements", &id.to_string()], &m)],
                    message: "measurement.add".into(),
                    audit_action: "measurement.add",
                    record_id: id,
                    record_kind: RecordKind::Measurement,
                };
                out.push((id, m, action));
            }
        }
    }
    if person.is_some()
        && input
            .length_cm
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
        && input
            .height_cm
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
    {
        p.push(
            "height_cm",
            "give length (under 2 years) or height (from 2 years), not both",
        );
    }
    if out.is_empty() && p.is_empty() {
        p.push(
            "measurements",
            "no measurement given: weight_kg, length_cm, height_cm or head_cm",
        );
    }
    if !p.is_empty() {
        let child = input.person_id.trim();
        for fp in &mut p.0 {
            fp.field = measurement_field(child, &fp.field);
        }
        return Err(p);
    }
    Ok(out)
}

/// The field path a measurement problem names: `children/<person id>/<field>`
/// (e.g. `children/…/weight_kg`), so a screen measuring several children
/// shows it beside the right one.
pub fn measurement_field(person_id: &str, field: &str) -> String {
    format!("children/{person_id}/{field}")
}

/// The child and the field a [`measurement_field`] path names; `None` for
/// any other field.
pub fn measurement_field_parts(path: &str) -> Option<(&str, &str)> {
    path.strip_prefix("children/")?.split_once('/')
}

/// Validates a new draft contact with the measurements taken at it (one
/// [`NewMeasurements`] per child): one action, so one commit and one audit
/// row. Problems with the contact come first; measurement problems name
/// their child ([`measurement_field`]).
pub fn record_contact_with_measurements(
    family: &Family,
    id: Uuid,
    input: &NewContact,
    measurements: &[NewMeasurements],
    ids: &mut dyn FnMut() -> Uuid,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    let (contact, action) = record_contact(family, id, input, cx)?;
    let mut problems = Problems::new();
    let mut taken = Vec::new();
    for m in measurements {
        match add_measurements(family, id, &contact, m, ids, cx) {
            Ok(list) => taken.extend(list.into_iter().map(|(_, _, a)| a)),
            Err(p) => problems.0.extend(p.0),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(action.followed_by(taken))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::family::mark_entered_in_error;
    use crate::record::fixtures::{apply, cx, family_with_child};

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|f| f.field.as_str()).collect()
    }

    fn visit(kind: &str, child: Uuid) -> NewContact {
        NewContact {
            kind: kind.into(),
            subjects: vec![child.to_string()],
            location: "A01".into(),
            mechanism: "01".into(),
            attendance: "attended".into(),
            role: "health-visitor".into(),
            topics: vec!["hia-1".into(), "HIA 3".into()],
            ..Default::default()
        }
    }

    /// A family with a child and a draft contact of `kind` about them.
    fn with_draft(kind: &str) -> (Family, Uuid, Uuid) {
        let (mut family, _, child) = family_with_child();
        let id = Uuid::from_u128(100);
        let (_, action) = record_contact(&family, id, &visit(kind, child), &cx()).unwrap();
        apply(&mut family, &action);
        (family, id, child)
    }

    fn sign(family: &mut Family, id: Uuid) {
        let action = sign_contact(family, &id.to_string(), &cx()).unwrap();
        apply(family, &action);
    }

    fn weight(child: Uuid, kg: &str) -> NewMeasurements {
        NewMeasurements {
            person_id: child.to_string(),
            weight_kg: Some(kg.into()),
            ..Default::default()
        }
    }

    fn counter() -> impl FnMut() -> Uuid {
        let mut n = 200;
        move || {
            n += 1;
            Uuid::from_u128(n)
        }
    }

    #[test]
    fn a_new_contact_is_a_draft_dated_in_london_with_its_topics_normalised() {
        let (family, _, child) = family_with_child();
        let (contact, action) = record_contact(
            &family,
            Uuid::from_u128(100),
            &visit("new-birth", child),
            &cx(),
        )
        .unwrap();
        assert_eq!(contact.status, ContactStatus::Draft);
        assert_eq!(contact.at, cx().now);
        assert_eq!(contact.date, cx().today);
        assert!(contact.concerns(&child));
        assert_eq!(
            contact.topics.keys().collect::<Vec<_>>(),
            ["hia-1", "hia-3"]
        );
        assert_eq!(action.audit_action, "contact.record");
        assert_eq!(
            action.edits[0].path,
            ["contacts", &Uuid::from_u128(100).to_string()]
        );
    }

    #[test]
    fn a_contact_refuses_missing_and_contradictory_details() {
        let (family, _, child) = family_with_child();
        let mut input = visit("new-birth", child);
        input.subjects.clear();
        input.attendance = "declined".into();
        input.role = "community-public-health-nurse".into();
        input.at = Some(cx().now + chrono::Duration::hours(1));
        input.topics = vec!["hia-9".into()];
        let p = record_contact(&family, Uuid::from_u128(100), &input, &cx()).unwrap_err();
        assert_eq!(
            fields(&p),
            ["child", "at", "declined_reason", "accountable_hv", "topics"]
        );
    }

    #[test]
    fn why_not_face_to_face_and_feeding_status_are_checked() {
        let (family, _, child) = family_with_child();
        let id = Uuid::from_u128(100);
        // A reason for a face-to-face contact; feeding at a 12-month review.
        let mut input = visit("12-month", child);
        input.remote_reason = Some("Family isolating with flu".into());
        input.feeding_status = Some("partially-breastfed".into());
        let p = record_contact(&family, id, &input, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["remote_reason", "feeding_status"]);
        // By video with a reason; feeding at the 6–8 week review.
        let mut input = visit("6-8-week", child);
        input.mechanism = "video".into();
        input.remote_reason = Some("Family isolating with flu".into());
        input.feeding_status = Some("partial".into());
        let (c, _) = record_contact(&family, id, &input, &cx()).unwrap();
        assert_eq!(
            c.remote_reason.as_deref(),
            Some("Family isolating with flu")
        );
        assert_eq!(c.feeding_status, Some(FeedingStatus::PartiallyBreastfed));
        input.feeding_status = Some("sometimes".into());
        let p = record_contact(&family, id, &input, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["feeding_status"]);
    }

    #[test]
    fn a_draft_is_edited_field_by_field_and_a_signed_contact_not_at_all() {
        let (mut family, id, child) = with_draft("new-birth");
        let recorded = family.contacts[&id].recorded.clone();
        let mut input = visit("new-birth", child);
        input.note = Some("Feeding well".into());
        input.topics = vec!["hia-3".into()];
        let later = ActionContext {
            practitioner: "Another Visitor".into(),
            ..cx()
        };
        let action = edit_contact(&family, &id.to_string(), &input, &later).unwrap();
        assert_eq!(action.audit_action, "contact.edit");
        let written: Vec<&String> = action.edits[0].fields.keys().collect();
        assert_eq!(written, ["note", "topics"]);
        apply(&mut family, &action);
        let c = &family.contacts[&id];
        assert_eq!(c.note.as_deref(), Some("Feeding well"));
        assert_eq!(c.topics.get("hia-1"), Some(&false));
        assert_eq!(c.topics.get("hia-3"), Some(&true));
        assert_eq!(c.recorded, recorded);
        assert_eq!(c.practitioner, "Test Visitor");
        // The same rules as a new contact, naming the field.
        input.attendance = "declined".into();
        let p = edit_contact(&family, &id.to_string(), &input, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["declined_reason"]);
        // Back as first typed; then signed: never edited.
        let p = edit_contact(&family, &id.to_string(), &visit("new-birth", child), &cx());
        assert!(p.is_ok());
        sign(&mut family, id);
        let p =
            edit_contact(&family, &id.to_string(), &visit("new-birth", child), &cx()).unwrap_err();
        assert!(p.0[0].problem.contains("addendum"));
    }

    #[test]
    fn a_time_typed_in_england_is_read_as_england_time_whatever_the_laptop_says() {
        assert_eq!(
            parse_local_time("2026-07-01 10:30").unwrap().to_rfc3339(),
            "2026-07-01T09:30:00+00:00"
        );
        assert_eq!(
            parse_local_time("2026-01-05T10:30").unwrap().to_rfc3339(),
            "2026-01-05T10:30:00+00:00"
        );
        for bad in [
            "2026-02-30 10:00",
            "2026-01-05 25:00",
            "yesterday",
            "2026-01-05",
        ] {
            assert!(parse_local_time(bad).is_err(), "{bad}");
        }
        let (family, _, child) = family_with_child();
        let mut input = visit("new-birth", child);
        input.at_local = Some("2026-03-09 14:05".into());
        let (c, _) = record_contact(&family, Uuid::from_u128(100), &input, &cx()).unwrap();
        assert_eq!(c.at.to_rfc3339(), "2026-03-09T14:05:00+00:00");
        input.at_local = Some("2026-03-09 4pm".into());
        let p = record_contact(&family, Uuid::from_u128(100), &input, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["at"]);
    }

    #[test]
    fn signing_freezes_the_contact() {
        let (mut family, id, child) = with_draft("new-birth");
        sign(&mut family, id);
        let contact = &family.contacts[&id];
        assert_eq!(contact.status, ContactStatus::Signed);
        assert_eq!(contact.signed.as_ref().unwrap().by, "Test Visitor");
        let again = sign_contact(&family, &id.to_string(), &cx()).unwrap_err();
        assert_eq!(fields(&again), ["contact"]);
        assert!(again.0[0].problem.contains("addendum"));
        let measured = add_measurements(
            &family,
            id,
            contact,
            &weight(child, "7.5"),
            &mut counter(),
            &cx(),
        )
        .unwrap_err();
        assert_eq!(fields(&measured), ["contact"]);
    }

    #[test]
    fn a_signed_contact_takes_addenda_and_an_entered_in_error_mark() {
        let (mut family, id, _) = with_draft("new-birth");
        let early = add_addendum(&family, &id.to_string(), Uuid::from_u128(300), "x", &cx());
        assert_eq!(fields(&early.unwrap_err()), ["contact"]);
        sign(&mut family, id);
        let a = add_addendum(
            &family,
            &id.to_string(),
            Uuid::from_u128(300),
            "Weight was taken on the clinic scales.",
            &cx(),
        )
        .unwrap();
        apply(&mut family, &a);
        let contact = &family.contacts[&id];
        assert_eq!(contact.addenda.len(), 1);
        assert_eq!(contact.status, ContactStatus::Signed);
        let blank = add_addendum(&family, &id.to_string(), Uuid::from_u128(301), " ", &cx());
        assert_eq!(fields(&blank.unwrap_err()), ["text"]);
        let mark = mark_entered_in_error(&family, &id.to_string(), "wrong child", &cx()).unwrap();
        apply(&mut family, &mark);
        let contact = &family.contacts[&id];
        assert!(!contact.is_current());
        assert_eq!(contact.addenda.len(), 1, "the record is kept");
        let gone = find_contact(&family, &id.to_string()).unwrap_err();
        assert_eq!(gone.0[0].problem, "was entered in error");
    }

    #[test]
    fn a_two_year_review_is_signed_only_with_height_and_weight_or_a_reason() {
        let (mut family, id, _) = with_draft("2-year");
        let p = sign_contact(&family, &id.to_string(), &cx()).unwrap_err();
        assert_eq!(fields(&p), ["measurements"]);
        let mut reason = Map::new();
        reason.insert("bmi_not_recorded_reason".into(), "child unwell".into());
        let edit = Edit::fields(vec!["contacts".into(), id.to_string()], reason);
        crate::record::action::apply_locally(&mut family, &[edit]);
        assert!(sign_contact(&family, &id.to_string(), &cx()).is_ok());
    }

    #[test]
    fn measurements_are_dated_with_the_contact_and_checked_for_plausibility() {
        let (family, id, child) = with_draft("new-birth");
        let contact = &family.contacts[&id];
        let planned = add_measurements(
            &family,
            id,
            contact,
            &weight(child, "7.5"),
            &mut counter(),
            &cx(),
        )
        .unwrap();
        assert_eq!(planned.len(), 1);
        let (mid, m, action) = &planned[0];
        assert_eq!(*mid, Uuid::from_u128(201));
        assert_eq!((m.measure, m.value), (Measure::Weight, 7.5));
        assert_eq!(m.measured_on, contact.date);
        assert_eq!(m.contact_id, id);
        assert_eq!(action.audit_action, "measurement.add");
        let bad = |input: NewMeasurements| {
            add_measurements(&family, id, contact, &input, &mut counter(), &cx()).unwrap_err()
        };
        let at = |field: &str| measurement_field(&child.to_string(), field);
        assert_eq!(fields(&bad(weight(child, "heavy"))), [at("weight_kg")]);
        // 45 kg at six months is far beyond 6 SD: refused outright.
        let impossible = bad(weight(child, "45"));
        assert_eq!(fields(&impossible), [at("weight_kg")]);
        assert!(impossible.0[0].problem.contains("impossible"));
        // 12.5 kg is more than 4 SD: kept only when confirmed with a reason.
        let unusual = bad(weight(child, "12.5"));
        assert!(unusual.0[0].problem.contains("confirm"));
        let confirmed = NewMeasurements {
            confirm_implausible: Some("weighed twice".into()),
            ..weight(child, "12.5")
        };
        let kept =
            add_measurements(&family, id, contact, &confirmed, &mut counter(), &cx()).unwrap();
        assert_eq!(
            kept[0].1.implausible_confirmed.as_deref(),
            Some("weighed twice")
        );
        let standing = NewMeasurements {
            person_id: child.to_string(),
            height_cm: Some("68".into()),
            ..Default::default()
        };
        assert_eq!(fields(&bad(standing)), [at("height_cm")]);
        let child_s = child.to_string();
        assert_eq!(
            measurement_field_parts(&at("height_cm")),
            Some((child_s.as_str(), "height_cm"))
        );
        assert_eq!(measurement_field_parts("weight_kg"), None);
        let stranger = Uuid::from_u128(99);
        let nobody = weight(stranger, "7.5");
        assert!(fields(&bad(nobody))
            .contains(&measurement_field(&stranger.to_string(), "child").as_str()));
    }

    #[test]
    fn a_contact_with_measurements_is_one_action_naming_each_childs_problems() {
        let (mut family, _, child) = family_with_child();
        let twin = crate::record::fixtures::add(
            &mut family,
            12,
            crate::record::family::NewPerson {
                role: "child".into(),
                given_name: Some("Kit".into()),
                family_name: "Testfamily".into(),
                date_of_birth: Some("2025-09-01".into()),
                sex: Some("male".into()),
                ..Default::default()
            },
        );
        let id = Uuid::from_u128(100);
        let mut input = visit("new-birth", child);
        input.subjects.push(twin.to_string());
        let both = [weight(child, "7.5"), weight(twin, "7.6")];
        let action =
            record_contact_with_measurements(&family, id, &input, &both, &mut counter(), &cx())
                .unwrap();
        assert_eq!(action.audit_action, "contact.record");
        assert_eq!(action.edits.len(), 3, "the contact and two measurements");
        let bad = [weight(child, "7.5"), weight(twin, "45")];
        let p = record_contact_with_measurements(&family, id, &input, &bad, &mut counter(), &cx())
            .unwrap_err();
        assert_eq!(
            fields(&p),
            [measurement_field(&twin.to_string(), "weight_kg")]
        );
    }
}
