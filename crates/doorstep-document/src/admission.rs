//! Whether a device's changes to a family document may be stored
//! (ARCHITECTURE.md §9): the server checks every message and upload with
//! [`Sender::check`] before it stores or acknowledges anything, and the
//! device checks its own changes the same way before it sends them.
//!
//! Every change the server does not already hold must be written by the
//! sending device (the actor id starts with its id), for the practitioner
//! it is enrolled for (the commit message), at a time not in the future
//! beyond [`CLOCK_SKEW`]; and the typed record after the changes must read
//! and keep the record's rules against the record before them
//! ([`doorstep_domain::record::admission`]). After a server restore (a
//! full compare), devices return other devices' changes the restored
//! server lost; then changes by another device are let through to the
//! record's rules.

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
    /// The device's cursor was from another epoch (a restored server): it
    /// may return other devices' changes the server lost.
    pub returning_lost_changes: bool,
}

impl Sender {
    /// Ok when `after` (the family with the new changes) may replace
    /// `before` (`None`: a family new to the checker); else the reason, in
    /// words fit to show the practitioner and to log (no patient data).
    pub fn check(
        &self,
        before: Option<&mut AutoCommit>,
        after: &mut AutoCommit,
    ) -> Result<(), String> {
        let (heads, before_family) = match before {
            Some(b) => {
                let family = record::family(b)
                    .map_err(|_| "the server's copy of this family does not read".to_string())?;
                (b.get_heads(), Some(family))
            }
            None => (Vec::new(), None),
        };
        let latest = self.now + CLOCK_SKEW;
        for change in after.get_changes(&heads) {
            let by_sender = device_of(change.actor_id()) == Some(self.device);
            if !by_sender && !self.returning_lost_changes {
                return Err(
                    "it carries a change written on another device: a laptop sends \
                            only its own work"
                        .into(),
                );
            }
            if by_sender {
                let (_, who) = parse_message(change.message().unwrap_or_default());
                if who != Some(self.practitioner.as_str()) {
                    return Err("it carries a change signed by someone other than the \
                                practitioner this laptop is enrolled for"
                        .into());
                }
            }
            if change.timestamp() > latest.timestamp() {
                return Err(
                    "it carries a change dated in the future: check the laptop's \
                            clock, then sync again"
                        .into(),
                );
            }
        }
        let after_family = record::family(after).map_err(|_| {
            "the family record it leaves does not read: this laptop's copy is damaged".to_string()
        })?;
        match before_family {
            Some(b) => admit(&b, &after_family),
            None => Ok(()),
        }
    }
}
