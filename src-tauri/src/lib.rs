//! The Doorstep desktop shell (Tauri 2): it holds the unlocked session,
//! exposes the thin [`commands`] to the React UI in `ui/`, locks itself when
//! idle, and syncs in the background. Every decision is doorstep-core's;
//! nothing here touches SQL or Automerge.

#[cfg(feature = "codegen")]
pub mod codegen;
pub mod commands;
pub mod desktop;
pub mod export;
pub mod ipc;

use std::path::PathBuf;
use std::time::Duration;

use doorstep_core::Clock;
use tauri::Emitter;

pub use desktop::Desktop;

/// How often the background thread checks the idle lock.
const TICK: Duration = Duration::from_secs(5);

/// Starts the app on the data directory `dir`, syncing in the background
/// every `sync_every` while unlocked, enrolled and online.
pub fn run(dir: PathBuf, clock: Clock, sync_every: Duration) -> Result<(), tauri::Error> {
    let desktop = Desktop::new(dir, clock);
    let background = desktop.clone();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(desktop)
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let handle = app.handle().clone();
            background.set_emitter(Box::new(move |name, payload| {
                let _ = handle.emit(name, payload);
            }));
            std::thread::spawn(move || background_loop(background, sync_every));
            Ok(())
        })
        .run(tauri::generate_context!())
}

/// Locks when idle and syncs now and then, for the life of the app.
fn background_loop(desktop: Desktop, sync_every: Duration) {
    let mut since_sync = Duration::ZERO;
    loop {
        std::thread::sleep(TICK);
        since_sync += TICK;
        let sync = since_sync >= sync_every;
        if sync {
            since_sync = Duration::ZERO;
        }
        desktop.background_pass(sync);
    }
}
