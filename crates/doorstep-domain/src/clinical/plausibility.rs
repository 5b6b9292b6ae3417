//! Measurement plausibility: values that cannot be right are refused, and
//! values that are very unusual for the child's age need confirming. Both
//! say why, e.g. "weight 45 kg is impossible for a child aged 3 weeks".
//!
//! The rule uses the WHO SDS where a reference applies (more than 6 SD from
//! the median is impossible, more than 4 SD implausible) and absolute bounds
//! everywhere.

use chrono::NaiveDate;

use crate::clinical::growth::{self, Measure, Subject};
use crate::record::family::Person;
use crate::values::codes::MemberRole;

/// SDS beyond which a value is refused.
pub const IMPOSSIBLE_SDS: f64 = 6.0;
/// SDS beyond which a value needs confirming.
pub const IMPLAUSIBLE_SDS: f64 = 4.0;

/// Months from which a child is measured standing (height), not lying
/// (length): from the second birthday.
pub const HEIGHT_FROM_MONTHS: u32 = 24;

fn bounds(measure: Measure) -> (f64, f64) {
    match measure {
        Measure::Weight => (0.2, 80.0),
        Measure::Length | Measure::Height => (20.0, 150.0),
        Measure::HeadCircumference => (15.0, 65.0),
        Measure::Bmi => (5.0, 50.0),
    }
}

/// "4 days", "3 weeks", "5 months", "2 years 3 months".
pub fn describe_age(days: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if days < 14 {
        plural(days, "day")
    } else if days < 91 {
        plural(days / 7, "week")
    } else if days < 730 {
        plural((days as f64 / 30.4375) as i64, "month")
    } else {
        let months = (days as f64 / 30.4375) as i64;
        if months % 12 == 0 {
            plural(months / 12, "year")
        } else {
            format!(
                "{} {}",
                plural(months / 12, "year"),
                plural(months % 12, "month")
            )
        }
    }
}

fn show(value: f64, measure: Measure) -> String {
    let v = format!("{value:.3}");
    let v = v.trim_end_matches('0').trim_end_matches('.');
    format!("{} {v} {}", measure.label().to_lowercase(), measure.unit())
}

/// Checks one measurement of `child` on `on`. `Err` = impossible (refuse);
/// `Ok(Some(reason))` = implausible (needs confirmation); `Ok(None)` = fine.
pub fn check(
    child: &Person,
    measure: Measure,
    value: f64,
    on: NaiveDate,
) -> Result<Option<String>, String> {
    if child.role != MemberRole::Child {
        return Err("can only be recorded for a born child".into());
    }
    let Some(dob) = child.date_of_birth else {
        return Err("needs the child's date of birth".into());
    };
    let age = (on - dob).num_days();
    if age < 0 {
        return Err("is dated before the child was born".into());
    }
    let standing = dob
        .checked_add_months(chrono::Months::new(HEIGHT_FROM_MONTHS))
        .is_some_and(|d| on >= d);
    if measure == Measure::Height && !standing {
        return Err("height is measured standing from 2 years: record length (lying down) for a child under 2".into());
    }
    if measure == Measure::Length && standing {
        return Err("length is measured lying down under 2 years: record height (standing) for a child of 2 or over".into());
    }
    let (lo, hi) = bounds(measure);
    let what = show(value, measure);
    let aged = describe_age(age);
    if !value.is_finite() || value < lo || value > hi {
        return Err(format!(
            "{what} is impossible for a child aged {aged} (outside {lo}–{hi} {})",
            measure.unit()
        ));
    }
    let Some(sex) = child.sex.and_then(|s| s.growth_sex()) else {
        return Ok(None);
    };
    let subject = Subject {
        sex,
        date_of_birth: dob,
        gestation_weeks: child.gestation_weeks,
        gestation_days: child.gestation_days,
    };
    let Ok(a) = growth::assess(&subject, measure, on, value) else {
        return Ok(None);
    };
    let sds = format!("SDS {:+.1}", a.sds);
    if a.sds.abs() > IMPOSSIBLE_SDS {
        Err(format!(
            "{what} is impossible for a child aged {aged} ({sds})"
        ))
    } else if a.sds.abs() > IMPLAUSIBLE_SDS {
        Ok(Some(format!(
            "{what} is implausible for a child aged {aged} ({sds})"
        )))
    } else {
        Ok(None)
    }
}
