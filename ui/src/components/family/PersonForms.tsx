// The household's members on the family record: "Add a person" (a parent
// or carer, a child, or an unborn baby: the fields shown follow the role),
// "Change details" for a member (pre-filled; only the fields the user
// changed are sent), and "Record the birth" for an unborn baby. Before a
// person is added the core is asked for likely duplicates; if there are
// any, they are listed in a warning and the person is added only once the
// practitioner ticks that they checked it is a different person. The core
// checks every value: its problems are shown by each field, and what was
// typed is kept when it refuses and while another of the record's forms
// is open (one form is open at a time; see actionForm), and leaving the
// record with it unsaved asks first (see unsaved).
import { useEffect, useRef, useState } from "react";
import {
  addPerson,
  likelyDuplicates,
  problemFor,
  recordBirth,
  updatePerson,
  type DuplicateView,
  type Family,
  type IpcError,
  type NewBirth,
  type NewPerson,
  type Person,
  type PersonUpdate,
} from "../../ipc";
import { ETHNIC_CATEGORY_LABELS, MEMBER_ROLE_LABELS, NHS_NUMBER_STATUS_LABELS, SEX_LABELS } from "../../generated/labels";
import { href } from "../../route";
import { Checkboxes, DateInput, Radios, Select, TextInput, type Option } from "../fields";
import { ActionForm, blankToNull, RevealButton, Saved, useActionForm, useSave } from "./actionForm";
import { differs, useUnsaved, type Unsaved } from "./unsaved";
import { failure } from "./failure";
import { formatDate, formatNhsNumber, personName } from "./format";
import { NOTHING_CHANGED } from "./HouseholdForm";

/** A person's details as typed (every field a string, as the core takes them). */
export type PersonValues = {
  role: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  expected_delivery_date: string;
  antenatal_requested: boolean;
  sex: string;
  nhs_number: string;
  nhs_number_status: string;
  ethnic_category: string;
  gp_practice: string;
  gestation: string;
  birth_weight_grams: string;
};

type TextField = Exclude<keyof PersonValues, "antenatal_requested">;

// The code lists' labels are generated from the Rust code lists (one copy).
const ROLE_OPTIONS: Option[] = (["parent", "child", "unborn"] as const).map((value) => ({ value, label: MEMBER_ROLE_LABELS[value] }));
const SEX_OPTIONS: Option[] = Object.entries(SEX_LABELS).map(([value, label]) => ({ value, label }));
// "99" (Not known) last: a numeric key would otherwise come first.
const ETHNIC_OPTIONS: Option[] = Object.entries(ETHNIC_CATEGORY_LABELS)
  .sort(([a], [b]) => Number(a === "99") - Number(b === "99"))
  .map(([value, label]) => ({ value, label }));

/** A new person, with the household's family name. */
export function emptyPerson(familyName: string): PersonValues {
  return {
    role: "",
    given_name: "",
    family_name: familyName,
    date_of_birth: "",
    expected_delivery_date: "",
    antenatal_requested: false,
    sex: "",
    nhs_number: "",
    nhs_number_status: "",
    ethnic_category: "",
    gp_practice: "",
    gestation: "",
    birth_weight_grams: "",
  };
}

/** The person to add as the core takes it: only the fields their role has, blanks as null. */
export function newPerson(v: PersonValues): NewPerson {
  const unborn = v.role === "unborn";
  const child = v.role === "child";
  return {
    role: v.role,
    given_name: blankToNull(v.given_name),
    family_name: v.family_name,
    date_of_birth: unborn ? null : blankToNull(v.date_of_birth),
    expected_delivery_date: unborn ? blankToNull(v.expected_delivery_date) : null,
    sex: blankToNull(v.sex),
    nhs_number: blankToNull(v.nhs_number),
    nhs_number_status: blankToNull(v.nhs_number_status),
    ethnic_category: blankToNull(v.ethnic_category),
    gp_practice: blankToNull(v.gp_practice),
    gestation: child ? blankToNull(v.gestation) : null,
    birth_weight_grams: child ? blankToNull(v.birth_weight_grams) : null,
    antenatal_requested: unborn ? v.antenatal_requested : null,
  };
}

/** What is recorded for a member, as the form shows it. */
export function personValues(p: Person): PersonValues {
  return {
    role: p.role,
    given_name: p.given_name ?? "",
    family_name: p.family_name,
    date_of_birth: p.date_of_birth ?? "",
    expected_delivery_date: p.expected_delivery_date ?? "",
    antenatal_requested: Boolean(p.antenatal_requested),
    sex: p.sex ?? "",
    nhs_number: formatNhsNumber(p.nhs_number),
    nhs_number_status: p.nhs_number_status ?? "",
    ethnic_category: p.ethnic_category ?? "",
    gp_practice: p.gp_practice ?? "",
    gestation: p.gestation_weeks != null ? `${p.gestation_weeks}+${p.gestation_days ?? 0}` : "",
    birth_weight_grams: p.birth_weight_grams != null ? String(p.birth_weight_grams) : "",
  };
}

const UPDATE_FIELDS = [
  "given_name",
  "family_name",
  "date_of_birth",
  "expected_delivery_date",
  "sex",
  "nhs_number",
  "nhs_number_status",
  "ethnic_category",
  "gp_practice",
] as const;

/** A value as compared for a change: spaces in an NHS number and the case of a practice code do not count. */
function comparable(field: TextField, value: string): string {
  const v = value.trim();
  if (field === "nhs_number") return v.replace(/\s/g, "");
  if (field === "gp_practice") return v.toUpperCase();
  return v;
}

/**
 * The change to send: each field the user changed from `before` as typed
 * (a field blanked is sent blank, for the core to refuse), the others
 * null; null when nothing changed.
 */
export function personUpdate(before: PersonValues, now: PersonValues): PersonUpdate | null {
  const update: PersonUpdate = {
    given_name: null,
    family_name: null,
    date_of_birth: null,
    expected_delivery_date: null,
    sex: null,
    nhs_number: null,
    nhs_number_status: null,
    ethnic_category: null,
    gp_practice: null,
  };
  let changed = false;
  for (const field of UPDATE_FIELDS) {
    if (field === "date_of_birth" && before.role === "unborn") continue;
    if (field === "expected_delivery_date" && before.role !== "unborn") continue;
    if (comparable(field, now[field]) !== comparable(field, before[field])) {
      update[field] = now[field];
      changed = true;
    }
  }
  return changed ? update : null;
}

/** The birth as the core takes it; the family name only when it differs from the pregnancy's. */
export function newBirth(person: Person, v: PersonValues): NewBirth {
  const familyName = v.family_name.trim();
  return {
    date_of_birth: v.date_of_birth,
    given_name: blankToNull(v.given_name),
    family_name: familyName && familyName !== person.family_name ? v.family_name : null,
    sex: blankToNull(v.sex),
    nhs_number: blankToNull(v.nhs_number),
    nhs_number_status: blankToNull(v.nhs_number_status),
    gestation: blankToNull(v.gestation),
    birth_weight_grams: blankToNull(v.birth_weight_grams),
  };
}

/**
 * Keeps what was typed with the form's owner, so closing the form loses
 * nothing: `onDraft` is told the values and whether they differ from how
 * the form first opened; `unsaved` is where focus goes back to.
 */
type Kept = { draft?: PersonValues; onDraft?: (v: PersonValues, changed: boolean) => void; unsaved?: Unsaved };

function useValues(initial: () => PersonValues, { draft, onDraft }: Kept) {
  const [values, setValues] = useState<PersonValues>(() => draft ?? initial());
  // The values as last set, so each change builds on the one before.
  const latest = useRef(values);
  const set = (field: keyof PersonValues) => (v: string | boolean) => {
    const next = { ...latest.current, [field]: v };
    latest.current = next;
    setValues(next);
    onDraft?.(next, differs(next, initial()));
  };
  return { values, set };
}

type Fields = { values: PersonValues; set: (field: keyof PersonValues) => (v: string) => void; error: IpcError | null };

function NameFields({ values, set, error, givenOptional }: Fields & { givenOptional: boolean }) {
  return (
    <>
      <TextInput name="given_name" label={givenOptional ? "Given name (optional)" : "Given name"} value={values.given_name}
        onChange={set("given_name")} width={20} error={problemFor(error, "given_name")} />
      <TextInput name="family_name" label="Family name" value={values.family_name} onChange={set("family_name")} width={20}
        error={problemFor(error, "family_name")} />
    </>
  );
}

function DateOfBirth({ values, set, error, optional }: Fields & { optional?: boolean }) {
  return (
    <DateInput name="date_of_birth" legend={optional ? "Date of birth (optional)" : "Date of birth"} hint="For example, 27 3 2024"
      value={values.date_of_birth} onChange={set("date_of_birth")} error={problemFor(error, "date_of_birth")} />
  );
}

function DueDate({ values, set, error }: Fields) {
  return (
    <DateInput name="expected_delivery_date" legend="Expected date of delivery" hint="For example, 14 9 2026"
      value={values.expected_delivery_date} onChange={set("expected_delivery_date")}
      error={problemFor(error, "expected_delivery_date")} />
  );
}

function SexField({ values, set, error, recorded }: Fields & { recorded?: boolean }) {
  return (
    <Select name="sex" label="Sex (optional)" value={values.sex} onChange={set("sex")} options={SEX_OPTIONS}
      placeholder={recorded ? undefined : "Not recorded"} error={problemFor(error, "sex")} />
  );
}

const NHS_STATUS_OPTIONS: Option[] = Object.entries(NHS_NUMBER_STATUS_LABELS).map(([value, label]) => ({ value, label }));

function NhsNumberField({ values, set, error }: Fields) {
  return (
    <>
      <TextInput name="nhs_number" label="NHS number (optional)" hint="10 digits" value={values.nhs_number}
        onChange={set("nhs_number")} width={10} inputMode="numeric" error={problemFor(error, "nhs_number")} />
      <Select name="nhs_number_status" label="NHS number status (optional)"
        hint="For a new baby whose number is not traced yet: Trace postponed" value={values.nhs_number_status}
        onChange={set("nhs_number_status")} options={NHS_STATUS_OPTIONS} placeholder="Not recorded"
        error={problemFor(error, "nhs_number_status")} />
    </>
  );
}

/** Sex, NHS number, ethnic category and GP practice; a recorded choice cannot be set back to "Not recorded". */
function DetailFields(props: Fields & { recorded?: PersonValues }) {
  const { values, set, error, recorded } = props;
  return (
    <>
      <SexField {...props} recorded={Boolean(recorded?.sex)} />
      <NhsNumberField {...props} />
      <Select name="ethnic_category" label="Ethnic category (optional)" value={values.ethnic_category}
        onChange={set("ethnic_category")} options={ETHNIC_OPTIONS}
        placeholder={recorded?.ethnic_category ? undefined : "Not recorded"} error={problemFor(error, "ethnic_category")} />
      <TextInput name="gp_practice" label="GP practice code (optional)" hint="The practice's ODS code, for example A81001"
        value={values.gp_practice} onChange={set("gp_practice")} width={10} error={problemFor(error, "gp_practice")} />
    </>
  );
}

function BirthFields({ values, set, error }: Fields) {
  return (
    <>
      <TextInput name="gestation" label="Gestation at birth (weeks+days, e.g. 39+2)" value={values.gestation}
        onChange={set("gestation")} width={5} error={problemFor(error, "gestation")} />
      <TextInput name="birth_weight_grams" label="Birth weight (grams)" value={values.birth_weight_grams}
        onChange={set("birth_weight_grams")} width={5} inputMode="numeric" error={problemFor(error, "birth_weight_grams")} />
    </>
  );
}

const ids = (found: DuplicateView[]) => found.map((d) => d.person_id).sort().join(" ");

/** The people who may already be recorded, and the tick that says this is someone else. */
function LikelyDuplicates({
  found,
  confirmed,
  onConfirm,
  error,
  announce,
}: {
  found: DuplicateView[];
  confirmed: boolean;
  onConfirm: (v: boolean) => void;
  error: IpcError | null;
  announce: number;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (announce) heading.current?.focus();
  }, [announce]);
  return (
    <div className="nhsuk-warning-callout" data-testid="likely-duplicates">
      <h3 className="nhsuk-warning-callout__label" tabIndex={-1} ref={heading}>
        <span className="nhsuk-u-visually-hidden">Important: </span>
        This person may already be recorded
      </h3>
      <p>
        Check {found.length === 1 ? "this record" : "these records"} before adding. If it is the same person, do not add
        them again.
      </p>
      <ul className="nhsuk-list nhsuk-list--bullet">
        {found.map((d) => (
          <li key={d.person_id} data-testid="likely-duplicate">
            <strong>{d.name}</strong>,{" "}
            {d.date_of_birth ? `date of birth or due date ${formatDate(d.date_of_birth)}` : "no date of birth or due date recorded"},
            in the {d.family} household: {d.reason}.{" "}
            <a href={href({ screen: "family", familyId: d.family_id })}>
              View their family's record{" "}<span className="nhsuk-u-visually-hidden">({d.family})</span>
            </a>
          </li>
        ))}
      </ul>
      <Checkboxes
        name="duplicate"
        legend="Before adding"
        values={confirmed ? ["different"] : []}
        onChange={(v) => onConfirm(v.includes("different"))}
        options={[{ value: "different", label: "I have checked: this is a different person" }]}
        error={problemFor(error, "duplicate")}
      />
    </div>
  );
}

/** "Add a person": role first, then the fields that role has. */
export function AddPerson({
  familyId,
  familyName,
  onSaved,
  onCancel,
  ...kept
}: Kept & {
  familyId: string;
  familyName: string;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { values, set } = useValues(() => emptyPerson(familyName), kept);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  // The likely duplicates found for the person as last submitted.
  const [check, setCheck] = useState<{ key: string; found: DuplicateView[] } | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [announce, setAnnounce] = useState(0);
  const fields = { values, set, error };
  const role = values.role;

  async function submit() {
    const person = newPerson(values);
    const key = JSON.stringify(person);
    setBusy(true);
    try {
      let found = check?.found ?? [];
      let sure = confirmed;
      if (check?.key !== key) {
        found = await likelyDuplicates(familyId, person);
        const same = check !== null && ids(check.found) === ids(found);
        setCheck({ key, found });
        // A tick is for the people it was given against.
        if (!same) {
          sure = false;
          setConfirmed(false);
        }
        if (found.length > 0 && !same) {
          setError(null);
          setAnnounce((n) => n + 1);
          return;
        }
      }
      await addPerson(familyId, person, found.length > 0 && sure);
      setError(null);
      onSaved();
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ActionForm label="Add a person" error={error} setError={setError} busy={busy} submit="Add person" onSubmit={() => void submit()} onCancel={onCancel}
      testId="add-person" unsaved={kept.unsaved}>
      <Radios name="role" legend="Role in the household" value={role} onChange={set("role")} options={ROLE_OPTIONS}
        error={problemFor(error, "role")} />
      <NameFields {...fields} givenOptional={role === "unborn"} />
      {(role === "parent" || role === "child") && <DateOfBirth {...fields} optional={role === "parent"} />}
      {role === "unborn" && (
        <>
          <DueDate {...fields} />
          <Checkboxes
            name="antenatal_requested"
            legend="Antenatal review"
            hint="The review is offered to first-time parents without a request."
            values={values.antenatal_requested ? ["requested"] : []}
            onChange={(v) => set("antenatal_requested")(v.includes("requested"))}
            options={[{ value: "requested", label: "Antenatal review requested" }]}
            error={problemFor(error, "antenatal_requested")}
          />
        </>
      )}
      {role === "child" && <BirthFields {...fields} />}
      <DetailFields {...fields} />
      {check && check.found.length > 0 && (
        <LikelyDuplicates found={check.found} confirmed={confirmed} onConfirm={setConfirmed} error={error} announce={announce} />
      )}
    </ActionForm>
  );
}

/** "Change details" for a member: pre-filled with what is recorded; only what changed is sent. */
export function ChangePerson({
  familyId,
  personId,
  person,
  onSaved,
  onCancel,
  ...kept
}: Kept & {
  familyId: string;
  personId: string;
  person: Person;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const before = personValues(person);
  const { values, set } = useValues(() => before, kept);
  const { busy, error, setError, save } = useSave();
  const fields = { values, set, error };
  const name = personName(person);

  function submit() {
    const update = personUpdate(before, values);
    if (!update) {
      setError(NOTHING_CHANGED);
      return;
    }
    void save(() => updatePerson(familyId, personId, update), onSaved);
  }

  return (
    <ActionForm label={`Change details for ${name}`} error={error} setError={setError} busy={busy} submit="Save changes" onSubmit={submit}
      onCancel={onCancel} testId="change-person" unsaved={kept.unsaved}>
      <h3 className="nhsuk-heading-s">Change details for {name}</h3>
      <NameFields {...fields} givenOptional={person.role === "unborn"} />
      {person.role === "unborn" ? <DueDate {...fields} /> : <DateOfBirth {...fields} />}
      <DetailFields {...fields} recorded={before} />
    </ActionForm>
  );
}

/** "Record the birth" of an unborn baby: it becomes a child, keeping the pregnancy's record. */
export function RecordBirth({
  familyId,
  personId,
  person,
  onSaved,
  onCancel,
  ...kept
}: Kept & {
  familyId: string;
  personId: string;
  person: Person;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { values, set } = useValues(
    () => ({ ...emptyPerson(person.family_name), role: "child", given_name: person.given_name ?? "" }),
    kept,
  );
  const { busy, error, setError, save } = useSave();
  const fields = { values, set, error };
  const name = personName(person);

  function submit() {
    void save(() => recordBirth(familyId, personId, newBirth(person, values)), onSaved);
  }

  return (
    <ActionForm label={`Record the birth: ${name}`} error={error} setError={setError} busy={busy} submit="Record the birth" onSubmit={submit}
      onCancel={onCancel} testId="record-birth" unsaved={kept.unsaved}>
      <h3 className="nhsuk-heading-s">Record the birth: {name}</h3>
      {person.expected_delivery_date && (
        <p className="nhsuk-body-s">Expected date of delivery: {formatDate(person.expected_delivery_date)}</p>
      )}
      <DateOfBirth {...fields} />
      <NameFields {...fields} givenOptional={false} />
      <SexField {...fields} />
      <NhsNumberField {...fields} />
      <BirthFields {...fields} />
    </ActionForm>
  );
}

/** Which member form is open on the record. */
export type MemberAction = { kind: "add" } | { kind: "change"; personId: string } | { kind: "birth"; personId: string };

export type MemberForm = { open: MemberAction | null; show: (which: MemberAction) => void; close: () => void };

/** The record's member forms: one open at a time, and none while another of the record's forms is open. */
export function useMemberForm(): MemberForm {
  return useActionForm<MemberAction>("members");
}

const actionKey = (a: MemberAction) => (a.kind === "add" ? "add" : `${a.kind}:${a.personId}`);

/** The label of a member form: "Add a person", "Change details for Ava Okafor", "Record the birth: Baby Okafor". */
function actionLabel(family: Family, a: MemberAction): string {
  if (a.kind === "add") return "Add a person";
  const person = family.members[a.personId];
  const name = person ? personName(person) : "a member";
  return a.kind === "change" ? `Change details for ${name}` : `Record the birth: ${name}`;
}

const isOpen = (form: MemberForm, a: MemberAction) => form.open !== null && actionKey(form.open) === actionKey(a);

/** Whether the record (and the member) can be changed: not entered in error or merged into another. */
export function editable(family: Family, person?: Person): boolean {
  return !family.entered_in_error && !family.merged_into && (!person || (!person.entered_in_error && !person.merged_into));
}

/** A member's row actions: "Change details", and "Record the birth" for an unborn baby. */
export function MemberButtons({ form, family, personId }: { form: MemberForm; family: Family; personId: string }) {
  const person = family.members[personId];
  if (!person || !editable(family, person)) return null;
  const name = personName(person);
  const change: MemberAction = { kind: "change", personId };
  const birth: MemberAction = { kind: "birth", personId };
  const toggle = (a: MemberAction) => () => (isOpen(form, a) ? form.close() : form.show(a));
  return (
    <div className="ds-button-row">
      <RevealButton small expanded={isOpen(form, change)} onClick={toggle(change)}>
        Change details{" "}<span className="nhsuk-u-visually-hidden">for {name}</span>
      </RevealButton>
      {person.role === "unborn" && (
        <RevealButton small expanded={isOpen(form, birth)} onClick={toggle(birth)}>
          Record the birth{" "}<span className="nhsuk-u-visually-hidden">of {name}</span>
        </RevealButton>
      )}
    </div>
  );
}

/**
 * Under the members table: the member form open (changing details or
 * recording a birth), then "Add a person" and its form. What was typed in
 * each is kept here until it is saved or cancelled (and leaving the record
 * before then asks first). `onSaved` reloads the record.
 */
export function MemberForms({
  form,
  familyId,
  family,
  familyName,
  onSaved,
}: {
  form: MemberForm;
  familyId: string;
  family: Family;
  familyName: string;
  onSaved: () => void;
}) {
  const drafts = useRef(new Map<string, PersonValues>());
  // The forms whose draft differs from how it opened, by key.
  const [changed, setChanged] = useState<ReadonlyMap<string, MemberAction>>(new Map());
  const [saved, setSaved] = useState("");
  const open = form.open;
  const key = open ? actionKey(open) : "";
  useEffect(() => {
    if (key) setSaved("");
  }, [key]);

  function mark(k: string, action: MemberAction | null) {
    setChanged((old) => {
      if (action ? old.has(k) : !old.has(k)) return old;
      const next = new Map(old);
      if (action) next.set(k, action);
      else next.delete(k);
      return next;
    });
  }
  // The open form, and those closed keeping what was typed (another form opened).
  const unsaved = useUnsaved(open ? actionLabel(family, open) : "", open !== null && changed.has(key));
  const closed = [...changed].filter(([k]) => k !== key).map(([, a]) => a);
  useUnsaved(
    closed.map((a) => actionLabel(family, a)),
    closed.length > 0,
    () => closed[0] && form.show(closed[0]),
  );
  if (!editable(family)) return null;

  const person = open && open.kind !== "add" ? family.members[open.personId] : undefined;
  const kept: Kept = {
    draft: drafts.current.get(key),
    onDraft: (v, typed) => {
      drafts.current.set(key, v);
      mark(key, typed && open ? open : null);
    },
    unsaved,
  };
  const forget = () => {
    drafts.current.delete(key);
    mark(key, null);
  };
  const done = (text: string) => () => {
    forget();
    setSaved(text);
    form.close();
    onSaved();
  };
  const cancel = () => {
    forget();
    form.close();
  };

  return (
    <div className="nhsuk-u-margin-top-4">
      <Saved text={saved} />
      {open?.kind === "change" && person && (
        <ChangePerson key={key} familyId={familyId} personId={open.personId} person={person} {...kept}
          onSaved={done(`Details saved for ${personName(person)}.`)} onCancel={cancel} />
      )}
      {open?.kind === "birth" && person && (
        <RecordBirth key={key} familyId={familyId} personId={open.personId} person={person} {...kept}
          onSaved={done("Birth recorded.")} onCancel={cancel} />
      )}
      <RevealButton
        expanded={open?.kind === "add"}
        onClick={() => (open?.kind === "add" ? form.close() : form.show({ kind: "add" }))}
      >
        Add a person
      </RevealButton>
      {open?.kind === "add" && (
        <AddPerson key={key} familyId={familyId} familyName={familyName} {...kept} onSaved={done("Person added.")}
          onCancel={cancel} />
      )}
    </div>
  );
}
