//! UK-WHO against RCPCH's own implementation: every row of the committed
//! comparison file (`data/growth/rcpch-comparison/uk-who.csv`, made by the
//! script beside it with rcpchgrowth 4.6.5) is assessed through the public
//! API with the default prematurity rule. The SDS must agree within 0.03 on
//! every row, and so must the reference used (UK90 preterm, WHO 2006, UK90
//! child) and whether the age was corrected. The file covers preterm babies
//! before term, term births, term infancy, preterm babies on both sides of
//! the correction limits, 2–4 years and 4–5 years, with rows a day either
//! side of every change of reference.

use chrono::NaiveDate;
use doorstep_domain::clinical::growth::{assess, GrowthReference, GrowthSex, Measure, Subject};

const FILE: &str = include_str!("../../../data/growth/rcpch-comparison/uk-who.csv");

/// The largest SDS difference allowed on any row (the bound).
const TOLERANCE: f64 = 0.03;

#[test]
fn uk_who_matches_rcpchgrowth_on_every_row() {
    let mut lines = FILE.lines();
    assert_eq!(
        lines.next(),
        Some("case,sex,birth_date,gestation_weeks,gestation_days,observation_date,measure,value,chronological_age_days,corrected_age_days,age_used,reference,sds,centile")
    );
    let (mut rows, mut worst) = (0, 0.0f64);
    let mut seen = std::collections::HashSet::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 14, "{line}");
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let subject = Subject {
            sex: match f[1] {
                "male" => GrowthSex::Male,
                "female" => GrowthSex::Female,
                other => panic!("sex {other}"),
            },
            date_of_birth: date(f[2]),
            gestation_weeks: Some(f[3].parse().unwrap()),
            gestation_days: Some(f[4].parse().unwrap()),
        };
        let corrected = f[10] == "corrected";
        let age_used: i64 = if corrected {
            f[9].parse().unwrap()
        } else {
            f[8].parse().unwrap()
        };
        // rcpchgrowth's "height" is lying length before 2 years.
        let measure = match f[6] {
            "weight" => Measure::Weight,
            "height" if age_used <= 730 => Measure::Length,
            "height" => Measure::Height,
            "ofc" => Measure::HeadCircumference,
            "bmi" => Measure::Bmi,
            other => panic!("measure {other}"),
        };
        let a = assess(&subject, measure, date(f[5]), f[7].parse().unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", f[0]));
        assert_eq!(a.corrected_age_days.is_some(), corrected, "{line}");
        if corrected {
            assert_eq!(a.corrected_age_days, Some(age_used), "{line}");
        }
        let reference = match f[11] {
            "uk90-preterm" => GrowthReference::Uk90Preterm,
            "who-2006" => GrowthReference::Who2006,
            "uk90-child" => GrowthReference::Uk90Child,
            other => panic!("reference {other}"),
        };
        assert_eq!(a.table.reference, reference, "{line}");
        let want: f64 = f[12].parse().unwrap();
        let diff = (a.sds - want).abs();
        assert!(
            diff <= TOLERANCE,
            "{}: SDS {:.6}, rcpchgrowth {want} (|Δ| {diff:.4})",
            f[0],
            a.sds
        );
        worst = worst.max(diff);
        seen.insert(reference);
        rows += 1;
    }
    assert!(rows >= 300, "only {rows} rows");
    assert_eq!(seen.len(), 3, "every reference is compared");
    println!("{rows} rows; largest |ΔSDS| {worst:.5}");
}
