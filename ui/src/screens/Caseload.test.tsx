import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { familyPage, ipcError, overSummary, summary, workItems } from "../components/shell/fixtures";
import { Caseload, PER_PAGE } from "./Caseload";

const firstQuery = {
  level: null, flag: null, practitioner: null, search: null, sort: "name", page: 1, per_page: PER_PAGE, include_entered_in_error: false,
};

describe("Caseload", () => {
  it("lists the families with address, level, flags and next review, and the caseload summary", async () => {
    const calls = answer({ list_families: () => familyPage, caseload_summary: () => summary, worklist: () => workItems });
    const { container } = render(<Caseload />);
    expect(screen.getByRole("heading", { level: 1, name: "Caseload" })).toBeInTheDocument();
    const links = await screen.findAllByTestId("family-link");
    expect(links.map((l) => l.textContent)).toEqual(["Okafor", "Kowalski", "Mensah"]);
    expect(links[0]).toHaveAttribute("href", "#/family/fam-1");

    const rows = screen.getAllByTestId("family-row");
    expect(rows[0]).toHaveTextContent("12 Foleshill Road");
    expect(rows[0]).toHaveTextContent("CV1 4AA");
    // Children by full name with their dates, so families of one surname tell apart.
    expect(within(rows[0]).getByTestId("family-children")).toHaveTextContent("Amelia Okafor, born 10 Aug 2026");
    expect(within(rows[0]).getByTestId("family-children")).toHaveTextContent("Unborn baby Okafor, due 1 Mar 2027");
    expect(within(rows[0]).getByText("Targeted")).toHaveClass("nhsuk-tag");
    expect(within(rows[0]).getByText("Child in need")).toHaveClass("nhsuk-tag");
    await waitFor(() => expect(rows[0]).toHaveTextContent("6–8 week review, was due 5 Oct 2026"));
    expect(rows[1]).toHaveTextContent("Interpreter needed");
    expect(rows[2]).toHaveTextContent("Child protection plan");
    expect(rows[2]).toHaveTextContent("Safety alert");
    expect(rows[2]).toHaveTextContent("12-month review, due 14 Nov 2026");
    expect(screen.getByTestId("family-count")).toHaveTextContent("Showing 1 to 3 of 60 families");
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument();

    const panel = await screen.findByTestId("caseload-summary");
    expect(panel).toHaveTextContent("71.5 against a limit of 300");
    expect(within(panel).getByRole("row", { name: /Universal 52 70/ })).toBeInTheDocument();
    expect(screen.queryByTestId("caseload-warning")).toBeNull();

    expect(calls.find((c) => c.cmd === "list_families")?.args).toEqual({ query: firstQuery });
    const worklistCall = calls.find((c) => c.cmd === "worklist")?.args as { query: { to: string } };
    expect(worklistCall.query.to).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("searches, filters by level and flag, and pages", async () => {
    const user = userEvent.setup();
    const calls = answer({ list_families: () => familyPage, caseload_summary: () => summary, worklist: () => [] });
    render(<Caseload />);
    await screen.findAllByTestId("family-link");
    const queries = () => calls.filter((c) => c.cmd === "list_families").map((c) => c.args.query as Record<string, unknown>);

    await user.type(screen.getByLabelText("Search by name, NHS number or postcode"), "999 000 0018");
    await user.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(queries().at(-1)).toMatchObject({ search: "999 000 0018", page: 1 }));

    await user.selectOptions(screen.getByLabelText("Level of service"), "targeted");
    await waitFor(() => expect(queries().at(-1)).toMatchObject({ level: "targeted", search: "999 000 0018" }));

    await user.selectOptions(screen.getByLabelText("Flag"), "child-protection");
    await waitFor(() => expect(queries().at(-1)).toMatchObject({ level: "targeted", flag: "child-protection" }));

    const pager = screen.getByRole("navigation", { name: "Pages of families" });
    await user.click(within(pager).getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(queries().at(-1)).toMatchObject({ page: 2, flag: "child-protection" }));

    await user.click(screen.getByRole("button", { name: "Clear search and filters" }));
    await waitFor(() => expect(queries().at(-1)).toEqual({ ...firstQuery }));
  });

  it("says whose NHS number found a family, under its row", async () => {
    const user = userEvent.setup();
    const okafor = { ...familyPage.families[0], matched: "NHS number 999 000 0018 (Zara Okafor)" };
    const calls = answer({
      list_families: (args) => ((args.query as { search: string | null }).search
        ? { ...familyPage, total: 1, families: [okafor] }
        : familyPage),
      caseload_summary: () => summary,
      worklist: () => [],
    });
    const { container } = render(<Caseload />);
    await screen.findAllByTestId("family-link");
    expect(screen.queryByTestId("family-matched")).toBeNull();

    await user.type(screen.getByLabelText("Search by name, NHS number or postcode"), "9990000018");
    await user.click(screen.getByRole("button", { name: "Search" }));
    const matched = await screen.findByTestId("family-matched");
    expect(calls.filter((c) => c.cmd === "list_families").at(-1)?.args.query).toMatchObject({ search: "9990000018" });
    expect(matched).toHaveTextContent("Found by NHS number 999 000 0018 (Zara Okafor)");
    const rows = screen.getAllByTestId("family-row");
    expect(rows).toHaveLength(1);
    expect(within(rows[0]).getByTestId("family-matched")).toBe(matched);
    expect(within(rows[0]).getByTestId("family-link")).toHaveTextContent("Okafor");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("warns when the caseload is over the limit", async () => {
    answer({ list_families: () => familyPage, caseload_summary: () => overSummary, worklist: () => [] });
    const { container } = render(<Caseload />);
    const warning = await screen.findByTestId("caseload-warning");
    expect(warning).toHaveTextContent("The weighted caseload (412) is over the limit (300).");
    expect(screen.getByText("Over the limit")).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("shows the message, and the problem next to the search box, when the list fails", async () => {
    answer({
      list_families: () => { throw ipcError("invalid", "Check the search and try again.", [{ field: "search", problem: "is too long (at most 100 characters)" }]); },
      caseload_summary: () => summary,
      worklist: () => [],
    });
    const { container } = render(<Caseload />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Check the search and try again.");
    const search = screen.getByLabelText("Search by name, NHS number or postcode");
    expect(search).toHaveAttribute("aria-invalid", "true");
    expect(document.getElementById("field-search-error")).toHaveTextContent("Search is too long (at most 100 characters)");
    expect(await axeViolations(container)).toEqual([]);
  });
});
