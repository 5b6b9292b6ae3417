// Formatting shared by the shell's screens: dates in the NHS.UK style
// ("14 Nov 2026", also inside the core's sentences), times in UK local
// time, and labels for the codes the core sends (generated from the Rust
// code lists).
import type { Category, SyncPhase } from "../../ipc";
import { CONTACT_KIND_LABELS, FLAG_LABELS, LEVEL_LABELS, ROLE_LABELS } from "../../generated/labels";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A calendar date (YYYY-MM-DD, or the date part of a timestamp) as "14 Nov 2026", or "14 November 2026" with long. */
export function formatDate(iso: string | null | undefined, style: "short" | "long" = "short"): string {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  const month = Number(m[2]) - 1;
  if (month < 0 || month > 11) return iso;
  return `${Number(m[3])} ${(style === "long" ? MONTHS : MONTHS_SHORT)[month]} ${m[1]}`;
}

/**
 * Text from the core with the calendar dates in it (YYYY-MM-DD) written as
 * UK dates: "due by 2026-12-12" as "due by 12 Dec 2026" (or "12 December
 * 2026" with long). Timestamps and anything else are left as they are.
 */
export function ukDatesIn(text: string, style: "short" | "long" = "short"): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}\b(?![T:\d])/g, (iso) => formatDate(iso, style));
}

function londonParts(ts: string): { year: string; month: number; day: string; hour: string; minute: string } | null {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return null;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return { year: get("year"), month: Number(get("month")) - 1, day: String(Number(get("day"))), hour: get("hour"), minute: get("minute") };
}

/** A timestamp's time of day in UK local time, "09:05". */
export function formatTime(ts: string | null | undefined): string {
  if (!ts) return "";
  const p = londonParts(ts);
  return p ? `${p.hour}:${p.minute}` : ts;
}

/** A timestamp in UK local time, "14 Nov 2026 at 09:05". */
export function formatDateTime(ts: string | null | undefined): string {
  if (!ts) return "";
  const p = londonParts(ts);
  return p ? `${p.day} ${MONTHS_SHORT[p.month]} ${p.year} at ${p.hour}:${p.minute}` : ts;
}

/** Today's date in the UK, YYYY-MM-DD. */
export function londonToday(now: Date = new Date()): string {
  const p = londonParts(now.toISOString());
  if (!p) return now.toISOString().slice(0, 10);
  return `${p.year}-${String(p.month + 1).padStart(2, "0")}-${p.day.padStart(2, "0")}`;
}

/** "1 family", "3 families". */
export function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** A percentage with one decimal place, or a dash when there is nothing to divide by. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return "–";
  return `${p.toFixed(1)}%`;
}

/** A byte count, "12.4 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

// The code lists' labels, generated from the Rust code lists (one copy).
export { FLAG_LABELS, LEVEL_LABELS, ROLE_LABELS };

export const CATEGORY_LABELS: Record<Category, string> = {
  overdue: "Overdue",
  "follow-up": "Follow-up needed",
  "due-now": "Due now",
  upcoming: "Coming up",
};

export const PHASE_LABELS: Record<SyncPhase, string> = {
  preparing: "Preparing",
  exchanging: "Exchanging",
  merging: "Merging",
};

/** A label for a code, or the code itself when it is not known. */
export function labelOf<T extends string>(labels: Record<T, string>, code: string | null | undefined): string {
  if (!code) return "";
  return (labels as Record<string, string>)[code] ?? code;
}

export const roleLabel = (code: string | null | undefined) => labelOf(ROLE_LABELS, code);
export const levelLabel = (code: string | null | undefined) => labelOf(LEVEL_LABELS, code);
export const flagLabel = (code: string | null | undefined) => labelOf(FLAG_LABELS, code);
export const kindLabel = (code: string | null | undefined) => labelOf(CONTACT_KIND_LABELS, code);

/** The NHS.UK tag colour for a level of service. */
export function levelTagClass(level: string): string {
  switch (level) {
    case "specialist":
      return "nhsuk-tag nhsuk-tag--red";
    case "targeted":
      return "nhsuk-tag nhsuk-tag--orange";
    case "universal":
      return "nhsuk-tag nhsuk-tag--blue";
    default:
      return "nhsuk-tag nhsuk-tag--grey";
  }
}

/** The NHS.UK tag colour for a flag. */
export function flagTagClass(flag: string): string {
  switch (flag) {
    case "child-protection":
    case "pre-birth-cp":
      return "nhsuk-tag nhsuk-tag--red";
    case "child-in-need":
      return "nhsuk-tag nhsuk-tag--orange";
    case "looked-after":
      return "nhsuk-tag nhsuk-tag--purple";
    case "safety-alert":
      return "nhsuk-tag nhsuk-tag--yellow";
    default:
      return "nhsuk-tag nhsuk-tag--blue";
  }
}

/** The tag colour of a follow-up's urgency: red to act today, orange for a result, blue for a follow-up date. */
export function urgencyTagClass(urgency: "urgent" | "result" | "follow-up"): string {
  return `nhsuk-tag ${urgency === "urgent" ? "nhsuk-tag--red" : urgency === "result" ? "nhsuk-tag--orange" : "nhsuk-tag--blue"}`;
}
