// The idle lock, as the UI sees it: keyboard, mouse and touch count as
// use; while in use the shell is told (keepAlive, at most once a minute) so
// its own idle lock waits; after `minutes` without use, onIdle runs. A
// `locked` answer to keepAlive (the shell locked first) runs onLocked.
import { useEffect, useRef } from "react";
import { isIpcError, keepAlive } from "../../ipc";

const ACTIVITY = ["keydown", "mousedown", "mousemove", "pointerdown", "wheel", "touchstart", "scroll"] as const;
export const KEEP_ALIVE_EVERY_MS = 60_000;

export function useIdleLock({ minutes, onIdle, onLocked, enabled = true }: {
  minutes: number;
  onIdle: () => void;
  onLocked: () => void;
  enabled?: boolean;
}) {
  const onIdleRef = useRef(onIdle);
  const onLockedRef = useRef(onLocked);
  useEffect(() => {
    onIdleRef.current = onIdle;
    onLockedRef.current = onLocked;
  });

  useEffect(() => {
    if (!enabled) return;
    const idleMs = Math.max(1, minutes) * 60_000;
    let last = Date.now();
    let lastKeepAlive = Date.now();
    let expired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const expire = () => {
      if (expired) return;
      expired = true;
      clearTimeout(timer);
      onIdleRef.current();
    };
    const check = () => {
      const idleFor = Date.now() - last;
      if (idleFor >= idleMs) expire();
      else {
        clearTimeout(timer);
        timer = setTimeout(check, idleMs - idleFor);
      }
    };
    const activity = () => {
      if (expired) return;
      const now = Date.now();
      // After a long gap (e.g. the laptop slept and the timer did not run),
      // the first touch finds the time already up: lock rather than extend.
      if (now - last >= idleMs) {
        expire();
        return;
      }
      last = now;
      if (now - lastKeepAlive >= KEEP_ALIVE_EVERY_MS) {
        lastKeepAlive = now;
        keepAlive().catch((e: unknown) => {
          if (!expired && isIpcError(e) && e.code === "locked") {
            expired = true;
            clearTimeout(timer);
            onLockedRef.current();
          }
        });
      }
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") check();
    };

    timer = setTimeout(check, idleMs);
    for (const name of ACTIVITY) window.addEventListener(name, activity, { capture: true, passive: true });
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(timer);
      for (const name of ACTIVITY) window.removeEventListener(name, activity, { capture: true });
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [minutes, enabled]);
}
