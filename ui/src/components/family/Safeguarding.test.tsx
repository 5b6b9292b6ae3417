import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent, { type UserEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { Family } from "../../ipc";
import { AVA, CP_FLAG, DOG_FLAG, FAMILY_ID, familyView } from "./fixtures";
import { Safeguarding } from "./Safeguarding";

vi.setConfig({ testTimeout: 30_000 });

const TODAY = "2026-11-20";
const ENDED_FLAG = "12121212-1212-4212-8212-121212121212";

function family(): Family {
  const f = familyView().family;
  f.flags[CP_FLAG].conference_on = "2025-12-20";
  f.flags[CP_FLAG].review_conference_on = "2026-11-01";
  f.flags[ENDED_FLAG] = {
    kind: "early-help",
    start: "2025-06-01",
    end: "2025-12-31",
    lead_agency: "Testbury family hub",
    recorded: { by: "Sam Rivers", at: "2025-06-01T09:00:00Z" },
    ended: { by: "Priya Shah", at: "2026-01-02T09:00:00Z" },
  };
  return f;
}

function show(onChange = vi.fn(), f: Family = family()) {
  const utils = render(<Safeguarding familyId={FAMILY_ID} family={f} today={TODAY} onChange={onChange} />);
  return { ...utils, onChange };
}

async function typeDate(user: UserEvent, legend: RegExp, day: string, month: string, year: string) {
  const group = screen.getByRole("group", { name: legend });
  for (const [box, v] of [["Day", day], ["Month", month], ["Year", year]] as const) {
    const input = within(group).getByLabelText(box);
    await user.clear(input);
    await user.type(input, v);
  }
}

const written = (record_id: string) => ({ family_id: FAMILY_ID, record_id });

describe("Safeguarding", () => {
  it("lists the flags and alerts in force with their details, an overdue review conference, and the ended ones", () => {
    answer({});
    show();
    const [cp, dog] = screen.getAllByTestId("flag");
    expect(within(cp).getByRole("heading", { level: 3 })).toHaveTextContent("Child protection plan (Neglect)");
    expect(cp).toHaveTextContent("ConcernsAva Okafor");
    expect(cp).toHaveTextContent("Since5 January 2026");
    expect(cp).toHaveTextContent("Lead agencyTestbury children's social care");
    expect(cp).toHaveTextContent("Initial child protection conference20 December 2025");
    expect(cp).toHaveTextContent("Next review conference1 November 2026 Overdue");
    expect(within(cp).getByTestId("review-overdue")).toHaveTextContent("Overdue");

    expect(within(dog).getByRole("heading", { level: 3 })).toHaveTextContent("Safety alert: Dog in the house");
    expect(dog).toHaveTextContent("ConcernsWhole household");
    expect(dog).toHaveTextContent("Large dog; ask for it to be shut away before entering");
    expect(dog).not.toHaveTextContent("conference");
    expect(within(dog).queryByRole("button", { name: /Record next review conference/ })).not.toBeInTheDocument();

    const ended = screen.getByTestId("ended-flags");
    expect(ended.tagName).toBe("DETAILS");
    expect(ended).toHaveTextContent("Ended flags and alerts (1)");
    expect(within(ended).getByTestId("ended-flag")).toHaveTextContent(
      "Early help: Whole household, 1 June 2025 to 31 December 2025. Lead agency: Testbury family hub. Ended by Priya Shah, 2 January 2026",
    );
  });

  it("does not show a review conference in the future as overdue", () => {
    answer({});
    const f = family();
    f.flags[CP_FLAG].review_conference_on = "2026-12-01";
    show(vi.fn(), f);
    expect(screen.getAllByTestId("flag")[0]).toHaveTextContent("Next review conference1 December 2026");
    expect(screen.queryByTestId("review-overdue")).not.toBeInTheDocument();
  });

  it("shows the category and conferences only for child protection, and the alert kind only for safety alerts", async () => {
    answer({});
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole("button", { name: "Add a flag or alert" }));
    const form = screen.getByRole("form", { name: "Add a flag or alert" });
    const kind = within(form).getByLabelText("Kind of flag or alert");
    expect(kind).toHaveFocus();
    const shown = () => ({
      category: within(form).queryByLabelText("Category of abuse") !== null,
      alert: within(form).queryByLabelText("Kind of safety alert") !== null,
      lead: within(form).queryByLabelText(/Lead agency/) !== null,
      conference: within(form).queryByRole("group", { name: /Initial child protection conference/ }) !== null,
      review: within(form).queryByRole("group", { name: /Next review conference/ }) !== null,
    });
    expect(shown()).toEqual({ category: false, alert: false, lead: true, conference: false, review: false });

    await user.selectOptions(kind, "child-protection");
    expect(shown()).toEqual({ category: true, alert: false, lead: true, conference: true, review: true });
    expect(within(form).getByRole("group", { name: "Date the plan started" })).toBeInTheDocument();

    await user.selectOptions(kind, "pre-birth-cp");
    expect(shown()).toEqual({ category: true, alert: false, lead: true, conference: true, review: true });

    await user.selectOptions(kind, "safety-alert");
    expect(shown()).toEqual({ category: false, alert: true, lead: false, conference: false, review: false });

    await user.selectOptions(kind, "child-in-need");
    expect(shown()).toEqual({ category: false, alert: false, lead: true, conference: false, review: false });
    expect(within(form).getByLabelText("Who it concerns")).toHaveDisplayValue("The whole household");
  });

  it("adds a child protection plan with its category, member, dates and lead agency", async () => {
    const calls = answer({ add_flag: () => written("f1f1f1f1-0000-4000-8000-000000000001") });
    const user = userEvent.setup();
    const { onChange } = show();
    await user.click(screen.getByRole("button", { name: "Add a flag or alert" }));
    await user.selectOptions(screen.getByLabelText("Kind of flag or alert"), "child-protection");
    await user.selectOptions(screen.getByLabelText("Category of abuse"), "emotional");
    await user.selectOptions(screen.getByLabelText("Who it concerns"), AVA);
    await typeDate(user, /Date the plan started/, "14", "11", "2026");
    await user.type(screen.getByLabelText(/Lead agency/), "Testbury children's social care");
    await user.type(screen.getByLabelText(/Note/), "Plan agreed at conference");
    await typeDate(user, /Initial child protection conference/, "14", "11", "2026");
    await typeDate(user, /Next review conference/, "6", "2", "2027");
    await user.click(screen.getByRole("button", { name: "Save flag or alert" }));

    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "add_flag")!.args).toEqual({
      family_id: FAMILY_ID,
      flag: {
        kind: "child-protection",
        cp_category: "emotional",
        alert: null,
        person_id: AVA,
        start: "2026-11-14",
        end: null,
        lead_agency: "Testbury children's social care",
        note: "Plan agreed at conference",
        conference_on: "2026-11-14",
        review_conference_on: "2027-02-06",
      },
    });
    expect(screen.queryByRole("form", { name: "Add a flag or alert" })).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Child protection plan added.");
    expect(screen.getByRole("button", { name: "Add a flag or alert" })).toHaveFocus();
  });

  it("adds a safety alert for the household, sending no category, lead agency or conference", async () => {
    const calls = answer({ add_flag: () => written("f1f1f1f1-0000-4000-8000-000000000002") });
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole("button", { name: "Add a flag or alert" }));
    // Typed for a plan, then the kind changed: the hidden fields are not sent.
    await user.selectOptions(screen.getByLabelText("Kind of flag or alert"), "child-protection");
    await user.selectOptions(screen.getByLabelText("Category of abuse"), "neglect");
    await user.type(screen.getByLabelText(/Lead agency/), "Children's social care");
    await user.selectOptions(screen.getByLabelText("Kind of flag or alert"), "safety-alert");
    await user.selectOptions(screen.getByLabelText("Kind of safety alert"), "lone-worker-risk");
    await typeDate(user, /Start date/, "1", "11", "2026");
    await user.click(screen.getByRole("button", { name: "Save flag or alert" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "add_flag")).toBe(true));
    expect(calls.find((c) => c.cmd === "add_flag")!.args).toEqual({
      family_id: FAMILY_ID,
      flag: {
        kind: "safety-alert",
        cp_category: null,
        alert: "lone-worker-risk",
        person_id: null,
        start: "2026-11-01",
        end: null,
        lead_agency: null,
        note: null,
        conference_on: null,
        review_conference_on: null,
      },
    });
  });

  it("shows the core's refusal naming the field by its label, and keeps what was typed", async () => {
    const calls = answer({
      add_flag: () => {
        throw {
          code: "invalid",
          message: "Check the flag.",
          problems: [
            { field: "cp_category", problem: "is required for a child protection plan" },
            { field: "start", problem: "is not a date" },
          ],
          warning: null,
        };
      },
    });
    const user = userEvent.setup();
    const { container, onChange } = show();
    await user.click(screen.getByRole("button", { name: "Add a flag or alert" }));
    await user.selectOptions(screen.getByLabelText("Kind of flag or alert"), "child-protection");
    await user.selectOptions(screen.getByLabelText("Who it concerns"), AVA);
    await user.type(screen.getByLabelText(/Lead agency/), "Testbury children's social care");
    await typeDate(user, /Date the plan started/, "31", "2", "2026");
    await user.click(screen.getByRole("button", { name: "Save flag or alert" }));

    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("Check the flag.");
    const link = within(summary).getByRole("link", { name: "Category of abuse is required for a child protection plan" });
    expect(link).toHaveAttribute("href", "#field-cp_category");
    expect(within(summary).getByRole("link", { name: "Date the plan started is not a date" })).toHaveAttribute("href", "#field-start");
    expect(screen.getByLabelText("Category of abuse")).toHaveAccessibleDescription(/is required for a child protection plan/);
    expect(calls.find((c) => c.cmd === "add_flag")!.args.flag).toMatchObject({ kind: "child-protection", cp_category: null, start: "2026-02-31" });

    // What was typed is kept.
    expect(screen.getByLabelText("Kind of flag or alert")).toHaveValue("child-protection");
    expect(screen.getByLabelText("Who it concerns")).toHaveValue(AVA);
    expect(screen.getByLabelText(/Lead agency/)).toHaveValue("Testbury children's social care");
    const start = screen.getByRole("group", { name: /Date the plan started/ });
    expect(within(start).getByLabelText("Day")).toHaveValue("31");
    expect(onChange).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("ends a flag on a date, today unless changed", async () => {
    const calls = answer({ end_flag: () => written(DOG_FLAG) });
    const user = userEvent.setup();
    const { onChange } = show();
    const dog = screen.getAllByTestId("flag")[1];
    await user.click(within(dog).getByRole("button", { name: "End Safety alert: Dog in the house: Whole household" }));
    const form = screen.getByRole("form", { name: "End Safety alert: Dog in the house" });
    const end = within(form).getByRole("group", { name: /End date/ });
    expect(within(end).getByLabelText("Day")).toHaveValue("20");
    expect(within(end).getByLabelText("Month")).toHaveValue("11");
    expect(within(end).getByLabelText("Year")).toHaveValue("2026");
    await typeDate(user, /End date/, "18", "11", "2026");
    await user.click(within(form).getByRole("button", { name: "End" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "end_flag")!.args).toEqual({ family_id: FAMILY_ID, flag_id: DOG_FLAG, end: "2026-11-18" });
    expect(screen.getByRole("status")).toHaveTextContent("Safety alert: Dog in the house ended.");
  });

  it("records a child protection plan's next review conference, and shows a refusal", async () => {
    let refuse = true;
    const calls = answer({
      set_review_conference: () => {
        if (refuse) {
          refuse = false;
          throw { code: "invalid", message: "Check the date.", problems: [{ field: "review_conference_on", problem: "is before the plan started" }], warning: null };
        }
        return written(CP_FLAG);
      },
    });
    const user = userEvent.setup();
    const { onChange } = show();
    const cp = screen.getAllByTestId("flag")[0];
    await user.click(within(cp).getByRole("button", { name: "Record next review conference: Ava Okafor" }));
    await typeDate(user, /Next review conference/, "1", "1", "2025");
    await user.click(screen.getByRole("button", { name: "Save review conference" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Next review conference is before the plan started");
    expect(within(screen.getByRole("group", { name: /Next review conference/ })).getByLabelText("Year")).toHaveValue("2025");

    await typeDate(user, /Next review conference/, "12", "2", "2027");
    await user.click(screen.getByRole("button", { name: "Save review conference" }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.filter((c) => c.cmd === "set_review_conference").at(-1)!.args).toEqual({
      family_id: FAMILY_ID,
      flag_id: CP_FLAG,
      on: "2027-02-12",
    });
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});
