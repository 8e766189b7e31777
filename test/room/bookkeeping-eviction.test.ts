/**
 * DESIGN.md decisions 2 and 9: the room keeps its bookkeeping (deadlines, rate buckets,
 * unread counters, hot-store expiry) in memory and writes it in the turn that changed it,
 * riding on the stored batch's tail statement. Evicting the room right after an ack, before
 * anything else runs, must lose none of it: the TTL, activity and backup deadlines still
 * fire, a spent burst stays spent, unread counts stay counted.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { getServices } from "../../src/config/services";
import { SNAPSHOT_DELAY_MS, SNAPSHOT_JITTER_MS } from "../../src/room/archive";
import { contentsOf, expireHotStore, fireDeadline, r2Archive, snapshotsOf } from "../archive/support/room";
import { people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post, type Frame } from "../support/sockets";

const HOUR = 3_600_000;

it("evicted right after an ack: the TTL, activity and backup deadlines are stored, armed and still fire", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  const before = Date.now();
  const ack = await post(s, "evict me now");
  expect(ack).toMatchObject({ type: "ack" });
  await evictDurableObject(stub);

  const stored = await runInDurableObject(stub, async (_room, state) => ({
    deadlines: Object.fromEntries(state.storage.sql.exec<{ kind: string; at_ms: number }>(`SELECT kind, at_ms FROM deadlines`).toArray().map((r) => [r.kind, r.at_ms])),
    alarm: await state.storage.getAlarm(),
  }));
  expect(stored.deadlines.ttl).toBeGreaterThan(before + 36 * HOUR - 60_000);
  expect(stored.deadlines.activity).toBeGreaterThan(before);
  expect(stored.deadlines.snapshot).toBeGreaterThanOrEqual(before + SNAPSHOT_DELAY_MS);
  expect(stored.deadlines.snapshot).toBeLessThanOrEqual(Date.now() + SNAPSHOT_DELAY_MS + SNAPSHOT_JITTER_MS);
  expect(stored.alarm).toBe(Math.min(...(Object.values(stored.deadlines) as number[])));

  await fireDeadline(c.requestIdx, "activity");
  const row = (await getServices(testEnv).repository.findById(c.requestIdx))!;
  expect(row.messageCount).toBe(ack.seq);
  expect(row.lastActivityAt).not.toBeNull();

  await fireDeadline(c.requestIdx, "snapshot");
  const [key] = await snapshotsOf(r2Archive(), c.requestIdx);
  expect(contentsOf(await r2Archive().get(key!))).toContain("evict me now");

  await expireHotStore(c.requestIdx); // asserts the rows went
  s.close();
});

it("a spent burst stays spent across an eviction (the buckets ride on the stored batches)", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  const start = Date.now();
  const burst = await sendAll(s, "burst", 20);
  expect(burst.filter((f) => f.type === "ack")).toHaveLength(20);
  await evictDurableObject(stub);
  const after = await sendAll(s, "after", 30);
  const elapsedS = (Date.now() - start) / 1000;
  const acked = after.filter((f) => f.type === "ack").length;
  // A fresh bucket would take 20 of them at once; the carried-over one only what refilled.
  expect(acked).toBeLessThanOrEqual(Math.floor(10 * elapsedS) + 1);
  expect(acked).toBeLessThan(20);
  expect(after.filter((f) => f.type === "error").every((f) => f.code === "RATE_LIMITED")).toBe(true);
  s.close();
});

it("unread counts survive an eviction right after the batches that moved them", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  for (const text of ["one", "two", "three"]) await post(s, text);
  await evictDurableObject(stub);
  expect(await stub.unreadFor(c.recipientUserCode!)).toBe(3);
  expect(await stub.unreadFor(c.requesterUserCode)).toBe(0);
  s.close();
});

/** Sends `n` frames at once and waits for every answer (ack or error). */
async function sendAll(client: Awaited<ReturnType<typeof connect>>["client"], prefix: string, n: number): Promise<Frame[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const id of ids) client.send({ type: "send", clientMsgId: id, content: id });
  return Promise.all(ids.map((id) => client.next((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === id)));
}
