// The UI's one door to the shell: the generated command functions, with
// every failure turned into an IpcError (code, message, field problems),
// and an error's problems read by field and taken away one field at a time.
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

/** Errors `withoutProblem` made: what is left of a refusal already shown, not a new one. */
const narrowed = new WeakSet<IpcError>();

/**
 * The error without the problems of `fields` (the user changed those
 * fields, so what the core said about them no longer holds). The other
 * problems stay. When the last problem goes the error goes too (null),
 * unless it also has a warning, a message of its own with no field: it
 * stays, with no problems, until the next save. The same error is returned
 * when none of `fields` had a problem.
 */
export function withoutProblem(error: IpcError | null, ...fields: string[]): IpcError | null {
  if (!error || !error.problems.some((p) => fields.includes(p.field))) return error;
  const problems = error.problems.filter((p) => !fields.includes(p.field));
  if (problems.length === 0 && !error.warning) return null;
  const left = { ...error, problems };
  narrowed.add(left);
  return left;
}

/** Whether `error` is what `withoutProblem` left of one already shown (so it is not announced again). */
export function isNarrowed(error: IpcError): boolean {
  return narrowed.has(error);
}
