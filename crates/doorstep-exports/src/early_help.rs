//! The Family Health Assessment as a pre-filled Early Help Assessment
//! summary: the family, the three sides of the assessment framework,
//! safer sleep, maternal mood, the recommended level of service, the family
//! partnership strengths, concerns and goals, and consent to share, so that
//! nothing has to be typed again. Rendered as a standalone printable HTML
//! document ([`to_html`]) and as a PDF ([`to_pdf`]). Pure: no IO.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::pdf::PdfDocument;
use doorstep_domain::forms::{self, Answer, FormDefinition};
use doorstep_domain::record::family::Family;
use doorstep_domain::record::response::FormResponse;
use doorstep_domain::values::codes::MemberRole;

/// The document title.
pub const TITLE: &str = "Early Help Assessment — summary from the Family Health Assessment";

/// One member of the family as listed in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberLine {
    /// Display name.
    pub name: String,
    /// Role in words ("Parent or carer", "Child", "Unborn baby").
    pub role: String,
    /// Date of birth, when known.
    pub date_of_birth: Option<NaiveDate>,
    /// Expected delivery date (unborn babies).
    pub expected_delivery_date: Option<NaiveDate>,
    /// NHS number formatted `3 3 4`, when known.
    pub nhs_number: Option<String>,
}

/// One side of the assessment framework triangle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssessmentSide {
    /// The side's heading (the form's group text).
    pub title: String,
    /// Strengths recorded, if any.
    pub strengths: Option<String>,
    /// Concerns recorded, if any.
    pub concerns: Option<String>,
}

/// One family-partnership goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoalLine {
    /// The goal in the family's words.
    pub text: String,
    /// The agreed actions.
    pub actions: Option<String>,
    /// The latest rating, 0–10.
    pub rating: Option<u8>,
    /// When it will be reviewed.
    pub review_date: Option<NaiveDate>,
}

/// Everything the Early Help Assessment summary shows, ready to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EarlyHelpSummary {
    /// The document title ([`TITLE`]).
    pub title: String,
    /// The name the family is listed under.
    pub family_name: String,
    /// Address lines (without the postcode).
    pub address: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// Telephone, when recorded.
    pub phone: Option<String>,
    /// Main language, with "interpreter needed" when so.
    pub language: Option<String>,
    /// Current members: parents first, then children by date of birth.
    pub members: Vec<MemberLine>,
    /// The three sides of the assessment (empty without an FHAT).
    pub sides: Vec<AssessmentSide>,
    /// Safer-sleep answers, one line each ("Item: answer").
    pub safe_sleep: Vec<String>,
    /// Maternal mood answers and screening results, one line each.
    pub maternal_mood: Vec<String>,
    /// The FHAT's recommended level of service, in words.
    pub recommended_level: Option<String>,
    /// The reason given for the recommended level.
    pub level_rationale: Option<String>,
    /// The family's level of service on the day the summary was made.
    pub current_level: String,
    /// The family's strengths in their own words (family partnership).
    pub family_strengths: Option<String>,
    /// The family's concerns (family partnership).
    pub family_concerns: Option<String>,
    /// The family-partnership goals.
    pub goals: Vec<GoalLine>,
    /// The FHAT consent to share with early help: `Some(true)` given,
    /// `Some(false)` not given, `None` not recorded.
    pub consent_to_share: Option<bool>,
    /// The family's consent records, one line each, newest first.
    pub consent_records: Vec<String>,
    /// Who completed the assessment.
    pub assessor: Option<String>,
    /// The day the assessment was completed.
    pub assessed_on: Option<NaiveDate>,
    /// The day the summary was prepared.
    pub prepared_on: NaiveDate,
}

/// A date as "5 March 2025".
pub fn format_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn text_answer(r: &FormResponse, link_id: &str) -> Option<String> {
    match r.answers.get(link_id) {
        Some(Answer::Text(t)) => non_empty(Some(t)),
        _ => None,
    }
}

pub(crate) fn format_answer(def: Option<&FormDefinition>, link_id: &str, a: &Answer) -> String {
    match a {
        Answer::Bool(true) => "Yes".into(),
        Answer::Bool(false) => "No".into(),
        Answer::Integer(i) => i.to_string(),
        Answer::Decimal(d) => d.to_string(),
        Answer::Text(t) => t.trim().to_string(),
        Answer::Date(d) => format_date(*d),
        Answer::Coding(c) => def
            .and_then(|d| d.item(link_id))
            .and_then(|i| i.option(c))
            .map(|o| o.display.clone())
            .unwrap_or_else(|| c.clone()),
    }
}

/// "Item text: answer" for each answered item of the group `group`, in
/// form order.
fn group_lines(r: &FormResponse, group: &str) -> Vec<String> {
    let def = forms::find(&r.form.id, &r.form.version);
    let Some(g) = def.and_then(|d| d.item(group)) else {
        return r
            .answers
            .iter()
            .filter(|(k, _)| k.starts_with(group))
            .map(|(k, a)| format!("{k}: {}", format_answer(None, k, a)))
            .collect();
    };
    g.items
        .iter()
        .filter_map(|item| {
            let a = r.answers.get(&item.link_id)?;
            let v = format_answer(def, &item.link_id, a);
            (!v.is_empty()).then(|| format!("{}: {v}", item.text))
        })
        .collect()
}

/// Builds the summary for `family` from its completed Family Health
/// Assessment and family partnership assessment (either may be absent).
///
/// The caller passes only **completed** responses (the latest of each, not
/// entered in error): drafts are not signed and must not be shared. The
/// summary only reads what it is given.
pub fn summary(
    family: &Family,
    fhat: Option<&FormResponse>,
    partnership: Option<&FormResponse>,
    today: NaiveDate,
) -> EarlyHelpSummary {
    let h = &family.household;
    let mut address = vec![h.address_line1.clone()];
    address.extend(h.address_line2.clone());
    address.extend(h.town.clone());

    let mut people: Vec<_> = family.current_members().map(|(_, p)| p).collect();
    people.sort_by_key(|p| {
        (
            p.role != MemberRole::Parent,
            p.role == MemberRole::Unborn,
            p.date_of_birth,
            p.added.at,
        )
    });
    let members = people
        .into_iter()
        .map(|p| MemberLine {
            name: p.display_name(),
            role: p.role.label().to_string(),
            date_of_birth: p.date_of_birth,
            expected_delivery_date: p.expected_delivery_date,
            nhs_number: p.nhs_number.as_ref().map(|n| n.formatted()),
        })
        .collect();

    let mut sides = Vec::new();
    let mut safe_sleep = Vec::new();
    let mut maternal_mood = Vec::new();
    let mut recommended_level = None;
    let mut level_rationale = None;
    let mut consent_to_share = None;
    if let Some(r) = fhat {
        let def = forms::find(&r.form.id, &r.form.version);
        for side in [
            "child-development",
            "parenting-capacity",
            "family-environment",
        ] {
            let title = def
                .and_then(|d| d.item(side))
                .map(|i| i.text.clone())
                .unwrap_or_else(|| side.replace('-', " "));
            sides.push(AssessmentSide {
                title,
                strengths: text_answer(r, &format!("{side}-strengths")),
                concerns: text_answer(r, &format!("{side}-concerns")),
            });
        }
        safe_sleep = group_lines(r, "safe-sleep");
        maternal_mood = group_lines(r, "maternal-mood");
        for s in r.scores.values() {
            if s.code.starts_with("whooley") || s.code.starts_with("gad2") {
                let mut line = format!("{}: {}", s.label, s.value);
                if let Some(i) = &s.interpretation {
                    line.push_str(&format!(" ({i})"));
                }
                maternal_mood.push(line);
            }
        }
        let answers = r.answer_set();
        recommended_level = forms::recommended_level(&answers).map(|l| l.label().to_string());
        level_rationale = text_answer(r, "level-rationale");
        consent_to_share = match r.answers.get("consent-early-help") {
            Some(Answer::Bool(b)) => Some(*b),
            _ => None,
        };
    }

    let (family_strengths, family_concerns, goals) = match partnership {
        Some(r) => (
            text_answer(r, "family-strengths"),
            text_answer(r, "family-concerns"),
            forms::goals(&r.answer_set())
                .into_iter()
                .filter(|g| !g.text.trim().is_empty())
                .map(|g| GoalLine {
                    text: g.text.trim().to_string(),
                    actions: non_empty(g.actions.as_ref()),
                    rating: g.rating,
                    review_date: g.review_date,
                })
                .collect(),
        ),
        None => (None, None, Vec::new()),
    };

    let mut consents: Vec<_> = family
        .consents
        .values()
        .filter(|c| c.entered_in_error.is_none())
        .collect();
    consents.sort_by_key(|c| std::cmp::Reverse((c.date, c.recorded.at)));
    let consent_records = consents
        .into_iter()
        .map(|c| {
            let who = c
                .person_id
                .and_then(|id| family.members.get(&id))
                .map(|p| format!(" ({})", p.display_name()))
                .unwrap_or_default();
            format!(
                "{} on {}: {}{who}",
                c.decision.label(),
                format_date(c.date),
                c.scope.trim()
            )
        })
        .collect();

    let signed = fhat
        .and_then(|r| r.completed.as_ref())
        .or_else(|| partnership.and_then(|r| r.completed.as_ref()));

    EarlyHelpSummary {
        title: TITLE.to_string(),
        family_name: family.list_name(),
        address,
        postcode: h.postcode.to_string(),
        phone: h.phone.as_ref().map(|p| p.to_string()),
        language: h.main_language.as_ref().map(|l| {
            if h.interpreter_needed {
                format!("{l} (interpreter needed)")
            } else {
                l.clone()
            }
        }),
        members,
        sides,
        safe_sleep,
        maternal_mood,
        recommended_level,
        level_rationale,
        current_level: family.level_on(today).label().to_string(),
        family_strengths,
        family_concerns,
        goals,
        consent_to_share,
        consent_records,
        assessor: signed.map(|s| s.by.clone()),
        assessed_on: signed.map(|s| s.at.date_naive()),
        prepared_on: today,
    }
}

fn consent_sentence(c: Option<bool>) -> &'static str {
    match c {
        Some(true) => "The family consents to sharing this assessment with early help.",
        Some(false) => "The family has not consented to sharing this assessment with early help.",
        None => "Consent to share this assessment with early help was not recorded.",
    }
}

fn member_line(m: &MemberLine) -> String {
    let mut s = format!("{} — {}", m.name, m.role);
    if let Some(d) = m.date_of_birth {
        s.push_str(&format!("; born {}", format_date(d)));
    }
    if let Some(d) = m.expected_delivery_date {
        s.push_str(&format!("; due {}", format_date(d)));
    }
    if let Some(n) = &m.nhs_number {
        s.push_str(&format!("; NHS number {n}"));
    }
    s
}

fn goal_details(g: &GoalLine) -> Vec<String> {
    let mut d = Vec::new();
    if let Some(a) = &g.actions {
        d.push(format!("Agreed actions: {a}"));
    }
    if let Some(r) = g.rating {
        d.push(format!("Rating: {r} out of 10"));
    }
    if let Some(r) = g.review_date {
        d.push(format!("Review date: {}", format_date(r)));
    }
    d
}

fn assessed_line(s: &EarlyHelpSummary) -> String {
    let mut line = String::from("Assessed");
    if let Some(a) = &s.assessor {
        line.push_str(&format!(" by {a}"));
    }
    if let Some(d) = s.assessed_on {
        line.push_str(&format!(" on {}", format_date(d)));
    }
    line.push_str(&format!(
        ". Summary prepared {}.",
        format_date(s.prepared_on)
    ));
    line
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = "\
body{font-family:Arial,Helvetica,sans-serif;font-size:12pt;line-height:1.45;color:#000;max-width:48em;margin:1.5em auto;padding:0 1em}
h1{font-size:1.5em;margin:0 0 .3em}
h2{font-size:1.2em;border-bottom:1px solid #444;padding-bottom:.15em;margin:1.2em 0 .4em}
h3{font-size:1.05em;margin:.8em 0 .3em}
section{margin-bottom:1em}
p,li,dd{white-space:pre-wrap}
dl{margin:0}dt{font-weight:bold}dd{margin:0 0 .4em 1.2em}
ul{padding-left:1.4em}
.meta{color:#333}
.none{font-style:italic;color:#333}
@media print{
@page{size:A4;margin:18mm}
body{font-size:11pt;max-width:none;margin:0;padding:0;color:#000;background:none}
*{background:none!important;box-shadow:none!important}
section,li,dl{page-break-inside:avoid;break-inside:avoid}
h2,h3{page-break-after:avoid;break-after:avoid}
}
";

fn html_text(out: &mut String, label: &str, value: Option<&String>) {
    out.push_str(&format!("<dt>{}</dt>", escape_html(label)));
    match value {
        Some(v) => out.push_str(&format!("<dd>{}</dd>\n", escape_html(v))),
        None => out.push_str("<dd class=\"none\">None recorded</dd>\n"),
    }
}

fn html_list(out: &mut String, items: &[String]) {
    if items.is_empty() {
        out.push_str("<p class=\"none\">None recorded</p>\n");
        return;
    }
    out.push_str("<ul>\n");
    for i in items {
        out.push_str(&format!("<li>{}</li>\n", escape_html(i)));
    }
    out.push_str("</ul>\n");
}

/// The summary as a complete standalone HTML5 document: inline CSS that
/// prints cleanly on A4, no scripts and no external resources; all text
/// escaped.
pub fn to_html(s: &EarlyHelpSummary) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str(&format!(
        "<title>{} — {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        escape_html(&s.title),
        escape_html(&s.family_name)
    ));
    o.push_str(&format!("<h1>{}</h1>\n", escape_html(&s.title)));
    o.push_str(&format!(
        "<p class=\"meta\">{}</p>\n",
        escape_html(&assessed_line(s))
    ));

    o.push_str("<section>\n<h2>The family</h2>\n<dl>\n");
    html_text(&mut o, "Family", Some(&s.family_name));
    let mut addr = s.address.clone();
    addr.push(s.postcode.clone());
    html_text(&mut o, "Address", Some(&addr.join("\n")));
    if let Some(p) = &s.phone {
        html_text(&mut o, "Telephone", Some(p));
    }
    if let Some(l) = &s.language {
        html_text(&mut o, "Main language", Some(l));
    }
    o.push_str("</dl>\n<h3>Members</h3>\n");
    let members: Vec<String> = s.members.iter().map(member_line).collect();
    html_list(&mut o, &members);
    o.push_str("</section>\n");

    if s.sides.is_empty() {
        o.push_str("<section>\n<h2>Assessment</h2>\n<p class=\"none\">No completed Family Health Assessment.</p>\n</section>\n");
    }
    for side in &s.sides {
        o.push_str(&format!(
            "<section>\n<h2>{}</h2>\n<dl>\n",
            escape_html(&side.title)
        ));
        html_text(&mut o, "Strengths", side.strengths.as_ref());
        html_text(&mut o, "Concerns", side.concerns.as_ref());
        o.push_str("</dl>\n</section>\n");
    }

    o.push_str("<section>\n<h2>Where the baby sleeps and safer sleep</h2>\n");
    html_list(&mut o, &s.safe_sleep);
    o.push_str("</section>\n<section>\n<h2>Maternal mood</h2>\n");
    html_list(&mut o, &s.maternal_mood);
    o.push_str("</section>\n");

    o.push_str("<section>\n<h2>Level of service</h2>\n<dl>\n");
    html_text(&mut o, "Recommended level", s.recommended_level.as_ref());
    if let Some(r) = &s.level_rationale {
        html_text(&mut o, "Reason", Some(r));
    }
    html_text(&mut o, "Current level", Some(&s.current_level));
    o.push_str("</dl>\n</section>\n");

    o.push_str("<section>\n<h2>Family partnership: strengths and concerns</h2>\n<dl>\n");
    html_text(
        &mut o,
        "The family's strengths",
        s.family_strengths.as_ref(),
    );
    html_text(&mut o, "The family's concerns", s.family_concerns.as_ref());
    o.push_str("</dl>\n</section>\n");

    o.push_str("<section>\n<h2>Goals</h2>\n");
    if s.goals.is_empty() {
        o.push_str("<p class=\"none\">None recorded</p>\n");
    } else {
        o.push_str("<ol>\n");
        for g in &s.goals {
            o.push_str(&format!("<li><strong>{}</strong>", escape_html(&g.text)));
            let d = goal_details(g);
            if !d.is_empty() {
                o.push_str("<ul>");
                for x in d {
                    o.push_str(&format!("<li>{}</li>", escape_html(&x)));
                }
                o.push_str("</ul>");
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ol>\n");
    }
    o.push_str("</section>\n");

    o.push_str("<section>\n<h2>Consent to share</h2>\n");
    o.push_str(&format!(
        "<p>{}</p>\n",
        escape_html(consent_sentence(s.consent_to_share))
    ));
    if !s.consent_records.is_empty() {
        o.push_str("<h3>Consent records</h3>\n");
        html_list(&mut o, &s.consent_records);
    }
    o.push_str("</section>\n</body>\n</html>\n");
    o
}

/// The summary as a PDF (A4, Helvetica), with the same content as
/// [`to_html`].
pub fn to_pdf(s: &EarlyHelpSummary) -> Vec<u8> {
    let none = "None recorded";
    let mut d = PdfDocument::new(&s.title);
    d.paragraph(&assessed_line(s));

    d.heading("The family");
    d.paragraph(&format!("Family: {}", s.family_name));
    let mut addr = s.address.clone();
    addr.push(s.postcode.clone());
    d.paragraph(&format!("Address: {}", addr.join(", ")));
    if let Some(p) = &s.phone {
        d.paragraph(&format!("Telephone: {p}"));
    }
    if let Some(l) = &s.language {
        d.paragraph(&format!("Main language: {l}"));
    }
    for m in &s.members {
        d.bullet(&member_line(m));
    }

    if s.sides.is_empty() {
        d.heading("Assessment");
        d.paragraph("No completed Family Health Assessment.");
    }
    for side in &s.sides {
        d.heading(&side.title);
        d.paragraph(&format!(
            "Strengths: {}",
            side.strengths.as_deref().unwrap_or(none)
        ));
        d.paragraph(&format!(
            "Concerns: {}",
            side.concerns.as_deref().unwrap_or(none)
        ));
    }

    d.heading("Where the baby sleeps and safer sleep");
    list_pdf(&mut d, &s.safe_sleep);
    d.heading("Maternal mood");
    list_pdf(&mut d, &s.maternal_mood);

    d.heading("Level of service");
    d.paragraph(&format!(
        "Recommended level: {}",
        s.recommended_level.as_deref().unwrap_or(none)
    ));
    if let Some(r) = &s.level_rationale {
        d.paragraph(&format!("Reason: {r}"));
    }
    d.paragraph(&format!("Current level: {}", s.current_level));

    d.heading("Family partnership: strengths and concerns");
    d.paragraph(&format!(
        "The family's strengths: {}",
        s.family_strengths.as_deref().unwrap_or(none)
    ));
    d.paragraph(&format!(
        "The family's concerns: {}",
        s.family_concerns.as_deref().unwrap_or(none)
    ));

    d.heading("Goals");
    if s.goals.is_empty() {
        d.paragraph(none);
    }
    for (i, g) in s.goals.iter().enumerate() {
        d.paragraph(&format!("{}. {}", i + 1, g.text));
        for x in goal_details(g) {
            d.bullet(&x);
        }
    }

    d.heading("Consent to share");
    d.paragraph(consent_sentence(s.consent_to_share));
    for c in &s.consent_records {
        d.bullet(c);
    }
    d.to_bytes()
}

fn list_pdf(d: &mut PdfDocument, items: &[String]) {
    if items.is_empty() {
        d.paragraph("None recorded");
    }
    for i in items {
        d.bullet(i);
    }
}
