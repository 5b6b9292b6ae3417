//! Whether a device's changes to a family document may be stored
//! (ARCHITECTURE.md §9): the server checks every message and upload with
//! [`Sender::check`] before it stores or acknowledges anything, and the
//! device checks its own changes the same way before it sends them.
//!
//! Every change the checker does not already hold must be written by an
//! enrolled device (the actor id starts with its id) for the practitioner
//! that device is enrolled for (the commit message), at a time not in the
//! future beyond [`CLOCK_SKEW`]; and the typed record after the changes
//! must read and keep the record's rules against the record before them
//! ([`doorstep_domain::record::admission`]). A device normally sends only
//! its own changes; another enrolled device's changes come back only when
//! a server restored from a backup lost them and a device that holds them
//! returns them, so they are checked against that device's enrolment.

use automerge::AutoCommit;
use chrono::{DateTime, Duration, Utc};
use doorstep_domain::record::admission::admit;
use uuid::Uuid;

use crate::author::{device_of, parse_message};
use crate::record;

/// How far in the future a change's time may be (laptop clocks drift).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Who is sending changes, and the time by the checker's clock.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The enrolled device sending the changes.
    pub device: Uuid,
    /// The practitioner it is enrolled for, as the server knows them.
    pub practitioner: String,
    /// Now, by the checker's clock.
    pub now: DateTime<Utc>,
}

impl Sender {
    /// Ok when `after` (the family with the new changes) may replace
    /// `before` (`None`: a family new to the checker); else the reason, in
    /// words fit to show the practitioner and to log (no patient data).
    /// `enrolled` names the practitioner another device is enrolled for
    /// (`None`: no such device).
    pub fn check(
        &self,
        before: Option<&mut AutoCommit>,
        after: &mut AutoCommit,
        enrolled: &mut dyn FnMut(Uuid) -> Option<String>,
    ) -> Result<(), String> {
        let (heads, before_family) = match before {
            Some(b) => {
                let family = record::family(b)
                    .map_err(|_| "the server's copy of this family does not read".to_string())?;
                (b.get_heads(), Some(family))
            }
            None => (Vec::new(), None),
        };
        let latest = (self.now + CLOCK_SKEW).timestamp();
        for change in after.get_changes(&heads) {
            let practitioner = match device_of(change.actor_id()) {
                Some(d) if d == self.device => Some(self.practitioner.clone()),
                Some(d) => enrolled(d),
                None => None,
            };
            let Some(practitioner) = practitioner else {
                return Err(NOT_ENROLLED.into());
            };
            let (_, who) = parse_message(change.message().unwrap_or_default());
            if who != Some(practitioner.as_str()) {
                return Err(NOT_THE_PRACTITIONER.into());
            }
            if change.timestamp() > latest {
                return Err(IN_THE_FUTURE.into());
            }
        }
        let after_family = record::family(after).map_err(|_| DOES_NOT_READ.to_string())?;
        match before_family {
            Some(b) => admit(&b, &after_family),
            None => Ok(()),
        }
    }
}

/// A change by a device the server never enrolled.
pub const NOT_ENROLLED: &str =
    "it carries a change written on a device this server never enrolled: a laptop sends only its own work";
/// A change signed for someone else.
pub const NOT_THE_PRACTITIONER: &str =
    "it carries a change signed by someone other than the practitioner its laptop is enrolled for";
/// A change from the future.
pub const IN_THE_FUTURE: &str =
    "it carries a change dated in the future: check the laptop's clock, then sync again";
/// A record that no longer reads.
pub const DOES_NOT_READ: &str =
    "the family record it leaves does not read: this laptop's copy is damaged";
