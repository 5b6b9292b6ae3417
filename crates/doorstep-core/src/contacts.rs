//! Contact use-cases: record a draft (with measurements) offline, add
//! measurements to a draft, sign, add an addendum, and see the reviews and
//! growth of a family's children.

use doorstep_domain::contact::{self, Measurement, NewContact, NewMeasurements};
use doorstep_domain::family::Action;
use doorstep_domain::growth::{self, Assessment, Measure, Subject};
use doorstep_domain::schedule::{self, Review};
use doorstep_domain::Problems;
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
    /// SDS, centile and the table used, when a WHO reference applies.
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

fn combine(mut first: Action, rest: Vec<Action>) -> Action {
    for a in rest {
        first.edits.extend(a.edits);
    }
    first
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
        let contact_id = Uuid::new_v4();
        let (c, action) = contact::record_contact(&current, contact_id, input, &cx)?;
        let mut rest = Vec::new();
        let mut problems = Problems::new();
        for m in measurements {
            match contact::add_measurements(&current, contact_id, &c, m, &mut Uuid::new_v4, &cx) {
                Ok(list) => rest.extend(list.into_iter().map(|(_, _, a)| a)),
                Err(p) => problems.0.extend(p.0),
            }
        }
        if !problems.is_empty() {
            return Err(problems.into());
        }
        self.write(id, combine(action, rest), &cx)
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
        self.write(id, combine(first, actions.collect()), &cx)?;
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
        let (children, contacts) = schedule::facts_of(&family);
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
        let pid = Uuid::parse_str(person_id.trim())
            .map_err(|_| CoreError::invalid("child", "is not a record id"))?;
        let child = family
            .members
            .get(&pid)
            .ok_or_else(|| CoreError::invalid("child", "is not a member of this family"))?;
        let subject = match (child.sex.and_then(|s| s.growth_sex()), child.date_of_birth) {
            (Some(sex), Some(dob)) => Some(Subject {
                sex,
                date_of_birth: dob,
                gestation_weeks: child.gestation_weeks,
                gestation_days: child.gestation_days,
            }),
            _ => None,
        };
        let assess = |measure: Measure, on, value| match &subject {
            Some(s) => growth::assess(s, measure, on, value).map_err(|e| e.to_string()),
            None => Err(
                "no WHO reference: the child's sex (male or female) and date of birth are needed"
                    .to_string(),
            ),
        };
        let mut list: Vec<(&Uuid, &Measurement)> = family
            .measurements
            .iter()
            .filter(|(_, m)| m.person_id == pid && m.entered_in_error.is_none())
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
        for (cid, c) in &family.contacts {
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
