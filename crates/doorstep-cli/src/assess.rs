//! The `doorstep form …` commands: list the installed assessment forms,
//! start a response, answer one item at a time (each answer is saved at
//! once), show, complete and amend.

use doorstep_core::assessments::ResponseView;
use doorstep_core::{CoreError, Session};

use crate::args::FormCommand;
use crate::output::Out;

fn show_text(v: &ResponseView) -> String {
    let r = &v.response;
    let mut s = format!(
        "{} ({} v{}, {}) — {}\n",
        v.title,
        r.form.id,
        r.form.version,
        &r.form.hash[..12.min(r.form.hash.len())],
        match r.status {
            doorstep_core::domain::record::response::ResponseStatus::Draft => "draft",
            doorstep_core::domain::record::response::ResponseStatus::Completed => "completed",
        }
    );
    if let Some(a) = r.amends {
        s.push_str(&format!("Amends {a}\n"));
    }
    s.push_str("Answers:\n");
    for (k, a) in &r.answers {
        s.push_str(&format!(
            "  {k}: {}\n",
            serde_json::to_string(a).unwrap_or_default()
        ));
    }
    if !v.scores.is_empty() {
        s.push_str("Scores:\n");
        for sc in &v.scores {
            s.push_str(&format!("  {}: {}", sc.label, sc.value));
            if let Some(i) = &sc.interpretation {
                s.push_str(&format!(" — {i}"));
            }
            if !sc.flags.is_empty() {
                s.push_str(&format!(" {:?}", sc.flags));
            }
            s.push('\n');
        }
    }
    if !v.problems.is_empty()
        && r.status == doorstep_core::domain::record::response::ResponseStatus::Draft
    {
        s.push_str("Still to do before it can be completed:\n");
        for p in &v.problems {
            s.push_str(&format!("  {}: {}\n", p.field, p.problem));
        }
    }
    s.trim_end().to_string()
}

/// `doorstep form …`.
pub fn form(s: &mut Session, command: FormCommand, out: &Out) -> Result<(), CoreError> {
    match command {
        FormCommand::List => {
            let list = s.form_list();
            out.print(&list, |l| {
                l.iter()
                    .map(|f| {
                        format!(
                            "{:<20} v{:<3} {}  ({})",
                            f.form.id,
                            f.form.version,
                            f.title,
                            &f.form.hash[..12.min(f.form.hash.len())]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        FormCommand::Start {
            family,
            form,
            child,
            contact,
        } => {
            let w = s.form_start(&family, &form, child.as_deref(), contact.as_deref())?;
            out.print(&w, |w| format!("Response started: {}", w.record_id));
        }
        FormCommand::Answer {
            family,
            response,
            item,
            value,
        } => {
            let w = s.form_answer(&family, &response, &item, &value)?;
            out.print(&w, |_| format!("Saved {item}."));
        }
        FormCommand::Show { family, response } => {
            let v = s.form_show(&family, &response)?;
            out.print(&v, show_text);
        }
        FormCommand::Complete { family, response } => {
            let w = s.form_complete(&family, &response)?;
            out.print(&w, |w| format!("Completed and signed: {}", w.record_id));
        }
        FormCommand::Export {
            family,
            response,
            fhir,
            early_help_html,
            early_help_pdf,
        } => {
            if fhir {
                let Some(r) = response else {
                    return Err(CoreError::invalid("response", "is required with --fhir"));
                };
                let bundle = s.export_fhir(&family, &r)?;
                out.print(&bundle, |b| {
                    serde_json::to_string_pretty(b).unwrap_or_default()
                });
            } else if early_help_html || early_help_pdf {
                let summary = s.early_help_summary(&family)?;
                let bytes = if early_help_pdf {
                    doorstep_core::exports::early_help::to_pdf(&summary)
                } else {
                    doorstep_core::exports::early_help::to_html(&summary).into_bytes()
                };
                use std::io::Write;
                std::io::stdout().write_all(&bytes).map_err(|_| {
                    CoreError::Storage("could not write the export to standard output".into())
                })?;
            } else {
                return Err(CoreError::invalid(
                    "format",
                    "choose --fhir, --early-help-html or --early-help-pdf",
                ));
            }
        }
        FormCommand::Amend { family, response } => {
            let w = s.form_amend(&family, &response)?;
            out.print(&w, |w| {
                format!("Amendment started: {} (amends {response})", w.record_id)
            });
        }
    }
    Ok(())
}

/// `doorstep goals`.
pub fn goals(s: &mut Session, family: &str, out: &Out) -> Result<(), CoreError> {
    let goals = s.goals(family)?;
    out.print(&goals, |gs| {
        if gs.is_empty() {
            return "No goals yet: complete a family-partnership assessment.".into();
        }
        let mut t = String::new();
        for g in gs {
            let ratings: Vec<String> = g
                .ratings
                .iter()
                .map(|(d, r, _)| format!("{d}: {r}/10"))
                .collect();
            t.push_str(&format!(
                "{}\n  ratings: {}\n",
                g.text,
                if ratings.is_empty() {
                    "none yet".into()
                } else {
                    ratings.join(", ")
                }
            ));
            if let Some(a) = &g.actions {
                t.push_str(&format!("  actions: {a}\n"));
            }
            if let Some(d) = g.review_date {
                t.push_str(&format!("  review by {d}\n"));
            }
        }
        t.trim_end().to_string()
    });
    Ok(())
}
