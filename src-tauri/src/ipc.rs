//! The IPC contract between the UI and the shell, in one place: the error
//! every command returns, the types only the shell hands the UI (the app
//! state, sync events and their names, passphrase feedback, the enrol
//! form), and the event names. Every other type the UI sees is
//! doorstep-core's. The TypeScript in `ui/src/generated/` is written from
//! these by [`crate::codegen`] (the `codegen` feature, never in the shipped
//! app); the test command fails when it drifts.

use chrono::{DateTime, Utc};
use doorstep_core::device::passphrase::Strength;
use doorstep_core::domain::FieldProblem;
use doorstep_core::{device, ClockReading, CoreError, ErrorCode, SyncProgress, SyncReport};
use serde::{Deserialize, Serialize};

/// A failed command, as the UI receives it: a closed code to branch on,
/// a message safe to show that says what to do, and the field problems for
/// invalid input.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
pub struct IpcError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What went wrong and what to do.
    pub message: String,
    /// Invalid input, by field.
    pub problems: Vec<FieldProblem>,
    /// A warning to show beside the message (e.g. unlock attempts left).
    pub warning: Option<String>,
}

impl IpcError {
    /// A failure inside the shell itself (a panicked worker thread).
    pub fn internal() -> IpcError {
        IpcError {
            code: ErrorCode::Storage,
            message: "Doorstep hit an internal error and did not finish this. Nothing saved was lost; try again, and restart Doorstep if it happens again.".into(),
            problems: Vec::new(),
            warning: None,
        }
    }
}

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        IpcError::from_ref(&e)
    }
}

impl IpcError {
    /// The error as the UI receives it.
    pub fn from_ref(e: &CoreError) -> Self {
        // The core's text for invalid input names its internal fields (the
        // command line's options); the window names each by its label, in
        // the error summary and beside the field.
        let message = match e.problems() {
            [] => e.to_string(),
            [_] => "Check this detail: the problem is shown below, next to it.".to_string(),
            _ => "Check these details: each problem is shown below, next to its field.".to_string(),
        };
        IpcError {
            code: e.code(),
            message,
            problems: e.problems().to_vec(),
            warning: e.warning(),
        }
    }
}

/// Feedback on a passphrase while it is typed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
pub struct PassphraseCheck {
    /// How strong it looks.
    pub strength: Strength,
    /// Why it is not accepted, when it is not.
    pub problem: Option<String>,
}

/// What the enrol screen sends.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
pub struct Enrolment {
    /// The server's address (https://…).
    pub server: String,
    /// The one-time code from the administrator.
    pub code: String,
    /// The trust's CA certificate (PEM), when the server uses one.
    pub ca_pem: Option<String>,
    /// A name for this laptop, shown to administrators.
    pub device_name: Option<String>,
}

/// What the UI needs to pick its first screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
pub struct AppState {
    /// The device profile, readable while locked.
    pub profile: device::ProfileStatus,
    /// Whether a session is open.
    pub unlocked: bool,
    /// Minutes without use before the app locks itself.
    pub idle_lock_minutes: u32,
    /// The core's clock: a new record's default date and time.
    pub clock: ClockReading,
}

/// News for the status bar, sent as the `doorstep://sync` event while a
/// sync runs and when it ends.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
pub struct SyncEvent {
    /// What is happening.
    pub state: SyncState,
    /// The phase, while running.
    pub progress: Option<SyncProgress>,
    /// What the sync did, when done.
    pub report: Option<SyncReport>,
    /// Why it failed, when it failed.
    pub error: Option<IpcError>,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

/// The states of [`SyncEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SyncState {
    /// Running (see the progress).
    Running,
    /// Finished.
    Done,
    /// Failed (see the error); nothing was lost.
    Failed,
    /// The server cannot be reached: offline.
    Offline,
}

/// The event names the shell emits.
pub mod events {
    /// A [`super::SyncEvent`].
    pub const SYNC: &str = "doorstep://sync";
    /// The app locked itself (an [`super::AppState`]).
    pub const LOCKED: &str = "doorstep://locked";
}
