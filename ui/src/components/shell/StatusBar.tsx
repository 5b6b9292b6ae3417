// The online/offline and sync indicator under the header, driven by the
// shell's doorstep://sync events (and, before the first event, the last
// sync recorded on the laptop).
import { useEffect, useState } from "react";
import { syncStatus, type SyncStatus } from "../../ipc";
import { formatDateTime, formatTime, londonToday } from "./format";
import { reportIfLocked } from "./locked";
import { useSyncActivity, type SyncActivity } from "./syncActivity";

export type Indicator = { text: string; tone: "grey" | "blue" | "green" | "red" | "white" };

function withoutPrefix(message: string): string {
  return message.replace(/^Sync failed:\s*/i, "");
}

/** The words and colour of the indicator. */
export function syncIndicator(activity: SyncActivity, status: SyncStatus | null, statusFailed = false): Indicator {
  const e = activity.latest;
  if (!activity.networkUp || e?.state === "offline") return { text: "Offline - your work is saved on this laptop", tone: "grey" };
  if (e?.state === "running") return { text: `Syncing… (${e.progress?.phase ?? "preparing"})`, tone: "blue" };
  if (e?.state === "done") return { text: `Synced at ${formatTime(e.at)}`, tone: "green" };
  if (e?.state === "failed") return { text: `Sync failed: ${withoutPrefix(e.error?.message ?? "try again later.")}`, tone: "red" };
  if (status) {
    if (!status.enrolled) return { text: "Not enrolled - this laptop works offline only", tone: "grey" };
    if (status.last_success_at) {
      const today = londonToday();
      const sameDay = londonToday(new Date(status.last_success_at)) === today;
      return {
        text: sameDay ? `Last synced at ${formatTime(status.last_success_at)}` : `Last synced ${formatDateTime(status.last_success_at)}`,
        tone: sameDay ? "green" : "white",
      };
    }
    return { text: "Not synced yet", tone: "white" };
  }
  return statusFailed ? { text: "Sync status not known", tone: "white" } : { text: "Checking sync…", tone: "white" };
}

export function StatusBar() {
  const activity = useSyncActivity();
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let current = true;
    syncStatus()
      .then((s) => current && setStatus(s))
      .catch((e: unknown) => {
        reportIfLocked(e);
        if (current) setFailed(true);
      });
    return () => {
      current = false;
    };
  }, []);
  const indicator = syncIndicator(activity, status, failed);
  return (
    <div className="ds-status-bar">
      <div className="nhsuk-width-container">
        <p className="nhsuk-body-s ds-status-bar__text" role="status" data-testid="sync-indicator">
          <span className="nhsuk-u-visually-hidden">Sync status: </span>
          <strong className={`nhsuk-tag nhsuk-tag--${indicator.tone}`}>{indicator.text}</strong>
        </p>
      </div>
    </div>
  );
}
