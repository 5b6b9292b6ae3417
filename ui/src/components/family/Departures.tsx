// Moved away, died or transferred in: who has left the caseload or joined
// it from another area, and the form to record that a member or the whole
// household moved away (the date and where to, which is required), that a
// member died (the date), or that a member or the household transferred
// in (the date and where from). The core checks every field and keeps a
// mark once made.
import { useState } from "react";
import { problemFor, recordArrival, recordDeparture, type Family } from "../../ipc";
import { invalid } from "../shell/problems";
import { DateInput, Radios, Select, TextInput } from "../fields";
import { ActionForm, blankToNull, memberOptions, RevealButton, Saved, useActionForm, useSave } from "./actionForm";
import { differs, useUnsaved } from "./unsaved";
import { DEPARTURE_LABELS, formatDate, personName } from "./format";

/** What happened: a departure's reason, or a transfer in. */
type Happened = "" | "moved-away" | "died" | "transferred-in";

const EVENTS: { value: Exclude<Happened, "">; label: string }[] = [
  { value: "moved-away", label: "Moved away (out of the area)" },
  { value: "died", label: "Died" },
  { value: "transferred-in", label: "Transferred in from another area" },
];

const WORDS: Record<Exclude<Happened, "">, { who: string; none: string; date: string; done: string }> = {
  "moved-away": { who: "Who moved away", none: "The whole household", date: "Date of the move", done: "Move recorded." },
  died: { who: "Who died", none: "Choose who died", date: "Date of death", done: "Death recorded." },
  "transferred-in": { who: "Who transferred in", none: "The whole household", date: "Date they transferred in", done: "Transfer in recorded." },
};

type Draft = { event: Happened; person: string; date: string; to: string; from: string };

export function Departures({
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
  const blank: Draft = { event: "", person: "", date: today, to: "", from: "" };
  const { open, show, close } = useActionForm<true>("departures");
  const { busy, error, setError, save } = useSave();
  const [draft, setDraft] = useState<Draft>(blank);
  const [done, setDone] = useState("");
  const set = (field: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [field]: v }));
  // What was typed is kept while another form is open, until saved or cancelled.
  const unsaved = useUnsaved("Record a move, death or transfer in", differs(draft, blank), () => show(true));

  const members = Object.entries(family.members)
    .filter(([, p]) => !p.entered_in_error && (p.left || p.transferred_in))
    .sort(([, a], [, b]) => (b.left?.date ?? b.transferred_in?.date ?? "").localeCompare(a.left?.date ?? a.transferred_in?.date ?? ""));

  const words = draft.event ? WORDS[draft.event] : null;
  const peopleFor = (event: Happened) =>
    event === "transferred-in"
      ? memberOptions(family, (p) => !p.transferred_in && p.role !== "unborn")
      : memberOptions(family, (p) => !p.left);
  const people = peopleFor(draft.event);

  function submit() {
    const { event } = draft;
    if (!event) {
      setError(invalid([{ field: "reason", problem: "is required: choose what happened" }]));
      return;
    }
    const person = blankToNull(draft.person);
    void save(
      () =>
        event === "transferred-in"
          ? recordArrival(familyId, { person, date: draft.date, from: blankToNull(draft.from) })
          : recordDeparture(familyId, { person, reason: event, date: draft.date, to: event === "moved-away" ? blankToNull(draft.to) : null }),
      () => {
        setDone(WORDS[event].done);
        setDraft(blank);
        close();
        onChange();
      },
    );
  }

  return (
    <>
      <Saved text={done} />
      {members.length === 0 ? (
        <p className="nhsuk-body">No one in the household has moved away, died or transferred in.</p>
      ) : (
        <ul className="nhsuk-list" data-testid="departures">
          {members.map(([id, p]) => (
            <li key={id}>
              <strong>{personName(p)}</strong>
              {p.left && (
                <span data-testid="departure">
                  : {DEPARTURE_LABELS[p.left.reason].toLowerCase()} on {formatDate(p.left.date)}
                  {p.left.to ? `, to ${p.left.to}` : ""}
                </span>
              )}
              {p.transferred_in && (
                <span data-testid="arrival">
                  {p.left ? "; " : ": "}transferred in on {formatDate(p.transferred_in.date)}
                  {p.transferred_in.from ? `, from ${p.transferred_in.from}` : ""}
                </span>
              )}
            </li>
          ))}
        </ul>
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
        Record a move, death or transfer in
      </RevealButton>
      {open && (
        <ActionForm
          label="Record a move, death or transfer in"
          testId="departure-form"
          unsaved={unsaved}
          error={error} setError={setError}
          busy={busy}
          submit="Save"
          onSubmit={submit}
          onCancel={() => {
            setDraft(blank);
            close();
          }}
        >
          <Radios
            name="reason"
            legend="What happened"
            value={draft.event}
            onChange={(v) =>
              setDraft((d) => {
                const event = v as Happened;
                // Keep who was chosen only if they can be chosen for this.
                const person = peopleFor(event).some((o) => o.value === d.person) ? d.person : "";
                return { ...d, event, person };
              })
            }
            options={EVENTS}
            error={problemFor(error, "reason")}
          />
          {words && (
            <>
              <Select
                name="person"
                label={words.who}
                placeholder={words.none}
                value={draft.person}
                onChange={set("person")}
                options={people}
                error={problemFor(error, "person")}
              />
              <DateInput name="date" legend={words.date} value={draft.date} onChange={set("date")} error={problemFor(error, "date")} />
              {draft.event === "moved-away" && (
                <TextInput
                  name="to"
                  label="Where to"
                  hint="The area or health visiting service they moved to"
                  value={draft.to}
                  onChange={set("to")}
                  error={problemFor(error, "to")}
                />
              )}
              {draft.event === "transferred-in" && (
                <TextInput
                  name="from"
                  label="Where from (optional)"
                  hint="The area or health visiting service they came from"
                  value={draft.from}
                  onChange={set("from")}
                  error={problemFor(error, "from")}
                />
              )}
            </>
          )}
        </ActionForm>
      )}
    </>
  );
}
