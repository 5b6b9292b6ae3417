import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "./test/ipc";
import { axeViolations } from "./test/axe";
import {
  ipcError, lockedError, lockedState, noProfileState, syncReport, syncStatusEnrolled, unlockedState, workItems,
} from "./components/shell/fixtures";
import { reportIfLocked } from "./components/shell/locked";
import { App } from "./App";

// The shell's events, captured so the test can send them.
const handlers = vi.hoisted(() => new Map<string, Set<(e: { payload: unknown }) => void>>());
vi.mock("@tauri-apps/api/event", () => ({
  listen: vi.fn(async (name: string, handler: (e: { payload: unknown }) => void) => {
    if (!handlers.has(name)) handlers.set(name, new Set());
    handlers.get(name)!.add(handler);
    return () => handlers.get(name)?.delete(handler);
  }),
}));

function emit(name: string, payload: unknown) {
  act(() => handlers.get(name)?.forEach((h) => h({ payload })));
}

/** The commands the main layout (Today and the status bar) calls. */
function mainHandlers(extra: Handlers = {}): Handlers {
  return {
    app_state: () => unlockedState,
    worklist: () => workItems,
    sync_status: () => syncStatusEnrolled,
    follow_ups: () => [],
    keep_alive: () => null,
    lock: () => lockedState,
    ...extra,
  };
}

beforeEach(() => {
  window.location.hash = "";
  handlers.clear();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("App", () => {
  it("shows first run when there is no profile", async () => {
    answer({ app_state: () => noProfileState });
    render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: "Set up Doorstep on this laptop" })).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Menu" })).toBeNull();
  });

  it("shows unlock when locked, then the main layout once unlocked", async () => {
    const user = userEvent.setup();
    const calls = answer(mainHandlers({ app_state: () => lockedState, unlock: () => unlockedState }));
    const { container } = render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: "Unlock Doorstep" })).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Menu" })).toBeNull();
    expect(await axeViolations(container)).toEqual([]);

    await user.type(screen.getByLabelText("Passphrase"), "kettle orbit crayon 42");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    const h1 = await screen.findByRole("heading", { level: 1, name: "Today" });
    await waitFor(() => expect(h1).toHaveFocus());
    expect(calls.find((c) => c.cmd === "unlock")?.args).toEqual({ passphrase: "kettle orbit crayon 42" });
  });

  it("after unlocking on a fresh start, brings the practitioner back to the contact left unsaved", async () => {
    const user = userEvent.setup();
    const family = "f1f1f1f1-0000-4000-8000-000000000001";
    answer(
      mainHandlers({
        app_state: () => lockedState,
        unlock: () => unlockedState,
        drafts: () => [{ key: `contact:${family}`, family_id: family, screen: "contact", body: "{}", updated_at: "2026-11-20T10:42:00Z" }],
      }),
    );
    render(<App />);
    await user.type(await screen.findByLabelText("Passphrase"), "kettle orbit crayon 42");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    await waitFor(() => expect(window.location.hash).toBe(`#/family/${family}/contact`));
  });

  it("has the NHS.UK header with the practitioner, navigation, Lock, sync status and a skip link", async () => {
    const user = userEvent.setup();
    answer(mainHandlers());
    const { container } = render(<App />);
    await screen.findAllByTestId("worklist-item");
    const banner = screen.getByRole("banner");
    expect(within(banner).getByText("Doorstep")).toBeInTheDocument();
    expect(within(banner).getByTestId("practitioner")).toHaveTextContent("Jo Bloggs, Health visitor (Foleshill 0-19)");
    const menu = screen.getByRole("navigation", { name: "Menu" });
    const links = within(menu).getAllByRole("link");
    expect(links.map((l) => l.textContent)).toEqual(["Today", "Caseload", "Sync", "Conflicts", "Reports"]);
    expect(links.map((l) => l.getAttribute("href"))).toEqual(["#/today", "#/caseload", "#/sync", "#/conflicts", "#/reports"]);
    expect(links[0]).toHaveAttribute("aria-current", "page");
    expect(links[1]).not.toHaveAttribute("aria-current");
    expect(within(banner).getByRole("button", { name: "Lock" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("sync-indicator")).toHaveTextContent(/Last synced (14 Nov 2026 )?at 09:30/));
    expect(screen.getByTestId("sync-indicator")).not.toHaveTextContent("Synced");
    expect(await axeViolations(container)).toEqual([]);

    const skip = screen.getByRole("link", { name: "Skip to main content" });
    await user.click(skip);
    expect(screen.getByRole("heading", { level: 1, name: "Today" })).toHaveFocus();
    expect(window.location.hash).toBe("");
  });

  it("moves between screens with the navigation and focuses each screen's heading", async () => {
    const user = userEvent.setup();
    answer(mainHandlers({
      conflicts: () => [],
    }));
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Today" });
    await user.click(within(screen.getByRole("navigation", { name: "Menu" })).getByRole("link", { name: "Conflicts" }));
    const h1 = await screen.findByRole("heading", { level: 1, name: "Conflicts to review" });
    await waitFor(() => expect(h1).toHaveFocus());
    expect(within(screen.getByRole("navigation", { name: "Menu" })).getByRole("link", { name: "Conflicts" })).toHaveAttribute("aria-current", "page");
    expect(document.title).toBe("Conflicts to review - Doorstep");
  });

  it("locks with the Lock button", async () => {
    const user = userEvent.setup();
    const calls = answer(mainHandlers());
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Today" });
    await user.click(screen.getByRole("button", { name: "Lock" }));
    expect(await screen.findByLabelText("Passphrase")).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "lock")).toBe(true);
    expect(screen.queryByTestId("worklist-item")).toBeNull();
  });

  it("locks after the idle time, telling the shell of use at most once a minute meanwhile", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const calls = answer(mainHandlers({ app_state: () => ({ ...unlockedState, idle_lock_minutes: 10 }) }));
    render(<App />);
    const h1 = await screen.findByRole("heading", { level: 1, name: "Today" });
    await waitFor(() => expect(h1).toHaveFocus()); // the layout's effects have run
    const keepAlives = () => calls.filter((c) => c.cmd === "keep_alive").length;

    fireEvent.keyDown(window, { key: "a" });
    expect(keepAlives()).toBe(0); // used within the last minute (unlocking)
    await act(async () => { vi.advanceTimersByTime(61_000); });
    fireEvent.mouseMove(window);
    fireEvent.keyDown(window, { key: "b" });
    fireEvent.mouseDown(window);
    expect(keepAlives()).toBe(1);

    // Use keeps it open: 9 minutes on, still unlocked.
    await act(async () => { vi.advanceTimersByTime(9 * 60_000); });
    expect(screen.queryByLabelText("Passphrase")).toBeNull();
    expect(calls.some((c) => c.cmd === "lock")).toBe(false);

    // 10 minutes after the last use, it locks.
    await act(async () => { vi.advanceTimersByTime(60_000); });
    expect(await screen.findByLabelText("Passphrase")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "lock")).toHaveLength(1);
    expect(screen.getByRole("heading", { level: 1, name: "Unlock Doorstep" })).toBeInTheDocument();
  });

  it("shows unlock when a command answers locked", async () => {
    answer(mainHandlers({ worklist: () => { throw lockedError; } }));
    render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: "Unlock Doorstep" })).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Menu" })).toBeNull();
  });

  it("shows unlock when any screen reports a locked error, and when the shell says it locked", async () => {
    answer(mainHandlers());
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Today" });
    act(() => { reportIfLocked(ipcError("locked", "Doorstep is locked.")); });
    expect(await screen.findByRole("heading", { level: 1, name: "Unlock Doorstep" })).toBeInTheDocument();

    // And from the shell's event, after unlocking again.
    answer(mainHandlers({ unlock: () => unlockedState }));
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Passphrase"), "kettle orbit crayon 42");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    await screen.findByRole("heading", { level: 1, name: "Today" });
    await waitFor(() => expect(handlers.get("doorstep://locked")?.size).toBeGreaterThan(0));
    emit("doorstep://locked", lockedState);
    expect(await screen.findByRole("heading", { level: 1, name: "Unlock Doorstep" })).toBeInTheDocument();
  });

  it("shows the sync status from the shell's events", async () => {
    answer(mainHandlers());
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Today" });
    await waitFor(() => expect(handlers.get("doorstep://sync")?.size).toBeGreaterThan(0));
    const indicator = screen.getByTestId("sync-indicator");
    const event = { progress: null, report: null, error: null, at: "2026-07-01T09:05:00Z" };

    emit("doorstep://sync", { ...event, state: "running", progress: { phase: "exchanging", round_trip: 1, families: 3 } });
    expect(indicator).toHaveTextContent("Syncing… (exchanging)");
    emit("doorstep://sync", { ...event, state: "done" });
    expect(indicator).toHaveTextContent("Synced at 10:05"); // BST
    emit("doorstep://sync", { ...event, state: "offline" });
    expect(indicator).toHaveTextContent("Offline - your work is saved on this laptop");
    emit("doorstep://sync", { ...event, state: "failed", error: ipcError("sync-failed", "Sync failed: the server refused the request (503). Try again later.") });
    expect(indicator).toHaveTextContent("Sync failed: the server refused the request (503). Try again later.");
    expect(indicator).toHaveAttribute("role", "status");
  });

  it("shows a sync started from the Sync screen as running at once, then synced", async () => {
    const user = userEvent.setup();
    let finish: (r: typeof syncReport) => void = () => {};
    answer(mainHandlers({ sync_now: () => new Promise((resolve) => { finish = resolve; }) }));
    window.location.hash = "#/sync";
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Sync" });
    const indicator = screen.getByTestId("sync-indicator");
    await user.click(await screen.findByRole("button", { name: "Sync now" }));
    expect(indicator).toHaveTextContent("Syncing… (preparing)");
    expect(indicator).not.toHaveTextContent("Synced");
    await act(async () => finish(syncReport));
    await waitFor(() => expect(indicator).toHaveTextContent(/^Sync status: Synced at \d\d:\d\d$/));
  });

  it("goes to first run when a sync finds the laptop revoked (its data erased)", async () => {
    let revoked = false;
    const erased = { ...noProfileState, profile: { ...noProfileState.profile, erased: { at: "2026-11-14T10:00:00Z", reason: "revoked by the trust's server" } } };
    answer(mainHandlers({ app_state: () => (revoked ? erased : unlockedState) }));
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Today" });
    await waitFor(() => expect(handlers.get("doorstep://sync")?.size).toBeGreaterThan(0));
    revoked = true;
    emit("doorstep://sync", {
      state: "failed", progress: null, report: null, at: "2026-11-14T10:00:00Z",
      error: ipcError("revoked", "This device was revoked by the trust's server, so the local data on it has been erased."),
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Set up Doorstep on this laptop" })).toBeInTheDocument();
    expect(screen.getByText(/revoked by the trust's server/)).toBeInTheDocument();
  });

  it("says when Doorstep cannot start", async () => {
    answer({ app_state: () => { throw ipcError("storage", "The device store could not complete this: permission denied. Check the data folder."); } });
    const { container } = render(<App />);
    expect(await screen.findByRole("alert")).toHaveTextContent("permission denied");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });
});
