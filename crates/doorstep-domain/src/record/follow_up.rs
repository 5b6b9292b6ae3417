//! Urgent results and follow-ups that must not be missed (REFERENCE §3; the
//! hazard log's H6): a completed assessment whose score asks for action (EPDS
//! item 10 above 0, a positive EPDS, Whooley or GAD-2 screen, an ASQ-3
//! domain below its cut-off), a safeguarding concern recorded at a contact,
//! and a contact that set a follow-up date. Each
//! stays open until a later contact says it addresses it, or the
//! practitioner records it as addressed with a note ([`Addressed`]); open
//! items are shown on the family's banner and in Today's follow-ups.
//!
//! Open items are derived from the record every time; only the closing is
//! stored (a map of the family document, never removed from).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::action::{require_open, Action, ActionContext, Edit, TEXT_MAX};
use super::family::{Family, RecordKind, Stamp};
use super::response::ResponseStatus;
use crate::forms::ScoreFlag;
use crate::values::problem::{problem, Problems};
use crate::values::validate::required_text;

/// How urgent an open item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// Act today (EPDS item 10 above 0, a safeguarding concern).
    Urgent,
    /// A positive screen or a result below cut-off: assess or refer.
    Result,
    /// A follow-up date set at a contact.
    FollowUp,
}

impl Urgency {
    /// Every urgency, most urgent first.
    pub const ALL: [Urgency; 3] = [Urgency::Urgent, Urgency::Result, Urgency::FollowUp];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Urgency::Urgent => "urgent",
            Urgency::Result => "result",
            Urgency::FollowUp => "follow-up",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Urgent => "Urgent: act today",
            Urgency::Result => "Result to act on",
            Urgency::FollowUp => "Follow-up",
        }
    }

    /// The urgency with this code.
    pub fn parse(code: &str) -> Result<Urgency, String> {
        Urgency::ALL
            .into_iter()
            .find(|u| u.code() == code)
            .ok_or_else(|| "is not an urgency".into())
    }
}

/// One thing to follow up, open until addressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUpItem {
    /// A stable key: `response:<id>:<score code>`, `contact:<id>` (a
    /// follow-up date) or `contact:<id>:safeguarding`.
    pub key: String,
    /// The family.
    pub family_id: Uuid,
    /// The person it is about, when known.
    pub person_id: Option<Uuid>,
    /// How urgent.
    pub urgency: Urgency,
    /// What to do, in words.
    pub text: String,
    /// Since when (the result's or the contact's date).
    pub since: NaiveDate,
    /// Due by (the result's date for results; the date set for follow-ups).
    pub due: NaiveDate,
}

/// A follow-up recorded as addressed without a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Addressed {
    /// The item's key.
    pub key: String,
    /// What was done.
    pub note: String,
    /// Who and when.
    pub recorded: Stamp,
}

/// A follow-up set at a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUp {
    /// Due by.
    pub due: NaiveDate,
    /// Why.
    pub reason: String,
}

/// The keys addressed in `family`: by a note, or by a current contact that
/// names them.
fn addressed_keys(family: &Family) -> std::collections::HashSet<&str> {
    family
        .addressed
        .values()
        .map(|a| a.key.as_str())
        .chain(
            family
                .contacts
                .values()
                .filter(|c| c.is_current())
                .flat_map(|c| {
                    c.addresses
                        .iter()
                        .filter(|(_, on)| **on)
                        .map(|(k, _)| k.as_str())
                }),
        )
        .collect()
}

/// Every item `family` has to follow up that is still open, most urgent
/// first.
pub fn open_items(family: &Family) -> Vec<FollowUpItem> {
    if family.entered_in_error.is_some() || family.merged_into.is_some() {
        return Vec::new();
    }
    let done = addressed_keys(family);
    let amended: std::collections::HashSet<Uuid> = family
        .responses
        .values()
        .filter(|r| r.entered_in_error.is_none())
        .filter_map(|r| r.amends)
        .collect();
    let mut out = Vec::new();
    for (id, r) in &family.responses {
        if r.status != ResponseStatus::Completed
            || r.entered_in_error.is_some()
            || amended.contains(id)
        {
            continue;
        }
        let Some(completed) = &r.completed else {
            continue;
        };
        let on = crate::values::calendar::london_date(completed.at);
        // EPDS item 10 carries its urgent prompt on the total too: one item
        // for one prompt (the total stays an item if it is positive itself).
        let urgent_item = r
            .scores
            .values()
            .any(|s| s.has(ScoreFlag::Urgent) && !s.code.ends_with("-total"));
        for s in r.scores.values() {
            let urgency =
                if s.has(ScoreFlag::Urgent) && !(urgent_item && s.code.ends_with("-total")) {
                    Urgency::Urgent
                } else if s.has(ScoreFlag::Positive) || s.has(ScoreFlag::Refer) {
                    Urgency::Result
                } else {
                    continue;
                };
            let key = format!("response:{id}:{}", s.code);
            if done.contains(key.as_str()) {
                continue;
            }
            out.push(FollowUpItem {
                key,
                family_id: family.id,
                person_id: r.subject,
                urgency,
                text: format!(
                    "{} {}: {}",
                    s.label,
                    s.value,
                    s.interpretation.as_deref().unwrap_or("act on this result")
                ),
                since: on,
                due: on,
            });
        }
    }
    for (id, c) in &family.contacts {
        let (Some(concern), true) = (&c.safeguarding_concern, c.is_current()) else {
            continue;
        };
        let key = format!("contact:{id}:safeguarding");
        if done.contains(key.as_str()) {
            continue;
        }
        out.push(FollowUpItem {
            key,
            family_id: family.id,
            person_id: c.subjects.iter().find(|(_, on)| **on).map(|(p, _)| *p),
            urgency: Urgency::Urgent,
            text: format!(
                "Safeguarding concern: {concern}. Discuss with the safeguarding team today and follow the trust's procedure"
            ),
            since: c.date,
            due: c.date,
        });
    }
    for (id, c) in &family.contacts {
        let (Some(f), true) = (&c.follow_up, c.is_current()) else {
            continue;
        };
        let key = format!("contact:{id}");
        if done.contains(key.as_str()) {
            continue;
        }
        out.push(FollowUpItem {
            key,
            family_id: family.id,
            person_id: c.subjects.iter().find(|(_, on)| **on).map(|(p, _)| *p),
            urgency: Urgency::FollowUp,
            text: f.reason.clone(),
            since: c.date,
            due: f.due,
        });
    }
    out.sort_by(|a, b| {
        a.urgency
            .cmp(&b.urgency)
            .then(a.due.cmp(&b.due))
            .then(a.key.cmp(&b.key))
    });
    out
}

/// Records item `key` of `family` as addressed, with what was done.
pub fn record_addressed(
    family: &Family,
    id: Uuid,
    key: &str,
    note: &str,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    require_open(family)?;
    let key = key.trim();
    if !open_items(family).iter().any(|i| i.key == key) {
        return Err(problem(
            "item",
            "is not an open follow-up of this family (already addressed?)",
        ));
    }
    let note = required_text(note, TEXT_MAX).map_err(|e| problem("note", e))?;
    let record = Addressed {
        key: key.to_string(),
        note,
        recorded: cx.stamp(),
    };
    Ok(Action {
        edits: vec![Edit::field(&["addressed"], &id.to_string(), &record)],
        message: "follow-up.addressed".into(),
        audit_action: "follow-up.addressed",
        record_id: family.id,
        record_kind: RecordKind::Family,
    })
}

/// The keys a new contact says it addresses, checked against the open
/// items: problems name the `addresses` field.
pub fn check_addresses(
    family: &Family,
    keys: &[String],
    p: &mut Problems,
) -> BTreeMap<String, bool> {
    let open = open_items(family);
    let mut out = BTreeMap::new();
    for k in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        if open.iter().any(|i| i.key == k) {
            out.insert(k.to_string(), true);
        } else {
            p.push(
                "addresses",
                "names a follow-up that is not open for this family",
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::{self, FormsConfig, ScoreContext};
    use crate::record::contact::{record_contact, NewContact};
    use crate::record::fixtures::{apply, cx, family_with_child};
    use crate::record::response;

    /// A family whose parent completed an EPDS with item 10 answered "c"
    /// (scored 1: urgent) and a positive total (19).
    fn with_urgent_epds() -> (Family, Uuid, Uuid) {
        let (mut f, parent, child) = family_with_child();
        let def = forms::latest("epds").unwrap();
        let id = Uuid::from_u128(500);
        let a = response::start(&f, id, def, Some(&parent.to_string()), None, &cx()).unwrap();
        apply(&mut f, &a);
        for i in 1..=10 {
            let raw = if i == 10 { "c" } else { "a" };
            let a = response::answer(&f, &id.to_string(), &format!("epds-{i}"), raw).unwrap();
            apply(&mut f, &a);
        }
        let (a, _) = response::complete(
            &f,
            &id.to_string(),
            &ScoreContext::default(),
            &FormsConfig::default(),
            &cx(),
        )
        .unwrap();
        apply(&mut f, &a);
        (f, parent, child)
    }

    fn visit(child: Uuid) -> NewContact {
        NewContact {
            kind: "targeted-visit".into(),
            subjects: vec![child.to_string()],
            location: "A01".into(),
            mechanism: "01".into(),
            attendance: "attended".into(),
            role: "health-visitor".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_urgent_epds_item_10_stays_open_until_a_contact_addresses_it() {
        let (mut f, parent, child) = with_urgent_epds();
        let open = open_items(&f);
        let urgent: Vec<_> = open
            .iter()
            .filter(|i| i.urgency == Urgency::Urgent)
            .collect();
        // One urgent prompt (the total carries it too), and the positive
        // total as a result to act on.
        assert_eq!(urgent.len(), 1, "{open:?}");
        assert!(urgent[0].key.ends_with("epds-item10"), "{open:?}");
        assert!(open
            .iter()
            .any(|i| i.urgency == Urgency::Result && i.key.ends_with("epds-total")));
        assert!(urgent.iter().all(|i| i.person_id == Some(parent)));
        assert!(urgent.iter().all(|i| i.due == cx().today), "act today");
        assert_eq!(open[0].urgency, Urgency::Urgent, "most urgent first");
        // A contact naming an item that is not open is refused, by field.
        let mut c = visit(child);
        c.addresses = vec!["response:nope".into()];
        let e = record_contact(&f, Uuid::from_u128(600), &c, &cx()).unwrap_err();
        assert_eq!(e.0[0].field, "addresses");
        // A contact that addresses the prompt closes it.
        c.addresses = urgent.iter().map(|i| i.key.clone()).collect();
        let (_, a) = record_contact(&f, Uuid::from_u128(600), &c, &cx()).unwrap();
        apply(&mut f, &a);
        assert!(open_items(&f).iter().all(|i| i.urgency != Urgency::Urgent));
    }

    #[test]
    fn a_follow_up_date_is_open_until_recorded_as_addressed_with_a_note() {
        let (mut f, _, child) = family_with_child();
        let mut c = visit(child);
        c.follow_up_on = Some("2026-03-17".into());
        let e = record_contact(&f, Uuid::from_u128(600), &c, &cx()).unwrap_err();
        assert_eq!(e.0[0].field, "follow_up_reason");
        c.follow_up_on = Some("2026-03-09".into());
        c.follow_up_reason = Some("Reweigh".into());
        let e = record_contact(&f, Uuid::from_u128(600), &c, &cx()).unwrap_err();
        assert_eq!(e.0[0].field, "follow_up_on", "not before the contact");
        c.follow_up_on = Some("2026-03-17".into());
        let (_, a) = record_contact(&f, Uuid::from_u128(600), &c, &cx()).unwrap();
        apply(&mut f, &a);
        let open = open_items(&f);
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].urgency, Urgency::FollowUp);
        assert_eq!(open[0].text, "Reweigh");
        assert_eq!(open[0].due.to_string(), "2026-03-17");
        let key = open[0].key.clone();
        let e = record_addressed(&f, Uuid::from_u128(700), &key, " ", &cx()).unwrap_err();
        assert_eq!(e.0[0].field, "note");
        let a =
            record_addressed(&f, Uuid::from_u128(700), &key, "Reweighed at clinic", &cx()).unwrap();
        apply(&mut f, &a);
        assert!(open_items(&f).is_empty());
        let e = record_addressed(&f, Uuid::from_u128(701), &key, "Again", &cx()).unwrap_err();
        assert_eq!(e.0[0].field, "item");
    }

    #[test]
    fn a_safeguarding_concern_is_urgent_until_a_contact_addresses_it() {
        let (mut f, _, child) = family_with_child();
        let mut c = visit(child);
        c.safeguarding_concern = Some("Bruise on the baby's cheek, unexplained".into());
        let (_, a) = record_contact(&f, Uuid::from_u128(600), &c, &cx()).unwrap();
        apply(&mut f, &a);
        let open = open_items(&f);
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(open[0].urgency, Urgency::Urgent);
        assert_eq!(open[0].person_id, Some(child));
        assert!(open[0].text.contains("Bruise on the baby's cheek"));
        assert!(open[0].key.ends_with(":safeguarding"));
        let mut next = visit(child);
        next.addresses = vec![open[0].key.clone()];
        next.note = Some("Discussed with the named nurse; referral made".into());
        let (_, a) = record_contact(&f, Uuid::from_u128(601), &next, &cx()).unwrap();
        apply(&mut f, &a);
        assert!(open_items(&f).is_empty());
    }
}
