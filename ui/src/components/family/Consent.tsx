// Consent to share information: every decision on the record, newest
// first (given, refused or withdrawn; the date; what it covers; who
// decided; who recorded it), the "Record consent" form, and "Withdraw" on
// a consent given and not since changed, which opens the form with
// "withdrawn" and that consent's scope and person filled in. The core
// checks every field.
import { useState } from "react";
import { problemFor, recordConsent, type Consent as ConsentRecord, type ConsentDecision, type Family } from "../../ipc";
import { DateInput, Radios, Select, TextInput } from "../fields";
import { ActionForm, blankToNull, memberName, memberOptions, recordedBy, RevealButton, Saved, useActionForm, useSave } from "./actionForm";
import { differs, useUnsaved } from "./unsaved";
import { formatDate } from "./format";

export const CONSENT_DECISION_LABELS: Record<ConsentDecision, string> = {
  given: "Given",
  refused: "Refused",
  withdrawn: "Withdrawn",
};

const DECISION_TAGS: Record<ConsentDecision, string> = {
  given: "nhsuk-tag nhsuk-tag--green",
  refused: "nhsuk-tag nhsuk-tag--red",
  withdrawn: "nhsuk-tag nhsuk-tag--orange",
};

type Draft = { decision: string; date: string; scope: string; person: string };

const newest = (a: ConsentRecord, b: ConsentRecord) => b.date.localeCompare(a.date) || b.recorded.at.localeCompare(a.recorded.at);

const sameScope = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Whether a consent is given and no later decision covers the same thing. */
function canWithdraw(consent: ConsentRecord, all: ConsentRecord[]): boolean {
  return consent.decision === "given" && !all.some((c) => c !== consent && sameScope(c.scope, consent.scope) && newest(c, consent) < 0);
}

export function Consent({
  familyId,
  family,
  today,
  onChange,
}: {
  familyId: string;
  family: Family;
  /** The day the record is shown for (YYYY-MM-DD). */
  today: string;
  /** Called after a save, to reload the record. */
  onChange: () => void;
}) {
  const blank: Draft = { decision: "", date: today, scope: "", person: "" };
  const { open, show, close } = useActionForm<true>("consent");
  const { busy, error, setError, save } = useSave();
  const [draft, setDraft] = useState<Draft>(blank);
  // How the form opened: blank, or filled in to withdraw a consent.
  const [opened, setOpened] = useState<Draft>(blank);
  const [done, setDone] = useState("");
  const set = (field: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [field]: v }));
  // What was typed is kept while another form is open, until saved or cancelled.
  const unsaved = useUnsaved("Record consent", differs(draft, opened), () => show(true));

  const consents = Object.entries(family.consents)
    .filter(([, c]) => !c.entered_in_error)
    .sort(([, a], [, b]) => newest(a, b));
  const all = consents.map(([, c]) => c);

  function start(prefill?: Draft) {
    setError(null);
    setDone("");
    if (prefill) {
      setDraft(prefill);
      setOpened(prefill);
    }
    show(true);
  }

  function submit() {
    void save(
      () =>
        recordConsent(familyId, {
          decision: draft.decision,
          date: draft.date,
          scope: draft.scope,
          person_id: blankToNull(draft.person),
        }),
      () => {
        setDone("Consent decision recorded.");
        setDraft(blank);
        setOpened(blank);
        close();
        onChange();
      },
    );
  }

  return (
    <>
      <Saved text={done} />
      {consents.length === 0 ? (
        <p className="nhsuk-body">No consent decisions have been recorded.</p>
      ) : (
        <table className="nhsuk-table" data-testid="consents-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Consent decisions, newest first</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">What it covers</th>
              <th scope="col" className="nhsuk-table__header">Decision</th>
              <th scope="col" className="nhsuk-table__header">Date</th>
              <th scope="col" className="nhsuk-table__header">Who decided</th>
              <th scope="col" className="nhsuk-table__header">Recorded by</th>
              <th scope="col" className="nhsuk-table__header">
                <span className="nhsuk-u-visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {consents.map(([id, c]) => (
              <tr className="nhsuk-table__row" key={id} data-testid="consent">
                <th scope="row" className="nhsuk-table__cell">{c.scope}</th>
                <td className="nhsuk-table__cell">
                  <strong className={DECISION_TAGS[c.decision]}>{CONSENT_DECISION_LABELS[c.decision]}</strong>
                </td>
                <td className="nhsuk-table__cell" style={{ whiteSpace: "nowrap" }}>
                  {formatDate(c.date)}
                </td>
                <td className="nhsuk-table__cell">{memberName(family, c.person_id, "Not recorded")}</td>
                <td className="nhsuk-table__cell">{recordedBy(c.recorded)}</td>
                <td className="nhsuk-table__cell">
                  {canWithdraw(c, all) && (
                    <button
                      type="button"
                      className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
                      onClick={() => start({ decision: "withdrawn", date: today, scope: c.scope, person: c.person_id ?? "" })}
                    >
                      Withdraw{" "}<span className="nhsuk-u-visually-hidden">consent: {c.scope}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <RevealButton expanded={open !== null} onClick={() => (open ? close() : start())}>
        Record consent
      </RevealButton>
      {open && (
        <ActionForm
          label="Record consent"
          testId="consent-form"
          unsaved={unsaved}
          error={error} setError={setError}
          busy={busy}
          submit="Save consent decision"
          onSubmit={submit}
          onCancel={() => {
            setDraft(blank);
            setOpened(blank);
            close();
          }}
        >
          <Radios
            name="decision"
            legend="Consent to share information"
            inline
            value={draft.decision}
            onChange={set("decision")}
            options={Object.entries(CONSENT_DECISION_LABELS).map(([value, label]) => ({ value, label }))}
            error={problemFor(error, "decision")}
          />
          <DateInput
            name="date"
            legend="Date of the decision"
            value={draft.date}
            onChange={set("date")}
            error={problemFor(error, "date")}
          />
          <TextInput
            name="scope"
            label="What it covers"
            hint="Who information may be shared with, for example the GP and the children's centre"
            value={draft.scope}
            onChange={set("scope")}
            error={problemFor(error, "scope")}
          />
          <Select
            name="person"
            label="Who decided (optional)"
            placeholder="Not recorded"
            value={draft.person}
            onChange={set("person")}
            options={memberOptions(family, (p) => p.role !== "unborn")}
            error={problemFor(error, "person")}
          />
        </ActionForm>
      )}
    </>
  );
}
