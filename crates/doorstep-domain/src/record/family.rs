//! The family record: one household, its members and the facts recorded
//! about it (levels of service, flags, consent), and the actions on them.
//!
//! A [`Family`] is what a family document holds. Each family action here
//! (add a family, update the household, add a person, record a birth, set a
//! level, add or end a flag, record consent, mark entered in error) is
//! validated against the current record and returns an
//! [`Action`](super::action::Action) (see [`action`](super::action)).
//! Records are kept in maps keyed by UUID, never lists, so concurrent
//! additions never clash, and nothing is removed: a record entered in error
//! carries an [`ErrorMark`].

use std::collections::BTreeMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::action::{
    opt, parse_opt, past_date, require_open, Action, ActionContext, Edit, NAME_MAX, TEXT_MAX,
};
use crate::values::codes::{
    ConsentDecision, CpCategory, EthnicCategory, FlagKind, LevelOfService, MemberRole,
    NhsNumberStatus, SafetyAlertKind, Sex,
};
use crate::values::gp_practice::GpPracticeCode;
use crate::values::nhs_number::NhsNumber;
use crate::values::phone::Phone;
use crate::values::postcode::Postcode;
use crate::values::problem::Problems;
use crate::values::validate::{date, optional_text, required_text};

/// Version of the document layout written by this code.
pub const SCHEMA_VERSION: i64 = 1;

/// Who did something and when (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stamp {
    /// The practitioner's display name.
    pub by: String,
    /// When, in UTC.
    pub at: DateTime<Utc>,
}

/// Marks a record entered in error: who, when and why. The record stays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorMark {
    /// Who marked it.
    pub by: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// The household's address and contact details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Household {
    /// First line of the address.
    pub address_line1: String,
    /// Second line of the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Town or city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    /// UK postcode, normalised.
    pub postcode: Postcode,
    /// Contact phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// The household's main spoken language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_language: Option<String>,
    /// Whether an interpreter is needed for visits.
    #[serde(default)]
    pub interpreter_needed: bool,
}

/// Who the family is allocated to. The server is authoritative for this.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Allocation {
    /// The named practitioner (health visitor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practitioner: Option<String>,
    /// The team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// A parent or carer, a child, or an unborn baby.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Person {
    /// Parent, child or unborn.
    pub role: MemberRole,
    /// Given name (optional for an unborn baby).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Expected date of delivery, for a pregnancy (kept after the birth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_delivery_date: Option<NaiveDate>,
    /// Person stated gender code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// NHS number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<NhsNumber>,
    /// NHS number verification status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number_status: Option<NhsNumberStatus>,
    /// Ethnic category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnic_category: Option<EthnicCategory>,
    /// Registered GP practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_practice: Option<GpPracticeCode>,
    /// Gestation at birth: completed weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gestation_weeks: Option<u8>,
    /// Gestation at birth: extra days (0–6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gestation_days: Option<u8>,
    /// Birth weight in grams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_weight_grams: Option<u32>,
    /// Whether the antenatal review was requested (it is offered to
    /// first-time parents without a request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antenatal_requested: Option<bool>,
    /// When and by whom the birth was recorded, if this was a pregnancy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_recorded: Option<Stamp>,
    /// Set when the person left the caseload (died or moved away).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<super::departure::Departure>,
    /// Set when the person transferred in from another area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_in: Option<super::departure::Arrival>,
    /// Set when this record was merged into another person's (a
    /// duplicate): it stays, with its history, pointing to the one kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<super::merge::MergedInto>,
    /// When and by whom the person was added.
    pub added: Stamp,
    /// Set when the record was entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

impl Person {
    /// A name to show: "Given Family", or "Unborn baby Family".
    pub fn display_name(&self) -> String {
        display_name(self.given_name.as_deref(), &self.family_name, self.role)
    }

    /// Whether this record counts: not entered in error, nor merged into
    /// another person's record.
    pub fn is_current(&self) -> bool {
        self.entered_in_error.is_none() && self.merged_into.is_none()
    }

    /// Whether this is a child under five on `today` who has not left the
    /// caseload.
    pub fn is_child_under_five(&self, today: NaiveDate) -> bool {
        self.role == MemberRole::Child
            && self.departed_by(today).is_none()
            && self.date_of_birth.is_some_and(|dob| {
                dob <= today
                    && dob
                        .checked_add_months(Months::new(60))
                        .is_some_and(|d| today < d)
            })
    }
}

/// A name to show for a member: "Given Family", or "Unborn baby Family"
/// when an unborn baby has no given name yet.
pub fn display_name(given: Option<&str>, family_name: &str, role: MemberRole) -> String {
    match (given, role) {
        (Some(g), _) => format!("{g} {family_name}"),
        (None, MemberRole::Unborn) => format!("Unborn baby {family_name}"),
        (None, _) => family_name.to_string(),
    }
}

/// One entry in the level-of-service history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LevelRecord {
    /// The level of service.
    pub level: LevelOfService,
    /// From when it applies.
    pub effective: NaiveDate,
    /// Why it was set.
    pub reason: String,
    /// Who set it and when.
    pub recorded: Stamp,
    /// Set when entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// A safeguarding flag or a safety alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Flag {
    /// What kind of flag.
    pub kind: FlagKind,
    /// The child-protection category (child-protection and pre-birth CP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cp_category: Option<CpCategory>,
    /// The kind of safety alert (safety alerts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<SafetyAlertKind>,
    /// The member it concerns, if not the whole household.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    /// Start date.
    pub start: NaiveDate,
    /// End date, once ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// Lead agency (e.g. children's social care).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_agency: Option<String>,
    /// Free-text detail (e.g. "dog in the house").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The initial child protection conference (child protection flags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_on: Option<NaiveDate>,
    /// The next review child protection conference (child protection flags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_conference_on: Option<NaiveDate>,
    /// Who added it and when.
    pub recorded: Stamp,
    /// Who ended it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Stamp>,
    /// Set when entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

impl Flag {
    /// Whether the flag is in force on `day`.
    pub fn is_active(&self, day: NaiveDate) -> bool {
        self.entered_in_error.is_none() && self.start <= day && self.end.is_none_or(|e| day <= e)
    }
}

/// An information-sharing consent decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consent {
    /// Given, refused or withdrawn.
    pub decision: ConsentDecision,
    /// The date of the decision.
    pub date: NaiveDate,
    /// What it covers (e.g. "share with GP and children's centre").
    pub scope: String,
    /// The member who decided, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    /// Who recorded it and when.
    pub recorded: Stamp,
    /// Set when entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// The whole family record, as a family document holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Family {
    /// Layout version.
    pub schema: i64,
    /// The family's id (also the document id).
    pub id: Uuid,
    /// Who created the record and when.
    pub created: Stamp,
    /// Address and contact details.
    pub household: Household,
    /// Named practitioner and team.
    #[serde(default)]
    pub allocation: Allocation,
    /// Members keyed by person id.
    #[serde(default)]
    pub members: BTreeMap<Uuid, Person>,
    /// Level-of-service history keyed by record id.
    #[serde(default)]
    pub levels: BTreeMap<Uuid, LevelRecord>,
    /// Flags keyed by flag id.
    #[serde(default)]
    pub flags: BTreeMap<Uuid, Flag>,
    /// Consent records keyed by id.
    #[serde(default)]
    pub consents: BTreeMap<Uuid, Consent>,
    /// Contacts keyed by id.
    #[serde(default)]
    pub contacts: BTreeMap<Uuid, super::contact::Contact>,
    /// Measurements keyed by id.
    #[serde(default)]
    pub measurements: BTreeMap<Uuid, super::contact::Measurement>,
    /// Assessment responses keyed by id.
    #[serde(default)]
    pub responses: BTreeMap<Uuid, super::response::FormResponse>,
    /// Follow-ups recorded as addressed without a contact, keyed by id.
    #[serde(default)]
    pub addressed: BTreeMap<Uuid, super::follow_up::Addressed>,
    /// Set when the whole household was entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
    /// Set when this household was merged into another (a duplicate): it
    /// stays, with its history, pointing to the one kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<super::merge::MergedInto>,
}

impl Family {
    /// The level of service in force on `day`: the latest effective entry not
    /// entered in error (ties broken by recording time). Universal when none.
    pub fn level_on(&self, day: NaiveDate) -> LevelOfService {
        self.levels
            .values()
            .filter(|l| l.entered_in_error.is_none() && l.effective <= day)
            .max_by_key(|l| (l.effective, l.recorded.at))
            .map(|l| l.level)
            .unwrap_or(LevelOfService::Universal)
    }

    /// Flags in force on `day`.
    pub fn active_flags(&self, day: NaiveDate) -> impl Iterator<Item = (&Uuid, &Flag)> {
        self.flags.iter().filter(move |(_, f)| f.is_active(day))
    }

    /// Members not entered in error.
    pub fn current_members(&self) -> impl Iterator<Item = (&Uuid, &Person)> {
        self.members.iter().filter(|(_, p)| p.is_current())
    }

    /// The name the family is listed under: the family name of the first
    /// parent, else of the first member.
    pub fn list_name(&self) -> String {
        let mut members: Vec<&Person> = self.current_members().map(|(_, p)| p).collect();
        members.sort_by_key(|p| (p.role != MemberRole::Parent, p.added.at));
        members
            .first()
            .map(|p| p.family_name.clone())
            .unwrap_or_default()
    }

    /// The first day after `today` on which something derived from the
    /// date changes (a level or flag takes effect or ends, a child turns
    /// five), so date-dependent projections know when to be refreshed.
    pub fn next_date_change(&self, today: NaiveDate) -> Option<NaiveDate> {
        let levels = self
            .levels
            .values()
            .filter(|l| l.entered_in_error.is_none())
            .map(|l| l.effective);
        let flags = self
            .flags
            .values()
            .filter(|f| f.entered_in_error.is_none())
            .flat_map(|f| [Some(f.start), f.end.and_then(|e| e.succ_opt())])
            .flatten();
        let fifth_birthdays = self
            .current_members()
            .filter(|(_, p)| p.role == MemberRole::Child)
            .filter_map(|(_, p)| p.date_of_birth?.checked_add_months(Months::new(60)));
        levels
            .chain(flags)
            .chain(fifth_birthdays)
            .filter(|d| *d > today)
            .min()
    }

    /// Whether `id` names any record in this family (members, levels, flags,
    /// consents, or the family itself).
    pub fn record_kind(&self, id: Uuid) -> Option<RecordKind> {
        if id == self.id {
            Some(RecordKind::Family)
        } else if self.members.contains_key(&id) {
            Some(RecordKind::Person)
        } else if self.levels.contains_key(&id) {
            Some(RecordKind::Level)
        } else if self.flags.contains_key(&id) {
            Some(RecordKind::Flag)
        } else if self.consents.contains_key(&id) {
            Some(RecordKind::Consent)
        } else if self.contacts.contains_key(&id) {
            Some(RecordKind::Contact)
        } else if self.measurements.contains_key(&id) {
            Some(RecordKind::Measurement)
        } else if self.responses.contains_key(&id) {
            Some(RecordKind::Response)
        } else {
            None
        }
    }
}

/// The kinds of record a family holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// The household itself.
    Family,
    /// A member.
    Person,
    /// A level-of-service entry.
    Level,
    /// A flag.
    Flag,
    /// A consent record.
    Consent,
    /// A contact.
    Contact,
    /// A measurement.
    Measurement,
    /// An assessment response.
    Response,
}

impl RecordKind {
    /// The document map that holds records of this kind (None for the family).
    pub fn map_name(self) -> Option<&'static str> {
        match self {
            RecordKind::Family => None,
            RecordKind::Person => Some("members"),
            RecordKind::Level => Some("levels"),
            RecordKind::Flag => Some("flags"),
            RecordKind::Consent => Some("consents"),
            RecordKind::Contact => Some("contacts"),
            RecordKind::Measurement => Some("measurements"),
            RecordKind::Response => Some("responses"),
        }
    }

    /// A short name for messages and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Family => "family",
            RecordKind::Person => "person",
            RecordKind::Level => "level",
            RecordKind::Flag => "flag",
            RecordKind::Consent => "consent",
            RecordKind::Contact => "contact",
            RecordKind::Measurement => "measurement",
            RecordKind::Response => "response",
        }
    }
}

/// What the user typed to add a family.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewFamily {
    /// Address line 1 (required).
    pub address_line1: String,
    /// Address line 2.
    pub address_line2: Option<String>,
    /// Town.
    pub town: Option<String>,
    /// Postcode (required).
    pub postcode: String,
    /// Phone.
    pub phone: Option<String>,
    /// Main language.
    pub main_language: Option<String>,
    /// Interpreter needed.
    #[serde(default)]
    pub interpreter_needed: bool,
    /// Named practitioner to allocate to.
    pub practitioner: Option<String>,
    /// Team.
    pub team: Option<String>,
}

/// What the user typed to add a person.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPerson {
    /// `parent`, `child` or `unborn`.
    pub role: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: Option<String>,
    /// Expected date of delivery, YYYY-MM-DD (unborn only).
    pub expected_delivery_date: Option<String>,
    /// Stated gender code or word.
    pub sex: Option<String>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// NHS number verification status code (01–08).
    pub nhs_number_status: Option<String>,
    /// Ethnic category code.
    pub ethnic_category: Option<String>,
    /// GP practice code.
    pub gp_practice: Option<String>,
    /// Gestation at birth, as `W+D` (e.g. `39+2`) or `W`.
    pub gestation: Option<String>,
    /// Birth weight in grams.
    pub birth_weight_grams: Option<String>,
    /// The antenatal review was requested (unborn only).
    #[serde(default)]
    pub antenatal_requested: Option<bool>,
}

/// What the user typed to record a birth for an unborn baby.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewBirth {
    /// Date of birth.
    pub date_of_birth: String,
    /// Given name, if chosen.
    pub given_name: Option<String>,
    /// Family name, if different.
    pub family_name: Option<String>,
    /// Stated gender.
    pub sex: Option<String>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// NHS number status.
    pub nhs_number_status: Option<String>,
    /// Gestation at birth `W+D`.
    pub gestation: Option<String>,
    /// Birth weight grams.
    pub birth_weight_grams: Option<String>,
}

/// What the user typed to set the level of service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewLevel {
    /// Level code.
    pub level: String,
    /// Effective date.
    pub effective: String,
    /// Reason.
    pub reason: String,
}

/// What the user typed to add a flag.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewFlag {
    /// Flag kind code.
    pub kind: String,
    /// CP category (required for child-protection flags).
    pub cp_category: Option<String>,
    /// Safety alert kind (required for safety alerts).
    pub alert: Option<String>,
    /// Member concerned.
    pub person_id: Option<String>,
    /// Start date.
    pub start: String,
    /// End date.
    pub end: Option<String>,
    /// Lead agency.
    pub lead_agency: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// The initial child protection conference date (child protection only).
    #[serde(default)]
    pub conference_on: Option<String>,
    /// The next review conference date (child protection only).
    #[serde(default)]
    pub review_conference_on: Option<String>,
}

/// What the user typed to record consent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewConsent {
    /// given / refused / withdrawn.
    pub decision: String,
    /// Date of the decision.
    pub date: String,
    /// Scope.
    pub scope: String,
    /// Member who decided.
    pub person_id: Option<String>,
}

/// Validates a new family and plans the document that creates it.
pub fn add_family(
    id: Uuid,
    input: &NewFamily,
    cx: &ActionContext,
) -> Result<(Family, Action), Problems> {
    let mut p = Problems::new();
    let line1 = p.check(
        "address_line1",
        required_text(&input.address_line1, TEXT_MAX),
    );
    let line2 = p.check(
        "address_line2",
        optional_text(input.address_line2.as_deref(), TEXT_MAX),
    );
    let town = p.check("town", optional_text(input.town.as_deref(), NAME_MAX));
    let postcode = p.check("postcode", Postcode::parse(input.postcode.trim()));
    let phone = parse_opt(&mut p, "phone", &input.phone, Phone::parse);
    let language = p.check(
        "main_language",
        optional_text(input.main_language.as_deref(), NAME_MAX),
    );
    let practitioner = p.check(
        "practitioner",
        optional_text(input.practitioner.as_deref(), NAME_MAX),
    );
    let team = p.check("team", optional_text(input.team.as_deref(), NAME_MAX));
    if !p.is_empty() {
        return Err(p);
    }
    let family = Family {
        schema: SCHEMA_VERSION,
        id,
        created: cx.stamp(),
        household: Household {
            address_line1: line1.expect("checked"),
            address_line2: line2.flatten(),
            town: town.flatten(),
            postcode: postcode.expect("checked"),
            phone,
            main_language: language.flatten(),
            interpreter_needed: input.interpreter_needed,
        },
        allocation: Allocation {
            practitioner: practitioner
                .flatten()
                .or_else(|| Some(cx.practitioner.clone())),
            team: team.flatten(),
        },
        members: BTreeMap::new(),
        levels: BTreeMap::new(),
        flags: BTreeMap::new(),
        consents: BTreeMap::new(),
        contacts: BTreeMap::new(),
        measurements: BTreeMap::new(),
        responses: BTreeMap::new(),
        addressed: BTreeMap::new(),
        entered_in_error: None,
        merged_into: None,
    };
    let action = Action {
        edits: vec![Edit::set(&[], &family)],
        message: "family.add".into(),
        audit_action: "family.add",
        record_id: id,
        record_kind: RecordKind::Family,
    };
    Ok((family, action))
}

/// Parses gestation written as `W+D` or `W`, in weeks 22–44 and days 0–6.
pub fn parse_gestation(s: &str) -> Result<(u8, u8), String> {
    let (w, d) = match s.split_once('+') {
        Some((w, d)) => (w.trim(), d.trim()),
        None => (s.trim(), "0"),
    };
    let bad = || "must be weeks+days, e.g. 39+2".to_string();
    let w: u8 = w.parse().map_err(|_| bad())?;
    let d: u8 = d.parse().map_err(|_| bad())?;
    if !(22..=44).contains(&w) {
        return Err(format!("{w} weeks is outside 22 to 44 weeks"));
    }
    if d > 6 {
        return Err("days must be 0 to 6".into());
    }
    Ok((w, d))
}

fn parse_birth_weight(s: &str) -> Result<u32, String> {
    let g: u32 = s
        .trim()
        .parse()
        .map_err(|_| "must be a whole number of grams".to_string())?;
    if !(300..=7000).contains(&g) {
        return Err(format!("{g} g is outside 300 to 7000 g"));
    }
    Ok(g)
}

fn no_duplicate_nhs(
    family: &Family,
    except: Option<Uuid>,
    nhs: &Option<NhsNumber>,
    p: &mut Problems,
) {
    if let Some(n) = nhs {
        let clash = family
            .current_members()
            .any(|(id, m)| Some(*id) != except && m.nhs_number.as_ref() == Some(n));
        if clash {
            p.push(
                "nhs_number",
                "is already recorded for another member of this family",
            );
        }
    }
}

/// Validates a new member of `family` and plans the edit.
pub fn add_person(
    family: &Family,
    id: Uuid,
    input: &NewPerson,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let role = p.check("role", MemberRole::parse(input.role.trim()));
    let given = p
        .check(
            "given_name",
            optional_text(input.given_name.as_deref(), NAME_MAX),
        )
        .flatten();
    let family_name = p.check("family_name", required_text(&input.family_name, NAME_MAX));
    let dob =
        opt(&input.date_of_birth).and_then(|s| past_date("date_of_birth", &mut p, s, cx.today));
    let edd = parse_opt(
        &mut p,
        "expected_delivery_date",
        &input.expected_delivery_date,
        date,
    );
    let sex = parse_opt(&mut p, "sex", &input.sex, Sex::parse);
    let nhs = parse_opt(&mut p, "nhs_number", &input.nhs_number, NhsNumber::parse);
    let status = parse_opt(
        &mut p,
        "nhs_number_status",
        &input.nhs_number_status,
        NhsNumberStatus::parse,
    );
    let ethnic = parse_opt(
        &mut p,
        "ethnic_category",
        &input.ethnic_category,
        EthnicCategory::parse,
    );
    let gp = parse_opt(
        &mut p,
        "gp_practice",
        &input.gp_practice,
        GpPracticeCode::parse,
    );
    let gestation = parse_opt(&mut p, "gestation", &input.gestation, parse_gestation);
    let weight = parse_opt(
        &mut p,
        "birth_weight_grams",
        &input.birth_weight_grams,
        parse_birth_weight,
    );
    match role {
        Some(MemberRole::Unborn) => {
            if opt(&input.date_of_birth).is_some() {
                p.push(
                    "date_of_birth",
                    "is not recorded for an unborn baby: record the birth instead",
                );
            }
            match edd {
                None if opt(&input.expected_delivery_date).is_none() => {
                    p.push("expected_delivery_date", "is required for an unborn baby")
                }
                Some(e)
                    if e < cx.today - chrono::Days::new(28)
                        || e > cx.today + chrono::Days::new(300) =>
                {
                    p.push(
                        "expected_delivery_date",
                        "must be between 4 weeks ago and 43 weeks from today",
                    )
                }
                _ => {}
            }
            if gestation.is_some() || weight.is_some() {
                p.push(
                    "gestation",
                    "and birth weight are recorded with the birth, not for an unborn baby",
                );
            }
        }
        Some(MemberRole::Child) => {
            if opt(&input.date_of_birth).is_none() {
                p.push("date_of_birth", "is required for a child");
            }
            if given.is_none() {
                p.push("given_name", "is required");
            }
            if let Some(d) = dob {
                if d.checked_add_months(Months::new(12 * 19))
                    .is_some_and(|limit| limit <= cx.today)
                {
                    p.push(
                        "date_of_birth",
                        "is 19 or more years ago: record an adult as a parent or carer",
                    );
                }
            }
        }
        Some(MemberRole::Parent) => {
            if given.is_none() {
                p.push("given_name", "is required");
            }
            if gestation.is_some() || weight.is_some() {
                p.push(
                    "gestation",
                    "and birth weight are recorded for children only",
                );
            }
            if opt(&input.expected_delivery_date).is_some() {
                p.push(
                    "expected_delivery_date",
                    "belongs to an unborn baby: add the pregnancy as a member with role unborn",
                );
            }
        }
        None => {}
    }
    if status.is_some() && nhs.is_none() && opt(&input.nhs_number).is_none() {
        // A status without a number is allowed only for "not present" codes.
        // 03 trace required, 07 not present, 08 trace postponed.
        if !status.is_some_and(|s| matches!(s.code(), "03" | "07" | "08")) {
            p.push(
                "nhs_number_status",
                "says the number is present, but no NHS number was given",
            );
        }
    }
    no_duplicate_nhs(family, None, &nhs, &mut p);
    if !p.is_empty() {
        return Err(p);
    }
    let person = Person {
        role: role.expect("checked"),
        given_name: given,
        family_name: family_name.expect("checked"),
        date_of_birth: dob,
        expected_delivery_date: edd,
        sex,
        nhs_number: nhs,
        nhs_number_status: status,
        ethnic_category: ethnic,
        gp_practice: gp,
        gestation_weeks: gestation.map(|g| g.0),
        gestation_days: gestation.map(|g| g.1),
        birth_weight_grams: weight,
        antenatal_requested: input
            .antenatal_requested
            .filter(|_| role == Some(MemberRole::Unborn)),
        birth_recorded: None,
        left: None,
        transferred_in: None,
        merged_into: None,
        added: cx.stamp(),
        entered_in_error: None,
    };
    Ok(Action {
        edits: vec![Edit::set(&["members", &id.to_string()], &person)],
        message: "person.add".into(),
        audit_action: "person.add",
        record_id: id,
        record_kind: RecordKind::Person,
    })
}

fn member<'a>(family: &'a Family, id: &str) -> Result<(Uuid, &'a Person), String> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| "is not a record id".to_string())?;
    match family.members.get(&id) {
        Some(p) if p.is_current() => Ok((id, p)),
        Some(_) => Err("names a member entered in error".into()),
        None => Err("is not a member of this family".into()),
    }
}

/// Turns an unborn baby into a child, keeping everything recorded against
/// the pregnancy (same person id, EDD kept).
pub fn record_birth(
    family: &Family,
    person_id: &str,
    input: &NewBirth,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let found = p.check("person", member(family, person_id));
    if let Some((_, person)) = found {
        if person.role != MemberRole::Unborn {
            p.push("person", "is not an unborn baby");
        }
    }
    let dob = past_date("date_of_birth", &mut p, &input.date_of_birth, cx.today);
    let given = p
        .check(
            "given_name",
            optional_text(input.given_name.as_deref(), NAME_MAX),
        )
        .flatten();
    let family_name = p
        .check(
            "family_name",
            optional_text(input.family_name.as_deref(), NAME_MAX),
        )
        .flatten();
    let sex = parse_opt(&mut p, "sex", &input.sex, Sex::parse);
    let nhs = parse_opt(&mut p, "nhs_number", &input.nhs_number, NhsNumber::parse);
    let status = parse_opt(
        &mut p,
        "nhs_number_status",
        &input.nhs_number_status,
        NhsNumberStatus::parse,
    );
    let gestation = parse_opt(&mut p, "gestation", &input.gestation, parse_gestation);
    let weight = parse_opt(
        &mut p,
        "birth_weight_grams",
        &input.birth_weight_grams,
        parse_birth_weight,
    );
    if let (Some(d), Some((_, person))) = (dob, found) {
        if let Some(edd) = person.expected_delivery_date {
            if d < edd - chrono::Days::new(22 * 7) || d > edd + chrono::Days::new(6 * 7) {
                p.push("date_of_birth", "is too far from the expected date of delivery (more than 22 weeks before or 6 weeks after)");
            }
        }
    }
    if given.is_none() && found.is_some_and(|(_, pr)| pr.given_name.is_none()) {
        p.push("given_name", "is required once the baby is born");
    }
    let id = found.map(|f| f.0);
    no_duplicate_nhs(family, id, &nhs, &mut p);
    if !p.is_empty() {
        return Err(p);
    }
    let id = id.expect("checked");
    let mut fields = Map::new();
    let mut put = |k: &str, v: Value| {
        fields.insert(k.to_string(), v);
    };
    put(
        "role",
        serde_json::to_value(MemberRole::Child).expect("code"),
    );
    put("date_of_birth", serde_json::to_value(dob).expect("date"));
    put(
        "birth_recorded",
        serde_json::to_value(cx.stamp()).expect("stamp"),
    );
    if let Some(g) = given {
        put("given_name", Value::String(g));
    }
    if let Some(f) = family_name {
        put("family_name", Value::String(f));
    }
    if let Some(s) = sex {
        put("sex", serde_json::to_value(s).expect("code"));
    }
    if let Some(n) = nhs {
        put("nhs_number", serde_json::to_value(n).expect("nhs"));
    }
    if let Some(s) = status {
        put("nhs_number_status", serde_json::to_value(s).expect("code"));
    }
    if let Some((w, d)) = gestation {
        put("gestation_weeks", Value::from(w));
        put("gestation_days", Value::from(d));
    }
    if let Some(g) = weight {
        put("birth_weight_grams", Value::from(g));
    }
    Ok(Action {
        edits: vec![Edit::fields(vec!["members".into(), id.to_string()], fields)],
        message: "person.birth".into(),
        audit_action: "person.birth",
        record_id: id,
        record_kind: RecordKind::Person,
    })
}

/// Validates a level-of-service change; the history keeps every entry.
pub fn set_level(
    family: &Family,
    id: Uuid,
    input: &NewLevel,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let level = p.check("level", LevelOfService::parse(input.level.trim()));
    let effective = p.check("effective", date(input.effective.trim()));
    let reason = p.check("reason", required_text(&input.reason, TEXT_MAX));
    if !p.is_empty() {
        return Err(p);
    }
    let record = LevelRecord {
        level: level.expect("checked"),
        effective: effective.expect("checked"),
        reason: reason.expect("checked"),
        recorded: cx.stamp(),
        entered_in_error: None,
    };
    Ok(Action {
        edits: vec![Edit::set(&["levels", &id.to_string()], &record)],
        message: "level.set".into(),
        audit_action: "level.set",
        record_id: id,
        record_kind: RecordKind::Level,
    })
}

/// Validates a new flag.
pub fn add_flag(
    family: &Family,
    id: Uuid,
    input: &NewFlag,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let kind = p.check("kind", FlagKind::parse(input.kind.trim()));
    let cp = parse_opt(&mut p, "cp_category", &input.cp_category, CpCategory::parse);
    let alert = parse_opt(&mut p, "alert", &input.alert, SafetyAlertKind::parse);
    let person =
        opt(&input.person_id).and_then(|s| p.check("person", member(family, s)).map(|m| m.0));
    let start = p.check("start", date(input.start.trim()));
    let end = parse_opt(&mut p, "end", &input.end, date);
    let lead = p
        .check(
            "lead_agency",
            optional_text(input.lead_agency.as_deref(), NAME_MAX),
        )
        .flatten();
    let note = p
        .check("note", optional_text(input.note.as_deref(), TEXT_MAX))
        .flatten();
    let is_cp = kind.is_some_and(|k| matches!(k, FlagKind::ChildProtection | FlagKind::PreBirthCp));
    let conference = parse_opt(&mut p, "conference_on", &input.conference_on, date);
    let review = parse_opt(
        &mut p,
        "review_conference_on",
        &input.review_conference_on,
        date,
    );
    if kind.is_some() && !is_cp {
        for (field, value) in [
            ("conference_on", &conference),
            ("review_conference_on", &review),
        ] {
            if value.is_some() {
                p.push(field, "applies only to child protection plans");
            }
        }
    }
    if is_cp && cp.is_none() && opt(&input.cp_category).is_none() {
        p.push("cp_category", "is required for a child protection plan");
    }
    if kind == Some(FlagKind::SafetyAlert) && alert.is_none() && opt(&input.alert).is_none() {
        p.push("alert", "is required for a safety alert");
    }
    if kind.is_some_and(|k| !matches!(k, FlagKind::ChildProtection | FlagKind::PreBirthCp))
        && cp.is_some()
    {
        p.push("cp_category", "applies only to child protection flags");
    }
    if kind.is_some_and(|k| k != FlagKind::SafetyAlert) && alert.is_some() {
        p.push("alert", "applies only to safety alerts");
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            p.push("end", "is before the start date");
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let flag = Flag {
        kind: kind.expect("checked"),
        cp_category: cp,
        alert,
        person_id: person,
        start: start.expect("checked"),
        end,
        lead_agency: lead,
        note,
        conference_on: conference,
        review_conference_on: review,
        recorded: cx.stamp(),
        ended: end.map(|_| cx.stamp()),
        entered_in_error: None,
    };
    Ok(Action {
        edits: vec![Edit::set(&["flags", &id.to_string()], &flag)],
        message: "flag.add".into(),
        audit_action: "flag.add",
        record_id: id,
        record_kind: RecordKind::Flag,
    })
}

/// Ends a flag on a date.
pub fn end_flag(
    family: &Family,
    flag_id: &str,
    end: &str,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let id = p.check(
        "flag",
        Uuid::parse_str(flag_id.trim()).map_err(|_| "is not a record id".to_string()),
    );
    let end = p.check("end", date(end.trim()));
    let flag = id.and_then(|id| {
        let f = family.flags.get(&id);
        if f.is_none() {
            p.push("flag", "is not a flag of this family");
        }
        f
    });
    if let Some(f) = flag {
        if f.entered_in_error.is_some() {
            p.push("flag", "was entered in error");
        } else if f.end.is_some() {
            p.push("flag", "has already ended");
        }
        if let Some(e) = end {
            if e < f.start {
                p.push("end", "is before the flag's start date");
            }
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let id = id.expect("checked");
    let mut fields = Map::new();
    fields.insert("end".into(), serde_json::to_value(end).expect("date"));
    fields.insert(
        "ended".into(),
        serde_json::to_value(cx.stamp()).expect("stamp"),
    );
    Ok(Action {
        edits: vec![Edit::fields(vec!["flags".into(), id.to_string()], fields)],
        message: "flag.end".into(),
        audit_action: "flag.end",
        record_id: id,
        record_kind: RecordKind::Flag,
    })
}

/// Records the date of the next review conference of a child protection
/// plan (each review sets the next).
pub fn set_review_conference(
    family: &Family,
    flag_id: &str,
    on: &str,
    _cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let id = p.check(
        "flag",
        Uuid::parse_str(flag_id.trim()).map_err(|_| "is not a record id".to_string()),
    );
    let on = p.check("review_conference_on", date(on.trim()));
    match id.map(|id| family.flags.get(&id)) {
        Some(None) => p.push("flag", "is not a flag of this family"),
        Some(Some(f)) => {
            if f.entered_in_error.is_some() || f.end.is_some() {
                p.push("flag", "has ended or was entered in error");
            } else if !matches!(f.kind, FlagKind::ChildProtection | FlagKind::PreBirthCp) {
                p.push("flag", "is not a child protection plan");
            }
            if on.is_some_and(|d| d < f.start) {
                p.push("review_conference_on", "is before the plan started");
            }
        }
        None => {}
    }
    if !p.is_empty() {
        return Err(p);
    }
    let id = id.expect("checked");
    Ok(Action {
        edits: vec![Edit::field(
            &["flags", &id.to_string()],
            "review_conference_on",
            &on.expect("checked"),
        )],
        message: "flag.review-conference".into(),
        audit_action: "flag.review-conference",
        record_id: id,
        record_kind: RecordKind::Flag,
    })
}

/// Validates a consent decision.
pub fn record_consent(
    family: &Family,
    id: Uuid,
    input: &NewConsent,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let decision = p.check("decision", ConsentDecision::parse(input.decision.trim()));
    let day = past_date("date", &mut p, input.date.trim(), cx.today);
    let scope = p.check("scope", required_text(&input.scope, TEXT_MAX));
    let person =
        opt(&input.person_id).and_then(|s| p.check("person", member(family, s)).map(|m| m.0));
    if !p.is_empty() {
        return Err(p);
    }
    let consent = Consent {
        decision: decision.expect("checked"),
        date: day.expect("checked"),
        scope: scope.expect("checked"),
        person_id: person,
        recorded: cx.stamp(),
        entered_in_error: None,
    };
    Ok(Action {
        edits: vec![Edit::set(&["consents", &id.to_string()], &consent)],
        message: "consent.record".into(),
        audit_action: "consent.record",
        record_id: id,
        record_kind: RecordKind::Consent,
    })
}

/// Marks a record (or the whole family) entered in error, with who, when
/// and why. The record itself is kept.
pub fn mark_entered_in_error(
    family: &Family,
    record_id: &str,
    reason: &str,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    let mut p = Problems::new();
    let id = p.check(
        "record",
        Uuid::parse_str(record_id.trim()).map_err(|_| "is not a record id".to_string()),
    );
    let reason = p.check("reason", required_text(reason, TEXT_MAX));
    let kind = id.and_then(|id| {
        let k = family.record_kind(id);
        if k.is_none() {
            p.push("record", "is not a record of this family");
        }
        k
    });
    if let (Some(id), Some(kind)) = (id, kind) {
        let already = match kind {
            RecordKind::Family => family.entered_in_error.is_some(),
            RecordKind::Person => family.members[&id].entered_in_error.is_some(),
            RecordKind::Level => family.levels[&id].entered_in_error.is_some(),
            RecordKind::Flag => family.flags[&id].entered_in_error.is_some(),
            RecordKind::Consent => family.consents[&id].entered_in_error.is_some(),
            RecordKind::Contact => family.contacts[&id].entered_in_error.is_some(),
            RecordKind::Measurement => family.measurements[&id].entered_in_error.is_some(),
            RecordKind::Response => family.responses[&id].entered_in_error.is_some(),
        };
        if already {
            p.push("record", "is already marked entered in error");
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let (id, kind) = (id.expect("checked"), kind.expect("checked"));
    let mark = ErrorMark {
        by: cx.practitioner.clone(),
        at: cx.now,
        reason: reason.expect("checked"),
    };
    let mut path: Vec<String> = Vec::new();
    if let Some(map) = kind.map_name() {
        path.push(map.into());
        path.push(id.to_string());
    }
    let mut fields = Map::new();
    fields.insert(
        "entered_in_error".into(),
        serde_json::to_value(mark).expect("mark"),
    );
    Ok(Action {
        edits: vec![Edit::fields(path, fields)],
        message: format!("{}.entered-in-error", kind.name()),
        audit_action: "entered-in-error",
        record_id: id,
        record_kind: kind,
    })
}

/// What the user typed to change household details; `None` leaves a field
/// as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HouseholdUpdate {
    /// Address line 1.
    pub address_line1: Option<String>,
    /// Address line 2.
    pub address_line2: Option<String>,
    /// Town.
    pub town: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Main language.
    pub main_language: Option<String>,
    /// Interpreter needed.
    pub interpreter_needed: Option<bool>,
}

/// Validates a change of household details; only the fields given are
/// written, so a concurrent change to another field never conflicts.
pub fn update_household(family: &Family, input: &HouseholdUpdate) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let mut fields = Map::new();
    let mut text =
        |p: &mut Problems, field: &str, value: &Option<String>, max: usize, required: bool| {
            if let Some(v) = value {
                let checked = if required {
                    required_text(v, max).map(Some)
                } else {
                    optional_text(Some(v), max)
                };
                if let Some(Some(t)) = p.check(field, checked) {
                    fields.insert(field.to_string(), Value::String(t));
                } else if !required && v.trim().is_empty() {
                    p.push(
                        field,
                        "cannot be blanked here: record the new value instead",
                    );
                }
            }
        };
    text(
        &mut p,
        "address_line1",
        &input.address_line1,
        TEXT_MAX,
        true,
    );
    text(
        &mut p,
        "address_line2",
        &input.address_line2,
        TEXT_MAX,
        false,
    );
    text(&mut p, "town", &input.town, NAME_MAX, false);
    text(
        &mut p,
        "main_language",
        &input.main_language,
        NAME_MAX,
        false,
    );
    if let Some(pc) = parse_opt(&mut p, "postcode", &input.postcode, Postcode::parse) {
        fields.insert("postcode".into(), Value::String(pc.as_str().to_string()));
    } else if input
        .postcode
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        p.push("postcode", "is required");
    }
    if let Some(ph) = parse_opt(&mut p, "phone", &input.phone, Phone::parse) {
        fields.insert("phone".into(), Value::String(ph.as_str().to_string()));
    } else if input.phone.as_deref().is_some_and(|s| s.trim().is_empty()) {
        p.push(
            "phone",
            "cannot be blanked here: record the new number instead",
        );
    }
    if let Some(i) = input.interpreter_needed {
        fields.insert("interpreter_needed".into(), Value::Bool(i));
    }
    if p.is_empty() && fields.is_empty() {
        p.push("household", "nothing to change: give at least one field");
    }
    if !p.is_empty() {
        return Err(p);
    }
    Ok(Action {
        edits: vec![Edit::fields(vec!["household".into()], fields)],
        message: "family.update".into(),
        audit_action: "family.update",
        record_id: family.id,
        record_kind: RecordKind::Family,
    })
}

/// What the user typed to change a member's details; `None` leaves a field
/// as it is. The birth itself (date, gestation, weight) is recorded by
/// [`record_birth`]; a correction to a date of birth is made here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonUpdate {
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Date of birth, YYYY-MM-DD (parents and children).
    pub date_of_birth: Option<String>,
    /// Expected date of delivery, YYYY-MM-DD (unborn only).
    pub expected_delivery_date: Option<String>,
    /// Stated gender code or word.
    pub sex: Option<String>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// NHS number verification status code (01–08).
    pub nhs_number_status: Option<String>,
    /// Ethnic category code.
    pub ethnic_category: Option<String>,
    /// GP practice code.
    pub gp_practice: Option<String>,
}

/// Validates a change of a member's details; only the fields given are
/// written, so a concurrent change to another field never conflicts. A
/// field once recorded is changed, never blanked.
pub fn update_person(
    family: &Family,
    person_id: &str,
    input: &PersonUpdate,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let found = p.check("person", member(family, person_id));
    let mut fields = Map::new();
    let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
    for (field, value) in [
        ("given_name", &input.given_name),
        ("family_name", &input.family_name),
        ("date_of_birth", &input.date_of_birth),
        ("expected_delivery_date", &input.expected_delivery_date),
        ("sex", &input.sex),
        ("nhs_number", &input.nhs_number),
        ("nhs_number_status", &input.nhs_number_status),
        ("ethnic_category", &input.ethnic_category),
        ("gp_practice", &input.gp_practice),
    ] {
        if blank(value) {
            p.push(
                field,
                "cannot be blanked here: record the new value instead",
            );
        }
    }
    if let Some(t) = p
        .check(
            "given_name",
            optional_text(input.given_name.as_deref(), NAME_MAX),
        )
        .flatten()
    {
        fields.insert("given_name".into(), Value::String(t));
    }
    if let Some(t) = p
        .check(
            "family_name",
            optional_text(input.family_name.as_deref(), NAME_MAX),
        )
        .flatten()
    {
        fields.insert("family_name".into(), Value::String(t));
    }
    let role = found.map(|(_, person)| person.role);
    if let Some(s) = opt(&input.date_of_birth) {
        if role == Some(MemberRole::Unborn) {
            p.push(
                "date_of_birth",
                "is not recorded for an unborn baby: record the birth instead",
            );
        } else if let Some(d) = past_date("date_of_birth", &mut p, s, cx.today) {
            fields.insert(
                "date_of_birth".into(),
                serde_json::to_value(d).expect("date"),
            );
        }
    }
    if let Some(e) = parse_opt(
        &mut p,
        "expected_delivery_date",
        &input.expected_delivery_date,
        date,
    ) {
        if role == Some(MemberRole::Unborn) {
            fields.insert(
                "expected_delivery_date".into(),
                serde_json::to_value(e).expect("date"),
            );
        } else {
            p.push("expected_delivery_date", "belongs to an unborn baby only");
        }
    }
    if let Some(s) = parse_opt(&mut p, "sex", &input.sex, Sex::parse) {
        fields.insert("sex".into(), serde_json::to_value(s).expect("code"));
    }
    let nhs = parse_opt(&mut p, "nhs_number", &input.nhs_number, NhsNumber::parse);
    no_duplicate_nhs(family, found.map(|f| f.0), &nhs, &mut p);
    if let Some(n) = nhs {
        fields.insert("nhs_number".into(), serde_json::to_value(n).expect("nhs"));
    }
    if let Some(s) = parse_opt(
        &mut p,
        "nhs_number_status",
        &input.nhs_number_status,
        NhsNumberStatus::parse,
    ) {
        fields.insert(
            "nhs_number_status".into(),
            serde_json::to_value(s).expect("code"),
        );
    }
    if let Some(e) = parse_opt(
        &mut p,
        "ethnic_category",
        &input.ethnic_category,
        EthnicCategory::parse,
    ) {
        fields.insert(
            "ethnic_category".into(),
            serde_json::to_value(e).expect("code"),
        );
    }
    if let Some(g) = parse_opt(
        &mut p,
        "gp_practice",
        &input.gp_practice,
        GpPracticeCode::parse,
    ) {
        fields.insert("gp_practice".into(), serde_json::to_value(g).expect("code"));
    }
    if let Some((_, person)) = found {
        // Only what differs is written: an unchanged field stays out of
        // the change, so it cannot conflict with another device's edit.
        let current = serde_json::to_value(person).expect("person");
        fields.retain(|k, v| current.get(k) != Some(v));
    }
    if p.is_empty() && fields.is_empty() {
        p.push("person", "nothing to change: change at least one detail");
    }
    if !p.is_empty() {
        return Err(p);
    }
    let id = found.expect("checked").0;
    Ok(Action {
        edits: vec![Edit::fields(vec!["members".into(), id.to_string()], fields)],
        message: "person.update".into(),
        audit_action: "person.update",
        record_id: id,
        record_kind: RecordKind::Person,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{add, apply, cx, family_with_child, household};

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn update_person_writes_only_what_changed_and_names_bad_fields() {
        let (family, _, child) = family_with_child();
        let input = PersonUpdate {
            ethnic_category: Some("A".into()),
            gp_practice: Some("A81001".into()),
            family_name: Some(family.members[&child].family_name.clone()),
            ..Default::default()
        };
        let action = update_person(&family, &child.to_string(), &input, &cx()).unwrap();
        assert_eq!(action.audit_action, "person.update");
        let written: Vec<&String> = action.edits[0].fields.keys().collect();
        assert_eq!(written, ["ethnic_category", "gp_practice"]);
        let mut after = family.clone();
        apply(&mut after, &action);
        assert_eq!(
            after.members[&child].gp_practice.as_ref().unwrap().as_str(),
            "A81001"
        );

        let bad = PersonUpdate {
            nhs_number: Some("123".into()),
            given_name: Some("  ".into()),
            expected_delivery_date: Some("2026-01-01".into()),
            ..Default::default()
        };
        let p = update_person(&family, &child.to_string(), &bad, &cx()).unwrap_err();
        assert_eq!(
            fields(&p),
            ["given_name", "expected_delivery_date", "nhs_number"]
        );
        let same = PersonUpdate {
            family_name: Some(family.members[&child].family_name.clone()),
            ..Default::default()
        };
        let p = update_person(&family, &child.to_string(), &same, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["person"]);
    }

    #[test]
    fn add_family_normalises_the_postcode_and_allocates_to_the_practitioner() {
        let input = NewFamily {
            address_line1: " 1 Test Street ".into(),
            postcode: "zz993aa".into(),
            phone: Some("+44 (0)7700 900123".into()),
            ..Default::default()
        };
        let id = Uuid::from_u128(7);
        let (family, action) = add_family(id, &input, &cx()).unwrap();
        assert_eq!(family.household.postcode.as_str(), "ZZ99 3AA");
        assert_eq!(family.household.address_line1, "1 Test Street");
        assert_eq!(
            family.household.phone.as_ref().unwrap().as_str(),
            "07700900123"
        );
        assert_eq!(
            family.allocation.practitioner.as_deref(),
            Some("Test Visitor")
        );
        assert_eq!(action.audit_action, "family.add");
        assert_eq!(action.record_id, id);
        assert_eq!(action.record_kind, RecordKind::Family);
        // One edit at the root creates the whole document.
        assert_eq!(action.edits.len(), 1);
        assert!(action.edits[0].path.is_empty());
    }

    #[test]
    fn add_family_names_every_bad_field_without_echoing_it() {
        let input = NewFamily {
            address_line1: "  ".into(),
            postcode: "NOT A CODE".into(),
            phone: Some("12".into()),
            ..Default::default()
        };
        let p = add_family(Uuid::from_u128(7), &input, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["address_line1", "postcode", "phone"]);
        assert!(p.0.iter().all(|f| !f.problem.contains("NOT A CODE")));
    }

    #[test]
    fn household_update_writes_only_the_fields_given_normalised() {
        let family = household();
        let input = HouseholdUpdate {
            postcode: Some("sw1a1aa".into()),
            phone: Some("07700 900 123".into()),
            ..Default::default()
        };
        let action = update_household(&family, &input).unwrap();
        assert_eq!(action.edits.len(), 1);
        let edit = &action.edits[0];
        assert_eq!(edit.path, ["household"]);
        assert_eq!(edit.fields.len(), 2, "only the fields given: {edit:?}");
        assert_eq!(edit.fields["postcode"], "SW1A 1AA");
        assert_eq!(edit.fields["phone"], "07700900123");
    }

    #[test]
    fn household_update_refuses_bad_or_blanked_values_and_empty_updates() {
        let family = household();
        let bad = HouseholdUpdate {
            postcode: Some("12345".into()),
            phone: Some(" ".into()),
            address_line1: Some("".into()),
            ..Default::default()
        };
        let p = update_household(&family, &bad).unwrap_err();
        let f = fields(&p);
        assert!(f.contains(&"postcode") && f.contains(&"phone") && f.contains(&"address_line1"));
        let blank_postcode = HouseholdUpdate {
            postcode: Some("".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(&update_household(&family, &blank_postcode).unwrap_err()),
            ["postcode"]
        );
        let nothing = update_household(&family, &HouseholdUpdate::default()).unwrap_err();
        assert_eq!(fields(&nothing), ["household"]);
    }

    #[test]
    fn a_child_needs_a_past_date_of_birth_and_a_given_name() {
        let family = household();
        let input = NewPerson {
            role: "child".into(),
            family_name: "Testfamily".into(),
            date_of_birth: Some("2026-03-11".into()),
            ..Default::default()
        };
        let p = add_person(&family, Uuid::from_u128(20), &input, &cx()).unwrap_err();
        let f = fields(&p);
        assert!(f.contains(&"date_of_birth"), "{p:?}");
        assert!(f.contains(&"given_name"), "{p:?}");
    }

    #[test]
    fn an_nhs_number_is_recorded_once_per_family() {
        let (family, _, _) = family_with_child();
        let twin = NewPerson {
            role: "child".into(),
            given_name: Some("Jo".into()),
            family_name: "Testfamily".into(),
            date_of_birth: Some("2025-09-01".into()),
            nhs_number: Some("9990000018".into()),
            ..Default::default()
        };
        let p = add_person(&family, Uuid::from_u128(21), &twin, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["nhs_number"]);
        let twin = NewPerson {
            nhs_number: Some("999 000 0026".into()),
            ..twin
        };
        assert!(add_person(&family, Uuid::from_u128(21), &twin, &cx()).is_ok());
    }

    #[test]
    fn an_unborn_baby_needs_an_edd_and_no_birth_details() {
        let family = household();
        let input = NewPerson {
            role: "unborn".into(),
            family_name: "Testfamily".into(),
            gestation: Some("39+2".into()),
            ..Default::default()
        };
        let p = add_person(&family, Uuid::from_u128(30), &input, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["expected_delivery_date", "gestation"]);
    }

    #[test]
    fn recording_a_birth_keeps_the_person_and_their_edd() {
        let mut family = household();
        let unborn = add(
            &mut family,
            30,
            NewPerson {
                role: "unborn".into(),
                family_name: "Testfamily".into(),
                expected_delivery_date: Some("2026-03-20".into()),
                ..Default::default()
            },
        );
        let birth = NewBirth {
            date_of_birth: "2026-03-08".into(),
            given_name: Some("Robin".into()),
            gestation: Some("38+5".into()),
            birth_weight_grams: Some("3250".into()),
            ..Default::default()
        };
        let action = record_birth(&family, &unborn.to_string(), &birth, &cx()).unwrap();
        assert_eq!(action.audit_action, "person.birth");
        apply(&mut family, &action);
        let child = &family.members[&unborn];
        assert_eq!(child.role, MemberRole::Child);
        assert_eq!(child.date_of_birth, NaiveDate::from_ymd_opt(2026, 3, 8));
        assert_eq!(
            child.expected_delivery_date,
            NaiveDate::from_ymd_opt(2026, 3, 20)
        );
        assert_eq!(
            (child.gestation_weeks, child.gestation_days),
            (Some(38), Some(5))
        );
        assert_eq!(child.birth_weight_grams, Some(3250));
        assert_eq!(child.birth_recorded.as_ref().unwrap().by, "Test Visitor");
        // A born child cannot be born again.
        let again = record_birth(&family, &unborn.to_string(), &birth, &cx()).unwrap_err();
        assert_eq!(fields(&again), ["person"]);
    }

    #[test]
    fn a_birth_far_from_the_edd_is_refused() {
        let mut family = household();
        let unborn = add(
            &mut family,
            30,
            NewPerson {
                role: "unborn".into(),
                given_name: Some("Robin".into()),
                family_name: "Testfamily".into(),
                expected_delivery_date: Some("2026-08-20".into()),
                ..Default::default()
            },
        );
        let birth = NewBirth {
            date_of_birth: "2026-03-01".into(),
            ..Default::default()
        };
        let p = record_birth(&family, &unborn.to_string(), &birth, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["date_of_birth"]);
    }

    #[test]
    fn parse_gestation_takes_weeks_and_days_in_range() {
        assert_eq!(parse_gestation("39+2"), Ok((39, 2)));
        assert_eq!(parse_gestation(" 40 "), Ok((40, 0)));
        assert!(parse_gestation("21+0").is_err());
        assert!(parse_gestation("39+7").is_err());
        assert!(parse_gestation("thirty").is_err());
    }

    #[test]
    fn the_level_in_force_is_the_latest_effective_one() {
        let mut family = household();
        let set = |f: &Family, id: u128, level: &str, effective: &str| {
            let input = NewLevel {
                level: level.into(),
                effective: effective.into(),
                reason: "assessed".into(),
            };
            set_level(f, Uuid::from_u128(id), &input, &cx()).unwrap()
        };
        let a = set(&family, 40, "targeted", "2026-01-01");
        apply(&mut family, &a);
        let b = set(&family, 41, "specialist", "2026-04-01");
        apply(&mut family, &b);
        assert_eq!(family.level_on(cx().today), LevelOfService::Targeted);
        assert_eq!(
            family.level_on(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
            LevelOfService::Specialist
        );
        assert_eq!(
            family.next_date_change(cx().today),
            NaiveDate::from_ymd_opt(2026, 4, 1)
        );
        let missing_reason = NewLevel {
            level: "targeted".into(),
            effective: "2026-01-01".into(),
            reason: " ".into(),
        };
        let p = set_level(&family, Uuid::from_u128(42), &missing_reason, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["reason"]);
    }

    #[test]
    fn a_child_protection_flag_needs_its_category_and_others_refuse_one() {
        let (family, _, child) = family_with_child();
        let cp = NewFlag {
            kind: "child-protection".into(),
            person_id: Some(child.to_string()),
            start: "2026-03-01".into(),
            ..Default::default()
        };
        let p = add_flag(&family, Uuid::from_u128(50), &cp, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["cp_category"]);
        let alert = NewFlag {
            kind: "early-help".into(),
            cp_category: Some("neglect".into()),
            start: "2026-03-01".into(),
            end: Some("2026-02-01".into()),
            ..Default::default()
        };
        let p = add_flag(&family, Uuid::from_u128(50), &alert, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["cp_category", "end"]);
        let ok = NewFlag {
            cp_category: Some("neglect".into()),
            ..cp
        };
        assert!(add_flag(&family, Uuid::from_u128(50), &ok, &cx()).is_ok());
    }

    #[test]
    fn a_child_protection_plan_keeps_its_conference_dates() {
        let (mut family, _, child) = family_with_child();
        let cp = NewFlag {
            kind: "child-protection".into(),
            cp_category: Some("neglect".into()),
            person_id: Some(child.to_string()),
            start: "2026-02-01".into(),
            lead_agency: Some("Children's social care".into()),
            conference_on: Some("2026-02-01".into()),
            review_conference_on: Some("2026-05-01".into()),
            ..Default::default()
        };
        let id = Uuid::from_u128(52);
        let added = add_flag(&family, id, &cp, &cx()).unwrap();
        apply(&mut family, &added);
        let flag = &family.flags[&id];
        assert_eq!(flag.conference_on, Some(date("2026-02-01").unwrap()));
        let next = set_review_conference(&family, &id.to_string(), "2026-08-01", &cx()).unwrap();
        apply(&mut family, &next);
        assert_eq!(
            family.flags[&id].review_conference_on,
            Some(date("2026-08-01").unwrap())
        );
        let early = set_review_conference(&family, &id.to_string(), "2026-01-01", &cx());
        assert_eq!(fields(&early.unwrap_err()), ["review_conference_on"]);
        let cin = NewFlag {
            kind: "child-in-need".into(),
            start: "2026-02-01".into(),
            conference_on: Some("2026-02-01".into()),
            ..Default::default()
        };
        let p = add_flag(&family, Uuid::from_u128(53), &cin, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["conference_on"]);
    }

    #[test]
    fn a_flag_ends_once_and_not_before_it_starts() {
        let mut family = household();
        let input = NewFlag {
            kind: "safety-alert".into(),
            alert: Some("dog-in-house".into()),
            start: "2026-03-01".into(),
            ..Default::default()
        };
        let id = Uuid::from_u128(51);
        let added = add_flag(&family, id, &input, &cx()).unwrap();
        apply(&mut family, &added);
        assert_eq!(family.active_flags(cx().today).count(), 1);
        let early = end_flag(&family, &id.to_string(), "2026-02-28", &cx()).unwrap_err();
        assert_eq!(fields(&early), ["end"]);
        let ended = end_flag(&family, &id.to_string(), "2026-03-09", &cx()).unwrap();
        apply(&mut family, &ended);
        assert_eq!(family.active_flags(cx().today).count(), 0);
        assert_eq!(family.flags[&id].ended.as_ref().unwrap().by, "Test Visitor");
        let twice = end_flag(&family, &id.to_string(), "2026-03-10", &cx()).unwrap_err();
        assert_eq!(fields(&twice), ["flag"]);
    }

    #[test]
    fn consent_is_dated_in_the_past_and_names_a_current_member() {
        let (family, parent, _) = family_with_child();
        let input = NewConsent {
            decision: "given".into(),
            date: "2026-03-10".into(),
            scope: "share with GP".into(),
            person_id: Some(parent.to_string()),
        };
        let action = record_consent(&family, Uuid::from_u128(60), &input, &cx()).unwrap();
        assert_eq!(action.record_kind, RecordKind::Consent);
        let bad = NewConsent {
            decision: "maybe".into(),
            date: "2026-03-11".into(),
            person_id: Some(Uuid::from_u128(99).to_string()),
            ..input
        };
        let p = record_consent(&family, Uuid::from_u128(60), &bad, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["decision", "date", "person"]);
    }

    #[test]
    fn entered_in_error_keeps_the_record_and_marks_it_once() {
        let (mut family, _, child) = family_with_child();
        let before = family.members[&child].clone();
        let action =
            mark_entered_in_error(&family, &child.to_string(), "wrong family", &cx()).unwrap();
        assert_eq!(action.message, "person.entered-in-error");
        assert_eq!(action.edits[0].fields.len(), 1, "only the mark is written");
        apply(&mut family, &action);
        let after = &family.members[&child];
        assert_eq!(after.given_name, before.given_name);
        assert_eq!(after.nhs_number, before.nhs_number);
        assert_eq!(
            after.entered_in_error.as_ref().unwrap().reason,
            "wrong family"
        );
        assert_eq!(family.current_members().count(), 1);
        let again = mark_entered_in_error(&family, &child.to_string(), "again", &cx()).unwrap_err();
        assert_eq!(fields(&again), ["record"]);
        let unknown = mark_entered_in_error(&family, &Uuid::from_u128(99).to_string(), "x", &cx())
            .unwrap_err();
        assert_eq!(fields(&unknown), ["record"]);
    }

    #[test]
    fn a_family_entered_in_error_refuses_every_change_but_keeps_its_data() {
        let (mut family, _, _) = family_with_child();
        let id = family.id;
        let action = mark_entered_in_error(&family, &id.to_string(), "duplicate", &cx()).unwrap();
        assert!(action.edits[0].path.is_empty());
        apply(&mut family, &action);
        assert_eq!(family.members.len(), 2);
        assert_eq!(family.household.postcode.as_str(), "ZZ99 3AA");
        let update = HouseholdUpdate {
            town: Some("Testtown".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(&update_household(&family, &update).unwrap_err()),
            ["family"]
        );
        let person = NewPerson {
            role: "parent".into(),
            given_name: Some("Kim".into()),
            family_name: "Testfamily".into(),
            ..Default::default()
        };
        let p = add_person(&family, Uuid::from_u128(70), &person, &cx()).unwrap_err();
        assert_eq!(fields(&p), ["family"]);
    }
}
