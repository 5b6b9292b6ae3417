//! How a review was delivered, in the three measures the February 2026
//! commissioning guidance (Annex A) asks for every review: **who** delivered
//! it, **where** and **how** (REFERENCE §1.1). Each group is derived from
//! the contact's coded role, CSDS location type and CSDS consultation
//! mechanism; the grouping is the one rule, used by the KPI report and by
//! any other report that counts delivery.

use serde::{Deserialize, Serialize};

use crate::values::codes::{ConsultationMechanism, LocationType, PractitionerRole};

/// Who delivered a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DeliveredBy {
    /// Specialist community public health nurse (health visitor).
    HealthVisitor,
    /// A registered nurse who is not a health visitor (staff nurse).
    StaffNurse,
    /// Nursery nurse.
    NurseryNurse,
    /// Other unregistered staff (public health assistants).
    OtherUnregistered,
}

/// Where a review was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DeliveredWhere {
    /// The family's (or a carer's) home.
    Home,
    /// A clinic or health centre.
    Clinic,
    /// A GP surgery.
    GpSurgery,
    /// A Best Start Family Hub or children's centre.
    FamilyHub,
    /// Any other venue.
    OtherVenue,
}

/// How a review was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DeliveredHow {
    /// In person.
    FaceToFace,
    /// Video consultation.
    Video,
    /// Telephone (including talk type).
    Telephone,
    /// In writing: letter, email or messaging.
    LetterOrEmail,
    /// Anything else.
    Other,
}

impl DeliveredBy {
    /// Every group, in report order.
    pub const ALL: [DeliveredBy; 4] = [
        DeliveredBy::HealthVisitor,
        DeliveredBy::StaffNurse,
        DeliveredBy::NurseryNurse,
        DeliveredBy::OtherUnregistered,
    ];

    /// The group of a practitioner role.
    pub fn of(role: PractitionerRole) -> DeliveredBy {
        match role {
            PractitionerRole::HealthVisitor => DeliveredBy::HealthVisitor,
            PractitionerRole::CommunityPublicHealthNurse => DeliveredBy::StaffNurse,
            PractitionerRole::NurseryNurse => DeliveredBy::NurseryNurse,
            PractitionerRole::SeniorPublicHealthAssistant
            | PractitionerRole::EarlyYearsPublicHealthAssistant => DeliveredBy::OtherUnregistered,
        }
    }

    /// A stable code for reports.
    pub fn code(self) -> &'static str {
        match self {
            DeliveredBy::HealthVisitor => "health-visitor",
            DeliveredBy::StaffNurse => "staff-nurse",
            DeliveredBy::NurseryNurse => "nursery-nurse",
            DeliveredBy::OtherUnregistered => "other-unregistered",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            DeliveredBy::HealthVisitor => "Health visitor (SCPHN)",
            DeliveredBy::StaffNurse => "Staff nurse",
            DeliveredBy::NurseryNurse => "Nursery nurse",
            DeliveredBy::OtherUnregistered => "Other unregistered staff",
        }
    }
}

impl DeliveredWhere {
    /// Every group, in report order.
    pub const ALL: [DeliveredWhere; 5] = [
        DeliveredWhere::Home,
        DeliveredWhere::Clinic,
        DeliveredWhere::GpSurgery,
        DeliveredWhere::FamilyHub,
        DeliveredWhere::OtherVenue,
    ];

    /// The group of a CSDS location type.
    pub fn of(location: LocationType) -> DeliveredWhere {
        match location {
            LocationType::PatientsHome | LocationType::CarersHome => DeliveredWhere::Home,
            LocationType::HealthCentre
            | LocationType::OutpatientClinic
            | LocationType::ChildDevelopmentCentre => DeliveredWhere::Clinic,
            LocationType::GpPractice => DeliveredWhere::GpSurgery,
            LocationType::ChildrensCentre => DeliveredWhere::FamilyHub,
            LocationType::ChildrensHome
            | LocationType::School
            | LocationType::Nursery
            | LocationType::OtherChildcare
            | LocationType::PublicPlace
            | LocationType::Other => DeliveredWhere::OtherVenue,
        }
    }

    /// A stable code for reports.
    pub fn code(self) -> &'static str {
        match self {
            DeliveredWhere::Home => "home",
            DeliveredWhere::Clinic => "clinic",
            DeliveredWhere::GpSurgery => "gp-surgery",
            DeliveredWhere::FamilyHub => "family-hub",
            DeliveredWhere::OtherVenue => "other-venue",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            DeliveredWhere::Home => "Home",
            DeliveredWhere::Clinic => "Clinic",
            DeliveredWhere::GpSurgery => "GP surgery",
            DeliveredWhere::FamilyHub => "Family hub",
            DeliveredWhere::OtherVenue => "Other venue",
        }
    }
}

impl DeliveredHow {
    /// Every group, in report order.
    pub const ALL: [DeliveredHow; 5] = [
        DeliveredHow::FaceToFace,
        DeliveredHow::Video,
        DeliveredHow::Telephone,
        DeliveredHow::LetterOrEmail,
        DeliveredHow::Other,
    ];

    /// The group of a CSDS consultation mechanism.
    pub fn of(mechanism: ConsultationMechanism) -> DeliveredHow {
        match mechanism {
            ConsultationMechanism::FaceToFace => DeliveredHow::FaceToFace,
            ConsultationMechanism::Video => DeliveredHow::Video,
            ConsultationMechanism::Telephone | ConsultationMechanism::TalkType => {
                DeliveredHow::Telephone
            }
            ConsultationMechanism::Email
            | ConsultationMechanism::TextMessage
            | ConsultationMechanism::InstantMessaging
            | ConsultationMechanism::MessageBoard
            | ConsultationMechanism::ChatRoom => DeliveredHow::LetterOrEmail,
            ConsultationMechanism::Other => DeliveredHow::Other,
        }
    }

    /// A stable code for reports.
    pub fn code(self) -> &'static str {
        match self {
            DeliveredHow::FaceToFace => "face-to-face",
            DeliveredHow::Video => "video",
            DeliveredHow::Telephone => "telephone",
            DeliveredHow::LetterOrEmail => "letter-or-email",
            DeliveredHow::Other => "other",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            DeliveredHow::FaceToFace => "Face to face",
            DeliveredHow::Video => "Video",
            DeliveredHow::Telephone => "Telephone",
            DeliveredHow::LetterOrEmail => "Letter or email",
            DeliveredHow::Other => "Other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_group_and_every_group_a_code() {
        for r in PractitionerRole::ALL {
            assert!(DeliveredBy::ALL.contains(&DeliveredBy::of(*r)));
        }
        for l in LocationType::ALL {
            assert!(DeliveredWhere::ALL.contains(&DeliveredWhere::of(*l)));
        }
        for m in ConsultationMechanism::ALL {
            assert!(DeliveredHow::ALL.contains(&DeliveredHow::of(*m)));
        }
        assert_eq!(
            DeliveredWhere::of(LocationType::ChildrensCentre),
            DeliveredWhere::FamilyHub
        );
        assert_eq!(
            DeliveredHow::of(ConsultationMechanism::Video),
            DeliveredHow::Video
        );
        assert_eq!(
            DeliveredBy::of(PractitionerRole::NurseryNurse),
            DeliveredBy::NurseryNurse
        );
    }
}
