//! UK telephone numbers: validated and stored as bare national digits
//! (`+44 (0)7700 900123` becomes `07700900123`).
//!
//! Only the shape is checked: 10 or 11 digits starting with 0 once the
//! punctuation and any leading +44 (or 0044) are removed.
//! Problems never repeat the input back, because a phone number is patient
//! data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A UK phone number as national digits: 10 or 11 digits starting with 0.
///
/// Serializes as the digits; deserializing validates.
/// [`Display`](fmt::Display) shows [`Phone::formatted`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses a UK phone number typed by a person.
    ///
    /// Accepts digits with spaces, hyphens and brackets, and a leading
    /// `+44` or `0044` (converted to `0`; a following `(0)` is allowed).
    pub fn parse(input: &str) -> Result<Phone, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("is required".to_string());
        }
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if c == '+' {
                return Err("may only have a + at the start (as in +44)".to_string());
            } else if !(c.is_whitespace() || matches!(c, '-' | '(' | ')')) {
                return Err(
                    "must contain only digits, spaces, hyphens, brackets and a leading +44"
                        .to_string(),
                );
            }
        }
        const NOT_UK: &str = "must be a UK number (the only country code accepted is +44)";
        let (had_country_code, digits) = if international {
            (true, digits.strip_prefix("44").ok_or(NOT_UK)?)
        } else if let Some(after_00) = digits.strip_prefix("00") {
            (true, after_00.strip_prefix("44").ok_or(NOT_UK)?)
        } else {
            (false, digits.as_str())
        };
        // After a country code the national number drops its leading 0, but
        // people often write "+44 (0)..."; accept both.
        let digits = if had_country_code && !digits.starts_with('0') {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        if !(10..=11).contains(&digits.len()) {
            return Err(format!("must be 10 or 11 digits, found {}", digits.len()));
        }
        if !digits.starts_with('0') {
            return Err("must start with 0 (or +44)".to_string());
        }
        Ok(Phone(digits))
    }

    /// The national digits, e.g. `07700900123`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A readable form: mobile numbers (11 digits starting `07`) are grouped
    /// `5 6` as `07700 900123`; other numbers are shown as plain digits.
    pub fn formatted(&self) -> String {
        if self.0.len() == 11 && self.0.starts_with("07") {
            format!("{} {}", &self.0[..5], &self.0[5..])
        } else {
            self.0.clone()
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for Phone {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

impl TryFrom<String> for Phone {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_forms() {
        for (input, want) in [
            ("07700900123", "07700900123"),
            ("07700 900123", "07700900123"),
            ("07700-900-123", "07700900123"),
            ("+447700900123", "07700900123"),
            ("+44 7700 900123", "07700900123"),
            ("+44 (0)7700 900123", "07700900123"),
            ("0044 7700 900123", "07700900123"),
            ("(0113) 496 0000", "01134960000"),
            ("016977 3999", "0169773999"),
        ] {
            assert_eq!(Phone::parse(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn rejects_bad_input_without_echo() {
        let cases = [
            ("0770090012", None), // 10 digits is allowed; checked below
            ("077009001", Some("must be 10 or 11 digits, found 9")),
            ("077009001234", Some("must be 10 or 11 digits, found 12")),
            ("7700900123", Some("must start with 0 (or +44)")),
            (
                "+33 1 23 45 67 89",
                Some("must be a UK number (the only country code accepted is +44)"),
            ),
            (
                "07700 900123 ext 4",
                Some("must contain only digits, spaces, hyphens, brackets and a leading +44"),
            ),
            (
                "07700+900123",
                Some("may only have a + at the start (as in +44)"),
            ),
            (
                "0033 1 23 45 67 89",
                Some("must be a UK number (the only country code accepted is +44)"),
            ),
            ("", Some("is required")),
        ];
        for (input, want) in cases {
            match want {
                None => assert!(Phone::parse(input).is_ok(), "{input}"),
                Some(want) => assert_eq!(Phone::parse(input).unwrap_err(), want, "{input}"),
            }
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(
            Phone::parse("07700900123").unwrap().formatted(),
            "07700 900123"
        );
        assert_eq!(
            Phone::parse("01134960000").unwrap().formatted(),
            "01134960000"
        );
        assert_eq!(
            Phone::parse("0169773999").unwrap().to_string(),
            "0169773999"
        );
    }

    #[test]
    fn serde_round_trip() {
        let p = Phone::parse("+44 7700 900123").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"07700900123\"");
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
        assert!(serde_json::from_str::<Phone>("\"123\"").is_err());
    }
}
