// What the background sync is doing (and how far the latest one got), from
// the shell's doorstep://sync events and the browser's online/offline
// state, for the status bar and the Sync screen.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import type { SyncEvent, SyncProgress } from "../../ipc";
import { onSyncEvent } from "./events";

export type SyncActivity = {
  /** The latest event, if any arrived since the app started. */
  latest: SyncEvent | null;
  /** Whether a sync is running. */
  running: boolean;
  /** Where the running sync is. */
  progress: SyncProgress | null;
  /** How far the latest sync got (kept once it ends, so a failed sync
   * shows the phase it failed in). */
  reached: SyncProgress | null;
  /** The latest finished sync (with its report). */
  lastDone: SyncEvent | null;
  /** Whether the laptop has a network connection, as far as the browser knows. */
  networkUp: boolean;
};

const idle: SyncActivity = { latest: null, running: false, progress: null, reached: null, lastDone: null, networkUp: true };

/** The activity after an event. */
function apply(a: SyncActivity, e: SyncEvent): SyncActivity {
  return {
    ...a,
    latest: e,
    running: e.state === "running",
    progress: e.state === "running" ? e.progress : null,
    // A running event without a phase keeps the phase of the sync already
    // running; one that starts a sync starts from nothing.
    reached: e.state === "running" ? e.progress ?? (a.running ? a.reached : null) : a.reached,
    lastDone: e.state === "done" ? e : a.lastDone,
  };
}

const Context = createContext<SyncActivity>(idle);
/** Records what a sync started from the UI did, so the status is right at
 * once (before the shell's first event) and stays right if the shell sends
 * none (e.g. the sync failed before it began). */
const RecordContext = createContext<(e: SyncEvent) => void>(() => {});

export function SyncActivityProvider({ children }: { children: ReactNode }) {
  const [activity, setActivity] = useState<SyncActivity>(() => ({
    ...idle,
    networkUp: typeof navigator === "undefined" ? true : navigator.onLine !== false,
  }));

  useEffect(() => {
    const stop = onSyncEvent((e) => setActivity((a) => apply(a, e)));
    const up = () => setActivity((a) => ({ ...a, networkUp: true }));
    const down = () => setActivity((a) => ({ ...a, networkUp: false }));
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      stop();
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);

  const record = useCallback((e: SyncEvent) => setActivity((a) => apply(a, e)), []);

  return (
    <RecordContext.Provider value={record}>
      <Context.Provider value={activity}>{children}</Context.Provider>
    </RecordContext.Provider>
  );
}

/** The sync activity (nothing happening, outside a provider). */
export function useSyncActivity(): SyncActivity {
  return useContext(Context);
}

/** Records a sync event from the UI itself (see RecordContext). */
export function useRecordSync(): (e: SyncEvent) => void {
  return useContext(RecordContext);
}
