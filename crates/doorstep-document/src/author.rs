//! Authorship of changes. Every actor id is the writing device's id (16
//! bytes) followed by 8 random bytes, so the device that wrote any change is
//! known without a lookup table, and a restored laptop never reuses an actor.
//! Commit messages are `action|practitioner`, or
//! `action|practitioner|device name` once the device has a name (given at
//! enrolment), so a conflict can say which laptop wrote each value.

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

/// The commit message for `action` done by `practitioner` on the device
/// named `device` (a `|` in the name is written `/`).
pub fn message_on(action: &str, practitioner: &str, device: Option<&str>) -> String {
    match device.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => format!("{action}|{practitioner}|{}", d.replace('|', "/")),
        None => message(action, practitioner),
    }
}

/// `(action, practitioner)` from a commit message.
pub fn parse_message(message: &str) -> (&str, Option<&str>) {
    let (action, who, _) = parse_message_on(message);
    (action, who)
}

/// `(action, practitioner, device name)` from a commit message.
pub fn parse_message_on(message: &str) -> (&str, Option<&str>, Option<&str>) {
    let mut parts = message.splitn(3, '|');
    let action = parts.next().unwrap_or_default();
    (action, parts.next(), parts.next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_the_device_when_it_has_a_name() {
        let m = message_on("family.update", "Asha Patel", Some("Asha's laptop | 2"));
        assert_eq!(
            parse_message_on(&m),
            (
                "family.update",
                Some("Asha Patel"),
                Some("Asha's laptop / 2")
            )
        );
        assert_eq!(parse_message(&m), ("family.update", Some("Asha Patel")));
        let old = message("family.update", "Asha Patel");
        assert_eq!(message_on("family.update", "Asha Patel", None), old);
        assert_eq!(
            parse_message_on(&old),
            ("family.update", Some("Asha Patel"), None)
        );
    }

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
