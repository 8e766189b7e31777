/**
 * A slow store is not a broken order (issue 11, "Also"): `wrangler dev` on the production
 * stack with the Upstash gateway holding every answer 1–2 s, while both participants send
 * (with eager duplicate sends of the same clientMsgId). Every send is acked once per
 * clientMsgId value (repeats get the same id and seq), every socket sees one gapless
 * order, acks arrive in seq order, each sender's messages keep their send order, and the
 * room and the Redis list agree.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDevServer, type DevServer } from "../support/dev-server";
import { E2eApi, type Person } from "../support/e2e-api";
import type { ChatSocket, Frame } from "../support/ws-client";

const stack = inject("stack");
const SECRET = `slow-${randomBytes(24).toString("hex")}`;
let server: DevServer;
const api = new E2eApi(() => server, SECRET);

beforeAll(async () => {
  server = await startDevServer({ vars: { ...stack.vars, JWT_SECRET: SECRET } });
});

afterAll(async () => {
  await server?.stop();
});

const student: Person = { sub: "SLOWSTU", name: "홍길동", role: "student" };
const professor: Person = { sub: "SLOWPROF", name: "김교수", role: "professor" };

async function delayUpstash(minMs: number, maxMs: number): Promise<void> {
  const res = await fetch(`${stack.control}/upstash/delay/${minMs}/${maxMs}`, { method: "POST" });
  expect(res.status, "stack control upstash/delay").toBe(200);
}

/** The room's Redis list as the seeds read it (through the same slow gateway). */
async function redisList(id: number): Promise<Array<{ seq: number; id: string }>> {
  const res = await fetch(stack.upstash.url, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.upstash.token}` },
    body: JSON.stringify(["LRANGE", `chat:room:${id}`, "0", "-1"]),
  });
  const body = (await res.json()) as { result: string[] };
  return body.result.map((s) => JSON.parse(s) as { seq: number; id: string });
}

type Sent = { clientMsgId: string; content: string };

/** `count` messages, one every `everyMs`; every third is sent twice at once, every fifth again 700 ms later. */
async function sendAll(socket: ChatSocket, who: string, count: number, everyMs: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let n = 1; n <= count; n++) {
    const m = { clientMsgId: randomUUID(), content: `${who} ${n}` };
    sent.push(m);
    socket.send({ type: "send", ...m });
    if (n % 3 === 0) socket.send({ type: "send", ...m });
    if (n % 5 === 0) setTimeout(() => socket.send({ type: "send", ...m }), 700);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return sent;
}

describe("a slow Upstash (every answer 1–2 s late)", () => {
  it("both sides sending: acks, dedupe and one gapless order hold", async () => {
    const id = await api.scheduledRoom(student, professor);
    const sockets = [await api.open(id, student), await api.open(id, professor)];
    await delayUpstash(1_000, 2_000);
    let sent: Sent[][];
    try {
      sent = await Promise.all([sendAll(sockets[0]!, "student", 15, 150), sendAll(sockets[1]!, "professor", 15, 170)]);
      const total = 1 + 30; // the "started" SYSTEM message, then every distinct send
      await Promise.all(sockets.map((s) => s.until((f) => f.filter((x) => x.type === "message").length >= total, `${total} messages`)));
      // The delayed duplicates are answered too.
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      await delayUpstash(0, 0);
    }

    for (const [i, socket] of sockets.entries()) {
      const frames = socket.frames;
      expect(frames.filter((f) => f.type === "error"), "no send was refused").toEqual([]);
      const messages = socket.messages();
      expect(messages.map((m) => m.seq)).toEqual(messages.map((_, k) => k + 1));
      expect(messages).toHaveLength(31);
      // Acks come in seq order, and every repeat of a clientMsgId got the same id and seq.
      const acks = frames.filter((f): f is Frame => f.type === "ack");
      const firstAcks = acks.filter((a, k) => acks.findIndex((b) => b.clientMsgId === a.clientMsgId) === k);
      expect(firstAcks.map((a) => a.seq)).toEqual([...firstAcks.map((a) => a.seq)].sort((a, b) => a - b));
      const mine = sent[i]!;
      expect(firstAcks.map((a) => a.clientMsgId)).toEqual(mine.map((m) => m.clientMsgId));
      const expectedAcks = mine.reduce((n, _m, k) => n + 1 + ((k + 1) % 3 === 0 ? 1 : 0) + ((k + 1) % 5 === 0 ? 1 : 0), 0);
      expect(acks).toHaveLength(expectedAcks);
      for (const a of acks) {
        const stored = messages.find((m) => m.clientMsgId === a.clientMsgId);
        expect(a).toMatchObject({ id: stored.id, seq: stored.seq });
      }
      // Each sender's messages keep the order they were sent in.
      const ownSeqs = mine.map((m) => messages.find((x) => x.clientMsgId === m.clientMsgId).seq);
      expect(ownSeqs).toEqual([...ownSeqs].sort((a, b) => a - b));
    }
    // Both sockets saw the same order; the room and the Redis list agree with it.
    const [a, b] = sockets.map((s) => s.messages().map((m) => [m.seq, m.id]));
    expect(b).toEqual(a);
    const page = await api.rest(`/api/chat/messages/${id}`, student);
    expect(page.body.messages.map((m: { seq: number; id: string }) => [m.seq, m.id])).toEqual(a);
    expect((await redisList(id)).map((m) => [m.seq, m.id])).toEqual(a);
    for (const s of sockets) s.close();
  });
});
