// A refused save's problem goes as soon as the user changes its field: the
// message beside it, its red border and its line in the error summary
// (the other fields' problems stay until they are changed or the form is
// saved again). One handler on the form does it for every field: the
// changed element's field is the `data-field` of the group around it
// (fields.tsx), whichever of its inputs changed (a date's day, month or
// year box, a radio or a checkbox).
import type { Dispatch, FormEvent, SetStateAction } from "react";
import { withoutProblem, type IpcError } from "../ipc";

/** The field (the core's name for it) that the changed element belongs to, if any. */
export function changedField(target: EventTarget | null): string | null {
  return target instanceof Element ? (target.closest("[data-field]")?.getAttribute("data-field") ?? null) : null;
}

/**
 * The form's onChange: takes the changed field's problem out of the error
 * (with those of `alsoClears(field)`, the fields a change there also
 * answers, e.g. a contact's time for its date and time problem "at").
 */
export function clearProblemOnChange(
  setError: Dispatch<SetStateAction<IpcError | null>>,
  alsoClears: (field: string) => string[] = () => [],
): (e: FormEvent) => void {
  return (e) => {
    const field = changedField(e.target);
    if (field) setError((old) => withoutProblem(old, field, ...alsoClears(field)));
  };
}

/**
 * A setter for an error its parent holds (`error`, shown by the parent and
 * changed through `onError`), for `clearProblemOnChange`; `onError` is
 * called only when the error changes.
 */
export function throughParent(error: IpcError | null, onError: (e: IpcError | null) => void): Dispatch<SetStateAction<IpcError | null>> {
  return (next) => {
    const e = typeof next === "function" ? next(error) : next;
    if (e !== error) onError(e);
  };
}
