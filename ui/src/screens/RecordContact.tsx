// Record a contact, or change a draft one: what kind, with whom, when,
// where and how, the outcome, topics and a note, and measurements per child
// with centiles as they are typed. "Save draft" records it (the core
// validates everything and names each problem's field, and a problem goes
// as soon as its field is changed); "Sign" then freezes it. The family's
// open results and follow-ups are listed to tick the ones this contact
// addresses. Nothing typed is lost: what is typed is kept in
// the encrypted store as it is typed (a lock, an idle lock, a crash or a
// restart brings it back), a refusal keeps it, and leaving with unsaved
// edits asks first. The form is the one Ctrl+S saves (data-shortcut="save").
import { useEffect, useRef, useState, type ReactNode } from "react";
import {
  addMeasurements,
  appState,
  codeLists,
  discardDraft,
  draft as keptDraft,
  editContact,
  familyFollowUps,
  problemFor,
  recordContact,
  saveDraft,
  showFamily,
  signContact,
  type CodeLists,
  type Family,
  type FamilyView,
  type FollowUpItem,
  type IpcError,
  type NewContact,
  type NewMeasurements,
  type Person,
  type Written,
  type ClockReading,
  type Contact,
} from "../ipc";
import { failure } from "../components/family/failure";
import { href, setLeaveGuard } from "../route";
import { ErrorSummary } from "../components/ErrorSummary";
import { clearProblemOnChange } from "../components/fieldProblems";
import { Checkboxes, DateInput, Radios, Select, TextArea, TextInput, type Option } from "../components/fields";
import {
  ChildMeasurements,
  measurementField,
  NO_MEASUREMENTS,
  type MeasureField,
  type TypedMeasurements,
} from "../components/family/ChildMeasurements";
import { formatDate, personName, ROLE_LABELS } from "../components/family/format";
import { urgencyTagClass } from "../components/shell/format";
import { URGENCY_LABELS } from "../generated/labels";

type Fields = {
  kind: string;
  subjects: string[];
  date: string;
  time: string;
  duration_minutes: string;
  location: string;
  mechanism: string;
  attendance: string;
  declined_reason: string;
  present: string;
  role: string;
  accountable_hv: string;
  topics: string[];
  note: string;
  remote_reason: string;
  feeding_status: string;
  follow_up_on: string;
  follow_up_reason: string;
  safeguarding_concern: string;
  /** Keys of the open follow-ups this contact addresses. */
  addresses: string[];
  bmi_not_recorded_reason: string;
};

/** A new contact's fields: dated now by the core's clock (England), not the screen's. */
function initialFields(clock: ClockReading | null): Fields {
  return {
    kind: "",
    subjects: [],
    date: clock?.today ?? "",
    time: clock?.time ?? "",
    duration_minutes: "",
    location: "A01",
    mechanism: "01",
    attendance: "",
    declined_reason: "",
    present: "",
    role: "health-visitor",
    accountable_hv: "",
    topics: [],
    note: "",
    remote_reason: "",
    feeding_status: "",
    follow_up_on: "",
    follow_up_reason: "",
    safeguarding_concern: "",
    addresses: [],
    bmi_not_recorded_reason: "",
  };
}


const text = (v: string) => (v.trim() === "" ? null : v.trim());

/** The date and time as typed, in England's time, for the core to read ("2026-03-14 10:30"). */
export function startTime(date: string, time: string): string {
  return `${date.trim()} ${time.trim()}`;
}

/** The parts of a UTC instant on a clock in England, whatever the laptop's locale or zone. */
function londonParts(at: string): Record<string, string> {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(at));
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

/** The time of day in England of a UTC instant, as HH:MM. */
function londonTime(at: string): string {
  const p = londonParts(at);
  return `${p.hour}:${p.minute}`;
}

/** The date in England of a UTC instant, as YYYY-MM-DD. */
function londonDate(at: string): string {
  const p = londonParts(at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A draft contact's fields, to change it. */
export function fieldsOf(c: Contact): Fields {
  const on = (set: Record<string, boolean | undefined>) => Object.keys(set).filter((k) => set[k]);
  return {
    kind: c.kind,
    subjects: on(c.subjects),
    date: londonDate(c.at),
    time: londonTime(c.at),
    duration_minutes: c.duration_minutes != null ? String(c.duration_minutes) : "",
    location: c.location,
    mechanism: c.mechanism,
    attendance: c.attendance,
    declined_reason: c.declined_reason ?? "",
    present: c.present ?? "",
    role: c.role,
    accountable_hv: c.accountable_hv ?? "",
    topics: on(c.topics),
    note: c.note ?? "",
    remote_reason: c.remote_reason ?? "",
    feeding_status: c.feeding_status ?? "",
    follow_up_on: c.follow_up?.due ?? "",
    follow_up_reason: c.follow_up?.reason ?? "",
    safeguarding_concern: c.safeguarding_concern ?? "",
    addresses: on(c.addresses ?? {}),
    bmi_not_recorded_reason: c.bmi_not_recorded_reason ?? "",
  };
}

/** What is kept of the screen while it is typed (the encrypted store's draft body). */
type Kept = { f: Fields; typed: Record<string, TypedMeasurements>; whenChanged: boolean };

/** Feeding status is recorded at the new birth visit and the 6–8 week review. */
const feedingAsked = (kind: string) => kind === "new-birth" || kind === "6-8-week";

/** The five mandated reviews: one not seen face to face needs a reason or a face-to-face follow-up. */
const REVIEWS = ["antenatal", "new-birth", "6-8-week", "12-month", "2-year"];

/** The contact as the core takes it: fields that do not apply are left out. */
export function toNewContact(f: Fields, atLocal: string | null): NewContact {
  const twoYear = f.kind === "2-year";
  return {
    kind: f.kind,
    subjects: f.subjects,
    at: null,
    at_local: atLocal,
    duration_minutes: text(f.duration_minutes),
    location: f.location,
    mechanism: f.mechanism,
    attendance: f.attendance,
    declined_reason: f.attendance === "declined" ? text(f.declined_reason) : null,
    present: text(f.present),
    role: f.role,
    accountable_hv: f.role !== "health-visitor" ? text(f.accountable_hv) : null,
    topics: f.topics,
    note: f.note.trim() === "" ? null : f.note,
    remote_reason: f.mechanism !== "01" ? text(f.remote_reason) : null,
    feeding_status: feedingAsked(f.kind) ? text(f.feeding_status) : null,
    follow_up_on: text(f.follow_up_on),
    follow_up_reason: text(f.follow_up_reason),
    safeguarding_concern: text(f.safeguarding_concern),
    addresses: f.addresses,
    bmi_not_recorded_reason: twoYear ? text(f.bmi_not_recorded_reason) : null,
  };
}

/**
 * An item this contact addresses that is no longer open (the family's open
 * list leaves out what a contact addresses), described from the record as
 * the core describes it.
 */
function addressedItem(family: Family, key: string): FollowUpItem {
  const item: FollowUpItem = {
    key, family_id: family.id, person_id: null, urgency: "follow-up", text: "A result or follow-up that is no longer open", since: "", due: "",
  };
  const [source, id, code] = key.split(":");
  if (source === "response" && id && code) {
    const r = family.responses[id];
    const s = Object.values(r?.scores ?? {}).find((x) => x.code === code);
    if (!r || !s) return item;
    const on = r.completed ? londonDate(r.completed.at) : "";
    const urgent = (s.flags ?? []).includes("urgent");
    return {
      ...item, person_id: r.subject ?? null, urgency: urgent ? "urgent" : "result",
      text: `${s.label} ${s.value}: ${s.interpretation ?? "act on this result"}`, since: on, due: on,
    };
  }
  const c = source === "contact" && id ? family.contacts[id] : undefined;
  if (!c) return item;
  if (code === "safeguarding") {
    const concern = c.safeguarding_concern ? `: ${c.safeguarding_concern}` : ` recorded on ${formatDate(c.date)}`;
    return { ...item, urgency: "urgent", text: `Safeguarding concern${concern}`, since: c.date, due: c.date };
  }
  return c.follow_up ? { ...item, text: c.follow_up.reason, since: c.date, due: c.follow_up.due } : item;
}

/**
 * The items a contact can address: the family's open ones (less the
 * follow-ups this contact sets itself), then those it already addresses
 * or has ticked that are not open any more, so they show ticked.
 */
export function addressable(open: FollowUpItem[], family: Family, contactId: string | undefined, ticked: string[]): FollowUpItem[] {
  const own = (key: string) => contactId !== undefined && (key === `contact:${contactId}` || key.startsWith(`contact:${contactId}:`));
  const listed = open.filter((i) => !own(i.key));
  const stored = contactId ? family.contacts[contactId]?.addresses ?? {} : {};
  const already = Object.keys(stored).filter((k) => stored[k]);
  for (const key of [...already, ...ticked]) {
    if (!listed.some((i) => i.key === key)) listed.push(addressedItem(family, key));
  }
  return listed;
}

function addressOption(i: FollowUpItem): { value: string; label: ReactNode } {
  return {
    value: i.key,
    label: (
      <>
        <strong className={urgencyTagClass(i.urgency)}>{URGENCY_LABELS[i.urgency]}</strong> {i.text}
        {i.due && <> (due {formatDate(i.due)})</>}
      </>
    ),
  };
}

function toNewMeasurements(personId: string, m: TypedMeasurements, standing: boolean): NewMeasurements | null {
  const out: NewMeasurements = {
    person_id: personId,
    weight_kg: text(m.weight_kg),
    length_cm: standing ? null : text(m.length_cm),
    height_cm: standing ? text(m.height_cm) : null,
    head_cm: text(m.head_cm),
    confirm_implausible: text(m.confirm_implausible),
  };
  return out.weight_kg || out.length_cm || out.height_cm || out.head_cm ? out : null;
}

/**
 * The problems a change to `field` also answers: the time is part of the
 * date and time ("at"), the children concerned are the core's "subjects" as
 * well as "child", and a child's measurement answers "no measurement given"
 * (for that child, or for the contact).
 */
export function alsoClears(field: string): string[] {
  if (field === "at_time") return ["at"];
  if (field === "child") return ["subjects"];
  const child = /^children\/([^/]+)\//.exec(field);
  return child ? [`children/${child[1]}/measurements`, "measurements"] : [];
}

function invalid(field: string, problem: string, message: string): IpcError {
  return { code: "invalid", message, problems: [{ field, problem }], warning: null };
}

function memberOption([id, p]: [string, Person]): Option {
  const when =
    p.role === "unborn"
      ? p.expected_delivery_date
        ? `unborn, due ${formatDate(p.expected_delivery_date)}`
        : "unborn"
      : p.date_of_birth
        ? `born ${formatDate(p.date_of_birth)}`
        : "child";
  return { value: id, label: `${personName(p)} (${when})` };
}

export function RecordContact({ familyId, contactId }: { familyId: string; contactId?: string }) {
  const draftKey = contactId ? `contact-edit:${contactId}` : `contact:${familyId}`;
  const [view, setView] = useState<FamilyView | null>(null);
  const [lists, setLists] = useState<CodeLists | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [f, setF] = useState<Fields>(() => initialFields(null));
  const [openItems, setOpenItems] = useState<FollowUpItem[]>([]);
  const [typed, setTyped] = useState<Record<string, TypedMeasurements>>({});
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<Written | null>(null);
  const [addingMore, setAddingMore] = useState(false);
  const [addedNote, setAddedNote] = useState("");
  const [savedMeasurements, setSavedMeasurements] = useState<string[]>([]);
  // Until the date or time is changed, the core records the contact at its own "now".
  const [whenChanged, setWhenChanged] = useState(false);
  const [signed, setSigned] = useState(false);
  const savedRef = useRef<HTMLDivElement>(null);
  const signedRef = useRef<HTMLHeadingElement>(null);
  // Typed since the last save: kept as a draft, and leaving asks first.
  const [dirty, setDirty] = useState(false);
  const [restoredAt, setRestoredAt] = useState<string | null>(null);
  const [leavingTo, setLeavingTo] = useState<string | null>(null);
  const [keptError, setKeptError] = useState(false);
  const leaveRef = useRef<HTMLDivElement>(null);

  // Brings back what was typed here before a lock, a crash or a restart.
  useEffect(() => {
    let live = true;
    keptDraft(draftKey)
      .then((d) => {
        if (!live || !d) return;
        const kept = JSON.parse(d.body) as Kept;
        // A draft kept before a field was added has it empty.
        setF({ ...initialFields(null), ...kept.f });
        setTyped(kept.typed ?? {});
        setWhenChanged(!!kept.whenChanged);
        setRestoredAt(d.updated_at);
        setDirty(true);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [draftKey]);

  // Keeps what is typed in the encrypted store, a moment after each change.
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => {
      const body: Kept = { f, typed, whenChanged };
      saveDraft(draftKey, familyId, contactId ? "contact-edit" : "contact", JSON.stringify(body))
        .then(() => setKeptError(false))
        .catch(() => setKeptError(true));
    }, 400);
    return () => clearTimeout(timer);
  }, [dirty, f, typed, whenChanged, draftKey, familyId, contactId]);

  // Leaving with unsaved edits asks first.
  useEffect(() => {
    if (!dirty) return;
    setLeaveGuard((to) => {
      setLeavingTo(to);
      return false;
    });
    return () => setLeaveGuard(null);
  }, [dirty]);
  useEffect(() => {
    if (leavingTo) leaveRef.current?.focus();
  }, [leavingTo]);

  function leave(discard: boolean) {
    const to = leavingTo ?? "#/";
    setLeaveGuard(null);
    setDirty(false);
    setLeavingTo(null);
    const go = () => {
      window.location.hash = to;
    };
    if (discard) void discardDraft(draftKey).catch(() => undefined).finally(go);
    else go();
  }

  useEffect(() => {
    let live = true;
    Promise.all([showFamily(familyId), codeLists()])
      .then(([v, l]) => {
        if (!live) return;
        setView(v);
        setLists(l);
        const c = contactId ? v.family.contacts[contactId] : undefined;
        if (contactId && c) {
          // A kept draft of the change (brought back above) wins over the record.
          setF((old) => (old.kind ? old : fieldsOf(c)));
          setWhenChanged(true);
          if (c.status === "signed") setSigned(true);
        }
      })
      .catch((e) => live && setLoadError(failure(e)));
    // Without the open items the contact can still be recorded.
    familyFollowUps(familyId)
      .then((items) => live && setOpenItems(items))
      .catch(() => undefined);
    appState()
      .then((s) => {
        if (!live) return;
        const role = s.profile.role;
        setF((old) => ({
          ...old,
          role: role && role in ROLE_LABELS && old.role === "health-visitor" ? role : old.role,
          date: old.date || s.clock.today,
          time: old.time || s.clock.time,
        }));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [familyId]);

  useEffect(() => {
    if (saved && !signed) savedRef.current?.focus();
  }, [saved, signed]);
  useEffect(() => {
    if (signed) signedRef.current?.focus();
  }, [signed]);

  const set = <K extends keyof Fields>(k: K) => (v: Fields[K]) => {
    setDirty(true);
    setF((old) => ({ ...old, [k]: v }));
  };
  // The date and time, once changed by hand, are no longer the defaults.
  const setWhen = (k: "date" | "time") => (v: string) => {
    setWhenChanged(true);
    set(k)(v);
  };

  if (!view || !lists) {
    return (
      <>
        <h1>Record a contact</h1>
        {loadError ? <ErrorSummary error={loadError} /> : <p className="nhsuk-body">Loading…</p>}
      </>
    );
  }

  const family = view.family;
  const back = href({ screen: "family", familyId });
  const listed = Object.entries(family.members).filter(([, p]) => !p.entered_in_error);
  const name = listed.find(([, p]) => p.role === "parent")?.[1].family_name ?? listed[0]?.[1].family_name ?? "";
  const subjectOptions = listed
    .filter(([, p]) => p.role !== "parent")
    .sort(([, a], [, b]) => (a.date_of_birth ?? a.expected_delivery_date ?? "").localeCompare(b.date_of_birth ?? b.expected_delivery_date ?? ""));
  const measuredOn = /^\d{4}-\d{2}-\d{2}$/.test(f.date) ? f.date : "";
  const measureChildren = subjectOptions
    .filter(([id, p]) => p.role === "child" && f.subjects.includes(id))
    .map(([id, p]) => ({
      id,
      name: personName(p),
      // The core says from which day each child is measured standing.
      standing: (measuredOn || view.today) >= (view.standing_from[id] ?? "9999-12-31"),
    }));
  const measuring = !f.attendance || lists.seen_attendances.includes(f.attendance);
  const opts = (list: { code: string; label: string }[]): Option[] => list.map((o) => ({ value: o.code, label: o.label }));
  const p = (field: string) => problemFor(error, field);

  /** The core names measurement problems by field only: show each next to the first child with a value there. */
  function measurementProblems(childId: string): Partial<Record<MeasureField | "confirm_implausible", string>> {
    const out: Partial<Record<MeasureField | "confirm_implausible", string>> = {};
    for (const field of ["weight_kg", "length_cm", "height_cm", "head_cm", "confirm_implausible"] as const) {
      const problem = problemFor(error, measurementField(childId, field));
      if (problem) out[field] = problem;
    }
    return out;
  }

  function describeMeasurements(m: NewMeasurements): string {
    const who = measureChildren.find((c) => c.id === m.person_id)?.name ?? "";
    const parts = [
      m.weight_kg && `weight ${m.weight_kg} kg`,
      m.length_cm && `length ${m.length_cm} cm`,
      m.height_cm && `height ${m.height_cm} cm`,
      m.head_cm && `head circumference ${m.head_cm} cm`,
    ].filter(Boolean);
    return `${who}: ${parts.join(", ")}`;
  }

  function measurementsToSend(): NewMeasurements[] {
    if (!measuring) return [];
    return measureChildren
      .map((c) => toNewMeasurements(c.id, typed[c.id] ?? NO_MEASUREMENTS, c.standing))
      .filter((m): m is NewMeasurements => m !== null);
  }

  async function save() {
    const at = whenChanged ? startTime(f.date, f.time) : null;
    setBusy(true);
    try {
      if (contactId) {
        const written = await editContact(familyId, contactId, toNewContact(f, at));
        setSaved(written);
      } else {
        const sent = measurementsToSend();
        const written = await recordContact(familyId, toNewContact(f, at), sent);
        setSaved(written);
        setSavedMeasurements(sent.map(describeMeasurements));
      }
      setError(null);
      setDirty(false);
      setRestoredAt(null);
      await discardDraft(draftKey).catch(() => undefined);
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  async function addMore() {
    if (!saved) return;
    const list = measurementsToSend();
    if (list.length === 0) {
      setError(invalid("measurements", "no measurement given: type a weight, length or height, or head circumference", "There is nothing to add."));
      return;
    }
    setBusy(true);
    try {
      for (const m of list) {
        await addMeasurements(familyId, saved.record_id, m);
        setSavedMeasurements((old) => [...old, describeMeasurements(m)]);
      }
      setError(null);
      setAddingMore(false);
      setAddedNote("Measurements added to the draft.");
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  async function sign() {
    if (!saved) return;
    setBusy(true);
    try {
      await signContact(familyId, saved.record_id);
      setSigned(true);
      setError(null);
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  if (signed) {
    return (
      <>
        <h1>Record a contact</h1>
        <div className="nhsuk-panel" data-testid="signed-panel">
          <h2 className="nhsuk-panel__heading" tabIndex={-1} ref={signedRef}>
            Contact signed
          </h2>
          <div className="nhsuk-panel__body">
            The contact is saved in the {name} family record and cannot be changed now. To correct it, add an addendum from the
            family record.
          </div>
        </div>
        <p className="nhsuk-body">
          <a href={back}>Back to the {name} family record</a>
        </p>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          onClick={() => {
            setF((old) => ({ ...initialFields(null), role: old.role, accountable_hv: old.accountable_hv }));
            appState()
              .then((s) => setF((old) => ({ ...old, date: old.date || s.clock.today, time: old.time || s.clock.time })))
              .catch(() => undefined);
            // What the signed contact addressed is no longer open.
            familyFollowUps(familyId)
              .then(setOpenItems)
              .catch(() => undefined);
            setTyped({});
            setSavedMeasurements([]);
            setWhenChanged(false);
            setSaved(null);
            setSigned(false);
            setAddingMore(false);
            setAddedNote("");
          }}
        >
          Record another contact
        </button>
      </>
    );
  }

  const takenHere = Object.values(family.measurements)
    .filter((m) => m.contact_id === contactId && !m.entered_in_error)
    .map((m) => {
      const who = family.members[m.person_id];
      const unit = m.measure === "weight" ? "kg" : "cm";
      return `${who ? personName(who) : "Child"}: ${m.measure.replace("-", " ")} ${m.value} ${unit}`;
    });
  const locked = !!saved;
  // A draft being changed takes new measurements once the change is saved.
  const measurementsLocked = (locked || !!contactId) && !addingMore;
  const title = contactId ? "Change a draft contact" : "Record a contact";
  const addressItems = addressable(openItems, family, contactId, f.addresses);

  return (
    <>
      <a className="nhsuk-back-link" href={back}>
        Back to the {name} family record
      </a>
      <span className="nhsuk-caption-l">{name} family</span>
      <h1>{title}</h1>

      {leavingTo && (
        <div className="nhsuk-warning-callout" role="alertdialog" aria-labelledby="leave-heading" tabIndex={-1} ref={leaveRef} data-testid="leave-prompt">
          <h2 className="nhsuk-warning-callout__label" id="leave-heading">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>This contact is not saved yet
            </span>
          </h2>
          <p>
            What you typed is kept on this laptop, and comes back when you open this contact again. It is not in the family record
            until you save it.
          </p>
          <div className="nhsuk-button-group">
            <button type="button" className="nhsuk-button" onClick={() => setLeavingTo(null)}>
              Stay and finish it
            </button>
            <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => leave(false)}>
              Leave and keep what I typed
            </button>
            <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={() => leave(true)}>
              Discard what I typed
            </button>
          </div>
        </div>
      )}

      {restoredAt && !saved && (
        <div className="nhsuk-inset-text" data-testid="draft-restored">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            This is what you were typing, kept on this laptop at {londonTime(restoredAt)} on {formatDate(londonDate(restoredAt))}. It
            is not saved in the record yet.
          </p>
        </div>
      )}
      {keptError && (
        <p className="nhsuk-body-s" role="status">
          Doorstep could not keep a copy of what you typed just now; save the draft to be safe.
        </p>
      )}

      <ErrorSummary error={error} />

      {saved && (
        <div
          className="nhsuk-notification-banner nhsuk-notification-banner--success"
          role="region"
          aria-labelledby="draft-saved-title"
          tabIndex={-1}
          ref={savedRef}
          data-testid="draft-saved"
        >
          <div className="nhsuk-notification-banner__header">
            <h2 className="nhsuk-notification-banner__title" id="draft-saved-title">
              Success
            </h2>
          </div>
          <div className="nhsuk-notification-banner__content">
            <p className="nhsuk-notification-banner__heading">Draft saved</p>
            <p className="nhsuk-body">
              Check it, then sign it. Once signed it cannot be changed; until then you can add measurements.
            </p>
            {savedMeasurements.length > 0 && (
              <ul className="nhsuk-list nhsuk-list--bullet" aria-label="Measurements saved">
                {savedMeasurements.map((m, i) => (
                  <li key={i}>{m}</li>
                ))}
              </ul>
            )}
            {addedNote && <p className="nhsuk-body" aria-live="polite">{addedNote}</p>}
          </div>
        </div>
      )}

      <form
        noValidate
        data-shortcut="save"
        onChange={clearProblemOnChange(setError, alsoClears)}
        onSubmit={(e) => {
          e.preventDefault();
          if (!saved) void save();
        }}
      >
        <fieldset className="nhsuk-fieldset" disabled={locked}>
          <legend className="nhsuk-u-visually-hidden">Contact details</legend>
          <Select
            name="kind"
            label="Kind of contact"
            value={f.kind}
            placeholder="Choose the kind of contact"
            onChange={set("kind")}
            options={opts(lists.contact_kinds)}
            error={p("kind")}
          />
          {subjectOptions.length > 0 ? (
            <Checkboxes
              name="child"
              legend="Children concerned"
              hint="A review is about one child, or an unborn baby for the antenatal review."
              values={f.subjects}
              onChange={set("subjects")}
              options={subjectOptions.map(memberOption)}
              error={p("child") ?? p("subjects")}
            />
          ) : (
            <p className="nhsuk-body">This family has no children or unborn babies recorded.</p>
          )}
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-one-third">
              <DateInput name="at" legend="Date" value={f.date} onChange={setWhen("date")} error={p("at")} />
            </div>
            <div className="nhsuk-grid-column-one-third">
              <TextInput
                name="at_time"
                label="Start time"
                hint="24-hour clock, for example 14:30"
                width={5}
                inputMode="numeric"
                value={f.time}
                onChange={setWhen("time")}
              />
            </div>
            <div className="nhsuk-grid-column-one-third">
              <TextInput
                name="duration_minutes"
                label="Duration (minutes)"
                inputMode="numeric"
                width={4}
                value={f.duration_minutes}
                onChange={set("duration_minutes")}
                error={p("duration_minutes")}
              />
            </div>
          </div>
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-one-half">
              <Select name="location" label="Location" value={f.location} placeholder="Choose a location" onChange={set("location")} options={opts(lists.locations)} error={p("location")} />
            </div>
            <div className="nhsuk-grid-column-one-half">
              <Select name="mechanism" label="How it took place" value={f.mechanism} placeholder="Choose how" onChange={set("mechanism")} options={opts(lists.mechanisms)} error={p("mechanism")} />
            </div>
          </div>
          {f.mechanism !== "01" && REVIEWS.includes(f.kind) && (
            <TextInput
              name="remote_reason"
              label="Why this review was not face to face"
              hint="Leave blank and the review stays open, with a face-to-face visit due"
              value={f.remote_reason}
              onChange={set("remote_reason")}
              error={p("remote_reason")}
            />
          )}
          <Radios name="attendance" legend="Outcome" value={f.attendance} onChange={set("attendance")} options={opts(lists.attendance)} error={p("attendance")} />
          {f.attendance === "declined" && (
            <TextInput name="declined_reason" label="Why the family declined" value={f.declined_reason} onChange={set("declined_reason")} error={p("declined_reason")} />
          )}
          {f.attendance !== "declined" && p("declined_reason") && (
            <p className="nhsuk-error-message" id="field-declined_reason" tabIndex={-1}>
              <span className="nhsuk-u-visually-hidden">Error:</span> Declined reason {p("declined_reason")}
            </p>
          )}
          <TextInput name="present" label="Who was present" hint="For example, mother, father, baby" value={f.present} onChange={set("present")} error={p("present")} />
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-one-half">
              <Select name="role" label="Your role" value={f.role} onChange={set("role")} options={opts(lists.roles)} error={p("role")} />
            </div>
            <div className="nhsuk-grid-column-one-half">
              {f.role !== "health-visitor" && (
                <TextInput
                  name="accountable_hv"
                  label="Accountable health visitor"
                  hint="The contact was delegated: name the health visitor accountable for it"
                  value={f.accountable_hv}
                  onChange={set("accountable_hv")}
                  error={p("accountable_hv")}
                />
              )}
            </div>
          </div>
          <Checkboxes name="topics" legend="Topics discussed" values={f.topics} onChange={set("topics")} options={opts(lists.topics)} error={p("topics")} />
          <TextArea name="note" label="Note" rows={6} value={f.note} onChange={set("note")} error={p("note")} />
          {addressItems.length > 0 && (
            <Checkboxes
              name="addresses"
              legend="This contact addresses"
              hint="Tick each result or follow-up this contact dealt with: it is then no longer open."
              values={f.addresses}
              onChange={set("addresses")}
              options={addressItems.map(addressOption)}
              error={p("addresses")}
            />
          )}
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-one-third">
              <DateInput
                name="follow_up_on"
                legend="Follow up by (optional)"
                value={f.follow_up_on}
                onChange={set("follow_up_on")}
                error={p("follow_up_on")}
              />
            </div>
            <div className="nhsuk-grid-column-two-thirds">
              <TextInput
                name="follow_up_reason"
                label="What to follow up"
                hint="It stays on Today until a contact or a note addresses it"
                value={f.follow_up_reason}
                onChange={set("follow_up_reason")}
                error={p("follow_up_reason")}
              />
            </div>
          </div>
          <TextArea
            name="safeguarding_concern"
            label="Safeguarding concern (optional)"
            hint="What you saw or heard. It goes on Today and the family's record as urgent until a contact or a note addresses it."
            rows={3}
            value={f.safeguarding_concern}
            onChange={set("safeguarding_concern")}
            error={p("safeguarding_concern")}
          />
          {feedingAsked(f.kind) && (
            <Select
              name="feeding_status"
              label="Infant feeding"
              value={f.feeding_status}
              placeholder="Not recorded"
              onChange={set("feeding_status")}
              options={opts(lists.feeding_statuses)}
              error={p("feeding_status")}
            />
          )}
          {f.kind === "2-year" && (
            <>
              <p className="nhsuk-body">Record the ASQ-3 with the 2–2½ year review form after saving this contact: the form's scores are what the reports count.</p>
              <TextInput
                name="bmi_not_recorded_reason"
                label="Reason height or weight was not recorded (if not)"
                hint="A 2–2½ year review needs a height and a weight for BMI, or a reason"
                value={f.bmi_not_recorded_reason}
                onChange={set("bmi_not_recorded_reason")}
                error={p("bmi_not_recorded_reason")}
              />
            </>
          )}
        </fieldset>

        <section aria-labelledby="measurements-heading">
          <h2 className="nhsuk-heading-m" id="measurements-heading">
            Measurements
          </h2>
          <div id="field-measurements" tabIndex={-1}>
            {p("measurements") && (
              <p className="nhsuk-error-message">
                <span className="nhsuk-u-visually-hidden">Error:</span> {p("measurements")}
              </p>
            )}
          </div>
          {contactId && (
            <>
              {takenHere.length > 0 && (
                <ul className="nhsuk-list nhsuk-list--bullet" aria-label="Measurements taken at this contact">
                  {takenHere.map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
              )}
              {!saved && <p className="nhsuk-body">To add measurements, save your changes first, then choose Add measurements.</p>}
            </>
          )}
          {!measuring ? (
            <p className="nhsuk-body">Nothing is measured when the family was not seen.</p>
          ) : measureChildren.length === 0 ? (
            <p className="nhsuk-body">Choose a born child under "Children concerned" to record their measurements.</p>
          ) : (
            <fieldset className="nhsuk-fieldset" disabled={measurementsLocked}>
              <legend className="nhsuk-u-visually-hidden">Measurements for each child</legend>
              {measureChildren.map((c) => (
                <ChildMeasurements
                  key={c.id}
                  familyId={familyId}
                  personId={c.id}
                  childName={c.name}
                  measuredOn={measuredOn}
                  standing={c.standing}
                  values={typed[c.id] ?? NO_MEASUREMENTS}
                  onChange={(v) => setTyped((old) => ({ ...old, [c.id]: v }))}
                  problems={measurementProblems(c.id)}
                />
              ))}
            </fieldset>
          )}
        </section>

        <div className="nhsuk-button-group">
          {!saved ? (
            <button type="submit" className="nhsuk-button" disabled={busy}>
              {contactId ? "Save changes" : "Save draft"}
            </button>
          ) : (
            <>
              <button type="button" className="nhsuk-button" disabled={busy || addingMore} onClick={() => void sign()}>
                Sign
              </button>
              {measuring && measureChildren.length > 0 && !addingMore && (
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--secondary"
                  onClick={() => {
                    setTyped({});
                    setAddedNote("");
                    setAddingMore(true);
                  }}
                >
                  Add measurements
                </button>
              )}
              {addingMore && (
                <button type="button" className="nhsuk-button nhsuk-button--secondary" disabled={busy} onClick={() => void addMore()}>
                  Save measurements
                </button>
              )}
            </>
          )}
          <a className="nhsuk-link" href={back}>
            {saved ? "Sign later" : contactId ? "Back without saving" : "Cancel"}
          </a>
        </div>
      </form>
    </>
  );
}
