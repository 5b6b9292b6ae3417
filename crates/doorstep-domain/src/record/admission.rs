//! What a family record may become: the record's rules the server checks
//! before it stores a device's changes, and the device before it sends
//! them (ARCHITECTURE.md, "the server is the trust boundary").
//!
//! A change is admitted when the record after it keeps every rule against
//! the record before it:
//!
//! - nothing is removed: no member, level, flag, consent, contact,
//!   measurement or response leaves its map (records are ended, marked
//!   entered in error or superseded, never deleted);
//! - a signed contact changes only by gaining addenda or an
//!   entered-in-error mark, and an addendum never changes once written;
//! - a measurement taken at a signed contact, and a completed response,
//!   change only by gaining an entered-in-error mark (a response is
//!   corrected by a new one that amends it);
//! - an entered-in-error mark, once made, never changes or goes; nor does a
//!   merge mark (a duplicate merged into the record kept).
//!
//! The reason for a refusal names the kind of record and the rule, never
//! its content, so it can be logged and shown as it is.

use serde_json::{Map, Value};

use super::contact::ContactStatus;
use super::family::Family;
use super::response::ResponseStatus;

/// The record maps, with the word a refusal uses for one entry.
const MAPS: [(&str, &str); 8] = [
    ("members", "person"),
    ("levels", "level of service"),
    ("flags", "flag"),
    ("consents", "consent"),
    ("contacts", "contact"),
    ("measurements", "measurement"),
    ("responses", "assessment"),
    ("addressed", "follow-up addressed"),
];

/// Fields a signed or completed record may still gain.
const MARK: &str = "entered_in_error";
/// The mark of a record merged into another; never undone either.
const MERGED: &str = "merged_into";
const ADDENDA: &str = "addenda";

/// Ok when `after` keeps the record's rules against `before`; else the
/// reason, in words fit to show the practitioner and to log.
pub fn admit(before: &Family, after: &Family) -> Result<(), String> {
    let b = as_object(before);
    let a = as_object(after);
    for (field, what) in [
        (MARK, "the family's entered-in-error mark"),
        (MERGED, "the family's merge mark"),
    ] {
        if let Some(mark) = b.get(field).filter(|m| !m.is_null()) {
            if a.get(field) != Some(mark) {
                return Err(refusal(what));
            }
        }
    }
    for (map, word) in MAPS {
        let empty = Map::new();
        let old = b.get(map).and_then(Value::as_object).unwrap_or(&empty);
        let new = a.get(map).and_then(Value::as_object).unwrap_or(&empty);
        for (id, record) in old {
            let Some(now) = new.get(id) else {
                return Err(format!(
                    "it removes a {word}: records are never deleted (end them, or mark them \
                     entered in error)"
                ));
            };
            if record == now {
                continue;
            }
            if let Some(mark) = record.get(MARK).filter(|m| !m.is_null()) {
                if now.get(MARK) != Some(mark) {
                    return Err(refusal(&format!("a {word}'s entered-in-error mark")));
                }
            }
            if let Some(mark) = record.get(MERGED).filter(|m| !m.is_null()) {
                if now.get(MERGED) != Some(mark) {
                    return Err(refusal(&format!("a {word}'s merge mark")));
                }
            }
            if frozen(before, map, id) {
                check_frozen(word, record, now)?;
            }
        }
    }
    Ok(())
}

/// Whether the record `id` of `map` is signed or completed in `before`: a
/// signed contact, a measurement taken at one, a completed response.
fn frozen(before: &Family, map: &str, id: &str) -> bool {
    let Ok(id) = id.parse() else {
        return false;
    };
    let signed = |c| {
        before
            .contacts
            .get(c)
            .is_some_and(|c| c.status == ContactStatus::Signed)
    };
    match map {
        "contacts" => signed(&id),
        "measurements" => before
            .measurements
            .get(&id)
            .is_some_and(|m| signed(&m.contact_id)),
        "responses" => before
            .responses
            .get(&id)
            .is_some_and(|r| r.status == ResponseStatus::Completed),
        _ => false,
    }
}

/// A signed or completed record: equal but for a new entered-in-error
/// mark and new addenda; every addendum already written unchanged.
fn check_frozen(word: &str, old: &Value, new: &Value) -> Result<(), String> {
    let strip = |v: &Value| {
        let mut m = v.as_object().cloned().unwrap_or_default();
        m.remove(MARK);
        let addenda = m.remove(ADDENDA);
        (m, addenda)
    };
    let (old_fields, old_addenda) = strip(old);
    let (new_fields, new_addenda) = strip(new);
    if old_fields != new_fields {
        return Err(format!(
            "it changes a signed {word}: signed records are corrected by an addendum or \
             a new record, never edited"
        ));
    }
    let empty = Map::new();
    let kept = old_addenda
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let now = new_addenda
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if kept.iter().any(|(id, a)| now.get(id) != Some(a)) {
        return Err("it changes an addendum: an addendum never changes once written".into());
    }
    Ok(())
}

fn refusal(what: &str) -> String {
    format!("it changes or removes {what}: a mark, once made, stays")
}

fn as_object(f: &Family) -> Map<String, Value> {
    match serde_json::to_value(f) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::action::{apply_locally, Edit};
    use crate::record::contact::add_addendum;
    use crate::record::family::{add_flag, mark_entered_in_error, NewFlag};
    use crate::record::fixtures::{cx, family_with_child, family_with_signed_contact};
    use uuid::Uuid;

    fn with_signed_contact() -> (Family, Uuid) {
        let (f, id, _) = family_with_signed_contact();
        (f, id)
    }

    /// `f` with addendum 7 added to contact `id`.
    fn with_addendum(f: &Family, id: Uuid) -> Family {
        let a = add_addendum(
            f,
            &id.to_string(),
            Uuid::from_u128(7),
            "Weighed again",
            &cx(),
        )
        .unwrap();
        let mut later = f.clone();
        apply_locally(&mut later, &a.edits);
        later
    }

    fn set(f: &Family, path: &[&str], fields: Value) -> Family {
        let mut out = f.clone();
        apply_locally(&mut out, &[Edit::set(path, &fields)]);
        out
    }

    #[test]
    fn ordinary_changes_are_admitted() {
        let (f, id) = with_signed_contact();
        let phone = set(
            &f,
            &["household"],
            serde_json::json!({"phone": "07700900123"}),
        );
        assert_eq!(admit(&f, &phone), Ok(()));
        let later = with_addendum(&f, id);
        assert_eq!(admit(&f, &later), Ok(()));
        let mark = mark_entered_in_error(&later, &id.to_string(), "wrong family", &cx()).unwrap();
        let mut marked = later.clone();
        apply_locally(&mut marked, &mark.edits);
        assert_eq!(admit(&later, &marked), Ok(()));
    }

    #[test]
    fn a_removed_record_is_refused() {
        let (mut f, _, _) = family_with_child();
        let input = NewFlag {
            kind: "child-protection".into(),
            cp_category: Some("neglect".into()),
            start: "2026-03-01".into(),
            ..Default::default()
        };
        let a = add_flag(&f, Uuid::from_u128(50), &input, &cx()).unwrap();
        apply_locally(&mut f, &a.edits);
        let mut gone = f.clone();
        gone.flags.clear();
        let why = admit(&f, &gone).unwrap_err();
        assert!(why.starts_with("it removes a flag"), "{why}");
    }

    #[test]
    fn a_signed_contact_changes_only_by_addenda_and_marks() {
        let (f, id) = with_signed_contact();
        let edited = set(
            &f,
            &["contacts", &id.to_string()],
            serde_json::json!({"note": "Rewritten"}),
        );
        let why = admit(&f, &edited).unwrap_err();
        assert!(why.starts_with("it changes a signed contact"), "{why}");
        let later = with_addendum(&f, id);
        let rewritten = set(
            &later,
            &[
                "contacts",
                &id.to_string(),
                "addenda",
                &Uuid::from_u128(7).to_string(),
            ],
            serde_json::json!({"text": "Something else"}),
        );
        let why = admit(&later, &rewritten).unwrap_err();
        assert!(why.starts_with("it changes an addendum"), "{why}");
    }

    #[test]
    fn an_entered_in_error_mark_stays() {
        let (f, id) = with_signed_contact();
        let mark = mark_entered_in_error(&f, &id.to_string(), "wrong family", &cx()).unwrap();
        let mut marked = f.clone();
        apply_locally(&mut marked, &mark.edits);
        let mut unmarked = marked.clone();
        if let Some(c) = unmarked.contacts.get_mut(&id) {
            c.entered_in_error = None;
        }
        let why = admit(&marked, &unmarked).unwrap_err();
        assert!(why.contains("entered-in-error mark"), "{why}");
    }
}
