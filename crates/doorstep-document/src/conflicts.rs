//! Conflicts: keys that hold more than one value because two devices wrote
//! them concurrently. Automerge keeps every concurrent value; the document
//! reads as one deterministic winner, and this module lists all of them so
//! the practitioner can choose. Writing the key again (any value) resolves
//! the conflict; the losing values stay in the document's history.

use std::collections::HashMap;

use automerge::{ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ValueRef, ROOT};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{author, json};

/// One key with concurrent values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    /// Map keys from the document root to the conflicting key.
    pub path: Vec<String>,
    /// Every value, the one the record shows first.
    pub values: Vec<ConflictValue>,
}

/// One of the concurrent values and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictValue {
    /// The value (objects are read as JSON).
    pub value: Value,
    /// The practitioner named in the change that wrote it.
    pub practitioner: Option<String>,
    /// The action that wrote it (e.g. `family.update`).
    pub action: Option<String>,
    /// The device that wrote it.
    pub device: Option<Uuid>,
    /// The name that device was given at enrolment, if it had one then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// When it was written (Unix seconds, from the change).
    pub at: Option<i64>,
    /// The change that wrote it.
    pub change: Option<String>,
}

struct ChangeInfo {
    start_op: u64,
    max_op: u64,
    timestamp: i64,
    message: Option<String>,
    hash: ChangeHash,
}

/// Every conflict in `doc`, in document order.
pub fn list(doc: &mut AutoCommit) -> Vec<Conflict> {
    let mut found = Vec::new();
    walk(doc, &ROOT, &mut Vec::new(), &mut found);
    if found.is_empty() {
        return Vec::new();
    }
    // Only now (conflicts are rare) read the change metadata.
    let mut by_actor: HashMap<ActorId, Vec<ChangeInfo>> = HashMap::new();
    for m in doc.get_changes_meta(&[]) {
        by_actor
            .entry(m.actor.clone().into_owned())
            .or_default()
            .push(ChangeInfo {
                start_op: m.start_op,
                max_op: m.max_op,
                timestamp: m.timestamp,
                message: m.message.map(|s| s.into_owned()),
                hash: m.hash,
            });
    }
    found
        .into_iter()
        .map(|(path, values)| Conflict {
            path,
            values: values
                .into_iter()
                .map(|(value, op)| describe(value, &op, &by_actor))
                .collect(),
        })
        .collect()
}

fn describe(
    value: Value,
    op: &automerge::ObjId,
    by_actor: &HashMap<ActorId, Vec<ChangeInfo>>,
) -> ConflictValue {
    let mut out = ConflictValue {
        value,
        practitioner: None,
        action: None,
        device: None,
        device_name: None,
        at: None,
        change: None,
    };
    if let automerge::ObjId::Id(counter, actor, _) = op {
        out.device = author::device_of(actor);
        let change = by_actor.get(actor).and_then(|changes| {
            changes
                .iter()
                .find(|c| c.start_op <= *counter && *counter <= c.max_op)
        });
        if let Some(c) = change {
            out.at = Some(c.timestamp);
            out.change = Some(c.hash.to_string());
            if let Some(m) = &c.message {
                let (action, who, device) = author::parse_message_on(m);
                out.action = Some(action.to_owned());
                out.practitioner = who.map(str::to_owned);
                out.device_name = device.map(str::to_owned);
            }
        }
    }
    out
}

type Found = Vec<(Vec<String>, Vec<(Value, ObjId)>)>;

fn walk(doc: &AutoCommit, obj: &ObjId, path: &mut Vec<String>, found: &mut Found) {
    // One pass over the map finds the keys in conflict and the child maps
    // (a lookup per key costs a seek each); then, in key order, each
    // conflict's values are read and each child map walked.
    enum Entry {
        Conflict(String),
        Map(String, ObjId),
    }
    let entries: Vec<Entry> = doc
        .map_range(obj, ..)
        .filter_map(|item| {
            if item.conflict {
                Some(Entry::Conflict(item.key.into_owned()))
            } else if matches!(item.value, ValueRef::Object(ObjType::Map)) {
                let id = item.id();
                Some(Entry::Map(item.key.into_owned(), id))
            } else {
                None
            }
        })
        .collect();
    for entry in entries {
        match entry {
            Entry::Conflict(key) => {
                let Ok(all) = doc.get_all(obj, key.as_str()) else {
                    continue;
                };
                let mut p = path.clone();
                p.push(key);
                let values = all
                    .into_iter()
                    .map(|(v, id)| (json::value_of(doc, v, &id), id))
                    .collect();
                found.push((p, values));
            }
            Entry::Map(key, child) => {
                path.push(key);
                walk(doc, &child, path, found);
                path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::{CommitOptions, Transactable};

    #[test]
    fn concurrent_writes_list_both_values_with_their_authors() {
        let (dev_a, dev_b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut base = AutoCommit::new();
        let m = base.put_object(ROOT, "members", ObjType::Map).unwrap();
        let p = base.put_object(&m, "p1", ObjType::Map).unwrap();
        base.put(&p, "phone", "07700 900000").unwrap();
        base.commit();
        let mut a = base.fork().with_actor(author::actor_for(dev_a));
        let mut b = base.fork().with_actor(author::actor_for(dev_b));
        a.put(&p, "phone", "07700 900001").unwrap();
        a.commit_with(
            CommitOptions::default()
                .with_message(author::message("person.update", "Asha Patel"))
                .with_time(1_700_000_000),
        );
        b.put(&p, "phone", "07700 900002").unwrap();
        b.commit_with(
            CommitOptions::default()
                .with_message(author::message("person.update", "Ben Okafor"))
                .with_time(1_700_000_100),
        );
        assert!(list(&mut a).is_empty());
        a.merge(&mut b).unwrap();
        let c = list(&mut a);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].path, ["members", "p1", "phone"]);
        let mut seen: Vec<_> = c[0]
            .values
            .iter()
            .map(|v| (v.value.clone(), v.practitioner.clone(), v.device, v.at))
            .collect();
        seen.sort_by_key(|s| s.3);
        assert_eq!(
            seen,
            vec![
                (
                    Value::from("07700 900001"),
                    Some("Asha Patel".into()),
                    Some(dev_a),
                    Some(1_700_000_000)
                ),
                (
                    Value::from("07700 900002"),
                    Some("Ben Okafor".into()),
                    Some(dev_b),
                    Some(1_700_000_100)
                ),
            ]
        );
        // Writing the key again resolves it.
        a.put(&p, "phone", "07700 900002").unwrap();
        a.commit();
        assert!(list(&mut a).is_empty());
    }
}
