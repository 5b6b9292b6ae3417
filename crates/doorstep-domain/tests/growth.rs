//! Integration tests for `doorstep_domain::clinical::growth` (UK-WHO by LMS: WHO 2006 and
//! UK90; the comparison with RCPCH's implementation is `growth_rcpch.rs`), through
//! the public API only: every published row of every shipped table is
//! reproduced, interpolation has no jumps, the weekly/monthly switch is at
//! 13 weeks, corrected age follows the paper-chart rule, Φ is accurate, and
//! invalid input is refused.
//!
//! The test reads the same JSON files as the crate (embedded here too), so
//! the expected values are the published ones, not the crate's parse.

use chrono::{Days, NaiveDate};
use doorstep_domain::clinical::growth::{
    age_for_reference, assess, assess_with, bmi, centile_line, centile_segments, lms, normal_cdf,
    uk_who, GrowthError, GrowthReference, GrowthSex, Lms, Measure, Prematurity, Subject, WhoTable,
    DAYS_PER_MONTH, NINE_CENTILES,
};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------
// The shipped tables, as published.

/// One shipped JSON file and what it should be served as.
struct File {
    file: &'static str,
    json: &'static str,
    table: WhoTable,
    measure: Measure,
    sex: GrowthSex,
    weekly: bool,
    name: &'static str,
}

macro_rules! shipped {
    ($file:literal, $table:ident, $measure:ident, $sex:ident, $weekly:literal, $name:expr) => {
        File {
            file: $file,
            json: include_str!(concat!("../../../data/growth/who/", $file)),
            table: WhoTable::$table,
            measure: Measure::$measure,
            sex: GrowthSex::$sex,
            weekly: $weekly,
            name: $name,
        }
    };
}

fn files() -> Vec<File> {
    const WFA_W: &str = "WHO 2006 weight-for-age (weekly, 0–13 weeks)";
    const WFA_M: &str = "WHO 2006 weight-for-age (monthly, 0–60 months)";
    const LEN_W: &str = "WHO 2006 length-for-age (weekly, 0–13 weeks)";
    const LEN_M: &str = "WHO 2006 length-for-age (monthly, 0–24 months)";
    const HGT_M: &str = "WHO 2006 height-for-age (monthly, 24–60 months)";
    const HC_W: &str = "WHO 2006 head circumference-for-age (weekly, 0–13 weeks)";
    const HC_M: &str = "WHO 2006 head circumference-for-age (monthly, 0–60 months)";
    const BMI_W: &str = "WHO 2006 BMI-for-age (weekly, 0–13 weeks)";
    const BMI_02: &str = "WHO 2006 BMI-for-age (monthly, 0–24 months)";
    const BMI_25: &str = "WHO 2006 BMI-for-age (monthly, 24–60 months)";
    vec![
        shipped!(
            "wfa_boys_0_13_zscores.json",
            WeightWeekly,
            Weight,
            Male,
            true,
            WFA_W
        ),
        shipped!(
            "wfa_girls_0_13_zscores.json",
            WeightWeekly,
            Weight,
            Female,
            true,
            WFA_W
        ),
        shipped!(
            "wfa_boys_0_5_zscores.json",
            WeightMonthly,
            Weight,
            Male,
            false,
            WFA_M
        ),
        shipped!(
            "wfa_girls_0_5_zscores.json",
            WeightMonthly,
            Weight,
            Female,
            false,
            WFA_M
        ),
        shipped!(
            "lhfa_boys_0_13_zscores.json",
            LengthWeekly,
            Length,
            Male,
            true,
            LEN_W
        ),
        shipped!(
            "lhfa_girls_0_13_zscores.json",
            LengthWeekly,
            Length,
            Female,
            true,
            LEN_W
        ),
        shipped!(
            "lhfa_boys_0_2_zscores.json",
            LengthMonthly,
            Length,
            Male,
            false,
            LEN_M
        ),
        shipped!(
            "lhfa_girls_0_2_zscores.json",
            LengthMonthly,
            Length,
            Female,
            false,
            LEN_M
        ),
        shipped!(
            "lhfa_boys_2_5_zscores.json",
            HeightMonthly,
            Height,
            Male,
            false,
            HGT_M
        ),
        shipped!(
            "lhfa_girls_2_5_zscores.json",
            HeightMonthly,
            Height,
            Female,
            false,
            HGT_M
        ),
        shipped!(
            "hcfa_boys_0_13_zscores.json",
            HeadWeekly,
            HeadCircumference,
            Male,
            true,
            HC_W
        ),
        shipped!(
            "hcfa_girls_0_13_zscores.json",
            HeadWeekly,
            HeadCircumference,
            Female,
            true,
            HC_W
        ),
        shipped!(
            "hcfa_boys_0_5_zscores.json",
            HeadMonthly,
            HeadCircumference,
            Male,
            false,
            HC_M
        ),
        shipped!(
            "hcfa_girls_0_5_zscores.json",
            HeadMonthly,
            HeadCircumference,
            Female,
            false,
            HC_M
        ),
        shipped!(
            "bmifa_boys_0_13_zscores.json",
            BmiWeekly,
            Bmi,
            Male,
            true,
            BMI_W
        ),
        shipped!(
            "bmifa_girls_0_13_zscores.json",
            BmiWeekly,
            Bmi,
            Female,
            true,
            BMI_W
        ),
        shipped!(
            "bmifa_boys_0_2_zscores.json",
            BmiMonthly0To2,
            Bmi,
            Male,
            false,
            BMI_02
        ),
        shipped!(
            "bmifa_girls_0_2_zscores.json",
            BmiMonthly0To2,
            Bmi,
            Female,
            false,
            BMI_02
        ),
        shipped!(
            "bmifa_boys_2_5_zscores.json",
            BmiMonthly2To5,
            Bmi,
            Male,
            false,
            BMI_25
        ),
        shipped!(
            "bmifa_girls_2_5_zscores.json",
            BmiMonthly2To5,
            Bmi,
            Female,
            false,
            BMI_25
        ),
    ]
}

/// The published SD columns and their z.
const SD_COLUMNS: [(&str, f64); 7] = [
    ("SD3neg", -3.0),
    ("SD2neg", -2.0),
    ("SD1neg", -1.0),
    ("SD0", 0.0),
    ("SD1", 1.0),
    ("SD2", 2.0),
    ("SD3", 3.0),
];

impl File {
    fn rows(&self) -> Vec<Map<String, Value>> {
        serde_json::from_str(self.json).unwrap_or_else(|e| panic!("{}: {e}", self.file))
    }

    /// Days per table step: 7 (weekly) or 30.4375 (monthly).
    fn step_days(&self) -> f64 {
        let step = if self.weekly { 7.0 } else { DAYS_PER_MONTH };
        assert_eq!(self.table.days_per_row(), step);
        step
    }

    /// Every row as (age in table units, L, M, S).
    fn lms_rows(&self) -> Vec<(f64, Lms)> {
        self.rows()
            .iter()
            .map(|r| {
                (
                    num(r, self.age_key()),
                    Lms {
                        l: num(r, "L"),
                        m: num(r, "M"),
                        s: num(r, "S"),
                    },
                )
            })
            .collect()
    }

    fn age_key(&self) -> &'static str {
        if self.weekly {
            "Week"
        } else {
            "Month"
        }
    }
}

fn text<'a>(row: &'a Map<String, Value>, key: &str) -> &'a str {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("column {key} is a string"))
}

fn num(row: &Map<String, Value>, key: &str) -> f64 {
    text(row, key).trim().parse().unwrap()
}

fn decimals(s: &str) -> i32 {
    s.split_once('.')
        .map_or(0, |(_, frac)| i32::try_from(frac.len()).unwrap())
}

/// The half-width, in SDS, of the interval [v − h, v + h] around the exact
/// value v = value_at(z) (the z side that is wider), i.e. how far the SDS of
/// a value rounded by at most h can be from z.
fn sds_width(lms: &Lms, z: f64, h: f64) -> f64 {
    let v = lms.value_at(z).unwrap();
    (z - lms.z(v - h)).max(lms.z(v + h) - z)
}

/// Every row of every shipped file (both sexes, weekly and monthly) is
/// reproduced through the lookup path at the row's exact age.
///
/// Precision: the SD columns are the LMS curve at z = −3…+3 *rounded* to
/// one decimal (kg, cm or kg/m²); the monthly files also drop trailing
/// zeros ("48" is 48.0), so a column's precision is the most decimals it
/// has anywhere in the file. A correctly rounded value is within half a
/// unit in that place of the exact one, hence |value_at(z) − published| ≤
/// 0.5·10^−d (+1e-9 for exact ties such as x.x5 in floating point).
///
/// The SDS of the published SD0 cannot be required to be within 0.01 of 0:
/// SD0 is M rounded to 0.1, e.g. boys' weight at week 0 has M = 3.3464 kg
/// but SD0 = 3.3 kg, whose SDS is about −0.095. Instead: z(M) is exactly 0
/// (M is published to 3–4 decimals), and the SDS of each published SD value
/// is within the SDS width of half a rounding unit at that row, computed
/// from the LMS curve (|z(published) − z| ≤ sds_width).
#[test]
fn every_published_row_is_reproduced() {
    let mut checked_rows = 0;
    let mut reachable_rows = 0;
    for f in files() {
        let rows = f.rows();
        let precision: Vec<(&str, f64, f64)> = SD_COLUMNS
            .iter()
            .filter(|(col, _)| rows[0].contains_key(*col))
            .map(|&(col, z)| {
                let d = rows.iter().map(|r| decimals(text(r, col))).max().unwrap();
                (col, z, 0.5 * 10f64.powi(-d))
            })
            .collect();
        assert_eq!(precision.len(), 7, "{}: all of SD3neg…SD3", f.file);
        assert!(
            precision.iter().all(|&(_, _, h)| (h - 0.05).abs() < 1e-15),
            "{}: SD columns published to one decimal",
            f.file
        );

        for row in &rows {
            let age = num(row, f.age_key());
            let days = age * f.step_days();
            let found = f
                .table
                .lms(f.sex, days)
                .unwrap_or_else(|| panic!("{} row {age}: in range", f.file));
            let used = f.table.used();
            let at = format!("{} {} {age}", f.file, f.age_key());
            assert_eq!(used.measure, f.measure, "{at}");
            assert_eq!(used.weekly, f.weekly, "{at}");
            assert_eq!(used.name, f.name, "{at}");
            assert_eq!(found.l, num(row, "L"), "{at}: L");
            assert_eq!(found.m, num(row, "M"), "{at}: M");
            assert_eq!(found.s, num(row, "S"), "{at}: S");

            // Where `lms` itself picks this table at this age, it agrees.
            let (auto, auto_used) = lms(f.measure, f.sex, days).unwrap();
            if auto_used.name == f.name {
                assert_eq!(auto, found, "{at}: lms() agrees");
                reachable_rows += 1;
            }

            assert_eq!(found.z(found.m), 0.0, "{at}: z(M)");
            for &(col, z, h) in &precision {
                let published = num(row, col);
                let value = found.value_at(z).unwrap();
                assert!(
                    (value - published).abs() <= h + 1e-9,
                    "{at} {col}: value_at({z}) = {value}, published {published}"
                );
                let width = sds_width(&found, z, h);
                let sds = found.z(published);
                assert!(
                    (sds - z).abs() <= width + 1e-9,
                    "{at} {col}: SDS of published {published} is {sds}, allowed ±{width}"
                );
            }
            checked_rows += 1;
        }
    }
    // Every table, both sexes.
    for table in WhoTable::ALL {
        for sex in SEXES {
            assert_eq!(
                files()
                    .iter()
                    .filter(|f| f.table == table && f.sex == sex)
                    .count(),
                1,
                "{table:?} {sex:?}"
            );
        }
    }
    // 8 weekly files × 14 + 4 × 61 (wfa, hcfa 0–5) + 4 × 25 (0–2) + 4 × 37 (2–5).
    assert_eq!(checked_rows, 8 * 14 + 4 * 61 + 4 * 25 + 4 * 37);
    // Through `lms`, monthly rows at 0–2 months are served by the weekly
    // tables, and BMI's 2–5 row at 24 months by the 0–2 table; every other
    // row is reached.
    assert_eq!(reachable_rows, checked_rows - 8 * 3 - 2);
}

// ---------------------------------------------------------------------------
// Interpolation.

const SEXES: [GrowthSex; 2] = [GrowthSex::Male, GrowthSex::Female];

/// Last day of the reference: 60 months.
const LAST_DAY: f64 = 60.0 * DAYS_PER_MONTH;

/// Sampling every half day across 0–60 months: M moves by no more than its
/// neighbouring row differences allow (no jumps), and the only table
/// switches are the 13-week one and BMI's 24-month one (where WHO change
/// from length to height, a deliberate step).
#[test]
fn interpolation_has_no_jumps() {
    let files = files();
    let rows: Vec<Vec<(f64, Lms)>> = files.iter().map(File::lms_rows).collect();
    for measure in Measure::ALL {
        for sex in SEXES {
            let mut switches = Vec::new();
            let mut covered = Vec::new();
            let mut previous: Option<(f64, Lms, &str)> = None;
            let mut t = 0.0;
            while t <= LAST_DAY {
                let current = lms(measure, sex, t);
                if let Some((now, used)) = current {
                    covered.push(t);
                    if let Some((t0, before, name)) = previous {
                        if name == used.name {
                            let i = files
                                .iter()
                                .position(|f| f.name == name && f.sex == sex)
                                .unwrap();
                            assert_no_jump(&files[i], &rows[i], (t0, &before), (t, &now));
                        } else {
                            switches.push((t0, name, used.name));
                        }
                    }
                    previous = Some((t, now, used.name));
                } else {
                    previous = None;
                }
                t += 0.5;
            }
            let first = covered[0];
            let last = *covered.last().unwrap();
            let weekly_switch = |to: &'static str| -> (f64, &'static str, &'static str) {
                let from = files
                    .iter()
                    .find(|f| f.measure == measure && f.weekly)
                    .unwrap()
                    .name;
                (91.0, from, to)
            };
            let (expected_range, expected_switches) = match measure {
                Measure::Weight => (
                    (0.0, LAST_DAY - 0.25),
                    vec![weekly_switch(
                        "WHO 2006 weight-for-age (monthly, 0–60 months)",
                    )],
                ),
                Measure::HeadCircumference => (
                    (0.0, LAST_DAY - 0.25),
                    vec![weekly_switch(
                        "WHO 2006 head circumference-for-age (monthly, 0–60 months)",
                    )],
                ),
                Measure::Length => (
                    (0.0, 24.0 * DAYS_PER_MONTH),
                    vec![weekly_switch(
                        "WHO 2006 length-for-age (monthly, 0–24 months)",
                    )],
                ),
                Measure::Height => ((24.0 * DAYS_PER_MONTH, LAST_DAY - 0.25), vec![]),
                Measure::Bmi => (
                    (0.0, LAST_DAY - 0.25),
                    vec![
                        weekly_switch("WHO 2006 BMI-for-age (monthly, 0–24 months)"),
                        (
                            24.0 * DAYS_PER_MONTH,
                            "WHO 2006 BMI-for-age (monthly, 0–24 months)",
                            "WHO 2006 BMI-for-age (monthly, 24–60 months)",
                        ),
                    ],
                ),
            };
            assert_eq!((first, last), expected_range, "{measure:?} {sex:?} range");
            assert_eq!(switches, expected_switches, "{measure:?} {sex:?} switches");
            // Contiguous: no holes inside the range.
            assert_eq!(
                covered.len(),
                ((last - first) / 0.5) as usize + 1,
                "{measure:?} {sex:?} contiguous"
            );
        }
    }
}

/// Reads one LMS parameter.
type Param = fn(&Lms) -> f64;

/// Between two nearby ages in the same table, L, M and S move by at most
/// 1.5 × the largest row-to-row difference among the rows around them,
/// scaled to the fraction of a row step travelled (the cubic's slope never
/// exceeds its data's by more than that; an unscaled jump would).
fn assert_no_jump(f: &File, rows: &[(f64, Lms)], (t0, before): (f64, &Lms), (t, now): (f64, &Lms)) {
    let step = f.step_days();
    let k = ((t0 / step) - rows[0].0).floor() as usize;
    let lo = k.saturating_sub(1);
    let hi = (k + 2).min(rows.len() - 1);
    let params: [(&str, Param); 3] = [("L", |x| x.l), ("M", |x| x.m), ("S", |x| x.s)];
    for (what, get) in params {
        let local = (lo..hi)
            .map(|j| (get(&rows[j + 1].1) - get(&rows[j].1)).abs())
            .fold(0.0, f64::max);
        let moved = (get(now) - get(before)).abs();
        let allowed = 1.5 * local * (t - t0) / step + 1e-12;
        assert!(
            moved <= allowed,
            "{} {what} at {t0}→{t} days: moved {moved}, allowed {allowed}",
            f.file
        );
    }
}

/// At every row of every table, the left and right limits equal the row
/// (within the same table) to 1e-9: the piecewise cubic is continuous.
#[test]
fn interpolation_is_continuous_at_every_row() {
    const H: f64 = 1e-9; // days
    for f in files() {
        let step = f.step_days();
        for (age, row) in f.lms_rows() {
            let t = age * step;
            for side in [t - H, t + H] {
                let Some(near) = f.table.lms(f.sex, side) else {
                    continue; // outside the table (first/last row)
                };
                for (what, a, b) in [
                    ("L", near.l, row.l),
                    ("M", near.m, row.m),
                    ("S", near.s, row.s),
                ] {
                    assert!(
                        (a - b).abs() <= 1e-9,
                        "{} {age} {what}: {a} beside the row vs {b}",
                        f.file
                    );
                }
            }
        }
    }
}

/// 91 days (13 weeks) is the last day of the weekly tables; 92 days uses
/// the monthly ones, and the switch moves the SDS of a fixed value by less
/// than 0.05 (most of which is one day's growth); at 91 days itself the two
/// tables agree to 0.005 SDS.
#[test]
fn thirteen_week_switch() {
    for measure in Measure::ALL {
        for sex in SEXES {
            if measure == Measure::Height {
                assert!(lms(measure, sex, 91.0).is_none());
                continue;
            }
            let (at91, used91) = lms(measure, sex, 91.0).unwrap();
            let (at92, used92) = lms(measure, sex, 92.0).unwrap();
            assert!(used91.weekly, "{measure:?}: 91 days weekly");
            assert!(!used92.weekly, "{measure:?}: 92 days monthly");
            let monthly = WhoTable::choose(measure, 92.0).unwrap();
            assert_eq!(monthly, WhoTable::choose(measure, 91.0 + 1e-9).unwrap());
            let monthly91 = monthly.lms(sex, 91.0).unwrap();
            for z in [-3.0, -2.0, 0.0, 2.0, 3.0] {
                let value = at91.value_at(z).unwrap();
                let jump = (at92.z(value) - z).abs();
                assert!(jump < 0.05, "{measure:?} {sex:?} z {z}: {jump}");
                let step = (monthly91.z(value) - z).abs();
                assert!(step < 0.005, "{measure:?} {sex:?} z {z}: {step}");
            }
        }
    }
    let baby = subject(GrowthSex::Female, None, None);
    let at = |days: u64| {
        assess(
            &baby,
            Measure::Weight,
            dob().checked_add_days(Days::new(days)).unwrap(),
            5.5,
        )
        .unwrap()
    };
    assert!(at(91).table.weekly);
    assert!(!at(92).table.weekly);
    assert_eq!(
        at(91).table.name,
        "WHO 2006 weight-for-age (weekly, 0–13 weeks)"
    );
}

// ---------------------------------------------------------------------------
// LMS formulas and Φ.

#[test]
fn lms_formulas() {
    // L = 0: z = ln(x/M)/S and x = M·e^(S·z).
    let log = Lms {
        l: 0.0,
        m: 10.0,
        s: 0.1,
    };
    assert!((log.z(10.0 * 0.1f64.exp()) - 1.0).abs() < 1e-12);
    assert!((log.value_at(-2.0).unwrap() - 10.0 * (-0.2f64).exp()).abs() < 1e-12);
    assert_eq!(log.z(10.0), 0.0);

    // L ≠ 0 against the textbook formulas.
    for lms in [
        Lms {
            l: 0.3487,
            m: 3.3464,
            s: 0.14602,
        },
        Lms {
            l: -0.6473,
            m: 15.7356,
            s: 0.07771,
        },
        Lms {
            l: 1.0,
            m: 49.8842,
            s: 0.03795,
        },
        Lms {
            l: 1e-12,
            m: 16.0,
            s: 0.08,
        },
    ] {
        for i in -40..=40 {
            let z = f64::from(i) / 10.0;
            let x = lms.value_at(z).unwrap();
            assert!((lms.z(x) - z).abs() < 1e-9, "{lms:?} round trip {z}");
            // The textbook forms lose precision as L → 0; compare them only
            // where they are well conditioned.
            if lms.l.abs() > 1e-3 {
                let textbook_x = lms.m * (1.0 + lms.l * lms.s * z).powf(1.0 / lms.l);
                assert!((x - textbook_x).abs() <= 1e-9 * x, "{lms:?} {z}");
                let textbook_z = ((x / lms.m).powf(lms.l) - 1.0) / (lms.l * lms.s);
                assert!((lms.z(x) - textbook_z).abs() < 1e-9, "{lms:?} {z}");
            } else {
                // Near L = 0 the curve approaches M·e^(S·z).
                assert!(
                    (x - lms.m * (lms.s * z).exp()).abs() <= 1e-9 * x,
                    "{lms:?} {z}"
                );
            }
        }
    }

    // No measurement where 1 + L·S·z ≤ 0.
    let normal = Lms {
        l: 1.0,
        m: 50.0,
        s: 0.5,
    };
    assert_eq!(normal.value_at(-2.0), None);
    assert_eq!(normal.value_at(-2.5), None);
    assert!(normal.value_at(-1.9).is_some());
    let negative = Lms {
        l: -1.0,
        m: 10.0,
        s: 0.1,
    };
    assert_eq!(negative.value_at(10.0), None);
    assert!(negative.value_at(9.0).is_some());
}

#[test]
fn normal_cdf_known_points() {
    let named = [
        (0.0, 0.5),
        (1.96, 0.975_002_104_851_779_5),
        (-3.0, 0.001_349_898_031_630_1),
        (8.0 / 3.0, 0.996_169_619_432_410_2),
    ];
    for (z, p) in named {
        assert!((normal_cdf(z) - p).abs() < 1e-10, "Φ({z})");
    }
    // 40-digit reference values (mpmath.ncdf), to 1e-12 absolute and, in
    // the lower tail, 1e-10 relative.
    let reference = [
        (-8.0, 6.220960574271784e-16),
        (-7.5, 3.1908916729108963e-14),
        (-7.0, 1.279812543885835e-12),
        (-6.5, 4.016000583859118e-11),
        (-6.0, 9.86587645037698e-10),
        (-5.5, 1.8989562465887718e-08),
        (-5.0, 2.866515718791939e-07),
        (-4.5, 3.3976731247300603e-06),
        (-4.0, 3.1671241833119924e-05),
        (-3.5, 0.00023262907903552504),
        (-3.0, 0.0013498980316300946),
        (-2.5, 0.006209665325776135),
        (-2.0, 0.02275013194817921),
        (-1.5, 0.06680720126885807),
        (-1.0, 0.15865525393145705),
        (-0.5, 0.3085375387259869),
        (0.0, 0.5),
        (0.5, 0.6914624612740131),
        (1.0, 0.8413447460685429),
        (1.5, 0.9331927987311419),
        (2.0, 0.9772498680518208),
        (2.5, 0.9937903346742238),
        (3.0, 0.9986501019683699),
        (3.5, 0.9997673709209645),
        (4.0, 0.9999683287581669),
        (4.5, 0.9999966023268753),
        (5.0, 0.9999997133484281),
        (5.5, 0.9999999810104375),
        (6.0, 0.9999999990134123),
        (6.5, 0.99999999995984),
        (7.0, 0.9999999999987201),
        (7.5, 0.9999999999999681),
        (8.0, 0.9999999999999993),
    ];
    for (z, p) in reference {
        let got = normal_cdf(z);
        assert!((got - p).abs() < 1e-12, "Φ({z}) = {got}, want {p}");
        if z < 0.0 {
            assert!((got - p).abs() <= 1e-10 * p, "Φ({z}) relative");
        }
    }
    // Symmetric and monotone.
    let mut last = 0.0;
    for i in -1000..=1000 {
        let z = f64::from(i) / 100.0;
        let p = normal_cdf(z);
        assert!((p + normal_cdf(-z) - 1.0).abs() < 1e-15, "symmetry at {z}");
        assert!(p >= last, "monotone at {z}");
        last = p;
    }
    assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
    assert!(normal_cdf(f64::NAN).is_nan());
}

#[test]
fn nine_centiles() {
    let centiles: Vec<f64> = NINE_CENTILES.iter().map(|&(c, _)| c).collect();
    assert_eq!(
        centiles,
        [0.4, 2.0, 9.0, 25.0, 50.0, 75.0, 91.0, 98.0, 99.6]
    );
    for (i, &(centile, z)) in NINE_CENTILES.iter().enumerate() {
        let expected_z = (f64::from(u8::try_from(i).unwrap()) - 4.0) * 2.0 / 3.0;
        assert!((z - expected_z).abs() < 1e-15);
        // The labels are 100·Φ(z), rounded as on the charts.
        assert!((100.0 * normal_cdf(z) - centile).abs() < 0.3, "{centile}");
    }
}

// ---------------------------------------------------------------------------
// Assessment.

fn dob() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
}

fn subject(sex: GrowthSex, weeks: Option<u8>, days: Option<u8>) -> Subject {
    Subject {
        sex,
        date_of_birth: dob(),
        gestation_weeks: weeks,
        gestation_days: days,
    }
}

fn day(n: u64) -> NaiveDate {
    dob().checked_add_days(Days::new(n)).unwrap()
}

#[test]
fn worked_example_boy_at_birth() {
    // UK-WHO reads birth from the UK90 preterm and birth data: a boy
    // weighing the 40-week row's median is on the 50th centile.
    let boy = subject(GrowthSex::Male, Some(40), Some(0));
    let (at_term, table) = uk_who(Measure::Weight, GrowthSex::Male, 0).unwrap();
    assert_eq!(table.reference, GrowthReference::Uk90Preterm);
    let a = assess(&boy, Measure::Weight, dob(), at_term.m).unwrap();
    assert_eq!(a.age_days, 0);
    assert_eq!(a.corrected_age_days, None);
    assert_eq!(a.table.reference, GrowthReference::Uk90Preterm);
    assert!(a.sds.abs() < 1e-12);
    assert!((a.centile - 50.0).abs() < 1e-9);
    assert_eq!(a.note, None, "a term baby's age is not corrected");
    // Day 13 is UK90; from day 14 (2 weeks after term) WHO 2006.
    let at = |n| assess(&boy, Measure::Weight, day(n), 4.0).unwrap().table;
    assert_eq!(at(13).reference, GrowthReference::Uk90Preterm);
    assert_eq!(at(14).reference, GrowthReference::Who2006);
    assert!(at(14).weekly);
    // From 4 years (1461 days) UK90 child; the day before, WHO.
    let at = |n, kg| assess(&boy, Measure::Weight, day(n), kg).unwrap().table;
    assert_eq!(at(1460, 16.0).reference, GrowthReference::Who2006);
    assert_eq!(at(1461, 16.0).reference, GrowthReference::Uk90Child);
    assert_eq!(at(1461, 16.0).name, "UK90 child weight (4–20 years)");
}

#[test]
fn worked_example_girl_at_twelve_months() {
    let f = files()
        .into_iter()
        .find(|f| f.file == "wfa_girls_0_5_zscores.json")
        .unwrap();
    let row = f
        .rows()
        .into_iter()
        .find(|r| text(r, "Month") == "12")
        .unwrap();
    let sd2 = num(&row, "SD2");
    // At exactly 12 months (365.25 days, a table row): SDS 2 within the
    // rounding bound of the published SD2 (one decimal).
    let (exact, _) = lms(Measure::Weight, GrowthSex::Female, 12.0 * DAYS_PER_MONTH).unwrap();
    let width = sds_width(&exact, 2.0, 0.05);
    assert!((exact.z(sd2) - 2.0).abs() <= width);
    // Assessed on day 365 (a quarter day short of the row): the same bound
    // plus a quarter day of growth (well under 0.01 SDS).
    let girl = subject(GrowthSex::Female, None, None);
    let a = assess(&girl, Measure::Weight, day(365), sd2).unwrap();
    assert_eq!(a.age_days, 365);
    assert!(!a.table.weekly);
    assert!((a.sds - 2.0).abs() <= width + 0.01, "{}", a.sds);
    assert!((a.centile - 100.0 * normal_cdf(a.sds)).abs() < 1e-12);
    assert!(a.centile > 96.0 && a.centile < 99.0);
}

#[test]
fn corrected_age_very_preterm_until_two_years() {
    // Born 30+0: 70 days early, corrected up to and including day 730.
    let baby = subject(GrowthSex::Male, Some(30), Some(0));
    let on = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(); // 1.5 years
    let (chrono, corrected) = age_for_reference(&baby, on).unwrap();
    assert_eq!((chrono, corrected), (549, Some(479)));
    let a = assess(&baby, Measure::Weight, on, 10.0).unwrap();
    assert_eq!((a.age_days, a.corrected_age_days), (549, Some(479)));
    let (at479, _) = lms(Measure::Weight, GrowthSex::Male, 479.0).unwrap();
    assert_eq!(a.sds, at479.z(10.0));

    let two_years = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    assert_eq!(
        age_for_reference(&baby, two_years).unwrap(),
        (730, Some(660))
    );
    let after = two_years.succ_opt().unwrap();
    assert_eq!(age_for_reference(&baby, after).unwrap(), (731, None));
    let a = assess(&baby, Measure::Height, after, 85.0).unwrap();
    assert_eq!(a.corrected_age_days, None);
    assert_eq!(a.table.measure, Measure::Height);
}

#[test]
fn corrected_age_moderately_preterm_until_one_year() {
    // Born 34+0: 42 days early, corrected up to and including day 365.
    let baby = subject(GrowthSex::Female, Some(34), None);
    assert_eq!(
        age_for_reference(&baby, day(200)).unwrap(),
        (200, Some(158))
    );
    assert_eq!(
        age_for_reference(&baby, day(365)).unwrap(),
        (365, Some(323))
    );
    assert_eq!(age_for_reference(&baby, day(366)).unwrap(), (366, None));
    // Born 31+6 is very preterm; 32+0 is not.
    let very = subject(GrowthSex::Female, Some(31), Some(6));
    assert_eq!(
        age_for_reference(&very, day(400)).unwrap(),
        (400, Some(343))
    );
    let moderate = subject(GrowthSex::Female, Some(32), Some(0));
    assert_eq!(age_for_reference(&moderate, day(400)).unwrap(), (400, None));
    // Born 34+3, measured on day 50: corrected 11 days, before 2 weeks
    // after term, so read from UK90's birth data, and the note says so.
    let late = subject(GrowthSex::Male, Some(34), Some(3));
    let a = assess(&late, Measure::Weight, day(50), 3.6).unwrap();
    assert_eq!(a.corrected_age_days, Some(11));
    assert_eq!(a.table.reference, GrowthReference::Uk90Preterm);
    assert_eq!(
        a.note.as_deref(),
        Some("at corrected age (11 days after term); UK90 preterm and birth")
    );
}

#[test]
fn no_correction_at_term_or_unknown_gestation() {
    let term = subject(GrowthSex::Male, Some(37), Some(0));
    let unknown = subject(GrowthSex::Male, None, Some(3));
    for baby in [&term, &unknown] {
        for n in [0, 10, 100, 400, 800] {
            assert_eq!(age_for_reference(baby, day(n)).unwrap(), (n as i64, None));
        }
    }
    // 36+6 is still preterm: 22 days early.
    let late_preterm = subject(GrowthSex::Male, Some(36), Some(6));
    assert_eq!(
        age_for_reference(&late_preterm, day(30)).unwrap(),
        (30, Some(8))
    );
}

#[test]
fn before_term_reads_uk90_preterm_data() {
    // Born 28+0, measured 4 weeks after birth: 32 weeks postmenstrual age.
    let baby = subject(GrowthSex::Female, Some(28), None);
    assert_eq!(age_for_reference(&baby, day(28)).unwrap(), (28, Some(-56)));
    let a = assess(&baby, Measure::Weight, day(28), 1.4).unwrap();
    assert_eq!(a.table.reference, GrowthReference::Uk90Preterm);
    assert_eq!(
        a.note.as_deref(),
        Some("at corrected age (32 weeks' gestation); UK90 preterm and birth")
    );
    // The girls' 32-week row exactly (a table row: no interpolation).
    let (row, _) = uk_who(Measure::Weight, GrowthSex::Female, -56).unwrap();
    assert_eq!(a.sds, row.z(1.4));
    // Length starts at 25 weeks, weight and head at 23; nothing before.
    let tiny = subject(GrowthSex::Female, Some(23), Some(0));
    assert!(assess(&tiny, Measure::Weight, dob(), 0.6).is_ok());
    assert!(assess(&tiny, Measure::HeadCircumference, dob(), 21.0).is_ok());
    assert_eq!(
        assess(&tiny, Measure::Length, dob(), 30.0),
        Err(GrowthError::BeforeReference)
    );
    assert!(assess(&tiny, Measure::Length, day(14), 33.0).is_ok());
    let earlier = subject(GrowthSex::Female, Some(22), Some(6));
    assert_eq!(
        assess(&earlier, Measure::Weight, dob(), 0.5),
        Err(GrowthError::BeforeReference)
    );
    // No BMI before 2 weeks after term, and no standing height.
    assert_eq!(
        assess(&baby, Measure::Bmi, day(28), 11.0),
        Err(GrowthError::BeforeReference)
    );
    assert_eq!(
        assess(&baby, Measure::Height, day(28), 40.0),
        Err(GrowthError::BeyondReference)
    );
}

#[test]
fn custom_prematurity_rule() {
    // rcpchgrowth-like: correct every gestation below 43 weeks, to 2 years.
    let rule = Prematurity {
        correct_below_weeks: 43,
        until_days_if_32_to_36: 730,
        ..Prematurity::default()
    };
    assert_eq!(
        Prematurity::default(),
        Prematurity {
            correct_below_weeks: 37,
            until_days_if_32_to_36: 365,
            very_preterm_below_weeks: 32,
            until_days_if_very_preterm: 730,
        }
    );
    let baby = subject(GrowthSex::Male, Some(38), Some(0));
    let a = assess_with(&baby, Measure::Weight, day(30), 4.0, &rule).unwrap();
    assert_eq!(a.corrected_age_days, Some(16));
    assert_eq!(
        assess(&baby, Measure::Weight, day(30), 4.0)
            .unwrap()
            .corrected_age_days,
        None
    );
}

#[test]
fn refusals() {
    let baby = subject(GrowthSex::Male, None, None);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            assess(&baby, Measure::Weight, day(100), bad),
            Err(GrowthError::NotPositive)
        );
    }
    // UK-WHO runs on with UK90 after the WHO tables end (60 months =
    // 1826.25 days), to 20 years; WHO itself stops.
    assert!(assess(&baby, Measure::Weight, day(1827), 18.0).is_ok());
    assert!(assess(&baby, Measure::Weight, day(7305), 60.0).is_ok());
    assert_eq!(
        assess(&baby, Measure::Weight, day(7306), 60.0),
        Err(GrowthError::BeyondReference)
    );
    assert_eq!(lms(Measure::Weight, GrowthSex::Male, 1826.5), None);
    assert!(lms(Measure::Weight, GrowthSex::Male, LAST_DAY).is_some());
    // Length to 24 months, height from 24 months.
    assert_eq!(
        assess(&baby, Measure::Height, day(365), 75.0),
        Err(GrowthError::BeyondReference)
    );
    assert_eq!(
        assess(&baby, Measure::Length, day(1100), 95.0),
        Err(GrowthError::BeyondReference)
    );
    assert_eq!(
        assess(&baby, Measure::Length, day(1500), 100.0),
        Err(GrowthError::BeyondReference)
    );
    assert!(assess(&baby, Measure::Length, day(730), 87.0).is_ok());
    assert!(assess(&baby, Measure::Height, day(731), 87.0).is_ok());
    assert_eq!(
        assess(&baby, Measure::Weight, dob().pred_opt().unwrap(), 3.0),
        Err(GrowthError::BeforeBirth)
    );
    assert_eq!(lms(Measure::Weight, GrowthSex::Male, -1.0), None);
    assert_eq!(lms(Measure::Weight, GrowthSex::Male, f64::NAN), None);
    // Messages are fixed text: never the value or a date.
    for e in [
        GrowthError::BeforeBirth,
        GrowthError::BeforeReference,
        GrowthError::BeyondReference,
        GrowthError::NotPositive,
    ] {
        let message = e.to_string();
        assert!(!message.is_empty());
        assert!(!message.contains("2024") && !message.contains("18.0"));
    }
}

// ---------------------------------------------------------------------------
// Chart lines, units, BMI.

#[test]
fn centile_lines() {
    let line = centile_line(Measure::Weight, GrowthSex::Male, 0.0, 0, 1826, 7);
    assert_eq!(line.len(), 262); // days 0, 7, …, 1820 and the end, 1826
    assert_eq!(line[0], (0, 3.3464));
    assert_eq!(line.last().unwrap().0, 1826);
    let upper = centile_line(Measure::Weight, GrowthSex::Male, 2.0, 0, 1826, 7);
    assert!(line
        .iter()
        .zip(&upper)
        .all(|(a, b)| a.0 == b.0 && b.1 > a.1));
    // Length stops at 24 months; height starts there.
    let length = centile_line(Measure::Length, GrowthSex::Female, 0.0, 0, 1000, 1);
    assert_eq!(length.last().unwrap().0, 730);
    let height = centile_line(Measure::Height, GrowthSex::Female, 0.0, 0, 1000, 1);
    assert_eq!(height[0].0, 731);
    // The grid runs from `from_days` even when that is before birth.
    let days: Vec<i64> = centile_line(Measure::Weight, GrowthSex::Male, 0.0, -10, 20, 7)
        .iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(days, [4, 11, 18, 20]);
    // A huge range costs only the reference's days.
    let all = centile_line(Measure::Weight, GrowthSex::Male, 0.0, i64::MIN, i64::MAX, 1);
    assert_eq!(all.len(), 1827);
    assert_eq!((all[0].0, all[1826].0), (0, 1826));
    assert!(centile_line(Measure::Bmi, GrowthSex::Male, 0.0, 0, 100, 0).is_empty());
    assert!(centile_line(Measure::Bmi, GrowthSex::Male, 0.0, 100, 0, 1).is_empty());
}

#[test]
fn measures_and_bmi() {
    let names: Vec<String> = Measure::ALL
        .iter()
        .map(|m| serde_json::to_string(m).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "\"weight\"",
            "\"length\"",
            "\"height\"",
            "\"head-circumference\"",
            "\"bmi\""
        ]
    );
    let units: Vec<&str> = Measure::ALL.iter().map(Measure::unit).collect();
    assert_eq!(units, ["kg", "cm", "cm", "cm", "kg/m2"]);
    assert_eq!(Measure::HeadCircumference.label(), "Head circumference");
    assert_eq!(
        serde_json::from_str::<Measure>("\"head-circumference\"").unwrap(),
        Measure::HeadCircumference
    );
    assert!((bmi(10.0, 100.0) - 10.0).abs() < 1e-12);
    assert!((bmi(3.5, 50.0) - 14.0).abs() < 1e-12);
}

#[test]
fn uk_who_lines_are_one_segment_per_reference_never_joined() {
    let segments = centile_segments(Measure::Weight, GrowthSex::Male, 0.0, -200, 1826, 30);
    assert_eq!(segments.len(), 3);
    let ends: Vec<(i64, i64)> = segments
        .iter()
        .map(|s| (s.first().unwrap().0, s.last().unwrap().0))
        .collect();
    // UK90 preterm from 23 weeks (day −119 from term) to day 13; WHO from
    // 2 weeks to the day before 4 years; UK90 child from 4 years.
    assert_eq!(ends, [(-119, 13), (14, 1460), (1461, 1826)]);
    // Each point is the reference's own value at that age.
    for segment in &segments {
        for (day, value) in segment {
            let (l, _) = uk_who(Measure::Weight, GrowthSex::Male, *day).unwrap();
            assert_eq!(Some(*value), l.value_at(0.0));
        }
    }
    // BMI has no preterm section: it starts at 2 weeks.
    let bmi = centile_segments(Measure::Bmi, GrowthSex::Female, 2.0, -100, 400, 7);
    assert_eq!(bmi.len(), 1);
    assert_eq!(bmi[0][0].0, 14);
    // Lying length ends at 2 years; standing height starts after it.
    let length = centile_segments(Measure::Length, GrowthSex::Female, 0.0, 0, 1000, 1);
    assert_eq!(length.last().unwrap().last().unwrap().0, 730);
    let height = centile_segments(Measure::Height, GrowthSex::Female, 0.0, 0, 1000, 1);
    assert_eq!(height[0][0].0, 731);
    assert!(centile_segments(Measure::Bmi, GrowthSex::Male, 0.0, 0, 100, 0).is_empty());
    assert!(centile_segments(Measure::Bmi, GrowthSex::Male, 0.0, 100, 0, 1).is_empty());
}
