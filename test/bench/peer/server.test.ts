import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { runCleanup } from "../cleanup";
import { mintParticipant, type Participant } from "../tokens";
import { startPeer, type PeerServer } from "./start";

/**
 * The peer against a real redis-server: it must refuse what the product refuses at
 * connect, keep the frame rules the benchmark's checks rely on (ack once stored, seq +1
 * per room, one message per clientMsgId) and store what the seeds store (RPUSH with a
 * 36-hour TTL), or the comparison would flatter it.
 */

const secret = randomBytes(32).toString("hex");
let peer: PeerServer;
let student: Participant;
let professor: Participant;
let outsider: Participant;

interface Frame {
  type: string;
  [k: string]: unknown;
}

/** An open socket with every frame it got, or the HTTP status that refused it. */
function connect(room: number, token: string | null): Promise<{ ws: WebSocket; frames: Frame[]; closed: Promise<number> } | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${peer.baseUrl.replace("http", "ws")}/api/chat/ws/${room}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const frames: Frame[] = [];
    const closed = new Promise<number>((r) => ws.once("close", r));
    ws.on("message", (raw) => {
      const f = JSON.parse(String(raw)) as Frame;
      frames.push(f);
      if (f.type === "ready") resolve({ ws, frames, closed });
    });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode!));
    ws.on("error", () => undefined);
  });
}

async function open(room: number, who: Participant) {
  const c = await connect(room, who.token);
  if (typeof c === "number") throw new Error(`refused ${c}`);
  return c;
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

const createRoom = (requestIdx: number, token: string, recipientUserCode: string) =>
  fetch(`${peer.baseUrl}/api/rooms`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ requestIdx, recipientUserCode }),
  });

beforeAll(async () => {
  peer = await startPeer(secret);
  [student, professor, outsider] = await Promise.all([
    mintParticipant(secret, "S1", "student"),
    mintParticipant(secret, "P1", "professor"),
    mintParticipant(secret, "S2", "student"),
  ]);
  expect((await createRoom(1, student.token, professor.userCode)).status).toBe(201);
}, 60_000);

afterAll(() => runCleanup());

describe("peer: connect", () => {
  it("refuses a missing, forged or expired token (401), an outsider (403) and an unknown room (404)", async () => {
    const forged = await mintParticipant("another secret", "S1", "student");
    const expired = await new SignJWT({ name: "S1", role: "student" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("S1")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    const noExp = await new SignJWT({ name: "S1", role: "student" }).setProtectedHeader({ alg: "HS256" }).setSubject("S1").sign(new TextEncoder().encode(secret));
    expect(await connect(1, null)).toBe(401);
    expect(await connect(1, forged.token)).toBe(401);
    expect(await connect(1, expired)).toBe(401);
    expect(await connect(1, noExp)).toBe(401);
    expect(await connect(1, outsider.token)).toBe(403);
    expect(await connect(99, student.token)).toBe(404);
    expect(await connect(Number.NaN, student.token)).toBe(404);
  });

  it("refuses creating a room twice or without a recipient", async () => {
    expect((await createRoom(1, student.token, professor.userCode)).status).toBe(409);
    expect((await createRoom(2, student.token, "")).status).toBe(400);
    expect((await createRoom(2, "not a token", professor.userCode)).status).toBe(401);
  });
});

describe("peer: frames", () => {
  it("acks once stored, broadcasts to every socket with seq + 1, and stores with the seeds' TTL", async () => {
    const [a, b1, b2] = [await open(1, student), await open(1, professor), await open(1, professor)];
    expect(a.frames[0]).toMatchObject({ type: "ready", requestIdx: 1, you: { userCode: "S1", role: "student" } });
    const start = a.frames[0]!.lastSeq as number;
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) a.ws.send(JSON.stringify({ type: "send", clientMsgId: id, content: `  hello ${id}  ` }));
    const messages = (c: { frames: Frame[] }) => c.frames.filter((f) => f.type === "message").map((f) => f.message as Record<string, unknown>);
    await until(() => [a, b1, b2].every((c) => messages(c).length === 2), "two messages everywhere");
    for (const c of [a, b1, b2]) expect(messages(c).map((m) => m.seq)).toEqual([start + 1, start + 2]);
    expect(messages(b1)[0]).toMatchObject({ sender: "S1", senderName: "Student S1", type: "NORMAL", content: `hello ${ids[0]}`, clientMsgId: ids[0] });
    expect(a.frames.filter((f) => f.type === "ack").map((f) => f.seq)).toEqual([start + 1, start + 2]);

    const redis = createClient({ url: peer.redisUrl });
    await redis.connect();
    try {
      const stored = (await redis.lRange("chat:room:1", 0, -1)).map((r) => JSON.parse(r) as { seq: number });
      expect(stored.slice(-2).map((m) => m.seq)).toEqual([start + 1, start + 2]);
      const ttl = await redis.ttl("chat:room:1");
      expect(ttl).toBeGreaterThan(36 * 3600 - 60);
      expect(ttl).toBeLessThanOrEqual(36 * 3600);
    } finally {
      await redis.quit();
    }

    // A retry of a stored clientMsgId: the same ack, no second message.
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: ids[0], content: "again" }));
    await until(() => a.frames.filter((f) => f.type === "ack").length === 3, "the repeated ack");
    expect(a.frames.filter((f) => f.type === "ack")[2]).toMatchObject({ clientMsgId: ids[0], seq: start + 1, id: messages(a)[0]!.id });
    a.ws.send('{"type":"ping"}');
    await until(() => a.frames.some((f) => f.type === "pong"), "pong");
    expect(messages(b1)).toHaveLength(2);

    const listed = await fetch(`${peer.baseUrl}/api/chat/messages/1?afterSeq=${start}`, { headers: { authorization: `Bearer ${professor.token}` } });
    expect(((await listed.json()) as { messages: { id: string }[] }).messages.map((m) => m.id)).toEqual(messages(b1).map((m) => m.id));
    const outsiderList = await fetch(`${peer.baseUrl}/api/chat/messages/1`, { headers: { authorization: `Bearer ${outsider.token}` } });
    expect(outsiderList.status).toBe(403);

    b1.ws.send(JSON.stringify({ type: "sync", afterSeq: start + 1 }));
    await until(() => b1.frames.some((f) => f.type === "history"), "history");
    expect((b1.frames.find((f) => f.type === "history")!.messages as { seq: number }[]).map((m) => m.seq)).toEqual([start + 2]);
    for (const c of [a, b1, b2]) c.ws.close();
  });

  it("refuses malformed, unknown and invalid frames with an error and stores nothing; closes on a frame over 16 KiB", async () => {
    const a = await open(1, student);
    const lastSeq = a.frames[0]!.lastSeq as number;
    a.ws.send("{not json");
    a.ws.send('{"type":"dance"}');
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: randomUUID(), content: "   " }));
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: randomUUID(), content: "x".repeat(2001) }));
    a.ws.send(JSON.stringify({ type: "send", content: "no id" }));
    await until(() => a.frames.filter((f) => f.type === "error").length === 5, "five errors");
    expect(a.frames.filter((f) => f.type === "error").map((f) => f.code)).toEqual(["BAD_FRAME", "BAD_FRAME", "VALIDATION", "VALIDATION", "VALIDATION"]);
    const b = await open(1, professor);
    expect(b.frames[0]!.lastSeq).toBe(lastSeq);
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: randomUUID(), content: "y".repeat(17 * 1024) }));
    expect(await a.closed).toBe(1009);
    b.ws.close();
  });
});
