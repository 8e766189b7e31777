import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RoomGateway } from "../../src/chat/room-client";
import { cleanupOrphans } from "../../src/cron/orphan-cleanup";
import { upstreamError } from "../../src/domain/errors";
import worker from "../../src/index";
import { getServices } from "../../src/config/services";

const testEnv = env;
const HOUR = 3_600_000;
const T0 = new Date("2030-01-01T00:00:00Z");
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const repository = () => getServices(testEnv).repository;

/** A consultation as a student's request to PROF001, optionally started or scheduled at `when`. */
async function consultation(kind: "started" | "scheduled" | "pending", when: Date, scheduledAt: Date | null = null) {
  const repo = repository();
  const c = await repo.create({
    requesterUserCode: "STU001",
    requesterName: "학생",
    recipientUserCode: "PROF001",
    recipientName: "교수",
    category: null,
    title: "질문",
    content: null,
    scheduledAt,
    now: when,
  });
  if (kind === "pending") return c.requestIdx;
  const status = kind === "started" ? "IN_PROGRESS" : "SCHEDULED";
  const changes = { status, startedAt: kind === "started" ? when : undefined, now: when } as const;
  expect(await repo.transition(c.requestIdx, { statuses: ["PENDING"] }, changes)).not.toBeNull();
  return c.requestIdx;
}

async function runCron(when: Date) {
  const controller = createScheduledController({ scheduledTime: when.getTime(), cron: "*/5 * * * *" });
  await worker.scheduled(controller, testEnv);
}

const status = async (id: number) => (await repository().findById(id))!;

describe("orphan cleanup (cron trigger)", () => {
  it("ends open consultations idle for ORPHAN_HOURS (60) by SYSTEM, and nothing else", async () => {
    const idleStarted = await consultation("started", at(0));
    const active = await consultation("started", at(0));
    await repository().recordActivity(active, at(30), 4);
    const scheduledLater = await consultation("scheduled", at(0), at(100));
    const scheduledLongAgo = await consultation("scheduled", at(0), at(-10));
    const neverStarted = await consultation("pending", at(0));

    await runCron(at(59.9));
    expect((await status(idleStarted)).status).toBe("IN_PROGRESS");

    await runCron(at(61));
    const ended = await status(idleStarted);
    expect(ended).toMatchObject({ status: "COMPLETED", endedBy: "SYSTEM", durationMinutes: 61 * 60 });
    expect(ended.endedAt).toBe(at(61).toISOString());
    expect((await status(scheduledLongAgo)).status).toBe("COMPLETED");
    // Idle counts from the latest of last message, last state change and scheduledAt.
    expect((await status(active)).status).toBe("IN_PROGRESS");
    expect((await status(scheduledLater)).status).toBe("SCHEDULED");
    // Not open: a request nobody accepted is never "orphaned".
    expect((await status(neverStarted)).status).toBe("PENDING");

    await runCron(at(91));
    expect((await status(active)).status).toBe("COMPLETED");
    expect((await status(scheduledLater)).status).toBe("SCHEDULED");
    await runCron(at(161));
    expect((await status(scheduledLater)).status).toBe("COMPLETED");
    expect((await status(neverStarted)).status).toBe("PENDING");

    // An ended consultation is not touched again.
    const before = await status(idleStarted);
    await runCron(at(500));
    expect(await status(idleStarted)).toEqual(before);
  });

  it("an archive failure leaves the consultation open for the next run, without stopping the others", async () => {
    const first = await consultation("started", at(1000));
    const second = await consultation("started", at(1000));
    const calls: number[] = [];
    const gateway: RoomGateway = {
      async statusChanged() {},
      async archive(c) {
        calls.push(c.requestIdx);
        if (c.requestIdx === first) throw upstreamError("the archive", new Error("down"));
        return { chatLogKey: `archive/chat_${c.requestIdx}_final.txt` };
      },
      async completed() {},
      async holdStarts() {},
    };
    const deps = { repository: repository(), gateway, now: () => at(1061) };
    const report = await cleanupOrphans(deps, { now: at(1061), orphanHours: 60, batch: 10 });

    expect(report).toEqual({ ended: [second], failed: [first] });
    expect(calls.sort()).toEqual([first, second].sort());
    expect((await status(first)).status).toBe("IN_PROGRESS");
    expect(await status(second)).toMatchObject({ status: "COMPLETED", chatLogKey: `archive/chat_${second}_final.txt` });

    const retry = await cleanupOrphans({ ...deps, gateway: { ...gateway, archive: async () => ({ chatLogKey: null }) } }, {
      now: at(1062),
      orphanHours: 60,
      batch: 10,
    });
    expect(retry).toEqual({ ended: [first], failed: [] });
  });

  it("ends at most `batch` per run; the backlog drains over later runs", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await consultation("started", at(2000 + i)));
    const deps = { repository: repository(), gateway: noopGateway, now: () => at(2100) };
    const first = await cleanupOrphans(deps, { now: at(2100), orphanHours: 60, batch: 2 });
    expect(first.ended).toEqual(ids.slice(0, 2)); // oldest idle first
    const second = await cleanupOrphans(deps, { now: at(2100), orphanHours: 60, batch: 2 });
    expect(second.ended).toEqual(ids.slice(2));
  });

  it("ORPHAN_HOURS comes from configuration", async () => {
    const id = await consultation("started", at(3000));
    const shortEnv: Env = { ...testEnv, ORPHAN_HOURS: "2" };
    const controller = createScheduledController({ scheduledTime: at(3002.5).getTime() });
    await worker.scheduled(controller, shortEnv);
    expect((await status(id)).status).toBe("COMPLETED");
  });
});

const noopGateway: RoomGateway = {
  async statusChanged() {},
  async archive() {
    return { chatLogKey: null };
  },
  async completed() {},
  async holdStarts() {},
};
