import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { ipcError, syncStatusEnrolled, syncStatusNotEnrolled, workItems } from "../components/shell/fixtures";
import { Today } from "./Today";

describe("Today", () => {
  it("lists the worklist by category with the child, review, reason, due date and days late", async () => {
    const calls = answer({ worklist: () => workItems, follow_ups: () => [], sync_status: () => syncStatusEnrolled });
    const { container } = render(<Today />);
    expect(screen.getByRole("heading", { level: 1, name: "Today" })).toBeInTheDocument();
    const items = await screen.findAllByTestId("worklist-item");
    expect(items).toHaveLength(4);
    expect(items.map((i) => i.dataset.kind)).toEqual(["6-8-week", "new-birth", "12-month", "2-year"]);

    const overdue = screen.getByTestId("worklist-overdue");
    expect(within(overdue).getByRole("heading", { name: /Overdue/ })).toBeInTheDocument();
    const first = within(overdue).getByTestId("worklist-item");
    expect(within(first).getByRole("link", { name: "Amelia Okafor" })).toHaveAttribute("href", "#/family/fam-1");
    expect(first).toHaveTextContent("6–8 week review");
    expect(first).toHaveTextContent("6–8 week review not done by 5 Oct 2026");
    expect(first).toHaveTextContent("5 Oct 2026");
    expect(first).toHaveTextContent("12 days");
    expect(screen.getByTestId("worklist-follow-up")).toHaveTextContent("Noah Kowalski");
    expect(screen.getByTestId("worklist-due-now")).toHaveTextContent("14 Nov 2026");
    expect(screen.getByTestId("worklist-upcoming")).toHaveTextContent("Leo Okafor");
    // The core's reasons carry ISO dates: shown as UK dates, never as 2026-11-14.
    expect(screen.getByTestId("worklist-due-now")).toHaveTextContent("12-month review for Isla Mensah due by 14 Nov 2026 (6 days left)");
    expect(screen.getByTestId("worklist-upcoming")).toHaveTextContent("from 1 Nov 2026 (due by 30 Jan 2027)");
    expect(container).not.toHaveTextContent(/\d{4}-\d{2}-\d{2}/);

    const sync = await screen.findByTestId("sync-summary");
    expect(sync).toHaveTextContent("14 Nov 2026 at 09:30");
    expect(sync).toHaveTextContent("1 family");
    expect(within(sync).getByRole("link", { name: "Review 2 conflicts" })).toHaveAttribute("href", "#/conflicts");

    const worklistCall = calls.find((c) => c.cmd === "worklist");
    expect(worklistCall?.args).toEqual({ query: { from: null, to: null, practitioner: null } });
    expect(await axeViolations(container)).toEqual([]);
  });

  it("puts urgent results and follow-ups first, each linked to the family", async () => {
    const urgent = {
      item: {
        key: "response:r1:epds-item10",
        family_id: "fam-1",
        person_id: "p-1",
        urgency: "urgent" as const,
        text: "EPDS item 10 (thoughts of self-harm) 2: urgent safeguarding prompt: assess risk of self-harm today",
        since: "2026-11-20",
        due: "2026-11-20",
      },
      family: "Okafor",
      person: "Grace Okafor",
    };
    answer({ worklist: () => workItems, follow_ups: () => [urgent], sync_status: () => syncStatusEnrolled });
    const { container } = render(<Today />);
    const section = await screen.findByTestId("follow-ups");
    expect(within(section).getByRole("heading", { name: /Results and follow-ups to act on/ })).toBeInTheDocument();
    const row = within(section).getByTestId("follow-up");
    expect(row).toHaveAttribute("data-urgency", "urgent");
    expect(within(row).getByRole("link", { name: "Grace Okafor" })).toHaveAttribute("href", "#/family/fam-1");
    expect(row).toHaveTextContent("Urgent: act today");
    expect(row).toHaveTextContent("20 Nov 2026");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says when the last sync did not finish, with a link to the Sync screen rather than the raw message", async () => {
    answer({
      worklist: () => [], follow_ups: () => [],
      sync_status: () => ({ ...syncStatusEnrolled, last_error: "Sync failed: the server refused the request (503). Try again later." }),
    });
    const { container } = render(<Today />);
    const problem = await screen.findByTestId("sync-summary-problem");
    expect(problem).toHaveTextContent("Did not finish");
    expect(problem).not.toHaveTextContent("503");
    expect(within(problem).getByRole("link", { name: "See why and what to do" })).toHaveAttribute("href", "#/sync");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says when nothing is due and when the laptop is not enrolled", async () => {
    answer({ worklist: () => [], follow_ups: () => [], sync_status: () => syncStatusNotEnrolled });
    const { container } = render(<Today />);
    expect(await screen.findByText("No reviews are due in the next 4 weeks.")).toBeInTheDocument();
    expect(await screen.findByText(/not enrolled with a server/)).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows the message when the worklist cannot be loaded", async () => {
    answer({
      worklist: () => { throw ipcError("storage", "The device store could not complete this: disk full. Free some space and try again."); },
      follow_ups: () => [], sync_status: () => syncStatusEnrolled,
    });
    const { container } = render(<Today />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("disk full. Free some space and try again.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });
});
