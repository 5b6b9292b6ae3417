//! Printing results: JSON with `--json`, otherwise short readable text.
//! Errors go to stderr as text, or to stdout as a JSON object with the
//! code, message and field problems.

use doorstep_core::demo::SeedReport;
use doorstep_core::device::InitReport;
use doorstep_core::domain::record::contact::measurement_field_parts;
use doorstep_core::domain::record::family::Family;
use doorstep_core::domain::record::listing::FamilyPage;
use doorstep_core::follow_ups::FollowUpView;
use doorstep_core::session::{DuplicateView, FamilyView};
use doorstep_core::{AuditRow, AuditVerification, CoreError};
use serde::Serialize;
use std::io::Write;

/// Where and how results are printed.
pub struct Out {
    /// JSON instead of text.
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or as `human` renders it.
    pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(value).expect("results serialise")
        } else {
            human(value)
        };
        line(&text);
    }

    /// Prints an error.
    pub fn error(&self, e: &CoreError) {
        if self.json {
            let v = serde_json::json!({
                "error": {
                    "code": e.code(),
                    "message": e.to_string(),
                    "problems": e.problems(),
                    "warning": e.warning(),
                }
            });
            line(&serde_json::to_string_pretty(&v).expect("errors serialise"));
        } else {
            match e {
                CoreError::Invalid(p) => {
                    eprintln!("error: invalid input");
                    for fp in &p.0 {
                        eprintln!("  {}: {}", field_words(&fp.field), fp.problem);
                    }
                }
                other => eprintln!("error: {other}"),
            }
            if let Some(w) = e.warning() {
                eprintln!("{w}");
            }
        }
    }
}

/// A problem's field as a person reads it: a measurement's names its
/// child by the id's first 8 characters (`weight_kg (child 1a2b3c4d)`).
fn field_words(field: &str) -> String {
    match measurement_field_parts(field) {
        Some((child, name)) => {
            format!("{name} (child {})", child.get(..8).unwrap_or(child))
        }
        None => field.to_string(),
    }
}

/// Writes a line to stdout; a closed pipe (e.g. `| head`) is not worth a panic.
fn line(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// `init`.
pub fn init(r: &InitReport) -> String {
    format!(
        "Device set up in {}\n  device id: {}\n  key derivation: Argon2id, {} MiB, {} iteration(s)\n  data erased after {} failed unlocks",
        r.data_dir.display(),
        r.device_id,
        r.kdf.memory_kib / 1024,
        r.kdf.iterations,
        r.max_failures
    )
}

fn short(id: &str) -> &str {
    &id[..8.min(id.len())]
}

/// `family list`.
pub fn family_page(p: &FamilyPage) -> String {
    let mut s = format!(
        "{:<10} {:<16} {:<24} {:<9} {:<11} {:>4} {:>3}  {}\n",
        "ID", "NAME", "ADDRESS", "POSTCODE", "LEVEL", "MEMB", "U5", "FLAGS"
    );
    for f in &p.families {
        s.push_str(&format!(
            "{:<10} {:<16} {:<24} {:<9} {:<11} {:>4} {:>3}  {}{}\n",
            short(&f.id),
            truncate(&f.name, 16),
            truncate(&f.address_line1, 24),
            f.postcode,
            f.level.code(),
            f.members,
            f.children_under5,
            f.flags.join(","),
            if f.entered_in_error {
                " [entered in error]"
            } else {
                ""
            }
        ));
    }
    let pages = p.total.div_ceil(p.per_page.max(1) as u64).max(1);
    s.push_str(&format!(
        "{} families, page {} of {}",
        p.total, p.page, pages
    ));
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    }
}

fn name_of(f: &Family, id: &uuid::Uuid) -> String {
    f.members
        .get(id)
        .map(|p| p.display_name())
        .unwrap_or_else(|| "household".into())
}

/// `family show`.
pub fn family(v: &FamilyView) -> String {
    let f = &v.family;
    let h = &f.household;
    let mut s = format!("Family {}", f.id);
    if let Some(e) = &f.entered_in_error {
        s.push_str(&format!(
            "  [ENTERED IN ERROR by {} at {}: {}]",
            e.by,
            e.at.format("%Y-%m-%d %H:%M"),
            e.reason
        ));
    }
    s.push('\n');
    for id in &v.active_flags {
        let fl = &f.flags[id];
        let detail = fl
            .cp_category
            .map(|c| format!(" ({})", c.label()))
            .or_else(|| fl.alert.map(|a| format!(" ({})", a.label())))
            .unwrap_or_default();
        s.push_str(&format!(
            "  ALERT: {}{} since {}",
            fl.kind.label(),
            detail,
            fl.start
        ));
        if let Some(n) = &fl.note {
            s.push_str(&format!(": {n}"));
        }
        s.push('\n');
    }
    let addr: Vec<&str> = [
        Some(h.address_line1.as_str()),
        h.address_line2.as_deref(),
        h.town.as_deref(),
        Some(h.postcode.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    s.push_str(&format!("  Address:      {}\n", addr.join(", ")));
    if let Some(p) = &h.phone {
        s.push_str(&format!("  Phone:        {}\n", p.formatted()));
    }
    s.push_str(&format!(
        "  Language:     {}{}\n",
        h.main_language.as_deref().unwrap_or("not recorded"),
        if h.interpreter_needed {
            " (interpreter needed)"
        } else {
            ""
        }
    ));
    s.push_str(&format!("  Level:        {}\n", v.level.label()));
    s.push_str(&format!(
        "  Practitioner: {}{}\n",
        f.allocation
            .practitioner
            .as_deref()
            .unwrap_or("unallocated"),
        f.allocation
            .team
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    ));
    s.push_str("Members:\n");
    for (id, p) in &f.members {
        let mut line = format!(
            "  {}  {:<15} {}",
            short(&id.to_string()),
            p.role.label(),
            p.display_name()
        );
        if let Some(d) = p.date_of_birth {
            line.push_str(&format!(", born {d}"));
        }
        if let Some(d) = p.expected_delivery_date {
            line.push_str(&format!(", EDD {d}"));
        }
        if let Some(n) = &p.nhs_number {
            line.push_str(&format!(", NHS {}", n.formatted()));
        }
        if let Some(st) = p.nhs_number_status {
            line.push_str(&format!(" [{}]", st.code()));
        }
        line.push_str(&format!(
            ", ethnicity: {}",
            p.ethnic_category
                .map(|e| e.label().to_string())
                .unwrap_or_else(|| "not recorded".into())
        ));
        if let (Some(w), Some(d)) = (p.gestation_weeks, p.gestation_days) {
            line.push_str(&format!(", gestation {w}+{d}"));
        }
        if let Some(g) = p.birth_weight_grams {
            line.push_str(&format!(", birth weight {g} g"));
        }
        if p.entered_in_error.is_some() {
            line.push_str("  [entered in error]");
        }
        s.push_str(&line);
        s.push('\n');
    }
    if !f.levels.is_empty() {
        s.push_str("Level history:\n");
        let mut levels: Vec<_> = f.levels.iter().collect();
        levels.sort_by_key(|(_, l)| (l.effective, l.recorded.at));
        for (id, l) in levels {
            s.push_str(&format!(
                "  {}  {} from {}: {} (by {}){}\n",
                short(&id.to_string()),
                l.level.label(),
                l.effective,
                l.reason,
                l.recorded.by,
                if l.entered_in_error.is_some() {
                    "  [entered in error]"
                } else {
                    ""
                }
            ));
        }
    }
    if !f.flags.is_empty() {
        s.push_str("Flags:\n");
        for (id, fl) in &f.flags {
            s.push_str(&format!(
                "  {}  {} for {}, {} to {}{}{}\n",
                short(&id.to_string()),
                fl.kind.label(),
                fl.person_id
                    .map(|p| name_of(f, &p))
                    .unwrap_or_else(|| "household".into()),
                fl.start,
                fl.end
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "now".into()),
                fl.lead_agency
                    .as_deref()
                    .map(|a| format!(", lead: {a}"))
                    .unwrap_or_default(),
                if fl.entered_in_error.is_some() {
                    "  [entered in error]"
                } else {
                    ""
                }
            ));
        }
    }
    if !f.contacts.is_empty() {
        s.push_str("Contacts:\n");
        let mut contacts: Vec<_> = f.contacts.iter().collect();
        contacts.sort_by_key(|(_, c)| c.at);
        for (id, c) in contacts {
            let who: Vec<String> = c
                .subjects
                .iter()
                .filter(|(_, on)| **on)
                .map(|(p, _)| name_of(f, p))
                .collect();
            let measured = f
                .measurements
                .values()
                .filter(|m| m.contact_id == *id && m.entered_in_error.is_none())
                .count();
            s.push_str(&format!(
                "  {}  {} {:<22} {} for {}: {} by {} ({}){}{}{}\n",
                short(&id.to_string()),
                c.date,
                c.kind.label(),
                if c.status == doorstep_core::domain::record::contact::ContactStatus::Signed {
                    "signed"
                } else {
                    "DRAFT "
                },
                who.join(" and "),
                c.attendance.label(),
                c.practitioner,
                c.role.label(),
                if measured > 0 {
                    format!(", {measured} measurement(s)")
                } else {
                    String::new()
                },
                if c.addenda.is_empty() {
                    String::new()
                } else {
                    format!(", {} addendum(s)", c.addenda.len())
                },
                if c.entered_in_error.is_some() {
                    "  [entered in error]"
                } else {
                    ""
                }
            ));
        }
    }
    if !f.consents.is_empty() {
        s.push_str("Consent:\n");
        for (id, c) in &f.consents {
            s.push_str(&format!(
                "  {}  {} on {}: {}{}\n",
                short(&id.to_string()),
                c.decision.label(),
                c.date,
                c.scope,
                if c.entered_in_error.is_some() {
                    "  [entered in error]"
                } else {
                    ""
                }
            ));
        }
    }
    s.trim_end().to_string()
}

/// `audit show`.
pub fn audit_rows(rows: &[AuditRow]) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(&format!(
            "{:>6}  {}  {:<20} {:<16} {:<8} {}\n",
            r.seq,
            r.at,
            r.practitioner,
            r.action,
            r.record_kind,
            r.record_id.as_deref().unwrap_or("")
        ));
    }
    s.push_str(&format!("{} entries", rows.len()));
    s
}

/// `audit verify`.
pub fn audit_verification(v: &AuditVerification) -> String {
    if v.ok() {
        format!("Audit log intact: {} entries verified.", v.rows)
    } else {
        let mut s = format!(
            "AUDIT LOG TAMPERED: {} problem(s) in {} entries\n",
            v.problems.len(),
            v.rows
        );
        for p in &v.problems {
            s.push_str(&format!("  {p}\n"));
        }
        s.trim_end().to_string()
    }
}

/// `demo seed`.
pub fn seed(r: &SeedReport) -> String {
    format!(
        "Seeded {} families: {} parents/carers, {} children ({} twin pairs), {} pregnancies\n  levels: {} universal, {} targeted, {} specialist; {} flags; {} need an interpreter; {} children without a stated ethnicity",
        r.families, r.parents, r.children, r.twin_pairs, r.pregnancies, r.by_level[1], r.by_level[2], r.by_level[3], r.flags, r.interpreter_needed, r.ethnicity_missing
    )
}

/// People already recorded who may be the one being added.
pub fn likely_duplicates(found: &[DuplicateView]) -> String {
    let mut s = String::from("Likely duplicates: this person may already be recorded as\n");
    for d in found {
        s.push_str(&format!(
            "  {} ({}), {} family {}: {}\n",
            d.name,
            d.date_of_birth
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "no date of birth".into()),
            d.family,
            &d.family_id.to_string()[..8],
            d.reason
        ));
    }
    s.push_str("Check them; if this is a different person, add again with --not-a-duplicate.");
    s
}

/// Open follow-ups, most urgent first, each with its key.
pub fn follow_ups(items: &[FollowUpView]) -> String {
    if items.is_empty() {
        return "No open follow-ups.".into();
    }
    let mut s = String::new();
    for v in items {
        s.push_str(&format!(
            "{:<22} {}  {}{}: {} (since {}, due {})\n    key {}\n",
            v.item.urgency.label(),
            &v.item.family_id.to_string()[..8],
            v.family,
            v.person
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default(),
            v.item.text,
            v.item.since,
            v.item.due,
            v.item.key
        ));
    }
    s.push_str(&format!("{} open", items.len()));
    s
}
