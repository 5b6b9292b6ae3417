// The caseload's size by level of service and by flag, and the weighted
// caseload against the configured limit, with a warning when over it.
import type { CaseloadSummary } from "../../ipc";
import { flagLabel, levelLabel } from "./format";
import { WarningCallout } from "./WarningCallout";

function number(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-GB") : n.toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function CaseloadSummaryPanel({ summary, id = "caseload-summary" }: { summary: CaseloadSummary; id?: string }) {
  const over = summary.limit > 0 && summary.weighted > summary.limit;
  const warnings = summary.warnings.length > 0
    ? summary.warnings
    : over
      ? [`The weighted caseload (${number(summary.weighted)}) is over the limit of ${number(summary.limit)}.`]
      : [];
  return (
    <section aria-labelledby={`${id}-heading`} data-testid="caseload-summary">
      <h2 id={`${id}-heading`}>Caseload summary</h2>
      {warnings.length > 0 && (
        <WarningCallout heading="Caseload over the limit" testId="caseload-warning">
          {warnings.length === 1 ? (
            <p className="nhsuk-card__description">{warnings[0]}</p>
          ) : (
            <ul className="nhsuk-card__description">
              {warnings.map((w) => <li key={w}>{w}</li>)}
            </ul>
          )}
          <p className="nhsuk-card__description">Talk to your team lead about the caseload.</p>
        </WarningCallout>
      )}
      <dl className="nhsuk-summary-list">
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">Families</dt>
          <dd className="nhsuk-summary-list__value">{number(summary.families)}</dd>
        </div>
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">Children under five</dt>
          <dd className="nhsuk-summary-list__value">{number(summary.children_under5)}</dd>
        </div>
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">Weighted caseload</dt>
          <dd className="nhsuk-summary-list__value">
            {number(summary.weighted)} against a limit of {number(summary.limit)}
            {over && <> <strong className="nhsuk-tag nhsuk-tag--red">Over the limit</strong></>}
          </dd>
        </div>
      </dl>
      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-one-half">
          <table className="nhsuk-table">
            <caption className="nhsuk-table__caption nhsuk-table__caption--s">By level of service</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                <th scope="col" className="nhsuk-table__header">Level</th>
                <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Families</th>
                <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Children under five</th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {summary.by_level.map((l) => (
                <tr className="nhsuk-table__row" key={l.level}>
                  <th scope="row" className="nhsuk-table__header">{levelLabel(l.level)}</th>
                  <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{number(l.families)}</td>
                  <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{number(l.children_under5)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="nhsuk-grid-column-one-half">
          <table className="nhsuk-table">
            <caption className="nhsuk-table__caption nhsuk-table__caption--s">By flag</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                <th scope="col" className="nhsuk-table__header">Flag</th>
                <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Families</th>
                <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Children under five</th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {summary.by_flag.map((f) => (
                <tr className="nhsuk-table__row" key={f.flag}>
                  <th scope="row" className="nhsuk-table__header">{flagLabel(f.flag)}</th>
                  <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{number(f.families)}</td>
                  <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{number(f.children_under5)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
