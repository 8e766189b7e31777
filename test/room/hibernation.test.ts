/**
 * DESIGN.md decision 2: nothing lives only in memory. Evicting the room between messages
 * (its sockets hibernate, the instance is torn down) changes nothing a client can see.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { apiJson, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post } from "../support/sockets";

const MARK = Symbol.for("room-test-instance-mark");

/** Marks the live instance, so the test can prove a later call met a fresh one. */
const mark = (stub: DurableObjectStub) => runInDurableObject(stub, (room) => void ((room as unknown as Record<symbol, boolean>)[MARK] = true));
const isMarked = (stub: DurableObjectStub) => runInDurableObject(stub, (room) => (room as unknown as Record<symbol, boolean>)[MARK] === true);

it("seq, dedupe, read state and the sockets survive evictions between messages", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  const p = (await connect(c.requestIdx, { token: people.professor })).client;

  const first = await post(s, "before eviction", "keep-me");
  p.send({ type: "read", upToSeq: first.seq });
  const receipt = await s.next("read");

  await mark(stub);
  await evictDurableObject(stub);
  expect(await isMarked(stub)).toBe(false);

  // The hibernated sockets are still connected and still receive broadcasts.
  const second = await post(p, "after eviction");
  expect(second.seq).toBe(first.seq + 1);
  expect((await s.next((f) => f.type === "message" && f.message.seq === second.seq)).message.content).toBe("after eviction");

  await evictDurableObject(stub);
  // Dedupe survives: the retry gets the original ack and stores nothing.
  expect(await post(s, "before eviction", "keep-me")).toEqual(first);

  await evictDurableObject(stub);
  // Read marks survive and come back in `ready`.
  const phone = await connect(c.requestIdx, { token: people.student });
  expect(phone.ready).toMatchObject({ lastSeq: second.seq, reads: [{ userCode: "PROF001", upToSeq: first.seq, readAt: receipt.readAt }] });

  await evictDurableObject(stub);
  const third = await post(phone.client, "from a new device");
  expect(third.seq).toBe(second.seq + 1);
  for (const client of [s, p, phone.client]) {
    await client.next((f) => f.type === "message" && f.message.seq === third.seq);
  }

  const stored = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.student });
  expect(stored.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4]);
  [s, p, phone.client].forEach((x) => x.close());
});

it("the room's view of its consultation survives an eviction (sealed rooms stay sealed)", async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const stub = roomStub(testEnv, c.requestIdx);
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  await stub.archive(c, "STU001");
  await evictDurableObject(stub);
  expect(await post(s, "sealed?")).toMatchObject({ type: "error", code: "INVALID_STATE" });
  s.close();
});
