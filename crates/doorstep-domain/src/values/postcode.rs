//! UK postcodes: validated and normalised to upper case with one space
//! before the inward code (`sw1a1aa` becomes `SW1A 1AA`).
//!
//! Only the shape is checked (outward A9, A99, AA9, AA99, A9A or AA9A, then
//! inward 9AA, plus the special `GIR 0AA`); whether a postcode exists is not.
//! Problems never repeat the input back, because an address is patient data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Letters never used in the last two places of the inward code.
const INWARD_EXCLUDED: &[u8] = b"CIKMOV";

/// The problem reported for anything that is not a UK postcode.
const NOT_A_POSTCODE: &str = "is not a UK postcode (expected a form like SW1A 1AA)";

/// A UK postcode in normalised form: upper case, one space before the
/// three-character inward code.
///
/// Serializes as the normalised string; deserializing validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

impl Postcode {
    /// Parses a postcode typed by a person: any case, with or without
    /// spaces (`sw1a1aa`, `SW1A 1AA`, ` sw1a  1aa `).
    pub fn parse(input: &str) -> Result<Postcode, String> {
        let compact = search_key(input);
        if compact.is_empty() {
            return Err("is required".to_string());
        }
        let bytes = compact.as_bytes();
        if !bytes.is_ascii() || !(5..=7).contains(&bytes.len()) {
            return Err(NOT_A_POSTCODE.to_string());
        }
        let (outward, inward) = bytes.split_at(bytes.len() - 3);
        let valid = (outward == b"GIR" && inward == b"0AA")
            || (valid_outward(outward) && valid_inward(inward));
        if !valid {
            return Err(NOT_A_POSTCODE.to_string());
        }
        Ok(Postcode(format!(
            "{} {}",
            &compact[..outward.len()],
            &compact[outward.len()..]
        )))
    }

    /// The normalised postcode, e.g. `SW1A 1AA`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The postcode without its space, e.g. `SW1A1AA`, for searching.
    pub fn compact(&self) -> String {
        self.0.replace(' ', "")
    }

    /// The outward code (the part before the space), e.g. `SW1A`.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

/// Normalises a full or partial postcode for matching: upper case with all
/// whitespace removed (` sw1a 1 ` becomes `SW1A1`). Does not validate.
///
/// Compare it against [`Postcode::compact`], e.g. with `starts_with`.
pub fn search_key(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Outward code shapes: A9, A99, AA9, AA99, A9A, AA9A.
fn valid_outward(o: &[u8]) -> bool {
    let a = |b: &u8| b.is_ascii_uppercase();
    let n = |b: &u8| b.is_ascii_digit();
    match o {
        [x, y] => a(x) && n(y),
        [x, y, z] => a(x) && ((n(y) && (n(z) || a(z))) || (a(y) && n(z))),
        [w, x, y, z] => a(w) && a(x) && n(y) && (n(z) || a(z)),
        _ => false,
    }
}

/// Inward code shape: 9AA, with the letters not C, I, K, M, O or V.
fn valid_inward(i: &[u8]) -> bool {
    let letter = |b: &u8| b.is_ascii_uppercase() && !INWARD_EXCLUDED.contains(b);
    matches!(i, [d, x, y] if d.is_ascii_digit() && letter(x) && letter(y))
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Postcode::parse(s)
    }
}

impl TryFrom<String> for Postcode {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Postcode::parse(&value)
    }
}

impl From<Postcode> for String {
    fn from(value: Postcode) -> Self {
        value.0
    }
}

impl AsRef<str> for Postcode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spacing() {
        for (input, want) in [
            ("sw1a1aa", "SW1A 1AA"),
            ("SW1A 1AA", "SW1A 1AA"),
            ("  sw1a   1aa ", "SW1A 1AA"),
            ("m11ae", "M1 1AE"),
            ("gir0aa", "GIR 0AA"),
        ] {
            assert_eq!(Postcode::parse(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn every_outward_shape_accepted() {
        for pc in [
            "M1 1AE",   // A9
            "B33 8TH",  // A99
            "CR2 6XH",  // AA9
            "DN55 1PT", // AA99
            "W1A 0AX",  // A9A
            "EC1A 1BB", // AA9A
        ] {
            assert_eq!(Postcode::parse(pc).unwrap().as_str(), pc);
        }
    }

    #[test]
    fn bad_shapes_rejected_without_echo() {
        for input in [
            "SW1A",      // no inward
            "1AA 1AA",   // outward starts with a digit
            "SW1A 1CA",  // C in inward
            "SW1A 1AV",  // V in inward
            "SW1A AAA",  // inward must start with a digit
            "ABC1 1AA",  // three letters
            "A1AA 1AA",  // letter after A9A
            "SW1A 1AAA", // too long
            "SW1A-1AA",  // hyphen
            "GIR 1AA",
            "ÅB1 1AA",
        ] {
            let err = Postcode::parse(input).unwrap_err();
            assert_eq!(err, NOT_A_POSTCODE, "{input}");
        }
        assert_eq!(Postcode::parse("  ").unwrap_err(), "is required");
    }

    #[test]
    fn compact_outward_and_search_key() {
        let pc = Postcode::parse("sw1a 1aa").unwrap();
        assert_eq!(pc.compact(), "SW1A1AA");
        assert_eq!(pc.outward(), "SW1A");
        assert_eq!(search_key(" sw1a 1 "), "SW1A1");
        assert!(pc.compact().starts_with(&search_key("sw1a 1")));
        assert_eq!(pc.to_string(), "SW1A 1AA");
    }

    #[test]
    fn serde_round_trip() {
        let pc = Postcode::parse("ls11ur").unwrap();
        let json = serde_json::to_string(&pc).unwrap();
        assert_eq!(json, "\"LS1 1UR\"");
        assert_eq!(serde_json::from_str::<Postcode>(&json).unwrap(), pc);
        assert_eq!(serde_json::from_str::<Postcode>("\"ls11ur\"").unwrap(), pc);
        assert!(serde_json::from_str::<Postcode>("\"nope\"").is_err());
    }
}
