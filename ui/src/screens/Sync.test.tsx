import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import type { SyncEvent, SyncReport } from "../ipc";
import { ipcError, syncReport, syncStatusEnrolled, syncStatusNotEnrolled } from "../components/shell/fixtures";
import { SyncActivityProvider } from "../components/shell/syncActivity";
import { Sync } from "./Sync";

// The shell's events, captured so the test can send them.
const handlers = vi.hoisted(() => new Map<string, Set<(e: { payload: unknown }) => void>>());
vi.mock("@tauri-apps/api/event", () => ({
  listen: vi.fn(async (name: string, handler: (e: { payload: unknown }) => void) => {
    if (!handlers.has(name)) handlers.set(name, new Set());
    handlers.get(name)!.add(handler);
    return () => handlers.get(name)?.delete(handler);
  }),
}));

function emit(e: Partial<SyncEvent> & Pick<SyncEvent, "state">) {
  const payload = { progress: null, report: null, error: null, at: "2026-11-14T10:00:00Z", ...e };
  act(() => handlers.get("doorstep://sync")?.forEach((h) => h({ payload })));
}

function renderSync() {
  return render(<SyncActivityProvider><Sync /></SyncActivityProvider>);
}

describe("Sync", () => {
  it("shows the last sync, pending families, families leaving, refusals and conflicts", async () => {
    answer({ sync_status: () => syncStatusEnrolled });
    const { container } = renderSync();
    expect(screen.getByRole("heading", { level: 1, name: "Sync" })).toBeInTheDocument();
    const status = await screen.findByTestId("sync-status");
    expect(status).toHaveTextContent("https://doorstep.example.nhs.uk");
    expect(status).toHaveTextContent("14 Nov 2026 at 09:30");
    expect(within(screen.getByTestId("pending")).getByRole("link", { name: "Kowalski" })).toHaveAttribute("href", "#/family/fam-2");
    expect(screen.getByTestId("awaiting-eviction")).toHaveTextContent("Popescu");
    const rejections = screen.getByTestId("rejections");
    expect(rejections).toHaveTextContent("Mensah");
    expect(rejections).toHaveTextContent("The family is no longer allocated to your team");
    expect(within(status).getByRole("link", { name: "2 conflicts to review" })).toHaveAttribute("href", "#/conflicts");
    expect(screen.getByRole("button", { name: "Sync now" })).toBeEnabled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("syncs now, shows progress by phase from the shell's events, then what the sync did", async () => {
    const user = userEvent.setup();
    let finish: (r: SyncReport) => void = () => {};
    const calls = answer({
      sync_status: () => syncStatusEnrolled,
      sync_now: () => new Promise<SyncReport>((resolve) => { finish = resolve; }),
    });
    const { container } = renderSync();
    await screen.findByTestId("sync-status");
    await waitFor(() => expect(handlers.get("doorstep://sync")?.size).toBeGreaterThan(0));

    await user.click(screen.getByRole("button", { name: "Sync now" }));
    expect(calls.some((c) => c.cmd === "sync_now")).toBe(true);
    expect(screen.getByRole("button", { name: "Syncing…" })).toBeDisabled();
    // Shown as started at once, before the shell's first event.
    expect(screen.getByLabelText("Preparing")).not.toHaveAttribute("value");
    expect(screen.getByLabelText("Merging")).toHaveAttribute("value", "0");

    emit({ state: "running", progress: { phase: "exchanging", round_trip: 1, families: 14 } });
    const bar = (phase: string) => screen.getByLabelText(phase[0].toUpperCase() + phase.slice(1)) as HTMLProgressElement;
    expect(bar("preparing")).toHaveAttribute("value", "1");
    expect(bar("exchanging")).not.toHaveAttribute("value");
    expect(bar("merging")).toHaveAttribute("value", "0");
    expect(screen.getByTestId("sync-progress")).toHaveTextContent("In progress: 14 families");
    expect(await axeViolations(container)).toEqual([]);

    await act(async () => finish(syncReport));
    emit({ state: "done", report: syncReport });
    const report = await screen.findByTestId("sync-report");
    expect(report).toHaveTextContent("Round trips2");
    expect(report).toHaveTextContent("3 families (1 as whole records)");
    expect(report).toHaveTextContent("5 families (2 new to this laptop)");
    expect(report).toHaveTextContent("20.0 KB");
    expect(report).toHaveTextContent("150.0 KB");
    expect(screen.getByTestId("sync-announcement")).toHaveTextContent("Sync finished.");
    expect(screen.getByRole("button", { name: "Sync now" })).toBeEnabled();
    expect(bar("merging")).toHaveAttribute("value", "1");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says a revoked laptop is sending its remaining work before it is erased", async () => {
    const user = userEvent.setup();
    answer({
      sync_status: () => syncStatusEnrolled,
      sync_now: () => ({ ...syncReport, revoked: true, pending: 1 }),
    });
    const { container } = renderSync();
    await screen.findByTestId("sync-status");
    await user.click(screen.getByRole("button", { name: "Sync now" }));
    emit({ state: "done", report: { ...syncReport, revoked: true, pending: 1 } });
    const report = await screen.findByTestId("sync-report");
    expect(report).toHaveTextContent("This laptop has been revoked");
    expect(report).toHaveTextContent("sending the work the server does not yet hold");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows why a sync failed", async () => {
    const user = userEvent.setup();
    answer({
      sync_status: () => syncStatusEnrolled,
      sync_now: () => { throw ipcError("unreachable", "Server not reachable: connection refused; your work is saved on this device and will sync later."); },
    });
    const { container } = renderSync();
    await screen.findByTestId("sync-status");
    await user.click(screen.getByRole("button", { name: "Sync now" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The server could not be reached");
    expect(alert).toHaveTextContent("your work is saved on this device and will sync later.");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows a failed sync as failed: the phase it failed in, the phases after it not started, and why in an error summary", async () => {
    const user = userEvent.setup();
    let runs = 0;
    let fail: (e: unknown) => void = () => {};
    answer({
      sync_status: () => syncStatusEnrolled,
      sync_now: () => {
        runs += 1;
        if (runs === 1) return syncReport;
        return new Promise<SyncReport>((_, reject) => { fail = reject; });
      },
    });
    const { container } = renderSync();
    await screen.findByTestId("sync-status");
    await waitFor(() => expect(handlers.get("doorstep://sync")?.size).toBeGreaterThan(0));
    const bar = (label: string) => screen.getByLabelText(label) as HTMLProgressElement;
    const phase = (name: string) => screen.getByTestId("sync-progress").querySelector(`[data-phase="${name}"]`)!;

    // A first sync finishes: every phase done.
    await user.click(screen.getByRole("button", { name: "Sync now" }));
    await screen.findByTestId("sync-report");
    await waitFor(() => expect(screen.getByRole("button", { name: "Sync now" })).toBeEnabled());
    expect(phase("merging")).toHaveAttribute("data-state", "done");

    // The next one fails while exchanging.
    await user.click(screen.getByRole("button", { name: "Sync now" }));
    emit({ state: "running", progress: { phase: "exchanging", round_trip: 1, families: 3 } });
    const message = "Server not reachable: this laptop could not connect to it (no internet connection here, or the server is down). "
      + "Your work is saved on this laptop and syncs by itself once the server can be reached; to sync now, connect to the internet "
      + "(Wi-Fi or a mobile hotspot) and choose Sync now.";
    await act(async () => fail(ipcError("unreachable", message)));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveClass("nhsuk-error-summary");
    expect(alert).toHaveTextContent("The server could not be reached");
    expect(alert).toHaveTextContent("connect to the internet (Wi-Fi or a mobile hotspot) and choose Sync now.");

    const progress = screen.getByTestId("sync-progress");
    expect(progress).toHaveAttribute("data-outcome", "failed");
    expect(within(progress).getByRole("heading", { level: 2 })).toHaveTextContent("Progress: the last sync failed");
    expect(screen.getByTestId("sync-stopped")).toHaveTextContent("The sync failed while exchanging, so the steps after it did not start.");
    expect(phase("preparing")).toHaveAttribute("data-state", "done");
    expect(phase("preparing")).toHaveTextContent("Done");
    expect(bar("Preparing")).toHaveAttribute("value", "1");
    expect(phase("exchanging")).toHaveAttribute("data-state", "failed");
    expect(phase("exchanging")).toHaveTextContent("Failed");
    expect(phase("exchanging")).not.toHaveTextContent("Done");
    expect(bar("Exchanging")).toHaveAttribute("value", "0");
    expect(phase("merging")).toHaveAttribute("data-state", "not-started");
    expect(phase("merging")).toHaveTextContent("Not started");
    expect(bar("Merging")).toHaveAttribute("value", "0");
    // The report shown is the last one that finished, and says so.
    expect(within(screen.getByTestId("sync-report")).getByRole("heading", { level: 2 })).toHaveTextContent("What the last finished sync did");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows a sync that failed in the background in a warning callout, until one finishes", async () => {
    answer({ sync_status: () => syncStatusEnrolled });
    const { container } = renderSync();
    await screen.findByTestId("sync-status");
    await waitFor(() => expect(handlers.get("doorstep://sync")?.size).toBeGreaterThan(0));
    const phase = (name: string) => screen.getByTestId("sync-progress").querySelector(`[data-phase="${name}"]`)!;

    emit({ state: "running", progress: { phase: "preparing", round_trip: 1, families: 0 } });
    emit({ state: "running", progress: { phase: "merging", round_trip: 1, families: 2 } });
    emit({ state: "failed", error: ipcError("sync-failed", "Sync failed: the server refused the request (503). Try again later.") });
    await act(async () => {}); // the status reloads
    const callout = screen.getByTestId("sync-failure");
    expect(callout).toHaveClass("nhsuk-card--warning");
    expect(callout).toHaveTextContent("The sync did not finish");
    expect(callout).toHaveTextContent("the server refused the request (503). Try again later.");
    expect(callout).toHaveTextContent("It was tried on 14 Nov 2026 at 10:00.");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(phase("preparing")).toHaveAttribute("data-state", "done");
    expect(phase("exchanging")).toHaveAttribute("data-state", "done");
    expect(phase("merging")).toHaveAttribute("data-state", "failed");
    expect(await axeViolations(container)).toEqual([]);

    // Offline, with no reason given: what to do next all the same.
    emit({ state: "running", progress: null });
    emit({ state: "offline" });
    await act(async () => {}); // the status reloads
    expect(screen.getByTestId("sync-failure")).toHaveTextContent("The server could not be reached");
    expect(screen.getByTestId("sync-failure")).toHaveTextContent("connect to the internet");
    expect(phase("preparing")).toHaveAttribute("data-state", "failed");
    expect(phase("exchanging")).toHaveAttribute("data-state", "not-started");

    emit({ state: "done", report: syncReport });
    await act(async () => {}); // the status reloads
    expect(screen.queryByTestId("sync-failure")).toBeNull();
    expect(phase("merging")).toHaveAttribute("data-state", "done");
  });

  it("shows the last problem the laptop recorded in a warning callout", async () => {
    answer({
      sync_status: () => ({
        ...syncStatusEnrolled,
        last_attempt_at: "2026-11-14T11:00:00Z",
        last_error: "Sync failed: the server refused the request (503). Try again later.",
      }),
    });
    const { container } = renderSync();
    const callout = await screen.findByTestId("sync-last-problem");
    expect(callout).toHaveTextContent("The last sync did not finish");
    expect(callout).toHaveTextContent("Try again later.");
    expect(callout).toHaveTextContent("It was tried on 14 Nov 2026 at 11:00.");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("explains how to enrol a laptop that is not enrolled, and enrols it", async () => {
    const user = userEvent.setup();
    let enrolled = false;
    let tries = 0;
    const calls = answer({
      sync_status: () => (enrolled ? syncStatusEnrolled : syncStatusNotEnrolled),
      enrol: () => {
        tries += 1;
        if (tries === 1) throw ipcError("invalid", "Check the enrolment details and try again.", [{ field: "code", problem: "enrolment code not accepted" }]);
        enrolled = true;
        return {};
      },
    });
    const { container } = renderSync();
    const panel = await screen.findByTestId("not-enrolled");
    expect(panel).toHaveTextContent("nothing syncs with your trust's server until the laptop is enrolled");
    expect(screen.queryByRole("button", { name: "Sync now" })).toBeNull();
    expect(await axeViolations(container)).toEqual([]);

    await user.click(screen.getByText("Enrol this laptop now"));
    await user.type(screen.getByLabelText("Server address"), "https://doorstep.example.nhs.uk");
    await user.type(screen.getByLabelText("One-time enrolment code"), "ABCD-1234");
    await user.click(screen.getByRole("button", { name: "Enrol this laptop" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Check the enrolment details and try again.");
    expect(document.getElementById("field-code-error")).toHaveTextContent("Enrolment code not accepted");
    expect(calls.find((c) => c.cmd === "enrol")?.args).toEqual({
      enrolment: { server: "https://doorstep.example.nhs.uk", code: "ABCD-1234", ca_pem: null, device_name: null },
    });

    await user.click(screen.getByRole("button", { name: "Enrol this laptop" }));
    expect(await screen.findByTestId("sync-status")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sync now" })).toBeEnabled();
  });
});
