//! The contact, schedule, growth and report commands: turning arguments
//! into core calls and results into text.

use chrono::NaiveDateTime;
use doorstep_core::contacts::GrowthView;
use doorstep_core::domain::clinical::plausibility::describe_age;
use doorstep_core::domain::clinical::schedule::{Review, ReviewState, WorkItem};
use doorstep_core::domain::record::contact::{NewContact, NewMeasurements};
use doorstep_core::domain::values::calendar::london_to_utc;
use doorstep_core::domain::values::validate::date;
use doorstep_core::reports::WorklistQuery;
use doorstep_core::{CoreError, Session};

use crate::args::{
    CaseloadCommand, ContactCommand, ContactRecordArgs, MeasurementArgs, ReportCommand,
    WorklistArgs,
};
use crate::output::Out;

fn measurements(child: &str, v: &MeasurementArgs) -> NewMeasurements {
    NewMeasurements {
        person_id: child.to_string(),
        weight_kg: v.weight.clone(),
        length_cm: v.length.clone(),
        height_cm: v.height.clone(),
        head_cm: v.head.clone(),
        confirm_implausible: v.confirm_implausible.clone(),
    }
}

fn record(s: &mut Session, a: ContactRecordArgs, out: &Out) -> Result<(), CoreError> {
    let at = match a.at.as_deref() {
        None => None,
        Some(t) => Some(
            NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%dT%H:%M")
                .map(london_to_utc)
                .map_err(|_| {
                    CoreError::invalid("at", "must be a UK local time in the form YYYY-MM-DDTHH:MM")
                })?,
        ),
    };
    let m: Vec<NewMeasurements> = if a.values.any() {
        let Some(first) = a.children.first() else {
            return Err(CoreError::invalid(
                "child",
                "is required to record measurements",
            ));
        };
        vec![measurements(first, &a.values)]
    } else {
        vec![]
    };
    let input = NewContact {
        kind: a.kind,
        subjects: a.children,
        at,
        at_local: None,
        duration_minutes: a.duration,
        location: a.location,
        mechanism: a.mechanism,
        attendance: a.attendance,
        declined_reason: a.declined_reason,
        present: a.present,
        role: a.role,
        accountable_hv: a.accountable_hv,
        topics: a.topics,
        note: a.note,
        remote_reason: a.remote_reason,
        feeding_status: a.feeding,
        follow_up_on: a.follow_up_on,
        follow_up_reason: a.follow_up_reason,
        safeguarding_concern: a.safeguarding_concern,
        addresses: a.addresses,
        bmi_not_recorded_reason: a.bmi_not_recorded_reason,
    };
    let w = s.record_contact(&a.family, &input, &m)?;
    out.print(&w, |w| {
        format!("Contact recorded as a draft: {}", w.record_id)
    });
    Ok(())
}

/// `doorstep contact …`.
pub fn contact(s: &mut Session, command: ContactCommand, out: &Out) -> Result<(), CoreError> {
    match command {
        ContactCommand::Record(a) => record(s, *a, out)?,
        ContactCommand::Measure {
            family,
            contact,
            child,
            values,
        } => {
            let w = s.add_measurements(&family, &contact, &measurements(&child, &values))?;
            out.print(&w, |_| "Measurements added.".to_string());
        }
        ContactCommand::Export { family, contact } => {
            let bundle = s.export_fhir_contact(&family, &contact)?;
            out.print(&bundle, |b| {
                serde_json::to_string_pretty(b).unwrap_or_default()
            });
        }
        ContactCommand::Sign { family, contact } => {
            let w = s.sign_contact(&family, &contact)?;
            out.print(&w, |w| format!("Contact signed: {}", w.record_id));
        }
        ContactCommand::Addendum {
            family,
            contact,
            text,
        } => {
            let w = s.add_addendum(&family, &contact, &text)?;
            out.print(&w, |w| format!("Addendum added to {}", w.record_id));
        }
        ContactCommand::EnteredInError {
            family,
            contact,
            reason,
        } => {
            let w = s.mark_entered_in_error(&family, &contact, &reason)?;
            out.print(&w, |w| {
                format!("Contact marked entered in error: {}", w.record_id)
            });
        }
    }
    Ok(())
}

fn worklist_text(items: &Vec<WorkItem>) -> String {
    if items.is_empty() {
        return "Nothing due.".into();
    }
    let mut s = String::new();
    for i in items {
        let tag = match i.category {
            doorstep_core::domain::clinical::schedule::Category::Overdue => "OVERDUE  ",
            doorstep_core::domain::clinical::schedule::Category::FollowUp => "FOLLOW-UP",
            doorstep_core::domain::clinical::schedule::Category::DueNow => "DUE NOW  ",
            doorstep_core::domain::clinical::schedule::Category::Upcoming => "UPCOMING ",
        };
        s.push_str(&format!(
            "{tag}  {}  {}\n",
            &i.family_id.to_string()[..8],
            i.reason
        ));
    }
    match items.len() {
        1 => s.push_str("1 item"),
        n => s.push_str(&format!("{n} items")),
    }
    s
}

/// `doorstep worklist`.
pub fn worklist(s: &mut Session, a: WorklistArgs, out: &Out) -> Result<(), CoreError> {
    let parse = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map(|d| date(d).map_err(|e| CoreError::invalid(field, e)))
            .transpose()
    };
    let q = WorklistQuery {
        from: parse("from", &a.from)?,
        to: parse("to", &a.to)?,
        practitioner: a.practitioner,
    };
    let items = s.worklist(&q)?;
    out.print(&items, worklist_text);
    Ok(())
}

fn reviews_text(reviews: &[Review], today: chrono::NaiveDate) -> String {
    if reviews.is_empty() {
        return "No reviews: the family has no children or pregnancies.".into();
    }
    let mut s = String::new();
    for r in reviews {
        let state = match &r.state {
            ReviewState::Done { date, .. } => format!("done {date}"),
            ReviewState::Declined { date, reason } => format!("declined {date}: {reason}"),
            ReviewState::Open {
                remote: Some((d, how)),
                ..
            } => format!(
                "open; {} on {d} with no reason recorded: see face to face",
                how.label().to_lowercase()
            ),
            ReviewState::Open {
                last_attempt: Some((d, a)),
                ..
            } => format!("open; {} on {d}", a.label().to_lowercase()),
            ReviewState::Open { .. } if today < r.opens => "not yet due".into(),
            ReviewState::Open { .. } if today > r.due => "overdue".into(),
            ReviewState::Open { .. } => "due now".into(),
            ReviewState::Ended { date, why } => format!("ended {date}: {}", why.label()),
            ReviewState::NotOffered => {
                "not offered (not first-time parents; offered on request)".into()
            }
            ReviewState::Missed => "missed".into(),
        };
        s.push_str(&format!(
            "{}  {:<22} {} to {}{}  {state}\n",
            &r.person_id.to_string()[..8],
            r.kind.label(),
            r.opens,
            r.due,
            if r.corrected { " (corrected age)" } else { "" }
        ));
    }
    s.trim_end().to_string()
}

/// `doorstep reviews`.
pub fn reviews(s: &mut Session, family: &str, out: &Out) -> Result<(), CoreError> {
    let r = s.family_reviews(family)?;
    let today = s.clock().today();
    out.print(&r, |r| reviews_text(r, today));
    Ok(())
}

fn growth_text(g: &GrowthView) -> String {
    let mut s = String::new();
    for m in &g.measurements {
        let x = &m.measurement;
        s.push_str(&format!(
            "{}  {:<20} {:>7} {:<5}",
            x.measured_on,
            x.measure.label(),
            format!("{:.2}", x.value),
            x.measure.unit()
        ));
        match (&m.assessment, &m.no_assessment) {
            (Some(a), _) => {
                let age = match a.corrected_age_days {
                    Some(c) => format!("corrected age {}", describe_age(c)),
                    None => format!("age {}", describe_age(a.age_days)),
                };
                s.push_str(&format!(
                    "  SDS {:+.2}  centile {:.1}, {}  ({age}; {})",
                    a.sds, a.centile, a.centile_words, a.table.name
                ));
                if let Some(n) = &a.note {
                    s.push_str(&format!(" [{n}]"));
                }
            }
            (None, Some(why)) => s.push_str(&format!("  no centile: {why}")),
            _ => {}
        }
        s.push('\n');
    }
    for b in &g.bmi {
        s.push_str(&format!("BMI {:.1} kg/m2", b.bmi));
        if let Some(a) = &b.assessment {
            s.push_str(&format!(
                "  SDS {:+.2}  centile {:.1}, {}",
                a.sds, a.centile, a.centile_words
            ));
        }
        s.push('\n');
    }
    if s.is_empty() {
        "No measurements recorded.".into()
    } else {
        s.trim_end().to_string()
    }
}

/// `doorstep growth`.
pub fn growth(s: &mut Session, family: &str, child: &str, out: &Out) -> Result<(), CoreError> {
    let g = s.growth(family, child)?;
    out.print(&g, growth_text);
    Ok(())
}

/// `doorstep caseload …`.
pub fn caseload(s: &mut Session, command: CaseloadCommand, out: &Out) -> Result<(), CoreError> {
    let CaseloadCommand::Summary { practitioner } = command;
    let summary = s.caseload_summary(practitioner.as_deref())?;
    out.print(&summary, |c| c.to_table());
    Ok(())
}

/// `doorstep report …`.
pub fn report(s: &mut Session, command: ReportCommand, out: &Out) -> Result<(), CoreError> {
    let ReportCommand::Kpi { quarter, csv } = command;
    let r = s.kpi_report(&quarter)?;
    if csv && !out.json {
        out.print(&r, |r| r.to_csv().trim_end().to_string());
    } else {
        out.print(&r, |r| r.to_table());
    }
    Ok(())
}
