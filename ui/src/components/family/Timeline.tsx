// The family's contacts and assessments, newest first. A signed contact
// offers only "Add an addendum" and "Mark entered in error" (the record
// never changes otherwise); a draft can be signed. One action form is open
// at a time, so its fields keep the names the core reports (text, reason).
import { useEffect, useState, type ReactNode } from "react";
import {
  addAddendum,
  markEnteredInError,
  problemFor,
  signContact,
  type Contact,
  type Family,
  type FormResponse,
  type IpcError,
} from "../../ipc";
import { failure } from "./failure";
import { href } from "../../route";
import { TextArea, TextInput } from "../fields";
import {
  ATTENDANCE_LABELS,
  CONTACT_KIND_LABELS,
  formatDateTime,
  formatNumber,
  labelOf,
  MEASURE_LABELS,
  personName,
  ROLE_LABELS,
} from "./format";
import { unitText } from "./GrowthChart";

type Entry =
  | { type: "contact"; id: string; at: string; contact: Contact }
  | { type: "response"; id: string; at: string; response: FormResponse };

/** Contacts and responses, newest first. */
export function timelineEntries(family: Family): Entry[] {
  const entries: Entry[] = [
    ...Object.entries(family.contacts).map(([id, contact]) => ({ type: "contact" as const, id, at: contact.at, contact })),
    ...Object.entries(family.responses).map(([id, response]) => ({
      type: "response" as const,
      id,
      at: response.completed?.at ?? response.started.at,
      response,
    })),
  ];
  return entries.sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id));
}

function subjectNames(family: Family, ids: string[]): string {
  return ids
    .map((id) => family.members[id])
    .filter(Boolean)
    .map((p) => personName(p))
    .join(", ");
}

function StatusTag({ status }: { status: "draft" | "signed" | "completed" | "error" }) {
  const [cls, text] = {
    draft: ["nhsuk-tag--grey", "Draft"],
    signed: ["nhsuk-tag--green", "Signed"],
    completed: ["nhsuk-tag--green", "Completed"],
    error: ["nhsuk-tag--red", "Entered in error"],
  }[status];
  return <strong className={`nhsuk-tag ${cls}`}>{text}</strong>;
}

type Action = { id: string; kind: "addendum" | "error" };

export function Timeline({
  familyId,
  family,
  formTitles,
  topicLabels = {},
  error,
  onError,
  onChanged,
}: {
  familyId: string;
  family: Family;
  formTitles: Record<string, string>;
  /** Labels of the high-impact-area topics, by code. */
  topicLabels?: Record<string, string>;
  /** The page's error, when it came from this timeline. */
  error: IpcError | null;
  onError: (e: IpcError | null) => void;
  /** Called after a write, so the page reloads the record. */
  onChanged: () => void;
}) {
  const [action, setAction] = useState<Action | null>(null);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState("");
  const entries = timelineEntries(family);

  useEffect(() => {
    if (action) document.getElementById(action.kind === "addendum" ? "field-text" : "field-reason")?.focus();
  }, [action]);

  function open(next: Action) {
    setAction(next);
    setText("");
    setDone("");
    onError(null);
  }

  async function submit() {
    if (!action) return;
    setBusy(true);
    try {
      if (action.kind === "addendum") await addAddendum(familyId, action.id, text);
      else await markEnteredInError(familyId, action.id, text);
      setDone(action.kind === "addendum" ? "Addendum added." : "Marked entered in error.");
      setAction(null);
      setText("");
      onError(null);
      onChanged();
    } catch (e) {
      onError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  async function sign(id: string) {
    setBusy(true);
    setDone("");
    try {
      await signContact(familyId, id);
      setDone("Contact signed.");
      onError(null);
      onChanged();
    } catch (e) {
      onError(failure(e));
    } finally {
      setBusy(false);
    }
  }

  function actionForm(id: string, what: string) {
    if (action?.id !== id) return null;
    const isAddendum = action.kind === "addendum";
    return (
      <form
        className="doorstep-timeline__action"
        aria-label={isAddendum ? `Add an addendum to ${what}` : `Mark ${what} entered in error`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {isAddendum ? (
          <TextArea
            name="text"
            label="Addendum"
            hint="A dated correction or addition. The signed contact stays as it was."
            rows={3}
            value={text}
            onChange={setText}
            error={problemFor(error, "text")}
          />
        ) : (
          <TextInput
            name="reason"
            label="Why was it entered in error?"
            hint="For example, recorded against the wrong family. The record is kept, marked as entered in error."
            value={text}
            onChange={setText}
            error={problemFor(error, "reason") ?? problemFor(error, "record")}
          />
        )}
        <div className="nhsuk-button-group">
          <button type="submit" className={"nhsuk-button nhsuk-button--small" + (isAddendum ? "" : " nhsuk-button--warning")} disabled={busy}>
            {isAddendum ? "Save addendum" : "Mark entered in error"}
          </button>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            onClick={() => {
              setAction(null);
              onError(null);
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    );
  }

  if (entries.length === 0) return <p className="nhsuk-body">No contacts or assessments have been recorded yet.</p>;

  return (
    <>
      <p className="nhsuk-u-visually-hidden" aria-live="polite">
        {done}
      </p>
      {done && <p className="nhsuk-body-s" aria-hidden="true"><strong>{done}</strong></p>}
      <ol className="nhsuk-list doorstep-timeline" style={{ borderLeft: "4px solid #d8dde0", paddingLeft: 16 }}>
        {entries.map((e) =>
          e.type === "contact" ? (
            <ContactItem
              key={e.id}
              id={e.id}
              contact={e.contact}
              family={family}
              topicLabels={topicLabels}
              busy={busy}
              actionOpen={action?.id === e.id ? action.kind : null}
              onAction={(kind) => open({ id: e.id, kind })}
              onSign={() => void sign(e.id)}
              form={actionForm(e.id, `the ${CONTACT_KIND_LABELS[e.contact.kind] ?? "contact"} of ${formatDateTime(e.contact.at)}`)}
            />
          ) : (
            <ResponseItem
              key={e.id}
              id={e.id}
              familyId={familyId}
              response={e.response}
              family={family}
              title={formTitles[e.response.form.id] ?? e.response.form.id}
            />
          ),
        )}
      </ol>
    </>
  );
}

function ContactItem({
  id,
  contact: c,
  family,
  topicLabels,
  busy,
  actionOpen,
  onAction,
  onSign,
  form,
}: {
  id: string;
  contact: Contact;
  family: Family;
  topicLabels: Record<string, string>;
  busy: boolean;
  actionOpen: "addendum" | "error" | null;
  onAction: (kind: "addendum" | "error") => void;
  onSign: () => void;
  form: ReactNode;
}) {
  const kind = labelOf(CONTACT_KIND_LABELS, c.kind);
  const subjects = subjectNames(family, Object.keys(c.subjects).filter((k) => c.subjects[k]));
  const topics = Object.keys(c.topics).filter((k) => c.topics[k]);
  const measurements = Object.entries(family.measurements)
    .filter(([, m]) => m.contact_id === id && !m.entered_in_error)
    .map(([mid, m]) => ({ mid, m }));
  const addenda = Object.entries(c.addenda).sort(([, a], [, b]) => a.at.localeCompare(b.at));
  const status = c.entered_in_error ? "error" : c.status;
  return (
    <li data-testid="timeline-contact" className="nhsuk-u-margin-bottom-5">
      <h3 className="nhsuk-heading-s nhsuk-u-margin-bottom-1">
        {kind}, {formatDateTime(c.at)} <StatusTag status={status} />
      </h3>
      <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
        {labelOf(ATTENDANCE_LABELS, c.attendance)}
        {c.declined_reason ? ` (${c.declined_reason})` : ""} · {c.practitioner} ({labelOf(ROLE_LABELS, c.role)})
        {c.accountable_hv ? `, accountable health visitor ${c.accountable_hv}` : ""}
        {c.duration_minutes ? ` · ${c.duration_minutes} minutes` : ""}
        {subjects ? ` · About ${subjects}` : ""}
      </p>
      {c.present && <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">Present: {c.present}</p>}
      {topics.length > 0 && <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">Topics discussed: {topics.map((t) => topicLabels[t] ?? t).join("; ")}</p>}
      {measurements.length > 0 && (
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
          Measurements:{" "}
          {measurements
            .map(({ m }) => {
              const who = family.members[m.person_id];
              const name = who && subjects.includes(",") ? ` (${personName(who)})` : "";
              return `${MEASURE_LABELS[m.measure]} ${formatNumber(m.value, 3)} ${m.measure === "weight" ? "kg" : m.measure === "bmi" ? unitText("kg/m2") : "cm"}${name}`;
            })
            .join("; ")}
        </p>
      )}
      {c.note && <p className="nhsuk-body-s nhsuk-u-margin-bottom-1" style={{ whiteSpace: "pre-wrap" }}>{c.note}</p>}
      {c.signed && (
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
          Signed by {c.signed.by}, {formatDateTime(c.signed.at)}
        </p>
      )}
      {addenda.length > 0 && (
        <ul className="nhsuk-list nhsuk-u-margin-bottom-1">
          {addenda.map(([aid, a]) => (
            <li key={aid} className="nhsuk-body-s nhsuk-u-margin-bottom-1" data-testid="addendum">
              <strong>Addendum</strong> by {a.by}, {formatDateTime(a.at)}: {a.text}
            </li>
          ))}
        </ul>
      )}
      {c.entered_in_error && (
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
          Entered in error by {c.entered_in_error.by}, {formatDateTime(c.entered_in_error.at)}: {c.entered_in_error.reason}
        </p>
      )}
      {!c.entered_in_error && !actionOpen && (
        <div className="nhsuk-button-group nhsuk-u-margin-bottom-2">
          {c.status === "draft" ? (
            <button type="button" className="nhsuk-button nhsuk-button--small" disabled={busy} onClick={onSign}>
              Sign<span className="nhsuk-u-visually-hidden"> {kind}, {formatDateTime(c.at)}</span>
            </button>
          ) : (
            <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => onAction("addendum")}>
              Add an addendum<span className="nhsuk-u-visually-hidden"> to {kind}, {formatDateTime(c.at)}</span>
            </button>
          )}
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => onAction("error")}>
            Mark entered in error<span className="nhsuk-u-visually-hidden">: {kind}, {formatDateTime(c.at)}</span>
          </button>
        </div>
      )}
      {form}
    </li>
  );
}

function ResponseItem({
  id,
  familyId,
  response: r,
  family,
  title,
}: {
  id: string;
  familyId: string;
  response: FormResponse;
  family: Family;
  title: string;
}) {
  const subject = r.subject ? family.members[r.subject] : undefined;
  const status = r.entered_in_error ? "error" : r.status;
  const scores = Object.values(r.scores ?? {});
  return (
    <li data-testid="timeline-assessment" className="nhsuk-u-margin-bottom-5">
      <h3 className="nhsuk-heading-s nhsuk-u-margin-bottom-1">
        {title} <StatusTag status={status} />
      </h3>
      <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
        {r.completed
          ? `Completed by ${r.completed.by}, ${formatDateTime(r.completed.at)}`
          : `Started by ${r.started.by}, ${formatDateTime(r.started.at)}`}
        {subject ? ` · About ${personName(subject)}` : ""}
        {r.amends ? " · Amends an earlier response" : ""}
      </p>
      {scores.length > 0 && (
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
          {scores.map((s) => `${s.label}: ${formatNumber(s.value)}${s.interpretation ? ` (${s.interpretation})` : ""}`).join("; ")}
        </p>
      )}
      {r.entered_in_error ? (
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-1">
          Entered in error by {r.entered_in_error.by}, {formatDateTime(r.entered_in_error.at)}: {r.entered_in_error.reason}
        </p>
      ) : (
        <p className="nhsuk-body-s">
          <a href={href({ screen: "form", familyId, responseId: id })}>
            {r.status === "draft" ? "Continue" : "View"}
            <span className="nhsuk-u-visually-hidden"> {title}</span>
          </a>
        </p>
      )}
    </li>
  );
}
