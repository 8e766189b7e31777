import { signal } from "@preact/signals";
import type { InboxConnection } from "../live/inbox-connection";
import type { Session } from "../session";

/** Roles are configured on the server (COUNSELOR_ROLES, ADMIN_ROLES), so the app asks it. */
export interface Capabilities {
  counselor: boolean;
  admin: boolean;
}

/**
 * The app's shared state as signals: who is signed in, what they may do, the tab's one
 * inbox socket, and a counter that moves with every inbox frame (components that read it
 * re-render from the inbox store). Pages read these; nothing else is global.
 */
export const session = signal<Session | null>(null);
export const caps = signal<Capabilities>({ counselor: false, admin: false });
export const inbox = signal<InboxConnection | null>(null);
export const inboxVersion = signal(0);
/** The current path (the router's one source). */
export const path = signal(location.pathname);
/** A coarse clock for waiting times (minutes matter, not seconds): no network involved. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now()), 15_000);

/** Moves to `to` without a reload; views render from `path`. */
export function navigate(to: string): void {
  if (to !== location.pathname + location.search) history.pushState(null, "", to);
  path.value = location.pathname;
}

window.addEventListener("popstate", () => (path.value = location.pathname));

// In-app links navigate without reloading (keeps the session and sockets tidy).
document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest?.("a[data-link]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.getAttribute("href")!);
});

const announcer = () => document.getElementById("announcer");

/** Shows a short message in the page's live region (screen readers announce it). */
export function announce(message: string): void {
  const live = announcer();
  if (!live) return;
  live.textContent = "";
  // A fresh text node after clearing makes screen readers repeat identical messages too.
  requestAnimationFrame(() => (live.textContent = message));
}
