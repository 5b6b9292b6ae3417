//! Assessment-form use-cases: list the installed forms, start a response,
//! save each answer as it is given, show a response with its problems and
//! scores, complete (sign) it, and amend a completed one.

use doorstep_domain::forms::{self, FormDefinition, FormRef, Score, ScoreContext};
use doorstep_domain::record::family::{self, NewLevel};
use doorstep_domain::record::response::{self, FormResponse};
use doorstep_domain::FieldProblem;
use serde::Serialize;
use uuid::Uuid;

use crate::session::Written;
use crate::{CoreError, Session};

/// An installed form.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormSummary {
    /// Id, version and content hash.
    pub form: FormRef,
    /// Title.
    pub title: String,
}

/// A response as shown: the record, what is still wrong, and the scores so far.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResponseView {
    /// Response id.
    pub id: Uuid,
    /// The form's title.
    pub title: String,
    /// The record.
    pub response: FormResponse,
    /// Problems by field if it were completed now (required items missing,
    /// invalid answers).
    pub problems: Vec<FieldProblem>,
    /// Scores from the answers so far (stored ones once completed).
    pub scores: Vec<Score>,
    /// The definition the response was made against (its version).
    pub definition: FormDefinition,
    /// The item paths the form asks given the answers so far (enableWhen),
    /// in form order: each repeating group by its path, then its items for
    /// every entry and for one fresh entry after them (`goals[2].goal`).
    pub asked: Vec<String>,
}

impl Session {
    /// Every installed form definition, each version.
    pub fn form_list(&self) -> Vec<FormSummary> {
        forms::builtin()
            .iter()
            .map(|d| FormSummary {
                form: d.form_ref(),
                title: d.title.clone(),
            })
            .collect()
    }

    fn score_context(&self, family: &family::Family, r: &FormResponse) -> ScoreContext {
        let today = self.clock().today();
        let Some(person) = r.subject.and_then(|s| family.members.get(&s)) else {
            return ScoreContext {
                child_age_days: None,
                corrected_age_days: None,
            };
        };
        let Some(dob) = person.date_of_birth else {
            return ScoreContext {
                child_age_days: None,
                corrected_age_days: None,
            };
        };
        let age = (today - dob).num_days();
        let corrected = person.gestation_weeks.map(|w| {
            let gestation = i64::from(w) * 7 + i64::from(person.gestation_days.unwrap_or(0));
            age - (280 - gestation)
        });
        ScoreContext {
            child_age_days: Some(age),
            corrected_age_days: corrected.filter(|c| *c != age),
        }
    }

    /// Starts a draft response to the latest version of `form_id`.
    pub fn form_start(
        &mut self,
        family_id: &str,
        form_id: &str,
        subject: Option<&str>,
        contact: Option<&str>,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let def = forms::latest(form_id.trim()).ok_or_else(|| {
            CoreError::invalid(
                "form",
                "is not an installed form (see the list of forms, or `doorstep form list`)",
            )
        })?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = response::start(&current, Uuid::new_v4(), def, subject, contact, &cx)?;
        self.write(id, action, &cx)
    }

    /// Saves one answer (one commit: nothing answered is lost in a crash).
    pub fn form_answer(
        &mut self,
        family_id: &str,
        response_id: &str,
        item: &str,
        value: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = response::answer(&current, response_id, item, value)?;
        self.write(id, action, &cx)
    }

    /// A response with its outstanding problems and scores; the view is
    /// audited (`form.view`).
    pub fn form_show(
        &mut self,
        family_id: &str,
        response_id: &str,
    ) -> Result<ResponseView, CoreError> {
        let id = self.resolve_family(family_id)?;
        let current = self.store.family(id)?;
        let (rid, r) = response::find(&current, response_id)?;
        let def = response::definition_of(r)?;
        let answers = r.answer_set();
        // Answers (an EPDS, say) are as sensitive as the record: seeing
        // them is audited like opening it.
        self.audit_view("form.view", id)?;
        let scores = if r.scores.is_empty() {
            forms::scores(
                def,
                &answers,
                &self.score_context(&current, r),
                &self.config.forms,
            )
        } else {
            r.scores.values().cloned().collect()
        };
        Ok(ResponseView {
            id: rid,
            title: def.title.clone(),
            response: r.clone(),
            problems: forms::validate(def, &answers, true),
            scores,
            definition: def.clone(),
            asked: forms::asked(def, &answers),
        })
    }

    /// Completes (signs) a draft. A confirmed level-of-service
    /// recommendation in a Family Health Assessment updates the family's
    /// level in the same action, with the assessment as the reason.
    pub fn form_complete(
        &mut self,
        family_id: &str,
        response_id: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let (_, r) = response::find(&current, response_id)?;
        let ctx = self.score_context(&current, r);
        let (mut action, _) =
            response::complete(&current, response_id, &ctx, &self.config.forms, &cx)?;
        if r.form.id == "fhat" {
            if let Some(level) = forms::confirmed_level(&r.answer_set()) {
                let level_action = family::set_level(
                    &current,
                    Uuid::new_v4(),
                    &NewLevel {
                        level: level.code().into(),
                        effective: cx.today.to_string(),
                        reason: format!(
                            "Family Health Assessment completed {}",
                            cx.today.format("%-d %b %Y")
                        ),
                    },
                    &cx,
                )?;
                action.edits.extend(level_action.edits);
            }
        }
        self.write(id, action, &cx)
    }

    /// Starts an amendment of a completed response (a new draft referencing it).
    pub fn form_amend(&mut self, family_id: &str, response_id: &str) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = response::amend(&current, response_id, Uuid::new_v4(), &cx)?;
        self.write(id, action, &cx)
    }
}

impl Session {
    /// The family's goals with their ratings over time.
    pub fn goals(&mut self, family_id: &str) -> Result<Vec<response::GoalHistory>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        self.audit_view("goals.view", id)?;
        Ok(response::goal_history(&family))
    }
}
