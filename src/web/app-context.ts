import type { InboxConnection } from "./live/inbox-connection";
import type { Session } from "./session";

/** What every view gets: who is signed in, what they may do, and how to move on. */
export interface AppContext {
  session: Session;
  caps: Capabilities;
  /** The tab's one inbox socket: live list, unread counts, queues, status changes. */
  inbox: InboxConnection;
  navigate(path: string): void;
  /** Shows a short message in the page's live region (screen readers announce it). */
  announce(message: string): void;
}

/** Roles are configured on the server (COUNSELOR_ROLES, ADMIN_ROLES), so the app asks it. */
export interface Capabilities {
  counselor: boolean;
  admin: boolean;
}

/** A view renders into `root` and returns what stops its timers and sockets. */
export type View = (root: HTMLElement, ctx: AppContext, params: Record<string, string>) => (() => void) | void;
