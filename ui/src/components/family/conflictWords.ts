// Conflicts in words a clinician reads: the field path the core reports
// ("household/phone", "members/<id>/nhs_number") as "Household: phone
// number" or "Ava Okafor: NHS number", and where a value was written
// ("on this laptop", "on Asha's laptop"). Never ids or action codes.
import type { ConflictValueView, Person } from "../../ipc";
import { personName } from "./format";

/** What each part of the record is called, by its key at the top of the record. */
const SECTIONS: Record<string, string> = {
  household: "Household",
  allocation: "Allocation",
  contacts: "Contact",
  measurements: "Measurement",
  responses: "Form",
  flags: "Safeguarding flag or alert",
  consents: "Consent",
  levels: "Level of service",
  addressed: "Follow-up addressed",
};

/** Field keys in words, as the forms label them (lower case: they follow a colon). */
const FIELDS: Record<string, string> = {
  phone: "phone number",
  address_line1: "address line 1",
  address_line2: "address line 2",
  town: "town or city",
  postcode: "postcode",
  main_language: "main language",
  interpreter_needed: "interpreter needed",
  given_name: "given name",
  family_name: "family name",
  date_of_birth: "date of birth",
  expected_delivery_date: "expected date of delivery",
  nhs_number: "NHS number",
  nhs_number_status: "NHS number status",
  ethnic_category: "ethnic category",
  gp_practice: "GP practice code",
  gestation_weeks: "gestation at birth (weeks)",
  gestation_days: "gestation at birth (days)",
  birth_weight_grams: "birth weight",
  antenatal_requested: "antenatal review",
  duration_minutes: "duration",
  declined_reason: "reason declined",
  remote_reason: "reason not face to face",
  feeding_status: "feeding",
  follow_up: "follow-up",
  bmi_not_recorded_reason: "reason BMI not recorded",
  asq3_completed: "ASQ-3 completed",
  accountable_hv: "accountable health visitor",
  entered_in_error: "entered in error",
};

/** An id in a path (a UUID, or a number): not words. */
const isId = (key: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key) || /^\d+$/.test(key);

/** A key in words: the forms' name for it, or the key with underscores as spaces. */
function keyWords(key: string): string {
  return FIELDS[key] ?? key.replace(/[_-]+/g, " ").trim();
}

const capitalise = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

/**
 * A conflict's field path in words: "household/phone" is "Household: phone
 * number"; "members/<id>/nhs_number" is "<the member's name>: NHS number"
 * ("A member" when the name is not known here); "contacts/<id>/note" is
 * "Contact: note"; anything else, its last key in words, capitalised.
 */
export function conflictField(field: string, members?: Record<string, Person> | null): string {
  const keys = field.split("/").map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0) return "A detail";
  const [top, ...rest] = keys;
  const words = rest.filter((k) => !isId(k));
  const last = words.length > 0 ? keyWords(words[words.length - 1]) : "";
  if (top === "members") {
    const id = rest[0];
    const person = id !== undefined ? members?.[id] : undefined;
    const who = person ? personName(person) : "A member";
    return last ? `${who}: ${last}` : who;
  }
  const section = SECTIONS[top];
  if (section) return last ? `${section}: ${last}` : section;
  return capitalise(last || keyWords(top));
}

/** Where a value was written: "on this laptop", "on Asha's laptop", "on another device". */
export function writtenOn(v: Pick<ConflictValueView, "device_name" | "this_laptop">): string {
  return `on ${v.this_laptop ? "this laptop" : v.device_name || "another device"}`;
}
