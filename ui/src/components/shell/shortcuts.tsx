// Keyboard shortcuts, in one place: the one list of shortcuts (keys, what
// each does, where it works), the hook that the main layout uses to act on
// them, and the help panel that shows the same list. Shortcuts do nothing
// while the user is typing in a box, a text area or a drop-down, except the
// Ctrl ones meant for forms (Ctrl+S saves the form marked
// data-shortcut="save").
import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { navigate, type Route } from "../../route";
import { NAV } from "./Layout";

/** One key combination: the key (as KeyboardEvent.key), or the physical key, with its modifiers. */
export type Combo = {
  key: string;
  /** The physical key (KeyboardEvent.code), for Alt combinations, which change the key typed on some layouts. */
  code?: string;
  alt?: boolean;
  ctrl?: boolean;
  /** How the key is named in the help panel, when not the key itself. */
  shown?: string;
};

/** What a shortcut acts on. */
export type ShortcutContext = {
  route: Route;
  /** Locks the laptop (the Lock button's action). */
  lock: () => void;
  openHelp: () => void;
};

export type Shortcut = {
  /** Any of these combinations. */
  combos: Combo[];
  /** What it does, in words. */
  does: string;
  /** Where it works. */
  where: string;
  /** Works while typing in a field (Ctrl combinations meant for forms). */
  inFields?: boolean;
  /** Acts; false when it does not apply here (the key is then left alone). */
  run: (cx: ShortcutContext) => boolean;
};

/** The id of the caseload search box. */
export const SEARCH_FIELD = "field-search";

/** An element to focus once the next screen is shown, instead of its heading. */
let pendingFocus: { id: string; screen: Route["screen"]; until: number } | null = null;

/**
 * Focuses the element `pendingFocus` names, if the screen just shown is
 * the one it was asked for. Returns "done" when focused, "wait" when the
 * element is not there yet, "none" when nothing is pending here.
 */
export function focusPending(route: Route): "done" | "wait" | "none" {
  if (!pendingFocus) return "none";
  if (pendingFocus.screen !== route.screen || Date.now() > pendingFocus.until) {
    pendingFocus = null;
    return "none";
  }
  const el = document.getElementById(pendingFocus.id);
  if (!el) return "wait";
  el.focus();
  pendingFocus = null;
  return "done";
}

/** Focuses the caseload search, going to Caseload first if need be. */
function focusSearch(route: Route): boolean {
  const here = route.screen === "caseload" ? document.getElementById(SEARCH_FIELD) : null;
  if (here) {
    here.focus();
    return true;
  }
  pendingFocus = { id: SEARCH_FIELD, screen: "caseload", until: Date.now() + 3000 };
  navigate({ screen: "caseload" });
  return true;
}

/** Submits the form marked for saving (as its submit button would), if there is one to submit. */
function saveForm(): boolean {
  const form = document.querySelector<HTMLFormElement>('form[data-shortcut="save"]');
  if (!form) return false;
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (button && !button.disabled) form.requestSubmit(button);
  return true;
}

/** Every shortcut: the handler acts on these, and the help panel lists them. */
export const SHORTCUTS: Shortcut[] = [
  ...NAV.map((item, i): Shortcut => ({
    combos: [{ key: String(i + 1), code: `Digit${i + 1}`, alt: true }],
    does: `Go to ${item.label}`,
    where: "Anywhere",
    run: () => {
      navigate(item.route);
      return true;
    },
  })),
  {
    combos: [{ key: "/" }],
    does: "Search the caseload",
    where: "Anywhere",
    run: ({ route }) => focusSearch(route),
  },
  {
    combos: [{ key: "n", code: "KeyN", alt: true }],
    does: "Record a contact with this family",
    where: "On a family record",
    run: ({ route }) => {
      if (route.screen !== "family") return false;
      navigate({ screen: "contact", familyId: route.familyId });
      return true;
    },
  },
  {
    combos: [{ key: "s", code: "KeyS", ctrl: true }],
    does: "Save the contact (Save draft or Save changes)",
    where: "Recording or changing a contact",
    inFields: true,
    run: ({ route }) => (route.screen === "contact" || route.screen === "contact-edit") && saveForm(),
  },
  {
    combos: [{ key: "l", code: "KeyL", alt: true }],
    does: "Lock Doorstep",
    where: "Anywhere",
    run: ({ lock }) => {
      lock();
      return true;
    },
  },
  {
    combos: [{ key: "?" }, { key: "F1" }],
    does: "Show the keyboard shortcuts",
    where: "Anywhere",
    run: ({ openHelp }) => {
      openHelp();
      return true;
    },
  },
];

/** Whether `e` is the combination `c`. */
export function matches(e: KeyboardEvent, c: Combo): boolean {
  if (e.altKey !== Boolean(c.alt) || e.ctrlKey !== Boolean(c.ctrl) || e.metaKey) return false;
  return e.key === c.key || e.key.toLowerCase() === c.key.toLowerCase() || (c.code !== undefined && e.code === c.code);
}

/** The keys of a combination as the help panel names them, e.g. ["Alt", "1"]. */
export function comboKeys(c: Combo): string[] {
  const key = c.shown ?? (c.key.length === 1 ? c.key.toUpperCase() : c.key);
  return [...(c.ctrl ? ["Ctrl"] : []), ...(c.alt ? ["Alt"] : []), key];
}

/** A combination in words, e.g. "Alt+1". */
export function comboText(c: Combo): string {
  return comboKeys(c).join("+");
}

const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset", "image", "range", "color", "file"]);

/** Whether the key went to a field the user types in. */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !NOT_TYPED.has(target.type);
}

/** The shortcut a key press is, if any, where it was pressed. */
export function shortcutFor(e: KeyboardEvent): Shortcut | undefined {
  if (e.defaultPrevented || e.isComposing) return undefined;
  const typing = typingIn(e.target);
  return SHORTCUTS.find((s) => (s.inFields || !typing) && s.combos.some((c) => matches(e, c)));
}

/**
 * Acts on the shortcuts while the main layout is shown, and holds whether
 * the help panel is open (the shortcuts rest while it is).
 */
export function useShortcuts({ route, lock }: { route: Route; lock: () => void }) {
  const [helpOpen, setHelpOpen] = useState(false);
  const openHelp = useCallback(() => setHelpOpen(true), []);
  const closeHelp = useCallback(() => setHelpOpen(false), []);
  const cx = useRef<ShortcutContext>({ route, lock, openHelp });
  cx.current = { route, lock, openHelp };

  useEffect(() => {
    if (helpOpen) return;
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutFor(e);
      if (shortcut && shortcut.run(cx.current)) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [helpOpen]);

  return { helpOpen, openHelp, closeHelp };
}

/** The help panel: a modal dialog listing every shortcut. Escape or Close closes it and puts focus back. */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    heading.current?.focus();
    return () => {
      if (back && back.isConnected) back.focus();
    };
  }, []);

  function onKeyDown(e: ReactKeyboardEvent<HTMLDivElement>) {
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
      return;
    }
    // Focus stays in the dialog.
    if (e.key === "Tab" && dialog.current) {
      const focusable = Array.from(dialog.current.querySelectorAll<HTMLElement>("button, a[href], [tabindex]:not([tabindex='-1'])"));
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (!first || !last) return;
      const active = document.activeElement;
      if (e.shiftKey && (active === first || active === heading.current)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  const whileTyping = SHORTCUTS.filter((s) => s.inFields).flatMap((s) => s.combos.map(comboText));

  return (
    <div className="ds-dialog-backdrop">
      <div
        className="ds-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-heading"
        ref={dialog}
        onKeyDown={onKeyDown}
        data-testid="shortcuts-help"
      >
        <h2 className="nhsuk-heading-m" id="shortcuts-heading" tabIndex={-1} ref={heading}>
          Keyboard shortcuts
        </h2>
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Keyboard shortcuts</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">Keys</th>
              <th scope="col" className="nhsuk-table__header">What it does</th>
              <th scope="col" className="nhsuk-table__header">Where</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {SHORTCUTS.map((s) => (
              <tr className="nhsuk-table__row" key={s.does} data-testid="shortcut-row">
                <td className="nhsuk-table__cell">
                  {s.combos.map((c, i) => (
                    <span key={comboText(c)}>
                      {i > 0 && " or "}
                      {comboKeys(c).map((k, j) => (
                        <span key={k}>
                          {j > 0 && "+"}
                          <kbd>{k}</kbd>
                        </span>
                      ))}
                    </span>
                  ))}
                </td>
                <td className="nhsuk-table__cell">{s.does}</td>
                <td className="nhsuk-table__cell">{s.where}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {whileTyping.length > 0 && (
          <p className="nhsuk-body" data-testid="shortcuts-while-typing">
            While you are typing in a box, only {whileTyping.join(" and ")} work{whileTyping.length === 1 ? "s" : ""}; the other
            shortcuts type their key into the box.
          </p>
        )}
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
