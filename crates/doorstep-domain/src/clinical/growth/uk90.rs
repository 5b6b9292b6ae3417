//! The UK 1990 growth reference (UK90): the parts of UK-WHO that are not
//! WHO 2006 — preterm and birth data from 23 weeks' gestation to 42 weeks
//! postmenstrual age, and children from 4 to 20 years.
//!
//! - Data: `data/growth/uk90/` (L, M and S as RCPCH distributes them in
//!   rcpchgrowth 4.6.5; owned by the Child Growth Foundation: see the
//!   folder's README and LICENSE-NOTE), embedded at compile time and parsed
//!   once, on first use. `uk90_term.csv` (a composite 37–42 week table) is
//!   kept with the data but not used: RCPCH's UK-WHO reads term births from
//!   the preterm table at their age from 40 weeks, as here.
//! - Ages are decimal years from 40 weeks' gestation (negative before): a
//!   preterm row for `w` weeks is at (7·w − 280)/365.25, a child row for `m`
//!   months at m/12, computed from the grid (the files' rounded decimal ages
//!   would shift SDS by up to 2·10⁻⁵).
//! - L, M and S are interpolated as for WHO ([`super::interpolate`]): a
//!   4-point cubic inside each table, linear in its first and last
//!   intervals; the two tables are never joined.

use std::sync::OnceLock;

use super::{interpolate, GrowthSex, Lms, Measure, Row};

/// The two UK90 tables UK-WHO uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uk90Table {
    /// Preterm and birth: 23 to 42 weeks postmenstrual age, by week.
    Preterm,
    /// Children: 4 to 20 years, by month.
    Child,
}

/// The measures UK90 tabulates, as its files name them.
const MEASURES: [&str; 4] = ["height", "weight", "bmi", "ofc"];

fn measure_index(measure: Measure) -> usize {
    match measure {
        // UK90 "height" is lying length up to 2 years, standing after.
        Measure::Length | Measure::Height => 0,
        Measure::Weight => 1,
        Measure::Bmi => 2,
        Measure::HeadCircumference => 3,
    }
}

impl Uk90Table {
    fn source(self) -> &'static str {
        match self {
            Uk90Table::Preterm => {
                include_str!("../../../../../data/growth/uk90/uk90_preterm.csv")
            }
            Uk90Table::Child => include_str!("../../../../../data/growth/uk90/uk90_child.csv"),
        }
    }

    /// The decimal age (years from 40 weeks) of a row on this table's grid.
    fn age_of(self, grid: f64) -> f64 {
        match self {
            Uk90Table::Preterm => (grid * 7.0 - 280.0) / 365.25,
            Uk90Table::Child => grid / 12.0,
        }
    }

    /// L, M and S for `measure` at `age_years` (from 40 weeks); `None`
    /// outside the table (e.g. length before 25 weeks, head circumference
    /// after 17 or 18 years) or for a measure it does not hold.
    pub fn lms(self, measure: Measure, sex: GrowthSex, age_years: f64) -> Option<Lms> {
        interpolate(rows(self, measure, sex), age_years)
    }
}

/// The parsed rows of one table, measure and sex.
fn rows(table: Uk90Table, measure: Measure, sex: GrowthSex) -> &'static [Row] {
    const COUNT: usize = 2 * MEASURES.len() * 2;
    static TABLES: [OnceLock<Vec<Row>>; COUNT] = [const { OnceLock::new() }; COUNT];
    let t = usize::from(table == Uk90Table::Child);
    let m = measure_index(measure);
    let s = usize::from(sex == GrowthSex::Female);
    TABLES[(t * MEASURES.len() + m) * 2 + s]
        .get_or_init(|| parse(table, MEASURES[m], sex))
        .as_slice()
}

/// The rows of an embedded CSV for one measure and sex. The data are fixed
/// at compile time and every table is exercised by the tests, so malformed
/// data is a build defect.
fn parse(table: Uk90Table, measure: &str, sex: GrowthSex) -> Vec<Row> {
    let sex = match sex {
        GrowthSex::Male => "male",
        GrowthSex::Female => "female",
    };
    let number = |text: &str| -> f64 {
        text.trim()
            .parse()
            .expect("embedded UK90 growth table holds numbers")
    };
    let mut lines = table.source().lines();
    let header = lines.next().expect("embedded UK90 table has a header");
    assert_eq!(header, "measure,sex,decimal_age,interval,value,L,M,S");
    let rows: Vec<Row> = lines
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|f| f.len() == 8 && f[0] == measure && f[1] == sex)
        .map(|f| Row {
            age: table.age_of(number(f[4])),
            lms: Lms {
                l: number(f[5]),
                m: number(f[6]),
                s: number(f[7]),
            },
        })
        .collect();
    assert!(
        rows.len() >= 4 && rows.windows(2).all(|w| w[0].age < w[1].age),
        "embedded UK90 table has at least four rows in ascending age order"
    );
    rows
}
