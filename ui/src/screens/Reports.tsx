// Reports: the KPI report for a financial-year quarter (the numerator,
// denominator and percentage of each metric, how each review was delivered
// against the trust's targets, and did-not-attend rates), and the caseload
// summary.
import { useState } from "react";
import { caseloadSummary, kpiReport, type KpiReport } from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { Select } from "../components/fields";
import { CaseloadSummaryPanel } from "../components/shell/CaseloadSummaryPanel";
import { formatPercent, kindLabel, labelOf, londonToday } from "../components/shell/format";
import { DELIVERED_BY_LABELS, DELIVERED_HOW_LABELS, DELIVERED_WHERE_LABELS } from "../generated/labels";
import { Loading } from "../components/shell/Layout";
import { fieldError } from "../components/shell/problems";
import { useLoad } from "../components/shell/useLoad";

export type FinancialQuarter = { year: number; q: number };

const MONTH_SPANS = ["April to June", "July to September", "October to December", "January to March"];

/** The financial-year quarter (April to March) a date (YYYY-MM-DD) falls in. */
export function quarterOf(date: string): FinancialQuarter {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  if (m >= 4) return { year: y, q: Math.floor((m - 4) / 3) + 1 };
  return { year: y - 1, q: 4 };
}

export function previousQuarter({ year, q }: FinancialQuarter): FinancialQuarter {
  return q === 1 ? { year: year - 1, q: 4 } : { year, q: q - 1 };
}

/** "2026Q3", as the core takes it. */
export function quarterCode({ year, q }: FinancialQuarter): string {
  return `${year}Q${q}`;
}

/** "2026/27 Q3: October to December 2026". */
export function quarterLabel({ year, q }: FinancialQuarter): string {
  const calendarYear = q === 4 ? year + 1 : year;
  return `${year}/${String((year + 1) % 100).padStart(2, "0")} Q${q}: ${MONTH_SPANS[q - 1]} ${calendarYear}`;
}

/** The quarter in progress and the 5 before it, newest first; the default is the last complete one. */
export function quarterChoices(today: string): { options: { value: string; label: string }[]; defaultValue: string } {
  const current = quarterOf(today);
  const options: { value: string; label: string }[] = [];
  let q = current;
  for (let i = 0; i < 6; i++) {
    options.push({ value: quarterCode(q), label: quarterLabel(q) + (i === 0 ? " (so far)" : "") });
    q = previousQuarter(q);
  }
  return { options, defaultValue: quarterCode(previousQuarter(current)) };
}

/** The 2026 delivery measures: each review's deliveries by who, where and how, and the targets. */
function DeliveryTable({ report }: { report: KpiReport }) {
  const groups = (pairs: [string, number][], labels: Record<string, string>, total: number) =>
    pairs
      .filter(([, n]) => n > 0)
      .map(([g, n]) => `${labelOf(labels, g)} ${n} (${formatPercent((n * 100) / total)})`)
      .join("; ") || "–";
  return (
    <>
      <table className="nhsuk-table" data-testid="delivery-table">
        <caption className="nhsuk-table__caption nhsuk-table__caption--m">How reviews were delivered</caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th scope="col" className="nhsuk-table__header">Review</th>
            <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Delivered</th>
            <th scope="col" className="nhsuk-table__header">By</th>
            <th scope="col" className="nhsuk-table__header">Where</th>
            <th scope="col" className="nhsuk-table__header">How</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {report.delivery.map((d) => (
            <tr className="nhsuk-table__row" key={d.review} data-testid="delivery" data-review={d.review}>
              <th scope="row" className="nhsuk-table__header">{kindLabel(d.review)}</th>
              <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{d.delivered}</td>
              <td className="nhsuk-table__cell">{groups(d.by, DELIVERED_BY_LABELS, d.delivered)}</td>
              <td className="nhsuk-table__cell">{groups(d.at, DELIVERED_WHERE_LABELS, d.delivered)}</td>
              <td className="nhsuk-table__cell">{groups(d.how, DELIVERED_HOW_LABELS, d.delivered)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.targets.length > 0 && (
        <table className="nhsuk-table" data-testid="targets-table">
          <caption className="nhsuk-table__caption nhsuk-table__caption--m">Delivery targets</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">Target</th>
              <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Achieved</th>
              <th scope="col" className="nhsuk-table__header">Result</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {report.targets.map((t, i) => (
              <tr className="nhsuk-table__row" key={i}>
                <th scope="row" className="nhsuk-table__header">
                  {kindLabel(t.target.review)}
                  {t.target.by && ` by ${labelOf(DELIVERED_BY_LABELS, t.target.by).toLowerCase()}`}
                  {t.target.at && `, at ${labelOf(DELIVERED_WHERE_LABELS, t.target.at).toLowerCase()}`}
                  {t.target.how && `, ${labelOf(DELIVERED_HOW_LABELS, t.target.how).toLowerCase()}`}: {t.target.percent}%
                </th>
                <td className="nhsuk-table__cell nhsuk-table__cell--numeric">
                  {t.ratio.numerator} of {t.ratio.denominator} ({formatPercent(t.ratio.percent)})
                </td>
                <td className="nhsuk-table__cell">
                  {t.met === null ? "No reviews delivered" : t.met ? (
                    <strong className="nhsuk-tag nhsuk-tag--green">Met</strong>
                  ) : (
                    <strong className="nhsuk-tag nhsuk-tag--red">Not met</strong>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Metrics({ report, period }: { report: KpiReport; period: string }) {
  const qualityCodes = ["ETH", "BMI2", "FEED1", "FEED2"];
  const kpis = report.metrics.filter((m) => !qualityCodes.includes(m.code));
  const quality = report.metrics.filter((m) => qualityCodes.includes(m.code));
  const table = (rows: KpiReport["metrics"], caption: string, testId: string) => (
    <table className="nhsuk-table" data-testid={testId}>
      <caption className="nhsuk-table__caption nhsuk-table__caption--m">{caption}</caption>
      <thead className="nhsuk-table__head">
        <tr className="nhsuk-table__row">
          <th scope="col" className="nhsuk-table__header">Measure</th>
          <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Numerator</th>
          <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Denominator</th>
          <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Percentage</th>
        </tr>
      </thead>
      <tbody className="nhsuk-table__body">
        {rows.map((m) => (
          <tr className="nhsuk-table__row" key={m.code} data-testid="metric" data-code={m.code}>
            <th scope="row" className="nhsuk-table__header ds-metric">
              <span className="nhsuk-tag nhsuk-tag--white ds-metric__code">{m.code}</span> {m.title}
              <span className="nhsuk-body-s ds-metric__definition">{m.definition}</span>
            </th>
            <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{m.ratio.numerator}</td>
            <td className="nhsuk-table__cell nhsuk-table__cell--numeric">
              {m.count_only ? <>–{" "}<span className="nhsuk-u-visually-hidden">(a count)</span></> : m.ratio.denominator}
            </td>
            <td className="nhsuk-table__cell nhsuk-table__cell--numeric">
              {m.ratio.percent === null ? <>–{" "}<span className="nhsuk-u-visually-hidden">(none counted)</span></> : formatPercent(m.ratio.percent)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <>
      {kpis.length > 0 && table(kpis, `Indicators for ${period}`, "kpi-table")}
      {quality.length > 0 && table(quality, "Data quality", "quality-table")}
      {report.delivery.length > 0 && <DeliveryTable report={report} />}
      {report.dna.length > 0 && (
        <table className="nhsuk-table" data-testid="dna-table">
          <caption className="nhsuk-table__caption nhsuk-table__caption--m">Did not attend, by review</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">Review</th>
              <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Booked</th>
              <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Did not attend</th>
              <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Rate</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {report.dna.map((d) => (
              <tr className="nhsuk-table__row" key={d.review}>
                <th scope="row" className="nhsuk-table__header">{kindLabel(d.review)}</th>
                <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{d.booked}</td>
                <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{d.did_not_attend}</td>
                <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{formatPercent(d.percent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function Reports({ today = londonToday() }: { today?: string }) {
  const [{ options, defaultValue }] = useState(() => quarterChoices(today));
  const [quarter, setQuarter] = useState(defaultValue);
  const report = useLoad(() => kpiReport(quarter), [quarter]);
  const summary = useLoad(() => caseloadSummary(), []);
  const shown = report.data;

  return (
    <>
      <h1 tabIndex={-1}>Reports</h1>
      <h2>Key performance indicators</h2>
      <p>The health visiting KPIs for the families on this laptop, by financial-year quarter.</p>
      <Select name="quarter" label="Quarter" value={quarter} onChange={setQuarter} options={options}
        error={fieldError(report.error, "quarter", "Quarter")} />
      <ErrorSummary error={report.error} title="The report could not be made" />
      {report.loading && <Loading>Working out the figures for {options.find((o) => o.value === quarter)?.label ?? quarter}…</Loading>}
      {shown && !report.error && (
        <div data-testid="kpi-report" aria-busy={report.loading || undefined}>
          <Metrics report={shown} period={quarterLabel({ year: shown.quarter.year, q: shown.quarter.q })} />
        </div>
      )}
      {summary.loading && !summary.data && <Loading>Loading the caseload summary…</Loading>}
      {summary.error && (
        <section aria-labelledby="reports-summary-error">
          <h2 id="reports-summary-error">Caseload summary</h2>
          <p className="nhsuk-error-message">{summary.error.message}</p>
        </section>
      )}
      {summary.data && <CaseloadSummaryPanel summary={summary.data} id="reports-caseload-summary" />}
    </>
  );
}
