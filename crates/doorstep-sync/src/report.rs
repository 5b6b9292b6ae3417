//! What one sync did ([`SyncReport`]) and where a running one is
//! ([`SyncProgress`]), as the device's round-trip machine counts them.

use serde::Serialize;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Round trips made.
    pub round_trips: usize,
    /// Families this device sent changes or sync messages for.
    pub sent: usize,
    /// Of those, families sent as whole documents.
    pub uploaded: usize,
    /// Families the server sent messages about.
    pub received: usize,
    /// Families new to this device.
    pub downloaded: usize,
    /// Families that gained changes from the server (new ones included).
    pub merged: usize,
    /// Families removed from this device after leaving the caseload.
    pub evicted: usize,
    /// Families the server refused.
    pub rejected: usize,
    /// Conflicts on the device after the sync.
    pub conflicts: usize,
    /// Families still holding changes the server has not acknowledged.
    pub pending: usize,
    /// Bytes sent.
    pub bytes_up: u64,
    /// Of those, the audit rows sent (the laptop's audit log, anchored on
    /// the server), and how many rows.
    pub audit_bytes_up: u64,
    /// Audit rows sent.
    pub audit_rows_sent: usize,
    /// Bytes received.
    pub bytes_down: u64,
    /// The server asked for a full comparison (it was restored).
    pub full_compare: bool,
    /// The server revoked this device: it took the device's work and
    /// offered nothing; the device erases once none of its own work is
    /// unacknowledged.
    pub revoked: bool,
    /// Why the server refused this device's audit rows (they do not
    /// continue the rows it already holds): someone changed the laptop's
    /// audit log. The records themselves still synced.
    pub audit_refused: Option<String>,
    /// Everything was exchanged (false when the round-trip limit stopped
    /// the sync: run it again).
    pub complete: bool,
}

/// Where a running sync is, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncProgress {
    /// The phase.
    pub phase: SyncPhase,
    /// The round trip (from 1).
    pub round_trip: u32,
    /// Families in this phase.
    pub families: u32,
}

/// The phases of one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SyncPhase {
    /// Working out what to send.
    Preparing,
    /// Sending local changes and waiting for the server's answer.
    Exchanging,
    /// Merging what the server sent.
    Merging,
}
