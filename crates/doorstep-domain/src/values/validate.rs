//! Small shared validators for free text and dates typed into forms.
//!
//! Each returns the cleaned value or a plain-English problem that never
//! repeats the input, ready for [`crate::Problems::check`].

use chrono::NaiveDate;

/// Trims `value` and requires it to be non-empty and at most `max_len`
/// characters (Unicode scalar values, not bytes).
pub fn required_text(value: &str, max_len: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("is required".to_string());
    }
    check_len(trimmed, max_len)?;
    Ok(trimmed.to_string())
}

/// Like [`required_text`] but optional: missing or blank input is `Ok(None)`.
pub fn optional_text(value: Option<&str>, max_len: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(trimmed) => {
            check_len(trimmed, max_len)?;
            Ok(Some(trimmed.to_string()))
        }
    }
}

fn check_len(trimmed: &str, max_len: usize) -> Result<(), String> {
    if trimmed.chars().count() > max_len {
        Err(format!("must be at most {max_len} characters"))
    } else {
        Ok(())
    }
}

/// Parses a calendar date written strictly as `YYYY-MM-DD` (surrounding
/// whitespace ignored). Other layouts such as `2024-1-5` or `05/01/2024` are
/// rejected rather than guessed at, and impossible dates such as
/// `2023-02-29` get their own problem.
pub fn date(value: &str) -> Result<NaiveDate, String> {
    const FORM: &str = "must be a date in the form YYYY-MM-DD";
    let v = value.trim().as_bytes();
    let shape_ok = v.len() == 10
        && v[4] == b'-'
        && v[7] == b'-'
        && v.iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(FORM.to_string());
    }
    let num = |r: std::ops::Range<usize>| {
        v[r].iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    NaiveDate::from_ymd_opt(y as i32, m, d)
        .ok_or_else(|| "is not a real date (check the day and month)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_limits() {
        assert_eq!(required_text("  Ada  ", 10).unwrap(), "Ada");
        assert_eq!(required_text(" \t ", 10).unwrap_err(), "is required");
        assert_eq!(required_text("", 10).unwrap_err(), "is required");
        assert_eq!(
            required_text("abcdef", 5).unwrap_err(),
            "must be at most 5 characters"
        );
        // Counted in characters, not bytes.
        assert_eq!(required_text("Zoë", 3).unwrap(), "Zoë");
    }

    #[test]
    fn optional_text_blank_is_none() {
        assert_eq!(optional_text(None, 5).unwrap(), None);
        assert_eq!(optional_text(Some("   "), 5).unwrap(), None);
        assert_eq!(
            optional_text(Some(" hi "), 5).unwrap(),
            Some("hi".to_string())
        );
        assert_eq!(
            optional_text(Some("toolong"), 5).unwrap_err(),
            "must be at most 5 characters"
        );
    }

    #[test]
    fn date_accepts_only_iso() {
        assert_eq!(
            date("2024-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(
            date(" 2025-12-31 ").unwrap(),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
        for bad in [
            "2024-1-05",
            "05/01/2024",
            "2024/01/05",
            "20240105",
            "+2024-01-05",
            "2024-01-05T00:00",
            "",
            "２０２４-01-05",
        ] {
            assert_eq!(
                date(bad).unwrap_err(),
                "must be a date in the form YYYY-MM-DD",
                "{bad}"
            );
        }
        for impossible in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31"] {
            assert_eq!(
                date(impossible).unwrap_err(),
                "is not a real date (check the day and month)",
                "{impossible}"
            );
        }
    }
}
