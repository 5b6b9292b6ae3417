// A growth chart for one child and measure: the nine UK-WHO centile lines
// (50th stronger, labelled at the right end), each drawn one segment per
// reference and never joined across a change (UK90 preterm and birth to 2
// weeks after term, WHO 2006 to 4 years, UK90 after; a dashed rule marks
// each change), the child's measurements as points, axes with ticks, and a visually hidden table of the measurements
// for screen readers. GrowthCharts adds a measure and child switcher and
// loads each chart from the core.
import { useEffect, useState } from "react";
import { growthChart, type GrowthChart as Chart, type Measure } from "../../ipc";
import { GROWTH_REFERENCE_LABELS } from "../../generated/labels";
import { failure } from "./failure";
import { Radios, Select } from "../fields";
import { describeAge, formatDate, formatNumber, formatSds, MEASURE_LABELS } from "./format";

const WIDTH = 900;
const HEIGHT = 420;
const M = { left: 64, right: 64, top: 16, bottom: 56 };
const DAYS_PER_MONTH = 30.4375;

/** A unit as shown ("kg/m2" as "kg/m²"). */
export function unitText(unit: string): string {
  return unit === "kg/m2" ? "kg/m²" : unit;
}

/** Round-number ticks covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** Age ticks: weeks when the chart spans 13 weeks or less, months after. */
export function ageTicks(from: number, to: number): { unit: "weeks" | "months"; ticks: { day: number; label: string }[] } {
  if (to <= 91) {
    const ticks = [];
    for (let w = Math.ceil(from / 7); w * 7 <= to; w++) ticks.push({ day: w * 7, label: String(w) });
    return { unit: "weeks", ticks };
  }
  const months = (to - from) / DAYS_PER_MONTH;
  const step = [1, 2, 3, 6, 12].find((s) => months / s <= 13) ?? 12;
  const ticks = [];
  for (let mo = Math.ceil(from / DAYS_PER_MONTH / step) * step; mo * DAYS_PER_MONTH <= to + 0.5; mo += step) {
    ticks.push({ day: mo * DAYS_PER_MONTH, label: String(mo) });
  }
  return { unit: "months", ticks };
}

/** The chart for one child and measure (`chart` from the core's growth_chart). */
export function GrowthChart({ chart, childName }: { chart: Chart; childName: string }) {
  const unit = unitText(chart.unit);
  const measure = MEASURE_LABELS[chart.measure] ?? chart.title;
  const idBase = `growth-${chart.person_id}-${chart.measure}`;
  const table = (
    <table className="nhsuk-u-visually-hidden" data-testid="growth-table">
      <caption>
        {childName}: {measure.toLowerCase()} measurements
      </caption>
      <thead>
        <tr>
          <th scope="col">Date measured</th>
          <th scope="col">Age</th>
          <th scope="col">{measure} ({unit})</th>
          <th scope="col">Centile</th>
        </tr>
      </thead>
      <tbody>
        {chart.points.length === 0 ? (
          <tr>
            <td colSpan={4}>No measurements</td>
          </tr>
        ) : (
          chart.points.map((p) => (
            <tr key={p.measurement_id}>
              <td>{formatDate(p.measured_on)}</td>
              <td>
                {describeAge(p.age_days)}
                {p.corrected ? " (corrected for prematurity)" : ""}
              </td>
              <td>{formatNumber(p.value)}</td>
              <td>
                {p.centile_words} (SDS {formatSds(p.sds)}; {GROWTH_REFERENCE_LABELS[p.reference]}
                {p.corrected ? ", corrected age" : ""})
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );

  if (chart.lines.length === 0) {
    return (
      <div className="doorstep-growth-chart">
        <p className="nhsuk-body" data-testid="growth-unavailable">
          {chart.unavailable ?? "No chart is available for this measure."}
        </p>
        {chart.points.length > 0 && table}
      </div>
    );
  }

  const from = chart.from_days;
  const to = Math.max(chart.to_days, from + 1);
  const values = [...chart.lines.flatMap((l) => l.segments.flatMap((seg) => seg.map(([, v]) => v))), ...chart.points.map((p) => p.value)];
  // Where the reference changes: the first day of every segment but the first.
  const changes = (chart.lines.find((l) => l.centile === "50th") ?? chart.lines[0]).segments.slice(1).map((seg) => seg[0][0]);
  const vmin = Math.min(...values);
  const vmax = Math.max(...values);
  const pad = (vmax - vmin) * 0.04 || 1;
  const yTicks = niceTicks(vmin - pad, vmax + pad, 7);
  const ylo = Math.min(vmin - pad, yTicks[0]);
  const yhi = Math.max(vmax + pad, yTicks[yTicks.length - 1]);
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const x = (day: number) => M.left + ((day - from) / (to - from)) * plotW;
  const y = (v: number) => M.top + (1 - (v - ylo) / (yhi - ylo)) * plotH;
  const { unit: ageUnit, ticks: xTicks } = ageTicks(from, to);
  const path = (pts: [number, number][]) =>
    pts.map(([d, v], i) => `${i === 0 ? "M" : "L"}${x(d).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const latest = chart.points[chart.points.length - 1];
  const desc =
    `${chart.title}. Age in ${ageUnit} from ${describeAge(from)} to ${describeAge(to)}; ` +
    `${chart.lines.length} centile lines from the ${chart.lines[0].centile} to the ${chart.lines[chart.lines.length - 1].centile}. ` +
    (latest
      ? `${chart.points.length} measurement${chart.points.length === 1 ? "" : "s"}; the latest ${formatNumber(latest.value)} ${unit} on ${formatDate(latest.measured_on)}, ${latest.centile_words}. The measurements are listed in the table that follows.`
      : "No measurements of this kind yet.");

  return (
    <div className="doorstep-growth-chart">
      <svg
        role="img"
        aria-labelledby={`${idBase}-title`}
        aria-describedby={`${idBase}-desc`}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        style={{ maxWidth: WIDTH, height: "auto", display: "block" }}
        data-testid="growth-svg"
      >
        <title id={`${idBase}-title`}>
          {childName}: {chart.title}
        </title>
        <desc id={`${idBase}-desc`}>{desc}</desc>
        <rect x={M.left} y={M.top} width={plotW} height={plotH} fill="#ffffff" stroke="#aeb7bd" />
        <g aria-hidden="true" fontSize="13" fill="#212b32">
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={M.left} x2={M.left + plotW} y1={y(t)} y2={y(t)} stroke="#e8edee" />
              <line x1={M.left - 5} x2={M.left} y1={y(t)} y2={y(t)} stroke="#4c6272" />
              <text x={M.left - 8} y={y(t)} textAnchor="end" dominantBaseline="middle">
                {formatNumber(t)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t.day}`}>
              <line x1={x(t.day)} x2={x(t.day)} y1={M.top} y2={M.top + plotH} stroke="#e8edee" />
              <line x1={x(t.day)} x2={x(t.day)} y1={M.top + plotH} y2={M.top + plotH + 5} stroke="#4c6272" />
              <text x={x(t.day)} y={M.top + plotH + 20} textAnchor="middle">
                {t.label}
              </text>
            </g>
          ))}
          <text x={M.left + plotW / 2} y={HEIGHT - 10} textAnchor="middle" fontWeight="bold">
            Age ({ageUnit})
          </text>
          <text
            transform={`translate(16 ${M.top + plotH / 2}) rotate(-90)`}
            textAnchor="middle"
            fontWeight="bold"
          >
            {measure} ({unit})
          </text>
        </g>
        <g aria-hidden="true">
          {changes.map((day) => (
            <line key={`change${day}`} data-testid="reference-change" x1={x(day)} x2={x(day)} y1={M.top} y2={M.top + plotH} stroke="#4c6272" strokeDasharray="2 4" />
          ))}
          {chart.lines.map((l) => {
            const strong = l.centile === "50th";
            const lastSegment = l.segments[l.segments.length - 1] ?? [];
            const last = lastSegment[lastSegment.length - 1];
            return (
              <g key={l.centile} data-testid="centile-line">
                {l.segments.map((seg, i) => (
                  <path
                    key={i}
                    d={path(seg)}
                    fill="none"
                    stroke={strong ? "#212b32" : "#768692"}
                    strokeWidth={strong ? 2.5 : 1.25}
                    strokeDasharray={l.centile === "0.4th" || l.centile === "99.6th" ? "6 4" : undefined}
                  />
                ))}
                {last && (
                  <text
                    x={x(last[0]) + 6}
                    y={y(last[1])}
                    dominantBaseline="middle"
                    fontSize="12"
                    fontWeight={strong ? "bold" : "normal"}
                    fill="#212b32"
                  >
                    {l.centile}
                  </text>
                )}
              </g>
            );
          })}
        </g>
        <g>
          {chart.points.length > 1 && (
            <path
              d={path(chart.points.map((p) => [p.age_days, p.value]))}
              fill="none"
              stroke="#005eb8"
              strokeWidth="2"
              aria-hidden="true"
            />
          )}
          {chart.points.map((p) => (
            <circle
              key={p.measurement_id}
              data-testid="growth-point"
              cx={x(p.age_days)}
              cy={y(p.value)}
              r="5.5"
              fill="#005eb8"
              stroke="#ffffff"
              strokeWidth="1.5"
            >
              <title>
                {formatDate(p.measured_on)}: {formatNumber(p.value)} {unit}, {p.centile_words}
              </title>
            </circle>
          ))}
        </g>
      </svg>
      {chart.points.length === 0 && <p className="nhsuk-body-s">No {measure.toLowerCase()} measurements yet.</p>}
      {table}
    </div>
  );
}

export type ChartChild = { id: string; name: string; dateOfBirth: string | null };

const MEASURES: Measure[] = ["weight", "length", "height", "head-circumference", "bmi"];

/** The growth charts of a family's children: pick a child and a measure; each chart is loaded from the core. */
export function GrowthCharts({
  familyId,
  children,
  initialChildId,
}: {
  familyId: string;
  children: ChartChild[];
  /** The child shown first (default: the first listed). */
  initialChildId?: string;
}) {
  const [childId, setChildId] = useState(initialChildId ?? children[0]?.id ?? "");
  const [measure, setMeasure] = useState<Measure>("weight");
  const [chart, setChart] = useState<Chart | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const child = children.find((c) => c.id === childId) ?? children[0];
  const personId = child?.id;

  useEffect(() => {
    if (!personId) return;
    let live = true;
    setChart(null);
    setProblem(null);
    growthChart(familyId, personId, measure)
      .then((c) => live && setChart(c))
      .catch((e) => live && setProblem(failure(e).message));
    return () => {
      live = false;
    };
  }, [familyId, personId, measure]);

  if (!child) return <p className="nhsuk-body">There are no born children to chart.</p>;

  return (
    <div>
      {children.length > 1 && (
        <Select
          name="chart_child"
          label="Child"
          value={child.id}
          onChange={setChildId}
          options={children.map((c) => ({ value: c.id, label: c.name }))}
        />
      )}
      <Radios
        name="chart_measure"
        legend="Measure"
        inline
        value={measure}
        onChange={(v) => setMeasure(v as Measure)}
        options={MEASURES.map((m) => ({ value: m, label: MEASURE_LABELS[m] }))}
      />
      <div aria-live="polite" aria-busy={!chart && !problem}>
        {problem && <p className="nhsuk-error-message">{problem}</p>}
        {!chart && !problem && <p className="nhsuk-body-s">Loading the chart…</p>}
      </div>
      {chart && <GrowthChart chart={chart} childName={child.name} />}
    </div>
  );
}
