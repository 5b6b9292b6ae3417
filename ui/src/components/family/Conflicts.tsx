// Fields of this family with competing values from different devices,
// side by side with who wrote each, when and where. Resolving happens on
// the conflicts screen.
import type { ConflictView, JsonValue } from "../../ipc";
import { href } from "../../route";
import { formatDateTime } from "./format";

/** A conflicting value in words. */
export function showValue(v: JsonValue): string {
  if (v === null) return "(empty)";
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (typeof v === "string" || typeof v === "number") return String(v);
  return JSON.stringify(v);
}

/** A field path such as `household/phone` in words. */
export function fieldName(field: string): string {
  return field
    .split("/")
    .filter((p) => !/^[0-9a-f-]{36}$/i.test(p))
    .map((p) => p.replace(/_/g, " "))
    .join(", ");
}

export function Conflicts({ conflicts }: { conflicts: ConflictView[] }) {
  if (conflicts.length === 0) return null;
  return (
    <>
      {conflicts.map((c) => (
        <table className="nhsuk-table" key={c.field} data-testid="family-conflict">
          <caption className="nhsuk-table__caption nhsuk-table__caption--s">{fieldName(c.field)}</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">Value</th>
              <th scope="col" className="nhsuk-table__header">Written by</th>
              <th scope="col" className="nhsuk-table__header">When</th>
              <th scope="col" className="nhsuk-table__header">Device</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {c.values.map((v, i) => (
              <tr className="nhsuk-table__row" key={v.choice}>
                <td className="nhsuk-table__cell">
                  {showValue(v.value)}
                  {i === 0 ? " (shown on the record now)" : ""}
                </td>
                <td className="nhsuk-table__cell">{v.practitioner ?? "Unknown"}</td>
                <td className="nhsuk-table__cell">{v.at_local ?? (v.at ? formatDateTime(v.at) : "Unknown")}</td>
                <td className="nhsuk-table__cell">{v.device ?? "Unknown"}</td>
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
