//! Exports of a family record: a completed response as a FHIR R4 bundle
//! ([`fhir`]), and the Early Help Assessment summary as HTML and PDF
//! ([`early_help`], laid out by [`pdf`]), and a visit summary or a form as
//! PDF ([`summary`]). Pure: every export is returned as
//! a value or bytes; nothing is written anywhere (where an export goes is
//! the practitioner's choice, made by the caller).

pub mod early_help;
pub mod fhir;
pub mod pdf;
pub mod summary;
