//! Device use-cases: the one API the desktop shell and the `doorstep` CLI
//! call. It unlocks the device store, validates input through the domain
//! rules, writes through the store, syncs with the trust's server
//! ([`sync`] over a [`transport::Transport`]), and turns every failure into
//! a [`CoreError`] with a closed code and a message safe to show.

pub mod assessments;
pub mod clock;
pub mod code_lists;
pub mod contacts;
pub mod demo;
pub mod device;
pub mod drafts;
pub mod error;
pub mod exports;
pub mod follow_ups;
pub mod reports;
pub mod session;
pub mod sync;
pub mod transport;

pub use clock::{Clock, ClockReading};
pub use device::{default_data_dir, init, resolve_data_dir, InitOptions};
pub use error::{CoreError, ErrorCode};
pub use session::Session;
pub use sync::{
    EnrolOptions, Resolution, SyncPhase, SyncProgress, SyncReport, SyncRun, SyncStatus, SyncStop,
};
pub use transport::{HttpTransport, Transport, TransportError};

pub use doorstep_domain as domain;
pub use doorstep_store::audit::{Row as AuditRow, Verification as AuditVerification};
