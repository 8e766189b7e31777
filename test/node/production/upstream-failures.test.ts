/**
 * The failure rules of the production stack, end to end: `wrangler dev` with Upstash,
 * PlanetScale and S3 configured (test/services/stack.ts, started by the globalSetup), and a
 * service taken down and brought back through the stack's control URL while real clients
 * use the product.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDevServer, type DevServer } from "../support/dev-server";
import { ChatSocket, type Frame } from "../support/ws-client";

const stack = inject("stack");
const SECRET = `failures-${randomBytes(24).toString("hex")}`;
let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({ vars: { ...stack.vars, JWT_SECRET: SECRET } });
});

afterAll(async () => {
  await server?.stop();
});

type Person = { sub: string; name: string; role: string };
const student: Person = { sub: "FAILSTU", name: "홍길동", role: "student" };
const professor: Person = { sub: "FAILPROF", name: "김교수", role: "professor" };

const token = (p: Person) =>
  new SignJWT({ name: p.name, role: p.role })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(p.sub)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SECRET));

async function rest(path: string, as: Person, method = "GET", body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await token(as)}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function setService(service: "upstash" | "planetscale", state: "down" | "up"): Promise<void> {
  const res = await fetch(`${stack.control}/${service}/${state}`, { method: "POST" });
  expect(res.status, `stack control ${service}/${state}`).toBe(200);
}

async function whileDown(service: "upstash" | "planetscale", fn: () => Promise<void>): Promise<void> {
  await setService(service, "down");
  try {
    await fn();
  } finally {
    await setService(service, "up");
  }
}

async function scheduledRoom(): Promise<number> {
  const created = await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, title: "장애 테스트" });
  expect(created.status).toBe(201);
  expect((await rest(`/api/consultations/${created.body.requestIdx}/approve`, professor, "POST", {})).status).toBe(200);
  return created.body.requestIdx as number;
}

async function open(id: number, p: Person): Promise<ChatSocket> {
  const socket = await ChatSocket.open(`${server.url.replace("http", "ws")}/api/chat/ws/${id}`, { Authorization: `Bearer ${await token(p)}` });
  await socket.next("ready");
  return socket;
}

const about = (clientMsgId: string) => (f: Frame) =>
  (f.type === "ack" || f.type === "error") && f.clientMsgId === clientMsgId;

describe("Upstash unreachable during a send", () => {
  it("no ack or broadcast, UPSTREAM_UNAVAILABLE with the clientMsgId; the same send later is stored once, gapless", async () => {
    const id = await scheduledRoom();
    const sender = await open(id, student);
    const other = await open(id, professor);
    const first = randomUUID();
    sender.send({ type: "send", clientMsgId: first, content: "장애 전" });
    expect(await sender.next(about(first))).toMatchObject({ type: "ack", seq: 2 }); // seq 1: SYSTEM "started"

    const lost = randomUUID();
    await whileDown("upstash", async () => {
      sender.send({ type: "send", clientMsgId: lost, content: "장애 중" });
      expect(await sender.next(about(lost))).toMatchObject({ type: "error", code: "UPSTREAM_UNAVAILABLE", clientMsgId: lost });
      // Reading needs no hot store: the room serves its own log (DESIGN.md decision 7), only what was stored.
      const during = await rest(`/api/chat/messages/${id}`, student);
      expect(during.status).toBe(200);
      expect(during.body.messages.map((m: { seq: number; clientMsgId: string | null }) => [m.seq, m.clientMsgId])).toEqual([[1, null], [2, first]]);
    });

    sender.send({ type: "send", clientMsgId: lost, content: "장애 중" });
    expect(await sender.next(about(lost))).toMatchObject({ type: "ack", seq: 3 });
    const after = randomUUID();
    sender.send({ type: "send", clientMsgId: after, content: "복구 후" });
    expect(await sender.next(about(after))).toMatchObject({ type: "ack", seq: 4 });
    await other.until((f) => f.some((x) => x.type === "message" && x.message.clientMsgId === after), "the last message");

    // The refused attempt left nothing behind: one message per send, for every receiver.
    for (const socket of [sender, other]) {
      expect(socket.messages().map((m) => `${m.seq}:${m.clientMsgId ?? m.type}`)).toEqual(["1:SYSTEM", `2:${first}`, `3:${lost}`, `4:${after}`]);
    }
    expect(sender.frames.filter((f) => f.type === "ack" && f.clientMsgId === lost)).toHaveLength(1);
    const stored = await rest(`/api/chat/messages/${id}`, professor);
    expect(stored.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4]);
    sender.close();
    other.close();
  });
});

describe("PlanetScale unreachable", () => {
  it("requests get 503 UPSTREAM_UNAVAILABLE and nothing is half-written; retries succeed once it is back", async () => {
    const pending = await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, title: "대기" });
    expect(pending.status).toBe(201);
    const before = await rest("/api/consultations?limit=100", student);

    await whileDown("planetscale", async () => {
      const unavailable = { status: 503, body: { code: "UPSTREAM_UNAVAILABLE" } };
      expect(await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, title: "유실?" })).toMatchObject(unavailable);
      expect(await rest(`/api/consultations/${pending.body.requestIdx}/approve`, professor, "POST", {})).toMatchObject(unavailable);
      expect(await rest(`/api/consultations/${pending.body.requestIdx}`, student)).toMatchObject(unavailable);
      expect(await rest("/api/consultations", student)).toMatchObject(unavailable);
    });

    expect(await rest("/api/consultations?limit=100", student)).toEqual(before);
    expect(await rest(`/api/consultations/${pending.body.requestIdx}/approve`, professor, "POST", {})).toMatchObject({
      status: 200,
      body: { status: "SCHEDULED" },
    });
  });
});
