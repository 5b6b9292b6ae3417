import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent, { type UserEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { Family } from "../../ipc";
import { AVA, FAMILY_ID, familyView, MOTHER, TOBI } from "./fixtures";
import { Departures } from "./Departures";

vi.setConfig({ testTimeout: 30_000 });

const TODAY = "2026-11-20";
const written = { family_id: FAMILY_ID, record_id: FAMILY_ID };

function show(onChange = vi.fn(), f: Family = familyView().family) {
  const utils = render(<Departures familyId={FAMILY_ID} family={f} today={TODAY} onChange={onChange} />);
  return { ...utils, onChange };
}

async function open(user: UserEvent, what: string) {
  await user.click(screen.getByRole("button", { name: "Record a move, death or transfer in" }));
  await user.click(screen.getByLabelText(what));
  return screen.getByRole("form", { name: "Record a move, death or transfer in" });
}

describe("Departures", () => {
  it("lists who moved away, died or transferred in", () => {
    answer({});
    const f = familyView().family;
    f.members[TOBI].left = { reason: "moved-away", date: "2026-11-01", to: "Leeds health visiting", recorded: { by: "Sam Rivers", at: "2026-11-02T09:00:00Z" } };
    f.members[MOTHER].transferred_in = { date: "2025-11-20", from: "Bristol health visiting", recorded: { by: "Sam Rivers", at: "2025-11-20T09:00:00Z" } };
    show(vi.fn(), f);
    const list = screen.getByTestId("departures");
    expect(list).toHaveTextContent("Tobi Okafor: moved out of area on 1 November 2026, to Leeds health visiting");
    expect(list).toHaveTextContent("Grace Okafor: transferred in on 20 November 2025, from Bristol health visiting");
  });

  it("says when no one has moved away, died or transferred in", () => {
    answer({});
    show();
    expect(screen.getByText("No one in the household has moved away, died or transferred in.")).toBeInTheDocument();
  });

  it("records that the whole household moved away, with where to", async () => {
    const calls = answer({ record_departure: () => written });
    const user = userEvent.setup();
    const { onChange } = show();
    const form = await open(user, "Moved away (out of the area)");
    expect(within(form).getByLabelText("Who moved away")).toHaveDisplayValue("The whole household");
    expect(within(form).queryByLabelText(/Where from/)).not.toBeInTheDocument();
    await user.type(within(form).getByLabelText("Where to"), "Leeds health visiting");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "record_departure")!.args).toEqual({
      family_id: FAMILY_ID,
      departure: { person: null, reason: "moved-away", date: TODAY, to: "Leeds health visiting" },
    });
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Move recorded.");
  });

  it("records that a member died, with no place", async () => {
    const calls = answer({ record_departure: () => written });
    const user = userEvent.setup();
    const { onChange } = show();
    const form = await open(user, "Died");
    expect(within(form).queryByLabelText("Where to")).not.toBeInTheDocument();
    expect(within(form).queryByLabelText(/Where from/)).not.toBeInTheDocument();
    await user.selectOptions(within(form).getByLabelText("Who died"), AVA);
    const day = within(within(form).getByRole("group", { name: "Date of death" })).getByLabelText("Day");
    await user.clear(day);
    await user.type(day, "18");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "record_departure")!.args).toEqual({
      family_id: FAMILY_ID,
      departure: { person: AVA, reason: "died", date: "2026-11-18", to: null },
    });
  });

  it("records that the household transferred in, with where from", async () => {
    const calls = answer({ record_arrival: () => written });
    const user = userEvent.setup();
    const { onChange } = show();
    const form = await open(user, "Transferred in from another area");
    expect(within(form).queryByLabelText("Where to")).not.toBeInTheDocument();
    // An unborn baby is not transferred in.
    expect(within(within(form).getByLabelText("Who transferred in")).queryByRole("option", { name: /Unborn/ })).not.toBeInTheDocument();
    await user.type(within(form).getByLabelText(/Where from/), "Bristol health visiting");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "record_arrival")!.args).toEqual({
      family_id: FAMILY_ID,
      arrival: { person: null, date: TODAY, from: "Bristol health visiting" },
    });
    expect(calls.some((c) => c.cmd === "record_departure")).toBe(false);
  });

  it("shows the core's refusal naming the field by its label, and keeps what was typed", async () => {
    const calls = answer({
      record_departure: () => {
        throw {
          code: "invalid",
          message: "Check the move.",
          problems: [{ field: "to", problem: "is required for a move: say which area or service the family moved to" }],
          warning: null,
        };
      },
    });
    const user = userEvent.setup();
    const { container, onChange } = show();
    const form = await open(user, "Moved away (out of the area)");
    await user.selectOptions(within(form).getByLabelText("Who moved away"), TOBI);
    const month = within(within(form).getByRole("group", { name: "Date of the move" })).getByLabelText("Month");
    await user.clear(month);
    await user.type(month, "10");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    const summary = await screen.findByRole("alert");
    expect(
      within(summary).getByRole("link", { name: "Where to is required for a move: say which area or service the family moved to" }),
    ).toHaveAttribute("href", "#field-to");
    expect(calls.find((c) => c.cmd === "record_departure")!.args.departure).toEqual({ person: TOBI, reason: "moved-away", date: "2026-10-20", to: null });
    expect(screen.getByLabelText("Moved away (out of the area)")).toBeChecked();
    expect(screen.getByLabelText("Who moved away")).toHaveValue(TOBI);
    expect(month).toHaveValue("10");
    expect(onChange).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("asks what happened before sending anything", async () => {
    const calls = answer({});
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole("button", { name: "Record a move, death or transfer in" }));
    expect(screen.queryByLabelText(/Who/)).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: "What happened is required: choose what happened" })).toHaveAttribute("href", "#field-reason");
    expect(calls).toEqual([]);
  });
});
