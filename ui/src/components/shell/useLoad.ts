// Loads data from a command with a loading and an error state; a `locked`
// error sends the app to the unlock screen.
import { useCallback, useEffect, useRef, useState } from "react";
import { asIpcError, type IpcError } from "../../ipc";
import { reportIfLocked } from "./locked";

export type Load<T> = {
  data: T | null;
  error: IpcError | null;
  loading: boolean;
  /** Loads again, keeping the data shown meanwhile. */
  reload: () => void;
};

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Load<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let current = true;
    setLoading(true);
    loadRef
      .current()
      .then((d) => {
        if (!current) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!current) return;
        reportIfLocked(e);
        setError(asIpcError(e));
      })
      .finally(() => {
        if (current) setLoading(false);
      });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
