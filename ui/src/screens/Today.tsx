// Today: urgent results and follow-ups still open (first: they must not be
// missed), the worklist (overdue, follow-ups, due now, coming up; dates as
// UK dates, also inside the reasons) and a short sync summary.
import { asIpcError, followUps, syncStatus, worklist, type Category, type FollowUpView, type SyncStatus, type WorkItem } from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { href } from "../route";
import { CATEGORY_LABELS, formatDate, formatDateTime, kindLabel, plural, ukDatesIn, urgencyTagClass } from "../components/shell/format";
import { URGENCY_LABELS } from "../generated/labels";
import { Loading } from "../components/shell/Layout";
import { useLoad } from "../components/shell/useLoad";

const ORDER: Category[] = ["overdue", "follow-up", "due-now", "upcoming"];

const INTRO: Record<Category, string> = {
  overdue: "Past the date they were due by.",
  "follow-up": "A visit was attempted but did not happen: arrange another.",
  "due-now": "In their window now.",
  upcoming: "Their window opens in the next 4 weeks.",
};

function WorkTable({ category, items }: { category: Category; items: WorkItem[] }) {
  const id = `worklist-${category}`;
  return (
    <section aria-labelledby={id} data-testid={`worklist-${category}`}>
      <h2 id={id} className="nhsuk-heading-m">
        {CATEGORY_LABELS[category]} <span className="nhsuk-u-secondary-text-colour">({items.length})</span>
      </h2>
      <p className="nhsuk-body-s nhsuk-u-secondary-text-colour">{INTRO[category]}</p>
      <table className="nhsuk-table">
        <caption className="nhsuk-u-visually-hidden">{CATEGORY_LABELS[category]}: {plural(items.length, "review", "reviews")}</caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th scope="col" className="nhsuk-table__header">Child</th>
            <th scope="col" className="nhsuk-table__header">Review</th>
            <th scope="col" className="nhsuk-table__header">Reason</th>
            <th scope="col" className="nhsuk-table__header">Due by</th>
            {category === "overdue" && <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Days late</th>}
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {items.map((item) => (
            <tr className="nhsuk-table__row" key={`${item.person_id}-${item.kind}`} data-testid="worklist-item" data-kind={item.kind} data-category={item.category}>
              <td className="nhsuk-table__cell">
                <a href={href({ screen: "family", familyId: item.family_id })}>{item.name}</a>
              </td>
              <td className="nhsuk-table__cell">{kindLabel(item.kind)}</td>
              <td className="nhsuk-table__cell">{ukDatesIn(item.reason)}</td>
              <td className="nhsuk-table__cell nhsuk-u-nowrap">{formatDate(item.due)}</td>
              {category === "overdue" && (
                <td className="nhsuk-table__cell nhsuk-table__cell--numeric">
                  <strong className="nhsuk-tag nhsuk-tag--red">{plural(item.days_late, "day", "days")}</strong>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Urgent results and follow-ups, most urgent first; each stays until a contact or a note addresses it. */
function FollowUps({ items }: { items: FollowUpView[] }) {
  return (
    <section aria-labelledby="today-follow-ups" data-testid="follow-ups">
      <h2 id="today-follow-ups" className="nhsuk-heading-m">
        Results and follow-ups to act on <span className="nhsuk-u-secondary-text-colour">({items.length})</span>
      </h2>
      <p className="nhsuk-body-s nhsuk-u-secondary-text-colour">
        Each stays here until a contact addresses it, or it is recorded as addressed on the family record.
      </p>
      <table className="nhsuk-table">
        <caption className="nhsuk-u-visually-hidden">Results and follow-ups: {plural(items.length, "item", "items")}</caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            <th scope="col" className="nhsuk-table__header">Who</th>
            <th scope="col" className="nhsuk-table__header">What</th>
            <th scope="col" className="nhsuk-table__header">Due by</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {items.map((v) => (
            <tr className="nhsuk-table__row" key={v.item.key} data-testid="follow-up" data-urgency={v.item.urgency}>
              <td className="nhsuk-table__cell">
                <a href={href({ screen: "family", familyId: v.item.family_id })}>{v.person ?? `${v.family} family`}</a>
              </td>
              <td className="nhsuk-table__cell">
                <strong className={urgencyTagClass(v.item.urgency)}>{URGENCY_LABELS[v.item.urgency]}</strong>{" "}
                {ukDatesIn(v.item.text)}
              </td>
              <td className="nhsuk-table__cell nhsuk-u-nowrap">{formatDate(v.item.due)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SyncSummary({ status }: { status: SyncStatus }) {
  return (
    <section aria-labelledby="today-sync" data-testid="sync-summary">
      <h2 id="today-sync" className="nhsuk-heading-m">Sync</h2>
      {!status.enrolled ? (
        <p>This laptop is not enrolled with a server, so nothing syncs. <a href={href({ screen: "sync" })}>Find out how to enrol</a>.</p>
      ) : (
        <dl className="nhsuk-summary-list ds-summary-stacked">
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Last synced</dt>
            <dd className="nhsuk-summary-list__value">{status.last_success_at ? formatDateTime(status.last_success_at) : "Not yet"}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Waiting to sync</dt>
            <dd className="nhsuk-summary-list__value">
              {status.pending.length === 0 ? "Nothing" : plural(status.pending.length, "family", "families")}
            </dd>
          </div>
          {status.last_error && (
            <div className="nhsuk-summary-list__row" data-testid="sync-summary-problem">
              <dt className="nhsuk-summary-list__key">Last sync</dt>
              <dd className="nhsuk-summary-list__value">
                <strong className="nhsuk-tag nhsuk-tag--red">Did not finish</strong>{" "}
                <a href={href({ screen: "sync" })}>See why and what to do</a>
              </dd>
            </div>
          )}
        </dl>
      )}
      <p>
        {status.conflicts === 0 ? (
          "No conflicts to review."
        ) : (
          <a href={href({ screen: "conflicts" })}>
            Review {plural(status.conflicts, "conflict", "conflicts")}
          </a>
        )}
      </p>
    </section>
  );
}

export function Today() {
  const work = useLoad(() => worklist({ from: null, to: null, practitioner: null }), []);
  const sync = useLoad(() => syncStatus(), []);
  const open = useLoad(() => followUps(), []);
  const items = work.data ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Today</h1>
      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-three-quarters">
          <ErrorSummary error={open.error} title="Results and follow-ups could not be loaded" />
          {open.data && open.data.length > 0 && <FollowUps items={open.data} />}
          {work.loading && !work.data && <Loading>Loading your worklist…</Loading>}
          <ErrorSummary error={work.error} title="Your worklist could not be loaded" />
          {work.error && (
            <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={work.reload}>Try again</button>
          )}
          {work.data && items.length === 0 && (
            <div className="nhsuk-inset-text">
              <span className="nhsuk-u-visually-hidden">Information: </span>
              <p>No reviews are due in the next 4 weeks.</p>
            </div>
          )}
          {ORDER.map((category) => {
            const group = items.filter((i) => i.category === category);
            return group.length > 0 ? <WorkTable key={category} category={category} items={group} /> : null;
          })}
        </div>
        <div className="nhsuk-grid-column-one-quarter">
          {sync.loading && !sync.data && <Loading>Loading sync status…</Loading>}
          {sync.error && (
            <section aria-labelledby="today-sync-error">
              <h2 id="today-sync-error" className="nhsuk-heading-m">Sync</h2>
              <p className="nhsuk-error-message">{asIpcError(sync.error).message}</p>
            </section>
          )}
          {sync.data && <SyncSummary status={sync.data} />}
        </div>
      </div>
    </>
  );
}
