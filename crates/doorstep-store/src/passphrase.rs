//! The passphrase rule: what makes a device passphrase strong enough, with
//! a reason the user can act on when it is not. It lives beside the key
//! ([`crate::key`]) that the passphrase wraps; setting up a device and
//! changing its passphrase check it first.

/// Minimum length in characters.
pub const MIN_LENGTH: usize = 12;

const COMMON: &[&str] = &[
    "password",
    "passphrase",
    "qwerty",
    "letmein",
    "welcome",
    "iloveyou",
    "doorstep",
    "healthvisitor",
    "nhs",
    "123456",
    "abc123",
    "admin",
    "monkey",
    "dragon",
    "football",
    "sunshine",
    "princess",
    "trustno1",
];

/// How strong a passphrase looks, for feedback while typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Rejected.
    Weak,
    /// Accepted.
    Fair,
    /// Accepted, long and varied.
    Strong,
}

/// Checks a new passphrase. `Err` says why it is too weak.
pub fn check(passphrase: &str) -> Result<Strength, String> {
    let chars: Vec<char> = passphrase.chars().collect();
    if chars.len() < MIN_LENGTH {
        return Err(format!(
            "is too short: use at least {MIN_LENGTH} characters (a few unrelated words work well)"
        ));
    }
    let mut distinct = chars.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < 6 {
        return Err("repeats too few different characters: use at least 6 different ones".into());
    }
    let lower = passphrase.to_lowercase();
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if COMMON
        .iter()
        .any(|w| squashed == *w || (squashed.len() < 16 && squashed.contains(w)))
    {
        return Err(
            "is built on a common password: choose words that are not easy to guess".into(),
        );
    }
    if is_sequence(&squashed) {
        return Err("is a keyboard or number sequence: choose something less predictable".into());
    }
    let classes = [
        chars.iter().any(|c| c.is_lowercase()),
        chars.iter().any(|c| c.is_uppercase()),
        chars.iter().any(|c| c.is_ascii_digit()),
        chars.iter().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    Ok(
        if chars.len() >= 20 || (chars.len() >= 16 && classes >= 3) {
            Strength::Strong
        } else {
            Strength::Fair
        },
    )
}

fn is_sequence(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4 && b.windows(2).all(|w| w[1] == w[0].wrapping_add(1))
        || b.windows(2).all(|w| w[0] == w[1])
        || "qwertyuiopasdfghjklzxcvbnm1234567890".contains(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_repetitive_passphrases_are_refused_with_a_reason() {
        assert!(check("short").unwrap_err().contains("too short"));
        assert!(check("aaaaaaaaaaaaaa").unwrap_err().contains("different"));
        assert!(check("Password12345").unwrap_err().contains("common"));
        assert!(check("abcdefghijklmnop").unwrap_err().contains("sequence"));
    }

    #[test]
    fn good_passphrases_pass() {
        assert!(check("kettle orbit crayon").is_ok());
        assert_eq!(check("kettle-orbit-crayon-42").unwrap(), Strength::Strong);
        assert_eq!(check("plum tram vest").unwrap(), Strength::Fair);
    }
}
