//! SQL projections of family documents: the rows that list, search and show
//! read. A family's rows are always derived whole from its document (and
//! only the differing ones written), so rebuilding every projection gives
//! exactly the incrementally kept tables.

use std::collections::HashMap;

use chrono::NaiveDate;
use doorstep_domain::forms::{AsqDomain, AsqDomainValues};
use doorstep_domain::record::contact::ContactStatus;
use doorstep_domain::record::family::Family;
use doorstep_domain::record::listing::{
    ChildSummary, FamilyPage, FamilyQuery, FamilySummary, SortBy,
};
use doorstep_domain::record::response::asq3_at;
use doorstep_domain::values::{
    codes::{LevelOfService, MemberRole},
    nhs_number::NhsNumber,
    postcode,
};
use rusqlite::types::{FromSql, ToSqlOutput, Value as SqlValue};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};

use crate::StoreError;

/// The projection tables, in the order they are rebuilt and compared.
pub const TABLES: &[&str] = &[
    FAMILIES.name,
    PEOPLE.name,
    LEVELS.name,
    FLAGS.name,
    CONSENTS.name,
    CONTACTS.name,
    CONTACT_SUBJECTS.name,
    MEASUREMENTS.name,
    FOLLOW_UPS.name,
];

/// Lower-case, single-spaced text for name search.
pub fn name_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn b(v: bool) -> i64 {
    v as i64
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Which of a family's projection tables a write brings up to date. The
/// family row always is (its counts, level and flags summarise the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    /// `people`.
    pub people: bool,
    /// `levels`.
    pub levels: bool,
    /// `flags`.
    pub flags: bool,
    /// `consents`.
    pub consents: bool,
    /// `contacts`, `contact_subjects` and `measurements`.
    pub contacts: bool,
}

impl Parts {
    /// Every table.
    pub const ALL: Parts = Parts {
        people: true,
        levels: true,
        flags: true,
        consents: true,
        contacts: true,
    };

    /// Adds the tables an edit at `path` can change (by the document map
    /// it writes into; an edit at the root or the household changes only
    /// the family row).
    pub fn add_path(&mut self, path: &[String]) {
        match path.first().map(String::as_str) {
            Some("members") => self.people = true,
            Some("levels") => self.levels = true,
            Some("flags") => self.flags = true,
            Some("consents") => self.consents = true,
            // A completed 2–2½ year review form gives its contact's ASQ-3.
            Some("contacts") | Some("measurements") | Some("responses") => self.contacts = true,
            // The family row and the open follow-ups are always rewritten.
            Some("household") | Some("allocation") | Some("addressed") => {}
            // The root (a new family) or anything unforeseen: everything.
            _ => *self = Parts::ALL,
        }
    }
}

/// Brings every projection row of `family` up to date (as of `today`).
pub fn write(conn: &Connection, family: &Family, today: NaiveDate) -> Result<(), StoreError> {
    write_parts(conn, family, today, Parts::ALL)
}

/// One projection table as a write sees it: its columns, key columns
/// first, and the column naming the family.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    key: usize,
    family: &'static str,
}

const FAMILIES: Table = Table {
    name: "families",
    columns: &[
        "id",
        "list_name",
        "display_name",
        "address_line1",
        "town",
        "postcode",
        "postcode_key",
        "phone",
        "main_language",
        "interpreter_needed",
        "level",
        "practitioner",
        "team",
        "member_count",
        "children_under5",
        "active_flags",
        "created_at",
        "entered_in_error",
        "stale_from",
        "merged_into",
    ],
    key: 1,
    family: "id",
};
const PEOPLE: Table = Table {
    name: "people",
    columns: &[
        "id",
        "family_id",
        "role",
        "given_name",
        "family_name",
        "name_key",
        "date_of_birth",
        "expected_delivery",
        "sex",
        "nhs_number",
        "nhs_number_status",
        "ethnic_category",
        "gp_practice",
        "gestation_weeks",
        "gestation_days",
        "birth_weight_g",
        "entered_in_error",
        "antenatal_requested",
        "birth_recorded",
        "left_reason",
        "left_on",
        "left_to",
        "transferred_in_on",
        "merged_into_family",
        "merged_into_person",
    ],
    key: 1,
    family: "family_id",
};
const LEVELS: Table = Table {
    name: "levels",
    columns: &[
        "id",
        "family_id",
        "level",
        "effective",
        "reason",
        "recorded_by",
        "recorded_at",
        "entered_in_error",
    ],
    key: 1,
    family: "family_id",
};
const FLAGS: Table = Table {
    name: "flags",
    columns: &[
        "id",
        "family_id",
        "person_id",
        "kind",
        "cp_category",
        "alert",
        "start",
        "end",
        "lead_agency",
        "entered_in_error",
    ],
    key: 1,
    family: "family_id",
};
const CONSENTS: Table = Table {
    name: "consents",
    columns: &[
        "id",
        "family_id",
        "person_id",
        "decision",
        "date",
        "scope",
        "entered_in_error",
    ],
    key: 1,
    family: "family_id",
};
const CONTACTS: Table = Table {
    name: "contacts",
    columns: &[
        "id",
        "family_id",
        "kind",
        "at",
        "date",
        "duration_minutes",
        "location",
        "mechanism",
        "attendance",
        "declined_reason",
        "practitioner",
        "role",
        "accountable_hv",
        "asq3_completed",
        "status",
        "entered_in_error",
        "remote_reason",
        "feeding_status",
    ],
    key: 1,
    family: "family_id",
};
const CONTACT_SUBJECTS: Table = Table {
    name: "contact_subjects",
    columns: &[
        "contact_id",
        "person_id",
        "family_id",
        "asq_interval",
        "asq_scores",
    ],
    key: 2,
    family: "family_id",
};
const FOLLOW_UPS: Table = Table {
    name: "follow_ups",
    columns: &[
        "key",
        "family_id",
        "person_id",
        "urgency",
        "text",
        "since",
        "due",
    ],
    key: 1,
    family: "family_id",
};
const MEASUREMENTS: Table = Table {
    name: "measurements",
    columns: &[
        "id",
        "family_id",
        "contact_id",
        "person_id",
        "measure",
        "value",
        "measured_on",
        "entered_in_error",
    ],
    key: 1,
    family: "family_id",
};

/// One row's values, in its table's column order.
type Row = Vec<SqlValue>;

fn value(v: &dyn ToSql) -> Result<SqlValue, StoreError> {
    Ok(match v.to_sql()? {
        ToSqlOutput::Borrowed(r) => SqlValue::column_result(r)
            .map_err(|_| StoreError::Corrupt("an unreadable projection value".into()))?,
        ToSqlOutput::Owned(v) => v,
        _ => return Err(StoreError::Corrupt("an unexpected projection value".into())),
    })
}

macro_rules! row {
    ($($v:expr),* $(,)?) => {
        vec![$(value(&$v)?),*]
    };
}

/// Makes `table`'s rows of family `id` exactly `rows`, writing only the rows
/// that differ: a row that is already there unchanged is not touched, so a
/// small edit dirties a few database pages instead of one page per row in
/// every index (ids are random, so a family's rows are spread out).
fn write_rows(
    conn: &Connection,
    table: &Table,
    id: &str,
    rows: Vec<Row>,
) -> Result<(), StoreError> {
    let key_of = |row: &Row| -> String {
        row[..table.key]
            .iter()
            .map(|v| match v {
                SqlValue::Text(t) => t.as_str(),
                _ => "",
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let cols = table.columns.join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols} FROM {} WHERE {} = ?1",
        table.name, table.family
    ))?;
    let n = table.columns.len();
    let mut existing: HashMap<String, Row> = HashMap::new();
    let mut found = stmt.query([id])?;
    while let Some(r) = found.next()? {
        let row = (0..n).map(|i| r.get(i)).collect::<Result<Row, _>>()?;
        existing.insert(key_of(&row), row);
    }
    let key_match = table.columns[..table.key]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    for row in rows {
        match existing.remove(&key_of(&row)) {
            Some(old) if old == row => {}
            Some(_) => {
                let sets = table.columns[table.key..]
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{c} = ?{}", table.key + i + 1))
                    .collect::<Vec<_>>()
                    .join(", ");
                conn.prepare_cached(&format!(
                    "UPDATE {} SET {sets} WHERE {key_match}",
                    table.name
                ))?
                .execute(params_from_iter(row.iter()))?;
            }
            None => {
                let marks = (1..=n)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                conn.prepare_cached(&format!(
                    "INSERT INTO {} ({cols}) VALUES ({marks})",
                    table.name
                ))?
                .execute(params_from_iter(row.iter()))?;
            }
        }
    }
    for old in existing.into_values() {
        conn.prepare_cached(&format!("DELETE FROM {} WHERE {key_match}", table.name))?
            .execute(params_from_iter(old[..table.key].iter()))?;
    }
    Ok(())
}

/// Brings the family row and the `parts` tables' rows of `family` up to
/// date: the rows are derived whole from the record and compared with the
/// stored ones, so the result is the same as a full rewrite of those tables.
pub fn write_parts(
    conn: &Connection,
    family: &Family,
    today: NaiveDate,
    parts: Parts,
) -> Result<(), StoreError> {
    let id = family.id.to_string();
    let h = &family.household;
    let mut flags: Vec<&str> = family
        .active_flags(today)
        .map(|(_, f)| f.kind.code())
        .collect();
    flags.sort();
    flags.dedup();
    let family_row = row![
        id,
        name_key(&family.list_name()),
        family.list_name(),
        h.address_line1,
        h.town,
        h.postcode.as_str(),
        h.postcode.compact(),
        h.phone.as_ref().map(|p| p.as_str().to_string()),
        h.main_language,
        b(h.interpreter_needed),
        family.level_on(today).code(),
        family.allocation.practitioner,
        family.allocation.team,
        family.current_members().count() as i64,
        family
            .current_members()
            .filter(|(_, p)| p.is_child_under_five(today))
            .count() as i64,
        flags.join(","),
        family.created.at.to_rfc3339(),
        b(family.entered_in_error.is_some()),
        family.next_date_change(today).map(day),
        family.merged_into.as_ref().map(|m| m.family_id.to_string()),
    ];
    write_rows(conn, &FAMILIES, &id, vec![family_row])?;
    // Open follow-ups depend on responses, contacts and notes alike: always
    // brought up to date (a handful of rows at most).
    let mut follow_ups = Vec::new();
    for item in doorstep_domain::record::follow_up::open_items(family) {
        follow_ups.push(row![
            item.key,
            id,
            item.person_id.map(|p| p.to_string()),
            item.urgency.code(),
            item.text,
            day(item.since),
            day(item.due),
        ]);
    }
    write_rows(conn, &FOLLOW_UPS, &id, follow_ups)?;
    if parts.people {
        let mut rows = Vec::new();
        for (pid, p) in &family.members {
            rows.push(row![
                pid.to_string(),
                id,
                p.role.code(),
                p.given_name,
                p.family_name,
                name_key(&format!(
                    "{} {}",
                    p.given_name.as_deref().unwrap_or(""),
                    p.family_name
                )),
                p.date_of_birth.map(day),
                p.expected_delivery_date.map(day),
                p.sex.map(|s| s.code()),
                p.nhs_number.as_ref().map(|n| n.as_str().to_string()),
                p.nhs_number_status.map(|s| s.code()),
                p.ethnic_category.map(|e| e.code()),
                p.gp_practice.as_ref().map(|g| g.as_str().to_string()),
                p.gestation_weeks,
                p.gestation_days,
                p.birth_weight_grams,
                b(p.entered_in_error.is_some()),
                b(p.antenatal_requested.unwrap_or(false)),
                b(p.birth_recorded.is_some()),
                p.left.as_ref().map(|l| l.reason.code()),
                p.left.as_ref().map(|l| day(l.date)),
                p.left.as_ref().and_then(|l| l.to.clone()),
                p.transferred_in.as_ref().map(|a| day(a.date)),
                p.merged_into.as_ref().map(|m| m.family_id.to_string()),
                p.merged_into
                    .as_ref()
                    .and_then(|m| m.person_id)
                    .map(|id| id.to_string()),
            ]);
        }
        write_rows(conn, &PEOPLE, &id, rows)?;
    }
    if parts.levels {
        let mut rows = Vec::new();
        for (lid, l) in &family.levels {
            rows.push(row![
                lid.to_string(),
                id,
                l.level.code(),
                day(l.effective),
                l.reason,
                l.recorded.by,
                l.recorded.at.to_rfc3339(),
                b(l.entered_in_error.is_some()),
            ]);
        }
        write_rows(conn, &LEVELS, &id, rows)?;
    }
    if parts.flags {
        let mut rows = Vec::new();
        for (fid, f) in &family.flags {
            rows.push(row![
                fid.to_string(),
                id,
                f.person_id.map(|p| p.to_string()),
                f.kind.code(),
                f.cp_category.map(|c| c.code()),
                f.alert.map(|a| a.code()),
                day(f.start),
                f.end.map(day),
                f.lead_agency,
                b(f.entered_in_error.is_some()),
            ]);
        }
        write_rows(conn, &FLAGS, &id, rows)?;
    }
    if parts.consents {
        let mut rows = Vec::new();
        for (cid, c) in &family.consents {
            rows.push(row![
                cid.to_string(),
                id,
                c.person_id.map(|p| p.to_string()),
                c.decision.code(),
                day(c.date),
                c.scope,
                b(c.entered_in_error.is_some()),
            ]);
        }
        write_rows(conn, &CONSENTS, &id, rows)?;
    }
    if parts.contacts {
        let (mut contacts, mut subjects) = (Vec::new(), Vec::new());
        for (cid, c) in &family.contacts {
            contacts.push(row![
                cid.to_string(),
                id,
                c.kind.code(),
                c.at.to_rfc3339(),
                day(c.date),
                c.duration_minutes,
                c.location.code(),
                c.mechanism.code(),
                c.attendance.code(),
                c.declined_reason,
                c.practitioner,
                c.role.code(),
                c.accountable_hv,
                b(c.asq3_completed.unwrap_or(false)),
                if c.status == ContactStatus::Signed {
                    "signed"
                } else {
                    "draft"
                },
                b(c.entered_in_error.is_some()),
                c.remote_reason,
                c.feeding_status.map(|f| f.code()),
            ]);
            for (pid, on) in &c.subjects {
                if *on {
                    let asq = asq3_at(family, *cid, *pid);
                    subjects.push(row![
                        cid.to_string(),
                        pid.to_string(),
                        id,
                        asq.and_then(|a| a.interval).map(i64::from),
                        asq.map(|a| asq_scores_text(&a.scores)),
                    ]);
                }
            }
        }
        write_rows(conn, &CONTACTS, &id, contacts)?;
        write_rows(conn, &CONTACT_SUBJECTS, &id, subjects)?;
        let mut rows = Vec::new();
        for (mid, m) in &family.measurements {
            rows.push(row![
                mid.to_string(),
                id,
                m.contact_id.to_string(),
                m.person_id.to_string(),
                m.measure.code(),
                m.value,
                day(m.measured_on),
                b(m.entered_in_error.is_some()),
            ]);
        }
        write_rows(conn, &MEASUREMENTS, &id, rows)?;
    }
    Ok(())
}

/// The five ASQ-3 domain scores as stored: comma-separated, in
/// [`AsqDomain::ALL`] order.
pub fn asq_scores_text(scores: &AsqDomainValues) -> String {
    AsqDomain::ALL
        .iter()
        .map(|d| scores.get(*d).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`asq_scores_text`] back.
pub fn asq_scores_from_text(text: &str) -> Option<AsqDomainValues> {
    let values: Vec<f64> = text
        .split(',')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if values.len() != AsqDomain::ALL.len() {
        return None;
    }
    AsqDomainValues::try_from_fn(|d| {
        AsqDomain::ALL
            .iter()
            .position(|x| *x == d)
            .map(|i| values[i])
    })
}

/// Fills each listed family's children and pregnancies (on the caseload:
/// not entered in error, merged or left), oldest first.
/// For a search by NHS number (`digits`, a prefix): which member of each
/// family on the page matched, in words.
fn nhs_matches_of_page(
    conn: &Connection,
    families: &mut [FamilySummary],
    digits: &str,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT given_name, family_name, role, nhs_number FROM people
         WHERE family_id = ?1 AND entered_in_error = 0 AND nhs_number >= ?2 AND nhs_number < ?3
         ORDER BY nhs_number LIMIT 1",
    )?;
    for f in families {
        let found = stmt
            .query_row(params![f.id, digits, format!("{digits}:")], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        if let Some((given, family_name, role, nhs)) = found {
            let role = MemberRole::parse(&role)
                .map_err(|_| StoreError::Corrupt("bad role in a projection".into()))?;
            let name =
                doorstep_domain::record::family::display_name(given.as_deref(), &family_name, role);
            let shown = match NhsNumber::parse(&nhs) {
                Ok(n) => n.formatted(),
                Err(_) => nhs,
            };
            f.matched = Some(format!("NHS number {shown} ({name})"));
        }
    }
    Ok(())
}

fn children_of_page(conn: &Connection, families: &mut [FamilySummary]) -> Result<(), StoreError> {
    if families.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (1..=families.len()).map(|i| format!("?{i}")).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT family_id, given_name, family_name, role, date_of_birth, expected_delivery
         FROM people
         WHERE family_id IN ({}) AND role IN ('child', 'unborn') AND entered_in_error = 0
           AND merged_into_person IS NULL AND left_reason IS NULL
         ORDER BY coalesce(date_of_birth, expected_delivery), id",
        marks.join(", ")
    ))?;
    let ids: Vec<String> = families.iter().map(|f| f.id.clone()).collect();
    let mut rows = stmt.query(params_from_iter(ids.iter()))?;
    let mut by_family: HashMap<String, Vec<ChildSummary>> = HashMap::new();
    while let Some(r) = rows.next()? {
        let role = MemberRole::parse(r.get_ref(3)?.as_str()?)
            .map_err(|_| StoreError::Corrupt("bad role in a projection".into()))?;
        let given: Option<String> = r.get(1)?;
        let family_name: String = r.get(2)?;
        let date = |i: usize| -> Result<Option<NaiveDate>, StoreError> {
            Ok(r.get_ref(i)?.as_str_or_null()?.and_then(|d| d.parse().ok()))
        };
        by_family.entry(r.get(0)?).or_default().push(ChildSummary {
            name: doorstep_domain::record::family::display_name(
                given.as_deref(),
                &family_name,
                role,
            ),
            date_of_birth: date(4)?,
            due: if role == MemberRole::Unborn {
                date(5)?
            } else {
                None
            },
        });
    }
    for f in families {
        f.children = by_family.remove(&f.id).unwrap_or_default();
    }
    Ok(())
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE … ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Families whose date-dependent columns are out of date on `today`.
pub fn stale_families(conn: &Connection, today: NaiveDate) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT id FROM families WHERE stale_from IS NOT NULL AND stale_from <= ?1")?;
    let ids = stmt
        .query_map([day(today)], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// Every row of every projection table, as text, sorted: used to prove a
/// rebuild equals incremental maintenance.
pub fn dump(conn: &Connection) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let mut out = Vec::new();
    for t in TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t}"))?;
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let mut cells = Vec::with_capacity(n);
                for i in 0..n {
                    let v: SqlValue = r.get(i)?;
                    cells.push(format!("{v:?}"));
                }
                Ok(cells.join("|"))
            })?
            .collect::<Result<_, _>>()?;
        rows.sort();
        out.push((t.to_string(), rows));
    }
    Ok(out)
}

/// Runs a family list query against the projections (flags in force on
/// `today`).
pub fn list(
    conn: &Connection,
    q: &FamilyQuery,
    today: NaiveDate,
) -> Result<FamilyPage, StoreError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    let arg = |v: SqlValue, args: &mut Vec<SqlValue>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if !q.include_entered_in_error {
        clauses.push("f.entered_in_error = 0 AND f.merged_into IS NULL".into());
    }
    if let Some(l) = q.level {
        let a = arg(SqlValue::Text(l.code().into()), &mut args);
        clauses.push(format!("f.level = {a}"));
    }
    if let Some(k) = q.flag {
        let a = arg(SqlValue::Text(k.code().into()), &mut args);
        let t = arg(SqlValue::Text(day(today)), &mut args);
        clauses.push(format!(
            "f.id IN (SELECT family_id FROM flags WHERE kind = {a} AND entered_in_error = 0
                      AND start <= {t} AND (end IS NULL OR end >= {t}))"
        ));
    }
    if let Some(p) = &q.practitioner {
        let a = arg(SqlValue::Text(p.trim().to_string()), &mut args);
        clauses.push(format!("f.practitioner = {a} COLLATE NOCASE"));
    }
    let mut nhs_search = None;
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let digits: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let mut alts: Vec<String> = Vec::new();
        if digits.len() >= 3 && digits.chars().all(|c| c.is_ascii_digit()) {
            nhs_search = Some(digits.clone());
            // A prefix range uses the index; ':' sorts just after '9'.
            let lo = arg(SqlValue::Text(digits.clone()), &mut args);
            let hi = arg(SqlValue::Text(format!("{digits}:")), &mut args);
            alts.push(format!(
                "f.id IN (SELECT family_id FROM people WHERE entered_in_error = 0 AND nhs_number >= {lo} AND nhs_number < {hi})"
            ));
        } else {
            let a = arg(
                SqlValue::Text(format!("%{}%", like_escape(&name_key(s)))),
                &mut args,
            );
            alts.push(format!(
                "f.id IN (SELECT family_id FROM people WHERE entered_in_error = 0 AND name_key LIKE {a} ESCAPE '\\')"
            ));
            let key = postcode::search_key(s);
            if key.len() >= 2 && key.chars().all(|c| c.is_ascii_alphanumeric()) {
                // '~' sorts after every upper-case letter and digit.
                let lo = arg(SqlValue::Text(key.clone()), &mut args);
                let hi = arg(SqlValue::Text(format!("{key}~")), &mut args);
                alts.push(format!(
                    "(f.postcode_key >= {lo} AND f.postcode_key < {hi})"
                ));
            }
        }
        clauses.push(format!("({})", alts.join(" OR ")));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let total: u64 = conn.query_row(
        &format!("SELECT count(*) FROM families f {filter}"),
        params_from_iter(args.iter()),
        |r| r.get::<_, i64>(0),
    )? as u64;
    let order = match q.sort {
        SortBy::Name => "f.list_name, f.postcode_key, f.id",
        SortBy::Postcode => "f.postcode_key, f.list_name, f.id",
        SortBy::Level => {
            "CASE f.level WHEN 'specialist' THEN 0 WHEN 'targeted' THEN 1 WHEN 'universal' THEN 2 ELSE 3 END, f.list_name, f.id"
        }
        SortBy::Newest => "f.created_at DESC, f.id",
    };
    let per_page = q.per_page.clamp(1, 500);
    let page = q.page.max(1);
    let limit = arg(SqlValue::Integer(per_page as i64), &mut args);
    let offset = arg(
        SqlValue::Integer((i64::from(page) - 1) * i64::from(per_page)),
        &mut args,
    );
    let mut stmt = conn.prepare(&format!(
        "SELECT f.id, f.address_line1, f.postcode, f.level, f.practitioner, f.member_count, f.children_under5,
                f.active_flags, f.interpreter_needed, f.entered_in_error, f.display_name
         FROM families f {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
    ))?;
    let families = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            let flags: String = r.get(7)?;
            let level: String = r.get(3)?;
            Ok(FamilySummary {
                id: r.get(0)?,
                address_line1: r.get(1)?,
                postcode: r.get(2)?,
                level: LevelOfService::parse(&level).unwrap_or(LevelOfService::Universal),
                practitioner: r.get(4)?,
                members: r.get::<_, i64>(5)? as u32,
                children_under5: r.get::<_, i64>(6)? as u32,
                flags: flags
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                interpreter_needed: r.get::<_, i64>(8)? != 0,
                entered_in_error: r.get::<_, i64>(9)? != 0,
                name: r.get(10)?,
                children: Vec::new(),
                matched: None,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut families = families;
    children_of_page(conn, &mut families)?;
    if let Some(digits) = nhs_search {
        nhs_matches_of_page(conn, &mut families, &digits)?;
    }
    Ok(FamilyPage {
        total,
        page,
        per_page,
        families,
    })
}
