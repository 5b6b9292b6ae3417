// The NHS.UK error summary: what went wrong, what to do, and a link to
// each field with a problem, named by the label the screen shows for it
// (never the core's internal field name). It takes focus so screen
// readers announce it, but not when all that changed is a line taken away
// because the user changed that field (focus stays where they type).
import { useEffect, useRef } from "react";
import { isNarrowed, type IpcError } from "../ipc";

/**
 * The label the screen shows for field `field` (its label, or the legend
 * of its group); otherwise the field name in words.
 */
export function fieldLabel(field: string): string {
  const group = document.querySelector(`[data-field="${CSS.escape(field)}"]`);
  const label =
    group?.querySelector("legend")?.textContent ??
    document.querySelector(`label[for="field-${CSS.escape(field)}"]`)?.textContent ??
    group?.querySelector("label")?.textContent;
  const words = (label ?? "").replace(/\s+/g, " ").replace(/\(optional\)/i, "").trim();
  if (words) return words;
  const plain = field.replace(/_/g, " ");
  return plain.charAt(0).toUpperCase() + plain.slice(1);
}

export function ErrorSummary({ error, title = "There is a problem" }: { error: IpcError | null; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error && !isNarrowed(error)) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  return (
    <div className="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabIndex={-1} ref={ref}>
      <h2 className="nhsuk-error-summary__title" id="error-summary-title">
        {title}
      </h2>
      <div className="nhsuk-error-summary__body">
        <p>{error.message}</p>
        {error.warning && <p>{error.warning}</p>}
        {error.problems.length > 0 && (
          <ul className="nhsuk-list nhsuk-error-summary__list">
            {error.problems.map((p) => (
              <li key={p.field + p.problem}>
                <a href={`#field-${p.field}`} onClick={(e) => { e.preventDefault(); document.getElementById(`field-${p.field}`)?.focus(); }}>
                  {fieldLabel(p.field)} {p.problem}
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
