// A family's open urgent results and follow-ups, shown at the top of the
// record (the core derives them from the record): each stays until a
// contact addresses it or the practitioner records it as addressed here,
// with a note of what was done (leaving the record with a note typed and
// not saved asks first; see unsaved).
import { useState } from "react";
import { recordAddressed, type FollowUpItem, type IpcError } from "../../ipc";
import { URGENCY_LABELS } from "../../generated/labels";
import { TextArea } from "../fields";
import { urgencyTagClass } from "../shell/format";
import { failure } from "./failure";
import { datesInWords, formatDate } from "./format";
import { useUnsaved } from "./unsaved";

function Addressed({ familyId, item, onDone }: { familyId: string; item: FollowUpItem; onDone: () => void }) {
  const [note, setNote] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const unsaved = useUnsaved("Record as addressed", note !== "");
  const name = `addressed-${item.key.replace(/[^a-z0-9]/gi, "-")}`;
  const noteError = error?.problems.find((p) => p.field === "note")?.problem ?? (error && !error.problems.length ? error.message : undefined);
  return (
    <details className="nhsuk-details" ref={unsaved.ref}>
      <summary className="nhsuk-details__summary">
        <span className="nhsuk-details__summary-text">Record as addressed</span>
      </summary>
      <div className="nhsuk-details__text">
        <TextArea name={name} label="What was done" rows={3} value={note} onChange={setNote} error={noteError} />
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await recordAddressed(familyId, item.key, note);
              setNote("");
              setError(null);
              onDone();
            } catch (e) {
              setError(failure(e));
            } finally {
              setBusy(false);
            }
          }}
        >
          Save
        </button>
      </div>
    </details>
  );
}

export function FollowUpPanel({ familyId, items, onChange }: { familyId: string; items: FollowUpItem[]; onChange: () => void }) {
  if (items.length === 0) return null;
  return (
    <div className="nhsuk-warning-callout" data-testid="family-follow-ups">
      <h2 className="nhsuk-warning-callout__label">
        <span role="text">
          <span className="nhsuk-u-visually-hidden">Important: </span>
          Results and follow-ups to act on
        </span>
      </h2>
      <ul className="nhsuk-list">
        {items.map((i) => (
          <li key={i.key} data-testid="family-follow-up" data-urgency={i.urgency}>
            <strong className={urgencyTagClass(i.urgency)}>{URGENCY_LABELS[i.urgency]}</strong>{" "}
            {datesInWords(i.text)} (due {formatDate(i.due)})
            <Addressed familyId={familyId} item={i} onDone={onChange} />
          </li>
        ))}
      </ul>
    </div>
  );
}
