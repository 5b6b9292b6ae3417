//! `doorstep-server admin …`: administration straight against the hub's
//! database. Safe while servers run on the same database: every command is
//! one hub transaction.

use std::fs;

use anyhow::{Context, Result};
use chrono::{Duration, Utc};
use doorstep_domain::values::calendar::london_date;
use doorstep_hub::Hub;
use serde::Serialize;
use uuid::Uuid;

use crate::args::{AdminArgs, AdminCommand, PractitionerCommand, TeamCommand};

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        println!("{}", text(value));
    }
    Ok(())
}

fn parse_id(field: &str, value: &str) -> Result<Uuid> {
    Uuid::parse_str(value).with_context(|| format!("{field}: not a valid id"))
}

/// Runs one admin command.
pub fn run(args: AdminArgs) -> Result<()> {
    let hub = Hub::open(&args.database.database_url).context("opening the database")?;
    let json = args.json;
    let now = Utc::now();
    match args.command {
        AdminCommand::Team { command } => match command {
            TeamCommand::Create { name } => {
                let team = hub.create_team(&name)?;
                print(json, &team, |t| {
                    format!("team {} created: {}", t.name, t.id)
                })
            }
            TeamCommand::List => print(json, &hub.list_teams()?, |teams| {
                teams
                    .iter()
                    .map(|t| format!("{}  {}", t.id, t.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        },
        AdminCommand::Practitioner { command } => match command {
            PractitionerCommand::Create { name, role, team } => {
                let p = hub.create_practitioner(&name, &role, &team)?;
                print(json, &p, |p| {
                    format!("practitioner {} ({}) created: {}", p.name, p.role, p.id)
                })
            }
            PractitionerCommand::List => print(json, &hub.list_practitioners()?, |ps| {
                ps.iter()
                    .map(|p| format!("{}  {}  {}", p.id, p.name, p.role))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        },
        AdminCommand::EnrolmentCode {
            practitioner,
            valid_hours,
        } => {
            let code =
                hub.issue_enrolment_code(&practitioner, Duration::hours(valid_hours), now)?;
            print(json, &code, |c| {
                format!(
                    "enrolment code {} (one use, expires {})",
                    c.code,
                    c.expires_at.to_rfc3339()
                )
            })
        }
        AdminCommand::Allocate {
            family,
            practitioner,
        } => {
            let family = parse_id("--family", &family)?;
            hub.allocate(family, &practitioner, now)?;
            print(
                json,
                &serde_json::json!({"family": family, "practitioner": practitioner}),
                |_| format!("family {family} allocated to {practitioner}"),
            )
        }
        AdminCommand::ImportNotifications { file } => {
            let text =
                fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let report = hub.import_notifications(&text, now, london_date(now))?;
            print(json, &report, |r| {
                let mut out = format!(
                    "{} imported, {} rejected",
                    r.imported.len(),
                    r.rejected.len()
                );
                for row in &r.imported {
                    if row.attached_to_pregnancy {
                        out.push_str(&format!(
                            "\nrow {}: the birth was recorded against the pregnancy held in family {}",
                            row.row, row.family_id
                        ));
                    }
                    if !row.possible_duplicates.is_empty() {
                        let ids: Vec<String> = row
                            .possible_duplicates
                            .iter()
                            .map(Uuid::to_string)
                            .collect();
                        out.push_str(&format!(
                            "\nrow {}: family {} may duplicate a child held in family {}: check, and merge if so",
                            row.row,
                            row.family_id,
                            ids.join(", ")
                        ));
                    }
                }
                for row in &r.rejected {
                    out.push_str(&format!("\nrow {}: {}", row.row, row.reason));
                }
                out
            })?;
            if report.imported.is_empty() && !report.rejected.is_empty() {
                std::process::exit(3);
            }
            Ok(())
        }
        AdminCommand::Revoke { device } => {
            let device = parse_id("--device", &device)?;
            hub.revoke_device(device, now)?;
            print(json, &serde_json::json!({"revoked": device}), |_| {
                format!("device {device} revoked: at its next sync it sends the work the server does not yet hold, then erases its data; its token works for nothing else")
            })
        }
        AdminCommand::Wipe { device } => {
            let device = parse_id("--device", &device)?;
            hub.wipe_device(device, now)?;
            print(json, &serde_json::json!({"wiped": device}), |_| {
                format!("device {device} to be wiped: at its next contact it erases its data and sends nothing")
            })
        }
        AdminCommand::AuditVerify => {
            hub.seal_audit()?;
            let v = hub.verify_audit()?;
            print(json, &v, |v| match v.broken_at {
                None => format!("audit chain holds: {} rows sealed", v.sealed),
                Some(at) => format!(
                    "AUDIT CHAIN BROKEN at position {at}: {} rows hold before it",
                    v.sealed
                ),
            })?;
            if !v.ok() {
                std::process::exit(4);
            }
            Ok(())
        }
        AdminCommand::Devices => print(json, &hub.list_devices()?, |ds| {
            serde_json::to_string_pretty(ds).unwrap_or_default()
        }),
        AdminCommand::DeviceAudit { device } => {
            let device = parse_id("--device", &device)?;
            let log = hub.device_audit(device)?;
            print(json, &log, |l| {
                let mut out = String::new();
                for r in &l.rows {
                    out.push_str(&format!(
                        "{:>6}  {}  {}  {}  {} {}\n",
                        r.seq,
                        r.at,
                        r.practitioner,
                        r.action,
                        r.record_kind,
                        r.record_id.as_deref().unwrap_or("")
                    ));
                }
                match l.problems.first() {
                    None => out.push_str(&format!(
                        "device audit holds: {} rows, up to row {} acknowledged to the laptop",
                        l.rows.len(),
                        l.tip_seq
                    )),
                    Some(p) => out.push_str(&format!("DEVICE AUDIT BROKEN: {p}")),
                }
                out
            })?;
            if !log.problems.is_empty() {
                std::process::exit(4);
            }
            Ok(())
        }
        AdminCommand::Caseload { config } => {
            let cfg = match config {
                Some(path) => {
                    let text = fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let cfg: doorstep_domain::config::Config = serde_json::from_str(&text)
                        .with_context(|| {
                            format!("{}: not a valid configuration", path.display())
                        })?;
                    cfg.caseload
                }
                None => Default::default(),
            };
            let report = hub.caseload_report(london_date(now), &cfg)?;
            print(json, &report, |r| {
                serde_json::to_string_pretty(r).unwrap_or_default()
            })
        }
        AdminCommand::NewEpoch => {
            let epoch = hub.new_epoch()?;
            print(json, &serde_json::json!({"epoch": epoch}), |_| {
                format!("new epoch {epoch}: every device will compare its whole caseload at its next sync")
            })
        }
    }
}
