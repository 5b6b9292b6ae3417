//! Resolving a conflict: a user action like any other.
//!
//! When two devices set one key concurrently, the merged document keeps
//! both values and the record shows one of them. A practitioner settles it
//! by keeping one of the values or writing a new one. [`resolve`] checks
//! the choice against the record and returns an [`Action`] whose edit
//! rewrites the key (an [`Edit`] with `rewrite` set, since writing the key
//! even with the value it shows is what settles it). The store applies it
//! through the same path as every other action.
//!
//! The rules: a new value keeps the field's type (JSON, or plain text for a
//! text field); household details pass the household rules and are written
//! as those rules normalise them; anything else must leave a record that
//! reads back (coded values, NHS numbers, dates and the like are checked by
//! their types); a signed contact's fields, and the measurements taken at
//! it, only take one of their values (corrections are addenda).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::action::{Action, Edit};
use super::contact::ContactStatus;
use super::family::{update_household, Family, HouseholdUpdate, RecordKind};
use crate::values::problem::{problem, Problems};

/// How to resolve a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Resolution {
    /// Keep value number K (from 1) of the listing.
    Choose(usize),
    /// Write this value (JSON, or plain text for a text field).
    Value(String),
}

/// Checks `choice` for the conflict at `path` of `family`, whose values are
/// `values` (in listing order), and returns the action that settles it with
/// the value it writes.
pub fn resolve(
    family: &Family,
    path: &[String],
    values: &[Value],
    choice: &Resolution,
) -> Result<(Action, Value), Problems> {
    let Some((last, parents)) = path.split_last() else {
        return Err(problem("field", "is empty"));
    };
    let value = match choice {
        Resolution::Choose(k) => match k.checked_sub(1).and_then(|i| values.get(i)) {
            Some(v) => v.clone(),
            None => {
                return Err(problem(
                    "choose",
                    format!("must be a value number from 1 to {}", values.len()),
                ))
            }
        },
        Resolution::Value(text) => {
            if is_signed_record(family, path) {
                return Err(problem(
                    "value",
                    "this contact is signed: keep one of its values; corrections are addenda",
                ));
            }
            let kinds: Vec<&str> = values.iter().map(kind).collect();
            let value = typed_value(text, &kinds)?;
            validate_value(family, path, value)?
        }
    };
    let (record_kind, record_id) = record_at(path, family.id);
    let mut fields = Map::new();
    fields.insert(last.clone(), value.clone());
    let action = Action {
        edits: vec![Edit {
            rewrite: true,
            ..Edit::fields(parents.to_vec(), fields)
        }],
        message: "conflict.resolve".into(),
        audit_action: "conflict.resolve",
        record_id,
        record_kind,
    };
    Ok((action, value))
}

/// The JSON kind of a value, for keeping a field's type.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `text` as a value of one of `kinds`: JSON when it parses as one of them,
/// else text when the field holds text.
fn typed_value(text: &str, kinds: &[&str]) -> Result<Value, Problems> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        if kinds.contains(&kind(&v)) && !v.is_string() {
            return Ok(v);
        }
    }
    if kinds.contains(&"text") {
        return Ok(Value::String(text.to_string()));
    }
    let mut wanted: Vec<&str> = kinds.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    Err(problem(
        "value",
        format!("must be {} like the field's values", wanted.join(" or ")),
    ))
}

/// Whether `path` is inside a signed contact or a measurement taken at one.
fn is_signed_record(f: &Family, path: &[String]) -> bool {
    let Some(id) = path.get(1).and_then(|s| Uuid::parse_str(s).ok()) else {
        return false;
    };
    let signed = |c: &Uuid| {
        f.contacts
            .get(c)
            .is_some_and(|c| c.status == ContactStatus::Signed)
    };
    match path.first().map(String::as_str) {
        Some("contacts") => signed(&id),
        Some("measurements") => f
            .measurements
            .get(&id)
            .is_some_and(|m| signed(&m.contact_id)),
        _ => false,
    }
}

/// Checks a new value for the field at `path` and returns it as it will be
/// written (household details normalised as the household rules do).
fn validate_value(current: &Family, path: &[String], value: Value) -> Result<Value, Problems> {
    if let [map, key] = path {
        if map == "household" {
            let text = value.as_str().map(str::to_string);
            let mut update = HouseholdUpdate::default();
            match key.as_str() {
                "address_line1" => update.address_line1 = text,
                "address_line2" => update.address_line2 = text,
                "town" => update.town = text,
                "postcode" => update.postcode = text,
                "phone" => update.phone = text,
                "main_language" => update.main_language = text,
                "interpreter_needed" => update.interpreter_needed = value.as_bool(),
                _ => {}
            }
            match update_household(current, &update) {
                Ok(action) => {
                    if let Some(v) = action
                        .edits
                        .first()
                        .and_then(|e| e.fields.get(key.as_str()))
                    {
                        return Ok(v.clone());
                    }
                }
                Err(problems) => return Err(about_the_value(problems)),
            }
        }
    }
    let not_a_field = || problem("field", "is not a field of this record");
    let mut record = serde_json::to_value(current).map_err(|_| not_a_field())?;
    let Some((last, parents)) = path.split_last() else {
        return Err(problem("field", "is empty"));
    };
    let mut at = &mut record;
    for key in parents {
        at = at
            .as_object_mut()
            .map(|m| {
                m.entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            })
            .ok_or_else(not_a_field)?;
    }
    at.as_object_mut()
        .ok_or_else(not_a_field)?
        .insert(last.clone(), value.clone());
    serde_json::from_value::<Family>(record)
        .map_err(|_| problem("value", "is not a valid value for this field"))?;
    Ok(value)
}

/// Household problems are about the value given.
fn about_the_value(problems: Problems) -> Problems {
    let mut out = Problems::new();
    for p in problems.0 {
        out.push("value", format!("{}: {}", p.field, p.problem));
    }
    out
}

/// The kind and id of the record a conflicting key belongs to: the record
/// map's entry for `[map, id, …]`, else the family.
fn record_at(path: &[String], family: Uuid) -> (RecordKind, Uuid) {
    if let [map, id, _, ..] = path {
        if let Ok(record) = Uuid::parse_str(id) {
            for kind in [
                RecordKind::Person,
                RecordKind::Level,
                RecordKind::Flag,
                RecordKind::Consent,
                RecordKind::Contact,
                RecordKind::Measurement,
                RecordKind::Response,
            ] {
                if kind.map_name() == Some(map.as_str()) {
                    return (kind, record);
                }
            }
        }
    }
    (RecordKind::Family, family)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::action::apply_locally;
    use crate::record::fixtures::family_with_child;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_keep_the_field_type() {
        assert_eq!(
            typed_value("07700 900003", &["text", "text"]).unwrap(),
            Value::from("07700 900003")
        );
        assert_eq!(typed_value("42", &["text"]).unwrap(), Value::from("42"));
        assert_eq!(
            typed_value("true", &["true or false"]).unwrap(),
            Value::Bool(true)
        );
        assert!(typed_value("maybe", &["true or false"]).is_err());
        assert_eq!(typed_value("3", &["a number"]).unwrap(), Value::from(3));
    }

    #[test]
    fn choosing_a_value_rewrites_the_key_with_it() {
        let (mut f, _, _) = family_with_child();
        let values = [Value::from("07700 900001"), Value::from("07700 900002")];
        let (action, value) = resolve(
            &f,
            &path(&["household", "phone"]),
            &values,
            &Resolution::Choose(2),
        )
        .unwrap();
        assert_eq!(value, values[1]);
        assert_eq!(action.audit_action, "conflict.resolve");
        assert_eq!(action.record_kind, RecordKind::Family);
        assert!(action.edits[0].rewrite);
        apply_locally(&mut f, &action.edits);
        let phone = f.household.phone.as_ref().map(|p| p.as_str().to_string());
        assert_eq!(phone.as_deref(), Some("07700900002"));
    }

    #[test]
    fn a_choice_out_of_range_names_the_range() {
        let (f, _, _) = family_with_child();
        let err = resolve(
            &f,
            &path(&["household", "phone"]),
            &[Value::from("a"), Value::from("b")],
            &Resolution::Choose(3),
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "choose");
        assert!(err.0[0].problem.contains("1 to 2"), "{err:?}");
    }

    #[test]
    fn a_new_household_value_passes_the_household_rules() {
        let (f, _, _) = family_with_child();
        let p = path(&["household", "postcode"]);
        let values = [Value::from("ZZ99 3AA"), Value::from("ZZ99 3AB")];
        let (_, value) = resolve(&f, &p, &values, &Resolution::Value("ls1 4ap".into())).unwrap();
        assert_eq!(value, Value::from("LS1 4AP"));
        let err = resolve(&f, &p, &values, &Resolution::Value("nonsense".into())).unwrap_err();
        assert_eq!(err.0[0].field, "value");
        assert!(err.0[0].problem.starts_with("postcode: "), "{err:?}");
    }

    #[test]
    fn a_new_value_must_read_back_as_the_record_type() {
        let (f, _, child) = family_with_child();
        let p = path(&["members", &child.to_string(), "sex"]);
        let values = [Value::from("female"), Value::from("male")];
        let err = resolve(&f, &p, &values, &Resolution::Value("purple".into())).unwrap_err();
        assert_eq!(err.0[0].field, "value");
        let (action, _) = resolve(&f, &p, &values, &Resolution::Choose(1)).unwrap();
        assert_eq!(action.record_kind, RecordKind::Person);
        assert_eq!(action.record_id, child);
    }

    #[test]
    fn a_signed_contact_only_keeps_one_of_its_values() {
        let (f, id, _) = crate::record::fixtures::family_with_signed_contact();
        let p = path(&["contacts", &id.to_string(), "note"]);
        let values = [Value::from("Feeding well"), Value::from("Second note")];
        let err = resolve(&f, &p, &values, &Resolution::Value("Third".into())).unwrap_err();
        assert!(err.0[0].problem.contains("signed"), "{err:?}");
        let (action, _) = resolve(&f, &p, &values, &Resolution::Choose(2)).unwrap();
        assert_eq!(action.record_kind, RecordKind::Contact);
        assert_eq!(action.record_id, id);
    }

    #[test]
    fn a_number_field_refuses_text() {
        let (f, _, _) = family_with_child();
        let err = resolve(
            &f,
            &path(&["household", "x"]),
            &[Value::from(1), Value::from(2)],
            &Resolution::Value("many".into()),
        )
        .unwrap_err();
        assert_eq!(err.0[0].problem, "must be a number like the field's values");
    }
}
