// What the family record's inline action forms share (level of service,
// flags and alerts, consent, moves and deaths): one form open at a time
// across the record (their fields carry the core's field names, and so the
// ids the error summary links to: two open forms would share them), the
// form itself with its error summary, Save and Cancel, focus moved into it
// and back, a refused field's problem taken away once that field is changed,
// leaving the record with something typed and not saved asking first
// (unsaved.tsx), the household's members as choices, and a saved message.
import { useCallback, useEffect, useRef, useState, type Dispatch, type ReactNode, type SetStateAction } from "react";
import type { Family, IpcError, Person, Stamp } from "../../ipc";
import { ErrorSummary } from "../ErrorSummary";
import { clearProblemOnChange } from "../fieldProblems";
import type { Option } from "../fields";
import { failure } from "./failure";
import { firstField, type Unsaved } from "./unsaved";
import { formatDate, londonDate, MEMBER_ROLE_LABELS, personName } from "./format";

/** Sent when one of the record's action forms opens, so the others close. */
const OPEN_EVENT = "doorstep:family-action-open";

/**
 * Which of `owner`'s forms is open (null: none). Opening one closes every
 * other owner's form (what was typed there is kept by its owner); closing
 * one with `close` moves focus back to the button that opened it.
 */
export function useActionForm<T>(owner: string): { open: T | null; show: (which: T) => void; close: () => void } {
  const [open, setOpen] = useState<T | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const refocus = useRef(false);

  useEffect(() => {
    const others = (e: Event) => {
      if ((e as CustomEvent<string>).detail !== owner) setOpen(null);
    };
    window.addEventListener(OPEN_EVENT, others);
    return () => window.removeEventListener(OPEN_EVENT, others);
  }, [owner]);

  useEffect(() => {
    if (open === null && refocus.current) {
      refocus.current = false;
      if (opener.current?.isConnected) opener.current.focus();
    }
  }, [open]);

  const show = useCallback(
    (which: T) => {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      window.dispatchEvent(new CustomEvent(OPEN_EVENT, { detail: owner }));
      setOpen(which);
    },
    [owner],
  );
  const close = useCallback(() => {
    refocus.current = true;
    setOpen(null);
  }, []);
  return { open, show, close };
}

/** Saving: busy while the command runs, the core's refusal kept to show. */
export function useSave(): {
  busy: boolean;
  error: IpcError | null;
  setError: Dispatch<SetStateAction<IpcError | null>>;
  save: (command: () => Promise<unknown>, done: () => void) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const save = useCallback(async (command: () => Promise<unknown>, done: () => void) => {
    setBusy(true);
    try {
      await command();
      setError(null);
      done();
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, save };
}

/**
 * An inline action form: the error summary, the fields, then Save and
 * Cancel. Focus moves to its chosen radio or first field when it opens.
 * Changing a field takes its problem out of `error` (through `setError`):
 * the message beside it, and its line in the summary. `unsaved` (from the
 * owner's useUnsaved) is where focus goes back when the user stays to
 * finish what they typed.
 */
export function ActionForm({
  label,
  error,
  setError,
  busy,
  submit,
  onSubmit,
  onCancel,
  children,
  testId,
  unsaved,
}: {
  label: string;
  error: IpcError | null;
  /** Sets the error the form's fields show their problems from. */
  setError: Dispatch<SetStateAction<IpcError | null>>;
  busy: boolean;
  submit: string;
  onSubmit: () => void;
  onCancel: () => void;
  children: ReactNode;
  testId?: string;
  unsaved?: Unsaved;
}) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    firstField(ref.current)?.focus();
  }, []);
  useEffect(() => unsaved?.ref(ref.current), [unsaved]);
  return (
    <form
      ref={ref}
      aria-label={label}
      noValidate
      className="nhsuk-u-margin-top-3 nhsuk-u-margin-bottom-4"
      data-testid={testId}
      onChange={clearProblemOnChange(setError)}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <ErrorSummary error={error} />
      {children}
      <div className="nhsuk-button-group">
        <button type="submit" className="nhsuk-button" disabled={busy}>
          {submit}
        </button>
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A button that reveals an inline form (its state in aria-expanded). */
export function RevealButton({
  expanded,
  onClick,
  children,
  small,
}: {
  expanded: boolean;
  onClick: () => void;
  children: ReactNode;
  small?: boolean;
}) {
  return (
    <button
      type="button"
      className={"nhsuk-button nhsuk-button--secondary" + (small ? " nhsuk-button--small" : "")}
      aria-expanded={expanded}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** What was last saved, announced politely. */
export function Saved({ text }: { text: string }) {
  return (
    <div role="status">
      {text && (
        <p className="nhsuk-body-s">
          <strong>{text}</strong>
        </p>
      )}
    </div>
  );
}

const ROLE_ORDER = { parent: 0, child: 1, unborn: 2 } as const;

/** The household's current members as choices, parents first: "Ava Okafor (child)". */
export function memberOptions(family: Family, keep: (p: Person) => boolean = () => true): Option[] {
  return Object.entries(family.members)
    .filter(([, p]) => !p.entered_in_error && !p.merged_into && keep(p))
    .sort(
      ([, a], [, b]) =>
        ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
        (a.date_of_birth ?? a.expected_delivery_date ?? "").localeCompare(b.date_of_birth ?? b.expected_delivery_date ?? ""),
    )
    .map(([id, p]) => ({ value: id, label: `${personName(p)} (${MEMBER_ROLE_LABELS[p.role].toLowerCase()})` }));
}

/** The member's name, or `none` when there is no member (or it is not on this record). */
export function memberName(family: Family, id: string | null | undefined, none: string): string {
  const p = id ? family.members[id] : undefined;
  return p ? personName(p) : none;
}

/** Who recorded something and on what day: "Sam Rivers, 5 January 2026". */
export function recordedBy(stamp: Stamp): string {
  return `${stamp.by}, ${formatDate(londonDate(stamp.at))}`;
}

/** A typed optional value, or null when left blank. */
export function blankToNull(s: string): string | null {
  return s.trim() ? s : null;
}
