//! The bridge between family documents (Automerge) and plain JSON: applying
//! a domain [`Edit`] to a document as one attributed commit, reading a
//! document back as JSON, and loading a document from its saved snapshot and
//! chunks with a fresh actor.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value as AmValue, ROOT,
};
use doorstep_domain::record::action::Edit;
use serde_json::{Map, Number, Value};

use crate::DocumentError;

/// Loads a document from its snapshot and incremental chunks, and gives it
/// a fresh `actor` (a restored laptop must never reuse an old one; see
/// [`crate::author::actor_for`]).
pub fn load(
    snapshot: &[u8],
    chunks: &[Vec<u8>],
    actor: ActorId,
) -> Result<AutoCommit, DocumentError> {
    let mut doc = AutoCommit::load(snapshot)?;
    for c in chunks {
        doc.load_incremental(c)?;
    }
    doc.set_actor(actor);
    Ok(doc)
}

/// Applies `edits` and commits them as one change: `action` by
/// `practitioner` at `unix_seconds` (see [`crate::author`]).
pub fn commit(
    doc: &mut AutoCommit,
    edits: &[Edit],
    action: &str,
    practitioner: &str,
    unix_seconds: i64,
) -> Result<(), DocumentError> {
    commit_on(doc, edits, action, practitioner, None, unix_seconds)
}

/// [`commit`], naming the device the change was made on.
pub fn commit_on(
    doc: &mut AutoCommit,
    edits: &[Edit],
    action: &str,
    practitioner: &str,
    device: Option<&str>,
    unix_seconds: i64,
) -> Result<(), DocumentError> {
    for edit in edits {
        let mut obj = ROOT;
        for key in &edit.path {
            obj = map_at(doc, &obj, key)?;
        }
        put_fields(doc, &obj, &edit.fields, edit.rewrite)?;
    }
    doc.commit_with(
        CommitOptions::default()
            .with_message(crate::author::message_on(action, practitioner, device))
            .with_time(unix_seconds),
    );
    Ok(())
}

/// The map under `key` in `obj`, created when missing.
fn map_at(doc: &mut AutoCommit, obj: &ObjId, key: &str) -> Result<ObjId, DocumentError> {
    if let Some((AmValue::Object(ObjType::Map), id)) = doc.get(obj, key)? {
        return Ok(id);
    }
    Ok(doc.put_object(obj, key, ObjType::Map)?)
}

/// Sets `fields` on the map `obj`: only what differs, or everything (maps
/// and lists as new objects) when `rewrite` is set.
fn put_fields(
    doc: &mut AutoCommit,
    obj: &ObjId,
    fields: &Map<String, Value>,
    rewrite: bool,
) -> Result<(), DocumentError> {
    for (key, value) in fields {
        match value {
            Value::Object(inner) if rewrite => {
                let child = doc.put_object(obj, key.as_str(), ObjType::Map)?;
                put_fields(doc, &child, inner, true)?;
            }
            // Null clears a value that is there (e.g. a draft answer taken
            // back); an absent optional field is simply not written.
            Value::Null => {
                let present = match doc.get(obj, key.as_str())? {
                    Some((AmValue::Scalar(old), _)) => !old.is_null(),
                    Some((AmValue::Object(_), _)) => true,
                    None => false,
                };
                if present || rewrite {
                    doc.put(obj, key.as_str(), ScalarValue::Null)?;
                }
            }
            Value::Object(inner) => {
                let child = map_at(doc, obj, key)?;
                put_fields(doc, &child, inner, false)?;
            }
            Value::Array(items) => {
                let same = doc.get(obj, key.as_str())?.is_some_and(|(v, id)| {
                    matches!(v, AmValue::Object(ObjType::List)) && read(doc, &id) == *value
                });
                if rewrite || !same {
                    let list = doc.put_object(obj, key.as_str(), ObjType::List)?;
                    for (i, item) in items.iter().enumerate() {
                        doc.insert(&list, i, scalar(item)?)?;
                    }
                }
            }
            scalar_value => {
                let new = scalar(scalar_value)?;
                let unchanged = matches!(doc.get(obj, key.as_str())?, Some((AmValue::Scalar(old), _)) if *old == new);
                if rewrite || !unchanged {
                    doc.put(obj, key.as_str(), new)?;
                }
            }
        }
    }
    Ok(())
}

fn scalar(v: &Value) -> Result<ScalarValue, DocumentError> {
    Ok(match v {
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else {
                ScalarValue::F64(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::Null => ScalarValue::Null,
        other => {
            return Err(DocumentError::Corrupt(format!(
                "nested value not allowed in a list: {other}"
            )))
        }
    })
}

/// Reads the whole document as JSON (winning value of each key).
pub fn to_json(doc: &AutoCommit) -> Value {
    read(doc, &ROOT)
}

fn read(doc: &AutoCommit, obj: &ObjId) -> Value {
    match doc.object_type(obj) {
        Ok(ObjType::List) => Value::Array(
            (0..doc.length(obj))
                .filter_map(|i| doc.get(obj, i).ok().flatten())
                .map(|(v, id)| value_of(doc, v, &id))
                .collect(),
        ),
        Ok(ObjType::Text) => Value::String(doc.text(obj).unwrap_or_default()),
        _ => {
            // One pass over the map (a lookup per key costs a seek each).
            let mut m = Map::new();
            for item in doc.map_range(obj, ..) {
                let id = item.id();
                let value = value_of(doc, item.value.into_value(), &id);
                m.insert(item.key.into_owned(), value);
            }
            Value::Object(m)
        }
    }
}

pub(crate) fn value_of(doc: &AutoCommit, v: AmValue<'_>, id: &ObjId) -> Value {
    match v {
        AmValue::Object(_) => read(doc, id),
        AmValue::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Value::String(s.to_string()),
            ScalarValue::Int(i) => Value::from(*i),
            ScalarValue::Uint(u) => Value::from(*u),
            ScalarValue::F64(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            ScalarValue::Boolean(b) => Value::Bool(*b),
            ScalarValue::Timestamp(t) => Value::from(*t),
            ScalarValue::Counter(c) => Value::from(i64::from(c)),
            _ => Value::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn edit(path: &[&str], v: Value) -> Edit {
        Edit::fields(
            path.iter().map(|s| s.to_string()).collect(),
            v.as_object().unwrap().clone(),
        )
    }

    #[test]
    fn edits_round_trip_through_json() {
        let mut doc = AutoCommit::new();
        let v = json!({"a": "x", "n": 3, "f": 1.5, "b": true, "m": {"k": "v"}, "l": ["p", "q"]});
        commit(&mut doc, &[edit(&[], v.clone())], "t", "tester", 0).unwrap();
        assert_eq!(to_json(&doc), v);
    }

    #[test]
    fn unchanged_fields_are_not_rewritten() {
        let mut doc = AutoCommit::new();
        commit(
            &mut doc,
            &[edit(&["m"], json!({"a": "x", "b": "y"}))],
            "one",
            "tester",
            0,
        )
        .unwrap();
        let before = doc.get_heads();
        commit(
            &mut doc,
            &[edit(&["m"], json!({"a": "x", "b": "z"}))],
            "two",
            "tester",
            0,
        )
        .unwrap();
        let change = doc.get_changes(&before);
        assert_eq!(change.len(), 1);
        assert_eq!(change[0].len(), 1, "only the changed field is written");
    }

    #[test]
    fn a_rewrite_settles_a_conflict_even_with_the_value_shown() {
        let mut a = AutoCommit::new();
        commit(
            &mut a,
            &[edit(&["h"], json!({"phone": "1"}))],
            "one",
            "a",
            0,
        )
        .unwrap();
        let mut b = a.fork();
        commit(
            &mut a,
            &[edit(&["h"], json!({"phone": "2"}))],
            "two",
            "a",
            0,
        )
        .unwrap();
        commit(
            &mut b,
            &[edit(&["h"], json!({"phone": "3"}))],
            "three",
            "b",
            0,
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        assert_eq!(crate::conflicts::list(&mut a).len(), 1);
        let shown = to_json(&a)["h"]["phone"].clone();
        let plain = edit(&["h"], json!({ "phone": shown.clone() }));
        commit(&mut a, std::slice::from_ref(&plain), "same", "a", 0).unwrap();
        assert_eq!(
            crate::conflicts::list(&mut a).len(),
            1,
            "an unchanged value is not written"
        );
        let rewrite = Edit {
            rewrite: true,
            ..plain
        };
        commit(&mut a, &[rewrite], "conflict.resolve", "a", 0).unwrap();
        assert!(crate::conflicts::list(&mut a).is_empty());
        assert_eq!(to_json(&a)["h"]["phone"], shown);
    }

    #[test]
    fn load_gives_a_fresh_actor() {
        let mut doc = AutoCommit::new();
        commit(&mut doc, &[edit(&[], json!({"a": 1}))], "one", "tester", 0).unwrap();
        let bytes = doc.save();
        let loaded = load(&bytes, &[], ActorId::random()).unwrap();
        assert_ne!(loaded.get_actor(), doc.get_actor());
        assert_eq!(to_json(&loaded), json!({"a": 1}));
    }
}
