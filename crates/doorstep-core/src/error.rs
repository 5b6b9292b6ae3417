//! The errors use-cases return: a closed set of codes, each with a message
//! that is safe to show (no patient data) and says what to do.

use doorstep_domain::{FieldProblem, Problems};
use doorstep_store::StoreError;
use serde::Serialize;

/// The closed set of error codes the CLI and UI branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Input failed validation; see the field problems.
    Invalid,
    /// The passphrase did not unlock the device.
    WrongPassphrase,
    /// The local data has been crypto-erased.
    Erased,
    /// No profile in the data directory.
    NoProfile,
    /// A profile already exists there.
    ProfileExists,
    /// The record asked for is not on this device.
    NotFound,
    /// The store failed or is damaged.
    Storage,
    /// The trust's server revoked this device; its local data was erased.
    Revoked,
    /// The sync server could not be reached (nothing was lost).
    Unreachable,
    /// The device is not enrolled, or the server no longer accepts its
    /// enrolment: enrol (again).
    NotEnrolled,
    /// The device is already enrolled.
    AlreadyEnrolled,
    /// The server refused or failed a sync request (nothing was lost).
    SyncFailed,
    /// The device is locked (after the idle time, or by the user): unlock
    /// it with the passphrase.
    Locked,
}

/// A use-case failure.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Invalid input, by field.
    #[error("{0}")]
    Invalid(Problems),
    /// Wrong passphrase.
    #[error("Passphrase not accepted.")]
    WrongPassphrase {
        /// Failures so far.
        failures: u32,
        /// Failures that erase the data.
        max_failures: u32,
        /// Whether to warn.
        warn: bool,
    },
    /// The data was erased.
    #[error("{}", erased_message(*.just_now))]
    Erased {
        /// Whether this attempt erased it.
        just_now: bool,
    },
    /// No profile.
    #[error("Doorstep is not set up in this data directory yet: set it up first (the app's first screen, or `doorstep init`).")]
    NoProfile,
    /// Profile exists.
    #[error("A device profile already exists in this data directory.")]
    ProfileExists,
    /// Not found.
    #[error("{0}")]
    NotFound(String),
    /// Store failure (the detail is for logs, not patient data).
    #[error("The device store could not complete this: {0}")]
    Storage(String),
    /// The server revoked this device and the local data was erased.
    #[error("{}", revoked_message(*.just_now))]
    Revoked {
        /// Whether this sync erased it.
        just_now: bool,
    },
    /// The server could not be reached.
    #[error("Server not reachable: {0}. Your work is saved on this laptop and syncs by itself once the server can be reached; to sync now, connect to the internet (Wi-Fi or a mobile hotspot) and choose Sync now.")]
    Unreachable(String),
    /// Not enrolled, or the enrolment is no longer accepted.
    #[error("{0}")]
    NotEnrolled(String),
    /// Already enrolled with a server (its URL).
    #[error("This device is already enrolled with {0}. Enrol it again only if that server stopped accepting it (`doorstep enrol --replace`).")]
    AlreadyEnrolled(String),
    /// The server refused or failed a sync request.
    #[error("Sync failed: {0}")]
    SyncFailed(String),
    /// The device is locked.
    #[error(
        "Doorstep is locked: unlock it with your passphrase to go on. Nothing you saved was lost."
    )]
    Locked,
}

fn revoked_message(just_now: bool) -> &'static str {
    if just_now {
        "This device was revoked by the trust's server, so the local data on it has been erased. Ask your administrator for a new enrolment code, then set the device up again and enrol it."
    } else {
        "The local data on this device was erased because the device was revoked by the trust's server. Ask your administrator for a new enrolment code, then set the device up again and enrol it."
    }
}

fn erased_message(just_now: bool) -> &'static str {
    if just_now {
        "Too many failed attempts: the local data on this device has been erased. Set the device up again and sync to get the caseload back; nothing already synced is lost."
    } else {
        "The local data on this device was erased after too many failed unlock attempts. Set the device up again and sync to get the caseload back; nothing already synced is lost."
    }
}

impl CoreError {
    /// The code.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Invalid(_) => ErrorCode::Invalid,
            CoreError::WrongPassphrase { .. } => ErrorCode::WrongPassphrase,
            CoreError::Erased { .. } => ErrorCode::Erased,
            CoreError::NoProfile => ErrorCode::NoProfile,
            CoreError::ProfileExists => ErrorCode::ProfileExists,
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::Storage(_) => ErrorCode::Storage,
            CoreError::Revoked { .. } => ErrorCode::Revoked,
            CoreError::Unreachable(_) => ErrorCode::Unreachable,
            CoreError::NotEnrolled(_) => ErrorCode::NotEnrolled,
            CoreError::AlreadyEnrolled(_) => ErrorCode::AlreadyEnrolled,
            CoreError::SyncFailed(_) => ErrorCode::SyncFailed,
            CoreError::Locked => ErrorCode::Locked,
        }
    }

    /// The field problems, for invalid input.
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            CoreError::Invalid(p) => &p.0,
            _ => &[],
        }
    }

    /// A warning to show beside the message, if any.
    pub fn warning(&self) -> Option<String> {
        match self {
            CoreError::WrongPassphrase { failures, max_failures, warn: true } => Some(format!(
                "Warning: {failures} of {max_failures} attempts used. After {max_failures} failed attempts the data on this device is erased."
            )),
            _ => None,
        }
    }

    /// One invalid field.
    pub fn invalid(field: &str, problem: impl Into<String>) -> CoreError {
        CoreError::Invalid(doorstep_domain::values::problem::problem(field, problem))
    }
}

impl From<Problems> for CoreError {
    fn from(p: Problems) -> Self {
        CoreError::Invalid(p)
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongPassphrase {
                failures,
                max_failures,
                warn,
                ..
            } => CoreError::WrongPassphrase {
                failures,
                max_failures,
                warn,
            },
            StoreError::Erased { just_now, .. } => CoreError::Erased { just_now },
            StoreError::NoProfile => CoreError::NoProfile,
            StoreError::ProfileExists => CoreError::ProfileExists,
            StoreError::FamilyNotFound => {
                CoreError::NotFound("No such family on this device.".into())
            }
            StoreError::AlreadyEnrolled => CoreError::AlreadyEnrolled("a server".into()),
            other => CoreError::Storage(other.to_string()),
        }
    }
}
