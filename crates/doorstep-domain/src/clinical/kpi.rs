//! Quarterly health-visiting metrics (the OHID indicators C1, C2, C3, C8i,
//! C8ii, C4, C5 and C6i–C6viii, REFERENCE §1.3), data-quality measures, the
//! 2026 delivery measures of every review (who, where and how, with the
//! trust's targets) and the did-not-attend rate of each mandated review,
//! computed from plain facts.
//!
//! Everything here counts **children, not mothers**: one [`ChildFacts`] row
//! per child, so twins count twice. Only rows with the role Child and a
//! date of birth are counted (pregnancies are ignored). Contacts come one
//! row per child per contact, with contacts entered in error already left
//! out by the caller. A review is *received* when a contact of that kind
//! has an attendance that [`Attendance::was_seen`].
//!
//! Cohorts are "turned N in the quarter": the child's date of birth plus N
//! days (or calendar months, with `checked_add_months`, so 29 February plus
//! 12 months is 28 February) falls within the quarter, inclusive. The
//! new-birth cohort (C2, C3: "turned 30 days in the quarter") is the
//! quarter's birth-date window as LG Inform publishes it
//! ([`KpiConfig::nbv_birth_windows`]). A review
//! counts towards a numerator when it was received on or after the date of
//! birth and on or before the deadline, whenever the report is run.
//! Financial-year quarters run April to March ([`Quarter`]).
//!
//! Exclusions: a child who moved out of the area on or before the quarter's
//! end is not the provider's responsibility and leaves every cohort; a
//! child who died on or before the quarter's end leaves a cohort unless the
//! review was received (C6i "excludes children who died before the
//! review"). Nothing about either is deleted: [`ChildFacts`] carries the
//! dates.
//!
//! C6ii counts a completed ASQ-3 (the completed 2–2½ year review form,
//! [`ContactFacts::asq3`]); C6iii–C6vii count reviews whose domain score is
//! at or above the questionnaire's threshold ([`AsqCutoffs`], the trust's
//! configured values) over reviews with a valid score in that domain, and
//! C6viii those at or above in all five. C8ii [R] counts infants totally or
//! partially breastfed at the 6–8 week review over those whose feeding
//! status was recorded there; FEED1 and FEED2 are the recording rates at the
//! new birth visit and the 6–8 week review.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clinical::delivery::{DeliveredBy, DeliveredHow, DeliveredWhere};
use crate::clinical::growth::Measure;
use crate::clinical::schedule::{ChildFacts, ContactFacts, MeasurementFacts};
use crate::forms::{AsqCutoffs, AsqDomain};
use crate::values::codes::{Attendance, ContactKind, MemberRole, PractitionerRole};

const QUARTER_PROBLEM: &str = "must be a financial-year quarter like 2026Q3 (Q1 = April–June)";

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A quarter of an NHS financial year (April to March).
///
/// `year` is the year the financial year starts in: 2026 is 2026/27, whose
/// Q1 is April–June 2026, Q2 July–September 2026, Q3 October–December 2026
/// and Q4 January–March 2027.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Quarter {
    /// The calendar year the financial year starts in (2026 for 2026/27).
    pub year: i32,
    /// The quarter, 1 to 4.
    pub q: u8,
}

impl Quarter {
    /// Parses "2026Q3", "2026q3", "2026/27Q3" or "2026-27 Q3" (spaces are
    /// ignored). The year is the financial year; when the short second year
    /// is given it must be the following year.
    pub fn parse(s: &str) -> Result<Quarter, String> {
        let err = || QUARTER_PROBLEM.to_string();
        let text: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let (year_part, q_part) = text.split_once('Q').ok_or_else(err)?;
        let q = match q_part {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            _ => return Err(err()),
        };
        let (first, second) = match year_part.split_once(['/', '-']) {
            Some((a, b)) => (a, Some(b)),
            None => (year_part, None),
        };
        if first.len() != 4 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = first.parse().map_err(|_| err())?;
        if let Some(second) = second {
            let next = (year + 1) % 100;
            let ok = match second.len() {
                2 => {
                    second.bytes().all(|b| b.is_ascii_digit())
                        && second.parse::<i32>().ok() == Some(next)
                }
                4 => {
                    second.bytes().all(|b| b.is_ascii_digit())
                        && second.parse::<i32>().ok() == Some(year + 1)
                }
                _ => false,
            };
            if !ok {
                return Err(err());
            }
        }
        Ok(Quarter { year, q })
    }

    /// The short code, "2026Q3".
    pub fn code(&self) -> String {
        format!("{}Q{}", self.year, self.q)
    }

    /// The first day of the quarter.
    pub fn start(&self) -> NaiveDate {
        let (year, month) = match self.q {
            1 => (self.year, 4),
            2 => (self.year, 7),
            3 => (self.year, 10),
            _ => (self.year + 1, 1),
        };
        NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month is a date")
    }

    /// The last day of the quarter (inclusive).
    pub fn end(&self) -> NaiveDate {
        self.start()
            .checked_add_months(Months::new(3))
            .and_then(|d| d.pred_opt())
            .expect("quarters are well inside chrono's range")
    }

    /// Whether `date` is within the quarter.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// "2026/27 Q3 (1 Oct – 31 Dec 2026)".
    pub fn label(&self) -> String {
        let (start, end) = (self.start(), self.end());
        format!(
            "{}/{:02} Q{} ({} {} – {} {} {})",
            self.year,
            (self.year + 1).rem_euclid(100),
            self.q,
            start.day(),
            MONTHS[start.month0() as usize],
            end.day(),
            MONTHS[end.month0() as usize],
            end.year()
        )
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for Quarter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quarter::parse(s)
    }
}

/// The ages and deadlines used by the metrics. Every value is [R]:
/// REFERENCE §1.3's implementation notes ask for the rules to stay
/// configurable so they can be reconciled with the OHID/NHSE CSDS
/// derivations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct KpiConfig {
    /// New birth visit "within" this many days of birth (C2; later is C3).
    pub nbv_within_days: i64,
    /// The new-birth cohort (C2, C3): children born in these windows, for
    /// Q1 to Q4 (LG Inform metric 4221's "turned 30 days in the quarter":
    /// Q1 2 Mar – 1 Jun, Q2 2 Jun – 1 Sep, Q3 2 Sep – 2 Dec, Q4 3 Dec –
    /// 1 Mar).
    pub nbv_birth_windows: [BirthWindow; 4],
    /// 6–8 week review by this many days (C8i; also its cohort age).
    pub six_eight_by_days: i64,
    /// 12-month review by this many months (C4; also its cohort age).
    pub twelve_by_months: u32,
    /// 12-month review by this many months (C5; also its cohort age).
    pub fifteen_by_months: u32,
    /// 2–2½ year review by this many months (C6i; also its cohort age).
    pub two_half_by_months: u32,
    /// Antenatal contacts count for C1 from this many days before the EDD
    /// (28 weeks of pregnancy = 84 days before 40 weeks).
    pub antenatal_from_days_before_edd: i64,
    /// The delivery targets the report checks (the 2026 commissioning
    /// guidance, Annex A; every figure [R]: confirm against the annex).
    pub delivery_targets: Vec<DeliveryTarget>,
}

/// A delivery target: at least `percent` of a review's deliveries in the
/// quarter by this group, at this place, this way (each optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryTarget {
    /// Which review.
    pub review: ContactKind,
    /// Delivered by (any when absent).
    #[serde(default)]
    pub by: Option<DeliveredBy>,
    /// Delivered at (anywhere when absent).
    #[serde(default)]
    pub at: Option<DeliveredWhere>,
    /// Delivered how (any way when absent).
    #[serde(default)]
    pub how: Option<DeliveredHow>,
    /// The target percentage.
    pub percent: f64,
}

impl Default for KpiConfig {
    fn default() -> Self {
        KpiConfig {
            nbv_within_days: 14,
            nbv_birth_windows: [
                BirthWindow::new((3, 2), (6, 1)),
                BirthWindow::new((6, 2), (9, 1)),
                BirthWindow::new((9, 2), (12, 2)),
                BirthWindow::new((12, 3), (3, 1)),
            ],
            six_eight_by_days: 56,
            twelve_by_months: 12,
            fifteen_by_months: 15,
            two_half_by_months: 30,
            antenatal_from_days_before_edd: 84,
            delivery_targets: vec![DeliveryTarget {
                review: ContactKind::Antenatal,
                by: Some(DeliveredBy::HealthVisitor),
                at: Some(DeliveredWhere::Home),
                how: None,
                percent: 98.0,
            }],
        }
    }
}

/// A day of the year, written `MM-DD` ("03-02" is 2 March).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month.
    pub day: u32,
}

impl MonthDay {
    /// This day in `year`; 29 February in a year without one is 28
    /// February.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
            .expect("a checked month and day is a date in any year, or the day before it")
    }
}

impl TryFrom<String> for MonthDay {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        let problem = || format!("{s:?} is not a day of the year like 03-02 (2 March)");
        let (m, d) = s.trim().split_once('-').ok_or_else(problem)?;
        let (month, day) = (
            m.parse::<u32>().map_err(|_| problem())?,
            d.parse::<u32>().map_err(|_| problem())?,
        );
        // 2024 is a leap year: every day that exists in some year.
        NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(problem)?;
        Ok(MonthDay { month, day })
    }
}

impl From<MonthDay> for String {
    fn from(d: MonthDay) -> String {
        format!("{:02}-{:02}", d.month, d.day)
    }
}

/// A quarter's birth-date window, first and last day inclusive; the last
/// day is in or before the quarter, the first within the year before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BirthWindow {
    /// The first birth date.
    pub from: MonthDay,
    /// The last birth date.
    pub to: MonthDay,
}

impl BirthWindow {
    /// The window from `(month, day)` to `(month, day)`.
    pub const fn new(from: (u32, u32), to: (u32, u32)) -> BirthWindow {
        BirthWindow {
            from: MonthDay {
                month: from.0,
                day: from.1,
            },
            to: MonthDay {
                month: to.0,
                day: to.1,
            },
        }
    }

    /// The dates for `quarter`: the last on or before the quarter's end
    /// (the latest such), the first on or before the last.
    pub fn dates(&self, quarter: &Quarter) -> (NaiveDate, NaiveDate) {
        let end = quarter.end();
        let mut to = self.to.in_year(end.year());
        if to > end {
            to = self.to.in_year(end.year() - 1);
        }
        let mut from = self.from.in_year(to.year());
        if from > to {
            from = self.from.in_year(to.year() - 1);
        }
        (from, to)
    }
}

impl KpiConfig {
    /// The new-birth cohort's birth dates for `quarter`, inclusive.
    pub fn nbv_cohort(&self, quarter: &Quarter) -> (NaiveDate, NaiveDate) {
        let i = usize::from(quarter.q.clamp(1, 4)) - 1;
        self.nbv_birth_windows[i].dates(quarter)
    }
}

/// A numerator over a denominator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Ratio {
    /// How many met the measure.
    pub numerator: u32,
    /// How many were counted.
    pub denominator: u32,
    /// numerator / denominator × 100 (unrounded); `None` when the
    /// denominator is 0.
    pub percent: Option<f64>,
}

impl Ratio {
    /// The ratio of two counts.
    pub fn new(numerator: u32, denominator: u32) -> Ratio {
        let percent =
            (denominator > 0).then(|| f64::from(numerator) * 100.0 / f64::from(denominator));
        Ratio {
            numerator,
            denominator,
            percent,
        }
    }

    /// The percentage to one decimal place, or "" when there is no
    /// denominator.
    pub fn percent_text(&self) -> String {
        percent_text(self.percent)
    }
}

/// One metric of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Metric {
    /// The indicator code ("C2", or "ETH" / "BMI2" for data quality).
    pub code: &'static str,
    /// A short title.
    pub title: &'static str,
    /// The figures.
    pub ratio: Ratio,
    /// What the numerator and denominator are (with the default
    /// configuration's ages).
    pub definition: &'static str,
    /// A count with no denominator (C1).
    pub count_only: bool,
}

/// How one review was delivered in the quarter (the 2026 delivery
/// measures): each received review's row, counted by who, where and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Delivery {
    /// Which review.
    pub review: ContactKind,
    /// Reviews received in the quarter (one per child; per pregnancy for
    /// the antenatal review).
    pub delivered: u32,
    /// By who delivered them, every group listed.
    pub by: Vec<(DeliveredBy, u32)>,
    /// By where.
    pub at: Vec<(DeliveredWhere, u32)>,
    /// By how.
    pub how: Vec<(DeliveredHow, u32)>,
}

/// A delivery target and how the quarter did against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetResult {
    /// The target.
    pub target: DeliveryTarget,
    /// Deliveries meeting it over deliveries of the review.
    pub ratio: Ratio,
    /// Whether the percentage reached the target (`None` with no
    /// deliveries).
    pub met: Option<bool>,
}

impl DeliveryTarget {
    /// "Antenatal review by Health visitor (SCPHN), at Home".
    pub fn describe(&self) -> String {
        let mut s = self.review.label().to_string();
        if let Some(b) = self.by {
            s.push_str(&format!(" by {}", b.label()));
        }
        if let Some(w) = self.at {
            s.push_str(&format!(", at {}", w.label()));
        }
        if let Some(h) = self.how {
            s.push_str(&format!(", {}", h.label()));
        }
        s
    }

    /// A code for reports: "TGT-antenatal-health-visitor-home".
    pub fn code(&self) -> String {
        let mut s = format!("TGT-{}", self.review.code());
        for part in [
            self.by.map(DeliveredBy::code),
            self.at.map(DeliveredWhere::code),
            self.how.map(DeliveredHow::code),
        ]
        .into_iter()
        .flatten()
        {
            s.push('-');
            s.push_str(part);
        }
        s
    }

    fn matches(&self, c: &ContactFacts) -> bool {
        self.by.is_none_or(|b| DeliveredBy::of(c.role) == b)
            && self.at.is_none_or(|w| DeliveredWhere::of(c.location) == w)
            && self.how.is_none_or(|h| DeliveredHow::of(c.mechanism) == h)
    }
}

/// The did-not-attend rate of one review kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DnaRate {
    /// Which review.
    pub review: ContactKind,
    /// Contacts of this kind dated in the quarter, except those the service
    /// cancelled.
    pub booked: u32,
    /// Of those, did not attend or no access.
    pub did_not_attend: u32,
    /// did_not_attend / booked × 100; `None` when nothing was booked.
    pub percent: Option<f64>,
}

/// The quarter's metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KpiReport {
    /// The quarter reported on.
    pub quarter: Quarter,
    /// C1, C2, C3, C8i, C8ii, C4, C5, C6i–C6viii, then the data-quality
    /// measures ETH (ethnic category), BMI2 (BMI at the 2–2½ year review),
    /// FEED1 and FEED2 (feeding status at the new birth visit and the 6–8
    /// week review).
    pub metrics: Vec<Metric>,
    /// The delivery measures, one per review kind in schedule order.
    pub delivery: Vec<Delivery>,
    /// The configured delivery targets and the quarter's result.
    pub targets: Vec<TargetResult>,
    /// One per review kind, in schedule order.
    pub dna: Vec<DnaRate>,
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
}

fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// The contact dates that can change `quarter`'s report, first and last
/// day inclusive. Every child in a cohort was born on or after the first
/// day (the oldest cohort turns `two_half_by_months` in the quarter, and the
/// new-birth cohort's window starts before the quarter), only
/// reviews on or after birth count towards a cohort, and nothing after the
/// quarter's end counts; the did-not-attend rates and BMI completeness look
/// only inside the quarter. Readers may leave out every other contact.
pub fn contact_window(quarter: &Quarter, cfg: &KpiConfig) -> (NaiveDate, NaiveDate) {
    let start = quarter.start();
    let months = cfg
        .twelve_by_months
        .max(cfg.fifteen_by_months)
        .max(cfg.two_half_by_months);
    let days = cfg.six_eight_by_days.max(0);
    let by_months = start
        .checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN);
    let by_days = add_days(start, -days).unwrap_or(NaiveDate::MIN);
    let (nbv_born, _) = cfg.nbv_cohort(quarter);
    // C1 asks whether an antenatal contact in the quarter was the
    // pregnancy's first: a pregnancy's contacts start at most 42 weeks
    // before its EDD, and the EDD is at most 42 weeks after the contact.
    let pregnancy = add_days(start, -42 * 7).unwrap_or(NaiveDate::MIN);
    // A week's margin: more contacts never change the answer.
    let first = by_months
        .min(by_days)
        .min(nbv_born)
        .min(pregnancy)
        .checked_sub_days(Days::new(7))
        .unwrap_or(NaiveDate::MIN);
    (first, quarter.end())
}

/// The quarter's metrics from the facts of every child and pregnancy,
/// their contacts (one row per child per contact) and the measurements
/// taken at them. `asq` holds the ASQ-3 thresholds of C6iii–C6viii (the
/// trust's configured cut-offs, the same the review form scores against).
pub fn kpis(
    quarter: &Quarter,
    children: &[ChildFacts],
    contacts: &[ContactFacts],
    measurements: &[MeasurementFacts],
    cfg: &KpiConfig,
    asq: &AsqCutoffs,
) -> KpiReport {
    let (start, end) = (quarter.start(), quarter.end());
    let in_quarter = |d: Option<NaiveDate>| d.is_some_and(|d| start <= d && d <= end);
    let (nbv_from, nbv_to) = cfg.nbv_cohort(quarter);

    // Children only, each counted once even if a row is repeated.
    let mut seen_ids = HashSet::new();
    let kids: Vec<(&ChildFacts, NaiveDate)> = children
        .iter()
        .filter(|c| c.role == MemberRole::Child)
        .filter_map(|c| c.date_of_birth.map(|dob| (c, dob)))
        .filter(|(c, _)| seen_ids.insert(c.person_id))
        .collect();

    // Received reviews per child, by kind.
    let mut received: HashMap<(Uuid, ContactKind), Vec<&ContactFacts>> = HashMap::new();
    for c in contacts
        .iter()
        .filter(|c| c.attendance.was_seen() && c.kind.is_review())
    {
        received.entry((c.person_id, c.kind)).or_default().push(c);
    }
    let reviews_of = |id: Uuid, kind: ContactKind, dob: NaiveDate| {
        received
            .get(&(id, kind))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |c| c.date >= dob)
    };
    // Received on or before the deadline (and not before birth).
    let by = |id: Uuid, kind: ContactKind, dob: NaiveDate, deadline: Option<NaiveDate>| {
        deadline.is_some_and(|deadline| reviews_of(id, kind, dob).any(|c| c.date <= deadline))
    };
    // Whether a child stays in a cohort: not moved away by the quarter's
    // end, and not died by then unless the review was received.
    let counted = |child: &ChildFacts, reviewed: bool| {
        child.moved_away_on.is_none_or(|d| d > end)
            && (reviewed || child.died_on.is_none_or(|d| d > end))
    };

    let mut c2 = (0, 0);
    let mut c3 = 0;
    let mut c8i = (0, 0);
    let mut c8ii = (0, 0);
    let mut feed1 = (0, 0);
    let mut feed2 = (0, 0);
    let mut c4 = (0, 0);
    let mut c5 = (0, 0);
    let mut c6i = (0, 0);
    let mut c6ii = 0;
    let mut c6_domains = [(0, 0); 5];
    let mut c6viii = (0, 0);
    let mut eth = (0, 0);

    for &(child, dob) in &kids {
        let id = child.person_id;
        if nbv_from <= dob && dob <= nbv_to {
            let within = add_days(dob, cfg.nbv_within_days);
            // The first face-to-face visit decides: within the deadline is
            // C2; later, but by the end of the quarter, is C3.
            let first = reviews_of(id, ContactKind::NewBirth, dob)
                .filter(|c| c.face_to_face() && c.date <= end)
                .min_by_key(|c| c.date);
            if counted(child, first.is_some()) {
                c2.1 += 1;
                match (first.map(|c| c.date), within) {
                    (Some(first), Some(within)) if first <= within => c2.0 += 1,
                    (Some(_), _) => c3 += 1,
                    _ => {}
                }
                if let Some(first) = first {
                    feed1.1 += 1;
                    if first.feeding.is_some() {
                        feed1.0 += 1;
                    }
                }
            }
        }
        let eight_weeks = add_days(dob, cfg.six_eight_by_days);
        if in_quarter(eight_weeks) {
            let review = eight_weeks.and_then(|deadline| {
                reviews_of(id, ContactKind::SixToEightWeek, dob)
                    .filter(|c| c.date <= deadline)
                    .min_by_key(|c| c.date)
            });
            if counted(child, review.is_some()) {
                c8i.1 += 1;
                if let Some(review) = review {
                    c8i.0 += 1;
                    feed2.1 += 1;
                    if let Some(status) = review.feeding {
                        feed2.0 += 1;
                        c8ii.1 += 1;
                        if status.any_breast_milk() {
                            c8ii.0 += 1;
                        }
                    }
                }
            }
        }
        let twelve = add_months(dob, cfg.twelve_by_months);
        if in_quarter(twelve) {
            let done = by(id, ContactKind::TwelveMonth, dob, twelve);
            if counted(child, done) {
                c4.1 += 1;
                c4.0 += u32::from(done);
            }
        }
        let fifteen = add_months(dob, cfg.fifteen_by_months);
        if in_quarter(fifteen) {
            let done = by(id, ContactKind::TwelveMonth, dob, fifteen);
            if counted(child, done) {
                c5.1 += 1;
                c5.0 += u32::from(done);
            }
        }
        let two_half = add_months(dob, cfg.two_half_by_months);
        if in_quarter(two_half) {
            let done: Vec<&ContactFacts> = two_half
                .map(|deadline| {
                    reviews_of(id, ContactKind::TwoYear, dob)
                        .filter(|c| c.date <= deadline)
                        .collect()
                })
                .unwrap_or_default();
            if counted(child, !done.is_empty()) {
                c6i.1 += 1;
            }
            if !done.is_empty() && counted(child, true) {
                c6i.0 += 1;
                // The latest ASQ-3 completed at a review by the deadline.
                let asq3 = done
                    .iter()
                    .filter_map(|c| c.asq3.map(|a| (c.date, a)))
                    .max_by_key(|(d, _)| *d)
                    .map(|(_, a)| a);
                if let Some(a) = asq3 {
                    c6ii += 1;
                    let thresholds = a.interval.and_then(|i| asq.for_interval(i));
                    if let Some(t) = thresholds {
                        let mut all = true;
                        for (i, d) in AsqDomain::ALL.iter().enumerate() {
                            let ok = a.scores.get(*d) >= t.cutoff.get(*d);
                            c6_domains[i].1 += 1;
                            c6_domains[i].0 += u32::from(ok);
                            all &= ok;
                        }
                        c6viii.1 += 1;
                        c6viii.0 += u32::from(all);
                    }
                }
            }
        }
        if dob <= end
            && add_months(dob, 60).is_some_and(|five| end < five)
            && child.on_caseload(end)
        {
            eth.1 += 1;
            if child.ethnic_category_stated {
                eth.0 += 1;
            }
        }
    }

    let c1 = count(first_antenatal_contacts(children, contacts, quarter, cfg));

    // BMI completeness: 2–2½ year reviews received in the quarter.
    let kid_ids: HashSet<Uuid> = kids.iter().map(|(c, _)| c.person_id).collect();
    let mut measured: HashMap<(Uuid, Uuid), (bool, bool)> = HashMap::new();
    for m in measurements {
        let e = measured.entry((m.contact_id, m.person_id)).or_default();
        match m.measure {
            Measure::Weight => e.0 = true,
            Measure::Height => e.1 = true,
            _ => {}
        }
    }
    let two_year_reviews: HashSet<(Uuid, Uuid)> = contacts
        .iter()
        .filter(|c| {
            c.kind == ContactKind::TwoYear
                && c.attendance.was_seen()
                && quarter.contains(c.date)
                && kid_ids.contains(&c.person_id)
        })
        .map(|c| (c.contact_id, c.person_id))
        .collect();
    let bmi_done = two_year_reviews
        .iter()
        .filter(|k| measured.get(k) == Some(&(true, true)))
        .count();

    let metric = |code, title, (numerator, denominator): (u32, u32), definition| Metric {
        code,
        title,
        ratio: Ratio::new(numerator, denominator),
        definition,
        count_only: false,
    };
    let mut metrics = vec![
        Metric {
            code: "C1",
            title: "First face-to-face antenatal contact with a health visitor at or after 28 weeks",
            ratio: Ratio::new(c1, 0),
            definition: "Pregnancies whose first face-to-face antenatal contact with a health visitor was in the quarter, at or after 28 weeks of pregnancy (a count: there is no denominator)",
            count_only: true,
        },
        metric(
            "C2",
            "Face-to-face new birth visit within 14 days",
            (c2.0, c2.1),
            "Children who turned 30 days in the quarter and had a face-to-face new birth visit within 14 days of birth / children who turned 30 days in the quarter",
        ),
        metric(
            "C3",
            "Face-to-face new birth visit after 14 days",
            (c3, c2.1),
            "Children who turned 30 days in the quarter whose first face-to-face new birth visit (by quarter end) was more than 14 days after birth / children who turned 30 days in the quarter",
        ),
        metric(
            "C8i",
            "6–8 week review by 8 weeks",
            (c8i.0, c8i.1),
            "Children who turned 8 weeks in the quarter and had a 6–8 week review by 56 days / children who turned 8 weeks in the quarter",
        ),
        metric(
            "C8ii",
            "Totally or partially breastfed at the 6–8 week review",
            (c8ii.0, c8ii.1),
            "Children in the C8i numerator recorded as totally or partially breastfed at the review / children in the C8i numerator whose feeding status was recorded",
        ),
        metric(
            "C4",
            "12-month review by 12 months",
            (c4.0, c4.1),
            "Children who turned 12 months in the quarter and had a 12-month review by 12 months / children who turned 12 months in the quarter",
        ),
        metric(
            "C5",
            "12-month review by 15 months",
            (c5.0, c5.1),
            "Children who turned 15 months in the quarter and had a 12-month review by 15 months / children who turned 15 months in the quarter",
        ),
        metric(
            "C6i",
            "2–2½ year review by 2½ years",
            (c6i.0, c6i.1),
            "Children who turned 30 months in the quarter and had a 2–2½ year review by 30 months / children who turned 30 months in the quarter",
        ),
        metric(
            "C6ii",
            "2–2½ year reviews using ASQ-3",
            (c6ii, c6i.0),
            "Children in the C6i numerator with an ASQ-3 completed at the review / children in the C6i numerator",
        ),
    ];
    const DOMAIN_METRICS: [(&str, &str, &str); 5] = [
        (
            "C6iii",
            "At or above the expected level: communication",
            "Children in the C6ii numerator whose ASQ-3 communication score was at or above the questionnaire's threshold / those with a valid communication score",
        ),
        (
            "C6iv",
            "At or above the expected level: gross motor",
            "Children in the C6ii numerator whose ASQ-3 gross motor score was at or above the questionnaire's threshold / those with a valid gross motor score",
        ),
        (
            "C6v",
            "At or above the expected level: fine motor",
            "Children in the C6ii numerator whose ASQ-3 fine motor score was at or above the questionnaire's threshold / those with a valid fine motor score",
        ),
        (
            "C6vi",
            "At or above the expected level: problem solving",
            "Children in the C6ii numerator whose ASQ-3 problem solving score was at or above the questionnaire's threshold / those with a valid problem solving score",
        ),
        (
            "C6vii",
            "At or above the expected level: personal-social",
            "Children in the C6ii numerator whose ASQ-3 personal-social score was at or above the questionnaire's threshold / those with a valid personal-social score",
        ),
    ];
    for ((code, title, definition), figures) in DOMAIN_METRICS.into_iter().zip(c6_domains) {
        metrics.push(metric(code, title, figures, definition));
    }
    metrics.extend([
        metric(
            "C6viii",
            "At or above the expected level in all five domains",
            c6viii,
            "Children in the C6ii numerator at or above the threshold in all five ASQ-3 domains / those with valid scores in all five",
        ),
        metric(
            "ETH",
            "Ethnic category recorded",
            (eth.0, eth.1),
            "Children under five at quarter end with an ethnic category stated / children under five at quarter end",
        ),
        metric(
            "BMI2",
            "Weight and height at the 2–2½ year review",
            (count(bmi_done), count(two_year_reviews.len())),
            "2–2½ year reviews in the quarter with a weight and a height recorded at the review / 2–2½ year reviews received in the quarter",
        ),
        metric(
            "FEED1",
            "Feeding status recorded at the new birth visit",
            feed1,
            "Children in the C2 or C3 numerator whose feeding status was recorded at their first face-to-face new birth visit / children in the C2 or C3 numerator",
        ),
        metric(
            "FEED2",
            "Feeding status recorded at the 6–8 week review",
            feed2,
            "Children in the C8i numerator whose feeding status was recorded at the review / children in the C8i numerator",
        ),
    ]);

    let delivered = delivered_in(quarter, children, contacts);
    let delivery = ContactKind::REVIEWS
        .iter()
        .map(|&review| {
            let rows: Vec<&&ContactFacts> = delivered.iter().filter(|c| c.kind == review).collect();
            let tally =
                |f: &dyn Fn(&ContactFacts) -> bool| count(rows.iter().filter(|c| f(c)).count());
            Delivery {
                review,
                delivered: count(rows.len()),
                by: DeliveredBy::ALL
                    .iter()
                    .map(|&b| (b, tally(&|c| DeliveredBy::of(c.role) == b)))
                    .collect(),
                at: DeliveredWhere::ALL
                    .iter()
                    .map(|&w| (w, tally(&|c| DeliveredWhere::of(c.location) == w)))
                    .collect(),
                how: DeliveredHow::ALL
                    .iter()
                    .map(|&h| (h, tally(&|c| DeliveredHow::of(c.mechanism) == h)))
                    .collect(),
            }
        })
        .collect();
    let targets = cfg
        .delivery_targets
        .iter()
        .map(|t| {
            let of_review: Vec<&&ContactFacts> =
                delivered.iter().filter(|c| c.kind == t.review).collect();
            let ratio = Ratio::new(
                count(of_review.iter().filter(|c| t.matches(c)).count()),
                count(of_review.len()),
            );
            TargetResult {
                target: t.clone(),
                met: ratio.percent.map(|p| p >= t.percent),
                ratio,
            }
        })
        .collect();

    KpiReport {
        quarter: *quarter,
        metrics,
        delivery,
        targets,
        dna: dna_rates(quarter, children, contacts),
    }
}

/// The reviews received in the quarter, one row per child (per pregnancy
/// for the antenatal review: its first row), of known people.
fn delivered_in<'a>(
    quarter: &Quarter,
    children: &[ChildFacts],
    contacts: &'a [ContactFacts],
) -> Vec<&'a ContactFacts> {
    let people: HashMap<Uuid, &ChildFacts> = children.iter().map(|c| (c.person_id, c)).collect();
    let mut rows = HashSet::new();
    let mut pregnancies = HashSet::new();
    contacts
        .iter()
        .filter(|c| c.kind.is_review() && c.attendance.was_seen() && quarter.contains(c.date))
        .filter(|c| match people.get(&c.person_id) {
            Some(p) if c.kind == ContactKind::Antenatal => {
                pregnancies.insert((c.contact_id, p.family_id, p.expected_delivery_date))
            }
            Some(p) => p.role == MemberRole::Child && rows.insert((c.contact_id, c.person_id)),
            None => false,
        })
        .collect()
}

/// C1: pregnancies (a family's EDD: twins are one) whose first face-to-face
/// antenatal contact with a health visitor was in the quarter and at or
/// after 28 weeks of pregnancy.
fn first_antenatal_contacts(
    children: &[ChildFacts],
    contacts: &[ContactFacts],
    quarter: &Quarter,
    cfg: &KpiConfig,
) -> usize {
    let people: HashMap<Uuid, &ChildFacts> = children.iter().map(|c| (c.person_id, c)).collect();
    let mut first: HashMap<(Uuid, NaiveDate), NaiveDate> = HashMap::new();
    for c in contacts.iter().filter(|c| {
        c.kind == ContactKind::Antenatal
            && c.attendance.was_seen()
            && c.face_to_face()
            && c.role == PractitionerRole::HealthVisitor
    }) {
        let Some(edd) = people
            .get(&c.person_id)
            .and_then(|p| p.expected_delivery_date.map(|edd| (p.family_id, edd)))
        else {
            continue;
        };
        let e = first.entry(edd).or_insert(c.date);
        *e = (*e).min(c.date);
    }
    first
        .iter()
        .filter(|((_, edd), date)| {
            quarter.contains(**date)
                && add_days(*edd, -cfg.antenatal_from_days_before_edd)
                    .is_some_and(|from| **date >= from)
        })
        .count()
}

/// Did-not-attend rates: one per contact row of a known person (for the
/// antenatal review the pregnancy or the child it became; for the other
/// reviews a child), dated in the quarter.
fn dna_rates(
    quarter: &Quarter,
    children: &[ChildFacts],
    contacts: &[ContactFacts],
) -> Vec<DnaRate> {
    let roles: HashMap<Uuid, MemberRole> = children.iter().map(|c| (c.person_id, c.role)).collect();
    let mut dna = Vec::new();
    for review in ContactKind::REVIEWS {
        let mut rows = HashSet::new();
        let (mut booked, mut did_not_attend) = (0, 0);
        for c in contacts {
            let person_counts = match roles.get(&c.person_id) {
                Some(_) if review == ContactKind::Antenatal => true,
                Some(role) => *role == MemberRole::Child,
                None => false,
            };
            if c.kind != review
                || !person_counts
                || !quarter.contains(c.date)
                || !rows.insert((c.contact_id, c.person_id))
            {
                continue;
            }
            if c.attendance == Attendance::CancelledByService {
                continue;
            }
            booked += 1;
            if matches!(
                c.attendance,
                Attendance::DidNotAttend | Attendance::NoAccess
            ) {
                did_not_attend += 1;
            }
        }
        let percent = Ratio::new(did_not_attend, booked).percent;
        dna.push(DnaRate {
            review,
            booked,
            did_not_attend,
            percent,
        });
    }
    dna
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn percent_text(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}")).unwrap_or_default()
}

impl DnaRate {
    /// "DNA-new-birth".
    pub fn code(&self) -> String {
        format!("DNA-{}", self.review.code())
    }

    /// "New birth visit did-not-attend rate".
    pub fn title(&self) -> String {
        format!("{} did-not-attend rate", self.review.label())
    }
}

impl KpiReport {
    /// Rows of (code, title, numerator, denominator, percent to 1 dp or "").
    fn rows(&self) -> Vec<[String; 5]> {
        let metrics = self.metrics.iter().map(|m| {
            [
                m.code.to_string(),
                m.title.to_string(),
                m.ratio.numerator.to_string(),
                if m.count_only {
                    String::new()
                } else {
                    m.ratio.denominator.to_string()
                },
                percent_text(m.ratio.percent),
            ]
        });
        let delivery = self.delivery.iter().flat_map(|d| {
            let row = |group: &str, code: &str, label: &str, n: u32| {
                let how = match group {
                    "by" => "delivered by",
                    "at" => "delivered at",
                    _ => "delivered:",
                };
                [
                    format!("DEL-{}-{group}-{code}", d.review.code()),
                    format!("{} {how} {label}", d.review.label()),
                    n.to_string(),
                    d.delivered.to_string(),
                    percent_text(Ratio::new(n, d.delivered).percent),
                ]
            };
            let by =
                d.by.iter()
                    .map(move |(g, n)| row("by", g.code(), g.label(), *n));
            let at =
                d.at.iter()
                    .map(move |(g, n)| row("at", g.code(), g.label(), *n));
            let how = d
                .how
                .iter()
                .map(move |(g, n)| row("how", g.code(), g.label(), *n));
            by.chain(at).chain(how).collect::<Vec<_>>()
        });
        let targets = self.targets.iter().map(|t| {
            [
                t.target.code(),
                format!(
                    "{} (target {}%{})",
                    t.target.describe(),
                    t.target.percent,
                    match t.met {
                        Some(true) => ": met",
                        Some(false) => ": not met",
                        None => "",
                    }
                ),
                t.ratio.numerator.to_string(),
                t.ratio.denominator.to_string(),
                percent_text(t.ratio.percent),
            ]
        });
        let dna = self.dna.iter().map(|d| {
            [
                d.code(),
                d.title(),
                d.did_not_attend.to_string(),
                d.booked.to_string(),
                percent_text(d.percent),
            ]
        });
        metrics.chain(delivery).chain(targets).chain(dna).collect()
    }

    /// CSV: a header "code,title,numerator,denominator,percent", a row per
    /// metric (C1's denominator empty: it is a count), a row per delivery
    /// group of each review "DEL-<review>-<by|at|how>-<group>", a row per
    /// delivery target "TGT-…", then a row per review "DNA-<review
    /// code>,<label> did-not-attend rate,<dna>,<booked>,<percent>". The
    /// percentage has one decimal place and is empty when the denominator
    /// is 0.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("code,title,numerator,denominator,percent\n");
        for row in self.rows() {
            let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// A plain-text table titled with the quarter, columns aligned. The
    /// delivery groups no review was delivered by are left out (the CSV
    /// lists every one).
    pub fn to_table(&self) -> String {
        let header = ["Code", "Measure", "Numerator", "Denominator", "%"].map(String::from);
        let mut rows = vec![header];
        let shown = self
            .rows()
            .into_iter()
            .filter(|r| !(r[0].starts_with("DEL-") && r[2] == "0"));
        rows.extend(shown.map(|mut r| {
            if r[4].is_empty() {
                r[4] = "–".into();
            }
            r
        }));
        let mut widths = [0usize; 5];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let title = format!("Health-visiting metrics, {}", self.quarter.label());
        let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
        for (i, row) in rows.iter().enumerate() {
            let mut line = String::new();
            for (j, (cell, w)) in row.iter().zip(widths).enumerate() {
                let pad = " ".repeat(w - cell.chars().count());
                if j > 0 {
                    line.push_str("  ");
                }
                // Text left, numbers right.
                if j < 2 {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            if i == 0 {
                let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
                out.push_str(&"-".repeat(total));
                out.push('\n');
            }
        }
        out
    }
}
