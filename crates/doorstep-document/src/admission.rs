//! Whether a device's changes to a family document may be stored
//! (ARCHITECTURE.md §9): the server checks every message and upload with
//! [`Sender::check`] before it stores or acknowledges anything, and the
//! device checks its own changes the same way before it sends them.
//!
//! Every change the checker does not already hold must be dated no later
//! than [`CLOCK_SKEW`] into the future, and the typed record after the
//! changes must read and keep the record's rules against the record before
//! them ([`doorstep_domain::record::admission`]). The sending device's own
//! changes (the actor id starts with its id) must be signed for the
//! practitioner it is enrolled for. A device sends other devices' changes
//! only when a server restored from a backup lost them; each must then be
//! signed for the practitioner its device is enrolled for, or, for a device
//! the restored server no longer knows, for a practitioner it knows (the
//! checker decides through `signer_ok`).

use automerge::AutoCommit;
use chrono::{DateTime, Duration, Utc};
use doorstep_domain::record::admission::admit;
use uuid::Uuid;

use crate::author::{device_of, parse_message};
use crate::record;

/// How far in the future a change's time may be (laptop clocks drift).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Whether a change by another device (the id) may be signed for a
/// practitioner (the name), as the server's enrolments say.
pub type SignerCheck<'a> = dyn FnMut(Uuid, &str) -> bool + 'a;

/// Who is sending changes, and the time by the checker's clock.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The enrolled device sending the changes.
    pub device: Uuid,
    /// The practitioner it is enrolled for, as the server knows them.
    pub practitioner: String,
    /// Now, by the checker's clock.
    pub now: DateTime<Utc>,
    /// For a family that moved away from the sender's practitioner: when
    /// it moved. Only work made before then is taken.
    pub moved_at: Option<DateTime<Utc>>,
    /// For such a family: this device's work from before the move was
    /// taken once already, so nothing new is (an old copy of the laptop
    /// with its clock set back cannot add backdated work).
    pub moved_work_taken: bool,
}

impl Sender {
    /// Ok when `after` (the family with the new changes) may replace
    /// `before` (`None`: a family new to the checker); else the reason, in
    /// words fit to show the practitioner and to log (no patient data).
    /// `signer_ok` says whether another device's change may be signed for
    /// a practitioner (the server knows its enrolments); without it (a
    /// device checking its own work) other devices' changes are left to
    /// the record's rules.
    pub fn check(
        &self,
        before: Option<&mut AutoCommit>,
        after: &mut AutoCommit,
        mut signer_ok: Option<&mut SignerCheck<'_>>,
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
            if change.timestamp() > latest {
                return Err(IN_THE_FUTURE.into());
            }
            if self
                .moved_at
                .is_some_and(|moved| change.timestamp() > moved.timestamp())
            {
                return Err(MADE_AFTER_THE_MOVE.into());
            }
            if self.moved_work_taken {
                return Err(MOVED_WORK_TAKEN.into());
            }
            let (_, who) = parse_message(change.message().unwrap_or_default());
            let who = who.unwrap_or_default();
            match device_of(change.actor_id()) {
                Some(d) if d == self.device => {
                    if who != self.practitioner {
                        return Err(NOT_THE_PRACTITIONER.into());
                    }
                }
                Some(d) => {
                    if let Some(ok) = signer_ok.as_mut() {
                        if !ok(d, who) {
                            return Err(NOT_THE_PRACTITIONER.into());
                        }
                    }
                }
                None => return Err(NOT_A_DEVICE.into()),
            }
        }
        let after_family = record::family(after).map_err(|_| DOES_NOT_READ.to_string())?;
        match before_family {
            Some(b) => admit(&b, &after_family),
            None => Ok(()),
        }
    }
}

/// A change not written by a Doorstep device.
pub const NOT_A_DEVICE: &str =
    "it carries a change not written by a Doorstep laptop: a laptop sends only its own work";
/// A change signed for someone else.
pub const NOT_THE_PRACTITIONER: &str =
    "it carries a change signed by someone other than the practitioner its laptop is enrolled for";
/// A change from the future.
pub const IN_THE_FUTURE: &str =
    "it carries a change dated in the future: check the laptop's clock, then sync again";
/// More work on a family that moved away, after this laptop's work from
/// before the move was taken once.
pub const MOVED_WORK_TAKEN: &str = "this family moved to another health visitor and this laptop's work from before the move was received already: nothing more is taken";
/// Work on a family made after it moved to another health visitor.
pub const MADE_AFTER_THE_MOVE: &str = "it carries work made after this family moved to another health visitor: only work made before the move is taken";
/// A record that no longer reads.
pub const DOES_NOT_READ: &str =
    "the family record it leaves does not read: this laptop's copy is damaged";
