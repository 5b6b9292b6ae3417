//! Caseload size and weighting (REFERENCE §5.2): how many families and
//! children under five a caseload holds, by level of service and by flag,
//! and a weighted figure to set against a limit.
//!
//! No national weighting tool exists, so every weight is configuration
//! ([`CaseloadConfig`], [R]): a weight per family for its level of service
//! plus a modifier for each kind of safeguarding status it has. The
//! defaults follow the illustrative "tag points" in REFERENCE §5.2
//! (universal 1, intensive 4, child protection 5) and the 1:400 "too high"
//! threshold. Legacy levels are counted under their 2021 equivalents:
//! Universal Plus as Targeted and Universal Partnership Plus ("Partnership
//! Plus equivalents", UPP) as Specialist — see [`LevelOfService::parse`].

use serde::{Deserialize, Serialize};

use crate::values::codes::{FlagKind, LevelOfService};

/// The weight of a family at each level of service.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct LevelWeights {
    /// Community (default 0).
    pub community: f64,
    /// Universal (default 1).
    pub universal: f64,
    /// Targeted, formerly Universal Plus (default 3).
    pub targeted: f64,
    /// Specialist, formerly Universal Partnership Plus (default 4).
    pub specialist: f64,
}

impl Default for LevelWeights {
    fn default() -> Self {
        LevelWeights {
            community: 0.0,
            universal: 1.0,
            targeted: 3.0,
            specialist: 4.0,
        }
    }
}

impl LevelWeights {
    /// The weight of a level.
    pub fn of(&self, level: LevelOfService) -> f64 {
        match level {
            LevelOfService::Community => self.community,
            LevelOfService::Universal => self.universal,
            LevelOfService::Targeted => self.targeted,
            LevelOfService::Specialist => self.specialist,
        }
    }
}

/// Caseload weights and the limit (every value [R]: set per organisation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct CaseloadConfig {
    /// The weight of a family at each level of service.
    pub level_weights: LevelWeights,
    /// Added for a child protection plan or a pre-birth child protection
    /// plan (once, however many) (default 5).
    pub cp: f64,
    /// Added for child in need (default 3).
    pub cin: f64,
    /// Added for a looked-after child (default 3).
    pub lac: f64,
    /// Added for early help (default 0).
    pub early_help: f64,
    /// The limit both the weighted figure and the headcount of children
    /// under five are checked against (default 400).
    pub limit: f64,
}

impl Default for CaseloadConfig {
    fn default() -> Self {
        CaseloadConfig {
            level_weights: LevelWeights::default(),
            cp: 5.0,
            cin: 3.0,
            lac: 3.0,
            early_help: 0.0,
            limit: 400.0,
        }
    }
}

impl CaseloadConfig {
    /// The weight of one family: its level's weight plus each modifier
    /// whose flag is active (each modifier counted once).
    pub fn weight(&self, family: &CaseloadFamily) -> f64 {
        let has = |kinds: &[FlagKind]| family.flags.iter().any(|f| kinds.contains(f));
        let mut w = self.level_weights.of(family.level);
        if has(&[FlagKind::ChildProtection, FlagKind::PreBirthCp]) {
            w += self.cp;
        }
        if has(&[FlagKind::ChildInNeed]) {
            w += self.cin;
        }
        if has(&[FlagKind::LookedAfter]) {
            w += self.lac;
        }
        if has(&[FlagKind::EarlyHelp]) {
            w += self.early_help;
        }
        w
    }
}

/// One family on a caseload, as the summary sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseloadFamily {
    /// Its current level of service.
    pub level: LevelOfService,
    /// The kinds of flag active today (repeats are counted once).
    pub flags: Vec<FlagKind>,
    /// Children under five in the household.
    pub children_under5: u32,
    /// The named practitioner (for the caller to group or filter by; the
    /// summary itself does not use it).
    pub practitioner: Option<String>,
}

/// Families and children at one level of service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LevelCount {
    /// The level.
    pub level: LevelOfService,
    /// Families at it.
    pub families: u32,
    /// Their children under five.
    pub children_under5: u32,
}

/// Families and children with one kind of flag active.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FlagCount {
    /// The kind of flag.
    pub flag: FlagKind,
    /// Families with it.
    pub families: u32,
    /// Their children under five.
    pub children_under5: u32,
}

/// A caseload's size and weighted load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseloadSummary {
    /// Families.
    pub families: u32,
    /// Children under five.
    pub children_under5: u32,
    /// Every level, in order community, universal, targeted, specialist
    /// (legacy UPP families are counted as specialist).
    pub by_level: Vec<LevelCount>,
    /// Every kind of flag, in code-list order.
    pub by_flag: Vec<FlagCount>,
    /// The weighted caseload.
    pub weighted: f64,
    /// The configured limit.
    pub limit: f64,
    /// Plain-English warnings (no patient data): the weighted figure or the
    /// headcount of children under five is over the limit.
    pub warnings: Vec<String>,
}

/// Counts and weighs a caseload.
pub fn summarise(families: &[CaseloadFamily], cfg: &CaseloadConfig) -> CaseloadSummary {
    let mut by_level: Vec<LevelCount> = LevelOfService::ALL
        .iter()
        .map(|&level| LevelCount {
            level,
            families: 0,
            children_under5: 0,
        })
        .collect();
    let mut by_flag: Vec<FlagCount> = FlagKind::ALL
        .iter()
        .map(|&flag| FlagCount {
            flag,
            families: 0,
            children_under5: 0,
        })
        .collect();
    let (mut count, mut children, mut weighted) = (0u32, 0u32, 0.0);
    for family in families {
        count = count.saturating_add(1);
        children = children.saturating_add(family.children_under5);
        weighted += cfg.weight(family);
        if let Some(l) = by_level.iter_mut().find(|l| l.level == family.level) {
            l.families += 1;
            l.children_under5 = l.children_under5.saturating_add(family.children_under5);
        }
        for f in by_flag
            .iter_mut()
            .filter(|f| family.flags.contains(&f.flag))
        {
            f.families += 1;
            f.children_under5 = f.children_under5.saturating_add(family.children_under5);
        }
    }
    let mut warnings = Vec::new();
    if weighted > cfg.limit {
        warnings.push(format!(
            "Weighted caseload {weighted:.1} is over the limit of {}",
            cfg.limit
        ));
    }
    if f64::from(children) > cfg.limit {
        warnings.push(format!(
            "{children} children under five is over the limit of {}",
            cfg.limit
        ));
    }
    CaseloadSummary {
        families: count,
        children_under5: children,
        by_level,
        by_flag,
        weighted,
        limit: cfg.limit,
        warnings,
    }
}

impl CaseloadSummary {
    /// A plain-text summary: totals, then families and children by level
    /// and by flag, then any warnings.
    pub fn to_table(&self) -> String {
        let mut rows: Vec<[String; 3]> =
            vec![["".into(), "Families".into(), "Children under 5".into()]];
        rows.push([
            "Total".into(),
            self.families.to_string(),
            self.children_under5.to_string(),
        ]);
        for l in &self.by_level {
            rows.push([
                l.level.label().to_string(),
                l.families.to_string(),
                l.children_under5.to_string(),
            ]);
        }
        for f in &self.by_flag {
            rows.push([
                f.flag.label().to_string(),
                f.families.to_string(),
                f.children_under5.to_string(),
            ]);
        }
        let mut widths = [0usize; 3];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |row: &[String; 3]| {
            let pad = |s: &str, w: usize| " ".repeat(w - s.chars().count());
            format!(
                "{}{}  {}{}  {}{}",
                row[0],
                pad(&row[0], widths[0]),
                pad(&row[1], widths[1]),
                row[1],
                pad(&row[2], widths[2]),
                row[2]
            )
        };
        let rule = "-".repeat(widths.iter().sum::<usize>() + 4);
        let mut out = String::from("Caseload\n========\n");
        out.push_str(&format!(
            "Weighted caseload: {:.1} (limit {})\n\n",
            self.weighted, self.limit
        ));
        let levels = 2..2 + self.by_level.len();
        for (i, row) in rows.iter().enumerate() {
            if i == 2 || i == levels.end {
                out.push_str(&rule);
                out.push('\n');
            }
            out.push_str(line(row).trim_end());
            out.push('\n');
            if i == 0 {
                out.push_str(&rule);
                out.push('\n');
            }
        }
        if !self.warnings.is_empty() {
            out.push('\n');
            for w in &self.warnings {
                out.push_str(&format!("Warning: {w}\n"));
            }
        }
        out
    }
}
