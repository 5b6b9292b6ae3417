// Print and save on the family record and its timeline: each button sends
// the right ExportRequest and shows "Saved as <file name>"; a cancelled save
// shows nothing; a refusal shows the error summary; "Amend this form" opens
// the new draft; "Change this draft" is offered for draft contacts only.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { FamilyView } from "../../ipc";
import { Family } from "../../screens/Family";
import {
  codeListsFixture,
  DRAFT_CONTACT,
  FAMILY_ID,
  familyView,
  goalHistory,
  MOTHER,
  PARTNERSHIP,
  reviews,
  SIGNED_CONTACT,
  weightChart,
} from "./fixtures";

// Rendering the whole record and running axe takes a few seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const DRAFT_FORM = "abababab-abab-4bab-8bab-abababababab";
const AMENDMENT = "cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd";

/** The fixture family with a draft form as well as the completed one. */
function withDraftForm(): FamilyView {
  const view = familyView();
  view.family.responses[DRAFT_FORM] = {
    form: { id: "epds", version: "2", hash: "6696194da61e700ba54d8fcb69fb25e5" },
    subject: MOTHER,
    answers: {},
    status: "draft",
    started: { by: "Sam Rivers", at: "2026-03-01T09:00:00Z" },
  };
  return view;
}

function handlers(view: FamilyView = withDraftForm(), extra: Handlers = {}): Handlers {
  return {
    show_family: () => view,
    family_reviews: () => reviews(),
    goals: () => goalHistory(),
    conflicts: () => [],
    form_list: () => [
      { form: { id: "family-partnership", version: "1", hash: "6fcda5b1feb85df0490af058fc13b5ad" }, title: "Family partnership assessment" },
      { form: { id: "epds", version: "2", hash: "6696194da61e700ba54d8fcb69fb25e5" }, title: "EPDS record" },
    ],
    code_lists: () => codeListsFixture(),
    growth_chart: (a) => ({ ...weightChart(a.person_id as string), measure: a.measure }),
    ...extra,
  };
}

const exportsSent = (calls: { cmd: string; args: Record<string, unknown> }[]) =>
  calls.filter((c) => c.cmd === "save_export").map((c) => c.args);

beforeEach(() => {
  window.location.hash = `#/family/${FAMILY_ID}`;
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Print and save on the family record", () => {
  it("prints the record through the shell's print dialog", async () => {
    const calls = answer(handlers(withDraftForm(), { print_page: () => null }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    await user.click(await screen.findByRole("button", { name: "Print" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "print_page")).toHaveLength(1));
  });

  it("saves the Early Help summary and says the file name it was saved as", async () => {
    const calls = answer(handlers(withDraftForm(), { save_export: () => "Okafor-early-help-2026-11-20.pdf" }));
    const user = userEvent.setup();
    const { container } = render(<Family familyId={FAMILY_ID} />);
    await user.click(await screen.findByRole("button", { name: "Save the Early Help summary (PDF)" }));
    const saved = await screen.findByTestId("early-help-saved");
    await waitFor(() => expect(saved).toHaveTextContent("Saved as Okafor-early-help-2026-11-20.pdf"));
    expect(saved).toHaveAttribute("role", "status");
    expect(exportsSent(calls)).toEqual([{ family_id: FAMILY_ID, request: { kind: "early-help-pdf" } }]);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows nothing when the save dialog is cancelled", async () => {
    const calls = answer(handlers(withDraftForm(), { save_export: () => null }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const button = await screen.findByRole("button", { name: "Save the Early Help summary (PDF)" });
    await user.click(button);
    await waitFor(() => expect(exportsSent(calls)).toHaveLength(1));
    await waitFor(() => expect(button).toBeEnabled());
    expect(screen.getByTestId("early-help-saved")).toBeEmptyDOMElement();
    expect(screen.queryByText(/Saved as/)).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows the error summary when there is no completed Family Health Assessment yet", async () => {
    answer(
      handlers(withDraftForm(), {
        save_export: () => {
          throw {
            code: "invalid",
            message: "form: no completed Family Health Assessment for this family yet",
            problems: [{ field: "form", problem: "no completed Family Health Assessment for this family yet" }],
            warning: null,
          };
        },
      }),
    );
    const user = userEvent.setup();
    const { container } = render(<Family familyId={FAMILY_ID} />);
    await user.click(await screen.findByRole("button", { name: "Save the Early Help summary (PDF)" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(
      "Doorstep could not save the Early Help summary: no completed Family Health Assessment for this family yet.",
    );
    // The problem names the record, not a field on this page: no link to a field.
    expect(within(alert).queryByRole("link")).not.toBeInTheDocument();
    expect(screen.queryByText(/Saved as/)).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });
});

describe("Saving and amending from the timeline", () => {
  it("saves a contact as a visit summary or for another system, and says the file name", async () => {
    let name = "Okafor-visit-2026-11-20.pdf";
    const calls = answer(handlers(withDraftForm(), { save_export: () => name }));
    const user = userEvent.setup();
    const { container } = render(<Family familyId={FAMILY_ID} />);
    const [draft, signed] = await screen.findAllByTestId("timeline-contact");

    await user.click(within(signed).getByRole("button", { name: /^Save visit summary \(PDF\)/ }));
    await waitFor(() => expect(within(signed).getByRole("status")).toHaveTextContent(`Saved as ${name}`));
    expect(within(draft).getByRole("status")).toBeEmptyDOMElement();

    name = "Okafor-contact-fhir-2026-11-20.json";
    await user.click(within(draft).getByRole("button", { name: /^Save for another system \(FHIR\)/ }));
    await waitFor(() => expect(within(draft).getByRole("status")).toHaveTextContent(`Saved as ${name}`));
    // The earlier note gives way to the new one.
    expect(within(signed).getByRole("status")).toBeEmptyDOMElement();

    expect(exportsSent(calls)).toEqual([
      { family_id: FAMILY_ID, request: { kind: "visit-pdf", contact_id: SIGNED_CONTACT } },
      { family_id: FAMILY_ID, request: { kind: "contact-fhir", contact_id: DRAFT_CONTACT } },
    ]);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("saves a form as a PDF, and a completed one for another system", async () => {
    const calls = answer(handlers(withDraftForm(), { save_export: (a) => `${(a.request as { kind: string }).kind}.file` }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const assessments = await screen.findAllByTestId("timeline-assessment");
    const draft = assessments.find((a) => a.textContent!.includes("EPDS record"))!;
    const completed = assessments.find((a) => a.textContent!.includes("Family partnership assessment"))!;

    // A draft form: a PDF only, and no amending.
    expect(within(draft).queryByRole("button", { name: /Save for another system/ })).not.toBeInTheDocument();
    expect(within(draft).queryByRole("button", { name: /Amend this form/ })).not.toBeInTheDocument();
    await user.click(within(draft).getByRole("button", { name: "Save as PDF: EPDS record" }));
    await waitFor(() => expect(within(draft).getByRole("status")).toHaveTextContent("Saved as form-pdf.file"));

    await user.click(within(completed).getByRole("button", { name: "Save as PDF: Family partnership assessment" }));
    await waitFor(() => expect(within(completed).getByRole("status")).toHaveTextContent("Saved as form-pdf.file"));
    await user.click(within(completed).getByRole("button", { name: "Save for another system (FHIR): Family partnership assessment" }));
    await waitFor(() => expect(within(completed).getByRole("status")).toHaveTextContent("Saved as form-fhir.file"));

    expect(exportsSent(calls)).toEqual([
      { family_id: FAMILY_ID, request: { kind: "form-pdf", response_id: DRAFT_FORM } },
      { family_id: FAMILY_ID, request: { kind: "form-pdf", response_id: PARTNERSHIP } },
      { family_id: FAMILY_ID, request: { kind: "form-fhir", response_id: PARTNERSHIP } },
    ]);
  });

  it("shows nothing when a save from the timeline is cancelled", async () => {
    const calls = answer(handlers(withDraftForm(), { save_export: () => null }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const [, signed] = await screen.findAllByTestId("timeline-contact");
    const button = within(signed).getByRole("button", { name: /^Save visit summary \(PDF\)/ });
    await user.click(button);
    await waitFor(() => expect(exportsSent(calls)).toHaveLength(1));
    await waitFor(() => expect(button).toBeEnabled());
    expect(screen.queryByText(/Saved as/)).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("amends a completed form and opens the new draft", async () => {
    const calls = answer(handlers(withDraftForm(), { form_amend: () => ({ family_id: FAMILY_ID, record_id: AMENDMENT }) }));
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const assessments = await screen.findAllByTestId("timeline-assessment");
    const completed = assessments.find((a) => a.textContent!.includes("Family partnership assessment"))!;
    await user.click(within(completed).getByRole("button", { name: "Amend this form: Family partnership assessment" }));
    await waitFor(() => expect(window.location.hash).toBe(`#/family/${FAMILY_ID}/form/${AMENDMENT}`));
    expect(calls.find((c) => c.cmd === "form_amend")!.args).toEqual({ family_id: FAMILY_ID, response_id: PARTNERSHIP });
  });

  it("offers to continue an amendment already started rather than start another", async () => {
    const view = withDraftForm();
    view.family.responses[AMENDMENT] = {
      ...view.family.responses[PARTNERSHIP],
      status: "draft",
      completed: null,
      amends: PARTNERSHIP,
      started: { by: "Sam Rivers", at: "2026-11-20T09:00:00Z" },
    };
    answer(handlers(view));
    render(<Family familyId={FAMILY_ID} />);
    const assessments = await screen.findAllByTestId("timeline-assessment");
    const original = assessments.find((a) => a.textContent!.includes("Completed"))!;
    expect(within(original).queryByRole("button", { name: /Amend this form/ })).not.toBeInTheDocument();
    expect(within(original).getByRole("link", { name: /Continue the amendment/ })).toHaveAttribute(
      "href",
      `#/family/${FAMILY_ID}/form/${AMENDMENT}`,
    );
  });

  it("shows why a form could not be amended", async () => {
    answer(
      handlers(withDraftForm(), {
        form_amend: () => {
          throw { code: "invalid", message: "response: is still a draft", problems: [{ field: "response", problem: "is still a draft: change its answers instead" }], warning: null };
        },
      }),
    );
    const user = userEvent.setup();
    render(<Family familyId={FAMILY_ID} />);
    const assessments = await screen.findAllByTestId("timeline-assessment");
    const completed = assessments.find((a) => a.textContent!.includes("Family partnership assessment"))!;
    await user.click(within(completed).getByRole("button", { name: /Amend this form/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("is still a draft: change its answers instead");
    expect(window.location.hash).toBe(`#/family/${FAMILY_ID}`);
  });

  it("links to change a draft contact, and only a draft", async () => {
    answer(handlers());
    render(<Family familyId={FAMILY_ID} />);
    const [draft, signed] = await screen.findAllByTestId("timeline-contact");
    expect(within(draft).getByRole("link", { name: /^Change this draft/ })).toHaveAttribute(
      "href",
      `#/family/${FAMILY_ID}/contact/${DRAFT_CONTACT}`,
    );
    expect(within(signed).queryByRole("link", { name: /Change this draft/ })).not.toBeInTheDocument();
    expect(screen.getAllByRole("link", { name: /Change this draft/ })).toHaveLength(1);
  });

  it("offers no saving or changing for a record entered in error", async () => {
    const view = withDraftForm();
    view.family.contacts[DRAFT_CONTACT].entered_in_error = { by: "Sam Rivers", at: "2026-02-04T09:00:00Z", reason: "Wrong family" };
    answer(handlers(view));
    render(<Family familyId={FAMILY_ID} />);
    const [draft] = await screen.findAllByTestId("timeline-contact");
    expect(within(draft).queryByRole("button")).not.toBeInTheDocument();
    expect(within(draft).queryByRole("link", { name: /Change this draft/ })).not.toBeInTheDocument();
  });
});
