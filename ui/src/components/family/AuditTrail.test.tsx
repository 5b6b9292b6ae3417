// The audit trail on the family record: loaded only when its expander is
// opened, listed in words with UK local times, and accessible when open.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { answer, type Handlers } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import type { AuditEntry } from "../../ipc";
import { Family } from "../../screens/Family";
import { codeListsFixture, FAMILY_ID, familyView, goalHistory, reviews, weightChart } from "./fixtures";
import { formatAuditTime } from "./AuditTrail";

// Rendering the whole record and running axe takes a few seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const TRAIL: AuditEntry[] = [
  { at: "2026-12-07T14:05:00Z", practitioner: "Sam Rivers", action: "contact.sign", what: "Signed a contact" },
  { at: "2026-07-01T09:30:00Z", practitioner: "Priya Shah", action: "family.view", what: "Viewed the family record" },
];

function handlers(extra: Handlers = {}): Handlers {
  return {
    show_family: () => familyView(),
    family_reviews: () => reviews(),
    goals: () => goalHistory(),
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

describe("formatAuditTime", () => {
  it("shows a UTC instant as the UK date and time, in GMT and in BST", () => {
    expect(formatAuditTime("2026-12-07T14:05:00Z")).toBe("7 Dec 2026, 14:05");
    expect(formatAuditTime("2026-07-01T09:30:00Z")).toBe("1 Jul 2026, 10:30");
    // Just before midnight UTC in summer is the next day in the UK.
    expect(formatAuditTime("2026-06-30T23:30:00Z")).toBe("1 Jul 2026, 00:30");
  });
});

describe("AuditTrail", () => {
  it("loads the trail only when opened and lists who did what, when, in words", async () => {
    const calls = answer(handlers({ family_audit: () => TRAIL }));
    const user = userEvent.setup();
    const { container } = render(<Family familyId={FAMILY_ID} />);
    const section = await screen.findByRole("region", { name: "Audit trail" });
    // The last section of the record.
    const sections = [...container.querySelectorAll("section")];
    expect(sections.at(-1)).toBe(section);
    await screen.findAllByTestId("growth-point");
    expect(calls.some((c) => c.cmd === "family_audit")).toBe(false);

    await user.click(within(section).getByText("Who has seen or changed this record"));
    const table = await within(section).findByTestId("audit-table");
    expect(calls.find((c) => c.cmd === "family_audit")!.args).toEqual({ family_id: FAMILY_ID });
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["When", "Who", "What"]);
    const rows = within(table).getAllByTestId("audit-entry");
    expect(rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent))).toEqual([
      ["7 Dec 2026, 14:05", "Sam Rivers", "Signed a contact"],
      ["1 Jul 2026, 10:30", "Priya Shah", "Viewed the family record"],
    ]);
    // The codes stay out of sight.
    expect(section).not.toHaveTextContent("contact.sign");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says so when nothing has been recorded, and shows a failure with the error summary", async () => {
    let fail = true;
    answer(
      handlers({
        family_audit: () => {
          if (fail) throw { code: "storage", message: "The audit trail could not be read.", problems: [], warning: null };
          return [];
        },
      }),
    );
    const user = userEvent.setup();
    const { container } = render(<Family familyId={FAMILY_ID} />);
    const section = await screen.findByRole("region", { name: "Audit trail" });
    await user.click(within(section).getByText("Who has seen or changed this record"));
    const alert = await within(section).findByRole("alert");
    expect(alert).toHaveTextContent("The audit trail could not be shown");
    expect(alert).toHaveTextContent("The audit trail could not be read.");
    expect(await axeViolations(container)).toEqual([]);

    fail = false;
    await user.click(within(section).getByRole("button", { name: "Try again" }));
    expect(await within(section).findByText("Nothing has been recorded for this family yet.")).toBeInTheDocument();
    expect(within(section).queryByRole("alert")).not.toBeInTheDocument();
  });
});
