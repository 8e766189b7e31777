/**
 * DESIGN.md decisions 2 and 9: the room keeps its bookkeeping (deadlines, rate buckets,
 * unread counters, hot-store expiry) in memory. Deadlines are written a turn after the
 * batch; the tail (last seq, activity) and what the messages decide (tokens, unread
 * counts) are written with the meta table's next checkpoint, and a wake replays the log's
 * rows after it. Evicting the room right after an ack, before anything else runs, must
 * lose none of it: the TTL, activity and backup deadlines still fire, a spent burst stays
 * spent, unread counts stay counted, the next message takes the next seq.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { getServices } from "../../src/config/services";
import type { ChatMessage } from "../../src/domain/types";
import { SNAPSHOT_DELAY_MS, SNAPSHOT_JITTER_MS } from "../../src/room/archive";
import { ArchiveLog } from "../../src/room/archive-log";
import { CHECKPOINT_EVERY, RoomState } from "../../src/room/state";
import { contentsOf, expireHotStore, fireDeadline, r2Archive, snapshotsOf } from "../archive/support/room";
import { people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { roomSettled } from "../support/rooms";
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

it("a spent burst stays spent across an eviction (the wake takes the tokens of the messages stored since the checkpoint)", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  // Past the first message's one meta write, so the burst's buckets exist only in memory and in the log.
  await post(s, "warm-up");
  await roomSettled(c.requestIdx);
  const before = await storedCheckpoint(stub);
  const start = Date.now();
  const burst = await sendAll(s, "burst", 19);
  expect(burst.filter((f) => f.type === "ack")).toHaveLength(19);
  await evictDurableObject(stub);
  expect(await storedCheckpoint(stub)).toBe(before);
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

it("a wake takes the last seq, activity and unread counts from the log rows after the meta checkpoint", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  const p = (await connect(c.requestIdx, { token: people.professor })).client;
  // The first message's background work writes meta once (what the room learned of the inboxes).
  const first = await post(s, "zero");
  await roomSettled(c.requestIdx);
  const checkpoint = () => storedCheckpoint(stub);
  const before = await checkpoint();
  for (const [who, text] of [[p, "one"], [s, "two"], [p, "three"]] as const) await post(who, text);
  await evictDurableObject(stub);
  // The sends wrote no checkpoint of their own: what follows comes from the replay.
  expect(await checkpoint()).toBe(before);
  expect(before).toBeLessThan(first.seq + 3);
  await evictDurableObject(stub);

  const again = await connect(c.requestIdx, { token: people.student });
  expect(again.ready).toMatchObject({ type: "ready", lastSeq: first.seq + 3 });
  expect(await post(again.client, "four")).toMatchObject({ type: "ack", seq: first.seq + 4 });
  expect(await stub.unreadFor(c.recipientUserCode!)).toBe(3);
  expect(await stub.unreadFor(c.requesterUserCode)).toBe(2);
  await evictDurableObject(stub);
  await fireDeadline(c.requestIdx, "activity");
  const row = (await getServices(testEnv).repository.findById(c.requestIdx))!;
  expect(row.messageCount).toBe(first.seq + 4);
  expect(row.lastActivityAt).not.toBeNull();
  for (const client of [s, p, again.client]) client.close();
});

it(`the meta checkpoint moves at least every ${CHECKPOINT_EVERY} stored messages, and a new instance replays the rows after it`, async () => {
  const c = await namedConsultation("IN_PROGRESS");
  await runInDurableObject(roomStub(testEnv, c.requestIdx), (_room, ctx) => {
    const sql = ctx.storage.sql;
    const stored = () => Number(sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = 'last_seq'`).toArray()[0]?.value ?? 0);
    const log = new ArchiveLog(sql);
    const state = new RoomState(sql, log);
    const from = state.lastSeq;
    const total = 2 * CHECKPOINT_EVERY + 30;
    const lags: number[] = [];
    for (let seq = from + 1; seq <= from + total; seq++) {
      const batch = [messageAt(c.requestIdx, seq)];
      log.add(batch);
      state.recordStored(batch);
      lags.push(seq - stored());
    }
    expect(Math.max(...lags)).toBe(CHECKPOINT_EVERY - 1);
    const kept = stored();
    expect(kept).toBeGreaterThan(from + total - CHECKPOINT_EVERY);

    const woken = new RoomState(sql, log);
    expect(woken.lastSeq).toBe(from + total);
    expect(woken.sinceKept.map((m) => m.seq)).toEqual(Array.from({ length: from + total - kept }, (_, i) => kept + 1 + i));
    expect(woken.pendingActivity()).toEqual({ at: messageAt(c.requestIdx, from + total).sentAt, messageCount: from + total });
  });
});

function messageAt(requestIdx: number, seq: number): ChatMessage {
  return { id: `m${seq}`, seq, requestIdx, sender: "S", senderName: "S", type: "NORMAL", content: `m${seq}`, sentAt: new Date(1_700_000_000_000 + seq).toISOString(), clientMsgId: `c${seq}` };
}

/** The seq the room's written meta covers (its checkpoint). */
function storedCheckpoint(stub: ReturnType<typeof roomStub>): Promise<number> {
  return runInDurableObject(stub, (_room, state) => Number(state.storage.sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = 'last_seq'`).toArray()[0]?.value ?? 0));
}

/** Sends `n` frames at once and waits for every answer (ack or error). */
async function sendAll(client: Awaited<ReturnType<typeof connect>>["client"], prefix: string, n: number): Promise<Frame[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const id of ids) client.send({ type: "send", clientMsgId: id, content: id });
  return Promise.all(ids.map((id) => client.next((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === id)));
}
