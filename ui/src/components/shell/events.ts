// Events from the desktop shell (Tauri), guarded so the UI also runs
// where there is no shell (tests, a plain browser during development).
import { listen } from "@tauri-apps/api/event";
import type { AppState, SyncEvent } from "../../ipc";

export const SYNC_EVENT = "doorstep://sync";
export const LOCKED_EVENT = "doorstep://locked";

/** Listens to a shell event; returns a function that stops listening. */
export function listenShell<T>(name: string, handler: (payload: T) => void): () => void {
  if (typeof window === "undefined" || !("__TAURI_INTERNALS__" in window)) return () => {};
  let stopped = false;
  let unlisten: (() => void) | null = null;
  try {
    listen<T>(name, (event) => {
      if (!stopped) handler(event.payload);
    })
      .then((un) => {
        if (stopped) un();
        else unlisten = un;
      })
      .catch(() => {
        // No event plugin (e.g. a mocked shell): the UI works without events.
      });
  } catch {
    // As above.
  }
  return () => {
    stopped = true;
    if (unlisten) {
      try {
        unlisten();
      } catch {
        // The listener is already gone.
      }
    }
  };
}

export const onSyncEvent = (handler: (e: SyncEvent) => void) => listenShell<SyncEvent>(SYNC_EVENT, handler);
export const onLockedEvent = (handler: (s: AppState) => void) => listenShell<AppState>(LOCKED_EVENT, handler);
