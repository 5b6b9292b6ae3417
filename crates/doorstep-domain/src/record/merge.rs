//! Merging duplicates without losing either history: a person record, or
//! a whole household, is marked as merged into the one kept ([`MergedInto`]:
//! which family and person, who and when). Nothing is copied or deleted:
//! each record keeps everything recorded against it, in its own family
//! document, and every reader (the schedule, the metrics, the growth chart,
//! the family record) follows the mark to show both histories as one.
//!
//! A household is merged only once every current member of it is merged
//! into a member of the household kept (or has left the caseload), so no
//! one's record drops out of sight. A mark is never undone (the server's
//! admission refuses a change that takes it back).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::action::{require_open, Action, ActionContext, Edit};
use super::family::{Family, Person, RecordKind, Stamp};
use crate::values::codes::MemberRole;
use crate::values::problem::{problem, Problems};

/// Where a merged record now lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergedInto {
    /// The family kept.
    pub family_id: Uuid,
    /// The person kept (person merges only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    /// Who merged it and when.
    pub recorded: Stamp,
}

fn person<'a>(family: &'a Family, id: &str, field: &str) -> Result<(Uuid, &'a Person), Problems> {
    let uuid = Uuid::parse_str(id.trim()).map_err(|_| problem(field, "is not a record id"))?;
    match family.members.get(&uuid) {
        Some(p) if p.entered_in_error.is_some() => Err(problem(field, "was entered in error")),
        Some(p) if p.merged_into.is_some() => {
            Err(problem(field, "is already merged into another record"))
        }
        Some(p) => Ok((uuid, p)),
        None => Err(problem(field, "is not a member of that family")),
    }
}

/// The record found, or its problems added to `p`.
fn found<T>(p: &mut Problems, r: Result<T, Problems>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            p.0.extend(e.0);
            None
        }
    }
}

/// Marks person `away` of `away_family` as merged into person `keep` of
/// `keep_family` (which may be the same family). Both must be current; a
/// pregnancy may be merged into the child it became, but a born child not
/// into a pregnancy (keep the child's record); two different NHS numbers
/// are two people.
pub fn merge_person(
    away_family: &Family,
    away: &str,
    keep_family: &Family,
    keep: &str,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(away_family)?;
    if keep_family.entered_in_error.is_some() || keep_family.merged_into.is_some() {
        return Err(problem(
            "into_family",
            "was entered in error or merged: merge into the record kept",
        ));
    }
    let mut p = Problems::new();
    let from = found(&mut p, person(away_family, away, "person"));
    let into = found(&mut p, person(keep_family, keep, "into_person"));
    if let (Some((a, pa)), Some((k, pk))) = (from, into) {
        if a == k {
            p.push("into_person", "is the same record");
        }
        let fits = matches!(
            (pa.role, pk.role),
            (MemberRole::Parent, MemberRole::Parent)
                | (MemberRole::Child, MemberRole::Child)
                | (MemberRole::Unborn, MemberRole::Unborn)
                | (MemberRole::Unborn, MemberRole::Child)
        );
        if !fits {
            p.push(
                "into_person",
                if pk.role == MemberRole::Unborn && pa.role == MemberRole::Child {
                    "is a pregnancy: keep the born child's record and merge the pregnancy into it"
                } else {
                    "is not the same kind of member (parent, child or unborn baby)"
                },
            );
        }
        if let (Some(x), Some(y)) = (&pa.nhs_number, &pk.nhs_number) {
            if x != y {
                p.push(
                    "into_person",
                    "has a different NHS number: these are two people",
                );
            }
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let (away_id, _) = from.expect("checked");
    let (keep_id, _) = into.expect("checked");
    let mark = MergedInto {
        family_id: keep_family.id,
        person_id: Some(keep_id),
        recorded: cx.stamp(),
    };
    Ok(Action {
        edits: vec![Edit::field(
            &["members", &away_id.to_string()],
            "merged_into",
            &mark,
        )],
        message: "person.merge".into(),
        audit_action: "person.merge",
        record_id: away_id,
        record_kind: RecordKind::Person,
    })
}

/// Marks household `away` as merged into `keep`, once every current member
/// of `away` is merged into a member of `keep` or has left the caseload.
pub fn merge_family(away: &Family, keep: &Family, cx: &ActionContext) -> Result<Action, Problems> {
    require_open(away)?;
    if away.merged_into.is_some() {
        return Err(problem(
            "family",
            "is already merged into another household",
        ));
    }
    if away.id == keep.id {
        return Err(problem("into_family", "is the same household"));
    }
    if keep.entered_in_error.is_some() || keep.merged_into.is_some() {
        return Err(problem(
            "into_family",
            "was entered in error or merged: merge into the household kept",
        ));
    }
    let unmerged = away
        .current_members()
        .filter(|(_, m)| m.left.is_none())
        .count();
    if unmerged > 0 {
        return Err(problem(
            "family",
            format!(
                "still has {unmerged} member(s) of its own: merge each into a member of the \
                 household kept (or record that they left) first, so no one's record is lost \
                 from view"
            ),
        ));
    }
    let mark = MergedInto {
        family_id: keep.id,
        person_id: None,
        recorded: cx.stamp(),
    };
    Ok(Action {
        edits: vec![Edit::field(&[], "merged_into", &mark)],
        message: "family.merge".into(),
        audit_action: "family.merge",
        record_id: away.id,
        record_kind: RecordKind::Family,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::admission::admit;
    use crate::record::family::NewPerson;
    use crate::record::fixtures::{add, apply, cx, family_with_child, household};

    /// A second household holding the same child as a pregnancy, and the
    /// same mother.
    fn antenatal_copy() -> (Family, Uuid, Uuid) {
        let mut f = household();
        f.id = Uuid::from_u128(2);
        let mother = add(
            &mut f,
            20,
            NewPerson {
                role: "parent".into(),
                given_name: Some("Alex".into()),
                family_name: "Testfamily".into(),
                ..Default::default()
            },
        );
        let unborn = add(
            &mut f,
            21,
            NewPerson {
                role: "unborn".into(),
                family_name: "Testfamily".into(),
                expected_delivery_date: Some("2026-03-20".into()),
                ..Default::default()
            },
        );
        (f, mother, unborn)
    }

    #[test]
    fn a_pregnancy_merges_into_the_child_it_became_and_the_household_follows() {
        let (keep, parent, child) = family_with_child();
        let (mut away, mother, unborn) = antenatal_copy();
        // Not the household before its members.
        let e = merge_family(&away, &keep, &cx()).unwrap_err();
        assert!(e.to_string().contains("still has 2 member(s)"), "{e}");
        // Not the child into the pregnancy.
        let e =
            merge_person(&keep, &child.to_string(), &away, &unborn.to_string(), &cx()).unwrap_err();
        assert!(
            e.to_string().contains("keep the born child's record"),
            "{e}"
        );
        let before = away.clone();
        for (from, into) in [(unborn, child), (mother, parent)] {
            let a =
                merge_person(&away, &from.to_string(), &keep, &into.to_string(), &cx()).unwrap();
            apply(&mut away, &a);
        }
        let mark = away.members[&unborn].merged_into.clone().unwrap();
        assert_eq!((mark.family_id, mark.person_id), (keep.id, Some(child)));
        assert!(
            !away.members[&unborn].is_current(),
            "out of lists and schedules"
        );
        assert_eq!(away.members.len(), 2, "nothing deleted");
        assert_eq!(admit(&before, &away), Ok(()));
        // Twice is refused.
        let e =
            merge_person(&away, &unborn.to_string(), &keep, &child.to_string(), &cx()).unwrap_err();
        assert!(e.to_string().contains("already merged"), "{e}");
        // Now the household.
        let marked = away.clone();
        let a = merge_family(&away, &keep, &cx()).unwrap();
        apply(&mut away, &a);
        assert_eq!(away.merged_into.as_ref().unwrap().family_id, keep.id);
        assert_eq!(admit(&marked, &away), Ok(()));
        // A merge is never undone.
        let mut undone = away.clone();
        undone.merged_into = None;
        assert!(admit(&away, &undone).unwrap_err().contains("merge mark"));
        let mut undone = away.clone();
        undone.members.get_mut(&unborn).unwrap().merged_into = None;
        assert!(admit(&away, &undone).unwrap_err().contains("merge mark"));
    }

    #[test]
    fn two_nhs_numbers_are_two_people() {
        let (keep, _, child) = family_with_child();
        let mut away = household();
        away.id = Uuid::from_u128(3);
        let other = add(
            &mut away,
            30,
            NewPerson {
                role: "child".into(),
                given_name: Some("Sam".into()),
                family_name: "Testfamily".into(),
                date_of_birth: Some("2025-09-01".into()),
                nhs_number: Some("999 000 0026".into()),
                ..Default::default()
            },
        );
        let e =
            merge_person(&away, &other.to_string(), &keep, &child.to_string(), &cx()).unwrap_err();
        assert!(e.to_string().contains("different NHS number"), "{e}");
    }
}
