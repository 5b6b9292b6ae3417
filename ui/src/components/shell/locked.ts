// "Doorstep is locked": any screen that gets a `locked` error from a
// command reports it here, and the app shows the unlock screen. Screens
// outside the shell can call reportIfLocked(e) in their catch blocks too.
import { isIpcError, LOCKED_ERROR_EVENT } from "../../ipc";

export { LOCKED_ERROR_EVENT };

/** Tells the app to show the unlock screen when `e` is a `locked` error; true if it was. */
export function reportIfLocked(e: unknown): boolean {
  if (isIpcError(e) && e.code === "locked") {
    window.dispatchEvent(new Event(LOCKED_ERROR_EVENT));
    return true;
  }
  return false;
}

/** Calls `handler` whenever a screen reports a `locked` error; returns the unsubscribe. */
export function onLockedError(handler: () => void): () => void {
  window.addEventListener(LOCKED_ERROR_EVENT, handler);
  return () => window.removeEventListener(LOCKED_ERROR_EVENT, handler);
}
