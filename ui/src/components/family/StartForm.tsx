// Starts an assessment form for the family (optionally about one member)
// and opens it. A problem goes once its field is changed; leaving the
// record with a form chosen and not started asks first (see unsaved).
import { useState } from "react";
import { formStart, problemFor, type Family, type FormSummary, type IpcError } from "../../ipc";
import { failure } from "./failure";
import { navigate } from "../../route";
import { Select } from "../fields";
import { clearProblemOnChange, throughParent } from "../fieldProblems";
import { MEMBER_ROLE_LABELS, personName } from "./format";
import { useUnsaved } from "./unsaved";

/** The newest version of each form, in the order first listed. */
export function latestForms(forms: FormSummary[]): FormSummary[] {
  const byId = new Map<string, FormSummary>();
  for (const f of forms) {
    const seen = byId.get(f.form.id);
    const newer =
      !seen ||
      (/^\d+$/.test(f.form.version) && /^\d+$/.test(seen.form.version)
        ? Number(f.form.version) > Number(seen.form.version)
        : f.form.version > seen.form.version);
    if (newer) byId.set(f.form.id, f);
  }
  return [...byId.values()];
}

/** Who a form is usually about: a child for the 2-year review, a parent for maternal mood. */
function suggestedRole(formId: string): "child" | "parent" | null {
  if (formId === "two-year-review") return "child";
  if (formId === "epds") return "parent";
  return null;
}

export function StartForm({
  familyId,
  family,
  forms,
  error,
  onError,
}: {
  familyId: string;
  family: Family;
  forms: FormSummary[];
  error: IpcError | null;
  onError: (e: IpcError | null) => void;
}) {
  const [formId, setFormId] = useState("");
  const [subject, setSubject] = useState("");
  const [busy, setBusy] = useState(false);
  const unsaved = useUnsaved("Start a form", formId !== "" || subject !== "");
  const members = Object.entries(family.members).filter(([, p]) => !p.entered_in_error);

  async function start() {
    if (!formId) {
      onError({ code: "invalid", message: "Choose a form to start.", problems: [{ field: "form", problem: "is required: choose a form" }], warning: null });
      return;
    }
    setBusy(true);
    try {
      const written = await formStart(familyId, formId, subject || null, null);
      onError(null);
      // Started: opening it leaves nothing behind.
      unsaved.forget();
      setFormId("");
      setSubject("");
      navigate({ screen: "form", familyId, responseId: written.record_id });
    } catch (e) {
      onError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={unsaved.ref}
      aria-label="Start a form"
      onChange={clearProblemOnChange(throughParent(error, onError))}
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-one-half">
          <Select
            name="form"
            label="Form"
            value={formId}
            placeholder="Choose a form"
            onChange={(v) => {
              setFormId(v);
              const role = suggestedRole(v);
              if (role && !subject) {
                const first = members.find(([, p]) => p.role === role);
                if (first) setSubject(first[0]);
              }
            }}
            options={latestForms(forms).map((f) => ({ value: f.form.id, label: f.title }))}
            error={problemFor(error, "form")}
          />
        </div>
        <div className="nhsuk-grid-column-one-half">
          <Select
            name="child"
            label="About"
            value={subject}
            placeholder="The whole family"
            onChange={setSubject}
            options={members.map(([id, p]) => ({ value: id, label: `${personName(p)} (${MEMBER_ROLE_LABELS[p.role].toLowerCase()})` }))}
            error={problemFor(error, "child")}
          />
        </div>
      </div>
      <button type="submit" className="nhsuk-button nhsuk-button--secondary" disabled={busy}>
        Start form
      </button>
    </form>
  );
}
