//! Authorship of changes. Every actor id is the writing device's id (16
//! bytes) followed by 8 random bytes, so the device that wrote any change is
//! known without a lookup table, and a restored laptop never reuses an actor.
//! Commit messages are `action|practitioner`.

use automerge::ActorId;
use rand::RngCore;
use uuid::Uuid;

/// A fresh actor id for `device`.
pub fn actor_for(device: Uuid) -> ActorId {
    let mut bytes = device.as_bytes().to_vec();
    let mut tail = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut tail);
    bytes.extend_from_slice(&tail);
    ActorId::from(bytes)
}

/// The device that wrote with `actor`, if the actor id has the Doorstep
/// shape.
pub fn device_of(actor: &ActorId) -> Option<Uuid> {
    let bytes = actor.to_bytes();
    if bytes.len() != 24 {
        return None;
    }
    Uuid::from_slice(&bytes[..16]).ok()
}

/// The commit message for `action` done by `practitioner`.
pub fn message(action: &str, practitioner: &str) -> String {
    format!("{action}|{practitioner}")
}

/// `(action, practitioner)` from a commit message.
pub fn parse_message(message: &str) -> (&str, Option<&str>) {
    match message.split_once('|') {
        Some((action, who)) => (action, Some(who)),
        None => (message, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_and_practitioner_round_trip() {
        let d = Uuid::new_v4();
        let a = actor_for(d);
        assert_eq!(device_of(&a), Some(d));
        assert_ne!(actor_for(d), a, "every actor is fresh");
        assert_eq!(device_of(&ActorId::random()), None);
        assert_eq!(
            parse_message(&message("family.update", "Asha Patel")),
            ("family.update", Some("Asha Patel"))
        );
        assert_eq!(parse_message("family.add"), ("family.add", None));
    }
}
