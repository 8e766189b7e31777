/**
 * DESIGN.md decision 2 for the inbox: nothing lives only in memory. Evicting the inbox (its
 * sockets hibernate, the instance is torn down) or the room between events changes nothing
 * a client sees: frames still arrive, held activity is still flushed, unread counts hold.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { inboxStub } from "../../src/live/inbox-client";
import { testEnv } from "../support/api";
import { actOk, createConsultation } from "../support/consultations";
import { connectInbox, consultationFrame, someone } from "../support/inbox";
import { connect, post } from "../support/sockets";

const MARK = Symbol.for("inbox-test-instance-mark");
const mark = (stub: DurableObjectStub) => runInDurableObject(stub, (o) => void ((o as unknown as Record<symbol, boolean>)[MARK] = true));
const isMarked = (stub: DurableObjectStub) => runInDurableObject(stub, (o) => (o as unknown as Record<symbol, boolean>)[MARK] === true);

it("frames, held activity, unread and the socket cap survive evictions between events", async () => {
  const s = someone("student");
  const p = someone("professor");
  const inbox = inboxStub(testEnv, p.sub);
  const pInbox = await connectInbox({ token: p });

  await mark(inbox);
  await evictDurableObject(inbox);
  expect(await isMarked(inbox)).toBe(false);

  // A consultation frame reaches the hibernated socket.
  const asked = await createConsultation(s, { recipientUserCode: p.sub, title: "질문" });
  await consultationFrame(pInbox.client, asked.requestIdx, (c) => c.status === "PENDING");
  const c = await actOk(p, asked.requestIdx, "start");

  // First message: sent at once. Second, within the second: held in storage, then evicted.
  const room = (await connect(c.requestIdx, { token: s })).client;
  const first = await post(room, "one");
  await pInbox.client.next((f) => f.type === "activity" && f.lastSeq === first.seq);
  const second = await post(room, "two");
  await expect.poll(() => runInDurableObject(inbox, (_o, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM inbox_activity WHERE held IS NOT NULL`).one().n)).toBe(1);
  await evictDurableObject(inbox);
  // The alarm of the fresh instance flushes it.
  expect(await pInbox.client.next((f) => f.type === "activity" && f.lastSeq === second.seq)).toMatchObject({ unread: 2 });

  // The room's unread counters live in its storage too.
  await evictDurableObject(roomStub(testEnv, c.requestIdx));
  await evictDurableObject(inbox);
  const phone = await connectInbox({ token: p });
  expect(phone.ready.unread).toEqual({ [String(c.requestIdx)]: 2 });

  // The cap counts hibernated sockets.
  await evictDurableObject(inbox);
  expect(await inbox.socketCount()).toBe(2);
  [room, pInbox.client, phone.client].forEach((x) => x.close());
});

it("a counselor's queue registration survives the inbox's eviction", async () => {
  const a = someone("agent");
  const agent = await connectInbox({ token: a });
  await evictDurableObject(inboxStub(testEnv, a.sub));
  const cat = `cat-${crypto.randomUUID()}`;
  const item = await createConsultation(someone("student"), { category: cat, title: "x" });
  expect(await agent.client.next((f) => f.type === "queue" && f.category === cat)).toMatchObject({ items: [{ requestIdx: item.requestIdx, queuePosition: 1 }] });
  agent.client.close();
});
