//! Organisation configuration: the rules REFERENCE.md marks [R] — review
//! windows and the prematurity rule, KPI day counts, caseload weights and
//! limit, and the high-impact-area labels (2021 or 2026 set). Read from a
//! JSON file; every field has a default, so a file need only hold changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clinical::caseload::CaseloadConfig;
use crate::clinical::kpi::KpiConfig;
use crate::clinical::schedule::ScheduleConfig;

/// High-impact-area topic labels by code (`hia-1` … `hia-6`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HiaLabels {
    /// Which framework the labels come from (`2021`, `2026` or a local name).
    pub set: String,
    /// Label per code.
    pub labels: BTreeMap<String, String>,
}

impl HiaLabels {
    fn from(set: &str, labels: [&str; 6]) -> HiaLabels {
        HiaLabels {
            set: set.into(),
            labels: labels
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("hia-{}", i + 1), l.to_string()))
                .collect(),
        }
    }

    /// The 2021 early-years high-impact areas (gov.uk, May 2021).
    pub fn set_2021() -> HiaLabels {
        Self::from(
            "2021",
            [
                "Supporting the transition to parenthood",
                "Supporting maternal and family mental health",
                "Supporting breastfeeding",
                "Supporting healthy weight and nutrition",
                "Improving health literacy; reducing accidents and minor illnesses",
                "Ready to learn and narrowing the word gap",
            ],
        )
    }

    /// The 2026 HCP high-impact-area framework. Only HIA 1's title was
    /// confirmed (REFERENCE §1.4); the others keep the 2021 wording until a
    /// trust configures them [R].
    pub fn set_2026() -> HiaLabels {
        let mut h = Self::set_2021();
        h.set = "2026".into();
        h.labels
            .insert("hia-1".into(), "The transition to parenthood".into());
        h
    }

    /// The label of a code, or the code itself when unknown.
    pub fn label<'a>(&'a self, code: &'a str) -> &'a str {
        self.labels.get(code).map(String::as_str).unwrap_or(code)
    }
}

impl Default for HiaLabels {
    fn default() -> Self {
        Self::set_2026()
    }
}

/// Everything an organisation can configure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Config {
    /// Review windows and prematurity.
    pub schedule: ScheduleConfig,
    /// KPI day and month counts.
    pub kpi: KpiConfig,
    /// Caseload weights and limit.
    pub caseload: CaseloadConfig,
    /// High-impact-area labels.
    pub hia: HiaLabels,
    /// Screening cut-offs (EPDS, GAD-2, ASQ-3).
    pub forms: crate::forms::FormsConfig,
    /// Growth assessment: when a measurement is assessed at corrected age.
    pub growth: GrowthConfig,
    /// The desktop app's behaviour (idle lock).
    pub desktop: DesktopConfig,
}

/// Growth assessment rules a trust configures (REFERENCE §4, [R]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct GrowthConfig {
    /// Gestational correction: which births, and until when.
    pub prematurity: crate::clinical::growth::Prematurity,
}

/// How the desktop app behaves on a shared or unattended laptop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct DesktopConfig {
    /// Minutes without use after which the app locks and drops the key
    /// from memory (default 15).
    pub idle_lock_minutes: u32,
}

impl Default for DesktopConfig {
    fn default() -> Self {
        DesktopConfig {
            idle_lock_minutes: 15,
        }
    }
}

impl Config {
    /// Parses a configuration file; missing fields take their defaults.
    pub fn from_json(text: &str) -> Result<Config, String> {
        serde_json::from_str(text).map_err(|e| format!("is not valid configuration: {e}"))
    }
}
