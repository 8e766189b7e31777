/**
 * Crash durability (issue 11, "Also"): the host dies mid-chat. Both participants send
 * while `wrangler dev`'s whole process group is SIGKILLed (no shutdown, no flush), then
 * it starts again on the same `--persist-to` state (with STACK=production, on the same
 * Redis, MariaDB and s3rver). Every acked message is back with its id and seq, the seq is
 * gapless, retries of unacknowledged sends are de-duplicated, the next send continues the
 * sequence, and ending archives everything.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDevServer, type DevServer } from "../support/dev-server";
import { E2eApi, type Person } from "../support/e2e-api";
import type { ChatSocket, Frame } from "../support/ws-client";

const SECRET = `e2e-${randomBytes(24).toString("hex")}`;
let server: DevServer;
const api = new E2eApi(() => server, SECRET);

beforeAll(async () => {
  const stackVars = process.env.STACK === "production" ? inject("stack").vars : {};
  server = await startDevServer({ vars: { ...stackVars, JWT_SECRET: SECRET } });
});

afterAll(async () => {
  await server?.stop();
});

const student: Person = { sub: "CRASHSTU", name: "홍길동", role: "student" };
const professor: Person = { sub: "CRASHPROF", name: "김교수", role: "professor" };
const ENDED = "상담이 종료되었습니다.";

type Sent = { clientMsgId: string; content: string };

/** Sends a fresh message every `everyMs` (under the 10 a second rate limit) until stopped. */
function keepSending(socket: ChatSocket, who: string, everyMs: number): { sent: Sent[]; stop(): void } {
  const sent: Sent[] = [];
  const timer = setInterval(() => {
    const m = { clientMsgId: randomUUID(), content: `${who} ${sent.length + 1}` };
    sent.push(m);
    socket.send({ type: "send", ...m });
  }, everyMs);
  return { sent, stop: () => clearInterval(timer) };
}

const acksOf = (socket: ChatSocket) => socket.frames.filter((f): f is Frame => f.type === "ack");
const contentLines = (transcript: string) =>
  transcript
    .split("\n")
    .filter((l) => l.startsWith("내용: "))
    .map((l) => l.slice("내용: ".length));

describe(`a crash mid-chat (${process.env.STACK === "production" ? "production" : "embedded"} stack)`, () => {
  it("SIGKILL while both sides send: every acked message is back, gapless; retries dedupe; the sequence continues; the end archives all", async () => {
    const id = await api.scheduledRoom(student, professor);
    const sockets = [await api.open(id, student), await api.open(id, professor)];
    for (const s of sockets) s.ws.on("error", () => undefined); // the crash resets the connections
    const senders = [keepSending(sockets[0]!, "student", 110), keepSending(sockets[1]!, "professor", 130)];
    // Mid-chat: both have acks and keep sending while the host dies.
    await Promise.all(sockets.map((s) => s.until((f) => f.filter((x) => x.type === "ack").length >= 8, "8 acks")));
    await server.crash();
    for (const s of senders) s.stop();
    // The host is really gone: the connections dropped without a close frame, nothing listens.
    for (const close of await Promise.all(sockets.map((s) => s.closed()))) expect(close.code).toBe(1006);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    const acked = new Map(sockets.flatMap(acksOf).map((a) => [a.clientMsgId as string, { id: a.id as string, seq: a.seq as number }]));
    const sent = senders.flatMap((s) => s.sent);
    expect(acked.size).toBeGreaterThanOrEqual(16);
    expect(sent.length).toBeGreaterThan(acked.size - 1);

    await server.restart();

    // Every acked message is back, with its id and seq; the seqs are 1..n without a gap.
    const page = await api.rest(`/api/chat/messages/${id}`, student);
    expect(page.status).toBe(200);
    const stored = page.body.messages as Array<{ id: string; seq: number; clientMsgId: string | null; content: string }>;
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(page.body.messageCount).toBe(stored.length);
    const byClientId = new Map(stored.filter((m) => m.clientMsgId).map((m) => [m.clientMsgId!, m]));
    for (const [clientMsgId, ack] of acked) expect(byClientId.get(clientMsgId), clientMsgId).toMatchObject(ack);

    // sync after the restart gives the same history.
    const [s2, p2] = [await api.open(id, student), await api.open(id, professor)];
    s2.send({ type: "sync", afterSeq: 0 });
    const history = (await s2.next("history")).messages as typeof stored;
    expect(history.map((m) => [m.seq, m.id])).toEqual(stored.map((m) => [m.seq, m.id]));

    // Retrying every unacknowledged send: one ack each; a message that was stored keeps its seq.
    const retry = (socket: ChatSocket, who: string) => sent.filter((m) => m.content.startsWith(who) && !acked.has(m.clientMsgId));
    const retried: Array<[ChatSocket, Sent]> = [...retry(s2, "student").map((m) => [s2, m] as [ChatSocket, Sent]), ...retry(p2, "professor").map((m) => [p2, m] as [ChatSocket, Sent])];
    for (const [socket, m] of retried) socket.send({ type: "send", ...m });
    for (const socket of [s2, p2]) {
      const ids = retried.filter(([s]) => s === socket).map(([, m]) => m.clientMsgId);
      for (const result of await socket.results(ids)) {
        expect(result.type, JSON.stringify(result)).toBe("ack");
        const before = byClientId.get(result.clientMsgId as string);
        if (before) expect(result).toMatchObject({ id: before.id, seq: before.seq });
        else expect(result.seq).toBeGreaterThan(stored.length);
      }
    }

    // The next send continues the sequence.
    const after = await api.rest(`/api/chat/messages/${id}`, student);
    const all = after.body.messages as typeof stored;
    expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => i + 1));
    expect(new Set(all.map((m) => m.clientMsgId).filter(Boolean)).size).toBe(all.filter((m) => m.clientMsgId).length);
    for (const m of sent) expect(all.some((x) => x.clientMsgId === m.clientMsgId), m.content).toBe(true);
    const next = randomUUID();
    s2.send({ type: "send", clientMsgId: next, content: "after the crash" });
    expect((await s2.results([next]))[0]).toMatchObject({ type: "ack", seq: all.length + 1 });

    // On the production stack the Redis list (what the seeds read) holds what the room acked,
    // not a tail that Redis stored just before the crash.
    if (process.env.STACK === "production") {
      const { upstash } = inject("stack");
      const res = await fetch(upstash.url, {
        method: "POST",
        headers: { Authorization: `Bearer ${upstash.token}` },
        body: JSON.stringify(["LRANGE", `chat:room:${id}`, "0", "-1"]),
      });
      const listed = ((await res.json()) as { result: string[] }).result.map((j) => JSON.parse(j) as { seq: number; id: string });
      const final = (await api.rest(`/api/chat/messages/${id}`, student)).body.messages as typeof stored;
      expect(listed.map((m) => [m.seq, m.id])).toEqual(final.map((m) => [m.seq, m.id]));
    }

    // Ending archives every message, in seq order.
    expect((await api.rest(`/api/consultations/${id}/end`, professor, "POST")).status).toBe(200);
    const archive = await api.rest(`/api/chat/archive/download/${id}`, student);
    expect(archive.status).toBe(200);
    expect(contentLines(archive.body as string)).toEqual([...all.map((m) => m.content), "after the crash", ENDED]);
    expect(archive.body as string).toContain(`총 메시지 수: ${all.length + 2}\n`);
    for (const s of [s2, p2]) s.close();
  });
});
