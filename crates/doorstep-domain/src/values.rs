//! Values: the small typed things a record is made of, each validated on the
//! way in with a plain-English problem that never echoes the input.
//!
//! NHS code lists ([`codes`]), identifiers and contact details
//! ([`nhs_number`], [`postcode`], [`phone`], [`gp_practice`]), the shared text
//! and date validators ([`validate`]), the "field: problem" lists every
//! validator reports into ([`problem`]), and the UK civil calendar
//! ([`calendar`]).

pub mod calendar;
pub mod codes;
pub mod gp_practice;
pub mod nhs_number;
pub mod phone;
pub mod postcode;
pub mod problem;
pub mod validate;
