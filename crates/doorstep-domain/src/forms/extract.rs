//! Reading particular answers back out: the FHAT level-of-service
//! recommendation and the family-partnership goals.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Answer, Answers, ItemPath};
use crate::values::codes::LevelOfService;

/// The FHAT's recommended level of service (item `level-of-service`), if
/// answered with a known level.
pub fn recommended_level(answers: &Answers) -> Option<LevelOfService> {
    answers
        .get("level-of-service")
        .and_then(Answer::as_code)
        .and_then(|c| LevelOfService::parse(c).ok())
}

/// True when the practitioner confirmed the recommended level (item
/// `confirm-level` answered yes).
pub fn level_confirmed(answers: &Answers) -> bool {
    answers.get("confirm-level") == Some(&Answer::Bool(true))
}

/// The recommended level when the practitioner confirmed it: completing the
/// FHAT then updates the family's level, with the assessment as the reason.
pub fn confirmed_level(answers: &Answers) -> Option<LevelOfService> {
    recommended_level(answers).filter(|_| level_confirmed(answers))
}

/// One family-partnership goal (the repeating group `goals`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Goal {
    /// The instance index in the answers (`goals[index].…`).
    pub index: usize,
    /// The goal, in the family's words (empty when not yet written).
    pub text: String,
    /// The agreed actions.
    pub actions: Option<String>,
    /// Today's rating, 0–10 (`None` when unanswered or out of range).
    pub rating: Option<u8>,
    /// When it will be reviewed.
    pub review_date: Option<NaiveDate>,
}

/// The goals in a family-partnership response, by index.
pub fn goals(answers: &Answers) -> Vec<Goal> {
    let mut out: BTreeMap<usize, Goal> = BTreeMap::new();
    for (key, answer) in &answers.0 {
        let Some(path) = ItemPath::parse(key) else {
            continue;
        };
        let [group, field] = path.0.as_slice() else {
            continue;
        };
        let (Some(index), None) = (group.index, field.index) else {
            continue;
        };
        if group.link_id != "goals" {
            continue;
        }
        let goal = out.entry(index).or_insert_with(|| Goal {
            index,
            text: String::new(),
            actions: None,
            rating: None,
            review_date: None,
        });
        match (field.link_id.as_str(), answer) {
            ("goal", Answer::Text(t)) => goal.text = t.clone(),
            ("actions", Answer::Text(t)) => goal.actions = Some(t.clone()),
            ("rating", Answer::Integer(r)) => {
                goal.rating = u8::try_from(*r).ok().filter(|r| *r <= 10)
            }
            ("review-date", Answer::Date(d)) => goal.review_date = Some(*d),
            _ => {}
        }
    }
    out.into_values().collect()
}
