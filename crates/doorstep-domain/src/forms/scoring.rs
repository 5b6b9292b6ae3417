//! Scores computed from answers (REFERENCE §3), with configurable cut-offs.
//!
//! - **Whooley** (`fhat`): positive when question 1 or 2 is yes.
//! - **GAD-2** (`fhat`): total 0–6 of two items scored 0–3; positive at or
//!   above [`FormsConfig::gad2_cutoff`] (3).
//! - **EPDS** (`epds`): from version 3 each item records the answer the
//!   parent chose, by its place on the printed scale (`a`–`d`, first to
//!   fourth), and the engine scores it with [`epds_item_score`] (items 3
//!   and 5–10 reverse-scored); versions 1 and 2 hold the item scores 0–3
//!   as already scored on paper. Total 0–30: at or above
//!   [`FormsConfig::epds_cutoff`] (13) probable depression (positive), at or
//!   above [`FormsConfig::epds_lower_cutoff`] (10) possible depression.
//!   Item 10 above 0 raises an urgent safeguarding prompt whatever the
//!   total, on its own score (`epds-item10`) and on the total.
//! - **ASQ-3** (`two-year-review`): per domain, below the cut-off (mean −
//!   2 SD) refer; from the cut-off up to the monitoring threshold (mean −
//!   1 SD) monitor, only when the trust configured thresholds (none are
//!   assumed); otherwise on schedule. OHID's "at or above the expected
//!   level" (C6iii–vii) is score ≥ cut-off. The questionnaire interval is
//!   the `asq-interval` answer when given, otherwise [`asq_interval`] of the
//!   child's age in the [`ScoreContext`].

use serde::{Deserialize, Serialize};

use super::{Answer, Answers, FormDefinition};

/// Something a score asks the practitioner to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ScoreFlag {
    /// Screen positive: consider assessment or referral.
    Positive,
    /// Urgent: act today (EPDS item 10 above 0).
    Urgent,
    /// Below the ASQ-3 cut-off: further assessment may be needed.
    Refer,
    /// In the ASQ-3 monitoring zone.
    Monitor,
}

/// One computed score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Score {
    /// Stable code, e.g. `gad2-total`, `epds-total`, `epds-item10`,
    /// `whooley-positive` (1 or 0), `asq3-interval`, `asq3-communication`,
    /// `asqse2-total`.
    pub code: String,
    /// What it is, in words.
    pub label: String,
    /// The value.
    pub value: f64,
    /// What it means, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// What to act on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<ScoreFlag>,
}

impl Score {
    fn new(code: &str, label: &str, value: f64) -> Score {
        Score {
            code: code.into(),
            label: label.into(),
            value,
            interpretation: None,
            flags: Vec::new(),
        }
    }

    /// True when the score carries `flag`.
    pub fn has(&self, flag: ScoreFlag) -> bool {
        self.flags.contains(&flag)
    }
}

/// Facts about the subject that scoring needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScoreContext {
    /// The child's age in days on the day of the review.
    pub child_age_days: Option<i64>,
    /// The child's age corrected for prematurity, in days (age minus the
    /// days born before 40 weeks), when known.
    pub corrected_age_days: Option<i64>,
}

/// The five ASQ-3 domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum AsqDomain {
    /// Communication.
    Communication,
    /// Gross motor.
    GrossMotor,
    /// Fine motor.
    FineMotor,
    /// Problem solving.
    ProblemSolving,
    /// Personal-social.
    PersonalSocial,
}

impl AsqDomain {
    /// All five, in questionnaire order.
    pub const ALL: [AsqDomain; 5] = [
        AsqDomain::Communication,
        AsqDomain::GrossMotor,
        AsqDomain::FineMotor,
        AsqDomain::ProblemSolving,
        AsqDomain::PersonalSocial,
    ];

    /// Short code (`communication`, `gross-motor`, …).
    pub fn code(&self) -> &'static str {
        match self {
            AsqDomain::Communication => "communication",
            AsqDomain::GrossMotor => "gross-motor",
            AsqDomain::FineMotor => "fine-motor",
            AsqDomain::ProblemSolving => "problem-solving",
            AsqDomain::PersonalSocial => "personal-social",
        }
    }

    /// The item's linkId in the two-year review, also the score code
    /// (`asq3-communication`, …).
    pub fn link_id(&self) -> &'static str {
        match self {
            AsqDomain::Communication => "asq3-communication",
            AsqDomain::GrossMotor => "asq3-gross-motor",
            AsqDomain::FineMotor => "asq3-fine-motor",
            AsqDomain::ProblemSolving => "asq3-problem-solving",
            AsqDomain::PersonalSocial => "asq3-personal-social",
        }
    }

    /// Label.
    pub fn label(&self) -> &'static str {
        match self {
            AsqDomain::Communication => "Communication",
            AsqDomain::GrossMotor => "Gross motor",
            AsqDomain::FineMotor => "Fine motor",
            AsqDomain::ProblemSolving => "Problem solving",
            AsqDomain::PersonalSocial => "Personal-social",
        }
    }
}

/// One number per ASQ-3 domain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub struct AsqDomainValues {
    /// Communication.
    pub communication: f64,
    /// Gross motor.
    pub gross_motor: f64,
    /// Fine motor.
    pub fine_motor: f64,
    /// Problem solving.
    pub problem_solving: f64,
    /// Personal-social.
    pub personal_social: f64,
}

impl AsqDomainValues {
    /// Values from `value` per domain; `None` if any domain has none.
    pub fn try_from_fn(mut value: impl FnMut(AsqDomain) -> Option<f64>) -> Option<Self> {
        Some(AsqDomainValues {
            communication: value(AsqDomain::Communication)?,
            gross_motor: value(AsqDomain::GrossMotor)?,
            fine_motor: value(AsqDomain::FineMotor)?,
            problem_solving: value(AsqDomain::ProblemSolving)?,
            personal_social: value(AsqDomain::PersonalSocial)?,
        })
    }

    /// The value for one domain.
    pub fn get(&self, d: AsqDomain) -> f64 {
        match d {
            AsqDomain::Communication => self.communication,
            AsqDomain::GrossMotor => self.gross_motor,
            AsqDomain::FineMotor => self.fine_motor,
            AsqDomain::ProblemSolving => self.problem_solving,
            AsqDomain::PersonalSocial => self.personal_social,
        }
    }
}

/// Cut-offs for one ASQ-3 questionnaire interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AsqIntervalCutoffs {
    /// Referral cut-off per domain (mean − 2 SD): below it, refer.
    pub cutoff: AsqDomainValues,
    /// Monitoring threshold per domain (mean − 1 SD): from the cut-off up to
    /// below this, monitor. None unless the trust configures it: there is
    /// no monitoring zone without published thresholds.
    #[serde(default)]
    pub monitor: Option<AsqDomainValues>,
}

/// ASQ-3 cut-offs for the 24, 27 and 30-month questionnaires.
///
/// The referral cut-offs are REFERENCE §3.4's table, marked **[R]**:
/// confirm against the OHID C6iii–vii definitions or the User's Guide
/// Table 18. The monitoring thresholds (mean − 1 SD) are not in the
/// reference, so by default there is no monitoring zone: a trust that
/// holds the published values configures them (`monitor` per interval).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct AsqCutoffs {
    /// 24-month questionnaire.
    #[serde(rename = "24")]
    pub m24: AsqIntervalCutoffs,
    /// 27-month questionnaire.
    #[serde(rename = "27")]
    pub m27: AsqIntervalCutoffs,
    /// 30-month questionnaire.
    #[serde(rename = "30")]
    pub m30: AsqIntervalCutoffs,
}

impl Default for AsqCutoffs {
    fn default() -> Self {
        let row = |c, g, f, p, s| AsqIntervalCutoffs {
            cutoff: AsqDomainValues {
                communication: c,
                gross_motor: g,
                fine_motor: f,
                problem_solving: p,
                personal_social: s,
            },
            monitor: None,
        };
        AsqCutoffs {
            m24: row(25.17, 38.07, 35.16, 29.78, 31.54),
            m27: row(24.02, 28.01, 18.42, 27.62, 25.31),
            m30: row(33.30, 36.14, 19.25, 27.08, 32.01),
        }
    }
}

impl AsqCutoffs {
    /// The cut-offs for a questionnaire interval (24, 27 or 30).
    pub fn for_interval(&self, interval: u8) -> Option<&AsqIntervalCutoffs> {
        match interval {
            24 => Some(&self.m24),
            27 => Some(&self.m27),
            30 => Some(&self.m30),
            _ => None,
        }
    }
}

/// Scoring configuration (REFERENCE §3; keep configurable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct FormsConfig {
    /// EPDS total at or above which depression is probable (13).
    pub epds_cutoff: u8,
    /// EPDS total at or above which depression is possible (10; some local
    /// pathways use 12).
    pub epds_lower_cutoff: u8,
    /// GAD-2 total at or above which the screen is positive (3).
    pub gad2_cutoff: u8,
    /// ASQ-3 cut-offs and monitoring thresholds.
    pub asq3: AsqCutoffs,
    /// When an ASQ-3 questionnaire is chosen by corrected age.
    #[serde(default)]
    pub asq_correction: AsqCorrection,
}

/// When a child's ASQ-3 questionnaire is chosen by corrected age
/// (REFERENCE §3.4, [R]: a rule a trust configures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct AsqCorrection {
    /// Babies born at least this many days early are assessed at corrected
    /// age (21: three weeks).
    pub from_days_early: i64,
    /// Correction stops at this corrected age, in months (24).
    pub until_months: i64,
}

impl Default for AsqCorrection {
    fn default() -> Self {
        AsqCorrection {
            from_days_early: 21,
            until_months: 24,
        }
    }
}

impl Default for FormsConfig {
    fn default() -> Self {
        FormsConfig {
            epds_cutoff: 13,
            epds_lower_cutoff: 10,
            gad2_cutoff: 3,
            asq3: AsqCutoffs::default(),
            asq_correction: AsqCorrection::default(),
        }
    }
}

/// An ASQ-3 domain's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum AsqZone {
    /// Below the cut-off: further assessment may be needed.
    Refer,
    /// From the cut-off to below the monitoring threshold.
    Monitor,
    /// At or above the monitoring threshold.
    OnSchedule,
}

impl AsqZone {
    /// OHID's "at or above the expected level" (C6iii–vii): score at or
    /// above the cut-off, i.e. not [`AsqZone::Refer`].
    pub fn at_expected_level(&self) -> bool {
        !matches!(self, AsqZone::Refer)
    }

    /// Code (`refer`, `monitor`, `on-schedule`).
    pub fn code(&self) -> &'static str {
        match self {
            AsqZone::Refer => "refer",
            AsqZone::Monitor => "monitor",
            AsqZone::OnSchedule => "on-schedule",
        }
    }
}

/// The zone of an ASQ-3 domain score: below `cutoff` refer; from `cutoff`
/// up to below `monitor` monitor; otherwise on schedule.
pub fn asq_zone(score: f64, cutoff: f64, monitor: Option<f64>) -> AsqZone {
    if score < cutoff {
        AsqZone::Refer
    } else if monitor.is_some_and(|m| score < m) {
        AsqZone::Monitor
    } else {
        AsqZone::OnSchedule
    }
}

/// The first day of month `m` of age: `floor(m × 365.25 / 12)` days.
fn month_start(m: i64) -> i64 {
    (m * 1461).div_euclid(48)
}

/// An age in days as (completed months, days). Months are average calendar
/// months of 365.25 / 12 = 30.4375 days: month `m` starts on day
/// `floor(m × 1461 / 48)`, and the days are the days since then. So 23
/// months 0 days is day 700, 25 months 15 days is day 775, 28 months
/// 16 days is day 868 and 31 months 15 days is day 958. (An age given in
/// days has no calendar to count in; this can differ from counting
/// calendar months from a date of birth by a day.) Negative ages give
/// negative months.
pub fn months_and_days(age_days: i64) -> (i64, i64) {
    let mut m = (age_days * 48).div_euclid(1461);
    while month_start(m + 1) <= age_days {
        m += 1;
    }
    while month_start(m) > age_days {
        m -= 1;
    }
    (m, age_days - month_start(m))
}

/// The age used for the ASQ-3 interval: `(days, corrected)`.
fn asq_age(age_days: i64, corrected_age_days: Option<i64>, rule: &AsqCorrection) -> (i64, bool) {
    match corrected_age_days {
        Some(c) if age_days - c >= rule.from_days_early && c < month_start(rule.until_months) => {
            (c, true)
        }
        _ => (age_days, false),
    }
}

/// The ASQ-3 questionnaire (24, 27 or 30 months) for a child of this age
/// (REFERENCE §3.4): 24 for 23 m 0 d – 25 m 15 d, 27 for 25 m 16 d –
/// 28 m 15 d, 30 for 28 m 16 d – 31 m 15 d, both ends inclusive, with months
/// and days counted as in [`months_and_days`].
///
/// The age used is the corrected age when one is given, the baby was born
/// at least 3 weeks early (`age_days − corrected_age_days ≥ 21`) and the
/// corrected age is under 24 months (both [`FormsConfig::asq_correction`]);
/// otherwise the chronological age. (The
/// reference says to correct "until 24 months" [R]; reading that as
/// corrected age lets a child at 25 m 16 d born 7 weeks early use the
/// 24-month questionnaire.) Outside the three windows: `Err` with the
/// reason.
pub fn asq_interval(
    age_days: i64,
    corrected_age_days: Option<i64>,
    cfg: &FormsConfig,
) -> Result<u8, String> {
    asq_interval_detail(age_days, corrected_age_days, cfg).map(|(i, _)| i)
}

fn asq_interval_detail(
    age_days: i64,
    corrected_age_days: Option<i64>,
    cfg: &FormsConfig,
) -> Result<(u8, bool), String> {
    let (age, corrected) = asq_age(age_days, corrected_age_days, &cfg.asq_correction);
    let at = |m, d| month_start(m) + d;
    let interval = if age < at(23, 0) {
        None
    } else if age <= at(25, 15) {
        Some(24)
    } else if age <= at(28, 15) {
        Some(27)
    } else if age <= at(31, 15) {
        Some(30)
    } else {
        None
    };
    match interval {
        Some(i) => Ok((i, corrected)),
        None => {
            let (m, d) = months_and_days(age);
            let which = if corrected { "corrected age" } else { "age" };
            let limit = if age < at(23, 0) {
                "the 24-month questionnaire starts at 23 months 0 days"
            } else {
                "the 30-month questionnaire ends at 31 months 15 days"
            };
            Err(format!(
                "the child's {which} is {m} months {d} days, outside the 24, 27 and 30-month ASQ-3 windows: {limit}"
            ))
        }
    }
}

/// Converts an EPDS response position to its score. `response_position`
/// is the mother's chosen response counted 0–3 from the top. Items 1, 2
/// and 4 score 0→3 from top to bottom; items 3 and 5–10 are reverse-scored
/// (top response = 3). Positions above 3 count as 3; any item number other
/// than 1, 2 or 4 is treated as reverse-scored.
pub fn epds_item_score(item: u8, response_position: u8) -> u8 {
    let p = response_position.min(3);
    if matches!(item, 1 | 2 | 4) {
        p
    } else {
        3 - p
    }
}

/// How the ASQ-3 questionnaire interval was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntervalChoice {
    /// 24, 27 or 30.
    pub interval: u8,
    /// Taken from the `asq-interval` answer (not computed).
    pub from_answer: bool,
    /// Computed from the corrected age.
    pub corrected: bool,
}

/// One ASQ-3 domain's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AsqDomainResult {
    /// The domain.
    pub domain: AsqDomain,
    /// Its score (0–60).
    pub score: f64,
    /// The referral cut-off used.
    pub cutoff: f64,
    /// The monitoring threshold used, when the trust configured one.
    pub monitor: Option<f64>,
    /// The zone.
    pub zone: AsqZone,
    /// OHID's "at or above the expected level" (score ≥ cut-off).
    pub expected_level: bool,
}

/// The ASQ-3 interval and each answered domain's zone, or why the interval
/// is not known (no `asq-interval` answer and no age, or an age outside the
/// windows).
pub fn asq_domain_results(
    answers: &Answers,
    ctx: &ScoreContext,
    cfg: &FormsConfig,
) -> Result<(IntervalChoice, Vec<AsqDomainResult>), String> {
    let choice = match answers
        .get("asq-interval")
        .and_then(Answer::as_code)
        .and_then(|c| c.parse::<u8>().ok())
    {
        Some(interval) => IntervalChoice {
            interval,
            from_answer: true,
            corrected: false,
        },
        None => {
            let age = ctx.child_age_days.ok_or_else(|| {
                "the child's age is not known: choose the questionnaire (asq-interval)".to_string()
            })?;
            let (interval, corrected) = asq_interval_detail(age, ctx.corrected_age_days, cfg)?;
            IntervalChoice {
                interval,
                from_answer: false,
                corrected,
            }
        }
    };
    let cut = cfg.asq3.for_interval(choice.interval).ok_or_else(|| {
        format!(
            "no cut-offs for the {}-month questionnaire",
            choice.interval
        )
    })?;
    let results = AsqDomain::ALL
        .iter()
        .filter_map(|&domain| {
            let score = answers.get(domain.link_id())?.as_f64()?;
            let cutoff = cut.cutoff.get(domain);
            let monitor = cut.monitor.map(|m| m.get(domain));
            let zone = asq_zone(score, cutoff, monitor);
            Some(AsqDomainResult {
                domain,
                score,
                cutoff,
                monitor,
                zone,
                expected_level: zone.at_expected_level(),
            })
        })
        .collect();
    Ok((choice, results))
}

/// The scores of a response, from the answers so far (a total appears once
/// all its items are answered). Which scores depends on the form: `fhat`
/// (Whooley, GAD-2), `epds` (total, item 10), `two-year-review` (ASQ-3
/// interval and domains, ASQ:SE-2 total); other forms have none. See the
/// module docs for the rules.
pub fn scores(
    def: &FormDefinition,
    answers: &Answers,
    ctx: &ScoreContext,
    cfg: &FormsConfig,
) -> Vec<Score> {
    let mut out = Vec::new();
    match def.id.as_str() {
        "fhat" => {
            whooley(answers, &mut out);
            gad2(answers, cfg, &mut out);
        }
        "epds" => epds(answers, cfg, &mut out),
        "two-year-review" => asq(answers, ctx, cfg, &mut out),
        _ => {}
    }
    out
}

fn int(answers: &Answers, path: &str) -> Option<i64> {
    match answers.get(path)? {
        Answer::Integer(i) => Some(*i),
        _ => None,
    }
}

fn whooley(answers: &Answers, out: &mut Vec<Score>) {
    let q = |p| answers.get(p).and_then(Answer::as_bool);
    let (q1, q2) = (q("whooley-q1"), q("whooley-q2"));
    let positive = match (q1, q2) {
        (Some(true), _) | (_, Some(true)) => true,
        (Some(false), Some(false)) => false,
        _ => return,
    };
    let mut s = Score::new(
        "whooley-positive",
        "Whooley questions",
        if positive { 1.0 } else { 0.0 },
    );
    if positive {
        let help = match q("whooley-help") {
            Some(true) => "; she wants help with this",
            Some(false) => "; she does not want help with this now",
            None => "",
        };
        s.interpretation = Some(format!(
            "positive screen: consider a full assessment (e.g. EPDS or PHQ-9) or referral{help}"
        ));
        s.flags.push(ScoreFlag::Positive);
    } else {
        s.interpretation = Some("negative screen".into());
    }
    out.push(s);
}

fn gad2(answers: &Answers, cfg: &FormsConfig, out: &mut Vec<Score>) {
    let (Some(a), Some(b)) = (int(answers, "gad2-q1"), int(answers, "gad2-q2")) else {
        return;
    };
    let total = a + b;
    let cutoff = i64::from(cfg.gad2_cutoff);
    let mut s = Score::new("gad2-total", "GAD-2 total", total as f64);
    if total >= cutoff {
        s.interpretation = Some(format!(
            "positive screen ({cutoff} or more): consider GAD-7 or referral"
        ));
        s.flags.push(ScoreFlag::Positive);
    } else {
        s.interpretation = Some(format!("below the cut-off of {cutoff}"));
    }
    out.push(s);
}

/// The urgent prompt for EPDS item 10 above 0.
pub(crate) const EPDS_URGENT: &str = "urgent safeguarding prompt: assess risk of self-harm today";

/// The printed answers of an EPDS item, first to fourth (version 3 on).
const EPDS_ANSWERS: [&str; 4] = ["a", "b", "c", "d"];

fn epds(answers: &Answers, cfg: &FormsConfig, out: &mut Vec<Score>) {
    let items: Vec<Option<i64>> = (1..=10u8)
        .map(|i| match answers.get(&format!("epds-{i}"))? {
            // Versions 1 and 2: the score, already reverse-scored on paper.
            Answer::Integer(score) => Some(*score),
            // Version 3: the answer chosen, scored here.
            Answer::Coding(code) => EPDS_ANSWERS
                .iter()
                .position(|a| a == code)
                .map(|p| i64::from(epds_item_score(i, p as u8))),
            _ => None,
        })
        .collect();
    let urgent = items[9].is_some_and(|v| v > 0);
    if items.iter().all(Option::is_some) {
        let total: i64 = items.iter().flatten().sum();
        let (hi, lo) = (i64::from(cfg.epds_cutoff), i64::from(cfg.epds_lower_cutoff));
        let mut s = Score::new("epds-total", "EPDS total", total as f64);
        let mut text = if total >= hi {
            s.flags.push(ScoreFlag::Positive);
            format!("probable depression ({hi} or more): assess")
        } else if total >= lo {
            format!(
                "possible depression ({lo} or more): consider assessment under the local pathway"
            )
        } else {
            format!("below the cut-offs ({lo} and {hi})")
        };
        if urgent {
            s.flags.push(ScoreFlag::Urgent);
            text.push_str("; ");
            text.push_str(EPDS_URGENT);
        }
        s.interpretation = Some(text);
        out.push(s);
    }
    if let Some(v) = items[9] {
        let mut s = Score::new(
            "epds-item10",
            "EPDS item 10 (thoughts of self-harm)",
            v as f64,
        );
        if urgent {
            s.interpretation = Some(EPDS_URGENT.into());
            s.flags.push(ScoreFlag::Urgent);
        }
        out.push(s);
    }
}

fn asq(answers: &Answers, ctx: &ScoreContext, cfg: &FormsConfig, out: &mut Vec<Score>) {
    match asq_domain_results(answers, ctx, cfg) {
        Ok((choice, results)) => {
            let mut s = Score::new(
                "asq3-interval",
                "ASQ-3 questionnaire (months)",
                f64::from(choice.interval),
            );
            s.interpretation = Some(
                if choice.from_answer {
                    "as recorded"
                } else if choice.corrected {
                    "from the child's corrected age"
                } else {
                    "from the child's age"
                }
                .into(),
            );
            out.push(s);
            for r in results {
                let mut s = Score::new(
                    r.domain.link_id(),
                    &format!("ASQ-3 {}", r.domain.label()),
                    r.score,
                );
                s.interpretation = Some(match r.zone {
                    AsqZone::Refer => {
                        s.flags.push(ScoreFlag::Refer);
                        format!(
                            "below cut-off ({} for the {}-month questionnaire): further assessment may be needed",
                            r.cutoff, choice.interval
                        )
                    }
                    AsqZone::Monitor => {
                        s.flags.push(ScoreFlag::Monitor);
                        format!(
                            "monitoring zone ({} to below {}): provide activities and monitor",
                            r.cutoff,
                            r.monitor.unwrap_or(r.cutoff)
                        )
                    }
                    AsqZone::OnSchedule => "on schedule".into(),
                });
                out.push(s);
            }
        }
        Err(reason) => {
            for d in AsqDomain::ALL {
                if let Some(v) = answers.get(d.link_id()).and_then(Answer::as_f64) {
                    let mut s = Score::new(d.link_id(), &format!("ASQ-3 {}", d.label()), v);
                    s.interpretation = Some(format!("zone not known: {reason}"));
                    out.push(s);
                }
            }
        }
    }
    if let Some(v) = int(answers, "asqse2-total") {
        out.push(Score::new("asqse2-total", "ASQ:SE-2 total", v as f64));
    }
}
