/**
 * Unmodified @stomp/stompjs and sockjs-client against StompSession + the codec + the
 * SockJS framing, hosted by a small Node server (support/stomp-harness.ts).
 */
import { Client, Versions, type IFrame } from "@stomp/stompjs";
import SockJS from "sockjs-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { User } from "../../../src/domain/types";
import { seedClient } from "../support/seed-stomp-client";
import { chatQueue as inbox, closeOf, connect, deactivateAll, publishWithReceipt, stompOverWs, track, waitFor } from "../support/stomp-clients";
import { startHarness, type Harness, type HarnessOptions } from "./support/stomp-harness";

const STUDENT: User = { userCode: "STU001", name: "홍길동", role: "STUDENT", isCounselor: false, isAdmin: false, exp: null };
const STUDENT2: User = { ...STUDENT, userCode: "STU002", name: "김철수" };
const PROFESSOR: User = { userCode: "PROF01", name: "이교수", role: "PROFESSOR", isCounselor: true, isAdmin: false, exp: null };
const OUTSIDER: User = { ...STUDENT, userCode: "STU999", name: "남" };

let harness: Harness;

async function start(options: HarnessOptions = {}) {
  harness = await startHarness(options);
  for (const [token, user] of [["t-student", STUDENT], ["t-student2", STUDENT2], ["t-prof", PROFESSOR], ["t-outsider", OUTSIDER]] as const) harness.users.set(token, user);
  harness.rooms.set(123, { participants: ["STU001", "PROF01"], messages: [] });
  harness.rooms.set(124, { participants: ["STU002", "PROF01"], messages: [] });
}

beforeEach(() => start());
afterEach(async () => {
  await deactivateAll();
  await harness.close();
});

const wsUrl = () => `${harness.url.replace("http", "ws")}/ws/chat`;

/** A stompjs Client over the `ws` package (webSocketFactory), as a Node service would use it. */
const stompClient = (token: string, extra: Parameters<typeof stompOverWs>[2] = {}) => stompOverWs(wsUrl(), token, extra);

describe("@stomp/stompjs over a plain WebSocket", () => {
  it("connects with the Authorization header, subscribes, sends with a receipt; both sides get the same seq", async () => {
    const student = stompClient("t-student");
    // The other side uses stompjs's default WebSocket path (brokerURL; Node's global WebSocket).
    const professor = new Client({ brokerURL: wsUrl(), connectHeaders: { Authorization: "Bearer t-prof" }, reconnectDelay: 0 });
    track(professor);
    const [connected] = await Promise.all([connect(student), connect(professor)]);
    expect(connected.headers).toMatchObject({ version: "1.2", "user-name": "STU001", "heart-beat": "10000,10000" });
    expect((professor.webSocket as unknown as { protocol: string }).protocol).toBe("v12.stomp");
    const mine = inbox(student);
    const theirs = inbox(professor);

    const receipt = await publishWithReceipt(student, { requestIdx: 123, content: "  안녕하세요  " });
    expect(receipt.headers.seq).toBe("1");
    const [a] = await mine.until(1);
    const [b] = await theirs.until(1);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ requestIdx: 123, sender: "STU001", senderName: "홍길동", content: "안녕하세요", seq: 1, type: "NORMAL", id: receipt.headers["message-id"] });
    expect(Object.keys(a!)).toEqual(["requestIdx", "sender", "senderName", "content", "sentAt", "id", "seq", "type", "clientMsgId"]);

    await publishWithReceipt(professor, { requestIdx: 123, content: "네, 반갑습니다" });
    expect((await mine.until(2)).map((m) => m.seq)).toEqual([1, 2]);
    expect((await theirs.until(2)).map((m) => m.sender)).toEqual(["STU001", "PROF01"]);
  });

  it("delivers the stored history on SUBSCRIBE, in room order", async () => {
    const writer = stompClient("t-student");
    await connect(writer);
    for (const content of ["one", "two", "three"]) await publishWithReceipt(writer, { requestIdx: 123, content });
    const reader = stompClient("t-prof");
    await connect(reader);
    expect((await inbox(reader).until(3)).map((m) => m.content)).toEqual(["one", "two", "three"]);
  });

  it.each([["1.0"], ["1.1"], ["1.2"]])("works in STOMP %s", async (version) => {
    const client = stompClient("t-student", { stompVersions: new Versions([version]) });
    const frame = await connect(client);
    expect(frame.headers.version).toBe(version);
    expect(client.connectedVersion).toBe(version);
    const box = inbox(client);
    await publishWithReceipt(client, { requestIdx: 123, content: `in ${version}` });
    expect((await box.until(1))[0]!.content).toBe(`in ${version}`);
  });

  it("round-trips escaped header values in 1.2 (client-msg-id with :, LF and \\)", async () => {
    // A colon, a line break and a backslash (not before n/r/c: stompjs's unescape is sequential).
    const ID = "dev:1\nline\\x";
    const client = stompClient("t-student");
    await connect(client);
    const box = inbox(client);
    const receipt = await publishWithReceipt(client, { requestIdx: 123, content: "x" }, { "client-msg-id": ID });
    expect(receipt.headers["client-msg-id"]).toBe(ID);
    expect((await box.until(1))[0]!.clientMsgId).toBe(ID);
    // A retry with the same client-msg-id is not stored twice.
    const again = await publishWithReceipt(client, { requestIdx: 123, content: "x" }, { "client-msg-id": ID });
    expect(again.headers.seq).toBe("1");
  });

  it("answers a bad token with ERROR and closes the connection", async () => {
    const client = stompClient("forged");
    const closed = closeOf(client);
    client.activate();
    const { code, error } = await closed;
    expect(error?.headers).toMatchObject({ code: "UNAUTHORIZED" });
    expect(code).toBe(4001);
  });

  it("answers a non-participant's SEND with ERROR FORBIDDEN, then closes", async () => {
    const client = stompClient("t-outsider");
    await connect(client);
    const closed = closeOf(client);
    client.publish({ destination: "/app/chat.send", body: JSON.stringify({ requestIdx: 123, content: "let me in" }) });
    const { code, error } = await closed;
    expect(error?.headers).toMatchObject({ code: "FORBIDDEN" });
    expect(code).toBe(1008);
    expect(harness.rooms.get(123)!.messages).toEqual([]);
  });

  it("10 concurrent clients x 2 rooms: every client sees gapless seqs in the same order", async () => {
    const tokens = ["t-student", "t-student", "t-student", "t-student2", "t-student2", "t-student2", "t-prof", "t-prof", "t-prof", "t-prof"];
    const all = tokens.map((t) => stompClient(t));
    await Promise.all(all.map(connect));
    const boxes = all.map(inbox);
    const rooms = (t: string) => (t === "t-student" ? [123] : t === "t-student2" ? [124] : [123, 124]);
    await Promise.all(all.flatMap((c, i) => rooms(tokens[i]!).flatMap((room) => Array.from({ length: 5 }, (_, k) => publishWithReceipt(c, { requestIdx: room, content: `${i}-${k}` })))));
    const total = { 123: 3 * 5 + 4 * 5, 124: 3 * 5 + 4 * 5 };
    for (const [i, box] of boxes.entries()) {
      const mine = rooms(tokens[i]!);
      const got = await box.until(mine.reduce((n, r) => n + total[r as 123 | 124], 0));
      for (const room of mine) {
        const ids = got.filter((m) => m.requestIdx === room);
        expect(ids.map((m) => m.seq)).toEqual(Array.from({ length: total[room as 123 | 124] }, (_, k) => k + 1));
        expect(ids.map((m) => m.id)).toEqual(harness.rooms.get(room)!.messages.map((m) => m.id));
      }
    }
  });
});

describe("heart-beats", () => {
  it("keep an idle connection open past its interval, both ways", async () => {
    await harness.close();
    await start({ heartBeat: { sendMs: 300, receiveMs: 300 } });
    let received = 0;
    let lost = 0;
    const client = stompClient("t-student", { heartbeatIncoming: 300, heartbeatOutgoing: 300, onHeartbeatReceived: () => received++, onHeartbeatLost: () => lost++ });
    const frame = await connect(client);
    let closed = false;
    client.onWebSocketClose = () => (closed = true);
    await new Promise((r) => setTimeout(r, 2500)); // idle for > 8 intervals
    expect({ closed, lost }).toEqual({ closed: false, lost: 0 });
    expect(received).toBeGreaterThanOrEqual(4);
    expect(harness.heartBeatsReceived.get(frame.headers.session!)).toBeGreaterThanOrEqual(4);
    const box = inbox(client);
    await publishWithReceipt(client, { requestIdx: 123, content: "still here" });
    expect((await box.until(1))[0]!.content).toBe("still here");
  });

  it("keep an idle SockJS connection open too (heart-beats travel as a[\"\\n\"])", async () => {
    await harness.close();
    await start({ heartBeat: { sendMs: 300, receiveMs: 300 } });
    let received = 0;
    const client = new Client({
      webSocketFactory: () => new SockJS(`${harness.url}/ws/chat`),
      connectHeaders: { Authorization: "Bearer t-student" },
      heartbeatIncoming: 300,
      heartbeatOutgoing: 300,
      reconnectDelay: 0,
      onHeartbeatReceived: () => received++,
    });
    track(client);
    const frame = await connect(client);
    let closed = false;
    client.onWebSocketClose = () => (closed = true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(closed).toBe(false);
    expect(received).toBeGreaterThanOrEqual(2);
    expect(harness.heartBeatsReceived.get(frame.headers.session!)).toBeGreaterThanOrEqual(2);
  });

  it("are missed by the client when the server stops sending them (the check above can fail)", async () => {
    await harness.close();
    await start({ heartBeat: { sendMs: 300, receiveMs: 300 }, sendHeartBeats: false });
    let lost = 0;
    const client = stompClient("t-student", { heartbeatIncoming: 300, heartbeatOutgoing: 300, onHeartbeatLost: () => lost++ });
    await connect(client);
    const closed = new Promise((r) => (client.onWebSocketClose = r));
    await closed;
    expect(lost).toBe(1);
  });

  it("a client that promised heart-beats and goes silent is closed by the server", async () => {
    await harness.close();
    await start({ heartBeat: { sendMs: 0, receiveMs: 300 } });
    const ws = new WebSocket(wsUrl(), ["v12.stomp"]);
    await new Promise((r) => ws.once("open", r));
    const started = Date.now();
    ws.send("CONNECT\naccept-version:1.2\nheart-beat:300,0\nAuthorization:Bearer t-student\n\n\0");
    const connected = await new Promise<string>((r) => ws.once("message", (d) => r(d.toString())));
    expect(connected).toContain("heart-beat:0,300");
    await new Promise((r) => ws.once("close", r));
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(harness.closes).toContainEqual({ code: 1002, reason: "heart-beat timeout" });
  });
});

describe("sockjs-client + stompjs (the seed's client code)", () => {
  it("connects over the SockJS WebSocket transport, subscribes, sends and receives", async () => {
    const professor = stompClient("t-prof");
    await connect(professor);
    const theirs = inbox(professor);
    const { socket, events } = seedClient(harness.url, "t-student");
    const received = await waitFor(() => events.find(([kind, a]) => kind === "log" && a[0] === "📩 메시지 수신:"));
    expect(received[1][1]).toMatchObject({ requestIdx: 123, sender: "STU001", content: "Test message", seq: 1 });
    expect((socket as unknown as { transport: string }).transport).toBe("websocket");
    expect((await theirs.until(1))[0]!.content).toBe("Test message");
    // And the other way, from a plain STOMP client to the SockJS one.
    await publishWithReceipt(professor, { requestIdx: 123, content: "답장" });
    await waitFor(() => events.find(([, a]) => (a[1] as { content?: string } | undefined)?.content === "답장"));
    expect(events.some(([kind]) => kind === "error")).toBe(false);
  });

  it("calls the error callback for a bad token, and the socket closes", async () => {
    const { socket, events } = seedClient(harness.url, "forged");
    const closed = new Promise<{ code: number }>((r) => socket.addEventListener("close", (e) => r(e as unknown as { code: number })));
    const error = await waitFor(() => events.find(([kind]) => kind === "error"));
    expect((error[1][1] as IFrame).headers).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await closed).code).toBe(4001);
  });

  it("refuses the other SockJS transports with 404 and a JSON body", async () => {
    for (const transport of ["xhr_streaming", "xhr", "eventsource", "htmlfile", "jsonp"]) {
      const res = await fetch(`${harness.url}/ws/chat/123/abcdefgh/${transport}`, { method: "POST" });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
    }
    // A client restricted to those transports fails visibly instead of hanging.
    const socket = new SockJS(`${harness.url}/ws/chat`, undefined, { transports: ["xhr-streaming", "xhr-polling"] });
    const closed = await new Promise<{ code: number }>((r) => socket.addEventListener("close", (e) => r(e as unknown as { code: number })));
    expect(socket.readyState).toBe(SockJS.CLOSED);
    expect(closed.code).not.toBe(1000);
  });

  it("closes a SockJS session that sends broken framing", async () => {
    const ws = new WebSocket(`${harness.url.replace("http", "ws")}/ws/chat/1/abcdefgh/websocket`);
    const frames: string[] = [];
    ws.on("message", (d) => frames.push(d.toString()));
    await new Promise((r) => ws.once("open", r));
    ws.send("not json");
    await new Promise((r) => ws.once("close", r));
    expect(frames).toEqual(["o", 'c[3000,"Broken framing."]']);
  });
});
