// Labels and formatting shared by the family screens: code labels (generated
// from the Rust code lists), UK dates (also inside the core's sentences),
// NHS numbers, member names, ages and centile descriptions.
import type { Assessment, Measure, Person } from "../../ipc";
import { formatDate as formatShellDate, ukDatesIn } from "../shell/format";

export { labelOf } from "../shell/format";

// The code lists' labels, generated from the Rust code lists (one copy).
export {
  ATTENDANCE_LABELS,
  CONTACT_KIND_LABELS,
  CP_CATEGORY_LABELS,
  DEPARTURE_LABELS,
  FLAG_LABELS,
  LEVEL_LABELS,
  MECHANISM_LABELS,
  MEMBER_ROLE_LABELS,
  ROLE_LABELS,
  SAFETY_ALERT_LABELS,
  SEX_LABELS,
} from "../../generated/labels";

export const MEASURE_LABELS: Record<Measure, string> = {
  weight: "Weight",
  length: "Length",
  height: "Height",
  "head-circumference": "Head circumference",
  bmi: "BMI",
};

/** YYYY-MM-DD as "3 March 2026" (no time zone involved). */
export function formatDate(iso: string | null | undefined): string {
  return formatShellDate(iso, "long");
}

/** Text from the core with its dates (YYYY-MM-DD) as "3 March 2026". */
export function datesInWords(text: string): string {
  return ukDatesIn(text, "long");
}

/** A UTC instant as UK local date and time, e.g. "3 March 2026, 10:30". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("day")} ${get("month")} ${get("year")}, ${get("hour")}:${get("minute")}`;
}

/** The UK calendar date (YYYY-MM-DD) of a UTC instant. */
export function londonDate(iso: string): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** "9990000018" as "999 000 0018". */
export function formatNhsNumber(n: string | null | undefined): string {
  if (!n) return "";
  const digits = n.replace(/\s/g, "");
  if (!/^\d{10}$/.test(digits)) return n;
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/** "Given Family", or "Unborn baby Family" for an unnamed pregnancy. */
export function personName(p: Person): string {
  if (p.given_name) return `${p.given_name} ${p.family_name}`;
  if (p.role === "unborn") return `Unborn baby ${p.family_name}`;
  return p.family_name;
}

/** Whole days from one YYYY-MM-DD date to another. */
export function daysBetween(from: string, to: string): number {
  const a = Date.UTC(+from.slice(0, 4), +from.slice(5, 7) - 1, +from.slice(8, 10));
  const b = Date.UTC(+to.slice(0, 4), +to.slice(5, 7) - 1, +to.slice(8, 10));
  return Math.round((b - a) / 86_400_000);
}

/** An age in days in words: days to 2 weeks, weeks to 13 weeks, months to 2 years, then years and months. */
export function describeAge(days: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (days < 0) return "before birth";
  if (days < 14) return plural(days, "day");
  if (days < 91) return plural(Math.floor(days / 7), "week");
  const months = Math.floor(days / 30.4375);
  if (months < 24) return plural(months, "month");
  const years = Math.floor(months / 12);
  const rest = months % 12;
  return rest ? `${plural(years, "year")} ${plural(rest, "month")}` : plural(years, "year");
}

/** An SDS with its sign and two decimals, e.g. "−0.95" or "0.02". */
export function formatSds(sds: number): string {
  const s = Math.abs(sds).toFixed(2);
  return sds < 0 && s !== "0.00" ? `−${s}` : s;
}

/** "50th centile (SDS 0.02)", with the corrected-age note when it applies. */
export function describeAssessment(a: Assessment): string {
  const corrected = a.corrected_age_days !== null ? ", corrected for prematurity" : "";
  return `${a.centile_words} (SDS ${formatSds(a.sds)}${corrected})`;
}

/** A number without trailing zeros, at most `digits` decimals. */
export function formatNumber(v: number, digits = 2): string {
  return String(Number(v.toFixed(digits)));
}
