import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { createD1Repository } from "../../src/stores/consultation-repository/d1";
import { consultationRequest } from "../../src/stores/consultation-repository/d1-schema";
import type { NewConsultation } from "../../src/stores/consultation-repository/port";
import { idleOpenOrder, idleOpenWhere } from "../../src/stores/consultation-repository/query-parts";
import { ApiError } from "../../src/domain/errors";
import { testEnv } from "../support/api";

const repo = createD1Repository(testEnv.DB);
const H = 3600_000;
const T0 = Date.parse("2030-06-01T00:00:00Z");
const at = (hours: number) => new Date(T0 + hours * H);

const request = (now: Date, extra: Partial<NewConsultation> = {}): NewConsultation => ({
  requesterUserCode: "REPO-STU", requesterName: "s", recipientUserCode: "REPO-PROF", recipientName: "p",
  category: null, title: "t", content: null, scheduledAt: null, now, ...extra,
});

async function inState(status: "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "TRANSFERRED", now: Date, scheduledAt?: Date) {
  const c = await repo.create(request(now));
  const guard = { statuses: ["PENDING"] as const, recipientUserCode: "REPO-PROF" };
  if (status === "SCHEDULED") return (await repo.transition(c.requestIdx, guard, { status, scheduledAt, now }))!;
  const started = (await repo.transition(c.requestIdx, guard, { status: "IN_PROGRESS", startedAt: now, now }))!;
  if (status === "IN_PROGRESS") return started;
  const next = status === "TRANSFERRED" ? { status: "PENDING" as const, recipientUserCode: null } : { status: "COMPLETED" as const };
  return (await repo.transition(c.requestIdx, { statuses: ["IN_PROGRESS"] }, { ...next, now }))!;
}

describe("transition", () => {
  it("applies only when every guard field matches, and leaves the row alone otherwise", async () => {
    const c = await repo.create(request(at(0)));
    expect(await repo.transition(c.requestIdx, { statuses: ["SCHEDULED"] }, { status: "COMPLETED", now: at(1) })).toBeNull();
    expect(await repo.transition(c.requestIdx, { statuses: ["PENDING"], recipientUserCode: null }, { status: "SCHEDULED", now: at(1) })).toBeNull();
    expect(await repo.transition(c.requestIdx, { statuses: ["PENDING"], requesterUserCode: "X" }, { status: "CANCELLED", now: at(1) })).toBeNull();
    expect(await repo.transition(c.requestIdx, { statuses: ["PENDING"], neverStarted: false }, { status: "CANCELLED", now: at(1) })).toBeNull();
    expect(await repo.findById(c.requestIdx)).toEqual(c);
    const ok = await repo.transition(c.requestIdx, { statuses: ["PENDING"], recipientUserCode: "REPO-PROF", neverStarted: true }, { status: "CANCELLED", cancelReason: "r", now: at(1) });
    expect(ok).toMatchObject({ status: "CANCELLED", cancelReason: "r", updatedAt: at(1).toISOString(), recipientName: "p" });
  });

  it("wraps store failures as UPSTREAM_UNAVAILABLE", async () => {
    const broken = createD1Repository({
      prepare() {
        throw new Error("D1 is down");
      },
    } as unknown as D1Database);
    const err = await broken.findById(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 503 });
  });
});

describe("recordActivity", () => {
  it("only moves lastActivityAt and messageCount forward", async () => {
    const c = await inState("IN_PROGRESS", at(-100));
    await repo.recordActivity(c.requestIdx, at(-50), 10);
    await repo.recordActivity(c.requestIdx, at(-70), 4);
    expect(await repo.findById(c.requestIdx)).toMatchObject({ lastActivityAt: at(-50).toISOString(), messageCount: 10, status: "IN_PROGRESS" });
  });
});

describe("findIdleOpen", () => {
  it("finds open consultations idle since before the cutoff, counting activity, state changes and scheduledAt", async () => {
    const idleScheduled = await inState("SCHEDULED", at(-100));
    const futureSchedule = await inState("SCHEDULED", at(-100), at(10));
    const active = await inState("IN_PROGRESS", at(-100));
    await repo.recordActivity(active.requestIdx, at(-1), 3);
    const idleInProgress = await inState("IN_PROGRESS", at(-100));
    await repo.recordActivity(idleInProgress.requestIdx, at(-90), 3);
    const completed = await inState("COMPLETED", at(-100));
    const neverStarted = await repo.create(request(at(-100)));
    const transferred = await inState("TRANSFERRED", at(-100));

    const found = (await repo.findIdleOpen(at(-60), 100)).map((c) => c.requestIdx);
    expect(found).toEqual(expect.arrayContaining([idleScheduled.requestIdx, idleInProgress.requestIdx, transferred.requestIdx]));
    for (const c of [futureSchedule, active, completed, neverStarted]) expect(found).not.toContain(c.requestIdx);
    // Stalest first: idleInProgress moved to -90h, the others stayed at -100h.
    expect(found.indexOf(idleInProgress.requestIdx)).toBeGreaterThan(found.indexOf(idleScheduled.requestIdx));
    expect(await repo.findIdleOpen(at(-60), 1)).toHaveLength(1);
  });

  it("reads through the idle_since index", async () => {
    const t = consultationRequest;
    const q = drizzle(testEnv.DB).select().from(t).where(idleOpenWhere(t, at(0))).orderBy(...idleOpenOrder(t)).limit(10).toSQL();
    const plan = await testEnv.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).bind(...q.params).all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail).join("\n");
    expect(details).toMatch(/USING INDEX idx_consultation_idle \(idle_since<\?\)/);
    expect(details).not.toMatch(/SCAN consultation_request(?! USING)/);
  });
});
