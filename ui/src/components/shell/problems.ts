// Field problems from the core ("is too short: …") as the sentence shown
// next to the field ("Passphrase is too short: …").
import { problemFor, type IpcError } from "../../ipc";

/** The problem for `field` as a sentence starting with `label`, if there is one. */
export function fieldError(error: IpcError | null, field: string, label: string): string | undefined {
  const p = problemFor(error, field);
  if (!p) return undefined;
  const trimmed = p.trim();
  // Some problems are already whole sentences ("Enrolment code not accepted",
  // or "enrolment code not accepted" after the label "Enrolment code").
  if (/^[A-Z]/.test(trimmed)) return trimmed;
  if (trimmed.toLowerCase().startsWith(label.toLowerCase())) return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return `${label} ${trimmed}`;
}

/** A local validation error in the shell's shape. */
export function invalid(problems: { field: string; problem: string }[], message = "Check the answers below and try again."): IpcError {
  return { code: "invalid", message, problems, warning: null };
}
