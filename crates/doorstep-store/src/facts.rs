//! Reading the caseload's facts from the projections for the rules that
//! span many families: the schedule and worklist, reports and the caseload
//! summary. Loading every document would cost ~0.4 ms a family; these
//! queries read a few thousand rows instead.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use doorstep_domain::caseload::CaseloadFamily;
use doorstep_domain::codes::{
    Attendance, ContactKind, EthnicCategory, FlagKind, LevelOfService, MemberRole,
};
use doorstep_domain::growth::Measure;
use doorstep_domain::schedule::{self, ChildFacts, ContactFacts, MeasurementFacts};
use rusqlite::Connection;
use uuid::Uuid;

use crate::StoreError;

fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt("bad id in a projection".into()))
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::from_str(s).ok()
}

fn opt_day(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(day)
}

fn code<T>(s: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, StoreError> {
    parse(s).map_err(|_| StoreError::Corrupt("bad code in a projection".into()))
}

/// Children and pregnancies of current families (optionally one named
/// practitioner's), with what the schedule needs.
pub fn children(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<Vec<ChildFacts>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.family_id, p.role, p.given_name, p.family_name, p.date_of_birth, p.expected_delivery,
                p.gestation_weeks, p.gestation_days, p.antenatal_requested, p.ethnic_category, f.practitioner
         FROM people p JOIN families f ON f.id = p.family_id
         WHERE p.entered_in_error = 0 AND f.entered_in_error = 0 AND p.role IN ('child', 'unborn')
           AND (?1 IS NULL OR f.practitioner = ?1 COLLATE NOCASE)
         ORDER BY p.family_id, p.id",
    )?;
    let mut rows = stmt.query([practitioner])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let role = code(r.get_ref(2)?.as_str()?, MemberRole::parse)?;
        let given: Option<String> = r.get(3)?;
        let family_name: String = r.get(4)?;
        let name = doorstep_domain::family::display_name(given.as_deref(), &family_name, role);
        let ethnic = r.get_ref(10)?.as_str_or_null()?;
        out.push(ChildFacts {
            person_id: uuid(r.get_ref(0)?.as_str()?)?,
            family_id: uuid(r.get_ref(1)?.as_str()?)?,
            name,
            role,
            date_of_birth: opt_day(r.get_ref(5)?.as_str_or_null()?),
            expected_delivery_date: opt_day(r.get_ref(6)?.as_str_or_null()?),
            gestation_weeks: r.get(7)?,
            gestation_days: r.get(8)?,
            first_time_parents: false,
            antenatal_requested: r.get::<_, i64>(9)? != 0,
            ethnic_category_stated: ethnic
                .and_then(|e| EthnicCategory::parse(e).ok())
                .is_some_and(|e| e.is_stated()),
            practitioner: r.get(11)?,
        });
    }
    // First-time parents, by the schedule's rule, over each family's children.
    let mut born: HashMap<Uuid, Vec<(Uuid, NaiveDate)>> = HashMap::new();
    for c in &out {
        if let (MemberRole::Child, Some(d)) = (c.role, c.date_of_birth) {
            born.entry(c.family_id).or_default().push((c.person_id, d));
        }
    }
    for c in &mut out {
        let siblings = born.get(&c.family_id).map(Vec::as_slice).unwrap_or(&[]);
        c.first_time_parents =
            schedule::first_time_parents(c.person_id, c.expected_delivery_date, siblings);
    }
    Ok(out)
}

/// Current contacts, one row per child they concern.
pub fn contacts(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<Vec<ContactFacts>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT c.id, s.person_id, c.kind, c.date, c.attendance, c.mechanism, c.declined_reason, c.asq3_completed
         FROM contacts c JOIN contact_subjects s ON s.contact_id = c.id JOIN families f ON f.id = c.family_id
         WHERE c.entered_in_error = 0 AND f.entered_in_error = 0
           AND (?1 IS NULL OR f.practitioner = ?1 COLLATE NOCASE)",
    )?;
    let mut rows = stmt.query([practitioner])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(ContactFacts {
            contact_id: uuid(r.get_ref(0)?.as_str()?)?,
            person_id: uuid(r.get_ref(1)?.as_str()?)?,
            kind: code(r.get_ref(2)?.as_str()?, ContactKind::parse)?,
            date: day(r.get_ref(3)?.as_str()?)
                .ok_or_else(|| StoreError::Corrupt("bad contact date".into()))?,
            attendance: code(r.get_ref(4)?.as_str()?, Attendance::parse)?,
            face_to_face: r.get_ref(5)?.as_str()? == "01",
            declined_reason: r.get(6)?,
            asq3_completed: r.get::<_, i64>(7)? != 0,
        });
    }
    Ok(out)
}

/// Current measurements taken at contacts of `kind` (reports need only
/// those, e.g. BMI completeness at the 2–2½ year review).
pub fn measurements_at(
    conn: &Connection,
    kind: ContactKind,
) -> Result<Vec<MeasurementFacts>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT m.contact_id, m.person_id, m.measure
         FROM measurements m JOIN contacts c ON c.id = m.contact_id JOIN families f ON f.id = m.family_id
         WHERE m.entered_in_error = 0 AND f.entered_in_error = 0 AND c.kind = ?1",
    )?;
    let mut rows = stmt.query([kind.code()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(MeasurementFacts {
            contact_id: uuid(r.get_ref(0)?.as_str()?)?,
            person_id: uuid(r.get_ref(1)?.as_str()?)?,
            measure: code(r.get_ref(2)?.as_str()?, Measure::parse)?,
        });
    }
    Ok(out)
}

/// Current families as the caseload summary sees them (projections are
/// refreshed for today before this is read).
pub fn caseload(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<Vec<CaseloadFamily>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT level, active_flags, children_under5, practitioner FROM families
         WHERE entered_in_error = 0 AND (?1 IS NULL OR practitioner = ?1 COLLATE NOCASE)",
    )?;
    let mut rows = stmt.query([practitioner])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let flags: String = r.get(1)?;
        out.push(CaseloadFamily {
            level: code(&r.get::<_, String>(0)?, LevelOfService::parse)?,
            flags: flags
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| code(s, FlagKind::parse))
                .collect::<Result<_, _>>()?,
            children_under5: r.get::<_, i64>(2)? as u32,
            practitioner: r.get(3)?,
        });
    }
    Ok(out)
}
