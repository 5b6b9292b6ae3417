//! A visit summary (one contact) and a form (one response, its answers and
//! scores) as PDF documents a practitioner prints or saves, laid out by
//! [`pdf`](crate::pdf). Drafts are marked as drafts on the page. Pure: the
//! caller decides where the bytes go.

use doorstep_domain::clinical::growth::Measure;
use doorstep_domain::forms::{self, FormDefinition};
use doorstep_domain::record::contact::ContactStatus;
use doorstep_domain::record::family::Family;
use doorstep_domain::record::response::ResponseStatus;
use uuid::Uuid;

use crate::early_help::{format_answer, format_date};
use crate::pdf::PdfDocument;

/// Why a summary cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SummaryError {
    /// No such contact or response in the family.
    #[error("is not a record of this family")]
    NotFound,
}

fn name_of(family: &Family, id: &Uuid) -> String {
    family
        .members
        .get(id)
        .map(|p| p.display_name())
        .unwrap_or_else(|| "a member no longer recorded".into())
}

fn household_line(family: &Family) -> String {
    let h = &family.household;
    let mut lines = vec![h.address_line1.clone()];
    lines.extend(h.address_line2.clone());
    lines.extend(h.town.clone());
    lines.push(h.postcode.as_str().to_string());
    format!("{} family, {}", family.list_name(), lines.join(", "))
}

/// Contact `contact_id` of `family` as a one- or two-page PDF: what kind,
/// when, where and how, who was present, the children it concerned, the
/// measurements taken, topics, the note, the follow-up, the signature and
/// every addendum.
pub fn visit_pdf(family: &Family, contact_id: Uuid) -> Result<Vec<u8>, SummaryError> {
    let c = family
        .contacts
        .get(&contact_id)
        .ok_or(SummaryError::NotFound)?;
    let mut d = PdfDocument::new(&format!("Visit summary: {}", c.kind.label()));
    d.paragraph(&household_line(family));
    if c.status == ContactStatus::Draft {
        d.paragraph("DRAFT: not yet signed.");
    }
    if let Some(mark) = &c.entered_in_error {
        d.paragraph(&format!("ENTERED IN ERROR: {}", mark.reason));
    }
    d.heading("The contact");
    d.paragraph(&format!(
        "{} at {} UTC{}",
        format_date(c.date),
        c.at.format("%H:%M"),
        c.duration_minutes
            .map(|m| format!(", {m} minutes"))
            .unwrap_or_default()
    ));
    d.paragraph(&format!(
        "{}; {}; {}",
        c.location.label(),
        c.mechanism.label(),
        c.attendance.label()
    ));
    if let Some(r) = &c.declined_reason {
        d.paragraph(&format!("Declined: {r}"));
    }
    if let Some(r) = &c.remote_reason {
        d.paragraph(&format!("Not face to face because: {r}"));
    }
    let about: Vec<String> = c
        .subjects
        .iter()
        .filter(|(_, on)| **on)
        .map(|(id, _)| name_of(family, id))
        .collect();
    if !about.is_empty() {
        d.paragraph(&format!("About: {}", about.join(", ")));
    }
    if let Some(p) = &c.present {
        d.paragraph(&format!("Present: {p}"));
    }
    d.paragraph(&format!("By {} ({})", c.practitioner, c.role.label()));
    if let Some(hv) = &c.accountable_hv {
        d.paragraph(&format!("Accountable health visitor: {hv}"));
    }
    let mut measured: Vec<_> = family
        .measurements
        .values()
        .filter(|m| m.contact_id == contact_id && m.entered_in_error.is_none())
        .collect();
    measured.sort_by_key(|m| (m.person_id, m.measure as u8));
    if !measured.is_empty() {
        d.heading("Measurements");
        for m in measured {
            let value = match m.measure {
                Measure::Weight => format!("{:.3} kg", m.value),
                _ => format!("{:.1} {}", m.value, m.measure.unit()),
            };
            d.bullet(&format!(
                "{}: {} {value}",
                name_of(family, &m.person_id),
                m.measure.label()
            ));
        }
    }
    if let Some(f) = &c.feeding_status {
        d.paragraph(&format!("Infant feeding: {}", f.label()));
    }
    let topics: Vec<&str> = c
        .topics
        .iter()
        .filter(|(_, on)| **on)
        .map(|(t, _)| t.as_str())
        .collect();
    if !topics.is_empty() {
        d.paragraph(&format!(
            "High-impact areas discussed: {}",
            topics.join(", ")
        ));
    }
    if let Some(n) = &c.note {
        d.heading("Note");
        d.paragraph(n);
    }
    if let Some(f) = &c.follow_up {
        d.heading("Follow-up");
        d.paragraph(&format!("By {}: {}", format_date(f.due), f.reason));
    }
    d.heading("Signature");
    d.paragraph(&match &c.signed {
        Some(s) => format!("Signed by {} on {}", s.by, format_date(s.at.date_naive())),
        None => "Not signed.".into(),
    });
    let mut addenda: Vec<_> = c.addenda.values().collect();
    addenda.sort_by_key(|a| a.at);
    for a in addenda {
        d.bullet(&format!(
            "Addendum by {} on {}: {}",
            a.by,
            format_date(a.at.date_naive()),
            a.text
        ));
    }
    Ok(d.to_bytes())
}

/// The item text for an answer path such as `goals[2].goal`.
fn item_text<'a>(def: &'a FormDefinition, path: &'a str) -> (&'a str, &'a str) {
    let link_id = path.rsplit('.').next().unwrap_or(path);
    let link_id = link_id.split('[').next().unwrap_or(link_id);
    let text = def
        .item(link_id)
        .map(|i| i.text.as_str())
        .unwrap_or(link_id);
    (link_id, text)
}

/// Response `response_id` of `family` as a PDF: the form's title, who it
/// is about, its status, every answer in form order, and the scores.
pub fn form_pdf(family: &Family, response_id: Uuid) -> Result<Vec<u8>, SummaryError> {
    let r = family
        .responses
        .get(&response_id)
        .ok_or(SummaryError::NotFound)?;
    let def = forms::find(&r.form.id, &r.form.version);
    let title = def.map(|d| d.title.as_str()).unwrap_or(r.form.id.as_str());
    let mut d = PdfDocument::new(title);
    d.paragraph(&household_line(family));
    if let Some(s) = r.subject {
        d.paragraph(&format!("About: {}", name_of(family, &s)));
    }
    d.paragraph(&match (&r.status, &r.completed) {
        (ResponseStatus::Completed, Some(c)) => format!(
            "Completed by {} on {}",
            c.by,
            format_date(c.at.date_naive())
        ),
        _ => format!(
            "DRAFT: started by {} on {}, not completed",
            r.started.by,
            format_date(r.started.at.date_naive())
        ),
    });
    if r.amends.is_some() {
        d.paragraph("This amends an earlier completed response.");
    }
    if let Some(mark) = &r.entered_in_error {
        d.paragraph(&format!("ENTERED IN ERROR: {}", mark.reason));
    }
    d.heading("Answers");
    let answers = r.answer_set();
    let order: Vec<String> = match def {
        Some(def) => forms::asked(def, &answers),
        None => r.answers.keys().cloned().collect(),
    };
    let mut any = false;
    for path in order {
        let Some(a) = r.answers.get(&path) else {
            continue;
        };
        let (link_id, text) = match def {
            Some(def) => item_text(def, &path),
            None => (path.as_str(), path.as_str()),
        };
        let value = format_answer(def, link_id, a);
        if !value.is_empty() {
            d.bullet(&format!("{text}: {value}"));
            any = true;
        }
    }
    if !any {
        d.paragraph("No answers recorded.");
    }
    if !r.scores.is_empty() {
        d.heading("Scores");
        for s in r.scores.values() {
            d.bullet(&format!(
                "{}: {}{}",
                s.label,
                s.value,
                s.interpretation
                    .as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default()
            ));
        }
    }
    Ok(d.to_bytes())
}
