// The page frame in the NHS.UK pattern: a skip link, the header (service
// name, who is signed in, the Keyboard shortcuts and Lock buttons, the
// primary navigation), an optional status bar, the main content, and an
// optional overlay (a dialog) after it.
import type { ReactNode } from "react";
import { href, type Route } from "../../route";
import type { ProfileStatus } from "../../ipc";
import { roleLabel } from "./format";

/** Focuses the main heading (or else the main element); true if there was one. */
export function focusMainHeading(): boolean {
  const main = document.getElementById("maincontent");
  if (!main) return false;
  const h1 = main.querySelector("h1");
  const target = (h1 ?? main) as HTMLElement;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
  return Boolean(h1);
}

function SkipLink() {
  return (
    <a
      className="nhsuk-skip-link"
      href="#maincontent"
      onClick={(e) => {
        // The hash names the screen, so the link must not change it.
        e.preventDefault();
        focusMainHeading();
      }}
    >
      Skip to main content
    </a>
  );
}

function Logo() {
  return (
    <svg className="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS">
      <title>NHS</title>
      <path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z" />
    </svg>
  );
}

function UserIcon() {
  return (
    <svg className="nhsuk-icon nhsuk-icon--user" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16" focusable="false" aria-hidden="true">
      <path d="M12 1a11 11 0 1 1 0 22 11 11 0 0 1 0-22Zm0 2a9 9 0 0 0-5 16.5V18a4 4 0 0 1 4-4h2a4 4 0 0 1 4 4v1.5A9 9 0 0 0 12 3Zm0 3a3.5 3.5 0 1 1-3.5 3.5A3.4 3.4 0 0 1 12 6Z" />
    </svg>
  );
}

export const NAV: { route: Route; label: string }[] = [
  { route: { screen: "today" }, label: "Today" },
  { route: { screen: "caseload" }, label: "Caseload" },
  { route: { screen: "sync" }, label: "Sync" },
  { route: { screen: "conflicts" }, label: "Conflicts" },
  { route: { screen: "reports" }, label: "Reports" },
];

/** Which navigation item a route belongs to (a family's pages, and registering one, belong to Caseload). */
export function navSection(route: Route): Route["screen"] {
  return route.screen === "family" || route.screen === "contact" || route.screen === "form" || route.screen === "register"
    ? "caseload"
    : route.screen;
}

export function Frame({ profile, route, onLock, locking, onShortcuts, status, overlay, children }: {
  /** Who is signed in (shown once unlocked). */
  profile?: ProfileStatus;
  /** The current route: shows the navigation. */
  route?: Route;
  onLock?: () => void;
  locking?: boolean;
  /** Opens the keyboard shortcuts help (shown with the Lock button). */
  onShortcuts?: () => void;
  status?: ReactNode;
  /** Shown over the page, e.g. a dialog. */
  overlay?: ReactNode;
  children: ReactNode;
}) {
  const section = route ? navSection(route) : null;
  return (
    <>
      <SkipLink />
      <header className="nhsuk-header" role="banner">
        <div className="nhsuk-header__container nhsuk-width-container">
          <div className="nhsuk-header__service">
            {route ? (
              <a className="nhsuk-header__service-logo" href={href({ screen: "today" })}>
                <Logo />
                <span className="nhsuk-header__service-name">Doorstep</span>
              </a>
            ) : (
              <>
                <Logo />
                <span className="nhsuk-header__service-name">Doorstep</span>
              </>
            )}
          </div>
          {profile && onLock && (
            <nav className="nhsuk-header__account" aria-label="Account">
              <ul className="nhsuk-header__account-list">
                <li className="nhsuk-header__account-item" data-testid="practitioner">
                  <UserIcon />
                  {profile.practitioner}
                  {profile.role && <>, {roleLabel(profile.role)}</>}
                  {profile.team && <> ({profile.team})</>}
                </li>
                {onShortcuts && (
                  <li className="nhsuk-header__account-item">
                    <button type="button" className="nhsuk-header__account-button" onClick={onShortcuts}>
                      Keyboard shortcuts
                    </button>
                  </li>
                )}
                <li className="nhsuk-header__account-item">
                  <button type="button" className="nhsuk-header__account-button" onClick={onLock} disabled={locking}>
                    {locking ? "Locking…" : "Lock"}
                  </button>
                </li>
              </ul>
            </nav>
          )}
        </div>
        {route && (
          <nav className="nhsuk-header__navigation" aria-label="Menu">
            <div className="nhsuk-header__navigation-container nhsuk-width-container">
              <ul className="nhsuk-header__navigation-list">
                {NAV.map((item) => {
                  const exact = route.screen === item.route.screen;
                  const current = section === item.route.screen;
                  return (
                    <li
                      key={item.label}
                      className={"nhsuk-header__navigation-item" + (current ? " nhsuk-header__navigation-item--current" : "")}
                    >
                      <a
                        className="nhsuk-header__navigation-link"
                        href={href(item.route)}
                        aria-current={exact ? "page" : current ? "true" : undefined}
                      >
                        {current ? <strong className="nhsuk-header__navigation-item-current-fallback">{item.label}</strong> : item.label}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </div>
          </nav>
        )}
        {status}
      </header>
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper ds-main" id="maincontent" tabIndex={-1}>
          {children}
        </main>
      </div>
      {overlay}
    </>
  );
}

/** A loading line, announced politely. */
export function Loading({ children = "Loading…" }: { children?: ReactNode }) {
  return (
    <p className="nhsuk-body ds-loading" role="status">
      {children}
    </p>
  );
}
