//! `doorstep`: the command line over doorstep-core. Every command unlocks
//! the device first (except `init`), prints a table or `--json`, and exits
//! non-zero with a message naming the field and the problem on bad input.

mod args;
mod assess;
mod output;
mod secret;
mod sync;
mod visits;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use doorstep_core::domain::record::departure::{NewArrival, NewDeparture};
use doorstep_core::domain::record::family::{
    HouseholdUpdate, NewBirth, NewConsent, NewFamily, NewFlag, NewLevel, NewPerson,
};
use doorstep_core::domain::record::listing::{FamilyQuery, SortBy};
use doorstep_core::domain::{values::codes, Problems};
use doorstep_core::{demo, device, Clock, CoreError, InitOptions, Session};

use args::*;
use output::Out;

fn main() -> ExitCode {
    doorstep_core::device::forbid_core_dumps();
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Exit codes by error, so scripts can tell them apart.
fn exit_code(e: &CoreError) -> u8 {
    match e {
        CoreError::Storage(_) => 1,
        CoreError::Invalid(_) => 3,
        CoreError::WrongPassphrase { .. } => 4,
        CoreError::Erased { .. } => 5,
        CoreError::NoProfile => 6,
        CoreError::ProfileExists => 7,
        CoreError::NotFound(_) => 8,
        CoreError::Revoked { .. } => 5,
        CoreError::Unreachable(_) => 9,
        CoreError::NotEnrolled(_) => 10,
        CoreError::SyncFailed(_) => 11,
        CoreError::AlreadyEnrolled(_) => 12,
        CoreError::Locked => 13,
    }
}

fn run(cli: Cli, out: &Out) -> Result<(), CoreError> {
    let dir = doorstep_core::resolve_data_dir(cli.data_dir.as_deref());
    let clock = Clock::from_env().map_err(|e| CoreError::invalid("DOORSTEP_NOW", e))?;
    match cli.command {
        Command::Init(a) => {
            let pass = secret::new_passphrase("DOORSTEP_PASSPHRASE")?;
            let opts = InitOptions {
                practitioner: a.practitioner,
                role: a.role,
                team: a.team,
                max_failures: a.max_failures,
                backoff_base_ms: a.backoff_ms,
                kdf_target: Duration::from_millis(a.kdf_target_ms),
            };
            let report = doorstep_core::init(&dir, &pass, &opts)?;
            out.print(&report, output::init);
            Ok(())
        }
        Command::Passphrase {
            command: PassphraseCommand::Change { kdf_target_ms },
        } => {
            let old = secret::passphrase("DOORSTEP_PASSPHRASE", "Current passphrase: ")?;
            let new = secret::new_passphrase("DOORSTEP_NEW_PASSPHRASE")?;
            device::change_passphrase(&dir, &old, &new, Duration::from_millis(kdf_target_ms))?;
            out.print(&serde_json::json!({"changed": true}), |_| {
                "Passphrase changed.".into()
            });
            Ok(())
        }
        command => {
            let pass = secret::passphrase("DOORSTEP_PASSPHRASE", "Passphrase: ")?;
            let mut session = device::unlock(&dir, &pass, clock)
                .map_err(|e| doorstep_core::sync::explain_erased(&dir, e))?;
            drop(pass);
            unlocked(&mut session, command, out)
        }
    }
}

fn unlocked(s: &mut Session, command: Command, out: &Out) -> Result<(), CoreError> {
    match command {
        Command::Init(_) | Command::Passphrase { .. } => unreachable!("handled before unlock"),
        Command::Family { command } => match command {
            FamilyCommand::Add(a) => {
                let w = s.add_family(&NewFamily {
                    address_line1: a.address_line1,
                    address_line2: a.address_line2,
                    town: a.town,
                    postcode: a.postcode,
                    phone: a.phone,
                    main_language: a.language,
                    interpreter_needed: a.interpreter,
                    practitioner: a.practitioner,
                    team: a.team,
                })?;
                out.print(&w, |w| format!("Family added: {}", w.family_id));
            }
            FamilyCommand::Update(a) => {
                let w = s.update_household(
                    &a.family,
                    &HouseholdUpdate {
                        address_line1: a.address_line1,
                        address_line2: a.address_line2,
                        town: a.town,
                        postcode: a.postcode,
                        phone: a.phone,
                        main_language: a.language,
                        interpreter_needed: a.interpreter,
                    },
                )?;
                out.print(&w, |w| format!("Family updated: {}", w.family_id));
            }
            FamilyCommand::Show { family } => {
                let view = s.show_family(&family)?;
                out.print(&view, output::family);
            }
            FamilyCommand::List(a) => {
                let q = family_query(a)?;
                let page = s.list_families(&q)?;
                out.print(&page, output::family_page);
            }
        },
        Command::Person { command } => match command {
            PersonCommand::Add(a) => {
                let input = NewPerson {
                    role: a.role,
                    given_name: a.given_name,
                    family_name: a.family_name,
                    date_of_birth: a.dob,
                    expected_delivery_date: a.edd,
                    sex: a.sex,
                    nhs_number: a.nhs_number,
                    nhs_number_status: a.nhs_status,
                    ethnic_category: a.ethnicity,
                    gp_practice: a.gp,
                    gestation: a.gestation,
                    birth_weight_grams: a.birth_weight,
                    antenatal_requested: a.antenatal_requested.then_some(true),
                };
                if !a.not_a_duplicate {
                    let found = s.likely_duplicates(&a.family, &input)?;
                    if !found.is_empty() {
                        eprintln!("{}", output::likely_duplicates(&found));
                    }
                }
                let w = s.add_person(&a.family, &input, a.not_a_duplicate)?;
                out.print(&w, |w| format!("Person added: {}", w.record_id));
            }
            PersonCommand::Birth(a) => {
                let w = s.record_birth(
                    &a.family,
                    &a.person,
                    &NewBirth {
                        date_of_birth: a.dob,
                        given_name: a.given_name,
                        family_name: a.family_name,
                        sex: a.sex,
                        nhs_number: a.nhs_number,
                        nhs_number_status: a.nhs_status,
                        gestation: a.gestation,
                        birth_weight_grams: a.birth_weight,
                    },
                )?;
                out.print(&w, |w| format!("Birth recorded for {}", w.record_id));
            }
            PersonCommand::Leave(a) => {
                let w = s.record_departure(
                    &a.family,
                    &NewDeparture {
                        person: a.person,
                        reason: a.reason,
                        date: a.date,
                        to: a.to,
                    },
                )?;
                out.print(&w, |w| format!("Recorded as left: {}", w.record_id));
            }
            PersonCommand::TransferIn(a) => {
                let w = s.record_arrival(
                    &a.family,
                    &NewArrival {
                        person: a.person,
                        date: a.date,
                        from: a.from,
                    },
                )?;
                out.print(&w, |w| format!("Transfer in recorded: {}", w.record_id));
            }
        },
        Command::Level {
            command:
                LevelCommand::Set {
                    family,
                    level,
                    effective,
                    reason,
                },
        } => {
            let w = s.set_level(
                &family,
                &NewLevel {
                    level,
                    effective,
                    reason,
                },
            )?;
            out.print(&w, |w| {
                format!("Level of service recorded: {}", w.record_id)
            });
        }
        Command::Flag { command } => match command {
            FlagCommand::Add(a) => {
                let w = s.add_flag(
                    &a.family,
                    &NewFlag {
                        kind: a.kind,
                        cp_category: a.category,
                        alert: a.alert,
                        person_id: a.person,
                        start: a.start,
                        end: a.end,
                        lead_agency: a.lead_agency,
                        note: a.note,
                        conference_on: a.conference,
                        review_conference_on: a.review_conference,
                    },
                )?;
                out.print(&w, |w| format!("Flag added: {}", w.record_id));
            }
            FlagCommand::End { family, flag, end } => {
                let w = s.end_flag(&family, &flag, &end)?;
                out.print(&w, |w| format!("Flag ended: {}", w.record_id));
            }
            FlagCommand::ReviewConference { family, flag, on } => {
                let w = s.set_review_conference(&family, &flag, &on)?;
                out.print(&w, |w| {
                    format!("Next review conference recorded: {}", w.record_id)
                });
            }
        },
        Command::Consent {
            command:
                ConsentCommand::Record {
                    family,
                    decision,
                    date,
                    scope,
                    person,
                },
        } => {
            let w = s.record_consent(
                &family,
                &NewConsent {
                    decision,
                    date,
                    scope,
                    person_id: person,
                },
            )?;
            out.print(&w, |w| format!("Consent recorded: {}", w.record_id));
        }
        Command::EnteredInError(a) => {
            let w = s.mark_entered_in_error(&a.family, &a.record, &a.reason)?;
            out.print(&w, |w| format!("Marked entered in error: {}", w.record_id));
        }
        Command::FollowUps { practitioner } => {
            let items = s.follow_ups(practitioner.as_deref())?;
            out.print(&items, |items| output::follow_ups(items));
        }
        Command::Addressed { family, item, note } => {
            let w = s.record_addressed(&family, &item, &note)?;
            out.print(&w, |_| "Recorded as addressed.".to_string());
        }
        Command::Merge { command } => match command {
            MergeCommand::Person {
                family,
                person,
                into_family,
                into_person,
            } => {
                let into_family = into_family.unwrap_or_else(|| family.clone());
                let w = s.merge_person(&family, &person, &into_family, &into_person)?;
                out.print(&w, |w| {
                    format!(
                        "Merged {} into {into_person}: both histories kept",
                        w.record_id
                    )
                });
            }
            MergeCommand::Family { family, into } => {
                let w = s.merge_family(&family, &into)?;
                out.print(&w, |w| {
                    format!(
                        "Household {} merged into {into}: both histories kept",
                        w.record_id
                    )
                });
            }
        },
        Command::Contact { command } => visits::contact(s, command, out)?,
        Command::Worklist(a) => visits::worklist(s, a, out)?,
        Command::Reviews { family } => visits::reviews(s, &family, out)?,
        Command::Growth { family, child } => visits::growth(s, &family, &child, out)?,
        Command::Caseload { command } => visits::caseload(s, command, out)?,
        Command::Report { command } => visits::report(s, command, out)?,
        Command::Form { command } => assess::form(s, command, out)?,
        Command::Goals { family } => assess::goals(s, &family, out)?,
        Command::Projections {
            command: ProjectionsCommand::Rebuild,
        } => {
            let r = s.rebuild_projections()?;
            out.print(&r, |r| {
                format!("Projections rebuilt for {} families.", r.families)
            });
        }
        Command::Audit { command } => match command {
            AuditCommand::Show { family } => {
                let rows = s.audit_for_family(&family)?;
                out.print(&rows, |rows| output::audit_rows(rows));
            }
            AuditCommand::Verify => {
                let v = s.verify_audit()?;
                let ok = v.ok();
                out.print(&v, output::audit_verification);
                if !ok {
                    return Err(CoreError::Storage(
                        "the audit log failed verification".into(),
                    ));
                }
            }
        },
        Command::Enrol(a) => sync::enrol(s, a, out)?,
        Command::Sync { command } => sync::sync(s, command, out)?,
        Command::Conflicts { family, command } => sync::conflicts(s, family, command, out)?,
        Command::Demo {
            command: DemoCommand::Seed { families, seed },
        } => {
            let report = demo::seed(s, families, seed)?;
            out.print(&report, output::seed);
        }
    }
    Ok(())
}

fn family_query(a: FamilyListArgs) -> Result<FamilyQuery, CoreError> {
    let mut p = Problems::new();
    let level = a
        .level
        .as_deref()
        .and_then(|l| p.check("level", codes::LevelOfService::parse(l)));
    let flag = a
        .flag
        .as_deref()
        .and_then(|f| p.check("flag", codes::FlagKind::parse(f)));
    let sort = p.check("sort", SortBy::parse(&a.sort));
    if !p.is_empty() {
        return Err(p.into());
    }
    Ok(FamilyQuery {
        level,
        flag,
        practitioner: a.practitioner,
        search: a.search,
        sort: sort.unwrap_or_default(),
        page: a.page,
        per_page: a.per_page,
        include_entered_in_error: a.include_entered_in_error,
    })
}
