//! Assessment responses in the family document: a draft saved on every
//! answer (so a crash loses nothing already answered), completed (validated,
//! scored, signed and immutable), and amended only by a new response that
//! references the one it amends. Each response records the exact form
//! definition (id, version, content hash) it was made with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::forms::{self, Answer, Answers, FormDefinition, FormRef, Score};
use crate::record::action::{Action, ActionContext, Edit};
use crate::record::family::{ErrorMark, Family, RecordKind, Stamp};
use crate::values::problem::{problem, Problems};

/// Draft or completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ResponseStatus {
    /// Being filled in; saved on every answer.
    Draft,
    /// Validated, scored and signed: immutable.
    Completed,
}

/// One response to one form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormResponse {
    /// The exact definition it was made with.
    pub form: FormRef,
    /// The person it is about (a child, or a parent for maternal mood).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Uuid>,
    /// The contact it was completed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    /// Answers by item path (a cleared answer is stored as null and read
    /// as absent).
    #[serde(default, deserialize_with = "answers_without_nulls")]
    pub answers: BTreeMap<String, Answer>,
    /// Draft or completed.
    pub status: ResponseStatus,
    /// Who started it and when.
    pub started: Stamp,
    /// Who completed (signed) it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<Stamp>,
    /// The scores computed when it was completed, by score code (a map, as
    /// everything in a document is).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, Score>,
    /// The response this one amends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amends: Option<Uuid>,
    /// Set when entered in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

fn answers_without_nulls<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Answer>, D::Error> {
    let all: BTreeMap<String, Option<Answer>> = Deserialize::deserialize(d)?;
    Ok(all
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

impl FormResponse {
    /// The answers as the engine takes them.
    pub fn answer_set(&self) -> Answers {
        Answers(self.answers.clone())
    }
}

/// The ASQ-3 completed for `person` at contact `contact`: the scores of
/// the current completed 2–2½ year review response about them made at that
/// contact (the latest, when one amends another). A response counts only
/// when all five domain scores were recorded.
pub fn asq3_at(
    family: &Family,
    contact: Uuid,
    person: Uuid,
) -> Option<crate::clinical::schedule::AsqFacts> {
    let amended: std::collections::HashSet<Uuid> = family
        .responses
        .values()
        .filter(|r| r.entered_in_error.is_none())
        .filter_map(|r| r.amends)
        .collect();
    family
        .responses
        .iter()
        .filter(|(id, r)| {
            r.form.id == TWO_YEAR_REVIEW
                && r.status == ResponseStatus::Completed
                && r.entered_in_error.is_none()
                && r.contact_id == Some(contact)
                && r.subject == Some(person)
                && !amended.contains(id)
        })
        .max_by_key(|(_, r)| r.completed.as_ref().map(|s| s.at))
        .and_then(|(_, r)| {
            let scores = forms::AsqDomainValues::try_from_fn(|d| {
                r.scores.get(d.link_id()).map(|s| s.value)
            })?;
            Some(crate::clinical::schedule::AsqFacts {
                interval: r
                    .scores
                    .get("asq3-interval")
                    .and_then(|s| u8::try_from(s.value as i64).ok()),
                scores,
            })
        })
}

/// The form whose completion records the ASQ-3 of a 2–2½ year review.
pub const TWO_YEAR_REVIEW: &str = "two-year-review";

/// The id typed into `field`, if given and `is_current` accepts it;
/// otherwise records `problem` against the field.
fn current_id(
    p: &mut Problems,
    field: &str,
    raw: Option<&str>,
    is_current: impl Fn(&Uuid) -> bool,
    problem: &str,
) -> Option<Uuid> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let found = Uuid::parse_str(raw).ok().filter(|u| is_current(u));
    if found.is_none() {
        p.push(field, problem);
    }
    found
}

/// Starts a draft response to `def` about `subject` (a member id), at an
/// optional contact.
pub fn start(
    family: &Family,
    id: Uuid,
    def: &FormDefinition,
    subject: Option<&str>,
    contact: Option<&str>,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    if family.entered_in_error.is_some() {
        return Err(problem(
            "family",
            "was entered in error and cannot be changed",
        ));
    }
    let mut p = Problems::new();
    let subject = current_id(
        &mut p,
        "child",
        subject,
        |u| family.members.get(u).is_some_and(|m| m.is_current()),
        "is not a current member of this family",
    );
    let contact = current_id(
        &mut p,
        "contact",
        contact,
        |u| family.contacts.get(u).is_some_and(|c| c.is_current()),
        "is not a current contact of this family",
    );
    if !p.is_empty() {
        return Err(p);
    }
    let r = FormResponse {
        form: def.form_ref(),
        subject,
        contact_id: contact,
        answers: BTreeMap::new(),
        status: ResponseStatus::Draft,
        started: Stamp {
            by: cx.practitioner.clone(),
            at: cx.now,
        },
        completed: None,
        scores: BTreeMap::new(),
        amends: None,
        entered_in_error: None,
    };
    Ok(Action {
        edits: vec![Edit::set(&["responses", &id.to_string()], &r)],
        message: "form.start".into(),
        audit_action: "form.start",
        record_id: id,
        record_kind: RecordKind::Response,
    })
}

/// The response `id` in this family, current.
pub fn find<'a>(family: &'a Family, id: &str) -> Result<(Uuid, &'a FormResponse), Problems> {
    let u = Uuid::parse_str(id.trim()).map_err(|_| problem("response", "is not a record id"))?;
    match family.responses.get(&u) {
        Some(r) if r.entered_in_error.is_some() => Err(problem("response", "was entered in error")),
        Some(r) => Ok((u, r)),
        None => Err(problem("response", "is not a response of this family")),
    }
}

/// The definition a response was made with (old versions stay installed).
pub fn definition_of(r: &FormResponse) -> Result<&'static FormDefinition, Problems> {
    forms::find(&r.form.id, &r.form.version)
        .ok_or_else(|| problem("form", "this form version is not installed on this device"))
}

/// Saves one answer to a draft, or takes one back (`raw` blank):
/// validated against the response's own definition version; problems name
/// the field. Answers the change leaves not asked (enableWhen) are taken
/// back in the same action, so a draft never holds an answer to a question
/// it no longer asks.
pub fn answer(
    family: &Family,
    response_id: &str,
    link_id: &str,
    raw: &str,
) -> Result<Action, Problems> {
    let (id, r) = find(family, response_id)?;
    if r.status == ResponseStatus::Completed {
        return Err(problem(
            "response",
            "is completed and cannot be changed: amend it instead",
        ));
    }
    let def = definition_of(r)?;
    let link_id = link_id.trim();
    let mut next = r.answer_set();
    let mut fields = Map::new();
    if raw.trim().is_empty() {
        // Taking an answer back: stored as null, so the draft's history
        // keeps it.
        if next.0.remove(link_id).is_none() {
            return Err(problem(link_id, "has no answer to clear"));
        }
        fields.insert(link_id.to_string(), Value::Null);
    } else {
        let value = forms::parse_answer(def, link_id, raw).map_err(|fp| Problems(vec![fp]))?;
        next.0.insert(link_id.to_string(), value.clone());
        let problems: Vec<_> = forms::validate(def, &next, false)
            .into_iter()
            .filter(|fp| fp.field == link_id)
            .collect();
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        fields.insert(
            link_id.to_string(),
            serde_json::to_value(&value).expect("answers serialise"),
        );
    }
    for hidden in forms::answered_but_not_asked(def, &next) {
        fields.insert(hidden, Value::Null);
    }
    Ok(Action {
        edits: vec![Edit::fields(
            vec!["responses".into(), id.to_string(), "answers".into()],
            fields,
        )],
        message: "form.answer".into(),
        audit_action: "form.answer",
        record_id: id,
        record_kind: RecordKind::Response,
    })
}

/// Completes a draft: every required, enabled item answered and valid; the
/// scores are computed and stored with it; it becomes immutable.
pub fn complete(
    family: &Family,
    response_id: &str,
    ctx: &forms::ScoreContext,
    cfg: &forms::FormsConfig,
    cx: &ActionContext,
) -> Result<(Action, Vec<Score>), Problems> {
    let (id, r) = find(family, response_id)?;
    if r.status == ResponseStatus::Completed {
        return Err(problem("response", "is already completed"));
    }
    let def = definition_of(r)?;
    let answers = r.answer_set();
    let problems = forms::validate(def, &answers, true);
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let scores = forms::scores(def, &answers, ctx, cfg);
    let mut fields = Map::new();
    fields.insert(
        "status".into(),
        serde_json::to_value(ResponseStatus::Completed).expect("status"),
    );
    fields.insert(
        "completed".into(),
        serde_json::to_value(Stamp {
            by: cx.practitioner.clone(),
            at: cx.now,
        })
        .expect("stamp"),
    );
    let by_code: BTreeMap<&str, &Score> = scores.iter().map(|s| (s.code.as_str(), s)).collect();
    fields.insert(
        "scores".into(),
        serde_json::to_value(by_code).expect("scores"),
    );
    Ok((
        Action {
            edits: vec![Edit::fields(
                vec!["responses".into(), id.to_string()],
                fields,
            )],
            message: "form.complete".into(),
            audit_action: "form.complete",
            record_id: id,
            record_kind: RecordKind::Response,
        },
        scores,
    ))
}

/// Starts an amendment: a new draft on the same definition with the same
/// answers, referencing the completed response it amends.
pub fn amend(
    family: &Family,
    response_id: &str,
    new_id: Uuid,
    cx: &ActionContext,
) -> Result<Action, Problems> {
    let (id, r) = find(family, response_id)?;
    if r.status != ResponseStatus::Completed {
        return Err(problem(
            "response",
            "is still a draft: change its answers instead",
        ));
    }
    let a = FormResponse {
        status: ResponseStatus::Draft,
        started: Stamp {
            by: cx.practitioner.clone(),
            at: cx.now,
        },
        completed: None,
        scores: BTreeMap::new(),
        amends: Some(id),
        entered_in_error: None,
        ..r.clone()
    };
    Ok(Action {
        edits: vec![Edit::set(&["responses", &new_id.to_string()], &a)],
        message: "form.amend".into(),
        audit_action: "form.amend",
        record_id: new_id,
        record_kind: RecordKind::Response,
    })
}

/// One goal across every completed family-partnership assessment: its
/// ratings over time are the "outcome after targeted work".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoalHistory {
    /// The goal, as last written.
    pub text: String,
    /// The actions agreed most recently.
    pub actions: Option<String>,
    /// (date completed, rating 0–10, response id), oldest first.
    pub ratings: Vec<(chrono::NaiveDate, u8, Uuid)>,
    /// The next review date, as last recorded.
    pub review_date: Option<chrono::NaiveDate>,
}

/// The family's goals across its completed family-partnership responses
/// (not entered in error), matched by their text (case and spacing aside).
pub fn goal_history(family: &Family) -> Vec<GoalHistory> {
    let mut done: Vec<(&Uuid, &FormResponse)> = family
        .responses
        .iter()
        .filter(|(_, r)| {
            r.form.id == "family-partnership"
                && r.status == ResponseStatus::Completed
                && r.entered_in_error.is_none()
        })
        .collect();
    done.sort_by_key(|(_, r)| r.completed.as_ref().map(|c| c.at));
    let key = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut out: Vec<GoalHistory> = Vec::new();
    for (rid, r) in done {
        let date = r
            .completed
            .as_ref()
            .map(|c| crate::values::calendar::london_date(c.at))
            .unwrap_or_default();
        for g in forms::goals(&r.answer_set()) {
            if g.text.trim().is_empty() {
                continue;
            }
            let i = match out.iter().position(|h| key(&h.text) == key(&g.text)) {
                Some(i) => i,
                None => {
                    out.push(GoalHistory {
                        text: g.text.clone(),
                        actions: None,
                        ratings: vec![],
                        review_date: None,
                    });
                    out.len() - 1
                }
            };
            let h = &mut out[i];
            h.text = g.text.clone();
            if g.actions.is_some() {
                h.actions = g.actions.clone();
            }
            if g.review_date.is_some() {
                h.review_date = g.review_date;
            }
            if let Some(rating) = g.rating {
                h.ratings.push((date, rating, *rid));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{apply, cx, family_with_child};

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|f| f.field.as_str()).collect()
    }

    fn epds() -> &'static FormDefinition {
        forms::find("epds", "2").expect("EPDS v2 is installed")
    }

    /// A family with a draft EPDS response (id 400) about the parent.
    fn with_draft() -> (Family, Uuid) {
        let (mut family, parent, _) = family_with_child();
        let id = Uuid::from_u128(400);
        let action = start(&family, id, epds(), Some(&parent.to_string()), None, &cx()).unwrap();
        apply(&mut family, &action);
        (family, id)
    }

    fn answer_all(family: &mut Family, id: Uuid, value: &str) {
        for n in 1..=10 {
            let a = answer(family, &id.to_string(), &format!("epds-{n}"), value).unwrap();
            apply(family, &a);
        }
    }

    fn finish(family: &mut Family, id: Uuid) -> Vec<Score> {
        let (action, scores) = complete(
            family,
            &id.to_string(),
            &forms::ScoreContext::default(),
            &forms::FormsConfig::default(),
            &cx(),
        )
        .unwrap();
        apply(family, &action);
        scores
    }

    #[test]
    fn an_answer_that_hides_a_question_takes_its_answer_back_in_the_same_action() {
        let (mut family, _, child) = family_with_child();
        let id = Uuid::from_u128(402);
        let fhat = forms::find("fhat", "1").expect("FHAT v1 is installed");
        let action = start(&family, id, fhat, Some(&child.to_string()), None, &cx()).unwrap();
        apply(&mut family, &action);
        let rid = id.to_string();
        for (path, raw) in [("whooley-q1", "yes"), ("whooley-help", "yes")] {
            let a = answer(&family, &rid, path, raw).unwrap();
            apply(&mut family, &a);
        }
        assert!(family.responses[&id].answers.contains_key("whooley-help"));
        let a = answer(&family, &rid, "whooley-q1", "no").unwrap();
        assert_eq!(a.edits.len(), 1, "one edit: the answer and what it hides");
        assert_eq!(a.edits[0].fields["whooley-help"], Value::Null);
        apply(&mut family, &a);
        let answers = &family.responses[&id].answers;
        assert!(answers.contains_key("whooley-q1"));
        assert!(!answers.contains_key("whooley-help"));
        // Taking the first answer back hides nothing more and keeps the rest.
        let a = answer(&family, &rid, "whooley-q1", "").unwrap();
        assert_eq!(a.edits[0].fields.len(), 1);
    }

    #[test]
    fn a_draft_records_the_exact_definition_and_names_only_current_members() {
        let (family, id) = with_draft();
        let r = &family.responses[&id];
        assert_eq!(r.status, ResponseStatus::Draft);
        assert_eq!(r.form, epds().form_ref());
        let p = start(
            &family,
            Uuid::from_u128(401),
            epds(),
            Some(&Uuid::from_u128(99).to_string()),
            Some("not-an-id"),
            &cx(),
        )
        .unwrap_err();
        assert_eq!(fields(&p), ["child", "contact"]);
    }

    #[test]
    fn each_answer_is_one_edit_validated_against_the_definition() {
        let (mut family, id) = with_draft();
        let a = answer(&family, &id.to_string(), "epds-1", "2").unwrap();
        assert_eq!(a.edits.len(), 1);
        assert_eq!(a.edits[0].path, ["responses", &id.to_string(), "answers"]);
        assert_eq!(a.edits[0].fields.len(), 1);
        apply(&mut family, &a);
        assert_eq!(family.responses[&id].answers.len(), 1);
        let out_of_range = answer(&family, &id.to_string(), "epds-2", "9").unwrap_err();
        assert_eq!(fields(&out_of_range), ["epds-2"]);
        let unknown = answer(&family, &id.to_string(), "no-such-item", "1").unwrap_err();
        assert_eq!(fields(&unknown), ["no-such-item"]);
    }

    #[test]
    fn a_blank_answer_takes_an_earlier_one_back() {
        let (mut family, id) = with_draft();
        let none = answer(&family, &id.to_string(), "epds-1", " ").unwrap_err();
        assert_eq!(fields(&none), ["epds-1"]);
        let a = answer(&family, &id.to_string(), "epds-1", "2").unwrap();
        apply(&mut family, &a);
        let cleared = answer(&family, &id.to_string(), "epds-1", "").unwrap();
        assert_eq!(cleared.edits[0].fields["epds-1"], Value::Null);
        apply(&mut family, &cleared);
        assert!(family.responses[&id].answers.is_empty());
    }

    #[test]
    fn completing_needs_every_required_answer_then_stores_the_scores_and_freezes() {
        let (mut family, id) = with_draft();
        let missing = complete(
            &family,
            &id.to_string(),
            &forms::ScoreContext::default(),
            &forms::FormsConfig::default(),
            &cx(),
        )
        .unwrap_err();
        assert_eq!(
            missing.0.len(),
            10,
            "every unanswered EPDS item: {missing:?}"
        );
        answer_all(&mut family, id, "1");
        let scores = finish(&mut family, id);
        let r = &family.responses[&id];
        assert_eq!(r.status, ResponseStatus::Completed);
        assert_eq!(r.completed.as_ref().unwrap().by, "Test Visitor");
        assert!(!scores.is_empty());
        assert_eq!(r.scores.len(), scores.len());
        let changed = answer(&family, &id.to_string(), "epds-1", "0").unwrap_err();
        assert!(changed.0[0].problem.contains("amend"));
        let twice = complete(
            &family,
            &id.to_string(),
            &forms::ScoreContext::default(),
            &forms::FormsConfig::default(),
            &cx(),
        )
        .unwrap_err();
        assert_eq!(fields(&twice), ["response"]);
    }

    #[test]
    fn an_amendment_is_a_new_draft_with_the_answers_that_references_the_original() {
        let (mut family, id) = with_draft();
        let draft = amend(&family, &id.to_string(), Uuid::from_u128(402), &cx()).unwrap_err();
        assert_eq!(fields(&draft), ["response"]);
        answer_all(&mut family, id, "1");
        finish(&mut family, id);
        let new_id = Uuid::from_u128(402);
        let a = amend(&family, &id.to_string(), new_id, &cx()).unwrap();
        assert_eq!(a.record_id, new_id);
        apply(&mut family, &a);
        let (original, amendment) = (&family.responses[&id], &family.responses[&new_id]);
        assert_eq!(amendment.status, ResponseStatus::Draft);
        assert_eq!(amendment.amends, Some(id));
        assert_eq!(amendment.answers, original.answers);
        assert!(amendment.scores.is_empty());
        assert_eq!(
            original.status,
            ResponseStatus::Completed,
            "the original stays"
        );
        let changed = answer(&family, &new_id.to_string(), "epds-1", "0");
        assert!(changed.is_ok());
    }
}
