// The member forms: adding a person (the fields follow the role, likely
// duplicates are shown and adding needs the tick), changing details (only
// what changed is sent), recording a birth, the core's refusals shown by
// the field with what was typed kept, and the forms on the family record.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent, { type UserEvent } from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { DuplicateView, FamilyView } from "../../ipc";
import { Family } from "../../screens/Family";
import { AVA, codeListsFixture, FAMILY_ID, familyView, goalHistory, reviews, UNBORN, weightChart } from "./fixtures";
import { AddPerson, ChangePerson, RecordBirth } from "./PersonForms";

vi.setConfig({ testTimeout: 30_000 });

const OTHER_FAMILY = "abababab-abab-4bab-8bab-abababababab";
const written = { family_id: FAMILY_ID, record_id: "cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd" };

const DUPLICATE: DuplicateView = {
  family_id: OTHER_FAMILY,
  family: "Okafor, 3 Sample Street",
  person_id: "efefefef-efef-4fef-8fef-efefefefefef",
  name: "Grace Okafor",
  date_of_birth: "1994-04-02",
  reason: "same NHS number",
};

const refused = (field: string, problem: string, message = "Check the details and try again.") => ({
  code: "invalid",
  message,
  problems: [{ field, problem }],
  warning: null,
});

async function typeDate(user: UserEvent, legend: string | RegExp, day: string, month: string, year: string) {
  const group = screen.getByRole("group", { name: legend });
  for (const [label, value] of [["Day", day], ["Month", month], ["Year", year]]) {
    const box = within(group).getByLabelText(label);
    await user.clear(box);
    await user.type(box, value);
  }
}

function addPerson(onSaved = vi.fn()) {
  const utils = render(<AddPerson familyId={FAMILY_ID} familyName="Okafor" onSaved={onSaved} onCancel={vi.fn()} />);
  return { ...utils, onSaved };
}

const person = (id: string) => familyView().family.members[id];

describe("AddPerson", () => {
  it("shows the fields the role has, with the household's family name", async () => {
    answer({});
    const user = userEvent.setup();
    addPerson();
    expect(screen.getByLabelText("Family name")).toHaveValue("Okafor");
    expect(screen.queryByRole("group", { name: /Date of birth/ })).not.toBeInTheDocument();

    await user.click(screen.getByLabelText("Child"));
    expect(screen.getByRole("group", { name: "Date of birth" })).toBeInTheDocument();
    expect(screen.getByLabelText("Gestation at birth (weeks+days, e.g. 39+2)")).toBeInTheDocument();
    expect(screen.getByLabelText("Birth weight (grams)")).toBeInTheDocument();
    expect(screen.queryByRole("group", { name: "Expected date of delivery" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Given name")).toBeInTheDocument();

    await user.click(screen.getByLabelText("Unborn baby"));
    expect(screen.getByRole("group", { name: "Expected date of delivery" })).toBeInTheDocument();
    expect(screen.getByLabelText("Antenatal review requested")).not.toBeChecked();
    expect(screen.getByLabelText("Given name (optional)")).toBeInTheDocument();
    expect(screen.queryByRole("group", { name: /Date of birth/ })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Gestation at birth (weeks+days, e.g. 39+2)")).not.toBeInTheDocument();

    await user.click(screen.getByLabelText("Parent or carer"));
    expect(screen.getByRole("group", { name: "Date of birth (optional)" })).toBeInTheDocument();
    expect(screen.queryByLabelText("Birth weight (grams)")).not.toBeInTheDocument();
    expect(within(screen.getByLabelText("Sex (optional)")).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Not recorded",
      "Male",
      "Female",
      "Indeterminate",
      "Not known",
    ]);
    const ethnic = within(screen.getByLabelText("Ethnic category (optional)")).getAllByRole("option");
    expect(ethnic[1]).toHaveTextContent("White – British");
    expect(ethnic.at(-1)).toHaveTextContent("Not known");
  });

  it("checks for likely duplicates, then adds a child with the child's fields only", async () => {
    const calls = answer({ likely_duplicates: () => [], add_person: () => written });
    const user = userEvent.setup();
    const { onSaved } = addPerson();
    await user.click(screen.getByLabelText("Unborn baby"));
    await typeDate(user, "Expected date of delivery", "1", "12", "2026");
    await user.click(screen.getByLabelText("Child"));
    await user.type(screen.getByLabelText("Given name"), "Kemi");
    await typeDate(user, "Date of birth", "1", "10", "2026");
    await user.type(screen.getByLabelText("Gestation at birth (weeks+days, e.g. 39+2)"), "39+2");
    await user.type(screen.getByLabelText("Birth weight (grams)"), "3400");
    await user.selectOptions(screen.getByLabelText("Sex (optional)"), "2");
    await user.type(screen.getByLabelText("NHS number (optional)"), "999 000 0042");
    await user.selectOptions(screen.getByLabelText("NHS number status (optional)"), "02");
    await user.selectOptions(screen.getByLabelText("Ethnic category (optional)"), "N");
    await user.type(screen.getByLabelText("GP practice code (optional)"), "a81001");
    await user.click(screen.getByRole("button", { name: "Add person" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const sent = {
      role: "child",
      given_name: "Kemi",
      family_name: "Okafor",
      date_of_birth: "2026-10-01",
      expected_delivery_date: null,
      sex: "2",
      nhs_number: "999 000 0042",
      nhs_number_status: "02",
      ethnic_category: "N",
      gp_practice: "a81001",
      gestation: "39+2",
      birth_weight_grams: "3400",
      antenatal_requested: null,
    };
    expect(calls).toEqual([
      { cmd: "likely_duplicates", args: { family_id: FAMILY_ID, person: sent } },
      { cmd: "add_person", args: { family_id: FAMILY_ID, person: sent, confirmed_different: false } },
    ]);
  });

  it("adds an unborn baby with the due date and whether the antenatal review was requested", async () => {
    const calls = answer({ likely_duplicates: () => [], add_person: () => written });
    const user = userEvent.setup();
    const { onSaved } = addPerson();
    await user.click(screen.getByLabelText("Unborn baby"));
    await typeDate(user, "Expected date of delivery", "14", "3", "2027");
    await user.click(screen.getByLabelText("Antenatal review requested"));
    await user.click(screen.getByRole("button", { name: "Add person" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === "add_person")!.args.person).toEqual({
      role: "unborn",
      given_name: null,
      family_name: "Okafor",
      date_of_birth: null,
      expected_delivery_date: "2027-03-14",
      sex: null,
      nhs_number: null,
      nhs_number_status: null,
      ethnic_category: null,
      gp_practice: null,
      gestation: null,
      birth_weight_grams: null,
      antenatal_requested: true,
    });
  });

  it("shows likely duplicates and adds the person only once the practitioner ticks that it is someone else", async () => {
    const calls = answer({
      likely_duplicates: () => [DUPLICATE],
      add_person: (a) => {
        if (!a.confirmed_different) {
          throw refused(
            "duplicate",
            "this person may already be recorded: check the likely duplicates, and confirm only if this is a different person",
            "Check the likely duplicates.",
          );
        }
        return written;
      },
    });
    const user = userEvent.setup();
    const { container, onSaved } = addPerson();
    await user.click(screen.getByLabelText("Parent or carer"));
    await user.type(screen.getByLabelText("Given name"), "Grace");
    await typeDate(user, "Date of birth (optional)", "2", "4", "1994");
    await user.type(screen.getByLabelText("NHS number (optional)"), "9990000026");
    await user.click(screen.getByRole("button", { name: "Add person" }));

    const warning = await screen.findByTestId("likely-duplicates");
    expect(warning).toHaveClass("nhsuk-warning-callout");
    expect(within(warning).getByRole("heading", { name: /This person may already be recorded/ })).toHaveFocus();
    const [dup] = within(warning).getAllByTestId("likely-duplicate");
    expect(dup).toHaveTextContent(
      "Grace Okafor, date of birth or due date 2 April 1994, in the Okafor, 3 Sample Street household: same NHS number.",
    );
    expect(within(dup).getByRole("link", { name: "View their family's record (Okafor, 3 Sample Street)" })).toHaveAttribute(
      "href",
      `#/family/${OTHER_FAMILY}`,
    );
    expect(calls.map((c) => c.cmd)).toEqual(["likely_duplicates"]);

    // Without the tick the core refuses, and the summary links to the tick.
    await user.click(screen.getByRole("button", { name: "Add person" }));
    const summary = await screen.findByRole("alert");
    expect(
      within(summary).getByRole("link", {
        name: "Before adding this person may already be recorded: check the likely duplicates, and confirm only if this is a different person",
      }),
    ).toHaveAttribute("href", "#field-duplicate");
    expect(calls.at(-1)).toMatchObject({ cmd: "add_person", args: { confirmed_different: false } });
    expect(onSaved).not.toHaveBeenCalled();
    expect(screen.getByLabelText("Given name")).toHaveValue("Grace");
    expect(await axeViolations(container)).toEqual([]);

    await user.click(screen.getByLabelText("I have checked: this is a different person"));
    await user.click(screen.getByRole("button", { name: "Add person" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls.at(-1)).toMatchObject({ cmd: "add_person", args: { confirmed_different: true } });
    expect(calls.filter((c) => c.cmd === "likely_duplicates")).toHaveLength(1);
  });

  it("asks again, and needs a new tick, when the details change to match someone else", async () => {
    let found = [DUPLICATE];
    const calls = answer({ likely_duplicates: () => found, add_person: () => written });
    const user = userEvent.setup();
    const { onSaved } = addPerson();
    await user.click(screen.getByLabelText("Parent or carer"));
    await user.type(screen.getByLabelText("Given name"), "Grace");
    await user.click(screen.getByRole("button", { name: "Add person" }));
    await screen.findByTestId("likely-duplicates");
    await user.click(screen.getByLabelText("I have checked: this is a different person"));

    found = [{ ...DUPLICATE, person_id: "f0f0f0f0-f0f0-4f0f-8f0f-f0f0f0f0f0f0", name: "Gracie Okafor", reason: "similar name and date of birth" }];
    await user.type(screen.getByLabelText("Given name"), "ie");
    await user.click(screen.getByRole("button", { name: "Add person" }));
    await waitFor(() => expect(screen.getByTestId("likely-duplicate")).toHaveTextContent("Gracie Okafor"));
    expect(screen.getByLabelText("I have checked: this is a different person")).not.toBeChecked();
    expect(calls.map((c) => c.cmd)).toEqual(["likely_duplicates", "likely_duplicates"]);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("shows the core's refusal by each field, named by its label, and keeps what was typed", async () => {
    answer({
      likely_duplicates: () => [],
      add_person: () => {
        throw {
          code: "invalid",
          message: "Check the details and try again.",
          problems: [
            { field: "date_of_birth", problem: "is in the future" },
            { field: "gestation", problem: "must be weeks+days, e.g. 39+2" },
          ],
          warning: null,
        };
      },
    });
    const user = userEvent.setup();
    const { container, onSaved } = addPerson();
    await user.click(screen.getByLabelText("Child"));
    await user.type(screen.getByLabelText("Given name"), "Kemi");
    await typeDate(user, "Date of birth", "1", "10", "2030");
    await user.type(screen.getByLabelText("Gestation at birth (weeks+days, e.g. 39+2)"), "39 weeks");
    await user.click(screen.getByRole("button", { name: "Add person" }));

    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("Check the details and try again.");
    expect(within(summary).getByRole("link", { name: "Date of birth is in the future" })).toHaveAttribute("href", "#field-date_of_birth");
    expect(
      within(summary).getByRole("link", { name: "Gestation at birth (weeks+days, e.g. 39+2) must be weeks+days, e.g. 39+2" }),
    ).toHaveAttribute("href", "#field-gestation");
    expect(screen.getByRole("group", { name: "Date of birth" })).toHaveTextContent("Error: is in the future");
    expect(screen.getByLabelText("Gestation at birth (weeks+days, e.g. 39+2)")).toHaveAccessibleDescription(
      "Error: must be weeks+days, e.g. 39+2",
    );
    expect(screen.getByLabelText("Given name")).toHaveValue("Kemi");
    expect(screen.getByLabelText("Gestation at birth (weeks+days, e.g. 39+2)")).toHaveValue("39 weeks");
    expect(within(screen.getByRole("group", { name: "Date of birth" })).getByLabelText("Year")).toHaveValue("2030");
    expect(onSaved).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });
});

describe("ChangePerson", () => {
  it("is pre-filled and sends only the fields changed", async () => {
    const calls = answer({ update_person: () => written });
    const onSaved = vi.fn();
    const user = userEvent.setup();
    const { container } = render(
      <ChangePerson familyId={FAMILY_ID} personId={AVA} person={person(AVA)} onSaved={onSaved} onCancel={vi.fn()} />,
    );
    expect(screen.getByLabelText("Given name")).toHaveValue("Ava");
    expect(screen.getByLabelText("Family name")).toHaveValue("Okafor");
    const dob = screen.getByRole("group", { name: "Date of birth" });
    expect(within(dob).getByLabelText("Day")).toHaveValue("10");
    expect(within(dob).getByLabelText("Month")).toHaveValue("11");
    expect(within(dob).getByLabelText("Year")).toHaveValue("2025");
    expect(screen.getByLabelText("NHS number (optional)")).toHaveValue("999 000 0018");
    expect(screen.getByLabelText("Sex (optional)")).toHaveValue("2");
    // A recorded sex is changed, not set back to "Not recorded".
    expect(within(screen.getByLabelText("Sex (optional)")).queryByText("Not recorded")).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);

    await user.clear(screen.getByLabelText("Given name"));
    await user.type(screen.getByLabelText("Given name"), "Ava-Grace");
    await user.type(screen.getByLabelText("GP practice code (optional)"), "A81001");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls).toEqual([
      {
        cmd: "update_person",
        args: {
          family_id: FAMILY_ID,
          person_id: AVA,
          update: {
            given_name: "Ava-Grace",
            family_name: null,
            date_of_birth: null,
            expected_delivery_date: null,
            sex: null,
            nhs_number: null,
            nhs_number_status: null,
            ethnic_category: null,
            gp_practice: "A81001",
          },
        },
      },
    ]);
  });

  it("changes an unborn baby's due date, and says when nothing was changed", async () => {
    const calls = answer({ update_person: () => written });
    const onSaved = vi.fn();
    const user = userEvent.setup();
    render(<ChangePerson familyId={FAMILY_ID} personId={UNBORN} person={person(UNBORN)} onSaved={onSaved} onCancel={vi.fn()} />);
    expect(screen.queryByRole("group", { name: /Date of birth/ })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Nothing has been changed.");
    expect(calls).toEqual([]);

    await typeDate(user, "Expected date of delivery", "21", "9", "2026");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls[0].args.update).toMatchObject({ expected_delivery_date: "2026-09-21", date_of_birth: null, given_name: null });
  });

  it("sends a blanked field for the core to refuse, and shows the refusal by the field", async () => {
    const calls = answer({
      update_person: () => {
        throw refused("nhs_number", "cannot be blanked here: record the new value instead");
      },
    });
    const user = userEvent.setup();
    render(<ChangePerson familyId={FAMILY_ID} personId={AVA} person={person(AVA)} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.clear(screen.getByLabelText("NHS number (optional)"));
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: "NHS number cannot be blanked here: record the new value instead" })).toBeInTheDocument();
    expect(calls[0].args.update).toMatchObject({ nhs_number: "", given_name: null });
    expect(screen.getByLabelText("NHS number (optional)")).toHaveValue("");
  });
});

describe("RecordBirth", () => {
  it("sends the birth for the unborn baby", async () => {
    const calls = answer({ record_birth: () => written });
    const onSaved = vi.fn();
    const user = userEvent.setup();
    const { container } = render(
      <RecordBirth familyId={FAMILY_ID} personId={UNBORN} person={person(UNBORN)} onSaved={onSaved} onCancel={vi.fn()} />,
    );
    expect(screen.getByText("Expected date of delivery: 14 September 2026")).toBeInTheDocument();
    expect(screen.getByLabelText("Family name")).toHaveValue("Okafor");
    await typeDate(user, "Date of birth", "12", "9", "2026");
    await user.type(screen.getByLabelText("Given name"), "Zara");
    await user.selectOptions(screen.getByLabelText("Sex (optional)"), "2");
    await user.type(screen.getByLabelText("NHS number (optional)"), "9990000042");
    await user.type(screen.getByLabelText("Gestation at birth (weeks+days, e.g. 39+2)"), "40+1");
    await user.type(screen.getByLabelText("Birth weight (grams)"), "3550");
    expect(await axeViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Record the birth" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls).toEqual([
      {
        cmd: "record_birth",
        args: {
          family_id: FAMILY_ID,
          person_id: UNBORN,
          birth: {
            date_of_birth: "2026-09-12",
            given_name: "Zara",
            family_name: null,
            sex: "2",
            nhs_number: "9990000042",
            nhs_number_status: null,
            gestation: "40+1",
            birth_weight_grams: "3550",
          },
        },
      },
    ]);
  });

  it("keeps what was typed when the core refuses", async () => {
    answer({ record_birth: () => { throw refused("date_of_birth", "is too far from the expected date of delivery"); } });
    const user = userEvent.setup();
    render(<RecordBirth familyId={FAMILY_ID} personId={UNBORN} person={person(UNBORN)} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await typeDate(user, "Date of birth", "1", "1", "2026");
    await user.type(screen.getByLabelText("Given name"), "Zara");
    await user.click(screen.getByRole("button", { name: "Record the birth" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: "Date of birth is too far from the expected date of delivery" })).toBeInTheDocument();
    expect(screen.getByLabelText("Given name")).toHaveValue("Zara");
    expect(within(screen.getByRole("group", { name: "Date of birth" })).getByLabelText("Year")).toHaveValue("2026");
  });
});

describe("on the family record", () => {
  function handlers(view: () => FamilyView, extra: Handlers = {}): Handlers {
    return {
      show_family: () => view(),
      family_reviews: () => reviews(),
      goals: () => goalHistory(),
      family_follow_ups: () => [],
      conflicts: () => [],
      form_list: () => [],
      code_lists: () => codeListsFixture(),
      growth_chart: (a) => ({ ...weightChart(a.person_id as string), measure: a.measure }),
      ...extra,
    };
  }

  beforeEach(() => {
    window.location.hash = `#/family/${FAMILY_ID}`;
  });

  it("changes a member's details from the members table, then reloads the record", async () => {
    let view = familyView();
    const calls = answer(
      handlers(() => view, {
        update_person: () => {
          view = familyView();
          view.family.members[AVA].given_name = "Ava-Grace";
          return written;
        },
      }),
    );
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const members = await screen.findByTestId("members-table");
    expect(within(members).getAllByRole("button", { name: /^Record the birth/ }).map((b) => b.textContent)).toEqual([
      "Record the birth of Unborn baby Okafor",
    ]);
    await user.click(within(members).getByRole("button", { name: "Change details for Ava Okafor" }));
    const form = screen.getByRole("form", { name: "Change details for Ava Okafor" });
    expect(within(form).getByLabelText("Given name")).toHaveFocus();
    await user.clear(within(form).getByLabelText("Given name"));
    await user.type(within(form).getByLabelText("Given name"), "Ava-Grace");
    await user.click(within(form).getByRole("button", { name: "Save changes" }));

    await waitFor(() => expect(screen.getByTestId("members-table")).toHaveTextContent("Ava-Grace Okafor"));
    expect(screen.queryByRole("form", { name: /Change details/ })).not.toBeInTheDocument();
    expect(screen.getByText("Details saved for Ava Okafor.")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "show_family").length).toBeGreaterThanOrEqual(2);
  });

  it("opens one form at a time, keeping what was typed in the one closed", async () => {
    answer(handlers(() => familyView()));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const members = await screen.findByTestId("members-table");
    await user.click(within(members).getByRole("button", { name: "Change details for Ava Okafor" }));
    await user.type(screen.getByLabelText("GP practice code (optional)"), "A81001");

    await user.click(screen.getByRole("button", { name: "Add a person" }));
    expect(screen.queryByRole("form", { name: "Change details for Ava Okafor" })).not.toBeInTheDocument();
    const add = screen.getByRole("form", { name: "Add a person" });
    expect(within(add).getByLabelText("Family name")).toHaveValue("Okafor");

    await user.click(screen.getByRole("button", { name: "Change household details" }));
    expect(screen.queryByRole("form", { name: "Add a person" })).not.toBeInTheDocument();
    expect(screen.getByRole("form", { name: "Change household details" })).toBeInTheDocument();

    await user.click(within(members).getByRole("button", { name: "Change details for Ava Okafor" }));
    expect(screen.queryByRole("form", { name: "Change household details" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("GP practice code (optional)")).toHaveValue("A81001");
  });
});
