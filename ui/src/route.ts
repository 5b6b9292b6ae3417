// A hash router: the desktop window has one page; the hash names the
// screen, e.g. #/family/<id>. No history API, no remote navigation.
import { useEffect, useState } from "react";

export type Route =
  | { screen: "today" }
  | { screen: "caseload" }
  | { screen: "register" }
  | { screen: "family"; familyId: string }
  | { screen: "contact"; familyId: string }
  | { screen: "contact-edit"; familyId: string; contactId: string }
  | { screen: "form"; familyId: string; responseId: string }
  | { screen: "sync" }
  | { screen: "conflicts" }
  | { screen: "reports" };

/** Parses a location hash. Unknown hashes go to Today. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case "caseload":
      return { screen: "caseload" };
    case "register":
      return { screen: "register" };
    case "family":
      if (parts[1] && parts[2] === "contact" && parts[3])
        return { screen: "contact-edit", familyId: parts[1], contactId: parts[3] };
      if (parts[1] && parts[2] === "contact") return { screen: "contact", familyId: parts[1] };
      if (parts[1] && parts[2] === "form" && parts[3])
        return { screen: "form", familyId: parts[1], responseId: parts[3] };
      if (parts[1]) return { screen: "family", familyId: parts[1] };
      return { screen: "caseload" };
    case "sync":
      return { screen: "sync" };
    case "conflicts":
      return { screen: "conflicts" };
    case "reports":
      return { screen: "reports" };
    default:
      return { screen: "today" };
  }
}

/** The hash for a route. */
export function href(route: Route): string {
  switch (route.screen) {
    case "family":
      return `#/family/${encodeURIComponent(route.familyId)}`;
    case "contact":
      return `#/family/${encodeURIComponent(route.familyId)}/contact`;
    case "contact-edit":
      return `#/family/${encodeURIComponent(route.familyId)}/contact/${encodeURIComponent(route.contactId)}`;
    case "form":
      return `#/family/${encodeURIComponent(route.familyId)}/form/${encodeURIComponent(route.responseId)}`;
    default:
      return `#/${route.screen}`;
  }
}

/** Goes to a route. */
export function navigate(route: Route): void {
  window.location.hash = href(route);
}

/**
 * Asked before the route changes: true lets the change happen; false keeps
 * the screen (which then asks the user) and puts the address back.
 */
export type LeaveGuard = (to: string) => boolean;
let leaveGuard: LeaveGuard | null = null;

/** Sets (or clears, with null) the one screen's guard against leaving with unsaved edits. */
export function setLeaveGuard(guard: LeaveGuard | null): void {
  leaveGuard = guard;
}

/** The current route, updated when the hash changes (unless a leave guard keeps the screen). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    let current = window.location.hash;
    const onChange = () => {
      const to = window.location.hash;
      if (to !== current && leaveGuard && !leaveGuard(to)) {
        window.history.replaceState(null, "", current || "#/");
        return;
      }
      current = to;
      setRoute(parseRoute(to));
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
