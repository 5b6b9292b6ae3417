// The app: asks the shell what state the laptop is in, then shows first
// run (no profile), unlock (locked) or the main layout (header,
// navigation, sync status, the screen for the route), with its keyboard
// shortcuts and their help panel. It locks when the user is idle, when
// they press Lock (or Alt+L), when the shell says it locked, and when a
// command answers `locked`.
import "./app.css";
import { useCallback, useEffect, useState } from "react";
import { appState, asIpcError, drafts, lock, type AppState, type Draft, type IpcError } from "./ipc";
import { href, navigate, parseRoute, useRoute, type Route } from "./route";
import { ErrorSummary } from "./components/ErrorSummary";
import { onLockedEvent, onSyncEvent } from "./components/shell/events";
import { Frame, Loading, focusMainHeading } from "./components/shell/Layout";
import { onLockedError } from "./components/shell/locked";
import { focusPending, ShortcutsHelp, useShortcuts } from "./components/shell/shortcuts";
import { StatusBar } from "./components/shell/StatusBar";
import { SyncActivityProvider } from "./components/shell/syncActivity";
import { useIdleLock } from "./components/shell/useIdleLock";
import { Caseload } from "./screens/Caseload";
import { Conflicts } from "./screens/Conflicts";
import { Family } from "./screens/Family";
import { FirstRun } from "./screens/FirstRun";
import { FormScreen } from "./screens/FormScreen";
import { RecordContact } from "./screens/RecordContact";
import { RegisterFamily } from "./screens/RegisterFamily";
import { Reports } from "./screens/Reports";
import { Sync } from "./screens/Sync";
import { Today } from "./screens/Today";
import { Unlock } from "./screens/Unlock";

const TITLES: Record<Route["screen"], string> = {
  today: "Today",
  caseload: "Caseload",
  register: "Register a household",
  family: "Family record",
  contact: "Record a contact",
  "contact-edit": "Change a draft contact",
  form: "Assessment form",
  sync: "Sync",
  conflicts: "Conflicts to review",
  reports: "Reports",
};

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case "today":
      return <Today />;
    case "caseload":
      return <Caseload />;
    case "register":
      return <RegisterFamily />;
    case "family":
      // Another family's record starts afresh: nothing typed for one shows in another's forms.
      return <Family familyId={route.familyId} key={route.familyId} />;
    case "contact":
      return <RecordContact familyId={route.familyId} />;
    case "contact-edit":
      return <RecordContact familyId={route.familyId} contactId={route.contactId} key={route.contactId} />;
    case "form":
      return <FormScreen familyId={route.familyId} responseId={route.responseId} />;
    case "sync":
      return <Sync />;
    case "conflicts":
      return <Conflicts />;
    case "reports":
      return <Reports />;
  }
}

/**
 * Focuses the main heading once it is there (screens may render it a
 * moment later), or the field a shortcut asked for (the caseload search).
 */
function useFocusHeading(key: string) {
  useEffect(() => {
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A screen that shows a loading heading first replaces it once loaded:
    // for two seconds, focus lost that way (back on the page body) goes to
    // the new heading. Focus the user moved elsewhere is left alone.
    const main = document.getElementById("maincontent");
    const follow = new MutationObserver(() => {
      const active = document.activeElement;
      if ((!active || active === document.body || !active.isConnected) && focusPending(parseRoute(window.location.hash)) === "none") {
        focusMainHeading();
      }
    });
    if (main) follow.observe(main, { childList: true, subtree: true });
    const stop = setTimeout(() => follow.disconnect(), 2000);
    const attempt = () => {
      const pending = focusPending(parseRoute(window.location.hash));
      if (pending === "done" || (pending === "none" && focusMainHeading())) return;
      if (tries++ < 40) timer = setTimeout(attempt, 50);
      else if (pending === "wait") focusMainHeading();
    };
    attempt();
    return () => {
      clearTimeout(timer);
      clearTimeout(stop);
      follow.disconnect();
    };
  }, [key]);
}

/** The screen that brings back unsaved work kept as `draft`. */
export function draftRoute(draft: Draft): Route {
  if (draft.screen === "contact-edit") {
    return { screen: "contact-edit", familyId: draft.family_id, contactId: draft.key.replace(/^contact-edit:/, "") };
  }
  return { screen: "contact", familyId: draft.family_id };
}

function Main({ state, onLocked }: { state: AppState; onLocked: (state: AppState) => void }) {
  const route = useRoute();
  const routeKey = href(route);
  const [locking, setLocking] = useState(false);

  // Unlocked after a restart or a crash (the app opens on Today): back to
  // the work left unsaved, if any. After a lock the screen is still the one
  // left, and brings its own unsaved work back.
  useEffect(() => {
    if (parseRoute(window.location.hash).screen !== "today") return;
    drafts()
      .then((kept) => {
        if (kept[0] && parseRoute(window.location.hash).screen === "today") navigate(draftRoute(kept[0]));
      })
      .catch(() => undefined);
  }, []);

  const lockNow = useCallback(async () => {
    setLocking(true);
    let next: AppState;
    try {
      next = await lock();
    } catch {
      next = { ...state, unlocked: false };
    }
    onLocked({ ...next, unlocked: false });
  }, [state, onLocked]);

  useIdleLock({
    minutes: state.idle_lock_minutes,
    onIdle: lockNow,
    onLocked: () => onLocked({ ...state, unlocked: false }),
  });

  const { helpOpen, openHelp, closeHelp } = useShortcuts({
    route,
    lock: () => {
      if (!locking) void lockNow();
    },
  });

  useFocusHeading(routeKey);
  useEffect(() => {
    document.title = `${TITLES[route.screen]} - Doorstep`;
  }, [route.screen]);

  return (
    <SyncActivityProvider>
      <Frame
        profile={state.profile}
        route={route}
        onLock={lockNow}
        locking={locking}
        onShortcuts={openHelp}
        status={<StatusBar />}
        overlay={helpOpen && <ShortcutsHelp onClose={closeHelp} />}
      >
        <Screen key={routeKey} route={route} />
      </Frame>
    </SyncActivityProvider>
  );
}

type Phase = "starting" | "first-run" | "unlock" | "main";

function phaseOf(state: AppState | null): Phase {
  if (!state) return "starting";
  if (!state.profile.exists) return "first-run";
  return state.unlocked ? "main" : "unlock";
}

export function App() {
  const [state, setState] = useState<AppState | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    appState()
      .then((s) => {
        if (!current) return;
        setState(s);
        setError(null);
      })
      .catch((e: unknown) => current && setError(asIpcError(e)));
    return () => {
      current = false;
    };
  }, [attempt]);

  // The shell locked itself (idle), or a command found the laptop locked.
  useEffect(() => {
    const stopShell = onLockedEvent((s) => setState({ ...s, unlocked: false }));
    const stopScreens = onLockedError(() => setState((prev) => (prev && prev.unlocked ? { ...prev, unlocked: false } : prev)));
    // A sync the server refused because the laptop was revoked locks it
    // (and erases the data): ask the shell what state it is in now.
    const stopSync = onSyncEvent((e) => {
      const code = e.error?.code;
      if (code !== "revoked" && code !== "locked") return;
      appState()
        .then((s) => setState(s))
        .catch(() => setState((prev) => (prev ? { ...prev, unlocked: false } : prev)));
    });
    return () => {
      stopShell();
      stopScreens();
      stopSync();
    };
  }, []);

  const phase = phaseOf(state);
  useEffect(() => {
    if (phase === "first-run") document.title = "Set up - Doorstep";
    else if (phase === "unlock") document.title = "Unlock - Doorstep";
    if (phase === "first-run" || phase === "unlock") focusMainHeading();
  }, [phase]);

  const locked = useCallback((s: AppState) => setState(s), []);

  if (!state) {
    return (
      <Frame>
        {error ? (
          <>
            <h1 tabIndex={-1}>Doorstep could not start</h1>
            <ErrorSummary error={error} />
            <button type="button" className="nhsuk-button" onClick={() => setAttempt((a) => a + 1)}>
              Try again
            </button>
          </>
        ) : (
          <>
            <h1 tabIndex={-1} className="nhsuk-u-visually-hidden">Doorstep</h1>
            <Loading>Starting Doorstep…</Loading>
          </>
        )}
      </Frame>
    );
  }

  if (phase === "first-run") {
    return (
      <Frame>
        <FirstRun
          state={state}
          onDone={(s) => {
            navigate({ screen: "today" });
            setState(s);
          }}
        />
      </Frame>
    );
  }

  if (phase === "unlock") {
    return (
      <Frame>
        <Unlock state={state} onUnlocked={setState} onSetUpAgain={setState} />
      </Frame>
    );
  }

  return <Main state={state} onLocked={locked} />;
}
