//! Reading the caseload's facts from the projections for the rules that
//! span many families: the schedule and worklist, reports and the caseload
//! summary. Loading every document would cost ~0.4 ms a family; these
//! queries read a few thousand rows instead.
//!
//! Each query scans its tables once and joins them here, in hash maps:
//! joined in SQL, every row cost two or three B-tree probes on the text
//! ids, which was most of the worklist's and the KPI report's time at
//! 10,000 families (docs/PERFORMANCE.md).

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use doorstep_domain::clinical::caseload::CaseloadFamily;
use doorstep_domain::clinical::growth::Measure;
use doorstep_domain::clinical::schedule::{
    self, AsqFacts, ChildFacts, ContactFacts, MeasurementFacts,
};
use doorstep_domain::record::duplicates::PersonKey;
use doorstep_domain::record::follow_up::{FollowUpItem, Urgency};
use doorstep_domain::values::codes::{
    Attendance, ConsultationMechanism, ContactKind, DepartureReason, EthnicCategory, FeedingStatus,
    FlagKind, LevelOfService, LocationType, MemberRole, PractitionerRole,
};
use rusqlite::{params, Connection};
use uuid::Uuid;

use crate::projection::asq_scores_from_text;
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

/// Current families (optionally only one named practitioner's), with their
/// practitioner, by id.
fn current_families(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<HashMap<Uuid, Option<String>>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, practitioner FROM families
         WHERE entered_in_error = 0 AND (?1 IS NULL OR practitioner = ?1 COLLATE NOCASE)",
    )?;
    let mut rows = stmt.query([practitioner])?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next()? {
        out.insert(uuid(r.get_ref(0)?.as_str()?)?, r.get(1)?);
    }
    Ok(out)
}

/// Children and pregnancies of current families (optionally one named
/// practitioner's), with what the schedule needs, by family and person.
pub fn children(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<Vec<ChildFacts>, StoreError> {
    let families = current_families(conn, practitioner)?;
    let mut stmt = conn.prepare(
        "SELECT id, family_id, role, given_name, family_name, date_of_birth, expected_delivery,
                gestation_weeks, gestation_days, antenatal_requested, ethnic_category,
                left_reason, left_on, transferred_in_on
         FROM people
         WHERE entered_in_error = 0 AND merged_into_person IS NULL
           AND role IN ('child', 'unborn')",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let family_id = uuid(r.get_ref(1)?.as_str()?)?;
        let Some(practitioner) = families.get(&family_id) else {
            continue;
        };
        let role = code(r.get_ref(2)?.as_str()?, MemberRole::parse)?;
        let given: Option<String> = r.get(3)?;
        let family_name: String = r.get(4)?;
        let name =
            doorstep_domain::record::family::display_name(given.as_deref(), &family_name, role);
        let ethnic = r.get_ref(10)?.as_str_or_null()?;
        let left = r
            .get_ref(11)?
            .as_str_or_null()?
            .map(|c| code(c, DepartureReason::parse))
            .transpose()?;
        let left_on = opt_day(r.get_ref(12)?.as_str_or_null()?);
        let left_when = |reason| left_on.filter(|_| left == Some(reason));
        out.push(ChildFacts {
            person_id: uuid(r.get_ref(0)?.as_str()?)?,
            family_id,
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
            practitioner: practitioner.clone(),
            died_on: left_when(DepartureReason::Died),
            moved_away_on: left_when(DepartureReason::MovedAway),
            transferred_in_on: opt_day(r.get_ref(13)?.as_str_or_null()?),
        });
    }
    // Uuid order is the order of their text form.
    out.sort_unstable_by_key(|c| (c.family_id, c.person_id));
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

/// Current contacts of the five mandated reviews (the schedule and the KPIs
/// look at no other kind), dated within `between` (first and last day) when
/// given, one row per child they concern.
pub fn review_contacts(
    conn: &Connection,
    practitioner: Option<&str>,
    between: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<ContactFacts>, StoreError> {
    let families = current_families(conn, practitioner)?;
    // The contacts first, by id; then one row per subject.
    let kinds: Vec<String> = ContactKind::REVIEWS
        .iter()
        .map(|k| format!("'{}'", k.code()))
        .collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT id, family_id, kind, date, attendance, mechanism, declined_reason, location, role,
                remote_reason IS NOT NULL, feeding_status
         FROM contacts
         WHERE entered_in_error = 0 AND kind IN ({})
           AND (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2)",
        kinds.join(", ")
    ))?;
    let (first, last) = between.unzip();
    let mut rows = stmt.query(params![
        first.map(|d| d.to_string()),
        last.map(|d| d.to_string())
    ])?;
    let mut by_id: HashMap<Uuid, ContactFacts> = HashMap::new();
    while let Some(r) = rows.next()? {
        let contact_id = uuid(r.get_ref(0)?.as_str()?)?;
        by_id.insert(
            contact_id,
            ContactFacts {
                contact_id,
                // Set per subject below.
                person_id: Uuid::nil(),
                kind: code(r.get_ref(2)?.as_str()?, ContactKind::parse)?,
                date: day(r.get_ref(3)?.as_str()?)
                    .ok_or_else(|| StoreError::Corrupt("bad contact date".into()))?,
                attendance: code(r.get_ref(4)?.as_str()?, Attendance::parse)?,
                mechanism: code(r.get_ref(5)?.as_str()?, ConsultationMechanism::parse)?,
                declined_reason: r.get(6)?,
                location: code(r.get_ref(7)?.as_str()?, LocationType::parse)?,
                role: code(r.get_ref(8)?.as_str()?, PractitionerRole::parse)?,
                remote_reason_recorded: r.get::<_, i64>(9)? != 0,
                feeding: r
                    .get_ref(10)?
                    .as_str_or_null()?
                    .map(|c| code(c, FeedingStatus::parse))
                    .transpose()?,
                // Set per subject below.
                asq3: None,
            },
        );
    }
    // A merged record's contacts count for the person kept, and for the
    // practitioner of the family kept.
    let merges = merges(conn)?;
    let mut stmt = conn.prepare(
        "SELECT contact_id, person_id, asq_interval, asq_scores, family_id FROM contact_subjects",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::with_capacity(by_id.len());
    while let Some(r) = rows.next()? {
        if let Some(c) = by_id.get(&uuid(r.get_ref(0)?.as_str()?)?) {
            let (family, person) = merges.resolve(
                uuid(r.get_ref(4)?.as_str()?)?,
                uuid(r.get_ref(1)?.as_str()?)?,
            );
            if !families.contains_key(&family) {
                continue;
            }
            let asq3 = match r.get_ref(3)?.as_str_or_null()? {
                Some(text) => Some(AsqFacts {
                    interval: r.get(2)?,
                    scores: asq_scores_from_text(text)
                        .ok_or_else(|| StoreError::Corrupt("bad ASQ-3 scores".into()))?,
                }),
                None => None,
            };
            out.push(ContactFacts {
                person_id: person,
                asq3,
                ..c.clone()
            });
        }
    }
    Ok(out)
}

/// Current measurements taken at current contacts of `kind` dated within
/// `between` (reports need only those, e.g. BMI completeness at the
/// quarter's 2–2½ year reviews).
pub fn measurements_at(
    conn: &Connection,
    kind: ContactKind,
    between: (NaiveDate, NaiveDate),
) -> Result<Vec<MeasurementFacts>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT m.contact_id, m.person_id, m.measure, m.family_id
         FROM contacts c
           JOIN measurements m ON m.contact_id = c.id
           JOIN families f ON f.id = c.family_id
         WHERE c.kind = ?1 AND c.date BETWEEN ?2 AND ?3 AND c.entered_in_error = 0
           AND m.entered_in_error = 0 AND f.entered_in_error = 0",
    )?;
    let mut rows = stmt.query(params![
        kind.code(),
        between.0.to_string(),
        between.1.to_string()
    ])?;
    let merges = merges(conn)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (_, person_id) = merges.resolve(
            uuid(r.get_ref(3)?.as_str()?)?,
            uuid(r.get_ref(1)?.as_str()?)?,
        );
        out.push(MeasurementFacts {
            contact_id: uuid(r.get_ref(0)?.as_str()?)?,
            person_id,
            measure: code(r.get_ref(2)?.as_str()?, Measure::parse)?,
        });
    }
    Ok(out)
}

/// Person records merged into others: each to the family and person kept.
struct Merges(HashMap<Uuid, (Uuid, Uuid)>);

impl Merges {
    /// Where person `person` of `family` now lives, following merges (a
    /// record merged into one later merged again ends at the last).
    fn resolve(&self, family: Uuid, person: Uuid) -> (Uuid, Uuid) {
        let mut at = (family, person);
        // A chain is as long as the merges made; 64 steps is far beyond any.
        for _ in 0..64 {
            match self.0.get(&at.1) {
                Some(next) => at = *next,
                None => break,
            }
        }
        at
    }
}

fn merges(conn: &Connection) -> Result<Merges, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, merged_into_family, merged_into_person FROM people
         WHERE merged_into_person IS NOT NULL AND entered_in_error = 0",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next()? {
        out.insert(
            uuid(r.get_ref(0)?.as_str()?)?,
            (
                uuid(r.get_ref(1)?.as_str()?)?,
                uuid(r.get_ref(2)?.as_str()?)?,
            ),
        );
    }
    Ok(Merges(out))
}

/// Current families as the caseload summary sees them (projections are
/// refreshed for today before this is read).
pub fn caseload(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<Vec<CaseloadFamily>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT level, active_flags, children_under5, practitioner FROM families
         WHERE entered_in_error = 0 AND merged_into IS NULL
           AND (?1 IS NULL OR practitioner = ?1 COLLATE NOCASE)",
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

/// What duplicate search compares of every current person of every current
/// family: names, date of birth (or due date), the household's postcode
/// and the NHS number.
pub fn person_keys(conn: &Connection) -> Result<Vec<PersonKey>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.family_id, p.given_name, p.family_name,
                coalesce(p.date_of_birth, p.expected_delivery), f.postcode_key, p.nhs_number
         FROM people p JOIN families f ON f.id = p.family_id
         WHERE p.entered_in_error = 0 AND f.entered_in_error = 0
           AND p.merged_into_person IS NULL AND f.merged_into IS NULL",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(PersonKey {
            person_id: uuid(r.get_ref(0)?.as_str()?)?,
            family_id: uuid(r.get_ref(1)?.as_str()?)?,
            given_name: r.get(2)?,
            family_name: r.get(3)?,
            date: opt_day(r.get_ref(4)?.as_str_or_null()?),
            postcode: r.get(5)?,
            nhs_number: r.get(6)?,
        });
    }
    Ok(out)
}

/// The open follow-ups of current families (optionally one named
/// practitioner's), with the family's list name and the person's name,
/// most urgent first.
pub fn follow_ups(
    conn: &Connection,
    practitioner: Option<&str>,
) -> Result<Vec<(FollowUpItem, String, Option<String>)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT u.key, u.family_id, u.person_id, u.urgency, u.text, u.since, u.due,
                f.display_name, p.given_name, p.family_name, p.role
         FROM follow_ups u
           JOIN families f ON f.id = u.family_id
           LEFT JOIN people p ON p.id = u.person_id
         WHERE f.entered_in_error = 0 AND f.merged_into IS NULL
           AND (?1 IS NULL OR f.practitioner = ?1 COLLATE NOCASE)",
    )?;
    let mut rows = stmt.query([practitioner])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let bad = || StoreError::Corrupt("bad follow-up row".into());
        let person = match (
            r.get::<_, Option<String>>(9)?,
            r.get_ref(10)?.as_str_or_null()?,
        ) {
            (Some(family_name), Some(role)) => Some(doorstep_domain::record::family::display_name(
                r.get::<_, Option<String>>(8)?.as_deref(),
                &family_name,
                code(role, MemberRole::parse)?,
            )),
            _ => None,
        };
        out.push((
            FollowUpItem {
                key: r.get(0)?,
                family_id: uuid(r.get_ref(1)?.as_str()?)?,
                person_id: r.get_ref(2)?.as_str_or_null()?.map(uuid).transpose()?,
                urgency: Urgency::parse(r.get_ref(3)?.as_str()?).map_err(|_| bad())?,
                text: r.get(4)?,
                since: day(r.get_ref(5)?.as_str()?).ok_or_else(bad)?,
                due: day(r.get_ref(6)?.as_str()?).ok_or_else(bad)?,
            },
            r.get(7)?,
            person,
        ));
    }
    out.sort_by(|a, b| {
        a.0.urgency
            .cmp(&b.0.urgency)
            .then(a.0.due.cmp(&b.0.due))
            .then(a.0.key.cmp(&b.0.key))
    });
    Ok(out)
}
