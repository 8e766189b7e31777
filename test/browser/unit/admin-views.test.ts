import { describe, expect, it } from "vitest";
import type { Consultation } from "../../../src/domain/types";
import { yTicks } from "../../../src/web/admin/chart-scale";
import { overview } from "../../../src/web/admin/overview";
import { readStats, statsQuery } from "../../../src/web/admin/stats-shape";

const c = (requestIdx: number, over: Partial<Consultation> = {}): Consultation => ({
  requestIdx, status: "PENDING", requesterUserCode: "CUS001", requesterName: "고객", recipientUserCode: null,
  recipientName: null, category: "결제", title: "t", content: null, scheduledAt: null, rejectionReason: null,
  cancelReason: null, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", startedAt: null,
  endedAt: null, durationMinutes: null, lastActivityAt: null, messageCount: 0, chatLogKey: null, endedBy: null, ...over,
});

/** A SPEC 15 answer as the stats endpoint gives it (groupBy=day). */
const full = {
  from: "2026-01-01T00:00:00.000Z", to: "2026-01-03T00:00:00.000Z", groupBy: "day",
  totals: { created: 3, completed: 2, rejected: 0, cancelled: 1, messages: 40, waitSeconds: { mean: 12.5, p90: 30 }, firstResponseSeconds: { mean: 4, p90: 9 }, durationMinutes: { mean: 7.25 } },
  groups: [
    { key: "2026-01-01", created: 2, completed: 1, rejected: 0, cancelled: 1, messages: 30, waitSeconds: { mean: 10, p90: 30 }, firstResponseSeconds: { mean: null, p90: null }, durationMinutes: { mean: 5 } },
    { key: "2026-01-02", created: 1, completed: 1, rejected: 0, cancelled: 0, messages: 10, waitSeconds: { mean: 15, p90: 15 }, firstResponseSeconds: { mean: 4, p90: 4 }, durationMinutes: { mean: 9.5 } },
  ],
  byStatus: { COMPLETED: 2, CANCELLED: 1 }, meanDurationMinutes: 7.25, messagesLast24h: 3,
};

describe("readStats", () => {
  it("reads SPEC 15's shape: totals, groups with their keys, nulls kept as nothing to measure", () => {
    const v = readStats(full);
    expect(v.kind).toBe("full");
    if (v.kind !== "full") return;
    expect(v.groupBy).toBe("day");
    expect(v.totals.waitSeconds).toEqual({ mean: 12.5, p90: 30 });
    expect(v.groups.map((g) => [g.key, g.created, g.firstResponseSeconds.mean])).toEqual([["2026-01-01", 2, null], ["2026-01-02", 1, 4]]);
  });

  it("an older answer (no groups) falls back to the counts by status", () => {
    expect(readStats({ byStatus: { PENDING: 2, COMPLETED: "x" }, meanDurationMinutes: null, messagesLast24h: 5 })).toEqual({
      kind: "legacy", byStatus: { PENDING: 2, COMPLETED: 0 }, meanDurationMinutes: null, messagesLast24h: 5,
    });
    expect(readStats(null)).toEqual({ kind: "legacy", byStatus: {}, meanDurationMinutes: null, messagesLast24h: null });
  });

  it("malformed numbers and groups do not break the view", () => {
    const v = readStats({ ...full, groupBy: "weird", groups: [{ key: 7, created: "3" }] });
    if (v.kind !== "full") throw new Error("expected the full shape");
    expect(v.groupBy).toBe("day");
    expect(v.groups[0]).toMatchObject({ key: "7", created: 0, waitSeconds: { mean: null, p90: null } });
  });

  it("builds the query with ISO instants, the grouping and the CSV format", () => {
    const q = new URL(statsQuery("2026-01-01", "2026-01-02", "counselor", "csv"), "http://x").searchParams;
    expect(q.get("groupBy")).toBe("counselor");
    expect(q.get("format")).toBe("csv");
    expect(Date.parse(q.get("to")!) - Date.parse(q.get("from")!)).toBe(2 * 86_400_000 - 1);
    expect(new URL(statsQuery("", "", "day"), "http://x").searchParams.has("from")).toBe(false);
  });
});

describe("overview", () => {
  it("counts by status, queue length and longest wait per category, open per counselor", () => {
    const now = Date.parse("2026-01-01T01:00:00.000Z");
    const v = overview(
      [
        c(1),
        c(2, { createdAt: "2026-01-01T00:30:00.000Z" }),
        c(3, { category: "배송", createdAt: "2026-01-01T00:50:00.000Z" }),
        c(4, { status: "IN_PROGRESS", recipientUserCode: "AGT001", recipientName: "박상담" }),
        c(5, { status: "SCHEDULED", recipientUserCode: "AGT001", recipientName: "박상담", category: null }),
        c(6, { status: "PENDING", recipientUserCode: "PROF001", recipientName: "김교수", category: null }),
      ],
      now,
    );
    expect(v.counts).toEqual({ PENDING: 4, SCHEDULED: 1, IN_PROGRESS: 1 });
    expect(v.queues).toEqual([
      { category: "결제", length: 2, longestWaitMs: 3_600_000 },
      { category: "배송", length: 1, longestWaitMs: 600_000 },
    ]);
    expect(v.perCounselor).toEqual([
      { userCode: "AGT001", name: "박상담", open: 2 },
      { userCode: "PROF001", name: "김교수", open: 1 },
    ]);
    expect(v.categories).toEqual(["", "배송", "결제"].sort());
  });
});

describe("yTicks", () => {
  it("round steps from 0 that reach the maximum", () => {
    expect(yTicks(0)).toEqual([0, 1]);
    expect(yTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(yTicks(100)).toEqual([0, 50, 100]);
    expect(yTicks(3)).toEqual([0, 1, 2, 3]);
    expect(yTicks(2)).toEqual([0, 1, 2]); // counts: no half steps
  });
});
