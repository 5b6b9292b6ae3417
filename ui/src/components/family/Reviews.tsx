// The children's mandated reviews with their windows and where each stands.
import type { Family, Review, ReviewState } from "../../ipc";
import type { EndReason } from "../../generated/EndReason";
import { ATTENDANCE_LABELS, CONTACT_KIND_LABELS, MECHANISM_LABELS, formatDate, labelOf, personName } from "./format";

const END_REASONS: Record<EndReason, string> = {
  died: "died",
  "moved-away": "moved out of the area",
  "due-before-transfer-in": "due before the child transferred in",
};

function State({ state }: { state: ReviewState }) {
  switch (state.state) {
    case "done":
      return (
        <>
          <strong className="nhsuk-tag nhsuk-tag--green">Done</strong> {formatDate(state.date)}
        </>
      );
    case "declined":
      return (
        <>
          <strong className="nhsuk-tag nhsuk-tag--grey">Declined</strong> {formatDate(state.date)}: {state.reason}
        </>
      );
    case "open":
      if (state.remote && (!state.last_attempt || state.remote[0] >= state.last_attempt[0]))
        return (
          <>
            <strong className="nhsuk-tag nhsuk-tag--orange">See face to face</strong> {labelOf(MECHANISM_LABELS, state.remote[1])} on{" "}
            {formatDate(state.remote[0])}, no reason recorded
          </>
        );
      return state.last_attempt ? (
        <>
          <strong className="nhsuk-tag nhsuk-tag--orange">Follow up</strong> {labelOf(ATTENDANCE_LABELS, state.last_attempt[1])} on{" "}
          {formatDate(state.last_attempt[0])}
        </>
      ) : (
        <strong className="nhsuk-tag nhsuk-tag--blue">Open</strong>
      );
    case "not-offered":
      return <strong className="nhsuk-tag nhsuk-tag--white">Not offered</strong>;
    case "missed":
      return <strong className="nhsuk-tag nhsuk-tag--red">Missed</strong>;
    case "ended":
      return (
        <>
          <strong className="nhsuk-tag nhsuk-tag--grey">Ended</strong> {formatDate(state.date)}: {END_REASONS[state.why]}
        </>
      );
  }
}

export function Reviews({ reviews, family }: { reviews: Review[]; family: Family }) {
  if (reviews.length === 0) return <p className="nhsuk-body">No mandated reviews for this family.</p>;
  return (
    <table className="nhsuk-table" data-testid="reviews-table">
      <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Mandated reviews</caption>
      <thead className="nhsuk-table__head">
        <tr className="nhsuk-table__row">
          <th scope="col" className="nhsuk-table__header">Child</th>
          <th scope="col" className="nhsuk-table__header">Review</th>
          <th scope="col" className="nhsuk-table__header">Window</th>
          <th scope="col" className="nhsuk-table__header">Status</th>
        </tr>
      </thead>
      <tbody className="nhsuk-table__body">
        {reviews.map((r) => {
          const p = family.members[r.person_id];
          return (
            <tr className="nhsuk-table__row" key={`${r.person_id}-${r.kind}`}>
              <td className="nhsuk-table__cell">{p ? personName(p) : "Unknown member"}</td>
              <td className="nhsuk-table__cell">{labelOf(CONTACT_KIND_LABELS, r.kind)}</td>
              <td className="nhsuk-table__cell">
                {formatDate(r.opens)} to {formatDate(r.due)}
                {r.corrected ? " (corrected age)" : ""}
              </td>
              <td className="nhsuk-table__cell">
                <State state={r.state} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
