import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parseSockjsMessage, parseSockjsPath, sockjsArrayFrame, sockjsClientFrame, sockjsCloseFrame, sockjsInfo, sockjsOutput, sockjsQuote, SOCKJS_HEARTBEAT, SOCKJS_OPEN } from "../../../src/protocol/sockjs-framing";

// sockjs-client's own quoting (what it sends) is the reference for what it can read back.
const require = createRequire(import.meta.url);
const clientEscape = require("sockjs-client/lib/utils/escape.js") as { quote(s: string): string };

describe("SockJS server frames", () => {
  it("has the fixed open and heartbeat frames", () => {
    expect([SOCKJS_OPEN, SOCKJS_HEARTBEAT]).toEqual(["o", "h"]);
  });

  it("wraps messages in one array frame, in order", () => {
    expect(sockjsArrayFrame(["CONNECTED\nversion:1.2\n\n\0", "x"])).toBe('a["CONNECTED\\nversion:1.2\\n\\n\\u0000","x"]');
    expect(sockjsArrayFrame([])).toBe("a[]");
  });

  it("escapes characters that browsers mangle, and the client's JSON.parse restores them", () => {
    const s = "\u2028\u2029\u200c\u2060\ufff0\uffff 한글 😀 \u0000\u001f";
    const quoted = sockjsQuote(s);
    expect(quoted).not.toMatch(/[\u2028\u2029\u200c\u2060\ufff0\uffff\ud800-\udfff\u0000-\u001f]/);
    expect(quoted).toContain("한글");
    expect(quoted).toContain("\\ud83d\\ude00");
    expect(JSON.parse(quoted)).toBe(s);
    expect(JSON.parse(sockjsArrayFrame([s]).slice(1))).toEqual([s]);
  });

  it("escapes at least what sockjs-client escapes in the ranges both treat", () => {
    for (const ch of ["\u0000", "\u001f", "\ud800", "\udfff", "\ufff0", "\uffff"]) {
      expect(sockjsQuote(ch)).toBe(clientEscape.quote(ch));
    }
  });

  it("writes close frames as c[code,\"reason\"]", () => {
    expect(sockjsCloseFrame(3000, "Go away!")).toBe('c[3000,"Go away!"]');
    expect(JSON.parse(sockjsCloseFrame(4001, 'bad "token"').slice(1))).toEqual([4001, 'bad "token"']);
  });
});

describe("sockjsOutput", () => {
  it("sends each write as an a frame, and a close as a c frame before closing the socket", () => {
    const log: unknown[] = [];
    const out = sockjsOutput({ send: (d) => log.push(d), close: (code, reason) => log.push(["close", code, reason]) });
    out.write("RECEIPT\nreceipt-id:1\n\n\0");
    out.close(4001, "UNAUTHORIZED");
    expect(log).toEqual(['a["RECEIPT\\nreceipt-id:1\\n\\n\\u0000"]', 'c[4001,"UNAUTHORIZED"]', ["close", 4001, "UNAUTHORIZED"]]);
  });
});

describe("SockJS client messages", () => {
  it("knows the exact text of a STOMP heart-beat from sockjs-client, and the answer to it", () => {
    expect(sockjsClientFrame("\n")).toBe(`[${clientEscape.quote("\n")}]`);
    expect(sockjsClientFrame("\n")).toBe('["\\n"]');
    expect(sockjsArrayFrame(["\n"])).toBe('a["\\n"]');
  });

  it("reads an array of strings (what sockjs-client sends)", () => {
    const sent = `[${clientEscape.quote("SEND\ndestination:/app/chat.send\n\n{\"content\":\"안녕\u2028\"}\0")}]`;
    expect(parseSockjsMessage(sent)).toEqual({ ok: true, messages: ['SEND\ndestination:/app/chat.send\n\n{"content":"안녕\u2028"}\0'] });
    expect(parseSockjsMessage('["a","b"]')).toEqual({ ok: true, messages: ["a", "b"] });
  });

  it("reads a single JSON string and ignores an empty message", () => {
    expect(parseSockjsMessage('"\\n"')).toEqual({ ok: true, messages: ["\n"] });
    expect(parseSockjsMessage("")).toEqual({ ok: true, messages: [] });
  });

  it.each([["not json"], ["[1,2]"], ['{"a":1}'], ["null"], ['["a",null]'], ["42"]])("refuses broken framing %j", (data) => {
    expect(parseSockjsMessage(data).ok).toBe(false);
  });
});

describe("SockJS info and paths", () => {
  it("answers /info with the websocket transport enabled", () => {
    expect(sockjsInfo(42)).toEqual({ websocket: true, origins: ["*:*"], cookie_needed: false, entropy: 42 });
    const info = sockjsInfo();
    expect(Number.isInteger(info.entropy) && info.entropy >= 0).toBe(true);
  });

  it("splits /{server}/{session}/{transport}", () => {
    expect(parseSockjsPath("/123/abcdefgh/websocket")).toEqual({ server: "123", session: "abcdefgh", transport: "websocket" });
    expect(parseSockjsPath("/123/abc/xhr_streaming")).toEqual({ server: "123", session: "abc", transport: "xhr_streaming" });
  });

  it.each([["/123/abc"], ["/123/a.b/websocket"], ["//abc/websocket"], ["/1/2/3/4"], ["/1/2/websocket/"], [""]])("refuses path %j", (path) => {
    expect(parseSockjsPath(path)).toBeNull();
  });
});
