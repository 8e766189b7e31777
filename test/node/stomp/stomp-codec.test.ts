import { describe, expect, it } from "vitest";
import { DEFAULT_STOMP_LIMITS, encodeFrame, readFrame, StompDecoder, StompProtocolError, type StompLimits } from "../../../src/protocol/stomp-codec";
import type { StompVersion } from "../../../src/protocol/stomp-version";

function decodeAll(data: string | Uint8Array, version: StompVersion | null = "1.2", limits?: StompLimits) {
  return new StompDecoder(limits).push(data).map((raw) => readFrame(raw, version));
}

function protocolError(fn: () => unknown): StompProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StompProtocolError) return err;
    throw err;
  }
  throw new Error("expected a StompProtocolError");
}

describe("encodeFrame / decode round trips", () => {
  const tricky = "a:b\\c\nd\re";
  it.each([["1.2"], ["1.1"], ["1.0"]] as const)("round-trips a SEND frame in %s", (version) => {
    const wire = encodeFrame({ command: "SEND", headers: { destination: "/app/chat.send", receipt: "r-1" }, body: '{"requestIdx":1,"content":"안녕"}' }, version);
    const [frame] = decodeAll(wire, version);
    expect(frame).toEqual({ command: "SEND", headers: { destination: "/app/chat.send", receipt: "r-1", "content-length": String(new TextEncoder().encode('{"requestIdx":1,"content":"안녕"}').length) }, body: '{"requestIdx":1,"content":"안녕"}' });
  });

  it("escapes \\ : LF and CR in 1.2 and restores them", () => {
    const wire = encodeFrame({ command: "MESSAGE", headers: { "x-h": tricky } }, "1.2");
    expect(wire).toBe("MESSAGE\nx-h:a\\cb\\\\c\\nd\\re\n\n\0");
    expect(decodeAll(wire, "1.2")[0]!.headers["x-h"]).toBe(tricky);
  });

  it("escapes \\ : LF in 1.1 (CR cannot be written and is dropped)", () => {
    const wire = encodeFrame({ command: "MESSAGE", headers: { "x-h": tricky } }, "1.1");
    expect(wire).toBe("MESSAGE\nx-h:a\\cb\\\\c\\nde\n\n\0");
    expect(decodeAll(wire, "1.1")[0]!.headers["x-h"]).toBe("a:b\\c\nde");
  });

  it("does not escape in 1.0: backslashes and colons pass as they are, line breaks become spaces", () => {
    const wire = encodeFrame({ command: "MESSAGE", headers: { "x-h": tricky } }, "1.0");
    expect(wire).toBe("MESSAGE\nx-h:a:b\\c de\n\n\0");
    expect(decodeAll(wire, "1.0")[0]!.headers["x-h"]).toBe("a:b\\c de");
  });

  it("never escapes CONNECT and CONNECTED, even in 1.2", () => {
    const wire = encodeFrame({ command: "CONNECTED", headers: { server: "x:y\\z" } }, "1.2");
    expect(wire).toBe("CONNECTED\nserver:x:y\\z\n\n\0");
    const [connect] = decodeAll("CONNECT\nAuthorization:Bearer a\\b:c\n\n\0", "1.2");
    expect(connect!.headers.Authorization).toBe("Bearer a\\b:c");
  });

  it("treats an undefined escape sequence as a protocol error in 1.1 and 1.2", () => {
    for (const version of ["1.1", "1.2"] as const) {
      expect(protocolError(() => decodeAll("SEND\nx:a\\tb\n\n\0", version)).code).toBe("BAD_FRAME");
    }
    expect(protocolError(() => decodeAll("SEND\nx:a\\rb\n\n\0", "1.1")).message).toMatch(/escape/);
    expect(decodeAll("SEND\nx:a\\tb\n\n\0", "1.0")[0]!.headers.x).toBe("a\\tb");
  });

  it("keeps the first of repeated headers", () => {
    expect(decodeAll("MESSAGE\nfoo:World\nfoo:Hello\n\n\0")[0]!.headers.foo).toBe("World");
  });

  it("keeps whitespace in header values and accepts CRLF line ends", () => {
    const [frame] = decodeAll("SEND\r\ndestination: /a \r\n\r\nbody\0");
    expect(frame).toEqual({ command: "SEND", headers: { destination: " /a " }, body: "body" });
  });

  it("writes content-length from the UTF-8 body and ignores a caller's value", () => {
    const wire = encodeFrame({ command: "SEND", headers: { "content-length": "1" }, body: "한글" }, "1.2");
    expect(wire).toBe("SEND\ncontent-length:6\n\n한글\0");
  });
});

describe("StompDecoder framing", () => {
  it("reads a body with NULs inside when content-length says so", () => {
    const [frame] = decodeAll("SEND\ncontent-length:5\n\na\0b\0c\0");
    expect(frame!.body).toBe("a\0b\0c");
  });

  it("counts content-length in bytes, not characters", () => {
    expect(decodeAll("SEND\ncontent-length:6\n\n한글\0")[0]!.body).toBe("한글");
  });

  it("refuses a body that runs past its content-length", () => {
    expect(protocolError(() => decodeAll("SEND\ncontent-length:2\n\nabc\0")).code).toBe("BAD_FRAME");
  });

  it("refuses a malformed content-length", () => {
    for (const bad of ["-1", "abc", "1e3", " 3", ""]) {
      expect(protocolError(() => decodeAll(`SEND\ncontent-length:${bad}\n\nabc\0`)).code).toBe("BAD_FRAME");
    }
  });

  it("splits several frames in one message and skips heart-beat EOLs between them", () => {
    const frames = decodeAll("\n\r\nSEND\n\na\0\nSEND\n\nb\0\r\n\n");
    expect(frames.map((f) => f.body)).toEqual(["a", "b"]);
  });

  it("treats a message of only EOLs as heart-beats", () => {
    const decoder = new StompDecoder();
    expect(decoder.push("\n")).toEqual([]);
    expect(decoder.push("\r\n\n")).toEqual([]);
    expect(decoder.pending.length).toBe(0);
  });

  it("keeps a partial frame until the rest arrives, at any split point", () => {
    const wire = encodeFrame({ command: "SEND", headers: { destination: "/app/chat.send" }, body: "héllo\0x" }, "1.2") + "\n";
    const bytes = new TextEncoder().encode(wire);
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new StompDecoder();
      const first = decoder.push(bytes.slice(0, cut));
      const second = decoder.push(bytes.slice(cut));
      const frames = [...first, ...second].map((r) => readFrame(r, "1.2"));
      expect(frames.map((f) => f.body), `cut at ${cut}`).toEqual(["héllo\0x"]);
      expect(decoder.pending.length).toBe(0);
    }
  });

  it("restores a pending partial frame (as kept across hibernation)", () => {
    const first = new StompDecoder();
    first.push("SEND\ndestination:/a\n\nhel");
    const second = new StompDecoder(DEFAULT_STOMP_LIMITS, first.pending);
    expect(second.push("lo\0").map((r) => readFrame(r, "1.2").body)).toEqual(["hello"]);
  });

  it("accepts binary WebSocket messages", () => {
    const frames = new StompDecoder().push(new TextEncoder().encode("SEND\n\nhi\0").buffer as ArrayBuffer);
    expect(readFrame(frames[0]!, "1.2").body).toBe("hi");
  });

  it("refuses malformed commands and header lines", () => {
    expect(protocolError(() => decodeAll("send\n\n\0")).code).toBe("BAD_FRAME");
    expect(protocolError(() => decodeAll("SEND FOO\n\n\0")).code).toBe("BAD_FRAME");
    expect(protocolError(() => decodeAll("SEND\nno-colon\n\n\0")).code).toBe("BAD_FRAME");
    expect(protocolError(() => decodeAll("SEND\n:empty-name\n\n\0")).code).toBe("BAD_FRAME");
    expect(protocolError(() => decodeAll("{\"type\":\"send\"}")).code).toBe("BAD_FRAME");
  });

  it("refuses invalid UTF-8", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("SEND\n\n"), 0xff, 0xfe, 0]);
    expect(protocolError(() => decodeAll(bytes)).code).toBe("BAD_FRAME");
  });

  const small: StompLimits = { maxFrameBytes: 200, maxHeaders: 3, maxHeaderBytes: 50 };

  it("refuses a frame over the size limit, whether content-length says so or not", () => {
    expect(protocolError(() => decodeAll(`SEND\n\n${"x".repeat(300)}\0`, "1.2", small)).code).toBe("TOO_LARGE");
    // Declared too large: refused before the body arrives.
    expect(protocolError(() => new StompDecoder(small).push("SEND\ncontent-length:500\n\nxx")).code).toBe("TOO_LARGE");
    // No NUL yet, but already over the limit: refused instead of buffering on.
    expect(protocolError(() => new StompDecoder(small).push(`SEND\n\n${"x".repeat(250)}`)).code).toBe("TOO_LARGE");
    expect(decodeAll(`SEND\n\n${"x".repeat(150)}\0`, "1.2", small)).toHaveLength(1);
  });

  it("refuses too many headers and over-long header lines", () => {
    expect(protocolError(() => decodeAll("SEND\na:1\nb:2\nc:3\nd:4\n\n\0", "1.2", small)).message).toMatch(/more than 3 headers/);
    expect(decodeAll("SEND\na:1\nb:2\nc:3\n\n\0", "1.2", small)).toHaveLength(1);
    expect(protocolError(() => decodeAll(`SEND\nx:${"y".repeat(60)}\n\n\0`, "1.2", small)).code).toBe("TOO_LARGE");
    expect(protocolError(() => new StompDecoder(small).push(`SEND\nx:${"y".repeat(60)}`)).code).toBe("TOO_LARGE");
  });

  it("uses limits of 16 KiB, 32 headers and 8 KiB header lines by default", () => {
    expect(DEFAULT_STOMP_LIMITS).toEqual({ maxFrameBytes: 16384, maxHeaders: 32, maxHeaderBytes: 8192 });
    const body = "x".repeat(16384 - "SEND\n\n\0".length);
    expect(decodeAll(`SEND\n\n${body}\0`)).toHaveLength(1);
    expect(protocolError(() => decodeAll(`SEND\n\n${body}x\0`)).code).toBe("TOO_LARGE");
  });
});
