//! The code lists a form offers, each value with its code and label, and
//! the organisation's configured labels for the high-impact-area topics.

use doorstep_domain::values::codes::{
    Attendance, ConsultationMechanism, ContactKind, EthnicCategory, FeedingStatus, FlagKind,
    LevelOfService, LocationType, MemberRole, PractitionerRole, Sex,
};
use serde::Serialize;

use crate::Session;

/// One choice: the code stored and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CodeOption {
    /// The code.
    pub code: String,
    /// The label.
    pub label: String,
}

/// Every code list the UI's forms and filters use.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CodeLists {
    /// Contact kinds.
    pub contact_kinds: Vec<CodeOption>,
    /// Attendance.
    pub attendance: Vec<CodeOption>,
    /// The attendance codes meaning the family was seen (measurements can
    /// be taken); the others record a contact that did not happen.
    pub seen_attendances: Vec<String>,
    /// Location types (CSDS).
    pub locations: Vec<CodeOption>,
    /// Consultation mechanisms (CSDS).
    pub mechanisms: Vec<CodeOption>,
    /// Infant feeding statuses.
    pub feeding_statuses: Vec<CodeOption>,
    /// Practitioner roles.
    pub roles: Vec<CodeOption>,
    /// High-impact-area topics with the configured labels.
    pub topics: Vec<CodeOption>,
    /// Levels of service.
    pub levels: Vec<CodeOption>,
    /// Flags.
    pub flags: Vec<CodeOption>,
    /// Stated gender.
    pub sexes: Vec<CodeOption>,
    /// Ethnic categories.
    pub ethnic_categories: Vec<CodeOption>,
    /// Family roles.
    pub member_roles: Vec<CodeOption>,
}

macro_rules! options {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| CodeOption {
                code: v.code().to_string(),
                label: v.label().to_string(),
            })
            .collect()
    };
}

impl Session {
    /// The code lists, with this organisation's topic labels.
    pub fn code_lists(&self) -> CodeLists {
        CodeLists {
            contact_kinds: options!(ContactKind),
            attendance: options!(Attendance),
            seen_attendances: Attendance::ALL
                .iter()
                .filter(|a| a.was_seen())
                .map(|a| a.code().to_string())
                .collect(),
            locations: options!(LocationType),
            mechanisms: options!(ConsultationMechanism),
            feeding_statuses: options!(FeedingStatus),
            roles: options!(PractitionerRole),
            topics: self
                .config()
                .hia
                .labels
                .iter()
                .map(|(code, label)| CodeOption {
                    code: code.clone(),
                    label: label.clone(),
                })
                .collect(),
            levels: options!(LevelOfService),
            flags: options!(FlagKind),
            sexes: options!(Sex),
            ethnic_categories: options!(EthnicCategory),
            member_roles: options!(MemberRole),
        }
    }
}
