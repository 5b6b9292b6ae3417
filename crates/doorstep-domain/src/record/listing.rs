//! What a caseload list asks for (filters, search, sort, page) and what each
//! row shows. Plain data shared by the store, the core, the CLI and the UI.

use serde::{Deserialize, Serialize};

use crate::values::codes::{FlagKind, LevelOfService};

/// How a family list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SortBy {
    /// By family name, then postcode.
    #[default]
    Name,
    /// By postcode.
    Postcode,
    /// Specialist first, then targeted, universal, community.
    Level,
    /// Newest first.
    Newest,
}

impl SortBy {
    /// Parses `name`, `postcode`, `level` or `newest`.
    pub fn parse(s: &str) -> Result<SortBy, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "name" => Ok(SortBy::Name),
            "postcode" => Ok(SortBy::Postcode),
            "level" => Ok(SortBy::Level),
            "newest" => Ok(SortBy::Newest),
            _ => Err("must be one of name, postcode, level, newest".into()),
        }
    }
}

/// A family list request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FamilyQuery {
    /// Only families at this level.
    pub level: Option<LevelOfService>,
    /// Only families with an active flag of this kind.
    pub flag: Option<FlagKind>,
    /// Only families allocated to this practitioner.
    pub practitioner: Option<String>,
    /// Free search: a name, an NHS number (spaces allowed) or a postcode.
    pub search: Option<String>,
    /// Sort order.
    pub sort: SortBy,
    /// Page number from 1.
    pub page: u32,
    /// Rows per page (1–500).
    pub per_page: u32,
    /// Include families entered in error.
    pub include_entered_in_error: bool,
}

impl Default for FamilyQuery {
    fn default() -> Self {
        FamilyQuery {
            level: None,
            flag: None,
            practitioner: None,
            search: None,
            sort: SortBy::Name,
            page: 1,
            per_page: 50,
            include_entered_in_error: false,
        }
    }
}

/// One row of a family list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FamilySummary {
    /// Family id.
    pub id: String,
    /// The name the family is listed under.
    pub name: String,
    /// First address line.
    pub address_line1: String,
    /// Postcode.
    pub postcode: String,
    /// Level of service today.
    pub level: LevelOfService,
    /// Named practitioner.
    pub practitioner: Option<String>,
    /// Members (not entered in error).
    pub members: u32,
    /// Children under five.
    pub children_under5: u32,
    /// Active flags today, as codes.
    pub flags: Vec<String>,
    /// Whether an interpreter is needed.
    pub interpreter_needed: bool,
    /// Whether the family was entered in error.
    pub entered_in_error: bool,
    /// The children and pregnancies on the caseload, oldest first: full
    /// names and key dates, so families of one surname tell apart.
    #[serde(default)]
    pub children: Vec<ChildSummary>,
    /// Why a search found the family when its name does not show it: the
    /// member whose NHS number matched, e.g. "NHS number 999 000 0018
    /// (Zara Okafor)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// A child or pregnancy as the caseload list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChildSummary {
    /// Full name ("Unborn baby Okafor" for a pregnancy with no name yet).
    pub name: String,
    /// Date of birth.
    pub date_of_birth: Option<chrono::NaiveDate>,
    /// Expected date of delivery, for a pregnancy.
    pub due: Option<chrono::NaiveDate>,
}

/// A page of a family list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FamilyPage {
    /// Families matching the filters, over all pages.
    pub total: u64,
    /// Page number.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// This page's rows.
    pub families: Vec<FamilySummary>,
}
