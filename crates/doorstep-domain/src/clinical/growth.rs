//! Growth assessment by the LMS method against UK-WHO as RCPCH defines it
//! (REFERENCE §4): the UK90 preterm and birth data up to 2 weeks after term
//! (42 weeks postmenstrual age), the WHO Child Growth Standards (2006) from
//! 2 weeks to 4 years, and UK90 from 4 years ([`uk_who`]). A measurement is
//! read from one reference only, and centile lines are drawn in one segment
//! per reference, never joined across a change ([`centile_segments`]).
//! Every assessment names its reference and table and whether the age was
//! corrected. UK-WHO matches RCPCH's own implementation (rcpchgrowth) to
//! within 0.03 SDS on a committed comparison file
//! (`data/growth/rcpch-comparison/`).
//!
//! WHO 2006:
//!
//! - Data: the WHO 2006 LMS tables as tabulated by pygrowup 0.8.2
//!   (BSD-3-Clause, © UNICEF and contributors), credited "WHO Child Growth
//!   Standards (2006)". The JSON files live in `data/growth/who/` beside
//!   their licence and are embedded at compile time: nothing is read at run
//!   time, and each table is parsed once, on first use.
//! - Tables: weekly 0–13 weeks (used up to and including 91 days), then
//!   monthly to 60 months. Length (lying) is tabulated to 24 months and
//!   height (standing) from 24 months; BMI likewise switches table at 24
//!   months. L, M and S are interpolated between rows (cubic through the two
//!   rows each side, linear in the first and last intervals).
//! - SDS: z = ((X/M)^L − 1)/(L·S), or ln(X/M)/S when L = 0; centile = 100·Φ(z).
//!   The WHO ±3 SD restriction is not applied (UK-WHO does not use it).
//! - UK90: see [`uk90`]; the data are the Child Growth Foundation's, kept
//!   in `data/growth/uk90/` with their provenance and terms.
//! - Age: preterm babies are assessed at corrected age by the paper-chart
//!   rule, configurable ([`Prematurity`]): before term the corrected age is
//!   negative and read from the UK90 preterm data (from 23 weeks; length
//!   from 25 weeks; BMI only from 2 weeks after term, as UK-WHO has none
//!   before). Term babies are read at their age from birth.
//!
//! Errors never echo the measured value or any date.

mod normal;
pub mod uk90;

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use uk90::Uk90Table;

pub use crate::values::codes::GrowthSex;
pub use normal::normal_cdf;

/// Days per month in the WHO monthly tables (365.25 / 12).
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// The last age, in days, served by the weekly tables (13 weeks).
pub const WEEKLY_TABLE_LAST_DAY: f64 = 91.0;

/// The last whole day of the reference: 60 months is 1826.25 days.
const LAST_REFERENCE_DAY: i64 = 1826;

/// The first day (from birth at term, or corrected) read from WHO 2006:
/// 2 weeks after term. Earlier ages read UK90's preterm and birth data.
pub const WHO_FROM_DAY: i64 = 14;

/// The first day read from UK90's child data: 4 years (1461 days, 4.0
/// years of 365.25 days, as RCPCH counts).
pub const UK90_CHILD_FROM_DAY: i64 = 1461;

/// Days per year in decimal ages (RCPCH).
const DAYS_PER_YEAR: f64 = 365.25;

/// The nine UK-WHO centile lines, 2/3 SD apart: (centile, z).
pub const NINE_CENTILES: [(f64, f64); 9] = [
    (0.4, -8.0 / 3.0),
    (2.0, -2.0),
    (9.0, -4.0 / 3.0),
    (25.0, -2.0 / 3.0),
    (50.0, 0.0),
    (75.0, 2.0 / 3.0),
    (91.0, 4.0 / 3.0),
    (98.0, 2.0),
    (99.6, 8.0 / 3.0),
];

/// A growth measurement type with a WHO 2006 reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Weight (kg), birth to 5 years.
    Weight,
    /// Length, measured lying (cm), birth to 24 months.
    Length,
    /// Height, measured standing (cm), 24 months to 5 years.
    Height,
    /// Occipito-frontal head circumference (cm), birth to 5 years.
    HeadCircumference,
    /// Body mass index (kg/m²), birth to 5 years.
    Bmi,
}

impl Measure {
    /// Every measure, in display order.
    pub const ALL: [Measure; 5] = [
        Measure::Weight,
        Measure::Length,
        Measure::Height,
        Measure::HeadCircumference,
        Measure::Bmi,
    ];

    /// The unit the value is given in: "kg", "cm" or "kg/m2".
    pub fn unit(&self) -> &'static str {
        match self {
            Measure::Weight => "kg",
            Measure::Length | Measure::Height | Measure::HeadCircumference => "cm",
            Measure::Bmi => "kg/m2",
        }
    }

    /// The stored code (`weight`, `length`, `height`, `head-circumference`, `bmi`).
    pub fn code(&self) -> &'static str {
        match self {
            Measure::Weight => "weight",
            Measure::Length => "length",
            Measure::Height => "height",
            Measure::HeadCircumference => "head-circumference",
            Measure::Bmi => "bmi",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Measure, String> {
        Measure::ALL
            .into_iter()
            .find(|m| m.code() == s.trim())
            .ok_or_else(|| "must be weight, length, height, head-circumference or bmi".into())
    }

    /// A human-readable name.
    pub fn label(&self) -> &'static str {
        match self {
            Measure::Weight => "Weight",
            Measure::Length => "Length",
            Measure::Height => "Height",
            Measure::HeadCircumference => "Head circumference",
            Measure::Bmi => "BMI",
        }
    }
}

/// The LMS parameters at one age: Box-Cox power `l`, median `m` and
/// coefficient of variation `s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Lms {
    /// Box-Cox power.
    pub l: f64,
    /// Median.
    pub m: f64,
    /// Coefficient of variation.
    pub s: f64,
}

impl Lms {
    /// The SDS (z-score) of the measurement `x`: ((x/M)^L − 1)/(L·S), or
    /// ln(x/M)/S when L = 0. `z(M)` is exactly 0. NaN for `x ≤ 0`.
    pub fn z(&self, x: f64) -> f64 {
        let log_ratio = (x / self.m).ln();
        if self.l == 0.0 {
            log_ratio / self.s
        } else {
            // (x/M)^L − 1 computed as expm1(L·ln(x/M)): the same quantity,
            // without cancellation when L is close to 0.
            (self.l * log_ratio).exp_m1() / (self.l * self.s)
        }
    }

    /// The measurement at SDS `z`: M·(1 + L·S·z)^(1/L), or M·e^(S·z) when
    /// L = 0. `None` when 1 + L·S·z ≤ 0 (no such measurement) or the result
    /// is not finite.
    pub fn value_at(&self, z: f64) -> Option<f64> {
        let x = if self.l == 0.0 {
            self.m * (self.s * z).exp()
        } else {
            let b = self.l * self.s * z;
            if b.is_nan() || 1.0 + b <= 0.0 {
                return None;
            }
            // (1 + b)^(1/L) computed as exp(ln_1p(b)/L).
            self.m * (b.ln_1p() / self.l).exp()
        };
        x.is_finite().then_some(x)
    }
}

/// The three references UK-WHO is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum GrowthReference {
    /// UK90 preterm and birth data (to 2 weeks after term).
    Uk90Preterm,
    /// WHO Child Growth Standards 2006 (2 weeks to 4 years).
    Who2006,
    /// UK90 children (from 4 years).
    Uk90Child,
}

impl GrowthReference {
    /// Every reference, youngest ages first.
    pub const ALL: [GrowthReference; 3] = [
        GrowthReference::Uk90Preterm,
        GrowthReference::Who2006,
        GrowthReference::Uk90Child,
    ];

    /// The code it is serialised as.
    pub fn code(self) -> &'static str {
        match self {
            GrowthReference::Uk90Preterm => "uk90-preterm",
            GrowthReference::Who2006 => "who2006",
            GrowthReference::Uk90Child => "uk90-child",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            GrowthReference::Uk90Preterm => "UK90 preterm and birth",
            GrowthReference::Who2006 => "WHO 2006",
            GrowthReference::Uk90Child => "UK90 child",
        }
    }
}

/// Which table an LMS value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TableUsed {
    /// The reference the table belongs to.
    pub reference: GrowthReference,
    /// The measure the table is for.
    pub measure: Measure,
    /// True for a weekly (0–13 weeks) WHO table, false otherwise.
    pub weekly: bool,
    /// A human-readable name, e.g. "WHO 2006 weight-for-age (weekly, 0–13 weeks)".
    pub name: &'static str,
}

/// The result of assessing one measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Assessment {
    /// Chronological age in whole days (0 on the day of birth).
    pub age_days: i64,
    /// Corrected age in days, when gestational correction applied; the SDS
    /// was then computed at this age.
    pub corrected_age_days: Option<i64>,
    /// The table the LMS values came from.
    pub table: TableUsed,
    /// Standard deviation score (z-score).
    pub sds: f64,
    /// Centile, 0–100 (100·Φ(SDS)).
    pub centile: f64,
    /// The centile in the UK-WHO chart words ([`centile_words`]).
    pub centile_words: String,
    /// A caveat to show with the result, if any.
    pub note: Option<String>,
}

/// The child being measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Subject {
    /// The sex whose chart is used.
    pub sex: GrowthSex,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Completed weeks of gestation at birth, if known.
    pub gestation_weeks: Option<u8>,
    /// Extra days of gestation beyond the completed weeks (normally 0–6; any
    /// value is added as days). Taken as 0 when the weeks are known and this
    /// is not; ignored when the weeks are not known.
    pub gestation_days: Option<u8>,
}

/// Thresholds for gestational correction (REFERENCE §4.1, paper-chart rule).
///
/// A baby born before `correct_below_weeks` is assessed at corrected age =
/// chronological age − (280 − gestation in days) days, up to and including
/// chronological day `until_days_if_very_preterm` if born before
/// `very_preterm_below_weeks`, otherwise up to and including chronological
/// day `until_days_if_32_to_36`. Term births and unknown gestations are
/// assessed at chronological age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Prematurity {
    /// Correct only births before this many completed weeks (37).
    pub correct_below_weeks: u8,
    /// Last chronological day of correction for births at 32–36+6 weeks (365).
    pub until_days_if_32_to_36: i64,
    /// Births before this many weeks are very preterm (32).
    pub very_preterm_below_weeks: u8,
    /// Last chronological day of correction for very preterm births (730).
    pub until_days_if_very_preterm: i64,
}

impl Default for Prematurity {
    fn default() -> Self {
        Prematurity {
            correct_below_weeks: 37,
            until_days_if_32_to_36: 365,
            very_preterm_below_weeks: 32,
            until_days_if_very_preterm: 730,
        }
    }
}

/// Why a measurement could not be assessed. Messages never include the
/// measured value or any date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GrowthError {
    /// The measurement date is before the date of birth.
    #[error("the measurement date is before the date of birth")]
    BeforeBirth,
    /// The (corrected) age is before the reference for this measure: the
    /// UK90 preterm data start at 23 weeks' gestation (length at 25
    /// weeks), and BMI has no reference before 2 weeks after term.
    #[error(
        "the age is before the UK-WHO reference for this measurement (from 23 weeks' \
         gestation; length from 25 weeks; BMI from 2 weeks after term)"
    )]
    BeforeReference,
    /// The age is outside the reference for this measure (length after 2
    /// years, height before 2 years, after 20 years).
    #[error(
        "the age is outside the UK-WHO reference for this measurement \
         (length to 2 years, height from 2 years, to 20 years)"
    )]
    BeyondReference,
    /// The measured value is zero, negative or not a number.
    #[error("the measurement must be a positive number")]
    NotPositive,
}

/// BMI (kg/m²) from weight in kilograms and height or length in centimetres.
pub fn bmi(weight_kg: f64, height_cm: f64) -> f64 {
    let metres = height_cm / 100.0;
    weight_kg / (metres * metres)
}

/// The LMS values for `measure` at `age_days` (days from birth, or from term
/// for a corrected age), and the table they came from.
///
/// Up to and including 91 days (13 weeks) the weekly table is used (age in
/// weeks = days/7), after that the monthly table (months = days/30.4375):
/// length to 24 months, height from 24 months, BMI from the 0–2 table up to
/// and including 24 months then the 2–5 table. `None` outside the measure's
/// range (negative or NaN age, height before 24 months, length after 24
/// months, anything after 60 months). See [`WhoTable::choose`].
pub fn lms(measure: Measure, sex: GrowthSex, age_days: f64) -> Option<(Lms, TableUsed)> {
    let table = WhoTable::choose(measure, age_days)?;
    Some((table.lms(sex, age_days)?, table.used()))
}

/// The LMS values of UK-WHO for `measure` at `age_days` (from birth at
/// term, or corrected: negative before term), from the one reference that
/// covers the age: UK90 preterm and birth before [`WHO_FROM_DAY`], WHO 2006
/// (via [`lms`]) to the day before [`UK90_CHILD_FROM_DAY`], UK90 child
/// after. Length is lying (to 2 years), height standing (from 2 years);
/// before 2 weeks after term the UK90 data are lengths.
pub fn uk_who(
    measure: Measure,
    sex: GrowthSex,
    age_days: i64,
) -> Result<(Lms, TableUsed), GrowthError> {
    let years = age_days as f64 / DAYS_PER_YEAR;
    let uk90 = |table: Uk90Table, reference, name| {
        table.lms(measure, sex, years).map(|l| {
            (
                l,
                TableUsed {
                    reference,
                    measure,
                    weekly: false,
                    name,
                },
            )
        })
    };
    if age_days < WHO_FROM_DAY {
        if matches!(measure, Measure::Bmi) {
            return Err(GrowthError::BeforeReference);
        }
        if matches!(measure, Measure::Height) {
            return Err(GrowthError::BeyondReference);
        }
        let name = match measure {
            Measure::Weight => "UK90 preterm and birth weight (23–42 weeks)",
            Measure::HeadCircumference => "UK90 preterm and birth head circumference (23–42 weeks)",
            _ => "UK90 preterm and birth length (25–42 weeks)",
        };
        return uk90(Uk90Table::Preterm, GrowthReference::Uk90Preterm, name)
            .ok_or(GrowthError::BeforeReference);
    }
    if age_days < UK90_CHILD_FROM_DAY {
        return lms(measure, sex, age_days as f64).ok_or(GrowthError::BeyondReference);
    }
    let name = match measure {
        Measure::Weight => "UK90 child weight (4–20 years)",
        Measure::Height => "UK90 child height (4–20 years)",
        Measure::HeadCircumference => "UK90 child head circumference (4–18 years)",
        Measure::Bmi => "UK90 child BMI (4–20 years)",
        Measure::Length => return Err(GrowthError::BeyondReference),
    };
    uk90(Uk90Table::Child, GrowthReference::Uk90Child, name).ok_or(GrowthError::BeyondReference)
}

/// The chronological age in days and, when gestational correction applies
/// under the default [`Prematurity`] rule, the corrected age in days.
///
/// The corrected age is negative before term (read from the UK90 preterm
/// data).
pub fn age_for_reference(
    subject: &Subject,
    on: NaiveDate,
) -> Result<(i64, Option<i64>), GrowthError> {
    age_for_reference_with(subject, on, &Prematurity::default())
}

/// [`age_for_reference`] with explicit correction thresholds.
pub fn age_for_reference_with(
    subject: &Subject,
    on: NaiveDate,
    rule: &Prematurity,
) -> Result<(i64, Option<i64>), GrowthError> {
    let chronological = (on - subject.date_of_birth).num_days();
    if chronological < 0 {
        return Err(GrowthError::BeforeBirth);
    }
    let Some(weeks) = subject.gestation_weeks else {
        return Ok((chronological, None));
    };
    let gestation = i64::from(weeks) * 7 + i64::from(subject.gestation_days.unwrap_or(0));
    if gestation >= i64::from(rule.correct_below_weeks) * 7 {
        return Ok((chronological, None));
    }
    let until = if gestation < i64::from(rule.very_preterm_below_weeks) * 7 {
        rule.until_days_if_very_preterm
    } else {
        rule.until_days_if_32_to_36
    };
    if chronological > until {
        return Ok((chronological, None));
    }
    Ok((chronological, Some(chronological - (280 - gestation))))
}

/// Assesses one measurement under the default [`Prematurity`] rule.
pub fn assess(
    subject: &Subject,
    measure: Measure,
    measured_on: NaiveDate,
    value: f64,
) -> Result<Assessment, GrowthError> {
    assess_with(
        subject,
        measure,
        measured_on,
        value,
        &Prematurity::default(),
    )
}

/// Assesses one measurement (in [`Measure::unit`]) taken on `measured_on`,
/// at corrected age when `rule` says so.
pub fn assess_with(
    subject: &Subject,
    measure: Measure,
    measured_on: NaiveDate,
    value: f64,
    rule: &Prematurity,
) -> Result<Assessment, GrowthError> {
    if !value.is_finite() || value <= 0.0 {
        return Err(GrowthError::NotPositive);
    }
    let (age_days, corrected_age_days) = age_for_reference_with(subject, measured_on, rule)?;
    let reference_age = corrected_age_days.unwrap_or(age_days);
    let (found, table) = uk_who(measure, subject.sex, reference_age)?;
    let sds = found.z(value);
    Ok(Assessment {
        age_days,
        corrected_age_days,
        table,
        sds,
        centile: 100.0 * normal_cdf(sds),
        centile_words: centile_words(sds),
        note: corrected_age_days.map(|c| {
            format!(
                "at corrected age ({}); {}",
                if c < 0 {
                    format!("{} weeks' gestation", (280 + c).div_euclid(7))
                } else {
                    format!("{c} days after term")
                },
                table.reference.label()
            )
        }),
    })
}

/// The centile lines of the UK-WHO charts, lowest first: label and SDS.
pub const CENTILE_LINES: [(&str, f64); 9] = [
    ("0.4th", -2.67),
    ("2nd", -2.0),
    ("9th", -1.33),
    ("25th", -0.67),
    ("50th", 0.0),
    ("75th", 0.67),
    ("91st", 1.33),
    ("98th", 2.0),
    ("99.6th", 2.67),
];

/// A centile in the UK-WHO chart words: on a line when within a quarter of
/// a centile space of it ("50th centile"), else between the two lines it
/// falls between ("between the 9th and 25th centiles"), or beyond the
/// outermost ("below the 0.4th centile").
pub fn centile_words(sds: f64) -> String {
    let quarter = 0.67 / 4.0;
    if let Some((label, _)) = CENTILE_LINES
        .iter()
        .find(|(_, z)| (sds - z).abs() <= quarter)
    {
        return format!("{label} centile");
    }
    let (lowest, highest) = (CENTILE_LINES[0], CENTILE_LINES[CENTILE_LINES.len() - 1]);
    if sds < lowest.1 {
        return format!("below the {} centile", lowest.0);
    }
    if sds > highest.1 {
        return format!("above the {} centile", highest.0);
    }
    CENTILE_LINES
        .windows(2)
        .find(|w| sds > w[0].1 && sds < w[1].1)
        .map(|w| format!("between the {} and {} centiles", w[0].0, w[1].0))
        .unwrap_or_else(|| format!("SDS {sds:+.2}"))
}

/// The day from which a child born on `dob` is measured standing (height)
/// rather than lying (length): the second birthday (28 February for a
/// child born on 29 February).
pub fn standing_from(dob: NaiveDate) -> NaiveDate {
    dob.checked_add_months(chrono::Months::new(24))
        .unwrap_or(NaiveDate::MAX)
}

/// The UK-WHO line at SDS `z` from `from_days` to `to_days` (ages from
/// term: negative before), every `step_days` plus each reference's first
/// and last day in range and `to_days`, as one segment per reference: the
/// line is never joined across a change of reference (2 weeks after term,
/// 4 years). Ages the measure has no reference for are left out.
pub fn centile_segments(
    measure: Measure,
    sex: GrowthSex,
    z: f64,
    from_days: i64,
    to_days: i64,
    step_days: i64,
) -> Vec<Vec<(i64, f64)>> {
    let mut out: Vec<Vec<(i64, f64)>> = Vec::new();
    if step_days <= 0 || from_days > to_days {
        return out;
    }
    // No reference before 23 weeks or after 20 years.
    let (first, last) = (
        from_days.max(23 * 7 - 280),
        to_days.min((20.0 * DAYS_PER_YEAR) as i64),
    );
    let mut days: Vec<i64> = (0..)
        .map(|i: i64| first.saturating_add(i.saturating_mul(step_days)))
        .take_while(|d| *d <= last)
        .collect();
    // Each reference's ends, so a segment reaches its boundary.
    days.extend(
        [
            WHO_FROM_DAY - 1,
            WHO_FROM_DAY,
            UK90_CHILD_FROM_DAY - 1,
            UK90_CHILD_FROM_DAY,
            last,
        ]
        .into_iter()
        .filter(|d| (first..=last).contains(d)),
    );
    days.sort_unstable();
    days.dedup();
    let mut current: Option<GrowthReference> = None;
    for day in days {
        let Ok((l, table)) = uk_who(measure, sex, day) else {
            current = None;
            continue;
        };
        let Some(value) = l.value_at(z) else {
            current = None;
            continue;
        };
        if current != Some(table.reference) {
            out.push(Vec::new());
            current = Some(table.reference);
        }
        out.last_mut()
            .expect("a segment was started")
            .push((day, value));
    }
    out
}

/// Points `(age in days, value)` of the WHO 2006 line at SDS `z`, for
/// drawing a WHO centile line: every `step_days` from `from_days`, plus `to_days` itself.
/// Ages outside the measure's reference (or where the line is undefined)
/// are left out. Empty when `step_days ≤ 0` or `from_days > to_days`.
pub fn centile_line(
    measure: Measure,
    sex: GrowthSex,
    z: f64,
    from_days: i64,
    to_days: i64,
    step_days: i64,
) -> Vec<(i64, f64)> {
    let mut out = Vec::new();
    if step_days <= 0 || from_days > to_days {
        return out;
    }
    let mut push = |day: i64| {
        if let Some(value) = lms(measure, sex, day as f64).and_then(|(l, _)| l.value_at(z)) {
            out.push((day, value));
        }
    };
    // Only days 0..=1826 (60 months) can give points: start at the first
    // step at or after day 0 and stop after the last reference day, so a
    // wide range costs nothing.
    let (from, step) = (i128::from(from_days), i128::from(step_days));
    let start = if from < 0 {
        from + (-from + step - 1) / step * step
    } else {
        from
    };
    let Ok(mut day) = i64::try_from(start) else {
        return out;
    };
    let stop = to_days.min(LAST_REFERENCE_DAY + 1);
    while day < stop {
        push(day);
        day = match day.checked_add(step_days) {
            Some(next) => next,
            None => break,
        };
    }
    push(to_days);
    out
}

// ---------------------------------------------------------------------------
// Tables.

/// One WHO 2006 table (each exists for boys and girls). [`lms`] picks the
/// table by age; [`WhoTable::lms`] reads a given table, e.g. to compare the
/// weekly and monthly tables over the first 13 weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WhoTable {
    /// Weight-for-age, weekly, 0–13 weeks (`wfa_*_0_13`).
    WeightWeekly,
    /// Weight-for-age, monthly, 0–60 months (`wfa_*_0_5`).
    WeightMonthly,
    /// Length-for-age, weekly, 0–13 weeks (`lhfa_*_0_13`).
    LengthWeekly,
    /// Length-for-age, monthly, 0–24 months (`lhfa_*_0_2`).
    LengthMonthly,
    /// Height-for-age, monthly, 24–60 months (`lhfa_*_2_5`).
    HeightMonthly,
    /// Head circumference-for-age, weekly, 0–13 weeks (`hcfa_*_0_13`).
    HeadWeekly,
    /// Head circumference-for-age, monthly, 0–60 months (`hcfa_*_0_5`).
    HeadMonthly,
    /// BMI-for-age, weekly, 0–13 weeks (`bmifa_*_0_13`).
    BmiWeekly,
    /// BMI-for-age, monthly, 0–24 months (`bmifa_*_0_2`).
    BmiMonthly0To2,
    /// BMI-for-age, monthly, 24–60 months (`bmifa_*_2_5`).
    BmiMonthly2To5,
}

impl WhoTable {
    /// Every table.
    pub const ALL: [WhoTable; 10] = [
        WhoTable::WeightWeekly,
        WhoTable::WeightMonthly,
        WhoTable::LengthWeekly,
        WhoTable::LengthMonthly,
        WhoTable::HeightMonthly,
        WhoTable::HeadWeekly,
        WhoTable::HeadMonthly,
        WhoTable::BmiWeekly,
        WhoTable::BmiMonthly0To2,
        WhoTable::BmiMonthly2To5,
    ];

    /// The table [`lms`] uses for `measure` at `age_days`: weekly up to and
    /// including 91 days, monthly after (BMI: the 0–2 table up to and
    /// including 24 months). `None` for height in the first 13 weeks and for
    /// a negative or NaN age; other range checks are left to
    /// [`WhoTable::lms`].
    pub fn choose(measure: Measure, age_days: f64) -> Option<WhoTable> {
        use WhoTable::*;
        if age_days.is_nan() || age_days < 0.0 {
            return None;
        }
        let weekly = age_days <= WEEKLY_TABLE_LAST_DAY;
        Some(match (measure, weekly) {
            (Measure::Weight, true) => WeightWeekly,
            (Measure::Weight, false) => WeightMonthly,
            (Measure::Length, true) => LengthWeekly,
            (Measure::Length, false) => LengthMonthly,
            (Measure::Height, true) => return None,
            (Measure::Height, false) => HeightMonthly,
            (Measure::HeadCircumference, true) => HeadWeekly,
            (Measure::HeadCircumference, false) => HeadMonthly,
            (Measure::Bmi, true) => BmiWeekly,
            (Measure::Bmi, false) if age_days / DAYS_PER_MONTH <= 24.0 => BmiMonthly0To2,
            (Measure::Bmi, false) => BmiMonthly2To5,
        })
    }

    /// True for the weekly (0–13 weeks) tables.
    pub fn is_weekly(self) -> bool {
        self.used().weekly
    }

    /// Days per table row: 7 for weekly tables, 30.4375 for monthly ones.
    pub fn days_per_row(self) -> f64 {
        if self.is_weekly() {
            7.0
        } else {
            DAYS_PER_MONTH
        }
    }

    /// L, M and S from this table at `age_days`, interpolated between rows
    /// (exact row ages return the row; cubic through the two rows each side;
    /// linear in the first and last intervals). `None` outside the table's
    /// own range (the weekly tables cover 0–91 days; the monthly ones their
    /// published months, including the first 13 weeks).
    pub fn lms(self, sex: GrowthSex, age_days: f64) -> Option<Lms> {
        interpolate(rows(self, sex), age_days / self.days_per_row())
    }

    /// Which table this is, for display.
    pub fn used(self) -> TableUsed {
        use WhoTable::*;
        let (measure, weekly, name) = match self {
            WeightWeekly => (
                Measure::Weight,
                true,
                "WHO 2006 weight-for-age (weekly, 0–13 weeks)",
            ),
            WeightMonthly => (
                Measure::Weight,
                false,
                "WHO 2006 weight-for-age (monthly, 0–60 months)",
            ),
            LengthWeekly => (
                Measure::Length,
                true,
                "WHO 2006 length-for-age (weekly, 0–13 weeks)",
            ),
            LengthMonthly => (
                Measure::Length,
                false,
                "WHO 2006 length-for-age (monthly, 0–24 months)",
            ),
            HeightMonthly => (
                Measure::Height,
                false,
                "WHO 2006 height-for-age (monthly, 24–60 months)",
            ),
            HeadWeekly => (
                Measure::HeadCircumference,
                true,
                "WHO 2006 head circumference-for-age (weekly, 0–13 weeks)",
            ),
            HeadMonthly => (
                Measure::HeadCircumference,
                false,
                "WHO 2006 head circumference-for-age (monthly, 0–60 months)",
            ),
            BmiWeekly => (
                Measure::Bmi,
                true,
                "WHO 2006 BMI-for-age (weekly, 0–13 weeks)",
            ),
            BmiMonthly0To2 => (
                Measure::Bmi,
                false,
                "WHO 2006 BMI-for-age (monthly, 0–24 months)",
            ),
            BmiMonthly2To5 => (
                Measure::Bmi,
                false,
                "WHO 2006 BMI-for-age (monthly, 24–60 months)",
            ),
        };
        TableUsed {
            reference: GrowthReference::Who2006,
            measure,
            weekly,
            name,
        }
    }

    /// The embedded JSON for this table and sex.
    fn source(self, sex: GrowthSex) -> &'static str {
        use WhoTable::*;
        macro_rules! who {
            ($file:literal) => {
                include_str!(concat!("../../../../data/growth/who/", $file))
            };
        }
        match (self, sex) {
            (WeightWeekly, GrowthSex::Male) => who!("wfa_boys_0_13_zscores.json"),
            (WeightWeekly, GrowthSex::Female) => who!("wfa_girls_0_13_zscores.json"),
            (WeightMonthly, GrowthSex::Male) => who!("wfa_boys_0_5_zscores.json"),
            (WeightMonthly, GrowthSex::Female) => who!("wfa_girls_0_5_zscores.json"),
            (LengthWeekly, GrowthSex::Male) => who!("lhfa_boys_0_13_zscores.json"),
            (LengthWeekly, GrowthSex::Female) => who!("lhfa_girls_0_13_zscores.json"),
            (LengthMonthly, GrowthSex::Male) => who!("lhfa_boys_0_2_zscores.json"),
            (LengthMonthly, GrowthSex::Female) => who!("lhfa_girls_0_2_zscores.json"),
            (HeightMonthly, GrowthSex::Male) => who!("lhfa_boys_2_5_zscores.json"),
            (HeightMonthly, GrowthSex::Female) => who!("lhfa_girls_2_5_zscores.json"),
            (HeadWeekly, GrowthSex::Male) => who!("hcfa_boys_0_13_zscores.json"),
            (HeadWeekly, GrowthSex::Female) => who!("hcfa_girls_0_13_zscores.json"),
            (HeadMonthly, GrowthSex::Male) => who!("hcfa_boys_0_5_zscores.json"),
            (HeadMonthly, GrowthSex::Female) => who!("hcfa_girls_0_5_zscores.json"),
            (BmiWeekly, GrowthSex::Male) => who!("bmifa_boys_0_13_zscores.json"),
            (BmiWeekly, GrowthSex::Female) => who!("bmifa_girls_0_13_zscores.json"),
            (BmiMonthly0To2, GrowthSex::Male) => who!("bmifa_boys_0_2_zscores.json"),
            (BmiMonthly0To2, GrowthSex::Female) => who!("bmifa_girls_0_2_zscores.json"),
            (BmiMonthly2To5, GrowthSex::Male) => who!("bmifa_boys_2_5_zscores.json"),
            (BmiMonthly2To5, GrowthSex::Female) => who!("bmifa_girls_2_5_zscores.json"),
        }
    }
}

/// One table row: age (weeks, months or years, in the table's unit) and
/// its LMS values.
#[derive(Debug, Clone, Copy)]
struct Row {
    age: f64,
    lms: Lms,
}

/// A row as stored in the JSON files: every value is a string; other
/// columns (the SD lines) are ignored.
#[derive(Deserialize)]
struct RawRow {
    #[serde(rename = "Week", alias = "Month")]
    age: String,
    #[serde(rename = "L")]
    l: String,
    #[serde(rename = "M")]
    m: String,
    #[serde(rename = "S")]
    s: String,
}

/// The parsed rows of a table, parsed on first use.
fn rows(table: WhoTable, sex: GrowthSex) -> &'static [Row] {
    const COUNT: usize = 2 * WhoTable::ALL.len();
    static TABLES: [OnceLock<Vec<Row>>; COUNT] = [const { OnceLock::new() }; COUNT];
    let slot = table as usize * 2 + usize::from(sex == GrowthSex::Female);
    TABLES[slot].get_or_init(|| parse(table.source(sex)))
}

/// Parses an embedded table. The data are fixed at compile time and every
/// table is exercised by the tests, so malformed data is a build defect.
fn parse(json: &str) -> Vec<Row> {
    let raw: Vec<RawRow> =
        serde_json::from_str(json).expect("embedded WHO growth table is valid JSON");
    let number = |text: &str| -> f64 {
        text.trim()
            .parse()
            .expect("embedded WHO growth table holds numbers")
    };
    let rows: Vec<Row> = raw
        .iter()
        .map(|r| Row {
            age: number(&r.age),
            lms: Lms {
                l: number(&r.l),
                m: number(&r.m),
                s: number(&r.s),
            },
        })
        .collect();
    assert!(
        rows.len() >= 4 && rows.windows(2).all(|w| w[0].age < w[1].age),
        "embedded WHO growth table has at least four rows in ascending age order"
    );
    rows
}

/// L, M and S at `age` (table units). Exact row ages return the row; inside
/// the table a cubic (4-point Lagrange) through the two rows each side;
/// in the first and last intervals, linear. `None` outside the table.
fn interpolate(rows: &[Row], age: f64) -> Option<Lms> {
    let first = rows.first()?;
    let last = rows.last()?;
    if age.is_nan() || age < first.age || age > last.age {
        return None;
    }
    // Index of the first row at or after `age`.
    let after = rows.partition_point(|r| r.age < age);
    let next = rows.get(after)?;
    if next.age == age {
        return Some(next.lms);
    }
    // `age` lies strictly between rows[lower] and rows[lower + 1].
    let lower = after - 1;
    let window: &[Row] = if lower == 0 || lower + 2 == rows.len() {
        &rows[lower..=lower + 1]
    } else {
        &rows[lower - 1..=lower + 2]
    };
    let mut out = Lms {
        l: 0.0,
        m: 0.0,
        s: 0.0,
    };
    for (j, row) in window.iter().enumerate() {
        let weight: f64 = window
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != j)
            .map(|(_, other)| (age - other.age) / (row.age - other.age))
            .product();
        out.l += weight * row.lms.l;
        out.m += weight * row.lms.m;
        out.s += weight * row.lms.s;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centiles_are_said_in_the_chart_words() {
        assert_eq!(centile_words(0.05), "50th centile");
        assert_eq!(centile_words(-1.0), "between the 9th and 25th centiles");
        assert_eq!(centile_words(-3.5), "below the 0.4th centile");
        assert_eq!(centile_words(2.9), "above the 99.6th centile");
        assert_eq!(centile_words(2.1), "98th centile");
    }

    #[test]
    fn height_is_measured_standing_from_the_second_birthday() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(standing_from(d("2024-11-22")), d("2026-11-22"));
        assert_eq!(standing_from(d("2024-02-29")), d("2026-02-28"));
    }
}
