/**
 * SPEC section 14 in the room: socket caps (429 before the upgrade) and closes that come
 * after every answer. (That the connections really end is shown over TCP in
 * test/node/e2e/closes.e2e.test.ts; here the client is workerd's own.)
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { MAX_SOCKETS_PER_ROOM, MAX_SOCKETS_PER_USER } from "../../src/room/connection-caps";
import { CLOSE_GRACE_MS } from "../../src/room/server-close";
import { userTag } from "../../src/room/sockets";
import { people, testEnv } from "../support/api";
import { actOk, namedConsultation } from "../support/consultations";
import { slowHotStore } from "../support/rooms";
import { connect, post, upgrade, type Client } from "../support/sockets";

async function refused429(requestIdx: number, token: (typeof people)[keyof typeof people] | { sub: string; name: string; role: string }) {
  const res = await upgrade(requestIdx, { token });
  expect(res.webSocket).toBeFalsy();
  expect(res.status).toBe(429);
  expect(await res.json()).toMatchObject({ code: "RATE_LIMITED" });
}

/** Waits until the room holds `n` sockets of `userCode` (its close events are asynchronous). */
async function roomHolds(requestIdx: number, userCode: string, n: number): Promise<void> {
  const stub = roomStub(testEnv, requestIdx);
  while ((await runInDurableObject(stub, (_room, state) => state.getWebSockets(userTag(userCode)).length)) !== n) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("socket caps", () => {
  it(`a user's socket beyond ${MAX_SOCKETS_PER_USER} in a room is refused with 429; other users and rooms are not affected; a close frees a place`, async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const other = await namedConsultation("IN_PROGRESS");
    const mine: Client[] = [];
    for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) mine.push((await connect(c.requestIdx, { token: people.student })).client);
    await refused429(c.requestIdx, people.student);
    const prof = (await connect(c.requestIdx, { token: people.professor })).client;
    const elsewhere = (await connect(other.requestIdx, { token: people.student })).client;
    mine[0]!.close();
    await roomHolds(c.requestIdx, people.student.sub, MAX_SOCKETS_PER_USER - 1);
    mine[0] = (await connect(c.requestIdx, { token: people.student })).client;
    await refused429(c.requestIdx, people.student);
    for (const s of [...mine, prof, elsewhere]) s.close();
  });

  it(`a socket beyond ${MAX_SOCKETS_PER_ROOM} in a room is refused with 429`, async () => {
    const c = await namedConsultation("IN_PROGRESS");
    // Participants and admins, at most MAX_SOCKETS_PER_USER each, up to the room's cap.
    const users = [people.student, people.professor, ...Array.from({ length: 8 }, (_, i) => ({ sub: `CAPADM${i}`, name: `관리자${i}`, role: "admin" }))];
    const sockets: Client[] = [];
    for (const user of users) {
      for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) sockets.push((await connect(c.requestIdx, { token: user })).client);
    }
    expect(sockets).toHaveLength(MAX_SOCKETS_PER_ROOM);
    await refused429(c.requestIdx, { sub: "CAPADM9", name: "관리자9", role: "admin" });
    for (const s of sockets) s.close();
  });
});

describe("the close comes after every answer", () => {
  it("frames sent right after `status` COMPLETED still get their answers (INVALID_STATE, pong) before the 4009 close", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    // The moment the end reaches the client, it sends once more (as a busy app would).
    s.ws.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data as string) as { type: string };
      if (frame.type !== "status") return;
      s.send({ type: "send", clientMsgId: "late", content: "one more" });
      s.send({ type: "ping" });
      s.send('{"type":"sync","afterSeq":0}');
    });
    await actOk(people.professor, c.requestIdx, "end");
    expect(await s.next("status")).toEqual({ type: "status", status: "COMPLETED" });
    expect(await s.next("error")).toMatchObject({ code: "INVALID_STATE", clientMsgId: "late" });
    expect(await s.next("pong")).toEqual({ type: "pong" });
    expect(await s.next("history")).toMatchObject({ type: "history" });
    expect((await s.closed()).code).toBe(4009);
  });

  it("a frame still being handled when the grace ends (a slow sync) gets its answer before the close", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    expect(await post(s, "before the end")).toMatchObject({ type: "ack" });
    // A hot store that answers slowly (as Upstash can). Once the end's final archive has
    // cleared the room's log, the log lags the room's last seq, so a `sync` reads the hot
    // store (RoomHistory's catch-up) and outlasts the grace.
    await slowHotStore(c.requestIdx, { reads: 400 });
    let statusAt = 0;
    let historyAt = 0;
    s.ws.addEventListener("message", (e) => {
      const { type } = JSON.parse(e.data as string) as { type: string };
      if (type === "status") {
        statusAt = performance.now();
        s.send('{"type":"sync","afterSeq":0}');
      }
      if (type === "history") historyAt = performance.now();
    });
    await actOk(people.professor, c.requestIdx, "end");
    expect(await s.next("history")).toMatchObject({ type: "history" });
    expect((await s.closed()).code).toBe(4009);
    // The answer really came after the grace: the close waited for the frame in hand.
    expect(historyAt - statusAt).toBeGreaterThanOrEqual(CLOSE_GRACE_MS);
  });

  it("a transfer: the previous recipient's late send is refused, then 4003", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    p.ws.addEventListener("message", (e) => {
      if ((JSON.parse(e.data as string) as { type: string }).type === "status") p.send({ type: "send", clientMsgId: "late", content: "still mine?" });
    });
    await actOk(people.professor, c.requestIdx, "transfer", { toUserCode: people.professor2.sub });
    expect(await p.next("status")).toMatchObject({ type: "status", status: "PENDING" });
    expect(await p.next("error")).toMatchObject({ clientMsgId: "late" });
    expect((await p.closed()).code).toBe(4003);
  });
});
