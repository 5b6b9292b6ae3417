//! Calendar dates in England: the UK civil date (Europe/London, with
//! British Summer Time) for a UTC instant, so "today" and review windows
//! follow the clock on the wall, not UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid month");
    let mut d = next - Duration::days(1);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    d
}

/// Whether British Summer Time is in force at `t` (from 01:00 UTC on the
/// last Sunday of March to 01:00 UTC on the last Sunday of October).
pub fn is_bst(t: DateTime<Utc>) -> bool {
    let y = t.year();
    let start = Utc.from_utc_datetime(&last_sunday(y, 3).and_hms_opt(1, 0, 0).expect("time"));
    let end = Utc.from_utc_datetime(&last_sunday(y, 10).and_hms_opt(1, 0, 0).expect("time"));
    start <= t && t < end
}

/// The UK civil date at `t`.
pub fn london_date(t: DateTime<Utc>) -> NaiveDate {
    let offset = if is_bst(t) {
        Duration::hours(1)
    } else {
        Duration::zero()
    };
    (t + offset).date_naive()
}

/// The UTC instant of a UK wall-clock time. In the autumn hour that
/// happens twice the first (BST) one is taken; a spring time that does not
/// exist is read as GMT.
pub fn london_to_utc(local: chrono::NaiveDateTime) -> DateTime<Utc> {
    let as_bst = Utc.from_utc_datetime(&local) - Duration::hours(1);
    if is_bst(as_bst) {
        as_bst
    } else {
        Utc.from_utc_datetime(&local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn summer_evening_is_the_next_day_in_london() {
        assert_eq!(
            london_date(at("2026-07-01T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
        );
        assert_eq!(
            london_date(at("2026-12-01T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }

    #[test]
    fn wall_clock_to_utc() {
        let t = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(
            london_to_utc(t("2026-07-01T10:30")),
            at("2026-07-01T09:30:00Z")
        );
        assert_eq!(
            london_to_utc(t("2026-12-01T10:30")),
            at("2026-12-01T10:30:00Z")
        );
    }

    #[test]
    fn bst_boundaries_2026() {
        // 2026: BST starts 29 March, ends 25 October, at 01:00 UTC.
        assert!(!is_bst(at("2026-03-29T00:59:59Z")));
        assert!(is_bst(at("2026-03-29T01:00:00Z")));
        assert!(is_bst(at("2026-10-25T00:59:59Z")));
        assert!(!is_bst(at("2026-10-25T01:00:00Z")));
    }
}
