import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "../test/ipc";
import { axeViolations } from "../test/axe";
import type { FollowUpItem, IpcError, NewMeasurements } from "../ipc";
import { APP_STATE, AVA, codeListsFixture, DRAFT_CONTACT, FAMILY_ID, familyView, preview, TOBI } from "../components/family/fixtures";
import { useRoute } from "../route";
import { RecordContact } from "./RecordContact";

// Typing, debounced previews and axe take a few seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const CONTACT_ID = "abababab-abab-4bab-8bab-abababababab";

/** A preview as the core gives it: 45 kg is impossible, 14 kg implausible, anything else near the 50th centile. */
function previewHandler(a: Record<string, unknown>) {
  const m = a.measurements as NewMeasurements;
  const out = [];
  if (m.weight_kg) {
    const v = Number(m.weight_kg);
    if (v >= 40) out.push(preview("weight_kg", { value: v, problem: `weight ${v} kg is impossible for a child aged 1 year (outside 0.2–40 kg)` }));
    else if (v >= 14) out.push(preview("weight_kg", { value: v, warning: `weight ${v} kg is implausible for a child aged 1 year (SDS +4.6)`, assessment: { age_days: 377, corrected_age_days: null, table: { reference: "who2006", measure: "weight", weekly: false, name: "WHO 2006 weight-for-age" }, sds: 4.6, centile: 99.9, centile_words: "above the 99.6th centile", note: null } }));
    else out.push(preview("weight_kg", { value: v, assessment: { age_days: 377, corrected_age_days: null, table: { reference: "who2006", measure: "weight", weekly: false, name: "WHO 2006 weight-for-age" }, sds: 0.02, centile: 50.8, centile_words: "50th centile", note: null } }));
  }
  if (m.length_cm) {
    out.push(preview("length_cm", { value: Number(m.length_cm), assessment: { age_days: 377, corrected_age_days: null, table: { reference: "who2006", measure: "length", weekly: false, name: "WHO 2006 length-for-age" }, sds: -1.0, centile: 15.9, centile_words: "between the 9th and 25th centiles", note: null } }));
  }
  return out;
}

function handlers(extra: Handlers = {}): Handlers {
  return {
    show_family: () => familyView(),
    code_lists: () => codeListsFixture(),
    app_state: () => APP_STATE,
    preview_measurements: previewHandler,
    record_contact: () => ({ family_id: FAMILY_ID, record_id: CONTACT_ID }),
    sign_contact: () => ({ family_id: FAMILY_ID, record_id: CONTACT_ID }),
    draft: () => null,
    family_follow_ups: () => [],
    save_draft: (a) => ({ key: a.key, family_id: a.family_id, screen: a.screen, body: a.body, updated_at: "2026-11-20T10:00:00Z" }),
    discard_draft: () => null,
    ...extra,
  };
}

async function ready() {
  await screen.findByLabelText("Kind of contact");
}

/** Types a date into the day, month and year boxes of the date group `name`. */
function typeDate(name: string, date: string) {
  const [y, m, d] = date ? date.split("-") : ["", "", ""];
  const group = within(screen.getByRole("group", { name }));
  fireEvent.change(group.getByLabelText("Day"), { target: { value: d ? String(Number(d)) : "" } });
  fireEvent.change(group.getByLabelText("Month"), { target: { value: m ? String(Number(m)) : "" } });
  fireEvent.change(group.getByLabelText("Year"), { target: { value: y ?? "" } });
}

function setWhen(date: string, time: string) {
  typeDate("Date", date);
  fireEvent.change(screen.getByLabelText(/Start time/), { target: { value: time } });
}

describe("RecordContact", () => {
  it("has one h1 and the contact fields, with defaults", async () => {
    answer(handlers());
    const { container } = render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
    expect(screen.getByRole("heading", { level: 1, name: "Record a contact" })).toBeInTheDocument();
    expect(screen.getByLabelText("Kind of contact")).toHaveAttribute("id", "field-kind");
    expect(screen.getByRole("group", { name: "Children concerned" })).toBeInTheDocument();
    expect(screen.getByLabelText(/Ava Okafor/)).toBeInTheDocument();
    expect(screen.getByLabelText(/Unborn baby Okafor/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/Grace Okafor/)).not.toBeInTheDocument();
    // Dated by the core's clock (APP_STATE.clock), not the computer's.
    const [y, m, d] = APP_STATE.clock.today.split("-");
    const date = within(screen.getByRole("group", { name: "Date" }));
    await waitFor(() => expect(date.getByLabelText("Day")).toHaveValue(String(Number(d))));
    expect(date.getByLabelText("Month")).toHaveValue(String(Number(m)));
    expect(date.getByLabelText("Year")).toHaveValue(y);
    expect(screen.getByLabelText(/Start time/)).toHaveValue(APP_STATE.clock.time);
    expect(screen.getByLabelText("Location")).toHaveValue("A01");
    expect(screen.getByLabelText("Your role")).toHaveValue("health-visitor");
    expect(screen.getByRole("group", { name: "Topics discussed" })).toBeInTheDocument();
    expect(screen.queryByLabelText("Accountable health visitor")).not.toBeInTheDocument();
    // No open results or follow-ups: nothing to address.
    expect(screen.queryByRole("group", { name: "This contact addresses" })).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows the centile as a weight is typed, from preview_measurements", async () => {
    const calls = answer(handlers());
    const user = userEvent.setup();
    const { container } = render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    setWhen("2026-11-20", "10:30");
    await user.click(screen.getByLabelText(/Ava Okafor/));
    // Ava is under 2 on that day: length, not height.
    expect(screen.getByLabelText("Length (lying down) (cm)")).toBeInTheDocument();
    expect(screen.queryByLabelText("Height (standing) (cm)")).not.toBeInTheDocument();
    await user.type(screen.getByLabelText("Weight (kg)"), "9.6");
    expect(await screen.findByTestId("centile-weight_kg", {}, { timeout: 5000 })).toHaveTextContent("50th centile (SDS 0.02)");
    const previews = calls.filter((c) => c.cmd === "preview_measurements");
    expect(previews.at(-1)!.args).toEqual({
      family_id: FAMILY_ID,
      measured_on: "2026-11-20",
      measurements: { person_id: AVA, weight_kg: "9.6", length_cm: null, height_cm: null, head_cm: null, confirm_implausible: null },
    });
    // Debounced: not one call per key.
    expect(previews.length).toBeLessThan(3);
    expect(screen.getByTestId("centile-weight_kg").closest("[aria-live=polite]")).not.toBeNull();

    await user.type(screen.getByLabelText("Length (lying down) (cm)"), "74");
    expect(await screen.findByTestId("centile-length_cm", {}, { timeout: 5000 })).toHaveTextContent(/between the 9th and 25th centiles \(SDS −1\.00\)/i);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows height for a child of 2 or over, and gives each child's fields their own ids", async () => {
    answer(handlers());
    const user = userEvent.setup();
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.click(screen.getByLabelText(/Ava Okafor/));
    await user.click(screen.getByLabelText(/Tobi Okafor/));
    // Children in age order: Tobi (3) first, with the plain field names; Ava after.
    const tobi = screen.getByTestId(`measurements-${TOBI}`);
    expect(within(tobi).getByLabelText("Height (standing) (cm)")).toHaveAttribute("id", `field-children/${TOBI}/height_cm`);
    expect(within(tobi).queryByLabelText("Length (lying down) (cm)")).not.toBeInTheDocument();
    const ava = screen.getByTestId(`measurements-${AVA}`);
    expect(within(ava).getByLabelText("Weight (kg)")).toHaveAttribute("id", `field-children/${AVA}/weight_kg`);
    expect(within(ava).getByLabelText("Length (lying down) (cm)")).toHaveAttribute("id", `field-children/${AVA}/length_cm`);
  });

  it("shows an impossible value's problem next to the field, and asks for a reason for an implausible one", async () => {
    answer(handlers());
    const user = userEvent.setup();
    const { container } = render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.click(screen.getByLabelText(/Ava Okafor/));
    const weight = screen.getByLabelText("Weight (kg)");
    await user.type(weight, "45");
    await waitFor(() => expect(weight).toHaveAccessibleDescription(/weight 45 kg is impossible for a child aged 1 year/), { timeout: 5000 });
    expect(weight).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByTestId("centile-weight_kg")).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);

    await user.clear(weight);
    await user.type(weight, "14");
    expect(await screen.findByTestId("warning-weight_kg", {}, { timeout: 5000 })).toHaveTextContent("implausible");
    expect(weight).not.toHaveAttribute("aria-invalid");
    expect(screen.getByLabelText("Reason for keeping a value flagged as implausible")).toHaveAttribute("id", `field-children/${AVA}/confirm_implausible`);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("saves a draft with record_contact, then signs it with sign_contact", async () => {
    const calls = answer(handlers());
    const user = userEvent.setup();
    const { container } = render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.selectOptions(screen.getByLabelText("Kind of contact"), "12-month");
    await user.click(screen.getByLabelText(/Ava Okafor/));
    setWhen("2026-11-20", "09:45");
    await user.type(screen.getByLabelText("Duration (minutes)"), "45");
    await user.click(screen.getByLabelText("Attended"));
    await user.type(screen.getByLabelText("Who was present"), "mother, Ava");
    await user.click(screen.getByLabelText("Breastfeeding"));
    await user.click(screen.getByLabelText("Healthy weight"));
    await user.type(screen.getByLabelText("Note"), "Walking with support. No concerns.");
    await user.type(screen.getByLabelText("Weight (kg)"), "9.6");
    await user.type(screen.getByLabelText("Head circumference (cm)"), "45.5");
    await screen.findByTestId("centile-weight_kg", {}, { timeout: 5000 });
    await user.click(screen.getByRole("button", { name: "Save draft" }));

    expect(await screen.findByTestId("draft-saved")).toHaveTextContent("Draft saved");
    expect(screen.getByRole("list", { name: "Measurements saved" })).toHaveTextContent("Ava Okafor: weight 9.6 kg, head circumference 45.5 cm");
    const rec = calls.find((c) => c.cmd === "record_contact")!;
    expect(rec.args).toEqual({
      family_id: FAMILY_ID,
      contact: {
        kind: "12-month",
        subjects: [AVA],
        // As typed, in England's time, whatever the laptop's time zone: the core reads it.
        at: null,
        at_local: "2026-11-20 09:45",
        duration_minutes: "45",
        location: "A01",
        mechanism: "01",
        attendance: "attended",
        declined_reason: null,
        present: "mother, Ava",
        role: "health-visitor",
        accountable_hv: null,
        topics: ["hia-3", "hia-4"],
        note: "Walking with support. No concerns.",
        remote_reason: null,
        feeding_status: null,
        follow_up_on: null,
        follow_up_reason: null,
        addresses: [],
        safeguarding_concern: null,
        bmi_not_recorded_reason: null,
      },
      measurements: [{ person_id: AVA, weight_kg: "9.6", length_cm: null, height_cm: null, head_cm: "45.5", confirm_implausible: null }],
    });
    // Saved: the details are no longer editable here; the draft can be signed.
    expect(screen.getByLabelText("Kind of contact")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save draft" })).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Sign" }));
    const panel = await screen.findByTestId("signed-panel");
    expect(panel).toHaveTextContent("Contact signed");
    expect(calls.find((c) => c.cmd === "sign_contact")!.args).toEqual({ family_id: FAMILY_ID, contact_id: CONTACT_ID });
    expect(screen.getByRole("link", { name: /Back to the Okafor family record/ })).toHaveAttribute("href", `#/family/${FAMILY_ID}`);
    expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows the error summary and each problem next to its field, keeping what was typed", async () => {
    const invalid: IpcError = {
      code: "invalid",
      message: "Some details need correcting.",
      problems: [
        { field: "kind", problem: "is required" },
        { field: "attendance", problem: "is required" },
        { field: `children/${AVA}/weight_kg`, problem: "weight 45 kg is impossible for a child aged 1 year (outside 0.2–40 kg)" },
      ],
      warning: null,
    };
    const calls = answer(handlers({ record_contact: () => { throw invalid; } }));
    const user = userEvent.setup();
    const { container } = render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.click(screen.getByLabelText(/Ava Okafor/));
    await user.type(screen.getByLabelText("Note"), "Long note that must survive.");
    await user.type(screen.getByLabelText("Weight (kg)"), "45");
    await waitFor(() => expect(screen.getByLabelText("Weight (kg)")).toHaveAccessibleDescription(/impossible/), { timeout: 5000 });
    await user.click(screen.getByRole("button", { name: "Save draft" }));

    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("Some details need correcting.");
    expect(within(summary).getByRole("link", { name: "Kind of contact is required" })).toHaveAttribute("href", "#field-kind");
    expect(summary).toHaveFocus();
    expect(screen.getByLabelText("Kind of contact")).toHaveAccessibleDescription(/is required/);
    expect(screen.getByRole("group", { name: "Outcome" })).toHaveTextContent("Error: is required");
    expect(screen.getByLabelText("Weight (kg)")).toHaveAccessibleDescription(/impossible/);
    expect(screen.getByLabelText("Note")).toHaveValue("Long note that must survive.");
    expect(screen.getByLabelText("Weight (kg)")).toHaveValue("45");
    expect(screen.getByRole("button", { name: "Save draft" })).toBeEnabled();
    expect(calls.filter((c) => c.cmd === "record_contact")).toHaveLength(1);
    expect(await axeViolations(container)).toEqual([]);

    await user.click(within(summary).getByRole("link", { name: "Kind of contact is required" }));
    expect(screen.getByLabelText("Kind of contact")).toHaveFocus();
  });

  it("takes a refused field's problem away once that field is changed, keeping the others, and the summary once none is left", async () => {
    const invalid: IpcError = {
      code: "invalid",
      message: "Check these details: each problem is shown below, next to its field.",
      problems: [
        { field: "kind", problem: "is required" },
        { field: "attendance", problem: "is required" },
        { field: "at", problem: "must be a real date and time, for example 14 March 2026 at 10:30" },
        { field: `children/${AVA}/weight_kg`, problem: "weight 45 kg is impossible for a newborn (outside 0.2–8 kg)" },
      ],
      warning: null,
    };
    answer(handlers({ record_contact: () => { throw invalid; } }));
    const user = userEvent.setup();
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.click(screen.getByLabelText(/Ava Okafor/));
    const weight = screen.getByLabelText("Weight (kg)");
    await user.type(weight, "45");
    await user.click(screen.getByRole("button", { name: "Save draft" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getAllByRole("link")).toHaveLength(4);
    expect(weight).toHaveAccessibleDescription(/weight 45 kg is impossible for a newborn/);

    // The weight retyped: its problem goes, beside it and in the summary; the others stay.
    await user.clear(weight);
    await user.type(weight, "3.9");
    expect(weight).not.toHaveAccessibleDescription(/impossible/);
    expect(weight).not.toHaveAttribute("aria-invalid");
    expect(weight).toHaveFocus();
    expect(await screen.findByTestId("centile-weight_kg", {}, { timeout: 5000 })).toHaveTextContent("50th centile");
    expect(weight).not.toHaveAccessibleDescription(/impossible/);
    expect(within(summary).queryByRole("link", { name: /Weight/ })).not.toBeInTheDocument();
    expect(within(summary).getAllByRole("link")).toHaveLength(3);
    expect(screen.getByLabelText("Kind of contact")).toHaveAccessibleDescription(/is required/);
    expect(screen.getByRole("group", { name: "Outcome" })).toHaveTextContent("Error: is required");
    expect(screen.getByRole("group", { name: "Date" })).toHaveAccessibleDescription(/must be a real date and time/);

    // A date's problem goes when any of its boxes is changed.
    fireEvent.change(within(screen.getByRole("group", { name: "Date" })).getByLabelText("Month"), { target: { value: "3" } });
    expect(screen.getByRole("group", { name: "Date" })).not.toHaveAccessibleDescription(/must be a real date/);
    expect(within(summary).getAllByRole("link")).toHaveLength(2);

    await user.selectOptions(screen.getByLabelText("Kind of contact"), "new-birth");
    expect(screen.getByLabelText("Kind of contact")).not.toHaveAccessibleDescription(/is required/);
    expect(screen.getByRole("alert")).toBeInTheDocument();
    // The last problem fixed: the summary goes too.
    await user.click(screen.getByLabelText("Attended"));
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Outcome" })).not.toHaveTextContent("Error:");
  });

  it("asks for the reason when the family declined, and the accountable health visitor when delegated", async () => {
    const calls = answer(handlers());
    const user = userEvent.setup();
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.selectOptions(screen.getByLabelText("Kind of contact"), "2-year");
    await user.click(screen.getByLabelText(/Tobi Okafor/));
    await user.click(screen.getByLabelText("Declined"));
    await user.type(screen.getByLabelText("Why the family declined"), "Seen privately");
    expect(screen.getByText("Nothing is measured when the family was not seen.")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Your role"), "nursery-nurse");
    await user.type(screen.getByLabelText("Accountable health visitor"), "Sam Rivers");
    // The ASQ-3 is the review form's, not a box to tick here.
    expect(screen.getByText(/Record the ASQ-3 with the 2–2½ year review form/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save draft" }));
    await screen.findByTestId("draft-saved");
    const contact = calls.find((c) => c.cmd === "record_contact")!.args.contact as Record<string, unknown>;
    expect(contact).toMatchObject({
      kind: "2-year",
      // Date and time left as they were: the core records it at its own "now".
      at: null,
      subjects: [TOBI],
      attendance: "declined",
      declined_reason: "Seen privately",
      role: "nursery-nurse",
      accountable_hv: "Sam Rivers",
    });
    expect(contact).not.toHaveProperty("asq3_completed");
    expect(calls.find((c) => c.cmd === "record_contact")!.args.measurements).toEqual([]);
  });

  it("asks why a review was not face to face, and the feeding status at the 6–8 week review", async () => {
    const calls = answer(handlers());
    const user = userEvent.setup();
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.selectOptions(screen.getByLabelText("Kind of contact"), "6-8-week");
    await user.click(screen.getByLabelText(/Ava Okafor/));
    expect(screen.queryByLabelText("Why this review was not face to face")).not.toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("How it took place"), "11");
    await user.type(screen.getByLabelText("Why this review was not face to face"), "Family isolating with flu");
    await user.selectOptions(screen.getByLabelText("Infant feeding"), "partially-breastfed");
    await user.click(screen.getByLabelText("Attended"));
    await user.click(screen.getByRole("button", { name: "Save draft" }));
    await screen.findByTestId("draft-saved");
    const contact = calls.find((c) => c.cmd === "record_contact")!.args.contact as Record<string, unknown>;
    expect(contact).toMatchObject({
      kind: "6-8-week",
      mechanism: "11",
      remote_reason: "Family isolating with flu",
      feeding_status: "partially-breastfed",
    });
  });

  it("records a safeguarding concern in the practitioner's words", async () => {
    const calls = answer(handlers());
    const user = userEvent.setup();
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.selectOptions(screen.getByLabelText("Kind of contact"), "targeted-visit");
    await user.click(screen.getByLabelText("Attended"));
    await user.type(screen.getByLabelText(/Safeguarding concern/), "Bruise on the baby's cheek, unexplained");
    await user.click(screen.getByRole("button", { name: "Save draft" }));
    await screen.findByTestId("draft-saved");
    const contact = calls.find((c) => c.cmd === "record_contact")!.args.contact as Record<string, unknown>;
    expect(contact.safeguarding_concern).toBe("Bruise on the baby's cheek, unexplained");
  });

  it("sends the date and time as typed, and shows the core's problem with them beside the date", async () => {
    const calls = answer(
      handlers({
        record_contact: () => {
          throw { code: "invalid", message: "Some details need correcting.", problems: [{ field: "at", problem: "must be a real date and time, for example 14 March 2026 at 10:30" }], warning: null };
        },
      }),
    );
    const user = userEvent.setup();
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    setWhen("2026-02-30", "10:30");
    await user.click(screen.getByRole("button", { name: "Save draft" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: /Date must be a real date and time/ })).toHaveAttribute("href", "#field-at");
    expect(screen.getByRole("group", { name: "Date" })).toHaveAccessibleDescription(/must be a real date and time/);
    expect((calls.find((c) => c.cmd === "record_contact")!.args.contact as Record<string, unknown>).at_local).toBe("2026-02-30 10:30");
    // What was typed stays.
    expect(within(screen.getByRole("group", { name: "Date" })).getByLabelText("Day")).toHaveValue("30");
  });

  it("keeps what is typed in the encrypted store, brings it back, and asks before leaving", async () => {
    const kept: Record<string, string> = {};
    const calls = answer(
      handlers({
        save_draft: (a) => {
          kept[a.key as string] = a.body as string;
          return { key: a.key, family_id: a.family_id, screen: a.screen, body: a.body, updated_at: "2026-11-20T10:42:00Z" };
        },
        draft: (a) => (kept[a.key as string] ? { key: a.key, family_id: FAMILY_ID, screen: "contact", body: kept[a.key as string], updated_at: "2026-11-20T10:42:00Z" } : null),
      }),
    );
    const user = userEvent.setup();
    // The router consults the screen's guard when the address changes.
    function Routed() {
      useRoute();
      return <RecordContact familyId={FAMILY_ID} />;
    }
    const first = render(<Routed />);
    await ready();
    await user.type(screen.getByLabelText("Note"), "Mum tired, baby feeding well");
    await waitFor(() => expect(kept[`contact:${FAMILY_ID}`]).toContain("Mum tired, baby feeding well"));
    expect(calls.find((c) => c.cmd === "save_draft")!.args).toMatchObject({ family_id: FAMILY_ID, screen: "contact" });

    // Leaving asks first, and staying keeps the screen.
    window.location.hash = "#/today";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    const prompt = await screen.findByTestId("leave-prompt");
    expect(prompt).toHaveTextContent("This contact is not saved yet");
    expect(window.location.hash).not.toBe("#/today");
    await user.click(within(prompt).getByRole("button", { name: "Stay and finish it" }));
    expect(screen.queryByTestId("leave-prompt")).not.toBeInTheDocument();
    first.unmount();

    // As after a lock, a crash or a restart: the screen opens with what was typed.
    render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await waitFor(() => expect(screen.getByLabelText("Note")).toHaveValue("Mum tired, baby feeding well"));
    expect(screen.getByTestId("draft-restored")).toHaveTextContent("This is what you were typing");
  });

  it("adds measurements to the draft when signing needs them", async () => {
    let measured = false;
    const calls = answer(
      handlers({
        sign_contact: () => {
          if (!measured) {
            throw { code: "invalid", message: "The contact cannot be signed yet.", problems: [{ field: "measurements", problem: "a 2–2½ year review needs the child's height and weight (for BMI) before it is signed, or a reason they were not recorded (bmi_not_recorded_reason)" }], warning: null };
          }
          return { family_id: FAMILY_ID, record_id: CONTACT_ID };
        },
        add_measurements: () => {
          measured = true;
          return { family_id: FAMILY_ID, record_id: "m-1" };
        },
      }),
    );
    const user = userEvent.setup();
    const { container } = render(<RecordContact familyId={FAMILY_ID} />);
    await ready();
    await user.selectOptions(screen.getByLabelText("Kind of contact"), "2-year");
    await user.click(screen.getByLabelText(/Tobi Okafor/));
    await user.click(screen.getByLabelText("Attended"));
    await user.click(screen.getByRole("button", { name: "Save draft" }));
    await screen.findByTestId("draft-saved");
    await user.click(screen.getByRole("button", { name: "Sign" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: /Measurements a 2–2½ year review needs/ })).toHaveAttribute("href", "#field-measurements");
    expect(await axeViolations(container)).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Add measurements" }));
    await user.type(screen.getByLabelText("Weight (kg)"), "14.2");
    await user.type(screen.getByLabelText("Height (standing) (cm)"), "96");
    await user.click(screen.getByRole("button", { name: "Save measurements" }));
    await screen.findByText("Measurements added to the draft.");
    expect(calls.find((c) => c.cmd === "add_measurements")!.args).toEqual({
      family_id: FAMILY_ID,
      contact_id: CONTACT_ID,
      measurements: { person_id: TOBI, weight_kg: "14.2", length_cm: null, height_cm: "96", head_cm: null, confirm_implausible: null },
    });
    await user.click(screen.getByRole("button", { name: "Sign" }));
    expect(await screen.findByTestId("signed-panel")).toHaveTextContent("Contact signed");
  });

  describe("the open follow-ups it addresses", () => {
    const EPDS: FollowUpItem = {
      key: "response:r1:epds-item10", family_id: FAMILY_ID, person_id: null, urgency: "urgent",
      text: "EPDS item 10 (thoughts of self-harm) 1: assess risk of self-harm today", since: "2026-11-18", due: "2026-11-18",
    };
    const REVISIT: FollowUpItem = {
      key: "contact:c-earlier", family_id: FAMILY_ID, person_id: AVA, urgency: "follow-up",
      text: "Check weight gain", since: "2026-11-01", due: "2026-11-30",
    };

    it("lists each open item with its urgency, and sends the keys ticked", async () => {
      const calls = answer(handlers({ family_follow_ups: () => [EPDS, REVISIT] }));
      const user = userEvent.setup();
      const { container } = render(<RecordContact familyId={FAMILY_ID} />);
      await ready();
      const group = await screen.findByRole("group", { name: "This contact addresses" });
      expect(calls.find((c) => c.cmd === "family_follow_ups")!.args).toEqual({ family_id: FAMILY_ID });
      const boxes = within(group).getAllByRole("checkbox");
      expect(boxes).toHaveLength(2);
      // Named "addresses", so the core's problems link to the first box.
      expect(boxes[0]).toHaveAttribute("name", "addresses");
      expect(boxes[0]).toHaveAttribute("id", "field-addresses");
      const epds = within(group).getByLabelText(/assess risk of self-harm today/);
      expect(epds).not.toBeChecked();
      expect(within(group).getByText("Urgent: act today")).toHaveClass("nhsuk-tag", "nhsuk-tag--red");
      expect(within(group).getByText("Follow-up")).toHaveClass("nhsuk-tag", "nhsuk-tag--blue");
      expect(group).toHaveTextContent("Check weight gain (due 30 November 2026)");
      expect(await axeViolations(container)).toEqual([]);

      await user.selectOptions(screen.getByLabelText("Kind of contact"), "targeted-visit");
      await user.click(screen.getByLabelText("Attended"));
      await user.click(epds);
      expect(epds).toBeChecked();
      await user.click(screen.getByRole("button", { name: "Save draft" }));
      await screen.findByTestId("draft-saved");
      const contact = calls.find((c) => c.cmd === "record_contact")!.args.contact as Record<string, unknown>;
      expect(contact.addresses).toEqual([EPDS.key]);
    });

    it("keeps the ticked items with what is typed, and links the core's problem to them", async () => {
      const kept: Record<string, string> = {};
      answer(
        handlers({
          family_follow_ups: () => [EPDS, REVISIT],
          save_draft: (a) => {
            kept[a.key as string] = a.body as string;
            return { key: a.key, family_id: a.family_id, screen: a.screen, body: a.body, updated_at: "2026-11-20T10:42:00Z" };
          },
          record_contact: () => {
            throw { code: "invalid", message: "Some details need correcting.", problems: [{ field: "addresses", problem: "names a follow-up that is not open for this family" }], warning: null };
          },
        }),
      );
      const user = userEvent.setup();
      render(<RecordContact familyId={FAMILY_ID} />);
      await ready();
      const group = await screen.findByRole("group", { name: "This contact addresses" });
      await user.click(within(group).getByLabelText(/Check weight gain/));
      await waitFor(() => expect(JSON.parse(kept[`contact:${FAMILY_ID}`] ?? "{}").f?.addresses).toEqual([REVISIT.key]));
      await user.click(screen.getByRole("button", { name: "Save draft" }));
      const summary = await screen.findByRole("alert");
      expect(within(summary).getByRole("link", { name: /names a follow-up that is not open/ })).toHaveAttribute("href", "#field-addresses");
    });

    it("lists what a draft being changed already addresses, ticked, and not its own follow-up", async () => {
      const view = familyView();
      view.family.contacts[DRAFT_CONTACT] = {
        ...view.family.contacts[DRAFT_CONTACT],
        addresses: { [EPDS.key]: true, "contact:c-gone": false },
        follow_up: { due: "2026-12-01", reason: "Revisit for weighing" },
      };
      view.family.responses.r1 = {
        form: { id: "epds", version: "1", hash: "e6f703031a5c8fdb6065f5d96986d4f0" },
        subject: null,
        answers: {},
        status: "completed",
        started: { by: "Sam Rivers", at: "2026-11-18T09:00:00Z" },
        completed: { by: "Sam Rivers", at: "2026-11-18T10:00:00Z" },
        scores: { "epds-item10": { code: "epds-item10", label: "EPDS item 10 (thoughts of self-harm)", value: 1, interpretation: "assess risk of self-harm today", flags: ["urgent"] } },
      };
      const own: FollowUpItem = { ...REVISIT, key: `contact:${DRAFT_CONTACT}`, text: "Revisit for weighing" };
      const calls = answer(
        handlers({
          show_family: () => view,
          // The draft addresses the EPDS item, so it is not open; its own follow-up is.
          family_follow_ups: () => [REVISIT, own],
          edit_contact: () => ({ family_id: FAMILY_ID, record_id: DRAFT_CONTACT }),
        }),
      );
      const user = userEvent.setup();
      const { container } = render(<RecordContact familyId={FAMILY_ID} contactId={DRAFT_CONTACT} />);
      await ready();
      const group = await screen.findByRole("group", { name: "This contact addresses" });
      await waitFor(() => expect(within(group).getByLabelText(/assess risk of self-harm today/)).toBeChecked());
      expect(within(group).getByText("Urgent: act today")).toBeInTheDocument();
      expect(within(group).getByLabelText(/Check weight gain/)).not.toBeChecked();
      expect(within(group).queryByLabelText(/Revisit for weighing/)).not.toBeInTheDocument();
      expect(within(group).getAllByRole("checkbox")).toHaveLength(2);
      expect(await axeViolations(container)).toEqual([]);

      await user.click(within(group).getByLabelText(/Check weight gain/));
      await user.click(screen.getByRole("button", { name: "Save changes" }));
      await screen.findByTestId("draft-saved");
      const contact = calls.find((c) => c.cmd === "edit_contact")!.args.contact as Record<string, unknown>;
      expect(contact.addresses).toEqual([EPDS.key, REVISIT.key]);
    });
  });
});
