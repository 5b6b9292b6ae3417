//! Likely duplicate people, found before a record is saved: the same NHS
//! number, or a name, date of birth (or due date) and postcode that agree
//! allowing for one typing slip in each (a letter or digit wrong, missing,
//! extra or two swapped; the day and month swapped; given and family names
//! swapped). Found on registration (the device) and on import (the
//! server), from the same rule.
//!
//! What counts is [R]: a trust may tune it once its own data show how
//! often a slip is made; the defaults are deliberately tolerant, because a
//! practitioner is shown the candidates and decides.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What is compared of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonKey {
    /// Their family.
    pub family_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: String,
    /// Date of birth, or for a pregnancy the expected date of delivery.
    pub date: Option<NaiveDate>,
    /// The household's postcode, in any spacing.
    pub postcode: Option<String>,
    /// NHS number, digits only.
    pub nhs_number: Option<String>,
}

/// Why two people look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DuplicateReason {
    /// The same NHS number.
    SameNhsNumber,
    /// Name, date of birth and postcode agree exactly.
    SameNameDateAndPostcode,
    /// Name, date of birth and postcode agree allowing for typing slips.
    SimilarNameDateAndPostcode,
}

impl DuplicateReason {
    /// In words.
    pub fn label(&self) -> &'static str {
        match self {
            DuplicateReason::SameNhsNumber => "the same NHS number",
            DuplicateReason::SameNameDateAndPostcode => "the same name, date of birth and postcode",
            DuplicateReason::SimilarNameDateAndPostcode => {
                "a similar name, date of birth and postcode (a typing slip?)"
            }
        }
    }
}

/// A record that may be the same person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LikelyDuplicate {
    /// The existing record's family.
    pub family_id: Uuid,
    /// The existing person.
    pub person_id: Uuid,
    /// Why.
    pub reason: DuplicateReason,
}

/// Letters only, lower case: "O'Brien-Smith" is "obriensmith".
fn letters(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Equal, or one slip apart (Damerau–Levenshtein distance 1; 2 for names
/// of eight letters or more).
fn close(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let allowed = if a.chars().count().min(b.chars().count()) >= 8 {
        2
    } else {
        1
    };
    !a.is_empty() && !b.is_empty() && strsim::damerau_levenshtein(a, b) <= allowed
}

fn names_close(a: &PersonKey, b: &PersonKey) -> (bool, bool) {
    let (af, bf) = (letters(&a.family_name), letters(&b.family_name));
    let (ag, bg) = (
        a.given_name.as_deref().map(letters).unwrap_or_default(),
        b.given_name.as_deref().map(letters).unwrap_or_default(),
    );
    let exact = af == bf && ag == bg;
    // An unborn baby may have no given name yet: the family name decides.
    let given = |x: &str, y: &str| x.is_empty() || y.is_empty() || close(x, y);
    let straight = close(&af, &bf) && given(&ag, &bg);
    let swapped = !ag.is_empty() && !bg.is_empty() && close(&af, &bg) && close(&ag, &bf);
    (exact, straight || swapped)
}

/// Equal, or one slip apart: one digit wrong or two adjacent digits swapped
/// in YYYYMMDD, or the day and month swapped.
fn dates_close(a: NaiveDate, b: NaiveDate) -> bool {
    if a == b {
        return true;
    }
    if a.day() == b.month() && a.month() == b.day() && a.year() == b.year() {
        return true;
    }
    let (x, y) = (
        a.format("%Y%m%d").to_string(),
        b.format("%Y%m%d").to_string(),
    );
    strsim::damerau_levenshtein(&x, &y) <= 1
}

fn postcode(s: &Option<String>) -> Option<String> {
    s.as_deref().map(|p| {
        p.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .flat_map(|c| c.to_uppercase())
            .collect()
    })
}

/// How `candidate` may duplicate `existing`, if it may.
pub fn compare(candidate: &PersonKey, existing: &PersonKey) -> Option<DuplicateReason> {
    if candidate.person_id == existing.person_id {
        return None;
    }
    if let (Some(a), Some(b)) = (&candidate.nhs_number, &existing.nhs_number) {
        if a == b {
            return Some(DuplicateReason::SameNhsNumber);
        }
        // Two different valid NHS numbers: two people.
        return None;
    }
    let (exact_name, name) = names_close(candidate, existing);
    let (Some(da), Some(db)) = (candidate.date, existing.date) else {
        return None;
    };
    let (Some(pa), Some(pb)) = (postcode(&candidate.postcode), postcode(&existing.postcode)) else {
        return None;
    };
    if !(name && dates_close(da, db) && close(&pa, &pb)) {
        return None;
    }
    Some(if exact_name && da == db && pa == pb {
        DuplicateReason::SameNameDateAndPostcode
    } else {
        DuplicateReason::SimilarNameDateAndPostcode
    })
}

/// The records among `existing` that may be `candidate`, strongest first.
pub fn likely_duplicates<'a>(
    candidate: &PersonKey,
    existing: impl IntoIterator<Item = &'a PersonKey>,
) -> Vec<LikelyDuplicate> {
    let mut out: Vec<LikelyDuplicate> = existing
        .into_iter()
        .filter_map(|e| {
            compare(candidate, e).map(|reason| LikelyDuplicate {
                family_id: e.family_id,
                person_id: e.person_id,
                reason,
            })
        })
        .collect();
    out.sort_by_key(|d| (d.reason, d.family_id, d.person_id));
    out
}

/// The keys of every current person of `family`.
pub fn keys_of(family: &crate::record::family::Family) -> Vec<PersonKey> {
    if family.entered_in_error.is_some() {
        return Vec::new();
    }
    family
        .current_members()
        .map(|(id, p)| PersonKey {
            family_id: family.id,
            person_id: *id,
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            date: p.date_of_birth.or(p.expected_delivery_date),
            postcode: Some(family.household.postcode.compact()),
            nhs_number: p.nhs_number.as_ref().map(|n| n.as_str().to_string()),
        })
        .collect()
}

/// A birth being notified, as matched against pregnancies already held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthNotice {
    /// The mother's (or parent's) given name, if given.
    pub parent_given_name: Option<String>,
    /// Their family name.
    pub parent_family_name: String,
    /// The household's postcode.
    pub postcode: String,
    /// The baby's date of birth.
    pub date_of_birth: NaiveDate,
}

/// The pregnancies of `family` that `notice` is the birth of: the
/// household's postcode agrees (allowing a slip), a current parent's name
/// agrees (allowing slips), and the baby was born within the window the
/// birth rule accepts around the expected date of delivery (22 weeks
/// before to 6 weeks after). A twin birth finds each pregnancy record of
/// the household in turn.
pub fn awaiting_birth(family: &crate::record::family::Family, notice: &BirthNotice) -> Vec<Uuid> {
    use crate::values::codes::MemberRole;
    if family.entered_in_error.is_some() {
        return Vec::new();
    }
    let here = postcode(&Some(family.household.postcode.as_str().to_string()));
    let there = postcode(&Some(notice.postcode.clone()));
    if !matches!((&here, &there), (Some(a), Some(b)) if close(a, b)) {
        return Vec::new();
    }
    let wanted = PersonKey {
        family_id: family.id,
        person_id: Uuid::nil(),
        given_name: notice.parent_given_name.clone(),
        family_name: notice.parent_family_name.clone(),
        date: None,
        postcode: None,
        nhs_number: None,
    };
    let parent_here = family.current_members().any(|(id, p)| {
        p.role == MemberRole::Parent
            && names_close(
                &wanted,
                &PersonKey {
                    person_id: *id,
                    given_name: p.given_name.clone(),
                    family_name: p.family_name.clone(),
                    ..wanted.clone()
                },
            )
            .1
    });
    if !parent_here {
        return Vec::new();
    }
    let mut out: Vec<(NaiveDate, Uuid)> = family
        .current_members()
        .filter(|(_, p)| p.role == MemberRole::Unborn && p.left.is_none())
        .filter_map(|(id, p)| {
            let edd = p.expected_delivery_date?;
            let dob = notice.date_of_birth;
            (dob >= edd - chrono::Days::new(22 * 7) && dob <= edd + chrono::Days::new(6 * 7))
                .then_some((edd, *id))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u128, given: &str, family: &str, date: &str, postcode: &str) -> PersonKey {
        PersonKey {
            family_id: Uuid::from_u128(1000 + n),
            person_id: Uuid::from_u128(n),
            given_name: (!given.is_empty()).then(|| given.to_string()),
            family_name: family.into(),
            date: Some(date.parse().unwrap()),
            postcode: Some(postcode.into()),
            nhs_number: None,
        }
    }

    #[test]
    fn the_same_nhs_number_is_a_duplicate_whatever_else_differs() {
        let mut a = key(1, "Ava", "Okafor", "2026-01-02", "ZZ99 3AA");
        let mut b = key(2, "Eva", "Smith", "2020-05-05", "ZZ99 9ZZ");
        a.nhs_number = Some("9990000018".into());
        b.nhs_number = Some("9990000018".into());
        assert_eq!(compare(&a, &b), Some(DuplicateReason::SameNhsNumber));
        // Different NHS numbers: different people, however alike.
        let mut c = key(3, "Ava", "Okafor", "2026-01-02", "ZZ99 3AA");
        c.nhs_number = Some("9990000026".into());
        assert_eq!(compare(&a, &c), None);
    }

    #[test]
    fn typing_slips_are_tolerated_but_not_two_in_one_field() {
        let held = key(1, "Ava", "Okafor", "2026-01-02", "ZZ99 3AA");
        let same = key(2, "ava", "OKAFOR", "2026-01-02", "zz993aa");
        assert_eq!(
            compare(&same, &held),
            Some(DuplicateReason::SameNameDateAndPostcode)
        );
        for slip in [
            key(3, "Ava", "Okafro", "2026-01-02", "ZZ99 3AA"), // swapped letters
            key(4, "Ava", "Okafor", "2026-01-03", "ZZ99 3AA"), // one digit
            key(5, "Ava", "Okafor", "2026-02-01", "ZZ99 3AA"), // day and month
            key(6, "Ava", "Okafor", "2026-01-02", "ZZ99 3AB"), // postcode
            key(7, "Okafor", "Ava", "2026-01-02", "ZZ99 3AA"), // names swapped
            key(8, "Avah", "Okafor", "2026-01-02", "ZZ99 3AA"), // a letter extra
        ] {
            assert_eq!(
                compare(&slip, &held),
                Some(DuplicateReason::SimilarNameDateAndPostcode),
                "{slip:?}"
            );
        }
        for different in [
            key(9, "Ava", "Okeke", "2026-01-02", "ZZ99 3AA"), // two letters
            key(10, "Ava", "Okafor", "2025-01-03", "ZZ99 3AA"), // two digits
            key(11, "Ava", "Okafor", "2026-01-02", "ZZ1 1ZZ"), // another postcode
            key(12, "Ben", "Okafor", "2026-01-02", "ZZ99 3AA"), // a twin
        ] {
            assert_eq!(compare(&different, &held), None, "{different:?}");
        }
        // Not itself.
        assert_eq!(compare(&held, &held), None);
    }

    #[test]
    fn an_unborn_baby_without_a_given_name_matches_on_family_name() {
        let held = key(1, "", "Okafor", "2026-03-01", "ZZ99 3AA");
        let again = key(2, "", "Okafor", "2026-03-01", "ZZ99 3AA");
        let found = likely_duplicates(&again, [&held]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].person_id, held.person_id);
    }
}
