// An assessment form: every question the form asks given the answers so
// far (the core's `asked` list: enableWhen is the core's rule, and it takes
// back answers a change hides in the same save), each answer saved as it is given (form_answer with its
// item path), the core's problems next to their questions (a question's
// problem goes as soon as it is changed, here and in the summary of a
// refused Complete, until its answer is saved and checked again), the
// scores as they update, and "Complete", which the core refuses while a
// required answer is missing. A completed response is shown read-only, with "Amend
// this form" (a new draft that replaces it). Either can be saved as a PDF
// where the practitioner chooses. The form definition comes with the
// response (form_show), in the version the response was made with.
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import {
  formAmend,
  formAnswer,
  formComplete,
  formShow,
  problemFor,
  showFamily,
  withoutProblem,
  type FamilyView,
  type FormDefinition,
  type IpcError,
  type Item,
  type ResponseView,
  type Score,
} from "../ipc";
import { failure } from "../components/family/failure";
import { href, navigate } from "../route";
import { ErrorSummary } from "../components/ErrorSummary";
import { changedField } from "../components/fieldProblems";
import { Radios, TextArea, TextInput } from "../components/fields";
import { inWords, SavedNote, useSaveExport } from "../components/family/SaveExport";
import { draftAmendment } from "../components/family/Timeline";
import { answerText, instancesOf, type Answers } from "../components/family/formDefinition";
import { formatDate, formatDateTime, formatNumber, personName } from "../components/family/format";
import { formatTime } from "../components/shell/format";

/** Problems that only mean "not answered yet": shown once Complete has been tried. */
const MISSING = /^(is required|needs at least one entry)$/;

const TEXT_SAVE_DELAY_MS = 1000;

/** The repeating groups an item path is in, innermost last: "goals[0].text" is in "goals". */
export function groupsOf(path: string): string[] {
  return [...path.matchAll(/\[\d+\]/g)].map((m) => path.slice(0, m.index));
}

/** `set` without `paths`; the same set when none of them is in it. */
function without(set: Set<string>, paths: string[]): Set<string> {
  if (!paths.some((p) => set.has(p))) return set;
  return new Set([...set].filter((p) => !paths.includes(p)));
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "Goals" as "goal", for "Goal 2" and "Add another goal". */
function singular(text: string): string {
  const t = text.trim();
  return t.length > 3 && t.endsWith("s") && !t.endsWith("ss") ? t.slice(0, -1) : t;
}

type SaveState = { state: "idle" } | { state: "saving" } | { state: "saved"; at: Date } | { state: "failed"; message: string };

function ScoreFlags({ score }: { score: Score }) {
  const flags = score.flags ?? [];
  if (flags.length === 0) return null;
  const cls = { urgent: "nhsuk-tag--red", refer: "nhsuk-tag--orange", positive: "nhsuk-tag--yellow", monitor: "nhsuk-tag--blue" };
  return (
    <>
      {flags.map((f) => (
        <span key={f}>
          {" "}
          <strong className={`nhsuk-tag ${cls[f]}`}>{capitalise(f)}</strong>
        </span>
      ))}
    </>
  );
}

function Scores({ scores }: { scores: Score[] }) {
  return (
    <section aria-labelledby="scores-heading" className="nhsuk-u-margin-bottom-5">
      <h2 className="nhsuk-heading-m" id="scores-heading">
        Scores
      </h2>
      <div aria-live="polite" data-testid="scores">
        {scores.length === 0 ? (
          <p className="nhsuk-body">Scores appear here as the questions they need are answered.</p>
        ) : (
          <dl className="nhsuk-summary-list">
            {scores.map((s) => (
              <div className="nhsuk-summary-list__row" key={s.code}>
                <dt className="nhsuk-summary-list__key">{s.label}</dt>
                <dd className="nhsuk-summary-list__value">
                  <strong>{formatNumber(s.value)}</strong>
                  {s.interpretation ? `: ${s.interpretation}` : ""}
                  <ScoreFlags score={s} />
                </dd>
              </div>
            ))}
          </dl>
        )}
      </div>
    </section>
  );
}

export function FormScreen({ familyId, responseId }: { familyId: string; responseId: string }) {
  const [view, setView] = useState<ResponseView | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [family, setFamily] = useState<FamilyView | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  /** Questions changed since the core last checked them: their old problems are not shown. */
  const [changed, setChanged] = useState<Set<string>>(() => new Set());
  const [save, setSave] = useState<SaveState>({ state: "idle" });
  const [completeError, setCompleteError] = useState<IpcError | null>(null);
  const [tried, setTried] = useState(false);
  /** Per repeating group, the fresh entry the user asked for ("Add another"). */
  const [added, setAdded] = useState<Record<string, number>>({});
  const [justCompleted, setJustCompleted] = useState(false);
  const [busy, setBusy] = useState(false);
  /** A failed save as PDF or amendment. */
  const [actionError, setActionError] = useState<IpcError | null>(null);
  const [amending, setAmending] = useState(false);
  const exports = useSaveExport(familyId, (e) => {
    setActionError(e);
    if (!e) setCompleteError(null);
  });
  const queue = useRef<Promise<void>>(Promise.resolve());
  const timers = useRef<Record<string, { timer: ReturnType<typeof setTimeout>; run: () => void }>>({});
  const shown = useRef(0);
  const doneRef = useRef<HTMLHeadingElement>(null);

  const reload = useCallback(async () => {
    const mine = ++shown.current;
    const v = await formShow(familyId, responseId);
    if (mine === shown.current) setView(v);
    return v;
  }, [familyId, responseId]);

  useEffect(() => {
    // Another response (an amendment just started) starts afresh.
    setView(null);
    setLoadError(null);
    setDrafts({});
    setFieldErrors({});
    setChanged(new Set());
    setSave({ state: "idle" });
    setCompleteError(null);
    setActionError(null);
    setTried(false);
    setAdded({});
    setJustCompleted(false);
    reload().catch((e) => setLoadError(failure(e)));
    showFamily(familyId)
      .then(setFamily)
      .catch(() => undefined);
    const pending = timers.current;
    return () => {
      // Leaving the screen saves what was typed but not yet saved.
      for (const t of Object.values(pending)) {
        clearTimeout(t.timer);
        t.run();
      }
    };
  }, [familyId, responseId, reload]);

  useEffect(() => {
    if (justCompleted) doneRef.current?.focus();
  }, [justCompleted]);

  const answers: Answers = view?.response.answers ?? {};

  /** Saves one answer (queued, so answers are saved in the order given), then refreshes problems and scores. */
  function saveAnswer(path: string, value: string) {
    const pending = timers.current[path];
    if (pending) {
      clearTimeout(pending.timer);
      delete timers.current[path];
    }
    const task = async () => {
      setSave({ state: "saving" });
      try {
        await formAnswer(familyId, responseId, path, value);
        setFieldErrors((old) => {
          const { [path]: _gone, ...rest } = old;
          return rest;
        });
        setDrafts((old) => {
          if (old[path] !== value) return old;
          const { [path]: _gone, ...rest } = old;
          return rest;
        });
        await reload();
        setChanged((old) => without(old, [path, ...groupsOf(path)]));
        setSave({ state: "saved", at: new Date() });
      } catch (e) {
        const err = failure(e);
        const problem = problemFor(err, path) ?? err.problems[0]?.problem ?? err.message;
        setChanged((old) => without(old, [path]));
        setFieldErrors((old) => ({ ...old, [path]: capitalise(problem) }));
        setSave({ state: "failed", message: `Not saved: ${problem}` });
      }
    };
    queue.current = queue.current.then(task);
    return queue.current;
  }

  /** A question changed: what was said about it (and the groups it is in) is not shown until it is checked again. */
  function changing(path: string | null) {
    if (!path) return;
    const paths = [path, ...groupsOf(path)];
    setFieldErrors((old) => {
      if (!(path in old)) return old;
      const { [path]: _gone, ...rest } = old;
      return rest;
    });
    setChanged((old) => (paths.every((p) => old.has(p)) ? old : new Set([...old, ...paths])));
    setCompleteError((old) => withoutProblem(old, ...paths));
  }

  /** Text typed: kept locally, saved after a pause (and on leaving the field). */
  function typed(path: string, value: string) {
    setDrafts((old) => ({ ...old, [path]: value }));
    const pending = timers.current[path];
    if (pending) clearTimeout(pending.timer);
    const run = () => {
      delete timers.current[path];
      if (value !== answerText(answers[path]) && !(value.trim() === "" && answers[path] === undefined)) void saveAnswer(path, value);
    };
    timers.current[path] = { timer: setTimeout(run, TEXT_SAVE_DELAY_MS), run };
  }

  function left(path: string) {
    const pending = timers.current[path];
    if (pending) {
      clearTimeout(pending.timer);
      pending.run();
    }
  }

  function chosen(path: string, value: string) {
    setDrafts((old) => ({ ...old, [path]: value }));
    void saveAnswer(path, value);
  }

  /** Saves what was typed but not yet saved, and waits for every save. */
  async function flush() {
    for (const t of Object.values(timers.current)) {
      clearTimeout(t.timer);
      t.run();
    }
    await queue.current;
  }

  async function complete() {
    setBusy(true);
    setActionError(null);
    exports.clear();
    await flush();
    try {
      await formComplete(familyId, responseId);
      setCompleteError(null);
      setJustCompleted(true);
      await reload();
    } catch (e) {
      setCompleteError(failure(e));
      setTried(true);
      await reload().catch(() => undefined);
    } finally {
      // Checked again: every problem the core now has is shown.
      setChanged(new Set());
      setBusy(false);
    }
  }

  /** Saves the response, as far as it has been answered, as a PDF. */
  async function savePdf() {
    await flush();
    await exports.save("form", { kind: "form-pdf", response_id: responseId }, "the form");
  }

  /** Starts an amendment (a new draft) and opens it. */
  async function amend() {
    setAmending(true);
    setActionError(null);
    exports.clear();
    try {
      const written = await formAmend(familyId, responseId);
      navigate({ screen: "form", familyId, responseId: written.record_id });
    } catch (e) {
      setActionError(inWords(failure(e), "Doorstep could not start an amendment of this form"));
    } finally {
      setAmending(false);
    }
  }

  const subject = view?.response.subject ? family?.family.members[view.response.subject] : undefined;
  const back = href({ screen: "family", familyId });
  const heading = (
    <>
      {subject && <span className="nhsuk-caption-l">About {personName(subject)}</span>}
      <h1>{view?.title ?? "Assessment form"}</h1>
    </>
  );

  if (!view) {
    return (
      <>
        <a className="nhsuk-back-link" href={back}>
          Back to the family record
        </a>
        {heading}
        {loadError ? <ErrorSummary error={loadError} /> : <p className="nhsuk-body">Loading the form…</p>}
      </>
    );
  }

  const def: FormDefinition = view.definition;
  const asked = new Set(view.asked);
  const completed = view.response.status === "completed";
  const inError = Boolean(view.response.entered_in_error);
  const amendment = completed && family ? draftAmendment(family.family, responseId) : undefined;

  /** The problem to show beside a field: a refused answer, or the core's problem (missing answers once Complete was tried). */
  function problemAt(path: string): string | undefined {
    if (fieldErrors[path]) return fieldErrors[path];
    if (changed.has(path)) return undefined;
    const p = view!.problems.find((x) => x.field === path);
    if (!p) return undefined;
    if (MISSING.test(p.problem) && !tried) return undefined;
    return capitalise(p.problem);
  }

  function question(item: Item, path: string): ReactNode {
    const label = item.text || item.linkId;
    const value = drafts[path] ?? answerText(answers[path]);
    const error = problemAt(path);
    const hasAnswer = answers[path] !== undefined;
    const optional = !item.required ? " (optional)" : "";
    const min = item.minValue ?? undefined;
    const max = item.maxValue ?? undefined;
    const range =
      min !== undefined && max !== undefined
        ? `From ${min} to ${max}`
        : min !== undefined
          ? `At least ${min}`
          : max !== undefined
            ? `At most ${max}`
            : undefined;
    const clear = hasAnswer && (
      <button
        type="button"
        className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-4"
        style={{ marginTop: -16 }}
        onClick={() => {
          setDrafts((old) => {
            const { [path]: _gone, ...rest } = old;
            return rest;
          });
          void saveAnswer(path, "");
        }}
      >
        Clear answer<span className="nhsuk-u-visually-hidden">: {label}</span>
      </button>
    );
    switch (item.type) {
      case "boolean":
        return (
          <div key={path}>
            <Radios
              name={path}
              legend={label + optional}
              inline
              value={value}
              onChange={(v) => chosen(path, v)}
              options={[
                { value: "yes", label: "Yes" },
                { value: "no", label: "No" },
              ]}
              error={error}
            />
            {!item.required && clear}
          </div>
        );
      case "choice":
        return (
          <div key={path}>
            <Radios
              name={path}
              legend={label + optional}
              value={value}
              onChange={(v) => chosen(path, v)}
              options={(item.answerOption ?? []).map((o) => ({ value: o.valueCoding.code, label: o.valueCoding.display || o.valueCoding.code }))}
              error={error}
            />
            {!item.required && clear}
          </div>
        );
      case "integer":
      case "decimal":
        return (
          <TextInput
            key={path}
            name={path}
            label={label + optional}
            hint={range}
            inputMode={item.type === "integer" ? "numeric" : "decimal"}
            width={4}
            value={value}
            onChange={(v) => typed(path, v)}
            onBlur={() => left(path)}
            error={error}
          />
        );
      case "date":
        return (
          <TextInput
            key={path}
            name={path}
            label={label + optional}
            type="date"
            value={value}
            onChange={(v) => chosen(path, v)}
            error={error}
          />
        );
      case "text":
        return (
          <TextArea
            key={path}
            name={path}
            label={label + optional}
            rows={3}
            value={value}
            onChange={(v) => typed(path, v)}
            onBlur={() => left(path)}
            error={error}
          />
        );
      case "string":
      default:
        return (
          <TextInput
            key={path}
            name={path}
            label={label + optional}
            width={30}
            value={value}
            onChange={(v) => typed(path, v)}
            onBlur={() => left(path)}
            error={error}
          />
        );
    }
  }

  /** The entries of the repeating group at `path` the core asks about (those with answers, then one fresh entry). */
  function entriesAsked(path: string): number[] {
    const found = new Set<number>();
    for (const p of view!.asked) {
      const m = p.startsWith(`${path}[`) ? /^(\d+)\]/.exec(p.slice(path.length + 1)) : null;
      if (m) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  function renderItems(items: Item[], prefix: string, level: number): ReactNode[] {
    return items
      .filter((item) => asked.has(item.type !== "group" && item.repeats ? `${prefix}${item.linkId}[0]` : prefix + item.linkId))
      .map((item) => {
        const path = prefix + item.linkId;
        if (item.type !== "group") return question(item, item.repeats ? `${path}[0]` : path);
        const legendClass = level === 0 ? "nhsuk-fieldset__legend--m" : "nhsuk-fieldset__legend--s";
        if (!item.repeats) {
          return (
            <fieldset className="nhsuk-fieldset nhsuk-u-margin-bottom-5" key={path} data-group={item.linkId}>
              <legend className={`nhsuk-fieldset__legend ${legendClass}`}>
                <h2 className="nhsuk-fieldset__heading">{item.text || item.linkId}</h2>
              </legend>
              {renderItems(item.item ?? [], prefix, level + 1)}
            </fieldset>
          );
        }
        const name = singular(item.text || item.linkId);
        const have = instancesOf(answers, path);
        const fresh = entriesAsked(path).find((i) => !have.includes(i));
        const showFresh = fresh !== undefined && (have.length === 0 || added[path] === fresh);
        const list = showFresh ? [...have, fresh] : have;
        const groupProblem = problemAt(path);
        return (
          <section key={path} aria-labelledby={`group-${path}-heading`} className="nhsuk-u-margin-bottom-5" data-group={item.linkId}>
            <h2 className="nhsuk-heading-m" id={`group-${path}-heading`}>
              {item.text || item.linkId}
            </h2>
            <div id={`field-${path}`} tabIndex={-1}>
              {groupProblem && (
                <p className="nhsuk-error-message">
                  <span className="nhsuk-u-visually-hidden">Error:</span> {groupProblem}
                </p>
              )}
            </div>
            {list.map((i, n) => (
              <fieldset className="nhsuk-fieldset nhsuk-u-margin-bottom-4" key={i} style={{ borderLeft: "4px solid #d8dde0", paddingLeft: 16 }}>
                <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                  {name} {n + 1}
                </legend>
                {renderItems(item.item ?? [], `${path}[${i}].`, level + 1)}
                {have.includes(i) && !completed && (
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                    onClick={() => {
                      for (const k of Object.keys(answers).filter((k) => k.startsWith(`${path}[${i}].`))) void saveAnswer(k, "");
                    }}
                  >
                    Remove {name.toLowerCase()} {n + 1}
                  </button>
                )}
              </fieldset>
            ))}
            {fresh !== undefined && !showFresh && (
              <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => setAdded((old) => ({ ...old, [path]: fresh }))}>
                Add another {name.toLowerCase()}
              </button>
            )}
          </section>
        );
      });
  }

  function readOnly(items: Item[], prefix: string): ReactNode[] {
    return items.flatMap<ReactNode>((item) => {
      const path = prefix + item.linkId;
      if (item.type === "group") {
        const inner = (p: string) => readOnly(item.item ?? [], p);
        if (!item.repeats) return inner(prefix);
        return instancesOf(answers, path).flatMap((i) => inner(`${path}[${i}].`));
      }
      const a = answers[path];
      if (a === undefined) return [];
      let shownValue = answerText(a);
      if ("valueBoolean" in a) shownValue = a.valueBoolean ? "Yes" : "No";
      if ("valueCoding" in a) shownValue = item.answerOption?.find((o) => o.valueCoding.code === a.valueCoding)?.valueCoding.display || a.valueCoding;
      if ("valueDate" in a) shownValue = formatDate(a.valueDate);
      const index = /\[(\d+)\]\.[^.]*$/.exec(path);
      return [
        <div className="nhsuk-summary-list__row" key={path}>
          <dt className="nhsuk-summary-list__key">
            {item.text || item.linkId}
            {index ? ` (${Number(index[1]) + 1})` : ""}
          </dt>
          <dd className="nhsuk-summary-list__value" style={{ whiteSpace: "pre-wrap" }}>
            {shownValue}
          </dd>
        </div>,
      ];
    });
  }

  return (
    <>
      <a className="nhsuk-back-link" href={back}>
        Back to the family record
      </a>
      {heading}
      <ErrorSummary error={completeError ?? actionError} title={completeError ? "The form cannot be completed yet" : undefined} />

      {completed ? (
        <>
          {justCompleted ? (
            <div className="nhsuk-panel" data-testid="completed-panel">
              <h2 className="nhsuk-panel__heading" tabIndex={-1} ref={doneRef}>
                Form completed
              </h2>
              <div className="nhsuk-panel__body">It is signed and saved in the family record.</div>
            </div>
          ) : (
            <p className="nhsuk-body">
              <strong className="nhsuk-tag nhsuk-tag--green">Completed</strong>{" "}
              {view.response.completed ? `by ${view.response.completed.by}, ${formatDateTime(view.response.completed.at)}` : ""}
            </p>
          )}
          {!inError && (
            <div className="nhsuk-button-group">
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                disabled={exports.saving !== null}
                onClick={() => void savePdf()}
              >
                Save as PDF
              </button>
              {amendment ? (
                <a className="nhsuk-link" href={href({ screen: "form", familyId, responseId: amendment })}>
                  Continue the amendment
                </a>
              ) : (
                <button type="button" className="nhsuk-button nhsuk-button--secondary" disabled={amending} onClick={() => void amend()}>
                  Amend this form
                </button>
              )}
            </div>
          )}
          <SavedNote name={exports.saved?.name} testId="form-saved" />
          <Scores scores={view.scores} />
          <h2 className="nhsuk-heading-m">Answers</h2>
          <dl className="nhsuk-summary-list">{readOnly(def.items, "")}</dl>
          <p className="nhsuk-body">
            <a href={back}>Back to the family record</a>
          </p>
        </>
      ) : (
        <>
          <p className="nhsuk-body">
            <strong className="nhsuk-tag nhsuk-tag--grey">Draft</strong> Each answer is saved as you give it. Started by{" "}
            {view.response.started.by}, {formatDateTime(view.response.started.at)}.
            {view.response.amends ? " It amends an earlier completed response: once completed, this one is the current version." : ""}
          </p>
          <p className="nhsuk-body-s" aria-live="polite" data-testid="save-status">
            {save.state === "saving"
              ? "Saving…"
              : save.state === "saved"
                ? `Saved at ${formatTime(save.at.toISOString())}`
                : save.state === "failed"
                  ? save.message
                  : ""}
          </p>
          <form
            noValidate
            onChange={(e) => changing(changedField(e.target))}
            onSubmit={(e) => {
              e.preventDefault();
              void complete();
            }}
          >
            {renderItems(def.items, "", 0)}
            <Scores scores={view.scores} />
            <div className="nhsuk-button-group">
              <button type="submit" className="nhsuk-button" disabled={busy}>
                Complete
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                disabled={busy || exports.saving !== null}
                onClick={() => void savePdf()}
              >
                Save as PDF
              </button>
              <a className="nhsuk-link" href={back}>
                Finish later
              </a>
            </div>
          </form>
          <SavedNote name={exports.saved?.name} testId="form-saved" />
        </>
      )}
    </>
  );
}
