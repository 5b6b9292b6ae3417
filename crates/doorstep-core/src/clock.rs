//! The clock use-cases read: the system clock, or a fixed instant for tests
//! and reproducible demos.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use doorstep_domain::values::calendar::{is_bst, london_date};
use serde::Serialize;

/// What the clock says, as a screen needs it: a new record's default date
/// and time come from here, not from the computer running the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClockReading {
    /// Now, in UTC.
    pub now: DateTime<Utc>,
    /// Today's date in England.
    pub today: NaiveDate,
    /// The time in England, `HH:MM`.
    pub time: String,
}

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The system clock; in debug builds (the tests' binaries) a fixed
    /// instant when `DOORSTEP_NOW` (RFC 3339) is set. A release build never
    /// reads it: a signed record's time cannot be set from outside.
    pub fn from_env() -> Result<Clock, String> {
        if !cfg!(debug_assertions) {
            return Ok(Clock::System);
        }
        match std::env::var("DOORSTEP_NOW") {
            Ok(s) if !s.trim().is_empty() => DateTime::parse_from_rfc3339(s.trim())
                .map(|t| Clock::Fixed(t.with_timezone(&Utc)))
                .map_err(|_| {
                    "DOORSTEP_NOW must be an RFC 3339 time, e.g. 2026-11-22T09:30:00Z".to_string()
                }),
            _ => Ok(Clock::System),
        }
    }

    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// Today's date in England.
    pub fn today(&self) -> NaiveDate {
        london_date(self.now())
    }

    /// Now, today and the time in England, read once.
    pub fn reading(&self) -> ClockReading {
        let now = self.now();
        let local = if is_bst(now) {
            now + Duration::hours(1)
        } else {
            now
        };
        ClockReading {
            now,
            today: london_date(now),
            time: local.format("%H:%M").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_reading_is_in_england() {
        let summer = Clock::Fixed(Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap());
        let r = summer.reading();
        assert_eq!(r.today.to_string(), "2026-07-02");
        assert_eq!(r.time, "00:30");
        let winter = Clock::Fixed(Utc.with_ymd_and_hms(2026, 12, 7, 9, 5, 0).unwrap());
        assert_eq!(winter.reading().time, "09:05");
    }
}
