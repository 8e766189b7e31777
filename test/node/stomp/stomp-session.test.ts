import { describe, expect, it } from "vitest";
import { StompSession, stompCloseCode, type SendOutcome } from "../../../src/inbox/stomp-session";
import { CONNECT, connected, message, record, subscribed, TOKENS } from "./support/session-fixture";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("CONNECT", () => {
  it("answers CONNECTED with version, heart-beat, server, session and user-name", async () => {
    const rec = record({ heartBeat: { sendMs: 5000, receiveMs: 8000 } });
    await rec.session.receive(CONNECT);
    expect(rec.frames()).toEqual([
      { command: "CONNECTED", headers: { version: "1.2", "heart-beat": "5000,8000", server: "consultation-chat/1.0", session: "s-1", "user-name": "STU001" }, body: "" },
    ]);
    expect(rec.session.phase).toBe("connected");
    expect(rec.session.user).toEqual(TOKENS["good-token"]);
    expect(rec.session.heartBeat).toEqual({ header: "5000,8000", sendEveryMs: 10000, expectEveryMs: 10000 });
    expect(rec.closed).toEqual([]);
  });

  it("accepts the STOMP command, a lowercase authorization header and a 1.1 client", async () => {
    const rec = record();
    await rec.session.receive("STOMP\naccept-version:1.1\nauthorization:bearer good-token\n\n\0");
    expect(rec.frames()[0]!.headers.version).toBe("1.1");
  });

  it("speaks 1.0 to a client without accept-version: no heart-beat header", async () => {
    const rec = record();
    await rec.session.receive("CONNECT\nAuthorization:Bearer good-token\n\n\0");
    const [frame] = rec.frames();
    expect(frame!.headers.version).toBe("1.0");
    expect(frame!.headers["heart-beat"]).toBeUndefined();
    expect(rec.session.heartBeat.sendEveryMs).toBe(0);
  });

  it("caps the version at the subprotocol the socket was opened with", async () => {
    const rec = record({ subprotocol: "v11.stomp" });
    await rec.session.receive(CONNECT);
    expect(rec.frames()[0]!.headers.version).toBe("1.1");
  });

  it.each([
    ["no Authorization header", "CONNECT\naccept-version:1.2\n\n\0", "UNAUTHORIZED", 4001],
    ["not a bearer token", "CONNECT\naccept-version:1.2\nAuthorization:Basic abc\n\n\0", "UNAUTHORIZED", 4001],
    ["a bad token", "CONNECT\naccept-version:1.2\nAuthorization:Bearer forged\n\n\0", "UNAUTHORIZED", 4001],
    ["an unsupported version", "CONNECT\naccept-version:2.0\nAuthorization:Bearer good-token\n\n\0", "BAD_FRAME", 1002],
    ["a malformed heart-beat", "CONNECT\naccept-version:1.2\nheart-beat:often\nAuthorization:Bearer good-token\n\n\0", "BAD_FRAME", 1002],
    ["a SEND before CONNECT", 'SEND\ndestination:/app/chat.send\n\n{"requestIdx":1,"content":"x"}\0', "BAD_FRAME", 1002],
    ["a SUBSCRIBE before CONNECT", "SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\0", "BAD_FRAME", 1002],
    ["a JSON frame", '{"type":"send"}', "BAD_FRAME", 1002],
    ["an oversized frame", `CONNECT\nx:${"y".repeat(17000)}\n\n\0`, "TOO_LARGE", 1009],
  ])("refuses %s with ERROR and closes", async (_, data, code, closeCode) => {
    const rec = record();
    await rec.session.receive(data);
    const frames = rec.frames();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.command).toBe("ERROR");
    expect(frames[0]!.headers.code).toBe(code);
    expect(frames[0]!.headers.message).toBeTruthy();
    expect(rec.closed).toEqual([{ code: closeCode, reason: code }]);
    expect(rec.session.phase).toBe("closed");
    // Nothing more is read or written once closed.
    await rec.session.receive(CONNECT);
    expect(rec.written).toHaveLength(1);
  });

  it("lists the supported versions in the ERROR for a version mismatch", async () => {
    const rec = record();
    await rec.session.receive("CONNECT\naccept-version:2.0\nAuthorization:Bearer good-token\n\n\0");
    expect(rec.frames()[0]!.headers.version).toBe("1.2,1.1,1.0");
  });

  it("passes the verifier's code through", async () => {
    const rec = record();
    rec.ports.verify = async () => ({ ok: false, code: "FORBIDDEN", message: "admins cannot chat" });
    await rec.session.receive(CONNECT);
    expect(rec.frames()[0]!.headers.code).toBe("FORBIDDEN");
    expect(rec.closed[0]!.code).toBe(1008);
  });

  it("refuses a second CONNECT", async () => {
    const rec = await connected();
    await rec.session.receive(CONNECT);
    expect(rec.frames()[0]).toMatchObject({ command: "ERROR", headers: { code: "BAD_FRAME" } });
  });

  it("reads frames pipelined behind CONNECT with the negotiated version's escaping", async () => {
    const rec = record();
    await rec.session.receive(`${CONNECT}SUBSCRIBE\nid:a\\cb\ndestination:/user/queue/chat\nreceipt:r\\\\1\n\n\0`);
    expect(rec.session.subscriptionIds).toEqual(["a:b"]);
    expect(rec.frames().map((f) => f.command)).toEqual(["CONNECTED", "RECEIPT"]);
    expect(rec.frames()[1]!.headers["receipt-id"]).toBe("r\\1");
  });
});

describe("SUBSCRIBE and deliver", () => {
  it("subscribes to /user/queue/chat with a receipt and tells the host to deliver history", async () => {
    const rec = await connected();
    await rec.session.receive("SUBSCRIBE\nid:sub-0\ndestination:/user/queue/chat\nreceipt:r-1\n\n\0");
    expect(rec.frames()).toEqual([{ command: "RECEIPT", headers: { "receipt-id": "r-1" }, body: "" }]);
    expect(rec.subscribed).toEqual(["STU001:sub-0"]);
  });

  it("sends the history after the RECEIPT, holding live messages until it is out", async () => {
    const gate = deferred<ReturnType<typeof message>[]>();
    const rec = await connected();
    rec.history = () => gate.promise;
    const done = rec.session.receive("SUBSCRIBE\nid:s\ndestination:/user/queue/chat\nreceipt:r\n\n\0");
    await new Promise((r) => setTimeout(r, 1));
    // Live while the history loads: 1.3 (also in the history snapshot) and 1.4 (too new for it).
    expect(rec.session.deliver(message(1, 3))).toBe(0);
    expect(rec.session.deliver(message(1, 4))).toBe(0);
    expect(rec.frames().map((f) => f.command)).toEqual(["RECEIPT"]);
    gate.resolve([message(1, 1), message(1, 2), message(2, 1), message(1, 3)]);
    await done;
    expect(rec.frames().slice(1).map((f) => JSON.parse(f.body).id)).toEqual(["m-1-1", "m-1-2", "m-2-1", "m-1-3", "m-1-4"]);
    expect(rec.session.deliver(message(1, 4))).toBe(0);
    expect(rec.session.deliver(message(1, 5))).toBe(1);
  });

  it("answers a history that cannot be loaded with ERROR UPSTREAM_UNAVAILABLE", async () => {
    const rec = await connected();
    rec.history = async () => {
      throw new Error("room unreachable");
    };
    await rec.session.receive("SUBSCRIBE\nid:s\ndestination:/user/queue/chat\n\n\0");
    expect(rec.frames()).toMatchObject([{ command: "ERROR", headers: { code: "UPSTREAM_UNAVAILABLE" } }]);
    expect(rec.closed).toEqual([{ code: 1011, reason: "UPSTREAM_UNAVAILABLE" }]);
  });

  it("works without a history port (live messages only)", async () => {
    const rec = await connected();
    delete rec.ports.history;
    await rec.session.receive("SUBSCRIBE\nid:s\ndestination:/user/queue/chat\n\n\0");
    expect(rec.session.deliver(message(1, 1))).toBe(1);
  });

  it("delivers MESSAGE frames with the seed's JSON plus id, seq, type, clientMsgId", async () => {
    const rec = await subscribed();
    expect(rec.session.deliver(message(123, 1))).toBe(1);
    const [frame] = rec.frames();
    expect(frame!.command).toBe("MESSAGE");
    expect(frame!.headers).toMatchObject({ subscription: "sub-0", "message-id": "m-123-1", destination: "/user/queue/chat", "content-type": "application/json" });
    expect(frame!.headers.ack).toBeUndefined();
    expect(frame!.body).toBe('{"requestIdx":123,"sender":"STU001","senderName":"홍길동","content":"hello 1","sentAt":"2025-10-24T05:15:30.123Z","id":"m-123-1","seq":1,"type":"NORMAL","clientMsgId":"c-1"}');
  });

  it("never delivers a room's message twice or backwards, rooms independent", async () => {
    const rec = await subscribed();
    const seqs = [[1, 1], [1, 2], [2, 1], [1, 2], [1, 1], [2, 1], [2, 2], [1, 3]] as const;
    const counts = seqs.map(([room, seq]) => rec.session.deliver(message(room, seq)));
    expect(counts).toEqual([1, 1, 1, 0, 0, 0, 1, 1]);
    expect(rec.frames().map((f) => JSON.parse(f.body).id)).toEqual(["m-1-1", "m-1-2", "m-2-1", "m-2-2", "m-1-3"]);
  });

  it("delivers nothing before SUBSCRIBE, and nothing after UNSUBSCRIBE", async () => {
    const rec = await connected();
    expect(rec.session.deliver(message(1, 1))).toBe(0);
    await rec.session.receive("SUBSCRIBE\nid:s\ndestination:/user/queue/chat\n\n\0");
    expect(rec.session.deliver(message(1, 1))).toBe(1);
    await rec.session.receive("UNSUBSCRIBE\nid:s\nreceipt:u\n\n\0");
    expect(rec.session.deliver(message(1, 2))).toBe(0);
    expect(rec.frames().map((f) => f.command)).toEqual(["MESSAGE", "RECEIPT"]);
  });

  it("gives each subscription its own history (a second one gets the backfill too)", async () => {
    const rec = await subscribed();
    rec.session.deliver(message(1, 1));
    await rec.session.receive("SUBSCRIBE\nid:sub-1\ndestination:/user/queue/chat\n\n\0");
    expect(rec.session.deliver(message(1, 1))).toBe(1);
    expect(rec.session.deliver(message(1, 2))).toBe(2);
    expect(rec.frames().map((f) => f.headers.subscription)).toEqual(["sub-0", "sub-1", "sub-0", "sub-1"]);
  });

  it("adds an ack header in 1.2 for client acknowledgement and accepts ACK/NACK", async () => {
    const rec = await connected();
    await rec.session.receive("SUBSCRIBE\nid:s\ndestination:/user/queue/chat\nack:client-individual\n\n\0");
    rec.session.deliver(message(1, 1));
    expect(rec.frames()[0]!.headers.ack).toBe("m-1-1");
    await rec.session.receive("ACK\nid:m-1-1\nreceipt:a\n\n\0NACK\nid:m-1-1\n\n\0");
    expect(rec.frames().map((f) => f.command)).toEqual(["MESSAGE", "RECEIPT"]);
    expect(rec.closed).toEqual([]);
  });

  it("uses the destination as the id of a 1.0 subscription without one", async () => {
    const rec = record();
    await rec.session.receive("CONNECT\nAuthorization:Bearer good-token\n\n\0");
    await rec.session.receive("SUBSCRIBE\ndestination:/user/queue/chat\n\n\0");
    expect(rec.session.subscriptionIds).toEqual(["/user/queue/chat"]);
  });

  it.each([
    ["another destination", "SUBSCRIBE\nid:0\ndestination:/topic/all\n\n\0", "NOT_FOUND"],
    ["no destination", "SUBSCRIBE\nid:0\n\n\0", "BAD_FRAME"],
    ["no id", "SUBSCRIBE\ndestination:/user/queue/chat\n\n\0", "BAD_FRAME"],
    ["an unknown ack mode", "SUBSCRIBE\nid:0\ndestination:/user/queue/chat\nack:never\n\n\0", "BAD_FRAME"],
    ["a duplicate id", "SUBSCRIBE\nid:sub-0\ndestination:/user/queue/chat\n\n\0", "BAD_FRAME"],
    ["UNSUBSCRIBE without id", "UNSUBSCRIBE\n\n\0", "BAD_FRAME"],
    ["ACK without id", "ACK\nmessage-id:1\n\n\0", "BAD_FRAME"],
    ["a transaction", "BEGIN\ntransaction:t\n\n\0", "BAD_FRAME"],
    ["an unknown command", "PUBLISH\n\n\0", "BAD_FRAME"],
    ["an undefined escape", "SEND\ndestination:/app\\tchat\n\n\0", "BAD_FRAME"],
  ])("refuses %s with ERROR and closes", async (_, data, code) => {
    const rec = await subscribed();
    await rec.session.receive(data);
    expect(rec.frames()).toMatchObject([{ command: "ERROR", headers: { code } }]);
    expect(rec.closed).toHaveLength(1);
    expect(rec.session.deliver(message(1, 1))).toBe(0);
  });

  it("limits subscriptions per connection", async () => {
    const rec = await connected({ maxSubscriptions: 2 });
    await rec.session.receive("SUBSCRIBE\nid:1\ndestination:/user/queue/chat\n\n\0SUBSCRIBE\nid:2\ndestination:/user/queue/chat\n\n\0");
    expect(rec.closed).toEqual([]);
    await rec.session.receive("SUBSCRIBE\nid:3\ndestination:/user/queue/chat\n\n\0");
    expect(rec.frames()).toMatchObject([{ command: "ERROR", headers: { code: "BAD_FRAME" } }]);
  });
});

describe("SEND /app/chat.send", () => {
  const send = (body: string, headers = "") => `SEND\ndestination:/app/chat.send\n${headers}content-type:application/json\n\n${body}\0`;

  it("goes through the send port and answers RECEIPT once stored", async () => {
    const gate = deferred<SendOutcome>();
    const rec = await connected({}, () => gate.promise);
    const done = rec.session.receive(send('{"requestIdx":123,"content":"안녕하세요"}', "receipt:r-7\nclient-msg-id:cm-1\n"));
    await Promise.resolve();
    expect(rec.sends).toEqual([{ user: TOKENS["good-token"], requestIdx: 123, content: "안녕하세요", clientMsgId: "cm-1" }]);
    expect(rec.written).toEqual([]); // not before it is stored
    gate.resolve({ ok: true, id: "msg-9", seq: 9 });
    await done;
    expect(rec.frames()).toEqual([{ command: "RECEIPT", headers: { "receipt-id": "r-7", "message-id": "msg-9", seq: "9", "client-msg-id": "cm-1" }, body: "" }]);
  });

  it("generates a client-msg-id when the header is absent, and accepts requestIdx as a decimal string", async () => {
    const rec = await connected();
    await rec.session.receive(send('{"requestIdx":"12","content":"x"}'));
    expect(rec.sends[0]).toMatchObject({ requestIdx: 12, clientMsgId: "gen-1" });
    expect(rec.written).toEqual([]); // no receipt asked for
  });

  it("processes frames strictly in order: the next SEND waits for the one before", async () => {
    const gates = [deferred<SendOutcome>(), deferred<SendOutcome>()];
    let call = 0;
    const rec = await connected({}, () => gates[call++]!.promise);
    const done = rec.session.receive(send('{"requestIdx":1,"content":"a"}', "receipt:1\n") + send('{"requestIdx":1,"content":"b"}', "receipt:2\n") + "DISCONNECT\nreceipt:3\n\n\0");
    await new Promise((r) => setTimeout(r, 5));
    expect(rec.sends.map((s) => s.content)).toEqual(["a"]);
    gates[0]!.resolve({ ok: true, id: "a", seq: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect(rec.sends.map((s) => s.content)).toEqual(["a", "b"]);
    gates[1]!.resolve({ ok: true, id: "b", seq: 2 });
    await done;
    expect(rec.frames().map((f) => f.headers["receipt-id"])).toEqual(["1", "2", "3"]);
    expect(rec.closed).toEqual([{ code: 1000, reason: "DISCONNECT" }]);
  });

  it.each([
    ["FORBIDDEN", 1008],
    ["RATE_LIMITED", 1008],
    ["VALIDATION", 1008],
    ["INVALID_STATE", 1008],
    ["UPSTREAM_UNAVAILABLE", 1011],
  ])("turns a refused send (%s) into ERROR with the code and receipt-id, then closes", async (code, closeCode) => {
    const rec = await connected({}, async () => ({ ok: false, code, message: `refused: ${code}` }));
    await rec.session.receive(send('{"requestIdx":5,"content":"x"}', "receipt:r-1\nclient-msg-id:c-1\n"));
    expect(rec.frames()).toEqual([
      { command: "ERROR", headers: { message: `refused: ${code}`, code, "receipt-id": "r-1", "client-msg-id": "c-1", "content-type": "text/plain", "content-length": String(`refused: ${code}`.length) }, body: `refused: ${code}` },
    ]);
    expect(rec.closed).toEqual([{ code: closeCode, reason: code }]);
    expect(stompCloseCode(code)).toBe(closeCode);
  });

  it("answers INTERNAL when the send port throws", async () => {
    const rec = await connected({}, async () => {
      throw new Error("secret detail");
    });
    await rec.session.receive(send('{"requestIdx":5,"content":"x"}'));
    expect(rec.frames()[0]!.headers).toMatchObject({ code: "INTERNAL", message: "internal error" });
    expect(rec.closed[0]!.code).toBe(1011);
  });

  it.each([
    ["no destination", 'SEND\n\n{"requestIdx":1,"content":"x"}\0', "BAD_FRAME"],
    ["another destination", 'SEND\ndestination:/app/other\n\n{"requestIdx":1,"content":"x"}\0', "NOT_FOUND"],
    ["an empty body", send(""), "BAD_FRAME"],
    ["a body that is not JSON", send("hello"), "BAD_FRAME"],
    ["a JSON array", send("[1]"), "BAD_FRAME"],
    ["a missing requestIdx", send('{"content":"x"}'), "VALIDATION"],
    ["requestIdx 0", send('{"requestIdx":0,"content":"x"}'), "VALIDATION"],
    ["requestIdx 1.5", send('{"requestIdx":1.5,"content":"x"}'), "VALIDATION"],
    ["requestIdx ' 12'", send('{"requestIdx":" 12","content":"x"}'), "VALIDATION"],
    ["content that is not a string", send('{"requestIdx":1,"content":7}'), "VALIDATION"],
    ["an empty client-msg-id", send('{"requestIdx":1,"content":"x"}', "client-msg-id:\n"), "VALIDATION"],
    ["a client-msg-id over 128 characters", send('{"requestIdx":1,"content":"x"}', `client-msg-id:${"c".repeat(129)}\n`), "VALIDATION"],
  ])("refuses %s without calling the send port", async (_, data, code) => {
    const rec = await connected();
    await rec.session.receive(data);
    expect(rec.sends).toEqual([]);
    expect(rec.frames()).toMatchObject([{ command: "ERROR", headers: { code } }]);
    expect(rec.closed).toHaveLength(1);
  });
});

describe("DISCONNECT, expiry and heart-beats", () => {
  it("answers DISCONNECT's receipt and closes normally", async () => {
    const rec = await subscribed();
    await rec.session.receive("DISCONNECT\nreceipt:bye\n\n\0");
    expect(rec.frames()).toEqual([{ command: "RECEIPT", headers: { "receipt-id": "bye" }, body: "" }]);
    expect(rec.closed).toEqual([{ code: 1000, reason: "DISCONNECT" }]);
    expect(rec.session.deliver(message(1, 1))).toBe(0);
  });

  it("closes with ERROR and 4001 when the token expires", async () => {
    const rec = await subscribed();
    rec.session.expire();
    expect(rec.frames()).toMatchObject([{ command: "ERROR", headers: { code: "UNAUTHORIZED", message: "token expired" } }]);
    expect(rec.closed).toEqual([{ code: 4001, reason: "UNAUTHORIZED" }]);
  });

  it("takes heart-beat EOLs without answering or persisting", async () => {
    const rec = await subscribed();
    const before = rec.persisted.length;
    await rec.session.receive("\n");
    await rec.session.receive("\r\n");
    expect(rec.written).toEqual([]);
    expect(rec.persisted.length).toBe(before);
  });
});

describe("attachments (hibernation)", () => {
  it("round-trips through JSON and keeps subscriptions, cursors, user and version", async () => {
    const rec = await subscribed();
    rec.session.deliver(message(1, 1));
    const attachment = JSON.parse(JSON.stringify(rec.session.toAttachment()));
    expect(JSON.stringify(attachment).length).toBeLessThan(2048);
    const restored = record({}, undefined, attachment);
    expect(restored.session.phase).toBe("connected");
    expect(restored.session.version).toBe("1.2");
    expect(restored.session.user).toEqual(TOKENS["good-token"]);
    expect(restored.session.sessionId).toBe("s-1");
    expect(restored.session.deliver(message(1, 1))).toBe(0);
    expect(restored.session.deliver(message(1, 2))).toBe(1);
    await restored.session.receive('SEND\ndestination:/app/chat.send\nreceipt:r\n\n{"requestIdx":1,"content":"x"}\0');
    expect(restored.frames().map((f) => f.command)).toEqual(["MESSAGE", "RECEIPT"]);
  });

  it("persists every change, including a partial frame, and resumes it", async () => {
    const rec = await subscribed();
    await rec.session.receive("SUBSCRIBE\nid:late\ndestination:/user/qu");
    const attachment = rec.persisted.at(-1)!;
    expect(attachment.pending).not.toBe("");
    const restored = record({}, undefined, attachment);
    await restored.session.receive("eue/chat\n\n\0");
    expect(restored.session.subscriptionIds).toEqual(["sub-0", "late"]);
    expect(restored.persisted.at(-1)!.pending).toBe("");
  });

  it("refuses something that is not its attachment", () => {
    const rec = record();
    expect(() => StompSession.fromAttachment({ v: 2 } as never, rec.ports)).toThrow();
  });

  it("stays closed after a restore of a closed session", async () => {
    const rec = await connected();
    await rec.session.receive("DISCONNECT\n\n\0");
    const restored = record({}, undefined, rec.session.toAttachment());
    await restored.session.receive(CONNECT);
    expect(restored.written).toEqual([]);
  });
});
