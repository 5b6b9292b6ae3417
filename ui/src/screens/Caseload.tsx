// Caseload: the families on this laptop, searched, filtered, sorted and
// paged (a family found by a member's NHS number says whose), with each
// family's next review, and the caseload summary; and the way to register
// a new household.
import { useEffect, useState, type FormEvent } from "react";
import {
  caseloadSummary, listFamilies, worklist,
  type FamilyQuery, type FlagKind, type LevelOfService, type SortBy, type WorkItem,
} from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { Select, TextInput } from "../components/fields";
import { href } from "../route";
import { CaseloadSummaryPanel } from "../components/shell/CaseloadSummaryPanel";
import {
  FLAG_LABELS, LEVEL_LABELS, flagLabel, flagTagClass, formatDate, kindLabel, levelLabel, levelTagClass, londonToday, plural,
} from "../components/shell/format";
import { Loading } from "../components/shell/Layout";
import { fieldError } from "../components/shell/problems";
import { useLoad } from "../components/shell/useLoad";

export const PER_PAGE = 25;

const LEVEL_OPTIONS = (Object.keys(LEVEL_LABELS) as LevelOfService[]).map((value) => ({ value, label: LEVEL_LABELS[value] }));
const FLAG_OPTIONS = (Object.keys(FLAG_LABELS) as FlagKind[]).map((value) => ({ value, label: FLAG_LABELS[value] }));
const SORT_OPTIONS: { value: SortBy; label: string }[] = [
  { value: "name", label: "Name" },
  { value: "postcode", label: "Postcode" },
  { value: "level", label: "Level of service" },
  { value: "newest", label: "Newest first" },
];

/** A day a year on, for the next-review look-ahead. */
function yearAhead(today: string): string {
  const [y, m, d] = today.split("-");
  return `${Number(y) + 1}-${m}-${d === "29" && m === "02" ? "28" : d}`;
}

/** Each family's most urgent review in the next year (the worklist is most urgent first). */
function useNextReviews() {
  const load = useLoad(() => worklist({ from: null, to: yearAhead(londonToday()), practitioner: null }), []);
  const next = new Map<string, WorkItem>();
  for (const item of load.data ?? []) if (!next.has(item.family_id)) next.set(item.family_id, item);
  return { next, loaded: Boolean(load.data), error: load.error };
}

function NextReview({ item }: { item: WorkItem | undefined }) {
  if (!item) return <span className="nhsuk-u-secondary-text-colour">None in the next year</span>;
  return (
    <>
      {kindLabel(item.kind)}, {item.category === "overdue" ? "was due" : "due"} {formatDate(item.due)}
      {item.category === "overdue" && <> <strong className="nhsuk-tag nhsuk-tag--red">Overdue</strong></>}
    </>
  );
}

export function Caseload() {
  const [searchText, setSearchText] = useState("");
  const [query, setQuery] = useState<FamilyQuery>({
    level: null, flag: null, practitioner: null, search: null, sort: "name", page: 1, per_page: PER_PAGE, include_entered_in_error: false,
  });
  const families = useLoad(() => listFamilies(query), [query]);
  const summary = useLoad(() => caseloadSummary(), []);
  const reviews = useNextReviews();

  // Search as you type, once typing pauses.
  useEffect(() => {
    const wanted = searchText.trim() || null;
    if (wanted === query.search) return;
    const t = setTimeout(() => setQuery((q) => ({ ...q, search: wanted, page: 1 })), 400);
    return () => clearTimeout(t);
  }, [searchText, query.search]);

  function searchNow(e: FormEvent) {
    e.preventDefault();
    setQuery((q) => ({ ...q, search: searchText.trim() || null, page: 1 }));
  }

  function clearFilters() {
    setSearchText("");
    setQuery((q) => ({ ...q, level: null, flag: null, search: null, page: 1 }));
  }

  const page = families.data;
  const pages = page ? Math.max(1, Math.ceil(page.total / page.per_page)) : 1;
  const filtered = query.level || query.flag || query.search;
  const first = page && page.total > 0 ? (page.page - 1) * page.per_page + 1 : 0;
  const last = page ? first + page.families.length - 1 : 0;

  return (
    <>
      <h1 tabIndex={-1}>Caseload</h1>
      <a className="nhsuk-button nhsuk-button--secondary" href={href({ screen: "register" })} draggable="false">
        Register a household
      </a>
      <form className="ds-filters" onSubmit={searchNow} noValidate role="search" aria-label="Families">
        <div className="ds-filters__search">
          <TextInput name="search" label="Search by name, NHS number or postcode" value={searchText} onChange={setSearchText}
            error={fieldError(families.error, "search", "Search")} />
          <button type="submit" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small">Search</button>
        </div>
        <Select name="level" label="Level of service" value={query.level ?? ""} placeholder="All levels" options={LEVEL_OPTIONS}
          onChange={(v) => setQuery((q) => ({ ...q, level: (v || null) as LevelOfService | null, page: 1 }))}
          error={fieldError(families.error, "level", "Level")} />
        <Select name="flag" label="Flag" value={query.flag ?? ""} placeholder="All families" options={FLAG_OPTIONS}
          onChange={(v) => setQuery((q) => ({ ...q, flag: (v || null) as FlagKind | null, page: 1 }))}
          error={fieldError(families.error, "flag", "Flag")} />
        <Select name="sort" label="Sort by" value={query.sort} options={SORT_OPTIONS}
          onChange={(v) => setQuery((q) => ({ ...q, sort: v as SortBy, page: 1 }))} />
      </form>
      {filtered && (
        <p>
          <button type="button" className="ds-link-button" onClick={clearFilters}>Clear search and filters</button>
        </p>
      )}

      <ErrorSummary error={families.error} title="The caseload could not be loaded" />
      {families.loading && <Loading>Loading families…</Loading>}
      {page && (
        <>
          <p className="nhsuk-body" role="status" data-testid="family-count">
            {page.total === 0
              ? filtered ? "No families match your search and filters." : "There are no families on this laptop yet."
              : `Showing ${first} to ${last} of ${plural(page.total, "family", "families")}`}
          </p>
          {page.families.length > 0 && (
            <table className="nhsuk-table ds-table-compact">
              <caption className="nhsuk-u-visually-hidden">Families, page {page.page} of {pages}</caption>
              <thead className="nhsuk-table__head">
                <tr className="nhsuk-table__row">
                  <th scope="col" className="nhsuk-table__header">Family</th>
                  <th scope="col" className="nhsuk-table__header">Address</th>
                  <th scope="col" className="nhsuk-table__header">Level</th>
                  <th scope="col" className="nhsuk-table__header">Flags</th>
                  <th scope="col" className="nhsuk-table__header nhsuk-table__header--numeric">Children under 5</th>
                  <th scope="col" className="nhsuk-table__header">Next review</th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {page.families.map((f) => (
                  <tr className="nhsuk-table__row" key={f.id} data-testid="family-row">
                    <td className="nhsuk-table__cell">
                      <a href={href({ screen: "family", familyId: f.id })} data-testid="family-link">{f.name}</a>
                      {f.matched && (
                        <p className="nhsuk-body-s nhsuk-u-margin-bottom-1" data-testid="family-matched">
                          <strong>Found by {f.matched}</strong>
                        </p>
                      )}
                      {f.children.length > 0 && (
                        <ul className="nhsuk-list nhsuk-body-s nhsuk-u-margin-bottom-0" data-testid="family-children">
                          {f.children.map((c, i) => (
                            <li key={i} className="nhsuk-u-margin-bottom-0">
                              {c.name}
                              {c.date_of_birth ? `, born ${formatDate(c.date_of_birth)}` : c.due ? `, due ${formatDate(c.due)}` : ""}
                            </li>
                          ))}
                        </ul>
                      )}
                      {f.interpreter_needed && <><br /><span className="nhsuk-body-s">Interpreter needed</span></>}
                      {f.entered_in_error && <><br /><strong className="nhsuk-tag nhsuk-tag--grey">Entered in error</strong></>}
                    </td>
                    <td className="nhsuk-table__cell">
                      {f.address_line1}
                      <br />
                      <span className="nhsuk-u-nowrap">{f.postcode}</span>
                    </td>
                    <td className="nhsuk-table__cell">
                      <strong className={levelTagClass(f.level)}>{levelLabel(f.level)}</strong>
                    </td>
                    <td className="nhsuk-table__cell">
                      {f.flags.length === 0 ? (
                        <span className="nhsuk-u-visually-hidden">None</span>
                      ) : (
                        <ul className="nhsuk-list ds-tag-list">
                          {f.flags.map((flag) => (
                            <li key={flag}><strong className={flagTagClass(flag)}>{flagLabel(flag)}</strong></li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td className="nhsuk-table__cell nhsuk-table__cell--numeric">{f.children_under5}</td>
                    <td className="nhsuk-table__cell">
                      {reviews.loaded ? <NextReview item={reviews.next.get(f.id)} /> : reviews.error ? "Not available" : "…"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {pages > 1 && (
            <nav className="ds-pager" aria-label="Pages of families">
              <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                disabled={page.page <= 1 || families.loading}
                onClick={() => setQuery((q) => ({ ...q, page: q.page - 1 }))}>
                Previous{" "}<span className="nhsuk-u-visually-hidden">page</span>
              </button>
              <span className="nhsuk-body">Page {page.page} of {pages}</span>
              <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                disabled={page.page >= pages || families.loading}
                onClick={() => setQuery((q) => ({ ...q, page: q.page + 1 }))}>
                Next{" "}<span className="nhsuk-u-visually-hidden">page</span>
              </button>
            </nav>
          )}
        </>
      )}

      {reviews.error && (
        <p className="nhsuk-body-s nhsuk-u-secondary-text-colour">Next reviews could not be worked out: {reviews.error.message}</p>
      )}

      {summary.loading && !summary.data && <Loading>Loading the caseload summary…</Loading>}
      {summary.error && (
        <section aria-labelledby="summary-error">
          <h2 id="summary-error">Caseload summary</h2>
          <p className="nhsuk-error-message">{summary.error.message}</p>
        </section>
      )}
      {summary.data && <CaseloadSummaryPanel summary={summary.data} />}
    </>
  );
}
