import type { Consultation } from "../../domain/types";

export interface Overview {
  counts: { PENDING: number; SCHEDULED: number; IN_PROGRESS: number };
  queues: { category: string; length: number; longestWaitMs: number }[];
  perCounselor: { userCode: string; name: string | null; open: number }[];
  categories: string[];
}

/**
 * The dashboard's live figures from the open consultations: counts by status, each
 * queue's length and longest wait (unassigned PENDING ones, by category), and the open
 * conversations per counselor. Pure, unit-tested.
 */
export function overview(open: readonly Consultation[], now: number): Overview {
  const counts = { PENDING: 0, SCHEDULED: 0, IN_PROGRESS: 0 };
  const queues = new Map<string, { length: number; oldest: number }>();
  const perCounselor = new Map<string, { name: string | null; open: number }>();
  const categories = new Set<string>();
  for (const c of open) {
    if (c.status === "PENDING" || c.status === "SCHEDULED" || c.status === "IN_PROGRESS") counts[c.status]++;
    categories.add(c.category ?? "");
    if (c.status === "PENDING" && c.recipientUserCode === null) {
      const q = queues.get(c.category ?? "") ?? { length: 0, oldest: Infinity };
      q.length++;
      q.oldest = Math.min(q.oldest, Date.parse(c.createdAt));
      queues.set(c.category ?? "", q);
    } else if (c.recipientUserCode) {
      const p = perCounselor.get(c.recipientUserCode) ?? { name: c.recipientName, open: 0 };
      p.open++;
      perCounselor.set(c.recipientUserCode, p);
    }
  }
  return {
    counts,
    queues: [...queues].map(([category, q]) => ({ category, length: q.length, longestWaitMs: Math.max(0, now - q.oldest) })).sort((a, b) => b.longestWaitMs - a.longestWaitMs),
    perCounselor: [...perCounselor].map(([userCode, p]) => ({ userCode, ...p })).sort((a, b) => b.open - a.open || (a.userCode < b.userCode ? -1 : 1)),
    categories: [...categories].sort(),
  };
}
