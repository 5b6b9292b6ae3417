//! Field problems: what is wrong with an input, named by the field it is in.
//!
//! Every validator in this crate reports a [`FieldProblem`] so the CLI and
//! the UI can show "field: problem" next to the right input.

use serde::{Deserialize, Serialize};

/// One thing wrong with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldProblem {
    /// The field's name as the user knows it (e.g. `nhs_number`, `postcode`).
    pub field: String,
    /// What is wrong, in plain words, without echoing patient data.
    pub problem: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Every problem found in one input; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{}", display_problems(.0))]
pub struct Problems(pub Vec<FieldProblem>);

fn display_problems(list: &[FieldProblem]) -> String {
    list.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn push(&mut self, field: &str, problem: impl Into<String>) {
        self.0.push(FieldProblem::new(field, problem));
    }

    /// Runs a validator for `field`, keeping its value when it passes and
    /// recording its problem when it fails.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e);
                None
            }
        }
    }

    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing is wrong, otherwise `Err(self)`.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Problems> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// A single-field problem as a [`Problems`] list.
pub fn problem(field: &str, text: impl Into<String>) -> Problems {
    Problems(vec![FieldProblem::new(field, text)])
}
