//! The clock use-cases read: the system clock, or a fixed instant for tests
//! and reproducible demos.

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_domain::values::calendar::london_date;

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// Reads `DOORSTEP_NOW` (RFC 3339) when set, else the system clock.
    pub fn from_env() -> Result<Clock, String> {
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
}
