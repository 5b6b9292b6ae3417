//! GP practice codes: the ODS organisation code of a GP practice, one letter
//! followed by five digits (e.g. `A81001`).
//!
//! Only the shape is checked, not whether the practice exists.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ODS GP practice code, stored in upper case (e.g. `A81001`).
///
/// Serializes as the code; deserializing validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct GpPracticeCode(String);

impl GpPracticeCode {
    /// Parses a practice code in any case, ignoring surrounding whitespace.
    pub fn parse(input: &str) -> Result<GpPracticeCode, String> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err("is required".to_string());
        }
        let b = code.as_bytes();
        let valid =
            b.len() == 6 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit);
        if !valid {
            return Err(
                "is not a GP practice code (expected one letter then five digits, like A81001)"
                    .to_string(),
            );
        }
        Ok(GpPracticeCode(code))
    }

    /// The code in upper case, e.g. `A81001`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GpPracticeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for GpPracticeCode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GpPracticeCode::parse(s)
    }
}

impl TryFrom<String> for GpPracticeCode {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        GpPracticeCode::parse(&value)
    }
}

impl From<GpPracticeCode> for String {
    fn from(value: GpPracticeCode) -> Self {
        value.0
    }
}

impl AsRef<str> for GpPracticeCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_case() {
        assert_eq!(GpPracticeCode::parse("A81001").unwrap().as_str(), "A81001");
        assert_eq!(
            GpPracticeCode::parse(" b82005 ").unwrap().as_str(),
            "B82005"
        );
        assert_eq!(
            GpPracticeCode::parse("y00001").unwrap().to_string(),
            "Y00001"
        );
    }

    #[test]
    fn rejects_other_shapes() {
        for input in [
            "A8100", "A810011", "AA1001", "181001", "A8100X", "A 81001", "Ä81001",
        ] {
            let err = GpPracticeCode::parse(input).unwrap_err();
            assert!(
                err.contains("one letter then five digits"),
                "{input}: {err}"
            );
        }
        assert_eq!(GpPracticeCode::parse("").unwrap_err(), "is required");
    }

    #[test]
    fn serde_round_trip() {
        let code = GpPracticeCode::parse("a81001").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"A81001\"");
        assert_eq!(serde_json::from_str::<GpPracticeCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<GpPracticeCode>("\"81001\"").is_err());
    }
}
