// Conflicts: details two laptops changed differently. Each conflict names
// the detail in words and shows the competing values side by side (the
// value, who wrote it, on which laptop, when and what they were doing, the
// one from this laptop marked), and is resolved by keeping one or typing a
// new one.
import { useEffect, useRef, useState, type FormEvent } from "react";
import {
  asIpcError, conflicts, resolveConflict,
  type ConflictView, type IpcError, type JsonValue, type Resolution,
} from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextInput } from "../components/fields";
import { href } from "../route";
import { formatDateTime, plural } from "../components/shell/format";
import { conflictField, writtenOn } from "../components/family/conflictWords";
import { Loading } from "../components/shell/Layout";
import { reportIfLocked } from "../components/shell/locked";
import { fieldError } from "../components/shell/problems";
import { useLoad } from "../components/shell/useLoad";

/** A value as text. */
export function valueText(v: JsonValue): string {
  if (v === null) return "(no value)";
  if (typeof v === "string") return v === "" ? "(empty)" : v;
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (typeof v === "number") return String(v);
  return JSON.stringify(v, null, 2);
}

function Value({ v }: { v: JsonValue }) {
  const text = valueText(v);
  return v !== null && typeof v === "object" ? <pre className="ds-conflict__json">{text}</pre> : <p className="ds-conflict__text">{text}</p>;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const keyOf = (c: ConflictView) => `${c.family_id}|${c.field}`;

function Conflict({ conflict, busy, error, editing, onEdit, onResolve }: {
  conflict: ConflictView;
  busy: boolean;
  error: IpcError | null;
  editing: boolean;
  onEdit: (open: boolean) => void;
  onResolve: (choice: Resolution) => void;
}) {
  const [text, setText] = useState("");
  const toggleRef = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  // Opening the form moves focus to its field; closing it, back to the button.
  useEffect(() => {
    if (editing) document.getElementById("field-value")?.focus();
    else if (opened.current) toggleRef.current?.focus();
    opened.current = editing;
  }, [editing]);
  const headingId = `conflict-${conflict.number}`;
  const label = conflictField(conflict.field);
  const family = conflict.family_name ? `${conflict.family_name} family` : "A family";

  function submit(e: FormEvent) {
    e.preventDefault();
    onResolve({ kind: "value", value: text });
  }

  return (
    <section className="ds-conflict" data-testid="conflict" aria-labelledby={headingId}>
      <h2 id={headingId} className="nhsuk-heading-m">
        <span className="nhsuk-caption-m">{family}<span className="nhsuk-u-visually-hidden"> - </span></span>
        {label}
      </h2>
      <p className="nhsuk-body-s">
        <a href={href({ screen: "family", familyId: conflict.family_id })}>
          Open the record{" "}<span className="nhsuk-u-visually-hidden">for {family}</span>
        </a>
      </p>
      {error && <ErrorSummary error={error} title="This conflict was not resolved" />}
      <ul className="ds-conflict__values" aria-label={`Values for ${label}`}>
        {conflict.values.map((v, i) => (
          <li key={v.choice} className={`nhsuk-card ds-conflict__value${v.this_laptop ? " ds-conflict__value--this-laptop" : ""}`}
            data-testid="conflict-value">
            <div className="nhsuk-card__content">
              <h3 className="nhsuk-heading-s">
                Value {v.choice}{i === 0 && <span className="nhsuk-u-secondary-text-colour"> (shown now)</span>}
              </h3>
              {v.this_laptop && <p><strong className="nhsuk-tag nhsuk-tag--blue" data-testid="from-this-laptop">From this laptop</strong></p>}
              <Value v={v.value} />
              <dl className="nhsuk-summary-list ds-summary-compact">
                <div className="nhsuk-summary-list__row">
                  <dt className="nhsuk-summary-list__key">Written by</dt>
                  <dd className="nhsuk-summary-list__value">{v.practitioner ?? "Not known"}</dd>
                </div>
                <div className="nhsuk-summary-list__row">
                  <dt className="nhsuk-summary-list__key">Where</dt>
                  <dd className="nhsuk-summary-list__value">{capitalise(writtenOn(v))}</dd>
                </div>
                <div className="nhsuk-summary-list__row">
                  <dt className="nhsuk-summary-list__key">When</dt>
                  <dd className="nhsuk-summary-list__value">{v.at ? formatDateTime(v.at) : "Not known"}</dd>
                </div>
                <div className="nhsuk-summary-list__row">
                  <dt className="nhsuk-summary-list__key">What was done</dt>
                  <dd className="nhsuk-summary-list__value">{v.what ?? "Not known"}</dd>
                </div>
              </dl>
              <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" data-testid="keep-value"
                disabled={busy} onClick={() => onResolve({ kind: "choose", value: v.choice })}>
                Keep this value{" "}
                <span className="nhsuk-u-visually-hidden">
                  (value {v.choice}{v.this_laptop ? ", from this laptop" : ""}) for {label}, {family}
                </span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      {editing ? (
        <form onSubmit={submit} noValidate className="ds-conflict__new">
          <TextInput name="value" width={30} label={`New value for ${label}`} hint="Type the value as it should be recorded. It replaces every value above."
            value={text} onChange={setText} error={fieldError(error, "value", "The value")} />
          <div className="ds-button-row">
            <button type="submit" className="nhsuk-button" disabled={busy}>Save this value</button>
            <button type="button" className="nhsuk-button nhsuk-button--secondary" disabled={busy} onClick={() => onEdit(false)}>Cancel</button>
          </div>
        </form>
      ) : (
        <p>
          <button type="button" className="ds-link-button" ref={toggleRef} onClick={() => onEdit(true)} disabled={busy}>
            Type a different value{" "}<span className="nhsuk-u-visually-hidden">for {label}, {family}</span>
          </button>
        </p>
      )}
    </section>
  );
}

export function Conflicts() {
  const list = useLoad(() => conflicts(null), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ key: string; error: IpcError } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [message, setMessage] = useState("");
  const messageRef = useRef<HTMLDivElement>(null);

  async function resolve(c: ConflictView, choice: Resolution) {
    const key = keyOf(c);
    setBusy(key);
    setFailure(null);
    setMessage("");
    try {
      const r = await resolveConflict(c.family_id, c.field, choice);
      const left = r.remaining_conflicts === 0 ? "No conflicts are left in this family." : `${plural(r.remaining_conflicts, "conflict is", "conflicts are")} left in this family.`;
      setMessage(`${conflictField(c.field)} (${c.family_name ? `${c.family_name} family` : "the family"}) resolved: kept "${valueText(r.value)}". ${left}`);
      setEditing(null);
      list.reload();
      setTimeout(() => messageRef.current?.focus(), 0);
    } catch (err) {
      reportIfLocked(err);
      setFailure({ key, error: asIpcError(err) });
    } finally {
      setBusy(null);
    }
  }

  const items = list.data ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Conflicts to review</h1>
      <p>
        When the same detail was changed differently on two laptops before they synced, Doorstep keeps every value until
        someone chooses. Check the values with the family or the record if you are not sure.
      </p>
      <div ref={messageRef} tabIndex={-1} role="status" aria-live="polite" data-testid="conflict-message"
        className={message ? "nhsuk-inset-text ds-success" : undefined}>
        {message}
      </div>
      {list.loading && !list.data && <Loading>Loading conflicts…</Loading>}
      {!failure && <ErrorSummary error={list.error} title="Conflicts could not be loaded" />}
      {list.data && items.length === 0 && (
        <div className="nhsuk-inset-text">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>There are no conflicts to review.</p>
        </div>
      )}
      {items.length > 0 && <p className="nhsuk-body-s">{plural(items.length, "conflict", "conflicts")} to review.</p>}
      {items.map((c) => (
        <Conflict
          key={keyOf(c)}
          conflict={c}
          busy={busy === keyOf(c)}
          error={failure?.key === keyOf(c) ? failure.error : null}
          editing={editing === keyOf(c)}
          onEdit={(open) => { setEditing(open ? keyOf(c) : null); setFailure(null); }}
          onResolve={(choice) => resolve(c, choice)}
        />
      ))}
    </>
  );
}
