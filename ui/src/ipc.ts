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

/** Any thrown value as an IpcError, so every error the user sees has a message. */
export function asIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return e;
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
