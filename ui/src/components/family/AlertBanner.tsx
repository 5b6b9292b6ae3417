// The family's alerts in an NHS.UK warning callout (a region with a
// heading, not role="alert": it is there every time the record opens):
// child protection, child in need, looked after and pre-birth CP flags in
// force today, and safety / lone-worker alerts for visiting staff.
import type { Family, Flag } from "../../ipc";
import {
  CP_CATEGORY_LABELS,
  FLAG_LABELS,
  formatDate,
  labelOf,
  personName,
  SAFETY_ALERT_LABELS,
} from "./format";

/** Flags the banner shows: safeguarding statuses and safety alerts (early help is shown with the level of service). */
const BANNER_KINDS = new Set(["child-protection", "child-in-need", "looked-after", "pre-birth-cp", "safety-alert"]);

/** The active flags the banner shows, safeguarding first, then safety alerts, oldest first within each. */
export function bannerFlags(family: Family, activeFlags: string[]): [string, Flag][] {
  return activeFlags
    .map((id) => [id, family.flags[id]] as [string, Flag | undefined])
    .filter((e): e is [string, Flag] => !!e[1] && !e[1].entered_in_error && BANNER_KINDS.has(e[1].kind))
    .sort(([, a], [, b]) => {
      const sa = a.kind === "safety-alert" ? 1 : 0;
      const sb = b.kind === "safety-alert" ? 1 : 0;
      return sa - sb || a.start.localeCompare(b.start);
    });
}

function describe(flag: Flag, family: Family): string {
  const person = flag.person_id ? family.members[flag.person_id] : undefined;
  const who = person ? personName(person) : "Whole household";
  if (flag.kind === "safety-alert") {
    return `${labelOf(SAFETY_ALERT_LABELS, flag.alert ?? "other")}`;
  }
  const cat = flag.cp_category ? ` (${labelOf(CP_CATEGORY_LABELS, flag.cp_category)})` : "";
  return `${labelOf(FLAG_LABELS, flag.kind)}${cat}: ${who}`;
}

export function AlertBanner({ family, activeFlags }: { family: Family; activeFlags: string[] }) {
  const flags = bannerFlags(family, activeFlags);
  if (flags.length === 0) return null;
  const safeguarding = flags.filter(([, f]) => f.kind !== "safety-alert");
  const safety = flags.filter(([, f]) => f.kind === "safety-alert");
  const heading =
    safeguarding.length === 0 ? "Safety alerts" : safety.length === 0 ? "Safeguarding alerts" : "Safeguarding and safety alerts";
  return (
    <section className="nhsuk-card nhsuk-card--warning" aria-labelledby="family-alerts-heading" data-testid="alert-banner">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading" id="family-alerts-heading">
          <span className="nhsuk-u-visually-hidden">Important: </span>
          {heading}
        </h2>
        <ul className="nhsuk-list nhsuk-list--bullet">
          {safeguarding.map(([id, f]) => (
            <li key={id}>
              <strong>{describe(f, family)}</strong>, since {formatDate(f.start)}
              {f.lead_agency ? `. Lead agency: ${f.lead_agency}` : ""}
              {f.note ? `. ${f.note}` : ""}
            </li>
          ))}
          {safety.map(([id, f]) => (
            <li key={id}>
              <strong>Safety alert: {describe(f, family)}</strong>
              {f.person_id && family.members[f.person_id] ? ` (${personName(family.members[f.person_id])})` : ""}
              {f.note ? `. ${f.note}` : ""}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
