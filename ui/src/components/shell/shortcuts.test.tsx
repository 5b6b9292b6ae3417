import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import { familyPage, kpi, lockedState, summary, syncStatusEnrolled, unlockedState, workItems } from "./fixtures";
import { codeListsFixture, FAMILY_ID, familyView, goalHistory, reviews } from "../family/fixtures";
import { App } from "../../App";
import { comboText, SHORTCUTS, shortcutFor } from "./shortcuts";

// Whole screens in the app, on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => undefined) }));

function handlers(extra: Handlers = {}): Handlers {
  return {
    app_state: () => unlockedState,
    worklist: () => workItems,
    sync_status: () => syncStatusEnrolled,
    follow_ups: () => [],
    keep_alive: () => null,
    lock: () => lockedState,
    drafts: () => [],
    list_families: () => familyPage,
    caseload_summary: () => summary,
    conflicts: () => [],
    kpi_report: () => kpi,
    // The family record and the contact screen.
    show_family: () => familyView(),
    family_reviews: () => reviews(),
    goals: () => goalHistory(),
    form_list: () => [],
    code_lists: () => codeListsFixture(),
    family_follow_ups: () => [],
    draft: () => null,
    save_draft: (a) => ({ key: a.key, family_id: a.family_id, screen: a.screen, body: a.body, updated_at: "2026-11-20T10:00:00Z" }),
    discard_draft: () => null,
    record_contact: () => ({ family_id: FAMILY_ID, record_id: "abababab-abab-4bab-8bab-abababababab" }),
    ...extra,
  };
}

/** Renders the app on `hash` and waits for the screen's heading (and, unless told, for it to have focus). */
async function start(hash: string, heading: string | RegExp, { focused = true } = {}) {
  window.location.hash = hash;
  const calls = answer(handlers());
  const utils = render(<App />);
  await screen.findByRole("heading", { level: 1, name: heading });
  // The heading on screen once loaded (a loading heading may come first).
  if (focused) await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: heading })).toHaveFocus());
  return { calls, ...utils };
}

beforeEach(() => {
  window.location.hash = "";
});

describe("keyboard shortcuts", () => {
  it("goes to each screen of the menu with Alt+1 to Alt+5", async () => {
    const user = userEvent.setup();
    await start("#/today", "Today");
    const screens: [string, string, string][] = [
      ["2", "#/caseload", "Caseload"],
      ["3", "#/sync", "Sync"],
      ["4", "#/conflicts", "Conflicts to review"],
      ["5", "#/reports", "Reports"],
      ["1", "#/today", "Today"],
    ];
    for (const [digit, hash, title] of screens) {
      await user.keyboard(`{Alt>}${digit}{/Alt}`);
      await waitFor(() => expect(window.location.hash).toBe(hash));
      const h1 = await screen.findByRole("heading", { level: 1, name: title });
      await waitFor(() => expect(h1).toHaveFocus());
    }
  });

  it('focuses the caseload search with "/", going to Caseload first', async () => {
    const user = userEvent.setup();
    await start("#/today", "Today");
    await user.keyboard("/");
    await waitFor(() => expect(window.location.hash).toBe("#/caseload"));
    const search = await screen.findByLabelText("Search by name, NHS number or postcode");
    expect(search).toHaveAttribute("id", "field-search");
    await waitFor(() => expect(search).toHaveFocus());
    // The slash is not typed into it.
    expect(search).toHaveValue("");

    // Already on Caseload: straight to the search.
    screen.getByRole("heading", { level: 1, name: "Caseload" }).focus();
    await user.keyboard("/");
    expect(search).toHaveFocus();
    expect(search).toHaveValue("");
  });

  it('types "/" and "?" into a text field, doing nothing else; other shortcuts rest there too', async () => {
    const user = userEvent.setup();
    await start("#/caseload", "Caseload");
    const search = screen.getByLabelText("Search by name, NHS number or postcode");
    await user.type(search, "CV1/4?");
    expect(search).toHaveValue("CV1/4?");
    expect(search).toHaveFocus();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await user.keyboard("{Alt>}1{/Alt}{F1}");
    expect(window.location.hash).toBe("#/caseload");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("opens Record a contact for the family with Alt+N on its record, and only there", async () => {
    const user = userEvent.setup();
    // The record replaces its loading heading, so focus is not on it.
    await start(`#/family/${FAMILY_ID}`, "Okafor family", { focused: false });
    await user.keyboard("{Alt>}n{/Alt}");
    await waitFor(() => expect(window.location.hash).toBe(`#/family/${FAMILY_ID}/contact`));
    expect(await screen.findByRole("heading", { level: 1, name: "Record a contact" })).toBeInTheDocument();

    await user.keyboard("{Alt>}1{/Alt}");
    await screen.findByRole("heading", { level: 1, name: "Today" });
    await user.keyboard("{Alt>}n{/Alt}");
    expect(window.location.hash).toBe("#/today");
  });

  it("saves the contact with Ctrl+S, even while typing, instead of the browser's save", async () => {
    const user = userEvent.setup();
    const { calls } = await start(`#/family/${FAMILY_ID}/contact`, "Record a contact");
    const note = screen.getByLabelText("Note");
    await user.type(note, "Seen at home");
    const notPrevented = fireEvent.keyDown(note, { key: "s", code: "KeyS", ctrlKey: true });
    expect(notPrevented).toBe(false);
    await screen.findByTestId("draft-saved");
    const saved = calls.filter((c) => c.cmd === "record_contact");
    expect(saved).toHaveLength(1);
    expect((saved[0].args.contact as Record<string, unknown>).note).toBe("Seen at home");
    expect(note).toHaveValue("Seen at home");

    // Saved: there is nothing more to save, and no second record.
    fireEvent.keyDown(document.body, { key: "s", code: "KeyS", ctrlKey: true });
    expect(calls.filter((c) => c.cmd === "record_contact")).toHaveLength(1);
  });

  it("leaves Ctrl+S alone away from the contact screen", async () => {
    await start("#/today", "Today");
    expect(fireEvent.keyDown(document.body, { key: "s", code: "KeyS", ctrlKey: true })).toBe(true);
  });

  it("locks with Alt+L", async () => {
    const user = userEvent.setup();
    const { calls } = await start("#/today", "Today");
    await user.keyboard("{Alt>}l{/Alt}");
    expect(await screen.findByLabelText("Passphrase")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "lock")).toHaveLength(1);
  });

  it('opens the help with "?" and with F1; Escape closes it and puts focus back', async () => {
    const user = userEvent.setup();
    const { container } = await start("#/today", "Today");
    const h1 = screen.getByRole("heading", { level: 1, name: "Today" });

    await user.keyboard("?");
    const dialog = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    expect(dialog).toHaveAttribute("aria-modal", "true");
    expect(dialog).toContainElement(document.activeElement as HTMLElement);
    expect(await axeViolations(container)).toEqual([]);
    // The shortcuts rest while it is open.
    await user.keyboard("{Alt>}2{/Alt}");
    expect(window.location.hash).toBe("#/today");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(h1).toHaveFocus();

    await user.keyboard("{F1}");
    expect(await screen.findByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(h1).toHaveFocus();
  });

  it("opens the help from the header, and Close puts focus back on the button", async () => {
    const user = userEvent.setup();
    await start("#/today", "Today");
    const button = within(screen.getByRole("banner")).getByRole("button", { name: "Keyboard shortcuts" });
    await user.click(button);
    const dialog = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    // Tab stays in the dialog.
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Close" })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Close" })).toHaveFocus();
    await user.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(button).toHaveFocus();
  });

  it("lists exactly the shortcuts the handler acts on", async () => {
    const user = userEvent.setup();
    await start("#/today", "Today");
    await user.keyboard("?");
    const dialog = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    const rows = within(dialog).getAllByTestId("shortcut-row");
    const shown = rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent));
    expect(shown).toEqual(SHORTCUTS.map((s) => [s.combos.map(comboText).join(" or "), s.does, s.where]));
    expect(shown.map((r) => r[0])).toEqual(["Alt+1", "Alt+2", "Alt+3", "Alt+4", "Alt+5", "/", "Alt+N", "Ctrl+S", "Alt+L", "? or F1"]);
    expect(within(dialog).getByTestId("shortcuts-while-typing")).toHaveTextContent("only Ctrl+S works");
  });

  it("finds each listed combination as its own shortcut, and only Ctrl+S while typing", () => {
    const input = document.createElement("input");
    document.body.append(input);
    for (const s of SHORTCUTS) {
      for (const c of s.combos) {
        const init = { key: c.key, code: c.code ?? "", altKey: Boolean(c.alt), ctrlKey: Boolean(c.ctrl), bubbles: true };
        expect(shortcutFor(new KeyboardEvent("keydown", init))).toBe(s);
        const typed = new KeyboardEvent("keydown", init);
        input.dispatchEvent(typed);
        expect(shortcutFor(typed)).toBe(s.combos.some((x) => x.ctrl) ? s : undefined);
      }
    }
    input.remove();
  });
});
