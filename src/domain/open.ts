import type { ConsultationStatus } from "./types";

/**
 * SPEC section 2: open = SCHEDULED or IN_PROGRESS, or PENDING after a transfer (it has a
 * startedAt). A never-started PENDING request is not open: it can be rejected or
 * cancelled, not ended.
 */
export function isOpen(c: { status: ConsultationStatus; startedAt: unknown }): boolean {
  if (c.status === "SCHEDULED" || c.status === "IN_PROGRESS") return true;
  return c.status === "PENDING" && c.startedAt !== null && c.startedAt !== undefined;
}
