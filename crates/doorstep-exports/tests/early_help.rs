//! The Early Help Assessment summary built from a completed Family Health
//! Assessment and family partnership assessment: the HTML escapes every
//! answer and prints cleanly; the PDF opens in `pdftotext` and carries the
//! family's strengths and goals; long text flows onto further pages.

use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use doorstep_domain::forms::{self, FormsConfig, ScoreContext};
use doorstep_domain::record::action::{apply_locally, ActionContext};
use doorstep_domain::record::family::{self, Family, NewConsent, NewFamily, NewPerson};
use doorstep_domain::record::response::{self, FormResponse};
use doorstep_exports::early_help::{self, EarlyHelpSummary};
use doorstep_exports::pdf::PdfDocument;
use uuid::Uuid;

const STRENGTH: &str = "Grandmother helps every weekday";
const ODD_STRENGTH: &str = "Dad cooks <b>& cleans";
const GOAL1: &str = "Baby sleeps in own cot every night";
const GOAL2: &str = "Attend the Monday baby group";

fn cx() -> ActionContext {
    ActionContext {
        practitioner: "Alex Visitor HV".into(),
        now: Utc.with_ymd_and_hms(2025, 3, 5, 10, 0, 0).unwrap(),
        today: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
    }
}

fn fill(fam: &mut Family, form: &str, subject: &str, answers: &[(&str, &str)]) -> FormResponse {
    let cx = cx();
    let def = forms::latest(form).expect("form installed");
    let id = Uuid::new_v4();
    let a = response::start(fam, id, def, Some(subject), None, &cx).unwrap();
    apply_locally(fam, &a.edits);
    for (item, value) in answers {
        let a = response::answer(fam, &id.to_string(), item, value)
            .unwrap_or_else(|e| panic!("{item}: {e:?}"));
        apply_locally(fam, &a.edits);
    }
    let (a, _) = response::complete(
        fam,
        &id.to_string(),
        &ScoreContext::default(),
        &FormsConfig::default(),
        &cx,
    )
    .unwrap_or_else(|e| panic!("complete {form}: {e:?}"));
    apply_locally(fam, &a.edits);
    fam.responses[&id].clone()
}

fn summary() -> EarlyHelpSummary {
    let cx = cx();
    let (mut fam, _) = family::add_family(
        Uuid::new_v4(),
        &NewFamily {
            address_line1: "4 Assessment Way".into(),
            town: Some("Coventry".into()),
            postcode: "CV2 1AB".into(),
            ..Default::default()
        },
        &cx,
    )
    .unwrap();
    let mother = Uuid::new_v4();
    let a = family::add_person(
        &fam,
        mother,
        &NewPerson {
            role: "parent".into(),
            given_name: Some("Maja".into()),
            family_name: "Nowak".into(),
            date_of_birth: Some("1995-04-02".into()),
            ..Default::default()
        },
        &cx,
    )
    .unwrap();
    apply_locally(&mut fam, &a.edits);
    let a = family::add_person(
        &fam,
        Uuid::new_v4(),
        &NewPerson {
            role: "child".into(),
            given_name: Some("Zofia".into()),
            family_name: "Nowak".into(),
            date_of_birth: Some("2025-01-10".into()),
            nhs_number: Some("9434765919".into()),
            ..Default::default()
        },
        &cx,
    )
    .unwrap();
    apply_locally(&mut fam, &a.edits);
    let a = family::record_consent(
        &fam,
        Uuid::new_v4(),
        &NewConsent {
            decision: "given".into(),
            date: "2025-03-05".into(),
            scope: "Share with early help".into(),
            person_id: Some(mother.to_string()),
        },
        &cx,
    )
    .unwrap();
    apply_locally(&mut fam, &a.edits);
    let m = mother.to_string();
    let fhat = fill(
        &mut fam,
        "fhat",
        &m,
        &[
            (
                "child-development-strengths",
                "Feeding well, gaining weight",
            ),
            ("child-development-concerns", "Reflux after feeds"),
            ("parenting-capacity-strengths", ODD_STRENGTH),
            ("parenting-capacity-concerns", "Mum is very tired"),
            ("family-environment-strengths", STRENGTH),
            ("family-environment-concerns", "Damp in the back bedroom"),
            ("sleep-place-day", "moses-basket"),
            ("sleep-place-night", "parents-room-cot"),
            ("sleep-position-back", "yes"),
            ("co-sleeping", "none"),
            ("smoking-household", "no"),
            ("carer-substances", "no"),
            ("safe-sleep-advice-given", "yes"),
            ("whooley-q1", "no"),
            ("whooley-q2", "no"),
            ("gad2-q1", "1"),
            ("gad2-q2", "2"),
            ("level-of-service", "targeted"),
            ("consent-early-help", "yes"),
        ],
    );
    let partnership = fill(
        &mut fam,
        "family-partnership",
        &m,
        &[
            ("family-strengths", "We love each other and ask for help"),
            ("family-concerns", "Money is tight – about £20 short a week"),
            ("goals[0].goal", GOAL1),
            (
                "goals[0].actions",
                "Cot from the cot scheme; bedtime routine",
            ),
            ("goals[0].rating", "3"),
            ("goals[0].review-date", "2025-04-02"),
            ("goals[1].goal", GOAL2),
            ("goals[1].rating", "5"),
        ],
    );
    early_help::summary(&fam, Some(&fhat), Some(&partnership), cx.today)
}

fn pdftotext(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("doorstep-early-help-{}.pdf", Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed (poppler-utils, see ./dev)");
    std::fs::remove_file(&path).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pdftotext failed: {stderr}");
    assert!(stderr.trim().is_empty(), "pdftotext complained: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_summary_carries_the_assessment() {
    let s = summary();
    assert_eq!(s.family_name, "Nowak");
    assert_eq!(s.members.len(), 2);
    assert_eq!(s.members[0].name, "Maja Nowak");
    assert_eq!(s.members[1].nhs_number.as_deref(), Some("943 476 5919"));
    assert_eq!(s.sides.len(), 3);
    assert_eq!(s.sides[2].strengths.as_deref(), Some(STRENGTH));
    assert_eq!(s.goals.len(), 2);
    assert_eq!(s.goals[0].text, GOAL1);
    assert_eq!(s.goals[0].rating, Some(3));
    assert_eq!(s.recommended_level.as_deref(), Some("Targeted"));
    assert_eq!(s.consent_to_share, Some(true));
    assert_eq!(s.consent_records.len(), 1);
    assert!(s.safe_sleep.iter().any(|l| l.contains("Moses basket")));
    assert!(s.maternal_mood.iter().any(|l| l.contains("GAD")));
    assert_eq!(s.assessor.as_deref(), Some("Alex Visitor HV"));
}

#[test]
fn the_html_is_escaped_standalone_and_printable() {
    let html = early_help::to_html(&summary());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(STRENGTH));
    assert!(html.contains(GOAL1) && html.contains(GOAL2));
    assert!(html.contains("Dad cooks &lt;b&gt;&amp; cleans"));
    assert!(!html.contains("<b>&"));
    assert!(html.contains("@media print"));
    assert!(html.contains("size:A4"));
    assert!(html.contains("page-break-inside:avoid"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("Early Help Assessment — summary from the Family Health Assessment"));
}

#[test]
fn the_pdf_opens_and_contains_the_strengths_and_goals() {
    let bytes = early_help::to_pdf(&summary());
    assert!(bytes.starts_with(b"%PDF-1.4"));
    assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"));
    let text = pdftotext(&bytes);
    // pdftotext may wrap differently: compare with whitespace collapsed.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "Nowak",
        STRENGTH,
        GOAL1,
        GOAL2,
        "Dad cooks <b>& cleans",
        "£20",
        "–",
    ] {
        assert!(flat.contains(want), "{want:?} missing from:\n{text}");
    }
}

#[test]
fn long_text_flows_onto_more_pages() {
    let mut d = PdfDocument::new("Long");
    d.heading("Words");
    let words: Vec<String> = (0..2000).map(|i| format!("word{i}")).collect();
    d.paragraph(&words.join(" "));
    let bytes = d.to_bytes();
    let text = pdftotext(&bytes);
    assert!(text.matches('\x0c').count() >= 2, "expected several pages");
    let latin1: String = bytes.iter().map(|&b| b as char).collect();
    assert!(latin1.matches("/Type /Page\n").count() >= 2);
    assert!(text.contains("word0") && text.contains("word1999"));
}
