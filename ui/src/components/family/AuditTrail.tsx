// The family record's audit trail: who has seen or changed this record,
// when (UK date and time), and what they did, in words, newest first. It
// sits in an expander and asks the shell for the trail only when opened
// (and again each time it is opened, so it is current).
import { useState } from "react";
import { familyAudit, type AuditEntry, type IpcError } from "../../ipc";
import { ErrorSummary } from "../ErrorSummary";
import { formatDate, formatTime } from "../shell/format";
import { failure } from "./failure";
import { londonDate } from "./format";

/** The newest entries shown at first; the rest on request. */
const FIRST = 100;

/** A UTC instant as UK local date and time, "7 Dec 2026, 14:05". */
export function formatAuditTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDate(londonDate(iso))}, ${formatTime(iso)}`;
}

type Trail = { entries: AuditEntry[] } | { error: IpcError } | null;

export function AuditTrail({ familyId }: { familyId: string }) {
  const [trail, setTrail] = useState<Trail>(null);
  const [loading, setLoading] = useState(false);
  const [all, setAll] = useState(false);

  async function load() {
    setLoading(true);
    try {
      setTrail({ entries: await familyAudit(familyId) });
    } catch (e) {
      setTrail({ error: failure(e) });
    } finally {
      setLoading(false);
    }
  }

  const entries = trail && "entries" in trail ? trail.entries : null;
  const shown = entries && !all ? entries.slice(0, FIRST) : entries;

  return (
    <section aria-labelledby="audit-heading" className="nhsuk-u-margin-bottom-6 ds-audit">
      <h2 className="nhsuk-heading-m" id="audit-heading">
        Audit trail
      </h2>
      <details
        className="nhsuk-details"
        data-testid="audit-trail"
        onToggle={(e) => {
          if (e.currentTarget.open) void load();
        }}
      >
        <summary className="nhsuk-details__summary">
          <span className="nhsuk-details__summary-text">Who has seen or changed this record</span>
        </summary>
        <div className="nhsuk-details__text">
          {trail && "error" in trail && (
            <>
              <ErrorSummary error={trail.error} title="The audit trail could not be shown" />
              <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void load()} disabled={loading}>
                Try again
              </button>
            </>
          )}
          {loading && !entries && (
            <p className="nhsuk-body-s ds-loading" role="status">
              Loading the audit trail…
            </p>
          )}
          {entries && entries.length === 0 && <p className="nhsuk-body">Nothing has been recorded for this family yet.</p>}
          {shown && shown.length > 0 && (
            <>
              <table className="nhsuk-table ds-table-compact" data-testid="audit-table">
                <caption className="nhsuk-table__caption nhsuk-table__caption--s">
                  {entries!.length === 1 ? "1 entry" : `${entries!.length.toLocaleString("en-GB")} entries`}, newest first
                </caption>
                <thead className="nhsuk-table__head">
                  <tr className="nhsuk-table__row">
                    <th scope="col" className="nhsuk-table__header">When</th>
                    <th scope="col" className="nhsuk-table__header">Who</th>
                    <th scope="col" className="nhsuk-table__header">What</th>
                  </tr>
                </thead>
                <tbody className="nhsuk-table__body">
                  {shown.map((a, i) => (
                    <tr className="nhsuk-table__row" key={`${a.at}-${i}`} data-testid="audit-entry">
                      <td className="nhsuk-table__cell" style={{ whiteSpace: "nowrap" }}>
                        {formatAuditTime(a.at)}
                      </td>
                      <td className="nhsuk-table__cell">{a.practitioner}</td>
                      <td className="nhsuk-table__cell">{a.what}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {entries!.length > shown.length && (
                <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setAll(true)}>
                  Show all {entries!.length.toLocaleString("en-GB")} entries
                </button>
              )}
            </>
          )}
        </div>
      </details>
    </section>
  );
}
