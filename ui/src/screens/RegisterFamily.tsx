// Register a household: a family moving into the area, or a new-birth
// notification. The address, phone, main language and whether an
// interpreter is needed; the core checks every value (its problems shown
// by each field until that field is changed, what was typed kept), and the
// new family's record opens for the practitioner to add the people in the
// household.
import { useState } from "react";
import { addFamily, type IpcError, type NewFamily } from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { clearProblemOnChange } from "../components/fieldProblems";
import { blankToNull } from "../components/family/actionForm";
import { failure } from "../components/family/failure";
import { EMPTY_HOUSEHOLD, HouseholdFields, type HouseholdValues } from "../components/family/HouseholdForm";
import { href, navigate } from "../route";

/** The new family as the core takes it: blanks as null, allocated by the core to the practitioner. */
export function newFamily(v: HouseholdValues): NewFamily {
  return {
    address_line1: v.address_line1,
    address_line2: blankToNull(v.address_line2),
    town: blankToNull(v.town),
    postcode: v.postcode,
    phone: blankToNull(v.phone),
    main_language: blankToNull(v.main_language),
    interpreter_needed: v.interpreter_needed === "yes",
    practitioner: null,
    team: null,
  };
}

export function RegisterFamily() {
  const [values, setValues] = useState<HouseholdValues>(EMPTY_HOUSEHOLD);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  async function register() {
    setBusy(true);
    try {
      const written = await addFamily(newFamily(values));
      setError(null);
      navigate({ screen: "family", familyId: written.family_id });
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>Register a household</h1>
      <ErrorSummary error={error} />
      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-two-thirds">
          <p className="nhsuk-body">
            For a family moving into the area, or a new-birth notification. Once the household is registered, its record
            opens for you to add the people in it.
          </p>
          <form
            aria-label="Register a household"
            noValidate
            onChange={clearProblemOnChange(setError)}
            onSubmit={(e) => {
              e.preventDefault();
              void register();
            }}
          >
            <HouseholdFields values={values} onChange={setValues} error={error} />
            <div className="nhsuk-button-group">
              <button type="submit" className="nhsuk-button" disabled={busy}>
                Register household
              </button>
              <a className="nhsuk-link" href={href({ screen: "caseload" })}>
                Cancel
              </a>
            </div>
          </form>
        </div>
      </div>
    </>
  );
}
