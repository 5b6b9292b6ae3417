//! Importing birth and antenatal notifications from CSV.
//!
//! Each data row becomes a new family document built exactly as a device
//! builds one: the domain's `add_family` and `add_person` validate the input
//! into actions, and each action is committed with
//! `doorstep_document::json::commit` under the server's actor, by
//! "notification import". A `new-birth` row makes the household, the
//! mother and the child (born on `date_of_birth`); an `antenatal` row makes
//! the household, the mother and the pregnancy (due on
//! `expected_delivery`). The family is allocated to the named health
//! visitor and their team.
//!
//! A new-birth row for a household already held antenatally does not make
//! a second household: the team's families are searched for the pregnancy
//! (the household's postcode and a parent's name agreeing, allowing typing
//! slips, and the baby born within the birth rule's window around the due
//! date: domain `record::duplicates::awaiting_birth`), and the birth is
//! recorded against it with the domain's `record_birth`, as a server
//! change to that family's document, keeping everything recorded against
//! the pregnancy. A child whose NHS number the team already holds is
//! refused; a new household whose child looks like one already held (name,
//! date of birth and postcode) is imported and reported with the families
//! to check.
//!
//! Every row is its own transaction: good rows are imported, bad rows are
//! reported with their 1-based data row number and the domain's problems
//! named by CSV column. A row already imported (the same child NHS number;
//! for a pregnancy, the same parent, postcode and due date) is refused, so
//! a file can be imported again safely. Only a hash of that identity is
//! kept.

use std::collections::HashMap;

use automerge::AutoCommit;
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_document::author;
use doorstep_domain::record::action::{apply_locally, Action, ActionContext};
use doorstep_domain::record::duplicates::{self, BirthNotice, DuplicateReason, PersonKey};
use doorstep_domain::record::family::{
    add_family, add_person, record_birth, Family, NewBirth, NewFamily, NewPerson,
};
use doorstep_domain::values::nhs_number::NhsNumber;
use doorstep_domain::values::postcode::Postcode;
use doorstep_domain::values::problem::Problems;
use doorstep_domain::values::validate;
use serde::Serialize;
use uuid::Uuid;

use crate::admin::{resolve_practitioner, team_by_id};
use crate::db::{Tx, Value};
use crate::documents::{
    audit, bump_seq, commit_as_server, insert_family, load_doc, lock_family, store_changes,
    update_family_doc,
};
use crate::{sha256_hex, stamp, Hub, HubError, SERVER_DEVICE_ID};

/// The author of imported changes, in their commit messages.
pub const IMPORT_AUTHOR: &str = "notification import";

/// The CSV columns, in order.
pub const COLUMNS: [&str; 16] = [
    "notification",
    "parent_given_name",
    "parent_family_name",
    "address_line1",
    "town",
    "postcode",
    "phone",
    "child_given_name",
    "child_family_name",
    "sex",
    "date_of_birth",
    "nhs_number",
    "gestation_weeks",
    "birth_weight_g",
    "expected_delivery",
    "health_visitor",
];

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Rows imported, each a new family.
    pub imported: Vec<ImportedRow>,
    /// Rows refused, with the reason.
    pub rejected: Vec<RejectedRow>,
}

/// A row that became a family, or a birth recorded against a pregnancy
/// already held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedRow {
    /// The 1-based data row number (the header is row 0).
    pub row: usize,
    /// The new family, or the family the birth was recorded in.
    pub family_id: Uuid,
    /// The birth was recorded against the household's pregnancy record
    /// (no new household).
    pub attached_to_pregnancy: bool,
    /// Families holding someone who may be this child: check and merge.
    pub possible_duplicates: Vec<Uuid>,
}

/// What one row did.
enum Outcome {
    /// A new family.
    Created(Uuid, Vec<Uuid>),
    /// A birth recorded in a family already held.
    Attached(Uuid),
}

/// A row that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// The 1-based data row number (the header is row 0).
    pub row: usize,
    /// `column: problem`, several joined by `; ` (no patient data).
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notification {
    NewBirth,
    Antenatal,
}

/// One data row's fields by column name.
struct Fields<'a>(HashMap<&'static str, &'a str>);

impl<'a> Fields<'a> {
    fn get(&self, column: &str) -> &'a str {
        self.0.get(column).copied().unwrap_or("")
    }

    /// The field, or `None` when blank.
    fn opt(&self, column: &str) -> Option<String> {
        Some(self.get(column))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// Problems named by CSV column, reported in column order.
#[derive(Default)]
struct RowProblems(Vec<(&'static str, String)>);

impl RowProblems {
    fn push(&mut self, column: &'static str, problem: impl Into<String>) {
        self.0.push((column, problem.into()));
    }

    /// Adds a domain action's problems, renaming its fields to columns.
    fn add(&mut self, problems: Problems, column_of: impl Fn(&str) -> &'static str) {
        for p in problems.0 {
            self.push(column_of(&p.field), p.problem);
        }
    }

    fn reason(mut self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let order = |c: &str| {
            COLUMNS
                .iter()
                .position(|k| *k == c)
                .unwrap_or(COLUMNS.len())
        };
        self.0.sort_by_key(|(c, _)| order(c));
        Some(
            self.0
                .iter()
                .map(|(c, p)| format!("{c}: {p}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

fn household_column(field: &str) -> &'static str {
    match field {
        "town" => "town",
        "postcode" => "postcode",
        "phone" => "phone",
        "practitioner" | "team" => "health_visitor",
        _ => "address_line1",
    }
}

fn parent_column(field: &str) -> &'static str {
    match field {
        "family_name" => "parent_family_name",
        "role" => "notification",
        _ => "parent_given_name",
    }
}

fn child_column(field: &str) -> &'static str {
    match field {
        "given_name" => "child_given_name",
        "family_name" => "child_family_name",
        "sex" => "sex",
        "date_of_birth" => "date_of_birth",
        "expected_delivery_date" => "expected_delivery",
        "nhs_number" | "nhs_number_status" => "nhs_number",
        "gestation" => "gestation_weeks",
        "birth_weight_grams" => "birth_weight_g",
        _ => "notification",
    }
}

/// A validated row: the document to store and the identity it is imported
/// under.
struct Plan {
    family_id: Uuid,
    doc: AutoCommit,
    key: String,
}

/// Validates a row into a family document. `hv_name`/`team_name` go into
/// the record's allocation.
fn plan_row(
    f: &Fields<'_>,
    kind: Notification,
    hv_name: &str,
    team_name: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
    mut problems: RowProblems,
) -> Result<Plan, String> {
    let cx = ActionContext {
        practitioner: IMPORT_AUTHOR.into(),
        now,
        today,
    };
    let household = NewFamily {
        address_line1: f.get("address_line1").to_owned(),
        address_line2: None,
        town: f.opt("town"),
        postcode: f.get("postcode").to_owned(),
        phone: f.opt("phone"),
        main_language: None,
        interpreter_needed: false,
        practitioner: Some(hv_name.to_owned()),
        team: Some(team_name.to_owned()),
    };
    let mut actions: Vec<Action> = Vec::new();
    let family_id = Uuid::new_v4();
    let mut family: Option<Family> = match add_family(family_id, &household, &cx) {
        Ok((family, action)) => {
            actions.push(action);
            Some(family)
        }
        Err(p) => {
            problems.add(p, household_column);
            // Check the people against a stand-in household, so the row's
            // problems are reported together.
            let stand_in = NewFamily {
                address_line1: "stand-in".into(),
                postcode: "SW1A 1AA".into(),
                ..NewFamily::default()
            };
            add_family(family_id, &stand_in, &cx).ok().map(|(f, _)| f)
        }
    };
    let parent = NewPerson {
        role: "parent".into(),
        given_name: f.opt("parent_given_name"),
        family_name: f.get("parent_family_name").to_owned(),
        ..NewPerson::default()
    };
    let child_family_name = f
        .opt("child_family_name")
        .unwrap_or_else(|| f.get("parent_family_name").to_owned());
    let child = NewPerson {
        role: match kind {
            Notification::NewBirth => "child",
            Notification::Antenatal => "unborn",
        }
        .into(),
        given_name: f.opt("child_given_name"),
        family_name: child_family_name,
        date_of_birth: f.opt("date_of_birth"),
        expected_delivery_date: f.opt("expected_delivery"),
        sex: f.opt("sex"),
        nhs_number: f.opt("nhs_number"),
        gestation: f.opt("gestation_weeks"),
        birth_weight_grams: f.opt("birth_weight_g"),
        ..NewPerson::default()
    };
    if kind == Notification::NewBirth && child.nhs_number.is_none() {
        problems.push("nhs_number", "is required for a new-birth notification");
    }
    for (person, column_of) in [
        (&parent, parent_column as fn(&str) -> &'static str),
        (&child, child_column),
    ] {
        let Some(fam) = family.as_mut() else { break };
        match add_person(fam, Uuid::new_v4(), person, &cx) {
            Ok(action) => {
                apply_locally(fam, &action.edits);
                actions.push(action);
            }
            Err(p) => problems.add(p, column_of),
        }
    }
    if let Some(reason) = problems.reason() {
        return Err(reason);
    }
    let key = match kind {
        Notification::NewBirth => {
            let nhs =
                NhsNumber::parse(f.get("nhs_number")).map_err(|p| format!("nhs_number: {p}"))?;
            format!("new-birth|{}", nhs.as_str())
        }
        Notification::Antenatal => {
            let postcode = Postcode::parse(f.get("postcode"))
                .map(|p| p.compact())
                .map_err(|p| format!("postcode: {p}"))?;
            let due = validate::date(f.get("expected_delivery"))
                .map_err(|p| format!("expected_delivery: {p}"))?;
            format!(
                "antenatal|{}|{}|{postcode}|{due}",
                f.get("parent_given_name").to_lowercase(),
                f.get("parent_family_name").to_lowercase(),
            )
        }
    };
    let mut doc = AutoCommit::new().with_actor(author::actor_for(SERVER_DEVICE_ID));
    for a in &actions {
        doorstep_document::json::commit(
            &mut doc,
            &a.edits,
            &a.message,
            IMPORT_AUTHOR,
            now.timestamp(),
        )
        .map_err(|_| "notification: the record could not be written".to_owned())?;
    }
    Ok(Plan {
        family_id,
        doc,
        key,
    })
}

impl Hub {
    /// Imports notifications from CSV text (header row first, columns
    /// [`COLUMNS`] in any order). Each good row becomes a family allocated
    /// to its `health_visitor` (a practitioner's name or id); bad rows are
    /// listed with the reason. A header with missing or unknown columns is
    /// [`HubError::Invalid`]. A database failure stops the import with an
    /// error; the rows imported before it stay imported, and importing the
    /// file again skips them.
    pub fn import_notifications(
        &self,
        csv_text: &str,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<ImportReport, HubError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(csv_text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|_| HubError::Invalid("csv: the header row could not be read".into()))?
            .clone();
        let mut index: HashMap<&'static str, usize> = HashMap::new();
        let mut unknown = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(h)) {
                Some(c) => {
                    index.insert(c, i);
                }
                None => unknown.push(h.to_owned()),
            }
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .copied()
            .filter(|c| !index.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(HubError::Invalid(format!(
                "csv: missing columns: {}",
                missing.join(", ")
            )));
        }
        if !unknown.is_empty() {
            return Err(HubError::Invalid(format!(
                "csv: unknown columns: {}",
                unknown.join(", ")
            )));
        }
        let mut report = ImportReport::default();
        for (i, record) in reader.records().enumerate() {
            let row = i + 1;
            let record = match record {
                Ok(r) => r,
                Err(_) => {
                    report.rejected.push(RejectedRow {
                        row,
                        reason: "row: could not be read as CSV".into(),
                    });
                    continue;
                }
            };
            if record.len() != headers.len() {
                report.rejected.push(RejectedRow {
                    row,
                    reason: format!(
                        "row: has {} fields, expected {}",
                        record.len(),
                        headers.len()
                    ),
                });
                continue;
            }
            let fields = Fields(
                index
                    .iter()
                    .map(|(c, i)| (*c, record.get(*i).unwrap_or("")))
                    .collect(),
            );
            match self.import_row(&fields, row, now, today)? {
                Ok(Outcome::Created(family_id, possible_duplicates)) => {
                    report.imported.push(ImportedRow {
                        row,
                        family_id,
                        attached_to_pregnancy: false,
                        possible_duplicates,
                    })
                }
                Ok(Outcome::Attached(family_id)) => report.imported.push(ImportedRow {
                    row,
                    family_id,
                    attached_to_pregnancy: true,
                    possible_duplicates: Vec::new(),
                }),
                Err(reason) => report.rejected.push(RejectedRow { row, reason }),
            }
        }
        Ok(report)
    }

    /// One row in one transaction: `Ok(Err(reason))` for a refused row.
    fn import_row(
        &self,
        f: &Fields<'_>,
        row: usize,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Result<Outcome, String>, HubError> {
        let mut problems = RowProblems::default();
        let kind = match f.get("notification").to_ascii_lowercase().as_str() {
            "new-birth" => Some(Notification::NewBirth),
            "antenatal" => Some(Notification::Antenatal),
            "" => {
                problems.push("notification", "is required");
                None
            }
            _ => {
                problems.push("notification", "must be new-birth or antenatal");
                None
            }
        };
        let hv = f.get("health_visitor");
        self.db.transaction(|tx| {
            let mut problems = RowProblems(problems.0.clone());
            let allocation = if hv.is_empty() {
                problems.push("health_visitor", "is required");
                None
            } else {
                match resolve_practitioner(tx, hv) {
                    Ok(p) => {
                        let team = team_by_id(tx, p.team_id)?;
                        Some((p, team))
                    }
                    Err(HubError::NotFound(_)) => {
                        problems.push("health_visitor", "no practitioner has this name or id");
                        None
                    }
                    Err(HubError::Invalid(_)) => {
                        problems.push(
                            "health_visitor",
                            "more than one practitioner has this name; give the id",
                        );
                        None
                    }
                    Err(e) => return Err(e),
                }
            };
            let Some(kind) = kind else {
                return Ok(Err(problems.reason().unwrap_or_default()));
            };
            let (hv_name, team_name) = allocation
                .as_ref()
                .map(|(p, t)| (p.name.as_str(), t.name.as_str()))
                .unwrap_or(("unallocated", "unallocated"));
            let mut plan = match plan_row(f, kind, hv_name, team_name, now, today, problems) {
                Ok(p) => p,
                Err(reason) => return Ok(Err(reason)),
            };
            let Some((hv, team)) = allocation else {
                return Ok(Err("health_visitor: is required".into()));
            };
            let key_hash = sha256_hex(&plan.key);
            if tx
                .query_opt("SELECT family_id FROM imports WHERE key_hash = $1", &[(&key_hash).into()])?
                .is_some()
            {
                return Ok(Err(match kind {
                    Notification::NewBirth => "nhs_number: already imported".into(),
                    Notification::Antenatal => {
                        "notification: already imported (same parent, postcode and expected delivery)"
                            .into()
                    }
                }));
            }
            let mut possible_duplicates = Vec::new();
            if kind == Notification::NewBirth {
                let held = team_families(tx, team.id)?;
                match birth_against_held(f, &held) {
                    Held::Pregnancy(family_id, unborn) => {
                        return match attach_birth(tx, f, family_id, unborn, now, today)? {
                            Ok(()) => {
                                tx.execute(
                                    "INSERT INTO imports (key_hash, family_id, imported_at) VALUES ($1, $2, $3)",
                                    &[key_hash.into(), family_id.into(), Value::Text(stamp(now))],
                                )?;
                                audit(
                                    tx,
                                    now,
                                    IMPORT_AUTHOR,
                                    "family.import-birth",
                                    Some(family_id),
                                    &format!("new-birth notification, row {row}: recorded against the pregnancy held"),
                                )?;
                                Ok(Ok(Outcome::Attached(family_id)))
                            }
                            Err(reason) => Ok(Err(reason)),
                        };
                    }
                    Held::SameNhsNumber(family_id) => {
                        return Ok(Err(format!(
                            "nhs_number: this child is already held by the team (family {})",
                            &family_id.to_string()[..8]
                        )));
                    }
                    Held::Possibly(families) => possible_duplicates = families,
                    Held::Nothing => {}
                }
            }
            let family_id = plan.family_id;
            let seq = bump_seq(tx)?;
            if !insert_family(tx, family_id, hv.id, team.id, seq, &mut plan.doc, now)? {
                return Err(HubError::Busy);
            }
            store_changes(tx, family_id, seq, &mut plan.doc, &[])?;
            tx.execute(
                "INSERT INTO imports (key_hash, family_id, imported_at) VALUES ($1, $2, $3)",
                &[key_hash.into(), family_id.into(), Value::Text(stamp(now))],
            )?;
            record(tx, now, family_id, kind, row)?;
            Ok(Ok(Outcome::Created(family_id, possible_duplicates)))
        })
    }
}

/// The current families of a team, as records.
fn team_families(tx: &mut dyn Tx, team: Uuid) -> Result<Vec<Family>, HubError> {
    let mut out = Vec::new();
    for r in tx.query(
        "SELECT id, snapshot FROM families WHERE team_id = $1 ORDER BY id",
        &[team.into()],
    )? {
        let doc = load_doc(r.blob(1)?)?;
        let family = doorstep_document::record::family(&doc)
            .map_err(|_| HubError::Corrupt("a family document could not be read".into()))?;
        if family.entered_in_error.is_none() {
            out.push(family);
        }
    }
    Ok(out)
}

/// What the team already holds of a new-birth row's child.
enum Held {
    /// Exactly one household's pregnancy this is the birth of (family,
    /// unborn person).
    Pregnancy(Uuid, Uuid),
    /// The child's NHS number, in this family.
    SameNhsNumber(Uuid),
    /// Families with someone who may be this child.
    Possibly(Vec<Uuid>),
    /// Nothing like them.
    Nothing,
}

fn birth_against_held(f: &Fields<'_>, held: &[Family]) -> Held {
    let Ok(dob) = validate::date(f.get("date_of_birth")) else {
        return Held::Nothing;
    };
    let nhs = NhsNumber::parse(f.get("nhs_number"))
        .ok()
        .map(|n| n.as_str().to_string());
    let child = PersonKey {
        family_id: Uuid::nil(),
        person_id: Uuid::nil(),
        given_name: f.opt("child_given_name"),
        family_name: f
            .opt("child_family_name")
            .unwrap_or_else(|| f.get("parent_family_name").to_owned()),
        date: Some(dob),
        postcode: f.opt("postcode"),
        nhs_number: nhs,
    };
    let keys: Vec<PersonKey> = held.iter().flat_map(duplicates::keys_of).collect();
    let found = duplicates::likely_duplicates(&child, &keys);
    if let Some(d) = found
        .iter()
        .find(|d| d.reason == DuplicateReason::SameNhsNumber)
    {
        return Held::SameNhsNumber(d.family_id);
    }
    let notice = BirthNotice {
        parent_given_name: f.opt("parent_given_name"),
        parent_family_name: f.get("parent_family_name").to_owned(),
        postcode: f.get("postcode").to_owned(),
        date_of_birth: dob,
    };
    let pregnancies: Vec<(Uuid, Uuid)> = held
        .iter()
        .filter_map(|fam| {
            duplicates::awaiting_birth(fam, &notice)
                .first()
                .map(|unborn| (fam.id, *unborn))
        })
        .collect();
    if let [(family, unborn)] = pregnancies.as_slice() {
        return Held::Pregnancy(*family, *unborn);
    }
    let mut families: Vec<Uuid> = found
        .iter()
        .map(|d| d.family_id)
        .chain(pregnancies.iter().map(|(f, _)| *f))
        .collect();
    families.sort();
    families.dedup();
    if families.is_empty() {
        Held::Nothing
    } else {
        Held::Possibly(families)
    }
}

/// Records the row's birth against pregnancy `unborn` of family
/// `family_id`, as a server change: `Ok(Err(reason))` when the domain's
/// birth rule refuses it.
fn attach_birth(
    tx: &mut dyn Tx,
    f: &Fields<'_>,
    family_id: Uuid,
    unborn: Uuid,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Result<(), String>, HubError> {
    let Some(row) = lock_family(tx, family_id)? else {
        return Err(HubError::Busy);
    };
    let mut doc = load_doc(&row.snapshot)?;
    let before = doc.get_heads();
    let family = doorstep_document::record::family(&doc)
        .map_err(|_| HubError::Corrupt("a family document could not be read".into()))?;
    let cx = ActionContext {
        practitioner: IMPORT_AUTHOR.into(),
        now,
        today,
    };
    let held_name = family
        .members
        .get(&unborn)
        .map(|p| p.family_name.clone())
        .unwrap_or_default();
    let input = NewBirth {
        date_of_birth: f.get("date_of_birth").to_owned(),
        given_name: f.opt("child_given_name"),
        family_name: f.opt("child_family_name").filter(|n| *n != held_name),
        sex: f.opt("sex"),
        nhs_number: f.opt("nhs_number"),
        nhs_number_status: None,
        gestation: f.opt("gestation_weeks"),
        birth_weight_grams: f.opt("birth_weight_g"),
    };
    let action = match record_birth(&family, &unborn.to_string(), &input, &cx) {
        Ok(a) => a,
        Err(p) => {
            let mut problems = RowProblems::default();
            problems.add(p, child_column);
            return Ok(Err(problems.reason().unwrap_or_default()));
        }
    };
    commit_as_server(&mut doc, &action.edits, &action.message, IMPORT_AUTHOR, now)?;
    let seq = bump_seq(tx)?;
    update_family_doc(tx, family_id, seq, &mut doc)?;
    store_changes(tx, family_id, seq, &mut doc, &before)?;
    Ok(Ok(()))
}

fn record(
    tx: &mut dyn Tx,
    now: DateTime<Utc>,
    family: Uuid,
    kind: Notification,
    row: usize,
) -> Result<(), HubError> {
    let what = match kind {
        Notification::NewBirth => "new-birth",
        Notification::Antenatal => "antenatal",
    };
    audit(
        tx,
        now,
        IMPORT_AUTHOR,
        "family.import",
        Some(family),
        &format!("{what} notification, row {row}"),
    )
}
