//! Contact use-cases: record a draft (with measurements) offline, add
//! measurements to a draft, sign, add an addendum, and see the reviews and
//! growth of a family's children: centiles as values are typed, and growth
//! charts with the WHO centile lines.

use chrono::NaiveDate;
use doorstep_domain::clinical::growth::{self, Assessment, Measure, Subject};
use doorstep_domain::clinical::schedule::{self, Review};
use doorstep_domain::record::contact::{self, Measurement, NewContact, NewMeasurements};
use doorstep_domain::record::family::{Family, Person};
use serde::Serialize;
use uuid::Uuid;

use crate::session::Written;
use crate::{CoreError, Session};

/// A measurement with its centile, as shown to the practitioner.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MeasurementView {
    /// Measurement id.
    pub id: Uuid,
    /// The record.
    pub measurement: Measurement,
    /// SDS, centile and the table used, when a UK-WHO reference applies.
    pub assessment: Option<Assessment>,
    /// Why there is no assessment, when there is none.
    pub no_assessment: Option<String>,
}

/// A BMI computed from a weight and a height taken at the same contact.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BmiView {
    /// The contact.
    pub contact_id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The contact's date.
    pub measured_on: NaiveDate,
    /// kg/m².
    pub bmi: f64,
    /// Its assessment against WHO BMI-for-age.
    pub assessment: Option<Assessment>,
}

/// A child's growth: every measurement with its centile, and BMIs.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GrowthView {
    /// The child.
    pub person_id: Uuid,
    /// Measurements, oldest first.
    pub measurements: Vec<MeasurementView>,
    /// BMI at each contact with both weight and height.
    pub bmi: Vec<BmiView>,
}

impl Session {
    /// Records a contact as a draft, with any measurements taken at it, as
    /// one action (one commit, one audit row).
    pub fn record_contact(
        &mut self,
        family_id: &str,
        input: &NewContact,
        measurements: &[NewMeasurements],
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = contact::record_contact_with_measurements(
            &current,
            Uuid::new_v4(),
            input,
            measurements,
            &mut Uuid::new_v4,
            &cx,
        )?;
        self.write(id, action, &cx)
    }

    /// Changes a draft contact to `input` (the whole contact as the
    /// practitioner now has it); a signed contact is corrected by addenda.
    pub fn edit_contact(
        &mut self,
        family_id: &str,
        contact_id: &str,
        input: &NewContact,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = contact::edit_contact(&current, contact_id, input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Adds measurements to a draft contact.
    pub fn add_measurements(
        &mut self,
        family_id: &str,
        contact_id: &str,
        input: &NewMeasurements,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let (cid, c) = contact::find_contact(&current, contact_id)?;
        let list = contact::add_measurements(&current, cid, c, input, &mut Uuid::new_v4, &cx)?;
        let mut actions = list.into_iter().map(|(_, _, a)| a);
        let first = actions.next().expect("at least one measurement");
        let record_id = first.record_id;
        self.write(id, first.followed_by(actions), &cx)?;
        Ok(Written {
            family_id: id,
            record_id,
        })
    }

    /// Signs a draft contact: from now on it cannot change.
    pub fn sign_contact(
        &mut self,
        family_id: &str,
        contact_id: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = contact::sign_contact(&current, contact_id, &cx)?;
        self.write(id, action, &cx)
    }

    /// Adds a dated correction to a signed contact.
    pub fn add_addendum(
        &mut self,
        family_id: &str,
        contact_id: &str,
        text: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = contact::add_addendum(&current, contact_id, Uuid::new_v4(), text, &cx)?;
        self.write(id, action, &cx)
    }

    /// The reviews of every child and pregnancy in a family, as of today.
    pub fn family_reviews(&mut self, family_id: &str) -> Result<Vec<Review>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        self.audit_view("reviews.view", id)?;
        let (children, mut contacts) = schedule::facts_of(&family);
        for other in self.merged_records(id)? {
            contacts.extend(schedule::merged_contacts(&family, &other));
        }
        let today = self.clock().today();
        Ok(children
            .iter()
            .flat_map(|c| {
                let mine: Vec<_> = contacts
                    .iter()
                    .filter(|x| x.person_id == c.person_id)
                    .collect();
                schedule::reviews(c, &mine, today, &self.config.schedule)
            })
            .collect())
    }

    /// A child's measurements with SDS and centiles, and BMIs.
    pub fn growth(&mut self, family_id: &str, person_id: &str) -> Result<GrowthView, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        self.audit_view("growth.view", id)?;
        let (pid, child) = child_of(&family, person_id)?;
        let subject = subject_of(child);
        let rule = self.config.growth.prematurity;
        let assess = |measure: Measure, on, value| match &subject {
            Some(s) => growth::assess_with(s, measure, on, value, &rule).map_err(|e| e.to_string()),
            None => Err(NO_REFERENCE.to_string()),
        };
        // Measurements taken under records merged into this child count too.
        let merged = self.merged_records(id)?;
        let mut list: Vec<(&Uuid, &Measurement)> = family
            .measurements
            .iter()
            .filter(|(_, m)| m.person_id == pid && m.entered_in_error.is_none())
            .chain(merged.iter().flat_map(|other| {
                other.measurements.iter().filter(move |(_, m)| {
                    m.entered_in_error.is_none()
                        && other
                            .members
                            .get(&m.person_id)
                            .and_then(|p| p.merged_into.as_ref())
                            .is_some_and(|mark| mark.family_id == id && mark.person_id == Some(pid))
                })
            }))
            .collect();
        list.sort_by_key(|(_, m)| (m.measured_on, m.recorded.at));
        let measurements = list
            .iter()
            .map(|(mid, m)| {
                let a = assess(m.measure, m.measured_on, m.value);
                MeasurementView {
                    id: **mid,
                    measurement: (*m).clone(),
                    no_assessment: a.as_ref().err().cloned(),
                    assessment: a.ok(),
                }
            })
            .collect();
        let mut bmi = Vec::new();
        for (cid, c) in family
            .contacts
            .iter()
            .chain(merged.iter().flat_map(|o| o.contacts.iter()))
        {
            if !c.is_current() {
                continue;
            }
            let at = |measure| {
                list.iter()
                    .find(|(_, m)| m.contact_id == *cid && m.measure == measure)
                    .map(|(_, m)| m.value)
            };
            if let (Some(w), Some(h)) = (
                at(Measure::Weight),
                at(Measure::Height).or(at(Measure::Length)),
            ) {
                let value = growth::bmi(w, h);
                bmi.push(BmiView {
                    contact_id: *cid,
                    person_id: pid,
                    measured_on: c.date,
                    bmi: value,
                    assessment: assess(Measure::Bmi, c.date, value).ok(),
                });
            }
        }
        Ok(GrowthView {
            person_id: pid,
            measurements,
            bmi,
        })
    }
}

/// One centile line of a chart.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CentileLine {
    /// "50th" and so on.
    pub centile: String,
    /// Its SDS.
    pub sds: f64,
    /// (age in days from term, value) points, one segment per reference
    /// (UK90 preterm and birth, WHO 2006, UK90 child): draw each segment
    /// alone, never joining them.
    pub segments: Vec<Vec<(i64, f64)>>,
}

/// One plotted measurement.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChartPoint {
    /// The measurement (for BMI, the contact whose weight and height gave it).
    pub measurement_id: Uuid,
    /// When it was taken.
    pub measured_on: NaiveDate,
    /// Age in days it is plotted at (corrected age when correction applies).
    pub age_days: i64,
    /// Whether that age is corrected for prematurity.
    pub corrected: bool,
    /// The value.
    pub value: f64,
    /// Its centile, 0–100.
    pub centile: f64,
    /// The centile in the chart's words.
    pub centile_words: String,
    /// Its SDS.
    pub sds: f64,
    /// The UK-WHO reference it was read from.
    pub reference: growth::GrowthReference,
}

/// A growth chart for one child and measure: WHO centile lines over the
/// child's age range, and the child's measurements on them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GrowthChart {
    /// The child.
    pub person_id: Uuid,
    /// What is plotted.
    pub measure: Measure,
    /// Its unit.
    pub unit: String,
    /// The chart's name, e.g. "Weight-for-age (UK-WHO)".
    pub title: String,
    /// First age in days on the x axis (from term: negative when a preterm
    /// baby's points before term are shown).
    pub from_days: i64,
    /// Last age in days.
    pub to_days: i64,
    /// Centile lines, lowest first.
    pub lines: Vec<CentileLine>,
    /// The child's measurements that have a centile, oldest first.
    pub points: Vec<ChartPoint>,
    /// Why the chart has no lines, when it has none (e.g. no date of birth).
    pub unavailable: Option<String>,
}

/// One typed value checked before it is saved.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MeasurementPreview {
    /// The input field (weight_kg, length_cm, height_cm, head_cm).
    pub field: String,
    /// The measure.
    pub measure: Measure,
    /// The value, when it is a number.
    pub value: Option<f64>,
    /// Why it would be refused.
    pub problem: Option<String>,
    /// Why it needs confirming (implausible).
    pub warning: Option<String>,
    /// SDS and centile, when a UK-WHO reference applies.
    pub assessment: Option<Assessment>,
    /// Why there is no centile, when there is none.
    pub no_assessment: Option<String>,
}

fn child_of<'f>(family: &'f Family, person_id: &str) -> Result<(Uuid, &'f Person), CoreError> {
    let pid = Uuid::parse_str(person_id.trim())
        .map_err(|_| CoreError::invalid("child", "is not a record id"))?;
    let child = family
        .members
        .get(&pid)
        .ok_or_else(|| CoreError::invalid("child", "is not a member of this family"))?;
    Ok((pid, child))
}

fn subject_of(child: &Person) -> Option<Subject> {
    match (child.sex.and_then(|s| s.growth_sex()), child.date_of_birth) {
        (Some(sex), Some(dob)) => Some(Subject {
            sex,
            date_of_birth: dob,
            gestation_weeks: child.gestation_weeks,
            gestation_days: child.gestation_days,
        }),
        _ => None,
    }
}

const NO_REFERENCE: &str =
    "no UK-WHO reference: the child's sex (male or female) and date of birth are needed";

impl Session {
    /// A growth chart of `measure` (weight, length, height, head, bmi) for
    /// a child: the centile lines and the child's points.
    pub fn growth_chart(
        &mut self,
        family_id: &str,
        person_id: &str,
        measure: &str,
    ) -> Result<GrowthChart, CoreError> {
        let measure = Measure::parse(measure).map_err(|e| CoreError::invalid("measure", e))?;
        let view = self.growth(family_id, person_id)?;
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let (pid, child) = child_of(&family, person_id)?;
        let point = |id: Uuid, on: NaiveDate, value: f64, a: &growth::Assessment| ChartPoint {
            measurement_id: id,
            measured_on: on,
            age_days: a.corrected_age_days.unwrap_or(a.age_days),
            corrected: a.corrected_age_days.is_some(),
            value,
            centile: a.centile,
            centile_words: a.centile_words.clone(),
            sds: a.sds,
            reference: a.table.reference,
        };
        // BMI is computed at every contact with a weight and a height, never
        // entered: its points are the view's BMIs.
        let mut points: Vec<ChartPoint> = if measure == Measure::Bmi {
            view.bmi
                .iter()
                .filter_map(|b| {
                    Some(point(
                        b.contact_id,
                        b.measured_on,
                        b.bmi,
                        b.assessment.as_ref()?,
                    ))
                })
                .collect()
        } else {
            view.measurements
                .iter()
                .filter(|m| m.measurement.measure == measure)
                .filter_map(|m| {
                    let a = m.assessment.as_ref()?;
                    Some(point(
                        m.id,
                        m.measurement.measured_on,
                        m.measurement.value,
                        a,
                    ))
                })
                .collect()
        };
        points.sort_by_key(|p| (p.measured_on, p.age_days));
        let title = format!("{}-for-age (UK-WHO)", measure.label());
        let Some(subject) = subject_of(child) else {
            return Ok(GrowthChart {
                person_id: pid,
                measure,
                unit: measure.unit().into(),
                title,
                from_days: 0,
                to_days: 0,
                lines: Vec::new(),
                points,
                unavailable: Some(NO_REFERENCE.into()),
            });
        };
        let age_today = (self.clock().today() - subject.date_of_birth).num_days();
        let last_point = points.iter().map(|p| p.age_days).max().unwrap_or(0);
        let to_days = (age_today.max(last_point) + 61).clamp(91, 1826);
        // The preterm section when a point is before term.
        let first_point = points.iter().map(|p| p.age_days).min().unwrap_or(0);
        let from_days = if first_point < 0 { first_point - 7 } else { 0 };
        let step = ((to_days - from_days) / 150).max(1);
        let lines = growth::CENTILE_LINES
            .iter()
            .map(|(label, z)| CentileLine {
                centile: (*label).into(),
                sds: *z,
                segments: growth::centile_segments(
                    measure,
                    subject.sex,
                    *z,
                    from_days,
                    to_days,
                    step,
                ),
            })
            .collect();
        Ok(GrowthChart {
            person_id: pid,
            measure,
            unit: measure.unit().into(),
            title,
            from_days,
            to_days,
            lines,
            points,
            unavailable: None,
        })
    }

    /// Checks typed measurement values for a child as they would be
    /// checked on saving (impossible, implausible) and gives their SDS and
    /// centile, without writing anything.
    pub fn preview_measurements(
        &mut self,
        family_id: &str,
        measured_on: NaiveDate,
        input: &NewMeasurements,
    ) -> Result<Vec<MeasurementPreview>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let (_, child) = child_of(&family, &input.person_id)?;
        let subject = subject_of(child);
        let fields = [
            ("weight_kg", Measure::Weight, &input.weight_kg),
            ("length_cm", Measure::Length, &input.length_cm),
            ("height_cm", Measure::Height, &input.height_cm),
            ("head_cm", Measure::HeadCircumference, &input.head_cm),
        ];
        let mut out = Vec::new();
        for (field, measure, raw) in fields {
            let Some(raw) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
                continue;
            };
            let mut p = MeasurementPreview {
                field: field.into(),
                measure,
                value: None,
                problem: None,
                warning: None,
                assessment: None,
                no_assessment: None,
            };
            match raw.parse::<f64>() {
                Err(_) => p.problem = Some("must be a number".into()),
                Ok(value) => {
                    p.value = Some(value);
                    match doorstep_domain::clinical::plausibility::check(
                        child,
                        measure,
                        value,
                        measured_on,
                    ) {
                        Err(e) => p.problem = Some(e),
                        Ok(w) => p.warning = w,
                    }
                    if p.problem.is_none() {
                        match &subject {
                            Some(s) => match growth::assess_with(
                                s,
                                measure,
                                measured_on,
                                value,
                                &self.config.growth.prematurity,
                            ) {
                                Ok(a) => p.assessment = Some(a),
                                Err(e) => p.no_assessment = Some(e.to_string()),
                            },
                            None => p.no_assessment = Some(NO_REFERENCE.into()),
                        }
                    }
                }
            }
            out.push(p);
        }
        Ok(out)
    }
}
