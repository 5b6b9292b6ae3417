//! The sync commands: `enrol`, `sync`, `sync status`, `conflicts` and
//! `conflicts resolve`, turning arguments into core calls and results into
//! text.

use doorstep_core::sync::{
    london_time, ConflictView, EnrolOptions, EnrolReport, FamilyRef, Resolution, Resolved,
    SyncReport, SyncStatus,
};
use doorstep_core::{CoreError, Session};

use crate::args::{ConflictsCommand, EnrolArgs, SyncCommand};
use crate::output::Out;

/// `doorstep enrol`.
pub fn enrol(s: &mut Session, a: EnrolArgs, out: &Out) -> Result<(), CoreError> {
    let ca_pem = match &a.ca_cert {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|_| CoreError::invalid("ca_cert", "the file cannot be read"))?,
        ),
        None => None,
    };
    let device_name = a
        .device_name
        .or_else(|| {
            ["HOSTNAME", "COMPUTERNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        })
        .unwrap_or_else(|| "Doorstep device".into());
    let report = s.enrol(&EnrolOptions {
        server: a.server,
        code: a.code,
        ca_pem,
        device_name,
        replace: a.replace,
    })?;
    out.print(&report, enrolled);
    Ok(())
}

fn enrolled(r: &EnrolReport) -> String {
    let team = r
        .team
        .as_ref()
        .map(|t| format!(", team {}", t.name))
        .unwrap_or_default();
    format!(
        "Enrolled with {} as \"{}\" for {} ({}{team}).\nRun `doorstep sync` to fetch the caseload.",
        r.server, r.device_name, r.practitioner.name, r.practitioner.role
    )
}

/// `doorstep sync` and `doorstep sync status`.
pub fn sync(s: &mut Session, command: Option<SyncCommand>, out: &Out) -> Result<(), CoreError> {
    match command {
        None => {
            let report = s.sync()?;
            out.print(&report, synced);
        }
        Some(SyncCommand::Status) => {
            let status = s.sync_status()?;
            out.print(&status, status_text);
        }
    }
    Ok(())
}

fn size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn synced(r: &SyncReport) -> String {
    let mut s = format!(
        "Synced in {} round trip{}.\n  families sent: {} ({} whole), received: {} ({} new), merged: {}, evicted: {}, refused: {}\n  {} up, {} down",
        r.round_trips,
        if r.round_trips == 1 { "" } else { "s" },
        r.sent,
        r.uploaded,
        r.received,
        r.downloaded,
        r.merged,
        r.evicted,
        r.rejected,
        size(r.bytes_up),
        size(r.bytes_down),
    );
    if r.full_compare {
        s.push_str("\n  The server was restored from a backup: everything was compared.");
    }
    if r.conflicts > 0 {
        s.push_str(&format!(
            "\n  Conflicts on this device: {} (see `doorstep conflicts`).",
            r.conflicts
        ));
    }
    if r.rejected > 0 {
        s.push_str("\n  Some families were refused: see `doorstep sync status`.");
    }
    if !r.complete {
        s.push_str(&format!(
            "\n  More to exchange ({} families still pending): run `doorstep sync` again.",
            r.pending
        ));
    }
    s
}

fn short(id: &uuid::Uuid) -> String {
    id.to_string()[..8].to_string()
}

fn families(title: &str, list: &[FamilyRef], s: &mut String) {
    s.push_str(&format!("{title}: {}\n", list.len()));
    for f in list {
        s.push_str(&format!(
            "  {}  {}\n",
            short(&f.family_id),
            f.name.as_deref().unwrap_or("(not yet downloaded)")
        ));
    }
}

fn status_text(st: &SyncStatus) -> String {
    let mut s = String::new();
    let Some(server) = &st.server else {
        return "Not enrolled with a server: run `doorstep enrol --server URL --code CODE`.".into();
    };
    s.push_str(&format!("Server: {server}\n"));
    if let Some(p) = &st.practitioner {
        let team = st
            .team
            .as_ref()
            .map(|t| format!(", team {}", t.name))
            .unwrap_or_default();
        s.push_str(&format!(
            "Enrolled for: {} ({}{team}), device \"{}\"\n",
            p.name,
            p.role,
            st.device_name.as_deref().unwrap_or("")
        ));
    }
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(london_time).unwrap_or_else(|| "never".into())
    };
    s.push_str(&format!(
        "Last successful sync: {}\n",
        when(st.last_success_at)
    ));
    match &st.last_error {
        Some(e) => s.push_str(&format!(
            "Last attempt: {}, failed: {e}\n",
            when(st.last_attempt_at)
        )),
        None => s.push_str(&format!("Last attempt: {}\n", when(st.last_attempt_at))),
    }
    if let Some(reason) = &st.audit_refused {
        s.push_str(&format!(
            "Audit log: the server refused this laptop's audit log ({reason}). Tell your IT service desk; your records still sync.\n"
        ));
    }
    match &st.cursor {
        Some(c) => s.push_str(&format!("Cursor: {} / {}\n", c.epoch, c.seq)),
        None => s.push_str("Cursor: none (not synced yet)\n"),
    }
    families(
        "Pending (changes not yet on the server)",
        &st.pending,
        &mut s,
    );
    families(
        "Waiting to be evicted (left your caseload; removed once sent)",
        &st.awaiting_eviction,
        &mut s,
    );
    s.push_str(&format!("Refused by the server: {}\n", st.rejections.len()));
    for r in &st.rejections {
        s.push_str(&format!(
            "  {}  {}: {} ({})\n",
            short(&r.family_id),
            r.name.as_deref().unwrap_or("(not on this device)"),
            r.reason,
            r.at
        ));
    }
    s.push_str(&format!("Conflicts: {}", st.conflicts));
    if st.conflicts > 0 {
        s.push_str(" (see `doorstep conflicts`)");
    }
    s
}

/// `doorstep conflicts [--family F]` and `doorstep conflicts resolve`.
pub fn conflicts(
    s: &mut Session,
    family: Option<String>,
    command: Option<ConflictsCommand>,
    out: &Out,
) -> Result<(), CoreError> {
    match command {
        None => {
            let list = s.conflicts(family.as_deref())?;
            out.print(&list, |l| conflicts_text(l));
        }
        Some(ConflictsCommand::Resolve(a)) => {
            let choice = match (a.choose, a.value) {
                (Some(k), None) => Resolution::Choose(k),
                (None, Some(v)) => Resolution::Value(v),
                _ => {
                    return Err(CoreError::invalid(
                        "choose",
                        "give either --choose K or --value V",
                    ))
                }
            };
            let done = s.resolve_conflict(&a.family, &a.field, &choice)?;
            out.print(&done, resolved);
        }
    }
    Ok(())
}

fn conflicts_text(list: &[ConflictView]) -> String {
    if list.is_empty() {
        return "No conflicts.".into();
    }
    let mut s = String::new();
    for c in list {
        s.push_str(&format!(
            "{}. {} {}  field {}\n",
            c.number,
            short(&c.family_id),
            c.family_name.as_deref().unwrap_or(""),
            c.field
        ));
        for v in &c.values {
            s.push_str(&format!(
                "   [{}] {}  by {}, {}, device {}\n",
                v.choice,
                v.value,
                v.practitioner.as_deref().unwrap_or("unknown"),
                v.at_local.as_deref().unwrap_or("unknown time"),
                v.device
                    .map(|d| short(&d))
                    .unwrap_or_else(|| "unknown".into()),
            ));
        }
        s.push_str(&format!(
            "   resolve: doorstep conflicts resolve --family {} --field {} --choose N\n",
            c.family_id, c.field
        ));
    }
    s.push_str(&format!("{} conflict(s)", list.len()));
    s
}

fn resolved(r: &Resolved) -> String {
    format!(
        "Resolved {} of family {}: {}. Conflicts left in the family: {}. It syncs with the next `doorstep sync`.",
        r.field,
        short(&r.family_id),
        r.value,
        r.remaining_conflicts
    )
}
