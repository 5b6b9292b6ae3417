// The family's goals (from completed family partnership assessments) with
// their ratings over time, as a small table.
import type { GoalHistory } from "../../ipc";
import { formatDate } from "./format";

export function Goals({ goals }: { goals: GoalHistory[] }) {
  if (goals.length === 0) {
    return <p className="nhsuk-body">No goals yet. Goals are set in a completed family partnership assessment.</p>;
  }
  return (
    <table className="nhsuk-table" data-testid="goals-table">
      <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Goals and their ratings over time (0 to 10)</caption>
      <thead className="nhsuk-table__head">
        <tr className="nhsuk-table__row">
          <th scope="col" className="nhsuk-table__header">Goal</th>
          <th scope="col" className="nhsuk-table__header">Ratings (0 to 10), oldest first</th>
          <th scope="col" className="nhsuk-table__header">Agreed actions</th>
          <th scope="col" className="nhsuk-table__header">Next review</th>
        </tr>
      </thead>
      <tbody className="nhsuk-table__body">
        {goals.map((g) => {
          const first = g.ratings[0]?.[1];
          const last = g.ratings[g.ratings.length - 1]?.[1];
          const change = g.ratings.length > 1 && first !== undefined && last !== undefined ? last - first : null;
          return (
            <tr className="nhsuk-table__row" key={g.text}>
              <th scope="row" className="nhsuk-table__cell">{g.text}</th>
              <td className="nhsuk-table__cell">
                {g.ratings.length === 0 ? (
                  "Not rated yet"
                ) : (
                  <ol className="nhsuk-list nhsuk-u-margin-bottom-0">
                    {g.ratings.map(([date, rating, rid]) => (
                      <li key={rid} className="nhsuk-u-margin-bottom-0">
                        {formatDate(date)}: <strong>{rating}</strong>
                      </li>
                    ))}
                  </ol>
                )}
                {change !== null && (
                  <span className="nhsuk-body-s">
                    {change > 0 ? `Up ${change}` : change < 0 ? `Down ${-change}` : "No change"} since the first rating
                  </span>
                )}
              </td>
              <td className="nhsuk-table__cell">{g.actions ?? ""}</td>
              <td className="nhsuk-table__cell">{g.review_date ? formatDate(g.review_date) : ""}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
