//! Administration: teams, practitioners, enrolment codes, allocating
//! families, revoking devices and starting a new epoch; and the listings an
//! administrator reads.
//!
//! Practitioners and teams are named by name (case-insensitive) or id
//! wherever an administrator types one. Allocation is authoritative here:
//! it moves the family's row, records the departure for the practitioner
//! who lost it (their devices are told to evict it) and writes the new
//! allocation into the family document as a server change, so devices show
//! the right named practitioner.

use chrono::{DateTime, Utc};
use doorstep_domain::record::action::Edit;
use doorstep_domain::values::codes::PractitionerRole;
use doorstep_domain::values::validate::required_text;
use doorstep_sync::audit::{self, AuditRow, AuditTip, GENESIS};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use crate::db::{Row, Tx, Value};
use crate::documents::{
    audit, bump_seq, commit_as_server, load_doc, lock_family, store_changes, update_family_doc,
};
use crate::{enrol, parse_stamp, stamp, Hub, HubError};

/// The role a team leader has; the others are the domain's
/// [`PractitionerRole`] codes (the roles that deliver contacts).
pub const TEAM_LEADER: &str = "team-leader";

/// Every practitioner role code the hub accepts.
pub const PRACTITIONER_ROLES: &[&str] = &[
    "health-visitor",
    "community-public-health-nurse",
    "senior-public-health-assistant",
    "early-years-public-health-assistant",
    "nursery-nurse",
    TEAM_LEADER,
];

/// Names the server in the commit messages of the changes it writes.
pub(crate) const SERVER_AUTHOR: &str = "central server";

/// Longest team, practitioner or device name.
const NAME_MAX: usize = 100;

/// A team of practitioners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    /// The team's id.
    pub id: Uuid,
    /// Its name (unique, case-insensitively).
    pub name: String,
}

/// A practitioner who holds a caseload and enrols devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Practitioner {
    /// The practitioner's id.
    pub id: Uuid,
    /// Their name as shown on records.
    pub name: String,
    /// One of [`PRACTITIONER_ROLES`].
    pub role: String,
    /// Their team.
    pub team_id: Uuid,
}

/// A one-time enrolment code, as issued (the database keeps only its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolmentCode {
    /// The code to type on the device, `XXXX-XXXX-XXXX`.
    pub code: String,
    /// The practitioner the enrolled device will belong to.
    pub practitioner_id: Uuid,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    /// The device id (chosen by the device).
    pub id: Uuid,
    /// Whose device it is.
    pub practitioner_id: Uuid,
    /// The name given at enrolment.
    pub name: String,
    /// When it enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When its token was last used (to the minute).
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// A laptop's audit log as this server holds it (`admin device-audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceAuditLog {
    /// The device.
    pub device_id: Uuid,
    /// The last row acknowledged to the device (0: none yet).
    pub tip_seq: u64,
    /// Its hash, hex.
    pub tip_hash: Option<String>,
    /// The rows, oldest first.
    pub rows: Vec<DeviceAuditRow>,
    /// What does not hold in the server's copy (empty when the rows chain
    /// from the first to the tip).
    pub problems: Vec<String>,
}

/// One row of a laptop's audit log, as it sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceAuditRow {
    /// Position in the laptop's chain.
    pub seq: u64,
    /// When, as the laptop recorded it.
    pub at: String,
    /// Who.
    pub practitioner: String,
    /// What.
    pub action: String,
    /// Kind of record.
    pub record_kind: String,
    /// Record id.
    pub record_id: Option<String>,
    /// Family id.
    pub family_id: Option<String>,
    /// The row's hash, hex.
    pub hash: String,
    /// When this server received it.
    pub received_at: String,
}

fn team_from(r: &Row) -> Result<Team, HubError> {
    Ok(Team {
        id: r.uuid(0)?,
        name: r.text(1)?,
    })
}

fn practitioner_from(r: &Row) -> Result<Practitioner, HubError> {
    Ok(Practitioner {
        id: r.uuid(0)?,
        name: r.text(1)?,
        role: r.text(2)?,
        team_id: r.uuid(3)?,
    })
}

/// The canonical role code for `input`, or the problem.
fn parse_role(input: &str) -> Result<String, HubError> {
    let wanted = input.trim();
    if wanted.eq_ignore_ascii_case(TEAM_LEADER) || wanted.eq_ignore_ascii_case("team leader") {
        return Ok(TEAM_LEADER.to_owned());
    }
    PractitionerRole::parse(wanted)
        .map(|r| r.code().to_owned())
        .map_err(|_| {
            HubError::Invalid(format!(
                "role: is not a recognised practitioner role; use one of: {}",
                PRACTITIONER_ROLES.join(", ")
            ))
        })
}

/// A team by id or name.
pub(crate) fn resolve_team(tx: &mut dyn Tx, team: &str) -> Result<Team, HubError> {
    let team = team.trim();
    if let Ok(id) = Uuid::parse_str(team) {
        if let Some(r) = tx.query_opt("SELECT id, name FROM teams WHERE id = $1", &[id.into()])? {
            return team_from(&r);
        }
    }
    match tx.query_opt(
        "SELECT id, name FROM teams WHERE lower(name) = lower($1)",
        &[team.into()],
    )? {
        Some(r) => team_from(&r),
        None => Err(HubError::NotFound("team")),
    }
}

/// A team by id.
pub(crate) fn team_by_id(tx: &mut dyn Tx, id: Uuid) -> Result<Team, HubError> {
    match tx.query_opt("SELECT id, name FROM teams WHERE id = $1", &[id.into()])? {
        Some(r) => team_from(&r),
        None => Err(HubError::NotFound("team")),
    }
}

/// A practitioner by id.
pub(crate) fn practitioner_by_id(tx: &mut dyn Tx, id: Uuid) -> Result<Practitioner, HubError> {
    match tx.query_opt(
        "SELECT id, name, role, team_id FROM practitioners WHERE id = $1",
        &[id.into()],
    )? {
        Some(r) => practitioner_from(&r),
        None => Err(HubError::NotFound("practitioner")),
    }
}

/// A practitioner by id or name; a name two practitioners share must be
/// given as an id.
pub(crate) fn resolve_practitioner(
    tx: &mut dyn Tx,
    practitioner: &str,
) -> Result<Practitioner, HubError> {
    let wanted = practitioner.trim();
    if let Ok(id) = Uuid::parse_str(wanted) {
        match practitioner_by_id(tx, id) {
            Err(HubError::NotFound(_)) => {}
            other => return other,
        }
    }
    let rows = tx.query(
        "SELECT id, name, role, team_id FROM practitioners WHERE lower(name) = lower($1) ORDER BY id",
        &[wanted.into()],
    )?;
    match rows.as_slice() {
        [one] => practitioner_from(one),
        [] => Err(HubError::NotFound("practitioner")),
        _ => Err(HubError::Invalid(
            "practitioner: more than one practitioner has this name; give the id".into(),
        )),
    }
}

impl Hub {
    /// Creates a team. The name must be new (ignoring case).
    pub fn create_team(&self, name: &str) -> Result<Team, HubError> {
        let name =
            required_text(name, NAME_MAX).map_err(|p| HubError::Invalid(format!("name: {p}")))?;
        let now = Utc::now();
        self.db.transaction(|tx| {
            if tx
                .query_opt(
                    "SELECT id FROM teams WHERE lower(name) = lower($1)",
                    &[(&name).into()],
                )?
                .is_some()
            {
                return Err(HubError::Invalid(
                    "name: a team with this name already exists".into(),
                ));
            }
            let team = Team {
                id: Uuid::new_v4(),
                name: name.clone(),
            };
            tx.execute(
                "INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)",
                &[team.id.into(), (&team.name).into(), stamp(now).into()],
            )?;
            audit(
                tx,
                now,
                "admin",
                "team.create",
                None,
                &format!("team {}", team.id),
            )?;
            Ok(team)
        })
    }

    /// Creates a practitioner in `team` (a team name or id). `role` is one
    /// of [`PRACTITIONER_ROLES`] (or a label or alias the domain accepts).
    pub fn create_practitioner(
        &self,
        name: &str,
        role: &str,
        team: &str,
    ) -> Result<Practitioner, HubError> {
        let name =
            required_text(name, NAME_MAX).map_err(|p| HubError::Invalid(format!("name: {p}")))?;
        let role = parse_role(role)?;
        let now = Utc::now();
        self.db.transaction(|tx| {
            let team = resolve_team(tx, team)?;
            let p = Practitioner {
                id: Uuid::new_v4(),
                name: name.clone(),
                role: role.clone(),
                team_id: team.id,
            };
            tx.execute(
                "INSERT INTO practitioners (id, name, role, team_id, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    p.id.into(),
                    (&p.name).into(),
                    (&p.role).into(),
                    p.team_id.into(),
                    stamp(now).into(),
                ],
            )?;
            audit(
                tx,
                now,
                "admin",
                "practitioner.create",
                None,
                &format!("practitioner {} in team {}", p.id, team.id),
            )?;
            Ok(p)
        })
    }

    /// Issues a one-time enrolment code for `practitioner` (a name or id),
    /// valid for `valid_for` from `now`. Only the code's hash is stored.
    pub fn issue_enrolment_code(
        &self,
        practitioner: &str,
        valid_for: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<EnrolmentCode, HubError> {
        if valid_for <= chrono::Duration::zero() {
            return Err(HubError::Invalid("valid_for: must be positive".into()));
        }
        let expires_at = now
            .checked_add_signed(valid_for)
            .ok_or_else(|| HubError::Invalid("valid_for: is too long".into()))?;
        self.db.transaction(|tx| {
            let p = resolve_practitioner(tx, practitioner)?;
            let code = enrol::new_code();
            tx.execute(
                "INSERT INTO enrolment_codes (code_hash, practitioner_id, expires_at) VALUES ($1, $2, $3)",
                &[
                    enrol::code_hash(&code).into(),
                    p.id.into(),
                    stamp(expires_at).into(),
                ],
            )?;
            audit(
                tx,
                now,
                "admin",
                "enrolment-code.issue",
                None,
                &format!("for practitioner {}", p.id),
            )?;
            Ok(EnrolmentCode {
                code,
                practitioner_id: p.id,
                expires_at,
            })
        })
    }

    /// Allocates a family to `practitioner` (a name or id) and their team.
    /// Reallocating records a departure for the previous practitioner (their
    /// devices are told to evict the family at their next sync) and bumps
    /// the family's sequence, so the new practitioner's devices receive it.
    /// Nothing happens if it is already allocated there.
    pub fn allocate(
        &self,
        family_id: Uuid,
        practitioner: &str,
        now: DateTime<Utc>,
    ) -> Result<(), HubError> {
        self.db.transaction(|tx| {
            let target = resolve_practitioner(tx, practitioner)?;
            let team = team_by_id(tx, target.team_id)?;
            let Some(row) = lock_family(tx, family_id)? else {
                return Err(HubError::NotFound("family"));
            };
            if row.practitioner_id == target.id && row.team_id == team.id {
                return Ok(());
            }
            let mut doc = load_doc(&row.snapshot)?;
            let before = doc.get_heads();
            let mut fields = Map::new();
            fields.insert("practitioner".into(), Json::String(target.name.clone()));
            fields.insert("team".into(), Json::String(team.name.clone()));
            let edit = Edit::fields(vec!["allocation".into()], fields);
            commit_as_server(&mut doc, &[edit], "family.allocate", SERVER_AUTHOR, now)?;
            let seq = bump_seq(tx)?;
            tx.execute(
                "UPDATE families SET practitioner_id = $2, team_id = $3, allocated_at = $4 WHERE id = $1",
                &[
                    family_id.into(),
                    target.id.into(),
                    team.id.into(),
                    stamp(now).into(),
                ],
            )?;
            update_family_doc(tx, family_id, seq, &mut doc)?;
            store_changes(tx, family_id, seq, &mut doc, &before)?;
            if row.practitioner_id != target.id {
                tx.execute(
                    "INSERT INTO departures (practitioner_id, family_id, seq, departed_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (practitioner_id, family_id)
                     DO UPDATE SET seq = excluded.seq, departed_at = excluded.departed_at",
                    &[
                        row.practitioner_id.into(),
                        family_id.into(),
                        Value::Int(seq),
                        stamp(now).into(),
                    ],
                )?;
                // A new departure: the old practitioner's laptops may each
                // send their work from before it once.
                tx.execute(
                    "DELETE FROM departed_uploads WHERE practitioner_id = $1 AND family_id = $2",
                    &[row.practitioner_id.into(), family_id.into()],
                )?;
                // The new practitioner's devices may have held the family
                // before (it comes back): start them afresh.
                tx.execute(
                    "DELETE FROM sync_states WHERE family_id = $1
                     AND device_id IN (SELECT id FROM devices WHERE practitioner_id = $2)",
                    &[family_id.into(), target.id.into()],
                )?;
            }
            audit(
                tx,
                now,
                "admin",
                "family.allocate",
                Some(family_id),
                &format!(
                    "from practitioner {} to practitioner {}",
                    row.practitioner_id, target.id
                ),
            )?;
            Ok(())
        })
    }

    /// Asks a device to be wiped (a stolen laptop): it is revoked if it
    /// was not, its next contact gets only "revoked, erase" and it sends
    /// nothing more. Asking twice keeps the first time.
    pub fn wipe_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<(), HubError> {
        self.db.transaction(|tx| {
            let n = tx.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, $2),
                    wipe_requested_at = coalesce(wipe_requested_at, $2)
                 WHERE id = $1",
                &[device_id.into(), stamp(now).into()],
            )?;
            if n == 0 {
                return Err(HubError::NotFound("device"));
            }
            audit(
                tx,
                now,
                "admin",
                "device.wipe",
                None,
                &format!("device {device_id}"),
            )
        })
    }

    /// Revokes a device: its token stops working for everything but
    /// sending its unsent work, which it does at its next sync and then
    /// erases its data. Revoking twice keeps the first time.
    pub fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<(), HubError> {
        self.db.transaction(|tx| {
            let n = tx.execute(
                "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[device_id.into(), stamp(now).into()],
            )?;
            if n == 0 {
                if tx
                    .query_opt("SELECT id FROM devices WHERE id = $1", &[device_id.into()])?
                    .is_none()
                {
                    return Err(HubError::NotFound("device"));
                }
                return Ok(());
            }
            audit(
                tx,
                now,
                "admin",
                "device.revoke",
                None,
                &format!("device {device_id}"),
            )
        })
    }

    /// Starts a new epoch (after restoring a backup): every device's next
    /// sync is a full comparison. Returns the new epoch id.
    pub fn new_epoch(&self) -> Result<String, HubError> {
        let now = Utc::now();
        self.db
            .transaction(|tx| crate::documents::start_epoch(tx, now, "admin", "epoch.new"))
    }

    /// The current epoch id.
    pub fn epoch(&self) -> Result<String, HubError> {
        self.db.read(|tx| Ok(crate::documents::read_meta(tx)?.0))
    }

    /// Every team, by name.
    pub fn list_teams(&self) -> Result<Vec<Team>, HubError> {
        self.db.read(|tx| {
            tx.query("SELECT id, name FROM teams ORDER BY name, id", &[])?
                .iter()
                .map(team_from)
                .collect()
        })
    }

    /// Every practitioner, by name.
    pub fn list_practitioners(&self) -> Result<Vec<Practitioner>, HubError> {
        self.db.read(|tx| {
            tx.query(
                "SELECT id, name, role, team_id FROM practitioners ORDER BY name, id",
                &[],
            )?
            .iter()
            .map(practitioner_from)
            .collect()
        })
    }

    /// A laptop's audit log as this server holds it, checked by the rule
    /// it was taken with: each row's hash, the links between rows, and the
    /// last row against the tip acknowledged to the laptop.
    pub fn device_audit(&self, device_id: Uuid) -> Result<DeviceAuditLog, HubError> {
        self.db.read(|tx| {
            let dev = tx
                .query_opt(
                    "SELECT audit_seq, audit_hash FROM devices WHERE id = $1",
                    &[device_id.into()],
                )?
                .ok_or(HubError::NotFound("device"))?;
            let tip = AuditTip {
                seq: u64::try_from(dev.int(0)?).unwrap_or(0),
                hash: dev.opt_text(1)?.as_deref().map_or(Ok(GENESIS), unhex)?,
            };
            let mut chain = Vec::new();
            let mut rows = Vec::new();
            for r in tx.query(
                "SELECT seq, at, practitioner, action, record_kind, record_id, family_id,
                        prev_hash, hash, received_at
                 FROM device_audit WHERE device_id = $1 ORDER BY seq",
                &[device_id.into()],
            )? {
                let row = AuditRow {
                    seq: u64::try_from(r.int(0)?).unwrap_or(0),
                    at: r.text(1)?,
                    practitioner: r.text(2)?,
                    action: r.text(3)?,
                    record_kind: r.text(4)?,
                    record_id: r.opt_text(5)?,
                    family_id: r.opt_text(6)?,
                    prev_hash: unhex(&r.text(7)?)?,
                    hash: unhex(&r.text(8)?)?,
                };
                rows.push(DeviceAuditRow {
                    seq: row.seq,
                    at: row.at.clone(),
                    practitioner: row.practitioner.clone(),
                    action: row.action.clone(),
                    record_kind: row.record_kind.clone(),
                    record_id: row.record_id.clone(),
                    family_id: row.family_id.clone(),
                    hash: hex::encode(row.hash),
                    received_at: r.text(9)?,
                });
                chain.push(row);
            }
            let problems = match audit::extend(&AuditTip::start(), &chain) {
                Err(refusal) => vec![refusal.to_string()],
                Ok(e) if e.tip != tip => vec![format!(
                    "the rows end at row {} but row {} was acknowledged to the laptop: rows were removed or changed here",
                    e.tip.seq, tip.seq
                )],
                Ok(_) => Vec::new(),
            };
            Ok(DeviceAuditLog {
                device_id,
                tip_seq: tip.seq,
                tip_hash: (tip.seq > 0).then(|| hex::encode(tip.hash)),
                rows,
                problems,
            })
        })
    }

    /// Every device ever enrolled, oldest first.
    pub fn list_devices(&self) -> Result<Vec<Device>, HubError> {
        self.db.read(|tx| {
            tx.query(
                "SELECT id, practitioner_id, name, enrolled_at, revoked_at, last_seen_at
                 FROM devices ORDER BY enrolled_at, id",
                &[],
            )?
            .iter()
            .map(|r| {
                let opt_time = |i| -> Result<Option<DateTime<Utc>>, HubError> {
                    r.opt_text(i)?.as_deref().map(parse_stamp).transpose()
                };
                Ok(Device {
                    id: r.uuid(0)?,
                    practitioner_id: r.uuid(1)?,
                    name: r.text(2)?,
                    enrolled_at: parse_stamp(&r.text(3)?)?,
                    revoked_at: opt_time(4)?,
                    last_seen_at: opt_time(5)?,
                })
            })
            .collect()
        })
    }
}

/// A stored hex hash as bytes.
pub(crate) fn unhex(hash: &str) -> Result<[u8; 32], HubError> {
    audit::parse_hash(hash)
        .ok_or_else(|| HubError::Corrupt("a stored audit hash is not one".into()))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_the_domain_codes_and_team_leader() {
        for code in PRACTITIONER_ROLES {
            assert_eq!(parse_role(code).unwrap(), *code);
        }
        assert_eq!(parse_role("HV").unwrap(), "health-visitor");
        assert_eq!(parse_role("Team Leader").unwrap(), TEAM_LEADER);
        let err = parse_role("surgeon").unwrap_err().to_string();
        assert!(
            err.starts_with("role: is not a recognised practitioner role"),
            "{err}"
        );
        for r in PractitionerRole::ALL {
            assert!(PRACTITIONER_ROLES.contains(&r.code()));
        }
    }
}
