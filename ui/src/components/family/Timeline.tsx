// The family's contacts and assessments, newest first. A signed contact
// offers only "Add an addendum" and "Mark entered in error" (the record
// never changes otherwise); a draft can be changed or signed. One action
// form is open at a time, so its fields keep the names the core reports
// (text, reason; a problem goes once its field is changed), and leaving the
// record with something typed in it asks first (see unsaved). Each contact
// can be saved as a visit summary (PDF) or for another system (FHIR); each
// form as a PDF, and a completed one for another system or amended (a new
// draft that replaces it).
import { useEffect, useState, type ReactNode } from "react";
import {
  addAddendum,
  formAmend,
  markEnteredInError,
  problemFor,
  signContact,
  type Contact,
  type ExportRequest,
  type Family,
  type FormResponse,
  type IpcError,
} from "../../ipc";
import { failure } from "./failure";
import { href, navigate } from "../../route";
import { inWords, SavedNote, useSaveExport } from "./SaveExport";
import { TextArea, TextInput } from "../fields";
import { clearProblemOnChange, throughParent } from "../fieldProblems";
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
import { useUnsaved } from "./unsaved";

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

/** The draft amending completed response `responseId`, if one was started and not finished. */
export function draftAmendment(family: Family, responseId: string): string | undefined {
  return Object.entries(family.responses).find(
    ([, r]) => r.amends === responseId && r.status === "draft" && !r.entered_in_error,
  )?.[0];
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

/** The contact an action is on, in words: "the New birth visit of 21 November 2025, 10:30". */
function contactInWords(contact: Contact): string {
  return `the ${CONTACT_KIND_LABELS[contact.kind] ?? "contact"} of ${formatDateTime(contact.at)}`;
}

/** The label of an action's form. */
function actionLabel(action: Action, what: string): string {
  return action.kind === "addendum" ? `Add an addendum to ${what}` : `Mark ${what} entered in error`;
}

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
  const [amending, setAmending] = useState<string | null>(null);
  const exports = useSaveExport(familyId, onError);
  const entries = timelineEntries(family);
  const acting = action ? family.contacts[action.id] : undefined;
  const unsaved = useUnsaved(action && acting ? actionLabel(action, contactInWords(acting)) : "", action !== null && text !== "");

  useEffect(() => {
    if (action) document.getElementById(action.kind === "addendum" ? "field-text" : "field-reason")?.focus();
  }, [action]);

  function open(next: Action) {
    setAction(next);
    setText("");
    setDone("");
    exports.clear();
    onError(null);
  }

  function saveCopy(id: string, request: ExportRequest, what: string) {
    setDone("");
    void exports.save(id, request, what);
  }

  /** Starts an amendment of a completed form and opens it. */
  async function amend(id: string, title: string) {
    setAmending(id);
    setDone("");
    exports.clear();
    onError(null);
    try {
      const written = await formAmend(familyId, id);
      navigate({ screen: "form", familyId, responseId: written.record_id });
    } catch (e) {
      onError(inWords(failure(e), `Doorstep could not start an amendment of the ${title}`));
    } finally {
      setAmending(null);
    }
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
    exports.clear();
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
        ref={unsaved.ref}
        className="doorstep-timeline__action"
        aria-label={actionLabel(action, what)}
        onChange={clearProblemOnChange(throughParent(error, onError), (field) => (field === "reason" ? ["record"] : []))}
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
              familyId={familyId}
              contact={e.contact}
              family={family}
              topicLabels={topicLabels}
              busy={busy}
              saving={exports.saving !== null}
              saved={exports.saved?.key === e.id ? exports.saved.name : null}
              onSave={(request, what) => saveCopy(e.id, request, what)}
              actionOpen={action?.id === e.id ? action.kind : null}
              onAction={(kind) => open({ id: e.id, kind })}
              onSign={() => void sign(e.id)}
              form={actionForm(e.id, contactInWords(e.contact))}
            />
          ) : (
            <ResponseItem
              key={e.id}
              id={e.id}
              familyId={familyId}
              response={e.response}
              family={family}
              title={formTitles[e.response.form.id] ?? e.response.form.id}
              busy={exports.saving !== null || amending !== null}
              saved={exports.saved?.key === e.id ? exports.saved.name : null}
              onSave={(request, what) => saveCopy(e.id, request, what)}
              onAmend={(title) => void amend(e.id, title)}
            />
          ),
        )}
      </ol>
    </>
  );
}

/** Saves one record's export; `what` names it in an error ("the visit summary"). */
type OnSave = (request: ExportRequest, what: string) => void;

function ContactItem({
  id,
  familyId,
  contact: c,
  family,
  topicLabels,
  busy,
  saving,
  saved,
  onSave,
  actionOpen,
  onAction,
  onSign,
  form,
}: {
  id: string;
  familyId: string;
  contact: Contact;
  family: Family;
  topicLabels: Record<string, string>;
  busy: boolean;
  /** Whether a save dialog is open (one at a time). */
  saving: boolean;
  /** The file name this contact was last saved as. */
  saved: string | null;
  onSave: OnSave;
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
  const when = formatDateTime(c.at);
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
      {!c.entered_in_error && !actionOpen && c.status === "draft" && (
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-2">
          <a href={href({ screen: "contact-edit", familyId, contactId: id })}>
            Change this draft<span className="nhsuk-u-visually-hidden">: {kind}, {when}</span>
          </a>
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
      {!c.entered_in_error && !actionOpen && (
        <div className="nhsuk-button-group nhsuk-u-margin-bottom-2">
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            disabled={saving}
            onClick={() => onSave({ kind: "visit-pdf", contact_id: id }, "the visit summary")}
          >
            Save visit summary (PDF)<span className="nhsuk-u-visually-hidden">: {kind}, {when}</span>
          </button>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            disabled={saving}
            onClick={() => onSave({ kind: "contact-fhir", contact_id: id }, "the contact for another system")}
          >
            Save for another system (FHIR)<span className="nhsuk-u-visually-hidden">: {kind}, {when}</span>
          </button>
        </div>
      )}
      <SavedNote name={saved} />
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
  busy,
  saved,
  onSave,
  onAmend,
}: {
  id: string;
  familyId: string;
  response: FormResponse;
  family: Family;
  title: string;
  /** Whether a save dialog is open or an amendment is being started. */
  busy: boolean;
  /** The file name this form was last saved as. */
  saved: string | null;
  onSave: OnSave;
  onAmend: (title: string) => void;
}) {
  const subject = r.subject ? family.members[r.subject] : undefined;
  const status = r.entered_in_error ? "error" : r.status;
  const completed = r.status === "completed";
  const amendment = completed ? draftAmendment(family, id) : undefined;
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
          {amendment && (
            <>
              {" · "}
              <a href={href({ screen: "form", familyId, responseId: amendment })}>
                Continue the amendment<span className="nhsuk-u-visually-hidden"> of {title}</span>
              </a>
            </>
          )}
        </p>
      )}
      {!r.entered_in_error && (
        <div className="nhsuk-button-group nhsuk-u-margin-bottom-2">
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            disabled={busy}
            onClick={() => onSave({ kind: "form-pdf", response_id: id }, `the ${title}`)}
          >
            Save as PDF<span className="nhsuk-u-visually-hidden">: {title}</span>
          </button>
          {completed && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
              disabled={busy}
              onClick={() => onSave({ kind: "form-fhir", response_id: id }, `the ${title} for another system`)}
            >
              Save for another system (FHIR)<span className="nhsuk-u-visually-hidden">: {title}</span>
            </button>
          )}
          {completed && !amendment && (
            <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" disabled={busy} onClick={() => onAmend(title)}>
              Amend this form<span className="nhsuk-u-visually-hidden">: {title}</span>
            </button>
          )}
        </div>
      )}
      <SavedNote name={saved} />
    </li>
  );
}
