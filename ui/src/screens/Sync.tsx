// Sync: sync now with progress by phase (a failed sync shows the phase it
// failed in, the phases after it not started, and why it failed with what
// to do next), what the last sync did, and the sync state (pending
// changes, families waiting to be removed, refusals, conflicts); a laptop
// not yet enrolled is told how to enrol.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  asIpcError, enrol, syncNow, syncStatus,
  type FamilyRef, type IpcError, type SyncEvent, type SyncPhase, type SyncProgress, type SyncReport, type SyncStatus,
} from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { href } from "../route";
import { EnrolFields, emptyEnrol, type EnrolValues } from "../components/shell/EnrolFields";
import { formatBytes, formatDateTime, PHASE_LABELS, plural } from "../components/shell/format";
import { Loading } from "../components/shell/Layout";
import { reportIfLocked } from "../components/shell/locked";
import { useRecordSync, useSyncActivity, type SyncActivity } from "../components/shell/syncActivity";
import { useLoad } from "../components/shell/useLoad";
import { WarningCallout } from "../components/shell/WarningCallout";

const PHASES: SyncPhase[] = ["preparing", "exchanging", "merging"];

type PhaseState = "waiting" | "active" | "done" | "failed" | "not-started";

/** How the latest sync ended, as this screen knows it. */
type Outcome = "none" | "done" | "failed";

/** The index of a sync's phase (the first when it has none yet). */
const phaseIndex = (p: SyncProgress | null) => (p ? Math.max(0, PHASES.indexOf(p.phase)) : 0);

/** Each phase's state: while running, done up to the current one; after a
 * failure, done up to the phase it failed in, that one failed and the rest
 * not started; after a finished sync, all done. */
function phaseStates(activity: SyncActivity, running: boolean, outcome: Outcome): Record<SyncPhase, PhaseState> {
  const out = {} as Record<SyncPhase, PhaseState>;
  const current = phaseIndex(activity.progress);
  const stopped = phaseIndex(activity.reached);
  PHASES.forEach((p, i) => {
    if (running) out[p] = i < current ? "done" : i === current ? "active" : "waiting";
    else if (outcome === "failed") out[p] = i < stopped ? "done" : i === stopped ? "failed" : "not-started";
    else out[p] = outcome === "done" ? "done" : "waiting";
  });
  return out;
}

function PhaseDetail({ state, phase, progress, running }: { state: PhaseState; phase: SyncPhase; progress: SyncProgress | null; running: boolean }) {
  switch (state) {
    case "done":
      return <>Done</>;
    case "active":
      return <>{progress && progress.phase === phase && progress.families > 0 ? `In progress: ${plural(progress.families, "family", "families")}` : "In progress"}</>;
    case "failed":
      return <strong className="nhsuk-tag nhsuk-tag--red">Failed</strong>;
    case "not-started":
      return <>Not started</>;
    case "waiting":
      return <>{running ? "Waiting" : "Not running"}</>;
  }
}

function Progress({ activity, running, outcome }: { activity: SyncActivity; running: boolean; outcome: Outcome }) {
  const states = phaseStates(activity, running, outcome);
  const p = activity.progress;
  const failedPhase = PHASES.find((phase) => states[phase] === "failed");
  return (
    <section aria-labelledby="sync-progress" data-testid="sync-progress" data-outcome={running ? "running" : outcome}>
      <h2 id="sync-progress" className="nhsuk-heading-m">{failedPhase ? "Progress: the last sync failed" : "Progress"}</h2>
      {p && running && (
        <p className="nhsuk-body-s">Round trip {p.round_trip}</p>
      )}
      {failedPhase && (
        <p data-testid="sync-stopped">
          The sync failed while {PHASE_LABELS[failedPhase].toLowerCase()}, so the steps after it did not start. Nothing saved on
          this laptop was lost.
        </p>
      )}
      <ol className="nhsuk-list ds-phases">
        {PHASES.map((phase) => {
          const state = states[phase];
          return (
            <li key={phase} className="ds-phase" data-phase={phase} data-state={state}>
              <label className="nhsuk-label ds-phase__label" htmlFor={`progress-${phase}`}>{PHASE_LABELS[phase]}</label>
              <progress id={`progress-${phase}`} className={`ds-phase__bar${state === "failed" ? " ds-phase__bar--failed" : ""}`} max={1}
                value={state === "done" ? 1 : state === "active" ? undefined : 0}
                aria-describedby={`progress-${phase}-detail`} />
              <span className="nhsuk-body-s ds-phase__detail" id={`progress-${phase}-detail`}>
                <PhaseDetail state={state} phase={phase} progress={p} running={running} />
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** The heading for a failed sync. */
function failureTitle(e: IpcError | null, state: SyncEvent["state"] | null): string {
  return e?.code === "unreachable" || (!e && state === "offline") ? "The server could not be reached" : "The sync did not finish";
}

/** What to tell the practitioner when the shell gave no reason. */
const NO_REASON: Record<"offline" | "failed", string> = {
  offline: "Your work is saved on this laptop and syncs by itself once the server can be reached. To sync now, connect to the internet (Wi-Fi or a mobile hotspot) and choose Sync now.",
  failed: "Your work is saved on this laptop. Try again later; if it keeps failing, tell your IT service desk.",
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
    </div>
  );
}

function LastRun({ report, at, afterFailure }: { report: SyncReport; at: string | null; afterFailure: boolean }) {
  return (
    <section aria-labelledby="sync-last-run" data-testid="sync-report">
      <h2 id="sync-last-run" className="nhsuk-heading-m">
        {afterFailure ? "What the last finished sync did" : "What the last sync did"}{at ? ` (${formatDateTime(at)})` : ""}
      </h2>
      {!report.complete && (
        <WarningCallout heading="The sync stopped before the end">
          <p className="nhsuk-card__description">It reached the limit of round trips for one sync. Sync again to finish exchanging changes.</p>
        </WarningCallout>
      )}
      {report.revoked && (
        <WarningCallout heading="This laptop has been revoked">
          <p className="nhsuk-card__description">The trust's server revoked this laptop. It is sending the work the server does not yet hold; once all of it has been received, the records on this laptop will be erased. Keep syncing until it is done.</p>
        </WarningCallout>
      )}
      {report.full_compare && (
        <div className="nhsuk-inset-text">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>The server asked for a full comparison of every family (it was restored from a backup). Nothing was lost.</p>
        </div>
      )}
      <dl className="nhsuk-summary-list">
        <Row label="Round trips">{report.round_trips}</Row>
        <Row label="Families sent">{plural(report.sent, "family", "families")}{report.uploaded > 0 && <> ({report.uploaded} as whole records)</>}</Row>
        <Row label="Families received">{plural(report.received, "family", "families")}{report.downloaded > 0 && <> ({report.downloaded} new to this laptop)</>}</Row>
        <Row label="Families updated">{plural(report.merged, "family", "families")}</Row>
        <Row label="Removed from this laptop">{plural(report.evicted, "family", "families")} (no longer on your caseload)</Row>
        <Row label="Refused by the server">{plural(report.rejected, "family", "families")}</Row>
        <Row label="Conflicts">{report.conflicts}</Row>
        <Row label="Still waiting to sync">{plural(report.pending, "family", "families")}</Row>
        <Row label="Data sent">{formatBytes(report.bytes_up)}</Row>
        <Row label="Data received">{formatBytes(report.bytes_down)}</Row>
      </dl>
    </section>
  );
}

function FamilyList({ families }: { families: FamilyRef[] }) {
  return (
    <ul className="nhsuk-list nhsuk-list--bullet">
      {families.map((f) => (
        <li key={f.family_id}>
          {f.name ? <a href={href({ screen: "family", familyId: f.family_id })}>{f.name}</a> : <>A family whose name is not on this laptop</>}
        </li>
      ))}
    </ul>
  );
}

function Status({ status, failureShown }: { status: SyncStatus; failureShown: boolean }) {
  return (
    <section aria-labelledby="sync-status" data-testid="sync-status">
      <h2 id="sync-status" className="nhsuk-heading-m">This laptop</h2>
      {status.last_error && !failureShown && (
        <WarningCallout heading="The last sync did not finish" testId="sync-last-problem">
          <p className="nhsuk-card__description">{status.last_error}</p>
          {status.last_attempt_at && <p className="nhsuk-card__description">It was tried on {formatDateTime(status.last_attempt_at)}.</p>}
        </WarningCallout>
      )}
      <dl className="nhsuk-summary-list">
        <Row label="Server">{status.server}</Row>
        {status.device_name && <Row label="Laptop name">{status.device_name}</Row>}
        {status.practitioner && (
          <Row label="Enrolled for">{status.practitioner.name}{status.team && <>, {status.team.name}</>}</Row>
        )}
        <Row label="Last synced">{status.last_success_at ? formatDateTime(status.last_success_at) : "Not yet"}</Row>
        {status.last_attempt_at && status.last_attempt_at !== status.last_success_at && (
          <Row label="Last tried">{formatDateTime(status.last_attempt_at)}</Row>
        )}
        {status.audit_refused && (
          <Row label="Audit log">
            The server refused this laptop's audit log ({status.audit_refused}). Tell your IT service desk; your records still sync.
          </Row>
        )}
        <Row label="Conflicts to review">
          {status.conflicts === 0 ? "None" : (
            <a href={href({ screen: "conflicts" })}>{plural(status.conflicts, "conflict", "conflicts")}{" "}<span className="nhsuk-u-visually-hidden">to review</span></a>
          )}
        </Row>
      </dl>

      <h3>Changes waiting to sync</h3>
      {status.pending.length === 0 ? (
        <p data-testid="pending">Nothing is waiting: the server has every change made on this laptop.</p>
      ) : (
        <div data-testid="pending">
          <p>{plural(status.pending.length, "family has", "families have")} changes the server has not yet received. They are saved on this laptop.</p>
          <FamilyList families={status.pending} />
        </div>
      )}

      {status.awaiting_eviction.length > 0 && (
        <div data-testid="awaiting-eviction">
          <h3>Leaving this laptop</h3>
          <p>These families are no longer on your caseload. They will be removed from this laptop once their last changes have reached the server.</p>
          <FamilyList families={status.awaiting_eviction} />
        </div>
      )}

      {status.rejections.length > 0 && (
        <div data-testid="rejections">
          <h3>Refused by the server</h3>
          <table className="nhsuk-table">
            <caption className="nhsuk-u-visually-hidden">Changes the server refused</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                <th scope="col" className="nhsuk-table__header">Family</th>
                <th scope="col" className="nhsuk-table__header">Reason</th>
                <th scope="col" className="nhsuk-table__header">When</th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {status.rejections.map((r) => (
                <tr className="nhsuk-table__row" key={`${r.family_id}-${r.at}`}>
                  <td className="nhsuk-table__cell">
                    {r.name ? <a href={href({ screen: "family", familyId: r.family_id })}>{r.name}</a> : "A family whose name is not on this laptop"}
                  </td>
                  <td className="nhsuk-table__cell">{r.reason}</td>
                  <td className="nhsuk-table__cell">{formatDateTime(r.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NotEnrolled({ onEnrolled, onError, error }: {
  onEnrolled: () => void;
  onError: (e: IpcError | null) => void;
  error: IpcError | null;
}) {
  const [values, setValues] = useState<EnrolValues>(emptyEnrol);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    onError(null);
    try {
      await enrol({ server: values.server.trim(), code: values.code.trim(), ca_pem: null, device_name: values.device_name.trim() || null });
      onEnrolled();
    } catch (err) {
      reportIfLocked(err);
      onError(asIpcError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="sync-not-enrolled" data-testid="not-enrolled">
      <h2 id="sync-not-enrolled" className="nhsuk-heading-m">This laptop is not enrolled</h2>
      <p>Your work is saved on this laptop, but nothing syncs with your trust's server until the laptop is enrolled.</p>
      <p>To enrol it you need 2 things from your trust's Doorstep administrator:</p>
      <ul className="nhsuk-list nhsuk-list--bullet">
        <li>the server's address</li>
        <li>a one-time enrolment code for you</li>
      </ul>
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary">
          <span className="nhsuk-details__summary-text">Enrol this laptop now</span>
        </summary>
        <div className="nhsuk-details__text">
          <WarningCallout heading="Not for the demo caseload">
            <p className="nhsuk-card__description">A laptop that holds the offline demo caseload cannot be enrolled: its made-up families must not reach your trust's server. Set Doorstep up afresh on it first.</p>
          </WarningCallout>
          <form onSubmit={submit} noValidate>
            <EnrolFields values={values} onChange={setValues} error={error} />
            <button type="submit" className="nhsuk-button" disabled={busy}>{busy ? "Enrolling…" : "Enrol this laptop"}</button>
          </form>
        </div>
      </details>
    </section>
  );
}

export function Sync() {
  const activity = useSyncActivity();
  const record = useRecordSync();
  const status = useLoad(() => syncStatus(), []);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<{ report: SyncReport; at: string | null } | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const { reload } = status;

  const latest = activity.latest;
  const seen = useRef(latest);
  // A sync that ends (started here or in the background) changes the status.
  // A sync that finishes after a failure clears the failure.
  useEffect(() => {
    if (latest === seen.current) return;
    seen.current = latest;
    if (latest && latest.state !== "running") reload();
    if (latest?.state === "done") setError(null);
  }, [latest, reload]);

  const running = busy || activity.running;
  const lastRun = report ?? (activity.lastDone?.report ? { report: activity.lastDone.report, at: activity.lastDone.at } : null);
  // The latest sync failed: here (error) or in the background (the shell's event).
  const failedEvent = !running && latest && (latest.state === "failed" || latest.state === "offline") ? latest : null;
  const failed = !running && (error !== null || failedEvent !== null);
  const outcome: Outcome = running ? "none" : failed ? "failed" : lastRun ? "done" : "none";
  // A failure in the background (not started here) is told in a warning
  // callout: it does not take focus from what the practitioner is doing.
  const background = !error && failedEvent ? failedEvent : null;

  async function runSync() {
    if (running) return;
    setBusy(true);
    setError(null);
    setAnnouncement("Sync started.");
    const event = { progress: null, report: null, error: null };
    record({ ...event, state: "running", progress: { phase: "preparing", round_trip: 1, families: 0 }, at: new Date().toISOString() });
    try {
      const r = await syncNow();
      const at = new Date().toISOString();
      record({ ...event, state: "done", report: r, at });
      setReport({ report: r, at });
      setAnnouncement(`Sync finished. ${plural(r.sent, "family", "families")} sent, ${plural(r.received, "family", "families")} received.`);
    } catch (err) {
      reportIfLocked(err);
      const e = asIpcError(err);
      record({ ...event, state: e.code === "unreachable" ? "offline" : "failed", error: e, at: new Date().toISOString() });
      setError(e);
      setAnnouncement("");
    } finally {
      setBusy(false);
      reload();
    }
  }

  const enrolled = status.data?.enrolled ?? true;
  const shownError = error ?? status.error;

  return (
    <>
      <h1 tabIndex={-1}>Sync</h1>
      <ErrorSummary error={shownError} title={error ? failureTitle(error, null) : "There is a problem"} />
      <div className="nhsuk-u-visually-hidden" role="status" aria-live="polite" data-testid="sync-announcement">{announcement}</div>
      {status.loading && !status.data && <Loading>Loading sync status…</Loading>}

      {status.data && !enrolled ? (
        <NotEnrolled error={error} onError={setError} onEnrolled={() => { setAnnouncement("This laptop is enrolled. Sync now to get your caseload."); reload(); }} />
      ) : (
        <>
          <p>Doorstep syncs in the background when the server can be reached. Your work is always saved on this laptop first.</p>
          <button type="button" className="nhsuk-button" onClick={runSync} disabled={running}>
            {running ? "Syncing…" : "Sync now"}
          </button>
          {background && (
            <WarningCallout heading={failureTitle(background.error, background.state)} level={2} testId="sync-failure">
              <p className="nhsuk-card__description">
                {background.error?.message ?? NO_REASON[background.state === "offline" ? "offline" : "failed"]}
              </p>
              {background.error?.warning && <p className="nhsuk-card__description">{background.error.warning}</p>}
              <p className="nhsuk-card__description">It was tried on {formatDateTime(background.at)}.</p>
            </WarningCallout>
          )}
          <Progress activity={activity} running={running} outcome={outcome} />
          {lastRun && <LastRun report={lastRun.report} at={lastRun.at} afterFailure={failed} />}
          {status.data && <Status status={status.data} failureShown={failed} />}
        </>
      )}
    </>
  );
}
