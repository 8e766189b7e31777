import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { planAction, planEnd } from "../../src/domain/rules";
import type { Consultation, User } from "../../src/domain/types";
import { createD1Repository } from "../../src/stores/consultation-repository/d1";
import { createPlanetscaleClient, createPlanetscaleRepository } from "../../src/stores/consultation-repository/planetscale";
import type { ConsultationRepository, MetricsQuery, NewAttachment, NewConsultation } from "../../src/stores/consultation-repository/port";
import { failureCode, stack, whileDown } from "./support/stack";

/**
 * The ConsultationRepository contract, run against D1 (embedded) and PlanetScale (the
 * production client over the HTTP gateway and a real MariaDB). Guards and changes come from
 * the real lifecycle rules, so the statements are the ones the service runs.
 */
interface RepoCase {
  name: string;
  repo: () => ConsultationRepository;
  /** Empties both tables (files run one at a time; the tests own the database). */
  reset(): Promise<void>;
}

const d1 = env.DB;
const TABLES = ["consultation_request", "message_activity", "attachment"];

const cases: RepoCase[] = [
  {
    name: "D1 (embedded)",
    repo: () => createD1Repository(d1),
    reset: async () => void (await d1.batch(TABLES.map((t) => d1.prepare(`DELETE FROM ${t}`)))),
  },
  {
    name: "PlanetScale (production)",
    repo: () => createPlanetscaleRepository(stack.database),
    async reset() {
      const client = createPlanetscaleClient(stack.database);
      for (const t of TABLES) await client.execute(`DELETE FROM ${t}`);
    },
  },
];

const T0 = Date.UTC(2025, 9, 24, 5, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const user = (userCode: string, role = "student"): User => ({
  userCode,
  name: `이름 ${userCode}`,
  role,
  isCounselor: role !== "student",
  isAdmin: role === "admin",
  exp: null,
});
const student = user("STU001");
const professor = user("PROF001", "professor");
const counselors = Array.from({ length: 12 }, (_, i) => user(`AGENT${i}`, "agent"));

function request(overrides: Partial<NewConsultation> = {}): NewConsultation {
  return {
    requesterUserCode: student.userCode,
    requesterName: "홍길동",
    recipientUserCode: professor.userCode,
    recipientName: "김교수",
    category: null,
    title: "수업 관련 질문",
    content: "안녕하세요 😀 it's \"quoted\" \\ backslash",
    scheduledAt: null,
    now: at(0),
    ...overrides,
  };
}
const queueRequest = (category: string, minute: number) =>
  request({ recipientUserCode: null, recipientName: null, category, now: at(minute) });

describe.each(cases)("ConsultationRepository contract: $name", ({ repo, reset }) => {
  beforeEach(reset);

  /** Runs a lifecycle action the way the service does: plan from the row, then transition. */
  async function act(r: ConsultationRepository, c: Consultation, action: Parameters<typeof planAction>[0], actor: User, minute: number, input = {}) {
    const plan = planAction(action, c, actor, input, at(minute));
    return r.transition(c.requestIdx, plan.guard, { ...plan.changes, now: at(minute) });
  }

  it("creates a PENDING request and reads it back identically", async () => {
    const r = repo();
    const created = await r.create(request({ scheduledAt: at(90) }));
    expect(created).toMatchObject({
      status: "PENDING",
      requesterUserCode: "STU001",
      recipientUserCode: "PROF001",
      content: "안녕하세요 😀 it's \"quoted\" \\ backslash",
      scheduledAt: at(90).toISOString(),
      createdAt: at(0).toISOString(),
      updatedAt: at(0).toISOString(),
      startedAt: null,
      messageCount: 0,
      endedBy: null,
    });
    expect(created.requestIdx).toBeGreaterThan(0);
    expect(await r.findById(created.requestIdx)).toEqual(created);
    expect(await r.findById(created.requestIdx + 1000)).toBeNull();
  });

  it("stores values at the API's length limits, in any script, unchanged", async () => {
    const r = repo();
    const longest = request({
      requesterUserCode: "S".repeat(64), // route limits: user codes 64, names 100, title 200
      requesterName: "홍".repeat(100),
      recipientUserCode: "P".repeat(64),
      recipientName: "😀".repeat(50),
      title: "질문 😀 ".repeat(40),
      content: "내용 ".repeat(3_000),
    });
    const created = await r.create(longest);
    expect(created).toMatchObject({ requesterName: longest.requesterName, title: longest.title, content: longest.content });
    expect(await r.findById(created.requestIdx)).toEqual(created);
  });

  it("transitions only when the guard matches; null clears a column, undefined keeps it", async () => {
    const r = repo();
    const c = await r.create(request());
    const scheduled = await act(r, c, "approve", professor, 1, { scheduledAt: at(60) });
    expect(scheduled).toMatchObject({ status: "SCHEDULED", scheduledAt: at(60).toISOString(), updatedAt: at(1).toISOString() });
    expect(await r.findById(c.requestIdx)).toEqual(scheduled);

    // A plan made from the stale PENDING row matches nothing and changes nothing.
    expect(await act(r, c, "reject", professor, 2, { reason: "늦음" })).toBeNull();
    expect(await r.findById(c.requestIdx)).toEqual(scheduled);

    const started = (await act(r, scheduled!, "start", professor, 3))!;
    expect(started).toMatchObject({ status: "IN_PROGRESS", startedAt: at(3).toISOString(), scheduledAt: at(60).toISOString() });
    const queued = (await act(r, started, "transfer", professor, 4))!;
    expect(queued).toMatchObject({ status: "PENDING", recipientUserCode: null, recipientName: null, startedAt: at(3).toISOString() });
    const end = planEnd(queued, student, "archive/chat_1_final.txt", at(25));
    const ended = await r.transition(c.requestIdx, end.guard, { ...end.changes, now: at(25) });
    expect(ended).toMatchObject({ status: "COMPLETED", durationMinutes: 22, endedBy: "STU001", endedAt: at(25).toISOString() });
    expect(await r.findById(c.requestIdx)).toEqual(ended);
  });

  it("a queue item raced by many counselors has exactly one winner", async () => {
    const r = repo();
    const item = await r.create(queueRequest("race", 0));
    const results = await Promise.all(counselors.map((who, i) => act(r, item, i % 2 ? "start" : "approve", who, 1)));
    const winners = results.filter((x): x is Consultation => x !== null);
    expect(winners).toHaveLength(1);
    const stored = await r.findById(item.requestIdx);
    expect(stored).toEqual(winners[0]);
    expect(counselors.map((c) => c.userCode)).toContain(stored!.recipientUserCode);
  });

  it("createWithin creates only under the requester's limits and reads back like create", async () => {
    const r = repo();
    const since = at(0);
    const limits = { maxOpen: 2, maxCreated: 0, since };
    const first = await r.createWithin(request({ now: at(1) }), limits);
    expect(first).toEqual(await r.findById(first!.requestIdx));
    expect(first).toMatchObject({ status: "PENDING", requesterUserCode: "STU001", createdAt: at(1).toISOString() });
    expect(await r.createWithin(request({ now: at(2) }), limits)).not.toBeNull();
    expect(await r.createWithin(request({ now: at(3) }), limits)).toBeNull();
    // Another requester has a load of their own.
    expect(await r.createWithin(request({ requesterUserCode: "STU002", now: at(3) }), limits)).not.toBeNull();
    expect(await r.requesterLoad("STU001", since)).toEqual({ open: 2, createdSince: 2, oldestSince: at(1) });
    // A closed one frees a place; the hourly count still sees it.
    await act(r, first!, "cancel", student, 4);
    expect(await r.requesterLoad("STU001", at(2))).toEqual({ open: 1, createdSince: 1, oldestSince: at(2) });
    expect(await r.createWithin(request({ now: at(5) }), limits)).not.toBeNull();
    expect(await r.createWithin(request({ now: at(6) }), { maxOpen: 0, maxCreated: 3, since })).toBeNull();
    expect(await r.createWithin(request({ now: at(6) }), { maxOpen: 0, maxCreated: 3, since: at(2) })).not.toBeNull();
    expect(await r.createWithin(request({ now: at(7) }), { maxOpen: 0, maxCreated: 0, since })).not.toBeNull();
    expect(await r.requesterLoad("NOBODY", since)).toEqual({ open: 0, createdSince: 0, oldestSince: null });
  });

  it("createWithin holds its limit under parallel creates by one requester", async () => {
    const r = repo();
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => r.createWithin(request({ now: at(i) }), { maxOpen: 4, maxCreated: 0, since: at(0) })));
    const created = results.filter((x) => x.status === "fulfilled" && x.value !== null);
    expect(created.length).toBeLessThanOrEqual(4);
    expect((await r.requesterLoad("STU001", at(0))).open).toBe(created.length);
    // Refusals are null, never a store failure (no deadlock surfaces as 503).
    expect(results.filter((x) => x.status === "rejected")).toEqual([]);
    expect(created.length).toBe(4);
  });

  it("lists the caller's consultations newest first, in pages that never repeat or skip", async () => {
    const r = repo();
    const mine: Consultation[] = [];
    // Pairs created in the same millisecond: requestIdx breaks the tie.
    for (const minute of [0, 1, 1, 2, 3, 3, 4]) mine.push(await r.create(request({ now: at(minute) })));
    const other = await r.create(request({ requesterUserCode: "STU002", recipientUserCode: "PROF002", now: at(2) }));
    const asRecipient = await r.create(request({ requesterUserCode: "STU003", recipientUserCode: "STU001", now: at(5) }));
    const newestFirst = (list: Consultation[]) =>
      [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.requestIdx - a.requestIdx).map((c) => c.requestIdx);

    const pages: number[][] = [];
    let cursor: string | undefined;
    do {
      const page = await r.list({ userCode: "STU001", all: false, role: "requester", limit: 3, cursor });
      pages.push(page.items.map((c) => c.requestIdx));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(newestFirst(mine));

    const both = await r.list({ userCode: "STU001", all: false, limit: 100 });
    expect(both.items.map((c) => c.requestIdx)).toEqual(newestFirst([...mine, asRecipient]));
    expect(both.nextCursor).toBeNull();
    const received = await r.list({ userCode: "STU001", all: false, role: "recipient", limit: 100 });
    expect(received.items.map((c) => c.requestIdx)).toEqual([asRecipient.requestIdx]);
    const everyone = await r.list({ userCode: "ADMIN", all: true, limit: 100 });
    expect(everyone.items.map((c) => c.requestIdx)).toEqual(newestFirst([...mine, other, asRecipient]));

    await act(r, mine[2]!, "approve", professor, 6);
    const scheduled = await r.list({ userCode: "STU001", all: false, status: "SCHEDULED", limit: 10 });
    expect(scheduled.items.map((c) => c.requestIdx)).toEqual([mine[2]!.requestIdx]);
    expect(await failureCode(r.list({ userCode: "STU001", all: false, limit: 3, cursor: "not-a-cursor" }))).toBe("VALIDATION");
  });

  it("the queue holds unassigned PENDING items, oldest first, by category", async () => {
    const r = repo();
    const late = await r.create(queueRequest("billing", 5));
    const early = await r.create(queueRequest("billing", 1));
    const tech = await r.create(queueRequest("tech", 3));
    const taken = await r.create(queueRequest("billing", 0));
    await act(r, taken, "start", counselors[0]!, 6);
    await r.create(request()); // addressed to a professor: not a queue item

    expect((await r.queue({ limit: 10 })).map((c) => c.requestIdx)).toEqual([early.requestIdx, tech.requestIdx, late.requestIdx]);
    expect((await r.queue({ category: "billing", limit: 10 })).map((c) => c.requestIdx)).toEqual([early.requestIdx, late.requestIdx]);
    expect((await r.queue({ limit: 1 })).map((c) => c.requestIdx)).toEqual([early.requestIdx]);
  });

  it("finds open consultations idle before a cutoff, oldest idle first", async () => {
    const r = repo();
    const started = (await act(r, await r.create(request()), "start", professor, 0))!;
    const active = (await act(r, await r.create(request()), "start", professor, 0))!;
    await r.recordActivity(active.requestIdx, at(300), 4);
    const transferred = (await act(r, (await act(r, await r.create(request()), "start", professor, 0))!, "transfer", professor, 60))!;
    const future = await act(r, await r.create(request()), "approve", professor, 0, { scheduledAt: at(600) });
    await r.create(request()); // PENDING, never started: not open
    const done = (await act(r, await r.create(request()), "start", professor, 0))!;
    const end = planEnd(done, professor, null, at(1));
    await r.transition(done.requestIdx, end.guard, { ...end.changes, now: at(1) });

    const idle = await r.findIdleOpen(at(360), 10);
    expect(idle.map((c) => c.requestIdx)).toEqual([started.requestIdx, transferred.requestIdx, active.requestIdx]);
    expect((await r.findIdleOpen(at(360), 2)).map((c) => c.requestIdx)).toEqual([started.requestIdx, transferred.requestIdx]);
    expect((await r.findIdleOpen(at(700), 10)).map((c) => c.requestIdx)).toContain(future!.requestIdx);
  });

  it("records activity forward only, and counts each message once in the stats", async () => {
    const r = repo();
    const c = (await act(r, await r.create(request()), "start", professor, 0))!;
    await r.recordActivity(c.requestIdx, at(10), 5);
    await r.recordActivity(c.requestIdx, at(10), 5); // a retried report
    await r.recordActivity(c.requestIdx, at(5), 3); // a late, older report
    expect(await r.findById(c.requestIdx)).toMatchObject({ lastActivityAt: at(10).toISOString(), messageCount: 5, status: "IN_PROGRESS" });
    await r.recordActivity(c.requestIdx, at(20), 8);
    expect(await r.findById(c.requestIdx)).toMatchObject({ lastActivityAt: at(20).toISOString(), messageCount: 8 });
    expect((await r.stats(at(30))).messagesLast24h).toBe(8);
    expect((await r.stats(at(24 * 60 + 15))).messagesLast24h).toBe(3); // only the report at minute 20
  });

  it("computes statistics by status and the mean duration", async () => {
    const r = repo();
    for (const minutes of [10, 21]) {
      const c = (await act(r, await r.create(request()), "start", professor, 0))!;
      const end = planEnd(c, professor, null, at(minutes));
      await r.transition(c.requestIdx, end.guard, { ...end.changes, now: at(minutes) });
    }
    await r.create(request());
    await act(r, await r.create(request()), "reject", professor, 1, { reason: "no" });
    const stats = await r.stats(at(60));
    expect(stats.byStatus).toEqual({ PENDING: 1, SCHEDULED: 0, IN_PROGRESS: 0, COMPLETED: 2, REJECTED: 1, CANCELLED: 0 });
    expect(stats.meanDurationMinutes).toBeCloseTo(15.5);
    expect(stats.messagesLast24h).toBe(0);
    await reset();
    expect(await r.stats(at(60))).toEqual({
      byStatus: { PENDING: 0, SCHEDULED: 0, IN_PROGRESS: 0, COMPLETED: 0, REJECTED: 0, CANCELLED: 0 },
      meanDurationMinutes: null,
      messagesLast24h: 0,
    });
  });

  const window = (from: number, to: number, groupBy: MetricsQuery["groupBy"] = null): MetricsQuery => ({
    from: at(from), to: at(to), groupBy, timeZone: "Asia/Seoul",
  });

  it("records the first response once (WHERE first_response_at IS NULL), kept out of the JSON", async () => {
    const r = repo();
    const c = (await act(r, await r.create(request()), "start", professor, 0))!;
    const firstResponse = new Date(at(3).getTime() + 250); // millisecond precision survives
    await r.recordFirstResponse(c.requestIdx, firstResponse);
    await r.recordFirstResponse(c.requestIdx, at(5)); // a later report (after a transfer)
    await r.recordFirstResponse(c.requestIdx, at(1)); // a stale retry
    const m = await r.metrics(window(0, 60));
    expect(m.totals.firstResponseSeconds).toEqual({ mean: 180.25, p90: 180.25 });
    const row = await r.findById(c.requestIdx);
    expect(row).not.toHaveProperty("firstResponseAt");
    expect(row).toEqual(c); // no other column moved
  });

  it("metrics: nearest-rank p90 over ten and eleven values, the window's edges, nulls", async () => {
    const r = repo();
    // Ten consultations created at minute 0, started after 1..10 minutes (plus 500 ms).
    const started: Consultation[] = [];
    for (let i = 1; i <= 10; i++) {
      const c = await r.create(request({ now: at(0) }));
      const s = await r.transition(c.requestIdx, { statuses: ["PENDING"] }, { status: "IN_PROGRESS", startedAt: new Date(at(i).getTime() + 500), now: at(i) });
      started.push(s!);
    }
    const ten = await r.metrics(window(0, 60));
    // Sorted waits 60.5 … 600.5 s; nearest rank ceil(0.9·10) = 9 → the 9th.
    expect(ten.totals.waitSeconds).toEqual({ mean: 330.5, p90: 540.5 });
    expect(ten.totals).toMatchObject({ created: 10, completed: 0, firstResponseSeconds: { mean: null, p90: null }, durationMinutes: { mean: null } });
    const c = await r.create(request({ now: at(0) }));
    await r.transition(c.requestIdx, { statuses: ["PENDING"] }, { status: "IN_PROGRESS", startedAt: at(11), now: at(11) });
    // Eleven: ceil(9.9) = 10 → the 10th.
    expect((await r.metrics(window(0, 60))).totals.waitSeconds.p90).toBe(600.5);
    // `from` is inclusive, `to` exclusive: created at minute 0 counts in [0, 1) and not in [-1, 0).
    expect((await r.metrics(window(0, 1))).totals.created).toBe(11);
    expect((await r.metrics(window(-1, 0))).totals).toMatchObject({ created: 0, waitSeconds: { mean: null, p90: null } });
    // A window after everything: nothing at all (the rows' last update is before it).
    expect(await r.metrics(window(100, 200, "counselor"))).toEqual({
      totals: {
        created: 0, completed: 0, rejected: 0, cancelled: 0, messages: 0,
        waitSeconds: { mean: null, p90: null }, firstResponseSeconds: { mean: null, p90: null }, durationMinutes: { mean: null },
      },
      groups: [],
    });
  });

  it("metrics: completed by endedAt, rejected/cancelled by their change, messages of the started, grouped", async () => {
    const r = repo();
    const done = (await act(r, await r.create(request()), "start", professor, 2))!;
    await r.recordActivity(done.requestIdx, at(3), 7);
    const end = planEnd(done, professor, null, at(32));
    await r.transition(done.requestIdx, end.guard, { ...end.changes, now: at(32) });
    await act(r, await r.create(request({ category: "billing", now: at(4) })), "reject", professor, 6, { reason: "no" });
    const queued = await r.create(request({ recipientUserCode: null, recipientName: null, category: "billing", now: at(5) }));
    await r.transition(queued.requestIdx, { statuses: ["PENDING"] }, { status: "CANCELLED", now: at(7) });
    const m = await r.metrics(window(0, 60, "category"));
    expect(m.totals).toMatchObject({ created: 3, completed: 1, rejected: 1, cancelled: 1, messages: 7, waitSeconds: { mean: 120, p90: 120 }, durationMinutes: { mean: 30 } });
    expect(m.groups.map((g) => [g.key, g.created, g.completed, g.rejected, g.cancelled, g.messages])).toEqual([
      ["billing", 2, 0, 1, 1, 0],
      [null, 1, 1, 0, 0, 7],
    ]);
    // Ended at minute 32: a window that stops at minute 30 sees it started, not completed.
    expect((await r.metrics(window(0, 30))).totals).toMatchObject({ completed: 0, messages: 7, durationMinutes: { mean: null } });
    // Per day (Asia/Seoul): T0 is 14:00 there, so everything is on one local day.
    const days = await r.metrics(window(0, 60, "day"));
    expect(days.groups).toHaveLength(1);
    expect(days.groups[0]).toMatchObject({ key: "2025-10-24", created: 3, completed: 1 });
    const counselors = await r.metrics(window(0, 60, "counselor"));
    expect(counselors.groups.map((g) => [g.key, g.created])).toEqual([["PROF001", 2], [null, 1]]);
  });
});

describe.each(cases)("ConsultationRepository attachments: $name", ({ repo, reset }) => {
  beforeEach(reset);

  const grant = (requestIdx: number, minute: number, overrides: Partial<NewAttachment> = {}): NewAttachment => ({
    id: crypto.randomUUID(),
    requestIdx,
    uploader: student.userCode,
    name: "보고서 초안 \"v2\".pdf",
    size: 5 * 1024 * 1024 + 7,
    contentType: "application/pdf",
    createdAt: at(minute),
    ...overrides,
  });

  it("stores a grant and reads it back unsent", async () => {
    const r = repo();
    const c = await r.create(request());
    const g = grant(c.requestIdx, 1);
    expect(await r.createAttachment(g, 20)).toBe(true);
    expect(await r.findAttachment(g.id)).toEqual({ ...g, sentClientMsgId: null });
    expect(await r.findAttachment(crypto.randomUUID())).toBeNull();
  });

  it("refuses a grant for a consultation that does not exist", async () => {
    const r = repo();
    const g = grant(987_654_321, 1);
    expect(await r.createAttachment(g, 20)).toBe(false);
    expect(await r.findAttachment(g.id)).toBeNull();
  });

  it("allows `perMinute` grants per uploader in any minute, counting other uploaders apart", async () => {
    const r = repo();
    const c = await r.create(request());
    for (let i = 0; i < 3; i++) expect(await r.createAttachment(grant(c.requestIdx, 1 + i / 100), 3)).toBe(true);
    const refused = grant(c.requestIdx, 1.5);
    expect(await r.createAttachment(refused, 3)).toBe(false);
    expect(await r.findAttachment(refused.id)).toBeNull();
    // Another user is not counted against STU001.
    expect(await r.createAttachment(grant(c.requestIdx, 1.5, { uploader: "PROF001" }), 3)).toBe(true);
    // Once the first grants are over a minute old, there is room again.
    expect(await r.createAttachment(grant(c.requestIdx, 2.005), 3)).toBe(true);
    expect(await r.createAttachment(grant(c.requestIdx, 2.006), 3)).toBe(false);
  });

  it("a claim belongs to one message: again for the same clientMsgId, never for another", async () => {
    const r = repo();
    const c = await r.create(request());
    const g = grant(c.requestIdx, 1);
    await r.createAttachment(g, 20);
    expect(await r.claimAttachment(g.id, "msg-1")).toBe(true);
    expect(await r.claimAttachment(g.id, "msg-1")).toBe(true);
    expect(await r.claimAttachment(g.id, "msg-2")).toBe(false);
    expect((await r.findAttachment(g.id))?.sentClientMsgId).toBe("msg-1");
    expect(await r.claimAttachment(crypto.randomUUID(), "msg-1")).toBe(false);
    // A release by another message changes nothing; by the claimant it frees the grant.
    await r.releaseAttachment(g.id, "msg-2");
    expect((await r.findAttachment(g.id))?.sentClientMsgId).toBe("msg-1");
    await r.releaseAttachment(g.id, "msg-1");
    expect((await r.findAttachment(g.id))?.sentClientMsgId).toBeNull();
    expect(await r.claimAttachment(g.id, "msg-2")).toBe(true);
  });

  it("stale grants: only unsent ones older than the cutoff, oldest first; sent ones are never deleted", async () => {
    const r = repo();
    const c = await r.create(request());
    const old1 = grant(c.requestIdx, 1);
    const old2 = grant(c.requestIdx, 2);
    const sent = grant(c.requestIdx, 0);
    const fresh = grant(c.requestIdx, 30);
    for (const g of [old2, sent, old1, fresh]) await r.createAttachment(g, 20);
    await r.claimAttachment(sent.id, "msg-1");
    expect((await r.findStaleAttachments(at(10), 10)).map((a) => a.id)).toEqual([old1.id, old2.id]);
    expect((await r.findStaleAttachments(at(10), 1)).map((a) => a.id)).toEqual([old1.id]);
    expect(await r.deleteUnsentAttachment(sent.id)).toBe(false);
    expect(await r.findAttachment(sent.id)).not.toBeNull();
    expect(await r.deleteUnsentAttachment(old1.id)).toBe(true);
    expect(await r.deleteUnsentAttachment(old1.id)).toBe(false);
    expect((await r.findStaleAttachments(at(10), 10)).map((a) => a.id)).toEqual([old2.id]);
    // A released grant is stale again from its creation time.
    await r.releaseAttachment(sent.id, "msg-1");
    expect((await r.findStaleAttachments(at(10), 10)).map((a) => a.id)).toEqual([sent.id, old2.id]);
  });
});

describe("PlanetScale repository failures", () => {
  const r = () => createPlanetscaleRepository(stack.database);
  beforeEach(cases[1]!.reset);

  it("an unreachable database is UPSTREAM_UNAVAILABLE and nothing is written", async () => {
    const c = await r().create(request());
    const plan = planAction("approve", c, professor, {}, at(1));
    await whileDown("planetscale", async () => {
      expect(await failureCode(r().create(request()))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(r().transition(c.requestIdx, plan.guard, { ...plan.changes, now: at(1) }))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(r().recordActivity(c.requestIdx, at(2), 3))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(r().findById(c.requestIdx))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(r().stats(at(3)))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(r().recordFirstResponse(c.requestIdx, at(2)))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(r().metrics({ from: at(0), to: at(60), groupBy: null, timeZone: "UTC" }))).toBe("UPSTREAM_UNAVAILABLE");
    });
    expect(await r().findById(c.requestIdx)).toEqual(c);
    expect((await r().list({ userCode: "STU001", all: true, limit: 10 })).items).toHaveLength(1);
    // Retrying once it is back succeeds.
    expect(await r().transition(c.requestIdx, plan.guard, { ...plan.changes, now: at(1) })).toMatchObject({ status: "SCHEDULED" });
  });

  it("wrong credentials are UPSTREAM_UNAVAILABLE", async () => {
    const wrong = createPlanetscaleRepository({ ...stack.database, password: "wrong" });
    expect(await failureCode(wrong.findById(1))).toBe("UPSTREAM_UNAVAILABLE");
  });
});
