import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../test/ipc";
import { axeViolations } from "../../test/axe";
import { AVA, FAMILY_ID, TOBI, weightChart } from "./fixtures";
import { ageTicks, GrowthChart, GrowthCharts, niceTicks } from "./GrowthChart";

// Rendering whole screens and running axe takes a few seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

describe("GrowthChart", () => {
  it("draws the nine centile lines, the 50th stronger and every line labelled", async () => {
    const { container } = render(<GrowthChart chart={weightChart()} childName="Ava Okafor" />);
    const lines = screen.getAllByTestId("centile-line");
    expect(lines).toHaveLength(9);
    const fifty = lines[4].querySelector("path")!;
    const ninth = lines[2].querySelector("path")!;
    expect(Number(fifty.getAttribute("stroke-width"))).toBeGreaterThan(Number(ninth.getAttribute("stroke-width")));
    expect(lines.map((l) => l.querySelector("text")?.textContent)).toEqual(["0.4th", "2nd", "9th", "25th", "50th", "75th", "91st", "98th", "99.6th"]);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("draws each line one segment per reference, never joined, and marks the change", () => {
    render(<GrowthChart chart={weightChart()} childName="Ava Okafor" />);
    // UK90 birth data to day 13, WHO 2006 from day 14: two paths per line.
    for (const line of screen.getAllByTestId("centile-line")) {
      const paths = line.querySelectorAll("path");
      expect(paths).toHaveLength(2);
      expect(paths[1].getAttribute("d")!.startsWith("M")).toBe(true);
      expect(paths[0].getAttribute("d")!.split("L")).toHaveLength(2);
    }
    expect(screen.getAllByTestId("reference-change")).toHaveLength(1);
  });

  it("plots the child's measurements as points, with a title and description", () => {
    render(<GrowthChart chart={weightChart()} childName="Ava Okafor" />);
    expect(screen.getAllByTestId("growth-point")).toHaveLength(2);
    const svg = screen.getByRole("img", { name: /Ava Okafor: Weight-for-age/ });
    expect(svg).toHaveAccessibleDescription(/2 measurements; the latest 4.9 kg on 2 January 2026, between the 25th and 50th centiles/);
  });

  it("labels the age axis in weeks up to 13 weeks and in months after", () => {
    render(<GrowthChart chart={weightChart()} childName="Ava Okafor" />);
    expect(screen.getByText("Age (weeks)")).toBeInTheDocument();
    expect(within(screen.getByTestId("growth-svg") as unknown as HTMLElement).getByText("Weight (kg)")).toBeInTheDocument();
    expect(ageTicks(0, 91).ticks.map((t) => t.label)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]);
    expect(ageTicks(0, 730).unit).toBe("months");
    expect(ageTicks(0, 730).ticks.map((t) => t.label)).toEqual(["0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20", "22", "24"]);
    expect(niceTicks(2.1, 7.9, 6)).toEqual([3, 4, 5, 6, 7]);
  });

  it("lists the measurements in a visually hidden table for screen readers", () => {
    render(<GrowthChart chart={weightChart()} childName="Ava Okafor" />);
    const table = screen.getByRole("table", { name: "Ava Okafor: weight measurements" });
    expect(table).toHaveClass("nhsuk-u-visually-hidden");
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent("21 November 2025");
    expect(rows[1]).toHaveTextContent("11 days");
    expect(rows[1]).toHaveTextContent("3.4");
    expect(rows[1]).toHaveTextContent("50th centile (SDS −0.05; UK90 preterm and birth)");
    expect(rows[2]).toHaveTextContent("between the 25th and 50th centiles (SDS −0.35; WHO 2006)");
  });

  it("says why there is no chart when there are no lines", async () => {
    const chart = { ...weightChart(), lines: [], points: [], unavailable: "no WHO reference: the child's sex (male or female) and date of birth are needed" };
    const { container } = render(<GrowthChart chart={chart} childName="Ava Okafor" />);
    expect(screen.getByTestId("growth-unavailable")).toHaveTextContent("no WHO reference");
    expect(screen.queryByTestId("growth-svg")).not.toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });
});

describe("GrowthCharts", () => {
  it("loads the chart for the chosen child and measure", async () => {
    const calls = answer({
      growth_chart: (a) => ({ ...weightChart(a.person_id as string), measure: a.measure, title: `${a.measure} chart` }),
    });
    const user = userEvent.setup();
    const { container } = render(
      <GrowthCharts
        familyId={FAMILY_ID}
        children={[
          { id: AVA, name: "Ava Okafor", dateOfBirth: "2025-11-10" },
          { id: TOBI, name: "Tobi Okafor", dateOfBirth: "2023-05-02" },
        ]}
      />,
    );
    expect(await screen.findAllByTestId("growth-point")).toHaveLength(2);
    expect(calls[0]).toEqual({ cmd: "growth_chart", args: { family_id: FAMILY_ID, person_id: AVA, measure: "weight" } });

    await user.click(screen.getByLabelText("Head circumference"));
    await screen.findByRole("img", { name: /head-circumference chart/ });
    expect(calls.at(-1)!.args).toEqual({ family_id: FAMILY_ID, person_id: AVA, measure: "head-circumference" });

    await user.selectOptions(screen.getByLabelText("Child"), TOBI);
    await screen.findByRole("img", { name: /Tobi Okafor/ });
    expect(calls.at(-1)!.args).toEqual({ family_id: FAMILY_ID, person_id: TOBI, measure: "head-circumference" });
    expect(await axeViolations(container)).toEqual([]);
  });
});
