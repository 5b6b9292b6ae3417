// The family's safeguarding flags and safety alerts: those in force (or
// starting later) with who they concern, since when, the lead agency, the
// note and a child protection plan's conferences (a next review conference
// that has passed shows as overdue); the ended ones in a details element;
// and the forms to add a flag or alert, end one, and record a plan's next
// review conference. The core checks every field.
import { useState, type ReactNode } from "react";
import { addFlag, endFlag, problemFor, setReviewConference, type Family, type Flag } from "../../ipc";
import { DateInput, Select, TextArea, TextInput } from "../fields";
import { ActionForm, blankToNull, memberName, memberOptions, recordedBy, RevealButton, Saved, useActionForm, useSave } from "./actionForm";
import { differs, useUnsaved } from "./unsaved";
import { CP_CATEGORY_LABELS, FLAG_LABELS, formatDate, labelOf, SAFETY_ALERT_LABELS } from "./format";

/** Kinds that are child protection plans: a category of abuse and conferences. */
const CP_KINDS: ReadonlySet<string> = new Set(["child-protection", "pre-birth-cp"]);

export const isChildProtection = (kind: string) => CP_KINDS.has(kind);

/** "Child protection plan (Neglect)", "Safety alert: Dog in the house", "Child in need". */
export function flagTitle(flag: Flag): string {
  if (flag.kind === "safety-alert") return `${FLAG_LABELS[flag.kind]}: ${labelOf(SAFETY_ALERT_LABELS, flag.alert ?? "other")}`;
  const category = flag.cp_category ? ` (${labelOf(CP_CATEGORY_LABELS, flag.cp_category)})` : "";
  return `${labelOf(FLAG_LABELS, flag.kind)}${category}`;
}

type Draft = {
  kind: string;
  cp_category: string;
  alert: string;
  person: string;
  start: string;
  lead_agency: string;
  note: string;
  conference_on: string;
  review_conference_on: string;
};

const BLANK: Draft = {
  kind: "",
  cp_category: "",
  alert: "",
  person: "",
  start: "",
  lead_agency: "",
  note: "",
  conference_on: "",
  review_conference_on: "",
};

type Open = { form: "add" } | { form: "end"; id: string } | { form: "review"; id: string };

const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
    </div>
  );
}

export function Safeguarding({
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
  const { open, show, close } = useActionForm<Open>("safeguarding");
  const { busy, error, setError, save } = useSave();
  const [draft, setDraft] = useState<Draft>(BLANK);
  const [date, setDate] = useState("");
  // The date the end or review conference form opened with.
  const [dateOpened, setDateOpened] = useState("");
  const [done, setDone] = useState("");

  const flags = Object.entries(family.flags).filter(([, f]) => !f.entered_in_error);
  const current = flags
    .filter(([, f]) => !f.end || f.end >= today)
    .sort(([, a], [, b]) => Number(a.kind === "safety-alert") - Number(b.kind === "safety-alert") || a.start.localeCompare(b.start));
  const ended = flags
    .filter(([, f]) => f.end && f.end < today)
    .sort(([, a], [, b]) => (b.end ?? "").localeCompare(a.end ?? ""));

  const set = (field: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [field]: v }));
  const isCp = isChildProtection(draft.kind);
  const isAlert = draft.kind === "safety-alert";
  const who = (f: Flag) => memberName(family, f.person_id, "Whole household");

  // The flag whose end or review conference form is open, and that form's label.
  const flagOpen = open && open.form !== "add" ? family.flags[open.id] : undefined;
  const flagLabel = !flagOpen
    ? ""
    : open?.form === "end"
      ? `End ${flagTitle(flagOpen)}`
      : `Record the next review conference of the ${flagTitle(flagOpen)}`;
  // What was typed in the add form is kept while another form is open, until saved or cancelled.
  const addUnsaved = useUnsaved("Add a flag or alert", differs(draft, BLANK), () => show({ form: "add" }));
  const flagUnsaved = useUnsaved(flagLabel, Boolean(flagOpen) && date !== dateOpened);

  function start(which: Open, initialDate = "") {
    setError(null);
    setDone("");
    setDate(initialDate);
    setDateOpened(initialDate);
    show(which);
  }

  function submitAdd() {
    void save(
      () =>
        addFlag(familyId, {
          kind: draft.kind,
          cp_category: isCp ? blankToNull(draft.cp_category) : null,
          alert: isAlert ? blankToNull(draft.alert) : null,
          person_id: blankToNull(draft.person),
          start: draft.start,
          end: null,
          lead_agency: isAlert ? null : blankToNull(draft.lead_agency),
          note: blankToNull(draft.note),
          conference_on: isCp ? blankToNull(draft.conference_on) : null,
          review_conference_on: isCp ? blankToNull(draft.review_conference_on) : null,
        }),
      () => {
        setDone(`${isAlert ? "Safety alert" : labelOf(FLAG_LABELS, draft.kind)} added.`);
        setDraft(BLANK);
        close();
        onChange();
      },
    );
  }

  function submitFor(which: Open & { id: string }, flag: Flag) {
    void save(
      () => (which.form === "end" ? endFlag(familyId, which.id, date) : setReviewConference(familyId, which.id, date)),
      () => {
        setDone(which.form === "end" ? `${flagTitle(flag)} ended.` : "Next review conference recorded.");
        close();
        onChange();
      },
    );
  }

  function flagForm(id: string, flag: Flag) {
    if (!open || open.form === "add" || open.id !== id) return null;
    const which = open;
    const ending = which.form === "end";
    return (
      <ActionForm
        label={flagLabel}
        unsaved={flagUnsaved}
        error={error} setError={setError}
        busy={busy}
        submit={ending ? "End" : "Save review conference"}
        onSubmit={() => submitFor(which, flag)}
        onCancel={close}
      >
        {ending ? (
          <DateInput name="end" legend="End date" hint="The day it stopped applying" value={date} onChange={setDate} error={problemFor(error, "end")} />
        ) : (
          <DateInput
            name="review_conference_on"
            legend="Next review conference"
            hint="The date set at the last conference"
            value={date}
            onChange={setDate}
            error={problemFor(error, "review_conference_on")}
          />
        )}
      </ActionForm>
    );
  }

  return (
    <>
      <Saved text={done} />
      {current.length === 0 ? (
        <p className="nhsuk-body">No safeguarding flags or safety alerts are in force.</p>
      ) : (
        <ul className="nhsuk-list" data-testid="current-flags">
          {current.map(([id, f]) => {
            const cp = isChildProtection(f.kind);
            const overdue = cp && !!f.review_conference_on && f.review_conference_on < today;
            return (
              <li key={id} data-testid="flag" className="nhsuk-u-margin-bottom-5">
                <h3 className="nhsuk-heading-s nhsuk-u-margin-bottom-2">{flagTitle(f)}</h3>
                <dl className="nhsuk-summary-list nhsuk-u-margin-bottom-3">
                  <Row label="Concerns">{who(f)}</Row>
                  <Row label={f.start > today ? "From" : "Since"}>{formatDate(f.start)}</Row>
                  {f.end && <Row label="Until">{formatDate(f.end)}</Row>}
                  {f.lead_agency && <Row label="Lead agency">{f.lead_agency}</Row>}
                  {f.note && <Row label="Note">{f.note}</Row>}
                  {cp && <Row label="Initial child protection conference">{f.conference_on ? formatDate(f.conference_on) : "Not recorded"}</Row>}
                  {cp && (
                    <Row label="Next review conference">
                      {f.review_conference_on ? formatDate(f.review_conference_on) : "Not recorded"}
                      {overdue && (
                        <>
                          {" "}
                          <strong className="nhsuk-tag nhsuk-tag--red" data-testid="review-overdue">
                            Overdue
                          </strong>
                        </>
                      )}
                    </Row>
                  )}
                  <Row label="Recorded by">{recordedBy(f.recorded)}</Row>
                </dl>
                {!f.end && (
                  <div className="nhsuk-button-group nhsuk-u-margin-bottom-0">
                    <RevealButton
                      small
                      expanded={open?.form === "end" && open.id === id}
                      onClick={() => (open?.form === "end" && open.id === id ? close() : start({ form: "end", id }, today))}
                    >
                      End{" "}<span className="nhsuk-u-visually-hidden">{flagTitle(f)}: {who(f)}</span>
                    </RevealButton>
                    {cp && (
                      <RevealButton
                        small
                        expanded={open?.form === "review" && open.id === id}
                        onClick={() => (open?.form === "review" && open.id === id ? close() : start({ form: "review", id }))}
                      >
                        Record next review conference<span className="nhsuk-u-visually-hidden">: {who(f)}</span>
                      </RevealButton>
                    )}
                  </div>
                )}
                {flagForm(id, f)}
              </li>
            );
          })}
        </ul>
      )}

      {ended.length > 0 && (
        <details className="nhsuk-details" data-testid="ended-flags">
          <summary className="nhsuk-details__summary">
            <span className="nhsuk-details__summary-text">Ended flags and alerts ({ended.length})</span>
          </summary>
          <div className="nhsuk-details__text">
            <ul className="nhsuk-list">
              {ended.map(([id, f]) => (
                <li key={id} data-testid="ended-flag">
                  <strong>{flagTitle(f)}</strong>: {who(f)}, {formatDate(f.start)} to {formatDate(f.end)}
                  {f.lead_agency ? `. Lead agency: ${f.lead_agency}` : ""}
                  {f.note ? `. ${f.note}` : ""}
                  {f.ended ? `. Ended by ${recordedBy(f.ended)}` : ""}
                </li>
              ))}
            </ul>
          </div>
        </details>
      )}

      <RevealButton expanded={open?.form === "add"} onClick={() => (open?.form === "add" ? close() : start({ form: "add" }))}>
        Add a flag or alert
      </RevealButton>
      {open?.form === "add" && (
        <ActionForm
          label="Add a flag or alert"
          testId="add-flag-form"
          unsaved={addUnsaved}
          error={error} setError={setError}
          busy={busy}
          submit="Save flag or alert"
          onSubmit={submitAdd}
          onCancel={() => {
            setDraft(BLANK);
            close();
          }}
        >
          <Select
            name="kind"
            label="Kind of flag or alert"
            placeholder="Choose a kind"
            value={draft.kind}
            onChange={set("kind")}
            options={options(FLAG_LABELS)}
            error={problemFor(error, "kind")}
          />
          {isCp && (
            <Select
              name="cp_category"
              label="Category of abuse"
              placeholder="Choose a category"
              value={draft.cp_category}
              onChange={set("cp_category")}
              options={options(CP_CATEGORY_LABELS)}
              error={problemFor(error, "cp_category")}
            />
          )}
          {isAlert && (
            <Select
              name="alert"
              label="Kind of safety alert"
              placeholder="Choose a kind of alert"
              value={draft.alert}
              onChange={set("alert")}
              options={options(SAFETY_ALERT_LABELS)}
              error={problemFor(error, "alert")}
            />
          )}
          <Select
            name="person"
            label="Who it concerns"
            placeholder="The whole household"
            value={draft.person}
            onChange={set("person")}
            options={memberOptions(family, (p) => !p.left)}
            error={problemFor(error, "person")}
          />
          <DateInput
            name="start"
            legend={isCp ? "Date the plan started" : "Start date"}
            hint="For example, 5 1 2026"
            value={draft.start}
            onChange={set("start")}
            error={problemFor(error, "start")}
          />
          {!isAlert && (
            <TextInput
              name="lead_agency"
              label="Lead agency (optional)"
              hint="For example, the local authority's children's social care"
              value={draft.lead_agency}
              onChange={set("lead_agency")}
              error={problemFor(error, "lead_agency")}
            />
          )}
          <TextArea
            name="note"
            label="Note (optional)"
            hint={isAlert ? "What visiting staff need to know, for example ask for the dog to be shut away before entering" : undefined}
            rows={3}
            value={draft.note}
            onChange={set("note")}
            error={problemFor(error, "note")}
          />
          {isCp && (
            <>
              <DateInput
                name="conference_on"
                legend="Initial child protection conference (optional)"
                value={draft.conference_on}
                onChange={set("conference_on")}
                error={problemFor(error, "conference_on")}
              />
              <DateInput
                name="review_conference_on"
                legend="Next review conference (optional)"
                value={draft.review_conference_on}
                onChange={set("review_conference_on")}
                error={problemFor(error, "review_conference_on")}
              />
            </>
          )}
        </ActionForm>
      )}
    </>
  );
}
