// Details of this family with competing values from different laptops,
// side by side: the detail in words, each value with who wrote it, on which
// laptop, when and what they were doing, the one from this laptop marked.
// Resolving happens on the conflicts screen.
import type { ConflictView, JsonValue, Person } from "../../ipc";
import { href } from "../../route";
import { conflictField, writtenOn } from "./conflictWords";
import { formatDateTime } from "./format";

/** A conflicting value in words. */
export function showValue(v: JsonValue): string {
  if (v === null) return "(empty)";
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (typeof v === "string" || typeof v === "number") return String(v);
  return JSON.stringify(v);
}

export function Conflicts({ conflicts, members }: { conflicts: ConflictView[]; members?: Record<string, Person> }) {
  if (conflicts.length === 0) return null;
  return (
    <>
      {conflicts.map((c) => (
        <table className="nhsuk-table" key={c.field} data-testid="family-conflict">
          <caption className="nhsuk-table__caption nhsuk-table__caption--s">{conflictField(c.field, members)}</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">Value</th>
              <th scope="col" className="nhsuk-table__header">Written by</th>
              <th scope="col" className="nhsuk-table__header">When</th>
              <th scope="col" className="nhsuk-table__header">What was done</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {c.values.map((v, i) => (
              <tr className="nhsuk-table__row" key={v.choice} data-testid="family-conflict-value">
                <td className="nhsuk-table__cell">
                  {showValue(v.value)}
                  {i === 0 ? " (shown on the record now)" : ""}
                  {v.this_laptop && <><br /><strong className="nhsuk-tag nhsuk-tag--blue">From this laptop</strong></>}
                </td>
                <td className="nhsuk-table__cell">{v.practitioner ?? "Not known"} {writtenOn(v)}</td>
                <td className="nhsuk-table__cell">{v.at ? formatDateTime(v.at) : "Not known"}</td>
                <td className="nhsuk-table__cell">{v.what ?? "Not known"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <p className="nhsuk-body">
        <a href={href({ screen: "conflicts" })}>Review and resolve conflicts</a>
      </p>
    </>
  );
}
