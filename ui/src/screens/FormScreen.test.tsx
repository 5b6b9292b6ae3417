import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { AVA, FAMILY_ID, familyView, MOTHER } from "../components/family/fixtures";
import { fakeForms, SHIPPED } from "../components/family/fakeForms";
import type { Item } from "../ipc";
import type { Answers } from "../components/family/formDefinition";
import { FormScreen } from "./FormScreen";

// Typing and axe take a few seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const RESPONSE = "resp-1";

function setup(formId: string, version: string, opts: Parameters<typeof fakeForms>[2] = {}) {
  const fake = fakeForms(formId, version, opts);
  const calls = answer({ ...fake.handlers, show_family: () => familyView() });
  const user = userEvent.setup();
  const utils = render(<FormScreen familyId={FAMILY_ID} responseId={RESPONSE} />);
  return { fake, calls, user, ...utils };
}

const answers = (calls: { cmd: string; args: Record<string, unknown> }[]) =>
  calls.filter((c) => c.cmd === "form_answer").map((c) => [c.args.item, c.args.value]);

describe("FormScreen", () => {
  it("renders the form's items with one h1, groups and a repeating group", async () => {
    const { container, calls } = setup("family-partnership", "1", { subject: MOTHER });
    await screen.findByRole("heading", { level: 1, name: "Family partnership assessment" });
    expect(await screen.findByText("About Grace Okafor")).toHaveClass("nhsuk-caption-l");
    expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
    expect(calls[0]).toEqual({ cmd: "form_show", args: { family_id: FAMILY_ID, response_id: RESPONSE } });
    expect(screen.getByLabelText("The family's strengths")).toHaveAttribute("id", "field-family-strengths");
    expect(screen.getByLabelText("The family's concerns (optional)")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: "Goals" })).toBeInTheDocument();
    const goal1 = screen.getByRole("group", { name: "Goal 1" });
    expect(within(goal1).getByLabelText("Goal (in the family's words)")).toHaveAttribute("id", "field-goals[0].goal");
    expect(within(goal1).getByLabelText("Rating today (0–10) (optional)")).toHaveAttribute("id", "field-goals[0].rating");
    expect(within(goal1).getByLabelText("Review date (optional)")).toHaveAttribute("type", "date");
    expect(screen.getByText("From 0 to 10")).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("autosaves an answer with form_answer and its item path, and says it is saved", async () => {
    const { calls, user } = setup("family-partnership", "1");
    const strengths = await screen.findByLabelText("The family's strengths");
    await user.type(strengths, "Close, supportive grandparents");
    await user.tab();
    await waitFor(() => expect(answers(calls)).toEqual([["family-strengths", "Close, supportive grandparents"]]));
    expect(calls.find((c) => c.cmd === "form_answer")!.args).toEqual({
      family_id: FAMILY_ID,
      response_id: RESPONSE,
      item: "family-strengths",
      value: "Close, supportive grandparents",
    });
    expect(await screen.findByTestId("save-status")).toHaveTextContent(/Saved at \d\d:\d\d/);
    expect(screen.getByTestId("save-status")).toHaveAttribute("aria-live", "polite");

    // Inside a repeating group the path names the instance.
    await user.type(screen.getByLabelText("Goal (in the family's words)"), "Ava sleeps in her own cot");
    await user.tab();
    await waitFor(() => expect(answers(calls)).toContainEqual(["goals[0].goal", "Ava sleeps in her own cot"]));
    await user.click(screen.getByRole("button", { name: "Add another goal" }));
    const goal2 = screen.getByRole("group", { name: "Goal 2" });
    await user.type(within(goal2).getByLabelText("Goal (in the family's words)"), "Walks to the children's centre weekly");
    await user.tab();
    await waitFor(() => expect(answers(calls)).toContainEqual(["goals[1].goal", "Walks to the children's centre weekly"]));
  });

  it("shows the core's problem next to the field and keeps what was typed", async () => {
    const { calls, user, container } = setup("family-partnership", "1");
    const rating = await screen.findByLabelText("Rating today (0–10) (optional)");
    await user.type(rating, "11");
    await user.tab();
    await waitFor(() => expect(rating).toHaveAccessibleDescription(/Must be between 0 and 10/));
    expect(rating).toHaveValue("11");
    expect(answers(calls)).toEqual([["goals[0].rating", "11"]]);
    expect(screen.getByTestId("save-status")).toHaveTextContent("Not saved: must be between 0 and 10");
    expect(await axeViolations(container)).toEqual([]);

    await user.clear(rating);
    // Changed: the refusal goes at once, before the new answer is saved.
    expect(rating).not.toHaveAccessibleDescription(/Must be between/);
    await user.type(rating, "6");
    await user.tab();
    await waitFor(() => expect(rating).not.toHaveAccessibleDescription(/Must be between/));
  });

  it("Complete shows the error summary while required answers are missing, then completes", async () => {
    const { calls, user, container } = setup("family-partnership", "1");
    await user.click(await screen.findByRole("button", { name: "Complete" }));
    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("The form cannot be completed yet");
    expect(within(summary).getByRole("link", { name: /The family.s strengths is required/ })).toHaveAttribute("href", "#field-family-strengths");
    expect(within(summary).getByRole("link", { name: /Goals needs at least one entry/ })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("The family's strengths")).toHaveAccessibleDescription(/Is required/));
    expect(screen.getByText("Needs at least one entry")).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);

    await user.type(screen.getByLabelText("The family's strengths"), "Warm and responsive parenting");
    await user.type(screen.getByLabelText("Goal (in the family's words)"), "Ava sleeps in her own cot");
    await user.click(screen.getByRole("button", { name: "Complete" }));
    expect(await screen.findByTestId("completed-panel")).toHaveTextContent("Form completed");
    // Both answers were saved before completing.
    expect(answers(calls)).toEqual([
      ["family-strengths", "Warm and responsive parenting"],
      ["goals[0].goal", "Ava sleeps in her own cot"],
    ]);
    const order = calls.map((c) => c.cmd);
    expect(order.lastIndexOf("form_answer")).toBeLessThan(order.lastIndexOf("form_complete"));
    expect(screen.queryByRole("button", { name: "Complete" })).not.toBeInTheDocument();
    expect(screen.getByText("Warm and responsive parenting")).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("takes a question's problem away once it is changed, in the summary of a refused Complete too", async () => {
    const { user } = setup("family-partnership", "1");
    await user.click(await screen.findByRole("button", { name: "Complete" }));
    const summary = await screen.findByRole("alert");
    const strengths = screen.getByLabelText("The family's strengths");
    await waitFor(() => expect(strengths).toHaveAccessibleDescription(/Is required/));

    // Gone as it is typed, before the answer is saved; the other problem stays.
    await user.type(strengths, "W");
    expect(strengths).not.toHaveAccessibleDescription(/Is required/);
    expect(strengths).toHaveFocus();
    expect(within(summary).queryByRole("link", { name: /strengths/ })).not.toBeInTheDocument();
    expect(within(summary).getByRole("link", { name: /Goals needs at least one entry/ })).toBeInTheDocument();
    expect(screen.getByText("Needs at least one entry")).toBeInTheDocument();

    // An entry in the repeating group answers the group's problem: the summary goes with it.
    await user.type(screen.getByLabelText("Goal (in the family's words)"), "A");
    expect(screen.queryByText("Needs at least one entry")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("asks the questions the core says are asked, and leaves taking back hidden answers to the core", async () => {
    // In this story the core asks "where else" once either sleep place is
    // "other", and the Whooley help question after a yes.
    const coded = (a: Answers, k: string) => a[k] !== undefined && "valueCoding" in a[k]! && a[k]!.valueCoding === "other";
    const yes = (a: Answers, k: string) => a[k] !== undefined && "valueBoolean" in a[k]! && a[k]!.valueBoolean;
    const { calls, user, fake } = setup("fhat", "1", {
      subject: AVA,
      askedWhen: {
        "sleep-place-other": (a) => coded(a, "sleep-place-day") || coded(a, "sleep-place-night"),
        "whooley-help": (a) => yes(a, "whooley-q1") || yes(a, "whooley-q2"),
      },
    });
    await screen.findByRole("heading", { level: 2, name: "Where the baby sleeps and safer sleep" });
    expect(screen.queryByLabelText("Where else the baby sleeps")).not.toBeInTheDocument();
    const day = screen.getByRole("group", { name: "Where the baby sleeps by day" });
    await user.click(within(day).getByLabelText("Somewhere else"));
    const other = await screen.findByLabelText("Where else the baby sleeps");
    expect(answers(calls)).toEqual([["sleep-place-day", "other"]]);
    await user.type(other, "Grandmother's spare room");
    await user.tab();
    await waitFor(() => expect(answers(calls)).toContainEqual(["sleep-place-other", "Grandmother's spare room"]));

    await user.click(within(day).getByLabelText("Own cot or crib"));
    await waitFor(() => expect(screen.queryByLabelText("Where else the baby sleeps")).not.toBeInTheDocument());
    // One save: the screen sends no extra call to clear the hidden answer.
    expect(answers(calls).filter(([item]) => item === "sleep-place-other")).toHaveLength(1);
    expect(fake.state.answers["sleep-place-other"]).toBeUndefined();

    expect(screen.queryByRole("group", { name: /Whooley help question/ })).not.toBeInTheDocument();
    await user.click(within(screen.getByRole("group", { name: /Whooley 2/ })).getByLabelText("Yes"));
    expect(await screen.findByRole("group", { name: /Whooley help question/ })).toBeInTheDocument();
    expect(answers(calls)).toContainEqual(["whooley-q2", "yes"]);
  });

  it("shows scores as they update", async () => {
    const start = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`epds-${i + 1}`, { valueInteger: 2 }]));
    const { user, container } = setup("epds", "2", { answers: start, subject: MOTHER });
    const scores = await screen.findByTestId("scores");
    expect(scores).toHaveTextContent("Scores appear here");
    const item10 = screen.getByLabelText(/EPDS item 10 score/);
    fireEvent.change(item10, { target: { value: "0" } });
    await user.tab();
    await waitFor(() => expect(scores).toHaveTextContent("EPDS total18: probable depression"));
    expect(within(scores).getByText("Refer")).toHaveClass("nhsuk-tag");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows a completed response read-only", async () => {
    const { container } = setup("family-partnership", "1", {
      status: "completed",
      answers: { "family-strengths": { valueString: "Close family" }, "goals[0].goal": { valueString: "Sleep routine" }, "goals[0].rating": { valueInteger: 4 } },
    });
    expect(await screen.findByText("Close family")).toBeInTheDocument();
    expect(screen.getByText("Sleep routine")).toBeInTheDocument();
    expect(screen.queryByRole("textbox")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Complete" })).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("renders the definition form_show sends: the version the response was made with", async () => {
    // EPDS v2 adds optional notes; a response made with v1 shows v1.
    const v1 = setup("epds", "1");
    await screen.findByRole("button", { name: "Complete" });
    expect(screen.getByLabelText(/EPDS item 10 score/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Notes/)).not.toBeInTheDocument();
    v1.unmount();
    setup("epds", "2");
    expect(await screen.findByLabelText("Notes (language used, who was present) (optional)")).toHaveAttribute("id", "field-epds-notes");
  });

  it("saves a draft as a PDF after saving what was typed, and says the file name", async () => {
    const fake = fakeForms("family-partnership", "1");
    const calls = answer({ ...fake.handlers, show_family: () => familyView(), save_export: () => "Okafor-form-2026-11-20.pdf" });
    const user = userEvent.setup();
    const { container } = render(<FormScreen familyId={FAMILY_ID} responseId={RESPONSE} />);
    await user.type(await screen.findByLabelText("The family's strengths"), "Close family");
    await user.click(screen.getByRole("button", { name: "Save as PDF" }));
    await waitFor(() => expect(screen.getByTestId("form-saved")).toHaveTextContent("Saved as Okafor-form-2026-11-20.pdf"));
    expect(screen.getByTestId("form-saved")).toHaveAttribute("role", "status");
    const order = calls.map((c) => c.cmd);
    // What was typed is saved before the PDF is made.
    expect(order.indexOf("form_answer")).toBeLessThan(order.indexOf("save_export"));
    expect(calls.find((c) => c.cmd === "save_export")!.args).toEqual({ family_id: FAMILY_ID, request: { kind: "form-pdf", response_id: RESPONSE } });
    expect(screen.queryByRole("button", { name: "Amend this form" })).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows nothing when saving a PDF is cancelled, and the error summary when it fails", async () => {
    let result: () => string | null = () => null;
    const fake = fakeForms("family-partnership", "1", { status: "completed", answers: { "family-strengths": { valueString: "Close family" } } });
    const calls = answer({ ...fake.handlers, show_family: () => familyView(), save_export: () => result() });
    const user = userEvent.setup();
    render(<FormScreen familyId={FAMILY_ID} responseId={RESPONSE} />);
    const button = await screen.findByRole("button", { name: "Save as PDF" });
    await user.click(button);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "save_export")).toHaveLength(1));
    await waitFor(() => expect(button).toBeEnabled());
    expect(screen.getByTestId("form-saved")).toBeEmptyDOMElement();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    result = () => {
      throw { code: "storage", message: "Doorstep could not save the file there. Choose another folder and try again.", problems: [], warning: null };
    };
    await user.click(button);
    expect(await screen.findByRole("alert")).toHaveTextContent("Doorstep could not save the file there.");
    expect(screen.queryByText(/Saved as/)).not.toBeInTheDocument();
  });

  it("amends a completed form and opens the new draft", async () => {
    window.location.hash = `#/family/${FAMILY_ID}/form/${RESPONSE}`;
    const fake = fakeForms("family-partnership", "1", { status: "completed", answers: { "family-strengths": { valueString: "Close family" } } });
    const calls = answer({ ...fake.handlers, show_family: () => familyView(), form_amend: () => ({ family_id: FAMILY_ID, record_id: "resp-2" }) });
    const user = userEvent.setup();
    const { container } = render(<FormScreen familyId={FAMILY_ID} responseId={RESPONSE} />);
    await screen.findByText("Close family");
    expect(await axeViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Amend this form" }));
    await waitFor(() => expect(window.location.hash).toBe(`#/family/${FAMILY_ID}/form/resp-2`));
    expect(calls.find((c) => c.cmd === "form_amend")!.args).toEqual({ family_id: FAMILY_ID, response_id: RESPONSE });
  });

  it.each(SHIPPED.map((d) => [d.id, d.version] as const))("renders every item of %s v%s accessibly", async (id, version) => {
    const { container, fake } = setup(id, version);
    await screen.findByRole("button", { name: "Complete" });
    expect(screen.getAllByRole("heading", { level: 1, name: fake.def.title })).toHaveLength(1);
    // Every question asked with no answers yet has its field, named by item path.
    const asked = (items: Item[], prefix: string): string[] =>
      items
        .filter((i) => !i.enableWhen?.length)
        .flatMap((i) =>
          i.type !== "group" ? [prefix + i.linkId + (i.repeats ? "[0]" : "")] : asked(i.item ?? [], i.repeats ? `${prefix}${i.linkId}[0].` : prefix),
        );
    for (const path of asked(fake.def.items, "")) {
      expect(container.querySelector(`[name="${CSS.escape(path)}"]`), path).not.toBeNull();
    }
    expect(await axeViolations(container)).toEqual([]);
  });
});
