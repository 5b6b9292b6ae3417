// Synthetic fixtures for the family screens' tests: made-up people, a
// made-up address, NHS numbers from the 999 test range.
import type {
  CodeLists,
  Contact,
  FamilyView,
  FormResponse,
  GoalHistory,
  GrowthChart,
  MeasurementPreview,
  Person,
  Review,
} from "../../ipc";

export const FAMILY_ID = "0b6f3c1e-6d4f-4b8a-9a57-3e1f2c4d5a60";
export const MOTHER = "11111111-1111-4111-8111-111111111111";
export const AVA = "22222222-2222-4222-8222-222222222222";
export const TOBI = "33333333-3333-4333-8333-333333333333";
export const UNBORN = "44444444-4444-4444-8444-444444444444";
export const SIGNED_CONTACT = "55555555-5555-4555-8555-555555555555";
export const DRAFT_CONTACT = "66666666-6666-4666-8666-666666666666";
export const PARTNERSHIP = "77777777-7777-4777-8777-777777777777";
export const CP_FLAG = "88888888-8888-4888-8888-888888888888";
export const DOG_FLAG = "99999999-9999-4999-8999-999999999999";

const stamp = (at: string) => ({ by: "Sam Rivers", at });

function person(p: Partial<Person> & Pick<Person, "role" | "family_name">): Person {
  return { added: stamp("2025-11-20T10:00:00Z"), ...p };
}

export function contact(c: Partial<Contact> & Pick<Contact, "kind" | "at" | "date">): Contact {
  return {
    subjects: {},
    location: "A01",
    mechanism: "01",
    attendance: "attended",
    practitioner: "Sam Rivers",
    role: "health-visitor",
    topics: {},
    status: "draft",
    recorded: stamp(c.at),
    addenda: {},
    ...c,
  };
}

export function familyView(): FamilyView {
  const partnership: FormResponse = {
    form: { id: "family-partnership", version: "1", hash: "6fcda5b1feb85df0490af058fc13b5ad" },
    subject: MOTHER,
    answers: { "family-strengths": { valueString: "Close, supportive grandparents" } },
    status: "completed",
    started: stamp("2026-01-12T09:00:00Z"),
    completed: stamp("2026-01-12T10:00:00Z"),
    scores: {},
  };
  return {
    level: "specialist",
    active_flags: [CP_FLAG, DOG_FLAG],
    children_under5: 2,
    // What the core gives: each child's second birthday.
    standing_from: { [AVA]: "2027-11-10", [TOBI]: "2025-05-02", [MOTHER]: "1996-04-02" },
    today: "2026-11-20",
    merged: [],
    family: {
      schema: 1,
      id: FAMILY_ID,
      addressed: {},
      created: stamp("2025-11-20T10:00:00Z"),
      household: {
        address_line1: "12 Example Row",
        town: "Testbury",
        postcode: "ZZ99 3AB",
        phone: "01632960001",
        main_language: "Yoruba",
        interpreter_needed: true,
      },
      allocation: { practitioner: "Sam Rivers", team: "Testbury North" },
      members: {
        [MOTHER]: person({ role: "parent", given_name: "Grace", family_name: "Okafor", date_of_birth: "1994-04-02", sex: "2", nhs_number: "9990000026" }),
        [AVA]: person({ role: "child", given_name: "Ava", family_name: "Okafor", date_of_birth: "2025-11-10", sex: "2", nhs_number: "9990000018", gestation_weeks: 35, gestation_days: 2, birth_weight_grams: 2480 }),
        [TOBI]: person({ role: "child", given_name: "Tobi", family_name: "Okafor", date_of_birth: "2023-05-02", sex: "1", nhs_number: "9990000034" }),
        [UNBORN]: person({ role: "unborn", family_name: "Okafor", expected_delivery_date: "2026-09-14" }),
      },
      levels: {
        "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa": {
          level: "specialist",
          effective: "2026-01-05",
          reason: "Child protection plan",
          recorded: stamp("2026-01-05T12:00:00Z"),
        },
      },
      flags: {
        [CP_FLAG]: {
          kind: "child-protection",
          cp_category: "neglect",
          person_id: AVA,
          start: "2026-01-05",
          lead_agency: "Testbury children's social care",
          recorded: stamp("2026-01-05T12:00:00Z"),
        },
        [DOG_FLAG]: {
          kind: "safety-alert",
          alert: "dog-in-house",
          start: "2025-12-01",
          note: "Large dog; ask for it to be shut away before entering",
          recorded: stamp("2025-12-01T12:00:00Z"),
        },
      },
      consents: {},
      contacts: {
        [SIGNED_CONTACT]: contact({
          kind: "new-birth",
          at: "2025-11-21T10:30:00Z",
          date: "2025-11-21",
          subjects: { [AVA]: true },
          duration_minutes: 60,
          present: "mother, baby",
          topics: { "hia-2": true },
          note: "Feeding well; cord healed.",
          status: "signed",
          signed: stamp("2025-11-21T12:00:00Z"),
          addenda: {
            "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb": { by: "Sam Rivers", at: "2025-11-22T09:00:00Z", text: "Weight was taken on the clinic scales." },
          },
        }),
        [DRAFT_CONTACT]: contact({
          kind: "targeted-visit",
          at: "2026-02-03T14:00:00Z",
          date: "2026-02-03",
          subjects: { [AVA]: true },
          attendance: "no-access",
        }),
      },
      measurements: {
        "cccccccc-cccc-4ccc-8ccc-cccccccccccc": {
          contact_id: SIGNED_CONTACT,
          person_id: AVA,
          measure: "weight",
          value: 3.4,
          measured_on: "2025-11-21",
          recorded: stamp("2025-11-21T10:45:00Z"),
        },
      },
      responses: { [PARTNERSHIP]: partnership },
    },
  };
}

export function reviews(): Review[] {
  return [
    { kind: "new-birth", person_id: AVA, family_id: FAMILY_ID, opens: "2025-11-20", due: "2025-11-24", late: null, expires: "2026-01-10", corrected: false, state: { state: "done", date: "2025-11-21", contact_id: SIGNED_CONTACT } },
    { kind: "6-8-week", person_id: AVA, family_id: FAMILY_ID, opens: "2025-12-22", due: "2026-01-05", late: null, expires: "2026-03-01", corrected: false, state: { state: "open", last_attempt: ["2026-02-03", "no-access"], remote: null } },
  ];
}

export function goalHistory(): GoalHistory[] {
  return [
    {
      text: "Ava sleeps in her own cot every night",
      actions: "Cot scheme referral; bedtime routine",
      ratings: [
        ["2026-01-12", 3, PARTNERSHIP],
        ["2026-03-02", 7, "dddddddd-dddd-4ddd-8ddd-dddddddddddd"],
      ],
      review_date: "2026-05-04",
    },
  ];
}

const CENTILES: [string, number][] = [
  ["0.4th", -2.67], ["2nd", -2], ["9th", -1.33], ["25th", -0.67], ["50th", 0], ["75th", 0.67], ["91st", 1.33], ["98th", 2], ["99.6th", 2.67],
];

export function weightChart(personId = AVA): GrowthChart {
  return {
    person_id: personId,
    measure: "weight",
    unit: "kg",
    title: "Weight-for-age (UK-WHO)",
    from_days: 0,
    to_days: 91,
    lines: CENTILES.map(([centile, sds]) => ({
      centile,
      sds,
      segments: [
        [0, 13].map((d) => [d, 3.2 + sds * 0.45 + d * 0.03] as [number, number]),
        [14, 28, 42, 56, 70, 84, 91].map((d) => [d, 3.2 + sds * 0.45 + d * 0.03] as [number, number]),
      ],
    })),
    points: [
      { measurement_id: "e1", measured_on: "2025-11-21", age_days: 11, corrected: false, value: 3.4, centile: 48, centile_words: "50th centile", sds: -0.05, reference: "uk90-preterm" },
      { measurement_id: "e2", measured_on: "2026-01-02", age_days: 53, corrected: false, value: 4.9, centile: 36, centile_words: "between the 25th and 50th centiles", sds: -0.35, reference: "who2006" },
    ],
    unavailable: null,
  };
}

export function codeListsFixture(): CodeLists {
  const o = (code: string, label: string) => ({ code, label });
  return {
    contact_kinds: [o("antenatal", "Antenatal review"), o("new-birth", "New birth visit"), o("6-8-week", "6–8 week review"), o("12-month", "12-month review"), o("2-year", "2–2½ year review"), o("targeted-visit", "Targeted visit"), o("phone-advice", "Phone advice")],
    attendance: [o("attended", "Attended"), o("late-seen", "Arrived late and seen"), o("did-not-attend", "Did not attend"), o("no-access", "No access"), o("declined", "Declined")],
    seen_attendances: ["attended", "late-seen"],
    locations: [o("A01", "Patient's home"), o("B01", "Primary care health centre"), o("K01", "Sure Start Children's Centre")],
    mechanisms: [o("01", "Face to face"), o("02", "Telephone"), o("11", "Video consultation")],
    feeding_statuses: [o("totally-breastfed", "Totally breastfed"), o("partially-breastfed", "Partially breastfed"), o("not-breastfed", "Not breastfed")],
    roles: [o("health-visitor", "Health visitor"), o("community-public-health-nurse", "Community public health nurse"), o("nursery-nurse", "Nursery nurse")],
    topics: [o("hia-1", "Transition to parenthood"), o("hia-2", "Maternal mental health"), o("hia-3", "Breastfeeding"), o("hia-4", "Healthy weight"), o("hia-5", "Minor illness and accidents"), o("hia-6", "Healthy 2 year olds")],
    levels: [o("community", "Community"), o("universal", "Universal"), o("targeted", "Targeted"), o("specialist", "Specialist")],
    flags: [o("child-protection", "Child protection plan")],
    sexes: [o("1", "Male"), o("2", "Female")],
    ethnic_categories: [],
    member_roles: [o("parent", "Parent or carer"), o("child", "Child"), o("unborn", "Unborn baby")],
  };
}

export function preview(field: string, over: Partial<MeasurementPreview> = {}): MeasurementPreview {
  return {
    field,
    measure: field === "weight_kg" ? "weight" : field === "head_cm" ? "head-circumference" : field === "height_cm" ? "height" : "length",
    value: null,
    problem: null,
    warning: null,
    assessment: null,
    no_assessment: null,
    ...over,
  };
}

export const APP_STATE = {
  profile: { exists: true, erased: null, practitioner: "Sam Rivers", role: "health-visitor", team: "Testbury North" },
  unlocked: true,
  idle_lock_minutes: 10,
  clock: { now: "2026-11-20T10:30:00Z", today: "2026-11-20", time: "10:30" },
};
