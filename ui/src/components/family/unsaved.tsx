// Leaving the family record with something typed and not saved asks
// first. Each inline form says whether what it holds differs from how it
// opened (useUnsaved: its label, dirty or not, and how to open it again if
// it was closed while keeping what was typed); the screen (useUnsavedForms,
// in Family) sets the router's leave guard while any is, and LeavePrompt
// asks: stay (focus goes back into the form) or leave without saving. The
// contact screen keeps its own drafts in the encrypted store instead.
import { createContext, useCallback, useContext, useEffect, useId, useMemo, useRef, useState } from "react";
import { setLeaveGuard } from "../../route";

/** A form with something typed in it that is not saved. */
type Entry = {
  /** The form's label (more than one when it stands for several kept drafts). */
  labels: string[];
  /** Whether the form is on the screen (not closed with what was typed kept). */
  shown: () => boolean;
  /** Focus back into the form, opening it again if it was closed. */
  focus: () => void;
};

type Registry = { set: (id: string, entry: Entry | null) => void };

const RegistryContext = createContext<Registry | null>(null);

/** Given by the screen (Family) to its forms; without it, useUnsaved does nothing. */
export const UnsavedProvider = RegistryContext.Provider;

/** What useUnsaved gives its form. */
export type Unsaved = {
  /** A ref for the form (or the details around it): focus goes back to where it was in there. */
  ref: (el: HTMLElement | null) => (() => void) | undefined;
  /** Stops asking at once, before the screen changes itself (e.g. the form started opens). */
  forget: () => void;
};

/** Whether `now` differs from `before` in any field (a shallow comparison). */
export function differs<T extends object>(now: T, before: T): boolean {
  const a = now as Record<string, unknown>;
  const b = before as Record<string, unknown>;
  return Object.keys({ ...a, ...b }).some((k) => a[k] !== b[k]);
}

/** The field a form's focus starts on: its chosen radio, else its first field. */
export function firstField(root: ParentNode | null | undefined): HTMLElement | null {
  return root?.querySelector<HTMLElement>("input[type=radio]:checked") ?? root?.querySelector<HTMLElement>("input, select, textarea") ?? null;
}

function focusWithin(el: HTMLElement, last: HTMLElement | null) {
  // A form in a closed details element (Start a form, Record as addressed) is shown first.
  for (let d = el.closest("details"); d; d = d.parentElement?.closest("details") ?? null) d.open = true;
  const target = last && last.isConnected && el.contains(last) ? last : firstField(el);
  target?.focus();
}

/**
 * Registers a form as holding unsaved typing while `dirty` (changed from
 * how it opened, and not saved or cancelled since). `reopen` opens it again
 * when it was closed keeping what was typed (another of the record's forms
 * opened). Put `ref` on the form element (ActionForm takes the whole thing
 * as `unsaved`).
 */
export function useUnsaved(label: string | readonly string[], dirty: boolean, reopen?: () => void): Unsaved {
  const registry = useContext(RegistryContext);
  const id = useId();
  const node = useRef<HTMLElement | null>(null);
  const last = useRef<HTMLElement | null>(null);
  const reopenRef = useRef(reopen);
  useEffect(() => {
    reopenRef.current = reopen;
  });
  // One string, so a label built afresh on each render registers once.
  const labels = (typeof label === "string" ? [label] : label).join("\n");

  useEffect(() => {
    if (!registry || !dirty) return;
    registry.set(id, {
      labels: labels.split("\n"),
      shown: () => Boolean(node.current?.isConnected),
      focus: () => {
        const el = node.current;
        if (el?.isConnected) focusWithin(el, last.current);
        else reopenRef.current?.();
      },
    });
    return () => registry.set(id, null);
  }, [registry, id, labels, dirty]);

  const ref = useCallback((el: HTMLElement | null) => {
    node.current = el;
    if (!el) return undefined;
    const remember = (e: FocusEvent) => {
      if (e.target instanceof HTMLElement) last.current = e.target;
    };
    el.addEventListener("focusin", remember);
    return () => {
      el.removeEventListener("focusin", remember);
      if (node.current === el) node.current = null;
    };
  }, []);
  const forget = useCallback(() => registry?.set(id, null), [registry, id]);
  return useMemo(() => ({ ref, forget }), [ref, forget]);
}

/** "A", "A and B", "A, B and C". */
function listInWords(items: string[]): string {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export type UnsavedForms = {
  /** For UnsavedProvider, around the screen's forms. */
  registry: Registry;
  /** The labels of the forms with unsaved typing. */
  labels: string[];
  /** Where the user tried to go while something was unsaved (the prompt shows), else null. */
  leavingTo: string | null;
  stay: () => void;
  leave: () => void;
};

/**
 * The screen's side: which forms hold unsaved typing, and the router's
 * leave guard set while any does. A change of address then waits for the
 * user's answer in LeavePrompt.
 */
export function useUnsavedForms(): UnsavedForms {
  const entries = useRef(new Map<string, Entry>());
  const [list, setList] = useState<Entry[]>([]);
  const [leavingTo, setLeavingTo] = useState<string | null>(null);
  // The address "Leave without saving" goes to: let through once.
  const allowed = useRef<string | null>(null);

  const registry = useMemo<Registry>(
    () => ({
      set(id, entry) {
        if (entry) entries.current.set(id, entry);
        else if (!entries.current.delete(id)) return;
        setList([...entries.current.values()]);
        // Saved or cancelled meanwhile: nothing left to ask about.
        if (entries.current.size === 0) setLeavingTo(null);
      },
    }),
    [],
  );

  const any = list.length > 0;
  useEffect(() => {
    if (!any) return;
    setLeaveGuard((to) => {
      if (to === allowed.current) {
        allowed.current = null;
        return true;
      }
      // Read now, not when the guard was set: a form may have just been saved.
      if (entries.current.size === 0) return true;
      setLeavingTo(to || "#/");
      return false;
    });
    return () => setLeaveGuard(null);
  }, [any]);

  const stay = useCallback(() => {
    setLeavingTo(null);
    const all = [...entries.current.values()];
    (all.find((e) => e.shown()) ?? all[0])?.focus();
  }, []);

  const leave = useCallback(() => {
    const to = leavingTo ?? "#/";
    allowed.current = to;
    setLeaveGuard(null);
    setLeavingTo(null);
    window.location.hash = to;
  }, [leavingTo]);

  return {
    registry,
    labels: list.flatMap((e) => e.labels),
    leavingTo: any ? leavingTo : null,
    stay,
    leave,
  };
}

/**
 * Asked at the top of the screen when the user goes elsewhere with
 * something unsaved, in the words of the contact screen's prompt.
 */
export function LeavePrompt({ unsaved }: { unsaved: UnsavedForms }) {
  const ref = useRef<HTMLDivElement>(null);
  const { leavingTo, labels, stay, leave } = unsaved;
  useEffect(() => {
    if (leavingTo) ref.current?.focus();
  }, [leavingTo]);
  if (!leavingTo) return null;
  return (
    <div className="nhsuk-warning-callout" role="alertdialog" aria-labelledby="leave-heading" tabIndex={-1} ref={ref} data-testid="leave-prompt">
      <h2 className="nhsuk-warning-callout__label" id="leave-heading">
        <span role="text">
          <span className="nhsuk-u-visually-hidden">Important: </span>What you typed in {listInWords(labels)} is not saved
        </span>
      </h2>
      <p>It is not in the family record, and it is not kept if you leave. Save it, or cancel it, before you go.</p>
      <div className="nhsuk-button-group">
        <button type="button" className="nhsuk-button" onClick={stay}>
          Stay and finish it
        </button>
        <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={leave}>
          Leave without saving
        </button>
      </div>
    </div>
  );
}
