//! The Doorstep desktop shell (Tauri 2): it holds the unlocked session,
//! exposes the thin [`commands`] to the React UI in `ui/`, locks itself when
//! idle, and syncs in the background. Every decision is doorstep-core's;
//! nothing here touches SQL or Automerge.

pub mod commands;
pub mod desktop;
pub mod ipc;

use std::path::PathBuf;

use doorstep_core::Clock;

pub use desktop::Desktop;

/// Starts the app on the data directory `dir`.
pub fn run(dir: PathBuf, clock: Clock) -> Result<(), tauri::Error> {
    tauri::Builder::default()
        .manage(Desktop::new(dir, clock))
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
}
