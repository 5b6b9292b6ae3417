import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { ipcError, kpi, overSummary, summary } from "../components/shell/fixtures";
import { quarterChoices, quarterOf, Reports } from "./Reports";

describe("quarters", () => {
  it("uses financial-year quarters and defaults to the last complete one", () => {
    expect(quarterOf("2026-04-01")).toEqual({ year: 2026, q: 1 });
    expect(quarterOf("2026-09-30")).toEqual({ year: 2026, q: 2 });
    expect(quarterOf("2026-12-31")).toEqual({ year: 2026, q: 3 });
    expect(quarterOf("2027-03-31")).toEqual({ year: 2026, q: 4 });
    const c = quarterChoices("2026-11-20");
    expect(c.options.map((o) => o.value)).toEqual(["2026Q3", "2026Q2", "2026Q1", "2025Q4", "2025Q3", "2025Q2"]);
    expect(c.defaultValue).toBe("2026Q2");
    expect(c.options[3].label).toBe("2025/26 Q4: January to March 2026");
    expect(quarterChoices("2026-05-02").defaultValue).toBe("2025Q4");
  });
});

describe("Reports", () => {
  it("shows the KPI report for the previous quarter with numerator, denominator and percentage", async () => {
    const calls = answer({ kpi_report: () => kpi, caseload_summary: () => summary });
    const { container } = render(<Reports today="2026-11-20" />);
    expect(screen.getByRole("heading", { level: 1, name: "Reports" })).toBeInTheDocument();
    expect(screen.getByLabelText("Quarter")).toHaveValue("2026Q2");
    const table = await screen.findByTestId("kpi-table");
    const c2 = within(table).getAllByTestId("metric")[0];
    expect(c2).toHaveTextContent("C2");
    expect(c2).toHaveTextContent("New birth visits within 14 days");
    expect(within(c2).getAllByRole("cell").map((c) => c.textContent)).toEqual(["18", "20", "90.0%"]);
    const c8 = within(table).getAllByTestId("metric")[1];
    expect(within(c8).getAllByRole("cell").map((c) => c.textContent)).toEqual(["15", "19", "78.9%"]);
    const c5 = within(table).getAllByTestId("metric")[2];
    expect(within(c5).getAllByRole("cell")[2]).toHaveTextContent("(none counted)");
    expect(screen.getByTestId("quality-table")).toHaveTextContent("85.4%");
    expect(screen.getByTestId("dna-table")).toHaveTextContent("New birth visit");
    expect(screen.getByTestId("dna-table")).toHaveTextContent("5.0%");
    expect(screen.getByTestId("kpi-report")).toHaveTextContent("2026/27 Q2: July to September 2026");
    expect(await screen.findByTestId("caseload-summary")).toHaveTextContent("Children under five82");
    expect(calls.find((c) => c.cmd === "kpi_report")?.args).toEqual({ quarter: "2026Q2" });
    expect(await axeViolations(container)).toEqual([]);
  });

  it("asks for another quarter when one is chosen", async () => {
    const user = userEvent.setup();
    const calls = answer({ kpi_report: () => kpi, caseload_summary: () => overSummary });
    render(<Reports today="2026-11-20" />);
    await screen.findByTestId("kpi-table");
    await user.selectOptions(screen.getByLabelText("Quarter"), "2025Q4");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "kpi_report").at(-1)?.args).toEqual({ quarter: "2025Q4" }));
    expect(await screen.findByTestId("caseload-warning")).toHaveTextContent("over the limit");
  });

  it("shows the message, and the problem next to the quarter, when the report fails", async () => {
    answer({
      kpi_report: () => { throw ipcError("invalid", "Choose another quarter.", [{ field: "quarter", problem: "must be a financial-year quarter like 2026Q3 (Q1 = April–June)" }]); },
      caseload_summary: () => summary,
    });
    const { container } = render(<Reports today="2026-11-20" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Choose another quarter.");
    expect(document.getElementById("field-quarter-error")).toHaveTextContent("Quarter must be a financial-year quarter like 2026Q3");
    expect(await axeViolations(container)).toEqual([]);
  });
});
