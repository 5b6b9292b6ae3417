//! The family record and every user action on it.
//!
//! [`family`] holds what a family document holds (household, members,
//! levels, flags, consent) and the family actions; [`contact`] contacts,
//! addenda and measurements; [`response`] assessment responses; [`listing`]
//! the caseload list query and rows. Each action is pure: it validates the
//! input against the current record and returns the document
//! [`Edit`](action::Edit)s to make, through the kernel in [`action`].

pub mod action;
pub mod contact;
pub mod family;
pub mod listing;
pub mod response;
