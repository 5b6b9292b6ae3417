// The household's details as fields (address, phone, main language,
// interpreter), shared by "Register a household" and the family record's
// "Change household details". The change form is pre-filled with what is
// recorded and sends the core only the fields the user changed (null leaves
// a field as it is, so an edit never overwrites another device's change to
// another field). The core checks every value; what was typed stays when
// it refuses, and while another of the record's forms is open.
import { useState } from "react";
import { problemFor, updateHousehold, type Household, type HouseholdUpdate, type IpcError } from "../../ipc";
import { Radios, TextInput } from "../fields";
import { ActionForm, RevealButton, Saved, useActionForm, useSave } from "./actionForm";
import { useUnsaved } from "./unsaved";

/** The household's details as typed. */
export type HouseholdValues = {
  address_line1: string;
  address_line2: string;
  town: string;
  postcode: string;
  phone: string;
  main_language: string;
  interpreter_needed: "yes" | "no";
};

export const EMPTY_HOUSEHOLD: HouseholdValues = {
  address_line1: "",
  address_line2: "",
  town: "",
  postcode: "",
  phone: "",
  main_language: "",
  interpreter_needed: "no",
};

const TEXT_FIELDS = ["address_line1", "address_line2", "town", "postcode", "phone", "main_language"] as const;

/** What is recorded, as the form shows it. */
export function householdValues(h: Household): HouseholdValues {
  return {
    address_line1: h.address_line1,
    address_line2: h.address_line2 ?? "",
    town: h.town ?? "",
    postcode: h.postcode,
    phone: h.phone ?? "",
    main_language: h.main_language ?? "",
    interpreter_needed: h.interpreter_needed ? "yes" : "no",
  };
}

/**
 * The change to send: each field the user changed from `before` as typed
 * (a field blanked is sent blank, for the core to refuse), the others
 * null; null when nothing changed.
 */
export function householdUpdate(before: HouseholdValues, now: HouseholdValues): HouseholdUpdate | null {
  const update: HouseholdUpdate = {
    address_line1: null,
    address_line2: null,
    town: null,
    postcode: null,
    phone: null,
    main_language: null,
    interpreter_needed: null,
  };
  let changed = false;
  for (const field of TEXT_FIELDS) {
    if (now[field].trim() !== before[field].trim()) {
      update[field] = now[field];
      changed = true;
    }
  }
  if (now.interpreter_needed !== before.interpreter_needed) {
    update.interpreter_needed = now.interpreter_needed === "yes";
    changed = true;
  }
  return changed ? update : null;
}

/** Said when Save is pressed with nothing changed (there is nothing to send). */
export const NOTHING_CHANGED: IpcError = {
  code: "invalid",
  message: "Nothing has been changed. Change a detail and save, or cancel.",
  problems: [],
  warning: null,
};

/** The household's fields, named as the core names them. */
export function HouseholdFields({
  values,
  onChange,
  error,
}: {
  values: HouseholdValues;
  onChange: (v: HouseholdValues) => void;
  error: IpcError | null;
}) {
  const set = (field: keyof HouseholdValues) => (v: string) => onChange({ ...values, [field]: v });
  return (
    <>
      <TextInput name="address_line1" label="Address line 1" value={values.address_line1} onChange={set("address_line1")}
        error={problemFor(error, "address_line1")} />
      <TextInput name="address_line2" label="Address line 2 (optional)" value={values.address_line2} onChange={set("address_line2")}
        error={problemFor(error, "address_line2")} />
      <TextInput name="town" label="Town or city (optional)" value={values.town} onChange={set("town")} width={20}
        error={problemFor(error, "town")} />
      <TextInput name="postcode" label="Postcode" value={values.postcode} onChange={set("postcode")} width={10}
        error={problemFor(error, "postcode")} />
      <TextInput name="phone" label="Phone (optional)" type="tel" value={values.phone} onChange={set("phone")} width={20}
        error={problemFor(error, "phone")} />
      <TextInput name="main_language" label="Main language (optional)" hint="For example, English, Polish or British Sign Language"
        value={values.main_language} onChange={set("main_language")} width={20} error={problemFor(error, "main_language")} />
      <Radios
        name="interpreter_needed"
        legend="Is an interpreter needed for visits?"
        inline
        value={values.interpreter_needed}
        onChange={set("interpreter_needed")}
        options={[
          { value: "yes", label: "Yes" },
          { value: "no", label: "No" },
        ]}
        error={problemFor(error, "interpreter_needed")}
      />
    </>
  );
}

/**
 * "Change household details" on the family record: the button, and the
 * form it reveals. `onSaved` reloads the record.
 */
export function ChangeHousehold({
  familyId,
  household,
  onSaved,
}: {
  familyId: string;
  household: Household;
  onSaved: () => void;
}) {
  const form = useActionForm<"change">("household");
  const { busy, error, setError, save } = useSave();
  // What the user typed; null until they change something (the form then
  // shows what is recorded, including changes synced meanwhile).
  const [typed, setTyped] = useState<HouseholdValues | null>(null);
  const [saved, setSaved] = useState("");
  const before = householdValues(household);
  const values = typed ?? before;
  const unsaved = useUnsaved("Change household details", typed !== null && householdUpdate(before, typed) !== null, () =>
    form.show("change"),
  );

  function submit() {
    const update = householdUpdate(before, values);
    if (!update) {
      setError(NOTHING_CHANGED);
      return;
    }
    void save(
      () => updateHousehold(familyId, update),
      () => {
        setTyped(null);
        setSaved("Household details saved.");
        form.close();
        onSaved();
      },
    );
  }

  return (
    <div className="nhsuk-u-margin-top-4">
      <Saved text={saved} />
      <RevealButton
        expanded={form.open !== null}
        onClick={() => {
          if (form.open !== null) return form.close();
          setSaved("");
          setError(null);
          form.show("change");
        }}
      >
        Change household details
      </RevealButton>
      {form.open !== null && (
        <ActionForm
          label="Change household details"
          unsaved={unsaved}
          error={error} setError={setError}
          busy={busy}
          submit="Save household details"
          onSubmit={submit}
          onCancel={() => {
            setTyped(null);
            setError(null);
            form.close();
          }}
          testId="change-household"
        >
          <HouseholdFields values={values} onChange={setTyped} error={error} />
        </ActionForm>
      )}
    </div>
  );
}
