// The UI's one door to the shell: the generated command functions, with
// every failure turned into an IpcError (code, message, field problems).
import type { IpcError } from "./generated";

export * from "./generated";

/** Whether a thrown value is the shell's typed error. */
export function isIpcError(e: unknown): e is IpcError {
  return (
    typeof e === "object" &&
    e !== null &&
    "code" in e &&
    "message" in e &&
    Array.isArray((e as IpcError).problems)
  );
}

/** The window event that tells the app to show the unlock screen. */
export const LOCKED_ERROR_EVENT = "doorstep:locked-error";

/**
 * Any thrown value as an IpcError, so every error the user sees has a
 * message. A `locked` error also tells the app to show the unlock screen,
 * whichever screen met it.
 */
export function asIpcError(e: unknown): IpcError {
  if (isIpcError(e)) {
    if (e.code === "locked") window.dispatchEvent(new Event(LOCKED_ERROR_EVENT));
    return e;
  }
  return {
    code: "storage",
    message:
      "Doorstep could not do that because of an unexpected problem. Nothing saved was lost; try again.",
    problems: [],
    warning: null,
  };
}

/** The problem reported for one field, if any. */
export function problemFor(error: IpcError | null, field: string): string | undefined {
  return error?.problems.find((p) => p.field === field)?.problem;
}
