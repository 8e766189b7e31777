/**
 * The STOMP and SockJS modules in workerd itself (the Node suites in test/node/stomp test
 * them in depth): the runtime's TextDecoder, btoa/atob, structuredClone and crypto.
 */
import { describe, expect, it } from "vitest";
import type { User } from "../../src/domain/types";
import { StompSession } from "../../src/inbox/stomp-session";
import { encodeFrame, readFrame, StompDecoder, StompProtocolError } from "../../src/protocol/stomp-codec";
import { parseSockjsMessage, sockjsArrayFrame, sockjsInfo } from "../../src/protocol/sockjs-framing";

const user: User = { userCode: "STU001", name: "홍길동", role: "STUDENT", isCounselor: false, isAdmin: false, exp: null };

describe("STOMP protocol modules in workerd", () => {
  it("round-trips frames, rejects invalid UTF-8 and keeps a partial frame", () => {
    const wire = encodeFrame({ command: "SEND", headers: { "x-id": "a:b\nc" }, body: "한글\0" }, "1.2");
    expect(readFrame(new StompDecoder().push(wire)[0]!, "1.2")).toEqual({ command: "SEND", headers: { "x-id": "a:b\nc", "content-length": "7" }, body: "한글\0" });
    const [invalid] = new StompDecoder().push(new Uint8Array([0x53, 0x0a, 0x0a, 0xff, 0]));
    expect(() => readFrame(invalid!, "1.2")).toThrow(StompProtocolError);
    const decoder = new StompDecoder();
    expect(decoder.push("SEND\n\nab")).toEqual([]);
    expect(decoder.push("c\0").length).toBe(1);
  });

  it("runs a session through CONNECT, SUBSCRIBE, SEND and an attachment round trip", async () => {
    const written: string[] = [];
    const ports = {
      verify: async (token: string) => (token === "ok" ? { ok: true as const, user } : { ok: false as const, message: "bad" }),
      send: async () => ({ ok: true as const, id: "m1", seq: 1 }),
      write: (d: string) => written.push(d),
      close: () => {},
    };
    const session = StompSession.create(ports);
    await session.receive("CONNECT\naccept-version:1.2\nAuthorization:Bearer ok\n\n\0SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\0SUBSCRIBE\nid:1\ndestination:/user/qu");
    const restored = StompSession.fromAttachment(session.toAttachment(), ports);
    await restored.receive('eue/chat\n\n\0SEND\ndestination:/app/chat.send\nreceipt:r\n\n{"requestIdx":1,"content":"x"}\0');
    expect(restored.subscriptionIds).toEqual(["0", "1"]);
    expect(written.map((w) => w.split("\n")[0])).toEqual(["CONNECTED", "RECEIPT"]);
  });

  it("frames SockJS", () => {
    expect(sockjsArrayFrame(["\u2028"])).toBe('a["\\u2028"]');
    expect(parseSockjsMessage('["x"]')).toEqual({ ok: true, messages: ["x"] });
    expect(sockjsInfo().websocket).toBe(true);
  });
});
