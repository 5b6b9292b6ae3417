import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "../test/ipc";
import { axeViolations } from "../test/axe";
import type { ConflictView, FamilyView, FormSummary } from "../ipc";
import {
  AVA,
  codeListsFixture,
  DRAFT_CONTACT,
  FAMILY_ID,
  familyView,
  goalHistory,
  PARTNERSHIP,
  reviews,
  SIGNED_CONTACT,
  TOBI,
  weightChart,
} from "../components/family/fixtures";
import { useRoute } from "../route";
import { Family } from "./Family";

// Rendering whole screens and running axe takes a few seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const FORMS: FormSummary[] = [
  { form: { id: "fhat", version: "1", hash: "e7aa23b980228e4157373d1baadd0d12" }, title: "Family Health Assessment" },
  { form: { id: "family-partnership", version: "1", hash: "6fcda5b1feb85df0490af058fc13b5ad" }, title: "Family partnership assessment" },
  { form: { id: "epds", version: "1", hash: "e6f703031a5c8fdb6065f5d96986d4f0" }, title: "EPDS record" },
  { form: { id: "epds", version: "2", hash: "6696194da61e700ba54d8fcb69fb25e5" }, title: "EPDS record" },
];

const CONFLICT: ConflictView = {
  number: 1,
  family_id: FAMILY_ID,
  family_name: "Okafor",
  field: "household/phone",
  values: [
    {
      choice: 1, value: "01632960001", practitioner: "Sam Rivers", device: "d1a2b3c4-0000-4000-8000-000000000001",
      device_name: "this laptop", this_laptop: true, what: "Changed household details",
      at: "2026-03-01T10:00:00Z", at_local: "2026-03-01 10:00 GMT", action: "family.update",
    },
    {
      choice: 2, value: "01632960999", practitioner: "Priya Shah", device: "d1a2b3c4-0000-4000-8000-000000000002",
      device_name: "Asha's laptop", this_laptop: false, what: "Changed household details",
      at: "2026-03-01T11:00:00Z", at_local: "2026-03-01 11:00 GMT", action: "family.update",
    },
  ],
};

function handlers(view: FamilyView = familyView(), extra: Handlers = {}): Handlers {
  return {
    show_family: () => view,
    family_reviews: () => reviews(),
    goals: () => goalHistory(),
    conflicts: () => [CONFLICT],
    form_list: () => FORMS,
    code_lists: () => codeListsFixture(),
    growth_chart: (a) => ({ ...weightChart(a.person_id as string), measure: a.measure }),
    ...extra,
  };
}

beforeEach(() => {
  window.location.hash = `#/family/${FAMILY_ID}`;
});

describe("Family", () => {
  it("shows the family with one h1, the alert banner, members, reviews, goals and conflicts", async () => {
    const calls = answer(handlers());
    const { container } = render(<Family familyId={FAMILY_ID} />);
    const h1 = await screen.findByRole("heading", { level: 1, name: "Okafor family" });
    expect(screen.getAllByRole("heading", { level: 1 })).toEqual([h1]);
    expect(calls.find((c) => c.cmd === "show_family")!.args).toEqual({ family_id: FAMILY_ID });
    expect(calls.find((c) => c.cmd === "conflicts")!.args).toEqual({ family_id: FAMILY_ID });

    const banner = screen.getByRole("region", { name: /Safeguarding and safety alerts/ });
    expect(banner).toHaveClass("nhsuk-card--warning");
    expect(banner).toHaveTextContent("Child protection plan (Neglect): Ava Okafor");
    expect(banner).toHaveTextContent("since 5 January 2026");
    expect(banner).toHaveTextContent("Safety alert: Dog in the house");

    const members = screen.getByTestId("members-table");
    expect(within(members).getByRole("rowheader", { name: "Ava Okafor" })).toBeInTheDocument();
    expect(members).toHaveTextContent("999 000 0018");
    expect(members).toHaveTextContent("10 November 2025");
    expect(members).toHaveTextContent("born at 35+2 weeks, birth weight 2,480 g");
    expect(members).toHaveTextContent("Due 14 September 2026");
    expect(members).toHaveTextContent("Unborn baby Okafor");
    expect(screen.getByText("ZZ99 3AB")).toBeInTheDocument();
    expect(screen.getByText("Interpreter needed")).toBeInTheDocument();
    expect(screen.getByTestId("level")).toHaveTextContent("Specialist since 5 January 2026");

    const reviewsTable = await screen.findByTestId("reviews-table");
    expect(reviewsTable).toHaveTextContent("6–8 week review");
    expect(reviewsTable).toHaveTextContent("Follow up No access on 3 February 2026");

    const goals = await screen.findByTestId("goals-table");
    expect(goals).toHaveTextContent("Ava sleeps in her own cot every night");
    expect(goals).toHaveTextContent("12 January 2026: 3");
    expect(goals).toHaveTextContent("2 March 2026: 7");
    expect(goals).toHaveTextContent("Up 4 since the first rating");

    const conflict = await screen.findByTestId("family-conflict");
    expect(within(conflict).getByText("Household: phone number")).toBeInTheDocument();
    const [mine, theirs] = within(conflict).getAllByTestId("family-conflict-value");
    expect(mine).toHaveTextContent("01632960001 (shown on the record now)");
    expect(mine).toHaveTextContent("From this laptop");
    expect(mine).toHaveTextContent("Sam Rivers on this laptop");
    expect(mine).toHaveTextContent("1 March 2026, 10:00");
    expect(mine).toHaveTextContent("Changed household details");
    expect(theirs).toHaveTextContent("01632960999");
    expect(theirs).toHaveTextContent("Priya Shah on Asha's laptop");
    expect(theirs).not.toHaveTextContent("From this laptop");
    expect(conflict).not.toHaveTextContent("d1a2b3c4");
    expect(conflict).not.toHaveTextContent("family.update");
    expect(screen.getByRole("link", { name: "Review and resolve conflicts" })).toHaveAttribute("href", "#/conflicts");

    await screen.findAllByTestId("growth-point");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows no banner when no safeguarding flag or safety alert is in force", async () => {
    const view = familyView();
    view.active_flags = [];
    answer(handlers(view));
    render(<Family familyId={FAMILY_ID} />);
    await screen.findByRole("heading", { level: 1, name: "Okafor family" });
    expect(screen.queryByTestId("alert-banner")).not.toBeInTheDocument();
  });

  it("shows who left the caseload and the records merged into this household", async () => {
    const view = familyView();
    view.family.members[TOBI].left = {
      reason: "moved-away",
      date: "2026-11-01",
      to: "Leeds health visiting",
      recorded: { by: "Jo Bloggs", at: "2026-11-02T09:00:00Z" },
    };
    view.merged = [{ ...familyView().family, id: "44444444-4444-4444-8444-444444444444" }];
    answer(handlers(view));
    render(<Family familyId={FAMILY_ID} />);
    await screen.findByRole("heading", { level: 1, name: "Okafor family" });
    expect(screen.getByTestId("member-left")).toHaveTextContent("Moved out of area 1 November 2026, to Leeds health visiting");
    const merged = screen.getByTestId("merged-from");
    expect(merged).toHaveTextContent("Records merged into this household");
    expect(within(merged).getByRole("link")).toHaveAttribute("href", "#/family/44444444-4444-4444-8444-444444444444");
  });

  it("shows open results and follow-ups, and records one as addressed with a note", async () => {
    let open = [
      {
        key: "response:r1:epds-item10",
        family_id: FAMILY_ID,
        person_id: null,
        urgency: "urgent" as const,
        text: "EPDS item 10 (thoughts of self-harm) 1: urgent safeguarding prompt: assess risk of self-harm today",
        since: "2026-11-20",
        due: "2026-11-20",
      },
    ];
    const calls = answer(
      handlers(familyView(), {
        family_follow_ups: () => open,
        record_addressed: () => {
          open = [];
          return { family_id: FAMILY_ID, record_id: FAMILY_ID };
        },
      }),
    );
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const panel = await screen.findByTestId("family-follow-ups");
    expect(panel).toHaveTextContent("Urgent: act today");
    expect(panel).toHaveTextContent("assess risk of self-harm today");
    await user.click(within(panel).getByText("Record as addressed"));
    await user.type(within(panel).getByLabelText("What was done"), "Risk assessed; GP informed");
    await user.click(within(panel).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByTestId("family-follow-ups")).not.toBeInTheDocument());
    expect(calls.find((c) => c.cmd === "record_addressed")!.args).toEqual({
      family_id: FAMILY_ID,
      key: "response:r1:epds-item10",
      note: "Risk assessed; GP informed",
    });
  });

  it("lists contacts and assessments newest first, with status and addenda", async () => {
    answer(handlers());
    render(<Family familyId={FAMILY_ID} />);
    const items = await screen.findAllByTestId("timeline-contact");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("Targeted visit, 3 February 2026, 14:00");
    expect(items[0]).toHaveTextContent("Draft");
    expect(items[0]).toHaveTextContent("No access");
    expect(items[1]).toHaveTextContent("New birth visit, 21 November 2025, 10:30");
    expect(items[1]).toHaveTextContent("Signed");
    expect(items[1]).toHaveTextContent("Attended · Sam Rivers (Health visitor)");
    expect(items[1]).toHaveTextContent("Topics discussed: Maternal mental health");
    expect(items[1]).toHaveTextContent("Measurements: Weight 3.4 kg");
    expect(within(items[1]).getByTestId("addendum")).toHaveTextContent("Weight was taken on the clinic scales.");
    const assessment = screen.getByTestId("timeline-assessment");
    expect(assessment).toHaveTextContent("Family partnership assessment");
    expect(within(assessment).getByRole("link", { name: /View/ })).toHaveAttribute("href", `#/family/${FAMILY_ID}/form/${PARTNERSHIP}`);
    // Newest first across contacts and assessments.
    const order = [...document.querySelectorAll("[data-testid^=timeline-]")].map((e) => e.getAttribute("data-testid"));
    expect(order).toEqual(["timeline-contact", "timeline-assessment", "timeline-contact"]);
  });

  it("links to Record a contact", async () => {
    answer(handlers());
    render(<Family familyId={FAMILY_ID} />);
    expect(await screen.findByRole("link", { name: "Record a contact" })).toHaveAttribute("href", `#/family/${FAMILY_ID}/contact`);
  });

  it("renders the growth chart of the first child with points and lines", async () => {
    const calls = answer(handlers());
    render(<Family familyId={FAMILY_ID} />);
    expect(await screen.findAllByTestId("growth-point")).toHaveLength(2);
    expect(screen.getAllByTestId("centile-line")).toHaveLength(9);
    // The child measured most recently (Ava) first.
    expect(calls.find((c) => c.cmd === "growth_chart")!.args).toEqual({ family_id: FAMILY_ID, person_id: AVA, measure: "weight" });
    expect(screen.getByLabelText("Child")).toHaveValue(AVA);
  });

  it("adds an addendum to a signed contact, and marks a record entered in error with a reason", async () => {
    const calls = answer(
      handlers(familyView(), {
        add_addendum: () => ({ family_id: FAMILY_ID, record_id: SIGNED_CONTACT }),
        mark_entered_in_error: (a) => {
          if (!(a.reason as string).trim()) throw { code: "invalid", message: "Check the reason.", problems: [{ field: "reason", problem: "is required" }], warning: null };
          return { family_id: FAMILY_ID, record_id: a.record_id };
        },
      }),
    );
    const user = userEvent.setup();
    const { container } = render(<Family familyId={FAMILY_ID} />);
    const items = await screen.findAllByTestId("timeline-contact");
    const signed = items[1];
    expect(within(signed).queryByRole("button", { name: /^Sign/ })).not.toBeInTheDocument();

    await user.click(within(signed).getByRole("button", { name: /Add an addendum/ }));
    const text = screen.getByLabelText("Addendum");
    expect(text).toHaveFocus();
    await user.type(text, "Mother's surname corrected in the note.");
    await user.click(screen.getByRole("button", { name: "Save addendum" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "add_addendum")).toBe(true));
    expect(calls.find((c) => c.cmd === "add_addendum")!.args).toEqual({ family_id: FAMILY_ID, contact_id: SIGNED_CONTACT, text: "Mother's surname corrected in the note." });
    await screen.findByText("Addendum added.", { selector: "strong" });

    await user.click(within(screen.getAllByTestId("timeline-contact")[1]).getByRole("button", { name: /Mark entered in error/ }));
    await user.click(screen.getByRole("button", { name: "Mark entered in error" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Check the reason.");
    expect(screen.getByLabelText(/Why was it entered in error/)).toHaveAccessibleDescription(/is required/);
    expect(await axeViolations(container)).toEqual([]);
    await user.type(screen.getByLabelText(/Why was it entered in error/), "Recorded against the wrong family");
    await user.click(screen.getByRole("button", { name: "Mark entered in error" }));
    await screen.findByText("Marked entered in error.", { selector: "strong" });
    expect(calls.filter((c) => c.cmd === "mark_entered_in_error").at(-1)!.args).toEqual({
      family_id: FAMILY_ID,
      record_id: SIGNED_CONTACT,
      reason: "Recorded against the wrong family",
    });
  });

  it("signs a draft contact from the timeline", async () => {
    const calls = answer(handlers(familyView(), { sign_contact: (a) => ({ family_id: FAMILY_ID, record_id: a.contact_id }) }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const [draft] = await screen.findAllByTestId("timeline-contact");
    await user.click(within(draft).getByRole("button", { name: /^Sign/ }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "sign_contact")?.args).toEqual({ family_id: FAMILY_ID, contact_id: DRAFT_CONTACT }));
  });

  it("starts a form about a member and opens it", async () => {
    const calls = answer(handlers(familyView(), { form_start: () => ({ family_id: FAMILY_ID, record_id: "f0f0f0f0-0000-4000-8000-000000000001" }) }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    await user.click(await screen.findByText("Start a form"));
    const select = screen.getByLabelText("Form");
    // The newest version of each form only.
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Choose a form",
      "Family Health Assessment",
      "Family partnership assessment",
      "EPDS record",
    ]);
    await user.selectOptions(select, "fhat");
    await user.selectOptions(screen.getByLabelText("About"), AVA);
    await user.click(screen.getByRole("button", { name: "Start form" }));
    await waitFor(() => expect(window.location.hash).toBe(`#/family/${FAMILY_ID}/form/f0f0f0f0-0000-4000-8000-000000000001`));
    expect(calls.find((c) => c.cmd === "form_start")!.args).toEqual({ family_id: FAMILY_ID, form_id: "fhat", subject: AVA, contact: null });
  });

  it("shows the error when the family cannot be shown", async () => {
    answer({ ...handlers(), show_family: () => { throw { code: "not-found", message: "There is no family with that id on this laptop.", problems: [], warning: null }; } });
    const { container } = render(<Family familyId={FAMILY_ID} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("There is no family with that id on this laptop.");
    expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
    expect(await axeViolations(container)).toEqual([]);
  });
});

describe("leaving the family record with something typed and not saved", () => {
  // The router consults the screen's guard when the address changes.
  function Routed() {
    useRoute();
    return <Family familyId={FAMILY_ID} />;
  }
  /** Goes elsewhere (the navigation, a link or a shortcut all change the address). */
  async function go(hash: string) {
    await act(async () => {
      window.location.hash = hash;
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
  }
  const here = `#/family/${FAMILY_ID}`;

  it("asks first: staying keeps what was typed and goes back into the form; leaving goes", async () => {
    answer(handlers());
    const user = userEvent.setup();
    const { container } = render(<Routed />);
    await user.click(await screen.findByRole("button", { name: "Change level of service" }));
    const form = screen.getByRole("form", { name: "Change level of service" });
    await user.type(within(form).getByLabelText("Reason for the change"), "More support after the move");

    await go("#/today");
    const prompt = await screen.findByTestId("leave-prompt");
    expect(prompt).toHaveTextContent("What you typed in Change level of service is not saved");
    expect(prompt).toHaveFocus();
    expect(window.location.hash).toBe(here);
    // At the top of the record, under its heading.
    expect(screen.getByRole("heading", { level: 1 }).compareDocumentPosition(prompt) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(prompt.compareDocumentPosition(screen.getByTestId("level")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(await axeViolations(container)).toEqual([]);

    await user.click(within(prompt).getByRole("button", { name: "Stay and finish it" }));
    expect(screen.queryByTestId("leave-prompt")).not.toBeInTheDocument();
    const reason = within(form).getByLabelText("Reason for the change");
    expect(reason).toHaveValue("More support after the move");
    expect(reason).toHaveFocus();
    expect(window.location.hash).toBe(here);

    await go("#/caseload");
    await user.click(within(await screen.findByTestId("leave-prompt")).getByRole("button", { name: "Leave without saving" }));
    await waitFor(() => expect(window.location.hash).toBe("#/caseload"));
    expect(screen.queryByTestId("leave-prompt")).not.toBeInTheDocument();
  });

  it("does not ask for a form opened with nothing typed, nor once it is saved or cancelled", async () => {
    answer(
      handlers(familyView(), {
        set_level: () => ({ family_id: FAMILY_ID, record_id: "l1l1l1l1-0000-4000-8000-000000000001" }),
      }),
    );
    const user = userEvent.setup();
    render(<Routed />);
    await user.click(await screen.findByRole("button", { name: "Change level of service" }));
    await go("#/today");
    expect(window.location.hash).toBe("#/today");
    expect(screen.queryByTestId("leave-prompt")).not.toBeInTheDocument();

    // Saved: nothing left to ask about.
    const form = screen.getByRole("form", { name: "Change level of service" });
    await user.selectOptions(within(form).getByLabelText("Level of service"), "targeted");
    await user.type(within(form).getByLabelText("Reason for the change"), "More support after the move");
    await user.click(within(form).getByRole("button", { name: "Save level of service" }));
    await screen.findByText("Level of service changed to Targeted.");
    await go("#/caseload");
    expect(window.location.hash).toBe("#/caseload");
    expect(screen.queryByTestId("leave-prompt")).not.toBeInTheDocument();

    // Cancelled: what was typed is let go on purpose.
    const signed = (await screen.findAllByTestId("timeline-contact"))[1];
    await user.click(within(signed).getByRole("button", { name: /Add an addendum/ }));
    await user.type(screen.getByLabelText("Addendum"), "Weighed on the clinic scales.");
    await go("#/today");
    expect(await screen.findByTestId("leave-prompt")).toHaveTextContent(/What you typed in Add an addendum to the .+ is not saved/);
    expect(window.location.hash).toBe("#/caseload");
    await user.click(screen.getByRole("button", { name: "Stay and finish it" }));
    expect(screen.getByLabelText("Addendum")).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await go("#/today");
    expect(window.location.hash).toBe("#/today");
    expect(screen.queryByTestId("leave-prompt")).not.toBeInTheDocument();
  });

  it("asks about a form closed while another opened, and staying opens it again with what was typed", async () => {
    answer(handlers());
    const user = userEvent.setup();
    render(<Routed />);
    await user.click(await screen.findByRole("button", { name: "Record consent" }));
    await user.type(screen.getByLabelText("What it covers"), "Sharing with the GP");
    // Opening another form closes this one, keeping what was typed.
    await user.click(screen.getByRole("button", { name: "Add a person" }));
    expect(screen.queryByRole("form", { name: "Record consent" })).not.toBeInTheDocument();
    const add = screen.getByRole("form", { name: "Add a person" });
    await user.type(within(add).getByLabelText(/Given name/), "Tomas");

    await go("#/today");
    const prompt = await screen.findByTestId("leave-prompt");
    expect(prompt).toHaveTextContent("What you typed in Record consent and Add a person is not saved");
    // Back to the form on the screen, where the user was.
    await user.click(within(prompt).getByRole("button", { name: "Stay and finish it" }));
    expect(within(add).getByLabelText(/Given name/)).toHaveFocus();

    await user.click(within(add).getByRole("button", { name: "Cancel" }));
    await go("#/today");
    expect(await screen.findByTestId("leave-prompt")).toHaveTextContent("What you typed in Record consent is not saved");
    await user.click(screen.getByRole("button", { name: "Stay and finish it" }));
    const consent = await screen.findByRole("form", { name: "Record consent" });
    expect(within(consent).getByLabelText("What it covers")).toHaveValue("Sharing with the GP");
    expect(consent).toContainElement(document.activeElement as HTMLElement);
    expect(window.location.hash).toBe(here);
  });
});
