//! Enrolment and token authentication.
//!
//! An administrator issues a one-time code (12 characters from an alphabet
//! without look-alikes, shown as `XXXX-XXXX-XXXX`); a device trades it, with
//! the id it chose, for a bearer token (32 random bytes, hex). Codes and
//! tokens are stored only as SHA-256 hashes. An unknown, expired or used
//! code gets one answer ([`HubError::EnrolmentRefused`]) so the three cannot
//! be told apart.

use chrono::{DateTime, Duration, Utc};
use doorstep_domain::values::validate::required_text;
use doorstep_sync::wire::{EnrolResponse, EnrolledPractitioner, EnrolledTeam};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use serde::Serialize;
use uuid::Uuid;

use crate::admin::{practitioner_by_id, team_by_id, Practitioner, Team};
use crate::documents::{audit, read_meta};
use crate::{parse_stamp, sha256_hex, stamp, Hub, HubError};

/// The characters of an enrolment code: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code (without the hyphens).
const CODE_LEN: usize = 12;
/// `last_seen_at` is written at most this often per device.
const LAST_SEEN_GRANULARITY: Duration = Duration::minutes(1);

/// What a device receives when it enrols.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    /// The device's id, as it gave it.
    pub device_id: Uuid,
    /// Its bearer token (shown once; the hub keeps only the hash).
    pub token: String,
    /// Whose device it is.
    pub practitioner: Practitioner,
    /// Their team.
    pub team: Team,
    /// The server's current epoch.
    pub epoch: String,
}

impl From<Enrolment> for EnrolResponse {
    /// The answer to `POST /v1/enrol`.
    fn from(e: Enrolment) -> Self {
        EnrolResponse {
            device_id: e.device_id,
            token: e.token,
            practitioner: EnrolledPractitioner {
                id: e.practitioner.id.to_string(),
                name: e.practitioner.name,
                role: e.practitioner.role,
            },
            team: EnrolledTeam {
                id: e.team.id.to_string(),
                name: e.team.name,
            },
            epoch: e.epoch,
        }
    }
}

/// Who a valid token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeviceIdentity {
    /// The device.
    pub device_id: Uuid,
    /// Its practitioner.
    pub practitioner_id: Uuid,
    /// The practitioner's team.
    pub team_id: Uuid,
    /// Revoked: its sync is answered only so it can send its unsent work
    /// (`Hub::authenticate_to_return`).
    pub revoked: bool,
}

/// A new random enrolment code, `XXXX-XXXX-XXXX`.
pub(crate) fn new_code() -> String {
    let mut out = String::with_capacity(CODE_LEN + 2);
    for i in 0..CODE_LEN {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let c = CODE_ALPHABET[OsRng.gen_range(0..CODE_ALPHABET.len())];
        out.push(char::from(c));
    }
    out
}

/// A typed code in its canonical form (upper case, no spaces or hyphens),
/// if it has the right shape.
fn normalise_code(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (c.len() == CODE_LEN && c.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(c)
}

/// The stored hash of a code as issued or typed (`None` for a code that
/// cannot exist).
pub(crate) fn code_hash(code: &str) -> String {
    sha256_hex(&normalise_code(code).unwrap_or_default())
}

/// The stored hash of a token.
fn token_hash(token: &str) -> String {
    sha256_hex(token)
}

impl Hub {
    /// Enrols a device with a one-time code: the code is used up and the
    /// device gets a token. An unknown, expired or used code is
    /// [`HubError::EnrolmentRefused`]; a device id already enrolled is
    /// [`HubError::Invalid`]. Every refusal is audited
    /// (`device.enrol-refused`, naming the device id and why, never the
    /// code).
    pub fn enrol(
        &self,
        code: &str,
        device_id: Uuid,
        device_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, HubError> {
        let result = self.enrol_unaudited(code, device_id, device_name, now);
        let why = match &result {
            Err(HubError::EnrolmentRefused) => "unknown, expired or used code",
            Err(HubError::Invalid(_)) => "invalid request",
            _ => return result,
        };
        self.db.transaction(|tx| {
            audit(
                tx,
                now,
                &device_id.to_string(),
                "device.enrol-refused",
                None,
                why,
            )
        })?;
        result
    }

    fn enrol_unaudited(
        &self,
        code: &str,
        device_id: Uuid,
        device_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, HubError> {
        let name = required_text(device_name, 100)
            .map_err(|p| HubError::Invalid(format!("device_name: {p}")))?;
        if device_id.is_nil() {
            return Err(HubError::Invalid(
                "device_id: must not be the nil id".into(),
            ));
        }
        let Some(code) = normalise_code(code) else {
            return Err(HubError::EnrolmentRefused);
        };
        let hash = sha256_hex(&code);
        self.db.transaction(|tx| {
            let Some(row) = tx.query_opt(
                "SELECT practitioner_id, expires_at, used_at FROM enrolment_codes
                 WHERE code_hash = $1 FOR UPDATE",
                &[(&hash).into()],
            )?
            else {
                return Err(HubError::EnrolmentRefused);
            };
            let expires_at = parse_stamp(&row.text(1)?)?;
            if row.opt_text(2)?.is_some() || expires_at <= now {
                return Err(HubError::EnrolmentRefused);
            }
            if tx
                .query_opt("SELECT id FROM devices WHERE id = $1", &[device_id.into()])?
                .is_some()
            {
                return Err(HubError::Invalid("device_id: is already enrolled".into()));
            }
            let practitioner = practitioner_by_id(tx, row.uuid(0)?)?;
            let team = team_by_id(tx, practitioner.team_id)?;
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            let token = hex::encode(bytes);
            tx.execute(
                "UPDATE enrolment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
                &[(&hash).into(), stamp(now).into(), device_id.into()],
            )?;
            tx.execute(
                "INSERT INTO devices (id, practitioner_id, name, token_hash, enrolled_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
                &[
                    device_id.into(),
                    practitioner.id.into(),
                    (&name).into(),
                    token_hash(&token).into(),
                    stamp(now).into(),
                ],
            )?;
            audit(
                tx,
                now,
                &device_id.to_string(),
                "device.enrol",
                None,
                &format!("for practitioner {}", practitioner.id),
            )?;
            let (epoch, _) = read_meta(tx)?;
            Ok(Enrolment {
                device_id,
                token,
                practitioner,
                team,
                epoch,
            })
        })
    }

    /// The device a bearer token belongs to: [`HubError::Unauthorised`] for
    /// a malformed, unknown or expired token (unused for longer than the
    /// hub's token lifetime, 90 days by default), [`HubError::Revoked`] for
    /// a revoked device's, [`HubError::Wiped`] for one to be wiped. Records
    /// when the device was last seen (at most once a minute), which renews
    /// the token.
    pub fn authenticate(&self, token: &str) -> Result<DeviceIdentity, HubError> {
        match self.authenticate_to_return(token)? {
            identity if identity.revoked => Err(HubError::Revoked),
            identity => Ok(identity),
        }
    }

    /// [`Hub::authenticate`] for a sync: a revoked device (not one to be
    /// wiped) is let in, marked, so it can send its unsent work.
    pub fn authenticate_to_return(&self, token: &str) -> Result<DeviceIdentity, HubError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HubError::Unauthorised);
        }
        let hash = token_hash(&token.to_ascii_lowercase());
        let now = Utc::now();
        let (identity, last_seen) = self.db.read_one(|tx| {
            let Some(r) = tx.query_opt(
                "SELECT d.id, d.practitioner_id, p.team_id, d.revoked_at, d.last_seen_at, d.wipe_requested_at
                 FROM devices d JOIN practitioners p ON p.id = d.practitioner_id
                 WHERE d.token_hash = $1",
                &[(&hash).into()],
            )?
            else {
                return Err(HubError::Unauthorised);
            };
            if r.opt_text(5)?.is_some() {
                return Err(HubError::Wiped);
            }
            let identity = DeviceIdentity {
                device_id: r.uuid(0)?,
                practitioner_id: r.uuid(1)?,
                team_id: r.uuid(2)?,
                revoked: r.opt_text(3)?.is_some(),
            };
            let last_seen = r.opt_text(4)?.as_deref().map(parse_stamp).transpose()?;
            Ok((identity, last_seen))
        })?;
        // A token unused for its lifetime has expired: refused like an
        // unknown one (the laptop is enrolled again; nothing is erased).
        if last_seen.is_some_and(|t| now - t > self.token_lifetime) {
            return Err(HubError::Unauthorised);
        }
        if last_seen.is_none_or(|t| now - t >= LAST_SEEN_GRANULARITY) {
            self.db.transaction(|tx| {
                tx.execute(
                    "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                    &[identity.device_id.into(), stamp(now).into()],
                )
            })?;
        }
        Ok(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_unambiguous() {
        let c = new_code();
        assert_eq!(c.len(), 14);
        assert_eq!(c.matches('-').count(), 2);
        assert!(normalise_code(&c).is_some());
        assert_eq!(
            code_hash(&c),
            code_hash(&c.to_lowercase().replace('-', " "))
        );
        assert!(
            normalise_code("ABCD-EFGH-IJK1").is_none(),
            "I and 1 are not used"
        );
        assert!(normalise_code("ABCD-EFGH").is_none());
    }
}
