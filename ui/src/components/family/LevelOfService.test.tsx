import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { Family } from "../../ipc";
import { FAMILY_ID, familyView } from "./fixtures";
import { Consent } from "./Consent";
import { LevelOfService } from "./LevelOfService";

vi.setConfig({ testTimeout: 30_000 });

const TODAY = "2026-11-20";

function family(): Family {
  const f = familyView().family;
  f.levels["abababab-abab-4bab-8bab-abababababab"] = {
    level: "universal",
    effective: "2025-11-20",
    reason: "New birth",
    recorded: { by: "Priya Shah", at: "2025-11-20T09:00:00Z" },
  };
  f.levels["acacacac-acac-4cac-8cac-acacacacacac"] = {
    level: "targeted",
    effective: "2025-12-01",
    reason: "Typed against the wrong family",
    recorded: { by: "Priya Shah", at: "2025-12-01T09:00:00Z" },
    entered_in_error: { by: "Priya Shah", at: "2025-12-01T10:00:00Z", reason: "Wrong family" },
  };
  return f;
}

function show(onChange = vi.fn()) {
  const utils = render(<LevelOfService familyId={FAMILY_ID} family={family()} today={TODAY} onChange={onChange} />);
  return { ...utils, onChange };
}

describe("LevelOfService", () => {
  it("lists the levels set, newest first, marking the one in force", () => {
    answer({});
    show();
    const rows = screen.getAllByTestId("level-entry");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("5 January 2026Specialist CurrentChild protection planSam Rivers, 5 January 2026");
    expect(rows[1]).toHaveTextContent("20 November 2025UniversalNew birthPriya Shah, 20 November 2025");
    expect(rows[1]).not.toHaveTextContent("Current");
    expect(screen.queryByText("Typed against the wrong family")).not.toBeInTheDocument();
  });

  it("changes the level from today, with the reason", async () => {
    const calls = answer({ set_level: () => ({ family_id: FAMILY_ID, record_id: "l1l1l1l1-0000-4000-8000-000000000001" }) });
    const user = userEvent.setup();
    const { onChange } = show();
    await user.click(screen.getByRole("button", { name: "Change level of service" }));
    const form = screen.getByRole("form", { name: "Change level of service" });
    const level = within(form).getByLabelText("Level of service");
    expect(level).toHaveFocus();
    await user.selectOptions(level, "targeted");
    const from = within(form).getByRole("group", { name: /From/ });
    expect(within(from).getByLabelText("Day")).toHaveValue("20");
    expect(within(from).getByLabelText("Month")).toHaveValue("11");
    expect(within(from).getByLabelText("Year")).toHaveValue("2026");
    await user.type(within(form).getByLabelText("Reason for the change"), "Child protection plan ended; family support continues");
    await user.click(within(form).getByRole("button", { name: "Save level of service" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "set_level")!.args).toEqual({
      family_id: FAMILY_ID,
      level: { level: "targeted", effective: "2026-11-20", reason: "Child protection plan ended; family support continues" },
    });
    expect(screen.queryByRole("form", { name: "Change level of service" })).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Level of service changed to Targeted.");
  });

  it("shows the core's refusal naming the field by its label, and keeps what was typed", async () => {
    answer({
      set_level: () => {
        throw { code: "invalid", message: "Check the level of service.", problems: [{ field: "reason", problem: "is required" }], warning: null };
      },
    });
    const user = userEvent.setup();
    const { container, onChange } = show();
    await user.click(screen.getByRole("button", { name: "Change level of service" }));
    await user.selectOptions(screen.getByLabelText("Level of service"), "universal");
    const year = within(screen.getByRole("group", { name: /From/ })).getByLabelText("Year");
    await user.clear(year);
    await user.type(year, "2027");
    await user.click(screen.getByRole("button", { name: "Save level of service" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: "Reason for the change is required" })).toHaveAttribute("href", "#field-reason");
    expect(screen.getByLabelText("Reason for the change")).toHaveAccessibleDescription(/is required/);
    expect(screen.getByLabelText("Level of service")).toHaveValue("universal");
    expect(year).toHaveValue("2027");
    expect(onChange).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("takes a refused field's problem away once that field is changed, and the summary once none is left", async () => {
    answer({
      set_level: () => {
        throw {
          code: "invalid",
          message: "Check these details: each problem is shown below, next to its field.",
          problems: [
            { field: "reason", problem: "is required" },
            { field: "effective", problem: "must not be before the family was registered" },
          ],
          warning: null,
        };
      },
    });
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole("button", { name: "Change level of service" }));
    await user.selectOptions(screen.getByLabelText("Level of service"), "universal");
    await user.click(screen.getByRole("button", { name: "Save level of service" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getAllByRole("link")).toHaveLength(2);

    const reason = screen.getByLabelText("Reason for the change");
    await user.type(reason, "N");
    expect(reason).not.toHaveAccessibleDescription(/is required/);
    expect(reason).toHaveFocus();
    expect(within(summary).queryByRole("link", { name: /Reason for the change/ })).not.toBeInTheDocument();
    // The other field's problem stays until it is changed.
    const from = screen.getByRole("group", { name: /From/ });
    expect(from).toHaveAccessibleDescription(/must not be before/);
    expect(within(summary).getByRole("link", { name: /must not be before/ })).toHaveAttribute("href", "#field-effective");

    const year = within(from).getByLabelText("Year");
    await user.clear(year);
    await user.type(year, "2027");
    expect(from).not.toHaveAccessibleDescription(/must not be before/);
    expect(year).toHaveFocus();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("closes its form when another form on the record opens, keeping what was typed", async () => {
    answer({});
    const user = userEvent.setup();
    const f = family();
    render(
      <>
        <LevelOfService familyId={FAMILY_ID} family={f} today={TODAY} onChange={vi.fn()} />
        <Consent familyId={FAMILY_ID} family={f} today={TODAY} onChange={vi.fn()} />
      </>,
    );
    await user.click(screen.getByRole("button", { name: "Change level of service" }));
    await user.type(screen.getByLabelText("Reason for the change"), "Needs met");
    await user.click(screen.getByRole("button", { name: "Record consent" }));
    expect(screen.queryByRole("form", { name: "Change level of service" })).not.toBeInTheDocument();
    expect(screen.getByRole("form", { name: "Record consent" })).toBeInTheDocument();
    // Only one field named "date" and one error summary target at a time.
    expect(document.querySelectorAll("#field-date")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Change level of service" }));
    expect(screen.queryByRole("form", { name: "Record consent" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Reason for the change")).toHaveValue("Needs met");
  });
});
