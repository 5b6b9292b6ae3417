//! The action kernel: how a user action becomes a change to a family
//! document.
//!
//! Every action (in [`family`](super::family), [`contact`](super::contact),
//! [`response`](super::response)) is validated against the current record in
//! an [`ActionContext`] (who, now, today) and returns either
//! [`Problems`] or an [`Action`]: the [`Edit`]s to make (set these fields on
//! the map at this path), the commit message, the audit action name and the
//! record it concerns. The store applies an action's edits as one commit;
//! [`apply_locally`] makes the same merge on plain data. Nothing here is
//! ever removed: a record entered in error carries an
//! [`ErrorMark`](super::family::ErrorMark).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::family::{Family, RecordKind, Stamp};
use crate::values::problem::{problem, Problems};
use crate::values::validate::date;

/// What an audit action or change (`person.add`, `family.view`…) did, in
/// words a practitioner reads in the record's audit trail and on the
/// conflict screen. An action this build does not know (from a newer
/// device) is "Changed the record".
pub fn action_label(code: &str) -> &'static str {
    match code {
        "family.add" => "Registered the household",
        "family.update" => "Changed household details",
        "family.view" => "Opened the family record",
        "family.list" => "Searched or listed the caseload",
        "family.merge" => "Merged a duplicate household",
        "family.evicted" => "Record left this laptop (reallocated)",
        "person.add" => "Added a person",
        "person.update" => "Changed a person's details",
        "person.birth" => "Recorded a birth",
        "person.leave" => "Recorded moved away or died",
        "person.transfer-in" => "Recorded a transfer in",
        "person.merge" => "Merged a duplicate person",
        "level.set" => "Set the level of service",
        "flag.add" => "Added a safeguarding flag or alert",
        "flag.end" => "Ended a safeguarding flag or alert",
        "flag.review-conference" => "Set the next review conference",
        "consent.record" => "Recorded a consent decision",
        "contact.record" => "Recorded a contact",
        "contact.edit" => "Changed a draft contact",
        "contact.sign" => "Signed a contact",
        "contact.addendum" => "Added an addendum",
        "contact.export-fhir" => "Exported a contact (FHIR)",
        "measurement.add" => "Added measurements",
        "entered-in-error" => "Marked a record entered in error",
        "follow-up.addressed" => "Recorded a follow-up as addressed",
        "follow-ups.view" => "Viewed follow-ups",
        "form.start" => "Started a form",
        "form.answer" => "Answered a form",
        "form.complete" => "Completed a form",
        "form.amend" => "Amended a completed form",
        "form.view" => "Opened a form",
        "form.export-fhir" => "Exported a form (FHIR)",
        "form.export-early-help" => "Printed or saved the Early Help summary",
        "form.export-pdf" => "Printed or saved a form",
        "contact.export-pdf" => "Printed or saved a visit summary",
        "goals.view" => "Viewed goals",
        "growth.view" => "Viewed growth",
        "reviews.view" => "Viewed reviews",
        "conflict.view" => "Viewed conflicts",
        "conflict.resolve" => "Resolved a conflict",
        "sync.merge" => "Received changes from another device",
        "sync.status" => "Viewed sync status",
        "worklist.view" => "Viewed the worklist",
        "device.enrol" => "Enrolled this laptop",
        _ => "Changed the record",
    }
}

/// One change to the document: set `fields` on the map at `path` (creating
/// maps on the way). Only fields whose value differs are written, so an edit
/// never touches what it does not change, unless `rewrite` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// Map keys from the document root.
    pub path: Vec<String>,
    /// Field values to set; nested objects become nested maps.
    pub fields: Map<String, Value>,
    /// Write every field even where it already holds the value, objects
    /// and lists as new ones: resolving a conflict, where writing the key is
    /// what settles it.
    pub rewrite: bool,
}

impl Edit {
    /// Sets `fields` on the map at `path`, writing only what differs.
    pub fn fields(path: Vec<String>, fields: Map<String, Value>) -> Edit {
        Edit {
            path,
            fields,
            rewrite: false,
        }
    }

    /// Sets every field of `value` (a record) on the map at `path`.
    pub(crate) fn set(path: &[&str], value: &impl Serialize) -> Edit {
        let fields = match serde_json::to_value(value).expect("record types serialise") {
            Value::Object(m) => m,
            other => panic!("edits set maps, got {other}"),
        };
        Edit::fields(path.iter().map(|s| s.to_string()).collect(), fields)
    }

    /// Sets the one field `name` of the map at `path` to `value`.
    pub(crate) fn field(path: &[&str], name: &str, value: &impl Serialize) -> Edit {
        let mut fields = Map::new();
        fields.insert(
            name.to_string(),
            serde_json::to_value(value).expect("record types serialise"),
        );
        Edit::fields(path.iter().map(|s| s.to_string()).collect(), fields)
    }
}

/// A validated user action, ready to commit: the edits, the commit message,
/// the record it concerns and the audit action name.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Document edits, applied in order as one commit.
    pub edits: Vec<Edit>,
    /// The commit message (no patient data).
    pub message: String,
    /// Audit action name (e.g. `person.add`).
    pub audit_action: &'static str,
    /// The record the action created or changed.
    pub record_id: Uuid,
    /// What kind of record that is.
    pub record_kind: RecordKind,
}

impl Action {
    /// This action followed by the edits of `more`, as one commit with
    /// this action's message and audit row (a contact with the
    /// measurements taken at it).
    pub fn followed_by(mut self, more: impl IntoIterator<Item = Action>) -> Action {
        for a in more {
            self.edits.extend(a.edits);
        }
        self
    }
}

/// The context every action is validated in: who acts, now, and today.
#[derive(Debug, Clone)]
pub struct ActionContext {
    /// Who is acting.
    pub practitioner: String,
    /// Now (UTC).
    pub now: DateTime<Utc>,
    /// Today's calendar date (Europe/London).
    pub today: NaiveDate,
}

impl ActionContext {
    /// Who acts and when, as recorded on a record.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            by: self.practitioner.clone(),
            at: self.now,
        }
    }
}

/// The longest name (or other short text) a record takes, in characters.
pub(crate) const NAME_MAX: usize = 100;
/// The longest free text of a field (reason, scope, address line).
pub(crate) const TEXT_MAX: usize = 500;

/// The trimmed text of an optional input, `None` when absent or blank.
pub(crate) fn opt(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses an optional input with `parse`, recording a problem under
/// `field` when it does not parse; `None` when absent, blank or bad.
pub(crate) fn parse_opt<T>(
    problems: &mut Problems,
    field: &str,
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    opt(value).and_then(|s| problems.check(field, parse(s)))
}

/// A calendar date not after `today`, else a problem under `field`.
pub(crate) fn past_date(
    field: &str,
    p: &mut Problems,
    s: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let d = p.check(field, date(s))?;
    if d > today {
        p.push(field, "must not be in the future");
        return None;
    }
    Some(d)
}

/// Refuses any change to a family entered in error.
pub(crate) fn require_open(family: &Family) -> Result<(), Problems> {
    if family.entered_in_error.is_some() {
        return Err(problem(
            "family",
            "was entered in error and cannot be changed",
        ));
    }
    Ok(())
}

/// Applies `edits` to `family` in memory — the same merge the store makes
/// into the document, on plain data. Used to validate a sequence of actions
/// before any of them is written (e.g. a generated caseload).
pub fn apply_locally(family: &mut Family, edits: &[Edit]) {
    for e in edits {
        let done = match e.path.as_slice() {
            [map, id] => match Uuid::parse_str(id) {
                Ok(id) => match map.as_str() {
                    "members" => merge_record(&mut family.members, id, e),
                    "levels" => merge_record(&mut family.levels, id, e),
                    "flags" => merge_record(&mut family.flags, id, e),
                    "consents" => merge_record(&mut family.consents, id, e),
                    "contacts" => merge_record(&mut family.contacts, id, e),
                    "measurements" => merge_record(&mut family.measurements, id, e),
                    "responses" => merge_record(&mut family.responses, id, e),
                    _ => false,
                },
                Err(_) => false,
            },
            _ => false,
        };
        if !done {
            let mut root = serde_json::to_value(&*family).expect("records serialise");
            let mut node = &mut root;
            for key in &e.path {
                let obj = node.as_object_mut().expect("paths run through maps");
                node = obj
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
            }
            if let Value::Object(m) = node {
                merge_json(m, e);
            }
            *family = serde_json::from_value(root).expect("edits keep the record's shape");
        }
    }
}

/// Merges an edit's fields into `target` as the document takes them: maps
/// merged key by key, unless the edit rewrites them whole.
fn merge_json(target: &mut Map<String, Value>, edit: &Edit) {
    merge_fields(target, &edit.fields, edit.rewrite);
}

fn merge_fields(target: &mut Map<String, Value>, fields: &Map<String, Value>, rewrite: bool) {
    for (k, v) in fields {
        match (target.get_mut(k), v) {
            (Some(Value::Object(t)), Value::Object(f)) if !rewrite => merge_fields(t, f, false),
            (None, Value::Null) => {}
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

fn merge_record<T: Serialize + for<'de> Deserialize<'de>>(
    map: &mut BTreeMap<Uuid, T>,
    id: Uuid,
    edit: &Edit,
) -> bool {
    let mut current = match map.get(&id) {
        Some(r) => match serde_json::to_value(r).expect("records serialise") {
            Value::Object(m) => m,
            _ => return false,
        },
        None => Map::new(),
    };
    merge_json(&mut current, edit);
    match serde_json::from_value(Value::Object(current)) {
        Ok(r) => {
            map.insert(id, r);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{cx, family_with_child, household};

    #[test]
    fn every_action_the_record_rules_write_has_words() {
        let sources = [
            include_str!("family.rs"),
            include_str!("contact.rs"),
            include_str!("response.rs"),
            include_str!("merge.rs"),
            include_str!("follow_up.rs"),
            include_str!("departure.rs"),
        ];
        let mut seen = 0;
        for src in sources {
            for part in src.split("audit_action: \"").skip(1) {
                let code = &part[..part.find('"').expect("closing quote")];
                assert_ne!(action_label(code), "Changed the record", "{code}");
                seen += 1;
            }
        }
        assert!(seen > 15);
        for code in ["person.leave", "person.transfer-in"] {
            assert_ne!(action_label(code), "Changed the record", "{code}");
        }
    }

    #[test]
    fn edit_set_writes_every_field_of_a_record_at_its_path() {
        let stamp = cx().stamp();
        let edit = Edit::set(&["flags", "abc"], &stamp);
        assert_eq!(edit.path, ["flags", "abc"]);
        assert_eq!(edit.fields["by"], "Test Visitor");
        assert!(edit.fields.contains_key("at"));
    }

    #[test]
    fn apply_locally_merges_fields_and_keeps_the_rest() {
        let mut family = household();
        let mut fields = Map::new();
        fields.insert("town".into(), "Testtown".into());
        let edit = Edit::fields(vec!["household".into()], fields);
        apply_locally(&mut family, &[edit]);
        assert_eq!(family.household.town.as_deref(), Some("Testtown"));
        assert_eq!(family.household.address_line1, "1 Test Street");
    }

    #[test]
    fn null_clears_a_value_that_is_there_and_is_otherwise_not_written() {
        let (mut family, _, child) = family_with_child();
        let mut fields = Map::new();
        fields.insert("nhs_number".into(), Value::Null);
        fields.insert("ethnic_category".into(), Value::Null);
        let edit = Edit::fields(vec!["members".into(), child.to_string()], fields);
        apply_locally(&mut family, &[edit]);
        let member = &family.members[&child];
        assert_eq!(member.nhs_number, None);
        assert_eq!(member.ethnic_category, None);
        assert_eq!(member.given_name.as_deref(), Some("Sam"));
    }

    #[test]
    fn shared_input_checks_trim_and_refuse_what_they_cannot_take() {
        assert_eq!(opt(&Some("  ".into())), None);
        assert_eq!(opt(&Some(" a ".into())), Some("a"));
        let mut p = Problems::new();
        assert_eq!(
            past_date("date", &mut p, "2026-03-10", cx().today),
            Some(cx().today)
        );
        assert!(p.is_empty());
        assert_eq!(past_date("date", &mut p, "2026-03-11", cx().today), None);
        assert_eq!(p.0[0].field, "date");
        let n: Option<u8> = parse_opt(&mut p, "n", &Some("x".into()), |s| {
            s.parse().map_err(|_| "is not a number".to_string())
        });
        assert_eq!(n, None);
        assert_eq!(p.0.len(), 2);
    }
}
