/**
 * SPEC section 12 end to end: unmodified @stomp/stompjs (over `ws`) and sockjs-client +
 * stompjs running the seed document's own client code, against `wrangler dev` (with
 * STACK=production, on the production stack), next to the service's JSON-frame clients.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Client, type IFrame } from "@stomp/stompjs";
import SockJS from "sockjs-client";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { chatE2e, type Person } from "../support/chat-e2e";
import { startDevServer, type DevServer } from "../support/dev-server";
import { seedClient, seedReceived } from "../support/seed-stomp-client";
import { chatQueue, closeOf, connect, deactivateAll, publishWithReceipt, stompOverWs, track, waitFor } from "../support/stomp-clients";

const SECRET = `e2e-${randomBytes(24).toString("hex")}`;
let server: DevServer;
const e2e = chatE2e(() => server, SECRET);

const student: Person = { sub: "STU001", name: "홍길동", role: "student" };
const student2: Person = { sub: "STU002", name: "김철수", role: "student" };
const professor: Person = { sub: "PROF001", name: "김교수", role: "professor" };
const stranger: Person = { sub: "STU999", name: "남", role: "student" };
const filler: Person = { sub: "FILLER", name: "채움", role: "student" };
/** The seed's snippet sends to consultation 123: the student's, with the professor, SCHEDULED. */
const SEED_ROOM = 123;

beforeAll(async () => {
  const stackVars = process.env.STACK === "production" ? inject("stack").vars : {};
  server = await startDevServer({ vars: { ...stackVars, JWT_SECRET: SECRET, MAX_OPEN_REQUESTS: "0", CREATES_PER_HOUR: "0" } });
  // Consultations up to 122 belong to someone else (and stay PENDING), so 123 is the
  // student's. On the production stack the suite's files share one database, so files that
  // ran before this one may have taken some of those ids already: fill up from wherever it is.
  let last = 0;
  while (last < SEED_ROOM - 1) {
    const r = await e2e.rest("/api/consultations", filler, "POST", { recipientUserCode: "NOBODY", title: `filler ${last + 1}` });
    expect(r.status).toBe(201);
    last = r.body.requestIdx as number;
  }
  expect(last, `consultation ${SEED_ROOM} was taken before this file ran`).toBe(SEED_ROOM - 1);
  expect(await e2e.scheduledRoom(student, professor)).toBe(SEED_ROOM);
}, 180_000);

afterEach(() => deactivateAll());
afterAll(async () => {
  await server?.stop();
});

const wsBase = () => server.url.replace("http", "ws");
const stompUrl = () => `${wsBase()}/ws/chat`;
const stomp = async (p: Person, extra = {}, protocols?: string[]) => stompOverWs(stompUrl(), await e2e.tokenFor(p), extra, protocols);
const stored = async (id: number) => (await e2e.rest(`/api/chat/messages/${id}`, professor)).body.messages as Array<{ id: string; seq: number; sender: string; content: string }>;

describe("STOMP over a plain WebSocket (@stomp/stompjs over ws)", () => {
  it("negotiates the subprotocol, connects with the bearer header, and messages cross to and from a JSON-frame client with the same seq", async () => {
    const id = await e2e.scheduledRoom(student, professor);
    const client = await stomp(student);
    const connected = await connect(client);
    expect(connected.headers).toMatchObject({ version: "1.2", "user-name": student.sub, "heart-beat": "10000,10000" });
    expect((client.webSocket as unknown as WebSocket).protocol).toBe("v12.stomp");
    const queue = chatQueue(client);

    const json = await e2e.openBearer(id, professor);
    json.send({ type: "sync", afterSeq: 0 });
    json.send({ type: "send", clientMsgId: randomUUID(), content: "안녕하세요, 학생" });
    const ack = await json.next("ack");
    // The first message started the consultation: SYSTEM 1, the professor's 2.
    const fromJson = (await queue.until(2)).find((m) => m.id === ack.id)!;
    expect(fromJson).toMatchObject({ requestIdx: id, sender: professor.sub, senderName: professor.name, content: "안녕하세요, 학생", seq: ack.seq, type: "NORMAL" });
    expect(Object.keys(fromJson)).toEqual(["requestIdx", "sender", "senderName", "content", "sentAt", "id", "seq", "type", "clientMsgId"]);

    const receipt = await publishWithReceipt(client, { requestIdx: id, content: "  네, 교수님  " }, { "client-msg-id": "stomp-1" });
    const echoed = await json.next((f) => f.type === "message" && f.message.sender === student.sub);
    expect(echoed.message).toMatchObject({ seq: Number(receipt.headers.seq), id: receipt.headers["message-id"], content: "네, 교수님", clientMsgId: "stomp-1" });
    // The sender's own STOMP subscription gets it too (every device), in room order.
    expect((await queue.until(3)).map((m) => m.seq)).toEqual([1, 2, 3]);
    // A retry with the same client-msg-id is not stored again.
    const again = await publishWithReceipt(client, { requestIdx: id, content: "네, 교수님" }, { "client-msg-id": "stomp-1" });
    expect(again.headers).toMatchObject({ seq: receipt.headers.seq, "message-id": receipt.headers["message-id"] });
    expect((await stored(id)).map((m) => m.seq)).toEqual([1, 2, 3]);
    json.close();
  });

  it.each([
    [["v11.stomp", "v10.stomp"], "v11.stomp", "1.1"],
    [["v10.stomp"], "v10.stomp", "1.0"],
    [[], "", "1.2"],
  ])("offered %j: answers subprotocol %j and speaks STOMP %s", async (offered, answered, version) => {
    const client = await stomp(student, {}, offered);
    const frame = await connect(client);
    expect((client.webSocket as unknown as WebSocket).protocol).toBe(answered);
    expect(frame.headers.version).toBe(version);
  });

  it("SUBSCRIBE delivers what was stored before, and a consultation that opens later", async () => {
    const id = await e2e.scheduledRoom(student, professor);
    const writer = await stomp(student);
    await connect(writer);
    for (const content of ["one", "two"]) await publishWithReceipt(writer, { requestIdx: id, content });
    const reader = await stomp(professor);
    await connect(reader);
    const queue = chatQueue(reader);
    await waitFor(() => (queue.got.filter((m) => m.requestIdx === id).length === 3 ? true : undefined));
    expect(queue.got.filter((m) => m.requestIdx === id).map((m) => m.content)).toEqual([expect.any(String), "one", "two"]);
    // Opened after the reader subscribed: the professor's inbox tells the connection to follow it.
    const later = await e2e.scheduledRoom(student, professor);
    // SPEC section 9: the inbox hears of it within a second (then the connection follows the room).
    await new Promise((r) => setTimeout(r, 1000));
    await publishWithReceipt(writer, { requestIdx: later, content: "new room" });
    const got = await waitFor(() => queue.got.find((m) => m.requestIdx === later && m.content === "new room"));
    expect(got.seq).toBe(2);
  });

  it("answers a bad token with ERROR UNAUTHORIZED and closes (4001)", async () => {
    const client = stompOverWs(stompUrl(), "not-a-jwt");
    const closed = closeOf(client);
    client.activate();
    const { code, error } = await closed;
    expect(error?.headers).toMatchObject({ code: "UNAUTHORIZED" });
    expect(code).toBe(4001);
  });

  it("answers a non-participant's SEND with ERROR FORBIDDEN, closes, and stores nothing", async () => {
    const id = await e2e.scheduledRoom(student, professor);
    const client = await stomp(stranger);
    await connect(client);
    const closed = closeOf(client);
    client.publish({ destination: "/app/chat.send", body: JSON.stringify({ requestIdx: id, content: "let me in" }), headers: { receipt: "r1" } });
    const { code, error } = await closed;
    expect(error?.headers).toMatchObject({ code: "FORBIDDEN", "receipt-id": "r1" });
    expect(code).toBe(1008);
    expect(await stored(id)).toEqual([]);
  });

  it("refuses bad SENDs with the SPEC codes: VALIDATION (empty, too long), NOT_FOUND (no such consultation), BAD_FRAME (not JSON)", async () => {
    const id = await e2e.scheduledRoom(student, professor);
    for (const [body, code] of [
      [JSON.stringify({ requestIdx: id, content: "   " }), "VALIDATION"],
      [JSON.stringify({ requestIdx: id, content: "x".repeat(2001) }), "VALIDATION"],
      [JSON.stringify({ requestIdx: 999_999, content: "hi" }), "NOT_FOUND"],
      [JSON.stringify({ content: "hi" }), "VALIDATION"],
      ["{not json", "BAD_FRAME"],
    ] as const) {
      const client = await stomp(student);
      await connect(client);
      const closed = closeOf(client);
      client.publish({ destination: "/app/chat.send", body });
      const { error } = await closed;
      expect(error?.headers.code, body.slice(0, 40)).toBe(code);
    }
    expect(await stored(id)).toEqual([]);
  });

  it("closes with ERROR UNAUTHORIZED (4001) when the token expires while connected", async () => {
    const client = stompOverWs(stompUrl(), await e2e.tokenFor(student, Math.floor(Date.now() / 1000) + 3));
    await connect(client);
    const started = Date.now();
    const { code, error } = await closeOf(client);
    expect(error?.headers).toMatchObject({ code: "UNAUTHORIZED", message: "token expired" });
    expect(code).toBe(4001);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("10 concurrent STOMP clients x 2 rooms: every client sees each of its rooms gapless, in the stored order", async () => {
    const a = await e2e.scheduledRoom(student, professor);
    const b = await e2e.scheduledRoom(student2, professor);
    const people = [student, student, student, student2, student2, student2, professor, professor, professor, professor];
    const roomsOf = (p: Person) => (p === student ? [a] : p === student2 ? [b] : [a, b]);
    const clients = await Promise.all(people.map((p) => stomp(p)));
    await Promise.all(clients.map(connect));
    const queues = clients.map(chatQueue);
    await Promise.all(clients.flatMap((c, i) => roomsOf(people[i]!).flatMap((room) => Array.from({ length: 4 }, (_, k) => publishWithReceipt(c, { requestIdx: room, content: `${i}-${k}` })))));
    const truth = { [a]: await stored(a), [b]: await stored(b) };
    // Each room: 3 students x 4 + 4 professor clients x 4, and the SYSTEM "started" message.
    expect(truth[a]!.length).toBe(29);
    expect(truth[b]!.length).toBe(29);
    for (const [i, queue] of queues.entries()) {
      const mine = roomsOf(people[i]!);
      const got = await queue.until(mine.length * 29);
      for (const room of mine) {
        const seen = got.filter((m) => m.requestIdx === room);
        expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 29 }, (_, k) => k + 1));
        expect(seen.map((m) => m.id)).toEqual(truth[room]!.map((m) => m.id));
      }
    }
  });
});

describe("heart-beats", () => {
  it("keep idle connections open past their interval: stompjs defaults, a client that never beats, and SockJS", async () => {
    const counts = { plain: 0, silent: 0, sockjs: 0 };
    const lost: string[] = [];
    const closed: string[] = [];
    const token = await e2e.tokenFor(student);
    const plain = await stomp(student, { onHeartbeatReceived: () => counts.plain++, onHeartbeatLost: () => lost.push("plain") });
    // Beats nothing itself but wants the server's: the server's alarm has to send them.
    const silent = await stomp(student, { heartbeatOutgoing: 0, onHeartbeatReceived: () => counts.silent++, onHeartbeatLost: () => lost.push("silent") });
    const sockjs = new Client({
      webSocketFactory: () => new SockJS(`${server.url}/ws/chat`),
      connectHeaders: { Authorization: `Bearer ${token}` },
      reconnectDelay: 0,
      onHeartbeatReceived: () => counts.sockjs++,
      onHeartbeatLost: () => lost.push("sockjs"),
    });
    track(sockjs);
    const all = { plain, silent, sockjs };
    await Promise.all(Object.values(all).map(connect));
    for (const [name, c] of Object.entries(all)) c.onWebSocketClose = () => closed.push(name);
    await new Promise((r) => setTimeout(r, 25_000)); // 2.5 intervals of 10 s, idle
    expect({ lost, closed }).toEqual({ lost: [], closed: [] });
    expect(counts.plain).toBeGreaterThanOrEqual(2);
    expect(counts.silent).toBeGreaterThanOrEqual(2);
    expect(counts.sockjs).toBeGreaterThanOrEqual(2);
    const id = await e2e.scheduledRoom(student, professor);
    const queue = chatQueue(plain);
    await publishWithReceipt(sockjs, { requestIdx: id, content: "still here" });
    expect(await waitFor(() => queue.got.find((m) => m.content === "still here"))).toMatchObject({ requestIdx: id });
  }, 45_000);
});

describe("SockJS (sockjs-client + stompjs, the seed's client code)", () => {
  it("GET /ws/chat/info says websocket: true", async () => {
    const res = await fetch(`${server.url}/ws/chat/info?t=${Date.now()}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ websocket: true, cookie_needed: false });
  });

  it("the seed's snippet connects, subscribes and sends; a JSON-frame client answers and the snippet receives it", async () => {
    const json = await e2e.openBearer(SEED_ROOM, professor);
    json.send({ type: "sync", afterSeq: 0 });
    const { socket, events } = seedClient(server.url, await e2e.tokenFor(student));
    const mine = await json.next((f) => f.type === "message" && f.message.sender === student.sub);
    expect(mine.message).toMatchObject({ requestIdx: SEED_ROOM, content: "Test message", senderName: student.name });
    expect((socket as unknown as { transport: string }).transport).toBe("websocket");
    const own = await waitFor(() => seedReceived(events).find((m) => m.content === "Test message"));
    expect(own).toMatchObject({ seq: mine.message.seq, id: mine.message.id, requestIdx: SEED_ROOM, sender: student.sub });
    json.send({ type: "send", clientMsgId: randomUUID(), content: "답장입니다" });
    const ack = await json.next("ack");
    const reply = await waitFor(() => seedReceived(events).find((m) => m.content === "답장입니다"));
    expect(reply).toMatchObject({ seq: ack.seq, id: ack.id, sender: professor.sub });
    // Room order: the snippet saw every stored message of the room once, by seq (and the student's other rooms too).
    const seqs = seedReceived(events).filter((m) => m.requestIdx === SEED_ROOM).map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(events.filter(([kind]) => kind === "error")).toEqual([]);
    json.close();
  });

  it("a bad token reaches the snippet's error callback with ERROR UNAUTHORIZED, and the socket closes (4001)", async () => {
    const { socket, events } = seedClient(server.url, "forged");
    const closed = new Promise<{ code: number }>((r) => socket.addEventListener("close", (e) => r(e as unknown as { code: number })));
    const error = await waitFor(() => events.find(([kind]) => kind === "error"));
    expect((error[1][1] as IFrame).headers).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await closed).code).toBe(4001);
  });

  it("refuses the other SockJS transports with 404 and a readable JSON body", async () => {
    for (const [method, transport] of [["POST", "xhr"], ["POST", "xhr_streaming"], ["POST", "xhr_send"], ["GET", "eventsource"], ["GET", "htmlfile"], ["GET", "jsonp"]] as const) {
      const res = await fetch(`${server.url}/ws/chat/000/abcdefgh/${transport}`, { method });
      expect(res.status, transport).toBe(404);
      expect(await res.json()).toMatchObject({ code: "NOT_FOUND", error: expect.stringContaining("websocket") });
    }
    const dotted = await fetch(`${server.url}/ws/chat/000/ab.cd/websocket`);
    expect(dotted.status).toBe(404);
    // A client restricted to those transports fails visibly instead of hanging.
    const socket = new SockJS(`${server.url}/ws/chat`, undefined, { transports: ["xhr-streaming", "xhr-polling"] });
    const closed = await new Promise<{ code: number }>((r) => socket.addEventListener("close", (e) => r(e as unknown as { code: number })));
    expect(closed.code).not.toBe(1000);
  });

  it("a GET of /ws/chat that is no upgrade gets 426 JSON", async () => {
    const res = await fetch(`${server.url}/ws/chat`);
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ code: "VALIDATION" });
  });

  it("closes a SockJS session that sends broken framing (c[3000])", async () => {
    const ws = new WebSocket(`${wsBase()}/ws/chat/1/abcdefgh/websocket`);
    const frames: string[] = [];
    ws.on("message", (d) => frames.push(d.toString()));
    await new Promise((r) => ws.once("open", r));
    ws.send("not json");
    await new Promise((r) => ws.once("close", r));
    expect(frames).toEqual(["o", 'c[3000,"Broken framing."]']);
  });
});
