// Synthetic data for the shell's component tests: made-up people, NHS
// numbers from the 999 test range, fictitious addresses. Not used by the app.
import type {
  AppState, CaseloadSummary, ConflictView, FamilyPage, IpcError, KpiReport, SyncReport, SyncStatus, WorkItem,
} from "../../ipc";

/** The core's clock in the tests: 20 November 2026, 10:30 in England. */
export const CLOCK: AppState["clock"] = { now: "2026-11-20T10:30:00Z", today: "2026-11-20", time: "10:30" };

export const unlockedState: AppState = {
  profile: { exists: true, erased: null, practitioner: "Jo Bloggs", role: "health-visitor", team: "Foleshill 0-19" },
  unlocked: true,
  idle_lock_minutes: 15,
  clock: CLOCK,
};

export const lockedState: AppState = { ...unlockedState, unlocked: false };

export const noProfileState: AppState = {
  profile: { exists: false, erased: null, practitioner: null, role: null, team: null },
  unlocked: false,
  idle_lock_minutes: 15,
  clock: CLOCK,
};

export function ipcError(code: IpcError["code"], message: string, problems: IpcError["problems"] = [], warning: string | null = null): IpcError {
  return { code, message, problems, warning };
}

export const lockedError = ipcError("locked", "Doorstep is locked: unlock it with your passphrase to go on. Nothing you saved was lost.");

export const workItems: WorkItem[] = [
  {
    category: "overdue", kind: "6-8-week", person_id: "p-1", family_id: "fam-1", name: "Amelia Okafor",
    practitioner: "Jo Bloggs", opens: "2026-09-20", due: "2026-10-05", days_late: 12, reason: "6–8 week review not done by 5 Oct 2026",
  },
  {
    category: "follow-up", kind: "new-birth", person_id: "p-2", family_id: "fam-2", name: "Noah Kowalski",
    practitioner: "Jo Bloggs", opens: "2026-10-10", due: "2026-10-24", days_late: 0, reason: "No access on 14 Oct 2026: arrange another visit",
  },
  {
    category: "due-now", kind: "12-month", person_id: "p-3", family_id: "fam-3", name: "Isla Mensah",
    practitioner: "Jo Bloggs", opens: "2026-10-01", due: "2026-11-14", days_late: 0, reason: "12-month review for Isla Mensah due by 2026-11-14 (6 days left)",
  },
  {
    category: "upcoming", kind: "2-year", person_id: "p-4", family_id: "fam-1", name: "Leo Okafor",
    practitioner: "Jo Bloggs", opens: "2026-11-01", due: "2027-01-30", days_late: 0, reason: "2–2½ year review for Leo Okafor from 2026-11-01 (due by 2027-01-30)",
  },
];

export const familyPage: FamilyPage = {
  total: 60,
  page: 1,
  per_page: 25,
  families: [
    {
      id: "fam-1", name: "Okafor", address_line1: "12 Foleshill Road", postcode: "CV1 4AA", level: "targeted",
      practitioner: "Jo Bloggs", members: 4, children_under5: 2, flags: ["child-in-need"], interpreter_needed: false, entered_in_error: false, matched: null,
      children: [
        { name: "Amelia Okafor", date_of_birth: "2026-08-10", due: null },
        { name: "Unborn baby Okafor", date_of_birth: null, due: "2027-03-01" },
      ],
    },
    {
      id: "fam-2", name: "Kowalski", address_line1: "3 Stoney Stanton Road", postcode: "CV1 5BB", level: "universal",
      practitioner: "Jo Bloggs", members: 3, children_under5: 1, flags: [], interpreter_needed: true, entered_in_error: false, matched: null,
      children: [],
    },
    {
      id: "fam-3", name: "Mensah", address_line1: "48 Harnall Lane East", postcode: "CV1 5CC", level: "specialist",
      practitioner: "Jo Bloggs", members: 5, children_under5: 3, flags: ["child-protection", "safety-alert"], interpreter_needed: false, entered_in_error: false, matched: null,
      children: [],
    },
  ],
};

export const summary: CaseloadSummary = {
  families: 60,
  children_under5: 82,
  by_level: [
    { level: "community", families: 2, children_under5: 2 },
    { level: "universal", families: 52, children_under5: 70 },
    { level: "targeted", families: 4, children_under5: 6 },
    { level: "specialist", families: 2, children_under5: 4 },
  ],
  by_flag: [
    { flag: "child-protection", families: 1, children_under5: 2 },
    { flag: "child-in-need", families: 2, children_under5: 3 },
    { flag: "looked-after", families: 0, children_under5: 0 },
    { flag: "early-help", families: 3, children_under5: 4 },
    { flag: "pre-birth-cp", families: 0, children_under5: 0 },
    { flag: "safety-alert", families: 1, children_under5: 1 },
  ],
  weighted: 71.5,
  limit: 300,
  warnings: [],
};

export const overSummary: CaseloadSummary = {
  ...summary,
  weighted: 412,
  limit: 300,
  warnings: ["The weighted caseload (412) is over the limit (300)."],
};

export const syncStatusEnrolled: SyncStatus = {
  enrolled: true,
  device_id: "dev-7",
  server: "https://doorstep.example.nhs.uk",
  device_name: "Foleshill laptop 3",
  practitioner: { id: "pr-1", name: "Jo Bloggs", role: "health-visitor" },
  team: { id: "t-1", name: "Foleshill 0-19" },
  last_success_at: "2026-11-14T09:30:00Z",
  last_attempt_at: "2026-11-14T09:30:00Z",
  last_error: null,
  audit_refused: null,
  cursor: { epoch: "e1", seq: 1200 },
  pending: [{ family_id: "fam-2", name: "Kowalski" }],
  awaiting_eviction: [{ family_id: "fam-9", name: "Popescu" }],
  rejections: [{ family_id: "fam-3", name: "Mensah", reason: "The family is no longer allocated to your team", at: "2026-11-13T16:05:00Z" }],
  conflicts: 2,
};

export const syncStatusNotEnrolled: SyncStatus = {
  enrolled: false, device_id: null, server: null, device_name: null, practitioner: null, team: null,
  last_success_at: null, last_attempt_at: null, last_error: null, audit_refused: null, cursor: null,
  pending: [], awaiting_eviction: [], rejections: [], conflicts: 0,
};

export const syncReport: SyncReport = {
  round_trips: 2, sent: 3, uploaded: 1, received: 5, downloaded: 2, merged: 4, evicted: 1, rejected: 0,
  conflicts: 2, pending: 0, bytes_up: 20480, bytes_down: 153600, full_compare: false, revoked: false, audit_refused: null, audit_bytes_up: 0, audit_rows_sent: 0, complete: true,
};

export const conflictList: ConflictView[] = [
  {
    number: 1,
    family_id: "fam-1",
    family_name: "Okafor",
    field: "household/phone",
    values: [
      {
        choice: 1, value: "07700 900123", practitioner: "Jo Bloggs", device: "d1a2b3c4-0000-4000-8000-000000000007",
        device_name: "this laptop", this_laptop: true, what: "Changed household details",
        at: "2026-07-01T09:30:00Z", at_local: "2026-07-01 10:30 BST", action: "family.update",
      },
      {
        choice: 2, value: "07700 900456", practitioner: "Sam Patel", device: "d1a2b3c4-0000-4000-8000-000000000001",
        device_name: "Asha's laptop", this_laptop: false, what: "Changed household details",
        at: "2026-07-01T11:05:00Z", at_local: "2026-07-01 12:05 BST", action: "family.update",
      },
    ],
  },
  {
    number: 2,
    family_id: "fam-3",
    family_name: "Mensah",
    field: "members/2/given_name",
    values: [
      {
        choice: 1, value: "Isla", practitioner: "Jo Bloggs", device: "d1a2b3c4-0000-4000-8000-000000000007",
        device_name: "this laptop", this_laptop: true, what: "Changed a person's details",
        at: "2026-12-01T10:00:00Z", at_local: "2026-12-01 10:00 GMT", action: "person.update",
      },
      {
        choice: 2, value: "Isela", practitioner: null, device: null, device_name: "another device", this_laptop: false, what: null,
        at: null, at_local: null, action: null,
      },
    ],
  },
];

export const kpi: KpiReport = {
  quarter: { year: 2026, q: 2 },
  metrics: [
    { code: "C2", title: "New birth visits within 14 days", ratio: { numerator: 18, denominator: 20, percent: 90 }, definition: "Babies who turned 30 days in the quarter who had a new birth visit by 14 days.", count_only: false },
    { code: "C8i", title: "6–8 week reviews by 8 weeks", ratio: { numerator: 15, denominator: 19, percent: 78.94736842105263 }, definition: "Babies who turned 8 weeks in the quarter who had a 6–8 week review by 8 weeks.", count_only: false },
    { code: "C5", title: "12-month reviews by 12 months", ratio: { numerator: 0, denominator: 0, percent: null }, definition: "Children who turned 12 months in the quarter who had the review by 12 months.", count_only: false },
    { code: "ETH", title: "Ethnic category recorded", ratio: { numerator: 70, denominator: 82, percent: 85.36585365853658 }, definition: "Children under five with an ethnic category stated.", count_only: false },
  ],
  delivery: [
    {
      review: "new-birth",
      delivered: 18,
      by: [["health-visitor", 17], ["staff-nurse", 1], ["nursery-nurse", 0], ["other-unregistered", 0]],
      at: [["home", 18], ["clinic", 0], ["gp-surgery", 0], ["family-hub", 0], ["other-venue", 0]],
      how: [["face-to-face", 16], ["video", 2], ["telephone", 0], ["letter-or-email", 0], ["other", 0]],
    },
  ],
  targets: [
    {
      target: { review: "antenatal", by: "health-visitor", at: "home", how: null, percent: 98 },
      ratio: { numerator: 9, denominator: 10, percent: 90 },
      met: false,
    },
  ],
  dna: [
    { review: "new-birth", booked: 20, did_not_attend: 1, percent: 5 },
    { review: "12-month", booked: 0, did_not_attend: 0, percent: null },
  ],
};
