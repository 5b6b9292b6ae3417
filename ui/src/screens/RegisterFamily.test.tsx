// Registering a household: the route, the link from the caseload, the
// family sent to the core, a refusal shown by the field with what was
// typed kept (each problem gone once its field is changed), and the new
// record opened on success.
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { familyPage, summary } from "../components/shell/fixtures";
import { href, parseRoute } from "../route";
import { Caseload } from "./Caseload";
import { RegisterFamily } from "./RegisterFamily";

vi.setConfig({ testTimeout: 30_000 });

const NEW_FAMILY = "12121212-1212-4121-8121-121212121212";

beforeEach(() => {
  window.location.hash = "#/register";
});

describe("RegisterFamily", () => {
  it("has its own route, linked from the caseload", async () => {
    expect(parseRoute("#/register")).toEqual({ screen: "register" });
    expect(href({ screen: "register" })).toBe("#/register");
    answer({ list_families: () => familyPage, caseload_summary: () => summary, worklist: () => [] });
    render(<Caseload />);
    expect(screen.getByRole("link", { name: "Register a household" })).toHaveAttribute("href", "#/register");
    await screen.findAllByTestId("family-link");
  });

  it("registers the household and opens its record", async () => {
    const calls = answer({ add_family: () => ({ family_id: NEW_FAMILY, record_id: NEW_FAMILY }) });
    const user = userEvent.setup();
    const { container } = render(<RegisterFamily />);
    expect(screen.getByRole("heading", { level: 1, name: "Register a household" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "No" })).toBeChecked();

    await user.type(screen.getByLabelText("Address line 1"), "4 Sample Close");
    await user.type(screen.getByLabelText("Town or city (optional)"), "Testbury");
    await user.type(screen.getByLabelText("Postcode"), "zz99 3ab");
    await user.type(screen.getByLabelText("Phone (optional)"), "01632960002");
    await user.type(screen.getByLabelText("Main language (optional)"), "Polish");
    await user.click(screen.getByRole("radio", { name: "Yes" }));
    expect(await axeViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Register household" }));

    await waitFor(() => expect(window.location.hash).toBe(`#/family/${NEW_FAMILY}`));
    expect(calls).toEqual([
      {
        cmd: "add_family",
        args: {
          family: {
            address_line1: "4 Sample Close",
            address_line2: null,
            town: "Testbury",
            postcode: "zz99 3ab",
            phone: "01632960002",
            main_language: "Polish",
            interpreter_needed: true,
            practitioner: null,
            team: null,
          },
        },
      },
    ]);
  });

  it("shows the core's refusal by each field, named by its label, and keeps what was typed", async () => {
    answer({
      add_family: () => {
        throw {
          code: "invalid",
          message: "Check the household's details and try again.",
          problems: [
            { field: "address_line1", problem: "is required" },
            { field: "phone", problem: "must be a UK number of 10 or 11 digits starting with 0" },
          ],
          warning: null,
        };
      },
    });
    const user = userEvent.setup();
    const { container } = render(<RegisterFamily />);
    await user.type(screen.getByLabelText("Postcode"), "ZZ99 3AB");
    await user.type(screen.getByLabelText("Phone (optional)"), "12345");
    await user.click(screen.getByRole("button", { name: "Register household" }));

    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("Check the household's details and try again.");
    expect(screen.getByRole("link", { name: "Address line 1 is required" })).toHaveAttribute("href", "#field-address_line1");
    expect(screen.getByRole("link", { name: "Phone must be a UK number of 10 or 11 digits starting with 0" })).toHaveAttribute(
      "href",
      "#field-phone",
    );
    expect(screen.getByLabelText("Address line 1")).toHaveAccessibleDescription("Error: is required");
    expect(screen.getByLabelText("Phone (optional)")).toHaveAccessibleDescription(
      "Error: must be a UK number of 10 or 11 digits starting with 0",
    );
    expect(screen.getByLabelText("Postcode")).toHaveValue("ZZ99 3AB");
    expect(screen.getByLabelText("Phone (optional)")).toHaveValue("12345");
    expect(window.location.hash).toBe("#/register");
    expect(await axeViolations(container)).toEqual([]);

    // A field changed: its problem goes; the summary goes with the last one.
    await user.type(screen.getByLabelText("Phone (optional)"), "6");
    expect(screen.getByLabelText("Phone (optional)")).not.toHaveAccessibleDescription(/must be a UK number/);
    expect(screen.queryByRole("link", { name: /Phone must be/ })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Address line 1")).toHaveAccessibleDescription("Error: is required");
    await user.type(screen.getByLabelText("Address line 1"), "4 Sample Close");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Address line 1")).toHaveFocus();
  });
});
