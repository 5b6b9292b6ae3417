// Sync: sync now with progress by phase, what the last sync did, and the
// sync state (pending changes, families waiting to be removed, refusals,
// conflicts); a laptop not yet enrolled is told how to enrol.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  asIpcError, enrol, syncNow, syncStatus,
  type FamilyRef, type IpcError, type SyncPhase, type SyncReport, type SyncStatus,
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

type PhaseState = "waiting" | "active" | "done";

function phaseStates(activity: SyncActivity, running: boolean, finished: boolean): Record<SyncPhase, PhaseState> {
  const out = {} as Record<SyncPhase, PhaseState>;
  const current = activity.progress ? PHASES.indexOf(activity.progress.phase) : 0;
  PHASES.forEach((p, i) => {
    if (!running) out[p] = finished ? "done" : "waiting";
    else out[p] = i < current ? "done" : i === current ? "active" : "waiting";
  });
  return out;
}

function Progress({ activity, running, finished }: { activity: SyncActivity; running: boolean; finished: boolean }) {
  const states = phaseStates(activity, running, finished);
  const p = activity.progress;
  return (
    <section aria-labelledby="sync-progress" data-testid="sync-progress">
      <h2 id="sync-progress" className="nhsuk-heading-m">Progress</h2>
      {p && running && (
        <p className="nhsuk-body-s">Round trip {p.round_trip}</p>
      )}
      <ol className="nhsuk-list ds-phases">
        {PHASES.map((phase) => {
          const state = states[phase];
          const detail = state === "done" ? "Done" : state === "active"
            ? p && p.phase === phase && p.families > 0 ? `In progress: ${plural(p.families, "family", "families")}` : "In progress"
            : running ? "Waiting" : "Not running";
          return (
            <li key={phase} className="ds-phase" data-phase={phase} data-state={state}>
              <label className="nhsuk-label ds-phase__label" htmlFor={`progress-${phase}`}>{PHASE_LABELS[phase]}</label>
              <progress id={`progress-${phase}`} className="ds-phase__bar" max={1}
                value={state === "done" ? 1 : state === "waiting" ? 0 : undefined}
                aria-describedby={`progress-${phase}-detail`} />
              <span className="nhsuk-body-s ds-phase__detail" id={`progress-${phase}-detail`}>{detail}</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
    </div>
  );
}

function LastRun({ report, at }: { report: SyncReport; at: string | null }) {
  return (
    <section aria-labelledby="sync-last-run" data-testid="sync-report">
      <h2 id="sync-last-run" className="nhsuk-heading-m">What the last sync did{at ? ` (${formatDateTime(at)})` : ""}</h2>
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
          {f.name ? <a href={href({ screen: "family", familyId: f.family_id })}>{f.name}</a> : <>Family {f.family_id}</>}
        </li>
      ))}
    </ul>
  );
}

function Status({ status }: { status: SyncStatus }) {
  return (
    <section aria-labelledby="sync-status" data-testid="sync-status">
      <h2 id="sync-status" className="nhsuk-heading-m">This laptop</h2>
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
        {status.last_error && <Row label="Last problem">{status.last_error}</Row>}
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
                    {r.name ? <a href={href({ screen: "family", familyId: r.family_id })}>{r.name}</a> : r.family_id}
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
  useEffect(() => {
    if (latest === seen.current) return;
    seen.current = latest;
    if (latest && latest.state !== "running") reload();
  }, [latest, reload]);

  const running = busy || activity.running;
  const lastRun = report ?? (activity.lastDone?.report ? { report: activity.lastDone.report, at: activity.lastDone.at } : null);

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
      <ErrorSummary error={shownError} title={error ? (error.code === "unreachable" ? "The server could not be reached" : "The sync did not finish") : "There is a problem"} />
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
          <Progress activity={activity} running={running} finished={Boolean(lastRun) && !running} />
          {lastRun && <LastRun report={lastRun.report} at={lastRun.at} />}
          {status.data && <Status status={status.data} />}
        </>
      )}
    </>
  );
}
