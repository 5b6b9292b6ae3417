// The family record: alerts first, then what to do (record a contact,
// start a form), the household and its members, the children's reviews,
// conflicts to review, the timeline of contacts and assessments, goals,
// and growth charts. Leaving it while one of its inline forms holds
// something typed and not saved asks first (components/family/unsaved).
import { useCallback, useEffect, useState, type ReactNode } from "react";
import {
  codeLists,
  conflicts as loadConflicts,
  familyFollowUps,
  familyReviews,
  formList,
  goals as loadGoals,
  showFamily,
  type ConflictView,
  type Family as FamilyRecord,
  type FamilyView,
  type FollowUpItem,
  type FormSummary,
  type GoalHistory,
  type IpcError,
  type Person,
  type Review,
} from "../ipc";
import { failure } from "../components/family/failure";
import { href } from "../route";
import { ErrorSummary } from "../components/ErrorSummary";
import { AlertBanner } from "../components/family/AlertBanner";
import { Conflicts } from "../components/family/Conflicts";
import { Consent } from "../components/family/Consent";
import { Departures } from "../components/family/Departures";
import { LevelOfService } from "../components/family/LevelOfService";
import { Safeguarding } from "../components/family/Safeguarding";
import { Goals } from "../components/family/Goals";
import { FollowUpPanel } from "../components/family/FollowUpPanel";
import { GrowthCharts, type ChartChild } from "../components/family/GrowthChart";
import { ChangeHousehold } from "../components/family/HouseholdForm";
import { editable, MemberButtons, MemberForms, useMemberForm } from "../components/family/PersonForms";
import { Reviews } from "../components/family/Reviews";
import { StartForm } from "../components/family/StartForm";
import { Timeline } from "../components/family/Timeline";
import { AuditTrail } from "../components/family/AuditTrail";
import { PrintAndSave } from "../components/family/PrintAndSave";
import { LeavePrompt, UnsavedProvider, useUnsavedForms } from "../components/family/unsaved";
import {
  datesInWords,
  DEPARTURE_LABELS,
  describeAge,
  daysBetween,
  FLAG_LABELS,
  formatDate,
  formatNhsNumber,
  LEVEL_LABELS,
  londonDate,
  MEMBER_ROLE_LABELS,
  personName,
  SEX_LABELS,
} from "../components/family/format";

/** Loaded, or why not. */
type Part<T> = { value: T } | { error: string } | null;

function settle<T>(p: Promise<T>): Promise<Part<T>> {
  return p.then(
    (value) => ({ value }),
    (e) => ({ error: failure(e).message }),
  );
}

/** The name the family is listed under: the family name of the first parent, else of the first member. */
export function familyName(family: FamilyRecord): string {
  const members = Object.values(family.members)
    .filter((p) => !p.entered_in_error)
    .sort((a, b) => Number(a.role !== "parent") - Number(b.role !== "parent") || a.added.at.localeCompare(b.added.at));
  return members[0]?.family_name ?? "";
}

const ROLE_ORDER = { parent: 0, child: 1, unborn: 2 } as const;

function sortedMembers(family: FamilyRecord): [string, Person][] {
  return Object.entries(family.members)
    .filter(([, p]) => !p.entered_in_error)
    // A member merged into another record (a duplicate) is listed while
    // this household is open, pointing to the record kept.
    .sort(
      ([, a], [, b]) =>
        ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
        (a.date_of_birth ?? a.expected_delivery_date ?? "").localeCompare(b.date_of_birth ?? b.expected_delivery_date ?? ""),
    );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-heading`} className="nhsuk-u-margin-bottom-6">
      <h2 className="nhsuk-heading-m" id={`${id}-heading`}>
        {title}
      </h2>
      {children}
    </section>
  );
}

function PartProblem({ part, what }: { part: Part<unknown>; what: string }) {
  if (part && "error" in part) {
    return (
      <p className="nhsuk-body">
        Doorstep could not show the {what}: {part.error}
      </p>
    );
  }
  return part ? null : <p className="nhsuk-body-s">Loading the {what}…</p>;
}

type Failure = { source: "timeline" | "start-form" | "export"; error: IpcError } | null;

export function Family({ familyId }: { familyId: string }) {
  const [view, setView] = useState<FamilyView | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [reviews, setReviews] = useState<Part<Review[]>>(null);
  const [goals, setGoals] = useState<Part<GoalHistory[]>>(null);
  const [openItems, setOpenItems] = useState<FollowUpItem[]>([]);
  const [conflicts, setConflicts] = useState<Part<ConflictView[]>>(null);
  const [forms, setForms] = useState<FormSummary[]>([]);
  const [topicLabels, setTopicLabels] = useState<Record<string, string>>({});
  const [actionFailure, setActionFailure] = useState<Failure>(null);
  const memberForm = useMemberForm();
  // The forms with something typed and not saved; leaving asks first.
  const unsaved = useUnsavedForms();

  const loadRecord = useCallback(async () => {
    try {
      const v = await showFamily(familyId);
      setView(v);
      setLoadError(null);
    } catch (e) {
      setLoadError(failure(e));
    }
    const [r, g, o] = await Promise.all([
      settle(familyReviews(familyId)),
      settle(loadGoals(familyId)),
      settle(familyFollowUps(familyId)),
    ]);
    setReviews(r);
    setGoals(g);
    setOpenItems(o && "value" in o ? o.value : []);
  }, [familyId]);

  useEffect(() => {
    let live = true;
    setView(null);
    setLoadError(null);
    void loadRecord();
    void settle(loadConflicts(familyId)).then((c) => live && setConflicts(c));
    void settle(formList()).then((f) => {
      if (live && f && "value" in f) setForms(f.value);
    });
    void settle(codeLists()).then((c) => {
      if (live && c && "value" in c) setTopicLabels(Object.fromEntries(c.value.topics.map((t) => [t.code, t.label])));
    });
    return () => {
      live = false;
    };
  }, [familyId, loadRecord]);

  if (!view) {
    return (
      <>
        <h1>Family record</h1>
        {loadError ? <ErrorSummary error={loadError} /> : <p className="nhsuk-body">Loading the family record…</p>}
      </>
    );
  }

  const family = view.family;
  const name = familyName(family);
  const members = sortedMembers(family);
  const today = view.today;
  const children: ChartChild[] = members
    .filter(([, p]) => p.role === "child")
    .map(([id, p]) => ({ id, name: personName(p), dateOfBirth: p.date_of_birth ?? null }));
  // The chart opens on the child measured most recently, else the youngest.
  const lastMeasured = Object.values(family.measurements)
    .filter((m) => !m.entered_in_error && children.some((c) => c.id === m.person_id))
    .sort((a, b) => b.measured_on.localeCompare(a.measured_on))[0]?.person_id;
  const firstChart = lastMeasured ?? children[children.length - 1]?.id;
  const h = family.household;
  const address = [h.address_line1, h.address_line2, h.town, h.postcode].filter(Boolean);
  const otherFlags = view.active_flags
    .map((id) => family.flags[id])
    .filter((f) => f && f.kind === "early-help" && !f.entered_in_error);
  const currentLevel = Object.values(family.levels)
    .filter((l) => !l.entered_in_error && l.level === view.level && l.effective <= today)
    .sort((a, b) => b.effective.localeCompare(a.effective))[0];
  const formTitles = Object.fromEntries(forms.map((f) => [f.form.id, f.title]));
  const conflictList = conflicts && "value" in conflicts ? conflicts.value : [];

  return (
    <UnsavedProvider value={unsaved.registry}>
      <span className="nhsuk-caption-l">Family record</span>
      <h1 className="nhsuk-u-margin-bottom-4">{name ? `${name} family` : "Family"}</h1>

      <LeavePrompt unsaved={unsaved} />

      <ErrorSummary error={loadError ?? actionFailure?.error ?? null} />

      {family.entered_in_error && (
        <div className="nhsuk-inset-text">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            This family was entered in error by {family.entered_in_error.by}: {family.entered_in_error.reason}
          </p>
        </div>
      )}

      {family.merged_into && (
        <div className="nhsuk-inset-text" data-testid="merged-into">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            This household was merged into another record by {family.merged_into.recorded.by} on{" "}
            {formatDate(londonDate(family.merged_into.recorded.at))}: its history is kept here and shown with the{" "}
            <a href={href({ screen: "family", familyId: family.merged_into.family_id })}>household kept</a>.
          </p>
        </div>
      )}
      {view.merged.length > 0 && (
        <div className="nhsuk-inset-text" data-testid="merged-from">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>Records merged into this household (duplicates), each with its own history:</p>
          <ul className="nhsuk-list">
            {view.merged.map((m) => (
              <li key={m.id}>
                <a href={href({ screen: "family", familyId: m.id })}>{familyName(m) || "Household"}</a>:{" "}
                {Object.keys(m.contacts).length} contact{Object.keys(m.contacts).length === 1 ? "" : "s"}
              </li>
            ))}
          </ul>
        </div>
      )}

      <AlertBanner family={family} activeFlags={view.active_flags} />
      <FollowUpPanel familyId={familyId} items={openItems} onChange={() => void loadRecord()} />

      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-one-third">
          <a className="nhsuk-button" href={href({ screen: "contact", familyId })} draggable="false">
            Record a contact
          </a>
        </div>
        <div className="nhsuk-grid-column-two-thirds">
          <details className="nhsuk-details">
            <summary className="nhsuk-details__summary">
              <span className="nhsuk-details__summary-text">Start a form</span>
            </summary>
            <div className="nhsuk-details__text">
              <StartForm
                familyId={familyId}
                family={family}
                forms={forms}
                error={actionFailure?.source === "start-form" ? actionFailure.error : null}
                onError={(e) => setActionFailure(e ? { source: "start-form", error: e } : null)}
              />
            </div>
          </details>
        </div>
      </div>
      <PrintAndSave familyId={familyId} onError={(e) => setActionFailure(e ? { source: "export", error: e } : null)} />

      <Section id="household" title="Household">
        <dl className="nhsuk-summary-list">
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Address</dt>
            <dd className="nhsuk-summary-list__value">
              {address.map((line, i) => (
                <span key={i}>
                  {line}
                  {i < address.length - 1 && <br />}
                </span>
              ))}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Phone</dt>
            <dd className="nhsuk-summary-list__value">{h.phone ?? "Not recorded"}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Main language</dt>
            <dd className="nhsuk-summary-list__value">
              {h.main_language ?? "Not recorded"}
              {h.interpreter_needed ? (
                <>
                  {" "}
                  <strong className="nhsuk-tag nhsuk-tag--orange">Interpreter needed</strong>
                </>
              ) : (
                " (no interpreter needed)"
              )}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Level of service</dt>
            <dd className="nhsuk-summary-list__value" data-testid="level">
              <strong>{LEVEL_LABELS[view.level]}</strong>
              {currentLevel ? ` since ${formatDate(currentLevel.effective)}: ${datesInWords(currentLevel.reason)}` : ""}
              {otherFlags.map((f) => (
                <span key={f.start}>
                  {" "}
                  <strong className="nhsuk-tag nhsuk-tag--blue">{FLAG_LABELS[f.kind]}</strong>
                </span>
              ))}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Allocated to</dt>
            <dd className="nhsuk-summary-list__value">
              {[family.allocation.practitioner, family.allocation.team].filter(Boolean).join(", ") || "Not allocated"}
            </dd>
          </div>
        </dl>
        {editable(family) && <ChangeHousehold familyId={familyId} household={h} onSaved={() => void loadRecord()} />}
      </Section>

      <Section id="members" title="Members">
        <table className="nhsuk-table" data-testid="members-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Members of the household</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">Name</th>
              <th scope="col" className="nhsuk-table__header">Role</th>
              <th scope="col" className="nhsuk-table__header">Date of birth or due date</th>
              <th scope="col" className="nhsuk-table__header">NHS number</th>
              <th scope="col" className="nhsuk-table__header">Sex</th>
              <th scope="col" className="nhsuk-table__header">
                <span className="nhsuk-u-visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {members.map(([id, p]) => (
              <tr className="nhsuk-table__row" key={id}>
                <th scope="row" className="nhsuk-table__cell">
                  {personName(p)}
                  {p.left && (
                    <span className="nhsuk-body-s" style={{ display: "block" }} data-testid="member-left">
                      <strong className="nhsuk-tag nhsuk-tag--grey">{DEPARTURE_LABELS[p.left.reason]}</strong>{" "}
                      {formatDate(p.left.date)}
                      {p.left.to ? `, to ${p.left.to}` : ""}
                    </span>
                  )}
                  {p.merged_into && (
                    <span className="nhsuk-body-s" style={{ display: "block" }}>
                      Merged into <a href={href({ screen: "family", familyId: p.merged_into.family_id })}>the record kept</a>
                    </span>
                  )}
                </th>
                <td className="nhsuk-table__cell">{MEMBER_ROLE_LABELS[p.role]}</td>
                <td className="nhsuk-table__cell">
                  {p.date_of_birth
                    ? `${formatDate(p.date_of_birth)}${p.role === "child" ? ` (${describeAge(daysBetween(p.date_of_birth, today))})` : ""}`
                    : p.expected_delivery_date
                      ? `Due ${formatDate(p.expected_delivery_date)}`
                      : "Not recorded"}
                  {p.role === "child" && p.gestation_weeks != null
                    ? `, born at ${p.gestation_weeks}+${p.gestation_days ?? 0} weeks`
                    : ""}
                  {p.role === "child" && p.birth_weight_grams != null
                    ? `, birth weight ${p.birth_weight_grams.toLocaleString("en-GB")} g`
                    : ""}
                </td>
                <td className="nhsuk-table__cell" style={{ whiteSpace: "nowrap" }}>
                  {p.nhs_number ? formatNhsNumber(p.nhs_number) : "Not recorded"}
                </td>
                <td className="nhsuk-table__cell">{p.sex ? SEX_LABELS[p.sex] : "Not recorded"}</td>
                <td className="nhsuk-table__cell">
                  <MemberButtons form={memberForm} family={family} personId={id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <MemberForms form={memberForm} familyId={familyId} family={family} familyName={name} onSaved={() => void loadRecord()} />
      </Section>

      <Section id="safeguarding" title="Safeguarding and alerts">
        <Safeguarding familyId={familyId} family={family} today={today} onChange={() => void loadRecord()} />
      </Section>

      <Section id="level-of-service" title="Level of service">
        <LevelOfService familyId={familyId} family={family} today={today} onChange={() => void loadRecord()} />
      </Section>

      <Section id="consent" title="Consent to share information">
        <Consent familyId={familyId} family={family} today={today} onChange={() => void loadRecord()} />
      </Section>

      <Section id="departures" title="Moved away, died or transferred in">
        <Departures familyId={familyId} family={family} today={today} onChange={() => void loadRecord()} />
      </Section>

      <Section id="reviews" title="Reviews">
        {reviews && "value" in reviews ? <Reviews reviews={reviews.value} family={family} /> : <PartProblem part={reviews} what="reviews" />}
      </Section>

      {conflictList.length > 0 && (
        <Section id="conflicts" title="Conflicts to review">
          <p className="nhsuk-body">
            These details were changed on more than one laptop before they synced. The record shows the first value until
            someone chooses.
          </p>
          <Conflicts conflicts={conflictList} members={family.members} />
        </Section>
      )}

      <Section id="timeline" title="Contacts and assessments">
        <Timeline
          familyId={familyId}
          family={family}
          formTitles={formTitles}
          topicLabels={topicLabels}
          error={actionFailure?.source === "timeline" ? actionFailure.error : null}
          onError={(e) => setActionFailure(e ? { source: "timeline", error: e } : null)}
          onChanged={() => void loadRecord()}
        />
      </Section>

      <Section id="goals" title="Goals">
        {goals && "value" in goals ? <Goals goals={goals.value} /> : <PartProblem part={goals} what="goals" />}
      </Section>

      <Section id="growth" title="Growth">
        <GrowthCharts familyId={familyId} children={children} initialChildId={firstChart} />
      </Section>

      <AuditTrail familyId={familyId} />
    </UnsavedProvider>
  );
}
