//! Pure types and clinical rules for Doorstep: code lists, identifiers, validation and the family record. No IO, no async, no SQL.

pub mod codes;
pub mod gp_practice;
pub mod nhs_number;
pub mod phone;
pub mod postcode;
pub mod problem;
pub mod validate;

pub use problem::{FieldProblem, Problems};
pub mod calendar;
pub mod caseload;
pub mod config;
pub mod contact;
pub mod early_help;
pub mod family;
pub mod fhir;
pub mod forms;
pub mod growth;
pub mod kpi;
pub mod listing;
pub mod passphrase;
pub mod pdf;
pub mod plausibility;
pub mod response;
pub mod schedule;
