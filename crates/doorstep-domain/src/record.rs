//! The family record and every user action on it.
//!
//! [`family`] holds what a family document holds (household, members,
//! levels, flags, consent) and the family actions; [`contact`] contacts,
//! addenda and measurements; [`response`] assessment responses; [`departure`] people who
//! died, moved away or transferred in; [`duplicates`] likely duplicate people; [`merge`]
//! merging duplicates, keeping both histories; [`follow_up`] urgent results and
//! follow-ups until addressed; [`listing`]
//! the caseload list query and rows; [`conflict`] resolving a conflict;
//! [`admission`] what a record may become (the server's check of a
//! device's changes).
//! Each action is pure: it validates the
//! input against the current record and returns the document
//! [`Edit`](action::Edit)s to make, through the kernel in [`action`].

pub mod action;
pub mod admission;
pub mod conflict;
pub mod contact;
pub mod departure;
pub mod duplicates;
pub mod family;
pub mod follow_up;
pub mod listing;
pub mod merge;
pub mod response;

/// Shared fixtures for the record rules' unit tests: a fixed context and a
/// small synthetic family (NHS numbers from the 999 test range).
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use super::action::{apply_locally, Action, ActionContext};
    use super::family::{add_family, add_person, Family, NewFamily, NewPerson};

    /// Today in the tests: 10 March 2026.
    pub(crate) fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).expect("date")
    }

    /// A practitioner acting at 10:00 UTC on [`today`].
    pub(crate) fn cx() -> ActionContext {
        ActionContext {
            practitioner: "Test Visitor".into(),
            now: Utc.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).unwrap(),
            today: today(),
        }
    }

    /// A new household with no members.
    pub(crate) fn household() -> Family {
        let input = NewFamily {
            address_line1: "1 Test Street".into(),
            postcode: "ZZ99 3AA".into(),
            ..Default::default()
        };
        add_family(Uuid::from_u128(1), &input, &cx())
            .expect("valid family")
            .0
    }

    /// Applies `action` to `family` as the store would.
    pub(crate) fn apply(family: &mut Family, action: &Action) {
        apply_locally(family, &action.edits);
    }

    /// Adds a member from `input` under `id`.
    pub(crate) fn add(family: &mut Family, id: u128, input: NewPerson) -> Uuid {
        let id = Uuid::from_u128(id);
        let action = add_person(family, id, &input, &cx()).expect("valid person");
        apply(family, &action);
        id
    }

    /// [`family_with_child`] with a signed new birth visit (id 100) about
    /// the child, its note "Feeding well"; the contact and child ids.
    pub(crate) fn family_with_signed_contact() -> (Family, Uuid, Uuid) {
        use super::contact::{record_contact, sign_contact, NewContact};
        let (mut f, _, child) = family_with_child();
        let id = Uuid::from_u128(100);
        let input = NewContact {
            kind: "new-birth-visit".into(),
            subjects: vec![child.to_string()],
            location: "A01".into(),
            mechanism: "01".into(),
            attendance: "attended".into(),
            role: "health-visitor".into(),
            note: Some("Feeding well".into()),
            ..Default::default()
        };
        let (_, a) = record_contact(&f, id, &input, &cx()).expect("valid contact");
        apply(&mut f, &a);
        let a = sign_contact(&f, &id.to_string(), &cx()).expect("signable");
        apply(&mut f, &a);
        (f, id, child)
    }

    /// A household with a parent (id 10) and a girl born 1 September 2025
    /// (id 11, NHS number 999 000 0018).
    pub(crate) fn family_with_child() -> (Family, Uuid, Uuid) {
        let mut f = household();
        let parent = add(
            &mut f,
            10,
            NewPerson {
                role: "parent".into(),
                given_name: Some("Alex".into()),
                family_name: "Testfamily".into(),
                ..Default::default()
            },
        );
        let child = add(
            &mut f,
            11,
            NewPerson {
                role: "child".into(),
                given_name: Some("Sam".into()),
                family_name: "Testfamily".into(),
                date_of_birth: Some("2025-09-01".into()),
                sex: Some("female".into()),
                nhs_number: Some("999 000 0018".into()),
                ..Default::default()
            },
        );
        (f, parent, child)
    }
}
