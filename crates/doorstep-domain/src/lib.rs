//! Pure types and clinical rules for Doorstep. No IO, no async, no SQL.
//!
//! - [`values`]: code lists, NHS number, postcode, phone, GP practice, the
//!   shared validators, field problems, and the UK civil calendar.
//! - [`record`]: the family record (family, contacts, responses, listing)
//!   and the action kernel that turns a user action into validated document
//!   edits.
//! - [`clinical`]: growth, plausibility, the review schedule, KPIs and
//!   caseload weighting.
//! - [`forms`]: the form engine (definitions, answers, validation, scores).
//! - [`config`]: the organisation's configurable rules.

pub mod clinical;
pub mod config;
pub mod forms;
pub mod record;
pub mod values;

pub use values::problem::{FieldProblem, Problems};
