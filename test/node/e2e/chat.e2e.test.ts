/**
 * SPEC section 4 end to end: real `ws` clients against `wrangler dev` (embedded adapters;
 * with STACK=production the Worker runs on the production stack of test/services).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDevServer, type DevServer } from "../support/dev-server";
import { ChatSocket, Refused } from "../support/ws-client";

const SECRET = `e2e-${randomBytes(24).toString("hex")}`;
let server: DevServer;

beforeAll(async () => {
  const stackVars = process.env.STACK === "production" ? inject("stack").vars : {};
  // Every test creates its consultations as the same student: no per-user limits here.
  server = await startDevServer({ vars: { ...stackVars, JWT_SECRET: SECRET, MAX_OPEN_REQUESTS: "0", CREATES_PER_HOUR: "0" } });
});

afterAll(async () => {
  await server?.stop();
});

type Person = { sub: string; name: string; role: string };
const student: Person = { sub: "E2ESTU", name: "홍길동", role: "student" };
const professor: Person = { sub: "E2EPROF", name: "김교수", role: "professor" };
const admin: Person = { sub: "E2EADM", name: "관리자", role: "admin" };
const stranger: Person = { sub: "E2EOTHER", name: "남", role: "student" };

const tokens = new Map<string, string>();
async function tokenFor(p: Person): Promise<string> {
  let t = tokens.get(p.sub);
  if (!t) {
    t = await new SignJWT({ name: p.name, role: p.role })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(p.sub)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
    tokens.set(p.sub, t);
  }
  return t;
}

async function rest(path: string, as: Person | null, method = "GET", body?: unknown): Promise<{ status: number; body: any; res: Response }> {
  const headers: Record<string, string> = {};
  if (as) headers.Authorization = `Bearer ${await tokenFor(as)}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.clone().text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text body (transcripts)
  }
  return { status: res.status, body: parsed, res };
}

/** A student's consultation with the professor, SCHEDULED (the first message starts it). */
async function scheduledRoom(): Promise<number> {
  const created = await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, recipientName: professor.name, title: "수업 관련 질문" });
  expect(created.status).toBe(201);
  const id = created.body.requestIdx as number;
  expect((await rest(`/api/consultations/${id}/approve`, professor, "POST", {})).status).toBe(200);
  return id;
}

const wsUrl = (id: number, ticket?: string) => `${server.url.replace("http", "ws")}/api/chat/ws/${id}${ticket ? `?ticket=${ticket}` : ""}`;

async function openBearer(id: number, p: Person): Promise<ChatSocket> {
  const socket = await ChatSocket.open(wsUrl(id), { Authorization: `Bearer ${await tokenFor(p)}` });
  await socket.next("ready");
  return socket;
}

async function openTicket(id: number, p: Person): Promise<ChatSocket> {
  const t = await rest(`/api/chat/ticket/${id}`, p, "POST");
  expect(t.status).toBe(200);
  const socket = await ChatSocket.open(wsUrl(id, t.body.ticket));
  await socket.next("ready");
  return socket;
}

/** SPEC section 7 built independently of the product's formatter (Asia/Seoul is UTC+9, no DST). */
function specTranscript(id: number, messages: any[], generated: string): string {
  const seoul = (iso: string) => new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
  const heavy = "=".repeat(50);
  let out = `${heavy}\n       상담 채팅 기록\n${heavy}\n\n상담 요청 번호: ${id}\n생성 일시: ${generated}\n총 메시지 수: ${messages.length}\n\n${heavy}\n\n`;
  // Content lines after the first are indented by four spaces.
  const content = (text: string) => text.split(/\r\n|[\n\r\u0085\u2028\u2029]/).join("\n    ");
  for (const m of messages) out += `[${seoul(m.sentAt)}]\n발신: ${m.senderName} (${m.sender})\n내용: ${content(m.content)}\n${"-".repeat(50)}\n`;
  return `${out}\n${heavy}\n채팅 기록 끝\n${heavy}\n`;
}

describe("a busy room over real sockets", () => {
  it("two participants on three devices each, sending at once with retries: one gapless order everywhere, in the store and in the transcript", async () => {
    const id = await scheduledRoom();
    const devices = [
      await openBearer(id, student),
      await openTicket(id, student),
      await openBearer(id, student),
      await openTicket(id, professor),
      await openBearer(id, professor),
      await openTicket(id, professor),
    ];
    const watcher = await openTicket(id, admin);
    const perDevice = 6; // 3 devices x 6 stays within one user's burst of 20
    const ids = devices.map((_, d) => Array.from({ length: perDevice }, () => randomUUID()));
    devices.forEach((socket, d) => {
      ids[d]!.forEach((clientMsgId, n) => {
        socket.send({ type: "send", clientMsgId, content: `  device ${d} message ${n}  ` });
        if (n % 3 === 0) socket.send({ type: "send", clientMsgId, content: `device ${d} message ${n}` }); // an eager retry
      });
    });
    const acks = await Promise.all(devices.map((socket, d) => socket.results(ids[d]!)));
    for (const a of acks.flat()) expect(a.type, JSON.stringify(a)).toBe("ack");

    const total = devices.length * perDevice + 1; // + the SYSTEM "started" of the first message
    for (const socket of [...devices, watcher]) await socket.until((f) => f.filter((x) => x.type === "message").length >= total, "every message");

    // A late retry of an acknowledged message: same ack, nothing new for anyone.
    const late = ids[0]![1]!;
    devices[0]!.send({ type: "send", clientMsgId: late, content: "device 0 message 1" });
    const lateAck = await devices[0]!.next((f) => f.type === "ack" && f.clientMsgId === late && f !== acks[0]![1]);
    expect(lateAck).toEqual(acks[0]![1]);

    const reference = devices[0]!.messages();
    expect(reference.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(reference[0]).toMatchObject({ type: "SYSTEM", sender: "SYSTEM" });
    expect(new Set(reference.map((m) => m.id)).size).toBe(total);
    for (const socket of [...devices, watcher]) expect(socket.messages()).toEqual(reference);
    devices.forEach((socket, d) => {
      const own = reference.filter((m) => ids[d]!.includes(m.clientMsgId));
      expect(own.map((m) => m.content)).toEqual(Array.from({ length: perDevice }, (_, n) => `device ${d} message ${n}`));
      // Acks name the stored message; retried sends were acked exactly like their originals.
      const acked = socket.frames.filter((f) => f.type === "ack");
      for (const a of acked) expect(own.find((m) => m.clientMsgId === a.clientMsgId)).toMatchObject({ id: a.id, seq: a.seq });
    });

    const stored = await rest(`/api/chat/messages/${id}`, student);
    expect(stored.body).toMatchObject({ requestIdx: id, messageCount: total });
    expect(stored.body.messages).toEqual(reference);
    const consultation = await rest(`/api/consultations/${id}`, student);
    expect(consultation.body.status).toBe("IN_PROGRESS");

    const download = await rest(`/api/chat/history/download/${id}`, professor, "POST");
    expect(download.status).toBe(200);
    expect(download.res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(download.res.headers.get("content-disposition")).toBe(`attachment; filename="chat-log-${id}.txt"`);
    const bytes = new Uint8Array(await download.res.arrayBuffer());
    const generated = /생성 일시: (.+)\n/.exec(download.body as string)![1]!;
    expect(generated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(bytes).toEqual(new TextEncoder().encode(specTranscript(id, reference, generated)));

    [...devices, watcher].forEach((s) => s.close());
  });
});

describe("reconnecting", () => {
  it("a device that was away reconnects with a ticket and syncs exactly what it missed", async () => {
    const id = await scheduledRoom();
    const phone = await openBearer(id, student);
    const prof = await openBearer(id, professor);
    const [first] = await phone.results([(() => { const c = randomUUID(); phone.send({ type: "send", clientMsgId: c, content: "before" }); return c; })()]);
    await phone.until((f) => f.some((x) => x.type === "message" && x.message.seq === first!.seq));
    const lastSeen = first!.seq as number;
    phone.close();
    await phone.closed();

    const missed = ["one", "two", "three"].map((content) => ({ clientMsgId: randomUUID(), content }));
    for (const m of missed) prof.send({ type: "send", ...m });
    await prof.results(missed.map((m) => m.clientMsgId));

    const again = await ChatSocket.open(wsUrl(id, (await rest(`/api/chat/ticket/${id}`, student, "POST")).body.ticket));
    const ready = await again.next("ready");
    expect(ready).toMatchObject({ requestIdx: id, status: "IN_PROGRESS", lastSeq: lastSeen + 3, you: { userCode: student.sub, name: student.name } });
    again.send({ type: "sync", afterSeq: lastSeen });
    const history = await again.next("history");
    expect(history.messages.map((m: any) => m.content)).toEqual(["one", "two", "three"]);
    expect(history.messages.map((m: any) => m.seq)).toEqual([lastSeen + 1, lastSeen + 2, lastSeen + 3]);
    // The retry of a message sent before the reconnect is still recognised.
    again.send({ type: "send", clientMsgId: first!.clientMsgId, content: "before" });
    expect(await again.next("ack")).toEqual(first);
    again.close();
    prof.close();
  });
});

describe("bad input over real sockets", () => {
  it("every bad frame gets its error and the socket stays open; oversize closes with 1009; admins are read-only", async () => {
    const id = await scheduledRoom();
    const s = await openBearer(id, student);
    const cases: Array<[string, string]> = [
      ["{oops", "BAD_FRAME"],
      ['{"type":"dance"}', "BAD_FRAME"],
      ['"send"', "BAD_FRAME"],
      ['{"type":"send","content":"no id"}', "VALIDATION"],
      ['{"type":"send","clientMsgId":"e1","content":""}', "VALIDATION"],
      ['{"type":"send","clientMsgId":"e2","content":"   "}', "VALIDATION"],
      [JSON.stringify({ type: "send", clientMsgId: "e3", content: "x".repeat(2001) }), "VALIDATION"],
      ['{"type":"sync","afterSeq":"zero"}', "VALIDATION"],
      ['{"type":"read","upToSeq":-4}', "VALIDATION"],
    ];
    for (const [raw, code] of cases) {
      s.send(raw);
      expect((await s.next("error")).code, raw).toBe(code);
    }
    s.ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
    expect((await s.next("error")).code).toBe("BAD_FRAME");
    s.send('{"type":"ping"}');
    expect(await s.next("pong")).toEqual({ type: "pong" });
    expect((await rest(`/api/chat/messages/${id}`, student)).body.messageCount).toBe(0);

    const watcher = await openBearer(id, admin);
    watcher.send({ type: "send", clientMsgId: "adm", content: "I am an admin" });
    expect(await watcher.next("error")).toMatchObject({ code: "FORBIDDEN", clientMsgId: "adm" });
    expect((await rest(`/api/consultations/${id}`, admin)).body.status).toBe("SCHEDULED");

    s.send(JSON.stringify({ type: "send", clientMsgId: "big", content: "x".repeat(17 * 1024) }));
    expect((await s.closed()).code).toBe(1009);
    watcher.close();
  });

  it("refuses before the upgrade: 401, reused ticket 401, 403, 404, 409", async () => {
    const id = await scheduledRoom();
    const refusal = async (url: string, headers: Record<string, string> = {}) => {
      try {
        (await ChatSocket.open(url, headers)).close();
        return null;
      } catch (e) {
        return e instanceof Refused ? [e.status, e.body.code] : e;
      }
    };
    expect(await refusal(wsUrl(id))).toEqual([401, "UNAUTHORIZED"]);
    expect(await refusal(wsUrl(id), { Authorization: "Bearer nonsense" })).toEqual([401, "UNAUTHORIZED"]);
    const ticket = (await rest(`/api/chat/ticket/${id}`, student, "POST")).body.ticket;
    expect(await refusal(wsUrl(id, ticket))).toBeNull();
    expect(await refusal(wsUrl(id, ticket))).toEqual([401, "UNAUTHORIZED"]);
    expect(await refusal(wsUrl(id), { Authorization: `Bearer ${await tokenFor(stranger)}` })).toEqual([403, "FORBIDDEN"]);
    expect(await refusal(wsUrl(99_999_999), { Authorization: `Bearer ${await tokenFor(student)}` })).toEqual([404, "NOT_FOUND"]);
    const pending = await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, title: "대기 중" });
    expect(await refusal(wsUrl(pending.body.requestIdx), { Authorization: `Bearer ${await tokenFor(student)}` })).toEqual([409, "INVALID_STATE"]);
  });

  it("beyond 10 a second (burst 20) a user's sends are RATE_LIMITED and not stored", async () => {
    const id = await scheduledRoom();
    const s = await openBearer(id, student);
    const sent = Array.from({ length: 80 }, () => randomUUID());
    for (const clientMsgId of sent) s.send({ type: "send", clientMsgId, content: "flood" });
    const results = await s.results(sent);
    const limited = results.filter((r) => r.type === "error");
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.code === "RATE_LIMITED")).toBe(true);
    const acked = results.filter((r) => r.type === "ack").length;
    expect((await rest(`/api/chat/messages/${id}`, student)).body.messageCount).toBe(acked + 1);
    s.close();
  });
});

describe("ending", () => {
  it("every socket gets status COMPLETED and close 4009; later connects are 409", async () => {
    const id = await scheduledRoom();
    const sockets = [await openBearer(id, student), await openTicket(id, professor), await openBearer(id, admin)];
    sockets[0]!.send({ type: "send", clientMsgId: randomUUID(), content: "마지막 인사" });
    await sockets[0]!.next("ack");
    expect((await rest(`/api/consultations/${id}/end`, professor, "POST")).status).toBe(200);
    for (const s of sockets) {
      expect(await s.next((f) => f.type === "status" && f.status !== "IN_PROGRESS")).toEqual({ type: "status", status: "COMPLETED" });
      expect((await s.closed()).code).toBe(4009);
    }
    await expect(openBearer(id, student)).rejects.toMatchObject({ status: 409 });
  });

  it("chat, end, download the archive: the chat's transcript plus the ended message, byte for byte", async () => {
    const id = await scheduledRoom();
    const s = await openBearer(id, student);
    const p = await openBearer(id, professor);
    for (const [socket, content] of [[s, "교수님 안녕하세요"], [p, "네, 무엇이 궁금하신가요?"], [s, "감사합니다"]] as const) {
      const [ack] = await socket.results([(() => { const c = randomUUID(); socket.send({ type: "send", clientMsgId: c, content }); return c; })()]);
      expect(ack!.type).toBe("ack");
    }
    const live = await rest(`/api/chat/history/download/${id}`, professor, "POST");
    expect(live.status).toBe(200);
    const before = (await rest(`/api/chat/messages/${id}`, student)).body.messages;

    expect((await rest(`/api/consultations/${id}/end`, student, "POST")).body).toMatchObject({ status: "COMPLETED", chatLogKey: `archive/chat_${id}_final.txt` });
    await s.closed();
    const ended = s.messages().at(-1);
    expect(ended).toMatchObject({ type: "SYSTEM", sender: "SYSTEM", seq: before.length + 1 });
    p.close();

    const archive = await rest(`/api/chat/archive/download/${id}`, student);
    expect(archive.status).toBe(200);
    expect(archive.res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const text = archive.body as string;
    const generated = /생성 일시: (.+)\n/.exec(text)![1]!;
    expect(new Uint8Array(await archive.res.arrayBuffer())).toEqual(new TextEncoder().encode(specTranscript(id, [...before, ended], generated)));
    // Against the transcript taken before the end: the same bytes but for the time and count lines and the ended message.
    const timeless = (t: string) => t.replace(/생성 일시: .+\n/, "").replace(/총 메시지 수: .+\n/, "");
    const endedBlock = /\[[^\]]+\]\n발신: 시스템 \(SYSTEM\)\n내용: 상담이 종료되었습니다\.\n-{50}\n(?=\n={50}\n채팅 기록 끝)/;
    expect(timeless(text).replace(endedBlock, "")).toBe(timeless(live.body as string));
    expect((await rest(`/api/chat/messages/${id}`, student)).body).toMatchObject({ messageCount: 0 });
  });
});
