//! People leave caseloads properly: a person who died, or a household that
//! moved out of the area (with the date and where to), is marked with a
//! [`Departure`]; a person who moved in from another area carries an
//! [`Arrival`]. Nothing is deleted: the record and its history stay, and
//! the schedule and the metrics read these marks to leave the person out
//! of due lists and cohorts from the date (REFERENCE §1.3: C6i excludes
//! children who died; cohorts hold the children the provider is
//! responsible for at quarter end).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::action::{opt, past_date, require_open, Action, ActionContext, Edit, TEXT_MAX};
use super::family::{Family, Person, RecordKind, Stamp};
use crate::values::codes::{DepartureReason, MemberRole};
use crate::values::problem::Problems;
use crate::values::validate::optional_text;

/// Why and when a person left the caseload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Departure {
    /// Died, or moved out of the area.
    pub reason: DepartureReason,
    /// The date of death or of the move.
    pub date: NaiveDate,
    /// Where to: the new area or service (moves only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Who recorded it and when.
    pub recorded: Stamp,
}

/// When and from where a person transferred in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Arrival {
    /// The date the service took them on.
    pub date: NaiveDate,
    /// Where from: the previous area or service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Who recorded it and when.
    pub recorded: Stamp,
}

/// What the user typed to record that someone left.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewDeparture {
    /// The person; blank for the whole household (a move only).
    pub person: Option<String>,
    /// `died` or `moved-away`.
    pub reason: String,
    /// The date (YYYY-MM-DD).
    pub date: String,
    /// Where to (required for a move).
    pub to: Option<String>,
}

/// What the user typed to record that someone transferred in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewArrival {
    /// The person; blank for the whole household.
    pub person: Option<String>,
    /// The date the service took them on (YYYY-MM-DD).
    pub date: String,
    /// Where from.
    pub from: Option<String>,
}

impl Person {
    /// The departure, if the person had left on or before `day`.
    pub fn departed_by(&self, day: NaiveDate) -> Option<&Departure> {
        self.left.as_ref().filter(|d| d.date <= day)
    }

    /// The date the person died, if recorded.
    pub fn died_on(&self) -> Option<NaiveDate> {
        self.left
            .as_ref()
            .filter(|d| d.reason == DepartureReason::Died)
            .map(|d| d.date)
    }

    /// The date the person moved out of the area, if recorded.
    pub fn moved_away_on(&self) -> Option<NaiveDate> {
        self.left
            .as_ref()
            .filter(|d| d.reason == DepartureReason::MovedAway)
            .map(|d| d.date)
    }
}

/// The people an input names: one current member, or (blank) every current
/// member who has not left.
fn people<'a>(
    family: &'a Family,
    person: &Option<String>,
    p: &mut Problems,
) -> Vec<(Uuid, &'a Person)> {
    match opt(person) {
        Some(raw) => match Uuid::parse_str(raw)
            .ok()
            .and_then(|id| family.members.get(&id).map(|m| (id, m)))
        {
            Some((id, m)) if m.is_current() => vec![(id, m)],
            Some(_) => {
                p.push("person", "names a member entered in error");
                vec![]
            }
            None => {
                p.push("person", "is not a member of this family");
                vec![]
            }
        },
        None => family
            .current_members()
            .filter(|(_, m)| m.left.is_none())
            .map(|(id, m)| (*id, m))
            .collect(),
    }
}

/// One action setting `field` of each of `who` to `value`: about the
/// person when there is one, else about the household.
fn mark_each(
    family: &Family,
    who: &[(Uuid, &Person)],
    field: &str,
    value: &impl Serialize,
    audit: &'static str,
) -> Action {
    let edits = who
        .iter()
        .map(|(id, _)| Edit::field(&["members", &id.to_string()], field, value))
        .collect();
    let (record_id, record_kind) = match who {
        [(id, _)] => (*id, RecordKind::Person),
        _ => (family.id, RecordKind::Family),
    };
    Action {
        edits,
        message: audit.into(),
        audit_action: audit,
        record_id,
        record_kind,
    }
}

/// Records that a person died, or that a person or the whole household
/// moved out of the area. The date may not be in the future nor before the
/// person was born; a person already marked as left is refused (the mark
/// is never overwritten).
pub fn record_departure(
    family: &Family,
    input: &NewDeparture,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let reason = p.check("reason", DepartureReason::parse(&input.reason));
    let date = past_date("date", &mut p, &input.date, cx.today);
    let to = p
        .check("to", optional_text(input.to.as_deref(), TEXT_MAX))
        .flatten();
    match reason {
        Some(DepartureReason::MovedAway) if to.is_none() => p.push(
            "to",
            "is required for a move: say which area or service the family moved to",
        ),
        Some(DepartureReason::Died) if to.is_some() => {
            p.push("to", "is recorded only for a move out of the area")
        }
        Some(DepartureReason::Died) if opt(&input.person).is_none() => {
            p.push("person", "is required: say who died")
        }
        _ => {}
    }
    let who = people(family, &input.person, &mut p);
    if who.is_empty() && p.is_empty() {
        p.push("person", "everyone in this household has already left");
    }
    for (_, m) in &who {
        if m.left.is_some() {
            p.push(
                "person",
                "has already left the caseload: the record of it is kept as it is",
            );
        }
        if let (Some(d), Some(dob)) = (date, m.date_of_birth) {
            if d < dob {
                p.push("date", "must not be before the person's date of birth");
            }
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let departure = Departure {
        reason: reason.expect("checked"),
        date: date.expect("checked"),
        to,
        recorded: cx.stamp(),
    };
    Ok(mark_each(family, &who, "left", &departure, "person.leave"))
}

/// Records that a person, or the whole household, transferred in from
/// another area on a date (reviews due before it were another service's).
pub fn record_arrival(
    family: &Family,
    input: &NewArrival,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let mut p = Problems::new();
    let date = past_date("date", &mut p, &input.date, cx.today);
    let from = p
        .check("from", optional_text(input.from.as_deref(), TEXT_MAX))
        .flatten();
    let who = people(family, &input.person, &mut p);
    if who.is_empty() && p.is_empty() {
        p.push("person", "no one in this household is on the caseload");
    }
    for (_, m) in &who {
        if m.transferred_in.is_some() {
            p.push("person", "already has a transfer in recorded");
        }
        if m.role == MemberRole::Unborn {
            p.push(
                "person",
                "an unborn baby is not transferred in: record the pregnancy",
            );
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let arrival = Arrival {
        date: date.expect("checked"),
        from,
        recorded: cx.stamp(),
    };
    Ok(mark_each(
        family,
        &who,
        "transferred_in",
        &arrival,
        "person.transfer-in",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{apply, cx, family_with_child};

    fn leave(reason: &str, person: Option<String>, date: &str, to: Option<&str>) -> NewDeparture {
        NewDeparture {
            person,
            reason: reason.into(),
            date: date.into(),
            to: to.map(String::from),
        }
    }

    #[test]
    fn a_death_is_recorded_once_for_one_person_and_kept() {
        let (mut f, _, child) = family_with_child();
        let who = Some(child.to_string());
        // The day after today, before birth, with a "to", without a person.
        let e = record_departure(&f, &leave("died", who.clone(), "2026-03-11", None), &cx())
            .unwrap_err();
        assert!(
            e.to_string().contains("date: must not be in the future"),
            "{e}"
        );
        let e = record_departure(&f, &leave("died", who.clone(), "2025-08-31", None), &cx())
            .unwrap_err();
        assert!(
            e.to_string().contains("before the person's date of birth"),
            "{e}"
        );
        let e = record_departure(
            &f,
            &leave("died", who.clone(), "2026-03-10", Some("Leeds")),
            &cx(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("to: is recorded only for a move"),
            "{e}"
        );
        let e = record_departure(&f, &leave("died", None, "2026-03-10", None), &cx()).unwrap_err();
        assert!(e.to_string().contains("person: is required"), "{e}");
        // Today, on the day of birth's side: recorded.
        let a =
            record_departure(&f, &leave("died", who.clone(), "2026-03-10", None), &cx()).unwrap();
        apply(&mut f, &a);
        let p = &f.members[&child];
        assert_eq!(p.died_on(), NaiveDate::from_ymd_opt(2026, 3, 10));
        assert!(p.is_current(), "nothing is deleted");
        assert!(!p.is_child_under_five(cx().today));
        assert!(p.is_child_under_five(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()));
        // Never overwritten.
        let e = record_departure(
            &f,
            &leave("moved-away", who, "2026-03-10", Some("Leeds")),
            &cx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("already left"), "{e}");
    }

    #[test]
    fn a_household_moves_away_with_where_to() {
        let (mut f, parent, child) = family_with_child();
        let e = record_departure(&f, &leave("moved-away", None, "2026-03-01", None), &cx())
            .unwrap_err();
        assert!(e.to_string().contains("to: is required for a move"), "{e}");
        let a = record_departure(
            &f,
            &leave(
                "moved-away",
                None,
                "2026-03-01",
                Some("Leeds health visiting team"),
            ),
            &cx(),
        )
        .unwrap();
        assert_eq!(a.edits.len(), 2);
        apply(&mut f, &a);
        for id in [parent, child] {
            let left = f.members[&id].left.as_ref().unwrap();
            assert_eq!(left.reason, DepartureReason::MovedAway);
            assert_eq!(left.to.as_deref(), Some("Leeds health visiting team"));
        }
        let e = record_departure(
            &f,
            &leave("moved-away", None, "2026-03-01", Some("Leeds")),
            &cx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("already left"), "{e}");
    }

    #[test]
    fn a_transfer_in_is_dated_and_recorded_once() {
        let (mut f, _, child) = family_with_child();
        let input = NewArrival {
            person: Some(child.to_string()),
            date: "2026-02-01".into(),
            from: Some("Bradford".into()),
        };
        let a = record_arrival(&f, &input, &cx()).unwrap();
        apply(&mut f, &a);
        let arrived = f.members[&child].transferred_in.as_ref().unwrap();
        assert_eq!(arrived.date, NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        let e = record_arrival(&f, &input, &cx()).unwrap_err();
        assert!(e.to_string().contains("already has a transfer in"), "{e}");
        let e = record_arrival(
            &f,
            &NewArrival {
                date: "2026-03-11".into(),
                ..input
            },
            &cx(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("date: must not be in the future"),
            "{e}"
        );
    }
}
