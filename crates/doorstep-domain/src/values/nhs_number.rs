//! NHS numbers: the 10-digit national patient identifier, checked with the
//! Modulus 11 algorithm (REFERENCE §2.1).
//!
//! Problems never repeat the input back, because the input is patient data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Weights applied to digits 1–9 in the Modulus 11 check.
const WEIGHTS: [u32; 9] = [10, 9, 8, 7, 6, 5, 4, 3, 2];

/// The Modulus 11 check digit for the first nine digits of an NHS number.
///
/// Each element of `first9` is a digit value `0..=9` (not an ASCII byte).
/// Returns `None` when the check digit would be 10, which means no NHS
/// number starts with these nine digits; also `None` if any element is not
/// a digit value.
pub fn check_digit(first9: &[u8; 9]) -> Option<u8> {
    if first9.iter().any(|&d| d > 9) {
        return None;
    }
    let sum: u32 = first9
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => Some(check as u8),
    }
}

/// A valid NHS number: exactly 10 ASCII digits whose last digit is the
/// Modulus 11 check digit of the first nine.
///
/// Serializes as the bare 10-digit string; deserializing validates.
/// [`Display`](fmt::Display) shows the `3 3 4` form, e.g. `999 000 0018`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Parses an NHS number typed by a person.
    ///
    /// Spaces and hyphens between digits are ignored (`999 000 0018`,
    /// `999-000-0018`), as is surrounding whitespace. The problem text never
    /// includes the input.
    pub fn parse(input: &str) -> Result<NhsNumber, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("is required".to_string());
        }
        if trimmed.starts_with('-') || trimmed.ends_with('-') {
            return Err(
                "must contain only digits, with spaces or hyphens between them".to_string(),
            );
        }
        let mut digits = [0u8; 10];
        let mut count = 0usize;
        for c in trimmed.chars() {
            if c.is_ascii_digit() {
                if count < digits.len() {
                    digits[count] = c as u8 - b'0';
                }
                count += 1;
            } else if !(c == '-' || c.is_whitespace()) {
                return Err(
                    "must contain only digits, with spaces or hyphens between them".to_string(),
                );
            }
        }
        if count != 10 {
            return Err(format!("must be 10 digits, found {count}"));
        }
        let first9: [u8; 9] = digits[..9].try_into().expect("slice of nine");
        match check_digit(&first9) {
            None => Err(
                "is not a valid NHS number: its check digit would be 10, so it is never issued"
                    .to_string(),
            ),
            Some(check) if check != digits[9] => Err(
                "is not a valid NHS number: the check digit does not match (Modulus 11)"
                    .to_string(),
            ),
            Some(_) => Ok(NhsNumber(
                digits.iter().map(|d| char::from(b'0' + d)).collect(),
            )),
        }
    }

    /// Builds the valid NHS number that starts with `first9` (digit values
    /// `0..=9`), or `None` if no valid number starts with them. Meant for
    /// synthetic test data.
    pub fn from_first9(first9: &[u8; 9]) -> Option<NhsNumber> {
        let check = check_digit(first9)?;
        Some(NhsNumber(
            first9
                .iter()
                .chain(std::iter::once(&check))
                .map(|d| char::from(b'0' + d))
                .collect(),
        ))
    }

    /// The bare 10 digits, e.g. `9990000018`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The display form, grouped `3 3 4`: e.g. `999 000 0018`.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }

    /// True for numbers in the range reserved for test data,
    /// 999 000 0000–999 999 9999.
    pub fn is_test_range(&self) -> bool {
        self.0.starts_with("999")
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for NhsNumber {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NhsNumber::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        NhsNumber::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.0
    }
}

impl AsRef<str> for NhsNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits9(s: &str) -> [u8; 9] {
        let v: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        v.try_into().unwrap()
    }

    #[test]
    fn known_valid_numbers() {
        for n in ["9434765919", "9990000018"] {
            let parsed = NhsNumber::parse(n).unwrap();
            assert_eq!(parsed.as_str(), n);
        }
    }

    #[test]
    fn display_example_fails_check_digit() {
        let err = NhsNumber::parse("9876544321").unwrap_err();
        assert!(err.contains("check digit does not match"), "{err}");
    }

    #[test]
    fn check_digit_of_ten_is_invalid() {
        // 9,9,9,0,0,0,0,0,0: 90 + 81 + 72 = 243; 243 % 11 = 1; 11 - 1 = 10,
        // so no NHS number starts 999 000 000, whatever its last digit.
        assert_eq!(check_digit(&digits9("999000000")), None);
        for last in 0..=9 {
            let err = NhsNumber::parse(&format!("999000000{last}")).unwrap_err();
            assert!(err.contains("would be 10"), "{err}");
        }
        assert!(NhsNumber::from_first9(&digits9("999000000")).is_none());
    }

    #[test]
    fn check_digit_of_ten_found_by_search() {
        // Computed rather than hard-coded: the first prefix after 943 476
        // whose check digit would be 10.
        let prefix = (0..1_000u32)
            .map(|n| format!("943476{n:03}"))
            .find(|p| check_digit(&digits9(p)).is_none())
            .expect("one in eleven prefixes has check digit 10");
        for last in 0..=9 {
            assert!(NhsNumber::parse(&format!("{prefix}{last}")).is_err());
        }
    }

    #[test]
    fn check_digit_eleven_becomes_zero() {
        // Find a prefix whose sum is a multiple of 11 and check it maps to 0.
        let prefix = (0..1_000u32)
            .map(|n| format!("999001{n:03}"))
            .find(|p| {
                let d = digits9(p);
                d.iter()
                    .zip(WEIGHTS)
                    .map(|(&d, w)| u32::from(d) * w)
                    .sum::<u32>()
                    % 11
                    == 0
            })
            .unwrap();
        assert_eq!(check_digit(&digits9(&prefix)), Some(0));
        assert!(NhsNumber::parse(&format!("{prefix}0")).is_ok());
    }

    #[test]
    fn check_digit_rejects_non_digit_values() {
        assert_eq!(check_digit(&[10, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn from_first9_builds_valid_numbers() {
        let n = NhsNumber::from_first9(&digits9("999000001")).unwrap();
        assert_eq!(n.as_str(), "9990000018");
        assert!(NhsNumber::parse(n.as_str()).is_ok());
    }

    #[test]
    fn spaces_and_hyphens_accepted() {
        for input in [
            "999 000 0018",
            "999-000-0018",
            " 9990000018 ",
            "999 - 000 - 0018",
        ] {
            assert_eq!(
                NhsNumber::parse(input).unwrap().as_str(),
                "9990000018",
                "{input}"
            );
        }
    }

    #[test]
    fn non_digits_rejected_without_echo() {
        for input in [
            "999000001A",
            "999.000.0018",
            "+9990000018",
            "-9990000018",
            "９９９0000018",
        ] {
            let err = NhsNumber::parse(input).unwrap_err();
            assert!(err.contains("only digits"), "{input}: {err}");
            assert!(!err.contains("999"), "echoed input: {err}");
        }
    }

    #[test]
    fn wrong_lengths_rejected() {
        assert_eq!(
            NhsNumber::parse("999000001").unwrap_err(),
            "must be 10 digits, found 9"
        );
        assert_eq!(
            NhsNumber::parse("99900000180").unwrap_err(),
            "must be 10 digits, found 11"
        );
        assert_eq!(NhsNumber::parse("   ").unwrap_err(), "is required");
        assert!(NhsNumber::parse("-").unwrap_err().contains("only digits"));
    }

    #[test]
    fn formatting_and_test_range() {
        let n = NhsNumber::parse("9990000018").unwrap();
        assert_eq!(n.formatted(), "999 000 0018");
        assert_eq!(n.to_string(), "999 000 0018");
        assert!(n.is_test_range());
        assert!(!NhsNumber::parse("9434765919").unwrap().is_test_range());
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let n = NhsNumber::parse("943 476 5919").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"9434765919\"");
        let back: NhsNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        let err = serde_json::from_str::<NhsNumber>("\"9876544321\"").unwrap_err();
        assert!(err.to_string().contains("check digit"));
        assert!(!err.to_string().contains("9876544321"));
    }
}
