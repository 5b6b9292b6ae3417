// "Change household details": pre-filled with what is recorded, sends only
// what changed, and keeps what was typed when the core refuses.
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import { FAMILY_ID, familyView } from "./fixtures";
import { ChangeHousehold, householdUpdate, householdValues } from "./HouseholdForm";

vi.setConfig({ testTimeout: 30_000 });

const household = () => familyView().family.household;

describe("ChangeHousehold", () => {
  it("is pre-filled and sends only the fields changed", async () => {
    const calls = answer({ update_household: () => ({ family_id: FAMILY_ID, record_id: FAMILY_ID }) });
    const onSaved = vi.fn();
    const user = userEvent.setup();
    render(<ChangeHousehold familyId={FAMILY_ID} household={household()} onSaved={onSaved} />);
    const open = screen.getByRole("button", { name: "Change household details" });
    expect(open).toHaveAttribute("aria-expanded", "false");
    await user.click(open);
    expect(open).toHaveAttribute("aria-expanded", "true");

    expect(screen.getByLabelText("Address line 1")).toHaveValue("12 Example Row");
    expect(screen.getByLabelText("Town or city (optional)")).toHaveValue("Testbury");
    expect(screen.getByLabelText("Postcode")).toHaveValue("ZZ99 3AB");
    expect(screen.getByLabelText("Phone (optional)")).toHaveValue("01632960001");
    expect(screen.getByLabelText("Main language (optional)")).toHaveValue("Yoruba");
    expect(screen.getByRole("radio", { name: "Yes" })).toBeChecked();

    await user.clear(screen.getByLabelText("Phone (optional)"));
    await user.type(screen.getByLabelText("Phone (optional)"), "01632960777");
    await user.click(screen.getByRole("radio", { name: "No" }));
    await user.click(screen.getByRole("button", { name: "Save household details" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls).toEqual([
      {
        cmd: "update_household",
        args: {
          family_id: FAMILY_ID,
          update: {
            address_line1: null,
            address_line2: null,
            town: null,
            postcode: null,
            phone: "01632960777",
            main_language: null,
            interpreter_needed: false,
          },
        },
      },
    ]);
    expect(screen.queryByTestId("change-household")).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Household details saved.");
  });

  it("shows the core's refusal by the field, named by its label, and keeps what was typed", async () => {
    const calls = answer({
      update_household: () => {
        throw {
          code: "invalid",
          message: "Check the household's details and try again.",
          problems: [{ field: "postcode", problem: "is not a valid UK postcode" }],
          warning: null,
        };
      },
    });
    const onSaved = vi.fn();
    const user = userEvent.setup();
    const { container } = render(<ChangeHousehold familyId={FAMILY_ID} household={household()} onSaved={onSaved} />);
    await user.click(screen.getByRole("button", { name: "Change household details" }));
    await user.clear(screen.getByLabelText("Postcode"));
    await user.type(screen.getByLabelText("Postcode"), "NOT A POSTCODE");
    await user.type(screen.getByLabelText("Address line 2 (optional)"), "Flat 2");
    await user.click(screen.getByRole("button", { name: "Save household details" }));

    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("Check the household's details and try again.");
    expect(screen.getByRole("link", { name: "Postcode is not a valid UK postcode" })).toHaveAttribute("href", "#field-postcode");
    expect(screen.getByLabelText("Postcode")).toHaveAccessibleDescription("Error: is not a valid UK postcode");
    expect(screen.getByLabelText("Postcode")).toHaveValue("NOT A POSTCODE");
    expect(screen.getByLabelText("Address line 2 (optional)")).toHaveValue("Flat 2");
    expect(calls[0].args.update).toMatchObject({ postcode: "NOT A POSTCODE", address_line2: "Flat 2", phone: null });
    expect(onSaved).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says so, and sends nothing, when nothing was changed", async () => {
    const calls = answer({});
    const user = userEvent.setup();
    render(<ChangeHousehold familyId={FAMILY_ID} household={household()} onSaved={vi.fn()} />);
    await user.click(screen.getByRole("button", { name: "Change household details" }));
    await user.click(screen.getByRole("button", { name: "Save household details" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Nothing has been changed.");
    expect(calls).toEqual([]);
  });

  it("sends a blanked field blank, for the core to refuse", () => {
    const before = householdValues(household());
    expect(householdUpdate(before, { ...before })).toBeNull();
    expect(householdUpdate(before, { ...before, phone: "", town: " Testbury " })).toEqual({
      address_line1: null,
      address_line2: null,
      town: null,
      postcode: null,
      phone: "",
      main_language: null,
      interpreter_needed: null,
    });
  });
});
