/** Deadlines on the room's one alarm: hot-store TTL, token expiry, and the scheduler itself. */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmScheduler, type DeadlineKind } from "../../src/room/alarm-scheduler";
import { roomStub } from "../../src/chat/room-client";
import { apiJson, mintToken, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post } from "../support/sockets";
import { HOT_ROWS_SQL, roomSettled } from "../support/rooms";

const HOUR = 3_600_000;

type Sql = DurableObjectState["storage"]["sql"];
const one = <T extends Record<string, SqlStorageValue>>(sql: Sql, q: string, ...args: unknown[]) => sql.exec<T>(q, ...args).toArray()[0];

describe("hot-store TTL (embedded adapter)", () => {
  it("is CHAT_TTL_HOURS after the latest append, refreshed by each append, and armed on the alarm", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const stub = roomStub(testEnv, c.requestIdx);
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const before = Date.now();
    await post(s, "one");
    await roomSettled(c.requestIdx); // deadlines follow the batch a turn later (src/room/parts.ts)
    const first = await runInDurableObject(stub, (_r, state) => ({
      expires: one<{ value: number }>(state.storage.sql, `SELECT value FROM hot_meta WHERE key = 'expires_at'`)!.value,
      deadline: one<{ at_ms: number }>(state.storage.sql, `SELECT at_ms FROM deadlines WHERE kind = 'ttl'`)!.at_ms,
    }));
    // Stored up to a minute ahead (written once a minute, not per append: never early).
    expect(first.expires).toBeGreaterThanOrEqual(before + 36 * HOUR);
    expect(first.expires).toBeLessThanOrEqual(Date.now() + 36 * HOUR + 60_000);
    // Armed at the TTL of the room's first append (its SYSTEM "started" message, just
    // before this one); a deadline that fires before a refreshed TTL follows it (below).
    expect(first.deadline).toBeGreaterThan(before + 36 * HOUR - 60_000);
    expect(first.deadline).toBeLessThanOrEqual(first.expires);
    await post(s, "two");
    const second = await runInDurableObject(stub, (_r, state) => one<{ value: number }>(state.storage.sql, `SELECT value FROM hot_meta WHERE key = 'expires_at'`)!.value);
    expect(second).toBeGreaterThanOrEqual(first.expires);
    s.close();
  });

  it("expires the room's hot messages by alarm; history and seq carry on afterwards", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const stub = roomStub(testEnv, c.requestIdx);
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await post(s, "short-lived");
    await roomSettled(c.requestIdx);
    // Let 36 hours pass: move the stored expiry and its deadline into the past.
    await runInDurableObject(stub, (_r, state) => {
      state.storage.sql.exec(`UPDATE hot_meta SET value = ? WHERE key = 'expires_at'`, Date.now() - 1);
      state.storage.sql.exec(`UPDATE deadlines SET at_ms = ? WHERE kind = 'ttl'`, Date.now() - 1);
    });
    // The room reads its expiry and deadlines once per wake: a new instance sees the edit.
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rows = await runInDurableObject(stub, (_r, state) => ({
      hot: one<{ n: number }>(state.storage.sql, HOT_ROWS_SQL)!.n,
      log: one<{ n: number }>(state.storage.sql, `SELECT COUNT(*) AS n FROM archive_log`)!.n,
    }));
    // The hot list ended; its rows stay as the room's log.
    expect(rows).toEqual({ hot: 0, log: 2 });
    // The hot list is gone, not the history: the room's log still serves it (SPEC section 6).
    const page = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.student });
    expect(page.body).toMatchObject({ messageCount: 2, messages: [{ seq: 1 }, { seq: 2, content: "short-lived" }] });
    expect(await post(s, "a new day")).toMatchObject({ type: "ack", seq: 3 });
    s.close();
  });

  it("a deadline that fires after the TTL was refreshed keeps the messages and re-arms", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const stub = roomStub(testEnv, c.requestIdx);
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await post(s, "kept");
    await runInDurableObject(stub, (_r, state) => state.storage.sql.exec(`UPDATE deadlines SET at_ms = ? WHERE kind = 'ttl'`, Date.now() - 1));
    await evictDurableObject(stub);
    await runDurableObjectAlarm(stub);
    const after = await runInDurableObject(stub, (_r, state) => ({
      rows: one<{ n: number }>(state.storage.sql, HOT_ROWS_SQL)!.n,
      deadline: one<{ at_ms: number }>(state.storage.sql, `SELECT at_ms FROM deadlines WHERE kind = 'ttl'`)?.at_ms,
    }));
    expect(after.rows).toBe(2);
    expect(after.deadline).toBeGreaterThan(Date.now() + 35 * HOUR);
    s.close();
  });
});

describe("deadlines after an eviction", () => {
  it("a room evicted after a stored batch and before its deadlines were written sets them at its next wake", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const stub = roomStub(testEnv, c.requestIdx);
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await post(s, "acked");
    await roomSettled(c.requestIdx);
    const kinds = `SELECT kind FROM deadlines WHERE kind IN ('ttl', 'activity', 'snapshot') ORDER BY kind`;
    // As if the process died between the batch's turn and the turn after it (src/room/parts.ts).
    await runInDurableObject(stub, async (_r, state) => {
      state.storage.sql.exec(`DELETE FROM deadlines`);
      await state.storage.deleteAlarm();
    });
    await evictDurableObject(stub);
    await roomSettled(c.requestIdx); // the wake (this call) sets what storage says is pending
    const after = await runInDurableObject(stub, async (_r, state) => ({
      kinds: state.storage.sql.exec<{ kind: string }>(kinds).toArray().map((r) => r.kind),
      alarm: await state.storage.getAlarm(),
    }));
    expect(after.kinds).toEqual(["activity", "snapshot", "ttl"]);
    expect(after.alarm).toBeGreaterThan(Date.now());
    s.close();
  });
});

describe("token expiry while connected", () => {
  it("closes that socket with 4001 when its token expires; others stay", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const shortLived = await mintToken(people.student, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const expiring = (await connect(c.requestIdx, { token: shortLived })).client;
    const staying = (await connect(c.requestIdx, { token: people.professor })).client;
    const closed = await expiring.closed(); // the room's alarm fires at the token's exp
    expect(closed.code).toBe(4001);
    expect(await post(staying, "still connected")).toMatchObject({ type: "ack" });
    staying.close();
  });
});

describe("AlarmScheduler", () => {
  it("keeps one alarm at the earliest deadline and runs only what is due", async () => {
    const stub = testEnv.ROOM.getByName("scheduler-test");
    await runInDurableObject(stub, async (_room, state) => {
      const scheduler = new AlarmScheduler(state.storage.sql, state.storage);
      const ran: string[] = [];
      const kinds: DeadlineKind[] = ["ttl", "activity", "token-expiry"];
      for (const k of kinds) scheduler.on(k, () => void ran.push(k));
      const now = Date.now();
      await scheduler.schedule("ttl", now + 10 * HOUR);
      await scheduler.schedule("activity", now + 30_000);
      expect(await state.storage.getAlarm()).toBe(now + 30_000);
      await scheduler.scheduleIfAbsent("activity", now + 5_000); // already pending: unchanged
      expect(scheduler.deadline("activity")).toBe(now + 30_000);
      await scheduler.cancel("activity");
      expect(await state.storage.getAlarm()).toBe(now + 10 * HOUR);
      await scheduler.schedule("token-expiry", now - 1);
      await scheduler.run(now);
      expect(ran).toEqual(["token-expiry"]);
      expect(scheduler.deadline("token-expiry")).toBeNull();
      expect(await state.storage.getAlarm()).toBe(now + 10 * HOUR);
      await scheduler.cancel("ttl");
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("retries a failing handler a minute later without blocking the others", async () => {
    const stub = testEnv.ROOM.getByName("scheduler-retry-test");
    await runInDurableObject(stub, async (_room, state) => {
      const scheduler = new AlarmScheduler(state.storage.sql, state.storage);
      const ran: string[] = [];
      scheduler.on("activity", () => {
        throw new Error("repository down");
      });
      scheduler.on("ttl", () => void ran.push("ttl"));
      const now = Date.now();
      await scheduler.schedule("activity", now - 2);
      await scheduler.schedule("ttl", now - 1);
      await scheduler.run(now);
      expect(ran).toEqual(["ttl"]);
      expect(scheduler.deadline("activity")).toBeGreaterThan(now + 50_000);
    });
  });
});
