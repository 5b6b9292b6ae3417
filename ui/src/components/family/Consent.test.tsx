import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { Family } from "../../ipc";
import { FAMILY_ID, familyView, MOTHER } from "./fixtures";
import { Consent } from "./Consent";

vi.setConfig({ testTimeout: 30_000 });

const TODAY = "2026-11-20";
const GP = "Share with the GP and the children's centre";
const SCHOOL = "Share with the school nursing team";
const DENTAL = "Share with the community dental service";

function family(): Family {
  const f = familyView().family;
  const stamp = (at: string) => ({ by: "Sam Rivers", at });
  f.consents = {
    "c1c1c1c1-0000-4000-8000-000000000001": { decision: "given", date: "2026-01-10", scope: GP, person_id: MOTHER, recorded: stamp("2026-01-10T10:00:00Z") },
    "c1c1c1c1-0000-4000-8000-000000000002": { decision: "refused", date: "2026-02-01", scope: SCHOOL, recorded: stamp("2026-02-01T10:00:00Z") },
    "c1c1c1c1-0000-4000-8000-000000000003": { decision: "withdrawn", date: "2026-03-01", scope: GP, person_id: MOTHER, recorded: { by: "Priya Shah", at: "2026-03-01T10:00:00Z" } },
    "c1c1c1c1-0000-4000-8000-000000000004": { decision: "given", date: "2026-04-01", scope: DENTAL, person_id: MOTHER, recorded: stamp("2026-04-01T10:00:00Z") },
  };
  return f;
}

function show(onChange = vi.fn()) {
  const utils = render(<Consent familyId={FAMILY_ID} family={family()} today={TODAY} onChange={onChange} />);
  return { ...utils, onChange };
}

const written = { family_id: FAMILY_ID, record_id: "c2c2c2c2-0000-4000-8000-000000000001" };

describe("Consent", () => {
  it("lists every consent decision, newest first, with who decided and who recorded it", () => {
    answer({});
    show();
    const rows = screen.getAllByTestId("consent");
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual([DENTAL, GP, SCHOOL, GP]);
    expect(rows[0]).toHaveTextContent("Given1 April 2026Grace OkaforSam Rivers, 1 April 2026");
    expect(rows[1]).toHaveTextContent("Withdrawn1 March 2026Grace OkaforPriya Shah, 1 March 2026");
    expect(rows[2]).toHaveTextContent("Refused1 February 2026Not recorded");
    expect(rows[3]).toHaveTextContent("Given10 January 2026Grace Okafor");
    // Only a consent given and not since changed can be withdrawn.
    expect(within(rows[0]).getByRole("button", { name: `Withdraw consent: ${DENTAL}` })).toBeInTheDocument();
    expect(within(rows[3]).queryByRole("button", { name: /Withdraw/ })).not.toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /Withdraw/ })).toHaveLength(1);
  });

  it("records consent given, dated today unless changed", async () => {
    const calls = answer({ record_consent: () => written });
    const user = userEvent.setup();
    const { onChange } = show();
    await user.click(screen.getByRole("button", { name: "Record consent" }));
    const form = screen.getByRole("form", { name: "Record consent" });
    await user.click(within(form).getByLabelText("Given"));
    await user.type(within(form).getByLabelText("What it covers"), SCHOOL);
    await user.selectOptions(within(form).getByLabelText(/Who decided/), MOTHER);
    await user.click(within(form).getByRole("button", { name: "Save consent decision" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "record_consent")!.args).toEqual({
      family_id: FAMILY_ID,
      consent: { decision: "given", date: TODAY, scope: SCHOOL, person_id: MOTHER },
    });
    expect(screen.queryByRole("form", { name: "Record consent" })).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Consent decision recorded.");
  });

  it("withdraws a consent: the form opens with withdrawn, its scope and who decided", async () => {
    const calls = answer({ record_consent: () => written });
    const user = userEvent.setup();
    const { onChange } = show();
    await user.click(screen.getByRole("button", { name: `Withdraw consent: ${DENTAL}` }));
    const form = screen.getByRole("form", { name: "Record consent" });
    const withdrawn = within(form).getByLabelText("Withdrawn");
    expect(withdrawn).toBeChecked();
    expect(withdrawn).toHaveFocus();
    expect(within(form).getByLabelText("What it covers")).toHaveValue(DENTAL);
    expect(within(form).getByLabelText(/Who decided/)).toHaveValue(MOTHER);
    await user.click(within(form).getByRole("button", { name: "Save consent decision" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "record_consent")!.args).toEqual({
      family_id: FAMILY_ID,
      consent: { decision: "withdrawn", date: TODAY, scope: DENTAL, person_id: MOTHER },
    });
  });

  it("shows the core's refusal naming the fields by their labels, and keeps what was typed", async () => {
    answer({
      record_consent: () => {
        throw {
          code: "invalid",
          message: "Check the consent decision.",
          problems: [
            { field: "decision", problem: "is required" },
            { field: "date", problem: "must not be in the future" },
          ],
          warning: null,
        };
      },
    });
    const user = userEvent.setup();
    const { container, onChange } = show();
    await user.click(screen.getByRole("button", { name: "Record consent" }));
    const year = within(screen.getByRole("group", { name: /Date of the decision/ })).getByLabelText("Year");
    await user.clear(year);
    await user.type(year, "2027");
    await user.type(screen.getByLabelText("What it covers"), SCHOOL);
    await user.click(screen.getByRole("button", { name: "Save consent decision" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: "Consent to share information is required" })).toHaveAttribute("href", "#field-decision");
    expect(within(summary).getByRole("link", { name: "Date of the decision must not be in the future" })).toHaveAttribute("href", "#field-date");
    expect(year).toHaveValue("2027");
    expect(screen.getByLabelText("What it covers")).toHaveValue(SCHOOL);
    expect(onChange).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says when no consent has been recorded", () => {
    answer({});
    const f = family();
    f.consents = {};
    render(<Consent familyId={FAMILY_ID} family={f} today={TODAY} onChange={vi.fn()} />);
    expect(screen.getByText("No consent decisions have been recorded.")).toBeInTheDocument();
  });
});
