// The family's level of service: every level set, newest first, with the
// one in force today marked, and the "Change level of service" form (the
// level, the date it applies from, today unless changed, and the reason,
// which is required). The core checks every field; the history keeps
// every entry.
import { useState } from "react";
import { problemFor, setLevel, type Family } from "../../ipc";
import { DateInput, Select, TextArea } from "../fields";
import { ActionForm, recordedBy, RevealButton, Saved, useActionForm, useSave } from "./actionForm";
import { differs, useUnsaved } from "./unsaved";
import { datesInWords, formatDate, labelOf, LEVEL_LABELS } from "./format";

type Draft = { level: string; effective: string; reason: string };

export function LevelOfService({
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
  const blank: Draft = { level: "", effective: today, reason: "" };
  const { open, show, close } = useActionForm<true>("level");
  const { busy, error, setError, save } = useSave();
  const [draft, setDraft] = useState<Draft>(blank);
  const [done, setDone] = useState("");
  const set = (field: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [field]: v }));
  // What was typed is kept while another form is open, until saved or cancelled.
  const unsaved = useUnsaved("Change level of service", differs(draft, blank), () => show(true));

  const history = Object.entries(family.levels)
    .filter(([, l]) => !l.entered_in_error)
    .sort(([, a], [, b]) => b.effective.localeCompare(a.effective) || b.recorded.at.localeCompare(a.recorded.at));
  const inForce = history.find(([, l]) => l.effective <= today)?.[0];

  function submit() {
    void save(
      () => setLevel(familyId, draft),
      () => {
        setDone(`Level of service changed to ${labelOf(LEVEL_LABELS, draft.level)}.`);
        setDraft(blank);
        close();
        onChange();
      },
    );
  }

  return (
    <>
      <Saved text={done} />
      {history.length === 0 ? (
        <p className="nhsuk-body">No level of service has been set: the family has the universal service.</p>
      ) : (
        <table className="nhsuk-table" data-testid="level-history">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Levels of service, newest first</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">From</th>
              <th scope="col" className="nhsuk-table__header">Level of service</th>
              <th scope="col" className="nhsuk-table__header">Reason</th>
              <th scope="col" className="nhsuk-table__header">Recorded by</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {history.map(([id, l]) => (
              <tr className="nhsuk-table__row" key={id} data-testid="level-entry">
                <td className="nhsuk-table__cell" style={{ whiteSpace: "nowrap" }}>
                  {formatDate(l.effective)}
                </td>
                <th scope="row" className="nhsuk-table__cell">
                  {labelOf(LEVEL_LABELS, l.level)}
                  {id === inForce && (
                    <>
                      {" "}
                      <strong className="nhsuk-tag nhsuk-tag--blue">Current</strong>
                    </>
                  )}
                  {l.effective > today && (
                    <>
                      {" "}
                      <strong className="nhsuk-tag nhsuk-tag--grey">Planned</strong>
                    </>
                  )}
                </th>
                <td className="nhsuk-table__cell">{datesInWords(l.reason)}</td>
                <td className="nhsuk-table__cell">{recordedBy(l.recorded)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <RevealButton
        expanded={open !== null}
        onClick={() => {
          if (open) return close();
          setError(null);
          setDone("");
          show(true);
        }}
      >
        Change level of service
      </RevealButton>
      {open && (
        <ActionForm
          label="Change level of service"
          unsaved={unsaved}
          error={error} setError={setError}
          busy={busy}
          submit="Save level of service"
          onSubmit={submit}
          onCancel={() => {
            setDraft(blank);
            close();
          }}
        >
          <Select
            name="level"
            label="Level of service"
            placeholder="Choose a level"
            value={draft.level}
            onChange={set("level")}
            options={Object.entries(LEVEL_LABELS).map(([value, label]) => ({ value, label }))}
            error={problemFor(error, "level")}
          />
          <DateInput
            name="effective"
            legend="From"
            hint="The date the new level applies from"
            value={draft.effective}
            onChange={set("effective")}
            error={problemFor(error, "effective")}
          />
          <TextArea
            name="reason"
            label="Reason for the change"
            hint="For example, child protection plan started, or needs met at universal level"
            rows={3}
            value={draft.reason}
            onChange={set("reason")}
            error={problemFor(error, "reason")}
          />
        </ActionForm>
      )}
    </>
  );
}
